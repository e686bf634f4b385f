//! The messages of the JSON dialect, and how each server message reads in the plain dialect.
//!
//! One JSON object per line, tagged by `"type"`. Every message is documented with an example in
//! `PROTOCOL.md`; the tests below keep those examples true.
//!
//! In the plain dialect the server speaks with one voice that no user can imitate: its notices
//! start with [`NOTICE_PREFIX`] (`*** `), which no chat line (`name: text`), action (`* name text`),
//! private message (`[private] …`) or error (`! …`) can start with, because a name holds only
//! letters, digits and `_-.`, and text holds no line breaks.

use serde::{Deserialize, Serialize};

use super::change::{self, Quote, Reacted, Reaction};
use super::device::DeviceProof;
use super::name::NameError;
use super::sanitize::clean_text;

/// The JSON dialect's version; a hello with another version is refused.
pub const PROTOCOL_VERSION: u32 = 1;

/// How every server notice starts in the plain dialect.
pub const NOTICE_PREFIX: &str = "*** ";

/// What a JSON client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// The first line: who I am and which version I speak.
    Hello {
        /// Must be [`PROTOCOL_VERSION`]. Any JSON number is read; one that is not a `u32` (too
        /// large, negative, fractional) reads as `u32::MAX`, so it is refused as a version.
        #[serde(deserialize_with = "any_version")]
        version: u32,
        /// The name to take in the room.
        name: String,
        /// The app's device, proved for this TLS session (see [`DeviceProof`]); only over TLS,
        /// and only to a host that chose [`super::device::ALPN`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device: Option<DeviceProof>,
    },
    /// A message for the room, taken literally (no slash commands).
    Say {
        /// The text.
        text: String,
        /// The sender's own id for it (see [`Cid`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cid: Option<Cid>,
    },
    /// An action (`/me`).
    Me {
        /// What the person does.
        text: String,
        /// The sender's own id for it (see [`Cid`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cid: Option<Cid>,
    },
    /// A private message.
    Msg {
        /// The recipient's name.
        to: String,
        /// The text.
        text: String,
        /// The sender's own id for it (see [`Cid`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cid: Option<Cid>,
    },
    /// Asks for older messages of the room: at most `limit` (capped by the server) with ids below
    /// `before` (the newest when absent), answered with [`ServerMsg::History`].
    History {
        /// Only messages with smaller ids.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<u64>,
        /// How many at most.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
        /// The client's own label for this request, echoed by the answer (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// Asks for the asker's own private messages (sent or received), those the host kept since
    /// it knew their app's device: at most `limit` (capped by the server) with ids below `before`
    /// (the newest when absent), answered with [`ServerMsg::Privates`]. Refused to a connection
    /// that proved no device (a terminal, an older app).
    Privates {
        /// Only messages with smaller ids (of the private messages' sequence).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<u64>,
        /// How many at most.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
        /// The client's own label for this request, echoed by the answer (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// The person is typing (`active`), or stopped; the others who speak JSON are told. Sent at
    /// most every few seconds while typing: the others forget it after [`TYPING_LASTS_MS`].
    Typing {
        /// Typing now, or not any more.
        active: bool,
    },
    /// Searches the room's history for messages holding every word of `text` (case and accents
    /// ignored), answered with [`ServerMsg::Results`].
    Search {
        /// The words.
        text: String,
        /// How many results at most (capped by the server).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
        /// The client's own label for this request, echoed by the answer (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// A change of name.
    Nick {
        /// The new name.
        name: String,
    },
    /// Marks the person away, with a reason or none; the others are told, and someone who sends
    /// them a private message gets the reason back, once.
    Away {
        /// Why (at most [`MAX_AWAY_BYTES`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// True when the app did it after a while without input.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        auto: bool,
    },
    /// Back from away.
    Back {},
    /// Offers a file to the room, or to one person (`to`): its name, size and SHA-256 (hex). The
    /// host answers [`ServerMsg::Ready`] with a token to upload it with, on a connection of its own.
    Offer {
        /// The file's name (cleaned by the host).
        name: String,
        /// Its size in bytes.
        size: u64,
        /// Its SHA-256, 64 hex digits.
        sha256: String,
        /// Who it is for; the whole room when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        /// The client's own label for this request, echoed by the answer (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// Asks for a file offered in the room (by its `file` id): answered with [`ServerMsg::Ticket`].
    Fetch {
        /// The file's id.
        file: u64,
        /// The client's own label for this request, echoed by the answer (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// The first line of a connection that uploads an offered file (never a chat connection):
    /// the host answers [`ServerMsg::Transfer`], then reads the bytes from its offset.
    Upload {
        /// The token from [`ServerMsg::Ready`].
        token: String,
    },
    /// The first line of a connection that downloads a file from `offset` (to resume): the host
    /// answers [`ServerMsg::Transfer`], then sends the bytes and closes.
    Download {
        /// The token from [`ServerMsg::Ticket`].
        token: String,
        /// Where to start, in bytes.
        #[serde(default)]
        offset: u64,
    },
    /// Asks for the list of people. (The empty braces make serde refuse unknown fields here too.)
    Who {},
    /// Asks for the command list.
    Help {},
    /// Leaves the room.
    Quit {},
    /// Asks for the host's rooms: answered with [`ServerMsg::Rooms`].
    Rooms {
        /// The client's own label for this request, echoed by the answer (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// Joins the room the line names in its `room` field ([`decode_client_in`]): answered with
    /// that room's welcome, tagged with its name.
    JoinRoom {},
    /// Leaves the room the line names in its `room` field (never the default room): answered
    /// with [`ServerMsg::Parted`].
    PartRoom {},
    /// Shows the room's topic (no `text`), or sets it (an empty `text` clears it); everyone in the
    /// room is told [`ServerMsg::Topic`].
    Topic {
        /// The new topic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// Asks to be one of the host's moderators with the password its owner set (over TLS only;
    /// a try of the address, as a room password is).
    Oper {
        /// The moderators' password.
        password: String,
    },
    /// A moderator's act (see [`Moderate`]).
    Moderate(Moderate),
    /// Stops showing this person what `name` says (`on`, the default), in the rooms and in
    /// private, or shows it again; without `name`, asks who they ignore. Their own screen only:
    /// nobody else is told.
    Ignore {
        /// Whom.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// Ignore (true) or no longer.
        #[serde(default = "yes")]
        on: bool,
    },
    /// A message for the room that answers the message `id` (the room quotes it).
    Reply {
        /// The id of the message answered.
        id: u64,
        /// The text.
        text: String,
        /// The sender's own id for it (see [`Cid`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cid: Option<Cid>,
    },
    /// Changes the text of your own message `id` (one you sent on this connection, still among
    /// the room's recent ones); everyone is sent [`ServerMsg::Edited`].
    Edit {
        /// The message's id.
        id: u64,
        /// Its new text.
        text: String,
    },
    /// Deletes your own message `id` (as for an edit): a tombstone takes its place for everyone.
    Delete {
        /// The message's id.
        id: u64,
    },
    /// This client reads [`ServerMsg::Edited`] and [`ServerMsg::Reacted`] (a client that never says
    /// so is not sent them: an app from before them would show a type it does not know as an
    /// error). Sent after a welcome that has `changes`.
    Changes {},
    /// Puts an emoji on the message `id` (`on`), or takes yours back; everyone is sent
    /// [`ServerMsg::Reacted`].
    React {
        /// The message's id.
        id: u64,
        /// The emoji (see [`change::is_valid_emoji`]).
        emoji: String,
        /// Put, or take back.
        #[serde(default = "yes")]
        on: bool,
    },
    /// The answer to the server's [`ServerMsg::Password`]: this end's SPAKE2 message and its
    /// proof, both in hex (see `protocol::password`).
    Password {
        /// This end's SPAKE2 message.
        msg: String,
        /// HMAC proving this end reached the shared secret.
        proof: String,
    },
    /// The room password as typed, from a web page over https, which can't prove it as the app
    /// does (a browser gives no TLS keying material to a page): the answer to a
    /// [`ServerMsg::Password`] whose salt and message are empty.
    TypedPassword {
        /// The password.
        text: String,
    },
    /// A line as a person typed it, slash and all (`/kick bob spam`, `/me waves`, `/oper …`), for
    /// the host to read as it reads a terminal's: how the web page gives every command without
    /// a parser of its own. The line's `room` is the room it concerns.
    Typed {
        /// The line.
        text: String,
    },
}

/// A moderator's ruling (`super::ruling::Ruling`) with its site's signature: what crosses the
/// broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed {
    /// The ruling's JSON, signed as these bytes.
    pub payload: String,
    /// The site's certificate (DER, hex): its SHA-256 is the site's room code.
    pub cert: String,
    /// The signature (ECDSA P-256 with SHA-256, ASN.1, hex) over `ruling::SIGNED_PREFIX` and
    /// the payload.
    pub sig: String,
}

/// `true`: what an absent `on` means.
fn yes() -> bool {
    true
}

/// True for `true`, which an `on` says by being absent.
fn is_yes(on: &bool) -> bool {
    *on
}

/// True for `0`, which a count says by being absent.
fn is_zero(count: &usize) -> bool {
    *count == 0
}

impl ClientMsg {
    /// The label of this request, if it is one that gets an answer and carries one.
    pub fn label(&self) -> Option<Label> {
        match self {
            Self::History { label, .. }
            | Self::Privates { label, .. }
            | Self::Search { label, .. }
            | Self::Offer { label, .. }
            | Self::Fetch { label, .. }
            | Self::Rooms { label } => *label,
            _ => None,
        }
    }
}

/// A client's own id for a message it sends, so that sending it again (after a lost connection)
/// never delivers it twice: 1 to [`MAX_CID_BYTES`] ASCII letters, digits, `-` or `_`.
pub type Cid = String;

/// How long a "typing" lasts for the others without a new one: a typist that vanishes is not
/// shown typing for ever. Clients send one every [`TYPING_EVERY_MS`] while typing.
pub const TYPING_LASTS_MS: u64 = 6_000;

/// How often a client says again that its person is still typing.
pub const TYPING_EVERY_MS: u64 = 3_000;

/// The longest away reason a server takes, in bytes of UTF-8.
pub const MAX_AWAY_BYTES: usize = 200;

/// Someone who is away, as the welcome and the list of people give them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwayNote {
    /// Who.
    pub name: String,
    /// Why, if they said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// True when their app marked them away after a while without input.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto: bool,
}

/// A client's own label for a request that gets an answer (`history`, `search`, `offer`,
/// `fetch`): the answer, or the error it gets, carries the same label, so a client with several
/// requests waiting knows which one each answer is for. Any number the client likes; a server
/// only echoes it.
pub type Label = u64;

/// The longest [`Cid`] a server takes.
pub const MAX_CID_BYTES: usize = 64;

/// True when `cid` has the form of a [`Cid`].
pub fn is_valid_cid(cid: &str) -> bool {
    (1..=MAX_CID_BYTES).contains(&cid.len())
        && cid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads a hello's version from any JSON number; see [`ClientMsg::Hello`].
fn any_version<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    Ok(number
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or(u32::MAX))
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
        /// Who of them is away.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        away: Vec<AwayNote>,
        /// Who of them is at another site of this linked room (absent: nobody).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        elsewhere: Vec<String>,
        /// The message of the day, if the server has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        motd: Option<String>,
        /// The last messages of the room, oldest first.
        history: Vec<ServerMsg>,
        /// The largest message the server accepts, in bytes of UTF-8.
        max_message_bytes: usize,
        /// True when the server echoes a request's [`Label`] in its answer: a client labels
        /// its requests only then (an older server refuses the field as unknown).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        labels: bool,
        /// True when the host has named rooms (`rooms`, `join_room`…): a client asks for them
        /// only then (an older server refuses the lines as unknown).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        rooms: bool,
        /// True when the host takes replies, edits, deletions and reactions and tells of them
        /// (`edited`, `reacted`) to clients that said `changes`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        changes: bool,
        /// True when the host answers a moderator's `rules` with the bans and mutes as a list
        /// (`rules`): an app asks for it only then (an older host refuses the act as unknown), and
        /// else asks for `bans`, answered in words.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        rules: bool,
    },
    /// A message for the room.
    Message(Chat),
    /// A message's text was changed by its author: the message as it is now (`edited`).
    Edited(Chat),
    /// A message taken back by its author, as a linked room's stream carries it between sites:
    /// each site puts its own tombstone in its place, and its clients get that (a `notice`).
    Unsaid {
        /// The message.
        id: u64,
        /// Its author, who took it back.
        from: String,
    },
    /// What a moderator decided, as a linked room's stream carries it between sites (signed by
    /// the site that made it; never sent to a client).
    Ruled(Signed),
    /// Someone put an emoji on a message, or took theirs back.
    Reacted(Reacted),
    /// A private message; sent to its sender and its recipient only.
    Private {
        /// Server-assigned id, unique and increasing among private messages; a sequence of its own,
        /// so private messages leave no gaps in the room's ids.
        id: u64,
        /// When the server received it, in milliseconds since the Unix epoch.
        time: u64,
        /// Who sent it.
        from: String,
        /// Who it is for.
        to: String,
        /// The text.
        text: String,
        /// The sender's own id for it, if it gave one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cid: Option<Cid>,
    },
    /// Someone joined.
    Join {
        /// Server-assigned id.
        id: u64,
        /// Milliseconds since the Unix epoch.
        time: u64,
        /// The newcomer's name.
        name: String,
        /// True when they came to another site of this linked room (set by the site that shows
        /// the join, whatever the stream said).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        elsewhere: bool,
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
    /// Everyone in the room (the answer to `who`). The welcome's list kept up to date with `join`,
    /// `leave` and `rename` gives the same names, so no client needs to ask.
    Users {
        /// The names, sorted.
        users: Vec<String>,
        /// Who of them is away.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        away: Vec<AwayNote>,
        /// Who of them is at another site of this linked room (absent: nobody).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        elsewhere: Vec<String>,
    },
    /// Someone is away now (JSON clients; a plain client is told only of its own). With `reply`,
    /// the answer to your private message to them, sent once per absence.
    Away {
        /// Who.
        name: String,
        /// Why, if they said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// True when their app marked them away after a while without input.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        auto: bool,
        /// True when this answers your private message to them.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        reply: bool,
    },
    /// Someone is back (JSON clients; a plain client is told only of its own return).
    Back {
        /// Who.
        name: String,
    },
    /// A file is offered: to the room (everyone, and newcomers in their welcome's history), or to
    /// one person (`to`: sent to them and to the sender only). Its bytes are fetched apart.
    File(FileOffer),
    /// The offer was accepted: upload the bytes with `token` on a connection of their own.
    Ready {
        /// The file's id.
        file: u64,
        /// The token for the upload connection.
        token: String,
        /// The label of the request this answers, when it gave one (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// The answer to [`ClientMsg::Fetch`]: download with `token` on a connection of its own.
    Ticket {
        /// The file's id.
        file: u64,
        /// The token for the download connection.
        token: String,
        /// The label of the request this answers, when it gave one (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// On an upload or download connection: the bytes go from `offset` to `size`.
    Transfer {
        /// The file's id.
        file: u64,
        /// Where the bytes start (what the host already has, for an upload).
        offset: u64,
        /// The file's size.
        size: u64,
    },
    /// On an upload connection: every byte arrived and the SHA-256 matched; the offer is out.
    Stored {
        /// The file's id.
        file: u64,
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
        /// The label of the request this answers, when it gave one (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
        /// The client's id of the message (`say`, `me`, `msg`) this refuses, when it gave one: it
        /// was not sent, and will not be (an app takes it out of its outbox).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cid: Option<Cid>,
    },
    /// The room has a password: prove you know it (answer with [`ClientMsg::Password`]); with an
    /// empty salt and message, type it (a terminal's next line, a web page's
    /// [`ClientMsg::TypedPassword`]). Sent only over TLS, after the hello.
    Password {
        /// The salt the host's key was made with, in hex.
        salt: String,
        /// The host's SPAKE2 message, in hex.
        msg: String,
    },
    /// Your proof was right; this is the host's, in hex. The welcome follows.
    Verified {
        /// HMAC proving the host reached the same secret.
        proof: String,
    },
    /// Someone is typing, or stopped (JSON clients only; never sent to the typist).
    Typing {
        /// Who.
        name: String,
        /// Typing now, or not any more.
        active: bool,
    },
    /// The answer to [`ClientMsg::History`]: older messages of the room, oldest first.
    History {
        /// The `before` that was asked for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<u64>,
        /// The messages (`message`, `join`, `leave`, `rename` and greeting `notice`), oldest first.
        messages: Vec<ServerMsg>,
        /// True when there are older ones still.
        more: bool,
        /// The label of the request this answers, when it gave one (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// The answer to [`ClientMsg::Privates`]: the asker's own private messages, oldest first.
    Privates {
        /// The `before` that was asked for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<u64>,
        /// The messages (each a `private`), oldest first.
        messages: Vec<ServerMsg>,
        /// True when there are older ones still.
        more: bool,
        /// The label of the request this answers, when it gave one (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// The answer to [`ClientMsg::Rooms`]: the host's rooms, the default room first.
    Rooms {
        /// The rooms.
        rooms: Vec<RoomInfo>,
        /// The label of the request this answers, when it gave one (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
    /// A room's topic: after its welcome when it has one (no `by`), and to everyone in it when
    /// someone changes it.
    Topic {
        /// Who set it just now; absent when this says what the topic is.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        /// The topic; empty when there is none.
        text: String,
    },
    /// The answer to [`ClientMsg::PartRoom`]: the person is out of the room (the line's `room`).
    Parted {},
    /// A moderator cleared the room's history (the line's `room`): every message of the room
    /// before this goes from the screen and the log (private messages stay).
    Cleared {},
    /// The answer to [`ClientMsg::Oper`]: you are one of the host's moderators until you leave
    /// (sent only to who asked, or to a device the host knows as a moderator when it joins);
    /// with `on` false, an owner's `deop` made you one no more.
    Moderator {
        /// You are one of the host's owners too: you may name moderators (`op`, `deop`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        owner: bool,
        /// A moderator (absent: true), or one no more.
        #[serde(default = "yes", skip_serializing_if = "is_yes")]
        on: bool,
    },
    /// A room was made on the host (by someone joining it, on a host that lets anyone make
    /// rooms, or by the host): told once to everyone on the host.
    RoomMade {
        /// Its name.
        name: String,
        /// Who made it; absent when the host did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// The answer to a moderator's [`Act::Rules`]: the bans, then the host's mutes, then the
    /// mutes of the named room it was asked in, each oldest first.
    Rules {
        /// The host's clock when it listed them (milliseconds since the Unix epoch): what each
        /// has left is its `until` less this, whatever the asker's clock says.
        time: u64,
        /// The rules, at most [`RULES_LISTED`] of each list.
        rules: Vec<ListedRule>,
        /// How many more hold than are listed.
        #[serde(default, skip_serializing_if = "is_zero")]
        more: usize,
    },
    /// The answer to [`ClientMsg::Search`]: the newest matching messages first.
    Results {
        /// The words that were searched for.
        text: String,
        /// What was found.
        results: Vec<Found>,
        /// The label of the request this answers, when it gave one (see [`Label`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<Label>,
    },
}

/// A moderator's act and whom it concerns ([`ClientMsg::Moderate`]; typed, `/kick`, `/ban`, …):
/// `name` is who (a name, or for `ban` and `unban` an address too), `minutes` how long a ban or mute
/// lasts (absent: until lifted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moderate {
    /// What to do.
    pub act: Act,
    /// Who: a name, or (to ban or unban) an address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How long a ban or a mute lasts; `None`: until lifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    /// Slow mode's gap between two messages of one person, in seconds (`0`: off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u32>,
    /// Classroom mode on (`true`) or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<bool>,
    /// The message to delete (its id in the room).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// Why, said in the room and kept in the moderation log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Moderate {
    /// An act that concerns nobody in particular (`bans`, `lock`, `unlock`, `log`, …).
    pub fn alone(act: Act) -> Self {
        Self {
            act,
            name: None,
            minutes: None,
            seconds: None,
            on: None,
            id: None,
            reason: None,
        }
    }
}

/// What a moderator does ([`ClientMsg::Moderate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    /// Takes a person off the host, with a reason.
    Kick,
    /// Takes a person off the host and keeps their name and address out (or a name alone, or an
    /// address alone), for `minutes` or until lifted.
    Ban,
    /// Lifts the ban on a name or an address.
    Unban,
    /// The bans, as a notice.
    Bans,
    /// The bans and mutes as a list ([`ServerMsg::Rules`]), for an app's panel (the host's
    /// moderators, as `bans`). Asked only of a host whose welcome said `rules`.
    Rules,
    /// Keeps a person from speaking, under any name, from their address too.
    Mute,
    /// Lifts a mute.
    Unmute,
    /// Only moderators speak in the room.
    Lock,
    /// Everyone speaks in the room again.
    Unlock,
    /// The newest lines of the moderation log, as a notice.
    Log,
    /// Slow mode in the room: one message per `seconds` per person (`0`: off).
    Slow,
    /// Classroom mode on the host (`on`): private messages and files only to or from moderators.
    Classroom,
    /// Takes a message (`id`) out of the room: a tombstone takes its place everywhere.
    Delete,
    /// Clears the room's history: every message of the room goes, from the history, the search
    /// and every app's screen and log (private messages stay).
    Clear,
    /// Makes the person (`name`) one of the host's moderators, now and, by their device, whenever
    /// they come back (the host's owners only).
    Op,
    /// Makes a moderator (`name`) one no more, their device too (the host's owners only).
    Deop,
    /// Between linked sites only, in a [`crate::protocol::ruling::Ruling`]: a moderator of the
    /// named room `room` muted the person (`name`) there, at another site. Never a client's (a
    /// host refuses it): a room's moderator types `/mute` in the room. A site of a version
    /// before it can't read such a ruling and drops it, rather than muting the person on its
    /// whole host, as it would a `mute` whose `room` it ignores.
    MuteRoom,
    /// Between linked sites only: a room's mute ([`Act::MuteRoom`]) lifted there.
    UnmuteRoom,
    /// Between linked sites only: a moderator of the named room `room` removed the person
    /// (`name`) from it, at another site (as [`Act::MuteRoom`], never a client's).
    KickRoom,
}

/// How many of each list (bans, the host's mutes, a room's mutes) [`ServerMsg::Rules`] holds at
/// most: past it, the answer says how many more there are.
pub const RULES_LISTED: usize = 100;

/// Whether a [`ListedRule`] keeps someone out or keeps them from speaking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Kept off the host (lifted by [`Act::Unban`]).
    Ban,
    /// Kept from speaking (lifted by [`Act::Unmute`], in the rule's room when it has one).
    Mute,
}

/// A ban or a mute, as [`ServerMsg::Rules`] lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedRule {
    /// A ban or a mute.
    pub kind: RuleKind,
    /// The named room whose own mute it is; absent: the whole host's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// The name as the person had it, or the address: what lifts it.
    pub name: String,
    /// The moderator who decided it.
    pub by: String,
    /// Why, if they said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it ends (milliseconds since the Unix epoch, the host's clock); absent: until lifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<u64>,
}

/// One of a host's rooms, as [`ServerMsg::Rooms`] lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    /// Its name; the default room's is the host's room name.
    pub name: String,
    /// True for the default room: the one a line without a `room` field concerns.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    /// Its topic, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// How many people are in it.
    pub people: usize,
    /// True when the asker is in it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub joined: bool,
    /// True when it has a password: joining it asks for it (over TLS only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protected: bool,
}

/// How many offers a client may have waiting for their bytes at once (a host refuses more with
/// `quota_full`, "upload them first"): an app queues the files past it.
pub const MAX_OFFERS_WAITING: usize = 4;

/// A file offered in the room, kept by the host until it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileOffer {
    /// The room's id for this event (a message id).
    pub id: u64,
    /// When it was offered, in milliseconds since the Unix epoch.
    pub time: u64,
    /// The file's id, to fetch it by.
    pub file: u64,
    /// Who offers it.
    pub from: String,
    /// Who it is for; the whole room when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The file's name, cleaned: no folders, controls or reserved names.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, 64 hex digits: the downloader checks it.
    pub sha256: String,
}

/// One search result: a message, and the messages just before and after it in the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    /// The message that holds the words; for a file found by its name, the offer said as a line
    /// (who offered it, its name), for whoever does not read `file`.
    pub message: Chat,
    /// The file offered to the room whose name holds the words, when the result is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileOffer>,
    /// The room's message just before it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Chat>,
    /// The room's message just after it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Chat>,
    /// The named room it was said in, in a search of every room the asker is in (`"room":"*"`);
    /// absent for the default room's, and in a search of one room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// When the result is one of the asker's own private messages (an app the host knows by its
    /// device): whom it was sent to. Its id is then of the private messages' own sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

impl Found {
    /// A result that is the room message `message`.
    pub fn message(message: Chat, before: Option<Chat>, after: Option<Chat>) -> Self {
        Self {
            message,
            file: None,
            before,
            after,
            room: None,
            to: None,
        }
    }

    /// A result that is the asker's own private message `message`, sent to `to`.
    pub fn private(message: Chat, to: String) -> Self {
        Self {
            to: Some(to),
            ..Self::message(message, None, None)
        }
    }

    /// A result that is the file `offer`, found by its name.
    pub fn file(offer: FileOffer, before: Option<Chat>, after: Option<Chat>) -> Self {
        Self {
            message: Chat {
                id: offer.id,
                time: offer.time,
                from: offer.from.clone(),
                text: offer.name.clone(),
                action: false,
                cid: None,
                ..Default::default()
            },
            file: Some(offer),
            before,
            after,
            room: None,
            to: None,
        }
    }

    /// The result, said in the named room `room` (a search of every room the asker is in).
    #[must_use]
    pub fn in_room(mut self, room: Option<String>) -> Self {
        self.room = room;
        self
    }
}

impl Chat {
    /// Cleans its sender's name and its text (see [`ServerMsg::cleaned`]).
    fn clean(&mut self) {
        clean(&mut self.from);
        clean(&mut self.text);
        if let Some(quote) = &mut self.reply {
            quote.from.iter_mut().for_each(clean);
            quote.text.iter_mut().for_each(clean);
        }
        clean_reactions(&mut self.reactions);
    }
}

/// Cleans reactions' names, and drops an emoji that is not one ([`change::is_valid_emoji`]).
fn clean_reactions(reactions: &mut Vec<Reaction>) {
    reactions.retain(|r| change::is_valid_emoji(&r.emoji));
    for reaction in reactions {
        reaction.names.iter_mut().for_each(clean);
    }
}

impl FileOffer {
    /// Cleans its names (see [`ServerMsg::cleaned`]).
    fn clean(&mut self) {
        clean(&mut self.from);
        self.to.iter_mut().for_each(clean);
        clean(&mut self.name);
    }
}

impl AwayNote {
    /// Cleans the name and the reason (see [`ServerMsg::cleaned`]).
    fn clean(&mut self) {
        clean(&mut self.name);
        self.reason.iter_mut().for_each(clean);
    }
}

/// Cleans `text` in place ([`clean_text`]).
fn clean(text: &mut String) {
    *text = clean_text(text);
}

/// `text` cleaned line by line ([`clean_text`]), its lines and their indentation kept.
fn clean_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let indent: String = line.chars().take_while(|c| *c == ' ').collect();
            indent + &clean_text(line)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A message for the room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The sender's own id for it, if it gave one: the sender knows its message arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<Cid>,
    /// The message it answers, quoted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Quote>,
    /// True once its author changed its text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub edited: bool,
    /// The emoji on it, and who put them there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
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
    /// The name has no letter or digit.
    NameNoLetter,
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
    /// The message shows nothing once invisible characters are removed; it was not sent.
    Empty,
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
    /// The room takes only encrypted connections (or has a password, which needs one); the
    /// connection is closed.
    TlsRequired,
    /// The password proof failed: a wrong password, or someone in the middle; the connection is
    /// closed.
    WrongPassword,
    /// Too many wrong passwords from this address lately; the connection is closed.
    TooManyAttempts,
    /// The room's history can't be read right now (its file is busy or broken); the chat goes on.
    Unavailable,
    /// The file is over the host's size limit; nothing was kept.
    FileTooLarge,
    /// The host's room for files is full; the offer was refused.
    QuotaFull,
    /// No such file here (never offered, expired, or not for you).
    NoSuchFile,
    /// The bytes did not match the offer (more than announced, or another SHA-256); nothing was kept.
    BadFile,
    /// The host has no room of that name.
    NoSuchRoom,
    /// The person is not in the room the line names.
    NotInRoom,
    /// The person is in that room already.
    AlreadyInRoom,
    /// The person is in as many rooms as a host lets anyone be.
    TooManyRooms,
    /// Nobody leaves the default room but by quitting.
    DefaultRoom,
    /// The host holds as many rooms as it may: no more can be made.
    RoomsFull,
    /// The room has a password: a terminal types it after the room's name, an app answers the
    /// `password` the host sends (over TLS only).
    PasswordRequired,
    /// The person was removed from the host by a moderator; the connection is closed.
    Kicked,
    /// The name or the address is banned from the host; the connection is closed.
    Banned,
    /// A moderator keeps the person, or everyone but moderators in this room, from speaking.
    Muted,
    /// Only a moderator may do that.
    NotModerator,
    /// No such message in the room (or not one the room still has in memory).
    NoSuchMessage,
    /// Only the message's author may do that (from the connection that sent it, or from the
    /// same device).
    NotYours,
    /// A message takes a few different emoji per person, and so many in all.
    TooManyReactions,
    /// The hello's device proof is malformed, is not the key's own over this TLS session, or came
    /// in clear; the connection is closed.
    BadDevice,
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
            NameError::NoLetter => Self::NameNoLetter,
            NameError::Reserved => Self::NameReserved,
            NameError::Taken { .. } | NameError::Kept { .. } => Self::NameTaken,
        }
    }
}

impl ServerMsg {
    /// Its id in the room's sequence: a message, a join, a leave, a rename, a kept notice, a file
    /// offered to the room (what a room's history holds is known by it).
    pub fn room_id(&self) -> Option<u64> {
        match self {
            Self::Message(chat) => Some(chat.id),
            Self::Join { id, .. } | Self::Leave { id, .. } | Self::Rename { id, .. } => Some(*id),
            Self::Notice { id, .. } => *id,
            Self::File(offer) if offer.to.is_none() => Some(offer.id),
            _ => None,
        }
    }

    /// The message with every text a person reads cleaned ([`clean_text`]: escapes, controls,
    /// bidi controls and invisible characters out; each line of a notice or an error apart), as a
    /// Coucou room cleans what it relays. The app reads every room's message through it: a hostile
    /// host gets no further than a room's own members. Ids, tokens and hashes are left alone.
    #[must_use]
    pub fn cleaned(mut self) -> Self {
        self.clean();
        self
    }

    /// Cleans the message in place (see [`ServerMsg::cleaned`]).
    fn clean(&mut self) {
        match self {
            Self::Welcome {
                room,
                you,
                users,
                away,
                elsewhere,
                motd,
                history,
                ..
            } => {
                clean(room);
                clean(you);
                users.iter_mut().chain(elsewhere).for_each(clean);
                away.iter_mut().for_each(AwayNote::clean);
                if let Some(motd) = motd {
                    *motd = clean_lines(motd);
                }
                history.iter_mut().for_each(Self::clean);
            }
            Self::Message(chat) | Self::Edited(chat) => chat.clean(),
            Self::Reacted(reacted) => {
                [&mut reacted.from, &mut reacted.name]
                    .into_iter()
                    .for_each(clean);
                clean_reactions(&mut reacted.reactions);
                if !change::is_valid_emoji(&reacted.emoji) {
                    reacted.emoji = "?".to_owned();
                }
            }
            Self::Private { from, to, text, .. } => [from, to, text].into_iter().for_each(clean),
            Self::Join { name, .. }
            | Self::Leave { name, .. }
            | Self::Back { name }
            | Self::Typing { name, .. } => clean(name),
            Self::Rename { old, new, .. } => [old, new].into_iter().for_each(clean),
            Self::Users {
                users,
                away,
                elsewhere,
            } => {
                users.iter_mut().chain(elsewhere).for_each(clean);
                away.iter_mut().for_each(AwayNote::clean);
            }
            Self::Away { name, reason, .. } => {
                clean(name);
                reason.iter_mut().for_each(clean);
            }
            Self::File(offer) => offer.clean(),
            Self::Notice { text, .. } | Self::Error { message: text, .. } => {
                *text = clean_lines(text)
            }
            Self::History { messages, .. } | Self::Privates { messages, .. } => {
                messages.iter_mut().for_each(Self::clean);
            }
            Self::Results { text, results, .. } => {
                clean(text);
                for found in results {
                    found.room.iter_mut().for_each(clean);
                    found.to.iter_mut().for_each(clean);
                    found.message.clean();
                    found.file.iter_mut().for_each(FileOffer::clean);
                    found.before.iter_mut().for_each(Chat::clean);
                    found.after.iter_mut().for_each(Chat::clean);
                }
            }
            Self::Rooms { rooms, .. } => {
                for room in rooms {
                    clean(&mut room.name);
                    room.topic.iter_mut().for_each(clean);
                }
            }
            Self::Topic { by, text } => {
                by.iter_mut().for_each(clean);
                clean(text);
            }
            Self::RoomMade { name, by } => {
                clean(name);
                by.iter_mut().for_each(clean);
            }
            Self::Unsaid { from, .. } => clean(from),
            Self::Rules { rules, .. } => {
                for rule in rules {
                    [&mut rule.name, &mut rule.by].into_iter().for_each(clean);
                    rule.room.iter_mut().for_each(clean);
                    rule.reason.iter_mut().for_each(clean);
                }
            }
            // Checked (signature, then every field) by the site that reads it.
            Self::Ruled(_) => {}
            Self::Ready { .. }
            | Self::Ticket { .. }
            | Self::Transfer { .. }
            | Self::Stored { .. }
            | Self::Password { .. }
            | Self::Verified { .. }
            | Self::Parted {}
            | Self::Cleared {}
            | Self::Moderator { .. } => {}
        }
    }

    /// An error message for one client.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Error {
            code,
            message: message.into(),
            label: None,
            cid: None,
        }
    }

    /// This error as the refusal of the message its sender gave the id `cid` (if they gave one).
    #[must_use]
    pub fn refusing(mut self, refused: Option<Cid>) -> Self {
        if let Self::Error { cid, .. } = &mut self {
            *cid = refused;
        }
        self
    }

    /// This message as the answer to a request labelled `label`: an answer or an error carries
    /// it; any other message is left as it is.
    #[must_use]
    pub fn labelled(mut self, label: Option<Label>) -> Self {
        match &mut self {
            Self::Ready { label: l, .. }
            | Self::Ticket { label: l, .. }
            | Self::Error { label: l, .. }
            | Self::History { label: l, .. }
            | Self::Privates { label: l, .. }
            | Self::Rooms { label: l, .. }
            | Self::Results { label: l, .. } => *l = label,
            _ => {}
        }
        self
    }

    /// The label of the request this answers, if it carries one.
    pub fn label(&self) -> Option<Label> {
        match self {
            Self::Ready { label, .. }
            | Self::Ticket { label, .. }
            | Self::Error { label, .. }
            | Self::History { label, .. }
            | Self::Privates { label, .. }
            | Self::Rooms { label, .. }
            | Self::Results { label, .. } => *label,
            _ => None,
        }
    }

    /// The message as one JSON line, `\n` included.
    pub fn to_json_line(&self) -> Vec<u8> {
        // Serializing these plain types can't fail: no maps with non-string keys, no I/O.
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }

    /// The message as one JSON line about the room named `room` (`None`: the default room, and
    /// the line is [`ServerMsg::to_json_line`]'s): the name is the line's last field, `room`. A
    /// welcome names its room already.
    pub fn to_json_line_in(&self, room: Option<&str>) -> Vec<u8> {
        let mut line = self.to_json_line();
        if let Some(room) = room
            && !matches!(self, Self::Welcome { .. })
            && line.ends_with(b"}\n")
        {
            line.truncate(line.len() - 2);
            line.extend_from_slice(b",\"room\":");
            // A string always serializes.
            line.extend_from_slice(&serde_json::to_vec(room).unwrap_or_default());
            line.extend_from_slice(b"}\n");
        }
        line
    }
}

