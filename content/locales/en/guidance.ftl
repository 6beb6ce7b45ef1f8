## Guidance: topics, answers, search, "Check my situation", emergency, privacy.

menu-faq = 📚 Questions & rights
menu-check = 🧭 Check my situation
menu-sos = 🆘 I've been stopped / detained
menu-privacy = 🔒 What the bot stores
cmd-sos = Emergency card: you have been stopped
cmd-privacy = What the bot stores and what Telegram sees
cmd-reload = Reload content from disk (admin)
cmd-cancel = Leave a questionnaire or form

faq-topics-title = <b>Questions &amp; rights</b>

    Choose a topic — or just type your question in your own words.
faq-topic-title = <b>{ $topic }</b>
faq-page = <i>page { $page } of { $pages }</i>
faq-prev = ◀ Previous
faq-next = Next ▶
faq-back-topic = ← To the topic
faq-back-topics = ← All topics
faq-list-prev = ◀
faq-list-next = ▶
faq-not-found = This answer is no longer available. Open the topic list.

search-results = Here is what I found. Choose an answer:
search-nothing =
    I could not find an answer to that. Try other words — for example "student deferral", "summons on Gosuslugi", "detained in the metro".

    Or open the topic list, or see <b>who can help</b>.
search-topics = 📚 All topics
search-organisations = 🤝 Who can help

sos-title = 🆘 <b>If you have been stopped or detained</b>
sos-contacts-title = <b>Who to contact</b>
sos-contact-line = • <b>{ $name }</b>{ $contact } — { $what }. <i>Status: { $status }</i>
sos-footer = <i>Sources: { $sources }. Reviewed: { $reviewed }. General information, not legal advice.</i>

privacy-text =
    <b>What the bot stores, for how long, and what Telegram sees</b>

    <b>Never stored: who you are.</b> The bot has no list of users: no id, name or phone number. Your searches and your answers in "Check my situation" are not written down (the answers stay in memory only while you answer); your language choice is kept in memory only. Nothing written to disk links two reports to each other or to a person; only in memory, for a day or two, does the bot know which reports came from the same person, to count independent witnesses.

    <b>Stored, encrypted</b>
    • if you send a raid report: its text, photo and place, encrypted as soon as you send it and without your account; a shared location is first rounded to about 500 m. Only the region, the kind of place, a coarse time and the hour can be read without the key;
    • if you subscribe to alerts: your chat id, encrypted and found by a keyed hash, with your regions, language and sound setting;
    • the moderators' chat ids, encrypted, and a log of their actions under aliases, with nothing about who reported.

    { protection-retention }

    { protection-mode }

    The bot's logs contain no ids, names or message texts.

    <b>What no bot can protect.</b> Telegram sees everything you write to the bot: a bot chat is not end-to-end encrypted and is stored on Telegram's servers. Telegram knows your account and phone number. Your phone keeps this chat until you delete it.

    <b>How to protect yourself</b>
    • turn on two-step verification (cloud password) in Telegram's settings;
    • if you can, use an account that is not tied to your personal SIM card;
    • after the conversation, delete the chat with the bot: chat menu → "Delete chat" (tick "Also delete for the bot"). Copies may remain on your other devices and in notifications;
    • do not forward the bot's answers to groups where people know you.

check-intro = <b>Check my situation</b>

    A few questions, and the bot shows which grounds may apply, which documents to gather and what to do next. Your answers are not saved anywhere and vanish as soon as you leave.
check-start = Start
check-progress = <i>Question { $number }</i>
check-results-title = <b>What may apply in your situation</b>
check-documents = <b>Documents:</b>
check-steps = <b>What to do:</b>
check-footer = <i>General guidance based on information as of { $reviewed }, not legal advice. Check your case with a lawyer or a rights group.</i>
check-restart = ↺ Start again
check-stale = This questionnaire is already closed. Start again.

cancelled = Done, you have left. Nothing was saved.
nothing-to-cancel = There is nothing to cancel right now.

inline-button = ⚠ How sharing works
inline-help =
    <b>How to share an answer</b>

    In any chat, type @{ $bot } and a few words — for example "@{ $bot } deferral" — and pick an answer from the list.

    ⚠ A message sent this way shows "via @{ $bot }" to everyone in that chat: they will see that you use this bot. If that is dangerous, copy the text by hand or send a link to the answer.
inline-open = Open in the bot
inline-read-more = Full answer: { $link }

reload-ok = Content reloaded: { $entries ->
        [one] { $entries } answer
       *[other] { $entries } answers
    }.
reload-failed = Content NOT reloaded; still serving the old content. Problems: { $count }. First: { $first }
