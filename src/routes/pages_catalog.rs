//! The public catalogue as buyers see it, without JavaScript: the product
//! list with search and filters (`/`), a product page with Open Graph tags
//! and schema.org data (`/p/{slug}`), and a seller page (`/sellers/{id}`).
//! Public pages hold no personal data: no tax codes, personal IDs, bank
//! accounts, emails, nor a household's phone.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::auth::extractors::token_of;
use crate::db::models::{Certificate, Photo, Product};
use crate::domain::{
    OcopGroup, SUBGROUPS, SellerKind, Unit, commune, communes_of, search_communes,
};
use crate::error::{AppError, HtmlError};
use crate::i18n::{Lang, Texts};
use crate::routes::api_sellers::commune_name;
use crate::routes::{Chrome, page, with_db};
use crate::services::catalog::{self, CATALOG_PAGE, CatalogItem, CatalogQuery, today_vn};
use crate::startup::AppState;

/// The province whose communes the catalogue filter offers (Thanh Hóa).
const FILTER_PROVINCE: u32 = 38;
/// Longest `og:description`, in characters.
const OG_DESCRIPTION_CHARS: usize = 160;
/// Longest description in the JSON-LD: the page shows it in full already,
/// and a second full copy would double the page's heaviest part.
const JSON_LD_DESCRIPTION_CHARS: usize = 500;
/// How long browsers and proxies may keep an anonymous public page.
const PUBLIC_CACHE: &str = "public, max-age=60";

/// `250000` as "250.000 ₫" (Vietnamese) or "250,000 ₫" (English).
pub fn format_vnd(amount: i64, lang: Lang) -> String {
    let sep = match lang {
        Lang::Vi => '.',
        Lang::En => ',',
    };
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 6);
    if amount < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out.push_str(" ₫");
    out
}

/// A quantity without needless decimals: 500 → "500", 1.5 → "1,5" in
/// Vietnamese, "1.5" in English.
pub fn format_quantity(value: f64, lang: Lang) -> String {
    let s = format!("{value:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    match lang {
        Lang::Vi => s.replace('.', ","),
        Lang::En => s.to_owned(),
    }
}

/// "31/12/2025".
fn format_date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// "OCOP 4 sao" / "4-star OCOP".
fn stars_label(t: &Texts, stars: i32) -> String {
    t.ocop_stars.replace("{n}", &stars.to_string())
}

/// "★★★★".
fn star_marks(stars: i32) -> String {
    "★".repeat(usize::try_from(stars.clamp(0, 5)).unwrap_or(0))
}

/// The name of an OCOP group in the page's language.
fn group_label(t: &Texts, group: OcopGroup) -> &'static str {
    match group {
        OcopGroup::Food => t.group_food,
        OcopGroup::Drinks => t.group_drinks,
        OcopGroup::Herbal => t.group_herbal,
        OcopGroup::Handicrafts => t.group_handicrafts,
        OcopGroup::Ornamental => t.group_ornamental,
        OcopGroup::Tourism => t.group_tourism,
    }
}

/// The product's name in the page's language (Vietnamese when there is no
/// English name).
fn product_name(p: &Product, lang: Lang) -> String {
    match (lang, p.name_en.as_deref()) {
        (Lang::En, Some(en)) if !en.trim().is_empty() => en.to_owned(),
        _ => p.name_vi.clone(),
    }
}

/// "500 ml", "1,5 kg", "1 cái".
fn quantity_label(p: &Product, lang: Lang) -> String {
    let t = lang.texts();
    let unit = match Unit::parse(&p.unit) {
        Ok(Unit::Item) => t.unit_item_short,
        Ok(u) => u.as_str(),
        Err(_) => p.unit.as_str(),
    };
    format!("{} {unit}", format_quantity(p.net_quantity, lang))
}

/// At most `max` characters of `text` with whitespace collapsed, cut at a
/// word and marked with "…" when shortened.
fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > cut.len() / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':', ' ']))
}

/// JSON for a `<script type="application/ld+json">`: every `<` becomes
/// `\u003c`, so neither `</script>` nor `<!--` can end or confuse the
/// element (the same JSON to a parser).
fn script_safe_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// Sends a rendered public page: cacheable for a minute when the request
/// carries no session (a logged-in page shows the person's name), and
/// varying by the language inputs either way.
fn public_page<T: Template>(
    req: &HttpRequest,
    lang: Lang,
    p: &T,
) -> Result<HttpResponse, HtmlError> {
    let mut res = page(p).map_err(|e| e.html(lang))?;
    let headers = res.headers_mut();
    if token_of(req).is_none() {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PUBLIC_CACHE),
        );
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    Ok(res)
}

