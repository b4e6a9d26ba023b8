//! Accounts: login with throttling, logout, password change and reset,
//! accepting an invitation, and creating staff and admins from the CLI.

use chrono::{Duration, NaiveDateTime};

use crate::auth::jwt::{Audience, TokenKeys};
use crate::auth::password;
use crate::config::Settings;
use crate::db::models::account_link::{PURPOSE_INVITATION, PURPOSE_PASSWORD_RESET};
use crate::db::models::{AccountLink, NewAccountLink, NewUser, Seller, User, login_failure, now};
use crate::db::{DbConn, Pool};
use crate::domain::{Email, FieldErrors, NewPassword, Reason, Role, text};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::mail::Mail;
use crate::services::outbox::{self, About, Outbox};
use crate::services::{Actor, audit};

/// Failed logins allowed per account, and per client address, in a window.
const ACCOUNT_FAILURES: i64 = 5;
const ADDRESS_FAILURES: i64 = 20;
const FAILURE_WINDOW_MINUTES: i64 = 15;
/// Reset requests allowed per address in an hour: enough for a typo, too few
/// to flood someone's inbox.
const RESET_MAILS_PER_HOUR: i64 = 3;
/// Reset mails one account receives in an hour, from any number of
/// addresses; past it the request is answered as always but nothing is sent.
const RESET_MAILS_PER_ACCOUNT_HOUR: i64 = 3;

/// How long links stay valid.
pub const INVITATION_HOURS: i64 = 72;
pub const RESET_HOURS: i64 = 2;

/// A successful login.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub expires_at: NaiveDateTime,
    pub user: User,
}

fn account_key(email: &str) -> String {
    // PostgreSQL refuses a NUL in a parameter: control characters are kept
    // in the key, but as U+FFFD.
    let email = email.trim().to_lowercase();
    format!("account:{}", email.replace(char::is_control, "\u{FFFD}"))
}

fn address_key(ip: &str) -> String {
    format!("address:{ip}")
}

/// Takes one attempt from every key's allowance, or refuses (429, saying
/// when the oldest attempt ages out) when any key has none left. Counting
/// and recording happen in one transaction with the keys locked, so however
/// many requests race, no more than the limit get through per window,
/// across instances. Returns the recorded rows, to take back on success.
fn take_attempt(
    conn: &mut DbConn,
    keys: &[(String, i64)],
    window: Duration,
) -> Result<Vec<i64>, AppError> {
    let mut sorted: Vec<&(String, i64)> = keys.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    conn.transaction(|conn| -> Result<Vec<i64>, AppError> {
        for (key, _) in &sorted {
            login_failure::lock_key(conn, key)?;
        }
        let now = now();
        let since = now - window;
        for (key, limit) in keys {
            if login_failure::count_since(conn, key, since)? >= *limit {
                let oldest = login_failure::oldest_since(conn, key, since)?.unwrap_or(now);
                let retry = (oldest + window - now).num_seconds().max(1);
                return Err(AppError::TooManyRequests {
                    retry_after: u64::try_from(retry).unwrap_or(60),
                });
            }
        }
        let mut ids = Vec::with_capacity(keys.len());
        for (key, _) in keys {
            ids.push(login_failure::record(conn, key, now)?);
        }
        Ok(ids)
    })
}

/// Issues a login token for `user`.
pub fn issue_session(
    keys: &TokenKeys,
    settings: &Settings,
    user: User,
) -> Result<Session, AppError> {
    let expires_at = now() + Duration::hours(settings.session_hours);
    let token = keys
        .sign(
            Audience::Login,
            &user.id.to_string(),
            user.token_version,
            expires_at.and_utc().timestamp(),
        )
        .map_err(AppError::internal)?;
    Ok(Session {
        token,
        expires_at,
        user,
    })
}

/// Checks email and password. Attempts are counted per account and per
/// client address before the password is checked, and taken back when it
/// was right; past the limit the answer is 429 until the window passes, so
/// no more than the limit of guesses is ever checked, whatever the
/// concurrency. No connection is held while argon2 works.
pub fn login(
    pool: &Pool,
    keys: &TokenKeys,
    settings: &Settings,
    email: &str,
    password_text: &str,
    client_ip: &str,
) -> Result<Session, AppError> {
    let window = Duration::minutes(FAILURE_WINDOW_MINUTES);
    let throttle = [
        (account_key(email), ACCOUNT_FAILURES),
        (address_key(client_ip), ADDRESS_FAILURES),
    ];
    let (recorded, user) = {
        let mut conn = pool.get()?;
        let recorded = take_attempt(&mut conn, &throttle, window)?;
        let user = User::find_by_email(&mut conn, &email.trim().to_lowercase())?;
        (recorded, user)
    };
    let ok = match &user {
        Some(u) => password::verify(password_text, &u.password_hash) && u.active,
        None => {
            password::waste_time(password_text);
            false
        }
    };
    let mut conn = pool.get()?;
    match user {
        Some(u) if ok => {
            login_failure::clear(&mut conn, &throttle[0].0)?;
            login_failure::forget(&mut conn, &recorded)?;
            issue_session(keys, settings, u)
        }
        _ => {
            login_failure::prune(&mut conn, now() - Duration::days(1))?;
            Err(AppError::InvalidCredentials)
        }
    }
}

