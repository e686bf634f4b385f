//! The real app, driven headless with egui_kittest, against real servers on 127.0.0.1.
//!
//! Waiting is done on the app's own event channel (`wait_for_event`, a `recv` with a time-out), never
//! by sleeping. Settings live in a temp folder per test.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use crate::app_support::*;
use crate::common::{Plain, SeedServer, start_server, start_server_with};
use coucou::app::CoucouApp;
use coucou::app::notify::{Notice, NotifierHandle};
use coucou::server::ServerConfig;
use coucou::ui::chat::Showing;
use eframe::egui::accesskit::Role;
use eframe::egui::{self, Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable, by};

#[test]
fn fill_the_form_connect_and_chat_with_a_raw_client_both_ways() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    harness.get_by_label("People (1)");

    let mut bob = Plain::join(server.local_addr(), "bob");
    wait_until(&mut harness, "bob's join", |app| {
        has_entry(app, "bob joined")
    });
    assert_eq!(harness.state().chat().unwrap().people, ["alice", "bob"]);

    send_message(&mut harness, "hello from the app");
    assert_eq!(
        bob.expect("hello from the app"),
        "alice: hello from the app"
    );

    bob.send("hi app, see https://example.org");
    wait_until(&mut harness, "bob's message", |app| {
        has_entry(app, "hi app")
    });
    harness.get(by().label_contains("hi app, see").role(Role::Label));
    harness.get_by_role_and_label(Role::Status, "bob: hi app, see https://example.org");
    harness.get_by_label("https://example.org");

    // Clicking a name starts a private message; /msg reaches only bob.
    harness.get_by_label("bob").click();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::TextInput, "Message")
        .type_text("psst");
    harness.run_steps(2);
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    assert_eq!(bob.expect("[private]"), "[private] alice -> bob: psst");

    // exit alone leaves, as in the seed; the conversation stays, read-only, until closed.
    send_message(&mut harness, "exit");
    assert_eq!(bob.expect("alice"), "*** alice left the room");
    harness.run_steps(2);
    assert!(!harness.state().is_connected());
    assert!(has_entry(harness.state(), "hello from the app"));
    harness.get_by_label("You left the room.");
    harness.get_by_role_and_label(Role::Button, "Close").click();
    harness.run_steps(2);
    assert!(harness.state().chat().is_none());
    harness.get_by_role_and_label(Role::Button, "Connect");
}

#[test]
fn the_form_is_checked_before_connecting() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "a");
    fill(&mut harness, "Port", "70000");
    harness
        .get_by_role_and_label(Role::Button, "Connect")
        .click();
    harness.run_steps(2);
    harness.get_by_label("A name needs at least 2 characters.");
    harness.get_by_label_contains("number from 1 to 65535");
    assert!(!harness.state().is_connecting());

    fill(&mut harness, "Username", "two words");
    harness.get_by_label("A name can't contain spaces.");
    fill(&mut harness, "Username", "\u{430}lice");
    harness.get_by_label("A name must use letters of only one script.");
}

#[test]
fn an_error_under_a_field_leaves_every_widget_below_it_the_same_for_a_screen_reader() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "alice");
    let ids = |harness: &Harness<'_, CoucouApp>| {
        [
            harness.get_by_role_and_label(Role::Label, "Server kind"),
            harness.get_by_role_and_label(Role::TextInput, "Port"),
            harness.get_by_role_and_label(Role::Label, "Port"),
        ]
        .map(|node| node.accesskit_node().id())
    };
    let before = ids(&harness);
    // An error row appears under the name, above them all.
    fill(&mut harness, "Username", "a");
    harness.get_by_label("A name needs at least 2 characters.");
    assert_eq!(ids(&harness), before);
}

#[test]
fn connection_errors_are_shown_next_to_the_form_which_is_kept() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);

    // Nothing listening.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    connect(&mut harness, "alice", free);
    wait_until(&mut harness, "refused", |app| app.connect_error().is_some());
    let expected = format!("Nothing is answering at {free} — is the server running?");
    harness.get_by_label(&expected);
    assert_eq!(harness.state().form().username, "alice", "the form is kept");

    // Not a host name at all.
    fill(&mut harness, "Host", "no_such_host");
    harness
        .get_by_role_and_label(Role::Button, "Connect")
        .click();
    wait_until(&mut harness, "unknown host", |app| {
        app.connect_error()
            .is_some_and(|e| e.contains("no_such_host"))
    });
    harness.get_by_label("Can't find a computer called \"no_such_host\".");

    // Name taken.
    let server = start_server();
    let _alice = Plain::join(server.local_addr(), "alice");
    connect(&mut harness, "ALICE", server.local_addr());
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "name refused", |app| {
        app.connect_error().is_some_and(|e| e.contains("taken"))
    });
    harness.get_by_label_contains("Change the username");

    // Room full.
    let full = start_server_with(ServerConfig {
        max_people: 1,
        ..ServerConfig::default()
    });
    let _only = Plain::join(full.local_addr(), "only");
    connect(&mut harness, "carol", full.local_addr());
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "room full", |app| {
        app.connect_error().is_some_and(|e| e.contains("full"))
    });
    harness.get_by_label_contains("the room is full");

    // A server that never answers the hello: the 5 s time-out.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    connect(&mut harness, "carol", silent.local_addr().unwrap());
    harness.get_by_role_and_label(Role::Button, "Cancel");
    wait_until(&mut harness, "time-out", |app| {
        app.connect_error().is_some_and(|e| e.contains("No answer"))
    });
    harness.get_by_label_contains("within 5 s");
}

#[test]
fn host_on_lets_a_raw_client_join_and_host_off_frees_the_port() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "hostess");
    fill(&mut harness, "Room", "Salle 12");
    fill(&mut harness, "Host port", "0");
    harness.get_by_label("Host a room").click();
    wait_until(&mut harness, "joined own room", CoucouApp::is_connected);
    let addr = harness.state().hosting_addr().unwrap();
    harness.get_by_label(&format!("1 person · hosted here on {addr}"));

    let mut guest = Plain::join(addr, "guest");
    wait_until(&mut harness, "guest joined", |app| {
        has_entry(app, "guest joined")
    });
    harness.get_by_label(&format!("2 people · hosted here on {addr}"));
    guest.send("bonjour hostess");
    wait_until(&mut harness, "guest message", |app| {
        has_entry(app, "bonjour hostess")
    });

    // Off asks first, because someone else is here.
    harness.get_by_label("Host a room").click();
    harness.run();
    harness.get_by_label("Close the room").click();
    wait_until(&mut harness, "room closed", |app| {
        !app.host_stopping() && app.hosting_addr().is_none()
    });
    let lines = guest.expect_closed();
    assert!(lines.iter().any(|l| l.contains("stopping")), "{lines:?}");
    TcpListener::bind(addr).expect("the port is free as soon as Host is off");
    // The conversation stays to be read, and lists nobody: the room is gone.
    harness.get_by_label_contains("You closed the room");
    assert_eq!(harness.state().chat().map(|c| c.people.len()), Some(0));
    assert!(
        harness.query_by_label("guest").is_none(),
        "nobody in the people list"
    );
}

#[test]
fn the_host_panel_shows_the_web_page_for_phones_with_its_code_and_the_page_answers() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "teacher");
    fill(&mut harness, "Host port", "0");
    harness.get_by_label("Host a room").click();
    wait_until(&mut harness, "joined own room", CoucouApp::is_connected);
    let addr = harness.state().hosting_addr().unwrap();
    let page = format!("http://{addr}/");
    assert!(harness.query_by_label(&page).is_none(), "folded at first");
    harness.get_by_label("From a phone or a browser").click();
    // The room keeps the app busy (its people, its history): steps until the panel unfolds.
    wait_for_label(&mut harness, "scan its code with the camera");
    // The address, and its code: an image that says what it holds, for screen readers too.
    let roles: Vec<_> = harness
        .get_all_by_label(&page)
        .map(|n| n.accesskit_node().role())
        .collect();
    assert_eq!(roles.len(), 2, "{roles:?}");
    assert!(roles.contains(&egui::accesskit::Role::Image), "{roles:?}");
    // And the page is there, served by the room this app hosts.
    let mut browser = TcpStream::connect(addr).unwrap();
    browser
        .write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .unwrap();
    let mut answer = String::new();
    browser.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
}

