//! The toolbar: Host toggle and where the hosted room can be reached, connection state, transcript
//! export and the settings menu.

use std::net::SocketAddr;

use eframe::egui::{self, RichText};

use super::Action;
use crate::app::settings::ThemeChoice;
use crate::diagnostics::Probe;

/// The hosted room, when hosting.
#[derive(Debug, Clone, Copy)]
pub struct HostingView<'a> {
    /// The room's name.
    pub room: &'a str,
    /// Where people can connect.
    pub addrs: &'a [SocketAddr],
    /// How many people are in the room.
    pub people: usize,
    /// The last test of each address, if any.
    pub probes: &'a [Probe],
}

/// What the toolbar shows, lent by the app.
#[derive(Debug, Clone, Copy)]
pub struct ToolbarView<'a> {
    /// The hosted room, if hosting.
    pub hosting: Option<HostingView<'a>>,
    /// Hosting is being turned off.
    pub host_stopping: bool,
    /// Why hosting could not start.
    pub host_error: Option<&'a str>,
    /// In a room (connected or reconnecting).
    pub in_room: bool,
    /// Seconds until the next reconnection attempt.
    pub reconnect_in: Option<u64>,
    /// The current theme.
    pub theme: ThemeChoice,
    /// The current text size.
    pub font_size: f32,
    /// A warning to show once (a settings file that could not be read).
    pub warning: Option<&'a str>,
    /// LAN discovery is on in settings.
    pub discovery: bool,
}

/// The Host fields, owned by the app and edited here.
#[derive(Debug, Clone)]
pub struct HostBuffers {
    /// The room name.
    pub room: String,
    /// The port, as typed.
    pub port: String,
}

/// Draws the toolbar.
pub fn toolbar_ui(
    ui: &mut egui::Ui,
    view: &ToolbarView<'_>,
    host: &mut HostBuffers,
) -> Option<Action> {
    let mut action = None;
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Coucou").strong());
        ui.separator();
        let hosting = view.hosting.is_some();
        let enabled = !view.host_stopping;
        let toggle = ui.add_enabled(enabled, egui::Button::new("Host a room").selected(hosting));
        let toggle = toggle.on_hover_text(if hosting {
            "Stop hosting the room"
        } else {
            "Run a room on this computer for your network"
        });
        if toggle.clicked() {
            action = Some(if hosting {
                Action::HostOff
            } else {
                Action::HostOn
            });
        }
        if !hosting {
            let label = ui.label("Room");
            ui.add_enabled(
                enabled,
                egui::TextEdit::singleline(&mut host.room).desired_width(110.0),
            )
            .labelled_by(label.id);
            let label = ui.label("Host port");
            ui.add_enabled(
                enabled,
                egui::TextEdit::singleline(&mut host.port).desired_width(50.0),
            )
            .labelled_by(label.id);
        }
        if view.host_stopping {
            ui.spinner();
            ui.label("Closing the room…");
        }
        ui.separator();
        if view.in_room {
            if ui.button("Disconnect").clicked() {
                action = Some(Action::Disconnect);
            }
            if ui.button("Export transcript…").clicked() {
                action = Some(Action::ExportTranscript);
            }
        }
        ui.menu_button("Settings", |ui| {
            ui.label("Theme");
            for (choice, name) in [
                (ThemeChoice::System, "System"),
                (ThemeChoice::Dark, "Dark"),
                (ThemeChoice::Light, "Light"),
            ] {
                if ui.radio(view.theme == choice, name).clicked() {
                    action = Some(Action::SetTheme(choice));
                }
            }
            ui.separator();
            let mut size = view.font_size;
            let label = ui.label("Text size");
            let slider = ui
                .add(egui::Slider::new(&mut size, 10.0..=24.0).step_by(1.0))
                .labelled_by(label.id);
            if slider.changed() {
                action = Some(Action::SetFontSize(size));
            }
            ui.separator();
            let mut discovery = view.discovery;
            if ui
                .checkbox(&mut discovery, "Find and announce rooms on the network")
                .changed()
            {
                action = Some(Action::SetDiscovery(discovery));
            }
        });
    });
    if let Some(hosting) = view.hosting {
        ui.horizontal_wrapped(|ui| {
            let people = crate::protocol::people_count(hosting.people);
            let addrs: Vec<String> = hosting.addrs.iter().map(ToString::to_string).collect();
            ui.label(format!(
                "Hosting {} on {} · {people}",
                hosting.room,
                addrs.join(", ")
            ));
            for addr in addrs {
                if ui
                    .small_button("Copy")
                    .on_hover_text(format!("Copy {addr}"))
                    .clicked()
                {
                    action = Some(Action::Copy(addr));
                }
            }
            if ui
                .small_button("Check addresses")
                .on_hover_text("Tests whether the room answers on each address")
                .clicked()
            {
                action = Some(Action::TestHosting);
            }
        });
        for probe in hosting.probes {
            ui.weak(probe.describe());
        }
    }
    if let Some(error) = view.host_error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    if let Some(secs) = view.reconnect_in {
        ui.horizontal(|ui| {
            ui.label(format!("Connection lost. Reconnecting in {secs} s…"));
            if ui.button("Cancel").clicked() {
                action = Some(Action::CancelReconnect);
            }
        });
    }
    if let Some(warning) = view.warning {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(ui.visuals().warn_fg_color, warning);
            if ui.small_button("OK").clicked() {
                action = Some(Action::DismissWarning);
            }
        });
    }
    ui.add_space(2.0);
    action
}

/// Asks before closing a room others are in.
pub fn confirm_host_off_ui(ctx: &egui::Context, others: usize) -> Option<Action> {
    let mut action = None;
    egui::Modal::new(egui::Id::unique("confirm_host_off")).show(ctx, |ui| {
        ui.heading("Close the room?");
        let who = if others == 1 {
            "1 other person is".to_owned()
        } else {
            format!("{others} other people are")
        };
        ui.label(format!(
            "{who} connected. They will be told the room is closing."
        ));
        ui.horizontal(|ui| {
            if ui.button("Close the room").clicked() {
                action = Some(Action::ConfirmHostOff);
            }
            if ui.button("Keep hosting").clicked() {
                action = Some(Action::KeepHosting);
            }
        });
    });
    action
}
