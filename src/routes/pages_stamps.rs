//! The seller's stamp pages: the runs with their bind, void and download
//! actions, the order form, voiding one stamp by code, and the scan
//! dashboard with an SVG chart drawn on the server. A seller member sees its
//! own org; staff pass `?seller=` (assisted mode). No JavaScript: voiding
//! asks "are you sure?" on a page of its own, because it warns every buyer
//! who scans those stamps from then on.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::db::models::scan_stats::VN_OFFSET_HOURS;
use crate::domain::{FieldErrors, Reason, StampCode};
use crate::error::{AppError, HtmlError, field_messages};
use crate::i18n::{Lang, Texts};
use crate::routes::{Chrome, render, see_other, with_db};
use crate::services::catalog::today_vn;
use crate::services::dashboard::{self, Dashboard, LAYOUTS, OrderInput, StampsOverview};
use crate::services::stamps::{self, BindInput};
use crate::services::{Actor, visible_seller};
use crate::startup::AppState;
use crate::util::vn_time;

type Errors = BTreeMap<&'static str, String>;

fn html(lang: Lang) -> impl Fn(AppError) -> HtmlError {
    move |e| e.html(lang)
}

// ---------------------------------------------------------------------------
// Formatting.

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// `100000` as "100.000" (Vietnamese) or "100,000" (English).
fn thousands(lang: Lang, n: i64) -> String {
    let sep = if lang == Lang::Vi { '.' } else { ',' };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 4);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// The name of a label layout, or its code when unknown.
fn layout_name(t: &'static Texts, code: &str) -> String {
    match code {
        "a4-40" => t.stp_layout_a4_40.to_owned(),
        "a4-21" => t.stp_layout_a4_21.to_owned(),
        "roll-40x30" => t.stp_layout_roll.to_owned(),
        other => other.to_owned(),
    }
}

fn stamps_href(seller_id: i64) -> String {
    format!("/stamps?seller={seller_id}")
}

fn dashboard_href(seller_id: i64) -> String {
    format!("/stamps/dashboard?seller={seller_id}")
}

/// Where "back" goes: the staff console's seller page, or the member's home.
fn seller_href(actor: &Actor, seller_id: i64) -> String {
    if actor.is_staff_or_admin() {
        format!("/staff/sellers/{seller_id}")
    } else {
        "/seller".to_owned()
    }
}

/// The seller a page is for: `?seller=`, or a member's own org.
fn requested_seller(actor: &Actor, raw: &str) -> Result<i64, AppError> {
    match raw.trim() {
        "" => actor.seller_id.ok_or(AppError::NotFound),
        s => s.parse().map_err(|_| AppError::NotFound),
    }
}

/// The frame of a page forms post back to: the language switch goes to the
/// stamp list, which has a GET, not to the form's action.
fn chrome_at(req: &HttpRequest, lang: Lang, user: &AuthUser, path: String) -> Chrome {
    let mut c = Chrome::new(req, lang, Some(user));
    c.path = path;
    c
}

/// Field messages, with wording of these forms where the generic
/// "invalid value" would not tell the seller what to do.
fn messages(e: &FieldErrors, lang: Lang) -> Errors {
    let t = lang.texts();
    let mut m = field_messages(e, lang);
    for fe in e {
        let specific = match (fe.field, &fe.reason) {
            ("lot_id", Reason::Invalid) => t.stp_lot_mismatch,
            ("lot_code", Reason::Invalid) => t.stp_pick_lot,
            ("run", _) => t.stp_run_is_void,
            _ => continue,
        };
        m.insert(fe.field, specific.to_owned());
    }
    m
}

/// What every handler has at hand.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    state: &'a web::Data<AppState>,
    req: &'a HttpRequest,
    lang: Lang,
    user: &'a AuthUser,
}

// ---------------------------------------------------------------------------
// The stamp list.

/// One label download: a layout in each file format.
struct Download {
    name: String,
    layout: &'static str,
    pdf: String,
    png: String,
    svg: String,
}

struct RunRow {
    id: i64,
    product_id: i64,
    product_name: String,
    lot_code: Option<String>,
    /// The lot's status when it is not active (held, recalled).
    lot_status: Option<String>,
    count: String,
    /// The last serial, as the "to" field suggests.
    last_serial: i32,
    date: String,
    layout: String,
    voided: bool,
    /// Codes of the active lots of the run's product.
    lots: Vec<String>,
    bind: BindInput,
    errors: Errors,
    downloads: Vec<Download>,
    /// Too many labels to answer at once: its sheets are prepared as jobs.
    large: bool,
}

