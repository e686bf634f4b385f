//! The session with a room (`Session`): the contact with it (connection, parameters, reconnect
//! machine, security, labels), the conversation on screen, this person's files, this computer's
//! log, presence and exports. It routes what the connection reports to the owner it concerns (a
//! named room's lines to that room's conversation), and turns what was typed into requests. Each
//! owner applies its own changes in its own file; the session hands each one the others it needs
//! for a call.

use std::time::{Duration, Instant};

use super::asked::Asked;
use super::contact::Contact;
use super::conversation::Conversation;
use super::desk::Desk;
use super::events::AppEvent;
use super::export::{self, Exports};
use super::files::Files;
use super::history::History;
use super::presence::{Idle, Presence};
use super::reconnect::Due;
use crate::client::{ClientEvent, ConnectError, ConnectParams, Security, Trouble};
use crate::discovery::RoomInfo;
use crate::i18n::Said;
use crate::identity::Fingerprint;
use crate::journal::JournalEvent;
use crate::model::EntryKind;
use crate::model::settings::{self, NotifyChoice};
use crate::protocol::Wire;
use crate::protocol::message::{Found, Label};
use crate::protocol::{ClientMsg, Command, ErrorCode, ServerMsg, command, now_ms};
use crate::tr;
use crate::ui::RoomAction;
use crate::ui::chat::Showing;
use crate::ui::moderation::Listed;
use crate::ui::relations::Aside;

/// How many older messages the app asks for at a time.
const PAGE: u32 = 200;

/// How many older messages the app asks for at a time while looking for a search result (the
/// server's largest page).
const JUMP_PAGE: u32 = 500;

/// How many rows above a search result stay in view when the app shows it.
const JUMP_CONTEXT: usize = 3;

/// The session with the room on screen, and the owners that live with it.
pub(super) struct Session {
    /// The connection, and its state.
    pub(super) contact: Contact,
    /// The conversation on screen.
    pub(super) conv: Conversation,
    /// This person's files.
    pub(super) files: Files,
    /// This computer's log of conversations.
    pub(super) history: History,
    /// What the room is told of this person's typing and presence.
    presence: Presence,
    /// An export on its way.
    pub(super) exports: Exports,
}

impl Session {
    /// No room yet; this computer's log opened beside the settings.
    pub(super) fn new(desk: &Desk) -> Self {
        Self {
            contact: Contact::new(desk.options.backoff),
            conv: Conversation::default(),
            files: Files::default(),
            history: History::open(desk),
            presence: Presence::default(),
            exports: Exports::default(),
        }
    }

    /// Carries out what a view asked of the room on screen and its conversation.
    pub(super) fn apply(&mut self, action: RoomAction, desk: &mut Desk) {
        let conv = &mut self.conv;
        match action {
            RoomAction::Send(text) => self.send(text, desk),
            // A Coucou room's private messages have a conversation of their own; a plain room's
            // are lines in the room.
            RoomAction::StartPrivate(name) if self.contact.speaks_json() => {
                conv.show_in_room(Showing::Direct(name));
            }
            RoomAction::StartPrivate(name) => conv.composer.start_with(format!("/msg {name} ")),
            RoomAction::Show(showing) => conv.show_in_room(showing),
            RoomAction::JoinNamed(name) => self.join_named(name),
            RoomAction::Moderate(asked) => self.rooms_command(Command::Moderate(asked), desk),
            RoomAction::Rules(asked) => super::rules::apply(asked, conv, &self.contact),
            RoomAction::Ignore(name, on) => self.ignore(Some(name), on, desk),
            RoomAction::ReplyTo(quote) => conv.composer.aside_with(Aside::Reply(quote), None),
            RoomAction::Edit { id, text } => conv.composer.aside_with(Aside::Edit(id), Some(text)),
            // A reply waits in the outbox as any message does.
            RoomAction::Change(reply @ Command::Reply { .. }) => {
                self.presence.sent();
                if !self.send_kept(reply) {
                    self.conv.say(Said::new("not-sent-offline"), true);
                }
            }
            // An edit, a deletion or a reaction is of the connection now: none waits for the next.
            RoomAction::Change(_) if self.contact.live_json().is_none() => {
                self.conv.say(Said::new("not-sent-offline"), true);
            }
            RoomAction::Change(change) => self.rooms_command(change, desk),
            RoomAction::JoinProtected { room, password } => self.join_protected(room, password),
            RoomAction::PartNamed(name) => self.part_named(&name, desk),
            RoomAction::Quote(quote) => conv.composer.start_with(format!("{quote} ")),
            RoomAction::Disconnect => self.leave(),
            RoomAction::CancelReconnect => {
                self.contact.stop();
                self.contact.failure = None;
                conv.went_offline(Said::new("not-reconnecting"));
            }
            RoomAction::ReconnectNow => {
                if self.contact.reconnect.is_waiting() {
                    self.restart(desk);
                }
            }
            RoomAction::Rejoin => {
                conv.offline = None;
                self.restart(desk);
            }
            RoomAction::CloseConversation => {
                self.leave();
                self.close(desk);
            }
            RoomAction::LoadOlder => self.load_older(PAGE),
            RoomAction::OpenSearch => {
                conv.search.open = true;
                conv.search.focus = true;
            }
            RoomAction::CloseSearch => {
                conv.search.open = false;
                conv.layout.highlight = None;
                conv.composer.focus = true;
            }
            RoomAction::Search(words) => self.search(words),
            RoomAction::JumpTo(id) => self.jump_to(id),
            RoomAction::SetAway(reason) => self.choose_presence(Command::Away {
                reason,
                auto: false,
            }),
            RoomAction::SetBack => self.choose_presence(Command::Back),
            RoomAction::ExportTranscript => {
                let json = self.contact.speaks_json();
                self.exports.ask_days(json, conv, &self.history, desk);
            }
        }
    }

