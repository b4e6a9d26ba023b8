//! The one error type and the one place that turns errors into HTTP.
//!
//! Policy: a 4xx tells the user what to fix, naming each bad field (or, for
//! a refused bulk import, each bad row and column), in their language on
//! HTML pages (and in both languages in JSON). A 5xx says only
//! that the server failed; its cause goes to the log with a short id that is
//! also shown to the user, so support can find it. Internal text (database
//! messages, paths, panics) never reaches a response body.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::domain::{FieldErrors, Reason};
use crate::i18n::{self, Lang, Texts};
use crate::services::imports::ImportReport;

/// Everything that can go wrong while serving a request or running a command.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// One or more fields were refused; each names its reason.
    #[error("invalid input: {0:?}")]
    Validation(FieldErrors),
    /// The request itself is malformed (bad JSON, wrong types); `detail`
    /// describes the input, never our internals.
    #[error("bad request: {detail}")]
    BadRequest { detail: String },
    /// No valid session or token.
    #[error("not logged in")]
    Unauthenticated,
    /// Login with a wrong email or password.
    #[error("wrong email or password")]
    InvalidCredentials,
    /// Logged in, but this role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// A state-changing request sent from another site's page (or with no
    /// sign of where it came from): refused before anything happens.
    #[error("cross-site request refused")]
    CrossSite,
    /// Missing, or belonging to someone the caller may not see.
    #[error("not found")]
    NotFound,
    /// A one-time link that is unknown, used or expired.
    #[error("link invalid, used or expired")]
    LinkInvalid,
    /// Too many failed logins; try again after this many seconds.
    #[error("too many attempts")]
    TooManyRequests { retry_after: u64 },
    #[error("payload too large")]
    PayloadTooLarge,
    /// The person already has `limit` background jobs queued or running.
    #[error("too many jobs running")]
    TooManyJobs { limit: usize, retry_after: u64 },
    /// Heavy work is at capacity (queue full, or no memory to reserve in
    /// time); nothing was done, try again after this many seconds.
    #[error("busy, retry after {retry_after} s")]
    Busy { retry_after: u64 },
    /// A bulk import refused: the file as a whole, or rows of it, each
    /// problem named by row and column. Nothing was written.
    #[error("import refused: {} problems", .0.problems_total)]
    ImportRejected(Box<ImportReport>),
    /// The service cannot take the request now (a full buffer, the
    /// database away); the client may retry after this many seconds.
    #[error("unavailable: {cause}")]
    Unavailable { retry_after: u64, cause: String },
    /// The disk holding the database or the data dir is full; nothing was
    /// written. The cause (which write, which path) is logged.
    #[error("disk full: {0}")]
    InsufficientStorage(String),
    /// Anything that is our fault; the text is logged, never sent.
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    /// A validation error for one field.
    pub fn field(field: &'static str, reason: Reason) -> AppError {
        let mut errors = FieldErrors::new();
        errors.push(field, reason);
        AppError::Validation(errors)
    }

    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string())
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) | AppError::ImportRejected(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::LinkInvalid => StatusCode::GONE,
            AppError::TooManyRequests { .. } | AppError::TooManyJobs { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::InsufficientStorage(_) => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code, the `error` field of JSON bodies.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::BadRequest { .. } => "bad_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden => "forbidden",
            AppError::CrossSite => "cross_site_request",
            AppError::NotFound => "not_found",
            AppError::LinkInvalid => "link_invalid",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::TooManyJobs { .. } => "too_many_jobs",
            AppError::Busy { .. } => "busy",
            AppError::ImportRejected(_) => "import_rejected",
            AppError::Unavailable { .. } => "unavailable",
            AppError::InsufficientStorage(_) => "insufficient_storage",
            AppError::Internal(_) => "internal_error",
        }
    }

    /// The sentence shown to a person.
    pub fn message(&self, lang: Lang) -> String {
        let t = lang.texts();
        match self {
            AppError::Validation(_) => t.form_has_errors.to_owned(),
            AppError::BadRequest { .. } => t.error_bad_request.to_owned(),
            AppError::Unauthenticated => t.login_title.to_owned(),
            AppError::InvalidCredentials => t.login_failed.to_owned(),
            AppError::Forbidden => t.error_forbidden.to_owned(),
            AppError::CrossSite => t.error_cross_site.to_owned(),
            AppError::NotFound => t.error_not_found.to_owned(),
            AppError::LinkInvalid => t.link_invalid.to_owned(),
            AppError::TooManyRequests { retry_after } => i18n::retry_after(lang, *retry_after),
            AppError::PayloadTooLarge => t.error_too_large.to_owned(),
            AppError::Busy { retry_after } => i18n::busy(lang, *retry_after),
            AppError::TooManyJobs { limit, .. } => i18n::labels::too_many_jobs(lang, *limit),
            AppError::ImportRejected(report) => i18n::imports::rejected(lang, report),
            AppError::Unavailable { retry_after, .. } => i18n::unavailable(lang, *retry_after),
            AppError::InsufficientStorage(_) => i18n::storage_full(lang).to_owned(),
            AppError::Internal(_) => t.error_internal.to_owned(),
        }
    }

    /// Logs a server-side failure and returns the id shown to the user.
    fn log_internal(&self) -> Option<String> {
        let id = crate::util::random_hex(4);
        match self {
            AppError::Internal(cause) => {
                tracing::error!(error_id = %id, %cause, "request failed");
            }
            AppError::InsufficientStorage(cause) => {
                tracing::error!(error_id = %id, %cause, "request failed: the disk is full");
            }
            AppError::Unavailable { cause, .. } => {
                tracing::warn!(error_id = %id, %cause, "request refused: unavailable");
            }
            _ => return None,
        }
        Some(id)
    }

    fn add_headers(&self, builder: &mut actix_web::HttpResponseBuilder) {
        if let AppError::TooManyRequests { retry_after }
        | AppError::Unavailable { retry_after, .. }
        | AppError::TooManyJobs { retry_after, .. }
        | AppError::Busy { retry_after } = self
        {
            builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
    }

    /// A file write that failed: a full disk says so, anything else is ours.
    pub fn io(context: &str, e: std::io::Error) -> AppError {
        if is_disk_full_io(&e) {
            AppError::InsufficientStorage(format!("{context}: {e}"))
        } else {
            AppError::Internal(format!("{context}: {e}"))
        }
    }
}

