//! Every user-facing string, in Vietnamese (the default) and English. Texts
//! are a struct rather than a key lookup so that a missing translation is a
//! compile error, not a blank on a seller's screen.

use crate::domain::Reason;

/// The language a page or message is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "vi" | "vi-vn" => Some(Lang::Vi),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks from an `Accept-Language` header: English only when the browser
    /// prefers it to Vietnamese; Vietnamese otherwise, as most users read it.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("vi") => Lang::Vi,
                Some("en") => Lang::En,
                _ => continue,
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    /// The other language, for the switch link.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }
}

/// Why a field was refused, in `lang`.
pub fn reason(lang: Lang, reason: &Reason) -> String {
    let vi = lang == Lang::Vi;
    match reason {
        Reason::Required => pick(vi, "Vui lòng nhập ô này.", "This field is required."),
        Reason::TooLong { max } => {
            if vi {
                format!("Tối đa {max} ký tự.")
            } else {
                format!("At most {max} characters.")
            }
        }
        Reason::TooShort { min } => {
            if vi {
                format!("Cần ít nhất {min} ký tự.")
            } else {
                format!("At least {min} characters.")
            }
        }
        Reason::InvalidTaxCode => pick(
            vi,
            "Mã số thuế gồm 10 chữ số, 10-3 chữ số (chi nhánh) hoặc 12 chữ số (số định danh cá nhân của chủ hộ).",
            "A tax code has 10 digits, 10-3 digits (branch) or 12 digits (the household head's personal ID number).",
        ),
        Reason::TaxCodeChecksum => pick(
            vi,
            "Chữ số kiểm tra của mã số thuế không khớp: hãy kiểm tra lại từng chữ số.",
            "The tax code's check digit does not match: please check each digit.",
        ),
        Reason::InvalidPersonalId => pick(
            vi,
            "Số định danh cá nhân không hợp lệ: 3 chữ số đầu phải là mã tỉnh.",
            "Invalid personal ID number: the first 3 digits must be a province code.",
        ),
        Reason::InvalidBusinessRegNo => pick(
            vi,
            "Số đăng ký kinh doanh không hợp lệ (4–20 ký tự chữ và số).",
            "Invalid business registration number (4–20 letters and digits).",
        ),
        Reason::InvalidPhone => pick(
            vi,
            "Số điện thoại không hợp lệ, ví dụ 0912 345 678 hoặc 0237 3851 234.",
            "Invalid phone number, e.g. 0912 345 678 or 0237 3851 234.",
        ),
        Reason::NotMobilePhone => pick(
            vi,
            "Cần số di động (Zalo dùng số di động), ví dụ 0912 345 678.",
            "A mobile number is needed (Zalo uses mobile numbers), e.g. 0912 345 678.",
        ),
        Reason::InvalidEmail => pick(
            vi,
            "Email không hợp lệ, ví dụ ten@gmail.com.",
            "Invalid email address, e.g. name@gmail.com.",
        ),
        Reason::UnknownCommune => pick(
            vi,
            "Hãy chọn xã/phường trong danh sách năm 2025.",
            "Please pick a commune from the 2025 list.",
        ),
        Reason::UnknownProvince => pick(
            vi,
            "Hãy chọn tỉnh/thành phố trong danh sách.",
            "Please pick a province from the list.",
        ),
        Reason::InvalidChoice => pick(vi, "Lựa chọn không hợp lệ.", "Not one of the choices."),
        Reason::PasswordsDiffer => pick(
            vi,
            "Hai mật khẩu không giống nhau.",
            "The two passwords differ.",
        ),
        Reason::Taken => pick(
            vi,
            "Giá trị này đã được dùng cho một tài khoản hoặc người bán khác.",
            "This is already used by another account or seller.",
        ),
        Reason::InvalidNumber => pick(
            vi,
            "Hãy nhập một số, ví dụ 150000.",
            "Please enter a number, e.g. 150000.",
        ),
        Reason::OutOfRange { min, max } => {
            if vi {
                format!("Phải từ {min} đến {max}.")
            } else {
                format!("Must be between {min} and {max}.")
            }
        }
        Reason::InvalidDate => pick(
            vi,
            "Ngày không hợp lệ; nhập theo dạng 31/12/2025.",
            "Invalid date; use 2025-12-31 or 31/12/2025.",
        ),
        Reason::TooEarly => pick(
            vi,
            "Không được sớm hơn ngày mà nó phải theo sau.",
            "Cannot be earlier than the date it must follow.",
        ),
        Reason::InvalidGtin => pick(
            vi,
            "Mã vạch GTIN gồm 8, 12, 13 hoặc 14 chữ số và chữ số kiểm tra phải đúng.",
            "A GTIN (barcode) has 8, 12, 13 or 14 digits with a valid check digit.",
        ),
        Reason::SubgroupMismatch => pick(
            vi,
            "Nhóm phụ này không thuộc nhóm OCOP đã chọn.",
            "This subgroup does not belong to the chosen OCOP group.",
        ),
        Reason::BadFileType => pick(
            vi,
            "Tệp không phải ảnh JPEG, PNG, WebP (hoặc PDF nơi được phép), dù tên tệp là gì.",
            "The file is not a JPEG, PNG or WebP image (or a PDF where allowed), whatever its name.",
        ),
        Reason::FileTooLarge { max_mb } => {
            if vi {
                format!("Tệp quá lớn: tối đa {max_mb} MB.")
            } else {
                format!("File too large: at most {max_mb} MB.")
            }
        }
        Reason::FileDamaged => pick(
            vi,
            "Tệp bị thiếu hoặc hỏng; hãy tải lên lại.",
            "The file is cut short or damaged; please upload it again.",
        ),
        Reason::TooManyPixels { max } => {
            if vi {
                format!("Ảnh quá lớn: tối đa {max} megapixel.")
            } else {
                format!("Image too large: at most {max} megapixels.")
            }
        }
        Reason::ImageTooSmall => pick(
            vi,
            "Ảnh quá nhỏ: cần ít nhất 64 điểm ảnh mỗi chiều.",
            "Image too small: at least 64 pixels on each side.",
        ),
        Reason::Invalid => pick(vi, "Giá trị không hợp lệ.", "Invalid value."),
    }
}

fn pick(vi: bool, vi_text: &str, en_text: &str) -> String {
    if vi { vi_text } else { en_text }.to_owned()
}

/// Formats `n` minutes, for "try again in N minutes".
pub fn retry_after(lang: Lang, seconds: u64) -> String {
    let minutes = seconds.div_ceil(60).max(1);
    match lang {
        Lang::Vi => format!("Bạn đã thử sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút."),
        Lang::En => format!("Too many failed attempts. Please try again in {minutes} minutes."),
    }
}

