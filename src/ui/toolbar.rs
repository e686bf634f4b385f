//! The toolbar: Host toggle and the hosted room's code and options, connection state, transcript
//! export and the settings menu.

use eframe::egui::{self, RichText};

use super::{Action, RoomAction};
use crate::diagnostics::Probe;
use crate::i18n::Lang;
use crate::model::settings::{
    DEFAULT_FONT_SIZE, MAX_FONT_SIZE, MIN_FONT_SIZE, NotifyChoice, Preference, RoomOption,
    ThemeChoice,
};
use crate::protocol::device::DeviceId;
use crate::protocol::message::AwayNote;
use crate::qr::{QUIET_ZONE, Qr};
use crate::tr;

/// The hosted room, when hosting.
#[derive(Debug, Clone, Copy)]
pub struct HostingView<'a> {
    /// The last test of each address, if any.
    pub probes: &'a [Probe],
    /// The room's code (its certificate's fingerprint), for people to check.
    pub code: &'a str,
    /// Only encrypted connections are let in.
    pub encrypted_only: bool,
    /// The room has a password.
    pub has_password: bool,
    /// The broker the room is linked through, when it is one room with other sites.
    pub linked: Option<&'a str>,
    /// The web page at each address, with its QR code, for phones (https with a password).
    pub pages: &'a [(String, Qr)],
}

/// The hosted room is on its way up or down: the Host toggle waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostBusy {
    /// The room asked for is opening (identity, history, files folder, port).
    Starting,
    /// The room is closing; its port is not free yet.
    Stopping,
}

/// What the toolbar shows, lent by the app.
#[derive(Debug, Clone, Copy)]
pub struct ToolbarView<'a> {
    /// The hosted room, if hosting.
    pub hosting: Option<HostingView<'a>>,
    /// Hosting is being turned on, or off.
    pub host_busy: Option<HostBusy>,
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
    /// Anyone may make a named room in the hosted room.
    pub host_open_rooms: bool,
    /// The hosted room's named rooms, as kept.
    pub host_rooms: &'a [String],
    /// The Host setting: forget messages older than this many days (0: never).
    pub host_history_days: u32,
    /// The Host setting: keep at most this many messages (0: no limit).
    pub host_history_max: u64,
    /// The room knows who is away (a Coucou room): the status menu is shown.
    pub presence: bool,
    /// You, as the room sees you: away or not.
    pub away: Option<&'a AwayNote>,
    /// The language chosen in settings (`None`: the system's).
    pub language: Option<Lang>,
    /// The system's language.
    pub system_language: Lang,
    /// Minutes without input before you are marked away (0: never).
    pub auto_away_minutes: u32,
    /// Days this computer's log keeps conversations (0: forever).
    pub journal_days: u32,
    /// This app's device, once known.
    pub device: Option<DeviceId>,
}

/// The choices for how long the hosted room keeps messages, in days; 0 is forever.
const KEEP_DAYS: [u32; 5] = [0, 365, 90, 30, 7];

/// The choices for how many messages the hosted room keeps; 0 is no limit.
const KEEP_COUNT: [u64; 4] = [0, 100_000, 10_000, 1_000];

/// The choices of minutes without input before you are marked away; 0 is never.
const AWAY_AFTER: [u32; 5] = [0, 5, 10, 15, 30];

/// "for 90 days", "forever".
fn keep_days_text(lang: Lang, days: u32) -> String {
    match days {
        0 => lang.tr("keep-forever"),
        365 => lang.tr("keep-year"),
        days => tr!(lang, "keep-days", days = days),
    }
}

/// "the last 10,000", "no limit".
fn keep_count_text(lang: Lang, count: u64) -> String {
    match count {
        0 => lang.tr("keep-no-limit"),
        count => tr!(lang, "keep-last", count = group_thousands(lang, count)),
    }
}

/// "after 10 min", "never".
fn away_after_text(lang: Lang, minutes: u32) -> String {
    match minutes {
        0 => lang.tr("away-after-never"),
        minutes => tr!(lang, "away-after-minutes", minutes = minutes),
    }
}

