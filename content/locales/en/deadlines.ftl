## Deadline calculator (/deadlines): handlers/deadlines.py, bot/services/deadlines.py

menu-deadlines = ⏳ Work out my deadlines
cmd-deadlines = Deadline calculator: summons, decision, fine

dl-intro = <b>Deadline calculator</b>

    Choose what happened and give the date: the bot works out the dates that follow and what each rests on. The dates are never stored: the bot keeps them in memory while you answer and forgets them as soon as it shows the answer.
dl-event-es = 📱 Electronic summons
dl-event-ps = 📄 Paper summons
dl-event-dc = 🏛 Draft commission decision
dl-event-fn = 💸 Fine
dl-event-ags = 🕊 Applying for alternative service
dl-event-sr = 🚶 Reporting without a summons

dl-how-to-type = Type the date any way you like: "today", "yesterday", "3 days ago", "12.11", "12 November" — or pick it in the calendar below.
dl-ask-placed = <b>When was the summons placed in the register?</b>
    The date is in the register of summonses and in the Gosuslugi notice.

    { dl-how-to-type }
dl-ask-appearance = <b>What date does the summons tell you to appear?</b>
    The appearance date is written in the summons itself.

    { dl-how-to-type }
dl-ask-decided = <b>When did the draft commission take its decision?</b>
    The date of the decision itself, not the day you learned of it.

    { dl-how-to-type }
dl-ask-learned = <b>When did you learn of the decision?</b>
    For example, the day you were given the decision or an extract. If you are not sure, press "The same day": the period is then counted from the day of the decision, so it never ends later than it should.

    { dl-how-to-type }
dl-ask-fine = <b>When did you receive the copy of the fine decision?</b>
    Handed to you or received by post: the day you received it counts.

    { dl-how-to-type }
dl-skip-appearance = I don't know the appearance date
dl-same-day = The same day

dl-problem-unknown = I couldn't read that date. Type, for example, "yesterday", "12.11" or "12 November", or pick the day in the calendar.
dl-problem-no-such-day = That day is not in the calendar. Check the day and the month, or pick the day in the calendar.
dl-problem-ambiguous = That can be read two ways. Write the month as a word ("11 December") or as day.month with a dot ("11.12").
dl-problem-future = That date has not come yet, and this needs a past one. Check the year, or pick the day in the calendar.
dl-problem-out-of-range = That date is too far from today. Check the year, or pick the day in the calendar.
dl-problem-learned-before = You cannot have learned of the decision before it was taken. Check the date, or press "The same day".
dl-problem-appearance-before = The appearance date cannot be before the day the summons was placed in the register. Check the date.
dl-text-only = Type the date as text or pick it in the calendar.
dl-stale = This button no longer works. Start again: /deadlines
dl-calendar-day = Day chosen: { $date }

dl-month = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
dl-weekdays = Mo Tu We Th Fr Sa Su
dl-weekday = { $day ->
    [0] Mon
    [1] Tue
    [2] Wed
    [3] Thu
    [4] Fri
    [5] Sat
   *[6] Sun
}

dl-title-es = <b>Deadlines: electronic summons</b>
dl-title-ps = <b>Deadlines: paper summons</b>
dl-title-dc = <b>Deadlines: draft commission decision</b>
dl-title-fn = <b>Deadline: appealing a fine</b>
dl-title-ags = <b>Deadline: applying for alternative civilian service</b>
dl-title-sr = <b>Reporting to the commissariat without a summons</b>
dl-today = Today is { $date }, Moscow time.
dl-from-dates = You gave: { $dates }.
dl-given-placed = placed in the register on { $date }
dl-given-appearance = appearance on { $date }
dl-given-decided = decision of { $date }
dl-given-learned = learned on { $date }
dl-given-fine = copy received on { $date }

dl-kind-exit-ban = Ban on leaving Russia
dl-kind-delivered = The summons counts as delivered
dl-kind-latest-appearance = Latest lawful appearance date
dl-kind-measures = Temporary measures may be applied
dl-kind-regional-appeal = Last day to complain to the regional draft commission
dl-kind-court-claim = Last day to file a court claim
dl-kind-valid-until = The year in which the decision can be carried out ends
dl-kind-fine-appeal = Last day to appeal the fine
dl-kind-ags-april = Application for alternative service from October
dl-kind-ags-october = Application for alternative service from April next year
dl-kind-self-report = Report yourself if you had no summons

dl-basis-exit-ban = Federal Law 53-FZ on Military Duty and Military Service, art. 7.1; Federal Law 114-FZ on exit from Russia, art. 15.1
dl-basis-delivered = Federal Law 53-FZ, art. 31
dl-basis-latest-appearance = Federal Law 53-FZ, art. 7.1
dl-basis-measures = Federal Law 53-FZ, art. 7.1; the summons form (Government Decree No. 1204 of 24.07.2023)
dl-basis-regional-appeal = Federal Law 53-FZ, art. 28 p. 7
dl-basis-court-claim = Code of Administrative Court Procedure (KAS), art. 219 p. 1; counting: art. 92–93
dl-basis-valid-until = Federal Law 53-FZ (amendments of April 2025) and the Government decree published on 29.08.2025
dl-basis-fine-appeal = Code of Administrative Offences (KoAP), art. 30.3 p. 1; counting: art. 4.8
dl-basis-ags-april = Federal Law 113-FZ on Alternative Civilian Service, art. 11
dl-basis-ags-october = Federal Law 113-FZ on Alternative Civilian Service, art. 11
dl-basis-self-report = Federal Law 53-FZ, art. 31 p. 2.1