/// Every fixed string of the pages and mails.
pub struct Texts {
    pub app_name: &'static str,
    pub tagline: &'static str,
    pub switch_to: &'static str,
    pub nav_login: &'static str,
    pub nav_logout: &'static str,
    pub nav_staff: &'static str,
    pub nav_seller_home: &'static str,
    pub nav_password: &'static str,
    pub home_intro: &'static str,
    pub home_staff: &'static str,

    pub catalog_title: &'static str,
    pub catalog_search_placeholder: &'static str,
    pub catalog_found: &'static str,
    pub catalog_empty: &'static str,
    pub catalog_clear: &'static str,
    pub filter_group: &'static str,
    pub filter_stars: &'static str,
    pub filter_any: &'static str,
    pub stars_at_least: &'static str,
    pub ocop_stars: &'static str,
    pub page_of: &'static str,
    pub no_photo: &'static str,
    pub price: &'static str,
    pub shelf_life: &'static str,
    pub days: &'static str,
    pub producer: &'static str,
    pub origin: &'static str,
    pub vietnam: &'static str,
    pub in_stock: &'static str,
    pub out_of_stock: &'static str,
    pub certificate: &'static str,
    pub certificate_expired: &'static str,
    pub seller_products: &'static str,

    pub login_title: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub login_submit: &'static str,
    pub login_failed: &'static str,
    pub forgot_link: &'static str,

    pub reset_title: &'static str,
    pub reset_intro: &'static str,
    pub reset_submit: &'static str,
    pub reset_sent: &'static str,
    pub reset_set_title: &'static str,
    pub reset_done: &'static str,

    pub sellers_title: &'static str,
    pub search_placeholder: &'static str,
    pub search: &'static str,
    pub new_seller: &'static str,
    pub no_sellers: &'static str,
    pub prev_page: &'static str,
    pub next_page: &'static str,
    pub col_name: &'static str,
    pub col_commune: &'static str,
    pub col_status: &'static str,

    pub seller_create_title: &'static str,
    pub seller_edit_title: &'static str,
    pub form_has_errors: &'static str,
    pub kind: &'static str,
    pub kind_htx: &'static str,
    pub kind_household: &'static str,
    pub kind_enterprise: &'static str,
    pub legal_name: &'static str,
    pub short_name: &'static str,
    pub short_name_hint: &'static str,
    pub tax_code: &'static str,
    pub tax_code_hint: &'static str,
    pub business_reg_no: &'static str,
    pub representative: &'static str,
    pub phone: &'static str,
    pub zalo_phone: &'static str,
    pub province: &'static str,
    pub commune: &'static str,
    pub change_province: &'static str,
    pub village: &'static str,
    pub former_district: &'static str,
    pub gln: &'static str,
    pub bank_account: &'static str,
    pub status: &'static str,
    pub status_draft: &'static str,
    pub status_active: &'static str,
    pub status_suspended: &'static str,
    pub consent: &'static str,
    pub optional: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub edit: &'static str,
    pub saved: &'static str,

    pub members: &'static str,
    pub no_members: &'static str,
    pub invitations: &'static str,
    pub invite_title: &'static str,
    pub invite_hint: &'static str,
    pub full_name: &'static str,
    pub send_invite: &'static str,
    pub invite_sent: &'static str,
    pub invite_pending: &'static str,
    pub invite_used: &'static str,
    pub invite_expired: &'static str,
    pub history: &'static str,
    pub on_behalf: &'static str,
    pub audit_seller_created: &'static str,
    pub audit_seller_updated: &'static str,
    pub audit_member_invited: &'static str,
    pub audit_invitation_accepted: &'static str,
    pub audit_other: &'static str,
    pub role_admin: &'static str,
    pub role_staff: &'static str,
    pub role_seller: &'static str,
    pub role_system: &'static str,

    pub accept_title: &'static str,
    pub accept_intro: &'static str,
    pub password_confirm: &'static str,
    pub password_hint: &'static str,
    pub accept_submit: &'static str,
    pub link_invalid: &'static str,

    pub seller_home_title: &'static str,
    pub seller_home_next: &'static str,
    pub your_org: &'static str,

    // Products, certificates, photos, lots and events (pages_products).
    pub products: &'static str,
    pub product: &'static str,
    pub no_products: &'static str,
    pub add_product: &'static str,
    pub product_new_title: &'static str,
    pub product_edit_title: &'static str,
    pub choose: &'static str,
    pub none_option: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    pub ocop_group: &'static str,
    pub ocop_subgroup: &'static str,
    pub group_food: &'static str,
    pub group_drinks: &'static str,
    pub group_herbal: &'static str,
    pub group_handicrafts: &'static str,
    pub group_ornamental: &'static str,
    pub group_tourism: &'static str,
    pub description: &'static str,
    pub story: &'static str,
    pub story_hint: &'static str,
    pub ingredients: &'static str,
    pub unit: &'static str,
    pub unit_g: &'static str,
    pub unit_kg: &'static str,
    pub unit_ml: &'static str,
    pub unit_l: &'static str,
    pub unit_item: &'static str,
    pub unit_item_short: &'static str,
    pub net_quantity: &'static str,
    pub net_quantity_hint: &'static str,
    pub pack_type: &'static str,
    pub pack_type_hint: &'static str,
    pub packed_weight_g: &'static str,
    pub packed_weight_hint: &'static str,
    pub dimensions: &'static str,
    pub length_cm: &'static str,
    pub width_cm: &'static str,
    pub height_cm: &'static str,
    pub price_vnd: &'static str,
    pub price_hint: &'static str,
    pub stock: &'static str,
    pub gtin: &'static str,
    pub gtin_hint: &'static str,
    pub shelf_life_days: &'static str,
    pub storage: &'static str,
    pub planting_area_code: &'static str,
    pub product_status_hint: &'static str,
    pub product_listed: &'static str,
    pub product_unlisted: &'static str,
    pub view_public: &'static str,
    pub back_to_products: &'static str,
    pub back_to_product: &'static str,
    pub photos: &'static str,
    pub no_photos: &'static str,
    pub main_photo: &'static str,
    pub move_up: &'static str,
    pub move_down: &'static str,
    pub delete: &'static str,
    pub add_photo: &'static str,
    pub take_photo: &'static str,
    pub pick_photo: &'static str,
    pub photo_hint: &'static str,
    pub upload: &'static str,
    pub certificates: &'static str,
    pub no_certificates: &'static str,
    pub add_certificate: &'static str,
    pub stars: &'static str,
    pub stars_unit: &'static str,
    pub score: &'static str,
    pub score_hint: &'static str,
    pub decision_no: &'static str,
    pub decision_no_hint: &'static str,
    pub issued_by: &'static str,
    pub issuer_province: &'static str,
    pub issuer_central: &'static str,
    pub issued_on: &'static str,
    pub valid_until: &'static str,
    pub valid_until_hint: &'static str,
    pub cert_valid: &'static str,
    pub cert_expired: &'static str,
    pub cert_pending: &'static str,
    pub document: &'static str,
    pub document_hint: &'static str,
    pub view_document: &'static str,
    pub lots: &'static str,
    pub lot: &'static str,
    pub no_lots: &'static str,
    pub add_lot: &'static str,
    pub lot_edit_title: &'static str,
    pub lot_code: &'static str,
    pub lot_code_hint: &'static str,
    pub produced_on: &'static str,
    pub produced_short: &'static str,
    pub packed_on: &'static str,
    pub best_before: &'static str,
    pub best_before_short: &'static str,
    pub quantity: &'static str,
    pub quantity_unit: &'static str,
    pub quantity_unit_hint: &'static str,
    pub origin_commune: &'static str,
    pub origin_place: &'static str,
    pub origin_place_hint: &'static str,
    pub lot_active: &'static str,
    pub lot_held: &'static str,
    pub lot_recalled: &'static str,
    pub lot_status_title: &'static str,
    pub status_reason: &'static str,
    pub status_reason_hint: &'static str,
    pub update_status: &'static str,
    pub events: &'static str,
    pub no_events: &'static str,
    pub add_event: &'static str,
    pub event_kind: &'static str,
    pub kind_planting: &'static str,
    pub kind_input: &'static str,
    pub kind_harvest: &'static str,
    pub kind_processing: &'static str,
    pub kind_packing: &'static str,
    pub kind_lab_test: &'static str,
    pub kind_storage: &'static str,
    pub kind_shipping: &'static str,
    pub kind_other: &'static str,
    pub happened_at: &'static str,
    pub place: &'static str,
    pub event_actor: &'static str,
    pub event_actor_hint: &'static str,
    pub note: &'static str,
    pub attachment: &'static str,
    pub view_attachment: &'static str,
    pub corrects: &'static str,
    pub corrects_hint: &'static str,
    pub corrected_by_event: &'static str,
    pub corrects_event: &'static str,
    pub audit_product_created: &'static str,
    pub audit_product_updated: &'static str,
    pub audit_photo_added: &'static str,
    pub audit_photo_removed: &'static str,
    pub audit_photos_reordered: &'static str,
    pub audit_certificate_added: &'static str,
    pub audit_lot_created: &'static str,
    pub audit_lot_updated: &'static str,
    pub audit_lot_status: &'static str,
    pub audit_event_recorded: &'static str,

