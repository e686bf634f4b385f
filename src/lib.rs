//! Coucou: a chat for the local network, as a desktop app and as a headless server.
//!
//! The crate is layered; each layer knows only those below it:
//!
//! | layer | module | job |
//! |---|---|---|
//! | wire format | [`protocol`] | framing, cleaning, names, commands, JSON and plain messages; no I/O |
//! | connection | [`connection`] | bytes from a socket to frames |
//! | server | [`server`] | the room: sessions, outgoing queues, the [`server::Server`] handle |
//! | command line | [`headless`] | `coucou server` |
//!
//! Only the app and UI layers name egui; everything here runs without a window. See
//! `ARCHITECTURE.md` for the invariants.

pub mod connection;
pub mod headless;
pub mod lan;
pub mod protocol;
pub mod server;
