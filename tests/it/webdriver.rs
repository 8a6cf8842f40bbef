//! A small WebDriver client (JSON over HTTP, W3C protocol) driving Debian's `chromedriver` and a
//! headless Chromium with a throw-away profile. Just the commands the widget tests need.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key W3C WebDriver uses for element references in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Keys as WebDriver spells them.
pub mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const SHIFT: &str = "\u{E008}";
    pub const SPACE: &str = "\u{E00D}";
    pub const ARROW_UP: &str = "\u{E013}";
    pub const ARROW_DOWN: &str = "\u{E015}";
}

/// Where the browser and its driver are: `CHROMEDRIVER` and `CHROMIUM` override Debian's paths.
fn binaries() -> (PathBuf, PathBuf) {
    let driver = std::env::var_os("CHROMEDRIVER").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/chromedriver".into());
    let browser = std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/chromium".into());
    (driver, browser)
}

/// Whether the browser tests can run. Missing binaries fail the test with instructions (CI
/// installs them), unless `SKIP_BROWSER_TESTS=1` says, loudly, to skip.
pub fn browser_available() -> bool {
    let (driver, browser) = binaries();
    if driver.is_file() && browser.is_file() {
        return true;
    }
    if std::env::var("SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("SKIPPED: browser tests (SKIP_BROWSER_TESTS=1); {driver:?} or {browser:?} is missing");
        return false;
    }
    panic!(
        "the widget's browser tests need {driver:?} and {browser:?}: install them with \
         `apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver` \
         (or set CHROMEDRIVER/CHROMIUM, or SKIP_BROWSER_TESTS=1 to skip them)"
    );
}

/// A running chromedriver with one browser session; both end when this is dropped.
pub struct Browser {
    driver: Child,
    agent: ureq::Agent,
    base: String,
    _profile: tempfile::TempDir,
}

/// An element reference returned by the browser.
#[derive(Debug, Clone)]
pub struct Element(Value);

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless Chromium session.
    pub fn start() -> Browser {
        let (driver_path, browser_path) = binaries();
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let driver = Command::new(&driver_path)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".to_owned()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {driver_path:?}: {err}"));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .build()
            .into();
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Browser { driver, agent, base: format!("http://127.0.0.1:{port}"), _profile: profile };

        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = browser
                .agent
                .get(format!("{}/status", browser.base))
                .call()
                .ok()
                .and_then(|mut r| serde_json::from_str::<Value>(&r.body_mut().read_to_string().ok()?).ok());
            if ready.is_some_and(|status| status["value"]["ready"] == true) {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready within 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }

        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            &format!("--user-data-dir={}", browser._profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "unhandledPromptBehavior": "ignore",
            "goog:chromeOptions": {"binary": browser_path, "args": args},
        }}});
        let session = browser.raw("POST", "/session", Some(capabilities));
        let id = session["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {session}")).to_owned();
        browser.base = format!("{}/session/{id}", browser.base);
        browser.command("POST", "/timeouts", json!({"script": 10_000, "pageLoad": 15_000, "implicit": 0}));
        browser
    }

    fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self
                .agent
                .post(&url)
                .header("content-type", "application/json")
                .send(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let mut response = response.unwrap_or_else(|err| panic!("WebDriver {method} {path}: {err}"));
        let text = response.body_mut().with_config().limit(64 << 20).read_to_string().expect("WebDriver answer");
        let answer: Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("WebDriver {method} {path}: not JSON: {text}"));
        answer["value"].clone()
    }

    /// Sends a command; a WebDriver error fails the test with the driver's message.
    fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let value = self.raw(method, path, Some(body));
        if let Some(error) = value.get("error").and_then(Value::as_str) {
            panic!("WebDriver {method} {path}: {error}: {}", value["message"]);
        }
        value
    }

    /// Opens `url` and waits for it to load.
    pub fn goto(&self, url: &str) {
        self.command("POST", "/url", json!({"url": url}));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns its value.
    pub fn eval(&self, script: &str, args: &[Value]) -> Value {
        self.command("POST", "/execute/sync", json!({"script": script, "args": args}))
    }

    /// Like [`Browser::eval`] for a script that returns an element.
    pub fn element(&self, script: &str) -> Element {
        let value = self.eval(script, &[]);
        assert!(value.get(ELEMENT_KEY).is_some(), "not an element: {value} from {script}");
        Element(value)
    }

    /// Polls `script` until it returns something truthy, for at most `seconds`; fails with
    /// `what` and the last value (and `debug`'s value) otherwise.
    pub fn wait_for(&self, what: &str, seconds: u64, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let value = self.eval(script, &[]);
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return value;
            }
            if Instant::now() > deadline {
                panic!("timed out after {seconds} s waiting for {what}; last value: {value}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `text` into `element` (focusing it first).
    pub fn type_into(&self, element: &Element, text: &str) {
        let id = element.0[ELEMENT_KEY].as_str().unwrap();
        self.command("POST", &format!("/element/{id}/value"), json!({"text": text}));
    }

    /// Clicks `element`.
    pub fn click(&self, element: &Element) {
        let id = element.0[ELEMENT_KEY].as_str().unwrap();
        self.command("POST", &format!("/element/{id}/click"), json!({}));
    }

    /// Presses keys on whatever has focus, as a person at a keyboard would: each of `keys` is
    /// pressed and released in turn, with `modifier` held down throughout if given.
    pub fn press(&self, keys: &[&str], modifier: Option<&str>) {
        let mut actions = Vec::new();
        if let Some(m) = modifier {
            actions.push(json!({"type": "keyDown", "value": m}));
        }
        for key in keys {
            for c in key.chars() {
                actions.push(json!({"type": "keyDown", "value": c.to_string()}));
                actions.push(json!({"type": "keyUp", "value": c.to_string()}));
            }
        }
        if let Some(m) = modifier {
            actions.push(json!({"type": "keyUp", "value": m}));
        }
        self.command("POST", "/actions", json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}));
        self.raw("DELETE", "/actions", None);
    }

    /// The text of an open alert, confirm or prompt, if one is open.
    pub fn open_alert(&self) -> Option<String> {
        let value = self.raw("GET", "/alert/text", None);
        match value.get("error").and_then(Value::as_str) {
            Some("no such alert") => None,
            Some(other) => panic!("WebDriver alert/text: {other}: {}", value["message"]),
            None => Some(value.as_str().unwrap_or_default().to_owned()),
        }
    }

    /// Resizes the window (CSS pixels of the outer window).
    pub fn resize(&self, width: u32, height: u32) {
        self.command("POST", "/window/rect", json!({"width": width, "height": height}));
    }

    /// Saves a PNG screenshot of the viewport to `path`.
    pub fn screenshot(&self, path: &std::path::Path) {
        let encoded = self.command("GET", "/screenshot", json!(null));
        let png = base64_decode(encoded.as_str().expect("screenshot is base64"));
        assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the session (and Chromium), then the driver.
        if self.base.contains("/session/") {
            let _ = self.agent.delete(&self.base).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64, as WebDriver sends screenshots.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c) << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decodes_what_it_should() {
    assert_eq!(base64_decode("aGVsbG8gd29ybGQ="), b"hello world");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
}
