//! The messages of the JSON dialect, and how each server message reads in the plain dialect.
//!
//! One JSON object per line, tagged by `"type"`. Every message is documented with an example in
//! `PROTOCOL.md`; the tests below keep those examples true.

use serde::{Deserialize, Serialize};

use super::name::NameError;

/// The JSON dialect's version; a hello with another version is refused.
pub const PROTOCOL_VERSION: u32 = 1;

/// What a JSON client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// The first line: who I am and which version I speak.
    Hello {
        /// Must be [`PROTOCOL_VERSION`].
        version: u32,
        /// The name to take in the room.
        name: String,
    },
    /// A message for the room, taken literally (no slash commands).
    Say {
        /// The text.
        text: String,
    },
    /// An action (`/me`).
    Me {
        /// What the person does.
        text: String,
    },
    /// A private message.
    Msg {
        /// The recipient's name.
        to: String,
        /// The text.
        text: String,
    },
    /// A change of name.
    Nick {
        /// The new name.
        name: String,
    },
    /// Asks for the user list.
    Who,
    /// Asks for the command list.
    Help,
    /// Leaves the room.
    Quit,
}

/// What the server sends; the same values are rendered as text for plain clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// The answer to a hello that was accepted.
    Welcome {
        /// The server's [`PROTOCOL_VERSION`].
        version: u32,
        /// The room's name.
        room: String,
        /// Your name, as the server holds it (canonical form).
        you: String,
        /// Everyone in the room, you included.
        users: Vec<String>,
        /// The message of the day, if the server has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        motd: Option<String>,
        /// The last messages of the room, oldest first.
        history: Vec<ServerMsg>,
        /// The largest message the server accepts, in bytes of UTF-8.
        max_message_bytes: usize,
    },
    /// A message for the room.
    Message(Chat),
    /// A private message; sent to its sender and its recipient only.
    Private {
        /// Server-assigned id, unique and increasing.
        id: u64,
        /// When the server received it, in milliseconds since the Unix epoch.
        time: u64,
        /// Who sent it.
        from: String,
        /// Who it is for.
        to: String,
        /// The text.
        text: String,
    },
    /// Someone joined.
    Join {
        /// Server-assigned id.
        id: u64,
        /// Milliseconds since the Unix epoch.
        time: u64,
        /// The newcomer's name.
        name: String,
    },
    /// Someone left.
    Leave {
        /// Server-assigned id.
        id: u64,
        /// Milliseconds since the Unix epoch.
        time: u64,
        /// The name of who left.
        name: String,
        /// Why.
        reason: LeaveReason,
    },
    /// Someone changed their name.
    Rename {
        /// Server-assigned id.
        id: u64,
        /// Milliseconds since the Unix epoch.
        time: u64,
        /// The name before.
        old: String,
        /// The name now.
        new: String,
    },
    /// Everyone in the room (the answer to `who`).
    Users {
        /// The names, sorted.
        users: Vec<String>,
    },
    /// Something the server says: a greeting, the help text, a shutdown.
    Notice {
        /// Server-assigned id when the notice is part of the room's history.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        /// Milliseconds since the Unix epoch.
        time: u64,
        /// The text; may hold several lines.
        text: String,
    },
    /// Something went wrong with what you sent.
    Error {
        /// What went wrong, for programs.
        code: ErrorCode,
        /// What went wrong, for people.
        message: String,
    },
}

/// A message for the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// Server-assigned id, unique and increasing.
    pub id: u64,
    /// When the server received it, in milliseconds since the Unix epoch.
    pub time: u64,
    /// Who sent it.
    pub from: String,
    /// The text, cleaned of controls and escapes.
    pub text: String,
    /// True for an action (`/me waves`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub action: bool,
}

/// Why someone left the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    /// They said `exit` or `/quit`.
    Quit,
    /// Their connection closed or broke.
    Disconnected,
    /// They stopped reading and their outgoing queue overflowed.
    TooSlow,
}

/// Machine-readable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The name has too few characters.
    NameTooShort,
    /// The name has too many characters.
    NameTooLong,
    /// The name holds a character that names can't have.
    NameBadChar,
    /// The name mixes scripts.
    NameMixedScripts,
    /// The name is reserved.
    NameReserved,
    /// The name, or one that looks the same, is in use.
    NameTaken,
    /// The room has as many people as it allows; the connection is closed.
    RoomFull,
    /// Too many connections are waiting to give a name; the connection is closed.
    TooManyPending,
    /// No name came in time; the connection is closed.
    HandshakeTimeout,
    /// The message is over the size limit and was not sent.
    TooLong,
    /// Too many messages too fast; this one was not sent.
    Flood,
    /// No such command.
    UnknownCommand,
    /// A command with missing or wrong arguments.
    BadUsage,
    /// The recipient of a private message is not here.
    NoSuchUser,
    /// The line is not a message of this protocol.
    Malformed,
    /// The hello's version is not one this server speaks; the connection is closed.
    UnsupportedVersion,
    /// A code this program does not know (from a newer server).
    #[serde(other)]
    Other,
}

