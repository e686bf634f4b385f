//! The desktop app (`CoucouApp`): the shell that holds the state owners and hands each event and
//! action to the one it concerns. Each owner lives in its own file with its own methods: `Desk`
//! (options, settings, dialogs, the event channel, notifications, the window), `Lobby` (the
//! connect screen), `Session` (the room on screen: its contact, conversation, files, history,
//! presence and exports) and `HostPanel` (the room this app hosts). ARCHITECTURE.md maps them.
//!
//! The UI thread never waits on the network or a slow disk: connections, opening and closing the
//! hosted room, measuring files and writing exports run on named background threads that report
//! over crossbeam channels and wake the UI with `ctx.request_repaint()`; [`eframe::App::logic`]
//! drains them with `try_iter`. The only blocking calls on the UI thread are reading and writing
//! the small settings file, rfd's dialogs, and making (not filling) an export's file.

mod asked;
mod contact;
mod conversation;
mod desk;
mod events;
mod export;
mod files;
mod history;
mod host_panel;
pub mod hosting;
mod lobby;
pub mod notify;
mod options;
mod pictures;
mod presence;
pub mod reconnect;
mod rules;
mod session;
mod style;
pub mod transfers;
#[cfg(target_os = "linux")]
mod window_class;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use eframe::egui;

use crate::diagnostics::Probe;
use crate::discovery::{DiscoveryEvent, RoomInfo};
use crate::i18n::{Lang, Said};
use crate::identity::Fingerprint;
use crate::model::settings::{Preference, Settings};
use crate::model::{ChatModel, EntryKind, form::ConnectForm};
use crate::ui::dialogs::{Decided, DialogsView, PathPurpose, dialogs_ui};
use crate::ui::search::SearchPanel;
use crate::ui::toolbar::HostBusy;
use crate::ui::trust::Protection;
use crate::ui::{Action, RoomAction};
use desk::{Desk, window_title};
use events::AppEvent;
use files::Files;
use host_panel::HostPanel;
use hosting::Hosting;
use lobby::Lobby;
pub use options::{AppOptions, FilePicker, open_in_browser};
use reconnect::Stage;
use session::Session;
use transfers::Transfers;

/// The Coucou desktop app.
pub struct CoucouApp {
    /// Options, settings, dialogs, the event channel, notifications and the window.
    desk: Desk,
    /// The connect screen.
    lobby: Lobby,
    /// The room on screen, and what lives with it.
    session: Session,
    /// The room this app hosts, and the Host panel.
    panel: HostPanel,
}

impl CoucouApp {
    /// The app, with settings loaded from `options.config_path` (or the system's config folder).
    pub fn new(ctx: &egui::Context, options: AppOptions) -> Self {
        let (loaded, warning) = options.load_settings();
        Self::with_settings(ctx, options, loaded, warning)
    }

    /// The app, with settings already loaded (and the warning their loading gave, if any).
    pub fn with_settings(
        ctx: &egui::Context,
        options: AppOptions,
        settings: Settings,
        warning: Option<String>,
    ) -> Self {
        let mut desk = Desk::new(ctx, options, settings, warning);
        let mut lobby = Lobby::new(&desk.settings);
        style::apply_style(ctx, &desk.settings);
        crate::ui::set_lang(ctx, desk.lang());
        lobby.set_discovery(desk.settings.discovery, &mut desk);
        Self {
            lobby,
            session: Session::new(&desk),
            panel: HostPanel::new(&desk.settings),
            desk,
        }
    }

    /// The interface's language: the one chosen in settings, else the system's.
    pub fn lang(&self) -> Lang {
        self.desk.lang()
    }

    // ----- for tests and the window -----

    /// Rooms found on the network.
    pub fn rooms(&self) -> &[RoomInfo] {
        &self.lobby.rooms
    }

    /// The conversation, while in a room.
    pub fn chat(&self) -> Option<&ChatModel> {
        self.session.conv.chat.as_ref()
    }

    /// The conversation of the host's named room `name`, while in it.
    pub fn room_chat(&self, name: &str) -> Option<&ChatModel> {
        self.session.conv.rooms.chat(name)
    }

    /// True while connected to a room.
    pub fn is_connected(&self) -> bool {
        self.session.contact.reconnect.is_connected()
    }

