//! The integration suite: one binary, a real server on a random port and a
//! fresh database per test: a SQLite file by default, or a new PostgreSQL
//! database when `OCOP_TEST_DATABASE_URL` is set.

mod auth;
mod browser;
mod catalog;
mod catalog_pages;
mod cli;
mod csrf;
mod exports;
mod heavy;
mod helpers;
mod hostile;
mod hostile_sheets;
mod imports;
mod label_jobs;
mod meta;
mod onboarding;
mod outbox;
mod pages;
mod product_pages;
mod robustness;
mod roles;
mod scan_signals;
mod smtp;
mod stamp_pages;
mod stamps;
mod tenancy;
mod validation;
