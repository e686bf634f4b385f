//! People known by their device (#27's identity; #28's edits from a later connection): an app's
//! Ed25519 key, kept beside its settings, proved in the hello by a signature over the TLS
//! session's exporter. Over real TLS on 127.0.0.0/8 (each "machine" its own loopback address):
//! a proof replayed, borrowed, malformed or sent in clear is refused; a device gets its name back
//! and nobody else takes it meanwhile; a ban or a mute follows the device under any name and
//! address, across a restart; an owner's device is a moderator; a device edits and deletes its
//! messages from a later connection, and nobody else can; the app's own client proves its device
//! to a host that takes it and joins an older host as before.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use coucou::client::{self, ClientEvent, ConnectParams};
use coucou::identity::Device;
use coucou::protocol::command::Moderate;
use coucou::protocol::device::DeviceProof;
use coucou::protocol::message::Act;
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg, Wire};
use coucou::server::{Server, ServerConfig};

use crate::common::{Json, PATIENCE, Plain, restart_at, start_server_with, stored, test_identity};
use crate::moderation::{PASSWORD, moderated};

fn host(config: ServerConfig) -> Server {
    start_server_with(moderated(config))
}

pub(crate) fn machine(n: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, n])
}

/// A device of its own, in a folder of its own.
pub(crate) fn device() -> (tempfile::TempDir, Device) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let device = Device::load_or_create(dir.path()).expect("a device");
    (dir, device)
}

/// A TLS connection from `from`, pinned to the test host.
pub(crate) fn tls_from(addr: SocketAddr, from: IpAddr) -> Json {
    let (client, _) =
        Json::connect_tls_from(addr, from, Some(test_identity().fingerprint())).expect("TLS");
    assert!(
        client.transport().takes_device(),
        "the host chose Coucou's protocol in the handshake"
    );
    client
}

/// The proof of `device` for `client`'s TLS session.
pub(crate) fn proof(client: &Json, device: &Device) -> DeviceProof {
    let exporter = client
        .transport()
        .exporter()
        .expect("TLS")
        .expect("an exporter");
    device.prove(&exporter)
}

pub(crate) fn hello(name: &str, device: Option<DeviceProof>) -> ClientMsg {
    ClientMsg::Hello {
        version: 1,
        name: name.into(),
        device,
    }
}

/// An app from `from` on `device` (none: an app without one), in the room as `name`.
pub(crate) fn app(addr: SocketAddr, from: IpAddr, device: Option<&Device>, name: &str) -> Json {
    let mut client = tls_from(addr, from);
    let proved = device.map(|device| proof(&client, device));
    client.send(&hello(name, proved));
    client.expect(|m| matches!(m, ServerMsg::Join { name: n, .. } if n == name));
    client
}

/// Leaves with `quit`, and waits for the host to close: by then it has let the person go.
fn quit(mut client: Json) {
    client.send(&ClientMsg::Quit {});
    client.expect_closed();
}

fn error_code(client: &mut Json) -> ErrorCode {
    match client.expect(|m| matches!(m, ServerMsg::Error { .. })) {
        ServerMsg::Error { code, .. } => code,
        _ => unreachable!(),
    }
}

/// The one error a hello is refused with; the connection closed after it.
fn refused_and_closed(mut client: Json, hello: &ClientMsg) -> (ErrorCode, String) {
    client.send(hello);
    let closed = client.expect_closed();
    match closed.as_slice() {
        [ServerMsg::Error { code, message, .. }] => (*code, message.clone()),
        other => panic!("one error, then closed: {other:#?}"),
    }
}

/// Reads until the host closes the connection, which it told why with `code`.
fn closed_with(mut client: Json, code: ErrorCode) {
    let last = client.expect_closed();
    assert!(
        last.iter()
            .any(|m| matches!(m, ServerMsg::Error { code: c, .. } if *c == code)),
        "{code:?}, then closed: {last:#?}"
    );
}

pub(crate) fn act(act: Act, name: &str) -> ClientMsg {
    coucou::protocol::Command::Moderate(Moderate {
        name: Some(name.to_owned()),
        ..Moderate::alone(act)
    })
    .to_client_msg()
}

pub(crate) fn moderator(addr: SocketAddr, name: &str) -> Json {
    let mut client = app(addr, machine(1), None, name);
    client.send(&ClientMsg::Oper {
        password: PASSWORD.into(),
    });
    client.expect(|m| matches!(m, ServerMsg::Moderator { .. }));
    client
}