    /// True while a connection is being made.
    pub fn is_connecting(&self) -> bool {
        self.session.contact.reconnect.is_connecting()
    }

    /// True while waiting to reconnect.
    pub fn is_waiting_to_reconnect(&self) -> bool {
        self.session.contact.reconnect.is_waiting()
    }

    /// The code of a room asking to be trusted (first contact), while the question is on screen.
    pub fn trust_prompt(&self) -> Option<Fingerprint> {
        self.desk.dialogs.trust
    }

    /// The pinned and the shown identity of a room whose identity changed, while the warning is
    /// on screen.
    pub fn pin_mismatch(&self) -> Option<(Fingerprint, Option<Fingerprint>)> {
        let warned = self.desk.dialogs.pin_mismatch?;
        Some((warned.pinned, warned.presented))
    }

    /// How far the conversation on screen is protected (its badge).
    pub fn protection_now(&self) -> Protection {
        self.session.contact.protection()
    }

    /// The last connection error shown under the form.
    pub fn connect_error(&self) -> Option<&str> {
        self.session.contact.error.as_deref()
    }

    /// The settings as they are now.
    pub fn settings(&self) -> &Settings {
        &self.desk.settings
    }

    /// Where the hosted room listens, while hosting.
    pub fn hosting_addr(&self) -> Option<SocketAddr> {
        self.panel.host.room().map(Hosting::local_addr)
    }

    /// What the Host panel says (why hosting could not start, or a warning), in the language on
    /// screen.
    pub fn host_error(&self) -> Option<String> {
        let note = self.panel.host.error.as_ref()?;
        Some(note.describe(self.lang()))
    }

    /// True while the hosted room is closing.
    pub fn host_stopping(&self) -> bool {
        self.panel.host.busy() == Some(HostBusy::Stopping)
    }

    /// True while the room asked for is opening.
    pub fn host_starting(&self) -> bool {
        self.panel.host.busy() == Some(HostBusy::Starting)
    }

    /// Shows a conversation with no connection behind it (read-only): for previews, snapshot
    /// tests and the chat view benchmark.
    pub fn show_conversation(&mut self, model: ChatModel) {
        self.session.leave();
        self.session.conv.show(model);
    }

    /// Draws the conversation shown as a live one where this person has `rank` (previews,
    /// snapshot tests): the moderator's menus, with no connection behind them.
    pub fn preview_rank(&mut self, rank: crate::ui::moderation::Rank) {
        self.session.conv.preview_rank = Some(rank);
    }

    /// Gives the conversation shown the host's named rooms `rooms` (previews, snapshot tests).
    pub fn show_rooms(&mut self, rooms: crate::model::rooms::HostRooms) {
        self.session.conv.rooms = rooms;
    }

    /// The room's id of the message shown highlighted after a click on a search result.
    pub fn jumped_to(&self) -> Option<u64> {
        self.session.conv.jumped_to()
    }

    /// This person's files: what is queued, awaited, uploaded and downloaded.
    pub fn transfers(&self) -> &Transfers {
        &self.session.files.transfers
    }

    /// The search panel: its words and results.
    pub fn search_panel(&self) -> &SearchPanel {
        &self.session.conv.search
    }

    /// Opens the bans and mutes panel on `listed`, as the host's answer (previews, snapshots).
    pub fn preview_rules(&mut self, listed: crate::ui::moderation::Listed) {
        self.session.conv.rules = crate::ui::moderation::RulesPanel::open_on(listed);
    }

    /// How many times the app asked for the window's attention (urgency hint) so far.
    pub fn attention_requests(&self) -> usize {
        self.desk.attention_requests
    }

    /// The last reachability test of the form's host:port.
    pub fn probe(&self) -> Option<&Probe> {
        self.lobby.probe.as_ref()
    }

    /// The connect form.
    pub fn form(&self) -> &ConnectForm {
        &self.lobby.buffers.form
    }

