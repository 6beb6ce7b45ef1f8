## The admins' daily heartbeat (HEARTBEAT_HOUR, Moscow time): the bot is alive, what waits.

heartbeat = 💓 <b>Daily check: the bot is running.</b>
    Reports waiting: { $reports }. Drafts awaiting approval: { $drafts }. Outbox backlog: { $outbox }.
    Keyring: { $keyring ->
        [unlocked] unlocked
        [locked] <b>locked</b>: reports wait unread and alerts cannot be sent until the bot is restarted with the passphrase
        [destroyed] destroyed: guidance only
       *[none] none: reports and alerts are off
    }.
    This message comes every day at the same hour. If it does not come, the bot is down: ask the operator to run <code>helpline-bot status</code>.
