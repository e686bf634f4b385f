//! Image snapshots of the connect screen and a busy chat view (replies, edits and reactions
//! among its messages), in English and in French, in both themes, a direct conversation in the
//! light theme, a host's named rooms in both themes and both languages, a picture offered (its
//! thumbnail) in both themes, and moderation: an owner's and a moderator's menus on a person and
//! on a message, the Moderation menu in French, and classroom mode seen from a student's app,
//! rendered with wgpu.
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

/// A busy room in `lang` where `by` moderates, with what the host said of it in its own voice: a
/// troll's message removed (its tombstone) and the troll banned, slow mode and classroom mode
/// turned on, and eve's question after.
fn moderated_room(lang: Lang, by: &str) -> coucou::model::ChatModel {
    use coucou::protocol::ServerMsg;
    use coucou::protocol::message::{Chat, LeaveReason};
    use coucou::tr;
    let mut chat = demo_conversation_in(200, START_MS, lang);
    let minute = |n: u64| START_MS + (200 + n) * 60_000;
    let notice = |n: u64, text: String| ServerMsg::Notice {
        id: Some(200 + n),
        time: minute(n),
        text,
    };
    let said = |n: u64, from: &str, text: &str| {
        ServerMsg::Message(Chat {
            id: 200 + n,
            time: minute(n),
            from: from.into(),
            text: text.into(),
            action: false,
            cid: None,
            reply: None,
            edited: false,
            reactions: Vec::new(),
        })
    };
    let spam = "VENEZ TOUS SUR MON SERVEUR !!! http://example.net/gratuit";
    let banned = format!(
        "{} {} {}",
        tr!(lang, "moderation-ban", name = "troll", by = by),
        tr!(lang, "moderation-for", minutes = 60),
        tr!(lang, "moderation-reason", reason = "spam")
    );
    let said_by_host = [
        ServerMsg::Join {
            id: 200,
            time: minute(0),
            name: "troll".into(),
            elsewhere: false,
        },
        said(1, "troll", spam),
        notice(1, tr!(lang, "moderation-deleted", by = by)),
        notice(2, banned),
        ServerMsg::Leave {
            id: 203,
            time: minute(2),
            name: "troll".into(),
            reason: LeaveReason::Disconnected,
        },
        notice(4, tr!(lang, "moderation-slow", by = by, seconds = 30)),
        notice(5, tr!(lang, "moderation-classroom", by = by)),
        said(6, "eve", "on peut reprendre l'exercice 3 ?"),
    ];
    for msg in said_by_host {
        chat.apply(msg, minute(6));
    }
    chat.unread = 0;
    chat
}

/// The app showing [`moderated_room`] as a live room where alice, this person, has `rank`, with
/// the host's answer to her `/bans` last.
fn moderator_app(
    lang: Lang,
    theme: eframe::egui::Theme,
    rank: coucou::ui::moderation::Rank,
) -> (tempfile::TempDir, Harness<'static, CoucouApp>) {
    use coucou::tr;
    let by = "alice";
    let bans = [
        tr!(lang, "notice-bans-title", count = 2),
        format!(
            "  {} {} {}",
            tr!(lang, "notice-ban-line", shown = "troll", by = by),
            tr!(lang, "moderation-for", minutes = 58),
            tr!(lang, "moderation-reason", reason = "spam")
        ),
        format!(
            "  {} {}",
            tr!(lang, "notice-ban-line", shown = "192.168.1.23", by = by),
            lang.tr("moderation-until-lifted")
        ),
    ]
    .join("\n");
    let mut chat = moderated_room(lang, by);
    let time = START_MS + 207 * 60_000;
    let answer = coucou::protocol::ServerMsg::Notice {
        id: None,
        time,
        text: bans,
    };
    chat.apply(answer, time);
    let (dir, mut harness) = app_themed(lang, theme);
    harness.state_mut().show_conversation(chat);
    harness.state_mut().preview_rank(rank);
    harness.run_steps(8);
    (dir, harness)
}

#[test]
fn an_owner_s_menu_on_a_person_offers_kick_ban_mute_and_moderator() {
    use coucou::ui::moderation::Rank;
    use eframe::egui::accesskit::Role;
    use egui_kittest::kittest::Queryable;
    let (_dir, mut harness) = moderator_app(Lang::En, eframe::egui::Theme::Dark, Rank::Owner);
    harness
        .get_by_role_and_label(Role::List, "People")
        .get_by_label("eve")
        .click_secondary();
    harness.run_steps(4);
    harness.get_by_role_and_label(Role::Button, "Ban").click();
    harness.run_steps(4);
    harness.get_by_role_and_label(Role::Button, "For an hour");
    harness.get_by_role_and_label(Role::Button, "Make moderator");
    harness.snapshot("moderator_person_menu");
}

