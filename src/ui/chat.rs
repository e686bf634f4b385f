//! The chat screen: the host's column (its rooms joined, the direct conversations, the rooms to
//! join), the header of the conversation on screen, the message list, who is here, and the input
//! line.

use eframe::egui::{self, Key, RichText};

use super::messages::{ListLayout, Rights, messages_ui};
use super::moderation::{Rank, RulesPanel, rules_ui};
use super::progress::progress_ui;
use super::relations::{Aside, aside_ui};
use super::search::{SearchPanel, search_ui};
use super::trust::{Protection, badge_ui};
use super::{Action, FileAction, RoomAction};
use crate::model::direct::DirectSummary;
use crate::model::rooms::RoomSummary;
use crate::model::{ChatModel, TransferStatus};
use crate::protocol::MAX_MESSAGE_BYTES;
use crate::protocol::message::RoomInfo;
use crate::tr;

/// The byte count shows from here on, so people see the limit coming.
const SHOW_COUNT_FROM: usize = MAX_MESSAGE_BYTES * 3 / 4;

/// The input line and what was sent before, owned by the app and edited here.
#[derive(Debug, Default)]
pub struct Composer {
    /// What is being typed.
    pub input: String,
    /// Lines sent, oldest first, for Up/Down.
    pub sent: Vec<String>,
    /// Where Up/Down is in `sent`; `None` when typing a new line.
    pub recall: Option<usize>,
    /// Give the input line the keyboard focus in the next frame.
    pub focus: bool,
    /// The last Tab completion, so that Tab again offers the next match.
    completion: Option<Completion>,
    /// What the next message answers, or which of yours it changes.
    pub aside: Option<Aside>,
}

/// A Tab completion in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Completion {
    /// The input before the completed word.
    head: String,
    /// The words that complete it, in order.
    matches: Vec<String>,
    /// Which one the input holds now.
    index: usize,
    /// The input as completed, to tell whether the person typed since.
    result: String,
}

/// How many names the line above the input offers while an `@` is typed.
const MENTION_CHOICES: usize = 6;

/// The commands Tab completes.
const COMMANDS: &[&str] = &[
    "/away", "/back", "/help", "/me", "/msg", "/nick", "/quit", "/search", "/who",
];

/// What Tab offers for `input`: the input before its last word, and the words that complete that
/// word (names of people but `me`, case-insensitive; commands when it is the first word and starts
/// with `/`; `@name` after an `@`), each with what follows it (`: ` after a name that starts the
/// line, else a space).
pub fn completions(input: &str, people: &[String], me: &str) -> Option<(String, Vec<String>)> {
    let start = input.rfind(' ').map_or(0, |i| i + 1);
    let (head, word) = input.split_at(start);
    if word.is_empty() {
        return None;
    }
    let matches: Vec<String> = if head.is_empty() && word.starts_with('/') {
        COMMANDS
            .iter()
            .filter(|c| c.starts_with(&word.to_lowercase()))
            .map(|c| format!("{c} "))
            .collect()
    } else if let Some(word) = word.strip_prefix('@') {
        // A mention: `@name ` wherever it is.
        let lower = word.to_lowercase();
        people
            .iter()
            .filter(|p| *p != me && p.to_lowercase().starts_with(&lower))
            .map(|p| format!("@{p} "))
            .collect()
    } else {
        let lower = word.to_lowercase();
        let after = if head.is_empty() { ": " } else { " " };
        people
            .iter()
            .filter(|p| *p != me && p.to_lowercase().starts_with(&lower))
            .map(|p| format!("{p}{after}"))
            .collect()
    };
    (!matches.is_empty()).then(|| (head.to_owned(), matches))
}

impl Composer {
    /// Puts `text` in the input line, ready to go on typing after it.
    pub fn start_with(&mut self, text: String) {
        self.input = text;
        self.focus = true;
    }

    fn recall_older(&mut self) {
        let next = match self.recall {
            None => self.sent.len().checked_sub(1),
            Some(i) => Some(i.saturating_sub(1)),
        };
        if let Some(i) = next {
            self.recall = Some(i);
            self.input.clone_from(&self.sent[i]);
            self.focus = true;
        }
    }

    fn recall_newer(&mut self) {
        match self.recall {
            Some(i) if i + 1 < self.sent.len() => {
                self.recall = Some(i + 1);
                self.input.clone_from(&self.sent[i + 1]);
                self.focus = true;
            }
            Some(_) => {
                self.recall = None;
                self.input.clear();
            }
            None => {}
        }
    }

