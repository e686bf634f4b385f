//! The real app in a host's named rooms, driven headless with egui_kittest against a real server on
//! 127.0.0.1: the column lists them, joins and leaves them, counts what comes to those not on
//! screen, and sends each line to its own room only; the hosting app makes rooms from Room
//! options.

use crate::app_support::*;
use crate::common::{Json, start_server_with};
use coucou::app::CoucouApp;
use coucou::protocol::{ClientMsg, ServerMsg};
use coucou::server::ServerConfig;
use eframe::egui::Key;
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// A server with two named rooms besides its default room, no flood limit.
fn host_with_rooms() -> coucou::server::Server {
    start_server_with(ServerConfig {
        rooms: vec!["Projet X".into(), "Pause café".into()],
        flood: None,
        ..ServerConfig::default()
    })
}

/// A server with one named room, Projet X, no flood limit (to start again at the same address).
fn one_named_room() -> ServerConfig {
    ServerConfig {
        rooms: vec!["Projet X".into()],
        flood: None,
        ..ServerConfig::default()
    }
}

fn say(text: &str) -> ClientMsg {
    ClientMsg::Say {
        text: text.into(),
        cid: None,
    }
}

/// Joins the named room `name` by typing it in the column, and waits until the app is in it.
fn join_by_name(harness: &mut Harness<'_, CoucouApp>, name: &str) {
    wait_for_label(harness, &format!("# {name}"));
    type_into(harness, "Join or make a room", name);
    harness.key_press(Key::Enter);
    wait_until(harness, &format!("in {name}"), |app| {
        app.room_chat(name).is_some()
    });
}

/// Types `password` into the password field named `field`, then Enter.
fn type_password(harness: &mut Harness<'_, CoucouApp>, field: &str, password: &str) {
    type_into_role(harness, Role::PasswordInput, field, password);
    harness.key_press(Key::Enter);
    harness.run_steps(2);
}

/// Clicks the row of the room `name` in the column's rooms.
fn show_room(harness: &mut Harness<'_, CoucouApp>, name: &str) {
    harness
        .get_by_role_and_label(Role::List, "Rooms")
        .get_by_label(&format!("# {name}"))
        .click();
    harness.run_steps(2);
}

/// What a row of the column's rooms says beside its name (its unread badge), if anything.
fn badge_of(harness: &Harness<'_, CoucouApp>, badge: &str) -> bool {
    harness
        .get_by_role_and_label(Role::List, "Rooms")
        .query_by_label(badge)
        .is_some()
}

/// Whether the named room `room`'s conversation holds a line with `needle`.
fn room_has(app: &CoucouApp, room: &str, needle: &str) -> bool {
    app.room_chat(room).is_some_and(|chat| {
        chat.entries.iter().any(|e| {
            coucou::model::transcript::entry_text(e, coucou::i18n::Lang::En).contains(needle)
        })
    })
}

