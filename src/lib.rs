//! Coucou: a chat for the local network, as a desktop app and as a headless server.
//!
//! The crate is layered; each layer knows only those below it:
//!
//! | layer | module | job |
//! |---|---|---|
//! | words | [`i18n`] | English and French (Fluent), for the interface and the server's notices |
//! | wire format | [`protocol`] | framing, cleaning, names, commands, JSON and plain messages; no I/O |
//! | hashing | [`digest`] | the SHA-256 of a reader, for the host's files and the app's |
//! | connection | [`connection`], [`tls`], [`identity`], [`lan`] | bytes from a socket to frames; TLS on the same port; a host's certificate and fingerprint; this machine's LAN addresses |
//! | storage | [`store`], [`journal`] | the host's lasting history and the app's own log (SQLite), each written by one thread |
//! | broker | [`link`] | one room across servers: the NATS stream, names and presence |
//! | server | [`server`] | the room: sessions, outgoing queues, the [`server::Server`] handle |
//! | client | [`client`] | the app's connection threads: commands in, events out |
//! | model | [`model`] | chat state, the connect form, settings and profiles, transcript |
//! | UI | [`ui`] | egui views that return actions |
//! | app shell | [`app`] | the eframe app: applies actions, runs connections, hosting, notifications |
//! | LAN discovery | [`discovery`], [`diagnostics`] | mDNS / DNS-SD; interfaces and reachability tests |
//! | hosting | [`hosted`] | a room hosted here: the server with TLS and its announcement, for the app and `coucou server` alike |
//! | command line | [`cli`], [`headless`], [`desktop`] | the clap definitions; `coucou server`, `coucou rooms`; the application menu entry |
//!
//! Only [`app`] and [`ui`] name egui; everything below them runs without a window. See
//! `ARCHITECTURE.md` for the invariants.

use std::sync::Arc;

use crossbeam_channel::Sender;

/// Wakes whoever waits for events from a background thread (the app passes `request_repaint`);
/// called after each event is sent on its channel.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// True for the errors a blocking read or write gives when its time-out passes: `WouldBlock` on
/// Unix, `TimedOut` on Windows. The one place that says so.
pub fn is_timeout(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// Whether [`run_in_background`] lowers the thread's priority: yes, unless this process said
/// otherwise ([`lower_bulk_priority`]).
static LOWER_BULK_PRIORITY: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(true);

/// Puts the calling thread behind the others for the processor (the lowest priority: nice 19 on
/// Linux): bulk work, file bytes, that must never make a chat message late.
pub fn run_in_background() {
    if LOWER_BULK_PRIORITY.load(std::sync::atomic::Ordering::Relaxed) {
        thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min).ok();
    }
}

/// Whether bulk work in this process goes behind the rest for the processor
/// ([`run_in_background`]); it does unless turned off. The integration tests turn it off: they
/// run side by side in one process, one per core, where the other tests' work, not a chat, is
/// what file bytes would wait behind, past the tests' patience. `benches/files.sh` measures what
/// the lower priority buys.
pub fn lower_bulk_priority(lower: bool) {
    LOWER_BULK_PRIORITY.store(lower, std::sync::atomic::Ordering::Relaxed);
}

/// Where a background thread delivers its events of type `T`: each is sent on a channel, then the
/// [`Waker`] is called. The app gives every thread one of these onto its single event channel, each
/// wrapping its own kind of event; nothing below the app knows what the others are.
pub struct EventSink<T> {
    deliver: Arc<dyn Fn(T) -> bool + Send + Sync>,
}

impl<T: 'static> EventSink<T> {
    /// Sends events on `tx` as they are, then wakes.
    pub fn new(tx: Sender<T>, wake: Waker) -> Self
    where
        T: Send,
    {
        Self::wrapping(tx, |event| event, wake)
    }

    /// Sends each event on `tx` wrapped by `wrap` (one channel for several kinds of events), then
    /// wakes.
    pub fn wrapping<E: Send + 'static>(
        tx: Sender<E>,
        wrap: impl Fn(T) -> E + Send + Sync + 'static,
        wake: Waker,
    ) -> Self {
        Self {
            deliver: Arc::new(move |event| {
                let sent = tx.send(wrap(event)).is_ok();
                if sent {
                    wake();
                }
                sent
            }),
        }
    }

    /// Delivers `event` and wakes the receiver; false when nobody listens any more (the event is
    /// dropped: the app is gone, so nobody needs to know).
    pub fn send(&self, event: T) -> bool {
        (self.deliver)(event)
    }
}

impl<T> Clone for EventSink<T> {
    fn clone(&self) -> Self {
        Self {
            deliver: Arc::clone(&self.deliver),
        }
    }
}

impl<T> std::fmt::Debug for EventSink<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventSink")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn a_sink_wraps_sends_then_wakes_and_says_when_nobody_listens() {
        let (tx, rx) = crossbeam_channel::unbounded::<(u8, String)>();
        let wakes = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&wakes);
        let sink = EventSink::wrapping(
            tx,
            |text: String| (7, text),
            Arc::new(move || {
                counted.fetch_add(1, Ordering::SeqCst);
            }),
        );
        assert!(sink.clone().send("hi".to_owned()));
        assert_eq!(rx.try_recv().unwrap(), (7, "hi".to_owned()));
        assert_eq!(wakes.load(Ordering::SeqCst), 1);
        drop(rx);
        assert!(!sink.send("lost".to_owned()));
        assert_eq!(wakes.load(Ordering::SeqCst), 1, "no wake for nobody");
    }
}

pub mod app;
pub mod cli;
pub mod client;
pub mod connection;
pub mod desktop;
pub mod diagnostics;
pub mod digest;
pub mod discovery;
pub mod headless;
pub mod hosted;
pub mod i18n;
pub mod identity;
pub mod journal;
pub mod lan;
pub mod link;
pub mod model;
pub mod protocol;
pub mod qr;
pub mod server;
pub mod store;
pub mod tls;
pub mod ui;