    /// What a connection reported. A host to pin when the room's password proved it.
    pub(super) fn on_event(&mut self, event: ClientEvent, desk: &mut Desk) -> Option<Fingerprint> {
        let conn = match &event {
            ClientEvent::Connected { conn, .. }
            | ClientEvent::Message { conn, .. }
            | ClientEvent::Line { conn, .. }
            | ClientEvent::RoomTrouble { conn, .. }
            | ClientEvent::Failed { conn, .. }
            | ClientEvent::Closed { conn, .. } => *conn,
        };
        if !self.contact.is_current(conn) {
            return None; // From a connection we already let go.
        }
        match event {
            ClientEvent::Connected {
                welcome, security, ..
            } => return self.on_connected(welcome, security, desk),
            ClientEvent::Message {
                msg:
                    ServerMsg::Results {
                        text,
                        results,
                        label,
                    },
                ..
            } => self.on_results(&text, results, label),
            ClientEvent::Message { msg, room, .. } => self.on_message(msg, room, desk),
            ClientEvent::RoomTrouble { room, trouble, .. } => {
                // Not joined: the host's welcome, if it comes, is not one that was asked for.
                self.conv.rooms.joining.remove(&room);
                let said = Said::words(format!("{room}: {}", trouble.describe(desk.lang())));
                self.conv.say(said, true);
            }
            ClientEvent::Line { text, .. } => {
                if let Some(chat) = &mut self.conv.chat {
                    let before = chat.entries.len();
                    chat.apply_line(now_ms(), text);
                    self.notify_from(None, before, desk);
                }
            }
            ClientEvent::Failed { error, .. } => self.on_failed(&error, desk),
            ClientEvent::Closed { error, .. } => self.on_closed(error, desk),
        }
        None
    }

    /// A message from the host: a file token goes to the files; what is about its rooms, or about
    /// a named room (`room`), to the named rooms; the rest to the log and the conversation.
    fn on_message(&mut self, msg: ServerMsg, room: Option<String>, desk: &mut Desk) {
        if let ServerMsg::Rules { time, rules, more } = msg {
            let listed = Listed { time, rules, more };
            return super::rules::listed(&mut self.conv, listed);
        }
        let (contact, conv) = (&mut self.contact, &mut self.conv);
        if self.files.on_answer(&msg, contact, conv, desk) {
            return;
        }
        match &msg {
            // What the room said goes from the screen and from this computer's log.
            ServerMsg::Cleared {} => {
                let key = room.as_deref().map(|r| self.conv.named_key(r));
                self.history
                    .keep(key.as_ref().unwrap_or(&self.conv.key), &msg);
                self.conv.cleared(room.as_deref());
                return;
            }
            ServerMsg::Privates {
                label: Some(label), ..
            } if self.contact.asked.privates_answered(*label) => {
                self.history.given_back(&mut self.conv, msg);
                return;
            }
            // A host from before `privates` (it knew devices): nothing to say.
            ServerMsg::Error {
                label: Some(label), ..
            } if self.contact.asked.privates_answered(*label) => {
                return;
            }
            ServerMsg::Error {
                label: Some(label), ..
            } => self.on_refused(*label),
            _ => {}
        }
        match &msg {
            // Off the host (out of a named room only, the app stays: `parted` follows).
            ServerMsg::Error {
                code: ErrorCode::Kicked | ErrorCode::Banned,
                message,
                label: None,
                ..
            } if room.is_none() => self.contact.removed = Some(message.clone()),
            // A moderator of that room only (or one no more): said there.
            ServerMsg::Moderator { on, .. } if room.is_some() => {
                let name = room.unwrap_or_default();
                let said = if *on {
                    self.conv.rooms.moderating.insert(name.clone());
                    "moderator-room-now"
                } else {
                    self.conv.rooms.moderating.remove(&name);
                    "moderator-no-more"
                };
                if let Some(chat) = self.conv.rooms.chat_mut(&name) {
                    chat.push_said(now_ms(), Said::new(said), false);
                }
                return;
            }
            // One no more: the menus go, and the password is not given again.
            ServerMsg::Moderator { on: false, .. } => {
                self.conv.moderator = false;
                self.conv.owner = false;
                self.contact.oper = None;
            }
            ServerMsg::Moderator { owner, .. } => {
                self.conv.moderator = true;
                self.conv.owner = *owner;
                self.contact.oper_confirmed = true;
            }
            // A password not yet confirmed, refused: not given again.
            ServerMsg::Error {
                code: ErrorCode::WrongPassword,
                ..
            } if !self.contact.oper_confirmed => self.contact.oper = None,
            _ => {}
        }
        let Some(msg) = self.on_rooms_line(msg, room, desk) else {
            return;
        };
        if self.contact.speaks_json() {
            self.history.keep(&self.conv.key, &msg);
        }
        // A welcome replays history, a page is older still: nothing in them is news.
        let page = matches!(msg, ServerMsg::History { .. });
        let news = !page && !matches!(msg, ServerMsg::Welcome { .. });
        if let Some(chat) = &mut self.conv.chat {
            let before = chat.entries.len();
            chat.apply(msg, now_ms());
            let added = chat.entries.len() - before;
            if news {
                self.notify_from(None, before, desk);
            } else if page {
                self.on_older_page(None, added);
            }
        }
        self.maybe_recall();
    }

