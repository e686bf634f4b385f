//! The connect screen: saved profiles beside the form (username, host, port, dialect).

use eframe::egui::{self, Key, RichText};

use super::{Action, ProfileAction};
use crate::diagnostics::{InterfaceInfo, Probe, WHY_NOT};
use crate::discovery::RoomInfo;
use crate::model::form::ConnectForm;
use crate::model::settings::Profile;
use crate::protocol::Wire;
use crate::tr;

/// What the connect screen shows, lent by the app.
#[derive(Debug, Clone, Copy)]
pub struct ConnectView<'a> {
    /// Saved profiles, sorted.
    pub profiles: &'a [Profile],
    /// The profile the form came from, if any.
    pub selected: Option<&'a str>,
    /// The last connection error, in words.
    pub error: Option<&'a str>,
    /// `host:port` while a connection is being made.
    pub connecting: Option<&'a str>,
    /// True once Connect was pressed: show every field's problem, even empty ones.
    pub tried: bool,
    /// Rooms found on the network; `None` when discovery is off.
    pub rooms: Option<&'a [RoomInfo]>,
    /// This machine's interfaces and addresses.
    pub interfaces: &'a [InterfaceInfo],
    /// The last reachability test, and whether one is running.
    pub probe: Option<&'a Probe>,
    /// A reachability test is running.
    pub probing: bool,
}

/// The connect screen's text buffers, owned by the app and edited here.
#[derive(Debug, Clone)]
pub struct ConnectBuffers {
    /// The form.
    pub form: ConnectForm,
    /// The name to save the form under.
    pub profile_name: String,
    /// The new name for the selected profile.
    pub rename_to: String,
    /// Why the last rename failed, shown beside the rename field until the next profile action.
    pub rename_error: Option<String>,
    /// Give the username field the keyboard focus in the next frame (at start).
    pub focus_username: bool,
}

/// Draws the connect screen.
pub fn connect_ui(
    ui: &mut egui::Ui,
    view: &ConnectView<'_>,
    buffers: &mut ConnectBuffers,
) -> Option<Action> {
    let mut action = None;
    egui::Panel::left("profiles")
        .resizable(false)
        .default_size(200.0)
        .show(ui, |ui| {
            // One scroll area for the whole panel: with many rooms or profiles, the profile
            // buttons below them stay reachable.
            egui::ScrollArea::vertical()
                .id_salt("left_panel")
                .show(ui, |ui| {
                    action = rooms_ui(ui, view);
                    ui.separator();
                    action = action.take().or(profiles_ui(ui, view, buffers));
                });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        action = action.take().or(form_ui(ui, view, buffers));
    });
    action
}

/// Rooms found on the network: click fills the form, double-click joins.
fn rooms_ui(ui: &mut egui::Ui, view: &ConnectView<'_>) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    ui.heading(lang.tr("rooms-heading"));
    match view.rooms {
        None => {
            ui.weak(lang.tr("rooms-discovery-off"));
        }
        Some([]) => {
            ui.weak(lang.tr("rooms-none"));
        }
        Some(rooms) => {
            // In name order (see `discovery::merge_found`): rows don't move when one is
            // re-announced.
            for room in rooms {
                let people = crate::protocol::people_count(room.people, lang);
                let addr = room
                    .best_addr()
                    .map_or_else(|| room.host.clone(), |ip| ip.to_string());
                let mut text = format!("{} · {addr}:{} · {people}", room.room, room.port);
                if room.rooms > 1 {
                    text.push_str(" · ");
                    text.push_str(&tr!(lang, "rooms-count", count = room.rooms));
                }
                let row = ui
                    .selectable_label(false, text)
                    .on_hover_text(lang.tr("rooms-hint"));
                if row.double_clicked() {
                    action = Some(Action::JoinRoom(room.fullname.clone()));
                } else if row.clicked() {
                    action = Some(Action::PickRoom(room.fullname.clone()));
                }
            }
        }
    }
    action
}

