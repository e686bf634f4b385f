//! Files in the app, as `impl CoucouApp`: offering one to the room or to one person (picked, or
//! dropped on the window: measured on a background thread, then offered; uploaded once the room
//! says where, again from what the host has after a cut), downloading one into the downloads folder
//! or where the person chooses (again from where it stopped, after a cut), cancelling, and the
//! progress the transfers report. Only in Coucou rooms. What this person offers has its own
//! owner, [`Offers`]: files queued while the room lets no more offers wait, then offered.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::thread;

use super::export::{SaveChoice, SaveFallback, SavePurpose, native_dialog_reachable};
use super::{AppEvent, CoucouApp};
use crate::client::transfer::{self, TransferEvent, TransferFailure};
use crate::model::{Direction, EntryKind, TransferStatus};
use crate::protocol::message::MAX_OFFERS_WAITING;
use crate::protocol::{ClientMsg, ErrorCode, ServerMsg};
use crate::tr;

/// A file offered and measured, waiting for the room's token to upload it.
#[derive(Debug)]
pub(super) struct Pending {
    path: PathBuf,
    size: u64,
    to: Option<String>,
}

/// A file measured, to offer (to `to`, or the room) once the room lets one more offer wait.
#[derive(Debug)]
struct Measured {
    path: PathBuf,
    size: u64,
    sha256: String,
    to: Option<String>,
}

/// This person's offers, from measured to answered: queued while the room already has as many
/// of them waiting for their bytes as it lets wait ([`MAX_OFFERS_WAITING`]), then offered in
/// order and waiting for the room's answer (a token, or a refusal).
#[derive(Debug, Default)]
pub(super) struct Offers {
    /// Measured, not offered yet.
    queued: VecDeque<Measured>,
    /// Offered, not answered yet, oldest first.
    asked: VecDeque<Pending>,
}

impl Offers {
    /// Queues a measured file.
    fn queue(&mut self, path: PathBuf, size: u64, sha256: String, to: Option<String>) {
        self.queued.push_back(Measured {
            path,
            size,
            sha256,
            to,
        });
    }

    /// The offers to send now, in order, while `uploading` (uploads not yet done) and the
    /// offers not yet answered leave the room a place for one more; each is then awaited.
    fn due(&mut self, uploading: usize) -> Vec<ClientMsg> {
        let mut due = Vec::new();
        while uploading + self.asked.len() < MAX_OFFERS_WAITING
            && let Some(Measured {
                path,
                size,
                sha256,
                to,
            }) = self.queued.pop_front()
        {
            due.push(ClientMsg::Offer {
                name: display_name(&path),
                size,
                sha256,
                to: to.clone(),
            });
            self.asked.push_back(Pending { path, size, to });
        }
        due
    }

    /// The room answered the oldest offer (a token, or a refusal): what it was.
    fn answered(&mut self) -> Option<Pending> {
        self.asked.pop_front()
    }
}

impl CoucouApp {
    /// Asks the system's file dialog for a file to offer (to `to`, or the room). Without one, says
    /// that a file can be dropped on the window instead.
    pub(super) fn pick_file(&mut self, to: Option<String>) {
        if let Some(picker) = &self.options.pick_file {
            if let Some(path) = (picker.0)() {
                self.offer_file(path, to);
            }
            return;
        }
        if !self.options.native_dialogs {
            return;
        }
        if !native_dialog_reachable() {
            let text = self.lang().tr("file-no-dialog");
            self.push_to_chat(EntryKind::Error(text));
            return;
        }
        if let Some(path) = rfd::FileDialog::new().pick_file() {
            self.offer_file(path, to);
        }
    }

