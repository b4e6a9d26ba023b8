//! Bulk import of sellers and products for staff: the page that offers the
//! templates and takes the file, its report, the template downloads, and the
//! same under `/api/v1/imports`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AuthUser, StaffUser};
use crate::domain::Reason;
use crate::error::{AppError, ErrorBody, HtmlError};
use crate::i18n::Lang;
use crate::i18n::imports::{self as texts, ImportTexts};
use crate::routes::uploads::{self, UploadForm};
use crate::routes::{Chrome, render, with_state};
use crate::services::imports::{self, FileRefusal, ImportKind, ImportReport};
use crate::sheets::{MAX_IMPORT_BYTES, ReadError, SheetFormat};
use crate::startup::AppState;

/// Routes of the import pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/import", web::get().to(form))
        .route("/staff/import", web::post().to(upload))
        .route(
            "/staff/import/template/{kind}.{ext}",
            web::get().to(template_download),
        );
}

/// Routes of the import API, under `/api/v1`.
pub fn configure_api(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/imports/templates/{kind}.{ext}",
        web::get().to(api_template),
    )
    .route("/imports/{kind}", web::post().to(api_import));
}

/// The multipart field that carries the file, on the page and in the API.
const FILE_FIELD: &str = "file";

/// Runs an import of the uploaded file off the async workers.
async fn run_import(
    state: &web::Data<AppState>,
    user: &AuthUser,
    kind: ImportKind,
    mut form: UploadForm,
    dry_run: bool,
) -> Result<ImportReport, AppError> {
    let (Some(bytes), Some(file_name)) = (
        form.files.remove(FILE_FIELD),
        form.file_names.remove(FILE_FIELD),
    ) else {
        return Err(ImportReport::refused(
            kind,
            "",
            dry_run,
            FileRefusal::NoFile,
        ));
    };
    let actor = user.actor.clone();
    with_state(state, move |st| {
        imports::import_upload(&st.pool, &st.cpu, &actor, kind, file_name, bytes, dry_run)
    })
    .await
}

/// The import page's form: what to import, the file, and "check only".
const PAGE_FORM: uploads::FormSpec = uploads::FormSpec {
    parts: &[
        uploads::PartSpec::text("kind"),
        uploads::PartSpec::text("dry_run"),
        uploads::PartSpec::file(FILE_FIELD, MAX_IMPORT_BYTES),
    ],
    max_total: MAX_IMPORT_BYTES + 2 * uploads::MAX_TEXT_FIELD,
};

/// The API's form: the file alone (kind and dry run are in the URL).
const API_FORM: uploads::FormSpec = uploads::FormSpec {
    parts: &[uploads::PartSpec::file(FILE_FIELD, MAX_IMPORT_BYTES)],
    max_total: MAX_IMPORT_BYTES,
};

/// A file over the limit is stopped while it streams in; it is refused in
/// the import's own words, like any file that cannot be imported.
fn upload_refusal(kind: ImportKind, dry_run: bool, e: AppError) -> AppError {
    match e {
        AppError::Validation(errors)
            if matches!(errors.get(FILE_FIELD), Some(Reason::FileTooLarge { .. })) =>
        {
            ImportReport::refused(
                kind,
                "",
                dry_run,
                FileRefusal::Unreadable(ReadError::TooLarge {
                    max_mb: MAX_IMPORT_BYTES / (1024 * 1024),
                }),
            )
        }
        other => other,
    }
}

/// A checkbox or query flag: present and not "false"/"0".
fn flag(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "" | "0" | "false" | "off"
    )
}

/// `{kind}.{ext}` of a template URL.
fn template_of(kind: &str, ext: &str) -> Result<(ImportKind, SheetFormat), AppError> {
    match (ImportKind::parse(kind), SheetFormat::parse(ext)) {
        (Some(k), Some(f)) => Ok((k, f)),
        _ => Err(AppError::NotFound),
    }
}