/// `100,000` / `100 000`: a count with its thousands grouped as the language writes them.
pub fn group_thousands(lang: Lang, n: u64) -> String {
    let digits = n.to_string();
    let separator = match lang {
        Lang::En => ",",
        Lang::Fr => "\u{a0}", // no-break space
    };
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(digit);
    }
    out
}

/// A submenu `label: <the choice now>` listing `choices`, each shown by `text`; the value picked,
/// when it changes. A value that is not one of the choices (typed into the settings file) shows
/// too.
fn choice_ui<T: Copy + PartialEq>(
    ui: &mut egui::Ui,
    label: &str,
    choices: &[T],
    now: T,
    text: impl Fn(T) -> String,
) -> Option<T> {
    let mut picked = None;
    let lang = super::lang(ui.ctx());
    let shown = tr!(lang, "choice-label", label = label, value = text(now));
    ui.menu_button(shown, |ui| {
        for &value in choices {
            if ui.selectable_label(value == now, text(value)).clicked() && value != now {
                picked = Some(value);
            }
        }
    });
    picked
}

/// The toolbar's fields, owned by the app and edited here.
#[derive(Debug, Clone, Default)]
pub struct ToolbarBuffers {
    /// Why you are away, as typed in the status menu.
    pub away_reason: String,
    /// The room name.
    pub room: String,
    /// The port, as typed.
    pub port: String,
    /// A new room password being typed (never shown again once set).
    pub password: String,
    /// The broker to link the hosted room through, as typed.
    pub broker: String,
    /// A named room to add, as typed.
    pub new_room: String,
}