    /// Completes the word before the cursor (Tab); Tab again offers the next match.
    pub fn complete(&mut self, people: &[String], me: &str) {
        if let Some(c) = &mut self.completion
            && c.result == self.input
        {
            c.index = (c.index + 1) % c.matches.len();
            c.result = format!("{}{}", c.head, c.matches[c.index]);
            self.input.clone_from(&c.result);
            self.focus = true;
            return;
        }
        self.completion = completions(&self.input, people, me).map(|(head, matches)| {
            let result = format!("{head}{}", matches[0]);
            Completion {
                head,
                matches,
                index: 0,
                result,
            }
        });
        if let Some(c) = &self.completion {
            self.input.clone_from(&c.result);
            self.focus = true;
        }
    }

    /// The next message answers a message, or is the new text of one (`text`, in the line).
    pub fn aside_with(&mut self, aside: Aside, text: Option<String>) {
        if let Some(text) = text {
            self.input = text;
        }
        self.aside = Some(aside);
        self.focus = true;
    }

    /// Takes the line to send, remembering it for Up (but never a password: `/oper`).
    pub fn take(&mut self) -> String {
        let line = std::mem::take(&mut self.input);
        let secret = matches!(
            crate::protocol::command::parse(&line),
            Ok(crate::protocol::Command::Oper(_))
        );
        if !secret && self.sent.last() != Some(&line) {
            self.sent.push(line.clone());
        }
        self.recall = None;
        line
    }
}

/// Where the conversation on screen stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatStatus<'a> {
    /// In the room.
    Live,
    /// The connection was lost; the app is getting it back.
    Reconnecting,
    /// Not in the room any more (left, closed, gave up): read-only, with why, and Rejoin / Close.
    Offline(&'a str),
}

/// Which conversation of the host is on screen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Showing {
    /// The default room: the one the app connected to.
    #[default]
    Room,
    /// One of the host's named rooms, joined.
    Named(String),
    /// The direct conversation with this person.
    Direct(String),
}

/// What is around the conversation on screen: the room's badge and its column.
#[derive(Debug, Clone, Copy)]
pub struct Around<'a> {
    /// How far the connection is protected.
    pub protection: Protection,
    /// The room's name.
    pub room: &'a str,
    /// Messages that came to the room while a direct conversation was on screen, and whether one
    /// names you.
    pub room_news: (usize, bool),
    /// Its direct conversations, newest first.
    pub directs: &'a [DirectSummary],
    /// Which conversation is on screen.
    pub showing: &'a Showing,
    /// The host's named rooms joined, with what is new in each.
    pub rooms: &'a [RoomSummary],
    /// The host's rooms not joined, as it listed them; `None` when the host has no named rooms
    /// (the column then looks as it does with a host of one room).
    pub others: Option<&'a [&'a RoomInfo]>,
    /// The topic of the room on screen, if it has one.
    pub topic: Option<&'a str>,
    /// Where the room on screen is hosted from this app, while it is (else empty).
    pub hosted_on: &'a [std::net::SocketAddr],
    /// What this person may do as a moderator in the room on screen: the people list's menu and
    /// the Moderation menu above it offer that.
    pub rank: Rank,
    /// The thumbnails of the pictures offered, and the picture shown large.
    pub pictures: &'a super::pictures::PictureView,
    /// The bans and mutes panel, while it is open (for a moderator).
    pub rules: Option<&'a RulesPanel>,
}

