DROP TABLE copy_alerts;
DROP TABLE scans;
DROP TABLE stamps;
DROP TABLE stamp_runs;
