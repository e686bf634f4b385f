//! The dialogs over the window, as one owner with its views: the confirmations (hosting while in
//! a room, closing a room others are in, quitting while hosting, deleting a profile), the trust
//! prompt and the changed-identity warning, the app's own file dialog (to save or to open, when
//! the system's can't open), and the export's days. [`Dialogs`] holds what is open; a view returns
//! a [`DialogAction`]; [`Dialogs::apply`] closes what it answers and says what was decided.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use super::Action;
use crate::i18n::Lang;
use crate::identity::Fingerprint;
use crate::tr;

/// What a path typed in the app's own file dialog is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPurpose {
    /// Saving the conversation's transcript there.
    Transcript,
    /// Downloading the offered file with this id there.
    Download(u64),
    /// Offering the file there to this person (or the room).
    Offer(Option<String>),
}

impl PathPurpose {
    /// The dialog's heading and the sentence under it.
    fn words(&self, lang: Lang) -> (String, String) {
        match self {
            Self::Transcript => (lang.tr("export-title"), lang.tr("save-fallback-text")),
            Self::Download(_) => (
                lang.tr("file-save-title"),
                lang.tr("file-save-fallback-text"),
            ),
            Self::Offer(_) => (
                lang.tr("file-open-title"),
                lang.tr("file-open-fallback-text"),
            ),
        }
    }

    /// The button that takes the path.
    fn button(&self, lang: Lang) -> String {
        match self {
            Self::Transcript | Self::Download(_) => lang.tr("save"),
            Self::Offer(_) => lang.tr("file-open-button"),
        }
    }
}

/// The app's own file dialog, open: what the path is for, the path being typed, and why the
/// last one was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathDialog {
    /// What the path is for.
    pub purpose: PathPurpose,
    /// The path, as typed.
    pub path: String,
    /// Why the last path was not taken.
    pub error: Option<String>,
}

/// The export window's fields: the first and last day to export, as typed (YYYY-MM-DD).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportDays {
    /// The first day.
    pub from: String,
    /// The last day.
    pub to: String,
    /// What is wrong with them, if something is.
    pub error: Option<String>,
}

/// The room's identity is not the one pinned: the pinned code, the one shown (if any), and
/// whether the person ticked that they know why (the second step before replacing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinMismatch {
    /// The code pinned for the room.
    pub pinned: Fingerprint,
    /// The code it showed, if it showed one.
    pub presented: Option<Fingerprint>,
    /// "The host told me": the button that replaces the pin is shown.
    pub host_told_me: bool,
}

/// The dialogs open over the window: at most one of each kind.
#[derive(Debug, Default)]
pub struct Dialogs {
    /// Host was pressed while in a room: asking whether to leave it.
    pub host_on: bool,
    /// Stop hosting was pressed while others are in the room.
    pub host_off: bool,
    /// Delete was pressed for this profile.
    pub delete_profile: Option<String>,
    /// The window was asked to close while others are in the hosted room.
    pub quit: bool,
    /// The person said yes to quitting: let the window close.
    pub quit_confirmed: bool,
    /// First contact with an encrypted room: its code, waiting for Trust or Cancel.
    pub trust: Option<Fingerprint>,
    /// A room showed another identity than the pinned one.
    pub pin_mismatch: Option<PinMismatch>,
    /// The app's own file dialog.
    pub path: Option<PathDialog>,
    /// Which days to export.
    pub export_days: Option<ExportDays>,
}

/// An answer to a dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogAction {
    /// Leave the room on screen and host.
    HostOn,
    /// Stay in the room; don't host.
    CancelHostOn,
    /// Close the hosted room for everyone.
    HostOff,
    /// Keep hosting.
    KeepHosting,
    /// Delete the profile.
    DeleteProfile(String),
    /// Keep the profile.
    KeepProfile,
    /// Close the window, and the hosted room with it.
    Quit,
    /// Keep the window open.
    CancelQuit,
    /// Trust the room's code.
    Trust,
    /// Don't trust it.
    Distrust,
    /// Trust the room's new identity.
    ReplacePin,
    /// Keep the pinned identity and stay out.
    KeepPin,
    /// The path typed in the app's own file dialog.
    Path(String),
    /// Close the app's own file dialog.
    CancelPath,
    /// The days typed for the export.
    ExportDays,
    /// No export.
    CancelExport,
}

