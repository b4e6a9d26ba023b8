//! Static files compiled into the binary, so `ocop` runs from any folder.
//! URLs carry a content hash, so browsers may keep them for a year.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const CSS: &str = include_str!("../../static/app.css");

/// FNV-1a of the stylesheet, computed at compile time: changes whenever the
/// file does, which is all a cache-busting query needs.
pub const CSS_VERSION: u64 = fnv1a(CSS.as_bytes());

const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// `GET /static/{name}`.
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    match name.as_str() {
        "app.css" => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(CSS),
        _ => HttpResponse::NotFound().finish(),
    }
}
