//! What a buyer's scan says, and recording scans without slowing the page:
//! a bounded queue that a background thread writes in batches, drained on
//! shutdown so no served scan is lost.

use std::net::IpAddr;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::Connection;

use crate::config::Settings;
use crate::db::models::stamp::{insert_scans, networks_since};
use crate::db::models::{
    Certificate, CopyAlert, Lot, NewScan, Photo, Product, Seller, Stamp, StampRun, TraceEvent,
    User, current_certificate, now,
};
use crate::db::{DbConn, Pool};
use crate::domain::{ScanOutcome, StampCode};
use crate::error::AppError;
use crate::mail::Mailer;
use crate::services::accounts::bilingual_mail;
use crate::services::catalog::today_vn;
use crate::services::stamps::StampKeys;

/// Everything the scan page and `/api/v1/scan/{code}` show. Nothing in it is
/// private, so the answer may be cached.
#[derive(Debug, Clone)]
pub struct ScanResult {
    pub outcome: ScanOutcome,
    /// The normalised code, when it had the right shape.
    pub code: Option<StampCode>,
    pub stamp: Option<Stamp>,
    pub product: Option<Product>,
    pub seller: Option<Seller>,
    pub certificate: Option<Certificate>,
    pub latest_certificate: Option<Certificate>,
    pub lot: Option<Lot>,
    pub events: Vec<TraceEvent>,
    pub photo: Option<String>,
    /// Scans stored so far plus this one.
    pub scan_count: i64,
    pub first_scanned_at: Option<NaiveDateTime>,
}

impl ScanResult {
    fn bare(outcome: ScanOutcome, code: Option<StampCode>) -> ScanResult {
        ScanResult {
            outcome,
            code,
            stamp: None,
            product: None,
            seller: None,
            certificate: None,
            latest_certificate: None,
            lot: None,
            events: Vec::new(),
            photo: None,
            scan_count: 0,
            first_scanned_at: None,
        }
    }
}

/// Checks a code's shape and keyed check without touching the database.
/// `Err` carries the answer for a code that cannot be genuine.
pub fn precheck(keys: &StampKeys, text: &str) -> Result<StampCode, Box<ScanResult>> {
    match StampCode::parse(text) {
        Ok(code) if keys.verify(&code) => Ok(code),
        Ok(code) => Err(Box::new(ScanResult::bare(
            ScanOutcome::NotGenuine,
            Some(code),
        ))),
        Err(_) => Err(Box::new(ScanResult::bare(ScanOutcome::NotGenuine, None))),
    }
}

/// Decides the outcome for a code that passed its check, and gathers what
/// the page shows. The order matters: a voided or recalled stamp says so
/// even when it also looks copied.
pub fn evaluate(
    conn: &mut DbConn,
    settings: &Settings,
    code: StampCode,
) -> Result<ScanResult, AppError> {
    let Some(stamp) = Stamp::find_by_code(conn, code.as_str())? else {
        // Signed with our key but never issued: a leaked key or a bug, and
        // in either case not a stamp anyone sold.
        return Ok(ScanResult::bare(ScanOutcome::NotGenuine, Some(code)));
    };
    let run = StampRun::find(conn, stamp.run_id)?.ok_or(AppError::NotFound)?;
    let product = Product::find(conn, run.product_id)?;
    let seller = Seller::find(conn, run.seller_id)?;
    let lot = match stamp.lot_id {
        Some(id) => Lot::find(conn, id)?,
        None => None,
    };
    let certs = Certificate::of_products(conn, &[run.product_id])?;
    let today: NaiveDate = today_vn();
    let certificate = current_certificate(&certs, run.product_id, today).cloned();
    let at = now();
    let networks = networks_since(conn, stamp.id, at - chrono::Duration::hours(24))?;
    let outcome = if stamp.status == "void" || run.voided_at.is_some() {
        ScanOutcome::Void
    } else if stamp.status == "issued" || lot.is_none() {
        ScanOutcome::NotActivated
    } else if lot.as_ref().is_some_and(|l| l.status == "recalled") {
        ScanOutcome::Recalled
    } else if lot.as_ref().is_some_and(|l| l.status == "held") {
        ScanOutcome::Held
    } else if stamp.scan_count >= settings.copy_scan_limit || networks > settings.copy_networks {
        ScanOutcome::PossibleCopy
    } else if certificate.is_none() && !certs.is_empty() {
        ScanOutcome::CertificateExpired
    } else {
        ScanOutcome::Genuine
    };
    let events = match &lot {
        Some(l) => TraceEvent::of_lot(conn, l.id)?,
        None => Vec::new(),
    };
    let photo = Photo::of_products(conn, &[run.product_id])?
        .first()
        .map(|p| p.file_key.clone());
    Ok(ScanResult {
        outcome,
        code: Some(code),
        scan_count: i64::from(stamp.scan_count) + 1,
        first_scanned_at: stamp.first_scanned_at.or(Some(at)),
        stamp: Some(stamp),
        product,
        seller,
        certificate,
        latest_certificate: certs.first().cloned(),
        lot,
        events,
        photo,
    })
}