/// What the person decided, for the app to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Leave the room on screen and host.
    HostOn,
    /// Close the hosted room.
    HostOff,
    /// Delete this profile.
    DeleteProfile(String),
    /// Close the window.
    Quit,
    /// Pin this code for the room and connect again.
    Trust(Fingerprint),
    /// The room was not trusted.
    Distrusted,
    /// Its identity changed and was not replaced.
    PinKept,
    /// Use this path for this purpose (the dialog stays open until [`Dialogs::path_taken`] or
    /// [`Dialogs::path_refused`]).
    Path(PathPurpose, PathBuf),
    /// These days were typed for the export (the window stays open until the app checks them).
    ExportDays(ExportDays),
    /// A dialog was closed without anything to do: the input line may take the keyboard back.
    Closed,
}

impl Dialogs {
    /// Closes the dialog `answer` answers, and says what was decided.
    pub fn apply(&mut self, answer: DialogAction) -> Option<Decided> {
        let decided = match answer {
            DialogAction::HostOn => {
                self.host_on = false;
                Decided::HostOn
            }
            DialogAction::CancelHostOn => {
                self.host_on = false;
                return None;
            }
            DialogAction::HostOff => {
                self.host_off = false;
                Decided::HostOff
            }
            DialogAction::KeepHosting => {
                self.host_off = false;
                return None;
            }
            DialogAction::DeleteProfile(name) => {
                self.delete_profile = None;
                Decided::DeleteProfile(name)
            }
            DialogAction::KeepProfile => {
                self.delete_profile = None;
                return None;
            }
            DialogAction::Quit => {
                self.quit = false;
                self.quit_confirmed = true;
                Decided::Quit
            }
            DialogAction::CancelQuit => {
                self.quit = false;
                return None;
            }
            DialogAction::Trust => Decided::Trust(self.trust.take()?),
            DialogAction::Distrust => {
                self.trust = None;
                Decided::Distrusted
            }
            DialogAction::ReplacePin => Decided::Trust(self.pin_mismatch.take()?.presented?),
            DialogAction::KeepPin => {
                self.pin_mismatch = None;
                Decided::PinKept
            }
            DialogAction::Path(path) => {
                let purpose = self.path.as_ref()?.purpose.clone();
                Decided::Path(purpose, PathBuf::from(path.trim()))
            }
            DialogAction::CancelPath => {
                self.path = None;
                Decided::Closed
            }
            DialogAction::ExportDays => Decided::ExportDays(self.export_days.clone()?),
            DialogAction::CancelExport => {
                self.export_days = None;
                Decided::Closed
            }
        };
        Some(decided)
    }

    /// Opens the app's own file dialog for `purpose`, with `path` to start from.
    pub fn ask_path(&mut self, purpose: PathPurpose, path: String) {
        self.path = Some(PathDialog {
            purpose,
            path,
            error: None,
        });
    }

    /// The path typed was taken: the dialog closes.
    pub fn path_taken(&mut self) {
        self.path = None;
    }

    /// The path typed can't be used: the dialog says why and stays open.
    pub fn path_refused(&mut self, why: String) {
        if let Some(dialog) = &mut self.path {
            dialog.error = Some(why);
        }
    }

    /// A room that showed `presented` instead of the `pinned` code: the warning opens.
    pub fn warn_pin_mismatch(&mut self, pinned: Fingerprint, presented: Option<Fingerprint>) {
        self.pin_mismatch = Some(PinMismatch {
            pinned,
            presented,
            host_told_me: false,
        });
    }
}

