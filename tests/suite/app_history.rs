//! The room's past in the real app (egui_kittest) against real servers on 127.0.0.1 with real
//! SQLite stores in temp folders: nothing typed is lost across cuts, older pages to the first
//! message, Ctrl+F search with a jump to the result, and "New since your last visit".

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::app_support::*;
use crate::common::{Json, Plain, Proxy, start_server_with, stored};
use coucou::app::CoucouApp;
use coucou::protocol::message::FileOffer;
use coucou::protocol::{Chat, ServerMsg};
use coucou::server::ServerConfig;
use coucou::store::{Retention, Store};
use eframe::egui::accesskit::Role;
use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable, by};

/// A store holding `n` room messages from bob, ids 1..=n, written through the store itself.
fn filled(path: &Path, n: u64, text: impl Fn(u64) -> String) {
    let (store, _, _) = Store::open(path, 0, Retention::default()).expect("a store");
    for id in 1..=n {
        store.keep(
            &ServerMsg::Message(Chat {
                id,
                time: 1_700_000_000_000 + id * 1000,
                from: "bob".into(),
                text: text(id),
                action: false,
                cid: None,
                ..Default::default()
            }),
            true,
        );
    }
}

/// The app connected as `name` to `addr`, getting back into the room 5 ms after a loss.
fn quick_app(name: &str, addr: SocketAddr) -> (tempfile::TempDir, Harness<'static, CoucouApp>) {
    let (dir, config) = temp_config();
    let mut harness = app_with_backoff(&config, |_| Duration::from_millis(5));
    connect(&mut harness, name, addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    (dir, harness)
}

/// A small deterministic generator (xorshift), so that a failing round can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Reads bob's messages from alice until `last` has come.
fn alices_texts_until(bob: &mut Json, last: &str, into: &mut Vec<String>) {
    loop {
        if let ServerMsg::Message(chat) = bob.next()
            && chat.from == "alice"
        {
            into.push(chat.text.clone());
            if chat.text == last {
                return;
            }
        }
    }
}

#[test]
fn typed_messages_reach_the_room_exactly_once_across_a_hundred_random_cuts() {
    let server = start_server_with(ServerConfig {
        flood: None,
        history: 0,
        ..ServerConfig::default()
    });
    let proxy = Proxy::start(server.local_addr());
    let (_dir, mut harness) = quick_app("alice", proxy.addr());
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    let mut rng = Rng(0x5eed_c0de_2026_1202);
    let mut expected = Vec::new();
    let mut seen_by_bob = Vec::new();
    for round in 0..100 {
        let texts: Vec<String> = (0..3).map(|i| format!("r{round} m{i}")).collect();
        // Three JSON lines with client ids are about 200 bytes, their echoes about 330: cut
        // anywhere in either.
        if rng.below(2) == 0 {
            proxy.cut_after(1 + rng.below(200) as usize);
        } else {
            proxy.cut_after_down(1 + rng.below(330) as usize);
        }
        for text in &texts {
            send_message(&mut harness, text);
            let left = harness
                .get_by_role_and_label(Role::TextInput, "Message")
                .value()
                .unwrap_or_default();
            let app = harness.state();
            assert_eq!(
                left,
                "",
                "round {round}: {text} was not taken from the input line; connected {}, \
                 waiting {}, error {:?}, last {:#?}",
                app.is_connected(),
                app.is_waiting_to_reconnect(),
                app.connect_error(),
                chat_texts(app).iter().rev().take(5).collect::<Vec<_>>()
            );
        }
        if proxy.cut_pending() {
            proxy.cut();
        }
        wait_until(&mut harness, "back, with the outbox empty", |app| {
            app.is_connected()
                && app.chat().is_some_and(|c| c.outbox.is_empty())
                && texts.iter().all(|t| has_entry(app, &format!("alice: {t}")))
        });
        alices_texts_until(&mut bob, &texts[2], &mut seen_by_bob);
        expected.extend(texts);
    }
    send_message(&mut harness, "the end");
    alices_texts_until(&mut bob, "the end", &mut seen_by_bob);
    expected.push("the end".to_owned());
    assert_eq!(seen_by_bob, expected, "each once, in order, for the others");
    let resent = server.stats().resent;
    assert!(
        resent > 0,
        "some cuts came after the room had a message and before its echo came back"
    );
    eprintln!("{resent} messages were sent again and dropped by the room");
    wait_until(&mut harness, "the last echo", |app| {
        has_entry(app, "alice: the end")
    });
    let mine = chat_texts(harness.state());
    for text in &expected {
        let line = format!("alice: {text}");
        assert_eq!(
            mine.iter().filter(|t| t.ends_with(&line)).count(),
            1,
            "{text} once for the sender"
        );
    }
}

#[test]
fn what_is_typed_while_the_connection_is_down_waits_in_sight_and_goes_out_on_return() {
    let server = start_server_with(ServerConfig {
        flood: None,
        ..ServerConfig::default()
    });
    let proxy = Proxy::start(server.local_addr());
    let (_dir, mut harness) = connected_app("alice", proxy.addr());
    let mut bob = Plain::join(server.local_addr(), "bob");
    proxy.cut();
    wait_until(
        &mut harness,
        "waiting to reconnect",
        CoucouApp::is_waiting_to_reconnect,
    );
    send_message(&mut harness, "écrit hors ligne");
    harness.get_by_label("Not sent yet: these go out when the connection is back.");
    harness.get_by_label("écrit hors ligne");
    harness
        .get_by_role_and_label(Role::Button, "Reconnect now")
        .click();
    wait_until(&mut harness, "sent", |app| {
        app.chat().is_some_and(|c| c.outbox.is_empty())
    });
    bob.expect("alice: écrit hors ligne");
    assert!(
        harness
            .query_by_label("Not sent yet: these go out when the connection is back.")
            .is_none()
    );
    assert!(has_entry(harness.state(), "alice: écrit hors ligne"));
}

#[test]
fn the_app_pages_ten_thousand_stored_messages_back_to_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    filled(&path, 10_000, |id| format!("message {id}"));
    let server = start_server_with(stored(&path));
    let (_config, mut harness) = connected_app("alice", server.local_addr());
    wait_until(&mut harness, "the welcome's history", |app| {
        app.chat().is_some_and(|c| c.oldest_id() == Some(9_901))
    });
    let mut pages = 0;
    while harness.state().chat().unwrap().more_older {
        harness
            .get_by_role_and_label(Role::Button, "Load older messages")
            .click();
        harness.run_steps(2);
        wait_until(&mut harness, "a page", |app| {
            app.chat().is_some_and(|c| !c.loading_older)
        });
        pages += 1;
        assert!(pages <= 50, "more pages than 10,000 messages need");
    }
    let ids: Vec<u64> = harness
        .state()
        .chat()
        .unwrap()
        .entries
        .iter()
        .filter_map(|e| e.id)
        .collect();
    assert_eq!(ids, (1..=10_000).collect::<Vec<_>>());
    assert!(
        harness.query_by_label("Load older messages").is_none(),
        "nothing older to load"
    );
}

