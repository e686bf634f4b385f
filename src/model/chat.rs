//! The chat as the app holds it: entries, people, unread count. Pure state changes from events.
//!
//! Nothing here draws or does I/O: [`ChatModel::apply`] takes what the server said and updates the
//! state, so it is tested without a window or a socket.
//!
//! It holds the entries (with the room's ids), the people and who of them is away, the unread
//! count, the language its own notices are written in (`lang`, set by the app), the marker ("new
//! since you last looked" or "since your last visit"), the outbox of unconfirmed messages
//! (`Unsent`, at most 100), whether older pages exist, and who is typing (until when). `apply`
//! dedupes by `(id, time)` (private messages apart) and, in a history, by time, sender and text
//! what came live under another id (a linked room's island mode); it empties the outbox by client
//! id and puts older pages before the entries.

use std::collections::HashSet;

use crate::i18n::{Lang, Said};
use crate::protocol::change::{Quote, Reacted, Reaction};
use crate::protocol::message::NOTICE_PREFIX;
use crate::protocol::message::{AwayNote, Cid, FileOffer};
use crate::protocol::{Chat, Command, LeaveReason, NameKey, ServerMsg};
use crate::tr;

/// One line of the chat view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The room's id for it (messages and greetings from a JSON server), to page and jump by.
    pub id: Option<u64>,
    /// When it happened, in milliseconds since the Unix epoch (0 when unknown).
    pub time: u64,
    /// What it is.
    pub kind: EntryKind,
    /// True when it mentions your name (and is not from you).
    pub mention: bool,
    /// For the app's own lines (a notice, an error): the words, to say again in another language.
    pub said: Option<Said>,
    /// What the row is known by on screen and to a screen reader, whatever comes before or after
    /// it: given by the model, once, in the order entries arrive (0 until then).
    pub key: u64,
}

impl Entry {
    /// True for what `me` said or offered: their messages, private messages and files.
    pub fn is_from(&self, me: &str) -> bool {
        match &self.kind {
            EntryKind::Chat { own, .. } | EntryKind::Private { own, .. } => *own,
            EntryKind::File(offer) => offer.from == me,
            EntryKind::Notice(_) | EntryKind::Error(_) | EntryKind::Plain(_) => false,
        }
    }
}

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A message for the room.
    Chat {
        /// Who said it.
        from: String,
        /// What they said.
        text: String,
        /// `/me` action.
        action: bool,
        /// True when you sent it.
        own: bool,
        /// The message it answers, quoted (boxed: most messages answer none, and every entry
        /// is as large as its largest kind).
        reply: Option<Box<Quote>>,
        /// True once its author changed its text.
        edited: bool,
        /// The emoji on it, and who put them there.
        reactions: Vec<Reaction>,
    },
    /// A private message between you and someone.
    Private {
        /// Who sent it.
        from: String,
        /// Who it is for.
        to: String,
        /// The text.
        text: String,
        /// True when you sent it: decided when it arrived, so a later `/nick` can't flip it.
        own: bool,
    },
    /// Something the server or the app says: joins, leaves, greetings.
    Notice(String),
    /// Something went wrong.
    Error(String),
    /// A line from a plain-text server, as it came.
    Plain(String),
    /// A file offered in the room (or to you, or by you): its bytes are fetched apart.
    File(FileOffer),
}

impl EntryKind {
    /// A message from `from` saying `text`, answering nothing, as it was sent.
    pub fn chat(from: String, text: String, action: bool, own: bool) -> Self {
        Self::Chat {
            from,
            text,
            action,
            own,
            reply: None,
            edited: false,
            reactions: Vec::new(),
        }
    }
}

/// Which way a file goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From this computer to the host.
    Up,
    /// From the host to this computer.
    Down,
}

/// Where a file transfer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferStatus {
    /// Measuring the file before offering it (uploads), or asking the host for it (downloads).
    Starting,
    /// Bytes are moving.
    Running,
    /// Done: every byte there and checked; where a download was saved.
    Done(Option<std::path::PathBuf>),
    /// Stopped, and why; what is on disk stays to go on from.
    Failed(crate::client::transfer::TransferFailure),
}

/// One file transfer of this app, as the conversation shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferState {
    /// Up or down.
    pub direction: Direction,
    /// Bytes done.
    pub done: u64,
    /// Bytes in all.
    pub total: u64,
    /// Where it stands.
    pub status: TransferStatus,
    /// When bytes started to move, and how many were already there then (for the speed).
    pub since: Option<(std::time::Instant, u64)>,
    /// What is sent, and to whom (`None`: the room): for an upload, which has no offer in the
    /// conversation until every byte is on the host.
    pub sending: Option<Sending>,
}

/// A file being sent, as the line above the input shows it until the room has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sending {
    /// The file's name.
    pub name: String,
    /// To one person, or the room.
    pub to: Option<String>,
}

/// The state of one room conversation.
#[derive(Debug, Default)]
pub struct ChatModel {
    /// The room's name (the host:port for plain servers).
    pub room: String,
    /// Your name in the room.
    pub me: String,
    /// Who is here, sorted; empty for plain servers, which don't say.
    pub people: Vec<String>,
    /// Every entry, oldest first.
    pub entries: Vec<Entry>,
    /// The key the next entry gets ([`Entry::key`]).
    next_key: u64,
    /// Messages from others that arrived since the window last had focus (not replayed history,
    /// not the app's own notices and errors).
    pub unread: usize,
    /// Where "New since you last looked" goes: the index of the first entry that arrived after
    /// the person last looked away (see [`ChatModel::looked_away`]).
    pub marker: Option<usize>,
    /// The person looked away: the next new message moves the marker to itself.
    marker_armed: bool,
    /// Applying a welcome's history (JSON) or a plain server's "Recent messages" (plain): not news.
    replaying: bool,
    /// `(id, time)` of every message kept, so that a reconnect's history adds no duplicates. The time
    /// is part of the key because a restarted server counts ids from 1 again.
    seen: HashSet<(u64, u64)>,
    /// The same for private messages, whose ids are a sequence of their own.
    seen_private: HashSet<(u64, u64)>,
    /// `(time, a hash of sender, text and kind)` of every message that came live: a message a
    /// linked room showed while the other sites were unreachable, under an id of its own, comes
    /// again in a later history (a welcome's, a page) with the stream's id; it is the same message,
    /// kept once. (Two messages alike in the same millisecond, both live, are both kept.)
    seen_said: HashSet<(u64, u64)>,
    /// What the person sent that the room has not confirmed yet, oldest first: shown as
    /// "sending…", sent again when the connection comes back.
    pub outbox: Vec<Unsent>,
    /// The room has older messages than the first entry (as far as is known).
    pub more_older: bool,
    /// A page of older messages was asked for and has not come yet.
    pub loading_older: bool,
    /// What the marker line says.
    pub marker_kind: MarkerKind,
    /// Where the app's own log stands for this conversation (see [`ChatModel::recalled`]).
    pub recall: Recall,
    /// Where the outbox kept by the app's own log stands (see [`ChatModel::restore_unsent`]).
    pub outbox_recall: Recall,
    /// Who is typing, and until when (milliseconds since the Unix epoch, on this computer's clock)
    /// unless they say so again.
    typing: Vec<(String, u64)>,
    /// Who is away, and why (JSON servers say; plain ones don't).
    pub away: Vec<AwayNote>,
    /// Who of `people` is at another site of this linked room (the host says).
    pub elsewhere: HashSet<String>,
    /// The language of the notices the model writes (joins, leaves, renames); the app sets it.
    pub lang: Lang,
    /// This app's file transfers, by the file's id in the room.
    pub transfers: std::collections::HashMap<u64, TransferState>,
    /// The host has named rooms (its welcome said so): the app lists and joins them.
    pub has_rooms: bool,
    /// The host takes replies, edits and reactions (its welcome said so): the app says it reads
    /// them.
    pub has_changes: bool,
    /// The host lists its bans and mutes for a moderator's panel (its welcome said `rules`);
    /// else the app asks for `bans`, answered in words.
    pub has_rules: bool,
    /// The ids of your messages sent on the connection now (and on those before it, when the host
    /// knows this app's device): the host lets you edit or delete those.
    pub editable: HashSet<u64>,
    /// Whom this person ignores (`/ignore`, a person's menu): what they say from now on is not
    /// shown here, in the room or in private. This screen only: nobody is told.
    pub ignoring: Vec<String>,
    /// The newest id the last welcome brought: what came live after it is of this connection.
    live_since: u64,
}

