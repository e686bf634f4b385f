//! A message's text as people format it: `**bold**`, `*italic*`, `` `code` ``, ```` ```code
//! block``` ````, links (`http://`, `https://`) and mentions (`@name` of someone here), read into
//! spans for the view. Pure and linear in the text's length whatever it holds (a delimiter is
//! paired with the next one that can close it, never searched for again), so 2,048 bytes of
//! asterisks cost what 2,048 letters do. The text itself is never changed: terminals read it as
//! typed.

/// How one span of text looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// Between `**`.
    pub bold: bool,
    /// Between `*`.
    pub italic: bool,
    /// Between backticks: monospace, nothing else read inside.
    pub code: bool,
    /// Between triple backticks: a block of code.
    pub block: bool,
}

/// One piece of a message's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span<'a> {
    /// Text in a style.
    Text(&'a str, Style),
    /// A link, as typed.
    Link(&'a str),
    /// `@name` of someone in the room (the `@` included).
    Mention(&'a str),
}

/// Reads `text` into spans; `people`: who may be mentioned (`@name`, whatever the case).
pub fn spans<'a>(text: &'a str, people: &[String]) -> Vec<Span<'a>> {
    let mut out = Vec::new();
    // Code first: nothing inside it is read. `from`: where the prose not yet read starts.
    let (mut from, mut cursor) = (0, 0);
    while let Some(tick) = text[cursor..].find('`').map(|t| cursor + t) {
        let fence = if text[tick..].starts_with("```") {
            3
        } else {
            1
        };
        let delimiter = &text[tick..tick + fence];
        let inner = tick + fence;
        match text[inner..].find(delimiter) {
            Some(end) if end > 0 => {
                prose(&text[from..tick], people, &mut out);
                let style = Style {
                    code: true,
                    block: fence == 3,
                    ..Style::default()
                };
                out.push(Span::Text(&text[inner..inner + end], style));
                from = inner + end + fence;
                cursor = from;
            }
            // No closing one: the backticks are text.
            _ => cursor = inner,
        }
    }
    prose(&text[from..], people, &mut out);
    out
}

/// Text outside code: links and mentions word by word; emphasis in each stretch between them.
fn prose<'a>(text: &'a str, people: &[String], out: &mut Vec<Span<'a>>) {
    let mut start = 0;
    let mut at = 0;
    for word in text.split_inclusive(' ') {
        let bare = word.trim_end_matches(' ');
        let atom = if is_link(bare) {
            Some(Span::Link(bare))
        } else if mentions(bare, people) {
            Some(Span::Mention(bare))
        } else {
            None
        };
        if let Some(atom) = atom {
            // Delimiters inside a link or a mention are theirs (`https://a.b/*x*`).
            emphasised(&text[start..at], out);
            out.push(atom);
            start = at + bare.len();
        }
        at += word.len();
    }
    emphasised(&text[start..], out);
}

/// A stretch of text with its `**` and `*` read.
fn emphasised<'a>(text: &'a str, out: &mut Vec<Span<'a>>) {
    let mut style = Style::default();
    let mut start = 0;
    for mark in emphasis(text) {
        if start < mark.at {
            out.push(Span::Text(&text[start..mark.at], style));
        }
        if mark.bold {
            style.bold = !style.bold;
        } else {
            style.italic = !style.italic;
        }
        start = mark.at + mark.len();
    }
    if start < text.len() {
        out.push(Span::Text(&text[start..], style));
    }
}

/// A delimiter kept: where, and which.
#[derive(Debug, Clone, Copy)]
struct Mark {
    at: usize,
    bold: bool,
}

impl Mark {
    fn len(self) -> usize {
        if self.bold { 2 } else { 1 }
    }
}

