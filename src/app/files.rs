//! This person's files in the app (`Files`): offering one to the room or to one person (picked,
//! or dropped on the window: measured on a background thread, then offered; uploaded once the
//! room says where, again from what the host has after a cut), downloading one into the downloads
//! folder or where the person chooses (again from where it stopped, after a cut), cancelling, and
//! the progress the transfers report; fetching an offered picture into the picture cache as it
//! comes into view. Only in Coucou rooms. The bookkeeping (what is queued, awaited, running, and
//! where it goes) is `Transfers`'s (`transfers.rs`), the pictures' `Pictures`'s (`pictures.rs`);
//! here are the dialogs, the threads and what the conversation shows.

use eframe::egui;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;

use super::contact::Contact;
use super::conversation::Conversation;
use super::desk::Desk;
use super::events::AppEvent;
use super::export::{Chosen, native_open_dialog, native_save_dialog};
use super::pictures::Pictures;
use super::transfers::{Answered, Transfers, display_name};
use crate::client::picture;
use crate::client::transfer::{self, TransferEvent, TransferFailure};
use crate::i18n::Said;
use crate::model::{Direction, EntryKind, TransferStatus};
use crate::protocol::ServerMsg;
use crate::protocol::message::FileOffer;
use crate::tr;
use crate::ui::FileAction;
use crate::ui::dialogs::PathPurpose;

/// This person's files: the bookkeeping, and what carries it out.
#[derive(Default)]
pub(super) struct Files {
    /// What is queued, awaited, running, and where each goes.
    pub(super) transfers: Transfers,
    /// The offered pictures shown: their thumbnails, fetches, and the one shown large.
    pub(super) pictures: Pictures,
}

impl Files {
    /// Carries out what a view asked of files.
    pub(super) fn apply(
        &mut self,
        asked: FileAction,
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &mut Desk,
    ) {
        match asked {
            FileAction::Pick(to) => self.pick(to, contact, conv, desk),
            FileAction::Offer(path) => Self::measure(path, None, contact, conv, desk),
            FileAction::Paste(image) => Self::paste(&image, contact, conv, desk),
            FileAction::Accept(file) => self.accept(file, contact, conv),
            FileAction::SaveAs(file) => self.save_as(file, contact, conv, desk),
            FileAction::Cancel(file) => self.transfers.cancel(file),
            FileAction::RetryUpload(file) => self.retry_upload(file, contact, conv, desk),
            FileAction::Dismiss(file) => self.dismiss(file, contact, conv),
            FileAction::Open(path) => {
                if let Err(why) = desk.open_path(path) {
                    conv.push(EntryKind::Error(why));
                }
            }
            FileAction::Show(file) => self.show(file, contact, conv, desk),
            FileAction::Enlarge(file) => {
                if let Some(offer) = offer_in(conv, file) {
                    let shown = (file, offer.sha256.as_str(), offer.name.as_str());
                    self.pictures.enlarge(shown, desk);
                }
            }
            FileAction::CloseLarge => self.pictures.close_large(),
        }
    }

    /// An offered picture came into view without its thumbnail: read from the picture cache,
    /// else fetched into it (when its turn comes) and read then.
    fn show(&mut self, file: u64, contact: &mut Contact, conv: &mut Conversation, desk: &Desk) {
        let Some(offer) = offer_in(conv, file)
            .filter(|o| crate::client::preview::shows_inline(&o.name, o.size, &o.sha256))
        else {
            return;
        };
        let own = self.transfers.upload(file).map(|(path, _)| path);
        if self.pictures.wanted(&offer.sha256, own, desk) {
            return;
        }
        if contact.live_json().is_none() {
            // Asked again on the next connection.
            self.pictures.fetch_later(&offer.sha256, file);
            return;
        }
        if self.pictures.fetch(&offer.sha256, file) {
            self.fetch_picture(&offer.sha256, file, contact, conv, desk);
        }
    }

