//! Makes peer text safe to show anywhere: no terminal escapes, controls, bidi overrides or
//! invisible characters.
//!
//! Everything a peer sends goes through [`clean_text`] before it is relayed or logged, so a message
//! can't recolour a terminal, move its cursor, ring its bell, reorder what others see, or carry text
//! nobody can see (zero-width characters, tag characters, fillers). The invisible characters that
//! carry meaning stay where they do: a zero-width joiner or non-joiner between two visible characters
//! (emoji sequences, Persian and Indic scripts), one variation selector after a visible character
//! (`❤️`), and the tag characters of a flag emoji (`🏴` + tags + cancel tag).

/// Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD, then cleans the text.
pub fn clean_bytes(bytes: &[u8]) -> String {
    clean_text(&String::from_utf8_lossy(bytes))
}

/// Removes ANSI escape sequences, control characters, bidi controls and invisible characters (see
/// the module docs for the few kept); tabs and line or paragraph separators become spaces. Leading
/// and trailing white space is trimmed.
pub fn clean_text(text: &str) -> String {
    let cleaned = strip_controls(text);
    if cleaned.is_ascii() {
        cleaned
    } else {
        strip_invisible(&cleaned)
    }
}

/// True when a cleaned text shows nothing: empty, or only white space and blank characters such as
/// the braille blank (U+2800). Such a message is refused rather than relayed.
pub fn is_blank(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_whitespace() || matches!(c, '\u{2800}' | '\u{3164}' | '\u{ffa0}'))
}

/// Escapes, controls and bidi controls out; tabs and separators to spaces; trimmed.
fn strip_controls(text: &str) -> String {
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

/// True for Unicode's default-ignorable code points (DerivedCoreProperties.txt), which render as
/// nothing, and the interlinear annotation characters, which hide text in most renderers.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fffb}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Joiners that shape the characters on either side.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200c}' | '\u{200d}')
}

/// Selectors that pick a glyph variant of the character before them.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{fe00}'..='\u{fe0f}' | '\u{e0100}'..='\u{e01ef}' | '\u{180b}'..='\u{180d}' | '\u{180f}')
}

/// A character that shows something: neither invisible nor white space.
fn is_visible(c: char) -> bool {
    !is_invisible(c) && !c.is_whitespace() && !is_variation_selector(c)
}

/// The black flag that starts an emoji tag sequence (`🏴󠁧󠁢󠁳󠁣󠁴󠁿`).
const TAG_BASE: char = '\u{1f3f4}';
/// Ends an emoji tag sequence.
const CANCEL_TAG: char = '\u{e007f}';
/// The most tags in a flag (subdivision codes such as `gbsct` are 5 or 6).
const MAX_TAGS: usize = 8;

