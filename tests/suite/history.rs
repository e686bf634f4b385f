//! Asking the room for its past over real TCP on 127.0.0.1, with the store on real SQLite files in
//! temp folders: pages of older messages, searches (JSON and `/search`), private messages kept out
//! of both, hostile requests, and client ids that make a message sent twice arrive once.

use std::path::Path;

use crate::common::{Json, Plain, restart_at, start_server_with, stored};
use coucou::protocol::message::Found;
use coucou::protocol::{Chat, ClientMsg, ErrorCode, ServerMsg};
use coucou::server::ServerConfig;
use coucou::store::{Retention, Store};

/// A store holding `n` room messages, ids 1..=n, written through the store itself.
fn filled(path: &Path, n: u64, text: impl Fn(u64) -> String) {
    let (store, _, warning) = Store::open(path, 0, Retention::default()).expect("a store");
    assert_eq!(warning, None);
    for id in 1..=n {
        store.keep(
            &ServerMsg::Message(Chat {
                id,
                time: 1_700_000_000_000 + id,
                from: if id % 2 == 0 { "alice" } else { "bob" }.into(),
                text: text(id),
                action: false,
                cid: None,
                ..Default::default()
            }),
            true,
        );
    }
    drop(store);
}

fn page(client: &mut Json, before: Option<u64>, limit: Option<u32>) -> (Vec<ServerMsg>, bool) {
    client.send(&ClientMsg::History {
        before,
        limit,
        label: None,
    });
    match client.expect(|m| matches!(m, ServerMsg::History { .. } | ServerMsg::Error { .. })) {
        ServerMsg::History { messages, more, .. } => (messages, more),
        other => panic!("no page: {other:?}"),
    }
}

fn ids(messages: &[ServerMsg]) -> Vec<u64> {
    messages
        .iter()
        .map(|m| match m {
            ServerMsg::Message(chat) => chat.id,
            other => panic!("{other:?} in a page"),
        })
        .collect()
}

fn texts(found: &[Found]) -> Vec<&str> {
    found.iter().map(|f| f.message.text.as_str()).collect()
}

#[test]
fn ten_thousand_stored_messages_come_back_page_by_page_to_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    filled(&path, 10_000, |id| format!("message {id}"));
    let server = start_server_with(stored(&path));
    let (mut alice, welcome) = Json::join(server.local_addr(), "alice");
    let ServerMsg::Welcome { history, .. } = welcome else {
        unreachable!()
    };
    let mut got = ids(&history);
    assert_eq!(got.first(), Some(&9_901), "the newest 100 on joining");
    let mut pages = 0;
    loop {
        let (messages, more) = page(&mut alice, got.first().copied(), Some(500));
        pages += 1;
        let mut older = ids(&messages);
        assert!(older.len() <= 500);
        older.extend(got);
        got = older;
        if !more {
            break;
        }
    }
    assert_eq!(
        got,
        (1..=10_000).collect::<Vec<_>>(),
        "every id once, in order"
    );
    assert_eq!(pages, 20);

    // Asking for more than the cap gets the cap; for nothing, at least one.
    assert_eq!(page(&mut alice, None, Some(u32::MAX)).0.len(), 500);
    assert_eq!(page(&mut alice, None, Some(0)).0.len(), 1);
    assert_eq!(page(&mut alice, Some(0), None), (vec![], false));
    assert_eq!(page(&mut alice, Some(u64::MAX), None).0.len(), 100);
}

#[test]
fn search_ignores_case_and_accents_gives_context_and_never_shows_private_messages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let server = start_server_with(stored(&path));
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let mut bob = Plain::join(addr, "bob");
    for line in [
        "bonjour",
        "on prend un café ?",
        "oui",
        "/msg alice un CAFÉ en secret",
        "CAFE CRÈME pour moi",
        "rien à voir",
    ] {
        bob.send(line);
    }
    alice.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "rien à voir"));

    let found = alice.search("cafe", None).unwrap();
    assert_eq!(texts(&found), ["CAFE CRÈME pour moi", "on prend un café ?"]);
    assert_eq!(found[1].before.as_ref().unwrap().text, "bonjour");
    assert_eq!(found[1].after.as_ref().unwrap().text, "oui");
    assert_eq!(found[0].after.as_ref().unwrap().text, "rien à voir");
    assert_eq!(
        texts(&alice.search("crème café", None).unwrap()),
        ["CAFE CRÈME pour moi"]
    );
    assert_eq!(
        texts(&alice.search("crem", None).unwrap()),
        ["CAFE CRÈME pour moi"],
        "the last word may be the start of one"
    );
    for who in ["alice", "bob"] {
        let (mut me, _) = Json::join(addr, &format!("{who}2"));
        let found = me.search("secret", None).unwrap();
        assert!(found.is_empty(), "a private message was found: {found:?}");
    }
    assert!(alice.search("secret", None).unwrap().is_empty());
    let (older, _) = page(&mut alice, None, None);
    assert!(
        older
            .iter()
            .all(|m| !matches!(m, ServerMsg::Private { .. })),
        "{older:?}"
    );

    // The plain dialect: results as lines.
    bob.send("/search cafe");
    let header = bob.expect("found for");
    assert_eq!(header, "*** 2 messages found for \"cafe\", newest first:");
    let (newest, older) = (bob.line(), bob.line());
    assert!(newest.ends_with("] bob: CAFE CRÈME pour moi"), "{newest}");
    assert!(
        older.starts_with("[found #") && older.ends_with(" UTC] bob: on prend un café ?"),
        "{older}"
    );
}

