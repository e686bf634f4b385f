//! Several rooms on one host over real TCP: a JSON client in three at once, a terminal moving
//! between them, the seed's C client in the default room; per-room history, search, typing and
//! topics; rooms lasting across restarts; and the hostile cases (names, limits, loops, rooms one
//! is not in).

use coucou::protocol::message::RoomInfo;
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg};
use coucou::server::{RoomLimits, ServerConfig};

use crate::common::{Json, Plain, start_server_with, stored};

fn with_rooms(rooms: &[&str]) -> ServerConfig {
    ServerConfig {
        flood: None,
        rooms: rooms.iter().map(|r| (*r).to_owned()).collect(),
        ..ServerConfig::default()
    }
}

fn say(text: &str) -> ClientMsg {
    ClientMsg::Say {
        text: text.to_owned(),
        cid: None,
    }
}

fn is_message(text: &str) -> impl Fn(&ServerMsg) -> bool + '_ {
    move |m| matches!(m, ServerMsg::Message(chat) if chat.text == text)
}

/// The host's rooms as `client` is told them.
fn rooms_of(client: &mut Json) -> Vec<RoomInfo> {
    client.send(&ClientMsg::Rooms { label: Some(7) });
    match client.expect(|m| matches!(m, ServerMsg::Rooms { .. })) {
        ServerMsg::Rooms { rooms, label } => {
            assert_eq!(label, Some(7), "the answer carries the request's label");
            rooms
        }
        _ => unreachable!(),
    }
}

/// The error `client` gets next (about `room`).
fn error_in(client: &mut Json, room: Option<&str>) -> ErrorCode {
    match client.expect_in(room, |m| matches!(m, ServerMsg::Error { .. })) {
        ServerMsg::Error { code, .. } => code,
        _ => unreachable!(),
    }
}

#[test]
fn a_json_client_in_three_rooms_a_terminal_in_one_and_the_c_client_in_the_default_room() {
    let server = start_server_with(with_rooms(&["Général", "Projet X"]));
    let addr = server.local_addr();
    let (mut anna, _) = Json::join(addr, "anna");
    anna.join_room("Général");
    anna.join_room("Projet X");

    // The C client: its name in a NUL-padded block, every line prefixed with it.
    let mut seed = Plain::connect(addr);
    let mut block = [0u8; 32];
    block[..4].copy_from_slice(b"seed");
    seed.send_raw(&block);
    seed.expect("*** seed joined the room");
    anna.expect_in(
        None,
        |m| matches!(m, ServerMsg::Join { name, .. } if name == "seed"),
    );

    // A terminal moves to Projet X: the default room sees it leave, Projet X sees it come.
    let mut bob = Plain::join(addr, "bob");
    bob.send("/join projet x");
    bob.expect("*** Welcome to Projet X, bob!");
    anna.expect_in(
        None,
        |m| matches!(m, ServerMsg::Leave { name, .. } if name == "bob"),
    );
    anna.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Join { name, .. } if name == "bob"),
    );
    seed.expect("*** bob left the room");

    // Each room's messages reach its own people, each line saying which room for JSON.
    anna.send_in("Projet X", &say("le plan"));
    assert_eq!(bob.expect("anna:"), "anna: le plan");
    anna.expect_in(Some("Projet X"), is_message("le plan"));
    bob.send("bien reçu");
    anna.expect_in(Some("Projet X"), is_message("bien reçu"));
    anna.send_in("Général", &say("pour tout l'étage"));
    anna.expect_in(Some("Général"), is_message("pour tout l'étage"));
    seed.send_raw(b"seed: hello from C\n");
    anna.expect_in(None, is_message("hello from C"));
    anna.send(&say("dans la grande salle"));
    anna.expect_in(None, is_message("dans la grande salle"));
    // The C client saw the default room's lines only; the terminal, Projet X's only.
    let before = seed.lines_until("anna: dans la grande salle");
    assert!(
        before.iter().all(|l| !l.contains("le plan")
            && !l.contains("bien reçu")
            && !l.contains("tout l'étage")),
        "{before:#?}"
    );
    bob.send("/who");
    assert_eq!(bob.expect("here:"), "*** 2 people here: anna, bob");
    assert!(
        bob.seen().iter().all(|l| !l.contains("hello from C")
            && !l.contains("grande salle")
            && !l.contains("tout l'étage")),
        "{:#?}",
        bob.seen()
    );

    // The list: every room, its people, which ones the asker is in.
    let rooms = rooms_of(&mut anna);
    let summary: Vec<(&str, bool, usize, bool)> = rooms
        .iter()
        .map(|r| (r.name.as_str(), r.default, r.people, r.joined))
        .collect();
    assert_eq!(
        summary,
        [
            ("Coucou", true, 2, true),
            ("Général", false, 1, true),
            ("Projet X", false, 2, true)
        ]
    );
    bob.send("/rooms");
    bob.expect("*** 3 rooms:");
    assert_eq!(bob.line(), "***   Coucou (2 people)");
    assert_eq!(bob.line(), "***   Général (1 person)");
    assert_eq!(bob.line(), "*** > Projet X (2 people)");

    // Back to the default room; a JSON client leaves a room and is told so.
    bob.send("/part");
    bob.expect("*** Welcome to Coucou, bob!");
    anna.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Leave { name, .. } if name == "bob"),
    );
    anna.expect_in(
        None,
        |m| matches!(m, ServerMsg::Join { name, .. } if name == "bob"),
    );
    anna.send_in("Général", &ClientMsg::PartRoom {});
    anna.expect_in(Some("Général"), |m| matches!(m, ServerMsg::Parted {}));
    anna.send_in("Général", &say("plus là"));
    assert_eq!(error_in(&mut anna, Some("Général")), ErrorCode::NotInRoom);

    // A rename is one name on the whole host, told in every room.
    anna.send(&ClientMsg::Nick {
        name: "annie".into(),
    });
    anna.expect_in(
        None,
        |m| matches!(m, ServerMsg::Rename { new, .. } if new == "annie"),
    );
    anna.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Rename { new, .. } if new == "annie"),
    );
    // Quitting leaves every room.
    let mut watcher = Plain::join(addr, "watcher");
    watcher.send("/join Projet X");
    watcher.expect("*** Welcome to Projet X, watcher!");
    anna.send(&ClientMsg::Quit {});
    watcher.expect("*** annie left the room");
    let mut late = Json::join(addr, "late").0;
    let people: Vec<usize> = rooms_of(&mut late).iter().map(|r| r.people).collect();
    assert_eq!(people, [3, 0, 1], "seed, bob and late; nobody; watcher");
}

