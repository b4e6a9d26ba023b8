//! The `ocop` binary as an operator runs it: help, migrations, demo data,
//! accounts from the command line, the development secret, the production
//! guard, and `ocop serve` with its file outbox.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};

use ocop::config::DatabaseUrl;

use crate::helpers::CliEnv;

/// Runs `ocop args...` in `env` with `stdin` (nothing when `None`).
fn run(env: &CliEnv, args: &[&str], stdin: Option<&str>) -> Output {
    run_with(env, args, stdin, &[])
}

/// Like [`run`], with extra environment variables.
fn run_with(env: &CliEnv, args: &[&str], stdin: Option<&str>, vars: &[(&str, &str)]) -> Output {
    let mut cmd = env.command();
    cmd.args(args)
        .envs(vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("start ocop");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for ocop")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that the command succeeded, showing its output otherwise.
#[track_caller]
fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Asserts that the command failed and returns its stderr.
#[track_caller]
fn assert_fails(out: &Output, what: &str) -> String {
    assert!(
        !out.status.success(),
        "{what} should fail but exited 0:\nstdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    stderr(out)
}

/// `ocop demo --json`, parsed.
fn demo_json(env: &CliEnv) -> Value {
    let out = run(env, &["demo", "--json"], None);
    assert_ok(&out, "ocop demo --json");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("demo --json is not JSON ({e}): {}", stdout(&out)))
}

/// The database the binary uses in `env`, opened directly.
fn connect(env: &CliEnv) -> ocop::db::DbConn {
    let url = match &env.database_url {
        Some(u) => DatabaseUrl::parse(u),
        None => DatabaseUrl::Sqlite(env.dir.path().join("ocop.db")),
    };
    ocop::db::Manager::connect(&url).expect("open the CLI's database")
}

// ---------------------------------------------------------------------------
// `ocop serve` as a child process and a tiny blocking HTTP client.
// ---------------------------------------------------------------------------

/// A running `ocop serve`; killed (and reaped) when dropped, even when an
/// assertion fails first.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
    /// Holds the log file; removed after the child is gone.
    _log_dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `ocop serve` on a free port and waits until `/healthz` is 200.
    fn start(env: &CliEnv) -> Server {
        let port = {
            let probe = TcpListener::bind("127.0.0.1:0").expect("probe port");
            probe.local_addr().expect("probe addr").port()
        };
        // Outside the data dir, so the outbox and secret stay as the app left them.
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
        let mut server = Server {
            child,
            port,
            log,
            _log_dir: log_dir,
        };
        server.wait_healthy(Duration::from_secs(20));
        server
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_healthy(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll ocop serve") {
                panic!("ocop serve exited early ({status}):\n{}", self.log_text());
            }
            if let Ok((200, _)) = http(self.port, "GET", "/healthz", None, None) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "ocop serve not healthy after {timeout:?}:\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends a request and parses the JSON answer (`Null` when empty, a
    /// string when not JSON).
    fn json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let body = body.map(|b| b.to_string());
        let (status, text) = http(self.port, method, path, token, body.as_deref())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.log_text()));
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    /// Logs in through the API and returns the bearer token.
    fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self.json(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": email, "password": password })),
        );
        assert_eq!(status, 200, "login of {email} failed: {body}");
        body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {body}"))
            .to_owned()
    }
}

/// One HTTP/1.1 request over a fresh connection; returns the status code and
/// the (de-chunked) body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    if let Some(t) = token {
        request.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    if let Some(b) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or(""));
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let bad = |what: &str| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{what}: {raw:?}"))
    };
    let (head, rest) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| bad("no header end"))?;
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad("no status line"))?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    Ok((status, body))
}

