//! WebSocket framing (RFC 6455) for the web page's connection: the opening handshake's accept
//! key, the server's frames out, and a client's frames in, checked as a hostile peer would send
//! them. Pure code, no sockets.
//!
//! Only what the page needs: text messages (each one JSON message of the JSON dialect), ping and
//! pong, close. No extension is ever agreed, so no reserved bit may be set; binary frames are
//! refused (1003), an unmasked client frame or a fragmented control frame is a protocol error
//! (1002), a message longer than the limit is refused from its header, before its payload is read
//! (1009), and text that is not UTF-8 ends the connection (1007).

use ring::digest;

use super::Frame;

/// The GUID every WebSocket server appends to the client's key (RFC 6455 §1.3).
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The longest frame header: 2 bytes, 8 of length, 4 of mask.
const MAX_HEADER: usize = 14;

/// A close frame's status code, as RFC 6455 §7.4.1 numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    /// 1000: the end, asked for.
    Normal,
    /// 1002: the peer broke the protocol (unmasked, reserved bits, a fragmented control frame…).
    Protocol,
    /// 1003: a binary frame; the page speaks text.
    Unsupported,
    /// 1007: text that is not UTF-8.
    BadText,
    /// 1009: a message over the limit.
    TooBig,
}

impl Close {
    /// The code on the wire.
    pub fn code(self) -> u16 {
        match self {
            Self::Normal => 1000,
            Self::Protocol => 1002,
            Self::Unsupported => 1003,
            Self::BadText => 1007,
            Self::TooBig => 1009,
        }
    }

    /// The key of the words that say why, for the error the server sends before closing.
    pub fn words_key(self) -> &'static str {
        match self {
            Self::Normal => "error-websocket-closed",
            Self::Protocol => "error-websocket-protocol",
            Self::Unsupported => "error-websocket-binary",
            Self::BadText => "error-websocket-utf8",
            Self::TooBig => "error-websocket-too-big",
        }
    }
}

/// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`, if the key is what RFC 6455 asks:
/// the base64 of 16 bytes. `None` for anything else.
pub fn accept_key(key: &str) -> Option<String> {
    let key = key.trim();
    let decoded = data_encoding::BASE64.decode(key.as_bytes()).ok()?;
    if decoded.len() != 16 {
        return None;
    }
    let mut input = Vec::with_capacity(key.len() + GUID.len());
    input.extend_from_slice(key.as_bytes());
    input.extend_from_slice(GUID);
    let hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &input);
    Some(data_encoding::BASE64.encode(hash.as_ref()))
}

/// Appends a server frame (never masked, never fragmented) of `opcode` carrying `payload`.
fn frame_into(opcode: u8, payload: &[u8], out: &mut Vec<u8>) {
    out.push(0x80 | opcode);
    match payload.len() {
        len @ 0..=125 => out.push(len as u8),
        len @ 126..=0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
}

/// A client's frame, whole, of `opcode` carrying `payload`, masked with `mask` as a browser masks
/// its frames (or not, with `None`, which a server refuses): for this crate's own clients of the
/// page's WebSocket, the benchmark and the tests.
pub fn client_frame(opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + MAX_HEADER);
    frame_into(opcode, payload, &mut out);
    let Some(mask) = mask else {
        return out;
    };
    let at = out.len() - payload.len();
    out[1] |= 0x80;
    let body = out.split_off(at);
    out.extend_from_slice(&mask);
    out.extend(body.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    out
}

/// One JSON line of the JSON dialect as one text frame: the line without its newline.
pub fn text_frame(json_line: &[u8]) -> Vec<u8> {
    let payload = json_line.strip_suffix(b"\n").unwrap_or(json_line);
    let mut out = Vec::with_capacity(payload.len() + 10);
    frame_into(0x1, payload, &mut out);
    out
}

/// A pong answering a ping's payload.
pub fn pong_frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 2);
    frame_into(0xA, payload, &mut out);
    out
}

/// A close frame with `close`'s code (and no reason: the words went before, in an error message).
pub fn close_frame(close: Close) -> Vec<u8> {
    let mut out = Vec::with_capacity(4);
    frame_into(0x8, &close.code().to_be_bytes(), &mut out);
    out
}

/// Cuts a client's frames out of the bytes fed to it, whatever the chunking, into [`Frame`]s:
/// a whole text message is a [`Frame::Line`] (checked UTF-8), a ping a [`Frame::Ping`], a close
/// or anything that breaks the protocol a [`Frame::Closed`], after which nothing more is read.
/// Holds at most one frame's header and payload (≤ the limit) between calls.
#[derive(Debug)]
pub struct Decoder {
    /// Bytes of the frame not yet complete.
    partial: Vec<u8>,
    /// The text message being put together from its fragments.
    message: Vec<u8>,
    /// A text message was begun and not finished.
    fragmented: bool,
    /// The longest text message, in bytes.
    max_message: usize,
    /// A close was given: the rest is ignored.
    closed: bool,
}

