//! What a search looks for: one rule, for the store's index and for a room that keeps no store.
//!
//! The words of the asked text (split at anything not a letter or digit), case and accents
//! folded ("Café" is "cafe"), at most [`MAX_SEARCH_WORDS`] of them, each cut at
//! [`MAX_WORD_CHARS`]; a message matches when it holds every word, the last one also as the start
//! of a word once it has [`PREFIX_FROM_CHARS`] letters (what is being typed). Pure: no I/O.

use unicode_normalization::UnicodeNormalization;

/// The most words a search looks for; more are ignored.
pub const MAX_SEARCH_WORDS: usize = 8;

/// The longest word looked for, in characters; the rest of a longer one is ignored.
pub const MAX_WORD_CHARS: usize = 64;

/// From this many characters, the last word also finds the words it starts.
pub const PREFIX_FROM_CHARS: usize = 3;

/// A search's words, folded, as every place that searches reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    words: Vec<String>,
}

impl Query {
    /// The query in `text`; `None` when it holds no word.
    pub fn parse(text: &str) -> Option<Self> {
        let words: Vec<String> = fold_words(text)
            .into_iter()
            .take(MAX_SEARCH_WORDS)
            .map(|w| w.chars().take(MAX_WORD_CHARS).collect())
            .collect();
        (!words.is_empty()).then_some(Self { words })
    }

    /// The words, folded, in the order asked.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Whether the last word also finds the words it starts.
    pub fn last_is_prefix(&self) -> bool {
        self.words
            .last()
            .is_some_and(|w| w.chars().count() >= PREFIX_FROM_CHARS)
    }

    /// Whether `text` holds every word (the last one perhaps as a word's start).
    pub fn matches(&self, text: &str) -> bool {
        let have = fold_words(text);
        let last = self.words.len() - 1;
        let prefix = self.last_is_prefix();
        self.words.iter().enumerate().all(|(n, w)| {
            have.iter()
                .any(|h| h == w || (n == last && prefix && h.starts_with(w.as_str())))
        })
    }
}

/// The words of `text`, case and accents folded.
fn fold_words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_bounded_and_the_last_is_a_prefix_from_three_letters() {
        assert_eq!(Query::parse("  ,;! "), None);
        let q = Query::parse("Café, CRÈME").expect("words");
        assert_eq!(q.words(), ["cafe", "creme"]);
        assert!(q.matches("un café crémeux"), "the last word as a prefix");
        assert!(!q.matches("un café"));
        let short = Query::parse("ca").expect("a word");
        assert!(!short.last_is_prefix());
        assert!(!short.matches("café") && short.matches("Ça"));
        let many = Query::parse("a b c d e f g h i j").expect("words");
        assert_eq!(many.words().len(), MAX_SEARCH_WORDS);
        assert!(
            many.matches("h g f e d c b a"),
            "the ninth and tenth are ignored"
        );
        let long = Query::parse(&"x".repeat(100)).expect("a word");
        assert_eq!(long.words()[0].chars().count(), MAX_WORD_CHARS);
    }
}
