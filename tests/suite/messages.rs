//! Messages people expect (#28): a reply quoting the message it answers, an author's edit and
//! deletion of their own message, reactions; what terminals see of each; what the store keeps
//! (pages and searches after a restart); and the hostile cases: someone else's message, another
//! connection under the same name, a reply to what the sender could not see, an edit too long,
//! a reaction that is no emoji, too many reactions, 10,000 in a loop. Over real TCP on 127.0.0.1,
//! the history in real SQLite files.

use coucou::protocol::change::{MAX_REACTIONS_PER_PERSON, Quote, Reaction};
use coucou::protocol::{Chat, ClientMsg, ErrorCode, MAX_MESSAGE_BYTES, ServerMsg};
use coucou::server::ServerConfig;

use crate::common::{Json, Plain, restart_at, start_server, start_server_with, stored};

/// A client that reads edits and reactions (`changes`, as the app says once welcomed), in the
/// room; it is sure the host read it (the answer to a `who` after it).
pub fn app_join(addr: std::net::SocketAddr, name: &str) -> (Json, ServerMsg) {
    let (mut client, welcome) = Json::join(addr, name);
    assert!(
        matches!(welcome, ServerMsg::Welcome { changes: true, .. }),
        "the host says it takes changes"
    );
    client.send(&ClientMsg::Changes {});
    client.send(&ClientMsg::Who {});
    client.expect(|m| matches!(m, ServerMsg::Users { .. }));
    (client, welcome)
}

/// Says `text` in the room and waits for its echo.
pub(crate) fn say(client: &mut Json, text: &str) -> Chat {
    client.send(&ClientMsg::Say {
        text: text.into(),
        cid: None,
    });
    expect_chat(client, text)
}

/// Waits until `client` sees the message `text` (from anyone).
pub(crate) fn expect_chat(client: &mut Json, text: &str) -> Chat {
    match client.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == text)) {
        ServerMsg::Message(chat) => chat,
        _ => unreachable!(),
    }
}

fn expect_error(client: &mut Json, code: ErrorCode) -> ServerMsg {
    client.expect(|m| matches!(m, ServerMsg::Error { code: c, .. } if *c == code))
}

fn react(client: &mut Json, id: u64, emoji: &str, on: bool) {
    client.send(&ClientMsg::React {
        id,
        emoji: emoji.into(),
        on,
    });
}

fn expect_reacted(client: &mut Json, name: &str, emoji: &str) -> Vec<Reaction> {
    match client
        .expect(|m| matches!(m, ServerMsg::Reacted(r) if r.name == name && r.emoji == emoji))
    {
        ServerMsg::Reacted(reacted) => reacted.reactions,
        _ => unreachable!(),
    }
}

/// alice and bob (apps) and tom (a terminal), in the room at `addr`.
fn alice_bob_and_a_terminal(addr: std::net::SocketAddr) -> (Json, Json, Plain) {
    let (alice, _) = app_join(addr, "alice");
    let (bob, _) = app_join(addr, "bob");
    (alice, bob, Plain::join(addr, "tom"))
}

/// The host at `addr` started again on its store at `path`: carol joins, with the welcome's history.
fn carol_after_a_restart(
    addr: std::net::SocketAddr,
    path: &std::path::Path,
) -> (coucou::server::Server, Json, Vec<ServerMsg>) {
    let again = restart_at(addr, stored(path));
    assert_eq!(again.store_warning(), None);
    let (carol, welcome) = app_join(addr, "carol");
    let ServerMsg::Welcome { history, .. } = welcome else {
        unreachable!()
    };
    (again, carol, history)
}

fn message_with_id(history: &[ServerMsg], id: u64) -> Option<&ServerMsg> {
    history.iter().find(|m| match m {
        ServerMsg::Message(chat) => chat.id == id,
        ServerMsg::Notice { id: Some(n), .. } => *n == id,
        _ => false,
    })
}

