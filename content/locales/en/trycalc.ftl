## Deadline calculator, added after trying it (trycalc, issue #15): handlers/deadlines.py

dl-problem-weekday = That day of the week can be read two ways: this week or last week (or next week). Type the day and the month, for example "30.11" or "30 November", or pick the day in the calendar.
dl-day-started = ⏰ This day has already come: what is written above may already apply.
