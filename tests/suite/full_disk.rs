//! A full disk, for real: `coucou server` keeps its history on a 256 KiB tmpfs mounted in a mount
//! namespace of its own (`unshare -m`, made by the test; needs root). When the disk fills, the
//! server stops storing, says so once, and the chat goes on. Behind the `mount-tests` feature;
//! `.ci/run` runs it as root.
#![cfg(feature = "mount-tests")]

use std::io::Read;
use std::net::SocketAddr;
use std::process::Stdio;

use crate::common::Plain;

/// `coucou server` with its data folder on a tmpfs of `size` (`256k`, `1m`) in a mount namespace
/// of its own, and `extra` options; its standard error as `stderr` says. Returns the temp folder
/// (keep it), the child and its address.
fn server_on_tmpfs(
    size: &str,
    extra: &[&str],
    log: &str,
    stderr: Stdio,
) -> (tempfile::TempDir, std::process::Child, SocketAddr) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("the data folder");
    let mut command = std::process::Command::new("unshare");
    let script = format!(
        "mount -t tmpfs -o size={size} tmpfs '{}' && exec \"$0\" \"$@\"",
        data.display()
    );
    command
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .arg(env!("CARGO_BIN_EXE_coucou"))
        .args([
            "server",
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            "--no-flood-limit",
        ])
        .args(extra)
        .arg("--data-dir")
        .arg(&data)
        .arg("--identity")
        .arg(dir.path().join("identity"))
        .env("HOME", dir.path())
        .env("RUST_LOG", log)
        .stderr(stderr);
    let (child, port) = crate::common::spawn_server_from(command);
    (dir, child, SocketAddr::from(([127, 0, 0, 1], port)))
}

#[test]
fn a_full_disk_stops_the_history_once_and_never_the_chat() {
    let (_dir, mut child, addr) = server_on_tmpfs("256k", &[], "warn", Stdio::piped());
    let mut alice = Plain::join(addr, "alice");
    let mut bob = Plain::join(addr, "bob");
    // 400 messages of 2,000 bytes: far more than 256 KiB can hold.
    let filler = "x".repeat(1_990);
    for n in 0..400 {
        alice.send(&format!("{n:04} {filler}"));
        bob.expect(&format!("alice: {n:04} "));
    }
    alice.send("still chatting");
    bob.expect("alice: still chatting");
    child.kill().ok();
    child.wait().ok();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let said = stderr
        .lines()
        .filter(|l| l.contains("the history can't be stored any more"))
        .count();
    assert_eq!(said, 1, "said once: {stderr}");
    assert!(
        stderr.contains("full"),
        "the reason is given (the disk is full): {stderr}"
    );
}

#[test]
fn an_upload_to_a_full_disk_is_refused_as_such_and_the_chat_goes_on() {
    use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg};

    let (_dir, mut child, addr) =
        server_on_tmpfs("1m", &["--no-store", "--lang", "en"], "off", Stdio::null());
    let (mut alice, _) = crate::common::Json::join(addr, "alice");
    let mut bob = Plain::join(addr, "bob");
    // 3 MB: within the room's limits, more than its 1 MiB disk.
    let bytes = vec![7u8; 3_000_000];
    alice.send(&ClientMsg::Offer {
        name: "big.bin".into(),
        size: bytes.len() as u64,
        sha256: coucou::digest::sha256_hex(&mut &bytes[..]).unwrap(),
        to: None,
        label: None,
    });
    let ServerMsg::Ready { token, .. } =
        alice.expect(|m| matches!(m, ServerMsg::Ready { .. } | ServerMsg::Error { .. }))
    else {
        panic!("the offer was refused")
    };
    let answer = crate::common::upload_file(addr, &token, &bytes);
    assert!(
        matches!(
            &answer,
            ServerMsg::Error { code: ErrorCode::QuotaFull, message, .. } if message.contains("disk is full")
        ),
        "{answer:?}"
    );
    alice.send(&ClientMsg::Say {
        text: "still chatting".into(),
        cid: None,
    });
    bob.expect("alice: still chatting");
    child.kill().ok();
    child.wait().ok();
}
