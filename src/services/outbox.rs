//! The outbox: every message the service sends is first a row, written by
//! [`enqueue`] in the same transaction as what caused it, then delivered by
//! one sender worker per instance with retries and exponential backoff. No
//! request ever waits for a mail server.
//!
//! Several instances may share one PostgreSQL: a worker claims one row at a
//! time with a lease (`locked_until`) in a short transaction, returns the
//! connection, talks SMTP, and settles the row with another short
//! transaction. A worker that dies mid-send leaves a lease that runs out,
//! and the row is tried again (at-least-once delivery).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::config::Settings;
use crate::db::models::outbox::{STATUS_FAILED, STATUS_PENDING, STATUS_SENT};
use crate::db::models::{NewOutboxRow, OutboxRow, now};
use crate::db::{DbConn, Pool};
use crate::error::AppError;
use crate::mail::{Mail, Mailer};

/// How a message reaches its recipient. Only email is delivered today; the
/// column is there so Zalo and SMS messages join the same queue later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Zalo,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Zalo => "zalo",
            Channel::Sms => "sms",
        }
    }
}

/// What a message is about, for the log, the staff pages and later the
/// channel's template choice.
pub const KIND_INVITATION: &str = "invitation";
pub const KIND_PASSWORD_RESET: &str = "password_reset";
pub const KIND_CERTIFICATE_EXPIRY: &str = "certificate_expiry";
pub const KIND_EXPORT_READY: &str = "export_ready";
pub const KIND_COPY_ALERT: &str = "copy_alert";

/// Where a message belongs: its kind, the seller it concerns and the
/// account link (invitation, reset) it carries, if any.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub kind: &'a str,
    pub seller_id: Option<i64>,
    pub account_link_id: Option<i64>,
}

impl<'a> About<'a> {
    pub fn kind(kind: &'a str) -> About<'a> {
        About {
            kind,
            seller_id: None,
            account_link_id: None,
        }
    }
}

/// Queues `mail` for delivery by email. Call it inside the transaction that
/// decides the mail is due, then [`Outbox::wake`] the worker after the
/// commit (or let its polling find the row).
pub fn enqueue(conn: &mut DbConn, mail: &Mail, about: About<'_>) -> Result<i64, AppError> {
    let at = now();
    Ok(OutboxRow::insert(
        conn,
        &NewOutboxRow {
            channel: Channel::Email.as_str(),
            recipient: &mail.to,
            recipient_name: &mail.to_name,
            subject: &mail.subject,
            body: &mail.body,
            kind: about.kind,
            seller_id: about.seller_id,
            account_link_id: about.account_link_id,
            status: STATUS_PENDING,
            attempts: 0,
            next_attempt_at: at,
            created_at: at,
        },
    )?)
}

/// Tries before a message is marked `failed`.
pub const MAX_ATTEMPTS: i32 = 10;
/// The longest wait between two tries.
const MAX_BACKOFF_SECS: i64 = 2 * 3600;
/// How often the worker looks for due rows without being woken (rows
/// enqueued by other instances, by the CLI, or due for a retry).
const POLL: Duration = Duration::from_secs(10);
/// Rows looked at per claim; the first one still free is taken.
const CLAIM_CANDIDATES: i64 = 8;
/// The most of an error kept on a row and shown to staff.
const ERROR_CHARS: usize = 200;

/// How long the worker waits, retries and holds a claim.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub retry_base_secs: i64,
    /// Longer than any one send can take, so that a lease never runs out
    /// while its worker is still talking to the server.
    pub lease_secs: i64,
}

impl Policy {
    pub fn from_settings(settings: &Settings) -> Policy {
        let timeout = i64::try_from(settings.smtp_timeout_secs).unwrap_or(600);
        Policy {
            retry_base_secs: i64::try_from(settings.mail_retry_secs).unwrap_or(60),
            // Connect, greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA,
            // body, QUIT: each may take up to the timeout.
            lease_secs: timeout * 12 + 60,
        }
    }

    /// The wait before the try after `attempts` failed ones.
    pub fn backoff(&self, attempts: i32) -> chrono::Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(20);
        let secs = self
            .retry_base_secs
            .saturating_mul(1_i64 << doublings)
            .min(MAX_BACKOFF_SECS);
        chrono::Duration::seconds(secs)
    }

    fn poll(&self) -> Duration {
        let base = u64::try_from(self.retry_base_secs).unwrap_or(1).max(1);
        POLL.min(Duration::from_secs(base))
    }
}