/// Scrolls the message list up, away from its bottom.
fn scroll_up(harness: &mut Harness<'_, CoucouApp>) {
    harness.hover_at(egui::pos2(300.0, 300.0));
    for _ in 0..10 {
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, 200.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: Modifiers::NONE,
        });
        harness.run_steps(30);
    }
}

#[test]
fn hosting_again_shows_the_kept_history_at_its_bottom_with_nothing_new() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "hostess");
    fill(&mut harness, "Host port", "0");
    harness.get_by_label("Host a room").click();
    wait_until(&mut harness, "joined own room", CoucouApp::is_connected);
    let addr = harness.state().hosting_addr().unwrap();
    let mut guest = Plain::join(addr, "guest");
    // Long lines (the room's flood limit lets 20 through at once): more than a window's worth.
    let long = "et puis on en reparle demain matin avant la réunion ".repeat(5);
    for i in 0..20 {
        guest.send(&format!("line {i} {long}"));
    }
    wait_until(&mut harness, "20 lines", |app| has_entry(app, "line 19"));
    // Long rows are measured once drawn: a few frames.
    harness.run_steps(8);
    // Read back up, then close the room and host it again: its history comes back.
    scroll_up(&mut harness);
    harness.get_by_label("Host a room").click();
    harness.run();
    harness.get_by_label("Close the room").click();
    wait_until(&mut harness, "room closed", |app| {
        !app.host_stopping() && app.hosting_addr().is_none()
    });
    drop(guest);
    harness.get_by_label("Host a room").click();
    wait_until(&mut harness, "back in own room", |app| {
        app.is_connected() && has_entry(app, "line 19")
    });
    // Its rows are measured, then shown from the bottom: a few frames.
    harness.run_steps(20);
    assert!(
        harness.query_by_label_contains("new message").is_none(),
        "the history it already showed is not new"
    );
    harness.get_by_label_contains("line 19");
}

#[test]
fn the_name_hosted_as_is_in_the_form_at_the_next_start() {
    let (_dir, config) = temp_config();
    {
        let mut harness = app_at(&config);
        host_as_hostess(&mut harness);
    }
    let harness = app_at(&config);
    assert_eq!(harness.state().form().username, "hostess");
}

#[test]
fn the_room_opens_off_the_ui_thread_which_says_it_is_opening_meanwhile() {
    let (_dir, config) = temp_config();
    // The host's identity is on a disk that takes its time: its certificate is there, its key
    // behind a pipe that nothing writes yet.
    let made = tempfile::tempdir().expect("a temp folder");
    coucou::identity::Identity::load_or_create(made.path()).expect("an identity");
    let kept = coucou::identity::dir_beside(&config);
    std::fs::create_dir_all(&kept).expect("the identity folder");
    let (cert, key) = (coucou::identity::CERT_FILE, coucou::identity::KEY_FILE);
    std::fs::copy(made.path().join(cert), kept.join(cert)).expect("the certificate");
    let made_fifo = std::process::Command::new("mkfifo")
        .arg(kept.join(key))
        .status()
        .expect("mkfifo");
    assert!(made_fifo.success());

    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "hostess");
    fill(&mut harness, "Host port", "0");
    harness.get_by_label("Host a room").click();
    // The window goes on drawing while the room waits for its key.
    harness.run_steps(4);
    assert!(harness.state().host_starting());
    harness.get_by_label("Opening the room…");
    assert!(
        harness
            .get_by_label("Host a room")
            .accesskit_node()
            .is_disabled(),
        "Host waits until the room is up"
    );

    // The key comes: the room opens and the app joins it.
    let key_bytes = std::fs::read(made.path().join(key)).expect("the key");
    std::fs::write(kept.join(key), key_bytes).expect("the key through the pipe");
    wait_until(&mut harness, "joined own room", |app| {
        app.is_connected() && app.hosting_addr().is_some()
    });
    assert!(!harness.state().host_starting());
}

#[test]
fn a_busy_port_is_a_clear_error_and_host_stays_off() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "hostess");
    fill(&mut harness, "Host port", &port.to_string());
    harness.get_by_label("Host a room").click();
    harness.run_steps(2);
    wait_until(&mut harness, "the room given up", |app| {
        !app.host_starting() && app.host_error().is_some()
    });
    harness.get_by_label_contains(&format!("Port {port} is already in use"));
    assert!(harness.state().hosting_addr().is_none());
}

#[test]
fn profiles_save_load_rename_and_delete_on_a_temp_config() {
    let (_dir, config) = temp_config();
    {
        let mut harness = app_at(&config);
        fill(&mut harness, "Username", "alice");
        fill(&mut harness, "Host", "10.1.2.3");
        fill(&mut harness, "Port", "5000");
        fill(&mut harness, "Profile name", "Office");
        harness
            .get_by_role_and_label(Role::Button, "Save profile")
            .click();
        harness.run_steps(2);
        harness.get_by_label("Office");
    }
    let saved = std::fs::read_to_string(&config).unwrap();
    assert!(
        saved.contains("Office") && saved.contains("10.1.2.3"),
        "{saved}"
    );

    let mut harness = app_at(&config);
    let form = harness.state().form().clone();
    assert_eq!(
        (
            form.username.as_str(),
            form.host.as_str(),
            form.port.as_str()
        ),
        ("alice", "10.1.2.3", "5000")
    );
    harness.get_by_label("Selected: Office");

    fill(&mut harness, "Username", "bob");
    harness.get_by_label("Office").click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().form().username,
        "alice",
        "choosing a profile fills the form"
    );

    fill(&mut harness, "New name", "Bureau");
    harness
        .get_by_role_and_label(Role::Button, "Rename")
        .click();
    harness.run_steps(2);
    harness.get_by_label("Bureau");
    assert_eq!(
        harness.state().settings().last_profile.as_deref(),
        Some("Bureau")
    );

    harness
        .get_by_role_and_label(Role::Button, "Delete")
        .click();
    harness.run();
    harness
        .get_by_role_and_label(Role::Button, "Delete profile")
        .click();
    harness.run();
    assert!(harness.query_by_label("Bureau").is_none());
    let saved = std::fs::read_to_string(&config).unwrap();
    assert!(
        !saved.contains("Bureau") && !saved.contains("Office"),
        "{saved}"
    );
}

#[test]
fn a_corrupt_settings_file_is_moved_aside_and_reported_once() {
    let (dir, config) = temp_config();
    std::fs::write(&config, "this is { not toml").unwrap();
    let mut harness = app_at(&config);
    harness.get_by_label_contains("could not be read");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("settings.toml.bak")).unwrap(),
        "this is { not toml"
    );
    harness.get_by_label("OK").click();
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("could not be read")
            .is_none()
    );
}

#[test]
fn the_plain_dialect_shows_lines_as_they_come() {
    let server = start_server();
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    harness.get_by_label("Plain (nc-style)").click();
    harness.run_steps(2);
    connect(&mut harness, "plainuser", server.local_addr());
    wait_until(&mut harness, "welcome line", |app| {
        has_entry(app, "Welcome to Coucou, plainuser!")
    });
    let mut bob = Plain::join(server.local_addr(), "bob");
    send_message(&mut harness, "/me waves");
    assert_eq!(bob.expect("waves"), "* plainuser waves");
    bob.send("hello plain");
    wait_until(&mut harness, "bob's line", |app| {
        has_entry(app, "bob: hello plain")
    });
}

