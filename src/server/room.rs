//! The room: who is here, the recent history, and what each command does to them.
//!
//! All of it sits behind one mutex held only for in-memory work: pushing to an [`Outbox`] never
//! waits on a socket, so a client that stops reading can't hold up anyone else. Every broadcast is
//! encoded at most once per dialect and the same bytes are shared by all recipients.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::Counters;
use super::outbox::{Bytes, Outbox, Pushed};
use crate::protocol::command::HELP;
use crate::protocol::name::{self, NameError, NameKey};
use crate::protocol::{
    Chat, Command, Dialect, ErrorCode, LeaveReason, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, ServerMsg,
    now_ms,
};

/// Identifies one connection for the life of the server.
pub type SessionId = u64;

/// The room's fixed settings.
#[derive(Debug, Clone)]
pub struct RoomSettings {
    /// The room's name, shown in welcomes.
    pub name: String,
    /// How many people may be in the room at once.
    pub max_clients: usize,
    /// How many recent messages newcomers get.
    pub history: usize,
    /// Shown to every newcomer, if any.
    pub motd: Option<String>,
    /// Told the number of people when it changes.
    pub on_people: Option<super::PeopleHook>,
}

/// Someone in the room.
#[derive(Debug)]
struct Member {
    /// Their connection.
    session: SessionId,
    /// Their name, canonical form.
    name: String,
    /// What their name is compared by.
    key: NameKey,
    /// How to encode what they are sent.
    dialect: Dialect,
    /// Where what they are sent goes.
    outbox: Arc<Outbox>,
}

/// Why someone could not join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinError {
    /// The name breaks a rule; they may try another.
    Name(NameError),
    /// The room is full; the connection ends.
    Full {
        /// The room's limit.
        max_clients: usize,
    },
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
pub struct Room {
    /// Fixed settings.
    settings: RoomSettings,
    /// Who is here, in order of arrival.
    members: Vec<Member>,
    /// The last messages, oldest first, at most `settings.history`.
    history: VecDeque<ServerMsg>,
    /// The id of the next message.
    next_id: u64,
    /// The id of the next private message: a sequence of its own, so the room's has no gaps.
    next_private_id: u64,
    /// Shared counters.
    stats: Arc<Counters>,
    /// Outboxes that got bytes since the last [`Room::take_dirty`]: they need a flush.
    dirty: Vec<Arc<Outbox>>,
}

/// The encoded forms of one message, made the first time a recipient needs each.
struct Encoded<'a> {
    msg: &'a ServerMsg,
    plain: Option<Bytes>,
    json: Option<Bytes>,
}

impl<'a> Encoded<'a> {
    fn new(msg: &'a ServerMsg) -> Self {
        Self {
            msg,
            plain: None,
            json: None,
        }
    }

    fn get(&mut self, dialect: Dialect) -> Bytes {
        let msg = self.msg;
        match dialect {
            Dialect::Plain => self
                .plain
                .get_or_insert_with(|| msg.to_plain_text().into_bytes().into()),
            Dialect::Json => self.json.get_or_insert_with(|| msg.to_json_line().into()),
        }
        .clone()
    }
}

impl Room {
    /// An empty room.
    pub fn new(settings: RoomSettings, stats: Arc<Counters>) -> Self {
        Self {
            settings,
            members: Vec::new(),
            history: VecDeque::new(),
            next_id: 1,
            next_private_id: 1,
            stats,
            dirty: Vec::new(),
        }
    }

    /// The names of everyone here, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.members.iter().map(|m| m.name.clone()).collect();
        names.sort_by_key(|n| n.to_lowercase());
        names
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn member(&self, session: SessionId) -> Option<&Member> {
        self.members.iter().find(|m| m.session == session)
    }

    /// Checks `raw` for every name rule, including not clashing with anyone but `session`.
    fn check_name(&self, raw: &str, session: SessionId) -> Result<String, NameError> {
        let name = name::validate(raw)?;
        let key = NameKey::new(&name);
        match self
            .members
            .iter()
            .find(|m| m.session != session && m.key.clashes(&key))
        {
            Some(other) => Err(NameError::Taken {
                existing: other.name.clone(),
            }),
            None => Ok(name),
        }
    }

