## The two-person rule: announcements, membership, withdrawals and rejections

mod-announcement-button = 📢 Announcement · approvals { $approvals }/{ $needed }
mod-announcement = <b>Announcement draft { $id }</b> · approvals { $approvals } of { $needed }
mod-announcement-rules = <i>It goes to every subscriber, signed, once { $needed ->
        [one] { $needed } person has
       *[other] { $needed } different people have
    } approved exactly this text. Approve only after checking with its author through another channel that they wrote it: an admin's account can be taken over.</i>
notice-announcement = 📢 An announcement to every subscriber waits for approval: /queue in a private chat with the bot. Approve it only after checking with its author through another channel.

invite-pending =
    Welcome, <b>{ $alias }</b>. You joined the moderators, but you can moderate only after someone other than the admin who invited you confirms you: one taken-over account must not be able to add helpers of its own. The team has been told; you will get a message here once you are confirmed.

    Meanwhile, turn on two-step verification in Telegram.
notice-joined = 👤 <b>{ $alias }</b> opened a moderator invite and waits for confirmation. Confirm only if you know, through another channel, that this is the person who was meant to get the link: anyone who got hold of it could have opened it. The admin who invited them cannot confirm them.
member-confirm = ✔ Confirm { $alias }
member-confirmed-notice = ✅ <b>{ $alias }</b> is now a moderator (confirmed by { $by }).
member-confirmed = ✅ You are confirmed as a moderator, <b>{ $alias }</b>. Open /queue to see reports waiting for review, and never approve an alert you have not checked.
member-confirm-inviter = You invited { $alias }: someone else has to confirm them (another admin, a moderator, or the operator on the server).
member-confirm-gone = Nothing to confirm: they were confirmed or removed meanwhile.
mod-pending = You are not confirmed as a moderator yet: someone other than the admin who invited you has to confirm you. You will get a message here when they do.
admin-moderators-pending = Waiting for confirmation: { $count }. Whoever invited someone cannot confirm them; another admin or moderator can, or the operator on the server: <code>helpline-bot moderators confirm ALIAS</code>.
notice-removed = ✖ <b>{ $alias }</b> is no longer a moderator (removed by { $by }).

notice-withdrawn = ↩️ { $alias } withdrew alert { $id } ({ $region }). If that was wrong, any other moderator can undo it within { $minutes } min: its copies will be edited back.
mod-undo-withdraw = ↩️ Undo the withdrawal
mod-undo-self = You withdrew it yourself: another moderator has to undo it.
mod-undo-late = Too late: a withdrawal can be undone only within { $minutes } min. Draft a new alert from the queue instead.
mod-undone = ✅ Alert { $id } stands again; { $copies ->
        [one] { $copies } delivered copy is
       *[other] { $copies } delivered copies are
    } being edited back.
notice-undone = ✅ { $alias } undid the withdrawal of alert { $id }: it stands again.
notice-group-rejected = 🗑 { $alias } rejected { $count ->
        [one] { $count } report
       *[other] { $count } reports
    } from { $region } ({ $window }) as “{ $reason }”.

mod-locked-copies = ⚠️ { $copies ->
        [one] { $copies } decrypted report shown before the last stop is
       *[other] { $copies } decrypted reports shown before the last stop are
    } still in moderators' chats: the bot was stopped without deleting them, and while locked it cannot find those chats. They are deleted at the next start with the passphrase; ask the moderators to delete them by hand now.