#[test]
fn a_proof_replayed_borrowed_malformed_or_in_clear_is_refused_and_a_true_one_joins() {
    let server = host(ServerConfig::default());
    let addr = server.local_addr();
    let (_dir, alice) = device();
    let (_other_dir, mallory) = device();
    let mut watcher = app(addr, machine(9), None, "watcher");

    // Seen on one connection, replayed on another: that session's exporter differs.
    let first = tls_from(addr, machine(2));
    let seen = proof(&first, &alice);
    let (code, message) =
        refused_and_closed(tls_from(addr, machine(3)), &hello("alice", Some(seen)));
    assert_eq!(code, ErrorCode::BadDevice);
    assert!(message.contains("signature"), "{message}");
    drop(first);

    // Alice's key, signed by someone who doesn't hold it.
    let thief = tls_from(addr, machine(3));
    let borrowed = DeviceProof {
        key: proof(&thief, &alice).key,
        ..proof(&thief, &mallory)
    };
    let (code, _) = refused_and_closed(thief, &hello("alice", Some(borrowed)));
    assert_eq!(code, ErrorCode::BadDevice);

    // Malformed: not hex, too long, empty.
    for (key, sig) in [
        ("zz".repeat(32), "00".repeat(64)),
        ("ab".repeat(200), "00".repeat(64)),
        (String::new(), String::new()),
    ] {
        let client = tls_from(addr, machine(3));
        let (code, message) =
            refused_and_closed(client, &hello("alice", Some(DeviceProof { key, sig })));
        assert_eq!(code, ErrorCode::BadDevice);
        assert!(message.contains("malformed"), "{message}");
    }

    // In clear there is no session to bind a proof to.
    let clear = Json::connect_from(addr, machine(3));
    let (code, message) = refused_and_closed(clear, &hello("alice", Some(alice.prove(&[0; 32]))));
    assert_eq!(code, ErrorCode::BadDevice);
    assert!(message.contains("TLS"), "{message}");

    // Not one of them reached the room; the true proof does.
    app(addr, machine(2), Some(&alice), "alice");
    watcher.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "alice"));
    assert!(
        !watcher.seen().iter().any(
            |m| matches!(m, ServerMsg::Join { name, .. } if name != "watcher" && name != "alice")
        ),
        "{:#?}",
        watcher.seen()
    );
    drop(server);
}

#[test]
fn a_device_gets_its_name_back_and_nobody_else_takes_it_meanwhile() {
    let server = host(ServerConfig::default());
    let addr = server.local_addr();
    let (_dir, bob) = device();
    let (_other_dir, other) = device();
    quit(app(addr, machine(2), Some(&bob), "bob"));

    // Another device, an app without one, a look-alike: refused, and each may try another name.
    let tries = [(Some(&other), "bob"), (None, "bob"), (Some(&other), "BOB")];
    for (n, (device, name)) in tries.into_iter().enumerate() {
        let mut client = tls_from(addr, machine(3));
        let proved = device.map(|device| proof(&client, device));
        client.send(&hello(name, proved.clone()));
        match client.expect(|m| matches!(m, ServerMsg::Error { .. })) {
            ServerMsg::Error { code, message, .. } => {
                assert_eq!(code, ErrorCode::NameTaken, "{name}");
                assert!(message.contains("kept for the device"), "{message}");
            }
            _ => unreachable!(),
        }
        let carol = format!("carol{n}");
        client.send(&hello(&carol, proved));
        client.expect(|m| matches!(m, ServerMsg::Join { name, .. } if *name == carol));
        quit(client);
    }
    // A terminal asking for it gets a free variant, as for any name taken.
    let mut nc = Plain::connect_from(addr, machine(4));
    nc.send("bob");
    nc.expect("* bob_2 joined the room");
    let mut renamed = app(addr, machine(5), None, "dave");
    renamed.send(&ClientMsg::Nick { name: "bob".into() });
    assert_eq!(error_code(&mut renamed), ErrorCode::NameTaken);

    // Bob's device, from another address: its name.
    let mut back = app(addr, machine(6), Some(&bob), "bob");
    // While bob is here, it is simply taken; once he leaves under another name, that one is kept.
    back.send(&ClientMsg::Nick {
        name: "robert".into(),
    });
    back.expect(|m| matches!(m, ServerMsg::Rename { new, .. } if new == "robert"));
    quit(back);
    quit(app(addr, machine(3), None, "bob"));
    renamed.send(&ClientMsg::Nick {
        name: "robert".into(),
    });
    assert_eq!(error_code(&mut renamed), ErrorCode::NameTaken);
    drop(server);
}

