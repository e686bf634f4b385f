//! This computer's log of conversations, for the conversation on screen: what a JSON room says
//! goes into it; what it holds comes back (messages from before the room's history, your own
//! private messages, which only a host that knows this app's device gives back, and the outbox
//! of what was typed and never confirmed, kept across a restart: the room's, and each named
//! room's).

use std::collections::HashMap;
use std::path::PathBuf;

use super::contact::Contact;
use super::conversation::Conversation;
use super::desk::Desk;
use super::events::AppEvent;
use crate::journal::{Journal, KeptUnsent};
use crate::model::settings;
use crate::model::{ChatModel, Recall, Unsent};
use crate::protocol::message::Cid;
use crate::protocol::{ClientMsg, Command, ServerMsg, now_ms};

/// How many messages from this computer's log are shown above the room's own history.
const RECALL: usize = 500;

/// How many of this device's own private messages the app asks the host for after joining (the
/// server's largest page).
const PRIVATES_ASKED: u32 = 500;

/// This computer's log, and what of the outbox it holds last.
pub(super) struct History {
    /// The log, when there is a settings folder to keep it in.
    journal: Option<Journal>,
    /// The outboxes the log holds last: by key, their messages' client ids.
    outbox_saved: HashMap<String, Vec<Cid>>,
}

impl History {
    /// Opens this computer's log beside the settings (none without a settings folder, or when
    /// it can't be opened), keeping the days the settings say.
    pub(super) fn open(desk: &Desk) -> Self {
        let journal = desk.settings_path.as_deref().and_then(|path| {
            let events = desk.sink(AppEvent::Journal);
            let journal = Journal::start(settings::journal_path(path), events).ok()?;
            journal.retain_days(desk.settings.journal_days);
            Some(journal)
        });
        Self {
            journal,
            outbox_saved: HashMap::new(),
        }
    }

    /// True when there is a log (days can be exported from it).
    pub(super) fn has_log(&self) -> bool {
        self.journal.is_some()
    }

    /// Keeps the log's messages for `days` days.
    pub(super) fn retain_days(&self, days: u32) {
        if let Some(journal) = &self.journal {
            journal.retain_days(days);
        }
    }

    /// Asks the log for the messages of `room` from `from` to `to`, to write to `path` (nothing
    /// without a log: see [`History::has_log`]).
    pub(super) fn range(&self, room: &str, from: u64, to: u64, path: PathBuf) {
        if let Some(journal) = &self.journal {
            journal.range(room, from, to, path);
        }
    }

    /// Keeps what a JSON room said in the log (a welcome's and a page's messages one by one).
    pub(super) fn keep(&self, room: &str, msg: &ServerMsg) {
        let Some(journal) = &self.journal else { return };
        match msg {
            ServerMsg::Welcome { history, .. } => {
                for old in history {
                    journal.keep(room, old);
                }
            }
            ServerMsg::History { messages, .. } | ServerMsg::Privates { messages, .. } => {
                for old in messages {
                    journal.keep(room, old);
                }
            }
            msg => journal.keep(room, msg),
        }
    }

    /// The host knows this app's device: asks it for the newest of this device's own private
    /// messages, which go in their place beside those this computer's log gives back (another
    /// computer's log, or a log lost, holds none of them); see [`History::given_back`].
    pub(super) fn ask_privates(contact: &mut Contact) {
        let label = contact.asked.label();
        contact.asked.privates = label;
        if let (Some(_), Some(conn)) = (label, contact.connection()) {
            conn.ask(ClientMsg::Privates {
                before: None,
                limit: Some(PRIVATES_ASKED),
                label,
            });
        }
    }

    /// The host gave this device's own private messages back (`privates`, a message the model
    /// does not apply): kept in the log, and each one not on screen yet put in its place.
    pub(super) fn given_back(&self, conv: &mut Conversation, privates: ServerMsg) {
        self.keep(&conv.key, &privates);
        let (ServerMsg::Privates { messages, .. }, Some(chat)) = (privates, &mut conv.chat) else {
            return;
        };
        let restored = chat.restore_privates(messages);
        if restored > 0 {
            conv.layout.inserted(restored);
        }
    }

    /// A room never gives private messages back: after a fresh join, asks the log for those of
    /// the room since the oldest message the room showed, to put them back in their place.
    pub(super) fn recall_privates(&self, conv: &Conversation) {
        let (Some(journal), Some(chat)) = (&self.journal, &conv.chat) else {
            return;
        };
        if let Some(since) = chat.entries.iter().find(|e| e.id.is_some()).map(|e| e.time) {
            journal.privates(&conv.key, since);
        }
    }