/// The network a client is in: /24 for IPv4, /48 for IPv6. Copies are
/// spotted by networks, and no full address is ever stored.
pub fn network_of(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
        None => "unknown".to_owned(),
    }
}

/// A coarse browser family from the User-Agent: enough to tell Zalo's
/// in-app browser from a camera app, nothing that identifies a person.
pub fn agent_family(user_agent: &str) -> &'static str {
    let ua = user_agent.to_ascii_lowercase();
    if ua.contains("zalo") {
        "zalo"
    } else if ua.contains("fban") || ua.contains("fbav") {
        "facebook"
    } else if ua.contains("edg/") {
        "edge"
    } else if ua.contains("chrome") || ua.contains("crios") {
        "chrome"
    } else if ua.contains("safari") {
        "safari"
    } else if ua.contains("firefox") {
        "firefox"
    } else if ua.is_empty() {
        "none"
    } else {
        "other"
    }
}

enum Message {
    Scan(NewScan),
    /// Replies once everything queued before it is stored.
    Flush(SyncSender<()>),
    /// Stores everything queued before it, then ends the writer. Senders
    /// live on in request handlers' state, so the channel never closes by
    /// itself.
    Stop,
}

/// The bounded queue in front of the scan writer.
#[derive(Clone)]
pub struct ScanRecorder {
    tx: SyncSender<Message>,
}

/// The writer thread; `stop` drains the queue and waits for it.
pub struct ScanWriter {
    handle: Option<JoinHandle<()>>,
    recorder: ScanRecorder,
}

/// Scans queued before the page answers; past this the request writes its
/// own scan, slower but nothing is dropped.
const QUEUE_CAPACITY: usize = 10_000;
/// Scans written per transaction at most.
const BATCH: usize = 1_000;
/// How long the writer waits to fill a batch.
const BATCH_WAIT: Duration = Duration::from_millis(50);

impl ScanRecorder {
    /// Starts the writer thread.
    pub fn start(pool: Pool, settings: Settings, mailer: Mailer) -> (ScanRecorder, ScanWriter) {
        let (tx, rx) = mpsc::sync_channel(QUEUE_CAPACITY);
        let recorder = ScanRecorder { tx };
        let handle = std::thread::Builder::new()
            .name("scan-writer".into())
            .spawn(move || write_loop(rx, pool, settings, mailer))
            .ok();
        if handle.is_none() {
            tracing::error!("could not start the scan writer thread; scans are written inline");
        }
        let writer = ScanWriter {
            handle,
            recorder: recorder.clone(),
        };
        (recorder, writer)
    }

    /// Queues a scan. `Err` gives it back when the queue is full or gone,
    /// for the caller to store itself.
    pub fn record(&self, scan: NewScan) -> Result<(), Box<NewScan>> {
        match self.tx.try_send(Message::Scan(scan)) {
            Ok(()) => Ok(()),
            Err(
                TrySendError::Full(Message::Scan(s)) | TrySendError::Disconnected(Message::Scan(s)),
            ) => Err(Box::new(s)),
            Err(_) => Ok(()),
        }
    }

    /// Waits until every scan queued so far is stored (tests, shutdown).
    pub fn flush(&self) {
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        if self.tx.send(Message::Flush(ack_tx)).is_ok() {
            let _ = ack_rx.recv();
        }
    }
}

impl ScanWriter {
    /// Stores every queued scan, then ends the writer thread.
    pub fn stop(mut self) {
        if self.recorder.tx.send(Message::Stop).is_err() {
            return;
        }
        if let Some(h) = self.handle.take()
            && h.join().is_err()
        {
            tracing::error!("scan writer thread panicked");
        }
    }
}

