//! A small W3C WebDriver client over `awc`: just what the browser story
//! needs (sessions, navigation, elements by CSS, typing and clicking,
//! cookies, screenshots, the window size), so CI builds no extra crate.

use std::time::Duration;

use awc::http::Method;
use serde_json::{Value, json};

/// The key under which the protocol names an element.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// An error answered by the driver (`error` is the protocol's code, such as
/// `no such element`), or a transport problem (`error` = `transport`).
#[derive(Debug)]
pub struct WebDriverError {
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

impl std::error::Error for WebDriverError {}

pub type WdResult<T> = Result<T, WebDriverError>;

fn transport(message: impl std::fmt::Display) -> WebDriverError {
    WebDriverError {
        error: "transport".into(),
        message: message.to_string(),
    }
}

/// An element of the current page, as the driver refers to it.
#[derive(Debug, Clone)]
pub struct Element(String);

/// A cookie of the current page's site.
#[derive(Debug, Clone)]
pub struct Cookie {
    pub name: String,
    pub value: String,
}

/// One browser session.
pub struct Session {
    client: awc::Client,
    /// `{driver}/session/{id}`.
    url: String,
    /// The browser's process id, when the driver tells it (chromedriver does).
    pub browser_pid: Option<u32>,
}

/// Sends one command and returns its `value`, or the driver's error.
async fn send(
    client: &awc::Client,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> WdResult<Value> {
    let req = client.request(method, url);
    let mut res = match body {
        Some(b) => req.send_json(&b).await,
        None => req.send().await,
    }
    .map_err(transport)?;
    let bytes = res.body().limit(256 << 20).await.map_err(transport)?;
    let answer: Value = serde_json::from_slice(&bytes)
        .map_err(|e| transport(format!("{e}: {}", String::from_utf8_lossy(&bytes))))?;
    let value = answer.get("value").cloned().unwrap_or(Value::Null);
    match value.get("error").and_then(Value::as_str) {
        Some(error) => Err(WebDriverError {
            error: error.to_owned(),
            message: value["message"].as_str().unwrap_or_default().to_owned(),
        }),
        None if !res.status().is_success() => Err(transport(format!("HTTP {}", res.status()))),
        None => Ok(value),
    }
}

impl Session {
    /// Starts a browser through the driver at `driver` (`http://127.0.0.1:N`).
    pub async fn new(driver: &str, capabilities: Value) -> WdResult<Session> {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(60))
            .finish();
        let body = json!({ "capabilities": { "alwaysMatch": capabilities } });
        let value = send(
            &client,
            Method::POST,
            &format!("{driver}/session"),
            Some(body),
        )
        .await?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| transport(format!("no sessionId in {value}")))?;
        Ok(Session {
            url: format!("{driver}/session/{id}"),
            browser_pid: value["capabilities"]["goog:processID"]
                .as_u64()
                .and_then(|p| u32::try_from(p).ok()),
            client,
        })
    }

    async fn cmd(&self, method: Method, path: &str, body: Option<Value>) -> WdResult<Value> {
        send(&self.client, method, &format!("{}{path}", self.url), body).await
    }

    /// Ends the session; the driver closes the browser.
    pub async fn delete(&self) -> WdResult<()> {
        self.cmd(Method::DELETE, "", None).await.map(drop)
    }

    /// Opens `url` and waits for the page to load.
    pub async fn goto(&self, url: &str) -> WdResult<()> {
        self.cmd(Method::POST, "/url", Some(json!({ "url": url })))
            .await
            .map(drop)
    }

    /// Reloads the page, as F5 does (the cache is revalidated).
    pub async fn refresh(&self) -> WdResult<()> {
        self.cmd(Method::POST, "/refresh", Some(json!({})))
            .await
            .map(drop)
    }

