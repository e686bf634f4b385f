//! The room's web page, on the room's own port: a first line `GET … HTTP/1.1` gets the page (HTML,
//! CSS and JavaScript compiled into the binary); at `/ws`, a WebSocket that speaks the JSON
//! dialect, one message per text frame; at `/file/TOKEN`, a file of the room's by its download
//! ticket. One request per connection, under the handshake's deadline and waiting line like every
//! other first line.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use log::debug;

use super::room::SessionId;
use super::shared::Shared;
use crate::connection::{FrameReader, ReadTimeout};
use crate::i18n::Lang;
use crate::protocol::http::{self, Refusal, Request};
use crate::protocol::websocket::{self, Close};
use crate::protocol::{ErrorCode, MAX_JSON_LINE_BYTES, ServerMsg};
use crate::tls::Transport;

/// What every answer says to the browser: scripts only from the page's own files (no inline
/// script, no `eval`), connections only back to this host, never in a frame, no referrer.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-cache"),
];

/// One file of the page.
struct Asset {
    path: &'static str,
    kind: &'static str,
    body: &'static [u8],
}

/// The whole page: nothing else is served, so no path (`..`, `%2e%2e`, NUL) reaches a file.
const PAGE: [Asset; 5] = [
    Asset {
        path: "/",
        kind: "text/html; charset=utf-8",
        body: include_bytes!("../../assets/web/index.html"),
    },
    Asset {
        path: "/coucou.css",
        kind: "text/css; charset=utf-8",
        body: include_bytes!("../../assets/web/coucou.css"),
    },
    Asset {
        path: "/coucou.js",
        kind: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/web/coucou.js"),
    },
    Asset {
        path: "/sha256.js",
        kind: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/web/sha256.js"),
    },
    Asset {
        path: "/icon.png",
        kind: "image/png",
        body: include_bytes!("../../assets/icon.png"),
    },
];

/// How many bytes the page is, HTML, CSS, JavaScript and icon.
pub fn page_bytes() -> usize {
    PAGE.iter().map(|a| a.body.len()).sum()
}

/// What a request gets.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// One of the page's files: its type and its bytes.
    File(&'static str, &'static [u8]),
    /// `101 Switching Protocols`, with the accept key.
    Upgrade(String),
    /// The same page over https (an "Encrypted only" room asked for in clear).
    Https(String),
    /// A file of the room's, with a download ticket's token (`GET /file/TOKEN`).
    Download(String),
    /// A file for the room, with an offer's upload token (`PUT /file/TOKEN`), its body of this
    /// many bytes.
    Upload(String, u64),
    /// What the page shows of the room (`/room.json`): its code, over TLS.
    Room,
    /// A refusal: its status, reason and the key of the words that say why.
    Refuse(u16, &'static str, &'static str),
}

/// What a request for `request` gets from a room reached over TLS or not (`tls`), which takes only
/// encrypted connections or not.
fn route(request: &Request, tls: bool, encrypted_only: bool) -> Answer {
    let put = request.method == "PUT";
    if request.method != "GET" && !put {
        return Answer::Refuse(405, "Method Not Allowed", "web-method");
    }
    let Some(host) = request.header("host").filter(|h| is_host(h)) else {
        return Answer::Refuse(400, "Bad Request", "web-bad-request");
    };
    if encrypted_only && !tls {
        return Answer::Https(format!("https://{host}{}", request.path));
    }
    if request.path == "/ws" && !put {
        return upgrade(request, host, tls);
    }
    if let Some(token) = request.path.strip_prefix("/file/") {
        // A ticket's token: `file.grant.holder.signature`, digits, letters and dots.
        let fits = !token.is_empty()
            && token.len() <= 160
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.');
        return match (fits, put) {
            (false, _) => Answer::Refuse(404, "Not Found", "web-not-found"),
            (true, false) => Answer::Download(token.to_owned()),
            (true, true) => upload(request, host, tls, token),
        };
    }
    if put {
        return Answer::Refuse(405, "Method Not Allowed", "web-method");
    }
    if request.path == "/room.json" {
        return Answer::Room;
    }
    match PAGE.iter().find(|a| a.path == request.path) {
        Some(asset) => Answer::File(asset.kind, asset.body),
        None => Answer::Refuse(404, "Not Found", "web-not-found"),
    }
}

