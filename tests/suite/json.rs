//! The JSON dialect over real TCP, alone and in a room shared with plain clients.

use crate::common::{Json, Plain, start_server};
use coucou::protocol::{Chat, ClientMsg, ErrorCode, LeaveReason, ServerMsg};

fn say(text: &str) -> ClientMsg {
    ClientMsg::Say {
        text: text.into(),
        cid: None,
    }
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

    alice.send(&ClientMsg::Who {});
    assert_eq!(
        alice.expect(|m| matches!(m, ServerMsg::Users { .. })),
        ServerMsg::Users {
            users: vec!["alice".into(), "robert".into()],
            away: Vec::new(),
            elsewhere: Vec::new(),
        }
    );

    alice.send(&ClientMsg::Msg {
        to: "ROBERT".into(),
        text: "psst".into(),
        cid: None,
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
        cid: None,
    });
    let action = bob.next();
    assert!(
        matches!(&action, ServerMsg::Message(Chat { action: true, text, .. }) if text == "waves"),
        "{action:?}"
    );

    alice.send(&ClientMsg::Help {});
    let help = alice.expect(|m| matches!(m, ServerMsg::Notice { .. }));
    assert!(matches!(&help, ServerMsg::Notice { text, .. } if text.contains("/msg")));

    bob.send(&ClientMsg::Quit {});
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
        cid: None,
    });
    alice.expect(is_error(ErrorCode::NoSuchUser));
    alice.send(&ClientMsg::Nick { name: "x".into() });
    alice.expect(is_error(ErrorCode::NameTooShort));
    alice.send(&ClientMsg::Hello {
        version: 1,
        name: "again".into(),
        device: None,
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
            device: None,
        });
        let err = client.next();
        assert!(is_error(code)(&err), "{name:?}: {err:?}");
    }
    client.send(&ClientMsg::Hello {
        version: 1,
        name: "alice2".into(),
        device: None,
    });
    assert!(matches!(client.next(), ServerMsg::Welcome { you, .. } if you == "alice2"));
}

