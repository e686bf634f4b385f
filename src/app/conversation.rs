//! The conversation on screen, as a value: its model, why it is not live, which room it is (for
//! its draft), the drafts of the rooms not on screen, where its list is scrolled, the input line,
//! the search panel and the search result being fetched; which of its new entries call for a
//! desktop notice; the host's named rooms joined; and which of the room's direct conversations or
//! named rooms is on screen, with what has been seen of each.

use std::collections::{BTreeMap, HashMap};

use eframe::egui;

use super::notify::Notice;
use crate::i18n::{Lang, Said};
use crate::model::direct::{DirectSummary, direct_with, directs, newest_key, room_news_after};
use crate::model::rooms::HostRooms;
use crate::model::settings::{NotifyChoice, Settings};
use crate::model::{ChatModel, EntryKind};
use crate::protocol::message::AwayNote;
use crate::protocol::{command, now_ms};
use crate::tr;
use crate::ui::Action;
use crate::ui::chat::{Around, ChatStatus, Composer, Showing, chat_ui};
use crate::ui::messages::ListLayout;
use crate::ui::moderation::{Rank, RulesPanel};
use crate::ui::pictures::PictureView;
use crate::ui::search::SearchPanel;
use crate::ui::trust::Protection;

/// The conversation on screen: while in a room, and after leaving it until it is closed.
#[derive(Default)]
pub(super) struct Conversation {
    /// Its model; `None` when no conversation is on screen (the connect form is).
    pub(super) chat: Option<ChatModel>,
    /// Why it is not live (left, closed, not reconnecting); `None` while in the room or getting
    /// back into it.
    pub(super) offline: Option<Said>,
    /// Which room it is (`host:port`), for its draft, this computer's log and the last visit.
    pub(super) key: String,
    /// Unsent drafts of the conversations not on screen, by room (`host:port`).
    drafts: HashMap<String, String>,
    /// Where the list of messages is scrolled, and the entry highlighted.
    pub(super) layout: ListLayout,
    /// The input line.
    pub(super) composer: Composer,
    /// The search panel (Ctrl+F).
    pub(super) search: SearchPanel,
    /// The bans and mutes panel (a moderator's).
    pub(super) rules: RulesPanel,
    /// A search result to show once the older pages that hold it have come.
    pub(super) pending_jump: Option<u64>,
    /// The room, or which of its direct conversations, is on screen.
    pub(super) showing: Showing,
    /// Per person, the key of the newest entry with them seen on screen (their unread count
    /// starts after it).
    seen_directs: BTreeMap<String, u64>,
    /// Where each direct conversation's list is scrolled.
    direct_layouts: HashMap<String, ListLayout>,
    /// The drafts of the room and its direct conversations not on screen.
    view_drafts: HashMap<Showing, String>,
    /// The column's direct conversations and the one on screen, as last worked out.
    directs: DirectsMade,
    /// The host's named rooms: listed, and joined.
    pub(super) rooms: HostRooms,
    /// Whether this person is one of the host's moderators on the connection now (the host said
    /// so after `/oper`): the people list and its Moderation menu offer what they may do.
    pub(super) moderator: bool,
    /// Whether they are one of the host's owners too (the host said so with `moderator`): the
    /// people list offers to make someone a moderator, or one no more.
    pub(super) owner: bool,
    /// A preview's rank (previews and snapshot tests): the conversation is drawn as a live one in
    /// which this person may do what that rank may, with no connection behind it.
    pub(super) preview_rank: Option<Rank>,
    /// Where each named room's list is scrolled.
    room_layouts: HashMap<String, ListLayout>,
}

