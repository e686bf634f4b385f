//! The crate's layers, checked from its sources: no import runs back up a layer (see
//! ARCHITECTURE.md). Each layer lists the modules above it, which none of its files may name.

use std::path::{Path, PathBuf};

/// The modules above the connection layer: what `connection`, `lan`, `tls` and `identity` (and
/// `protocol`, below them) never name.
const ABOVE_CONNECTION: &[&str] = &[
    "server",
    "client",
    "model",
    "app",
    "ui",
    "discovery",
    "diagnostics",
    "headless",
    "hosted",
    "cli",
    "desktop",
];

/// The modules between `protocol` and the connection layer's users, which `protocol` never names.
const ABOVE_PROTOCOL: &[&str] = &[
    "connection",
    "lan",
    "tls",
    "identity",
    "store",
    "journal",
    "link",
];

/// A layer: its files (a folder or one file under `src/`) and the modules it must never name.
const LAYERS: &[(&str, &[&str])] = &[
    // ARCHITECTURE.md: `i18n`, the words, is the bottom layer: it names no other module.
    ("i18n.rs", ABOVE_CONNECTION),
    ("i18n.rs", ABOVE_PROTOCOL),
    ("i18n.rs", &["protocol"]),
    // `digest` (SHA-256 of a reader) names nothing but itself.
    ("digest.rs", ABOVE_CONNECTION),
    ("digest.rs", ABOVE_PROTOCOL),
    ("digest.rs", &["protocol"]),
    // `qr`, a web address as a QR code, is as low: the app's Host panel and `coucou server` draw it.
    ("qr.rs", ABOVE_CONNECTION),
    ("qr.rs", ABOVE_PROTOCOL),
    ("qr.rs", &["protocol"]),
    ("protocol", ABOVE_CONNECTION),
    ("protocol", ABOVE_PROTOCOL),
    ("connection.rs", ABOVE_CONNECTION),
    ("lan.rs", ABOVE_CONNECTION),
    ("tls.rs", ABOVE_CONNECTION),
    ("identity.rs", ABOVE_CONNECTION),
    ("store.rs", ABOVE_CONNECTION),
    // ARCHITECTURE.md: `store` names only `protocol`.
    (
        "store.rs",
        &["connection", "lan", "tls", "identity", "journal", "link"],
    ),
    ("journal.rs", ABOVE_CONNECTION),
    // ARCHITECTURE.md: `journal` names only `protocol`, `store` and the crate root.
    (
        "journal.rs",
        &["connection", "lan", "tls", "identity", "link"],
    ),
    ("link.rs", ABOVE_CONNECTION),
    // ARCHITECTURE.md: `link`, the broker's side of a linked room, names only `protocol` and the
    // crate root; the server uses it, as it uses `store`.
    (
        "link.rs",
        &["connection", "lan", "tls", "identity", "store", "journal"],
    ),
    (
        "server",
        &[
            "client",
            "model",
            "app",
            "ui",
            "discovery",
            "diagnostics",
            "headless",
            "hosted",
            "cli",
            "desktop",
        ],
    ),
    (
        "client",
        &[
            "server",
            "model",
            "app",
            "ui",
            "discovery",
            "diagnostics",
            "headless",
            "hosted",
            "cli",
            "desktop",
        ],
    ),
    // ARCHITECTURE.md: `discovery` names only `protocol`, `lan`, `identity` (the room's code it
    // announces) and the crate root; `diagnostics` only `protocol`, `lan` and the crate root
    // (and `i18n`, which every layer may name).
    ("discovery.rs", ABOVE_CONNECTION),
    (
        "discovery.rs",
        &[
            "diagnostics",
            "connection",
            "tls",
            "store",
            "journal",
            "link",
            "digest",
        ],
    ),
    ("diagnostics.rs", ABOVE_CONNECTION),
    (
        "diagnostics.rs",
        &[
            "discovery",
            "connection",
            "tls",
            "identity",
            "store",
            "journal",
            "link",
            "digest",
        ],
    ),
    (
        "model",
        &[
            "server",
            "app",
            "ui",
            "discovery",
            "diagnostics",
            "headless",
            "hosted",
            "cli",
            "desktop",
        ],
    ),
    (
        "ui",
        &["app", "server", "headless", "hosted", "cli", "desktop"],
    ),
    ("headless.rs", &["client", "model", "app", "ui", "cli"]),
    // `hosted` (a room hosted here) is below the app and `coucou server`, which both use it.
    (
        "hosted.rs",
        &["client", "model", "app", "ui", "headless", "cli"],
    ),
    // `desktop` (the menu entry and icons) names nothing of the crate: the command line uses it.
    ("desktop.rs", ABOVE_CONNECTION),
    ("desktop.rs", ABOVE_PROTOCOL),
    ("desktop.rs", &["protocol", "i18n"]),
];

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).expect("the source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The lines of `text` that name one of `above` (`crate::app::…`, `use crate::{app, …}`), outside
/// comments, with the module named.
fn names_above(text: &str, above: &[&str]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for module in above {
            let named = [
                format!("crate::{module}::"),
                format!("crate::{module};"),
                format!("crate::{{{module}"),
                format!("crate::{{self, {module}"),
            ]
            .iter()
            .any(|pattern| code.contains(pattern.as_str()));
            if named {
                found.push((n + 1, (*module).to_owned()));
            }
        }
    }
    found
}