    /// In the room: a fresh conversation (or the same one, back after a loss), what was waiting
    /// goes out. A host to pin when no pin was asked for and the password proved it.
    fn on_connected(
        &mut self,
        welcome: Option<ServerMsg>,
        security: Security,
        desk: &mut Desk,
    ) -> Option<Fingerprint> {
        let contact = &mut self.contact;
        contact.security = Some(security);
        // No pin, yet let in: the password verified the host. Trust it from now on.
        // The shell pins it: in the parameters, the form and the settings.
        let to_pin = security
            .fingerprint
            .filter(|_| contact.params.as_ref().is_some_and(|p| p.pin.is_none()));
        let reconnecting = contact.reconnect.is_reconnecting();
        contact.reconnect.connected();
        contact.error = None;
        contact.failure = None;
        self.conv.offline = None;
        // Still a moderator after a lost connection: the host is asked again.
        if let (Some(password), true, Some(conn)) =
            (&contact.oper, contact.oper_confirmed, contact.live())
        {
            conn.send(Command::Oper(password.clone()));
        }
        let Some(params) = self.contact.params.clone() else {
            return to_pin;
        };
        let fresh = !reconnecting || self.conv.chat.is_none();
        if fresh {
            self.close(desk);
            let room = format!("{}:{}", params.host, params.port);
            self.conv.open(room, params.name.clone(), desk.lang());
            let remembered = desk.settings.joined_rooms.get(&self.conv.key);
            self.conv.rooms.remembered = remembered.into_iter().flatten().cloned().collect();
            let ignored = desk.settings.ignored.get(&self.conv.key);
            self.conv.set_ignoring(ignored.map_or(&[], Vec::as_slice));
        }
        if let Some(welcome) = welcome.as_ref().filter(|_| self.contact.speaks_json()) {
            self.history.keep(&self.conv.key, welcome);
        }
        // Requests sent on the connection before are never answered: offers go again, and the
        // downloads that waited for a ticket stop, to be retried.
        let echoed = matches!(&welcome, Some(ServerMsg::Welcome { labels: true, .. }));
        self.contact.asked = Asked::connected(echoed);
        self.files.connection_lost(&mut self.conv);
        // Away before the connection was lost: the room forgot it, so it is said again.
        let mut away_again = None;
        if let Some(chat) = &mut self.conv.chat {
            let was_away = chat.away_of(&chat.me).cloned();
            if reconnecting {
                chat.push_said(now_ms(), Said::new("reconnected"), false);
            }
            chat.loading_older = false;
            if let Some(welcome) = welcome {
                // A welcome starts afresh what is yours to change, unless the host knows this
                // app's device: then what it sent before the connection was lost still is.
                let yours = security.device.then(|| chat.editable.clone());
                chat.apply(welcome, now_ms());
                chat.editable.extend(yours.into_iter().flatten());
            }
            if chat.away_of(&chat.me).is_none() {
                away_again = was_away;
            }
        }
        if let Some(note) = away_again {
            self.send_presence(Command::Away {
                reason: note.reason,
                auto: note.auto,
            });
        }
        if fresh {
            self.conv.mark_last_visit(&desk.settings);
            if self.contact.speaks_json() {
                self.history.recall_privates(&self.conv);
                if security.device {
                    History::ask_privates(&mut self.contact);
                }
            }
        }
        if self.contact.speaks_json() {
            self.history.recall_outbox(&mut self.conv);
        }
        self.send_outbox();
        self.rooms_connected();
        self.files.offer_next(&mut self.contact, &self.conv);
        self.maybe_recall();
        self.conv.composer.focus = true;
        to_pin
    }

    /// The connection could not be made: a question for the person (trust, a changed identity),
    /// another try, or why, under the form or in the conversation kept offline.
    fn on_failed(&mut self, error: &ConnectError, desk: &mut Desk) {
        self.contact.lost();
        let lang = desk.lang();
        let reconnecting = self.contact.reconnect.is_reconnecting();
        let question = match error {
            ConnectError::Untrusted { fingerprint } => {
                desk.dialogs.trust = Some(*fingerprint);
                true
            }
            ConnectError::PinMismatch { pinned, presented } => {
                desk.dialogs.warn_pin_mismatch(*pinned, *presented);
                true
            }
            _ => false,
        };
        if question {
            // Never retried on its own: the person answers first.
            self.contact.reconnect.idle();
            if self.conv.offline.is_none() {
                self.conv.went_offline(Said::words(error.describe(lang)));
            }
            return;
        }
        // Back too soon, the room may still hold our name for the connection it has not yet
        // seen go: that is worth another try, as a network failure is.
        let still_ours = matches!(
            error,
            ConnectError::Refused {
                code: ErrorCode::NameTaken,
                ..
            }
        );
        if reconnecting && (still_ours || !matches!(error, ConnectError::Refused { .. })) {
            self.schedule_reconnect(&error.describe(lang));
            return;
        }
        self.contact.reconnect.idle();
        if reconnecting && self.conv.chat.is_some() {
            // The conversation stays, offline, with why; the person may rejoin or close it.
            let why = error.describe(lang);
            let said = Said::new("could-not-rejoin").with("error", why);
            self.conv.went_offline(said);
            return;
        }
        self.conv.chat = None;
        self.contact.error = Some(if error.is_name_problem() {
            tr!(lang, "change-username", error = error.describe(lang))
        } else {
            error.describe(lang)
        });
    }