/// Revokes every token of the user, this one included.
pub fn logout(conn: &mut DbConn, actor: &Actor) -> Result<(), AppError> {
    User::bump_token_version(conn, actor.user_id)?;
    Ok(())
}

/// Validates a new password and its confirmation into `errors`.
fn check_new_password(
    errors: &mut FieldErrors,
    field: &'static str,
    new: &str,
    confirm: Option<&str>,
) -> Option<NewPassword> {
    let parsed = errors.check(field, NewPassword::parse(new));
    if let Some(confirm) = confirm
        && parsed.is_some()
        && confirm != new
    {
        errors.push("password_confirm", Reason::PasswordsDiffer);
        return None;
    }
    parsed
}

/// Changes the password after checking the current one; every earlier token
/// is revoked and a fresh session is returned for the caller.
pub fn change_password(
    conn: &mut DbConn,
    keys: &TokenKeys,
    settings: &Settings,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: Option<&str>,
) -> Result<Session, AppError> {
    let user = User::find(conn, actor.user_id)?.ok_or(AppError::Unauthenticated)?;
    let mut errors = FieldErrors::new();
    if !password::verify(current, &user.password_hash) {
        errors.push("current_password", Reason::Invalid);
    }
    let new = check_new_password(&mut errors, "new_password", new, confirm);
    errors.into_result()?;
    let new = new.ok_or_else(|| AppError::internal("validated password missing"))?;
    let hash = password::hash(new.as_str()).map_err(AppError::internal)?;
    let user = conn.transaction(|conn| -> Result<User, AppError> {
        User::set_password(conn, user.id, &hash)?;
        // A reset link mailed before the change must not undo it.
        AccountLink::end_password_resets(conn, user.id, now())?;
        audit(
            conn,
            Some(actor),
            None,
            "password_changed",
            "user",
            Some(user.id),
            serde_json::json!({}),
        )?;
        User::find(conn, user.id)?.ok_or(AppError::NotFound)
    })?;
    issue_session(keys, settings, user)
}

/// A signed one-time token and the hash its link row is stored under.
pub struct LinkToken {
    pub token: String,
    pub hash: String,
}

/// Signs a one-time token for `purpose`, valid until `expires_at`. Only its
/// hash goes to the database, so a copy of the database hands out no links.
pub fn link_token(
    keys: &TokenKeys,
    purpose: &str,
    expires_at: NaiveDateTime,
) -> Result<LinkToken, AppError> {
    let audience = if purpose == PURPOSE_INVITATION {
        Audience::Invitation
    } else {
        Audience::PasswordReset
    };
    let token = keys
        .sign(
            audience,
            &crate::util::random_hex(16),
            0,
            expires_at.and_utc().timestamp(),
        )
        .map_err(AppError::internal)?;
    let hash = crate::util::sha256_hex(token.as_bytes());
    Ok(LinkToken { token, hash })
}

/// The live link behind `token`: signed for `purpose`, known, unused and
/// unexpired. Anything else is `LinkInvalid`.
pub fn open_link(
    conn: &mut DbConn,
    keys: &TokenKeys,
    purpose: &str,
    token: &str,
) -> Result<AccountLink, AppError> {
    let audience = if purpose == PURPOSE_INVITATION {
        Audience::Invitation
    } else {
        Audience::PasswordReset
    };
    keys.verify(audience, token).ok_or(AppError::LinkInvalid)?;
    let hash = crate::util::sha256_hex(token.as_bytes());
    match AccountLink::find_by_hash(conn, purpose, &hash)? {
        Some(link) if link.used_at.is_none() && link.expires_at > now() => Ok(link),
        _ => Err(AppError::LinkInvalid),
    }
}

/// What an invitation page shows before the password is set.
pub struct InvitationView {
    pub link: AccountLink,
    pub seller_name: String,
}

