//! Rooms with a password on a host whose default room is open: an app proves it knows the room's
//! password by a SPAKE2 exchange bound to its TLS session, a terminal types it after the room's
//! name (over TLS); and the hostile cases: a wrong password, one in clear, a forged answer, too
//! many tries, and nothing of the room reaching anyone who is not in it.

use std::time::Duration;

use coucou::protocol::password::{Pake, RoomKey, SALT_BYTES, Side, derive_key};
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg};
use coucou::server::ServerConfig;

use crate::common::{Json, Plain, start_server_with, stored, test_identity};

fn protected(config: ServerConfig) -> ServerConfig {
    ServerConfig {
        room_passwords: vec![("Secret".into(), RoomKey::new("tournesol").expect("a key"))],
        rooms: vec!["Ouvert".into()],
        password_delay: Duration::from_millis(10),
        flood: None,
        ..config
    }
}

/// A JSON client over TLS (pinned to the test host), in the default room as `name`.
fn app(addr: std::net::SocketAddr, name: &str) -> Json {
    let (mut client, _) =
        Json::connect_tls(addr, Some(test_identity().fingerprint())).expect("TLS");
    client.send(&ClientMsg::Hello {
        version: 1,
        name: name.into(),
        device: None,
    });
    client.expect(|m| matches!(m, ServerMsg::Join { name: n, .. } if n == name));
    client
}

/// Asks to join `room` and answers its password challenge with `password`; returns what came
/// next about the room (the host's `verified`, or an error).
fn prove(client: &mut Json, room: &str, password: &str) -> ServerMsg {
    client.send_in(room, &ClientMsg::JoinRoom {});
    let ServerMsg::Password { salt, msg } =
        client.expect_in(Some(room), |m| matches!(m, ServerMsg::Password { .. }))
    else {
        unreachable!()
    };
    let mut salt_bytes = [0u8; SALT_BYTES];
    hex::decode_to_slice(&salt, &mut salt_bytes).expect("a salt in hex");
    let key = derive_key(password, &salt_bytes).expect("a key");
    let exporter = client
        .transport()
        .exporter()
        .expect("TLS")
        .expect("an exporter");
    let (pake, guest_msg) = Pake::start(&key, &exporter);
    let secret = pake
        .finish(&hex::decode(msg).expect("hex"))
        .expect("a SPAKE2 message");
    client.send_in(
        room,
        &ClientMsg::Password {
            msg: hex::encode(guest_msg),
            proof: hex::encode(secret.proof(Side::Guest)),
        },
    );
    let answer = client.expect_in(Some(room), |m| {
        matches!(m, ServerMsg::Verified { .. } | ServerMsg::Error { .. })
    });
    if let ServerMsg::Verified { proof } = &answer {
        assert!(
            secret
                .check(Side::Host, &hex::decode(proof).expect("hex"))
                .is_ok(),
            "the host proves it knows the password too"
        );
    }
    answer
}

fn code(msg: &ServerMsg) -> Option<ErrorCode> {
    match msg {
        ServerMsg::Error { code, .. } => Some(*code),
        _ => None,
    }
}