#[test]
fn the_classic_mode_chats_with_the_seeds_c_server() {
    let Some(server) = SeedServer::start() else {
        return;
    };
    let addr = server.addr;
    // bob speaks as the seed's own C client: a 32-byte NUL-padded name, then `name: text` lines.
    let mut bob = Plain::connect(addr);
    bob.send_raw(&coucou::client::classic_name_block("bob"));
    assert_eq!(bob.line(), "bob a rejoint le serveur");

    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    harness.get_by_label("Classic C server").click();
    harness.run_steps(2);
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    // The name arrived whole and alone: no newline inside it, nothing swallowed after it.
    assert_eq!(bob.line(), "alice a rejoint le serveur");
    wait_until(&mut harness, "alice's join", |app| {
        has_entry(app, "alice a rejoint le serveur")
    });

    send_message(&mut harness, "hello classic");
    send_message(&mut harness, "second line");
    assert_eq!(bob.line(), "alice: hello classic");
    assert_eq!(bob.line(), "alice: second line");
    // The server does not echo; the app shows alice's line once, as the others see it.
    let own = |app: &CoucouApp| {
        chat_texts(app)
            .iter()
            .filter(|t| *t == "alice: hello classic")
            .count()
    };
    assert_eq!(own(harness.state()), 1);

    bob.send("bob: hi alice");
    wait_until(&mut harness, "bob's line", |app| {
        has_entry(app, "bob: hi alice")
    });
    // coucou: the classic server answers everyone with a bare "Bonjour", no name, no newline.
    bob.send("bob: coucou");
    wait_until(&mut harness, "the classic Bonjour", |app| {
        chat_texts(app).iter().any(|t| t == "Bonjour")
    });
    assert_eq!(own(harness.state()), 1);
}

#[test]
fn a_server_that_stops_and_comes_back_is_rejoined_with_the_conversation_kept() {
    let server = start_server();
    let addr = server.local_addr();
    let (_dir, config) = temp_config();
    // A short back-off: the test waits for the automatic attempt, not for a second of nothing.
    let mut harness = app_with_backoff(&config, |_| Duration::from_millis(400));
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    send_message(&mut harness, "before the cut");
    wait_until(&mut harness, "echo", |app| has_entry(app, "before the cut"));

    server.stop();
    wait_until(
        &mut harness,
        "waiting to reconnect",
        CoucouApp::is_waiting_to_reconnect,
    );
    harness.get_by_label_contains("Reconnecting in");

    let again = crate::common::restart_at(addr, ServerConfig::default());
    let mut bob = Plain::join(again.local_addr(), "bob");
    bob.send("after the cut");
    wait_until(&mut harness, "reconnected", CoucouApp::is_connected);
    wait_until(&mut harness, "reconnected notice", |app| {
        has_entry(app, "Reconnected.")
    });
    let texts = chat_texts(harness.state());
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("before the cut"))
            .count(),
        1
    );
    assert!(
        texts.iter().any(|t| t.contains("bob: after the cut")),
        "{texts:#?}"
    );
    drop(again);
}

/// An app whose settings say away after `minutes` (0: never), in a busy room, left idle: the
/// delay of the one repaint it asks for.
fn idle_repaint_delay(minutes: u32) -> Duration {
    let server = start_server();
    let (_dir, config) = temp_config();
    std::fs::write(&config, format!("auto_away_minutes = {minutes}\n")).expect("the settings");
    let mut harness = app_at(&config);
    connect(&mut harness, "alice", server.local_addr());
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    let mut bob = Plain::join(server.local_addr(), "bob");
    for i in 0..50 {
        bob.send(&format!(
            "message {i} with enough words to wrap the line at some point maybe"
        ));
    }
    wait_until(&mut harness, "all messages", |app| {
        has_entry(app, "message 49")
    });
    harness.run();
    harness.run_steps(2);
    harness.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay
}

#[test]
fn an_idle_chat_requests_no_repaint_until_auto_away_is_due() {
    // The one wake-up an idle app asks for is when auto-away is due (10 minutes without input)…
    let delay = idle_repaint_delay(10);
    assert!(
        delay > Duration::from_secs(9 * 60) && delay <= Duration::from_secs(10 * 60),
        "an idle app wakes when auto-away is due, not before: {delay:?}"
    );
    // …and with auto-away off it asks for none at all.
    assert_eq!(idle_repaint_delay(0), Duration::MAX);
}

#[test]
fn the_input_line_recalls_what_was_sent_and_counts_bytes_near_the_limit() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    send_message(&mut harness, "first line");
    send_message(&mut harness, "second line");
    wait_until(&mut harness, "echoes", |app| has_entry(app, "second line"));

    harness
        .get_by_role_and_label(Role::TextInput, "Message")
        .focus();
    harness.run_steps(2);
    harness.key_press(Key::ArrowUp);
    harness.run_steps(2);
    assert_eq!(
        harness
            .get_by_role_and_label(Role::TextInput, "Message")
            .value()
            .as_deref(),
        Some("second line")
    );
    harness.key_press(Key::ArrowUp);
    harness.run_steps(2);
    assert_eq!(
        harness
            .get_by_role_and_label(Role::TextInput, "Message")
            .value()
            .as_deref(),
        Some("first line")
    );
    harness.key_press(Key::ArrowDown);
    harness.key_press(Key::ArrowDown);
    harness.run_steps(2);
    assert_eq!(
        harness
            .get_by_role_and_label(Role::TextInput, "Message")
            .value()
            .as_deref(),
        Some("")
    );

    harness
        .get_by_role_and_label(Role::TextInput, "Message")
        .type_text(&"é".repeat(800));
    harness.run_steps(2);
    harness.get_by_label("1600 / 2048 bytes");
    harness
        .get_by_role_and_label(Role::TextInput, "Message")
        .type_text(&"x".repeat(449));
    harness.run_steps(2);
    harness.get_by_label("2049 / 2048 bytes — too long to send");
    assert!(harness.get_by_label("Send").accesskit_node().is_disabled());
}

#[test]
fn the_diagnostics_panel_tests_a_live_and_a_dead_port() {
    let server = start_server();
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    // A screen reader hears whether it is open (AccessKit's; its AT-SPI adapter does not pass it
    // on yet, AccessKit#665).
    let expanded = |harness: &Harness<'_, CoucouApp>| {
        harness
            .get_by_label("Can't find a room?")
            .accesskit_node()
            .data()
            .is_expanded()
    };
    assert_eq!(expanded(&harness), Some(false));
    harness.get_by_label("Can't find a room?").click();
    harness.run_steps(2);
    assert_eq!(expanded(&harness), Some(true));
    harness.get_by_label_contains("This computer's addresses");
    harness.get_by_label_contains("  lo  127.0.0.1");

    for (addr, expected) in [
        (server.local_addr(), "answered in"),
        (dead, "nothing is listening on that port"),
    ] {
        fill(&mut harness, "Host", &addr.ip().to_string());
        fill(&mut harness, "Port", &addr.port().to_string());
        harness.get_by_label("Test host and port").click();
        wait_until(&mut harness, "probe result", |app| app.probe().is_some());
        harness.get_by_label_contains(&format!("{addr} "));
        harness.get_by_label_contains(expected);
    }
}

#[test]
fn scrolled_up_the_list_counts_new_messages_and_jumps_back_to_them() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    let mut bob = Plain::join(server.local_addr(), "bob");
    for i in 0..60 {
        bob.send(&format!("line {i}"));
    }
    wait_until(&mut harness, "60 lines", |app| has_entry(app, "line 59"));
    harness.run();

    // Scroll up, away from the bottom: new lines no longer pull the view down.
    scroll_up(&mut harness);
    assert!(harness.query_by_label_contains("new message").is_none());
    for i in 0..3 {
        bob.send(&format!("later {i}"));
    }
    wait_until(&mut harness, "3 more lines", |app| {
        has_entry(app, "later 2")
    });
    harness.run();
    let button = harness.get_by_label("3 new messages - show");
    assert!(
        button.rect().height() < 2.0 * 14.0,
        "the button is one line: {:?}",
        button.rect()
    );
    button.click();
    // The jump is animated: let it finish.
    harness.run_steps(30);
    assert!(harness.query_by_label_contains("new messages").is_none());
    harness.get(by().label_contains("later 2").role(Role::Label));
    assert!(
        harness
            .get_by_role_and_label(Role::TextInput, "Message")
            .is_focused(),
        "the button gave the keyboard back to the input line"
    );
}

#[test]
fn leaving_keeps_the_conversation_to_read_export_or_rejoin() {
    let server = start_server();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    send_message(&mut harness, "before leaving");
    wait_until(&mut harness, "echo", |app| has_entry(app, "before leaving"));

    harness
        .get_by_role_and_label(Role::Button, "Disconnect")
        .click();
    harness.run_steps(2);
    harness.get_by_label("You left the room.");
    assert!(has_entry(harness.state(), "before leaving"));
    // Read-only: nothing can be sent, and who is here is not claimed.
    harness.get_by_label_contains("Not connected");
    assert!(harness.query_by_label("Disconnect").is_none());
    harness.get_by_role_and_label(Role::Button, "Export transcript…");

    harness
        .get_by_role_and_label(Role::Button, "Rejoin")
        .click();
    wait_until(&mut harness, "rejoined", CoucouApp::is_connected);
    assert!(harness.query_by_label("You left the room.").is_none());
    let texts = chat_texts(harness.state());
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("before leaving"))
            .count(),
        1,
        "rejoining repeats no history: {texts:#?}"
    );
    assert_eq!(harness.state().chat().unwrap().people, ["alice"]);
}