/// Draws the toolbar.
pub fn toolbar_ui(
    ui: &mut egui::Ui,
    view: &ToolbarView<'_>,
    host: &mut ToolbarBuffers,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Coucou").strong());
        ui.separator();
        let hosting = view.hosting.is_some();
        let enabled = view.host_busy.is_none();
        let toggle = ui.add_enabled(
            enabled,
            egui::Button::new(lang.tr("host-toggle")).selected(hosting),
        );
        let toggle = toggle.on_hover_text(if hosting {
            lang.tr("host-toggle-off-hint")
        } else {
            lang.tr("host-toggle-on-hint")
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
            let label = ui.label(lang.tr("host-room"));
            ui.add_enabled(
                enabled,
                egui::TextEdit::singleline(&mut host.room).desired_width(110.0),
            )
            .labelled_by(label.id);
            let label = ui.label(lang.tr("host-port"));
            ui.add_enabled(
                enabled,
                egui::TextEdit::singleline(&mut host.port).desired_width(50.0),
            )
            .labelled_by(label.id);
        }
        // The room's protection, memory and rooms, in a menu of their own: kept, and applied when
        // it is hosted. While hosting, the menu is on the hosted room's line.
        if !hosting
            && !view.in_room
            && let Some(chosen) = room_options_ui(ui, view, host, enabled)
        {
            action = Some(chosen);
        }
        if let Some(busy) = view.host_busy {
            ui.spinner();
            ui.label(lang.tr(match busy {
                HostBusy::Starting => "host-opening",
                HostBusy::Stopping => "host-closing",
            }));
        }
        ui.separator();
        // The conversation's buttons, then the settings, on this one row: when they would not fit
        // (large text, longer words, the room's fields), the conversation's buttons go in a menu
        // of their own, so the toolbar keeps one row and the conversation its height.
        let mut buttons = Vec::new();
        if view.in_room {
            buttons.push((lang.tr("disconnect"), RoomAction::Disconnect));
        }
        if view.has_conversation {
            buttons.push((lang.tr("export-transcript"), RoomAction::ExportTranscript));
        }
        let status = (view.in_room && view.presence).then(|| status_text(view.away, lang));
        let settings_label = lang.tr("settings");
        let row: Vec<&str> = status
            .iter()
            .chain(buttons.iter().map(|(label, _)| label))
            .chain([&settings_label])
            .map(String::as_str)
            .collect();
        let fits = buttons_width(ui, &row) <= ui.available_size_before_wrap().x;
        if let Some(status) = status {
            status_ui(ui, status, view.away, &mut host.away_reason, &mut action);
        }
        if fits {
            for (label, asked) in buttons {
                if ui.button(label).clicked() {
                    action = Some(Action::Room(asked));
                }
            }
        } else if !buttons.is_empty() {
            ui.menu_button(lang.tr("toolbar-more"), |ui| {
                for (label, asked) in buttons {
                    if ui.button(label).clicked() {
                        action = Some(Action::Room(asked));
                        ui.close();
                    }
                }
            });
        }
        // Stays open while its buttons are used (text size steps, theme): closed by a click outside.
        let settings_menu = egui::containers::menu::MenuButton::new(settings_label).config(
            egui::containers::menu::MenuConfig::new()
                .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside),
        );
        settings_menu.ui(ui, |ui| {
            if let Some(language) = choice_ui(
                ui,
                &lang.tr("settings-language"),
                &[None, Some(Lang::En), Some(Lang::Fr)],
                view.language,
                |choice| match choice {
                    None => tr!(
                        lang,
                        "settings-language-system",
                        language = view.system_language.native_name()
                    ),
                    Some(language) => language.native_name().to_owned(),
                },
            ) {
                action = Some(Action::Preference(Preference::Language(language)));
            }
            ui.separator();
            ui.label(lang.tr("settings-theme"));
            for (choice, name) in [
                (ThemeChoice::System, lang.tr("theme-system")),
                (ThemeChoice::Dark, lang.tr("theme-dark")),
                (ThemeChoice::Light, lang.tr("theme-light")),
            ] {
                if ui.radio(view.theme == choice, name).clicked() {
                    action = Some(Action::Preference(Preference::Theme(choice)));
                }
            }
            ui.separator();
            // Buttons, not a slider: the menu grows with the text, and a slider's handle would
            // jump under the pointer. Ctrl +, Ctrl - and Ctrl 0 (and Ctrl + wheel) do the same.
            ui.label(lang.tr("settings-text-size"));
            ui.horizontal(|ui| {
                let size = view.font_size;
                let smaller = ui.add_enabled(size > MIN_FONT_SIZE, egui::Button::new("A-"));
                if smaller.on_hover_text(lang.tr("text-smaller")).clicked() {
                    action = Some(Action::Preference(Preference::FontSize(size - 1.0)));
                }
                ui.label(tr!(lang, "text-size-points", size = size.round()));
                let larger = ui.add_enabled(size < MAX_FONT_SIZE, egui::Button::new("A+"));
                if larger.on_hover_text(lang.tr("text-larger")).clicked() {
                    action = Some(Action::Preference(Preference::FontSize(size + 1.0)));
                }
                if ui
                    .button(lang.tr("text-reset"))
                    .on_hover_text("Ctrl 0")
                    .clicked()
                {
                    action = Some(Action::Preference(Preference::FontSize(DEFAULT_FONT_SIZE)));
                }
            });
            ui.separator();
            ui.label(lang.tr("settings-notifications"));
            for (choice, name) in [
                (NotifyChoice::MentionsAndPrivate, lang.tr("notify-mentions")),
                (NotifyChoice::All, lang.tr("notify-all")),
                (NotifyChoice::Off, lang.tr("notify-off")),
            ] {
                if ui.radio(view.notifications == choice, name).clicked() {
                    action = Some(Action::Preference(Preference::Notifications(choice)));
                }
            }
            ui.separator();
            if let Some(minutes) = choice_ui(
                ui,
                &lang.tr("settings-away-after"),
                &AWAY_AFTER,
                view.auto_away_minutes,
                |minutes| away_after_text(lang, minutes),
            ) {
                action = Some(Action::Preference(Preference::AutoAway(minutes)));
            }
            if let Some(days) = choice_ui(
                ui,
                &lang.tr("settings-journal-keep"),
                &KEEP_DAYS,
                view.journal_days,
                |days| keep_days_text(lang, days),
            ) {
                action = Some(Action::Preference(Preference::JournalDays(days)));
            }
            ui.separator();
            let mut discovery = view.discovery;
            if ui
                .checkbox(&mut discovery, lang.tr("settings-discovery"))
                .changed()
            {
                action = Some(Action::Preference(Preference::Discovery(discovery)));
            }
            if let Some(device) = view.device {
                ui.separator();
                ui.horizontal(|ui| {
                    ui.label(lang.tr("settings-device"))
                        .on_hover_text(lang.tr("settings-device-hint"));
                    ui.label(RichText::new(device.code()).monospace());
                    if ui.small_button(lang.tr("settings-device-copy")).clicked() {
                        action = Some(Action::Copy(device.to_hex()));
                    }
                });
            }
        });
    });
    if let Some(hosting) = view.hosting {
        // One line: the room's header says where it is hosted and how many are in it.
        ui.horizontal_wrapped(|ui| {
            ui.label(lang.tr("room-code"));
            ui.label(RichText::new(hosting.code).monospace().strong())
                .on_hover_text(lang.tr("room-code-hint"));
            let mut how = vec![if hosting.encrypted_only {
                lang.tr("room-how-encrypted-only")
            } else {
                lang.tr("room-how-either")
            }];
            if hosting.has_password {
                how.push(lang.tr("room-how-password"));
            }
            if let Some(url) = hosting.linked {
                how.push(tr!(lang, "room-how-linked", url = url));
            }
            ui.weak(format!("({})", how.join(", ")));
            if ui
                .small_button(lang.tr("check-addresses"))
                .on_hover_text(lang.tr("check-addresses-hint"))
                .clicked()
            {
                action = Some(Action::TestHosting);
            }
            // A named room added here is made at once; the rest applies at the next hosting.
            if let Some(chosen) = room_options_ui(ui, view, host, view.host_busy.is_none()) {
                action = Some(chosen);
            }
        });
        for probe in hosting.probes {
            ui.weak(probe.describe(lang));
        }
        phones_ui(ui, &hosting);
    }
    if let Some(error) = view.host_error {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(ui.visuals().warn_fg_color, error);
            if ui.small_button(lang.tr("ok")).clicked() {
                action = Some(Action::DismissHostError);
            }
        });
    }
    if let Some(secs) = view.reconnect_in {
        ui.horizontal_wrapped(|ui| {
            ui.label(tr!(lang, "reconnecting-in", seconds = secs));
            if ui.button(lang.tr("reconnect-now")).clicked() {
                action = Some(Action::Room(RoomAction::ReconnectNow));
            }
            if ui.button(lang.tr("cancel")).clicked() {
                action = Some(Action::Room(RoomAction::CancelReconnect));
            }
        });
        if let Some(failure) = view.reconnect_failure {
            ui.weak(tr!(lang, "reconnect-last-try", failure = failure));
        }
    }
    if let Some(warning) = view.warning {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(ui.visuals().warn_fg_color, warning);
            if ui.small_button(lang.tr("ok")).clicked() {
                action = Some(Action::DismissWarning);
            }
        });
    }
    ui.add_space(2.0);
    action
}