/// What the dialogs show besides their own state.
#[derive(Debug, Clone, Copy)]
pub struct DialogsView<'a> {
    /// The room being connected to, as `host:port` (trust and identity).
    pub target: &'a str,
    /// The room on screen (hosting while in it).
    pub room: &'a str,
    /// The hosted room's name (quitting while hosting).
    pub hosted_room: &'a str,
    /// How many others are in the hosted room.
    pub others: usize,
}

/// Draws the open dialogs; the answer, if one was given.
pub fn dialogs_ui(
    ctx: &egui::Context,
    dialogs: &mut Dialogs,
    view: &DialogsView<'_>,
) -> Option<Action> {
    let lang = super::lang(ctx);
    let mut answers = Vec::new();
    if dialogs.host_off {
        answers.extend(confirm_ui(
            ctx,
            "confirm_host_off",
            &lang.tr("confirm-host-off-title"),
            &tr!(lang, "confirm-host-off-text", others = view.others),
            (&lang.tr("confirm-host-off-yes"), DialogAction::HostOff),
            (&lang.tr("keep-hosting"), DialogAction::KeepHosting),
        ));
    }
    if let Some(name) = &dialogs.delete_profile {
        answers.extend(confirm_ui(
            ctx,
            "confirm_delete_profile",
            &tr!(lang, "delete-profile-title", name = name.as_str()),
            &lang.tr("delete-profile-text"),
            (
                &lang.tr("delete-profile-yes"),
                DialogAction::DeleteProfile(name.clone()),
            ),
            (&lang.tr("keep"), DialogAction::KeepProfile),
        ));
    }
    if dialogs.host_on {
        answers.extend(confirm_ui(
            ctx,
            "confirm_host_on",
            &lang.tr("confirm-host-on-title"),
            &tr!(lang, "confirm-host-on-text", room = view.room),
            (&lang.tr("confirm-host-on-yes"), DialogAction::HostOn),
            (&lang.tr("confirm-host-on-no"), DialogAction::CancelHostOn),
        ));
    }
    if dialogs.quit {
        answers.extend(confirm_ui(
            ctx,
            "confirm_quit",
            &lang.tr("confirm-quit-title"),
            &tr!(
                lang,
                "confirm-quit-text",
                room = view.hosted_room,
                others = view.others
            ),
            (&lang.tr("confirm-quit-yes"), DialogAction::Quit),
            (&lang.tr("keep-hosting"), DialogAction::CancelQuit),
        ));
    }
    if let Some(days) = &mut dialogs.export_days {
        answers.extend(export_days_ui(ctx, days, lang));
    }
    if let Some(dialog) = &mut dialogs.path {
        answers.extend(path_dialog_ui(ctx, dialog, lang));
    }
    if let Some(code) = dialogs.trust {
        answers.extend(trust_prompt_ui(ctx, view.target, code, lang));
    }
    if let Some(mismatch) = &mut dialogs.pin_mismatch {
        answers.extend(pin_mismatch_ui(ctx, view.target, mismatch, lang));
    }
    answers.pop().map(Action::Dialog)
}

/// A question in a modal window: a heading, a sentence, and two buttons, each with its answer.
fn confirm_ui(
    ctx: &egui::Context,
    id: &str,
    heading: &str,
    text: &str,
    yes: (&str, DialogAction),
    no: (&str, DialogAction),
) -> Option<DialogAction> {
    let mut answer = None;
    let id = egui::Id::unique(id);
    egui::Modal::new(id).show(ctx, |ui| {
        as_dialog(ui, id, heading);
        ui.heading(heading);
        ui.label(text);
        ui.horizontal(|ui| {
            let mut buttons = Vec::new();
            for (label, chosen) in [yes, no] {
                let button = ui.button(label);
                if button.clicked() {
                    answer = Some(chosen);
                }
                buttons.push(button);
            }
            keep_focus_in(&buttons, 1);
        });
    });
    answer
}