/// Draws the chat screen.
pub fn chat_ui(
    ui: &mut egui::Ui,
    model: &ChatModel,
    layout: &mut ListLayout,
    composer: &mut Composer,
    search: &mut SearchPanel,
    status: ChatStatus<'_>,
    around: Around<'_>,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let connected = status == ChatStatus::Live;
    // While the app gets the connection back, what is typed waits in the outbox.
    let can_type = connected || status == ChatStatus::Reconnecting;
    // Files are the default room's (and its direct conversations'): a named room has none yet.
    let files = !matches!(around.showing, Showing::Named(_));
    if let ChatStatus::Offline(why) = status {
        egui::Panel::top("offline").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(why).strong());
                if ui.button(lang.tr("rejoin")).clicked() {
                    action = Some(Action::Room(RoomAction::Rejoin));
                }
                if ui.button(lang.tr("close")).clicked() {
                    action = Some(Action::Room(RoomAction::CloseConversation));
                }
            });
        });
    }
    egui::Panel::left("conversations")
        .resizable(true)
        .default_size(150.0)
        .show(ui, |ui| {
            ui.add_space(4.0);
            egui::ScrollArea::vertical().show(ui, |ui| {
                action = action.take().or(column_ui(ui, &around));
            });
        });
    egui::Panel::top("room-header").show(ui, |ui| {
        action = action.take().or(header_ui(ui, model, &around));
    });
    // The search panel, or the bans and mutes, take the people list's place while open, so that
    // the input line keeps room to type at the default window size.
    let rules = around
        .rules
        .filter(|_| connected && around.rank >= Rank::Room);
    if let Some(rules) = rules.filter(|_| !search.open) {
        egui::Panel::right("rules")
            .resizable(true)
            .default_size(240.0)
            .show(ui, |ui| {
                ui.add_space(4.0);
                action = action.take().or(rules_ui(ui, rules));
            });
    } else if !search.open {
        egui::Panel::right("people")
            .resizable(true)
            .default_size(160.0)
            .show(ui, |ui| {
                ui.add_space(4.0);
                let rank = if connected {
                    around.rank
                } else {
                    Rank::Everyone
                };
                action = action
                    .take()
                    .or(people_ui(ui, model, connected, files, rank));
            });
    }
    if search.open {
        egui::Panel::right("search")
            .resizable(true)
            .default_size(280.0)
            .show(ui, |ui| {
                ui.add_space(4.0);
                action = action.take().or(search_ui(ui, search, &model.me));
            });
    }
    egui::Panel::bottom("composer").show(ui, |ui| {
        ui.add_space(4.0);
        if let Some(chosen) = uploads_ui(ui, model) {
            action = Some(chosen);
        }
        typing_ui(ui, model);
        outbox_ui(ui, model, connected);
        action = action
            .take()
            .or(composer_ui(ui, model, composer, can_type, files));
        ui.add_space(4.0);
    });
    egui::CentralPanel::default().show(ui, |ui| {
        // A direct conversation's messages are private ones: none of the room's to change.
        let room = connected && !matches!(around.showing, Showing::Direct(_));
        let rights = Rights {
            moderator: around.rank >= Rank::Room && room,
            changes: room && !model.people.is_empty(),
        };
        if let Some(chosen) = messages_ui(ui, (model, around.pictures), layout, rights) {
            action = Some(chosen);
        }
    });
    if std::mem::take(&mut layout.return_focus) {
        composer.focus = true;
    }
    action
}

/// One line over the conversation on screen: the room's name and topic at the left; at the
/// right, Leave for a named room, how far it is protected, how many people are in it and, while
/// this app hosts it, where (with Copy). A direct conversation says who with. The right side is
/// placed first, so that a long name or topic is cut short rather than push it out of the window.
fn header_ui(ui: &mut egui::Ui, model: &ChatModel, around: &Around<'_>) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let right_to_left = egui::Layout::right_to_left(egui::Align::Center);
    ui.with_layout(right_to_left, |ui| {
        if let Showing::Named(name) = around.showing
            && ui.small_button(lang.tr("room-leave")).clicked()
        {
            action = Some(Action::Room(RoomAction::PartNamed(name.clone())));
        }
        badge_ui(ui, around.protection);
        if !matches!(around.showing, Showing::Direct(_)) {
            let addrs: Vec<String> = around.hosted_on.iter().map(ToString::to_string).collect();
            for addr in addrs.iter().rev() {
                if ui
                    .small_button(lang.tr("copy"))
                    .on_hover_text(tr!(lang, "copy-address", address = addr.as_str()))
                    .clicked()
                {
                    action = Some(Action::Copy(addr.clone()));
                }
            }
            let people = crate::protocol::people_count(model.people.len(), lang);
            let text = if addrs.is_empty() {
                people
            } else {
                tr!(
                    lang,
                    "header-hosted",
                    people = people,
                    addrs = addrs.join(", ")
                )
            };
            ui.label(RichText::new(text).small().weak());
        }
        ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
            let title = match around.showing {
                Showing::Direct(peer) => tr!(lang, "header-direct", name = peer.as_str()),
                _ => format!("# {}", model.room),
            };
            ui.add(egui::Label::new(RichText::new(title).strong()).truncate())
                .on_hover_text(around.topic.unwrap_or_default());
            let topic = around
                .topic
                .filter(|_| !matches!(around.showing, Showing::Direct(_)));
            if let Some(topic) = topic {
                ui.add(egui::Label::new(RichText::new(topic).weak()).truncate());
            }
        });
    });
    action
}