#[test]
fn a_host_that_keeps_no_names_lets_anyone_take_a_device_s_name() {
    let server = host(ServerConfig {
        keep_names: Duration::ZERO,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (_dir, bob) = device();
    quit(app(addr, machine(2), Some(&bob), "bob"));
    app(addr, machine(3), None, "bob");
    drop(server);
}

#[test]
fn a_ban_and_a_mute_follow_the_device_under_any_name_from_any_address_and_across_a_restart() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = || stored(&dir.path().join("history.sqlite"));
    let server = host(config());
    let addr = server.local_addr();
    let (_troll_dir, troll) = device();
    let (_bob_dir, bob) = device();
    let (_fresh_dir, fresh) = device();
    let mut teacher = moderator(addr, "teacher");

    let mut bob_app = app(addr, machine(3), Some(&bob), "bob");
    teacher.send(&act(Act::Mute, "bob"));
    bob_app
        .expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains("bob was muted")));
    quit(bob_app);
    let mut robert = app(addr, machine(4), Some(&bob), "robert");
    robert.send(&ClientMsg::Say {
        text: "still me".into(),
        cid: None,
    });
    assert_eq!(
        error_code(&mut robert),
        ErrorCode::Muted,
        "renamed, from another address"
    );

    let troll_app = app(addr, machine(2), Some(&troll), "troll");
    teacher.send(&act(Act::Ban, "troll"));
    closed_with(troll_app, ErrorCode::Banned);
    let banned = |from: u8, device: &Device, name: &str| {
        let mut client = tls_from(addr, machine(from));
        let proved = proof(&client, device);
        client.send(&hello(name, Some(proved)));
        let closed = client.expect_closed();
        assert!(
            matches!(
                closed.as_slice(),
                [ServerMsg::Error {
                    code: ErrorCode::Banned,
                    ..
                }]
            ),
            "{name} from {from}: {closed:#?}"
        );
    };
    banned(5, &troll, "angel");
    // A new device from a new address under a new name is someone else.
    app(addr, machine(5), Some(&fresh), "angel");

    drop((teacher, robert));
    drop(server);
    let server = restart_at(addr, moderated(config()));
    banned(6, &troll, "someone");
    let mut teacher = moderator(addr, "teacher");
    let mut bobby = app(addr, machine(7), Some(&bob), "bobby");
    bobby.send(&ClientMsg::Say {
        text: "after the restart".into(),
        cid: None,
    });
    assert_eq!(error_code(&mut bobby), ErrorCode::Muted);
    // Lifted by the name it is on now: the device's rule goes, whatever name it was made on.
    teacher.send(&act(Act::Unmute, "bobby"));
    teacher.expect(
        |m| matches!(m, ServerMsg::Notice { text, .. } if text.contains("bobby may speak again")),
    );
    crate::messages::say(&mut bobby, "thank you");
    teacher.send(&act(Act::Unban, "troll"));
    teacher.expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains("troll")));
    app(addr, machine(6), Some(&troll), "reformed");
    drop(server);
}