/// An option of a filter `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A product as a catalogue card shows it.
pub struct Card {
    pub href: String,
    pub name: String,
    /// The 320 px rendition.
    pub photo: Option<String>,
    /// "★★★★" and "OCOP 4 sao", while a certificate is in force.
    pub stars: Option<(String, String)>,
    pub price: String,
    pub seller_name: String,
    pub seller_href: String,
    pub commune: String,
}

fn card(i: &CatalogItem, lang: Lang) -> Card {
    let t = lang.texts();
    Card {
        href: format!("/p/{}", i.product.slug),
        name: product_name(&i.product, lang),
        photo: i.main_photo.as_ref().map(|k| format!("/media/{k}-320.jpg")),
        stars: i.stars.map(|s| (star_marks(s), stars_label(t, s))),
        price: format_vnd(i.product.price_vnd, lang),
        seller_name: i.seller.short_name.clone(),
        seller_href: format!("/sellers/{}", i.seller.id),
        commune: commune_name(i.seller.commune_code),
    }
}

/// Page count, "Trang 2/5", and the links either side.
struct Paging {
    label: String,
    prev: Option<String>,
    next: Option<String>,
}

fn paging(t: &Texts, page_no: i64, total: i64, href: impl Fn(i64) -> String) -> Paging {
    let pages = ((total + CATALOG_PAGE - 1) / CATALOG_PAGE).max(1);
    Paging {
        label: if pages > 1 {
            t.page_of
                .replace("{n}", &page_no.to_string())
                .replace("{m}", &pages.to_string())
        } else {
            String::new()
        },
        prev: (page_no > 1).then(|| href((page_no - 1).min(pages))),
        next: (page_no < pages).then(|| href(page_no + 1)),
    }
}

/// The catalogue's query as typed; every field is text so that a stray value
/// is ignored rather than refused.
#[derive(Deserialize, Default)]
#[serde(default)]
struct CatalogForm {
    q: String,
    group: String,
    stars: String,
    commune: String,
    page: String,
}

/// The filters in force, cleaned: unknown values are dropped.
struct Filters {
    q: String,
    group: String,
    stars: String,
    /// A commune code; a name typed instead is resolved to the best match.
    commune: String,
    page: i64,
}

impl Filters {
    fn from_request(req: &HttpRequest) -> Filters {
        let form = web::Query::<CatalogForm>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .unwrap_or_default();
        let commune_code = match form.commune.trim() {
            "" => None,
            c => match c.parse::<u32>() {
                Ok(code) => commune(code).map(|c| c.code),
                Err(_) => search_communes(c, 1).first().map(|c| c.code),
            },
        };
        Filters {
            q: form.q.trim().chars().take(100).collect(),
            group: OcopGroup::parse(&form.group)
                .map(|g| g.as_str().to_owned())
                .unwrap_or_default(),
            stars: crate::domain::catalog::stars(&form.stars)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            commune: commune_code.map(|c| c.to_string()).unwrap_or_default(),
            page: form
                .page
                .trim()
                .parse::<i64>()
                .unwrap_or(1)
                .clamp(1, 100_000),
        }
    }

    fn is_filtered(&self) -> bool {
        !(self.q.is_empty()
            && self.group.is_empty()
            && self.stars.is_empty()
            && self.commune.is_empty())
    }

    /// `/?q=…&page=N` with only the filters in force.
    fn href(&self, page_no: i64) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("group", &self.group),
            ("stars", &self.stars),
            ("commune", &self.commune),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", crate::util::url_encode(v)));
            }
        }
        if page_no > 1 {
            parts.push(format!("page={page_no}"));
        }
        if parts.is_empty() {
            "/".to_owned()
        } else {
            format!("/?{}", parts.join("&"))
        }
    }

    fn query(&self) -> CatalogQuery {
        CatalogQuery {
            q: self.q.clone(),
            group: self.group.clone(),
            stars: self.stars.clone(),
            commune: self.commune.clone(),
            page: Some(self.page),
        }
    }
}

