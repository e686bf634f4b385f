//! Files offered in a room, kept by the host: the offers and their bytes on disk under a size
//! limit and a quota, until they expire; the tokens that let a connection of its own upload or
//! download one; and those transfers. File bytes never go through a chat connection (its bounded
//! queue would cut a person off as too slow): each transfer has its own connection and thread, so a
//! downloader that stops reading holds up nobody but itself.
//!
//! The registry sits behind its own small lock, never held during disk or network work, and never
//! together with the room's lock.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use log::{debug, info, warn};
use ring::hmac;

use super::shared::Shared;
use crate::i18n::Lang;
use crate::protocol::message::FileOffer;
use crate::protocol::sanitize::clean_file_name;
use crate::protocol::{ErrorCode, ServerMsg};
use crate::tls::Transport;
use crate::tr;

/// Where and how much a host keeps of the files offered in its room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesConfig {
    /// The folder the files are kept in (emptied at start: offers do not outlive the server).
    pub dir: PathBuf,
    /// The largest file, in bytes.
    pub max_file_bytes: u64,
    /// All the files together, in bytes; an offer that would pass it is refused up front.
    pub quota_bytes: u64,
    /// How long an offer lasts.
    pub expiry: Duration,
}

impl FilesConfig {
    /// The defaults in `dir`: files up to 2 GB, 10 GB in all, kept a day.
    pub fn in_dir(dir: PathBuf) -> Self {
        Self {
            dir,
            max_file_bytes: 2_000_000_000,
            quota_bytes: 10_000_000_000,
            expiry: Duration::from_secs(24 * 3600),
        }
    }
}

/// How long a transfer may make no progress before its connection is closed.
const STALL: Duration = Duration::from_secs(60);

/// How much is read or written at a time.
const CHUNK: usize = 64 * 1024;

/// One offered file.
#[derive(Debug)]
struct Entry {
    /// Its name, cleaned.
    name: String,
    /// Its size.
    size: u64,
    /// Its SHA-256, lowercase hex.
    sha256: String,
    /// Who offers it.
    from: String,
    /// Who it is for, if one person.
    to: Option<String>,
    /// Every byte is in and checked; it has been offered.
    complete: bool,
    /// An upload connection is writing it now.
    uploading: bool,
    /// When it was offered.
    offered: Instant,
}

/// The files of one server.
#[derive(Debug)]
pub(super) struct Files {
    config: FilesConfig,
    /// The offers, by file id.
    entries: Mutex<HashMap<u64, Entry>>,
    /// The next file id.
    next_id: Mutex<u64>,
    /// Signs the tokens: random, made at start; a token is good for this run only.
    key: hmac::Key,
}

/// What a token lets its connection do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// Upload the file's bytes.
    Upload,
    /// Download them.
    Download,
}

impl Grant {
    fn tag(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Download => "download",
        }
    }
}

impl Files {
    /// The registry for `config`, its folder made and emptied (what an earlier run left).
    pub(super) fn open(config: FilesConfig) -> io::Result<Self> {
        fs::create_dir_all(&config.dir)?;
        for entry in fs::read_dir(&config.dir)?.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                fs::remove_file(entry.path()).ok();
            }
        }
        let rng = ring::rand::SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng)
            .map_err(|_| io::Error::other("no randomness for the file tokens"))?;
        Ok(Self {
            config,
            entries: Mutex::new(HashMap::new()),
            next_id: Mutex::new(1),
            key,
        })
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn path(&self, file: u64, complete: bool) -> PathBuf {
        let name = if complete {
            format!("{file}")
        } else {
            format!("{file}.part")
        };
        self.config.dir.join(name)
    }

    /// `file.grant.signature`: what a connection shows to upload or download `file`.
    fn token(&self, file: u64, grant: Grant) -> String {
        let tag = hmac::sign(&self.key, format!("{file}.{}", grant.tag()).as_bytes());
        format!("{file}.{}.{}", grant.tag(), hex::encode(tag.as_ref()))
    }

    /// The file a token is good for, checked in constant time.
    fn check(&self, token: &str, grant: Grant) -> Option<u64> {
        let mut parts = token.splitn(3, '.');
        let file: u64 = parts.next()?.parse().ok()?;
        if parts.next()? != grant.tag() {
            return None;
        }
        let signature = hex::decode(parts.next()?).ok()?;
        let message = format!("{file}.{}", grant.tag());
        hmac::verify(&self.key, message.as_bytes(), &signature).ok()?;
        Some(file)
    }

    /// Forgets the offers that have expired, and deletes their bytes (after the lock).
    fn purge(&self) {
        let expired: Vec<(u64, bool)> = {
            let mut entries = self.entries();
            let gone: Vec<u64> = entries
                .iter()
                .filter(|(_, e)| e.offered.elapsed() >= self.config.expiry && !e.uploading)
                .map(|(id, _)| *id)
                .collect();
            gone.into_iter()
                .filter_map(|id| entries.remove(&id).map(|e| (id, e.complete)))
                .collect()
        };
        for (id, complete) in expired {
            fs::remove_file(self.path(id, complete)).ok();
        }
    }

    /// Forgets one offer and its bytes.
    fn drop_file(&self, file: u64) {
        let removed = self.entries().remove(&file);
        if let Some(entry) = removed {
            fs::remove_file(self.path(file, entry.complete)).ok();
        }
    }
}

