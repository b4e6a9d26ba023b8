//! Seller onboarding: staff create and edit seller orgs (often typing for
//! the seller), invite members by email, and read the org's history.

use chrono::Duration;
use serde::Deserialize;

use crate::auth::jwt::TokenKeys;
use crate::config::Settings;
use crate::db::DbConn;
use crate::db::models::account_link::PURPOSE_INVITATION;
use crate::db::models::{
    AccountLink, AuditEntry, NewAccountLink, NewSeller, Seller, SellerChanges, SellerScope, User,
    now,
};
use crate::domain::catalog::gs1_check_digit_ok;
use crate::domain::{
    BusinessRegNo, CommuneCode, Email, FieldErrors, Phone, Reason, Role, SellerKind, SellerStatus,
    TaxCode, text,
};
use crate::error::AppError;
use crate::services::accounts::{INVITATION_HOURS, bilingual_mail, link_token};
use crate::services::outbox::{self, About, Outbox};
use crate::services::{Actor, audit, optional, visible_seller};

/// Field lengths, also documented in the OpenAPI schema.
pub const MAX_LEGAL_NAME: usize = 200;
pub const MAX_SHORT_NAME: usize = 40;
pub const MAX_PERSON_NAME: usize = 100;
pub const MAX_PLACE: usize = 100;
pub const PAGE_SIZE: i64 = 20;

/// A seller org as typed into the form or sent as JSON. Every field is text
/// (missing means empty) so that each problem is reported against its field
/// instead of failing the whole request.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SellerInput {
    /// `htx`, `household` or `enterprise`.
    #[schema(required = true)]
    pub kind: String,
    #[schema(max_length = 200, required = true)]
    pub legal_name: String,
    /// Printed on stamps.
    #[schema(max_length = 40, required = true)]
    pub short_name: String,
    /// 10 digits (check digit verified), 10-3 for a branch, or a household
    /// head's 12-digit personal ID. Required unless `business_reg_no` is given.
    pub tax_code: String,
    pub business_reg_no: String,
    #[schema(max_length = 100, required = true)]
    pub representative: String,
    /// Vietnamese mobile or landline; `+84` accepted.
    #[schema(required = true)]
    pub phone: String,
    /// A mobile number.
    pub zalo_phone: String,
    pub email: String,
    /// Official 2025 commune code (see `/api/v1/communes`).
    #[schema(required = true)]
    pub commune_code: String,
    #[schema(max_length = 100)]
    pub village: String,
    /// Free text, e.g. "huyện Quan Hóa".
    #[schema(max_length = 100)]
    pub former_district: String,
    /// 13-digit Global Location Number.
    pub gln: String,
    #[schema(max_length = 100)]
    pub bank_account: String,
    /// `draft`, `active` (default) or `suspended`.
    pub status: String,
    /// The seller agreed that its data is entered and published. Required.
    #[schema(required = true)]
    pub consent: bool,
}

