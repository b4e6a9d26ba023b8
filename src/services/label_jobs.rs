//! Label renders off the request and off the pool: one bounded runner per
//! instance (a few render threads and a bounded queue) for every label file
//! the server renders, and the jobs that render a whole run in the
//! background with their progress, history and finished file.
//!
//! No render holds a pooled connection: what every label prints is read in
//! one short step, then the stamps are read a page at a time, each page on a
//! connection borrowed for that query only (with the progress written on the
//! same borrow). Past the runner's capacity a request is refused at once
//! (503 with Retry-After) instead of waiting without bound, and one person
//! may have at most [`MAX_ACTIVE_PER_USER`] jobs queued or running (429).

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak, mpsc};
use std::time::Duration;

use crate::config::Settings;
use crate::db::models::{LabelJob, NewLabelJob, now};
use crate::db::{DbConn, Pool};
use crate::error::AppError;
use crate::services::Actor;
use crate::services::label_sheets::{
    self, PrintJob, PrintPlan, PrintedStamp, SheetFormat, StampSource,
};
use crate::services::visible_seller;

/// Jobs one person may have queued or running at once.
pub const MAX_ACTIVE_PER_USER: usize = 3;
/// Runs of up to this many labels are answered in the request itself
/// (rendered on the runner all the same); larger ones become jobs.
pub const DIRECT_MAX_LABELS: i32 = 2_000;
/// Jobs shown on the stamps page and in the JSON list.
pub const HISTORY_LIMIT: i64 = 20;
/// Seconds a refused client is told to wait.
pub const RETRY_AFTER: u64 = 10;
/// How often the instance tells the database its jobs are alive.
const BEAT_EVERY: Duration = Duration::from_secs(10);
/// An unfinished job whose holder has not beaten for this long died with
/// its process.
const STALE_SECONDS: i64 = 60;

type Task = Box<dyn FnOnce() + Send + 'static>;

/// The render threads and their queue; cheap to clone.
#[derive(Clone)]
pub struct LabelRunner {
    inner: Arc<Inner>,
}

struct Inner {
    /// Dropped on stop, which ends the threads once the queue is drained.
    queue: Mutex<Option<mpsc::Sender<Task>>>,
    counts: Mutex<Counts>,
    /// Render threads plus queue places.
    capacity: usize,
    stopping: AtomicBool,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

#[derive(Default)]
struct Counts {
    in_flight: usize,
    per_user: HashMap<i64, usize>,
    /// Jobs this instance holds, queued or running: their heartbeat.
    jobs: BTreeSet<i64>,
}

/// A place on the runner, held from the request until the render ends;
/// dropping it gives the place back.
pub struct Slot {
    inner: Arc<Inner>,
    user: Option<i64>,
    job: Option<i64>,
}

impl Slot {
    /// Ties the place to a job, so the heartbeat keeps the job alive.
    fn hold_job(&mut self, id: i64) {
        self.job = Some(id);
        lock(&self.inner.counts).jobs.insert(id);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut c = lock(&self.inner.counts);
        c.in_flight = c.in_flight.saturating_sub(1);
        if let Some(u) = self.user
            && let Some(n) = c.per_user.get_mut(&u)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                c.per_user.remove(&u);
            }
        }
        if let Some(j) = self.job {
            c.jobs.remove(&j);
        }
    }
}

