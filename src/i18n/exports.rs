//! Texts of the export pages, check reports and the "export ready" mail, in
//! Vietnamese and English.

use super::Lang;
use crate::exports::ProblemKind;

/// Every text of the export pages.
pub struct ExportTexts {
    pub nav_exports: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub choose_products: &'static str,
    pub filter_seller: &'static str,
    pub all_sellers: &'static str,
    pub only_listed: &'static str,
    pub no_products: &'static str,
    pub check_button: &'static str,
    pub select_all_hint: &'static str,
    pub report_title: &'static str,
    pub product: &'static str,
    pub seller: &'static str,
    pub ready: &'static str,
    pub advice: &'static str,
    pub fix: &'static str,
    pub summary_ready: &'static str,
    pub export_button: &'static str,
    pub format: &'static str,
    pub channel: &'static str,
    pub history_title: &'static str,
    pub history_empty: &'static str,
    pub created_at: &'static str,
    pub status: &'static str,
    pub products_count: &'static str,
    pub exported: &'static str,
    pub held: &'static str,
    pub download: &'static str,
    pub status_queued: &'static str,
    pub status_running: &'static str,
    pub status_done: &'static str,
    pub status_failed: &'static str,
    pub progress: &'static str,
    pub refresh_hint: &'static str,
    pub held_title: &'static str,
    pub failed_hint: &'static str,
    pub back_to_exports: &'static str,
    pub feed_link: &'static str,
    pub mail_subject: &'static str,
    /// `{channel}`, `{exported}`, `{held}`, `{link}`.
    pub mail_body: &'static str,
}

pub static VI: ExportTexts = ExportTexts {
    nav_exports: "Xuất lên sàn",
    title: "Xuất sản phẩm lên sàn thương mại điện tử",
    intro: "Chọn sản phẩm, kiểm tra theo từng sàn, rồi tải tệp để đăng lên sàn. Sản phẩm còn thiếu thông tin sẽ được giữ lại và ghi rõ cần sửa gì.",
    choose_products: "Chọn sản phẩm",
    filter_seller: "Người bán",
    all_sellers: "Tất cả người bán",
    only_listed: "Chỉ sản phẩm đang bán được xuất lên sàn.",
    no_products: "Chưa có sản phẩm nào.",
    check_button: "Kiểm tra",
    select_all_hint: "Không chọn sản phẩm nào nghĩa là kiểm tra tất cả.",
    report_title: "Kết quả kiểm tra",
    product: "Sản phẩm",
    seller: "Người bán",
    ready: "Sẵn sàng",
    advice: "Nên bổ sung",
    fix: "Sửa",
    summary_ready: "sẵn sàng",
    export_button: "Xuất tệp",
    format: "Định dạng",
    channel: "Sàn",
    history_title: "Các lần xuất tệp",
    history_empty: "Chưa xuất tệp nào.",
    created_at: "Thời gian",
    status: "Trạng thái",
    products_count: "Số sản phẩm",
    exported: "Đã xuất",
    held: "Giữ lại",
    download: "Tải về",
    status_queued: "Đang chờ",
    status_running: "Đang xuất",
    status_done: "Xong",
    status_failed: "Lỗi",
    progress: "Tiến độ",
    refresh_hint: "Trang tự cập nhật sau vài giây. Bạn sẽ nhận thư khi tệp lớn đã sẵn sàng.",
    held_title: "Sản phẩm bị giữ lại",
    failed_hint: "Lần xuất này không hoàn tất. Vui lòng xuất lại.",
    back_to_exports: "Quay lại trang xuất tệp",
    feed_link: "Nguồn dữ liệu JSON (schema.org) của các sản phẩm đang bán",
    mail_subject: "Tệp xuất lên sàn đã sẵn sàng",
    mail_body: "Tệp xuất lên {channel} đã sẵn sàng: {exported} sản phẩm đã xuất, {held} sản phẩm bị giữ lại vì thiếu thông tin.\n\nTải tệp và xem chi tiết tại:\n{link}\n",
};

pub static EN: ExportTexts = ExportTexts {
    nav_exports: "Marketplaces",
    title: "Export products to marketplaces",
    intro: "Choose products, check them against each marketplace, then download the file to upload there. Products missing information are held back with what to fix.",
    choose_products: "Choose products",
    filter_seller: "Seller",
    all_sellers: "All sellers",
    only_listed: "Only listed products are exported to marketplaces.",
    no_products: "No products yet.",
    check_button: "Check",
    select_all_hint: "Choosing none checks them all.",
    report_title: "Check results",
    product: "Product",
    seller: "Seller",
    ready: "Ready",
    advice: "Worth adding",
    fix: "Fix",
    summary_ready: "ready",
    export_button: "Export file",
    format: "Format",
    channel: "Marketplace",
    history_title: "Exports",
    history_empty: "No exports yet.",
    created_at: "When",
    status: "Status",
    products_count: "Products",
    exported: "Exported",
    held: "Held back",
    download: "Download",
    status_queued: "Waiting",
    status_running: "Exporting",
    status_done: "Done",
    status_failed: "Failed",
    progress: "Progress",
    refresh_hint: "This page refreshes itself every few seconds. You will get a mail when a large file is ready.",
    held_title: "Products held back",
    failed_hint: "This export did not finish. Please export again.",
    back_to_exports: "Back to exports",
    feed_link: "JSON feed (schema.org) of listed products",
    mail_subject: "Your marketplace export is ready",
    mail_body: "The {channel} export is ready: {exported} products exported, {held} held back for missing information.\n\nDownload it and see the details at:\n{link}\n",
};