#[test]
fn the_column_joins_a_named_room_counts_what_comes_while_away_and_sends_there_only() {
    let server = host_with_rooms();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    // The host's other rooms are listed, each with a way in.
    wait_for_label(&mut harness, "# Pause café");
    harness.get_by_label("# Projet X");

    let (mut bob, _) = Json::join(addr, "bob");
    bob.join_room("Projet X");
    let (mut carol, _) = Json::join(addr, "carol");

    // By its name, typed: the room comes on screen, with its header.
    join_by_name(&mut harness, "Projet X");
    harness.get_by_role_and_label(Role::Button, "Leave room");
    // Files are the main room's for now: no button here that the host would refuse.
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Send file…")
            .is_none()
    );
    bob.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Join { name, .. } if name == "alice"),
    );
    bob.send_in("Projet X", &say("le plan est prêt"));
    wait_until(&mut harness, "bob's line in Projet X", |app| {
        room_has(app, "Projet X", "le plan est prêt")
    });
    harness.get_by_role_and_label(Role::Label, "le plan est prêt");

    // Said in Projet X: bob has it there, carol (in the default room only) never does.
    send_message(&mut harness, "j'arrive");
    bob.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Message(c) if c.text == "j'arrive" && c.from == "alice"),
    );

    // The default room on screen: what comes to Projet X is counted beside it, a mention said.
    show_room(&mut harness, "Coucou");
    send_message(&mut harness, "et ici ?");
    let first = carol.expect(|m| matches!(m, ServerMsg::Message(c) if c.from == "alice"));
    assert!(
        matches!(&first, ServerMsg::Message(c) if c.text == "et ici ?"),
        "carol got Projet X's line: {first:?}"
    );
    assert!(
        harness
            .query_by_role_and_label(Role::Label, "le plan est prêt")
            .is_none(),
        "Projet X's line is not in the default room"
    );
    bob.send_in("Projet X", &say("deuxième"));
    bob.send_in("Projet X", &say("alice, tu viens ?"));
    wait_until(&mut harness, "two in Projet X", |app| {
        app.room_chat("Projet X")
            .is_some_and(|c| c.entries.iter().any(|e| e.mention))
    });
    harness.run_steps(2);
    assert!(badge_of(&harness, "2 new, you are named"));

    // Back in Projet X: its lines, and nothing counted any more.
    show_room(&mut harness, "Projet X");
    harness.get_by_role_and_label(Role::Label, "alice, tu viens ?");
    harness.run_steps(2);
    assert!(!badge_of(&harness, "2 new, you are named"));

    // Leaving: bob sees alice go, the default room comes back on screen, Projet X is to join.
    harness
        .get_by_role_and_label(Role::Button, "Leave room")
        .click();
    harness.run_steps(2);
    bob.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Leave { name, .. } if name == "alice"),
    );
    wait_until(&mut harness, "out of Projet X", |app| {
        app.room_chat("Projet X").is_none() && has_entry(app, "You left Projet X.")
    });
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Leave room")
            .is_none()
    );
    assert!(
        harness
            .get_by_role_and_label(Role::List, "Rooms")
            .query_by_label("# Projet X")
            .is_none(),
        "Projet X is still in the column's rooms"
    );

    // The other room, by its button.
    wait_for_label(&mut harness, "# Projet X");
    let joins = harness
        .query_all_by_role_and_label(Role::Button, "Join")
        .count();
    assert_eq!(joins, 2, "one Join per room not joined");
}

#[test]
fn a_room_nobody_made_and_a_look_alike_in_the_app() {
    let server = start_server_with(ServerConfig {
        rooms: vec!["Projet X".into()],
        room_passwords: vec![(
            "Secret".into(),
            coucou::protocol::password::RoomKey::new("tournesol").expect("a key"),
        )],
        flood: None,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    wait_for_label(&mut harness, "# Secret");

    // A name nobody made: the host's words on screen, nothing joined.
    type_into(&mut harness, "Join or make a room", "Nulle part");
    harness.key_press(Key::Enter);
    wait_until(&mut harness, "the host's refusal", |app| {
        has_entry(app, "no room called Nulle part")
    });
    assert!(harness.state().room_chat("Nulle part").is_none());

    // A look-alike (case, an invisible character) is the room itself, under its own name.
    type_into(&mut harness, "Join or make a room", "projet\u{200b} x");
    harness.key_press(Key::Enter);
    wait_until(&mut harness, "in Projet X", |app| {
        app.room_chat("Projet X").is_some()
    });
    assert!(harness.state().room_chat("projet\u{200b} x").is_none());
    harness
        .get_by_role_and_label(Role::List, "Rooms")
        .get_by_label("# Projet X");
}

#[test]
fn a_room_made_from_room_options_appears_in_everyones_column() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    host_as_hostess(&mut harness);
    let addr = harness.state().hosting_addr().expect("hosting");
    let (mut bob, _) = Json::join(addr, "bob");
    bob.send(&ClientMsg::Rooms { label: None });
    bob.expect(|m| matches!(m, ServerMsg::Rooms { .. }));

    harness.get_by_label("Room options").click();
    harness.run_steps(2);
    type_into(&mut harness, "New room", "Pause café");
    harness.get_by_role_and_label(Role::Button, "Add").click();
    harness.run_steps(2);

    bob.expect(|m| matches!(m, ServerMsg::RoomMade { name, .. } if name == "Pause café"));
    assert_eq!(harness.state().settings().host_rooms, ["Pause café"]);
    harness.key_press(Key::Escape);
    wait_for_label(&mut harness, "# Pause café");
    // A second of the same name (or a look-alike) is refused with why, and not kept twice.
    harness.get_by_label("Room options").click();
    harness.run_steps(2);
    type_into(&mut harness, "New room", "pause café");
    harness.get_by_role_and_label(Role::Button, "Add").click();
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .host_error()
            .is_some_and(|e| e.contains("already")),
        "{:?}",
        harness.state().host_error()
    );
    assert_eq!(harness.state().settings().host_rooms, ["Pause café"]);
}

