//! Export pages: choose products, see the check per marketplace with links
//! to the fields to fix, start an export, follow its progress (the page
//! refreshes itself; no JavaScript) and download the file again later.
//! Staff and sellers use the same pages; each sees only what it manages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::db::models::{Export, Product, Seller, SellerScope};
use crate::domain::Role;
use crate::error::{AppError, HtmlError};
use crate::exports::ChannelId;
use crate::i18n::Lang;
use crate::i18n::exports::{ExportTexts, channel_name};
use crate::routes::api_exports::{self, CheckReportView, ExportInput, ExportView};
use crate::routes::{Chrome, render, see_other, with_db};
use crate::services::exports::{self, Selection};
use crate::startup::AppState;

/// Routes of the export pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/exports", web::get().to(index))
        .route("/exports", web::post().to(start))
        .route("/exports/check", web::post().to(check))
        .route("/exports/{id}", web::get().to(status))
        .route("/exports/{id}/file", web::get().to(file));
}

/// Products shown for choosing; a larger scope is checked whole.
const CHOOSER_LIMIT: usize = 500;

fn html(lang: Lang) -> impl Fn(AppError) -> HtmlError {
    move |e| e.html(lang)
}

/// A product in the chooser.
struct ChoiceRow {
    id: i64,
    name: String,
    seller: String,
    status: String,
}

/// An export in the history list.
struct HistoryRow {
    id: i64,
    channel: &'static str,
    format: String,
    status: String,
    status_name: &'static str,
    when: String,
    total: i32,
    exported: i32,
    held: i32,
}

