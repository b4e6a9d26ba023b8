//! Downloading a stamp run's labels. A small run is rendered on the label
//! runner and streamed back at once; a large one is prepared as a job in
//! the background, with a status page that refreshes itself (no
//! JavaScript) and the finished file to download. No render holds a
//! pooled connection.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::db::models::LabelJob;
use crate::error::{AppError, HtmlError};
use crate::i18n::Lang;
use crate::i18n::labels::LabelTexts;
use crate::routes::{Chrome, render, see_other, with_db};
use crate::services::label_jobs::{self, JobRequest};
use crate::services::label_sheets;
use crate::startup::AppState;

/// Routes of the label pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stamps/runs/{id}/labels", web::get().to(download))
        .route("/stamps/runs/{id}/label-jobs", web::post().to(start))
        .route("/stamps/label-jobs/{id}", web::get().to(status))
        .route("/stamps/label-jobs/{id}/file", web::get().to(file));
}

fn html(lang: Lang) -> impl Fn(AppError) -> HtmlError {
    move |e| e.html(lang)
}

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

/// A large run's download: what it is and the form that prepares it.
#[derive(Template)]
#[template(path = "labels_large.html", config = "src/askama.toml")]
struct LargePage {
    c: Chrome,
    lt: &'static LabelTexts,
    run_id: i64,
    seller_id: i64,
    intro: String,
    layout: String,
    format: &'static str,
    serial: Option<i32>,
}

/// What a download turned out to be once the run was looked at.
enum Prepared {
    Small(label_sheets::PrintPlan, label_jobs::Slot),
    Large(label_sheets::PrintJob),
}

/// `GET /stamps/runs/{id}/labels?layout=&format=&serial=`: the file itself
/// for up to 2,000 labels; for more, a page that prepares it as a job.
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    query: web::Query<LabelsQuery>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let query = query.into_inner();
    let actor = user.actor.clone();
    let prepared = with_db(&state, move |conn, st| {
        match label_jobs::prepare_direct(
            conn,
            &actor,
            &st.settings.public_base_url,
            id,
            &query.layout,
            &query.format,
            query.serial,
        )? {
            Ok(plan) => {
                let slot = st.labels.reserve(None)?;
                Ok(Prepared::Small(plan, slot))
            }
            Err(job) => Ok(Prepared::Large(job)),
        }
    })
    .await
    .map_err(html(lang))?;
    let (plan, slot) = match prepared {
        Prepared::Small(plan, slot) => (plan, slot),
        Prepared::Large(job) => {
            let lt = crate::i18n::labels::texts(lang);
            let count = job.run.count.to_string();
            let page = LargePage {
                c: Chrome::new(&req, lang, Some(&user)),
                lt,
                run_id: job.run.id,
                seller_id: job.run.seller_id,
                intro: lt.large_intro.replace("{n}", &count),
                layout: job.layout.name.clone(),
                format: label_jobs::format_name(job.format),
                serial: job.serial,
            };
            return render(StatusCode::OK, &page).map_err(html(lang));
        }
    };
    let (name, content_type) = label_sheets::file_name(&plan.job);
    let rx = label_jobs::render_direct(
        &state.labels,
        state.pool.clone(),
        state.settings.clone(),
        plan,
        slot,
    )
    .map_err(html(lang))?;
    let rendered = web::block(move || rx.recv())
        .await
        .map_err(|e| AppError::from(e).html(lang))?
        .map_err(|_| AppError::internal("the label render ended without an answer").html(lang))?
        .map_err(html(lang))?;
    Ok(crate::routes::files::attachment(
        rendered,
        &name,
        content_type,
    ))
}

/// The form that asks for a label file.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JobForm {
    layout: String,
    format: String,
    serial: String,
}

/// `serial` of a form or query: empty for the whole run.
pub fn parse_serial(raw: &str) -> Result<Option<i32>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|_| AppError::field("serial", crate::domain::Reason::Invalid)),
    }
}

/// Records a job and hands it to the runner; shared by the page and the API.
pub async fn start_job(
    state: &web::Data<AppState>,
    user: &AuthUser,
    run_id: i64,
    request: JobRequest,
) -> Result<LabelJob, AppError> {
    let actor = user.actor.clone();
    let (job, slot) = with_db(state, move |conn, st| {
        label_jobs::start(conn, &st.labels, &actor, run_id, &request)
    })
    .await?;
    if let Some(slot) = slot {
        label_jobs::spawn(
            &state.labels,
            state.pool.clone(),
            state.settings.clone(),
            job.id,
            slot,
        )?;
    }
    Ok(job)
}

/// `POST /stamps/runs/{id}/label-jobs`: prepares a label file in the
/// background and opens its page.
pub async fn start(
    state: web::Data<AppState>,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    form: web::Form<JobForm>,
) -> Result<HttpResponse, HtmlError> {
    let form = form.into_inner();
    let serial = parse_serial(&form.serial).map_err(html(lang))?;
    let request = JobRequest {
        layout: form.layout,
        format: form.format,
        serial,
    };
    let job = start_job(&state, &user, id.into_inner(), request)
        .await
        .map_err(html(lang))?;
    Ok(see_other(&format!("/stamps/label-jobs/{}", job.id)))
}

#[derive(Template)]
#[template(path = "label_job.html", config = "src/askama.toml")]
struct StatusPage {
    c: Chrome,
    lt: &'static LabelTexts,
    j: LabelJob,
    when: String,
    active: bool,
    interrupted: bool,
}

/// `GET /stamps/label-jobs/{id}`: progress while it runs (the page
/// refreshes itself every 2 seconds), then the download.
pub async fn status(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, HtmlError> {
    let (actor, id) = (user.actor.clone(), id.into_inner());
    let job = with_db(&state, move |conn, _| {
        label_jobs::visible_job(conn, &actor, id)
    })
    .await
    .map_err(html(lang))?;
    let page = StatusPage {
        c: Chrome::new(&req, lang, Some(&user)),
        lt: crate::i18n::labels::texts(lang),
        when: crate::util::vn_time(job.created_at),
        active: matches!(job.status.as_str(), "queued" | "running"),
        interrupted: job.error.as_deref() == Some("interrupted"),
        j: job,
    };
    render(StatusCode::OK, &page).map_err(html(lang))
}

/// Opens a finished job's file for the caller; shared with the API.
pub async fn open_file(
    state: &web::Data<AppState>,
    user: &AuthUser,
    id: i64,
) -> Result<HttpResponse, AppError> {
    let actor = user.actor.clone();
    let (file, name, content_type) = with_db(state, move |conn, st| {
        let (path, name, content_type) = label_jobs::file_of(conn, &st.settings, &actor, id)?;
        Ok((path, name, content_type))
    })
    .await?;
    // Opened after the connection went back: a slow disk holds nothing.
    let file = web::block(move || std::fs::File::open(file))
        .await?
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                AppError::NotFound
            } else {
                AppError::internal(e)
            }
        })?;
    Ok(crate::routes::files::attachment(file, &name, content_type))
}

/// `GET /stamps/label-jobs/{id}/file`.
pub async fn file(
    state: web::Data<AppState>,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, HtmlError> {
    open_file(&state, &user, id.into_inner())
        .await
        .map_err(html(lang))
}