/// The export texts in `lang`.
pub fn texts(lang: Lang) -> &'static ExportTexts {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

impl ExportTexts {
    /// The words for an export's status.
    pub fn status_name(&self, status: &str) -> &'static str {
        match status {
            "queued" => self.status_queued,
            "running" => self.status_running,
            "done" => self.status_done,
            _ => self.status_failed,
        }
    }
}

/// A channel's name in `lang`.
pub fn channel_name(lang: Lang, id: crate::exports::ChannelId) -> &'static str {
    match lang {
        Lang::Vi => id.spec().name_vi,
        Lang::En => id.spec().name_en,
    }
}

/// What is wrong, in `lang`, so a seller knows what to change.
pub fn problem(lang: Lang, kind: &ProblemKind) -> String {
    let vi = lang == Lang::Vi;
    match kind {
        ProblemKind::NotListed => pick(
            vi,
            "Sản phẩm chưa ở trạng thái đang bán.",
            "The product is not listed.",
        ),
        ProblemKind::SellerNotActive => pick(
            vi,
            "Người bán chưa hoạt động hoặc đang tạm dừng.",
            "The seller is not active.",
        ),
        ProblemKind::TitleTooShort { min, len } => {
            if vi {
                format!("Tên hiển thị quá ngắn: {len} ký tự, cần ít nhất {min}.")
            } else {
                format!("Title too short: {len} characters, at least {min} needed.")
            }
        }
        ProblemKind::TitleTooLong { max, len } => {
            if vi {
                format!(
                    "Tên hiển thị (kèm quy cách và tên cơ sở) dài {len} ký tự, sàn này cho tối đa {max}. Hãy rút gọn tên sản phẩm."
                )
            } else {
                format!(
                    "Title (with pack size and producer) is {len} characters; this marketplace allows {max}. Shorten the product name."
                )
            }
        }
        ProblemKind::DescriptionTooShort { min, len } => {
            if vi {
                format!("Mô tả quá ngắn: {len} ký tự, cần ít nhất {min}.")
            } else {
                format!("Description too short: {len} characters, at least {min} needed.")
            }
        }
        ProblemKind::DescriptionTooLong { max, len } => {
            if vi {
                format!(
                    "Mô tả (kèm câu chuyện, chứng nhận và đường dẫn truy xuất) dài {len} ký tự, tối đa {max}."
                )
            } else {
                format!(
                    "Description (with story, certificate and traceability link) is {len} characters, at most {max}."
                )
            }
        }
        ProblemKind::NoImage => pick(
            vi,
            "Cần ít nhất một ảnh sản phẩm.",
            "At least one photo is needed.",
        ),
        ProblemKind::FewImages { recommended, have } => {
            if vi {
                format!("Có {have} ảnh; sàn khuyên nên có {recommended} ảnh.")
            } else {
                format!("{have} photo(s); the marketplace recommends {recommended}.")
            }
        }
        ProblemKind::MissingWeight => pick(
            vi,
            "Thiếu khối lượng đóng gói (gram) để tính phí vận chuyển.",
            "Packed weight (grams) is missing; shipping is priced by it.",
        ),
        ProblemKind::MissingDimensions => pick(
            vi,
            "Thiếu kích thước đóng gói (dài, rộng, cao) để vận chuyển.",
            "Packed dimensions (length, width, height) are missing for shipping.",
        ),
        ProblemKind::PriceNotPositive => pick(
            vi,
            "Giá bán phải lớn hơn 0 đồng.",
            "The price must be more than 0 VND.",
        ),
        ProblemKind::StockNegative => {
            pick(vi, "Tồn kho không được âm.", "Stock cannot be negative.")
        }
        ProblemKind::StarsWithoutCertificate => pick(
            vi,
            "Tên hoặc mô tả nêu hạng sao OCOP nhưng chưa có giấy chứng nhận còn hiệu lực.",
            "The name or description claims OCOP stars but no certificate is in force.",
        ),
        ProblemKind::CertificateWithoutDecision => pick(
            vi,
            "Giấy chứng nhận OCOP thiếu số quyết định.",
            "The OCOP certificate has no decision number.",
        ),
        ProblemKind::NoCategory => pick(
            vi,
            "Sàn này không có danh mục cho nhóm sản phẩm này (ví dụ sinh vật cảnh, dịch vụ du lịch).",
            "This marketplace has no category for this product group (e.g. live animals, tours).",
        ),
        ProblemKind::LocalImageUrls => pick(
            vi,
            "Ảnh đang dùng địa chỉ máy nội bộ; sàn sẽ không tải được. Người quản trị cần đặt OCOP_PUBLIC_BASE_URL.",
            "Photos use a local address the marketplace cannot fetch; the operator must set OCOP_PUBLIC_BASE_URL.",
        ),
    }
}

fn pick(vi: bool, v: &str, e: &str) -> String {
    if vi { v.to_owned() } else { e.to_owned() }
}
