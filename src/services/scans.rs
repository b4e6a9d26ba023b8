//! What a buyer's scan says, and recording scans without slowing the page:
//! a bounded buffer that a background thread writes in batches, in order,
//! retrying for as long as the database is away. A scan page answers 200
//! only for a scan that is in the buffer; at a stop, what the database
//! cannot take is saved to a file in the data dir and stored at the next
//! start, so no answered scan is lost.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::Connection;

use crate::config::Settings;
use crate::db::models::scan_stats::VN_OFFSET_HOURS;
use crate::db::models::stamp::{
    count_forged, devices_since, insert_scans, networks_since, sources_of,
};
use crate::db::models::{
    Certificate, CopyAlert, Lot, NewScan, Photo, Product, Seller, Stamp, StampRun, TraceEvent,
    User, current_certificate, now,
};
use crate::db::{DbConn, Pool};
use crate::domain::{ScanOutcome, StampCode};
use crate::error::AppError;
use crate::services::accounts::bilingual_mail;
use crate::services::catalog::today_vn;
use crate::services::outbox::{self, About};
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
    let copied = looks_copied(conn, settings, stamp.id, at)?;
    let outcome = if stamp.status == "void" || run.voided_at.is_some() {
        ScanOutcome::Void
    } else if stamp.status == "issued" || lot.is_none() {
        ScanOutcome::NotActivated
    } else if lot.as_ref().is_some_and(|l| l.status == "recalled") {
        ScanOutcome::Recalled
    } else if lot.as_ref().is_some_and(|l| l.status == "held") {
        ScanOutcome::Held
    } else if copied {
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

/// The copy signal. A stamp is a possible copy when, within 24 hours, it
/// was scanned from more networks than `copy_networks` and by more devices
/// than that; or when, over its life, more (network, device) pairs than
/// `copy_scan_limit` scanned it. One phone scanning a hundred times from
/// one place is one source, so a genuine stamp does not flip; the same code
/// printed on many packs is scanned from many places and does.
fn looks_copied(
    conn: &mut DbConn,
    settings: &Settings,
    stamp_id: i64,
    at: NaiveDateTime,
) -> Result<bool, AppError> {
    let day_ago = at - chrono::Duration::hours(24);
    let limit = settings.copy_networks;
    if networks_since(conn, stamp_id, day_ago)? > limit
        && devices_since(conn, stamp_id, day_ago, limit + 1)? > limit
    {
        return Ok(true);
    }
    let sources = i64::from(settings.copy_scan_limit);
    Ok(sources_of(conn, stamp_id, sources + 1)? > sources)
}

/// A coarse device tag: the browser family and 32 bits of a hash of the
/// User-Agent. Two phones of the same model and version share it, so it
/// names no one; with the network it tells one phone scanning many times
/// from many people scanning once.
pub fn device_of(user_agent: &str) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(user_agent.as_bytes());
    format!(
        "{}-{:02x}{:02x}{:02x}{:02x}",
        agent_family(user_agent),
        hash[0],
        hash[1],
        hash[2],
        hash[3]
    )
}

/// Link-preview fetchers and crawlers: chat apps and social networks fetch
/// a shared link to draw its card, which is not a buyer scanning a stamp.
/// They get the same page, uncounted.
pub fn is_preview_agent(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    const MARKERS: [&str; 16] = [
        "facebookexternalhit",
        "facebot",
        "facebookcatalog",
        "zalo-crawler",
        "zalocrawler",
        "zalo-link",
        "whatsapp/",
        "skypeuripreview",
        "slack-imgproxy",
        "slackbot",
        "crawler",
        "spider",
        "preview",
        "embedly",
        "+http",
        "bingpreview",
    ];
    if MARKERS.iter().any(|m| ua.contains(m)) {
        return true;
    }
    // Apps' own fetchers name themselves without a browser's "Mozilla".
    if !ua.contains("mozilla") && (ua.contains("viber") || ua.contains("zalo")) {
        return true;
    }
    // "Googlebot/2.1", "TelegramBot (like TwitterBot)", "LinkedInBot/1.0",
    // "Discordbot/2.0": a word ending in "bot". Cubot is a phone maker.
    let ua = ua.replace("cubot", "");
    ua.match_indices("bot")
        .any(|(i, _)| !ua[i + 3..].starts_with(|c: char| c.is_ascii_alphabetic()))
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
    /// Wakes the writer to notice the stop flag.
    Stop,
}

