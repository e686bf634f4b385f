//! What an author does to a message once sent, and what a message says about another: a reply
//! quoting the message it answers, an edit and a deletion of one's own message, a reaction on
//! anyone's. Each concerns a message the room still has in memory — a reply or a reaction also one
//! older, read from the store by the session off the lock (for a reaction, kept from then on:
//! `recall`); the store and everyone here get the message as it is now, and the person who asked
//! gets it once it is written. In a linked room an edit or a reaction goes through the stream
//! first and is carried out when it comes back, at every site alike (`apply_change`, which also
//! checks another site's; a site that does not have an older message leaves it alone).

use super::{Mailbox, Room, ServerMsg, SessionId};
use crate::protocol::change::{self, Quote, ReactError, Reacted};
use crate::protocol::message::{Chat, Cid, ErrorCode};
use crate::tr;

/// How many messages older than its memory a room keeps once reacted to: each later reaction
/// changes the copy kept, never an older one read again (a store write may still be on its way).
pub const RECALLED: usize = 1_000;

impl<M: Mailbox> Room<M> {
    /// A message from `session` (called `from`) answering the message `to`: quoted from the
    /// room's memory, or from the store (`stored`, read by the session outside the room lock) when
    /// it is older. Refused when it is no message of this room's (a notice, another room's, a
    /// private message's number): the quote never carries anything the sender could not see.
    pub(super) fn reply(
        &mut self,
        session: SessionId,
        from: &str,
        (to, stored): (u64, Option<Quote>),
        text: String,
        cid: Option<Cid>,
    ) {
        let quote = self.quote(to).or(stored.filter(|q| q.id == to));
        match quote {
            Some(quote) => self.say(session, from, text, false, cid, Some(quote)),
            None => {
                let refused = self.no_such_message(to).refusing(cid);
                self.send_to(session, &refused);
            }
        }
    }

    /// The quote of the message `id` of this room, if the room remembers it (see [`Room::reply`]).
    fn quote(&self, id: u64) -> Option<Quote> {
        self.history.iter().find_map(|m| match m {
            ServerMsg::Message(chat) if chat.id == id => {
                Some(Quote::of(id, &chat.from, &chat.text))
            }
            _ => None,
        })
    }

    /// `session`'s new text for its message `id`.
    pub(super) fn edit(&mut self, session: SessionId, id: u64, text: String) {
        let Some(at) = self.authored(session, id) else {
            return;
        };
        let ServerMsg::Message(chat) = &self.history[at] else {
            return;
        };
        let edited = Chat {
            text,
            edited: true,
            ..chat.clone()
        };
        self.change(session, ServerMsg::Edited(edited));
    }

    /// `session` deletes its message `id`: a tombstone takes its place for everyone (in a linked
    /// room, at every site, once it is back from the stream).
    pub(super) fn unsay(&mut self, session: SessionId, id: u64) {
        let Some(at) = self.authored(session, id) else {
            return;
        };
        let ServerMsg::Message(chat) = &self.history[at] else {
            return;
        };
        let unsaid = ServerMsg::Unsaid {
            id,
            from: chat.from.clone(),
        };
        self.change(session, unsaid);
    }

    /// `session` (called `name`) puts `emoji` on the message `id`, or takes it back.
    pub(super) fn react(
        &mut self,
        session: SessionId,
        name: &str,
        (id, emoji, on): (u64, String, bool),
    ) {
        let lang = self.settings.lang;
        let Some(chat) = self.message_mut(id) else {
            let refused = self.no_such_message(id);
            self.send_to(session, &refused);
            return;
        };
        let chat = &*chat;
        // Tried on a copy: in a linked room it is carried out when it is back from the stream.
        let mut reactions = chat.reactions.clone();
        let refused = match change::toggle(&mut reactions, name, &emoji, on) {
            Ok(false) => return,
            Ok(true) => None,
            Err(ReactError::TooManyOfYours) => Some(tr!(
                lang,
                "error-reactions-yours",
                max = change::MAX_REACTIONS_PER_PERSON
            )),
            Err(ReactError::TooManyKinds) => Some(tr!(
                lang,
                "error-reactions-kinds",
                max = change::MAX_DISTINCT_REACTIONS
            )),
        };
        if let Some(text) = refused {
            let refused = ServerMsg::error(ErrorCode::TooManyReactions, text);
            self.send_to(session, &refused);
            return;
        }
        let reacted = ServerMsg::Reacted(Reacted {
            id,
            from: chat.from.clone(),
            name: name.to_owned(),
            emoji,
            on,
            reactions,
        });
        self.change(session, reacted);
    }

    /// Carries out a change asked here: at once in a room alone; in a linked room once it is
    /// back from the stream, in the stream's order at every site (at once too while the broker
    /// is away: carried out twice, a change is the same).
    fn change(&mut self, session: SessionId, change: ServerMsg) {
        if self.linked.is_none() {
            self.apply_change(Some(session), change);
        } else if let Some(now) = self.hand_over(change, false, Some(session)) {
            self.apply_change(Some(session), now);
        }
    }