/// The room's direct conversations as the column shows them, and the one on screen: worked out
/// again only when the room's entries or what is on screen change, not at every frame (in a room of
/// 100,000 messages, reading them out takes 0.4 ms and building a conversation 2.6 ms).
#[derive(Default)]
struct DirectsMade {
    /// How many entries the room had, and what was on screen, when they were made.
    from: Option<(usize, Showing)>,
    /// Each person's conversation, newest first, with their unread counts.
    list: Vec<DirectSummary>,
    /// The conversation on screen, when it is a direct one.
    shown: Option<ChatModel>,
    /// The key of the room's newest entry when the room was last on screen.
    room_seen: u64,
    /// Messages that came to the room since, and whether one names you.
    room_news: (usize, bool),
}

impl DirectsMade {
    /// Works them out again if `room` has new entries or `showing` changed; what is on screen
    /// counts as seen.
    fn refresh(&mut self, room: &ChatModel, showing: &Showing, seen: &mut BTreeMap<String, u64>) {
        let from = (room.entries.len(), showing.clone());
        if self.from.as_ref() == Some(&from) {
            return;
        }
        if let Showing::Direct(peer) = showing
            && let Some(key) = newest_key(room, peer)
        {
            seen.insert(peer.clone(), key);
        }
        if *showing == Showing::Room {
            self.room_seen = room.entries.last().map_or(0, |e| e.key);
        }
        self.room_news = room_news_after(room, self.room_seen);
        self.list = directs(room, seen);
        self.shown = None;
        if let Showing::Direct(peer) = showing {
            if !self.list.iter().any(|d| d.peer == *peer) {
                // Just opened: nothing said yet.
                self.list.insert(
                    0,
                    DirectSummary {
                        peer: peer.clone(),
                        unread: 0,
                    },
                );
            }
            self.shown = Some(direct_with(room, peer));
        }
        self.from = Some(from);
    }
}

impl Conversation {
    /// Opens a fresh conversation in `room` (`host:port`) as `name`, with the draft left there.
    pub(super) fn open(&mut self, room: String, name: String, lang: Lang) {
        self.composer.input = self.drafts.remove(&room).unwrap_or_default();
        self.key.clone_from(&room);
        let mut chat = ChatModel::new(room, name);
        chat.lang = lang;
        self.chat = Some(chat);
        self.layout = ListLayout::default();
        self.search = SearchPanel::default();
        self.pending_jump = None;
        self.showing = Showing::Room;
        self.seen_directs.clear();
        self.direct_layouts.clear();
        self.view_drafts.clear();
        self.directs = DirectsMade::default();
        self.rooms = HostRooms::default();
        self.room_layouts.clear();
    }

    /// Shows the room, one of its direct conversations or one of the host's named rooms; each keeps
    /// its own draft.
    pub(super) fn show_in_room(&mut self, showing: Showing) {
        if showing != self.showing {
            // Results are the messages of the room searched: not to be shown over another.
            let named = |s: &Showing| matches!(s, Showing::Named(_));
            if named(&showing) || named(&self.showing) {
                self.search.results = None;
                self.search.asked = None;
            }
            let draft = std::mem::take(&mut self.composer.input);
            // A reply or an edit is about a message of the conversation left.
            self.composer.aside = None;
            let before = std::mem::replace(&mut self.showing, showing);
            if !draft.is_empty() {
                self.view_drafts.insert(before, draft);
            }
            self.composer.input = self.view_drafts.remove(&self.showing).unwrap_or_default();
            self.composer.recall = None;
        }
        self.composer.focus = true;
    }

    /// Shows `model` with nothing behind it (previews, snapshot tests, the view's benchmark).
    pub(super) fn show(&mut self, model: ChatModel) {
        self.chat = Some(model);
        self.layout = ListLayout::default();
        self.directs = DirectsMade::default();
    }

    /// Puts the conversation away, keeping its unsent draft for its room.
    pub(super) fn close(&mut self) {
        self.rooms = HostRooms::default();
        self.room_layouts.clear();
        if self.showing != Showing::Room {
            // The draft on screen belongs to a named room or a person: not the room's.
            self.composer.input.clear();
            self.showing = Showing::Room;
        }
        if self.chat.take().is_some() {
            let draft = std::mem::take(&mut self.composer.input);
            if !draft.is_empty() {
                self.drafts.insert(std::mem::take(&mut self.key), draft);
            }
        }
        self.composer.recall = None;
        self.offline = None;
        self.preview_rank = None;
    }

