# /documents: templates filled from a person's answers, sent back as files (bot/documents).
menu-documents = 📄 Write a complaint or application
cmd-documents = a complaint or application from a template
documents-intro =
    <b>Documents from templates</b>

    The bot asks a few questions and sends back a ready document — .docx or PDF. It never asks your name, address or passport details: the document leaves blanks in square brackets for them, which you fill in yourself, on your own device. The documents are in Russian, because they are filed in Russia.

    Your answers are kept only in memory while you fill in the form; the file is built in memory and never written to the server's disk. But the chat goes through Telegram, and Telegram sees it.

    This is not legal advice. If you can, show the document to a lawyer or a rights group.
documents-unavailable = Document templates are not available right now. Please try later.
documents-progress = Question { $number } of { $total }
documents-skip = Leave blank
documents-text-warning = ⚠️ Do not type names, addresses, phone numbers or document numbers — yours or anyone else's. You will write them into the document yourself, on your own device.
documents-date-invalid = That date could not be read. Type it like this: 15.03.2026 — or press “Leave blank”.
documents-region-unknown = No such region was found. Type the name differently or press “Leave blank”.
documents-region-pick = Which region did you mean?
documents-too-long = Too long: at most { $limit ->
        [one] { $limit } character
       *[other] { $limit } characters
    }. Shorten the text and send it again.
documents-press-button = Choose an option with a button, or press “Leave blank”.
documents-send-text = Send your answer as text.
documents-pd-warning =
    ⚠️ <b>The text seems to contain</b>
    { $kinds }

    The document will come to you in this chat, and Telegram sees the chat. Write such details into the file yourself, on your own device. Send the text again without them.

    <i>The bot only guesses this from the text: if it is wrong, keep it as it is.</i>
documents-pd-keep = Keep it as it is
documents-format = Your answers are in. How should the document be sent? A .docx can be edited in Word or LibreOffice; a PDF is easy to print.
documents-format-docx = Word (.docx)
documents-format-pdf = PDF
documents-format-both = Both files
documents-done =
    <b>The document is ready.</b> Fill in everything in square brackets and delete the memo at the end before filing.

    <b>Where to file:</b> { $where }

    <b>Deadline:</b> { $deadline }

    { $warning }

    Keep a copy and proof of filing: the acceptance mark on your copy, or the post office receipt with a list of contents.

    The file was not saved on the server, and your answers are forgotten. A copy of the file stays in this chat in Telegram: save it to your device and delete it here.
documents-stale = This form is already closed. Open /documents again.
documents-failed = The document could not be built. Please try again — your answers are kept.