#[test]
fn history_pages_searches_and_typing_stay_in_their_room_and_ids_are_one_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let config = ServerConfig {
        rooms: vec!["Projet X".into()],
        ..stored(&path)
    };
    let server = start_server_with(config);
    let addr = server.local_addr();
    let (mut anna, _) = Json::join(addr, "anna");
    anna.join_room("Projet X");
    let (mut carl, _) = Json::join(addr, "carl");
    anna.expect_in(
        None,
        |m| matches!(m, ServerMsg::Join { name, .. } if name == "carl"),
    );

    for n in 0..3 {
        anna.send_in("Projet X", &say(&format!("plan secret alpha {n}")));
        anna.expect_in(
            Some("Projet X"),
            is_message(&format!("plan secret alpha {n}")),
        );
        carl.send(&say(&format!("alpha public {n}")));
        anna.expect_in(None, is_message(&format!("alpha public {n}")));
    }

    // Pages: each room's own, ids one sequence across rooms.
    anna.send_in(
        "Projet X",
        &ClientMsg::History {
            before: None,
            limit: Some(50),
            label: None,
        },
    );
    let ServerMsg::History { messages, .. } =
        anna.expect_in(Some("Projet X"), |m| matches!(m, ServerMsg::History { .. }))
    else {
        unreachable!()
    };
    let secret: Vec<(u64, String)> = messages
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Message(chat) => Some((chat.id, chat.text.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(secret.len(), 3, "{messages:#?}");
    assert!(secret.iter().all(|(_, t)| t.starts_with("plan secret")));
    let public: Vec<u64> = carl
        .whole_history()
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Message(chat) => {
                assert!(!chat.text.contains("secret"), "{chat:?}");
                Some(chat.id)
            }
            _ => None,
        })
        .collect();
    assert_eq!(public.len(), 3);
    let mut all: Vec<u64> = secret.iter().map(|(id, _)| *id).chain(public).collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 6, "no id is given twice on a host");

    // Searches: one room's, never one the asker is not in.
    anna.send_in(
        "Projet X",
        &ClientMsg::Search {
            text: "alpha".into(),
            limit: None,
            label: None,
        },
    );
    let ServerMsg::Results { results, .. } =
        anna.expect_in(Some("Projet X"), |m| matches!(m, ServerMsg::Results { .. }))
    else {
        unreachable!()
    };
    assert_eq!(results.len(), 3);
    assert!(
        results
            .iter()
            .all(|f| f.message.text.starts_with("plan secret"))
    );
    let found = carl.search("alpha", None).unwrap();
    assert_eq!(found.len(), 3);
    assert!(
        found
            .iter()
            .all(|f| f.message.text.starts_with("alpha public"))
    );
    carl.send_in(
        "Projet X",
        &ClientMsg::Search {
            text: "secret".into(),
            limit: None,
            label: Some(3),
        },
    );
    assert_eq!(error_in(&mut carl, Some("Projet X")), ErrorCode::NotInRoom);
    carl.send_in(
        "Projet X",
        &ClientMsg::History {
            before: None,
            limit: None,
            label: None,
        },
    );
    assert_eq!(error_in(&mut carl, Some("Projet X")), ErrorCode::NotInRoom);
    carl.send_in("Projet X", &say("je m'invite"));
    assert_eq!(error_in(&mut carl, Some("Projet X")), ErrorCode::NotInRoom);
    carl.send_in("Projet X", &ClientMsg::Typing { active: true });

    // Typing goes to the room's people only: carl, outside, hears anna typing nowhere.
    let (mut dana, _) = Json::join(addr, "dana");
    dana.join_room("Projet X");
    anna.send_in("Projet X", &ClientMsg::Typing { active: true });
    dana.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Typing { name, active: true } if name == "anna"),
    );
    carl.send(&say("fin"));
    carl.expect_in(None, is_message("fin"));
    assert!(
        carl.seen().iter().all(|m| !matches!(m, ServerMsg::Typing { .. })
            && !matches!(m, ServerMsg::Message(c) if c.text.contains("secret") || c.text == "je m'invite")),
        "{:#?}",
        carl.seen()
    );

    // A topic, kept with the room.
    anna.send_in(
        "Projet X",
        &ClientMsg::Topic {
            text: Some("livraison vendredi".into()),
        },
    );
    dana.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Topic { by: Some(by), text } if by == "anna" && text == "livraison vendredi"),
    );
    anna.expect_in(Some("Projet X"), |m| matches!(m, ServerMsg::Topic { .. }));
    drop((anna, carl, dana));
    drop(server);

    // The room, its topic and its history come back, though the host no longer names it.
    let server = start_server_with(stored(&path));
    let (mut anna, _) = Json::join(server.local_addr(), "anna");
    let welcome = anna.join_room("Projet X");
    let ServerMsg::Welcome { history, .. } = welcome else {
        unreachable!()
    };
    let texts: Vec<&str> = history
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Message(chat) => Some(chat.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        [
            "plan secret alpha 0",
            "plan secret alpha 1",
            "plan secret alpha 2"
        ]
    );
    anna.send_in("Projet X", &ClientMsg::Topic { text: None });
    anna.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Topic { by: None, text } if text == "livraison vendredi"),
    );
    anna.send_in("Projet X", &say("après le redémarrage"));
    let ServerMsg::Message(chat) =
        anna.expect_in(Some("Projet X"), is_message("après le redémarrage"))
    else {
        unreachable!()
    };
    assert!(
        chat.id > all[5],
        "ids go on after the restart: {} after {}",
        chat.id,
        all[5]
    );
}

