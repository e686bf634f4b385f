//! The room: who is here, the recent history, and what each command does to them.
//!
//! All of it sits behind one mutex held only for in-memory work: what someone is sent is pushed to
//! their [`Mailbox`], which never waits on a socket, so a person who stops reading can't hold up
//! anyone else. Every broadcast is encoded at most once per dialect and the same bytes are shared by
//! all recipients. The room reads the time from the [`Clock`] it is given, and knows nothing of
//! sockets or threads: its unit tests below drive it with recording mailboxes and a fixed clock.
//!
//! What is said reaches people by one path: `announce` → `show` → `show_here` (broadcast, the
//! store, the history; the linked part only decides when, `hand_over`). The messages each name sent
//! lately with a client id (`Sent`: the last 16,384, at most 4 MiB) make a message sent again echo
//! to its sender alone. "Typing" goes to the other JSON clients at most once per 2.5 s per person;
//! who is away is told to JSON people and to the person, listed in welcomes and `who`, and the
//! reason is sent back once per sender and absence to a private message.

mod changes;
mod linked;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::config::PeopleHook;
use super::counters::Counters;
use super::mailbox::{Bytes, Mailbox, Pushed};
use crate::i18n::Lang;
use crate::protocol::change::Quote;
use crate::protocol::command;
use crate::protocol::device::DeviceId;
use crate::protocol::message::{AwayNote, FileOffer};
use crate::protocol::message::{Cid, Found};
use crate::protocol::name::{self, NameError, NameKey};
use crate::protocol::password::RoomKey;
use crate::protocol::search::Query;
use crate::protocol::websocket;
use crate::protocol::{
    Chat, Command, Dialect, ErrorCode, LeaveReason, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, ServerMsg,
};
use crate::store::Ends;
use crate::tr;

pub use linked::{LinkShare, Relay};

/// Where the room reads the time, in milliseconds since the Unix epoch: [`crate::protocol::now_ms`]
/// in the server, a fixed value in tests.
pub type Clock = fn() -> u64;

/// Where the room keeps what is said beyond its memory (the host's store). Called under the room
/// lock: it must return at once, never wait on a disk.
pub trait Archive: Send + Sync + std::fmt::Debug {
    /// Keeps `msg`; `in_history` when newcomers are given it.
    fn keep(&self, msg: &ServerMsg, in_history: bool);

    /// Keeps the private message `msg`, with the devices at its `ends` (they get it back).
    fn keep_private(&self, msg: &ServerMsg, ends: Ends);

    /// Keeps the room's topic (empty: none).
    fn keep_topic(&self, topic: &str);

    /// Keeps the room's password as the host keeps it (`None`: none).
    fn keep_key(&self, key: Option<&RoomKey>);

    /// Runs `then` once everything kept before is lasting (elsewhere: never waits). False, with
    /// `then` dropped unrun, when nothing is kept any more: the caller goes on at once.
    fn after_written(&self, then: Box<dyn FnOnce() + Send>) -> bool;

    /// Keeps `msg` (a tombstone, or the message as it is now) in place of the message with its
    /// id: the old words leave the search index, the new ones go in.
    fn replace(&self, msg: &ServerMsg);

    /// Keeps `msg`, the message with the same words (its reactions changed), in place of the one
    /// with its id.
    fn restate(&self, msg: &ServerMsg);

    /// Clears the room's history: every message of the room kept so far goes.
    fn clear(&self);
}

/// Who else on the host holds a name like this key (its name), as a room checks a newcomer's.
pub type Elsewhere<'a> = &'a dyn Fn(&NameKey) -> Option<String>;

/// Identifies one connection for the life of the server.
pub type SessionId = u64;

/// The room's fixed settings.
#[derive(Debug, Clone)]
pub struct RoomSettings {
    /// The room's name, shown in welcomes.
    pub name: String,
    /// How many people may be in the room at once.
    pub max_people: usize,
    /// How many recent messages newcomers get.
    pub history: usize,
    /// Shown to every newcomer, if any.
    pub motd: Option<String>,
    /// Told the number of people when it changes.
    pub on_people: Option<PeopleHook>,
    /// The language of the room's notices.
    pub lang: Lang,
    /// A named room's name, which every JSON line about it carries (`room`); `None` for the
    /// host's default room, whose lines name no room (as before there were several).
    pub scope: Option<String>,
}

/// The host's two id sequences, shared by all its rooms: an id is never given twice on a host.
#[derive(Debug, Default)]
pub struct Ids {
    /// The id of the next message.
    next: AtomicU64,
    /// The id of the next private message: a sequence of its own, so the rooms' has no gaps.
    next_private: AtomicU64,
}

impl Ids {
    /// Both sequences starting at 1.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            next: AtomicU64::new(1),
            next_private: AtomicU64::new(1),
        })
    }

    /// Goes on from at least these (a store's, at start).
    pub fn raise(&self, next: u64, next_private: u64) {
        self.next.fetch_max(next, Ordering::Relaxed);
        self.next_private.fetch_max(next_private, Ordering::Relaxed);
    }

    fn take(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    fn take_private(&self) -> u64 {
        self.next_private.fetch_add(1, Ordering::Relaxed)
    }
}

/// Someone in the room.
#[derive(Debug)]
struct Person<M> {
    /// Their connection.
    session: SessionId,
    /// Their name, canonical form.
    name: String,
    /// What their name is compared by.
    key: NameKey,
    /// How to encode what they are sent.
    dialect: Dialect,
    /// Where what they are sent goes.
    outbox: Arc<M>,
    /// When the others were last told this person is typing; `None` when they were told it
    /// stopped (or never told).
    typing_since: Option<u64>,
    /// When the others were last told this person started typing, kept after a "stopped" so that
    /// typing on and off again within [`TYPING_RELAY_MS`] is not passed on; a message clears it
    /// (the next message may start at once, and messages have their own flood limit).
    typing_told: Option<u64>,
    /// Set while they are away.
    away: Option<Away>,
    /// Whether they know of rooms: told topics and rooms made. A terminal reads them as text;
    /// a JSON client once it has said anything about rooms (an app from before rooms would show
    /// a line of a type it does not know as an error).
    knows_rooms: bool,
    /// Whether they are told of edits and reactions (`edited`, `reacted`): a terminal reads them
    /// as text; a JSON client once it said `changes` (or changed a message itself). An app from
    /// before them gets the message as it is now with the next page or welcome.
    reads_changes: bool,
    /// The device their app proved, if any (see [`Room::set_device`]).
    device: Option<DeviceId>,
    /// Whom they ignore (each name's key, and the name as they were told it): what those say
    /// here, in the room or in private, is not sent them.
    ignoring: Vec<(NameKey, String)>,
}

/// Who sent a message the room remembers: the connection, and its device when it proved one
/// (the device may edit and delete it from a later connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Author {
    session: SessionId,
    device: Option<DeviceId>,
}

/// How many senders an absence remembers having given its reason to.
const MAX_TOLD: usize = 256;

/// Someone's absence.
#[derive(Debug)]
struct Away {
    /// Why, if they said.
    reason: Option<String>,
    /// Marked by their app after a while without input.
    auto: bool,
    /// Who has been given the reason in answer to a private message (once each).
    told: Vec<SessionId>,
}

/// A "typing" is passed on at most once in this many milliseconds per person (a client says it
/// again every [`crate::protocol::message::TYPING_EVERY_MS`]; more often changes nothing for the
/// others, so it costs them nothing).
pub const TYPING_RELAY_MS: u64 = 2_500;

/// Why someone could not join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinError {
    /// The name breaks a rule; they may try another.
    Name(NameError),
    /// The room is full; the connection ends.
    Full {
        /// The room's limit.
        max_people: usize,
    },
    /// The name or the address is banned from the host (the words say until when); the
    /// connection ends.
    Banned(String),
}

/// What a command asks of the session after the room has done its part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Keep reading.
    Continue,
    /// Keep reading: the person's name is now this (canonical form).
    Renamed(String),
    /// The person left: close the connection.
    Close,
}

/// The room's state; see the module docs.
#[derive(Debug)]
pub struct Room<M: Mailbox> {
    /// Fixed settings.
    settings: RoomSettings,
    /// Who is here, in order of arrival.
    people: Vec<Person<M>>,
    /// Their names in the order welcomes list them ([`by_lowercase`]), kept in step with `people`
    /// so that a join costs an insertion, not a sort of everyone.
    sorted_names: Vec<String>,
    /// The last messages, oldest first, at most `settings.history`.
    history: VecDeque<ServerMsg>,
    /// The host's id sequences.
    ids: Arc<Ids>,
    /// The room's topic; empty when it has none.
    topic: String,
    /// Its password (a named room's), as the host keeps it: who joins must prove they know it.
    key: Option<RoomKey>,
    /// Whether the room keeps the shared people count and calls the people hook itself (a room
    /// alone); in a host of several rooms the house counts people, once each.
    counts_people: bool,
    /// Shared counters.
    stats: Arc<Counters>,
    /// Mailboxes that got bytes since the last [`Room::take_dirty`]: they need a flush.
    dirty: Vec<Arc<M>>,
    /// Where the time comes from.
    clock: Clock,
    /// Where what is said is kept, if anywhere.
    archive: Option<Box<dyn Archive>>,
    /// What each name sent lately with a client id, so that sending it again is not a new message.
    sent: Sent,
    /// The link to the other sites, when the room is one of several linked servers.
    linked: Option<linked::Linked>,
    /// Who sent each message still in `history` (by id): only that connection, or another of
    /// the same device, may edit or delete it.
    authors: HashMap<u64, Author>,
    /// Messages older than `history` that people reacted to here, as they are now (read from
    /// the store by the session that asked, off the lock): the newest `changes::RECALLED`.
    recalled: std::collections::BTreeMap<u64, Chat>,
}

