//! The room's past and present in the app: older pages while scrolling up, searches (Ctrl+F) and
//! jumping to a result, the outbox of messages not yet confirmed, "New since your last visit", and
//! telling the room what `Presence` decides (typing, away, back).

use eframe::egui;

use super::CoucouApp;
use super::presence::Idle;
use crate::client::Connection;
use crate::journal::{JournalEvent, KeptUnsent};
use crate::model::{ChatModel, EntryKind, Recall, Unsent};
use crate::protocol::Wire;
use crate::protocol::message::{Cid, Found, Label};
use crate::protocol::{ClientMsg, Command, ServerMsg, now_ms};

/// How many messages from this computer's log are shown above the room's own history.
const RECALL: usize = 500;

/// How many older messages the app asks for at a time.
pub const PAGE: u32 = 200;

/// How many older messages the app asks for at a time while looking for a search result (the
/// server's largest page).
const JUMP_PAGE: u32 = 500;

/// How many rows above a search result stay in view when the app shows it.
const JUMP_CONTEXT: usize = 3;

impl CoucouApp {
    /// True when the connection speaks JSON (pages, searches and the outbox need it).
    pub(super) fn speaks_json(&self) -> bool {
        self.params
            .as_ref()
            .is_some_and(|p| p.dialect == Wire::Json)
    }

    /// The connection to the room on screen, while it is in the room: the one place that says
    /// so, instead of each request checking the connection and the reconnect state again.
    pub(super) fn live(&self) -> Option<&Connection> {
        self.conn.as_ref().filter(|_| self.reconnect.is_connected())
    }

    /// [`CoucouApp::live`], for what only a Coucou (JSON) room takes: pages, searches, typing,
    /// presence, files.
    pub(super) fn live_json(&self) -> Option<&Connection> {
        self.live().filter(|_| self.speaks_json())
    }

    /// Asks for the page before the first message shown.
    pub(super) fn load_older(&mut self, limit: u32) {
        let Some(chat) = &mut self.chat else { return };
        if chat.loading_older || !chat.more_older || !self.reconnect.is_connected() {
            return;
        }
        let Some(conn) = &self.conn else { return };
        chat.loading_older = true;
        self.asked.page = self.asked.label();
        conn.ask(ClientMsg::History {
            before: chat.oldest_id(),
            limit: Some(limit),
            label: self.asked.page,
        });
    }

    /// An older page came (already put before the entries by the model: `added` of them).
    pub(super) fn on_older_page(&mut self, added: usize) {
        self.layout.prepended(added);
        if let Some(id) = self.pending_jump {
            self.jump_to(id);
        }
    }

    /// Searches the room's history: JSON servers answer in the panel; plain servers get
    /// `/search` and answer in the conversation.
    pub(super) fn search(&mut self, words: String) {
        let Some(conn) = &self.conn else { return };
        if self.speaks_json() {
            self.asked.search = self.asked.label();
            conn.ask(ClientMsg::Search {
                text: words.clone(),
                limit: None,
                label: self.asked.search,
            });
            self.search.asked = Some(words);
            self.search.results = None;
        } else {
            conn.send(Command::Search(words));
        }
    }

    /// The room answered a search: shown if it is the last one asked (its label, or without
    /// labels its words).
    pub(super) fn on_results(&mut self, words: String, results: Vec<Found>, label: Option<Label>) {
        let last = match label {
            Some(label) => self.asked.search_answered(label),
            None => self.search.asked.as_deref() == Some(words.as_str()),
        };
        if last {
            self.search.results = Some(results);
        }
    }

    /// The room refused a request labelled `label`: if it was the page asked for, the next
    /// scroll may ask again; if it was the search, it is awaited no more. (The room's words show
    /// in the conversation.)
    pub(super) fn on_refused(&mut self, label: Label) {
        if self.asked.page_answered(label)
            && let Some(chat) = &mut self.chat
        {
            chat.loading_older = false;
            self.pending_jump = None;
        }
        if self.asked.search_answered(label) {
            self.search.asked = None;
        }
    }

    /// Shows the message `id`: scrolls to it if it is loaded, else asks for older pages until it
    /// is (or the room has none older).
    pub(super) fn jump_to(&mut self, id: u64) {
        let Some(chat) = &self.chat else { return };
        if let Some(index) = chat.position_of(id) {
            self.pending_jump = None;
            // A few rows above it stay in view: who said it (a grouped line does not repeat the
            // name) and what led to it.
            self.layout
                .jump_to_entry(index.saturating_sub(JUMP_CONTEXT));
            self.layout.highlight = Some(index);
            return;
        }
        let older = chat.oldest_id().is_none_or(|oldest| id < oldest);
        if older && chat.more_older {
            self.pending_jump = Some(id);
            self.load_older(JUMP_PAGE);
        } else {
            self.pending_jump = None;
        }
    }