    /// The first free variant of a taken name (`alice_2`, `alice_3`, …), if one is found soon.
    fn free_variant(&self, name: &str, session: SessionId) -> Option<String> {
        (2..100).find_map(|n| {
            let suffix = format!("_{n}");
            let room = name::MAX_NAME_CHARS - suffix.chars().count();
            let base: String = name.chars().take(room).collect();
            self.check_name(&format!("{base}{suffix}"), session).ok()
        })
    }

    /// Adds a member: they get the welcome and the history, then everyone (them included) is told.
    /// Returns the canonical name. With `offer_variant` (plain clients, which may not be able to
    /// retry: the seed's C client can't), a taken name gets the first free variant instead of an
    /// error, and the newcomer is told which name they got.
    pub fn join(
        &mut self,
        session: SessionId,
        raw_name: &str,
        dialect: Dialect,
        outbox: Arc<Outbox>,
        offer_variant: bool,
    ) -> Result<String, JoinError> {
        let (name, wanted) = match self.check_name(raw_name, session) {
            Ok(name) => (name, None),
            Err(NameError::Taken { existing }) if offer_variant => {
                let wanted = name::validate(raw_name).unwrap_or_else(|_| existing.clone());
                match self.free_variant(&wanted, session) {
                    Some(variant) => (variant, Some(wanted)),
                    None => return Err(JoinError::Name(NameError::Taken { existing })),
                }
            }
            Err(err) => return Err(JoinError::Name(err)),
        };
        if self.members.len() >= self.settings.max_clients {
            return Err(JoinError::Full {
                max_clients: self.settings.max_clients,
            });
        }
        self.members.push(Member {
            session,
            name: name.clone(),
            key: NameKey::new(&name),
            dialect,
            outbox,
        });
        self.people_changed();
        let welcome = ServerMsg::Welcome {
            version: PROTOCOL_VERSION,
            room: self.settings.name.clone(),
            you: name.clone(),
            users: self.names(),
            motd: self.settings.motd.clone(),
            history: self.history.iter().cloned().collect(),
            max_message_bytes: MAX_MESSAGE_BYTES,
        };
        self.send_to(session, &welcome);
        if let Some(wanted) = wanted {
            let told = ServerMsg::Notice {
                id: None,
                time: now_ms(),
                text: format!(
                    "The name {wanted} is taken, so you are {name} here (/nick to change it)."
                ),
            };
            self.send_to(session, &told);
        }
        let join = ServerMsg::Join {
            id: self.next_id(),
            time: now_ms(),
            name: name.clone(),
        };
        self.broadcast(&join);
        Ok(name)
    }

    /// Removes a member and tells the others why, unless `announce` is false (server stopping).
    /// Returns their name, if they were here.
    pub fn leave(
        &mut self,
        session: SessionId,
        reason: LeaveReason,
        announce: bool,
    ) -> Option<String> {
        let index = self.members.iter().position(|m| m.session == session)?;
        let member = self.members.remove(index);
        member.outbox.close();
        self.people_changed();
        if announce {
            let leave = ServerMsg::Leave {
                id: self.next_id(),
                time: now_ms(),
                name: member.name.clone(),
                reason,
            };
            self.broadcast(&leave);
        }
        Some(member.name)
    }

    /// Carries out a command from a member.
    pub fn handle(&mut self, session: SessionId, command: Command) -> Next {
        let Some(me) = self.member(session) else {
            return Next::Close;
        };
        let my_name = me.name.clone();
        match command {
            Command::Say(text) => self.say(&my_name, text, false),
            Command::Me(text) => self.say(&my_name, text, true),
            Command::Msg { to, text } => self.private(session, &my_name, &to, text),
            Command::Nick(new) => {
                if let Some(new) = self.rename(session, &my_name, &new) {
                    return Next::Renamed(new);
                }
            }
            Command::Who => {
                let users = ServerMsg::Users {
                    users: self.names(),
                };
                self.send_to(session, &users);
            }
            Command::Help => {
                let help = ServerMsg::Notice {
                    id: None,
                    time: now_ms(),
                    text: HELP.join("\n"),
                };
                self.send_to(session, &help);
            }
            Command::Quit => {
                let bye = ServerMsg::Notice {
                    id: None,
                    time: now_ms(),
                    text: format!("Au revoir, {my_name}!"),
                };
                self.send_to(session, &bye);
                self.leave(session, LeaveReason::Quit, true);
                return Next::Close;
            }
        }
        Next::Continue
    }

    /// Sends an error to one member.
    pub fn send_error(&mut self, session: SessionId, code: ErrorCode, message: impl Into<String>) {
        self.send_to(session, &ServerMsg::error(code, message));
    }