/// Decodes a `Transfer-Encoding: chunked` body.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size =
            usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].strip_prefix("\r\n").unwrap_or(&after[size..]);
    }
    out
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn help_describes_every_subcommand() {
    let env = CliEnv::new();
    let out = run(&env, &["--help"], None);
    assert_ok(&out, "ocop --help");
    let text = stdout(&out);
    for sub in ["serve", "migrate", "user", "demo"] {
        assert!(
            text.contains(sub),
            "ocop --help does not mention {sub}:\n{text}"
        );
    }
    for args in [
        &["serve", "--help"][..],
        &["migrate", "--help"],
        &["user", "--help"],
        &["user", "add", "--help"],
        &["demo", "--help"],
    ] {
        let out = run(&env, args, None);
        let what = format!("ocop {}", args.join(" "));
        assert_ok(&out, &what);
        let text = stdout(&out);
        let sub = args[args.len() - 2];
        assert!(text.contains(sub), "{what} does not mention {sub}:\n{text}");
    }
    let out = run(&env, &["user", "add", "--help"], None);
    let text = stdout(&out);
    for flag in [
        "--email",
        "--name",
        "--role",
        "--post-office",
        "--password-stdin",
    ] {
        assert!(
            text.contains(flag),
            "ocop user add --help does not mention {flag}:\n{text}"
        );
    }
    let out = run(&env, &["demo", "--help"], None);
    assert!(
        stdout(&out).contains("--json"),
        "ocop demo --help: {}",
        stdout(&out)
    );
}

#[test]
fn migrate_is_idempotent() {
    let env = CliEnv::new();
    let first = run(&env, &["migrate"], None);
    assert_ok(&first, "first ocop migrate");
    assert!(
        stdout(&first).contains("migrations applied"),
        "{}",
        stdout(&first)
    );
    let second = run(&env, &["migrate"], None);
    assert_ok(&second, "second ocop migrate");
}

#[test]
fn demo_json_lists_logins_and_is_idempotent() {
    let env = CliEnv::new();
    let first = demo_json(&env);
    for role in ["admin", "staff"] {
        for field in ["email", "password"] {
            assert!(
                first[role][field].as_str().is_some_and(|s| !s.is_empty()),
                "{role}.{field} missing in {first}"
            );
        }
    }
    let sellers = first["sellers"].as_array().expect("sellers array");
    assert_eq!(sellers.len(), 3, "{first}");
    for s in sellers {
        assert!(s["id"].as_i64().is_some(), "seller id in {s}");
        for field in ["name", "email", "password"] {
            assert!(
                s[field].as_str().is_some_and(|v| !v.is_empty()),
                "seller {field} in {s}"
            );
        }
    }
    let mut names: Vec<&str> = sellers.iter().filter_map(|s| s["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Chè Thiên Phủ", "Cơm lam Phú Lệ", "HTX Nam Xuân"]);
    let mut ids: Vec<i64> = sellers.iter().filter_map(|s| s["id"].as_i64()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "seller ids are not distinct: {first}");

    let second = demo_json(&env);
    assert_eq!(
        first, second,
        "a second `ocop demo --json` changed the logins or ids"
    );

    // Nothing was created twice.
    use ocop::db::schema::{post_offices, sellers as sellers_t, users};
    let mut conn = connect(&env);
    let seller_count: i64 = sellers_t::table
        .count()
        .get_result(&mut conn)
        .expect("count sellers");
    let user_count: i64 = users::table
        .count()
        .get_result(&mut conn)
        .expect("count users");
    let office_count: i64 = post_offices::table
        .count()
        .get_result(&mut conn)
        .expect("count post offices");
    assert_eq!(seller_count, 3, "sellers after two demo runs");
    assert_eq!(
        user_count, 5,
        "admin, staff and three members after two demo runs"
    );
    assert_eq!(office_count, 1, "post offices after two demo runs");

    // Two or three believable products per seller, each with a lot.
    let products = first["products"].as_array().expect("products");
    assert_eq!(products.len(), 6, "{first}");
    for s in sellers {
        let n = products
            .iter()
            .filter(|p| p["seller_id"] == s["id"])
            .count();
        assert!((2..=3).contains(&n), "seller {s} has {n} products");
    }
    assert!(
        products
            .iter()
            .all(|p| p["lots"].as_array().is_some_and(|l| !l.is_empty()))
    );
    let product_count: i64 = ocop::db::schema::products::table
        .count()
        .get_result(&mut conn)
        .expect("count products");
    assert_eq!(product_count, 6, "products after two demo runs");
    let photos: i64 = ocop::db::schema::photos::table
        .count()
        .get_result(&mut conn)
        .expect("count photos");
    assert_eq!(photos, 12);
}