    /// The connection closed: on purpose (the room said goodbye), or lost (then try again).
    fn on_closed(&mut self, trouble: Option<Trouble>, desk: &Desk) {
        self.contact.lost();
        self.conv.moderator = false;
        self.conv.owner = false;
        self.conv.rooms.moderating.clear();
        if let Some(why) = self.contact.removed.take() {
            // A moderator's decision: coming back is the person's choice (Rejoin), not the app's.
            self.contact.reconnect.idle();
            self.conv
                .went_offline(Said::new("chat-removed").with("why", why));
            return;
        }
        let lang = desk.lang();
        match trouble.map(|trouble| trouble.describe(lang)) {
            None => {
                self.contact.reconnect.idle();
                if self.conv.offline.is_none() {
                    self.conv.went_offline(Said::new("disconnected"));
                }
            }
            Some(error) if self.conv.chat.is_some() => self.schedule_reconnect(&error),
            Some(error) => {
                self.contact.reconnect.idle();
                self.contact.error = Some(error);
            }
        }
    }

    /// Waits before the next attempt. The conversation gets one line when the connection is lost,
    /// not one per failed attempt: the toolbar shows the countdown and the last failure.
    fn schedule_reconnect(&mut self, why: &str) {
        let (_, first) = self.contact.reconnect.lost(Instant::now());
        self.contact.failure = Some(why.to_owned());
        if let Some(chat) = &mut self.conv.chat {
            // Who is here is not known while away; the welcome on return tells again.
            chat.people.clear();
            if first {
                let said = Said::new("connection-lost").with("why", why);
                chat.push_said(now_ms(), said, true);
            }
        }
    }

    /// Connects with `params` (again, when `reconnecting`).
    pub(super) fn start(&mut self, mut params: ConnectParams, reconnecting: bool, desk: &Desk) {
        if params.device.is_none() {
            params.device = desk
                .settings_path
                .as_deref()
                .map(crate::identity::device_dir_beside);
        }
        let events = desk.sink(AppEvent::Client);
        self.contact
            .start(params, reconnecting, events, desk.lang());
    }

    /// Connects again with the last parameters (the person asked, the wait is over, the room was
    /// announced again).
    fn restart(&mut self, desk: &Desk) {
        if let Some(params) = self.contact.params.clone() {
            self.start(params, true, desk);
        }
    }

    /// Starts the next attempt when its time has come; the wait until the countdown's next
    /// second otherwise.
    pub(super) fn tick(&mut self, now: Instant, desk: &Desk) -> Option<Duration> {
        match self.contact.due(now) {
            Due::Reconnect => {
                self.restart(desk);
                None
            }
            Due::WakeIn(next_tick) => Some(next_tick),
            Due::Nothing => None,
        }
    }

    /// A room was announced on the LAN: if it is the one being waited for, try now rather than
    /// at the end of the back-off.
    pub(super) fn found(&mut self, room: &RoomInfo, desk: &Desk) {
        let back = self.contact.reconnect.is_waiting()
            && self.contact.params.as_ref().is_some_and(|p| {
                room.port == p.port && room.addrs.iter().any(|a| a.to_string() == p.host)
            });
        if back {
            self.restart(desk);
        }
    }

    /// Leaves the room on purpose: says goodbye and lets the connection close. The conversation
    /// stays on screen, read-only, until it is closed or rejoined.
    pub(super) fn leave(&mut self) {
        self.contact.quit();
        if self.conv.offline.is_none() {
            self.conv.went_offline(Said::new("you-left"));
        }
    }

    /// Puts the conversation on screen away (its draft kept), its visit remembered and its
    /// transfers stopped.
    pub(super) fn close(&mut self, desk: &mut Desk) {
        if self.conv.remember_visit(&mut desk.settings) {
            desk.save_settings();
        }
        self.files.close();
        self.conv.close();
    }