/// How wide `labels` are as buttons on a row, with the space between them.
fn buttons_width(ui: &egui::Ui, labels: &[&str]) -> f32 {
    let spacing = ui.spacing();
    let padding = 2.0 * spacing.button_padding.x + spacing.item_spacing.x;
    labels
        .iter()
        .map(|label| {
            let text = egui::WidgetText::from(*label);
            let galley = text.into_galley(
                ui,
                Some(egui::TextWrapMode::Extend),
                f32::INFINITY,
                egui::TextStyle::Button,
            );
            galley.size().x + padding
        })
        .sum()
}

/// What the status menu's button says: how the room sees you.
fn status_text(away: Option<&AwayNote>, lang: Lang) -> String {
    let state = match away {
        None => lang.tr("status-available"),
        Some(note) if note.auto => lang.tr("status-idle"),
        Some(_) => lang.tr("status-away"),
    };
    tr!(
        lang,
        "choice-label",
        label = lang.tr("status"),
        value = state
    )
}

/// The status menu (its button says `shown`): available or away (with a reason or none).
fn status_ui(
    ui: &mut egui::Ui,
    shown: String,
    away: Option<&AwayNote>,
    reason: &mut String,
    action: &mut Option<Action>,
) {
    let lang = super::lang(ui.ctx());
    let menu = egui::containers::menu::MenuButton::new(shown).config(
        egui::containers::menu::MenuConfig::new()
            .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside),
    );
    menu.ui(ui, |ui| {
        if ui
            .selectable_label(away.is_none(), lang.tr("status-available"))
            .clicked()
            && away.is_some()
        {
            *action = Some(Action::Room(RoomAction::SetBack));
        }
        if ui
            .selectable_label(away.is_some(), lang.tr("status-away"))
            .clicked()
        {
            *action = Some(Action::Room(RoomAction::SetAway(None)));
        }
        ui.separator();
        ui.horizontal(|ui| {
            let label = ui.label(lang.tr("status-reason"));
            let field = ui
                .add(
                    egui::TextEdit::singleline(reason)
                        .hint_text(lang.tr("status-reason-hint"))
                        .desired_width(160.0),
                )
                .labelled_by(label.id);
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button(lang.tr("status-set-away")).clicked() || enter)
                && !reason.trim().is_empty()
            {
                *action = Some(Action::Room(RoomAction::SetAway(Some(
                    std::mem::take(reason).trim().to_owned(),
                ))));
            }
        });
        if let Some(AwayNote {
            reason: Some(why), ..
        }) = away
        {
            ui.weak(tr!(lang, "status-away-because", reason = why.as_str()));
        }
    });
}

