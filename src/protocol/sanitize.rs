//! Makes peer text safe to show anywhere: no terminal escapes, controls or bidi overrides.
//!
//! Everything a peer sends goes through [`clean_text`] before it is relayed or logged, so a message
//! can't recolour a terminal, move its cursor, ring its bell or reorder what others see.

/// Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD, then cleans the text.
pub fn clean_bytes(bytes: &[u8]) -> String {
    clean_text(&String::from_utf8_lossy(bytes))
}

/// Removes ANSI escape sequences, control characters and bidi controls; tabs and line or paragraph
/// separators become spaces. Leading and trailing white space is trimmed.
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // CSI and OSC as single C1 characters start sequences too.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\t' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if is_bidi_control(c) || c.is_control() => {}
            c => out.push(c),
        }
    }
    let trimmed = out.trim();
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_owned()
    }
}

/// True for the characters that change the direction of the text around them (Trojan Source).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Skips what follows an ESC: a CSI (`ESC [`), a string (`ESC ]`, `ESC P`, …) or one character.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // `ESC (`, `ESC #` and friends take one more character.
        Some('(' | ')' | '*' | '+' | '#' | '%' | ' ') => {
            chars.next();
        }
        _ => {}
    }
}

/// Skips CSI parameters up to and including the final byte (`@` to `~`).
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // Not a CSI character: the sequence is broken, stop skipping here.
            return;
        }
    }
}

/// Skips an OSC/DCS-style string up to BEL, ST (`ESC \`) or the C1 ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_ansi_colour_cursor_and_title_sequences() {
        assert_eq!(clean_text("\u{1b}[31mred\u{1b}[0m"), "red");
        assert_eq!(clean_text("a\u{1b}[2J\u{1b}[Hb"), "ab");
        assert_eq!(clean_text("\u{1b}]0;pwned\u{7}title"), "title");
        assert_eq!(clean_text("\u{1b}]8;;http://x\u{1b}\\link"), "link");
        assert_eq!(clean_text("x\u{9b}1;2Hy"), "xy");
    }

    #[test]
    fn strips_controls_and_bidi_keeps_text() {
        assert_eq!(clean_text("bell\u{7}\u{8}\u{7f}!"), "bell!");
        assert_eq!(clean_text("a\u{202e}cba\u{202c}"), "acba");
        assert_eq!(clean_text("tab\there"), "tab here");
        assert_eq!(clean_text("  café 日本 👋 "), "café 日本 👋");
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(clean_bytes(b"ok\xff\xfeok"), "ok\u{fffd}\u{fffd}ok");
    }
}