#[test]
fn notify_mails_each_expiry_reminder_once() {
    let env = CliEnv::new();
    demo_json(&env);
    // The demo's Cơm lam certificate was issued on 2023-12-05: valid until
    // 2026-12-05.
    let first = run(&env, &["notify", "--today", "2026-10-20"], None);
    assert_ok(&first, "notify at 46 days");
    assert!(
        stdout(&first).contains("1 reminders queued in 2 mails; outbox: 2 sent"),
        "{}",
        stdout(&first)
    );
    let again = run(&env, &["notify", "--today", "2026-10-21"], None);
    assert!(
        stdout(&again).contains("0 reminders queued"),
        "{}",
        stdout(&again)
    );
    let late = run(&env, &["notify", "--today", "2026-11-25"], None);
    assert!(
        stdout(&late).contains("1 reminders queued"),
        "{}",
        stdout(&late)
    );
    let outbox = std::fs::read_dir(env.dir.path().join("outbox"))
        .expect("outbox")
        .count();
    assert_eq!(outbox, 4, "member and staff, twice");
    let bad = run(&env, &["notify", "--today", "20/10/2026"], None);
    assert_fails(&bad, "notify with a malformed date");
}

#[test]
fn user_add_creates_an_account_and_refuses_bad_input() {
    let env = CliEnv::new();
    let add = |email: &str, role: &str, password: &str| {
        run(
            &env,
            &[
                "user",
                "add",
                "--email",
                email,
                "--name",
                "Nguyễn Văn A",
                "--role",
                role,
                "--password-stdin",
            ],
            Some(password),
        )
    };

    let out = add("a@b.vn", "staff", "mật-khẩu-đủ-dài\n");
    assert_ok(&out, "ocop user add");
    assert!(stdout(&out).contains("a@b.vn"), "{}", stdout(&out));

    let err = assert_fails(
        &add("a@b.vn", "staff", "mật-khẩu-khác-dài\n"),
        "adding the same email again",
    );
    assert!(
        err.contains("email"),
        "duplicate email error should name the field: {err}"
    );

    let err = assert_fails(
        &add("short@b.vn", "staff", "short\n"),
        "a too-short password",
    );
    assert!(
        err.contains("password"),
        "short password error should name the field: {err}"
    );

    let err = assert_fails(
        &add("seller@b.vn", "seller", "mật-khẩu-đủ-dài\n"),
        "--role seller",
    );
    assert!(
        err.contains("role"),
        "seller role error should name the role: {err}"
    );

    let err = assert_fails(
        &add("boss@b.vn", "boss", "mật-khẩu-đủ-dài\n"),
        "--role boss",
    );
    assert!(err.contains("--role must be admin or staff"), "{err}");

    let err = assert_fails(
        &add("bad-address", "staff", "mật-khẩu-đủ-dài\n"),
        "an invalid email",
    );
    assert!(err.contains("email"), "{err}");

    // The password never goes on the command line.
    let out = run(
        &env,
        &[
            "user",
            "add",
            "--email",
            "c@b.vn",
            "--name",
            "Nguyễn Văn C",
            "--role",
            "staff",
        ],
        Some("mật-khẩu-đủ-dài\n"),
    );
    let err = assert_fails(&out, "user add without --password-stdin");
    assert!(
        err.contains("--password-stdin"),
        "clap should name the missing flag: {err}"
    );

    // Only the first account exists.
    use ocop::db::schema::users;
    let mut conn = connect(&env);
    let emails: Vec<String> = users::table
        .select(users::email)
        .load(&mut conn)
        .expect("emails");
    assert_eq!(emails, ["a@b.vn"]);
}

#[test]
fn user_added_on_the_command_line_logs_in_to_the_served_api() {
    let env = CliEnv::new();
    let password = "Mật khẩu của A 2025";
    let out = run(
        &env,
        &[
            "user",
            "add",
            "--email",
            "a@b.vn",
            "--name",
            "Nguyễn Văn A",
            "--role",
            "staff",
            "--password-stdin",
        ],
        Some(&format!("{password}\n")),
    );
    assert_ok(&out, "ocop user add");

    let server = Server::start(&env);
    let (status, body) = server.json(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({ "email": "a@b.vn", "password": password })),
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body["token"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );

    // The trailing newline from stdin is not part of the password.
    let (status, body) = server.json(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({ "email": "a@b.vn", "password": format!("{password}\n") })),
    );
    assert_eq!(status, 401, "{body}");
}

