//! What people ask of the files offered in a room: offering one (a token to upload it), fetching
//! one (a token to download it), and the transfers themselves (the kept files are in `stash`).
//! File bytes never go through a chat connection (its bounded queue would cut a person off as too
//! slow): each transfer has its own connection and thread, so a downloader that stops reading holds
//! up nobody but itself. The files' lock is never taken together with the room's.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use log::{debug, info, warn};

use super::counters::Counters;
use super::shared::Shared;
use super::stash::{self, Entry, Files, Grant, Offerer};
use super::web;
use crate::connection::write_all_before;
use crate::i18n::Lang;
use crate::protocol::message::FileOffer;
use crate::protocol::sanitize::clean_file_name;
use crate::protocol::{ErrorCode, ServerMsg};
use crate::tls::Transport;
use crate::tr;

/// How long a transfer may make no progress before its connection is closed.
const STALL: Duration = Duration::from_secs(60);

/// How much is read or written at a time.
const CHUNK: usize = 256 * 1024;

/// How long a new upload connection waits for the one it takes over from to let the file go.
const TAKE_OVER_WITHIN: Duration = Duration::from_secs(10);

/// A room is busy while a message was relayed within this long.
const QUIET: Duration = Duration::from_millis(250);

/// How fast one transfer moves while the room is busy, in bytes a second (about what a
/// gigabit link carries): the chat's messages then never queue behind a file's bytes, on the
/// host's processors or on the network.
const PACED_BYTES_PER_SEC: f64 = 100e6;

/// Gives way to the chat: while messages flow, a transfer moves at most
/// [`PACED_BYTES_PER_SEC`]; in a quiet room, at full speed.
struct Pacer<'a> {
    counters: &'a Counters,
    /// The count of relayed messages last seen, and when it last changed.
    seen: u64,
    busy_at: Option<Instant>,
    /// Since when, and how many bytes, this transfer has been paced.
    since: Instant,
    moved: u64,
}

impl<'a> Pacer<'a> {
    fn new(counters: &'a Counters) -> Self {
        Self {
            counters,
            seen: counters.messages.load(Ordering::Relaxed),
            busy_at: None,
            since: Instant::now(),
            moved: 0,
        }
    }

