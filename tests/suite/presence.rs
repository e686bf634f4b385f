//! Away and back, in both dialects, over real TCP on 127.0.0.1: who is told, what `/who` lists,
//! the away reason sent back once to a private message, and the hostile cases (too long,
//! invisible, forged fields, too fast). Also the server's notices in French (`lang`).

use crate::common::{Json, Plain};
use coucou::i18n::Lang;
use coucou::protocol::message::{AwayNote, MAX_AWAY_BYTES};
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg};
use coucou::server::{FloodLimit, ServerConfig};

fn away(reason: Option<&str>) -> ClientMsg {
    ClientMsg::Away {
        reason: reason.map(str::to_owned),
        auto: false,
    }
}

fn say(text: &str) -> ClientMsg {
    ClientMsg::Say {
        text: text.into(),
        cid: None,
    }
}

fn msg(to: &str, text: &str) -> ClientMsg {
    ClientMsg::Msg {
        to: to.into(),
        text: text.into(),
        cid: None,
    }
}

/// alice and bob (JSON) and carol (plain) in the room at `addr`, everyone past carol's arrival.
fn three_people(addr: std::net::SocketAddr) -> (Json, Json, Plain) {
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join(addr, "bob");
    let carol = Plain::join(addr, "carol");
    alice.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "carol"));
    bob.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "carol"));
    (alice, bob, carol)
}

fn is_away(m: &ServerMsg) -> bool {
    matches!(m, ServerMsg::Away { .. })
}

#[test]
fn away_and_back_from_the_json_dialect_reach_json_people_and_show_in_who_and_welcomes() {
    let server = crate::common::start_server();
    let addr = server.local_addr();
    let (mut alice, mut bob, mut carol) = three_people(addr);

    alice.send(&away(Some("déjeuner")));
    let told = ServerMsg::Away {
        name: "alice".into(),
        reason: Some("déjeuner".into()),
        auto: false,
        reply: false,
    };
    assert_eq!(bob.expect(is_away), told);
    assert_eq!(alice.expect(is_away), told, "the person is told too");

    // The plain client is not interrupted by it: its next line is the next message.
    bob.send(&say("après"));
    assert_eq!(carol.line(), "bob: après");

    // `/who` lists it, in both dialects.
    carol.send("/who");
    assert_eq!(
        carol.line(),
        "*** 3 people here: alice (away: déjeuner), bob, carol"
    );
    bob.send(&ClientMsg::Who {});
    assert_eq!(
        bob.expect(|m| matches!(m, ServerMsg::Users { .. })),
        ServerMsg::Users {
            users: vec!["alice".into(), "bob".into(), "carol".into()],
            away: vec![AwayNote {
                name: "alice".into(),
                reason: Some("déjeuner".into()),
                auto: false,
            }],
            elsewhere: Vec::new(),
        }
    );

    // A newcomer learns it from the welcome.
    let (_dave, welcome) = Json::join(addr, "dave");
    let ServerMsg::Welcome { away, .. } = welcome else {
        panic!("{welcome:?}")
    };
    assert_eq!(away.len(), 1);
    assert_eq!(away[0].name, "alice");
    assert_eq!(away[0].reason.as_deref(), Some("déjeuner"));

    alice.send(&ClientMsg::Back {});
    let back = ServerMsg::Back {
        name: "alice".into(),
    };
    assert_eq!(bob.expect(|m| matches!(m, ServerMsg::Back { .. })), back);
    carol.send("/who");
    let who = carol.expect("*** 4 people here");
    assert_eq!(who, "*** 4 people here: alice, bob, carol, dave");
}