    pub password_title: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub password_changed: &'static str,
    pub wrong_current_password: &'static str,

    pub error_title: &'static str,
    pub error_not_found: &'static str,
    pub error_forbidden: &'static str,
    pub error_bad_request: &'static str,
    pub error_internal: &'static str,
    pub error_too_large: &'static str,
    pub back_home: &'static str,

    pub mail_invite_subject: &'static str,
    pub mail_invite_body: &'static str,
    pub mail_reset_subject: &'static str,
    pub mail_reset_body: &'static str,
    pub mail_expiry_subject: &'static str,
    pub mail_expiry_body: &'static str,
    pub scan_title: &'static str,
    pub outcome_genuine: &'static str,
    pub outcome_genuine_note: &'static str,
    pub outcome_not_activated: &'static str,
    pub outcome_not_activated_note: &'static str,
    pub outcome_void: &'static str,
    pub outcome_void_note: &'static str,
    pub outcome_recalled: &'static str,
    pub outcome_held: &'static str,
    pub outcome_recall_note: &'static str,
    pub outcome_certificate_expired: &'static str,
    pub outcome_certificate_expired_note: &'static str,
    pub outcome_possible_copy: &'static str,
    pub outcome_possible_copy_note: &'static str,
    pub outcome_not_genuine: &'static str,
    pub outcome_not_genuine_note: &'static str,
    pub scan_code: &'static str,
    pub scan_journey: &'static str,
    pub scan_count: &'static str,
    pub scan_first: &'static str,
    pub scan_lot: &'static str,
    pub scan_activate: &'static str,
    pub scan_activate_submit: &'static str,
    pub mail_copy_subject: &'static str,
    pub mail_copy_body: &'static str,
}

