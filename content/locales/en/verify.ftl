## Impostors: the signed line naming the issuing bot, and what /verify says about it.
## alert-issued-by must end with the bot's @username: /verify reads the name from there.
alert-issued-by = <i>Issued by @{ $username }</i>
verify-issued-by = 🤖 Issued by { $bot }: that is this bot.
verify-issued-by-other = ⚠️ The signed text names { $bot } as the bot that issued it, but this bot is { $own }. This bot vouches only for its own name: before you trust { $bot }, check the helpline's official channels.
verify-issued-by-unchecked = 🤖 The signed text names { $bot } as the bot that issued it (this bot cannot check its own name right now).
verify-issued-by-none = This text is older than the line naming the issuing bot, so it does not say which bot issued it.
verify-added-links = ⚠️ <b>This copy carries a link or mention that the original alert does not</b> (added to it or hidden behind a word): do not tap it, and do not pass this copy on.