/// The longest topic, in bytes of UTF-8.
pub const MAX_TOPIC_BYTES: usize = 300;

/// How many messages sent with a client id the room remembers at most (the oldest are forgotten).
pub const SENT_MAX: usize = 16_384;

/// How many bytes of them the room keeps at most: a person cycling through names and ids can't
/// make it hold more.
pub const SENT_MAX_BYTES: usize = 4 * 1024 * 1024;

/// The messages sent lately with a client id, by sender name and id: a message sent again (after a
/// lost connection) is found here and not carried out twice. Oldest forgotten first.
#[derive(Debug, Default)]
struct Sent {
    /// (canonical name, client id) → the message it became.
    by_key: HashMap<(String, Cid), ServerMsg>,
    /// The same keys, oldest first.
    order: VecDeque<(String, Cid)>,
    /// What the remembered messages take, about.
    bytes: usize,
}

/// About how many bytes remembering `msg` under `name` and `cid` takes.
fn sent_cost(name: &str, cid: &str, msg: &ServerMsg) -> usize {
    let text = match msg {
        ServerMsg::Message(chat) => chat.text.len() + chat.from.len(),
        ServerMsg::Private { from, to, text, .. } => text.len() + from.len() + to.len(),
        _ => 0,
    };
    // Both copies of the key, the message's text, and the maps' own overhead.
    2 * (name.len() + cid.len()) + text + 128
}

impl Sent {
    fn find(&self, name: &str, cid: &str) -> Option<&ServerMsg> {
        self.by_key.get(&(name.to_owned(), cid.to_owned()))
    }

    fn remember(&mut self, name: &str, cid: Cid, msg: ServerMsg) {
        let key = (name.to_owned(), cid);
        self.bytes += sent_cost(&key.0, &key.1, &msg);
        if let Some(old) = self.by_key.insert(key.clone(), msg) {
            // Not expected (a known id is answered, not carried out); keep the count right.
            self.bytes = self.bytes.saturating_sub(sent_cost(&key.0, &key.1, &old));
            self.order.retain(|k| *k != key);
        }
        self.order.push_back(key);
        while self.order.len() > SENT_MAX || self.bytes > SENT_MAX_BYTES {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(msg) = self.by_key.remove(&oldest) {
                self.bytes = self
                    .bytes
                    .saturating_sub(sent_cost(&oldest.0, &oldest.1, &msg));
            }
        }
    }
}

/// The encoded forms of one message, made the first time a recipient needs each.
struct Encoded<'a> {
    msg: &'a ServerMsg,
    lang: Lang,
    scope: Option<&'a str>,
    plain: Option<Bytes>,
    json: Option<Bytes>,
    web: Option<Bytes>,
}

impl<'a> Encoded<'a> {
    fn new(msg: &'a ServerMsg, settings: &'a RoomSettings) -> Self {
        Self {
            msg,
            lang: settings.lang,
            scope: settings.scope.as_deref(),
            plain: None,
            json: None,
            web: None,
        }
    }

    fn get(&mut self, dialect: Dialect) -> Bytes {
        match dialect {
            Dialect::Plain => {
                let (msg, lang) = (self.msg, self.lang);
                self.plain
                    .get_or_insert_with(|| msg.to_plain_text(lang).into_bytes().into())
                    .clone()
            }
            Dialect::Json => self.json_line().clone(),
            Dialect::Web => {
                if let Some(frame) = &self.web {
                    return frame.clone();
                }
                // The page's frame wraps the app's line: serialized once for both.
                let frame: Bytes = websocket::text_frame(self.json_line()).into();
                self.web = Some(frame.clone());
                frame
            }
        }
    }

    /// The JSON line, made the first time a JSON or a page's recipient needs it.
    fn json_line(&mut self) -> &Bytes {
        let (msg, scope) = (self.msg, self.scope);
        self.json
            .get_or_insert_with(|| msg.to_json_line_in(scope).into())
    }
}

impl<M: Mailbox> Room<M> {
    /// An empty room, reading the time from `clock`, with id sequences of its own.
    #[cfg(test)]
    pub fn new(settings: RoomSettings, stats: Arc<Counters>, clock: Clock) -> Self {
        let mut room = Self::sharing(settings, stats, clock, Ids::new());
        room.counts_people = true;
        room
    }

    /// An empty room taking its ids from the host's `ids`.
    pub fn sharing(
        settings: RoomSettings,
        stats: Arc<Counters>,
        clock: Clock,
        ids: Arc<Ids>,
    ) -> Self {
        Self {
            settings,
            people: Vec::new(),
            sorted_names: Vec::new(),
            history: VecDeque::new(),
            ids,
            topic: String::new(),
            key: None,
            counts_people: false,
            stats,
            dirty: Vec::new(),
            clock,
            archive: None,
            sent: Sent::default(),
            linked: None,
            authors: HashMap::new(),
            recalled: std::collections::BTreeMap::new(),
        }
    }

    /// Takes up where a stored room left off: its recent history, its topic and the messages
    /// sent lately with client ids (`sent`, oldest first); from now on, what is said is kept in
    /// `archive` too. (The host's ids go on from the store's: [`Ids::raise`].)
    pub fn restore(
        &mut self,
        history: Vec<ServerMsg>,
        topic: String,
        sent: Vec<ServerMsg>,
        archive: Box<dyn Archive>,
    ) {
        self.topic = topic;
        let skip = history.len().saturating_sub(self.settings.history);
        self.history = history.into_iter().skip(skip).collect();
        for msg in sent {
            let (from, cid) = match &msg {
                ServerMsg::Message(Chat {
                    from,
                    cid: Some(cid),
                    ..
                })
                | ServerMsg::Private {
                    from,
                    cid: Some(cid),
                    ..
                } => (from.clone(), cid.clone()),
                _ => continue,
            };
            self.sent.remember(&from, cid, msg);
        }
        self.archive = Some(archive);
    }

    /// Lets go of the archive (at stop), so it can be closed outside the room lock.
    pub fn take_archive(&mut self) -> Option<Box<dyn Archive>> {
        self.archive.take()
    }

    fn keep(&self, msg: &ServerMsg, in_history: bool) {
        if let Some(archive) = &self.archive {
            archive.keep(msg, in_history);
        }
    }

    /// Keeps the private message `msg` from `session` to `to` (here or in another room), with
    /// their devices.
    fn keep_private(&self, msg: &ServerMsg, session: SessionId, to: Option<DeviceId>) {
        if let Some(archive) = &self.archive {
            let from = self.person(session).and_then(|p| p.device);
            archive.keep_private(msg, Ends { from, to });
        }
    }

    /// Sends `msg` to `session` once the archive has written everything kept so far (at once
    /// when the room keeps nothing): a sender's echo promises their message is stored.
    fn send_when_kept(&mut self, session: SessionId, msg: &ServerMsg) {
        if let Some(archive) = &self.archive
            && let Some(person) = self.people.iter().find(|m| m.session == session)
        {
            let bytes = Encoded::new(msg, &self.settings).get(person.dialect);
            let outbox = Arc::clone(&person.outbox);
            if archive.after_written(Box::new(move || outbox.push_now(bytes))) {
                return;
            }
        }
        self.send_to(session, msg);
    }

    /// The names of everyone here, sorted whatever their case. Every welcome carries them: the
    /// room keeps its own people's sorted (sorting them for each join, with lowercase copies, was
    /// a fifth of a 1,000-person join storm's CPU); only other sites' are sorted in.
    pub fn names(&self) -> Vec<String> {
        let remote = self.remote_names();
        if remote.is_empty() {
            return self.sorted_names.clone();
        }
        let mut names = self.sorted_names.clone();
        names.extend(remote);
        names.sort_by(|a, b| by_lowercase(a, b));
        names.dedup();
        names
    }

    /// The names of the people at the other sites of this linked room, sorted as [`Room::names`]
    /// sorts them (none for a room that is not linked).
    pub fn elsewhere(&self) -> Vec<String> {
        let mut remote = self.remote_names();
        remote.sort_by(|a, b| by_lowercase(a, b));
        remote.dedup();
        remote
    }

    /// Puts `name` among the sorted names.
    fn name_arrives(&mut self, name: &str) {
        let at = self
            .sorted_names
            .partition_point(|n| by_lowercase(n, name) != std::cmp::Ordering::Greater);
        self.sorted_names.insert(at, name.to_owned());
    }

    /// Takes `name` out of the sorted names.
    fn name_goes(&mut self, name: &str) {
        if let Some(at) = self.sorted_names.iter().position(|n| n == name) {
            self.sorted_names.remove(at);
        }
    }

    fn next_id(&mut self) -> u64 {
        self.ids.take()
    }

    fn person(&self, session: SessionId) -> Option<&Person<M>> {
        self.people.iter().find(|m| m.session == session)
    }

    fn person_mut(&mut self, session: SessionId) -> Option<&mut Person<M>> {
        self.people.iter_mut().find(|m| m.session == session)
    }

    /// Checks `raw` for every name rule, including not clashing with anyone but `session`, here
    /// or `elsewhere` (the host's other rooms).
    fn check_name(
        &self,
        raw: &str,
        session: SessionId,
        elsewhere: Elsewhere,
    ) -> Result<String, NameError> {
        let name = name::validate(raw)?;
        let key = NameKey::new(&name);
        match self.clash(&key, session).or_else(|| elsewhere(&key)) {
            Some(existing) => Err(NameError::Taken { existing }),
            None => Ok(name),
        }
    }

