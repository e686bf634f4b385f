//! What a message says about another, and what becomes of it once sent: a reply's quote, its
//! reactions, and the rules every side checks for a reaction. Pure, no I/O: the room applies them
//! (`server::room`), the app shows them (`model::chat`).

use serde::{Deserialize, Serialize};

use super::sanitize::{clean_text, is_blank};

/// The message a reply answers, as the room quotes it: its id, and (when the room still had it
/// in memory) who said it and its first words. A reply to an older message carries its id alone:
/// an app shows its own copy, or jumps to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The id of the message answered.
    pub id: u64,
    /// Who said it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Its first words, on one line (at most [`QUOTE_CHARS`] characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// How many characters of the message answered a quote keeps.
pub const QUOTE_CHARS: usize = 100;

impl Quote {
    /// The quote of the message `id` by `from` saying `text`: its first words on one line.
    pub fn of(id: u64, from: &str, text: &str) -> Self {
        let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut short: String = line.chars().take(QUOTE_CHARS).collect();
        if short.len() < line.len() {
            short.push('…');
        }
        Self {
            id,
            from: Some(from.to_owned()),
            text: Some(short),
        }
    }
}

/// One emoji on a message, and who put it there (in the order they did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    /// The emoji.
    pub emoji: String,
    /// Who reacted so.
    pub names: Vec<String>,
}

/// Someone put an emoji on a message, or took theirs back: the message's reactions as they are
/// now, so that an app that missed one is right again with the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reacted {
    /// The message's id.
    pub id: u64,
    /// Who said the message.
    pub from: String,
    /// Who reacted.
    pub name: String,
    /// With what.
    pub emoji: String,
    /// Put (`true`) or taken back.
    pub on: bool,
    /// The message's reactions now.
    pub reactions: Vec<Reaction>,
}

/// The longest emoji a reaction may be, in bytes of UTF-8 (a family or a flag with its tags fits).
pub const MAX_EMOJI_BYTES: usize = 32;

/// How many different emoji one person may put on one message.
pub const MAX_REACTIONS_PER_PERSON: usize = 3;

/// How many different emoji one message may carry.
pub const MAX_DISTINCT_REACTIONS: usize = 20;

/// True when `emoji` may be a reaction: at most [`MAX_EMOJI_BYTES`] and 10 characters, something
/// visible, no space, nothing that cleaning would take out (controls, bidi, invisible characters).
pub fn is_valid_emoji(emoji: &str) -> bool {
    (1..=MAX_EMOJI_BYTES).contains(&emoji.len())
        && emoji.chars().count() <= 10
        && !emoji.chars().any(char::is_whitespace)
        && !is_blank(emoji)
        && clean_text(emoji) == emoji
}

/// Why a reaction was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactError {
    /// The person has [`MAX_REACTIONS_PER_PERSON`] on this message already.
    TooManyOfYours,
    /// The message carries [`MAX_DISTINCT_REACTIONS`] different emoji already.
    TooManyKinds,
}

