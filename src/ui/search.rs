//! The search panel (Ctrl+F): words to look for in the room's history, and what the room found,
//! each result with the messages around it; a click shows the message in the conversation.

use eframe::egui::{self, Key, RichText};

use super::{Action, name_colour};
use crate::model::transcript::local_hour_minute;
use crate::protocol::Chat;
use crate::protocol::message::Found;

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
pub fn search_ui(ui: &mut egui::Ui, panel: &mut SearchPanel) -> Option<Action> {
    let mut action = None;
    let heading = ui
        .horizontal(|ui| {
            let heading = ui.strong("Search the room");
            if ui.small_button("Close search").clicked() {
                action = Some(Action::CloseSearch);
            }
            heading
        })
        .inner;
    let field = ui
        .add(
            egui::TextEdit::singleline(&mut panel.query)
                .id_salt("search_input")
                .hint_text("words to find, Enter to search")
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
        .add_enabled(!words.is_empty(), egui::Button::new("Search"))
        .clicked()
        || (enter && !words.is_empty())
    {
        action = Some(Action::Search(words));
    } else if escape {
        action = Some(Action::CloseSearch);
    }
    ui.separator();
    match (&panel.asked, &panel.results) {
        (None, _) => {
            ui.weak("Case and accents don't matter: \"cafe\" finds \"café\".");
        }
        (Some(_), None) => {
            ui.weak("Searching…");
        }
        (Some(asked), Some(results)) if results.is_empty() => {
            ui.label(format!("Nothing found for \"{asked}\"."));
        }
        (Some(_), Some(results)) => {
            ui.weak(match results.len() {
                1 => "1 message; click it to see it in the conversation.".to_owned(),
                n => format!("{n} messages, newest first; click one to see it."),
            });
            let dark = ui.visuals().dark_mode;
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    for found in results {
                        if let Some(id) = result_ui(ui, found, dark) {
                            action = Some(Action::JumpTo(id));
                        }
                        ui.separator();
                    }
                });
        }
    }
    action
}

/// One result: the message before (weak), the one found, the one after (weak). Returns the id of
/// the message found when it is clicked.
fn result_ui(ui: &mut egui::Ui, found: &Found, dark: bool) -> Option<u64> {
    let context = |ui: &mut egui::Ui, chat: &Chat| {
        ui.weak(format!("{}: {}", chat.from, chat.text));
    };
    if let Some(before) = &found.before {
        context(ui, before);
    }
    let chat = &found.message;
    let when = local_hour_minute(chat.time);
    let text = RichText::new(format!("{when} {}: {}", chat.from, chat.text))
        .color(name_colour(&chat.from, dark));
    let clicked = ui
        .add(egui::Button::selectable(false, text).wrap())
        .on_hover_text("Show it in the conversation")
        .clicked();
    if let Some(after) = &found.after {
        context(ui, after);
    }
    clicked.then_some(chat.id)
}
