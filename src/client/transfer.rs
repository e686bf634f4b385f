//! The app's file transfers: one upload or download on a connection of its own to the room's host
//! (encrypted and pinned as the chat is), on a thread of its own, telling its progress through an
//! [`EventSink`]. Never the chat's connection: a big file can't hold up a message.
//!
//! A download goes to `<name>.part` beside where it will land, from the bytes already there (so a
//! cut transfer goes on from the last byte on disk), and becomes the file only once its SHA-256 is
//! the one offered.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::{CONNECT_TIMEOUT, ConnectError, ConnectParams, encrypt_to};
use crate::EventSink;
use crate::connection::SharedSocket;
use crate::i18n::Lang;
use crate::protocol::message::decode_server;
use crate::protocol::{ClientMsg, ErrorCode, ServerMsg};
use crate::tls::Transport;
use crate::tr;

/// How often progress is told at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// How much is read or written at a time.
const CHUNK: usize = 256 * 1024;

/// How many times a file connection is tried when the host turns it away before answering it
/// (too many connections from this address at once: many files started together), at most.
const TURNED_AWAY_TRIES: u32 = 8;

/// The first pause before trying a turned-away connection again; it doubles each time, up to
/// [`TURNED_AWAY_MAX_PAUSE`], with a spread of its own per transfer so that transfers started
/// together don't come back together.
const TURNED_AWAY_PAUSE: Duration = Duration::from_millis(100);

/// The longest pause between two tries.
const TURNED_AWAY_MAX_PAUSE: Duration = Duration::from_secs(2);

/// What a transfer tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferEvent {
    /// `done` of `total` bytes are on the other side (upload) or on disk (download).
    Progress {
        /// The file's id in the room.
        file: u64,
        /// Bytes done.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// Every byte is there and checked; for a download, where the file is.
    Finished {
        /// The file's id in the room.
        file: u64,
        /// Where it was saved (downloads only).
        path: Option<PathBuf>,
    },
    /// The transfer stopped; what is on disk stays, to go on from.
    Failed {
        /// The file's id in the room.
        file: u64,
        /// Why.
        error: TransferFailure,
    },
}

/// Why a transfer stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferFailure {
    /// It was cancelled here.
    Cancelled,
    /// The connection to the host broke before the end.
    Cut,
    /// Every byte came, but they are not the file offered (another SHA-256): nothing was kept.
    Mismatch,
    /// The host refused, in its own words (the room's language).
    Refused(String),
    /// The host answered something else than a transfer.
    Unexpected,
    /// The system refused, for this reason (a disk full, a folder not allowed, a name gone).
    System(io::ErrorKind),
    /// The encrypted connection to the host could not be made.
    Connect(ConnectError),
}

impl TransferFailure {
    /// Says why, in `lang` (the host's refusals are in the room's language).
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Self::Cancelled => lang.tr("file-cancelled"),
            Self::Cut => lang.tr("file-cut"),
            Self::Mismatch => lang.tr("file-mismatch"),
            Self::Unexpected => lang.tr("file-unexpected"),
            Self::Refused(words) => words.clone(),
            Self::System(io::ErrorKind::StorageFull) => lang.tr("file-disk-full"),
            Self::System(io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem) => {
                lang.tr("file-not-allowed")
            }
            Self::System(io::ErrorKind::NotFound) => lang.tr("file-gone"),
            // The kind's name, not the system's sentence: that one is in the system's language.
            Self::System(kind) => tr!(lang, "file-system", kind = format!("{kind:?}")),
            Self::Connect(err) => err.describe(lang),
        }
    }
}

impl From<io::Error> for TransferFailure {
    fn from(err: io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Self::Cut,
            _ if crate::is_timeout(&err) => Self::Cut,
            kind => Self::System(kind),
        }
    }
}

/// A transfer running on its thread; dropping it does not stop it, [`Transfer::cancel`] does.
#[derive(Debug, Clone)]
pub struct Transfer {
    cancelled: Arc<AtomicBool>,
    socket: Arc<Mutex<Option<TcpStream>>>,
    /// Which transfer of this process it is: spreads the pauses of transfers turned away
    /// together.
    nth: u64,
}