#[test]
fn a_terminal_sees_and_sets_a_topic_and_a_newcomer_is_told_it_after_the_welcome() {
    let server = start_server_with(with_rooms(&["Café"]));
    let addr = server.local_addr();
    let mut bob = Plain::join(addr, "bob");
    bob.send("/join café");
    bob.expect("*** Welcome to Café, bob!");
    bob.send("/topic");
    bob.expect("*** This room has no topic.");
    bob.send("/topic pause à 10 h");
    bob.expect("*** bob set the topic: pause à 10 h");
    let (mut anna, _) = Json::join(addr, "anna");
    anna.send_in("Café", &ClientMsg::JoinRoom {});
    anna.expect(|m| matches!(m, ServerMsg::Welcome { room, .. } if room == "Café"));
    let (room, next) = anna.next_in();
    assert_eq!(room.as_deref(), Some("Café"));
    assert_eq!(
        next,
        ServerMsg::Topic {
            by: None,
            text: "pause à 10 h".into()
        }
    );
    let rooms = rooms_of(&mut anna);
    assert_eq!(rooms[1].topic.as_deref(), Some("pause à 10 h"));
    // What a topic holds is cleaned as any text: no escapes, no bidi controls reach anyone.
    anna.send_in(
        "Café",
        &ClientMsg::Topic {
            text: Some("\u{1b}[2Jsalle \u{202E}fermée".into()),
        },
    );
    assert_eq!(bob.expect("topic:"), "*** anna set the topic: salle fermée");
    // Too long a topic is refused, the old one stays.
    bob.send(&format!("/topic {}", "x".repeat(301)));
    let err = bob.expect("! ");
    assert!(err.contains("300"), "{err}");
    bob.send("/help");
    bob.expect("/join <room>");
}

