//! Postmart, Vietnam Post's marketplace. Our layout (Postmart publishes
//! none): SKU, title, category path and code, description, price, stock,
//! weight in grams, length, width, height, five photo columns, brand,
//! origin, OCOP stars, decision number, barcode, shelf life, traceability
//! link. Goods travel by Vietnam Post, so packed weight and dimensions are
//! required, and live animals and tours are not sold.

use super::{Category, ChannelId, ChannelSpec, Column, Rules};
use crate::domain::OcopGroup;

pub static SPEC: ChannelSpec = ChannelSpec {
    id: ChannelId::Postmart,
    name_vi: "Postmart (Bưu điện Việt Nam)",
    name_en: "Postmart (Vietnam Post)",
    sheet_name: "Postmart",
    columns: &[
        ("SKU", Column::Sku),
        ("Tên sản phẩm", Column::Title),
        ("Ngành hàng", Column::CategoryPath),
        ("Mã ngành hàng", Column::CategoryCode),
        ("Mô tả sản phẩm", Column::Description),
        ("Giá bán", Column::PriceVnd),
        ("Tồn kho", Column::Stock),
        ("Cân nặng (gram)", Column::WeightG),
        ("Chiều dài (cm)", Column::LengthCm),
        ("Chiều rộng (cm)", Column::WidthCm),
        ("Chiều cao (cm)", Column::HeightCm),
        ("Ảnh 1", Column::Image(0)),
        ("Ảnh 2", Column::Image(1)),
        ("Ảnh 3", Column::Image(2)),
        ("Ảnh 4", Column::Image(3)),
        ("Ảnh 5", Column::Image(4)),
        ("Thương hiệu", Column::Brand),
        ("Xuất xứ", Column::Origin),
        ("Chứng nhận OCOP (sao)", Column::Stars),
        ("Số quyết định OCOP", Column::CertificateNo),
        ("Mã vạch (GTIN)", Column::Gtin),
        ("Hạn sử dụng (ngày)", Column::ShelfLifeDays),
        ("Link truy xuất", Column::TraceUrl),
    ],
    rules: Rules {
        title: (10, 120),
        description: (50, 3_000),
        images: (1, 3),
        needs_weight: true,
        needs_dimensions: true,
    },
    category,
};

fn category(group: OcopGroup, subgroup: Option<&str>) -> Option<Category> {
    let (code, path) = match (group, subgroup) {
        (OcopGroup::Food, Some("fresh")) => ("1101", "Đặc sản vùng miền > Nông sản tươi"),
        (OcopGroup::Food, Some("preliminary")) => ("1102", "Đặc sản vùng miền > Đồ khô"),
        (OcopGroup::Food, Some("condiments")) => ("1104", "Thực phẩm > Gia vị"),
        (OcopGroup::Food, Some("tea")) => ("1201", "Đồ uống > Trà"),
        (OcopGroup::Food, Some("honey")) => ("1105", "Đặc sản vùng miền > Mật ong"),
        (OcopGroup::Food, _) => ("1103", "Đặc sản vùng miền > Thực phẩm chế biến"),
        (OcopGroup::Drinks, Some("alcoholic")) => ("1202", "Đồ uống > Rượu"),
        (OcopGroup::Drinks, _) => ("1203", "Đồ uống > Nước giải khát"),
        (OcopGroup::Herbal, Some("cosmetics")) => {
            ("1302", "Sức khỏe & Làm đẹp > Mỹ phẩm thiên nhiên")
        }
        (OcopGroup::Herbal, _) => ("1301", "Sức khỏe & Làm đẹp > Thảo dược"),
        (OcopGroup::Handicrafts, Some("textiles")) => ("1401", "Thời trang > Thổ cẩm"),
        (OcopGroup::Handicrafts, _) => ("1402", "Nhà cửa & Đời sống > Đồ thủ công"),
        (OcopGroup::Ornamental, Some("plants")) => ("1501", "Nhà cửa & Đời sống > Cây cảnh"),
        (OcopGroup::Ornamental, _) | (OcopGroup::Tourism, _) => return None,
    };
    Some(Category { code, path })
}