#[test]
fn away_and_back_from_the_plain_dialect() {
    let server = crate::common::start_server();
    let addr = server.local_addr();
    let (mut bob, _) = Json::join(addr, "bob");
    let mut carol = Plain::join(addr, "carol");
    bob.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "carol"));

    carol.send("/away en réunion jusqu'à 15h");
    assert_eq!(carol.line(), "*** carol is away: en réunion jusqu'à 15h");
    assert_eq!(
        bob.expect(is_away),
        ServerMsg::Away {
            name: "carol".into(),
            reason: Some("en réunion jusqu'à 15h".into()),
            auto: false,
            reply: false,
        }
    );
    carol.send("/away");
    assert_eq!(
        carol.line(),
        "*** carol is away",
        "a new reason replaces the old"
    );
    carol.send("/back");
    assert_eq!(carol.line(), "*** carol is back");
    assert_eq!(
        bob.expect(|m| matches!(m, ServerMsg::Back { .. })),
        ServerMsg::Back {
            name: "carol".into()
        }
    );
    // Back when not away: said to the person alone, nobody else is bothered.
    carol.send("/back");
    assert_eq!(carol.line(), "*** carol is back");
    carol.send("fini");
    let next = bob.expect(|m| !matches!(m, ServerMsg::Join { .. }));
    assert!(
        matches!(&next, ServerMsg::Message(c) if c.text == "fini"),
        "bob was not told of a return from nowhere: {next:?}"
    );
}

#[test]
fn a_private_message_to_someone_away_gets_their_reason_back_once_per_absence() {
    let server = crate::common::start_server();
    let addr = server.local_addr();
    let (mut alice, mut bob, mut carol) = three_people(addr);
    alice.send(&away(Some("en congé")));
    bob.expect(is_away);

    bob.send(&msg("alice", "tu es là ?"));
    let echo = bob.next();
    assert!(matches!(echo, ServerMsg::Private { .. }), "{echo:?}");
    assert_eq!(
        bob.next(),
        ServerMsg::Away {
            name: "alice".into(),
            reason: Some("en congé".into()),
            auto: false,
            reply: true,
        }
    );
    bob.send(&msg("alice", "bon, tant pis"));
    assert!(matches!(bob.next(), ServerMsg::Private { .. }));
    bob.send(&say("marque"));
    let next = bob.next();
    assert!(
        matches!(&next, ServerMsg::Message(c) if c.text == "marque"),
        "the reason came back only once: {next:?}"
    );

    // A plain sender gets it once too, as a notice.
    carol.send("/msg alice coucou");
    carol.expect("[private] carol -> alice: coucou");
    assert_eq!(carol.line(), "*** alice is away: en congé");
    carol.send("/msg alice re");
    assert_eq!(carol.line(), "[private] carol -> alice: re");
    carol.send("/who");
    assert!(
        carol.line().starts_with("*** 3 people here"),
        "no second reason"
    );

    // The recipient got every message.
    let received = (0..4)
        .map(|_| alice.expect(|m| matches!(m, ServerMsg::Private { .. })))
        .count();
    assert_eq!(received, 4);

    // A new absence gives the reason again.
    alice.send(&ClientMsg::Back {});
    alice.send(&away(None));
    bob.expect(|m| matches!(m, ServerMsg::Back { .. }));
    bob.expect(is_away);
    bob.send(&msg("alice", "et maintenant ?"));
    assert!(matches!(bob.next(), ServerMsg::Private { .. }));
    assert_eq!(
        bob.next(),
        ServerMsg::Away {
            name: "alice".into(),
            reason: None,
            auto: false,
            reply: true,
        }
    );
}

#[test]
fn an_automatic_away_reads_idle_to_json_and_plain_clients_alike() {
    let server = crate::common::start_server();
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join(addr, "bob");
    alice.send(&ClientMsg::Away {
        reason: None,
        auto: true,
    });
    assert_eq!(
        bob.expect(is_away),
        ServerMsg::Away {
            name: "alice".into(),
            reason: None,
            auto: true,
            reply: false,
        }
    );
    let mut carol = Plain::join(addr, "carol");
    carol.send("/who");
    assert_eq!(carol.line(), "*** 3 people here: alice (idle), bob, carol");
}

