//! `TestApp`: the real service on port 0 with its own database and an
//! in-memory mailbox, plus small HTTP helpers.

use std::time::Duration;

use awc::http::StatusCode;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use serde_json::Value;

use ocop::config::{ConfigArgs, Settings};
use ocop::db::Pool;
use ocop::mail::{Mailer, MemoryBox};
use ocop::services::demo::DemoLogins;
use ocop::startup::Application;

pub struct TestApp {
    pub address: String,
    /// The scan queue: `flush()` waits until served scans are stored.
    pub scans: ocop::services::scans::ScanRecorder,
    /// Mails "sent" by the outbox worker. `last_to` waits for a mail to
    /// arrive; call `mail_flush()` before reading `all()`.
    pub mail: MemoryBox,
    /// The outbox sender: `mail_flush()` waits until due mails are tried.
    pub outbox: ocop::services::outbox::Outbox,
    pub pool: Pool,
    pub settings: Settings,
    _dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

/// A throwaway PostgreSQL database, dropped with the test.
struct PgDatabase {
    admin_url: String,
    name: String,
}

/// The test server URL with `sslmode=disable` unless it names a mode. Tests
/// talk to a server on loopback, and libpq's OpenSSL, once used, is torn
/// down at process exit while idle pools of finished tests may still be
/// closing their connections on other threads: the test binary then aborted
/// at exit ("free(): invalid pointer") after every test had passed.
fn without_tls(url: &str) -> String {
    if url.contains("sslmode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

/// Creates a fresh PostgreSQL database on the server of `admin_url` and
/// returns its URL.
fn fresh_pg_database(admin_url: &str) -> (String, PgDatabase) {
    let name = format!("ocop_test_{}", ocop::util::random_hex(6));
    let mut conn = PgConnection::establish(admin_url).expect("connect to OCOP_TEST_DATABASE_URL");
    conn.batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create test database");
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let server = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    (
        format!("{server}/{name}{query}"),
        PgDatabase {
            admin_url: admin_url.to_owned(),
            name,
        },
    )
}

/// Settings as a test wants them: port 0, a temp data dir, and the backend
/// chosen by `OCOP_TEST_DATABASE_URL`.
pub fn test_settings(dir: &std::path::Path, database_url: Option<String>) -> Settings {
    Settings::from_args(ConfigArgs {
        env: "development".into(),
        bind: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url,
        public_base_url: Some("http://ocop.test".into()),
        secret_key: Some("test-secret-key-that-is-long-enough-0123456789".into()),
        smtp_url: None,
        mail_from: "OCOP <no-reply@ocop.test>".into(),
        workers: 2,
        db_pool_size: 4,
        cpu_threads: 2,
        cpu_queue: 16,
        cpu_memory_mb: 768,
        session_hours: 12,
        trust_proxy: false,
        trusted_proxies: None,
        smtp_timeout: 20,
        mail_retry: 60,
        copy_scan_limit: 20,
        copy_networks: 3,
        label_threads: 2,
        label_queue: 16,
    })
    .expect("test settings")
}

/// A database for one test: its URL (None: SQLite in the data dir) and the
/// handle that drops it.
fn test_database() -> (Option<String>, Option<PgDatabase>) {
    match std::env::var("OCOP_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let (url, pg) = fresh_pg_database(&without_tls(url.trim()));
            (Some(url), Some(pg))
        }
        _ => (None, None),
    }
}

/// A database URL and data dir for running the `ocop` binary in a test.
pub struct CliEnv {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
    _pg: Option<PgDatabase>,
}

impl CliEnv {
    pub fn new() -> CliEnv {
        let (database_url, pg) = test_database();
        CliEnv {
            dir: tempfile::tempdir().expect("temp dir"),
            database_url,
            _pg: pg,
        }
    }

    /// `ocop` with this environment's data dir and database.
    pub fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ocop"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OCOP_DATA_DIR", self.dir.path())
            .env("OCOP_LOG", "warn");
        if let Some(url) = &self.database_url {
            cmd.env("OCOP_DATABASE_URL", url);
        }
        cmd
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

impl TestApp {
    /// Starts the service with a fresh database.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Starts the service with settings changed by `adjust`.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, pg) = test_database();
        let mut settings = test_settings(dir.path(), database_url);
        adjust(&mut settings);
        let (mailer, mail) = Mailer::memory(&settings.mail_from).expect("memory mailer");
        let app = Application::build(settings.clone(), mailer).expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let outbox = app.outbox();
        let (server, scans) = app.into_parts();
        actix_web::rt::spawn(server);
        let pool = ocop::startup::prepare_database(&settings).expect("pool");
        TestApp {
            address,
            scans,
            mail,
            outbox,
            pool,
            settings,
            _dir: dir,
            _pg: pg,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// An HTTP client that does not follow redirects, so tests see them,
    /// and that says it comes from the service's own pages, as a browser
    /// posting one of our forms does (cross-site posts are refused).
    pub fn client(&self) -> awc::Client {
        awc::Client::builder()
            .disable_redirects()
            .add_default_header(("Origin", self.address.clone()))
            .timeout(Duration::from_secs(30))
            .finish()
    }

    /// Sends `body` as JSON and returns the status and the parsed answer
    /// (`Value::Null` for an empty body).
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client().request(method, self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = match body {
            Some(b) => req.send_json(&b).await.expect("request"),
            None => req.send().await.expect("request"),
        };
        let bytes = res.body().limit(10 << 20).await.expect("body");
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (res.status(), value)
    }

    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.send_json("GET", path, token, None).await
    }

    pub async fn post_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        self.send_json("POST", path, token, Some(body)).await
    }

    pub async fn put_json(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        self.send_json("PUT", path, token, Some(body)).await
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .post_json(
                "/api/v1/auth/login",
                None,
                serde_json::json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login of {email} failed: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Loads the demo data (one post office, admin, staff, three sellers).
    pub async fn demo(&self) -> DemoLogins {
        let pool = self.pool.clone();
        actix_web::rt::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("conn");
            ocop::services::demo::seed(&mut conn).expect("demo")
        })
        .await
        .expect("join")
    }

    /// Creates a staff account directly, for tests that need a second one.
    pub async fn add_staff(&self, email: &str, password: &str) {
        let pool = self.pool.clone();
        let (email, password) = (email.to_owned(), password.to_owned());
        actix_web::rt::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("conn");
            ocop::services::accounts::create_user(
                &mut conn,
                &email,
                "Nhân viên khác",
                ocop::domain::Role::Staff,
                None,
                &password,
            )
            .expect("create staff");
        })
        .await
        .expect("join");
    }

    /// Runs `f` on a pooled connection off the async runtime.
    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut ocop::db::DbConn) -> T + Send + 'static,
    ) -> T {
        let pool = self.pool.clone();
        actix_web::rt::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("conn");
            f(&mut conn)
        })
        .await
        .expect("join")
    }

    /// Waits until the outbox worker has tried every mail due now: after it,
    /// `mail.all()` holds every mail the requests so far queued.
    pub async fn mail_flush(&self) {
        let outbox = self.outbox.clone();
        actix_web::rt::task::spawn_blocking(move || outbox.flush())
            .await
            .expect("join");
    }

    /// A second instance of the service on the same database (as behind a
    /// load balancer); returns its base URL. It runs until the test ends.
    pub fn second_instance(&self) -> String {
        let (mailer, _) = Mailer::memory(&self.settings.mail_from).expect("memory mailer");
        let app = Application::build(self.settings.clone(), mailer).expect("build second app");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.into_parts().0);
        address
    }

    /// The outbox rows, oldest first.
    pub async fn outbox_rows(&self) -> Vec<ocop::db::models::OutboxRow> {
        self.db(|conn| ocop::db::models::OutboxRow::all(conn).expect("outbox rows"))
            .await
    }

    /// The invitation or reset link in the newest mail to `to`, as a path.
    pub fn link_in_mail(&self, to: &str, prefix: &str) -> String {
        let mail = self
            .mail
            .last_to(to)
            .unwrap_or_else(|| panic!("no mail to {to}"));
        let start = mail
            .body
            .find(&format!("http://ocop.test{prefix}"))
            .expect("link in mail");
        let rest = &mail.body[start + "http://ocop.test".len()..];
        rest.split_whitespace().next().expect("link").to_owned()
    }
}

