## The audit log: its head (admins only) and what admins are told at start.

audit-head = 🧾 Audit log head: <code>#{ $seq } { $at } { $mac }</code>. Write it down: a later head with a smaller number means entries were deleted.
audit-head-empty = 🧾 The audit log has no entries yet.
audit-broken = ⚠️ <b>The audit log does not verify</b> from entry #{ $seq }: someone with access to the database edited, deleted or forged an entry. The bot keeps working and the evidence is kept. Tell the operator.
audit-rechained = 🧾 The audit log was converted to a keyed chain ({ $entries ->
        [one] { $entries } earlier entry
       *[other] { $entries } earlier entries
    }). This happens once: if you see this message again, someone rewrote the log.
audit-legacy-broken = ⚠️ The old, unkeyed audit log was already broken at entry #{ $seq } ({ $entries ->
        [one] { $entries } entry
       *[other] { $entries } entries
    }). It is kept unchanged as evidence; a keyed chain starts after it, so later entries are protected.
audit-rekeyed = ⚠️ The keyring was replaced (<code>keys init</code>): the { $entries ->
        [one] { $entries } audit log entry
       *[other] { $entries } audit log entries
    } written under the old one cannot be verified any more. They are kept unchanged; a new chain starts after them. If nobody created a new keyring, someone tampered with the database: tell the operator.
