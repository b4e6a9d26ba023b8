//! Builds the running service from settings: pool, migrations, mailer and a
//! bound listener. Tests call `Application::build` exactly as `ocop serve`
//! does, with port 0 and their own database.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use actix_web::middleware::{Compress, DefaultHeaders, Next};
use actix_web::{App, HttpMessage, HttpServer, web};
use futures_util::StreamExt;

use crate::auth::TokenKeys;
use crate::config::Settings;
use crate::cpu::CpuPool;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::mail::Mailer;
use crate::services::label_jobs::LabelRunner;
use crate::services::outbox::{Outbox, OutboxWorker, Policy};
use crate::services::scans::{ScanRecorder, ScanWriter};
use crate::services::stamps::StampKeys;

/// What every handler can reach.
pub struct AppState {
    pub settings: Arc<Settings>,
    pub pool: Pool,
    pub keys: TokenKeys,
    pub stamp_keys: StampKeys,
    pub scans: ScanRecorder,
    /// Wakes the mail sender after a request enqueued a message.
    pub outbox: Outbox,
    /// Threads and memory budget for heavy work (image decoding, sheet
    /// parsing), kept apart from the database pool.
    pub cpu: CpuPool,
    /// Every label render of the instance runs here, never on the pool.
    pub labels: LabelRunner,
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    scan_writer: ScanWriter,
    scans: ScanRecorder,
    outbox_worker: OutboxWorker,
    outbox: Outbox,
    labels: LabelRunner,
}

/// The largest JSON or form body we accept; onboarding forms are far smaller.
const BODY_LIMIT: usize = 64 * 1024;

/// Opens the pool and applies pending migrations.
pub fn prepare_database(settings: &Settings) -> Result<Pool, db::DbError> {
    let pool = db::build_pool(&settings.database, settings.db_pool_size)?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    if applied > 0 {
        tracing::info!(applied, database = ?settings.database, "migrations applied");
    }
    Ok(pool)
}

impl Application {
    /// Prepares everything and binds `settings.bind` (port 0 picks a free one).
    pub fn build(
        settings: Settings,
        mailer: Mailer,
    ) -> Result<Application, Box<dyn std::error::Error>> {
        let pool = prepare_database(&settings)?;
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let open_files = crate::guards::raise_open_files_limit();
        let effective_workers = if workers > 0 {
            workers
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        };
        let same_origin = web::Data::new(crate::guards::SameOrigin::new(&settings.public_base_url));
        let (scans, scan_writer) = ScanRecorder::start(pool.clone(), settings.clone());
        let (outbox, outbox_worker) =
            Outbox::start(pool.clone(), mailer, Policy::from_settings(&settings));
        let cpu = CpuPool::start(settings.cpu);
        {
            let mut conn = pool.get()?;
            crate::services::label_jobs::recover(&mut conn, &settings)?;
        }
        let labels = LabelRunner::start(pool.clone(), settings.label_threads, settings.label_queue);
        let state = web::Data::new(AppState {
            cpu,
            keys: TokenKeys::new(&settings.secret_key),
            stamp_keys: StampKeys::new(&settings.secret_key),
            settings: Arc::new(settings),
            pool,
            scans: scans.clone(),
            outbox: outbox.clone(),
            labels: labels.clone(),
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(json_config())
                .app_data(form_config())
                .app_data(query_config())
                .app_data(path_config())
                .app_data(same_origin.clone())
                .wrap(actix_web::middleware::from_fn(utf8_forms))
                .wrap(actix_web::middleware::from_fn(
                    crate::guards::body_idle_timeout,
                ))
                .wrap(actix_web::middleware::from_fn(
                    crate::guards::refuse_cross_site,
                ))
                .wrap(security_headers())
                .wrap(Compress::default())
                .wrap(actix_web::middleware::from_fn(crate::routes::log_request))
                .configure(crate::routes::configure)
        })
        // Headers must arrive within 10 s of connecting (slow headers are the
        // cheapest way to hold a connection), and the connection count stays
        // below the descriptor limit; stalled bodies are cut by
        // `guards::body_idle_timeout`.
        .client_request_timeout(std::time::Duration::from_secs(10))
        .client_disconnect_timeout(std::time::Duration::from_secs(5))
        .max_connections(crate::guards::connections_per_worker(
            open_files,
            effective_workers,
        ))
        .listen(listener)?
        .shutdown_timeout(10);
        if workers > 0 {
            server = server.workers(workers);
        }
        Ok(Application {
            port,
            server: server.run(),
            scan_writer,
            scans,
            outbox_worker,
            outbox,
            labels,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from elsewhere (tests); `run_until_stopped` then
    /// stops the scan writer as SIGTERM would.
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Runs until stopped; SIGTERM and Ctrl-C stop it gracefully, after
    /// which every queued scan is written and the mail in flight finished
    /// before returning (mails not yet sent wait in the outbox).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        let labels = self.labels;
        let _ = web::block(move || labels.stop()).await;
        let writer = self.scan_writer;
        let sender = self.outbox_worker;
        let _ = web::block(move || {
            writer.stop();
            sender.stop();
        })
        .await;
        result
    }

    /// The outbox handle, for tests that wait for mails to be delivered.
    pub fn outbox(&self) -> Outbox {
        self.outbox.clone()
    }

    /// The server future and the scan queue, for tests that spawn the server
    /// and need to wait for scans to be stored.
    pub fn into_parts(self) -> (Server, ScanRecorder) {
        (self.server, self.scans)
    }
}

/// Headers on every response: no framing, no sniffing, no inline script.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
}

fn bad_request(detail: String, req: &actix_web::HttpRequest) -> actix_web::Error {
    let error = AppError::BadRequest { detail };
    if req.path().starts_with("/api/") {
        error.into()
    } else {
        error.html(crate::routes::lang_of(req)).into()
    }
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(|err, req| match err {
            actix_web::error::JsonPayloadError::Overflow { .. }
            | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                AppError::PayloadTooLarge.into()
            }
            other => bad_request(other.to_string(), req),
        })
}

fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(|err, req| match err {
            actix_web::error::UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge
                .html(crate::routes::lang_of(req))
                .into(),
            other => bad_request(other.to_string(), req),
        })
}

/// The most of a form body `utf8_forms` reads: what `web::Bytes` takes.
const FORM_READ_LIMIT: usize = 256 * 1024;

/// Refuses a form body that does not decode to UTF-8 with a 400, as a JSON
/// body is refused, instead of storing U+FFFD where the bytes were. The body
/// is read here (up to the 256 KiB `web::Bytes` would take) and handed on.
async fn utf8_forms(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let is_form = header(CONTENT_TYPE).is_some_and(|v| {
        v.trim_start()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    // A compressed body is the extractor's to decode (no browser sends one).
    let encoded = header(CONTENT_ENCODING).is_some_and(|v| !v.eq_ignore_ascii_case("identity"));
    if !is_form || encoded {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    let mut refused = None;
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(c) if body.len() + c.len() <= FORM_READ_LIMIT => body.extend_from_slice(&c),
            Ok(_) => {
                refused = Some(AppError::PayloadTooLarge);
                break;
            }
            Err(e) => {
                refused = Some(AppError::BadRequest {
                    detail: e.to_string(),
                });
                break;
            }
        }
    }
    if refused.is_none() && !crate::util::form_is_utf8(&body) {
        refused = Some(AppError::BadRequest {
            detail: "the form is not UTF-8".into(),
        });
    }
    if let Some(error) = refused {
        let error: actix_web::Error = if req.path().starts_with("/api/") {
            error.into()
        } else {
            error.html(crate::routes::lang_of(req.request())).into()
        };
        return Ok(req.error_response(error).map_into_boxed_body());
    }
    req.set_payload(Payload::from(body.freeze()));
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, req| bad_request(err.to_string(), req))
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, req| {
        let error = AppError::NotFound;
        if req.path().starts_with("/api/") {
            error.into()
        } else {
            error.html(crate::routes::lang_of(req)).into()
        }
    })
}
