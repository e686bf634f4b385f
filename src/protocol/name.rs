//! The rules a user name must follow, and the key that tells look-alike names apart.
//!
//! A name is 2 to 30 characters (the seed's limits): letters and digits of any one script, plus `_`,
//! `-` and `.`, with at least one letter or digit. Two names clash when they are equal under full
//! Unicode case folding (`İbrahim` and `ibrahim`, `STRASSE` and `straße`), or when they look alike
//! (UTS #39 confusable skeletons), so nobody can pass as `alice` with a Cyrillic `а`. Reserved names
//! are compared more loosely still, so that `B0njour`, `5erver` and `adm1n` read as what they mimic.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, MixedScript, skeleton};

/// The fewest characters in a name.
pub const MIN_NAME_CHARS: usize = 2;
/// The most characters in a name.
pub const MAX_NAME_CHARS: usize = 30;

/// Names nobody may take, because people would read them as the server speaking.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "all",
    "bonjour",
    "coucou",
    "everyone",
    "host",
    "moderator",
    "nobody",
    "root",
    "server",
    "system",
];

/// Why a name was refused; each variant is one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// Fewer than [`MIN_NAME_CHARS`] characters.
    TooShort,
    /// More than [`MAX_NAME_CHARS`] characters.
    TooLong,
    /// A character that is not a letter, a digit, `_`, `-` or `.` (spaces, controls, invisible and
    /// bidi characters, symbols, emoji).
    BadChar(char),
    /// Letters from more than one script, e.g. Latin mixed with Cyrillic.
    MixedScripts,
    /// Only punctuation (`--`, `_.`): a name needs a letter or a digit.
    NoLetter,
    /// A name kept for the server (`server`, `admin`, …).
    Reserved,
    /// Someone in the room has this name, or one that looks the same.
    Taken {
        /// The name already in the room.
        existing: String,
    },
    /// The host keeps this name (or one that looks the same) for the device that had it, away
    /// for now.
    Kept {
        /// The name as its device had it.
        existing: String,
    },
}

impl NameError {
    /// What is wrong with the name, in `lang`.
    pub fn describe(&self, lang: crate::i18n::Lang) -> String {
        use crate::tr;
        match self {
            Self::TooShort => tr!(lang, "name-too-short", min = MIN_NAME_CHARS),
            Self::TooLong => tr!(lang, "name-too-long", max = MAX_NAME_CHARS),
            Self::BadChar(c) if c.is_whitespace() => lang.tr("name-space"),
            Self::BadChar(c) => tr!(
                lang,
                "name-bad-char",
                code = format!("U+{:04X}", u32::from(*c))
            ),
            Self::MixedScripts => lang.tr("name-mixed-scripts"),
            Self::NoLetter => lang.tr("name-no-letter"),
            Self::Reserved => lang.tr("name-reserved"),
            Self::Taken { existing } => tr!(lang, "name-taken", existing = existing.as_str()),
            Self::Kept { existing } => tr!(lang, "name-kept", existing = existing.as_str()),
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(crate::i18n::Lang::En))
    }
}

impl std::error::Error for NameError {}

/// Checks a proposed name against every rule that does not depend on who is in the room, and
/// returns it in canonical form (NFC, trimmed of surrounding white space).
pub fn validate(raw: &str) -> Result<String, NameError> {
    let name: String = raw.trim().nfc().collect();
    let n_chars = name.chars().count();
    if n_chars < MIN_NAME_CHARS {
        return Err(NameError::TooShort);
    }
    if n_chars > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    if let Some(bad) = name.chars().find(|&c| !is_name_char(c)) {
        return Err(NameError::BadChar(bad));
    }
    if !name.chars().any(char::is_alphanumeric) {
        return Err(NameError::NoLetter);
    }
    if !name.as_str().is_single_script() {
        return Err(NameError::MixedScripts);
    }
    let loose = reserved_key(&name);
    if RESERVED.iter().any(|r| reserved_key(r) == loose) {
        return Err(NameError::Reserved);
    }
    Ok(name)
}