#[test]
fn host_while_in_a_room_asks_first() {
    let server = start_server();
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Host port", "0");
    connect(&mut harness, "alice", server.local_addr());
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    // In a room, the Host fields would read like the room's own: they are hidden.
    assert!(harness.query_by_label("Host port").is_none());
    harness.get_by_label("Host a room").click();
    harness.run();
    harness.get_by_role_and_label(Role::Dialog, "Leave this room to host one?");
    harness.get_by_label("Stay").click();
    harness.run_steps(2);
    assert!(harness.state().is_connected());
    assert!(harness.state().hosting_addr().is_none());
    assert_eq!(server.stats().people, 1);

    harness.get_by_label("Host a room").click();
    harness.run();
    harness.get_by_label("Leave and host").click();
    wait_until(&mut harness, "in own room", |app| {
        app.is_connected() && app.hosting_addr().is_some()
    });
    let own = harness.state().hosting_addr().unwrap();
    // Hosting on loopback only: nobody else could join, and the app says so.
    harness.get_by_label_contains("Only this computer can join");
    assert_eq!(
        harness.state().chat().unwrap().room,
        "Coucou",
        "the conversation on screen is the hosted room's (hosted on {own})"
    );
}

/// Asks the app's window to close, as the window manager's close button does.
fn request_close(harness: &mut Harness<'_, CoucouApp>) {
    harness
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    harness.step();
}

fn viewport_commands(harness: &Harness<'_, CoucouApp>) -> Vec<egui::ViewportCommand> {
    harness
        .output()
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .map(|v| v.commands.clone())
        .unwrap_or_default()
}

#[test]
fn closing_the_window_while_others_are_in_the_hosted_room_asks_first() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "hostess");
    fill(&mut harness, "Host port", "0");
    harness.get_by_label("Host a room").click();
    wait_until(&mut harness, "joined own room", CoucouApp::is_connected);
    let addr = harness.state().hosting_addr().unwrap();
    let _guest = Plain::join(addr, "guest");
    wait_until(&mut harness, "guest joined", |app| {
        has_entry(app, "guest joined")
    });

    request_close(&mut harness);
    assert!(
        viewport_commands(&harness).contains(&egui::ViewportCommand::CancelClose),
        "the close was not held back"
    );
    harness.run();
    harness.get_by_role_and_label(Role::Dialog, "Quit and close the room?");
    harness.get_by_label("Keep hosting").click();
    harness.run();
    assert!(harness.query_by_label("Quit and close the room?").is_none());
    assert!(harness.state().hosting_addr().is_some());

    request_close(&mut harness);
    harness.run();
    harness.get_by_label("Quit and close the room").click();
    harness.step();
    assert!(viewport_commands(&harness).contains(&egui::ViewportCommand::Close));
}

#[test]
fn a_lost_connection_says_so_once_and_can_reconnect_now_or_stop() {
    let server = start_server();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    let _bob = Plain::join(addr, "bob");
    wait_until(&mut harness, "bob", |app| has_entry(app, "bob joined"));

    server.stop();
    wait_until(
        &mut harness,
        "waiting to reconnect",
        CoucouApp::is_waiting_to_reconnect,
    );
    // A few failed attempts (nothing listens now), each one shown in the toolbar, not the chat.
    for _ in 0..2 {
        harness
            .get_by_role_and_label(Role::Button, "Reconnect now")
            .click();
        harness.run_steps(2);
        wait_until(
            &mut harness,
            "the attempt to fail",
            CoucouApp::is_waiting_to_reconnect,
        );
    }
    harness.get_by_label_contains("Last try:");
    let lost = chat_texts(harness.state())
        .iter()
        .filter(|t| t.contains("Connection lost"))
        .count();
    assert_eq!(lost, 1, "one line for the loss, not one per attempt");
    assert!(harness.state().chat().unwrap().people.is_empty());
    harness.get_by_label_contains("Not connected");

    // Back up: "Reconnect now" doesn't wait for the back-off.
    let again = crate::common::restart_at(addr, ServerConfig::default());
    harness
        .get_by_role_and_label(Role::Button, "Reconnect now")
        .click();
    wait_until(&mut harness, "reconnected", CoucouApp::is_connected);
    assert_eq!(harness.state().chat().unwrap().people, ["alice"]);

    // Lost again, and this time the person gives up: the conversation stays, with a way back.
    drop(again);
    wait_until(
        &mut harness,
        "waiting to reconnect",
        CoucouApp::is_waiting_to_reconnect,
    );
    harness
        .get_by_role_and_label(Role::Button, "Cancel")
        .click();
    harness.run_steps(2);
    harness.get_by_label("Not reconnecting.");
    let _third = crate::common::restart_at(addr, ServerConfig::default());
    harness
        .get_by_role_and_label(Role::Button, "Rejoin")
        .click();
    wait_until(&mut harness, "rejoined", CoucouApp::is_connected);
}

#[test]
fn a_draft_stays_with_its_room() {
    let first = start_server();
    let second = start_server();
    let (_dir, mut harness) = connected_app("alice", first.local_addr());
    type_in_input(&mut harness, "draft for the first room");
    disconnect_and_close(&mut harness);

    connect(&mut harness, "alice", second.local_addr());
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "in the second room", CoucouApp::is_connected);
    let mut bob = Plain::join(second.local_addr(), "bob");
    send_message(&mut harness, "hello second");
    assert_eq!(bob.expect("hello second"), "alice: hello second");

    disconnect_and_close(&mut harness);
    connect(&mut harness, "alice", first.local_addr());
    wait_until(
        &mut harness,
        "back in the first room",
        CoucouApp::is_connected,
    );
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::TextInput, "Message");
    assert!(
        harness
            .query_all_by_value("draft for the first room")
            .next()
            .is_some(),
        "the first room's draft is back"
    );
}

#[test]
fn export_without_a_system_dialog_uses_the_apps_own() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    send_message(&mut harness, "worth keeping");
    wait_until(&mut harness, "echo", |app| has_entry(app, "worth keeping"));

    harness
        .get_by_role_and_label(Role::Button, "Export transcript…")
        .click();
    harness.run();
    // Which days: from the conversation's first day to today, as offered.
    harness
        .get_by_role_and_label(Role::Button, "Export…")
        .click();
    wait_for_label(&mut harness, "save dialog could not open");
    let out = tempfile::tempdir().unwrap();
    let missing = out.path().join("no such folder").join("t.txt");
    fill(&mut harness, "File", &missing.display().to_string());
    harness.get_by_role_and_label(Role::Button, "Save").click();
    wait_for_label(&mut harness, "Could not save");

    let path = out.path().join("transcript.txt");
    fill(&mut harness, "File", &path.display().to_string());
    harness.get_by_role_and_label(Role::Button, "Save").click();
    harness.run();
    wait_until(&mut harness, "written", |app| {
        has_entry(app, "Transcript saved to")
    });
    let text = std::fs::read_to_string(&path).expect("the transcript was written");
    assert!(text.contains("alice: worth keeping"), "{text}");
    assert!(has_entry(harness.state(), "Transcript saved to"));
    assert!(
        harness.query_by_label("File").is_none(),
        "the dialog closed"
    );
}

fn choose_notifications(harness: &mut Harness<'_, CoucouApp>, choice: &str) {
    harness
        .get_by_role_and_label(Role::Button, "Settings")
        .click();
    harness.run();
    harness.get_by_label(choice).click();
    harness.run();
    harness.key_press(Key::Escape);
    harness.run();
}