/// Parses and checks every field, reporting all problems at once.
pub fn validate(
    input: &SellerInput,
    consent_at: Option<chrono::NaiveDateTime>,
) -> Result<SellerChanges, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = e.check("kind", SellerKind::parse(&input.kind));
    let legal_name = e.check(
        "legal_name",
        text::required_text(&input.legal_name, MAX_LEGAL_NAME),
    );
    let short_name = e.check(
        "short_name",
        text::required_text(&input.short_name, MAX_SHORT_NAME),
    );
    let tax_code = if input.tax_code.trim().is_empty() {
        Some(None)
    } else {
        e.check("tax_code", TaxCode::parse(&input.tax_code))
            .map(Some)
    };
    if let (Some(Some(code)), Some(kind)) = (&tax_code, kind)
        && code.is_personal_id()
        && kind != SellerKind::Household
    {
        e.push("tax_code", Reason::InvalidTaxCode);
    }
    let business_reg_no = if input.business_reg_no.trim().is_empty() {
        Some(None)
    } else {
        e.check(
            "business_reg_no",
            BusinessRegNo::parse(&input.business_reg_no),
        )
        .map(Some)
    };
    if matches!(tax_code, Some(None)) && matches!(business_reg_no, Some(None)) {
        e.push("tax_code", Reason::Required);
    }
    let representative = e.check(
        "representative",
        text::required_text(&input.representative, MAX_PERSON_NAME),
    );
    let phone = e.check("phone", Phone::parse(&input.phone));
    let zalo_phone = optional(&mut e, "zalo_phone", &input.zalo_phone, Phone::parse_mobile);
    let email = optional(&mut e, "email", &input.email, Email::parse);
    let commune = e.check("commune_code", CommuneCode::parse(&input.commune_code));
    let village = e.check("village", text::optional_text(&input.village, MAX_PLACE));
    let former_district = e.check(
        "former_district",
        text::optional_text(&input.former_district, MAX_PLACE),
    );
    let gln = optional(&mut e, "gln", &input.gln, |s| {
        let s = s.trim();
        if s.len() == 13 && gs1_check_digit_ok(s) {
            Ok(s.to_owned())
        } else {
            Err(Reason::Invalid)
        }
    });
    let bank_account = e.check(
        "bank_account",
        text::optional_text(&input.bank_account, MAX_PLACE),
    );
    let status = if input.status.trim().is_empty() {
        Some(SellerStatus::Active)
    } else {
        e.check("status", SellerStatus::parse(&input.status))
    };
    if !input.consent && consent_at.is_none() {
        e.push("consent", Reason::Required);
    }
    let (
        Some(kind),
        Some(legal_name),
        Some(short_name),
        Some(tax_code),
        Some(business_reg_no),
        Some(representative),
        Some(phone),
        Some(zalo_phone),
        Some(email),
        Some(commune),
        Some(village),
        Some(former_district),
        Some(gln),
        Some(bank_account),
        Some(status),
    ) = (
        kind,
        legal_name,
        short_name,
        tax_code,
        business_reg_no,
        representative,
        phone,
        zalo_phone,
        email,
        commune,
        village,
        former_district,
        gln,
        bank_account,
        status,
    )
    else {
        return Err(e);
    };
    e.into_result()?;
    let search_text = text::fold(&format!(
        "{legal_name} {short_name} {representative} {} {}",
        tax_code.as_ref().map(|t| t.as_str()).unwrap_or(""),
        phone.as_str()
    ));
    Ok(SellerChanges {
        kind: kind.as_str().to_owned(),
        legal_name,
        short_name,
        tax_code: tax_code.map(|t| t.as_str().to_owned()),
        business_reg_no: business_reg_no.map(|b| b.as_str().to_owned()),
        representative,
        phone: phone.as_str().to_owned(),
        zalo_phone: zalo_phone.map(|p| p.as_str().to_owned()),
        email: email.map(|m| m.as_str().to_owned()),
        commune_code: i32::try_from(commune.value()).unwrap_or_default(),
        village,
        former_district,
        gln,
        bank_account,
        consent_at: consent_at.or_else(|| input.consent.then(now)),
        status: status.as_str().to_owned(),
        search_text,
        updated_at: now(),
    })
}

/// Turns a unique violation on the tax code into a field error.
fn tax_code_taken(e: diesel::result::Error) -> AppError {
    if crate::db::is_unique_violation(&e) {
        AppError::field("tax_code", Reason::Taken)
    } else {
        e.into()
    }
}

/// Staff onboard a new seller org; it is theirs to manage from then on.
pub fn create(conn: &mut DbConn, actor: &Actor, input: &SellerInput) -> Result<Seller, AppError> {
    if !actor.is_staff_or_admin() {
        return Err(AppError::Forbidden);
    }
    let fields = validate(input, None)?;
    if let Some(code) = &fields.tax_code
        && Seller::find_by_tax_code(conn, code)?.is_some()
    {
        return Err(AppError::field("tax_code", Reason::Taken));
    }
    conn.transaction(|conn| {
        let seller = Seller::insert(
            conn,
            &NewSeller::from_changes(fields, Some(actor.user_id), actor.post_office_id),
        )
        .map_err(tax_code_taken)?;
        audit(
            conn,
            Some(actor),
            Some(seller.id),
            "seller_created",
            "seller",
            Some(seller.id),
            audit_fields(&seller),
        )?;
        Ok(seller)
    })
}

