//! LAN discovery, tested only inside a private network namespace that each test creates for itself
//! (`unshare -n`: loopback alone, up, with multicast), so no multicast ever reaches a real network.
//!
//! Needs root: behind the `netns-tests` feature, which `.ci/run` enables. Each test re-runs itself
//! inside its namespace and checks there that loopback is the only interface before it starts.
#![cfg(feature = "netns-tests")]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{PATIENCE, Plain, coucou, spawn_server};
use coucou::app::{AppOptions, CoucouApp};
use coucou::diagnostics::interfaces;
use coucou::discovery::Advertiser;
use coucou::server::{PeopleHook, Server, ServerConfig};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

const INSIDE: &str = "COUCOU_IN_PRIVATE_NETNS";

/// Re-runs `test` inside a new network namespace; returns true when already inside it.
fn inside_private_netns(test: &str) -> bool {
    if std::env::var_os(INSIDE).is_some() {
        let all_loopback = interfaces().iter().all(|i| i.addr.is_loopback());
        assert!(
            all_loopback,
            "refusing to test discovery outside a private namespace"
        );
        return true;
    }
    let setup = "ip link set lo up && ip link set lo multicast on \
                 && ip route add 224.0.0.0/4 dev lo && exec \"$0\" \"$@\"";
    let status = Command::new("unshare")
        .args(["-n", "bash", "-c", setup])
        .arg(std::env::current_exe().expect("this test binary"))
        // The test's whole name in the one test crate: its module, then its own.
        .arg(format!(
            "{}::{test}",
            module_path!().trim_start_matches("suite::")
        ))
        .args(["--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .status()
        .expect("unshare (util-linux) runs");
    assert!(
        status.success(),
        "{test} failed inside its network namespace"
    );
    false
}

/// `coucou server --advertise` on 127.0.0.1 and a free port.
fn advertised_server(room: &str) -> (Child, u16) {
    spawn_server(&["--advertise", "--room", room])
}

/// `coucou rooms --events`: the child and its lines as they come.
fn watch_rooms(timeout: &str) -> (Child, BufReader<ChildStdout>) {
    let mut child = coucou()
        .args(["rooms", "--events", "--timeout", timeout])
        .stdout(Stdio::piped())
        .spawn()
        .expect("coucou rooms starts");
    let lines = BufReader::new(child.stdout.take().expect("a piped stdout"));
    (child, lines)
}

/// Reads event lines until one starts with `prefix` (bounded by the child's own time-out).
fn next_event(lines: &mut BufReader<ChildStdout>, prefix: &str) -> Option<String> {
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).expect("a line") == 0 {
            return None;
        }
        if line.starts_with(prefix) {
            return Some(line.trim_end().to_owned());
        }
    }
}

/// Whether `coucou rooms --events` sees, within 3 s, a room found or changed whose line `wanted`.
fn announced_within_3_s(wanted: impl Fn(&str) -> bool) -> bool {
    let (mut watch, mut lines) = watch_rooms("3");
    let mut seen = false;
    while let Some(event) = next_event(&mut lines, "+ ") {
        if wanted(&event) {
            seen = true;
            break;
        }
    }
    watch.kill().ok();
    watch.wait().expect("coucou rooms ends");
    seen
}

#[test]
fn coucou_rooms_finds_an_advertised_room_follows_its_count_and_sees_it_go() {
    if !inside_private_netns(
        "coucou_rooms_finds_an_advertised_room_follows_its_count_and_sees_it_go",
    ) {
        return;
    }
    let (mut server, port) = advertised_server("Salle 12");

    // Found within 3 s, with its name, port and people count.
    let (mut watch, mut lines) = watch_rooms("3");
    let found = next_event(&mut lines, "+ ").expect("the room was found within 3 s");
    watch.wait().unwrap();
    let fields: Vec<&str> = found.splitn(3, ' ').collect();
    let secs: f64 = fields[1].parse().unwrap();
    assert!(secs < 3.0, "{found}");
    assert!(
        fields[2].starts_with(&format!("Salle 12\t127.0.0.1:{port}\t0 people\t")),
        "{found}"
    );
    assert!(fields[2].ends_with("\t1 room"), "{found}");

    // The count follows joins.
    let _alice = Plain::join(([127, 0, 0, 1], port).into(), "alice");
    assert!(
        announced_within_3_s(|event| event.contains("\t1 person\t")),
        "the people count went to 1"
    );

    // Gone within 5 s of stopping.
    let (mut watch, mut lines) = watch_rooms("15");
    next_event(&mut lines, "+ ").expect("seen before stopping");
    let stopped = Instant::now();
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());
    let gone = next_event(&mut lines, "- ").expect("the room went away");
    let took = stopped.elapsed();
    assert!(took < Duration::from_secs(5), "gone after {took:?}: {gone}");
    watch.kill().ok();
    watch.wait().ok();
}