/// A label file on the stamps page.
struct JobRow {
    id: i64,
    run_id: i64,
    layout: String,
    format: String,
    status: String,
    status_name: &'static str,
    progress: String,
    when: String,
}

fn job_rows(lang: Lang, jobs: &[crate::db::models::LabelJob]) -> Vec<JobRow> {
    let lt = crate::i18n::labels::texts(lang);
    jobs.iter()
        .map(|j| JobRow {
            id: j.id,
            run_id: j.run_id,
            layout: j.layout.clone(),
            format: j.format.to_uppercase(),
            status: j.status.clone(),
            status_name: lt.status_name(&j.status),
            progress: format!(
                "{}/{}",
                thousands(lang, i64::from(j.labels_done)),
                thousands(lang, i64::from(j.labels_total))
            ),
            when: vn_time(j.created_at),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "stamps_list.html", config = "src/askama.toml")]
struct StampsPage {
    c: Chrome,
    lt: &'static crate::i18n::labels::LabelTexts,
    /// The seller's label files, newest first.
    jobs: Vec<JobRow>,
    notice: Option<String>,
    alert: Option<String>,
    seller_id: i64,
    seller_name: String,
    back_href: String,
    dashboard_href: String,
    runs: Vec<RunRow>,
    /// Product id and name.
    products: Vec<(String, String)>,
    /// Lot id and "product · lot".
    lot_choices: Vec<(String, String)>,
    layouts: Vec<(&'static str, String)>,
    order: OrderInput,
    order_errors: Errors,
    void_code: String,
    void_errors: Errors,
}

/// The forms of the list page that come back with values and problems.
#[derive(Default)]
struct Forms {
    order: Option<(OrderInput, Errors)>,
    bind: Option<(i64, BindInput, Errors)>,
    void_code: Option<(String, Errors)>,
}

fn downloads(t: &'static Texts, run_id: i64) -> Vec<Download> {
    let url = |layout: &str, format: &str| {
        format!("/stamps/runs/{run_id}/labels?layout={layout}&format={format}")
    };
    LAYOUTS
        .iter()
        .map(|l| Download {
            name: layout_name(t, l),
            layout: l,
            pdf: url(l, "pdf"),
            png: url(l, "png"),
            svg: url(l, "svg"),
        })
        .collect()
}

fn build_list(
    c: Chrome,
    lang: Lang,
    actor: &Actor,
    o: StampsOverview,
    notice: Option<String>,
    forms: Forms,
    jobs: Vec<JobRow>,
) -> StampsPage {
    let t = lang.texts();
    let names: HashMap<i64, String> = o
        .products
        .iter()
        .map(|p| (p.id, p.name_vi.clone()))
        .collect();
    let name_of = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let lots_by_id: HashMap<i64, &crate::db::models::Lot> =
        o.lots.iter().map(|l| (l.id, l)).collect();
    let active_codes = |product_id: i64| -> Vec<String> {
        o.lots
            .iter()
            .filter(|l| l.product_id == product_id && l.status == "active")
            .map(|l| l.code.clone())
            .collect()
    };
    let (bind_for, bind_input, bind_errors) = match forms.bind {
        Some((id, input, errors)) => (Some(id), Some(input), errors),
        None => (None, None, Errors::new()),
    };
    let mut bind_input = bind_input;
    let mut bind_errors = Some(bind_errors);
    let runs = o
        .runs
        .iter()
        .map(|r| {
            let lot = r.lot_id.and_then(|id| lots_by_id.get(&id));
            let (bind, errors) = if bind_for == Some(r.id) {
                (
                    bind_input.take().unwrap_or_default(),
                    bind_errors.take().unwrap_or_default(),
                )
            } else {
                (
                    BindInput {
                        lot_code: lot
                            .filter(|l| l.status == "active")
                            .map(|l| l.code.clone())
                            .unwrap_or_default(),
                        ..Default::default()
                    },
                    Errors::new(),
                )
            };
            RunRow {
                id: r.id,
                product_id: r.product_id,
                product_name: name_of(r.product_id),
                lot_code: lot.map(|l| l.code.clone()),
                lot_status: lot
                    .filter(|l| l.status != "active")
                    .map(|l| l.status.clone()),
                count: thousands(lang, i64::from(r.count)),
                last_serial: r.count,
                date: dmy((r.created_at + Duration::hours(VN_OFFSET_HOURS)).date()),
                layout: layout_name(t, &r.layout),
                voided: r.voided_at.is_some(),
                lots: active_codes(r.product_id),
                bind,
                errors,
                downloads: downloads(t, r.id),
                large: r.count > crate::services::label_jobs::DIRECT_MAX_LABELS,
            }
        })
        .collect();
    let products: Vec<(String, String)> = o
        .products
        .iter()
        .map(|p| (p.id.to_string(), p.name_vi.clone()))
        .collect();
    let lot_choices = o
        .lots
        .iter()
        .filter(|l| l.status == "active")
        .map(|l| {
            (
                l.id.to_string(),
                format!("{} · {}", name_of(l.product_id), l.code),
            )
        })
        .collect();
    let (order, order_errors) = forms.order.unwrap_or_else(|| {
        (
            OrderInput {
                product_id: match products.as_slice() {
                    [(id, _)] => id.clone(),
                    _ => String::new(),
                },
                layout: LAYOUTS[0].to_owned(),
                ..Default::default()
            },
            Errors::new(),
        )
    });
    let (void_code, void_errors) = forms.void_code.unwrap_or_default();
    StampsPage {
        lt: crate::i18n::labels::texts(lang),
        jobs,
        notice,
        alert: o
            .recent_alert
            .as_ref()
            .map(|a| t.stp_alert_banner.replace("{at}", &vn_time(a.at))),
        seller_id: o.seller.id,
        seller_name: o.seller.short_name.clone(),
        back_href: seller_href(actor, o.seller.id),
        dashboard_href: dashboard_href(o.seller.id),
        runs,
        products,
        lot_choices,
        layouts: LAYOUTS.iter().map(|l| (*l, layout_name(t, l))).collect(),
        order,
        order_errors,
        void_code,
        void_errors,
        c,
    }
}

/// Renders the list of `seller_id` with `status`.
async fn respond_list(
    cx: Ctx<'_>,
    seller_id: i64,
    status: StatusCode,
    notice: Option<String>,
    forms: Forms,
) -> Result<HttpResponse, HtmlError> {
    let Ctx {
        state,
        req,
        lang,
        user,
    } = cx;
    let actor = user.actor.clone();
    let (o, jobs) = with_db(state, move |conn, _| {
        let o = dashboard::stamps_overview(conn, &actor, seller_id)?;
        let jobs = crate::services::label_jobs::history(conn, &actor, seller_id)?;
        Ok((o, jobs))
    })
    .await
    .map_err(html(lang))?;
    let c = chrome_at(req, lang, user, stamps_href(seller_id));
    let jobs = job_rows(lang, &jobs);
    let page = build_list(c, lang, &user.actor, o, notice, forms, jobs);
    render(status, &page).map_err(html(lang))
}

/// `?seller=` and the notice of what was just done.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    seller: String,
    issued: String,
    bound: String,
    voided: String,
    n: String,
    stamp: String,
}

impl ListQuery {
    /// Only numbers and a well-formed code make it into the notice, so a
    /// crafted link cannot put words on the page.
    fn notice(&self, lang: Lang) -> Option<String> {
        let t = lang.texts();
        let num = |s: &str| s.trim().parse::<i64>().ok();
        let n = thousands(lang, num(&self.n).unwrap_or(0));
        let with =
            |text: &str, run: i64| text.replace("{run}", &run.to_string()).replace("{n}", &n);
        if let Some(run) = num(&self.issued) {
            return Some(with(t.stp_issued, run));
        }
        if let Some(run) = num(&self.bound) {
            return Some(with(t.stp_bound, run));
        }
        if let Some(run) = num(&self.voided) {
            return Some(with(t.stp_voided, run));
        }
        StampCode::parse(&self.stamp)
            .ok()
            .map(|c| t.stp_stamp_voided.replace("{code}", &c.grouped()))
    }
}

/// `GET /stamps?seller={id}`.
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, HtmlError> {
    let seller_id = requested_seller(&user.actor, &query.seller).map_err(html(lang))?;
    let cx = Ctx {
        state: &state,
        req: &req,
        lang,
        user: &user,
    };
    respond_list(
        cx,
        seller_id,
        StatusCode::OK,
        query.notice(lang),
        Forms::default(),
    )
    .await
}

/// `?seller=` of a form that comes back to the list.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SellerQuery {
    seller: String,
}