#[test]
fn a_room_without_a_store_pages_and_searches_what_it_remembers() {
    let server = start_server_with(ServerConfig {
        flood: None,
        history: 5,
        ..ServerConfig::default()
    });
    let (mut alice, _) = Json::join(server.local_addr(), "alice");
    for n in 1..=8 {
        alice.send(&ClientMsg::Say {
            text: format!("Crêpe numéro {n}"),
            cid: None,
        });
    }
    alice.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "Crêpe numéro 8"));
    let (messages, more) = page(&mut alice, None, Some(3));
    assert_eq!(messages.len(), 3);
    assert!(more);
    let found = alice.search("CREPE", None).unwrap();
    assert_eq!(
        texts(&found),
        [
            "Crêpe numéro 8",
            "Crêpe numéro 7",
            "Crêpe numéro 6",
            "Crêpe numéro 5",
            "Crêpe numéro 4"
        ],
        "the last five are remembered"
    );
}

#[test]
fn hostile_searches_are_words_capped_and_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    filled(&path, 200, |id| {
        format!("mot{} NEAR text OR \"quoted\" {id}", id % 3)
    });
    let server = start_server_with(ServerConfig {
        search_flood: Some(coucou::server::FloodLimit {
            burst: 20,
            per_second: 0.001,
        }),
        ..stored(&path)
    });
    let (mut mallory, _) = Json::join(server.local_addr(), "mallory");
    // Query syntax is read as words: none of it is an error, none of it reaches further.
    for query in [
        "\"",
        "NEAR(",
        "text:mot1",
        "* OR *",
        "-mot1",
        "^mot1",
        "mot1 AND NOT",
        "')); DROP TABLE messages; --",
        "\u{0}\u{1b}[31m",
        "",
        "   ",
    ] {
        let found = mallory.search(query, None);
        assert!(found.is_ok(), "{query:?}: {found:?}");
    }
    let found = mallory.search("quoted near", Some(u32::MAX)).unwrap();
    assert_eq!(found.len(), 50, "capped at 50");
    assert_eq!(mallory.search("mot1", Some(3)).unwrap().len(), 3);
    assert_eq!(
        mallory.search(&"long".repeat(100), None),
        Err(ErrorCode::TooLong)
    );
    // 13 of the budget of 20 are spent (a search refused as too long costs nothing): of the
    // next 10, 3 are refused, and the chat goes on.
    let mut refused = 0;
    for _ in 0..10 {
        if mallory.search("mot1", None) == Err(ErrorCode::Flood) {
            refused += 1;
        }
    }
    assert_eq!(refused, 3);
    mallory.send(&ClientMsg::Say {
        text: "still here".into(),
        cid: None,
    });
    mallory.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "still here"));
}

fn say(client: &mut Json, text: &str, cid: &str) {
    client.send(&ClientMsg::Say {
        text: text.into(),
        cid: Some(cid.into()),
    });
}

