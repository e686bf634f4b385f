//! `coucou server` as a person runs it: the real binary, on loopback.

mod common;

use std::net::TcpListener;
use std::process::Command;

use common::{Plain, coucou, spawn_server};

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

    let out = coucou()
        .args([
            "server",
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            "--lang",
            "tlh",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("use en or fr"), "{stderr}");
}

#[test]
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
        let out = coucou()
            .args(["server", "--bind", "127.0.0.1", "--port", "0"])
            .args(&args)
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn the_banner_shows_the_room_code_and_a_password_room_says_how_to_join() {
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "tournesol\n").unwrap();
    let identity = dir.path().join("identity");
    let mut command = coucou();
    command
        .args(["server", "--bind", "127.0.0.1", "--port", "0", "--identity"])
        .arg(&identity)
        .arg("--password-file")
        .arg(&password)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let mut banner = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("Press Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    child.kill().ok();
    child.wait().ok();
    let code = coucou::identity::Identity::load(&identity)
        .unwrap()
        .fingerprint()
        .code();
    let text = banner.join("\n");
    assert!(text.contains(&format!("Room code: {code}")), "{text}");
    assert!(
        text.contains("openssl s_client -quiet -connect 127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("A password is required"), "{text}");
    assert!(!text.contains("tournesol"), "the password is never printed");
}
