-- symflow store schema, version 2 (issue 7): Events API tokens (hashes only) and accepted API
-- events; each log destination's position in the audit trail. Same meaning as SQLite's 0002.

CREATE TABLE api_tokens (
    id             TEXT    NOT NULL PRIMARY KEY,
    tenant         TEXT    NOT NULL DEFAULT 'default',
    name           TEXT    NOT NULL,
    -- hex SHA-256 of the token; the token itself is never stored.
    token_hash     TEXT    NOT NULL UNIQUE,
    user_id        TEXT    NOT NULL REFERENCES users (id),
    created_at     BIGINT  NOT NULL,
    expires_at     BIGINT,
    revoked_at     BIGINT
);

CREATE TABLE api_events (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant       TEXT    NOT NULL DEFAULT 'default',
    run_id       TEXT    NOT NULL,
    type         TEXT    NOT NULL CHECK (type IN ('request', 'deescalate')),
    token_id     TEXT    NOT NULL REFERENCES api_tokens (id),
    created_at   BIGINT  NOT NULL,
    finished_at  BIGINT,
    error        TEXT
);
CREATE INDEX api_events_by_run ON api_events (run_id);

CREATE TABLE log_cursors (
    destination  TEXT    NOT NULL PRIMARY KEY,
    position     BIGINT  NOT NULL CHECK (position >= 0),
    updated_at   BIGINT  NOT NULL
);