    /// Tells everyone the server is stopping and closes every outbox once it has been sent.
    pub fn close_all(&mut self) {
        let notice = ServerMsg::Notice {
            id: None,
            time: now_ms(),
            text: "The server is stopping. Goodbye!".to_owned(),
        };
        self.broadcast(&notice);
        for member in &self.members {
            member.outbox.close();
        }
    }

    fn say(&mut self, from: &str, text: String, action: bool) {
        if text.is_empty() {
            return;
        }
        let greet = !action && text.eq_ignore_ascii_case("coucou");
        let msg = ServerMsg::Message(Chat {
            id: self.next_id(),
            time: now_ms(),
            from: from.to_owned(),
            text,
            action,
        });
        self.stats.messages.fetch_add(1, Ordering::Relaxed);
        self.record_and_broadcast(msg);
        if greet {
            let bonjour = ServerMsg::Notice {
                id: Some(self.next_id()),
                time: now_ms(),
                text: format!("Bonjour {from} !"),
            };
            self.record_and_broadcast(bonjour);
        }
    }

    fn record_and_broadcast(&mut self, msg: ServerMsg) {
        self.broadcast(&msg);
        if self.settings.history > 0 {
            if self.history.len() == self.settings.history {
                self.history.pop_front();
            }
            self.history.push_back(msg);
        }
    }

    fn private(&mut self, session: SessionId, from: &str, to: &str, text: String) {
        let wanted = NameKey::new(to);
        let exact = self
            .members
            .iter()
            .find(|m| m.name.to_lowercase() == to.to_lowercase());
        let Some(target) = exact.or_else(|| self.members.iter().find(|m| m.key.clashes(&wanted)))
        else {
            self.send_error(
                session,
                ErrorCode::NoSuchUser,
                format!("nobody called {to} is here"),
            );
            return;
        };
        let (target_session, target_name) = (target.session, target.name.clone());
        let id = self.next_private_id;
        self.next_private_id += 1;
        let msg = ServerMsg::Private {
            id,
            time: now_ms(),
            from: from.to_owned(),
            to: target_name,
            text,
        };
        self.stats.messages.fetch_add(1, Ordering::Relaxed);
        self.send_to(target_session, &msg);
        if target_session != session {
            self.send_to(session, &msg);
        }
    }

    /// Renames a member and tells everyone; returns the new name, or `None` if nothing changed.
    fn rename(&mut self, session: SessionId, old: &str, raw_new: &str) -> Option<String> {
        let new = match self.check_name(raw_new, session) {
            Ok(new) => new,
            Err(err) => {
                self.send_error(session, ErrorCode::from(&err), err.to_string());
                return None;
            }
        };
        if new == old {
            return None;
        }
        if let Some(member) = self.members.iter_mut().find(|m| m.session == session) {
            member.key = NameKey::new(&new);
            member.name.clone_from(&new);
        }
        let msg = ServerMsg::Rename {
            id: self.next_id(),
            time: now_ms(),
            old: old.to_owned(),
            new: new.clone(),
        };
        self.broadcast(&msg);
        Some(new)
    }

    /// Sends a message to one member, if they are here.
    fn send_to(&mut self, session: SessionId, msg: &ServerMsg) {
        if let Some(member) = self.members.iter().find(|m| m.session == session)
            && member.outbox.push(Encoded::new(msg).get(member.dialect)) == Pushed::First
        {
            self.dirty.push(Arc::clone(&member.outbox));
        }
    }

    /// Sends a message to everyone, encoding it once per dialect.
    fn broadcast(&mut self, msg: &ServerMsg) {
        let mut encoded = Encoded::new(msg);
        for member in &self.members {
            if member.outbox.push(encoded.get(member.dialect)) == Pushed::First {
                self.dirty.push(Arc::clone(&member.outbox));
            }
        }
        self.stats
            .deliveries
            .fetch_add(self.members.len() as u64, Ordering::Relaxed);
    }

    fn people_changed(&self) {
        let people = self.members.len();
        self.stats.clients.store(people, Ordering::Relaxed);
        if let Some(hook) = &self.settings.on_people {
            (hook.0)(people);
        }
    }

    /// The outboxes that need a flush, emptying the list.
    pub fn take_dirty(&mut self) -> Vec<Arc<Outbox>> {
        std::mem::take(&mut self.dirty)
    }
}
