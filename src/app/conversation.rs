//! The life of the conversation on screen: connecting, what a connection reports (the welcome,
//! messages, failures, the loss), reconnecting, leaving, sending what was typed, and notifying.

use std::time::Instant;

use super::asked::Asked;
use super::notify::Notice;
use super::{AppEvent, CoucouApp};
use crate::client::transfer::TransferFailure;
use crate::client::{
    self, ClientEvent, ConnectError, ConnectParams, Connection, Security, Trouble,
};
use crate::model::settings::NotifyChoice;
use crate::model::{ChatModel, Direction, EntryKind, TransferStatus};
use crate::protocol::Wire;
use crate::protocol::{Command, ErrorCode, ServerMsg, command, now_ms};
use crate::tr;
use crate::ui::messages::ListLayout;
use crate::ui::search::SearchPanel;

impl CoucouApp {
    pub(super) fn on_event(&mut self, event: ClientEvent) {
        let current = self.conn.as_ref().map(Connection::id);
        let conn = match &event {
            ClientEvent::Connected { conn, .. }
            | ClientEvent::Message { conn, .. }
            | ClientEvent::Line { conn, .. }
            | ClientEvent::Failed { conn, .. }
            | ClientEvent::Closed { conn, .. } => *conn,
        };
        if current != Some(conn) {
            return; // From a connection we already let go.
        }
        match event {
            ClientEvent::Connected {
                welcome, security, ..
            } => self.on_connected(welcome, security),
            ClientEvent::Message {
                msg:
                    ServerMsg::Results {
                        text,
                        results,
                        label,
                    },
                ..
            } => self.on_results(text, results, label),
            ClientEvent::Message { msg, .. } if self.on_file_answer(&msg) => {}
            ClientEvent::Message { msg, .. } => {
                if let ServerMsg::Error {
                    label: Some(label), ..
                } = &msg
                {
                    self.on_refused(*label);
                }
                self.keep_in_journal(&msg);
                // A welcome replays history, a page is older still: nothing in them is news.
                let page = matches!(msg, ServerMsg::History { .. });
                let news = !page && !matches!(msg, ServerMsg::Welcome { .. });
                if let Some(chat) = &mut self.chat {
                    let before = chat.entries.len();
                    chat.apply(msg, now_ms());
                    let added = chat.entries.len() - before;
                    if news {
                        self.notify_from(before);
                    } else if page {
                        self.on_older_page(added);
                    }
                }
                self.maybe_recall();
            }
            ClientEvent::Line { text, .. } => {
                if let Some(chat) = &mut self.chat {
                    let before = chat.entries.len();
                    chat.apply_line(now_ms(), text);
                    self.notify_from(before);
                }
            }
            ClientEvent::Failed { error, .. } => self.on_failed(&error),
            ClientEvent::Closed { error, .. } => self.on_closed(error),
        }
    }

    pub(super) fn on_connected(&mut self, welcome: Option<ServerMsg>, security: Security) {
        self.security = Some(security);
        if let Some(fingerprint) = security.fingerprint
            && self.params.as_ref().is_some_and(|p| p.pin.is_none())
        {
            // No pin, yet let in: the password verified the host. Trust it from now on.
            self.pin_host(fingerprint);
        }
        let reconnecting = self.reconnect.is_reconnecting();
        self.reconnect.connected();
        self.connect_error = None;
        self.offline = None;
        self.reconnect_failure = None;
        let Some(params) = self.params.clone() else {
            return;
        };
        let fresh = !reconnecting || self.chat.is_none();
        if fresh {
            self.close_conversation();
            let room = format!("{}:{}", params.host, params.port);
            self.composer.input = self.drafts.remove(&room).unwrap_or_default();
            self.chat_key.clone_from(&room);
            let mut chat = ChatModel::new(room, params.name.clone());
            chat.lang = self.lang();
            self.chat = Some(chat);
            self.layout = ListLayout::default();
            self.search = SearchPanel::default();
            self.pending_jump = None;
        }
        if let Some(welcome) = &welcome {
            self.keep_in_journal(welcome);
        }
        // Requests sent on the connection before are never answered: offers go again, and the
        // downloads that waited for a ticket stop, to be retried.
        let echoed = matches!(&welcome, Some(ServerMsg::Welcome { labels: true, .. }));
        self.asked = Asked::connected(echoed);
        let unanswered = self.transfers.connection_lost();
        // Away before the connection was lost: the room forgot it, so it is said again.
        let mut away_again = None;
        if let Some(chat) = &mut self.chat {
            let was_away = chat.away_of(&chat.me).cloned();
            if reconnecting {
                chat.push_local(now_ms(), EntryKind::Notice(chat.lang.tr("reconnected")));
            }
            chat.loading_older = false;
            for file in unanswered {
                let cut = TransferStatus::Failed(TransferFailure::Cut);
                chat.set_transfer(file, Direction::Down, cut);
            }
            if let Some(welcome) = welcome {
                chat.apply(welcome, now_ms());
            }
            if chat.away_of(&chat.me).is_none() {
                away_again = was_away;
            }
        }
        if let Some(note) = away_again {
            self.send_presence(Command::Away {
                reason: note.reason,
                auto: note.auto,
            });
        }
        if fresh {
            self.mark_last_visit();
            if self.speaks_json() {
                self.recall_privates();
            }
        }
        self.recall_outbox();
        self.send_outbox();
        self.offer_next();
        self.maybe_recall();
        self.composer.focus = true;
    }