#[test]
fn mentions_and_private_messages_notify_while_in_the_background_and_nothing_else() {
    let server = start_server();
    let addr = server.local_addr();
    let mut bob = Plain::join(addr, "bob");
    bob.send("an old line for alice, before she came");
    bob.expect("before she came");
    let recorder = std::sync::Arc::new(Recorder::default());
    let (_dir, config) = temp_config();
    let mut harness = app_with(&config, Some(NotifierHandle(recorder.clone())));
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    wait_until(&mut harness, "history", |app| {
        has_entry(app, "before she came")
    });
    assert!(recorder.titles().is_empty(), "replayed history notified");

    // In the foreground: nothing.
    bob.send("alice, are you there?");
    wait_until(&mut harness, "mention 1", |app| {
        has_entry(app, "are you there")
    });
    assert!(recorder.titles().is_empty());
    assert_eq!(harness.state().attention_requests(), 0);

    set_focused(&mut harness, false);
    bob.send("alice: lunch?");
    bob.send("no mention here");
    bob.send("/msg alice psst");
    send_message(&mut harness, "my own line, alice");
    wait_until(&mut harness, "all of it", |app| {
        has_entry(app, "psst") && has_entry(app, "my own line")
    });
    assert_eq!(recorder.titles(), ["bob in Coucou", "bob (private)"]);
    assert!(
        recorder
            .0
            .lock()
            .expect("the recorder's lock")
            .iter()
            .all(|n| n.open == "Open"),
        "the button says Open, in the app's language"
    );
    let directs: Vec<_> = recorder
        .0
        .lock()
        .expect("the recorder's lock")
        .iter()
        .map(|n| n.opens.clone())
        .collect();
    assert_eq!(
        directs,
        [Showing::Room, Showing::Direct("bob".to_owned())],
        "a click on the private one opens bob's conversation"
    );
    // Once per frame that brought something (the two may arrive in one frame).
    let requests = harness.state().attention_requests();
    assert!(
        (1..=2).contains(&requests),
        "the urgency hint is requested with them: {requests}"
    );

    // Every message, when chosen in the settings; none when off.
    choose_notifications(&mut harness, "Every message");
    bob.send("no mention again");
    wait_until(&mut harness, "all", |app| {
        has_entry(app, "no mention again")
    });
    assert_eq!(recorder.titles().len(), 3);
    choose_notifications(&mut harness, "None");
    bob.send("alice!!");
    wait_until(&mut harness, "off", |app| has_entry(app, "alice!!"));
    assert_eq!(recorder.titles().len(), 3);
}

#[test]
fn without_a_session_bus_a_real_notification_fails_quietly_and_with_one_it_returns() {
    // Whatever is there, showing must return, not hang or panic; with no session bus at all (CI,
    // a bare X11 session) it fails, saying why, and the app goes on.
    let no_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
        && std::env::var_os("XDG_RUNTIME_DIR")
            .is_none_or(|dir| !std::path::Path::new(&dir).join("bus").exists());
    let (done_tx, done) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("test-notify".into())
        .spawn(move || {
            let shown = coucou::app::notify::show(&Notice {
                title: "Coucou test".into(),
                body: "a test notification".into(),
                open: "Open".into(),
                opens: Showing::Room,
            });
            done_tx.send(shown.map(drop)).ok();
        })
        .unwrap();
    let shown = done
        .recv_timeout(Duration::from_secs(30))
        .expect("showing a notification returns");
    if no_bus {
        let why = shown.expect_err("no session bus: nothing can show it");
        assert!(!why.trim().is_empty(), "the failure says why");
    }
}

#[test]
fn the_username_field_has_the_focus_at_start() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    harness.run_steps(2);
    assert!(
        harness
            .get_by_role_and_label(Role::TextInput, "Username")
            .is_focused()
    );
}

/// The text in the input line.
fn input_text(harness: &Harness<'_, CoucouApp>) -> String {
    harness
        .get_by_role_and_label(Role::TextInput, "Message")
        .value()
        .unwrap_or_default()
}

#[test]
fn tab_completes_names_and_commands_in_the_input_line() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    let _bob = Plain::join(server.local_addr(), "bob");
    let _bobby = Plain::join(server.local_addr(), "bobby");
    wait_until(&mut harness, "bob and bobby", |app| {
        app.chat().unwrap().people.len() == 3
    });
    harness
        .get_by_role_and_label(Role::TextInput, "Message")
        .focus();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::TextInput, "Message")
        .type_text("bo");
    harness.run_steps(2);
    harness.key_press(Key::Tab);
    harness.run_steps(2);
    assert_eq!(input_text(&harness), "bob: ");
    harness.key_press(Key::Tab);
    harness.run_steps(2);
    assert_eq!(input_text(&harness), "bobby: ", "Tab again: the next match");
    assert!(
        harness
            .get_by_role_and_label(Role::TextInput, "Message")
            .is_focused(),
        "Tab kept the focus"
    );

    fill(&mut harness, "Message", "/ni");
    harness.key_press(Key::Tab);
    harness.run_steps(2);
    assert_eq!(input_text(&harness), "/nick ");
}

#[test]
fn ctrl_plus_minus_and_zero_change_the_one_saved_text_size() {
    let (dir, config) = temp_config();
    let mut harness = app_at(&config);
    harness.run_steps(2);
    let start = harness.state().settings().font_size;
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Equals);
    harness.run_steps(2);
    assert_eq!(harness.state().settings().font_size, start + 1.0);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Equals);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Minus);
    harness.run_steps(2);
    assert_eq!(harness.state().settings().font_size, start + 1.0);
    // Saved: a new app with the same settings file starts at that size.
    drop(harness);
    let again = app_at(&config);
    assert_eq!(again.state().settings().font_size, start + 1.0);
    let mut harness = again;
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Num0);
    harness.run_steps(2);
    assert_eq!(
        harness.state().settings().font_size,
        coucou::model::settings::DEFAULT_FONT_SIZE
    );
    // Ctrl + wheel (egui's zoom gesture) steps the same setting.
    harness.event(egui::Event::Zoom(1.1));
    harness.run_steps(2);
    assert_eq!(
        harness.state().settings().font_size,
        coucou::model::settings::DEFAULT_FONT_SIZE + 1.0
    );
    drop(dir);
}

#[test]
fn the_text_size_buttons_step_by_one_point() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    harness
        .get_by_role_and_label(Role::Button, "Settings")
        .click();
    harness.run();
    let start = harness.state().settings().font_size;
    harness.get_by_label("A+").click();
    harness.run();
    assert_eq!(harness.state().settings().font_size, start + 1.0);
    harness.get_by_role_and_label(Role::Button, "A-").click();
    harness.run();
    harness.get_by_role_and_label(Role::Button, "A-").click();
    harness.run();
    assert_eq!(harness.state().settings().font_size, start - 1.0);
}

#[test]
fn day_headings_grouping_and_the_new_since_you_last_looked_line() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    let mut bob = Plain::join(server.local_addr(), "bob");
    bob.send("one");
    bob.send("two");
    wait_until(&mut harness, "two", |app| has_entry(app, "two"));
    harness.run();
    // Today's heading above the first row; bob's two lines under one name.
    let today = coucou::model::transcript::local_day(coucou::protocol::now_ms()).unwrap();
    harness.get_by_label(&coucou::model::transcript::day_heading(
        today,
        coucou::i18n::Lang::En,
    ));
    assert_eq!(harness.query_all_by_label("bob:").count(), 1);
    assert!(
        harness
            .query_by_label("New since you last looked")
            .is_none()
    );

    set_focused(&mut harness, false);
    bob.send("three");
    wait_until(&mut harness, "three", |app| has_entry(app, "three"));
    set_focused(&mut harness, true);
    harness.run();
    harness.get_by_label("New since you last looked");
    // The marker starts a new group: the name shows again.
    assert_eq!(harness.query_all_by_label("bob:").count(), 2);
}

#[test]
fn a_right_click_on_a_message_quotes_it_or_replies_privately() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    let mut bob = Plain::join(server.local_addr(), "bob");
    bob.send("quote me");
    wait_until(&mut harness, "bob's line", |app| has_entry(app, "quote me"));
    harness.run();
    harness.get_by_label("quote me").click_secondary();
    harness.run();
    harness.get_by_label("Quote").click();
    harness.run();
    assert_eq!(input_text(&harness), "> bob: quote me ");

    harness.get_by_label("quote me").click_secondary();
    harness.run();
    harness.get_by_label("Reply privately").click();
    harness.run();
    // bob's direct conversation, its input line empty and ready.
    direct_row(&harness, "bob");
    assert_eq!(
        input_text(&harness),
        "",
        "the quote stays with the room's draft"
    );
}