/// The template as a download named in ASCII (`mau-nhap-san-pham.xlsx`).
async fn template_response(
    state: &web::Data<AppState>,
    kind: ImportKind,
    format: SheetFormat,
) -> Result<HttpResponse, AppError> {
    let tmp = state.settings.data_dir.join("tmp");
    let bytes = web::block(move || imports::template_bytes(kind, format, &tmp)).await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                kind.template_file_name(format)
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

// ---------------------------------------------------------------- pages

/// A template column as the page lists it.
struct ColumnView {
    header: &'static str,
    english: &'static str,
    required: bool,
}

fn column_views(kind: ImportKind) -> Vec<ColumnView> {
    kind.columns()
        .iter()
        .map(|c| ColumnView {
            header: c.header,
            english: c.english,
            required: c.required,
        })
        .collect()
}

/// One refused row on the page.
struct ProblemView {
    row: usize,
    column: String,
    reason: String,
}

/// The outcome of an upload, in the user's language.
struct ResultView {
    accepted: bool,
    headline: String,
    file_name: String,
    problems: Vec<ProblemView>,
    /// Said when only the first problems are listed.
    more: Option<String>,
}

impl ResultView {
    fn new(report: &ImportReport, lang: Lang) -> ResultView {
        let accepted = !report.is_rejected();
        let listed = report.problems.len();
        ResultView {
            accepted,
            headline: if accepted {
                texts::summary(lang, report)
            } else {
                texts::rejected(lang, report)
            },
            file_name: report.file_name.clone(),
            problems: report
                .problems
                .iter()
                .map(|p| ProblemView {
                    row: p.row,
                    column: p.column.clone(),
                    reason: texts::problem(lang, report.kind, p),
                })
                .collect(),
            more: (report.problems_total > listed).then(|| {
                texts::texts(lang)
                    .shown_first
                    .replace("{shown}", &texts::number(lang, listed))
            }),
        }
    }
}

#[derive(Template)]
#[template(path = "import.html", config = "src/askama.toml")]
struct ImportPage {
    c: Chrome,
    it: &'static ImportTexts,
    /// The kind chosen: `sellers` or `products`.
    kind: &'static str,
    dry_run: bool,
    seller_columns: Vec<ColumnView>,
    product_columns: Vec<ColumnView>,
    result: Option<ResultView>,
}

impl ImportPage {
    fn new(
        req: &HttpRequest,
        lang: Lang,
        user: &AuthUser,
        kind: ImportKind,
        dry_run: bool,
        result: Option<ResultView>,
    ) -> ImportPage {
        ImportPage {
            c: Chrome::new(req, lang, Some(user)),
            it: texts::texts(lang),
            kind: kind.as_str(),
            dry_run,
            seller_columns: column_views(ImportKind::Sellers),
            product_columns: column_views(ImportKind::Products),
            result,
        }
    }
}

/// `GET /staff/import`: choose what to import, download a template, upload.
pub async fn form(
    req: HttpRequest,
    lang: Lang,
    StaffUser(user): StaffUser,
) -> Result<HttpResponse, HtmlError> {
    let page = ImportPage::new(&req, lang, &user, ImportKind::Sellers, false, None);
    render(StatusCode::OK, &page).map_err(|e| e.html(lang))
}

/// `POST /staff/import` (multipart: `kind`, `file`, `dry_run`): the report,
/// with 422 and every refused row when nothing was written.
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    StaffUser(user): StaffUser,
    payload: web::Payload,
) -> Result<HttpResponse, HtmlError> {
    let (kind, dry_run, outcome) = match uploads::read(&req, payload, &PAGE_FORM).await {
        Ok(form) => {
            let kind = ImportKind::parse(&form.text("kind")).ok_or_else(|| {
                AppError::BadRequest {
                    detail: "kind must be sellers or products".into(),
                }
                .html(lang)
            })?;
            let dry_run = flag(&form.text("dry_run"));
            let outcome = run_import(&state, &user, kind, form, dry_run).await;
            (kind, dry_run, outcome)
        }
        // The form's fields may come after the file: keep the defaults.
        Err(e) => (
            ImportKind::Sellers,
            false,
            Err(upload_refusal(ImportKind::Sellers, false, e)),
        ),
    };
    let (status, report) = match outcome {
        Ok(report) => (StatusCode::OK, report),
        Err(AppError::ImportRejected(report)) => (StatusCode::UNPROCESSABLE_ENTITY, *report),
        Err(e) => return Err(e.html(lang)),
    };
    let result = ResultView::new(&report, lang);
    let page = ImportPage::new(&req, lang, &user, kind, dry_run, Some(result));
    render(status, &page).map_err(|e| e.html(lang))
}