/// The number the next transfer of this process gets.
static NEXT_TRANSFER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Transfer {
    /// Stops the transfer: its connection is closed; a download's part stays on disk.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        if let Some(socket) = &*self.socket.lock().unwrap_or_else(PoisonError::into_inner) {
            socket.shutdown(Shutdown::Both).ok();
        }
    }
}

/// Uploads `path` as the offered file `file`, with the host's `token`.
pub fn upload(
    params: &ConnectParams,
    file: u64,
    token: String,
    path: PathBuf,
    events: EventSink<TransferEvent>,
) -> io::Result<Transfer> {
    let first = ClientMsg::Upload { token };
    start(
        params,
        file,
        first,
        events,
        move |transport, reader, head, report| {
            let ServerMsg::Transfer { offset, size, .. } = head else {
                return Err(refusal(&head));
            };
            let mut source = File::open(&path)?;
            io::Seek::seek(&mut source, io::SeekFrom::Start(offset))?;
            let mut done = offset;
            let mut buf = vec![0u8; CHUNK];
            loop {
                let n = source.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                transport.write_all(&buf[..n])?;
                done += n as u64;
                report(done, size);
            }
            // Every byte sent: the host answers once this side ends.
            transport.close_write();
            match next_msg(reader)? {
                ServerMsg::Stored { .. } => Ok(None),
                other => Err(refusal(&other)),
            }
        },
    )
}

/// Downloads the offered file `file` to `dest` with the host's `token`, going on from
/// `dest.part` if it is there; checks `sha256` before the part becomes `dest`.
pub fn download(
    params: &ConnectParams,
    file: u64,
    token: String,
    dest: PathBuf,
    (sha256, offered): (String, u64),
    events: EventSink<TransferEvent>,
) -> io::Result<Transfer> {
    let part = part_of(&dest);
    let offset = std::fs::metadata(&part).map_or(0, |m| m.len());
    let first = ClientMsg::Download { token, offset };
    start(
        params,
        file,
        first,
        events,
        move |_, reader, head, report| {
            let ServerMsg::Transfer { offset, size, .. } = head else {
                return Err(refusal(&head));
            };
            // No more than the file offered: a host saying more would fill the disk before
            // the checksum could say the bytes are wrong.
            if size != offered || offset > size {
                return Err(TransferFailure::Unexpected);
            }
            let mut out = OpenOptions::new().create(true).append(true).open(&part)?;
            // Truncated only when the host starts over before its end (on ext4, a file
            // truncated and then written is flushed at close, which costs a whole second per GB).
            if out.metadata()?.len() != offset {
                out.set_len(offset)?;
            }
            // Hashed as the bytes come, after what an earlier connection left.
            let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
            if offset > 0 {
                crate::digest::feed(&mut hash, &mut File::open(&part)?.take(offset))?;
            }
            let mut done = offset;
            let mut buf = vec![0u8; CHUNK];
            while done < size {
                let n = reader.read(&mut buf)?;
                if n == 0 {
                    return Err(TransferFailure::Cut);
                }
                out.write_all(&buf[..n])?;
                hash.update(&buf[..n]);
                done += n as u64;
                report(done, size);
            }
            // The user's copy is theirs to keep: on disk before it is called done.
            out.sync_data()?;
            drop(out);
            let got = hex::encode(hash.finish().as_ref());
            if got != sha256 {
                std::fs::remove_file(&part).ok();
                return Err(TransferFailure::Mismatch);
            }
            std::fs::rename(&part, &dest)?;
            Ok(Some(dest.clone()))
        },
    )
}

/// Where a download's bytes wait until they are checked: `<dest>.part`.
pub fn part_of(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    dest.with_file_name(name)
}

/// A path in `dir` for `name` that no file has yet and `in_use` does not hold: `name`, then
/// `name (2)`, `name (3)`… A part left there by an earlier try does not count: the download goes
/// on from it, and its SHA-256 is checked at the end like any other byte.
pub fn free_path(dir: &Path, name: &str, in_use: impl Fn(&Path) -> bool) -> PathBuf {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    (1..)
        .map(|n| {
            if n == 1 {
                dir.join(name)
            } else {
                dir.join(format!("{stem} ({n}){ext}"))
            }
        })
        .find(|p| !p.exists() && !in_use(p))
        .unwrap_or_else(|| dir.join(name))
}

