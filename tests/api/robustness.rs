//! The `ocop` binary under abuse: the demo stamps scan as `ocop demo --json`
//! says, a `kill -9` in the middle of a 100,000-stamp run leaves all of it
//! or none, and a SIGTERM under scan load loses no served scan.

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
use ocop::db::schema::{scans, stamp_runs, stamps};

use crate::helpers::CliEnv;

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
        let connection = if keep_alive { "keep-alive" } else { "close" };
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: {connection}\r\n\r\n");
        self.reader.get_mut().write_all(request.as_bytes())?;
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
