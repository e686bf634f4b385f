//! The desktop app: owns the connection, the hosted server, the chat model and the settings, and
//! applies what the views ask for.
//!
//! The UI thread never waits on the network or a slow disk: connections, opening and closing the
//! hosted room, measuring files and writing exports run on named background threads that report
//! over crossbeam channels and wake the UI with `ctx.request_repaint()`; [`eframe::App::logic`]
//! drains them with `try_iter`. The only blocking calls on the UI thread are reading and writing
//! the small settings file, rfd's dialogs, and making (not filling) an export's file.

mod asked;
mod conversation;
mod export;
mod files;
mod history;
pub mod hosting;
pub mod notify;
mod presence;
pub mod reconnect;
mod style;
pub mod transfers;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use eframe::egui;

use crate::client::Security;
use crate::client::{ClientEvent, ConnectParams, Connection};
use crate::diagnostics::{self, InterfaceInfo, Probe};
use crate::discovery::{self, Browser, DiscoveryEvent, RoomInfo};
use crate::i18n::Lang;
use crate::identity::Fingerprint;
use crate::journal::{Journal, JournalEvent};
use crate::model::form::{self, ConnectForm};
use crate::model::settings::{Preference, Settings};
use crate::model::{ChatModel, EntryKind, settings};
use crate::protocol::Wire;
use crate::protocol::password::RoomKey;
use crate::protocol::{Command, DEFAULT_PORT, now_ms};
use crate::server::StoreConfig;
use crate::tr;
use crate::ui::chat::{ChatStatus, Composer, chat_ui};
use crate::ui::connect::{ConnectBuffers, ConnectView};
use crate::ui::dialogs::{Decided, Dialogs, DialogsView, PathPurpose, dialogs_ui};
use crate::ui::messages::ListLayout;
use crate::ui::search::SearchPanel;
use crate::ui::toolbar::{HostBusy, ToolbarBuffers, ToolbarView, toolbar_ui};
use crate::ui::trust::Protection;
use crate::ui::{Action, FileAction, connect};
use crate::{EventSink, Waker};
use asked::Asked;
use hosting::{Host, HostNote, HostRequest, HostStart, Hosting, Started};
use notify::{DesktopNotifier, NotifierHandle};
use reconnect::{Due, Reconnect, Stage};
use style::zoom_keys;
use transfers::Transfers;

/// What the app is told at start.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// Where settings live; `None` for the system's config folder. Tests pass a temp path.
    pub config_path: Option<PathBuf>,
    /// The address the Host toggle listens on: every interface by default, so the LAN can join.
    pub host_bind: IpAddr,
    /// Whether the app may use LAN discovery (mDNS) at all, when the settings ask for it. Tests that
    /// are not inside their own network namespace pass `false`.
    pub discovery: bool,
    /// Whether to try the system's file dialogs (rfd). When `false`, or when they can't open, the
    /// app's own save dialog is used. Tests pass `false`.
    pub native_dialogs: bool,
    /// Where desktop notifications go; `None` for the desktop's own (notify-rust). Tests pass one
    /// that records them.
    pub notifier: Option<NotifierHandle>,
    /// Opens a web address in the browser; false when none could. Tests pass one that opens nothing.
    pub open_url: fn(&str) -> bool,
    /// Opens a file or a folder with what the system opens it with; false when nothing could.
    /// Tests pass one that opens nothing.
    pub open_path: fn(&std::path::Path) -> bool,
    /// The wait before each attempt to get back into a room: [`reconnect::backoff`] (1 s doubling up to
    /// 30 s). Tests that wait for an automatic reconnection pass a shorter one.
    pub backoff: reconnect::Backoff,
    /// The system's language, used unless the settings choose one: [`Lang::system`]. Tests pass
    /// English, so that they read the same on any machine.
    pub system_lang: Lang,
    /// How long a minute of the auto-away setting lasts: 60 s. Tests that wait for auto-away pass
    /// a short one.
    pub minute: Duration,
    /// Where downloads go; `None`: the user's downloads folder. Tests pass a temp folder.
    pub downloads_dir: Option<PathBuf>,
    /// What *Send file…* offers; `None`: the file the system's dialog picks. Tests pass one
    /// that answers a file of theirs.
    pub pick_file: Option<FilePicker>,
}

/// Chooses a file to offer, instead of the system's file dialog.
#[derive(Clone)]
pub struct FilePicker(pub std::sync::Arc<dyn Fn() -> Option<PathBuf> + Send + Sync>);

impl std::fmt::Debug for FilePicker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FilePicker")
    }
}

/// Opens `url` with the system's browser (the `webbrowser` crate, as eframe does).
pub fn open_in_browser(url: &str) -> bool {
    webbrowser::open(url).is_ok()
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            config_path: None,
            host_bind: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            discovery: true,
            native_dialogs: true,
            notifier: None,
            open_url: open_in_browser,
            open_path: files::open_with_system,
            backoff: reconnect::backoff,
            system_lang: Lang::system(),
            minute: Duration::from_secs(60),
            downloads_dir: None,
            pick_file: None,
        }
    }
}

/// What a reachability test was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbeKind {
    /// The connect form's host:port.
    Form,
    /// One of the hosted room's addresses.
    Hosting,
}