#[test]
fn a_link_no_browser_can_open_is_copied_and_the_app_says_so() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    let mut bob = Plain::join(server.local_addr(), "bob");
    bob.send("see https://example.org/page");
    wait_until(&mut harness, "bob's link", |app| {
        has_entry(app, "example.org/page")
    });
    harness.run();
    harness.get_by_label("https://example.org/page").click();
    wait_until(&mut harness, "the failure said", |app| {
        has_entry(app, "No browser could open https://example.org/page")
    });
}

#[test]
fn deleting_a_profile_asks_first_and_a_rename_error_shows_beside_its_field() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "alice");
    for name in ["Bureau", "Maison"] {
        fill(&mut harness, "Profile name", name);
        harness
            .get_by_role_and_label(Role::Button, "Save profile")
            .click();
        harness.run();
    }
    harness.get_by_label("Maison").click();
    harness.run();
    fill(&mut harness, "New name", "Bureau");
    harness
        .get_by_role_and_label(Role::Button, "Rename")
        .click();
    harness.run();
    harness.get_by_label("A profile called \"Bureau\" exists already.");
    assert!(
        harness.state().connect_error().is_none(),
        "not under Connect"
    );
    // Choosing a profile again clears it.
    harness.get_by_label("Bureau").click();
    harness.run();
    assert!(harness.query_by_label_contains("exists already").is_none());

    harness
        .get_by_role_and_label(Role::Button, "Delete")
        .click();
    harness.run();
    harness.get_by_role_and_label(Role::Dialog, "Delete the profile \"Bureau\"?");
    harness.get_by_label("Keep").click();
    harness.run();
    assert_eq!(harness.state().settings().profiles.len(), 2);
    harness
        .get_by_role_and_label(Role::Button, "Delete")
        .click();
    harness.run();
    harness
        .get_by_role_and_label(Role::Button, "Delete profile")
        .click();
    harness.run();
    let names: Vec<String> = harness
        .state()
        .settings()
        .profiles
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(names, ["Maison"]);
}

#[test]
fn enlarging_the_window_fills_the_list_without_waiting_for_the_mouse() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    let mut bob = Plain::join(server.local_addr(), "bob");
    for i in 0..60 {
        bob.send(&format!("line number {i:02} with a few words"));
    }
    wait_until(&mut harness, "all lines", |app| {
        has_entry(app, "line number 59")
    });
    harness.run();
    // Taller and wider: rows that come into view are drawn by the frames egui asks for itself.
    harness.set_size(egui::vec2(1400.0, 1400.0));
    harness.run();
    for i in 25..60 {
        harness.get(
            by().label_contains(&format!("line number {i:02} "))
                .role(Role::Label),
        );
    }
}

#[test]
fn with_many_profiles_the_left_panel_scrolls_to_its_buttons() {
    let (_dir, config) = temp_config();
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "[[profiles]]\nname = \"Server {i:02}\"\nhost = \"10.0.0.{i}\"\nport = 4444\n\n"
        ));
    }
    std::fs::write(&config, text).unwrap();
    let mut harness = sized_app(&config, None, [1000.0, 500.0]);
    harness.run();
    harness
        .get_by_role_and_label(Role::Button, "Save profile")
        .scroll_to_me();
    harness.run();
    let rect = harness
        .get_by_role_and_label(Role::Button, "Save profile")
        .rect();
    assert!(
        rect.max.y <= 500.0,
        "Save profile is below the window at {rect:?}"
    );
}

/// The real app at the largest text size in a window of `size` points, connected as alice to
/// `addr`.
fn connected_at_the_largest_text(
    size: [f32; 2],
    addr: std::net::SocketAddr,
) -> (tempfile::TempDir, Harness<'static, CoucouApp>) {
    let (dir, config) = temp_config();
    std::fs::write(&config, "font_size = 28.0\n").expect("settings written");
    let mut harness = sized_app(&config, None, size);
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    (dir, harness)
}

#[test]
fn at_the_largest_text_size_the_people_heading_stays_on_one_line() {
    let server = start_server();
    let (dir, mut harness) = connected_at_the_largest_text([1000.0, 700.0], server.local_addr());
    harness.run();
    let heading = harness.get_by_label("People (1)").rect();
    assert!(
        heading.height() < 28.0 * 1.4 * 1.6,
        "the heading wrapped: {heading:?}"
    );
    drop(dir);
}

#[test]
fn a_cut_connection_comes_back_to_the_same_server_without_duplicating_history() {
    let server = start_server();
    let proxy = crate::common::Proxy::start(server.local_addr());
    let (_dir, mut harness) = connected_app("alice", proxy.addr());
    let mut bob = Plain::join(server.local_addr(), "bob");
    send_message(&mut harness, "before the cut");
    bob.send("bob before the cut");
    wait_until(&mut harness, "both lines", |app| {
        has_entry(app, "bob before the cut") && has_entry(app, "alice: before the cut")
    });

    proxy.cut();
    wait_until(
        &mut harness,
        "waiting to reconnect",
        CoucouApp::is_waiting_to_reconnect,
    );
    bob.send("bob during the cut");
    bob.expect("bob during the cut");
    harness
        .get_by_role_and_label(Role::Button, "Reconnect now")
        .click();
    wait_until(&mut harness, "reconnected", CoucouApp::is_connected);
    wait_until(&mut harness, "what was said during the cut", |app| {
        has_entry(app, "bob during the cut")
    });
    let texts = chat_texts(harness.state());
    for line in [
        "alice: before the cut",
        "bob: bob before the cut",
        "bob: bob during the cut",
    ] {
        assert_eq!(
            texts.iter().filter(|t| t.contains(line)).count(),
            1,
            "{line} once: {texts:#?}"
        );
    }
}

#[test]
fn first_contact_shows_the_rooms_code_and_trusting_it_pins_it_for_next_time() {
    let server = start_server();
    let addr = server.local_addr();
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    connect(&mut harness, "alice", addr);
    wait_until(&mut harness, "the question", |app| {
        app.trust_prompt().is_some()
    });
    let code = crate::common::test_identity().fingerprint();
    harness.get_by_label(&code.code());
    // For a screen reader: a modal dialog named by its question, the focus inside it, on Cancel.
    harness.run_steps(2);
    let dialog = harness.get_by_role_and_label(Role::Dialog, "Trust this room?");
    assert!(dialog.accesskit_node().is_modal());
    assert!(
        harness
            .get_by_role_and_label(Role::Button, "Cancel")
            .accesskit_node()
            .is_focused(),
        "the focus went into the dialog"
    );
    assert_eq!(server.stats().people, 0, "nothing sent before the answer");
    harness
        .get_by_role_and_label(Role::Button, "Trust this room")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    harness.get_by_label("Encrypted, trusted on first use");
    let (saved, _) = coucou::model::settings::load(&config, coucou::i18n::Lang::En);
    assert_eq!(saved.form.pin, Some(code.to_hex()), "the pin is kept");
    assert_eq!(
        saved.pins.get(&addr.to_string()),
        Some(&code.to_hex()),
        "and known by its address, for when it is typed by hand"
    );

    // Next time (the app started again): straight in, no question.
    drop(harness);
    let mut again = app_at(&config);
    again.get_by_role_and_label(Role::Button, "Connect").click();
    again.run_steps(2);
    wait_until(&mut again, "connected", CoucouApp::is_connected);
    assert_eq!(again.state().trust_prompt(), None);
}