/// The `**` and `*` that pair up, in order: one opens before something that is not a space, the
/// next one of its kind that follows something that is not a space closes it. One left open is
/// text. Each delimiter is looked at once.
fn emphasis(text: &str) -> Vec<Mark> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'*' {
            let bold = bytes.get(i + 1) == Some(&b'*');
            found.push(Mark { at: i, bold });
            i += if bold { 2 } else { 1 };
        } else {
            i += 1;
        }
    }
    let opens = |m: Mark| bytes.get(m.at + m.len()).is_some_and(|b| *b != b' ');
    let closes = |m: Mark| m.at > 0 && bytes[m.at - 1] != b' ';
    let mut kept = Vec::with_capacity(found.len());
    let mut open: [Option<usize>; 2] = [None, None];
    for mark in found {
        let kind = usize::from(mark.bold);
        match open[kind] {
            Some(_) if closes(mark) => {
                kept.push(mark);
                open[kind] = None;
            }
            None if opens(mark) => {
                open[kind] = Some(kept.len());
                kept.push(mark);
            }
            _ => {}
        }
    }
    // One left open is text: taken out again (at most one of each kind).
    let mut unpaired: Vec<usize> = open.into_iter().flatten().collect();
    unpaired.sort_unstable_by(|a, b| b.cmp(a));
    for index in unpaired {
        kept.remove(index);
    }
    kept
}

/// True for the words shown as links.
pub fn is_link(word: &str) -> bool {
    word.starts_with("https://") || word.starts_with("http://")
}

/// True for `@name` of someone in `people` (case aside), a comma or a full stop after it allowed.
fn mentions(word: &str, people: &[String]) -> bool {
    let Some(name) = word.strip_prefix('@') else {
        return false;
    };
    let name = name.trim_end_matches([',', '.', ':', '!', '?', ';']);
    !name.is_empty()
        && people
            .iter()
            .any(|p| p.to_lowercase() == name.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Span<'_> {
        Span::Text(text, Style::default())
    }

    fn styled(text: &str, f: impl Fn(&mut Style)) -> Span<'_> {
        let mut style = Style::default();
        f(&mut style);
        Span::Text(text, style)
    }

    #[test]
    fn bold_italic_and_code() {
        assert_eq!(
            spans("a **bold** and *it* then `x*y*` end", &[]),
            [
                plain("a "),
                styled("bold", |s| s.bold = true),
                plain(" and "),
                styled("it", |s| s.italic = true),
                plain(" then "),
                styled("x*y*", |s| s.code = true),
                plain(" end"),
            ]
        );
        assert_eq!(
            spans("```let x = 1;```", &[]),
            [styled("let x = 1;", |s| {
                s.code = true;
                s.block = true;
            })]
        );
    }

    #[test]
    fn what_does_not_pair_is_text() {
        assert_eq!(spans("2 * 3 * 4", &[]), [plain("2 * 3 * 4")]);
        assert_eq!(spans("**not closed", &[]), [plain("**not closed")]);
        assert_eq!(spans("a ` b", &[]), [plain("a ` b")]);
        assert_eq!(spans("``", &[]), [plain("``")]);
        assert_eq!(spans("*", &[]), [plain("*")]);
    }

    #[test]
    fn links_and_mentions_are_whole_words() {
        let people = vec!["Bob".to_owned()];
        assert_eq!(
            spans("see https://a.b/*x*_y and @bob, not @eve", &people),
            [
                plain("see "),
                Span::Link("https://a.b/*x*_y"),
                plain(" and "),
                Span::Mention("@bob,"),
                plain(" not @eve"),
            ]
        );
        // A delimiter in a link is the link's: nothing pairs across it.
        assert_eq!(
            spans("**look https://a.b** then", &people),
            [
                plain("**look "),
                Span::Link("https://a.b**"),
                plain(" then"),
            ]
        );
    }

    #[test]
    fn ten_thousand_delimiters_are_read_once_each() {
        let deep = format!("{}x{}", "*".repeat(10_000), "*".repeat(10_000));
        let read = spans(&deep, &[]);
        let shown: usize = read
            .iter()
            .map(|s| match s {
                Span::Text(t, _) | Span::Link(t) | Span::Mention(t) => t.len(),
            })
            .sum();
        assert!(shown <= deep.len());
        assert!(
            read.iter()
                .any(|s| matches!(s, Span::Text(t, _) if t.contains('x')))
        );
        let ticks = "`".repeat(10_001);
        assert!(!spans(&ticks, &[]).is_empty());
    }
}
