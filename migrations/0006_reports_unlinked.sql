-- Nothing on disk links two reports to one person. The per-day reporter tag goes: which reports
-- share a reporter is known to the running process only (bot.services.reporters), and so is the
-- count of independent reporters per group. The database runs with secure_delete=ON, so the
-- dropped values are overwritten in place (a test reads the file's bytes); the start-up that
-- applies this checkpoints the WAL, so no old page image stays in it either.
ALTER TABLE reports DROP COLUMN reporter_tag;

-- Which binding a row's seal has: 1, bound to id, purpose, schema and key id (rows sealed before
-- this migration, gone after REPORT_RETENTION_DAYS); 2, the sealed payload also carries the
-- region, place type, time bucket and hour, so a row moved to another group is flagged when
-- read. A changed marker does not open at all: the binding version is itself bound.
ALTER TABLE reports ADD COLUMN seal_version INTEGER NOT NULL DEFAULT 1
    CHECK (seal_version IN (1, 2));

-- When a moderator decided on the report (drafted an alert from it, or rejected it), to the
-- hour: REPORT_DECIDED_RETENTION_DAYS later it is deleted. NULL while it waits.
ALTER TABLE reports ADD COLUMN decided_hour TEXT;

CREATE INDEX reports_decided ON reports (decided_hour) WHERE decided_hour IS NOT NULL;