/// Checks a proposed room name: the name rules, except that words may be separated by single
/// spaces ("Projet X"); white space around and between words is trimmed to one space. Reserved
/// names are refused as for people, and so is the default room's own name, `default_room`.
pub fn validate_room(raw: &str, default_room: &str) -> Result<String, NameError> {
    let name: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let name: String = name.nfc().collect();
    let n_chars = name.chars().count();
    if n_chars < MIN_NAME_CHARS {
        return Err(NameError::TooShort);
    }
    if n_chars > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    if let Some(bad) = name.chars().find(|&c| c != ' ' && !is_name_char(c)) {
        return Err(NameError::BadChar(bad));
    }
    if !name.chars().any(char::is_alphanumeric) {
        return Err(NameError::NoLetter);
    }
    if !name.replace(' ', "").as_str().is_single_script() {
        return Err(NameError::MixedScripts);
    }
    let loose = reserved_key(&name.replace(' ', ""));
    if RESERVED.iter().any(|r| reserved_key(r) == loose) {
        return Err(NameError::Reserved);
    }
    if NameKey::new(&name).clashes(&NameKey::new(default_room)) {
        return Err(NameError::Taken {
            existing: default_room.to_owned(),
        });
    }
    Ok(name)
}

/// Full Unicode case folding, without the dot above that folding `İ` leaves on its `i`.
fn fold_case(name: &str) -> String {
    let folded: String = caseless::default_case_fold_str(name).nfd().collect();
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c == '\u{307}' && matches!(out.chars().last(), Some('i' | 'j')) {
            continue;
        }
        out.push(c);
    }
    out.nfc().collect()
}

/// The loosest form of a name, for comparing with reserved names: folded, reduced to its confusable
/// skeleton, folded again, digits read as the letters they stand in for (`0` as `o`, `5` as `s`, …),
/// `i` and `l` taken as one, and the separators `_ - .` dropped.
fn reserved_key(name: &str) -> String {
    let skeleton: String = skeleton(&fold_case(name)).collect();
    fold_case(&skeleton)
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' => 'l',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '8' => 'b',
            '9' => 'g',
            c => c,
        })
        .collect()
}

/// True for the characters a name may hold.
fn is_name_char(c: char) -> bool {
    matches!(c, '_' | '-' | '.') || (c.is_alphanumeric() && c.identifier_allowed())
}

/// What two names are compared by: two keys, so that names clash when either matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKey {
    /// Skeleton of the case-folded name: `Alice` and `аlice` (Cyrillic а) meet here.
    folded: String,
    /// Skeleton of the name as typed: `Ian` and `lan` meet here (capital I looks like l).
    as_typed: String,
}

impl NameKey {
    /// The comparison key of a name.
    pub fn new(name: &str) -> Self {
        Self {
            folded: skeleton(&fold_case(name)).collect(),
            as_typed: skeleton(name).collect(),
        }
    }

    /// True when the two names would be confused with each other.
    /// The skeleton of the case-folded name: what a name is claimed under across linked servers.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// The skeleton of the name as typed: the key's other half.
    pub fn as_typed(&self) -> &str {
        &self.as_typed
    }