/// A poisoned lock only means a render panicked while counting; the counts
/// themselves are still whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LabelRunner {
    /// Starts `threads` render threads with `queue` places waiting, and the
    /// heartbeat of the jobs they hold.
    pub fn start(pool: Pool, threads: usize, queue: usize) -> LabelRunner {
        let threads = threads.max(1);
        let (tx, rx) = mpsc::channel::<Task>();
        let rx = Arc::new(Mutex::new(rx));
        let inner = Arc::new(Inner {
            queue: Mutex::new(Some(tx)),
            counts: Mutex::new(Counts::default()),
            capacity: threads + queue,
            stopping: AtomicBool::new(false),
            threads: Mutex::new(Vec::new()),
        });
        let mut handles = Vec::with_capacity(threads + 1);
        for n in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("labels-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // The lock is held only while waiting for the next task.
                        let task = { lock(&rx).recv() };
                        let Ok(task) = task else { break };
                        if std::panic::catch_unwind(AssertUnwindSafe(task)).is_err() {
                            tracing::error!("a label render panicked");
                        }
                    }
                });
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => tracing::error!(cause = %e, "cannot start a label render thread"),
            }
        }
        let weak = Arc::downgrade(&inner);
        match std::thread::Builder::new()
            .name("labels-beat".into())
            .spawn(move || heartbeat(weak, pool))
        {
            Ok(h) => handles.push(h),
            Err(e) => tracing::error!(cause = %e, "cannot start the label heartbeat"),
        }
        *lock(&inner.threads) = handles;
        LabelRunner { inner }
    }

    /// Takes a place for a render, counted against `user` when given:
    /// 429 past the person's limit, 503 when every place is taken.
    pub fn reserve(&self, user: Option<i64>) -> Result<Slot, AppError> {
        if self.inner.stopping.load(Ordering::SeqCst) {
            return Err(AppError::Busy {
                retry_after: RETRY_AFTER,
            });
        }
        let mut c = lock(&self.inner.counts);
        if let Some(u) = user
            && c.per_user.get(&u).copied().unwrap_or(0) >= MAX_ACTIVE_PER_USER
        {
            return Err(AppError::TooManyJobs {
                limit: MAX_ACTIVE_PER_USER,
                retry_after: RETRY_AFTER,
            });
        }
        if c.in_flight >= self.inner.capacity {
            return Err(AppError::Busy {
                retry_after: RETRY_AFTER,
            });
        }
        c.in_flight += 1;
        if let Some(u) = user {
            *c.per_user.entry(u).or_insert(0) += 1;
        }
        Ok(Slot {
            inner: self.inner.clone(),
            user,
            job: None,
        })
    }

    /// Queues `task` on the place `slot` holds; the place is given back when
    /// the task ends.
    fn submit(
        &self,
        slot: Slot,
        task: impl FnOnce(&Slot) + Send + 'static,
    ) -> Result<(), AppError> {
        let queue = lock(&self.inner.queue);
        let Some(tx) = queue.as_ref() else {
            return Err(AppError::Busy {
                retry_after: RETRY_AFTER,
            });
        };
        tx.send(Box::new(move || task(&slot)))
            .map_err(|_| AppError::Busy {
                retry_after: RETRY_AFTER,
            })
    }

    /// True once the instance is stopping: renders end at their next page.
    fn stopping(&self) -> bool {
        self.inner.stopping.load(Ordering::SeqCst)
    }

    /// Stops taking work, lets running renders end at their next page (their
    /// jobs are marked failed and their partial files removed), and waits
    /// for the threads.
    pub fn stop(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        lock(&self.inner.queue).take();
        let handles = std::mem::take(&mut *lock(&self.inner.threads));
        for h in handles {
            let _ = h.join();
        }
    }
}

/// Renders yield the CPU to request handlers: on a two-core machine two
/// busy render threads would otherwise slow every scan page down.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread's own id; on
        // Linux the nice value is per thread, so only this thread changes.
        let changed = unsafe {
            let tid = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10)
        };
        if changed != 0 {
            tracing::debug!("label render thread keeps its priority");
        }
    }
}

/// Every [`BEAT_EVERY`], bumps the heartbeat of the jobs this instance holds
/// and fails the ones another (dead) process left behind.
fn heartbeat(inner: Weak<Inner>, pool: Pool) {
    let step = Duration::from_millis(250);
    let mut waited = Duration::ZERO;
    loop {
        std::thread::sleep(step);
        waited += step;
        let Some(inner) = inner.upgrade() else { return };
        if inner.stopping.load(Ordering::SeqCst) {
            return;
        }
        if waited < BEAT_EVERY {
            continue;
        }
        waited = Duration::ZERO;
        let ids: Vec<i64> = lock(&inner.counts).jobs.iter().copied().collect();
        drop(inner);
        let beat = pool.get().map_err(AppError::from).and_then(|mut conn| {
            let at = now();
            if !ids.is_empty() {
                LabelJob::beat(&mut conn, &ids, at)?;
            }
            fail_stale(&mut conn)?;
            Ok(())
        });
        if let Err(e) = beat {
            tracing::warn!(cause = %e, "label job heartbeat failed");
        }
    }
}

