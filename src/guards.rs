//! Connection-level defences that sit in front of every handler: refusing
//! cross-site form posts, cutting request bodies that stall, and the limits
//! on open connections and file descriptors that keep one slow or hostile
//! client population from starving everyone else.

use std::io;
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};

use crate::error::AppError;

/// Where state-changing requests may come from: the public base URL's
/// origin, or the origin the request itself was addressed to.
#[derive(Debug, Clone)]
pub struct SameOrigin {
    /// `scheme://host[:port]` of `OCOP_PUBLIC_BASE_URL`, lower case.
    public_origin: String,
}

impl SameOrigin {
    pub fn new(public_base_url: &str) -> SameOrigin {
        SameOrigin {
            public_origin: origin_of(public_base_url).unwrap_or_default(),
        }
    }

    /// Whether `req` may change state. Safe methods always may. A request
    /// with a bearer token and no cookie carries no ambient credential, so a
    /// cross-site page cannot forge it (it cannot set `Authorization`
    /// without a CORS preflight we never grant). Everything else — every
    /// HTML form, the login form included, and any API call riding on the
    /// session cookie — must show an `Origin` (or, from browsers that omit
    /// it, a `Referer`) that is ours. A request with neither is refused:
    /// our own pages always send one (Referrer-Policy is `same-origin`), and
    /// an attacker can suppress both on old browsers.
    pub fn allows(&self, req: &ServiceRequest) -> bool {
        if matches!(
            *req.method(),
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
        ) {
            return true;
        }
        let headers = req.headers();
        let has_cookie = headers.contains_key(header::COOKIE);
        if req.path().starts_with("/api/") && !has_cookie {
            return true;
        }
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase);
        let claimed = headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .or_else(|| headers.get(header::REFERER).and_then(|v| v.to_str().ok()))
            .and_then(origin_of);
        match claimed {
            Some(origin) => {
                origin == self.public_origin
                    // The browser sets Host to the site it is talking to, so
                    // an origin naming that same host is the page's own;
                    // this keeps forms working when the operator reaches the
                    // service under another name than the public one.
                    || host.is_some_and(|h| authority_of(&origin) == h)
            }
            None => false,
        }
    }
}

/// `scheme://authority` of a URL, lower case; `None` for anything else
/// (`null`, a relative reference, garbage).
fn origin_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{}://{}", scheme, authority).to_ascii_lowercase())
}

fn authority_of(origin: &str) -> &str {
    origin.split_once("://").map(|(_, a)| a).unwrap_or(origin)
}

/// Refuses cross-site state-changing requests with 403 before their body
/// is read or any handler runs.
pub async fn refuse_cross_site(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let allowed = req
        .app_data::<actix_web::web::Data<SameOrigin>>()
        .is_none_or(|guard| guard.allows(&req));
    if allowed {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    tracing::warn!(
        method = %req.method(),
        path = req.path(),
        origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-"),
        "cross-site request refused"
    );
    let error: actix_web::Error = if req.path().starts_with("/api/") {
        AppError::CrossSite.into()
    } else {
        AppError::CrossSite
            .html(crate::routes::lang_of(req.request()))
            .into()
    };
    Ok(req.error_response(error).map_into_boxed_body())
}

/// How long a request body may go without a single byte arriving. Slow
/// mobile data still moves every few seconds; a client that sends headers
/// and then nothing is holding a connection and a descriptor hostage.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(20);

/// Wraps every request body so that a read waiting longer than
/// [`BODY_IDLE_TIMEOUT`] for the next chunk fails; the handler then answers
/// with an error and the connection is closed instead of waiting forever.
pub async fn body_idle_timeout(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let payload = req.take_payload();
        req.set_payload(Payload::from(
            Box::pin(with_idle_timeout(payload, BODY_IDLE_TIMEOUT))
                as std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>,
        ));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn with_idle_timeout<S>(
    payload: S,
    idle: Duration,
) -> impl Stream<Item = Result<Bytes, PayloadError>>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
{
    futures_util::stream::unfold(Some(payload), move |state| async move {
        let mut payload = state?;
        match actix_web::rt::time::timeout(idle, payload.next()).await {
            Ok(Some(item)) => Some((item, Some(payload))),
            Ok(None) => None,
            Err(_) => Some((
                Err(PayloadError::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request body stalled",
                ))),
                None,
            )),
        }
    })
}

