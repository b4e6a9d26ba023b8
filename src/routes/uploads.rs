//! Reading `multipart/form-data` bodies: text fields and files, with limits
//! applied while the body streams in, so an oversized upload is refused
//! without being held in memory.
//!
//! Each route names the parts it takes in a [`FormSpec`]: their names,
//! which are files, how large each may be and how large the whole body.
//! A part the route does not take is refused by name as soon as its headers
//! arrive, before a byte of it is buffered, and a body declaring more than
//! the route's total is refused before any of it is read.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::web::{self, Bytes};
use futures_util::StreamExt;

use crate::domain::Reason;
use crate::error::AppError;
use crate::services::media::MAX_UPLOAD_BYTES;

/// Largest text field accepted in a multipart form.
pub const MAX_TEXT_FIELD: usize = 64 * 1024;
/// Room for boundaries and part headers on top of the parts' contents,
/// when a declared Content-Length is checked against a form's total.
const FRAMING_ALLOWANCE: usize = 64 * 1024;

/// One part a form takes.
#[derive(Debug, Clone, Copy)]
pub struct PartSpec {
    pub name: &'static str,
    /// A file (kept as bytes) rather than UTF-8 text.
    pub file: bool,
    /// Largest content of one such part.
    pub max_bytes: usize,
    /// How often it may appear (a page may offer a camera and a file
    /// picker under one name).
    pub max_count: usize,
}

impl PartSpec {
    /// A text field of up to [`MAX_TEXT_FIELD`] bytes.
    pub const fn text(name: &'static str) -> PartSpec {
        PartSpec {
            name,
            file: false,
            max_bytes: MAX_TEXT_FIELD,
            max_count: 1,
        }
    }

    /// A file of up to `max_bytes`.
    pub const fn file(name: &'static str, max_bytes: usize) -> PartSpec {
        PartSpec {
            name,
            file: true,
            max_bytes,
            max_count: 1,
        }
    }

    /// The same part, allowed `n` times.
    pub const fn times(self, n: usize) -> PartSpec {
        PartSpec {
            max_count: n,
            ..self
        }
    }
}

/// Every part a route's form takes, and the most its body may carry.
#[derive(Debug, Clone, Copy)]
pub struct FormSpec {
    pub parts: &'static [PartSpec],
    /// Largest sum of all parts' contents.
    pub max_total: usize,
}

impl FormSpec {
    fn part(&self, name: &str) -> Option<&PartSpec> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// The most parts a body may have: each part its allowed times.
    fn max_parts(&self) -> usize {
        self.parts.iter().map(|p| p.max_count).sum()
    }

