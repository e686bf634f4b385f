//! The files a host keeps for its room: the offers (behind their own small lock, never held during
//! disk or network work), the signed tokens that name one file and one direction, the files'
//! places on disk, and their SHA-256. A stored file has a small description beside it, so its
//! offer outlives a restart of the host until it expires. What people ask of them is in `files`.
//!
//! At start, the stored files are taken back while they last (regular files only, opened without
//! following links) and everything else in the folder is deleted, links and folders included. File
//! ids are never given twice (`next-id`). A token is signed with a key made at start and names one
//! file, one direction and one holder (the chat connection given it). Downloads are held per ticket
//! (2) and per holder (8), their places in `Slots`. Expired offers are purged on the next offer or
//! fetch, the time passed in. Offers waiting for their bytes are counted per connection and per
//! address.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use log::{info, warn};
use ring::hmac;
use serde::{Deserialize, Serialize};

use super::config::FilesConfig;
use super::slots::{Slot, Slots};
use crate::connection::SharedSocket;
use crate::protocol::sanitize::clean_file_name;

/// How long an offer waits for its bytes (from the offer, or the end of the last upload
/// connection) before it is forgotten and its room in the quota given back.
pub(super) const UPLOAD_WINDOW: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// How many offers one connection may have waiting for their bytes at once.
pub(super) const MAX_WAITING_PER_PERSON: usize = crate::protocol::message::MAX_OFFERS_WAITING;

/// How many offers the connections of one address may have waiting for their bytes at once,
/// whatever names they use.
pub(super) const MAX_WAITING_PER_ADDRESS: usize = crate::protocol::message::MAX_OFFERS_WAITING;

/// The share of the quota one address's waiting offers may hold (but its first one may be as
/// big as the quota allows): two names can't fill the room's files with promises.
pub(super) const WAITING_SHARE_PER_ADDRESS: u64 = 2;

/// Who made an offer: their connection and its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Offerer {
    /// Their chat connection.
    pub(super) session: u64,
    /// Its address.
    pub(super) ip: std::net::IpAddr,
}

/// One offered file.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// Its name, cleaned.
    pub(super) name: String,
    /// Its size.
    pub(super) size: u64,
    /// Its SHA-256, lowercase hex.
    pub(super) sha256: String,
    /// Who offers it.
    pub(super) from: String,
    /// Who it is for, if one person.
    pub(super) to: Option<String>,
    /// The connection that offered it, while its bytes are awaited (none for a stored file
    /// taken back at start).
    pub(super) offerer: Option<Offerer>,
    /// Every byte is in and checked; it has been offered.
    pub(super) complete: bool,
    /// The upload connection writing it now, if one is: its number and its socket.
    pub(super) uploader: Option<(u64, SharedSocket)>,
    /// When it was offered, or an upload last made progress (while it waits for bytes); when
    /// it was stored (once complete).
    pub(super) offered: Instant,
}

impl Entry {
    /// Still waiting for bytes from `offerer`'s connection.
    fn waits_on(&self, session: u64) -> bool {
        !self.complete && self.offerer.is_some_and(|o| o.session == session)
    }
}

/// What is written beside a stored file (`N.json` beside `N`): its offer, for the next run.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    name: String,
    size: u64,
    sha256: String,
    from: String,
    to: Option<String>,
    /// When it was stored, in seconds since 1970.
    stored: u64,
}

/// The largest description read back: anything longer was not written by a host.
const MAX_KEPT_BYTES: u64 = 16 * 1024;

/// File ids stay below this (what a JavaScript number holds exactly); a bigger one found on disk
/// was not written by a host.
const MAX_FILE_ID: u64 = 1 << 53;

/// The file holding the next file id, so that an id is never given twice, even across runs (an
/// offer in the history names its file by id).
const NEXT_ID_FILE: &str = "next-id";

/// The files of one server.
#[derive(Debug)]
pub(super) struct Files {
    pub(super) config: FilesConfig,
    /// The offers, by file id.
    entries: Mutex<HashMap<u64, Entry>>,
    /// Told when an upload connection lets its file go.
    released: Condvar,
    /// The number the next upload connection gets.
    next_uploader: std::sync::atomic::AtomicU64,
    /// The next file id.
    next_id: Mutex<u64>,
    /// Downloads going, by ticket: (file, the ticket's holder).
    by_ticket: Slots<(u64, u64)>,
    /// Downloads going, by the tickets' holder.
    by_person: Slots<u64>,
    /// Signs the tokens: random, made at start; a token is good for this run only.
    key: hmac::Key,
}

/// How many downloads one ticket (a file, for one person) may have going at once: one, and the
/// next while the host has not yet seen the first one break.
pub(super) const MAX_DOWNLOADS_PER_TICKET: usize = 2;

