//! The app's contact with the room on screen: what the connection was made with (reused to
//! reconnect), the live connection, the reconnect machine, how far it is protected, the labels of
//! the requests it is to answer, and why the last attempt failed. It is the one place that says
//! whether the room is live ([`Contact::live`]); the owners around it ask it instead of checking
//! the connection and the reconnect state again.

use std::time::Instant;

use super::asked::Asked;
use super::reconnect::{Backoff, Reconnect};
use crate::EventSink;
use crate::client::{self, ClientEvent, ConnectParams, Connection, Security};
use crate::i18n::Lang;
use crate::protocol::Wire;
use crate::tr;
use crate::ui::trust::Protection;

/// The connection to the room on screen, and its state.
pub(super) struct Contact {
    /// What the current or last connection was for; reused to reconnect.
    pub(super) params: Option<ConnectParams>,
    conn: Option<Connection>,
    next_conn_id: u64,
    /// Where the connection stands, and its back-off (a pure state machine).
    pub(super) reconnect: Reconnect,
    /// How far the connection is protected, once connected.
    pub(super) security: Option<Security>,
    /// The labels of the requests the room is to answer on this connection.
    pub(super) asked: Asked,
    /// Why the last attempt to reconnect failed, while waiting to try again.
    pub(super) failure: Option<String>,
    /// The last connection error, in words, shown under the connect form.
    pub(super) error: Option<String>,
    /// Why a moderator took this person off the host (a kick or a ban), as the host said it:
    /// the connection that ends next is not tried again on its own.
    pub(super) removed: Option<String>,
    /// The moderators' password typed (`/oper`), kept in memory only: asked for again when the
    /// host confirms it, so that a reconnection keeps this person a moderator.
    pub(super) oper: Option<String>,
    /// Whether the host confirmed `oper` (else it is not given again).
    pub(super) oper_confirmed: bool,
}

impl Contact {
    /// No connection yet; reconnecting waits `backoff`.
    pub(super) fn new(backoff: Backoff) -> Self {
        Self {
            params: None,
            conn: None,
            next_conn_id: 1,
            reconnect: Reconnect::new(backoff),
            security: None,
            asked: Asked::default(),
            failure: None,
            error: None,
            removed: None,
            oper: None,
            oper_confirmed: false,
        }
    }

    /// True when `id` is the connection on screen (events from one let go are dropped).
    pub(super) fn is_current(&self, id: u64) -> bool {
        self.conn.as_ref().map(Connection::id) == Some(id)
    }

    /// True when the connection speaks JSON (pages, searches and the outbox need it).
    pub(super) fn speaks_json(&self) -> bool {
        self.wire() == Some(Wire::Json)
    }

    /// The dialect of the connection on screen.
    pub(super) fn wire(&self) -> Option<Wire> {
        self.params.as_ref().map(|p| p.dialect)
    }

    /// The connection to the room on screen, while it is in the room.
    pub(super) fn live(&self) -> Option<&Connection> {
        self.conn.as_ref().filter(|_| self.reconnect.is_connected())
    }

    /// [`Contact::live`], for what only a Coucou (JSON) room takes: pages, searches, typing,
    /// presence, files.
    pub(super) fn live_json(&self) -> Option<&Connection> {
        self.live().filter(|_| self.speaks_json())
    }

    /// The connection, live or still being made (what is sent on it waits for the room).
    pub(super) fn connection(&self) -> Option<&Connection> {
        self.conn.as_ref()
    }

    /// Connects with `params` (again, when `reconnecting`); its events come through `events`.
    pub(super) fn start(
        &mut self,
        params: ConnectParams,
        reconnecting: bool,
        events: EventSink<ClientEvent>,
        lang: Lang,
    ) {
        self.conn = None;
        let id = self.next_conn_id;
        self.next_conn_id += 1;
        let target = format!("{}:{}", params.host, params.port);
        let same_host = self
            .params
            .as_ref()
            .is_some_and(|p| p.host == params.host && p.port == params.port);
        if !same_host {
            // The moderators' password is this host's: never given to another.
            self.oper = None;
            self.oper_confirmed = false;
        }
        match client::connect(id, params.clone(), events) {
            Ok(conn) => {
                self.conn = Some(conn);
                self.reconnect.connecting(target, reconnecting);
            }
            Err(err) => {
                self.reconnect.idle();
                let error = err.to_string();
                self.error = Some(tr!(lang, "could-not-start", error = error));
            }
        }
        self.params = Some(params);
    }

    /// The connection is gone, or let go: nothing is awaited from it.
    pub(super) fn lost(&mut self) {
        self.conn = None;
    }

    /// Lets the connection go and stops trying again.
    pub(super) fn stop(&mut self) {
        self.conn = None;
        self.reconnect.idle();
    }

    /// Says goodbye to the room and stops trying again.
    pub(super) fn quit(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.quit();
        }
        self.reconnect.idle();
        self.failure = None;
    }

    /// What the reconnect machine says is due at `now`: an attempt, or a wake-up for the countdown.
    pub(super) fn due(&self, now: Instant) -> super::reconnect::Due {
        self.reconnect.due(now)
    }

    /// `host:port` of the room connected to (or last tried), empty when none.
    pub(super) fn target(&self) -> String {
        self.params
            .as_ref()
            .map(|p| format!("{}:{}", p.host, p.port))
            .unwrap_or_default()
    }

    /// How far the conversation on screen is protected.
    pub(super) fn protection(&self) -> Protection {
        match self.security {
            Some(Security {
                verified_by_password: true,
                ..
            }) => Protection::VerifiedByPassword,
            Some(Security {
                fingerprint: Some(_),
                ..
            }) => Protection::TrustedOnFirstUse,
            _ => Protection::NotEncrypted,
        }
    }
}