/// Edits a seller org. Staff and admins may change everything; a member may
/// correct its own org's details but not its status.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    input: &SellerInput,
) -> Result<Seller, AppError> {
    let existing = visible_seller(conn, actor, id)?;
    let mut input = input.clone();
    if actor.role == Role::Seller {
        input.status = existing.status.clone();
    }
    let fields = validate(&input, existing.consent_at)?;
    if let Some(code) = &fields.tax_code
        && let Some(other) = Seller::find_by_tax_code(conn, code)?
        && other.id != id
    {
        return Err(AppError::field("tax_code", Reason::Taken));
    }
    conn.transaction(|conn| {
        let seller = Seller::update(conn, id, &fields).map_err(tax_code_taken)?;
        audit(
            conn,
            Some(actor),
            Some(id),
            "seller_updated",
            "seller",
            Some(id),
            changed_fields(&existing, &seller),
        )?;
        Ok(seller)
    })
}

/// The fields worth recording, without personal identification numbers.
fn audit_fields(s: &Seller) -> serde_json::Value {
    serde_json::json!({
        "kind": s.kind, "legal_name": s.legal_name, "short_name": s.short_name,
        "tax_code": s.tax_code.as_deref().map(mask_tax_code),
        "representative": s.representative, "phone": s.phone,
        "commune_code": s.commune_code, "status": s.status,
    })
}

/// Old and new values of each changed field.
fn changed_fields(old: &Seller, new: &Seller) -> serde_json::Value {
    let (a, b) = (audit_fields(old), audit_fields(new));
    let mut out = serde_json::Map::new();
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
        for (k, v) in b {
            if a.get(k) != Some(v) {
                out.insert(k.clone(), serde_json::json!({ "from": a.get(k), "to": v }));
            }
        }
    }
    serde_json::Value::Object(out)
}

/// A tax code as it may appear in lists and logs: personal ids masked.
pub fn mask_tax_code(code: &str) -> String {
    TaxCode::parse(code)
        .map(|t| t.masked())
        .unwrap_or_else(|_| code.to_owned())
}

/// Sellers the actor may see whose names match `query`, one page at a time.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    query: &str,
    page: i64,
) -> Result<(Vec<Seller>, i64), AppError> {
    let scope = match actor.role {
        Role::Admin => SellerScope::All,
        Role::Staff => SellerScope::OnboardedBy(actor.user_id),
        Role::Seller => SellerScope::Only(actor.seller_id.unwrap_or(-1)),
    };
    let folded = text::fold(query);
    let page = page.max(1);
    Ok(Seller::search(
        conn,
        scope,
        &folded,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
    )?)
}

/// A seller with its members, invitations and recent history.
pub struct SellerDetail {
    pub seller: Seller,
    pub members: Vec<User>,
    pub invitations: Vec<AccountLink>,
    /// The mail of each invitation (by link id): pending, sent or failed.
    pub invitation_mails: Vec<(i64, outbox::MailState)>,
    pub history: Vec<AuditEntry>,
}

pub fn detail(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<SellerDetail, AppError> {
    let seller = visible_seller(conn, actor, id)?;
    let invitations = if actor.is_staff_or_admin() {
        AccountLink::invitations_of(conn, id)?
    } else {
        Vec::new()
    };
    let ids: Vec<i64> = invitations.iter().map(|l| l.id).collect();
    Ok(SellerDetail {
        members: User::members_of(conn, id)?,
        invitation_mails: outbox::states_of_links(conn, &ids)?,
        invitations,
        history: AuditEntry::for_seller(conn, id, 50)?,
        seller,
    })
}

/// Who to invite.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InviteInput {
    #[schema(required = true)]
    pub email: String,
    #[schema(max_length = 100, required = true)]
    pub name: String,
}

