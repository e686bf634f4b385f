//! Files in the app, as `impl CoucouApp`: offering one to the room or to one person (picked, or
//! dropped on the window: measured on a background thread, then offered; uploaded once the room
//! says where, again from what the host has after a cut), downloading one into the downloads folder
//! or where the person chooses (again from where it stopped, after a cut), cancelling, and the
//! progress the transfers report. Only in Coucou rooms. The bookkeeping (what is queued, awaited,
//! running, and where it goes) is `Transfers`'s (`transfers.rs`); here are the dialogs, threads and screen.

use std::path::PathBuf;
use std::thread;

use super::export::{Chosen, native_open_dialog};
use super::transfers::{Answered, display_name};
use super::{AppEvent, CoucouApp};
use crate::client::transfer::{self, TransferEvent, TransferFailure};
use crate::model::{Direction, EntryKind, TransferStatus};
use crate::protocol::ServerMsg;
use crate::tr;
use crate::ui::FileAction;
use crate::ui::dialogs::PathPurpose;

impl CoucouApp {
    /// Carries out what a view asked of files.
    pub(super) fn on_file_action(&mut self, asked: FileAction) {
        match asked {
            FileAction::Pick(to) => self.pick_file(to),
            FileAction::Offer(path) => self.offer_file(path, None),
            FileAction::Accept(file) => self.accept_file(file),
            FileAction::SaveAs(file) => self.save_file_as(file),
            FileAction::Cancel(file) => self.cancel_transfer(file),
            FileAction::RetryUpload(file) => self.retry_upload(file),
            FileAction::Dismiss(file) => self.dismiss_transfer(file),
            FileAction::Open(path) => self.open_path(path),
        }
    }