#[test]
fn a_message_before_the_hello_closes_a_first_line_and_is_only_refused_later() {
    let server = start_server();
    let (mut alice, _) = Json::join(server.local_addr(), "alice");

    // As PROTOCOL.md's table says: the very first line, not a hello, closes the connection.
    let mut eager = Json::connect(server.local_addr());
    eager.send(&say("bonjour tout le monde"));
    let got = eager.expect_closed();
    assert!(
        matches!(
            got.as_slice(),
            [ServerMsg::Error {
                code: ErrorCode::Malformed,
                ..
            }]
        ),
        "{got:?}"
    );

    // After a hello the room refused (a name taken), a message is refused and the connection
    // stays: the next hello joins.
    let mut late = Json::connect(server.local_addr());
    late.send(&ClientMsg::Hello {
        version: coucou::protocol::PROTOCOL_VERSION,
        name: "alice".into(),
        device: None,
    });
    assert!(matches!(
        late.next(),
        ServerMsg::Error {
            code: ErrorCode::NameTaken,
            ..
        }
    ));
    late.send(&say("je suis là"));
    assert!(matches!(
        late.next(),
        ServerMsg::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    late.send(&ClientMsg::Hello {
        version: coucou::protocol::PROTOCOL_VERSION,
        name: "bruno".into(),
        device: None,
    });
    assert!(matches!(late.next(), ServerMsg::Welcome { .. }));
    alice.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "bruno"));
    // Nothing said before a hello reached the room: the first message alice gets is bruno's.
    late.send(&say("marqueur"));
    let first = alice.expect(|m| matches!(m, ServerMsg::Message(_)));
    assert!(
        matches!(&first, ServerMsg::Message(c) if c.text == "marqueur"),
        "{first:?}"
    );
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
        device: None,
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

/// A client whose first hello was refused (its name is reserved): the session is in the JSON
/// dialect, waiting for another hello.
fn refused_once(addr: std::net::SocketAddr) -> Json {
    let mut client = Json::connect(addr);
    client.send(&ClientMsg::Hello {
        version: 1,
        name: "server".into(),
        device: None,
    });
    assert!(is_error(ErrorCode::NameReserved)(&client.next()));
    client
}

#[test]
fn a_version_above_u32_is_an_unsupported_version_not_malformed() {
    let server = start_server();
    for version in ["4294967296", "18446744073709551616", "1e30", "-1"] {
        let mut client = Json::connect(server.local_addr());
        client.send_raw(
            format!("{{\"type\":\"hello\",\"version\":{version},\"name\":\"x1\"}}\n").as_bytes(),
        );
        let got = client.expect_closed();
        assert!(
            matches!(
                got.as_slice(),
                [ServerMsg::Error {
                    code: ErrorCode::UnsupportedVersion,
                    ..
                }]
            ),
            "{version}: {got:?}"
        );
    }
}

/// After a refused hello, `line` gets `malformed` and the connection stays: a hello still works.
fn bad_line_after_a_refused_hello_keeps_the_connection(line: &[u8]) {
    let server = start_server();
    let mut client = refused_once(server.local_addr());
    client.send_raw(line);
    assert!(is_error(ErrorCode::Malformed)(&client.next()));
    client.send(&ClientMsg::Hello {
        version: 1,
        name: "alice".into(),
        device: None,
    });
    assert!(matches!(client.next(), ServerMsg::Welcome { you, .. } if you == "alice"));
}

#[test]
fn a_non_json_line_after_a_refused_hello_is_malformed_and_the_connection_stays() {
    bad_line_after_a_refused_hello_keeps_the_connection(b"this is not json\n");
}

#[test]
fn an_unknown_type_after_a_refused_hello_is_malformed_and_the_connection_stays() {
    bad_line_after_a_refused_hello_keeps_the_connection(b"{\"type\":\"dance\"}\n");
}

#[test]
fn invalid_utf8_inside_a_json_line_is_replaced_never_fatal() {
    let server = start_server();
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    // In a hello: the name gets U+FFFD, which the name rules refuse; the connection stays.
    let mut client = Json::connect(server.local_addr());
    client.send_raw(b"{\"type\":\"hello\",\"version\":1,\"name\":\"al\xffice\"}\n");
    assert!(is_error(ErrorCode::NameBadChar)(&client.next()));
    client.send(&ClientMsg::Hello {
        version: 1,
        name: "alice".into(),
        device: None,
    });
    assert!(matches!(client.next(), ServerMsg::Welcome { .. }));
    // In a message: relayed with U+FFFD.
    client.send_raw(b"{\"type\":\"say\",\"text\":\"caf\xe9!\"}\n");
    let got = bob.expect(|m| matches!(m, ServerMsg::Message(_)));
    assert!(matches!(got, ServerMsg::Message(c) if c.text == "caf\u{fffd}!"));
}

#[test]
fn unknown_fields_on_who_help_and_quit_are_malformed() {
    let server = start_server();
    let (mut alice, _) = Json::join(server.local_addr(), "alice");
    for line in [
        r#"{"type":"who","all":true}"#,
        r#"{"type":"help","topic":"x"}"#,
        r#"{"type":"quit","now":1}"#,
    ] {
        alice.send_raw(format!("{line}\n").as_bytes());
        assert!(is_error(ErrorCode::Malformed)(&alice.next()), "{line}");
    }
    // Still in the room: quit with unknown fields did not end it.
    alice.send(&say("here"));
    assert!(matches!(alice.next(), ServerMsg::Message(c) if c.text == "here"));
}

#[test]
fn the_array_form_is_malformed() {
    let server = start_server();
    let (mut alice, _) = Json::join(server.local_addr(), "alice");
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    alice.send_raw(b"[\"msg\",\"bob\",\"hi\"]\n");
    assert!(is_error(ErrorCode::Malformed)(
        &alice.expect(|m| matches!(m, ServerMsg::Error { .. }))
    ));
    alice.send_raw(b"[\"say\",\"hi\"]\n");
    assert!(is_error(ErrorCode::Malformed)(&alice.next()));
    alice.send(&say("marker"));
    let got = bob.expect(|m| matches!(m, ServerMsg::Message(_) | ServerMsg::Private { .. }));
    assert!(
        matches!(&got, ServerMsg::Message(c) if c.text == "marker"),
        "{got:?}"
    );
}

/// Applies what the server says about who is here to a list of names, as a client would.
fn apply_people(people: &mut Vec<String>, msg: &ServerMsg) {
    match msg {
        ServerMsg::Join { name, .. } if !people.contains(name) => people.push(name.clone()),
        ServerMsg::Leave { name, .. } => people.retain(|n| n != name),
        ServerMsg::Rename { old, new, .. } => {
            for n in people.iter_mut().filter(|n| *n == old) {
                n.clone_from(new);
            }
        }
        _ => {}
    }
}

#[test]
fn the_welcome_list_and_join_leave_rename_keep_a_client_up_to_date_without_who() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut alice, welcome) = Json::join(addr, "alice");
    let ServerMsg::Welcome { users, .. } = welcome else {
        unreachable!()
    };
    let mut people = users;
    let (mut bob, _) = Json::join(addr, "bob");
    let carol = Plain::join(addr, "carol");
    bob.send(&ClientMsg::Nick {
        name: "robert".into(),
    });
    // The room has renamed bob before carol leaves: two sessions' lines have no order otherwise.
    bob.expect(|m| matches!(m, ServerMsg::Rename { new, .. } if new == "robert"));
    drop(carol);
    // Apply everything up to carol's leave, then dave joins, and everything up to his join.
    let mut apply_until = |last: &dyn Fn(&ServerMsg) -> bool| loop {
        let msg = alice.next();
        apply_people(&mut people, &msg);
        if last(&msg) {
            break;
        }
    };
    apply_until(&|m| matches!(m, ServerMsg::Leave { name, .. } if name == "carol"));
    let (_dave, _) = Json::join(addr, "dave");
    apply_until(&|m| matches!(m, ServerMsg::Join { name, .. } if name == "dave"));
    alice.send(&ClientMsg::Who {});
    let ServerMsg::Users { users, .. } = alice.expect(|m| matches!(m, ServerMsg::Users { .. }))
    else {
        unreachable!()
    };
    people.sort();
    assert_eq!(people, users);
    assert_eq!(users, ["alice", "dave", "robert"]);
}

