//! The real app, driven with egui_kittest against a real in-process server on 127.0.0.1: the
//! status menu (away, with a reason, back), auto-away after the set time without input, the
//! people list's states, and the whole interface in French, chosen in settings or switched at
//! run time.

use std::time::Duration;

use crate::app_support::*;
use crate::common::{Json, start_server};
use coucou::app::{AppOptions, CoucouApp};
use coucou::i18n::Lang;
use coucou::protocol::{ClientMsg, ServerMsg};
use eframe::egui::Key;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;

fn away_of_me(app: &CoucouApp) -> Option<(Option<String>, bool)> {
    let chat = app.chat()?;
    chat.away_of(&chat.me)
        .map(|note| (note.reason.clone(), note.auto))
}

/// The app, with these `settings` and a "minute" of `minute`, in the room at `addr` as alice.
fn alice_with_minute(
    addr: std::net::SocketAddr,
    minute: Duration,
    settings: &str,
) -> (tempfile::TempDir, egui_kittest::Harness<'static, CoucouApp>) {
    let (dir, config) = temp_config();
    std::fs::write(&config, settings).expect("settings written");
    let mut harness = app_from(
        AppOptions {
            minute,
            ..test_options(&config)
        },
        [1000.0, 700.0],
    );
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    (dir, harness)
}

/// Clicks the status button (whatever it says now), then the entry `item` in its menu.
fn status_menu(harness: &mut egui_kittest::Harness<'_, CoucouApp>, now: &str, item: &str) {
    harness.get_by_role_and_label(Role::Button, now).click();
    harness.run_steps(2);
    harness.get_by_label(item).click();
    harness.run_steps(2);
}

#[test]
fn the_status_menu_marks_you_away_with_a_reason_and_back_and_the_others_see_it() {
    let server = start_server();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    let (mut bob, _) = Json::join(addr, "bob");
    wait_until(&mut harness, "bob here", |app| {
        app.chat().is_some_and(|c| c.people.len() == 2)
    });

    status_menu(&mut harness, "Status: Available", "Away");
    assert_eq!(
        bob.expect(|m| matches!(m, ServerMsg::Away { .. })),
        ServerMsg::Away {
            name: "alice".into(),
            reason: None,
            auto: false,
            reply: false,
        }
    );
    wait_until(&mut harness, "the room says alice is away", |app| {
        away_of_me(app) == Some((None, false))
    });
    harness.get_by_role_and_label(Role::Button, "Status: Away");
    harness.get_by_role_and_label(Role::Label, "You are away.");

    // A reason, typed in the menu (still open: it closes on a click outside).
    type_into(&mut harness, "Away because", "en réunion");
    harness.get_by_role_and_label(Role::Button, "Set").click();
    harness.run_steps(2);
    assert_eq!(
        bob.expect(|m| matches!(m, ServerMsg::Away { .. })),
        ServerMsg::Away {
            name: "alice".into(),
            reason: Some("en réunion".into()),
            auto: false,
            reply: false,
        }
    );
    wait_until(&mut harness, "the reason is known", |app| {
        away_of_me(app) == Some((Some("en réunion".into()), false))
    });
    // The people list says it in words beside the name.
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    harness.get_by_label("away: en réunion");

    // Bob goes away too: alice's list shows it.
    bob.send(&ClientMsg::Away {
        reason: Some("lunch".into()),
        auto: false,
    });
    wait_until(&mut harness, "bob away", |app| {
        app.chat().is_some_and(|c| c.away_of("bob").is_some())
    });
    harness.get_by_label("away: lunch");

    status_menu(&mut harness, "Status: Away", "Available");
    assert_eq!(
        bob.expect(|m| matches!(m, ServerMsg::Back { .. })),
        ServerMsg::Back {
            name: "alice".into()
        }
    );
    wait_until(&mut harness, "alice back", |app| away_of_me(app).is_none());
    harness.get_by_role_and_label(Role::Button, "Status: Available");
}