#[test]
fn ctrl_f_finds_cafe_and_a_click_shows_that_message_loading_what_it_takes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    filled(&path, 1_000, |id| match id {
        42 => "on se retrouve au café ?".to_owned(),
        id => format!("message {id}"),
    });
    let server = start_server_with(stored(&path));
    let (_config, mut harness) = connected_app("alice", server.local_addr());
    search_for(&mut harness, "CAFE");
    harness.get_by_label("Search the room");
    wait_until(&mut harness, "the results", |app| {
        app.search_panel().results.is_some()
    });
    harness.get_by_label("1 message; click it to see it in the conversation.");
    let found = harness.get_by_label_contains("on se retrouve au café ?");
    found.click();
    wait_until(&mut harness, "the jump", |app| app.jumped_to() == Some(42));
    assert_eq!(
        harness.state().chat().unwrap().oldest_id(),
        Some(1),
        "the pages before it were loaded (500 at a time while looking)"
    );
}

#[test]
fn new_since_your_last_visit_is_marked_after_the_app_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let server = start_server_with(stored(&path));
    let addr = server.local_addr();
    let mut bob = Plain::join(addr, "bob");
    bob.send("vu hier");
    bob.expect("bob: vu hier");
    let (config_dir, config) = temp_config();
    {
        let mut harness = app_at(&config);
        connect(&mut harness, "alice", addr);
        trust_if_asked(&mut harness);
        wait_until(&mut harness, "yesterday's message", |app| {
            has_entry(app, "vu hier")
        });
        disconnect_and_close(&mut harness);
    }
    bob.send("nouveau ce matin");
    bob.expect("bob: nouveau ce matin");

    let mut harness = app_at(&config);
    harness
        .get_by_role_and_label(Role::Button, "Connect")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    harness.get_by_label("New since your last visit");
    let chat = harness.state().chat().unwrap();
    let marker = chat.marker.expect("a marker");
    assert!(
        coucou::model::transcript::entry_text(&chat.entries[marker], coucou::i18n::Lang::En)
            .contains("nouveau ce matin"),
        "{:?}",
        chat.entries[marker]
    );
    drop(config_dir);
}

