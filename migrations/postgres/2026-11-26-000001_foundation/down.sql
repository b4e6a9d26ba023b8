ALTER TABLE users DROP CONSTRAINT users_seller_id_fkey;
DROP TABLE login_failures;
DROP TABLE audit_log;
DROP TABLE account_links;
DROP TABLE users;
DROP TABLE sellers;
DROP TABLE post_offices;