pub fn view_invitation(
    conn: &mut DbConn,
    keys: &TokenKeys,
    token: &str,
) -> Result<InvitationView, AppError> {
    let link = open_link(conn, keys, PURPOSE_INVITATION, token)?;
    let seller_id = link.seller_id.ok_or(AppError::LinkInvalid)?;
    let seller = Seller::find(conn, seller_id)?.ok_or(AppError::LinkInvalid)?;
    Ok(InvitationView {
        link,
        seller_name: seller.short_name,
    })
}

/// Accepts an invitation: creates the member's account with the chosen
/// password and uses up the link, all in one transaction.
pub fn accept_invitation(
    conn: &mut DbConn,
    keys: &TokenKeys,
    settings: &Settings,
    token: &str,
    name: Option<&str>,
    new_password: &str,
    confirm: Option<&str>,
) -> Result<Session, AppError> {
    let mut errors = FieldErrors::new();
    let name = match name {
        Some(n) => errors.check("name", text::required_text(n, 100)),
        None => None,
    };
    let new = check_new_password(&mut errors, "password", new_password, confirm);
    // Check the link before reporting field errors, so a dead link is said first.
    let link = open_link(conn, keys, PURPOSE_INVITATION, token)?;
    errors.into_result()?;
    let new = new.ok_or_else(|| AppError::internal("validated password missing"))?;
    let hash = password::hash(new.as_str()).map_err(AppError::internal)?;
    let user = conn.transaction(|conn| -> Result<User, AppError> {
        if !AccountLink::consume(conn, link.id, now())? {
            return Err(AppError::LinkInvalid);
        }
        if User::find_by_email(conn, &link.email)?.is_some() {
            return Err(AppError::field("email", Reason::Taken));
        }
        let at = now();
        let user = User::insert(
            conn,
            &NewUser {
                email: &link.email,
                name: name.as_deref().unwrap_or(&link.name),
                phone: None,
                role: Role::Seller.as_str(),
                seller_id: link.seller_id,
                post_office_id: None,
                password_hash: &hash,
                token_version: 0,
                active: true,
                created_at: at,
                updated_at: at,
            },
        )?;
        let actor = Actor {
            user_id: user.id,
            role: Role::Seller,
            seller_id: user.seller_id,
            post_office_id: None,
        };
        audit(
            conn,
            Some(&actor),
            user.seller_id,
            "invitation_accepted",
            "user",
            Some(user.id),
            serde_json::json!({ "invitation_id": link.id }),
        )?;
        Ok(user)
    })?;
    issue_session(keys, settings, user)
}

/// Queues a reset link mail when the email has an active account, ending
/// every older reset link of that account. Says nothing either way and
/// returns as fast, so the form cannot be used to find out who has an
/// account; past the per-account hourly limit nothing is sent, still
/// silently. The per-address limit is a 429, which says nothing about the
/// account.
pub fn request_password_reset(
    conn: &mut DbConn,
    keys: &TokenKeys,
    settings: &Settings,
    outbox: &Outbox,
    email: &str,
    client_ip: &str,
) -> Result<(), AppError> {
    let Ok(email) = Email::parse(email) else {
        return Err(AppError::field("email", Reason::InvalidEmail));
    };
    let hour = Duration::hours(1);
    take_attempt(
        conn,
        &[(format!("reset:{client_ip}"), RESET_MAILS_PER_HOUR)],
        hour,
    )?;
    // Counted for every address asked about, known or not, so both paths do
    // the same work up to here.
    let account = [(
        format!("reset-account:{}", email.as_str()),
        RESET_MAILS_PER_ACCOUNT_HOUR,
    )];
    let within_limit = match take_attempt(conn, &account, hour) {
        Ok(_) => true,
        Err(AppError::TooManyRequests { .. }) => false,
        Err(e) => return Err(e),
    };
    let Some(user) = User::find_by_email(conn, email.as_str())? else {
        return Ok(());
    };
    if !user.active {
        return Ok(());
    }
    if !within_limit {
        tracing::warn!(
            user = user.id,
            "reset mail limit of the account reached; nothing sent"
        );
        return Ok(());
    }
    let at = now();
    let expires_at = at + Duration::hours(RESET_HOURS);
    let issued = link_token(keys, PURPOSE_PASSWORD_RESET, expires_at)?;
    let link = format!(
        "{}/password/reset/{}",
        settings.public_base_url, issued.token
    );
    let mail = bilingual_mail(&user.email, &user.name, |t| {
        (
            t.mail_reset_subject,
            t.mail_reset_body
                .replace("{name}", &user.name)
                .replace("{link}", &link),
        )
    });
    conn.transaction(|conn| -> Result<(), AppError> {
        AccountLink::end_password_resets(conn, user.id, at)?;
        let row = AccountLink::insert(
            conn,
            &NewAccountLink {
                purpose: PURPOSE_PASSWORD_RESET,
                token_hash: &issued.hash,
                email: &user.email,
                name: &user.name,
                seller_id: None,
                user_id: Some(user.id),
                created_by: None,
                created_at: at,
                expires_at,
            },
        )?;
        outbox::enqueue(
            conn,
            &mail,
            About {
                kind: outbox::KIND_PASSWORD_RESET,
                seller_id: user.seller_id,
                account_link_id: Some(row.id),
            },
        )?;
        Ok(())
    })?;
    outbox.wake();
    Ok(())
}