#[test]
fn the_hosts_retention_settings_are_saved_and_the_hosted_room_keeps_to_them() {
    let (_dir, config) = temp_config();
    // What an earlier hosted room kept: 5 messages from long ago, 1,005 from today.
    let history = coucou::model::settings::history_path(&config);
    let now = coucou::protocol::now_ms();
    filled(&history, 5, |id| format!("long ago {id}"));
    {
        let (store, _, _) = Store::open(&history, 0, Retention::default()).expect("a store");
        for id in 6..=1_010 {
            store.keep(
                &ServerMsg::Message(Chat {
                    id,
                    time: now - 1_010 + id,
                    from: "bob".into(),
                    text: format!("today {id}"),
                    action: false,
                    cid: None,
                    ..Default::default()
                }),
                true,
            );
        }
    }
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "hostess");
    fill(&mut harness, "Host port", "0");
    harness
        .get_by_role_and_label(Role::Button, "Room options")
        .click();
    harness.run();
    harness.get_by_label("Keep messages: forever").click();
    harness.run();
    harness.get_by_label("for 7 days").click();
    harness.run();
    harness.get_by_label("How many: no limit").click();
    harness.run();
    harness.get_by_label("the last 1,000").click();
    harness.run();
    let saved = std::fs::read_to_string(&config).unwrap();
    assert!(saved.contains("host_history_days = 7"), "{saved}");
    assert!(saved.contains("host_history_max = 1000"), "{saved}");

    harness.get_by_label("Host a room").click();
    harness.run_steps(2);
    wait_until(&mut harness, "joined own room", CoucouApp::is_connected);
    let addr = harness.state().hosting_addr().unwrap();
    let (mut guest, _) = Json::connect_tls(addr, None)
        .map(|(client, _)| client)
        .map(|mut client| {
            client.send(&coucou::protocol::ClientMsg::Hello {
                version: 1,
                name: "guest".into(),
                device: None,
            });
            let welcome = client.next();
            (client, welcome)
        })
        .unwrap();
    let ids: Vec<u64> = guest
        .whole_history()
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Message(c) => Some(c.id),
            _ => None,
        })
        .collect();
    // The old five are gone by age; of the rest, the newest 1,000 rows are kept, counted when the
    // first batch is written: with the hostess's join (id 1011), and the guest's (1012) if it
    // was in the same batch.
    let first = ids[0];
    assert!(first == 12 || first == 13, "{first}");
    assert_eq!(ids, (first..=1_010).collect::<Vec<_>>());
}

