## Common messages. Markup is Telegram HTML (<b>, <i>, <a href>).

start-welcome =
    <b>Hello.</b> This is an anonymous helpline for people affected by the draft in Russia.

    Here you can learn your rights, report a raid and get warnings about raids in your region.
    The bot does not keep who you are: you can read everything without telling it anything about yourself.

    Choose a section below or just type your question.
help-text =
    <b>What this bot does</b>

    /start — main menu
    /sos — if you have been stopped or detained
    /report — report a raid anonymously
    /alerts — raid alerts for your region
    /verify — check whether an alert really comes from this helpline
    /documents — write a complaint or an application from a template
    /privacy — what the bot stores and what Telegram sees
    /cancel — leave a questionnaire or form
    /language — change language (Русский / English)
    /help — this help

    You can also just type a question in your own words — for example "student deferral" or "summons on Gosuslugi".

    The bot answers in private chats only. It never forwards your messages and does not record who you are.
    If you are being detained right now: stay calm and do not sign anything you have not read.
language-choose = Choose a language:
language-switched = Done: the bot now speaks English.
language-name-ru = Русский
language-name-en = English
not-understood = I did not understand that. Press /start for the menu or /help for help.
unsupported-message = This kind of message is not needed here — nothing was saved. Please write text or press /start.
error-generic = Something went wrong on our side. Nothing you entered is lost — please try again in a minute.
button-home = 🏠 Home
button-back = ← Back
draft-expired = The unfinished form was closed after a long pause, and its messages were removed from this chat. Nothing was sent. Start again any time: /report
button-expired = This button has expired. Open the menu again: /start

cmd-start = Main menu
cmd-help = What this bot does
cmd-language = Change language
menu-help = ❓ How to use this bot
menu-language = 🌐 Language / Язык

## FAQ
faq-footer =
    <i>Sources: { $sources }
    Reviewed: { $reviewed }. This is general information as of the review date, not legal advice for your case. Laws and practice change — in a difficult situation, talk to a lawyer.</i>

## Limits and forms left open
throttled = You are sending messages faster than I can answer. Please wait { $seconds } s and ask again.
busy = The bot is very busy right now. Please try again in a few minutes.
flow-paused = You have an unfinished form. Continue where you left off?
flow-continue = ▶️ Continue
flow-discard = ✖️ Discard
flow-dropped = Discarded.
flow-gone = This form is already closed.