#[test]
fn an_advertised_host_says_how_many_rooms_it_has_and_a_room_made_is_counted() {
    if !inside_private_netns(
        "an_advertised_host_says_how_many_rooms_it_has_and_a_room_made_is_counted",
    ) {
        return;
    }
    let (mut server, port) = spawn_server(&[
        "--advertise",
        "--room",
        "Salle 12",
        "--rooms",
        "Projet X,Pause café",
        "--open-rooms",
    ]);
    let (mut watch, mut lines) = watch_rooms("3");
    let found = next_event(&mut lines, "+ ").expect("the room was found within 3 s");
    watch.wait().unwrap();
    assert!(found.ends_with("\t3 rooms"), "{found}");

    // A room made by someone joining it: the record says so.
    let (mut bob, _) = crate::common::Json::join(([127, 0, 0, 1], port).into(), "bob");
    bob.join_room("Cantine");
    assert!(
        announced_within_3_s(|event| event.ends_with("\t4 rooms")),
        "the rooms count went to 4"
    );
    server.kill().ok();
    server.wait().ok();
}

#[test]
fn the_rooms_list_shows_an_advertised_room_and_clicking_it_fills_the_form() {
    if !inside_private_netns(
        "the_rooms_list_shows_an_advertised_room_and_clicking_it_fills_the_form",
    ) {
        return;
    }
    let advertiser = Arc::new(std::sync::OnceLock::<Advertiser>::new());
    let slot = Arc::clone(&advertiser);
    let config = ServerConfig {
        room: "Salle 12".into(),
        on_people: Some(PeopleHook(Arc::new(move |n| {
            if let Some(a) = slot.get() {
                a.set_people(n);
            }
        }))),
        ..ServerConfig::default()
    };
    // An encrypted room with a password, advertising its fingerprint.
    let identity = coucou::identity::Identity::generate().unwrap();
    let config = ServerConfig {
        tls: Some(coucou::tls::server_config(&identity).unwrap()),
        password: Some(coucou::protocol::password::RoomKey::new("tournesol").unwrap()),
        ..config
    };
    let server = Server::start(TcpListener::bind("127.0.0.1:0").unwrap(), config).unwrap();
    let port = server.local_addr().port();
    advertiser
        .set(Advertiser::start("Salle 12", port, 0, Some(&identity.fingerprint()), true).unwrap())
        .ok();

    let dir = tempfile::tempdir().expect("a temp folder");
    let options = AppOptions {
        config_path: Some(dir.path().join("settings.toml")),
        host_bind: std::net::Ipv4Addr::LOCALHOST.into(),
        discovery: true,
        native_dialogs: false,
        open_url: |_| false,
        open_path: |_| false,
        system_lang: coucou::i18n::Lang::En,
        ..AppOptions::default()
    };
    let mut harness = Harness::builder()
        .with_size([1000.0, 700.0])
        // Frames 1/60 s apart, so two clicks one frame apart make a double click (< 0.3 s).
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| CoucouApp::new(&cc.egui_ctx, options));
    step_until(&mut harness, "a room found", |app| !app.rooms().is_empty());
    harness.run_steps(2);
    harness
        .get_by_label(&format!("Salle 12 · 127.0.0.1:{port} · 0 people"))
        .click();
    harness.run_steps(2);
    let form = harness.state().form().clone();
    assert_eq!(form.host, "127.0.0.1");
    assert_eq!(form.port, port.to_string());
    assert!(form.encrypted && form.pin.is_none());
    let found = &harness.state().rooms()[0];
    assert!(found.tls && found.password);
    assert_eq!(found.fingerprint, Some(identity.fingerprint()));

    // Found here, and the password verifies the room: it is trusted without asking.
    harness.get_by_label("Room password").focus();
    harness.run_steps(2);
    harness.get_by_label("Room password").type_text("tournesol");
    harness.run_steps(2);

    // A double click joins.
    harness.get_by_label("Username").focus();
    harness.run_steps(2);
    harness.get_by_label("Username").type_text("guest");
    harness.run_steps(2);
    let row = format!("Salle 12 · 127.0.0.1:{port} · 0 people");
    harness.get_by_label(&row).click();
    harness.step();
    harness.get_by_label(&row).click();
    harness.step();
    let deadline = Instant::now() + PATIENCE;
    while !harness.state().is_connected() {
        assert!(
            Instant::now() < deadline,
            "double click did not join: connecting {}, error {:?}, form {:?}",
            harness.state().is_connecting(),
            harness.state().connect_error(),
            harness.state().form()
        );
        harness
            .state_mut()
            .wait_for_event(Duration::from_millis(200));
        harness.step();
    }
    assert_eq!(server.stats().people, 1);
    assert_eq!(harness.state().trust_prompt(), None, "not asked");
    assert_eq!(
        harness.state().protection_now(),
        coucou::ui::trust::Protection::VerifiedByPassword
    );
    assert_eq!(
        harness.state().settings().form.pin,
        Some(identity.fingerprint().to_hex()),
        "pinned from now on"
    );

    drop(server);
}