#[test]
fn hostile_away_reasons_are_refused_or_cleaned_and_cost_nothing_else() {
    let server = crate::common::start_server();
    let addr = server.local_addr();
    let (mut alice, mut bob, mut carol) = three_people(addr);

    // Too long: one error, nothing changes.
    let long = "é".repeat(MAX_AWAY_BYTES / 2 + 1);
    alice.send(&away(Some(&long)));
    let refused = alice.expect(|m| matches!(m, ServerMsg::Error { .. }));
    assert!(
        matches!(&refused, ServerMsg::Error { code: ErrorCode::TooLong, message, .. } if message.contains("away")),
        "{refused:?}"
    );
    carol.send(&format!("/away {}", "x".repeat(MAX_AWAY_BYTES + 1)));
    assert!(carol.line().starts_with("! away reason too long"));

    // Invisible, reordering and terminal-control characters are removed; a reason of nothing
    // visible is no reason.
    alice.send(&away(Some("\u{202e}lunch\u{1b}[31m\u{200b}")));
    let told = bob.expect(is_away);
    assert_eq!(
        told,
        ServerMsg::Away {
            name: "alice".into(),
            reason: Some("lunch".into()),
            auto: false,
            reply: false,
        }
    );
    alice.send(&away(Some("\u{200b}\u{2060} ")));
    assert!(matches!(
        bob.expect(is_away),
        ServerMsg::Away { reason: None, .. }
    ));

    // A forged field or a reply flag from a client is not a message of this protocol.
    alice.send_raw(b"{\"type\":\"away\",\"reason\":\"x\",\"reply\":true}\n");
    assert!(matches!(
        alice.expect(|m| matches!(m, ServerMsg::Error { .. })),
        ServerMsg::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    alice.send_raw(b"{\"type\":\"back\",\"name\":\"bob\"}\n");
    assert!(matches!(
        alice.expect(|m| matches!(m, ServerMsg::Error { .. })),
        ServerMsg::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    alice.send_raw(b"{\"type\":\"away\",\"reason\":42}\n");
    assert!(matches!(
        alice.expect(|m| matches!(m, ServerMsg::Error { .. })),
        ServerMsg::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    // The chat goes on for everyone.
    alice.send(&say("toujours là"));
    carol.expect("alice: toujours là");
}

#[test]
fn going_away_and_back_counts_against_the_flood_limit() {
    let server = crate::common::start_server_with(ServerConfig {
        flood: Some(FloodLimit {
            burst: 4,
            per_second: 0.001,
        }),
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join(addr, "bob");
    for _ in 0..2 {
        alice.send(&away(Some("x")));
        alice.send(&ClientMsg::Back {});
    }
    alice.send(&away(Some("once too many")));
    let refused = alice.expect(|m| matches!(m, ServerMsg::Error { .. }));
    assert!(
        matches!(
            refused,
            ServerMsg::Error {
                code: ErrorCode::Flood,
                ..
            }
        ),
        "{refused:?}"
    );
    // Bob heard exactly the four that were let through.
    let mut heard = Vec::new();
    while heard.len() < 4 {
        if let m @ (ServerMsg::Away { .. } | ServerMsg::Back { .. }) = bob.next() {
            heard.push(m);
        }
    }
    assert!(matches!(heard[3], ServerMsg::Back { .. }));
}

#[test]
fn a_french_room_speaks_french_to_plain_clients_and_keeps_its_codes() {
    let server = crate::common::start_server_with(ServerConfig {
        room: "Salle 12".into(),
        lang: Lang::Fr,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let mut alice = Plain::connect(addr);
    alice.send("alice");
    assert_eq!(alice.line(), "*** Bienvenue dans Salle 12, alice\u{a0}!");
    alice.expect("*** Tapez /help pour les commandes");
    alice.expect("*** alice a rejoint le salon");
    let (mut bob, _) = Json::join(addr, "bob");
    alice.expect("*** bob a rejoint le salon");
    alice.send("/who");
    assert_eq!(alice.line(), "*** 2 personnes ici\u{a0}: alice, bob");
    alice.send("/away au téléphone");
    assert_eq!(alice.line(), "*** alice est absent\u{a0}: au téléphone");
    alice.send("/dance");
    assert_eq!(
        alice.line(),
        "! commande inconnue /dance (tapez /help pour la liste)"
    );
    alice.send("coucou");
    alice.expect("*** Bonjour alice\u{a0}!");

    // JSON clients get the same codes; only the words for people are French.
    bob.send(&msg("nobody", "x"));
    let err = bob.expect(|m| matches!(m, ServerMsg::Error { .. }));
    assert_eq!(
        err,
        ServerMsg::Error {
            code: ErrorCode::NoSuchUser,
            message: "personne ne s\u{2019}appelle nobody ici".into(),
            label: None,
            cid: None,
        }
    );
    bob.send(&ClientMsg::Quit {});
    assert_eq!(alice.line(), "*** bob a quitté le salon");
}
