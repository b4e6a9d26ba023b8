//! Typed ids and parsed value types; no I/O.
//!
//! Everything here depends on `std` only, so handlers, storage and templates
//! can share one definition of what a valid value is. Parsers return a
//! [`Reason`] rather than text: wording belongs to the presentation layer.

pub mod catalog;
pub mod commune;
pub mod email;
pub mod ids;
pub mod kinds;
pub mod net;
pub mod password;
pub mod phone;
pub mod reason;
pub mod stamp_code;
pub mod tax_code;
pub mod text;

pub use catalog::{Date, Gtin, SUBGROUPS, Subgroup};
pub use commune::{
    Commune, CommuneCode, Province, commune, communes_of, full_name, province, provinces,
    search_communes,
};
pub use email::Email;
pub use ids::{InvitationId, PostOfficeId, SellerId, UserId};
pub use kinds::{
    CertificateIssuer, EventKind, LotStatus, OcopGroup, ProductStatus, Role, ScanOutcome,
    SellerKind, SellerStatus, StampStatus, Unit,
};
pub use password::NewPassword;
pub use phone::Phone;
pub use reason::{FieldError, FieldErrors, Reason};
pub use stamp_code::StampCode;
pub use tax_code::{BusinessRegNo, TaxCode};
pub use text::{fold, optional_text, required_text, slugify};