#[test]
fn a_reply_quotes_the_message_for_apps_and_terminals() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut alice, mut bob, mut term) = alice_bob_and_a_terminal(addr);
    let asked = say(&mut alice, "on mange à midi ?");
    bob.send(&ClientMsg::Reply {
        id: asked.id,
        text: "oui".into(),
        cid: Some("r1".into()),
    });
    let answer = expect_chat(&mut alice, "oui");
    assert_eq!(
        answer.reply,
        Some(Quote {
            id: asked.id,
            from: Some("alice".into()),
            text: Some("on mange à midi ?".into()),
        })
    );
    let echo = expect_chat(&mut bob, "oui");
    assert_eq!(
        echo.cid.as_deref(),
        Some("r1"),
        "the sender knows it arrived"
    );
    assert_eq!(echo.reply, answer.reply);
    term.expect("bob: [↪ alice: on mange à midi ?] oui");
    // Sent again under the same client id (after a lost connection): not a second message.
    bob.send(&ClientMsg::Reply {
        id: asked.id,
        text: "oui".into(),
        cid: Some("r1".into()),
    });
    assert_eq!(expect_chat(&mut bob, "oui").id, answer.id);
}

#[test]
fn the_classic_c_client_reads_replies_edits_reactions_and_pictures_as_lines_and_still_chats() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server_with(ServerConfig {
        files: Some(coucou::server::FilesConfig::in_dir(
            dir.path().join("files"),
        )),
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (mut alice, _) = app_join(addr, "alice");
    let (mut bob, _) = app_join(addr, "bob");
    // The seed's C client: its name in a block of 32 bytes padded with NULs, then lines.
    let mut c_client = Plain::connect(addr);
    let mut name = [0u8; 32];
    name[..4].copy_from_slice(b"seed");
    c_client.send_raw(&name);
    c_client.expect("*** seed joined the room");
    let asked = say(&mut alice, "**réunion** à `10h` ?");
    c_client.expect("alice: **réunion** à `10h` ?");
    bob.send(&ClientMsg::Reply {
        id: asked.id,
        text: "oui".into(),
        cid: None,
    });
    c_client.expect("bob: [↪ alice: **réunion** à `10h` ?] oui");
    alice.send(&ClientMsg::Edit {
        id: asked.id,
        text: "réunion à 11h ?".into(),
    });
    c_client.expect("*** alice edited a message: réunion à 11h ?");
    react(&mut bob, asked.id, "👍", true);
    c_client.expect("*** bob reacted 👍 to alice's message");
    // A picture is an offer: one line saying so.
    let picture = coucou::client::picture::png_of(2, 2, vec![9; 16]).unwrap();
    bob.send(&ClientMsg::Offer {
        name: "plan.png".into(),
        size: picture.len() as u64,
        sha256: coucou::digest::sha256_hex(&mut &picture[..]).unwrap(),
        to: None,
        label: None,
    });
    let ServerMsg::Ready { file, token, .. } = bob.expect(|m| matches!(m, ServerMsg::Ready { .. }))
    else {
        unreachable!()
    };
    assert_eq!(
        crate::common::upload_file(addr, &token, &picture),
        ServerMsg::Stored { file }
    );
    c_client.expect("*** bob offers plan.png (");
    // Nothing it read is JSON, and it still chats as it always did.
    assert!(c_client.seen().iter().all(|l| !l.starts_with('{')));
    c_client.send_raw(b"seed: toujours l\xc3\xa0\n");
    expect_chat(&mut alice, "toujours là");
    c_client.send_raw(b"seed: exit\n");
    alice.expect(|m| matches!(m, ServerMsg::Leave { name, .. } if name == "seed"));
}

#[test]
fn a_reply_to_what_the_sender_could_not_see_is_refused_and_leaks_nothing() {
    let server = start_server_with(ServerConfig {
        rooms: vec!["Projet".into()],
        flood: None,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (mut alice, _) = app_join(addr, "alice");
    let (mut bob, _) = app_join(addr, "bob");
    let (mut carol, _) = app_join(addr, "carol");
    alice.join_room("Projet");
    alice.send_in(
        "Projet",
        &ClientMsg::Say {
            text: "secret du projet".into(),
            cid: None,
        },
    );
    let elsewhere = match alice
        .expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "secret du projet"))
    {
        ServerMsg::Message(chat) => chat.id,
        _ => unreachable!(),
    };
    say(&mut alice, "coucou");
    let greeting = match alice.expect(|m| matches!(m, ServerMsg::Notice { id: Some(_), .. })) {
        ServerMsg::Notice { id, .. } => id.unwrap(),
        _ => unreachable!(),
    };
    alice.send(&ClientMsg::Msg {
        to: "carol".into(),
        text: "secret de carol".into(),
        cid: None,
    });
    let private_id = match carol.expect(|m| matches!(m, ServerMsg::Private { .. })) {
        ServerMsg::Private { id, .. } => id,
        _ => unreachable!(),
    };
    // Another room's message, the host's notice, an id the host never gave: refused.
    for (n, id) in [elsewhere, greeting, greeting + 1_000]
        .into_iter()
        .enumerate()
    {
        let cid = format!("bad{n}");
        bob.send(&ClientMsg::Reply {
            id,
            text: "curieux".into(),
            cid: Some(cid.clone()),
        });
        let refused = expect_error(&mut bob, ErrorCode::NoSuchMessage);
        assert!(
            matches!(&refused, ServerMsg::Error { cid: Some(c), .. } if *c == cid),
            "the app takes it out of its outbox: {refused:?}"
        );
    }
    // A private message's id is another sequence's: as a room id, it quotes nothing private.
    bob.send(&ClientMsg::Reply {
        id: private_id,
        text: "par son numéro".into(),
        cid: None,
    });
    bob.expect(|m| match m {
        ServerMsg::Message(c) => c.text == "par son numéro",
        ServerMsg::Error { code, .. } => *code == ErrorCode::NoSuchMessage,
        _ => false,
    });
    // Nothing reached anyone: the next message the others get is this one.
    let next = say(&mut bob, "rien");
    assert!(next.reply.is_none());
    expect_chat(&mut alice, "rien");
    expect_chat(&mut carol, "rien");
    let leaked = |m: &ServerMsg| match m {
        ServerMsg::Message(c) => {
            c.text == "curieux"
                || c.reply.as_ref().is_some_and(|q| {
                    let quoted = format!("{q:?}");
                    quoted.contains("secret") || quoted.contains("Bonjour")
                })
        }
        _ => false,
    };
    assert!(
        !alice
            .seen()
            .iter()
            .chain(carol.seen())
            .chain(bob.seen())
            .any(leaked),
        "no refused reply relayed, no quote of what bob could not see"
    );
}

#[test]
fn an_edit_reaches_everyone_and_pages_and_searches_find_the_new_text_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let server = start_server_with(stored(&path));
    let addr = server.local_addr();
    let (mut alice, mut bob, mut term) = alice_bob_and_a_terminal(addr);
    let said = say(&mut alice, "la réunion est à dix heures");
    alice.send(&ClientMsg::Edit {
        id: said.id,
        text: "la réunion est à onze heures".into(),
    });
    for client in [&mut alice, &mut bob] {
        let ServerMsg::Edited(now) = client.expect(|m| matches!(m, ServerMsg::Edited(_))) else {
            unreachable!()
        };
        assert_eq!((now.id, now.time), (said.id, said.time), "the same message");
        assert_eq!(now.text, "la réunion est à onze heures");
        assert!(now.edited);
    }
    term.expect("*** alice edited a message: la réunion est à onze heures");
    let found = bob.search("onze", None).expect("a search");
    assert_eq!(found.len(), 1);
    assert!(
        bob.search("dix", None).expect("a search").is_empty(),
        "the old words are gone"
    );
    drop((alice, bob, term));
    server.stop();

    let (_again, mut carol, history) = carol_after_a_restart(addr, &path);
    let Some(ServerMsg::Message(kept)) = message_with_id(&history, said.id) else {
        panic!("{history:?}")
    };
    assert_eq!(kept.text, "la réunion est à onze heures");
    assert!(kept.edited);
    let page = carol.whole_history();
    assert_eq!(
        message_with_id(&page, said.id),
        message_with_id(&history, said.id)
    );
    assert_eq!(carol.search("onze", None).expect("a search").len(), 1);
    assert!(carol.search("dix", None).expect("a search").is_empty());
}