/// Translates field errors, keyed by field name.
pub fn field_messages(errors: &FieldErrors, lang: Lang) -> BTreeMap<&'static str, String> {
    errors
        .iter()
        .map(|e| (e.field, i18n::reason(lang, &e.reason)))
        .collect()
}

/// One refused row of a bulk import, in both languages.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RowMessage {
    /// The row number as Excel shows it (the header is row 1).
    pub row: usize,
    /// The column's header as the file writes it.
    pub column: String,
    /// The input field, e.g. `price_vnd`; empty for an unknown column.
    pub field: &'static str,
    /// Why, in English.
    pub message: String,
    /// Why, in Vietnamese.
    pub message_vi: String,
}

/// The listed problems of a refused import.
pub fn row_messages(report: &ImportReport) -> Vec<RowMessage> {
    report
        .problems
        .iter()
        .map(|p| RowMessage {
            row: p.row,
            column: p.column.clone(),
            field: p.field,
            message: i18n::imports::problem(Lang::En, report.kind, p),
            message_vi: i18n::imports::problem(Lang::Vi, report.kind, p),
        })
        .collect()
}

/// JSON error body: `{error, message, message_vi, fields, fields_vi}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `validation_failed`.
    pub error: &'static str,
    /// English sentence for a person.
    pub message: String,
    /// The same in Vietnamese.
    pub message_vi: String,
    /// For `validation_failed`: field name -> why it was refused (English).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<&'static str, String>,
    /// The same reasons in Vietnamese.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields_vi: BTreeMap<&'static str, String>,
    /// For `import_rejected`: each refused row and column and why (at most
    /// 1,000; `message` gives the total).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowMessage>,
    /// What was wrong with a malformed request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Quote this to support; the log has the cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let error_id = self.log_internal();
        let (fields, fields_vi) = match self {
            AppError::Validation(errors) => (
                field_messages(errors, Lang::En),
                field_messages(errors, Lang::Vi),
            ),
            _ => Default::default(),
        };
        let body = ErrorBody {
            error: self.code(),
            message: self.message(Lang::En),
            message_vi: self.message(Lang::Vi),
            fields,
            fields_vi,
            rows: match self {
                AppError::ImportRejected(report) => row_messages(report),
                _ => Vec::new(),
            },
            detail: match self {
                AppError::BadRequest { detail } => Some(detail.clone()),
                _ => None,
            },
            error_id,
        };
        let mut builder = HttpResponse::build(self.status());
        self.add_headers(&mut builder);
        if matches!(self, AppError::Unauthenticated) {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        builder.json(body)
    }
}

/// An error on an HTML page: the same error, shown as a page in `lang`.
/// A missing login on a page redirects to the login form instead.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct HtmlError {
    pub error: AppError,
    pub lang: Lang,
    /// Where to come back to after logging in.
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html", config = "src/askama.toml")]
struct ErrorPage {
    t: &'static Texts,
    lang: Lang,
    message: String,
    fields: Vec<String>,
    error_id: Option<String>,
}

