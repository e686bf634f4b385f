//! A connection's read side: bytes from a socket in, [`Frame`]s out.
//!
//! Used by the server's sessions and by the app's client thread alike. A clean end of stream is
//! `Ok(None)`, not an error; a last line without a terminator still counts.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::protocol::{Frame, LineFramer, http, websocket};

/// One socket shared by the threads that read it, write it and may shut it down, without
/// duplicating its file descriptor (10,000 idle connections would otherwise cost 20,000 of them).
#[derive(Debug, Clone)]
pub struct SharedSocket(Arc<TcpStream>);

impl SharedSocket {
    /// Shares `stream`.
    pub fn new(stream: TcpStream) -> Self {
        Self(Arc::new(stream))
    }
}

impl Deref for SharedSocket {
    type Target = TcpStream;

    fn deref(&self) -> &TcpStream {
        &self.0
    }
}

impl Read for SharedSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}

impl Write for SharedSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

/// How much is read from the socket at a time.
const READ_CHUNK: usize = 4096;

/// Reads frames from `R`, one at a time.
#[derive(Debug)]
pub struct FrameReader<R> {
    /// Where the bytes come from.
    source: R,
    /// Cuts the bytes into lines.
    framer: LineFramer,
    /// Frames already cut and not yet returned.
    ready: VecDeque<Frame>,
    /// Scratch space for frames cut by one read.
    scratch: Vec<Frame>,
    /// The read buffer.
    buf: Box<[u8]>,
    /// The source has ended.
    ended: bool,
    /// Whatever one read brings ends a line, newline or not (the classic C server's messages).
    chunk_ends_line: bool,
    /// The first line has not ended yet: what comes after it is held raw, not cut, in case the
    /// connection turns out to speak HTTP.
    first_line_open: bool,
    /// What a connection that turns out to speak HTTP needs (boxed: most never do).
    web: Box<Web>,
}

/// The bytes after a first line, held raw, and a WebSocket's frames.
#[derive(Debug, Default)]
struct Web {
    /// Bytes read after the first line and not yet cut into frames.
    held: Vec<u8>,
    /// Once the connection is a WebSocket: its frames, instead of lines.
    websocket: Option<websocket::Decoder>,
}

impl<R: Read> FrameReader<R> {
    /// A reader of lines of up to `max_line` bytes.
    pub fn new(source: R, max_line: usize) -> Self {
        Self {
            source,
            framer: LineFramer::new(max_line),
            ready: VecDeque::new(),
            scratch: Vec::new(),
            buf: vec![0; READ_CHUNK].into_boxed_slice(),
            ended: false,
            chunk_ends_line: false,
            first_line_open: true,
            web: Box::default(),
        }
    }

    /// From now on, the bytes are a WebSocket's client frames, each text message of up to
    /// `max_message` bytes a [`Frame::Line`]. Bytes already held go to it first.
    pub fn speak_websocket(&mut self, max_message: usize) {
        self.web.websocket = Some(websocket::Decoder::new(max_message));
    }

    /// From now on, the end of what one read brings also ends a line: for peers that send each
    /// message in one write and don't always end it with a newline.
    pub fn end_lines_at_chunks(&mut self) {
        self.chunk_ends_line = true;
    }

    /// Changes the line limit (the JSON dialect allows longer lines than plain text).
    pub fn set_max_line(&mut self, max_line: usize) {
        self.framer.set_max_line(max_line);
    }

    /// The source, to change its time-outs.
    pub fn get_ref(&self) -> &R {
        &self.source
    }

    /// The source and the raw bytes read after the last frame returned (an HTTP request's body
    /// read with its head), when no frame is waiting; else the reader, unchanged.
    pub fn into_source_and_held(self) -> Result<(R, Vec<u8>), Self> {
        if self.ready.is_empty() && self.framer.is_empty() {
            let Self { source, web, .. } = self;
            Ok((source, web.held))
        } else {
            Err(self)
        }
    }

