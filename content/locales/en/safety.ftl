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
