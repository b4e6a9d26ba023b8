//! `ocop`: onboarding, traceability stamps and marketplace exports for OCOP
//! producers. Dependencies point one way: `routes` -> `services` -> `db` ->
//! `domain`; `error` alone maps errors to HTTP.

pub mod auth;
pub mod config;
pub mod cpu;
pub mod db;
pub mod domain;
pub mod error;
pub mod exports;
pub mod guards;
pub mod i18n;
pub mod labels;
pub mod mail;
pub mod routes;
pub mod services;
pub mod sheets;
pub mod startup;
pub mod util;