    /// The first free variant of a taken name (`alice_2`, `alice_3`, …), if one is found soon.
    fn free_variant(&self, name: &str, session: SessionId, elsewhere: Elsewhere) -> Option<String> {
        (2..100).find_map(|n| {
            let suffix = format!("_{n}");
            let room = name::MAX_NAME_CHARS - suffix.chars().count();
            let base: String = name.chars().take(room).collect();
            self.check_name(&format!("{base}{suffix}"), session, elsewhere)
                .ok()
        })
    }

    /// Adds a person: they get the welcome and the history, then everyone (them included) is told.
    /// Returns the canonical name. With `offer_variant` (plain clients, which may not be able to
    /// retry: the seed's C client can't), a taken name gets the first free variant instead of an
    /// error, and the newcomer is told which name they got.
    pub fn join(
        &mut self,
        session: SessionId,
        raw_name: &str,
        dialect: Dialect,
        outbox: Arc<M>,
        offer_variant: bool,
    ) -> Result<String, JoinError> {
        self.join_among(session, raw_name, dialect, outbox, offer_variant, &|_| None)
    }

    /// `session`, here, proved `device`: their messages can be changed from another connection
    /// of the same device.
    pub fn set_device(&mut self, session: SessionId, device: Option<DeviceId>) {
        if let Some(me) = self.person_mut(session) {
            me.device = device;
        }
    }

    /// Whom `session` ignores here.
    pub fn ignoring_of(&self, session: SessionId) -> Vec<(NameKey, String)> {
        self.person(session)
            .map(|p| p.ignoring.clone())
            .unwrap_or_default()
    }

    /// `session` ignores these people from now on (the house keeps one list in all their rooms).
    pub fn set_ignoring(&mut self, session: SessionId, ignoring: Vec<(NameKey, String)>) {
        if let Some(me) = self.person_mut(session) {
            me.ignoring = ignoring;
        }
    }

    /// True when `session` ignores whoever is called `from`.
    fn ignores(&self, session: SessionId, from: &str) -> bool {
        self.person(session).is_some_and(|p| {
            !p.ignoring.is_empty() && {
                let key = NameKey::new(from);
                p.ignoring.iter().any(|(k, _)| k.clashes(&key))
            }
        })
    }

    /// `session` as the author of a message sent now.
    fn author(&self, session: SessionId) -> Author {
        let device = self.person(session).and_then(|p| p.device);
        Author { session, device }
    }

    /// [`Room::join`], the name also unlike any `elsewhere` on the host.
    pub fn join_among(
        &mut self,
        session: SessionId,
        raw_name: &str,
        dialect: Dialect,
        outbox: Arc<M>,
        offer_variant: bool,
        elsewhere: Elsewhere,
    ) -> Result<String, JoinError> {
        let (name, wanted) = match self.check_name(raw_name, session, elsewhere) {
            Ok(name) => (name, None),
            Err(NameError::Taken { existing }) if offer_variant => {
                let wanted = name::validate(raw_name).unwrap_or_else(|_| existing.clone());
                match self.free_variant(&wanted, session, elsewhere) {
                    Some(variant) => (variant, Some(wanted)),
                    None => return Err(JoinError::Name(NameError::Taken { existing })),
                }
            }
            Err(err) => return Err(JoinError::Name(err)),
        };
        if self.people.len() >= self.settings.max_people {
            return Err(JoinError::Full {
                max_people: self.settings.max_people,
            });
        }
        self.name_arrives(&name);
        self.people.push(Person {
            session,
            name: name.clone(),
            key: NameKey::new(&name),
            dialect,
            outbox,
            typing_since: None,
            typing_told: None,
            away: None,
            // In a named room, they joined it: they know.
            knows_rooms: dialect == Dialect::Plain || self.settings.scope.is_some(),
            reads_changes: dialect == Dialect::Plain,
            device: None,
            ignoring: Vec::new(),
        });
        self.people_changed(None);
        let welcome = ServerMsg::Welcome {
            version: PROTOCOL_VERSION,
            room: self.settings.name.clone(),
            you: name.clone(),
            users: self.names(),
            away: self.away_notes(),
            elsewhere: self.elsewhere(),
            motd: self.settings.motd.clone(),
            history: self.history.iter().cloned().collect(),
            max_message_bytes: MAX_MESSAGE_BYTES,
            labels: true,
            rooms: true,
            changes: true,
            rules: true,
        };
        self.send_to(session, &welcome);
        if !self.topic.is_empty() && self.knows_rooms(session) {
            let topic = ServerMsg::Topic {
                by: None,
                text: self.topic.clone(),
            };
            self.send_to(session, &topic);
        }
        if let Some(wanted) = wanted {
            let told = ServerMsg::Notice {
                id: None,
                time: (self.clock)(),
                text: tr!(
                    self.settings.lang,
                    "notice-name-variant",
                    wanted = wanted,
                    name = name.as_str()
                ),
            };
            self.send_to(session, &told);
        }
        let join = ServerMsg::Join {
            id: self.next_id(),
            time: (self.clock)(),
            name: name.clone(),
            elsewhere: false,
        };
        self.announce(join, false);
        Ok(name)
    }

    /// Removes a person and tells the others why, unless `announce` is false (server stopping).
    /// Returns their name, if they were here.
    pub fn leave(
        &mut self,
        session: SessionId,
        reason: LeaveReason,
        announce: bool,
    ) -> Option<String> {
        self.remove(session, reason, announce, true)
    }

    /// Takes a person out of this room only, their connection going on (they are in other rooms
    /// of the host, or going to one); the others are told they left.
    pub fn part(&mut self, session: SessionId) -> Option<String> {
        self.remove(session, LeaveReason::Quit, true, false)
    }

    /// Takes a person out of this room, telling the others why unless `announce` is false, and
    /// closing their outbox with `close` (their connection ends). Returns their name.
    pub fn remove(
        &mut self,
        session: SessionId,
        reason: LeaveReason,
        announce: bool,
        close: bool,
    ) -> Option<String> {
        let index = self.people.iter().position(|m| m.session == session)?;
        let person = self.people.remove(index);
        self.name_goes(&person.name);
        if close {
            person.outbox.close();
        }
        self.people_changed(Some(&person.name));
        if announce {
            let leave = ServerMsg::Leave {
                id: self.next_id(),
                time: (self.clock)(),
                name: person.name.clone(),
                reason,
            };
            self.announce(leave, false);
        }
        Some(person.name)
    }

    /// Carries out a command from a person (the unit tests' short form of [`Room::handle_sent`]).
    #[cfg(test)]
    pub fn handle(&mut self, session: SessionId, command: Command) -> Next {
        self.handle_sent(session, command, None)
    }

    /// Carries out a command from a person, who gave a message (or action, or private message)
    /// their own id `cid`: one they already sent under the same name is not carried out again;
    /// they alone get what it became, again, so they know it arrived.
    pub fn handle_sent(&mut self, session: SessionId, command: Command, cid: Option<Cid>) -> Next {
        let Some(me) = self.person(session) else {
            return Next::Close;
        };
        let my_name = me.name.clone();
        let sends = matches!(
            command,
            Command::Say(_) | Command::Me(_) | Command::Msg { .. } | Command::Reply { .. }
        );
        let cid = cid.filter(|_| sends);
        if let Some(cid) = &cid
            && let Some(again) = self.sent.find(&my_name, cid).cloned()
        {
            self.stats.resent.fetch_add(1, Ordering::Relaxed);
            // It may not be written yet: the echo waits for it as the first one did.
            self.send_when_kept(session, &again);
            return Next::Continue;
        }
        match command {
            Command::Say(text) => self.say(session, &my_name, text, false, cid, None),
            Command::Me(text) => self.say(session, &my_name, text, true, cid, None),
            Command::Reply { to, text, stored } => {
                self.reply(session, &my_name, (to, stored), text, cid);
            }
            Command::Edit { id, text } => self.edit(session, id, text),
            Command::Delete(id) => self.unsay(session, id),
            Command::React { id, emoji, on } => self.react(session, &my_name, (id, emoji, on)),
            Command::Msg { to, text } => self.private(session, &my_name, &to, text, cid),
            Command::Search(_) => {
                // Answered by the session, from the store, outside the room lock.
            }
            Command::Nick(new) => {
                if let Some(new) = self.rename(session, &my_name, &new) {
                    return Next::Renamed(new);
                }
            }
            Command::Who => {
                let users = ServerMsg::Users {
                    users: self.names(),
                    away: self.away_notes(),
                    elsewhere: self.elsewhere(),
                };
                self.send_to(session, &users);
            }
            Command::Away { reason, auto } => self.set_away(session, &my_name, reason, auto),
            Command::Back => self.set_back(session, &my_name),
            Command::Topic(None) => {
                let topic = ServerMsg::Topic {
                    by: None,
                    text: self.topic.clone(),
                };
                self.send_to(session, &topic);
            }
            Command::Topic(Some(text)) => self.set_topic(session, &my_name, text),
            // The host's: see `House`.
            Command::Rooms
            | Command::Join(_)
            | Command::Part
            | Command::Oper(_)
            | Command::Moderate(_)
            | Command::Ignore { .. }
            | Command::Changes => {}
            Command::Help => {
                let help = ServerMsg::Notice {
                    id: None,
                    time: (self.clock)(),
                    text: command::help(self.settings.lang),
                };
                self.send_to(session, &help);
            }
            Command::Quit => {
                let bye = ServerMsg::Notice {
                    id: None,
                    time: (self.clock)(),
                    text: tr!(self.settings.lang, "notice-bye", name = my_name.as_str()),
                };
                self.send_to(session, &bye);
                self.leave(session, LeaveReason::Quit, true);
                return Next::Close;
            }
        }
        Next::Continue
    }