/// The size and SHA-256 of a file, read whole (run it on a background thread).
pub fn measure(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    Ok((size, crate::digest::sha256_hex(&mut file)?))
}

/// Says what the host answered instead of going on.
fn refusal(msg: &ServerMsg) -> TransferFailure {
    match msg {
        ServerMsg::Error { message, .. } => TransferFailure::Refused(message.clone()),
        _ => TransferFailure::Unexpected,
    }
}

/// The next JSON line from the host.
fn next_msg(reader: &mut BufReader<Transport>) -> Result<ServerMsg, TransferFailure> {
    let mut line = Vec::new();
    reader
        .by_ref()
        .take(crate::protocol::MAX_JSON_LINE_BYTES as u64)
        .read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Err(TransferFailure::Cut);
    }
    decode_server(&line).map_err(|_| TransferFailure::Unexpected)
}

/// What a transfer does once the host has answered its first line: given the connection (to
/// write), its reader, the answer, and where to report progress. A path when a file was saved.
type Body = dyn FnOnce(
        &Transport,
        &mut BufReader<Transport>,
        ServerMsg,
        &mut dyn FnMut(u64, u64),
    ) -> Result<Option<PathBuf>, TransferFailure>
    + Send;

/// Opens the connection (TLS and pin as the chat's), sends `first`, reads the answer and runs
/// `body` on a thread named `coucou-file-<file>`.
fn start(
    params: &ConnectParams,
    file: u64,
    first: ClientMsg,
    events: EventSink<TransferEvent>,
    body: impl FnOnce(
        &Transport,
        &mut BufReader<Transport>,
        ServerMsg,
        &mut dyn FnMut(u64, u64),
    ) -> Result<Option<PathBuf>, TransferFailure>
    + Send
    + 'static,
) -> io::Result<Transfer> {
    let handle = Transfer {
        cancelled: Arc::new(AtomicBool::new(false)),
        socket: Arc::new(Mutex::new(None)),
        nth: NEXT_TRANSFER.fetch_add(1, Ordering::Relaxed),
    };
    let params = params.clone();
    let thread_handle = handle.clone();
    let body: Box<Body> = Box::new(body);
    thread::Builder::new()
        .name(format!("coucou-file-{file}"))
        .spawn(move || {
            // Bulk bytes give way to the window and the chat.
            crate::run_in_background();
            let result = run(&params, &thread_handle, &first, file, &events, body);
            let event = match result {
                Ok(path) => TransferEvent::Finished { file, path },
                Err(_) if thread_handle.cancelled.load(Ordering::SeqCst) => TransferEvent::Failed {
                    file,
                    error: TransferFailure::Cancelled,
                },
                Err(error) => TransferEvent::Failed { file, error },
            };
            events.send(event);
        })?;
    Ok(handle)
}

fn run(
    params: &ConnectParams,
    handle: &Transfer,
    first: &ClientMsg,
    file: u64,
    events: &EventSink<TransferEvent>,
    body: Box<Body>,
) -> Result<Option<PathBuf>, TransferFailure> {
    let mut tries = 1;
    let (transport, mut reader, head) = loop {
        match open(params, handle, first) {
            Ok(opened) => break opened,
            Err(Early::TurnedAway(_)) if tries < TURNED_AWAY_TRIES => {
                if !pause(handle, turned_away_pause(handle.nth, tries)) {
                    return Err(TransferFailure::Cancelled);
                }
                tries += 1;
            }
            Err(Early::TurnedAway(failure) | Early::Failed(failure)) => return Err(failure),
        }
    };
    let mut last = Instant::now() - PROGRESS_EVERY;
    let mut report = |done: u64, total: u64| {
        if last.elapsed() >= PROGRESS_EVERY || done == total {
            last = Instant::now();
            events.send(TransferEvent::Progress { file, done, total });
        }
    };
    let result = body(&transport, &mut reader, head, &mut report);
    transport.shutdown();
    result
}

