//! One person's outgoing queue, bounded in bytes, and how it reaches the socket: the server's
//! [`Mailbox`].
//!
//! Broadcasts push shared, already-encoded bytes here and return at once. Then, once per group of
//! broadcasts (see `Shared::with_room`), the session that ends the last turn in the room writes each
//! filled queue to its socket in one non-blocking `send`: for people whose apps keep up — nearly all
//! of them — that is one system call per person per burst, with no thread woken per person. Only when
//! a socket is full does the person's own writer thread take over, with blocking writes, until it has
//! caught up; so someone who reads slowly waits alone. That thread is started the first time the
//! person's socket is full, not before: most people never need it, and a join storm then starts one
//! thread per person instead of two. At the end the session's own thread writes what is left
//! ([`Outbox::finish`]). A queue that passes its limit is cut off on the spot: its socket is shut
//! down, which also wakes its reader to announce the leave.

use std::collections::VecDeque;
use std::io::Write;
use std::net::Shutdown;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::{self, JoinHandle};

use log::warn;

use super::mailbox::{Bytes, Mailbox, Pushed};
use crate::connection::send_now;
use crate::tls::Transport;

/// One person's outgoing queue.
#[derive(Debug)]
pub struct Outbox {
    /// What waits to be written, and who is writing.
    state: Mutex<State>,
    /// Wakes the writer thread: handed a full socket, closing, or a flush finished.
    wake: Condvar,
    /// The most bytes that may wait; more means the client is not reading.
    limit: usize,
    /// The person's connection, clear or TLS.
    transport: Transport,
    /// The name of the writer thread, when it is started.
    writer_name: String,
    /// This outbox, for the writer thread a full socket starts.
    me: Weak<Outbox>,
}

/// Stack size of a writer thread: it only copies bytes.
const WRITER_STACK: usize = 64 * 1024;

#[derive(Debug, Default)]
struct State {
    /// Encoded messages in order.
    queue: VecDeque<Bytes>,
    /// The total length of `queue`.
    queued_bytes: usize,
    /// Bytes already on their way to the wire (sealed, under TLS) that a full socket did not take:
    /// the writer thread sends them before anything else.
    unsent: Vec<u8>,
    /// Someone — a flush or the writer thread — is writing to the socket now; nobody else may.
    busy: bool,
    /// The socket was full: the writer thread owns the writing until the queue is empty.
    handed_over: bool,
    /// No more pushes; the writer thread, or the session's own at [`Outbox::finish`], writes
    /// what is left and ends.
    closing: bool,
    /// The queue passed its limit and the socket was shut down.
    overflowed: bool,
    /// The writer thread, once a full socket started it.
    writer: Option<JoinHandle<()>>,
}