pub static VI: Texts = Texts {
    app_name: "OCOP Truy xuất",
    tagline: "Sản phẩm OCOP miền núi: nguồn gốc rõ ràng, bán khắp nơi.",
    switch_to: "English",
    nav_login: "Đăng nhập",
    nav_logout: "Đăng xuất",
    nav_staff: "Người bán",
    nav_seller_home: "Trang của tôi",
    nav_password: "Đổi mật khẩu",
    home_intro: "Nơi hợp tác xã, hộ kinh doanh và doanh nghiệp đăng ký sản phẩm OCOP, in tem truy xuất nguồn gốc và bán hàng trên các sàn thương mại điện tử.",
    home_staff: "Nhân viên bưu điện và người bán: đăng nhập để bắt đầu.",

    catalog_title: "Sản phẩm OCOP",
    catalog_search_placeholder: "Tên sản phẩm, ví dụ: mật ong",
    catalog_found: "{n} sản phẩm",
    catalog_empty: "Không có sản phẩm nào phù hợp. Hãy thử từ khóa khác hoặc bỏ bớt bộ lọc.",
    catalog_clear: "Bỏ lọc",
    filter_group: "Nhóm sản phẩm",
    filter_stars: "Hạng sao",
    filter_any: "Tất cả",
    stars_at_least: "Từ {n} sao",
    ocop_stars: "OCOP {n} sao",
    page_of: "Trang {n}/{m}",
    no_photo: "Chưa có ảnh",
    price: "Giá",
    shelf_life: "Hạn sử dụng",
    days: "{n} ngày",
    producer: "Cơ sở sản xuất",
    origin: "Xuất xứ",
    vietnam: "Việt Nam",
    in_stock: "Còn hàng",
    out_of_stock: "Hết hàng",
    certificate: "Chứng nhận OCOP",
    certificate_expired: "Chứng nhận OCOP của sản phẩm đã hết hạn ngày {date}.",
    seller_products: "Sản phẩm đang bán",

    login_title: "Đăng nhập",
    email: "Email",
    password: "Mật khẩu",
    login_submit: "Đăng nhập",
    login_failed: "Email hoặc mật khẩu không đúng.",
    forgot_link: "Quên mật khẩu?",

    reset_title: "Quên mật khẩu",
    reset_intro: "Nhập email của bạn. Nếu email có tài khoản, chúng tôi sẽ gửi liên kết đặt lại mật khẩu.",
    reset_submit: "Gửi liên kết",
    reset_sent: "Nếu email có tài khoản, liên kết đặt lại mật khẩu đã được gửi (hiệu lực 2 giờ).",
    reset_set_title: "Đặt mật khẩu mới",
    reset_done: "Đã đặt mật khẩu mới. Bạn có thể đăng nhập.",

    sellers_title: "Người bán",
    search_placeholder: "Tên, người đại diện, mã số thuế…",
    search: "Tìm",
    new_seller: "+ Thêm người bán",
    no_sellers: "Chưa có người bán nào.",
    prev_page: "‹ Trang trước",
    next_page: "Trang sau ›",
    col_name: "Tên",
    col_commune: "Xã/phường",
    col_status: "Trạng thái",

    seller_create_title: "Thêm người bán",
    seller_edit_title: "Sửa thông tin người bán",
    form_has_errors: "Vui lòng sửa các ô được đánh dấu bên dưới.",
    kind: "Loại hình",
    kind_htx: "Hợp tác xã (HTX)",
    kind_household: "Hộ kinh doanh",
    kind_enterprise: "Doanh nghiệp",
    legal_name: "Tên đầy đủ (theo giấy đăng ký)",
    short_name: "Tên ngắn",
    short_name_hint: "In trên tem, tối đa 40 ký tự.",
    tax_code: "Mã số thuế",
    tax_code_hint: "HTX, doanh nghiệp: 10 số (chi nhánh 10-3 số). Hộ kinh doanh: số định danh 12 số của chủ hộ. Có thể để trống nếu có số đăng ký kinh doanh.",
    business_reg_no: "Số giấy chứng nhận đăng ký kinh doanh",
    representative: "Người đại diện",
    phone: "Số điện thoại",
    zalo_phone: "Số Zalo",
    province: "Tỉnh/thành phố",
    commune: "Xã/phường",
    change_province: "Hiện các xã của tỉnh đã chọn",
    village: "Thôn/bản",
    former_district: "Huyện cũ (trước 1/7/2025)",
    gln: "Mã địa điểm toàn cầu (GLN)",
    bank_account: "Tài khoản ngân hàng",
    status: "Trạng thái",
    status_draft: "Nháp",
    status_active: "Đang hoạt động",
    status_suspended: "Tạm ngừng",
    consent: "Người bán đồng ý để bưu điện nhập, lưu và công bố thông tin sản phẩm này.",
    optional: "không bắt buộc",
    save: "Lưu",
    cancel: "Hủy",
    edit: "Sửa",
    saved: "Đã lưu.",

    members: "Thành viên",
    no_members: "Chưa có thành viên nào.",
    invitations: "Lời mời đã gửi",
    invite_title: "Mời thành viên",
    invite_hint: "Người được mời nhận email có liên kết đặt mật khẩu, dùng được một lần trong 72 giờ.",
    full_name: "Họ và tên",
    send_invite: "Gửi lời mời",
    invite_sent: "Đã gửi lời mời.",
    invite_pending: "Đang chờ",
    invite_used: "Đã nhận",
    invite_expired: "Hết hạn",
    history: "Lịch sử thay đổi",
    on_behalf: "nhân viên làm thay",
    audit_seller_created: "Tạo người bán",
    audit_seller_updated: "Sửa thông tin",
    audit_member_invited: "Mời thành viên",
    audit_invitation_accepted: "Thành viên nhận lời mời",
    audit_other: "Thay đổi khác",
    role_admin: "quản trị viên",
    role_staff: "nhân viên bưu điện",
    role_seller: "thành viên người bán",
    role_system: "hệ thống",

    accept_title: "Tạo tài khoản",
    accept_intro: "Bạn được mời tham gia quản lý người bán này trên OCOP. Đặt mật khẩu để đăng nhập.",
    password_confirm: "Nhập lại mật khẩu",
    password_hint: "Ít nhất 10 ký tự.",
    accept_submit: "Tạo tài khoản",
    link_invalid: "Liên kết không hợp lệ, đã được dùng hoặc đã hết hạn. Hãy nhờ nhân viên bưu điện gửi liên kết mới.",

    seller_home_title: "Trang người bán",
    seller_home_next: "Sắp có: tem truy xuất nguồn gốc.",
    your_org: "Đơn vị của bạn",

    products: "Sản phẩm",
    product: "Sản phẩm",
    no_products: "Chưa có sản phẩm nào.",
    add_product: "+ Thêm sản phẩm",
    product_new_title: "Thêm sản phẩm",
    product_edit_title: "Sửa sản phẩm",
    choose: "— Chọn —",
    none_option: "(không có)",
    name_vi: "Tên sản phẩm (tiếng Việt)",
    name_en: "Tên tiếng Anh",
    ocop_group: "Nhóm sản phẩm OCOP",
    ocop_subgroup: "Phân nhóm",
    group_food: "Thực phẩm",
    group_drinks: "Đồ uống",
    group_herbal: "Thảo dược",
    group_handicrafts: "Vải, may mặc và thủ công mỹ nghệ",
    group_ornamental: "Sinh vật cảnh",
    group_tourism: "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
    description: "Mô tả sản phẩm",
    story: "Câu chuyện sản phẩm",
    story_hint: "Người làm ra sản phẩm, vùng đất, cách làm: người mua sẽ đọc.",
    ingredients: "Thành phần",
    unit: "Đơn vị tính",
    unit_g: "gam (g)",
    unit_kg: "ki-lô-gam (kg)",
    unit_ml: "mi-li-lít (ml)",
    unit_l: "lít (l)",
    unit_item: "cái, chiếc, suất",
    unit_item_short: "cái",
    net_quantity: "Khối lượng/thể tích tịnh",
    net_quantity_hint: "Ví dụ: 500 hoặc 1,5",
    pack_type: "Quy cách đóng gói",
    pack_type_hint: "Ví dụ: hũ thủy tinh, túi hút chân không",
    packed_weight_g: "Khối lượng cả bao bì (gam)",
    packed_weight_hint: "Dùng để tính phí gửi hàng.",
    dimensions: "Kích thước kiện hàng (cm)",
    length_cm: "Dài",
    width_cm: "Rộng",
    height_cm: "Cao",
    price_vnd: "Giá bán (đồng)",
    price_hint: "Ví dụ: 150.000",
    stock: "Số lượng còn trong kho",
    gtin: "Mã vạch (GTIN)",
    gtin_hint: "8, 12, 13 hoặc 14 chữ số in dưới mã vạch.",
    shelf_life_days: "Hạn sử dụng (số ngày)",
    storage: "Cách bảo quản",
    planting_area_code: "Mã số vùng trồng",
    product_status_hint: "Chỉ sản phẩm “Đang bán” mới hiện trong danh mục công khai.",
    product_listed: "Đang bán",
    product_unlisted: "Tạm ẩn",
    view_public: "Xem trang công khai",
    back_to_products: "‹ Về danh sách sản phẩm",
    back_to_product: "‹ Về sản phẩm",
    photos: "Ảnh sản phẩm",
    no_photos: "Chưa có ảnh.",
    main_photo: "Ảnh chính",
    move_up: "Đưa lên trước",
    move_down: "Đưa xuống sau",
    delete: "Xóa",
    add_photo: "Thêm ảnh",
    take_photo: "Chụp ảnh bằng máy ảnh",
    pick_photo: "hoặc chọn ảnh có sẵn trong máy",
    photo_hint: "JPEG, PNG hoặc WebP, tối đa 10 MB. Ảnh đầu tiên là ảnh chính.",
    upload: "Tải lên",
    certificates: "Giấy chứng nhận OCOP",
    no_certificates: "Chưa có giấy chứng nhận.",
    add_certificate: "Thêm giấy chứng nhận",
    stars: "Số sao",
    stars_unit: "sao",
    score: "Điểm đánh giá",
    score_hint: "Từ 0 đến 100.",
    decision_no: "Số quyết định",
    decision_no_hint: "Ví dụ: 1234/QĐ-UBND",
    issued_by: "Cơ quan cấp",
    issuer_province: "UBND tỉnh",
    issuer_central: "Trung ương",
    issued_on: "Ngày cấp",
    valid_until: "Hiệu lực đến",
    valid_until_hint: "Để trống: 36 tháng kể từ ngày cấp.",
    cert_valid: "Còn hiệu lực",
    cert_expired: "Hết hiệu lực",
    cert_pending: "Chưa có hiệu lực",
    document: "Bản chụp quyết định",
    document_hint: "PDF hoặc ảnh, tối đa 10 MB.",
    view_document: "Xem bản chụp",
    lots: "Lô hàng",
    lot: "Lô",
    no_lots: "Chưa có lô hàng nào.",
    add_lot: "Thêm lô hàng",
    lot_edit_title: "Sửa lô hàng",
    lot_code: "Mã lô",
    lot_code_hint: "Ví dụ: NX-2025-10 (chữ, số và - _ . /).",
    produced_on: "Ngày sản xuất/thu hoạch",
    produced_short: "NSX",
    packed_on: "Ngày đóng gói",
    best_before: "Hạn sử dụng đến",
    best_before_short: "HSD",
    quantity: "Số lượng",
    quantity_unit: "Đơn vị của số lượng",
    quantity_unit_hint: "Ví dụ: hũ, kg",
    origin_commune: "Xã nơi sản xuất (Thanh Hóa)",
    origin_place: "Nơi sản xuất cụ thể",
    origin_place_hint: "Ví dụ: Rừng bản Khạn",
    lot_active: "Đang lưu hành",
    lot_held: "Tạm dừng",
    lot_recalled: "Thu hồi",
    lot_status_title: "Trạng thái lô",
    status_reason: "Lý do",
    status_reason_hint: "Bắt buộc khi tạm dừng hoặc thu hồi; người mua quét tem sẽ thấy lý do này.",
    update_status: "Cập nhật trạng thái",
    events: "Hành trình của lô",
    no_events: "Chưa có sự kiện nào.",
    add_event: "Ghi sự kiện",
    event_kind: "Loại sự kiện",
    kind_planting: "Gieo trồng",
    kind_input: "Vật tư đầu vào",
    kind_harvest: "Thu hoạch",
    kind_processing: "Chế biến",
    kind_packing: "Đóng gói",
    kind_lab_test: "Kiểm nghiệm",
    kind_storage: "Bảo quản, lưu kho",
    kind_shipping: "Vận chuyển",
    kind_other: "Khác",
    happened_at: "Thời gian",
    place: "Địa điểm",
    event_actor: "Người thực hiện",
    event_actor_hint: "Ví dụ: Tổ thu hoạch bản Khạn",
    note: "Ghi chú",
    attachment: "Tệp đính kèm",
    view_attachment: "Xem tệp đính kèm",
    corrects: "Sửa sự kiện",
    corrects_hint: "Sự kiện đã ghi không sửa được. Nếu ghi sai, hãy ghi một sự kiện mới và chọn sự kiện sai ở đây.",
    corrected_by_event: "đã được sửa bởi sự kiện",
    corrects_event: "sửa sự kiện",
    audit_product_created: "Thêm sản phẩm",
    audit_product_updated: "Sửa sản phẩm",
    audit_photo_added: "Thêm ảnh",
    audit_photo_removed: "Xóa ảnh",
    audit_photos_reordered: "Đổi thứ tự ảnh",
    audit_certificate_added: "Thêm giấy chứng nhận",
    audit_lot_created: "Thêm lô hàng",
    audit_lot_updated: "Sửa lô hàng",
    audit_lot_status: "Đổi trạng thái lô",
    audit_event_recorded: "Ghi sự kiện của lô",

    password_title: "Đổi mật khẩu",
    current_password: "Mật khẩu hiện tại",
    new_password: "Mật khẩu mới",
    password_changed: "Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.",
    wrong_current_password: "Mật khẩu hiện tại không đúng.",

    error_title: "Có lỗi",
    error_not_found: "Không tìm thấy trang hoặc bạn không có quyền xem.",
    error_forbidden: "Bạn không có quyền làm việc này.",
    error_bad_request: "Yêu cầu không hợp lệ.",
    error_internal: "Đã có lỗi xảy ra phía máy chủ. Vui lòng thử lại sau.",
    error_too_large: "Dữ liệu gửi lên quá lớn.",
    back_home: "Về trang chủ",

    mail_invite_subject: "Lời mời tham gia OCOP",
    mail_invite_body: "Xin chào {name},\n\n{inviter} mời bạn tham gia quản lý \"{seller}\" trên OCOP.\nMở liên kết sau để đặt mật khẩu (dùng được một lần, trong 72 giờ):\n\n{link}\n\nNếu bạn không mong đợi email này, hãy bỏ qua.",
    mail_reset_subject: "Đặt lại mật khẩu OCOP",
    mail_reset_body: "Xin chào {name},\n\nMở liên kết sau để đặt mật khẩu mới (dùng được một lần, trong 2 giờ):\n\n{link}\n\nNếu bạn không yêu cầu, hãy bỏ qua email này; mật khẩu cũ vẫn dùng được.",
    scan_title: "Truy xuất nguồn gốc",
    outcome_genuine: "Chính hãng",
    outcome_genuine_note: "Tem thật, sản phẩm được đăng ký trên hệ thống OCOP.",
    outcome_not_activated: "Tem chưa kích hoạt",
    outcome_not_activated_note: "Tem thật nhưng chưa được gắn với lô hàng nào. Hãy hỏi người bán.",
    outcome_void: "Tem đã bị hủy",
    outcome_void_note: "Người bán đã hủy tem này. Không nên mua sản phẩm mang tem này.",
    outcome_recalled: "Lô hàng bị thu hồi",
    outcome_held: "Lô hàng đang bị tạm giữ",
    outcome_recall_note: "Không dùng sản phẩm của lô này. Lý do:",
    outcome_certificate_expired: "Chứng nhận OCOP đã hết hạn",
    outcome_certificate_expired_note: "Tem thật, nhưng chứng nhận OCOP của sản phẩm đã hết hiệu lực.",
    outcome_possible_copy: "Có thể là tem sao chép",
    outcome_possible_copy_note: "Tem này đã được quét quá nhiều lần hoặc từ nhiều nơi khác nhau. Có thể là hàng giả: hãy hỏi người bán.",
    outcome_not_genuine: "Không phải tem thật",
    outcome_not_genuine_note: "Mã này không do hệ thống OCOP phát hành. Sản phẩm có thể là hàng giả.",
    scan_code: "Mã tem",
    scan_journey: "Hành trình lô hàng",
    scan_count: "Số lần quét",
    scan_first: "lần đầu ngày",
    scan_lot: "Lô hàng",
    scan_activate: "Kích hoạt tem này cho lô hàng",
    scan_activate_submit: "Kích hoạt",
    mail_copy_subject: "Cảnh báo: tem có thể bị sao chép",
    mail_copy_body: "Xin chào {name},\n\nTem {code} của {seller} đã được quét {scans} lần, từ {networks} mạng khác nhau trong 24 giờ qua. Có thể tem đã bị sao chép.\nNgười mua quét tem này đang thấy cảnh báo \"có thể là hàng giả\". Hãy kiểm tra tại:\n\n{link}\n\nNếu đúng là tem bị sao chép, hãy hủy tem đó.",
    mail_expiry_subject: "Chứng nhận OCOP sắp hết hạn",
    mail_expiry_body: "Xin chào {name},\n\nChứng nhận OCOP {stars} sao của sản phẩm \"{product}\" ({seller}), quyết định số {decision}, hết hạn ngày {until}: còn {days} ngày.\nSau ngày đó, sản phẩm không còn hiện số sao trên trang bán hàng và trên tem.\nHãy chuẩn bị hồ sơ đánh giá lại và cập nhật chứng nhận mới tại:\n\n{link}",
};