/// Whether what this computer's log holds from before the room's own history was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recall {
    /// Not asked yet: asked once the room has no older page to give.
    #[default]
    NotAsked,
    /// Asked; the answer has not come.
    Asked,
    /// Shown (or there was nothing).
    Done,
}

/// What the marker line above the first new message says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MarkerKind {
    /// New since the window last lost the focus.
    #[default]
    SinceYouLooked,
    /// New since the app last showed this room (another day, another run of the app).
    SinceYourLastVisit,
}

/// A message typed but not yet confirmed by the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsent {
    /// The app's own id for it: the room's echo carries it back.
    pub cid: Cid,
    /// What was typed.
    pub command: Command,
    /// When it was typed.
    pub time: u64,
}

/// The most messages the outbox holds; typing more while offline is refused, with a word.
pub const OUTBOX_MAX: usize = 100;

/// The most messages of a page that are taken (a server gives at most 500).
const MAX_PAGE: usize = 500;

impl ChatModel {
    /// An empty conversation.
    pub fn new(room: impl Into<String>, me: impl Into<String>) -> Self {
        Self {
            room: room.into(),
            me: me.into(),
            ..Self::default()
        }
    }

    /// Adds a line of the app's own, said in the language on screen and again in the next one
    /// ([`ChatModel::set_lang`]): a notice, or an error if `error`.
    pub fn push_said(&mut self, time: u64, said: Said, error: bool) {
        let text = said.in_lang(self.lang);
        let kind = if error {
            EntryKind::Error(text)
        } else {
            EntryKind::Notice(text)
        };
        let entry = self.keyed(Entry {
            id: None,
            time,
            kind,
            mention: false,
            said: Some(said),
            key: 0,
        });
        self.entries.push(entry);
    }

    /// Changes the language on screen: the app's own lines kept as words ([`Said`]) are said again
    /// in it.
    pub fn set_lang(&mut self, lang: Lang) {
        if lang == self.lang {
            return;
        }
        self.lang = lang;
        for entry in &mut self.entries {
            if let (Some(said), EntryKind::Notice(text) | EntryKind::Error(text)) =
                (&entry.said, &mut entry.kind)
            {
                *text = said.in_lang(lang);
            }
        }
    }

    /// Adds an entry the app itself produced (errors, connection notices): not counted as unread.
    pub fn push_local(&mut self, time: u64, kind: EntryKind) {
        let entry = self.keyed(Entry {
            id: None,
            time,
            kind,
            mention: false,
            said: None,
            key: 0,
        });
        self.entries.push(entry);
    }

    /// `entry`, with the next key.
    fn keyed(&mut self, mut entry: Entry) -> Entry {
        self.next_key += 1;
        entry.key = self.next_key;
        entry
    }

    /// Adds an entry from the room: counted as unread and placing the marker, unless replayed.
    fn push(&mut self, entry: Entry) {
        let news = !self.replaying && !is_own(&entry);
        self.push_news(entry, news);
    }

    /// Adds an entry; `news` counts it as unread and may place the marker.
    fn push_news(&mut self, entry: Entry, news: bool) {
        if news {
            self.unread += 1;
            if std::mem::take(&mut self.marker_armed) {
                self.marker = Some(self.entries.len());
            }
        }
        let entry = self.keyed(entry);
        self.entries.push(entry);
    }

    /// The person stopped looking (the window lost the focus): the next message from the room
    /// gets the "New since you last looked" line above it.
    pub fn looked_away(&mut self) {
        self.marker_armed = true;
    }

    /// True when `text` names you as a whole word.
    fn mentions_me(&self, text: &str) -> bool {
        if self.me.is_empty() {
            return false;
        }
        let me = self.me.to_lowercase();
        text.to_lowercase()
            .split(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .any(|word| word.trim_end_matches('.') == me)
    }

    fn first_time(&mut self, id: u64, time: u64) -> bool {
        self.seen.insert((id, time))
    }

    /// False for a message in a history that came live before under another id (same time,
    /// sender, text and kind); remembers what comes live.
    fn first_said(&mut self, chat: &Chat) -> bool {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (&chat.from, &chat.text, chat.action).hash(&mut hasher);
        let said = (chat.time, hasher.finish());
        if self.replaying {
            !self.seen_said.contains(&said)
        } else {
            self.seen_said.insert(said);
            true
        }
    }

    /// Keeps a typed message until the room confirms it; `false` (and nothing kept) when the
    /// outbox is full.
    pub fn queue(&mut self, cid: Cid, command: Command, time: u64) -> bool {
        if self.outbox.len() >= OUTBOX_MAX {
            return false;
        }
        self.outbox.push(Unsent { cid, command, time });
        true
    }

    /// Puts back messages typed before the app last closed and never confirmed, ahead of what was
    /// typed since (those already here are skipped; the outbox keeps its limit). How many.
    pub fn restore_unsent(&mut self, unsent: Vec<Unsent>) -> usize {
        let room = OUTBOX_MAX.saturating_sub(self.outbox.len());
        let mut restored: Vec<Unsent> = Vec::new();
        for old in unsent {
            let known = self
                .outbox
                .iter()
                .chain(&restored)
                .any(|u| u.cid == old.cid);
            if !known && restored.len() < room {
                restored.push(old);
            }
        }
        let n = restored.len();
        restored.append(&mut self.outbox);
        self.outbox = restored;
        n
    }

    /// Who is typing at `now` (milliseconds since the Unix epoch), in the order they started.
    pub fn typing_at(&self, now: u64) -> Vec<&str> {
        self.typing
            .iter()
            .filter(|(_, until)| *until > now)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// When the next "is typing" runs out, if one is shown: the view is drawn again then.
    pub fn typing_ends(&self, now: u64) -> Option<u64> {
        self.typing
            .iter()
            .map(|(_, until)| *until)
            .filter(|until| *until > now)
            .min()
    }

    /// The room confirmed the message with this client id: it leaves the outbox.
    fn confirmed(&mut self, cid: Option<&Cid>) {
        if let Some(cid) = cid {
            self.outbox.retain(|u| u.cid != *cid);
        }
    }

    /// The room's id of the oldest entry, where the next page of older messages ends.
    pub fn oldest_id(&self) -> Option<u64> {
        self.entries.iter().find_map(|e| e.id)
    }

    /// Where the entry with the room's id `id` is, if it is loaded.
    pub fn position_of(&self, id: u64) -> Option<usize> {
        self.entries.iter().position(|e| e.id == Some(id))
    }

    /// Places the "New since your last visit" line above the first message from the room after
    /// `time` (when the app last showed this room), if there is one.
    pub fn mark_last_visit(&mut self, time: u64) {
        let first_new = self
            .entries
            .iter()
            .position(|e| e.id.is_some() && e.time > time && !is_own(e));
        if let Some(index) = first_new {
            self.marker = Some(index);
            self.marker_kind = MarkerKind::SinceYourLastVisit;
        }
    }

    /// The time of the newest message from the room, to remember as seen.
    pub fn last_seen_time(&self) -> Option<u64> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.id.is_some())
            .map(|e| e.time)
    }