impl Outbox {
    /// An empty outbox for the person behind `transport`, holding at most `limit` bytes. Its
    /// writer thread, if a full socket ever needs one, is named `writer_name`.
    pub fn new(transport: Transport, limit: usize, writer_name: String) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            limit,
            transport,
            writer_name,
            me: me.clone(),
        })
    }

    /// Makes sure a writer thread will take what a full socket left: the one already running,
    /// or the session's own thread once closing ([`Outbox::finish`]), or a new one. False if a
    /// thread could not be started (the system is out of them): the caller cuts the person off.
    fn ensure_writer(&self, state: &mut State) -> bool {
        if state.writer.is_some() || state.closing {
            return true;
        }
        let Some(me) = self.me.upgrade() else {
            return false;
        };
        let started = thread::Builder::new()
            .name(self.writer_name.clone())
            .stack_size(WRITER_STACK)
            .spawn(move || me.run_writer());
        match started {
            Ok(handle) => {
                state.writer = Some(handle);
                true
            }
            Err(err) => {
                warn!("{}: could not start: {err}", self.writer_name);
                false
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding this lock; if something did, the state is still coherent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Ends the client's connection: nothing more is queued or sent, the socket is shut down (which
    /// fails a blocked write and wakes the reader, blocked in read, alike) and the writer told.
    fn cut_off(&self, mut state: MutexGuard<'_, State>) {
        state.closing = true;
        state.queue.clear();
        state.queued_bytes = 0;
        state.unsent = Vec::new();
        drop(state);
        self.transport.socket().shutdown(Shutdown::Both).ok();
        self.wake.notify_all();
    }

    /// Takes everything queued, as one buffer.
    fn take_batch(state: &mut State, batch: &mut Vec<u8>) {
        batch.clear();
        for bytes in state.queue.drain(..) {
            batch.extend_from_slice(&bytes);
        }
        state.queued_bytes = 0;
    }

    /// Sends what is queued without ever blocking: what the socket takes now is sent, and if it is
    /// full the rest is handed to the writer thread. `batch` is scratch space, reused across calls.
    /// Under TLS the batch is sealed here, by the one party allowed to write (`busy`), so records
    /// reach the socket in the order they were sealed.
    pub fn flush(&self, batch: &mut Vec<u8>) {
        let mut state = self.lock();
        let mut sealed = Vec::new();
        loop {
            if state.busy || state.queue.is_empty() || state.overflowed {
                return;
            }
            state.busy = true;
            Self::take_batch(&mut state, batch);
            drop(state);
            let wire: &[u8] = if self.transport.is_tls() {
                sealed.clear();
                if self.transport.seal(batch, &mut sealed).is_err() {
                    self.cut_off(self.lock());
                    return;
                }
                &sealed
            } else {
                batch
            };
            let sent = send_now(self.transport.socket(), wire);
            state = self.lock();
            match sent {
                Ok(n) if n == wire.len() => {
                    state.busy = false;
                    if state.closing {
                        // The writer thread may be waiting for this flush to end.
                        self.wake.notify_all();
                    }
                }
                Ok(n) => {
                    // The socket is full: the rest goes first, and the writer thread takes over.
                    state.unsent = wire[n..].to_vec();
                    state.handed_over = true;
                    if !self.ensure_writer(&mut state) {
                        state.busy = false;
                        state.handed_over = false;
                        self.cut_off(state);
                        return;
                    }
                    drop(state);
                    self.wake.notify_all();
                    return;
                }
                Err(_) => {
                    state.busy = false;
                    self.cut_off(state);
                    return;
                }
            }
        }
    }

    /// True once the client has been cut off for not reading.
    pub fn overflowed(&self) -> bool {
        self.lock().overflowed
    }

    /// Ends the outbox, on the session's own thread once it has left the room: nothing more is
    /// queued; what is left is written — by the writer thread if a full socket started one, else
    /// here — and the socket shut down. Returns when that is done.
    pub fn finish(&self) {
        let mut state = self.lock();
        state.closing = true;
        let writer = state.writer.take();
        drop(state);
        self.wake.notify_all();
        match writer {
            Some(handle) => {
                handle.join().ok();
            }
            None => self.run_writer(),
        }
    }

    /// The writer's loop: idle until a flush hands it a full socket, then writes with blocking
    /// writes until the queue is empty. At close it writes what is left and shuts the socket down.
    fn run_writer(&self) {
        let mut socket = self.transport.socket().clone();
        let mut batch: Vec<u8> = Vec::new();
        let mut wire: Vec<u8> = Vec::new();
        let mut state = self.lock();
        loop {
            while !(state.handed_over || (state.closing && !state.busy)) {
                state = self
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.queue.is_empty() && state.unsent.is_empty() {
                if state.closing && !state.handed_over {
                    break;
                }
                // Caught up: flushes may write again.
                state.handed_over = false;
                state.busy = false;
                self.wake.notify_all();
                continue;
            }
            state.busy = true;
            // What a full socket left over goes first, then the queue, sealed in that order.
            wire.clear();
            wire.append(&mut state.unsent);
            Self::take_batch(&mut state, &mut batch);
            drop(state);
            let written = self
                .transport
                .seal(&batch, &mut wire)
                .and_then(|()| socket.write_all(&wire));
            if batch.capacity() > 256 * 1024 {
                batch = Vec::new();
                wire = Vec::new();
            }
            state = self.lock();
            if written.is_err() {
                state.closing = true;
                break;
            }
            if state.queue.is_empty() && state.closing {
                break;
            }
        }
        state.busy = false;
        state.queue.clear();
        state.queued_bytes = 0;
        state.unsent = Vec::new();
        drop(state);
        // Under TLS, a close_notify first: the peer tells a goodbye from a cut.
        self.transport.shutdown();
    }
}

impl Mailbox for Outbox {
    /// Queues `bytes`. Never blocks on the network and sends nothing: the caller arranges a
    /// [`Outbox::flush`] when this returns [`Pushed::First`].
    fn push(&self, bytes: Bytes) -> Pushed {
        let mut state = self.lock();
        if state.closing {
            return Pushed::Dropped;
        }
        if state.queued_bytes + state.unsent.len() + bytes.len() > self.limit {
            state.overflowed = true;
            self.cut_off(state);
            return Pushed::Dropped;
        }
        let first = state.queue.is_empty() && !state.busy;
        state.queued_bytes += bytes.len();
        state.queue.push_back(bytes);
        if first { Pushed::First } else { Pushed::More }
    }

    /// Queues `bytes` and, when nobody else will, sends at once ([`Outbox::flush`]: never
    /// waits on the socket).
    fn push_now(&self, bytes: Bytes) {
        if self.push(bytes) == Pushed::First {
            self.flush(&mut Vec::new());
        }
    }

    /// Lets what is queued be sent, then the writer ends and closes the socket
    /// ([`Outbox::finish`] waits for that).
    fn close(&self) {
        self.lock().closing = true;
        self.wake.notify_all();
    }

    /// Closes, and shuts the socket's reading side: the session's read ends at once, and its
    /// last act ([`Outbox::finish`]) sends what is queued.
    fn end(&self) {
        self.close();
        self.transport.socket().shutdown(Shutdown::Read).ok();
    }
}

#[cfg(test)]
mod tests {
    //! Each state of the outbox, against a real socket pair on 127.0.0.1.

    use std::io::Read;
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::thread;
    use std::time::{Duration, Instant};

    use super::*;

    const PATIENCE: Duration = Duration::from_secs(10);

    use crate::connection::SharedSocket;

    /// A connected pair: the server's end shared by the outbox, and the peer's end to read from.
    /// Both kernel buffers are small, so a few hundred KiB fill the path and a write blocks.
    fn pair() -> (SharedSocket, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let peer =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        // Before connecting, so the window the peer offers stays small.
        peer.set_recv_buffer_size(4096).unwrap();
        peer.connect(&listener.local_addr().unwrap().into())
            .unwrap();
        let peer: TcpStream = peer.into();
        let (server, _) = listener.accept().unwrap();
        socket2::SockRef::from(&server)
            .set_send_buffer_size(4096)
            .unwrap();
        peer.set_read_timeout(Some(PATIENCE)).unwrap();
        (SharedSocket::new(server), peer)
    }

    fn bytes(text: &[u8]) -> Bytes {
        text.into()
    }

    /// Reads exactly `n` bytes from `peer`.
    fn read_n(peer: &mut TcpStream, n: usize) -> Vec<u8> {
        let mut got = vec![0; n];
        peer.read_exact(&mut got).unwrap();
        got
    }

    /// Reads until the server's end is shut down; returns what came.
    fn read_to_eof(peer: &mut TcpStream) -> Vec<u8> {
        let mut got = Vec::new();
        peer.read_to_end(&mut got).unwrap();
        got
    }

    impl Outbox {
        /// Waits until nobody is writing and nothing is handed over (the writer caught up).
        fn wait_idle(&self) {
            let deadline = Instant::now() + PATIENCE;
            let mut state = self.lock();
            while state.busy || state.handed_over {
                let left = deadline.saturating_duration_since(Instant::now());
                assert!(!left.is_zero(), "the writer never caught up");
                state = self.wake.wait_timeout(state, left).unwrap().0;
            }
        }

        fn is_handed_over(&self) -> bool {
            self.lock().handed_over
        }
    }

    fn outbox(socket: SharedSocket, limit: usize) -> Arc<Outbox> {
        Outbox::new(Transport::clear(socket), limit, "test-writer".into())
    }

    impl Outbox {
        fn has_writer(&self) -> bool {
            self.lock().writer.is_some()
        }
    }

    #[test]
    fn the_first_push_asks_for_a_flush_and_one_flush_sends_the_whole_burst() {
        let (socket, mut peer) = pair();
        let outbox = outbox(socket, 1024);
        assert_eq!(outbox.push(bytes(b"one\n")), Pushed::First);
        assert_eq!(outbox.push(bytes(b"two\n")), Pushed::More);
        let mut batch = Vec::new();
        outbox.flush(&mut batch);
        assert_eq!(read_n(&mut peer, 8), b"one\ntwo\n");
        assert_eq!(
            outbox.push(bytes(b"three\n")),
            Pushed::First,
            "idle and empty again after the flush"
        );
        outbox.flush(&mut batch);
        assert_eq!(read_n(&mut peer, 6), b"three\n");
    }

    #[test]
    fn a_full_socket_starts_the_writer_which_catches_up_then_gives_back() {
        let (socket, mut peer) = pair();
        let big = vec![b'x'; 512 * 1024];
        let outbox = outbox(socket, 16 * 1024 * 1024);
        assert_eq!(outbox.push(bytes(b"small\n")), Pushed::First);
        outbox.flush(&mut Vec::new());
        assert_eq!(read_n(&mut peer, 6), b"small\n");
        assert!(
            !outbox.has_writer(),
            "a socket that takes everything needs no writer thread"
        );
        assert_eq!(outbox.push(big.clone().into()), Pushed::First);
        outbox.flush(&mut Vec::new());
        assert!(
            outbox.is_handed_over(),
            "512 KiB can't fit a socket nobody reads"
        );
        assert!(outbox.has_writer(), "the full socket started the writer");
        assert_eq!(
            outbox.push(bytes(b"end\n")),
            Pushed::More,
            "behind the writer: no flush of its own"
        );
        let got = read_n(&mut peer, big.len() + 4);
        assert!(got.ends_with(b"xend\n"));
        outbox.wait_idle();
        assert_eq!(outbox.push(bytes(b"again\n")), Pushed::First);
        outbox.flush(&mut Vec::new());
        assert_eq!(read_n(&mut peer, 6), b"again\n");
        outbox.finish();
        assert!(!outbox.has_writer(), "finish waited for the writer");
        assert_eq!(read_to_eof(&mut peer), b"", "and the socket was shut");
    }

    #[test]
    fn passing_the_limit_cuts_the_reader_off_at_once() {
        let (socket, mut peer) = pair();
        let outbox = outbox(socket, 10);
        assert_eq!(outbox.push(bytes(b"12345678")), Pushed::First);
        assert_eq!(outbox.push(bytes(b"12345678")), Pushed::Dropped);
        assert!(outbox.overflowed());
        assert_eq!(
            read_to_eof(&mut peer),
            b"",
            "nothing queued is sent; the socket is shut"
        );
        assert_eq!(outbox.push(bytes(b"x")), Pushed::Dropped);
    }

    #[test]
    fn closing_sends_what_is_queued_then_shuts_the_socket_and_drops_later_pushes() {
        let (socket, mut peer) = pair();
        let outbox = outbox(socket, 1024);
        outbox.push(bytes(b"last words\n"));
        outbox.close();
        assert_eq!(outbox.push(bytes(b"too late\n")), Pushed::Dropped);
        outbox.finish();
        assert!(
            !outbox.has_writer(),
            "the session's own thread wrote the last words"
        );
        assert_eq!(read_to_eof(&mut peer), b"last words\n");
        assert!(!outbox.overflowed());
    }

    #[test]
    fn finishing_while_the_writer_owns_a_full_socket_waits_until_everything_is_sent() {
        let (socket, mut peer) = pair();
        let outbox = outbox(socket, 16 * 1024 * 1024);
        let big = vec![b'z'; 512 * 1024];
        outbox.push(big.clone().into());
        outbox.flush(&mut Vec::new());
        assert!(outbox.has_writer());
        outbox.push(bytes(b"bye\n"));
        let reader = thread::Builder::new()
            .name("test-peer".into())
            .spawn(move || read_to_eof(&mut peer))
            .unwrap();
        outbox.finish();
        let got = reader.join().unwrap();
        assert_eq!(got.len(), big.len() + 4);
        assert!(got.ends_with(b"zbye\n"));
    }

    #[test]
    fn a_flush_while_the_writer_owns_the_socket_sends_nothing_out_of_order() {
        let (socket, mut peer) = pair();
        let outbox = outbox(socket, 16 * 1024 * 1024);
        let mut expected = Vec::new();
        for i in 0..200_u32 {
            let line = format!("{i:07}{}\n", "y".repeat(2_000));
            expected.extend_from_slice(line.as_bytes());
            assert_ne!(outbox.push(line.into_bytes().into()), Pushed::Dropped);
            // A flush after every push, needed or not (another session's turn may end at any
            // time): none may jump the writer's queue.
            outbox.flush(&mut Vec::new());
        }
        let got = read_n(&mut peer, expected.len());
        assert!(got == expected, "bytes arrived out of order");
        outbox.finish();
    }
}
