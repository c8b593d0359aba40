-- policywatch schema v1. Times are UTC RFC 3339 text with milliseconds
-- ("2024-05-01T12:00:00.000Z") so that text order is time order.

CREATE TABLE sources (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    url                  TEXT NOT NULL,
    type                 TEXT NOT NULL,
    added_at             TEXT NOT NULL,
    last_checked_at      TEXT,
    last_success_at      TEXT,
    last_outcome         TEXT,
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    health               TEXT NOT NULL DEFAULT 'ok' CHECK (health IN ('ok', 'failing')),
    etag                 TEXT,
    last_modified        TEXT,
    -- SHA-256 of the raw snapshot the store holds for this source, so an
    -- unchanged fetch is recognised without reading git.
    snapshot_sha256      TEXT
);

CREATE TABLE versions (
    id              INTEGER PRIMARY KEY,
    source_id       TEXT NOT NULL REFERENCES sources(id),
    seq             INTEGER NOT NULL CHECK (seq >= 1),
    snapshot_commit TEXT,
    version_commit  TEXT NOT NULL,
    raw_sha256      TEXT NOT NULL,
    text_sha256     TEXT NOT NULL,
    fetched_at      TEXT NOT NULL,
    word_count      INTEGER NOT NULL,
    format          TEXT NOT NULL,
    url             TEXT NOT NULL,
    UNIQUE (source_id, seq),
    UNIQUE (source_id, version_commit)
);
CREATE INDEX versions_by_source_time ON versions(source_id, fetched_at);

CREATE TABLE checks (
    id               INTEGER PRIMARY KEY,
    source_id        TEXT NOT NULL REFERENCES sources(id),
    started_at       TEXT NOT NULL,
    duration_ms      INTEGER NOT NULL,
    outcome          TEXT NOT NULL CHECK (outcome IN
                       ('unchanged', 'not_modified', 'new_version', 'snapshot_only', 'failed', 'suspicious')),
    http_status      INTEGER,
    bytes            INTEGER,
    error            TEXT,
    produced_version INTEGER NOT NULL DEFAULT 0,
    version_id       INTEGER REFERENCES versions(id),
    commit_id        TEXT
);
CREATE INDEX checks_by_source_time ON checks(source_id, started_at);
CREATE INDEX checks_by_commit ON checks(commit_id) WHERE commit_id IS NOT NULL;

CREATE TABLE changes (
    id                INTEGER PRIMARY KEY,
    source_id         TEXT NOT NULL REFERENCES sources(id),
    old_version_id    INTEGER REFERENCES versions(id),
    new_version_id    INTEGER NOT NULL UNIQUE REFERENCES versions(id),
    summary           TEXT NOT NULL,
    substantive       INTEGER NOT NULL,
    sections_added    INTEGER NOT NULL,
    sections_removed  INTEGER NOT NULL,
    sections_modified INTEGER NOT NULL,
    words_added       INTEGER NOT NULL,
    words_removed     INTEGER NOT NULL,
    event_count       INTEGER NOT NULL,
    max_severity      TEXT,
    detected_at       TEXT NOT NULL
);
CREATE INDEX changes_by_source_time ON changes(source_id, detected_at);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    change_id     INTEGER REFERENCES changes(id),
    source_id     TEXT NOT NULL REFERENCES sources(id),
    version_id    INTEGER REFERENCES versions(id),
    kind          TEXT NOT NULL,
    subject       TEXT,
    from_value    TEXT,
    to_value      TEXT,
    severity      TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high')),
    severity_rank INTEGER NOT NULL,
    section_old   TEXT,
    section_new   TEXT,
    evidence_old  TEXT,
    evidence_new  TEXT,
    detected_at   TEXT NOT NULL
);
CREATE INDEX events_by_source_time ON events(source_id, detected_at);
CREATE INDEX events_by_time ON events(detected_at);
CREATE INDEX events_by_kind ON events(kind, detected_at);
CREATE INDEX events_by_severity ON events(severity_rank, detected_at);
CREATE INDEX events_by_version ON events(version_id);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    webhook         TEXT NOT NULL,
    source_id       TEXT NOT NULL REFERENCES sources(id),
    change_id       INTEGER REFERENCES changes(id),
    event_ids       TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    last_status     INTEGER,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