    /// Sends what was typed: a message (kept in the outbox in a Coucou room), a command, or the
    /// line as it is to a plain room.
    pub(super) fn send(&mut self, text: String, desk: &mut Desk) {
        let lang = desk.lang();
        // In a direct conversation, a message (not a command, nor `exit`) goes to that person
        // alone.
        let text = match &self.conv.showing {
            Showing::Direct(peer) if matches!(command::parse(&text), Ok(Command::Say(_))) => {
                format!("/msg {peer} {text}")
            }
            _ => text,
        };
        // The message itself tells the others the typing is over.
        self.presence.sent();
        let parsed = command::parse(&text);
        if let Ok(command @ (Command::Say(_) | Command::Me(_) | Command::Msg { .. })) = &parsed
            && self.send_kept(command.clone())
        {
            return;
        }
        let json = self.contact.speaks_json();
        if let (Ok(Command::Help), true) = (&parsed, json) {
            self.conv.help(lang);
            return;
        }
        if let Ok(Command::Ignore { name, on }) = parsed {
            // The app's own: nothing is sent, whatever the room speaks.
            self.ignore(name, on, desk);
            return;
        }
        if let Ok(Command::Search(words)) = parsed {
            if json {
                self.conv.search.open = true;
                self.conv.search.query.clone_from(&words);
            }
            self.search(words);
            return;
        }
        if self.contact.live().is_none() {
            let why = match self.conv.chat.as_ref().map(|c| c.outbox.len()) {
                Some(n) if n >= crate::model::chat::OUTBOX_MAX => {
                    Said::new("not-sent-outbox-full").with_count("count", n as i64)
                }
                _ => Said::new("not-sent-offline"),
            };
            self.conv.say(why, true);
            return;
        }
        if let Ok(Command::Quit) = parsed {
            self.leave();
            return;
        }
        if let Ok(Command::Oper(password)) = &parsed {
            self.contact.oper = Some(password.clone());
            self.contact.oper_confirmed = false;
        }
        if json
            && let Ok(
                command @ (Command::Rooms
                | Command::Join(_)
                | Command::Part
                | Command::Topic(_)
                | Command::Moderate(_)),
            ) = parsed
        {
            self.rooms_command(command, desk);
            return;
        }
        let Some(conn) = self.contact.live() else {
            return;
        };
        match (parsed, self.contact.wire()) {
            (_, Some(Wire::Classic)) => {
                // The classic server does not echo: show the line as the others will see it.
                if let Some(chat) = &mut self.conv.chat {
                    let line = format!("{}: {text}", chat.me);
                    chat.apply_line(now_ms(), line);
                }
                conn.send_line(text);
            }
            (_, Some(Wire::Plain)) => conn.send_line(text),
            (Ok(command), _) => conn.send(command),
            (Err(err), _) => self.conv.push(EntryKind::Error(err.describe(lang))),
        }
    }

    /// Notifies about the entries from `first` on that call for it, while the window is in the
    /// background.
    /// `room` names the named room they came to (`None`: the default room).
    pub(super) fn notify_from(&self, room: Option<&str>, first: usize, desk: &mut Desk) {
        let choice = desk.settings.notifications;
        if desk.focused || choice == NotifyChoice::Off {
            return;
        }
        desk.notify(self.conv.notices_from(room, first, choice));
    }

    /// Asks for the page before the first message shown.
    fn load_older(&mut self, limit: u32) {
        let room = self.conv.named_on_screen().map(str::to_owned);
        let Some(chat) = self.conv.chat_on_screen_mut() else {
            return;
        };
        if chat.loading_older || !chat.more_older {
            return;
        }
        if self.contact.live().is_none() {
            return;
        }
        chat.loading_older = true;
        let label = self.contact.asked.label();
        self.contact.asked.page = label;
        let ask = ClientMsg::History {
            before: chat.oldest_id(),
            limit: Some(limit),
            label,
        };
        if let Some(conn) = self.contact.live() {
            conn.ask_about(room.as_deref(), ask);
        }
    }

    /// An older page came (already put before the entries by the model: `added` of them), to the
    /// default room or (`room`) a named one.
    pub(super) fn on_older_page(&mut self, room: Option<&str>, added: usize) {
        self.conv.layout_in(room).prepended(added);
        if let Some(id) = self.conv.pending_jump {
            self.jump_to(id);
        }
    }

    /// Searches the room's history: JSON servers answer in the panel; plain servers get
    /// `/search` and answer in the conversation.
    fn search(&mut self, words: String) {
        if self.contact.connection().is_none() {
            return;
        }
        if !self.contact.speaks_json() {
            if let Some(conn) = self.contact.connection() {
                conn.send(Command::Search(words));
            }
            return;
        }
        let label = self.contact.asked.label();
        self.contact.asked.search = label;
        let ask = ClientMsg::Search {
            text: words.clone(),
            limit: None,
            label,
        };
        if let Some(conn) = self.contact.connection() {
            conn.ask_about(self.conv.named_on_screen(), ask);
        }
        self.conv.search.asked = Some(words);
        self.conv.search.results = None;
    }

    /// The room answered a search: shown if it is the last one asked (its label, or without
    /// labels its words).
    fn on_results(&mut self, words: &str, results: Vec<Found>, label: Option<Label>) {
        let last = match label {
            Some(label) => self.contact.asked.search_answered(label),
            None => self.conv.search.asked.as_deref() == Some(words),
        };
        if last {
            self.conv.search.results = Some(results);
        }
    }

    /// The room refused a request labelled `label`: if it was the page asked for, the next
    /// scroll may ask again; if it was the search, it is awaited no more. (The room's words show
    /// in the conversation.)
    fn on_refused(&mut self, label: Label) {
        if self.contact.asked.page_answered(label)
            && let Some(chat) = self.conv.chat_on_screen_mut()
        {
            chat.loading_older = false;
            self.conv.pending_jump = None;
        }
        if self.contact.asked.search_answered(label) {
            self.conv.search.asked = None;
        }
    }

    /// Shows the message `id`: scrolls to it if it is loaded, else asks for older pages until it
    /// is (or the room has none older).
    fn jump_to(&mut self, id: u64) {
        // Search results are the messages of the room searched: it comes on screen (the
        // default room's, from behind a direct conversation).
        if matches!(self.conv.showing, Showing::Direct(_)) {
            self.conv.show_in_room(Showing::Room);
        }
        let room = self.conv.named_on_screen().map(str::to_owned);
        let Some(chat) = self.conv.chat_on_screen() else {
            return;
        };
        if let Some(index) = chat.position_of(id) {
            self.conv.pending_jump = None;
            // A few rows above it stay in view: who said it (a grouped line does not repeat the
            // name) and what led to it.
            let layout = self.conv.layout_in(room.as_deref());
            layout.jump_to_entry(index.saturating_sub(JUMP_CONTEXT));
            layout.highlight = Some(index);
            return;
        }
        let older = chat.oldest_id().is_none_or(|oldest| id < oldest);
        if older && chat.more_older {
            self.conv.pending_jump = Some(id);
            self.load_older(JUMP_PAGE);
        } else {
            self.conv.pending_jump = None;
        }
    }

