//! The server's live counters, updated by the sessions and the room without a lock, and the
//! snapshot the handle gives out.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Live counters, updated by the sessions.
#[derive(Debug, Default)]
pub(super) struct Counters {
    /// People in the room.
    pub(super) people: AtomicUsize,
    /// Connections that have not given a name yet.
    pub(super) pending: AtomicUsize,
    /// Chat and private messages relayed.
    pub(super) messages: AtomicU64,
    /// Messages queued to recipients (a broadcast to 10 people counts 10).
    pub(super) deliveries: AtomicU64,
    /// Messages sent again with a client id the room already had: echoed, not relayed.
    pub(super) resent: AtomicU64,
}

/// A snapshot of the server's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// People in the room.
    pub people: usize,
    /// Connections that have not given a name yet.
    pub pending: usize,
    /// Chat and private messages relayed since the start.
    pub messages: u64,
    /// Messages queued to recipients since the start.
    pub deliveries: u64,
    /// Messages sent again with a client id the room already had (after a lost connection):
    /// echoed to their sender, not relayed or stored again.
    pub resent: u64,
}

impl Counters {
    /// The counters right now.
    pub(super) fn snapshot(&self) -> Stats {
        Stats {
            people: self.people.load(Ordering::Relaxed),
            pending: self.pending.load(Ordering::Relaxed),
            messages: self.messages.load(Ordering::Relaxed),
            deliveries: self.deliveries.load(Ordering::Relaxed),
            resent: self.resent.load(Ordering::Relaxed),
        }
    }
}
