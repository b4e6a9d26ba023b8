//! Voso, Viettel Post's marketplace. Our layout (Voso publishes none): SKU,
//! title, category code and name, description, list price, quantity,
//! weight in grams, length, width, height, every photo in one
//! comma-separated column, brand, manufacturer, place of production, OCOP
//! stars, decision number, unit, pack type, storage, traceability link.
//! Goods travel by Viettel Post: packed weight and dimensions are required
//! and ornamental plants, animals and tours are not sold. Titles are
//! shorter here (100 characters).

use super::{Category, ChannelId, ChannelSpec, Column, Rules};
use crate::domain::OcopGroup;

pub static SPEC: ChannelSpec = ChannelSpec {
    id: ChannelId::Voso,
    name_vi: "Voso (Viettel Post)",
    name_en: "Voso (Viettel Post)",
    sheet_name: "Voso",
    columns: &[
        ("Mã sản phẩm (SKU)", Column::Sku),
        ("Tên sản phẩm", Column::Title),
        ("Mã danh mục", Column::CategoryCode),
        ("Danh mục", Column::CategoryPath),
        ("Mô tả", Column::Description),
        ("Giá niêm yết (đ)", Column::PriceVnd),
        ("Số lượng", Column::Stock),
        ("Trọng lượng (g)", Column::WeightG),
        ("Dài (cm)", Column::LengthCm),
        ("Rộng (cm)", Column::WidthCm),
        ("Cao (cm)", Column::HeightCm),
        ("Link ảnh", Column::AllImages),
        ("Thương hiệu", Column::Brand),
        ("Nhà sản xuất", Column::SellerLegalName),
        ("Nơi sản xuất", Column::Origin),
        ("Sao OCOP", Column::Stars),
        ("Số QĐ công nhận OCOP", Column::CertificateNo),
        ("Đơn vị tính", Column::Unit),
        ("Quy cách đóng gói", Column::PackType),
        ("Bảo quản", Column::Storage),
        ("Link truy xuất nguồn gốc", Column::TraceUrl),
    ],
    rules: Rules {
        title: (10, 100),
        description: (50, 3_000),
        images: (1, 3),
        needs_weight: true,
        needs_dimensions: true,
    },
    category,
};

fn category(group: OcopGroup, subgroup: Option<&str>) -> Option<Category> {
    let (code, path) = match (group, subgroup) {
        (OcopGroup::Food, Some("fresh")) => ("VS-101", "Thực phẩm tươi sống"),
        (OcopGroup::Food, Some("preliminary")) => ("VS-102", "Đặc sản > Đồ khô"),
        (OcopGroup::Food, Some("condiments")) => ("VS-104", "Bách hóa > Gia vị"),
        (OcopGroup::Food, Some("tea")) => ("VS-201", "Đồ uống > Trà, cà phê"),
        (OcopGroup::Food, Some("honey")) => ("VS-105", "Đặc sản > Mật ong"),
        (OcopGroup::Food, _) => ("VS-103", "Đặc sản > Thực phẩm chế biến"),
        (OcopGroup::Drinks, Some("alcoholic")) => ("VS-202", "Đồ uống > Rượu, bia"),
        (OcopGroup::Drinks, _) => ("VS-203", "Đồ uống > Nước giải khát"),
        (OcopGroup::Herbal, Some("cosmetics")) => ("VS-302", "Làm đẹp > Mỹ phẩm thiên nhiên"),
        (OcopGroup::Herbal, _) => ("VS-301", "Sức khỏe > Dược liệu"),
        (OcopGroup::Handicrafts, Some("textiles")) => ("VS-401", "Thời trang > Thổ cẩm"),
        (OcopGroup::Handicrafts, _) => ("VS-402", "Nhà cửa > Đồ thủ công mỹ nghệ"),
        (OcopGroup::Ornamental, _) | (OcopGroup::Tourism, _) => return None,
    };
    Some(Category { code, path })
}