/// An error for the person, in the room's language.
fn refuse(lang: Lang, code: ErrorCode, key: &str) -> ServerMsg {
    ServerMsg::error(code, lang.tr(key))
}

/// Why a transfer was refused or stopped: its code, and the words for the person.
#[derive(Debug)]
struct Refusal(ErrorCode, String);

impl Refusal {
    fn new(lang: Lang, code: ErrorCode, key: &str) -> Self {
        Self(code, lang.tr(key))
    }
}

/// Answers an offer: a token to upload with, or why not. Nothing is announced until every byte is
/// in and checked.
pub(super) fn offer(
    shared: &Shared,
    from: &str,
    name: &str,
    size: u64,
    sha256: &str,
    to: Option<&str>,
) -> ServerMsg {
    let lang = shared.config.lang;
    let Some(files) = shared.files() else {
        return refuse(lang, ErrorCode::Unavailable, "error-no-files");
    };
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return refuse(lang, ErrorCode::Malformed, "error-bad-sha256");
    }
    if size > files.config.max_file_bytes {
        let max = lang.size(files.config.max_file_bytes);
        return ServerMsg::error(
            ErrorCode::FileTooLarge,
            tr!(lang, "error-file-too-large", max = max),
        );
    }
    let to = match to {
        Some(wanted) => match shared.lock_room().canonical_name(wanted) {
            Some(name) => Some(name),
            None => {
                return ServerMsg::error(
                    ErrorCode::NoSuchUser,
                    tr!(lang, "error-no-such-person", name = wanted),
                );
            }
        },
        None => None,
    };
    files.purge();
    let mut entries = files.entries();
    let used: u64 = entries.values().map(|e| e.size).sum();
    if used.saturating_add(size) > files.config.quota_bytes {
        let free = lang.size(files.config.quota_bytes.saturating_sub(used));
        return ServerMsg::error(
            ErrorCode::QuotaFull,
            tr!(lang, "error-quota-full", free = free),
        );
    }
    let file = {
        let mut next = files.next_id.lock().unwrap_or_else(PoisonError::into_inner);
        let file = *next;
        *next += 1;
        file
    };
    entries.insert(
        file,
        Entry {
            name: clean_file_name(name),
            size,
            sha256: sha256.to_ascii_lowercase(),
            from: from.to_owned(),
            to,
            complete: false,
            uploading: false,
            offered: Instant::now(),
        },
    );
    drop(entries);
    ServerMsg::Ready {
        file,
        token: files.token(file, Grant::Upload),
    }
}

/// Answers a request for a file: a token to download it with, if it is there and for `me`.
pub(super) fn fetch(shared: &Shared, me: &str, file: u64) -> ServerMsg {
    let lang = shared.config.lang;
    let Some(files) = shared.files() else {
        return refuse(lang, ErrorCode::Unavailable, "error-no-files");
    };
    files.purge();
    let allowed = files.entries().get(&file).is_some_and(|e| {
        e.complete && (e.to.is_none() || e.from == me || e.to.as_deref() == Some(me))
    });
    if !allowed {
        return refuse(lang, ErrorCode::NoSuchFile, "error-no-such-file");
    }
    ServerMsg::Ticket {
        file,
        token: files.token(file, Grant::Download),
    }
}

