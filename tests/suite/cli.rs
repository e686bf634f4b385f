//! `coucou server` as a person runs it: the real binary, on loopback.

use std::net::TcpListener;
use std::process::Command;

use crate::common::{Plain, coucou, spawn_server};

/// Runs `coucou server` on 127.0.0.1 and a free port with `extra` options, expecting it to fail at
/// start; returns what it said on standard error.
fn server_fails_with(extra: &[&std::ffi::OsStr]) -> String {
    let child = coucou()
        .args(["server", "--bind", "127.0.0.1", "--port", "0"])
        .args(extra)
        .env("RUST_LOG", "off")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("coucou runs");
    let pid = child.id();
    // A server that starts instead of failing is stopped, and the test fails, not hangs.
    let (done, out) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("test-waiter".into())
        .spawn(move || done.send(child.wait_with_output()).ok())
        .expect("a thread");
    let Ok(out) = out.recv_timeout(crate::common::PATIENCE) else {
        std::process::Command::new("kill")
            .arg(pid.to_string())
            .status()
            .ok();
        panic!("{extra:?} started a server instead of failing");
    };
    let out = out.expect("coucou runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{extra:?} started: {stderr}");
    stderr
}

#[test]
fn a_busy_port_is_a_one_line_error_and_a_failure_exit() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = coucou()
        .args(["server", "--bind", "127.0.0.1", "--port", &port])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("already in use"), "{stderr}");
}

#[test]
fn lang_fr_gives_french_notices_and_a_language_it_has_no_words_for_is_refused() {
    let (mut child, port) = spawn_server(&["--room", "Atelier", "--lang", "fr"]);
    let mut alice = Plain::connect(([127, 0, 0, 1], port).into());
    alice.send("alice");
    assert_eq!(alice.line(), "*** Bienvenue dans Atelier, alice\u{a0}!");
    alice.send("/help");
    alice.expect("*** Commandes\u{a0}:");
    child.kill().ok();
    child.wait().ok();

    let stderr = server_fails_with(&["--lang".as_ref(), "tlh".as_ref()]);
    assert!(stderr.contains("use en or fr"), "{stderr}");
}

