//! Reading `multipart/form-data` bodies: text fields and files, with limits
//! applied while the body streams in, so an oversized upload is refused
//! without being held in memory.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::web::Bytes;
use futures_util::StreamExt;

use crate::domain::Reason;
use crate::error::AppError;
use crate::services::media::MAX_UPLOAD_BYTES;

/// Largest text field accepted in a multipart form.
const MAX_TEXT_FIELD: usize = 64 * 1024;
/// Most parts in one form; real forms have about a dozen.
const MAX_PARTS: usize = 50;

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

/// The field a problem with part `name` is reported against; field names
/// must be `'static` to be reported, and only known upload names are.
fn field_name(name: &str) -> &'static str {
    match name {
        "photo" => "photo",
        "document" => "document",
        "attachment" => "attachment",
        _ => "file",
    }
}

/// True when the request carries a multipart body.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads every part. A part with a file name is a file (at most
/// `MAX_UPLOAD_BYTES`); any other part is UTF-8 text.
pub async fn read(payload: Multipart) -> Result<UploadForm, AppError> {
    read_with_limit(payload, MAX_UPLOAD_BYTES).await
}

/// Like [`read`], with files of up to `max_file_bytes` (spreadsheet imports
/// take larger files than photos). A larger file is refused as soon as it
/// passes the limit, with the limit in MB as the reason.
pub async fn read_with_limit(
    mut payload: Multipart,
    max_file_bytes: usize,
) -> Result<UploadForm, AppError> {
    let mut form = UploadForm::default();
    let mut parts = 0;
    while let Some(item) = payload.next().await {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::BadRequest {
                detail: "too many parts in the form".into(),
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
        let is_file = file_name.is_some();
        let limit = if is_file {
            max_file_bytes
        } else {
            MAX_TEXT_FIELD
        };
        let mut data: Vec<u8> = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk: Bytes = chunk.map_err(|e| AppError::BadRequest {
                detail: e.to_string(),
            })?;
            if data.len() + chunk.len() > limit {
                return Err(if is_file {
                    AppError::field(
                        field_name(&name),
                        Reason::FileTooLarge {
                            max_mb: max_file_bytes / (1024 * 1024),
                        },
                    )
                } else {
                    AppError::PayloadTooLarge
                });
            }
            data.extend_from_slice(&chunk);
        }
        if let Some(file_name) = file_name {
            if !data.is_empty() {
                form.file_names.insert(name.clone(), file_name);
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