/// Why a file connection ended before the host answered its first line.
#[derive(Debug)]
enum Early {
    /// The host turned it away (too many connections or transfers from this address at once)
    /// or closed it unanswered: worth trying again in a moment.
    TurnedAway(TransferFailure),
    /// Anything else: the transfer fails.
    Failed(TransferFailure),
}

impl From<io::Error> for Early {
    /// A connection cut before the answer (as [`TransferFailure`] reads one, a time-out aside)
    /// was most likely turned away.
    fn from(err: io::Error) -> Self {
        let timed_out = crate::is_timeout(&err);
        match TransferFailure::from(err) {
            TransferFailure::Cut if !timed_out => Self::TurnedAway(TransferFailure::Cut),
            failure => Self::Failed(failure),
        }
    }
}

/// Opens the connection (TLS and pin as the chat's), sends `first`, and reads the host's answer.
fn open(
    params: &ConnectParams,
    handle: &Transfer,
    first: &ClientMsg,
) -> Result<(Transport, BufReader<Transport>, ServerMsg), Early> {
    let target = format!("{}:{}", params.host, params.port);
    let addr: SocketAddr = (params.host.as_str(), params.port)
        .to_socket_addrs()
        .map_err(|err| Early::Failed(err.into()))?
        .next()
        .ok_or(Early::Failed(TransferFailure::Cut))?;
    let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)
        .map_err(|err| Early::Failed(err.into()))?;
    *handle.socket.lock().unwrap_or_else(PoisonError::into_inner) = Some(stream.try_clone()?);
    if handle.cancelled.load(Ordering::SeqCst) {
        return Err(Early::Failed(TransferFailure::Cancelled));
    }
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let socket = SharedSocket::new(stream);
    let transport = if params.tls {
        match encrypt_to(&socket, params, &target) {
            Ok((transport, _)) => transport,
            // A host that turns a connection away does it in clear, before any TLS: the same
            // host the chat is encrypted with is then seen "not encrypted".
            Err(err @ ConnectError::NotEncrypted { .. }) => {
                return Err(Early::TurnedAway(TransferFailure::Connect(err)));
            }
            Err(err) => return Err(Early::Failed(TransferFailure::Connect(err))),
        }
    } else {
        Transport::clear(socket)
    };
    let mut line =
        serde_json::to_vec(first).map_err(|_| Early::Failed(TransferFailure::Unexpected))?;
    line.push(b'\n');
    transport.write_all(&line)?;
    let mut reader = BufReader::with_capacity(CHUNK, transport.clone());
    let mut answer = Vec::new();
    (&mut reader)
        .take(crate::protocol::MAX_JSON_LINE_BYTES as u64)
        .read_until(b'\n', &mut answer)?;
    if answer.is_empty() {
        // Closed unanswered.
        return Err(Early::TurnedAway(TransferFailure::Cut));
    }
    if let Some(why) = answer.strip_prefix(b"! ") {
        // Turned away before its first line was read, in plain text (its dialect unknown yet).
        let why = String::from_utf8_lossy(why).trim_end().to_owned();
        return Err(Early::TurnedAway(TransferFailure::Refused(
            crate::protocol::sanitize::clean_text(&why),
        )));
    }
    match decode_server(&answer) {
        Ok(ServerMsg::Error {
            code: ErrorCode::TooManyPending,
            message,
            ..
        }) => Err(Early::TurnedAway(TransferFailure::Refused(message))),
        Ok(head) => Ok((transport, reader, head)),
        Err(_) => Err(Early::Failed(TransferFailure::Unexpected)),
    }
}

/// How long the `nth` transfer waits before the next try of a turned-away connection, after
/// `tries` tries.
fn turned_away_pause(nth: u64, tries: u32) -> Duration {
    let doubled = TURNED_AWAY_PAUSE.saturating_mul(1 << tries.saturating_sub(1).min(8));
    let spread =
        Duration::from_millis(nth.wrapping_mul(37).wrapping_add(u64::from(tries) * 11) % 100);
    doubled.min(TURNED_AWAY_MAX_PAUSE) + spread
}

