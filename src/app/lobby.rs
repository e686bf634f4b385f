//! The connect screen's state (`Lobby`): the form and the saved profiles it is filled from, the
//! rooms found on the LAN, this machine's interfaces and the reachability tests of the form's
//! address. It applies what the connect screen asks of profiles and rooms, and hands back the
//! parameters to connect with.

use std::thread;

use eframe::egui;

use super::desk::Desk;
use super::events::{AppEvent, PROBE_TIMEOUT, ProbeKind};
use crate::client::ConnectParams;
use crate::diagnostics::{self, InterfaceInfo, Probe};
use crate::discovery::{self, Browser, RoomInfo};
use crate::i18n::Lang;
use crate::identity::Fingerprint;
use crate::model::form::{self, ConnectForm};
use crate::model::settings::Settings;
use crate::protocol::{DEFAULT_PORT, Wire};
use crate::tr;
use crate::ui::connect::{ConnectBuffers, ConnectView, connect_ui};
use crate::ui::{Action, ProfileAction};

/// The connect screen, and the rooms and tests it shows.
pub(super) struct Lobby {
    /// The form and the profile fields.
    pub(super) buffers: ConnectBuffers,
    /// The profile the form was filled from.
    selected: Option<String>,
    /// Connect was pressed: show every field's problem.
    tried: bool,
    /// This machine's interfaces, listed at start and at each test.
    interfaces: Vec<InterfaceInfo>,
    /// The last test of the form's host:port.
    pub(super) probe: Option<Probe>,
    /// Tests still running.
    probes_running: usize,
    /// Browsing for rooms, while discovery is on.
    browser: Option<Browser>,
    /// Rooms found on the network, in the order found.
    pub(super) rooms: Vec<RoomInfo>,
}

impl Lobby {
    /// The connect screen, its form filled from the last profile used (or the last form).
    pub(super) fn new(settings: &Settings) -> Self {
        let form = match settings
            .last_profile
            .as_deref()
            .and_then(|name| settings.profile(name))
        {
            Some(profile) => ConnectForm::from(profile),
            None => ConnectForm::from(&settings.form),
        };
        Self {
            buffers: ConnectBuffers {
                form,
                profile_name: String::new(),
                rename_to: String::new(),
                rename_error: None,
                focus_username: true,
            },
            selected: settings.last_profile.clone(),
            tried: false,
            interfaces: diagnostics::interfaces(),
            probe: None,
            probes_running: 0,
            browser: None,
            rooms: Vec::new(),
        }
    }

    /// Connect was pressed: the parameters, if the form is right (and the form kept for next
    /// time); the form shows what is wrong otherwise.
    pub(super) fn connect(&mut self, desk: &mut Desk) -> Option<ConnectParams> {
        self.tried = true;
        let form = &mut self.buffers.form;
        if form.pin_now().is_none() {
            // A room trusted before, typed by hand: its pin is known.
            let known = desk
                .settings
                .pins
                .get(&form.target())
                .and_then(|pin| Fingerprint::from_hex(pin));
            if known.is_some() {
                form.set_pin(known);
            }
        }
        let params = form.validate(desk.lang()).ok()?;
        desk.settings.form = form.to_profile("");
        desk.save_settings();
        Some(params)
    }

    /// Carries out what the connect screen asked of the saved profiles.
    pub(super) fn apply(&mut self, action: ProfileAction, desk: &mut Desk) {
        match action {
            ProfileAction::Select(name) => self.select_profile(name, desk),
            ProfileAction::Save(name) => self.save_profile(&name, desk),
            ProfileAction::Rename { old, new } => self.rename_profile(&old, &new, desk),
            // Asks first; deleted once confirmed (`delete_profile`).
            ProfileAction::Delete(name) => desk.dialogs.delete_profile = Some(name),
        }
    }

    /// Fills the form from the saved profile `name`.
    fn select_profile(&mut self, name: String, desk: &mut Desk) {
        if let Some(profile) = desk.settings.profile(&name) {
            self.buffers.form = ConnectForm::from(profile);
            self.buffers.rename_to.clone_from(&name);
            self.buffers.rename_error = None;
            self.selected = Some(name.clone());
            desk.settings.last_profile = Some(name);
            desk.save_settings();
        }
    }

    /// Saves the form as the profile `name`.
    fn save_profile(&mut self, name: &str, desk: &mut Desk) {
        let profile = self.buffers.form.to_profile(name);
        self.selected = Some(profile.name.clone());
        desk.settings.last_profile = Some(profile.name.clone());
        desk.settings.upsert_profile(profile);
        self.buffers.profile_name.clear();
        desk.save_settings();
    }