/// Fails unfinished jobs whose holder stopped beating.
fn fail_stale(conn: &mut DbConn) -> Result<usize, AppError> {
    let at = now();
    Ok(LabelJob::fail_stale(
        conn,
        at - chrono::Duration::seconds(STALE_SECONDS),
        at,
    )?)
}

/// The folder finished label files are kept in.
pub fn label_dir(settings: &Settings) -> PathBuf {
    settings.data_dir.join("labels")
}

/// At start: jobs a stopped process left queued or running are failed once
/// their heartbeat is stale (at once after a crash long ago; within a
/// minute after a quick restart, by the heartbeat thread), and partial
/// files of renders that never finished are removed.
pub fn recover(conn: &mut DbConn, settings: &Settings) -> Result<usize, AppError> {
    let failed = fail_stale(conn)?;
    let dir = label_dir(settings);
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let old = std::time::SystemTime::now() - Duration::from_secs(STALE_SECONDS as u64);
        for entry in entries.flatten() {
            let path = entry.path();
            let partial = path.extension().is_some_and(|e| e == "part");
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            if partial && modified.is_none_or(|m| m < old) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    if failed > 0 {
        tracing::warn!(
            failed,
            "label jobs interrupted by a stop were marked failed"
        );
    }
    Ok(failed)
}

/// Reads stamps from the pool, one short borrow per page, writing the job's
/// progress on the same borrow; stops when the instance stops.
struct PooledSource<'a> {
    pool: &'a Pool,
    runner: &'a LabelRunner,
    job: Option<i64>,
    delivered: usize,
}

impl StampSource for PooledSource<'_> {
    fn page(&mut self, run_id: i64, after: i32, limit: i64) -> Result<Vec<PrintedStamp>, AppError> {
        if self.runner.stopping() {
            return Err(AppError::internal("interrupted: the server is stopping"));
        }
        let mut conn = self.pool.get()?;
        if let Some(id) = self.job
            && self.delivered > 0
        {
            let done = i32::try_from(self.delivered).unwrap_or(i32::MAX);
            LabelJob::progress(&mut conn, id, done, now())?;
        }
        let rows = label_sheets::read_page(&mut conn, run_id, after, limit)?;
        self.delivered += rows.len();
        Ok(rows)
    }
}

/// Checks who may print the run and what, for a render in the request:
/// refused when the run is too large to answer at once.
pub fn prepare_direct(
    conn: &mut DbConn,
    actor: &Actor,
    base_url: &str,
    run_id: i64,
    layout: &str,
    format: &str,
    serial: Option<i32>,
) -> Result<Result<PrintPlan, PrintJob>, AppError> {
    let job = label_sheets::prepare(conn, actor, run_id, layout, format, serial)?;
    if label_sheets::label_count(&job) > DIRECT_MAX_LABELS {
        return Ok(Err(job));
    }
    Ok(Ok(label_sheets::plan(conn, base_url, job)?))
}

/// Renders a planned job on the runner into an unnamed temporary file and
/// hands it back rewound; the caller waits on the receiver.
pub fn render_direct(
    runner: &LabelRunner,
    pool: Pool,
    settings: Arc<Settings>,
    plan: PrintPlan,
    slot: Slot,
) -> Result<mpsc::Receiver<Result<File, AppError>>, AppError> {
    let (tx, rx) = mpsc::sync_channel(1);
    let worker = runner.clone();
    runner.submit(slot, move |_| {
        let result = render_to_temp(&worker, &pool, &settings, &plan);
        let _ = tx.send(result);
    })?;
    Ok(rx)
}