#[test]
fn no_import_runs_back_up_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (layer, above) in LAYERS {
        let files = rust_files(&src.join(layer));
        assert!(!files.is_empty(), "no files for layer {layer}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, module) in names_above(&text, above) {
                violations.push(format!("{}:{line}: {layer} names {module}", file.display()));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports up a layer:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_room_sees_people_only_through_mailboxes_and_time_only_through_its_clock() {
    let room =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server/room.rs"))
            .unwrap();
    let code: Vec<&str> = room
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect();
    for forbidden in [
        "super::outbox",
        "super::session",
        "super::shared",
        "crate::connection",
        "std::net",
        "std::thread",
        "now_ms()",
        "SystemTime",
        "Instant",
    ] {
        let hits: Vec<usize> = code
            .iter()
            .enumerate()
            .filter(|(_, line)| line.contains(forbidden))
            .map(|(n, _)| n + 1)
            .collect();
        assert!(
            hits.is_empty(),
            "room.rs names {forbidden} at lines {hits:?}"
        );
    }
}

#[test]
fn the_scan_finds_each_way_of_naming_a_module_and_skips_comments() {
    let text = "use crate::app::CoucouApp;\n\
                use crate::{app, protocol};\n\
                let x = crate::ui::name_colour;\n\
                // crate::app:: in a comment\n\
                use crate::protocol::Frame;\n";
    let found = names_above(text, &["app", "ui"]);
    assert_eq!(
        found,
        [
            (1, "app".to_owned()),
            (2, "app".to_owned()),
            (3, "ui".to_owned())
        ]
    );
}

/// Code lines of `src/<path>`, comments cut.
fn code_of(path: &str) -> Vec<String> {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(path))
        .expect("a source file")
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default().to_owned())
        .collect()
}

/// The files of `src/app/` but `mod.rs` (the shell): the state owners.
fn app_owners() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
    let mut owners: Vec<String> = rust_files(&dir)
        .iter()
        .filter_map(|path| path.file_name()?.to_str().map(str::to_owned))
        .filter(|name| name != "mod.rs")
        .map(|name| format!("app/{name}"))
        .collect();
    owners.sort();
    owners
}