    /// A conversation made of `messages` (oldest first), as a transcript of them shows it.
    pub fn from_messages(room: &str, me: &str, messages: Vec<ServerMsg>, now: u64) -> Self {
        let mut model = Self::new(room, me);
        model.prepend(messages, now);
        model
    }

    /// Puts what was said in what this computer's log holds from before the first entry (oldest
    /// first) above everything, with a line saying where it comes from; returns how many entries
    /// were added.
    /// They keep no room id: the room may have counted its ids from 1 again since.
    pub fn recalled(&mut self, messages: Vec<ServerMsg>, now: u64) -> usize {
        self.recall = Recall::Done;
        // What was said, only: joins, leaves and renames of long ago (this person's own, at every
        // visit) are no conversation to bring back.
        let messages: Vec<ServerMsg> = messages
            .into_iter()
            .filter(|m| {
                matches!(
                    m,
                    ServerMsg::Message(_) | ServerMsg::Private { .. } | ServerMsg::File(_)
                )
            })
            .collect();
        if messages.is_empty() {
            return 0;
        }
        let people = std::mem::take(&mut self.people);
        let me = self.me.clone();
        let added = self.prepend(messages, now);
        // A recalled rename of you, or joins and leaves of long ago, change nothing now.
        self.people = people;
        self.me = me;
        if added == 0 {
            return 0; // All of it is on screen already.
        }
        for entry in &mut self.entries[..added] {
            entry.id = None;
        }
        let time = self.entries[added - 1].time;
        let notice = self.keyed(Entry {
            id: None,
            time,
            kind: EntryKind::Notice(self.lang.tr("chat-from-log")),
            mention: false,
            said: None,
            key: 0,
        });
        self.entries.insert(added, notice);
        self.marker = self.marker.map(|m| m + 1);
        added + 1
    }

    /// A private message's entry: a mention of the person unless they sent it.
    fn private_entry(&self, time: u64, from: String, to: String, text: String) -> Entry {
        let own = from == self.me;
        Entry {
            id: None,
            time,
            kind: EntryKind::Private {
                from,
                to,
                text,
                own,
            },
            mention: !own,
            said: None,
            key: 0,
        }
    }

    /// Puts back private messages this computer kept (a room never gives them back): each one
    /// not on screen yet goes in its place by time, not as news. Returns how many went in.
    pub fn restore_privates(&mut self, messages: Vec<ServerMsg>) -> usize {
        let mut restored = 0;
        for msg in messages {
            let ServerMsg::Private {
                id,
                time,
                from,
                to,
                text,
                ..
            } = msg
            else {
                continue;
            };
            if self.ignores(&from) || !self.seen_private.insert((id, time)) {
                continue;
            }
            let at = self.entries.partition_point(|e| e.time <= time);
            // Not news: no mention either.
            let mut entry = self.private_entry(time, from, to, text);
            entry.mention = false;
            let entry = self.keyed(entry);
            self.entries.insert(at, entry);
            self.marker = self.marker.map(|m| if m >= at { m + 1 } else { m });
            restored += 1;
        }
        restored
    }

    /// Puts a page of older messages (oldest first) before the entries; returns how many
    /// entries were added at the top.
    fn prepend(&mut self, messages: Vec<ServerMsg>, now: u64) -> usize {
        let later = std::mem::take(&mut self.entries);
        let (unread, marker, armed) = (self.unread, self.marker, self.marker_armed);
        self.replaying = true;
        // What a room said, only (files offered too: a file shared long ago is found by scrolling
        // up): a welcome, a page or an error inside a page is not history.
        for msg in messages.into_iter().filter(|m| {
            matches!(
                m,
                ServerMsg::Message(_)
                    | ServerMsg::Private { .. }
                    | ServerMsg::Join { .. }
                    | ServerMsg::Leave { .. }
                    | ServerMsg::Rename { .. }
                    | ServerMsg::File(_)
                    | ServerMsg::Notice { id: Some(_), .. }
            )
        }) {
            self.apply(msg, now);
        }
        self.replaying = false;
        let added = self.entries.len();
        self.entries.extend(later);
        self.unread = unread;
        self.marker = marker.map(|m| m + added);
        self.marker_armed = armed;
        added
    }

