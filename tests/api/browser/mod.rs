//! End to end in a real headless Chromium, driven over WebDriver: the whole
//! story of a seller from the post-office counter to a marketplace file,
//! through the pages exactly as a person uses them (no JavaScript exists on
//! them). Each key page is saved as a 360 px wide screenshot under
//! `target/screenshots/`.
//!
//! Without `chromium` and `chromedriver` the test says so and passes,
//! unless `OCOP_REQUIRE_BROWSER=1` (as in `.ci/run`), where that fails.

mod webdriver;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use webdriver::{Element, Session};

const STAFF_EMAIL: &str = "nhanvien@buudien-quanhoa.vn";
const STAFF_PASSWORD: &str = "buudien-quanhoa";
const MEMBER_EMAIL: &str = "ha.thi.xuan@example.vn";
const MEMBER_PASSWORD: &str = "mat-ong-rung-hoi-xuan";
/// Width of a small phone, the screen most sellers have.
const WIDTH: u32 = 360;
const HEIGHT: u32 = 800;
/// Longest wait for anything the pages do by themselves.
const WAIT: Duration = Duration::from_secs(15);

/// A line on the real stderr, not the captured one: `cargo test` shows it
/// even when the test passes.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// `name` as an executable on PATH or in /usr/bin.
fn program(names: &[&str]) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// chromedriver and the Chromium it drives, killed when dropped, even when
/// the test fails half-way; the profile directory goes with them.
struct Driver {
    child: Child,
    port: u16,
    browser_pid: Option<u32>,
    profile: tempfile::TempDir,
}

impl Driver {
    async fn start(chromedriver: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let profile = tempfile::tempdir().expect("profile dir");
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new(chromedriver)
                .arg(format!("--port={port}"))
                // The browser's locale decides how date fields are typed
                // (month/day/year in en-US); pages get Vietnamese from
                // --accept-lang.
                .env_remove("LANGUAGE")
                .env_remove("LC_ALL")
                .env_remove("LC_MESSAGES")
                .env("LANG", "en_US.UTF-8")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own process group, so Drop can end Chromium's helpers too.
                .process_group(0)
                .spawn()
                .expect("start chromedriver")
        };
        let mut driver = Driver {
            child,
            port,
            browser_pid: None,
            profile,
        };
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(2))
            .finish();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            if let Ok(mut res) = client.get(format!("{}/status", driver.url())).send().await
                && let Ok(v) = res.json::<Value>().await
                && v["value"]["ready"] == json!(true)
            {
                return driver;
            }
            assert!(
                started.elapsed() < WAIT,
                "chromedriver not ready in {WAIT:?}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn capabilities(&self, chromium: &Path) -> Value {
        json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    // Without these Chromium calls home, which this closed
                    // network refuses.
                    "--disable-background-networking", "--disable-component-update",
                    "--no-first-run", "--disable-sync",
                    format!("--window-size={WIDTH},{HEIGHT}"),
                    format!("--user-data-dir={}", self.profile.path().display()),
                    "--lang=en-US", "--accept-lang=vi-VN,vi",
                ],
            },
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let kill = |target: String| {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &target])
                .stderr(Stdio::null())
                .status();
        };
        if let Some(pid) = self.browser_pid {
            kill(pid.to_string());
        }
        kill(format!("-{}", self.child.id()));
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Chromium's last writes into the profile may trail its death.
        std::thread::sleep(Duration::from_millis(200));
        let _ = std::fs::remove_dir_all(self.profile.path());
    }
}

/// The browser on the test server, with the helpers a story needs: fill,
/// choose, tick, click, wait, and a screenshot of each key page.
struct Browser<'a> {
    app: &'a TestApp,
    wd: Session,
    steps: u32,
    shots: u32,
    shot_dir: PathBuf,
}