    /// `n` more bytes moved: waits as long as it takes to keep the paced rate while the room is
    /// busy.
    fn moved(&mut self, n: usize) {
        let wait = self.wait_after(n, Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }

    /// How long to wait, at `now`, after `n` more bytes.
    fn wait_after(&mut self, n: usize, now: Instant) -> Duration {
        let messages = self.counters.messages.load(Ordering::Relaxed);
        if messages != self.seen {
            self.seen = messages;
            if self.busy_at.is_none_or(|at| now - at > QUIET) {
                // Busy again after a quiet while: the pace counts from now.
                self.since = now;
                self.moved = 0;
            }
            self.busy_at = Some(now);
        }
        if self.busy_at.is_none_or(|at| now - at > QUIET) {
            return Duration::ZERO;
        }
        self.moved += n as u64;
        #[allow(clippy::cast_precision_loss)] // bytes to seconds
        let due = Duration::from_secs_f64(self.moved as f64 / PACED_BYTES_PER_SEC);
        due.saturating_sub(now - self.since)
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
    offerer: Offerer,
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
    if let Some(refused) = shared.lock_room().file_refused(offerer.session, to) {
        return ServerMsg::error(ErrorCode::Muted, refused);
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
    files.purge(Instant::now());
    // Taken before the lock (its counter is kept on disk); a refused offer leaves a gap.
    let file = files.new_id();
    let mut entries = files.entries();
    if let Some(key) = files.waiting_refusal(&entries, offerer, size) {
        return refuse(lang, ErrorCode::QuotaFull, key);
    }
    let used: u64 = entries.values().map(|e| e.size).sum();
    if used.saturating_add(size) > files.config.quota_bytes {
        let free = lang.size(files.config.quota_bytes.saturating_sub(used));
        return ServerMsg::error(
            ErrorCode::QuotaFull,
            tr!(lang, "error-quota-full", free = free),
        );
    }
    entries.insert(
        file,
        Entry {
            name: clean_file_name(name),
            size,
            sha256: sha256.to_ascii_lowercase(),
            from: from.to_owned(),
            to,
            offerer: Some(offerer),
            complete: false,
            uploader: None,
            offered: Instant::now(),
        },
    );
    drop(entries);
    ServerMsg::Ready {
        file,
        token: files.token(file, Grant::Upload, offerer.session),
        label: None,
    }
}

/// Answers a request for a file: a token to download it with, if it is there and for `me`.
pub(super) fn fetch(shared: &Shared, session: u64, me: &str, file: u64) -> ServerMsg {
    let lang = shared.config.lang;
    let Some(files) = shared.files() else {
        return refuse(lang, ErrorCode::Unavailable, "error-no-files");
    };
    files.purge(Instant::now());
    let allowed = files.entries().get(&file).is_some_and(|e| {
        e.complete && (e.to.is_none() || e.from == me || e.to.as_deref() == Some(me))
    });
    if !allowed {
        return refuse(lang, ErrorCode::NoSuchFile, "error-no-such-file");
    }
    ServerMsg::Ticket {
        file,
        token: files.token(file, Grant::Download, session),
        label: None,
    }
}

/// What the first line of a file connection asks.
#[derive(Debug)]
pub(super) enum Transfer {
    /// Upload with this token.
    Upload(String),
    /// Download with this token, from this byte.
    Download(String, u64),
    /// The web page's download with this token, over HTTP (`GET /file/TOKEN`): an HTTP head
    /// instead of the answer line, the whole file.
    Page(String),
    /// The web page's upload with this token, over HTTP (`PUT /file/TOKEN`): the whole file as
    /// the request's body, always from its first byte, and an HTTP answer instead of lines.
    PageUpload {
        /// The offer's upload token.
        token: String,
        /// The body's length (`Content-Length`): the file's size, or it is refused.
        length: u64,
        /// The body's first bytes, read with the request's head.
        held: Vec<u8>,
    },
}

impl Transfer {
    /// True for the web page's transfers, which are answered in HTTP.
    pub(super) fn is_page(&self) -> bool {
        matches!(self, Self::Page(_) | Self::PageUpload { .. })
    }
}

/// An HTTP request's body: its length, and what was read with its head.
struct Body {
    length: u64,
    held: Vec<u8>,
}

/// Serves one file connection to its end: the answer line (for the page, an HTTP head), then the
/// bytes.
pub(super) fn serve(shared: &Shared, session: u64, transport: &mut Transport, transfer: Transfer) {
    // Bulk bytes give way to the chat: this thread (it ends with the transfer) runs at the lowest
    // priority, so a message is never late behind a file on a busy host.
    crate::run_in_background();
    let lang = shared.config.lang;
    let page = transfer.is_page();
    let no_such_file = || Refusal::new(lang, ErrorCode::NoSuchFile, "error-no-such-file");
    let result = match (shared.files(), transfer) {
        (None, _) => Err(Refusal::new(lang, ErrorCode::Unavailable, "error-no-files")),
        (Some(files), Transfer::Upload(token)) => match files.check(&token, Grant::Upload) {
            Some((file, _)) => upload(shared, files, transport, file, None),
            None => Err(no_such_file()),
        },
        (
            Some(files),
            Transfer::PageUpload {
                token,
                length,
                held,
            },
        ) => match files.check(&token, Grant::Upload) {
            Some((file, _)) => {
                let body = Body { length, held };
                upload(shared, files, transport, file, Some(body))
            }
            None => Err(no_such_file()),
        },
        (Some(files), Transfer::Download(token, offset)) => {
            fetch_with(shared, files, transport, &token, (offset, false))
        }
        (Some(files), Transfer::Page(token)) => {
            fetch_with(shared, files, transport, &token, (0, true))
        }
    };
    if let Err(Refusal(code, message)) = result {
        debug!("#{session}: file transfer refused: {code:?}");
        if page {
            let (status, reason) = match code {
                ErrorCode::TooManyPending => (429, "Too Many Requests"),
                ErrorCode::Unavailable => (503, "Service Unavailable"),
                ErrorCode::BadFile => (400, "Bad Request"),
                ErrorCode::BadUsage => (409, "Conflict"),
                ErrorCode::QuotaFull => (507, "Insufficient Storage"),
                _ => (404, "Not Found"),
            };
            let answer = web::refusal_bytes(status, reason, &message);
            // The browser may still be sending the body: it is read and dropped a while, so
            // that the answer is not lost to a reset.
            web::answer_and_end(transport, &answer).ok();
        } else {
            let msg = ServerMsg::error(code, message);
            transport.write_all(&msg.to_json_line()).ok();
        }
    }
    transport.shutdown();
}

/// A download with `token`, from `offset`, over HTTP for the page (`http`) or after an answer line.
fn fetch_with(
    shared: &Shared,
    files: &Files,
    transport: &mut Transport,
    token: &str,
    (offset, http): (u64, bool),
) -> Result<(), Refusal> {
    let lang = shared.config.lang;
    match files.check(token, Grant::Download) {
        Some((file, holder)) => match files.download_slot(file, holder) {
            // Held until the download ends.
            Some(_slot) => download(shared, files, transport, file, (offset, http)),
            None => Err(Refusal::new(
                lang,
                ErrorCode::TooManyPending,
                "error-too-many-downloads",
            )),
        },
        None => Err(Refusal::new(
            lang,
            ErrorCode::NoSuchFile,
            "error-no-such-file",
        )),
    }
}

/// Receives a file's bytes from where the host's copy ends (for the page, from the start, as an
/// HTTP request's `body`); checks the SHA-256 once all are in, then announces the offer.
fn upload(
    shared: &Shared,
    files: &Files,
    transport: &mut Transport,
    file: u64,
    body: Option<Body>,
) -> Result<(), Refusal> {
    let lang = shared.config.lang;
    let me = files.new_uploader();
    let size = {
        let mut entries = files.entries();
        let deadline = Instant::now() + TAKE_OVER_WITHIN;
        loop {
            let entry = entries
                .get_mut(&file)
                .filter(|e| !e.complete)
                .ok_or_else(|| Refusal::new(lang, ErrorCode::NoSuchFile, "error-no-such-file"))?;
            let Some((_, older)) = &entry.uploader else {
                entry.uploader = Some((me, transport.socket().clone()));
                break entry.size;
            };
            // Another connection holds the file: most likely one that broke, whose thread has
            // not seen it yet (only the uploader has the token). The newer one takes over: the
            // older is shut down, and lets the file go as it ends.
            older.shutdown(std::net::Shutdown::Both).ok();
            let left = deadline.saturating_duration_since(Instant::now());
            let (again, timed_out) = files.wait_released(entries, left);
            entries = again;
            if timed_out {
                return Err(Refusal::new(lang, ErrorCode::BadUsage, "error-file-busy"));
            }
        }
    };
    let before = part_len(files, file);
    let page = body.is_some();
    let result = receive(shared, files, transport, (file, size), body);
    let progressed = matches!(result, Ok(Some(_))) || part_len(files, file) > before;
    files.release(file, me, progressed, Instant::now());
    let sha256 = match result {
        Ok(Some(sha256)) => sha256,
        // The connection broke: what arrived stays, for the sender to go on from.
        Ok(None) => return Ok(()),
        Err(msg) => {
            files.drop_file(file);
            return Err(msg);
        }
    };
    let wanted = files.entries().get(&file).map(|e| e.sha256.clone());
    if wanted.as_deref() != Some(sha256.as_str()) {
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
        entry.clone()
    };
    // Outside the lock: the description on disk, so the offer outlives a restart.
    files.keep(file, &entry);
    let Entry {
        from,
        to,
        name,
        sha256,
        ..
    } = entry;
    info!("file {file} ({size} bytes) stored");
    let stored = ServerMsg::Stored { file }.to_json_line();
    if page {
        transport.write_all(&web::json_answer(&stored)).ok();
    } else {
        transport.write_all(&stored).ok();
    }
    shared.with_room(|house| {
        house.default_room().offer_file(FileOffer {
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

/// How many chunks may wait for the hashing thread before the receiving one waits for it.
const HASH_QUEUE: usize = 4;

/// How many bytes of `file` the host has so far (0 when none).
fn part_len(files: &Files, file: u64) -> u64 {
    fs::symlink_metadata(files.path(file, false)).map_or(0, |m| m.len())
}

/// Appends what the connection sends to the file's part, from what is already there, until the
/// uploader ends its side (for the page: an HTTP `body` from the file's start, until its length).
/// The bytes are hashed as they come, on a thread of their own (what an earlier connection left
/// first), so receiving and hashing share the work of two cores.
/// `Ok(Some(sha256))`: all of it is in; `Ok(None)`: the connection ended before.
fn receive(
    shared: &Shared,
    files: &Files,
    transport: &mut Transport,
    (file, size): (u64, u64),
    body: Option<Body>,
) -> Result<Option<String>, Refusal> {
    let lang = shared.config.lang;
    let no_files = || Refusal::new(lang, ErrorCode::Unavailable, "error-file-not-stored");
    let io_error = |err: io::Error| not_stored(lang, &err);
    let mut pacer = Pacer::new(&shared.counters);
    let path = files.path(file, false);
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    stash::no_follow(&mut options);
    let mut part = options.open(&path).map_err(io_error)?;
    let on_disk = part.metadata().map_err(io_error)?.len();
    if body.as_ref().is_some_and(|b| b.length != size) {
        return Err(Refusal::new(lang, ErrorCode::BadFile, "error-file-length"));
    }
    // The page sends the whole file, whatever an earlier try left.
    let mut have = if body.is_some() { 0 } else { on_disk.min(size) };
    if on_disk > have {
        // Only when needed: on ext4, a file truncated and then written is flushed on close.
        part.set_len(have).map_err(io_error)?;
    }
    let (page, mut held) = match body {
        Some(Body { held, .. }) => (true, io::Cursor::new(held)),
        None => (false, io::Cursor::new(Vec::new())),
    };
    // Full chunks go to the hashing thread, and come back empty to be filled again.
    let (full, to_hash) = crossbeam_channel::bounded::<(Vec<u8>, usize)>(HASH_QUEUE);
    let (hashed, empty) = crossbeam_channel::bounded::<Vec<u8>>(HASH_QUEUE + 1);
    for _ in 0..=HASH_QUEUE {
        hashed.send(vec![0u8; CHUNK]).ok();
    }
    let earlier = have;
    let hasher = std::thread::Builder::new()
        .name(format!("coucou-hash-{file}"))
        .spawn(move || hash_part(&path, earlier, &to_hash, &hashed))
        .map_err(io_error)?;
    let received = (|| {
        if !page {
            let ready = ServerMsg::Transfer {
                file,
                offset: have,
                size,
            };
            transport
                .write_all(&ready.to_json_line())
                .map_err(io_error)?;
        }
        transport.socket().set_read_timeout(Some(STALL)).ok();
        // The uploader ends its side once every byte is sent: whatever comes before that end is
        // counted, so a byte more than announced is seen, however the bytes are cut into reads.
        // A page's body ends at its length (the browser waits for the answer): nothing after
        // it is read.
        loop {
            if page && have == size {
                break;
            }
            let Ok(mut buf) = empty.recv() else {
                // The hashing thread stopped: it could not read what an earlier connection left.
                return Err(no_files());
            };
            let room = if page {
                usize::try_from(size - have).map_or(buf.len(), |left| left.min(buf.len()))
            } else {
                buf.len()
            };
            let read = match held.read(&mut buf[..room]) {
                Ok(0) => transport.read(&mut buf[..room]),
                from_head => from_head,
            };
            let n = match read {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {
                    full.send((buf, 0)).ok();
                    continue;
                }
                // Broken, or silent for too long: what came is kept to go on from.
                Err(_) => break,
            };
            let wanted = usize::try_from(size - have).unwrap_or(usize::MAX);
            if n > wanted {
                return Err(Refusal::new(lang, ErrorCode::BadFile, "error-file-larger"));
            }
            part.write_all(&buf[..n]).map_err(io_error)?;
            have += n as u64;
            pacer.moved(n);
            if full.send((buf, n)).is_err() {
                return Err(no_files());
            }
        }
        Ok(())
    })();
    drop(full);
    let digest = hasher.join().ok().flatten();
    received?;
    if have < size {
        return Ok(None);
    }
    digest.map(Some).ok_or_else(no_files)
}

/// Why the host could not write a file: its disk (or its quota on it) is full, or something else,
/// which the log says once.
fn not_stored(lang: Lang, err: &io::Error) -> Refusal {
    if matches!(
        err.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    ) {
        Refusal::new(lang, ErrorCode::QuotaFull, "error-disk-full")
    } else {
        warn!("a file could not be stored: {err}");
        Refusal::new(lang, ErrorCode::Unavailable, "error-file-not-stored")
    }
}

/// The hashing thread of an upload: the first `earlier` bytes of the part on disk, then each
/// chunk as it comes, each handed back to be filled again. `None` if the part can't be read.
fn hash_part(
    path: &Path,
    earlier: u64,
    chunks: &crossbeam_channel::Receiver<(Vec<u8>, usize)>,
    hashed: &crossbeam_channel::Sender<Vec<u8>>,
) -> Option<String> {
    crate::run_in_background();
    let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
    if earlier > 0 {
        let read =
            crate::digest::feed(&mut hash, &mut stash::open_stored(path).ok()?.take(earlier));
        if read.ok()? != earlier {
            return None;
        }
    }
    for (buf, n) in chunks {
        hash.update(&buf[..n]);
        // The receiver may have stopped; the chunk is then just dropped.
        hashed.send(buf).ok();
    }
    Some(hex::encode(hash.finish().as_ref()))
}

/// Sends a file from `offset`, then lets the connection close.
fn download(
    shared: &Shared,
    files: &Files,
    transport: &mut Transport,
    file: u64,
    (offset, http): (u64, bool),
) -> Result<(), Refusal> {
    let lang = shared.config.lang;
    let mut pacer = Pacer::new(&shared.counters);
    let (size, name) = files
        .entries()
        .get(&file)
        .filter(|e| e.complete)
        .map(|e| (e.size, e.name.clone()))
        .ok_or_else(|| Refusal::new(lang, ErrorCode::NoSuchFile, "error-no-such-file"))?;
    if offset > size {
        return Err(Refusal::new(lang, ErrorCode::BadUsage, "error-file-offset"));
    }
    let mut source = stash::open_stored(&files.path(file, true))
        .map_err(|_| Refusal::new(lang, ErrorCode::NoSuchFile, "error-no-such-file"))?;
    source
        .seek(SeekFrom::Start(offset))
        .map_err(|_| Refusal::new(lang, ErrorCode::NoSuchFile, "error-no-such-file"))?;
    // A downloader that stops reading ends its own transfer, and no one else's: each chunk must
    // be taken whole within `STALL`, however the reader trickles.
    transport.socket().set_write_timeout(Some(STALL)).ok();
    let head = if http {
        web::file_head(&name, size)
    } else {
        ServerMsg::Transfer { file, offset, size }.to_json_line()
    };
    if transport.write_all(&head).is_err() {
        return Ok(());
    }
    let mut buf = vec![0u8; CHUNK];
    let mut sealed = Vec::new();
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
        let wire = if transport.is_tls() {
            sealed.clear();
            if transport.seal(&buf[..n], &mut sealed).is_err() {
                break;
            }
            &sealed
        } else {
            &buf[..n]
        };
        if write_all_before(transport.socket(), wire, Instant::now() + STALL).is_err() {
            debug!("file {file}: a download stalled");
            break;
        }
        pacer.moved(n);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_runs_free_in_a_quiet_room_and_at_the_paced_rate_while_messages_flow() {
        let counters = Counters::default();
        let start = Instant::now();
        let mut pacer = Pacer::new(&counters);
        let at = |ms: u64| start + Duration::from_millis(ms);
        // Quiet: no wait, however fast.
        assert_eq!(pacer.wait_after(100_000_000, at(1)), Duration::ZERO);
        // A message: from now on, 100 MB take a second.
        counters.messages.fetch_add(1, Ordering::Relaxed);
        assert_eq!(
            pacer.wait_after(10_000_000, at(10)),
            Duration::from_millis(100)
        );
        assert_eq!(
            pacer.wait_after(10_000_000, at(110)),
            Duration::from_millis(100)
        );
        // Slower than the pace: no wait.
        assert_eq!(pacer.wait_after(1_000_000, at(250)), Duration::ZERO);
        // More than QUIET after the last message: free again.
        assert_eq!(pacer.wait_after(100_000_000, at(300)), Duration::ZERO);
        // Busy again: the pace counts afresh.
        counters.messages.fetch_add(1, Ordering::Relaxed);
        assert_eq!(
            pacer.wait_after(5_000_000, at(400)),
            Duration::from_millis(50)
        );
    }
}
