//! HTTP: thin handlers for the HTML pages and the `/api/v1` JSON API, all
//! registered in `configure`. A handler extracts, calls one service inside
//! `web::block` (diesel and argon2 block), and renders.

pub mod api_auth;
pub mod api_exports;
pub mod api_labels;
pub mod api_meta;
pub mod api_products;
pub mod api_sellers;
pub mod api_stamps;
pub mod assets;
pub mod files;
pub mod labels;
pub mod pages_account;
pub mod pages_catalog;
pub mod pages_exports;
pub mod pages_import;
pub mod pages_invite;
pub mod pages_products;
pub mod pages_seller;
pub mod pages_staff;
pub mod pages_stamps;
pub mod scan;
pub mod seller_form;
pub mod uploads;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::AuthUser;
use crate::config::Settings;
use crate::db::DbConn;
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::{Lang, Texts};
use crate::startup::AppState;

/// Every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(api_meta::healthz))
        .route("/readyz", web::get().to(api_meta::readyz))
        .route("/static/{name}", web::get().to(assets::asset))
        .route("/media/{name}", web::get().to(files::media_file))
        .route("/files/{name}", web::get().to(files::document))
        .service(
            web::scope("/api/v1")
                .route("/openapi.json", web::get().to(api_meta::openapi))
                .route("/communes", web::get().to(api_meta::communes))
                .route("/provinces", web::get().to(api_meta::provinces))
                .route("/auth/login", web::post().to(api_auth::login))
                .route("/auth/logout", web::post().to(api_auth::logout))
                .route("/auth/password", web::post().to(api_auth::change_password))
                .route(
                    "/auth/password-reset",
                    web::post().to(api_auth::request_reset),
                )
                .route(
                    "/auth/password-reset/confirm",
                    web::post().to(api_auth::confirm_reset),
                )
                .route("/me", web::get().to(api_auth::me))
                .route(
                    "/invitations/accept",
                    web::post().to(api_auth::accept_invitation),
                )
                .route("/sellers", web::get().to(api_sellers::list))
                .route("/sellers", web::post().to(api_sellers::create))
                .route("/sellers/{id}", web::get().to(api_sellers::get))
                .route("/sellers/{id}", web::put().to(api_sellers::update))
                .route(
                    "/sellers/{id}/invitations",
                    web::post().to(api_sellers::invite),
                )
                .route("/sellers/{id}/audit", web::get().to(api_sellers::audit_log))
                .route(
                    "/sellers/{id}/products",
                    web::get().to(api_products::seller_products),
                )
                .route(
                    "/sellers/{id}/products",
                    web::post().to(api_products::create_product),
                )
                .route("/products/{id}", web::get().to(api_products::get_product))
                .route(
                    "/products/{id}",
                    web::put().to(api_products::update_product),
                )
                .route(
                    "/products/{id}/photos",
                    web::post().to(api_products::add_photo),
                )
                .route(
                    "/products/{id}/photos/order",
                    web::put().to(api_products::reorder_photos),
                )
                .route(
                    "/products/{id}/photos/{photo_id}",
                    web::delete().to(api_products::delete_photo),
                )
                .route(
                    "/products/{id}/certificates",
                    web::post().to(api_products::add_certificate),
                )
                .route(
                    "/products/{id}/lots",
                    web::post().to(api_products::create_lot),
                )
                .route("/lots/{id}", web::get().to(api_products::get_lot))
                .route("/lots/{id}", web::put().to(api_products::update_lot))
                .route(
                    "/lots/{id}/status",
                    web::post().to(api_products::set_lot_status),
                )
                .route("/lots/{id}/events", web::post().to(api_products::add_event))
                .route("/catalog", web::get().to(api_products::public_catalog))
                .route(
                    "/catalog/products/{slug}",
                    web::get().to(api_products::public_product),
                )
                .route("/ocop-groups", web::get().to(api_products::ocop_groups))
                .route(
                    "/products/{id}/stamp-runs",
                    web::post().to(api_stamps::issue),
                )
                .route("/sellers/{id}/stamp-runs", web::get().to(api_stamps::list))
                .route("/stamp-runs/{id}/bind", web::post().to(api_stamps::bind))
                .route(
                    "/stamp-runs/{id}/void",
                    web::post().to(api_stamps::void_run),
                )
                .route(
                    "/stamps/{code}/void",
                    web::post().to(api_stamps::void_stamp),
                )
                .route(
                    "/stamps/{code}/activate",
                    web::post().to(api_stamps::activate),
                )
                .route("/scan/{code}", web::get().to(scan::api))
                .route("/scan/{code}", web::head().to(scan::api))
                .configure(api_exports::configure)
                .configure(api_labels::configure)
                .configure(pages_import::configure_api)
                .default_service(web::to(api_meta::not_found)),
        )
        .route("/", web::get().to(pages_catalog::home))
        .route("/p/{slug}", web::get().to(pages_catalog::product))
        .route("/sellers/{id}", web::get().to(pages_catalog::seller))
        .route("/lang/{code}", web::get().to(pages_account::switch_lang))
        .route("/s/{code}", web::get().to(scan::page))
        .route("/s/{code}", web::head().to(scan::page))
        .route("/s/{code}/activate", web::post().to(scan::activate))
        .configure(labels::configure)
        .route(
            "/01/{gtin}/10/{lot}/21/{code}",
            web::get().to(scan::digital_link),
        )
        .route(
            "/01/{gtin}/10/{lot}/21/{code}",
            web::head().to(scan::digital_link),
        )
        .route("/login", web::get().to(pages_account::login_form))
        .route("/login", web::post().to(pages_account::login))
        .route("/logout", web::post().to(pages_account::logout))
        .route(
            "/account/password",
            web::get().to(pages_account::password_form),
        )
        .route(
            "/account/password",
            web::post().to(pages_account::change_password),
        )
        .route(
            "/password/forgot",
            web::get().to(pages_account::forgot_form),
        )
        .route("/password/forgot", web::post().to(pages_account::forgot))
        .route(
            "/password/reset/{token}",
            web::get().to(pages_account::reset_form),
        )
        .route(
            "/password/reset/{token}",
            web::post().to(pages_account::reset),
        )
        .route("/invite/{token}", web::get().to(pages_invite::form))
        .route("/invite/{token}", web::post().to(pages_invite::accept))
        .route("/staff", web::get().to(pages_staff::list))
        .route("/staff/sellers/new", web::get().to(pages_staff::new_form))
        .route("/staff/sellers/new", web::post().to(pages_staff::create))
        .route("/staff/sellers/{id}", web::get().to(pages_staff::detail))
        .route(
            "/staff/sellers/{id}/edit",
            web::get().to(pages_staff::edit_form),
        )
        .route(
            "/staff/sellers/{id}/edit",
            web::post().to(pages_staff::update),
        )
        .route(
            "/staff/sellers/{id}/invite",
            web::post().to(pages_staff::invite),
        )
        .route("/seller", web::get().to(pages_seller::home))
        .route("/seller/edit", web::get().to(pages_seller::edit_form))
        .route("/seller/edit", web::post().to(pages_seller::update))
        // Stamp pages (pages_stamps).
        .route("/stamps", web::get().to(pages_stamps::list))
        .route("/stamps/dashboard", web::get().to(pages_stamps::dashboard))
        .route("/stamps/runs", web::post().to(pages_stamps::order))
        .route("/stamps/runs/{id}/bind", web::post().to(pages_stamps::bind))
        .route(
            "/stamps/runs/{id}/void",
            web::post().to(pages_stamps::void_run),
        )
        .route("/stamps/void", web::post().to(pages_stamps::void_stamp))
        // Product management pages (pages_products); "/products/new" before
        // "/products/{id}".
        .route("/products/new", web::get().to(pages_products::new_form))
        .route("/products/new", web::post().to(pages_products::create))
        .route("/products/{id}", web::get().to(pages_products::manage))
        .route(
            "/products/{id}/edit",
            web::get().to(pages_products::edit_form),
        )
        .route(
            "/products/{id}/edit",
            web::post().to(pages_products::update),
        )
        .route(
            "/products/{id}/photos",
            web::post().to(pages_products::add_photo),
        )
        .route(
            "/products/{id}/photos/{photo_id}/move",
            web::post().to(pages_products::move_photo),
        )
        .route(
            "/products/{id}/photos/{photo_id}/delete",
            web::post().to(pages_products::delete_photo),
        )
        .route(
            "/products/{id}/certificates",
            web::post().to(pages_products::add_certificate),
        )
        .route(
            "/products/{id}/lots",
            web::post().to(pages_products::create_lot),
        )
        .route("/lots/{id}", web::get().to(pages_products::lot))
        .route(
            "/lots/{id}/edit",
            web::get().to(pages_products::lot_edit_form),
        )
        .route(
            "/lots/{id}/edit",
            web::post().to(pages_products::lot_update),
        )
        .route(
            "/lots/{id}/status",
            web::post().to(pages_products::set_status),
        )
        .route(
            "/lots/{id}/events",
            web::post().to(pages_products::add_event),
        )
        .configure(pages_import::configure)
        .configure(pages_exports::configure)
        .default_service(web::to(pages_account::not_found));
}

