//! The `ocop` binary under abuse: the demo stamps scan as `ocop demo --json`
//! says; a `kill -9` in the middle of a 100,000-stamp run or of a bulk
//! import, of the command or of the server doing it over HTTP, leaves all
//! of it or none; and a SIGTERM under scan load loses no served scan.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::RngExt;
use serde_json::Value;

use ocop::config::DatabaseUrl;
use ocop::db::schema::{products, scans, sellers, stamp_runs, stamps};
use ocop::services::imports::{ImportKind, SELLER_KEY_FIELD};

use crate::helpers::{CliEnv, Part, multipart_body};

// ---------------------------------------------------------------------------
// Running the binary.
// ---------------------------------------------------------------------------

/// Runs `ocop args...` in `env` and waits for it.
fn run(env: &CliEnv, args: &[&str]) -> Output {
    env.command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run ocop")
}

#[track_caller]
fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ocop demo --json`, parsed.
fn demo_json(env: &CliEnv) -> Value {
    let out = run(env, &["demo", "--json"]);
    assert_ok(&out, "ocop demo --json");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "demo --json is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The database the binary uses in `env`, opened directly.
fn connect(env: &CliEnv) -> ocop::db::DbConn {
    let url = match &env.database_url {
        Some(u) => DatabaseUrl::parse(u),
        None => DatabaseUrl::Sqlite(env.dir.path().join("ocop.db")),
    };
    ocop::db::Manager::connect(&url).expect("open the CLI's database")
}

/// A free loopback port.
fn free_port() -> u16 {
    let probe = TcpListener::bind("127.0.0.1:0").expect("probe port");
    probe.local_addr().expect("probe addr").port()
}

/// A running `ocop serve`, killed (and reaped) when dropped unless it has
/// exited already.
struct Served {
    child: Child,
    port: u16,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Served {
    /// Starts `ocop serve` on a free port and waits until `/healthz` is 200.
    fn start(env: &CliEnv) -> Served {
        let port = free_port();
        let log_dir = tempfile::tempdir().expect("log dir");
        let log = log_dir.path().join("serve.log");
        let log_file = std::fs::File::create(&log).expect("serve log");
        let child = env
            .command()
            .arg("serve")
            .env("OCOP_BIND", format!("127.0.0.1:{port}"))
            .env("OCOP_WORKERS", "2")
            .env("OCOP_DB_POOL_SIZE", "4")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start ocop serve");
        let mut served = Served {
            child,
            port,
            log,
            _log_dir: log_dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = served.child.try_wait().expect("poll ocop serve") {
                panic!("ocop serve exited early ({status}):\n{}", served.log_text());
            }
            if let Ok((200, _)) = get(port, "/healthz") {
                return served;
            }
            assert!(
                Instant::now() < deadline,
                "ocop serve not healthy after 20 s:\n{}",
                served.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the process to end by itself.
    fn wait_exit(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll ocop serve") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "ocop serve still running {timeout:?} after SIGTERM:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Sends SIGTERM to `pid` (no `libc` here: the `kill` command does it).
fn sigterm(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {pid}: {status}");
}

// ---------------------------------------------------------------------------
// A tiny HTTP/1.1 client that can keep its connection alive.
// ---------------------------------------------------------------------------

struct HttpConn {
    reader: BufReader<TcpStream>,
}

impl HttpConn {
    fn open(port: u16) -> std::io::Result<HttpConn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        stream.set_write_timeout(Some(Duration::from_secs(30)))?;
        stream.set_nodelay(true)?;
        Ok(HttpConn {
            reader: BufReader::new(stream),
        })
    }

    /// One GET; returns the status, the body and whether the server keeps
    /// the connection open.
    fn get(&mut self, path: &str, keep_alive: bool) -> std::io::Result<(u16, String, bool)> {
        self.request("GET", path, &[], &[], keep_alive)
    }

    /// One request with `headers` and `body` (sent with its length).
    fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        keep_alive: bool,
    ) -> std::io::Result<(u16, String, bool)> {
        let connection = if keep_alive { "keep-alive" } else { "close" };
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: {connection}\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if method != "GET" {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(request.as_bytes())?;
        stream.write_all(body)?;
        let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| bad(format!("no status line: {line:?}")))?;
        let (mut length, mut chunked, mut close) = (None, false, !keep_alive);
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            match name.as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
                "connection" => close |= value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| bad(format!("bad chunk size {line:?}")))?;
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            self.reader.read_exact(&mut body)?;
        } else {
            self.reader.read_to_end(&mut body)?;
            close = true;
        }
        Ok((status, String::from_utf8_lossy(&body).into_owned(), !close))
    }
}

/// One GET over a fresh connection.
fn get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let (status, body, _) = HttpConn::open(port)?.get(path, false)?;
    Ok((status, body))
}

/// One POST over a fresh connection.
fn post(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let (status, body, _) = HttpConn::open(port)?.request("POST", path, headers, body, false)?;
    Ok((status, body))
}

/// Logs `who` (`{"email", "password"}` from `ocop demo --json`) in through
/// the API; returns the bearer token.
fn login(port: u16, who: &Value) -> String {
    let body = serde_json::json!({ "email": who["email"], "password": who["password"] });
    let (status, answer) = post(
        port,
        "/api/v1/auth/login",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    )
    .expect("log in");
    assert_eq!(status, 200, "{answer}");
    let token: Value = serde_json::from_str(&answer).expect("login JSON");
    token["token"].as_str().expect("token").to_owned()
}

// ---------------------------------------------------------------------------
// Demo stamps
// ---------------------------------------------------------------------------

#[test]
fn demo_stamps_scan_as_listed() {
    let env = CliEnv::new();
    let first = demo_json(&env);
    let second = demo_json(&env);
    assert_eq!(first["stamps"], second["stamps"], "demo stamps changed");
    let listed = first["stamps"].as_array().expect("stamps array");
    for kind in ["genuine", "recalled", "not_activated"] {
        let n = listed.iter().filter(|s| s["outcome"] == kind).count();
        assert!(n >= 2, "{n} {kind} stamps in {listed:?}");
    }
    for s in listed {
        let code = s["code"].as_str().expect("code");
        let url = s["url"].as_str().expect("url");
        assert!(
            url.starts_with("http") && url.ends_with(&format!("/s/{code}")),
            "{s}"
        );
    }
    // Two demo runs issued nothing twice: 40 + 10 + 10 stamps in 3 runs.
    let mut conn = connect(&env);
    let runs: i64 = stamp_runs::table
        .count()
        .get_result(&mut conn)
        .expect("count runs");
    let total: i64 = stamps::table
        .count()
        .get_result(&mut conn)
        .expect("count stamps");
    assert_eq!((runs, total), (3, 60));

    let served = Served::start(&env);
    for s in listed {
        let code = s["code"].as_str().expect("code");
        let (status, body) = get(served.port, &format!("/api/v1/scan/{code}"))
            .unwrap_or_else(|e| panic!("scan {code}: {e}\n{}", served.log_text()));
        assert_eq!(status, 200, "{body}");
        let view: Value = serde_json::from_str(&body).expect("scan JSON");
        assert_eq!(view["outcome"], s["outcome"], "{view}");
        if s["outcome"] == "recalled" {
            assert_eq!(view["lot"]["code"], "NX-MK-2025-06", "{view}");
            assert_eq!(
                view["lot"]["status_reason"], "Độ ẩm vượt ngưỡng cho phép",
                "{view}"
            );
        }
        // The page the QR code leads to answers too.
        let (status, page) = get(served.port, &format!("/s/{code}")).expect("scan page");
        assert_eq!(status, 200, "{page}");
    }
}

// ---------------------------------------------------------------------------
// kill -9 during a 100,000-stamp run
// ---------------------------------------------------------------------------

/// Per run, the stamps it holds; every run must hold exactly its count.
fn assert_runs_whole(env: &CliEnv) -> (i64, i64) {
    let mut conn = connect(env);
    let runs: Vec<(i64, i32)> = stamp_runs::table
        .select((stamp_runs::id, stamp_runs::count))
        .load(&mut conn)
        .expect("runs");
    let total: i64 = stamps::table
        .count()
        .get_result(&mut conn)
        .expect("count stamps");
    let mut sum = 0;
    for (id, count) in &runs {
        let held: i64 = stamps::table
            .filter(stamps::run_id.eq(id))
            .count()
            .get_result(&mut conn)
            .expect("count run");
        assert_eq!(held, i64::from(*count), "run {id} is partial");
        sum += held;
    }
    assert_eq!(sum, total, "stamps outside any run");
    (runs.len() as i64, total)
}

/// On PostgreSQL, waits until the killed client's backend has gone, so a
/// transaction it left is over (rolled back or committed) before counting.
fn wait_for_backends(env: &CliEnv) {
    let Some(url) = &env.database_url else {
        return;
    };
    let mut pg = diesel::pg::PgConnection::establish(url).expect("connect to PostgreSQL");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let others: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid())",
        ))
        .get_result(&mut pg)
        .expect("pg_stat_activity");
        if others == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "a killed client's backend is still there"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SQLite's own check of the file after a crash.
fn assert_sqlite_intact(env: &CliEnv) {
    if env.database_url.is_some() {
        return;
    }
    let path = env.dir.path().join("ocop.db");
    let mut conn = diesel::sqlite::SqliteConnection::establish(path.to_str().expect("utf-8 path"))
        .expect("open SQLite");
    let check: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "(SELECT group_concat(integrity_check) FROM pragma_integrity_check())",
    ))
    .get_result(&mut conn)
    .expect("integrity_check");
    assert_eq!(check, "ok");
}

const BIG_RUN: i64 = 100_000;

fn issue_big_run(env: &CliEnv) -> Child {
    env.command()
        .args([
            "stamps",
            "issue",
            "--product",
            "1",
            "--lot",
            "NX-MO-2025-10",
            "--count",
            &BIG_RUN.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ocop stamps issue")
}

#[test]
fn kill_9_during_a_big_run_leaves_all_or_none() {
    let env = CliEnv::new();
    demo_json(&env);
    let (runs0, stamps0) = assert_runs_whole(&env);

    // One uninterrupted run: how long a run takes on this machine.
    let started = Instant::now();
    let mut child = issue_big_run(&env);
    let status = child.wait().expect("wait for ocop stamps issue");
    let full = started.elapsed();
    assert!(status.success(), "uninterrupted run failed: {status}");
    let (mut runs, mut total) = assert_runs_whole(&env);
    assert_eq!((runs, total), (runs0 + 1, stamps0 + BIG_RUN));

    // Kills spread over the run (start-up, minting, writing, committing),
    // with some jitter; at least two must land while it is still running.
    let mut rng = rand::rng();
    let mut landed = 0;
    let mut outcomes = Vec::new();
    for fraction in [0.2, 0.4, 0.6, 0.75, 0.9] {
        let jitter = rng.random_range(0.9..1.1);
        let delay = full.mul_f64(fraction * jitter);
        let mut child = issue_big_run(&env);
        std::thread::sleep(delay);
        let running = child.try_wait().expect("poll").is_none();
        child.kill().expect("kill -9");
        let status = child.wait().expect("reap");
        if running {
            landed += 1;
        }
        wait_for_backends(&env);
        let (r, t) = assert_runs_whole(&env);
        let added = t - total;
        assert!(
            added == 0 || added == BIG_RUN,
            "after kill -9 at {delay:?}: {added} stamps added"
        );
        assert_eq!(r - runs, added / BIG_RUN, "a run row without its stamps");
        outcomes.push((delay, running, status.code(), added));
        (runs, total) = (r, t);
    }
    eprintln!("full run {full:?}; kills (delay, running, exit code, added): {outcomes:?}");
    assert!(
        landed >= 2,
        "too few kills landed while running ({full:?} per run): {outcomes:?}"
    );
    assert_sqlite_intact(&env);

    // The database still opens, migrates and takes a new run.
    assert_ok(&run(&env, &["migrate"]), "ocop migrate after kill -9");
    let out = run(
        &env,
        &[
            "stamps",
            "issue",
            "--product",
            "1",
            "--lot",
            "NX-MO-2025-10",
            "--count",
            "10",
        ],
    );
    assert_ok(&out, "a small run after kill -9");
    let (r, t) = assert_runs_whole(&env);
    assert_eq!((r, t), (runs + 1, total + 10));
}

// ---------------------------------------------------------------------------
// SIGTERM under scan load
// ---------------------------------------------------------------------------

#[test]
fn sigterm_under_scan_load_loses_no_scan() {
    let env = CliEnv::new();
    demo_json(&env);
    let out = run(
        &env,
        &[
            "stamps",
            "issue",
            "--product",
            "1",
            "--lot",
            "NX-MO-2025-10",
            "--count",
            "200",
            "--json",
        ],
    );
    assert_ok(&out, "ocop stamps issue --count 200");
    let issued: Value = serde_json::from_slice(&out.stdout).expect("issue JSON");
    let codes: Arc<Vec<String>> = Arc::new(
        issued["codes"]
            .as_array()
            .expect("codes")
            .iter()
            .map(|c| c.as_str().expect("code").to_owned())
            .collect(),
    );
    assert_eq!(codes.len(), 200);

    let mut served = Served::start(&env);
    let port = served.port;
    let ok = Arc::new(AtomicU64::new(0));
    let stopping = Arc::new(AtomicBool::new(false));
    const THREADS: usize = 4;
    const PER_THREAD: usize = 2_000;
    let clients: Vec<_> = (0..THREADS)
        .map(|t| {
            let (codes, ok, stopping) = (codes.clone(), ok.clone(), stopping.clone());
            std::thread::spawn(move || {
                // Half the threads keep their connection alive.
                let keep_alive = t % 2 == 0;
                let mut conn: Option<HttpConn> = None;
                let (mut sent, mut failures, mut refused) = (0usize, 0usize, false);
                let mut rng = rand::rng();
                while sent < PER_THREAD {
                    let mut c = match conn.take() {
                        Some(c) => c,
                        None => match HttpConn::open(port) {
                            Ok(c) => c,
                            Err(_) if stopping.load(Ordering::SeqCst) => {
                                refused = true;
                                break;
                            }
                            Err(e) => panic!("connect before SIGTERM: {e}"),
                        },
                    };
                    let code = &codes[rng.random_range(0..codes.len())];
                    sent += 1;
                    match c.get(&format!("/api/v1/scan/{code}"), keep_alive) {
                        Ok((200, body, open)) => {
                            assert!(body.contains("\"outcome\""), "{body}");
                            ok.fetch_add(1, Ordering::SeqCst);
                            if open && keep_alive {
                                conn = Some(c);
                            }
                        }
                        Ok((status, body, _)) => panic!("scan answered {status}: {body}"),
                        // Cut off by the shutdown: not served, must not count.
                        Err(_) if stopping.load(Ordering::SeqCst) => failures += 1,
                        Err(e) => panic!("scan failed before SIGTERM: {e}"),
                    }
                }
                (sent, failures, refused)
            })
        })
        .collect();

    // SIGTERM once the load is well under way.
    let deadline = Instant::now() + Duration::from_secs(20);
    while ok.load(Ordering::SeqCst) < 1_000 {
        assert!(Instant::now() < deadline, "load too slow to start");
        std::thread::sleep(Duration::from_millis(5));
    }
    stopping.store(true, Ordering::SeqCst);
    let at_sigterm = ok.load(Ordering::SeqCst);
    sigterm(served.child.id());
    let results: Vec<(usize, usize, bool)> = clients
        .into_iter()
        .map(|h| h.join().expect("client thread"))
        .collect();
    let status = served.wait_exit(Duration::from_secs(30));
    assert!(
        status.success(),
        "ocop serve after SIGTERM: {status}\n{}",
        served.log_text()
    );
    let served_ok = ok.load(Ordering::SeqCst) as i64;

    let mut conn = connect(&env);
    let stored: i64 = scans::table
        .count()
        .get_result(&mut conn)
        .expect("count scans");
    let counted: i64 = stamps::table
        .select(stamps::scan_count)
        .load::<i32>(&mut conn)
        .expect("scan counts")
        .into_iter()
        .map(i64::from)
        .sum();
    let summary = format!(
        "200s: {served_ok} ({at_sigterm} before SIGTERM); stored scans: {stored}; \
         sum of scan_count: {counted}; per thread (sent, cut off, refused): {results:?}"
    );
    eprintln!("{summary}");
    assert!(served_ok >= at_sigterm as i64 && served_ok > 0, "{summary}");
    assert_eq!(stored, served_ok, "{summary}\n{}", served.log_text());
    assert_eq!(counted, served_ok, "{summary}");
}

// ---------------------------------------------------------------------------
// Aiming a kill -9 at a write
// ---------------------------------------------------------------------------

/// Tells when a transaction has begun writing, so that a kill can be aimed
/// at the write itself rather than at start-up or the checks before it. On
/// SQLite the write-ahead log grows (a big transaction spills its pages
/// there before it commits; the log is emptied first). On PostgreSQL a
/// backend of the test database holds a transaction id, which it gets at
/// its first write. Drop it before `wait_for_backends`: it is a backend too.
enum WriteProbe {
    Sqlite(PathBuf),
    Postgres(diesel::pg::PgConnection),
}

#[derive(QueryableByName)]
struct Checkpoint {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
}

impl WriteProbe {
    fn new(env: &CliEnv) -> WriteProbe {
        if let Some(url) = &env.database_url {
            let pg = diesel::pg::PgConnection::establish(url).expect("connect to PostgreSQL");
            return WriteProbe::Postgres(pg);
        }
        let db = env.dir.path().join("ocop.db");
        let mut conn =
            diesel::sqlite::SqliteConnection::establish(db.to_str().expect("utf-8 path"))
                .expect("open SQLite");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let done: Checkpoint = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
                .get_result(&mut conn)
                .expect("checkpoint");
            if done.busy == 0 {
                break;
            }
            assert!(Instant::now() < deadline, "the log stays busy");
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut wal = db.into_os_string();
        wal.push("-wal");
        WriteProbe::Sqlite(wal.into())
    }

    fn writing(&mut self) -> bool {
        match self {
            WriteProbe::Sqlite(wal) => std::fs::metadata(wal).is_ok_and(|m| m.len() > 0),
            WriteProbe::Postgres(pg) => {
                diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
                     AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL)",
                ))
                .get_result(pg)
                .expect("pg_stat_activity")
            }
        }
    }
}

/// When to kill.
#[derive(Debug, Clone, Copy)]
enum Aim {
    /// This long after the start, whatever is happening (start-up, reading
    /// the file, checking rows, minting codes).
    After(Duration),
    /// This long after the write was first seen.
    IntoWrite(Duration),
    /// Never: watch the operation to its end.
    Never,
}

/// What the watch saw, times from the start.
#[derive(Debug, Clone, Copy)]
struct Landing {
    write_began: Option<Duration>,
    /// The moment to kill, or the end of the operation.
    at: Duration,
    /// The operation had finished by then.
    finished: bool,
}

impl std::fmt::Display for Landing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.write_began {
            _ if self.finished => write!(f, "after the end ({:.2?})", self.at),
            Some(w) => write!(f, "{:.2?} into the write", self.at.saturating_sub(w)),
            None => write!(f, "at {:.2?}, before the write", self.at),
        }
    }
}

impl Landing {
    /// How long the write lasted, for an operation watched to its end.
    fn write_lasted(&self) -> Option<Duration> {
        self.write_began.map(|w| self.at.saturating_sub(w))
    }

    /// The kill landed after the write began and before the end.
    fn in_the_write(&self) -> bool {
        self.write_began.is_some() && !self.finished
    }
}

/// Watches an operation begun at `started` until it is time to kill it by
/// `aim`, or it has `finished`; the caller then kills.
fn watch(
    probe: &mut WriteProbe,
    started: Instant,
    aim: Aim,
    finished: &mut dyn FnMut() -> bool,
) -> Landing {
    let deadline = started + Duration::from_secs(90);
    let mut write_began = None;
    loop {
        if write_began.is_none() && probe.writing() {
            write_began = Some(started.elapsed());
        }
        let now = started.elapsed();
        let due = match aim {
            Aim::After(d) => now >= d,
            Aim::IntoWrite(d) => write_began.is_some_and(|w| now >= w + d),
            Aim::Never => false,
        };
        let done = finished();
        if due || done {
            return Landing {
                write_began,
                at: now,
                finished: done,
            };
        }
        assert!(Instant::now() < deadline, "still running after 90 s");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Kills a process with SIGKILL (what `Child::kill` sends) and reaps it.
fn kill_9(child: &mut Child) -> std::process::ExitStatus {
    // An error only says it had exited already.
    let _ = child.kill();
    child.wait().expect("reap")
}

// ---------------------------------------------------------------------------
// kill -9 during a bulk import
// ---------------------------------------------------------------------------

/// Rows per import file: the write lasts about a second in a debug build.
const IMPORT_ROWS: i64 = 30_000;

/// The demo sellers' tax codes, the import's seller key.
fn tax_codes(env: &CliEnv) -> Vec<String> {
    let mut conn = connect(env);
    let codes: Vec<Option<String>> = sellers::table
        .select(sellers::tax_code)
        .order(sellers::id)
        .load(&mut conn)
        .expect("tax codes");
    let codes: Vec<String> = codes.into_iter().flatten().collect();
    assert!(!codes.is_empty(), "no demo seller has a tax code");
    codes
}

/// A products file in the template's columns: `IMPORT_ROWS` rows with SKUs
/// `{prefix}-00000`…, spread over the sellers of `tax_codes`.
fn products_csv(tax_codes: &[String], prefix: &str) -> Vec<u8> {
    let columns = ImportKind::Products.columns();
    let header: Vec<&str> = columns.iter().map(|c| c.header).collect();
    let mut out = header.join(",") + "\n";
    for i in 0..IMPORT_ROWS as usize {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match c.field {
                f if f == SELLER_KEY_FIELD => tax_codes[i % tax_codes.len()].clone(),
                "sku" => format!("{prefix}-{i:05}"),
                "name_vi" => format!("Mật ong rừng Nam Xuân {prefix} số {i}"),
                "ocop_group" => "Thực phẩm".to_owned(),
                "description" => "Mật ong hoa rừng thu hoạch ở bản Khạn xã Nam Xuân.".to_owned(),
                "unit" => "ml".to_owned(),
                "net_quantity" => "500".to_owned(),
                "price_vnd" => (120_000 + i % 50 * 1_000).to_string(),
                "stock" => (i % 100).to_string(),
                "status" => "Đang bán".to_owned(),
                _ => String::new(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

/// (products whose SKU starts with `{prefix}-`, distinct such SKUs, all
/// products).
fn imported_rows(env: &CliEnv, prefix: &str) -> (i64, i64, i64) {
    let mut conn = connect(env);
    let pattern = format!("{prefix}-%");
    let skus: Vec<Option<String>> = products::table
        .filter(products::sku.like(&pattern))
        .select(products::sku)
        .load(&mut conn)
        .expect("imported products");
    let distinct = skus.iter().collect::<std::collections::HashSet<_>>().len();
    let all: i64 = products::table
        .count()
        .get_result(&mut conn)
        .expect("count products");
    (skus.len() as i64, distinct as i64, all)
}

fn import_products(env: &CliEnv, file: &std::path::Path) -> Child {
    env.command()
        .args(["import", "products", "--file"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ocop import products")
}

#[test]
fn kill_9_during_a_bulk_import_leaves_all_or_none() {
    let env = CliEnv::new();
    demo_json(&env);
    let codes = tax_codes(&env);
    let files = tempfile::tempdir().expect("temp dir");
    let file = |prefix: &str| {
        let path = files.path().join(format!("san-pham-{prefix}.csv"));
        std::fs::write(&path, products_csv(&codes, prefix)).expect("write the file");
        path
    };
    let (_, _, before) = imported_rows(&env, "A");

    // One uninterrupted import: when its write begins and how long it lasts.
    let path = file("A");
    let mut probe = WriteProbe::new(&env);
    let started = Instant::now();
    let mut child = import_products(&env, &path);
    let full = watch(&mut probe, started, Aim::Never, &mut || {
        child.try_wait().expect("poll").is_some()
    });
    drop(probe);
    assert_ok(&child.wait_with_output().expect("import"), "an import");
    let (Some(began), Some(write)) = (full.write_began, full.write_lasted()) else {
        panic!("the import's write was never seen: {full:?}");
    };
    assert_eq!(
        imported_rows(&env, "A"),
        (IMPORT_ROWS, IMPORT_ROWS, before + IMPORT_ROWS)
    );

    // One kill while the file is read and checked, then kills spread over
    // the write, from its first page to about its commit.
    let mut aims = vec![Aim::After(began / 2)];
    aims.extend([0.0, 0.25, 0.5, 0.75, 0.95].map(|f| Aim::IntoWrite(write.mul_f64(f))));
    let mut total = before + IMPORT_ROWS;
    let (mut outcomes, mut report) = (Vec::new(), Vec::new());
    for (i, aim) in aims.into_iter().enumerate() {
        let prefix = format!("K{i}");
        let path = file(&prefix);
        let mut probe = WriteProbe::new(&env);
        let started = Instant::now();
        let mut child = import_products(&env, &path);
        let landing = watch(&mut probe, started, aim, &mut || {
            child.try_wait().expect("poll").is_some()
        });
        let status = kill_9(&mut child);
        drop(probe);
        wait_for_backends(&env);
        let (rows, distinct, all) = imported_rows(&env, &prefix);
        assert!(
            rows == 0 || rows == IMPORT_ROWS,
            "after kill -9 {landing:?}: {rows} of {IMPORT_ROWS} rows"
        );
        assert_eq!((distinct, all), (rows, total + rows), "{landing:?}");
        total = all;
        outcomes.push((prefix, landing, rows));
        report.push(format!("{landing} ({status}): {rows} rows"));
    }
    let report = report.join("; ");
    eprintln!(
        "import of {IMPORT_ROWS} rows: write from {began:.2?}, lasting {write:.2?}; kills: {report}"
    );
    let rolled_back: Vec<&str> = outcomes
        .iter()
        .filter(|(_, landing, rows)| landing.in_the_write() && *rows == 0)
        .map(|(prefix, ..)| prefix.as_str())
        .collect();
    assert!(
        rolled_back.len() >= 2,
        "too few kills landed in the write (it lasted {write:.2?}): {report}"
    );
    assert_sqlite_intact(&env);

    // A file whose import was killed imports whole, once.
    let prefix = rolled_back[0];
    let out = run(
        &env,
        &[
            "import",
            "products",
            "--file",
            &file(prefix).to_string_lossy(),
        ],
    );
    assert_ok(&out, "the import again after kill -9");
    assert_eq!(
        imported_rows(&env, prefix),
        (IMPORT_ROWS, IMPORT_ROWS, total + IMPORT_ROWS)
    );
}

/// Posts a products file to `/api/v1/imports/products` from another thread.
fn post_import(
    port: u16,
    token: &str,
    file: Vec<u8>,
) -> std::thread::JoinHandle<std::io::Result<(u16, String)>> {
    let bearer = format!("Bearer {token}");
    std::thread::spawn(move || {
        let (content_type, body) = multipart_body(&[Part {
            name: "file",
            file_name: Some("san-pham.csv"),
            data: &file,
        }]);
        post(
            port,
            "/api/v1/imports/products?dry_run=false",
            &[("Authorization", &bearer), ("Content-Type", &content_type)],
            &body,
        )
    })
}

#[test]
fn kill_9_of_the_server_during_an_http_import_leaves_all_or_none() {
    let env = CliEnv::new();
    let demo = demo_json(&env);
    let codes = tax_codes(&env);
    let mut served = Served::start(&env);
    let token = login(served.port, &demo["staff"]);
    let (_, _, before) = imported_rows(&env, "A");

    // One uninterrupted import over HTTP: how long the server's write lasts.
    let mut probe = WriteProbe::new(&env);
    let started = Instant::now();
    let client = post_import(served.port, &token, products_csv(&codes, "A"));
    let full = watch(&mut probe, started, Aim::Never, &mut || {
        client.is_finished()
    });
    drop(probe);
    let (status, body) = client.join().expect("client").expect("import over HTTP");
    assert_eq!(status, 200, "{body}");
    let write = full
        .write_lasted()
        .unwrap_or_else(|| panic!("the import's write was never seen: {full:?}"));
    assert_eq!(
        imported_rows(&env, "A"),
        (IMPORT_ROWS, IMPORT_ROWS, before + IMPORT_ROWS)
    );

    // kill -9 the server early in the write, half-way and near its end, and
    // start it again each time.
    let mut total = before + IMPORT_ROWS;
    let (mut outcomes, mut report) = (Vec::new(), Vec::new());
    for (i, fraction) in [0.1, 0.5, 0.9].into_iter().enumerate() {
        let prefix = format!("S{i}");
        let mut probe = WriteProbe::new(&env);
        let started = Instant::now();
        let client = post_import(served.port, &token, products_csv(&codes, &prefix));
        let aim = Aim::IntoWrite(write.mul_f64(fraction));
        let landing = watch(&mut probe, started, aim, &mut || client.is_finished());
        kill_9(&mut served.child);
        drop(probe);
        let answer = client.join().expect("client");
        wait_for_backends(&env);
        let (rows, distinct, all) = imported_rows(&env, &prefix);
        let summary = format!("kill -9 {landing:?}, the client saw {answer:?}");
        assert!(
            rows == 0 || rows == IMPORT_ROWS,
            "{summary}: {rows} of {IMPORT_ROWS} rows"
        );
        assert_eq!((distinct, all), (rows, total + rows), "{summary}");
        if matches!(answer, Ok((200, _))) {
            assert_eq!(rows, IMPORT_ROWS, "{summary}: answered 200, not stored");
        }
        served = Served::start(&env);
        assert_eq!(
            imported_rows(&env, &prefix),
            (rows, distinct, all),
            "{summary}: the restart changed the products"
        );
        total = all;
        let answer = answer
            .map(|(s, _)| s.to_string())
            .unwrap_or_else(|e| e.to_string());
        report.push(format!("{landing} (client: {answer}): {rows} rows"));
        outcomes.push((prefix, landing, rows));
    }
    let report = report.join("; ");
    eprintln!("server import of {IMPORT_ROWS} rows, write lasting {write:.2?}; kills: {report}");
    let Some((prefix, ..)) = outcomes
        .iter()
        .find(|(_, landing, rows)| landing.in_the_write() && *rows == 0)
    else {
        panic!("no kill landed in the write (it lasted {write:.2?}): {report}");
    };

    // The restarted server imports the same file whole, once.
    let client = post_import(served.port, &token, products_csv(&codes, prefix));
    let (status, body) = client.join().expect("client").expect("import over HTTP");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        imported_rows(&env, prefix),
        (IMPORT_ROWS, IMPORT_ROWS, total + IMPORT_ROWS)
    );
    sigterm(served.child.id());
    assert!(served.wait_exit(Duration::from_secs(30)).success());
    assert_sqlite_intact(&env);
}

// ---------------------------------------------------------------------------
// kill -9 of the server during a 100,000-stamp run
// ---------------------------------------------------------------------------

/// Orders a run of `count` stamps of demo product 1 through the API, from
/// another thread.
fn post_run(
    port: u16,
    token: &str,
    count: i64,
) -> std::thread::JoinHandle<std::io::Result<(u16, String)>> {
    let bearer = format!("Bearer {token}");
    std::thread::spawn(move || {
        let body = serde_json::json!({ "count": count.to_string(), "lot_code": "NX-MO-2025-10" });
        post(
            port,
            "/api/v1/products/1/stamp-runs",
            &[
                ("Authorization", &bearer),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    })
}

#[test]
fn kill_9_of_the_server_during_a_big_http_run_leaves_all_or_none() {
    let env = CliEnv::new();
    let demo = demo_json(&env);
    let mut served = Served::start(&env);
    let token = login(served.port, &demo["staff"]);
    let (runs0, stamps0) = assert_runs_whole(&env);

    // One uninterrupted run over HTTP: when its write begins and how long
    // it lasts.
    let mut probe = WriteProbe::new(&env);
    let started = Instant::now();
    let client = post_run(served.port, &token, BIG_RUN);
    let full = watch(&mut probe, started, Aim::Never, &mut || {
        client.is_finished()
    });
    drop(probe);
    let (status, body) = client.join().expect("client").expect("run over HTTP");
    assert_eq!(status, 201, "{body}");
    let (Some(began), Some(write)) = (full.write_began, full.write_lasted()) else {
        panic!("the run's write was never seen: {full:?}");
    };
    let (mut runs, mut total) = assert_runs_whole(&env);
    assert_eq!((runs, total), (runs0 + 1, stamps0 + BIG_RUN));

    // One kill while the codes are minted, two in the write; the server is
    // started again after each.
    let aims = [
        Aim::After(began / 2),
        Aim::IntoWrite(write.mul_f64(0.2)),
        Aim::IntoWrite(write.mul_f64(0.6)),
    ];
    let (mut landed, mut report) = (false, Vec::new());
    for aim in aims {
        let mut probe = WriteProbe::new(&env);
        let started = Instant::now();
        let client = post_run(served.port, &token, BIG_RUN);
        let landing = watch(&mut probe, started, aim, &mut || client.is_finished());
        kill_9(&mut served.child);
        drop(probe);
        let answer = client.join().expect("client").map(|(s, _)| s);
        wait_for_backends(&env);
        let (r, t) = assert_runs_whole(&env);
        let added = t - total;
        let summary = format!("kill -9 {landing:?}, the client saw {answer:?}");
        assert!(
            added == 0 || added == BIG_RUN,
            "{summary}: {added} stamps added"
        );
        assert_eq!(
            r - runs,
            added / BIG_RUN,
            "{summary}: a run row without its stamps"
        );
        if matches!(answer, Ok(201)) {
            assert_eq!(added, BIG_RUN, "{summary}: answered 201, not stored");
        }
        served = Served::start(&env);
        assert_eq!(
            assert_runs_whole(&env),
            (r, t),
            "{summary}: the restart changed the runs"
        );
        (runs, total) = (r, t);
        landed |= landing.in_the_write() && added == 0;
        let answer = answer
            .map(|s| s.to_string())
            .unwrap_or_else(|e| e.to_string());
        report.push(format!(
            "{landing} (client: {answer}): {added} stamps added"
        ));
    }
    let report = report.join("; ");
    eprintln!("server run write from {began:.2?}, lasting {write:.2?}; kills: {report}");
    assert!(
        landed,
        "no kill landed in the write (it lasted {write:.2?}): {report}"
    );

    // The restarted server takes a new run.
    let (status, body) = post_run(served.port, &token, 10)
        .join()
        .expect("client")
        .expect("run over HTTP");
    assert_eq!(status, 201, "{body}");
    assert_eq!(assert_runs_whole(&env), (runs + 1, total + 10));
    sigterm(served.child.id());
    assert!(served.wait_exit(Duration::from_secs(30)).success());
    assert_sqlite_intact(&env);
}