    /// Waits up to `timeout` for something from a background thread (the network, a test, the
    /// hosted server stopping) and handles it with whatever else has come. Tests use it instead of
    /// sleeping; the window never calls it.
    pub fn wait_for_event(&mut self, timeout: Duration) -> bool {
        // A reconnection due sooner is something to wake for too (the next frame starts it).
        let timeout = match self.session.contact.due(Instant::now()) {
            reconnect::Due::Reconnect => return true,
            reconnect::Due::WakeIn(next) => timeout.min(next),
            reconnect::Due::Nothing => timeout,
        };
        match self.desk.events_rx.recv_timeout(timeout) {
            Ok(event) => {
                self.on_app_event(event);
                self.handle_events();
                true
            }
            Err(_) => false,
        }
    }

    // ----- events -----

    /// Handles everything the background threads have sent; never waits.
    fn handle_events(&mut self) {
        while let Ok(event) = self.desk.events_rx.try_recv() {
            self.on_app_event(event);
        }
    }

    /// Hands a background thread's event to the owner it concerns.
    fn on_app_event(&mut self, event: AppEvent) {
        let (session, desk) = (&mut self.session, &mut self.desk);
        let conv = &mut session.conv;
        match event {
            AppEvent::Client(event) => {
                if let Some(fingerprint) = session.on_event(event, desk) {
                    self.pin_host(fingerprint);
                }
            }
            AppEvent::Probe(kind, probe) => {
                self.panel
                    .host
                    .probes
                    .extend(self.lobby.probed(kind, probe));
            }
            AppEvent::Discovery(DiscoveryEvent::Found(room)) => {
                session.found(&room, desk);
                self.lobby.found(room);
            }
            AppEvent::Discovery(DiscoveryEvent::Gone { fullname }) => self.lobby.gone(&fullname),
            AppEvent::HostStarted(name, started) => {
                self.panel.opened(name, *started, desk, session)
            }
            AppEvent::Device(read) => desk.device_read(read),
            AppEvent::HostStopped => self.panel.host.stopped(),
            AppEvent::Exported {
                path,
                count,
                written,
            } => {
                let (said, error) = export::exported(&path, count, written);
                conv.say(said, error);
            }
            AppEvent::NoticeClicked(opens) => {
                desk.focus_requested = true;
                // A notice opens its conversation (a named room's, if still joined).
                conv.show_in_room(opens);
            }
            AppEvent::Journal(event) => session.on_journal(event, desk),
            event @ (AppEvent::Measured(..) | AppEvent::Picture(_) | AppEvent::Transfer(_)) => {
                let (files, contact) = (&mut session.files, &mut session.contact);
                files.on_event(event, contact, conv, desk);
            }
            AppEvent::PathFailed(path) => {
                let path = path.display().to_string();
                conv.say(Said::new("file-open-failed").with("path", path), true);
            }
            AppEvent::UrlFailed(url) => {
                conv.say(Said::new("link-copied").with("url", url.as_str()), true);
                desk.to_clipboard = Some(url);
            }
        }
    }

    // ----- actions -----

    /// Carries out what a view asked for, by the owner it concerns.
    fn apply(&mut self, action: Action, ctx: &egui::Context) {
        let (session, desk, lobby) = (&mut self.session, &mut self.desk, &mut self.lobby);
        match action {
            Action::Connect => {
                session.contact.error = None;
                if let Some(params) = lobby.connect(desk) {
                    session.leave();
                    session.start(params, false, desk);
                }
            }
            Action::CancelConnect => session.contact.stop(),
            Action::Profile(asked) => lobby.apply(asked, desk),
            Action::Room(asked) => session.apply(asked, desk),
            Action::Dialog(answer) => {
                if let Some(decided) = desk.dialogs.apply(answer) {
                    self.carry_out(decided, ctx);
                }
            }
            Action::PickRoom(fullname) => {
                lobby.fill_from_room(&fullname, &desk.settings);
            }
            Action::JoinRoom(fullname) => {
                if lobby.fill_from_room(&fullname, &desk.settings) {
                    self.apply(Action::Connect, ctx);
                }
            }
            Action::TestReachability => lobby.test_reachability(desk),
            Action::TestHosting => self.panel.test(lobby, desk),
            Action::File(asked) => {
                let (files, contact, conv) =
                    (&mut session.files, &mut session.contact, &mut session.conv);
                files.apply(asked, contact, conv, desk);
            }
            Action::HostOn if session.conv.is_live() => desk.dialogs.host_on = true,
            Action::HostOn => self.panel.open(&lobby.buffers.form.username, desk),
            Action::HostOff if self.panel.host.room().map_or(0, Hosting::people) > 1 => {
                desk.dialogs.host_off = true;
            }
            Action::HostOff => self.panel.close(desk, session),
            Action::Preference(preference) => {
                desk.settings.set_preference(preference);
                match preference {
                    Preference::Language(_) => crate::ui::set_lang(ctx, desk.lang()),
                    Preference::Theme(_) | Preference::FontSize(_) => {
                        style::apply_style(ctx, &desk.settings);
                    }
                    Preference::JournalDays(days) => session.history.retain_days(days),
                    Preference::Discovery(on) => lobby.set_discovery(on, desk),
                    Preference::Notifications(_) | Preference::AutoAway(_) => {}
                }
                desk.save_settings();
            }
            Action::OpenUrl(url) => {
                if let Err(why) = desk.open_url(url) {
                    session.conv.push(EntryKind::Error(why));
                }
            }
            Action::Copy(text) => ctx.copy_text(text),
            Action::DismissWarning => desk.warning = None,
            Action::DismissHostError => self.panel.host.error = None,
            Action::RoomOption(option) => self.panel.room_option(option, desk),
        }
    }