#[derive(Template)]
#[template(path = "catalog.html", config = "src/askama.toml")]
struct CatalogPage {
    c: Chrome,
    q: String,
    groups: Vec<Choice>,
    star_choices: Vec<Choice>,
    communes: Vec<Choice>,
    filtered: bool,
    found: String,
    cards: Vec<Card>,
    page_label: String,
    prev: Option<String>,
    next: Option<String>,
}

/// The filter choices: groups, star levels and communes, the current one
/// selected.
fn choices(t: &Texts, f: &Filters) -> (Vec<Choice>, Vec<Choice>, Vec<Choice>) {
    let groups = OcopGroup::ALL
        .iter()
        .map(|g| Choice {
            value: g.as_str().to_owned(),
            label: group_label(t, *g).to_owned(),
            selected: f.group == g.as_str(),
        })
        .collect();
    let stars = (3..=5)
        .map(|n: i32| Choice {
            value: n.to_string(),
            label: t.stars_at_least.replace("{n}", &n.to_string()),
            selected: f.stars == n.to_string(),
        })
        .collect();
    let mut communes: Vec<Choice> = communes_of(FILTER_PROVINCE)
        .iter()
        .map(|c| Choice {
            value: c.code.to_string(),
            label: c.name.to_owned(),
            selected: f.commune == c.code.to_string(),
        })
        .collect();
    // A commune of another province, typed or linked, stays selectable.
    if !communes.iter().any(|c| c.selected)
        && let Some(c) = f.commune.parse().ok().and_then(commune)
    {
        communes.insert(
            0,
            Choice {
                value: c.code.to_string(),
                label: crate::domain::full_name(c),
                selected: true,
            },
        );
    }
    (groups, stars, communes)
}

/// `GET /`: the public catalogue, searchable and filterable by plain forms.
pub async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: Option<AuthUser>,
) -> Result<HttpResponse, HtmlError> {
    let f = Filters::from_request(&req);
    let query = f.query();
    let (items, total) = with_db(&state, move |conn, _| {
        catalog::public_catalog(conn, &query, None)
    })
    .await
    .map_err(|e| e.html(lang))?;
    let t = lang.texts();
    let pg = paging(t, f.page, total, |n| f.href(n));
    let (groups, star_choices, communes) = choices(t, &f);
    public_page(
        &req,
        lang,
        &CatalogPage {
            c: Chrome::new(&req, lang, user.as_ref()),
            q: f.q.clone(),
            groups,
            star_choices,
            communes,
            filtered: f.is_filtered(),
            found: t.catalog_found.replace("{n}", &total.to_string()),
            cards: items.iter().map(|i| card(i, lang)).collect(),
            page_label: pg.label,
            prev: pg.prev,
            next: pg.next,
        },
    )
}

/// A photo as the product page shows it.
pub struct PhotoImg {
    pub small: String,
    pub large: String,
    /// Set when the renditions differ in size.
    pub srcset: Option<String>,
    pub width: i32,
    pub height: i32,
    pub small_width: i32,
    pub small_height: i32,
}

impl From<&Photo> for PhotoImg {
    fn from(p: &Photo) -> Self {
        let small = format!("/media/{}-320.jpg", p.file_key);
        let large = format!("/media/{}-1024.jpg", p.file_key);
        let small_width = p.width.min(320);
        let small_height = if p.width > 320 {
            (p.height * 320 + p.width / 2) / p.width
        } else {
            p.height
        };
        PhotoImg {
            srcset: (p.width > 320)
                .then(|| format!("{small} {small_width}w, {large} {}w", p.width)),
            small,
            large,
            width: p.width,
            height: p.height,
            small_width,
            small_height,
        }
    }
}

/// The certificate in force, as shown beside the stars.
pub struct CertLine {
    pub marks: String,
    pub label: String,
    pub decision_no: String,
    pub issuer: &'static str,
    pub valid_until: String,
}

impl CertLine {
    fn new(t: &Texts, c: &Certificate) -> CertLine {
        CertLine {
            marks: star_marks(c.stars),
            label: stars_label(t, c.stars),
            decision_no: c.decision_no.clone(),
            issuer: if c.issued_by == "central" {
                t.issuer_central
            } else {
                t.issuer_province
            },
            valid_until: format_date(c.valid_until),
        }
    }
}

