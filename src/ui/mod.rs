//! The egui views. Each is a function `*_ui(ui, …) -> Option<Action>`: it draws from state it is
//! lent and returns what the person asked for; the app applies it.
//!
//! Views read the app's model (`&`) and may edit only their own small buffers (`&mut` text being
//! typed, the message list's layout cache), never the connection or the server.

pub mod chat;
pub mod connect;
pub mod dialogs;
pub mod messages;
pub mod moderation;
pub mod pictures;
pub mod progress;
pub mod relations;
pub mod search;
pub mod toolbar;
pub mod trust;

use eframe::egui::{self, Color32};

use crate::i18n::Lang;

/// Where the interface's language is kept in egui's memory for the views to read.
fn lang_id() -> egui::Id {
    egui::Id::unique("coucou_lang")
}

/// The interface's language, as the app set it (English until it does).
pub fn lang(ctx: &egui::Context) -> Lang {
    ctx.data(|d| d.get_temp(lang_id())).unwrap_or_default()
}

/// Sets the interface's language for every view; the app calls it at start and on a change.
pub fn set_lang(ctx: &egui::Context, lang: Lang) {
    ctx.data_mut(|d| d.insert_temp(lang_id(), lang));
}

/// What a person asked of files offered, sent or received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAction {
    /// Choose a file to offer (the system's file dialog, else the app's own): to the room, or
    /// to one person.
    Pick(Option<String>),
    /// Offer this file to the room (dropped on the window).
    Offer(std::path::PathBuf),
    /// Offer this pasted image to the room (Ctrl+V), as a PNG of its pixels alone.
    Paste(std::sync::Arc<eframe::egui::ColorImage>),
    /// Download the offered file with this id (again, from where it stopped, after a failure).
    Accept(u64),
    /// Download the offered file with this id to a place chosen in a save dialog.
    SaveAs(u64),
    /// Stop the transfer of the file with this id.
    Cancel(u64),
    /// Upload the file with this id again, from what the host already has.
    RetryUpload(u64),
    /// Forget a stopped upload (the host forgets its part when its window passes).
    Dismiss(u64),
    /// Open a file or a folder as the system does (a download, or the folder it is in).
    Open(std::path::PathBuf),
    /// Fetch and read the offered picture with this id, to show its thumbnail.
    Show(u64),
    /// Show the offered picture with this id large, over the window.
    Enlarge(u64),
    /// Stop showing the picture shown large.
    CloseLarge,
}

/// What the connect screen asks of the saved profiles (the lobby applies it).
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileAction {
    /// Fill the form from a saved profile.
    Select(String),
    /// Save the form as a profile with this name.
    Save(String),
    /// Rename a profile.
    Rename {
        /// Its name now.
        old: String,
        /// Its new name.
        new: String,
    },
    /// Delete a profile (asks first).
    Delete(String),
}

/// What a view asks of the room on screen and its conversation (the session applies it).
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomAction {
    /// Send what was typed in the input line.
    Send(String),
    /// Start a private message to someone: their direct conversation (in a Coucou room), or
    /// `/msg name ` in the input line.
    StartPrivate(String),
    /// Show the room, one of the host's named rooms, or a direct conversation.
    Show(chat::Showing),
    /// Join the host's named room of this name (or make it, on a host that lets anyone).
    JoinNamed(String),
    /// Join the host's named room that has a password, with the password typed.
    JoinProtected {
        /// The room.
        room: String,
        /// The password as typed.
        password: String,
    },
    /// Leave the host's named room of this name.
    PartNamed(String),
    /// Put this quote in the input line.
    Quote(String),
    /// Leave the room.
    Disconnect,
    /// Stop waiting to reconnect.
    CancelReconnect,
    /// Try to reconnect now instead of waiting.
    ReconnectNow,
    /// Join the room of the conversation on screen again (after leaving or losing it).
    Rejoin,
    /// Put the conversation on screen away and go back to the connect screen.
    CloseConversation,
    /// Ask the room for the page of messages before the first one shown.
    LoadOlder,
    /// Open the search panel (Ctrl+F).
    OpenSearch,
    /// Close the search panel.
    CloseSearch,
    /// Search the room's history for these words.
    Search(String),
    /// Show the message with this id (loading older pages until it is there).
    JumpTo(u64),
    /// Mark yourself away, with a reason or none.
    SetAway(Option<String>),
    /// Mark yourself back.
    SetBack,
    /// Save the conversation to a text file.
    ExportTranscript,
    /// A moderator's act, about the room on screen.
    Moderate(crate::protocol::command::Moderate),
    /// Something about the bans and mutes panel.
    Rules(moderation::RulesAction),
    /// Stop showing what this person says (`true`), or show it again: this screen only.
    Ignore(String, bool),
    /// A reply, an edit, a deletion of your own message or a reaction, for the room on screen.
    Change(crate::protocol::Command),
    /// Answer this message with the next one typed.
    ReplyTo(crate::protocol::change::Quote),
    /// Change the text of your message with this id (its text now in the input line).
    Edit {
        /// The message's id.
        id: u64,
        /// Its text now.
        text: String,
    },
}