#[test]
fn after_the_set_time_without_input_the_app_marks_you_idle_and_back_at_the_next_key() {
    let server = start_server();
    let addr = server.local_addr();
    // Bob is in first: he hears the moment alice goes idle.
    let (mut bob, _) = Json::join(addr, "bob");
    // A "minute" of 20 ms: the default 10 minutes of the setting pass in 200 ms.
    let (_dir, mut harness) = alice_with_minute(addr, Duration::from_millis(20), "");

    wait_until(&mut harness, "alice idle", |app| {
        away_of_me(app) == Some((None, true))
    });
    assert_eq!(
        bob.expect(|m| matches!(m, ServerMsg::Away { .. })),
        ServerMsg::Away {
            name: "alice".into(),
            reason: None,
            auto: true,
            reply: false,
        }
    );
    harness.get_by_role_and_label(Role::Button, "Status: Idle");

    // She touches the keyboard: the app says she is back.
    type_in_input(&mut harness, "me revoilà");
    assert_eq!(
        bob.expect(|m| matches!(m, ServerMsg::Back { .. })),
        ServerMsg::Back {
            name: "alice".into()
        }
    );
    wait_until(&mut harness, "alice back", |app| away_of_me(app).is_none());
}

#[test]
fn with_auto_away_off_the_app_never_marks_you_away() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut bob, _) = Json::join(addr, "bob");
    let (_dir, mut harness) =
        alice_with_minute(addr, Duration::from_millis(1), "auto_away_minutes = 0\n");
    // Long after 1 "minute", a message from alice reaches bob with nothing before it.
    wait_until(&mut harness, "bob here", |app| {
        app.chat().is_some_and(|c| c.people.len() == 2)
    });
    send_message(&mut harness, "toujours là");
    assert_eq!(away_of_me(harness.state()), None);
    let next = bob.expect(|m| !matches!(m, ServerMsg::Join { .. } | ServerMsg::Typing { .. }));
    assert!(
        matches!(&next, ServerMsg::Message(c) if c.text == "toujours là"),
        "{next:?}"
    );
}

#[test]
fn the_interface_is_french_when_the_settings_say_so() {
    let server = start_server();
    let addr = server.local_addr();
    let (_dir, config) = temp_config();
    std::fs::write(&config, "language = \"fr\"\n").expect("settings written");
    let mut harness = app_at(&config);
    // The connect screen.
    harness.get_by_label("Entrer dans un salon");
    harness.get_by_label("Serveurs enregistrés");
    harness.get_by_label("Héberger un salon");
    assert!(harness.query_by_label("Join a room").is_none());
    fill(&mut harness, "Nom d\u{2019}utilisateur", "alice");
    fill(&mut harness, "Hôte", &addr.ip().to_string());
    fill(&mut harness, "Port", &addr.port().to_string());
    harness
        .get_by_role_and_label(Role::Button, "Se connecter")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "the trust question", |app| {
        app.trust_prompt().is_some()
    });
    harness.get_by_role_and_label(Role::Dialog, "Faire confiance à ce salon\u{a0}?");
    harness
        .get_by_role_and_label(Role::Button, "Faire confiance à ce salon")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);

    // The chat screen: plural forms, the app's own notices, the buttons.
    harness.get_by_label("Présents (1)");
    let (mut bob, _) = Json::join(addr, "bob");
    wait_until(&mut harness, "bob here", |app| {
        app.chat().is_some_and(|c| c.people.len() == 2)
    });
    harness.get_by_label("Présents (2)");
    harness.get_by_role_and_label(Role::Label, "bob est arrivé");
    // The screen reader hears it too, in French.
    harness.get_by_role_and_label(Role::Status, "bob est arrivé");
    harness.get_by_role_and_label(Role::Button, "Se déconnecter");
    harness.get_by_role_and_label(Role::Button, "Envoyer");
    harness.get_by_role_and_label(Role::Button, "Statut\u{a0}: Disponible");
    bob.send(&ClientMsg::Typing { active: true });
    wait_until(&mut harness, "bob typing", |app| {
        app.chat()
            .is_some_and(|c| !c.typing_at(coucou::protocol::now_ms()).is_empty())
    });
    harness.get_by_label("bob écrit…");
    let today = chrono::Local::now().date_naive();
    harness.get_by_label(&coucou::model::transcript::day_heading(today, Lang::Fr));
    // /help follows the person's language (the room speaks English), arguments included.
    send_message(&mut harness, "/help");
    wait_until(&mut harness, "the help", |app| {
        has_entry(app, "/msg <nom> <texte>")
    });
    assert!(
        has_entry(harness.state(), "Commandes\u{a0}:"),
        "{:?}",
        chat_texts(harness.state())
    );
    // No English left on screen among the labels checked.
    for english in [
        "People (2)",
        "Disconnect",
        "Send",
        "bob joined",
        "bob is typing…",
    ] {
        assert!(harness.query_by_label(english).is_none(), "{english}");
    }
    assert!(!has_entry(harness.state(), "Commands:"));
}

