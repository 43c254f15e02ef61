//! A small W3C WebDriver client for the browser tests: it starts `chromedriver` (Debian's
//! `chromium-driver`) on loopback and drives headless Chromium over WebDriver's JSON
//! protocol with reqwest, so the tests need no Node.js and no extra crate.
//!
//! [`Browser::start`] returns `None` when Chromium or chromedriver is missing; the tests then
//! say so loudly and skip, unless `SYMFLOW_REQUIRE_BROWSER` is set (`.ci/run` sets it after
//! installing both), in which case a missing browser fails the test.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// WebDriver's key for an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// `CHROMIUM` or `/usr/bin/chromium`; `CHROMEDRIVER` or `/usr/bin/chromedriver`.
fn paths() -> (PathBuf, PathBuf) {
    let var = |name: &str, default: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    (
        var("CHROMIUM", "/usr/bin/chromium"),
        var("CHROMEDRIVER", "/usr/bin/chromedriver"),
    )
}

/// A headless Chromium session and the chromedriver behind it (stopped on drop).
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

/// An element found on the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver and a headless Chromium session, or `None` (with the reason on
    /// stderr) when they are not installed and `SYMFLOW_REQUIRE_BROWSER` is not set.
    pub async fn start() -> Option<Browser> {
        let (chromium, chromedriver) = paths();
        if !chromium.exists() || !chromedriver.exists() {
            let message = format!(
                "the browser tests need Chromium ({}) and chromedriver ({}); install Debian's \
                 `chromium` and `chromium-driver` (.ci/run does) or set CHROMIUM / CHROMEDRIVER",
                chromium.display(),
                chromedriver.display()
            );
            if std::env::var_os("SYMFLOW_REQUIRE_BROWSER").is_some() {
                panic!("{message}");
            }
            eprintln!("\n*** SKIPPED: {message} ***\n");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await {
                let text = r.text().await.unwrap_or_default();
                if let Ok(status) = serde_json::from_str::<Value>(&text) {
                    if status["value"]["ready"] == true {
                        ready = true;
                        break;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            http,
        };
        assert!(ready, "chromedriver did not become ready");
        let created = browser
            .call(
                reqwest::Method::POST,
                "/session",
                json!({ "capabilities": { "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium.to_string_lossy(),
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                 "--disable-dev-shm-usage", "--window-size=1280,1000",
                                 "--force-device-scale-factor=1"],
                    },
                }}}),
            )
            .await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver made no session: {created}"))
            .to_string();
        Some(browser)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let what = format!("{method} {path}");
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|error| panic!("WebDriver {what} failed: {error}"))
    }

    /// [`Browser::call`] that reports a refusal instead of failing the test (WebDriver may
    /// refuse a script while a page is being replaced).
    async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> Result<Value, String> {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let mut request = self.http.request(method.clone(), &url);
        if method != reqwest::Method::GET {
            request = request
                .header("content-type", "application/json")
                .body(if body.is_null() {
                    "{}".to_string()
                } else {
                    body.to_string()
                });
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("chromedriver does not answer {path}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("({status}) {}", value["value"]["message"]));
        }
        Ok(value.get("value").cloned().unwrap_or(Value::Null))
    }

    /// Clicks `element`, which submits a form or follows a link, and waits until the page it
    /// leads to has loaded. After a plain click the browser may not have sent the submission
    /// yet, and an immediate `goto` would cancel it (seen on a loaded CI machine: a request
    /// modal that was never submitted).
    pub async fn click_and_wait(&self, element: &Element) {
        self.run_script("window.symflowPageBeforeClick = true; return null;")
            .await;
        self.click(element).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            let moved_on = self
                .try_call(
                    reqwest::Method::POST,
                    "/execute/sync",
                    json!({
                        "script": "return window.symflowPageBeforeClick !== true && document.readyState === 'complete';",
                        "args": [],
                    }),
                )
                .await;
            if moved_on == Ok(Value::Bool(true)) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the page never moved on after a click ({moved_on:?}) on {}",
                self.current_url().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({ "url": url }))
            .await;
    }

    pub async fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Every element matching the CSS selector, in document order.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let found = self
            .call(
                reqwest::Method::POST,
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT_KEY].as_str().map(|id| Element(id.to_string())))
            .collect()
    }

    /// The first element matching `css`, if any.
    pub async fn find(&self, css: &str) -> Option<Element> {
        self.find_all(css).await.into_iter().next()
    }

    /// The first element matching `css`, failing the test if there is none.
    pub async fn get(&self, css: &str) -> Element {
        match self.find(css).await {
            Some(e) => e,
            None => panic!(
                "no element matches {css:?} on {}; the page says:\n{}",
                self.current_url().await,
                self.text("body").await
            ),
        }
    }

    pub async fn click(&self, element: &Element) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            json!({}),
        )
        .await;
    }

    /// Types `text` into the element.
    pub async fn type_into(&self, element: &Element, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.0),
            json!({ "text": text }),
        )
        .await;
    }

    /// The visible text of the first element matching `css` (empty when none).
    pub async fn text(&self, css: &str) -> String {
        let Some(element) = self.find(css).await else {
            return String::new();
        };
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/text", element.0),
            Value::Null,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Runs `script` (a function body; a returned promise is awaited) and returns its result.
    pub async fn run_script(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Forgets the cookies (signs out of everything).
    pub async fn clear_cookies(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", Value::Null)
            .await;
    }

    /// A PNG of the window.
    pub async fn screenshot(&self) -> Vec<u8> {
        let encoded = self
            .call(reqwest::Method::GET, "/screenshot", Value::Null)
            .await;
        decode_base64(encoded.as_str().unwrap_or_default())
    }

    /// Waits (without reloading) until `css` matches something on the current page, failing
    /// after `patience`: after a click that submits a form, the next page may not have
    /// replaced the old one yet when the click returns.
    pub async fn wait_present(&self, css: &str, patience: Duration) -> Element {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            if let Some(element) = self.find(css).await {
                return element;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "{} never showed {css:?} within {patience:?}; it says:\n{}",
                    self.current_url().await,
                    self.text("body").await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reloads `url` until `css` matches something, failing after `patience`.
    pub async fn wait_for(&self, url: &str, css: &str, patience: Duration) -> Element {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            self.goto(url).await;
            if let Some(element) = self.find(css).await {
                return element;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "{url} never showed {css:?} within {patience:?}; it says:\n{}",
                    self.text("body").await
                );
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The session ends with its driver.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (the screenshot) as bytes.
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, d) in chunk.iter().enumerate() {
            n |= d << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(super::decode_base64("aGVsbG8="), b"hello");
        assert_eq!(super::decode_base64("aGk"), b"hi");
        assert_eq!(super::decode_base64("TWFu"), b"Man");
    }
}