fn write_loop(rx: Receiver<Message>, pool: Pool, settings: Settings, mailer: Mailer) {
    let mut batch: Vec<NewScan> = Vec::with_capacity(BATCH);
    let mut acks: Vec<SyncSender<()>> = Vec::new();
    let mut stopping = false;
    loop {
        let first = match rx.recv() {
            Ok(m) => m,
            Err(_) => return,
        };
        // True when the message asks the writer to stop.
        let take = |m: Message, batch: &mut Vec<NewScan>, acks: &mut Vec<SyncSender<()>>| match m {
            Message::Scan(s) => {
                batch.push(s);
                false
            }
            Message::Flush(ack) => {
                acks.push(ack);
                false
            }
            Message::Stop => true,
        };
        stopping |= take(first, &mut batch, &mut acks);
        while batch.len() < BATCH && acks.is_empty() && !stopping {
            match rx.recv_timeout(BATCH_WAIT) {
                Ok(m) => stopping |= take(m, &mut batch, &mut acks),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        if !batch.is_empty() {
            // A failed write is retried a few times; the scans stay in
            // memory meanwhile rather than being dropped.
            let mut tries = 0;
            loop {
                match store(&pool, &settings, &mailer, &batch) {
                    Ok(()) => break,
                    Err(e) if tries < 5 => {
                        tries += 1;
                        tracing::warn!(cause = %e, tries, "storing scans failed; retrying");
                        std::thread::sleep(Duration::from_millis(200 * tries));
                    }
                    Err(e) => {
                        tracing::error!(cause = %e, lost = batch.len(), "storing scans failed");
                        break;
                    }
                }
            }
            batch.clear();
        }
        for ack in acks.drain(..) {
            let _ = ack.send(());
        }
        if stopping {
            // Anything a late request queued behind the stop is stored too.
            let late: Vec<NewScan> = rx
                .try_iter()
                .filter_map(|m| match m {
                    Message::Scan(s) => Some(s),
                    _ => None,
                })
                .collect();
            if !late.is_empty()
                && let Err(e) = store(&pool, &settings, &mailer, &late)
            {
                tracing::error!(cause = %e, lost = late.len(), "storing the last scans failed");
            }
            return;
        }
    }
}

/// Stores a batch: the scan rows, each stamp's count, and an alert (with at
/// most one mail per stamp a day) for possible copies.
pub fn store(
    pool: &Pool,
    settings: &Settings,
    mailer: &Mailer,
    batch: &[NewScan],
) -> Result<(), AppError> {
    let mut conn = pool.get()?;
    let alerts = conn.transaction(|conn| -> Result<Vec<(i64, i64, i32, i64)>, AppError> {
        insert_scans(conn, batch)?;
        let mut per_stamp: Vec<(i64, i32, NaiveDateTime, bool)> = Vec::new();
        for s in batch {
            let Some(id) = s.stamp_id else { continue };
            match per_stamp.iter_mut().find(|p| p.0 == id) {
                Some(p) => {
                    p.1 += 1;
                    p.3 |= s.outcome == "possible_copy";
                }
                None => per_stamp.push((id, 1, s.at, s.outcome == "possible_copy")),
            }
        }
        let mut alerts = Vec::new();
        for (id, n, first, copy) in per_stamp {
            Stamp::add_scans(conn, id, n, first)?;
            if copy {
                let at = now();
                let networks = networks_since(conn, id, at - chrono::Duration::hours(24))?;
                let Some(stamp) = Stamp::find(conn, id)? else {
                    continue;
                };
                let Some(run) = StampRun::find(conn, stamp.run_id)? else {
                    continue;
                };
                let mail = Stamp::claim_alert(conn, id, at)?;
                CopyAlert::insert(
                    conn,
                    id,
                    run.seller_id,
                    at,
                    stamp.scan_count,
                    networks as i32,
                    mail,
                )?;
                if mail {
                    alerts.push((id, run.seller_id, stamp.scan_count, networks));
                }
            }
        }
        Ok(alerts)
    })?;
    for (stamp_id, seller_id, scans, networks) in alerts {
        if let Err(e) = mail_alert(
            &mut conn, settings, mailer, stamp_id, seller_id, scans, networks,
        ) {
            tracing::error!(cause = %e, stamp_id, "copy alert mail failed");
        }
    }
    Ok(())
}

fn mail_alert(
    conn: &mut DbConn,
    settings: &Settings,
    mailer: &Mailer,
    stamp_id: i64,
    seller_id: i64,
    scans: i32,
    networks: i64,
) -> Result<(), AppError> {
    let Some(seller) = Seller::find(conn, seller_id)? else {
        return Ok(());
    };
    let code = Stamp::find(conn, stamp_id)?
        .map(|s| s.code)
        .unwrap_or_default();
    let link = format!("{}/seller/stamps", settings.public_base_url);
    for user in User::members_of(conn, seller_id)?
        .into_iter()
        .filter(|u| u.active)
    {
        let mail = bilingual_mail(&user.email, &user.name, |t| {
            (
                t.mail_copy_subject,
                t.mail_copy_body
                    .replace("{name}", &user.name)
                    .replace("{seller}", &seller.short_name)
                    .replace("{code}", &code)
                    .replace("{scans}", &scans.to_string())
                    .replace("{networks}", &networks.to_string())
                    .replace("{link}", &link),
            )
        });
        mailer.send(&mail).map_err(AppError::internal)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_coarse() {
        assert_eq!(network_of("203.113.45.67".parse().ok()), "203.113.45.0/24");
        assert_eq!(
            network_of("2001:ee0:4f01:1:2:3:4:5".parse().ok()),
            "2001:ee0:4f01::/48"
        );
        assert_eq!(network_of(None), "unknown");
    }

    #[test]
    fn agent_families() {
        assert_eq!(
            agent_family(
                "Mozilla/5.0 (Linux; Android 10) Chrome/120 Mobile Safari/537.36 Zalo iOS/471"
            ),
            "zalo"
        );
        assert_eq!(
            agent_family(
                "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
            ),
            "chrome"
        );
        assert_eq!(agent_family(""), "none");
    }
}
