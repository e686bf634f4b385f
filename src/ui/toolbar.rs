//! The toolbar: Host toggle and where the hosted room can be reached, connection state, transcript
//! export and the settings menu.

use std::net::SocketAddr;

use eframe::egui::{self, RichText};

use super::Action;
use crate::diagnostics::Probe;
use crate::model::settings::{
    DEFAULT_FONT_SIZE, MAX_FONT_SIZE, MIN_FONT_SIZE, NotifyChoice, ThemeChoice,
};

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
    /// The room's code (its certificate's fingerprint), for people to check.
    pub code: &'a str,
    /// Only encrypted connections are let in.
    pub encrypted_only: bool,
    /// The room has a password.
    pub has_password: bool,
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
    /// A conversation is on screen (in a room or not), so there is something to export.
    pub has_conversation: bool,
    /// Seconds until the next reconnection attempt.
    pub reconnect_in: Option<u64>,
    /// Why the last attempt to reconnect failed.
    pub reconnect_failure: Option<&'a str>,
    /// The current theme.
    pub theme: ThemeChoice,
    /// The current text size.
    pub font_size: f32,
    /// A warning to show once (a settings file that could not be read).
    pub warning: Option<&'a str>,
    /// LAN discovery is on in settings.
    pub discovery: bool,
    /// Which messages raise a desktop notification.
    pub notifications: NotifyChoice,
    /// The Host setting: only encrypted connections.
    pub host_encrypted_only: bool,
    /// A room password is set for hosting.
    pub host_has_password: bool,
    /// The Host setting: keep the history across restarts.
    pub host_keep_history: bool,
    /// The Host setting: forget messages older than this many days (0: never).
    pub host_history_days: u32,
    /// The Host setting: keep at most this many messages (0: no limit).
    pub host_history_max: u64,
}

/// The choices for how long the hosted room keeps messages: (days, label); 0 is forever.
const KEEP_DAYS: [(u32, &str); 5] = [
    (0, "forever"),
    (365, "for a year"),
    (90, "for 90 days"),
    (30, "for 30 days"),
    (7, "for 7 days"),
];

/// The choices for how many messages the hosted room keeps: (count, label); 0 is no limit.
const KEEP_COUNT: [(u64, &str); 4] = [
    (0, "no limit"),
    (100_000, "the last 100,000"),
    (10_000, "the last 10,000"),
    (1_000, "the last 1,000"),
];

/// A submenu `label: <the choice now>` listing `choices`; the value picked, when it changes. A
/// value that is not one of the choices (typed into the settings file) shows as itself.
fn choice_ui<T: Copy + PartialEq + std::fmt::Display>(
    ui: &mut egui::Ui,
    label: &str,
    choices: &[(T, &str)],
    now: T,
) -> Option<T> {
    let mut picked = None;
    let shown = choices
        .iter()
        .find(|(value, _)| *value == now)
        .map_or_else(|| now.to_string(), |(_, text)| (*text).to_owned());
    ui.menu_button(format!("{label}: {shown}"), |ui| {
        for (value, text) in choices {
            if ui.selectable_label(*value == now, *text).clicked() && *value != now {
                picked = Some(*value);
            }
        }
    });
    picked
}