#[test]
fn private_messages_do_not_consume_room_ids() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join(addr, "bob");
    alice.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "bob"));
    alice.send(&say("one"));
    alice.send(&ClientMsg::Msg {
        to: "bob".into(),
        text: "psst".into(),
        cid: None,
    });
    alice.send(&say("two"));
    let id_of = |m: &ServerMsg| match m {
        ServerMsg::Message(c) => c.id,
        other => panic!("expected a message, got {other:?}"),
    };
    let one = id_of(&bob.expect(|m| matches!(m, ServerMsg::Message(_))));
    let private = bob.next();
    assert!(matches!(private, ServerMsg::Private { .. }), "{private:?}");
    let two = id_of(&bob.next());
    assert_eq!(
        two,
        one + 1,
        "the private message left a gap in the room's ids"
    );
}

#[test]
fn typing_reaches_the_other_json_clients_only_and_counts_against_the_flood_limit() {
    let server = crate::common::start_server_with(coucou::server::ServerConfig {
        flood: Some(coucou::server::FloodLimit {
            burst: 3,
            per_second: 0.001,
        }),
        ..coucou::server::ServerConfig::default()
    });
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join(addr, "bob");
    let mut carol = Plain::join(addr, "carol");
    alice.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "carol"));
    bob.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "carol"));
    alice.send(&ClientMsg::Typing { active: true });
    let typing = bob.expect(|m| matches!(m, ServerMsg::Typing { .. }));
    assert_eq!(
        typing,
        ServerMsg::Typing {
            name: "alice".into(),
            active: true
        }
    );
    alice.send(&ClientMsg::Typing { active: false });
    let stopped = bob.expect(|m| matches!(m, ServerMsg::Typing { .. }));
    assert_eq!(
        stopped,
        ServerMsg::Typing {
            name: "alice".into(),
            active: false
        }
    );
    // The third command of the burst: a message. Neither the typist nor the plain client got a
    // typing line before it.
    alice.send(&say("voilà"));
    let next = alice.next();
    assert!(
        matches!(&next, ServerMsg::Message(c) if c.text == "voilà"),
        "the typist is not told about itself: {next:?}"
    );
    carol.expect("alice: voilà");
    assert!(
        carol.seen().iter().all(|l| !l.contains("typing")),
        "{:?}",
        carol.seen()
    );
    // The burst is spent: typing is refused like any command.
    alice.send(&ClientMsg::Typing { active: true });
    alice.expect(is_error(ErrorCode::Flood));
    // A typing line that is not a boolean is malformed.
    alice.send_raw(b"{\"type\":\"typing\",\"active\":\"yes\"}\n");
    alice.expect(is_error(ErrorCode::Malformed));
}