#[derive(Template)]
#[template(path = "product_public.html", config = "src/askama.toml")]
struct ProductPage {
    c: Chrome,
    name: String,
    url: String,
    og_description: String,
    og_image: Option<String>,
    og_locale: &'static str,
    json_ld: String,
    main_photo: Option<PhotoImg>,
    more_photos: Vec<PhotoImg>,
    cert: Option<CertLine>,
    expired: Option<String>,
    price: String,
    in_stock: bool,
    quantity: String,
    pack_type: Option<String>,
    category: String,
    description: String,
    story: Option<String>,
    ingredients: Option<String>,
    storage: Option<String>,
    shelf_life: Option<String>,
    gtin: Option<String>,
    planting_area_code: Option<String>,
    seller_name: String,
    seller_href: String,
    origin: String,
}

/// schema.org `Product` data for search engines and link previews.
fn product_json_ld(
    p: &crate::services::catalog::PublicProduct,
    name: &str,
    url: &str,
    base: &str,
    t: &Texts,
) -> serde_json::Value {
    let product = &p.product;
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": name,
        "description": excerpt(&product.description, JSON_LD_DESCRIPTION_CHARS),
        "url": url,
        "brand": { "@type": "Brand", "name": p.seller.short_name },
        "manufacturer": { "@type": "Organization", "name": p.seller.short_name, "url": format!("{base}/sellers/{}", p.seller.id) },
        "countryOfOrigin": "VN",
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": product.price_vnd,
            "priceCurrency": "VND",
            "availability": if product.stock > 0 { "https://schema.org/InStock" } else { "https://schema.org/OutOfStock" },
        },
    });
    if !p.photos.is_empty() {
        ld["image"] = p
            .photos
            .iter()
            .map(|ph| format!("{base}/media/{}-1024.jpg", ph.file_key))
            .collect();
    }
    if let Some(g) = &product.gtin {
        let key = if g.len() == 13 { "gtin13" } else { "gtin" };
        ld[key] = g.clone().into();
    }
    if let Some(c) = &p.certificate {
        ld["award"] = stars_label(t, c.stars).into();
    }
    ld
}

/// `GET /p/{slug}`: a listed product of an active seller.
pub async fn product(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: Option<AuthUser>,
    slug: web::Path<String>,
) -> Result<HttpResponse, HtmlError> {
    let slug = slug.into_inner();
    let p = with_db(&state, move |conn, _| catalog::public_product(conn, &slug))
        .await
        .map_err(|e| e.html(lang))?;
    let t = lang.texts();
    let base = state.settings.public_base_url.as_str();
    let prod = &p.product;
    let name = product_name(prod, lang);
    let url = format!("{base}/p/{}", prod.slug);
    let group = OcopGroup::parse(&prod.ocop_group).ok();
    let subgroup = prod.ocop_subgroup.as_deref().and_then(|code| {
        SUBGROUPS
            .iter()
            .find(|s| s.code == code && Some(s.group) == group)
            .map(|s| if lang == Lang::En { s.en } else { s.vi })
    });
    let category = match (group.map(|g| group_label(t, g)), subgroup) {
        (Some(g), Some(s)) => format!("{g} › {s}"),
        (Some(g), None) => g.to_owned(),
        (None, _) => String::new(),
    };
    // Say a certificate lapsed only when it did, not when it starts later.
    let expired = match (&p.certificate, &p.latest_certificate) {
        (None, Some(last)) if last.valid_until < today_vn() => Some(
            t.certificate_expired
                .replace("{date}", &format_date(last.valid_until)),
        ),
        _ => None,
    };
    let mut photos = p.photos.iter().map(PhotoImg::from);
    let main_photo = photos.next();
    let more_photos = photos.collect();
    let village = p.seller.village.clone().filter(|v| !v.trim().is_empty());
    let origin = match &village {
        Some(v) => format!(
            "{v}, {}, {}",
            commune_name(p.seller.commune_code),
            t.vietnam
        ),
        None => format!("{}, {}", commune_name(p.seller.commune_code), t.vietnam),
    };
    let json_ld = script_safe_json(&product_json_ld(&p, &name, &url, base, t));
    let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let page = ProductPage {
        c: Chrome::new(&req, lang, user.as_ref()),
        og_description: excerpt(&prod.description, OG_DESCRIPTION_CHARS),
        og_image: p
            .photos
            .first()
            .map(|ph| format!("{base}/media/{}-1024.jpg", ph.file_key)),
        og_locale: match lang {
            Lang::Vi => "vi_VN",
            Lang::En => "en_US",
        },
        json_ld,
        main_photo,
        more_photos,
        cert: p.certificate.as_ref().map(|c| CertLine::new(t, c)),
        expired,
        price: format_vnd(prod.price_vnd, lang),
        in_stock: prod.stock > 0,
        quantity: quantity_label(prod, lang),
        pack_type: non_empty(&prod.pack_type),
        category,
        description: prod.description.clone(),
        story: non_empty(&prod.story),
        ingredients: non_empty(&prod.ingredients),
        storage: non_empty(&prod.storage),
        shelf_life: prod
            .shelf_life_days
            .map(|d| t.days.replace("{n}", &d.to_string())),
        gtin: non_empty(&prod.gtin),
        planting_area_code: non_empty(&prod.planting_area_code),
        seller_name: p.seller.short_name.clone(),
        seller_href: format!("/sellers/{}", p.seller.id),
        origin,
        name,
        url,
    };
    public_page(&req, lang, &page)
}

