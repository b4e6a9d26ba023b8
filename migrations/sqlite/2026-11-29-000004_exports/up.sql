-- Marketplace exports and bulk imports: a seller-chosen SKU per product (the
-- key a re-import updates by) and the history of export files. Mirrors the
-- migration of the same name for the other backend.

ALTER TABLE products ADD COLUMN sku TEXT;
CREATE UNIQUE INDEX products_seller_sku ON products (seller_id, sku);

CREATE TABLE exports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    format TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    -- The one seller exported, or NULL for an export across sellers.
    seller_id BIGINT REFERENCES sellers (id),
    -- JSON array of the product ids asked for.
    product_ids TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    total INTEGER NOT NULL DEFAULT 0,
    processed INTEGER NOT NULL DEFAULT 0,
    exported INTEGER NOT NULL DEFAULT 0,
    held INTEGER NOT NULL DEFAULT 0,
    -- JSON: the problems of each product held back.
    problems TEXT NOT NULL DEFAULT '[]',
    file_name TEXT,
    file_size BIGINT,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    -- Bumped while a worker runs the export; a stale one means it died.
    heartbeat_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX exports_created_by ON exports (created_by, id);
CREATE INDEX exports_seller_id ON exports (seller_id, id);