/// How many downloads one person's tickets may have going at once, from any addresses.
pub(super) const MAX_DOWNLOADS_PER_PERSON: usize = 8;

/// One download's place among its ticket's and its person's; both freed when dropped.
pub(super) type DownloadSlot<'a> = (Slot<'a, (u64, u64)>, Slot<'a, u64>);

/// What a token lets its connection do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grant {
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
    /// The registry for `config`: its folder made, the stored files an earlier run left taken
    /// back while they last, and everything else there (cut uploads, expired or damaged files,
    /// strangers) deleted.
    pub(super) fn open(config: FilesConfig) -> io::Result<Self> {
        fs::create_dir_all(&config.dir)?;
        let entries = take_back(&config);
        let stored_next = fs::read_to_string(config.dir.join(NEXT_ID_FILE))
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
            .filter(|next| *next < MAX_FILE_ID)
            .unwrap_or(1);
        let next_id = entries
            .keys()
            .map(|id| id + 1)
            .max()
            .unwrap_or(1)
            .max(stored_next)
            .max(1);
        let rng = ring::rand::SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng)
            .map_err(|_| io::Error::other("no randomness for the file tokens"))?;
        Ok(Self {
            config,
            entries: Mutex::new(entries),
            released: Condvar::new(),
            next_uploader: std::sync::atomic::AtomicU64::new(1),
            next_id: Mutex::new(next_id),
            by_ticket: Slots::default(),
            by_person: Slots::default(),
            key,
        })
    }

    /// A new file id, never given before in this folder.
    pub(super) fn new_id(&self) -> u64 {
        let mut next = self.next_id.lock().unwrap_or_else(PoisonError::into_inner);
        let file = *next;
        *next = next.saturating_add(1);
        // A few bytes, not synced: after a crash, the ids of the files taken back still come
        // before the next one.
        if let Err(err) = fs::write(self.config.dir.join(NEXT_ID_FILE), next.to_string()) {
            warn!("the next file id could not be kept ({})", err.kind());
        }
        file
    }

    /// Writes the description of a file whose bytes are all in, so a restart takes it back.
    pub(super) fn keep(&self, file: u64, entry: &Entry) {
        let kept = Kept {
            name: entry.name.clone(),
            size: entry.size,
            sha256: entry.sha256.clone(),
            from: entry.from.clone(),
            to: entry.to.clone(),
            stored: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        let written = serde_json::to_vec(&kept)
            .map_err(io::Error::other)
            .and_then(|json| fs::write(self.described(file), json));
        if let Err(err) = written {
            warn!(
                "file {file}: its description could not be kept ({}); it lasts this run only",
                err.kind()
            );
        }
    }

    fn described(&self, file: u64) -> PathBuf {
        self.config.dir.join(format!("{file}.json"))
    }

    pub(super) fn entries(&self) -> MutexGuard<'_, HashMap<u64, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits (the lock let go meanwhile) until an upload connection lets its file go, or
    /// `timeout`; the lock again, and whether it timed out.
    pub(super) fn wait_released<'a>(
        &self,
        entries: MutexGuard<'a, HashMap<u64, Entry>>,
        timeout: std::time::Duration,
    ) -> (MutexGuard<'a, HashMap<u64, Entry>>, bool) {
        let (entries, waited) = self
            .released
            .wait_timeout(entries, timeout)
            .unwrap_or_else(PoisonError::into_inner);
        (entries, waited.timed_out())
    }

    /// A number for a new upload connection.
    pub(super) fn new_uploader(&self) -> u64 {
        self.next_uploader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// The upload connection `uploader` lets `file` go (if it still held it) at `now`, having
    /// `progressed` (received bytes) or not.
    pub(super) fn release(&self, file: u64, uploader: u64, progressed: bool, now: Instant) {
        if let Some(entry) = self.entries().get_mut(&file)
            && entry.uploader.as_ref().is_some_and(|(n, _)| *n == uploader)
        {
            entry.uploader = None;
            // The window to go on from a cut upload counts from its last bytes: a connection
            // that brought none does not make the offer last longer.
            if progressed {
                entry.offered = now;
            }
        }
        self.released.notify_all();
    }

    /// Forgets the offers `session` made that wait for bytes no connection is sending: its
    /// person left. An upload under way goes on (and is announced if it completes).
    pub(super) fn drop_waiting_of(&self, session: u64) {
        let gone: Vec<u64> = {
            let mut entries = self.entries();
            let gone: Vec<u64> = entries
                .iter()
                .filter(|(_, e)| e.waits_on(session) && e.uploader.is_none())
                .map(|(id, _)| *id)
                .collect();
            for id in &gone {
                entries.remove(id);
            }
            gone
        };
        for id in gone {
            self.remove(id, false);
        }
    }

    /// Why `offerer` may not offer `size` more bytes now, if not: the words' key. Counts the
    /// offers waiting for bytes, per connection and per address, against `entries`.
    pub(super) fn waiting_refusal(
        &self,
        entries: &HashMap<u64, Entry>,
        offerer: Offerer,
        size: u64,
    ) -> Option<&'static str> {
        let waiting: Vec<&Entry> = entries.values().filter(|e| !e.complete).collect();
        let mine = waiting
            .iter()
            .filter(|e| e.waits_on(offerer.session))
            .count();
        let here: Vec<&&Entry> = waiting
            .iter()
            .filter(|e| e.offerer.is_some_and(|o| o.ip == offerer.ip))
            .collect();
        let held: u64 = here.iter().map(|e| e.size).sum();
        let share = self.config.quota_bytes / WAITING_SHARE_PER_ADDRESS;
        if mine >= MAX_WAITING_PER_PERSON
            || here.len() >= MAX_WAITING_PER_ADDRESS
            || (!here.is_empty() && held.saturating_add(size) > share)
        {
            Some("error-too-many-offers")
        } else {
            None
        }
    }

    pub(super) fn path(&self, file: u64, complete: bool) -> PathBuf {
        let name = if complete {
            format!("{file}")
        } else {
            format!("{file}.part")
        };
        self.config.dir.join(name)
    }

    /// `file.grant.holder.signature`: what a connection shows to upload or download `file`,
    /// given to the chat connection `holder` (its session number) and to nobody else.
    pub(super) fn token(&self, file: u64, grant: Grant, holder: u64) -> String {
        let signed = format!("{file}.{}.{holder}", grant.tag());
        let tag = hmac::sign(&self.key, signed.as_bytes());
        format!("{signed}.{}", hex::encode(tag.as_ref()))
    }

    /// The file a token is good for, and who it was given to, checked in constant time.
    pub(super) fn check(&self, token: &str, grant: Grant) -> Option<(u64, u64)> {
        let mut parts = token.splitn(4, '.');
        let file: u64 = parts.next()?.parse().ok()?;
        if parts.next()? != grant.tag() {
            return None;
        }
        let holder: u64 = parts.next()?.parse().ok()?;
        let signature = hex::decode(parts.next()?).ok()?;
        let message = format!("{file}.{}.{holder}", grant.tag());
        hmac::verify(&self.key, message.as_bytes(), &signature).ok()?;
        Some((file, holder))
    }

    /// A place for one more download of `file` on the ticket given to `holder`, held until
    /// dropped; `None` when that ticket already has [`MAX_DOWNLOADS_PER_TICKET`] going, or its
    /// holder [`MAX_DOWNLOADS_PER_PERSON`] (whatever addresses they come from).
    pub(super) fn download_slot(&self, file: u64, holder: u64) -> Option<DownloadSlot<'_>> {
        let ticket = self
            .by_ticket
            .take((file, holder), MAX_DOWNLOADS_PER_TICKET)?;
        let person = self.by_person.take(holder, MAX_DOWNLOADS_PER_PERSON)?;
        Some((ticket, person))
    }

    /// Forgets the offers that have expired at `now`, and deletes their bytes (after the lock).
    pub(super) fn purge(&self, now: Instant) {
        let expired: Vec<(u64, bool)> = {
            let mut entries = self.entries();
            let gone: Vec<u64> = entries
                .iter()
                .filter(|(_, e)| {
                    // An offer never uploaded holds its room in the quota for a short while only.
                    let lasts = if e.complete {
                        self.config.expiry
                    } else {
                        self.config.expiry.min(UPLOAD_WINDOW)
                    };
                    now.saturating_duration_since(e.offered) >= lasts && e.uploader.is_none()
                })
                .map(|(id, _)| *id)
                .collect();
            gone.into_iter()
                .filter_map(|id| entries.remove(&id).map(|e| (id, e.complete)))
                .collect()
        };
        for (id, complete) in expired {
            self.remove(id, complete);
        }
    }

    fn remove(&self, file: u64, complete: bool) {
        fs::remove_file(self.path(file, complete)).ok();
        fs::remove_file(self.described(file)).ok();
    }

    /// Forgets one offer and its bytes.
    pub(super) fn drop_file(&self, file: u64) {
        let removed = self.entries().remove(&file);
        if let Some(entry) = removed {
            self.remove(file, entry.complete);
        }
    }
}