#[test]
fn after_a_lost_connection_the_app_is_back_in_its_named_rooms_and_what_waited_goes_once() {
    let server = start_server_with(one_named_room());
    let addr = server.local_addr();
    let (_dir, config) = temp_config();
    let mut harness = app_with_backoff(&config, |_| std::time::Duration::from_millis(400));
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    join_by_name(&mut harness, "Projet X");

    lose_the_host(&mut harness, server);
    // Typed while away, in Projet X: it waits in that room's outbox.
    send_message(&mut harness, "pendant la coupure");
    assert_eq!(
        harness
            .state()
            .room_chat("Projet X")
            .map(|c| c.outbox.len()),
        Some(1)
    );

    let again = crate::common::restart_at(addr, one_named_room());
    let (mut bob, _) = Json::join(again.local_addr(), "bob");
    bob.join_room("Projet X");
    // The app is stepped until its outbox is echoed: its rejoin and what it sends then happen
    // in its frames.
    wait_until(&mut harness, "back in Projet X, the echo", |app| {
        app.room_chat("Projet X")
            .is_some_and(|c| c.outbox.is_empty() && !c.people.is_empty())
    });
    bob.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Message(c) if c.text == "pendant la coupure"),
    );
    // Still on screen, with the line once.
    harness.get_by_role_and_label(Role::Button, "Leave room");
    let chat = harness.state().room_chat("Projet X").expect("in Projet X");
    let sent = chat
        .entries
        .iter()
        .filter(|e| {
            coucou::model::transcript::entry_text(e, coucou::i18n::Lang::En)
                .contains("pendant la coupure")
        })
        .count();
    assert_eq!(sent, 1);
    assert!(chat.people.iter().any(|p| p == "bob"), "{:?}", chat.people);
}

#[test]
fn the_rooms_joined_are_joined_again_at_the_next_start_and_a_room_gone_is_forgotten() {
    let server = host_with_rooms();
    let addr = server.local_addr();
    let (_dir, config) = temp_config();
    let mut harness = joined(&config, "alice", addr);
    join_by_name(&mut harness, "Projet X");
    let key = addr.to_string();
    assert_eq!(
        harness.state().settings().joined_rooms.get(&key),
        Some(&vec!["Projet X".to_owned()])
    );
    drop(harness);

    // The next start: back in Projet X without asking, the main room on screen.
    let mut harness = app_at(&config);
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "back in Projet X", |app| {
        app.room_chat("Projet X")
            .is_some_and(|c| !c.people.is_empty())
    });
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Leave room")
            .is_none(),
        "the main room is on screen"
    );
    drop(harness);

    // A room remembered that the host no longer has is forgotten after the host says so.
    let mut settings = std::fs::read_to_string(&config).expect("the settings");
    settings = settings.replace("\"Projet X\"", "\"Projet X\", \"Disparu\"");
    std::fs::write(&config, settings).expect("the settings");
    let mut harness = app_at(&config);
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "the host's word on Disparu", |app| {
        has_entry(app, "no room called Disparu")
    });
    assert_eq!(
        harness.state().settings().joined_rooms.get(&key),
        Some(&vec!["Projet X".to_owned()])
    );
}