    /// Keeps a typed message in the outbox and sends it if the room is there; `false` when it
    /// can't be kept (not a JSON room, or the outbox is full).
    pub(super) fn send_kept(&mut self, command: Command) -> bool {
        if !self.speaks_json() {
            return false;
        }
        let Some(chat) = &mut self.chat else {
            return false;
        };
        let cid = crate::client::new_cid();
        if !chat.queue(cid.clone(), command.clone(), now_ms()) {
            return false;
        }
        if let Some(conn) = self.live() {
            conn.send_tagged(command, cid);
        }
        true
    }

    /// Back in the room: what the outbox holds goes out again, in order. The room drops what it
    /// already had (by client id) and echoes it, which empties the outbox.
    pub(super) fn send_outbox(&self) {
        let (Some(chat), Some(conn)) = (&self.chat, &self.conn) else {
            return;
        };
        for unsent in &chat.outbox {
            conn.send_tagged(unsent.command.clone(), unsent.cid.clone());
        }
    }

    /// Where this computer's log keeps the outbox of this conversation: the room, and the name
    /// typed with (the same room under another name is another outbox).
    fn outbox_key(&self) -> Option<String> {
        let chat = self.chat.as_ref()?;
        Some(format!("{} in {}", chat.me, self.chat_key))
    }

    /// Once per conversation, in a JSON room: asks this computer's log for what was typed before
    /// the app last closed and never confirmed.
    pub(super) fn recall_outbox(&mut self) {
        if !self.speaks_json() {
            return;
        }
        let (Some(journal), Some(key)) = (&self.journal, self.outbox_key()) else {
            return;
        };
        let Some(chat) = self.chat.as_mut() else {
            return;
        };
        if chat.outbox_recall == Recall::NotAsked {
            chat.outbox_recall = Recall::Asked;
            journal.recall_outbox(&key);
        }
    }

    /// The log's kept outbox came: it goes back in the outbox, ahead of what was typed since, and
    /// out to the room, which drops what it already had (by client id).
    fn restore_outbox(&mut self, room: &str, unsent: Vec<KeptUnsent>) {
        if self.outbox_key().as_deref() != Some(room) {
            return;
        }
        let Some(chat) = self
            .chat
            .as_mut()
            .filter(|c| c.outbox_recall == Recall::Asked)
        else {
            return;
        };
        chat.outbox_recall = Recall::Done;
        let unsent: Vec<Unsent> = unsent
            .into_iter()
            .filter_map(|kept| {
                let (command, cid) = Command::from_client_msg(kept.msg)?;
                Some(Unsent {
                    cid: cid?,
                    command,
                    time: kept.time,
                })
            })
            .collect();
        if chat.restore_unsent(unsent) > 0 && self.reconnect.is_connected() {
            self.send_outbox();
        }
    }

    /// Tells this computer's log the outbox when it changed (once the kept one is back in it), so
    /// that closing the app loses nothing typed.
    pub(super) fn keep_outbox(&mut self) {
        let (Some(journal), Some(key)) = (&self.journal, self.outbox_key()) else {
            return;
        };
        let Some(chat) = &self.chat else { return };
        if chat.outbox_recall != Recall::Done {
            return;
        }
        let cids: Vec<&Cid> = chat.outbox.iter().map(|u| &u.cid).collect();
        let saved = self.outbox_saved.as_ref().is_some_and(|(k, saved)| {
            *k == key && saved.len() == cids.len() && saved.iter().zip(&cids).all(|(a, b)| a == *b)
        });
        if saved {
            return;
        }
        let unsent = chat
            .outbox
            .iter()
            .map(|u| KeptUnsent {
                msg: u.command.clone().to_client_msg_with(Some(u.cid.clone())),
                time: u.time,
            })
            .collect();
        journal.save_outbox(&key, unsent);
        self.outbox_saved = Some((key, chat.outbox.iter().map(|u| u.cid.clone()).collect()));
    }

    /// Keeps what a JSON room said in this computer's log (a welcome's and a page's messages
    /// one by one).
    pub(super) fn keep_in_journal(&self, msg: &ServerMsg) {
        let Some(journal) = &self.journal else { return };
        if !self.speaks_json() {
            return;
        }
        match msg {
            ServerMsg::Welcome { history, .. } => {
                for old in history {
                    journal.keep(&self.chat_key, old);
                }
            }
            ServerMsg::History { messages, .. } => {
                for old in messages {
                    journal.keep(&self.chat_key, old);
                }
            }
            msg => journal.keep(&self.chat_key, msg),
        }
    }

    /// A room never gives private messages back: after a fresh join, asks this computer's log
    /// for those of the room since the oldest message the room showed, to put them back in their
    /// place.
    pub(super) fn recall_privates(&self) {
        let (Some(journal), Some(chat)) = (&self.journal, &self.chat) else {
            return;
        };
        if let Some(since) = chat.entries.iter().find(|e| e.id.is_some()).map(|e| e.time) {
            journal.privates(&self.chat_key, since);
        }
    }