/// How long a reachability test waits for an answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Everything the app's background threads tell it, on one channel: each thread gets an
/// [`EventSink`] that wraps its own kind of event.
#[derive(Debug)]
enum AppEvent {
    /// From a connection to a room.
    Client(ClientEvent),
    /// A room found or gone on the LAN.
    Discovery(DiscoveryEvent),
    /// A reachability test ended.
    Probe(ProbeKind, Probe),
    /// A transcript was written to this path (with this many messages from the log), or not.
    Exported {
        /// Where.
        path: PathBuf,
        /// How many messages, when they came from this computer's log.
        count: Option<usize>,
        /// How it went.
        written: Result<(), String>,
    },
    /// The room asked for (this app joining it as this name) opened, or could not.
    HostStarted(String, Box<Result<Started, String>>),
    /// The hosted room has stopped and its port is free.
    HostStopped,
    /// A desktop notification was clicked.
    NoticeClicked,
    /// No browser could open this web address.
    UrlFailed(String),
    /// Nothing could open this file or folder.
    PathFailed(PathBuf),
    /// From this computer's log of conversations.
    Journal(JournalEvent),
    /// A file to offer (to one person, or the room) was measured (size, SHA-256), or could not
    /// be read.
    Measured(PathBuf, Option<String>, Result<(u64, String), String>),
    /// From a file transfer.
    Transfer(crate::client::transfer::TransferEvent),
}

/// The Coucou desktop app.
pub struct CoucouApp {
    options: AppOptions,
    /// Persistent settings, saved when they change.
    settings: Settings,
    /// Where they are saved; `None` when there is nowhere (or the file could not be moved aside).
    settings_path: Option<PathBuf>,
    /// Shown once: the settings file could not be read, or saved.
    warning: Option<String>,

    connect: ConnectBuffers,
    /// The profile the form was filled from.
    selected_profile: Option<String>,
    /// Connect was pressed: show every field's problem.
    tried: bool,
    /// The last connection error, in words, shown under the form.
    connect_error: Option<String>,

    /// What the current or last connection was for; reused to reconnect.
    params: Option<ConnectParams>,
    conn: Option<Connection>,
    next_conn_id: u64,
    /// Where the connection stands, and its back-off (a pure state machine).
    reconnect: Reconnect,

    /// The conversation on screen: while in a room, and after leaving it until it is closed.
    chat: Option<ChatModel>,
    /// Why the conversation on screen is not live (left, closed, not reconnecting); `None` while
    /// in the room or getting back into it.
    offline: Option<String>,
    /// Which room the conversation on screen is (`host:port`), for its draft.
    chat_key: String,
    /// Unsent drafts of the conversations not on screen, by room (`host:port`).
    drafts: HashMap<String, String>,
    /// Why the last attempt to reconnect failed, while waiting to try again.
    reconnect_failure: Option<String>,
    layout: ListLayout,
    composer: Composer,

    /// The room this app hosts, and what the Host panel says of it.
    host: Host,
    host_buffers: ToolbarBuffers,
    /// The dialogs open over the window.
    dialogs: Dialogs,
    /// What the room is told of this person's typing and presence.
    presence: presence::Presence,
    /// How far the connection on screen is protected, once connected.
    security: Option<Security>,

    /// This machine's interfaces, listed at start and at each test.
    interfaces: Vec<InterfaceInfo>,
    /// The last test of the form's host:port.
    probe: Option<Probe>,
    /// Tests still running.
    probes_running: usize,
    /// Browsing for rooms, while discovery is on.
    browser: Option<Browser>,
    /// Rooms found on the network, in the order found.
    rooms: Vec<RoomInfo>,

    /// Where background threads send what they have to tell (through an [`EventSink`]).
    events_tx: Sender<AppEvent>,
    /// Drained each frame.
    events_rx: Receiver<AppEvent>,
    /// Wakes the UI after each event.
    waker: Waker,
    /// The window title last sent, so it is only sent when it changes.
    title: String,
    /// Desktop notifications, if there is any way to show them.
    notifier: Option<NotifierHandle>,
    /// A notification was clicked: bring the window forward at the next frame.
    focus_requested: bool,
    /// The window had the focus at the last frame.
    focused: bool,
    /// Something arrived that asks for the person's attention: request it at the next frame.
    wants_attention: bool,
    /// How many times the window's attention was requested (for tests).
    attention_requests: usize,
    /// Text for the clipboard, copied at the next frame (a link no browser could open).
    to_clipboard: Option<String>,
    /// The search panel (Ctrl+F).
    search: SearchPanel,
    /// A search result to show once the older pages that hold it have come.
    pending_jump: Option<u64>,
    /// This computer's log of conversations, when there is a settings folder to keep it in.
    journal: Option<Journal>,
    /// The days to export next, in milliseconds since the Unix epoch (first, last), once chosen.
    export_range: Option<(u64, u64)>,
    /// This person's files: offers queued and awaited, uploads, downloads, threads running.
    transfers: Transfers,
    /// The labels of the requests the room is to answer on the connection on screen.
    asked: Asked,
    /// The outbox this computer's log holds last: its key, and its messages' client ids.
    outbox_saved: Option<(String, Vec<crate::protocol::message::Cid>)>,
}

/// The window title: the room, and the unread count while the window is not focused.
pub fn window_title(room: Option<&str>, unread: usize, focused: bool) -> String {
    let base = match room {
        Some(room) if !room.is_empty() => format!("Coucou — {room}"),
        _ => "Coucou".to_owned(),
    };
    if !focused && unread > 0 {
        format!("({unread}) {base}")
    } else {
        base
    }
}

impl CoucouApp {
    /// The app, with settings loaded from `options.config_path` (or the system's config folder).
    pub fn new(ctx: &egui::Context, options: AppOptions) -> Self {
        let path = options.config_path.clone().or_else(settings::default_path);
        let (loaded, warning) = match &path {
            Some(path) => settings::load(path, options.system_lang),
            None => (Settings::default(), None),
        };
        Self::with_settings(ctx, options, loaded, warning)
    }

