-- What the running bot last said about itself, for `helpline-bot status` (which works whether or
-- not the bot runs). One row, overwritten about every minute. Times are UTC minutes
-- ('2026-12-06T14:05Z'); no id of any kind, and no count of what people did: the counts
-- `status` shows (reports waiting, drafts, outbox) are read from their own tables, so that this
-- row's old versions (in the WAL until the hourly checkpoint) cannot time a report to the minute.
CREATE TABLE bot_status (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    started_at  TEXT NOT NULL,                   -- when this run started
    seen_at     TEXT NOT NULL,                   -- the last write: the bot was alive then
    stopped_at  TEXT,                            -- a clean shutdown; NULL while it runs
    updates_at  TEXT,                            -- the last successful getUpdates (or webhook call)
    receiver    TEXT NOT NULL CHECK (receiver IN ('polling', 'webhook')),
    keyring     TEXT NOT NULL CHECK (keyring IN ('unlocked', 'locked', 'none', 'destroyed')),
    next_runs   TEXT NOT NULL DEFAULT '{}'       -- JSON: scheduler job id -> its next run (minute)
) STRICT;
