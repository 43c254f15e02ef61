-- symflow store schema, version 1. Times are unix milliseconds (INTEGER); ids of runs, events
-- and users are lower-case hyphenated UUID text; JSON columns are checked with json_valid.

CREATE TABLE users (
    id          TEXT    NOT NULL PRIMARY KEY,
    tenant      TEXT    NOT NULL DEFAULT 'default',
    email       TEXT,
    -- email lower-cased by symflow: makes e-mail unique per tenant regardless of case.
    email_key   TEXT,
    username    TEXT    NOT NULL,
    first_name  TEXT,
    last_name   TEXT,
    role        TEXT    NOT NULL CHECK (role IN ('admin', 'member', 'guest')),
    user_type   TEXT    NOT NULL CHECK (user_type IN ('normal', 'bot')),
    created_at  INTEGER NOT NULL,
    CHECK ((email IS NULL) = (email_key IS NULL))
) STRICT;
CREATE UNIQUE INDEX users_by_tenant_email ON users (tenant, email_key) WHERE email_key IS NOT NULL;

CREATE TABLE identities (
    user_id           TEXT    NOT NULL REFERENCES users (id),
    service           TEXT    NOT NULL,
    service_id        TEXT    NOT NULL,
    external_user_id  TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (service, service_id, external_user_id),
    UNIQUE (user_id, service, service_id)
) STRICT;

CREATE TABLE runs (
    id                 TEXT    NOT NULL PRIMARY KEY,
    tenant             TEXT    NOT NULL DEFAULT 'default',
    flow               TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    finished           INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),
    requester_user_id  TEXT    NOT NULL REFERENCES users (id),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    state_json         TEXT    NOT NULL CHECK (json_valid(state_json)),
    version            INTEGER NOT NULL CHECK (version >= 1)
) STRICT;
CREATE INDEX runs_unfinished ON runs (tenant, created_at) WHERE finished = 0;

CREATE TABLE events (
    position       INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT    NOT NULL UNIQUE,
    run_id         TEXT    NOT NULL REFERENCES runs (id),
    seq            INTEGER NOT NULL CHECK (seq >= 1),
    type           TEXT    NOT NULL,
    actor_user_id  TEXT    REFERENCES users (id),
    target_id      TEXT,
    errored        INTEGER NOT NULL DEFAULT 0 CHECK (errored IN (0, 1)),
    occurred_at    INTEGER NOT NULL,
    event_json     TEXT    NOT NULL CHECK (json_valid(event_json)),
    UNIQUE (run_id, seq)
) STRICT;
CREATE INDEX events_by_actor ON events (actor_user_id, type, occurred_at);

-- The audit trail is append-only: the database itself refuses to change or remove an event.
CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: UPDATE refused');
END;
CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: DELETE refused');
END;

CREATE TABLE timers (
    id                INTEGER PRIMARY KEY,
    run_id            TEXT    NOT NULL REFERENCES runs (id),
    kind              TEXT    NOT NULL,
    due_at            INTEGER NOT NULL,
    payload_json      TEXT    NOT NULL CHECK (json_valid(payload_json)),
    state             TEXT    NOT NULL CHECK (state IN ('pending', 'claimed', 'done', 'cancelled')),
    claimed_at        INTEGER,
    lease_expires_at  INTEGER,
    attempts          INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    CHECK ((state = 'claimed') = (lease_expires_at IS NOT NULL))
) STRICT;
CREATE INDEX timers_pending_by_due ON timers (due_at) WHERE state = 'pending';
CREATE INDEX timers_claimed_by_lease ON timers (lease_expires_at) WHERE state = 'claimed';
CREATE INDEX timers_by_run ON timers (run_id, kind);

CREATE TABLE deliveries (
    key            TEXT    NOT NULL PRIMARY KEY,
    first_seen_at  INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX deliveries_by_expiry ON deliveries (expires_at);

CREATE TABLE kv (
    tenant      TEXT    NOT NULL DEFAULT 'default',
    path        TEXT    NOT NULL,
    value_json  TEXT    NOT NULL CHECK (json_valid(value_json)),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant, path)
) STRICT, WITHOUT ROWID;

CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY,
    tenant            TEXT    NOT NULL DEFAULT 'default',
    run_id            TEXT    REFERENCES runs (id),
    kind              TEXT    NOT NULL,
    payload_json      TEXT    NOT NULL CHECK (json_valid(payload_json)),
    state             TEXT    NOT NULL CHECK (state IN ('pending', 'claimed', 'done', 'failed')),
    available_at      INTEGER NOT NULL,
    lease_expires_at  INTEGER,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    created_at        INTEGER NOT NULL,
    finished_at       INTEGER,
    CHECK ((state = 'claimed') = (lease_expires_at IS NOT NULL))
) STRICT;
CREATE INDEX outbox_open ON outbox (available_at) WHERE state IN ('pending', 'claimed');
CREATE INDEX outbox_by_run ON outbox (run_id, id);