/// `POST /stamps/runs?seller={id}`: orders a run, then back to the list
/// with its number.
pub async fn order(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    query: web::Query<SellerQuery>,
    form: web::Form<OrderInput>,
) -> Result<HttpResponse, HtmlError> {
    let seller_id = requested_seller(&user.actor, &query.seller).map_err(html(lang))?;
    let input = form.into_inner();
    let (actor, to_save) = (user.actor.clone(), input.clone());
    let result = with_db(&state, move |conn, st| {
        dashboard::order_run(conn, &actor, &st.stamp_keys, &to_save)
    })
    .await;
    match result {
        Ok(issued) => {
            let r = &issued.run;
            Ok(see_other(&format!(
                "/stamps?seller={}&issued={}&n={}#run-{}",
                r.seller_id, r.id, r.count, r.id
            )))
        }
        Err(AppError::Validation(e)) => {
            let cx = Ctx {
                state: &state,
                req: &req,
                lang,
                user: &user,
            };
            let forms = Forms {
                order: Some((input, messages(&e, lang))),
                ..Default::default()
            };
            respond_list(cx, seller_id, StatusCode::UNPROCESSABLE_ENTITY, None, forms).await
        }
        Err(e) => Err(e.html(lang)),
    }
}

/// `POST /stamps/runs/{id}/bind`: ties the run, or a range of it, to a lot.
pub async fn bind(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    form: web::Form<BindInput>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let input = form.into_inner();
    let (actor, to_save) = (user.actor.clone(), input.clone());
    let (seller_id, result) = with_db(&state, move |conn, _| {
        let run = stamps::managed_run(conn, &actor, id)?;
        Ok((run.seller_id, stamps::bind(conn, &actor, id, &to_save)))
    })
    .await
    .map_err(html(lang))?;
    match result {
        Ok(n) => Ok(see_other(&format!(
            "/stamps?seller={seller_id}&bound={id}&n={n}#run-{id}"
        ))),
        Err(AppError::Validation(e)) => {
            let cx = Ctx {
                state: &state,
                req: &req,
                lang,
                user: &user,
            };
            let forms = Forms {
                bind: Some((id, input, messages(&e, lang))),
                ..Default::default()
            };
            respond_list(cx, seller_id, StatusCode::UNPROCESSABLE_ENTITY, None, forms).await
        }
        Err(e) => Err(e.html(lang)),
    }
}

