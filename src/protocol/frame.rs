//! Line framing: turns a byte stream into lines, whatever the chunking.
//!
//! A line ends at `\n` or at a NUL byte (the seed's C client sends its name as a NUL-padded block); a
//! `\r` just before the end is dropped, and empty lines are skipped. A line longer than the limit is
//! reported once as [`Frame::TooLong`] and the rest of it, up to its end, is thrown away.

/// One item cut from the stream by [`LineFramer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete, non-empty line, without its terminator. Not yet checked for UTF-8.
    Line(Vec<u8>),
    /// A line went over the limit; what was read of it is gone, and so is the rest of it.
    TooLong,
    /// A WebSocket ping, to be answered with a pong of the same payload.
    Ping(Vec<u8>),
    /// The WebSocket ends: closed by the peer, or a broken rule (its code says which). Nothing
    /// more is read after it.
    Closed(super::websocket::Close),
}

/// Cuts lines out of the bytes fed to it; keeps at most one partial line (≤ the limit) between calls.
#[derive(Debug)]
pub struct LineFramer {
    /// Bytes of the line not yet ended. Never longer than `max_line + 1` (room for a final `\r`).
    partial: Vec<u8>,
    /// The longest line accepted, in bytes, not counting `\r\n`.
    max_line: usize,
    /// True while the rest of an over-long line is being skipped.
    discarding: bool,
}

impl LineFramer {
    /// True when no bytes of an unfinished line are held.
    pub fn is_empty(&self) -> bool {
        self.partial.is_empty() && !self.discarding
    }

    /// A framer that accepts lines of up to `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        Self {
            partial: Vec::new(),
            max_line,
            discarding: false,
        }
    }

    /// Changes the limit for lines not yet started (the JSON dialect allows longer lines).
    pub fn set_max_line(&mut self, max_line: usize) {
        self.max_line = max_line;
    }

    /// Feeds `bytes` and appends every frame they complete to `out`.
    pub fn push(&mut self, mut bytes: &[u8], out: &mut Vec<Frame>) {
        while !bytes.is_empty() {
            match bytes.iter().position(|&b| b == b'\n' || b == 0) {
                Some(end) => {
                    self.take(&bytes[..end]);
                    self.finish_line(out);
                    bytes = &bytes[end + 1..];
                }
                None => {
                    self.take(bytes);
                    if self.discarding && !self.partial.is_empty() {
                        // Say so as soon as we know, not when the line finally ends.
                        self.partial.clear();
                        out.push(Frame::TooLong);
                    }
                    return;
                }
            }
        }
    }

    /// Ends the stream: a last line without a terminator is still a line.
    pub fn finish(&mut self, out: &mut Vec<Frame>) {
        if !self.partial.is_empty() {
            self.finish_line(out);
        }
        self.discarding = false;
    }

    /// Adds bytes of the current line, or notes that it is too long.
    fn take(&mut self, bytes: &[u8]) {
        if self.discarding {
            return;
        }
        // One byte more than the limit is allowed for a `\r` that may turn out to end the line.
        if self.partial.len() + bytes.len() > self.max_line + 1 {
            self.discarding = true;
            // Keep one byte so that `push` knows to report; `finish_line` reports otherwise.
            self.partial.clear();
            self.partial.push(b'!');
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// Ends the current line at a terminator.
    fn finish_line(&mut self, out: &mut Vec<Frame>) {
        if self.discarding {
            if !self.partial.is_empty() {
                out.push(Frame::TooLong);
            }
            self.partial.clear();
            self.discarding = false;
            return;
        }
        if self.partial.last() == Some(&b'\r') {
            self.partial.pop();
        }
        if self.partial.len() > self.max_line {
            out.push(Frame::TooLong);
        } else if !self.partial.is_empty() {
            out.push(Frame::Line(std::mem::take(&mut self.partial)));
        }
        self.partial.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(max: usize, chunks: &[&[u8]]) -> Vec<Frame> {
        let mut framer = LineFramer::new(max);
        let mut out = Vec::new();
        for chunk in chunks {
            framer.push(chunk, &mut out);
        }
        framer.finish(&mut out);
        out
    }

    fn line(s: &str) -> Frame {
        Frame::Line(s.as_bytes().to_vec())
    }

    #[test]
    fn splits_on_newline_nul_and_crlf() {
        assert_eq!(
            frames(100, &[b"alice\0\0\0\0hi\r\nthere\n\n\r\nlast"]),
            vec![line("alice"), line("hi"), line("there"), line("last")]
        );
    }

    #[test]
    fn exact_limit_passes_one_more_fails_and_the_rest_is_dropped() {
        let ok = "a".repeat(8);
        let long = "b".repeat(9);
        let input = format!("{ok}\r\n{long}\n{ok}\n");
        assert_eq!(
            frames(8, &[input.as_bytes()]),
            vec![line(&ok), Frame::TooLong, line(&ok)]
        );
    }

    #[test]
    fn too_long_is_reported_once_even_across_many_chunks() {
        let mut framer = LineFramer::new(4);
        let mut out = Vec::new();
        for _ in 0..10 {
            framer.push(b"xxxxxx", &mut out);
        }
        assert_eq!(out, vec![Frame::TooLong]);
        framer.push(b"xx\nok\n", &mut out);
        assert_eq!(out, vec![Frame::TooLong, line("ok")]);
    }

    #[test]
    fn a_lone_cr_at_the_limit_is_not_counted() {
        assert_eq!(frames(3, &[b"abc", b"\r", b"\n"]), vec![line("abc")]);
        assert_eq!(frames(3, &[b"abc\rd\n"]), vec![Frame::TooLong]);
    }
}
