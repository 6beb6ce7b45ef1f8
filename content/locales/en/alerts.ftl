## Regional alerts: subscriptions, the alert template, moderation, admin.

menu-alerts = 🔔 Raid alerts for my region
cmd-alerts = Raid alerts: choose your regions
alerts-unavailable = Raid alerts are not enabled on this server yet.
alerts-title = <b>🔔 Raid alerts</b>
alerts-none = You are not subscribed. Choose one or more regions (or all of Russia): when moderators confirm a raid there, the bot warns you here.
alerts-list = You get alerts for: <b>{ $regions }</b>
alerts-everywhere = all of Russia
alerts-sound-state = Alerts arrive with a sound.
alerts-silent-state = Alerts arrive silently (no sound or vibration).
alerts-added = Added: { $region }.
alerts-locked-saved = Saved: { $region }.
alerts-locked =
    The bot is in protected mode right now, so it cannot show your current subscriptions. Changes you make here are stored encrypted and take effect when the operator restarts it with the key.
alerts-privacy =
    <i>While you are subscribed, the bot keeps your Telegram chat number only in encrypted form, with your regions, language and sound setting; unsubscribing or blocking the bot erases it. Someone who copies the bot's database cannot see who follows what. A silent alert does not ring at a checkpoint.

    { protection-mode }</i>
alerts-add = ➕ Add a region
alerts-remove = ✖ { $region }
alerts-all-on = 🇷🇺 All of Russia
alerts-all-off = ✖ All of Russia
alerts-silent-on = 🔕 Make alerts silent
alerts-sound-on = 🔔 Alerts with sound
alerts-stop = Unsubscribe from everything
alerts-stopped = Done: you are unsubscribed and the bot has deleted your subscription.
alerts-too-many = Too many changes for now: the bot is in protected mode and keeps changes until the operator restarts it. Try again in an hour.
alerts-region-prompt = Type the region or a city — for example "Moscow", "Piter", "Kazan".

## The alert as subscribers see it. No names, faces or plates of officers, ever.
alert-title = ⚠️ <b>Raid alert: { $region }</b>
alert-area = Where: { $area }
alert-place = Place: { $place }
alert-when = When: { $when }
alert-reported = Reports sent: { $time }
alert-valid-until = <i>Alert { $id } · valid until { $time }.</i>
alert-withdrawn = ❌ <b>Withdrawn by the moderators</b>: this alert is no longer valid.
alert-expired = ⌛ <b>Expired</b>: this alert is out of date.
alert-update-of = 🔄 <b>Update</b> — replaces alert { $id }.
alert-replaced = 🔄 <b>Replaced</b> by a newer alert: see the latest message.
certainty-corroborated = Confirmed: several independent reports.
certainty-single = Single report, unconfirmed.
advice-avoid = What to do: avoid this place if you can and choose another route.
advice-calm = What to do: if you are stopped, stay calm and do not sign anything you have not read. What to say and whom to call: /sos in this bot.
advice-warn = What to do: warn people you know who may be passing there.

feedback-still = 👀 Still there
feedback-gone = ✅ Gone
feedback-thanks = Thank you. Only the moderators see the counts, and nobody can tell who answered.
feedback-closed = This alert is no longer open for answers.
stats-feedback = still there { $still }, gone { $gone }

## Moderation
cmd-queue = Moderation queue
cmd-invite = Invite a moderator (admin)
cmd-moderators = Moderators (admin)
cmd-stats = Counts: reports, alerts, subscribers
stats-title = <b>📊 Counts</b> (24 hours / 7 days)
stats-reports = <b>Reports</b>: { $day } / { $week }
stats-alerts = <b>Alerts sent</b>: { $day } / { $week }
stats-subscribers = <b>Subscribers</b>: { $total }
stats-broadcasts = <b>Recent broadcasts</b>:
stats-broadcast = • { $id } · { $region } · { $at } · delivered { $sent }, failed { $failed }, skipped { $dropped }, left { $pending }
mod-locked =
    🔒 The bot is running <b>locked</b>: new reports are accepted and stored encrypted, but they cannot be read and alerts cannot be sent until an operator restarts the bot with the keyring passphrase. Reports waiting: { $reports }.
