//! Demo data telling the Quan Hóa story: the post office that now serves
//! xã Hồi Xuân, one staff member, and three sellers with a member each.
//! Running it again changes nothing: every record is looked up first.

use diesel::Connection;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::models::{NewPostOffice, NewUser, PostOffice, Seller, User, now};
use crate::domain::Role;
use crate::error::AppError;
use crate::services::sellers::{self, SellerInput};
use crate::services::{Actor, accounts};

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