/// What the first line of a file connection asks.
#[derive(Debug)]
pub(super) enum Transfer {
    /// Upload with this token.
    Upload(String),
    /// Download with this token, from this byte.
    Download(String, u64),
}

/// Serves one file connection to its end: the answer line, then the bytes.
pub(super) fn serve(shared: &Shared, session: u64, transport: &mut Transport, transfer: Transfer) {
    let lang = shared.config.lang;
    let result = match (shared.files(), transfer) {
        (None, _) => Err(Refusal::new(lang, ErrorCode::Unavailable, "error-no-files")),
        (Some(files), Transfer::Upload(token)) => match files.check(&token, Grant::Upload) {
            Some(file) => upload(shared, files, transport, file),
            None => Err(Refusal::new(
                lang,
                ErrorCode::NoSuchFile,
                "error-no-such-file",
            )),
        },
        (Some(files), Transfer::Download(token, offset)) => {
            match files.check(&token, Grant::Download) {
                Some(file) => download(files, lang, transport, file, offset),
                None => Err(Refusal::new(
                    lang,
                    ErrorCode::NoSuchFile,
                    "error-no-such-file",
                )),
            }
        }
    };
    if let Err(Refusal(code, message)) = result {
        debug!("#{session}: file transfer refused: {code:?}");
        let msg = ServerMsg::error(code, message);
        transport.write_all(&msg.to_json_line()).ok();
    }
    transport.shutdown();
}

/// Receives a file's bytes from where the host's copy ends; checks the SHA-256 once all are in,
/// then announces the offer.
fn upload(
    shared: &Shared,
    files: &Files,
    transport: &mut Transport,
    file: u64,
) -> Result<(), Refusal> {
    let lang = shared.config.lang;
    let size = {
        let mut entries = files.entries();
        let entry = entries
            .get_mut(&file)
            .filter(|e| !e.complete)
            .ok_or_else(|| Refusal::new(lang, ErrorCode::NoSuchFile, "error-no-such-file"))?;
        if entry.uploading {
            return Err(Refusal::new(lang, ErrorCode::BadUsage, "error-file-busy"));
        }
        entry.uploading = true;
        entry.size
    };
    let result = receive(files, lang, transport, file, size);
    if let Some(entry) = files.entries().get_mut(&file) {
        entry.uploading = false;
    }
    match result {
        Ok(true) => {}
        // The connection broke: what arrived stays, for the sender to go on from.
        Ok(false) => return Ok(()),
        Err(msg) => {
            files.drop_file(file);
            return Err(msg);
        }
    }
    if !sha256_matches(files, file) {
        files.drop_file(file);
        return Err(Refusal::new(
            lang,
            ErrorCode::BadFile,
            "error-file-mismatch",
        ));
    }
    fs::rename(files.path(file, false), files.path(file, true))
        .map_err(|_| Refusal::new(lang, ErrorCode::Unavailable, "error-no-files"))?;
    let entry = {
        let mut entries = files.entries();
        let Some(entry) = entries.get_mut(&file) else {
            return Err(Refusal::new(
                lang,
                ErrorCode::NoSuchFile,
                "error-no-such-file",
            ));
        };
        entry.complete = true;
        // The offer lasts from when it can be fetched.
        entry.offered = Instant::now();
        (
            entry.from.clone(),
            entry.to.clone(),
            entry.name.clone(),
            entry.sha256.clone(),
        )
    };
    let (from, to, name, sha256) = entry;
    info!("file {file} ({size} bytes) stored");
    transport
        .write_all(&ServerMsg::Stored { file }.to_json_line())
        .ok();
    shared.with_room(|room| {
        room.offer_file(FileOffer {
            id: 0,
            time: 0,
            file,
            from,
            to,
            name,
            size,
            sha256,
        });
    });
    Ok(())
}

