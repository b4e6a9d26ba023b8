//! Demo data telling the Quan Hóa story: the post office that now serves
//! xã Hồi Xuân, one staff member, and three sellers with a member each.
//! Running it again changes nothing: every record is looked up first.

use serde::Serialize;

use crate::db::DbConn;
use crate::db::models::{
    Lot, NewPostOffice, NewUser, PostOffice, Seller, Stamp, StampRun, User, now,
};
use crate::domain::{Role, ScanOutcome};
use crate::error::AppError;
use crate::services::catalog::{self, CertificateInput, ProductInput};
use crate::services::lots::{self, EventInput, LotInput, LotStatusInput};
use crate::services::sellers::{self, SellerInput};
use crate::services::stamps::{self, RunInput, StampKeys};
use crate::services::{Actor, accounts, media};

/// Demo logins are public knowledge: never run `demo` on a real instance.
pub const STAFF_EMAIL: &str = "nhanvien@buudien-quanhoa.vn";
pub const STAFF_PASSWORD: &str = "buudien-quanhoa";
pub const ADMIN_EMAIL: &str = "admin@ocop.local";
pub const ADMIN_PASSWORD: &str = "quantri-ocop-2025";

#[derive(Debug, Clone, Serialize)]
pub struct Login {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SellerLogin {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub password: String,
}

/// A demo product and its lots, for `ocop demo --json`.
#[derive(Debug, Clone, Serialize)]
pub struct DemoProduct {
    pub id: i64,
    pub seller_id: i64,
    pub name: String,
    pub slug: String,
    pub lots: Vec<DemoLot>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoLot {
    pub id: i64,
    pub code: String,
}

/// A demo stamp to scan, for `ocop demo --json`: its code, the URL printed
/// in its QR code, and what a scan of it says.
#[derive(Debug, Clone, Serialize)]
pub struct DemoStamp {
    pub code: String,
    pub url: String,
    /// `genuine`, `not_activated` or `recalled`.
    pub outcome: &'static str,
}

/// What `ocop demo --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct DemoLogins {
    pub admin: Login,
    pub staff: Login,
    pub sellers: Vec<SellerLogin>,
}

struct DemoSeller {
    input: SellerInput,
    member_email: &'static str,
    member_name: &'static str,
    member_password: &'static str,
}

fn demo_sellers() -> Vec<DemoSeller> {
    let base = |kind: &str,
                legal: &str,
                short: &str,
                tax: &str,
                rep: &str,
                phone: &str,
                commune: &str,
                village: &str| SellerInput {
        kind: kind.into(),
        legal_name: legal.into(),
        short_name: short.into(),
        tax_code: tax.into(),
        representative: rep.into(),
        phone: phone.into(),
        zalo_phone: phone.into(),
        commune_code: commune.into(),
        village: village.into(),
        former_district: "huyện Quan Hóa".into(),
        consent: true,
        ..Default::default()
    };
    vec![
        DemoSeller {
            input: base(
                "htx",
                "Hợp tác xã Nông lâm nghiệp Nam Xuân",
                "HTX Nam Xuân",
                "2801234564",
                "Hà Văn Thắng",
                "0912 345 678",
                "14902",
                "Bản Khạn",
            ),
            member_email: "htx.namxuan@example.vn",
            member_name: "Hà Văn Thắng",
            member_password: "mat-ong-rung-nam-xuan",
        },
        DemoSeller {
            input: base(
                "household",
                "Hộ kinh doanh Phạm Thị Lan",
                "Cơm lam Phú Lệ",
                "038185001234",
                "Phạm Thị Lan",
                "0987 654 321",
                "14878",
                "Bản Phú Lệ",
            ),
            member_email: "comlam.phule@example.vn",
            member_name: "Phạm Thị Lan",
            member_password: "com-lam-phu-le-2025",
        },
        DemoSeller {
            input: base(
                "household",
                "Hộ kinh doanh Lò Văn Pọm",
                "Chè Thiên Phủ",
                "038090004567",
                "Lò Văn Pọm",
                "0868 112 233",
                "14908",
                "Bản Bâu",
            ),
            member_email: "che.thienphu@example.vn",
            member_name: "Lò Văn Pọm",
            member_password: "che-shan-tuyet-2025",
        },
    ]
}

/// Creates whatever of the demo data is missing and returns the logins.
pub fn seed(conn: &mut DbConn) -> Result<DemoLogins, AppError> {
    conn.transaction(|conn| {
        let office = match PostOffice::find_by_name(conn, "Bưu điện Quan Hóa")? {
            Some(o) => o,
            None => PostOffice::insert(
                conn,
                &NewPostOffice {
                    name: "Bưu điện Quan Hóa",
                    commune_code: 14869,
                    address: "Khu 1, xã Hồi Xuân, tỉnh Thanh Hóa",
                    created_at: now(),
                },
            )?,
        };
        if User::find_by_email(conn, ADMIN_EMAIL)?.is_none() {
            accounts::create_user(
                conn,
                ADMIN_EMAIL,
                "Quản trị OCOP",
                Role::Admin,
                None,
                ADMIN_PASSWORD,
            )?;
        }
        let staff = match User::find_by_email(conn, STAFF_EMAIL)? {
            Some(u) => u,
            None => accounts::create_user(
                conn,
                STAFF_EMAIL,
                "Lường Thị Hoa",
                Role::Staff,
                Some(office.id),
                STAFF_PASSWORD,
            )?,
        };
        let actor = Actor {
            user_id: staff.id,
            role: Role::Staff,
            seller_id: None,
            post_office_id: Some(office.id),
        };
        let mut logins = Vec::new();
        for demo in demo_sellers() {
            let seller = match Seller::find_by_tax_code(conn, &demo.input.tax_code)? {
                Some(s) => s,
                None => sellers::create(conn, &actor, &demo.input)?,
            };
            if User::find_by_email(conn, demo.member_email)?.is_none() {
                let hash = crate::auth::password::hash(demo.member_password)
                    .map_err(AppError::internal)?;
                let at = now();
                User::insert(
                    conn,
                    &NewUser {
                        email: demo.member_email,
                        name: demo.member_name,
                        phone: Some(&seller.phone),
                        role: Role::Seller.as_str(),
                        seller_id: Some(seller.id),
                        post_office_id: None,
                        password_hash: &hash,
                        token_version: 0,
                        active: true,
                        created_at: at,
                        updated_at: at,
                    },
                )?;
            }
            logins.push(SellerLogin {
                id: seller.id,
                name: seller.short_name,
                email: demo.member_email.to_owned(),
                password: demo.member_password.to_owned(),
            });
        }
        Ok(DemoLogins {
            admin: Login {
                email: ADMIN_EMAIL.into(),
                password: ADMIN_PASSWORD.into(),
            },
            staff: Login {
                email: STAFF_EMAIL.into(),
                password: STAFF_PASSWORD.into(),
            },
            sellers: logins,
        })
    })
}

/// One believable Quan Hóa product: what it is, its certificate and a lot
/// with its journey.
struct DemoItem {
    seller: usize,
    name: &'static str,
    name_en: &'static str,
    group: &'static str,
    subgroup: &'static str,
    description: &'static str,
    story: &'static str,
    unit: &'static str,
    quantity: &'static str,
    pack: &'static str,
    weight_g: &'static str,
    price: &'static str,
    stars: &'static str,
    issued_on: &'static str,
    decision: &'static str,
    lot: &'static str,
    events: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

const ITEMS: &[DemoItem] = &[
    DemoItem {
        seller: 0,
        name: "Mật ong rừng Nam Xuân",
        name_en: "Nam Xuan wild forest honey",
        group: "food",
        subgroup: "honey",
        description: "Mật ong hoa rừng nguyên chất, thu hoạch thủ công từ các tổ ong khoái trên núi đá vôi xã Nam Xuân.",
        story: "Người Thái bản Khạn giữ nghề lấy mật ong khoái từ đời ông bà, chỉ thu hoạch một lần mỗi mùa hoa để đàn ong sống khỏe.",
        unit: "ml",
        quantity: "500",
        pack: "chai thủy tinh",
        weight_g: "850",
        price: "250.000",
        stars: "4",
        issued_on: "2024-09-16",
        decision: "2517/QĐ-UBND",
        lot: "NX-MO-2025-10",
        events: &[
            (
                "harvest",
                "2025-10-02T06:30",
                "Rừng bản Khạn, xã Nam Xuân",
                "Tổ thu hoạch bản Khạn",
            ),
            (
                "processing",
                "2025-10-03T09:00",
                "Xưởng HTX Nam Xuân",
                "Lọc và hạ thủy phần xuống 19%",
            ),
            (
                "packing",
                "2025-10-05T14:00",
                "Xưởng HTX Nam Xuân",
                "Đóng chai 500 ml, dán tem",
            ),
        ],
    },
    DemoItem {
        seller: 0,
        name: "Măng khô Nam Xuân",
        name_en: "Nam Xuan dried bamboo shoots",
        group: "food",
        subgroup: "preliminary",
        description: "Măng nứa rừng luộc và phơi khô tự nhiên, không chất bảo quản.",
        story: "Măng được hái vào mùa mưa trên các sườn đồi quanh bản, luộc kỹ rồi phơi trên gác bếp.",
        unit: "g",
        quantity: "500",
        pack: "túi zip",
        weight_g: "550",
        price: "180.000",
        stars: "3",
        issued_on: "2024-03-20",
        decision: "1050/QĐ-UBND",
        lot: "NX-MK-2025-08",
        events: &[
            (
                "harvest",
                "2025-08-10T07:00",
                "Đồi Pù Luông, xã Nam Xuân",
                "Hộ ông Hà Văn Thắng",
            ),
            (
                "processing",
                "2025-08-12T08:00",
                "Sân phơi HTX Nam Xuân",
                "Luộc và phơi khô 5 ngày",
            ),
            (
                "packing",
                "2025-08-20T10:00",
                "Xưởng HTX Nam Xuân",
                "Đóng túi 500 g",
            ),
        ],
    },
    DemoItem {
        seller: 1,
        name: "Cơm lam Phú Lệ",
        name_en: "Phu Le bamboo-tube sticky rice",
        group: "food",
        subgroup: "processed",
        description: "Gạo nếp nương nấu trong ống nứa trên than hồng, thơm mùi lá dong.",
        story: "Món ăn của người Thái Phú Lệ trong ngày hội, nay được đóng gói hút chân không để khách mang về.",
        unit: "g",
        quantity: "400",
        pack: "ống nứa hút chân không",
        weight_g: "450",
        price: "60.000",
        stars: "3",
        issued_on: "2023-12-05",
        decision: "4412/QĐ-UBND",
        lot: "PL-CL-2025-11",
        events: &[
            (
                "input",
                "2025-11-01T08:00",
                "Nương bản Phú Lệ",
                "Gạo nếp nương vụ mùa",
            ),
            (
                "processing",
                "2025-11-03T05:30",
                "Bếp nhà chị Phạm Thị Lan",
                "Nướng ống nứa 3 giờ",
            ),
            (
                "packing",
                "2025-11-03T11:00",
                "Bếp nhà chị Phạm Thị Lan",
                "Hút chân không",
            ),
        ],
    },
    DemoItem {
        seller: 1,
        name: "Khăn thổ cẩm Phú Lệ",
        name_en: "Phu Le brocade scarf",
        group: "handicrafts",
        subgroup: "textiles",
        description: "Khăn dệt tay bằng khung cửi truyền thống, hoa văn Thái trắng.",
        story: "Các mẹ, các chị bản Phú Lệ dệt mỗi chiếc khăn trong khoảng một tuần.",
        unit: "item",
        quantity: "1",
        pack: "hộp giấy",
        weight_g: "200",
        price: "350.000",
        stars: "3",
        issued_on: "2024-06-10",
        decision: "2033/QĐ-UBND",
        lot: "PL-TC-2025-09",
        events: &[
            (
                "processing",
                "2025-09-01T08:00",
                "Bản Phú Lệ",
                "Dệt tay trên khung cửi",
            ),
            ("packing", "2025-09-10T09:00", "Bản Phú Lệ", "Đóng hộp"),
        ],
    },
    DemoItem {
        seller: 2,
        name: "Chè Shan tuyết Thiên Phủ",
        name_en: "Thien Phu Shan tuyet tea",
        group: "food",
        subgroup: "tea",
        description: "Chè búp từ cây Shan tuyết cổ thụ trên 100 năm tuổi, sao tay trên chảo gang.",
        story: "Những cây chè cổ mọc ở độ cao trên 800 m, búp phủ lông trắng như tuyết.",
        unit: "g",
        quantity: "200",
        pack: "hộp thiếc",
        weight_g: "320",
        price: "320.000",
        stars: "4",
        issued_on: "2024-11-28",
        decision: "4980/QĐ-UBND",
        lot: "TP-ST-2025-04",
        events: &[
            (
                "harvest",
                "2025-04-05T06:00",
                "Đồi chè cổ bản Bâu, xã Thiên Phủ",
                "Hộ ông Lò Văn Pọm",
            ),
            (
                "processing",
                "2025-04-05T15:00",
                "Nhà sao chè bản Bâu",
                "Sao tay, vò, sấy",
            ),
            (
                "lab_test",
                "2025-04-20T10:00",
                "Trung tâm Kiểm nghiệm Thanh Hóa",
                "Đạt chỉ tiêu an toàn thực phẩm",
            ),
            (
                "packing",
                "2025-04-22T09:00",
                "Nhà sao chè bản Bâu",
                "Đóng hộp 200 g",
            ),
        ],
    },
    DemoItem {
        seller: 2,
        name: "Gạo nếp cẩm Thiên Phủ",
        name_en: "Thien Phu purple sticky rice",
        group: "food",
        subgroup: "preliminary",
        description: "Nếp cẩm trồng trên ruộng bậc thang, xay xát nhẹ giữ lớp cám tím.",
        story: "Giống nếp cẩm địa phương, cấy một vụ mỗi năm bằng nước suối đầu nguồn.",
        unit: "kg",
        quantity: "1",
        pack: "túi vải",
        weight_g: "1050",
        price: "65.000",
        stars: "3",
        issued_on: "2025-02-14",
        decision: "612/QĐ-UBND",
        lot: "TP-NC-2025-10",
        events: &[
            (
                "planting",
                "2025-06-01T07:00",
                "Ruộng bậc thang bản Bâu",
                "Cấy mạ nếp cẩm",
            ),
            (
                "harvest",
                "2025-10-05T07:00",
                "Ruộng bậc thang bản Bâu",
                "Gặt tay",
            ),
            (
                "packing",
                "2025-10-15T09:00",
                "Nhà ông Lò Văn Pọm",
                "Đóng túi 1 kg",
            ),
        ],
    },
];

/// Creates the demo products (with photos, certificates, lots and events)
/// that are missing, acting as each seller's member. Needs `seed` first.
pub fn seed_catalog(
    conn: &mut DbConn,
    data_dir: &std::path::Path,
    logins: &DemoLogins,
) -> Result<Vec<DemoProduct>, AppError> {
    let mut out = Vec::new();
    for (n, item) in ITEMS.iter().enumerate() {
        let Some(login) = logins.sellers.get(item.seller) else {
            continue;
        };
        let actor = member_actor(conn, login)?;
        let slug = crate::domain::text::slugify(item.name);
        let product = match crate::db::models::Product::find_by_slug(conn, &slug)? {
            Some(p) => p,
            None => {
                let input = ProductInput {
                    name_vi: item.name.into(),
                    name_en: item.name_en.into(),
                    ocop_group: item.group.into(),
                    ocop_subgroup: item.subgroup.into(),
                    description: item.description.into(),
                    story: item.story.into(),
                    unit: item.unit.into(),
                    net_quantity: item.quantity.into(),
                    pack_type: item.pack.into(),
                    packed_weight_g: item.weight_g.into(),
                    length_cm: "10".into(),
                    width_cm: "10".into(),
                    height_cm: "15".into(),
                    price_vnd: item.price.into(),
                    stock: "50".into(),
                    storage: "Nơi khô ráo, thoáng mát".into(),
                    status: "listed".into(),
                    ..Default::default()
                };
                let product = catalog::create_product(conn, &actor, login.id, &input)?;
                for k in 0..2u64 {
                    let png = media::demo_image_png(n as u64 * 10 + k, 800, 600);
                    catalog::add_photo(conn, &actor, data_dir, product.id, &png)?;
                }
                let cert = CertificateInput {
                    stars: item.stars.into(),
                    decision_no: item.decision.into(),
                    issued_by: "province".into(),
                    issued_on: item.issued_on.into(),
                    ..Default::default()
                };
                catalog::add_certificate(conn, &actor, data_dir, product.id, &cert, None)?;
                let origin = crate::db::models::Seller::find(conn, login.id)?
                    .map(|s| s.commune_code.to_string())
                    .unwrap_or_default();
                let lot = lots::create_lot(
                    conn,
                    &actor,
                    product.id,
                    &LotInput {
                        code: item.lot.into(),
                        produced_on: item
                            .events
                            .first()
                            .map(|e| e.1[..10].to_owned())
                            .unwrap_or_default(),
                        packed_on: item
                            .events
                            .last()
                            .map(|e| e.1[..10].to_owned())
                            .unwrap_or_default(),
                        origin_commune_code: origin,
                        ..Default::default()
                    },
                )?;
                for (kind, at, place, note) in item.events {
                    let event = EventInput {
                        kind: (*kind).into(),
                        happened_at: (*at).into(),
                        place: (*place).into(),
                        note: (*note).into(),
                        ..Default::default()
                    };
                    lots::add_event(conn, &actor, data_dir, lot.id, &event, None)?;
                }
                product
            }
        };
        out.push(DemoProduct {
            id: product.id,
            seller_id: product.seller_id,
            name: product.name_vi,
            slug: product.slug,
            lots: Vec::new(),
        });
    }
    // The earlier bamboo-shoot lot comes last, so the first lots keep the
    // products' order.
    if let Some(p) = out.iter().find(|p| p.name == RECALLED_PRODUCT)
        && let Some(login) = logins.sellers.iter().find(|s| s.id == p.seller_id)
    {
        let actor = member_actor(conn, login)?;
        recalled_lot(conn, &actor, p.id)?;
    }
    for p in &mut out {
        p.lots = Lot::of_product(conn, p.id)?
            .into_iter()
            .map(|l| DemoLot {
                id: l.id,
                code: l.code,
            })
            .collect();
    }
    Ok(out)
}

/// The seller member `login` names, as an actor.
fn member_actor(conn: &mut DbConn, login: &SellerLogin) -> Result<Actor, AppError> {
    let member = User::find_by_email(conn, &login.email)?.ok_or(AppError::NotFound)?;
    Ok(Actor {
        user_id: member.id,
        role: Role::Seller,
        seller_id: member.seller_id,
        post_office_id: None,
    })
}

/// The product whose active lot gets genuine stamps, and unbound ones.
const GENUINE_PRODUCT: &str = "Mật ong rừng Nam Xuân";
/// The product with an earlier lot that is recalled.
const RECALLED_PRODUCT: &str = "Măng khô Nam Xuân";
const RECALLED_LOT: &str = "NX-MK-2025-06";
const RECALL_REASON: &str = "Độ ẩm vượt ngưỡng cho phép";

/// The earlier bamboo-shoot lot (created when missing, still active: the
/// recall comes once its stamps are out).
fn recalled_lot(conn: &mut DbConn, actor: &Actor, product_id: i64) -> Result<Lot, AppError> {
    if let Some(lot) = Lot::find_by_code(conn, product_id, RECALLED_LOT)? {
        return Ok(lot);
    }
    let origin = match actor.seller_id {
        Some(id) => Seller::find(conn, id)?
            .map(|s| s.commune_code.to_string())
            .unwrap_or_default(),
        None => String::new(),
    };
    lots::create_lot(
        conn,
        actor,
        product_id,
        &LotInput {
            code: RECALLED_LOT.into(),
            produced_on: "2025-06-08".into(),
            packed_on: "2025-06-18".into(),
            origin_commune_code: origin,
            origin_place: "Đồi Pù Luông, xã Nam Xuân".into(),
            ..Default::default()
        },
    )
}

/// The oldest run of `product_id` whose lot is `lot_id` (`None`: unbound).
fn first_run(
    conn: &mut DbConn,
    seller_id: i64,
    product_id: i64,
    lot_id: Option<i64>,
) -> Result<Option<StampRun>, AppError> {
    Ok(StampRun::of_seller(conn, seller_id)?
        .into_iter()
        .filter(|r| r.product_id == product_id && r.lot_id == lot_id && r.voided_at.is_none())
        .min_by_key(|r| r.id))
}

/// Issues `count` stamps of `product_id` (bound to `lot_code` unless empty)
/// unless such a run exists; returns the run and whether it is new.
fn ensure_run(
    conn: &mut DbConn,
    actor: &Actor,
    keys: &StampKeys,
    product: &DemoProduct,
    lot: Option<&Lot>,
    count: u32,
) -> Result<(StampRun, bool), AppError> {
    if let Some(run) = first_run(conn, product.seller_id, product.id, lot.map(|l| l.id))? {
        return Ok((run, false));
    }
    let input = RunInput {
        count: count.to_string(),
        lot_code: lot.map(|l| l.code.clone()).unwrap_or_default(),
        layout: String::new(),
    };
    Ok((
        stamps::issue_run(conn, actor, keys, product.id, &input)?.run,
        true,
    ))
}

/// Issues the demo stamps that are missing, acting as the sellers' members:
/// 40 honey stamps bound to its lot (genuine), 10 honey stamps not bound yet
/// (not activated), and 10 bamboo-shoot stamps of an earlier lot that is
/// then recalled. Returns two codes of each kind with their scan URL under
/// `base_url` and the outcome a scan shows. Needs `seed_catalog` first.
pub fn seed_stamps(
    conn: &mut DbConn,
    keys: &StampKeys,
    base_url: &str,
    logins: &DemoLogins,
    products: &[DemoProduct],
) -> Result<Vec<DemoStamp>, AppError> {
    let base = base_url.trim_end_matches('/');
    let find = |name: &str| {
        products
            .iter()
            .find(|p| p.name == name)
            .ok_or(AppError::NotFound)
    };
    let actor_of = |conn: &mut DbConn, product: &DemoProduct| {
        let login = logins
            .sellers
            .iter()
            .find(|s| s.id == product.seller_id)
            .ok_or(AppError::NotFound)?;
        member_actor(conn, login)
    };
    conn.transaction(|conn| {
        let mut runs: Vec<(StampRun, ScanOutcome)> = Vec::new();

        let honey = find(GENUINE_PRODUCT)?;
        let actor = actor_of(conn, honey)?;
        let honey_lot_code = ITEMS
            .iter()
            .find(|i| i.name == GENUINE_PRODUCT)
            .map(|i| i.lot)
            .ok_or(AppError::NotFound)?;
        let honey_lot =
            Lot::find_by_code(conn, honey.id, honey_lot_code)?.ok_or(AppError::NotFound)?;
        let (run, _) = ensure_run(conn, &actor, keys, honey, Some(&honey_lot), 40)?;
        runs.push((run, ScanOutcome::Genuine));
        let (run, _) = ensure_run(conn, &actor, keys, honey, None, 10)?;
        runs.push((run, ScanOutcome::NotActivated));

        let shoots = find(RECALLED_PRODUCT)?;
        let actor = actor_of(conn, shoots)?;
        let lot = recalled_lot(conn, &actor, shoots.id)?;
        let (run, new) = ensure_run(conn, &actor, keys, shoots, Some(&lot), 10)?;
        if new {
            lots::set_lot_status(
                conn,
                &actor,
                lot.id,
                &LotStatusInput {
                    status: "recalled".into(),
                    reason: RECALL_REASON.into(),
                },
            )?;
        }
        runs.push((run, ScanOutcome::Recalled));

        let mut out = Vec::new();
        for (run, outcome) in runs {
            for stamp in Stamp::page_of_run(conn, run.id, 0, 2)? {
                out.push(DemoStamp {
                    url: format!("{base}/s/{}", stamp.code),
                    code: stamp.code,
                    outcome: outcome.as_str(),
                });
            }
        }
        Ok(out)
    })
}
