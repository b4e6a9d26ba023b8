//! Downloading a stamp run's labels. The file is rendered to a temporary
//! file and streamed back in chunks, so neither step holds a large run in
//! memory.

use std::io::{BufWriter, Write};

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
        std::fs::create_dir_all(&dir).map_err(|e| AppError::io("creating the labels dir", e))?;
        let path = dir.join(format!("labels-{}.part", crate::util::random_hex(8)));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| AppError::io("creating the labels file", e))?;
        // The name is gone at once; the open handle keeps the data until read.
        let _ = std::fs::remove_file(&path);
        let mut writer = BufWriter::new(file);
        label_sheets::render(conn, &st.settings.public_base_url, &job, &mut writer)?;
        writer
            .flush()
            .map_err(|e| AppError::io("writing labels", e))?;
        let mut file = writer
            .into_inner()
            .map_err(|e| AppError::io("writing labels", e.into_error()))?;
        std::io::Seek::rewind(&mut file).map_err(AppError::internal)?;
        Ok((file, name, content_type))
    })
    .await
    .map_err(|e| e.html(lang))?;
    Ok(crate::routes::files::attachment(file, &name, content_type))
}