/// The app's own file dialog, for when the system's can't open (no file portal, no zenity): a
/// heading, a path to type, the button that takes it, and Cancel.
fn path_dialog_ui(
    ctx: &egui::Context,
    dialog: &mut PathDialog,
    lang: Lang,
) -> Option<DialogAction> {
    let mut answer = None;
    let (heading, text) = dialog.purpose.words(lang);
    let id = egui::Id::unique("path_dialog");
    egui::Modal::new(id).show(ctx, |ui| {
        as_dialog(ui, id, &heading);
        ui.heading(heading);
        ui.label(text);
        let label = ui.label(lang.tr("save-file"));
        let field = ui
            .add(egui::TextEdit::singleline(&mut dialog.path).desired_width(420.0))
            .labelled_by(label.id);
        if let Some(error) = &dialog.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        ui.horizontal(|ui| {
            if ui.button(dialog.purpose.button(lang)).clicked() || enter {
                answer = Some(DialogAction::Path(dialog.path.clone()));
            }
            if ui.button(lang.tr("cancel")).clicked() {
                answer = Some(DialogAction::CancelPath);
            }
        });
    });
    answer
}

/// Which days of the conversation to export (any day this computer's log holds).
fn export_days_ui(ctx: &egui::Context, days: &mut ExportDays, lang: Lang) -> Option<DialogAction> {
    let mut answer = None;
    let id = egui::Id::unique("export_days");
    egui::Modal::new(id).show(ctx, |ui| {
        let title = lang.tr("export-title");
        as_dialog(ui, id, &title);
        ui.heading(title);
        ui.label(lang.tr("export-days-text"));
        egui::Grid::new("export_days_grid").show(ui, |ui| {
            for (label, value) in [
                (lang.tr("export-from"), &mut days.from),
                (lang.tr("export-to"), &mut days.to),
            ] {
                let label = ui.label(label);
                // Sized outright, for a whole YYYY-MM-DD at the text size chosen: in a grid, a
                // text field's own wish is cut to a few letters.
                let size = egui::TextStyle::Body.resolve(ui.style()).size;
                let height = ui.spacing().interact_size.y;
                ui.add_sized(
                    [8.0 * size + 24.0, height],
                    egui::TextEdit::singleline(value).hint_text(lang.tr("export-day-hint")),
                )
                .labelled_by(label.id);
                ui.end_row();
            }
        });
        if let Some(error) = &days.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.horizontal(|ui| {
            if ui.button(lang.tr("export-button")).clicked() {
                answer = Some(DialogAction::ExportDays);
            }
            if ui.button(lang.tr("cancel")).clicked() {
                answer = Some(DialogAction::CancelExport);
            }
        });
    });
    answer
}

/// Says what the modal `id` is to a screen reader: a modal dialog named `title` (egui makes it a
/// dialog, unnamed and not said to be modal).
fn as_dialog(ui: &egui::Ui, id: egui::Id, title: &str) {
    ui.ctx().accesskit_node_builder(id, |node| {
        node.set_role(egui::accesskit::Role::Dialog);
        node.set_modal();
        node.set_label(title);
    });
}

/// Keeps the keyboard focus inside a dialog: when none of its `buttons` has it (it just opened, or
/// Tab left it), it goes to `buttons[default]`.
fn keep_focus_in(buttons: &[egui::Response], default: usize) {
    if !buttons.iter().any(egui::Response::has_focus)
        && let Some(button) = buttons.get(default)
    {
        button.request_focus();
    }
}

/// First contact with an encrypted room: its code, and Trust / Cancel.
fn trust_prompt_ui(
    ctx: &egui::Context,
    target: &str,
    code: Fingerprint,
    lang: Lang,
) -> Option<DialogAction> {
    let mut answer = None;
    let id = egui::Id::unique("trust_prompt");
    egui::Modal::new(id).show(ctx, |ui| {
        let title = lang.tr("trust-title");
        as_dialog(ui, id, &title);
        ui.heading(title);
        ui.label(tr!(lang, "trust-first", target = target));
        ui.label(RichText::new(code.code()).monospace().strong().size(18.0));
        ui.label(lang.tr("trust-ask-host"));
        ui.horizontal(|ui| {
            let trust = ui.button(lang.tr("trust-yes"));
            if trust.clicked() {
                answer = Some(DialogAction::Trust);
            }
            let cancel = ui.button(lang.tr("cancel"));
            if cancel.clicked() {
                answer = Some(DialogAction::Distrust);
            }
            // Cancel: Enter must not trust a code nobody compared.
            keep_focus_in(&[trust, cancel], 1);
        });
    });
    answer
}

