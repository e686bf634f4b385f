//! What a line of chat means: a message, or one of the slash commands, or `exit`.
//!
//! The plain dialect sends everything as text, so the server parses each line with [`parse`]; the app
//! parses its input line with the same function before sending structured JSON. A command's forms
//! are all here, side by side: the line a person types ([`parse`], [`Command::to_plain_line`]) and
//! the JSON message ([`Command::to_client_msg`], [`Command::from_client_msg`]).

use std::fmt;

use super::change::Quote;
pub use super::message::Moderate;
use super::message::{Act, Cid, ClientMsg};
use crate::i18n::Lang;
use crate::tr;

/// Something a person asked for by typing a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A message for the room.
    Say(String),
    /// An action, shown as `* name text`.
    Me(String),
    /// A private message that only the two people see.
    Msg {
        /// Who it is for.
        to: String,
        /// What it says.
        text: String,
    },
    /// A change of name.
    Nick(String),
    /// Who is in the room?
    Who,
    /// The list of commands.
    Help,
    /// Leave the room (`/quit`, or `exit` alone as in the seed).
    Quit,
    /// Search the room's history for messages holding every one of these words.
    Search(String),
    /// Mark oneself away, with a reason or none; `auto` when the app did it after a while without
    /// input (JSON only: a person typing `/away` is never idle).
    Away {
        /// Why, if said.
        reason: Option<String>,
        /// Set by the app after a while without input.
        auto: bool,
    },
    /// Back from away.
    Back,
    /// Which rooms does the host have?
    Rooms,
    /// Join a room of the host by its name (a plain client leaves the one it is in).
    Join(String),
    /// Leave a room (a plain client goes back to the default room).
    Part,
    /// Show the room's topic (`None`), or set it (an empty text clears it).
    Topic(Option<String>),
    /// Become a moderator with the host's moderators' password (`/oper`).
    Oper(String),
    /// A moderator's act.
    Moderate(Moderate),
    /// Stop showing what `name` says (`on`), or show it again; without a name, who is ignored.
    Ignore {
        /// Whom.
        name: Option<String>,
        /// Ignore, or no longer.
        on: bool,
    },
    /// A message for the room answering the message `to` (JSON only).
    Reply {
        /// The id of the message answered.
        to: u64,
        /// What it says.
        text: String,
        /// The message answered as the host's store keeps it, when the host looked (an older
        /// message than the room remembers); never from the network.
        stored: Option<Quote>,
    },
    /// A new text for one's own message `id` (JSON only).
    Edit {
        /// The message's id.
        id: u64,
        /// Its new text.
        text: String,
    },
    /// Deletes one's own message (JSON only).
    Delete(u64),
    /// The client reads edits and reactions (JSON only).
    Changes,
    /// Puts an emoji on a message, or takes it back (JSON only).
    React {
        /// The message's id.
        id: u64,
        /// The emoji.
        emoji: String,
        /// Put, or take back.
        on: bool,
    },
}

/// The longest a ban or a mute may be asked for, in minutes (a year).
pub const MAX_MINUTES: u32 = 365 * 24 * 60;

/// `10m`, `2h`, `3d` as minutes (at most [`MAX_MINUTES`]); `None` if `word` is no duration.
pub fn parse_minutes(word: &str) -> Option<u32> {
    let unit = word.chars().last()?;
    let per = match unit {
        'm' => 1,
        'h' => 60,
        'd' => 24 * 60,
        _ => return None,
    };
    let digits = &word[..word.len() - 1];
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let count: u32 = digits.parse().ok()?;
    (count > 0).then(|| count.saturating_mul(per).min(MAX_MINUTES))
}

impl Command {
    /// The JSON message for this command.
    pub fn to_client_msg(self) -> ClientMsg {
        self.to_client_msg_with(None)
    }

