# Back, "keep as is" and confirmations before anything is thrown away (issue #16, item 4).

## The report form
report-keep-as-is = ✔️ Keep as is
report-answer-now = In the draft now:
report-discard-ask = Discard this draft? Everything you entered will be lost, and nothing will be sent.
report-discard-yes = 🗑 Yes, discard the draft
report-discard-no = ↩ No, back to the form

## The moderators' queue: rejecting a whole group is asked first
mod-group-reject-ask = { $reports ->
        [one] Reject { $reports } report of this group as “{ $reason }”? It leaves the queue, and the other moderators are told.
       *[other] Reject { $reports } reports of this group as “{ $reason }”? They leave the queue, and the other moderators are told.
    }
mod-group-reject-yes = 🗑 Yes, reject
mod-group-reject-no = { $reports ->
        [one] ↩ No, keep it
       *[other] ↩ No, keep them
    }