#[test]
fn an_owner_s_device_is_a_moderator_from_any_address_and_nobody_can_remove_it() {
    let (_dir, owner) = device();
    let server = host(ServerConfig {
        owners: vec![owner.id()],
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (_other_dir, other) = device();
    let mut teacher = app(addr, machine(8), Some(&owner), "teacher");
    let mut student = app(addr, machine(2), Some(&other), "student");
    let troll = app(addr, machine(3), None, "troll");

    student.send(&act(Act::Kick, "troll"));
    assert_eq!(
        error_code(&mut student),
        ErrorCode::NotModerator,
        "not an owner's device"
    );
    let mut moderator = moderator(addr, "helper");
    moderator.send(&act(Act::Kick, "teacher"));
    assert_eq!(
        error_code(&mut moderator),
        ErrorCode::NotModerator,
        "a moderator can't remove the owner"
    );
    teacher.send(&act(Act::Kick, "troll"));
    closed_with(troll, ErrorCode::Kicked);
    drop(server);
}

#[test]
fn a_device_edits_and_deletes_its_messages_from_a_later_connection_and_nobody_else_can() {
    let server = host(ServerConfig::default());
    let addr = server.local_addr();
    let (_dir, alice) = device();
    let (_other_dir, other) = device();
    let mut watcher = app(addr, machine(9), None, "watcher");
    watcher.send(&ClientMsg::Changes {});
    let mut first = app(addr, machine(2), Some(&alice), "alice");
    let typo = crate::messages::say(&mut first, "helo").id;
    let gone = crate::messages::say(&mut first, "oops").id;
    quit(first);

    let mut stranger = app(addr, machine(3), Some(&other), "mallory");
    let mut terminal = Plain::connect_from(addr, machine(4));
    terminal.send("eve");
    terminal.expect("* eve joined the room");
    stranger.send(&ClientMsg::Edit {
        id: typo,
        text: "forged".into(),
    });
    assert_eq!(error_code(&mut stranger), ErrorCode::NotYours);
    stranger.send(&ClientMsg::Delete { id: typo });
    assert_eq!(error_code(&mut stranger), ErrorCode::NotYours);
    terminal.send(&format!("/delete {typo}"));
    terminal.expect("only a moderator");

    let mut again = app(addr, machine(5), Some(&alice), "alice");
    again.send(&ClientMsg::Edit {
        id: typo,
        text: "hello".into(),
    });
    watcher.expect(
        |m| matches!(m, ServerMsg::Edited(chat) if chat.id == typo && chat.text == "hello"),
    );
    again.send(&ClientMsg::Delete { id: gone });
    // The tombstone takes the message's place, under its id.
    watcher.expect(|m| matches!(m, ServerMsg::Notice { id: Some(id), text, .. } if *id == gone && text.contains("deleted")));
    assert!(
        !watcher
            .seen()
            .iter()
            .any(|m| matches!(m, ServerMsg::Edited(chat) if chat.text == "forged")),
        "{:#?}",
        watcher.seen()
    );
    drop(server);
}

/// The app's own client: `params` with a device kept in `dir`, connected; the welcome's name.
fn app_client(params: ConnectParams) -> (client::Connection, String) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let conn =
        client::connect(1, params, coucou::EventSink::new(tx, Arc::new(|| {}))).expect("started");
    loop {
        match rx.recv_timeout(PATIENCE).expect("an event") {
            ClientEvent::Connected {
                welcome: Some(ServerMsg::Welcome { you, .. }),
                ..
            } => return (conn, you),
            ClientEvent::Connected { .. } => panic!("no welcome"),
            ClientEvent::Failed { error, .. } => panic!("failed: {error:?}"),
            _ => {}
        }
    }
}

#[test]
fn the_app_proves_its_device_to_a_host_that_takes_it_and_joins_an_older_host_as_before() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let params = |addr: SocketAddr, name: &str| ConnectParams {
        pin: Some(test_identity().fingerprint()),
        device: Some(dir.path().join("device")),
        ..ConnectParams::new("127.0.0.1", addr.port(), name, Wire::Json)
    };
    let server = host(ServerConfig::default());
    let addr = server.local_addr();
    let (conn, you) = app_client(params(addr, "alice"));
    assert_eq!(you, "alice");
    conn.close();
    // The device was made on first use and proved: its name is kept for it.
    let device = Device::load_or_create(&dir.path().join("device")).expect("made by the app");
    let taken = loop {
        let mut client = tls_from(addr, machine(3));
        client.send(&hello("alice", None));
        match client.next() {
            ServerMsg::Error { code, .. } => break code,
            // The host may still be letting the app's connection go.
            _ => quit(client),
        }
    };
    assert_eq!(taken, ErrorCode::NameTaken);
    app(addr, machine(4), Some(&device), "alice");
    drop(server);

    // A host from before devices chooses no protocol in the handshake: the hello has no proof.
    let mut tls = (*crate::common::test_tls()).clone();
    tls.alpn_protocols.clear();
    let older = start_server_with(ServerConfig {
        tls: Some(Arc::new(tls)),
        ..ServerConfig::default()
    });
    let older_addr = older.local_addr();
    let (conn, you) = app_client(params(older_addr, "alice"));
    assert_eq!(you, "alice");
    conn.close();
    // Nothing was proved, so nothing is kept: once the app is gone, anyone may be alice.
    loop {
        let (mut client, _) =
            Json::connect_tls(older_addr, Some(test_identity().fingerprint())).expect("TLS");
        assert!(!client.transport().takes_device());
        client.send(&hello("alice", None));
        match client.next() {
            ServerMsg::Welcome { .. } => break,
            ServerMsg::Error { message, .. } => {
                assert!(!message.contains("kept"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    drop(older);
}

/// `coucou device` with the app's settings at `settings`: its two lines (code, 64 hex digits).
fn device_command(settings: &std::path::Path) -> (String, String) {
    let out = crate::common::coucou()
        .arg("device")
        .env("COUCOU_CONFIG", settings)
        .output()
        .expect("coucou runs");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let mut lines = text.lines().map(str::to_owned);
    let code = lines.next().expect("the code");
    let hex = lines.next().expect("the id");
    (code, hex)
}

#[test]
fn coucou_device_prints_the_app_s_device_and_coucou_server_makes_it_an_owner() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let settings = dir.path().join("settings.toml");
    let (code, hex) = device_command(&settings);
    assert_eq!(
        device_command(&settings),
        (code.clone(), hex.clone()),
        "made once"
    );
    let device = Device::load_or_create(&coucou::identity::device_dir_beside(&settings))
        .expect("beside the settings, where the app finds it");
    assert_eq!(
        (device.id().code(), device.id().to_hex()),
        (code, hex.clone())
    );

    let refused = crate::common::coucou()
        .args(["server", "--owner", "not-a-device"])
        .output()
        .expect("coucou runs");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("64 hex digits"),
        "{refused:?}"
    );

    let (mut child, port) =
        crate::common::spawn_server(&["--owner", &hex, "--no-store", "--no-files"]);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let (mut owner, _) = Json::connect_tls(addr, None).expect("TLS");
    let proved = proof(&owner, &device);
    owner.send(&hello("teacher", Some(proved)));
    owner.send(&coucou::protocol::Command::Moderate(Moderate::alone(Act::Lock)).to_client_msg());
    owner.expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains("teacher locked this room")));
    child.kill().ok();
    child.wait().ok();
}

#[test]
fn the_settings_show_this_app_s_device_and_copy_its_id_for_coucou_server_owner() {
    use eframe::egui::{OutputCommand, accesskit::Role};
    use egui_kittest::kittest::Queryable;

    let (_dir, config) = crate::app_support::temp_config();
    let mut harness = crate::app_support::app_at(&config);
    let device = Device::load_or_create(&coucou::identity::device_dir_beside(&config))
        .expect("the app's device, beside its settings");
    harness
        .get_by_role_and_label(Role::Button, "Settings")
        .click();
    crate::app_support::wait_for_label(&mut harness, &device.id().code());
    harness
        .get_by_role_and_label(Role::Button, "Copy its id")
        .click();
    let mut copied = Vec::new();
    for _ in 0..4 {
        harness.step();
        copied.extend(
            harness
                .output()
                .platform_output
                .commands
                .iter()
                .filter_map(|c| match c {
                    OutputCommand::CopyText(text) => Some(text.clone()),
                    _ => None,
                }),
        );
    }
    assert_eq!(copied, vec![device.id().to_hex()]);
}

#[test]
fn an_owner_names_a_moderator_by_device_who_stays_one_across_reconnections_and_restarts() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_owner_dir, owner) = device();
    let (_helper_dir, helper) = device();
    let config = || ServerConfig {
        owners: vec![owner.id()],
        ..moderated(stored(&dir.path().join("history.sqlite")))
    };
    let server = start_server_with(config());
    let addr = server.local_addr();
    let mut teacher = app(addr, machine(8), Some(&owner), "teacher");
    let ta = app(addr, machine(2), Some(&helper), "ta");
    let mut pupil = app(addr, machine(3), None, "pupil");

    // A moderator by password is no owner: they can't name one.
    let mut other = moderator(addr, "other");
    other.send(&act(Act::Op, "pupil"));
    assert_eq!(error_code(&mut other), ErrorCode::NotModerator);
    teacher.send(&act(Act::Deop, "teacher"));
    assert_eq!(
        error_code(&mut teacher),
        ErrorCode::NotModerator,
        "an owner stays one"
    );

    teacher.send(&act(Act::Op, "ta"));
    pupil.expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text == "ta is now a moderator (teacher)."));
    teacher.send(&act(Act::Op, "TA"));
    assert_eq!(error_code(&mut teacher), ErrorCode::BadUsage, "already one");
    quit(ta);

    // Back from another address, under another name: a moderator from the start, and told so.
    let moderator_again = |from: u8, name: &str| {
        let mut client = tls_from(addr, machine(from));
        let proved = proof(&client, &helper);
        client.send(&hello(name, Some(proved)));
        client.expect(|m| matches!(m, ServerMsg::Moderator { .. }));
        client
    };
    quit(moderator_again(4, "assistant"));
    drop((teacher, pupil, other));
    drop(server);
    let server = restart_at(addr, config());
    let mut ta = moderator_again(5, "ta");
    let mut teacher = app(addr, machine(8), Some(&owner), "teacher");
    let _pupil = app(addr, machine(3), None, "pupil");
    teacher.send(&act(Act::Deop, "ta"));
    ta.expect(|m| matches!(m, ServerMsg::Moderator { on: false, .. }));
    ta.expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text == "ta is no longer a moderator (teacher)."));
    ta.send(&act(Act::Kick, "pupil"));
    assert_eq!(error_code(&mut ta), ErrorCode::NotModerator);
    quit(ta);
    // Nor when they come back.
    let mut back = app(addr, machine(5), Some(&helper), "ta");
    back.send(&act(Act::Kick, "pupil"));
    assert_eq!(error_code(&mut back), ErrorCode::NotModerator);
    assert!(
        !back
            .seen()
            .iter()
            .any(|m| matches!(m, ServerMsg::Moderator { .. })),
        "{:#?}",
        back.seen()
    );
    drop(server);
}