/// The Host fields, owned by the app and edited here.
#[derive(Debug, Clone)]
pub struct HostBuffers {
    /// The room name.
    pub room: String,
    /// The port, as typed.
    pub port: String,
    /// A new room password being typed (never shown again once set).
    pub password: String,
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
        // While in a room, these would read like its name and port: hosting uses them as saved.
        if !hosting && !view.in_room {
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
            // The room's protection and memory, in a menu of their own: kept, and applied when
            // it is hosted.
            let security = egui::containers::menu::MenuButton::new("Room options").config(
                egui::containers::menu::MenuConfig::new()
                    .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside),
            );
            security.ui(ui, |ui| {
                ui.label(if view.host_has_password {
                    "This room has a password. Type a new one, or leave it empty and press Set to \
                     remove it."
                } else {
                    "A password for the room (only its hash is kept):"
                });
                ui.horizontal(|ui| {
                    let label = ui.label("Password");
                    let field = ui
                        .add_enabled(
                            enabled,
                            egui::TextEdit::singleline(&mut host.password)
                                .password(true)
                                .desired_width(140.0),
                        )
                        .labelled_by(label.id);
                    let set = ui.add_enabled(enabled, egui::Button::new("Set"));
                    if set.clicked()
                        || (field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)))
                    {
                        action = Some(Action::SetHostPassword(std::mem::take(&mut host.password)));
                    }
                });
                let mut encrypted_only = view.host_encrypted_only;
                if ui
                    .add_enabled(
                        enabled,
                        egui::Checkbox::new(&mut encrypted_only, "Encrypted only"),
                    )
                    .on_hover_text("Turn away apps and terminals that connect in clear")
                    .changed()
                {
                    action = Some(Action::SetHostEncryptedOnly(encrypted_only));
                }
                ui.separator();
                let mut keep = view.host_keep_history;
                if ui
                    .add_enabled(
                        enabled,
                        egui::Checkbox::new(&mut keep, "Keep the history when the room closes"),
                    )
                    .on_hover_text("Newcomers get the conversation from before, after a restart")
                    .changed()
                {
                    action = Some(Action::SetHostKeepHistory(keep));
                }
                ui.add_enabled_ui(enabled && keep, |ui| {
                    if let Some(days) =
                        choice_ui(ui, "Keep messages", &KEEP_DAYS, view.host_history_days)
                    {
                        action = Some(Action::SetHostHistoryDays(days));
                    }
                    if let Some(max) = choice_ui(ui, "How many", &KEEP_COUNT, view.host_history_max)
                    {
                        action = Some(Action::SetHostHistoryMax(max));
                    }
                });
            });
        }
        if view.host_stopping {
            ui.spinner();
            ui.label("Closing the room…");
        }
        ui.separator();
        if view.in_room && ui.button("Disconnect").clicked() {
            action = Some(Action::Disconnect);
        }
        if view.has_conversation && ui.button("Export transcript…").clicked() {
            action = Some(Action::ExportTranscript);
        }
        // Stays open while its buttons are used (text size steps, theme): closed by a click outside.
        let settings_menu = egui::containers::menu::MenuButton::new("Settings").config(
            egui::containers::menu::MenuConfig::new()
                .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside),
        );
        settings_menu.ui(ui, |ui| {
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
            // Buttons, not a slider: the menu grows with the text, and a slider's handle would
            // jump under the pointer. Ctrl +, Ctrl - and Ctrl 0 (and Ctrl + wheel) do the same.
            ui.label("Text size");
            ui.horizontal(|ui| {
                let size = view.font_size;
                let smaller = ui.add_enabled(size > MIN_FONT_SIZE, egui::Button::new("A-"));
                if smaller.on_hover_text("Smaller (Ctrl -)").clicked() {
                    action = Some(Action::SetFontSize(size - 1.0));
                }
                ui.label(format!("{size:.0} pt"));
                let larger = ui.add_enabled(size < MAX_FONT_SIZE, egui::Button::new("A+"));
                if larger.on_hover_text("Larger (Ctrl +)").clicked() {
                    action = Some(Action::SetFontSize(size + 1.0));
                }
                if ui.button("Reset").on_hover_text("Ctrl 0").clicked() {
                    action = Some(Action::SetFontSize(DEFAULT_FONT_SIZE));
                }
            });
            ui.separator();
            ui.label("Notifications");
            for (choice, name) in [
                (
                    NotifyChoice::MentionsAndPrivate,
                    "Mentions and private messages",
                ),
                (NotifyChoice::All, "Every message"),
                (NotifyChoice::Off, "None"),
            ] {
                if ui.radio(view.notifications == choice, name).clicked() {
                    action = Some(Action::SetNotifications(choice));
                }
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
        ui.horizontal_wrapped(|ui| {
            ui.label("Room code:");
            ui.label(RichText::new(hosting.code).monospace().strong())
                .on_hover_text(
                    "People joining for the first time are shown this code: read it to them",
                );
            let mut how = vec![if hosting.encrypted_only {
                "encrypted only"
            } else {
                "encrypted or in clear"
            }];
            if hosting.has_password {
                how.push("password");
            }
            ui.weak(format!("({})", how.join(", ")));
        });
        for probe in hosting.probes {
            ui.weak(probe.describe());
        }
    }
    if let Some(error) = view.host_error {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(ui.visuals().warn_fg_color, error);
            if ui.small_button("OK").clicked() {
                action = Some(Action::DismissHostError);
            }
        });
    }
    if let Some(secs) = view.reconnect_in {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("Connection lost. Reconnecting in {secs} s…"));
            if ui.button("Reconnect now").clicked() {
                action = Some(Action::ReconnectNow);
            }
            if ui.button("Cancel").clicked() {
                action = Some(Action::CancelReconnect);
            }
        });
        if let Some(failure) = view.reconnect_failure {
            ui.weak(format!("Last try: {failure}"));
        }
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