mod-locked-short = The bot is locked: moderation waits until an operator restarts it with the passphrase.
mod-queue = <b>Moderation queue</b>

    Report groups (by region and two-hour window): { $groups }. Alert drafts: { $drafts }.
    Open a group to read its reports, draft an alert or reject it.
mod-queue-empty = The queue is empty: no new reports and no alert drafts.
mod-group-button = { $region } · { $window } · { $reports } rep. / { $reporters ->
        [one] { $reporters } person
       *[other] { $reporters } people
    }
mod-draft-button = 📝 Draft: { $region } · approvals { $approvals }/{ $needed }
mod-open-button = 📣 Sent: { $region } · { $at }
mod-sent-alert = <b>Alert { $id }</b>, approved { $at }:
mod-withdraw = ❌ Withdraw this alert
mod-withdraw-yes = ❌ Yes, withdraw it
mod-withdraw-confirm = Withdrawing stops any sends still pending and edits every delivered copy to say it was withdrawn.
mod-withdrawn = Withdrawn: { $copies ->
        [one] { $copies } delivered copy
       *[other] { $copies } delivered copies
    } will be edited.
mod-update = 🔄 Issue an update (a new draft that replaces it)
mod-back-queue = ← Queue
mod-group =
    <b>{ $region }</b>, { $window }
    Reports: { $reports }, from { $reporters ->
        [one] { $reporters } independent reporter
       *[other] { $reporters } independent reporters
    } (counted within the day, in the bot's memory only).
    Places: { $places }
mod-read = 📖 Read the reports
mod-draft = 📝 Draft an alert
mod-reject-false = 🗑 False
mod-reject-spam = 🗑 Spam
mod-reject-duplicate = 🗑 Duplicate
mod-rejected = Rejected: { $count }.
mod-gone = This was already decided or is no longer there.
mod-report-header = Report { $number } of { $total } · { $place } · { $when } · sent around { $hour }
mod-page = Reports { $first }–{ $last } of { $total }, newest first.
mod-page-prev = ◀ Previous
mod-page-next = Next ▶
mod-report-reject = 🗑 Reject this report
mod-report-keep = ↩ Keep it
mod-report-rejected = 🗑 This report was rejected as { $reason ->
        [spam] spam
        [duplicate] a duplicate
       *[false] false
    }. The rest of its group stays in the queue.
mod-alert = <b>Alert draft { $id }</b> · approvals { $approvals } of { $needed }
mod-alert-ru = <b>Russian:</b>
mod-alert-en = <b>English:</b>
mod-alert-rules = <i>Any change voids the approvals given so far. Never add names, faces or number plates of officers.</i>
mod-edit-area = ✏️ Area
mod-edit-place = ↻ Place
mod-edit-when = ↻ Time
mod-edit-certainty = ↻ Certainty
mod-edit-advice = ↻ Advice
mod-evidence = 📖 Read the reports behind it
mod-no-reports = The reports behind this draft were already deleted (retention).
mod-approve = ✅ Approve
mod-drop = ✖ Reject the draft
mod-dropped = The draft was rejected.
mod-area-prompt = Send the area in one short line: a station or a district, never an exact address or names (up to 60 characters).
mod-area-invalid = One short line, up to 60 characters, please: a station or a district.
mod-stale = The text changed since you opened it. Read it again before approving.
mod-already-approved = You have already approved this text. Another moderator must approve it too.
mod-sending = ✅ Approved. Sending to { $recipients ->
        [one] { $recipients } subscriber
       *[other] { $recipients } subscribers
    }…
mod-refused = This is for moderators only.

progress-sending = 📤 Sending: { $sent } sent, { $failed } failed, { $dropped } skipped (unsubscribed or stopped), { $pending } left (about { $seconds } s).
progress-done = ✅ Sent: { $sent } delivered, { $failed } failed, { $dropped } skipped (unsubscribed or stopped).

notice-reports = 🆕 New raid reports are waiting: { $count } ({ $regions }). Open /queue in a private chat with the bot.
notice-approval = 📝 An alert draft for { $region } waits for another moderator's approval: /queue in a private chat with the bot.

## Admin: moderators and invites
cmd-announce = Announcement to all subscribers (admin)
announcement-title = 📢 <b>Announcement from the helpline</b>
announce-prompt = Send the announcement as one message (up to { $limit ->
        [one] { $limit } character
       *[other] { $limit } characters
    }, plain text). It goes to every subscriber as written, signed like alerts, once { $needed ->
        [one] { $needed } person (it may be you) has
       *[other] { $needed } different people (you may be one) have
    } approved it. Web addresses and @mentions are shown inert. Never include names or anything that identifies a person. /cancel to stop.
announce-too-long = Too long: { $length ->
        [one] { $length } character
       *[other] { $length } characters
    }, the limit is { $limit }. Shorten it and send it again.
announce-preview = <b>Preview</b> — this goes to every subscriber once { $needed ->
        [one] { $needed } person has
       *[other] { $needed } people have
    } approved it; your approval is the first:

    { $text }
announce-send = ✅ Approve and submit
announce-cancelled = Cancelled: nothing was sent.
admin-invite =
    Invite link for moderator <b>{ $alias }</b> — single use, valid for { $hours ->
        [one] { $hours } hour
       *[other] { $hours } hours
    }:
    { $link }

    Send it only to that person, through a private channel. Whoever opens it first becomes a moderator.
admin-invite-alias = An alias is a short pseudonym (not a real name: it is kept in the audit log) of Latin letters, digits and "-", up to 24 characters: /invite north-1
admin-moderators = <b>Moderators: { $count }</b> (plus admins: { $admins }). An alert needs { $needed ->
        [one] { $needed } approval
       *[other] { $needed } approvals from different people
    }.
admin-remove = ✖ Remove { $alias }
admin-remove-confirm = Remove moderator <b>{ $alias }</b>? Their approvals of unsent alerts are voided.
admin-remove-yes = Yes, remove
admin-removed = Removed: { $alias }.
invite-welcome = Welcome, <b>{ $alias }</b>: you are now a moderator. Open /queue to see reports waiting for review. Turn on two-step verification in Telegram, and never approve an alert you have not checked.
invite-admin = You are an admin already, so this link was not used: it stays valid for the person you invite. Send it to them through a private channel.
invite-invalid = This invite link is not valid: it was already used or has expired. Ask the admin for a new one.
invite-locked = The bot is locked right now; invites can be used after the operator restarts it with the passphrase.

## Checking alerts
cmd-verify = Is this alert genuine?
verify-prompt = Paste the alert's text here or forward the alert message to me: I will check whether this helpline issued it. Nothing you send is stored.
verify-text-only = Send the alert as text (paste it or forward the message).
verify-genuine = ✅ <b>Genuine</b>: this helpline issued this text, word for word (signing key fingerprint { $fingerprint }).
verify-forged = ❌ <b>Not genuine</b>: the signature does not match this text. Either it was changed after it was issued, or this helpline did not issue it. Do not pass it on.
verify-unsigned = ⚠️ This text has no signature line of this helpline ("🔏 sig:…" at the end). Every alert from this bot has one: treat this text as unconfirmed. If you copied only part of the alert, copy all of it, including the last line.
verify-announcement = It is an <b>announcement</b> from the helpline's admins, not a raid alert.
verify-status-open = The alert is still standing: see until when it is valid at its end.
verify-status-withdrawn = ❌ But the moderators have <b>withdrawn</b> it: do not act on it.
verify-status-replaced = 🔄 But it was <b>replaced</b> by a newer alert: look for the latest one.
verify-status-expired = ⌛ But it has <b>expired</b>: it is out of date.
verify-status-gone = ⌛ It is old: this helpline no longer keeps it, so it is long out of date.
verify-unavailable = Alert checking is not set up on this server yet.