#[test]
fn a_named_room_marks_and_counts_what_came_since_your_last_visit() {
    let server = host_with_rooms();
    let addr = server.local_addr();
    let (mut bob, _) = Json::join(addr, "bob");
    bob.join_room("Projet X");
    bob.send_in("Projet X", &say("vu hier"));
    let (_dir, config) = temp_config();
    {
        let mut harness = joined(&config, "alice", addr);
        join_by_name(&mut harness, "Projet X");
        wait_until(&mut harness, "yesterday's line", |app| {
            room_has(app, "Projet X", "vu hier")
        });
        disconnect_and_close(&mut harness);
    }
    bob.send_in("Projet X", &say("nouveau ce matin"));
    bob.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Message(c) if c.text == "nouveau ce matin"),
    );

    let mut harness = app_at(&config);
    harness
        .get_by_role_and_label(Role::Button, "Connect")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "back in Projet X", |app| {
        room_has(app, "Projet X", "nouveau ce matin")
    });
    let chat = harness.state().room_chat("Projet X").expect("in Projet X");
    let marker = chat.marker.expect("a marker");
    assert_eq!(
        chat.marker_kind,
        coucou::model::MarkerKind::SinceYourLastVisit
    );
    let text = coucou::model::transcript::entry_text(&chat.entries[marker], coucou::i18n::Lang::En);
    assert!(text.contains("nouveau ce matin"), "{text}");
    // The column counts it, with the main room on screen.
    harness.run_steps(2);
    assert!(badge_of(&harness, "1 new"));
}