/// The WebSocket's opening handshake (RFC 6455 §4.2.1), from a page of this host only.
fn upgrade(request: &Request, host: &str, tls: bool) -> Answer {
    if !request.lists("upgrade", "websocket") || !request.lists("connection", "upgrade") {
        return Answer::Refuse(426, "Upgrade Required", "web-bad-request");
    }
    if request.header("sec-websocket-version") != Some("13") {
        return Answer::Refuse(426, "Upgrade Required", "web-websocket-version");
    }
    // A browser always says which page opens a WebSocket: only this host's own may drive a
    // person's session. (A program that sends no Origin could as well speak JSON lines.)
    if !same_origin(request, host, tls) {
        return Answer::Refuse(403, "Forbidden", "web-origin");
    }
    match request
        .header("sec-websocket-key")
        .and_then(websocket::accept_key)
    {
        Some(accept) => Answer::Upgrade(accept),
        None => Answer::Refuse(400, "Bad Request", "web-websocket-key"),
    }
}

/// An upload from the page: from this host's own page (a browser says which page sends it), the
/// whole file as a body of a length said once, in plain bytes (no chunks: a length that can be
/// read two ways is how requests are smuggled).
fn upload(request: &Request, host: &str, tls: bool, token: &str) -> Answer {
    if !same_origin(request, host, tls) {
        return Answer::Refuse(403, "Forbidden", "web-origin");
    }
    let has = |name: &str| request.headers.iter().any(|(n, _)| n == name);
    if has("transfer-encoding") {
        return Answer::Refuse(400, "Bad Request", "web-bad-request");
    }
    // `header` has no value for a header sent twice.
    let length = request
        .header("content-length")
        .filter(|v| (1..=19).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok());
    match length {
        Some(length) => Answer::Upload(token.to_owned(), length),
        None if !has("content-length") => Answer::Refuse(411, "Length Required", "web-length"),
        None => Answer::Refuse(400, "Bad Request", "web-bad-request"),
    }
}

/// True when the request says no page sent it, or this host's own page (`http://HOST` in clear,
/// `https://HOST` over TLS).
fn same_origin(request: &Request, host: &str, tls: bool) -> bool {
    let scheme = if tls { "https" } else { "http" };
    match request.header("origin") {
        Some(origin) => origin.eq_ignore_ascii_case(&format!("{scheme}://{host}")),
        // Absent, or sent twice.
        None => !request.headers.iter().any(|(n, _)| n == "origin"),
    }
}

/// A `Host` header's value as this room can be named: a name, an IPv4 or a bracketed IPv6
/// address, and a port.
fn is_host(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 255
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]%".contains(&b))
}

/// How a request ended.
pub(super) enum Served {
    /// The stream ended before a whole request: nothing to answer.
    Done,
    /// The whole answer to send, after which the connection ends: the session sends it out of
    /// the waiting line (a browser keeps an answered connection open a little while, and opens
    /// several at once).
    Answer(Vec<u8>),
    /// A WebSocket: the JSON dialect's hello comes next, in a text frame.
    Upgraded,
    /// A download for the page, with this token: the session serves it as a file connection.
    Download(String),
    /// An upload from the page, with this token and a body of this many bytes: the session
    /// receives it as a file connection.
    Upload(String, u64),
}