#[test]
fn a_kept_name_lasts_across_a_restart_of_a_host_that_keeps_its_history() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = || moderated(stored(&dir.path().join("history.sqlite")));
    let server = start_server_with(config());
    let addr = server.local_addr();
    let (_bob_dir, bob) = device();
    let (_other_dir, other) = device();
    quit(app(addr, machine(2), Some(&bob), "bob"));
    drop(server);

    let server = restart_at(addr, config());
    let mut taker = tls_from(addr, machine(3));
    let proved = proof(&taker, &other);
    taker.send(&hello("bob", Some(proved)));
    assert_eq!(
        error_code(&mut taker),
        ErrorCode::NameTaken,
        "kept across the restart"
    );
    drop(taker);
    // Back, then gone under another name: that one is kept, "bob" is free.
    let mut back = app(addr, machine(4), Some(&bob), "bob");
    back.send(&ClientMsg::Nick {
        name: "robert".into(),
    });
    back.expect(|m| matches!(m, ServerMsg::Rename { new, .. } if new == "robert"));
    quit(back);
    drop(server);

    let server = restart_at(addr, config());
    quit(app(addr, machine(3), Some(&other), "bob"));
    let mut taker = tls_from(addr, machine(3));
    let proved = proof(&taker, &other);
    taker.send(&hello("robert", Some(proved)));
    assert_eq!(error_code(&mut taker), ErrorCode::NameTaken);
    drop(server);
}

