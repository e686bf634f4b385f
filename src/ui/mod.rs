//! The egui views. Each is a function `*_ui(ui, …) -> Option<Action>`: it draws from state it is
//! lent and returns what the person asked for; the app applies it.
//!
//! Views read the app's model (`&`) and may edit only their own small buffers (`&mut` text being
//! typed, the message list's layout cache), never the connection or the server.

pub mod chat;
pub mod connect;
pub mod messages;
pub mod toolbar;

use eframe::egui::{self, Color32};

use crate::app::settings::ThemeChoice;

/// What a person asked for in a view.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Connect with what the form holds.
    Connect,
    /// Stop connecting.
    CancelConnect,
    /// Fill the form from a saved profile.
    SelectProfile(String),
    /// Save the form as a profile with this name.
    SaveProfile(String),
    /// Rename a profile.
    RenameProfile {
        /// Its name now.
        old: String,
        /// Its new name.
        new: String,
    },
    /// Delete a profile.
    DeleteProfile(String),
    /// Fill the form from a room found on the network (by its full name).
    PickRoom(String),
    /// Fill the form from a room found on the network and connect.
    JoinRoom(String),
    /// Turn LAN discovery (browsing and advertising) on or off.
    SetDiscovery(bool),
    /// Test whether the form's host:port answers (and list the interfaces again).
    TestReachability,
    /// Test whether the hosted room answers on each of its addresses.
    TestHosting,
    /// Send what was typed in the input line.
    Send(String),
    /// Start a private message to someone (fills the input line).
    StartPrivate(String),
    /// Leave the room.
    Disconnect,
    /// Stop waiting to reconnect.
    CancelReconnect,
    /// Turn hosting on.
    HostOn,
    /// Turn hosting off (asks first when others are connected).
    HostOff,
    /// Yes, stop hosting even though others are connected.
    ConfirmHostOff,
    /// No, keep hosting.
    KeepHosting,
    /// Change the colour theme.
    SetTheme(ThemeChoice),
    /// Change the text size.
    SetFontSize(f32),
    /// Save the conversation to a text file.
    ExportTranscript,
    /// Put text on the clipboard.
    Copy(String),
    /// Hide the settings warning.
    DismissWarning,
}

/// A colour for a person's name: the same for the same name, every run, readable on the theme.
pub fn name_colour(name: &str, dark: bool) -> Color32 {
    // FNV-1a: stable across runs and platforms, unlike std's random hasher.
    let hash = name.to_lowercase().bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let hue = (hash % 360) as f32 / 360.0;
    let value = if dark { 0.9 } else { 0.55 };
    egui::ecolor::Hsva::new(hue, 0.65, value, 1.0).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_colours_are_stable_and_differ() {
        assert_eq!(name_colour("alice", true), name_colour("Alice", true));
        assert_ne!(name_colour("alice", true), name_colour("bob", true));
        assert_ne!(name_colour("alice", true), name_colour("alice", false));
    }
}