/// Waits `length`, or less if the transfer is cancelled meanwhile: false then.
fn pause(handle: &Transfer, length: Duration) -> bool {
    let until = Instant::now() + length;
    while !handle.cancelled.load(Ordering::SeqCst) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        thread::sleep(left.min(Duration::from_millis(50)));
    }
    false
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_system_failure_reads_in_the_persons_language_never_in_the_systems_words() {
        // ENOSPC, EACCES, ENOENT, EROFS, EIO: the system's sentences are English on this machine.
        for errno in [28, 13, 2, 30, 5] {
            let err = io::Error::from_raw_os_error(errno);
            let system = err.to_string();
            let failure = TransferFailure::from(err);
            let english = failure.describe(Lang::En);
            let french = failure.describe(Lang::Fr);
            assert_ne!(english, french, "errno {errno}");
            for said in [&english, &french] {
                assert!(!said.contains("os error"), "errno {errno}: {said}");
                assert!(!said.contains(&system), "errno {errno}: {said}");
            }
        }
        assert_eq!(
            TransferFailure::from(io::Error::from_raw_os_error(28)).describe(Lang::Fr),
            "le disque est plein"
        );
    }
    use super::*;

    #[test]
    fn a_download_the_host_says_is_larger_than_the_file_offered_takes_nothing() {
        use std::io::{BufRead as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listener.local_addr().expect("its address").port();
        // A host that answers the download with a size of a terabyte, then sends bytes.
        let host = thread::Builder::new()
            .name("lying-host".into())
            .spawn(move || {
                let (stream, _) = listener.accept().expect("the download's connection");
                let mut first = String::new();
                BufReader::new(&stream)
                    .read_line(&mut first)
                    .expect("its first line");
                let mut stream = stream;
                let head = r#"{"type":"transfer","file":7,"offset":0,"size":1000000000000}"#;
                let _ = writeln!(stream, "{head}");
                let _ = stream.write_all(&[0x41; 64 * 1024]);
                first
            })
            .expect("a thread");
        let dir = tempfile::tempdir().expect("a temp folder");
        let dest = dir.path().join("picture.png");
        let params = ConnectParams {
            tls: false,
            ..ConnectParams::new("127.0.0.1", port, "bob", crate::protocol::Wire::Json)
        };
        let (tx, rx) = crossbeam_channel::unbounded();
        let sink = EventSink::new(tx, Arc::new(|| {}));
        let offered = ("0".repeat(64), 1_000);
        download(&params, 7, "token".into(), dest.clone(), offered, sink).expect("started");
        let ended = rx
            .iter()
            .find(|e| !matches!(e, TransferEvent::Progress { .. }))
            .expect("an end");
        assert_eq!(
            ended,
            TransferEvent::Failed {
                file: 7,
                error: TransferFailure::Unexpected
            }
        );
        assert!(host.join().expect("the host").contains("download"));
        let part = std::fs::metadata(part_of(&dest)).map_or(0, |m| m.len());
        assert_eq!(part, 0, "nothing written");
        assert!(!dest.exists());
    }

    #[test]
    fn a_free_path_skips_files_there_and_downloads_under_way_but_not_a_leftover_part() {
        let dir = tempfile::tempdir().expect("a temp folder");
        let at = |name: &str| dir.path().join(name);
        assert_eq!(free_path(dir.path(), "a.txt", |_| false), at("a.txt"));
        std::fs::write(at("a.txt"), b"x").expect("a file");
        assert_eq!(free_path(dir.path(), "a.txt", |_| false), at("a (2).txt"));
        let busy = at("a (2).txt");
        assert_eq!(
            free_path(dir.path(), "a.txt", |p| p == busy),
            at("a (3).txt")
        );
        // A part left by an earlier try is gone on from.
        std::fs::write(part_of(&at("b.tar.gz")), b"x").expect("a part");
        assert_eq!(free_path(dir.path(), "b.tar.gz", |_| false), at("b.tar.gz"));
        assert_eq!(part_of(&at("b.tar.gz")), at("b.tar.gz.part"));
        // No extension, or a name that is all extension.
        std::fs::write(at("README"), b"x").expect("a file");
        assert_eq!(free_path(dir.path(), "README", |_| false), at("README (2)"));
        std::fs::write(at(".bashrc"), b"x").expect("a file");
        assert_eq!(
            free_path(dir.path(), ".bashrc", |_| false),
            at(".bashrc (2)")
        );
    }
}