/// Name of the cookie that remembers the language switch.
pub const LANG_COOKIE: &str = "lang";

/// The language of a request: `?lang=`, the `lang` cookie, Accept-Language.
pub fn lang_of(req: &HttpRequest) -> Lang {
    if let Some(l) = web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.lang.as_deref().and_then(Lang::from_code))
    {
        return l;
    }
    if let Some(l) = req
        .cookie(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
    {
        return l;
    }
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// Runs blocking database work off the async workers.
pub async fn with_db<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn, &AppState) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let state = state.clone();
    web::block(move || {
        let mut conn = state.pool.get()?;
        f(&mut conn, &state)
    })
    .await?
}

/// Runs blocking work that takes connections from the pool itself, only
/// while it needs them (login: none is held while argon2 works).
pub async fn with_state<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, AppError>
where
    F: FnOnce(&AppState) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let state = state.clone();
    web::block(move || f(&state)).await?
}

/// The client address, for throttling and coarse scan facts. Without
/// `OCOP_TRUST_PROXY` the socket peer, which cannot be faked; behind trusted
/// proxies the right-most `X-Forwarded-For` hop that is not one of them
/// (see [`crate::domain::net::client_address`]), and only when the peer
/// itself is a trusted proxy. `Forwarded` (RFC 7239) is not read.
pub fn client_addr(req: &HttpRequest, settings: &Settings) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    if !settings.trust_proxy {
        return peer;
    }
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    crate::domain::net::client_address(peer, &hops, &settings.trusted_proxies)
}

