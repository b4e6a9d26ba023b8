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
    seller_home_next: "Sắp có: sản phẩm, lô hàng và tem truy xuất nguồn gốc.",
    your_org: "Đơn vị của bạn",

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
    seller_home_next: "Coming next: products, lots and traceability stamps.",
    your_org: "Your organisation",

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