/// Reads an HTTP request whose first line was `first_line`, its head by `deadline`: the WebSocket
/// handshake is sent at once; a page file or one refusal is returned to send.
pub(super) fn serve(
    shared: &Shared,
    session: SessionId,
    reader: &mut FrameReader<Transport>,
    first_line: &[u8],
    deadline: Instant,
) -> io::Result<Served> {
    let lang = shared.config.lang;
    let transport = reader.get_ref().clone();
    let refuse =
        |status, reason, key| Ok(Served::Answer(refusal_bytes(status, reason, &lang.tr(key))));
    let head = match reader.next_head_before(deadline) {
        Ok(Some(head)) => head,
        Ok(None) => return Ok(Served::Done),
        Err(err) if crate::is_timeout(&err) => {
            return refuse(408, "Request Timeout", "web-too-slow");
        }
        Err(err) => return Err(err),
    };
    let request = match Request::parse(first_line, &head) {
        Ok(request) => request,
        Err(Refusal::TooLarge) => {
            return refuse(431, "Request Header Fields Too Large", "web-too-large");
        }
        Err(Refusal::BadRequest) => return refuse(400, "Bad Request", "web-bad-request"),
    };
    // A room with a password too: its password is typed into the page, over https only.
    let encrypted_only = shared.config.require_tls || shared.config.password.is_some();
    let answer = route(&request, transport.is_tls(), encrypted_only);
    debug!(
        "#{session}: {} {:?}: {}",
        request.method,
        request.path,
        answer.status()
    );
    match answer {
        Answer::File(kind, body) => Ok(Served::Answer(ok_answer(kind, body))),
        Answer::Upgrade(accept) => {
            let headers = [
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Accept", accept.as_str()),
            ];
            transport.socket().set_write_timeout(Some(WRITE_TIMEOUT))?;
            transport.write_all(&http::response_head(
                101,
                "Switching Protocols",
                &headers,
                0,
            ))?;
            reader.speak_websocket(MAX_JSON_LINE_BYTES);
            Ok(Served::Upgraded)
        }
        Answer::Https(location) => {
            let mut headers = vec![("Location", location.as_str())];
            headers.extend_from_slice(&SECURITY_HEADERS);
            let bytes = http::response_head(308, "Permanent Redirect", &headers, 0);
            Ok(Served::Answer(bytes))
        }
        Answer::Download(token) => Ok(Served::Download(token)),
        Answer::Upload(token, length) => Ok(Served::Upload(token, length)),
        Answer::Room => {
            // The code says which certificate this connection was made with: only over TLS.
            let code = shared
                .config
                .room_code
                .as_ref()
                .filter(|_| transport.is_tls());
            let room = serde_json::json!({ "code": code });
            Ok(Served::Answer(json_answer(room.to_string().as_bytes())))
        }
        Answer::Refuse(status, reason, key) => refuse(status, reason, key),
    }
}

impl Answer {
    /// The status, for the log.
    fn status(&self) -> u16 {
        match self {
            Self::File(..) => 200,
            Self::Upgrade(_) => 101,
            Self::Https(_) => 308,
            Self::Download(_) | Self::Upload(..) | Self::Room => 200,
            Self::Refuse(status, ..) => *status,
        }
    }
}

/// A refusal's whole answer: its status, and `words` as plain text.
pub(super) fn refusal_bytes(status: u16, reason: &str, words: &str) -> Vec<u8> {
    let words = format!("{words}\n");
    let mut headers = vec![("Content-Type", "text/plain; charset=utf-8")];
    headers.extend_from_slice(&SECURITY_HEADERS);
    if status == 426 {
        headers.push(("Sec-WebSocket-Version", "13"));
    }
    if status == 405 {
        headers.push(("Allow", "GET, PUT"));
    }
    let mut bytes = http::response_head(status, reason, &headers, words.len());
    bytes.extend_from_slice(words.as_bytes());
    bytes
}

/// A whole `200 OK` answer with a JSON message as its body (`json`, one line).
pub(super) fn json_answer(json: &[u8]) -> Vec<u8> {
    ok_answer("application/json", json)
}

/// A whole `200 OK` answer: `body` of type `kind`, with the security headers.
fn ok_answer(kind: &str, body: &[u8]) -> Vec<u8> {
    let mut headers = vec![("Content-Type", kind)];
    headers.extend_from_slice(&SECURITY_HEADERS);
    let mut bytes = http::response_head(200, "OK", &headers, body.len());
    bytes.extend_from_slice(body);
    bytes
}

/// The head of a file sent to the page: a picture (PNG, JPEG, GIF, WebP, by its name) as
/// itself, anything else as an attachment to save, never shown; never sniffed, never run
/// (`sandbox`: a picture opened alone can't script).
pub(super) fn file_head(name: &str, size: u64) -> Vec<u8> {
    let lower = name.to_lowercase();
    let kind = [
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
        (".gif", "image/gif"),
        (".webp", "image/webp"),
    ]
    .iter()
    .find(|(ext, _)| lower.ends_with(ext))
    .map(|(_, kind)| *kind);
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if kind.is_some() {
            "inline"
        } else {
            "attachment"
        },
        percent_encoded(name)
    );
    let size = size.to_string();
    let headers = [
        ("Content-Type", kind.unwrap_or("application/octet-stream")),
        ("Content-Disposition", disposition.as_str()),
        ("Content-Length", size.as_str()),
        ("Content-Security-Policy", "default-src 'none'; sandbox"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "private, no-cache"),
        ("Connection", "close"),
    ];
    http::response_head(200, "OK", &headers, usize::MAX)
}

