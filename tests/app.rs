//! The real app, driven headless with egui_kittest, against real servers on 127.0.0.1.
//!
//! Waiting is done on the app's own event channel (`wait_for_event`, a `recv` with a time-out), never
//! by sleeping. Settings live in a temp folder per test.
#![allow(clippy::unwrap_used)] // reason: tests.

mod common;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{PATIENCE, Plain, SeedServer, start_server, start_server_with};
use coucou::app::model::EntryKind;
use coucou::app::{AppOptions, CoucouApp};
use coucou::server::ServerConfig;
use eframe::egui::{self, Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn app_at(config: &Path) -> Harness<'static, CoucouApp> {
    let options = AppOptions {
        config_path: Some(config.to_path_buf()),
        host_bind: "127.0.0.1".parse().unwrap(),
        // These tests run on the machine's real network: no multicast.
        discovery: false,
    };
    Harness::builder()
        .with_size([1000.0, 700.0])
        .build_eframe(move |cc| CoucouApp::new(&cc.egui_ctx, options))
}

fn temp_config() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.toml");
    (dir, path)
}

/// Steps the app until `done` holds, waiting on its event channel between steps.
fn wait_until(harness: &mut Harness<'_, CoucouApp>, what: &str, done: impl Fn(&CoucouApp) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        harness.run_steps(2);
        if done(harness.state()) {
            harness.run_steps(2);
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness
            .state_mut()
            .wait_for_event(Duration::from_millis(200));
    }
}

/// Replaces the text of the field labelled `label`.
fn fill(harness: &mut Harness<'_, CoucouApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run_steps(2);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.run_steps(2);
    harness.get_by_label(label).type_text(text);
    harness.run_steps(2);
}

fn connect(harness: &mut Harness<'_, CoucouApp>, name: &str, addr: SocketAddr) {
    fill(harness, "Username", name);
    fill(harness, "Host", &addr.ip().to_string());
    fill(harness, "Port", &addr.port().to_string());
    harness.get_by_label("Connect").click();
    harness.run_steps(2);
}

/// A new app (settings in a temp folder) connected as `name` to the server at `addr`.
fn connected_app(name: &str, addr: SocketAddr) -> (tempfile::TempDir, Harness<'static, CoucouApp>) {
    let (dir, config) = temp_config();
    let mut harness = app_at(&config);
    connect(&mut harness, name, addr);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    (dir, harness)
}

fn chat_texts(app: &CoucouApp) -> Vec<String> {
    app.chat()
        .map(|c| {
            c.entries
                .iter()
                .map(coucou::app::transcript::entry_text)
                .collect()
        })
        .unwrap_or_default()
}

fn has_entry(app: &CoucouApp, needle: &str) -> bool {
    chat_texts(app).iter().any(|t| t.contains(needle))
}

fn send_message(harness: &mut Harness<'_, CoucouApp>, text: &str) {
    harness.get_by_label("Message").focus();
    harness.run_steps(2);
    harness.get_by_label("Message").type_text(text);
    harness.run_steps(2);
    harness.key_press(Key::Enter);
    harness.run_steps(2);
}

#[test]
fn fill_the_form_connect_and_chat_with_a_raw_client_both_ways() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    harness.get_by_label("People (1)");

    let mut bob = Plain::join(server.local_addr(), "bob");
    wait_until(&mut harness, "bob's join", |app| {
        has_entry(app, "bob joined")
    });
    assert_eq!(harness.state().chat().unwrap().users, ["alice", "bob"]);

    send_message(&mut harness, "hello from the app");
    assert_eq!(
        bob.expect("hello from the app"),
        "alice: hello from the app"
    );

    bob.send("hi app, see https://example.org");
    wait_until(&mut harness, "bob's message", |app| {
        has_entry(app, "hi app")
    });
    harness.get_by_label_contains("hi app, see");
    harness.get_by_label("https://example.org");

    // Clicking a name starts a private message; /msg reaches only bob.
    harness.get_by_label("bob").click();
    harness.run_steps(2);
    harness.get_by_label("Message").type_text("psst");
    harness.run_steps(2);
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    assert_eq!(bob.expect("[private]"), "[private] alice -> bob: psst");

    // exit alone leaves, as in the seed.
    send_message(&mut harness, "exit");
    assert_eq!(bob.expect("alice"), "*** alice left the room");
    harness.run_steps(2);
    assert!(harness.state().chat().is_none());
    harness.get_by_label("Connect");
}

