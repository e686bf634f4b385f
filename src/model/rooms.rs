//! The host's named rooms as the app knows them: the list the host last gave (names, topics,
//! people counts, protection), the conversation of each one joined, and how much of each is new.
//!
//! The default room is not here: it is the conversation the app opens on connecting
//! ([`ChatModel`]); a host that has no named rooms (an older Coucou, a plain or classic server)
//! leaves this empty.

use std::collections::{BTreeMap, BTreeSet};

use super::chat::ChatModel;
use super::direct::room_news_after;
use crate::i18n::Lang;
use crate::protocol::ServerMsg;
use crate::protocol::message::RoomInfo;
use crate::protocol::name::NameKey;

/// One named room joined: its conversation, and the newest entry seen on screen.
#[derive(Debug)]
pub struct JoinedRoom {
    /// Its conversation, as the default room's.
    pub chat: ChatModel,
    /// The key of its newest entry when it was last on screen ([`super::Entry::key`]).
    pub seen: u64,
}

/// One row of the column's rooms: a named room joined, with what is new in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSummary {
    /// Its name.
    pub name: String,
    /// Messages from others since it was last on screen.
    pub unread: usize,
    /// Whether one of them names you.
    pub mention: bool,
}

/// The host's named rooms, as the app knows them.
#[derive(Debug, Default)]
pub struct HostRooms {
    /// The host's rooms as it last listed them, the default room first; empty until it does.
    pub listed: Vec<RoomInfo>,
    /// The default room's topic, once told.
    pub default_topic: Option<String>,
    /// The named rooms joined, by name.
    pub joined: BTreeMap<String, JoinedRoom>,
    /// The rooms asked to join and not answered yet (to join again after a lost connection).
    pub joining: BTreeSet<String>,
    /// The rooms joined on an earlier visit to this host: asked for again on arriving, without
    /// coming on screen.
    pub remembered: BTreeSet<String>,
    /// The list was asked for and has not come yet: it is not asked again meanwhile (a host
    /// telling of a room made a thousand times gets one question).
    pub listing: bool,
    /// The named rooms this person moderates, without moderating the whole host: the host says
    /// so in each, on joining it (for this connection).
    pub moderating: BTreeSet<String>,
    /// The names whose words this person does not see, in any room of the host (each room's
    /// conversation gets them when it starts).
    pub ignoring: Vec<String>,
}

impl HostRooms {
    /// The named rooms joined, in the column's order (by name), with what is new in each.
    pub fn summaries(&self) -> Vec<RoomSummary> {
        self.joined
            .iter()
            .map(|(name, room)| {
                let (unread, mention) = room_news_after(&room.chat, room.seen);
                RoomSummary {
                    name: name.clone(),
                    unread,
                    mention,
                }
            })
            .collect()
    }

    /// The host's rooms not joined, as listed (the default room is always joined).
    pub fn others(&self) -> impl Iterator<Item = &RoomInfo> {
        self.listed
            .iter()
            .filter(|room| !room.default && !self.joined.contains_key(&room.name))
    }

    /// The listing of the room `name`, if the host listed it.
    pub fn info(&self, name: &str) -> Option<&RoomInfo> {
        self.listed.iter().find(|room| room.name == name)
    }

    /// The named room `name`'s conversation, when joined.
    pub fn chat_mut(&mut self, name: &str) -> Option<&mut ChatModel> {
        self.joined.get_mut(name).map(|room| &mut room.chat)
    }

    /// The named room `name`'s conversation, when joined.
    pub fn chat(&self, name: &str) -> Option<&ChatModel> {
        self.joined.get(name).map(|room| &room.chat)
    }

    /// Everything in it has been seen (it is on screen).
    pub fn seen(&mut self, name: &str) {
        if let Some(room) = self.joined.get_mut(name) {
            room.seen = room.chat.entries.last().map_or(0, |e| e.key);
        }
    }