#[test]
fn bad_room_names_are_left_out_with_a_reason_and_a_host_holds_at_most_its_limit() {
    let config = ServerConfig {
        rooms: [
            "Projet X",
            "PROJET  x",       // the same, by case and spaces
            "Proj\u{0435}t X", // a Cyrillic е: mixed scripts
            "Pr\u{043e}jet",   // a Cyrillic о
            "",                // empty
            &"a".repeat(31),   // too long
            "ad\u{200B}min",   // invisible
            "Everyone",        // reserved
            "coucou",          // the default room's name
            "#ops",            // not a letter
            "Salle 2",
            "Salle 3", // over the limit
        ]
        .iter()
        .map(|r| (*r).to_owned())
        .collect(),
        room_limits: RoomLimits {
            max_rooms: 3,
            max_joined: 2,
        },
        flood: None,
        ..ServerConfig::default()
    };
    let server = start_server_with(config);
    let addr = server.local_addr();
    let (mut anna, _) = Json::join(addr, "anna");
    let names: Vec<String> = rooms_of(&mut anna).into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["Coucou", "Projet X", "Salle 2"]);

    // Joining a room that does not exist, by every hostile name.
    let long = "a".repeat(200);
    for wanted in [
        "",
        "ad\u{200B}min",
        &long,
        "Salle 3",
        "\u{1b}[2J",
        "Pr\u{043e}jet",
    ] {
        anna.send_in(wanted, &ClientMsg::JoinRoom {});
        let ServerMsg::Error { code, message, .. } =
            anna.expect_in(Some(wanted), |m| matches!(m, ServerMsg::Error { .. }))
        else {
            unreachable!()
        };
        assert_eq!(code, ErrorCode::NoSuchRoom, "{wanted:?}");
        assert!(
            message.chars().count() < 150 && !message.contains(['\u{1b}', '\u{200B}']),
            "the name is quoted cleaned and short: {message:?}"
        );
    }
    // A look-alike of an existing room's name finds it.
    anna.send_in("PROJET   X", &ClientMsg::JoinRoom {});
    anna.expect(|m| matches!(m, ServerMsg::Welcome { room, .. } if room == "Projet X"));
    anna.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Join { name, .. } if name == "anna"),
    );
    // A look-alike in another script names the same room: nobody can make a fake one.
    anna.send_in("Proj\u{0435}t X", &ClientMsg::JoinRoom {});
    assert_eq!(
        error_in(&mut anna, Some("Proj\u{0435}t X")),
        ErrorCode::AlreadyInRoom
    );
    // At most two rooms per person.
    anna.send_in("Salle 2", &ClientMsg::JoinRoom {});
    assert_eq!(
        error_in(&mut anna, Some("Salle 2")),
        ErrorCode::TooManyRooms
    );
    // Nobody leaves the default room but by quitting.
    anna.send(&ClientMsg::PartRoom {});
    assert_eq!(error_in(&mut anna, None), ErrorCode::DefaultRoom);
    // Malformed: no room to join, a room that is not a name.
    anna.send(&ClientMsg::JoinRoom {});
    assert_eq!(error_in(&mut anna, None), ErrorCode::BadUsage);
    anna.send_raw(b"{\"type\":\"say\",\"text\":\"x\",\"room\":5}\n");
    assert_eq!(error_in(&mut anna, None), ErrorCode::Malformed);
    anna.send_raw(
        b"{\"type\":\"say\",\"text\":\"x\",\"room\":\"Projet X\",\"room\":\"Salle 2\"}\n",
    );
    assert_eq!(error_in(&mut anna, None), ErrorCode::Malformed);
    // The connection is still good.
    anna.send_in("Projet X", &say("toujours là"));
    anna.expect_in(Some("Projet X"), is_message("toujours là"));
}