impl Decoder {
    /// A decoder of text messages of up to `max_message` bytes.
    pub fn new(max_message: usize) -> Self {
        Self {
            partial: Vec::new(),
            message: Vec::new(),
            fragmented: false,
            max_message,
            closed: false,
        }
    }

    /// True once a close was given (asked for, or the protocol broken).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Feeds `bytes` and appends every frame they complete to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Frame>) {
        if self.closed {
            return;
        }
        self.partial.extend_from_slice(bytes);
        let mut start = 0;
        while !self.closed {
            match self.next(&self.partial[start..]) {
                Step::Need => break,
                Step::Refuse(close) => self.close(close, out),
                Step::Frame {
                    used,
                    fin,
                    opcode,
                    payload,
                } => {
                    let payload = payload.to_vec();
                    start += used;
                    self.take(fin, opcode, payload, out);
                }
            }
        }
        if self.closed {
            self.partial = Vec::new();
            self.message = Vec::new();
        } else {
            self.partial.drain(..start);
        }
    }

    /// The stream ended: an unfinished frame or message is lost, as the peer left.
    pub fn finish(&mut self, _out: &mut [Frame]) {
        self.partial.clear();
        self.message.clear();
    }

    fn close(&mut self, close: Close, out: &mut Vec<Frame>) {
        self.closed = true;
        out.push(Frame::Closed(close));
    }

    /// Reads one frame's header off `bytes`: whether the whole frame is there, and if it may be.
    fn next<'b>(&self, bytes: &'b [u8]) -> Step<'b> {
        let [first, second, ..] = *bytes else {
            return Step::Need;
        };
        let (fin, opcode) = (first & 0x80 != 0, first & 0x0F);
        if first & 0x70 != 0 || !matches!(opcode, 0x0..=0x2 | 0x8..=0xA) {
            return Step::Refuse(Close::Protocol);
        }
        if second & 0x80 == 0 {
            // RFC 6455 §5.1: a server closes on an unmasked client frame.
            return Step::Refuse(Close::Protocol);
        }
        let control = opcode >= 0x8;
        let (len, at) = match second & 0x7F {
            126 => match bytes.get(2..4) {
                Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
                None => return Step::Need,
            },
            127 => match bytes.get(2..10) {
                Some(b) => (u64::from_be_bytes(b.try_into().unwrap_or_default()), 10),
                None => return Step::Need,
            },
            len => (u64::from(len), 2),
        };
        if control && (!fin || len > 125) {
            return Step::Refuse(Close::Protocol);
        }
        if opcode == 0x2 {
            return Step::Refuse(Close::Unsupported);
        }
        // A continuation with no text under way (a binary one was refused at its start), or a new
        // text before the last one ended.
        if (opcode == 0x0) != self.fragmented && !control {
            return Step::Refuse(Close::Protocol);
        }
        let so_far = if opcode == 0x0 { self.message.len() } else { 0 };
        if !control && len > (self.max_message - so_far.min(self.max_message)) as u64 {
            return Step::Refuse(Close::TooBig);
        }
        let len = len as usize;
        let Some(mask) = bytes.get(at..at + 4) else {
            return Step::Need;
        };
        debug_assert!(at + 4 <= MAX_HEADER);
        let Some(payload) = bytes.get(at + 4..at + 4 + len) else {
            return Step::Need;
        };
        let mask = [mask[0], mask[1], mask[2], mask[3]];
        Step::Frame {
            used: at + 4 + len,
            fin,
            opcode,
            payload: Masked {
                mask,
                bytes: payload,
            },
        }
    }

    /// Acts on one whole frame.
    fn take(&mut self, fin: bool, opcode: u8, payload: Vec<u8>, out: &mut Vec<Frame>) {
        match opcode {
            0x8 => self.close(Close::Normal, out),
            0x9 => out.push(Frame::Ping(payload)),
            0xA => {}
            _ => {
                self.message.extend_from_slice(&payload);
                self.fragmented = !fin;
                if fin {
                    let message = std::mem::take(&mut self.message);
                    match String::from_utf8(message) {
                        Ok(text) if text.is_empty() => {}
                        Ok(text) => out.push(Frame::Line(text.into_bytes())),
                        Err(_) => self.close(Close::BadText, out),
                    }
                }
            }
        }
    }
}

/// A payload as it came, masked.
struct Masked<'b> {
    mask: [u8; 4],
    bytes: &'b [u8],
}

impl Masked<'_> {
    fn to_vec(&self) -> Vec<u8> {
        self.bytes
            .iter()
            .zip(self.mask.iter().cycle())
            .map(|(b, m)| b ^ m)
            .collect()
    }
}