    /// Measures `path` (size and SHA-256) on a background thread; the offer (to `to`, or the
    /// room) follows.
    pub(super) fn offer_file(&mut self, path: PathBuf, to: Option<String>) {
        if !(self.speaks_json() && self.link.is_connected()) {
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
                self.offers.queue(path, size, sha256, to);
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
            .uploads
            .keys()
            .filter(|file| {
                self.chat.as_ref().is_none_or(|chat| {
                    chat.transfers
                        .get(file)
                        .is_none_or(|t| !matches!(t.status, TransferStatus::Done(_)))
                })
            })
            .count();
        for offer in self.offers.due(uploading) {
            conn.ask(offer);
        }
    }

    /// What the room says about files: a token to upload the oldest offer with, a token to
    /// download a file asked for, or a refusal of an offer. True when `msg` was one of those.
    pub(super) fn on_file_answer(&mut self, msg: &ServerMsg) -> bool {
        match msg {
            ServerMsg::Ready { file, token } => {
                if let Some(Pending { path, size, to }) = self.offers.answered() {
                    if let Some(chat) = &mut self.chat {
                        chat.start_upload(*file, display_name(&path), size, to);
                    }
                    self.uploads.insert(*file, (path, token.clone()));
                    self.retry_upload(*file);
                }
                true
            }
            ServerMsg::Ticket { file, token } => {
                self.start_download(*file, token.clone());
                true
            }
            ServerMsg::Error {
                code: ErrorCode::FileTooLarge | ErrorCode::QuotaFull | ErrorCode::Unavailable,
                ..
            } => {
                self.offers.answered();
                self.offer_next();
                false
            }
            ServerMsg::Error {
                code: ErrorCode::NoSuchFile,
                message,
            } => {
                if let Some(chat) = &mut self.chat {
                    for t in chat.transfers.values_mut() {
                        if t.status == TransferStatus::Starting {
                            t.status =
                                TransferStatus::Failed(TransferFailure::Refused(message.clone()));
                        }
                    }
                }
                false
            }
            _ => false,
        }
    }

    /// Asks the room for a file to download (again, from where it stopped).
    pub(super) fn accept_file(&mut self, file: u64) {
        let Some(conn) = self.conn.as_ref().filter(|_| self.link.is_connected()) else {
            return;
        };
        conn.ask(ClientMsg::Fetch { file });
        if let Some(chat) = &mut self.chat {
            chat.set_transfer(file, Direction::Down, TransferStatus::Starting);
        }
    }

    /// Uploads `file` (again, from what the host has) with the token the room gave.
    pub(super) fn retry_upload(&mut self, file: u64) {
        let Some((path, token)) = self.uploads.get(&file).cloned() else {
            return;
        };
        self.start_transfer(file, Direction::Up, |params, sink| {
            transfer::upload(params, file, token, path, sink)
        });
    }

    /// Forgets a stopped upload (the host gives its room back when its window passes).
    pub(super) fn dismiss_transfer(&mut self, file: u64) {
        self.cancel_transfer(file);
        self.uploads.remove(&file);
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
            SaveChoice::Unavailable
        };
        match chosen {
            SaveChoice::Path(path) => {
                self.download_dest.insert(file, path);
                self.accept_file(file);
            }
            SaveChoice::Cancelled => {}
            SaveChoice::Unavailable => {
                let dir = self.downloads_folder();
                self.save_fallback = Some(SaveFallback {
                    purpose: SavePurpose::File(file),
                    path: self
                        .free_download_path(&dir, &offer.name)
                        .display()
                        .to_string(),
                    error: None,
                });
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
        self.download_dest.insert(file, path);
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

    /// A path in `dir` for `name` that no file has and no other download of this app is going to.
    fn free_download_path(&self, dir: &Path, name: &str) -> PathBuf {
        transfer::free_path(dir, name, |p| self.download_dest.values().any(|d| d == p))
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
        let dest = match self.download_dest.get(&file) {
            Some(dest) => dest.clone(),
            None => {
                let dest = self.free_download_path(&dir, &offer.name);
                self.download_dest.insert(file, dest.clone());
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
                self.transfers.insert(file, handle);
                TransferStatus::Running
            }
            Err(err) => TransferStatus::Failed(TransferFailure::System(err.to_string())),
        };
        if let Some(chat) = &mut self.chat {
            chat.set_transfer(file, direction, status);
        }
    }

    /// Stops the transfer of `file`.
    pub(super) fn cancel_transfer(&mut self, file: u64) {
        if let Some(handle) = self.transfers.remove(&file) {
            handle.cancel();
        }
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
                self.transfers.remove(&file);
                if let Some(t) = chat.transfers.get_mut(&file) {
                    t.done = t.total;
                    t.status = TransferStatus::Done(path);
                }
            }
            TransferEvent::Failed { file, error } => {
                self.transfers.remove(&file);
                if let Some(t) = chat.transfers.get_mut(&file) {
                    t.status = TransferStatus::Failed(error);
                }
            }
        }
        // An upload done is one offer less waiting: the next queued file may go.
        self.offer_next();
    }
}

/// A file's name, as the line above the input shows it.
fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The user's downloads folder, else the home folder, else the current one.
pub fn downloads_dir() -> PathBuf {
    dirs::download_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered(msgs: &[ClientMsg]) -> Vec<String> {
        msgs.iter()
            .map(|m| match m {
                ClientMsg::Offer { name, .. } => name.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn offers_wait_in_order_for_a_place_among_those_the_room_lets_wait() {
        let mut offers = Offers::default();
        for n in 0..6 {
            offers.queue(format!("/tmp/{n}.jpg").into(), 1, "0".repeat(64), None);
        }
        // One upload still going: three places.
        assert_eq!(offered(&offers.due(1)), ["0.jpg", "1.jpg", "2.jpg"]);
        assert!(offers.due(1).is_empty(), "all awaited");
        // The room answers the oldest: one place more.
        assert_eq!(offers.answered().map(|p| p.path), Some("/tmp/0.jpg".into()));
        assert_eq!(offered(&offers.due(1)), ["3.jpg"]);
        assert_eq!(offered(&offers.due(0)), ["4.jpg"]);
        for _ in 0..4 {
            offers.answered();
        }
        assert_eq!(
            offered(&offers.due(MAX_OFFERS_WAITING)),
            Vec::<String>::new()
        );
        assert_eq!(offered(&offers.due(0)), ["5.jpg"]);
        assert!(offers.answered().is_some() && offers.answered().is_none());
    }
}