#[test]
fn joining_and_leaving_in_a_loop_is_flood_limited_and_costs_nothing_else() {
    // Messages unlimited: only the rooms' own limit is at work.
    let server = start_server_with(ServerConfig {
        rooms: vec!["Boucle".into()],
        flood: None,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (mut anna, _) = Json::join(addr, "anna");
    for _ in 0..100 {
        anna.send_in("Boucle", &ClientMsg::JoinRoom {});
        anna.send_in("Boucle", &ClientMsg::PartRoom {});
    }
    anna.send(&say("fin de boucle"));
    let (mut welcomes, mut refused) = (0, 0);
    loop {
        match anna.next() {
            ServerMsg::Error {
                code: ErrorCode::Flood,
                ..
            } => refused += 1,
            ServerMsg::Welcome { room, .. } if room == "Boucle" => welcomes += 1,
            ServerMsg::Message(chat) if chat.text == "fin de boucle" => break,
            _ => {}
        }
    }
    // Sixty at once (FloodLimit::ROOMS), then one a second: the loop took its time.
    assert!((30..=40).contains(&welcomes), "{welcomes} welcomes");
    assert!(refused >= 120, "{refused} refused");
    let mut bob = Plain::join(addr, "bob");
    bob.send("hello");
    anna.expect(is_message("hello"));
}

#[test]
fn anyone_makes_a_room_by_joining_it_when_the_host_lets_them_and_it_lasts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let config = || ServerConfig {
        open_rooms: true,
        room_limits: RoomLimits {
            max_rooms: 3,
            max_joined: 50,
        },
        ..stored(&path)
    };
    let server = start_server_with(config());
    let addr = server.local_addr();
    let (mut anna, _) = Json::join(addr, "anna");
    // An app that knows of rooms (it asked for them) is told those made.
    rooms_of(&mut anna);
    let mut carl = Plain::join(addr, "carl");
    let mut bob = Plain::join(addr, "bob");
    bob.send("/join  Pause   café ");
    bob.expect("*** Welcome to Pause café, bob!");
    assert_eq!(
        anna.expect(|m| matches!(m, ServerMsg::RoomMade { .. })),
        ServerMsg::RoomMade {
            name: "Pause café".into(),
            by: Some("bob".into())
        }
    );
    carl.expect("*** bob made the room Pause café: /join Pause café to go there");
    // A look-alike joins the room made; a bad name makes none, and says why.
    carl.send("/join PAUSE CAFÉ");
    carl.expect("*** Welcome to Pause café, carl!");
    for (bad, why) in [
        ("/join x", "at least 2"),
        ("/join Admin", "reserved"),
        ("/join caf\u{200B}é", "U+200B"),
        ("/join coucou", "reserved"),
    ] {
        carl.send(bad);
        let err = carl.expect("! ");
        assert!(
            err.starts_with("! bad room name: ") && err.contains(why),
            "{bad}: {err}"
        );
    }
    // The host holds three rooms at most: the default room and two more.
    carl.send("/join Deuxième");
    carl.expect("*** Welcome to Deuxième, carl!");
    anna.send_in("Troisième", &ClientMsg::JoinRoom {});
    assert_eq!(error_in(&mut anna, Some("Troisième")), ErrorCode::RoomsFull);
    // The host itself makes rooms too, told to everyone; past its limit it is refused.
    assert_eq!(
        server.make_room("Annonces"),
        Err(coucou::server::RoomError::Full { max_rooms: 3 })
    );
    let made: Vec<&ServerMsg> = anna
        .seen()
        .iter()
        .filter(|m| matches!(m, ServerMsg::RoomMade { .. }))
        .collect();
    assert_eq!(made.len(), 2, "each room made is told once: {made:?}");
    drop((anna, bob, carl));
    drop(server);

    let server = start_server_with(ServerConfig {
        open_rooms: false,
        ..config()
    });
    let (mut anna, _) = Json::join(server.local_addr(), "anna");
    let names: Vec<String> = rooms_of(&mut anna).into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["Coucou", "Pause café", "Deuxième"]);
    // Closed to new rooms now: joining an unknown one makes none.
    anna.send_in("Nouveau", &ClientMsg::JoinRoom {});
    assert_eq!(error_in(&mut anna, Some("Nouveau")), ErrorCode::NoSuchRoom);
}

