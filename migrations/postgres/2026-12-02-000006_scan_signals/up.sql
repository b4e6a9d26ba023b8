-- Scan signals: a coarse device tag on each scan (browser family and a short
-- hash of the User-Agent, never the address), so the copy signal counts
-- distinct networks and devices; and forged codes counted per day instead of
-- a row each. Mirrors the migration of the same name for the other backend.

ALTER TABLE scans ADD COLUMN device TEXT NOT NULL DEFAULT '';
CREATE INDEX scans_stamp_source ON scans (stamp_id, network, device);

CREATE TABLE forged_scan_days (
    day DATE PRIMARY KEY NOT NULL,
    scans BIGINT NOT NULL
);
