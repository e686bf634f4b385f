//! The wire format: framing, cleaning, names, commands and messages. Pure code, no sockets.
//!
//! Two dialects share one port. The first line a client sends decides: a JSON object
//! `{"type":"hello",…}` starts the JSON dialect (see `PROTOCOL.md`); anything else is a name, and the
//! session speaks plain text lines as the seed's C chat did.

pub mod change;
pub mod command;
pub mod device;
pub mod frame;
pub mod http;
pub mod message;
pub mod name;
pub mod password;
mod plain;
pub mod ruling;
pub mod sanitize;
pub mod search;
pub mod sha_id;
pub mod websocket;

pub use command::{Command, CommandError};
pub use frame::{Frame, LineFramer};
pub use message::{Chat, ClientMsg, ErrorCode, LeaveReason, PROTOCOL_VERSION, ServerMsg};
pub use name::{NameError, NameKey};

/// The port Coucou listens on, as the seed did.
pub const DEFAULT_PORT: u16 = 4444;
/// The largest message, in bytes of UTF-8: the seed's buffer size.
pub const MAX_MESSAGE_BYTES: usize = 2048;
/// The largest JSON line: a message of [`MAX_MESSAGE_BYTES`] with room for escaping and fields.
pub const MAX_JSON_LINE_BYTES: usize = 16 * 1024;
/// How many people a room holds by default, as the seed did.
pub const DEFAULT_MAX_PEOPLE: usize = 100;

/// Which dialect a session speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// Lines of text: nc, telnet, the seed's C client.
    Plain,
    /// Newline-delimited JSON: the Coucou app.
    Json,
    /// The JSON dialect over a WebSocket, one message per text frame: the web page.
    Web,
}

impl Dialect {
    /// True for the dialects that speak the JSON messages (the app's lines, the page's frames).
    pub fn is_json(self) -> bool {
        matches!(self, Self::Json | Self::Web)
    }

    /// `msg` as this dialect sends it: a plain line in `lang`, a JSON line, or that line as one
    /// text frame; a JSON message names `room` (a named room's) when given.
    pub fn encode(self, msg: &ServerMsg, lang: crate::i18n::Lang, room: Option<&str>) -> Vec<u8> {
        match self {
            Self::Plain => msg.to_plain_text(lang).into_bytes(),
            Self::Json => msg.to_json_line_in(room),
            Self::Web => websocket::text_frame(&msg.to_json_line_in(room)),
        }
    }
}

/// How the app talks to a server: one of the server's two dialects, or the seed's classic C server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wire {
    /// JSON, for Coucou servers.
    #[default]
    Json,
    /// Text lines, for nc-style servers (and Coucou's plain dialect).
    Plain,
    /// The seed's classic C server: the name as one 32-byte NUL-padded block, each message in its
    /// own write as `name: text`, and whatever one read brings shown as a line (its messages may
    /// not end in a newline). It does not echo your lines: the app shows them itself.
    Classic,
}

impl Wire {
    /// The server dialect this speaks.
    pub fn dialect(self) -> Dialect {
        match self {
            Self::Json => Dialect::Json,
            Self::Plain | Self::Classic => Dialect::Plain,
        }
    }
}

/// Tells the dialect from a client's first line.
pub fn detect_dialect(first_line: &[u8]) -> Dialect {
    if first_line.trim_ascii_start().starts_with(b"{") {
        Dialect::Json
    } else {
        Dialect::Plain
    }
}

/// "1 person", "3 people" (or "1 personne", "3 personnes"): how a count of people reads
/// everywhere.
pub fn people_count(n: usize, lang: crate::i18n::Lang) -> String {
    crate::tr!(lang, "people-count", count = n)
}

/// `time` (milliseconds since the Unix epoch) as `2026-12-02 10:03 UTC`: how the server writes a
/// time for plain clients, whose time zone it does not know.
pub fn utc_minute(time: u64) -> String {
    i64::try_from(time)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(
            || "?".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
}

/// Milliseconds since the Unix epoch: the `time` of messages.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
