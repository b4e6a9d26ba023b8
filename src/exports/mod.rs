//! Marketplace channels: for each, the column layout of its upload sheet, the
//! mapping from OCOP groups to its categories, and the rules a listing must
//! meet before it is sent. Checking is separate from writing: [`ChannelSpec::check`]
//! names what is missing, [`ChannelSpec::row`] turns a ready listing into
//! cells. Nothing here touches the database or the disk.
//!
//! The marketplaces publish no upload templates, so every layout here is
//! ours, modelled on the common Vietnamese mass-upload sheets (name,
//! category, description, SKU, price, stock, packed weight, dimensions,
//! image URLs, origin, certificates). Each channel's module documents its
//! layout; the README repeats them.

pub mod generic;
pub mod postmart;
pub mod thanhhoa;
pub mod voso;

use chrono::NaiveDate;

use crate::db::models::{Certificate, Product, Seller};
use crate::domain::{OcopGroup, text};
use crate::sheets::Cell;

/// A marketplace (or the generic feed) that listings are exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChannelId {
    /// Sàn giao dịch điện tử nông sản Thanh Hóa.
    Thanhhoa,
    /// Postmart (Vietnam Post).
    Postmart,
    /// Voso (Viettel Post).
    Voso,
    /// A plain CSV/XLSX sheet and a schema.org JSON feed for anyone else.
    Generic,
}

impl ChannelId {
    /// Every channel, in the order reports show them.
    pub const ALL: [ChannelId; 4] = [
        ChannelId::Thanhhoa,
        ChannelId::Postmart,
        ChannelId::Voso,
        ChannelId::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelId::Thanhhoa => "thanhhoa",
            ChannelId::Postmart => "postmart",
            ChannelId::Voso => "voso",
            ChannelId::Generic => "generic",
        }
    }

    pub fn parse(value: &str) -> Option<ChannelId> {
        let v = value.trim().to_ascii_lowercase();
        ChannelId::ALL.into_iter().find(|c| c.as_str() == v)
    }

    /// The channel's rules and layout.
    pub fn spec(self) -> &'static ChannelSpec {
        match self {
            ChannelId::Thanhhoa => &thanhhoa::SPEC,
            ChannelId::Postmart => &postmart::SPEC,
            ChannelId::Voso => &voso::SPEC,
            ChannelId::Generic => &generic::SPEC,
        }
    }
}

/// A category of a channel: its code and its path as the channel shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    pub code: &'static str,
    pub path: &'static str,
}

/// What a channel demands of a listing.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Title length in characters, inclusive.
    pub title: (usize, usize),
    /// Length of the product's own description (min) and of the composed
    /// description the channel receives (max), in characters.
    pub description: (usize, usize),
    /// Photos needed, and photos recommended (fewer is only advice).
    pub images: (usize, usize),
    /// The channel ships through its own carrier: packed weight needed.
    pub needs_weight: bool,
    /// ... and the packed dimensions too.
    pub needs_dimensions: bool,
}

/// One column of a sheet: what goes in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Sku,
    /// Name with pack size and producer: see [`title`].
    Title,
    NameVi,
    NameEn,
    /// OCOP group and subgroup codes (`food`, `honey`).
    OcopGroup,
    OcopSubgroup,
    CategoryCode,
    CategoryPath,
    /// Description, story, certificate, origin and traceability link.
    Description,
    PriceVnd,
    Stock,
    WeightG,
    LengthCm,
    WidthCm,
    HeightCm,
    /// The n-th photo (0 = main) as an absolute URL.
    Image(usize),
    /// Photos after the main one, comma-separated.
    MoreImages,
    /// Every photo, comma-separated.
    AllImages,
    /// The seller's short name, used as the brand.
    Brand,
    SellerLegalName,
    /// Commune and province of the seller.
    Origin,
    Stars,
    CertificateNo,
    CertificateIssuer,
    CertificateValidUntil,
    Gtin,
    Unit,
    NetQuantity,
    PackType,
    ShelfLifeDays,
    Storage,
    Ingredients,
    PlantingAreaCode,
    TraceUrl,
}

/// A channel: its name, its sheet layout and its rules.
pub struct ChannelSpec {
    pub id: ChannelId,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    /// Name of the worksheet in XLSX files.
    pub sheet_name: &'static str,
    /// Header (as the channel's sheet names it) and content of each column.
    pub columns: &'static [(&'static str, Column)],
    pub rules: Rules,
    /// The channel's category for an OCOP group and subgroup; `None` when
    /// the channel does not sell such goods (live animals, tours by post).
    pub category: fn(OcopGroup, Option<&str>) -> Option<Category>,
}