#[test]
fn a_room_the_host_makes_while_running_appears_to_everyone() {
    let server = start_server_with(with_rooms(&[]));
    let addr = server.local_addr();
    let (mut anna, _) = Json::join(addr, "anna");
    rooms_of(&mut anna);
    let mut bob = Plain::join(addr, "bob");
    assert_eq!(server.make_room("  Annonces "), Ok("Annonces".into()));
    assert_eq!(
        anna.expect(|m| matches!(m, ServerMsg::RoomMade { .. })),
        ServerMsg::RoomMade {
            name: "Annonces".into(),
            by: None
        }
    );
    bob.expect("*** The room Annonces is open: /join Annonces to go there");
    assert_eq!(server.rooms(), ["Annonces"]);
    assert!(matches!(
        server.make_room("annonces"),
        Err(coucou::server::RoomError::Name(_))
    ));
    anna.join_room("Annonces");
}

#[test]
fn making_ten_thousand_rooms_is_refused_cleanly_and_the_connection_stays() {
    let server = start_server_with(ServerConfig {
        open_rooms: true,
        flood: None,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (mut anna, _) = Json::join(addr, "anna");
    let mut lines = Vec::new();
    for n in 0..10_000 {
        let mut line = serde_json::to_vec(&serde_json::json!({
            "type": "join_room",
            "room": format!("Salle {n}"),
        }))
        .unwrap();
        line.push(b'\n');
        lines.extend(line);
    }
    anna.send_raw(&lines);
    anna.send(&say("encore là"));
    let (mut welcomes, mut flood, mut too_many) = (0, 0, 0);
    loop {
        match anna.next() {
            ServerMsg::Welcome { .. } => welcomes += 1,
            ServerMsg::Error {
                code: ErrorCode::Flood,
                ..
            } => flood += 1,
            ServerMsg::Error {
                code: ErrorCode::TooManyRooms,
                ..
            } => too_many += 1,
            ServerMsg::Message(chat) if chat.text == "encore là" => break,
            _ => {}
        }
    }
    // One person is in 50 rooms at most, the default one included; past that nothing is made.
    assert_eq!(welcomes, 49);
    assert!(
        too_many >= 1 && flood + too_many + welcomes == 10_000,
        "{flood} {too_many}"
    );
    assert_eq!(server.rooms().len(), 49);
}

#[test]
fn a_file_offered_in_a_named_room_is_refused_and_reaches_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server_with(ServerConfig {
        rooms: vec!["Projet X".into()],
        files: Some(coucou::server::FilesConfig::in_dir(
            dir.path().join("files"),
        )),
        ..with_rooms(&[])
    });
    let addr = server.local_addr();
    let (mut anna, _) = Json::join(addr, "anna");
    anna.join_room("Projet X");
    let (mut bob, _) = Json::join(addr, "bob");
    anna.send_in(
        "Projet X",
        &ClientMsg::Offer {
            name: "plan-secret.pdf".into(),
            size: 10,
            sha256: "0".repeat(64),
            to: None,
            label: Some(3),
        },
    );
    let ServerMsg::Error { code, label, .. } =
        anna.expect_in(Some("Projet X"), |m| matches!(m, ServerMsg::Error { .. }))
    else {
        unreachable!()
    };
    assert_eq!((code, label), (ErrorCode::Unavailable, Some(3)));
    anna.send_in(
        "Projet X",
        &ClientMsg::Fetch {
            file: 1,
            label: None,
        },
    );
    assert_eq!(
        error_in(&mut anna, Some("Projet X")),
        ErrorCode::Unavailable
    );
    anna.send(&say("fin"));
    bob.expect(is_message("fin"));
    assert!(
        bob.seen()
            .iter()
            .all(|m| !matches!(m, ServerMsg::Ready { .. } | ServerMsg::File(_))),
        "{:#?}",
        bob.seen()
    );
}

#[test]
fn asking_for_the_rooms_in_a_loop_is_flood_limited() {
    let server = start_server_with(ServerConfig {
        rooms: vec!["Projet X".into()],
        ..ServerConfig::default()
    });
    let (mut anna, _) = Json::join(server.local_addr(), "anna");
    let mut lines = Vec::new();
    for _ in 0..100 {
        lines.extend_from_slice(b"{\"type\":\"rooms\"}\n");
    }
    anna.send_raw(&lines);
    let (mut lists, mut refused) = (0, 0);
    while lists + refused < 100 {
        match anna.next() {
            ServerMsg::Rooms { .. } => lists += 1,
            ServerMsg::Error {
                code: ErrorCode::Flood,
                ..
            } => refused += 1,
            _ => {}
        }
    }
    assert!(refused > 50, "{lists} lists, {refused} refused");
}

#[test]
fn a_search_of_every_room_one_is_in_finds_theirs_only_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    for stored_or_not in [stored(&dir.path().join("history.sqlite")), with_rooms(&[])] {
        let server = start_server_with(ServerConfig {
            rooms: vec!["Général".into(), "Projet X".into()],
            search_flood: None,
            ..stored_or_not
        });
        let addr = server.local_addr();
        let (mut anna, _) = Json::join(addr, "anna");
        anna.join_room("Général");
        let (mut carl, _) = Json::join(addr, "carl");
        carl.join_room("Projet X");
        anna.send(&say("alpha dans la grande salle"));
        anna.expect_in(None, is_message("alpha dans la grande salle"));
        anna.send_in("Général", &say("alpha pour l'étage"));
        anna.expect_in(Some("Général"), is_message("alpha pour l'étage"));
        carl.send_in("Projet X", &say("alpha secret du projet"));
        carl.expect_in(Some("Projet X"), is_message("alpha secret du projet"));
        let everywhere = |client: &mut Json| {
            client.send_in(
                "*",
                &ClientMsg::Search {
                    text: "alpha".into(),
                    limit: None,
                    label: Some(9),
                },
            );
            let ServerMsg::Results { results, label, .. } =
                client.expect_in(Some("*"), |m| matches!(m, ServerMsg::Results { .. }))
            else {
                unreachable!()
            };
            assert_eq!(label, Some(9));
            results
                .into_iter()
                .map(|f| (f.room, f.message.text))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            everywhere(&mut anna),
            [
                (Some("Général".to_owned()), "alpha pour l'étage".to_owned()),
                (None, "alpha dans la grande salle".to_owned())
            ]
        );
        assert_eq!(
            everywhere(&mut carl),
            [
                (
                    Some("Projet X".to_owned()),
                    "alpha secret du projet".to_owned()
                ),
                (None, "alpha dans la grande salle".to_owned())
            ]
        );
        // Any other line naming "*" names no room.
        anna.send_in("*", &say("partout"));
        assert_eq!(error_in(&mut anna, Some("*")), ErrorCode::NoSuchRoom);
    }
}

