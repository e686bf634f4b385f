//! Files in the app, as `impl CoucouApp`: offering one (picked, or dropped on the window: measured
//! on a background thread, then offered; uploaded once the room says where), downloading one into
//! the downloads folder (again from where it stopped, after a cut), cancelling, and the progress
//! the transfers report. Only in Coucou rooms.

use std::path::PathBuf;
use std::thread;

use super::{AppEvent, CoucouApp};
use crate::client::transfer::{self, TransferEvent};
use crate::model::{Direction, EntryKind, TransferStatus};
use crate::protocol::{ClientMsg, ErrorCode, ServerMsg};
use crate::tr;

impl CoucouApp {
    /// Asks the system's file dialog for a file to offer.
    pub(super) fn pick_file(&mut self) {
        if !self.options.native_dialogs {
            return;
        }
        if let Some(path) = rfd::FileDialog::new().pick_file() {
            self.offer_file(path);
        }
    }

    /// Measures `path` (size and SHA-256) on a background thread; the offer follows.
    pub(super) fn offer_file(&mut self, path: PathBuf) {
        if !(self.speaks_json() && self.link.is_connected()) {
            let text = self.lang().tr("file-not-here");
            self.push_to_chat(EntryKind::Error(text));
            return;
        }
        let sink = self.sink(|(path, measured)| AppEvent::Measured(path, measured));
        let spawned = thread::Builder::new()
            .name("coucou-measure".to_owned())
            .spawn(move || {
                let measured = transfer::measure(&path).map_err(|err| err.to_string());
                sink.send((path, measured));
            });
        if let Err(err) = spawned {
            self.push_to_chat(EntryKind::Error(err.to_string()));
        }
    }

    /// The file is measured: offers it to the room, and waits for the room's token.
    pub(super) fn on_measured(&mut self, path: PathBuf, measured: Result<(u64, String), String>) {
        let lang = self.lang();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match (measured, &self.conn) {
            (Ok((size, sha256)), Some(conn)) => {
                conn.ask(ClientMsg::Offer {
                    name,
                    size,
                    sha256,
                    to: None,
                });
                self.pending_offers.push_back(path);
            }
            (Ok(_), None) => {}
            (Err(error), _) => {
                let text = tr!(lang, "file-unreadable", name = name, error = error);
                self.push_to_chat(EntryKind::Error(text));
            }
        }
    }

    /// What the room says about files: a token to upload the oldest offer with, a token to
    /// download a file asked for, or a refusal of an offer. True when `msg` was one of those.
    pub(super) fn on_file_answer(&mut self, msg: &ServerMsg) -> bool {
        match msg {
            ServerMsg::Ready { file, token } => {
                if let Some(path) = self.pending_offers.pop_front() {
                    self.start_transfer(*file, Direction::Up, |params, sink| {
                        transfer::upload(params, *file, token.clone(), path, sink)
                    });
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
                self.pending_offers.pop_front();
                false
            }
            ServerMsg::Error {
                code: ErrorCode::NoSuchFile,
                message,
            } => {
                if let Some(chat) = &mut self.chat {
                    for t in chat.transfers.values_mut() {
                        if t.status == TransferStatus::Starting {
                            t.status = TransferStatus::Failed(message.clone());
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

    /// The room gave a token for `file`: downloads it into the downloads folder, under its name
    /// (or `name (2)`… if taken), going on from a part left by an earlier try.
    fn start_download(&mut self, file: u64, token: String) {
        let Some(offer) = self.chat.as_ref().and_then(|chat| {
            chat.entries.iter().find_map(|e| match &e.kind {
                EntryKind::File(offer) if offer.file == file => Some(offer.clone()),
                _ => None,
            })
        }) else {
            return;
        };
        let dir = self
            .options
            .downloads_dir
            .clone()
            .unwrap_or_else(downloads_dir);
        std::fs::create_dir_all(&dir).ok();
        let dest = self
            .download_dest
            .entry(file)
            .or_insert_with(|| transfer::free_path(&dir, &offer.name))
            .clone();
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
            Err(err) => TransferStatus::Failed(err.to_string()),
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
    }
}

/// The user's downloads folder, else the home folder, else the current one.
pub fn downloads_dir() -> PathBuf {
    dirs::download_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_else(|| PathBuf::from("."))
}
