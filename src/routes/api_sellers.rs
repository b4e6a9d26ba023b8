//! `/api/v1/sellers`: onboarding, editing, inviting members, history.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AuthUser, StaffUser};
use crate::db::models::{AccountLink, AuditEntry, Seller, User, now};
use crate::domain::{CommuneCode, text};
use crate::error::{AppError, ErrorBody};
use crate::routes::with_db;
use crate::services::outbox::MailState;
use crate::services::sellers::{self, InviteInput, PAGE_SIZE, SellerInput};
use crate::startup::AppState;

/// A seller org as the API shows it to those allowed to see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SellerView {
    pub id: i64,
    /// `htx`, `household` or `enterprise`.
    pub kind: String,
    pub legal_name: String,
    pub short_name: String,
    /// Full value: only staff of this seller, admins and its members see it.
    pub tax_code: Option<String>,
    pub business_reg_no: Option<String>,
    pub representative: String,
    pub phone: String,
    pub zalo_phone: Option<String>,
    pub email: Option<String>,
    pub commune_code: i32,
    /// e.g. "Xã Nam Xuân, Thanh Hóa".
    pub commune_name: String,
    pub village: Option<String>,
    pub former_district: Option<String>,
    pub gln: Option<String>,
    pub bank_account: Option<String>,
    pub onboarded_by: Option<i64>,
    pub post_office_id: Option<i64>,
    pub consent_at: Option<String>,
    /// `draft`, `active` or `suspended`.
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Display name of a commune code, or the bare code if it is not in the list.
pub fn commune_name(code: i32) -> String {
    u32::try_from(code)
        .ok()
        .and_then(CommuneCode::new)
        .map(|c| crate::domain::commune::full_name(c.commune()))
        .unwrap_or_else(|| code.to_string())
}

impl From<&Seller> for SellerView {
    fn from(s: &Seller) -> Self {
        SellerView {
            id: s.id,
            kind: s.kind.clone(),
            legal_name: s.legal_name.clone(),
            short_name: s.short_name.clone(),
            tax_code: s.tax_code.clone(),
            business_reg_no: s.business_reg_no.clone(),
            representative: s.representative.clone(),
            phone: s.phone.clone(),
            zalo_phone: s.zalo_phone.clone(),
            email: s.email.clone(),
            commune_code: s.commune_code,
            commune_name: commune_name(s.commune_code),
            village: s.village.clone(),
            former_district: s.former_district.clone(),
            gln: s.gln.clone(),
            bank_account: s.bank_account.clone(),
            onboarded_by: s.onboarded_by,
            post_office_id: s.post_office_id,
            consent_at: s.consent_at.map(|t| t.and_utc().to_rfc3339()),
            status: s.status.clone(),
            created_at: s.created_at.and_utc().to_rfc3339(),
            updated_at: s.updated_at.and_utc().to_rfc3339(),
        }
    }
}

/// A line of the seller list: personal identification numbers masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct SellerSummary {
    pub id: i64,
    pub kind: String,
    pub legal_name: String,
    pub short_name: String,
    pub tax_code: Option<String>,
    pub representative: String,
    pub phone: String,
    pub commune_name: String,
    pub status: String,
}

