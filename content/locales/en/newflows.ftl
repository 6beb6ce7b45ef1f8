# Flows that never swallow input or promise what the code does not do (handlers/report).

# /report while the per-person limit is reached and the wait is longer than a draft lives.
report-limit-wait = You cannot send a raid report right now: you have already sent as many as allowed in the last hour. You can send the next one in { $minutes } min. I am not opening the form yet: an unfinished form is forgotten after { $idle } min without activity, so what you filled in now would not last until then. Come back in { $minutes } min: /report
# /report while the limit is reached but the wait is shorter than a draft lives: the form opens.
report-limit-soon = You can send in { $minutes } min. You can fill in the form now: the draft is kept as long as you do not leave it untouched for more than { $idle } min.
# Send refused by the per-person limit: what happens to the draft, truthfully.
report-rate-limited-kept = You cannot send this now: too many reports in the last hour. Try again in { $minutes } min. Your draft is kept as long as you do not leave it untouched for more than { $idle } min.
report-rate-limited-lost = You cannot send this now: too many reports in the last hour. Try again in { $minutes } min. Your draft is not kept that long: an unfinished form is forgotten after { $idle } min without activity.
# Text typed at a step that takes buttons (place, time).
report-kept-for-description = I kept what you wrote, for the description: they will be at step 4, ready to use with one tap. This step needs a choice: please tap one of the buttons below.
# Anything else (a sticker, a photo) at a step that takes buttons.
report-choose-with-buttons = This step needs a choice: please tap one of the buttons below. Your other answers are kept.
# The description step, when words were kept earlier; the words follow on their own line.
report-text-kept-words = You wrote this earlier and I kept it. Tap "Use what I wrote earlier" to make it the description, or send a new description:
# Text typed at the review screen.
report-kept-at-review = This is the check before sending. I kept your words: tap "➕ Add to description" to put them in the report. If everything is right as it is, tap "Send" — these words will not be sent then.
# Anything but text (a sticker, a photo) at the review screen.
report-review-buttons = This is the check before sending: tap "Send", the button of a step you want to change, or "Cancel". Your answers are kept.
# The region chosen is one this person already reported as often as allowed in two hours.
report-group-wait = You have already sent as many reports about this region in two hours as allowed: moderators have them. A new report about it from you will be taken in { $minutes } min. A form is forgotten after { $idle } min without activity, so there is no point filling it in now: choose another region or come back in { $minutes } min.
report-group-soon = You have sent the most reports allowed about this region in two hours. You can send a new one in { $minutes } min; the draft lasts while it is not left untouched for { $idle } min.
# Send refused by the per-region limit: what happens to the draft, truthfully.
report-group-full-kept = You have sent the most reports allowed about this region in two hours. Try again in { $minutes } min. Your draft is kept while it is not left untouched for { $idle } min.
report-group-full-lost = You have sent the most reports allowed about this region in two hours. Try again in { $minutes } min. Your draft is not kept that long: it goes after { $idle } idle min.
# Text typed at the photo or location step (after the description): kept, not sent by itself.
report-kept-later = I kept your words: on the review screen you can add them to the description with "➕ Add to description".
# A line of the review screen while words are kept that are not in the description.
report-review-kept = Kept words (not sent unless you tap "➕ Add to description"): { $words }
# A photo with a caption at the description step: the caption is kept and offered.
report-kept-for-text = I kept its caption: tap "Use what I wrote earlier" to make it the description.
# The review screen's button that adds kept words to the description, and its refusal.
report-add-kept = ➕ Add to description
report-add-kept-too-long = With the kept words the description would be longer than { $limit ->
        [one] { $limit } character
       *[other] { $limit } characters
    }. Tap "✏️ Text" and write it shorter.