/// The host's column: its rooms joined (the default room first), the direct conversations with
/// their unread counts, then the rooms to join. Alt+Up and Alt+Down move through the rooms and
/// conversations, as in other team chats.
fn column_ui(ui: &mut egui::Ui, around: &Around<'_>) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = next_conversation(ui, around);
    ui.label(RichText::new(lang.tr("column-rooms")).small().weak());
    let list = egui::UiBuilder::new()
        .accessibility_role(egui::accesskit::Role::List)
        .accessibility_label(lang.tr("column-rooms"));
    ui.scope_builder(list, |ui| {
        let default = std::iter::once((Showing::Room, around.room, around.room_news));
        let named = around.rooms.iter().map(|room| {
            let showing = Showing::Named(room.name.clone());
            (showing, room.name.as_str(), (room.unread, room.mention))
        });
        for (showing, name, news) in default.chain(named) {
            if let Some(chosen) = room_row_ui(ui, around, showing, name, news) {
                action = Some(chosen);
            }
        }
    });
    ui.add_space(8.0);
    ui.label(RichText::new(lang.tr("column-directs")).small().weak());
    let list = egui::UiBuilder::new()
        .accessibility_role(egui::accesskit::Role::List)
        .accessibility_label(lang.tr("column-directs"));
    ui.scope_builder(list, |ui| {
        if let Some(chosen) = directs_ui(ui, around) {
            action = Some(chosen);
        }
    });
    if let Some(others) = around.others {
        ui.add_space(8.0);
        if let Some(chosen) = other_rooms_ui(ui, others) {
            action = Some(chosen);
        }
    }
    action
}

/// One room in the column: its name, selected when on screen, and what is new in it, said in
/// words. Known by its name, not its place: a room joined above it is a row added.
fn room_row_ui(
    ui: &mut egui::Ui,
    around: &Around<'_>,
    showing: Showing,
    name: &str,
    news: (usize, bool),
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let row = egui::UiBuilder::new()
        .scope_id(ui.scope_id().with(("room-row", &showing)))
        .accessibility_role(egui::accesskit::Role::ListItem);
    ui.scope_builder(row, |ui| {
        // Wrapped: a badge goes under a long name rather than widen the column.
        ui.horizontal_wrapped(|ui| {
            let text = RichText::new(format!("# {name}")).strong();
            if ui
                .selectable_label(*around.showing == showing, text)
                .clicked()
            {
                action = Some(Action::Room(RoomAction::Show(showing)));
            }
            match news {
                (0, _) => {}
                (count, true) => {
                    unread_badge(ui, &tr!(lang, "column-unread-mention", count = count));
                }
                (count, false) => unread_badge(ui, &tr!(lang, "column-unread", count = count)),
            }
        });
    });
    action
}

/// The host's rooms not joined, each with how many are in it and a button to join (a room with a
/// password: a field for it too); then a field to join one by its name (or make it, on a host
/// that lets anyone).
fn other_rooms_ui(ui: &mut egui::Ui, others: &[&RoomInfo]) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    ui.label(RichText::new(lang.tr("column-more-rooms")).small().weak());
    for room in others {
        let row = egui::UiBuilder::new().scope_id(ui.scope_id().with(("other-room", &room.name)));
        ui.scope_builder(row, |ui| {
            ui.horizontal_wrapped(|ui| {
                let people = tr!(lang, "column-room-people", count = room.people);
                ui.label(format!("# {}", room.name))
                    .on_hover_text(room.topic.as_deref().unwrap_or_default());
                ui.weak(people);
                if room.protected {
                    action = protected_join_ui(ui, &room.name).or(action.take());
                } else if ui.small_button(lang.tr("room-join")).clicked() {
                    action = Some(Action::Room(RoomAction::JoinNamed(room.name.clone())));
                }
            });
        });
    }
    let id = ui.scope_id().with("join-by-name");
    let mut typed: String = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    ui.add_space(4.0);
    let label = ui.label(RichText::new(lang.tr("room-join-label")).small());
    let field = ui
        .add(
            egui::TextEdit::singleline(&mut typed)
                .hint_text(lang.tr("room-join-hint"))
                .desired_width(ui.available_width()),
        )
        .labelled_by(label.id);
    if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) && !typed.trim().is_empty() {
        action = Some(Action::Room(RoomAction::JoinNamed(typed.trim().to_owned())));
        typed.clear();
    }
    ui.data_mut(|d| d.insert_temp(id, typed));
    action
}

