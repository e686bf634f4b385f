//! A device's own private messages, given back by the host (`privates`, and in searches): over
//! real TLS with real device proofs, across a restart of a host that keeps its history, to the
//! devices at either end only — never to a name, an app without a device, or a terminal.

use std::net::SocketAddr;
use std::time::Duration;

use coucou::protocol::message::Found;
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg};
use coucou::server::{Server, ServerConfig};

use crate::common::{Json, Plain, restart_at, start_server_with, stored};
use crate::devices::{app, device, machine};

/// Sends a private message from `from` to `to` and waits for its echo: by then it is stored.
fn psst(from: &mut Json, to: &str, text: &str) {
    from.send(&ClientMsg::Msg {
        to: to.into(),
        text: text.into(),
        cid: None,
    });
    from.expect(|m| matches!(m, ServerMsg::Private { text: t, .. } if t == text));
}

/// Asks for a page of the asker's private messages; returns its texts (oldest first), whether
/// there are more, and the ids.
fn privates(
    client: &mut Json,
    before: Option<u64>,
    limit: Option<u32>,
) -> (Vec<String>, bool, Vec<u64>) {
    client.send(&ClientMsg::Privates {
        before,
        limit,
        label: Some(7),
    });
    match client.expect(|m| matches!(m, ServerMsg::Privates { .. } | ServerMsg::Error { .. })) {
        ServerMsg::Privates {
            messages,
            more,
            label,
            ..
        } => {
            assert_eq!(label, Some(7), "the answer carries the request's label");
            let mut texts = Vec::new();
            let mut ids = Vec::new();
            for msg in messages {
                match msg {
                    ServerMsg::Private { id, text, .. } => {
                        texts.push(text);
                        ids.push(id);
                    }
                    other => panic!("only private messages in a page of them: {other:?}"),
                }
            }
            (texts, more, ids)
        }
        other => panic!("a page of private messages: {other:?}"),
    }
}

fn search(client: &mut Json, words: &str) -> Vec<Found> {
    client.send(&ClientMsg::Search {
        text: words.into(),
        limit: None,
        label: None,
    });
    match client.expect(|m| matches!(m, ServerMsg::Results { .. })) {
        ServerMsg::Results { results, .. } => results,
        _ => unreachable!(),
    }
}

/// What was found (each text, and whom it was to when private), in the order of the texts.
fn sorted(found: &[Found]) -> Vec<(&str, Option<&str>)> {
    let mut texts: Vec<_> = found
        .iter()
        .map(|f| (f.message.text.as_str(), f.to.as_deref()))
        .collect();
    texts.sort_unstable();
    texts
}

/// Results come newest first, the room's and the private ones together (by time: their ids are
/// of two sequences).
fn newest_first(found: &[Found]) {
    assert!(
        found
            .windows(2)
            .all(|w| w[0].message.time >= w[1].message.time),
        "{found:#?}"
    );
}

/// A room where alice, bob and carol (each on a device of their own) and dave (a terminal)
/// exchanged private messages, and one room message; the host then restarted.
struct Exchanged {
    _dir: tempfile::TempDir,
    _devices: Vec<tempfile::TempDir>,
    server: Server,
    addr: SocketAddr,
    alice: coucou::identity::Device,
    bob: coucou::identity::Device,
    carol: coucou::identity::Device,
}

fn exchanged() -> Exchanged {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("history.sqlite");
    // A host that keeps no names: anyone may take alice's name once she is gone, and gets
    // nothing of hers.
    let config = || ServerConfig {
        keep_names: Duration::ZERO,
        ..stored(&path)
    };
    let server = start_server_with(config());
    let addr = server.local_addr();
    let ((a_dir, alice), (b_dir, bob), (c_dir, carol)) = (device(), device(), device());
    let mut a = app(addr, machine(2), Some(&alice), "alice");
    let mut b = app(addr, machine(3), Some(&bob), "bob");
    let mut c = app(addr, machine(4), Some(&carol), "carol");
    let mut dave = Plain::join(addr, "dave");
    psst(&mut a, "bob", "psst bob, lunch?");
    psst(&mut b, "alice", "yes alice, at noon");
    psst(&mut c, "alice", "carol to alice, lunch too");
    dave.send("/msg alice dave from a terminal, lunch");
    a.expect(|m| matches!(m, ServerMsg::Private { from, .. } if from == "dave"));
    psst(&mut a, "dave", "alice to dave");
    b.send(&ClientMsg::Say {
        text: "lunch for everyone".into(),
        cid: None,
    });
    b.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "lunch for everyone"));
    drop((a, b, c, dave));
    drop(server);
    let server = restart_at(addr, config());
    Exchanged {
        _dir: dir,
        _devices: vec![a_dir, b_dir, c_dir],
        server,
        addr,
        alice,
        bob,
        carol,
    }
}

