//! The web page on the room's port, over real TCP (and TLS) on 127.0.0.1: the page and its
//! security headers, a WebSocket in the same room as `nc` and the app, `https` for an encrypted-only
//! room, and every bad input the page's front door can be sent — each one refused once, costing
//! that connection only.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{Json, PATIENCE, Plain, start_server, start_server_with, test_identity};
use coucou::connection::SharedSocket;
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg, message, websocket};
use coucou::server::ServerConfig;
use coucou::tls::{self, PinVerifier, Transport};

/// A connection to the room, clear or TLS, speaking HTTP and then, perhaps, WebSocket frames.
struct Browser {
    transport: Transport,
    /// Bytes read and not yet used.
    buf: Vec<u8>,
    /// The room's address, as the page's `Host`.
    host: String,
}

/// One frame the server sent.
#[derive(Debug, PartialEq)]
enum Got {
    Text(ServerMsg),
    Pong(Vec<u8>),
    Close(u16),
}

impl Browser {
    fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("a timeout");
        Self {
            transport: Transport::clear(SharedSocket::new(stream)),
            buf: Vec::new(),
            host: addr.to_string(),
        }
    }

    fn connect_tls(addr: SocketAddr) -> Self {
        Self::tls_over(TcpStream::connect(addr).expect("connect"), addr)
    }

    /// Over TLS from the loopback address `from`: another machine on the LAN.
    fn connect_tls_from(addr: SocketAddr, from: std::net::IpAddr) -> Self {
        Self::tls_over(crate::common::connect_from(addr, from), addr)
    }

    fn tls_over(stream: TcpStream, addr: SocketAddr) -> Self {
        let socket = SharedSocket::new(stream);
        let verifier = PinVerifier::new(Some(test_identity().fingerprint()));
        let config = tls::client_config(verifier).expect("a TLS configuration");
        let conn = rustls::ClientConnection::new(config, tls::server_name("127.0.0.1"))
            .expect("a TLS client");
        let mut conn = rustls::Connection::Client(conn);
        tls::handshake(&mut conn, &socket, Instant::now() + PATIENCE).expect("TLS");
        socket.set_read_timeout(Some(PATIENCE)).expect("a timeout");
        Self {
            transport: Transport::tls(socket, conn),
            buf: Vec::new(),
            host: addr.to_string(),
        }
    }

    fn send(&self, bytes: &[u8]) {
        self.transport.write_all(bytes).expect("send");
    }

    /// Reads more; false at the end of the stream.
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.transport.clone().read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => false,
            Err(err) => panic!("nothing within {PATIENCE:?}: {err}"),
        }
    }

    /// A response's status line and head, and its body (by `Content-Length`).
    fn response(&mut self) -> (String, String, Vec<u8>) {
        let end = loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            assert!(self.fill(), "closed before a response: {:?}", self.text());
        };
        let head = String::from_utf8(self.buf[..end].to_vec()).expect("an ASCII head");
        self.buf.drain(..end + 4);
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map_or(0, |n| n.parse().expect("a length"));
        while self.buf.len() < length {
            assert!(self.fill(), "closed inside a body");
        }
        let body = self.buf.drain(..length).collect();
        let (status, head) = head.split_once("\r\n").unwrap_or((&head, ""));
        (status.to_owned(), head.to_owned(), body)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf).into_owned()
    }

    /// `GET path` with `extra` header lines; the response.
    fn get(addr: SocketAddr, path: &str, extra: &str) -> (String, String, Vec<u8>) {
        let mut browser = Self::connect(addr);
        let host = browser.host.clone();
        browser.send(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n").as_bytes());
        browser.response()
    }

    /// The WebSocket's opening handshake from this host's own page; panics unless it opens.
    fn upgrade(mut self, scheme: &str) -> Self {
        let host = self.host.clone();
        self.send(upgrade_request(&host, &format!("Origin: {scheme}://{host}\r\n")).as_bytes());
        let (status, head, _) = self.response();
        assert_eq!(status, "HTTP/1.1 101 Switching Protocols", "{head}");
        self
    }

    /// A page that opened its WebSocket and joined as `name`; the welcome.
    fn join(addr: SocketAddr, name: &str) -> (Self, ServerMsg) {
        let mut page = Self::connect(addr).upgrade("http");
        page.say(&ClientMsg::Hello {
            version: 1,
            name: name.into(),
            device: None,
        });
        let welcome = page.next();
        assert!(matches!(welcome, ServerMsg::Welcome { .. }), "{welcome:?}");
        (page, welcome)
    }

    fn say(&self, msg: &ClientMsg) {
        self.send(&frame(
            0x1,
            &serde_json::to_vec(msg).expect("a message encodes"),
            true,
        ));
    }

    /// The next frame the server sent (`None` at the end of the stream).
    fn frame(&mut self) -> Option<Got> {
        loop {
            if let Some((got, used)) = server_frame(&self.buf) {
                self.buf.drain(..used);
                return Some(got);
            }
            if !self.fill() {
                assert!(self.buf.is_empty(), "a cut frame: {:?}", self.buf);
                return None;
            }
        }
    }

    /// The next JSON message.
    fn next(&mut self) -> ServerMsg {
        match self.frame() {
            Some(Got::Text(msg)) => msg,
            other => panic!("a text frame was expected, not {other:?}"),
        }
    }

    fn expect(&mut self, wanted: impl Fn(&ServerMsg) -> bool) -> ServerMsg {
        loop {
            let msg = self.next();
            if wanted(&msg) {
                return msg;
            }
        }
    }

    /// Every frame until the server closes.
    fn rest(&mut self) -> Vec<Got> {
        std::iter::from_fn(|| self.frame()).collect()
    }
}