#[test]
#[cfg(unix)] // SIGTERM: Windows has no such signal.
fn sigterm_tells_everyone_and_exits_zero() {
    let (mut child, port) = spawn_server(&["--room", "Bureau", "--motd", "Salut"]);
    let mut alice = Plain::connect(([127, 0, 0, 1], port).into());
    alice.send("alice");
    assert_eq!(alice.line(), "*** Welcome to Bureau, alice!");
    alice.expect("*** Salut");
    alice.send("coucou");
    alice.expect("Bonjour alice");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let lines = alice.expect_closed();
    assert!(lines.iter().any(|l| l.contains("stopping")), "{lines:?}");
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_missing_empty_or_damaged_password_file_or_identity_is_one_clear_line_and_a_failure_exit() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let damaged = dir.path().join("identity");
    std::fs::create_dir(&damaged).unwrap();
    std::fs::write(
        damaged.join(coucou::identity::CERT_FILE),
        b"not a certificate",
    )
    .unwrap();
    std::fs::write(damaged.join(coucou::identity::KEY_FILE), b"not a key").unwrap();
    let missing = dir.path().join("missing");
    let cases: [(Vec<&std::ffi::OsStr>, &str); 3] = [
        (
            vec!["--password-file".as_ref(), missing.as_os_str()],
            "can't read the password file",
        ),
        (
            vec!["--password-file".as_ref(), empty.as_os_str()],
            "the password is empty",
        ),
        (
            vec!["--identity".as_ref(), damaged.as_os_str()],
            "can't be used",
        ),
    ];
    for (args, says) in cases {
        let stderr = server_fails_with(&args);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// What `coucou server` on 127.0.0.1, port 0, with `args` prints before it serves.
fn banner(identity: &std::path::Path, args: &[&std::ffi::OsStr]) -> String {
    let mut command = coucou();
    command
        .args(["server", "--bind", "127.0.0.1", "--port", "0", "--identity"])
        .arg(identity)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = command.spawn().expect("coucou server starts");
    let stdout = child.stdout.take().expect("its output");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let mut banner = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("a line of its banner");
        let done = line.starts_with("Press Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    child.kill().ok();
    child.wait().ok();
    banner.join("\n")
}

#[test]
fn the_banner_shows_the_room_code_and_a_password_room_says_how_to_join() {
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "tournesol\n").unwrap();
    let identity = dir.path().join("identity");
    let text = banner(
        &identity,
        &["--password-file".as_ref(), password.as_os_str()],
    );
    let code = coucou::identity::Identity::load(&identity)
        .unwrap()
        .fingerprint()
        .code();
    assert!(text.contains(&format!("Room code: {code}")), "{text}");
    assert!(
        text.contains("openssl s_client -quiet -connect 127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("A password is required"), "{text}");
    assert!(!text.contains("tournesol"), "the password is never printed");
    // The web page, over https only: the password is typed into it.
    assert!(text.contains("From a phone"), "{text}");
    assert!(text.contains("  https://127.0.0.1:"), "{text}");
    assert!(!text.contains("http://"), "{text}");
}

#[test]
fn the_banner_gives_phones_the_pages_address_and_its_qr_code() {
    let dir = tempfile::tempdir().unwrap();
    let text = banner(&dir.path().join("identity"), &[]);
    let page = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("the page's address: {text}"));
    let port: u16 = page.trim_end_matches('/').parse().unwrap();
    let qr = coucou::qr::Qr::new(&format!("http://127.0.0.1:{port}/")).unwrap();
    assert!(text.contains(&qr.to_terminal()), "{text}");
    let encrypted = banner(&dir.path().join("identity"), &["--require-tls".as_ref()]);
    assert!(encrypted.contains("  https://127.0.0.1:"), "{encrypted}");
}

#[test]
fn an_options_file_sets_the_room_and_the_command_line_wins_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.toml");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "tournesol\n").unwrap();
    std::fs::write(
        &file,
        format!(
            "# as in /etc/coucou/server.toml\nroom = \"Salle 12\"\nport = 1\nmotd = \"Bienvenue\"\nno_store = true\nadvertise = false\nrooms = \"Général, Projet X\"\nroom-password-file = [\"Secret={}\"]\n",
            secret.display()
        ),
    )
    .unwrap();
    // The file says port 1; the command line's port 0 (a free one) wins.
    let (mut child, port) = spawn_server(&["--config", file.to_str().unwrap()]);
    let mut alice = Plain::connect(([127, 0, 0, 1], port).into());
    alice.send("alice");
    assert_eq!(alice.line(), "*** Welcome to Salle 12, alice!");
    alice.expect("*** Bienvenue");
    alice.send("/rooms");
    alice.expect("*** 4 rooms:");
    assert_eq!(alice.line(), "*** > Salle 12 (1 person)");
    assert_eq!(alice.line(), "***   Général (0 people)");
    assert_eq!(alice.line(), "***   Projet X (0 people)");
    assert_eq!(alice.line(), "***   Secret (0 people) (password)");
    child.kill().ok();
    child.wait().ok();
}

#[test]
fn a_bad_options_file_is_one_clear_line_and_a_failure_exit() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str, text: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let huge = "# padding\n".repeat(7_000);
    let cases = [
        (
            at("unknown.toml", b"rooom = \"x\"\n"),
            "\"rooom\" is not an option",
        ),
        (at("kind.toml", b"port = \"not a port\"\n"), "invalid value"),
        (
            at("flag.toml", b"advertise = \"yes\"\n"),
            "advertise takes true or false",
        ),
        (
            at("list.toml", b"room = [\"a\", \"b\"]\n"),
            "room takes a string or a number",
        ),
        (at("toml.toml", b"room = \"unterminated\n"), "toml.toml"),
        (
            at("loop.toml", b"config = \"loop.toml\"\n"),
            "\"config\" is not an option",
        ),
        (
            at("binary.toml", b"room = \"\xff\xfe\"\n"),
            "can't read the options file",
        ),
        (at("huge.toml", huge.as_bytes()), "is over 64 KiB"),
        (
            dir.path().join("missing.toml"),
            "can't read the options file",
        ),
    ];
    for (file, says) in cases {
        let stderr = server_fails_with(&["--config".as_ref(), file.as_os_str()]);
        assert!(stderr.contains(says), "{}: {stderr}", file.display());
        let lines = stderr.lines().filter(|l| !l.trim().is_empty()).count();
        assert!(
            lines <= 3,
            "{}: a short error, not {stderr}",
            file.display()
        );
    }
}

#[test]
fn install_then_uninstall_under_a_temporary_home() {
    let home = tempfile::tempdir().unwrap();
    let run = |command: &str| {
        let out = coucou()
            .arg(command)
            .env("HOME", home.path())
            .env_remove("XDG_DATA_HOME")
            .output()
            .unwrap();
        assert!(out.status.success(), "{command}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let said = run("install");
    let data = home.path().join(".local/share");
    let entry = std::fs::read_to_string(data.join("applications/coucou.desktop")).unwrap();
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_coucou"));
    assert!(
        entry.contains(&format!("\nExec={}\n", exe.display())),
        "the entry starts this very program: {entry}"
    );
    assert!(said.contains("application menu"), "{said}");
    for size in coucou::desktop::ICON_SIZES {
        let icon = data.join(format!("icons/hicolor/{size}x{size}/apps/coucou.png"));
        assert!(icon.is_file(), "{}", icon.display());
    }
    run("uninstall");
    let mut left = Vec::new();
    let mut dirs = vec![home.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for item in std::fs::read_dir(dir).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                left.push(path);
            }
        }
    }
    // The settings folder confy may have made is not ours to judge; no file is left anywhere.
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(run("uninstall").contains("Nothing to remove"));
}

#[test]
fn a_data_folder_that_cant_be_made_is_named_not_taken_for_the_port() {
    // A folder under a file can't be made, even by root (who writes into read-only folders).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let data = file.join("coucou");
    let stderr = server_fails_with(&["--data-dir".as_ref(), data.as_os_str()]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "can't start the room with its data in {}",
            data.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("can't listen"), "{stderr}");
}