dl-counting-same-day = the same day
dl-counting-calendar-days = calendar days, counted from the next day
dl-counting-calendar-days-first = calendar days, the first day of the period counted as day one
dl-counting-months = months: the same date three months later, or the last day of that month if it has no such date; the day shown is not moved off a weekend
dl-counting-year = a year: the same date of the same month a year later
dl-counting-days-next-working = 10 calendar days from the next day; if the last day is a non-working day, the period ends on the next working day
dl-counting-fixed-date = a date set in the law

dl-basis-label = Legal basis
dl-counting-label = How it is counted

dl-note-exit-ban = You may not leave Russia from the day the summons is placed in the register until you appear at the commissariat, even if you never saw it.
dl-note-delivered = Whether the seventh or the eighth day counts has not been settled officially. So assume the summons counts as delivered on this day already, even if you never saw it.
dl-note-latest-appearance = The appearance date in a summons must be at most 30 days after placement. Exactly how those days are counted has not been settled officially. If your summons gives a later date, keep it (a screenshot of the register) and show it to a lawyer.
dl-note-measures = If you did not appear without a valid reason, 20 calendar days after the appearance date you may be barred from driving, registering vehicles, taking credit or loans, real-estate transactions, and registering as a sole trader or self-employed. The exact first day has not been settled officially, so assume it is this one. The measures are lifted when you appear.
dl-note-regional-appeal = The three months run from the day of the decision, not from the day you learned of it. Exactly how the last day is counted has not been settled officially, so do not leave the complaint for this day: file it earlier.
dl-note-court-claim = The three months run from the day you learned of the violation. Whether the period moves when the last day is a weekend has not been confirmed officially, so file the claim by this day at the latest.
dl-note-valid-until = The decision can be carried out for a year from the day it was taken; you can be sent to a unit only in the dispatch windows (1 April – 15 July and 1 October – 31 December). Which day counts as the last one has not been settled officially, and what happens after the year has not been explained officially: do not assume you can no longer be sent after this date. If your health changed or a ground for deferral appeared, the decision is cancelled.
dl-note-fine-appeal = A complaint handed to the post office or to the authority before midnight of the last day is in time. If you miss the period, you can ask for it to be restored. If you do not appeal, the decision enters into force and the fine must be paid within 60 days.
dl-note-fine-appeal-moved = The tenth day, { $date }, is a non-working day, so the period ends on the next working day.
dl-note-fine-appeal-no-calendar = The bot does not yet have the official calendar of days off for { $year }. If this day turns out to be a non-working day, the period moves to the next working day, but count on this date.
dl-note-fine-appeal-day-off-no-calendar = The tenth day, { $date }, is a non-working day, so the period moves to the next working day, but that falls in { $year }, and the bot does not yet have the official calendar of days off for that year. So count on { $date } and file the complaint by then, for example by post.
dl-note-ags-april = The law says "before 1 April". Whether an application on 1 April itself is in time has not been settled officially, so file it by 31 March. You file it in person at the commissariat where you are registered.
dl-note-ags-october = The law says "before 1 October". Whether an application on 1 October itself is in time has not been settled officially, so file it by 30 September. You file it in person at the commissariat where you are registered.
dl-note-self-report = If you are subject to conscription and received no summons, you must go to the commissariat yourself within two weeks of the start of the dispatch period (for most men 1 April or 1 October). How the two weeks are counted has not been settled officially, so this is the earliest possible last day. For men with their own dispatch windows (field work, teachers, the Far North) the start has not been confirmed.

dl-day-passed = ⏰ This day has already passed.
dl-day-today = ⏰ That is today.
dl-earliest = ⚠️ The exact day has not been settled officially: this is the earliest possible one.
dl-warn-dispatch = ⚠️ A complaint to the regional draft commission does not stop dispatch: you can be sent to a unit while it is pending.
dl-warn-court = ⚠️ Do not count on a court claim stopping dispatch: in March 2026 a bill was put before the Duma under which a court may suspend the decision but does not have to, and its fate has not been confirmed officially. In the claim itself you can ask the court to suspend the decision.
dl-warn-fine = Appealing a fine is a separate procedure: do not count on it stopping conscription or dispatch.
dl-warn-copy = Keep a copy of the complaint and proof that you filed it (a receipt stamp or a postal receipt).
dl-footer = This is a count by the text of the law, not legal advice. If a deadline is close, do not wait for the last day. Reviewed: { $reviewed }.

dl-ics-button = 📅 Add to my calendar (.ics)
dl-ics-caption = A calendar file with the deadlines. Open it to add the dates to your phone's calendar. The bot does not keep this file.
dl-again = ↩️ Work out something else