#[test]
fn only_the_author_from_the_connection_that_sent_it_edits_or_deletes() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut alice, _) = app_join(addr, "alice");
    let (mut bob, _) = app_join(addr, "bob");
    let said = say(&mut alice, "à moi");
    bob.send(&ClientMsg::Edit {
        id: said.id,
        text: "à bob".into(),
    });
    expect_error(&mut bob, ErrorCode::NotYours);
    bob.send(&ClientMsg::Delete { id: said.id });
    expect_error(&mut bob, ErrorCode::NotYours);
    // alice leaves; someone takes her name: still not theirs.
    alice.send(&ClientMsg::Quit {});
    alice.expect_closed();
    let (mut mallory, _) = app_join(addr, "alice");
    mallory.send(&ClientMsg::Edit {
        id: said.id,
        text: "usurpé".into(),
    });
    expect_error(&mut mallory, ErrorCode::NotYours);
    mallory.send(&ClientMsg::Delete { id: said.id });
    expect_error(&mut mallory, ErrorCode::NotYours);
    // Hers, but too long, or nothing visible; and messages that are not there.
    let own = say(&mut mallory, "le mien");
    mallory.send(&ClientMsg::Edit {
        id: own.id,
        text: "x".repeat(MAX_MESSAGE_BYTES + 1),
    });
    expect_error(&mut mallory, ErrorCode::TooLong);
    mallory.send(&ClientMsg::Edit {
        id: own.id,
        text: "\u{200B} \u{202E}".into(),
    });
    expect_error(&mut mallory, ErrorCode::Empty);
    mallory.send(&ClientMsg::Edit {
        id: own.id + 500,
        text: "ailleurs".into(),
    });
    expect_error(&mut mallory, ErrorCode::NoSuchMessage);
    // Nothing of it reached bob: his next message is alice's first, unchanged.
    let next = say(&mut bob, "fin");
    assert!(next.id > own.id);
    assert!(!bob.seen().iter().any(|m| matches!(
        m,
        ServerMsg::Edited(_) | ServerMsg::Notice { id: Some(_), .. }
    )));
}

