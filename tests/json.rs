//! The JSON dialect over real TCP, alone and in a room shared with plain clients.
#![allow(clippy::unwrap_used)] // reason: tests.

mod common;

use common::{Json, Plain, start_server};
use coucou::protocol::{Chat, ClientMsg, ErrorCode, LeaveReason, ServerMsg};

fn say(text: &str) -> ClientMsg {
    ClientMsg::Say { text: text.into() }
}

fn is_error(code: ErrorCode) -> impl Fn(&ServerMsg) -> bool {
    move |m| matches!(m, ServerMsg::Error { code: c, .. } if *c == code)
}

#[test]
fn hello_gets_a_versioned_welcome_with_users_and_history() {
    let server = start_server();
    let (mut alice, welcome) = Json::join(server.local_addr(), "alice");
    let ServerMsg::Welcome {
        version,
        room,
        you,
        users,
        history,
        max_message_bytes,
        ..
    } = welcome
    else {
        unreachable!()
    };
    assert_eq!(
        (version, room.as_str(), you.as_str()),
        (1, "Coucou", "alice")
    );
    assert_eq!(users, vec!["alice"]);
    assert!(history.is_empty());
    assert_eq!(max_message_bytes, 2048);

    alice.send(&say("first"));
    let ServerMsg::Message(first) = alice.next() else {
        panic!("expected a message")
    };
    assert_eq!(
        (first.from.as_str(), first.text.as_str()),
        ("alice", "first")
    );
    assert!(
        first.time > 1_600_000_000_000,
        "a real timestamp: {}",
        first.time
    );

    let (_bob, welcome) = Json::join(server.local_addr(), "bob");
    let ServerMsg::Welcome { users, history, .. } = welcome else {
        unreachable!()
    };
    assert_eq!(users, vec!["alice", "bob"]);
    assert_eq!(history, vec![ServerMsg::Message(first.clone())]);

    alice.send(&say("second"));
    let second = alice.expect(|m| matches!(m, ServerMsg::Message(_)));
    let ServerMsg::Message(Chat { id, .. }) = second else {
        unreachable!()
    };
    assert!(id > first.id, "ids increase");
}

#[test]
fn join_leave_rename_users_private_and_help() {
    let server = start_server();
    let (mut alice, _) = Json::join(server.local_addr(), "alice");
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    alice.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "bob"));

    bob.send(&ClientMsg::Nick {
        name: "robert".into(),
    });
    let rename = alice.next();
    assert!(
        matches!(&rename, ServerMsg::Rename { old, new, .. } if old == "bob" && new == "robert"),
        "{rename:?}"
    );

    alice.send(&ClientMsg::Who);
    assert_eq!(
        alice.expect(|m| matches!(m, ServerMsg::Users { .. })),
        ServerMsg::Users {
            users: vec!["alice".into(), "robert".into()]
        }
    );

    alice.send(&ClientMsg::Msg {
        to: "ROBERT".into(),
        text: "psst".into(),
    });
    for client in [&mut alice, &mut bob] {
        let msg = client.expect(|m| matches!(m, ServerMsg::Private { .. }));
        assert!(
            matches!(&msg, ServerMsg::Private { from, to, text, .. }
                if from == "alice" && to == "robert" && text == "psst"),
            "{msg:?}"
        );
    }

    alice.send(&ClientMsg::Me {
        text: "waves".into(),
    });
    let action = bob.next();
    assert!(
        matches!(&action, ServerMsg::Message(Chat { action: true, text, .. }) if text == "waves"),
        "{action:?}"
    );

    alice.send(&ClientMsg::Help);
    let help = alice.expect(|m| matches!(m, ServerMsg::Notice { .. }));
    assert!(matches!(&help, ServerMsg::Notice { text, .. } if text.contains("/msg")));

    bob.send(&ClientMsg::Quit);
    bob.expect_closed();
    let leave = alice.expect(|m| matches!(m, ServerMsg::Leave { .. }));
    assert!(
        matches!(&leave, ServerMsg::Leave { name, reason: LeaveReason::Quit, .. } if name == "robert"),
        "{leave:?}"
    );
}

