## What is protected on this instance ("Trust under compromise"). Plain text, no markup: these
## fill the FAQ's {protection} and {retention} placeholders too (docs/content-format.md).
## $mode is unattended, hardened, off or destroyed (bot/protection.py); the numbers are the
## instance's retention settings.

protection-mode = { $mode ->
    [unattended] How this bot runs: its key opens with a passphrase kept on the server, so the bot can restart by itself. This protects a copied database or backup: the reports and chat ids in it stay encrypted. It does not protect against seizure of the whole server: the passphrase is there too, so whoever takes the server can decrypt the reports still stored and the chat ids of subscribers and moderators.
    [hardened] How this bot runs: its key opens only with a passphrase the operator types in at start, and the passphrase is not kept on the server. Neither a switched-off server nor a copy of its disk reveals a report or a chat id: reports are sealed to a key the server cannot open by itself. While the bot runs unlocked, the key is in its memory: whoever takes over the running server can read what is still stored.
    [off] How this bot runs: it has no encryption keys set up, so it takes no raid reports and no alert subscriptions, and stores neither.
   *[destroyed] How this bot runs: its keys were destroyed on purpose. The reports, subscriptions and moderators' chat ids stored before can no longer be decrypted, not even by the operator, unless an old copy of the keys survived somewhere (a backup, an SSD). The bot now gives information only: no reports, no alerts.
}

protection-retention =
    How long things are kept: a raid report is deleted { $decided_days ->
        [one] { $decided_days } day
       *[other] { $decided_days } days
    } after a moderator's decision on it, and { $report_days ->
        [one] { $report_days } day
       *[other] { $report_days } days
    } after it was sent at the latest. Alerts, with the record of which subscription received them (no chat ids), are deleted { $alert_days ->
        [one] { $alert_days } day
       *[other] { $alert_days } days
    } after they were written; the log of moderators' actions after { $audit_days ->
        [one] { $audit_days } day
       *[other] { $audit_days } days
    }. A subscription is kept until you unsubscribe or block the bot.
