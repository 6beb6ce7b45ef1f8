# Back, "keep as is" and confirmations before anything is thrown away (issue #16, item 4).

## The report form
report-keep-as-is = ✔️ Оставить как есть
report-answer-now = Сейчас в черновике:
report-discard-ask = Удалить этот черновик? Всё, что вы ввели, пропадёт, и ничего не будет отправлено.
report-discard-yes = 🗑 Да, удалить черновик
report-discard-no = ↩ Нет, вернуться к форме

## The moderators' queue: rejecting a whole group is asked first
mod-group-reject-ask = { $reports ->
        [1] Отклонить { $reports } сообщение этой группы с причиной «{ $reason }»? Оно уйдёт из очереди, остальные модераторы получат уведомление.
       *[other] Отклонить { $reports ->
            [one] { $reports } сообщение
            [few] { $reports } сообщения
           *[other] { $reports } сообщений
        } этой группы с причиной «{ $reason }»? Они уйдут из очереди, остальные модераторы получат уведомление.
    }
mod-group-reject-yes = 🗑 Да, отклонить
mod-group-reject-no = { $reports ->
        [1] ↩ Нет, оставить его
       *[other] ↩ Нет, оставить их
    }
