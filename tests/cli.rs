//! `coucou server` as a person runs it: the real binary, on loopback.
#![allow(clippy::unwrap_used)] // reason: tests.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

use common::Plain;

fn coucou() -> Command {
    Command::new(env!("CARGO_BIN_EXE_coucou"))
}

/// Starts `coucou server` on a free loopback port; returns the child and its port.
fn spawn_server(extra: &[&str]) -> (Child, u16) {
    let mut child = coucou()
        .args(["server", "--bind", "127.0.0.1", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // Keep reading, so the server's later lines don't meet a closed pipe.
    std::thread::Builder::new()
        .name("test-stdout".into())
        .spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()))
        .unwrap();
    let port = first
        .trim_end()
        .trim_end_matches('.')
        .rsplit(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"));
    (child, port)
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
fn sigterm_tells_everyone_and_exits_zero() {
    let (mut child, port) = spawn_server(&["--room", "Bureau", "--motd", "Salut"]);
    let mut alice = Plain::connect(([127, 0, 0, 1], port).into());
    alice.send("alice");
    assert_eq!(alice.line(), "* Welcome to Bureau, alice!");
    alice.expect("* Salut");
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