/// The room's identity changed: a warning, Cancel first; replacing the pin takes a deliberate
/// second step.
fn pin_mismatch_ui(
    ctx: &egui::Context,
    target: &str,
    mismatch: &mut PinMismatch,
    lang: Lang,
) -> Option<DialogAction> {
    let mut answer = None;
    let id = egui::Id::unique("pin_mismatch");
    egui::Modal::new(id).show(ctx, |ui| {
        as_dialog(ui, id, &lang.tr("mismatch-title"));
        ui.heading(RichText::new(lang.tr("mismatch-title")).color(ui.visuals().error_fg_color));
        ui.label(tr!(lang, "mismatch-text", target = target));
        ui.label(tr!(lang, "mismatch-before", code = mismatch.pinned.code()));
        if let Some(presented) = mismatch.presented {
            ui.label(tr!(lang, "mismatch-now", code = presented.code()));
        }
        ui.horizontal(|ui| {
            let cancel = ui.button(lang.tr("cancel"));
            if !mismatch.host_told_me {
                cancel.request_focus();
            }
            if cancel.clicked() {
                answer = Some(DialogAction::KeepPin);
            }
            if mismatch.presented.is_some() {
                ui.checkbox(&mut mismatch.host_told_me, lang.tr("mismatch-host-told-me"));
            }
        });
        if mismatch.host_told_me
            && mismatch.presented.is_some()
            && ui.button(lang.tr("mismatch-trust-new")).clicked()
        {
            answer = Some(DialogAction::ReplacePin);
        }
    });
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(byte: u8) -> Fingerprint {
        Fingerprint([byte; 32])
    }

    #[test]
    fn an_answer_closes_its_own_dialog_and_says_what_was_decided() {
        let mut dialogs = Dialogs {
            host_on: true,
            quit: true,
            trust: Some(code(1)),
            ..Dialogs::default()
        };
        assert_eq!(dialogs.apply(DialogAction::CancelHostOn), None);
        assert!(!dialogs.host_on && dialogs.quit, "only its own");
        assert_eq!(dialogs.apply(DialogAction::Quit), Some(Decided::Quit));
        assert!(dialogs.quit_confirmed);
        assert_eq!(
            dialogs.apply(DialogAction::Trust),
            Some(Decided::Trust(code(1)))
        );
        assert_eq!(dialogs.apply(DialogAction::Trust), None, "asked once");
    }

    #[test]
    fn a_new_identity_is_trusted_only_when_one_was_shown() {
        let mut dialogs = Dialogs::default();
        dialogs.warn_pin_mismatch(code(1), None);
        assert_eq!(dialogs.apply(DialogAction::ReplacePin), None);
        dialogs.warn_pin_mismatch(code(1), Some(code(2)));
        assert_eq!(
            dialogs.apply(DialogAction::ReplacePin),
            Some(Decided::Trust(code(2)))
        );
        assert_eq!(dialogs.pin_mismatch, None);
    }

    #[test]
    fn the_file_dialog_stays_open_until_its_path_is_taken() {
        let mut dialogs = Dialogs::default();
        assert_eq!(dialogs.apply(DialogAction::Path("/tmp/x".into())), None);
        dialogs.ask_path(PathPurpose::Offer(Some("bob".into())), String::new());
        assert_eq!(
            dialogs.apply(DialogAction::Path(" /tmp/x.pdf ".into())),
            Some(Decided::Path(
                PathPurpose::Offer(Some("bob".into())),
                "/tmp/x.pdf".into()
            ))
        );
        dialogs.path_refused("no such file".into());
        assert_eq!(
            dialogs.path.as_ref().and_then(|d| d.error.as_deref()),
            Some("no such file")
        );
        dialogs.path_taken();
        assert_eq!(dialogs.path, None);
    }
}