impl ResponseError for HtmlError {
    fn status_code(&self) -> StatusCode {
        self.error.status()
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self.error, AppError::Unauthenticated) {
            let location = match &self.next {
                Some(next) => format!("/login?next={}", crate::util::url_encode(next)),
                None => "/login".to_owned(),
            };
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish();
        }
        let error_id = self.error.log_internal();
        let fields = match &self.error {
            AppError::Validation(errors) => {
                field_messages(errors, self.lang).into_values().collect()
            }
            AppError::ImportRejected(report) => report
                .problems
                .iter()
                .map(|p| i18n::imports::problem_line(self.lang, report.kind, p))
                .collect(),
            _ => Vec::new(),
        };
        let page = ErrorPage {
            t: self.lang.texts(),
            lang: self.lang,
            message: self.error.message(self.lang),
            fields,
            error_id,
        };
        let mut builder = HttpResponse::build(self.error.status());
        self.error.add_headers(&mut builder);
        match page.render() {
            Ok(html) => builder
                .insert_header((
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ))
                .body(html),
            Err(e) => {
                tracing::error!(cause = %e, "error page failed to render");
                builder.body(self.error.message(self.lang))
            }
        }
    }
}

impl AppError {
    /// Shows this error as an HTML page in `lang`.
    pub fn html(self, lang: Lang) -> HtmlError {
        HtmlError {
            error: self,
            lang,
            next: None,
        }
    }
}

impl From<crate::db::DbError> for AppError {
    fn from(e: crate::db::DbError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        if is_disk_full_db(&e) {
            AppError::InsufficientStorage(format!("database: {e}"))
        } else if is_connection_lost(&e) {
            AppError::Unavailable {
                retry_after: 5,
                cause: format!("database connection lost: {e}"),
            }
        } else {
            AppError::Internal(e.to_string())
        }
    }
}

/// No connection within the pool's wait: the database is away or every
/// connection is busy. Either way the request may be retried shortly.
impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable {
            retry_after: 5,
            cause: format!("database pool: {e}"),
        }
    }
}

/// ENOSPC (and EDQUOT, a full quota) on a file write.
pub fn is_disk_full_io(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    ) || matches!(e.raw_os_error(), Some(28 | 122))
}

/// The database went away under a query (a restart, a failover): the
/// request may be retried once it is back, so it is a 503, not a 500.
pub fn is_connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("terminating connection due to administrator command")
                || m.contains("server closed the connection unexpectedly")
                || m.contains("no connection to the server")
                || m.contains("the database system is shutting down")
                || m.contains("the database system is starting up")
        }
        _ => false,
    }
}

/// SQLITE_FULL ("database or disk is full"), SQLite's I/O error on a full
/// disk, and PostgreSQL's disk_full (53100, "No space left on device").
pub fn is_disk_full_db(e: &diesel::result::Error) -> bool {
    use diesel::result::Error;
    let message = match e {
        Error::DatabaseError(_, info) => info.message().to_owned(),
        Error::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => return is_disk_full_db(commit_error) || is_disk_full_db(rollback_error),
        other => other.to_string(),
    };
    let m = message.to_ascii_lowercase();
    m.contains("database or disk is full")
        || m.contains("no space left on device")
        || m.contains("disk quota exceeded")
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(format!("blocking task: {e}"))
    }
}

/// A refused heavy job is a 503; a panicked one is our fault (callers that
/// parse outside data map a panic to a refusal of the file themselves).
impl From<crate::cpu::CpuError> for AppError {
    fn from(e: crate::cpu::CpuError) -> Self {
        match e {
            crate::cpu::CpuError::Busy { retry_after } => AppError::Busy { retry_after },
            crate::cpu::CpuError::Panicked(cause) => {
                AppError::Internal(format!("heavy job panicked: {cause}"))
            }
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Validation(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

#[cfg(test)]
mod disk_full_tests {
    use super::*;

    #[test]
    fn a_full_disk_is_507_and_says_so_in_both_languages() {
        let e = AppError::io("writing a photo", std::io::Error::from_raw_os_error(28));
        assert_eq!(e.status(), StatusCode::INSUFFICIENT_STORAGE);
        assert!(e.message(Lang::Vi).contains("hết dung lượng"));
        assert!(e.message(Lang::En).contains("out of storage"));
        let other = AppError::io("writing a photo", std::io::Error::from_raw_os_error(13));
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let busy = AppError::Unavailable {
            retry_after: 10,
            cause: "buffer full".into(),
        };
        let res = busy.error_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            res.headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("10")
        );
    }
}