    /// Downloads the picture `sha256` (offered as `file`) into the picture cache.
    fn fetch_picture(
        &mut self,
        sha256: &str,
        file: u64,
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &Desk,
    ) {
        let dir = Pictures::cache_dir(desk);
        std::fs::create_dir_all(&dir).ok();
        self.transfers.set_destination(file, dir.join(sha256));
        self.accept(file, contact, conv);
    }

    /// A transfer ended (with the file at `path`, or not). If it was a picture's fetch, the
    /// picture is read, and its offer is as if nothing was downloaded (Download and Save as
    /// take it where the person says); a fetch that stopped shows on its card, with why. The
    /// next picture waiting starts.
    fn picture_fetched(
        &mut self,
        file: u64,
        path: Option<&std::path::Path>,
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &Desk,
    ) {
        if self.pictures.fetched(file, path, desk) {
            self.transfers.forget_destination(file);
            if let (Some(chat), Some(_)) = (&mut conv.chat, path) {
                chat.transfers.remove(&file);
            }
        }
        while let Some((sha256, next)) = self.pictures.next_fetch() {
            self.fetch_picture(&sha256, next, contact, conv, desk);
        }
    }

    /// Asks for a file to offer (to `to`, or the room): the system's dialog, or the app's own
    /// when that can't open (no file portal, no zenity), never nothing at all.
    fn pick(
        &mut self,
        to: Option<String>,
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &mut Desk,
    ) {
        if let Some(picker) = &desk.options.pick_file {
            if let Some(path) = (picker.0)() {
                Self::measure(path, to, contact, conv, desk);
            }
            return;
        }
        let chosen = if desk.options.native_dialogs {
            native_open_dialog(&desk.lang().tr("file-open-title"))
        } else {
            Chosen::Unavailable
        };
        match chosen {
            Chosen::Path(path) => Self::measure(path, to, contact, conv, desk),
            Chosen::Cancelled => {}
            Chosen::Unavailable => {
                let folder = dirs::document_dir()
                    .or_else(dirs::home_dir)
                    .map(|dir| format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR))
                    .unwrap_or_default();
                desk.dialogs.ask_path(PathPurpose::Offer(to), folder);
            }
        }
    }

    /// The app's own open dialog chose `path`: offers it (to `to`, or the room) if it is a file;
    /// else why not, in words.
    pub(super) fn offer_typed_path(
        path: PathBuf,
        to: Option<String>,
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &mut Desk,
    ) -> Result<(), String> {
        if !path.is_file() {
            let shown = path.display().to_string();
            return Err(tr!(desk.lang(), "file-open-missing", path = shown));
        }
        Self::measure(path, to, contact, conv, desk);
        Ok(())
    }

    /// A pasted image: written as a PNG of its pixels alone (shrunk when larger than a screen) on
    /// `coucou-paste`, then measured and offered to the room as a dropped file is.
    fn paste(
        image: &Arc<egui::ColorImage>,
        contact: &Contact,
        conv: &mut Conversation,
        desk: &Desk,
    ) {
        if contact.live_json().is_none() {
            conv.say(Said::new("file-not-here"), true);
            return;
        }
        if image.size[0].saturating_mul(image.size[1]) > picture::MAX_PASTED_PIXELS {
            conv.say(Said::new("paste-too-large"), true);
            return;
        }
        let image = Arc::clone(image);
        let dir = desk.pictures_dir();
        let when = chrono::Local::now().format("%Y-%m-%d %H.%M.%S").to_string();
        let name = tr!(desk.lang(), "screenshot-name", when = when);
        Self::measure_after("coucou-paste", None, conv, desk, move || {
            // Off the UI thread: a screenshot is tens of MB of pixels.
            let [width, height] = image.size.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
            let rgba: Vec<u8> = image
                .pixels
                .iter()
                .flat_map(|p| p.to_srgba_unmultiplied())
                .collect();
            drop(image);
            let written = picture::png_of(width, height, rgba).and_then(|png| {
                let path = picture::unique_folder(&dir)?.join(&name);
                std::fs::write(&path, png)?;
                Ok(path)
            });
            written.map_err(|err| (PathBuf::from(&name), err.to_string()))
        });
    }

    /// Measures `path` (size and SHA-256) on a background thread, a picture's copy without its
    /// metadata in its place; the offer (to `to`, or the room) follows.
    fn measure(
        path: PathBuf,
        to: Option<String>,
        contact: &Contact,
        conv: &mut Conversation,
        desk: &Desk,
    ) {
        if contact.live_json().is_none() {
            conv.say(Said::new("file-not-here"), true);
            return;
        }
        let dir = desk.pictures_dir();
        let lang = desk.lang();
        Self::measure_after("coucou-measure", to, conv, desk, move || {
            // A photo's place and camera never leave this computer: what is offered is a copy
            // without them (a picture that does not read as one is not offered).
            picture::prepared(&path, &dir).map_err(|err| {
                let why = match err.kind() {
                    std::io::ErrorKind::InvalidData => lang.tr("file-not-a-picture"),
                    std::io::ErrorKind::FileTooLarge => lang.tr("file-picture-too-large"),
                    _ => err.to_string(),
                };
                (path, why)
            })
        });
    }

    /// On a thread of its own (called `name`): the file `make` gives (or why not, with the path to
    /// name), measured (size and SHA-256); the app is told ([`AppEvent::Measured`]), and the
    /// offer (to `to`, or the room) follows.
    fn measure_after(
        name: &str,
        to: Option<String>,
        conv: &mut Conversation,
        desk: &Desk,
        make: impl FnOnce() -> Result<PathBuf, (PathBuf, String)> + Send + 'static,
    ) {
        let sink = desk.sink(|(path, to, measured)| AppEvent::Measured(path, to, measured));
        let spawned = thread::Builder::new().name(name.to_owned()).spawn(move || {
            let (path, measured) = match make() {
                Ok(path) => {
                    let measured = transfer::measure(&path).map_err(|err| err.to_string());
                    (path, measured)
                }
                Err((path, why)) => (path, Err(why)),
            };
            sink.send((path, to, measured));
        });
        if let Err(err) = spawned {
            conv.push(EntryKind::Error(err.to_string()));
        }
    }

    /// What the files' threads tell: a file measured, a picture read, a transfer's news.
    pub(super) fn on_event(
        &mut self,
        event: AppEvent,
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &Desk,
    ) {
        match event {
            AppEvent::Measured(path, to, measured) => {
                self.on_measured((path, to, measured), contact, conv, desk);
            }
            AppEvent::Picture(read) => self.pictures.on_read(read, &desk.ctx),
            AppEvent::Transfer(event) => self.on_transfer(event, contact, conv, desk),
            _ => {}
        }
    }

    /// The file is measured: offers it to the room, and waits for the room's token.
    fn on_measured(
        &mut self,
        (path, to, measured): (PathBuf, Option<String>, Result<(u64, String), String>),
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &Desk,
    ) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match (measured, contact.connection()) {
            (Ok((size, sha256)), Some(_)) => {
                self.transfers.queue(path, size, sha256, to);
                self.offer_next(contact, conv);
            }
            (Ok(_), None) => {}
            (Err(error), _) => {
                let text = tr!(desk.lang(), "file-unreadable", name = name, error = error);
                conv.push(EntryKind::Error(text));
            }
        }
    }

    /// Offers the files queued, in order, while the room lets one more offer wait for its
    /// bytes: offers not yet answered, and uploads not yet done, count.
    pub(super) fn offer_next(&mut self, contact: &mut Contact, conv: &Conversation) {
        if contact.connection().is_none() {
            return;
        }
        let uploading = self
            .transfers
            .uploads()
            .filter(|file| {
                conv.chat.as_ref().is_none_or(|chat| {
                    chat.transfers
                        .get(file)
                        .is_none_or(|t| !matches!(t.status, TransferStatus::Done(_)))
                })
            })
            .count();
        let due = self.transfers.due(uploading, &mut contact.asked);
        if let Some(conn) = contact.connection() {
            for offer in due {
                conn.ask(offer);
            }
        }
    }

    /// What the room says about this person's files: a token to upload an offer with, a token
    /// to download a file asked for, or the refusal of either. True when `msg` was a token (a
    /// refusal still shows in the conversation).
    pub(super) fn on_answer(
        &mut self,
        msg: &ServerMsg,
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &Desk,
    ) -> bool {
        let token = matches!(msg, ServerMsg::Ready { .. } | ServerMsg::Ticket { .. });
        match self.transfers.answered(msg) {
            Some(Answered::Upload {
                file,
                path,
                size,
                to,
            }) => {
                if let Some(chat) = &mut conv.chat {
                    chat.start_upload(file, display_name(&path), size, to);
                }
                self.retry_upload(file, contact, conv, desk);
            }
            Some(Answered::Download { file, token }) => {
                self.start_download(file, token, contact, conv, desk);
            }
            Some(Answered::OfferRefused) => self.offer_next(contact, conv),
            Some(Answered::FetchRefused { file, why }) => {
                if let Some(chat) = &mut conv.chat {
                    let refused = TransferStatus::Failed(TransferFailure::Refused(why));
                    chat.set_transfer(file, Direction::Down, refused);
                }
                self.picture_fetched(file, None, contact, conv, desk);
            }
            None => {}
        }
        token
    }

    /// A new connection: what was asked on the one before is never answered. Offers go again;
    /// the downloads that waited for a ticket stop, cut, to be retried; a picture's fetch is as
    /// if never asked (the picture asks again while in view).
    pub(super) fn connection_lost(&mut self, conv: &mut Conversation) {
        let unanswered = self.transfers.connection_lost();
        let pictures = self.pictures.connection_lost(&unanswered);
        if let Some(chat) = &mut conv.chat {
            for file in unanswered {
                if pictures.contains(&file) {
                    chat.transfers.remove(&file);
                    self.transfers.forget_destination(file);
                    continue;
                }
                let cut = TransferStatus::Failed(TransferFailure::Cut);
                chat.set_transfer(file, Direction::Down, cut);
            }
        }
    }

    /// The conversation is closed: its transfers stop.
    pub(super) fn close(&mut self) {
        self.transfers.close();
        self.pictures.close();
    }

    /// Asks the room for a file to download (again, from where it stopped).
    fn accept(&mut self, file: u64, contact: &mut Contact, conv: &mut Conversation) {
        if contact.live_json().is_none() {
            return;
        }
        let fetch = self.transfers.fetch(file, &mut contact.asked);
        if let Some(conn) = contact.live_json() {
            conn.ask(fetch);
        }
        if let Some(chat) = &mut conv.chat {
            chat.set_transfer(file, Direction::Down, TransferStatus::Starting);
        }
    }

    /// Uploads `file` (again, from what the host has) with the token the room gave.
    fn retry_upload(&mut self, file: u64, contact: &Contact, conv: &mut Conversation, desk: &Desk) {
        let Some((path, token)) = self.transfers.upload(file) else {
            return;
        };
        self.start_transfer(file, Direction::Up, contact, conv, desk, |params, sink| {
            transfer::upload(params, file, token, path, sink)
        });
    }

    /// Forgets a stopped upload (the host gives its room back when its window passes).
    fn dismiss(&mut self, file: u64, contact: &mut Contact, conv: &mut Conversation) {
        self.transfers.cancel(file);
        self.transfers.forget_upload(file);
        if let Some(chat) = &mut conv.chat {
            chat.transfers.remove(&file);
        }
        self.offer_next(contact, conv);
    }

    /// Asks where to save the offered `file`: the system's dialog, or the app's own when that
    /// can't open; the download follows.
    fn save_as(
        &mut self,
        file: u64,
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &mut Desk,
    ) {
        let Some(offer) = offer_in(conv, file) else {
            return;
        };
        let chosen = if desk.options.native_dialogs {
            native_save_dialog(&offer.name, &desk.lang().tr("file-save-title"), None)
        } else {
            Chosen::Unavailable
        };
        match chosen {
            Chosen::Path(path) => {
                self.transfers.set_destination(file, path);
                self.accept(file, contact, conv);
            }
            Chosen::Cancelled => {}
            Chosen::Unavailable => {
                let dir = downloads_folder(desk);
                let path = self.transfers.free_path(&dir, &offer.name);
                desk.dialogs
                    .ask_path(PathPurpose::Download(file), path.display().to_string());
            }
        }
    }

    /// The app's own save dialog chose `path` for the offered `file`: downloads it there, unless
    /// the path can't be a new file (then why, in words).
    pub(super) fn download_to(
        &mut self,
        file: u64,
        path: PathBuf,
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &Desk,
    ) -> Result<(), String> {
        let lang = desk.lang();
        let shown = path.display().to_string();
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
        if path.file_name().is_none() || folder.is_none_or(|f| !f.is_dir()) {
            return Err(tr!(lang, "file-save-no-folder", path = shown));
        }
        if path.exists() {
            return Err(tr!(lang, "file-save-exists", path = shown));
        }
        self.transfers.set_destination(file, path);
        self.accept(file, contact, conv);
        Ok(())
    }

    /// The room gave a token for `file`: downloads it where the person chose, else into the
    /// downloads folder under its name (or `name (2)`… if taken), going on from a part left by an
    /// earlier try.
    fn start_download(
        &mut self,
        file: u64,
        token: String,
        contact: &Contact,
        conv: &mut Conversation,
        desk: &Desk,
    ) {
        let Some(offer) = offer_in(conv, file) else {
            return;
        };
        let dir = downloads_folder(desk);
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
        self.start_transfer(
            file,
            Direction::Down,
            contact,
            conv,
            desk,
            |params, sink| {
                let offered = (offer.sha256.clone(), offer.size);
                transfer::download(params, file, token, dest, offered, sink)
            },
        );
    }

    /// Starts a transfer thread with the conversation's own host, encryption and pinned
    /// certificate.
    fn start_transfer(
        &mut self,
        file: u64,
        direction: Direction,
        contact: &Contact,
        conv: &mut Conversation,
        desk: &Desk,
        start: impl FnOnce(
            &crate::client::ConnectParams,
            crate::EventSink<TransferEvent>,
        ) -> std::io::Result<transfer::Transfer>,
    ) {
        let Some(mut params) = contact.params.clone() else {
            return;
        };
        params.pin = contact.security.and_then(|s| s.fingerprint).or(params.pin);
        let sink = desk.sink(AppEvent::Transfer);
        let status = match start(&params, sink) {
            Ok(handle) => {
                self.transfers.started(file, handle);
                TransferStatus::Running
            }
            Err(err) => TransferStatus::Failed(TransferFailure::System(err.kind())),
        };
        if let Some(chat) = &mut conv.chat {
            chat.set_transfer(file, direction, status);
        }
    }

    /// A transfer's news: its progress, its end.
    fn on_transfer(
        &mut self,
        event: TransferEvent,
        contact: &mut Contact,
        conv: &mut Conversation,
        desk: &Desk,
    ) {
        let ended = match &event {
            TransferEvent::Finished { file, path } => Some((*file, path.clone())),
            TransferEvent::Failed { file, .. } => Some((*file, None)),
            TransferEvent::Progress { .. } => None,
        };
        let Some(chat) = &mut conv.chat else { return };
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
        self.offer_next(contact, conv);
        if let Some((file, path)) = ended {
            self.picture_fetched(file, path.as_deref(), contact, conv, desk);
        }
    }
}

/// The offer of `file` in the conversation.
fn offer_in(conv: &Conversation, file: u64) -> Option<FileOffer> {
    conv.chat.as_ref().and_then(|chat| {
        chat.entries.iter().find_map(|e| match &e.kind {
            EntryKind::File(offer) if offer.file == file => Some(offer.clone()),
            _ => None,
        })
    })
}

/// Where downloads go unless the person chooses.
fn downloads_folder(desk: &Desk) -> PathBuf {
    desk.options
        .downloads_dir
        .clone()
        .unwrap_or_else(super::options::downloads_dir)
}
