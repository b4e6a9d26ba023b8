//! The generic channel, for any marketplace or partner without a layout of
//! its own: a sheet with plain English column names (one product a row,
//! every photo in one comma-separated column), and a JSON feed of
//! schema.org `Product` items that search engines and aggregators read.
//! It asks only what every buyer needs: a title, a description, a photo and
//! a price; nothing is shipped through it, so no weight is required.

use serde_json::{Value, json};

use super::{Category, ChannelId, ChannelSpec, Column, Listing, Rules};
use crate::domain::{OcopGroup, SUBGROUPS};

pub static SPEC: ChannelSpec = ChannelSpec {
    id: ChannelId::Generic,
    name_vi: "Tệp chung (CSV, JSON schema.org)",
    name_en: "Generic (CSV, schema.org JSON)",
    sheet_name: "Products",
    columns: &[
        ("sku", Column::Sku),
        ("title", Column::Title),
        ("name_vi", Column::NameVi),
        ("name_en", Column::NameEn),
        ("ocop_group", Column::OcopGroup),
        ("ocop_subgroup", Column::OcopSubgroup),
        ("category", Column::CategoryPath),
        ("description", Column::Description),
        ("price_vnd", Column::PriceVnd),
        ("stock", Column::Stock),
        ("unit", Column::Unit),
        ("net_quantity", Column::NetQuantity),
        ("packed_weight_g", Column::WeightG),
        ("length_cm", Column::LengthCm),
        ("width_cm", Column::WidthCm),
        ("height_cm", Column::HeightCm),
        ("image_urls", Column::AllImages),
        ("brand", Column::Brand),
        ("producer", Column::SellerLegalName),
        ("origin", Column::Origin),
        ("ocop_stars", Column::Stars),
        ("ocop_decision_no", Column::CertificateNo),
        ("ocop_valid_until", Column::CertificateValidUntil),
        ("gtin", Column::Gtin),
        ("trace_url", Column::TraceUrl),
    ],
    rules: Rules {
        title: (10, 200),
        description: (1, 20_000),
        images: (1, 3),
        needs_weight: false,
        needs_dimensions: false,
    },
    category,
};

/// The OCOP subgroup (or group) itself, in Vietnamese.
fn category(group: OcopGroup, subgroup: Option<&str>) -> Option<Category> {
    let found = SUBGROUPS
        .iter()
        .find(|s| s.group == group && Some(s.code) == subgroup);
    Some(match found {
        Some(s) => Category {
            code: s.code,
            path: s.vi,
        },
        None => Category {
            code: group.as_str(),
            path: group_vi(group),
        },
    })
}

fn group_vi(group: OcopGroup) -> &'static str {
    match group {
        OcopGroup::Food => "Thực phẩm",
        OcopGroup::Drinks => "Đồ uống",
        OcopGroup::Herbal => "Thảo dược",
        OcopGroup::Handicrafts => "Vải, may mặc, thủ công mỹ nghệ",
        OcopGroup::Ornamental => "Sinh vật cảnh",
        OcopGroup::Tourism => "Dịch vụ du lịch cộng đồng",
    }
}

/// One listing as a schema.org `Product` with its `Offer`: what a crawler
/// or partner needs to show it, including the OCOP rating as an award and
/// the traceability page as its URL.
pub fn schema_org_product(l: &Listing) -> Value {
    let p = l.product;
    let mut product = json!({
        "@type": "Product",
        "sku": super::sku(p),
        "name": super::title(l),
        "description": super::description(l),
        "image": l.image_urls,
        "url": l.trace_url,
        "category": SPEC.category_of(p).map(|c| c.path),
        "brand": { "@type": "Brand", "name": l.seller.short_name },
        "manufacturer": { "@type": "Organization", "name": l.seller.legal_name },
        "countryOfOrigin": { "@type": "Country", "name": "VN" },
        "offers": {
            "@type": "Offer",
            "price": p.price_vnd,
            "priceCurrency": "VND",
            "availability": if p.stock > 0 {
                "https://schema.org/InStock"
            } else {
                "https://schema.org/OutOfStock"
            },
            "url": l.trace_url,
        },
        "additionalProperty": [
            { "@type": "PropertyValue", "name": "origin", "value": l.origin },
        ],
    });
    if let Some(gtin) = p.gtin.as_deref().filter(|g| !g.is_empty()) {
        product["gtin"] = json!(gtin);
    }
    if let Some(w) = p.packed_weight_g {
        product["weight"] = json!({ "@type": "QuantitativeValue", "value": w, "unitCode": "GRM" });
    }
    if let Some(c) = l.certificate {
        product["award"] = json!(format!(
            "OCOP {} sao - Quyết định {}",
            c.stars, c.decision_no
        ));
    }
    product
}

/// A schema.org `ItemList` of products, the JSON feed's body.
pub fn schema_org_feed(items: Vec<Value>) -> Value {
    let elements: Vec<Value> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| json!({ "@type": "ListItem", "position": i + 1, "item": item }))
        .collect();
    json!({
        "@context": "https://schema.org",
        "@type": "ItemList",
        "numberOfItems": elements.len(),
        "itemListElement": elements,
    })
}