    /// Renames the profile `old` to `new`, unless another has that name.
    fn rename_profile(&mut self, old: &str, new: &str, desk: &mut Desk) {
        if desk.settings.rename_profile(old, new) {
            self.selected = Some(new.trim().to_owned());
            desk.save_settings();
            self.buffers.rename_error = None;
        } else {
            let name = new.trim();
            self.buffers.rename_error = Some(tr!(desk.lang(), "profile-exists", name = name));
        }
    }

    /// Deletes the profile `name` (the person confirmed).
    pub(super) fn delete_profile(&mut self, name: &str, desk: &mut Desk) {
        desk.settings.delete_profile(name);
        self.selected = None;
        self.buffers.rename_error = None;
        desk.save_settings();
    }

    /// Pins `fingerprint` in the form, if it is for `host` and `port`.
    pub(super) fn pin(&mut self, host: &str, port: u16, fingerprint: Fingerprint) {
        let form = &mut self.buffers.form;
        if form.host.trim() == host && form.port.trim() == port.to_string() {
            form.set_pin(Some(fingerprint));
        }
    }

    /// Starts or stops browsing for rooms, as the settings (and the caller) allow.
    pub(super) fn set_discovery(&mut self, on: bool, desk: &mut Desk) {
        desk.settings.discovery = on;
        if !desk.discovery_on() {
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
            match discovery::browse(desk.sink(AppEvent::Discovery)) {
                Ok(browser) => self.browser = Some(browser),
                Err(err) => desk.warning = Some(err.to_string()),
            }
        }
    }

    /// A room was announced on the LAN (again).
    pub(super) fn found(&mut self, room: RoomInfo) {
        discovery::merge_found(&mut self.rooms, room);
    }

    /// A room is no longer announced.
    pub(super) fn gone(&mut self, fullname: &str) {
        self.rooms.retain(|r| r.fullname != fullname);
    }

    /// Fills the form from the room `fullname` found on the LAN; false when it is gone.
    pub(super) fn fill_from_room(&mut self, fullname: &str, settings: &Settings) -> bool {
        let Some(room) = self.rooms.iter().find(|r| r.fullname == fullname) else {
            return false;
        };
        let host = room.best_addr().map_or_else(
            || room.host.trim_end_matches('.').to_owned(),
            |ip| ip.to_string(),
        );
        let port = room.port;
        // A room already trusted under this address keeps its pin.
        let pin = settings
            .profiles
            .iter()
            .chain(std::iter::once(&settings.form))
            .find(|p| p.host == host && p.port == port)
            .and_then(|p| p.pin.as_deref())
            .and_then(Fingerprint::from_hex);
        let form = &mut self.buffers.form;
        form.host = host;
        form.port = port.to_string();
        form.dialect = Wire::Json;
        // An older room says nothing of TLS: join it in clear (the badge says so), unless it was
        // trusted before — a pinned room is never taken back to clear by an advertisement.
        form.encrypted = room.tls || pin.is_some();
        form.set_pin(pin);
        self.selected = None;
        true
    }

    /// Tests whether the form's host:port answers.
    pub(super) fn test_reachability(&mut self, desk: &Desk) {
        self.interfaces = diagnostics::interfaces();
        self.probe = None;
        let host = self.buffers.form.host.trim().to_owned();
        let port = form::parse_port(&self.buffers.form.port, Lang::En).unwrap_or(DEFAULT_PORT);
        self.start_probe(ProbeKind::Form, host, port, desk);
    }

    /// Runs a reachability test on a background thread; its result arrives as an event.
    pub(super) fn start_probe(&mut self, kind: ProbeKind, host: String, port: u16, desk: &Desk) {
        let done = desk.sink(move |probe| AppEvent::Probe(kind, probe));
        let spawned = thread::Builder::new()
            .name("coucou-probe".to_owned())
            .spawn(move || {
                done.send(diagnostics::probe(&host, port, PROBE_TIMEOUT));
            });
        if spawned.is_ok() {
            self.probes_running += 1;
        }
    }

    /// A test ended: the form's is kept here; one of the hosted room's addresses is given back.
    pub(super) fn probed(&mut self, kind: ProbeKind, probe: Probe) -> Option<Probe> {
        self.probes_running = self.probes_running.saturating_sub(1);
        match kind {
            ProbeKind::Form => {
                self.probe = Some(probe);
                None
            }
            ProbeKind::Hosting => Some(probe),
        }
    }

    /// Draws the connect screen; `connecting` is the `host:port` being connected to, `error` the
    /// last connection's.
    pub(super) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        desk: &Desk,
        connecting: Option<&str>,
        error: Option<&str>,
    ) -> Option<Action> {
        let view = ConnectView {
            profiles: &desk.settings.profiles,
            selected: self.selected.as_deref(),
            error,
            connecting,
            tried: self.tried,
            rooms: desk.discovery_on().then_some(self.rooms.as_slice()),
            interfaces: &self.interfaces,
            probe: self.probe.as_ref(),
            probing: self.probes_running > 0,
        };
        connect_ui(ui, &view, &mut self.buffers)
    }
}