    /// The app, with settings already loaded (and the warning their loading gave, if any).
    pub fn with_settings(
        ctx: &egui::Context,
        options: AppOptions,
        settings: Settings,
        warning: Option<String>,
    ) -> Self {
        let settings_path = options.config_path.clone().or_else(settings::default_path);
        let (events_tx, events_rx) = crossbeam_channel::unbounded();
        let repaint_ctx = ctx.clone();
        let waker: Waker = Arc::new(move || repaint_ctx.request_repaint());
        let form = match settings
            .last_profile
            .as_deref()
            .and_then(|name| settings.profile(name))
        {
            Some(profile) => ConnectForm::from(profile),
            None => ConnectForm::from(&settings.form),
        };
        let host_buffers = ToolbarBuffers {
            room: settings.host_room.clone(),
            port: settings.host_port.to_string(),
            password: String::new(),
            away_reason: String::new(),
            broker: settings.host_broker.clone().unwrap_or_default(),
        };
        let clicked = EventSink::wrapping(
            events_tx.clone(),
            |()| AppEvent::NoticeClicked,
            Arc::clone(&waker),
        );
        let notifier = options
            .notifier
            .clone()
            .or_else(|| DesktopNotifier::start(clicked).map(|n| NotifierHandle(Arc::new(n))));
        let reconnect = Reconnect::new(options.backoff);
        let journal = settings_path.as_deref().and_then(|path| {
            let events =
                EventSink::wrapping(events_tx.clone(), AppEvent::Journal, Arc::clone(&waker));
            let journal = Journal::start(settings::journal_path(path), events).ok()?;
            journal.retain_days(settings.journal_days);
            Some(journal)
        });
        let mut app = Self {
            transfers: Transfers::default(),
            asked: Asked::default(),
            outbox_saved: None,
            journal,
            export_range: None,
            dialogs: Dialogs::default(),
            presence: presence::Presence::default(),
            notifier,
            focus_requested: false,
            focused: true,
            wants_attention: false,
            attention_requests: 0,
            to_clipboard: None,
            interfaces: diagnostics::interfaces(),
            probe: None,
            probes_running: 0,
            browser: None,
            rooms: Vec::new(),
            selected_profile: settings.last_profile.clone(),
            options,
            settings_path,
            warning,
            connect: ConnectBuffers {
                form,
                profile_name: String::new(),
                rename_to: String::new(),
                rename_error: None,
                focus_username: true,
            },
            tried: false,
            connect_error: None,
            params: None,
            conn: None,
            next_conn_id: 1,
            reconnect,
            chat: None,
            offline: None,
            chat_key: String::new(),
            drafts: HashMap::new(),
            reconnect_failure: None,
            layout: ListLayout::default(),
            composer: Composer::default(),
            search: SearchPanel::default(),
            pending_jump: None,
            host_buffers,
            host: Host::default(),
            security: None,
            events_tx,
            events_rx,
            waker,
            title: String::new(),
            settings,
        };
        app.apply_style(ctx);
        crate::ui::set_lang(ctx, app.lang());
        app.set_discovery(app.settings.discovery);
        app
    }

    /// The interface's language: the one chosen in settings, else the system's.
    pub fn lang(&self) -> Lang {
        self.settings.language.unwrap_or(self.options.system_lang)
    }

    /// True when rooms may be found and announced: allowed by the caller and on in settings.
    fn discovery_on(&self) -> bool {
        self.options.discovery && self.settings.discovery
    }

    /// Starts or stops browsing for rooms.
    fn set_discovery(&mut self, on: bool) {
        self.settings.discovery = on;
        if !self.discovery_on() {
            if let Some(browser) = self.browser.take() {
                // Stopping waits for mdns-sd's daemon: not on the UI thread.
                thread::Builder::new()
                    .name("coucou-discovery-stop".to_owned())
                    .spawn(move || drop(browser))
                    .ok();
            }
            self.rooms.clear();
            return;
        }
        if self.browser.is_none() {
            match discovery::browse(self.sink(AppEvent::Discovery)) {
                Ok(browser) => self.browser = Some(browser),
                Err(err) => self.warning = Some(err.to_string()),
            }
        }
    }

    /// Rooms found on the network.
    pub fn rooms(&self) -> &[RoomInfo] {
        &self.rooms
    }

    fn fill_from_room(&mut self, fullname: &str) -> bool {
        let Some(room) = self.rooms.iter().find(|r| r.fullname == fullname) else {
            return false;
        };
        let host = room.best_addr().map_or_else(
            || room.host.trim_end_matches('.').to_owned(),
            |ip| ip.to_string(),
        );
        let (host, port) = (host, room.port);
        // A room already trusted under this address keeps its pin.
        let pin = self
            .settings
            .profiles
            .iter()
            .chain(std::iter::once(&self.settings.form))
            .find(|p| p.host == host && p.port == port)
            .and_then(|p| p.pin.as_deref())
            .and_then(Fingerprint::from_hex);
        self.connect.form.host = host;
        self.connect.form.port = port.to_string();
        self.connect.form.dialect = Wire::Json;
        // An older room says nothing of TLS: join it in clear (the badge says so), unless it was
        // trusted before — a pinned room is never taken back to clear by an advertisement.
        self.connect.form.encrypted = room.tls || pin.is_some();
        self.connect.form.set_pin(pin);
        self.selected_profile = None;
        true
    }

