//! A client's outgoing queue, bounded in bytes, and how it reaches the socket.
//!
//! Broadcasts push shared, already-encoded bytes here and return at once. Then, once per group of
//! broadcasts (see `Shared::with_room`), the session that ends the last turn in the room writes each
//! filled queue to its socket in one non-blocking `send`: for clients that keep up — nearly all of them — that is one
//! system call per client per burst, with no thread woken per client. Only when a socket is full does
//! the client's own writer thread take over, with blocking writes, until it has caught up; so a client
//! that reads slowly waits alone. A client that lets the queue pass its limit is cut off on the spot:
//! its socket is shut down, which also wakes its reader to announce the leave.

use std::collections::VecDeque;
use std::io::Write;
use std::net::Shutdown;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::mailbox::{Bytes, Mailbox, Pushed};
use crate::connection::{SharedSocket, send_now};

/// One client's outgoing queue.
#[derive(Debug)]
pub struct Outbox {
    /// What waits to be written, and who is writing.
    state: Mutex<State>,
    /// Wakes the writer thread: handed a full socket, closing, or a flush finished.
    wake: Condvar,
    /// The most bytes that may wait; more means the client is not reading.
    limit: usize,
    /// The client's socket.
    socket: SharedSocket,
}

#[derive(Debug, Default)]
struct State {
    /// Encoded messages in order.
    queue: VecDeque<Bytes>,
    /// The total length of `queue`.
    queued_bytes: usize,
    /// Someone — a flush or the writer thread — is writing to the socket now; nobody else may.
    busy: bool,
    /// The socket was full: the writer thread owns the writing until the queue is empty.
    handed_over: bool,
    /// No more pushes; the writer thread writes what is left and ends.
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
        // Nothing panics while holding this lock; if something did, the state is still coherent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Ends the client's connection: nothing more is queued or sent, the socket is shut down (which
    /// fails a blocked write and wakes the reader, blocked in read, alike) and the writer told.
    fn cut_off(&self, mut state: MutexGuard<'_, State>) {
        state.closing = true;
        state.queue.clear();
        state.queued_bytes = 0;
        drop(state);
        self.socket.shutdown(Shutdown::Both).ok();
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
    pub fn flush(&self, batch: &mut Vec<u8>) {
        let mut state = self.lock();
        loop {
            if state.busy || state.queue.is_empty() || state.overflowed {
                return;
            }
            state.busy = true;
            Self::take_batch(&mut state, batch);
            drop(state);
            let sent = send_now(&self.socket, batch);
            state = self.lock();
            match sent {
                Ok(n) if n == batch.len() => {
                    state.busy = false;
                    if state.closing {
                        // The writer thread may be waiting for this flush to end.
                        self.wake.notify_all();
                    }
                }
                Ok(n) => {
                    // The socket is full: the rest goes first, and the writer thread takes over.
                    let rest: Bytes = batch[n..].into();
                    state.queued_bytes += rest.len();
                    state.queue.push_front(rest);
                    state.handed_over = true;
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

    /// The writer thread: idle until a flush hands it a full socket, then writes with blocking
    /// writes until the queue is empty. At close it writes what is left and shuts the socket down.
    pub fn run_writer(&self) {
        let mut socket = self.socket.clone();
        let mut batch: Vec<u8> = Vec::new();
        let mut state = self.lock();
        loop {
            while !(state.handed_over || (state.closing && !state.busy)) {
                state = self
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.queue.is_empty() {
                if state.closing && !state.handed_over {
                    break;
                }
                // Caught up: flushes may write again.
                state.handed_over = false;
                state.busy = false;
                continue;
            }
            state.busy = true;
            Self::take_batch(&mut state, &mut batch);
            drop(state);
            let written = socket.write_all(&batch);
            if batch.capacity() > 256 * 1024 {
                batch = Vec::new();
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
        drop(state);
        self.socket.shutdown(Shutdown::Both).ok();
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
        if state.queued_bytes + bytes.len() > self.limit {
            state.overflowed = true;
            self.cut_off(state);
            return Pushed::Dropped;
        }
        let first = state.queue.is_empty() && !state.busy;
        state.queued_bytes += bytes.len();
        state.queue.push_back(bytes);
        if first { Pushed::First } else { Pushed::More }
    }

    /// Lets what is queued be sent, then the writer thread ends and closes the socket.
    fn close(&self) {
        self.lock().closing = true;
        self.wake.notify_all();
    }
}