/// The next answer to `client`'s request (not a join or typing of someone else's).
fn answer(client: &mut Json) -> ServerMsg {
    client.expect(|m| {
        matches!(
            m,
            ServerMsg::Ready { .. }
                | ServerMsg::Ticket { .. }
                | ServerMsg::History { .. }
                | ServerMsg::Results { .. }
                | ServerMsg::Error { .. }
        )
    })
}

#[test]
fn every_answer_and_refusal_carries_the_label_of_its_request_and_only_then() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = crate::common::start_server_with(coucou::server::ServerConfig {
        files: Some(coucou::server::FilesConfig::in_dir(
            dir.path().join("files"),
        )),
        ..coucou::server::ServerConfig::default()
    });
    let (mut alice, welcome) = Json::join(server.local_addr(), "alice");
    assert!(
        matches!(welcome, ServerMsg::Welcome { labels: true, .. }),
        "the welcome says labels are echoed: {welcome:?}"
    );
    let offer = |to: Option<&str>, label| ClientMsg::Offer {
        name: "notes.txt".into(),
        size: 3,
        sha256: "a".repeat(64),
        to: to.map(Into::into),
        label,
    };
    let asked = [
        // Answers.
        ClientMsg::History {
            before: None,
            limit: None,
            label: Some(1),
        },
        ClientMsg::Search {
            text: "bonjour".into(),
            limit: None,
            label: Some(2),
        },
        offer(None, Some(3)),
        // Refusals: to someone who is not here, a file that is not here, words too long.
        offer(Some("ghost"), Some(u64::MAX)),
        ClientMsg::Fetch {
            file: 999,
            label: Some(0),
        },
        ClientMsg::Search {
            text: "a".repeat(300),
            limit: None,
            label: Some(6),
        },
    ];
    for request in &asked {
        alice.send(request);
    }
    let answers: Vec<(String, Option<u64>)> = (0..asked.len())
        .map(|_| {
            let msg = answer(&mut alice);
            let kind = match &msg {
                ServerMsg::Error { code, .. } => format!("{code:?}"),
                other => format!("{other:?}")
                    .split([' ', '{'])
                    .next()
                    .unwrap_or("")
                    .into(),
            };
            (kind, msg.label())
        })
        .collect();
    let expected = [
        ("History", Some(1)),
        ("Results", Some(2)),
        ("Ready", Some(3)),
        ("NoSuchUser", Some(u64::MAX)),
        ("NoSuchFile", Some(0)),
        ("TooLong", Some(6)),
    ]
    .map(|(k, l)| (k.to_owned(), l));
    assert_eq!(answers, expected);

    // A request without a label gets an answer without one (today's apps and scripts).
    alice.send(&ClientMsg::Fetch {
        file: 999,
        label: None,
    });
    let refused = answer(&mut alice);
    assert!(
        matches!(
            refused,
            ServerMsg::Error {
                code: ErrorCode::NoSuchFile,
                label: None,
                ..
            }
        ),
        "{refused:?}"
    );
}

#[test]
fn a_label_that_is_not_a_whole_number_or_on_a_message_is_malformed_and_the_session_goes_on() {
    let server = start_server();
    let (mut alice, _) = Json::join(server.local_addr(), "alice");
    for line in [
        r#"{"type":"history","label":"1"}"#,
        r#"{"type":"history","label":-1}"#,
        r#"{"type":"history","label":1.5}"#,
        r#"{"type":"history","label":18446744073709551616}"#,
        r#"{"type":"history","label":{"id":1}}"#,
        // Only requests that get an answer take one.
        r#"{"type":"say","text":"hi","label":1}"#,
        r#"{"type":"who","label":1}"#,
    ] {
        alice.send_raw(format!("{line}\n").as_bytes());
        let refused = answer(&mut alice);
        assert!(
            matches!(
                refused,
                ServerMsg::Error {
                    code: ErrorCode::Malformed,
                    label: None,
                    ..
                }
            ),
            "{line}: {refused:?}"
        );
    }
    alice.send(&say("still here"));
    alice.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "still here"));
}