    pub async fn current_url(&self) -> WdResult<String> {
        let v = self.cmd(Method::GET, "/url", None).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    pub async fn source(&self) -> WdResult<String> {
        let v = self.cmd(Method::GET, "/source", None).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// The first element matching the CSS selector.
    pub async fn find(&self, css: &str) -> WdResult<Element> {
        let body = json!({ "using": "css selector", "value": css });
        let v = self.cmd(Method::POST, "/element", Some(body)).await?;
        element_of(&v).ok_or_else(|| transport(format!("no element in {v}")))
    }

    /// Every element matching the CSS selector (possibly none).
    pub async fn find_all(&self, css: &str) -> WdResult<Vec<Element>> {
        let body = json!({ "using": "css selector", "value": css });
        let v = self.cmd(Method::POST, "/elements", Some(body)).await?;
        Ok(v.as_array()
            .map(|a| a.iter().filter_map(element_of).collect())
            .unwrap_or_default())
    }

    /// Types `text` into the element; for `<input type=file>`, `text` is
    /// the path of the file to choose.
    pub async fn send_keys(&self, el: &Element, text: &str) -> WdResult<()> {
        let path = format!("/element/{}/value", el.0);
        self.cmd(Method::POST, &path, Some(json!({ "text": text })))
            .await
            .map(drop)
    }

    pub async fn clear(&self, el: &Element) -> WdResult<()> {
        let path = format!("/element/{}/clear", el.0);
        self.cmd(Method::POST, &path, Some(json!({})))
            .await
            .map(drop)
    }

    pub async fn click(&self, el: &Element) -> WdResult<()> {
        let path = format!("/element/{}/click", el.0);
        self.cmd(Method::POST, &path, Some(json!({})))
            .await
            .map(drop)
    }

    /// The element's rendered text.
    pub async fn text(&self, el: &Element) -> WdResult<String> {
        let v = self
            .cmd(Method::GET, &format!("/element/{}/text", el.0), None)
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// An attribute as written in the HTML (None when absent).
    pub async fn attribute(&self, el: &Element, name: &str) -> WdResult<Option<String>> {
        let v = self
            .cmd(
                Method::GET,
                &format!("/element/{}/attribute/{name}", el.0),
                None,
            )
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// A DOM property, such as an input's current `value`.
    pub async fn property(&self, el: &Element, name: &str) -> WdResult<Value> {
        self.cmd(
            Method::GET,
            &format!("/element/{}/property/{name}", el.0),
            None,
        )
        .await
    }

    pub async fn cookies(&self) -> WdResult<Vec<Cookie>> {
        let v = self.cmd(Method::GET, "/cookie", None).await?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .map(|c| Cookie {
                        name: c["name"].as_str().unwrap_or_default().to_owned(),
                        value: c["value"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    pub async fn add_cookie(&self, name: &str, value: &str) -> WdResult<()> {
        let body = json!({ "cookie": { "name": name, "value": value, "path": "/" } });
        self.cmd(Method::POST, "/cookie", Some(body))
            .await
            .map(drop)
    }

    /// Runs a script in the page and returns its result (used only to
    /// measure the page; the pages themselves have no JavaScript).
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> WdResult<Value> {
        let body = json!({ "script": script, "args": args });
        self.cmd(Method::POST, "/execute/sync", Some(body)).await
    }

    /// Sets the window's outer size in CSS pixels.
    pub async fn set_window_rect(&self, width: u32, height: u32) -> WdResult<()> {
        let body = json!({ "width": width, "height": height });
        self.cmd(Method::POST, "/window/rect", Some(body))
            .await
            .map(drop)
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> WdResult<Vec<u8>> {
        let v = self.cmd(Method::GET, "/screenshot", None).await?;
        base64_decode(v.as_str().unwrap_or_default())
            .ok_or_else(|| transport("screenshot is not base64"))
    }

    /// Writes a PNG of the viewport to `path`.
    pub async fn screenshot_to(&self, path: &std::path::Path) -> WdResult<Vec<u8>> {
        let png = self.screenshot().await?;
        std::fs::write(path, &png).map_err(|e| transport(format!("{}: {e}", path.display())))?;
        Ok(png)
    }
}

fn element_of(v: &Value) -> Option<Element> {
    v.get(ELEMENT_KEY)
        .and_then(Value::as_str)
        .map(|id| Element(id.to_owned()))
}

/// Standard base64 (with padding), as screenshots come.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let bytes: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= sextet(*c)? << (18 - 6 * i);
        }
        let take = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend_from_slice(&n.to_be_bytes()[1..1 + take]);
    }
    Some(out)
}

#[test]
fn base64_decodes_with_and_without_padding() {
    assert_eq!(base64_decode("TWFu").as_deref(), Some(&b"Man"[..]));
    assert_eq!(base64_decode("TWE=").as_deref(), Some(&b"Ma"[..]));
    assert_eq!(base64_decode("TQ==").as_deref(), Some(&b"M"[..]));
    assert_eq!(base64_decode("T").as_deref(), None);
}
