//! The app hosting a room linked with another site through a real NATS broker (feature
//! `nats-tests`: Debian's `nats-server`, started by the test on 127.0.0.1): the broker's address
//! is checked and kept from Room options, the Host panel says the room is linked, the app's
//! person and someone at the other server see each other (the people list saying who is at the
//! other site) and what they say, and a room made
//! from Room options appears at the other server.
#![cfg(feature = "nats-tests")]

use crate::app_support::{app_at, fill, has_entry, send_message, temp_config, wait_until};
use crate::common::broker::Broker;
use coucou::app::CoucouApp;
use coucou::link::LinkConfig;
use coucou::protocol::{Chat, ClientMsg, ServerMsg};
use coucou::server::ServerConfig;
use eframe::egui::Key;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;

#[test]
fn a_room_hosted_from_the_app_is_one_room_with_another_site_through_the_broker() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let other = crate::common::start_server_with(ServerConfig {
        room: "Salle 12".into(),
        link: Some(LinkConfig {
            url: broker.url(),
            room: "Salle 12".into(),
            origin: "other-site".into(),
        }),
        ..ServerConfig::default()
    });

    let (_config_dir, config) = temp_config();
    let mut harness = app_at(&config);
    fill(&mut harness, "Username", "hostess");
    fill(&mut harness, "Room", "Salle 12");
    fill(&mut harness, "Host port", "0");
    harness
        .get_by_role_and_label(Role::Button, "Room options")
        .click();
    harness.run();
    // Not a broker's address: said, and nothing kept.
    fill(
        &mut harness,
        "Link with other sites (NATS broker)",
        "http://x y",
    );
    harness.key_press(Key::Enter);
    harness.run();
    assert_eq!(
        harness.state().host_error().as_deref(),
        Some("That is not a broker's address: nats://host:port")
    );
    assert_eq!(harness.state().settings().host_broker, None);
    fill(
        &mut harness,
        "Link with other sites (NATS broker)",
        &broker.url(),
    );
    harness.key_press(Key::Enter);
    harness.run();
    assert_eq!(harness.state().settings().host_broker, Some(broker.url()));
    harness.key_press(Key::Escape);
    harness.run();

    harness.get_by_label("Host a room").click();
    wait_until(&mut harness, "joined own room", CoucouApp::is_connected);
    harness.get_by_label_contains(&format!("linked with other sites through {}", broker.url()));

    // Someone at the other site arrives and speaks; the app's person answers.
    let (mut bob, welcome) = crate::common::Json::join(other.local_addr(), "bob");
    assert!(
        matches!(&welcome, ServerMsg::Welcome { users, elsewhere, .. }
            if users.contains(&"hostess".to_owned()) && elsewhere == &["hostess"]),
        "the other site lists the app's person, as at another site: {welcome:?}"
    );
    wait_until(&mut harness, "bob joined", |app| {
        has_entry(app, "bob joined")
    });
    // The people list says bob is at the other site, and of nobody else.
    let people = harness.get_by_role_and_label(Role::List, "People");
    assert_eq!(people.query_all_by_label("(other site)").count(), 1);
    assert!(
        harness
            .state()
            .chat()
            .is_some_and(|c| c.elsewhere.contains("bob") && c.elsewhere.len() == 1)
    );
    bob.send(&ClientMsg::Say {
        text: "hello from the other site".into(),
        cid: None,
    });
    wait_until(&mut harness, "bob's message", |app| {
        has_entry(app, "hello from the other site")
    });
    send_message(&mut harness, "bonjour bob");
    let got =
        bob.expect(|m| matches!(m, ServerMsg::Message(Chat { from, .. }) if from == "hostess"));
    assert!(
        matches!(&got, ServerMsg::Message(Chat { text, .. }) if text == "bonjour bob"),
        "{got:?}"
    );

    // A room added from Room options is made, kept for the next hosting, and appears at the other
    // site: bob finds it there and joins it.
    harness
        .get_by_role_and_label(Role::Button, "Room options")
        .click();
    harness.run();
    fill(&mut harness, "New room", "Pause café");
    harness.get_by_role_and_label(Role::Button, "Add").click();
    // The room's news keeps the app drawing: step until Add is carried out.
    wait_until(&mut harness, "the room added", |app| {
        !app.settings().host_rooms.is_empty()
    });
    let error = harness.state().host_error().unwrap_or_default();
    assert!(!error.contains("could not be made"), "{error}");
    assert_eq!(harness.state().settings().host_rooms, ["Pause café"]);
    bob.send(&ClientMsg::Rooms { label: None });
    bob.expect(|m| match m {
        ServerMsg::RoomMade { name, .. } => name == "Pause café",
        ServerMsg::Rooms { rooms, .. } => rooms.iter().any(|r| r.name == "Pause café"),
        _ => false,
    });
    let welcome = bob.join_room("Pause café");
    assert!(
        matches!(&welcome, ServerMsg::Welcome { room, .. } if room == "Pause café"),
        "{welcome:?}"
    );
}