/// Sets a new password through a reset link and uses the link up.
pub fn reset_password(
    conn: &mut DbConn,
    token: &str,
    keys: &TokenKeys,
    new_password: &str,
    confirm: Option<&str>,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    let new = check_new_password(&mut errors, "password", new_password, confirm);
    let link = open_link(conn, keys, PURPOSE_PASSWORD_RESET, token)?;
    errors.into_result()?;
    let new = new.ok_or_else(|| AppError::internal("validated password missing"))?;
    let user_id = link.user_id.ok_or(AppError::LinkInvalid)?;
    let hash = password::hash(new.as_str()).map_err(AppError::internal)?;
    conn.transaction(|conn| -> Result<(), AppError> {
        if !AccountLink::consume(conn, link.id, now())? {
            return Err(AppError::LinkInvalid);
        }
        // Every other reset link of the account ends with this one.
        AccountLink::end_password_resets(conn, user_id, now())?;
        User::set_password(conn, user_id, &hash)?;
        login_failure::clear(conn, &account_key(&link.email))?;
        audit(
            conn,
            None,
            None,
            "password_reset",
            "user",
            Some(user_id),
            serde_json::json!({}),
        )?;
        Ok(())
    })
}

/// Creates (or, when the email exists, refuses) a staff or admin account.
pub fn create_user(
    conn: &mut DbConn,
    email: &str,
    name: &str,
    role: Role,
    post_office_id: Option<i64>,
    password_text: &str,
) -> Result<User, AppError> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(email));
    let name = errors.check("name", text::required_text(name, 100));
    let new = errors.check("password", NewPassword::parse(password_text));
    if role == Role::Seller {
        errors.push("role", Reason::InvalidChoice);
    }
    errors.into_result()?;
    let (Some(email), Some(name), Some(new)) = (email, name, new) else {
        return Err(AppError::internal("validated fields missing"));
    };
    if let Some(po) = post_office_id
        && crate::db::models::PostOffice::find(conn, po)?.is_none()
    {
        return Err(AppError::field("post_office", Reason::Invalid));
    }
    if User::find_by_email(conn, email.as_str())?.is_some() {
        return Err(AppError::field("email", Reason::Taken));
    }
    let hash = password::hash(new.as_str()).map_err(AppError::internal)?;
    let at = now();
    conn.transaction(|conn| -> Result<User, AppError> {
        let user = User::insert(
            conn,
            &NewUser {
                email: email.as_str(),
                name: &name,
                phone: None,
                role: role.as_str(),
                seller_id: None,
                post_office_id,
                password_hash: &hash,
                token_version: 0,
                active: true,
                created_at: at,
                updated_at: at,
            },
        )?;
        audit(
            conn,
            None,
            None,
            "user_created",
            "user",
            Some(user.id),
            serde_json::json!({ "role": role.as_str(), "email": user.email }),
        )?;
        Ok(user)
    })
}

/// A mail in both languages, Vietnamese first: the recipient may read either.
pub fn bilingual_mail(
    to: &str,
    to_name: &str,
    part: impl Fn(&'static crate::i18n::Texts) -> (&'static str, String),
) -> Mail {
    bilingual_mail_in(to, to_name, |lang| part(lang.texts()))
}

/// [`bilingual_mail`] for texts kept outside the main table (exports,
/// imports): `part` gets the language itself.
pub fn bilingual_mail_in(
    to: &str,
    to_name: &str,
    part: impl Fn(Lang) -> (&'static str, String),
) -> Mail {
    let (subject_vi, body_vi) = part(Lang::Vi);
    let (subject_en, body_en) = part(Lang::En);
    Mail {
        to: to.to_owned(),
        to_name: to_name.to_owned(),
        subject: format!("{subject_vi} / {subject_en}"),
        body: format!("{body_vi}\n\n---- English ----\n\n{body_en}\n"),
    }
}