/// Appends what the connection sends to the file's part, from what is already there, until the
/// uploader ends its side. `Ok(true)`: all of it is in; `Ok(false)`: the connection ended before.
fn receive(
    files: &Files,
    lang: Lang,
    transport: &mut Transport,
    file: u64,
    size: u64,
) -> Result<bool, Refusal> {
    let io_error = |_| Refusal::new(lang, ErrorCode::Unavailable, "error-no-files");
    let mut part = OpenOptions::new()
        .create(true)
        .append(true)
        .open(files.path(file, false))
        .map_err(io_error)?;
    let mut have = part.metadata().map_err(io_error)?.len().min(size);
    part.set_len(have).map_err(io_error)?;
    let ready = ServerMsg::Transfer {
        file,
        offset: have,
        size,
    };
    transport
        .write_all(&ready.to_json_line())
        .map_err(|_| Refusal::new(lang, ErrorCode::Unavailable, "error-no-files"))?;
    transport.socket().set_read_timeout(Some(STALL)).ok();
    // The uploader ends its side once every byte is sent: whatever comes before that end is
    // counted, so a byte more than announced is seen, however the bytes are cut into reads.
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match transport.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            // Broken, or silent for too long: what came is kept to go on from.
            Err(_) => break,
        };
        let wanted = usize::try_from(size - have).unwrap_or(usize::MAX);
        if n > wanted {
            return Err(Refusal::new(lang, ErrorCode::BadFile, "error-file-larger"));
        }
        part.write_all(&buf[..n]).map_err(io_error)?;
        have += n as u64;
    }
    part.sync_data().map_err(io_error)?;
    Ok(have == size)
}

/// True when the part's SHA-256 is the one offered.
fn sha256_matches(files: &Files, file: u64) -> bool {
    let Some(wanted) = files.entries().get(&file).map(|e| e.sha256.clone()) else {
        return false;
    };
    let Ok(mut part) = File::open(files.path(file, false)) else {
        return false;
    };
    sha256_of(&mut part).is_ok_and(|got| got == wanted)
}

/// The SHA-256 of everything `source` reads, lowercase hex.
pub fn sha256_of(source: &mut impl Read) -> io::Result<String> {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; CHUNK];
    loop {
        match source.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => context.update(&buf[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(hex::encode(context.finish().as_ref()))
}

/// Sends a file from `offset`, then lets the connection close.
fn download(
    files: &Files,
    lang: Lang,
    transport: &mut Transport,
    file: u64,
    offset: u64,
) -> Result<(), Refusal> {
    let size = files
        .entries()
        .get(&file)
        .filter(|e| e.complete)
        .map(|e| e.size)
        .ok_or_else(|| Refusal::new(lang, ErrorCode::NoSuchFile, "error-no-such-file"))?;
    if offset > size {
        return Err(Refusal::new(lang, ErrorCode::BadUsage, "error-file-offset"));
    }
    let mut source = File::open(files.path(file, true))
        .map_err(|_| Refusal::new(lang, ErrorCode::NoSuchFile, "error-no-such-file"))?;
    source
        .seek(SeekFrom::Start(offset))
        .map_err(|_| Refusal::new(lang, ErrorCode::NoSuchFile, "error-no-such-file"))?;
    // A downloader that stops reading ends its own transfer, and no one else's.
    transport.socket().set_write_timeout(Some(STALL)).ok();
    let head = ServerMsg::Transfer { file, offset, size };
    if transport.write_all(&head.to_json_line()).is_err() {
        return Ok(());
    }
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match source.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                warn!("file {file}: could not be read ({})", err.kind());
                break;
            }
        };
        if transport.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    Ok(())
}

/// Whether a first line is a file connection's, and which.
pub(super) fn transfer_of(msg: &crate::protocol::ClientMsg) -> Option<Transfer> {
    match msg {
        crate::protocol::ClientMsg::Upload { token } => Some(Transfer::Upload(token.clone())),
        crate::protocol::ClientMsg::Download { token, offset } => {
            Some(Transfer::Download(token.clone(), *offset))
        }
        _ => None,
    }
}

/// The files' folder inside a server's data folder.
pub fn dir_in(data_dir: &Path) -> PathBuf {
    data_dir.join("files")
}