/// Chooses `choice` in the Settings menu (its button says `settings`) under its language item
/// (which says `current`), then closes the menu.
fn choose_language(
    harness: &mut egui_kittest::Harness<'_, CoucouApp>,
    settings: &str,
    current: &str,
    choice: &str,
) {
    harness
        .get_by_role_and_label(Role::Button, settings)
        .click();
    harness.run_steps(2);
    harness.get_by_label(current).click();
    harness.run_steps(2);
    harness.get_by_label(choice).click();
    harness.run_steps(3);
    harness.key_press(Key::Escape);
    harness.run_steps(2);
}

#[test]
fn switching_the_language_at_run_time_redraws_everything_and_is_kept() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    harness.get_by_label("Join a room");
    choose_language(
        &mut harness,
        "Settings",
        "Language: System (English)",
        "Français",
    );
    harness.get_by_label("Entrer dans un salon");
    harness.get_by_label("Nom d\u{2019}utilisateur");
    harness.get_by_role_and_label(Role::Button, "Réglages");
    assert!(harness.query_by_label("Join a room").is_none());
    assert_eq!(harness.state().settings().language, Some(Lang::Fr));
    assert_eq!(harness.state().lang(), Lang::Fr);

    // Kept: a new start is in French.
    drop(harness);
    let (saved, _) = coucou::model::settings::load(&config, Lang::En);
    assert_eq!(saved.language, Some(Lang::Fr));
    let mut harness = app_at(&config);
    harness.run_steps(2);
    harness.get_by_label("Entrer dans un salon");

    // And back to the system's language.
    choose_language(
        &mut harness,
        "Réglages",
        "Langue\u{a0}: Français",
        "Celle du système (English)",
    );
    harness.get_by_label("Join a room");
    assert_eq!(harness.state().settings().language, None);
}

