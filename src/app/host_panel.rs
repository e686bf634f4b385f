//! The Host panel's side of the app (`HostPanel`): the room this app hosts ([`Host`]) and the
//! panel's fields; opening the room as the form's name and joining it once it is open, closing
//! it, testing its addresses, the room options; and the toolbar the panel lives in.

use std::time::Instant;

use eframe::egui;

use super::desk::Desk;
use super::events::{AppEvent, ProbeKind};
use super::hosting::{Host, HostNote, HostRequest, HostStart, Started};
use super::lobby::Lobby;
use super::session::Session;
use crate::i18n::Said;
use crate::model::settings::{RoomOption, Settings};
use crate::protocol::name::NameError;
use crate::tr;
use crate::ui::Action;
use crate::ui::toolbar::{ToolbarBuffers, ToolbarView, toolbar_ui};

/// The hosted room and the Host panel's fields.
pub(super) struct HostPanel {
    /// The room this app hosts, and what the panel says of it.
    pub(super) host: Host,
    /// The panel's fields.
    buffers: ToolbarBuffers,
}

impl HostPanel {
    /// No room yet; the fields as the settings left them.
    pub(super) fn new(settings: &Settings) -> Self {
        Self {
            host: Host::default(),
            buffers: ToolbarBuffers {
                room: settings.host_room.clone(),
                port: settings.host_port.to_string(),
                password: String::new(),
                away_reason: String::new(),
                broker: settings.host_broker.clone().unwrap_or_default(),
                new_room: String::new(),
            },
        }
    }

    /// Opens the room the fields ask for, to join it as `username`, on its own thread.
    pub(super) fn open(&mut self, username: &str, desk: &Desk) {
        let lang = desk.lang();
        let request = match HostRequest::from_buffers(&self.buffers, lang) {
            Ok(request) => request,
            Err(err) => {
                self.host.error = Some(HostNote::Said(err));
                return;
            }
        };
        let name = match crate::protocol::name::validate(username) {
            Ok(name) => name,
            Err(err) => {
                let error = err.describe(lang);
                let said = tr!(lang, "host-username-first", error = error);
                self.host.error = Some(HostNote::Said(said));
                return;
            }
        };
        let path = desk.settings_path.as_deref();
        let start = HostStart::with_settings(
            request,
            &desk.settings,
            path,
            self.host.identity_source(path),
            (desk.options.host_bind, desk.discovery_on()),
            lang,
        );
        let done = desk.sink(move |started| AppEvent::HostStarted(name.clone(), Box::new(started)));
        self.host.start(start, done);
    }

    /// The room asked for opened (and this app joins it as `name`), or could not.
    pub(super) fn opened(
        &mut self,
        name: String,
        started: Result<Started, String>,
        desk: &mut Desk,
        session: &mut Session,
    ) {
        let Some((own_params, request, owner)) = self.host.started(name, started) else {
            return;
        };
        let settings = &mut desk.settings;
        settings.host_port = request.port_to_keep();
        settings.host_room = request.room;
        // The name hosted as is the form's next time, as a name connected with is.
        settings.form.username.clone_from(&own_params.name);
        desk.save_settings();
        session.leave();
        session.start(own_params, false, desk);
        // Whoever hosts is the room's moderator: by the app's device, else by the run's password,
        // which the app gives on joining.
        if let Some(owner) = owner {
            session.contact.oper = Some(owner);
            session.contact.oper_confirmed = true;
        }
    }

    /// Closes the hosted room (this app leaves it first).
    pub(super) fn close(&mut self, desk: &Desk, session: &mut Session) {
        if self.host.room().is_none() {
            return;
        }
        let lang = desk.lang();
        if session.conv.offline.is_none() {
            session.conv.went_offline(Said::new("you-closed-room"));
        }
        session.leave();
        let done = desk.sink(|()| AppEvent::HostStopped);
        self.host.stop(done, lang);
    }

    /// Tests whether the hosted room answers on each of its addresses (the tests run in the
    /// lobby's, which hands their results back).
    pub(super) fn test(&mut self, lobby: &mut Lobby, desk: &Desk) {
        self.host.probes.clear();
        let addrs = self.host.room().map(|h| h.addrs().to_vec());
        for addr in addrs.unwrap_or_default() {
            let host = addr.ip().to_string();
            lobby.start_probe(ProbeKind::Hosting, host, addr.port(), desk);
        }
    }

    /// Changes one of the room options; the panel says why not when it can't be.
    /// A named room added while hosting is made at once.
    pub(super) fn room_option(&mut self, option: RoomOption, desk: &mut Desk) {
        let lang = desk.lang();
        let added = matches!(option, RoomOption::AddRoom(_));
        match desk.settings.set_room_option(option, lang) {
            Ok(()) => {
                self.buffers.broker = desk.settings.host_broker.clone().unwrap_or_default();
                desk.save_settings();
            }
            Err(why) => {
                self.host.error = Some(HostNote::Said(why));
                return;
            }
        }
        let name = desk.settings.host_rooms.last().filter(|_| added).cloned();
        if let Some(name) = name {
            self.buffers.new_room.clear();
            if let Some(Err(err)) = self.host.make_room(&name) {
                let error = match &err {
                    crate::server::RoomError::Name(err) => err.describe(lang),
                    err => err.to_string(),
                };
                // Not kept either, unless the host has it already (made by someone else).
                if !matches!(err, crate::server::RoomError::Name(NameError::Taken { .. })) {
                    desk.settings.host_rooms.pop();
                    desk.save_settings();
                }
                let why = tr!(lang, "room-not-made", error = error);
                self.host.error = Some(HostNote::Said(why));
            }
        }
    }

    /// Draws the toolbar, with the Host panel, the status menu and the Settings menu.
    pub(super) fn toolbar(
        &mut self,
        ui: &mut egui::Ui,
        desk: &Desk,
        session: &Session,
    ) -> Option<Action> {
        let settings = &desk.settings;
        let host_error = self.host.error.as_ref().map(|n| n.describe(desk.lang()));
        let view = ToolbarView {
            host_encrypted_only: settings.host_encrypted_only,
            host_keep_history: settings.host_keep_history,
            host_open_rooms: settings.host_open_rooms,
            host_rooms: &settings.host_rooms,
            host_history_days: settings.host_history_days,
            host_history_max: settings.host_history_max,
            host_has_password: settings.host_password.is_some(),
            hosting: self.host.view(),
            host_busy: self.host.busy(),
            host_error: host_error.as_deref(),
            in_room: session.conv.is_live(),
            has_conversation: session.conv.chat.is_some(),
            reconnect_in: session.contact.reconnect.reconnect_in(Instant::now()),
            reconnect_failure: session.contact.failure.as_deref(),
            theme: settings.theme,
            font_size: settings.font_size,
            warning: desk.warning.as_deref(),
            discovery: settings.discovery,
            notifications: settings.notifications,
            presence: session.contact.speaks_json(),
            away: session.conv.away(),
            language: settings.language,
            system_language: desk.options.system_lang,
            auto_away_minutes: settings.auto_away_minutes,
            journal_days: settings.journal_days,
            device: desk.device,
        };
        let mut action = None;
        egui::Panel::top("toolbar").show(ui, |ui| {
            action = toolbar_ui(ui, &view, &mut self.buffers);
        });
        action
    }
}
