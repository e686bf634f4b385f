//! A small WebDriver (W3C) client for Debian's `chromedriver` and headless `chromium`, over HTTP
//! on 127.0.0.1: a driver of the caller's own on a port it chooses, one window per [`Page`], waits on
//! the page's own changes (a `MutationObserver`), never on a timer. Used by the browser suite and
//! the web page's benchmark (`benches/web_page.rs`, which includes this file).
#![cfg(feature = "browser-tests")]
#![allow(dead_code)] // reason: the suite and the benchmark each use part of it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// How long one WebDriver command may take.
const PATIENCE: Duration = Duration::from_secs(30);

/// A `chromedriver` of this test's own, on a free loopback port; killed when dropped.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    pub fn start() -> Self {
        // Port 0: it takes a free port itself and says which (a port picked here and freed could
        // be taken by another test before the driver binds it).
        let mut child = Command::new("chromedriver")
            .arg("--port=0")
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver; .ci/run installs it)");
        // It says when it listens, and where: "… started successfully on port 36133."
        let mut out = BufReader::new(child.stdout.take().expect("its output"));
        let mut line = String::new();
        let port = loop {
            line.clear();
            assert!(
                out.read_line(&mut line).expect("its output") > 0,
                "chromedriver ended"
            );
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                break rest
                    .trim()
                    .trim_end_matches('.')
                    .parse::<u16>()
                    .expect("the port it listens on");
            }
        };
        std::thread::Builder::new()
            .name("chromedriver-out".into())
            .spawn(move || std::io::copy(&mut out, &mut std::io::sink()))
            .expect("a thread");
        Self { child, port }
    }

    /// One WebDriver command; its `value`, or a panic with the driver's error.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("chromedriver");
        stream
            .set_read_timeout(Some(PATIENCE * 3))
            .expect("a timeout");
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send");
        // It keeps the connection open whatever the request says: read by its length.
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).expect("an answer") > 0,
                "no answer"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("a length");
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("the whole answer");
        let body = String::from_utf8_lossy(&body);
        let value: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("JSON: {body}"));
        let value = value["value"].clone();
        if let Some(error) = value.get("error") {
            panic!("{method} {path}: {error}: {}", value["message"]);
        }
        value
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// One headless browser window.
pub struct Page<'d> {
    driver: &'d Driver,
    session: String,
}

impl<'d> Page<'d> {
    /// A window with a phone's 360 × 740 viewport whose browser asks for `lang`.
    pub fn open(driver: &'d Driver, lang: &str) -> Self {
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--window-size=360,740", format!("--lang={lang}"),
                         "--no-first-run", "--disable-extensions"],
                "prefs": {"intl.accept_languages": lang},
                // A phone's viewport, exactly (a headless window is at least 500 wide).
                "mobileEmulation": {"deviceMetrics": {"width": 360, "height": 740, "pixelRatio": 1.0}}
            },
            // The room's certificate is its own (no authority on a LAN): a person accepts the
            // browser's warning once; the tests, always.
            "acceptInsecureCerts": true,
            "timeouts": {"script": 10_000, "implicit": 10_000, "pageLoad": 10_000}
        }}});
        let session = driver.call("POST", "/session", Some(capabilities))["sessionId"]
            .as_str()
            .expect("a session")
            .to_owned();
        Self { driver, session }
    }

    fn call(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        self.driver
            .call(method, &format!("/session/{}{what}", self.session), body)
    }

    pub fn go(&self, addr: SocketAddr) {
        self.go_to(&format!("http://{addr}/"));
    }

    /// The page of the room at `addr` at its https address (the same port).
    pub fn go_https(&self, addr: SocketAddr) {
        self.go_to(&format!("https://{addr}/"));
    }

    fn go_to(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    /// The element `css` selects, waiting for it (the session's implicit wait).
    pub fn find(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .expect("an element")
            .to_owned()
    }

    pub fn type_in(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        );
    }

    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    pub fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Runs `script` asynchronously (its last argument is the callback): what it gives back.
    pub fn call_async(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits — on the page's own changes, not a timer — until the text of an element `css`
    /// selects contains `needle`; false if none did within 9 s.
    pub fn wait_text(&self, css: &str, needle: &str) -> bool {
        let script = "const [css, needle, done] = arguments;
            const holds = () => [...document.querySelectorAll(css)]
                                  .some((el) => el.textContent.includes(needle));
            if (holds()) { done(true); return; }
            setTimeout(() => done(false), 9000);
            const seen = new MutationObserver(() => { if (holds()) { seen.disconnect(); done(true); } });
            seen.observe(document.body, {subtree: true, childList: true, characterData: true,
                                         attributes: true});";
        self.call_async(script, json!([css, needle])) == json!(true)
    }

    /// Waits — on the page's changes, as [`Page::wait_text`] — until nothing `css` selects is on
    /// the page; false if something still was after 9 s.
    pub fn wait_gone(&self, css: &str) -> bool {
        let script = "const [css, done] = arguments;
            const gone = () => document.querySelector(css) === null;
            if (gone()) { done(true); return; }
            setTimeout(() => done(false), 9000);
            const seen = new MutationObserver(() => { if (gone()) { seen.disconnect(); done(true); } });
            seen.observe(document.body, {subtree: true, childList: true, attributes: true});";
        self.call_async(script, json!([css])) == json!(true)
    }

    /// What the window shows now, as a PNG.
    pub fn screenshot(&self) -> Vec<u8> {
        let png = self.call("GET", "/screenshot", None);
        data_encoding::BASE64
            .decode(png.as_str().expect("a screenshot").as_bytes())
            .expect("base64")
    }

    /// Joins the room the page was served by, as `name`.
    pub fn join(&self, name: &str) {
        self.type_in("#name", name);
        self.click("#join-form button");
        assert!(self.wait_text("#people", name), "{name} is in the room");
    }

    pub fn say(&self, text: &str) {
        self.type_in("#say", text);
        self.click("#say-form button[type=submit]");
    }
}

impl Drop for Page<'_> {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.session);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.driver.call("DELETE", &path, None)
        }));
    }
}
