//! Exporting the conversation as a text file: the system's save dialog (rfd), told apart from a
//! dialog that could not open, and the app's own dialog then.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::CoucouApp;
use crate::model::{EntryKind, transcript};
use crate::protocol::now_ms;

impl CoucouApp {
    /// Asks where to save the transcript: the system's dialog, or the app's own when that can't
    /// open (never nothing at all).
    pub(super) fn export_transcript(&mut self) {
        let Some(chat) = &self.chat else { return };
        let date = transcript::local_date_time(now_ms());
        let file_name = format!(
            "coucou-{}-{}.txt",
            chat.room.replace(|c: char| !c.is_alphanumeric(), "-"),
            date.get(..10).unwrap_or("transcript")
        );
        let chosen = if self.options.native_dialogs {
            native_save_dialog(&file_name)
        } else {
            SaveChoice::Unavailable
        };
        match chosen {
            SaveChoice::Path(path) => {
                if let Err(err) = self.save_transcript(&path) {
                    self.push_to_chat(EntryKind::Error(err));
                }
            }
            SaveChoice::Cancelled => {}
            SaveChoice::Unavailable => {
                let path = transcript::default_folder().join(file_name);
                self.save_fallback = Some((path.display().to_string(), None));
            }
        }
    }

    /// Writes the transcript to `path` and says so in the conversation; the error in words if not.
    pub(super) fn save_transcript(&mut self, path: &Path) -> Result<(), String> {
        let Some(chat) = &mut self.chat else {
            return Err("There is no conversation to save.".to_owned());
        };
        if path.as_os_str().is_empty() {
            return Err("Type where to save the file.".to_owned());
        }
        let result = std::fs::File::create(path).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            transcript::write_transcript(chat, now_ms(), &mut out)?;
            std::io::Write::flush(&mut out)
        });
        match result {
            Ok(()) => {
                let saved = format!("Transcript saved to {}", path.display());
                chat.push_local(now_ms(), EntryKind::Notice(saved));
                Ok(())
            }
            Err(err) => Err(format!("Could not save {}: {err}", path.display())),
        }
    }
}

/// What the system's save dialog gave.
pub(super) enum SaveChoice {
    /// A file to save to.
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
pub(super) fn native_save_dialog(file_name: &str) -> SaveChoice {
    if !native_dialog_reachable() {
        return SaveChoice::Unavailable;
    }
    let asked = Instant::now();
    let chosen = rfd::FileDialog::new()
        .set_title("Export transcript")
        .set_file_name(file_name)
        .add_filter("Text", &["txt"])
        .save_file();
    match chosen {
        Some(path) => SaveChoice::Path(path),
        None if asked.elapsed() < Duration::from_millis(300) => SaveChoice::Unavailable,
        None => SaveChoice::Cancelled,
    }
}

/// Whether rfd has anything to show a dialog with: on Linux and the BSDs, a session bus (for the
/// xdg desktop portal) or zenity; elsewhere the system's own dialogs.
pub(super) fn native_dialog_reachable() -> bool {
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