#[test]
fn deleting_your_own_message_leaves_a_tombstone_for_everyone_and_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let server = start_server_with(stored(&path));
    let addr = server.local_addr();
    let (mut alice, mut bob, mut term) = alice_bob_and_a_terminal(addr);
    let said = say(&mut alice, "oups mauvais salon");
    expect_chat(&mut bob, "oups mauvais salon");
    alice.send(&ClientMsg::Delete { id: said.id });
    for client in [&mut alice, &mut bob] {
        let tombstone = client
            .expect(|m| matches!(m, ServerMsg::Notice { id: Some(id), .. } if *id == said.id));
        let ServerMsg::Notice { time, text, .. } = tombstone else {
            unreachable!()
        };
        assert_eq!(time, said.time, "in the message's place");
        assert_eq!(text, "alice deleted this message");
    }
    term.expect("*** alice deleted this message");
    assert!(bob.search("mauvais", None).expect("a search").is_empty());
    // Deleted once: a second time there is no message any more.
    alice.send(&ClientMsg::Delete { id: said.id });
    expect_error(&mut alice, ErrorCode::NoSuchMessage);
    drop((alice, bob, term));
    server.stop();

    let (_again, mut carol, history) = carol_after_a_restart(addr, &path);
    assert!(matches!(
        message_with_id(&history, said.id),
        Some(ServerMsg::Notice { text, .. }) if text == "alice deleted this message"
    ));
    assert!(!format!("{:?}", carol.whole_history()).contains("mauvais"));
    assert!(carol.search("mauvais", None).expect("a search").is_empty());
}