#[test]
fn a_host_restarted_without_its_history_still_shows_yesterday_from_this_computers_log() {
    let first = start_server_with(ServerConfig {
        flood: None,
        ..ServerConfig::default()
    });
    let addr = first.local_addr();
    let (config_dir, config) = temp_config();
    {
        let mut harness = joined(&config, "alice", addr);
        let mut bob = Plain::join(addr, "bob");
        bob.send("souvenir d'hier");
        send_message(&mut harness, "moi aussi hier");
        wait_until(&mut harness, "both", |app| {
            has_entry(app, "souvenir d'hier") && has_entry(app, "alice: moi aussi hier")
        });
    }
    first.stop();

    // The same room, started again without any history: ids from 1 again.
    let again = crate::common::restart_at(
        addr,
        ServerConfig {
            flood: None,
            ..ServerConfig::default()
        },
    );
    let mut bob = Plain::join(again.local_addr(), "bob");
    bob.send("aujourd'hui");
    bob.expect("bob: aujourd'hui");
    let mut harness = app_at(&config);
    harness
        .get_by_role_and_label(Role::Button, "Connect")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "yesterday, from this computer's log", |app| {
        has_entry(app, "souvenir d'hier") && has_entry(app, "aujourd'hui")
    });
    let texts = chat_texts(harness.state());
    let position = |needle: &str| {
        texts
            .iter()
            .position(|t| t.contains(needle))
            .unwrap_or_else(|| panic!("{needle} in {texts:#?}"))
    };
    assert!(position("souvenir d'hier") < position("from this computer's log"));
    assert!(position("from this computer's log") < position("aujourd'hui"));
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("moi aussi hier"))
            .count(),
        1,
        "{texts:#?}"
    );

    // Export transcript: any days this computer saw, here today only.
    harness
        .get_by_role_and_label(Role::Button, "Export transcript…")
        .click();
    harness.run();
    // Each day field shows a whole date, not "202".
    for field in ["From", "To"] {
        let width = harness
            .get_by_role_and_label(Role::TextInput, field)
            .rect()
            .width();
        assert!(width >= 100.0, "{field} is {width} points wide");
    }
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    fill(&mut harness, "From", "2026-13-01");
    harness
        .get_by_role_and_label(Role::Button, "Export…")
        .click();
    harness.run();
    harness.get_by_label_contains("write the day as YYYY-MM-DD");
    fill(&mut harness, "From", &today);
    fill(&mut harness, "To", &today);
    harness
        .get_by_role_and_label(Role::Button, "Export…")
        .click();
    harness.run();
    let out = config_dir.path().join("today.txt");
    fill(&mut harness, "File", &out.display().to_string());
    harness.get_by_role_and_label(Role::Button, "Save").click();
    harness.run();
    wait_until(&mut harness, "the transcript", |app| {
        has_entry(app, "Transcript saved to")
    });
    let text = std::fs::read_to_string(&out).unwrap();
    for line in [
        "bob: souvenir d'hier",
        "alice: moi aussi hier",
        "bob: aujourd'hui",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
}