    /// The JSON message for this command; a message, action or private message carries `cid`.
    pub fn to_client_msg_with(self, cid: Option<Cid>) -> ClientMsg {
        match self {
            Self::Say(text) => ClientMsg::Say { text, cid },
            Self::Me(text) => ClientMsg::Me { text, cid },
            Self::Msg { to, text } => ClientMsg::Msg { to, text, cid },
            Self::Nick(name) => ClientMsg::Nick { name },
            Self::Who => ClientMsg::Who {},
            Self::Help => ClientMsg::Help {},
            Self::Quit => ClientMsg::Quit {},
            Self::Search(text) => ClientMsg::Search {
                text,
                limit: None,
                label: None,
            },
            Self::Away { reason, auto } => ClientMsg::Away { reason, auto },
            Self::Back => ClientMsg::Back {},
            Self::Oper(password) => ClientMsg::Oper { password },
            Self::Ignore { name, on } => ClientMsg::Ignore { name, on },
            Self::Moderate(moderate) => ClientMsg::Moderate(moderate),
            Self::Rooms => ClientMsg::Rooms { label: None },
            // The room's name travels in the line's `room` field: see [`Command::room`].
            Self::Join(_) => ClientMsg::JoinRoom {},
            Self::Part => ClientMsg::PartRoom {},
            Self::Topic(text) => ClientMsg::Topic { text },
            Self::Reply { to, text, .. } => ClientMsg::Reply { id: to, text, cid },
            Self::Edit { id, text } => ClientMsg::Edit { id, text },
            Self::Delete(id) => ClientMsg::Delete { id },
            Self::Changes => ClientMsg::Changes {},
            Self::React { id, emoji, on } => ClientMsg::React { id, emoji, on },
        }
    }

    /// True for what only the JSON dialect can say (an edit, a deletion, a reaction): a client
    /// speaking plain lines sends nothing for it.
    pub fn json_only(&self) -> bool {
        matches!(
            self,
            Self::Edit { .. } | Self::Delete(_) | Self::React { .. } | Self::Changes
        )
    }

    /// The room a JSON line for this command names in its `room` field, when the command itself
    /// says (joining a room); other commands concern the room the sender chooses.
    pub fn room(&self) -> Option<&str> {
        match self {
            Self::Join(room) => Some(room),
            _ => None,
        }
    }

    /// The command a JSON message asks for, and the client's id for it; `None` for a hello or a
    /// password proof, which belong to joining, and for a `history` request.
    pub fn from_client_msg(msg: ClientMsg) -> Option<(Self, Option<Cid>)> {
        Some(match msg {
            ClientMsg::Say { text, cid } => (Self::Say(text), cid),
            ClientMsg::Me { text, cid } => (Self::Me(text), cid),
            ClientMsg::Msg { to, text, cid } => (Self::Msg { to, text }, cid),
            ClientMsg::Nick { name } => (Self::Nick(name), None),
            ClientMsg::Who {} => (Self::Who, None),
            ClientMsg::Help {} => (Self::Help, None),
            ClientMsg::Quit {} => (Self::Quit, None),
            ClientMsg::Search { text, .. } => (Self::Search(text), None),
            ClientMsg::Away { reason, auto } => (Self::Away { reason, auto }, None),
            ClientMsg::Back {} => (Self::Back, None),
            ClientMsg::Rooms { .. } => (Self::Rooms, None),
            ClientMsg::PartRoom {} => (Self::Part, None),
            ClientMsg::Topic { text } => (Self::Topic(text), None),
            ClientMsg::Oper { password } => (Self::Oper(password), None),
            ClientMsg::Ignore { name, on } => (Self::Ignore { name, on }, None),
            ClientMsg::Moderate(moderate) => (Self::Moderate(moderate), None),
            ClientMsg::Reply { id, text, cid } => (
                Self::Reply {
                    to: id,
                    text,
                    stored: None,
                },
                cid,
            ),
            ClientMsg::Edit { id, text } => (Self::Edit { id, text }, None),
            ClientMsg::Delete { id } => (Self::Delete(id), None),
            ClientMsg::Changes {} => (Self::Changes, None),
            ClientMsg::React { id, emoji, on } => (Self::React { id, emoji, on }, None),
            ClientMsg::Hello { .. }
            // Joining needs the line's `room`: the session reads it.
            | ClientMsg::JoinRoom {}
            | ClientMsg::Password { .. }
            | ClientMsg::TypedPassword { .. }
            // A typed line is read as a terminal's, by the session.
            | ClientMsg::Typed { .. }
            | ClientMsg::History { .. }
            | ClientMsg::Privates { .. }
            | ClientMsg::Typing { .. }
            | ClientMsg::Offer { .. }
            | ClientMsg::Fetch { .. }
            | ClientMsg::Upload { .. }
            | ClientMsg::Download { .. } => {
                return None;
            }
        })
    }