/// Descriptors kept back from connections: the database pool, uploads being
/// written, label and export files, the log.
const RESERVED_DESCRIPTORS: u64 = 256;
/// actix-web's own default per worker, the most we would ever want.
const MAX_CONNECTIONS_PER_WORKER: u64 = 25_000;

/// Raises the soft limit on open files to the hard limit (the usual soft
/// 1,024 is far below what a server with a thousand slow phones needs) and
/// returns the limit now in force.
pub fn raise_open_files_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 1_024;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            tracing::debug!(
                from = limit.rlim_cur,
                to = limit.rlim_max,
                "raised the open-files limit"
            );
            return limit.rlim_max;
        }
    }
    limit.rlim_cur
}

/// Connections each worker accepts at once, so that all workers together
/// stay below the descriptor limit: past it, new connections wait in the
/// kernel's backlog instead of failing with "Too many open files" inside
/// the database driver or a file write.
pub fn connections_per_worker(open_files_limit: u64, workers: usize) -> usize {
    let usable = open_files_limit
        .saturating_sub(RESERVED_DESCRIPTORS)
        .max(64);
    let per = usable / workers.max(1) as u64;
    per.clamp(16, MAX_CONNECTIONS_PER_WORKER) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn guard() -> SameOrigin {
        SameOrigin::new("https://ocop.example.vn")
    }

    #[test]
    fn origins_are_normalised() {
        assert_eq!(
            origin_of("HTTPS://Ocop.Example.VN/login?next=/"),
            Some("https://ocop.example.vn".into())
        );
        assert_eq!(origin_of("null"), None);
        assert_eq!(origin_of("https://evil@ocop.example.vn/"), None);
        assert_eq!(origin_of("javascript://ocop.example.vn"), None);
    }

    #[test]
    fn forms_need_our_origin_or_referer() {
        let post = |headers: &[(&str, &str)]| {
            let mut r = TestRequest::post()
                .uri("/login")
                .insert_header(("Host", "10.0.0.5:8080"));
            for h in headers {
                r = r.insert_header(*h);
            }
            guard().allows(&r.to_srv_request())
        };
        assert!(post(&[("Origin", "https://ocop.example.vn")]));
        assert!(post(&[("Referer", "https://ocop.example.vn/login")]));
        assert!(post(&[("Origin", "http://10.0.0.5:8080")]));
        assert!(!post(&[("Origin", "http://evil.example")]));
        assert!(!post(&[("Origin", "null")]));
        assert!(!post(&[("Referer", "http://evil.example/ocop.example.vn")]));
        assert!(!post(&[]));
        // A forged Referer does not rescue a foreign Origin.
        assert!(!post(&[
            ("Origin", "http://evil.example"),
            ("Referer", "https://ocop.example.vn/")
        ]));
    }

    #[test]
    fn bearer_api_calls_and_reads_pass() {
        let api = TestRequest::post()
            .uri("/api/v1/products/1/stamp-runs")
            .insert_header(("Origin", "http://evil.example"))
            .to_srv_request();
        assert!(guard().allows(&api));
        let with_cookie = TestRequest::post()
            .uri("/api/v1/products/1/stamp-runs")
            .insert_header(("Origin", "http://evil.example"))
            .insert_header(("Cookie", "ocop_session=x"))
            .to_srv_request();
        assert!(!guard().allows(&with_cookie));
        let read = TestRequest::get()
            .uri("/seller")
            .insert_header(("Origin", "http://evil.example"))
            .to_srv_request();
        assert!(guard().allows(&read));
    }

    #[test]
    fn connections_fit_under_the_descriptor_limit() {
        assert_eq!(connections_per_worker(1_024, 2), 384);
        assert_eq!(connections_per_worker(1_048_576, 2), 25_000);
        assert_eq!(connections_per_worker(100, 8), 16);
    }
}
