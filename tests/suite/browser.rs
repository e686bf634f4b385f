//! The web page in a real browser: Debian's headless `chromium`, driven through `chromedriver`
//! (WebDriver, W3C) by a small client over HTTP on 127.0.0.1, against a real in-process server
//! (feature `browser-tests`, which .ci/run turns on after installing both). A phone-sized window
//! (360 × 740) joins, chats with `nc` and the app in the same room, reads French when the browser
//! asks for it, and shows hostile messages as text: no script they carry ever runs.
#![cfg(feature = "browser-tests")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::common::{Json, PATIENCE, Plain, start_server};
use coucou::protocol::{ClientMsg, ServerMsg};

/// A `chromedriver` of this test's own, on a free loopback port; killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver; .ci/run installs it)");
        // It says when it listens.
        let mut out = BufReader::new(child.stdout.take().expect("its output"));
        let mut line = String::new();
        while !line.contains("started successfully") {
            line.clear();
            assert!(
                out.read_line(&mut line).expect("its output") > 0,
                "chromedriver ended"
            );
        }
        std::thread::Builder::new()
            .name("chromedriver-out".into())
            .spawn(move || std::io::copy(&mut out, &mut std::io::sink()))
            .expect("a thread");
        Self { child, port }
    }

    /// One WebDriver command; its `value`, or a panic with the driver's error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
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
struct Page<'d> {
    driver: &'d Driver,
    session: String,
}

impl<'d> Page<'d> {
    /// A 360 × 740 window whose browser asks for `lang`.
    fn open(driver: &'d Driver, lang: &str) -> Self {
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--window-size=360,740", format!("--lang={lang}"),
                         "--no-first-run", "--disable-extensions"],
                "prefs": {"intl.accept_languages": lang}
            },
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

    fn go(&self, addr: SocketAddr) {
        self.call(
            "POST",
            "/url",
            Some(json!({"url": format!("http://{addr}/")})),
        );
    }

    /// The element `css` selects, waiting for it (the session's implicit wait).
    fn find(&self, css: &str) -> String {
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

    fn type_in(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        );
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits — on the page's own changes, not a timer — until the text of an element `css`
    /// selects contains `needle`; false if none did within 9 s.
    fn wait_text(&self, css: &str, needle: &str) -> bool {
        let script = "const [css, needle, done] = arguments;
            const holds = () => [...document.querySelectorAll(css)]
                                  .some((el) => el.textContent.includes(needle));
            if (holds()) { done(true); return; }
            setTimeout(() => done(false), 9000);
            const seen = new MutationObserver(() => { if (holds()) { seen.disconnect(); done(true); } });
            seen.observe(document.body, {subtree: true, childList: true, characterData: true,
                                         attributes: true});";
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": [css, needle]})),
        ) == json!(true)
    }

    /// Joins the room the page was served by, as `name`.
    fn join(&self, name: &str) {
        self.type_in("#name", name);
        self.click("#join-form button");
        assert!(self.wait_text("#people", name), "{name} is in the room");
    }

    fn say(&self, text: &str) {
        self.type_in("#say", text);
        self.click("#say-form button");
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

#[test]
fn a_phone_joins_and_chats_with_nc_and_the_app_in_one_room() {
    let server = start_server();
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    page.go(addr);
    assert!(page.wait_text("#join-form label", "Your name"));
    page.join("phone");

    let mut nc = Plain::join(addr, "nc");
    let (mut app, _) = Json::join(addr, "app");
    assert!(page.wait_text("#people", "app"));
    page.say("hello from the phone");
    nc.expect("phone: hello from the phone");
    app.expect(|m| matches!(m, ServerMsg::Message(c) if c.from == "phone"));
    nc.send("hi phone, nc here");
    assert!(page.wait_text("#messages", "nc: hi phone, nc here"));
    app.send(&ClientMsg::Say {
        text: "and the app".into(),
        cid: None,
    });
    assert!(page.wait_text("#messages", "app: and the app"));
    // A line naming the phone stands out.
    nc.send("phone: look");
    assert!(page.wait_text("#messages li.mention", "phone: look"));
    // Only that one: the app's line, already on screen, names nobody.
    let mentions = page.script(
        "return [...document.querySelectorAll('#messages li.mention')].map((li) => li.dataset.id)",
        json!([]),
    );
    assert_eq!(mentions.as_array().map(Vec::len), Some(2), "{mentions}");
}

#[test]
fn the_page_reads_french_when_the_browser_asks_for_it() {
    let server = start_server();
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "fr-FR");
    page.go(addr);
    assert!(page.wait_text("#join-form label", "Votre nom"));
    assert_eq!(
        page.script("return document.documentElement.lang", json!([])),
        json!("fr")
    );
    page.join("téléphone");
    let _nc = Plain::join(addr, "nc");
    assert!(page.wait_text("#people-count", "2 personnes"));
}

#[test]
fn hostile_messages_show_as_text_and_nothing_they_carry_runs() {
    let server = start_server();
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    page.go(addr);
    page.join("victim");
    let mut nc = Plain::join(addr, "mallory");
    let hostile = [
        "<script>window.pwned = 1</script>",
        "\"><img src=x onerror=\"window.pwned = 2\">",
        "<a href=\"javascript:window.pwned=3\">click</a>",
        "<svg onload=\"window.pwned = 4\"></svg>",
        "<iframe src=\"javascript:parent.pwned=5\"></iframe>",
    ];
    for text in hostile {
        nc.send(text);
        assert!(
            page.wait_text("#messages", text),
            "{text} is shown as typed"
        );
    }
    // Clicking what looks like a link runs nothing either.
    let checked = page.script(
        "const list = document.getElementById('messages');
         for (const li of list.querySelectorAll('li')) li.click();
         return {
           pwned: window.pwned === undefined ? null : window.pwned,
           markup: list.querySelectorAll('script, img, a, svg, iframe').length,
         };",
        json!([]),
    );
    assert_eq!(checked, json!({"pwned": null, "markup": 0}));
}