fn render_to_temp(
    runner: &LabelRunner,
    pool: &Pool,
    settings: &Settings,
    plan: &PrintPlan,
) -> Result<File, AppError> {
    let dir = settings.data_dir.join("tmp");
    std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
    let path = dir.join(format!("labels-{}.part", crate::util::random_hex(8)));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(AppError::internal)?;
    // The name is gone at once; the open handle keeps the data until read.
    let _ = std::fs::remove_file(&path);
    let mut writer = BufWriter::new(file);
    let mut source = PooledSource {
        pool,
        runner,
        job: None,
        delivered: 0,
    };
    label_sheets::render_plan(plan, &mut source, &mut writer)?;
    writer.flush().map_err(AppError::internal)?;
    let mut file = writer
        .into_inner()
        .map_err(|e| AppError::internal(e.error()))?;
    file.rewind().map_err(AppError::internal)?;
    Ok(file)
}

/// What a new job asks for.
#[derive(Debug, Clone, Default)]
pub struct JobRequest {
    pub layout: String,
    pub format: String,
    pub serial: Option<i32>,
}

/// Records a job for the run and takes its place on the runner; an
/// unfinished job for the same file is returned instead of a second one.
/// The caller hands the slot to [`spawn`] once the row is committed.
pub fn start(
    conn: &mut DbConn,
    runner: &LabelRunner,
    actor: &Actor,
    run_id: i64,
    req: &JobRequest,
) -> Result<(LabelJob, Option<Slot>), AppError> {
    let job = label_sheets::prepare(conn, actor, run_id, &req.layout, &req.format, req.serial)?;
    let format = format_name(job.format);
    let alive_since = now() - chrono::Duration::seconds(STALE_SECONDS);
    if let Some(same) = LabelJob::active_same(
        conn,
        run_id,
        &job.layout.name,
        format,
        job.serial,
        alive_since,
    )? {
        return Ok((same, None));
    }
    let mut slot = runner.reserve(Some(actor.user_id))?;
    let at = now();
    let row = LabelJob::insert(
        conn,
        &NewLabelJob {
            run_id,
            seller_id: job.run.seller_id,
            layout: &job.layout.name,
            format,
            serial: job.serial,
            requested_by: Some(actor.user_id),
            status: "queued",
            labels_total: label_sheets::label_count(&job),
            created_at: at,
            heartbeat_at: at,
        },
    )?;
    slot.hold_job(row.id);
    Ok((row, Some(slot)))
}

/// The name a format is stored and linked under.
pub fn format_name(f: SheetFormat) -> &'static str {
    match f {
        SheetFormat::Pdf => "pdf",
        SheetFormat::Png => "png",
        SheetFormat::Svg => "svg",
    }
}

/// Queues a recorded job on the runner. When the queue is closed (the
/// server is stopping) the job is failed at once.
pub fn spawn(
    runner: &LabelRunner,
    pool: Pool,
    settings: Arc<Settings>,
    id: i64,
    slot: Slot,
) -> Result<(), AppError> {
    let worker = runner.clone();
    let fail_pool = pool.clone();
    let submitted = runner.submit(slot, move |_| match run(&worker, &pool, &settings, id) {
        Ok(()) => {}
        Err(e) if worker.stopping() => {
            tracing::warn!(label_job = id, cause = %e, "label job interrupted by the stop")
        }
        Err(e) => tracing::error!(label_job = id, cause = %e, "label job failed"),
    });
    if let Err(e) = submitted {
        if let Ok(mut conn) = fail_pool.get() {
            let _ = LabelJob::fail(&mut conn, id, "interrupted", now());
        }
        return Err(e);
    }
    Ok(())
}

/// Runs a queued job: plans it in one short step, renders it page by page
/// into a `.part` file, and renames that to its final name only when whole.
/// On any failure the partial file is removed and the job marked failed.
pub fn run(
    runner: &LabelRunner,
    pool: &Pool,
    settings: &Settings,
    id: i64,
) -> Result<(), AppError> {
    let dir = label_dir(settings);
    let part = dir.join(format!("{id}.part"));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        render_job(runner, pool, settings, id, &part)
    }))
    .unwrap_or_else(|_| Err(AppError::internal("the render panicked")));
    match outcome {
        Ok(Some((name, size))) => {
            let mut conn = pool.get()?;
            LabelJob::finish(&mut conn, id, &name, size, now())?;
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            let reason = if runner.stopping() {
                "interrupted"
            } else {
                "render_failed"
            };
            // The database may be what failed: keep trying briefly, and if
            // it stays away the heartbeat's absence fails the job later.
            for _ in 0..3 {
                match pool.get() {
                    Ok(mut conn) => {
                        LabelJob::fail(&mut conn, id, reason, now())?;
                        break;
                    }
                    Err(_) => std::thread::sleep(Duration::from_secs(1)),
                }
            }
            Err(e)
        }
    }
}