/// `GET /staff/import/template/{kind}.{ext}`.
pub async fn template_download(
    state: web::Data<AppState>,
    lang: Lang,
    StaffUser(_): StaffUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, HtmlError> {
    let (kind, ext) = path.into_inner();
    let (kind, format) = template_of(&kind, &ext).map_err(|e| e.html(lang))?;
    template_response(&state, kind, format)
        .await
        .map_err(|e| e.html(lang))
}

// ---------------------------------------------------------------- API

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ImportQuery {
    /// `true`: check everything, write nothing.
    pub dry_run: bool,
}

/// What an accepted import did, or (dry run) would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub kind: ImportKind,
    pub dry_run: bool,
    /// Data rows in the file.
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    /// The same, as a sentence in English.
    pub message: String,
    /// The same in Vietnamese.
    pub message_vi: String,
}

/// Imports sellers or products from an XLSX or CSV file in the template's
/// layout (multipart field `file`; its name's extension says which format).
/// Every row is checked first; on any problem nothing is written and the
/// 422 body lists each refused row and column. Re-importing a file updates
/// rows by key instead of duplicating them.
#[utoipa::path(post, path = "/api/v1/imports/{kind}", tag = "imports", security(("bearer" = [])),
    params(("kind" = String, Path, description = "`sellers` or `products`"), ImportQuery),
    request_body(content_type = "multipart/form-data", description = "field `file`: the .xlsx or .csv file (at most 20 MB and 50,000 rows)"),
    responses((status = 200, body = ImportResult), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "Nothing written: `message` says why, `rows` lists each refused row", body = ErrorBody)))]
pub async fn api_import(
    state: web::Data<AppState>,
    StaffUser(user): StaffUser,
    kind: web::Path<String>,
    query: web::Query<ImportQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let kind = ImportKind::parse(&kind).ok_or(AppError::NotFound)?;
    let dry_run = query.dry_run;
    let form = uploads::read(&req, payload, &API_FORM)
        .await
        .map_err(|e| upload_refusal(kind, dry_run, e))?;
    let report = run_import(&state, &user, kind, form, dry_run).await?;
    Ok(HttpResponse::Ok().json(ImportResult {
        kind: report.kind,
        dry_run: report.dry_run,
        rows: report.rows,
        created: report.created,
        updated: report.updated,
        message: texts::summary(Lang::En, &report),
        message_vi: texts::summary(Lang::Vi, &report),
    }))
}

/// The import template of `kind` as `xlsx` or `csv`: the Vietnamese header
/// row and one example row.
#[utoipa::path(get, path = "/api/v1/imports/templates/{kind}.{ext}", tag = "imports", security(("bearer" = [])),
    params(("kind" = String, Path, description = "`sellers` or `products`"), ("ext" = String, Path, description = "`xlsx` or `csv`")),
    responses((status = 200, description = "The template file",
        content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn api_template(
    state: web::Data<AppState>,
    StaffUser(_): StaffUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (kind, ext) = path.into_inner();
    let (kind, format) = template_of(&kind, &ext)?;
    template_response(&state, kind, format).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_like_checkboxes() {
        assert!(flag("1"));
        assert!(flag("on"));
        assert!(flag("true"));
        assert!(!flag(""));
        assert!(!flag("false"));
        assert!(!flag("0"));
    }

    #[test]
    fn template_urls_name_a_kind_and_a_format() {
        assert!(template_of("products", "xlsx").is_ok());
        assert!(template_of("sellers", "CSV").is_ok());
        assert!(template_of("lots", "csv").is_err());
        assert!(template_of("sellers", "xls").is_err());
    }
}
