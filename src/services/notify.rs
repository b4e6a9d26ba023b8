//! Reminders that run from `ocop notify`, daily or as often as an operator
//! likes: each certificate gets one mail 60 days before it expires and one
//! 14 days before, never twice, whatever the schedule. The mails are queued
//! in the outbox together with the mark; `ocop notify` then makes one
//! delivery pass itself, so a cron job alone still delivers.

use chrono::NaiveDate;

use crate::config::Settings;
use crate::db::DbConn;
use crate::db::models::{Certificate, Product, Seller, User, now};
use crate::error::AppError;
use crate::services::accounts::bilingual_mail;
use crate::services::outbox::{self, About};

/// The reminder thresholds, in days before expiry.
pub const THRESHOLDS: [i64; 2] = [60, 14];

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NotifyReport {
    /// Certificates within 60 days of expiry.
    pub checked: usize,
    /// Reminders due (one per certificate and threshold).
    pub reminders: usize,
    /// Mails queued (a reminder goes to every member and the onboarding staff).
    pub mails: usize,
}

/// The threshold a certificate with `days_left` falls under, if any.
fn threshold(days_left: i64) -> Option<i64> {
    if days_left <= 14 {
        Some(14)
    } else if days_left <= 60 {
        Some(60)
    } else {
        None
    }
}

/// Who hears about a seller's certificate: its active members, its own
/// email, and the staff member who onboarded it.
fn recipients(conn: &mut DbConn, seller: &Seller) -> Result<Vec<(String, String)>, AppError> {
    let mut to: Vec<(String, String)> = User::members_of(conn, seller.id)?
        .into_iter()
        .filter(|u| u.active)
        .map(|u| (u.email, u.name))
        .collect();
    if let Some(email) = &seller.email {
        to.push((email.clone(), seller.short_name.clone()));
    }
    if let Some(staff_id) = seller.onboarded_by
        && let Some(staff) = User::find(conn, staff_id)?
        && staff.active
    {
        to.push((staff.email, staff.name));
    }
    to.sort();
    to.dedup_by(|a, b| a.0 == b.0);
    Ok(to)
}

/// Queues the due expiry reminders as of `today`. Each reminder is marked
/// and its mails queued in one transaction: a concurrent run cannot mark it
/// a second time, and a mark never exists without its mails.
pub fn certificate_expiry(
    conn: &mut DbConn,
    settings: &Settings,
    today: NaiveDate,
) -> Result<NotifyReport, AppError> {
    let until = today + chrono::Duration::days(60);
    let due = Certificate::expiring(conn, today, until)?;
    let mut report = NotifyReport {
        checked: due.len(),
        ..Default::default()
    };
    for cert in due {
        let days_left = (cert.valid_until - today).num_days();
        let Some(days) = threshold(days_left) else {
            continue;
        };
        let already = match days {
            14 => cert.notified_14_at.is_some(),
            _ => cert.notified_60_at.is_some(),
        };
        if already {
            continue;
        }
        let Some(product) = Product::find(conn, cert.product_id)? else {
            continue;
        };
        let Some(seller) = Seller::find(conn, product.seller_id)? else {
            continue;
        };
        let to = recipients(conn, &seller)?;
        let link = format!("{}/products/{}", settings.public_base_url, product.id);
        let sent = conn.transaction(|conn| -> Result<Option<usize>, AppError> {
            if !Certificate::mark_notified(conn, cert.id, days, now())? {
                return Ok(None);
            }
            // The 14-day mail makes a 60-day one pointless if both are due.
            if days == 14 {
                Certificate::mark_notified(conn, cert.id, 60, now())?;
            }
            for (email, name) in &to {
                let mail = bilingual_mail(email, name, |t| {
                    (
                        t.mail_expiry_subject,
                        t.mail_expiry_body
                            .replace("{name}", name)
                            .replace("{stars}", &cert.stars.to_string())
                            .replace("{product}", &product.name_vi)
                            .replace("{seller}", &seller.short_name)
                            .replace("{decision}", &cert.decision_no)
                            .replace("{until}", &cert.valid_until.format("%d/%m/%Y").to_string())
                            .replace("{days}", &days_left.to_string())
                            .replace("{link}", &link),
                    )
                });
                outbox::enqueue(
                    conn,
                    &mail,
                    About {
                        kind: outbox::KIND_CERTIFICATE_EXPIRY,
                        seller_id: Some(seller.id),
                        account_link_id: None,
                    },
                )?;
            }
            Ok(Some(to.len()))
        })?;
        if let Some(mails) = sent {
            report.reminders += 1;
            report.mails += mails;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #[test]
    fn thresholds() {
        assert_eq!(super::threshold(61), None);
        assert_eq!(super::threshold(60), Some(60));
        assert_eq!(super::threshold(15), Some(60));
        assert_eq!(super::threshold(14), Some(14));
        assert_eq!(super::threshold(0), Some(14));
    }
}
