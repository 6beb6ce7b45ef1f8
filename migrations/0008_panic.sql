-- Notices of a move to a new bot (`helpline-bot announce-move @new_bot`): which bot, and the
-- announcement that carries the notice. One row per new bot, kept after ALERT_RETENTION_DAYS
-- deletes the announcement and its outbox rows, so running the command again (after an
-- interruption, or by mistake) never queues the notice twice for anyone. The username is a
-- public bot's; nothing about any person is here.
CREATE TABLE moves (
    username    TEXT PRIMARY KEY COLLATE NOCASE,   -- the new bot, without '@'
    alert_id    TEXT NOT NULL,                     -- the signed announcement (no foreign key:
                                                   -- it outlives the alert row on purpose)
    created_at  TEXT NOT NULL                      -- UTC ISO minute
) STRICT;