    /// The host welcomed `me` into the named room of `welcome`: its conversation starts, or goes
    /// on after a lost connection (what was said while away comes with the welcome's history).
    /// True when it was asked for by a name (the room's own, or one that looks like it) and is
    /// new: the person wants to see it. A welcome to a room neither asked for nor joined is
    /// dropped.
    pub fn welcomed(&mut self, welcome: ServerMsg, me: &str, lang: Lang, now: u64) -> bool {
        let ServerMsg::Welcome { room: name, .. } = &welcome else {
            return false;
        };
        let name = name.clone();
        let key = NameKey::new(&name);
        let asked_before = self.joining.len();
        self.joining
            .retain(|asked| *asked != name && !NameKey::new(asked).clashes(&key));
        let was_asked = self.joining.len() < asked_before;
        let was_remembered = self.remembered.remove(&name);
        if !was_asked && !was_remembered && !self.joined.contains_key(&name) {
            // Not asked for: a host can't put anyone in rooms (nor fill the column) unbidden.
            return false;
        }
        let asked = was_asked && !self.joined.contains_key(&name);
        let room = self.joined.entry(name.clone()).or_insert_with(|| {
            let mut chat = ChatModel::new(name.clone(), me);
            chat.lang = lang;
            chat.ignoring.clone_from(&self.ignoring);
            JoinedRoom { chat, seen: 0 }
        });
        let fresh = room.chat.entries.is_empty();
        room.chat.loading_older = false;
        room.chat.apply(welcome, now);
        if fresh {
            // What the welcome replays was said before you came: not news.
            room.seen = room.chat.entries.last().map_or(0, |e| e.key);
        }
        if let Some(info) = self.listed.iter_mut().find(|r| r.name == name) {
            info.joined = true;
        }
        asked
    }

    /// Marks what came to the named room `name` after `time` (the app's last visit to it): "New
    /// since your last visit" above it, and counted as new in the column.
    pub fn mark_last_visit(&mut self, name: &str, time: u64) {
        let Some(room) = self.joined.get_mut(name) else {
            return;
        };
        room.chat.mark_last_visit(time);
        if let Some(first) = room.chat.marker {
            let before = first.checked_sub(1).and_then(|i| room.chat.entries.get(i));
            room.seen = before.map_or(0, |e| e.key);
        }
    }

    /// The person left the named room `name` (or the host said they are out of it).
    pub fn parted(&mut self, name: &str) {
        self.joined.remove(name);
        self.joining.remove(name);
        self.remembered.remove(name);
        self.moderating.remove(name);
        if let Some(info) = self.listed.iter_mut().find(|r| r.name == name) {
            info.joined = false;
        }
    }

    /// The host's answer to `rooms`: its list, the default room first.
    pub fn listed(&mut self, rooms: Vec<RoomInfo>) {
        self.listing = false;
        if let Some(default) = rooms.iter().find(|r| r.default) {
            self.default_topic.clone_from(&default.topic);
        }
        self.listed = rooms;
    }

    /// A room's topic was told: `room` is the named room's, `None` the default room's.
    pub fn topic(&mut self, room: Option<&str>, text: &str) {
        let topic = (!text.is_empty()).then(|| text.to_owned());
        match room {
            None => self.default_topic = topic,
            Some(name) => {
                if let Some(info) = self.listed.iter_mut().find(|r| r.name == name) {
                    info.topic = topic;
                }
            }
        }
    }

    /// The topic of the named room `room` (`None`: the default room's), if it has one.
    pub fn topic_of(&self, room: Option<&str>) -> Option<&str> {
        match room {
            None => self.default_topic.as_deref(),
            Some(name) => self.info(name)?.topic.as_deref(),
        }
    }

    /// The connection was lost: nobody is known to be in any room until each welcome says again.
    pub fn went_offline(&mut self) {
        for room in self.joined.values_mut() {
            room.chat.people.clear();
            room.chat.away.clear();
        }
    }