    /// True when the two names could be taken for one another.
    pub fn clashes(&self, other: &NameKey) -> bool {
        self.folded == other.folded || self.as_typed == other.as_typed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clash(a: &str, b: &str) -> bool {
        NameKey::new(a).clashes(&NameKey::new(b))
    }

    #[test]
    fn a_room_name_may_hold_single_spaces_and_follows_every_other_name_rule() {
        let room = |raw: &str| validate_room(raw, "Coucou");
        assert_eq!(room("  Projet   X "), Ok("Projet X".to_owned()));
        assert_eq!(room("Général"), Ok("Général".to_owned()));
        assert_eq!(room("x"), Err(NameError::TooShort));
        assert_eq!(room(""), Err(NameError::TooShort));
        assert_eq!(room(&"a".repeat(31)), Err(NameError::TooLong));
        assert_eq!(room("caf\u{200B}e"), Err(NameError::BadChar('\u{200B}')));
        assert_eq!(room("a\u{202E}b"), Err(NameError::BadChar('\u{202E}')));
        assert_eq!(room("#ops"), Err(NameError::BadChar('#')));
        assert_eq!(room("Proj\u{0435}t"), Err(NameError::MixedScripts));
        assert_eq!(room("Ev eryone"), Err(NameError::Reserved));
        assert_eq!(room("-- --"), Err(NameError::NoLetter));
        assert_eq!(
            room("COUCOU"),
            Err(NameError::Reserved),
            "a reserved word before the default room's name"
        );
        assert_eq!(
            validate_room("Salle B", "salle b"),
            Err(NameError::Taken {
                existing: "salle b".to_owned()
            })
        );
    }

    #[test]
    fn accepts_ordinary_names_in_many_scripts() {
        for name in [
            "alice",
            "Bob_2",
            "jean-luc",
            "a.b",
            "Zoë",
            "日本太郎",
            "Дмитрий",
            "محمد",
        ] {
            assert_eq!(validate(name).as_deref(), Ok(name), "{name}");
        }
    }

    #[test]
    fn length_limits_count_characters() {
        assert_eq!(validate("a"), Err(NameError::TooShort));
        assert_eq!(validate(&"é".repeat(30)).map(|n| n.chars().count()), Ok(30));
        assert_eq!(validate(&"é".repeat(31)), Err(NameError::TooLong));
    }

    #[test]
    fn refuses_spaces_controls_invisible_bidi_and_symbols() {
        for (name, bad) in [
            ("al ice", ' '),
            ("al\u{7}ice", '\u{7}'),
            ("al\u{200b}ice", '\u{200b}'),
            ("al\u{202e}ice", '\u{202e}'),
            ("alice👋", '👋'),
            ("al:ice", ':'),
        ] {
            assert_eq!(validate(name), Err(NameError::BadChar(bad)), "{name:?}");
        }
    }

    #[test]
    fn refuses_mixed_scripts_and_reserved_names() {
        assert_eq!(validate("\u{430}lice"), Err(NameError::MixedScripts));
        assert_eq!(validate("Server"), Err(NameError::Reserved));
        assert_eq!(validate("ADMIN"), Err(NameError::Reserved));
    }

    #[test]
    fn look_alikes_of_reserved_names_are_reserved() {
        for name in [
            "B0njour", "5erver", "adm1n", "r00t", "SERVER", "s3rver", "ser.ver", "c0uc0u",
        ] {
            assert_eq!(validate(name), Err(NameError::Reserved), "{name}");
        }
        for name in ["servers", "bonjours", "hostel", "rooty"] {
            assert!(validate(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn a_name_needs_a_letter_or_a_digit() {
        for name in ["--", "_.", "...", "-_-"] {
            assert_eq!(validate(name), Err(NameError::NoLetter), "{name}");
        }
        assert!(validate("r2").is_ok());
        assert!(validate("_x_").is_ok());
    }

    #[test]
    fn invisible_fillers_are_not_name_characters() {
        for name in [
            "al\u{3164}ice",
            "\u{3164}\u{3164}",
            "al\u{ad}ice",
            "al\u{2060}ice",
            "al\u{feff}ice",
        ] {
            assert!(
                matches!(
                    validate(name),
                    Err(NameError::BadChar(_) | NameError::NoLetter)
                ),
                "{name:?}: {:?}",
                validate(name)
            );
        }
    }

    #[test]
    fn full_case_folding_meets_dotted_and_dotless_i_and_sharp_s() {
        assert!(clash("İbrahim", "ibrahim"));
        assert!(clash("IBRAHIM", "ibrahim"));
        assert!(clash("ıbrahim", "ibrahim"));
        assert!(clash("STRASSE", "straße"));
        assert!(!clash("zoe", "zoey"));
    }

    #[test]
    fn clashes_ignore_case_and_confusables() {
        assert!(clash("alice", "ALICE"));
        assert!(clash("pop", "\u{440}\u{43e}\u{440}"), "Cyrillic рор");
        assert!(clash("Ian", "lan"));
        assert!(clash("paypal", "paypa1"));
        assert!(!clash("alice", "alicia"));
    }
}
