//! Server messages as terminals read them (`nc`, the seed's C client): plain lines in the host's
//! language, notices behind [`NOTICE_PREFIX`], each message `name: text` as in the seed.

use super::change::Quote;
use super::message::{AwayNote, Chat, LeaveReason, NOTICE_PREFIX, ServerMsg};
use crate::i18n::Lang;
use crate::tr;

impl ServerMsg {
    /// The message as plain-dialect text in `lang`: one or more lines, each ending in `\n`.
    pub fn to_plain_text(&self, lang: Lang) -> String {
        let mut out = String::new();
        self.write_plain(&mut out, lang);
        out
    }

    fn write_plain(&self, out: &mut String, lang: Lang) {
        use std::fmt::Write as _;
        // Writing to a String can't fail.
        let notice = |out: &mut String, text: &str| {
            let _ = writeln!(out, "{NOTICE_PREFIX}{text}");
        };
        match self {
            Self::Welcome {
                room,
                you,
                users,
                away,
                motd,
                history,
                ..
            } => {
                notice(out, &tr!(lang, "plain-welcome", room = room, name = you));
                notice(out, &here_line(users, away, lang));
                for line in motd.iter().flat_map(|m| m.lines()) {
                    notice(out, line);
                }
                if !history.is_empty() {
                    notice(out, &lang.tr("plain-recent"));
                    for msg in history {
                        msg.write_plain(out, lang);
                    }
                }
                notice(out, &lang.tr("plain-type-help"));
            }
            Self::Message(chat) if chat.action => {
                let _ = writeln!(out, "* {} {}", chat.from, chat.text);
            }
            Self::Message(chat) => {
                let _ = writeln!(out, "{}: {}{}", chat.from, plain_quote(chat), chat.text);
            }
            Self::Edited(chat) => {
                let line = tr!(lang, "plain-edited", name = chat.from.as_str());
                notice(out, &format!("{line} {}", chat.text));
            }
            Self::Reacted(reacted) => {
                let key = if reacted.on {
                    "plain-reacted"
                } else {
                    "plain-unreacted"
                };
                let line = tr!(
                    lang,
                    key,
                    name = reacted.name.as_str(),
                    emoji = reacted.emoji.as_str(),
                    author = reacted.from.as_str()
                );
                notice(out, &line);
            }
            Self::Private { from, to, text, .. } => {
                let private = lang.tr("plain-private");
                let _ = writeln!(out, "[{private}] {from} -> {to}: {text}");
            }
            Self::Join { name, .. } => notice(out, &tr!(lang, "plain-joined", name = name)),
            Self::Leave { name, reason, .. } => {
                let key = match reason {
                    LeaveReason::Quit => "plain-left",
                    LeaveReason::Disconnected => "plain-left-closed",
                    LeaveReason::TooSlow => "plain-left-slow",
                };
                notice(out, &tr!(lang, key, name = name));
            }
            Self::Rename { old, new, .. } => {
                notice(out, &tr!(lang, "plain-renamed", old = old, new = new));
            }
            Self::Users { users, away, .. } => notice(out, &here_line(users, away, lang)),
            Self::Away {
                name, reason, auto, ..
            } => notice(out, &away_line(name, reason.as_deref(), *auto, lang)),
            Self::Back { name } => notice(out, &tr!(lang, "plain-back", name = name)),
            Self::File(offer) => {
                let size = lang.size(offer.size);
                let key = if offer.to.is_some() {
                    "plain-file-private"
                } else {
                    "plain-file"
                };
                let line = tr!(
                    lang,
                    key,
                    name = offer.from.as_str(),
                    file = offer.name.as_str(),
                    size = size
                );
                notice(out, &line);
            }
            // Only JSON clients offer and fetch files.
            Self::Ready { .. }
            | Self::Ticket { .. }
            | Self::Transfer { .. }
            | Self::Stored { .. } => {}
            // Between linked sites only: clients get the tombstone, or the notice.
            Self::Unsaid { .. } | Self::Ruled(_) => {}
            // Asked by apps only: a terminal types `/bans`, answered in words.
            Self::Rules { .. } => {}
            Self::Notice { text, .. } => {
                for line in text.lines() {
                    notice(out, line);
                }
            }
            Self::Error { message, .. } => {
                let _ = writeln!(out, "! {message}");
            }
            Self::Password { .. } => notice(out, &lang.tr("plain-password")),
            Self::Verified { .. } => notice(out, &lang.tr("plain-password-ok")),
            Self::History { messages, .. } | Self::Privates { messages, .. } => {
                for msg in messages {
                    msg.write_plain(out, lang);
                }
            }
            // Plain clients are never told who is typing.
            Self::Typing { .. } => {}
            Self::Rooms { rooms, .. } => {
                notice(out, &tr!(lang, "plain-rooms", count = rooms.len()));
                for room in rooms {
                    let mut line = tr!(
                        lang,
                        "plain-room-line",
                        room = room.name.as_str(),
                        count = room.people,
                        joined = if room.joined { "yes" } else { "no" }
                    );
                    if room.protected {
                        line.push(' ');
                        line.push_str(&lang.tr("plain-room-protected"));
                    }
                    if let Some(topic) = room.topic.as_deref().filter(|t| !t.is_empty()) {
                        line.push_str(" — ");
                        line.push_str(topic);
                    }
                    notice(out, &line);
                }
            }
            Self::Topic { by: Some(by), text } if text.is_empty() => {
                notice(out, &tr!(lang, "plain-topic-cleared", name = by));
            }
            Self::Topic { by: Some(by), text } => {
                notice(out, &tr!(lang, "plain-topic-set", name = by, topic = text));
            }
            Self::Topic { by: None, text } if text.is_empty() => {
                notice(out, &lang.tr("plain-topic-none"));
            }
            Self::Topic { by: None, text } => {
                notice(out, &tr!(lang, "plain-topic", topic = text));
            }
            // A plain client that leaves a room is given the default room's welcome.
            // The moderator's notice that follows says it in words.
            Self::Parted {} | Self::Cleared {} => {}
            Self::Moderator { on: true, .. } => notice(out, &lang.tr("notice-oper")),
            Self::Moderator { on: false, .. } => notice(out, &lang.tr("notice-deoped")),
            Self::RoomMade { name, by: Some(by) } => {
                notice(
                    out,
                    &tr!(lang, "plain-room-made-by", name = by, room = name),
                );
            }
            Self::RoomMade { name, by: None } => {
                notice(out, &tr!(lang, "plain-room-made", room = name));
            }
            Self::Results { text, results, .. } => {
                notice(
                    out,
                    &tr!(lang, "plain-found", count = results.len(), words = text),
                );
                let found = lang.tr("plain-found-tag");
                for result in results {
                    let chat = &result.message;
                    let when = super::utc_minute(chat.time);
                    let between = if chat.action { " " } else { ": " };
                    let star = if chat.action { "* " } else { "" };
                    let _ = writeln!(
                        out,
                        "[{found} #{} {when}] {star}{}{between}{}",
                        chat.id, chat.from, chat.text
                    );
                }
            }
        }
    }
}