#[test]
fn reactions_toggle_count_who_and_are_kept_for_pages_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let server = start_server_with(stored(&path));
    let addr = server.local_addr();
    let (mut alice, mut bob, mut term) = alice_bob_and_a_terminal(addr);
    let said = say(&mut alice, "gâteau vendredi");
    react(&mut bob, said.id, "👍", true);
    expect_reacted(&mut alice, "bob", "👍");
    react(&mut alice, said.id, "👍", true);
    let now = expect_reacted(&mut bob, "alice", "👍");
    assert_eq!(
        now,
        [Reaction {
            emoji: "👍".into(),
            names: vec!["bob".into(), "alice".into()],
        }]
    );
    term.expect("*** bob reacted 👍 to alice's message");
    react(&mut bob, said.id, "🎉", true);
    expect_reacted(&mut alice, "bob", "🎉");
    react(&mut bob, said.id, "👍", false);
    let now = expect_reacted(&mut alice, "bob", "👍");
    assert_eq!(now.len(), 2);
    assert_eq!(now[0].names, ["alice"]);
    term.expect("*** bob took back 👍 from alice's message");
    // Put twice: nothing changes, nobody is told (the next thing alice hears is bob's message).
    react(&mut bob, said.id, "🎉", true);
    say(&mut bob, "ensuite");
    expect_chat(&mut alice, "ensuite");
    assert_eq!(
        alice
            .seen()
            .iter()
            .filter(|m| matches!(m, ServerMsg::Reacted(r) if r.emoji == "🎉"))
            .count(),
        1
    );
    // Reactions leave the message's words where they were: a search still finds it.
    assert_eq!(bob.search("gâteau", None).expect("a search").len(), 1);
    drop((alice, bob, term));
    server.stop();

    let (_again, mut carol, history) = carol_after_a_restart(addr, &path);
    let Some(ServerMsg::Message(kept)) = message_with_id(&history, said.id) else {
        panic!("{history:?}")
    };
    assert_eq!(carol.search("gâteau", None).expect("a search").len(), 1);
    assert_eq!(
        kept.reactions,
        [
            Reaction {
                emoji: "👍".into(),
                names: vec!["alice".into()],
            },
            Reaction {
                emoji: "🎉".into(),
                names: vec!["bob".into()],
            },
        ]
    );
    let page = carol.whole_history();
    assert_eq!(
        message_with_id(&page, said.id),
        message_with_id(&history, said.id)
    );
}

#[test]
fn a_reaction_that_is_no_emoji_or_one_too_many_is_refused() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut alice, _) = app_join(addr, "alice");
    let (mut bob, _) = app_join(addr, "bob");
    let said = say(&mut alice, "choisissez");
    for bad in ["", "deux mots", "\u{200B}", "\u{202E}👍", &"👍".repeat(9)] {
        react(&mut bob, said.id, bad, true);
        expect_error(&mut bob, ErrorCode::Malformed);
    }
    for emoji in ["🍎", "🍐", "🍊"].iter().take(MAX_REACTIONS_PER_PERSON) {
        react(&mut bob, said.id, emoji, true);
        expect_reacted(&mut bob, "bob", emoji);
    }
    react(&mut bob, said.id, "🍋", true);
    expect_error(&mut bob, ErrorCode::TooManyReactions);
    react(&mut bob, said.id + 100, "🍋", true);
    expect_error(&mut bob, ErrorCode::NoSuchMessage);
    say(&mut bob, "fin");
    expect_chat(&mut alice, "fin");
    assert!(
        !alice.seen().iter().any(
            |m| matches!(m, ServerMsg::Reacted(r) if r.emoji == "🍋" || r.emoji.contains(' '))
        ),
        "nothing refused reached anyone"
    );
}

