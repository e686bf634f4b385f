//! The words people read, in English and in French: one Fluent bundle per language, built from
//! `assets/i18n/<lang>.ftl` (compiled into the binary), and the locale's dates.
//!
//! Everything a person reads goes through [`Lang::tr`] (or the [`tr!`](crate::tr) macro with
//! arguments): the app's interface in the language of its settings, the server's notices in the
//! language of `--lang`. Protocol codes stay language-free. Fluent's bidi isolation marks are off:
//! egui would draw them as boxes, and every argument here is a name or a number already cleaned.
//!
//! A key missing from a bundle reads as the key itself (a test checks that both bundles have the
//! same keys, so it never happens in a release).

use std::borrow::Cow;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// French.
    Fr,
}

/// The English bundle's source.
pub const EN_FTL: &str = include_str!("../assets/i18n/en.ftl");
/// The French bundle's source.
pub const FR_FTL: &str = include_str!("../assets/i18n/fr.ftl");

impl Lang {
    /// Every language, in the order menus show them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The language's code: `en`, `fr`.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    /// The language's own name for itself, as a menu shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Fr => "Français",
        }
    }

    /// The language of a locale name such as `fr`, `fr-CA`, `fr_FR.UTF-8` or `en-US`; `None` for
    /// one this program has no words for.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let primary = locale
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Self::En),
            "fr" => Some(Self::Fr),
            _ => None,
        }
    }

    /// The system's language, English when it is one this program has no words for.
    pub fn system() -> Lang {
        sys_locale::get_locales()
            .find_map(|locale| Self::from_locale(&locale))
            .unwrap_or_default()
    }

    /// The Fluent source of this language's bundle.
    pub fn source(self) -> &'static str {
        match self {
            Self::En => EN_FTL,
            Self::Fr => FR_FTL,
        }
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        static BUNDLES: OnceLock<[FluentBundle<FluentResource>; 2]> = OnceLock::new();
        let bundles = BUNDLES.get_or_init(|| Lang::ALL.map(build_bundle));
        &bundles[self as usize]
    }

    /// The text of `key`, without arguments.
    pub fn tr(self, key: &str) -> String {
        self.format(key, None)
    }

    /// The text of `key` with `args` (names, numbers); see the [`tr!`](crate::tr) macro.
    pub fn tr_args(self, key: &str, args: &[(&str, Arg)]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent_args.set(*name, value.to_fluent());
        }
        self.format(key, Some(&fluent_args))
    }

    fn format(self, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    /// `date` as this language writes a day: `Tuesday, December 1, 2026` / `mardi 1 décembre 2026`.
    pub fn long_date(self, date: chrono::NaiveDate) -> String {
        use chrono::Datelike as _;
        let weekday = self.tr(&format!(
            "weekday-{}",
            date.weekday().num_days_from_monday() + 1
        ));
        let month = self.tr(&format!("month-{}", date.month()));
        crate::tr!(
            self,
            "date-long",
            weekday = weekday,
            day = date.day(),
            month = month,
            year = date.year()
        )
    }

    /// `date` in short: `Dec 1, 2026` / `1 déc. 2026`.
    pub fn short_date(self, date: chrono::NaiveDate) -> String {
        use chrono::Datelike as _;
        let month = self.tr(&format!("month-short-{}", date.month()));
        crate::tr!(
            self,
            "date-short",
            day = date.day(),
            month = month,
            year = date.year()
        )
    }

    /// A size in bytes as people read it: `840 bytes`, `2.1 MB`, `1.5 GB` (`2,1 Mo` in French);
    /// powers of 1,000, one decimal from MB on.
    pub fn size(self, bytes: u64) -> String {
        #[allow(clippy::cast_precision_loss)] // a size shown to one decimal
        let value = |unit: f64| bytes as f64 / unit;
        let (number, key) = match bytes {
            0..1_000 => return crate::tr!(self, "size-bytes", count = bytes),
            1_000..1_000_000 => (format!("{:.0}", value(1e3)), "size-kb"),
            1_000_000..1_000_000_000 => (format!("{:.1}", value(1e6)), "size-mb"),
            _ => (format!("{:.1}", value(1e9)), "size-gb"),
        };
        let number = match self {
            Self::En => number,
            Self::Fr => number.replace('.', ","),
        };
        crate::tr!(self, key, number = number)
    }

    /// A time of day as the language writes it: `14:05` in both (24-hour clock).
    pub fn time(self, time: chrono::NaiveTime) -> String {
        time.format("%H:%M").to_string()
    }
}

/// An argument of a translated text: a name or other words, or a number (which chooses the plural
/// form).
#[derive(Debug, Clone)]
pub enum Arg {
    /// Words, shown as they are.
    Text(String),
    /// A number.
    Number(f64),
}