    /// Asks for a file to offer (to `to`, or the room): the system's dialog, or the app's own
    /// when that can't open (no file portal, no zenity), never nothing at all.
    pub(super) fn pick_file(&mut self, to: Option<String>) {
        if let Some(picker) = &self.options.pick_file {
            if let Some(path) = (picker.0)() {
                self.offer_file(path, to);
            }
            return;
        }
        let chosen = if self.options.native_dialogs {
            native_open_dialog(&self.lang().tr("file-open-title"))
        } else {
            Chosen::Unavailable
        };
        match chosen {
            Chosen::Path(path) => self.offer_file(path, to),
            Chosen::Cancelled => {}
            Chosen::Unavailable => {
                let folder = dirs::document_dir()
                    .or_else(dirs::home_dir)
                    .map(|dir| format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR))
                    .unwrap_or_default();
                self.dialogs.ask_path(PathPurpose::Offer(to), folder);
            }
        }
    }

    /// The app's own open dialog chose `path`: offers it (to `to`, or the room) if it is a file;
    /// else why not, in words.
    pub(super) fn offer_typed_path(
        &mut self,
        path: PathBuf,
        to: Option<String>,
    ) -> Result<(), String> {
        if !path.is_file() {
            let shown = path.display().to_string();
            return Err(tr!(self.lang(), "file-open-missing", path = shown));
        }
        self.offer_file(path, to);
        Ok(())
    }

    /// Measures `path` (size and SHA-256) on a background thread; the offer (to `to`, or the
    /// room) follows.
    pub(super) fn offer_file(&mut self, path: PathBuf, to: Option<String>) {
        if self.live_json().is_none() {
            let text = self.lang().tr("file-not-here");
            self.push_to_chat(EntryKind::Error(text));
            return;
        }
        let sink = self.sink(|(path, to, measured)| AppEvent::Measured(path, to, measured));
        let spawned = thread::Builder::new()
            .name("coucou-measure".to_owned())
            .spawn(move || {
                let measured = transfer::measure(&path).map_err(|err| err.to_string());
                sink.send((path, to, measured));
            });
        if let Err(err) = spawned {
            self.push_to_chat(EntryKind::Error(err.to_string()));
        }
    }

    /// The file is measured: offers it to the room, and waits for the room's token.
    pub(super) fn on_measured(
        &mut self,
        path: PathBuf,
        to: Option<String>,
        measured: Result<(u64, String), String>,
    ) {
        let lang = self.lang();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match (measured, &self.conn) {
            (Ok((size, sha256)), Some(_)) => {
                self.transfers.queue(path, size, sha256, to);
                self.offer_next();
            }
            (Ok(_), None) => {}
            (Err(error), _) => {
                let text = tr!(lang, "file-unreadable", name = name, error = error);
                self.push_to_chat(EntryKind::Error(text));
            }
        }
    }

    /// Offers the files queued, in order, while the room lets one more offer wait for its
    /// bytes: offers not yet answered, and uploads not yet done, count.
    pub(super) fn offer_next(&mut self) {
        let Some(conn) = &self.conn else { return };
        let uploading = self
            .transfers
            .uploads()
            .filter(|file| {
                self.chat.as_ref().is_none_or(|chat| {
                    chat.transfers
                        .get(file)
                        .is_none_or(|t| !matches!(t.status, TransferStatus::Done(_)))
                })
            })
            .count();
        for offer in self.transfers.due(uploading, &mut self.asked) {
            conn.ask(offer);
        }
    }

    /// What the room says about this person's files: a token to upload an offer with, a token
    /// to download a file asked for, or the refusal of either. True when `msg` was a token (a
    /// refusal still shows in the conversation).
    pub(super) fn on_file_answer(&mut self, msg: &ServerMsg) -> bool {
        let token = matches!(msg, ServerMsg::Ready { .. } | ServerMsg::Ticket { .. });
        match self.transfers.answered(msg) {
            Some(Answered::Upload {
                file,
                path,
                size,
                to,
            }) => {
                if let Some(chat) = &mut self.chat {
                    chat.start_upload(file, display_name(&path), size, to);
                }
                self.retry_upload(file);
            }
            Some(Answered::Download { file, token }) => self.start_download(file, token),
            Some(Answered::OfferRefused) => self.offer_next(),
            Some(Answered::FetchRefused { file, why }) => {
                if let Some(chat) = &mut self.chat {
                    chat.set_transfer(
                        file,
                        Direction::Down,
                        TransferStatus::Failed(TransferFailure::Refused(why)),
                    );
                }
            }
            None => {}
        }
        token
    }

    /// Asks the room for a file to download (again, from where it stopped).
    pub(super) fn accept_file(&mut self, file: u64) {
        if self.live_json().is_none() {
            return;
        }
        let fetch = self.transfers.fetch(file, &mut self.asked);
        if let Some(conn) = self.live_json() {
            conn.ask(fetch);
        }
        if let Some(chat) = &mut self.chat {
            chat.set_transfer(file, Direction::Down, TransferStatus::Starting);
        }
    }

    /// Uploads `file` (again, from what the host has) with the token the room gave.
    pub(super) fn retry_upload(&mut self, file: u64) {
        let Some((path, token)) = self.transfers.upload(file) else {
            return;
        };
        self.start_transfer(file, Direction::Up, |params, sink| {
            transfer::upload(params, file, token, path, sink)
        });
    }

    /// Forgets a stopped upload (the host gives its room back when its window passes).
    pub(super) fn dismiss_transfer(&mut self, file: u64) {
        self.cancel_transfer(file);
        self.transfers.forget_upload(file);
        if let Some(chat) = &mut self.chat {
            chat.transfers.remove(&file);
        }
        self.offer_next();
    }

    /// Asks where to save the offered `file`: the system's dialog, or the app's own when that
    /// can't open; the download follows.
    pub(super) fn save_file_as(&mut self, file: u64) {
        let Some(offer) = self.offer(file) else {
            return;
        };
        let lang = self.lang();
        let chosen = if self.options.native_dialogs {
            super::export::native_save_dialog(&offer.name, &lang.tr("file-save-title"), None)
        } else {
            Chosen::Unavailable
        };
        match chosen {
            Chosen::Path(path) => {
                self.transfers.set_destination(file, path);
                self.accept_file(file);
            }
            Chosen::Cancelled => {}
            Chosen::Unavailable => {
                let dir = self.downloads_folder();
                let path = self.transfers.free_path(&dir, &offer.name);
                self.dialogs
                    .ask_path(PathPurpose::Download(file), path.display().to_string());
            }
        }
    }

    /// The app's own save dialog chose `path` for the offered `file`: downloads it there, unless
    /// the path can't be a new file (then why, in words).
    pub(super) fn download_to(&mut self, file: u64, path: PathBuf) -> Result<(), String> {
        let lang = self.lang();
        let shown = path.display().to_string();
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
        if path.file_name().is_none() || folder.is_none_or(|f| !f.is_dir()) {
            return Err(tr!(lang, "file-save-no-folder", path = shown));
        }
        if path.exists() {
            return Err(tr!(lang, "file-save-exists", path = shown));
        }
        self.transfers.set_destination(file, path);
        self.accept_file(file);
        Ok(())
    }

    /// The offer of `file` in the conversation.
    fn offer(&self, file: u64) -> Option<crate::protocol::message::FileOffer> {
        self.chat.as_ref().and_then(|chat| {
            chat.entries.iter().find_map(|e| match &e.kind {
                EntryKind::File(offer) if offer.file == file => Some(offer.clone()),
                _ => None,
            })
        })
    }

    /// Where downloads go unless the person chooses.
    fn downloads_folder(&self) -> PathBuf {
        self.options
            .downloads_dir
            .clone()
            .unwrap_or_else(downloads_dir)
    }

    /// The room gave a token for `file`: downloads it where the person chose, else into the
    /// downloads folder under its name (or `name (2)`… if taken), going on from a part left by an
    /// earlier try.
    fn start_download(&mut self, file: u64, token: String) {
        let Some(offer) = self.offer(file) else {
            return;
        };
        let dir = self.downloads_folder();
        std::fs::create_dir_all(&dir).ok();
        let dest = match self.transfers.destination(file) {
            Some(dest) => dest.to_owned(),
            None => {
                let dest = self.transfers.free_path(&dir, &offer.name);
                self.transfers.set_destination(file, dest.clone());
                dest
            }
        };
        // A part longer than the file is not the start of it.
        let part = transfer::part_of(&dest);
        if std::fs::metadata(&part).is_ok_and(|m| m.len() > offer.size) {
            std::fs::remove_file(&part).ok();
        }
        self.start_transfer(file, Direction::Down, |params, sink| {
            transfer::download(params, file, token, dest, offer.sha256.clone(), sink)
        });
    }

    /// Starts a transfer thread with the chat's own host, encryption and pinned certificate.
    fn start_transfer(
        &mut self,
        file: u64,
        direction: Direction,
        start: impl FnOnce(
            &crate::client::ConnectParams,
            crate::EventSink<TransferEvent>,
        ) -> std::io::Result<transfer::Transfer>,
    ) {
        let Some(mut params) = self.params.clone() else {
            return;
        };
        params.pin = self.security.and_then(|s| s.fingerprint).or(params.pin);
        let sink = self.sink(AppEvent::Transfer);
        let status = match start(&params, sink) {
            Ok(handle) => {
                self.transfers.started(file, handle);
                TransferStatus::Running
            }
            Err(err) => TransferStatus::Failed(TransferFailure::System(err.to_string())),
        };
        if let Some(chat) = &mut self.chat {
            chat.set_transfer(file, direction, status);
        }
    }

    /// Opens a download, or the folder it is in, on a thread (starting a program may take a
    /// moment); the conversation says so when nothing could.
    fn open_path(&mut self, path: PathBuf) {
        let open = self.options.open_path;
        self.open_on_thread(
            "coucou-open-path",
            path,
            move |path| open(path),
            AppEvent::PathFailed,
        );
    }

    /// Stops the transfer of `file`.
    pub(super) fn cancel_transfer(&mut self, file: u64) {
        self.transfers.cancel(file);
    }

    /// A transfer's news: its progress, its end.
    pub(super) fn on_transfer(&mut self, event: TransferEvent) {
        let Some(chat) = &mut self.chat else { return };
        match event {
            TransferEvent::Progress { file, done, total } => {
                if let Some(t) = chat.transfers.get_mut(&file) {
                    if t.since.is_none() {
                        t.since = Some((std::time::Instant::now(), done));
                    }
                    t.done = done;
                    t.total = total;
                    t.status = TransferStatus::Running;
                }
            }
            TransferEvent::Finished { file, path } => {
                self.transfers.ended(file);
                if let Some(t) = chat.transfers.get_mut(&file) {
                    t.done = t.total;
                    t.status = TransferStatus::Done(path);
                }
            }
            TransferEvent::Failed { file, error } => {
                self.transfers.ended(file);
                if let Some(t) = chat.transfers.get_mut(&file) {
                    t.status = TransferStatus::Failed(error);
                }
            }
        }
        // An upload done is one offer less waiting: the next queued file may go.
        self.offer_next();
    }
}

/// Opens `path` (a file, or a folder) with what the system opens it with: `xdg-open`, `open` on
/// macOS, Explorer on Windows. False when that could not start.
pub fn open_with_system(path: &std::path::Path) -> bool {
    let opener = if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

/// The user's downloads folder (see [`downloads_in`]).
pub fn downloads_dir() -> PathBuf {
    downloads_in(dirs::download_dir(), dirs::home_dir())
}

/// Where downloads go: the system's downloads folder, else `Downloads` in the home folder (made
/// when the first download comes; never the home folder itself, where files would be lost among
/// the rest), else the current folder.
fn downloads_in(system: Option<PathBuf>, home: Option<PathBuf>) -> PathBuf {
    system
        .or_else(|| home.map(|home| home.join("Downloads")))
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_system_downloads_folder_files_go_to_downloads_in_the_home_folder() {
        let home = PathBuf::from("/home/alice");
        assert_eq!(
            downloads_in(None, Some(home.clone())),
            home.join("Downloads")
        );
        let chosen = PathBuf::from("/home/alice/Téléchargements");
        assert_eq!(downloads_in(Some(chosen.clone()), Some(home)), chosen);
        assert_eq!(downloads_in(None, None), PathBuf::from("."));
    }
}
