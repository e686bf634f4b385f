//! Exporting the conversation as a text file (`Exports`): which days (any this computer's log
//! holds, for a JSON room), then the system's save dialog (rfd), told apart from a dialog that
//! could not open, and the app's own dialog then; the file is written on a named thread.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Local, NaiveDate, TimeZone};

use super::conversation::Conversation;
use super::desk::Desk;
use super::events::AppEvent;
use super::history::History;
use crate::i18n::{Lang, Said};
use crate::model::{ChatModel, EntryKind, transcript};
use crate::protocol::{ServerMsg, now_ms};
use crate::tr;
use crate::ui::dialogs::{ExportDays, PathPurpose};

/// The first and last millisecond of the local days `from` to `to`, as typed (YYYY-MM-DD); what
/// is wrong, in words, if they can't be read.
pub(super) fn day_range(from: &str, to: &str, lang: Lang) -> Result<(u64, u64), String> {
    let day = |text: &str, what: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| tr!(lang, "export-day-format", field = lang.tr(what)))
    };
    let (first, last) = (day(from, "export-from")?, day(to, "export-to")?);
    if last < first {
        return Err(lang.tr("export-day-order"));
    }
    let start_of = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| Local.from_local_datetime(&t).earliest())
            .map(|t| u64::try_from(t.timestamp_millis()).unwrap_or(0))
    };
    let start = start_of(first).ok_or_else(|| lang.tr("export-day-missing"))?;
    let end = last
        .succ_opt()
        .and_then(start_of)
        .map_or(u64::MAX, |next| next.saturating_sub(1));
    Ok((start, end))
}

/// An export on its way: the days chosen, until the file is chosen.
#[derive(Default)]
pub(super) struct Exports {
    /// The days to export next, in milliseconds since the Unix epoch (first, last), once chosen.
    range: Option<(u64, u64)>,
}

impl Exports {
    /// Export transcript…: a JSON room with this computer's log asks which days first (the first
    /// day of the conversation on screen to today); any other exports what is on screen.
    pub(super) fn ask_days(
        &mut self,
        json: bool,
        conv: &mut Conversation,
        history: &History,
        desk: &mut Desk,
    ) {
        let Some(chat) = &conv.chat else { return };
        if !history.has_log() || !json {
            self.range = None;
            self.choose_file(conv, history, desk);
            conv.composer.focus = true;
            return;
        }
        let today = transcript::local_day(now_ms());
        let first = chat
            .entries
            .iter()
            .filter(|e| e.time > 0)
            .find_map(|e| transcript::local_day(e.time))
            .or(today);
        let text = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        desk.dialogs.export_days = Some(ExportDays {
            from: text(first).unwrap_or_default(),
            to: text(today).unwrap_or_default(),
            error: None,
        });
    }

    /// The days were typed: on to where to save them, or the export window says what is wrong.
    pub(super) fn days_chosen(
        &mut self,
        days: &ExportDays,
        conv: &mut Conversation,
        history: &History,
        desk: &mut Desk,
    ) {
        match day_range(&days.from, &days.to, desk.lang()) {
            Ok(range) => {
                desk.dialogs.export_days = None;
                self.range = Some(range);
                self.choose_file(conv, history, desk);
                conv.composer.focus = true;
            }
            Err(err) => {
                if let Some(open) = &mut desk.dialogs.export_days {
                    open.error = Some(err);
                }
            }
        }
    }

    /// Asks where to save the transcript: the system's dialog, or the app's own when that can't
    /// open (never nothing at all).
    fn choose_file(&mut self, conv: &mut Conversation, history: &History, desk: &mut Desk) {
        let Some(chat) = &conv.chat else { return };
        let date = transcript::local_date_time(now_ms());
        let file_name = format!(
            "coucou-{}-{}.txt",
            chat.room.replace(|c: char| !c.is_alphanumeric(), "-"),
            date.get(..10).unwrap_or("transcript")
        );
        let lang = desk.lang();
        let chosen = if desk.options.native_dialogs {
            let filter = (lang.tr("save-filter-text"), "txt");
            native_save_dialog(&file_name, &lang.tr("export-title"), Some(filter))
        } else {
            Chosen::Unavailable
        };
        match chosen {
            Chosen::Path(path) => {
                if let Err(err) = self.save(&path, conv, history, desk) {
                    conv.push(EntryKind::Error(err));
                }
            }
            Chosen::Cancelled => {}
            Chosen::Unavailable => {
                let path = transcript::default_folder().join(file_name);
                desk.dialogs
                    .ask_path(PathPurpose::Transcript, path.display().to_string());
            }
        }
    }

    /// Writes the transcript to `path` and says so in the conversation; the error in words if not.
    /// With days chosen, this computer's log is asked for them and the file written when they come.
    pub(super) fn save(
        &mut self,
        path: &Path,
        conv: &mut Conversation,
        history: &History,
        desk: &Desk,
    ) -> Result<(), String> {
        let lang = desk.lang();
        let could_not_save = |err: std::io::Error| {
            tr!(
                lang,
                "could-not-save",
                path = path.display().to_string(),
                error = err.to_string()
            )
        };
        if path.as_os_str().is_empty() {
            return Err(lang.tr("save-where"));
        }
        if let Some((from, to)) = self.range
            && history.has_log()
        {
            // Made now, so that a path that can't be written is said in the dialog.
            std::fs::File::create(path).map_err(could_not_save)?;
            self.range = None;
            history.range(&conv.key, from, to, path.to_path_buf());
            return Ok(());
        }
        let Some(chat) = &conv.chat else {
            return Err(lang.tr("save-nothing"));
        };
        let text = transcript_of(chat);
        // Made now, so that a path that can't be written is said in the dialog; filled on a
        // thread.
        std::fs::File::create(path).map_err(could_not_save)?;
        write_in_background(text, path.to_path_buf(), None, conv, desk);
        Ok(())
    }
}