#[test]
fn away_is_said_again_to_a_room_that_came_back() {
    let server = start_server();
    let addr = server.local_addr();
    let (_dir, config) = temp_config();
    let mut harness = app_with_backoff(&config, |_| Duration::from_millis(200));
    connect(&mut harness, "alice", addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    send_message(&mut harness, "/away à la cantine");
    wait_until(&mut harness, "away", |app| {
        away_of_me(app) == Some((Some("à la cantine".into()), false))
    });

    server.stop();
    wait_until(
        &mut harness,
        "waiting to reconnect",
        CoucouApp::is_waiting_to_reconnect,
    );
    let again = crate::common::restart_at(addr, coucou::server::ServerConfig::default());
    let (mut bob, _) = Json::join(again.local_addr(), "bob");
    wait_until(&mut harness, "reconnected", CoucouApp::is_connected);
    assert_eq!(
        bob.expect(|m| matches!(m, ServerMsg::Away { .. })),
        ServerMsg::Away {
            name: "alice".into(),
            reason: Some("à la cantine".into()),
            auto: false,
            reply: false,
        }
    );
    wait_until(&mut harness, "still away", |app| away_of_me(app).is_some());
}

#[test]
fn a_typist_who_goes_quiet_is_forgotten_after_six_seconds_and_one_who_leaves_at_once() {
    let server = start_server();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    let (mut bob, _) = Json::join(addr, "bob");
    let (mut carol, _) = Json::join(addr, "carol");
    wait_until(&mut harness, "bob and carol here", |app| {
        app.chat().is_some_and(|c| c.people.len() == 3)
    });
    let said_at = std::time::Instant::now();
    bob.send(&ClientMsg::Typing { active: true });
    carol.send(&ClientMsg::Typing { active: true });
    wait_until(&mut harness, "both typing", |app| {
        app.chat()
            .is_some_and(|c| c.typing_at(coucou::protocol::now_ms()).len() == 2)
    });
    // In the order their "typing" came, whichever it was.
    assert!(
        harness
            .query_by_label("bob and carol are typing…")
            .is_some()
            || harness
                .query_by_label("carol and bob are typing…")
                .is_some()
    );

    // Carol's connection ends without a word: she is gone from the line at once.
    drop(carol);
    wait_until(&mut harness, "carol gone", |app| {
        app.chat()
            .is_some_and(|c| c.typing_at(coucou::protocol::now_ms()) == ["bob"])
    });
    harness.get_by_label("bob is typing…");

    // Bob stays, silent, and never says he stopped: the line forgets him by itself, not before
    // TYPING_LASTS_MS after he said it (the wall clock and this one may differ by a few ms).
    wait_until(&mut harness, "bob forgotten", |app| {
        app.chat()
            .is_some_and(|c| c.typing_at(coucou::protocol::now_ms()).is_empty())
    });
    let waited = said_at.elapsed();
    assert!(
        harness.query_by_label("bob is typing…").is_none(),
        "the line is gone from the screen"
    );
    assert!(
        waited.as_millis() + 100 >= u128::from(coucou::protocol::message::TYPING_LASTS_MS),
        "forgotten too soon: {waited:?}"
    );
    drop(bob);
}

#[test]
fn the_host_panel_s_warning_follows_a_change_of_language() {
    let (_dir, config) = temp_config();
    let mut harness = app_at(&config);
    host_as_hostess(&mut harness);
    // The tests host on 127.0.0.1: only this computer can join, and the panel says so.
    harness.get_by_label_contains("Only this computer can join");
    choose_language(
        &mut harness,
        "Settings",
        "Language: System (English)",
        "Français",
    );
    harness.get_by_label_contains("Seul cet ordinateur peut entrer");
    assert!(
        harness
            .query_by_label_contains("Only this computer can join")
            .is_none()
    );
}

#[test]
fn the_apps_own_lines_and_the_offline_header_follow_a_change_of_language() {
    let server = start_server();
    let (_dir, mut harness) = connected_app("alice", server.local_addr());
    send_message(&mut harness, "/away lunch");
    wait_until(&mut harness, "away", |app| {
        has_entry(app, "You are away: lunch.")
    });
    let (bob, _) = Json::join(server.local_addr(), "bob");
    wait_until(&mut harness, "bob's arrival", |app| {
        has_entry(app, "bob joined")
    });
    drop(bob);
    wait_until(&mut harness, "bob's leaving", |app| {
        has_entry(app, "bob left")
    });
    harness
        .get_by_role_and_label(Role::Button, "Disconnect")
        .click();
    harness.run_steps(3);
    harness.get_by_label("You left the room.");

    choose_language(
        &mut harness,
        "Settings",
        "Language: System (English)",
        "Français",
    );
    let app = harness.state();
    for french in [
        "Vous êtes absent\u{a0}: lunch.",
        "bob est arrivé",
        "bob est parti",
    ] {
        assert!(has_entry(app, french), "{french}: {:#?}", chat_texts(app));
    }
    for english in ["You are away", "bob joined", "bob left"] {
        assert!(!has_entry(app, english), "{english} is still on screen");
    }
    harness.get_by_label("Vous avez quitté le salon.");
}