#[test]
fn an_app_that_knows_nothing_of_rooms_is_never_sent_their_news() {
    let server = start_server_with(with_rooms(&["Projet X"]));
    let addr = server.local_addr();
    // Today's app: a hello, messages, nothing about rooms.
    let (mut today, _) = Json::join(addr, "today");
    let (mut aware, _) = Json::join(addr, "aware");
    aware.send(&ClientMsg::Rooms { label: None });
    aware.expect(|m| matches!(m, ServerMsg::Rooms { .. }));
    let mut bob = Plain::join(addr, "bob");
    bob.send("/topic ici, le café");
    bob.expect("*** bob set the topic: ici, le café");
    server.make_room("Annonces").unwrap();
    bob.expect("*** The room Annonces is open");
    aware.expect(|m| matches!(m, ServerMsg::Topic { .. }));
    aware.expect(|m| matches!(m, ServerMsg::RoomMade { .. }));
    // A newcomer that knows nothing of rooms is not told the default room's topic either.
    let (mut later, _) = Json::join(addr, "later");
    bob.send("fin");
    today.expect(is_message("fin"));
    later.expect(is_message("fin"));
    let news = |m: &ServerMsg| {
        matches!(
            m,
            ServerMsg::Topic { .. } | ServerMsg::RoomMade { .. } | ServerMsg::Rooms { .. }
        )
    };
    assert!(!today.seen().iter().any(news), "{:#?}", today.seen());
    assert!(!later.seen().iter().any(news), "{:#?}", later.seen());
    // Once it asks, it is told.
    later.send(&ClientMsg::Topic { text: None });
    assert_eq!(
        later.expect(|m| matches!(m, ServerMsg::Topic { .. })),
        ServerMsg::Topic {
            by: None,
            text: "ici, le café".into()
        }
    );
}