/// Everything a channel needs to know of one product, gathered by the
/// export service.
pub struct Listing<'a> {
    pub product: &'a Product,
    pub seller: &'a Seller,
    /// The certificate in force today, if any: stars are claimed only then.
    pub certificate: Option<&'a Certificate>,
    /// Absolute URLs of the photos (1024 px), main first.
    pub image_urls: Vec<String>,
    /// The public product page, whose lots show the journey.
    pub trace_url: String,
    /// "Xã Nam Xuân, Thanh Hóa".
    pub origin: String,
    /// False when the public base URL is a local address that marketplaces
    /// cannot fetch images from.
    pub public_urls: bool,
}

/// Why a listing is not (yet) right for a channel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ProblemKind {
    /// Only listed products are exported.
    NotListed,
    /// The seller is suspended or still a draft.
    SellerNotActive,
    TitleTooShort {
        min: usize,
        len: usize,
    },
    TitleTooLong {
        max: usize,
        len: usize,
    },
    DescriptionTooShort {
        min: usize,
        len: usize,
    },
    DescriptionTooLong {
        max: usize,
        len: usize,
    },
    NoImage,
    /// Advice only: the channel recommends more photos.
    FewImages {
        recommended: usize,
        have: usize,
    },
    MissingWeight,
    MissingDimensions,
    PriceNotPositive,
    StockNegative,
    /// The name or description claims OCOP stars, but no certificate is in
    /// force.
    StarsWithoutCertificate,
    /// A certificate is in force but its decision number is blank.
    CertificateWithoutDecision,
    /// The channel has no category for this group or subgroup.
    NoCategory,
    /// Advice only: images are served from a local address.
    LocalImageUrls,
}

/// A problem and the field a person fixes it in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Form field (product or seller) to fix: `name_vi`, `photos`, ...
    pub field: &'static str,
    #[serde(flatten)]
    pub kind: ProblemKind,
}

impl Problem {
    fn new(field: &'static str, kind: ProblemKind) -> Problem {
        Problem { field, kind }
    }

    /// Advice does not hold a product back; everything else does.
    pub fn blocks(&self) -> bool {
        !matches!(
            self.kind,
            ProblemKind::FewImages { .. } | ProblemKind::LocalImageUrls
        )
    }
}

impl ChannelSpec {
    /// The channel's category for `product`.
    pub fn category_of(&self, product: &Product) -> Option<Category> {
        let group = OcopGroup::parse(&product.ocop_group).ok()?;
        (self.category)(group, product.ocop_subgroup.as_deref())
    }

    /// Every problem of `l` on this channel, blocking first, in form order.
    pub fn check(&self, l: &Listing) -> Vec<Problem> {
        let p = l.product;
        let r = &self.rules;
        let mut out = Vec::new();
        if p.status != "listed" {
            out.push(Problem::new("status", ProblemKind::NotListed));
        }
        if l.seller.status != "active" {
            out.push(Problem::new("seller_status", ProblemKind::SellerNotActive));
        }
        let title_len = title(l).chars().count();
        let (min, max) = r.title;
        if title_len < min {
            let kind = ProblemKind::TitleTooShort {
                min,
                len: title_len,
            };
            out.push(Problem::new("name_vi", kind));
        } else if title_len > max {
            let kind = ProblemKind::TitleTooLong {
                max,
                len: title_len,
            };
            out.push(Problem::new("name_vi", kind));
        }
        // The seller writes the description; the rest of what the channel
        // receives (story, certificate, link) only counts against the cap.
        let own_len = p.description.trim().chars().count();
        let composed_len = description(l).chars().count();
        let (min, max) = r.description;
        if own_len < min {
            let kind = ProblemKind::DescriptionTooShort { min, len: own_len };
            out.push(Problem::new("description", kind));
        } else if composed_len > max {
            let kind = ProblemKind::DescriptionTooLong {
                max,
                len: composed_len,
            };
            out.push(Problem::new("description", kind));
        }
        if self.category_of(p).is_none() {
            out.push(Problem::new("ocop_subgroup", ProblemKind::NoCategory));
        }
        if p.price_vnd <= 0 {
            out.push(Problem::new("price_vnd", ProblemKind::PriceNotPositive));
        }
        if p.stock < 0 {
            out.push(Problem::new("stock", ProblemKind::StockNegative));
        }
        if r.needs_weight && p.packed_weight_g.is_none_or(|w| w <= 0) {
            out.push(Problem::new("packed_weight_g", ProblemKind::MissingWeight));
        }
        if r.needs_dimensions
            && [p.length_cm, p.width_cm, p.height_cm]
                .iter()
                .any(|d| d.is_none_or(|v| v <= 0.0))
        {
            out.push(Problem::new("length_cm", ProblemKind::MissingDimensions));
        }
        match l.certificate {
            Some(c) if c.decision_no.trim().is_empty() => out.push(Problem::new(
                "certificates",
                ProblemKind::CertificateWithoutDecision,
            )),
            None if claims_stars(p) => out.push(Problem::new(
                "certificates",
                ProblemKind::StarsWithoutCertificate,
            )),
            _ => {}
        }
        if l.image_urls.len() < r.images.0 {
            out.push(Problem::new("photos", ProblemKind::NoImage));
        } else if l.image_urls.len() < r.images.1 {
            out.push(Problem::new(
                "photos",
                ProblemKind::FewImages {
                    recommended: r.images.1,
                    have: l.image_urls.len(),
                },
            ));
        }
        if !l.public_urls && !l.image_urls.is_empty() {
            out.push(Problem::new("public_base_url", ProblemKind::LocalImageUrls));
        }
        out.sort_by_key(|p| !p.blocks());
        out
    }