/// The direct conversations, one row each: who with, and how many of theirs are new.
fn directs_ui(ui: &mut egui::Ui, around: &Around<'_>) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let dark = ui.visuals().dark_mode;
    let mut action = None;
    if around.directs.is_empty() {
        ui.add(
            egui::Label::new(RichText::new(lang.tr("column-directs-none")).small().weak()).wrap(),
        );
    }
    for direct in around.directs {
        let peer = direct.peer.as_str();
        let row = egui::UiBuilder::new()
            .scope_id(ui.scope_id().with(("direct-row", peer)))
            .accessibility_role(egui::accesskit::Role::ListItem);
        ui.scope_builder(row, |ui| {
            ui.horizontal_wrapped(|ui| {
                let shown = matches!(around.showing, Showing::Direct(p) if p == peer);
                let name = RichText::new(peer).color(super::name_colour(peer, dark));
                if ui.selectable_label(shown, name).clicked() {
                    action = Some(Action::Room(RoomAction::Show(Showing::Direct(
                        peer.to_owned(),
                    ))));
                }
                if direct.unread > 0 {
                    unread_badge(ui, &tr!(lang, "column-unread", count = direct.unread));
                }
            });
        });
    }
    action
}

/// A room with a password, not joined: a field for the password (hidden as typed) and Join. What
/// is typed stays in this field alone until Join or Enter hands it to the connection.
fn protected_join_ui(ui: &mut egui::Ui, room: &str) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let id = ui.scope_id().with(("room-password", room));
    let mut typed: String = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    ui.weak(lang.tr("column-room-password"))
        .on_hover_text(lang.tr("column-room-password-hint"));
    let field = ui.add(
        egui::TextEdit::singleline(&mut typed)
            .password(true)
            .desired_width(ui.available_width().min(120.0)),
    );
    // Named after its room: a screen reader tells one room's field from another's.
    let field = field.accessible_name(tr!(lang, "room-password-of", room = room));
    let join = ui.small_button(lang.tr("room-join"));
    let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
    let action = if (join.clicked() || entered) && !typed.is_empty() {
        let password = std::mem::take(&mut typed);
        Some(Action::Room(RoomAction::JoinProtected {
            room: room.to_owned(),
            password,
        }))
    } else {
        None
    };
    ui.data_mut(|d| d.insert_temp(id, typed));
    action
}

/// The conversation above or below the one on screen in the column, when Alt+Up or Alt+Down was
/// pressed (taken from the input line, whose Up and Down recall what was sent).
fn next_conversation(ui: &egui::Ui, around: &Around<'_>) -> Option<Action> {
    let (up, down) = ui.input_mut(|i| {
        (
            i.consume_key(egui::Modifiers::ALT, Key::ArrowUp),
            i.consume_key(egui::Modifiers::ALT, Key::ArrowDown),
        )
    });
    if !(up || down) {
        return None;
    }
    let all: Vec<Showing> = std::iter::once(Showing::Room)
        .chain(around.rooms.iter().map(|r| Showing::Named(r.name.clone())))
        .chain(
            around
                .directs
                .iter()
                .map(|d| Showing::Direct(d.peer.clone())),
        )
        .collect();
    let at = all.iter().position(|s| s == around.showing).unwrap_or(0);
    let to = if up {
        at.checked_sub(1)?
    } else {
        (at + 1 < all.len()).then_some(at + 1)?
    };
    Some(Action::Room(RoomAction::Show(all[to].clone())))
}

/// A count of what is new, on the mention colour: said in words, not by colour alone.
fn unread_badge(ui: &mut egui::Ui, text: &str) {
    ui.label(
        RichText::new(text)
            .small()
            .strong()
            .color(ui.visuals().strong_text_color())
            .background_color(super::mention_fill(ui.visuals())),
    );
}

