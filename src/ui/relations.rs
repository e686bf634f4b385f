//! What a message says about another and what people did to it, on screen: the quote of the
//! message it answers (a click jumps there), "edited", its reactions (a click puts yours or takes
//! it back; hovering says who), the emoji a message's menu offers, and the composer's line while
//! replying or editing.

use eframe::egui::{self, RichText};

use super::{Action, RoomAction};
use crate::i18n::Lang;
use crate::protocol::Command;
use crate::protocol::change::{Quote, Reaction};
use crate::tr;

/// The emoji a message's menu offers to react with.
pub const QUICK_REACTIONS: [&str; 6] = ["👍", "❤", "😂", "😮", "🎉", "✅"];

/// What the composer's next message is about, besides its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aside {
    /// It answers this message.
    Reply(Quote),
    /// It is the new text of your message with this id.
    Edit(u64),
}

impl Aside {
    /// What sending `text` with this aside asks of the room.
    pub fn command(self, text: String) -> Command {
        match self {
            Self::Reply(quote) => Command::Reply {
                to: quote.id,
                text,
                stored: None,
            },
            Self::Edit(id) => Command::Edit { id, text },
        }
    }
}

/// The quote above a reply: who and their first words, or "an earlier message" when the host
/// gave its id alone. A click asks to jump to it (`clicked`); the label's response is returned
/// for the row's menu.
pub fn quote_ui(
    ui: &mut egui::Ui,
    quote: &Quote,
    lang: Lang,
    clicked: &mut Option<Action>,
) -> egui::Response {
    let text = match (&quote.from, &quote.text) {
        (Some(from), Some(text)) => format!("↪ {from}: {text}"),
        _ => format!("↪ {}", lang.tr("reply-earlier")),
    };
    let link = egui::Label::new(RichText::new(text).small().weak())
        .truncate()
        .selectable(false)
        .sense(egui::Sense::click());
    let response = ui
        .add(link)
        .on_hover_text(lang.tr("reply-jump"))
        .on_hover_cursor(egui::CursorIcon::PointingHand);
    if response.clicked() {
        *clicked = Some(Action::Room(RoomAction::JumpTo(quote.id)));
    }
    response
}

/// "(edited)" after a message's text.
pub fn edited_ui(ui: &mut egui::Ui, lang: Lang) {
    ui.label(RichText::new(lang.tr("message-edited")).small().weak());
}

/// A message's reactions, one button each with its count (pressed when yours is among them);
/// hovering says who. `can_react`: a click puts yours or takes it back.
pub fn reactions_ui(
    ui: &mut egui::Ui,
    (id, reactions): (u64, &[Reaction]),
    me: &str,
    can_react: bool,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        for reaction in reactions {
            let mine = reaction.names.iter().any(|n| n == me);
            let label = format!("{} {}", reaction.emoji, reaction.names.len());
            let button = egui::Button::selectable(mine, RichText::new(label).small());
            let who = tr!(
                lang,
                "reaction-who",
                emoji = reaction.emoji.as_str(),
                names = reaction.names.join(", ")
            );
            let response = ui.add_enabled(can_react, button).on_hover_text(who);
            if response.clicked() {
                action = Some(react(id, &reaction.emoji, !mine));
            }
        }
    });
    action
}

/// The row of emoji in a message's menu: each puts yours (or takes it back when it is there).
pub fn react_row_ui(
    ui: &mut egui::Ui,
    id: u64,
    reactions: &[Reaction],
    me: &str,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    ui.horizontal(|ui| {
        for emoji in QUICK_REACTIONS {
            let mine = reactions
                .iter()
                .any(|r| r.emoji == emoji && r.names.iter().any(|n| n == me));
            let button = egui::Button::selectable(mine, emoji);
            let response = ui
                .add(button)
                .on_hover_text(tr!(lang, "react-with", emoji = emoji));
            if response.clicked() {
                action = Some(react(id, emoji, !mine));
            }
        }
    });
    action
}

fn react(id: u64, emoji: &str, on: bool) -> Action {
    Action::Room(RoomAction::Change(Command::React {
        id,
        emoji: emoji.to_owned(),
        on,
    }))
}

/// The line above the input while replying or editing: what, and × (or Escape) to stop.
pub fn aside_ui(ui: &mut egui::Ui, aside: &Aside) -> bool {
    let lang = super::lang(ui.ctx());
    let mut stop = false;
    ui.horizontal(|ui| {
        let text = match aside {
            Aside::Reply(Quote {
                from: Some(from),
                text: Some(text),
                ..
            }) => tr!(
                lang,
                "replying-to",
                name = from.as_str(),
                text = text.as_str()
            ),
            Aside::Reply(_) => lang.tr("reply-earlier"),
            Aside::Edit(_) => lang.tr("editing"),
        };
        if ui
            .small_button("×")
            .on_hover_text(lang.tr("aside-stop"))
            .clicked()
        {
            stop = true;
        }
        ui.add(egui::Label::new(RichText::new(text).small()).truncate());
    });
    stop || ui.input(|i| i.key_pressed(egui::Key::Escape))
}