    /// Applies a message from a JSON server, heard at `now` (milliseconds since the Unix epoch:
    /// when the model's own notices are dated and a "typing" runs out).
    pub fn apply(&mut self, msg: ServerMsg, now: u64) {
        match msg {
            ServerMsg::Welcome {
                room,
                you,
                users: people,
                away,
                elsewhere,
                history,
                motd,
                rooms,
                changes,
                rules,
                ..
            } => {
                self.room = room;
                self.me = you;
                self.has_rooms = rooms;
                self.has_changes = changes;
                self.has_rules = rules;
                // A new connection: messages sent on the one before are not yours to change.
                self.editable.clear();
                self.live_since = history
                    .iter()
                    .filter_map(ServerMsg::room_id)
                    .max()
                    .unwrap_or(0);
                self.people = people;
                self.away = away;
                if self.entries.iter().all(|e| e.id.is_none()) {
                    self.more_older = !history.is_empty();
                }
                self.replaying = true;
                for old in history {
                    self.apply(old, now);
                }
                self.replaying = false;
                self.elsewhere = elsewhere.into_iter().collect();
                if let Some(motd) = motd {
                    self.push_local(0, EntryKind::Notice(motd));
                }
            }
            ServerMsg::Message(chat) => self.chat(chat),
            ServerMsg::Edited(chat) => self.edited(chat),
            ServerMsg::Reacted(reacted) => self.reacted(reacted),
            ServerMsg::Private {
                id,
                time,
                from,
                to,
                text,
                cid,
            } => {
                self.confirmed(cid.as_ref());
                if self.ignores(&from) {
                    return;
                }
                if self.seen_private.insert((id, time)) {
                    let entry = self.private_entry(time, from, to, text);
                    self.push(entry);
                }
            }
            ServerMsg::Join {
                id,
                time,
                name,
                elsewhere,
            } => {
                if !self.people.contains(&name) {
                    self.people.push(name.clone());
                    self.sort_people();
                }
                if elsewhere {
                    self.elsewhere.insert(name.clone());
                } else {
                    self.elsewhere.remove(&name);
                }
                if self.first_time(id, time) {
                    self.push_said(time, Said::new("chat-joined").with("name", name), false);
                }
            }
            ServerMsg::Leave {
                id,
                time,
                name,
                reason,
            } => {
                self.people.retain(|p| *p != name);
                self.elsewhere.remove(&name);
                self.typing.retain(|(n, _)| *n != name);
                self.away.retain(|a| a.name != name);
                if self.first_time(id, time) {
                    let key = match reason {
                        LeaveReason::Quit => "chat-left",
                        LeaveReason::Disconnected => "chat-left-closed",
                        LeaveReason::TooSlow => "chat-left-slow",
                    };
                    self.push_said(time, Said::new(key).with("name", name), false);
                }
            }
            ServerMsg::Rename { id, time, old, new } => {
                self.typing.retain(|(n, _)| *n != old);
                for note in &mut self.away {
                    if note.name == old {
                        note.name.clone_from(&new);
                    }
                }
                for person in &mut self.people {
                    if *person == old {
                        person.clone_from(&new);
                    }
                }
                if self.elsewhere.remove(&old) {
                    self.elsewhere.insert(new.clone());
                }
                self.sort_people();
                if old == self.me {
                    self.me.clone_from(&new);
                }
                if self.first_time(id, time) {
                    let said = Said::new("chat-renamed").with("old", old).with("new", new);
                    self.push_said(time, said, false);
                }
            }
            ServerMsg::Users {
                users: people,
                away,
                elsewhere,
            } => {
                let names: Vec<String> = people
                    .iter()
                    .map(|name| match away.iter().find(|a| a.name == *name) {
                        Some(note) => {
                            let state = self.away_text(note.reason.as_deref(), note.auto);
                            format!("{name} ({state})")
                        }
                        None => name.clone(),
                    })
                    .collect();
                let text = tr!(
                    self.lang,
                    "chat-here",
                    count = people.len(),
                    names = names.join(", ")
                );
                self.people = people;
                self.away = away;
                self.elsewhere = elsewhere.into_iter().collect();
                self.push_local(now, EntryKind::Notice(text));
            }
            ServerMsg::Away {
                name,
                reason,
                auto,
                reply,
            } => {
                let state = away_said(reason.as_deref(), auto);
                if reply {
                    let said = Said::new("chat-away-reply").with("name", name.as_str());
                    self.push_said(now, said.with_said("state", state), false);
                } else if name == self.me && !auto {
                    let said = Said::new("chat-you-away").with_said("state", state);
                    self.push_said(now, said, false);
                }
                self.away.retain(|a| a.name != name);
                self.away.push(AwayNote { name, reason, auto });
            }
            ServerMsg::Back { name } => {
                let was_away = self.away.iter().any(|a| a.name == name);
                self.away.retain(|a| a.name != name);
                if name == self.me && was_away {
                    self.push_said(now, Said::new("chat-you-back"), false);
                }
            }
            ServerMsg::Notice { id, time, text } => {
                // A room message's id and time again: the host took it out (a tombstone in its
                // place). Only what was seen is looked for, not at every notice.
                if let Some(id) = id
                    && self.seen.contains(&(id, time))
                    && let Some(entry) = self.entries.iter_mut().find(|e| {
                        e.id == Some(id)
                            && matches!(e.kind, EntryKind::Chat { .. } | EntryKind::File(_))
                    })
                {
                    entry.kind = EntryKind::Notice(text);
                    entry.mention = false;
                    entry.said = None;
                    return;
                }
                if id.is_none_or(|id| self.first_time(id, time)) {
                    self.push_local(time, EntryKind::Notice(text));
                    if let Some(last) = self.entries.last_mut() {
                        last.id = id;
                    }
                }
            }
            ServerMsg::History {
                mut messages, more, ..
            } => {
                // Only a page that was asked for, and no bigger than any server gives.
                if !std::mem::take(&mut self.loading_older) {
                    return;
                }
                self.more_older = more;
                let skip = messages.len().saturating_sub(MAX_PAGE);
                messages.drain(..skip);
                self.prepend(messages, now);
            }
            // Search results go to the search panel, the bans and mutes to the moderator's,
            // not the conversation.
            ServerMsg::Cleared {} => self.cleared(),
            // The app puts private messages given back in their place (`restore_privates`).
            ServerMsg::Results { .. }
            | ServerMsg::Rules { .. }
            | ServerMsg::Privates { .. }
            | ServerMsg::Rooms { .. }
            | ServerMsg::Topic { .. }
            | ServerMsg::Parted {}
            | ServerMsg::RoomMade { .. } => {}
            ServerMsg::Typing { name, active } => {
                self.typing.retain(|(n, _)| *n != name);
                if active && name != self.me {
                    self.typing
                        .push((name, now + crate::protocol::message::TYPING_LASTS_MS));
                }
            }
            ServerMsg::Error { message, cid, .. } => {
                // A message refused (muted, too fast, …) is not sent again: out of the outbox.
                self.confirmed(cid.as_ref());
                self.push_local(now, EntryKind::Error(message));
            }
            ServerMsg::Moderator { on: true, .. } => {
                self.push_said(now, Said::new("moderator-now"), false);
            }
            ServerMsg::Moderator { on: false, .. } => {
                self.push_said(now, Said::new("moderator-no-more"), false);
            }
            // Part of joining, which the connection handles before the welcome.
            ServerMsg::Password { .. } | ServerMsg::Verified { .. } => {}
            ServerMsg::File(offer) => {
                // The room has every byte of a file this app was sending: sent, even if the
                // upload's own connection broke before the host could say so.
                if let Some(t) = self.transfers.get_mut(&offer.file)
                    && t.direction == Direction::Up
                    && offer.from == self.me
                {
                    t.done = t.total;
                    t.status = TransferStatus::Done(None);
                }
                if self.first_time(offer.id, offer.time) {
                    let mention = offer.to.is_some() && offer.from != self.me;
                    self.push(Entry {
                        id: Some(offer.id),
                        time: offer.time,
                        mention,
                        said: None,
                        key: 0,
                        kind: EntryKind::File(offer),
                    });
                }
            }
            // Answers to this app's own requests: the app's transfers (`app::transfers`) take them.
            ServerMsg::Ready { .. }
            | ServerMsg::Ticket { .. }
            | ServerMsg::Transfer { .. }
            | ServerMsg::Stored { .. } => {}
            // Between linked sites only: a server sends the tombstone, or says it, instead.
            ServerMsg::Unsaid { .. } | ServerMsg::Ruled(_) => {}
        }
    }

    /// A message's new text from its author: the entry with its id (and time) takes it.
    fn edited(&mut self, chat: Chat) {
        let mention = chat.from != self.me && self.mentions_me(&chat.text);
        if let Some(entry) = self.message_mut(chat.id, chat.time)
            && let EntryKind::Chat { text, edited, .. } = &mut entry.kind
        {
            *text = chat.text;
            *edited = true;
            entry.mention = mention;
        }
    }

    /// A message's reactions as they are now.
    fn reacted(&mut self, reacted: Reacted) {
        // A room message's id (a private message's, of another sequence, may be the same number).
        let found = self
            .entries
            .iter_mut()
            .rev()
            .find(|e| e.id == Some(reacted.id) && matches!(e.kind, EntryKind::Chat { .. }));
        if let Some(Entry {
            kind: EntryKind::Chat { reactions, .. },
            ..
        }) = found
        {
            *reactions = reacted.reactions;
        }
    }

    /// The room message with `id` and `time` among the entries (the newest first).
    fn message_mut(&mut self, id: u64, time: u64) -> Option<&mut Entry> {
        self.entries.iter_mut().rev().find(|e| {
            e.id == Some(id) && e.time == time && matches!(e.kind, EntryKind::Chat { .. })
        })
    }

    /// A moderator cleared the room's history: what the room said (every entry with a room id)
    /// goes; private messages and this app's own notices stay; nothing older is left to load.
    fn cleared(&mut self) {
        self.entries.retain(|e| e.id.is_none());
        self.editable.clear();
        self.marker = None;
        self.unread = 0;
        self.more_older = false;
    }

    /// True when what `name` says is not shown here (see [`ChatModel::ignoring`]).
    pub fn ignores(&self, name: &str) -> bool {
        !self.ignoring.is_empty() && {
            let key = NameKey::new(name);
            self.ignoring.iter().any(|i| NameKey::new(i).clashes(&key))
        }
    }