#[test]
fn an_app_proves_the_rooms_password_and_nothing_of_the_room_reaches_anyone_else() {
    let server = start_server_with(protected(ServerConfig::default()));
    let addr = server.local_addr();
    let mut alice = app(addr, "alice");
    let rooms = {
        alice.send(&ClientMsg::Rooms { label: None });
        let ServerMsg::Rooms { rooms, .. } = alice.expect(|m| matches!(m, ServerMsg::Rooms { .. }))
        else {
            unreachable!()
        };
        rooms
    };
    let flags: Vec<(&str, bool)> = rooms
        .iter()
        .map(|r| (r.name.as_str(), r.protected))
        .collect();
    assert_eq!(
        flags,
        [("Coucou", false), ("Ouvert", false), ("Secret", true)]
    );

    assert!(matches!(
        prove(&mut alice, "Secret", "tournesol"),
        ServerMsg::Verified { .. }
    ));
    alice.expect(|m| matches!(m, ServerMsg::Welcome { room, .. } if room == "Secret"));
    alice.expect_in(
        Some("Secret"),
        |m| matches!(m, ServerMsg::Join { name, .. } if name == "alice"),
    );
    // An open room asks nothing.
    alice.join_room("Ouvert");

    let mut mallory = app(addr, "mallory");
    let wrong = prove(&mut mallory, "Secret", "tournesoL");
    assert_eq!(code(&wrong), Some(ErrorCode::WrongPassword));
    // A forged answer: no exchange begun for the room, or one for a room without a password.
    for room in ["Secret", "Ouvert", "Nulle part"] {
        mallory.send_in(
            room,
            &ClientMsg::Password {
                msg: "00".into(),
                proof: "00".into(),
            },
        );
        let refused = mallory.expect_in(Some(room), |m| matches!(m, ServerMsg::Error { .. }));
        assert_eq!(code(&refused), Some(ErrorCode::Malformed), "{room}");
    }
    // Answering the challenge with garbage is a wrong password, and the connection stays.
    mallory.send_in("Secret", &ClientMsg::JoinRoom {});
    mallory.expect_in(Some("Secret"), |m| matches!(m, ServerMsg::Password { .. }));
    mallory
        .send_raw(b"{\"type\":\"password\",\"msg\":\"zz\",\"proof\":\"\",\"room\":\"Secret\"}\n");
    let garbage = mallory.expect_in(Some("Secret"), |m| matches!(m, ServerMsg::Error { .. }));
    assert_eq!(code(&garbage), Some(ErrorCode::WrongPassword));
    // Whatever mallory asks of the room, nothing is done and nothing comes back.
    for asked in [
        ClientMsg::Say {
            text: "je suis dedans ?".into(),
            cid: None,
        },
        ClientMsg::History {
            before: None,
            limit: None,
            label: None,
        },
        ClientMsg::Search {
            text: "plan".into(),
            limit: None,
            label: None,
        },
        ClientMsg::Who {},
        ClientMsg::Topic { text: None },
    ] {
        mallory.send_in("Secret", &asked);
        let refused = mallory.expect_in(Some("Secret"), |m| matches!(m, ServerMsg::Error { .. }));
        assert_eq!(code(&refused), Some(ErrorCode::NotInRoom), "{asked:?}");
    }
    mallory.send_in("Secret", &ClientMsg::Typing { active: true });
    // Its topic is its own people's: the list shows it to alice, not to mallory.
    alice.send_in(
        "Secret",
        &ClientMsg::Topic {
            text: Some("le code est 4321".into()),
        },
    );
    alice.expect_in(Some("Secret"), |m| matches!(m, ServerMsg::Topic { .. }));
    let topic_of = |client: &mut Json| {
        client.send(&ClientMsg::Rooms { label: None });
        let ServerMsg::Rooms { rooms, .. } =
            client.expect(|m| matches!(m, ServerMsg::Rooms { .. }))
        else {
            unreachable!()
        };
        rooms
            .into_iter()
            .find(|r| r.name == "Secret")
            .and_then(|r| r.topic)
    };
    assert_eq!(topic_of(&mut alice).as_deref(), Some("le code est 4321"));
    assert_eq!(topic_of(&mut mallory), None);

    alice.send_in("Secret", &ClientMsg::Typing { active: true });
    alice.send_in(
        "Secret",
        &ClientMsg::Say {
            text: "le plan secret".into(),
            cid: None,
        },
    );
    alice.expect_in(
        Some("Secret"),
        |m| matches!(m, ServerMsg::Message(c) if c.text == "le plan secret"),
    );
    alice.send(&ClientMsg::Say {
        text: "pour tous".into(),
        cid: None,
    });
    mallory.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "pour tous"));
    assert!(
        mallory
            .seen()
            .iter()
            .all(|m| !matches!(m, ServerMsg::Typing { .. })
                && !matches!(m, ServerMsg::Message(c) if c.text.contains("secret"))
                && !matches!(m, ServerMsg::Welcome { room, .. } if room == "Secret")),
        "{:#?}",
        mallory.seen()
    );

    // In clear, no password is asked, nor taken.
    let (mut clear, _) = Json::join(addr, "clair");
    clear.send_in("Secret", &ClientMsg::JoinRoom {});
    let refused = clear.expect_in(Some("Secret"), |m| matches!(m, ServerMsg::Error { .. }));
    assert_eq!(code(&refused), Some(ErrorCode::TlsRequired));
    clear.join_room("Ouvert");
}