impl Arg {
    fn to_fluent(&self) -> FluentValue<'static> {
        match self {
            Self::Text(text) => FluentValue::String(Cow::Owned(text.clone())),
            Self::Number(n) => FluentValue::from(*n),
        }
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&String> for Arg {
    fn from(text: &String) -> Self {
        Self::Text(text.clone())
    }
}

macro_rules! number_arg {
    ($($num:ty)+) => {
        $(impl From<$num> for Arg {
            fn from(n: $num) -> Self {
                // Counts and sizes: far below the 2^53 where f64 stops being exact.
                #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
                Self::Number(n as f64)
            }
        })+
    };
}
number_arg!(i32 i64 u8 u16 u32 u64 usize f32 f64);

/// Words kept so that they can be said again in another language: a key and its arguments, each
/// words as they are, a number, or words of their own ([`Said::with_said`]). The app's own lines in
/// a conversation are kept this way, so that they follow a change of language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    key: &'static str,
    args: Vec<(&'static str, SaidArg)>,
}

/// An argument of [`Said`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum SaidArg {
    /// Words, shown as they are (a name, what a room said).
    Text(String),
    /// A number (which chooses the plural form).
    Count(i64),
    /// Words of their own, said in the same language.
    Said(Box<Said>),
}

impl Said {
    /// The text of `key`, with no argument yet.
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// Words as they are, the same in every language (what a room or the system said).
    pub fn words(text: impl Into<String>) -> Self {
        Self::new("").with("", text)
    }

    /// With the argument `name`: words as they are.
    #[must_use]
    pub fn with(mut self, name: &'static str, text: impl Into<String>) -> Self {
        self.args.push((name, SaidArg::Text(text.into())));
        self
    }

    /// With the argument `name`: a number.
    #[must_use]
    pub fn with_count(mut self, name: &'static str, count: i64) -> Self {
        self.args.push((name, SaidArg::Count(count)));
        self
    }

    /// With the argument `name`: words of their own, in the language of the whole.
    #[must_use]
    pub fn with_said(mut self, name: &'static str, said: Said) -> Self {
        self.args.push((name, SaidArg::Said(Box::new(said))));
        self
    }

    /// The words in `lang`.
    pub fn in_lang(&self, lang: Lang) -> String {
        if let ("", [(_, SaidArg::Text(text))]) = (self.key, self.args.as_slice()) {
            return text.clone();
        }
        let args: Vec<(&str, Arg)> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let arg = match arg {
                    SaidArg::Text(text) => Arg::from(text),
                    SaidArg::Count(count) => Arg::from(*count),
                    SaidArg::Said(said) => Arg::from(said.in_lang(lang)),
                };
                (*name, arg)
            })
            .collect();
        lang.tr_args(self.key, &args)
    }
}

/// The translated text of a key, with named arguments: `tr!(lang, "people-count", count = 3)`.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $key:expr) => {
        $crate::i18n::Lang::tr($lang, $key)
    };
    ($lang:expr, $key:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::Lang::tr_args(
            $lang,
            $key,
            &[$((stringify!($name), $crate::i18n::Arg::from($value))),+],
        )
    };
}

fn build_bundle(lang: Lang) -> FluentBundle<FluentResource> {
    let id = lang
        .code()
        .parse()
        .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    // The sources are part of the program and checked by the tests: a broken entry is skipped, the
    // rest of the bundle still loads.
    let resource = FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(|(r, _)| r);
    let _ = bundle.add_resource(resource);
    bundle
}

/// The message ids of a Fluent source, for the tests that compare the bundles.
pub fn keys(source: &str) -> Vec<String> {
    use fluent_syntax::ast::Entry;
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(resource) => resource,
        Err((resource, _)) => resource,
    };
    resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_pick_a_language() {
        assert_eq!(Lang::from_locale("fr-FR"), Some(Lang::Fr));
        assert_eq!(Lang::from_locale("fr_CA.UTF-8"), Some(Lang::Fr));
        assert_eq!(Lang::from_locale("FR"), Some(Lang::Fr));
        assert_eq!(Lang::from_locale("en-US"), Some(Lang::En));
        assert_eq!(Lang::from_locale("de-DE"), None);
        assert_eq!(Lang::from_locale("C"), None);
        assert_eq!(Lang::from_locale(""), None);
    }

    #[test]
    fn a_missing_key_reads_as_itself() {
        assert_eq!(Lang::Fr.tr("no-such-key"), "no-such-key");
    }

    #[test]
    fn dates_in_each_language() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
        assert_eq!(Lang::En.long_date(day), "Tuesday, December 1, 2026");
        assert_eq!(Lang::Fr.long_date(day), "mardi 1 décembre 2026");
        assert_eq!(Lang::En.short_date(day), "Dec 1, 2026");
        assert_eq!(Lang::Fr.short_date(day), "1 déc. 2026");
    }

    #[test]
    fn sizes_in_each_language() {
        assert_eq!(Lang::En.size(1), "1 byte");
        assert_eq!(Lang::En.size(840), "840 bytes");
        assert_eq!(Lang::En.size(52_428_800), "52.4 MB");
        assert_eq!(Lang::Fr.size(52_428_800), "52,4\u{a0}Mo");
        assert_eq!(Lang::Fr.size(1), "1\u{a0}octet");
        assert_eq!(Lang::En.size(1_500_000_000), "1.5 GB");
        assert_eq!(Lang::Fr.size(12_000), "12\u{a0}ko");
    }

    #[test]
    fn no_isolation_marks_around_arguments() {
        let text = tr!(Lang::Fr, "people-count", count = 3);
        assert_eq!(text, "3 personnes");
        assert!(!text.contains(['\u{2068}', '\u{2069}']));
    }
}