pub static EN: Texts = Texts {
    app_name: "OCOP Trace",
    tagline: "Mountain OCOP products: proven origin, sold everywhere.",
    switch_to: "Tiếng Việt",
    nav_login: "Log in",
    nav_logout: "Log out",
    nav_staff: "Sellers",
    nav_seller_home: "My page",
    nav_password: "Change password",
    home_intro: "Where cooperatives, household businesses and enterprises register OCOP products, print traceability stamps and sell on e-commerce marketplaces.",
    home_staff: "Post-office staff and sellers: log in to start.",

    catalog_title: "OCOP products",
    catalog_search_placeholder: "Product name, e.g. honey (mật ong)",
    catalog_found: "{n} products",
    catalog_empty: "No products match. Try other words or fewer filters.",
    catalog_clear: "Clear filters",
    filter_group: "Product group",
    filter_stars: "Stars",
    filter_any: "All",
    stars_at_least: "{n} stars or more",
    ocop_stars: "{n}-star OCOP",
    page_of: "Page {n} of {m}",
    no_photo: "No photo yet",
    price: "Price",
    shelf_life: "Shelf life",
    days: "{n} days",
    producer: "Producer",
    origin: "Origin",
    vietnam: "Vietnam",
    in_stock: "In stock",
    out_of_stock: "Out of stock",
    certificate: "OCOP certificate",
    certificate_expired: "This product's OCOP certificate expired on {date}.",
    seller_products: "Products for sale",

    login_title: "Log in",
    email: "Email",
    password: "Password",
    login_submit: "Log in",
    login_failed: "Wrong email or password.",
    forgot_link: "Forgot your password?",

    reset_title: "Forgot password",
    reset_intro: "Enter your email. If it has an account, we will send a link to set a new password.",
    reset_submit: "Send link",
    reset_sent: "If the email has an account, a link to set a new password has been sent (valid for 2 hours).",
    reset_set_title: "Set a new password",
    reset_done: "Your new password is set. You can log in.",

    sellers_title: "Sellers",
    search_placeholder: "Name, representative, tax code…",
    search: "Search",
    new_seller: "+ Add seller",
    no_sellers: "No sellers yet.",
    prev_page: "‹ Previous",
    next_page: "Next ›",
    col_name: "Name",
    col_commune: "Commune",
    col_status: "Status",

    seller_create_title: "Add a seller",
    seller_edit_title: "Edit seller",
    form_has_errors: "Please correct the fields marked below.",
    kind: "Kind",
    kind_htx: "Cooperative (HTX)",
    kind_household: "Household business",
    kind_enterprise: "Enterprise",
    legal_name: "Legal name (as registered)",
    short_name: "Short name",
    short_name_hint: "Printed on stamps, at most 40 characters.",
    tax_code: "Tax code",
    tax_code_hint: "Cooperatives, enterprises: 10 digits (branch 10-3). Household businesses: the head's 12-digit personal ID. May be empty when a business registration number is given.",
    business_reg_no: "Business registration number",
    representative: "Representative",
    phone: "Phone",
    zalo_phone: "Zalo number",
    province: "Province",
    commune: "Commune",
    change_province: "Show communes of the chosen province",
    village: "Village (thôn/bản)",
    former_district: "Former district (before 1 July 2025)",
    gln: "Global Location Number (GLN)",
    bank_account: "Bank account",
    status: "Status",
    status_draft: "Draft",
    status_active: "Active",
    status_suspended: "Suspended",
    consent: "The seller agrees that the post office enters, keeps and publishes this information.",
    optional: "optional",
    save: "Save",
    cancel: "Cancel",
    edit: "Edit",
    saved: "Saved.",

    members: "Members",
    no_members: "No members yet.",
    invitations: "Invitations sent",
    invite_title: "Invite a member",
    invite_hint: "The person receives an email with a link to set a password, usable once within 72 hours.",
    full_name: "Full name",
    send_invite: "Send invitation",
    invite_sent: "Invitation sent.",
    invite_pending: "Pending",
    invite_used: "Accepted",
    invite_expired: "Expired",
    history: "Change history",
    on_behalf: "staff acting for the seller",
    audit_seller_created: "Seller created",
    audit_seller_updated: "Details changed",
    audit_member_invited: "Member invited",
    audit_invitation_accepted: "Invitation accepted",
    audit_other: "Other change",
    role_admin: "admin",
    role_staff: "post-office staff",
    role_seller: "seller member",
    role_system: "system",

    accept_title: "Create your account",
    accept_intro: "You are invited to help manage this seller on OCOP. Set a password to log in.",
    password_confirm: "Repeat the password",
    password_hint: "At least 10 characters.",
    accept_submit: "Create account",
    link_invalid: "This link is invalid, already used or expired. Ask the post-office staff for a new one.",

    seller_home_title: "Seller home",
    seller_home_next: "Coming next: traceability stamps.",
    your_org: "Your organisation",

    products: "Products",
    product: "Product",
    no_products: "No products yet.",
    add_product: "+ Add product",
    product_new_title: "Add a product",
    product_edit_title: "Edit product",
    choose: "— Choose —",
    none_option: "(none)",
    name_vi: "Product name (Vietnamese)",
    name_en: "English name",
    ocop_group: "OCOP product group",
    ocop_subgroup: "Subgroup",
    group_food: "Food",
    group_drinks: "Drinks",
    group_herbal: "Herbal products",
    group_handicrafts: "Textiles, garments and handicrafts",
    group_ornamental: "Ornamental plants and animals",
    group_tourism: "Community tourism, eco-tourism and tourist sites",
    description: "Description",
    story: "Product story",
    story_hint: "Who makes it, the land, how it is made: buyers will read it.",
    ingredients: "Ingredients",
    unit: "Unit",
    unit_g: "grams (g)",
    unit_kg: "kilograms (kg)",
    unit_ml: "millilitres (ml)",
    unit_l: "litres (l)",
    unit_item: "items, pieces, servings",
    unit_item_short: "pcs",
    net_quantity: "Net quantity",
    net_quantity_hint: "e.g. 500 or 1.5",
    pack_type: "Packaging",
    pack_type_hint: "e.g. glass jar, vacuum bag",
    packed_weight_g: "Packed weight (grams)",
    packed_weight_hint: "Used to work out shipping costs.",
    dimensions: "Parcel size (cm)",
    length_cm: "Length",
    width_cm: "Width",
    height_cm: "Height",
    price_vnd: "Price (VND)",
    price_hint: "e.g. 150000",
    stock: "In stock",
    gtin: "Barcode (GTIN)",
    gtin_hint: "The 8, 12, 13 or 14 digits under the barcode.",
    shelf_life_days: "Shelf life (days)",
    storage: "Storage",
    planting_area_code: "Planting area code",
    product_status_hint: "Only “Listed” products show in the public catalogue.",
    product_listed: "Listed",
    product_unlisted: "Unlisted",
    view_public: "View public page",
    back_to_products: "‹ Back to products",
    back_to_product: "‹ Back to the product",
    photos: "Photos",
    no_photos: "No photos yet.",
    main_photo: "Main photo",
    move_up: "Move up",
    move_down: "Move down",
    delete: "Delete",
    add_photo: "Add a photo",
    take_photo: "Take a photo with the camera",
    pick_photo: "or choose a photo already on the phone",
    photo_hint: "JPEG, PNG or WebP, at most 10 MB. The first photo is the main one.",
    upload: "Upload",
    certificates: "OCOP certificates",
    no_certificates: "No certificates yet.",
    add_certificate: "Add a certificate",
    stars: "Stars",
    stars_unit: "stars",
    score: "Evaluation score",
    score_hint: "From 0 to 100.",
    decision_no: "Decision number",
    decision_no_hint: "e.g. 1234/QĐ-UBND",
    issued_by: "Issued by",
    issuer_province: "Provincial People's Committee",
    issuer_central: "Central government",
    issued_on: "Issued on",
    valid_until: "Valid until",
    valid_until_hint: "Empty: 36 months from the issue date.",
    cert_valid: "Valid",
    cert_expired: "Expired",
    cert_pending: "Not yet in force",
    document: "Scan of the decision",
    document_hint: "PDF or image, at most 10 MB.",
    view_document: "View scan",
    lots: "Lots",
    lot: "Lot",
    no_lots: "No lots yet.",
    add_lot: "Add a lot",
    lot_edit_title: "Edit lot",
    lot_code: "Lot code",
    lot_code_hint: "e.g. NX-2025-10 (letters, digits and - _ . /).",
    produced_on: "Produced or harvested on",
    produced_short: "Made",
    packed_on: "Packed on",
    best_before: "Best before",
    best_before_short: "Best before",
    quantity: "Quantity",
    quantity_unit: "Unit of the quantity",
    quantity_unit_hint: "e.g. jars, kg",
    origin_commune: "Commune of origin (Thanh Hóa)",
    origin_place: "Place of origin",
    origin_place_hint: "e.g. Bản Khạn forest",
    lot_active: "Active",
    lot_held: "On hold",
    lot_recalled: "Recalled",
    lot_status_title: "Lot status",
    status_reason: "Reason",
    status_reason_hint: "Required to hold or recall; buyers who scan the stamp see it.",
    update_status: "Update status",
    events: "The lot's journey",
    no_events: "No events yet.",
    add_event: "Record an event",
    event_kind: "Kind of event",
    kind_planting: "Planting",
    kind_input: "Inputs",
    kind_harvest: "Harvest",
    kind_processing: "Processing",
    kind_packing: "Packing",
    kind_lab_test: "Lab test",
    kind_storage: "Storage",
    kind_shipping: "Shipping",
    kind_other: "Other",
    happened_at: "When",
    place: "Place",
    event_actor: "Done by",
    event_actor_hint: "e.g. Bản Khạn harvest team",
    note: "Note",
    attachment: "Attachment",
    view_attachment: "View attachment",
    corrects: "Corrects event",
    corrects_hint: "Recorded events cannot be edited. If one is wrong, record a new event and pick the wrong one here.",
    corrected_by_event: "corrected by event",
    corrects_event: "corrects event",
    audit_product_created: "Product added",
    audit_product_updated: "Product edited",
    audit_photo_added: "Photo added",
    audit_photo_removed: "Photo removed",
    audit_photos_reordered: "Photos reordered",
    audit_certificate_added: "Certificate added",
    audit_lot_created: "Lot added",
    audit_lot_updated: "Lot edited",
    audit_lot_status: "Lot status changed",
    audit_event_recorded: "Lot event recorded",

    password_title: "Change password",
    current_password: "Current password",
    new_password: "New password",
    password_changed: "Password changed. Your other sessions were logged out.",
    wrong_current_password: "The current password is wrong.",

    error_title: "Something went wrong",
    error_not_found: "Page not found, or you may not see it.",
    error_forbidden: "You are not allowed to do this.",
    error_bad_request: "The request is not valid.",
    error_internal: "The server had a problem. Please try again later.",
    error_too_large: "What you sent is too large.",
    back_home: "Back to the home page",

    mail_invite_subject: "Your invitation to OCOP",
    mail_invite_body: "Hello {name},\n\n{inviter} invites you to help manage \"{seller}\" on OCOP.\nOpen this link to set your password (usable once, within 72 hours):\n\n{link}\n\nIf you did not expect this email, ignore it.",
    mail_reset_subject: "Reset your OCOP password",
    mail_reset_body: "Hello {name},\n\nOpen this link to set a new password (usable once, within 2 hours):\n\n{link}\n\nIf you did not ask for this, ignore this email; your old password still works.",
    scan_title: "Product origin",
    outcome_genuine: "Genuine",
    outcome_genuine_note: "A genuine stamp of a product registered in the OCOP system.",
    outcome_not_activated: "Stamp not yet activated",
    outcome_not_activated_note: "A genuine stamp that is not tied to a lot yet. Ask the seller.",
    outcome_void: "Stamp voided",
    outcome_void_note: "The seller voided this stamp. Do not buy a product that carries it.",
    outcome_recalled: "Lot recalled",
    outcome_held: "Lot on hold",
    outcome_recall_note: "Do not use products of this lot. Reason:",
    outcome_certificate_expired: "OCOP certificate expired",
    outcome_certificate_expired_note: "A genuine stamp, but the product's OCOP certificate is no longer in force.",
    outcome_possible_copy: "Possible copy",
    outcome_possible_copy_note: "This stamp was scanned too often or from too many places. It may be counterfeit: ask the seller.",
    outcome_not_genuine: "Not a genuine stamp",
    outcome_not_genuine_note: "This code was not issued by the OCOP system. The product may be counterfeit.",
    scan_code: "Stamp code",
    scan_journey: "The lot's journey",
    scan_count: "Scans",
    scan_first: "first on",
    scan_lot: "Lot",
    scan_activate: "Activate this stamp for a lot",
    scan_activate_submit: "Activate",
    mail_copy_subject: "Warning: a stamp may have been copied",
    mail_copy_body: "Hello {name},\n\nStamp {code} of {seller} has been scanned {scans} times, from {networks} different networks in the last 24 hours. It may have been copied.\nBuyers who scan it now see a \"possible copy\" warning. Check it at:\n\n{link}\n\nIf the stamp was copied, void it.",
    mail_expiry_subject: "OCOP certificate expiring soon",
    mail_expiry_body: "Hello {name},\n\nThe {stars}-star OCOP certificate of \"{product}\" ({seller}), decision {decision}, expires on {until}: {days} days from now.\nAfter that date the product no longer shows its stars on its page or on its stamps.\nPrepare the re-evaluation and record the new certificate at:\n\n{link}",
};