#[test]
fn a_changed_identity_warns_with_cancel_first_and_replacing_the_pin_takes_two_steps() {
    let server = start_server();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    server.stop();
    let impostor = coucou::identity::Identity::generate().unwrap();
    let _impostor = crate::common::restart_at(
        addr,
        ServerConfig {
            tls: Some(coucou::tls::server_config(&impostor).unwrap()),
            ..ServerConfig::default()
        },
    );
    wait_until(&mut harness, "the warning", |app| {
        app.pin_mismatch().is_some()
    });
    harness.run();
    harness.get_by_role_and_label(Role::Dialog, "This room's identity changed");
    harness.get_by_label(&format!(
        "Trusted before: {}",
        crate::common::test_identity().fingerprint().code()
    ));
    harness.get_by_label(&format!(
        "Shown now:      {}",
        impostor.fingerprint().code()
    ));
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Trust the new identity")
            .is_none(),
        "replacing the pin needs a deliberate first step"
    );
    assert!(
        harness
            .get_by_role_and_label(Role::Button, "Cancel")
            .is_focused(),
        "Cancel is the default"
    );
    harness
        .get_by_role_and_label(Role::Button, "Cancel")
        .click();
    harness.run();
    assert!(harness.state().pin_mismatch().is_none());
    assert!(!harness.state().is_connected());
    assert_eq!(_impostor.stats().people, 0);

    // Asked again (Rejoin), and this time the person knows the host changed its computer.
    harness
        .get_by_role_and_label(Role::Button, "Rejoin")
        .click();
    wait_until(&mut harness, "the warning again", |app| {
        app.pin_mismatch().is_some()
    });
    harness.run();
    harness
        .get_by_label("The host told me it changed (a new computer, a reinstall)")
        .click();
    harness.run();
    harness
        .get_by_role_and_label(Role::Button, "Trust the new identity")
        .click();
    harness.run_steps(2);
    wait_until(
        &mut harness,
        "connected to the new identity",
        CoucouApp::is_connected,
    );
    assert_eq!(
        harness.state().settings().form.pin,
        Some(impostor.fingerprint().to_hex())
    );
}

#[test]
fn the_badge_says_whether_the_room_is_encrypted_and_how_the_host_was_verified() {
    use coucou::ui::trust::Protection;
    // In clear (a plain server).
    let server = start_server();
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    harness.get_by_label("Plain (nc-style)").click();
    harness.run();
    connect(&mut harness, "plainuser", server.local_addr());
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    harness.get_by_label("Not encrypted");
    assert_eq!(harness.state().protection_now(), Protection::NotEncrypted);
    drop(harness);

    // Encrypted, trusted on first use.
    let (_dir, harness) = connected_app("alice", server.local_addr());
    harness.get_by_label("Encrypted, trusted on first use");
    drop(harness);

    // Encrypted, and the host proved it knows the password.
    let room = start_server_with(ServerConfig {
        password: Some(coucou::protocol::password::RoomKey::new("tournesol").unwrap()),
        ..ServerConfig::default()
    });
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Room password", "tournesol");
    connect(&mut harness, "alice", room.local_addr());
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    harness.get_by_label("Encrypted, verified by password");
    assert_eq!(
        harness.state().protection_now(),
        Protection::VerifiedByPassword
    );
}

#[test]
fn joining_by_address_with_the_right_password_trusts_the_room_without_asking() {
    let room = start_server_with(ServerConfig {
        password: Some(coucou::protocol::password::RoomKey::new("tournesol").unwrap()),
        ..ServerConfig::default()
    });
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Room password", "tournesol");
    connect(&mut harness, "alice", room.local_addr());
    // No question: the room proved it knows the password, as a room found on the network does.
    wait_until(&mut harness, "connected", |app| {
        assert_eq!(app.trust_prompt(), None, "Trust this room? was asked");
        app.is_connected()
    });
    harness.get_by_label("Encrypted, verified by password");
    let target = format!("127.0.0.1:{}", room.local_addr().port());
    assert!(
        harness.state().settings().pins.contains_key(&target),
        "and it is trusted from now on"
    );
}

#[test]
fn a_hosted_room_with_a_password_shows_its_code_and_lets_in_only_who_knows_it() {
    use coucou::client::{ConnectError, ConnectParams, RoomPassword};
    use coucou::protocol::Wire;
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "hostess");
    fill(&mut harness, "Host port", "0");
    harness
        .get_by_role_and_label(Role::Button, "Room options")
        .click();
    harness.run();
    fill(&mut harness, "Password", "tournesol");
    harness.get_by_role_and_label(Role::Button, "Set").click();
    harness.run();
    let kept = harness.state().settings().host_password.clone();
    assert!(kept.as_deref().is_some_and(|k| !k.contains("tournesol")));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(!text.contains("tournesol"), "only the hash is saved");
    harness.get_by_label("Host a room").click();
    harness.run_steps(2);
    wait_until(&mut harness, "joined own room", CoucouApp::is_connected);
    harness.get_by_label("Encrypted, verified by password");
    let addr = harness.state().hosting_addr().unwrap();
    let identity =
        coucou::identity::Identity::load(&coucou::identity::dir_beside(&config)).unwrap();
    harness.get_by_label(&identity.fingerprint().code());
    // Phones join it too, over https only, the password typed into the page: the panel says so.
    harness.get_by_label("From a phone or a browser").click();
    wait_for_label(&mut harness, "the page is over https");
    assert_eq!(
        harness
            .get_all_by_label(&format!("https://{addr}/"))
            .count(),
        2,
        "the address and its code"
    );
    assert!(harness.query_by_label(&format!("http://{addr}/")).is_none());
    harness.get_by_label_contains("the page is over https");

    let join = |password: &str| {
        let (conn, events) = crate::common::app_connect(ConnectParams {
            pin: Some(identity.fingerprint()),
            password: Some(RoomPassword::Typed(password.to_owned())),
            ..ConnectParams::new("127.0.0.1", addr.port(), "guest", Wire::Json)
        });
        (conn, crate::common::outcome(&events))
    };
    let (_wrong, outcome) = join("Tournesol");
    assert!(
        matches!(outcome, Err(ConnectError::Refused { .. })),
        "{outcome:?}"
    );
    let (_right, outcome) = join("tournesol");
    assert!(outcome.unwrap().verified_by_password);
    wait_until(&mut harness, "guest joined", |app| {
        has_entry(app, "guest joined")
    });
}

#[test]
fn a_hosted_room_keeps_its_history_across_host_off_and_on() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    host_as_hostess(&mut harness);
    send_message(&mut harness, "souvenir d'hier");
    wait_until(&mut harness, "echo", |app| {
        has_entry(app, "souvenir d'hier")
    });
    harness.get_by_label("Host a room").click();
    harness.run_steps(2);
    wait_until(&mut harness, "room closed", |app| {
        !app.host_stopping() && app.hosting_addr().is_none()
    });
    harness.get_by_role_and_label(Role::Button, "Close").click();
    harness.run_steps(2);
    harness.get_by_label("Host a room").click();
    harness.run_steps(2);
    wait_until(
        &mut harness,
        "joined own room again",
        CoucouApp::is_connected,
    );
    wait_until(&mut harness, "yesterday's line, from the file", |app| {
        has_entry(app, "souvenir d'hier")
    });
    assert!(coucou::model::settings::history_path(&config).exists());
}

#[test]
fn a_damaged_history_file_is_moved_aside_the_host_is_told_and_the_chat_works() {
    let (_dir, config) = temp_config();
    let history = coucou::model::settings::history_path(&config);
    std::fs::create_dir_all(history.parent().unwrap()).unwrap();
    std::fs::write(&history, vec![0x13; 4096]).unwrap();
    let mut harness = app_at(&config);
    host_as_hostess(&mut harness);
    harness.get_by_label_contains("could not be used");
    let mut aside = history.as_os_str().to_owned();
    aside.push(".corrupt-1");
    assert_eq!(
        std::fs::read(&aside).unwrap(),
        vec![0x13; 4096],
        "kept, never deleted"
    );
    send_message(&mut harness, "ça marche quand même");
    wait_until(&mut harness, "echo", |app| {
        has_entry(app, "ça marche quand même")
    });
}

#[test]
fn in_either_theme_small_text_warnings_and_fields_can_be_read() {
    use coucou::ui::{BORDER_CONTRAST, TEXT_CONTRAST, contrast_ratio, mention_fill, over};
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    harness.run();
    for theme in [egui::Theme::Light, egui::Theme::Dark] {
        // The app's styles, as it set them up for each theme.
        let visuals = harness.ctx.style_of(theme).visuals.clone();
        let panel = visuals.panel_fill;
        let tint = over(mention_fill(&visuals), panel);
        let field_border = over(visuals.widgets.inactive.bg_stroke.color, panel);
        for (what, ratio, least) in [
            (
                "timestamps and hints",
                contrast_ratio(over(visuals.weak_text_color(), panel), panel),
                TEXT_CONTRAST,
            ),
            (
                "warnings and New since…",
                contrast_ratio(visuals.warn_fg_color, panel),
                TEXT_CONTRAST,
            ),
            (
                "a mention's text on its tint",
                contrast_ratio(visuals.text_color(), tint),
                TEXT_CONTRAST,
            ),
            (
                "text in fields",
                contrast_ratio(visuals.text_color(), visuals.text_edit_bg_color()),
                TEXT_CONTRAST,
            ),
            (
                "a field's border",
                contrast_ratio(field_border, panel),
                BORDER_CONTRAST,
            ),
        ] {
            assert!(ratio >= least, "{theme:?}: {what} at {ratio:.1}:1");
        }
    }
}

