//! Helpers for the tests that drive the real app with egui_kittest: a harness on temp settings,
//! filling fields, connecting, and waiting on the app's own event channel (never sleeping).

use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use coucou::app::notify::{Notice, Notifier, NotifierHandle};
use coucou::app::{AppOptions, CoucouApp};
use eframe::egui::accesskit::Role;
use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use crate::common::{self, PATIENCE};

pub fn app_at(config: &Path) -> Harness<'static, CoucouApp> {
    app_with(config, None)
}

pub fn app_with(config: &Path, notifier: Option<NotifierHandle>) -> Harness<'static, CoucouApp> {
    sized_app(config, notifier, [1000.0, 700.0])
}

/// Options for the real app with settings at `config`: no multicast (these tests run on the
/// machine's real network), no system dialogs, no browser.
pub fn test_options(config: &Path) -> AppOptions {
    AppOptions {
        config_path: Some(config.to_path_buf()),
        host_bind: std::net::Ipv4Addr::LOCALHOST.into(),
        discovery: false,
        native_dialogs: false,
        open_url: |_| false,
        open_path: |_| false,
        system_lang: coucou::i18n::Lang::En,
        ..AppOptions::default()
    }
}

/// The real app started with `options`, in a window of `size` points.
pub fn app_from(options: AppOptions, size: [f32; 2]) -> Harness<'static, CoucouApp> {
    common::share_the_processor();
    Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| CoucouApp::new(&cc.egui_ctx, options))
}

/// The real app with settings at `config`, in a window of `size` points (see [`test_options`]).
pub fn sized_app(
    config: &Path,
    notifier: Option<NotifierHandle>,
    size: [f32; 2],
) -> Harness<'static, CoucouApp> {
    app_from(
        AppOptions {
            notifier,
            ..test_options(config)
        },
        size,
    )
}

pub fn temp_config() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let path = dir.path().join("settings.toml");
    (dir, path)
}

/// Steps the app until `done` holds, waiting on its event channel between steps.
pub fn wait_until(
    harness: &mut Harness<'_, CoucouApp>,
    what: &str,
    done: impl Fn(&CoucouApp) -> bool,
) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        harness.run_steps(2);
        if done(harness.state()) {
            harness.run_steps(2);
            return;
        }
        if Instant::now() >= deadline {
            let app = harness.state();
            panic!(
                "timed out waiting for {what}: connected {}, waiting to reconnect {}, error {:?}, \
                 outbox {:?}, last entries {:#?}",
                app.is_connected(),
                app.is_waiting_to_reconnect(),
                app.connect_error(),
                app.chat().map(|c| c.outbox.clone()),
                chat_texts(app).iter().rev().take(6).collect::<Vec<_>>()
            );
        }
        harness
            .state_mut()
            .wait_for_event(Duration::from_millis(200));
    }
}

/// Steps the app until what it shows passes `done` (what answers a click may come from a
/// background thread: the host, this computer's log, a file written), waiting on its event channel
/// between steps.
fn wait_for_view(
    harness: &mut Harness<'_, CoucouApp>,
    what: &str,
    done: impl Fn(&Harness<'_, CoucouApp>) -> bool,
) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        harness.run_steps(2);
        if done(harness) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness
            .state_mut()
            .wait_for_event(Duration::from_millis(200));
    }
}

/// Steps the app until a widget whose label holds `needle` is shown.
pub fn wait_for_label(harness: &mut Harness<'_, CoucouApp>, needle: &str) {
    let what = format!("a widget saying {needle:?}");
    wait_for_view(harness, &what, |h| {
        h.query_by_label_contains(needle).is_some()
    });
}

/// Steps the app until no widget is labelled `label` (what a click asked of the host is done).
pub fn wait_for_no_label(harness: &mut Harness<'_, CoucouApp>, label: &str) {
    let what = format!("{label:?} to go");
    wait_for_view(harness, &what, |h| h.query_by_label(label).is_none());
}