impl Texts {
    /// The label of a seller kind code.
    pub fn seller_kind(&self, kind: &str) -> &'static str {
        match kind {
            "htx" => self.kind_htx,
            "household" => self.kind_household,
            "enterprise" => self.kind_enterprise,
            _ => "",
        }
    }

    /// What an audit-log action code means.
    pub fn audit_action(&self, action: &str) -> &'static str {
        match action {
            "seller_created" => self.audit_seller_created,
            "seller_updated" => self.audit_seller_updated,
            "member_invited" => self.audit_member_invited,
            "invitation_accepted" => self.audit_invitation_accepted,
            "product_created" => self.audit_product_created,
            "product_updated" => self.audit_product_updated,
            "photo_added" => self.audit_photo_added,
            "photo_removed" => self.audit_photo_removed,
            "photos_reordered" => self.audit_photos_reordered,
            "certificate_added" => self.audit_certificate_added,
            "lot_created" => self.audit_lot_created,
            "lot_updated" => self.audit_lot_updated,
            "lot_active" | "lot_held" | "lot_recalled" => self.audit_lot_status,
            "event_recorded" => self.audit_event_recorded,
            _ => self.audit_other,
        }
    }

    /// The label of a role code, as the history shows who acted.
    pub fn role(&self, role: &str) -> &'static str {
        match role {
            "admin" => self.role_admin,
            "staff" => self.role_staff,
            "seller" => self.role_seller,
            _ => self.role_system,
        }
    }

    /// The headline and explanation of a scan outcome.
    pub fn outcome(&self, outcome: crate::domain::ScanOutcome) -> (&'static str, &'static str) {
        use crate::domain::ScanOutcome as O;
        match outcome {
            O::Genuine => (self.outcome_genuine, self.outcome_genuine_note),
            O::NotActivated => (self.outcome_not_activated, self.outcome_not_activated_note),
            O::Void => (self.outcome_void, self.outcome_void_note),
            O::Recalled => (self.outcome_recalled, self.outcome_recall_note),
            O::Held => (self.outcome_held, self.outcome_recall_note),
            O::CertificateExpired => (
                self.outcome_certificate_expired,
                self.outcome_certificate_expired_note,
            ),
            O::PossibleCopy => (self.outcome_possible_copy, self.outcome_possible_copy_note),
            O::NotGenuine => (self.outcome_not_genuine, self.outcome_not_genuine_note),
        }
    }

    /// The label of a seller status code.
    pub fn seller_status(&self, status: &str) -> &'static str {
        match status {
            "draft" => self.status_draft,
            "active" => self.status_active,
            "suspended" => self.status_suspended,
            _ => "",
        }
    }
}

