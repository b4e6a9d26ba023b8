//! Uploaded photos and documents. Names are content hashes, so a URL never
//! changes meaning and browsers may keep each file for a year.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::services::media;
use crate::startup::AppState;

const CHUNK: usize = 64 * 1024;

/// Streams an open file as a download named `name`, 64 KiB at a time, each
/// read off the async workers: a large export or label sheet is never held
/// in memory.
pub fn attachment(file: std::fs::File, name: &str, content_type: &str) -> HttpResponse {
    use std::io::Read;
    let stream = futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let read = web::block(move || {
            let mut buf = vec![0u8; CHUNK];
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await;
        match read {
            Ok(Ok((_, buf))) if buf.is_empty() => None,
            Ok(Ok((file, buf))) => {
                Some((Ok::<_, actix_web::Error>(web::Bytes::from(buf)), Some(file)))
            }
            Ok(Err(e)) => Some((Err(actix_web::error::ErrorInternalServerError(e)), None)),
            Err(e) => Some((Err(actix_web::error::ErrorInternalServerError(e)), None)),
        }
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(stream)
}

async fn serve(
    path: Option<std::path::PathBuf>,
    content_type: &'static str,
) -> Result<HttpResponse, AppError> {
    let path = path.ok_or(AppError::NotFound)?;
    let bytes = web::block(move || std::fs::read(path))
        .await?
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                AppError::NotFound
            } else {
                AppError::internal(e)
            }
        })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(bytes))
}

/// `GET /media/{name}`: photo renditions.
pub async fn media_file(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve(
        media::media_path(&state.settings.data_dir, &name),
        "image/jpeg",
    )
    .await
}

/// `GET /files/{name}`: certificate scans and trace-event attachments.
pub async fn document(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let content_type = if name.ends_with(".pdf") {
        "application/pdf"
    } else {
        "image/jpeg"
    };
    serve(
        media::file_path(&state.settings.data_dir, &name),
        content_type,
    )
    .await
}
