//! Real SMTP: the service configured with `smtp://` delivers invitations and
//! reset mails through its outbox to a minimal SMTP sink running inside the
//! test, exactly as lettre speaks to a real server; a server that refuses
//! or never answers delays no request. Also holds the MIME helpers the CLI outbox test reuses.
//!
//! These tests always use SQLite (database `None`), even when
//! `OCOP_TEST_DATABASE_URL` is set: mail delivery does not depend on the
//! database backend, which the rest of the suite covers.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use awc::http::StatusCode;
use serde_json::{Value, json};

use ocop::db::models::OutboxRow;
use ocop::mail::Mailer;
use ocop::services::demo::DemoLogins;
use ocop::startup::{Application, prepare_database};

use crate::helpers::test_settings;

// ---------------------------------------------------------------------------
// SMTP sink
// ---------------------------------------------------------------------------

/// One message as the sink received it.
#[derive(Debug, Clone, Default)]
struct Received {
    /// Envelope sender (`MAIL FROM`), without angle brackets.
    from: String,
    /// Envelope recipients (`RCPT TO`), without angle brackets.
    to: Vec<String>,
    /// The DATA section, dot-unstuffed, with CRLF line ends.
    data: String,
}

/// A listener on 127.0.0.1 that accepts every message and keeps it.
struct SmtpSink {
    port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP sink");
        let port = listener.local_addr().expect("sink addr").port();
        let messages: Arc<Mutex<Vec<Received>>> = Arc::default();
        let store = messages.clone();
        // The thread outlives the test; it only ever blocks in accept.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let store = store.clone();
                std::thread::spawn(move || {
                    let _ = smtp_session(stream, &store);
                });
            }
        });
        SmtpSink { port, messages }
    }

    fn messages(&self) -> Vec<Received> {
        self.messages.lock().expect("sink lock").clone()
    }
}

/// The address inside `<...>` of a `MAIL FROM:` or `RCPT TO:` argument.
fn angle_address(arg: &str) -> String {
    match (arg.find('<'), arg.find('>')) {
        (Some(a), Some(b)) if b > a => arg[a + 1..b].to_owned(),
        _ => arg
            .split_once(':')
            .map(|(_, v)| v.trim())
            .unwrap_or(arg)
            .to_owned(),
    }
}

/// Speaks just enough SMTP for lettre on one connection.
fn smtp_session(stream: TcpStream, store: &Mutex<Vec<Received>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    out.write_all(b"220 test ESMTP\r\n")?;
    let mut current = Received::default();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-test\r\n250 8BITMIME\r\n",
            "HELO" => b"250 test\r\n",
            "MAIL" => {
                current = Received {
                    from: angle_address(command),
                    ..Received::default()
                };
                b"250 OK\r\n"
            }
            "RCPT" => {
                current.to.push(angle_address(command));
                b"250 OK\r\n"
            }
            "RSET" => {
                current = Received::default();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "DATA" => {
                out.write_all(b"354 go ahead\r\n")?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    let text = line.trim_end_matches(['\r', '\n']);
                    if text == "." {
                        break;
                    }
                    data.push_str(text.strip_prefix('.').unwrap_or(text));
                    data.push_str("\r\n");
                }
                current.data = data;
                store
                    .lock()
                    .expect("sink lock")
                    .push(std::mem::take(&mut current));
                b"250 queued\r\n"
            }
            "QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => b"502 not implemented\r\n",
        };
        out.write_all(reply)?;
    }
}

// ---------------------------------------------------------------------------
// MIME helpers (also used by the CLI outbox test)
// ---------------------------------------------------------------------------

/// A single-part mail: unfolded headers and the body decoded from its
/// Content-Transfer-Encoding (base64, quoted-printable or plain).
pub struct ParsedMail {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl ParsedMail {
    pub fn parse(raw: &str) -> ParsedMail {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push_str(line);
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let encoding = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
            .map(|(_, v)| v.to_ascii_lowercase())
            .unwrap_or_default();
        let body = match encoding.as_str() {
            "base64" => utf8(base64_decode(body)),
            "quoted-printable" => utf8(quoted_printable_decode(body)),
            _ => body.to_owned(),
        };
        ParsedMail { headers, body }
    }