    /// The line a person would type for this command ([`parse`] reads it back), as the plain
    /// dialect sends it. A message starting with `/` gets a second one. The one message the plain
    /// dialect can't carry is `exit` alone, which leaves, as in the seed.
    pub fn to_plain_line(&self) -> String {
        match self {
            Self::Say(text) if text.starts_with('/') => format!("/{text}"),
            Self::Say(text) => text.clone(),
            Self::Me(text) => format!("/me {text}"),
            Self::Msg { to, text } => format!("/msg {to} {text}"),
            Self::Nick(name) => format!("/nick {name}"),
            Self::Who => "/who".to_owned(),
            Self::Help => "/help".to_owned(),
            Self::Quit => "exit".to_owned(),
            Self::Search(words) => format!("/search {words}"),
            Self::Away {
                reason: Some(reason),
                ..
            } => format!("/away {reason}"),
            Self::Away { reason: None, .. } => "/away".to_owned(),
            Self::Back => "/back".to_owned(),
            Self::Rooms => "/rooms".to_owned(),
            Self::Join(room) => format!("/join {room}"),
            Self::Part => "/part".to_owned(),
            Self::Topic(Some(text)) => format!("/topic {text}"),
            Self::Topic(None) => "/topic".to_owned(),
            Self::Oper(password) => format!("/oper {password}"),
            Self::Ignore { name: None, .. } => "/ignore".to_owned(),
            Self::Ignore {
                name: Some(name),
                on,
            } => format!("/{} {name}", if *on { "ignore" } else { "unignore" }),
            Self::Moderate(moderate) => moderate.to_plain_line(),
            // A terminal's reply is its text; the rest has no line (see [`Command::json_only`]).
            Self::Reply { text, .. } => Self::Say(text.clone()).to_plain_line(),
            Self::Edit { .. } | Self::Delete(_) | Self::React { .. } | Self::Changes => {
                String::new()
            }
        }
    }
}

impl Moderate {
    /// The line a person would type for this act ([`parse`] reads it back).
    fn to_plain_line(&self) -> String {
        let word = match self.act {
            // The sites' own acts (`…_room`) read as what the room's moderator typed.
            Act::Kick | Act::KickRoom => "kick",
            Act::Ban => "ban",
            Act::Unban => "unban",
            // A terminal has no panel: the list in words.
            Act::Bans | Act::Rules => "bans",
            Act::Mute | Act::MuteRoom => "mute",
            Act::Unmute | Act::UnmuteRoom => "unmute",
            Act::Lock => "lock",
            Act::Unlock => "unlock",
            Act::Log => "modlog",
            Act::Slow => "slow",
            Act::Classroom => "classroom",
            Act::Delete => "delete",
            Act::Clear => "clear",
            Act::Op => "op",
            Act::Deop => "deop",
        };
        let mut line = format!("/{word}");
        let minutes = self.minutes.map(|m| format!("{m}m"));
        let seconds = self.seconds.map(|s| s.to_string());
        let on = self.on.map(|on| if on { "on" } else { "off" }.to_owned());
        let id = self.id.map(|id| id.to_string());
        for part in [&self.name, &id, &minutes, &seconds, &on, &self.reason]
            .into_iter()
            .flatten()
        {
            line.push(' ');
            line.push_str(part);
        }
        line
    }
}

