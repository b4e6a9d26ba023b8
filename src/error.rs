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
    /// Heavy work is at capacity; try again after this many seconds.
    #[error("server busy")]
    Busy { retry_after: u64 },
    /// A bulk import refused: the file as a whole, or rows of it, each
    /// problem named by row and column. Nothing was written.
    #[error("import refused: {} problems", .0.problems_total)]
    ImportRejected(Box<ImportReport>),
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
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::LinkInvalid => StatusCode::GONE,
            AppError::TooManyRequests { .. } | AppError::TooManyJobs { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
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
            AppError::NotFound => "not_found",
            AppError::LinkInvalid => "link_invalid",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::TooManyJobs { .. } => "too_many_jobs",
            AppError::Busy { .. } => "busy",
            AppError::ImportRejected(_) => "import_rejected",
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
            AppError::NotFound => t.error_not_found.to_owned(),
            AppError::LinkInvalid => t.link_invalid.to_owned(),
            AppError::TooManyRequests { retry_after } => i18n::retry_after(lang, *retry_after),
            AppError::PayloadTooLarge => t.error_too_large.to_owned(),
            AppError::TooManyJobs { limit, .. } => i18n::labels::too_many_jobs(lang, *limit),
            AppError::Busy { retry_after } => i18n::labels::busy(lang, *retry_after),
            AppError::ImportRejected(report) => i18n::imports::rejected(lang, report),
            AppError::Internal(_) => t.error_internal.to_owned(),
        }
    }

    /// Logs a server-side failure and returns the id shown to the user.
    fn log_internal(&self) -> Option<String> {
        if let AppError::Internal(cause) = self {
            let id = crate::util::random_hex(4);
            tracing::error!(error_id = %id, %cause, "request failed");
            Some(id)
        } else {
            None
        }
    }

    fn add_headers(&self, builder: &mut actix_web::HttpResponseBuilder) {
        if let AppError::TooManyRequests { retry_after }
        | AppError::TooManyJobs { retry_after, .. }
        | AppError::Busy { retry_after } = self
        {
            builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
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
        AppError::Internal(e.to_string())
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::Internal(format!("database pool: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(format!("blocking task: {e}"))
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