/// Who is here; `files`: a file can be sent to one of them from here; `moderator`: this person
/// may kick, ban and mute them, and has the Moderation menu; `owner`: they may make them a
/// moderator, or one no more.
fn people_ui(
    ui: &mut egui::Ui,
    model: &ChatModel,
    connected: bool,
    files: bool,
    rank: Rank,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    if model.people.is_empty() {
        ui.heading(lang.tr("people"));
        ui.weak(if connected {
            lang.tr("people-not-listed")
        } else {
            lang.tr("people-unknown")
        });
        return None;
    }
    // Never wrapped: a narrow panel at a large text size must not read "Peop / le".
    ui.add(
        egui::Label::new(
            RichText::new(tr!(lang, "people-heading", count = model.people.len())).heading(),
        )
        .wrap_mode(egui::TextWrapMode::Extend),
    );
    ui.weak(lang.tr("people-click-hint"));
    if rank >= Rank::Room {
        action = action.or(super::moderation::moderation_menu_ui(ui, rank));
    }
    ui.add_space(4.0);
    let dark = ui.visuals().dark_mode;
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.ctx().accesskit_node_builder(ui.unique_id(), |node| {
            node.set_role(egui::accesskit::Role::List);
            node.set_label(lang.tr("people"));
        });
        for person in &model.people {
            let away = model.away_of(person);
            let mut text = RichText::new(person).color(super::name_colour(person, dark));
            if *person == model.me {
                text = text.strong();
            }
            if away.is_some() {
                // Dimmed, and said in words beside it: not by colour alone.
                text = text.weak().italics();
            }
            // Known by the name, not by its place: someone arriving above is a row added, not
            // this one renamed (for a screen reader as for egui's state).
            let row = egui::UiBuilder::new()
                .scope_id(ui.scope_id().with(("person-row", person)))
                .accessibility_role(egui::accesskit::Role::ListItem);
            let response = ui
                .scope_builder(row, |ui| {
                    ui.horizontal(|ui| {
                        let response = ui.selectable_label(false, text);
                        if let Some(note) = away {
                            let state = model.away_text(note.reason.as_deref(), note.auto);
                            ui.weak(state);
                        }
                        // In a linked room: someone at another site, said in words.
                        if model.elsewhere.contains(person) {
                            ui.weak(lang.tr("people-elsewhere"));
                        }
                        response
                    })
                    .inner
                })
                .inner;
            if *person == model.me {
                response.on_hover_text(lang.tr("people-you"));
            } else {
                if response.clicked() {
                    action = Some(Action::Room(RoomAction::StartPrivate(person.clone())));
                }
                response.context_menu(|ui| {
                    if ui.button(lang.tr("people-private")).clicked() {
                        action = Some(Action::Room(RoomAction::StartPrivate(person.clone())));
                    }
                    if files
                        && ui
                            .add_enabled(connected, egui::Button::new(lang.tr("people-send-file")))
                            .clicked()
                    {
                        action = Some(Action::File(FileAction::Pick(Some(person.clone()))));
                    }
                    let ignored = model.ignores(person);
                    let label = if ignored {
                        "people-unignore"
                    } else {
                        "people-ignore"
                    };
                    if ui.button(lang.tr(label)).clicked() {
                        action = Some(Action::Room(RoomAction::Ignore(person.clone(), !ignored)));
                    }
                    if rank >= Rank::Room {
                        ui.separator();
                        action = action
                            .take()
                            .or(super::moderation::moderate_person_ui(ui, person, rank));
                    }
                });
            }
        }
    });
    action
}

/// The files this app is sending that the room does not have yet, above the input line: what and
/// to whom, a progress bar and Cancel; once stopped, why, Retry and Dismiss.
fn uploads_ui(ui: &mut egui::Ui, model: &ChatModel) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    for (file, t) in model.uploads() {
        let Some(sending) = &t.sending else { continue };
        ui.horizontal_wrapped(|ui| {
            let size = lang.size(t.total);
            let text = match &sending.to {
                Some(to) => tr!(
                    lang,
                    "file-sending-to",
                    name = sending.name.as_str(),
                    size = size,
                    to = to.as_str()
                ),
                None => tr!(
                    lang,
                    "file-sending",
                    name = sending.name.as_str(),
                    size = size
                ),
            };
            ui.label(text);
            if let TransferStatus::Failed(why) = &t.status {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    tr!(lang, "file-stopped", why = why.describe(lang)),
                );
                if ui.small_button(lang.tr("file-retry")).clicked() {
                    action = Some(Action::File(FileAction::RetryUpload(file)));
                }
                if ui.small_button(lang.tr("file-dismiss")).clicked() {
                    action = Some(Action::File(FileAction::Dismiss(file)));
                }
            } else {
                progress_ui(ui, t, lang);
                if ui.small_button(lang.tr("cancel")).clicked() {
                    action = Some(Action::File(FileAction::Cancel(file)));
                }
            }
        });
    }
    action
}