/// Removes invisible characters but the ones that carry meaning (see the module docs).
fn strip_invisible(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = out.chars().next_back();
        if c == TAG_BASE {
            out.push(c);
            i += 1;
            // A flag keeps its tags only when they form one whole, short tag sequence.
            let tags = chars[i..]
                .iter()
                .take_while(|&&t| ('\u{e0020}'..='\u{e007e}').contains(&t))
                .count();
            if (1..=MAX_TAGS).contains(&tags) && chars.get(i + tags) == Some(&CANCEL_TAG) {
                out.extend(&chars[i..=i + tags]);
                i += tags + 1;
            }
            continue;
        }
        let keep = if is_joiner(c) {
            prev.is_some_and(is_visible) && chars.get(i + 1).is_some_and(|&n| is_visible(n))
        } else if is_variation_selector(c) {
            prev.is_some_and(is_visible)
        } else {
            !is_invisible(c)
        };
        if keep {
            out.push(c);
        }
        i += 1;
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

/// The longest file name kept, in bytes of UTF-8 (what most file systems take).
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// A file name from the network, made safe to show and to save anywhere: only its last part (no
/// folders, whichever the separator), cleaned of controls and invisible characters, without `..`,
/// leading dots, trailing dots or spaces, characters Windows refuses (`<>:"|?*`), or a reserved
/// device name (`CON`, `nul.txt`, `COM1`…, which get a `_` before them); at most
/// [`MAX_FILE_NAME_BYTES`]. A name with nothing left is `file`.
pub fn clean_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = clean_text(last)
        .chars()
        .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let mut name = trimmed.to_owned();
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        name.insert(0, '_');
    }
    if name.len() > MAX_FILE_NAME_BYTES {
        // Keep the extension, cut the stem on a character boundary.
        let ext = name
            .rfind('.')
            .map(|i| name[i..].to_owned())
            .filter(|e| e.len() <= 16);
        let room = MAX_FILE_NAME_BYTES - ext.as_ref().map_or(0, String::len);
        let mut cut = room;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name = format!("{}{}", &name[..cut], ext.unwrap_or_default());
    }
    if is_blank(&name) {
        return "file".to_owned();
    }
    name
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
    fn strips_every_class_of_invisible_character() {
        for (dirty, clean) in [
            ("a\u{200b}b", "ab"),               // zero-width space
            ("soft\u{ad}hyphen", "softhyphen"), // soft hyphen
            ("word\u{2060}joiner", "wordjoiner"),
            ("\u{feff}bom", "bom"),
            ("fill\u{3164}er", "filler"),       // Hangul filler
            ("half\u{ffa0}width", "halfwidth"), // halfwidth Hangul filler
            ("cgj\u{34f}x", "cgjx"),            // combining grapheme joiner
            ("mongol\u{180e}vs", "mongolvs"),
            ("note\u{fff9}hidden\u{fffb}", "notehidden"),
            ("\u{1d173}music", "music"),
            ("short\u{1bca0}hand", "shorthand"),
            ("invisible\u{2064}plus", "invisibleplus"),
        ] {
            assert_eq!(clean_text(dirty), clean, "{dirty:?}");
        }
    }

    #[test]
    fn tag_characters_cannot_hide_a_message() {
        let hidden: String = "secret"
            .chars()
            .map(|c| char::from_u32(0xe0000 + c as u32).unwrap_or(' '))
            .collect();
        assert_eq!(clean_text(&format!("hi{hidden}")), "hi");
        // After a flag, but too many: still a hidden message.
        let long: String = "a long hidden message"
            .chars()
            .map(|c| char::from_u32(0xe0000 + c as u32).unwrap_or(' '))
            .collect();
        assert_eq!(
            clean_text(&format!("\u{1f3f4}{long}\u{e007f}")),
            "\u{1f3f4}"
        );
    }

    #[test]
    fn invisible_characters_that_carry_meaning_are_kept() {
        let family = "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}";
        assert_eq!(clean_text(family), family);
        let persian = "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}"; // می‌خواهم
        assert_eq!(clean_text(persian), persian);
        let heart = "\u{2764}\u{fe0f}";
        assert_eq!(clean_text(heart), heart);
        let scotland = "\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}";
        assert_eq!(clean_text(scotland), scotland);
        // The same characters where they carry nothing are removed.
        assert_eq!(
            clean_text("\u{200d}a\u{200d}\u{200d}b \u{200c}"),
            "a\u{200d}b"
        );
        assert_eq!(clean_text("\u{fe0f}x\u{fe0f}\u{fe0f}\u{fe0f}"), "x\u{fe0f}");
    }

    #[test]
    fn blank_messages_are_recognised() {
        for blank in ["", " ", "\u{2800}", "\u{3000}\u{2800}"] {
            assert!(is_blank(&clean_text(blank)), "{blank:?}");
        }
        assert!(clean_text("\u{200b}\u{2060}\u{feff}").is_empty());
        assert!(!is_blank("a"));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(clean_bytes(b"ok\xff\xfeok"), "ok\u{fffd}\u{fffd}ok");
    }

    #[test]
    fn hostile_file_names_are_made_safe() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("..\\..\\Windows\\win.ini"), "win.ini");
        assert_eq!(clean_file_name(".."), "file");
        assert_eq!(clean_file_name("/"), "file");
        assert_eq!(clean_file_name(".bashrc"), "bashrc");
        assert_eq!(clean_file_name("rapport\u{202e}fdp.exe"), "rapportfdp.exe");
        assert_eq!(clean_file_name("a\u{1b}[31mb\n.txt"), "ab.txt");
        assert_eq!(clean_file_name("CON"), "_CON");
        assert_eq!(clean_file_name("nul.txt"), "_nul.txt");
        assert_eq!(clean_file_name("com7.log"), "_com7.log");
        assert_eq!(clean_file_name("computer.txt"), "computer.txt");
        assert_eq!(clean_file_name("what?<>|*:\".txt"), "what_______.txt");
        assert_eq!(clean_file_name("notes. . "), "notes");
        assert_eq!(clean_file_name("\u{200b}\u{2060}"), "file");
        let long = format!("{}.pdf", "é".repeat(300));
        let cut = clean_file_name(&long);
        assert!(
            cut.len() <= MAX_FILE_NAME_BYTES && cut.ends_with(".pdf"),
            "{cut}"
        );
        assert_eq!(clean_file_name("Café crème.jpg"), "Café crème.jpg");
    }
}
