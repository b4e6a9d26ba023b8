-- Traceability stamps: runs of serialised codes, the scans buyers make, and
-- possible-copy alerts. Mirrors the migration of the same name for the other
-- backend.

CREATE TABLE stamp_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id BIGINT NOT NULL REFERENCES sellers (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    lot_id BIGINT REFERENCES lots (id),
    count INTEGER NOT NULL CHECK (count BETWEEN 1 AND 100000),
    layout TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    voided_at TIMESTAMP
);
CREATE INDEX stamp_runs_seller_id ON stamp_runs (seller_id, id);

CREATE TABLE stamps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL REFERENCES stamp_runs (id),
    serial INTEGER NOT NULL,
    code TEXT NOT NULL UNIQUE,
    lot_id BIGINT REFERENCES lots (id),
    status TEXT NOT NULL CHECK (status IN ('issued', 'active', 'void')),
    activated_at TIMESTAMP,
    activated_by BIGINT REFERENCES users (id),
    scan_count INTEGER NOT NULL DEFAULT 0,
    first_scanned_at TIMESTAMP,
    last_alert_at TIMESTAMP,
    UNIQUE (run_id, serial)
);
CREATE INDEX stamps_lot_id ON stamps (lot_id);

CREATE TABLE scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stamp_id BIGINT REFERENCES stamps (id),
    code TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    network TEXT NOT NULL,
    agent TEXT NOT NULL,
    lang TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX scans_stamp_at ON scans (stamp_id, at);

CREATE TABLE copy_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stamp_id BIGINT NOT NULL REFERENCES stamps (id),
    seller_id BIGINT NOT NULL REFERENCES sellers (id),
    at TIMESTAMP NOT NULL,
    scans INTEGER NOT NULL,
    networks INTEGER NOT NULL,
    mailed BOOLEAN NOT NULL
);
CREATE INDEX copy_alerts_seller_at ON copy_alerts (seller_id, at);
