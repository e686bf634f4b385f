//! Image snapshots of the connect screen and a busy chat view (replies, edits and reactions
//! among its messages), in English and in French, in both themes, a direct conversation in the
//! light theme, a host's named rooms in both themes and both languages, and a picture offered
//! (its thumbnail) in both themes, rendered with wgpu.
//!
//! Behind the `snapshots` feature: they need a Vulkan driver (Debian `mesa-vulkan-drivers` gives a
//! software one), which `.ci/run` installs. Times are shown in local time: run with `TZ=UTC`, as
//! `.ci/run` does. `UPDATE_SNAPSHOTS=1` rewrites the images in `tests/snapshots/`.
#![cfg(feature = "snapshots")]

use coucou::app::{AppOptions, CoucouApp};
use coucou::i18n::Lang;
use coucou::model::{demo_conversation, demo_conversation_in};
use egui_kittest::Harness;

/// 2023-11-14 22:13:20 UTC.
const START_MS: u64 = 1_700_000_000_000;

fn app() -> (tempfile::TempDir, Harness<'static, CoucouApp>) {
    app_in(Lang::En)
}

/// The app with `lang` as the system's language.
fn app_in(lang: Lang) -> (tempfile::TempDir, Harness<'static, CoucouApp>) {
    app_themed(lang, eframe::egui::Theme::Dark)
}

/// The app with `lang` as the system's language and `theme` as the system's theme.
fn app_themed(
    lang: Lang,
    theme: eframe::egui::Theme,
) -> (tempfile::TempDir, Harness<'static, CoucouApp>) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let options = AppOptions {
        config_path: Some(dir.path().join("settings.toml")),
        host_bind: std::net::Ipv4Addr::LOCALHOST.into(),
        discovery: false,
        native_dialogs: false,
        open_url: |_| false,
        open_path: |_| false,
        system_lang: lang,
        ..AppOptions::default()
    };
    let harness = Harness::builder()
        .with_size([900.0, 600.0])
        .with_theme(theme)
        .build_eframe(move |cc| CoucouApp::new(&cc.egui_ctx, options));
    (dir, harness)
}

#[test]
fn connect_screen() {
    let (_dir, mut harness) = app();
    harness.run();
    harness.snapshot("connect_screen");
}

#[test]
fn busy_chat_view() {
    let (_dir, mut harness) = app();
    harness
        .state_mut()
        .show_conversation(demo_conversation(200, START_MS));
    // Rows measured as they come into view from the bottom: a few frames.
    harness.run_steps(8);
    harness.snapshot("busy_chat_view");
}

#[test]
fn a_busy_chat_view_in_the_light_theme() {
    let (_dir, mut harness) = app_themed(Lang::En, eframe::egui::Theme::Light);
    harness
        .state_mut()
        .show_conversation(demo_conversation(200, START_MS));
    harness.run_steps(8);
    harness.snapshot("busy_chat_view_light");
}

#[test]
fn connect_screen_in_french() {
    let (_dir, mut harness) = app_in(Lang::Fr);
    harness.run();
    harness.snapshot("connect_screen_fr");
}

#[test]
fn busy_chat_view_in_french() {
    let (_dir, mut harness) = app_in(Lang::Fr);
    harness
        .state_mut()
        .show_conversation(demo_conversation_in(200, START_MS, Lang::Fr));
    // Rows measured as they come into view from the bottom: a few frames.
    harness.run_steps(8);
    harness.snapshot("busy_chat_view_fr");
}

#[test]
fn a_direct_conversation_in_the_light_theme() {
    use egui_kittest::kittest::Queryable;
    let (_dir, mut harness) = app_themed(Lang::En, eframe::egui::Theme::Light);
    harness
        .state_mut()
        .show_conversation(demo_conversation(200, START_MS));
    harness.run_steps(8);
    harness
        .get_by_role_and_label(eframe::egui::accesskit::Role::List, "Direct messages")
        .get_by_label("bob")
        .click();
    // The pointer leaves the window, as after a click and a move to the keyboard.
    harness.event(eframe::egui::Event::PointerGone);
    harness.run_steps(8);
    harness.snapshot("direct_conversation_light");
}