    /// Tells everyone else who speaks JSON that this person is typing, or stopped. Not kept, no id.
    /// A "typing" the others were told less than [`TYPING_RELAY_MS`] ago, or a "stopped" they were
    /// already told, is dropped: it would change nothing they see.
    pub fn typing(&mut self, session: SessionId, active: bool) {
        let now = (self.clock)();
        let Some(me) = self.people.iter_mut().find(|m| m.session == session) else {
            return;
        };
        let recent =
            |at: Option<u64>| at.is_some_and(|at| now.saturating_sub(at) < TYPING_RELAY_MS);
        match (active, me.typing_since) {
            // Still typing, said lately; or on-off-on, which would be one event each time.
            (true, since) if recent(since) || (since.is_none() && recent(me.typing_told)) => {
                return;
            }
            (false, None) => return,
            _ => {}
        }
        me.typing_since = active.then_some(now);
        if active {
            me.typing_told = Some(now);
        }
        let msg = ServerMsg::Typing {
            name: me.name.clone(),
            active,
        };
        let mut encoded = Encoded::new(&msg, &self.settings);
        for person in &self.people {
            if person.session != session
                && person.dialect.is_json()
                && person.outbox.push(encoded.get(person.dialect)) == Pushed::First
            {
                self.dirty.push(Arc::clone(&person.outbox));
            }
        }
    }

    /// Sets the topic and tells everyone here (an empty text clears it); kept in the store.
    fn set_topic(&mut self, session: SessionId, name: &str, text: String) {
        if text.len() > MAX_TOPIC_BYTES {
            let message = tr!(
                self.settings.lang,
                "error-topic-too-long",
                max = MAX_TOPIC_BYTES
            );
            self.send_error(session, ErrorCode::TooLong, message);
            return;
        }
        if text == self.topic {
            return;
        }
        self.topic = text.clone();
        if let Some(archive) = &self.archive {
            archive.keep_topic(&text);
        }
        let msg = ServerMsg::Topic {
            by: Some(name.to_owned()),
            text,
        };
        self.tell_all_but(&msg, &mut HashSet::new());
    }

    /// Marks `session` as reading edits and reactions (see `Person::reads_changes`), if here.
    pub fn reads_changes(&mut self, session: SessionId) {
        if let Some(person) = self.people.iter_mut().find(|p| p.session == session) {
            person.reads_changes = true;
        }
    }

    /// True when `session` is here and reads edits and reactions.
    pub fn reads_changes_of(&self, session: SessionId) -> bool {
        self.person(session).is_some_and(|p| p.reads_changes)
    }

    /// True when `session` is here and knows of rooms (see `Person::knows_rooms`).
    fn knows_rooms(&self, session: SessionId) -> bool {
        self.person(session).is_some_and(|p| p.knows_rooms)
    }

    /// `session` has said something about rooms: from now on they are told topics and rooms made.
    pub fn learns_rooms(&mut self, session: SessionId) {
        if let Some(person) = self.people.iter_mut().find(|m| m.session == session) {
            person.knows_rooms = true;
        }
    }

    /// The room's name, as its welcome says it.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// The room's topic; empty when it has none.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The room's password as the host keeps it, if it has one.
    pub fn key(&self) -> Option<&RoomKey> {
        self.key.as_ref()
    }

    /// Sets (or takes away) the room's password; with `keep`, in the store too (not when it came
    /// from there).
    pub fn protect(&mut self, key: Option<RoomKey>, keep: bool) {
        if keep && let Some(archive) = &self.archive {
            archive.keep_key(key.as_ref());
        }
        self.key = key;
    }

    /// How many people are here (at this site).
    pub fn people_count(&self) -> usize {
        self.people.len()
    }

    /// True when `session` is here.
    pub fn has(&self, session: SessionId) -> bool {
        self.person(session).is_some()
    }

    /// The name, dialect and outbox of `session`, if they are here.
    pub fn member(&self, session: SessionId) -> Option<(String, Dialect, Arc<M>)> {
        self.person(session)
            .map(|p| (p.name.clone(), p.dialect, Arc::clone(&p.outbox)))
    }

    /// The absence of `session` (its reason, and whether it was automatic), if they are away.
    pub fn away_of(&self, session: SessionId) -> Option<(Option<String>, bool)> {
        let away = self.person(session)?.away.as_ref()?;
        Some((away.reason.clone(), away.auto))
    }

    /// The name here that clashes with `key` (someone other than `session`), if any.
    pub fn clash(&self, key: &NameKey, session: SessionId) -> Option<String> {
        self.people
            .iter()
            .find(|m| m.session != session && m.key.clashes(key))
            .map(|other| other.name.clone())
            .or_else(|| self.remote_clash(key))
    }

    /// Takes the message (or file offered) `id` out of the room, if it is among those the room
    /// remembers: a tombstone saying `text` takes its place (its id and time) in the memory, the
    /// store and the search index, and everyone here is sent it (an app shows it in the
    /// message's place). The message's sender, if any; `None` when the room does not have it.
    pub fn take_out(&mut self, id: u64, text: String) -> Option<String> {
        let at = self.history.iter().position(|m| match m {
            ServerMsg::Message(chat) => chat.id == id,
            ServerMsg::File(offer) => offer.id == id && offer.to.is_none(),
            _ => false,
        })?;
        let (time, from) = match &self.history[at] {
            ServerMsg::Message(chat) => (chat.time, chat.from.clone()),
            ServerMsg::File(offer) => (offer.time, offer.from.clone()),
            _ => return None,
        };
        let tombstone = ServerMsg::Notice {
            id: Some(id),
            time,
            text,
        };
        self.history[at] = tombstone.clone();
        if let Some(archive) = &self.archive {
            archive.replace(&tombstone);
        }
        self.broadcast_but(&tombstone, None);
        Some(from)
    }

    /// A moderator cleared the room's history: the room forgets what it said, the store too, and
    /// everyone here is told (`cleared`: their apps clear their screens and logs).
    pub fn clear_history(&mut self) {
        self.history.clear();
        if let Some(archive) = &self.archive {
            archive.clear();
        }
        self.broadcast_but(&ServerMsg::Cleared {}, None);
    }

    /// What the name of `session` (if here) is compared by, as the room worked it out at their
    /// arrival or last rename.
    pub fn key_of(&self, session: SessionId) -> Option<&NameKey> {
        self.person(session).map(|p| &p.key)
    }

    /// The sessions here.
    pub fn sessions(&self) -> Vec<SessionId> {
        self.people.iter().map(|p| p.session).collect()
    }

    /// The person here whose name could be taken for `key`'s: their session and name.
    pub fn holder(&self, key: &NameKey) -> Option<(SessionId, String)> {
        self.people
            .iter()
            .find(|m| m.key.clashes(key))
            .map(|m| (m.session, m.name.clone()))
    }

    /// Says `text` in the room in the server's own voice: a notice kept in its history, which
    /// nobody can send (a person's words always come under their name).
    pub fn say_notice(&mut self, text: String) {
        let notice = ServerMsg::Notice {
            id: Some(self.next_id()),
            time: (self.clock)(),
            text,
        };
        self.announce(notice, true);
    }

    /// Sends an error to one person.
    pub fn send_error(&mut self, session: SessionId, code: ErrorCode, message: impl Into<String>) {
        self.send_to(session, &ServerMsg::error(code, message));
    }

    /// Tells everyone the server is stopping and closes every outbox once it has been sent.
    #[cfg(test)]
    pub fn close_all(&mut self) {
        self.close_all_but(&mut HashSet::new());
    }

    /// [`Room::close_all`] for those not `told` already (in another room), who are then.
    pub fn close_all_but(&mut self, told: &mut HashSet<SessionId>) {
        let notice = ServerMsg::Notice {
            id: None,
            time: (self.clock)(),
            text: self.settings.lang.tr("notice-stopping"),
        };
        let sessions: Vec<SessionId> = self
            .people
            .iter()
            .map(|p| p.session)
            .filter(|s| told.insert(*s))
            .collect();
        for session in sessions {
            self.send_to(session, &notice);
        }
        for person in &self.people {
            person.outbox.close();
        }
    }

    fn say(
        &mut self,
        session: SessionId,
        from: &str,
        text: String,
        action: bool,
        cid: Option<Cid>,
        reply: Option<Quote>,
    ) {
        if text.is_empty() {
            return;
        }
        // The message ends the typing, for the others' clients too.
        if let Some(me) = self.people.iter_mut().find(|m| m.name == from) {
            me.typing_since = None;
            me.typing_told = None;
        }
        let greet = !action && text.eq_ignore_ascii_case("coucou");
        let id = self.next_id();
        if self.linked.is_none() && self.settings.history > 0 {
            let author = self.author(session);
            self.authors.insert(id, author);
        }
        let msg = ServerMsg::Message(Chat {
            id,
            time: (self.clock)(),
            from: from.to_owned(),
            text,
            action,
            cid: cid.clone(),
            reply,
            ..Default::default()
        });
        self.count_sent(from, cid, &msg);
        self.announce_by(msg, true, Some(session));
        if greet {
            let bonjour = ServerMsg::Notice {
                id: Some(self.next_id()),
                time: (self.clock)(),
                text: tr!(self.settings.lang, "notice-bonjour", name = from),
            };
            self.announce(bonjour, true);
        }
    }