/// The stored files of an earlier run that still last, by id; deletes everything else in the
/// folder (but the next id). A description is trusted no more than a message: its name is cleaned
/// again, its size must be the file's, its SHA-256 well formed.
fn take_back(config: &FilesConfig) -> HashMap<u64, Entry> {
    let mut entries = HashMap::new();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let Ok(listing) = fs::read_dir(&config.dir) else {
        return entries;
    };
    // Every entry, whatever it is (links and folders too: they are deleted below).
    let names: Vec<String> = listing
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    for name in &names {
        let Some(id) = name
            .strip_suffix(".json")
            .and_then(|id| id.parse::<u64>().ok())
            .filter(|id| *id < MAX_FILE_ID)
        else {
            continue;
        };
        let bytes = config.dir.join(id.to_string());
        let Some(kept) = read_kept(&config.dir.join(name)) else {
            continue;
        };
        let age = now.saturating_sub(kept.stored);
        // Only a regular file of its own: a link would serve whatever it points at.
        let size_on_disk = fs::symlink_metadata(&bytes)
            .ok()
            .filter(fs::Metadata::is_file)
            .map(|m| m.len());
        let sound = size_on_disk == Some(kept.size)
            && kept.sha256.len() == 64
            && kept.sha256.bytes().all(|b| b.is_ascii_hexdigit())
            && !kept.from.is_empty();
        if !sound || Duration::from_secs(age) >= config.expiry {
            continue;
        }
        let offered = Instant::now()
            .checked_sub(Duration::from_secs(age))
            .unwrap_or_else(Instant::now);
        entries.insert(
            id,
            Entry {
                name: clean_file_name(&kept.name),
                size: kept.size,
                sha256: kept.sha256.to_ascii_lowercase(),
                from: kept.from,
                to: kept.to,
                offerer: None,
                complete: true,
                uploader: None,
                offered,
            },
        );
    }
    for name in &names {
        let keep = name == NEXT_ID_FILE
            || name
                .strip_suffix(".json")
                .unwrap_or(name)
                .parse::<u64>()
                .is_ok_and(|id| entries.contains_key(&id));
        if !keep {
            let path = config.dir.join(name);
            // A link is removed, never followed; a folder with all it holds.
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => fs::remove_dir_all(&path).ok(),
                _ => fs::remove_file(&path).ok(),
            };
        }
    }
    if !entries.is_empty() {
        info!(
            "{} stored file(s) taken back from the last run",
            entries.len()
        );
    }
    entries
}