impl From<&Seller> for SellerSummary {
    fn from(s: &Seller) -> Self {
        SellerSummary {
            id: s.id,
            kind: s.kind.clone(),
            legal_name: s.legal_name.clone(),
            short_name: s.short_name.clone(),
            tax_code: s.tax_code.as_deref().map(sellers::mask_tax_code),
            representative: s.representative.clone(),
            phone: s.phone.clone(),
            commune_name: commune_name(s.commune_code),
            status: s.status.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SellerPage {
    pub items: Vec<SellerSummary>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `pending`, `accepted` or `expired`.
    pub state: &'static str,
    pub created_at: String,
    pub expires_at: String,
    /// The invitation mail: `pending` (queued or being retried), `sent` or
    /// `failed`, with the tries so far and the last error.
    pub mail: Option<MailState>,
}

impl InvitationView {
    pub fn new(l: &AccountLink, mail: Option<MailState>) -> Self {
        InvitationView {
            id: l.id,
            email: l.email.clone(),
            name: l.name.clone(),
            state: invitation_state(l),
            created_at: l.created_at.and_utc().to_rfc3339(),
            expires_at: l.expires_at.and_utc().to_rfc3339(),
            mail,
        }
    }

    /// The invitations of a seller's detail, each with its mail.
    pub fn list(d: &sellers::SellerDetail) -> Vec<InvitationView> {
        d.invitations
            .iter()
            .map(|l| {
                let mail = d
                    .invitation_mails
                    .iter()
                    .find(|(id, _)| *id == l.id)
                    .map(|(_, m)| m.clone());
                InvitationView::new(l, mail)
            })
            .collect()
    }
}

/// Where an invitation stands.
pub fn invitation_state(l: &AccountLink) -> &'static str {
    if l.used_at.is_some() {
        "accepted"
    } else if l.expires_at <= now() {
        "expired"
    } else {
        "pending"
    }
}

/// A seller with its members and invitations.
#[derive(Debug, Serialize, ToSchema)]
pub struct SellerDetailView {
    pub seller: SellerView,
    pub members: Vec<MemberView>,
    /// Shown to staff and admins only.
    pub invitations: Vec<InvitationView>,
}

impl From<&User> for MemberView {
    fn from(u: &User) -> Self {
        MemberView {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            active: u.active,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ListQuery {
    /// Words in the name, representative, tax code or phone; accents optional.
    pub q: String,
    /// 1-based page number.
    pub page: Option<i64>,
}

/// The sellers the caller may see: admins all, staff the ones they
/// onboarded, a seller member its own.
#[utoipa::path(get, path = "/api/v1/sellers", tag = "sellers", operation_id = "list_sellers", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = SellerPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let page = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let q = text::optional_text(&query.q, 100)
        .map_err(|r| AppError::field("q", r))?
        .unwrap_or_default();
    let (rows, total) = with_db(&state, move |conn, _| {
        sellers::list(conn, &user.actor, &q, page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SellerPage {
        items: rows.iter().map(SellerSummary::from).collect(),
        total,
        page,
        per_page: PAGE_SIZE,
    }))
}

/// Onboards a seller org (staff and admins).
#[utoipa::path(post, path = "/api/v1/sellers", tag = "sellers", security(("bearer" = [])),
    request_body = SellerInput,
    responses(
        (status = 201, body = SellerView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "Each bad field named", body = ErrorBody),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    StaffUser(user): StaffUser,
    body: web::Json<SellerInput>,
) -> Result<HttpResponse, AppError> {
    let seller = with_db(&state, move |conn, _| {
        sellers::create(conn, &user.actor, &body)
    })
    .await?;
    Ok(HttpResponse::Created().json(SellerView::from(&seller)))
}

/// One seller the caller may see, with its members.
#[utoipa::path(get, path = "/api/v1/sellers/{id}", tag = "sellers", operation_id = "get_seller", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Seller id")),
    responses(
        (status = 200, body = SellerDetailView),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Missing or not yours", body = ErrorBody),
    ))]
pub async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let d = with_db(&state, move |conn, _| {
        sellers::detail(conn, &user.actor, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SellerDetailView {
        seller: SellerView::from(&d.seller),
        members: d.members.iter().map(MemberView::from).collect(),
        invitations: InvitationView::list(&d),
    }))
}

/// Replaces a seller's details. Members of the org may edit it too, except
/// its status.
#[utoipa::path(put, path = "/api/v1/sellers/{id}", tag = "sellers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Seller id")),
    request_body = SellerInput,
    responses(
        (status = 200, body = SellerView),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn update(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: web::Json<SellerInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let seller = with_db(&state, move |conn, _| {
        sellers::update(conn, &user.actor, id, &body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(SellerView::from(&seller)))
}

/// Invites a member by email (staff and admins): a one-time link valid for
/// 72 hours is mailed in Vietnamese and English.
#[utoipa::path(post, path = "/api/v1/sellers/{id}/invitations", tag = "sellers",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Seller id")),
    request_body = InviteInput,
    responses(
        (status = 201, body = InvitationView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn invite(
    state: web::Data<AppState>,
    StaffUser(user): StaffUser,
    id: web::Path<i64>,
    body: web::Json<InviteInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let link = with_db(&state, move |conn, st| {
        sellers::invite(
            conn,
            &st.keys,
            &st.settings,
            &st.outbox,
            &user.actor,
            id,
            &body,
        )
    })
    .await?;
    let queued = MailState {
        status: "pending".into(),
        attempts: 0,
        error: None,
        next_attempt_at: Some(link.created_at.and_utc().to_rfc3339()),
        sent_at: None,
    };
    Ok(HttpResponse::Created().json(InvitationView::new(&link, Some(queued))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor_role: String,
    /// True when staff or an admin acted for the seller.
    pub on_behalf: bool,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub details: serde_json::Value,
}

impl From<&AuditEntry> for AuditView {
    fn from(a: &AuditEntry) -> Self {
        AuditView {
            id: a.id,
            at: a.at.and_utc().to_rfc3339(),
            actor_user_id: a.actor_user_id,
            actor_role: a.actor_role.clone(),
            on_behalf: a.on_behalf,
            action: a.action.clone(),
            entity: a.entity.clone(),
            entity_id: a.entity_id,
            details: serde_json::from_str(&a.details).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// The newest 50 changes to a seller's data.
#[utoipa::path(get, path = "/api/v1/sellers/{id}/audit", tag = "sellers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Seller id")),
    responses(
        (status = 200, body = Vec<AuditView>),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn audit_log(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let d = with_db(&state, move |conn, _| {
        sellers::detail(conn, &user.actor, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(d.history.iter().map(AuditView::from).collect::<Vec<_>>()))
}
