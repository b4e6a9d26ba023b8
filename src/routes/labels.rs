//! Downloading a stamp run's labels. The file is rendered to a temporary
//! file and streamed back in chunks, so neither step holds a large run in
//! memory.

use std::io::{BufWriter, Read, Write};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::{AppError, HtmlError};
use crate::i18n::Lang;
use crate::routes::with_db;
use crate::services::label_sheets;
use crate::startup::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LabelsQuery {
    /// `a4-40`, `a4-21` or `roll-40x30` (default: the run's own).
    layout: String,
    /// `pdf` (default), `png` or `svg`.
    format: String,
    /// One label only (PNG, SVG).
    serial: Option<i32>,
}

const CHUNK: usize = 64 * 1024;

/// `GET /stamps/runs/{id}/labels?layout=&format=&serial=`.
pub async fn download(
    state: web::Data<AppState>,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    query: web::Query<LabelsQuery>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let query = query.into_inner();
    let (file, name, content_type) = with_db(&state, move |conn, st| {
        let job = label_sheets::prepare(
            conn,
            &user.actor,
            id,
            &query.layout,
            &query.format,
            query.serial,
        )?;
        let (name, content_type) = label_sheets::file_name(&job);
        let dir = st.settings.data_dir.join("tmp");
        std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
        let path = dir.join(format!("labels-{}.part", crate::util::random_hex(8)));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(AppError::internal)?;
        // The name is gone at once; the open handle keeps the data until read.
        let _ = std::fs::remove_file(&path);
        let mut writer = BufWriter::new(file);
        label_sheets::render(conn, &st.settings.public_base_url, &job, &mut writer)?;
        writer.flush().map_err(AppError::internal)?;
        let mut file = writer
            .into_inner()
            .map_err(|e| AppError::internal(e.error()))?;
        std::io::Seek::rewind(&mut file).map_err(AppError::internal)?;
        Ok((file, name, content_type))
    })
    .await
    .map_err(|e| e.html(lang))?;
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
            Ok(Ok((file, buf))) => Some((Ok::<_, actix_web::Error>(Bytes::from(buf)), Some(file))),
            Ok(Err(e)) => Some((Err(actix_web::error::ErrorInternalServerError(e)), None)),
            Err(e) => Some((Err(actix_web::error::ErrorInternalServerError(e)), None)),
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(stream))
}