    /// Keeps a typed message in the outbox and sends it if the room is there; `false` when it
    /// can't be kept (not a JSON room, or the outbox is full).
    fn send_kept(&mut self, command: Command) -> bool {
        if !self.contact.speaks_json() {
            return false;
        }
        // A direct conversation's messages are the default room's.
        let room = self.conv.named_on_screen().map(str::to_owned);
        let Some(chat) = self.conv.chat_on_screen_mut() else {
            return false;
        };
        let cid = crate::client::new_cid();
        if !chat.queue(cid.clone(), command.clone(), now_ms()) {
            return false;
        }
        match (self.contact.live(), room) {
            (Some(conn), Some(room)) => conn.ask_in(&room, command.to_client_msg_with(Some(cid))),
            (Some(conn), None) => conn.send_tagged(command, cid),
            (None, _) => {}
        }
        true
    }

    /// Back in the room: what the outbox holds goes out again, in order. The room drops what it
    /// already had (by client id) and echoes it, which empties the outbox.
    fn send_outbox(&self) {
        let (Some(chat), Some(conn)) = (&self.conv.chat, self.contact.connection()) else {
            return;
        };
        for unsent in &chat.outbox {
            conn.send_tagged(unsent.command.clone(), unsent.cid.clone());
        }
    }

    /// Tells this computer's log the outbox when it changed.
    pub(super) fn keep_outbox(&mut self) {
        self.history.keep_outbox(&self.conv);
    }

    /// Once the room has no older page to give, asks this computer's log for what it holds from
    /// before (in a live Coucou room).
    fn maybe_recall(&mut self) {
        if self.contact.live_json().is_some() {
            self.history.maybe_recall(&mut self.conv);
        }
    }

    /// What this computer's log answered.
    pub(super) fn on_journal(&mut self, event: JournalEvent, desk: &mut Desk) {
        let conv = &mut self.conv;
        match event {
            JournalEvent::Recalled { room, messages, .. } => {
                let Some(chat) = &mut conv.chat else { return };
                if room != conv.key || chat.recall != crate::model::Recall::Asked {
                    return;
                }
                let added = chat.recalled(messages, now_ms());
                conv.layout.prepended(added);
            }
            JournalEvent::Privates { room, messages } => {
                let Some(chat) = &mut conv.chat else { return };
                if room != conv.key {
                    return;
                }
                let restored = chat.restore_privates(messages);
                if restored > 0 {
                    conv.layout.inserted(restored);
                }
            }
            JournalEvent::Range {
                room,
                path,
                messages,
            } => export::write_range(&room, &path, messages, conv, desk),
            JournalEvent::Outbox { room, unsent } => {
                let again = self.history.restore_outbox(conv, &room, unsent);
                match again.filter(|_| self.contact.reconnect.is_connected()) {
                    Some(None) => self.send_outbox(),
                    Some(Some(name)) => self.send_named_outbox(&name),
                    None => {}
                }
            }
            JournalEvent::Warning(trouble) => {
                let warning = trouble.describe(desk.lang());
                if conv.chat.is_some() {
                    conv.push(EntryKind::Error(warning));
                } else {
                    desk.warning = Some(warning);
                }
            }
        }
    }

    /// Tells the room when the person starts typing (again every few seconds while they go on),
    /// and when the input line is emptied without sending: what `Presence` says is due.
    pub(super) fn update_typing(&mut self) {
        let live = self.contact.live_json();
        let told = self
            .presence
            .typed(&self.conv.composer.input, live.is_some(), now_ms());
        if let (Some(active), Some(conn)) = (told, live) {
            conn.ask_about(self.conv.named_on_screen(), ClientMsg::Typing { active });
        }
    }

    /// Tells a JSON room you are away or back (the status menu, auto-away, a reconnection); nothing
    /// when not in one.
    fn send_presence(&self, command: Command) {
        if let Some(conn) = self.contact.live_json() {
            conn.send(command);
        }
    }

    /// The person chose to be away or back (`command`): auto-away leaves that alone.
    fn choose_presence(&mut self, command: Command) {
        self.presence.chose();
        self.send_presence(command);
    }

    /// Marks the person away after `after` without input (JSON rooms), and back at the next
    /// input (`input`: there was some this frame) if the app did it. The wait until it is due.
    pub(super) fn auto_away(
        &mut self,
        input: bool,
        now: Instant,
        after: Option<Duration>,
    ) -> Option<Duration> {
        if input && let Some(back) = self.presence.input(now) {
            self.send_presence(back);
        }
        let live = self.contact.live_json().is_some() && self.conv.chat.is_some();
        let away = self.conv.away().is_some();
        match self.presence.idle(now, after, live, away) {
            Idle::Away => {
                self.send_presence(Command::Away {
                    reason: None,
                    auto: true,
                });
                None
            }
            Idle::WakeIn(wait) => Some(wait),
            Idle::Nothing => None,
        }
    }
}

