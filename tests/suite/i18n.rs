//! The two languages, checked from their files and from the sources (the web page's own words too:
//! the same keys, placeholders and French spacing): the same keys with the same
//! arguments, plural forms right for 0, 1, 2 and 5, no Fluent syntax error, no isolation marks, and
//! no user-visible string literal in the views that escapes translation.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use coucou::i18n::{EN_FTL, FR_FTL, Lang, keys};
use coucou::tr;
use fluent_syntax::ast;

/// Each message of a Fluent source, with the names of the variables it uses.
fn variables(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let resource = fluent_syntax::parser::parse(source)
        .unwrap_or_else(|(_, errors)| panic!("the bundle does not parse: {errors:?}"));
    let mut out = BTreeMap::new();
    for entry in resource.body {
        if let ast::Entry::Message(message) = entry {
            let mut names = BTreeSet::new();
            if let Some(pattern) = &message.value {
                pattern_variables(pattern, &mut names);
            }
            out.insert(message.id.name.to_owned(), names);
        }
    }
    out
}

fn pattern_variables(pattern: &ast::Pattern<&str>, names: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_variables(expression, names);
        }
    }
}

fn expression_variables(expression: &ast::Expression<&str>, names: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_variables(selector, names);
            for variant in variants {
                pattern_variables(&variant.value, names);
            }
        }
        ast::Expression::Inline(inline) => inline_variables(inline, names),
    }
}

fn inline_variables(inline: &ast::InlineExpression<&str>, names: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            names.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_variables(expression, names),
        _ => {}
    }
}

#[test]
fn both_bundles_parse_and_have_the_same_keys_with_the_same_arguments() {
    let (en, fr) = (variables(EN_FTL), variables(FR_FTL));
    let en_keys: BTreeSet<_> = en.keys().collect();
    let fr_keys: BTreeSet<_> = fr.keys().collect();
    assert_eq!(
        en_keys.symmetric_difference(&fr_keys).collect::<Vec<_>>(),
        Vec::<&&String>::new(),
        "keys in one bundle only"
    );
    for (key, names) in &en {
        assert_eq!(Some(names), fr.get(key), "the arguments of {key}");
    }
    for source in [EN_FTL, FR_FTL] {
        let all = keys(source);
        let unique: BTreeSet<_> = all.iter().collect();
        assert_eq!(all.len(), unique.len(), "a key given twice");
    }
    assert!(en.len() > 300, "{} keys", en.len());
}