/// Labels of the catalogue's codes (products, certificates, lots, events).
impl Texts {
    /// The label of a product status code.
    pub fn product_status(&self, status: &str) -> &'static str {
        match status {
            "draft" => self.status_draft,
            "listed" => self.product_listed,
            "unlisted" => self.product_unlisted,
            _ => "",
        }
    }

    /// The label of an OCOP group code.
    pub fn ocop_group_name(&self, group: &str) -> &'static str {
        match group {
            "food" => self.group_food,
            "drinks" => self.group_drinks,
            "herbal" => self.group_herbal,
            "handicrafts" => self.group_handicrafts,
            "ornamental" => self.group_ornamental,
            "tourism" => self.group_tourism,
            _ => "",
        }
    }

    /// The label of a unit code, as the unit select offers it.
    pub fn unit_name(&self, unit: &str) -> &'static str {
        match unit {
            "g" => self.unit_g,
            "kg" => self.unit_kg,
            "ml" => self.unit_ml,
            "l" => self.unit_l,
            "item" => self.unit_item,
            _ => "",
        }
    }

    /// The label of a certificate issuer code.
    pub fn issuer(&self, issuer: &str) -> &'static str {
        match issuer {
            "province" => self.issuer_province,
            "central" => self.issuer_central,
            _ => "",
        }
    }

    /// The label of a certificate state: `valid`, `expired` or `pending`.
    pub fn cert_state(&self, state: &str) -> &'static str {
        match state {
            "valid" => self.cert_valid,
            "pending" => self.cert_pending,
            _ => self.cert_expired,
        }
    }

    /// The label of a lot status code.
    pub fn lot_status(&self, status: &str) -> &'static str {
        match status {
            "active" => self.lot_active,
            "held" => self.lot_held,
            "recalled" => self.lot_recalled,
            _ => "",
        }
    }

    /// The label of a trace-event kind code.
    pub fn event_kind(&self, kind: &str) -> &'static str {
        match kind {
            "planting" => self.kind_planting,
            "input" => self.kind_input,
            "harvest" => self.kind_harvest,
            "processing" => self.kind_processing,
            "packing" => self.kind_packing,
            "lab_test" => self.kind_lab_test,
            "storage" => self.kind_storage,
            "shipping" => self.kind_shipping,
            _ => self.kind_other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_vietnamese_unless_english_ranks_higher() {
        assert_eq!(Lang::from_accept_language(""), Lang::Vi);
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("vi-VN,vi;q=0.9,en;q=0.8"),
            Lang::Vi
        );
        assert_eq!(Lang::from_accept_language("fr,en;q=0.5,vi;q=0.4"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr"), Lang::Vi);
    }
}