/// The host's named rooms, from the session's side: asking for the list once in, joining and
/// leaving, giving each named room's lines to its conversation (and this computer's log, under
/// `host:port#room`), and joining them again after a lost connection.
impl Session {
    /// In (again) with a host that has named rooms: asks for its list (from then on it tells of
    /// rooms made and topics set), and joins again the rooms this conversation was in.
    pub(super) fn rooms_connected(&mut self) {
        // A host that tells of edits and reactions does so once asked.
        let changes = self.conv.chat.as_ref().is_some_and(|chat| chat.has_changes);
        if let Some(conn) = self.contact.live_json().filter(|_| changes) {
            conn.ask(ClientMsg::Changes {});
        }
        let has_rooms = self.conv.chat.as_ref().is_some_and(|chat| chat.has_rooms);
        let Some(conn) = self.contact.live_json().filter(|_| has_rooms) else {
            return;
        };
        conn.ask(ClientMsg::Rooms { label: None });
        self.conv.rooms.listing = true;
        for name in self.conv.rooms.to_rejoin() {
            conn.ask_in(&name, ClientMsg::JoinRoom {});
        }
    }

    /// Joins the host's named room `name` (or shows it, when in it already). The host answers
    /// with its welcome, or an error said in the conversation on screen.
    pub(super) fn join_named(&mut self, name: String) {
        if self.conv.rooms.chat(&name).is_some() {
            self.conv.show_in_room(Showing::Named(name));
            return;
        }
        let has_rooms = self.conv.chat.as_ref().is_some_and(|chat| chat.has_rooms);
        if !has_rooms {
            self.conv.say(Said::new("host-rooms-none"), true);
            return;
        }
        if self
            .conv
            .rooms
            .info(&name)
            .is_some_and(|room| room.protected)
        {
            // Its challenge could not be answered without the password: asked for first.
            let said = Said::new("room-password-first").with("room", name.as_str());
            self.conv.say(said, true);
            return;
        }
        let Some(conn) = self.contact.live_json() else {
            self.conv.say(Said::new("not-sent-offline"), true);
            return;
        };
        conn.ask_in(&name, ClientMsg::JoinRoom {});
        self.conv.rooms.joining.insert(name);
    }

    /// Joins the host's named room `room` that has a password: over an encrypted connection only
    /// (the host's challenge is answered by the connection, bound to its TLS session; the
    /// password is never sent, nor kept here).
    pub(super) fn join_protected(&mut self, room: String, password: String) {
        if self.conv.rooms.chat(&room).is_some() {
            self.conv.show_in_room(Showing::Named(room));
            return;
        }
        let encrypted = self
            .contact
            .security
            .is_some_and(|s| s.fingerprint.is_some());
        let Some(conn) = self.contact.live_json().filter(|_| encrypted) else {
            let said = Said::new("room-password-needs-encryption").with("room", room.as_str());
            self.conv.say(said, true);
            return;
        };
        conn.join_protected(&room, password);
        self.conv.rooms.joining.insert(room);
    }

    /// Leaves the named room `name`: the host is told, and its conversation goes (the default
    /// room comes on screen if it was).
    pub(super) fn part_named(&mut self, name: &str, desk: &mut Desk) {
        if self.conv.rooms.chat(name).is_none() {
            return;
        }
        if let Some(conn) = self.contact.live_json() {
            conn.ask_in(name, ClientMsg::PartRoom {});
        }
        self.conv.parted(name);
        let said = Said::new("room-parted").with("room", name);
        self.conv.say(said, false);
        self.remember_rooms(desk);
    }

    /// Keeps in the settings which named rooms this host's conversation is in (and those it
    /// asked for from an earlier visit and has not heard about yet), for the next visit.
    fn remember_rooms(&self, desk: &mut Desk) {
        let rooms = &self.conv.rooms;
        let names: Vec<String> = rooms
            .joined
            .keys()
            .chain(rooms.remembered.iter())
            .cloned()
            .collect();
        if settings::keep_for_host(&mut desk.settings.joined_rooms, &self.conv.key, names) {
            desk.save_settings();
        }
    }

    /// `/rooms`, `/join NAME`, `/part` and `/topic [text]` typed in a Coucou room: the column
    /// lists the rooms, a join or a part is the column's, a topic is the room on screen's.
    /// Stops showing what `name` says (`on`) in the room on screen, or shows it again; without a
    /// name, says whom. On this screen only: the host is told nothing.
    fn ignore(&mut self, name: Option<String>, on: bool, desk: &mut Desk) {
        let Some(chat) = &mut self.conv.chat else {
            return;
        };
        let said = match name {
            Some(name) => chat.ignore(&name, on),
            None if chat.ignoring.is_empty() => Said::new("ignore-none"),
            None => Said::new("ignore-list").with("names", chat.ignoring.join(", ")),
        };
        chat.push_said(now_ms(), said, false);
        // In every room of the host, and at the next visit.
        let names = chat.ignoring.clone();
        self.conv.set_ignoring(&names);
        if settings::keep_for_host(&mut desk.settings.ignored, &self.conv.key, names) {
            desk.save_settings();
        }
    }