    /// Once the room has no older page to give, asks the log for what it holds from before: a
    /// room restarted without its history still shows yesterday's conversation.
    pub(super) fn maybe_recall(&self, conv: &mut Conversation) {
        let Some(journal) = &self.journal else { return };
        let Some(chat) = &mut conv.chat else { return };
        if chat.more_older || chat.loading_older || chat.recall != Recall::NotAsked {
            return;
        }
        let before = chat
            .entries
            .iter()
            .find(|e| e.time > 0)
            .map_or_else(now_ms, |e| e.time);
        chat.recall = Recall::Asked;
        journal.recall(&conv.key, before, RECALL);
    }

    /// Where the log keeps the outbox of the conversation: the room, and the name typed with
    /// (the same room under another name is another outbox).
    fn outbox_key(conv: &Conversation) -> Option<String> {
        let chat = conv.chat.as_ref()?;
        Some(format!("{} in {}", chat.me, conv.key))
    }

    /// Where the log keeps the outbox of the named room `name`: as a room's, under its key.
    fn named_outbox_key(conv: &Conversation, name: &str) -> Option<String> {
        let chat = conv.rooms.chat(name)?;
        Some(format!("{} in {}", chat.me, conv.named_key(name)))
    }

    /// Every outbox of the conversation with its key: the room's, then each named room's.
    fn outboxes(conv: &Conversation) -> Vec<(String, &ChatModel)> {
        let default = conv
            .chat
            .iter()
            .filter_map(|chat| Some((Self::outbox_key(conv)?, chat)));
        let named = conv
            .rooms
            .joined
            .iter()
            .filter_map(|(name, room)| Some((Self::named_outbox_key(conv, name)?, &room.chat)));
        default.chain(named).collect()
    }

    /// Once per named room joined: asks the log for what was typed there before the app last
    /// closed and never confirmed.
    pub(super) fn recall_named_outbox(&self, conv: &mut Conversation, name: &str) {
        let (Some(journal), Some(key)) = (&self.journal, Self::named_outbox_key(conv, name)) else {
            return;
        };
        let Some(chat) = conv.rooms.chat_mut(name) else {
            return;
        };
        if chat.outbox_recall == Recall::NotAsked {
            chat.outbox_recall = Recall::Asked;
            journal.recall_outbox(&key);
        }
    }

    /// Once per conversation, in a JSON room: asks the log for what was typed before the app
    /// last closed and never confirmed.
    pub(super) fn recall_outbox(&self, conv: &mut Conversation) {
        let (Some(journal), Some(key)) = (&self.journal, Self::outbox_key(conv)) else {
            return;
        };
        let Some(chat) = conv.chat.as_mut() else {
            return;
        };
        if chat.outbox_recall == Recall::NotAsked {
            chat.outbox_recall = Recall::Asked;
            journal.recall_outbox(&key);
        }
    }

    /// The log's kept outbox for `room` came: it goes back in its outbox (the room's, or a named
    /// room's), ahead of what was typed since. Which room it brought something to send again to
    /// (`Some(None)`: the room; `Some(Some(name))`: a named room), if any: the room drops what
    /// it already had, by client id.
    pub(super) fn restore_outbox(
        &self,
        conv: &mut Conversation,
        room: &str,
        unsent: Vec<KeptUnsent>,
    ) -> Option<Option<String>> {
        let target = if Self::outbox_key(conv).as_deref() == Some(room) {
            None
        } else {
            let names = conv.rooms.joined.keys();
            let named = names
                .into_iter()
                .find(|name| Self::named_outbox_key(conv, name).as_deref() == Some(room))?;
            Some(named.clone())
        };
        let chat = match &target {
            None => conv.chat.as_mut(),
            Some(name) => conv.rooms.chat_mut(name),
        };
        let chat = chat.filter(|c| c.outbox_recall == Recall::Asked)?;
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
        (chat.restore_unsent(unsent) > 0).then_some(target)
    }

    /// Tells the log each outbox that changed (once the kept one is back in it), so that closing
    /// the app loses nothing typed.
    pub(super) fn keep_outbox(&mut self, conv: &Conversation) {
        let Some(journal) = &self.journal else {
            return;
        };
        let outboxes = Self::outboxes(conv);
        for (key, chat) in &outboxes {
            if chat.outbox_recall != Recall::Done {
                continue;
            }
            let saved = self.outbox_saved.get(key).is_some_and(|saved| {
                saved.len() == chat.outbox.len()
                    && saved.iter().zip(&chat.outbox).all(|(a, b)| *a == b.cid)
            });
            if saved {
                continue;
            }
            let unsent = chat
                .outbox
                .iter()
                .map(|u| KeptUnsent {
                    msg: u.command.clone().to_client_msg_with(Some(u.cid.clone())),
                    time: u.time,
                })
                .collect();
            journal.save_outbox(key, unsent);
            let cids = chat.outbox.iter().map(|u| u.cid.clone()).collect();
            self.outbox_saved.insert(key.clone(), cids);
        }
        // A room left, or another conversation: what was known saved of it is forgotten.
        self.outbox_saved
            .retain(|key, _| outboxes.iter().any(|(k, _)| k == key));
    }
}