#[test]
fn within_the_app_the_state_owners_never_name_the_shell_and_the_pure_ones_no_egui() {
    let owners = app_owners();
    for expected in ["app/session.rs", "app/desk.rs", "app/transfers.rs"] {
        assert!(
            owners.iter().any(|o| o == expected),
            "{expected} in {owners:?}"
        );
    }
    let pure = [
        "app/asked.rs",
        "app/transfers.rs",
        "app/reconnect.rs",
        "app/presence.rs",
    ];
    let mut violations = Vec::new();
    for file in &owners {
        let code = code_of(file);
        // Each file's tests (`use super::*`) come last, in its `#[cfg(test)]` module.
        let before_tests = code.iter().take_while(|line| line.trim() != "#[cfg(test)]");
        for (n, line) in before_tests.enumerate() {
            // The shell is `CoucouApp` in `app/mod.rs`; `super::` names it unless it names a
            // sibling module (`super::desk::Desk`).
            let shell = line.contains("CoucouApp")
                || line.contains("super::{")
                || line.split("super::").skip(1).any(|rest| {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    !owners.contains(&format!("app/{name}.rs"))
                });
            if shell {
                violations.push(format!("src/{file}:{}: names the shell", n + 1));
            }
            if pure.contains(&file.as_str()) && line.contains("egui") {
                violations.push(format!("src/{file}:{}: names egui", n + 1));
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// The type an `impl` line is for: `impl Foo {`, `impl<T> Foo<T> {`, `impl Trait for Foo {`.
fn impl_target(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("impl")?;
    let rest = match rest.strip_prefix('<') {
        // Skip the generics' own angle brackets.
        Some(generics) => {
            let mut depth = 1;
            let end = generics.char_indices().find_map(|(i, c)| {
                match c {
                    '<' => depth += 1,
                    '>' => depth -= 1,
                    _ => {}
                }
                (depth == 0).then_some(i + 1)
            })?;
            &generics[end..]
        }
        None if rest.starts_with(' ') => rest,
        None => return None,
    };
    let rest = rest.split('{').next()?;
    let target = rest.rsplit(" for ").next()?.trim();
    let name: String = target
        .split('<')
        .next()?
        .rsplit("::")
        .next()?
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

#[test]
fn within_the_app_each_type_is_implemented_in_one_file() {
    let mut files_of: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    let mut files = app_owners();
    files.push("app/mod.rs".to_owned());
    for file in &files {
        for line in code_of(file) {
            if let Some(target) = impl_target(&line) {
                files_of.entry(target).or_default().insert(file.clone());
            }
        }
    }
    assert!(files_of.contains_key("CoucouApp") && files_of.contains_key("Session"));
    let spread: Vec<String> = files_of
        .iter()
        .filter(|(_, files)| files.len() > 1)
        .map(|(name, files)| format!("{name}: {files:?}"))
        .collect();
    assert!(spread.is_empty(), "spread over files: {spread:#?}");
}

#[test]
fn the_impl_scan_finds_each_way_of_writing_one() {
    assert_eq!(
        impl_target("impl CoucouApp {").as_deref(),
        Some("CoucouApp")
    );
    assert_eq!(
        impl_target("impl eframe::App for CoucouApp {").as_deref(),
        Some("CoucouApp")
    );
    assert_eq!(
        impl_target("impl<M: Mailbox> Room<M> {").as_deref(),
        Some("Room")
    );
    assert_eq!(
        impl_target("    impl<'a> From<&'a str> for super::Name {").as_deref(),
        Some("Name")
    );
    assert_eq!(impl_target("implement the rest"), None);
}

/// Lines of `src/<path>` that are code: neither blank, nor comments, nor in its `#[cfg(test)]`
/// module (which ends a file, by the house style).
fn code_lines(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).expect("a source file");
    text.lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("//"))
        .count()
}

#[test]
fn the_shell_stays_small_and_no_file_grows_past_a_thousand_lines_of_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let shell = std::fs::read_to_string(src.join("app/mod.rs")).expect("the shell");
    assert!(
        shell.lines().count() <= 600,
        "app/mod.rs has {} lines",
        shell.lines().count()
    );
    let big: Vec<String> = rust_files(&src)
        .into_iter()
        .map(|path| (code_lines(&path), path))
        .filter(|(lines, _)| *lines > 1000)
        .map(|(lines, path)| format!("{}: {lines}", path.display()))
        .collect();
    assert!(big.is_empty(), "{big:#?}");
}

#[test]
fn the_model_never_reads_the_clock() {
    let mut reads = Vec::new();
    for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model")) {
        let text = std::fs::read_to_string(&file).expect("a source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for clock in ["now_ms()", "Instant::now", "SystemTime"] {
                if code.contains(clock) {
                    reads.push(format!("{}:{}: {clock}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(reads.is_empty(), "the time is its caller's: {reads:#?}");
}
