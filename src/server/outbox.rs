//! A client's outgoing queue, bounded in bytes, and the writer thread that empties it.
//!
//! Broadcasts push shared, already-encoded bytes here and return at once; only this client's writer
//! thread ever waits on its socket. Whatever is queued when the writer wakes goes out in one write,
//! which costs far less than one write per line. A client that lets the queue pass its limit is cut
//! off on the spot: its socket is shut down, which also wakes its reader to announce the leave.

use std::collections::VecDeque;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// The bytes of one encoded message, shared by every recipient of a broadcast.
pub type Bytes = Arc<[u8]>;

/// One client's outgoing queue.
#[derive(Debug)]
pub struct Outbox {
    /// What waits to be written, and why the writer may stop.
    state: Mutex<State>,
    /// Signalled when something is queued or the outbox closes.
    wake: Condvar,
    /// The most bytes that may wait; more means the client is not reading.
    limit: usize,
    /// A handle on the client's socket, to cut it off when the queue overflows.
    socket: TcpStream,
}

#[derive(Debug, Default)]
struct State {
    /// Encoded messages in order.
    queue: VecDeque<Bytes>,
    /// The total length of `queue`.
    queued_bytes: usize,
    /// No more pushes; the writer writes what is queued and ends.
    closing: bool,
    /// The queue passed its limit and the socket was shut down.
    overflowed: bool,
}

impl Outbox {
    /// An empty outbox for the client behind `socket`, holding at most `limit` bytes.
    pub fn new(socket: TcpStream, limit: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            limit,
            socket,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A writer that panicked can't leave the queue half-updated: keep going.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `bytes`. Never blocks on the network. Returns false if the client is (now) cut off.
    pub fn push(&self, bytes: Bytes) -> bool {
        let mut state = self.lock();
        if state.closing {
            return !state.overflowed;
        }
        if state.queued_bytes + bytes.len() > self.limit {
            state.overflowed = true;
            state.closing = true;
            state.queue.clear();
            state.queued_bytes = 0;
            drop(state);
            // Wakes the writer (blocked in write) and the reader (blocked in read) alike.
            self.socket.shutdown(Shutdown::Both).ok();
            self.wake.notify_all();
            return false;
        }
        state.queued_bytes += bytes.len();
        state.queue.push_back(bytes);
        drop(state);
        self.wake.notify_one();
        true
    }

    /// Lets the writer send what is queued, then end and close the socket.
    pub fn close(&self) {
        self.lock().closing = true;
        self.wake.notify_all();
    }

    /// True once the client has been cut off for not reading.
    pub fn overflowed(&self) -> bool {
        self.lock().overflowed
    }

    /// The writer loop: waits for queued bytes and writes all of them at once. Returns when the
    /// outbox is closed and empty, or when the socket fails; the socket is shut down either way.
    pub fn run_writer(&self, mut socket: TcpStream) {
        let mut batch: Vec<u8> = Vec::with_capacity(4096);
        loop {
            {
                let mut state = self.lock();
                while state.queue.is_empty() && !state.closing {
                    state = self
                        .wake
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if state.queue.is_empty() {
                    break;
                }
                for bytes in state.queue.drain(..) {
                    batch.extend_from_slice(&bytes);
                }
                state.queued_bytes = 0;
            }
            if socket.write_all(&batch).is_err() {
                break;
            }
            batch.clear();
            if batch.capacity() > 256 * 1024 {
                // Don't keep a burst's buffer for the life of an idle connection.
                batch.shrink_to(4096);
            }
        }
        let mut state = self.lock();
        state.closing = true;
        state.queue.clear();
        state.queued_bytes = 0;
        drop(state);
        socket.shutdown(Shutdown::Both).ok();
    }
}