/// `/kick NAME [reason]`, `/ban NAME [10m|2h|3d] [reason]`, `/mute …`, `/unban NAME`, `/unmute
/// NAME`: the act with its words read.
fn moderate(act: Act, args: &str, usage: &'static str) -> Result<Command, CommandError> {
    let mut words = args.splitn(2, char::is_whitespace);
    let name = words.next().filter(|n| !n.is_empty());
    let Some(name) = name else {
        return Err(CommandError::Usage(usage));
    };
    let mut rest = words.next().unwrap_or("").trim();
    let mut minutes = None;
    if matches!(act, Act::Ban | Act::Mute) {
        let (first, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if let Some(m) = parse_minutes(first) {
            minutes = Some(m);
            rest = after.trim();
        }
    }
    let reason = (!rest.is_empty()
        && !matches!(act, Act::Unban | Act::Unmute | Act::Op | Act::Deop))
    .then(|| rest.to_owned());
    Ok(Command::Moderate(Moderate {
        name: Some(name.to_owned()),
        minutes,
        reason,
        ..Moderate::alone(act)
    }))
}

/// The longest slow mode asks between two messages, in seconds (an hour).
pub const MAX_SLOW_SECONDS: u32 = 3600;

/// `/slow N` (seconds, `0` or `off` ends it) and `/classroom on|off`.
fn mode(act: Act, args: &str) -> Result<Command, CommandError> {
    let word = args.trim().to_lowercase();
    let asked = Moderate::alone(act);
    match (act, word.as_str()) {
        (Act::Slow, "off") => Ok(Command::Moderate(Moderate {
            seconds: Some(0),
            ..asked
        })),
        (Act::Slow, n) => match n.parse::<u32>() {
            Ok(seconds) if seconds <= MAX_SLOW_SECONDS => Ok(Command::Moderate(Moderate {
                seconds: Some(seconds),
                ..asked
            })),
            _ => Err(CommandError::Usage("/slow <seconds, 0-3600|off>")),
        },
        (_, "on" | "off") => Ok(Command::Moderate(Moderate {
            on: Some(word == "on"),
            ..asked
        })),
        _ => Err(CommandError::Usage("/classroom <on|off>")),
    }
}

/// A line that starts with `/` but is not a command we know, or misses its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// `/something` we don't know.
    Unknown(String),
    /// A known command used wrongly; the text is its usage.
    Usage(&'static str),
}

impl CommandError {
    /// What is wrong, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Self::Unknown(cmd) => tr!(lang, "error-unknown-command", command = cmd.as_str()),
            Self::Usage(usage) => tr!(lang, "error-usage", usage = *usage),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl std::error::Error for CommandError {}

/// The commands of the help text, each with the key of what it does.
/// Each command's usage (its arguments named in the reader's language) and what it does.
const HELP: &[(&str, &str)] = &[
    ("help-usage-who", "help-who"),
    ("help-usage-me", "help-me"),
    ("help-usage-msg", "help-msg"),
    ("help-usage-nick", "help-nick"),
    ("help-usage-away", "help-away"),
    ("help-usage-back", "help-back"),
    ("help-usage-search", "help-search"),
    ("help-usage-rooms", "help-rooms"),
    ("help-usage-join", "help-join"),
    ("help-usage-part", "help-part"),
    ("help-usage-topic", "help-topic"),
    ("help-usage-ignore", "help-ignore"),
    ("help-usage-unignore", "help-unignore"),
    ("help-usage-help", "help-help"),
    ("help-usage-quit", "help-quit"),
    ("help-usage-slash", "help-slash"),
];

/// The moderators' commands, each with the key of what it does.
const MODERATOR_HELP: &[(&str, &str)] = &[
    ("help-usage-kick", "help-kick"),
    ("help-usage-ban", "help-ban"),
    ("help-usage-unban", "help-unban"),
    ("help-usage-bans", "help-bans"),
    ("help-usage-mute", "help-mute"),
    ("help-usage-unmute", "help-unmute"),
    ("help-usage-lock", "help-lock"),
    ("help-usage-unlock", "help-unlock"),
    ("help-usage-modlog", "help-modlog"),
    ("help-usage-slow", "help-slow"),
    ("help-usage-classroom", "help-classroom"),
    ("help-usage-delete", "help-delete"),
    ("help-usage-clear", "help-clear"),
    ("help-usage-op", "help-op"),
    ("help-usage-deop", "help-deop"),
];

/// The commands of a moderator of one room, in that room ([`room_moderator_help`]).
const ROOM_MODERATOR_HELP: &[(&str, &str)] = &[
    ("help-usage-kick", "help-kick-room"),
    ("help-usage-mute", "help-mute-room"),
    ("help-usage-unmute", "help-unmute"),
    ("help-usage-lock", "help-lock"),
    ("help-usage-unlock", "help-unlock"),
    ("help-usage-slow", "help-slow"),
    ("help-usage-delete", "help-delete"),
    ("help-usage-clear", "help-clear"),
];

/// `title` and each of `list`'s lines (usage, then what it does), in `lang`.
fn help_lines(lang: Lang, title: &str, list: &[(&str, &str)]) -> String {
    let mut text = lang.tr(title);
    for (usage, key) in list {
        let usage = lang.tr(usage);
        text.push_str(&format!("\n  {usage:<19}{}", lang.tr(key)));
    }
    text
}

/// What a moderator may do besides, in `lang` (after [`help`]).
pub fn moderator_help(lang: Lang) -> String {
    help_lines(lang, "help-moderator-title", MODERATOR_HELP)
}

/// What a moderator of one room may do there besides, in `lang` (after [`help`]).
pub fn room_moderator_help(lang: Lang) -> String {
    help_lines(lang, "help-room-moderator-title", ROOM_MODERATOR_HELP)
}

/// On a host with a moderators' password, how to become one, in `lang` (after [`help`]).
pub fn oper_help(lang: Lang) -> String {
    help_lines(lang, "help-oper-title", &[("help-usage-oper", "help-oper")])
}

/// The help text in `lang`, one line per command.
pub fn help(lang: Lang) -> String {
    help_lines(lang, "help-title", HELP)
}

/// Parses one line of input. The line is already cleaned; leading white space matters not.
pub fn parse(line: &str) -> Result<Command, CommandError> {
    let line = line.trim();
    if line == "exit" {
        return Ok(Command::Quit);
    }
    let Some(rest) = line.strip_prefix('/') else {
        return Ok(Command::Say(line.to_owned()));
    };
    if rest.starts_with('/') {
        return Ok(Command::Say(rest.to_owned()));
    }
    let (cmd, args) = match rest.split_once(char::is_whitespace) {
        Some((cmd, args)) => (cmd, args.trim()),
        None => (rest, ""),
    };
    match cmd.to_lowercase().as_str() {
        "who" | "names" => Ok(Command::Who),
        "help" | "?" => Ok(Command::Help),
        "quit" | "exit" | "leave" => Ok(Command::Quit),
        "me" if !args.is_empty() => Ok(Command::Me(args.to_owned())),
        "me" => Err(CommandError::Usage("/me <action>")),
        "nick" | "name" if !args.is_empty() && !args.contains(char::is_whitespace) => {
            Ok(Command::Nick(args.to_owned()))
        }
        "nick" | "name" => Err(CommandError::Usage("/nick <name>")),
        "search" | "find" if !args.is_empty() => Ok(Command::Search(args.to_owned())),
        "search" | "find" => Err(CommandError::Usage("/search <words>")),
        "away" => Ok(Command::Away {
            reason: (!args.is_empty()).then(|| args.to_owned()),
            auto: false,
        }),
        "back" => Ok(Command::Back),
        "rooms" | "list" => Ok(Command::Rooms),
        "join" if !args.is_empty() => Ok(Command::Join(args.to_owned())),
        "join" => Err(CommandError::Usage("/join <room>")),
        "part" => Ok(Command::Part),
        "ignore" => Ok(Command::Ignore {
            name: (!args.is_empty()).then(|| args.to_owned()),
            on: true,
        }),
        "unignore" if !args.is_empty() => Ok(Command::Ignore {
            name: Some(args.to_owned()),
            on: false,
        }),
        "unignore" => Err(CommandError::Usage("/unignore <name>")),
        "oper" if !args.is_empty() => Ok(Command::Oper(args.to_owned())),
        "oper" => Err(CommandError::Usage("/oper <password>")),
        "kick" => moderate(Act::Kick, args, "/kick <name> [reason]"),
        "ban" => moderate(Act::Ban, args, "/ban <name|address> [10m|2h|3d] [reason]"),
        "unban" => moderate(Act::Unban, args, "/unban <name|address>"),
        "mute" => moderate(Act::Mute, args, "/mute <name> [10m|2h|3d] [reason]"),
        "unmute" => moderate(Act::Unmute, args, "/unmute <name>"),
        "op" => moderate(Act::Op, args, "/op <name>"),
        "deop" => moderate(Act::Deop, args, "/deop <name>"),
        "bans" => Ok(Command::Moderate(Moderate::alone(Act::Bans))),
        "lock" => Ok(Command::Moderate(Moderate::alone(Act::Lock))),
        "unlock" => Ok(Command::Moderate(Moderate::alone(Act::Unlock))),
        "modlog" => Ok(Command::Moderate(Moderate::alone(Act::Log))),
        "clear" => Ok(Command::Moderate(Moderate::alone(Act::Clear))),
        "slow" => mode(Act::Slow, args),
        "classroom" => mode(Act::Classroom, args),
        "delete" => match args.trim().parse::<u64>() {
            Ok(id) => Ok(Command::Moderate(Moderate {
                id: Some(id),
                ..Moderate::alone(Act::Delete)
            })),
            Err(_) => Err(CommandError::Usage("/delete <message id>")),
        },
        "topic" => Ok(Command::Topic((!args.is_empty()).then(|| args.to_owned()))),
        "msg" | "tell" | "whisper" => match args.split_once(char::is_whitespace) {
            Some((to, text)) if !text.trim().is_empty() => Ok(Command::Msg {
                to: to.to_owned(),
                text: text.trim().to_owned(),
            }),
            _ => Err(CommandError::Usage("/msg <name> <text>")),
        },
        _ => Err(CommandError::Unknown(cmd.to_owned())),
    }
}

/// A plain line without the `name: ` prefix that the seed's C client puts before every line, for any
/// of the `names` the sender has had (as sent and in canonical form). A space before the `:` is
/// tolerated; text that only starts with a name, such as `alice is here`, is left alone.
pub fn strip_name_prefix<'a>(line: &'a str, names: &[String]) -> &'a str {
    for name in names.iter().filter(|n| !n.is_empty()) {
        let Some(rest) = line.strip_prefix(name.as_str()) else {
            continue;
        };
        if let Some(text) = rest.trim_start_matches(' ').strip_prefix(':') {
            return text.strip_prefix(' ').unwrap_or(text);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_and_escapes() {
        assert_eq!(parse("hello"), Ok(Command::Say("hello".into())));
        assert_eq!(parse("//slash"), Ok(Command::Say("/slash".into())));
        assert_eq!(parse("exit"), Ok(Command::Quit));
        assert_eq!(parse("exit now"), Ok(Command::Say("exit now".into())));
    }

    #[test]
    fn commands_and_their_arguments() {
        assert_eq!(parse("/WHO"), Ok(Command::Who));
        assert_eq!(parse("/me waves"), Ok(Command::Me("waves".into())));
        assert_eq!(
            parse("/msg bob  see you  "),
            Ok(Command::Msg {
                to: "bob".into(),
                text: "see you".into()
            })
        );
        assert_eq!(parse("/nick zed"), Ok(Command::Nick("zed".into())));
        assert_eq!(parse("/quit"), Ok(Command::Quit));
        assert_eq!(
            parse("/away  at lunch "),
            Ok(Command::Away {
                reason: Some("at lunch".into()),
                auto: false
            })
        );
        assert_eq!(
            parse("/AWAY"),
            Ok(Command::Away {
                reason: None,
                auto: false
            })
        );
        assert_eq!(parse("/back"), Ok(Command::Back));
        assert_eq!(parse("/back now"), Ok(Command::Back));
    }

    #[test]
    fn the_help_lists_every_command_in_each_language() {
        let en = help(Lang::En);
        let fr = help(Lang::Fr);
        for command in ["/who", "/away [reason]", "/back", "/search <words>"] {
            assert!(en.contains(command), "{command}");
        }
        // The arguments are named in the reader's language too.
        for command in [
            "/who",
            "/away [raison]",
            "/msg <nom> <texte>",
            "/search <mots>",
        ] {
            assert!(fr.contains(command), "{command}: {fr}");
        }
        assert!(!fr.contains("<name>") && !fr.contains("<text>"), "{fr}");
        assert!(en.starts_with("Commands:"), "{en}");
        assert!(fr.starts_with("Commandes\u{a0}:"), "{fr}");
    }

    #[test]
    fn commands_become_plain_lines_a_person_would_type() {
        assert_eq!(Command::Say("/x".into()).to_plain_line(), "//x");
        assert_eq!(Command::Quit.to_plain_line(), "exit");
        assert_eq!(
            Command::Msg {
                to: "bob".into(),
                text: "hi".into()
            }
            .to_plain_line(),
            "/msg bob hi"
        );
        assert_eq!(
            Command::from_client_msg(ClientMsg::Hello {
                version: 1,
                name: "a".into(),
                device: None,
            }),
            None
        );
    }

    #[test]
    fn name_prefixes_of_any_name_had_are_stripped() {
        let names = vec![
            "Zoe\u{308} ".to_owned(),
            "Zo\u{eb}".to_owned(),
            "zed".to_owned(),
        ];
        assert_eq!(strip_name_prefix("Zoe\u{308} : hi", &names), "hi");
        assert_eq!(
            strip_name_prefix("Zo\u{eb}: /msg bob psst", &names),
            "/msg bob psst"
        );
        assert_eq!(strip_name_prefix("zed: hi", &names), "hi");
        assert_eq!(strip_name_prefix("zed is here", &names), "zed is here");
        assert_eq!(strip_name_prefix("bob: hi", &names), "bob: hi");
        assert_eq!(strip_name_prefix("zed:", &names), "");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(parse("/dance"), Err(CommandError::Unknown("dance".into())));
        assert_eq!(
            parse("/msg bob"),
            Err(CommandError::Usage("/msg <name> <text>"))
        );
        assert_eq!(parse("/nick a b"), Err(CommandError::Usage("/nick <name>")));
        assert_eq!(parse("/me"), Err(CommandError::Usage("/me <action>")));
    }
}
