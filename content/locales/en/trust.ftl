## The two-person rule: announcements, membership, withdrawals and rejections

mod-announcement-button = 📢 Announcement · approvals { $approvals }/{ $needed }
mod-announcement = <b>Announcement draft { $id }</b> · approvals { $approvals } of { $needed }
mod-announcement-rules = <i>It goes to every subscriber, signed, once { $needed } different people have approved exactly this text. Approve only after checking with its author through another channel that they wrote it: an admin's account can be taken over.</i>
notice-announcement = 📢 An announcement to every subscriber waits for approval: /queue in a private chat with the bot. Approve it only after checking with its author through another channel.