    /// The names of the rooms to join again on a new connection: those joined, asked for, and
    /// remembered from an earlier visit.
    pub fn to_rejoin(&self) -> Vec<String> {
        self.joined
            .keys()
            .chain(self.joining.iter())
            .chain(self.remembered.iter())
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::Chat;

    fn welcome(room: &str) -> ServerMsg {
        ServerMsg::Welcome {
            version: crate::protocol::message::PROTOCOL_VERSION,
            room: room.into(),
            you: "alice".into(),
            users: vec!["alice".into(), "bob".into()],
            away: Vec::new(),
            elsewhere: Vec::new(),
            motd: None,
            history: vec![ServerMsg::Message(message(1, "bob", "avant"))],
            max_message_bytes: 2048,
            labels: true,
            rooms: true,
            changes: false,
            rules: false,
        }
    }

    fn message(id: u64, from: &str, text: &str) -> Chat {
        Chat {
            id,
            time: 1,
            from: from.into(),
            text: text.into(),
            action: false,
            cid: None,
            ..Default::default()
        }
    }

    #[test]
    fn a_rooms_unread_count_starts_after_its_welcome_and_ends_when_it_is_seen() {
        let mut rooms = HostRooms::default();
        rooms.joining.insert("projet x".into());
        assert!(
            rooms.welcomed(welcome("Projet X"), "alice", Lang::En, 10),
            "asked by a look-alike"
        );
        assert!(rooms.joining.is_empty());
        assert_eq!(
            rooms.summaries()[0].unread,
            0,
            "the welcome's history is not news"
        );
        let chat = rooms.chat_mut("Projet X").unwrap();
        chat.apply(ServerMsg::Message(message(2, "bob", "salut")), 11);
        chat.apply(ServerMsg::Message(message(3, "bob", "alice ?")), 12);
        let summary = &rooms.summaries()[0];
        assert_eq!((summary.unread, summary.mention), (2, true));
        rooms.seen("Projet X");
        assert_eq!(rooms.summaries()[0].unread, 0);
    }

    #[test]
    fn a_room_remembered_from_an_earlier_visit_is_joined_again_without_coming_on_screen() {
        let mut rooms = HostRooms::default();
        rooms.remembered.insert("Projet X".into());
        assert_eq!(rooms.to_rejoin(), ["Projet X"]);
        assert!(!rooms.welcomed(welcome("Projet X"), "alice", Lang::En, 10));
        assert!(rooms.chat("Projet X").is_some());
        assert!(rooms.remembered.is_empty());
    }

    #[test]
    fn what_came_since_the_last_visit_is_marked_and_counted() {
        let mut rooms = HostRooms::default();
        rooms.joining.insert("Projet X".into());
        let mut welcome = welcome("Projet X");
        if let ServerMsg::Welcome { history, .. } = &mut welcome {
            history.push(ServerMsg::Message(Chat {
                time: 5,
                ..message(2, "bob", "nouveau")
            }));
        }
        rooms.welcomed(welcome, "alice", Lang::En, 10);
        assert_eq!(rooms.summaries()[0].unread, 0);
        rooms.mark_last_visit("Projet X", 3);
        assert_eq!(
            rooms.summaries()[0].unread,
            1,
            "the one after the last visit"
        );
        assert!(rooms.chat("Projet X").unwrap().marker.is_some());
    }

    #[test]
    fn a_host_cannot_put_the_app_in_a_room_it_did_not_ask_for() {
        let mut rooms = HostRooms::default();
        for i in 0..1000 {
            assert!(!rooms.welcomed(welcome(&format!("Spam {i}")), "alice", Lang::En, 10));
        }
        assert!(rooms.joined.is_empty());
        assert!(rooms.summaries().is_empty());
    }

    #[test]
    fn a_room_joined_again_after_a_lost_connection_keeps_its_conversation() {
        let mut rooms = HostRooms::default();
        rooms.joining.insert("Projet X".into());
        rooms.welcomed(welcome("Projet X"), "alice", Lang::En, 10);
        rooms.went_offline();
        assert!(rooms.chat("Projet X").unwrap().people.is_empty());
        assert_eq!(rooms.to_rejoin(), ["Projet X"]);
        rooms.joining.insert("Projet X".into());
        assert!(
            !rooms.welcomed(welcome("Projet X"), "alice", Lang::En, 20),
            "not new"
        );
        assert_eq!(rooms.chat("Projet X").unwrap().people.len(), 2);
        rooms.parted("Projet X");
        assert!(rooms.to_rejoin().is_empty());
    }
}
