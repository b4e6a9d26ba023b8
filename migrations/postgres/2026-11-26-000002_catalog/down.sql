DROP TABLE trace_events;
DROP TABLE lots;
DROP TABLE photos;
DROP TABLE certificates;
DROP TABLE products;
