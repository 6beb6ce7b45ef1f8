-- Facts about this instance that are not secrets and not about people.
CREATE TABLE instance (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