    /// True when a frame is already read and cut, so `next_frame` will not wait.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty() || (!self.first_line_open && !self.web.held.is_empty())
    }

    /// Reads once into the buffer (again if interrupted).
    fn read_raw(&mut self) -> io::Result<usize> {
        loop {
            match self.source.read(&mut self.buf) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    /// Cuts what was held after the first line, once it has been returned; false when nothing
    /// was held.
    fn cut_held(&mut self) -> bool {
        if self.first_line_open || self.web.held.is_empty() {
            return false;
        }
        let held = std::mem::take(&mut self.web.held);
        self.feed(&held);
        self.ready.extend(self.scratch.drain(..));
        true
    }

    /// Cuts `bytes` into frames: a WebSocket's, or lines.
    fn feed(&mut self, bytes: &[u8]) {
        match &mut self.web.websocket {
            Some(decoder) => decoder.push(bytes, &mut self.scratch),
            None => {
                self.framer.push(bytes, &mut self.scratch);
                if self.chunk_ends_line {
                    self.framer.finish(&mut self.scratch);
                }
            }
        }
    }

    /// The next frame; `Ok(None)` once the stream has ended and every line has been returned.
    pub fn next_frame(&mut self) -> io::Result<Option<Frame>> {
        loop {
            if let Some(frame) = self.ready.pop_front() {
                return Ok(Some(frame));
            }
            if self.cut_held() {
                continue;
            }
            if self.ended {
                return Ok(None);
            }
            self.read_once()?;
        }
    }

    /// Reads once from the source and cuts what came into frames.
    fn read_once(&mut self) -> io::Result<()> {
        let n = self.read_raw()?;
        if n == 0 {
            self.ended = true;
            self.first_line_open = false;
            match &mut self.web.websocket {
                Some(decoder) => decoder.finish(&mut self.scratch),
                None => self.framer.finish(&mut self.scratch),
            }
        } else if self.first_line_open {
            // Cut up to the end of the first line that makes a frame (empty lines make none);
            // hold the rest.
            let bytes = std::mem::take(&mut self.buf);
            let mut rest = &bytes[..n];
            while self.first_line_open && !rest.is_empty() {
                let Some(end) = rest.iter().position(|&b| b == b'\n' || b == 0) else {
                    self.feed(rest);
                    rest = &[];
                    break;
                };
                let before = self.scratch.len();
                self.feed(&rest[..=end]);
                rest = &rest[end + 1..];
                self.first_line_open = self.scratch.len() == before;
            }
            self.web.held.extend_from_slice(rest);
            self.buf = bytes;
        } else {
            let bytes = std::mem::take(&mut self.buf);
            self.feed(&bytes[..n]);
            self.buf = bytes;
        }
        self.ready.extend(self.scratch.drain(..));
        Ok(())
    }
}

/// A source whose reads can be given a time-out (a socket, or TLS over one).
pub trait ReadTimeout {
    /// Makes a blocking read fail with `WouldBlock` or `TimedOut` after `timeout`; `None` waits.
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
}

impl ReadTimeout for SharedSocket {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_read_timeout(timeout)
    }
}

impl ReadTimeout for TcpStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
}

impl<R: Read + ReadTimeout> FrameReader<R> {
    /// The next frame, if it is complete by `deadline`; else an [`io::ErrorKind::TimedOut`] error.
    /// The deadline is absolute: bytes that trickle in without ending a line don't extend it.
    pub fn next_frame_before(&mut self, deadline: Instant) -> io::Result<Option<Frame>> {
        loop {
            if let Some(frame) = self.ready.pop_front() {
                return Ok(Some(frame));
            }
            if self.cut_held() {
                continue;
            }
            if self.ended {
                return Ok(None);
            }
            self.wait_until(deadline)?;
            match self.read_once() {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                other => other?,
            }
        }
    }

    /// Makes the next read wait no later than `deadline`; `TimedOut` if it has passed.
    fn wait_until(&self, deadline: Instant) -> io::Result<()> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.source.set_read_timeout(Some(left))
    }

    /// After a first line that was an HTTP request's: the header lines up to the empty line that
    /// ends them (not included), read raw by `deadline`. A head longer than
    /// [`http::MAX_HEAD_BYTES`] comes back cut just past that limit, for the caller to refuse;
    /// `Ok(None)` if the stream ended first. What follows the head stays held.
    pub fn next_head_before(&mut self, deadline: Instant) -> io::Result<Option<Vec<u8>>> {
        if !self.ready.is_empty() || !self.framer.is_empty() {
            // Lines already cut (the first line was not the first thing read): no raw head to
            // read; an empty one, which the caller refuses for its missing Host.
            return Ok(Some(Vec::new()));
        }
        loop {
            // The head is everything up to a blank line (CRLF CRLF, or LF LF as RFC 9112 lets a
            // reader take); the request line's own line end was cut already.
            // (where the head ends, where what follows it starts)
            let blank = if self.web.held.starts_with(b"\r\n") {
                Some((0, 2))
            } else if self.web.held.starts_with(b"\n") {
                Some((0, 1))
            } else {
                let crlf = find(&self.web.held, b"\r\n\r\n").map(|at| (at, at + 4));
                let lf = find(&self.web.held, b"\n\n").map(|at| (at, at + 2));
                match (crlf, lf) {
                    (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
                    (a, b) => a.or(b),
                }
            };
            if let Some((end, next)) = blank {
                let head = self.web.held[..end].to_vec();
                self.web.held.drain(..next);
                return Ok(Some(head));
            }
            if self.web.held.len() > http::MAX_HEAD_BYTES {
                self.web.held.truncate(http::MAX_HEAD_BYTES + 1);
                return Ok(Some(std::mem::take(&mut self.web.held)));
            }
            if self.ended {
                return Ok(None);
            }
            self.wait_until(deadline)?;
            let n = match self.read_raw() {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                other => other?,
            };
            if n == 0 {
                self.ended = true;
            }
            self.web.held.extend_from_slice(&self.buf[..n]);
        }
    }
}

