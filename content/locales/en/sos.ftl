## /sos: the message to someone you trust, phrases for officers, contacts. Markup: Telegram HTML.

sos-phrases-title = <b>What to say</b> (the buttons below copy each phrase in Russian, with its law)
sos-phrase-line = • "{ $say }" <i>({ $law })</i>
sos-contacts-later = When you can, get legal help from:
sos-reach-site = website: { $address }
sos-reach-telegram = Telegram: { $address }
sos-no-contacts =
    This bot lists no organisations right now. Help is still there:
    • a lawyer: ask for one at once, it is your right (Constitution art. 48);
    • someone you trust: send them a message with the button below so they look for you and a lawyer;
    • if the police detained you: one call to your family within three hours (Law on Police art. 14(7)).
sos-share-button = ✉️ Send to someone I trust
sos-share-inline-button = ✉️ Send through the bot (shows the bot's name)
sos-inline-title = Message to someone I trust: I have been detained
sos-inline-description = Send the place in a next message: a message through the bot goes at once