/// What one delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Delivers every due row, one at a time, until none is left or `stop` is
/// set. No connection is held while the mailer talks to its server.
pub fn deliver_due(
    pool: &Pool,
    mailer: &Mailer,
    policy: &Policy,
    stop: &AtomicBool,
) -> Result<PassReport, AppError> {
    let mut report = PassReport::default();
    while !stop.load(Ordering::Relaxed) {
        let Some(row) = claim_next(pool, policy)? else {
            break;
        };
        let outcome = send(mailer, &row);
        let mut conn = pool.get()?;
        let at = now();
        match outcome {
            Ok(()) => {
                OutboxRow::mark_sent(&mut conn, row.id, at)?;
                tracing::info!(outbox = row.id, kind = %row.kind, attempts = row.attempts, "message sent");
                report.sent += 1;
            }
            Err((error, permanent)) => {
                let give_up = permanent || row.attempts >= MAX_ATTEMPTS;
                let next = at + policy.backoff(row.attempts);
                let error: String = error.chars().take(ERROR_CHARS).collect();
                OutboxRow::mark_attempt_failed(&mut conn, row.id, &error, next, give_up)?;
                if give_up {
                    tracing::error!(outbox = row.id, kind = %row.kind, attempts = row.attempts, cause = %error, "message given up");
                    report.failed += 1;
                } else {
                    tracing::warn!(outbox = row.id, kind = %row.kind, attempts = row.attempts, cause = %error, retry_at = %next, "message not sent; will retry");
                    report.retrying += 1;
                }
            }
        }
    }
    Ok(report)
}

/// Claims the oldest due row nobody holds, in one short transaction.
fn claim_next(pool: &Pool, policy: &Policy) -> Result<Option<OutboxRow>, AppError> {
    let mut conn = pool.get()?;
    let at = now();
    let lease_until = at + chrono::Duration::seconds(policy.lease_secs);
    conn.transaction(|conn| -> Result<Option<OutboxRow>, AppError> {
        for id in OutboxRow::due(conn, at, CLAIM_CANDIDATES)? {
            if let Some(row) = OutboxRow::claim(conn, id, at, lease_until)? {
                return Ok(Some(row));
            }
        }
        Ok(None)
    })
}

/// Hands one row to its channel; the error says whether retrying can help.
fn send(mailer: &Mailer, row: &OutboxRow) -> Result<(), (String, bool)> {
    match row.channel.as_str() {
        "email" => mailer
            .send(&Mail {
                to: row.recipient.clone(),
                to_name: row.recipient_name.clone(),
                subject: row.subject.clone(),
                body: row.body.clone(),
            })
            .map_err(|e| (e.to_string(), e.is_permanent())),
        other => Err((format!("no sender for the {other} channel"), true)),
    }
}

/// Where one message stands, as staff pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct MailState {
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    /// Why the last try failed, shortened; none once sent.
    pub error: Option<String>,
    pub next_attempt_at: Option<String>,
    pub sent_at: Option<String>,
}

impl From<&OutboxRow> for MailState {
    fn from(r: &OutboxRow) -> Self {
        MailState {
            status: r.status.clone(),
            attempts: r.attempts,
            error: if r.status == STATUS_SENT {
                None
            } else {
                r.last_error.clone()
            },
            next_attempt_at: (r.status == STATUS_PENDING)
                .then(|| r.next_attempt_at.and_utc().to_rfc3339()),
            sent_at: r.sent_at.map(|t| t.and_utc().to_rfc3339()),
        }
    }
}

impl MailState {
    pub fn is_failed(&self) -> bool {
        self.status == STATUS_FAILED
    }
}

/// The newest mail of each of these account links.
pub fn states_of_links(
    conn: &mut DbConn,
    link_ids: &[i64],
) -> Result<Vec<(i64, MailState)>, AppError> {
    let mut out: Vec<(i64, MailState)> = Vec::new();
    // Rows come newest first: the first seen per link wins.
    for row in OutboxRow::for_links(conn, link_ids)? {
        if let Some(link) = row.account_link_id
            && !out.iter().any(|(l, _)| *l == link)
        {
            out.push((link, MailState::from(&row)));
        }
    }
    Ok(out)
}

enum Signal {
    Wake,
    /// Replies after a pass that started after the request.
    Flush(SyncSender<()>),
    Stop,
}

/// The handle requests hold: wakes this instance's sender worker.
#[derive(Clone)]
pub struct Outbox {
    tx: SyncSender<Signal>,
    stop: Arc<AtomicBool>,
}