/// Asks before leaving the room on screen to host one.
pub fn confirm_host_on_ui(ctx: &egui::Context, room: &str) -> Option<Action> {
    super::confirm_ui(
        ctx,
        "confirm_host_on",
        "Leave this room to host one?",
        &format!(
            "You are in {room}. Hosting a room of your own leaves it (its conversation stays \
             until you close it)."
        ),
        ("Leave and host", Action::ConfirmHostOn),
        ("Stay", Action::CancelHostOn),
    )
}

/// Asks before closing the window while others are in the hosted room.
pub fn confirm_quit_ui(ctx: &egui::Context, room: &str, others: usize) -> Option<Action> {
    super::confirm_ui(
        ctx,
        "confirm_quit",
        "Quit and close the room?",
        &format!(
            "You are hosting {room} and {} in it. Quitting closes the room for everyone.",
            others_in(others)
        ),
        ("Quit and close the room", Action::ConfirmQuit),
        ("Keep hosting", Action::CancelQuit),
    )
}

/// "1 other person is", "3 other people are".
fn others_in(others: usize) -> String {
    if others == 1 {
        "1 other person is".to_owned()
    } else {
        format!("{others} other people are")
    }
}

/// The app's own save dialog, for when the system's can't open (no file portal, no zenity): a path
/// to type, Save and Cancel. The path is the view's own buffer.
pub fn save_fallback_ui(
    ctx: &egui::Context,
    path: &mut String,
    error: Option<&str>,
) -> Option<Action> {
    let mut action = None;
    egui::Modal::new(egui::Id::unique("save_fallback")).show(ctx, |ui| {
        ui.heading("Export transcript");
        ui.label("The system's save dialog could not open. Save the transcript as:");
        let label = ui.label("File");
        let field = ui
            .add(egui::TextEdit::singleline(path).desired_width(420.0))
            .labelled_by(label.id);
        if let Some(error) = error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() || enter {
                action = Some(Action::SaveTranscriptTo(path.clone()));
            }
            if ui.button("Cancel").clicked() {
                action = Some(Action::CancelSaveTranscript);
            }
        });
    });
    action
}

/// The export window's fields: the first and last day to export, as typed (YYYY-MM-DD).
#[derive(Debug, Clone, Default)]
pub struct ExportDays {
    /// The first day.
    pub from: String,
    /// The last day.
    pub to: String,
    /// What is wrong with them, if something is.
    pub error: Option<String>,
}

/// Which days of the conversation to export (any day this computer's log holds).
pub fn export_days_ui(ctx: &egui::Context, days: &mut ExportDays) -> Option<Action> {
    let mut action = None;
    egui::Modal::new(egui::Id::unique("export_days")).show(ctx, |ui| {
        ui.heading("Export transcript");
        ui.label("Every message this computer saw in this room, from the first day to the last:");
        egui::Grid::new("export_days_grid").show(ui, |ui| {
            for (label, value) in [("From", &mut days.from), ("To", &mut days.to)] {
                let label = ui.label(label);
                ui.add(
                    egui::TextEdit::singleline(value)
                        .hint_text("YYYY-MM-DD")
                        .desired_width(120.0),
                )
                .labelled_by(label.id);
                ui.end_row();
            }
        });
        if let Some(error) = &days.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.horizontal(|ui| {
            if ui.button("Export…").clicked() {
                action = Some(Action::ExportDays);
            }
            if ui.button("Cancel").clicked() {
                action = Some(Action::CancelExport);
            }
        });
    });
    action
}

/// Asks before closing a room others are in.
pub fn confirm_host_off_ui(ctx: &egui::Context, others: usize) -> Option<Action> {
    super::confirm_ui(
        ctx,
        "confirm_host_off",
        "Close the room?",
        &format!(
            "{} connected. They will be told the room is closing.",
            others_in(others)
        ),
        ("Close the room", Action::ConfirmHostOff),
        ("Keep hosting", Action::KeepHosting),
    )
}