    /// Counts a message a person sent, and remembers what it became under its client id, if it
    /// has one.
    fn count_sent(&mut self, from: &str, cid: Option<Cid>, msg: &ServerMsg) {
        if let Some(cid) = cid {
            self.sent.remember(from, cid, msg.clone());
        }
        self.stats.messages.fetch_add(1, Ordering::Relaxed);
    }

    fn private(
        &mut self,
        session: SessionId,
        from: &str,
        to: &str,
        text: String,
        cid: Option<Cid>,
    ) {
        let Some(target) = self.find_person(to) else {
            if let Some(to) = self.remote_person(to) {
                // At another site: through the stream, shown to the sender when it is back.
                let msg = ServerMsg::Private {
                    id: 0,
                    time: (self.clock)(),
                    from: from.to_owned(),
                    to,
                    text,
                    cid: cid.clone(),
                };
                self.count_sent(from, cid, &msg);
                self.announce(msg, false);
                return;
            }
            let text = tr!(self.settings.lang, "error-no-such-user", name = to);
            let refused = ServerMsg::error(ErrorCode::NoSuchUser, text).refusing(cid);
            self.send_to(session, &refused);
            return;
        };
        let (target_session, target_name, target_device) =
            (target.session, target.name.clone(), target.device);
        let away_reply = self.away_reply(target_session, session);
        let id = self.ids.take_private();
        let msg = ServerMsg::Private {
            id,
            time: (self.clock)(),
            from: from.to_owned(),
            to: target_name,
            text,
            cid: cid.clone(),
        };
        self.count_sent(from, cid, &msg);
        self.keep_private(&msg, session, target_device);
        // Someone ignored is not told: their message goes as any other, and stops there.
        if target_session != session && !self.ignores(target_session, from) {
            self.send_to(target_session, &msg);
        }
        self.send_when_kept(session, &msg);
        if let Some(reply) = away_reply {
            self.send_to(session, &reply);
        }
    }

    /// A private message from `session`, here, to `to`, who is not here but in `other` (another room
    /// of the host): as a private message within a room, it reaches its recipient through the room
    /// they are in, and its sender, once kept, through this one. One sent again under its client
    /// id is not carried out twice.
    pub fn private_to(
        &mut self,
        other: &mut Room<M>,
        session: SessionId,
        to: &str,
        text: String,
        cid: Option<Cid>,
    ) {
        let Some(from) = self.person(session).map(|me| me.name.clone()) else {
            return;
        };
        if let Some(cid) = &cid
            && let Some(again) = self.sent.find(&from, cid).cloned()
        {
            self.stats.resent.fetch_add(1, Ordering::Relaxed);
            self.send_when_kept(session, &again);
            return;
        }
        let Some(target) = other.find_person(to) else {
            let text = tr!(self.settings.lang, "error-no-such-user", name = to);
            let refused = ServerMsg::error(ErrorCode::NoSuchUser, text).refusing(cid);
            self.send_to(session, &refused);
            return;
        };
        let (target_session, target_name, target_device) =
            (target.session, target.name.clone(), target.device);
        let away_reply = other.away_reply(target_session, session);
        let msg = ServerMsg::Private {
            id: self.ids.take_private(),
            time: (self.clock)(),
            from: from.clone(),
            to: target_name,
            text,
            cid: cid.clone(),
        };
        self.count_sent(&from, cid, &msg);
        self.keep_private(&msg, session, target_device);
        if !other.ignores(target_session, &from) {
            other.send_to(target_session, &msg);
        }
        self.send_when_kept(session, &msg);
        if let Some(reply) = away_reply {
            self.send_to(session, &reply);
        }
    }

    /// Who is here under `wanted` (as [`Room::canonical_name`] finds them), and their name.
    pub fn holder_of(&self, wanted: &str) -> Option<(SessionId, String)> {
        self.find_person(wanted)
            .map(|m| (m.session, m.name.clone()))
    }

    /// The name of who is here under `wanted` (exactly, whatever the case, else by look-alike),
    /// as private messages find their recipient.
    pub fn canonical_name(&self, wanted: &str) -> Option<String> {
        self.find_person(wanted).map(|m| m.name.clone())
    }

    /// Who is here under `wanted`, as [`find_named`] finds them.
    fn find_person(&self, wanted: &str) -> Option<&Person<M>> {
        find_named(self.people.iter(), wanted)
    }

    /// Announces a file whose bytes are in: to everyone (and newcomers, in the history), or to its
    /// recipient and its sender only. The offer gets the room's next id and the time now.
    pub fn offer_file(&mut self, mut offer: FileOffer) {
        offer.id = self.next_id();
        offer.time = (self.clock)();
        match offer.to.clone() {
            None => self.announce(ServerMsg::File(offer), true),
            Some(to) => {
                let from = offer.from.clone();
                let msg = ServerMsg::File(offer);
                let sessions: Vec<SessionId> = self
                    .people
                    .iter()
                    .filter(|p| p.name == to || p.name == from)
                    .map(|p| p.session)
                    .collect();
                for session in sessions {
                    self.send_to(session, &msg);
                }
            }
        }
    }

    /// Who is away, as the welcome and `/who` list them.
    fn away_notes(&self) -> Vec<AwayNote> {
        let mut notes: Vec<AwayNote> = self
            .people
            .iter()
            .filter_map(|p| {
                p.away.as_ref().map(|away| AwayNote {
                    name: p.name.clone(),
                    reason: away.reason.clone(),
                    auto: away.auto,
                })
            })
            .collect();
        notes.sort_by(|a, b| a.name.cmp(&b.name));
        notes
    }

    /// Marks a person away (again, with a new reason, if they already were) and tells the JSON
    /// people, and them.
    fn set_away(&mut self, session: SessionId, name: &str, reason: Option<String>, auto: bool) {
        let Some(me) = self.people.iter_mut().find(|m| m.session == session) else {
            return;
        };
        me.away = Some(Away {
            reason: reason.clone(),
            auto,
            told: Vec::new(),
        });
        let msg = ServerMsg::Away {
            name: name.to_owned(),
            reason,
            auto,
            reply: false,
        };
        self.tell_presence(session, &msg);
    }

    /// Marks a person back and tells the JSON people, and them.
    fn set_back(&mut self, session: SessionId, name: &str) {
        let Some(me) = self.people.iter_mut().find(|m| m.session == session) else {
            return;
        };
        let was_away = me.away.take().is_some();
        let msg = ServerMsg::Back {
            name: name.to_owned(),
        };
        if was_away {
            self.tell_presence(session, &msg);
        } else {
            self.send_to(session, &msg);
        }
    }

    /// Sends a change of presence to everyone who speaks JSON, and to the person it is about:
    /// plain clients are not interrupted by everyone's comings and goings from their desks.
    fn tell_presence(&mut self, session: SessionId, msg: &ServerMsg) {
        let mut encoded = Encoded::new(msg, &self.settings);
        for person in &self.people {
            if (person.session == session || person.dialect.is_json())
                && person.outbox.push(encoded.get(person.dialect)) == Pushed::First
            {
                self.dirty.push(Arc::clone(&person.outbox));
            }
        }
    }

    /// The away notice for `sender`'s private message to `target`, if `target` is away and has
    /// not yet given `sender` their reason this time.
    fn away_reply(&mut self, target: SessionId, sender: SessionId) -> Option<ServerMsg> {
        if target == sender {
            return None;
        }
        let person = self.people.iter_mut().find(|m| m.session == target)?;
        let away = person.away.as_mut()?;
        if away.told.contains(&sender) {
            return None;
        }
        // Bounded however many connections come and go while the person is away: the oldest
        // would get the reason again, which harms nobody.
        if away.told.len() >= MAX_TOLD {
            away.told.remove(0);
        }
        away.told.push(sender);
        Some(ServerMsg::Away {
            name: person.name.clone(),
            reason: away.reason.clone(),
            auto: away.auto,
            reply: true,
        })
    }

    /// Renames a person and tells everyone; returns the new name, or `None` if nothing changed.
    fn rename(&mut self, session: SessionId, old: &str, raw_new: &str) -> Option<String> {
        let new = match self.check_name(raw_new, session, &|_| None) {
            Ok(new) => new,
            Err(err) => {
                let message = err.describe(self.settings.lang);
                self.send_error(session, ErrorCode::from(&err), message);
                return None;
            }
        };
        if new == old {
            return None;
        }
        if let Some(person) = self.people.iter_mut().find(|m| m.session == session) {
            person.key = NameKey::new(&new);
            let was = std::mem::replace(&mut person.name, new.clone());
            self.name_goes(&was);
            self.name_arrives(&new);
        }
        let msg = ServerMsg::Rename {
            id: self.next_id(),
            time: (self.clock)(),
            old: old.to_owned(),
            new: new.clone(),
        };
        self.people_changed(Some(old));
        self.announce(msg, false);
        Some(new)
    }

    /// Says what is said in the room: to everyone here now; in a linked room, to the other
    /// sites first (shown when it comes back from the stream, or at once while the broker is
    /// away: [`Room::hand_over`]).
    fn announce(&mut self, msg: ServerMsg, in_history: bool) {
        self.announce_by(msg, in_history, None);
    }

    /// [`Room::announce`] of what `author` (a session here) said: in a linked room, the message
    /// is theirs to change once it is back from the stream.
    fn announce_by(&mut self, msg: ServerMsg, in_history: bool, author: Option<SessionId>) {
        if self.linked.is_none() {
            self.show(msg, in_history);
        } else if let Some(island) = self.hand_over(msg, in_history, author) {
            // Kept once it comes back with its sequence.
            self.show_here(island, in_history, false);
        }
    }

    /// Shows an event to the people here and keeps it.
    fn show(&mut self, msg: ServerMsg, in_history: bool) {
        self.show_here(msg, in_history, true);
    }