    /// The first header called `name` (case-insensitive), still encoded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("mail body is UTF-8")
}

/// Standard base64 (RFC 4648), ignoring whitespace and padding.
pub fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => panic!("not base64: {:?}", char::from(c)),
        }
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        acc = (acc << 6) | value(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Quoted-printable (RFC 2045): soft line breaks removed, `=XX` decoded.
pub fn quoted_printable_decode(text: &str) -> Vec<u8> {
    let text = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?...?=`, `=?utf-8?q?...?=`) in
/// a header value; whitespace between two encoded words is dropped.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, word) = rest.split_at(start);
        let parsed = word[2..].split_once('?').and_then(|(_charset, r)| {
            let (enc, r) = r.split_once('?')?;
            let end = r.find("?=")?;
            Some((enc.to_ascii_lowercase(), &r[..end], &r[end + 2..]))
        });
        let Some((enc, text, remainder)) = parsed else {
            break;
        };
        if !(after_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        let bytes = match enc.as_str() {
            "b" => base64_decode(text),
            "q" => quoted_printable_decode(&text.replace('_', " ")),
            other => panic!("unknown RFC 2047 encoding {other:?} in {value:?}"),
        };
        out.push_str(&String::from_utf8(bytes).expect("encoded word is UTF-8"));
        after_word = true;
        rest = remainder;
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

/// The service with `settings.smtp_url` set, and the demo data.
struct SmtpApp {
    address: String,
    demo: DemoLogins,
    pool: ocop::db::Pool,
    _dir: tempfile::TempDir,
}

impl SmtpApp {
    async fn spawn(smtp_url: String) -> SmtpApp {
        SmtpApp::spawn_with(smtp_url, 20, 60).await
    }

    /// With an SMTP timeout and a first retry delay, in seconds.
    async fn spawn_with(smtp_url: String, timeout: u64, retry: u64) -> SmtpApp {
        let dir = tempfile::tempdir().expect("temp dir");
        // SQLite on purpose, see the module comment.
        let mut settings = test_settings(dir.path(), None);
        settings.smtp_url = Some(smtp_url);
        settings.smtp_timeout_secs = timeout;
        settings.mail_retry_secs = retry;
        let mailer = Mailer::from_settings(&settings).expect("SMTP mailer");
        assert!(
            matches!(mailer, Mailer::Smtp(..)),
            "smtp_url set but the mailer is not SMTP"
        );
        let pool = prepare_database(&settings).expect("pool");
        let seed_pool = pool.clone();
        let demo = actix_web::rt::task::spawn_blocking(move || {
            let mut conn = seed_pool.get().expect("conn");
            ocop::services::demo::seed(&mut conn).expect("demo")
        })
        .await
        .expect("join");
        let app = Application::build(settings, mailer).expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.into_parts().0);
        SmtpApp {
            address,
            demo,
            pool,
            _dir: dir,
        }
    }

    /// The outbox rows to `to`, oldest first.
    async fn outbox_to(&self, to: &str) -> Vec<OutboxRow> {
        let pool = self.pool.clone();
        let to = to.to_owned();
        actix_web::rt::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("conn");
            OutboxRow::all(&mut conn)
                .expect("outbox rows")
                .into_iter()
                .filter(|r| r.recipient == to)
                .collect()
        })
        .await
        .expect("join")
    }

    /// Waits (up to `secs`) until the newest outbox row to `to` satisfies `done`.
    async fn wait_row(&self, to: &str, secs: u64, done: impl Fn(&OutboxRow) -> bool) -> OutboxRow {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let row = self.outbox_to(to).await.pop();
            match row {
                Some(r) if done(&r) => return r,
                r if Instant::now() > deadline => {
                    panic!("outbox row to {to} never got there: {r:#?}")
                }
                _ => actix_web::rt::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(90))
            .finish();
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = client.request(method, format!("{}{path}", self.address));
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        let mut res = match body {
            Some(b) => req.send_json(&b).await.expect("request"),
            None => req.send().await.expect("request"),
        };
        let bytes = res.body().limit(1 << 20).await.expect("body");
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (res.status(), value)
    }

    async fn staff_token(&self) -> String {
        let (status, body) = self
            .send(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(
                    json!({ "email": self.demo.staff.email, "password": self.demo.staff.password }),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "staff login: {body}");
        body["token"].as_str().expect("token").to_owned()
    }
}

#[actix_web::test]
async fn invitation_is_delivered_over_smtp() {
    let sink = SmtpSink::start();
    let app = SmtpApp::spawn(format!("smtp://127.0.0.1:{}", sink.port)).await;
    let token = app.staff_token().await;
    let seller = &app.demo.sellers[0];

    let (status, body) = app
        .send(
            "POST",
            &format!("/api/v1/sellers/{}/invitations", seller.id),
            Some(&token),
            Some(json!({ "email": "moi@example.vn", "name": "Người Mới" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["mail"]["status"], "pending", "{body}");

    // The outbox worker delivers just after the answer.
    app.wait_row("moi@example.vn", 10, |r| r.status == "sent")
        .await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let message = &messages[0];
    assert_eq!(message.to, ["moi@example.vn"], "envelope recipients");
    assert_eq!(message.from, "no-reply@ocop.test", "envelope sender");

    let mail = ParsedMail::parse(&message.data);
    let to = mail
        .header("To")
        .unwrap_or_else(|| panic!("no To header:\n{}", message.data));
    assert_eq!(decode_words(to), "Người Mới <moi@example.vn>");
    let from = mail
        .header("From")
        .unwrap_or_else(|| panic!("no From header:\n{}", message.data));
    assert_eq!(decode_words(from), "OCOP <no-reply@ocop.test>");

    let subject = mail
        .header("Subject")
        .unwrap_or_else(|| panic!("no Subject header:\n{}", message.data));
    assert!(
        subject.contains("=?"),
        "a Vietnamese subject must be RFC 2047-encoded: {subject}"
    );
    let vi = ocop::i18n::Lang::Vi.texts().mail_invite_subject;
    let en = ocop::i18n::Lang::En.texts().mail_invite_subject;
    assert_eq!(decode_words(subject), format!("{vi} / {en}"));

    let link_start = mail
        .body
        .find("http://ocop.test/invite/")
        .unwrap_or_else(|| panic!("no invitation link in the body:\n{}", mail.body));
    let token_part = mail.body[link_start + "http://ocop.test/invite/".len()..]
        .split_whitespace()
        .next()
        .unwrap_or("");
    assert!(
        token_part.len() > 20,
        "invitation token looks truncated: {token_part:?}"
    );
    assert!(
        mail.body.contains("Người Mới"),
        "greeting by name:\n{}",
        mail.body
    );
    assert!(
        mail.body.contains(&seller.name),
        "seller named in the mail:\n{}",
        mail.body
    );

    // The link in the mail opens the invitation.
    let (status, view) = app
        .send("GET", &format!("/invite/{token_part}"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
}

#[actix_web::test]
async fn unreachable_smtp_server_leaves_the_invitation_mail_pending_and_shown() {
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").expect("probe port");
        probe.local_addr().expect("probe addr").port()
    };
    let app = SmtpApp::spawn(format!("smtp://127.0.0.1:{port}")).await;
    let token = app.staff_token().await;
    let seller_id = app.demo.sellers[0].id;

    let started = Instant::now();
    let (status, body) = app
        .send(
            "POST",
            &format!("/api/v1/sellers/{seller_id}/invitations"),
            Some(&token),
            Some(json!({ "email": "moi@example.vn", "name": "Người Mới" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // The refused connection is retried later; staff see why meanwhile.
    let row = app
        .wait_row("moi@example.vn", 10, |r| r.last_error.is_some())
        .await;
    assert_eq!(row.status, "pending", "{row:#?}");
    assert!(row.attempts >= 1, "{row:#?}");
    let (status, detail) = app
        .send(
            "GET",
            &format!("/api/v1/sellers/{seller_id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let invitations = detail["invitations"].as_array().expect("invitations array");
    assert_eq!(invitations.len(), 1, "{detail}");
    let mail = &invitations[0]["mail"];
    assert_eq!(mail["status"], "pending", "{detail}");
    assert!(mail["attempts"].as_i64().unwrap_or(0) >= 1, "{detail}");
    assert!(
        mail["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{detail}"
    );
}

/// A mail server that accepts connections and says nothing, until told to
/// answer: then it is the sink.
struct SilentSmtp {
    port: u16,
    answer: Arc<std::sync::atomic::AtomicBool>,
    messages: Arc<Mutex<Vec<Received>>>,
}

impl SilentSmtp {
    fn start() -> SilentSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind silent SMTP");
        let port = listener.local_addr().expect("addr").port();
        let answer = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let messages: Arc<Mutex<Vec<Received>>> = Arc::default();
        let (flag, store) = (answer.clone(), messages.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (flag, store) = (flag.clone(), store.clone());
                std::thread::spawn(move || {
                    if flag.load(std::sync::atomic::Ordering::SeqCst) {
                        let _ = smtp_session(stream, &store);
                    } else {
                        // Hold the connection open, silent, then drop it.
                        std::thread::sleep(Duration::from_secs(30));
                        drop(stream);
                    }
                });
            }
        });
        SilentSmtp {
            port,
            answer,
            messages,
        }
    }
}

#[actix_web::test]
async fn a_silent_mail_server_delays_no_request_and_reveals_no_account() {
    let smtp = SilentSmtp::start();
    let app = SmtpApp::spawn_with(format!("smtp://127.0.0.1:{}", smtp.port), 2, 1).await;
    let known = app.demo.sellers[0].email.clone();

    let started = Instant::now();
    let (known_status, known_body) = app
        .send(
            "POST",
            "/api/v1/auth/password-reset",
            None,
            Some(json!({ "email": known })),
        )
        .await;
    let known_time = started.elapsed();
    let started = Instant::now();
    let (unknown_status, unknown_body) = app
        .send(
            "POST",
            "/api/v1/auth/password-reset",
            None,
            Some(json!({ "email": "khong-co@example.vn" })),
        )
        .await;
    let unknown_time = started.elapsed();
    assert_eq!(known_status, StatusCode::ACCEPTED, "{known_body}");
    assert_eq!(unknown_status, known_status);
    assert_eq!(unknown_body, known_body, "the same body either way");
    assert!(
        known_time < Duration::from_millis(800),
        "known: {known_time:?}"
    );
    assert!(
        unknown_time < Duration::from_millis(800),
        "unknown: {unknown_time:?}"
    );

    // The worker is stuck talking to the silent server; requests are not.
    let row = app.wait_row(&known, 5, |r| r.attempts > 0).await;
    assert_eq!(row.status, "pending", "{row:#?}");
    let started = Instant::now();
    let (status, health) = app.send("GET", "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // The attempt times out and stays pending for a retry.
    let row = app.wait_row(&known, 15, |r| r.last_error.is_some()).await;
    assert_eq!(row.status, "pending", "{row:#?}");
    assert!(row.attempts >= 1, "{row:#?}");
    assert!(app.outbox_to("khong-co@example.vn").await.is_empty());

    // Once the server answers, a retry delivers it.
    smtp.answer.store(true, std::sync::atomic::Ordering::SeqCst);
    let row = app.wait_row(&known, 30, |r| r.status == "sent").await;
    assert!(row.attempts >= 2, "{row:#?}");
    let messages = smtp.messages.lock().expect("messages").clone();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(messages[0].to, std::slice::from_ref(&known));
    let mail = ParsedMail::parse(&messages[0].data);
    assert!(
        mail.body.contains("http://ocop.test/password/reset/"),
        "{}",
        mail.body
    );
}