#[test]
fn errors_carry_machine_readable_codes_and_the_session_goes_on() {
    let server = start_server();
    let (mut alice, _) = Json::join(server.local_addr(), "alice");

    alice.send_raw(b"{not json\n");
    alice.expect(is_error(ErrorCode::Malformed));
    alice.send_raw(b"{\"type\":\"say\",\"txt\":\"typo\"}\n");
    alice.expect(is_error(ErrorCode::Malformed));
    alice.send(&say(&"a".repeat(2049)));
    alice.expect(is_error(ErrorCode::TooLong));
    alice.send(&ClientMsg::Msg {
        to: "ghost".into(),
        text: "boo".into(),
    });
    alice.expect(is_error(ErrorCode::NoSuchUser));
    alice.send(&ClientMsg::Nick { name: "x".into() });
    alice.expect(is_error(ErrorCode::NameTooShort));
    alice.send(&ClientMsg::Hello {
        version: 1,
        name: "again".into(),
    });
    alice.expect(is_error(ErrorCode::Malformed));

    alice.send(&say(&"a".repeat(2048)));
    let msg = alice.next();
    assert!(
        matches!(&msg, ServerMsg::Message(c) if c.text.len() == 2048),
        "{msg:?}"
    );
}

#[test]
fn refused_names_have_codes_and_a_second_hello_may_follow() {
    let server = start_server();
    let (_alice, _) = Json::join(server.local_addr(), "alice");
    let mut client = Json::connect(server.local_addr());
    for (name, code) in [
        ("a", ErrorCode::NameTooShort),
        ("Alice", ErrorCode::NameTaken),
        ("root", ErrorCode::NameReserved),
        ("no way", ErrorCode::NameBadChar),
        ("\u{430}lice", ErrorCode::NameMixedScripts),
    ] {
        client.send(&ClientMsg::Hello {
            version: 1,
            name: name.into(),
        });
        let err = client.next();
        assert!(is_error(code)(&err), "{name:?}: {err:?}");
    }
    client.send(&ClientMsg::Hello {
        version: 1,
        name: "alice2".into(),
    });
    assert!(matches!(client.next(), ServerMsg::Welcome { you, .. } if you == "alice2"));
}

#[test]
fn a_garbled_first_line_or_wrong_version_ends_only_that_connection() {
    let server = start_server();
    let (mut alice, _) = Json::join(server.local_addr(), "alice");

    let mut garbled = Json::connect(server.local_addr());
    garbled.send_raw(b"{\"type\":\"hello\",\x00\n");
    let got = garbled.expect_closed();
    assert!(matches!(
        got.as_slice(),
        [ServerMsg::Error {
            code: ErrorCode::Malformed,
            ..
        }]
    ));

    let mut future = Json::connect(server.local_addr());
    future.send(&ClientMsg::Hello {
        version: 99,
        name: "future".into(),
    });
    let got = future.expect_closed();
    assert!(matches!(
        got.as_slice(),
        [ServerMsg::Error {
            code: ErrorCode::UnsupportedVersion,
            ..
        }]
    ));

    alice.send(&say("still fine"));
    assert!(matches!(alice.next(), ServerMsg::Message(c) if c.text == "still fine"));
}

#[test]
fn plain_and_json_clients_share_one_room() {
    let server = start_server();
    let (mut app, _) = Json::join(server.local_addr(), "app");
    let mut nc = Plain::join(server.local_addr(), "nc");
    app.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "nc"));

    nc.send("from nc \u{1b}[1mbold");
    let msg = app.next();
    assert!(
        matches!(&msg, ServerMsg::Message(c) if c.from == "nc" && c.text == "from nc bold"),
        "{msg:?}"
    );
    app.send(&say("from app"));
    assert_eq!(nc.expect("from app"), "app: from app");

    app.send(&say("coucou"));
    assert_eq!(nc.expect("app: coucou"), "app: coucou");
    assert!(nc.line().contains("Bonjour app"));
    app.expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains("Bonjour app")));

    nc.send("/msg app secret");
    assert!(matches!(
        app.expect(|m| matches!(m, ServerMsg::Private { .. })),
        ServerMsg::Private { from, text, .. } if from == "nc" && text == "secret"
    ));

    nc.send("exit");
    let leave = app.expect(|m| matches!(m, ServerMsg::Leave { .. }));
    assert!(matches!(leave, ServerMsg::Leave { name, .. } if name == "nc"));
}
