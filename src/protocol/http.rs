//! The little HTTP/1.1 the room's port speaks to a browser: telling a request line from a name,
//! reading a request's head within limits, and writing a response's head. Pure code, no sockets.
//!
//! One request per connection (every response says `Connection: close`), only `GET`, no body.

/// The most bytes of a request's head after its first line; more is refused (431).
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
/// The most header lines; more is refused (431).
pub const MAX_HEADERS: usize = 48;

/// The methods of HTTP/1.1 (RFC 9110 §9): a first line that starts with one and a space is a
/// browser's (or a tool's) request, never a name — names have no spaces.
const METHODS: [&[u8]; 9] = [
    b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"CONNECT", b"OPTIONS", b"TRACE", b"PATCH",
];

/// True when a first line starts as an HTTP request's (`GET / HTTP/1.1`, or a request cut short
/// by a NUL, which [`Request::parse`] then refuses).
pub fn is_request_line(line: &[u8]) -> bool {
    match line.iter().position(|&b| b == b' ') {
        Some(at) => METHODS.contains(&&line[..at]) && line.len() > at + 1,
        None => false,
    }
}

/// A request's head, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, or what else was asked (refused).
    pub method: String,
    /// The path asked for, without its query (`?…`).
    pub path: String,
    /// The headers, names in lower case, in order.
    pub headers: Vec<(String, String)>,
}

/// Why a request could not be read: the status to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 400: not HTTP as RFC 9112 writes it.
    BadRequest,
    /// 431: too many headers or too many bytes of them.
    TooLarge,
}

impl Request {
    /// Reads a request from its first line and the header lines after it (without the empty
    /// line that ends them; `\r\n` or `\n` line ends).
    pub fn parse(first_line: &[u8], head: &[u8]) -> Result<Self, Refusal> {
        if head.len() > MAX_HEAD_BYTES {
            return Err(Refusal::TooLarge);
        }
        let first = std::str::from_utf8(first_line).map_err(|_| Refusal::BadRequest)?;
        let mut parts = first.split(' ');
        let (Some(method), Some(target), Some("HTTP/1.1" | "HTTP/1.0"), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Refusal::BadRequest);
        };
        let path = target.split_once('?').map_or(target, |(path, _)| path);
        if !path.starts_with('/') || path.bytes().any(|b| b.is_ascii_control() || b == b'\\') {
            return Err(Refusal::BadRequest);
        }
        let head = std::str::from_utf8(head).map_err(|_| Refusal::BadRequest)?;
        let mut headers = Vec::new();
        for line in head.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            if headers.len() == MAX_HEADERS {
                return Err(Refusal::TooLarge);
            }
            let (name, value) = line.split_once(':').ok_or(Refusal::BadRequest)?;
            let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            // A folded line (starting with a space) or a name with spaces is no header (RFC 9112
            // §5.1-2: refused, not guessed at).
            if name.is_empty() || !name.bytes().all(token) {
                return Err(Refusal::BadRequest);
            }
            if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
                return Err(Refusal::BadRequest);
            }
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        Ok(Self {
            method: method.to_owned(),
            path: path.to_owned(),
            headers,
        })
    }

    /// The value of the one header called `name` (lower case); `None` when absent or sent twice.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut found = self.headers.iter().filter(|(n, _)| n == name);
        match (found.next(), found.next()) {
            (Some((_, value)), None) => Some(value),
            _ => None,
        }
    }

    /// True when the header `name` lists `token` (comma-separated, any case).
    pub fn lists(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

/// A response's head: the status line, `headers`, and the length of the body that follows
/// (`usize::MAX`: the headers say it themselves).
pub fn response_head(status: u16, reason: &str, headers: &[(&str, &str)], body: usize) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    if status != 101 && body != usize::MAX {
        out.push_str(&format!("Content-Length: {body}\r\nConnection: close\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_line_is_never_a_name() {
        assert!(is_request_line(b"GET / HTTP/1.1"));
        assert!(is_request_line(b"POST /x HTTP/1.0"));
        // Cut short (by a NUL): still a request, refused as one.
        assert!(is_request_line(b"GET /coucou.js"));
        for not in [
            &b"alice"[..],
            b"GET",
            b"GET ",
            b"get / HTTP/1.1",
            b"JOHN SMITH",
            b"{\"type\":\"hello\"}",
        ] {
            assert!(!is_request_line(not), "{}", String::from_utf8_lossy(not));
        }
    }

    #[test]
    fn headers_are_read_by_lower_case_name_and_the_query_left_out() {
        let request = Request::parse(
            b"GET /ws?lang=fr HTTP/1.1",
            b"Host: 127.0.0.1:4444\r\nConnection: keep-alive, Upgrade\r\nUpgrade:  websocket \r\n",
        )
        .unwrap();
        assert_eq!(request.path, "/ws");
        assert_eq!(request.header("host"), Some("127.0.0.1:4444"));
        assert_eq!(request.header("upgrade"), Some("websocket"));
        assert!(request.lists("connection", "upgrade"));
        assert!(!request.lists("connection", "close"));
    }

    #[test]
    fn a_malformed_or_too_large_head_is_refused_with_its_status() {
        let bad = |first: &[u8], head: &[u8]| Request::parse(first, head).err();
        assert_eq!(
            bad(b"GET / HTTP/1.1", b" folded: x\r\n"),
            Some(Refusal::BadRequest)
        );
        assert_eq!(
            bad(b"GET / HTTP/1.1", b"no colon\r\n"),
            Some(Refusal::BadRequest)
        );
        assert_eq!(
            bad(b"GET / HTTP/1.1", b"A: b\x00c\r\n"),
            Some(Refusal::BadRequest)
        );
        assert_eq!(
            bad(b"GET / HTTP/1.1", b"A: \xff\r\n"),
            Some(Refusal::BadRequest)
        );
        assert_eq!(bad(b"GET x HTTP/1.1", b""), Some(Refusal::BadRequest));
        assert_eq!(bad(b"GET /coucou.js", b""), Some(Refusal::BadRequest));
        assert_eq!(bad(b"GET / HTTP/2", b""), Some(Refusal::BadRequest));
        assert_eq!(bad(b"GET / HTTP/1.1 x", b""), Some(Refusal::BadRequest));
        assert_eq!(bad(b"GET /a\x00b HTTP/1.1", b""), Some(Refusal::BadRequest));
        assert_eq!(bad(b"GET /a\\b HTTP/1.1", b""), Some(Refusal::BadRequest));
        let many = "X-A: 1\r\n".repeat(MAX_HEADERS + 1);
        assert_eq!(
            bad(b"GET / HTTP/1.1", many.as_bytes()),
            Some(Refusal::TooLarge)
        );
        let long = format!("X-A: {}\r\n", "a".repeat(MAX_HEAD_BYTES));
        assert_eq!(
            bad(b"GET / HTTP/1.1", long.as_bytes()),
            Some(Refusal::TooLarge)
        );
        // A header sent twice is no answer.
        let twice = Request::parse(b"GET / HTTP/1.1", b"Origin: a\r\nOrigin: b\r\n").unwrap();
        assert_eq!(twice.header("origin"), None);
    }

    #[test]
    fn a_response_head_says_its_length_and_closes() {
        let head = response_head(404, "Not Found", &[("Content-Type", "text/plain")], 9);
        assert_eq!(
            head,
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\
              Connection: close\r\n\r\n"
        );
    }
}