/// Why a JSON line could not be read.
#[derive(Debug)]
pub struct DecodeError(serde_json::Error);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a valid message: {}", self.0)
    }
}

impl DecodeError {
    /// What serde found wrong, without the "not a valid message" before it.
    pub fn detail(&self) -> String {
        self.0.to_string()
    }
}

impl std::error::Error for DecodeError {}

/// Reads one JSON line from a client. Invalid UTF-8 is replaced with U+FFFD first, never fatal; the
/// line must be one JSON object (serde would also take the array form `["say","hi"]`).
pub fn decode_client(line: &[u8]) -> Result<ClientMsg, DecodeError> {
    let text = String::from_utf8_lossy(line);
    if !text.trim_start().starts_with('{') {
        return Err(DecodeError(serde::de::Error::custom(
            "expected one JSON object, {\"type\":…}",
        )));
    }
    serde_json::from_str(&text).map_err(DecodeError)
}

/// Reads one JSON line from a client ([`decode_client`]) with the room it concerns: its `room`
/// field, taken out before the message is read (`None`: the default room).
pub fn decode_client_in(line: &[u8]) -> Result<(ClientMsg, Option<String>), DecodeError> {
    match room_taken_out(line)? {
        None => decode_client(line).map(|msg| (msg, None)),
        Some((object, room)) => {
            let msg =
                serde_json::from_value(serde_json::Value::Object(object)).map_err(DecodeError)?;
            Ok((msg, room))
        }
    }
}

