-- symflow store schema, version 2 (issue 7): Events API tokens (hashes only) and accepted API
-- events; each log destination's position in the audit trail.

CREATE TABLE api_tokens (
    id             TEXT    NOT NULL PRIMARY KEY,
    tenant         TEXT    NOT NULL DEFAULT 'default',
    name           TEXT    NOT NULL,
    -- hex SHA-256 of the token; the token itself is never stored.
    token_hash     TEXT    NOT NULL UNIQUE,
    user_id        TEXT    NOT NULL REFERENCES users (id),
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    revoked_at     INTEGER
) STRICT;

CREATE TABLE api_events (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant       TEXT    NOT NULL DEFAULT 'default',
    run_id       TEXT    NOT NULL,
    type         TEXT    NOT NULL CHECK (type IN ('request', 'deescalate')),
    token_id     TEXT    NOT NULL REFERENCES api_tokens (id),
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    error        TEXT
) STRICT;
CREATE INDEX api_events_by_run ON api_events (run_id);

CREATE TABLE log_cursors (
    destination  TEXT    NOT NULL PRIMARY KEY,
    position     INTEGER NOT NULL CHECK (position >= 0),
    updated_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