    // ----- for tests and the window -----

    /// The conversation, while in a room.
    pub fn chat(&self) -> Option<&ChatModel> {
        self.chat.as_ref()
    }

    /// True while connected to a room.
    pub fn is_connected(&self) -> bool {
        self.reconnect.is_connected()
    }

    /// The code of a room asking to be trusted (first contact), while the question is on screen.
    pub fn trust_prompt(&self) -> Option<Fingerprint> {
        self.dialogs.trust
    }

    /// The pinned and the shown identity of a room whose identity changed, while the warning is
    /// on screen.
    pub fn pin_mismatch(&self) -> Option<(Fingerprint, Option<Fingerprint>)> {
        self.dialogs
            .pin_mismatch
            .map(|warned| (warned.pinned, warned.presented))
    }

    /// How far the conversation on screen is protected (its badge).
    pub fn protection_now(&self) -> Protection {
        self.protection()
    }

    /// True while a connection is being made.
    pub fn is_connecting(&self) -> bool {
        self.reconnect.is_connecting()
    }

    /// True while waiting to reconnect.
    pub fn is_waiting_to_reconnect(&self) -> bool {
        self.reconnect.is_waiting()
    }

    /// The last connection error shown under the form.
    pub fn connect_error(&self) -> Option<&str> {
        self.connect_error.as_deref()
    }

    /// The settings as they are now.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The warning shown about the settings file, if any.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// Where the hosted room listens, while hosting.
    pub fn hosting_addr(&self) -> Option<SocketAddr> {
        self.host.room().map(Hosting::local_addr)
    }

    /// What the Host panel says (why hosting could not start, or a warning), in the language on
    /// screen.
    pub fn host_error(&self) -> Option<String> {
        self.host
            .error
            .as_ref()
            .map(|note| note.describe(self.lang()))
    }

    /// True while the hosted room is closing.
    pub fn host_stopping(&self) -> bool {
        self.host.busy() == Some(HostBusy::Stopping)
    }

    /// True while the room asked for is opening.
    pub fn host_starting(&self) -> bool {
        self.host.busy() == Some(HostBusy::Starting)
    }

    /// Shows a conversation with no connection behind it (read-only): for previews, snapshot
    /// tests and the chat view benchmark.
    pub fn show_conversation(&mut self, model: ChatModel) {
        self.leave();
        self.chat = Some(model);
        self.layout = ListLayout::default();
    }

    /// The room's id of the message shown highlighted after a click on a search result.
    pub fn jumped_to(&self) -> Option<u64> {
        let index = self.layout.highlight?;
        self.chat.as_ref()?.entries.get(index)?.id
    }

    /// This person's files: what is queued, awaited, uploaded and downloaded.
    pub fn transfers(&self) -> &Transfers {
        &self.transfers
    }

    /// The search panel: its words and results.
    pub fn search_panel(&self) -> &SearchPanel {
        &self.search
    }

    /// How many times the app asked for the window's attention (urgency hint) so far.
    pub fn attention_requests(&self) -> usize {
        self.attention_requests
    }

    /// The last reachability test of the form's host:port.
    pub fn probe(&self) -> Option<&Probe> {
        self.probe.as_ref()
    }

    /// The connect form.
    pub fn form(&self) -> &ConnectForm {
        &self.connect.form
    }

    /// Waits up to `timeout` for something from a background thread (the network, a test, the
    /// hosted server stopping) and handles it with whatever else has come. Tests use it instead of
    /// sleeping; the window never calls it.
    pub fn wait_for_event(&mut self, timeout: Duration) -> bool {
        // A reconnection due sooner is something to wake for too (the next frame starts it).
        let timeout = match self.reconnect.due(Instant::now()) {
            Due::Reconnect => return true,
            Due::WakeIn(next) => timeout.min(next),
            Due::Nothing => timeout,
        };
        match self.events_rx.recv_timeout(timeout) {
            Ok(event) => {
                self.on_app_event(event);
                self.handle_events();
                true
            }
            Err(_) => false,
        }
    }

