//! From a screenshot pasted in one app to its thumbnail in another: two real apps (egui_kittest,
//! headless) in a real room on 127.0.0.1 that takes files. A 3840 × 2160 screenshot is pasted in
//! alice's app (Ctrl+V's event); the time until bob's app shows it as a thumbnail (encoded as a
//! PNG shrunk to 2560 pixels, measured, offered, uploaded, fetched, checked, read, drawn).
//! Printed for BENCHMARKS.md: each of 5 rounds, then the median and the worst.
#![allow(clippy::unwrap_used, missing_docs)] // reason: a benchmark binary.

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use coucou::app::{AppOptions, CoucouApp};
use coucou::server::{FilesConfig, Server, ServerConfig};
use eframe::egui::accesskit::Role;
use eframe::egui::{Color32, ColorImage, Event, Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{By, NodeT, Queryable};

const SIDE: [usize; 2] = [3840, 2160];
const ROUNDS: usize = 5;

/// The real app as `name`, its settings and pictures under `dir`, in the room at `addr`.
fn joined(dir: &Path, name: &str, addr: std::net::SocketAddr) -> Harness<'static, CoucouApp> {
    let options = AppOptions {
        config_path: Some(dir.join(name).join("settings.toml")),
        host_bind: std::net::Ipv4Addr::LOCALHOST.into(),
        discovery: false,
        native_dialogs: false,
        open_url: |_| false,
        open_path: |_| false,
        system_lang: coucou::i18n::Lang::En,
        downloads_dir: Some(dir.join(name).join("Downloads")),
        ..AppOptions::default()
    };
    let mut app = Harness::builder()
        .with_size([1000.0, 700.0])
        .build_eframe(move |cc| CoucouApp::new(&cc.egui_ctx, options));
    for (label, text) in [
        ("Username", name.to_owned()),
        ("Host", addr.ip().to_string()),
        ("Port", addr.port().to_string()),
    ] {
        app.get_by_label(label).focus();
        app.run_steps(2);
        app.key_press_modifiers(Modifiers::COMMAND, Key::A);
        app.run_steps(2);
        app.get_by_label(label).type_text(&text);
        app.run_steps(2);
    }
    app.get_by_role_and_label(Role::Button, "Connect").click();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !app.state().is_connected() {
        // The room is new to this app: its code is trusted on first use.
        if let Some(trust) = app.query_by_role_and_label(Role::Button, "Trust this room") {
            trust.click();
        }
        let error = app.state().connect_error().map(str::to_owned);
        assert!(
            Instant::now() < deadline,
            "{name} joins the room: {error:?}"
        );
        app.run_steps(1);
        app.state_mut().wait_for_event(Duration::from_millis(50));
    }
    app
}

/// A screenshot of `SIDE`: a desktop's flat panels and title bars, with lines of text-like
/// speckle (what makes a real screenshot's PNG a few MB), different in each round.
fn screenshot(round: usize) -> ColorImage {
    let [width, height] = SIDE;
    let mut seed = 0x9e37_79b9_u32.wrapping_add(round as u32);
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        for x in 0..width {
            let panel = (x / 640 + y / 360 + round) % 4;
            let base = match panel {
                0 => Color32::from_rgb(246, 246, 246),
                1 => Color32::from_rgb(32, 36, 44),
                2 => Color32::from_rgb(220, 232, 250),
                _ => Color32::from_rgb(255, 255, 255),
            };
            let text_line = y % 24 < 14 && x % 640 > 24 && x % 640 < 560;
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            pixels.push(if text_line && seed.is_multiple_of(5) {
                Color32::from_gray((seed >> 8) as u8 / 2)
            } else {
                base
            });
        }
    }
    ColorImage::new(SIDE, pixels)
}

/// The thumbnails bob's app draws now (by their accessibility node).
fn thumbnails(app: &Harness<'static, CoucouApp>) -> HashSet<String> {
    app.query_all(
        By::new()
            .role(Role::Image)
            .label_contains("Picture Screenshot"),
    )
    .map(|node| format!("{:?}", node.accesskit_node().id()))
    .collect()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let identity = coucou::identity::Identity::generate().unwrap();
    let server = Server::start(
        listener,
        ServerConfig {
            files: Some(FilesConfig::in_dir(dir.path().join("host-files"))),
            tls: Some(coucou::tls::server_config(&identity).unwrap()),
            ..ServerConfig::default()
        },
    )
    .unwrap();
    let addr = server.local_addr();
    let mut alice = joined(dir.path(), "alice", addr);
    let mut bob = joined(dir.path(), "bob", addr);

    let mut took = Vec::new();
    for round in 0..ROUNDS {
        let image = Arc::new(screenshot(round));
        let before = thumbnails(&bob);
        let start = Instant::now();
        alice.input_mut().events.push(Event::PasteImage(image));
        loop {
            alice.run_steps(1);
            bob.run_steps(1);
            if thumbnails(&bob).difference(&before).next().is_some() {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "round {round}");
            // Waits on either app's events, one then the other, a millisecond at a time.
            alice.state_mut().wait_for_event(Duration::from_millis(1));
            bob.state_mut().wait_for_event(Duration::from_millis(1));
        }
        let elapsed = start.elapsed();
        println!("round {round}: pasted in alice's app, thumbnail in bob's after {elapsed:.2?}");
        took.push(elapsed);
    }
    took.sort();
    println!(
        "paste_to_thumbnail 3840x2160: median {:.2?}, worst {:.2?} ({ROUNDS} rounds)",
        took[ROUNDS / 2],
        took[ROUNDS - 1]
    );
}
