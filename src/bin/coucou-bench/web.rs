//! A benchmark client's connection, in clear or over TLS; and as the web page's: the JSON dialect
//! over a WebSocket (issue #29), its text frames read as lines, its lines sent as masked text
//! frames — so that the rest of the benchmark reads and writes it as it does a JSON client's.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use coucou::connection::SharedSocket;
use coucou::protocol::websocket;
use coucou::tls::{self, PinVerifier, Transport};

use super::{Args, connect_tcp};

/// A client's connection: in clear, or over TLS with `--tls`; a WebSocket when `web`.
pub fn connect(args: &Args, web: bool) -> std::io::Result<Conn> {
    let transport = transport(args)?;
    if web {
        Conn::websocket(transport, &format!("{}:{}", args.host, args.port))
    } else {
        Ok(Conn::bytes(transport))
    }
}

/// A client's bytes: in clear, or over TLS with `--tls`.
fn transport(args: &Args) -> std::io::Result<Transport> {
    let socket = SharedSocket::new(connect_tcp(args)?);
    if !args.tls {
        return Ok(Transport::clear(socket));
    }
    let config = tls::client_config(PinVerifier::new(None)).map_err(std::io::Error::other)?;
    let conn = rustls::ClientConnection::new(config, tls::server_name(&args.host))
        .map_err(std::io::Error::other)?;
    let mut conn = rustls::Connection::Client(conn);
    tls::handshake(&mut conn, &socket, Instant::now() + Duration::from_secs(30))?;
    Ok(Transport::tls(socket, conn))
}

/// A client's connection: bytes as they come, or a WebSocket's frames as lines.
#[derive(Debug)]
pub struct Conn {
    transport: Transport,
    web: bool,
    /// Bytes read and not yet cut into frames (the reader's own; a clone starts empty).
    raw: Vec<u8>,
    /// Lines cut from frames and not yet read.
    lines: Vec<u8>,
}

impl Clone for Conn {
    fn clone(&self) -> Self {
        Self::plain(self.transport.clone(), self.web)
    }
}

/// What a browser masks its frames with here: a fixed key (the server unmasks every byte alike).
const MASK: [u8; 4] = [0x5a, 0x17, 0xc3, 0x81];

impl Conn {
    fn plain(transport: Transport, web: bool) -> Self {
        Self {
            transport,
            web,
            raw: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// `transport` as it is.
    pub fn bytes(transport: Transport) -> Self {
        Self::plain(transport, false)
    }

    /// `transport` upgraded to a WebSocket at `/ws`, as the room's page opens it.
    pub fn websocket(transport: Transport, host: &str) -> io::Result<Self> {
        let request = format!(
            "GET /ws HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        transport.write_all(request.as_bytes())?;
        let mut conn = Self::plain(transport, true);
        let mut chunk = [0u8; 1024];
        let end = loop {
            if let Some(at) = conn.raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            let n = conn.transport.clone().read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::other("closed before the upgrade"));
            }
            conn.raw.extend_from_slice(&chunk[..n]);
        };
        if !conn.raw.starts_with(b"HTTP/1.1 101 ") {
            let head = String::from_utf8_lossy(&conn.raw[..end]).into_owned();
            return Err(io::Error::other(format!("not upgraded: {head}")));
        }
        conn.raw.drain(..end + 4);
        Ok(conn)
    }

    /// The connection under it.
    pub fn socket(&self) -> &std::net::TcpStream {
        self.transport.socket()
    }

    /// Sends `line` (a JSON line: its newline left out of the frame, which is masked).
    pub fn write_all(&self, line: &[u8]) -> io::Result<()> {
        if !self.web {
            return self.transport.write_all(line);
        }
        let payload = line.strip_suffix(b"\n").unwrap_or(line);
        let frame = websocket::client_frame(0x1, payload, Some(MASK));
        self.transport.write_all(&frame)
    }

    /// Cuts every whole frame held into lines; false when the server closed the WebSocket.
    fn cut(&mut self) -> bool {
        loop {
            let Some((opcode, at, len)) = header(&self.raw) else {
                return true;
            };
            if self.raw.len() < at + len {
                return true;
            }
            match opcode {
                0x1 => {
                    self.lines.extend_from_slice(&self.raw[at..at + len]);
                    self.lines.push(b'\n');
                }
                0x8 => return false,
                _ => {}
            }
            self.raw.drain(..at + len);
        }
    }
}

/// A server frame's opcode, where its payload starts and how long it is, once its header is
/// all there.
fn header(bytes: &[u8]) -> Option<(u8, usize, usize)> {
    let [first, second, ..] = *bytes else {
        return None;
    };
    let (len, at) = match second & 0x7F {
        126 => (
            usize::from(u16::from_be_bytes(bytes.get(2..4)?.try_into().ok()?)),
            4,
        ),
        127 => (
            usize::try_from(u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?)).ok()?,
            10,
        ),
        len => (usize::from(len), 2),
    };
    Some((first & 0x0F, at, len))
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.web {
            return self.transport.read(buf);
        }
        let mut chunk = [0u8; 16 * 1024];
        while self.lines.is_empty() {
            let n = self.transport.read(&mut chunk)?;
            if n == 0 {
                return Ok(0);
            }
            self.raw.extend_from_slice(&chunk[..n]);
            if !self.cut() && self.lines.is_empty() {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.lines.len());
        buf[..n].copy_from_slice(&self.lines[..n]);
        self.lines.drain(..n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_servers_frames_are_found_whatever_their_lengths() {
        let mut raw = websocket::text_frame(b"{\"a\":1}\n");
        raw.extend(websocket::text_frame(&[b'x'; 300]));
        raw.extend(websocket::close_frame(websocket::Close::Normal));
        let mut lines = Vec::new();
        let mut rest = raw.as_slice();
        while let Some((opcode, at, len)) = header(rest) {
            if opcode == 0x1 {
                lines.push(rest[at..at + len].len());
            }
            rest = &rest[at + len..];
        }
        assert_eq!(lines, vec![7, 300]);
    }
}