/// [`client_addr`] as the text throttle keys are made of.
pub fn client_ip(req: &HttpRequest, state: &AppState) -> String {
    client_addr(req, &state.settings)
        .map(|a| a.to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// What every page's frame needs: language, texts, who is logged in, and
/// the current path for the language switch.
pub struct Chrome {
    pub lang: Lang,
    pub t: &'static Texts,
    pub user_name: Option<String>,
    pub role: Option<Role>,
    pub path: String,
}

impl Chrome {
    pub fn new(req: &HttpRequest, lang: Lang, user: Option<&AuthUser>) -> Chrome {
        let user = user
            .cloned()
            .or_else(|| req.extensions().get::<AuthUser>().cloned());
        Chrome {
            lang,
            t: lang.texts(),
            user_name: user.as_ref().map(|u| u.name.clone()),
            role: user.as_ref().map(|u| u.actor.role),
            path: req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".to_owned()),
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.role, Some(Role::Staff | Role::Admin))
    }

    pub fn is_seller(&self) -> bool {
        self.role == Some(Role::Seller)
    }

    /// The menu entry of the export pages.
    pub fn nav_exports(&self) -> &'static str {
        crate::i18n::exports::texts(self.lang).nav_exports
    }

    /// Link that switches to the other language and comes back here.
    pub fn switch_href(&self) -> String {
        format!(
            "/lang/{}?next={}",
            self.lang.other().code(),
            crate::util::url_encode(&self.path)
        )
    }
}

/// Renders a page with `status`.
pub fn render<T: Template>(
    status: actix_web::http::StatusCode,
    page: &T,
) -> Result<HttpResponse, AppError> {
    let html = page.render()?;
    Ok(HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html))
}

/// Renders a page with 200 OK.
pub fn page<T: Template>(page: &T) -> Result<HttpResponse, AppError> {
    render(actix_web::http::StatusCode::OK, page)
}

/// A 303 to `to`, the answer to a successful form post.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_owned()))
        .finish()
}

/// The session cookie: HttpOnly so scripts cannot read it, SameSite=Strict
/// so other sites cannot post forms with it, Secure behind https.
pub fn session_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    Cookie::build(crate::auth::extractors::SESSION_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies())
        .max_age(actix_web::cookie::time::Duration::hours(
            state.settings.session_hours,
        ))
        .finish()
}

/// A cookie that removes the session.
pub fn expired_session_cookie(state: &AppState) -> Cookie<'static> {
    let mut c = session_cookie(state, "");
    c.make_removal();
    c
}