    /// Stops showing what `name` says (`on`), or shows it again; what it said, in words.
    pub fn ignore(&mut self, name: &str, on: bool) -> Said {
        let key = NameKey::new(name);
        self.ignoring.retain(|i| !NameKey::new(i).clashes(&key));
        if on {
            self.ignoring.push(name.to_owned());
        }
        let said = if on { "ignore-on-here" } else { "ignore-off" };
        Said::new(said).with("name", name)
    }

    fn chat(&mut self, chat: Chat) {
        self.confirmed(chat.cid.as_ref());
        // What they were typing has arrived.
        self.typing.retain(|(n, _)| *n != chat.from);
        if self.ignores(&chat.from) {
            return;
        }
        if !self.first_time(chat.id, chat.time) || !self.first_said(&chat) {
            return;
        }
        let own = chat.from == self.me;
        if own && !self.replaying && chat.id > self.live_since {
            self.editable.insert(chat.id);
        }
        let mention = !own && self.mentions_me(&chat.text);
        self.push(Entry {
            id: Some(chat.id),
            time: chat.time,
            kind: EntryKind::Chat {
                from: chat.from,
                text: chat.text,
                action: chat.action,
                own,
                reply: chat.reply.map(Box::new),
                edited: chat.edited,
                reactions: chat.reactions,
            },
            mention,
            said: None,
            key: 0,
        });
    }

    /// Applies a line from a plain server. A Coucou server's "Recent messages" come with no time
    /// (they are not from now) and are not news; your own lines are not mentions.
    pub fn apply_line(&mut self, time: u64, text: String) {
        // A Coucou server speaks English or French, as its host chose.
        let notice_of = |key: &str| {
            Lang::ALL
                .iter()
                .any(|lang| text.strip_prefix(NOTICE_PREFIX) == Some(lang.tr(key).as_str()))
        };
        if notice_of("plain-recent") {
            self.replaying = true;
        } else if notice_of("plain-type-help") {
            self.replaying = false;
        }
        // A plain room's lines say who spoke in front: an ignored name's are not shown.
        let ignored = self.ignoring.iter().any(|name| {
            text.starts_with(&format!("{name}: "))
                || text.starts_with(&format!("* {name} "))
                || Lang::ALL.iter().any(|lang| {
                    let private = lang.tr("plain-private");
                    text.starts_with(&format!("[{private}] {name} -> "))
                })
        });
        if ignored {
            return;
        }
        let me = &self.me;
        let own = text.starts_with(&format!("{me}: "))
            || text.starts_with(&format!("* {me} "))
            || Lang::ALL.iter().any(|lang| {
                let private = lang.tr("plain-private");
                text.starts_with(&format!("[{private}] {me} -> "))
            });
        // The server's notices (your welcome, joins, renames) are neither mentions nor unread
        // messages, as the JSON dialect's are not.
        let notice = text.starts_with("*** ");
        let mention = !own && !notice && self.mentions_me(&text);
        let news = !own && !notice && !self.replaying;
        let time = if self.replaying { 0 } else { time };
        self.push_news(
            Entry {
                id: None,
                time,
                kind: EntryKind::Plain(text),
                mention,
                said: None,
                key: 0,
            },
            news,
        );
    }

    /// Where the transfer of `file` stands now (a new one starts at 0 bytes); a transfer starting
    /// again measures its speed afresh.
    pub fn set_transfer(&mut self, file: u64, direction: Direction, status: TransferStatus) {
        let state = self.transfers.entry(file).or_insert(TransferState {
            direction,
            done: 0,
            total: 0,
            status: TransferStatus::Starting,
            since: None,
            sending: None,
        });
        if status == TransferStatus::Starting {
            state.since = None;
        }
        state.direction = direction;
        state.status = status;
    }

    /// An upload of `name` (`size` bytes, to `to` or the room) starts: shown above the input
    /// until the room has the file.
    pub fn start_upload(&mut self, file: u64, name: String, size: u64, to: Option<String>) {
        self.set_transfer(file, Direction::Up, TransferStatus::Starting);
        if let Some(state) = self.transfers.get_mut(&file) {
            state.total = size;
            state.sending = Some(Sending { name, to });
        }
    }

    /// The uploads still under way or stopped (not those the room has), oldest first.
    pub fn uploads(&self) -> Vec<(u64, &TransferState)> {
        let mut uploads: Vec<(u64, &TransferState)> = self
            .transfers
            .iter()
            .filter(|(_, t)| {
                t.direction == Direction::Up && !matches!(t.status, TransferStatus::Done(_))
            })
            .map(|(file, t)| (*file, t))
            .collect();
        uploads.sort_by_key(|(file, _)| *file);
        uploads
    }

    /// How someone's absence reads: "away: lunch", "away", "idle".
    pub fn away_text(&self, reason: Option<&str>, auto: bool) -> String {
        away_said(reason, auto).in_lang(self.lang)
    }

    /// Whether `name` is away, and how.
    pub fn away_of(&self, name: &str) -> Option<&AwayNote> {
        self.away.iter().find(|a| a.name == name)
    }

    fn sort_people(&mut self) {
        self.people.sort_by_key(|p| p.to_lowercase());
    }
}

/// True for your own messages, which are never unread.
fn is_own(entry: &Entry) -> bool {
    matches!(
        entry.kind,
        EntryKind::Chat { own: true, .. } | EntryKind::Private { own: true, .. }
    )
}

/// "alice offers report.pdf (2.1 MB) to the room", as `me` reads it in `lang`.
pub fn file_offer_text(offer: &FileOffer, me: &str, lang: Lang) -> String {
    let size = lang.size(offer.size);
    let key = match (offer.from == me, offer.to.is_some()) {
        (true, true) => "chat-file-yours-private",
        (true, false) => "chat-file-yours",
        (false, true) => "chat-file-private",
        (false, false) => "chat-file",
    };
    tr!(
        lang,
        key,
        name = offer.from.as_str(),
        to = offer.to.as_deref().unwrap_or_default(),
        file = offer.name.as_str(),
        size = size
    )
}

/// A made-up conversation of `n` entries starting at `start_ms`, one a minute: chats of varied
/// length, actions, notices, a private message, mentions, formatting, replies, edits and
/// reactions. For
/// snapshot tests and benchmarks.
pub fn demo_conversation(n: usize, start_ms: u64) -> ChatModel {
    demo_conversation_in(n, start_ms, Lang::En)
}

/// [`demo_conversation`] with its notices (joins) in `lang`.
pub fn demo_conversation_in(n: usize, start_ms: u64, lang: Lang) -> ChatModel {
    const PEOPLE: [&str; 5] = ["alice", "bob", "chloé", "dmitri", "eve"];
    const LINES: [&str; 6] = [
        "coucou tout le monde",
        "la réunion est à 14h, salle 12",
        "quelqu'un a le lien du document ? https://example.org/notes",
        "je pense qu'on devrait relire la proposition ensemble avant vendredi, il reste plusieurs \
         points à clarifier sur le budget et le calendrier",
        "ok pour **vendredi**, le plan est dans `salle-12.pdf`",
        "merci alice !",
    ];
    let mut model = ChatModel::new("Salle 12", "alice");
    model.lang = lang;
    model.people = PEOPLE.iter().map(|p| (*p).to_owned()).collect();
    let from_of = |i: usize| PEOPLE[(i - i / 4) % PEOPLE.len()];
    for i in 0..n {
        let time = start_ms + 60_000 * i as u64;
        // Every fourth line continues the previous person's, so grouping shows.
        let from = from_of(i);
        let msg = match i % 11 {
            3 => ServerMsg::Join {
                id: i as u64,
                time,
                name: from.to_owned(),
                elsewhere: false,
            },
            7 => ServerMsg::Private {
                id: i as u64,
                time,
                from: "bob".to_owned(),
                to: "alice".to_owned(),
                text: "tu as une minute ?".to_owned(),
                cid: None,
            },
            _ => ServerMsg::Message(Chat {
                id: i as u64,
                time,
                from: from.to_owned(),
                text: LINES[i % LINES.len()].to_owned(),
                action: i % 13 == 5,
                cid: None,
                reply: (i % 17 == 9)
                    .then(|| Quote::of(i as u64 - 1, from_of(i - 1), LINES[(i - 1) % LINES.len()])),
                edited: i % 23 == 10,
                reactions: if i % 19 == 2 {
                    vec![
                        Reaction {
                            emoji: "👍".to_owned(),
                            names: vec!["bob".to_owned(), "eve".to_owned()],
                        },
                        Reaction {
                            emoji: "🎉".to_owned(),
                            names: vec!["alice".to_owned()],
                        },
                    ]
                } else {
                    Vec::new()
                },
            }),
        };
        model.apply(msg, time);
    }
    model.unread = 0;
    model
}

