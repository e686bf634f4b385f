//! The search panel (Ctrl+F): words to look for in the room's history, and what the room found,
//! each result with the messages around it; a click shows the message in the conversation (one of
//! your private messages: its direct conversation).

use eframe::egui::{self, Key, RichText};

use super::{Action, RoomAction, name_colour};
use crate::model::chat::file_offer_text;
use crate::model::transcript::local_hour_minute;
use crate::protocol::Chat;
use crate::protocol::message::Found;
use crate::tr;

/// The search panel's state, kept between frames.
#[derive(Debug, Default)]
pub struct SearchPanel {
    /// Shown.
    pub open: bool,
    /// The words typed.
    pub query: String,
    /// The words of the last search sent, while its answer is awaited or shown.
    pub asked: Option<String>,
    /// The last answer, newest first; `None` until one comes.
    pub results: Option<Vec<Found>>,
    /// Put the keyboard in the search field in the next frame.
    pub focus: bool,
}

/// Draws the search panel: the field, then the results.
pub fn search_ui(ui: &mut egui::Ui, panel: &mut SearchPanel, me: &str) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let heading = ui
        .horizontal(|ui| {
            let heading = ui.strong(lang.tr("search-heading"));
            if ui.small_button(lang.tr("search-close")).clicked() {
                action = Some(Action::Room(RoomAction::CloseSearch));
            }
            heading
        })
        .inner;
    let field = ui
        .add(
            egui::TextEdit::singleline(&mut panel.query)
                .id_salt("search_input")
                .hint_text(lang.tr("search-hint"))
                .desired_width(f32::INFINITY),
        )
        .labelled_by(heading.id);
    if std::mem::take(&mut panel.focus) {
        field.request_focus();
    }
    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
    let escape = ui.input(|i| i.key_pressed(Key::Escape));
    let words = panel.query.trim().to_owned();
    if ui
        .add_enabled(
            !words.is_empty(),
            egui::Button::new(lang.tr("search-button")),
        )
        .clicked()
        || (enter && !words.is_empty())
    {
        action = Some(Action::Room(RoomAction::Search(words)));
    } else if escape {
        action = Some(Action::Room(RoomAction::CloseSearch));
    }
    ui.separator();
    match (&panel.asked, &panel.results) {
        (None, _) => {
            ui.weak(lang.tr("search-help"));
        }
        (Some(_), None) => {
            ui.weak(lang.tr("search-searching"));
        }
        (Some(asked), Some(results)) if results.is_empty() => {
            ui.label(tr!(lang, "search-nothing", words = asked.as_str()));
        }
        (Some(_), Some(results)) => {
            ui.weak(tr!(lang, "search-count", count = results.len()));
            let dark = ui.visuals().dark_mode;
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    for found in results {
                        if let Some(shown) = result_ui(ui, found, me, dark) {
                            action = Some(Action::Room(shown));
                        }
                        ui.separator();
                    }
                });
        }
    }
    action
}

/// One result: the message before (weak), the one found (or the file, said as the conversation
/// says it; `me` is this person; one of your private messages, with whom), the one after (weak).
/// Returns, when it is clicked, what shows it: the room at that message, or the direct
/// conversation.
fn result_ui(ui: &mut egui::Ui, found: &Found, me: &str, dark: bool) -> Option<RoomAction> {
    let context = |ui: &mut egui::Ui, chat: &Chat| {
        ui.weak(format!("{}: {}", chat.from, chat.text));
    };
    if let Some(before) = &found.before {
        context(ui, before);
    }
    let chat = &found.message;
    let when = local_hour_minute(chat.time);
    let lang = super::lang(ui.ctx());
    // One of your private messages: who it is with (its id is not the room's).
    let peer = found.to.as_deref().map(|to| {
        if chat.from == me {
            to
        } else {
            chat.from.as_str()
        }
    });
    let said = match (&found.file, peer) {
        (Some(offer), _) => file_offer_text(offer, me, lang),
        (None, Some(peer)) => format!(
            "{} {}: {}",
            tr!(lang, "search-private", name = peer),
            chat.from,
            chat.text
        ),
        (None, None) => format!("{}: {}", chat.from, chat.text),
    };
    let text = RichText::new(format!("{when} {said}")).color(name_colour(&chat.from, dark));
    let clicked = ui
        .add(egui::Button::selectable(false, text).wrap())
        .on_hover_text(super::lang(ui.ctx()).tr("search-show"))
        .clicked();
    if let Some(after) = &found.after {
        context(ui, after);
    }
    clicked.then(|| match peer {
        Some(peer) => RoomAction::StartPrivate(peer.to_owned()),
        None => RoomAction::JumpTo(chat.id),
    })
}