#[test]
fn a_message_sent_again_with_its_client_id_arrives_once_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let server = start_server_with(stored(&path));
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let mut bob = Plain::join(addr, "bob");
    say(&mut alice, "une fois", "c-1");
    let ServerMsg::Message(first) = alice.expect(|m| matches!(m, ServerMsg::Message(_))) else {
        unreachable!()
    };
    assert_eq!(
        first.cid.as_deref(),
        Some("c-1"),
        "the sender knows it arrived"
    );
    say(&mut alice, "une fois", "c-1");
    let ServerMsg::Message(again) = alice.expect(|m| matches!(m, ServerMsg::Message(_))) else {
        unreachable!()
    };
    assert_eq!(again, first, "the sender is told again, the same message");
    say(&mut alice, "deux", "c-2");
    bob.expect("alice: deux");
    assert_eq!(
        bob.seen()
            .iter()
            .filter(|l| l.as_str() == "alice: une fois")
            .count(),
        1
    );
    // Someone else sending the same id sends their own message.
    let (mut eve, _) = Json::join(addr, "eve");
    say(&mut eve, "à moi", "c-1");
    bob.expect("eve: à moi");
    // A malformed id is refused, and says why.
    for cid in ["", "has space", "é", &"x".repeat(65)] {
        say(&mut alice, "x", cid);
        let error = alice.expect(|m| matches!(m, ServerMsg::Error { .. }));
        assert!(
            matches!(&error, ServerMsg::Error { code: ErrorCode::Malformed, message, .. } if message.contains("cid")),
            "{error:?}"
        );
    }
    drop((alice, bob, eve));
    server.stop();

    let _again = restart_at(addr, stored(&path));
    let (mut alice, _) = Json::join(addr, "alice");
    let mut carol = Plain::join(addr, "carol");
    say(&mut alice, "deux", "c-2");
    let ServerMsg::Message(echo) = alice.expect(|m| matches!(m, ServerMsg::Message(_))) else {
        unreachable!()
    };
    assert_eq!(echo.text, "deux");
    say(&mut alice, "trois", "c-3");
    carol.expect("alice: trois");
    let live: Vec<&String> = carol
        .seen()
        .iter()
        .skip_while(|l| !l.ends_with("carol joined the room"))
        .collect();
    assert!(
        !live.iter().any(|l| *l == "alice: deux"),
        "sent again after a restart, not relayed: {:?}",
        carol.seen()
    );
}

#[test]
fn malformed_history_and_search_requests_get_one_clear_error_and_the_chat_goes_on() {
    let server = start_server_with(ServerConfig {
        flood: None,
        search_flood: None,
        ..ServerConfig::default()
    });
    let (mut mallory, _) = Json::join(server.local_addr(), "mallory");
    for line in [
        r#"{"type":"history","before":-1}"#,
        r#"{"type":"history","before":1.5}"#,
        r#"{"type":"history","limit":4294967296}"#,
        r#"{"type":"history","limit":"all"}"#,
        r#"{"type":"history","before":1,"x":1}"#,
        r#"{"type":"search"}"#,
        r#"{"type":"search","text":7}"#,
        r#"{"type":"search","text":"a","limit":-3}"#,
        r#"{"type":"search","text":"a","sql":"DROP"}"#,
        r#"{"type":"say","text":"x","cid":7}"#,
    ] {
        mallory.send_raw(format!("{line}\n").as_bytes());
        let answer = mallory.next();
        assert!(
            matches!(
                &answer,
                ServerMsg::Error {
                    code: ErrorCode::Malformed,
                    ..
                }
            ),
            "{line}: {answer:?}"
        );
    }
    // Invisible and control characters in the words are cleaned before anything is searched or
    // echoed.
    mallory.send(&ClientMsg::Search {
        text: "caf\u{200b}e\u{1b}[2J".into(),
        limit: None,
        label: None,
    });
    let ServerMsg::Results { text, .. } =
        mallory.expect(|m| matches!(m, ServerMsg::Results { .. }))
    else {
        unreachable!()
    };
    assert_eq!(text, "cafe", "the escape sequence is removed whole");
    mallory.send(&ClientMsg::Say {
        text: "toujours là".into(),
        cid: None,
    });
    mallory.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "toujours là"));
}

#[test]
fn a_room_with_a_store_and_one_without_find_by_the_same_rule() {
    let dir = tempfile::tempdir().unwrap();
    let kept = start_server_with(stored(&dir.path().join("h.sqlite")));
    let memory = start_server_with(ServerConfig {
        flood: None,
        search_flood: None,
        ..ServerConfig::default()
    });
    let said = [
        "un deux trois quatre cinq six sept huit",
        "Café crémeux",
        "cafétéria",
        "ça va",
    ];
    let asked = [
        // A ninth and tenth word are ignored, as the store ignores them.
        "un deux trois quatre cinq six sept huit neuf dix",
        "CAFE creme",
        "caf",
        "ca",
        "ça",
    ];
    let mut answers = Vec::new();
    for server in [&kept, &memory] {
        let (mut alice, _) = Json::join(server.local_addr(), "alice");
        for text in said {
            alice.send(&ClientMsg::Say {
                text: text.into(),
                cid: None,
            });
        }
        alice.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "ça va"));
        let found: Vec<Vec<String>> = asked
            .iter()
            .map(|q| {
                texts(&alice.search(q, None).unwrap())
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            })
            .collect();
        answers.push(found);
    }
    assert_eq!(answers[0], answers[1], "the store and the memory agree");
    assert_eq!(
        answers[0],
        [
            vec!["un deux trois quatre cinq six sept huit"],
            vec!["Café crémeux"],
            vec!["cafétéria", "Café crémeux"],
            vec!["ça va"],
            vec!["ça va"],
        ]
    );
}