/// A clear room on 127.0.0.1:`port` (0: any) announcing itself; the server and its advertiser.
fn announced_room(port: u16) -> (Server, Advertiser) {
    let server = Server::start(
        TcpListener::bind(("127.0.0.1", port)).expect("the port"),
        ServerConfig {
            room: "Salle 7".into(),
            ..ServerConfig::default()
        },
    )
    .expect("the server");
    let port = server.local_addr().port();
    let advertiser = Advertiser::start("Salle 7", port, 0, None, false).expect("the advertiser");
    (server, advertiser)
}

/// Steps the app until `done`, waiting on its events between steps.
fn step_until(harness: &mut Harness<'_, CoucouApp>, what: &str, done: impl Fn(&CoucouApp) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness
            .state_mut()
            .wait_for_event(Duration::from_millis(200));
        harness.step();
    }
}

#[test]
fn a_room_announced_again_is_rejoined_at_once_not_at_the_end_of_the_back_off() {
    if !inside_private_netns(
        "a_room_announced_again_is_rejoined_at_once_not_at_the_end_of_the_back_off",
    ) {
        return;
    }
    let (server, advertiser) = announced_room(0);
    let port = server.local_addr().port();
    let dir = tempfile::tempdir().expect("a temp folder");
    let options = AppOptions {
        config_path: Some(dir.path().join("settings.toml")),
        host_bind: std::net::Ipv4Addr::LOCALHOST.into(),
        discovery: true,
        native_dialogs: false,
        open_url: |_| false,
        open_path: |_| false,
        system_lang: coucou::i18n::Lang::En,
        // An hour between tries: only the announcement can bring the app back in time.
        backoff: |_| Duration::from_secs(3600),
        ..AppOptions::default()
    };
    let mut harness = Harness::builder()
        .with_size([1000.0, 700.0])
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| CoucouApp::new(&cc.egui_ctx, options));
    step_until(&mut harness, "the room found", |app| {
        !app.rooms().is_empty()
    });
    harness.run_steps(2);
    harness.get_by_label("Username").focus();
    harness.run_steps(2);
    harness.get_by_label("Username").type_text("guest");
    harness.run_steps(2);
    let row = format!("Salle 7 · 127.0.0.1:{port} · 0 people");
    harness.get_by_label(&row).click();
    harness.step();
    harness.get_by_label(&row).click();
    harness.step();
    step_until(&mut harness, "joined", CoucouApp::is_connected);

    // The room stops (and says goodbye on the network); the app waits to try again.
    drop(advertiser);
    server.stop();
    step_until(
        &mut harness,
        "waiting to reconnect",
        CoucouApp::is_waiting_to_reconnect,
    );
    // It comes back on the same port and announces itself: the app goes in now.
    let (again, _advertiser) = announced_room(port);
    step_until(&mut harness, "back in", CoucouApp::is_connected);
    assert_eq!(again.stats().people, 1);
}
