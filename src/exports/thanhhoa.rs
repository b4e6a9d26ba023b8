//! Sàn giao dịch điện tử nông sản Thanh Hóa, the province's agricultural
//! e-commerce exchange. Our layout (the exchange publishes none): SKU, title,
//! category code and name, description, price, stock, packed weight and
//! dimensions, main photo and other photos (comma-separated URLs), unit,
//! pack type, origin, producer, OCOP stars, decision number, issuing level,
//! validity, planting-area code, shelf life, storage, barcode, traceability
//! link. It takes every OCOP group; buyers arrange transport with the
//! seller, so the packed weight is needed but not the dimensions.

use super::{Category, ChannelId, ChannelSpec, Column, Rules};
use crate::domain::OcopGroup;

pub static SPEC: ChannelSpec = ChannelSpec {
    id: ChannelId::Thanhhoa,
    name_vi: "Sàn nông sản Thanh Hóa",
    name_en: "Thanh Hóa agricultural exchange",
    sheet_name: "San pham",
    columns: &[
        ("Mã SKU", Column::Sku),
        ("Tên sản phẩm", Column::Title),
        ("Mã danh mục", Column::CategoryCode),
        ("Danh mục", Column::CategoryPath),
        ("Mô tả", Column::Description),
        ("Giá bán (VNĐ)", Column::PriceVnd),
        ("Số lượng tồn kho", Column::Stock),
        ("Khối lượng đóng gói (g)", Column::WeightG),
        ("Dài (cm)", Column::LengthCm),
        ("Rộng (cm)", Column::WidthCm),
        ("Cao (cm)", Column::HeightCm),
        ("Ảnh đại diện", Column::Image(0)),
        ("Ảnh khác", Column::MoreImages),
        ("Đơn vị tính", Column::Unit),
        ("Quy cách đóng gói", Column::PackType),
        ("Xuất xứ", Column::Origin),
        ("Đơn vị sản xuất", Column::SellerLegalName),
        ("Hạng OCOP (sao)", Column::Stars),
        ("Số quyết định OCOP", Column::CertificateNo),
        ("Cấp công nhận", Column::CertificateIssuer),
        ("Hiệu lực chứng nhận đến", Column::CertificateValidUntil),
        ("Mã vùng trồng", Column::PlantingAreaCode),
        ("Hạn sử dụng (ngày)", Column::ShelfLifeDays),
        ("Bảo quản", Column::Storage),
        ("Mã vạch", Column::Gtin),
        ("Link truy xuất nguồn gốc", Column::TraceUrl),
    ],
    rules: Rules {
        title: (10, 150),
        description: (30, 5_000),
        images: (1, 3),
        needs_weight: true,
        needs_dimensions: false,
    },
    category,
};

fn category(group: OcopGroup, subgroup: Option<&str>) -> Option<Category> {
    let (code, path) = match (group, subgroup) {
        (OcopGroup::Food, Some("fresh")) => ("NS01", "Nông sản > Nông sản tươi"),
        (OcopGroup::Food, Some("preliminary")) => ("NS02", "Nông sản > Nông sản sơ chế, sấy khô"),
        (OcopGroup::Food, Some("condiments")) => ("TP02", "Thực phẩm > Gia vị, nước chấm"),
        (OcopGroup::Food, Some("tea")) => ("CH01", "Nông sản > Chè, trà"),
        (OcopGroup::Food, Some("honey")) => ("MO01", "Thực phẩm > Mật ong"),
        (OcopGroup::Food, _) => ("TP01", "Thực phẩm > Thực phẩm chế biến"),
        (OcopGroup::Drinks, Some("alcoholic")) => ("DU01", "Đồ uống > Đồ uống có cồn"),
        (OcopGroup::Drinks, _) => ("DU02", "Đồ uống > Đồ uống không cồn"),
        (OcopGroup::Herbal, _) => ("DL01", "Dược liệu > Sản phẩm từ dược liệu"),
        (OcopGroup::Handicrafts, Some("textiles")) => ("TC01", "Thủ công > Thổ cẩm, dệt may"),
        (OcopGroup::Handicrafts, _) => ("TC02", "Thủ công > Thủ công mỹ nghệ"),
        (OcopGroup::Ornamental, _) => ("SV01", "Sinh vật cảnh"),
        (OcopGroup::Tourism, _) => ("DV01", "Dịch vụ > Du lịch cộng đồng"),
    };
    Some(Category { code, path })
}