    pub(super) fn rooms_command(&mut self, command: Command, desk: &mut Desk) {
        let Some(conn) = self.contact.live_json() else {
            return;
        };
        let room = self.conv.named_on_screen().map(str::to_owned);
        match command {
            // `/join Secret tournesol`: a room with a password, and its password.
            Command::Join(typed) => match typed.rsplit_once(' ') {
                Some((room, password))
                    if self.conv.rooms.info(room).is_some_and(|r| r.protected) =>
                {
                    self.join_protected(room.to_owned(), password.to_owned());
                }
                _ => self.join_named(typed),
            },
            Command::Part => match room {
                Some(room) => self.part_named(&room, desk),
                // The host says why the default room can't be left this way.
                None => conn.ask(ClientMsg::PartRoom {}),
            },
            command => conn.ask_about(room.as_deref(), command.to_client_msg()),
        }
    }

    /// A line from the host about its rooms, or about a named room (`room`): taken here, or handed
    /// back when it is the default room's.
    pub(super) fn on_rooms_line(
        &mut self,
        msg: ServerMsg,
        room: Option<String>,
        desk: &mut Desk,
    ) -> Option<ServerMsg> {
        let default_name = self.conv.chat.as_ref().map(|chat| chat.room.clone());
        match (msg, room) {
            (ServerMsg::Rooms { rooms, .. }, _) => self.conv.rooms.listed(rooms),
            (ServerMsg::RoomMade { .. }, _) => {
                // Listed again, with its people count and protection: asked once at a time.
                if let Some(conn) = self.contact.live_json()
                    && !self.conv.rooms.listing
                {
                    conn.ask(ClientMsg::Rooms { label: None });
                    self.conv.rooms.listing = true;
                }
            }
            (ServerMsg::Topic { text, .. }, room) => self.conv.rooms.topic(room.as_deref(), &text),
            // Answered only for a room asked for (the connection holds its password).
            (ServerMsg::Password { salt, msg }, Some(name)) => {
                if let Some(conn) = self
                    .contact
                    .live_json()
                    .filter(|_| self.conv.rooms.joining.contains(&name))
                {
                    conn.answer_room(&name, salt, msg);
                }
            }
            (ServerMsg::Verified { .. }, Some(_)) => {}
            (ServerMsg::Parted {}, Some(name)) => {
                self.conv.parted(&name);
                self.remember_rooms(desk);
            }
            (welcome @ ServerMsg::Welcome { .. }, None) if matches!(&welcome, ServerMsg::Welcome { room, .. } if Some(room) != default_name.as_ref()) =>
            {
                self.on_named_welcome(welcome, desk);
            }
            // A person's direct conversation is one, whichever room a private message came by.
            (msg @ ServerMsg::Private { .. }, _) | (msg, None) => return Some(msg),
            (msg, Some(name)) => self.on_named_line(msg, name, desk),
        }
        None
    }

    /// Welcomed into a named room: its conversation starts (on screen, when just asked for) or
    /// goes on after a lost connection, and what its outbox holds goes out again.
    fn on_named_welcome(&mut self, welcome: ServerMsg, desk: &mut Desk) {
        let ServerMsg::Welcome { room: name, .. } = &welcome else {
            return;
        };
        let name = name.clone();
        let Some(me) = self.conv.chat.as_ref().map(|chat| chat.me.clone()) else {
            return;
        };
        let fresh = self.conv.rooms.chat(&name).is_none();
        let kept = welcome.clone();
        if self
            .conv
            .rooms
            .welcomed(welcome, &me, desk.lang(), now_ms())
        {
            self.conv.show_in_room(Showing::Named(name.clone()));
        }
        if self.conv.rooms.chat(&name).is_none() {
            // Not asked for: neither shown nor kept.
            return;
        }
        self.history.keep(&self.conv.named_key(&name), &kept);
        if fresh {
            self.conv.mark_named_visit(&name, &desk.settings);
        }
        self.remember_rooms(desk);
        if fresh {
            self.history.recall_named_outbox(&mut self.conv, &name);
        }
        self.send_named_outbox(&name);
    }

    /// What the named room `name`'s outbox holds goes out (again), in order: the room drops
    /// what it already had (by client id) and echoes it, which empties the outbox.
    fn send_named_outbox(&self, name: &str) {
        let (Some(conn), Some(chat)) = (self.contact.live_json(), self.conv.rooms.chat(name))
        else {
            return;
        };
        for unsent in &chat.outbox {
            let line = unsent
                .command
                .clone()
                .to_client_msg_with(Some(unsent.cid.clone()));
            conn.ask_in(name, line);
        }
    }

    /// A line about the named room `name`: to its conversation and this computer's log when in
    /// it; else (a join refused) the host's words go to the conversation on screen.
    fn on_named_line(&mut self, msg: ServerMsg, name: String, desk: &mut Desk) {
        if self.conv.rooms.chat(&name).is_none() {
            self.conv.rooms.joining.remove(&name);
            // A room remembered from an earlier visit that is gone: forgotten.
            if self.conv.rooms.remembered.remove(&name) {
                self.remember_rooms(desk);
            }
            if let (ServerMsg::Error { .. }, Some(chat)) = (&msg, self.conv.chat_on_screen_mut()) {
                chat.apply(msg, now_ms());
            }
            return;
        }
        self.history.keep(&self.conv.named_key(&name), &msg);
        let page = matches!(msg, ServerMsg::History { .. });
        let Some(chat) = self.conv.rooms.chat_mut(&name) else {
            return;
        };
        let before = chat.entries.len();
        chat.apply(msg, now_ms());
        let added = chat.entries.len() - before;
        if page {
            self.on_older_page(Some(&name), added);
        } else {
            self.notify_from(Some(&name), before, desk);
        }
    }
}
