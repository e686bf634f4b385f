//! The host's rooms: its default room and its named rooms, all behind the one room lock; one name
//! per person on the whole host; what concerns rooms themselves (the list, joining, leaving).
//!
//! The default room is the room every connection joins first, the one a JSON line without a
//! `room` field concerns: today's apps, `nc` and the seed's C client see nothing else. A JSON
//! client may be in several rooms at once; a plain client is in one at a time (`/join` moves it,
//! `/part` brings it back). Every room takes its ids from the host's one pair of sequences
//! ([`Ids`]). What a person does that is theirs and not a room's (a new name, away, back,
//! quitting) is carried out in every room they are in.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::config::{PeopleHook, RoomLimits};
use super::counters::Counters;
use super::devices::Devices;
use super::mailbox::{Mailbox, Pushed};
use super::moderation::Moderation;
use super::room::{
    Archive, Clock, Elsewhere, Ids, JoinError, Next, Relay, Room, RoomSettings, SessionId,
};
use crate::identity::Identity;
use crate::protocol::device::DeviceId;
use crate::protocol::message::{Chat, Cid, Found, RoomInfo};
use crate::protocol::name::{self, NameError, NameKey};
use crate::protocol::password::RoomKey;
use crate::protocol::{Command, Dialect, ErrorCode, LeaveReason, ServerMsg};
use crate::store::RuleChange;
use crate::tr;

mod moderate;
mod room_moderators;
mod rulings;

/// A room name from the network as an error may quote it: cleaned, and at most 64 characters.
fn shown(name: &str) -> String {
    crate::protocol::sanitize::clean_text(name)
        .chars()
        .take(64)
        .collect()
}

/// The rooms `a` and `b` (two different ones), both to change.
fn two_rooms<M: Mailbox>(
    rooms: &mut [Room<M>],
    a: usize,
    b: usize,
) -> (&mut Room<M>, &mut Room<M>) {
    if a < b {
        let (low, high) = rooms.split_at_mut(b);
        (&mut low[a], &mut high[0])
    } else {
        let (low, high) = rooms.split_at_mut(a);
        (&mut high[0], &mut low[b])
    }
}

/// Which room a line concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The default room (a JSON line without `room`).
    Default,
    /// The room of this name (a JSON line's `room`).
    Named(String),
    /// The one room the person is in (a plain client).
    Current,
}

impl Scope {
    /// The room's name a line gave (its `room`), which what answers it names too.
    pub fn named(&self) -> Option<&str> {
        match self {
            Self::Named(name) => Some(name),
            _ => None,
        }
    }
}

/// Why a line about a room is not carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The person is in no room at all: their connection ends.
    Gone,
    /// The error to answer with: its code and its words.
    Error(ErrorCode, String),
}

/// Why a room could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomError {
    /// The name breaks a rule, or looks like another room's.
    Name(NameError),
    /// The host holds its most rooms already.
    Full {
        /// The limit.
        max_rooms: usize,
    },
}

impl std::fmt::Display for RoomError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Name(err) => write!(f, "{err}"),
            Self::Full { max_rooms } => write!(f, "a host holds at most {max_rooms} rooms"),
        }
    }
}

impl std::error::Error for RoomError {}

/// The host's rooms; see the module docs.
pub struct House<M: Mailbox> {
    /// The rooms, the default room first.
    rooms: Vec<Room<M>>,
    /// What each named room is compared by, in step with `rooms[1..]`.
    keys: Vec<NameKey>,
    /// The host's id sequences.
    ids: Arc<Ids>,
    /// What a named room starts from (its name and scope aside).
    template: RoomSettings,
    /// Shared counters.
    stats: Arc<Counters>,
    /// Where the time comes from.
    clock: Clock,
    /// The limits.
    limits: RoomLimits,
    /// Mailboxes the house itself pushed to (a `parted`), for the next flush.
    dirty: Vec<Arc<M>>,
    /// Whether anyone may make a room, by joining one that does not exist yet.
    open: bool,
    /// How many people are on the host, once each whatever rooms they are in.
    people: usize,
    /// Told that number whenever it changes (the LAN announcement).
    on_people: Option<PeopleHook>,
    /// Told how many rooms the host has whenever a room is made.
    on_rooms: Option<PeopleHook>,
    /// What gives a room made while the host runs its archive (the store), if it keeps one.
    archives: Option<ArchiveMaker>,
    /// What links a room made while the host runs to the other sites, when the host is linked.
    linker: Option<Linker>,
    /// Who the moderators are and what they decided.
    moderation: Moderation,
    /// The owners' devices, and the names kept for devices away.
    devices: Devices,
    /// This host's identity, which signs what its moderators decide for the other sites.
    site: Option<Identity>,
    /// The rulings from other sites taken, by their ids: each is taken once.
    rulings_seen: rulings::SeenRulings,
    /// When this run of the host started (milliseconds since the Unix epoch): its own rulings
    /// made before, read again from the stream, are from an earlier run.
    started: u64,
}

/// Gives the named room `name` its archive.
pub type ArchiveMaker = Box<dyn Fn(&str) -> Box<dyn Archive> + Send>;

/// Gives the named room `name` its link to the other sites.
pub type Linker = Box<dyn Fn(&str) -> Box<dyn Relay> + Send>;