    /// Carries out what the person decided in a dialog.
    fn carry_out(&mut self, decided: Decided, ctx: &egui::Context) {
        let (session, desk) = (&mut self.session, &mut self.desk);
        let lang = desk.lang();
        match decided {
            Decided::HostOn => self.panel.open(&self.lobby.buffers.form.username, desk),
            Decided::HostOff => self.panel.close(desk, session),
            Decided::DeleteProfile(name) => self.lobby.delete_profile(&name, desk),
            Decided::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Decided::Trust(fingerprint) => {
                self.pin_host(fingerprint);
                if let Some(params) = self.session.contact.params.clone() {
                    self.session.contact.error = None;
                    self.session.start(params, false, &self.desk);
                }
            }
            Decided::Distrusted => session.contact.error = Some(lang.tr("not-trusted")),
            Decided::PinKept => session.contact.error = Some(lang.tr("identity-changed")),
            Decided::Path(purpose, path) => {
                let (files, contact, conv) =
                    (&mut session.files, &mut session.contact, &mut session.conv);
                let taken = match purpose {
                    PathPurpose::Transcript => {
                        session.exports.save(&path, conv, &session.history, desk)
                    }
                    PathPurpose::Download(file) => {
                        files.download_to(file, path, contact, conv, desk)
                    }
                    PathPurpose::Offer(to) => {
                        Files::offer_typed_path(path, to, contact, conv, desk)
                    }
                };
                match taken {
                    Ok(()) => {
                        desk.dialogs.path_taken();
                        conv.composer.focus = true;
                    }
                    Err(why) => desk.dialogs.path_refused(why),
                }
            }
            Decided::ExportDays(days) => {
                let (conv, history) = (&mut session.conv, &session.history);
                session.exports.days_chosen(&days, conv, history, desk);
            }
            Decided::Closed => session.conv.composer.focus = true,
        }
    }

    /// Pins `fingerprint` for the room being joined: in the connection's parameters, the form,
    /// its saved copy, and every saved profile for the same host and port.
    fn pin_host(&mut self, fingerprint: Fingerprint) {
        let Some(params) = &mut self.session.contact.params else {
            return;
        };
        params.pin = Some(fingerprint);
        let (host, port) = (params.host.clone(), params.port);
        self.lobby.pin(&host, port, fingerprint);
        self.desk.settings.pin(&host, port, &fingerprint.to_hex());
        self.desk.save_settings();
    }
}