    /// True while the conversation on screen is in its room (or getting back into it).
    pub(super) fn is_live(&self) -> bool {
        self.chat.is_some() && self.offline.is_none()
    }

    /// Adds a line of the app's own (a notice, an error) to the conversation, if one is open.
    pub(super) fn push(&mut self, kind: EntryKind) {
        if let Some(chat) = &mut self.chat {
            chat.push_local(now_ms(), kind);
        }
    }

    /// `/help` typed in a Coucou room: the app reads the commands itself, its own list in the
    /// person's language (the room's would be in the room's), and what this person may do as a
    /// moderator where they are; in the conversation on screen.
    pub(super) fn help(&mut self, lang: Lang) {
        let more = match self.rank() {
            Rank::Everyone => None,
            Rank::Room => Some(command::room_moderator_help(lang)),
            Rank::Host | Rank::Owner => Some(command::moderator_help(lang)),
        };
        if let Some(chat) = self.chat_on_screen_mut() {
            let now = now_ms();
            chat.push_local(now, EntryKind::Notice(command::help(lang)));
            if let Some(more) = more {
                chat.push_local(now, EntryKind::Notice(more));
            }
        }
    }

    /// Adds a line of the app's own that follows a change of language: a notice, or an error if
    /// `error`.
    pub(super) fn say(&mut self, said: Said, error: bool) {
        if let Some(chat) = &mut self.chat {
            chat.push_said(now_ms(), said, error);
        }
    }

    /// The conversation is not live any more, for `why`: it stays to be read, and nobody is
    /// listed in it, since who is there is no longer known.
    pub(super) fn went_offline(&mut self, why: Said) {
        let Some(chat) = &mut self.chat else { return };
        chat.people.clear();
        chat.away.clear();
        self.rooms.went_offline();
        self.offline = Some(why);
    }

    /// How many names one person ignores at most, as the host keeps them.
    const MAX_IGNORED: usize = 100;

    /// Ignores `names` (the settings' list for this host, at most [`Self::MAX_IGNORED`]) in
    /// every room of the host: the room, its named rooms, and those joined later.
    pub(super) fn set_ignoring(&mut self, names: &[String]) {
        let names: Vec<String> = names.iter().take(Self::MAX_IGNORED).cloned().collect();
        if let Some(chat) = &mut self.chat {
            chat.ignoring.clone_from(&names);
        }
        for room in self.rooms.joined.values_mut() {
            room.chat.ignoring.clone_from(&names);
        }
        self.rooms.ignoring = names;
    }

    /// What this person may do as a moderator in the room on screen (nothing while offline).
    fn rank(&self) -> Rank {
        if let Some(rank) = self.preview_rank {
            return rank;
        }
        let room_only = || {
            self.named_on_screen()
                .is_some_and(|room| self.rooms.moderating.contains(room))
        };
        match (self.owner, self.moderator) {
            _ if self.offline.is_some() => Rank::Everyone,
            (true, _) => Rank::Owner,
            (false, true) => Rank::Host,
            _ if room_only() => Rank::Room,
            _ => Rank::Everyone,
        }
    }

    /// The named room on screen, if one is.
    pub(super) fn named_on_screen(&self) -> Option<&str> {
        match &self.showing {
            Showing::Named(name) => Some(name),
            _ => None,
        }
    }

    /// The conversation on screen's model: the default room's (also behind a direct
    /// conversation), or a named room's.
    pub(super) fn chat_on_screen(&self) -> Option<&ChatModel> {
        match &self.showing {
            Showing::Named(name) => self.rooms.chat(name),
            _ => self.chat.as_ref(),
        }
    }

    /// The conversation on screen's model, to change it.
    pub(super) fn chat_on_screen_mut(&mut self) -> Option<&mut ChatModel> {
        match &self.showing {
            Showing::Named(name) => self.rooms.chat_mut(name),
            _ => self.chat.as_mut(),
        }
    }

