//! Who is asking: password hashing, signed tokens (one audience per
//! purpose) and the actix extractors that admit only the right role.

pub mod extractors;
pub mod jwt;
pub mod password;

pub use extractors::{AdminUser, AuthUser, SellerUser, StaffUser};
pub use jwt::{Audience, Claims, TokenKeys};
