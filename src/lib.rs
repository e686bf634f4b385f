//! Coucou: a chat for the local network, as a desktop app and as a headless server.
//!
//! The crate is layered; each layer knows only those below it:
//!
//! | layer | module | job |
//! |---|---|---|
//! | wire format | [`protocol`] | framing, cleaning, names, commands, JSON and plain messages; no I/O |
//! | connection | [`connection`] | bytes from a socket to frames |
//! | server | [`server`] | the room: sessions, outgoing queues, the [`server::Server`] handle |
//! | client | [`client`] | the app's connection threads: commands in, events out |
//! | model | [`model`] | chat state, the connect form, settings and profiles, transcript |
//! | UI | [`ui`] | egui views that return actions |
//! | app shell | [`app`] | the eframe app: applies actions, runs connections, hosting, notifications |
//! | LAN discovery | [`discovery`], [`diagnostics`] | mDNS / DNS-SD; interfaces and reachability tests |
//! | command line | [`headless`] | `coucou server`, `coucou rooms` |
//!
//! Only [`app`] and [`ui`] name egui; everything below them runs without a window. See
//! `ARCHITECTURE.md` for the invariants.

use std::sync::Arc;

/// Wakes whoever waits for events from a background thread (the app passes `request_repaint`);
/// called after each event is sent on its channel.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

pub mod app;
pub mod client;
pub mod connection;
pub mod diagnostics;
pub mod discovery;
pub mod headless;
pub mod lan;
pub mod model;
pub mod protocol;
pub mod server;
pub mod ui;