/// Where `needle` first starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Writes all of `bytes` to a blocking socket before `deadline`, or fails with
/// [`io::ErrorKind::TimedOut`]: a reader that takes a little now and then can't hold the write
/// past it, as it could a write timeout, which each partial write starts again. Changes the
/// socket's write timeout.
pub fn write_all_before(socket: &TcpStream, mut bytes: &[u8], deadline: Instant) -> io::Result<()> {
    while !bytes.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        socket.set_write_timeout(Some(left))?;
        match (&*socket).write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if crate::is_timeout(&err) => return Err(io::ErrorKind::TimedOut.into()),
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// Sends what a blocking socket takes right now without waiting: how much it took (possibly
/// nothing). The socket stays blocking for the threads that read or write it.
#[cfg(unix)]
pub fn send_now(socket: &TcpStream, bytes: &[u8]) -> io::Result<usize> {
    let mut sent = 0;
    while sent < bytes.len() {
        match socket2::SockRef::from(socket).send_with_flags(&bytes[sent..], libc::MSG_DONTWAIT) {
            Ok(0) => break,
            Ok(n) => sent += n,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(sent)
}

/// Elsewhere every flush is handed to the writer thread.
#[cfg(not(unix))]
pub fn send_now(_socket: &TcpStream, _bytes: &[u8]) -> io::Result<usize> {
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_that_trickles_cannot_hold_a_write_past_its_deadline() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let writer = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (mut reader, _) = listener.accept().expect("accept");
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = Arc::clone(&done);
        // A peer that takes a kilobyte now and then until told: progress, but far too slow.
        let trickle = std::thread::Builder::new()
            .name("test-trickle".into())
            .spawn(move || {
                let mut buf = [0u8; 1024];
                while !stop.load(std::sync::atomic::Ordering::Relaxed)
                    && matches!(reader.read(&mut buf), Ok(n) if n > 0)
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
            .expect("a thread");
        let start = Instant::now();
        let sent = write_all_before(
            &writer,
            &vec![7u8; 64 * 1024 * 1024],
            start + Duration::from_millis(300),
        );
        let took = start.elapsed();
        assert_eq!(
            sent.map_err(|e| e.kind()),
            Err(io::ErrorKind::TimedOut),
            "64 MiB at 50 KB/s can't be written in 300 ms"
        );
        // A write time-out would have started again at each kilobyte taken: 20 minutes.
        assert!(took < Duration::from_secs(10), "{took:?}");
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        trickle.join().expect("the reader ends");
    }

    #[test]
    fn reads_lines_then_none() {
        let mut reader = FrameReader::new(&b"alice\nhi\r\nlast"[..], 100);
        let mut lines = Vec::new();
        while let Ok(Some(frame)) = reader.next_frame() {
            lines.push(frame);
        }
        assert_eq!(
            lines,
            vec![
                Frame::Line(b"alice".to_vec()),
                Frame::Line(b"hi".to_vec()),
                Frame::Line(b"last".to_vec())
            ]
        );
        assert!(matches!(reader.next_frame(), Ok(None)));
    }

    #[test]
    fn chunks_can_end_lines() {
        // Each read of a byte slice reader returns at most the buffer; split by a chained reader.
        let source = io::Read::chain(&b"Bonjour"[..], &b"bob: hi\nalice"[..]);
        let mut reader = FrameReader::new(source, 100);
        reader.end_lines_at_chunks();
        let mut lines = Vec::new();
        while let Ok(Some(Frame::Line(line))) = reader.next_frame() {
            lines.push(String::from_utf8_lossy(&line).into_owned());
        }
        assert_eq!(lines, ["Bonjour", "bob: hi", "alice"]);
    }
}