    /// Applies an edit or a reaction to the message it names, in the memory and the store, and
    /// tells everyone (`author`, the session here that asked, once it is written). From another
    /// site, checked here against the room's own copy: an edit only by the message's sender (by
    /// name), a reaction within the limits, worked out from this room's reactions. Nothing
    /// changes, nobody is told, for a message the room no longer has.
    pub(super) fn apply_change(&mut self, author: Option<SessionId>, change: ServerMsg) {
        let told = match change {
            ServerMsg::Edited(edit) => {
                let Some(at) = self.message_at(edit.id) else {
                    return;
                };
                let ServerMsg::Message(chat) = &mut self.history[at] else {
                    return;
                };
                if chat.from != edit.from {
                    return;
                }
                chat.text = edit.text;
                chat.edited = true;
                let now = ServerMsg::Message(chat.clone());
                let edited = ServerMsg::Edited(chat.clone());
                if let Some(archive) = &self.archive {
                    archive.replace(&now);
                }
                edited
            }
            ServerMsg::Reacted(reacted) => {
                let Some(chat) = self.message_mut(reacted.id) else {
                    return;
                };
                let toggled = change::toggle(
                    &mut chat.reactions,
                    &reacted.name,
                    &reacted.emoji,
                    reacted.on,
                );
                if toggled != Ok(true) {
                    return;
                }
                let now = ServerMsg::Message(chat.clone());
                let told = ServerMsg::Reacted(Reacted {
                    from: chat.from.clone(),
                    reactions: chat.reactions.clone(),
                    ..reacted
                });
                // Its words are the same: the store writes its row again, not its search words.
                if let Some(archive) = &self.archive {
                    archive.restate(&now);
                }
                told
            }
            ServerMsg::Unsaid { id, from } => {
                // Only by its author (by name, from another site): the room's own copy says who.
                let Some(at) = self.message_at(id) else {
                    return;
                };
                if !matches!(&self.history[at], ServerMsg::Message(chat) if chat.from == from) {
                    return;
                }
                let text = tr!(
                    self.settings.lang,
                    "notice-deleted-by-author",
                    name = from.as_str()
                );
                // The tombstone goes to everyone, the author included.
                self.take_out(id, text);
                self.authors.remove(&id);
                return;
            }
            _ => return,
        };
        self.broadcast_but(&told, author);
        if let Some(author) = author {
            self.send_when_kept(author, &told);
        }
    }

    /// Where the message `id` sent by `session` (on this connection, or on another of its
    /// device's) is in the memory; refused (and `None`) when the room does not have it or someone
    /// else sent it.
    fn authored(&mut self, session: SessionId, id: u64) -> Option<usize> {
        let Some(at) = self.message_at(id) else {
            let refused = self.no_such_message(id);
            self.send_to(session, &refused);
            return None;
        };
        let me = self.author(session);
        let mine = self.authors.get(&id).is_some_and(|author| {
            author.session == session || (author.device.is_some() && author.device == me.device)
        });
        if !mine {
            let text = self.settings.lang.tr("error-not-yours");
            self.send_to(session, &ServerMsg::error(ErrorCode::NotYours, text));
            return None;
        }
        Some(at)
    }

    /// The room message `id` as it is now, to react to: in the memory, or recalled from the
    /// store.
    fn message_mut(&mut self, id: u64) -> Option<&mut Chat> {
        match self.message_at(id) {
            Some(at) => match &mut self.history[at] {
                ServerMsg::Message(chat) => Some(chat),
                _ => None,
            },
            None => self.recalled.get_mut(&id),
        }
    }

    /// True when the room has the message `id` to change: in its memory, or recalled.
    pub fn remembers(&self, id: u64) -> bool {
        self.message_at(id).is_some() || self.recalled.contains_key(&id)
    }

    /// Keeps `chat`, one of this room's messages older than its memory as the store has it (read
    /// off the lock by the session that reacts to it), for changes from now on: a copy already
    /// recalled is newer and stays. At most [`RECALLED`], the oldest let go.
    pub fn recall(&mut self, chat: Chat) {
        if self.remembers(chat.id) {
            return;
        }
        self.recalled.insert(chat.id, chat);
        while self.recalled.len() > RECALLED {
            self.recalled.pop_first();
        }
    }

    /// Where the room message `id` is in the memory.
    fn message_at(&self, id: u64) -> Option<usize> {
        self.history
            .iter()
            .position(|m| matches!(m, ServerMsg::Message(Chat { id: found, .. }) if *found == id))
    }

    /// The error for a message `id` the room can't change or quote.
    fn no_such_message(&self, id: u64) -> ServerMsg {
        let lang = self.settings.lang;
        ServerMsg::error(
            ErrorCode::NoSuchMessage,
            tr!(lang, "error-no-such-message", id = id),
        )
    }
}