/// A seller as the API takes it: valid, with the fields a test may change.
pub fn seller_json(tax_code: &str) -> Value {
    serde_json::json!({
        "kind": "htx",
        "legal_name": "Hợp tác xã Dệt thổ cẩm Phú Nghiêm",
        "short_name": "HTX Phú Nghiêm",
        "tax_code": tax_code,
        "representative": "Hà Thị Xuân",
        "phone": "+84 912 000 111",
        "zalo_phone": "0912000111",
        "email": "htx.phunghiem@example.vn",
        "commune_code": "14869",
        "village": "Bản Cha Lan",
        "former_district": "huyện Quan Hóa",
        "consent": true
    })
}

/// Form-encodes pairs for HTML form posts.
pub fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                ocop::util::url_encode(k),
                ocop::util::url_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// What a browser would see of a page response.
pub struct PageResponse {
    pub status: StatusCode,
    pub location: Option<String>,
    /// `name=value` of the session cookie, when the response set one.
    pub session: Option<String>,
    pub set_cookie: Vec<String>,
    pub body: String,
}

impl TestApp {
    /// Requests a page like a browser without JavaScript: an optional
    /// session cookie, an optional form body, and an Accept-Language.
    pub async fn page(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        form: Option<&[(&str, &str)]>,
        lang: &str,
    ) -> PageResponse {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .client()
            .request(method, self.url(path))
            .insert_header(("Accept-Language", lang.to_owned()));
        if let Some(c) = cookie {
            req = req.insert_header(("Cookie", c.to_owned()));
        }
        let mut res = match form {
            Some(pairs) => req
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .send_body(form_body(pairs))
                .await
                .expect("request"),
            None => req.send().await.expect("request"),
        };
        let set_cookie: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let session = set_cookie
            .iter()
            .find(|c| c.starts_with("ocop_session="))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned);
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res.body().limit(10 << 20).await.expect("body");
        PageResponse {
            status: res.status(),
            location,
            session,
            set_cookie,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// Logs in through the HTML form and returns the session cookie.
    pub async fn page_login(&self, email: &str, password: &str) -> String {
        let res = self
            .page(
                "POST",
                "/login",
                None,
                Some(&[("email", email), ("password", password), ("next", "/")]),
                "vi",
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "form login failed: {}",
            res.body
        );
        res.session.expect("session cookie")
    }
}

/// One part of a `multipart/form-data` body: a text field when `file_name`
/// is None, a file otherwise.
pub struct Part<'a> {
    pub name: &'a str,
    pub file_name: Option<&'a str>,
    pub data: &'a [u8],
}

/// Builds a multipart body; returns the Content-Type header and the bytes.
pub fn multipart_body(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = format!("ocop-test-{}", ocop::util::random_hex(8));
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match p.file_name {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                    p.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", p.name).as_bytes(),
            ),
        }
        body.extend_from_slice(p.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl TestApp {
    /// Posts a multipart body with a bearer token; returns status and JSON.
    pub async fn post_multipart(
        &self,
        path: &str,
        token: &str,
        parts: &[Part<'_>],
    ) -> (StatusCode, Value) {
        let (content_type, body) = multipart_body(parts);
        let mut res = self
            .client()
            .post(self.url(path))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", content_type))
            .send_body(body)
            .await
            .expect("request");
        let bytes = res.body().limit(10 << 20).await.expect("body");
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (res.status(), value)
    }

    /// Files stored under the data dir's `media/` and `files/` folders.
    pub fn stored_files(&self) -> Vec<String> {
        let mut names = Vec::new();
        for dir in ["media", "files"] {
            if let Ok(entries) = std::fs::read_dir(self.settings.data_dir.join(dir)) {
                names.extend(
                    entries
                        .filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned()),
                );
            }
        }
        names.sort();
        names
    }
}