/// Puts `name`'s `emoji` on `reactions` (`on`), or takes it back. `Ok(false)` when that changes
/// nothing (put twice, or taken back when never put).
pub fn toggle(
    reactions: &mut Vec<Reaction>,
    name: &str,
    emoji: &str,
    on: bool,
) -> Result<bool, ReactError> {
    let at = reactions.iter().position(|r| r.emoji == emoji);
    if !on {
        let Some(at) = at else { return Ok(false) };
        let before = reactions[at].names.len();
        reactions[at].names.retain(|n| n != name);
        let changed = reactions[at].names.len() != before;
        if reactions[at].names.is_empty() {
            reactions.remove(at);
        }
        return Ok(changed);
    }
    if at.is_some_and(|at| reactions[at].names.iter().any(|n| n == name)) {
        return Ok(false);
    }
    let mine = reactions
        .iter()
        .filter(|r| r.names.iter().any(|n| n == name))
        .count();
    if mine >= MAX_REACTIONS_PER_PERSON {
        return Err(ReactError::TooManyOfYours);
    }
    match at {
        Some(at) => reactions[at].names.push(name.to_owned()),
        None if reactions.len() >= MAX_DISTINCT_REACTIONS => {
            return Err(ReactError::TooManyKinds);
        }
        None => reactions.push(Reaction {
            emoji: emoji.to_owned(),
            names: vec![name.to_owned()],
        }),
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::protocol::message::{ClientMsg, decode_client, decode_server};

    /// PROTOCOL.md's lines, as they are there.
    fn documented(start: &str) -> Vec<String> {
        let doc = include_str!("../../PROTOCOL.md");
        let section = doc.split("## Replies, edits").nth(1).expect("the section");
        // Up to the next section.
        let section = section.split("\n## ").next().unwrap_or(section);
        section
            .lines()
            .filter(|l| l.starts_with(start))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_lines_read_and_encode_as_protocol_md_shows_them() {
        let client: Vec<ClientMsg> = documented(r#"{"type":""#)
            .iter()
            .filter_map(|l| decode_client(l.as_bytes()).ok())
            .collect();
        assert_eq!(
            client,
            [
                ClientMsg::Changes {},
                ClientMsg::Reply {
                    id: 41,
                    text: "yes, at noon".into(),
                    cid: Some("c8e1".into()),
                },
                ClientMsg::Edit {
                    id: 42,
                    text: "the meeting is at eleven".into(),
                },
                ClientMsg::Delete { id: 42 },
                ClientMsg::React {
                    id: 41,
                    emoji: "👍".into(),
                    on: true,
                },
                ClientMsg::React {
                    id: 41,
                    emoji: "👍".into(),
                    on: false,
                },
            ]
        );
        let mut server = 0;
        for line in documented(r#"{"type":""#) {
            let Ok(msg) = decode_server(line.as_bytes()) else {
                continue;
            };
            server += 1;
            let again = msg.to_json_line();
            assert_eq!(String::from_utf8_lossy(&again).trim_end(), line, "{msg:?}");
            assert!(
                !msg.to_plain_text(Lang::En).is_empty(),
                "a terminal reads {line}"
            );
        }
        assert_eq!(server, 6, "every server line of the section");
        for bad in [
            r#"{"type":"react","id":1}"#,
            r#"{"type":"edit","id":1}"#,
            r#"{"type":"delete","id":1,"text":"x"}"#,
            r#"{"type":"reply","text":"x"}"#,
        ] {
            assert!(decode_client(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn terminals_read_a_quote_an_edit_and_a_reaction() {
        let lines: Vec<String> = documented(r#"{"type":""#)
            .iter()
            .filter_map(|l| decode_server(l.as_bytes()).ok())
            .map(|m| m.to_plain_text(Lang::En))
            .collect();
        assert_eq!(
            lines,
            [
                "bob: [↪ alice: lunch at noon?] yes, at noon\n",
                "bob: [↪ #3] later\n",
                "*** alice edited a message: the meeting is at eleven\n",
                "*** bob reacted 👍 to alice's message\n",
                "*** alice deleted this message\n",
                "alice: lunch at noon?\n",
            ]
        );
    }

    #[test]
    fn a_quote_keeps_the_first_words_on_one_line() {
        let quote = Quote::of(7, "bob", "one\ntwo   three");
        assert_eq!(quote.text.as_deref(), Some("one two three"));
        let long = "é".repeat(300);
        let quote = Quote::of(7, "bob", &long);
        let text = quote.text.unwrap();
        assert_eq!(text.chars().count(), QUOTE_CHARS + 1);
        assert!(text.ends_with('…'));
    }

    #[test]
    fn emoji_are_short_visible_and_clean() {
        for ok in ["👍", "❤️", "👨‍👩‍👧‍👦", "🇫🇷", "1️⃣", "+1"] {
            assert!(is_valid_emoji(ok), "{ok}");
        }
        for bad in [
            "",
            " ",
            "👍 👍",
            "\u{200B}",
            "\u{202E}👍",
            "\u{1b}[31m",
            &"👍".repeat(9),
            "abcdefghijk",
        ] {
            assert!(!is_valid_emoji(bad), "{bad:?}");
        }
    }

    #[test]
    fn toggling_puts_takes_back_and_counts_the_limits() {
        let mut reactions = Vec::new();
        assert_eq!(toggle(&mut reactions, "ann", "👍", true), Ok(true));
        assert_eq!(
            toggle(&mut reactions, "ann", "👍", true),
            Ok(false),
            "twice"
        );
        assert_eq!(toggle(&mut reactions, "bob", "👍", true), Ok(true));
        assert_eq!(reactions[0].names, ["ann", "bob"]);
        assert_eq!(toggle(&mut reactions, "ann", "🎉", true), Ok(true));
        assert_eq!(toggle(&mut reactions, "ann", "😮", true), Ok(true));
        assert_eq!(
            toggle(&mut reactions, "ann", "😂", true),
            Err(ReactError::TooManyOfYours)
        );
        assert_eq!(toggle(&mut reactions, "ann", "🎉", false), Ok(true));
        assert_eq!(reactions.len(), 2, "an emoji nobody has any more goes");
        assert_eq!(toggle(&mut reactions, "ann", "🎉", false), Ok(false));
        assert_eq!(toggle(&mut reactions, "ann", "😂", true), Ok(true));
        let mut full: Vec<Reaction> = (0..MAX_DISTINCT_REACTIONS)
            .map(|n| Reaction {
                emoji: format!("e{n}"),
                names: vec![format!("p{n}")],
            })
            .collect();
        assert_eq!(
            toggle(&mut full, "zed", "🆕", true),
            Err(ReactError::TooManyKinds)
        );
        assert_eq!(
            toggle(&mut full, "zed", "e3", true),
            Ok(true),
            "one already there"
        );
    }
}
