//! The conversation on screen, as a value: its model, why it is not live, which room it is (for
//! its draft), the drafts of the rooms not on screen, where its list is scrolled, the input line,
//! the search panel and the search result being fetched; and which of its new entries call for a
//! desktop notice.

use std::collections::HashMap;

use eframe::egui;

use super::notify::Notice;
use crate::i18n::{Lang, Said};
use crate::model::settings::{NotifyChoice, Settings};
use crate::model::{ChatModel, EntryKind};
use crate::protocol::message::AwayNote;
use crate::protocol::now_ms;
use crate::tr;
use crate::ui::Action;
use crate::ui::chat::{ChatStatus, Composer, chat_ui};
use crate::ui::messages::ListLayout;
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
    /// A search result to show once the older pages that hold it have come.
    pub(super) pending_jump: Option<u64>,
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
    }

    /// Shows `model` with nothing behind it (previews, snapshot tests, the view's benchmark).
    pub(super) fn show(&mut self, model: ChatModel) {
        self.chat = Some(model);
        self.layout = ListLayout::default();
    }

    /// Puts the conversation away, keeping its unsent draft for its room.
    pub(super) fn close(&mut self) {
        if self.chat.take().is_some() {
            let draft = std::mem::take(&mut self.composer.input);
            if !draft.is_empty() {
                self.drafts.insert(std::mem::take(&mut self.key), draft);
            }
        }
        self.composer.recall = None;
        self.offline = None;
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
        self.offline = Some(why);
    }

    /// This person's away note, while away.
    pub(super) fn away(&self) -> Option<&AwayNote> {
        self.chat.as_ref().and_then(|c| c.away_of(&c.me))
    }

    /// Draws the conversation, if one is open: `connected` says whether its room is live (else it
    /// is getting back in), `protection` its badge.
    pub(super) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        connected: bool,
        protection: Protection,
    ) -> Option<Action> {
        let chat = self.chat.as_ref()?;
        let why = self.offline.as_ref().map(|why| why.in_lang(chat.lang));
        let status = match (&why, connected) {
            (Some(why), _) => ChatStatus::Offline(why),
            (None, true) => ChatStatus::Live,
            (None, false) => ChatStatus::Reconnecting,
        };
        let (layout, composer, search) = (&mut self.layout, &mut self.composer, &mut self.search);
        chat_ui(ui, chat, layout, composer, search, status, protection)
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

    /// Remembers the newest message on screen as seen, for the next visit; true when that
    /// changed the settings.
    pub(super) fn remember_visit(&self, settings: &mut Settings) -> bool {
        let Some(time) = self.chat.as_ref().and_then(ChatModel::last_seen_time) else {
            return false;
        };
        // TOML keeps signed 64-bit integers: a time from a server far in the future must not
        // make the settings unsavable.
        let time = time.min(i64::MAX as u64);
        settings.last_visit.insert(self.key.clone(), time) != Some(time)
    }

    /// The desktop notices the entries from `first` on call for (see [`NotifyChoice`]).
    pub(super) fn notices_from(&self, first: usize, choice: NotifyChoice) -> Vec<Notice> {
        let Some(chat) = &self.chat else {
            return Vec::new();
        };
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
                },
                EntryKind::Chat {
                    from,
                    text,
                    own: false,
                    action,
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
                },
                EntryKind::Plain(text) if entry.mention || choice == NotifyChoice::All => Notice {
                    title: chat.room.clone(),
                    body: text.clone(),
                    open: chat.lang.tr("notify-open"),
                },
                _ => continue,
            };
            notices.push(notice);
        }
        notices
    }
}