/// Clicks the buttons labelled `labels` one after the other (a menu, then its item…), stepping
/// the app after each.
pub fn click_buttons(harness: &mut Harness<'_, CoucouApp>, labels: &[&str]) {
    for label in labels {
        harness.get_by_role_and_label(Role::Button, label).click();
        harness.run_steps(2);
    }
}

/// Replaces the text of the field labelled `label`.
pub fn fill(harness: &mut Harness<'_, CoucouApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run_steps(2);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.run_steps(2);
    harness.get_by_label(label).type_text(text);
    harness.run_steps(2);
}

pub fn connect(harness: &mut Harness<'_, CoucouApp>, name: &str, addr: SocketAddr) {
    fill(harness, "Username", name);
    fill(harness, "Host", &addr.ip().to_string());
    fill(harness, "Port", &addr.port().to_string());
    harness
        .get_by_role_and_label(Role::Button, "Connect")
        .click();
    harness.run_steps(2);
}

/// First contact with an encrypted room asks whether to trust its code: trusts it (after checking
/// it is the test servers' code), then lets the connection go on. Nothing if nothing is asked.
pub fn trust_if_asked(harness: &mut Harness<'_, CoucouApp>) {
    wait_until(harness, "the trust question or an answer", |app| {
        app.trust_prompt().is_some() || app.is_connected() || app.connect_error().is_some()
    });
    if let Some(code) = harness.state().trust_prompt() {
        assert_eq!(code, common::test_identity().fingerprint());
        harness.get_by_label(&code.code());
        harness
            .get_by_role_and_label(Role::Button, "Trust this room")
            .click();
        harness.run_steps(2);
    }
}

/// Hosts a room on a free port as `hostess`, and waits until the app is in it.
pub fn host_as_hostess(harness: &mut Harness<'_, CoucouApp>) {
    fill(harness, "Username", "hostess");
    fill(harness, "Host port", "0");
    harness.get_by_label("Host a room").click();
    harness.run_steps(2);
    wait_until(harness, "joined own room", CoucouApp::is_connected);
}

/// The real app with settings at `config`, waiting `backoff(attempt)` before each attempt to get back into a
/// room (tests that wait for an automatic reconnection).
pub fn app_with_backoff(
    config: &Path,
    backoff: coucou::app::reconnect::Backoff,
) -> Harness<'static, CoucouApp> {
    app_from(
        AppOptions {
            backoff,
            ..test_options(config)
        },
        [1000.0, 700.0],
    )
}

/// A host the test plays itself, in clear, on a free port of 127.0.0.1: its thread `name` takes
/// one app, reads its hello, then `play`s with what reads the app's lines and what writes to it
/// (reads give up after [`PATIENCE`]). Its address, and the thread with what `play` returned.
pub fn played_host<T: Send + 'static>(
    name: &str,
    play: impl FnOnce(&mut BufReader<TcpStream>, &mut TcpStream) -> T + Send + 'static,
) -> (SocketAddr, std::thread::JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = listener.local_addr().expect("its address");
    let host = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let (mut stream, _) = listener.accept().expect("the app");
            stream.set_read_timeout(Some(PATIENCE)).expect("a time-out");
            let mut reader = BufReader::new(stream.try_clone().expect("a clone"));
            reader.read_line(&mut String::new()).expect("the hello");
            play(&mut reader, &mut stream)
        })
        .expect("the host's thread");
    (addr, host)
}

/// A new app (settings in a temp folder) that connects as `name` to `addr` in clear (Encrypted
/// off), as to a host the test plays itself; the caller waits for what it expects.
pub fn connecting_in_clear(
    name: &str,
    addr: SocketAddr,
) -> (tempfile::TempDir, Harness<'static, CoucouApp>) {
    let (dir, config) = temp_config();
    let mut harness = app_at(&config);
    harness.get_by_label("Encrypted").click();
    harness.run();
    connect(&mut harness, name, addr);
    (dir, harness)
}