/// The sender thread; `stop` lets the mail in flight finish and ends it.
pub struct OutboxWorker {
    handle: Option<JoinHandle<()>>,
    done: Receiver<()>,
    outbox: Outbox,
}

/// Wake-ups waiting at most: one is enough to start a pass that sees every
/// row committed before it, so more would only wait in line.
const SIGNALS: usize = 4;

impl Outbox {
    /// Starts the sender worker.
    pub fn start(pool: Pool, mailer: Mailer, policy: Policy) -> (Outbox, OutboxWorker) {
        let (tx, rx) = mpsc::sync_channel(SIGNALS);
        let stop = Arc::new(AtomicBool::new(false));
        let outbox = Outbox {
            tx,
            stop: stop.clone(),
        };
        let (done_tx, done) = mpsc::sync_channel(1);
        let handle = std::thread::Builder::new()
            .name("outbox-sender".into())
            .spawn(move || {
                send_loop(&rx, &pool, &mailer, &policy, &stop);
                let _ = done_tx.send(());
            });
        let handle = match handle {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::error!(cause = %e, "could not start the outbox sender; mails wait for another instance or `ocop notify`");
                None
            }
        };
        let worker = OutboxWorker {
            handle,
            done,
            outbox: outbox.clone(),
        };
        (outbox, worker)
    }

    /// Asks the worker to look for due rows now. Never blocks: when wake-ups
    /// are already waiting, the pass they start will see this row too.
    pub fn wake(&self) {
        match self.tx.try_send(Signal::Wake) {
            Ok(()) | Err(TrySendError::Full(_)) => {}
            Err(TrySendError::Disconnected(_)) => {
                tracing::warn!("outbox sender is gone; the row waits for the next start");
            }
        }
    }

    /// Waits until a delivery pass started after this call has finished
    /// (tests): every row due now has been tried once more.
    pub fn flush(&self) {
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        if self.tx.send(Signal::Flush(ack_tx)).is_ok() {
            let _ = ack_rx.recv();
        }
    }
}

/// How long shutdown waits for a send in flight before leaving it to its
/// lease: the row is then tried again by the next start or another instance.
const STOP_WAIT: Duration = Duration::from_secs(25);

impl OutboxWorker {
    /// Lets the message in flight finish (up to 25 s), then ends the worker.
    /// Rows not yet sent stay pending for the next start.
    pub fn stop(mut self) {
        self.outbox.stop.store(true, Ordering::Relaxed);
        let _ = self.outbox.tx.try_send(Signal::Stop);
        match self.done.recv_timeout(STOP_WAIT) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                if let Some(h) = self.handle.take()
                    && h.join().is_err()
                {
                    tracing::error!("outbox sender thread panicked");
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                tracing::warn!("outbox sender still sending at shutdown; its lease will expire");
            }
        }
    }
}

fn send_loop(
    rx: &Receiver<Signal>,
    pool: &Pool,
    mailer: &Mailer,
    policy: &Policy,
    stop: &AtomicBool,
) {
    let mut acks: Vec<SyncSender<()>> = Vec::new();
    loop {
        if let Err(e) = deliver_due(pool, mailer, policy, stop) {
            tracing::warn!(cause = %e, "outbox pass failed; retrying at the next poll");
        }
        for ack in acks.drain(..) {
            let _ = ack.send(());
        }
        if stop.load(Ordering::Relaxed) {
            return;
        }
        match rx.recv_timeout(policy.poll()) {
            Ok(Signal::Wake) | Err(RecvTimeoutError::Timeout) => {}
            Ok(Signal::Flush(ack)) => acks.push(ack),
            Ok(Signal::Stop) | Err(RecvTimeoutError::Disconnected) => return,
        }
        // Wake-ups and flushes that came meanwhile are served by one pass.
        for signal in rx.try_iter() {
            match signal {
                Signal::Wake => {}
                Signal::Flush(ack) => acks.push(ack),
                Signal::Stop => return,
            }
        }
    }
}

/// Rows still to deliver, for tests and the health report.
pub fn pending(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(OutboxRow::pending_count(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = Policy {
            retry_base_secs: 60,
            lease_secs: 300,
        };
        assert_eq!(p.backoff(1).num_seconds(), 60);
        assert_eq!(p.backoff(2).num_seconds(), 120);
        assert_eq!(p.backoff(4).num_seconds(), 480);
        assert_eq!(p.backoff(9).num_seconds(), MAX_BACKOFF_SECS);
        assert_eq!(p.backoff(1_000).num_seconds(), MAX_BACKOFF_SECS);
        assert_eq!(p.backoff(0).num_seconds(), 60);
    }
}