/// Reads one JSON line from a server ([`decode_server`]) with the named room it concerns: its
/// `room` field (`None`: the default room, or a welcome, which names its room itself). A line
/// that names a room twice, or names one with anything but a string, is not read.
pub fn decode_server_in(line: &[u8]) -> Result<(ServerMsg, Option<String>), DecodeError> {
    match room_taken_out(line)? {
        None => decode_server(line).map(|msg| (msg, None)),
        Some((mut object, room)) => {
            // A welcome's `room` is its own field: the room it welcomes to.
            let welcome = object.get("type").and_then(|t| t.as_str()) == Some("welcome");
            let room = match room {
                Some(room) if welcome => {
                    object.insert("room".to_owned(), serde_json::Value::String(room));
                    None
                }
                room => room,
            };
            let msg =
                serde_json::from_value(serde_json::Value::Object(object)).map_err(DecodeError)?;
            Ok((msg, room))
        }
    }
}

/// A JSON object's fields, and the room it names.
type RoomTakenOut = (serde_json::Map<String, serde_json::Value>, Option<String>);

/// A JSON line's fields with its `room` taken out, when it may name one (`None`: it can't, read it
/// as it is). Most lines name no room: they are read once, by the caller.
fn room_taken_out(line: &[u8]) -> Result<Option<RoomTakenOut>, DecodeError> {
    if !line.windows(6).any(|w| w == b"\"room\"") {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(line);
    if !text.trim_start().starts_with('{') {
        return Ok(None);
    }
    let Fields(mut object) = serde_json::from_str(&text).map_err(DecodeError)?;
    let room = match object.remove("room") {
        None => None,
        Some(serde_json::Value::String(room)) => Some(room),
        Some(_) => {
            return Err(DecodeError(serde::de::Error::custom(
                "\"room\" must be a room's name",
            )));
        }
    };
    Ok(Some((object, room)))
}

/// A JSON object's fields, refused when one comes twice: a line naming two rooms (or saying two
/// things) is forged, and no reading of it is right.
struct Fields(serde_json::Map<String, serde_json::Value>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Fields;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("one JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Fields, A::Error> {
                let mut fields = serde_json::Map::new();
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    if fields.contains_key(&key) {
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate field `{}`",
                            clean_text(&key).chars().take(32).collect::<String>()
                        )));
                    }
                    fields.insert(key, value);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// Reads one JSON line from a server.
