//! The app's state below the views: the conversation, the host's named rooms, the connect form,
//! settings and profiles, and the transcript. Pure data and its rules; no egui, no threads, no
//! sockets (settings read and write their small file).
//!
//! The views (`ui`) read these and the app shell (`app`) changes them; this layer imports neither.

pub mod chat;
pub mod direct;
pub mod form;
pub mod markup;
pub mod rooms;
pub mod settings;
pub mod transcript;

pub use chat::{
    ChatModel, Direction, Entry, EntryKind, MarkerKind, Recall, Sending, TransferState,
    TransferStatus, Unsent, demo_conversation, demo_conversation_in,
};
