//! Image snapshots of the connect screen and a busy chat view, in English and in French, and a
//! direct conversation in the light theme, rendered with wgpu.
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
