## The instance's keyring was destroyed on purpose (the operators' panic switch).
## Guidance, /sos and search keep working; these say what no longer does, without alarm.

keys-destroyed-reports =
    Raid reports are no longer accepted on this bot: its keys have been destroyed.
    Answers to your questions, /sos and search still work.
keys-destroyed-alerts =
    Raid alerts are no longer sent from this bot: its keys have been destroyed.
    Answers to your questions, /sos and search still work. For news, follow the organisation that runs this bot where you usually find it.