#[test]
fn an_open_search_leaves_the_input_line_room_to_type_at_the_default_window_size() {
    let server = start_server();
    let (_dir, config) = temp_config();
    let mut harness = sized_app(&config, None, [900.0, 640.0]);
    connect(&mut harness, "alice", server.local_addr());
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    harness.run();
    harness.get_by_role_and_label(Role::TextInput, "Search the room");
    let input = harness
        .get_by_role_and_label(Role::TextInput, "Message")
        .rect()
        .width();
    assert!(input >= 220.0, "the input line is {input} points wide");
    // And its buttons are all there, not pushed out.
    harness.get_by_role_and_label(Role::Button, "Send file…");
}

/// True when the widgets labelled `a` and `b` are on the same row.
fn same_row(harness: &Harness<'_, CoucouApp>, a: &str, b: &str) -> bool {
    let (a, b) = (
        harness.get_by_label(a).rect(),
        harness.get_by_label(b).rect(),
    );
    (a.center().y - b.center().y).abs() < 2.0
}

#[test]
fn the_toolbar_keeps_one_row_at_the_largest_text_size_and_in_french_and_export_stays_reachable() {
    struct Words {
        settings: &'static str,
        host: &'static str,
        more: &'static str,
        export: &'static str,
        from: &'static str,
    }
    let english = Words {
        settings: "Settings",
        host: "Host a room",
        more: "More",
        export: "Export transcript…",
        from: "From",
    };
    let french = Words {
        settings: "Réglages",
        host: "Héberger un salon",
        more: "Plus",
        export: "Exporter la conversation…",
        from: "Du",
    };
    let mut folded = 0;
    for (chosen, words) in [
        ("font_size = 28.0\n", &english),
        ("language = \"fr\"\n", &french),
        ("language = \"fr\"\nfont_size = 24.0\n", &french),
    ] {
        let (_dir, config) = temp_config();
        // Hosting at the default 900 points wide: the toolbar holds the most then.
        let settings = format!("{chosen}host_port = 0\n[form]\nusername = \"hostess\"\n");
        std::fs::write(&config, settings).expect("settings written");
        let mut harness = sized_app(&config, None, [900.0, 640.0]);
        harness.get_by_label(words.host).click();
        harness.run_steps(2);
        wait_until(&mut harness, "joined own room", CoucouApp::is_connected);
        harness.run_steps(3);
        assert!(
            same_row(&harness, words.host, words.settings),
            "{chosen}: the toolbar took two rows"
        );
        if harness.query_by_label(words.export).is_none() {
            folded += 1;
            assert!(same_row(&harness, words.more, words.settings), "{chosen}");
            harness.get_by_label(words.more).click();
            harness.run_steps(2);
        }
        harness.get_by_label(words.export).click();
        harness.run_steps(3);
        assert!(
            harness.query_by_label(words.from).is_some(),
            "{chosen}: export asks which days"
        );
    }
    assert!(
        folded > 0,
        "the largest text folds the conversation's buttons"
    );
}

#[test]
fn at_the_largest_text_size_the_input_row_is_whole() {
    let server = start_server();
    // The window's size at first start.
    let (_dir, mut harness) = connected_at_the_largest_text([900.0, 640.0], server.local_addr());
    // And in the smallest window the app allows.
    for size in [egui::vec2(900.0, 640.0), egui::vec2(560.0, 400.0)] {
        harness.set_size(size);
        harness.run_steps(3);
        let window = egui::Rect::from_min_size(egui::Pos2::ZERO, size);
        for label in ["Message", "Send", "Send file…"] {
            let rect = harness.get_by_label(label).rect();
            assert!(
                window.contains_rect(rect),
                "{size:?}: {label} is cut at the window's edge: {rect:?}"
            );
        }
    }
}

/// The row of `peer` in the room's column of direct conversations.
fn direct_row<'t>(harness: &'t Harness<'_, CoucouApp>, peer: &'t str) -> egui_kittest::Node<'t> {
    harness
        .get_by_role_and_label(Role::List, "Direct messages")
        .get_by_label(peer)
}

#[test]
fn a_private_message_opens_a_direct_conversation_of_its_own_with_its_unread_count() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    harness.get_by_label("None yet: click a name to write to one person.");
    let mut bob = Plain::join(server.local_addr(), "bob");
    wait_until(&mut harness, "bob's join", |app| {
        has_entry(app, "bob joined")
    });
    bob.send("for everyone");
    bob.send("/msg alice psst, just for you");
    wait_until(&mut harness, "bob's private message", |app| {
        has_entry(app, "psst, just for you")
    });
    harness.get_by_role_and_label(Role::Label, "for everyone");
    assert!(
        harness
            .query_by_role_and_label(Role::Label, "psst, just for you")
            .is_none(),
        "not a line in the room"
    );
    direct_row(&harness, "bob");
    harness.get_by_label("1 new");

    // Its conversation: bob's message, and what is typed there goes to bob alone.
    direct_row(&harness, "bob").click();
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Label, "psst, just for you");
    assert!(
        harness
            .query_by_role_and_label(Role::Label, "for everyone")
            .is_none()
    );
    assert!(harness.query_by_label("1 new").is_none(), "seen");
    send_message(&mut harness, "yes, bob?");
    assert_eq!(bob.expect("yes, bob?"), "[private] alice -> bob: yes, bob?");
    wait_until(&mut harness, "the echo", |app| has_entry(app, "yes, bob?"));
    harness.get_by_role_and_label(Role::Label, "yes, bob?");
    // Meanwhile in the room: its row counts what came, and says when it names you.
    bob.send("back in the room");
    bob.send("alice, are you there?");
    wait_until(&mut harness, "bob's room lines", |app| {
        has_entry(app, "are you there")
    });
    harness.get_by_label("2 new, you are named");

    // Back in the room: neither private line is there; a name in the people list opens (or
    // reopens) that person's conversation.
    harness
        .get_by_role_and_label(Role::Button, "# Coucou")
        .click();
    harness.run_steps(2);
    assert!(harness.query_by_label("2 new, you are named").is_none());
    harness.get_by_role_and_label(Role::Label, "alice, are you there?");
    // Alt+Down and Alt+Up move through the column, from the input line too.
    harness.key_press_modifiers(Modifiers::ALT, Key::ArrowDown);
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Label, "yes, bob?");
    harness.key_press_modifiers(Modifiers::ALT, Key::ArrowUp);
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Label, "alice, are you there?");
    assert!(
        harness
            .query_by_role_and_label(Role::Label, "yes, bob?")
            .is_none()
    );
    // A search result shown from a direct conversation brings the room back on screen.
    direct_row(&harness, "bob").click();
    harness.run_steps(2);
    search_for(&mut harness, "everyone");
    wait_until(&mut harness, "the results", |app| {
        app.search_panel().results.is_some()
    });
    // In bob's conversation only the result itself says it.
    harness.get_by_label_contains("for everyone").click();
    wait_until(&mut harness, "the jump", |app| app.jumped_to().is_some());
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Label, "alice, are you there?");
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    let _chloe = Plain::join(server.local_addr(), "chloé");
    wait_until(&mut harness, "chloé's join", |app| {
        has_entry(app, "chloé joined")
    });
    harness
        .get_by_role_and_label(Role::List, "People")
        .get_by_label("chloé")
        .click();
    harness.run_steps(2);
    direct_row(&harness, "chloé");
    send_message(&mut harness, "coucou chloé");
    assert!(
        bob.lines_until("chloé")
            .iter()
            .all(|l| !l.contains("coucou chloé")),
        "bob never sees it"
    );
}
