//! The seam between the room and the sockets: the room hands each person's encoded messages to a
//! [`Mailbox`] and never sees how they are sent. The server's mailbox is the
//! [`Outbox`](super::outbox::Outbox); the room's unit tests use one that records.

use std::fmt::Debug;
use std::sync::Arc;

/// The bytes of one encoded message, shared by every recipient of a broadcast.
pub type Bytes = Arc<[u8]>;

/// What [`Mailbox::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Queued into an empty, idle queue: it needs a flush.
    First,
    /// Queued behind bytes a flush or the writer thread will send.
    More,
    /// Not queued: the mailbox is closing, or has just overflowed and cut its reader off.
    Dropped,
}

/// Where what one person is sent goes. Both calls return at once: they may take a short lock, never
/// wait on a socket, a disk or a broker, since the room calls them under its own lock.
pub trait Mailbox: Debug + Send + Sync + 'static {
    /// Queues `bytes` for the person; [`Pushed::First`] asks the caller for a flush later.
    fn push(&self, bytes: Bytes) -> Pushed;

    /// Queues `bytes` and sends them at once, never waiting on the socket: for a caller outside
    /// any turn in the room, which no flush follows (an echo released once it is stored).
    fn push_now(&self, bytes: Bytes);

    /// Lets what is queued be sent, then ends the connection; later pushes are dropped.
    fn close(&self);

    /// [`Mailbox::close`], and the person's session stops reading (a moderator removed them):
    /// what is queued is still sent, by the session as it ends.
    fn end(&self) {
        self.close();
    }
}