/// What a person asked for in a view: for the shell itself, or nested for the owner that
/// applies it.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// An answer to one of the dialogs over the window.
    Dialog(dialogs::DialogAction),
    /// Something about the saved profiles.
    Profile(ProfileAction),
    /// Something about the room on screen and its conversation.
    Room(RoomAction),
    /// Something about files offered, sent or received.
    File(FileAction),
    /// A preference from the Settings menu (or the zoom keys).
    Preference(crate::model::settings::Preference),
    /// Change one of Room options (the room this app hosts).
    RoomOption(crate::model::settings::RoomOption),
    /// Connect with what the form holds.
    Connect,
    /// Stop connecting.
    CancelConnect,
    /// Fill the form from a room found on the network (by its full name).
    PickRoom(String),
    /// Fill the form from a room found on the network and connect.
    JoinRoom(String),
    /// Test whether the form's host:port answers (and list the interfaces again).
    TestReachability,
    /// Test whether the hosted room answers on each of its addresses.
    TestHosting,
    /// Turn hosting on (asks first when in another room).
    HostOn,
    /// Turn hosting off (asks first when others are connected).
    HostOff,
    /// Put text on the clipboard.
    Copy(String),
    /// Open a web address in the browser.
    OpenUrl(String),
    /// Hide the settings warning.
    DismissWarning,
    /// Hide the hosting warning or error.
    DismissHostError,
}

/// The background names are drawn on: egui's panel fill in each theme.
fn name_background(dark: bool) -> Color32 {
    if dark {
        Color32::from_gray(27)
    } else {
        Color32::from_gray(248)
    }
}

/// The contrast a name colour keeps against the background: WCAG's 4.5:1 for text, with a margin
/// for the slightly tinted rows (mentions, private messages).
const NAME_CONTRAST: f32 = 4.8;

/// A colour for a person's name: the same for the same name, every run, and readable on the theme:
/// at least `NAME_CONTRAST` against the background in both themes, whatever the hue.
pub fn name_colour(name: &str, dark: bool) -> Color32 {
    // FNV-1a: stable across runs and platforms, unlike std's random hasher.
    let hash = name.to_lowercase().bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hue_colour((hash % 360) as f32 / 360.0, dark)
}

/// The most saturated colour of `hue` that keeps [`NAME_CONTRAST`] on the theme's background:
/// light themes darken the colour, dark themes lighten it (less saturation, more value).
fn hue_colour(hue: f32, dark: bool) -> Color32 {
    let bg = name_background(dark);
    let colour = |s: f32, v: f32| -> Color32 { egui::ecolor::Hsva::new(hue, s, v, 1.0).into() };
    let readable = |c: Color32| contrast_ratio(c, bg) >= NAME_CONTRAST;
    // 20 steps of 5 %: from the preferred colour towards black (light) or white (dark).
    (0..=20)
        .map(|step| step as f32 / 20.0)
        .map(|t| {
            if dark {
                colour(0.65 * (1.0 - t), 0.9 + 0.1 * t)
            } else {
                colour(0.65, 0.55 * (1.0 - t))
            }
        })
        .find(|&c| readable(c))
        .unwrap_or(if dark { Color32::WHITE } else { Color32::BLACK })
}

/// The least contrast of text a person reads (WCAG AA, with a little margin for rounding).
pub const TEXT_CONTRAST: f32 = 4.6;

/// The least contrast of a field's border, so that a person sees where to type (WCAG AA for
/// parts of the interface).
pub const BORDER_CONTRAST: f32 = 3.1;