#[test]
fn a_terminal_types_the_rooms_password_after_its_name_over_tls_only() {
    let server = start_server_with(protected(ServerConfig::default()));
    let addr = server.local_addr();
    let (mut tom, _) = Json::connect_tls(addr, Some(test_identity().fingerprint())).unwrap();
    tom.send_raw(b"tom\n");
    tom.expect_text("*** tom joined the room");
    tom.send_raw(b"/rooms\n");
    assert_eq!(
        tom.expect_text("Secret"),
        "***   Secret (0 people) (password)"
    );
    tom.send_raw(b"/join Secret\n");
    let asked = tom.expect_text("! ");
    assert!(asked.contains("/join Secret <password>"), "{asked}");
    tom.send_raw(b"/join Secret tournesoL\n");
    assert_eq!(
        tom.expect_text("! "),
        "! wrong password for the room (or someone is in the middle of your connection)"
    );
    tom.send_raw(b"/join secret tournesol\n");
    tom.expect_text("*** Welcome to Secret, tom!");
    tom.send_raw(b"/who\n");
    assert_eq!(tom.expect_text("here:"), "*** 1 person here: tom");

    // In clear, the password typed is refused unread, and never shown back.
    let mut nc = Plain::join(addr, "nc");
    nc.send("/join Secret tournesol");
    let refused = nc.expect("! ");
    assert!(
        refused.contains("encrypted connection") && !refused.contains("tournesol"),
        "{refused}"
    );
    nc.send("/who");
    assert!(
        nc.expect("here:").contains("nc"),
        "still in the default room"
    );
}

#[test]
fn too_many_wrong_passwords_from_one_address_are_refused_for_a_while() {
    let server = start_server_with(ServerConfig {
        max_password_failures: 2,
        ..protected(ServerConfig::default())
    });
    let mut mallory = app(server.local_addr(), "mallory");
    for _ in 0..2 {
        assert_eq!(
            code(&prove(&mut mallory, "Secret", "x")),
            Some(ErrorCode::WrongPassword)
        );
    }
    // The third try is refused before anything is checked, even the right password.
    let refused = prove(&mut mallory, "Secret", "tournesol");
    assert_eq!(code(&refused), Some(ErrorCode::TooManyAttempts));
}

#[test]
fn a_rooms_password_lasts_across_restarts_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let server = start_server_with(protected(stored(&path)));
    let mut alice = app(server.local_addr(), "alice");
    assert!(matches!(
        prove(&mut alice, "Secret", "tournesol"),
        ServerMsg::Verified { .. }
    ));
    drop(alice);
    drop(server);
    // Started again without the option: still protected, by the same password.
    let server = start_server_with(ServerConfig {
        password_delay: Duration::from_millis(10),
        ..stored(&path)
    });
    let mut bob = app(server.local_addr(), "bob");
    assert_eq!(
        code(&prove(&mut bob, "Secret", "autre")),
        Some(ErrorCode::WrongPassword)
    );
    assert!(matches!(
        prove(&mut bob, "Secret", "tournesol"),
        ServerMsg::Verified { .. }
    ));
    bob.expect(|m| matches!(m, ServerMsg::Welcome { room, .. } if room == "Secret"));
}