    /// Delivers a background thread's events of one kind onto the app's channel.
    fn sink<T: 'static>(
        &self,
        wrap: impl Fn(T) -> AppEvent + Send + Sync + 'static,
    ) -> EventSink<T> {
        EventSink::wrapping(self.events_tx.clone(), wrap, Arc::clone(&self.waker))
    }

    // ----- events -----

    /// Handles everything the background threads have sent; never waits.
    fn handle_events(&mut self) {
        while let Ok(event) = self.events_rx.try_recv() {
            self.on_app_event(event);
        }
    }

    fn on_app_event(&mut self, event: AppEvent) {
        match event {
            AppEvent::Client(event) => self.on_event(event),
            AppEvent::Probe(kind, probe) => {
                self.probes_running = self.probes_running.saturating_sub(1);
                match kind {
                    ProbeKind::Form => self.probe = Some(probe),
                    ProbeKind::Hosting => self.host.probes.push(probe),
                }
            }
            AppEvent::Discovery(DiscoveryEvent::Found(room)) => {
                // The room being waited for is announced again: it is back, try now rather
                // than at the end of the back-off.
                let back = self.reconnect.is_waiting()
                    && self.params.as_ref().is_some_and(|p| {
                        room.port == p.port && room.addrs.iter().any(|a| a.to_string() == p.host)
                    });
                discovery::merge_found(&mut self.rooms, room);
                if back && let Some(params) = self.params.clone() {
                    self.start_connection(params, true);
                }
            }
            AppEvent::Discovery(DiscoveryEvent::Gone { fullname }) => {
                self.rooms.retain(|r| r.fullname != fullname);
            }
            AppEvent::HostStarted(name, started) => self.on_host_started(name, *started),
            AppEvent::HostStopped => self.host.stopped(),
            AppEvent::Exported {
                path,
                count,
                written,
            } => self.on_exported(&path, count, written),
            AppEvent::NoticeClicked => self.focus_requested = true,
            AppEvent::Journal(event) => self.on_journal(event),
            AppEvent::Measured(path, to, measured) => self.on_measured(path, to, measured),
            AppEvent::Transfer(event) => self.on_transfer(event),
            AppEvent::PathFailed(path) => {
                let text = tr!(
                    self.lang(),
                    "file-open-failed",
                    path = path.display().to_string()
                );
                self.push_to_chat(EntryKind::Error(text));
            }
            AppEvent::UrlFailed(url) => {
                let text = tr!(self.lang(), "link-copied", url = url.as_str());
                self.push_to_chat(EntryKind::Error(text));
                self.to_clipboard = Some(url);
            }
        }
    }

    // ----- actions -----

    fn apply(&mut self, action: Action, ctx: &egui::Context) {
        match action {
            Action::Connect => {
                self.tried = true;
                self.connect_error = None;
                if self.connect.form.pin_now().is_none() {
                    // A room trusted before, typed by hand: its pin is known.
                    let known = self
                        .settings
                        .pins
                        .get(&self.connect.form.target())
                        .and_then(|pin| Fingerprint::from_hex(pin));
                    if known.is_some() {
                        self.connect.form.set_pin(known);
                    }
                }
                if let Ok(params) = self.connect.form.validate(self.lang()) {
                    self.settings.form = self.connect.form.to_profile("");
                    self.save_settings();
                    self.leave();
                    self.start_connection(params, false);
                }
            }
            Action::CancelConnect => {
                self.conn = None;
                self.reconnect.idle();
            }
            Action::SelectProfile(name) => {
                if let Some(profile) = self.settings.profile(&name) {
                    self.connect.form = ConnectForm::from(profile);
                    self.connect.rename_to.clone_from(&name);
                    self.connect.rename_error = None;
                    self.selected_profile = Some(name.clone());
                    self.settings.last_profile = Some(name);
                    self.save_settings();
                }
            }
            Action::SaveProfile(name) => {
                let profile = self.connect.form.to_profile(&name);
                self.selected_profile = Some(profile.name.clone());
                self.settings.last_profile = Some(profile.name.clone());
                self.settings.upsert_profile(profile);
                self.connect.profile_name.clear();
                self.save_settings();
            }
            Action::RenameProfile { old, new } => {
                if self.settings.rename_profile(&old, &new) {
                    self.selected_profile = Some(new.trim().to_owned());
                    self.save_settings();
                    self.connect.rename_error = None;
                } else {
                    let name = new.trim();
                    self.connect.rename_error =
                        Some(tr!(self.lang(), "profile-exists", name = name));
                }
            }
            Action::DeleteProfile(name) => self.dialogs.delete_profile = Some(name),
            Action::Dialog(answer) => {
                if let Some(decided) = self.dialogs.apply(answer) {
                    self.carry_out(decided, ctx);
                }
            }
            Action::PickRoom(fullname) => {
                self.fill_from_room(&fullname);
            }
            Action::JoinRoom(fullname) => {
                if self.fill_from_room(&fullname) {
                    self.apply(Action::Connect, ctx);
                }
            }
            Action::TestReachability => {
                self.interfaces = diagnostics::interfaces();
                self.probe = None;
                let host = self.connect.form.host.trim().to_owned();
                let port =
                    form::parse_port(&self.connect.form.port, Lang::En).unwrap_or(DEFAULT_PORT);
                self.start_probe(ProbeKind::Form, host, port);
            }
            Action::TestHosting => {
                self.host.probes.clear();
                let addrs = self
                    .host
                    .room()
                    .map(|h| h.addrs().to_vec())
                    .unwrap_or_default();
                for addr in addrs {
                    self.start_probe(ProbeKind::Hosting, addr.ip().to_string(), addr.port());
                }
            }
            Action::Send(text) => self.send(text),
            Action::SetAway(reason) => {
                self.presence.chose();
                self.send_presence(Command::Away {
                    reason,
                    auto: false,
                });
            }
            Action::SetBack => {
                self.presence.chose();
                self.send_presence(Command::Back);
            }
            Action::File(asked) => self.on_file_action(asked),
            Action::LoadOlder => self.load_older(history::PAGE),
            Action::OpenSearch => {
                self.search.open = true;
                self.search.focus = true;
            }
            Action::CloseSearch => {
                self.search.open = false;
                self.layout.highlight = None;
                self.composer.focus = true;
            }
            Action::Search(words) => self.search(words),
            Action::JumpTo(id) => self.jump_to(id),
            Action::StartPrivate(name) => {
                self.composer.input = format!("/msg {name} ");
                self.composer.focus = true;
            }
            Action::Disconnect => self.leave(),
            Action::CancelReconnect => {
                self.conn = None;
                self.reconnect.idle();
                self.reconnect_failure = None;
                self.went_offline(self.lang().tr("not-reconnecting"));
            }
            Action::ReconnectNow => {
                if let (true, Some(params)) = (self.reconnect.is_waiting(), self.params.clone()) {
                    self.start_connection(params, true);
                }
            }
            Action::Rejoin => {
                if let Some(params) = self.params.clone() {
                    self.offline = None;
                    self.start_connection(params, true);
                }
            }
            Action::CloseConversation => {
                self.leave();
                self.close_conversation();
            }
            Action::HostOn => {
                if self.chat.is_some() && self.offline.is_none() {
                    self.dialogs.host_on = true;
                } else {
                    self.host_on();
                }
            }
            Action::HostOff => {
                let people = self.host.room().map_or(0, Hosting::people);
                if people > 1 {
                    self.dialogs.host_off = true;
                } else {
                    self.host_off();
                }
            }
            Action::Preference(preference) => {
                self.settings.set_preference(preference);
                match preference {
                    Preference::Language(_) => crate::ui::set_lang(ctx, self.lang()),
                    Preference::Theme(_) | Preference::FontSize(_) => self.apply_style(ctx),
                    Preference::JournalDays(days) => {
                        if let Some(journal) = &self.journal {
                            journal.retain_days(days);
                        }
                    }
                    Preference::Discovery(on) => self.set_discovery(on),
                    Preference::Notifications(_) | Preference::AutoAway(_) => {}
                }
                self.save_settings();
            }
            Action::ExportTranscript => self.ask_export_days(),
            Action::Quote(quote) => {
                self.composer.input = format!("{quote} ");
                self.composer.focus = true;
            }
            Action::OpenUrl(url) => self.open_url(url),
            Action::Copy(text) => ctx.copy_text(text),
            Action::DismissWarning => self.warning = None,
            Action::DismissHostError => self.host.error = None,
            Action::RoomOption(option) => {
                match self.settings.set_room_option(option, self.lang()) {
                    Ok(()) => {
                        self.host_buffers.broker =
                            self.settings.host_broker.clone().unwrap_or_default();
                        self.save_settings();
                    }
                    Err(why) => self.host.error = Some(HostNote::Said(why)),
                }
            }
        }
    }

    fn host_on(&mut self) {
        let request = match HostRequest::from_buffers(&self.host_buffers, self.lang()) {
            Ok(request) => HostRequest {
                broker: self.settings.host_broker.clone(),
                ..request
            },
            Err(err) => {
                self.host.error = Some(HostNote::Said(err));
                return;
            }
        };
        let name = match crate::protocol::name::validate(&self.connect.form.username) {
            Ok(name) => name,
            Err(err) => {
                let error = err.describe(self.lang());
                let said = tr!(self.lang(), "host-username-first", error = error);
                self.host.error = Some(HostNote::Said(said));
                return;
            }
        };
        let store = self
            .settings_path
            .as_deref()
            .filter(|_| self.settings.host_keep_history)
            .map(|path| StoreConfig {
                path: settings::history_path(path),
                retention: self.settings.host_retention(),
            });
        // Offered files are kept beside the settings (none without a settings folder).
        let files = self
            .settings_path
            .as_deref()
            .map(|path| crate::server::FilesConfig::in_dir(settings::files_dir(path)));
        let start = HostStart {
            bind: self.options.host_bind,
            request,
            identity: self.host.identity_source(self.settings_path.as_deref()),
            encrypted_only: self.settings.host_encrypted_only,
            password: self
                .settings
                .host_password
                .as_deref()
                .and_then(RoomKey::from_stored),
            store,
            files,
            announce: self.discovery_on(),
            lang: self.lang(),
        };
        let done = self.sink(move |started| AppEvent::HostStarted(name.clone(), Box::new(started)));
        self.host.start(start, done);
    }

    /// The room asked for opened (and this app joins it), or could not.
    fn on_host_started(&mut self, name: String, started: Result<Started, String>) {
        let Some((own_params, request)) = self.host.started(name, started) else {
            return;
        };
        self.settings.host_port = request.port_to_keep();
        self.settings.host_room = request.room;
        // The name hosted as is the form's next time, as a name connected with is.
        self.settings.form.username.clone_from(&own_params.name);
        self.save_settings();
        self.leave();
        self.start_connection(own_params, false);
    }

    /// How far the conversation on screen is protected.
    fn protection(&self) -> Protection {
        match self.security {
            Some(Security {
                verified_by_password: true,
                ..
            }) => Protection::VerifiedByPassword,
            Some(Security {
                fingerprint: Some(_),
                ..
            }) => Protection::TrustedOnFirstUse,
            _ => Protection::NotEncrypted,
        }
    }

    /// Pins `fingerprint` for the room being joined: in the connection's parameters, the form,
    /// its saved copy, and every saved profile for the same host and port.
    pub(super) fn pin_host(&mut self, fingerprint: Fingerprint) {
        let Some(params) = &mut self.params else {
            return;
        };
        params.pin = Some(fingerprint);
        let (host, port) = (params.host.clone(), params.port);
        let same = |h: &str, p: &str| h.trim() == host && p.trim() == port.to_string();
        if same(&self.connect.form.host, &self.connect.form.port) {
            self.connect.form.set_pin(Some(fingerprint));
        }
        let hex = fingerprint.to_hex();
        self.settings
            .pins
            .insert(format!("{host}:{port}"), hex.clone());
        if self.settings.form.host == host && self.settings.form.port == port {
            self.settings.form.pin = Some(hex.clone());
        }
        for profile in &mut self.settings.profiles {
            if profile.host == host && profile.port == port {
                profile.pin = Some(hex.clone());
            }
        }
        self.save_settings();
    }

    /// Connects again with the parameters just pinned.
    /// Carries out what the person decided in a dialog.
    fn carry_out(&mut self, decided: Decided, ctx: &egui::Context) {
        match decided {
            Decided::HostOn => self.host_on(),
            Decided::HostOff => self.host_off(),
            Decided::DeleteProfile(name) => {
                self.settings.delete_profile(&name);
                self.selected_profile = None;
                self.connect.rename_error = None;
                self.save_settings();
            }
            Decided::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Decided::Trust(fingerprint) => {
                self.pin_host(fingerprint);
                self.reconnect_with_pin();
            }
            Decided::Distrusted => self.connect_error = Some(self.lang().tr("not-trusted")),
            Decided::PinKept => self.connect_error = Some(self.lang().tr("identity-changed")),
            Decided::Path(purpose, path) => {
                let taken = match purpose {
                    PathPurpose::Transcript => self.save_transcript(&path),
                    PathPurpose::Download(file) => self.download_to(file, path),
                    PathPurpose::Offer(to) => self.offer_typed_path(path, to),
                };
                match taken {
                    Ok(()) => {
                        self.dialogs.path_taken();
                        self.composer.focus = true;
                    }
                    Err(why) => self.dialogs.path_refused(why),
                }
            }
            Decided::ExportDays(days) => self.export_days_chosen(&days),
            Decided::Closed => self.composer.focus = true,
        }
    }

    fn reconnect_with_pin(&mut self) {
        if let Some(params) = self.params.clone() {
            self.connect_error = None;
            self.start_connection(params, false);
        }
    }

    fn host_off(&mut self) {
        if self.host.room().is_none() {
            return;
        }
        if self.offline.is_none() {
            self.went_offline(self.lang().tr("you-closed-room"));
        }
        self.leave();
        let done = self.sink(|()| AppEvent::HostStopped);
        self.host.stop(done, self.lang());
    }

    /// Runs a reachability test on a background thread; its result arrives as an event.
    fn start_probe(&mut self, kind: ProbeKind, host: String, port: u16) {
        let done = self.sink(move |probe| AppEvent::Probe(kind, probe));
        let spawned = thread::Builder::new()
            .name("coucou-probe".to_owned())
            .spawn(move || {
                done.send(diagnostics::probe(&host, port, PROBE_TIMEOUT));
            });
        if spawned.is_ok() {
            self.probes_running += 1;
        }
    }

    /// Opens `url` in the browser from a thread (starting a browser may take a moment); if none
    /// can, the link is copied and the conversation says so (see `handle_events`).
    fn open_url(&mut self, url: String) {
        let open = self.options.open_url;
        self.open_on_thread(
            "coucou-open-url",
            url,
            move |url| open(url),
            AppEvent::UrlFailed,
        );
    }

    /// Runs `open` on `what` on a thread named `name` (starting a program may take a moment);
    /// what it could not open comes back as `failed`'s event.
    fn open_on_thread<T: Send + 'static>(
        &mut self,
        name: &str,
        what: T,
        open: impl FnOnce(&T) -> bool + Send + 'static,
        failed: fn(T) -> AppEvent,
    ) {
        let sink = self.sink(failed);
        let spawned = thread::Builder::new().name(name.to_owned()).spawn(move || {
            if !open(&what) {
                sink.send(what);
            }
        });
        if let Err(err) = spawned {
            let text = tr!(self.lang(), "link-failed", error = err.to_string());
            self.push_to_chat(EntryKind::Error(text));
        }
    }

    fn push_to_chat(&mut self, kind: EntryKind) {
        if let Some(chat) = &mut self.chat {
            chat.push_local(now_ms(), kind);
        }
    }

    pub(super) fn save_settings(&mut self) {
        let Some(path) = &self.settings_path else {
            return;
        };
        if let Err(err) = settings::save(path, &self.settings) {
            self.warning = Some(tr!(
                self.lang(),
                "settings-not-saved",
                error = err.to_string()
            ));
        }
    }

    fn view_toolbar(&mut self, ui: &mut egui::Ui) -> Option<Action> {
        let hosting = self.host.view();
        let host_error = self
            .host
            .error
            .as_ref()
            .map(|note| note.describe(self.lang()));
        let reconnect_in = self.reconnect.reconnect_in(Instant::now());
        let view = ToolbarView {
            host_encrypted_only: self.settings.host_encrypted_only,
            host_keep_history: self.settings.host_keep_history,
            host_history_days: self.settings.host_history_days,
            host_history_max: self.settings.host_history_max,
            host_has_password: self.settings.host_password.is_some(),
            hosting,
            host_busy: self.host.busy(),
            host_error: host_error.as_deref(),
            in_room: self.chat.is_some() && self.offline.is_none(),
            has_conversation: self.chat.is_some(),
            reconnect_in,
            reconnect_failure: self.reconnect_failure.as_deref(),
            theme: self.settings.theme,
            font_size: self.settings.font_size,
            warning: self.warning.as_deref(),
            discovery: self.settings.discovery,
            notifications: self.settings.notifications,
            presence: self.speaks_json(),
            away: self.chat.as_ref().and_then(|c| c.away_of(&c.me)),
            language: self.settings.language,
            system_language: self.options.system_lang,
            auto_away_minutes: self.settings.auto_away_minutes,
            journal_days: self.settings.journal_days,
        };
        let mut action = None;
        egui::Panel::top("toolbar").show(ui, |ui| {
            action = toolbar_ui(ui, &view, &mut self.host_buffers);
        });
        action
    }
}

