//! Direct conversations: the private messages of a room between you and one person, as a
//! conversation of their own (the room's list shows none of them).
//!
//! They are read out of the room's own entries, where the room, this computer's log and a restart
//! put them; nothing is kept twice. A person's unread count is their private messages that came as
//! news (not replayed) after the last one you saw with them.

use std::collections::BTreeMap;

use super::chat::{ChatModel, Entry, EntryKind};

/// One direct conversation in the room's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectSummary {
    /// Who it is with.
    pub peer: String,
    /// Their private messages that came since you last had the conversation on screen.
    pub unread: usize,
}

/// Who a private entry is with, if it is one.
fn peer_of(entry: &Entry) -> Option<&str> {
    match &entry.kind {
        EntryKind::Private { from, to, own, .. } => Some(if *own { to } else { from }),
        _ => None,
    }
}

/// The direct conversations in `room`, newest first, with their unread counts: `seen` holds, per
/// person, the key of the last entry you saw with them ([`Entry::key`]).
pub fn directs(room: &ChatModel, seen: &BTreeMap<String, u64>) -> Vec<DirectSummary> {
    let mut found: Vec<DirectSummary> = Vec::new();
    for entry in room.entries.iter().rev() {
        let Some(peer) = peer_of(entry) else { continue };
        let unread =
            usize::from(entry.mention && seen.get(peer).is_none_or(|&key| entry.key > key));
        match found.iter_mut().find(|d| d.peer == peer) {
            Some(known) => known.unread += unread,
            None => found.push(DirectSummary {
                peer: peer.to_owned(),
                unread,
            }),
        }
    }
    found
}

/// What came to the room itself after the entry with key `seen`, while a direct conversation was
/// on screen: how many messages from others (not private ones, not notices), and whether one
/// names you.
pub fn room_news_after(room: &ChatModel, seen: u64) -> (usize, bool) {
    let mut count = 0;
    let mut mention = false;
    for entry in room.entries.iter().rev().take_while(|e| e.key > seen) {
        let news = match &entry.kind {
            EntryKind::Chat { own, .. } => !own,
            EntryKind::File(offer) => offer.from != room.me && offer.to.is_none(),
            EntryKind::Plain(text) => !text.starts_with("*** ") && !entry.is_from(&room.me),
            EntryKind::Private { .. } | EntryKind::Notice(_) | EntryKind::Error(_) => false,
        };
        if news {
            count += 1;
            mention |= entry.mention;
        }
    }
    (count, mention)
}

/// The key of the newest entry with `peer`: what has been seen once their conversation is shown.
pub fn newest_key(room: &ChatModel, peer: &str) -> Option<u64> {
    room.entries
        .iter()
        .rev()
        .find(|e| peer_of(e) == Some(peer))
        .map(|e| e.key)
}

/// The conversation with `peer`: the private messages between you, as messages (your own shown
/// as yours, none marked as a mention), with the room's people (to start another from the list).
pub fn direct_with(room: &ChatModel, peer: &str) -> ChatModel {
    let mut direct = ChatModel::new(peer, room.me.clone());
    direct.lang = room.lang;
    direct.people.clone_from(&room.people);
    direct.away.clone_from(&room.away);
    direct.entries = room
        .entries
        .iter()
        .filter(|e| peer_of(e) == Some(peer))
        .filter_map(|e| match &e.kind {
            EntryKind::Private {
                from, text, own, ..
            } => Some(Entry {
                kind: EntryKind::chat(from.clone(), text.clone(), false, *own),
                // Everything here is for you: nothing stands out as a mention.
                mention: false,
                ..e.clone()
            }),
            _ => None,
        })
        .collect();
    direct
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Chat, ServerMsg};

    const NOW: u64 = 1_700_000_001_000;

    fn private(id: u64, from: &str, to: &str, text: &str) -> ServerMsg {
        ServerMsg::Private {
            id,
            time: 1_700_000_000_000 + id,
            from: from.into(),
            to: to.into(),
            text: text.into(),
            cid: None,
        }
    }

    fn room() -> ChatModel {
        let mut room = ChatModel::new("Salle 12", "alice");
        room.apply(
            ServerMsg::Message(Chat {
                id: 1,
                time: 1_700_000_000_001,
                from: "bob".into(),
                text: "for everyone".into(),
                action: false,
                cid: None,
                ..Default::default()
            }),
            NOW,
        );
        room.apply(private(2, "bob", "alice", "psst"), NOW);
        room.apply(private(3, "alice", "bob", "yes?"), NOW);
        room.apply(private(4, "chloé", "alice", "lunch?"), NOW);
        room.apply(private(5, "bob", "alice", "later"), NOW);
        room
    }

    #[test]
    fn each_person_has_one_conversation_newest_first_with_what_they_sent_unread() {
        let room = room();
        let mut seen = BTreeMap::new();
        let peers = |seen: &BTreeMap<String, u64>| {
            directs(&room, seen)
                .into_iter()
                .map(|d| (d.peer, d.unread))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            peers(&seen),
            [("bob".to_owned(), 2), ("chloé".to_owned(), 1)],
            "your own reply is not unread"
        );
        seen.insert("bob".to_owned(), newest_key(&room, "bob").unwrap());
        assert_eq!(
            peers(&seen),
            [("bob".to_owned(), 0), ("chloé".to_owned(), 1)]
        );
    }

    #[test]
    fn the_rooms_news_counts_others_messages_after_the_last_seen_and_says_if_one_names_you() {
        let mut room = room();
        let seen = room.entries.last().unwrap().key;
        assert_eq!(room_news_after(&room, seen), (0, false));
        room.apply(private(6, "bob", "alice", "not the room's"), NOW);
        for (id, from, text) in [
            (7, "bob", "news"),
            (8, "alice", "mine"),
            (9, "chloé", "alice?"),
        ] {
            room.apply(
                ServerMsg::Message(Chat {
                    id,
                    time: 1_700_000_000_000 + id,
                    from: from.into(),
                    text: text.into(),
                    action: false,
                    cid: None,
                    ..Default::default()
                }),
                NOW,
            );
        }
        assert_eq!(room_news_after(&room, seen), (2, true));
    }

    #[test]
    fn a_direct_conversation_holds_only_its_two_people_s_private_messages_as_messages() {
        let direct = direct_with(&room(), "bob");
        let lines: Vec<_> = direct
            .entries
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Chat {
                    from, text, own, ..
                } => (from.as_str(), text.as_str(), *own),
                other => panic!("not a message: {other:?}"),
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("bob", "psst", false),
                ("alice", "yes?", true),
                ("bob", "later", false)
            ]
        );
        assert_eq!(direct.room, "bob");
    }
}
