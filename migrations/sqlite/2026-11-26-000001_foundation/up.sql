-- Foundation: post offices, users, sellers, one-time account links, audit log
-- and the login throttle. Timestamps are UTC. Mirrors the PostgreSQL
-- migration of the same name; only the dialect differs.

CREATE TABLE post_offices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    commune_code INTEGER NOT NULL,
    address TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sellers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('htx', 'household', 'enterprise')),
    legal_name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    tax_code TEXT UNIQUE,
    business_reg_no TEXT,
    representative TEXT NOT NULL,
    phone TEXT NOT NULL,
    zalo_phone TEXT,
    email TEXT,
    commune_code INTEGER NOT NULL,
    village TEXT,
    former_district TEXT,
    gln TEXT,
    bank_account TEXT,
    onboarded_by BIGINT REFERENCES users (id),
    post_office_id BIGINT REFERENCES post_offices (id),
    consent_at TIMESTAMP,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'suspended')),
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sellers_onboarded_by ON sellers (onboarded_by);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'seller')),
    seller_id BIGINT REFERENCES sellers (id),
    post_office_id BIGINT REFERENCES post_offices (id),
    password_hash TEXT NOT NULL,
    token_version INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (role <> 'seller' OR seller_id IS NOT NULL)
);
CREATE INDEX users_seller_id ON users (seller_id);

CREATE TABLE account_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    token_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    seller_id BIGINT REFERENCES sellers (id),
    user_id BIGINT REFERENCES users (id),
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX account_links_seller_id ON account_links (seller_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    actor_role TEXT NOT NULL,
    seller_id BIGINT REFERENCES sellers (id),
    on_behalf BOOLEAN NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    details TEXT NOT NULL
);
CREATE INDEX audit_log_seller_id ON audit_log (seller_id, at);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    throttle_key TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (throttle_key, at);