#[test]
fn a_room_with_a_password_is_joined_from_the_column_and_a_wrong_one_says_so() {
    let server = start_server_with(ServerConfig {
        room_passwords: vec![(
            "Secret".into(),
            coucou::protocol::password::RoomKey::new("tournesol").expect("a key"),
        )],
        password_delay: std::time::Duration::from_millis(10),
        flood: None,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    wait_for_label(&mut harness, "# Secret");
    let field = "Password of the room Secret";

    type_password(&mut harness, field, "tulipe");
    wait_until(&mut harness, "the host's refusal", |app| {
        has_entry(app, "wrong password")
    });
    assert!(harness.state().room_chat("Secret").is_none());

    type_password(&mut harness, field, "tournesol");
    wait_until(&mut harness, "in Secret", |app| {
        app.room_chat("Secret").is_some()
    });
    // On screen, and what is said there reaches only who is in it.
    let (mut carol, _) = Json::join(addr, "carol");
    send_message(&mut harness, "entre nous");
    wait_until(&mut harness, "the echo", |app| {
        room_has(app, "Secret", "entre nous")
    });
    send_message(&mut harness, "/part");
    wait_until(&mut harness, "out of Secret", |app| {
        app.room_chat("Secret").is_none()
    });
    send_message(&mut harness, "dehors");
    let first = carol.expect(|m| matches!(m, ServerMsg::Message(c) if c.from == "alice"));
    assert!(
        matches!(&first, ServerMsg::Message(c) if c.text == "dehors"),
        "carol got Secret's line: {first:?}"
    );
    // Typed as in a terminal: the name alone asks for the password first; with it, in.
    send_message(&mut harness, "/join Secret");
    wait_until(&mut harness, "the app's word", |app| {
        has_entry(app, "The room Secret has a password")
    });
    send_message(&mut harness, "/join Secret tournesol");
    wait_until(&mut harness, "in Secret again", |app| {
        app.room_chat("Secret").is_some()
    });
}

#[test]
fn what_was_typed_in_a_named_room_and_never_sent_goes_once_after_the_app_starts_again() {
    let server = start_server_with(one_named_room());
    let addr = server.local_addr();
    let (config_dir, config) = temp_config();
    {
        let mut harness = joined(&config, "alice", addr);
        join_by_name(&mut harness, "Projet X");
        // This computer's log answered for the room's outbox: what is typed now is kept.
        wait_until(&mut harness, "the outbox recalled", |app| {
            app.room_chat("Projet X")
                .is_some_and(|c| c.outbox_recall == coucou::model::Recall::Done)
        });
        lose_the_host(&mut harness, server);
        send_message(&mut harness, "écrit avant de fermer");
        wait_until(&mut harness, "waiting in Projet X", |app| {
            app.room_chat("Projet X")
                .is_some_and(|c| c.outbox.len() == 1)
        });
    }

    let again = crate::common::restart_at(addr, one_named_room());
    let (mut bob, _) = Json::join(again.local_addr(), "bob");
    bob.join_room("Projet X");
    let mut harness = joined(&config, "alice", addr);
    wait_until(&mut harness, "back in Projet X, its outbox sent", |app| {
        app.room_chat("Projet X")
            .is_some_and(|c| c.outbox_recall == coucou::model::Recall::Done && c.outbox.is_empty())
    });
    show_room(&mut harness, "Projet X");
    send_message(&mut harness, "fin");
    let mut texts = Vec::new();
    while texts.last().map(String::as_str) != Some("fin") {
        match bob.expect_in(
            Some("Projet X"),
            |m| matches!(m, ServerMsg::Message(c) if c.from == "alice"),
        ) {
            ServerMsg::Message(chat) => texts.push(chat.text),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(texts, ["écrit avant de fermer", "fin"]);
    drop(config_dir);
}

#[test]
fn a_mention_in_a_named_room_not_on_screen_notifies_with_its_name_and_opens_it() {
    let server = host_with_rooms();
    let addr = server.local_addr();
    let recorder = std::sync::Arc::new(Recorder::default());
    let (_dir, config) = temp_config();
    let handle = coucou::app::notify::NotifierHandle(recorder.clone());
    let mut harness = app_with(&config, Some(handle));
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    join_by_name(&mut harness, "Projet X");
    show_room(&mut harness, "Coucou");
    set_focused(&mut harness, false);

    let (mut bob, _) = Json::join(addr, "bob");
    bob.join_room("Projet X");
    bob.send_in("Projet X", &say("alice, tu viens ?"));
    wait_until(&mut harness, "the mention", |app| {
        room_has(app, "Projet X", "alice, tu viens ?")
    });
    let notices = recorder.0.lock().expect("the recorder's lock").clone();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].title.contains("Projet X"), "{:?}", notices[0]);
    assert_eq!(
        notices[0].opens,
        coucou::ui::chat::Showing::Named("Projet X".into())
    );
}

#[test]
fn a_host_telling_of_a_thousand_rooms_made_gets_one_question_and_no_unasked_room_is_joined() {
    use std::io::{BufRead as _, Write as _};
    // A host in clear that speaks JSON: its welcome says it has rooms; then it tells of a room
    // made a thousand times, welcomes the app into a room it never asked for, and says "fin".
    let (addr, host) = crate::app_support::played_host("hostile-rooms-host", |reader, stream| {
        let mut out = String::from(
            "{\"type\":\"welcome\",\"version\":1,\"room\":\"Coucou\",\"you\":\"alice\",\
                 \"users\":[\"alice\"],\"history\":[],\"max_message_bytes\":2048,\"labels\":true,\
                 \"rooms\":true}\n",
        );
        for i in 0..1000 {
            out.push_str(&format!(
                "{{\"type\":\"room_made\",\"name\":\"Salle {i}\",\"by\":\"eve\"}}\n"
            ));
        }
        out.push_str(
            "{\"type\":\"welcome\",\"version\":1,\"room\":\"Piège\",\"you\":\"alice\",\
                 \"users\":[\"alice\",\"eve\"],\"history\":[],\"max_message_bytes\":2048}\n",
        );
        out.push_str(
            "{\"type\":\"message\",\"id\":1,\"time\":1,\"from\":\"eve\",\"text\":\"fin\"}\n",
        );
        stream.write_all(out.as_bytes()).expect("written");
        // What the app asks until its own marker line.
        let mut line = String::new();
        let mut questions = 0;
        loop {
            line.clear();
            if reader.read_line(&mut line).expect("the app's lines") == 0 {
                break;
            }
            if line.contains("\"type\":\"rooms\"") {
                questions += 1;
            }
            if line.contains("marque") {
                break;
            }
        }
        questions
    });

    let (_dir, mut harness) = crate::app_support::connecting_in_clear("alice", addr);
    wait_until(&mut harness, "the host's last line", |app| {
        has_entry(app, "fin")
    });
    assert!(harness.state().room_chat("Piège").is_none());
    send_message(&mut harness, "marque");
    assert_eq!(
        host.join().expect("the host"),
        1,
        "one question for the list"
    );
}

/// Opens `name`'s menu in the people list of the room on screen.
fn person_menu(harness: &mut Harness<'_, CoucouApp>, name: &str) {
    harness.get_by_label(name).click_secondary();
    harness.run_steps(4);
}

#[test]
fn an_app_named_a_room_s_moderator_mutes_lists_lifts_and_kicks_from_that_room_s_people_list_and_nowhere_else()
 {
    let (_owner_dir, owner) = crate::devices::device();
    let server = start_server_with(ServerConfig {
        owners: vec![owner.id()],
        ..one_named_room()
    });
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("ta", addr);
    let mut teacher =
        crate::devices::app(addr, crate::devices::machine(8), Some(&owner), "teacher");
    teacher.join_room("Projet X");
    let (mut pupil, _) = Json::join(addr, "pupil");
    pupil.join_room("Projet X");
    join_by_name(&mut harness, "Projet X");
    wait_until(&mut harness, "pupil in Projet X", |app| {
        app.room_chat("Projet X")
            .is_some_and(|c| c.people.iter().any(|p| p == "pupil"))
    });
    person_menu(&mut harness, "pupil");
    assert!(harness.query_by_label("Kick").is_none(), "not yet");
    harness.key_press(Key::Escape);
    harness.run_steps(2);

    teacher.send_in(
        "Projet X",
        &crate::devices::act(coucou::protocol::message::Act::Op, "ta"),
    );
    wait_until(&mut harness, "told, in the room", |app| {
        room_has(app, "Projet X", "You moderate this room")
    });
    // /help there says what ta may do there.
    send_message(&mut harness, "/help");
    wait_until(&mut harness, "the help", |app| {
        room_has(app, "Projet X", "As a moderator of this room")
    });
    person_menu(&mut harness, "pupil");
    // Kick out of this room, mute in it; banning is the host's moderators'.
    assert!(harness.query_by_label("Ban").is_none());
    click_buttons(&mut harness, &["Mute", "Until lifted"]);
    let muted = "pupil was muted in this room by ta. Until lifted.";
    pupil.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Notice { text, .. } if text == muted),
    );
    // The room's mutes, listed for its moderator (no bans: the host's), one lifted from there.
    click_buttons(&mut harness, &["Moderation"]);
    assert!(harness.query_by_label("Show the bans and mutes").is_none());
    click_buttons(&mut harness, &["Show the mutes in this room"]);
    wait_for_label(&mut harness, "Lift the mute on pupil");
    assert!(harness.query_all_by_label("muted in Projet X").count() >= 1);
    harness
        .get_by_role_and_label(Role::Button, "Lift the mute on pupil")
        .click();
    wait_for_no_label(&mut harness, "Lift the mute on pupil");
    let lifted = "pupil may speak again (ta).";
    pupil.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Notice { text, .. } if text == lifted),
    );
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    person_menu(&mut harness, "pupil");
    harness.get_by_role_and_label(Role::Button, "Kick").click();
    harness.run_steps(2);
    pupil.expect_in(Some("Projet X"), |m| matches!(m, ServerMsg::Parted {}));
    wait_until(&mut harness, "said in the room", |app| {
        room_has(app, "Projet X", "pupil was removed from this room by ta")
    });

    // In the default room, ta moderates nothing: no such menu there.
    show_room(&mut harness, "Coucou");
    person_menu(&mut harness, "pupil");
    assert!(harness.query_by_label("Kick").is_none());
    assert!(!has_entry(harness.state(), "You are a moderator"));
    harness.key_press(Key::Escape);
    harness.run_steps(2);

    // One no more: told at once, and the menu goes without waiting for a new connection.
    teacher.send_in(
        "Projet X",
        &crate::devices::act(coucou::protocol::message::Act::Deop, "ta"),
    );
    wait_until(&mut harness, "told, in the room", |app| {
        room_has(app, "Projet X", "You are no longer a moderator here")
    });
    show_room(&mut harness, "Projet X");
    person_menu(&mut harness, "teacher");
    assert!(harness.query_by_label("Kick").is_none());
}