/// How someone away is described: with their reason, idle (away by itself), or just away.
fn away_said(reason: Option<&str>, auto: bool) -> Said {
    match reason {
        Some(reason) => Said::new("away-with-reason").with("reason", reason),
        None if auto => Said::new("away-idle"),
        None => Said::new("away-plain"),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    /// When the tests' messages are heard: the model never reads the clock.
    const NOW: u64 = 1_800_000_000_000;

    /// The model told things at [`NOW`].
    trait Hear {
        fn hear(&mut self, msg: ServerMsg);
        fn recalled_now(&mut self, messages: Vec<ServerMsg>) -> usize;
    }

    impl Hear for ChatModel {
        fn hear(&mut self, msg: ServerMsg) {
            self.apply(msg, NOW);
        }

        fn recalled_now(&mut self, messages: Vec<ServerMsg>) -> usize {
            self.recalled(messages, NOW)
        }
    }

    #[test]
    fn a_message_shown_in_island_mode_and_again_with_the_streams_id_is_kept_once() {
        let mut model = ChatModel::default();
        let said = |id: u64, time: u64| {
            ServerMsg::Message(Chat {
                id,
                time,
                from: "bob".into(),
                text: "pendant la coupure".into(),
                action: false,
                cid: None,
                ..Default::default()
            })
        };
        // Live: twice alike in one millisecond is twice.
        model.hear(said(5, 1005));
        model.hear(said(6, 1005));
        // A reconnect's history: the first under the stream's id now, and the same words at
        // another time, which is another message.
        model.hear(welcome(vec![said(9, 1005), said(10, 2000)]));
        let said: Vec<_> = model
            .entries
            .iter()
            .filter(
                |e| matches!(&e.kind, EntryKind::Chat { text, .. } if text == "pendant la coupure"),
            )
            .map(|e| e.id)
            .collect();
        assert_eq!(said, [Some(5), Some(6), Some(10)]);
    }

    fn chat(id: u64, from: &str, text: &str) -> ServerMsg {
        ServerMsg::Message(Chat {
            id,
            time: 1000 + id,
            from: from.into(),
            text: text.into(),
            action: false,
            cid: None,
            ..Default::default()
        })
    }

    fn welcome(history: Vec<ServerMsg>) -> ServerMsg {
        ServerMsg::Welcome {
            version: 1,
            room: "Salle".into(),
            you: "alice".into(),
            users: vec!["alice".into(), "bob".into()],
            away: Vec::new(),
            elsewhere: Vec::new(),
            motd: None,
            history,
            max_message_bytes: 2048,
            labels: false,
            rooms: false,
            changes: false,
            rules: false,
        }
    }

    #[test]
    fn who_is_at_another_site_follows_the_welcome_joins_renames_leaves_and_who() {
        let mut model = ChatModel::default();
        let mut welcome = welcome(vec![]);
        if let ServerMsg::Welcome {
            users, elsewhere, ..
        } = &mut welcome
        {
            users.push("lou".into());
            elsewhere.push("lou".into());
        }
        model.hear(welcome);
        let elsewhere = |model: &ChatModel| {
            let mut names: Vec<String> = model.elsewhere.iter().cloned().collect();
            names.sort();
            names
        };
        assert_eq!(elsewhere(&model), ["lou"]);
        let join = |id, name: &str, elsewhere| ServerMsg::Join {
            id,
            time: 1000 + id,
            name: name.into(),
            elsewhere,
        };
        model.hear(join(2, "marc", true));
        model.hear(join(3, "carol", false));
        assert_eq!(elsewhere(&model), ["lou", "marc"]);
        model.hear(ServerMsg::Rename {
            id: 4,
            time: 1004,
            old: "lou".into(),
            new: "louise".into(),
        });
        assert_eq!(elsewhere(&model), ["louise", "marc"]);
        model.hear(ServerMsg::Leave {
            id: 5,
            time: 1005,
            name: "marc".into(),
            reason: LeaveReason::Disconnected,
        });
        assert_eq!(elsewhere(&model), ["louise"]);
        // marc again, here this time: no longer elsewhere.
        model.hear(join(6, "marc", true));
        model.hear(join(7, "marc", false));
        assert_eq!(elsewhere(&model), ["louise"]);
        model.hear(ServerMsg::Users {
            users: vec!["alice".into(), "bob".into(), "zoé".into()],
            away: Vec::new(),
            elsewhere: vec!["zoé".into()],
        });
        assert_eq!(elsewhere(&model), ["zoé"]);
    }

    #[test]
    fn an_older_page_goes_on_top_and_the_marker_stays_on_its_message() {
        let mut model = ChatModel::default();
        model.hear(welcome(vec![
            chat(10, "bob", "dix"),
            chat(11, "bob", "onze"),
        ]));
        assert!(model.more_older);
        model.looked_away();
        model.hear(chat(12, "bob", "douze"));
        assert_eq!(model.marker, Some(2));
        model.loading_older = true;
        model.hear(ServerMsg::History {
            before: Some(10),
            messages: vec![chat(8, "bob", "huit"), chat(9, "bob", "neuf")],
            more: false,
            label: None,
        });
        let ids: Vec<Option<u64>> = model.entries.iter().map(|e| e.id).collect();
        assert_eq!(ids, [Some(8), Some(9), Some(10), Some(11), Some(12)]);
        assert_eq!(model.marker, Some(4), "still above douze");
        assert_eq!(model.unread, 1, "a page is not news");
        assert!(!model.more_older);
        assert_eq!(model.oldest_id(), Some(8));
        assert_eq!(model.position_of(11), Some(3));
    }

    #[test]
    fn kept_private_messages_go_back_in_their_place_once_and_not_as_news() {
        let mut model = ChatModel::new("Salle", "alice");
        model.hear(welcome(vec![
            chat(10, "bob", "dix"),
            chat(12, "bob", "douze"),
        ]));
        let unread = model.unread;
        let psst = ServerMsg::Private {
            id: 1,
            time: 1011,
            from: "alice".into(),
            to: "bob".into(),
            text: "psst".into(),
            cid: None,
        };
        assert_eq!(
            model.restore_privates(vec![psst.clone(), chat(13, "x", "y")]),
            1
        );
        assert_eq!(model.restore_privates(vec![psst]), 0, "once");
        let kinds: Vec<&str> = model
            .entries
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Private { text, .. } | EntryKind::Chat { text, .. } => text.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(kinds, ["dix", "psst", "douze"]);
        assert_eq!(model.unread, unread, "not news");
    }

    #[test]
    fn a_file_offered_long_ago_comes_back_with_its_page() {
        let mut model = ChatModel::default();
        model.hear(welcome(vec![chat(10, "bob", "dix")]));
        let mut old = offer(3, "bob");
        if let ServerMsg::File(o) = &mut old {
            (o.id, o.time) = (9, 9);
        }
        model.loading_older = true;
        model.hear(ServerMsg::History {
            before: Some(10),
            messages: vec![chat(8, "bob", "huit"), old],
            more: false,
            label: None,
        });
        let ids: Vec<Option<u64>> = model.entries.iter().map(|e| e.id).collect();
        assert_eq!(ids, [Some(8), Some(9), Some(10)]);
        assert!(matches!(&model.entries[1].kind, EntryKind::File(o) if o.file == 3));
    }

    fn offer(file: u64, from: &str) -> ServerMsg {
        ServerMsg::File(FileOffer {
            id: 20 + file,
            time: 2000,
            file,
            from: from.into(),
            to: None,
            name: "plan.pdf".into(),
            size: 100,
            sha256: "0".repeat(64),
        })
    }

    #[test]
    fn unsent_messages_from_before_go_back_ahead_of_the_new_ones_once_each_within_the_limit() {
        let unsent = |cid: &str| Unsent {
            cid: cid.into(),
            command: Command::Say(cid.into()),
            time: 1,
        };
        let mut model = ChatModel::new("Salle", "alice");
        assert!(model.queue("new".into(), Command::Say("new".into()), 2));
        let restored =
            model.restore_unsent(vec![unsent("a"), unsent("new"), unsent("b"), unsent("a")]);
        assert_eq!(restored, 2);
        let cids: Vec<&str> = model.outbox.iter().map(|u| u.cid.as_str()).collect();
        assert_eq!(cids, ["a", "b", "new"]);
        let many = (0..OUTBOX_MAX * 2)
            .map(|i| unsent(&format!("m{i}")))
            .collect();
        assert_eq!(model.restore_unsent(many), OUTBOX_MAX - 3);
        assert_eq!(model.outbox.len(), OUTBOX_MAX);
        assert_eq!(model.outbox.last().map(|u| u.cid.as_str()), Some("new"));
    }

    #[test]
    fn an_upload_the_room_announces_is_sent_even_if_its_connection_broke_first() {
        let mut model = ChatModel::new("Salle", "alice");
        model.hear(welcome(Vec::new()));
        model.start_upload(1, "plan.pdf".into(), 100, None);
        model.set_transfer(
            1,
            Direction::Up,
            TransferStatus::Failed(crate::client::transfer::TransferFailure::Cut),
        );
        model.start_upload(2, "plan.pdf".into(), 100, None);
        assert_eq!(model.uploads().len(), 2);
        // Someone else's offer with the same id of another room's run changes nothing.
        model.hear(offer(2, "bob"));
        model.hear(offer(1, "alice"));
        let uploads: Vec<u64> = model.uploads().iter().map(|(file, _)| *file).collect();
        assert_eq!(uploads, [2]);
        assert_eq!(
            (model.transfers[&1].done, &model.transfers[&1].status),
            (100, &TransferStatus::Done(None))
        );
    }

    #[test]
    fn a_page_nobody_asked_for_or_one_holding_a_welcome_changes_nothing() {
        let mut model = ChatModel::new("Salle", "alice");
        model.hear(welcome(vec![chat(10, "bob", "dix")]));
        let page = |messages| ServerMsg::History {
            before: None,
            messages,
            more: true,
            label: None,
        };
        model.hear(page(vec![chat(3, "eve", "unasked")]));
        assert_eq!(model.entries.len(), 1);
        model.loading_older = true;
        let mut hostile = welcome(vec![chat(4, "eve", "inside")]);
        if let ServerMsg::Welcome { you, .. } = &mut hostile {
            *you = "eve".into();
        }
        model.hear(page(vec![
            hostile,
            ServerMsg::error(crate::protocol::ErrorCode::Flood, "x"),
        ]));
        assert_eq!(model.me, "alice", "a welcome inside a page is dropped");
        assert_eq!(model.entries.len(), 1);
        model.loading_older = true;
        model.hear(page((1..=2_000).map(|id| chat(id, "bob", "x")).collect()));
        assert_eq!(model.entries.len(), 1 + 500, "at most a page's worth");
    }

    #[test]
    fn typing_shows_until_it_runs_out_or_the_message_comes_or_they_leave() {
        let mut model = ChatModel::new("Salle", "alice");
        model.hear(welcome(vec![]));
        let typing = |name: &str, active| ServerMsg::Typing {
            name: name.into(),
            active,
        };
        let now = NOW;
        model.hear(typing("bob", true));
        model.hear(typing("carol", true));
        model.hear(typing("alice", true)); // yourself: never shown
        assert_eq!(model.typing_at(now), ["bob", "carol"]);
        let ends = model.typing_ends(now).unwrap();
        assert!(ends >= now + crate::protocol::message::TYPING_LASTS_MS);
        assert!(model.typing_at(ends).is_empty(), "it runs out by itself");
        model.hear(chat(5, "bob", "fini"));
        assert_eq!(model.typing_at(now), ["carol"], "bob's message came");
        model.hear(ServerMsg::Leave {
            id: 6,
            time: 1006,
            name: "carol".into(),
            reason: LeaveReason::Disconnected,
        });
        assert!(model.typing_at(now).is_empty(), "carol left");
        model.hear(typing("dmitri", true));
        model.hear(typing("dmitri", false));
        assert!(model.typing_at(now).is_empty(), "dmitri stopped");
        assert_eq!(model.typing_ends(now), None);
    }

    #[test]
    fn the_rooms_echo_empties_the_outbox_once_whichever_way_it_comes() {
        let mut model = ChatModel::new("Salle", "alice");
        assert!(model.queue("c1".into(), Command::Say("un".into()), 5));
        assert!(model.queue("c2".into(), Command::Say("deux".into()), 6));
        let echo = |id, text: &str, cid: &str| {
            ServerMsg::Message(Chat {
                id,
                time: 1000 + id,
                from: "alice".into(),
                text: text.into(),
                action: false,
                cid: Some(cid.into()),
                ..Default::default()
            })
        };
        model.hear(echo(1, "un", "c1"));
        assert_eq!(model.outbox.len(), 1);
        // Sent again after a cut: the room answers with the same message; shown once.
        model.hear(echo(1, "un", "c1"));
        model.hear(echo(2, "deux", "c2"));
        assert!(model.outbox.is_empty());
        assert_eq!(model.entries.len(), 2);
        for n in 0..OUTBOX_MAX {
            assert!(model.queue(format!("x{n}"), Command::Say("x".into()), 7));
        }
        assert!(!model.queue("full".into(), Command::Say("x".into()), 8));
    }

    #[test]
    fn this_computers_log_goes_above_with_a_line_and_nothing_twice() {
        let mut model = ChatModel::new("Salle", "alice");
        model.hear(welcome(vec![chat(1, "bob", "aujourd'hui")]));
        // Yesterday's room counted from 1 too: same ids, other times.
        let yesterday = |id: u64, text: &str| {
            ServerMsg::Message(Chat {
                id,
                time: 10 + id,
                from: "bob".into(),
                text: text.into(),
                action: false,
                cid: None,
                ..Default::default()
            })
        };
        let added = model.recalled_now(vec![yesterday(1, "hier"), yesterday(2, "hier soir")]);
        assert_eq!(added, 3);
        let texts: Vec<String> = model
            .entries
            .iter()
            .map(|e| crate::model::transcript::entry_text(e, Lang::En))
            .collect();
        assert!(texts[0].ends_with("bob: hier"), "{texts:?}");
        assert!(texts[2].contains("from this computer's log"), "{texts:?}");
        assert!(texts[3].ends_with("bob: aujourd'hui"), "{texts:?}");
        assert_eq!(
            model.entries[0].id, None,
            "recalled ids are not the room's now"
        );
        assert_eq!(model.oldest_id(), Some(1));
        assert_eq!(model.recall, Recall::Done);
        // All of it already on screen: nothing added, no line.
        let mut again = ChatModel::new("Salle", "alice");
        again.hear(welcome(vec![chat(1, "bob", "hi")]));
        assert_eq!(again.recalled_now(vec![chat(1, "bob", "hi")]), 0);
        assert_eq!(again.entries.len(), 1);
        // Only joins and leaves of long ago (this person's own last visit): nothing to bring
        // back, and no line saying something was.
        let mut fresh = ChatModel::new("Salle", "alice");
        fresh.hear(welcome(vec![]));
        let shown = fresh.entries.len();
        let last_visit = vec![
            ServerMsg::Join {
                id: 1,
                time: 5,
                name: "alice".into(),
                elsewhere: false,
            },
            ServerMsg::Leave {
                id: 2,
                time: 6,
                name: "alice".into(),
                reason: LeaveReason::Quit,
            },
        ];
        assert_eq!(fresh.recalled_now(last_visit), 0);
        assert_eq!(fresh.entries.len(), shown);
    }

    #[test]
    fn new_since_your_last_visit_marks_the_first_message_after_that_time() {
        let mut model = ChatModel::new("Salle", "alice");
        model.hear(welcome(vec![
            chat(1, "bob", "vu"),
            chat(2, "alice", "moi"),
            chat(3, "bob", "pas vu"),
        ]));
        model.mark_last_visit(1001);
        assert_eq!(model.marker, Some(2), "after 1001, and not your own");
        assert_eq!(model.marker_kind, MarkerKind::SinceYourLastVisit);
        assert_eq!(model.last_seen_time(), Some(1003));
        let mut none_new = ChatModel::new("Salle", "alice");
        none_new.hear(welcome(vec![chat(1, "bob", "vu")]));
        none_new.mark_last_visit(5000);
        assert_eq!(none_new.marker, None);
    }

    #[test]
    fn a_reconnect_does_not_duplicate_history() {
        let mut model = ChatModel::default();
        model.hear(welcome(vec![chat(1, "bob", "hi")]));
        model.hear(chat(2, "alice", "hello"));
        model.hear(welcome(vec![
            chat(1, "bob", "hi"),
            chat(2, "alice", "hello"),
        ]));
        model.hear(chat(3, "bob", "new"));
        let texts: Vec<_> = model
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                EntryKind::Chat { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["hi", "hello", "new"]);
    }

    #[test]
    fn own_messages_and_mentions_are_marked() {
        let mut model = ChatModel::default();
        model.hear(welcome(vec![]));
        model.hear(chat(1, "alice", "me, alice"));
        model.hear(chat(2, "bob", "hey Alice!"));
        model.hear(chat(3, "bob", "malice is not a mention"));
        let marks: Vec<_> = model
            .entries
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Chat { own, .. } => (*own, e.mention),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(marks, [(true, false), (false, true), (false, false)]);
    }

    #[test]
    fn people_follow_joins_leaves_and_renames() {
        let mut model = ChatModel::default();
        model.hear(welcome(vec![]));
        model.hear(ServerMsg::Join {
            id: 1,
            time: 1,
            name: "carol".into(),
            elsewhere: false,
        });
        model.hear(ServerMsg::Leave {
            id: 2,
            time: 2,
            name: "bob".into(),
            reason: LeaveReason::Quit,
        });
        model.hear(ServerMsg::Rename {
            id: 3,
            time: 3,
            old: "alice".into(),
            new: "zed".into(),
        });
        assert_eq!(model.people, ["carol", "zed"]);
        assert_eq!(model.me, "zed");
    }

    fn private(id: u64, from: &str, to: &str, text: &str) -> ServerMsg {
        ServerMsg::Private {
            id,
            time: 1000 + id,
            from: from.into(),
            to: to.into(),
            text: text.into(),
            cid: None,
        }
    }

    #[test]
    fn a_private_message_keeps_its_direction_after_a_rename() {
        let mut model = ChatModel::default();
        model.hear(welcome(vec![]));
        model.hear(private(1, "alice", "bob", "psst"));
        model.hear(private(2, "bob", "alice", "what?"));
        model.hear(ServerMsg::Rename {
            id: 1,
            time: 5000,
            old: "alice".into(),
            new: "marie".into(),
        });
        let owns: Vec<bool> = model
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                EntryKind::Private { own, .. } => Some(*own),
                _ => None,
            })
            .collect();
        assert_eq!(owns, [true, false]);
    }

    #[test]
    fn unread_counts_news_from_others_only() {
        let mut model = ChatModel::default();
        model.hear(welcome(vec![
            chat(1, "bob", "old"),
            chat(2, "bob", "older"),
        ]));
        assert_eq!(model.unread, 0, "replayed history is not news");
        model.push_local(1, EntryKind::Error("the app's own error".into()));
        model.hear(chat(3, "alice", "my own"));
        assert_eq!(model.unread, 0);
        model.hear(chat(4, "bob", "new"));
        assert_eq!(model.unread, 1);
    }

    #[test]
    fn the_marker_goes_above_the_first_message_after_looking_away() {
        let mut model = ChatModel::default();
        model.hear(welcome(vec![chat(1, "bob", "old")]));
        model.hear(chat(2, "bob", "seen"));
        assert_eq!(model.marker, None);
        model.looked_away();
        model.push_local(1, EntryKind::Notice("local".into()));
        model.hear(chat(3, "alice", "mine"));
        model.hear(chat(4, "bob", "first new"));
        model.hear(chat(5, "bob", "second new"));
        let marked = model.marker.map(|i| &model.entries[i].kind);
        assert!(
            matches!(marked, Some(EntryKind::Chat { text, .. }) if text == "first new"),
            "{marked:?}"
        );
    }

    #[test]
    fn plain_replays_have_no_time_and_own_lines_are_not_mentions() {
        let mut model = ChatModel::new("h:1", "alice");
        for line in [
            "*** Welcome to Coucou, alice!",
            "*** Recent messages:",
            "bob: alice, yesterday",
            "*** Type /help for commands, exit to leave.",
        ] {
            model.apply_line(99, line.into());
        }
        model.apply_line(100, "alice: hello, I am alice".into());
        model.apply_line(101, "* alice waves at alice".into());
        model.apply_line(102, "bob: hi alice".into());
        let rows: Vec<(u64, bool)> = model.entries.iter().map(|e| (e.time, e.mention)).collect();
        assert_eq!(
            rows,
            [
                (99, false),
                (0, false),
                (0, true),
                (99, false),
                (100, false),
                (101, false),
                (102, true)
            ]
        );
        assert_eq!(model.unread, 1, "bob's line only");
    }

    #[test]
    fn private_ids_are_a_sequence_of_their_own() {
        let mut model = ChatModel::default();
        model.hear(welcome(vec![]));
        // Same id and time as a room message: both are kept.
        model.hear(chat(1, "bob", "room"));
        model.hear(private(1, "bob", "alice", "private"));
        // The same private message again (a reconnect): kept once.
        model.hear(private(1, "bob", "alice", "private"));
        assert_eq!(model.entries.len(), 2);
    }
}
