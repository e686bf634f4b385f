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