/// Logs each request: method, path, status and time (never the query,
/// which may carry a token).
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let path = if path.starts_with("/invite/") || path.starts_with("/password/reset/") {
        "<one-time link>".to_owned()
    } else {
        path
    };
    let res = next.call(req).await?;
    tracing::info!(
        %method,
        path,
        status = res.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(trust_proxy: bool, proxies: Option<&str>) -> Settings {
        let dir =
            std::env::temp_dir().join(format!("ocop-client-addr-{}", crate::util::random_hex(4)));
        let args = crate::config::ConfigArgs {
            env: "development".into(),
            bind: "127.0.0.1:0".into(),
            data_dir: dir,
            database_url: None,
            public_base_url: None,
            secret_key: Some("a-test-secret-that-is-long-enough-0123456789".into()),
            smtp_url: None,
            mail_from: "OCOP <no-reply@ocop.test>".into(),
            workers: 1,
            db_pool_size: 1,
            session_hours: 1,
            trust_proxy,
            trusted_proxies: proxies.map(str::to_owned),
            smtp_timeout: 20,
            mail_retry: 60,
            cpu_threads: 1,
            cpu_queue: 4,
            cpu_memory_mb: 256,
            copy_scan_limit: 200,
            copy_networks: 5,
            label_threads: 1,
            label_queue: 4,
        };
        let settings = Settings::from_args(args).expect("settings");
        let _ = std::fs::remove_dir_all(&settings.data_dir);
        settings
    }

    fn request(peer: &str, xff: &[&str]) -> HttpRequest {
        let mut req =
            actix_web::test::TestRequest::default().peer_addr(peer.parse().expect("peer"));
        for v in xff {
            req = req.append_header(("X-Forwarded-For", *v));
        }
        req.to_http_request()
    }

    fn addr(s: &str) -> Option<std::net::IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn without_trust_the_peer_is_the_client() {
        let s = settings(false, None);
        let req = request("203.0.113.5:4000", &["1.2.3.4"]);
        assert_eq!(client_addr(&req, &s), addr("203.0.113.5"));
    }

    #[test]
    fn behind_the_default_loopback_proxy_the_proxy_appended_hop_counts() {
        let s = settings(true, None);
        let req = request("127.0.0.1:4000", &["1.2.3.4, 198.51.100.7"]);
        assert_eq!(client_addr(&req, &s), addr("198.51.100.7"));
        // A peer that is not a trusted proxy cannot pick its address.
        let req = request("198.51.100.9:4000", &["1.2.3.4"]);
        assert_eq!(client_addr(&req, &s), addr("198.51.100.9"));
    }

    #[test]
    fn configured_proxy_ranges_are_skipped() {
        let s = settings(true, Some("10.0.0.0/8, 192.0.2.1"));
        let req = request("192.0.2.1:4000", &["6.6.6.6", "198.51.100.7, 10.3.2.1"]);
        assert_eq!(client_addr(&req, &s), addr("198.51.100.7"));
        // Loopback is no longer trusted once a list is given.
        let req = request("127.0.0.1:4000", &["198.51.100.7"]);
        assert_eq!(client_addr(&req, &s), addr("127.0.0.1"));
    }

    #[test]
    fn a_bad_proxy_list_is_refused_at_start() {
        let dir =
            std::env::temp_dir().join(format!("ocop-bad-proxy-{}", crate::util::random_hex(4)));
        let args = crate::config::ConfigArgs {
            env: "development".into(),
            bind: "127.0.0.1:0".into(),
            data_dir: dir.clone(),
            database_url: None,
            public_base_url: None,
            secret_key: Some("a-test-secret-that-is-long-enough-0123456789".into()),
            smtp_url: None,
            mail_from: "OCOP <no-reply@ocop.test>".into(),
            workers: 1,
            db_pool_size: 1,
            session_hours: 1,
            trust_proxy: true,
            trusted_proxies: Some("10.0.0.0/8, proxy.local".into()),
            smtp_timeout: 20,
            mail_retry: 60,
            cpu_threads: 1,
            cpu_queue: 4,
            cpu_memory_mb: 256,
            copy_scan_limit: 200,
            copy_networks: 5,
            label_threads: 1,
            label_queue: 4,
        };
        assert!(matches!(
            Settings::from_args(args),
            Err(crate::config::ConfigError::BadTrustedProxy(r)) if r == "proxy.local"
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