    /// Where the list of the room `room` names is scrolled (`None`: the default room).
    pub(super) fn layout_in(&mut self, room: Option<&str>) -> &mut ListLayout {
        match room {
            Some(name) => self.room_layouts.entry(name.to_owned()).or_default(),
            None => &mut self.layout,
        }
    }

    /// A moderator cleared the history of the room (`None`) or of the named room `room`: what it
    /// said goes from its conversation, whose rows are laid out afresh.
    pub(super) fn cleared(&mut self, room: Option<&str>) {
        let chat = match room {
            Some(name) => self.rooms.chat_mut(name),
            None => self.chat.as_mut(),
        };
        if let Some(chat) = chat {
            chat.apply(crate::protocol::ServerMsg::Cleared {}, now_ms());
            *self.layout_in(room) = ListLayout::default();
        }
    }

    /// Left the named room `name`: the default room comes on screen if it was.
    pub(super) fn parted(&mut self, name: &str) {
        self.rooms.parted(name);
        self.room_layouts.remove(name);
        self.view_drafts.remove(&Showing::Named(name.to_owned()));
        if self.named_on_screen() == Some(name) {
            self.showing = Showing::Room;
            self.composer.input.clear();
            self.show_in_room(Showing::Room);
        }
    }

    /// This person's away note, while away.
    pub(super) fn away(&self) -> Option<&AwayNote> {
        self.chat.as_ref().and_then(|c| c.away_of(&c.me))
    }

