# Flows that never swallow input or promise what the code does not do (handlers/report).

# /report while the per-person limit is reached and the wait is longer than a draft lives.
report-limit-wait = Сейчас отправить сообщение об облаве нельзя: за последний час вы уже отправили столько, сколько можно. Следующее можно будет отправить через { $minutes } мин. Форму пока не открываю: незаконченная форма забывается после { $idle } мин без действий, так что заполненное сейчас не дождалось бы отправки. Возвращайтесь через { $minutes } мин: /report
# /report while the limit is reached but the wait is shorter than a draft lives: the form opens.
report-limit-soon = Отправить можно будет через { $minutes } мин. Форму можно заполнить уже сейчас: черновик хранится, пока вы не оставляете его без действий дольше { $idle } мин.
# Send refused by the per-person limit: what happens to the draft, truthfully.
report-rate-limited-kept = Сейчас отправить нельзя: слишком много сообщений за час. Попробуйте через { $minutes } мин. Черновик хранится, если не оставлять его без действий дольше { $idle } мин.
report-rate-limited-lost = Сейчас отправить нельзя: слишком много сообщений за час. Попробуйте через { $minutes } мин. Черновик столько не хранится: незаконченная форма забывается после { $idle } мин без действий.
# Text typed at a step that takes buttons (place, time).
report-kept-for-description = Я сохранил ваши слова для описания — они будут на шаге 4, и их можно будет взять одной кнопкой. А на этом шаге нужно выбрать вариант кнопкой ниже.
# Anything else (a sticker, a photo) at a step that takes buttons.
report-choose-with-buttons = На этом шаге нужно выбрать вариант кнопкой ниже. Остальные ответы сохранены.
# The description step, when words were kept earlier; the words follow on their own line.
report-text-kept-words = Вы уже написали раньше — я сохранил эти слова. Нажмите «✅ Использовать мой текст», чтобы взять их как описание, или отправьте новое описание:
# Text typed at the review screen.
report-kept-at-review = Это проверка перед отправкой. Я сохранил ваши слова: нажмите «➕ Добавить в описание», чтобы они вошли в сообщение. Если всё и так верно, нажмите «Отправить» — эти слова тогда не отправятся.
# Anything but text (a sticker, a photo) at the review screen.
report-review-buttons = Это проверка перед отправкой: нажмите «Отправить», кнопку шага, который хотите изменить, или «Отменить». Ваши ответы сохранены.
# The region chosen is one this person already reported as often as allowed in two hours.
report-group-wait = Об этом регионе вы уже отправили столько сообщений за два часа, сколько можно: модераторы их получили. Новое сообщение о нём от вас примут через { $minutes } мин. Форма забывается после { $idle } мин без действий, поэтому заполнять её сейчас не нужно: выберите другой регион или вернитесь через { $minutes } мин.
report-group-soon = Об этом регионе вы уже отправили максимум сообщений за два часа. Новое можно отправить через { $minutes } мин; черновик хранится, пока вы не оставите его без действий дольше { $idle } мин.
# Send refused by the per-region limit: what happens to the draft, truthfully.
report-group-full-kept = Об этом регионе вы уже отправили максимум сообщений за два часа. Попробуйте через { $minutes } мин. Черновик хранится, если не оставлять его без действий дольше { $idle } мин.
report-group-full-lost = Об этом регионе вы уже отправили максимум сообщений за два часа. Попробуйте через { $minutes } мин. Черновик столько не хранится: его забудут после { $idle } мин без действий.
# Text typed at the photo or location step (after the description): kept, not sent by itself.
report-kept-later = Ваши слова я сохранил: на экране проверки их можно будет добавить в описание кнопкой «➕ Добавить в описание».
# A line of the review screen while words are kept that are not in the description.
report-review-kept = Сохранённые слова (не войдут в сообщение, пока вы не нажмёте «➕ Добавить в описание»): { $words }
# A photo with a caption at the description step: the caption is kept and offered.
report-kept-for-text = Подпись к фото я сохранил: нажмите «✅ Использовать мой текст», чтобы взять её как описание.
# The review screen's button that adds kept words to the description, and its refusal.
report-add-kept = ➕ Добавить в описание
report-add-kept-too-long = Вместе с сохранёнными словами описание длиннее { $limit ->
        [one] { $limit } символа
       *[many] { $limit } символов
    }. Нажмите «✏️ Текст» и напишите его короче.
