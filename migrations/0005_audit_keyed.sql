-- The audit chain becomes keyed: each entry's hash is an HMAC-SHA256 under a subkey of the
-- keyring's master secret (never in this database), so someone with only the database cannot
-- recompute the chain after editing it.
--
-- `instance` item 'audit.chain' says which form the chain is in: 'sha256' (the unkeyed chain of
-- migration 0003, re-chained under the key at the first unlocked start), 'hmac-sha256', or
-- 'rekeyed' (`keys init` made a new keyring for this database: the entries so far are kept
-- unverified and a new chain starts after them). A database with no entries yet starts keyed.
INSERT INTO instance (key, value)
SELECT 'audit.chain', CASE WHEN EXISTS (SELECT 1 FROM audit_log) THEN 'sha256' ELSE 'hmac-sha256' END;

-- Where verification starts: the last entry before the verified chain, with its hash (the
-- prev_hash of the first verified entry). Written by retention (the last deleted entry) or by
-- an upgrade that keeps the entries so far unverified (a broken unkeyed chain, or one written
-- under a previous keyring: its last entry). `tag` is an
-- HMAC under the same key over (seq, entry_hash, reason): a moved anchor does not verify.
CREATE TABLE audit_anchor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL,
    entry_hash BLOB NOT NULL,
    reason     TEXT NOT NULL CHECK (reason IN ('retention', 'unverified')),
    tag        BLOB NOT NULL
) STRICT;