/// `name` as RFC 8187 writes a header's UTF-8 value: every byte but letters, digits and
/// `-._~` as `%XX`.
fn percent_encoded(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// How long writing an answer may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Sends a whole answer, then ends the connection.
pub(super) fn answer_and_end(transport: &Transport, bytes: &[u8]) -> io::Result<()> {
    transport.socket().set_write_timeout(Some(WRITE_TIMEOUT))?;
    transport.write_all(bytes)?;
    end(transport);
    Ok(())
}

/// How long, and how many bytes, an answered connection is still read (and dropped) after the
/// answer: closing a socket with unread bytes resets it, and the reset can overtake the answer.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;

/// Ends an answered connection: this side closed, then what the browser still sends read and
/// dropped until it closes too, for at most [`LINGER`] and [`LINGER_BYTES`].
fn end(transport: &Transport) {
    transport.close_write();
    let deadline = Instant::now() + LINGER;
    let mut source = transport.clone();
    let mut buf = [0u8; 4096];
    let mut left = LINGER_BYTES;
    while left > 0 {
        let wait = deadline.saturating_duration_since(Instant::now());
        if wait.is_zero() || source.set_read_timeout(Some(wait)).is_err() {
            break;
        }
        match source.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

/// What ends a WebSocket: for a broken rule, one error saying which (in `lang`), then the close
/// frame with its code; for a close asked for, the close frame that answers it.
pub(super) fn goodbye(close: Close, lang: Lang) -> Vec<u8> {
    let mut bytes = Vec::new();
    if close != Close::Normal {
        let msg = ServerMsg::error(ErrorCode::Malformed, lang.tr(close.words_key()));
        bytes = websocket::text_frame(&msg.to_json_line());
    }
    bytes.extend(websocket::close_frame(close));
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, path: &str, headers: &str) -> Request {
        Request::parse(
            format!("{method} {path} HTTP/1.1").as_bytes(),
            headers.as_bytes(),
        )
        .unwrap()
    }

    const UPGRADE: &str = "Host: 10.0.0.2:4444\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                           Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

    #[test]
    fn only_the_pages_own_files_are_served_whatever_the_path_says() {
        let host = "Host: 10.0.0.2:4444\r\n";
        assert!(matches!(
            route(&request("GET", "/", host), false, false),
            Answer::File(..)
        ));
        assert!(matches!(
            route(&request("GET", "/coucou.js?v=1", host), false, false),
            Answer::File("text/javascript; charset=utf-8", _)
        ));
        for path in [
            "/../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/coucou.js/..",
            "//",
            "/index.html%00",
        ] {
            assert_eq!(
                route(&request("GET", path, host), false, false),
                Answer::Refuse(404, "Not Found", "web-not-found"),
                "{path}"
            );
        }
        assert_eq!(
            route(&request("POST", "/", host), false, false).status(),
            405
        );
        assert_eq!(route(&request("GET", "/", ""), false, false).status(), 400);
        assert_eq!(
            route(&request("GET", "/", "Host: <script>\r\n"), false, false).status(),
            400
        );
    }

    #[test]
    fn a_file_is_asked_by_a_tickets_token_and_nothing_else() {
        let host = "Host: 10.0.0.2:4444\r\n";
        let get = |path: &str, tls, encrypted_only| {
            route(&request("GET", path, host), tls, encrypted_only)
        };
        assert_eq!(
            get("/file/7.d.3.0a1b", false, false),
            Answer::Download("7.d.3.0a1b".into())
        );
        for path in [
            "/file/",
            "/file/7/../x",
            "/file/%2e%2e",
            &format!("/file/{}", "1".repeat(161)),
        ] {
            assert_eq!(get(path, false, false).status(), 404, "{path}");
        }
        // In clear, an encrypted-only room's files are at https:// too.
        assert_eq!(get("/file/7.d.3.0a1b", false, true).status(), 308);
    }

    #[test]
    fn a_file_is_sent_with_put_its_length_once_from_this_hosts_page_only() {
        let put = |path: &str, headers: &str, tls| {
            let headers = format!("Host: 10.0.0.2:4444\r\n{headers}");
            route(&request("PUT", path, &headers), tls, false)
        };
        assert_eq!(
            put("/file/7.u.3.0a1b", "Content-Length: 12\r\n", false),
            Answer::Upload("7.u.3.0a1b".into(), 12)
        );
        let origin = "Origin: https://10.0.0.2:4444\r\nContent-Length: 12\r\n";
        assert_eq!(
            put("/file/7.u.3.0a1b", origin, true),
            Answer::Upload("7.u.3.0a1b".into(), 12)
        );
        for (headers, status) in [
            ("", 411),
            ("Content-Length: 12\r\nContent-Length: 12\r\n", 400),
            ("Content-Length: 12\r\nTransfer-Encoding: chunked\r\n", 400),
            ("Content-Length: +12\r\n", 400),
            ("Content-Length: 0x10\r\n", 400),
            ("Content-Length: 99999999999999999999\r\n", 400),
            // In clear, the https page is another site; and any other site is.
            (origin, 403),
            ("Origin: http://evil.example\r\nContent-Length: 12\r\n", 403),
            ("Origin: null\r\nContent-Length: 12\r\n", 403),
        ] {
            assert_eq!(
                put("/file/7.u.3.0a1b", headers, false).status(),
                status,
                "{headers:?}"
            );
        }
        for path in ["/", "/ws", "/coucou.js"] {
            assert_eq!(put(path, "Content-Length: 12\r\n", false).status(), 405);
        }
        assert_eq!(
            put("/file/a/b", "Content-Length: 12\r\n", false).status(),
            404
        );
    }

    #[test]
    fn a_picture_is_sent_as_itself_and_anything_else_as_an_attachment() {
        let head = String::from_utf8(file_head("Photo.JPEG", 12)).unwrap();
        assert!(head.contains("Content-Type: image/jpeg\r\n"), "{head}");
        assert!(head.contains("Content-Disposition: inline; filename*=UTF-8''Photo.JPEG\r\n"));
        assert!(head.contains("Content-Length: 12\r\n"));
        let head = String::from_utf8(file_head("a b.svg", 3)).unwrap();
        assert!(
            head.contains("Content-Type: application/octet-stream\r\n"),
            "{head}"
        );
        assert!(
            head.contains("attachment; filename*=UTF-8''a%20b.svg"),
            "{head}"
        );
        assert_eq!(head.matches("Content-Length").count(), 1);
    }

    #[test]
    fn an_encrypted_only_room_sends_a_clear_request_to_https() {
        let answer = route(&request("GET", "/", "Host: 10.0.0.2:4444\r\n"), false, true);
        assert_eq!(answer, Answer::Https("https://10.0.0.2:4444/".into()));
        assert!(matches!(
            route(&request("GET", "/", "Host: 10.0.0.2:4444\r\n"), true, true),
            Answer::File(..)
        ));
    }

    #[test]
    fn the_websocket_opens_only_for_this_hosts_page_with_a_good_key_and_version() {
        let upgrade = |extra: &str, tls| {
            route(
                &request("GET", "/ws", &format!("{UPGRADE}{extra}")),
                tls,
                false,
            )
        };
        assert_eq!(
            upgrade("Origin: http://10.0.0.2:4444\r\n", false),
            Answer::Upgrade("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".into())
        );
        assert_eq!(upgrade("", false).status(), 101);
        assert_eq!(
            upgrade("Origin: https://10.0.0.2:4444\r\n", true).status(),
            101
        );
        for origin in [
            "Origin: http://evil.example\r\n",
            "Origin: https://10.0.0.2:4444\r\n",
            "Origin: http://10.0.0.2:4444.evil.example\r\n",
            "Origin: null\r\n",
            "Origin: http://10.0.0.2:4444\r\nOrigin: http://evil.example\r\n",
        ] {
            assert_eq!(upgrade(origin, false).status(), 403, "{origin}");
        }
        let bad_key = UPGRADE.replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=");
        assert_eq!(
            route(&request("GET", "/ws", &bad_key), false, false).status(),
            400
        );
        let old = UPGRADE.replace("Version: 13", "Version: 8");
        assert_eq!(
            route(&request("GET", "/ws", &old), false, false).status(),
            426
        );
        let plain = UPGRADE.replace("Upgrade: websocket\r\n", "");
        assert_eq!(
            route(&request("GET", "/ws", &plain), false, false).status(),
            426
        );
    }

    #[test]
    fn a_broken_rule_is_said_once_then_closed_with_its_code() {
        let bytes = goodbye(Close::TooBig, Lang::En);
        assert_eq!(bytes[0], 0x81);
        assert!(bytes.ends_with(&[0x88, 0x02, 0x03, 0xf1]));
        assert_eq!(
            goodbye(Close::Normal, Lang::En),
            websocket::close_frame(Close::Normal)
        );
    }
}