/// Saved profiles: choose, save the form, rename, delete.
fn profiles_ui(
    ui: &mut egui::Ui,
    view: &ConnectView<'_>,
    buffers: &mut ConnectBuffers,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    ui.heading(lang.tr("profiles-heading"));
    ui.add_space(4.0);
    if view.profiles.is_empty() {
        ui.weak(lang.tr("profiles-none"));
    }
    for profile in view.profiles {
        let selected = view.selected == Some(profile.name.as_str());
        let label = ui
            .selectable_label(selected, &profile.name)
            .on_hover_text(tr!(
                lang,
                "profile-hint",
                name = profile.username.as_str(),
                host = profile.host.as_str(),
                port = profile.port.to_string()
            ));
        if label.clicked() {
            action = Some(Action::Profile(ProfileAction::Select(profile.name.clone())));
        }
    }
    ui.separator();
    let label = ui.label(lang.tr("profile-name"));
    ui.add(
        egui::TextEdit::singleline(&mut buffers.profile_name)
            .hint_text(lang.tr("profile-name-hint")),
    )
    .labelled_by(label.id);
    let name = buffers.profile_name.trim();
    if ui
        .add_enabled(!name.is_empty(), egui::Button::new(lang.tr("profile-save")))
        .clicked()
    {
        action = Some(Action::Profile(ProfileAction::Save(name.to_owned())));
    }
    if let Some(selected) = view.selected {
        ui.separator();
        ui.label(RichText::new(tr!(lang, "profile-selected", name = selected)).strong());
        let label = ui.label(lang.tr("profile-new-name"));
        ui.add(egui::TextEdit::singleline(&mut buffers.rename_to))
            .labelled_by(label.id);
        ui.horizontal(|ui| {
            let new = buffers.rename_to.trim();
            if ui
                .add_enabled(
                    !new.is_empty(),
                    egui::Button::new(lang.tr("profile-rename")),
                )
                .clicked()
            {
                action = Some(Action::Profile(ProfileAction::Rename {
                    old: selected.to_owned(),
                    new: new.to_owned(),
                }));
            }
            if ui.button(lang.tr("profile-delete")).clicked() {
                action = Some(Action::Profile(ProfileAction::Delete(selected.to_owned())));
            }
        });
        if let Some(error) = &buffers.rename_error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
    }
    action
}