    pub(super) fn on_failed(&mut self, error: &ConnectError) {
        self.conn = None;
        let reconnecting = self.reconnect.is_reconnecting();
        let question = match error {
            ConnectError::Untrusted { fingerprint } => {
                self.dialogs.trust = Some(*fingerprint);
                true
            }
            ConnectError::PinMismatch { pinned, presented } => {
                self.dialogs.warn_pin_mismatch(*pinned, *presented);
                true
            }
            _ => false,
        };
        if question {
            // Never retried on its own: the person answers first.
            self.reconnect.idle();
            if self.offline.is_none() {
                let why = error.describe(self.lang());
                self.went_offline(why);
            }
            return;
        }
        // Back too soon, the room may still hold our name for the connection it has not yet
        // seen go: that is worth another try, as a network failure is.
        let still_ours = matches!(
            error,
            ConnectError::Refused {
                code: ErrorCode::NameTaken,
                ..
            }
        );
        if reconnecting && (still_ours || !matches!(error, ConnectError::Refused { .. })) {
            self.schedule_reconnect(&error.describe(self.lang()));
            return;
        }
        self.reconnect.idle();
        if reconnecting && self.chat.is_some() {
            // The conversation stays, offline, with why; the person may rejoin or close it.
            let why = error.describe(self.lang());
            self.went_offline(tr!(self.lang(), "could-not-rejoin", error = why));
            return;
        }
        self.chat = None;
        let lang = self.lang();
        self.connect_error = Some(if error.is_name_problem() {
            tr!(lang, "change-username", error = error.describe(lang))
        } else {
            error.describe(lang)
        });
    }

    pub(super) fn on_closed(&mut self, trouble: Option<Trouble>) {
        self.conn = None;
        match trouble.map(|trouble| trouble.describe(self.lang())) {
            None => {
                self.reconnect.idle();
                if self.offline.is_none() {
                    self.went_offline(self.lang().tr("disconnected"));
                }
            }
            Some(error) if self.chat.is_some() => self.schedule_reconnect(&error),
            Some(error) => {
                self.reconnect.idle();
                self.connect_error = Some(error);
            }
        }
    }

    /// Waits before the next attempt. The conversation gets one line when the connection is lost,
    /// not one per failed attempt: the toolbar shows the countdown and the last failure.
    pub(super) fn schedule_reconnect(&mut self, why: &str) {
        let (_, first) = self.reconnect.lost(Instant::now());
        self.reconnect_failure = Some(why.to_owned());
        if let Some(chat) = &mut self.chat {
            // Who is here is not known while away; the welcome on return tells again.
            chat.people.clear();
            if first {
                chat.push_local(
                    now_ms(),
                    EntryKind::Error(tr!(chat.lang, "connection-lost", why = why)),
                );
            }
        }
    }