/// What the bytes held make of the next frame.
enum Step<'b> {
    /// Not all of it is here yet.
    Need,
    /// It may not be: the connection closes with this code.
    Refuse(Close),
    /// A whole frame, `used` bytes long.
    Frame {
        used: usize,
        fin: bool,
        opcode: u8,
        payload: Masked<'b>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client's frame, masked as a browser masks it.
    fn client(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut frame = client_frame(opcode, payload, Some([0x37, 0xFA, 0x21, 0x3D]));
        if !fin {
            frame[0] &= 0x7F;
        }
        frame
    }

    fn decode(max: usize, chunks: &[&[u8]]) -> Vec<Frame> {
        let mut decoder = Decoder::new(max);
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.push(chunk, &mut out);
        }
        out
    }

    #[test]
    fn the_accept_key_is_rfc_6455s_example_and_a_bad_key_has_none() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ==").as_deref(),
            Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        );
        for bad in [
            "",
            "not base64!",
            "c2hvcnQ=",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(accept_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_frames_arrive_whole_whatever_the_chunking_and_fragments_join() {
        let mut bytes = client(true, 0x1, b"{\"type\":\"who\"}");
        bytes.extend(client(false, 0x1, "caf".as_bytes()));
        bytes.extend(client(true, 0x9, b"hi"));
        bytes.extend(client(true, 0x0, "é".as_bytes()));
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(
            decode(100, &chunks),
            vec![
                Frame::Line(b"{\"type\":\"who\"}".to_vec()),
                Frame::Ping(b"hi".to_vec()),
                Frame::Line("café".as_bytes().to_vec()),
            ]
        );
    }

    #[test]
    fn a_long_message_has_the_two_and_eight_byte_lengths() {
        let long = vec![b'a'; 70_000];
        let out = decode(
            100_000,
            &[&client(true, 0x1, &long[..300]), &client(true, 0x1, &long)],
        );
        assert_eq!(
            out,
            vec![Frame::Line(long[..300].to_vec()), Frame::Line(long)]
        );
    }

    #[test]
    fn each_broken_rule_closes_with_its_code_and_nothing_after_is_read() {
        let unmasked = {
            let mut f = client(true, 0x1, b"hi");
            f[1] &= 0x7F;
            f
        };
        let reserved = {
            let mut f = client(true, 0x1, b"hi");
            f[0] |= 0x40;
            f
        };
        // A 100 MB frame: refused from its header, before a byte of it is read.
        let huge = {
            let mut f = vec![0x81, 0x80 | 127];
            f.extend_from_slice(&(100u64 << 20).to_be_bytes());
            f
        };
        let cases: [(&str, Vec<u8>, Close); 9] = [
            ("unmasked", unmasked, Close::Protocol),
            ("reserved bits", reserved, Close::Protocol),
            ("binary", client(true, 0x2, b"\x00\x01"), Close::Unsupported),
            ("fragmented ping", client(false, 0x9, b"x"), Close::Protocol),
            ("long ping", client(true, 0x9, &[0; 126]), Close::Protocol),
            (
                "lone continuation",
                client(true, 0x0, b"x"),
                Close::Protocol,
            ),
            ("bad utf-8", client(true, 0x1, b"\xff\xfe"), Close::BadText),
            ("huge", huge, Close::TooBig),
            ("unknown opcode", client(true, 0x3, b""), Close::Protocol),
        ];
        for (what, mut bytes, close) in cases {
            bytes.extend(client(true, 0x1, b"after"));
            assert_eq!(
                decode(1000, &[&bytes]),
                vec![Frame::Closed(close)],
                "{what}"
            );
        }
        // A text begun and a new text before its end; fragments adding up past the limit.
        let mut twice = client(false, 0x1, b"a");
        twice.extend(client(true, 0x1, b"b"));
        assert_eq!(decode(10, &[&twice]), vec![Frame::Closed(Close::Protocol)]);
        let mut grows = client(false, 0x1, b"123456");
        grows.extend(client(true, 0x0, b"123456"));
        assert_eq!(decode(10, &[&grows]), vec![Frame::Closed(Close::TooBig)]);
    }

    #[test]
    fn a_close_is_the_end_and_a_pong_is_nothing() {
        let mut bytes = client(true, 0xA, b"");
        bytes.extend(client(true, 0x8, &1000u16.to_be_bytes()));
        bytes.extend(client(true, 0x1, b"after"));
        assert_eq!(decode(100, &[&bytes]), vec![Frame::Closed(Close::Normal)]);
    }

    #[test]
    fn server_frames_are_unmasked_with_the_shortest_length() {
        assert_eq!(text_frame(b"{}\n"), b"\x81\x02{}");
        let long = text_frame(&[b'x'; 200]);
        assert_eq!(&long[..4], &[0x81, 126, 0, 200]);
        let longer = text_frame(&vec![b'x'; 70_000]);
        assert_eq!(&longer[..2], &[0x81, 127]);
        assert_eq!(longer.len(), 70_010);
        assert_eq!(close_frame(Close::TooBig), b"\x88\x02\x03\xf1");
        assert_eq!(pong_frame(b"hi"), b"\x8a\x02hi");
    }
}
