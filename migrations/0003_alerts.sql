-- Regional alerts: subscribers, moderators, alerts with approvals, the outbox, the audit log.
--
-- No chat id or user id is stored in the clear anywhere. A person (subscriber or moderator) is
-- a blind index `ref` = HMAC(index key, chat id) for lookup and de-duplication, plus `chat_ct` =
-- nonce || AEAD(encryption key, chat id, aad = ref) so that the bot can send. Both keys are HKDF
-- subkeys of the keyring's master secret, which is never in this database.

CREATE TABLE subscribers (
    id           INTEGER PRIMARY KEY,
    ref          BLOB NOT NULL UNIQUE,
    chat_ct      BLOB NOT NULL,
    lang         TEXT NOT NULL CHECK (lang IN ('ru', 'en')),
    silent       INTEGER NOT NULL DEFAULT 0 CHECK (silent IN (0, 1)),
    all_regions  INTEGER NOT NULL DEFAULT 0 CHECK (all_regions IN (0, 1)),
    created_day  TEXT NOT NULL                     -- UTC date: coarse on purpose
) STRICT;

CREATE TABLE subscriber_regions (
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    region        TEXT NOT NULL,
    PRIMARY KEY (region, subscriber_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX subscriber_regions_by_subscriber ON subscriber_regions (subscriber_id);

-- Subscription changes made while the bot runs locked (the index key needs the passphrase):
-- sealed with HPKE to the review key, applied in order at the next unlocked start.
CREATE TABLE pending_subscriptions (
    id       TEXT PRIMARY KEY,                      -- random UUID (bound into the seal)
    seq      INTEGER NOT NULL UNIQUE,               -- order of application
    key_id   TEXT NOT NULL,
    sealed   BLOB NOT NULL
) STRICT;

CREATE TABLE moderators (
    id        INTEGER PRIMARY KEY,
    ref       BLOB NOT NULL UNIQUE,
    chat_ct   BLOB NOT NULL,
    alias     TEXT NOT NULL UNIQUE,                 -- what the audit log and /moderators show
    added_day TEXT NOT NULL
) STRICT;

-- Single-use invite links; only a hash of the token is kept.
CREATE TABLE invites (
    token_hash  BLOB PRIMARY KEY,
    alias       TEXT NOT NULL,
    expires_at  TEXT NOT NULL                       -- UTC ISO minute
) STRICT;

CREATE TABLE alerts (
    id           TEXT PRIMARY KEY,                  -- short random id (fits callback data)
    kind         TEXT NOT NULL DEFAULT 'alert' CHECK (kind IN ('alert', 'announcement')),
    region       TEXT NOT NULL,                     -- region code, '*' for all of Russia
    area         TEXT NOT NULL DEFAULT '',          -- station or district, never an address
    place_type   TEXT NOT NULL,
    time_window  TEXT NOT NULL,
    certainty    TEXT NOT NULL CHECK (certainty IN ('corroborated', 'single')),
    advice       TEXT NOT NULL,
    text_ru      TEXT NOT NULL,
    text_en      TEXT NOT NULL,
    text_hash    BLOB NOT NULL,                     -- approvals are for exactly this text
    state        TEXT NOT NULL DEFAULT 'draft'
                 CHECK (state IN ('draft', 'sending', 'sent', 'rejected', 'withdrawn', 'expired',
                                  'replaced')),
    update_of    TEXT,                              -- the alert this one updates and replaces
    closed_ru    TEXT,                              -- what delivered copies are edited to say
    closed_en    TEXT,                              -- once the alert is withdrawn or expired
    group_key    TEXT,                              -- the report group it was drafted from
    created_at   TEXT NOT NULL,                     -- UTC ISO minute
    approved_at  TEXT,
    expires_at   TEXT,
    progress_by  BLOB,                              -- ref of the approver who sees progress
    progress_message_id INTEGER,
    progress_lang TEXT
) STRICT;

CREATE INDEX alerts_state ON alerts (state, created_at);

-- Which reports an alert was drafted from: the second approver reads the same evidence.
CREATE TABLE alert_reports (
    alert_id   TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    PRIMARY KEY (alert_id, report_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX alert_reports_by_report ON alert_reports (report_id);

CREATE TABLE approvals (
    alert_id      TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    moderator_ref BLOB NOT NULL,
    text_hash     BLOB NOT NULL,
    approved_at   TEXT NOT NULL,
    PRIMARY KEY (alert_id, moderator_ref)
) STRICT, WITHOUT ROWID;

-- One row per recipient of an approved alert, written in the same transaction as the approval
-- ('send'), and one per delivered copy to edit when the alert is withdrawn or expires ('edit').
-- A row marked 'sent' is never sent again; after a crash `run` resumes the 'pending' rows.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    alert_id       TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    subscriber_id  INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
    action         TEXT NOT NULL DEFAULT 'send' CHECK (action IN ('send', 'edit')),
    channel_id     INTEGER,                         -- a REGION_CHANNELS post instead of a person
    channel_lang   TEXT,
    target_message_id INTEGER,                      -- the copy an 'edit' row changes
    state          TEXT NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sent', 'failed', 'dropped')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        REAL NOT NULL DEFAULT 0,         -- unix time before which it waits
    last_error     TEXT,                            -- an error class, never a message text
    message_id     INTEGER,                         -- the delivered copy (for later edits)
    UNIQUE (alert_id, subscriber_id, action)
) STRICT;

CREATE INDEX outbox_due ON outbox (state, next_at);
CREATE INDEX outbox_by_subscriber ON outbox (subscriber_id);

-- "Still there" / "Gone" answers from subscribers: counts only. Who answered is known only to
-- the running process, as a keyed hash under a key that lives in memory for a day.
CREATE TABLE alert_feedback (
    alert_id  TEXT PRIMARY KEY REFERENCES alerts (id) ON DELETE CASCADE,
    still     INTEGER NOT NULL DEFAULT 0,
    gone      INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Copies of decrypted reports shown to a moderator; deleted from the chat after a while.
CREATE TABLE moderator_copies (
    id           INTEGER PRIMARY KEY,
    moderator_ref BLOB NOT NULL,
    message_id   INTEGER NOT NULL,
    delete_after REAL NOT NULL
) STRICT;

-- Hash-chained audit log: who (an alias), what, when (to the minute); never a reporter.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    prev_hash  BLOB NOT NULL,
    entry_hash BLOB NOT NULL
) STRICT;
