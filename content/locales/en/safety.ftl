## Safety: the personal-data warning before a report is sent, and how alerts arrive.

report-pd-warning =
    ⚠️ <b>Check before sending: your description seems to contain</b>
    { $kinds }

    A report needs the place, the time and what you saw. A name, a phone number or an address can identify you or someone close to you to whoever reads the report — or takes it from the moderators or the server. Remove them unless they are essential.

    <i>This is the bot's guess from the text: if it is wrong, send anyway.</i>
report-pd-edit = ✏️ Edit text
report-pd-send-anyway = Send anyway
pd-kind-name = a person's name (with patronymic or initials)
pd-kind-phone = a phone number
pd-kind-email = an e-mail address
pd-kind-handle = a Telegram username or a social-network profile
pd-kind-document = a passport or other document number
pd-kind-flat = an address with a flat or room number
pd-kind-birth = a year or date of birth

## How alerts arrive: asked whenever a region (or all of Russia) is added, silent marked.
alerts-delivery-question =
    <b>How should alerts arrive?</b> A silent alert makes no sound or vibration: a phone that rings at a document check or during a raid draws attention to whoever carries it. This applies to all your alerts; you can change it later on this screen.
alerts-delivery-chosen-silent = Silent is chosen: tap "Confirm", or choose sound first.
alerts-delivery-chosen-sound = Sound is chosen: tap "Confirm", or choose silent after all.
alerts-delivery-silent = 🔕 Silent (recommended)
alerts-delivery-sound = 🔔 With sound
alerts-delivery-confirm-silent = Confirm: silent
alerts-delivery-confirm-sound = Confirm: with sound
alerts-delivery-saved-silent = Saved: alerts arrive silently.
alerts-delivery-saved-sound = Saved: alerts arrive with a sound.