/// Makes a theme's colours readable on its panels: the grey of timestamps and hints, and the
/// orange of warnings and "New since…", at [`TEXT_CONTRAST`]; text fields white (or black) with
/// a border at [`BORDER_CONTRAST`]. egui's light theme gives 2.9:1 and 2.8:1, and fields that
/// hardly show.
pub fn readable(visuals: &mut egui::Visuals) {
    let panel = visuals.panel_fill;
    let weak = over(visuals.weak_text_color(), panel);
    visuals.weak_text_color = Some(at_least(weak, panel, TEXT_CONTRAST));
    // Warnings and "New since…" are written in this colour (a mention's row is tinted with it:
    // see `mention_fill`).
    visuals.warn_fg_color = at_least(visuals.warn_fg_color, panel, TEXT_CONTRAST);
    visuals.text_edit_bg_color = Some(if visuals.dark_mode {
        Color32::from_gray(10)
    } else {
        Color32::WHITE
    });
    let border = visuals.widgets.inactive.bg_stroke.color;
    visuals.widgets.inactive.bg_stroke.color =
        at_least(over(border, panel), panel, BORDER_CONTRAST);
}

/// `c` (premultiplied, maybe see-through) as it shows over the opaque `background`.
pub fn over(c: Color32, background: Color32) -> Color32 {
    let rest = 1.0 - f32::from(c.a()) / 255.0;
    let mix = |top: u8, below: u8| {
        let value = f32::from(top) + f32::from(below) * rest;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0–255
        let value = value.round().clamp(0.0, 255.0) as u8;
        value
    };
    Color32::from_rgb(
        mix(c.r(), background.r()),
        mix(c.g(), background.g()),
        mix(c.b(), background.b()),
    )
}

/// `c`, darkened on a light `background` (lightened on a dark one) step by step until it has
/// `ratio` against it.
fn at_least(c: Color32, background: Color32, ratio: f32) -> Color32 {
    let toward = if relative_luminance(background) > 0.5 {
        Color32::BLACK
    } else {
        Color32::WHITE
    };
    (0..=40)
        .map(|step| c.lerp_to_gamma(toward, step as f32 / 40.0))
        .find(|candidate| contrast_ratio(*candidate, background) >= ratio)
        .unwrap_or(toward)
}

/// The background of a message that mentions the person: a tint of the warning colour over the
/// panel, as strong as it can be (at most 18 %) with the text on it still readable.
pub fn mention_fill(visuals: &egui::Visuals) -> Color32 {
    let text = visuals.text_color();
    (4..=18)
        .rev()
        .map(|percent| visuals.warn_fg_color.gamma_multiply(percent as f32 / 100.0))
        .find(|tint| contrast_ratio(text, over(*tint, visuals.panel_fill)) >= TEXT_CONTRAST)
        .unwrap_or(Color32::TRANSPARENT)
}

/// WCAG 2 relative luminance of an sRGB colour.
fn relative_luminance(c: Color32) -> f32 {
    let channel = |v: u8| {
        let v = f32::from(v) / 255.0;
        if v <= 0.040_45 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
}

/// WCAG 2 contrast ratio of two colours, from 1 (same) to 21 (black on white).
pub fn contrast_ratio(a: Color32, b: Color32) -> f32 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
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

    #[test]
    fn every_hue_meets_4_5_to_1_in_both_themes() {
        for degree in 0..360 {
            let hue = degree as f32 / 360.0;
            for dark in [true, false] {
                let c = hue_colour(hue, dark);
                let ratio = contrast_ratio(c, name_background(dark));
                assert!(
                    ratio >= 4.5,
                    "hue {degree}, dark {dark}: {c:?} gives {ratio:.2}:1"
                );
            }
        }
        // The ratio is computed as WCAG says: black on white is 21:1.
        assert!((contrast_ratio(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 0.01);
    }

    #[test]
    fn names_keep_some_colour() {
        // Not everything collapses to black or white: most hues stay saturated.
        let coloured = (0..360)
            .map(|d| hue_colour(d as f32 / 360.0, false))
            .filter(|c| c.r().abs_diff(c.g()) > 30 || c.g().abs_diff(c.b()) > 30)
            .count();
        assert!(coloured > 300, "{coloured}");
    }
}