/// A new app (settings in a temp folder) connected as `name` to the server at `addr`.
pub fn connected_app(
    name: &str,
    addr: SocketAddr,
) -> (tempfile::TempDir, Harness<'static, CoucouApp>) {
    let (dir, config) = temp_config();
    let mut harness = app_at(&config);
    connect(&mut harness, name, addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    (dir, harness)
}

pub fn chat_texts(app: &CoucouApp) -> Vec<String> {
    app.chat()
        .map(|c| {
            c.entries
                .iter()
                .map(|e| coucou::model::transcript::entry_text(e, coucou::i18n::Lang::En))
                .collect()
        })
        .unwrap_or_default()
}

pub fn has_entry(app: &CoucouApp, needle: &str) -> bool {
    chat_texts(app).iter().any(|t| t.contains(needle))
}

/// Types `text` into the input line, without sending it.
pub fn type_in_input(harness: &mut Harness<'_, CoucouApp>, text: &str) {
    type_into(harness, "Message", text);
}

/// Types `text` into the text field labelled `label`, after giving it the keyboard.
pub fn type_into(harness: &mut Harness<'_, CoucouApp>, label: &str, text: &str) {
    type_into_role(harness, Role::TextInput, label, text);
}

/// Types `text` into the field of role `role` (a text or password input) labelled `label`,
/// after giving it the keyboard.
pub fn type_into_role(harness: &mut Harness<'_, CoucouApp>, role: Role, label: &str, text: &str) {
    harness.get_by_role_and_label(role, label).focus();
    harness.run_steps(2);
    harness.get_by_role_and_label(role, label).type_text(text);
    harness.run_steps(2);
}

/// Opens the search panel (Ctrl+F), types `words` and presses Enter.
pub fn search_for(harness: &mut Harness<'_, CoucouApp>, words: &str) {
    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::TextInput, "Search the room")
        .type_text(words);
    harness.run_steps(1);
    harness.key_press(Key::Enter);
    harness.run_steps(1);
}

/// Types `text` into the input line and presses Enter.
pub fn send_message(harness: &mut Harness<'_, CoucouApp>, text: &str) {
    type_in_input(harness, text);
    harness.key_press(Key::Enter);
    harness.run_steps(2);
}

/// The real app with settings at `config`, in the room at `addr` as `name`.
pub fn joined(config: &Path, name: &str, addr: SocketAddr) -> Harness<'static, CoucouApp> {
    let mut harness = app_at(config);
    connect(&mut harness, name, addr);
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    harness
}

/// Leaves the room on screen and closes its conversation (Disconnect, then Close).
pub fn disconnect_and_close(harness: &mut Harness<'_, CoucouApp>) {
    harness
        .get_by_role_and_label(Role::Button, "Disconnect")
        .click();
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Button, "Close").click();
    harness.run_steps(2);
}

/// Stops the host the app is in, and steps the app until it waits to reconnect.
pub fn lose_the_host(harness: &mut Harness<'_, CoucouApp>, server: coucou::server::Server) {
    server.stop();
    wait_until(
        harness,
        "waiting to reconnect",
        CoucouApp::is_waiting_to_reconnect,
    );
}

/// Records notifications instead of showing them.
#[derive(Default)]
pub struct Recorder(pub std::sync::Mutex<Vec<Notice>>);

impl Notifier for Recorder {
    fn notify(&self, notice: Notice) {
        self.0.lock().expect("the recorder's lock").push(notice);
    }
}

impl Recorder {
    /// The titles of the notifications so far.
    pub fn titles(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("the recorder's lock")
            .iter()
            .map(|n| n.title.clone())
            .collect()
    }
}

/// Tells the app its window has the focus, or not (notifications come only without it).
pub fn set_focused(harness: &mut Harness<'_, CoucouApp>, focused: bool) {
    harness
        .input_mut()
        .viewports
        .entry(eframe::egui::ViewportId::ROOT)
        .or_default()
        .focused = Some(focused);
    harness.run_steps(2);
}
