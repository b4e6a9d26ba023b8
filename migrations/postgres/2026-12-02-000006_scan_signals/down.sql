DROP TABLE forged_scan_days;
DROP INDEX scans_stamp_source;
ALTER TABLE scans DROP COLUMN device;