#[test]
fn development_secret_is_private_and_reused() {
    let env = CliEnv::new();
    let path = env.dir.path().join("secret.key");
    assert!(!path.exists());
    assert_ok(&run(&env, &["migrate"], None), "first ocop migrate");
    let meta = std::fs::metadata(&path).expect("secret.key after the first command");
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "secret.key must be readable by its owner only"
    );
    let first = std::fs::read_to_string(&path).expect("read secret.key");
    assert!(
        first.trim().len() >= 32,
        "secret too short: {} chars",
        first.trim().len()
    );

    assert_ok(&run(&env, &["migrate"], None), "second ocop migrate");
    let second = std::fs::read_to_string(&path).expect("read secret.key again");
    assert_eq!(first, second, "the secret changed between runs");
    let meta = std::fs::metadata(&path).expect("secret.key");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}

#[test]
fn production_refuses_to_start_without_a_secret_key() {
    let env = CliEnv::new();
    let out = run_with(&env, &["migrate"], None, &[("OCOP_ENV", "production")]);
    let err = assert_fails(&out, "production migrate without OCOP_SECRET_KEY");
    assert!(err.contains("OCOP_SECRET_KEY"), "{err}");
    assert!(
        !env.dir.path().join("secret.key").exists(),
        "production must never generate a secret"
    );

    let short = "x".repeat(31);
    let out = run_with(
        &env,
        &["migrate"],
        None,
        &[("OCOP_ENV", "production"), ("OCOP_SECRET_KEY", &short)],
    );
    let err = assert_fails(&out, "production migrate with a 31-character key");
    assert!(err.contains("OCOP_SECRET_KEY"), "{err}");

    let key = "k".repeat(40);
    let out = run_with(
        &env,
        &["migrate"],
        None,
        &[("OCOP_ENV", "production"), ("OCOP_SECRET_KEY", &key)],
    );
    assert_ok(&out, "production migrate with a 40-character key");
    assert!(!env.dir.path().join("secret.key").exists());
}

#[test]
fn served_app_writes_invitations_to_the_outbox_without_smtp() {
    let env = CliEnv::new();
    let demo = demo_json(&env);
    let seller_id = demo["sellers"][0]["id"].as_i64().expect("first seller id");
    let outbox = env.dir.path().join("outbox");

    let server = Server::start(&env);
    let token = server.login(
        demo["staff"]["email"].as_str().expect("staff email"),
        demo["staff"]["password"].as_str().expect("staff password"),
    );
    let (status, body) = server.json(
        "POST",
        &format!("/api/v1/sellers/{seller_id}/invitations"),
        Some(&token),
        Some(json!({ "email": "moi@example.vn", "name": "Người Mới" })),
    );
    assert_eq!(status, 201, "{body}\n{}", server.log_text());

    // The outbox worker writes the file just after the answer.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let files: Vec<PathBuf> = loop {
        let files: Vec<PathBuf> = std::fs::read_dir(&outbox)
            .map(|d| d.map(|e| e.expect("outbox entry").path()).collect())
            .unwrap_or_default();
        if !files.is_empty() || std::time::Instant::now() > deadline {
            break files;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(files.len(), 1, "outbox: {files:?}");
    assert_eq!(
        files[0].extension().and_then(|e| e.to_str()),
        Some("eml"),
        "{files:?}"
    );
    let raw = std::fs::read_to_string(&files[0]).expect("read .eml");
    let mail = crate::smtp::ParsedMail::parse(&raw);
    let to = mail
        .header("To")
        .unwrap_or_else(|| panic!("no To header:\n{raw}"));
    assert!(to.contains("<moi@example.vn>"), "To: {to}");
    assert_eq!(crate::smtp::decode_words(to), "Người Mới <moi@example.vn>");
    let subject = mail
        .header("Subject")
        .unwrap_or_else(|| panic!("no Subject header:\n{raw}"));
    assert!(
        crate::smtp::decode_words(subject).contains("OCOP"),
        "Subject: {subject}"
    );
    let link = format!("http://127.0.0.1:{}/invite/", server.port);
    assert!(
        mail.body.contains(&link),
        "no {link} in the body:\n{}",
        mail.body
    );
    assert!(mail.body.contains("Người Mới"), "{}", mail.body);
}