impl eframe::App for CoucouApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let focused = ctx.input(|i| i.viewport().focused).unwrap_or(true);
        if self.focused
            && !focused
            && let Some(chat) = &mut self.chat
        {
            // What arrives from now on goes below "New since you last looked".
            chat.looked_away();
        }
        self.focused = focused;
        let lang = self.lang();
        crate::ui::set_lang(ctx, lang);
        if let Some(chat) = &mut self.chat {
            chat.lang = lang;
        }
        self.handle_events();
        self.keep_outbox();
        self.auto_away(ctx);
        // Files dropped on the window are offered to the room.
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        for path in dropped {
            self.on_file_action(FileAction::Offer(path));
        }
        if std::mem::take(&mut self.wants_attention) {
            self.attention_requests += 1;
            ctx.send_viewport_cmd(egui::ViewportCommand::RequestUserAttention(
                egui::UserAttentionType::Informational,
            ));
        }
        if self.chat.is_some()
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F))
        {
            self.apply(Action::OpenSearch, ctx);
        }
        self.host.check_history();
        if let Some(size) = zoom_keys(ctx, self.settings.font_size) {
            self.apply(Action::Preference(Preference::FontSize(size)), ctx);
        }
        if let Some(text) = self.to_clipboard.take() {
            ctx.copy_text(text);
        }
        if std::mem::take(&mut self.focus_requested) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
        match self.reconnect.due(Instant::now()) {
            Due::Reconnect => {
                if let Some(params) = self.params.clone() {
                    self.start_connection(params, true);
                }
            }
            // Wake for the next second of the countdown, and no more often.
            Due::WakeIn(next_tick) => ctx.request_repaint_after(next_tick),
            Due::Nothing => {}
        }
        // "Is typing" runs out by itself: draw again when the next one does, and no sooner.
        if let Some(end) = self.chat.as_ref().and_then(|c| c.typing_ends(now_ms())) {
            ctx.request_repaint_after(Duration::from_millis(end.saturating_sub(now_ms()) + 1));
        }
        let focused = self.focused;
        if let Some(size) = ctx.input(|i| i.viewport().inner_rect).map(|r| r.size()) {
            self.settings.window_size = Some([size.x, size.y]);
        }
        let room = self.chat.as_ref().map(|c| c.room.as_str());
        let unread = self.chat.as_ref().map_or(0, |c| c.unread);
        let title = window_title(room, unread, focused);
        if focused && let Some(chat) = &mut self.chat {
            chat.unread = 0;
        }
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut actions = Vec::new();
        actions.extend(self.view_toolbar(ui));
        let protection = self.protection();
        if let Some(chat) = &self.chat {
            let status = match (&self.offline, self.reconnect.stage()) {
                (Some(why), _) => ChatStatus::Offline(why),
                (None, Stage::Connected) => ChatStatus::Live,
                (None, _) => ChatStatus::Reconnecting,
            };
            actions.extend(chat_ui(
                ui,
                chat,
                &mut self.layout,
                &mut self.composer,
                &mut self.search,
                status,
                protection,
            ));
        } else {
            let target = match self.reconnect.stage() {
                Stage::Connecting { target, .. } => Some(target.as_str()),
                _ => None,
            };
            let view = ConnectView {
                profiles: &self.settings.profiles,
                selected: self.selected_profile.as_deref(),
                error: self.connect_error.as_deref(),
                connecting: target,
                tried: self.tried,
                rooms: self.discovery_on().then_some(self.rooms.as_slice()),
                interfaces: &self.interfaces,
                probe: self.probe.as_ref(),
                probing: self.probes_running > 0,
            };
            actions.extend(connect::connect_ui(ui, &view, &mut self.connect));
        }
        // Closing the window while others are in the hosted room asks first, as the Host toggle does.
        if ui.ctx().input(|i| i.viewport().close_requested())
            && !self.dialogs.quit_confirmed
            && self.host.others() > 0
        {
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.dialogs.quit = true;
        }
        let target = self
            .params
            .as_ref()
            .map(|p| format!("{}:{}", p.host, p.port))
            .unwrap_or_default();
        let view = DialogsView {
            target: &target,
            room: self.chat.as_ref().map_or("", |c| c.room.as_str()),
            hosted_room: self.host.room().map_or("", Hosting::room_name),
            others: self.host.others(),
        };
        actions.extend(dialogs_ui(ui.ctx(), &mut self.dialogs, &view));
        let ctx = ui.ctx().clone();
        for action in actions {
            self.apply(action, &ctx);
        }
        self.update_typing();
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.keep_outbox();
        self.remember_visit();
        self.leave();
        self.save_settings();
    }
}

/// Opens the window and runs the app until it is closed.
pub fn run(options: AppOptions) -> eframe::Result {
    let path = options.config_path.clone().or_else(settings::default_path);
    let (loaded, warning) = match &path {
        Some(path) => settings::load(path, options.system_lang),
        None => (Settings::default(), None),
    };
    let size = loaded.window_size.unwrap_or([900.0, 640.0]);
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Coucou")
        .with_app_id("coucou")
        .with_inner_size(size)
        .with_min_inner_size([560.0, 400.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon.png")) {
        viewport = viewport.with_icon(icon);
    }
    let native = eframe::NativeOptions {
        viewport,
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "coucou",
        native,
        Box::new(move |cc| {
            Ok(Box::new(CoucouApp::with_settings(
                &cc.egui_ctx,
                options,
                loaded,
                warning,
            )))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_counts_unread_only_while_unfocused() {
        assert_eq!(window_title(None, 0, true), "Coucou");
        assert_eq!(window_title(Some("room"), 3, true), "Coucou — room");
        assert_eq!(window_title(Some("room"), 3, false), "(3) Coucou — room");
        assert_eq!(window_title(Some("room"), 0, false), "Coucou — room");
    }
}