impl eframe::App for CoucouApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let (session, desk) = (&mut self.session, &mut self.desk);
        let focused = ctx.input(|i| i.viewport().focused).unwrap_or(true);
        if let Some(chat) = &mut session.conv.chat {
            if desk.focused && !focused {
                // What arrives from now on goes below "New since you last looked".
                chat.looked_away();
            }
            chat.set_lang(desk.lang());
        }
        desk.focused = focused;
        crate::ui::set_lang(ctx, desk.lang());
        self.handle_events();
        let (session, desk) = (&mut self.session, &mut self.desk);
        session.keep_outbox();
        let now = Instant::now();
        let minutes = desk.settings.auto_away_minutes;
        let after = (minutes > 0).then(|| desk.options.minute * minutes);
        if let Some(wait) = session.auto_away(style::any_input(ctx), now, after) {
            ctx.request_repaint_after(wait);
        }
        // Files dropped on the window, and images pasted, are offered to the room.
        for brought in style::files_brought(ctx) {
            self.apply(Action::File(brought), ctx);
        }
        if self.session.conv.chat.is_some()
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::F))
        {
            self.apply(Action::Room(RoomAction::OpenSearch), ctx);
        }
        self.panel.host.check_history();
        if let Some(size) = style::zoom_keys(ctx, self.desk.settings.font_size) {
            self.apply(Action::Preference(Preference::FontSize(size)), ctx);
        }
        let (session, desk) = (&mut self.session, &mut self.desk);
        // Wake for the next second of the countdown, and no more often.
        if let Some(next_tick) = session.tick(now, desk) {
            ctx.request_repaint_after(next_tick);
        }
        // "Is typing" runs out by itself: draw again when the next one does, and no sooner.
        let chat = session.conv.chat.as_mut();
        if let Some(end) = chat
            .as_ref()
            .and_then(|c| c.typing_ends(crate::protocol::now_ms()))
        {
            let wait = end.saturating_sub(crate::protocol::now_ms()) + 1;
            ctx.request_repaint_after(Duration::from_millis(wait));
        }
        let room = chat.as_ref().map(|c| c.room.clone());
        let unread = chat.as_ref().map_or(0, |c| c.unread);
        if let Some(chat) = chat.filter(|_| desk.focused) {
            chat.unread = 0;
        }
        let title = window_title(room.as_deref(), unread, desk.focused);
        desk.frame(ctx, title);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut actions = Vec::new();
        actions.extend(self.panel.toolbar(ui, &self.desk, &self.session));
        let (session, desk) = (&mut self.session, &mut self.desk);
        let stage = session.contact.reconnect.stage();
        let conv = &mut session.conv;
        if conv.chat.is_some() {
            let connected = matches!(stage, Stage::Connected);
            let hosted_on = self.panel.host.hosted_on(&session.contact.target());
            let around = (
                session.contact.protection(),
                hosted_on,
                &session.files.pictures.view,
            );
            actions.extend(conv.ui(ui, connected, around));
        } else {
            let target = match stage {
                Stage::Connecting { target, .. } => Some(target.as_str()),
                _ => None,
            };
            let error = session.contact.error.as_deref();
            actions.extend(self.lobby.ui(ui, desk, target, error));
        }
        // Closing the window while others are in the hosted room asks first, as the Host toggle does.
        if ui.ctx().input(|i| i.viewport().close_requested())
            && !desk.dialogs.quit_confirmed
            && self.panel.host.others() > 0
        {
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::CancelClose);
            desk.dialogs.quit = true;
        }
        let target = session.contact.target();
        let view = DialogsView {
            target: &target,
            room: conv.chat.as_ref().map_or("", |c| c.room.as_str()),
            hosted_room: self.panel.host.room().map_or("", Hosting::room_name),
            others: self.panel.host.others(),
        };
        actions.extend(dialogs_ui(ui.ctx(), &mut desk.dialogs, &view));
        let ctx = ui.ctx().clone();
        for action in actions {
            self.apply(action, &ctx);
        }
        self.session.update_typing();
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.session.keep_outbox();
        if self.session.conv.remember_visit(&mut self.desk.settings) {
            self.desk.save_settings();
        }
        self.session.leave();
        self.desk.save_settings();
    }
}

/// Opens the window and runs the app until it is closed.
pub fn run(options: AppOptions) -> eframe::Result {
    let (loaded, warning) = options.load_settings();
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
            #[cfg(target_os = "linux")]
            window_class::name_the_window(cc);
            Ok(Box::new(CoucouApp::with_settings(
                &cc.egui_ctx,
                options,
                loaded,
                warning,
            )))
        }),
    )
}