#[derive(Template)]
#[template(path = "stamps_confirm.html", config = "src/askama.toml")]
struct ConfirmPage {
    c: Chrome,
    message: String,
    action: String,
    /// The stamp code to post again, when one stamp is voided.
    code: Option<String>,
    back: String,
}

/// The second step of voiding.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    confirm: String,
}

/// `POST /stamps/runs/{id}/void`: without `confirm=yes`, asks first.
pub async fn void_run(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    id: web::Path<i64>,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, HtmlError> {
    let id = id.into_inner();
    let actor = user.actor.clone();
    if form.confirm != "yes" {
        let (run, product) = with_db(&state, move |conn, _| {
            dashboard::run_with_product(conn, &actor, id)
        })
        .await
        .map_err(html(lang))?;
        let t = lang.texts();
        let page = ConfirmPage {
            c: chrome_at(&req, lang, &user, stamps_href(run.seller_id)),
            message: t
                .stp_confirm_run
                .replace("{n}", &thousands(lang, i64::from(run.count)))
                .replace("{run}", &run.id.to_string())
                .replace("{product}", &product.name_vi),
            action: format!("/stamps/runs/{id}/void"),
            code: None,
            back: format!("{}#run-{id}", stamps_href(run.seller_id)),
        };
        return render(StatusCode::OK, &page).map_err(html(lang));
    }
    let (seller_id, n) = with_db(&state, move |conn, _| {
        let run = stamps::managed_run(conn, &actor, id)?;
        Ok((run.seller_id, stamps::void_run(conn, &actor, id)?))
    })
    .await
    .map_err(html(lang))?;
    Ok(see_other(&format!(
        "/stamps?seller={seller_id}&voided={id}&n={n}#run-{id}"
    )))
}

/// A code typed to void one stamp, and the second step.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VoidStampForm {
    code: String,
    confirm: String,
}