#[test]
fn an_app_kicked_out_of_a_room_stays_on_the_host_and_still_reconnects_on_its_own() {
    let ((_o, owner), (_h, helper)) = (crate::devices::device(), crate::devices::device());
    let server = start_server_with(ServerConfig {
        owners: vec![owner.id()],
        ..one_named_room()
    });
    let addr = server.local_addr();
    let proxy = crate::common::Proxy::start(addr);
    let (_dir, config) = temp_config();
    let mut harness = app_with_backoff(&config, |_| std::time::Duration::from_millis(100));
    connect(&mut harness, "pupil", proxy.addr());
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    join_by_name(&mut harness, "Projet X");
    let mut teacher =
        crate::devices::app(addr, crate::devices::machine(8), Some(&owner), "teacher");
    let mut ta = crate::devices::app(addr, crate::devices::machine(2), Some(&helper), "ta");
    ta.join_room("Projet X");
    teacher.join_room("Projet X");
    teacher.send_in(
        "Projet X",
        &crate::devices::act(coucou::protocol::message::Act::Op, "ta"),
    );
    ta.expect_in(Some("Projet X"), |m| {
        matches!(m, ServerMsg::Moderator { .. })
    });
    ta.send_in(
        "Projet X",
        &crate::devices::act(coucou::protocol::message::Act::Kick, "pupil"),
    );
    wait_until(&mut harness, "out of Projet X", |app| {
        app.room_chat("Projet X").is_none()
    });
    assert!(harness.state().is_connected(), "still on the host");

    // Out of a room is not off the host: a lost connection is found again on its own.
    proxy.cut();
    wait_until(&mut harness, "connected again", |app| {
        app.is_connected() && has_entry(app, "Reconnected")
    });
}