#[test]
fn ten_thousand_reactions_in_a_loop_meet_the_flood_limit() {
    // The default flood limit: 30 at once, then 10 a second.
    let server = start_server_with(ServerConfig::default());
    let addr = server.local_addr();
    let (mut alice, _) = app_join(addr, "alice");
    let said = say(&mut alice, "cible");
    let started = std::time::Instant::now();
    // mallory's own socket: one thread writes the loop, one reads every answer to the end.
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let mut lines = b"{\"type\":\"hello\",\"version\":1,\"name\":\"mallory\"}\n".to_vec();
    for n in 0..10_000 {
        let msg = ClientMsg::React {
            id: said.id,
            emoji: "👍".into(),
            on: n % 2 == 0,
        };
        lines.extend(serde_json::to_vec(&msg).unwrap());
        lines.push(b'\n');
    }
    lines.extend(b"{\"type\":\"quit\"}\n");
    let reading = stream.try_clone().expect("clone");
    let reader = std::thread::Builder::new()
        .name("mallory-reads".into())
        .spawn(move || {
            let mut floods = 0;
            for line in std::io::BufRead::lines(std::io::BufReader::new(reading)) {
                let Ok(line) = line else { break };
                if line.contains("\"code\":\"flood\"") {
                    floods += 1;
                }
            }
            floods
        })
        .expect("a thread");
    // Written while the answers are read: the host may end the connection first (a reader too slow).
    std::io::Write::write_all(&mut stream, &lines).ok();
    alice.expect(|m| matches!(m, ServerMsg::Leave { name, .. } if name == "mallory"));
    let elapsed = started.elapsed().as_secs_f64();
    let floods = reader.join().expect("the reader");
    let relayed = alice
        .seen()
        .iter()
        .filter(|m| matches!(m, ServerMsg::Reacted(_)))
        .count();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let allowed = 30 + (10.0 * elapsed).ceil() as usize;
    assert!(
        relayed <= allowed,
        "{relayed} reactions relayed in {elapsed:.1} s; the limit lets {allowed} through"
    );
    assert!(relayed > 0, "the first ones went through");
    assert!(floods > 0, "mallory was told to slow down");
}

#[test]
fn a_reply_to_a_message_older_than_the_room_remembers_is_quoted_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let server = start_server_with(ServerConfig {
        history: 2,
        rooms: vec!["Projet".into()],
        ..stored(&path)
    });
    let addr = server.local_addr();
    let (mut alice, _) = app_join(addr, "alice");
    let (mut bob, _) = app_join(addr, "bob");
    bob.join_room("Projet");
    let old = say(&mut alice, "une question d'hier");
    bob.send_in(
        "Projet",
        &ClientMsg::Say {
            text: "ailleurs".into(),
            cid: None,
        },
    );
    let elsewhere = match bob.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "ailleurs"))
    {
        ServerMsg::Message(chat) => chat.id,
        _ => unreachable!(),
    };
    for n in 0..3 {
        say(&mut alice, &format!("plus tard {n}"));
    }
    bob.send(&ClientMsg::Reply {
        id: old.id,
        text: "réponse tardive".into(),
        cid: None,
    });
    let answer = expect_chat(&mut alice, "réponse tardive");
    assert_eq!(
        answer.reply,
        Some(Quote {
            id: old.id,
            from: Some("alice".into()),
            text: Some("une question d'hier".into()),
        })
    );
    // Another room's message, older than this room remembers too: refused, not quoted.
    bob.send(&ClientMsg::Reply {
        id: elsewhere,
        text: "de travers".into(),
        cid: None,
    });
    expect_error(&mut bob, ErrorCode::NoSuchMessage);
}

#[test]
fn a_reaction_to_a_message_older_than_the_room_remembers_is_kept_and_the_next_builds_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let server = start_server_with(ServerConfig {
        history: 2,
        ..stored(&path)
    });
    let addr = server.local_addr();
    let (mut alice, _) = app_join(addr, "alice");
    let (mut bob, _) = app_join(addr, "bob");
    let old = say(&mut alice, "photo de classe lundi");
    alice.send(&ClientMsg::Msg {
        to: "bob".into(),
        text: "entre nous".into(),
        cid: None,
    });
    let private = match bob.expect(|m| matches!(m, ServerMsg::Private { .. })) {
        ServerMsg::Private { id, .. } => id,
        _ => unreachable!(),
    };
    for n in 0..3 {
        say(&mut alice, &format!("plus tard {n}"));
    }
    // Older than the room's memory of 2: read from the store, changed, told to everyone.
    react(&mut bob, old.id, "👍", true);
    expect_reacted(&mut alice, "bob", "👍");
    react(&mut alice, old.id, "🎉", true);
    let now = expect_reacted(&mut bob, "alice", "🎉");
    assert_eq!(
        now,
        [
            Reaction {
                emoji: "👍".into(),
                names: vec!["bob".into()],
            },
            Reaction {
                emoji: "🎉".into(),
                names: vec!["alice".into()],
            },
        ],
        "the second builds on the first, not on the store's older copy"
    );
    // A private message's id is no message of the room's: refused, nothing told.
    react(&mut bob, private, "👍", true);
    expect_error(&mut bob, ErrorCode::NoSuchMessage);
    // Pages bring it as it is now, also after a restart.
    let page = bob.whole_history();
    let Some(ServerMsg::Message(paged)) = message_with_id(&page, old.id) else {
        panic!("{page:?}")
    };
    assert_eq!(paged.reactions, now);
    drop((alice, bob));
    server.stop();
    let (_again, mut carol, _) = carol_after_a_restart(addr, &path);
    let page = carol.whole_history();
    let Some(ServerMsg::Message(kept)) = message_with_id(&page, old.id) else {
        panic!("{page:?}")
    };
    assert_eq!(kept.reactions, now);
}

