-- Label files rendered in the background: a stamp run in one layout and
-- format, its progress, and where the finished file lies under
-- $OCOP_DATA_DIR/labels/. Mirrors the migration of the same name for the
-- other backend.

CREATE TABLE label_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL REFERENCES stamp_runs (id),
    -- The run's seller, kept here so every look at a job checks tenancy
    -- without joining the run.
    seller_id BIGINT NOT NULL REFERENCES sellers (id),
    layout TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('pdf', 'png', 'svg')),
    -- One label only (PNG, SVG), or NULL for the whole run.
    serial INTEGER,
    requested_by BIGINT REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    labels_done INTEGER NOT NULL DEFAULT 0,
    labels_total INTEGER NOT NULL,
    -- File name under $OCOP_DATA_DIR/labels/, set once the file is whole.
    file_path TEXT,
    file_size BIGINT,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    -- Bumped while this instance holds the job; a stale one means it died.
    heartbeat_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX label_jobs_seller ON label_jobs (seller_id, id);
CREATE INDEX label_jobs_active ON label_jobs (status, heartbeat_at);