#[test]
fn after_a_restart_each_device_gets_back_its_own_private_messages_under_any_name_and_no_one_else_s()
{
    let ex = exchanged();
    // Alice's device, under another name, from another address.
    let mut alice = app(ex.addr, machine(9), Some(&ex.alice), "alicia");
    let (all, more, ids) = privates(&mut alice, None, None);
    assert_eq!(
        all,
        [
            "psst bob, lunch?",
            "yes alice, at noon",
            "carol to alice, lunch too",
            "dave from a terminal, lunch",
            "alice to dave",
        ],
        "every private message alice's device sent or was sent, oldest first"
    );
    assert!(!more);
    // Pages: the newest two, then those before them.
    let (newest, more, _) = privates(&mut alice, None, Some(2));
    assert_eq!(newest, ["dave from a terminal, lunch", "alice to dave"]);
    assert!(more);
    let (older, more, _) = privates(&mut alice, Some(ids[3]), Some(2));
    assert_eq!(older, ["yes alice, at noon", "carol to alice, lunch too"]);
    assert!(more);
    let (oldest, more, _) = privates(&mut alice, Some(ids[1]), Some(500_000));
    assert_eq!(oldest, ["psst bob, lunch?"]);
    assert!(!more);
    // Odd bounds: at least one, below any id.
    let (one, more, _) = privates(&mut alice, Some(u64::MAX), Some(0));
    assert_eq!(one, ["alice to dave"]);
    assert!(more);
    assert_eq!(privates(&mut alice, Some(0), None).0, Vec::<String>::new());
    // Naming another device to get its messages is a field the request does not have: refused
    // as malformed, and the connection stays.
    let forged = format!(
        "{{\"type\":\"privates\",\"device\":\"{}\"}}\n",
        ex.bob.id().to_hex()
    );
    alice.send_raw(forged.as_bytes());
    alice.expect(|m| {
        matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::Malformed,
                ..
            }
        )
    });
    assert_eq!(privates(&mut alice, None, None).0.len(), 5);

    let mut bob = app(ex.addr, machine(3), Some(&ex.bob), "bob");
    assert_eq!(
        privates(&mut bob, None, None).0,
        ["psst bob, lunch?", "yes alice, at noon"],
        "bob's device: only what it was in"
    );
    let mut carol = app(ex.addr, machine(4), Some(&ex.carol), "carol");
    assert_eq!(
        privates(&mut carol, None, None).0,
        ["carol to alice, lunch too"]
    );
    let (_new_dir, new) = device();
    let mut stranger = app(ex.addr, machine(5), Some(&new), "stranger");
    assert_eq!(
        privates(&mut stranger, None, None),
        (Vec::new(), false, Vec::new())
    );
    drop(ex.server);
}

#[test]
fn a_device_s_search_finds_its_own_private_messages_beside_the_room_s_and_never_another_s() {
    let ex = exchanged();
    let mut alice = app(ex.addr, machine(2), Some(&ex.alice), "alice");
    let found = search(&mut alice, "lunch");
    assert_eq!(
        sorted(&found),
        [
            ("carol to alice, lunch too", Some("alice")),
            ("dave from a terminal, lunch", Some("alice")),
            ("lunch for everyone", None),
            ("psst bob, lunch?", Some("bob")),
        ],
        "the room's and hers together; each private one says whom it was to"
    );
    newest_first(&found);
    let mut carol = app(ex.addr, machine(4), Some(&ex.carol), "carol");
    let found = search(&mut carol, "lunch");
    assert_eq!(
        sorted(&found),
        [
            ("carol to alice, lunch too", Some("alice")),
            ("lunch for everyone", None),
        ]
    );
    newest_first(&found);
    // Without a device (an older app): the room's only.
    let mut no_device = app(ex.addr, machine(6), None, "zoe");
    assert_eq!(
        sorted(&search(&mut no_device, "lunch")),
        [("lunch for everyone", None)]
    );
    drop(ex.server);
}

#[test]
fn privates_are_refused_to_an_app_without_a_device_and_never_given_to_a_name_or_a_terminal() {
    let ex = exchanged();
    // Alice's name, without her device: refused, and still in the room.
    let mut impostor = app(ex.addr, machine(6), None, "alice");
    impostor.send(&ClientMsg::Privates {
        before: None,
        limit: None,
        label: Some(3),
    });
    match impostor.expect(|m| matches!(m, ServerMsg::Error { .. } | ServerMsg::Privates { .. })) {
        ServerMsg::Error {
            code,
            label,
            message,
            ..
        } => {
            assert_eq!((code, label), (ErrorCode::Unavailable, Some(3)));
            assert!(message.contains("device"), "{message}");
        }
        other => panic!("refused: {other:?}"),
    }
    // Nor in a search, under her name.
    assert_eq!(
        sorted(&search(&mut impostor, "lunch")),
        [("lunch for everyone", None)]
    );
    impostor.send(&ClientMsg::Say {
        text: "still here".into(),
        cid: None,
    });
    impostor.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "still here"));
    // A terminal typing the request as JSON says a line to the room; it gets nothing private.
    let mut dave = Plain::join(ex.addr, "dave");
    dave.send(r#"{"type":"privates"}"#);
    impostor.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == r#"{"type":"privates"}"#));
    dave.send("/search lunch");
    dave.expect("lunch for everyone");
    dave.send("exit");
    let rest = dave.expect_closed();
    assert!(
        rest.iter()
            .all(|l| !l.contains("dave from a terminal") && !l.contains("alice to dave")),
        "{rest:#?}"
    );
    drop(ex.server);
}