/// Who is typing, above the input line: one or two names, or how many.
fn typing_ui(ui: &mut egui::Ui, model: &ChatModel) {
    let lang = super::lang(ui.ctx());
    let names = model.typing_at(crate::protocol::now_ms());
    let text = match names.as_slice() {
        [] => return,
        [one] => tr!(lang, "typing-one", name = *one),
        [one, two] => tr!(lang, "typing-two", first = *one, second = *two),
        many => tr!(lang, "typing-many", count = many.len()),
    };
    ui.weak(text);
}

/// What was typed and not yet confirmed by the room, oldest first: "sending…", or, while the
/// connection is down, waiting for it.
fn outbox_ui(ui: &mut egui::Ui, model: &ChatModel, connected: bool) {
    if model.outbox.is_empty() {
        return;
    }
    let lang = super::lang(ui.ctx());
    ui.weak(if connected {
        lang.tr("outbox-sending")
    } else {
        lang.tr("outbox-waiting")
    });
    for unsent in &model.outbox {
        ui.horizontal(|ui| {
            ui.weak(lang.tr("outbox-sending-one"));
            ui.label(unsent.command.to_plain_line());
        });
    }
}

/// How wide a button with `text` is drawn in `ui`.
fn button_width(ui: &egui::Ui, text: &str) -> f32 {
    let font = egui::TextStyle::Button.resolve(ui.style());
    let galley = ui
        .painter()
        .layout_no_wrap(text.to_owned(), font, egui::Color32::WHITE);
    galley.size().x + 2.0 * ui.spacing().button_padding.x
}