#[test]
fn typing_in_one_room_then_another_is_told_in_both() {
    let server = start_server_with(with_rooms(&["Général", "Projet X"]));
    let addr = server.local_addr();
    let (mut anna, _) = Json::join(addr, "anna");
    anna.join_room("Général");
    anna.join_room("Projet X");
    let (mut bob, _) = Json::join(addr, "bob");
    bob.join_room("Général");
    bob.join_room("Projet X");
    anna.send_in("Général", &ClientMsg::Typing { active: true });
    anna.send_in("Projet X", &ClientMsg::Typing { active: true });
    for room in ["Général", "Projet X"] {
        bob.expect_in(
            Some(room),
            |m| matches!(m, ServerMsg::Typing { name, active: true } if name == "anna"),
        );
    }
}

#[test]
fn a_private_message_reaches_its_recipient_in_whatever_room_they_are_and_nobody_else() {
    let server = start_server_with(with_rooms(&["Projet X"]));
    let addr = server.local_addr();
    let (mut anna, _) = Json::join(addr, "anna");
    let mut bob = Plain::join(addr, "bob");
    let mut tom = Plain::join(addr, "tom");
    tom.send("/join Projet X");
    tom.expect("*** Welcome to Projet X, tom!");
    // From a terminal in Projet X to an app in the default room, and back.
    tom.send("/msg anna on se voit à midi ?");
    assert_eq!(
        tom.expect("[private]"),
        "[private] tom -> anna: on se voit à midi ?"
    );
    let ServerMsg::Private { from, text, .. } =
        anna.expect_in(None, |m| matches!(m, ServerMsg::Private { .. }))
    else {
        unreachable!()
    };
    assert_eq!(
        (from.as_str(), text.as_str()),
        ("tom", "on se voit à midi ?")
    );
    anna.send(&ClientMsg::Away {
        reason: Some("réunion".into()),
        auto: false,
    });
    anna.send(&ClientMsg::Msg {
        to: "TOM".into(),
        text: "oui".into(),
        cid: Some("r1".into()),
    });
    assert_eq!(tom.expect("[private]"), "[private] anna -> tom: oui");
    anna.expect(|m| matches!(m, ServerMsg::Private { cid: Some(c), .. } if c == "r1"));
    // Sent again (a lost echo): the same message, not a second one.
    anna.send(&ClientMsg::Msg {
        to: "tom".into(),
        text: "oui".into(),
        cid: Some("r1".into()),
    });
    anna.expect(|m| matches!(m, ServerMsg::Private { cid: Some(c), .. } if c == "r1"));
    // The away reason goes back to the sender across rooms too.
    tom.send("/msg anna tu es là ?");
    assert_eq!(tom.expect("is away"), "*** anna is away: réunion");
    tom.send("/msg zed allô");
    assert_eq!(tom.expect("! "), "! nobody called zed is here");
    tom.send("fin");
    bob.send("fin aussi");
    anna.expect(is_message("fin aussi"));
    assert_eq!(tom.line(), "tom: fin");
    let delivered = tom
        .seen()
        .iter()
        .filter(|l| l.contains("anna -> tom: oui"))
        .count();
    assert_eq!(
        delivered,
        1,
        "sent again, delivered once: {:#?}",
        tom.seen()
    );
    assert!(
        bob.lines_until("bob: fin aussi")
            .iter()
            .all(|l| !l.contains("[private]")),
        "a private message reaches its two ends only"
    );
}
