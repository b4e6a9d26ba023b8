//! Rows as Rust structs, each with the queries that read and write it.

pub mod account_link;
pub mod audit;
pub mod export;
pub mod label_job;
pub mod login_failure;
pub mod lot;
pub mod outbox;
pub mod post_office;
pub mod product;
pub mod scan_stats;
pub mod seller;
pub mod stamp;
pub mod user;

pub use account_link::{AccountLink, NewAccountLink};
pub use audit::{AuditEntry, NewAuditEntry};
pub use export::{Export, ExportScope, NewExport};
pub use label_job::{LabelJob, NewLabelJob};
pub use lot::{Lot, LotChanges, NewTraceEvent, TraceEvent};
pub use outbox::{NewOutboxRow, OutboxRow};
pub use post_office::{NewPostOffice, PostOffice};
pub use product::{
    CatalogFilter, Certificate, NewCertificate, Photo, Product, ProductChanges, current_certificate,
};
pub use seller::{NewSeller, Seller, SellerChanges, SellerScope};
pub use stamp::{CopyAlert, NewScan, NewStamp, Stamp, StampRun};
pub use user::{NewUser, User};

/// The current time in UTC, as stored in every timestamp column.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