/// The input line, Send, and (`files`, in a room that says who is here) Send file.
fn composer_ui(
    ui: &mut egui::Ui,
    model: &ChatModel,
    composer: &mut Composer,
    can_type: bool,
    files: bool,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let n_bytes = composer.input.len();
    let too_long = n_bytes > MAX_MESSAGE_BYTES;
    let can_send = can_type && !too_long && !composer.input.trim().is_empty();
    if can_type
        && composer
            .input
            .rsplit(' ')
            .next()
            .is_some_and(|w| w.starts_with('@'))
        && let Some((head, names)) = completions(&composer.input, &model.people, &model.me)
    {
        // Who an `@` may name, as it is typed: a click puts the name in (Tab does too).
        ui.horizontal_wrapped(|ui| {
            ui.weak(lang.tr("mention-who"));
            for name in names.iter().take(MENTION_CHOICES) {
                if ui.small_button(name.trim_end()).clicked() {
                    composer.input = format!("{head}{name}");
                    composer.focus = true;
                }
            }
        });
    }
    if let Some(aside) = &composer.aside
        && aside_ui(ui, aside)
    {
        if matches!(composer.aside.take(), Some(Aside::Edit(_))) {
            composer.input.clear();
        }
        composer.focus = true;
    }
    ui.horizontal(|ui| {
        // Files go to Coucou rooms, which say who is here: room for their button too. The
        // buttons' own widths, in this language and text size, are what the field leaves.
        let files = files && !model.people.is_empty();
        let mut buttons = vec![lang.tr("send")];
        if files {
            buttons.push(lang.tr("file-send"));
        }
        let send_width: f32 = buttons
            .iter()
            .map(|text| button_width(ui, text) + ui.spacing().item_spacing.x)
            .sum::<f32>()
            + 8.0;
        let hint = if model.room.is_empty() {
            lang.tr("composer-hint")
        } else {
            tr!(lang, "composer-hint-room", room = model.room.as_str())
        };
        let label = ui.weak(lang.tr("composer-message"));
        let output = egui::TextEdit::singleline(&mut composer.input)
            .id_salt("message_input")
            // Tab completes names and commands instead of moving the focus.
            .lock_focus(true)
            .hint_text(hint)
            .desired_width(ui.available_width() - send_width)
            .show(ui);
        let input = output.response.response.clone().labelled_by(label.id);
        let input = input.on_hover_text(lang.tr("composer-recall-hint"));
        // Read before the focus is put back below (a reconnection in this very frame): that
        // would hide that Enter just took it.
        let enter = input.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        if composer.focus {
            // The text was set from outside (a name clicked, a line recalled): type at its end.
            let mut state = output.state;
            let end = egui::text::CCursor::new(composer.input.chars().count());
            state
                .cursor
                .set_char_range(Some(egui::text::CCursorRange::one(end)));
            state.store(ui.ctx(), input.id);
            input.request_focus();
            composer.focus = false;
        }
        if input.has_focus() {
            if ui.input(|i| i.key_pressed(Key::Tab)) {
                composer.complete(&model.people, &model.me);
            } else if ui.input(|i| i.key_pressed(Key::ArrowUp)) {
                composer.recall_older();
            } else if ui.input(|i| i.key_pressed(Key::ArrowDown)) {
                composer.recall_newer();
            }
        }
        let send = ui.add_enabled(can_send, egui::Button::new(lang.tr("send")));
        if files
            && ui
                .add_enabled(can_type, egui::Button::new(lang.tr("file-send")))
                .clicked()
        {
            action = Some(Action::File(FileAction::Pick(None)));
        }
        if (enter || send.clicked()) && can_send {
            let text = composer.take();
            let room = match composer.aside.take() {
                Some(aside) => RoomAction::Change(aside.command(text)),
                None => RoomAction::Send(text),
            };
            action = Some(Action::Room(room));
            composer.focus = true;
        } else if enter {
            composer.focus = true;
        }
    });
    if n_bytes >= SHOW_COUNT_FROM {
        let text = tr!(
            lang,
            "composer-bytes",
            used = n_bytes,
            max = MAX_MESSAGE_BYTES
        );
        if too_long {
            ui.colored_label(
                ui.visuals().error_fg_color,
                tr!(lang, "composer-too-long", bytes = text),
            );
        } else {
            ui.weak(text);
        }
    }
    action
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> Vec<String> {
        ["alice", "Bob", "bobby", "carol"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn up_recalls_what_was_sent_but_never_the_moderators_password() {
        let mut composer = Composer::default();
        for line in ["hello", "/oper craie-verte", "/OPER craie"] {
            composer.input = line.to_owned();
            assert_eq!(composer.take(), line);
        }
        assert_eq!(composer.sent, vec!["hello".to_owned()]);
    }

    #[test]
    fn an_at_completes_a_mention_anywhere_in_the_line() {
        assert_eq!(
            completions("hi @bo", &people(), "alice"),
            Some((
                "hi ".to_owned(),
                vec!["@Bob ".to_owned(), "@bobby ".to_owned()]
            ))
        );
        assert_eq!(
            completions("@ca", &people(), "alice"),
            Some((String::new(), vec!["@carol ".to_owned()]))
        );
        assert_eq!(completions("@al", &people(), "alice"), None, "not yourself");
        assert_eq!(completions("@zed", &people(), "alice"), None);
    }

    #[test]
    fn tab_completes_names_and_commands() {
        let done = |input: &str| completions(input, &people(), "alice");
        assert_eq!(
            done("bo"),
            Some((
                String::new(),
                vec!["Bob: ".to_owned(), "bobby: ".to_owned()]
            ))
        );
        assert_eq!(
            done("hi ca"),
            Some(("hi ".to_owned(), vec!["carol ".to_owned()]))
        );
        assert_eq!(done("al"), None, "not yourself");
        assert_eq!(
            done("/m"),
            Some((String::new(), vec!["/me ".to_owned(), "/msg ".to_owned()]))
        );
        assert_eq!(
            done("/msg car"),
            Some(("/msg ".to_owned(), vec!["carol ".to_owned()]))
        );
        assert_eq!(done("hi "), None);
    }

    #[test]
    fn tab_again_cycles_through_the_matches() {
        let mut composer = Composer {
            input: "bo".into(),
            ..Composer::default()
        };
        composer.complete(&people(), "alice");
        assert_eq!(composer.input, "Bob: ");
        composer.complete(&people(), "alice");
        assert_eq!(composer.input, "bobby: ");
        composer.complete(&people(), "alice");
        assert_eq!(composer.input, "Bob: ");
        composer.input.push_str("hi ca");
        composer.complete(&people(), "alice");
        assert_eq!(composer.input, "Bob: hi carol ");
    }
}
