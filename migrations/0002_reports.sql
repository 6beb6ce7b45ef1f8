-- Raid reports. Everything a report says (text, photo file id, location, exact time) is inside
-- `sealed` (HPKE to the review key named by key_id, bound to the id). The clear columns are
-- only what the moderation queue needs. There is no reporter column of any kind: reporter_tag
-- is a keyed hash under a key that lives in memory for one day, so it links one person's
-- reports within that day only and can be recomputed by nobody afterwards.
CREATE TABLE reports (
    id            TEXT PRIMARY KEY,              -- random UUID: reveals neither order nor volume
    created_hour  TEXT NOT NULL,                 -- UTC, rounded down to the hour: 2026-11-25T14
    region        TEXT NOT NULL,
    place_type    TEXT NOT NULL,
    time_bucket   TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'reviewed', 'rejected')),
    key_id        TEXT NOT NULL,
    reporter_tag  BLOB NOT NULL,
    sealed        BLOB NOT NULL
) STRICT;

CREATE INDEX reports_queue ON reports (state, region, created_hour);
CREATE INDEX reports_age ON reports (created_hour);