/// Opens a file of the folder for reading, never through a link (on Unix): a link put in the
/// folder can't make the host serve another file.
pub(super) fn open_stored(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    options.open(path)
}

/// Makes `options` refuse to open through a symbolic link (Unix; elsewhere as they are).
pub(super) fn no_follow(options: &mut fs::OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    {
        let _ = options;
    }
}

/// A description, if it is one (small, well formed, and a file of its own, not a link).
fn read_kept(path: &Path) -> Option<Kept> {
    let mut json = Vec::new();
    open_stored(path)
        .ok()?
        .take(MAX_KEPT_BYTES + 1)
        .read_to_end(&mut json)
        .ok()?;
    if json.len() as u64 > MAX_KEPT_BYTES {
        return None;
    }
    serde_json::from_slice(&json).ok()
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    use super::*;

    /// A socket to stand for an upload connection.
    fn a_socket() -> (SharedSocket, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let near = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (far, _) = listener.accept().expect("accept");
        (SharedSocket::new(far), near)
    }

    fn waiting(offered: Instant, uploader: u64, socket: &SharedSocket) -> Entry {
        Entry {
            name: "x".into(),
            size: 1,
            sha256: "0".repeat(64),
            from: "alice".into(),
            to: None,
            offerer: None,
            complete: false,
            uploader: Some((uploader, socket.clone())),
            offered,
        }
    }

    #[test]
    fn an_upload_that_brings_nothing_does_not_make_an_offer_last_longer() {
        let dir = tempfile::tempdir().expect("a temp folder");
        let files = Files::open(FilesConfig::in_dir(dir.path().join("files"))).expect("files");
        let (socket, _other_end) = a_socket();
        let start = Instant::now();
        let later = start + Duration::from_secs(9 * 60);
        files.entries().insert(1, waiting(start, 7, &socket));
        files.entries().insert(2, waiting(start, 8, &socket));
        files.release(1, 7, false, later);
        files.release(2, 8, true, later);

        files.purge(start + UPLOAD_WINDOW);
        assert!(!files.entries().contains_key(&1), "an empty upload kept it");
        assert!(files.entries().contains_key(&2), "bytes came 9 minutes in");
        files.purge(later + UPLOAD_WINDOW);
        assert!(
            !files.entries().contains_key(&2),
            "10 minutes after its last bytes"
        );
    }
}