/// A reply's quote as a terminal shows it before the text: `[↪ bob: first words] `.
fn plain_quote(chat: &Chat) -> String {
    match &chat.reply {
        Some(Quote {
            from: Some(from),
            text: Some(text),
            ..
        }) => format!("[↪ {from}: {text}] "),
        Some(quote) => format!("[↪ #{}] ", quote.id),
        None => String::new(),
    }
}

/// "3 people here: alice (away: lunch), bob, carol".
fn here_line(users: &[String], away: &[AwayNote], lang: Lang) -> String {
    let names: Vec<String> = users
        .iter()
        .map(|user| match away.iter().find(|a| &a.name == user) {
            Some(note) if note.auto => tr!(lang, "plain-who-idle", name = user),
            Some(AwayNote {
                reason: Some(reason),
                ..
            }) => tr!(lang, "plain-who-away-reason", name = user, reason = reason),
            Some(_) => tr!(lang, "plain-who-away", name = user),
            None => user.clone(),
        })
        .collect();
    tr!(
        lang,
        "plain-here",
        count = users.len(),
        names = names.join(", ")
    )
}

/// "bob is away: lunch", "bob is away", "bob is away (idle)".
fn away_line(name: &str, reason: Option<&str>, auto: bool, lang: Lang) -> String {
    match reason {
        Some(reason) => tr!(lang, "plain-away-reason", name = name, reason = reason),
        None if auto => tr!(lang, "plain-away-idle", name = name),
        None => tr!(lang, "plain-away", name = name),
    }
}