    /// Shows an event to the people here (a private message only to its two ends), and keeps
    /// it in the history (and the store, with `store`). A sender's echo waits for the store.
    fn show_here(&mut self, msg: ServerMsg, in_history: bool, store: bool) {
        if let ServerMsg::Private { from, to, .. } = &msg {
            let ends: Vec<_> = self
                .people
                .iter()
                .filter(|p| p.name == *from || p.name == *to)
                .map(|p| p.session)
                .filter(|&s| !self.ignores(s, from))
                .collect();
            for session in ends {
                self.send_to(session, &msg);
            }
            return;
        }
        // The sender's echo says their message is stored: it waits for the archive's write.
        let sender = match &msg {
            ServerMsg::Message(chat) if store && self.archive.is_some() => self
                .people
                .iter()
                .find(|p| p.name == chat.from)
                .map(|p| p.session),
            _ => None,
        };
        self.broadcast_but(&msg, sender);
        if store {
            self.keep(&msg, in_history);
        }
        if let Some(sender) = sender {
            self.send_when_kept(sender, &msg);
        }
        if in_history && self.settings.history > 0 {
            if self.history.len() == self.settings.history
                && let Some(id) = self
                    .history
                    .pop_front()
                    .as_ref()
                    .and_then(ServerMsg::room_id)
            {
                // A message, or the tombstone a moderator left in its place.
                self.authors.remove(&id);
            }
            self.history.push_back(msg);
        }
    }

    /// Sends `msg`, news of rooms, to everyone here who knows of rooms and was not `told`
    /// already (in another room), who are then.
    pub fn tell_all_but(&mut self, msg: &ServerMsg, told: &mut HashSet<SessionId>) {
        let mut encoded = Encoded::new(msg, &self.settings);
        for person in &self.people {
            if person.knows_rooms
                && told.insert(person.session)
                && person.outbox.push(encoded.get(person.dialect)) == Pushed::First
            {
                self.dirty.push(Arc::clone(&person.outbox));
            }
        }
    }

    /// Sends a message to one person, if they are here.
    fn send_to(&mut self, session: SessionId, msg: &ServerMsg) {
        if let Some(person) = self.people.iter().find(|m| m.session == session)
            && person
                .outbox
                .push(Encoded::new(msg, &self.settings).get(person.dialect))
                == Pushed::First
        {
            self.dirty.push(Arc::clone(&person.outbox));
        }
    }

    /// Sends a message to everyone, encoding it once per dialect.
    fn broadcast(&mut self, msg: &ServerMsg) {
        self.broadcast_but(msg, None);
    }

    /// Sends a message to everyone but `held` (whose copy the caller sends later), encoding it
    /// once per dialect.
    fn broadcast_but(&mut self, msg: &ServerMsg, held: Option<SessionId>) {
        let mut encoded = Encoded::new(msg, &self.settings);
        let change = matches!(msg, ServerMsg::Edited(_) | ServerMsg::Reacted(_));
        // What someone says is not sent to who ignores them (worked out only if anyone does).
        let mut said_by = None;
        for person in &self.people {
            if Some(person.session) == held || (change && !person.reads_changes) {
                continue;
            }
            if !person.ignoring.is_empty()
                && let ServerMsg::Message(chat) = msg
            {
                let key = said_by.get_or_insert_with(|| NameKey::new(&chat.from));
                if person.ignoring.iter().any(|(k, _)| k.clashes(key)) {
                    continue;
                }
            }
            if person.outbox.push(encoded.get(person.dialect)) == Pushed::First {
                self.dirty.push(Arc::clone(&person.outbox));
            }
        }
        self.stats
            .deliveries
            .fetch_add(self.people.len() as u64, Ordering::Relaxed);
    }

    /// The number of people changed (or a name): the hook, the other sites; `released`, a name
    /// no longer used here.
    fn people_changed(&self, released: Option<&str>) {
        self.linked_people_changed(released);
        if !self.counts_people {
            // The house counts its people, once each whatever rooms they are in.
            return;
        }
        let people = self.people.len();
        self.stats.people.store(people, Ordering::Relaxed);
        if let Some(hook) = &self.settings.on_people {
            (hook.0)(people);
        }
    }

    /// The room's messages newcomers get with ids below `before`, the newest `limit` of those in
    /// memory, oldest first; and whether older ones are in memory still. (A room with a store
    /// answers from the store instead.)
    pub fn page(&self, before: Option<u64>, limit: usize) -> (Vec<ServerMsg>, bool) {
        let before = before.unwrap_or(u64::MAX);
        let older: Vec<&ServerMsg> = self
            .history
            .iter()
            .filter(|m| m.room_id().is_some_and(|id| id < before))
            .collect();
        let skip = older.len().saturating_sub(limit);
        (
            older[skip..].iter().map(|m| (*m).clone()).collect(),
            skip > 0,
        )
    }

    /// The newest messages in memory that hold every word of `words` (case and accents ignored,
    /// the last word may be the start of one), and the files offered to the room whose name does,
    /// at most `limit`, each with its neighbouring messages. (A room with a store answers from
    /// the store instead.)
    pub fn search(&self, words: &str, limit: usize) -> Vec<Found> {
        let Some(query) = Query::parse(words) else {
            return Vec::new();
        };
        // The room's messages and its files, in order; a result's neighbours are messages.
        let said: Vec<&ServerMsg> = self
            .history
            .iter()
            .filter(|m| match m {
                ServerMsg::Message(_) => true,
                ServerMsg::File(offer) => offer.to.is_none(),
                _ => false,
            })
            .collect();
        let chat = |m: &&ServerMsg| match m {
            ServerMsg::Message(chat) => Some(chat.clone()),
            _ => None,
        };
        let mut found = Vec::new();
        for (i, msg) in said.iter().enumerate().rev() {
            if found.len() == limit {
                break;
            }
            let before = || said[..i].iter().rev().find_map(chat);
            let after = || said[i + 1..].iter().find_map(chat);
            match msg {
                ServerMsg::Message(message) if query.matches(&message.text) => {
                    found.push(Found::message(message.clone(), before(), after()));
                }
                ServerMsg::File(offer) if query.matches(&offer.name) => {
                    found.push(Found::file(offer.clone(), before(), after()));
                }
                _ => {}
            }
        }
        found
    }

    /// The mailboxes that need a flush, emptying the list.
    pub fn take_dirty(&mut self) -> Vec<Arc<M>> {
        std::mem::take(&mut self.dirty)
    }
}

/// The order of names in a list: as if both were lowercase (no copies made).
fn by_lowercase(a: &str, b: &str) -> std::cmp::Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// Someone with a name: a person here, or one at another site.
trait Named {
    fn name(&self) -> &str;
    fn key(&self) -> &NameKey;
}

impl<M> Named for Person<M> {
    fn name(&self) -> &str {
        &self.name
    }
    fn key(&self) -> &NameKey {
        &self.key
    }
}

/// Who among `people` goes by `wanted`: exactly, whatever the case, else by look-alike — how a
/// private message finds its recipient, here or at another site.
fn find_named<'a, T: Named + 'a>(
    people: impl Iterator<Item = &'a T> + Clone,
    wanted: &str,
) -> Option<&'a T> {
    let lower = wanted.to_lowercase();
    let key = NameKey::new(wanted);
    people
        .clone()
        .find(|p| p.name().to_lowercase() == lower)
        .or_else(|| {
            let mut people = people;
            people.find(|p| p.key().clashes(&key))
        })
}

#[cfg(test)]
mod sent_tests {
    use super::*;

    fn said(text: &str) -> ServerMsg {
        ServerMsg::Message(Chat {
            id: 1,
            time: 2,
            from: "mallory".into(),
            text: text.into(),
            action: false,
            cid: None,
            ..Default::default()
        })
    }

