## The panic switch (/panic, confirmed by a second admin), the revoked signing key in /verify,
## the backup bot (BACKUP_BOT) and the notice of a move to a new bot (announce-move).

cmd-panic = Panic switch: destroy the keys (admin; a second admin confirms)
panic-one-admin = Only one admin is configured, so nobody could confirm a /panic here. To destroy the keyring, run <code>helpline-bot panic</code> on the server.
panic-no-keyring = This instance has no keyring: there is nothing to destroy.
panic-already = The keyring is already destroyed. The bot serves guidance only.
panic-asked = Your request to destroy the keyring went to { $sent ->
        [one] one other admin
       *[other] { $sent } other admins
    }. It needs the confirmation of one of them within { $minutes } min; you cannot confirm it yourself. Nothing has been destroyed yet.
panic-asked-nobody = No other admin could be reached (they must have pressed Start in this bot). Nothing has been destroyed. To destroy the keyring at once, run <code>helpline-bot panic</code> on the server.
panic-request = ⚠️ <b>Panic switch</b>: { $who } asks to destroy the keyring now. Every stored report, the subscriber list and the moderators' chats become unreadable for good; reports and alerts stop; guidance goes on. This cannot be undone. The request lapses in { $minutes } min.
panic-request-someone = another admin
panic-confirm-button = 🔥 Confirm: destroy the keyring
panic-done = 🔥 The keyring is destroyed. Stored reports and subscriptions can no longer be read; the bot now serves guidance only. Publish the revoked signing key's fingerprint and date (run <code>helpline-bot keys status</code> on the server) where your audience trusts you.
panic-same-admin = You made this request: another admin must confirm it.
panic-expired = This request has lapsed or was already used. Nothing was destroyed; send /panic to ask again.
panic-unaudited = (The bot runs locked, so this could not be written to the audit log.)

verify-revoked = ⚠️ <b>Signed with a revoked key.</b> This text carries a valid signature of the key with fingerprint { $fingerprint }, which this helpline revoked on { $date } (its keys were destroyed). A copy you received before { $date } was genuine. A signature does not show when it was made, and nothing signed with this key after { $date } is genuine: do not trust a copy you first see later, and do not pass it on.

alert-backup-bot = If this bot stops working: { $bot }
sos-backup-bot = If this bot stops working, our backup bot is { $bot }. Save its name now.

move-notice = 📢 <b>This helpline is moving to a new bot: { $bot }</b>. Open it, press Start and choose your regions again in /alerts: your subscription cannot move there by itself. This bot may stop working soon. Check the new bot's name in the helpline's own channels before you trust it.
