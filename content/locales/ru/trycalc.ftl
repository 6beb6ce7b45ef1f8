## Deadline calculator, added after trying it (trycalc, issue #15): handlers/deadlines.py

dl-problem-weekday = Этот день недели можно понять двумя способами — на этой неделе или на прошлой (или на следующей). Напишите число и месяц, например «30.11» или «30 ноября», — или выберите день в календаре.
