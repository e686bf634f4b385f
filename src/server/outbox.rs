//! A client's outgoing queue, bounded in bytes, and the writer thread that empties it.
//!
//! Broadcasts push shared, already-encoded bytes here and return at once; only this client's writer
//! thread ever waits on its socket. Writers are woken once per group of broadcasts (see
//! `Shared::with_room`), and whatever is queued when a writer wakes goes out in one write, which
//! costs far less than a wake-up and a write per line. A client that lets the queue pass its limit is cut
//! off on the spot: its socket is shut down, which also wakes its reader to announce the leave.

use std::collections::VecDeque;
use std::io::Write;
use std::net::Shutdown;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::connection::SharedSocket;

/// The bytes of one encoded message, shared by every recipient of a broadcast.
pub type Bytes = Arc<[u8]>;

/// What [`Outbox::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Queued into an empty queue: the writer needs a wake-up.
    First,
    /// Queued behind other bytes the writer will be woken for.
    More,
    /// Not queued: the outbox is closing, or has just overflowed and cut the client off.
    Dropped,
}

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
    socket: SharedSocket,
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
    pub fn new(socket: SharedSocket, limit: usize) -> Self {
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

    /// Queues `bytes`. Never blocks on the network, and does not wake the writer: the caller does,
    /// with [`Outbox::wake`], once it has queued everything that goes out together.
    pub fn push(&self, bytes: Bytes) -> Pushed {
        let mut state = self.lock();
        if state.closing {
            return Pushed::Dropped;
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
            return Pushed::Dropped;
        }
        let first = state.queue.is_empty();
        state.queued_bytes += bytes.len();
        state.queue.push_back(bytes);
        if first { Pushed::First } else { Pushed::More }
    }

    /// Wakes the writer to send what is queued.
    pub fn wake(&self) {
        self.wake.notify_one();
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
    pub fn run_writer(&self) {
        let mut socket = self.socket.clone();
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