#[test]
fn a_history_file_written_before_replies_and_reactions_takes_them() {
    use coucou::store::{Retention, Store};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    {
        // What the previous version wrote: the same table, messages without the new fields.
        let (store, _, _) = Store::open(&path, 0, Retention::default()).expect("a store");
        store.keep(
            &ServerMsg::Message(Chat {
                id: 5,
                time: 1_700_000_000_000,
                from: "alice".into(),
                text: "écrit avant".into(),
                ..Default::default()
            }),
            true,
        );
    }
    let raw = rusqlite::Connection::open(&path).unwrap();
    let json: String = raw
        .query_row("SELECT json FROM messages WHERE id = 5", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        json,
        r#"{"type":"message","id":5,"time":1700000000000,"from":"alice","text":"écrit avant"}"#
    );
    drop(raw);
    let server = start_server_with(stored(&path));
    let addr = server.local_addr();
    let (mut bob, _) = app_join(addr, "bob");
    react(&mut bob, 5, "👍", true);
    expect_reacted(&mut bob, "bob", "👍");
    bob.send(&ClientMsg::Reply {
        id: 5,
        text: "lu".into(),
        cid: None,
    });
    let answer = expect_chat(&mut bob, "lu");
    assert_eq!(
        answer.reply.and_then(|q| q.text).as_deref(),
        Some("écrit avant")
    );
    // Nobody sent it on a connection of today's: nobody edits it.
    bob.send(&ClientMsg::Edit {
        id: 5,
        text: "réécrit".into(),
    });
    expect_error(&mut bob, ErrorCode::NotYours);
    let page = bob.whole_history();
    let Some(ServerMsg::Message(kept)) = message_with_id(&page, 5) else {
        panic!("{page:?}")
    };
    assert_eq!(kept.reactions.len(), 1);
    assert_eq!(kept.text, "écrit avant");
}

#[test]
fn an_app_from_before_changes_is_not_sent_them_and_reads_the_message_as_it_is_now_later() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut alice, _) = app_join(addr, "alice");
    // An app of the version before: it never says `changes`.
    let (mut old, _) = Json::join(addr, "olga");
    let said = say(&mut alice, "dix heures");
    alice.send(&ClientMsg::Edit {
        id: said.id,
        text: "onze heures".into(),
    });
    alice.expect(|m| matches!(m, ServerMsg::Edited(_)));
    react(&mut alice, said.id, "👍", true);
    expect_reacted(&mut alice, "alice", "👍");
    say(&mut alice, "fin");
    expect_chat(&mut old, "fin");
    assert!(
        !old.seen()
            .iter()
            .any(|m| matches!(m, ServerMsg::Edited(_) | ServerMsg::Reacted(_))),
        "no line of a type it does not know"
    );
    // Its next page has the message as it is now (its reactions, a field it skips, and the
    // new text).
    let page = old.whole_history();
    let Some(ServerMsg::Message(now)) = message_with_id(&page, said.id) else {
        panic!("{page:?}")
    };
    assert_eq!(now.text, "onze heures");
    assert_eq!(now.reactions.len(), 1);
}
