## Reports that nothing on disk links: coarse locations, one size, counts held in memory

report-location-warning =
    ⚠️ "Send My Current Location" sends where <b>you</b> are standing now. Safer: pick a point on the map near the place you are reporting (paperclip → "Location", move the map), or press "Skip". The bot keeps only a rough point, about 500 m.
report-location-bad = That point is not on the map. Send another one, or press "Skip".
report-photo-unusable = This photo cannot be attached. Send another one, or press "Skip" — your other answers are kept.
report-too-large = This report is too large to send as it is. Press "✏️ Photo" to replace the photo or leave it out, then send again — your draft is kept.
mod-group-button-unknown = { $region } · { $window } · { $reports } rep. / people: ?
mod-group-unknown =
    <b>{ $region }</b>, { $window }
    Reports: { $reports }, independent reporters: <b>unknown</b>. Who sent which report is held only in the bot's memory, so that the disk never links reports. Some of these came before the bot last restarted (or too long ago), so the number of people is not known. Counting starts again from zero for reports that arrive from now on.
    Places: { $places }
mod-report-moved =
    ⚠️ The stored region, place or time of this report was changed after it was sent: do not take it as genuine. It was sent as: { $region } · { $place } · { $when } · around { $hour }.