#[derive(Template)]
#[template(path = "seller_public.html", config = "src/askama.toml")]
struct SellerPage {
    c: Chrome,
    name: String,
    kind: &'static str,
    place: String,
    former_district: Option<String>,
    representative: String,
    /// Only an organisation's phone; a household's is personal data.
    phone: Option<String>,
    found: String,
    cards: Vec<Card>,
    page_label: String,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageForm {
    page: String,
}

/// `GET /sellers/{id}`: an active seller and its listed products.
pub async fn seller(
    state: web::Data<AppState>,
    req: HttpRequest,
    lang: Lang,
    user: Option<AuthUser>,
    id: web::Path<String>,
) -> Result<HttpResponse, HtmlError> {
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound.html(lang))?;
    let page_no = web::Query::<PageForm>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.page.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let (s, items, total) = with_db(&state, move |conn, _| {
        catalog::public_seller(conn, id, page_no)
    })
    .await
    .map_err(|e| e.html(lang))?;
    let t = lang.texts();
    let pg = paging(t, page_no, total, |n| {
        if n > 1 {
            format!("/sellers/{id}?page={n}")
        } else {
            format!("/sellers/{id}")
        }
    });
    let kind = SellerKind::parse(&s.kind).ok();
    let place = match s.village.as_deref().filter(|v| !v.trim().is_empty()) {
        Some(v) => format!("{v}, {}", commune_name(s.commune_code)),
        None => commune_name(s.commune_code),
    };
    public_page(
        &req,
        lang,
        &SellerPage {
            c: Chrome::new(&req, lang, user.as_ref()),
            kind: t.seller_kind(&s.kind),
            place,
            former_district: s.former_district.clone().filter(|v| !v.trim().is_empty()),
            representative: s.representative.clone(),
            phone: matches!(kind, Some(SellerKind::Htx | SellerKind::Enterprise))
                .then(|| s.phone.clone())
                .filter(|p| !p.trim().is_empty()),
            found: t.catalog_found.replace("{n}", &total.to_string()),
            cards: items.iter().map(|i| card(i, lang)).collect(),
            page_label: pg.label,
            prev: pg.prev,
            next: pg.next,
            name: s.short_name,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_grouped_by_thousands() {
        assert_eq!(format_vnd(250_000, Lang::Vi), "250.000 ₫");
        assert_eq!(format_vnd(1_250_000, Lang::En), "1,250,000 ₫");
        assert_eq!(format_vnd(0, Lang::Vi), "0 ₫");
        assert_eq!(format_vnd(999, Lang::Vi), "999 ₫");
        assert_eq!(format_vnd(1000, Lang::Vi), "1.000 ₫");
    }

    #[test]
    fn quantities_drop_needless_decimals() {
        assert_eq!(format_quantity(500.0, Lang::Vi), "500");
        assert_eq!(format_quantity(1.5, Lang::Vi), "1,5");
        assert_eq!(format_quantity(1.5, Lang::En), "1.5");
        assert_eq!(format_quantity(0.125, Lang::En), "0.125");
    }

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("  Mật ong\n rừng ", 160), "Mật ong rừng");
        let long = "mật ong ".repeat(40);
        let e = excerpt(&long, 160);
        assert!(e.chars().count() <= 160 && e.ends_with('…'), "{e}");
    }

    #[test]
    fn json_ld_cannot_close_its_script() {
        let v = serde_json::json!({ "description": "a</script><!-- b" });
        let s = script_safe_json(&v);
        assert!(!s.contains("</") && !s.contains("<!--"));
        let back: serde_json::Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(back, v);
    }
}
