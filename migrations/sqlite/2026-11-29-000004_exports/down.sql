DROP TABLE exports;
DROP INDEX products_seller_sku;
ALTER TABLE products DROP COLUMN sku;