#[test]
fn a_moderator_s_menu_on_a_message_offers_delete() {
    use coucou::ui::moderation::Rank;
    use eframe::egui::accesskit::Role;
    use egui_kittest::kittest::Queryable;
    let (_dir, mut harness) = moderator_app(Lang::En, eframe::egui::Theme::Light, Rank::Host);
    harness
        .get_by_label("on peut reprendre l'exercice 3 ?")
        .click_secondary();
    harness.run_steps(4);
    harness.get_by_role_and_label(Role::Button, "Delete (moderator)");
    harness.snapshot("moderator_message_menu_light");
}

#[test]
fn the_moderation_menu_in_french() {
    use coucou::ui::moderation::Rank;
    use eframe::egui::accesskit::Role;
    use egui_kittest::kittest::Queryable;
    let (_dir, mut harness) = moderator_app(Lang::Fr, eframe::egui::Theme::Dark, Rank::Host);
    harness
        .get_by_role_and_label(Role::Button, "Modération")
        .click();
    harness.run_steps(4);
    harness
        .get_by_role_and_label(Role::Button, "Mode lent")
        .click();
    harness.run_steps(4);
    harness.get_by_role_and_label(Role::Button, "Voir les bannis et les muets");
    harness.snapshot("moderation_menu_fr");
}

#[test]
fn classroom_mode_seen_from_a_student_s_app() {
    use coucou::protocol::ServerMsg;
    use coucou::protocol::message::ErrorCode;
    use egui_kittest::kittest::Queryable;
    let (_dir, mut harness) = app_themed(Lang::En, eframe::egui::Theme::Light);
    // alice is a student here; dmitri teaches, and alice's private message was refused.
    let mut chat = moderated_room(Lang::En, "dmitri");
    let time = START_MS + 207 * 60_000;
    let refused = ServerMsg::Error {
        code: ErrorCode::Muted,
        message: Lang::En.tr("error-classroom-private"),
        label: None,
        cid: None,
    };
    chat.apply(refused, time);
    harness.state_mut().show_conversation(chat);
    harness
        .state_mut()
        .preview_rank(coucou::ui::moderation::Rank::Everyone);
    harness.run_steps(8);
    // Live, a student has no moderator's menus.
    assert!(harness.query_by_label("Moderation").is_none());
    assert!(harness.query_by_label("Send").is_some());
    harness.snapshot("classroom_student_light");
}

/// [`moderator_app`] with the bans and mutes panel open in the people list's place, as the host
/// listed them 207 minutes into the demo: a ban for 58 more minutes with its reason, a ban on an
/// address until lifted, a mute for a day.
fn rules_panel_view(lang: Lang, theme: eframe::egui::Theme, name: &str) {
    use coucou::protocol::message::{ListedRule, RuleKind};
    use coucou::ui::moderation::{Listed, Rank};
    use eframe::egui::accesskit::Role;
    use egui_kittest::kittest::Queryable;
    let (_dir, mut harness) = moderator_app(lang, theme, Rank::Host);
    let time = START_MS + 207 * 60_000;
    let rule = |kind, name: &str, reason: Option<&str>, minutes: Option<u64>| ListedRule {
        kind,
        room: None,
        name: name.into(),
        by: "alice".into(),
        reason: reason.map(Into::into),
        until: minutes.map(|m| time + m * 60_000),
    };
    harness.state_mut().preview_rules(Listed {
        time,
        rules: vec![
            rule(RuleKind::Ban, "troll", Some("spam"), Some(58)),
            rule(RuleKind::Ban, "192.168.1.23", None, None),
            rule(RuleKind::Mute, "marc", None, Some(24 * 60)),
        ],
        more: 0,
    });
    harness.run_steps(8);
    // Each button is named for what it lifts, not by its one word.
    assert!(
        harness
            .query_by_role_and_label(Role::Button, &lang.tr("rules-lift"))
            .is_none()
    );
    let troll = coucou::tr!(lang, "rules-lift-ban", name = "troll");
    harness.get_by_role_and_label(Role::Button, &troll);
    harness.snapshot(name);
}

#[test]
fn the_bans_and_mutes_panel_in_the_dark_theme() {
    rules_panel_view(Lang::En, eframe::egui::Theme::Dark, "rules_panel");
}

#[test]
fn the_bans_and_mutes_panel_in_the_light_theme_in_french() {
    rules_panel_view(Lang::Fr, eframe::egui::Theme::Light, "rules_panel_light_fr");
}