    /// The names, for the message refusing an unknown part.
    fn names(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A photo upload: one file, 10 MB (twice: camera and picker).
pub const PHOTO_FORM: FormSpec = FormSpec {
    parts: &[PartSpec::file("photo", MAX_UPLOAD_BYTES).times(2)],
    max_total: MAX_UPLOAD_BYTES + MAX_TEXT_FIELD,
};

/// An OCOP certificate with the scan of its decision.
pub const CERTIFICATE_FORM: FormSpec = FormSpec {
    parts: &[
        PartSpec::text("stars"),
        PartSpec::text("score"),
        PartSpec::text("decision_no"),
        PartSpec::text("issued_by"),
        PartSpec::text("issued_on"),
        PartSpec::text("valid_until"),
        PartSpec::file("document", MAX_UPLOAD_BYTES),
    ],
    max_total: MAX_UPLOAD_BYTES + 6 * MAX_TEXT_FIELD,
};

/// A trace event with its attachment.
pub const EVENT_FORM: FormSpec = FormSpec {
    parts: &[
        PartSpec::text("kind"),
        PartSpec::text("happened_at"),
        PartSpec::text("place"),
        PartSpec::text("actor"),
        PartSpec::text("note"),
        PartSpec::text("corrects_event_id"),
        PartSpec::file("attachment", MAX_UPLOAD_BYTES),
    ],
    max_total: MAX_UPLOAD_BYTES + 6 * MAX_TEXT_FIELD,
};

/// A parsed multipart form.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub fields: HashMap<String, String>,
    /// Files by field name; an empty file input (nothing chosen) is left out.
    pub files: HashMap<String, Vec<u8>>,
    /// The name each file was sent with, by field name (imports tell XLSX
    /// from CSV by it).
    pub file_names: HashMap<String, String>,
}

impl UploadForm {
    /// A text field, empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// True when the request carries a multipart body.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The declared body length, when the client sent one.
fn content_length(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads the form `spec` describes from a request body. A body declaring
/// more than the form can hold is refused before any of it is read.
pub async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    spec: &FormSpec,
) -> Result<UploadForm, AppError> {
    if content_length(req).is_some_and(|n| n > (spec.max_total + FRAMING_ALLOWANCE) as u64) {
        return Err(AppError::PayloadTooLarge);
    }
    read_parts(Multipart::new(req.headers(), payload), spec).await
}

/// The field a problem with part `name` is reported against; field names
/// must be `'static` to be reported, and the spec's names are.
fn field_name(spec: &FormSpec, name: &str) -> &'static str {
    spec.part(name).map_or("file", |p| p.name)
}

/// Reads every part, refusing what `spec` does not allow as soon as it is
/// seen: an unknown or repeated part by its headers, an oversized one or a
/// body over the total while it streams.
pub async fn read_parts(mut payload: Multipart, spec: &FormSpec) -> Result<UploadForm, AppError> {
    let mut form = UploadForm::default();
    let mut seen: HashMap<&'static str, usize> = HashMap::new();
    let mut parts = 0;
    let mut total = 0usize;
    while let Some(item) = payload.next().await {
        parts += 1;
        if parts > spec.max_parts() {
            return Err(AppError::BadRequest {
                detail: format!("too many parts in the form (at most {})", spec.max_parts()),
            });
        }
        let mut field = item.map_err(|e| AppError::BadRequest {
            detail: e.to_string(),
        })?;
        let (name, file_name) = {
            let cd = field.content_disposition();
            let name = cd.and_then(|c| c.get_name()).unwrap_or("").to_owned();
            let file_name = cd.and_then(|c| c.get_filename()).map(str::to_owned);
            (name, file_name)
        };
        let Some(part) = spec.part(&name) else {
            // Only the first characters: the name is the client's text.
            let shown: String = name.chars().take(64).collect();
            return Err(AppError::BadRequest {
                detail: format!(
                    "unexpected part {shown:?}; this form takes only: {}",
                    spec.names()
                ),
            });
        };
        let count = seen.entry(part.name).or_default();
        *count += 1;
        if *count > part.max_count {
            return Err(AppError::BadRequest {
                detail: format!(
                    "part {:?} is given more than {} times",
                    part.name, part.max_count
                ),
            });
        }
        let mut data: Vec<u8> = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk: Bytes = chunk.map_err(|e| AppError::BadRequest {
                detail: e.to_string(),
            })?;
            total += chunk.len();
            if data.len() + chunk.len() > part.max_bytes {
                return Err(if part.file {
                    AppError::field(
                        field_name(spec, &name),
                        Reason::FileTooLarge {
                            max_mb: part.max_bytes / (1024 * 1024),
                        },
                    )
                } else {
                    AppError::PayloadTooLarge
                });
            }
            if total > spec.max_total {
                return Err(AppError::PayloadTooLarge);
            }
            data.extend_from_slice(&chunk);
        }
        if part.file {
            if !data.is_empty() {
                if let Some(file_name) = file_name {
                    form.file_names.insert(name.clone(), file_name);
                }
                form.files.insert(name, data);
            }
        } else {
            let text = String::from_utf8(data).map_err(|_| AppError::BadRequest {
                detail: format!("field {name} is not valid UTF-8"),
            })?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}