impl<M: Mailbox> std::fmt::Debug for House<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("House")
            .field("rooms", &self.rooms)
            .field("limits", &self.limits)
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl<M: Mailbox> House<M> {
    /// A host with its default room only, set by `settings`; named rooms are made alike.
    pub fn new(
        settings: RoomSettings,
        stats: Arc<Counters>,
        clock: Clock,
        limits: RoomLimits,
    ) -> Self {
        let ids = Ids::new();
        let on_people = settings.on_people.clone();
        let mut template = settings.clone();
        template.on_people = None;
        template.motd = None;
        let default = Room::sharing(settings, Arc::clone(&stats), clock, Arc::clone(&ids));
        Self {
            rooms: vec![default],
            keys: Vec::new(),
            ids,
            template,
            stats,
            clock,
            limits,
            dirty: Vec::new(),
            open: false,
            people: 0,
            on_people,
            on_rooms: None,
            archives: None,
            linker: None,
            moderation: Moderation::default(),
            devices: Devices::default(),
            site: None,
            rulings_seen: rulings::SeenRulings::default(),
            started: clock(),
        }
    }

    /// The host, knowing people by their device as `devices` says (its owners, how long a name
    /// is kept).
    #[must_use]
    pub fn knowing(mut self, devices: Devices) -> Self {
        self.devices = devices;
        self
    }

    /// The host, with `hook` told how many rooms it has (the default room included) whenever a
    /// room is made.
    pub fn counting_rooms(mut self, hook: Option<PeopleHook>) -> Self {
        self.on_rooms = hook;
        self
    }

    /// Someone arrived on the host (`+1`) or left it (`-1`): the shared count and the hook.
    fn count(&mut self, arrived: bool) {
        self.people = if arrived {
            self.people + 1
        } else {
            self.people.saturating_sub(1)
        };
        self.stats.people.store(self.people, Ordering::Relaxed);
        if let Some(hook) = &self.on_people {
            (hook.0)(self.people);
        }
    }

    /// Lets anyone make a room by joining one that does not exist yet (`open`), each kept by
    /// `archives` when given.
    pub fn open_to_new_rooms(&mut self, open: bool, archives: Option<ArchiveMaker>) {
        self.open = open;
        self.archives = archives;
    }

    /// Makes a named room while the host runs ([`House::add_room`]), kept in the store if the
    /// host keeps one, and tells everyone on the host once (`by`: who made it; `None`, the host).
    pub fn make_room(&mut self, raw: &str, by: Option<&str>) -> Result<String, RoomError> {
        let name = self.make_room_here(raw, by)?;
        if let Some(room) = self.named(&name) {
            room.say_made();
        }
        Ok(name)
    }

    /// Makes a named room another linked site made (it said so, or spoke in it): as
    /// [`House::make_room`] does, without saying it to the other sites again.
    pub fn make_linked_room(&mut self, raw: &str) -> Result<String, RoomError> {
        self.make_room_here(raw, None)
    }

    /// Links the named rooms without a password to the other sites through what `linker` gives
    /// each, says each is here (a room made at one site appears at the others), and links the
    /// rooms made from now on alike. A room with a password stays this site's own: its password
    /// is this host's, and its events never reach the broker.
    pub fn link_rooms(&mut self, linker: Linker) {
        for room in &mut self.rooms[1..] {
            if room.key().is_none() {
                room.link(linker(room.name()), 0);
                room.say_made();
            }
        }
        self.linker = Some(linker);
    }

    /// Lets go of every room's link and of what links new rooms (at stop), so that the link can
    /// be closed outside the room lock.
    pub fn unlink(&mut self) -> (Vec<Box<dyn Relay>>, Option<Linker>) {
        let relays = self.rooms.iter_mut().filter_map(Room::take_link).collect();
        (relays, self.linker.take())
    }

    /// Every room, the default room first.
    pub fn rooms_mut(&mut self) -> impl Iterator<Item = &mut Room<M>> {
        self.rooms.iter_mut()
    }

    fn make_room_here(&mut self, raw: &str, by: Option<&str>) -> Result<String, RoomError> {
        let name = self.add_room(raw)?;
        if let Some(archives) = &self.archives {
            let archive = archives(&name);
            // Made in the store now: it lasts even if nothing is ever said in it.
            archive.keep_topic("");
            if let Some(room) = self.named(&name) {
                room.restore(Vec::new(), String::new(), Vec::new(), archive);
            }
        }
        let made = ServerMsg::RoomMade {
            name: name.clone(),
            by: by.map(str::to_owned),
        };
        let mut told = HashSet::new();
        for room in &mut self.rooms {
            room.tell_all_but(&made, &mut told);
        }
        Ok(name)
    }

    /// The host's id sequences (a store raises them at start).
    pub fn ids(&self) -> &Ids {
        &self.ids
    }

    /// The default room.
    pub fn default_room(&mut self) -> &mut Room<M> {
        &mut self.rooms[0]
    }

    /// Makes a named room; its name is checked by the room name rules, and against every room's.
    /// Returns its canonical name.
    pub fn add_room(&mut self, raw: &str) -> Result<String, RoomError> {
        let name = name::validate_room(raw, self.rooms[0].name()).map_err(RoomError::Name)?;
        let key = NameKey::new(&name);
        if let Some(at) = self.keys.iter().position(|k| k.clashes(&key)) {
            return Err(RoomError::Name(NameError::Taken {
                existing: self.rooms[at + 1].name().to_owned(),
            }));
        }
        if self.rooms.len() >= self.limits.max_rooms {
            return Err(RoomError::Full {
                max_rooms: self.limits.max_rooms,
            });
        }
        let mut settings = self.template.clone();
        settings.name = name.clone();
        settings.scope = Some(name.clone());
        let mut room = Room::sharing(
            settings,
            Arc::clone(&self.stats),
            self.clock,
            Arc::clone(&self.ids),
        );
        if let Some(linker) = &self.linker {
            room.link(linker(&name), 0);
        }
        self.rooms.push(room);
        self.keys.push(key);
        if let Some(hook) = &self.on_rooms {
            (hook.0)(self.rooms.len());
        }
        Ok(name)
    }

    /// The named room called `name` (exactly, else by look-alike), as its index.
    fn find(&self, name: &str) -> Option<usize> {
        if let Some(at) = self.rooms[1..].iter().position(|r| r.name() == name) {
            return Some(at + 1);
        }
        let key = NameKey::new(&name.split_whitespace().collect::<Vec<_>>().join(" "));
        self.keys
            .iter()
            .position(|k| k.clashes(&key))
            .map(|at| at + 1)
    }

    /// The named room called `name` (exactly, else by look-alike).
    pub fn named(&mut self, name: &str) -> Option<&mut Room<M>> {
        let at = self.find(name)?;
        Some(&mut self.rooms[at])
    }

    /// The names of the named rooms, in the order they were made.
    pub fn room_names(&self) -> Vec<String> {
        self.rooms[1..]
            .iter()
            .map(|r| r.name().to_owned())
            .collect()
    }

    /// Every room's archive given up (at stop), so the store can be closed outside the lock.
    pub fn take_archives(&mut self) -> Vec<Box<dyn Archive>> {
        // What makes new rooms' archives holds the store too.
        self.archives = None;
        self.rooms
            .iter_mut()
            .filter_map(Room::take_archive)
            .collect()
    }

    /// The rooms `session` is in, by index (the default room first when they are in it).
    fn rooms_of(&self, session: SessionId) -> Vec<usize> {
        (0..self.rooms.len())
            .filter(|&at| self.rooms[at].has(session))
            .collect()
    }

    /// The first room `session` is in: a plain client's one room; a JSON client's default room.
    fn home(&self, session: SessionId) -> Option<usize> {
        (0..self.rooms.len()).find(|&at| self.rooms[at].has(session))
    }

    /// The room called `name`, the default room's own name included.
    fn find_any(&self, name: &str) -> Option<usize> {
        self.find(name)
            .or_else(|| (name.trim() == self.rooms[0].name()).then_some(0))
    }

    /// The room a line in `scope` concerns, if `session` is in it; else the error to answer with,
    /// or `Gone` when the person is in no room at all. Every line of a session comes here: the
    /// usual case (they are in it) looks for them once.
    fn resolve(&self, session: SessionId, scope: &Scope) -> Result<usize, Refusal> {
        let lang = self.template.lang;
        let at = match scope {
            Scope::Default => 0,
            Scope::Current => return self.home(session).ok_or(Refusal::Gone),
            Scope::Named(name) => match self.find_any(name) {
                Some(at) => at,
                None if self.home(session).is_none() => return Err(Refusal::Gone),
                None => {
                    let text = tr!(lang, "error-no-such-room", room = shown(name));
                    return Err(Refusal::Error(ErrorCode::NoSuchRoom, text));
                }
            },
        };
        if self.rooms[at].has(session) {
            return Ok(at);
        }
        if self.home(session).is_none() {
            return Err(Refusal::Gone);
        }
        let text = tr!(lang, "error-not-in-room", room = self.rooms[at].name());
        Err(Refusal::Error(ErrorCode::NotInRoom, text))
    }

    /// The room name a store files `scope`'s messages under (`None`: the default room), if
    /// `session` may read it; else why not.
    pub fn readable(&self, session: SessionId, scope: &Scope) -> Result<Option<String>, Refusal> {
        match self.resolve(session, scope)? {
            0 => Ok(None),
            at => Ok(Some(self.rooms[at].name().to_owned())),
        }
    }

    /// The room `scope` names for `session` when it does not have the message `id` to react to
    /// (older than its memory): its name for the store (`Some(None)`: the default room). `None`
    /// when it has it, or `session` is not in it.
    pub fn forgotten(&self, session: SessionId, scope: &Scope, id: u64) -> Option<Option<String>> {
        let at = self.resolve(session, scope).ok()?;
        let room = &self.rooms[at];
        (!room.remembers(id)).then(|| (at > 0).then(|| room.name().to_owned()))
    }

    /// Keeps `chat`, read from the store, in the room `scope` names for `session` (see
    /// [`Room::recall`]).
    pub fn recall(&mut self, session: SessionId, scope: &Scope, chat: Chat) {
        if let Ok(at) = self.resolve(session, scope) {
            self.rooms[at].recall(chat);
        }
    }

    /// Answers `session` with `msg` outside any room: an error about the room its line named,
    /// `echo`, which the answer names too (as a label is echoed).
    fn answer(&mut self, session: SessionId, echo: Option<&str>, msg: &ServerMsg) {
        let Some((_, dialect, outbox)) = self
            .home(session)
            .and_then(|home| self.rooms[home].member(session))
        else {
            return;
        };
        let bytes = dialect.encode(msg, self.template.lang, echo);
        if outbox.push(bytes.into()) == Pushed::First {
            self.dirty.push(outbox);
        }
    }

    /// Who else on the host (not `session`) holds a name like `key`, in any room but `except`.
    fn elsewhere(rooms: &[Room<M>], key: &NameKey, session: SessionId) -> Option<String> {
        rooms.iter().find_map(|room| room.clash(key, session))
    }

    /// Someone arrives on the host from `ip` (on `device`, if their app proved one): they join
    /// its default room under a name no one on the host holds (see [`Room::join`]) nor is kept
    /// for another device, unless the name, the address or the device is banned. An owner's
    /// device is a moderator from the start.
    pub fn join(
        &mut self,
        (session, ip, device): (SessionId, IpAddr, Option<DeviceId>),
        raw_name: &str,
        dialect: Dialect,
        outbox: Arc<M>,
        offer_variant: bool,
    ) -> Result<String, JoinError> {
        if let Some(banned) = self.ban_on(raw_name, ip, device) {
            return Err(JoinError::Banned(banned));
        }
        let now = (self.clock)();
        // A name kept for another device is refused with words of its own to a client that can
        // try another; a plain one gets a free variant instead (the seed's C client can't retry).
        if !offer_variant && let Ok(name) = name::validate(raw_name) {
            let key = NameKey::new(&name);
            if let Some(existing) = self.devices.kept_from(&key, device, now) {
                return Err(JoinError::Name(NameError::Kept { existing }));
            }
        }
        let (default, named) = self.rooms.split_at_mut(1);
        let devices = &self.devices;
        let elsewhere: Elsewhere = &|key| {
            Self::elsewhere(named, key, session).or_else(|| devices.kept_from(key, device, now))
        };
        let joined =
            default[0].join_among(session, raw_name, dialect, outbox, offer_variant, elsewhere);
        if joined.is_ok() {
            self.moderation.arrived(session, ip, device);
            if let Some(device) = device {
                if self.devices.back(device) {
                    self.moderation.keep(RuleChange::Unkept(device.to_hex()));
                    self.tell_kept_names();
                }
                self.rooms[0].set_device(session, Some(device));
            }
            if self.devices.moderates(device) {
                self.promote(session);
            }
            self.count(true);
        }
        joined
    }

    /// `session` is leaving the host under `name`: a device's name is kept for it (in the store
    /// too, so that a restart of the host keeps it).
    fn goes(&mut self, session: SessionId, name: Option<&str>) {
        if let (Some(device), Some(name)) = (self.moderation.device(session), name)
            && let Some(kept) = self.devices.left(device, name, (self.clock)())
        {
            self.moderation.keep(RuleChange::Kept(kept));
            self.tell_kept_names();
        }
        self.moderation.left(session);
    }

    /// The default room is linked now: the names kept for devices away stay claimed at every
    /// site, and from now on each one kept or given back is told to the link.
    pub(super) fn link_kept_names(&mut self) {
        for name in self.devices.link() {
            self.rooms[0].keep_name(&name, true);
        }
    }

    /// Forgets the names kept whose time ended (in a linked room, given back at every site).
    pub(super) fn forget_ended_names(&mut self) {
        self.devices.forget_ended((self.clock)());
        self.tell_kept_names();
    }

    /// Tells the link the names kept or given back since it was last told (none when the host
    /// is not linked).
    fn tell_kept_names(&mut self) {
        for (name, on) in self.devices.take_changes() {
            self.rooms[0].keep_name(&name, on);
        }
    }

    /// Carries out a person's command in the room `scope` names; what concerns rooms, or the
    /// person on the whole host, here.
    pub fn handle_sent(
        &mut self,
        session: SessionId,
        scope: &Scope,
        command: Command,
        cid: Option<Cid>,
    ) -> Next {
        let echo = scope.named();
        if echo.is_some()
            || matches!(
                command,
                Command::Rooms | Command::Join(_) | Command::Part | Command::Topic(_)
            )
        {
            self.learns_rooms(session);
        }
        if let Command::Join(name) = &command {
            return self.join_from(session, scope, name, false);
        }
        // A client that says it reads edits and reactions, or changes a message itself, is told
        // of them in every room it is in. Marked once: these are JSON lines, and a JSON client is
        // always in the default room, so a reaction after the first looks at one room only.
        if matches!(
            command,
            Command::Changes
                | Command::Reply { .. }
                | Command::Edit { .. }
                | Command::Delete(_)
                | Command::React { .. }
        ) {
            if !self.rooms[0].reads_changes_of(session) {
                for room in &mut self.rooms {
                    room.reads_changes(session);
                }
            }
            if command == Command::Changes {
                return Next::Continue;
            }
        }
        let at = match self.resolve(session, scope) {
            Ok(at) => at,
            Err(Refusal::Gone) => return Next::Close,
            Err(Refusal::Error(code, text)) => {
                self.answer(session, echo, &ServerMsg::error(code, text));
                return Next::Continue;
            }
        };
        if let Some((code, silenced)) = self.silenced(session, at, &command) {
            let error = ServerMsg::error(code, silenced).refusing(cid);
            self.answer(session, echo, &error);
            return Next::Continue;
        }
        match command {
            // Answered by the session, with the request's label: see [`House::list`].
            Command::Rooms => Next::Continue,
            // Answered by the session, which checks the password off the room lock.
            Command::Oper(_) => Next::Continue,
            Command::Moderate(asked) => self.moderate(session, at, echo, asked),
            Command::Ignore { name, on } => {
                self.ignore(session, echo, name.as_deref(), on);
                Next::Continue
            }
            Command::Help => {
                let next = self.rooms[at].handle_sent(session, Command::Help, None);
                self.help_more(session, at, echo);
                next
            }
            Command::Part => {
                self.part(session, at, echo);
                Next::Continue
            }
            Command::Nick(new) => self.rename(session, echo, &new),
            command @ (Command::Away { .. } | Command::Back) => {
                for room in self.rooms_of(session) {
                    self.rooms[room].handle_sent(session, command.clone(), None);
                }
                Next::Continue
            }
            Command::Quit => {
                for room in self.rooms_of(session) {
                    if room != at {
                        self.rooms[room].part(session);
                    }
                }
                self.count(false);
                let name = self.name_of(session);
                self.goes(session, name.as_deref());
                self.rooms[at].handle_sent(session, Command::Quit, None)
            }
            Command::Msg { to, text } => {
                // Through a room both are in, the asked one first; else to wherever on the host
                // the recipient is (a terminal in another room than theirs).
                let key = NameKey::new(&to);
                let holds =
                    |house: &Self, room: usize| house.rooms[room].clash(&key, session).is_some();
                let shared = std::iter::once(at)
                    .chain(self.rooms_of(session))
                    .find(|&room| holds(self, room));
                let elsewhere = (0..self.rooms.len()).find(|&room| holds(self, room));
                match (shared, elsewhere) {
                    (None, Some(there)) if there != at => {
                        let (here, there) = two_rooms(&mut self.rooms, at, there);
                        here.private_to(there, session, &to, text, cid);
                        Next::Continue
                    }
                    (shared, _) => self.rooms[shared.unwrap_or(at)].handle_sent(
                        session,
                        Command::Msg { to, text },
                        cid,
                    ),
                }
            }
            command => self.rooms[at].handle_sent(session, command, cid),
        }
    }

    /// True when `session` is in the room called `name`.
    pub fn is_in(&self, session: SessionId, name: &str) -> bool {
        self.find_any(name)
            .is_some_and(|at| self.rooms[at].has(session))
    }

    /// The room called `name` (its canonical name) and its key, if it has a password.
    pub fn protected(&self, name: &str) -> Option<(String, RoomKey)> {
        let room = &self.rooms[self.find_any(name)?];
        Some((room.name().to_owned(), room.key()?.clone()))
    }

    /// What a terminal's `/join` words mean for a room with a password: the room (its canonical
    /// name) and its key, and the password typed after its name, if one was. `None` when the words
    /// name no room with a password.
    pub fn protected_words(&self, words: &str) -> Option<(String, RoomKey, Option<String>)> {
        if let Some((room, key)) = self.protected(words) {
            return Some((room, key, None));
        }
        let (name, typed) = words.trim().rsplit_once(' ')?;
        let (room, key) = self.protected(name)?;
        Some((room, key, Some(typed.to_owned())))
    }

    /// `session` joins the room `name` with its password proved (by the session: a SPAKE2
    /// exchange, or a typed password); `scope` says where the line came from, as for any join.
    pub fn join_verified(&mut self, session: SessionId, scope: &Scope, name: &str) {
        self.join_from(session, scope, name, true);
    }

    /// `session` joins the room `name` from the line's `scope`: a plain client leaves its room for
    /// the new one; a JSON client's line names the room it joins (and what answers it, too).
    /// `admitted`: its password, if it has one, was proved.
    fn join_from(&mut self, session: SessionId, scope: &Scope, name: &str, admitted: bool) -> Next {
        let Some(home) = self.home(session) else {
            return Next::Close;
        };
        let from = if *scope == Scope::Current { home } else { 0 };
        self.enter(session, from, name, scope.named(), admitted);
        Next::Continue
    }

    /// `session` has said something about rooms: every room they are in tells them its news.
    fn learns_rooms(&mut self, session: SessionId) {
        for room in &mut self.rooms {
            room.learns_rooms(session);
        }
    }

    /// The host's rooms as `session` sees them (the answer to `rooms`): from now on they are told
    /// rooms made, and topics.
    pub fn list(&mut self, session: SessionId) -> ServerMsg {
        self.learns_rooms(session);
        let rooms = self
            .rooms
            .iter()
            .enumerate()
            .map(|(at, room)| RoomInfo {
                name: room.name().to_owned(),
                default: at == 0,
                // A room with a password shows its topic to its own people only.
                topic: (!room.topic().is_empty() && (room.key().is_none() || room.has(session)))
                    .then(|| room.topic().to_owned()),
                people: room.people_count(),
                joined: room.has(session),
                protected: room.key().is_some(),
            })
            .collect();
        ServerMsg::Rooms { rooms, label: None }
    }

    /// `session` joins the room called `name`; a plain client leaves `from` for it. A refusal
    /// names `echo`, the room the line named.
    fn enter(
        &mut self,
        session: SessionId,
        from: usize,
        name: &str,
        echo: Option<&str>,
        admitted: bool,
    ) {
        let lang = self.template.lang;
        let refuse = |house: &mut Self, code: ErrorCode, text: String| {
            house.answer(session, echo, &ServerMsg::error(code, text));
        };
        let Some((me, dialect, outbox)) = self.rooms[from].member(session) else {
            return;
        };
        let plain = dialect == Dialect::Plain;
        let existing = self.find_any(name);
        if let Some(at) = existing.filter(|&at| self.rooms[at].has(session)) {
            let text = tr!(lang, "error-already-in-room", room = self.rooms[at].name());
            return refuse(self, ErrorCode::AlreadyInRoom, text);
        }
        // Before any room is made for them: one who may join no more makes none.
        if !plain && self.rooms_of(session).len() >= self.limits.max_joined {
            let text = tr!(lang, "error-too-many-joined", max = self.limits.max_joined);
            return refuse(self, ErrorCode::TooManyRooms, text);
        }
        let target = match existing {
            Some(at) => at,
            None if self.open => match self.make_room(name, Some(&me)) {
                Ok(made) => self.find(&made).unwrap_or(0),
                Err(RoomError::Name(err)) => {
                    let text = tr!(lang, "error-room-name", reason = err.describe(lang));
                    return refuse(self, ErrorCode::from(&err), text);
                }
                Err(RoomError::Full { max_rooms }) => {
                    let text = tr!(lang, "error-rooms-full", max = max_rooms);
                    return refuse(self, ErrorCode::RoomsFull, text);
                }
            },
            None => {
                let text = tr!(lang, "error-no-such-room", room = shown(name));
                return refuse(self, ErrorCode::NoSuchRoom, text);
            }
        };
        if !admitted && self.rooms[target].key().is_some() {
            // The session asks for the password and proves it: see `join_verified`.
            let room = self.rooms[target].name().to_owned();
            let text = tr!(lang, "error-room-password-needed", room = room.as_str());
            return refuse(self, ErrorCode::PasswordRequired, text);
        }
        let away = self.rooms[from].away_of(session);
        let reads_changes = self.rooms[from].reads_changes_of(session);
        if plain {
            self.rooms[from].part(session);
        }
        match self.rooms[target].join(session, &me, dialect, Arc::clone(&outbox), false) {
            Ok(_) => {
                let device = self.moderation.device(session);
                self.rooms[target].set_device(session, device);
                let ignoring = self.rooms[from].ignoring_of(session);
                self.rooms[target].set_ignoring(session, ignoring);
                if reads_changes {
                    self.rooms[target].reads_changes(session);
                }
                if let Some((reason, auto)) = away {
                    self.rooms[target].handle_sent(session, Command::Away { reason, auto }, None);
                }
                self.tell_room_moderator(session, target);
            }
            Err(err) => {
                // Full: a plain client goes back where it was.
                if plain {
                    self.rooms[from]
                        .join(session, &me, dialect, Arc::clone(&outbox), false)
                        .ok();
                }
                let text = match err {
                    JoinError::Full { max_people } => {
                        tr!(lang, "error-room-full", max = max_people)
                    }
                    JoinError::Name(err) => err.describe(lang),
                    JoinError::Banned(words) => words,
                };
                refuse(self, ErrorCode::RoomFull, text);
            }
        }
    }

    /// `session` leaves the room `at`: a JSON client is told `parted`; a plain client goes back
    /// to the default room. Nobody leaves the default room but by quitting.
    fn part(&mut self, session: SessionId, at: usize, echo: Option<&str>) {
        let lang = self.template.lang;
        if at == 0 {
            let error = ServerMsg::error(ErrorCode::DefaultRoom, lang.tr("error-default-room"));
            self.answer(session, echo, &error);
            return;
        }
        let Some((_, dialect, outbox)) = self.rooms[at].member(session) else {
            return;
        };
        if dialect == Dialect::Plain {
            let default = self.rooms[0].name().to_owned();
            self.enter(session, at, &default, None, false);
            return;
        }
        self.rooms[at].part(session);
        let parted = dialect.encode(
            &ServerMsg::Parted {},
            self.template.lang,
            Some(self.rooms[at].name()),
        );
        if outbox.push(parted.into()) == Pushed::First {
            self.dirty.push(outbox);
        }
    }

    /// Renames `session` on the whole host: the name is checked against everyone's, then every
    /// room they are in is told.
    fn rename(&mut self, session: SessionId, echo: Option<&str>, raw_new: &str) -> Next {
        let lang = self.template.lang;
        if let Some(banned) = name::validate(raw_new)
            .ok()
            .and_then(|new| self.name_banned(&new))
        {
            // Not `banned`, which tells the person they are out of the host: they stay.
            let error = ServerMsg::error(ErrorCode::NameReserved, banned);
            self.answer(session, echo, &error);
            return Next::Continue;
        }
        let device = self.moderation.device(session);
        let now = (self.clock)();
        let checked = name::validate(raw_new).and_then(|new| {
            let key = NameKey::new(&new);
            if let Some(existing) = Self::elsewhere(&self.rooms, &key, session) {
                return Err(NameError::Taken { existing });
            }
            match self.devices.kept_from(&key, device, now) {
                Some(existing) => Err(NameError::Kept { existing }),
                None => Ok(new),
            }
        });
        if let Err(err) = checked {
            let error = ServerMsg::error(ErrorCode::from(&err), err.describe(lang));
            self.answer(session, echo, &error);
            return Next::Continue;
        }
        let mut next = Next::Continue;
        for room in self.rooms_of(session) {
            if let Next::Renamed(new) =
                self.rooms[room].handle_sent(session, Command::Nick(raw_new.to_owned()), None)
            {
                next = Next::Renamed(new);
            }
        }
        next
    }

    /// `session` is typing, or stopped, in the room `scope` names.
    pub fn typing(&mut self, session: SessionId, scope: &Scope, active: bool) {
        if let Ok(at) = self.resolve(session, scope) {
            self.rooms[at].typing(session, active);
        }
    }

    /// Takes `session` out of every room (their connection ended), telling the others unless
    /// `announce` is false; closes their outbox. Returns their name, if they were in a room.
    pub fn leave(
        &mut self,
        session: SessionId,
        reason: LeaveReason,
        announce: bool,
    ) -> Option<String> {
        let mut name = None;
        let rooms = self.rooms_of(session);
        let last = rooms.last().copied();
        for room in rooms {
            let close = Some(room) == last;
            let left = self.rooms[room].remove(session, reason, announce, close);
            name = name.or(left);
        }
        if name.is_some() {
            self.count(false);
        }
        self.goes(session, name.as_deref());
        name
    }

    /// Tells everyone the server stops (once each, whatever rooms they are in) and closes every
    /// outbox once it has been sent.
    pub fn close_all(&mut self) {
        let mut told = HashSet::new();
        for room in &mut self.rooms {
            room.close_all_but(&mut told);
        }
    }

    /// The name on the host under `wanted` (exactly, whatever the case, else by look-alike).
    pub fn canonical_name(&self, wanted: &str) -> Option<String> {
        self.rooms
            .iter()
            .find_map(|room| room.canonical_name(wanted))
    }

    /// A page of the room `room`'s memory (`None`: the default room); see [`Room::page`].
    pub fn page(
        &self,
        room: Option<&str>,
        before: Option<u64>,
        limit: usize,
    ) -> (Vec<ServerMsg>, bool) {
        match room.and_then(|name| self.find(name)) {
            Some(at) => self.rooms[at].page(before, limit),
            None => self.rooms[0].page(before, limit),
        }
    }

    /// The rooms `session` is in, as a store files them (`None`: the default room): what a search
    /// of every room they are in (`"room":"*"`) reads.
    pub fn readable_all(&self, session: SessionId) -> Vec<Option<String>> {
        self.rooms_of(session)
            .into_iter()
            .map(|at| (at > 0).then(|| self.rooms[at].name().to_owned()))
            .collect()
    }

    /// A search of the memory of the rooms `rooms` (`None`: the default room), newest first,
    /// each result from a named room saying which when there are several.
    pub fn search_among(&self, rooms: &[Option<&str>], words: &str, limit: usize) -> Vec<Found> {
        let tag = rooms.len() > 1;
        let mut found: Vec<Found> = rooms
            .iter()
            .flat_map(|room| {
                let at = room.and_then(|name| self.find(name)).unwrap_or(0);
                let name = (tag && at > 0).then(|| self.rooms[at].name().to_owned());
                self.rooms[at]
                    .search(words, limit)
                    .into_iter()
                    .map(move |f| f.in_room(name.clone()))
            })
            .collect();
        found.sort_by_key(|f| std::cmp::Reverse(f.message.id));
        found.truncate(limit);
        found
    }

    /// The mailboxes that need a flush, each once, emptying the lists.
    pub fn take_dirty(&mut self) -> Vec<Arc<M>> {
        let mut dirty = std::mem::take(&mut self.dirty);
        for room in &mut self.rooms {
            dirty.extend(room.take_dirty());
        }
        if self.rooms.len() > 1 {
            let mut seen = HashSet::new();
            dirty.retain(|m| seen.insert(Arc::as_ptr(m)));
        }
        dirty
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::room::tests::{Recorder, fixed_clock, settings};

    /// A host with its default room and "Projet X", at the tests' fixed time.
    pub(super) fn house() -> House<Recorder> {
        let mut house = House::new(
            settings(100, 100),
            Arc::default(),
            fixed_clock,
            RoomLimits::default(),
        );
        house.add_room("Projet X").unwrap();
        house
    }

    fn arrive(
        house: &mut House<Recorder>,
        session: SessionId,
        name: &str,
        dialect: Dialect,
    ) -> Arc<Recorder> {
        let outbox = Arc::new(Recorder::default());
        house
            .join(
                (session, std::net::Ipv4Addr::LOCALHOST.into(), None),
                name,
                dialect,
                Arc::clone(&outbox),
                dialect == Dialect::Plain,
            )
            .unwrap();
        outbox
    }

    #[test]
    fn a_name_is_one_on_the_whole_host_whatever_room_its_holder_is_in() {
        let mut house = house();
        let bob = arrive(&mut house, 1, "bob", Dialect::Plain);
        house.handle_sent(1, &Scope::Current, Command::Join("Projet X".into()), None);
        assert!(
            bob.take_plain()
                .iter()
                .any(|l| l == "*** Welcome to Projet X, bob!")
        );
        // bob is no longer in the default room, and his name is still his.
        let taken = house.join(
            (2, std::net::Ipv4Addr::LOCALHOST.into(), None),
            "BOB",
            Dialect::Json,
            Arc::new(Recorder::default()),
            false,
        );
        assert_eq!(
            taken,
            Err(JoinError::Name(NameError::Taken {
                existing: "bob".into()
            }))
        );
        let other = arrive(&mut house, 3, "bob", Dialect::Plain);
        assert!(
            other
                .take_plain()
                .iter()
                .any(|l| l.contains("Welcome to Salle, bob_2")),
            "a terminal gets a free variant"
        );
        let alice = arrive(&mut house, 4, "alice", Dialect::Json);
        house.handle_sent(4, &Scope::Default, Command::Nick("Bob".into()), None);
        assert!(matches!(
            alice.take_json().last(),
            Some(ServerMsg::Error {
                code: ErrorCode::NameTaken,
                ..
            })
        ));
    }

    #[test]
    fn quitting_a_named_room_leaves_them_all_and_the_stop_is_told_once_per_person() {
        let mut house = house();
        let alice = arrive(&mut house, 1, "alice", Dialect::Json);
        house.handle_sent(1, &Scope::Default, Command::Join("Projet X".into()), None);
        let bob = arrive(&mut house, 2, "bob", Dialect::Json);
        house.handle_sent(2, &Scope::Default, Command::Join("Projet X".into()), None);
        alice.take_json();
        bob.take_json();
        house.close_all();
        let stops = bob
            .take_json()
            .into_iter()
            .filter(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains("stopping")))
            .count();
        assert_eq!(stops, 1, "one goodbye, though bob is in two rooms");
        assert!(bob.is_closed());

        let mut house = self::house();
        let alice = arrive(&mut house, 1, "alice", Dialect::Json);
        house.handle_sent(1, &Scope::Default, Command::Join("Projet X".into()), None);
        let bob = arrive(&mut house, 2, "bob", Dialect::Json);
        house.handle_sent(2, &Scope::Default, Command::Join("Projet X".into()), None);
        bob.take_json();
        let next = house.handle_sent(1, &Scope::Named("Projet X".into()), Command::Quit, None);
        assert_eq!(next, Next::Close);
        assert!(alice.is_closed());
        let left = bob
            .take_json()
            .into_iter()
            .filter(|m| matches!(m, ServerMsg::Leave { name, .. } if name == "alice"))
            .count();
        assert_eq!(left, 2, "both rooms are told");
        assert_eq!(house.rooms_of(1), Vec::<usize>::new());
        assert_eq!(house.leave(1, LeaveReason::Disconnected, true), None);
    }

    #[test]
    fn the_host_counts_its_people_once_each_whatever_rooms_they_are_in() {
        let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut settings = settings(100, 100);
        let hook = Arc::clone(&heard);
        settings.on_people = Some(PeopleHook(Arc::new(move |n| {
            hook.lock().unwrap().push(n);
        })));
        let stats = Arc::new(Counters::default());
        let mut house = House::new(
            settings,
            Arc::clone(&stats),
            fixed_clock,
            RoomLimits::default(),
        );
        house.add_room("Projet X").unwrap();
        arrive(&mut house, 1, "alice", Dialect::Json);
        arrive(&mut house, 2, "bob", Dialect::Plain);
        // Moving to a room, or joining one more, is no arrival.
        house.handle_sent(2, &Scope::Current, Command::Join("Projet X".into()), None);
        house.handle_sent(1, &Scope::Default, Command::Join("Projet X".into()), None);
        assert_eq!(stats.people.load(Ordering::Relaxed), 2);
        house.handle_sent(1, &Scope::Named("Projet X".into()), Command::Quit, None);
        house.leave(2, LeaveReason::Disconnected, true);
        assert_eq!(house.leave(2, LeaveReason::Disconnected, true), None);
        assert_eq!(*heard.lock().unwrap(), [1, 2, 1, 0]);
        assert_eq!(stats.people.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_room_name_is_checked_and_unlike_every_other_room() {
        let mut house = house();
        assert_eq!(
            house.add_room("projet  x"),
            Err(RoomError::Name(NameError::Taken {
                existing: "Projet X".into()
            }))
        );
        assert_eq!(
            house.add_room("Salle"),
            Err(RoomError::Name(NameError::Taken {
                existing: "Salle".into()
            }))
        );
        assert_eq!(
            house.add_room("x"),
            Err(RoomError::Name(NameError::TooShort))
        );
        let mut small = House::<Recorder>::new(
            settings(100, 100),
            Arc::default(),
            fixed_clock,
            RoomLimits {
                max_rooms: 2,
                max_joined: 2,
            },
        );
        assert_eq!(small.add_room("Un"), Ok("Un".into()));
        assert_eq!(
            small.add_room("Deux"),
            Err(RoomError::Full { max_rooms: 2 })
        );
    }
}