fn upgrade_request(host: &str, extra: &str) -> String {
    format!(
        "GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
}

/// A client frame, masked as browsers mask them (or not, when `masked` is false).
fn frame(opcode: u8, payload: &[u8], masked: bool) -> Vec<u8> {
    websocket::client_frame(opcode, payload, masked.then_some([0x12, 0x34, 0x56, 0x78]))
}

/// A server frame read off `bytes`, and its length; `None` until it is all there. Panics on a
/// masked or fragmented one: the server sends neither.
fn server_frame(bytes: &[u8]) -> Option<(Got, usize)> {
    let [first, second, ..] = *bytes else {
        return None;
    };
    assert_eq!(first & 0xF0, 0x80, "a whole frame, no reserved bit");
    assert_eq!(second & 0x80, 0, "the server never masks");
    let (len, at) = match second {
        126 => (
            u16::from_be_bytes(bytes.get(2..4)?.try_into().ok()?) as usize,
            4,
        ),
        127 => (
            u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?) as usize,
            10,
        ),
        len => (len as usize, 2),
    };
    let payload = bytes.get(at..at + len)?;
    let got = match first & 0x0F {
        0x1 => Got::Text(message::decode_server(payload).expect("a server message")),
        0xA => Got::Pong(payload.to_vec()),
        0x8 => Got::Close(u16::from_be_bytes([payload[0], payload[1]])),
        other => panic!("opcode {other}"),
    };
    Some((got, at + len))
}

/// `token` with its last digit changed (always another: a forged signature).
fn altered(token: &str) -> String {
    let (kept, last) = token.split_at(token.len() - 1);
    format!("{kept}{}", if last == "0" { "1" } else { "0" })
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

#[test]
fn the_page_is_served_whole_with_its_security_headers_and_no_inline_script() {
    let server = start_server();
    let addr = server.local_addr();
    let (status, head, html) = Browser::get(addr, "/", "");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        header(&head, "Content-Type"),
        Some("text/html; charset=utf-8")
    );
    let csp = header(&head, "Content-Security-Policy").expect("a CSP");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(header(&head, "X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(header(&head, "Connection"), Some("close"));
    let html = String::from_utf8(html).unwrap();
    // Every script comes from a file of the page; none is written into it.
    assert_eq!(html.matches("<script").count(), 2);
    assert!(html.contains("<script src=\"/sha256.js\" defer></script>"));
    assert!(html.contains("<script src=\"/coucou.js\" defer></script>"));
    assert!(
        !html
            .split_whitespace()
            .any(|w| w.starts_with("on") && w.contains('=')),
        "no inline handlers"
    );
    let mut total = html.len();
    for (path, kind) in [
        ("/coucou.js", "text/javascript; charset=utf-8"),
        ("/sha256.js", "text/javascript; charset=utf-8"),
        ("/coucou.css", "text/css; charset=utf-8"),
        ("/icon.png", "image/png"),
    ] {
        let (status, head, body) = Browser::get(addr, path, "");
        assert_eq!(status, "HTTP/1.1 200 OK", "{path}");
        assert_eq!(header(&head, "Content-Type"), Some(kind), "{path}");
        total += body.len();
    }
    // In clear there is no certificate, so no room code to show.
    let (status, _, room) = Browser::get(addr, "/room.json", "");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(room, br#"{"code":null}"#);
    // What the page weighs, HTML, CSS, JavaScript and icon, as the issue's budget counts it.
    assert_eq!(total, coucou::server::page_bytes());
    assert!(total <= 150 * 1024, "{total} bytes");
}

#[test]
fn a_page_nc_and_the_app_chat_in_one_room() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut page, welcome) = Browser::join(addr, "phone");
    let ServerMsg::Welcome { you, .. } = welcome else {
        unreachable!()
    };
    assert_eq!(you, "phone");
    let mut nc = Plain::join(addr, "nc");
    let (mut app, _) = Json::join(addr, "app");
    page.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "app"));

    page.say(&ClientMsg::Say {
        text: "salut <b>tout</b> le monde".into(),
        cid: None,
    });
    nc.expect("phone: salut <b>tout</b> le monde");
    app.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "salut <b>tout</b> le monde"));
    nc.send("bonjour le téléphone");
    page.expect(|m| matches!(m, ServerMsg::Message(c) if c.from == "nc" && c.text == "bonjour le téléphone"));
    app.send(&ClientMsg::Msg {
        to: "phone".into(),
        text: "psst".into(),
        cid: None,
    });
    page.expect(
        |m| matches!(m, ServerMsg::Private { from, text, .. } if from == "app" && text == "psst"),
    );

    // A ping is answered, and a close is answered with a close; the others see the page leave.
    page.send(&frame(0x9, b"still there?", true));
    assert_eq!(
        std::iter::from_fn(|| page.frame()).find(|g| matches!(g, Got::Pong(_))),
        Some(Got::Pong(b"still there?".to_vec()))
    );
    page.send(&frame(0x8, &1000u16.to_be_bytes(), true));
    assert!(page.rest().ends_with(&[Got::Close(1000)]));
    nc.expect("phone left");
}

