//! The rules a user name must follow, and the key that tells look-alike names apart.
//!
//! A name is 2 to 30 characters (the seed's limits): letters and digits of any one script, plus `_`,
//! `-` and `.`. Two names clash when they are equal ignoring case, or when they look alike (UTS #39
//! confusable skeletons), so nobody can pass as `alice` with a Cyrillic `а`.

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
    /// A name kept for the server (`server`, `admin`, …).
    Reserved,
    /// Someone in the room has this name, or one that looks the same.
    Taken {
        /// The name already in the room.
        existing: String,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort => write!(f, "a name needs at least {MIN_NAME_CHARS} characters"),
            Self::TooLong => write!(f, "a name has at most {MAX_NAME_CHARS} characters"),
            Self::BadChar(c) if c.is_whitespace() => {
                write!(f, "a name can't contain spaces")
            }
            Self::BadChar(c) => write!(
                f,
                "a name can only use letters, digits, '_', '-' and '.' (U+{:04X} is not allowed)",
                u32::from(*c)
            ),
            Self::MixedScripts => write!(f, "a name must use letters of only one script"),
            Self::Reserved => write!(f, "that name is reserved"),
            Self::Taken { existing } => write!(f, "the name is taken: {existing} is here"),
        }
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
    if !name.as_str().is_single_script() {
        return Err(NameError::MixedScripts);
    }
    let key = NameKey::new(&name);
    if RESERVED.iter().any(|r| key.clashes(&NameKey::new(r))) {
        return Err(NameError::Reserved);
    }
    Ok(name)
}

/// True for the characters a name may hold.
fn is_name_char(c: char) -> bool {
    matches!(c, '_' | '-' | '.') || (c.is_alphanumeric() && c.identifier_allowed())
}

/// What two names are compared by: two keys, so that names clash when either matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKey {
    /// Skeleton of the lower-cased name: `Alice` and `аlice` (Cyrillic а) meet here.
    folded: String,
    /// Skeleton of the name as typed: `Ian` and `lan` meet here (capital I looks like l).
    as_typed: String,
}

impl NameKey {
    /// The comparison key of a name.
    pub fn new(name: &str) -> Self {
        let lower = name.to_lowercase();
        Self {
            folded: skeleton(&lower).collect(),
            as_typed: skeleton(name).collect(),
        }
    }

    /// True when the two names would be confused with each other.
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
    fn clashes_ignore_case_and_confusables() {
        assert!(clash("alice", "ALICE"));
        assert!(clash("pop", "\u{440}\u{43e}\u{440}"), "Cyrillic рор");
        assert!(clash("Ian", "lan"));
        assert!(clash("paypal", "paypa1"));
        assert!(!clash("alice", "alicia"));
    }
}