    /// Once the room has no older page to give, asks this computer's log for what it holds from
    /// before: a room restarted without its history still shows yesterday's conversation.
    pub(super) fn maybe_recall(&mut self) {
        let Some(journal) = &self.journal else { return };
        if self.live_json().is_none() {
            return;
        }
        let Some(chat) = &mut self.chat else { return };
        if chat.more_older || chat.loading_older || chat.recall != Recall::NotAsked {
            return;
        }
        let before = chat
            .entries
            .iter()
            .find(|e| e.time > 0)
            .map_or_else(now_ms, |e| e.time);
        chat.recall = Recall::Asked;
        journal.recall(&self.chat_key, before, RECALL);
    }

    /// What this computer's log answered.
    pub(super) fn on_journal(&mut self, event: JournalEvent) {
        match event {
            JournalEvent::Recalled { room, messages, .. } => {
                let Some(chat) = &mut self.chat else { return };
                if room != self.chat_key || chat.recall != Recall::Asked {
                    return;
                }
                let added = chat.recalled(messages, now_ms());
                self.layout.prepended(added);
            }
            JournalEvent::Privates { room, messages } => {
                let Some(chat) = &mut self.chat else { return };
                if room != self.chat_key {
                    return;
                }
                let restored = chat.restore_privates(messages);
                if restored > 0 {
                    self.layout.inserted(restored);
                }
            }
            JournalEvent::Range {
                room,
                path,
                messages,
            } => self.write_range(&room, &path, messages),
            JournalEvent::Outbox { room, unsent } => self.restore_outbox(&room, unsent),
            JournalEvent::Warning(trouble) => {
                let warning = trouble.describe(self.lang());
                if self.chat.is_some() {
                    self.push_to_chat(EntryKind::Error(warning));
                } else {
                    self.warning = Some(warning);
                }
            }
        }
    }

    /// Tells the room when the person starts typing (again every few seconds while they go on),
    /// and when the input line is emptied without sending: what `Presence` says is due.
    pub(super) fn update_typing(&mut self) {
        let live = self.live_json().is_some();
        let told = self.presence.typed(&self.composer.input, live, now_ms());
        if let (Some(active), Some(conn)) = (told, self.live_json()) {
            conn.ask(ClientMsg::Typing { active });
        }
    }

    /// Tells a JSON room you are away or back (the status menu, auto-away, a reconnection); nothing
    /// when not in one.
    pub(super) fn send_presence(&self, command: Command) {
        if let Some(conn) = self.live_json() {
            conn.send(command);
        }
    }

    /// Marks the person away after the auto-away setting's minutes without input (JSON rooms),
    /// and back at the next input if the app did it; wakes the window when the time comes.
    pub(super) fn auto_away(&mut self, ctx: &egui::Context) {
        let now = std::time::Instant::now();
        let input = ctx.input(|i| {
            i.events.iter().any(|e| {
                matches!(
                    e,
                    egui::Event::Key { .. }
                        | egui::Event::Text(_)
                        | egui::Event::PointerMoved(_)
                        | egui::Event::PointerButton { .. }
                        | egui::Event::MouseWheel { .. }
                        | egui::Event::Paste(_)
                )
            })
        });
        if input && let Some(back) = self.presence.input(now) {
            self.send_presence(back);
        }
        let minutes = self.settings.auto_away_minutes;
        let after = (minutes > 0).then(|| self.options.minute * minutes);
        let live = self.live_json().is_some() && self.chat.is_some();
        let away = self.chat.as_ref().and_then(|c| c.away_of(&c.me)).is_some();
        match self.presence.idle(now, after, live, away) {
            Idle::Away => self.send_presence(Command::Away {
                reason: None,
                auto: true,
            }),
            Idle::WakeIn(wait) => ctx.request_repaint_after(wait),
            Idle::Nothing => {}
        }
    }

    /// Marks what came since the app last showed this room.
    pub(super) fn mark_last_visit(&mut self) {
        let Some(chat) = &mut self.chat else { return };
        if let Some(&time) = self.settings.last_visit.get(&self.chat_key) {
            chat.mark_last_visit(time);
        }
    }

    /// Remembers the newest message of the conversation on screen as seen, for the next visit.
    pub(super) fn remember_visit(&mut self) {
        if let Some(time) = self.chat.as_ref().and_then(ChatModel::last_seen_time) {
            // TOML keeps signed 64-bit integers: a time from a server far in the future must not
            // make the settings unsavable.
            let time = time.min(i64::MAX as u64);
            let before = self.settings.last_visit.insert(self.chat_key.clone(), time);
            if before != Some(time) {
                self.save_settings();
            }
        }
    }
}