/// What the writer shares with readiness checks and with `stop`.
#[derive(Default)]
struct Shared {
    /// Scans answered but not stored yet: in the queue, in the writer's
    /// hands, or loaded from the pending file.
    backlog: AtomicUsize,
    /// When storing began to fail, while it still fails.
    retrying_since: Mutex<Option<NaiveDateTime>>,
    /// The last failure while retrying, for the readiness answer.
    last_error: Mutex<Option<String>>,
    stopping: AtomicBool,
}

/// The writer's state as `/readyz` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WriterStatus {
    /// Scans answered but not stored yet.
    pub backlog: usize,
    /// How many the buffer holds before scan pages answer 503.
    pub capacity: usize,
    /// Since when storing fails (the writer keeps retrying), if it does.
    pub retrying_since: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// The bounded queue in front of the scan writer.
#[derive(Clone)]
pub struct ScanRecorder {
    tx: SyncSender<Message>,
    shared: Arc<Shared>,
}

/// The writer thread; `stop` stores what it can and writes the rest to the
/// pending file.
pub struct ScanWriter {
    handle: Option<JoinHandle<()>>,
    recorder: ScanRecorder,
}

/// Why a scan could not be queued: the buffer is full (the database has
/// been away long enough to fill it) or the writer is gone.
#[derive(Debug)]
pub struct QueueFull;

/// Scans the buffer holds while the database cannot take them; past this a
/// scan page answers 503 rather than a 200 for a scan that would be lost.
pub const QUEUE_CAPACITY: usize = 10_000;
/// Scans written per transaction at most.
const BATCH: usize = 1_000;
/// How long the writer waits to fill a batch.
const BATCH_WAIT: Duration = Duration::from_millis(50);
/// Retry pauses double from the first up to the last.
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(3);
/// How long the writer waits for a connection per try: the pool's own
/// timeout would hold it 10 s while the database is away.
const CONNECT_WAIT: Duration = Duration::from_secs(2);
/// Scans not stored at a stop, one JSON object per line, stored and removed
/// at the next start.
pub const PENDING_FILE: &str = "pending-scans.jsonl";
/// Space set aside in the data dir so the pending file can be written even
/// when the disk has filled up: released just before writing it.
const RESERVE_FILE: &str = "pending-scans.reserve";
const RESERVE_BYTES: usize = 4 * 1024 * 1024;

impl ScanRecorder {
    /// Starts the writer thread. Scans left in the pending file by an
    /// earlier stop are stored first, before any new one.
    pub fn start(pool: Pool, settings: Settings) -> (ScanRecorder, ScanWriter) {
        let (tx, rx) = mpsc::sync_channel(QUEUE_CAPACITY);
        let shared = Arc::new(Shared::default());
        let recorder = ScanRecorder {
            tx,
            shared: shared.clone(),
        };
        let handle = std::thread::Builder::new()
            .name("scan-writer".into())
            .spawn(move || {
                let mut w = Writer {
                    rx,
                    pool,
                    settings,
                    shared,
                    acks: Vec::new(),
                };
                w.run();
            });
        let handle = match handle {
            Ok(h) => Some(h),
            Err(e) => {
                // Without a writer every scan would be refused with a 503.
                tracing::error!(cause = %e, "could not start the scan writer thread");
                None
            }
        };
        let writer = ScanWriter {
            handle,
            recorder: recorder.clone(),
        };
        (recorder, writer)
    }

    /// Queues a scan. `Err` when the buffer is full or the writer is gone:
    /// the caller must not answer as if the scan were counted.
    pub fn record(&self, scan: NewScan) -> Result<(), QueueFull> {
        if self.shared.stopping.load(Ordering::SeqCst) {
            return Err(QueueFull);
        }
        // Counted first so the backlog never reads lower than the truth.
        self.shared.backlog.fetch_add(1, Ordering::SeqCst);
        match self.tx.try_send(Message::Scan(scan)) {
            Ok(()) => Ok(()),
            Err(_) => {
                self.shared.backlog.fetch_sub(1, Ordering::SeqCst);
                Err(QueueFull)
            }
        }
    }

    /// Waits until every scan queued so far is stored (tests). Returns at
    /// once while the writer is stopping.
    pub fn flush(&self) {
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        if self.tx.send(Message::Flush(ack_tx)).is_ok() {
            let _ = ack_rx.recv();
        }
    }