/// Renders job `id` to `part` and renames it; `None` when another worker
/// took the job first.
fn render_job(
    runner: &LabelRunner,
    pool: &Pool,
    settings: &Settings,
    id: i64,
    part: &std::path::Path,
) -> Result<Option<(String, i64)>, AppError> {
    let plan = {
        let mut conn = pool.get()?;
        let row = LabelJob::find(&mut conn, id)?.ok_or(AppError::NotFound)?;
        if !LabelJob::claim(&mut conn, id, now())? {
            return Ok(None);
        }
        let job = label_sheets::prepare_as_operator(
            &mut conn,
            row.run_id,
            &row.layout,
            &row.format,
            row.serial,
        )?;
        label_sheets::plan(&mut conn, &settings.public_base_url, job)?
    };
    let dir = label_dir(settings);
    std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
    let file = File::create(part).map_err(AppError::internal)?;
    let mut writer = BufWriter::new(file);
    let mut source = PooledSource {
        pool,
        runner,
        job: Some(id),
        delivered: 0,
    };
    label_sheets::render_plan(&plan, &mut source, &mut writer)?;
    writer.flush().map_err(AppError::internal)?;
    let file = writer
        .into_inner()
        .map_err(|e| AppError::internal(e.error()))?;
    file.sync_all().map_err(AppError::internal)?;
    let size = file.metadata().map_err(AppError::internal)?.len();
    drop(file);
    let (download, _) = label_sheets::file_name(&plan.job);
    let name = format!("{id}-{download}");
    std::fs::rename(part, dir.join(&name)).map_err(AppError::internal)?;
    Ok(Some((name, i64::try_from(size).unwrap_or(i64::MAX))))
}

/// One job the actor may see: one of a seller it may manage, exactly as
/// for printing the run itself; anyone else's is "not found".
pub fn visible_job(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<LabelJob, AppError> {
    let job = LabelJob::find(conn, id)?.ok_or(AppError::NotFound)?;
    visible_seller(conn, actor, job.seller_id)?;
    if matches!(job.status.as_str(), "queued" | "running")
        && job.heartbeat_at < now() - chrono::Duration::seconds(STALE_SECONDS)
    {
        fail_stale(conn)?;
        return LabelJob::find(conn, id)?.ok_or(AppError::NotFound);
    }
    Ok(job)
}

/// The latest jobs of a seller the actor may manage, newest first.
pub fn history(
    conn: &mut DbConn,
    actor: &Actor,
    seller_id: i64,
) -> Result<Vec<LabelJob>, AppError> {
    visible_seller(conn, actor, seller_id)?;
    Ok(LabelJob::of_seller(conn, seller_id, HISTORY_LIMIT)?)
}

/// The finished file of a job the actor may see: its path, the name to
/// download it as (the same as a direct download), and its content type.
pub fn file_of(
    conn: &mut DbConn,
    settings: &Settings,
    actor: &Actor,
    id: i64,
) -> Result<(PathBuf, String, &'static str), AppError> {
    let job = visible_job(conn, actor, id)?;
    let (Some(name), "done") = (job.file_path.as_deref(), job.status.as_str()) else {
        return Err(AppError::NotFound);
    };
    // Names are ours ("12-tem-3-a4-40.pdf"); refuse anything else so a
    // damaged row can never point outside the folder.
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        || name.starts_with('.')
    {
        return Err(AppError::NotFound);
    }
    let download = name
        .split_once('-')
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_else(|| name.to_owned());
    Ok((
        label_dir(settings).join(name),
        download,
        content_type(&job.format, job.serial),
    ))
}

/// The content type of a job's file, as a direct download gets it.
pub fn content_type(format: &str, serial: Option<i32>) -> &'static str {
    match (format, serial) {
        ("png", Some(_)) => "image/png",
        ("png", None) => "application/zip",
        ("svg", _) => "image/svg+xml",
        _ => "application/pdf",
    }
}
