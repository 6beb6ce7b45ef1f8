## Reporting a raid

menu-report = 📣 Report a raid
cmd-report = Report a raid (anonymously)
report-unavailable = Raid reports are not enabled on this server yet. See "Who can help".
report-intro =
    <b>Report a raid — anonymously</b>

    The bot does not keep who you are: the report is encrypted and stored without your account, and deleted later. Do not take risks to report — your safety comes first.

    After you send it, moderators check it together with other reports from the region and, if it is confirmed, warn the subscribers there. You get no personal reply — that way the bot does not link the report to you. This form's messages disappear from the chat when you finish.

    <b>Step 1 of 6.</b> Which region? Type its name or a city — for example "Moscow", "Piter", "Yekaterinburg".
report-region-list = Choose from the list
report-region-unknown = I don't know that region. Try another spelling (for example "Moscow oblast" or a city) or choose from the list. Nothing else is lost.
report-region-choose = Which region did you mean?
report-region-pick = Choose the region:
report-region-text-only = Type the region's name or choose it from the list.
report-place = <b>Step 2 of 6.</b> Where is it happening?
report-when = <b>Step 3 of 6.</b> When?
report-text =
    <b>Step 4 of 6.</b> What is happening? Briefly: how many officers, what they do, where exactly (station, exit, dormitory address).

    Up to { $limit ->
        [one] { $limit } character
       *[other] { $limit } characters
    }. Do not write names, anything about how you look, or anything that identifies you.
report-text-too-long = Too long: { $length ->
        [one] { $length } character
       *[other] { $length } characters
    }, the limit is { $limit }. Shorten it and send it again — your other answers are kept.
report-text-only = Text is needed here: describe what is happening in one message. Your other answers are kept.
report-photo =
    <b>Step 5 of 6.</b> If you have a photo, send it <b>as a photo</b> (not as a file). Or press "Skip".

    Do not take pictures if it is dangerous.
report-photo-as-file =
    That photo came <b>as a file</b> — such files keep their metadata, often with GPS coordinates and the phone model. It was not saved.

    Send the picture the usual way, "as a photo" (Telegram compresses it and strips the metadata), or press "Skip".
report-photo-only = Only a photo (not a file, sticker or video) can be sent here, or press "Skip".
report-location =
    <b>Step 6 of 6.</b> You can send a point on the map (paperclip → "Location"). It is kept only inside the encrypted report. Or press "Skip".
report-location-live = A live location is not needed — send a single point or press "Skip".
report-location-only = Send a location here, or press "Skip".
report-skip = Skip →
report-cancel = ✖ Cancel
report-review-title = <b>Check your report before sending</b>
report-review-region = Region: { $value }
report-review-place = Where: { $value }
report-review-when = When: { $value }
report-review-text = What is happening: { $value }
report-review-photo = Photo: { $value }
report-review-location = Location: { $value }
report-yes = yes
report-no = no
report-send = ✅ Send
report-edit-region = ✏️ Region
report-edit-place = ✏️ Place
report-edit-when = ✏️ Time
report-edit-text = ✏️ Text
report-edit-photo = ✏️ Photo
report-edit-location = ✏️ Location
report-sent = Done, thank you. This message will disappear in a minute.
report-text-use-kept = ✅ Use what I wrote earlier
report-busy = The bot is receiving too many messages right now. Please try again in a few minutes — your draft is kept.
report-cancelled = Cancelled. Nothing was sent or saved.
report-stale = This form is already closed. Start again: /report
report-region-prev = ◀
report-region-next = ▶

place-metro = Metro, station
place-street = Street
place-hostel = Dormitory, hostel
place-club = Club, bar, café
place-workplace = Workplace
place-university = University, college
place-hospital = Hospital, clinic
place-commissariat = Enlistment office
place-other = Other

when-now = Right now
when-hour = Within the hour
when-today = Earlier today
when-earlier = Another day