impl From<&NameError> for ErrorCode {
    fn from(err: &NameError) -> Self {
        match err {
            NameError::TooShort => Self::NameTooShort,
            NameError::TooLong => Self::NameTooLong,
            NameError::BadChar(_) => Self::NameBadChar,
            NameError::MixedScripts => Self::NameMixedScripts,
            NameError::Reserved => Self::NameReserved,
            NameError::Taken { .. } => Self::NameTaken,
        }
    }
}

impl ServerMsg {
    /// An error message for one client.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Error {
            code,
            message: message.into(),
        }
    }

    /// The message as one JSON line, `\n` included.
    pub fn to_json_line(&self) -> Vec<u8> {
        // Serializing these plain types can't fail: no maps with non-string keys, no I/O.
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }

    /// The message as plain-dialect text: one or more lines, each ending in `\n`.
    pub fn to_plain_text(&self) -> String {
        let mut out = String::new();
        self.write_plain(&mut out);
        out
    }

    fn write_plain(&self, out: &mut String) {
        use std::fmt::Write as _;
        // Writing to a String can't fail.
        let _ = match self {
            Self::Welcome {
                room,
                you,
                users,
                motd,
                history,
                ..
            } => {
                let _ = writeln!(out, "* Welcome to {room}, {you}!");
                let _ = writeln!(out, "* {}", here_line(users));
                if let Some(motd) = motd {
                    for line in motd.lines() {
                        let _ = writeln!(out, "* {line}");
                    }
                }
                if !history.is_empty() {
                    let _ = writeln!(out, "* Recent messages:");
                    for msg in history {
                        msg.write_plain(out);
                    }
                }
                writeln!(out, "* Type /help for commands, exit to leave.")
            }
            Self::Message(chat) if chat.action => writeln!(out, "* {} {}", chat.from, chat.text),
            Self::Message(chat) => writeln!(out, "{}: {}", chat.from, chat.text),
            Self::Private { from, to, text, .. } => {
                writeln!(out, "[private] {from} -> {to}: {text}")
            }
            Self::Join { name, .. } => writeln!(out, "* {name} joined the room"),
            Self::Leave { name, reason, .. } => match reason {
                LeaveReason::Quit => writeln!(out, "* {name} left the room"),
                LeaveReason::Disconnected => {
                    writeln!(out, "* {name} left the room (connection closed)")
                }
                LeaveReason::TooSlow => writeln!(
                    out,
                    "* {name} was disconnected (not reading messages fast enough)"
                ),
            },
            Self::Rename { old, new, .. } => writeln!(out, "* {old} is now known as {new}"),
            Self::Users { users } => writeln!(out, "* {}", here_line(users)),
            Self::Notice { text, .. } => {
                for line in text.lines() {
                    let _ = writeln!(out, "* {line}");
                }
                Ok(())
            }
            Self::Error { message, .. } => writeln!(out, "! {message}"),
        };
    }
}

/// "3 people here: a, b, c".
fn here_line(users: &[String]) -> String {
    format!(
        "{} here: {}",
        super::people_count(users.len()),
        users.join(", ")
    )
}

/// Why a JSON line could not be read.
#[derive(Debug)]
pub struct DecodeError(serde_json::Error);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a valid message: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Reads one JSON line from a client.
pub fn decode_client(line: &[u8]) -> Result<ClientMsg, DecodeError> {
    serde_json::from_slice(line).map_err(DecodeError)
}

/// Reads one JSON line from a server.
pub fn decode_server(line: &[u8]) -> Result<ServerMsg, DecodeError> {
    serde_json::from_slice(line).map_err(DecodeError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_read_as_documented() {
        let hello = decode_client(br#"{"type":"hello","version":1,"name":"alice"}"#);
        assert_eq!(
            hello.ok(),
            Some(ClientMsg::Hello {
                version: 1,
                name: "alice".into()
            })
        );
        assert_eq!(
            decode_client(br#"{"type":"who"}"#).ok(),
            Some(ClientMsg::Who)
        );
        assert!(decode_client(br#"{"type":"say"}"#).is_err());
        assert!(decode_client(br#"{"type":"say","text":"x","extra":1}"#).is_err());
        assert!(decode_client(b"\xff{").is_err());
    }

    #[test]
    fn server_messages_encode_as_documented() {
        let msg = ServerMsg::Message(Chat {
            id: 7,
            time: 1_700_000_000_000,
            from: "alice".into(),
            text: "hi".into(),
            action: false,
        });
        assert_eq!(
            String::from_utf8_lossy(&msg.to_json_line()),
            "{\"type\":\"message\",\"id\":7,\"time\":1700000000000,\"from\":\"alice\",\"text\":\"hi\"}\n"
        );
        assert_eq!(msg.to_plain_text(), "alice: hi\n");
        let err = ServerMsg::error(ErrorCode::NameTaken, "taken");
        assert_eq!(
            String::from_utf8_lossy(&err.to_json_line()),
            "{\"type\":\"error\",\"code\":\"name_taken\",\"message\":\"taken\"}\n"
        );
        assert_eq!(err.to_plain_text(), "! taken\n");
    }

    #[test]
    fn unknown_error_codes_from_newer_servers_still_decode() {
        let msg = decode_server(br#"{"type":"error","code":"brand_new","message":"m"}"#);
        assert_eq!(msg.ok(), Some(ServerMsg::error(ErrorCode::Other, "m")));
    }
}