/// This computer's log gave the messages of the days asked for: writes them to `path`.
pub(super) fn write_range(
    room: &str,
    path: &Path,
    messages: Vec<ServerMsg>,
    conv: &mut Conversation,
    desk: &Desk,
) {
    let me = conv.chat.as_ref().map(|c| c.me.clone()).unwrap_or_default();
    let mut model = ChatModel::from_messages(room, &me, messages, now_ms());
    model.set_lang(desk.lang());
    let count = model.entries.len();
    let text = transcript_of(&model);
    write_in_background(text, path.to_path_buf(), Some(count), conv, desk);
}

/// Writes a transcript's `text` to `path` on the `coucou-export` thread (the text is made on the
/// UI thread, the disk waits on that one); the conversation says how it went, with `count`
/// messages when it was days from this computer's log.
fn write_in_background(
    text: std::io::Result<Vec<u8>>,
    path: PathBuf,
    count: Option<usize>,
    conv: &mut Conversation,
    desk: &Desk,
) {
    let done = desk.sink(move |(path, count, written)| AppEvent::Exported {
        path,
        count,
        written,
    });
    let spawned = std::thread::Builder::new()
        .name("coucou-export".to_owned())
        .spawn(move || {
            let written = text
                .and_then(|text| std::fs::write(&path, text))
                .map_err(|err| err.to_string());
            done.send((path, count, written));
        });
    if let Err(err) = spawned {
        conv.push(EntryKind::Error(err.to_string()));
    }
}

/// What the conversation says of an export written to `path` (with `count` messages from this
/// computer's log), or that could not be (true: an error).
pub(super) fn exported(
    path: &Path,
    count: Option<usize>,
    written: Result<(), String>,
) -> (Said, bool) {
    let file = path.display().to_string();
    match (written, count) {
        (Ok(()), Some(count)) => {
            let count = i64::try_from(count).unwrap_or(i64::MAX);
            let said = Said::new("transcript-saved-count").with("path", file);
            (said.with_count("count", count), false)
        }
        (Ok(()), None) => (Said::new("transcript-saved").with("path", file), false),
        (Err(error), _) => {
            let said = Said::new("could-not-save").with("path", file);
            (said.with("error", error), true)
        }
    }
}

/// `model`'s transcript, as the file holds it.
fn transcript_of(model: &ChatModel) -> std::io::Result<Vec<u8>> {
    let mut text = Vec::new();
    transcript::write_transcript(model, now_ms(), &mut text)?;
    Ok(text)
}

/// What the system's file dialog gave.
pub(super) enum Chosen {
    /// The file chosen.
    Path(PathBuf),
    /// The person cancelled.
    Cancelled,
    /// The dialog could not open.
    Unavailable,
}

/// The system's save dialog (rfd). rfd answers `None` both when the person cancels and when no
/// dialog could open (no xdg file portal on the session bus and no zenity, as on a bare X11
/// session): a dialog that can't be reached is told apart by there being no session bus and no
/// zenity, or by an answer faster than anyone could cancel.
pub(super) fn native_save_dialog(
    file_name: &str,
    title: &str,
    filter: Option<(String, &str)>,
) -> Chosen {
    if !native_dialog_reachable() {
        return Chosen::Unavailable;
    }
    let asked = Instant::now();
    let mut dialog = rfd::FileDialog::new()
        .set_title(title)
        .set_file_name(file_name);
    if let Some((name, extension)) = filter {
        dialog = dialog.add_filter(name, &[extension]);
    }
    let chosen = dialog.save_file();
    match chosen {
        Some(path) => Chosen::Path(path),
        None if asked.elapsed() < TOO_QUICK_TO_CANCEL => Chosen::Unavailable,
        None => Chosen::Cancelled,
    }
}

/// The system's open dialog (rfd), told apart from one that could not open as
/// [`native_save_dialog`] does.
pub(super) fn native_open_dialog(title: &str) -> Chosen {
    if !native_dialog_reachable() {
        return Chosen::Unavailable;
    }
    let asked = Instant::now();
    match rfd::FileDialog::new().set_title(title).pick_file() {
        Some(path) => Chosen::Path(path),
        None if asked.elapsed() < TOO_QUICK_TO_CANCEL => Chosen::Unavailable,
        None => Chosen::Cancelled,
    }
}

/// An answer "cancelled" faster than this came from a dialog that never opened.
const TOO_QUICK_TO_CANCEL: Duration = Duration::from_millis(300);

/// Whether rfd has anything to show a dialog with: on Linux and the BSDs, a session bus (for the
/// xdg desktop portal) or zenity; elsewhere the system's own dialogs.
fn native_dialog_reachable() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        || std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|dir| Path::new(&dir).join("bus").exists());
    let zenity = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("zenity").is_file()));
    bus || zenity
}
