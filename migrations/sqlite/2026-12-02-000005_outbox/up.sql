-- The outbox: every message the service sends is a row here first, written
-- in the same transaction as what caused it, and delivered by the sender
-- worker with retries. `channel` says how (email now; zalo and sms later),
-- `recipient` is an address for that channel (an email, a phone number).
-- Mirrors the migration of the same name for the other backend.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'zalo', 'sms')),
    recipient TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    kind TEXT NOT NULL,
    seller_id BIGINT REFERENCES sellers (id),
    account_link_id BIGINT REFERENCES account_links (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_account_link ON outbox (account_link_id);
CREATE INDEX account_links_user_purpose ON account_links (user_id, purpose);