    /// Draws the conversation, if one is open: `connected` says whether its room is live (else it
    /// is getting back in), `protection` its badge, `hosted_on` where this app hosts it (empty
    /// when it does not), `pictures` the thumbnails of its pictures. A direct conversation is
    /// drawn from the room's private messages with that person.
    pub(super) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        connected: bool,
        (protection, hosted_on, pictures): (Protection, &[std::net::SocketAddr], &PictureView),
    ) -> Option<Action> {
        let chat = self.chat.as_ref()?;
        let connected = connected || self.preview_rank.is_some();
        if let Showing::Named(name) = &self.showing {
            if self.rooms.chat(name).is_none() {
                // Left, or the host said so: the default room instead.
                self.showing = Showing::Room;
            } else {
                self.rooms.seen(name);
            }
        }
        let why = self.offline.as_ref().map(|why| why.in_lang(chat.lang));
        let status = match (&why, connected) {
            (Some(why), _) => ChatStatus::Offline(why),
            (None, true) => ChatStatus::Live,
            (None, false) => ChatStatus::Reconnecting,
        };
        self.directs
            .refresh(chat, &self.showing, &mut self.seen_directs);
        let rooms = self.rooms.summaries();
        let others: Vec<_> = self.rooms.others().collect();
        let around = Around {
            protection,
            room: &chat.room,
            room_news: self.directs.room_news,
            directs: &self.directs.list,
            showing: &self.showing,
            rooms: &rooms,
            // A host with one room looks as it always did.
            others: (chat.has_rooms && self.rooms.listed.len() > 1).then_some(others.as_slice()),
            topic: self.rooms.topic_of(self.named_on_screen()),
            hosted_on,
            rank: self.rank(),
            pictures,
            rules: self.rules.open.then_some(&self.rules),
        };
        let (composer, search) = (&mut self.composer, &mut self.search);
        match (&self.showing, &mut self.directs.shown) {
            (Showing::Named(name), _) => {
                let layout = self.room_layouts.entry(name.clone()).or_default();
                let named = self.rooms.chat(name)?;
                chat_ui(ui, named, layout, composer, search, status, around)
            }
            (Showing::Direct(peer), Some(direct)) => {
                // What changes without a new entry: who is here and away, the language.
                direct.people.clone_from(&chat.people);
                direct.away.clone_from(&chat.away);
                direct.lang = chat.lang;
                let layout = self.direct_layouts.entry(peer.clone()).or_default();
                chat_ui(ui, direct, layout, composer, search, status, around)
            }
            _ => chat_ui(ui, chat, &mut self.layout, composer, search, status, around),
        }
    }

    /// The room's id of the message highlighted after a click on a search result.
    pub(super) fn jumped_to(&self) -> Option<u64> {
        let index = self.layout.highlight?;
        self.chat.as_ref()?.entries.get(index)?.id
    }

    /// Marks what came since the app last showed this room.
    pub(super) fn mark_last_visit(&mut self, settings: &Settings) {
        let Some(chat) = &mut self.chat else { return };
        if let Some(&time) = settings.last_visit.get(&self.key) {
            chat.mark_last_visit(time);
        }
    }

    /// Marks what came to the named room `name` since the app last showed it (on a visit before).
    pub(super) fn mark_named_visit(&mut self, name: &str, settings: &Settings) {
        if let Some(&time) = settings.last_visit.get(&self.named_key(name)) {
            self.rooms.mark_last_visit(name, time);
        }
    }

    /// Where this computer keeps what is the named room `name`'s on this host: its log and its
    /// last visit (`host:port#name`).
    pub(super) fn named_key(&self, name: &str) -> String {
        format!("{}#{name}", self.key)
    }

    /// Remembers the newest message of the room and of each named room joined as seen, for the
    /// next visit; true when that changed the settings.
    pub(super) fn remember_visit(&self, settings: &mut Settings) -> bool {
        let named = self
            .rooms
            .joined
            .iter()
            .map(|(name, room)| (self.named_key(name), Some(&room.chat)));
        let mut changed = false;
        for (key, chat) in std::iter::once((self.key.clone(), self.chat.as_ref())).chain(named) {
            let Some(time) = chat.and_then(ChatModel::last_seen_time) else {
                continue;
            };
            // TOML keeps signed 64-bit integers: a time from a server far in the future must not
            // make the settings unsavable.
            let time = time.min(i64::MAX as u64);
            changed |= settings.last_visit.insert(key, time) != Some(time);
        }
        changed
    }

    /// The desktop notices the entries from `first` on call for (see [`NotifyChoice`]).
    /// `room` names the named room they came to (`None`: the default room), which the title says.
    pub(super) fn notices_from(
        &self,
        room: Option<&str>,
        first: usize,
        choice: NotifyChoice,
    ) -> Vec<Notice> {
        let chat = match room {
            Some(name) => self.rooms.chat(name),
            None => self.chat.as_ref(),
        };
        let Some(chat) = chat else {
            return Vec::new();
        };
        let opens = room.map_or(Showing::Room, |name| Showing::Named(name.to_owned()));
        let mut notices = Vec::new();
        for entry in chat.entries.iter().skip(first) {
            let notice = match &entry.kind {
                EntryKind::Private {
                    from,
                    text,
                    own: false,
                    ..
                } => Notice {
                    title: tr!(chat.lang, "notify-private-title", name = from.as_str()),
                    body: text.clone(),
                    open: chat.lang.tr("notify-open"),
                    opens: Showing::Direct(from.clone()),
                },
                EntryKind::Chat {
                    from,
                    text,
                    own: false,
                    action,
                    ..
                } if entry.mention || choice == NotifyChoice::All => Notice {
                    title: tr!(
                        chat.lang,
                        "notify-room-title",
                        name = from.as_str(),
                        room = chat.room.as_str()
                    ),
                    body: if *action {
                        format!("{from} {text}")
                    } else {
                        text.clone()
                    },
                    open: chat.lang.tr("notify-open"),
                    opens: opens.clone(),
                },
                EntryKind::Plain(text) if entry.mention || choice == NotifyChoice::All => Notice {
                    title: chat.room.clone(),
                    body: text.clone(),
                    open: chat.lang.tr("notify-open"),
                    opens: opens.clone(),
                },
                _ => continue,
            };
            notices.push(notice);
        }
        notices
    }
}