fn history_rows(lang: Lang, list: &[Export]) -> Vec<HistoryRow> {
    let et = crate::i18n::exports::texts(lang);
    list.iter()
        .map(|e| HistoryRow {
            id: e.id,
            channel: ChannelId::parse(&e.channel).map_or("", |c| channel_name(lang, c)),
            format: e.format.to_uppercase(),
            status: e.status.clone(),
            status_name: et.status_name(&e.status),
            when: crate::util::vn_time(e.created_at),
            total: e.total,
            exported: e.exported,
            held: e.held,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "exports.html", config = "src/askama.toml")]
struct IndexPage {
    c: Chrome,
    et: &'static ExportTexts,
    /// (id, short name, chosen)
    sellers: Vec<(i64, String, bool)>,
    seller_id: Option<i64>,
    products: Vec<ChoiceRow>,
    more: usize,
    history: Vec<HistoryRow>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IndexQuery {
    seller: String,
}

/// `GET /exports[?seller=ID]`.
pub async fn index(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    query: web::Query<IndexQuery>,
) -> Result<HttpResponse, HtmlError> {
    let seller_id = query.seller.trim().parse::<i64>().ok();
    let actor = user.actor.clone();
    let (sellers, products, more, history) = with_db(&state, move |conn, _| {
        let scope = match (seller_id, actor.role) {
            (Some(id), _) => {
                SellerScope::Only(crate::services::visible_seller(conn, &actor, id)?.id)
            }
            (None, Role::Admin) => SellerScope::All,
            (None, Role::Staff) => SellerScope::OnboardedBy(actor.user_id),
            (None, Role::Seller) => SellerScope::Only(actor.seller_id.ok_or(AppError::Forbidden)?),
        };
        let sellers = if actor.is_staff_or_admin() {
            let own = match actor.role {
                Role::Admin => SellerScope::All,
                _ => SellerScope::OnboardedBy(actor.user_id),
            };
            Seller::search(conn, own, "", 1_000, 0)?
                .0
                .into_iter()
                .map(|s| (s.id, s.short_name, Some(s.id) == seller_id))
                .collect()
        } else {
            Vec::new()
        };
        let ids = crate::db::models::export::product_ids_of(conn, scope, None)?;
        let shown = &ids[..ids.len().min(CHOOSER_LIMIT)];
        let products = Product::find_many(conn, shown)?;
        let mut seller_ids: Vec<i64> = products.iter().map(|p| p.seller_id).collect();
        seller_ids.sort_unstable();
        seller_ids.dedup();
        let names: std::collections::HashMap<i64, String> = Seller::find_many(conn, &seller_ids)?
            .into_iter()
            .map(|s| (s.id, s.short_name))
            .collect();
        let rows = products
            .into_iter()
            .map(|p| ChoiceRow {
                id: p.id,
                seller: names.get(&p.seller_id).cloned().unwrap_or_default(),
                name: p.name_vi,
                status: p.status,
            })
            .collect();
        let history = exports::history(conn, &actor)?;
        Ok((
            sellers,
            rows,
            ids.len().saturating_sub(CHOOSER_LIMIT),
            history,
        ))
    })
    .await
    .map_err(html(lang))?;
    let page = IndexPage {
        c: Chrome::new(&req, lang, Some(&user)),
        et: crate::i18n::exports::texts(lang),
        sellers,
        seller_id,
        products,
        more,
        history: history_rows(lang, &history),
    };
    render(StatusCode::OK, &page).map_err(html(lang))
}

/// The chosen products and seller of a posted form.
fn selection_of(pairs: &[(String, String)]) -> Result<Selection, AppError> {
    let mut sel = Selection::default();
    for (name, value) in pairs {
        match name.as_str() {
            "product" => sel.product_ids.push(
                value
                    .trim()
                    .parse()
                    .map_err(|_| AppError::field("products", crate::domain::Reason::Invalid))?,
            ),
            "seller_id" if !value.trim().is_empty() => {
                sel.seller_id =
                    Some(value.trim().parse().map_err(|_| {
                        AppError::field("seller_id", crate::domain::Reason::Invalid)
                    })?)
            }
            _ => {}
        }
    }
    Ok(sel)
}

fn value_of<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// A channel on the report page: its summary and export form.
struct ChannelSummary {
    id: &'static str,
    name: &'static str,
    ready: usize,
}

/// A product's verdict on one channel, as the report shows it.
struct CellView {
    name: &'static str,
    ready: bool,
    /// (message, fix link, blocking)
    problems: Vec<(String, Option<String>, bool)>,
}

struct ReportRow {
    id: i64,
    name: String,
    seller: String,
    cells: Vec<CellView>,
}

#[derive(Template)]
#[template(path = "exports_report.html", config = "src/askama.toml")]
struct ReportPage {
    c: Chrome,
    et: &'static ExportTexts,
    rows: Vec<ReportRow>,
    channels: Vec<ChannelSummary>,
    product_ids: Vec<i64>,
    seller_id: Option<i64>,
    total: usize,
    /// Photos are served from a local address: said once for the page
    /// rather than under every product.
    local_urls: bool,
    local_urls_text: String,
}

fn report_page(c: Chrome, lang: Lang, view: CheckReportView, sel: &Selection) -> ReportPage {
    let channels = ChannelId::ALL
        .iter()
        .map(|id| ChannelSummary {
            id: id.as_str(),
            name: channel_name(lang, *id),
            ready: view.ready.get(id.as_str()).copied().unwrap_or(0),
        })
        .collect();
    let total = view.products.len();
    let local_code = api_exports::problem_code(&crate::exports::ProblemKind::LocalImageUrls);
    let mut local_urls = false;
    let rows = view
        .products
        .into_iter()
        .map(|p| ReportRow {
            id: p.product_id,
            name: p.name_vi,
            seller: p.seller_name,
            cells: p
                .channels
                .into_iter()
                .map(|ch| CellView {
                    name: ChannelId::parse(&ch.channel).map_or("", |c| channel_name(lang, c)),
                    ready: ch.ready,
                    problems: ch
                        .problems
                        .into_iter()
                        .filter(|pr| {
                            let local = pr.code == local_code;
                            local_urls |= local;
                            !local
                        })
                        .map(|pr| {
                            let msg = if lang == Lang::Vi {
                                pr.message_vi
                            } else {
                                pr.message
                            };
                            (msg, pr.fix_url, pr.blocking)
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    ReportPage {
        c,
        et: crate::i18n::exports::texts(lang),
        rows,
        channels,
        product_ids: sel.product_ids.clone(),
        seller_id: sel.seller_id,
        total,
        local_urls,
        local_urls_text: crate::i18n::exports::problem(
            lang,
            &crate::exports::ProblemKind::LocalImageUrls,
        ),
    }
}

/// `POST /exports/check`: the report for the chosen products.
pub async fn check(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    body: web::Bytes,
) -> Result<HttpResponse, HtmlError> {
    let pairs = crate::util::form_pairs(&body);
    let sel = selection_of(&pairs).map_err(html(lang))?;
    let (actor, to_check) = (user.actor.clone(), sel.clone());
    let report = with_db(&state, move |conn, st| {
        exports::check(conn, &actor, &st.settings.public_base_url, &to_check, &[])
    })
    .await
    .map_err(html(lang))?;
    let view = api_exports::report_view(&user.actor, &report);
    let page = report_page(Chrome::new(&req, lang, Some(&user)), lang, view, &sel);
    render(StatusCode::OK, &page).map_err(html(lang))
}

/// `POST /exports`: starts an export and opens its page.
pub async fn start(
    state: web::Data<AppState>,
    lang: Lang,
    user: AuthUser,
    body: web::Bytes,
) -> Result<HttpResponse, HtmlError> {
    let pairs = crate::util::form_pairs(&body);
    let sel = selection_of(&pairs).map_err(html(lang))?;
    let input = ExportInput {
        channel: value_of(&pairs, "channel").to_owned(),
        format: value_of(&pairs, "format").to_owned(),
        product_ids: sel.product_ids,
        seller_id: sel.seller_id,
    };
    let export = api_exports::start_export(&state, &user, input)
        .await
        .map_err(html(lang))?;
    Ok(see_other(&format!("/exports/{}", export.id)))
}

#[derive(Template)]
#[template(path = "export_status.html", config = "src/askama.toml")]
struct StatusPage {
    c: Chrome,
    et: &'static ExportTexts,
    e: ExportView,
    channel: &'static str,
    when: String,
    running: bool,
    held: Vec<HeldRow>,
}

/// A held product on the status page: its problems with their fix links.
struct HeldRow {
    id: i64,
    name: String,
    problems: Vec<(String, Option<String>)>,
}

/// `GET /exports/{id}`: progress while running (the page refreshes itself
/// every 3 seconds), then the download and the products held back.
pub async fn status(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, HtmlError> {
    let (actor, id) = (user.actor.clone(), id.into_inner());
    let export = with_db(&state, move |conn, _| {
        exports::visible_export(conn, &actor, id)
    })
    .await
    .map_err(html(lang))?;
    let view = api_exports::export_view(&user.actor, &export);
    let held = view
        .held_products
        .iter()
        .map(|h| HeldRow {
            id: h.product_id,
            name: h.name_vi.clone(),
            problems: h
                .problems
                .iter()
                .map(|p| {
                    let msg = if lang == Lang::Vi {
                        &p.message_vi
                    } else {
                        &p.message
                    };
                    (msg.clone(), p.fix_url.clone())
                })
                .collect(),
        })
        .collect();
    let page = StatusPage {
        c: Chrome::new(&req, lang, Some(&user)),
        et: crate::i18n::exports::texts(lang),
        channel: ChannelId::parse(&export.channel).map_or("", |c| channel_name(lang, c)),
        when: crate::util::vn_time(export.created_at),
        running: matches!(export.status.as_str(), "queued" | "running"),
        e: view,
        held,
    };
    render(StatusCode::OK, &page).map_err(html(lang))
}

/// `GET /exports/{id}/file`.
pub async fn file(
    state: web::Data<AppState>,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, HtmlError> {
    api_exports::download(&state, &user, id.into_inner())
        .await
        .map_err(html(lang))
}