    /// The backlog and whether the writer is retrying.
    pub fn status(&self) -> WriterStatus {
        WriterStatus {
            backlog: self.shared.backlog.load(Ordering::SeqCst),
            capacity: QUEUE_CAPACITY,
            retrying_since: *lock(&self.shared.retrying_since),
            last_error: lock(&self.shared.last_error).clone(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl ScanWriter {
    /// Stores every queued scan if the database takes them; otherwise
    /// writes them to the pending file. Then ends the writer thread.
    pub fn stop(mut self) {
        self.recorder.shared.stopping.store(true, Ordering::SeqCst);
        // Only a wake-up: a full queue means the writer is busy and will
        // see the flag between tries.
        let _ = self.recorder.tx.try_send(Message::Stop);
        if let Some(h) = self.handle.take()
            && h.join().is_err()
        {
            tracing::error!("scan writer thread panicked");
        }
    }
}

struct Writer {
    rx: Receiver<Message>,
    pool: Pool,
    settings: Settings,
    shared: Arc<Shared>,
    acks: Vec<SyncSender<()>>,
}

impl Writer {
    fn stopping(&self) -> bool {
        self.shared.stopping.load(Ordering::SeqCst)
    }

    fn run(&mut self) {
        let dir = self.settings.data_dir.clone();
        // Scans an earlier stop could not store come first, in one
        // transaction, so a crash while storing them cannot store some twice.
        let loaded = load_pending(&dir);
        if !loaded.is_empty() {
            tracing::info!(scans = loaded.len(), "storing scans left by the last stop");
            self.shared
                .backlog
                .fetch_add(loaded.len(), Ordering::SeqCst);
            if !self.store_retrying(&loaded) {
                let mut rest = loaded;
                rest.extend(self.drain());
                self.finish(rest);
                return;
            }
            remove_pending(&dir);
        }
        make_reserve(&dir);
        loop {
            let mut batch = Vec::with_capacity(BATCH);
            let first = match self.rx.recv_timeout(Duration::from_millis(200)) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            if let Some(m) = first {
                self.take(m, &mut batch);
                let deadline = Instant::now() + BATCH_WAIT;
                while batch.len() < BATCH && self.acks.is_empty() && !self.stopping() {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match self.rx.recv_timeout(left) {
                        Ok(m) => self.take(m, &mut batch),
                        Err(_) => break,
                    }
                }
            }
            if self.stopping() {
                // Everything queued up to now, then one last try.
                batch.extend(self.drain());
                self.finish(batch);
                return;
            }
            if !batch.is_empty() && !self.store_retrying(&batch) {
                // Stopped while the database was away.
                batch.extend(self.drain());
                self.finish(batch);
                return;
            }
            for ack in self.acks.drain(..) {
                let _ = ack.send(());
            }
        }
    }

    fn take(&mut self, m: Message, batch: &mut Vec<NewScan>) {
        match m {
            Message::Scan(s) => batch.push(s),
            Message::Flush(ack) => self.acks.push(ack),
            Message::Stop => {}
        }
    }

    /// What is still in the queue, without waiting.
    fn drain(&mut self) -> Vec<NewScan> {
        let mut out = Vec::new();
        while let Ok(m) = self.rx.try_recv() {
            self.take(m, &mut out);
        }
        out
    }

    /// Stores `batch`, retrying until it is stored, with pauses that grow
    /// to a few seconds; false when a stop came first.
    fn store_retrying(&mut self, batch: &[NewScan]) -> bool {
        let mut pause = BACKOFF_FIRST;
        let mut tries: u64 = 0;
        loop {
            match store(&self.pool, &self.settings, batch) {
                Ok(()) => {
                    self.shared.backlog.fetch_sub(batch.len(), Ordering::SeqCst);
                    if lock(&self.shared.retrying_since).take().is_some() {
                        tracing::warn!(tries, scans = batch.len(), "scans stored again");
                        *lock(&self.shared.last_error) = None;
                    }
                    return true;
                }
                Err(e) => {
                    tries += 1;
                    lock(&self.shared.retrying_since).get_or_insert_with(now);
                    // The first failure and then about one line a minute.
                    if tries == 1 || tries.is_multiple_of(20) {
                        tracing::error!(
                            cause = %e,
                            tries,
                            backlog = self.shared.backlog.load(Ordering::SeqCst),
                            "storing scans failed; keeping them and retrying"
                        );
                    }
                    *lock(&self.shared.last_error) = Some(e.to_string());
                    let until = Instant::now() + pause;
                    while Instant::now() < until {
                        if self.stopping() {
                            return false;
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    pause = (pause * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    /// The stop: one more try to store `rest`, else the pending file.
    fn finish(&mut self, rest: Vec<NewScan>) {
        let dir = self.settings.data_dir.clone();
        if !rest.is_empty() {
            match store(&self.pool, &self.settings, &rest) {
                Ok(()) => {
                    self.shared.backlog.fetch_sub(rest.len(), Ordering::SeqCst);
                    remove_pending(&dir);
                }
                Err(e) => {
                    tracing::warn!(cause = %e, scans = rest.len(), "database unavailable at stop");
                    match write_pending(&dir, &rest) {
                        Ok(path) => tracing::warn!(
                            scans = rest.len(),
                            file = %path.display(),
                            "scans not stored yet were saved; they are stored at the next start"
                        ),
                        Err(e) => tracing::error!(
                            cause = %e,
                            lost = rest.len(),
                            "could not save the scans not stored"
                        ),
                    }
                }
            }
        }
        for ack in self.acks.drain(..) {
            let _ = ack.send(());
        }
    }
}

/// Reads the pending file; a line that does not parse is logged and
/// skipped rather than blocking every later scan.
fn load_pending(dir: &Path) -> Vec<NewScan> {
    let path = dir.join(PENDING_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            tracing::error!(cause = %e, file = %path.display(), "cannot read the pending scans");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<NewScan>(line) {
            Ok(s) => out.push(s),
            Err(e) => tracing::error!(cause = %e, line = i + 1, "skipping a bad pending scan"),
        }
    }
    out
}

fn remove_pending(dir: &Path) {
    let path = dir.join(PENDING_FILE);
    if let Err(e) = std::fs::remove_file(&path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::error!(cause = %e, file = %path.display(), "cannot remove the pending scans");
    }
}

/// Sets space aside for the pending file (see `RESERVE_FILE`).
fn make_reserve(dir: &Path) {
    let path = dir.join(RESERVE_FILE);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() >= RESERVE_BYTES as u64) {
        return;
    }
    if let Err(e) = std::fs::write(&path, vec![0u8; RESERVE_BYTES]) {
        let _ = std::fs::remove_file(&path);
        tracing::warn!(cause = %e, "cannot set space aside for pending scans");
    }
}

/// Writes the pending file whole or not at all: a temporary file, synced,
/// then renamed over the old one. The reserve is given up first, so a full
/// disk still has room for it.
fn write_pending(dir: &Path, scans: &[NewScan]) -> std::io::Result<std::path::PathBuf> {
    use std::io::Write;
    let _ = std::fs::remove_file(dir.join(RESERVE_FILE));
    let path = dir.join(PENDING_FILE);
    let tmp = dir.join(format!("{PENDING_FILE}.tmp"));
    let result = (|| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        for s in scans {
            serde_json::to_writer(&mut f, s)?;
            f.write_all(b"\n")?;
        }
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The local day a scan counts for in the forged-scan tally.
fn local_day(at: NaiveDateTime) -> NaiveDate {
    (at + chrono::Duration::hours(VN_OFFSET_HOURS)).date()
}

/// Stores a batch: a row per scan of an issued stamp, each stamp's count,
/// a per-day count of forged codes, and an alert (with at most one mail per
/// stamp a day) for possible copies.
///
/// Locks are taken in one order by every writer, in every instance: the
/// stamps in ascending id (their counters, then their alert claims, which
/// touch rows already held), then the day counters in date order. Two
/// instances storing scans of the same stamps then wait for each other
/// instead of deadlocking.
pub fn store(pool: &Pool, settings: &Settings, batch: &[NewScan]) -> Result<(), AppError> {
    let mut conn = pool.get_timeout(CONNECT_WAIT)?;
    conn.transaction(|conn| -> Result<(), AppError> {
        let rows: Vec<NewScan> = batch
            .iter()
            .filter(|s| s.stamp_id.is_some())
            .cloned()
            .collect();
        insert_scans(conn, &rows)?;
        // stamp id -> (scans, first scan, a possible copy among them)
        let mut per_stamp: BTreeMap<i64, (i32, NaiveDateTime, bool)> = BTreeMap::new();
        let mut forged: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for s in batch {
            match s.stamp_id {
                Some(id) => {
                    let p = per_stamp.entry(id).or_insert((0, s.at, false));
                    p.0 += 1;
                    p.1 = p.1.min(s.at);
                    p.2 |= s.outcome == "possible_copy";
                }
                None => *forged.entry(local_day(s.at)).or_insert(0) += 1,
            }
        }
        for (&id, &(n, first, _)) in &per_stamp {
            Stamp::add_scans(conn, id, n, first)?;
        }
        for (&id, _) in per_stamp.iter().filter(|(_, p)| p.2) {
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
                // Queued with the scans that caused it: stored together or
                // not at all, and sent by the outbox worker.
                queue_alert(
                    conn,
                    settings,
                    id,
                    run.seller_id,
                    stamp.scan_count,
                    networks,
                )?;
            }
        }
        for (day, n) in forged {
            count_forged(conn, day, n)?;
        }
        Ok(())
    })
}

fn queue_alert(
    conn: &mut DbConn,
    settings: &Settings,
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
        outbox::enqueue(
            conn,
            &mail,
            About {
                kind: outbox::KIND_COPY_ALERT,
                seller_id: Some(seller_id),
                account_link_id: None,
            },
        )?;
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

    #[test]
    fn preview_fetchers_are_told_from_buyers() {
        for bot in [
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Zalo-Crawler/1.0",
            "TelegramBot (like TwitterBot)",
            "WhatsApp/2.23.20.0",
            "Twitterbot/1.0",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            "Viber/20.3 CFNetwork/1402 Darwin/22.2.0",
            "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        ] {
            assert!(is_preview_agent(bot), "{bot}");
        }
        for buyer in [
            "Mozilla/5.0 (Linux; Android 10) Chrome/120 Mobile Safari/537.36 Zalo iOS/471",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36",
            "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36 [FBAN/FB4A;FBAV/440.0]",
            "curl/8.5.0",
            "",
        ] {
            assert!(!is_preview_agent(buyer), "{buyer}");
        }
    }

    /// The buffer is bounded: while the database refuses writes it fills,
    /// then refuses (the page answers 503); every scan it accepted is stored
    /// once writes work again.
    #[test]
    fn a_full_buffer_refuses_and_loses_nothing_it_accepted() {
        use diesel::connection::SimpleConnection;
        use diesel::prelude::*;
        let dir = tempfile::tempdir().expect("dir");
        let settings = Settings::from_args(crate::config::ConfigArgs {
            env: "development".into(),
            bind: "127.0.0.1:0".into(),
            data_dir: dir.path().to_path_buf(),
            database_url: None,
            public_base_url: None,
            secret_key: Some("unit-test-secret-key-that-is-long-enough".into()),
            smtp_url: None,
            mail_from: "OCOP <no-reply@ocop.test>".into(),
            workers: 1,
            db_pool_size: 2,
            session_hours: 12,
            trust_proxy: false,
            trusted_proxies: None,
            smtp_timeout: 20,
            mail_retry: 60,
            cpu_threads: 1,
            cpu_queue: 4,
            cpu_memory_mb: 256,
            copy_scan_limit: 20,
            copy_networks: 3,
            label_threads: 1,
            label_queue: 4,
        })
        .expect("settings");
        let pool = crate::startup::prepare_database(&settings).expect("pool");
        pool.get()
            .expect("conn")
            .batch_execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON forged_scan_days \
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )
            .expect("trigger");
        let (recorder, writer) = ScanRecorder::start(pool.clone(), settings);
        let forged = |i: usize| NewScan {
            stamp_id: None,
            code: format!("F{i}"),
            at: now(),
            network: "unknown".into(),
            agent: "none".into(),
            lang: "vi".into(),
            outcome: "not_genuine".into(),
            device: "none-00000000".into(),
        };
        // Filled twice: the writer may take a batch into its hands after
        // the first refusal, never more.
        let mut accepted = 0;
        for _ in 0..2 {
            while recorder.record(forged(accepted)).is_ok() {
                accepted += 1;
                assert!(accepted <= QUEUE_CAPACITY + BATCH, "the buffer is bounded");
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        assert!(accepted >= QUEUE_CAPACITY, "{accepted}");
        assert_eq!(recorder.status().backlog, accepted);
        assert!(recorder.status().retrying_since.is_some());
        assert!(recorder.record(forged(0)).is_err(), "still full");
        pool.get()
            .expect("conn")
            .batch_execute("DROP TRIGGER refuse")
            .expect("drop");
        recorder.flush();
        writer.stop();
        let stored: Vec<i64> = crate::db::schema::forged_scan_days::table
            .select(crate::db::schema::forged_scan_days::scans)
            .load(&mut pool.get().expect("conn"))
            .expect("count");
        assert_eq!(stored.iter().sum::<i64>(), accepted as i64);
        assert_eq!(recorder.status().backlog, 0);
        assert!(recorder.status().retrying_since.is_none());
    }

    #[test]
    fn devices_are_coarse_and_stable() {
        let ua =
            "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36";
        assert_eq!(device_of(ua), device_of(ua));
        assert!(device_of(ua).starts_with("chrome-"));
        assert_eq!(device_of(ua).len(), "chrome-".len() + 8);
        assert_ne!(device_of(ua), device_of("Mozilla/5.0 Firefox/120"));
    }
}