    /// The header row.
    pub fn headers(&self) -> Vec<Cell> {
        self.columns
            .iter()
            .map(|(h, _)| Cell::Text((*h).to_owned()))
            .collect()
    }

    /// Columns holding codes that must stay text in XLSX (leading zeros).
    pub fn text_columns(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, (_, c))| {
                matches!(
                    c,
                    Column::Sku | Column::Gtin | Column::CategoryCode | Column::CertificateNo
                )
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Column widths in characters, so the sheet is readable when opened.
    pub fn column_widths(&self) -> Vec<f64> {
        self.columns
            .iter()
            .map(|(_, c)| match c {
                Column::Title | Column::CategoryPath | Column::SellerLegalName => 40.0,
                Column::Description | Column::Ingredients => 60.0,
                Column::Image(_) | Column::MoreImages | Column::AllImages | Column::TraceUrl => {
                    50.0
                }
                Column::Origin => 30.0,
                _ => 14.0,
            })
            .collect()
    }

    /// One row of the channel's sheet for a listing that passed [`check`].
    ///
    /// [`check`]: ChannelSpec::check
    pub fn row(&self, l: &Listing) -> Vec<Cell> {
        self.columns.iter().map(|(_, c)| self.cell(*c, l)).collect()
    }

    fn cell(&self, column: Column, l: &Listing) -> Cell {
        let p = l.product;
        let cert = l.certificate;
        let opt_text = |v: &Option<String>| match v.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => Cell::Text(s.to_owned()),
            _ => Cell::Empty,
        };
        let opt_num = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Number);
        match column {
            Column::Sku => Cell::Text(sku(p)),
            Column::Title => Cell::Text(title(l)),
            Column::NameVi => Cell::Text(p.name_vi.clone()),
            Column::NameEn => opt_text(&p.name_en),
            Column::OcopGroup => Cell::Text(p.ocop_group.clone()),
            Column::OcopSubgroup => opt_text(&p.ocop_subgroup),
            Column::CategoryCode => self
                .category_of(p)
                .map_or(Cell::Empty, |c| Cell::Text(c.code.to_owned())),
            Column::CategoryPath => self
                .category_of(p)
                .map_or(Cell::Empty, |c| Cell::Text(c.path.to_owned())),
            Column::Description => Cell::Text(description(l)),
            Column::PriceVnd => Cell::Int(p.price_vnd),
            Column::Stock => Cell::Int(i64::from(p.stock)),
            Column::WeightG => p
                .packed_weight_g
                .map_or(Cell::Empty, |w| Cell::Int(i64::from(w))),
            Column::LengthCm => opt_num(p.length_cm),
            Column::WidthCm => opt_num(p.width_cm),
            Column::HeightCm => opt_num(p.height_cm),
            Column::Image(n) => l
                .image_urls
                .get(n)
                .map_or(Cell::Empty, |u| Cell::Text(u.clone())),
            Column::MoreImages => join_or_empty(l.image_urls.iter().skip(1)),
            Column::AllImages => join_or_empty(l.image_urls.iter()),
            Column::Brand => Cell::Text(l.seller.short_name.clone()),
            Column::SellerLegalName => Cell::Text(l.seller.legal_name.clone()),
            Column::Origin => Cell::Text(l.origin.clone()),
            Column::Stars => cert.map_or(Cell::Empty, |c| Cell::Int(i64::from(c.stars))),
            Column::CertificateNo => {
                cert.map_or(Cell::Empty, |c| Cell::Text(c.decision_no.clone()))
            }
            Column::CertificateIssuer => cert.map_or(Cell::Empty, |c| {
                Cell::Text(issuer_vi(&c.issued_by).to_owned())
            }),
            Column::CertificateValidUntil => {
                cert.map_or(Cell::Empty, |c| Cell::Text(date_vi(c.valid_until)))
            }
            Column::Gtin => opt_text(&p.gtin),
            Column::Unit => Cell::Text(unit_vi(&p.unit).to_owned()),
            Column::NetQuantity => Cell::Number(p.net_quantity),
            Column::PackType => opt_text(&p.pack_type),
            Column::ShelfLifeDays => p
                .shelf_life_days
                .map_or(Cell::Empty, |d| Cell::Int(i64::from(d))),
            Column::Storage => opt_text(&p.storage),
            Column::Ingredients => opt_text(&p.ingredients),
            Column::PlantingAreaCode => opt_text(&p.planting_area_code),
            Column::TraceUrl => Cell::Text(l.trace_url.clone()),
        }
    }
}