/// Staff invite a member: a one-time link valid for 72 hours is mailed in
/// Vietnamese and English. The link and its mail are written together and
/// the mail leaves through the outbox: the answer never waits for a mail
/// server, and the seller page shows whether the mail went out.
pub fn invite(
    conn: &mut DbConn,
    keys: &TokenKeys,
    settings: &Settings,
    outbox: &Outbox,
    actor: &Actor,
    seller_id: i64,
    input: &InviteInput,
) -> Result<AccountLink, AppError> {
    if !actor.is_staff_or_admin() {
        return Err(AppError::Forbidden);
    }
    let seller = visible_seller(conn, actor, seller_id)?;
    let mut e = FieldErrors::new();
    let email = e.check("email", Email::parse(&input.email));
    let name = e.check("name", text::required_text(&input.name, MAX_PERSON_NAME));
    e.into_result()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(AppError::internal("validated fields missing"));
    };
    if User::find_by_email(conn, email.as_str())?.is_some() {
        return Err(AppError::field("email", Reason::Taken));
    }
    let inviter = User::find(conn, actor.user_id)?
        .map(|u| u.name)
        .unwrap_or_default();
    let at = now();
    let expires_at = at + Duration::hours(INVITATION_HOURS);
    let issued = link_token(keys, PURPOSE_INVITATION, expires_at)?;
    let url = format!("{}/invite/{}", settings.public_base_url, issued.token);
    let mail = bilingual_mail(email.as_str(), &name, |t| {
        (
            t.mail_invite_subject,
            t.mail_invite_body
                .replace("{name}", &name)
                .replace("{inviter}", &inviter)
                .replace("{seller}", &seller.short_name)
                .replace("{link}", &url),
        )
    });
    let link = conn.transaction(|conn| -> Result<AccountLink, AppError> {
        let link = AccountLink::insert(
            conn,
            &NewAccountLink {
                purpose: PURPOSE_INVITATION,
                token_hash: &issued.hash,
                email: email.as_str(),
                name: &name,
                seller_id: Some(seller.id),
                user_id: None,
                created_by: Some(actor.user_id),
                created_at: at,
                expires_at,
            },
        )?;
        audit(
            conn,
            Some(actor),
            Some(seller.id),
            "member_invited",
            "invitation",
            Some(link.id),
            serde_json::json!({ "email": email.as_str(), "name": name }),
        )?;
        outbox::enqueue(
            conn,
            &mail,
            About {
                kind: outbox::KIND_INVITATION,
                seller_id: Some(seller.id),
                account_link_id: Some(link.id),
            },
        )?;
        Ok(link)
    })?;
    outbox.wake();
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SellerInput {
        SellerInput {
            kind: "htx".into(),
            legal_name: "Hợp tác xã Nông nghiệp Nam Xuân".into(),
            short_name: "HTX Nam Xuân".into(),
            tax_code: "0102595740".into(),
            representative: "Hà Văn Thắng".into(),
            phone: "0912 345 678".into(),
            commune_code: "14902".into(),
            consent: true,
            ..Default::default()
        }
    }

    #[test]
    fn valid_input_is_normalised() {
        let s = validate(&input(), None).expect("valid");
        assert_eq!(s.phone, "0912345678");
        assert_eq!(s.status, "active");
        assert!(s.search_text.contains("hop tac xa nong nghiep nam xuan"));
        assert!(s.consent_at.is_some());
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = SellerInput {
            kind: "farm".into(),
            tax_code: "0102595741".into(),
            phone: "12345".into(),
            zalo_phone: "02373851234".into(),
            email: "not-an-email".into(),
            commune_code: "99999".into(),
            gln: "8930000000001".into(),
            consent: false,
            ..Default::default()
        };
        let e = validate(&bad, None).expect_err("invalid");
        for field in [
            "kind",
            "legal_name",
            "short_name",
            "tax_code",
            "representative",
            "phone",
            "zalo_phone",
            "email",
            "commune_code",
            "gln",
            "consent",
        ] {
            assert!(e.get(field).is_some(), "{field} not reported: {e:?}");
        }
        assert_eq!(e.get("tax_code"), Some(&Reason::TaxCodeChecksum));
        assert_eq!(e.get("zalo_phone"), Some(&Reason::NotMobilePhone));
    }

    #[test]
    fn personal_id_only_for_households() {
        let mut i = input();
        i.tax_code = "038012345678".into();
        assert_eq!(
            validate(&i, None).expect_err("htx").get("tax_code"),
            Some(&Reason::InvalidTaxCode)
        );
        i.kind = "household".into();
        assert!(validate(&i, None).is_ok());
    }

    #[test]
    fn gs1_check_digit() {
        assert!(gs1_check_digit_ok("8934567000000"));
        assert!(!gs1_check_digit_ok("8934567000007"));
    }
}