/// Room options' named rooms: those kept, a field to add one (made at once while hosting), and
/// whether anyone may make one.
fn rooms_option_ui(
    ui: &mut egui::Ui,
    view: &ToolbarView<'_>,
    host: &mut ToolbarBuffers,
    enabled: bool,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let label = ui
        .label(lang.tr("room-new"))
        .on_hover_text(lang.tr("room-new-hint"));
    if !view.host_rooms.is_empty() {
        ui.weak(view.host_rooms.join(", "));
    }
    ui.horizontal(|ui| {
        let field = ui
            .add_enabled(
                enabled,
                egui::TextEdit::singleline(&mut host.new_room).desired_width(180.0),
            )
            .labelled_by(label.id);
        let add = ui.add_enabled(enabled, egui::Button::new(lang.tr("room-add")));
        let typed = !host.new_room.trim().is_empty();
        if typed
            && (add.clicked()
                || (field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))))
        {
            action = Some(Action::RoomOption(RoomOption::AddRoom(
                host.new_room.clone(),
            )));
        }
    });
    let mut open = view.host_open_rooms;
    if ui
        .add_enabled(
            enabled,
            egui::Checkbox::new(&mut open, lang.tr("room-open-to-all")),
        )
        .on_hover_text(lang.tr("room-open-to-all-hint"))
        .changed()
    {
        action = Some(Action::RoomOption(RoomOption::OpenRooms(open)));
    }
    action
}