#[test]
fn a_tls_client_asking_only_for_another_protocol_is_refused_by_the_handshake_and_a_browser_gets_http()
 {
    let server = host(ServerConfig::default());
    let addr = server.local_addr();
    let handshake = |alpn: &[&[u8]]| {
        let verifier = coucou::tls::PinVerifier::new(Some(test_identity().fingerprint()));
        let mut config = (*coucou::tls::client_config(verifier).expect("a config")).clone();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let conn = rustls::ClientConnection::new(
            std::sync::Arc::new(config),
            coucou::tls::server_name("127.0.0.1"),
        )
        .expect("a client");
        let mut conn = rustls::Connection::Client(conn);
        let socket =
            coucou::connection::SharedSocket::new(std::net::TcpStream::connect(addr).expect("TCP"));
        coucou::tls::handshake(
            &mut conn,
            &socket,
            std::time::Instant::now() + crate::common::PATIENCE,
        )
        .map(|()| conn.alpn_protocol().map(<[u8]>::to_vec))
    };
    assert!(handshake(&[b"irc"]).is_err(), "no protocol in common");
    assert_eq!(
        handshake(&[b"h2", b"http/1.1"]).expect("a browser's"),
        Some(b"http/1.1".to_vec())
    );
    assert_eq!(handshake(&[]).expect("asking nothing"), None);
    assert_eq!(
        handshake(&[b"coucou/1"]).expect("the app's"),
        Some(b"coucou/1".to_vec())
    );
    drop(server);
}