#[test]
fn someone_ignored_is_hidden_in_every_room_of_the_host_and_at_the_next_visit() {
    let server = start_server_with(one_named_room());
    let addr = server.local_addr();
    let (_dir, config) = temp_config();
    let mut harness = joined(&config, "alice", addr);
    let (mut troll, _) = Json::join(addr, "troll");
    troll.join_room("Projet X");
    let (mut bob, _) = Json::join(addr, "bob");
    bob.join_room("Projet X");
    send_message(&mut harness, "/ignore troll");
    wait_until(&mut harness, "ignored", |app| {
        has_entry(app, "You no longer see what troll says")
    });
    // A named room joined after: the same.
    join_by_name(&mut harness, "Projet X");
    troll.send_in("Projet X", &say("spam in Projet X"));
    bob.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Message(c) if c.text == "spam in Projet X"),
    );
    bob.send_in("Projet X", &say("after the spam"));
    wait_until(&mut harness, "bob's line in Projet X", |app| {
        room_has(app, "Projet X", "after the spam")
    });
    assert!(!room_has(harness.state(), "Projet X", "spam in Projet X"));
    drop(harness);

    // The next visit: still ignored, in the room too.
    let mut harness = joined(&config, "alice", addr);
    troll.send(&say("spam again"));
    bob.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "spam again"));
    bob.send(&say("bob again"));
    wait_until(&mut harness, "bob's line", |app| {
        has_entry(app, "bob again")
    });
    assert!(!has_entry(harness.state(), "spam again"));
    let key = format!("127.0.0.1:{}", addr.port());
    assert_eq!(
        harness.state().settings().ignored.get(&key),
        Some(&vec!["troll".to_owned()])
    );
    // Seen again once unignored, and the host's entry goes.
    send_message(&mut harness, "/unignore troll");
    troll.send(&say("not spam"));
    wait_until(&mut harness, "troll's line", |app| {
        has_entry(app, "not spam")
    });
    assert!(harness.state().settings().ignored.is_empty());
}
