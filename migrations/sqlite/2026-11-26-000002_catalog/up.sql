-- The catalogue: products, OCOP certificates, photos, lots and their trace
-- events. Mirrors the migration of the same name for the other backend.

CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seller_id BIGINT NOT NULL REFERENCES sellers (id),
    name_vi TEXT NOT NULL,
    name_en TEXT,
    slug TEXT NOT NULL UNIQUE,
    ocop_group TEXT NOT NULL,
    ocop_subgroup TEXT,
    description TEXT NOT NULL,
    story TEXT,
    ingredients TEXT,
    unit TEXT NOT NULL CHECK (unit IN ('g', 'kg', 'ml', 'l', 'item')),
    net_quantity DOUBLE PRECISION NOT NULL,
    pack_type TEXT,
    packed_weight_g INTEGER,
    length_cm DOUBLE PRECISION,
    width_cm DOUBLE PRECISION,
    height_cm DOUBLE PRECISION,
    price_vnd BIGINT NOT NULL CHECK (price_vnd >= 0),
    stock INTEGER NOT NULL CHECK (stock >= 0),
    gtin TEXT,
    shelf_life_days INTEGER,
    storage TEXT,
    planting_area_code TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'listed', 'unlisted')),
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX products_seller_id ON products (seller_id);
CREATE INDEX products_status_group ON products (status, ocop_group);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id),
    stars INTEGER NOT NULL CHECK (stars BETWEEN 3 AND 5),
    score INTEGER,
    decision_no TEXT NOT NULL,
    issued_by TEXT NOT NULL CHECK (issued_by IN ('province', 'central')),
    issued_on DATE NOT NULL,
    valid_until DATE NOT NULL,
    document_file TEXT,
    notified_60_at TIMESTAMP,
    notified_14_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX certificates_product_id ON certificates (product_id);
CREATE INDEX certificates_valid_until ON certificates (valid_until);

CREATE TABLE photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id),
    position INTEGER NOT NULL,
    file_key TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX photos_product_id ON photos (product_id, position);

CREATE TABLE lots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id BIGINT NOT NULL REFERENCES products (id),
    code TEXT NOT NULL,
    produced_on DATE,
    packed_on DATE,
    best_before DATE,
    quantity DOUBLE PRECISION,
    quantity_unit TEXT,
    origin_commune_code INTEGER,
    origin_place TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'held', 'recalled')),
    status_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (product_id, code)
);

CREATE TABLE trace_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lot_id BIGINT NOT NULL REFERENCES lots (id),
    kind TEXT NOT NULL CHECK (kind IN ('planting', 'input', 'harvest', 'processing', 'packing', 'lab_test', 'storage', 'shipping', 'other')),
    happened_at TIMESTAMP NOT NULL,
    place TEXT,
    actor TEXT,
    note TEXT,
    corrects_event_id BIGINT REFERENCES trace_events (id),
    attachment_file TEXT,
    recorded_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX trace_events_lot_id ON trace_events (lot_id, happened_at);