#[test]
fn over_tls_the_page_and_its_websocket_work_and_an_encrypted_only_room_sends_clear_to_https() {
    let server = start_server_with(ServerConfig {
        require_tls: true,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (status, head, _) = Browser::get(addr, "/?lang=fr", "");
    assert_eq!(status, "HTTP/1.1 308 Permanent Redirect");
    assert_eq!(
        header(&head, "Location"),
        Some(format!("https://{addr}/").as_str())
    );
    // The WebSocket in clear is no way around it.
    let (status, ..) = Browser::get(addr, "/ws", "Upgrade: websocket\r\n");
    assert_eq!(status, "HTTP/1.1 308 Permanent Redirect");

    let mut secure = Browser::connect_tls(addr);
    secure.send(format!("GET / HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes());
    let (status, _, html) = secure.response();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(String::from_utf8(html).unwrap().contains("coucou.js"));
    // The room code of the certificate the page came with, for people to compare with the host's.
    let mut secure = Browser::connect_tls(addr);
    secure.send(format!("GET /room.json HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes());
    let (status, head, room) = secure.response();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(header(&head, "Content-Type"), Some("application/json"));
    let room: serde_json::Value = serde_json::from_slice(&room).expect("JSON");
    let code = test_identity().fingerprint().code();
    assert_eq!(room, serde_json::json!({ "code": code }));

    // Over TLS the page's origin is https://…: the clear one is another site.
    let mut wrong = Browser::connect_tls(addr);
    wrong
        .send(upgrade_request(&addr.to_string(), &format!("Origin: http://{addr}\r\n")).as_bytes());
    assert_eq!(wrong.response().0, "HTTP/1.1 403 Forbidden");
    let mut page = Browser::connect_tls(addr).upgrade("https");
    page.say(&ClientMsg::Hello {
        version: 1,
        name: "tablette".into(),
        device: None,
    });
    assert!(matches!(page.next(), ServerMsg::Welcome { you, .. } if you == "tablette"));
    // A broken frame under TLS costs that connection too, after one clear error.
    page.send(&frame(0x2, b"\x00", true));
    let rest = page.rest();
    assert!(
        matches!(
            rest.as_slice(),
            [
                ..,
                Got::Text(ServerMsg::Error {
                    code: ErrorCode::Malformed,
                    ..
                }),
                Got::Close(1003)
            ]
        ),
        "{rest:?}"
    );
}

#[test]
fn each_bad_request_gets_one_refusal_and_its_connection_ends() {
    let server = start_server_with(ServerConfig {
        handshake_timeout: Duration::from_millis(500),
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let host = addr.to_string();
    let cases: [(&str, String, &str); 11] = [
        (
            "a path with ..",
            "GET /../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n".into(),
            "404",
        ),
        (
            "%2e%2e",
            "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n".into(),
            "404",
        ),
        (
            "NUL in the path",
            "GET /coucou.js\0 HTTP/1.1\r\nHost: h\r\n\r\n".into(),
            "400",
        ),
        (
            "POST",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc".into(),
            "405",
        ),
        ("no Host", "GET / HTTP/1.1\r\n\r\n".into(), "400"),
        (
            "empty lines first",
            "\r\n\n\r\nPOST / HTTP/1.1\r\nHost: h\r\n\r\n".into(),
            "405",
        ),
        (
            "a bad key",
            upgrade_request(&host, "").replace("dGhlIHNhbXBsZSBub25jZQ==", "short"),
            "400",
        ),
        (
            "version 8",
            upgrade_request(&host, "").replace("Version: 13", "Version: 8"),
            "426",
        ),
        (
            "another site",
            upgrade_request(&host, "Origin: http://evil.example\r\n"),
            "403",
        ),
        (
            "1 MB of headers",
            format!(
                "GET / HTTP/1.1\r\nHost: h\r\n{}\r\n",
                "X-Junk: aaaaaaaaaaaaaaaa\r\n".repeat(40_000)
            ),
            "431",
        ),
        (
            "headers that never end",
            "GET / HTTP/1.1\r\nHost: h\r\nX-Slow: a".into(),
            "408",
        ),
    ];
    for (what, request, status) in cases {
        let mut browser = Browser::connect(addr);
        let bytes = request.into_bytes();
        // Sent from a thread of its own: the server reads only what it needs before answering.
        let writer = {
            let transport = browser.transport.clone();
            thread::Builder::new()
                .name("web-test-send".into())
                .spawn(move || transport.write_all(&bytes).ok())
                .unwrap()
        };
        let (line, _, body) = browser.response();
        assert!(
            line.starts_with(&format!("HTTP/1.1 {status} ")),
            "{what}: {line}"
        );
        assert!(!body.is_empty(), "{what}: the refusal says why");
        assert!(!browser.fill(), "{what}: the connection ends");
        writer.join().unwrap();
    }
    // Nobody else paid for any of it.
    let (_, welcome) = Json::join(addr, "after");
    assert!(matches!(welcome, ServerMsg::Welcome { .. }));
}

#[test]
fn ten_thousand_requests_on_one_connection_get_one_answer() {
    let server = start_server();
    let addr = server.local_addr();
    let mut browser = Browser::connect(addr);
    let requests = format!("GET /coucou.css HTTP/1.1\r\nHost: {addr}\r\n\r\n").repeat(10_000);
    let writer = {
        let transport = browser.transport.clone();
        thread::Builder::new()
            .name("web-test-send".into())
            .spawn(move || transport.write_all(requests.as_bytes()).ok())
            .unwrap()
    };
    let (status, ..) = browser.response();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        !browser.fill(),
        "one answer, then the end: {:?}",
        browser.text()
    );
    assert!(browser.buf.is_empty());
    writer.join().unwrap();
}

#[test]
fn each_broken_websocket_rule_is_said_once_and_costs_that_page_only() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut witness, _) = Browser::join(addr, "witness");
    let text = |s: &str| frame(0x1, s.as_bytes(), true);
    let hundred_mb = {
        let mut f = vec![0x81, 0x80 | 127];
        f.extend_from_slice(&(100u64 << 20).to_be_bytes());
        f.extend_from_slice(&[1, 2, 3, 4]);
        f
    };
    let cases: [(&str, Vec<u8>, u16); 6] = [
        ("unmasked", frame(0x1, b"{\"type\":\"who\"}", false), 1002),
        ("a 100 MB frame", hundred_mb, 1009),
        (
            "a fragmented ping",
            {
                let mut f = frame(0x9, b"x", true);
                f[0] &= 0x7F;
                f
            },
            1002,
        ),
        ("binary", frame(0x2, b"{}", true), 1003),
        (
            "invalid UTF-8",
            frame(0x1, b"{\"type\":\"say\",\"text\":\"\xff\"}", true),
            1007,
        ),
        (
            "a reserved bit",
            {
                let mut f = text("{\"type\":\"who\"}");
                f[0] |= 0x40;
                f
            },
            1002,
        ),
    ];
    for (i, (what, bytes, code)) in cases.into_iter().enumerate() {
        let (mut page, _) = Browser::join(addr, &format!("page{i}"));
        page.send(&bytes);
        let rest = page.rest();
        let [
            ..,
            Got::Text(ServerMsg::Error {
                code: ErrorCode::Malformed,
                ..
            }),
            Got::Close(got),
        ] = rest.as_slice()
        else {
            panic!("{what}: {rest:?}");
        };
        assert_eq!(*got, code, "{what}");
        witness
            .expect(|m| matches!(m, ServerMsg::Leave { name, .. } if name == &format!("page{i}")));
    }
    // Before the hello too: a broken frame ends the connection without a name.
    let mut early = Browser::connect(addr).upgrade("http");
    early.send(&frame(0x2, b"x", true));
    assert_eq!(early.rest().last(), Some(&Got::Close(1003)));
    // And the witness still chats.
    witness.say(&ClientMsg::Say {
        text: "still here".into(),
        cid: None,
    });
    witness.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "still here"));
}

#[test]
fn a_browser_that_names_itself_with_markup_is_held_to_the_name_rules() {
    let server = start_server();
    let addr = server.local_addr();
    let mut page = Browser::connect(addr).upgrade("http");
    for name in [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "javascript:alert(1)",
    ] {
        page.say(&ClientMsg::Hello {
            version: 1,
            name: name.into(),
            device: None,
        });
        let refused = page.next();
        assert!(
            matches!(refused, ServerMsg::Error { .. }),
            "{name}: {refused:?}"
        );
    }
}

#[test]
fn a_room_with_a_password_takes_it_typed_into_the_page_over_https_only() {
    let server = start_server_with(ServerConfig {
        password: Some(coucou::protocol::password::RoomKey::new("s3cret").expect("a key")),
        password_delay: Duration::ZERO,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    // In clear, the page and its WebSocket are sent to https: the password never crosses in clear.
    for path in ["/", "/ws"] {
        let (status, head, _) = Browser::get(addr, path, "");
        assert_eq!(status, "HTTP/1.1 308 Permanent Redirect", "{path}");
        assert_eq!(
            header(&head, "Location"),
            Some(format!("https://{addr}{path}").as_str())
        );
    }
    // Over https the host asks for it as typed (an empty salt and message: no SPAKE2 for a page).
    let asked = |name: &str| {
        let mut page = Browser::connect_tls(addr).upgrade("https");
        page.say(&ClientMsg::Hello {
            version: 1,
            name: name.into(),
            device: None,
        });
        let ask = page.next();
        assert!(
            matches!(&ask, ServerMsg::Password { salt, msg } if salt.is_empty() && msg.is_empty()),
            "{ask:?}"
        );
        page
    };
    // A wrong one, or anything but a typed password: one refusal, and that page's end.
    for answer in [
        ClientMsg::TypedPassword {
            text: "s3cre".into(),
        },
        ClientMsg::Password {
            msg: "00".into(),
            proof: "00".into(),
        },
        ClientMsg::Say {
            text: "s3cret".into(),
            cid: None,
        },
    ] {
        let mut page = asked("phone");
        page.say(&answer);
        let rest = page.rest();
        assert!(
            matches!(
                rest.as_slice(),
                [
                    Got::Text(ServerMsg::Error {
                        code: ErrorCode::WrongPassword,
                        ..
                    }),
                    ..
                ]
            ),
            "{answer:?}: {rest:?}"
        );
    }
    let mut page = asked("tablette");
    page.say(&ClientMsg::TypedPassword {
        text: "s3cret".into(),
    });
    assert!(matches!(page.next(), ServerMsg::Verified { .. }));
    assert!(matches!(page.next(), ServerMsg::Welcome { you, .. } if you == "tablette"));
}

#[test]
fn a_moderator_kicks_a_browser_guest_and_a_ban_by_address_keeps_that_machine_out() {
    let server = start_server_with(ServerConfig {
        moderator_password: Some(
            coucou::protocol::password::RoomKey::new("craie-verte").expect("a key"),
        ),
        password_delay: Duration::from_millis(10),
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let phone_machine = std::net::IpAddr::from([127, 0, 0, 9]);
    let (mut teacher, _) =
        Json::connect_tls(addr, Some(test_identity().fingerprint())).expect("TLS");
    teacher.send(&ClientMsg::Hello {
        version: 1,
        name: "teacher".into(),
        device: None,
    });
    teacher.send(&ClientMsg::Oper {
        password: "craie-verte".into(),
    });
    teacher.expect(|m| matches!(m, ServerMsg::Moderator { .. }));

    let join = |name: &str| {
        let page = Browser::connect_tls_from(addr, phone_machine).upgrade("https");
        page.say(&ClientMsg::Hello {
            version: 1,
            name: name.into(),
            device: None,
        });
        page
    };
    let mut troll = join("troll");
    assert!(matches!(troll.next(), ServerMsg::Welcome { .. }));
    let kick = coucou::protocol::Command::Moderate(coucou::protocol::message::Moderate {
        name: Some("troll".into()),
        reason: Some("spam".into()),
        ..coucou::protocol::message::Moderate::alone(coucou::protocol::message::Act::Kick)
    });
    teacher.send(&kick.to_client_msg());
    // The page is told why, then its connection ends.
    let rest = troll.rest();
    assert!(
        rest.iter().any(
            |g| matches!(g, Got::Text(ServerMsg::Error { message, .. }) if message.contains("spam"))
        ),
        "{rest:?}"
    );
    let ban = coucou::protocol::Command::Moderate(coucou::protocol::message::Moderate {
        name: Some(phone_machine.to_string()),
        ..coucou::protocol::message::Moderate::alone(coucou::protocol::message::Act::Ban)
    });
    teacher.send(&ban.to_client_msg());
    teacher.expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains("127.0.0.9")));
    // Under another name, from the same machine: out.
    let mut again = join("gentle");
    assert!(
        matches!(
            again.next(),
            ServerMsg::Error {
                code: ErrorCode::Banned,
                ..
            }
        ),
        "banned"
    );
}

#[test]
fn the_page_downloads_a_file_by_its_ticket_a_picture_inline_the_rest_as_an_attachment() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = start_server_with(crate::common::with_files(dir.path()));
    let addr = server.local_addr();
    let (mut app, _) = Json::join(addr, "app");
    let mut tickets = Vec::new();
    for (name, data) in [
        ("tableau.PNG", &b"\x89PNG not really"[..]),
        ("plan été.html", &b"<script>alert(1)</script>"[..]),
    ] {
        let file = crate::common::share_file(&mut app, addr, name, data);
        app.send(&ClientMsg::Fetch { file, label: None });
        match app.expect(|m| matches!(m, ServerMsg::Ticket { .. })) {
            ServerMsg::Ticket { token, .. } => tickets.push((token, data)),
            _ => unreachable!(),
        }
    }
    let (status, head, body) = Browser::get(addr, &format!("/file/{}", tickets[0].0), "");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(header(&head, "Content-Type"), Some("image/png"));
    assert_eq!(
        header(&head, "Content-Disposition"),
        Some("inline; filename*=UTF-8''tableau.PNG")
    );
    assert_eq!(
        header(&head, "Content-Security-Policy"),
        Some("default-src 'none'; sandbox")
    );
    assert_eq!(header(&head, "X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(body, tickets[0].1);
    // Markup in a file is never served as a page: saved, not shown; its name encoded.
    let (status, head, body) = Browser::get(addr, &format!("/file/{}", tickets[1].0), "");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        header(&head, "Content-Type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        header(&head, "Content-Disposition"),
        Some("attachment; filename*=UTF-8''plan%20%C3%A9t%C3%A9.html")
    );
    assert_eq!(body, tickets[1].1);
    // A forged or altered token, or a path that isn't one: one refusal.
    let forged = altered(&tickets[0].0);
    for path in [
        format!("/file/{forged}"),
        "/file/1.d.1.00".into(),
        "/file/..%2f..".into(),
    ] {
        let (status, _, body) = Browser::get(addr, &path, "");
        assert_eq!(status, "HTTP/1.1 404 Not Found", "{path}");
        assert!(!body.is_empty(), "{path}");
    }
}

#[test]
fn typing_and_leaving_a_named_room_reach_the_page_as_frames() {
    let server = start_server();
    server.make_room("Projet X").expect("a room");
    let addr = server.local_addr();
    let (mut page, _) = Browser::join(addr, "phone");
    let (mut app, _) = Json::join(addr, "app");
    app.send(&ClientMsg::Typing { active: true });
    page.expect(|m| matches!(m, ServerMsg::Typing { name, active: true } if name == "app"));
    let text = |json: &str| frame(0x1, json.as_bytes(), true);
    page.send(&text(r#"{"type":"join_room","room":"Projet X"}"#));
    page.expect(|m| matches!(m, ServerMsg::Welcome { room, .. } if room == "Projet X"));
    page.send(&text(r#"{"type":"part_room","room":"Projet X"}"#));
    page.expect(|m| matches!(m, ServerMsg::Parted {}));
    // Still in step: the next frame reads as well.
    app.send(&ClientMsg::Say {
        text: "after".into(),
        cid: None,
    });
    page.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "after"));
}

/// `page` offers `data` as `name` to the room: the upload token.
fn page_offers(page: &mut Browser, name: &str, data: &[u8]) -> String {
    page.say(&crate::common::offer_of(name, data, None));
    match page.expect(|m| matches!(m, ServerMsg::Ready { .. } | ServerMsg::Error { .. })) {
        ServerMsg::Ready { token, .. } => token,
        other => panic!("{other:?}"),
    }
}

impl Browser {
    /// `PUT /file/TOKEN` from this host's own page, `headers` (each line with its CRLF) after
    /// `Host` and `Origin`, then `body`, the head and the body's first bytes in one write (as a
    /// browser sends them).
    fn put(mut self, token: &str, headers: &str, body: &[u8]) -> (String, String, Vec<u8>) {
        let host = self.host.clone();
        let scheme = if self.transport.is_tls() {
            "https"
        } else {
            "http"
        };
        let mut request = format!(
            "PUT /file/{token} HTTP/1.1\r\nHost: {host}\r\nOrigin: {scheme}://{host}\r\n{headers}\r\n"
        )
        .into_bytes();
        let first = body.len().min(1000);
        request.extend_from_slice(&body[..first]);
        self.send(&request);
        // The rest apart: the host reads the body across its reads.
        if first < body.len() {
            self.transport.write_all(&body[first..]).ok();
        }
        self.response()
    }
}

#[test]
fn the_page_sends_a_file_with_put_its_token_and_the_room_gets_it_whole() {
    for tls in [false, true] {
        let dir = tempfile::tempdir().expect("a temp folder");
        let server = start_server_with(crate::common::with_files(dir.path()));
        let addr = server.local_addr();
        let connect = || {
            if tls {
                Browser::connect_tls(addr)
            } else {
                Browser::connect(addr)
            }
        };
        let (mut app, _) = Json::join(addr, "app");
        let mut page = connect().upgrade(if tls { "https" } else { "http" });
        page.say(&ClientMsg::Hello {
            version: 1,
            name: "phone".into(),
            device: None,
        });
        page.expect(|m| matches!(m, ServerMsg::Welcome { .. }));
        let data: Vec<u8> = (0..700_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let token = page_offers(&mut page, "photo été.jpg", &data);
        // An upload cut off (here, of other bytes) leaves nothing announced: the page sends the
        // whole file again, from its first byte, whatever the host kept of the other.
        let (mut cut, answer) = crate::common::file_connection(
            addr,
            &ClientMsg::Upload {
                token: token.clone(),
            },
        );
        assert!(
            matches!(answer, ServerMsg::Transfer { offset: 0, .. }),
            "{answer:?}"
        );
        cut.get_ref().write_all(&[0xAA; 300_000]).expect("bytes");
        cut.get_ref()
            .shutdown(std::net::Shutdown::Write)
            .expect("the end");
        // The host keeps them and lets the file go: it ends the connection, saying nothing.
        let mut rest = Vec::new();
        cut.read_to_end(&mut rest).expect("the end");
        assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
        let length = format!("Content-Length: {}\r\n", data.len());
        let (status, head, body) = connect().put(&token, &length, &data);
        assert_eq!(status, "HTTP/1.1 200 OK", "tls {tls}: {head}");
        assert_eq!(header(&head, "Content-Type"), Some("application/json"));
        let stored = message::decode_server(&body).expect("a JSON answer");
        assert!(matches!(stored, ServerMsg::Stored { .. }), "{stored:?}");
        let offer = match app.expect(|m| matches!(m, ServerMsg::File(_))) {
            ServerMsg::File(offer) => offer,
            _ => unreachable!(),
        };
        assert_eq!((offer.from.as_str(), offer.size), ("phone", 700_000));
        assert_eq!(offer.name, "photo été.jpg");
        page.expect(|m| matches!(m, ServerMsg::File(f) if f.file == offer.file));
        // The bytes the room keeps are the page's, and the first cut try left nothing of its own.
        app.send(&ClientMsg::Fetch {
            file: offer.file,
            label: None,
        });
        let ticket = match app.expect(|m| matches!(m, ServerMsg::Ticket { .. })) {
            ServerMsg::Ticket { token, .. } => token,
            _ => unreachable!(),
        };
        let mut down = connect();
        let host = down.host.clone();
        down.send(format!("GET /file/{ticket} HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes());
        let (status, _, got) = down.response();
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(got == data, "tls {tls}: the bytes differ");
    }
}

#[test]
fn each_bad_upload_gets_one_refusal_and_nothing_reaches_the_room() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = start_server_with(crate::common::with_files(dir.path()));
    let addr = server.local_addr();
    let (mut app, _) = Json::join(addr, "app");
    let (mut page, _) = Browser::join(addr, "phone");
    let data = b"the real bytes of a real file".to_vec();
    let length = format!("Content-Length: {}\r\n", data.len());
    let token = page_offers(&mut page, "notes.txt", &data);
    let refused = |token: &str, headers: &str, body: &[u8], wanted: &str| {
        let (status, head, words) = Browser::connect(addr).put(token, headers, body);
        assert_eq!(status, wanted, "{headers:?}: {head}");
        assert!(!words.is_empty(), "{headers:?}: a refusal says why");
        assert_eq!(
            header(&head, "Content-Type"),
            Some("text/plain; charset=utf-8")
        );
    };
    // No length, a length twice, chunks, a length that is not a number: the body can't be read
    // one way only.
    refused(&token, "", &data, "HTTP/1.1 411 Length Required");
    let twice = format!("{length}{length}");
    refused(&token, &twice, &data, "HTTP/1.1 400 Bad Request");
    let chunked = format!("{length}Transfer-Encoding: chunked\r\n");
    refused(&token, &chunked, &data, "HTTP/1.1 400 Bad Request");
    refused(
        &token,
        "Content-Length: -5\r\n",
        &data,
        "HTTP/1.1 400 Bad Request",
    );
    refused(
        &token,
        "Content-Length: 99999999999999999999\r\n",
        &data,
        "HTTP/1.1 400 Bad Request",
    );
    // A forged token, a download's token, no token.
    let forged = altered(&token);
    refused(&forged, &length, &data, "HTTP/1.1 404 Not Found");
    refused("1.d.1.00", &length, &data, "HTTP/1.1 404 Not Found");
    // Another site's page can't send files in a person's name.
    let mut other = Browser::connect(addr);
    let host = other.host.clone();
    other.send(
        format!(
            "PUT /file/{token} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://evil.example\r\n{length}\r\n"
        )
        .as_bytes(),
    );
    assert_eq!(other.response().0, "HTTP/1.1 403 Forbidden");
    // PUT anywhere else.
    let mut elsewhere = Browser::connect(addr);
    elsewhere.send(format!("PUT / HTTP/1.1\r\nHost: {host}\r\n{length}\r\n").as_bytes());
    let (status, head, _) = elsewhere.response();
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(header(&head, "Allow"), Some("GET, PUT"));
    // Bytes that are not the ones offered: refused at the end, nothing kept, the offer gone.
    let mut forged_bytes = data.clone();
    forged_bytes[3] ^= 1;
    refused(&token, &length, &forged_bytes, "HTTP/1.1 400 Bad Request");
    refused(&token, &length, &data, "HTTP/1.1 404 Not Found");
    // A body that is not the size offered: refused before a byte is kept.
    let token = page_offers(&mut page, "notes.txt", &data);
    let short = format!("Content-Length: {}\r\n", data.len() - 1);
    refused(&token, &short, &data[1..], "HTTP/1.1 400 Bad Request");
    refused(&token, &length, &data, "HTTP/1.1 404 Not Found");
    // Nothing reached the room: the next thing the app sees is the page's word after all that.
    page.say(&ClientMsg::Say {
        text: "after the bad uploads".into(),
        cid: None,
    });
    let next = app.expect(|m| matches!(m, ServerMsg::Message(_) | ServerMsg::File(_)));
    assert!(
        matches!(&next, ServerMsg::Message(c) if c.text == "after the bad uploads"),
        "{next:?}"
    );
    // And the files folder holds no stray bytes.
    let kept: Vec<_> = std::fs::read_dir(dir.path().join("files"))
        .expect("the files folder")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| n != "next-id")
        .collect();
    assert!(kept.is_empty(), "{kept:?}");
}

#[test]
fn a_browser_loading_the_page_on_many_connections_at_once_gets_every_file() {
    let server = start_server();
    let addr = server.local_addr();
    // A browser opens up to six connections to a host at once, all waiting together while their
    // TLS handshakes and requests come (slowly, on a busy phone): the default waiting line of an
    // address holds them all.
    let paths = [
        "/",
        "/coucou.css",
        "/coucou.js",
        "/sha256.js",
        "/icon.png",
        "/room.json",
    ];
    let mut waiting: Vec<Browser> = paths.iter().map(|_| Browser::connect(addr)).collect();
    // And it closes each a little after its answer: the answered ones, still open, must not hold
    // the address's waiting line either.
    for (browser, path) in waiting.iter_mut().zip(paths) {
        let host = browser.host.clone();
        browser.send(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes());
        let (status, head, _) = browser.response();
        assert_eq!(status, "HTTP/1.1 200 OK", "{path}: {head}");
    }
    let mut open = waiting;
    for path in paths {
        let mut browser = Browser::connect(addr);
        let host = browser.host.clone();
        browser.send(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes());
        let (status, head, _) = browser.response();
        assert_eq!(status, "HTTP/1.1 200 OK", "{path}, again: {head}");
        open.push(browser);
    }
    // And the page's WebSocket joins beside them.
    let (_page, welcome) = Browser::join(addr, "phone");
    assert!(matches!(welcome, ServerMsg::Welcome { .. }));
}