impl Browser<'_> {
    fn step(&mut self, what: &str) {
        self.steps += 1;
        eprintln!("browser step {}: {what}", self.steps);
    }

    async fn open(&self, path: &str) {
        self.wd.goto(&self.app.url(path)).await.expect("open page");
    }

    async fn find(&self, css: &str) -> Element {
        match self.wd.find(css).await {
            Ok(el) => el,
            Err(e) => panic!("{css} on {}: {e}", self.path_now().await),
        }
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.wd
            .click(&el)
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks a link or a submit button and waits until the next page has
    /// replaced this one (its URL may be the same).
    async fn go(&self, css: &str) {
        let old = self.find("html").await;
        self.click(css).await;
        let started = Instant::now();
        loop {
            match self.wd.property(&old, "nodeName").await {
                // "stale element reference", or while the old document
                // goes away, an "unknown error" that it is not there.
                Err(e) if e.error != "transport" => return,
                Err(e) => panic!("after clicking {css}: {e}"),
                Ok(_) => {}
            }
            assert!(
                started.elapsed() < WAIT,
                "clicking {css} on {} opened no page in {WAIT:?}",
                self.path_now().await
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Empties a field and types `text` into it.
    async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.wd.clear(&el).await.expect("clear");
        self.wd.send_keys(&el, text).await.expect("type");
    }

    /// Chooses the option of value `value` in a select.
    async fn choose(&self, select: &str, value: &str) {
        self.click(&format!("{select} option[value=\"{value}\"]"))
            .await;
        let chosen = self.value(select).await;
        assert_eq!(chosen, value, "{select} did not take {value}");
    }

    /// Types a date as a person does into Chromium's date field (en-US:
    /// month, day, year) and checks what the field now holds.
    async fn date(&self, css: &str, date: NaiveDate) {
        self.fill(css, &date.format("%m%d%Y").to_string()).await;
        let held = self.value(css).await;
        assert_eq!(held, date.to_string(), "date typed into {css}");
    }

    async fn value(&self, css: &str) -> String {
        let el = self.find(css).await;
        let v = self.wd.property(&el, "value").await.expect("value");
        v.as_str().unwrap_or_default().to_owned()
    }

    async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.wd.text(&el).await.expect("text")
    }

    async fn attr(&self, css: &str, name: &str) -> String {
        let el = self.find(css).await;
        self.wd
            .attribute(&el, name)
            .await
            .expect("attribute")
            .unwrap_or_else(|| panic!("{css} has no {name}"))
    }

    /// The current path and query on the test server.
    async fn path_now(&self) -> String {
        let url = self.wd.current_url().await.unwrap_or_default();
        url.strip_prefix(&self.app.address)
            .map(str::to_owned)
            .unwrap_or(url)
    }

    /// Waits until the browser is on a path starting with `prefix`.
    async fn wait_path(&self, prefix: &str) -> String {
        let started = Instant::now();
        loop {
            let path = self.path_now().await;
            if path.starts_with(prefix) {
                return path;
            }
            if started.elapsed() > WAIT {
                let body = self.text("main").await;
                panic!("still on {path}, not {prefix}…, after {WAIT:?}:\n{body}");
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's text contains `needle`; the page may reload
    /// itself meanwhile.
    async fn wait_text(&self, needle: &str) {
        let started = Instant::now();
        loop {
            let text = match self.wd.find("body").await {
                Ok(b) => self.wd.text(&b).await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return;
            }
            assert!(
                started.elapsed() < WAIT,
                "{needle:?} did not appear in {WAIT:?}:\n{text}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn assert_text(&self, css: &str, needle: &str) {
        let text = self.text(css).await;
        assert!(text.contains(needle), "{needle:?} not in {css}:\n{text}");
    }

    /// Saves the whole page, 360 px wide, as `NN-name.png`, after checking
    /// that its ids are unique and that it has no script.
    async fn screenshot(&mut self, name: &str) {
        let m = self
            .wd
            .execute(
                "return [document.documentElement.scrollHeight, \
                 window.outerHeight - window.innerHeight];",
                vec![],
            )
            .await
            .expect("measure page");
        // A repeated id takes a label away from its field.
        let repeated = self
            .wd
            .execute(
                "const seen = new Set(); \
                 return [...document.querySelectorAll('[id]')] \
                   .map(e => e.id).filter(id => seen.has(id) || !seen.add(id));",
                vec![],
            )
            .await
            .expect("ids");
        assert_eq!(repeated, json!([]), "repeated ids on the {name} page");
        let source = self.wd.source().await.expect("page source");
        assert!(!source.contains("<script"), "the {name} page has a script");
        let page = m[0].as_u64().unwrap_or(0) as u32;
        let frame = m[1].as_u64().unwrap_or(0) as u32;
        let height = (page + frame).clamp(HEIGHT, 12_000);
        self.wd
            .set_window_rect(WIDTH, height)
            .await
            .expect("resize");
        self.shots += 1;
        let path = self.shot_dir.join(format!("{:02}-{name}.png", self.shots));
        let png = self.wd.screenshot_to(&path).await.expect("screenshot");
        self.wd
            .set_window_rect(WIDTH, HEIGHT)
            .await
            .expect("resize");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes(png[16..20].try_into().expect("IHDR"));
        assert_eq!(width, WIDTH, "{} is {width} px wide", path.display());
    }

    /// Ticks the product on the export page and checks it.
    async fn check_export(&self, product_id: i64) {
        self.go("header a[href=\"/exports\"]").await;
        self.wait_path("/exports").await;
        self.click(&format!("input[name=product][value=\"{product_id}\"]"))
            .await;
        self.go("form[action=\"/exports/check\"] button[type=submit]")
            .await;
        self.wait_path("/exports/check").await;
    }

    /// Logs out with the button in the page header.
    async fn logout(&self) {
        self.go("header form[action=\"/logout\"] button").await;
        self.wait_path("/").await;
    }

    /// `name=value` of the session cookie the browser holds.
    async fn session_cookie(&self) -> String {
        let cookies = self.wd.cookies().await.expect("cookies");
        let c = cookies
            .iter()
            .find(|c| c.name == "ocop_session")
            .expect("session cookie in the browser");
        format!("{}={}", c.name, c.value)
    }

    /// GETs `path` with the browser's session, as a download would.
    async fn download(&self, path: &str) -> Vec<u8> {
        let cookie = self.session_cookie().await;
        let mut res = self
            .app
            .client()
            .get(self.app.url(path))
            .insert_header(("Cookie", cookie))
            .send()
            .await
            .expect("download");
        assert_eq!(res.status(), 200, "download of {path}");
        res.body().limit(64 << 20).await.expect("body").to_vec()
    }
}

/// The number in `/things/{n}…` after `prefix`.
fn id_after(path: &str, prefix: &str) -> i64 {
    path.strip_prefix(prefix)
        .and_then(|r| r.split(['?', '#', '/']).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no id after {prefix} in {path}"))
}

/// Pages of a PDF: `pdfinfo` when installed, else its page objects.
fn pdf_pages(pdf: &[u8], dir: &Path) -> usize {
    let file = dir.join("labels.pdf");
    std::fs::write(&file, pdf).expect("write pdf");
    if let Ok(out) = Command::new("pdfinfo").arg(&file).output()
        && out.status.success()
    {
        let info = String::from_utf8_lossy(&out.stdout);
        if let Some(n) = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
        {
            return n;
        }
    }
    // Page objects: `/Type /Page`, spaced or not (`/Pages` is the tree).
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type")
        .filter(|(i, m)| {
            let rest = text[i + m.len()..].trim_start();
            rest.starts_with("/Page") && !rest[5..].starts_with(|c: char| c.is_alphanumeric())
        })
        .count()
}

#[actix_web::test]
async fn seller_story_from_counter_to_marketplace_in_chromium() {
    let (Some(chromium), Some(chromedriver)) = (
        program(&["chromium", "chromium-browser"]),
        program(&["chromedriver"]),
    ) else {
        let required = std::env::var("OCOP_REQUIRE_BROWSER").is_ok_and(|v| v.trim() == "1");
        assert!(
            !required,
            "OCOP_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed \
             (apt-get install chromium chromium-driver)"
        );
        say(
            "SKIPPED browser tests: chromium/chromedriver not installed \
             (apt-get install chromium chromium-driver)",
        );
        return;
    };
    let started = Instant::now();
    let app = TestApp::spawn().await;
    app.demo().await;
    let mut driver = Driver::start(&chromedriver).await;
    let wd = Session::new(&driver.url(), driver.capabilities(&chromium))
        .await
        .expect("start Chromium");
    driver.browser_pid = wd.browser_pid;
    let shot_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shot_dir).expect("screenshots dir");
    let files = tempfile::tempdir().expect("temp dir");
    let mut b = Browser {
        app: &app,
        wd,
        steps: 0,
        shots: 0,
        shot_dir,
    };
    let today = ocop::services::catalog::today_vn();

    // The post-office clerk logs in and opens the staff console.
    b.step("staff logs in");
    b.open("/login").await;
    b.fill("#email", STAFF_EMAIL).await;
    b.fill("#password", STAFF_PASSWORD).await;
    b.go("main form button[type=submit]").await;
    b.wait_path("/").await;
    b.go("header a[href=\"/staff\"]").await;
    b.wait_path("/staff").await;
    b.assert_text("h1", "Người bán").await;
    b.screenshot("staff-console").await;

    // ... onboards a cooperative at the counter.
    b.step("staff fills in the seller form");
    b.go("main a[href=\"/staff/sellers/new\"]").await;
    b.wait_path("/staff/sellers/new").await;
    b.click("input[name=kind][value=htx]").await;
    b.fill("#legal_name", "Hợp tác xã Mật ong Hồi Xuân").await;
    b.fill("#short_name", "HTX Mật ong Hồi Xuân").await;
    b.fill("#tax_code", "0100109106").await;
    b.fill("#representative", "Hà Thị Xuân").await;
    b.fill("#phone", "0912 345 678").await;
    b.fill("#email", "htx.hoixuan@example.vn").await;
    b.choose("#commune_code", "14869").await;
    b.fill("#village", "Bản Khạn").await;
    b.fill("#former_district", "huyện Quan Hóa").await;
    b.click("input[name=consent]").await;
    b.screenshot("seller-form").await;
    b.step("staff saves the seller");
    b.go("button[name=action][value=save]").await;
    let seller_path = b.wait_path("/staff/sellers/").await;
    let seller_id = id_after(&seller_path, "/staff/sellers/");
    b.assert_text("h1", "HTX Mật ong Hồi Xuân").await;

    // ... and invites the member who will run it.
    b.step("staff invites a member");
    b.fill("#name", "Hà Thị Xuân").await;
    b.fill("#email", MEMBER_EMAIL).await;
    b.go(&format!(
        "form[action=\"/staff/sellers/{seller_id}/invite\"] button"
    ))
    .await;
    b.wait_path(&format!("/staff/sellers/{seller_id}?invited=1"))
        .await;
    b.assert_text(".notice.good", "").await;
    b.assert_text("main", MEMBER_EMAIL).await;
    b.logout().await;

    // The member opens the mailed link and sets a password.
    b.step("member opens the invitation and sets a password");
    let invite = app.link_in_mail(MEMBER_EMAIL, "/invite/");
    b.open(&invite).await;
    b.assert_text("main", "HTX Mật ong Hồi Xuân").await;
    assert_eq!(b.value("#name").await, "Hà Thị Xuân");
    b.fill("#password", MEMBER_PASSWORD).await;
    b.fill("#password_confirm", MEMBER_PASSWORD).await;
    b.screenshot("set-password").await;
    b.go("main form button[type=submit]").await;
    b.wait_path("/seller").await;
    b.assert_text("h1", "HTX Mật ong Hồi Xuân").await;
    // Logged in under the name she was invited with.
    b.assert_text("header nav", "Hà Thị Xuân").await;

    // She adds her honey, listed for sale, but without its parcel size.
    b.step("member adds a product");
    b.go("main a[href^=\"/products/new\"]").await;
    b.wait_path("/products/new").await;
    b.fill("#name_vi", "Mật ong rừng Hồi Xuân").await;
    b.fill("#name_en", "Hoi Xuan wild forest honey").await;
    b.click("input[name=ocop_group][value=food]").await;
    b.choose("#ocop_subgroup", "honey").await;
    b.fill(
        "#description",
        "Mật ong hoa rừng thu hoạch ở bản Khạn, xã Hồi Xuân.\nKhông pha trộn, không đường.",
    )
    .await;
    b.fill("#story", "Bà Hà Thị Xuân nuôi ong trong rừng từ năm 1998.")
        .await;
    b.fill("#ingredients", "100% mật ong rừng").await;
    b.choose("#unit", "ml").await;
    b.fill("#net_quantity", "500").await;
    b.fill("#pack_type", "hũ thủy tinh").await;
    b.fill("#packed_weight_g", "850").await;
    b.fill("#price_vnd", "250.000").await;
    b.fill("#stock", "40").await;
    b.fill("#shelf_life_days", "730").await;
    b.choose("#status", "listed").await;
    b.go("main form button[type=submit]").await;
    let product_path = b.wait_path("/products/").await;
    let product_id = id_after(&product_path, "/products/");
    b.assert_text("h1", "Mật ong rừng Hồi Xuân").await;

    b.step("member uploads a photo");
    let photo = files.path().join("mat-ong.png");
    std::fs::write(&photo, ocop::services::media::demo_image_png(7, 800, 600)).expect("photo");
    let pick = b.find("#photo_pick").await;
    b.wd.send_keys(&pick, &photo.to_string_lossy())
        .await
        .expect("choose photo");
    b.go(&format!(
        "form[action=\"/products/{product_id}/photos\"] button[type=submit]"
    ))
    .await;
    b.wait_path(&format!("/products/{product_id}?saved=1"))
        .await;
    let photos = b.wd.find_all("ul.photos img").await.expect("photos");
    assert_eq!(photos.len(), 1, "one photo on the product page");

    b.step("member adds a 4-star OCOP certificate with its scan");
    let certs = format!("form[action=\"/products/{product_id}/certificates\"]");
    b.click(&format!("details:has({certs}) > summary")).await;
    b.choose("#stars", "4").await;
    b.fill("#decision_no", "1234/QĐ-UBND").await;
    b.choose("#issued_by", "province").await;
    b.date("#issued_on", today - Days::days(30)).await;
    let doc = b.find("#document").await;
    b.wd.send_keys(&doc, &photo.to_string_lossy())
        .await
        .expect("choose scan");
    b.go(&format!("{certs} button[type=submit]")).await;
    b.wait_path(&format!("/products/{product_id}?saved=1"))
        .await;
    b.assert_text("#certificates + ul.cards", "1234/QĐ-UBND")
        .await;
    b.screenshot("product").await;

    // A lot of this season's honey, and its journey.
    b.step("member adds a lot");
    let lots = format!("form[action=\"/products/{product_id}/lots\"]");
    b.click(&format!("details:has({lots}) > summary")).await;
    b.fill("#code", "HX-2026-01").await;
    b.date("#produced_on", today - Days::days(10)).await;
    b.date("#packed_on", today - Days::days(9)).await;
    b.date("#best_before", today + Days::days(720)).await;
    b.fill("#quantity", "200").await;
    b.fill("#quantity_unit", "hũ").await;
    b.choose("#origin_commune_code", "14869").await;
    b.go(&format!("{lots} button[type=submit]")).await;
    let lot_path = b.wait_path("/lots/").await;
    let lot_id = id_after(&lot_path, "/lots/");
    b.assert_text("h1", "HX-2026-01").await;

    let events = format!("form[action=\"/lots/{lot_id}/events\"]");
    for (kind, place, note) in [
        ("harvest", "Rừng bản Khạn", "Quay mật từ 40 đõ ong."),
        ("packing", "Nhà văn hóa bản Khạn", "Đóng 200 hũ 500 ml."),
    ] {
        b.step(&format!("member records a {kind} event"));
        b.choose(&format!("{events} #kind"), kind).await;
        b.fill("#place", place).await;
        b.fill("#note", note).await;
        b.go(&format!("{events} button[type=submit]")).await;
        b.wait_path(&format!("/lots/{lot_id}?saved=1")).await;
        b.assert_text("ol.timeline", place).await;
    }
    let journey = b.wd.find_all("ol.timeline > li").await.expect("events");
    assert_eq!(journey.len(), 2, "two events on the lot page");
    b.screenshot("lot-with-events").await;

    // 40 stamps for the lot, and their label sheet.
    b.step("member orders 40 stamps for the lot");
    b.go("header a[href=\"/seller\"]").await;
    b.wait_path("/seller").await;
    b.go(&format!("main a[href=\"/stamps?seller={seller_id}\"]"))
        .await;
    b.wait_path("/stamps").await;
    b.choose("#product_id", &product_id.to_string()).await;
    b.choose("#lot_id", &lot_id.to_string()).await;
    b.fill("#count", "40").await;
    b.choose("#layout", "a4-40").await;
    b.go("form[action^=\"/stamps/runs\"] button[type=submit]")
        .await;
    let stamps_path = b.wait_path("/stamps?").await;
    let run_id: i64 = stamps_path
        .split(['?', '&', '#'])
        .find_map(|p| p.strip_prefix("issued="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no run in {stamps_path}"));
    b.assert_text(&format!("#run-{run_id}"), "40").await;
    b.assert_text(&format!("#run-{run_id}"), "HX-2026-01").await;
    b.screenshot("stamps").await;

    b.step("member downloads the PDF label sheet");
    let downloads = format!("#run-{run_id} details:has(table.dl) > summary");
    b.click(&downloads).await;
    let pdf_href = b
        .attr(&format!("#run-{run_id} table.dl a[href*=\"pdf\"]"), "href")
        .await;
    let pdf_path = pdf_href
        .strip_prefix(&app.address)
        .unwrap_or(&pdf_href)
        .to_owned();
    let pdf = b.download(&pdf_path).await;
    assert!(pdf.starts_with(b"%PDF"), "labels are a PDF");
    assert!(pdf_pages(&pdf, files.path()) >= 1, "the PDF has pages");

    // A buyer scans one of them.
    b.step("a buyer opens a stamp and sees it is genuine");
    let codes: Vec<String> = app
        .db(move |conn| {
            use ocop::db::schema::stamps;
            stamps::table
                .filter(stamps::run_id.eq(run_id))
                .order(stamps::serial)
                .select(stamps::code)
                .load(conn)
                .expect("stamp codes")
        })
        .await;
    assert_eq!(codes.len(), 40);
    let scan = format!("/s/{}", codes[7]);
    b.open(&scan).await;
    assert_eq!(b.text("section.verdict h1").await, "Chính hãng");
    b.assert_text("main", "Mật ong rừng Hồi Xuân").await;
    b.assert_text("main", "Rừng bản Khạn").await;
    b.screenshot("scan-genuine").await;

    // The lot is recalled; the same stamp now warns.
    b.step("member recalls the lot");
    b.open(&format!("/lots/{lot_id}")).await;
    let status = format!("form[action=\"/lots/{lot_id}/status\"]");
    b.choose(&format!("{status} select[name=status]"), "recalled")
        .await;
    b.fill(
        &format!("{status} textarea[name=reason]"),
        "Hũ bị rò rỉ nắp, thu hồi để kiểm tra.",
    )
    .await;
    b.go(&format!("{status} button[type=submit]")).await;
    b.wait_path(&format!("/lots/{lot_id}")).await;
    b.assert_text("h1", "Thu hồi").await;

    b.step("the stamp page now shows the recall");
    b.open(&scan).await;
    // The page may be cached for 30 s: reload as a person would.
    b.wd.refresh().await.expect("reload");
    assert_eq!(b.text("section.verdict h1").await, "Lô hàng bị thu hồi");
    b.assert_text("section.verdict", "Hũ bị rò rỉ nắp").await;
    b.screenshot("scan-recalled").await;

    b.step("a buyer switches the stamp page to English");
    b.go("header a.lang").await;
    b.wait_path(&scan).await;
    assert_eq!(b.text("section.verdict h1").await, "Lot recalled");
    // The member goes on in Vietnamese.
    b.wd.add_cookie("lang", "vi")
        .await
        .expect("language cookie");

    // The export check holds the honey back for want of its parcel size.
    b.step("member checks the product for the marketplaces");
    b.open("/seller").await;
    b.check_export(product_id).await;
    b.assert_text("#channel-postmart", "0/1").await;
    b.assert_text(&format!("#product-{product_id}"), "Postmart")
        .await;
    b.screenshot("export-report").await;

    b.step("member follows the fix link and adds the dimensions");
    let fix = format!("#product-{product_id} a[href=\"/products/{product_id}/edit#length_cm\"]");
    assert_eq!(b.text(&fix).await, "Sửa");
    b.go(&fix).await;
    b.wait_path(&format!("/products/{product_id}/edit")).await;
    b.fill("#length_cm", "9").await;
    b.fill("#width_cm", "9").await;
    b.fill("#height_cm", "14,5").await;
    b.go("main form button[type=submit]").await;
    b.wait_path(&format!("/products/{product_id}?saved=1"))
        .await;

    b.step("the check passes and the Postmart export is made");
    b.check_export(product_id).await;
    b.assert_text("#channel-postmart", "1/1").await;
    b.go("#channel-postmart button[type=submit]").await;
    let export_path = b.wait_path("/exports/").await;
    let export_id = id_after(&export_path, "/exports/");
    b.wait_text("Tải về").await;
    b.screenshot("export-done").await;
    let xlsx = b.download(&format!("/exports/{export_id}/file")).await;
    assert!(xlsx.starts_with(b"PK"), "the export is an XLSX file");

    b.wd.delete().await.expect("close Chromium");
    let backend = if std::env::var("OCOP_TEST_DATABASE_URL").is_ok_and(|v| !v.trim().is_empty()) {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    say(&format!(
        "browser steps passed: {} on {backend} in {:.1} s; {} screenshots in {}",
        b.steps,
        started.elapsed().as_secs_f64(),
        b.shots,
        b.shot_dir.display()
    ));
    drop(driver);
}