#[test]
fn the_form_is_checked_before_connecting() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "a");
    fill(&mut harness, "Port", "70000");
    harness.get_by_label("Connect").click();
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
    harness.get_by_label("Connect").click();
    wait_until(&mut harness, "unknown host", |app| {
        app.connect_error()
            .is_some_and(|e| e.contains("no_such_host"))
    });
    harness.get_by_label("Can't find a computer called \"no_such_host\".");

    // Name taken.
    let server = start_server();
    let _alice = Plain::join(server.local_addr(), "alice");
    connect(&mut harness, "ALICE", server.local_addr());
    wait_until(&mut harness, "name refused", |app| {
        app.connect_error().is_some_and(|e| e.contains("taken"))
    });
    harness.get_by_label_contains("Change the username");

    // Room full.
    let full = start_server_with(ServerConfig {
        max_clients: 1,
        ..ServerConfig::default()
    });
    let _only = Plain::join(full.local_addr(), "only");
    connect(&mut harness, "carol", full.local_addr());
    wait_until(&mut harness, "room full", |app| {
        app.connect_error().is_some_and(|e| e.contains("full"))
    });
    harness.get_by_label_contains("the room is full");

    // A server that never answers the hello: the 5 s time-out.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    connect(&mut harness, "carol", silent.local_addr().unwrap());
    harness.get_by_label("Cancel");
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
    harness.get_by_label(&format!("Hosting Salle 12 on {addr} · 1 person"));

    let mut guest = Plain::join(addr, "guest");
    wait_until(&mut harness, "guest joined", |app| {
        has_entry(app, "guest joined")
    });
    harness.get_by_label(&format!("Hosting Salle 12 on {addr} · 2 people"));
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
        harness.get_by_label("Save profile").click();
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
    harness.get_by_label("Rename").click();
    harness.run_steps(2);
    harness.get_by_label("Bureau");
    assert_eq!(
        harness.state().settings().last_profile.as_deref(),
        Some("Bureau")
    );

    harness.get_by_label("Delete").click();
    harness.run_steps(2);
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
fn a_lost_connection_reconnects_without_duplicating_history() {
    let server = start_server();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    send_message(&mut harness, "before the cut");
    wait_until(&mut harness, "echo", |app| has_entry(app, "before the cut"));

    server.stop();
    wait_until(
        &mut harness,
        "waiting to reconnect",
        CoucouApp::is_waiting_to_reconnect,
    );
    harness.get_by_label_contains("Reconnecting in");

    let again =
        coucou::server::Server::start(TcpListener::bind(addr).unwrap(), ServerConfig::default())
            .unwrap();
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

#[test]
fn an_idle_chat_requests_no_repaint() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
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
    let delay = harness.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay;
    assert_eq!(delay, Duration::MAX, "an idle app asks for no repaint");
    assert!(
        harness
            .state()
            .chat()
            .unwrap()
            .entries
            .iter()
            .any(|e| matches!(&e.kind, EntryKind::Chat { own: false, .. }))
    );
}

#[test]
fn the_input_line_recalls_what_was_sent_and_counts_bytes_near_the_limit() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    send_message(&mut harness, "first line");
    send_message(&mut harness, "second line");
    wait_until(&mut harness, "echoes", |app| has_entry(app, "second line"));

    harness.get_by_label("Message").focus();
    harness.run_steps(2);
    harness.key_press(Key::ArrowUp);
    harness.run_steps(2);
    assert_eq!(
        harness.get_by_label("Message").value().as_deref(),
        Some("second line")
    );
    harness.key_press(Key::ArrowUp);
    harness.run_steps(2);
    assert_eq!(
        harness.get_by_label("Message").value().as_deref(),
        Some("first line")
    );
    harness.key_press(Key::ArrowDown);
    harness.key_press(Key::ArrowDown);
    harness.run_steps(2);
    assert_eq!(harness.get_by_label("Message").value().as_deref(), Some(""));

    harness.get_by_label("Message").type_text(&"é".repeat(800));
    harness.run_steps(2);
    harness.get_by_label("1600 / 2048 bytes");
    harness.get_by_label("Message").type_text(&"x".repeat(449));
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
    harness.get_by_label("Can't find a room?").click();
    harness.run_steps(2);
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
    assert!(harness.query_by_label_contains("new message").is_none());
    for i in 0..3 {
        bob.send(&format!("later {i}"));
    }
    wait_until(&mut harness, "3 more lines", |app| {
        has_entry(app, "later 2")
    });
    harness.run();
    harness.get_by_label("3 new messages - show").click();
    // The jump is animated: let it finish.
    harness.run_steps(30);
    assert!(harness.query_by_label_contains("new messages").is_none());
    harness.get_by_label_contains("later 2");
}
