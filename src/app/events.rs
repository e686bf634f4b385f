//! Everything the app's background threads tell it ([`AppEvent`], on one channel), what a
//! reachability test was for, and a picture read.

use std::path::PathBuf;
use std::time::Duration;

use super::hosting::Started;
use crate::client::ClientEvent;
use crate::client::preview::{Pixels, Unshown};
use crate::client::transfer::TransferEvent;
use crate::diagnostics::Probe;
use crate::discovery::DiscoveryEvent;
use crate::journal::JournalEvent;

/// What a reachability test was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProbeKind {
    /// The connect form's host:port.
    Form,
    /// One of the hosted room's addresses.
    Hosting,
}

/// A picture read on the pictures' thread (`pictures.rs`): its checksum, whether it is for the
/// large view, and its pixels or why they do not show.
#[derive(Debug)]
pub(super) struct PictureRead {
    /// The picture's SHA-256, as its offer gave it.
    pub(super) sha256: String,
    /// For the large view, not a thumbnail.
    pub(super) large: bool,
    /// Its pixels, within the preview's limits, or why not.
    pub(super) pixels: Result<Pixels, Unshown>,
}

/// How long a reachability test waits for an answer.
pub(super) const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Everything the app's background threads tell it, on one channel: each thread gets an
/// [`crate::EventSink`] that wraps its own kind of event.
#[derive(Debug)]
pub(super) enum AppEvent {
    /// From a connection to a room.
    Client(ClientEvent),
    /// A room found or gone on the LAN.
    Discovery(DiscoveryEvent),
    /// A reachability test ended.
    Probe(ProbeKind, Probe),
    /// A transcript was written to this path (with this many messages from the log), or not.
    Exported {
        /// Where.
        path: PathBuf,
        /// How many messages, when they came from this computer's log.
        count: Option<usize>,
        /// How it went.
        written: Result<(), String>,
    },
    /// The room asked for (this app joining it as this name) opened, or could not.
    HostStarted(String, Box<Result<Started, String>>),
    /// The hosted room has stopped and its port is free.
    HostStopped,
    /// A desktop notification was clicked: the conversation it is from.
    NoticeClicked(crate::ui::chat::Showing),
    /// No browser could open this web address.
    UrlFailed(String),
    /// Nothing could open this file or folder.
    PathFailed(PathBuf),
    /// From this computer's log of conversations.
    Journal(JournalEvent),
    /// A file to offer (to one person, or the room) was measured (size, SHA-256), or could not
    /// be read.
    Measured(PathBuf, Option<String>, Result<(u64, String), String>),
    /// From a file transfer.
    Transfer(TransferEvent),
    /// An offered picture was read (or not) on the pictures' thread.
    Picture(PictureRead),
    /// This app's device, read or made at start (or why not).
    Device(Result<crate::protocol::device::DeviceId, String>),
}