    #[test]
    fn what_is_remembered_is_found_by_name_and_id_and_bounded_in_count_and_bytes() {
        let mut sent = Sent::default();
        sent.remember("alice", "c1".into(), said("un"));
        assert_eq!(sent.find("alice", "c1"), Some(&said("un")));
        assert_eq!(
            sent.find("bob", "c1"),
            None,
            "another name's id is not yours"
        );
        // A flood of long messages under ever new names and ids: memory stays bounded, the oldest go.
        let long = "x".repeat(2048);
        for n in 0..20_000 {
            sent.remember(&format!("m{n}"), format!("id{n}"), said(&long));
        }
        assert!(sent.bytes <= SENT_MAX_BYTES, "{} bytes", sent.bytes);
        assert!(sent.order.len() <= SENT_MAX);
        assert_eq!(sent.order.len(), sent.by_key.len());
        assert_eq!(sent.find("alice", "c1"), None, "the oldest was forgotten");
        assert!(
            sent.find("m19999", "id19999").is_some(),
            "the newest is kept"
        );
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::protocol::message::decode_server;

    /// The time every message gets in these tests.
    pub(super) const NOW: u64 = 1_700_000_000_000;

    pub(in crate::server) fn fixed_clock() -> u64 {
        NOW
    }

    /// A mailbox that keeps what it is sent, as the room's unit tests' stand-in for a socket.
    #[derive(Debug, Default)]
    pub(in crate::server) struct Recorder {
        /// Everything pushed and not yet taken.
        got: Mutex<Vec<Bytes>>,
        /// Set by `close`.
        closed: AtomicBool,
    }

    impl Mailbox for Recorder {
        fn push(&self, bytes: Bytes) -> Pushed {
            if self.closed.load(Ordering::SeqCst) {
                return Pushed::Dropped;
            }
            let mut got = self.got.lock().unwrap();
            got.push(bytes);
            if got.len() == 1 {
                Pushed::First
            } else {
                Pushed::More
            }
        }

        fn push_now(&self, bytes: Bytes) {
            self.push(bytes);
        }

        fn close(&self) {
            self.closed.store(true, Ordering::SeqCst);
        }
    }

    impl Recorder {
        /// Takes everything sent so far, as raw byte strings.
        fn take(&self) -> Vec<Bytes> {
            std::mem::take(&mut *self.got.lock().unwrap())
        }

        /// Takes everything sent so far to a JSON client, decoded.
        pub(in crate::server) fn take_json(&self) -> Vec<ServerMsg> {
            self.take()
                .iter()
                .map(|b| decode_server(b.strip_suffix(b"\n").unwrap_or(b)).unwrap())
                .collect()
        }

        /// Takes everything sent so far to a plain client, as lines.
        pub(in crate::server) fn take_plain(&self) -> Vec<String> {
            self.take()
                .iter()
                .flat_map(|b| {
                    String::from_utf8(b.to_vec())
                        .unwrap()
                        .lines()
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .collect()
        }

        pub(in crate::server) fn is_closed(&self) -> bool {
            self.closed.load(Ordering::SeqCst)
        }
    }

    pub(in crate::server) fn settings(max_people: usize, history: usize) -> RoomSettings {
        RoomSettings {
            name: "Salle".to_owned(),
            max_people,
            history,
            motd: None,
            on_people: None,
            lang: Lang::En,
            scope: None,
        }
    }

    fn room() -> Room<Recorder> {
        Room::new(settings(100, 100), Arc::default(), fixed_clock)
    }

    /// Joins `name` as session `session`; panics if refused.
    pub(super) fn join(
        room: &mut Room<Recorder>,
        session: SessionId,
        name: &str,
        dialect: Dialect,
    ) -> Arc<Recorder> {
        let mailbox = Arc::new(Recorder::default());
        let offer_variant = dialect == Dialect::Plain;
        room.join(session, name, dialect, Arc::clone(&mailbox), offer_variant)
            .unwrap();
        mailbox
    }

    #[test]
    fn a_newcomer_gets_the_welcome_with_who_is_here_and_the_history_then_everyone_is_told() {
        let mut room = room();
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        room.handle(1, Command::Say("first".into()));
        alice.take();

        let bob = join(&mut room, 2, "bob", Dialect::Json);
        let to_bob = bob.take_json();
        let ServerMsg::Welcome {
            room: name,
            you,
            users,
            history,
            ..
        } = &to_bob[0]
        else {
            panic!("no welcome first: {to_bob:?}");
        };
        assert_eq!((name.as_str(), you.as_str()), ("Salle", "bob"));
        assert_eq!(users, &["alice", "bob"]);
        assert!(
            matches!(&history[..], [ServerMsg::Message(chat)] if chat.text == "first" && chat.from == "alice")
        );
        assert!(matches!(&to_bob[1], ServerMsg::Join { name, .. } if name == "bob"));
        assert!(
            matches!(&alice.take_json()[..], [ServerMsg::Join { name, time, .. }] if name == "bob" && *time == NOW)
        );
        assert_eq!(room.names(), ["alice", "bob"]);
    }

    /// The time for the away and typing tests; only the typing test moves it.
    static TYPING_NOW: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(NOW);

    fn typing_clock() -> u64 {
        TYPING_NOW.load(Ordering::SeqCst)
    }

    #[test]
    fn the_away_reason_goes_back_once_per_sender_and_its_memory_is_bounded() {
        let mut room = Room::new(settings(1_000, 0), Arc::default(), typing_clock);
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        room.handle(
            1,
            Command::Away {
                reason: Some("lunch".into()),
                auto: false,
            },
        );
        alice.take();
        let private = |room: &mut Room<Recorder>, from: SessionId| {
            room.handle(
                from,
                Command::Msg {
                    to: "alice".into(),
                    text: "?".into(),
                },
            );
        };
        let bob = join(&mut room, 2, "bob", Dialect::Json);
        bob.take();
        private(&mut room, 2);
        private(&mut room, 2);
        let replies = bob
            .take_json()
            .into_iter()
            .filter(|m| matches!(m, ServerMsg::Away { reply: true, .. }))
            .count();
        assert_eq!(replies, 1);
        // Many senders come and go: the memory stays bounded, and each still gets it once.
        for session in 10..10 + 2 * MAX_TOLD as u64 {
            join(&mut room, session, &format!("s{session}"), Dialect::Plain);
            private(&mut room, session);
            room.leave(session, LeaveReason::Quit, false);
        }
        let told = room
            .people
            .iter()
            .find(|p| p.session == 1)
            .and_then(|p| p.away.as_ref())
            .map(|a| a.told.len());
        assert_eq!(told, Some(MAX_TOLD));
    }

    #[test]
    fn typing_goes_to_the_other_json_people_once_per_window_and_a_message_ends_it() {
        let mut room = Room::new(settings(100, 100), Arc::default(), typing_clock);
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        let bob = join(&mut room, 2, "bob", Dialect::Json);
        let carol = join(&mut room, 3, "carol", Dialect::Plain);
        for m in [&alice, &bob, &carol] {
            m.take();
        }
        let typing = |active| ServerMsg::Typing {
            name: "alice".into(),
            active,
        };
        room.typing(1, true);
        assert_eq!(bob.take_json(), [typing(true)]);
        assert!(alice.take().is_empty(), "not to the typist");
        assert!(carol.take().is_empty(), "not to plain clients");
        // Ten a second changes nothing for the others until the window has passed.
        for _ in 0..10 {
            room.typing(1, true);
        }
        assert!(bob.take().is_empty());
        TYPING_NOW.fetch_add(TYPING_RELAY_MS, Ordering::SeqCst);
        room.typing(1, true);
        assert_eq!(bob.take_json(), [typing(true)], "renewed");
        room.typing(1, false);
        room.typing(1, false);
        assert_eq!(bob.take_json(), [typing(false)], "stopped, once");
        room.typing(1, true);
        bob.take();
        room.handle(1, Command::Say("voilà".into()));
        bob.take();
        room.typing(1, false);
        assert!(bob.take().is_empty(), "the message already ended it");
        room.typing(1, true);
        assert_eq!(
            bob.take_json(),
            [typing(true)],
            "typing again after a message"
        );
    }

    /// The time for the on-off test, apart from the other test that moves its own.
    static ON_OFF_NOW: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(NOW);

    fn on_off_clock() -> u64 {
        ON_OFF_NOW.load(Ordering::SeqCst)
    }

    #[test]
    fn typing_on_and_off_again_is_passed_on_once_per_window() {
        let mut room = Room::new(settings(100, 100), Arc::default(), on_off_clock);
        join(&mut room, 1, "alice", Dialect::Json);
        let bob = join(&mut room, 2, "bob", Dialect::Json);
        bob.take();
        let typing = |active| ServerMsg::Typing {
            name: "alice".into(),
            active,
        };
        // 30 switches as fast as a client can send them: one start and one stop reach bob.
        for i in 0..30 {
            room.typing(1, i % 2 == 0);
        }
        assert_eq!(bob.take_json(), [typing(true), typing(false)]);
        ON_OFF_NOW.fetch_add(TYPING_RELAY_MS, Ordering::SeqCst);
        room.typing(1, true);
        room.typing(1, false);
        assert_eq!(
            bob.take_json(),
            [typing(true), typing(false)],
            "a window later"
        );
    }

    #[test]
    fn history_keeps_only_the_last_messages() {
        let mut room = Room::new(settings(100, 2), Arc::default(), fixed_clock);
        join(&mut room, 1, "alice", Dialect::Json);
        for text in ["one", "two", "three"] {
            room.handle(1, Command::Say(text.into()));
        }
        let bob = join(&mut room, 2, "bob", Dialect::Json);
        let ServerMsg::Welcome { history, .. } = &bob.take_json()[0] else {
            panic!("no welcome");
        };
        let texts: Vec<&str> = history
            .iter()
            .map(|m| match m {
                ServerMsg::Message(chat) => chat.text.as_str(),
                other => panic!("{other:?} in history"),
            })
            .collect();
        assert_eq!(texts, ["two", "three"]);
    }

    #[test]
    fn a_taken_name_is_refused_to_json_and_varied_for_plain() {
        let mut room = room();
        join(&mut room, 1, "alice", Dialect::Json);
        let refused = room.join(2, "ALICE", Dialect::Json, Arc::default(), false);
        assert!(matches!(
            refused,
            Err(JoinError::Name(NameError::Taken { existing })) if existing == "alice"
        ));
        let plain = Arc::new(Recorder::default());
        let got = room.join(3, "alice", Dialect::Plain, Arc::clone(&plain), true);
        assert_eq!(got.unwrap(), "alice_2");
        assert!(
            plain
                .take_plain()
                .iter()
                .any(|l| l.contains("The name alice is taken, so you are alice_2 here"))
        );
    }

    #[test]
    fn a_full_room_refuses_the_next_one() {
        let mut room = Room::new(settings(1, 10), Arc::default(), fixed_clock);
        join(&mut room, 1, "alice", Dialect::Json);
        let refused = room.join(2, "bob", Dialect::Json, Arc::default(), false);
        assert_eq!(refused, Err(JoinError::Full { max_people: 1 }));
        assert_eq!(room.names(), ["alice"]);
    }

    #[test]
    fn leaving_closes_the_mailbox_and_tells_the_others_unless_told_not_to() {
        let mut room = room();
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        let bob = join(&mut room, 2, "bob", Dialect::Plain);
        let carol = join(&mut room, 3, "carol", Dialect::Json);
        alice.take();
        bob.take();

        assert_eq!(
            room.leave(2, LeaveReason::Disconnected, true).as_deref(),
            Some("bob")
        );
        assert!(bob.is_closed());
        assert!(matches!(
            &alice.take_json()[..],
            [ServerMsg::Leave { name, reason: LeaveReason::Disconnected, .. }] if name == "bob"
        ));
        assert_eq!(room.leave(2, LeaveReason::Disconnected, true), None);

        carol.take();
        room.leave(3, LeaveReason::Quit, false);
        assert!(carol.is_closed());
        assert!(alice.take().is_empty(), "a silent leave says nothing");
        assert_eq!(room.names(), ["alice"]);
    }

    #[test]
    fn the_names_stay_sorted_whatever_their_case_through_joins_renames_and_leaves() {
        let mut room = room();
        join(&mut room, 1, "bob", Dialect::Plain);
        join(&mut room, 2, "Zoé", Dialect::Plain);
        join(&mut room, 3, "Alice", Dialect::Plain);
        join(&mut room, 4, "carol", Dialect::Plain);
        assert_eq!(room.names(), ["Alice", "bob", "carol", "Zoé"]);
        room.handle(4, Command::Nick("Aaron".into()));
        assert_eq!(room.names(), ["Aaron", "Alice", "bob", "Zoé"]);
        room.leave(1, LeaveReason::Disconnected, true);
        assert_eq!(room.names(), ["Aaron", "Alice", "Zoé"]);
        room.handle(2, Command::Nick("zed".into()));
        assert_eq!(room.names(), ["Aaron", "Alice", "zed"]);
    }

    #[test]
    fn quit_says_goodbye_then_leaves() {
        let mut room = room();
        let alice = join(&mut room, 1, "alice", Dialect::Plain);
        let bob = join(&mut room, 2, "bob", Dialect::Plain);
        alice.take();
        bob.take();
        assert_eq!(room.handle(1, Command::Quit), Next::Close);
        assert_eq!(alice.take_plain(), ["*** Au revoir, alice!"]);
        assert!(alice.is_closed());
        assert_eq!(bob.take_plain(), ["*** alice left the room"]);
    }

    #[test]
    fn a_rename_is_told_to_everyone_and_a_taken_one_only_to_the_renamer() {
        let mut room = room();
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        let bob = join(&mut room, 2, "bob", Dialect::Json);
        alice.take();
        bob.take();

        assert_eq!(
            room.handle(1, Command::Nick("alicia".into())),
            Next::Renamed("alicia".into())
        );
        for mailbox in [&alice, &bob] {
            assert!(matches!(
                &mailbox.take_json()[..],
                [ServerMsg::Rename { old, new, .. }] if old == "alice" && new == "alicia"
            ));
        }
        assert_eq!(room.handle(1, Command::Nick("Bob".into())), Next::Continue);
        assert!(matches!(
            &alice.take_json()[..],
            [ServerMsg::Error {
                code: ErrorCode::NameTaken,
                ..
            }]
        ));
        assert!(bob.take().is_empty());
        assert_eq!(
            room.handle(1, Command::Nick("alicia".into())),
            Next::Continue,
            "the same name changes nothing"
        );
        assert!(alice.take().is_empty() && bob.take().is_empty());
        assert_eq!(room.names(), ["alicia", "bob"]);
    }

    #[test]
    fn a_private_message_reaches_only_its_two_ends_and_numbers_apart() {
        let mut room = room();
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        let bob = join(&mut room, 2, "bob", Dialect::Json);
        let carol = join(&mut room, 3, "carol", Dialect::Json);
        room.handle(1, Command::Say("public".into()));
        for mailbox in [&alice, &bob, &carol] {
            mailbox.take();
        }

        room.handle(
            1,
            Command::Msg {
                to: "BOB".into(),
                text: "psst".into(),
            },
        );
        for mailbox in [&alice, &bob] {
            assert!(matches!(
                &mailbox.take_json()[..],
                [ServerMsg::Private { id: 1, from, to, text, .. }]
                    if from == "alice" && to == "bob" && text == "psst"
            ));
        }
        assert!(carol.take().is_empty());

        room.handle(
            1,
            Command::Msg {
                to: "dave".into(),
                text: "hello?".into(),
            },
        );
        assert!(matches!(
            &alice.take_json()[..],
            [ServerMsg::Error {
                code: ErrorCode::NoSuchUser,
                ..
            }]
        ));
        room.handle(2, Command::Say("next".into()));
        assert!(
            matches!(&carol.take_json()[..], [ServerMsg::Message(chat)] if chat.id == 5),
            "private messages take no number from the room's sequence (3 joins, 1 message before)"
        );
    }

    #[test]
    fn coucou_gets_bonjour_in_the_history_too() {
        let mut room = room();
        let alice = join(&mut room, 1, "alice", Dialect::Plain);
        alice.take();
        room.handle(1, Command::Say("Coucou".into()));
        assert_eq!(alice.take_plain(), ["alice: Coucou", "*** Bonjour alice !"]);
        let bob = join(&mut room, 2, "bob", Dialect::Json);
        let ServerMsg::Welcome { history, .. } = &bob.take_json()[0] else {
            panic!("no welcome");
        };
        assert_eq!(history.len(), 2);
    }

    #[test]
    fn a_broadcast_is_encoded_once_per_dialect_and_shared_by_all() {
        let mut room = room();
        let dialects = [
            Dialect::Plain,
            Dialect::Json,
            Dialect::Plain,
            Dialect::Json,
            Dialect::Plain,
        ];
        let mailboxes: Vec<(Dialect, Arc<Recorder>)> = dialects
            .iter()
            .zip(1..)
            .map(|(&d, session)| (d, join(&mut room, session, &format!("p{session}"), d)))
            .collect();
        for (_, mailbox) in &mailboxes {
            mailbox.take();
        }
        room.handle(1, Command::Say("once".into()));
        let got: Vec<(Dialect, Bytes)> = mailboxes
            .iter()
            .map(|(d, m)| {
                let mut taken = m.take();
                assert_eq!(taken.len(), 1);
                (*d, taken.remove(0))
            })
            .collect();
        let plain: Vec<&Bytes> = got
            .iter()
            .filter(|(d, _)| *d == Dialect::Plain)
            .map(|(_, b)| b)
            .collect();
        let json: Vec<&Bytes> = got
            .iter()
            .filter(|(d, _)| *d == Dialect::Json)
            .map(|(_, b)| b)
            .collect();
        assert!(plain.windows(2).all(|w| Arc::ptr_eq(w[0], w[1])));
        assert!(json.windows(2).all(|w| Arc::ptr_eq(w[0], w[1])));
        assert_eq!(&plain[0][..], b"p1: once\n");
        assert!(json[0].starts_with(b"{") && json[0].ends_with(b"}\n"));
        assert!(!Arc::ptr_eq(plain[0], json[0]));
    }

    #[test]
    fn only_mailboxes_that_were_empty_are_listed_for_a_flush() {
        let mut room = room();
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        let bob = join(&mut room, 2, "bob", Dialect::Json);
        let dirty = room.take_dirty();
        assert_eq!(dirty.len(), 2, "each got its welcome into an empty box");
        room.handle(1, Command::Say("more".into()));
        assert!(
            room.take_dirty().is_empty(),
            "nothing was taken from them, so a flush is already due"
        );
        alice.take();
        bob.take();
        room.handle(1, Command::Say("again".into()));
        let dirty = room.take_dirty();
        assert_eq!(dirty.len(), 2);
        assert!(Arc::ptr_eq(&dirty[0], &alice) && Arc::ptr_eq(&dirty[1], &bob));
    }

    #[test]
    fn counters_and_the_people_hook_follow_the_room() {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&heard);
        let mut settings = settings(100, 10);
        settings.on_people = Some(PeopleHook(Arc::new(move |n| {
            sink.lock().unwrap().push(n);
        })));
        let counters = Arc::new(Counters::default());
        let mut room: Room<Recorder> = Room::new(settings, Arc::clone(&counters), fixed_clock);
        join(&mut room, 1, "alice", Dialect::Json);
        join(&mut room, 2, "bob", Dialect::Plain);
        room.handle(1, Command::Say("hi".into()));
        room.leave(2, LeaveReason::Quit, true);
        let stats = counters.snapshot();
        assert_eq!(stats.people, 1);
        assert_eq!(stats.messages, 1);
        // Joins: 1 + 2, the message: 2, the leave: 1.
        assert_eq!(stats.deliveries, 6);
        assert_eq!(*heard.lock().unwrap(), [1, 2, 1]);
    }

    #[test]
    fn closing_all_says_goodbye_to_everyone_and_closes_every_mailbox() {
        let mut room = room();
        let alice = join(&mut room, 1, "alice", Dialect::Plain);
        let bob = join(&mut room, 2, "bob", Dialect::Json);
        alice.take();
        bob.take();
        room.close_all();
        assert_eq!(alice.take_plain(), ["*** The server is stopping. Goodbye!"]);
        assert!(
            matches!(&bob.take_json()[..], [ServerMsg::Notice { text, .. }] if text.contains("stopping"))
        );
        assert!(alice.is_closed() && bob.is_closed());
        room.handle(1, Command::Say("late".into()));
        assert!(alice.take().is_empty(), "a closed mailbox takes nothing");
    }

    #[test]
    fn a_command_from_someone_not_in_the_room_closes_their_connection() {
        let mut room = room();
        assert_eq!(room.handle(9, Command::Say("hi".into())), Next::Close);
    }
}