#[test]
fn every_key_the_sources_name_is_in_the_bundles() {
    let known: BTreeSet<String> = keys(EN_FTL).into_iter().collect();
    let (mut missing, mut seen) = (Vec::new(), 0);
    for file in rust_files(Path::new("src")) {
        let text = std::fs::read_to_string(&file).expect("a source file");
        // Unit tests may ask for a key that is not there, on purpose.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for call in [
            ".tr(\"",
            "tr!(lang, \"",
            "tr!(self.lang, \"",
            "tr!(system, \"",
        ] {
            for (at, _) in code.match_indices(call) {
                let rest = &code[at + call.len()..];
                let key = &rest[..rest.find('"').unwrap_or(0)];
                seen += 1;
                if !known.contains(key) {
                    missing.push(format!("{}: {key}", file.display()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    assert!(seen > 200, "the scan found only {seen} keys");
}

#[test]
fn plural_forms_for_0_1_2_and_5() {
    let people = |lang, n: u32| tr!(lang, "people-count", count = n);
    let en: Vec<String> = [0, 1, 2, 5].map(|n| people(Lang::En, n)).into();
    let fr: Vec<String> = [0, 1, 2, 5].map(|n| people(Lang::Fr, n)).into();
    assert_eq!(en, ["0 people", "1 person", "2 people", "5 people"]);
    // French counts 0 and 1 as one ("0 personne"), as CLDR says.
    assert_eq!(
        fr,
        ["0 personne", "1 personne", "2 personnes", "5 personnes"]
    );
    let unseen = |lang, n: u32| tr!(lang, "new-messages", count = n);
    assert_eq!(unseen(Lang::Fr, 1), "1 nouveau message - voir");
    assert_eq!(unseen(Lang::Fr, 2), "2 nouveaux messages - voir");
    assert_eq!(unseen(Lang::En, 5), "5 new messages - show");
    let found = |lang, n: u32| tr!(lang, "plain-found", count = n, words = "café");
    assert_eq!(found(Lang::En, 0), "Nothing found for \"café\".");
    assert_eq!(found(Lang::En, 1), "1 message found for \"café\":");
    assert_eq!(
        found(Lang::Fr, 2).split(',').next(),
        Some("2 messages trouvés pour «\u{a0}café\u{a0}»")
    );
    // The whole sentence agrees with the count, the second clause too.
    let others = |n: u32| tr!(Lang::Fr, "confirm-host-off-text", others = n);
    assert_eq!(
        others(1),
        "1 autre personne est connectée. Elle sera prévenue de la fermeture du salon."
    );
    assert_eq!(
        others(5),
        "5 autres personnes sont connectées. Elles seront prévenues de la fermeture du salon."
    );
}

#[test]
fn no_text_on_screen_shows_markdown_backticks() {
    // The refusals a terminal reads name a command to type: there, backticks are the custom.
    let for_terminals = ["error-tls-required", "error-password-needs-tls"];
    let mut shown = Vec::new();
    for (lang, source) in [(Lang::En, EN_FTL), (Lang::Fr, FR_FTL)] {
        for key in keys(source) {
            let text = lang.tr(&key);
            if text.contains('`') && !for_terminals.contains(&key.as_str()) {
                shown.push(format!("{lang:?} {key}: {text}"));
            }
        }
    }
    assert!(shown.is_empty(), "{shown:#?}");
}

#[test]
fn no_text_carries_bidi_isolation_marks_or_an_unfilled_argument() {
    for lang in Lang::ALL {
        for key in keys(lang.source()) {
            let text = lang.tr_args(
                &key,
                &[
                    ("name", "alice".into()),
                    ("count", 3u32.into()),
                    ("others", 2u32.into()),
                ],
            );
            assert!(
                !text.contains(['\u{2068}', '\u{2069}']),
                "{lang:?} {key}: {text:?}"
            );
            assert!(!text.is_empty(), "{lang:?} {key} is empty");
        }
    }
}

/// Calls that put their first string argument on screen.
const SHOWN_BY: &[&str] = &[
    ".label(",
    ".button(",
    ".small_button(",
    ".heading(",
    ".weak(",
    ".strong(",
    ".selectable_label(",
    ".checkbox(",
    ".radio(",
    ".on_hover_text(",
    ".hint_text(",
    ".menu_button(",
    ".colored_label(",
    "RichText::new(",
    "Button::new(",
    "Checkbox::new(",
    "MenuButton::new(",
    "CollapsingHeader::new(",
    "Label::new(",
    "set_title(",
];

/// Literals that are the same in every language: the app's name, symbols, key names.
const SAME_IN_EVERY_LANGUAGE: &[&str] = &["Coucou", "A-", "A+", "Ctrl 0"];

/// The string literals with words in them that `code` passes to a call of [`SHOWN_BY`].
fn untranslated(code: &str) -> Vec<String> {
    let mut escaped = Vec::new();
    for call in SHOWN_BY {
        for (at, _) in code.match_indices(call) {
            let args = code[at + call.len()..].trim_start();
            // A literal, or a format string, as the first argument (or the second, for
            // `checkbox(&mut value, "…")` and friends).
            let first = args
                .strip_prefix("&mut ")
                .and_then(|rest| rest.split_once(',').map(|(_, after)| after.trim_start()))
                .unwrap_or(args);
            let first = first.strip_prefix("format!(").unwrap_or(first);
            let Some(literal) = first.strip_prefix('"') else {
                continue;
            };
            let literal = &literal[..literal.find('"').unwrap_or(0)];
            // Words outside the `{…}` placeholders.
            let words: String = literal
                .split(['{', '}'])
                .step_by(2)
                .collect::<Vec<_>>()
                .join(" ");
            if words.chars().any(char::is_alphabetic) && !SAME_IN_EVERY_LANGUAGE.contains(&literal)
            {
                escaped.push(format!("{call}\"{literal}\""));
            }
        }
    }
    escaped
}

#[test]
fn the_scan_finds_literals_on_screen_and_lets_translations_and_symbols_pass() {
    let code = r#"
        ui.label("Hello");
        ui.checkbox(&mut on, "Encrypted only");
        ui.weak(format!("{n} pt"));
        egui::Button::new(
            "Send")
        ui.label(lang.tr("greeting"));
        ui.label(format!("{a} · {b}"));
        ui.button("A+");
        ui.label(RichText::new(name).strong());
    "#;
    assert_eq!(
        untranslated(code),
        [
            ".label(\"Hello\"",
            ".weak(\"{n} pt\"",
            ".checkbox(\"Encrypted only\"",
            "Button::new(\"Send\"",
        ]
    );
}

#[test]
fn no_string_literal_reaches_the_screen_untranslated() {
    let mut escaped = Vec::new();
    for dir in ["src/ui", "src/app"] {
        for file in rust_files(Path::new(dir)) {
            let text = std::fs::read_to_string(&file).expect("a source file");
            // Unit tests at the end of a file may say anything.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for found in untranslated(code) {
                escaped.push(format!("{}: {found}", file.display()));
            }
        }
    }
    assert!(escaped.is_empty(), "untranslated: {escaped:#?}");
}

/// Calls whose string literals never reach a person: what they say is for programmers, logs,
/// thread names or keys.
const NOT_SHOWN: &[&str] = &[
    "expect(",
    ".name(",
    "tr(",
    "tr!(",
    "debug!(",
    "info!(",
    "warn!(",
    "error!(",
    "trace!(",
    "panic!(",
    "unreachable!(",
    "assert",
    "Id::new(",
    "Id::unique(",
    "Grid::new(",
    "Panel::",
    "Modal::new(",
    "id_salt(",
    "read_field(",
];

/// Where a file stops holding interface text: the demo conversation below this line is what
/// made-up people say, in snapshots and benchmarks.
const CONTENT_FROM: &[(&str, &str)] = &[("chat.rs", "pub fn demo_conversation")];

/// The string literals of `code` that hold words (two or more with spaces between them, outside
/// `{…}`), on lines that
/// call nothing in [`NOT_SHOWN`]: text that could end up on screen without a translation,
/// stored in state first or not.
fn worded_literals(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap_or_default();
        if NOT_SHOWN.iter().any(|call| line.contains(call)) {
            continue;
        }
        for literal in line.split('"').skip(1).step_by(2) {
            let words: String = literal.split(['{', '}']).step_by(2).collect();
            // Words a person reads are separated by spaces (`connect-timed-out`, a key, is one
            // token) and have letters side by side (`%H:%M` has none).
            let is_word = |w: &&str| {
                let letters: Vec<bool> = w.chars().map(char::is_alphabetic).collect();
                letters.windows(2).any(|pair| pair[0] && pair[1])
            };
            let worded = words.split_whitespace().filter(is_word).count();
            if worded >= 2 {
                found.push(literal.to_owned());
            }
        }
    }
    found
}

#[test]
fn the_wider_scan_finds_words_stored_in_state_and_lets_programmer_text_pass() {
    let code = r#"
        self.error = Some(format!("A profile called {name} exists already."));
        Err(ConnectError::Other("the server closed the connection".to_owned()))
        let x = thread::Builder::new().name("coucou-measure".to_owned());
        warn!("the history could not be read ({err})");
        ui.label(lang.tr("greeting"));
        let path = "a.txt";
    "#;
    assert_eq!(
        worded_literals(code),
        [
            "A profile called {name} exists already.",
            "the server closed the connection"
        ]
    );
}

#[test]
fn no_words_reach_the_screen_untranslated_from_the_client_the_model_or_state() {
    let mut escaped = Vec::new();
    for dir in ["src/client", "src/model", "src/app", "src/ui"] {
        for file in rust_files(Path::new(dir)) {
            let text = std::fs::read_to_string(&file).expect("a source file");
            let mut code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (name, from) in CONTENT_FROM {
                if file.ends_with(name) {
                    code = code.split(from).next().unwrap_or_default();
                }
            }
            for literal in worded_literals(code) {
                escaped.push(format!("{}: {literal:?}", file.display()));
            }
        }
    }
    assert!(escaped.is_empty(), "untranslated: {escaped:#?}");
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn arguments_from_the_network_are_never_read_as_fluent() {
    let forged = "{ $name } { -brand } {\"x\"} \u{2068}";
    for lang in Lang::ALL {
        let text = tr!(lang, "plain-away-reason", name = "bob", reason = forged);
        assert!(text.contains(forged), "{lang:?}: {text}");
        assert!(text.starts_with("bob "), "{lang:?}: {text}");
    }
}

#[test]
fn french_puts_a_no_break_space_before_colons_semicolons_and_marks() {
    let source = std::fs::read_to_string("assets/i18n/fr.ftl").expect("the French bundle");
    let mut wrong = Vec::new();
    for (n, line) in source.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        // The value only (a key has no spaces), and not inside a placeable.
        let value = line.split_once(" = ").map_or(line, |(_, v)| v);
        let mut depth = 0;
        let chars: Vec<char> = value.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                // "https://", "12:30" and the like have no space before them at all.
                ':' | ';' | '!' | '?' if depth == 0 && i > 0 && chars[i - 1] == ' ' => {
                    wrong.push(format!("line {}: {line}", n + 1));
                }
                _ => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a plain space before punctuation: {wrong:#?}"
    );
}

/// The web page's own words (`WORDS` in `assets/web/coucou.js`), by key: each key's text, its
/// lines joined.
fn page_words(lang: &str) -> BTreeMap<String, String> {
    let source = std::fs::read_to_string("assets/web/coucou.js").expect("the page's script");
    let block = source
        .split(&format!("\n  {lang}: {{\n"))
        .nth(1)
        .expect("the language's block");
    let block = block.split("\n  },").next().expect("its end");
    let mut words = BTreeMap::new();
    let mut key = String::new();
    for line in block.lines() {
        let text = match line.strip_prefix("    ").filter(|l| !l.starts_with(' ')) {
            Some(entry) => {
                let (name, rest) = entry.split_once(':').expect("key: text");
                key = name.to_owned();
                rest
            }
            None => line,
        };
        words
            .entry(key.clone())
            .or_insert_with(String::new)
            .push_str(text.trim());
    }
    words
}

/// The `{name}` placeholders of a text.
fn placeholders(text: &str) -> BTreeSet<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

#[test]
fn the_pages_words_have_the_same_keys_and_placeholders_in_both_languages_and_french_spacing() {
    let (en, fr) = (page_words("en"), page_words("fr"));
    assert!(en.len() > 50, "{}", en.len());
    assert_eq!(en.keys().collect::<Vec<_>>(), fr.keys().collect::<Vec<_>>());
    for (key, text) in &en {
        assert_eq!(placeholders(text), placeholders(&fr[key]), "{key}");
    }
    let wrong: Vec<&String> = fr
        .iter()
        .filter(|(_, text)| {
            let chars: Vec<char> = text.chars().collect();
            chars
                .windows(2)
                .any(|pair| pair[0] == ' ' && matches!(pair[1], ':' | ';' | '!' | '?'))
        })
        .map(|(key, _)| key)
        .collect();
    assert!(
        wrong.is_empty(),
        "a plain space before punctuation: {wrong:?}"
    );
}