    pub(super) fn start_connection(&mut self, params: ConnectParams, reconnecting: bool) {
        self.conn = None;
        let id = self.next_conn_id;
        self.next_conn_id += 1;
        let target = format!("{}:{}", params.host, params.port);
        match client::connect(id, params.clone(), self.sink(AppEvent::Client)) {
            Ok(conn) => {
                self.conn = Some(conn);
                self.reconnect.connecting(target, reconnecting);
            }
            Err(err) => {
                self.reconnect.idle();
                let error = err.to_string();
                self.connect_error = Some(tr!(self.lang(), "could-not-start", error = error));
            }
        }
        self.params = Some(params);
    }

    /// Leaves the room on purpose: says goodbye and lets the connection close. The conversation
    /// stays on screen, read-only, until it is closed or rejoined.
    pub(super) fn leave(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.quit();
        }
        self.reconnect.idle();
        self.reconnect_failure = None;
        if self.offline.is_none() {
            self.went_offline(self.lang().tr("you-left"));
        }
    }

    /// The conversation on screen is not live any more, for `why` (nothing when there is none):
    /// it stays to be read, and nobody is listed in it, since who is there is no longer known.
    pub(super) fn went_offline(&mut self, why: String) {
        let Some(chat) = &mut self.chat else { return };
        chat.people.clear();
        chat.away.clear();
        self.offline = Some(why);
    }

    /// Puts the conversation on screen away, keeping its unsent draft for its room.
    pub(super) fn close_conversation(&mut self) {
        self.remember_visit();
        self.transfers.close();
        if self.chat.take().is_some() {
            let draft = std::mem::take(&mut self.composer.input);
            if !draft.is_empty() {
                self.drafts
                    .insert(std::mem::take(&mut self.chat_key), draft);
            }
        }
        self.composer.recall = None;
        self.offline = None;
    }

    pub(super) fn send(&mut self, text: String) {
        // The message itself tells the others the typing is over.
        self.presence.sent();
        let parsed = command::parse(&text);
        if let Ok(command @ (Command::Say(_) | Command::Me(_) | Command::Msg { .. })) = &parsed
            && self.send_kept(command.clone())
        {
            return;
        }
        if let (Ok(Command::Help), true) = (&parsed, self.speaks_json()) {
            // The app reads the commands itself: its own list, in the person's language (the
            // room's would be in the room's).
            let help = command::help(self.lang());
            self.push_to_chat(EntryKind::Notice(help));
            return;
        }
        if let Ok(Command::Search(words)) = parsed {
            if self.speaks_json() {
                self.search.open = true;
                self.search.query.clone_from(&words);
            }
            self.search(words);
            return;
        }
        // The fields apart (not `live()`): the conversation is written to while sending.
        let Some(conn) = self.conn.as_ref().filter(|_| self.reconnect.is_connected()) else {
            let why = match self.chat.as_ref().map(|c| c.outbox.len()) {
                Some(n) if n >= crate::model::chat::OUTBOX_MAX => {
                    tr!(self.lang(), "not-sent-outbox-full", count = n)
                }
                _ => self.lang().tr("not-sent-offline"),
            };
            self.push_to_chat(EntryKind::Error(why));
            return;
        };
        let wire = self.params.as_ref().map(|p| p.dialect);
        match parsed {
            Ok(Command::Quit) => self.leave(),
            _ if wire == Some(Wire::Classic) => {
                // The classic server does not echo: show the line as the others will see it.
                if let Some(chat) = &mut self.chat {
                    let line = format!("{}: {text}", chat.me);
                    chat.apply_line(now_ms(), line);
                }
                conn.send_line(text);
            }
            _ if wire == Some(Wire::Plain) => conn.send_line(text),
            Ok(command) => conn.send(command),
            Err(err) => {
                if let Some(chat) = &mut self.chat {
                    chat.push_local(now_ms(), EntryKind::Error(err.describe(chat.lang)));
                }
            }
        }
    }

    /// Notifies about the entries from `first` on that call for it (see [`NotifyChoice`]), while the
    /// window is in the background; and asks for the window's attention (urgency hint).
    pub(super) fn notify_from(&mut self, first: usize) {
        let choice = self.settings.notifications;
        if self.focused || choice == NotifyChoice::Off {
            return;
        }
        let Some(chat) = &self.chat else { return };
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
            self.wants_attention = true;
            if let Some(notifier) = &self.notifier {
                notifier.0.notify(notice);
            }
        }
    }
}