fn form_ui(
    ui: &mut egui::Ui,
    view: &ConnectView<'_>,
    buffers: &mut ConnectBuffers,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let form = &mut buffers.form;
    let problems = form.validate(lang).err().unwrap_or_default();
    let busy = view.connecting.is_some();

    ui.vertical_centered(|ui| {
        ui.add_space(24.0);
        ui.heading(lang.tr("form-heading"));
        ui.add_space(12.0);
    });
    let mut submitted = false;
    egui::Grid::new("connect_form")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            let label = ui.label(lang.tr("form-username"));
            let field = ui.add_enabled(
                !busy,
                egui::TextEdit::singleline(&mut form.username)
                    .hint_text(lang.tr("form-username-hint")),
            );
            if std::mem::take(&mut buffers.focus_username) {
                field.request_focus();
            }
            submitted |= field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            field.labelled_by(label.id);
            ui.end_row();
            field_error(
                ui,
                problems.username.as_deref(),
                view.tried || !form.username.is_empty(),
            );

            let label = ui.label(lang.tr("form-host"));
            let field = ui.add_enabled(
                !busy,
                egui::TextEdit::singleline(&mut form.host).hint_text("127.0.0.1"),
            );
            submitted |= field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            field.labelled_by(label.id);
            ui.end_row();
            field_error(ui, problems.host.as_deref(), true);

            let label = ui.label(lang.tr("form-port-label"));
            let field = ui.add_enabled(
                !busy,
                egui::TextEdit::singleline(&mut form.port)
                    .desired_width(80.0)
                    .hint_text("4444"),
            );
            submitted |= field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            field.labelled_by(label.id);
            ui.end_row();
            field_error(ui, problems.port.as_deref(), true);

            ui.label(lang.tr("form-kind"));
            ui.horizontal(|ui| {
                ui.radio_value(&mut form.dialect, Wire::Json, "Coucou")
                    .on_hover_text(lang.tr("form-kind-coucou-hint"));
                ui.radio_value(&mut form.dialect, Wire::Plain, lang.tr("form-kind-plain"))
                    .on_hover_text(lang.tr("form-kind-plain-hint"));
                ui.radio_value(
                    &mut form.dialect,
                    Wire::Classic,
                    lang.tr("form-kind-classic"),
                )
                .on_hover_text(lang.tr("form-kind-classic-hint"));
            });
            ui.end_row();

            if form.dialect == Wire::Json {
                ui.label(lang.tr("form-security"));
                ui.horizontal(|ui| {
                    ui.add_enabled(
                        !busy,
                        egui::Checkbox::new(&mut form.encrypted, lang.tr("form-encrypted")),
                    )
                    .on_hover_text(lang.tr("form-encrypted-hint"));
                    if form.pin_now().is_some() {
                        ui.weak(lang.tr("form-code-trusted"));
                    }
                });
                ui.end_row();

                let label = ui.label(lang.tr("form-password"));
                let field = ui.add_enabled(
                    !busy && form.encrypted,
                    egui::TextEdit::singleline(&mut form.password)
                        .password(true)
                        .desired_width(200.0)
                        .hint_text(lang.tr("form-password-hint")),
                );
                submitted |= field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                field.labelled_by(label.id);
                ui.end_row();
            }
        });
    ui.add_space(12.0);
    ui.horizontal(|ui| {
        if let Some(target) = view.connecting {
            ui.spinner();
            ui.label(tr!(lang, "form-connecting", target = target));
            if ui.button(lang.tr("cancel")).clicked() {
                action = Some(Action::CancelConnect);
            }
        } else if ui
            .button(RichText::new(lang.tr("form-connect")).strong())
            .clicked()
            || submitted
        {
            action = Some(Action::Connect);
        }
    });
    if let Some(error) = view.error {
        ui.add_space(8.0);
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    ui.add_space(16.0);
    egui::CollapsingHeader::new(lang.tr("diagnostics-heading"))
        .default_open(false)
        .show(ui, |ui| {
            action = action.take().or(diagnostics_ui(ui, view));
        });
    action
}

/// Interfaces, discovery state, a reachability test of the form's host:port, and the usual causes.
fn diagnostics_ui(ui: &mut egui::Ui, view: &ConnectView<'_>) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    ui.label(if view.rooms.is_some() {
        lang.tr("diagnostics-addresses-on")
    } else {
        lang.tr("diagnostics-addresses-off")
    });
    for interface in view.interfaces {
        ui.weak(format!("  {}  {}", interface.name, interface.addr));
    }
    ui.horizontal(|ui| {
        if ui
            .add_enabled(
                !view.probing,
                egui::Button::new(lang.tr("diagnostics-test")),
            )
            .on_hover_text(lang.tr("diagnostics-test-hint"))
            .clicked()
        {
            action = Some(Action::TestReachability);
        }
        if view.probing {
            ui.spinner();
        }
    });
    if let Some(probe) = view.probe {
        let colour = if probe.outcome.is_ok() {
            ui.visuals().text_color()
        } else {
            ui.visuals().error_fg_color
        };
        ui.colored_label(colour, probe.describe(lang));
    }
    ui.add_space(6.0);
    for why in WHY_NOT {
        ui.label(format!("• {}", lang.tr(why)));
    }
    action
}

/// A field's problem under it, in the error colour.
fn field_error(ui: &mut egui::Ui, problem: Option<&str>, show: bool) {
    if let Some(problem) = problem.filter(|_| show) {
        ui.label("");
        ui.colored_label(ui.visuals().error_fg_color, problem);
        ui.end_row();
    } else {
        // The ids the two labels would have taken: the rows below keep theirs whether an error
        // shows or not, so a screen reader never sees the "Server kind" label become a field.
        ui.skip_ahead_auto_ids(2);
    }
}