/// `POST /stamps/void?seller={id}`: voids one stamp by its code, after
/// asking. An unknown code, or someone else's, is refused next to the field.
pub async fn void_stamp(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    query: web::Query<SellerQuery>,
    form: web::Form<VoidStampForm>,
) -> Result<HttpResponse, HtmlError> {
    let seller_id = requested_seller(&user.actor, &query.seller).map_err(html(lang))?;
    let VoidStampForm { code, confirm } = form.into_inner();
    let t = lang.texts();
    let cx = Ctx {
        state: &state,
        req: &req,
        lang,
        user: &user,
    };
    let refuse = |message: String| {
        let mut errors = Errors::new();
        errors.insert("code", message);
        Forms {
            void_code: Some((code.clone(), errors)),
            ..Default::default()
        }
    };
    if code.trim().is_empty() {
        let forms = refuse(crate::i18n::reason(lang, &Reason::Required));
        return respond_list(cx, seller_id, StatusCode::UNPROCESSABLE_ENTITY, None, forms).await;
    }
    let (actor, typed) = (user.actor.clone(), code.clone());
    let found = with_db(&state, move |conn, st| {
        // The page's seller first: someone else's is "not found" whatever
        // the code.
        visible_seller(conn, &actor, seller_id)?;
        match dashboard::managed_stamp(conn, &actor, &st.stamp_keys, &typed) {
            Ok(found) => Ok(Some(found)),
            Err(AppError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await
    .map_err(html(lang))?;
    let Some((stamp, run, product)) = found else {
        let forms = refuse(t.stp_stamp_not_found.to_owned());
        return respond_list(cx, seller_id, StatusCode::UNPROCESSABLE_ENTITY, None, forms).await;
    };
    let grouped = StampCode::parse(&stamp.code)
        .map(|c| c.grouped())
        .unwrap_or_else(|_| stamp.code.clone());
    if confirm != "yes" {
        let page = ConfirmPage {
            c: chrome_at(&req, lang, &user, stamps_href(seller_id)),
            message: t
                .stp_confirm_stamp
                .replace("{code}", &grouped)
                .replace("{run}", &run.id.to_string())
                .replace("{product}", &product.name_vi),
            action: format!("/stamps/void?seller={seller_id}"),
            code: Some(stamp.code.clone()),
            back: stamps_href(seller_id),
        };
        return render(StatusCode::OK, &page).map_err(html(lang));
    }
    let actor = user.actor.clone();
    let voided = with_db(&state, move |conn, st| {
        stamps::void_stamp(conn, &actor, &st.stamp_keys, &stamp.code)
    })
    .await
    .map_err(html(lang))?;
    Ok(see_other(&format!(
        "/stamps?seller={}&stamp={}",
        run.seller_id, voided.code
    )))
}

// ---------------------------------------------------------------------------
// The dashboard.

/// One day's bar of the chart, in SVG user units.
struct Bar {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    day: String,
    scans: i64,
    /// What the bar's tooltip and screen readers say.
    title: String,
}

/// A bar chart of scans per day, laid out here so the page needs no script.
struct Chart {
    width: i64,
    height: i64,
    /// The y of the axis under the bars.
    base: i64,
    left: i64,
    /// Where the axis numbers end, left of the bars.
    axis_x: i64,
    /// The baseline of the busiest day's number, level with the tallest bar.
    max_y: i64,
    label_y: i64,
    max: i64,
    bars: Vec<Bar>,
    desc: String,
    first: String,
    last: String,
}

const BAR_STEP: i64 = 10;
const BAR_WIDTH: i64 = 8;
const PLOT_TOP: i64 = 12;
const PLOT_HEIGHT: i64 = 100;
const CHART_LEFT: i64 = 24;

fn chart(t: &'static Texts, lang: Lang, days: &[dashboard::DayCount]) -> Chart {
    let max = days.iter().map(|d| d.scans).max().unwrap_or(0);
    let total: i64 = days.iter().map(|d| d.scans).sum();
    let base = PLOT_TOP + PLOT_HEIGHT;
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let h = if max == 0 || d.scans == 0 {
                0
            } else {
                (d.scans * PLOT_HEIGHT / max).max(2)
            };
            let day = dmy(d.day);
            Bar {
                x: CHART_LEFT + i as i64 * BAR_STEP + (BAR_STEP - BAR_WIDTH) / 2,
                y: base - h,
                w: BAR_WIDTH,
                h,
                title: format!("{day}: {} {}", thousands(lang, d.scans), t.stp_scans_unit),
                day,
                scans: d.scans,
            }
        })
        .collect();
    let first = days.first().map(|d| dmy(d.day)).unwrap_or_default();
    let last = days.last().map(|d| dmy(d.day)).unwrap_or_default();
    Chart {
        width: CHART_LEFT + days.len() as i64 * BAR_STEP + 2,
        height: base + 16,
        base,
        left: CHART_LEFT,
        axis_x: CHART_LEFT - 3,
        max_y: PLOT_TOP + 3,
        label_y: base + 12,
        max,
        bars,
        desc: t
            .stp_chart_desc
            .replace("{n}", &thousands(lang, total))
            .replace("{from}", &first)
            .replace("{to}", &last)
            .replace("{max}", &thousands(lang, max)),
        first,
        last,
    }
}

struct ProductRow {
    id: i64,
    name: String,
    scans: String,
}

struct LotRow {
    product_name: String,
    lot_code: Option<String>,
    scans: String,
}

struct AlertView {
    at: String,
    code: String,
    grouped: String,
    scans: String,
    networks: i32,
}

#[derive(Template)]
#[template(path = "stamps_dashboard.html", config = "src/askama.toml")]
struct DashboardPage {
    c: Chrome,
    seller_id: i64,
    seller_name: String,
    back_href: String,
    chart: Chart,
    any_scans: bool,
    by_product: Vec<ProductRow>,
    by_lot: Vec<LotRow>,
    alerts: Vec<AlertView>,
}

fn build_dashboard(c: Chrome, lang: Lang, d: Dashboard) -> DashboardPage {
    let t = lang.texts();
    DashboardPage {
        seller_id: d.seller.id,
        seller_name: d.seller.short_name.clone(),
        back_href: stamps_href(d.seller.id),
        chart: chart(t, lang, &d.days),
        any_scans: d.days.iter().any(|x| x.scans > 0),
        by_product: d
            .by_product
            .into_iter()
            .map(|p| ProductRow {
                id: p.product_id,
                name: p.name,
                scans: thousands(lang, p.scans),
            })
            .collect(),
        by_lot: d
            .by_lot
            .into_iter()
            .map(|l| LotRow {
                product_name: l.product_name,
                lot_code: l.lot_code,
                scans: thousands(lang, l.scans),
            })
            .collect(),
        alerts: d
            .alerts
            .into_iter()
            .map(|a| AlertView {
                at: vn_time(a.at),
                grouped: StampCode::parse(&a.code)
                    .map(|c| c.grouped())
                    .unwrap_or_else(|_| a.code.clone()),
                code: a.code,
                scans: thousands(lang, i64::from(a.scans)),
                networks: a.networks,
            })
            .collect(),
        c,
    }
}

/// `GET /stamps/dashboard?seller={id}`.
pub async fn dashboard(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: AuthUser,
    query: web::Query<SellerQuery>,
) -> Result<HttpResponse, HtmlError> {
    let seller_id = requested_seller(&user.actor, &query.seller).map_err(html(lang))?;
    let actor = user.actor.clone();
    let today = today_vn();
    let d = with_db(&state, move |conn, _| {
        dashboard::dashboard(conn, &actor, seller_id, today)
    })
    .await
    .map_err(html(lang))?;
    let c = chrome_at(&req, lang, &user, dashboard_href(seller_id));
    render(StatusCode::OK, &build_dashboard(c, lang, d)).map_err(html(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_the_way_each_language_writes_them() {
        assert_eq!(thousands(Lang::Vi, 100_000), "100.000");
        assert_eq!(thousands(Lang::En, 1_250), "1,250");
        assert_eq!(thousands(Lang::Vi, 40), "40");
    }

    #[test]
    fn bars_scale_to_the_busiest_day_and_empty_days_stay_flat() {
        let today = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
        let days: Vec<dashboard::DayCount> = (0..30)
            .map(|i| dashboard::DayCount {
                day: today - Duration::days(29 - i),
                scans: match i {
                    29 => 10,
                    28 => 1,
                    _ => 0,
                },
            })
            .collect();
        let c = chart(Lang::Vi.texts(), Lang::Vi, &days);
        assert_eq!(c.bars.len(), 30);
        assert_eq!(c.bars[29].h, PLOT_HEIGHT);
        assert_eq!(c.bars[28].h, 10);
        assert_eq!(c.bars[0].h, 0);
        assert!(c.bars.iter().all(|b| b.y + b.h == c.base));
        assert_eq!(c.bars[29].title, "30/06/2025: 10 lượt quét");
        assert!(c.desc.contains("11"));
    }
}