#[test]
fn who_is_typing_shows_above_the_input_and_the_app_says_when_you_type() {
    let server = start_server_with(ServerConfig {
        flood: None,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    let (mut bob, _) = Json::join(addr, "bob");
    wait_until(&mut harness, "bob here", |app| {
        app.chat().is_some_and(|c| c.people.len() == 2)
    });
    bob.send(&coucou::protocol::ClientMsg::Typing { active: true });
    wait_until(&mut harness, "bob typing", |app| {
        app.chat()
            .is_some_and(|c| !c.typing_at(coucou::protocol::now_ms()).is_empty())
    });
    harness.get_by_label("bob is typing…");
    bob.send(&coucou::protocol::ClientMsg::Say {
        text: "c'est parti".into(),
        cid: None,
    });
    wait_until(&mut harness, "bob's message", |app| {
        has_entry(app, "c'est parti")
    });
    assert!(harness.query_by_label("bob is typing…").is_none());

    // Alice types: bob is told; she empties the line: bob is told she stopped.
    type_in_input(&mut harness, "je réfléchis");
    assert_eq!(
        bob.expect(|m| matches!(m, ServerMsg::Typing { .. })),
        ServerMsg::Typing {
            name: "alice".into(),
            active: true
        }
    );
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.run_steps(1);
    harness.key_press(Key::Backspace);
    harness.run_steps(2);
    assert_eq!(
        bob.expect(|m| matches!(m, ServerMsg::Typing { .. })),
        ServerMsg::Typing {
            name: "alice".into(),
            active: false
        }
    );
}

#[test]
fn what_was_typed_offline_outlives_closing_the_app_and_reaches_the_room_once() {
    let server = start_server_with(ServerConfig {
        flood: None,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (config_dir, config) = temp_config();
    {
        let mut harness = joined(&config, "alice", addr);
        // The host goes away; alice types on, then closes the app before it comes back.
        lose_the_host(&mut harness, server);
        send_message(&mut harness, "écrit avant de fermer");
        send_message(&mut harness, "et encore");
        wait_until(&mut harness, "both waiting", |app| {
            app.chat().is_some_and(|c| c.outbox.len() == 2)
        });
    }

    let _again = crate::common::restart_at(
        addr,
        ServerConfig {
            flood: None,
            ..ServerConfig::default()
        },
    );
    let (mut bob, _) = Json::join(addr, "bob");
    let mut harness = app_at(&config);
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "back in the room, the outbox sent", |app| {
        app.is_connected()
            && app.chat().is_some_and(|c| {
                c.outbox_recall == coucou::model::Recall::Done && c.outbox.is_empty()
            })
    });
    send_message(&mut harness, "fin");
    let mut texts = Vec::new();
    while texts.last().map(String::as_str) != Some("fin") {
        match bob.expect(|m| matches!(m, ServerMsg::Message(c) if c.from == "alice")) {
            ServerMsg::Message(chat) => texts.push(chat.text),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(texts, ["écrit avant de fermer", "et encore", "fin"]);
    drop(config_dir);
}

#[test]
fn this_computers_log_keeps_conversations_as_long_as_the_settings_say() {
    use coucou::journal::{Journal, JournalEvent};
    let (config_dir, config) = temp_config();
    let journal_path = coucou::model::settings::journal_path(&config);
    let day = 86_400_000;
    let now = coucou::protocol::now_ms();
    let said = |id: u64, time: u64, text: &str| {
        ServerMsg::Message(Chat {
            id,
            time,
            from: "bob".into(),
            text: text.into(),
            action: false,
            cid: None,
            ..Default::default()
        })
    };
    let (tx, rx) = crossbeam_channel::unbounded();
    let sink = || coucou::EventSink::new(tx.clone(), std::sync::Arc::new(|| {}));
    // What the log holds of the room from before `now`.
    let recalled = |log: &Journal, now: u64| {
        log.recall("h:1", now, 10);
        loop {
            match rx.recv_timeout(Duration::from_secs(10)).expect("an answer") {
                JournalEvent::Recalled { messages, .. } => break messages,
                _ => continue,
            }
        }
    };
    {
        let log = Journal::start(journal_path.clone(), sink()).expect("the log");
        log.keep("h:1", &said(1, now - 100 * day, "il y a cent jours"));
        log.keep("h:1", &said(2, now - day, "hier"));
    }

    let mut harness = app_at(&config);
    harness
        .get_by_role_and_label(Role::Button, "Settings")
        .click();
    harness.run_steps(2);
    harness
        .get_by_label("This computer keeps conversations: forever")
        .click();
    harness.run_steps(2);
    harness.get_by_label("for 90 days").click();
    harness.run_steps(3);
    assert_eq!(harness.state().settings().journal_days, 90);
    drop(harness);
    let (saved, _) = coucou::model::settings::load(&config, coucou::i18n::Lang::En);
    assert_eq!(saved.journal_days, 90);

    let log = Journal::start(journal_path.clone(), sink()).expect("the log");
    assert_eq!(recalled(&log, now), [said(2, now - day, "hier")]);

    // At every start too: what grew old since goes.
    log.keep(
        "h:1",
        &said(3, now - 95 * day, "retrouvé dans une sauvegarde"),
    );
    drop(log);
    drop(app_at(&config));
    let log = Journal::start(journal_path, sink()).expect("the log");
    assert_eq!(recalled(&log, now), [said(2, now - day, "hier")]);
    drop(config_dir);
}

#[test]
fn a_host_that_knows_this_app_s_device_gives_back_its_private_messages_the_log_lost_and_finds_them()
{
    let store_dir = tempfile::tempdir().expect("a temp folder");
    let server = start_server_with(stored(&store_dir.path().join("history.sqlite")));
    let addr = server.local_addr();
    let (_dir, config) = temp_config();
    let mut harness = joined(&config, "alice", addr);
    let (mut bob, _) = Json::join(addr, "bob");
    send_message(&mut harness, "/msg bob psst, à midi ?");
    bob.expect(|m| matches!(m, ServerMsg::Private { text, .. } if text == "psst, à midi ?"));
    bob.send(&coucou::protocol::ClientMsg::Msg {
        to: "alice".into(),
        text: "oui, midi pile".into(),
        cid: None,
    });
    wait_until(&mut harness, "both private messages", |app| {
        has_entry(app, "psst, à midi ?") && has_entry(app, "oui, midi pile")
    });
    drop(harness);
    // This computer's log is lost (another disk, a clean-up): the host, knowing the device,
    // gives them back.
    let log = coucou::model::settings::journal_path(&config);
    for suffix in ["", "-wal", "-shm"] {
        let mut file = log.as_os_str().to_owned();
        file.push(suffix);
        std::fs::remove_file(&file).ok();
    }
    assert!(!log.exists());

    let mut harness = joined(&config, "alice", addr);
    wait_until(
        &mut harness,
        "the private messages back from the host",
        |app| has_entry(app, "psst, à midi ?") && has_entry(app, "oui, midi pile"),
    );
    // Found by a search too, and a click shows the conversation with bob.
    search_for(&mut harness, "midi");
    wait_until(&mut harness, "the results", |app| {
        app.search_panel().results.is_some()
    });
    harness.get_by_label("2 messages, newest first; click one to see it.");
    harness
        .get_by_label_contains("[private, with bob] bob: oui, midi pile")
        .click();
    harness.run_steps(3);
    harness.get_by_label("Direct messages with bob");
    harness.get_by_role_and_label(Role::Label, "oui, midi pile");
    drop(harness);
    drop(server);
}

#[test]
fn your_own_private_messages_are_back_in_their_place_after_a_restart() {
    let server = start_server_with(ServerConfig {
        flood: None,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (_dir, config) = temp_config();
    let mut harness = joined(&config, "alice", addr);
    let (mut bob, _) = Json::join(addr, "bob");
    bob.send(&coucou::protocol::ClientMsg::Say {
        text: "salut".into(),
        cid: None,
    });
    wait_until(&mut harness, "bob's hello", |app| has_entry(app, "salut"));
    send_message(&mut harness, "/msg bob psst, à midi ?");
    bob.expect(|m| matches!(m, ServerMsg::Private { text, .. } if text == "psst, à midi ?"));
    wait_until(&mut harness, "the private echo", |app| {
        has_entry(app, "psst, à midi ?")
    });
    drop(harness);

    // The app again, in the same room: the room gives back what it said, never a private
    // message; this computer gives back what it kept, in its place.
    let mut harness = joined(&config, "alice", addr);
    wait_until(&mut harness, "the private message back", |app| {
        has_entry(app, "psst, à midi ?")
    });
    let texts = chat_texts(harness.state());
    let at = |needle: &str| {
        texts
            .iter()
            .position(|t| t.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {texts:#?}"))
    };
    assert!(at("salut") < at("psst, à midi ?"), "{texts:#?}");
    assert_eq!(
        texts.iter().filter(|t| t.contains("psst")).count(),
        1,
        "{texts:#?}"
    );
    // On screen in bob's direct conversation, not in the room.
    harness.run_steps(2);
    assert!(
        harness
            .query_by_role_and_label(Role::Label, "psst, à midi ?")
            .is_none()
    );
    harness
        .get_by_role_and_label(Role::List, "Direct messages")
        .get_by_label("bob")
        .click();
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Label, "psst, à midi ?");
}

#[test]
fn ctrl_f_finds_a_file_offered_long_ago_by_its_name_and_a_click_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    {
        let (store, _, _) = Store::open(&path, 0, Retention::default()).expect("a store");
        for id in 1..=1_000 {
            let time = 1_700_000_000_000 + id * 1000;
            let msg = match id {
                42 => ServerMsg::File(FileOffer {
                    id,
                    time,
                    file: 7,
                    from: "bob".into(),
                    to: None,
                    name: "plan-de-salle.pdf".into(),
                    size: 123_456,
                    sha256: "0".repeat(64),
                }),
                id => ServerMsg::Message(Chat {
                    id,
                    time,
                    from: "bob".into(),
                    text: format!("message {id}"),
                    action: false,
                    cid: None,
                    ..Default::default()
                }),
            };
            store.keep(&msg, true);
        }
    }
    let server = start_server_with(stored(&path));
    let (_config, mut harness) = connected_app("alice", server.local_addr());
    search_for(&mut harness, "plan salle");
    wait_until(&mut harness, "the results", |app| {
        app.search_panel().results.is_some()
    });
    harness.get_by_label("1 message; click it to see it in the conversation.");
    harness
        .get_by_label_contains("bob offers plan-de-salle.pdf")
        .click();
    wait_until(&mut harness, "the jump", |app| app.jumped_to() == Some(42));
}

/// alice in a room whose store holds bob's "message 1" to "message 150", the welcome's last 100 on
/// screen (with the store's folder, the server and the app's settings, which must outlive it).
fn alice_among_150_messages() -> (
    tempfile::TempDir,
    coucou::server::Server,
    tempfile::TempDir,
    Harness<'static, CoucouApp>,
) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let path = dir.path().join("history.sqlite");
    filled(&path, 150, |id| format!("message {id}"));
    let server = start_server_with(stored(&path));
    let (config, mut harness) = connected_app("alice", server.local_addr());
    wait_until(&mut harness, "the welcome's history", |app| {
        app.chat().is_some_and(|c| c.oldest_id() == Some(51))
    });
    (dir, server, config, harness)
}

/// Clicks "Load older messages" and waits for the page that reaches the first message.
fn load_the_first_page(harness: &mut Harness<'_, CoucouApp>) {
    harness
        .get_by_role_and_label(Role::Button, "Load older messages")
        .click();
    harness.run_steps(2);
    wait_until(harness, "a page", |app| {
        app.chat().is_some_and(|c| c.oldest_id() == Some(1))
    });
}

/// The accessibility id (as text) of the row (a list item: a message, a person) that shows
/// `text` in a widget of its own.
fn row_of(harness: &Harness<'_, CoucouApp>, text: &str) -> String {
    let mut node = harness.get(
        by().label(text)
            .predicate(|node| node.role() != Role::Status),
    );
    while node.accesskit_node().role() != Role::ListItem {
        node = node.parent().expect("a row around the words");
    }
    format!("{:?}", node.accesskit_node().id())
}

#[test]
fn a_screen_reader_hears_new_messages_politely_and_rows_keep_their_identity_as_others_arrive() {
    // Read from the AccessKit tree egui_kittest builds: the tree the AT-SPI adapter gives Orca.
    let (_dir, server, _config, mut harness) = alice_among_150_messages();
    let newest = row_of(&harness, "message 150");

    // An older page arrives above every row on screen: the newest row is still the same row.
    load_the_first_page(&mut harness);
    harness.run_steps(2);

    // Someone arrives while the list shows older rows; back at the bottom, the newest row of
    // before is still the same row for a screen reader.
    let mut zoe = Plain::join(server.local_addr(), "zoe");
    wait_until(&mut harness, "zoe's join", |app| {
        has_entry(app, "zoe joined")
    });
    harness
        .get_by_role_and_label(Role::Button, "1 new message - show")
        .click();
    harness.run_steps(4);
    assert_eq!(
        row_of(&harness, "message 150"),
        newest,
        "a row keeps its identity when older messages arrive above it"
    );

    // A terminal's message is said politely, and the people list gains a row for a newcomer
    // instead of renaming the row after it.
    let zoes_row = row_of(&harness, "zoe");
    zoe.send("hello from a terminal");
    wait_until(&mut harness, "zoe's message", |app| {
        has_entry(app, "hello from a terminal")
    });
    let spoken = harness.get_by_role_and_label(Role::Status, "zoe: hello from a terminal");
    assert_eq!(
        spoken.accesskit_node().data().live(),
        Some(eframe::egui::accesskit::Live::Polite)
    );
    let _marie = Plain::join(server.local_addr(), "marie");
    wait_until(&mut harness, "marie's join", |app| {
        has_entry(app, "marie joined")
    });
    assert_eq!(
        row_of(&harness, "zoe"),
        zoes_row,
        "zoe's row is still zoe's"
    );
    assert_ne!(row_of(&harness, "marie"), zoes_row);
    harness.get_by_role_and_label(Role::Status, "marie joined");
    // What alice says herself is not read back to her.
    send_message(&mut harness, "my own words");
    zoe.expect("my own words");
    harness.get_by_role_and_label(Role::Status, "marie joined");
}

#[test]
fn an_older_page_leaves_the_rows_in_view_where_they_were() {
    let (_dir, _server, _config, mut harness) = alice_among_150_messages();
    harness.get_by_role_and_label(Role::Label, "message 150");
    load_the_first_page(&mut harness);
    // Long enough for any scrolling egui would still do to end.
    harness.run_steps(60);
    assert!(
        harness.query_by_label("message 150").is_some(),
        "the newest row is still in view"
    );
    assert!(
        harness.query_by_label("message 50").is_none(),
        "the page went in above, out of view"
    );
}

#[test]
fn a_room_cleared_by_a_moderator_leaves_the_screen_and_this_computer_s_log_but_not_private_ones() {
    use coucou::journal::{Journal, JournalEvent};
    let server = start_server_with(crate::moderation::moderated(ServerConfig {
        flood: None,
        ..ServerConfig::default()
    }));
    let addr = server.local_addr();
    let (_dir, config) = temp_config();
    let mut harness = joined(&config, "alice", addr);
    let (mut bob, _) = Json::join(addr, "bob");
    bob.send(&coucou::protocol::ClientMsg::Say {
        text: "the secret plan".into(),
        cid: None,
    });
    bob.send(&coucou::protocol::ClientMsg::Msg {
        to: "alice".into(),
        text: "psst, between us".into(),
        cid: None,
    });
    wait_until(&mut harness, "bob's lines", |app| {
        has_entry(app, "the secret plan") && has_entry(app, "psst, between us")
    });
    let mut teacher = crate::devices::moderator(addr, "teacher");
    teacher.send(
        &coucou::protocol::Command::Moderate(coucou::protocol::command::Moderate::alone(
            coucou::protocol::message::Act::Clear,
        ))
        .to_client_msg(),
    );
    wait_until(&mut harness, "cleared", |app| {
        has_entry(app, "teacher cleared this room's history") && !has_entry(app, "the secret plan")
    });
    assert!(
        has_entry(harness.state(), "psst, between us"),
        "private stays"
    );
    drop(harness);

    // This computer's log lost it too: nothing of the room's from before comes back.
    let (tx, rx) = crossbeam_channel::unbounded();
    let log = Journal::start(
        coucou::model::settings::journal_path(&config),
        coucou::EventSink::new(tx, std::sync::Arc::new(|| {})),
    )
    .expect("the log");
    let key = format!("127.0.0.1:{}", addr.port());
    log.recall(&key, coucou::protocol::now_ms() + 1, 100);
    let recalled = loop {
        match rx.recv_timeout(Duration::from_secs(10)).expect("an answer") {
            JournalEvent::Recalled { messages, .. } => break messages,
            _ => continue,
        }
    };
    assert!(
        recalled
            .iter()
            .all(|m| !matches!(m, ServerMsg::Message(c) if c.text == "the secret plan")),
        "{recalled:#?}"
    );
    assert!(
        recalled
            .iter()
            .any(|m| matches!(m, ServerMsg::Private { text, .. } if text == "psst, between us")),
        "{recalled:#?}"
    );
}