/// Room options: the hosted room's password, encryption, link, rooms and memory.
fn room_options_ui(
    ui: &mut egui::Ui,
    view: &ToolbarView<'_>,
    host: &mut ToolbarBuffers,
    enabled: bool,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let security = egui::containers::menu::MenuButton::new(lang.tr("room-options")).config(
        egui::containers::menu::MenuConfig::new()
            .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside),
    );
    security.ui(ui, |ui| {
        ui.label(if view.host_has_password {
            lang.tr("room-password-change")
        } else {
            lang.tr("room-password-new")
        });
        ui.horizontal(|ui| {
            let label = ui.label(lang.tr("room-password"));
            let field = ui
                .add_enabled(
                    enabled,
                    egui::TextEdit::singleline(&mut host.password)
                        .password(true)
                        .desired_width(140.0),
                )
                .labelled_by(label.id);
            let set = ui.add_enabled(enabled, egui::Button::new(lang.tr("room-password-set")));
            if set.clicked()
                || (field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)))
            {
                action = Some(Action::RoomOption(RoomOption::Password(std::mem::take(
                    &mut host.password,
                ))));
            }
        });
        let mut encrypted_only = view.host_encrypted_only;
        if ui
            .add_enabled(
                enabled,
                egui::Checkbox::new(&mut encrypted_only, lang.tr("room-encrypted-only")),
            )
            .on_hover_text(lang.tr("room-encrypted-only-hint"))
            .changed()
        {
            action = Some(Action::RoomOption(RoomOption::EncryptedOnly(
                encrypted_only,
            )));
        }
        ui.separator();
        if let Some(chosen) = rooms_option_ui(ui, view, host, enabled) {
            action = Some(chosen);
        }
        ui.separator();
        let label = ui
            .label(lang.tr("room-link"))
            .on_hover_text(lang.tr("room-link-hint"));
        ui.horizontal(|ui| {
            let field = ui
                .add_enabled(
                    enabled,
                    egui::TextEdit::singleline(&mut host.broker)
                        .hint_text(lang.tr("room-link-example"))
                        .desired_width(180.0),
                )
                .labelled_by(label.id);
            let set = ui.add_enabled(enabled, egui::Button::new(lang.tr("room-link-set")));
            if set.clicked()
                || (field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)))
            {
                action = Some(Action::RoomOption(RoomOption::Broker(host.broker.clone())));
            }
        });
        ui.separator();
        let mut keep = view.host_keep_history;
        if ui
            .add_enabled(
                enabled,
                egui::Checkbox::new(&mut keep, lang.tr("room-keep-history")),
            )
            .on_hover_text(lang.tr("room-keep-history-hint"))
            .changed()
        {
            action = Some(Action::RoomOption(RoomOption::KeepHistory(keep)));
        }
        ui.add_enabled_ui(enabled && keep, |ui| {
            if let Some(days) = choice_ui(
                ui,
                &lang.tr("room-keep-messages"),
                &KEEP_DAYS,
                view.host_history_days,
                |days| keep_days_text(lang, days),
            ) {
                action = Some(Action::RoomOption(RoomOption::HistoryDays(days)));
            }
            if let Some(max) = choice_ui(
                ui,
                &lang.tr("room-keep-count"),
                &KEEP_COUNT,
                view.host_history_max,
                |count| keep_count_text(lang, count),
            ) {
                action = Some(Action::RoomOption(RoomOption::HistoryMax(max)));
            }
        });
    });
    action
}

/// How big a QR code's module is on screen, in points: a 29-module code (with its quiet zone)
/// is 148 points, which a phone's camera reads from arm's length.
const QR_MODULE: f32 = 4.0;

/// The room's web page for phones: each address, and its QR code to scan; folded by default.
fn phones_ui(ui: &mut egui::Ui, hosting: &HostingView<'_>) {
    let lang = super::lang(ui.ctx());
    egui::CollapsingHeader::new(lang.tr("host-phones"))
        .id_salt("host-phones")
        .show(ui, |ui| {
            ui.weak(lang.tr("host-phones-hint"));
            if hosting.has_password {
                ui.weak(lang.tr("host-phones-password"));
            }
            ui.horizontal_wrapped(|ui| {
                for (page, qr) in hosting.pages {
                    ui.vertical(|ui| {
                        qr_ui(ui, qr, page);
                        ui.label(RichText::new(page).monospace());
                    });
                }
            });
        });
}

/// A QR code, dark on white with its quiet zone whatever the theme, described for screen readers
/// by what it holds.
fn qr_ui(ui: &mut egui::Ui, qr: &Qr, holds: &str) {
    let side = (qr.width() + 2 * QUIET_ZONE) as f32 * QR_MODULE;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, holds));
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, egui::Color32::WHITE);
    let origin = rect.min + egui::vec2(QUIET_ZONE as f32, QUIET_ZONE as f32) * QR_MODULE;
    // Each run of dark modules in a row as one rectangle.
    for y in 0..qr.width() {
        let mut x = 0;
        while x < qr.width() {
            let start = x;
            while x < qr.width() && qr.is_dark(x, y) {
                x += 1;
            }
            if x > start {
                let at = origin + egui::vec2(start as f32, y as f32) * QR_MODULE;
                let size = egui::vec2((x - start) as f32, 1.0) * QR_MODULE;
                painter.rect_filled(
                    egui::Rect::from_min_size(at, size),
                    0.0,
                    egui::Color32::BLACK,
                );
            }
            x += 1;
        }
    }
}