fn join_or_empty<'a>(urls: impl Iterator<Item = &'a String>) -> Cell {
    let joined = urls.map(String::as_str).collect::<Vec<_>>().join(",");
    if joined.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(joined)
    }
}

/// The seller's SKU, or one made from the product id when none was given,
/// so every row has a stable key on the marketplace.
pub fn sku(p: &Product) -> String {
    match p.sku.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => format!("OCOP-{}", p.id),
    }
}

/// The pack size as Vietnamese listings write it: "500g", "1,5kg", "330ml";
/// nothing for counted items.
pub fn pack_size(p: &Product) -> Option<String> {
    if p.unit == "item" || p.net_quantity <= 0.0 {
        return None;
    }
    Some(format!("{}{}", decimal_vi(p.net_quantity), p.unit))
}

/// The listing title: the name, then the pack size and the producer when
/// the name does not already say them ("Mật ong rừng Nam Xuân 500ml - HTX
/// Nam Xuân"). Buyers on every channel search by both.
pub fn title(l: &Listing) -> String {
    let p = l.product;
    let name = p.name_vi.trim();
    let folded = text::fold(name).replace(' ', "");
    let mut out = name.to_owned();
    if let Some(size) = pack_size(p)
        && !folded.contains(&text::fold(&size).replace(' ', ""))
    {
        out.push(' ');
        out.push_str(&size);
    }
    let producer = l.seller.short_name.trim();
    if !producer.is_empty() && !folded.contains(&text::fold(producer).replace(' ', "")) {
        out.push_str(" - ");
        out.push_str(producer);
    }
    out
}

/// The description a channel receives: the seller's text, then the story,
/// ingredients, the OCOP certificate, the origin and the traceability link,
/// so a buyer on the marketplace can check the product's journey.
pub fn description(l: &Listing) -> String {
    let p = l.product;
    let mut parts = vec![p.description.trim().to_owned()];
    if let Some(story) = p.story.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        parts.push(story.to_owned());
    }
    if let Some(i) = p
        .ingredients
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        parts.push(format!("Thành phần: {i}"));
    }
    if let Some(c) = l.certificate {
        parts.push(format!(
            "Sản phẩm OCOP {} sao, Quyết định số {} ({}), hiệu lực đến {}.",
            c.stars,
            c.decision_no.trim(),
            issuer_vi(&c.issued_by),
            date_vi(c.valid_until)
        ));
    }
    parts.push(format!("Xuất xứ: {}.", l.origin));
    parts.push(format!("Truy xuất nguồn gốc: {}", l.trace_url));
    parts.join("\n\n")
}

/// True when the name or description speaks of OCOP stars ("OCOP 4 sao",
/// "3★"), which only a certificate in force may back.
pub fn claims_stars(p: &Product) -> bool {
    let folded = text::fold(&format!("{} {}", p.name_vi, p.description));
    let words: Vec<&str> = folded.split_whitespace().collect();
    if folded.contains('★') || folded.contains('⭐') {
        return true;
    }
    words.windows(2).any(|w| {
        let digit = |s: &str| matches!(s, "3" | "4" | "5");
        (digit(w[0]) && w[1].starts_with("sao"))
            || (w[0] == "ocop" && digit(w[1].trim_end_matches(|c: char| !c.is_ascii_digit())))
    })
}

/// A decimal with a Vietnamese comma and no trailing zeros: 1.5 -> "1,5".
pub fn decimal_vi(v: f64) -> String {
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
}

/// dd/mm/yyyy, as Vietnamese documents write dates.
pub fn date_vi(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn issuer_vi(issued_by: &str) -> &'static str {
    match issued_by {
        "central" => "cấp Trung ương",
        _ => "cấp tỉnh",
    }
}

fn unit_vi(unit: &str) -> &'static str {
    match unit {
        "g" => "g",
        "kg" => "kg",
        "ml" => "ml",
        "l" => "lít",
        _ => "cái",
    }
}

#[cfg(test)]
pub(crate) mod tests;