/// A host's rooms as the column shows them: two joined beside the main room (one with news that
/// names you), and two to join (one with a password).
fn demo_rooms(lang: Lang) -> coucou::model::rooms::HostRooms {
    use coucou::model::rooms::{HostRooms, JoinedRoom};
    use coucou::protocol::message::RoomInfo;
    let mut rooms = HostRooms::default();
    for (name, lines, unread) in [("Projet X", 60, 0), ("Pause café", 40, 3)] {
        let mut chat = demo_conversation_in(lines, START_MS, lang);
        chat.room = name.into();
        chat.has_rooms = true;
        let seen = chat.entries.iter().rev().nth(unread).map_or(0, |e| e.key);
        rooms.joined.insert(name.into(), JoinedRoom { chat, seen });
    }
    let info = |name: &str, people, topic: Option<&str>, protected| RoomInfo {
        name: name.into(),
        default: false,
        topic: topic.map(Into::into),
        people,
        joined: false,
        protected,
    };
    rooms.listed = vec![
        info("Projet X", 3, Some("livraison vendredi, salle 12"), false),
        info("Pause café", 5, None, false),
        info("Cantine", 7, Some("menu du jour"), false),
        info("Direction", 2, None, true),
    ];
    rooms
}

/// The app showing a busy main room with the host's rooms, `Projet X` on screen.
fn rooms_view(lang: Lang, theme: eframe::egui::Theme, name: &str) {
    use egui_kittest::kittest::Queryable;
    let (_dir, mut harness) = app_themed(lang, theme);
    let mut main = demo_conversation_in(200, START_MS, lang);
    main.has_rooms = true;
    harness.state_mut().show_conversation(main);
    harness.state_mut().show_rooms(demo_rooms(lang));
    harness.run_steps(2);
    let rooms = if lang == Lang::Fr { "Salons" } else { "Rooms" };
    harness
        .get_by_role_and_label(eframe::egui::accesskit::Role::List, rooms)
        .get_by_label("# Projet X")
        .click();
    harness.event(eframe::egui::Event::PointerGone);
    harness.run_steps(8);
    harness.snapshot(name);
}

#[test]
fn named_rooms_in_the_dark_theme() {
    rooms_view(Lang::En, eframe::egui::Theme::Dark, "rooms_dark");
}

#[test]
fn named_rooms_in_the_light_theme_in_french() {
    rooms_view(Lang::Fr, eframe::egui::Theme::Light, "rooms_light_fr");
}

/// The app showing a busy room whose newest row is a picture bob offered, its copy already in the
/// picture cache: its thumbnail, read as the app reads one.
fn picture_view(theme: eframe::egui::Theme, name: &str) {
    use coucou::protocol::{ServerMsg, message::FileOffer};
    use egui_kittest::kittest::Queryable;
    let (dir, mut harness) = app_themed(Lang::En, theme);
    // A floor plan: pale walls, two rooms, a corridor.
    let (width, height) = (640u32, 400u32);
    let rgba = (0..width * height)
        .flat_map(|i| {
            let (x, y) = (i % width, i / width);
            let wall = x % 320 < 6 || y < 6 || y >= height - 6 || (y / 6 == 33 && x % 320 > 60);
            if wall {
                [40, 50, 70, 255]
            } else if y > 200 {
                [235, 225, 200, 255]
            } else {
                [200, 225, 240, 255]
            }
        })
        .collect();
    let png = coucou::client::picture::png_of(width, height, rgba).expect("a PNG");
    let sha256 = coucou::digest::sha256_hex(&mut &png[..]).expect("a hash");
    let cache = dir.path().join("pictures").join("received");
    std::fs::create_dir_all(&cache).expect("the cache");
    std::fs::write(cache.join(&sha256), &png).expect("the cached copy");
    let mut chat = demo_conversation(60, START_MS);
    let time = START_MS + 61 * 60_000;
    let offer = FileOffer {
        id: 61,
        time,
        file: 1,
        from: "bob".into(),
        to: None,
        name: "plan de salle.png".into(),
        size: png.len() as u64,
        sha256,
    };
    chat.apply(ServerMsg::File(offer), time);
    harness.state_mut().show_conversation(chat);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while harness
        .query_by_label("Picture plan de salle.png")
        .is_none()
    {
        assert!(std::time::Instant::now() < deadline, "the thumbnail");
        harness.run_steps(1);
        harness
            .state_mut()
            .wait_for_event(std::time::Duration::from_millis(100));
    }
    harness.run_steps(8);
    harness.snapshot(name);
}

#[test]
fn a_picture_in_the_chat_view_in_the_dark_theme() {
    picture_view(eframe::egui::Theme::Dark, "picture_dark");
}

#[test]
fn a_picture_in_the_chat_view_in_the_light_theme() {
    picture_view(eframe::egui::Theme::Light, "picture_light");
}