pub fn decode_server(line: &[u8]) -> Result<ServerMsg, DecodeError> {
    serde_json::from_slice(line).map_err(DecodeError)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn a_moderators_act_reads_as_protocol_md_shows_it_and_refuses_unknown_fields() {
        let line = br#"{"type":"moderate","act":"delete","id":57}"#;
        let msg = decode_client(line).expect("a moderate line");
        let asked = Moderate {
            id: Some(57),
            ..Moderate::alone(Act::Delete)
        };
        assert_eq!(msg, ClientMsg::Moderate(asked));
        assert_eq!(serde_json::to_vec(&msg).unwrap(), line.to_vec());
        let ban = br#"{"type":"moderate","act":"ban","name":"troll","minutes":90,"reason":"spam"}"#;
        assert!(decode_client(ban).is_ok());
        for hostile in [
            &br#"{"type":"moderate","act":"kick","name":"bob","x":1}"#[..],
            br#"{"type":"moderate","act":"dance"}"#,
            br#"{"type":"moderate","name":"bob"}"#,
            br#"{"type":"moderate","act":"delete","id":-1}"#,
        ] {
            assert!(
                decode_client(hostile).is_err(),
                "{}",
                String::from_utf8_lossy(hostile)
            );
        }
    }

    #[test]
    fn the_rooms_lines_read_as_protocol_md_shows_them() {
        let line = |msg: &ServerMsg, room| String::from_utf8(msg.to_json_line_in(room)).unwrap();
        let rooms = ServerMsg::Rooms {
            rooms: vec![
                RoomInfo {
                    name: "Coucou".into(),
                    default: true,
                    topic: None,
                    people: 3,
                    joined: true,
                    protected: false,
                },
                RoomInfo {
                    name: "Projet X".into(),
                    default: false,
                    topic: Some("livraison vendredi".into()),
                    people: 2,
                    joined: false,
                    protected: false,
                },
            ],
            label: Some(7),
        };
        assert_eq!(
            line(&rooms, None),
            "{\"type\":\"rooms\",\"rooms\":[{\"name\":\"Coucou\",\"default\":true,\"people\":3,\
             \"joined\":true},{\"name\":\"Projet X\",\"topic\":\"livraison vendredi\",\"people\":2}],\
             \"label\":7}\n"
        );
        let x = Some("Projet X");
        let topic = ServerMsg::Topic {
            by: Some("bob".into()),
            text: "livraison vendredi".into(),
        };
        assert_eq!(
            line(&topic, x),
            "{\"type\":\"topic\",\"by\":\"bob\",\"text\":\"livraison vendredi\",\"room\":\"Projet X\"}\n"
        );
        assert_eq!(
            line(&ServerMsg::Parted {}, x),
            "{\"type\":\"parted\",\"room\":\"Projet X\"}\n"
        );
        let made = ServerMsg::RoomMade {
            name: "Pause café".into(),
            by: Some("bob".into()),
        };
        assert_eq!(
            line(&made, None),
            "{\"type\":\"room_made\",\"name\":\"Pause café\",\"by\":\"bob\"}\n"
        );
        let join = ServerMsg::Join {
            id: 58,
            time: 1_700_000_000_000,
            name: "carol".into(),
            elsewhere: false,
        };
        assert_eq!(
            line(&join, x),
            "{\"type\":\"join\",\"id\":58,\"time\":1700000000000,\"name\":\"carol\",\
             \"room\":\"Projet X\"}\n"
        );
        assert_eq!(
            line(&join, None),
            String::from_utf8(join.to_json_line()).unwrap()
        );
        // A welcome names its room itself: no second `room`, which a reader would refuse.
        let welcome = ServerMsg::Welcome {
            version: 1,
            room: "Projet X".into(),
            you: "alice".into(),
            users: vec!["alice".into()],
            away: vec![],
            elsewhere: Vec::new(),
            motd: None,
            history: vec![],
            max_message_bytes: 2048,
            labels: true,
            rooms: true,
            changes: false,
            rules: true,
        };
        assert_eq!(line(&welcome, x).matches("\"room\"").count(), 1);
        // A name with quotes or a backslash stays one JSON string.
        let odd = line(&ServerMsg::Parted {}, Some("a\"b\\c"));
        let value: serde_json::Value = serde_json::from_str(&odd).unwrap();
        assert_eq!(value["room"], "a\"b\\c");

        // An app reads the room back out of what the host sends, a welcome's own `room` kept.
        let back = |line: String| decode_server_in(line.as_bytes()).unwrap();
        assert_eq!(
            back(line(&join, x)),
            (join.clone(), Some("Projet X".into()))
        );
        assert_eq!(back(line(&join, None)), (join, None));
        assert_eq!(back(line(&welcome, x)), (welcome, None));
        // Forged: two rooms, or a room that is not a name, is not read at all.
        for forged in [
            "{\"type\":\"parted\",\"room\":\"a\",\"room\":\"b\"}",
            "{\"type\":\"parted\",\"room\":7}",
            "{\"type\":\"welcome\",\"room\":[\"x\"]}",
        ] {
            assert!(decode_server_in(forged.as_bytes()).is_err(), "{forged}");
        }

        let read = |text: &str| decode_client_in(text.as_bytes()).map_err(|e| e.to_string());
        assert_eq!(
            read("{\"type\":\"join_room\",\"room\":\"Projet X\"}").unwrap(),
            (ClientMsg::JoinRoom {}, Some("Projet X".into()))
        );
        assert_eq!(
            read("{\"type\":\"topic\",\"text\":\"livraison vendredi\",\"room\":\"Projet X\"}")
                .unwrap(),
            (
                ClientMsg::Topic {
                    text: Some("livraison vendredi".into())
                },
                Some("Projet X".into())
            )
        );
        assert_eq!(
            read("{\"type\":\"rooms\",\"label\":7}").unwrap(),
            (ClientMsg::Rooms { label: Some(7) }, None)
        );
        // A `room` inside the text is text.
        assert_eq!(
            read("{\"type\":\"say\",\"text\":\"\\\"room\\\"\"}").unwrap(),
            (
                ClientMsg::Say {
                    text: "\"room\"".into(),
                    cid: None
                },
                None
            )
        );
        // Forged or malformed: a room twice, a room that is not a name, a field twice.
        for bad in [
            "{\"type\":\"say\",\"text\":\"x\",\"room\":\"A\",\"room\":\"B\"}",
            "{\"type\":\"say\",\"text\":\"x\",\"room\":5}",
            "{\"type\":\"say\",\"text\":\"x\",\"room\":null}",
            "{\"type\":\"say\",\"text\":\"x\",\"text\":\"y\",\"room\":\"A\"}",
            "{\"type\":\"say\",\"text\":\"x\",\"room\":\"A\",\"x\":1}",
            "[\"room\"]",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_file_found_reads_as_protocol_md_shows_it_and_as_a_line_for_older_apps() {
        let offer = FileOffer {
            id: 57,
            time: 1_700_000_000_000,
            file: 7,
            from: "bob".into(),
            to: None,
            name: "plan-de-salle.pdf".into(),
            size: 123_456,
            sha256: "ab".repeat(32),
        };
        let msg = ServerMsg::Results {
            text: "plan salle".into(),
            results: vec![Found::file(offer, None, None)],
            label: None,
        };
        let sha = "ab".repeat(32);
        let message = r#"{"id":57,"time":1700000000000,"from":"bob","text":"plan-de-salle.pdf"}"#;
        let file = format!(
            r#"{{"id":57,"time":1700000000000,"file":7,"from":"bob","name":"plan-de-salle.pdf","size":123456,"sha256":"{sha}"}}"#
        );
        let line = format!(
            r#"{{"type":"results","text":"plan salle","results":[{{"message":{message},"file":{file}}}]}}"#
        ) + "\n";
        assert_eq!(String::from_utf8(msg.to_json_line()).unwrap(), line);
        assert_eq!(decode_server(line.as_bytes()).unwrap(), msg);
        // An app that knows no `file` reads the result as a message from bob.
        let old = line.replace(&format!(r#","file":{file}"#), "");
        let ServerMsg::Results { results, .. } = decode_server(old.as_bytes()).unwrap() else {
            panic!("results")
        };
        assert_eq!(results[0].message.text, "plan-de-salle.pdf");
        assert_eq!(results[0].file, None);
    }

    #[test]
    fn a_device_s_private_messages_read_and_encode_as_protocol_md_shows_them() {
        let doc = include_str!("../../PROTOCOL.md");
        let section = doc
            .split("**Your private messages, back.**")
            .nth(1)
            .expect("the section");
        let section = section.split("\n## ").next().unwrap_or(section);
        let lines: Vec<&str> = section
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with(r#"{"type":""#))
            .collect();
        assert_eq!(lines.len(), 5, "{lines:#?}");
        assert_eq!(
            decode_client(lines[0].as_bytes()).ok(),
            Some(ClientMsg::Privates {
                before: None,
                limit: Some(200),
                label: Some(8),
            })
        );
        assert_eq!(
            decode_client(lines[1].as_bytes()).ok(),
            Some(ClientMsg::Privates {
                before: Some(31),
                limit: Some(200),
                label: None,
            })
        );
        let private = ServerMsg::Private {
            id: 30,
            time: 1_700_000_000_000,
            from: "bob".into(),
            to: "alice".into(),
            text: "psst".into(),
            cid: None,
        };
        let pages = [
            ServerMsg::Privates {
                before: None,
                messages: vec![private],
                more: false,
                label: Some(8),
            },
            ServerMsg::Privates {
                before: Some(31),
                messages: vec![],
                more: false,
                label: None,
            },
        ];
        for (line, page) in lines[2..4].iter().zip(pages) {
            assert_eq!(
                String::from_utf8_lossy(&page.to_json_line()).trim_end(),
                *line
            );
        }
        let found = Found::private(
            Chat {
                id: 30,
                time: 1_700_000_000_000,
                from: "bob".into(),
                text: "à midi ?".into(),
                ..Default::default()
            },
            "alice".into(),
        );
        let results = ServerMsg::Results {
            text: "midi".into(),
            results: vec![found],
            label: None,
        };
        assert_eq!(
            String::from_utf8_lossy(&results.to_json_line()).trim_end(),
            lines[4]
        );
    }

    #[test]
    fn a_moderator_and_one_no_more_read_and_encode_as_protocol_md_shows_them() {
        let line = |owner, on| {
            let msg = ServerMsg::Moderator { owner, on };
            String::from_utf8_lossy(&msg.to_json_line())
                .trim_end()
                .to_owned()
        };
        assert_eq!(line(false, true), r#"{"type":"moderator"}"#);
        assert_eq!(line(true, true), r#"{"type":"moderator","owner":true}"#);
        assert_eq!(line(false, false), r#"{"type":"moderator","on":false}"#);
        for documented in [
            r#"{"type":"moderator"}"#,
            r#"{"type":"moderator","owner":true}"#,
            r#"{"type":"moderator","on":false}"#,
        ] {
            assert!(include_str!("../../PROTOCOL.md").contains(documented));
            let msg = decode_server(documented.as_bytes()).expect("a server message");
            assert_eq!(
                String::from_utf8_lossy(&msg.to_json_line()).trim_end(),
                documented
            );
        }
    }

    #[test]
    fn the_bans_and_mutes_listed_read_and_encode_as_protocol_md_shows_them_and_a_hostile_hosts_are_cleaned()
     {
        let doc = include_str!("../../PROTOCOL.md");
        let asked = r#"{"type":"moderate","act":"rules"}"#;
        assert!(doc.contains(asked));
        assert_eq!(
            decode_client(asked.as_bytes()).ok(),
            Some(ClientMsg::Moderate(Moderate::alone(Act::Rules)))
        );
        let listed = ServerMsg::Rules {
            time: 1_700_000_000_000,
            rules: vec![
                ListedRule {
                    kind: RuleKind::Ban,
                    room: None,
                    name: "troll".into(),
                    by: "ta".into(),
                    reason: Some("spamming".into()),
                    until: Some(1_700_005_400_000),
                },
                ListedRule {
                    kind: RuleKind::Ban,
                    room: None,
                    name: "192.168.1.23".into(),
                    by: "ta".into(),
                    reason: None,
                    until: None,
                },
                ListedRule {
                    kind: RuleKind::Mute,
                    room: Some("Projet X".into()),
                    name: "carl".into(),
                    by: "bob".into(),
                    reason: None,
                    until: None,
                },
            ],
            more: 0,
        };
        let nothing = ServerMsg::Rules {
            time: 1_700_000_000_000,
            rules: Vec::new(),
            more: 0,
        };
        for (msg, room) in [(listed, Some("Projet X")), (nothing, None)] {
            let line = String::from_utf8(msg.to_json_line_in(room)).unwrap();
            assert!(doc.contains(line.trim_end()), "{line}");
            assert_eq!(
                decode_server_in(line.as_bytes()).unwrap(),
                (msg, room.map(Into::into))
            );
        }
        // An older host's welcome says nothing of it: the app asks for `bans` instead.
        let old = br#"{"type":"welcome","version":1,"room":"C","you":"a","users":["a"],"history":[],"max_message_bytes":2048}"#;
        assert!(matches!(
            decode_server(old),
            Ok(ServerMsg::Welcome { rules: false, .. })
        ));
        // A hostile host's list reaches the panel with nothing invisible, no bidi, no escapes.
        let hostile = "{\"type\":\"rules\",\"time\":1,\"rules\":[{\"kind\":\"mute\",\"room\":\"Pro\\u202ejet\",\"name\":\"bo\\u200bb\",\"by\":\"\\u001b[31mta\",\"reason\":\"a\\u2066b\"}],\"more\":18446744073709551615}";
        let Ok(ServerMsg::Rules { rules, more, .. }) =
            decode_server(hostile.as_bytes()).map(ServerMsg::cleaned)
        else {
            panic!("a rules line");
        };
        assert_eq!(more, usize::MAX);
        let rule = &rules[0];
        for text in [
            &rule.name,
            &rule.by,
            rule.room.as_ref().unwrap(),
            rule.reason.as_ref().unwrap(),
        ] {
            assert!(
                text.chars()
                    .all(|c| !c.is_control() && !matches!(c, '\u{200b}' | '\u{202e}' | '\u{2066}')),
                "{text:?}"
            );
        }
        assert_eq!(rule.name, "bob");
        // Neither a kind it doesn't know nor a name that is not text is read.
        for forged in [
            r#"{"type":"rules","time":1,"rules":[{"kind":"exile","name":"a","by":"b"}]}"#,
            r#"{"type":"rules","time":1,"rules":[{"kind":"ban","name":7,"by":"b"}]}"#,
        ] {
            assert!(decode_server(forged.as_bytes()).is_err(), "{forged}");
        }
    }

    #[test]
    fn who_is_elsewhere_reads_and_encodes_as_protocol_md_shows_it_and_an_older_line_reads_nobody() {
        let doc = include_str!("../../PROTOCOL.md");
        let documented = [
            r#"{"type":"welcome","version":1,"room":"Salle des profs","you":"alice","users":["alice","lou"],"elsewhere":["lou"],"history":[],"max_message_bytes":2048,"labels":true,"rooms":true,"changes":true,"rules":true}"#,
            r#"{"type":"join","id":61,"time":1700000000000,"name":"marc","elsewhere":true}"#,
            r#"{"type":"users","users":["alice","lou","marc"],"elsewhere":["lou","marc"]}"#,
        ];
        for line in documented {
            assert!(doc.contains(line), "{line}");
            let msg = decode_server(line.as_bytes()).expect("a server message");
            assert_eq!(
                String::from_utf8_lossy(&msg.to_json_line()).trim_end(),
                line
            );
        }
        let older = br#"{"type":"join","id":61,"time":1700000000000,"name":"marc"}"#;
        assert!(matches!(
            decode_server(older),
            Ok(ServerMsg::Join {
                elsewhere: false,
                ..
            })
        ));
        // A hostile host's names are cleaned there too.
        let hostile = br#"{"type":"users","users":["lou"],"elsewhere":["l\u200bou\u202e"]}"#;
        let Ok(ServerMsg::Users { elsewhere, .. }) = decode_server(hostile).map(ServerMsg::cleaned)
        else {
            panic!("a users line");
        };
        assert_eq!(elsewhere, ["lou"]);
    }

    #[test]
    fn clearing_a_room_reads_and_encodes_as_protocol_md_shows_it() {
        let doc = include_str!("../../PROTOCOL.md");
        let asked = r#"{"type":"moderate","act":"clear"}"#;
        assert!(doc.contains(asked));
        assert_eq!(
            decode_client(asked.as_bytes()).ok(),
            Some(ClientMsg::Moderate(Moderate::alone(Act::Clear)))
        );
        let told =
            String::from_utf8_lossy(&ServerMsg::Cleared {}.to_json_line_in(Some("Projet X")))
                .trim_end()
                .to_owned();
        assert_eq!(told, r#"{"type":"cleared","room":"Projet X"}"#);
        assert!(doc.contains(&told));
    }

    #[test]
    fn a_typed_line_reads_as_protocol_md_shows_it_and_its_text_is_required() {
        let documented = r#"{"type":"typed","text":"/kick zed spamming"}"#;
        assert!(include_str!("../../PROTOCOL.md").contains(documented));
        let typed = ClientMsg::Typed {
            text: "/kick zed spamming".into(),
        };
        assert_eq!(
            decode_client(documented.as_bytes()).ok(),
            Some(typed.clone())
        );
        assert_eq!(serde_json::to_string(&typed).expect("JSON"), documented);
        assert!(decode_client(br#"{"type":"typed"}"#).is_err());
        assert!(decode_client(br#"{"type":"typed","text":"/me","label":1}"#).is_err());
    }

    #[test]
    fn client_messages_read_as_documented() {
        let hello = decode_client(br#"{"type":"hello","version":1,"name":"alice"}"#);
        assert_eq!(
            hello.ok(),
            Some(ClientMsg::Hello {
                version: 1,
                name: "alice".into(),
                device: None,
            })
        );
        assert_eq!(
            decode_client(br#"{"type":"who"}"#).ok(),
            Some(ClientMsg::Who {})
        );
        assert!(decode_client(br#"{"type":"say"}"#).is_err());
        assert!(decode_client(br#"{"type":"say","text":"x","extra":1}"#).is_err());
        let labelled = [
            (
                &br#"{"type":"history","before":120,"limit":200,"label":4}"#[..],
                ClientMsg::History {
                    before: Some(120),
                    limit: Some(200),
                    label: Some(4),
                },
            ),
            (
                r#"{"type":"search","text":"cafe crème","label":5}"#.as_bytes(),
                ClientMsg::Search {
                    text: "cafe crème".into(),
                    limit: None,
                    label: Some(5),
                },
            ),
            (
                br#"{"type":"fetch","file":7,"label":8}"#,
                ClientMsg::Fetch {
                    file: 7,
                    label: Some(8),
                },
            ),
        ];
        for (line, msg) in labelled {
            assert_eq!(decode_client(line).ok(), Some(msg));
        }
        let offer = br#"{"type":"offer","name":"report.pdf","size":52428800,"sha256":"ab","to":"bob","label":7}"#;
        assert_eq!(decode_client(offer).ok().and_then(|m| m.label()), Some(7));
        assert!(decode_client(br#"{"type":"say","text":"x","label":1}"#).is_err());
        assert!(decode_client(b"\xff{").is_err());
    }

    #[test]
    fn unit_requests_refuse_unknown_fields_and_the_array_form() {
        for ok in [
            r#"{"type":"who"}"#,
            r#"{"type":"help"}"#,
            r#"{"type":"quit"}"#,
        ] {
            assert!(decode_client(ok.as_bytes()).is_ok(), "{ok}");
        }
        for bad in [
            r#"{"type":"who","x":1}"#,
            r#"{"type":"help","verbose":true}"#,
            r#"{"type":"quit","now":1}"#,
            r#"["msg","bob","hi"]"#,
            r#"["who"]"#,
            r#"  ["say","hi"]"#,
        ] {
            assert!(decode_client(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn any_numeric_version_reads_and_odd_ones_are_refused_as_versions() {
        let version = |line: &str| match decode_client(line.as_bytes()) {
            Ok(ClientMsg::Hello { version, .. }) => Some(version),
            _ => None,
        };
        assert_eq!(
            version(r#"{"type":"hello","version":1,"name":"a"}"#),
            Some(1)
        );
        assert_eq!(
            version(r#"{"type":"hello","version":2,"name":"a"}"#),
            Some(2)
        );
        for odd in ["4294967296", "18446744073709551616", "-1", "1.5", "1e40"] {
            let line = format!(r#"{{"type":"hello","version":{odd},"name":"a"}}"#);
            assert_eq!(version(&line), Some(u32::MAX), "{odd}");
        }
        assert_eq!(
            version(r#"{"type":"hello","version":"1","name":"a"}"#),
            None
        );
    }

    #[test]
    fn invalid_utf8_inside_a_json_line_is_replaced() {
        let msg = decode_client(b"{\"type\":\"say\",\"text\":\"caf\xe9\"}");
        assert_eq!(
            msg.ok(),
            Some(ClientMsg::Say {
                text: "caf\u{fffd}".into(),
                cid: None,
            })
        );
    }

    #[test]
    fn server_messages_encode_as_documented() {
        let msg = ServerMsg::Message(Chat {
            id: 7,
            time: 1_700_000_000_000,
            from: "alice".into(),
            text: "hi".into(),
            action: false,
            cid: None,
            ..Default::default()
        });
        assert_eq!(
            String::from_utf8_lossy(&msg.to_json_line()),
            "{\"type\":\"message\",\"id\":7,\"time\":1700000000000,\"from\":\"alice\",\"text\":\"hi\"}\n"
        );
        assert_eq!(msg.to_plain_text(Lang::En), "alice: hi\n");
        let err = ServerMsg::error(ErrorCode::NameTaken, "taken");
        assert_eq!(
            String::from_utf8_lossy(&err.to_json_line()),
            "{\"type\":\"error\",\"code\":\"name_taken\",\"message\":\"taken\"}\n"
        );
        assert_eq!(err.to_plain_text(Lang::En), "! taken\n");
        let refused = ServerMsg::error(ErrorCode::NoSuchUser, "nobody called bob is here");
        assert_eq!(
            String::from_utf8_lossy(&refused.labelled(Some(6)).to_json_line()),
            "{\"type\":\"error\",\"code\":\"no_such_user\",\"message\":\"nobody called bob is here\",\"label\":6}\n"
        );
        let page = ServerMsg::History {
            before: Some(120),
            messages: vec![],
            more: false,
            label: None,
        };
        assert_eq!(
            String::from_utf8_lossy(&page.labelled(Some(4)).to_json_line()),
            "{\"type\":\"history\",\"before\":120,\"messages\":[],\"more\":false,\"label\":4}\n"
        );
        let ticket = ServerMsg::Ticket {
            file: 7,
            token: "t".into(),
            label: None,
        };
        assert_eq!(
            String::from_utf8_lossy(&ticket.labelled(Some(8)).to_json_line()),
            "{\"type\":\"ticket\",\"file\":7,\"token\":\"t\",\"label\":8}\n"
        );
        // A message that answers no request is left as it is.
        assert_eq!(msg.clone().labelled(Some(1)), msg);
        assert_eq!(msg.label(), None);
    }

    #[test]
    fn unknown_error_codes_from_newer_servers_still_decode() {
        let msg = decode_server(br#"{"type":"error","code":"brand_new","message":"m"}"#);
        assert_eq!(msg.ok(), Some(ServerMsg::error(ErrorCode::Other, "m")));
    }
}
