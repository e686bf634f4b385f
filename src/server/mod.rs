//! The chat server: accepts connections, runs a session thread per client, and stops cleanly.
//!
//! [`Server::start`] takes an already-bound listener (tests bind port 0) and returns a handle; the
//! same server runs headless (`coucou server`) and inside the app (Host). [`Server::stop`] — or
//! dropping the handle — tells everyone, closes every connection, joins every thread and frees the
//! port before it returns.

mod config;
mod counters;
pub mod devices;
pub mod files;
mod flood;
mod house;
mod keys;
mod linking;
mod lookup;
mod mailbox;
mod moderation;
mod outbox;
mod pending;
mod room;
mod session;
mod shared;
mod slots;
mod stash;
mod web;

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use log::{debug, error, info, warn};

pub use config::{
    DEFAULT_MAX_PENDING_PER_ADDRESS, DEFAULT_MAX_TRANSFERS_PER_ADDRESS, FilesConfig, PeopleHook,
    RoomLimits, ServerConfig, StoreConfig,
};
pub use counters::Stats;
pub use flood::FloodLimit;
pub use house::RoomError;
use pending::Admit;
use room::SessionId;
use shared::Shared;
pub use web::page_bytes;

use crate::protocol::name::NameError;
use crate::store::{Loaded, Store};

/// The store, as one room's archive: handing it a message only queues it for the store's thread.
/// The host's rooms share one store; the last archive dropped closes it.
#[derive(Debug)]
struct StoreArchive {
    store: Arc<Store>,
    /// The named room this archive keeps; `None`: the default room.
    room: Option<Arc<str>>,
}

impl room::Archive for StoreArchive {
    fn keep(&self, msg: &crate::protocol::ServerMsg, in_history: bool) {
        self.store.keep_in(self.room.as_ref(), msg, in_history);
    }

    fn keep_private(&self, msg: &ServerMsg, ends: crate::store::Ends) {
        self.store.keep_private_in(self.room.as_ref(), msg, ends);
    }

    fn keep_topic(&self, topic: &str) {
        self.store
            .keep_room(self.room.as_deref().unwrap_or(""), Some(topic));
    }

    fn keep_key(&self, key: Option<&crate::protocol::password::RoomKey>) {
        if let Some(room) = &self.room {
            self.store.keep_room_key(room, key);
        }
    }

    fn after_written(&self, then: crate::store::AfterWritten) -> bool {
        self.store.after_written(then)
    }

    fn replace(&self, msg: &ServerMsg) {
        self.store.replace_in(self.room.as_ref(), msg);
    }

    fn restate(&self, msg: &ServerMsg) {
        self.store.restate_in(self.room.as_ref(), msg);
    }

    fn clear(&self) {
        self.store.clear_in(self.room.as_ref());
    }
}

/// Opens the host's named rooms: those the store kept, then those of the configuration it did
/// not (kept from now on). A linked host links them once the link starts ([`linking::start`]).
fn open_rooms(shared: &Shared, store: Option<(&Arc<Store>, Loaded)>) {
    let mut house = shared.lock_room();
    let (stored, archive) = match store {
        Some((store, loaded)) => {
            house.ids().raise(loaded.next_id, loaded.next_private_id);
            let mut sent = loaded.sent;
            let default_sent = sent
                .extract_if(.., |(room, _)| room.is_empty())
                .map(|(_, msg)| msg)
                .collect();
            house.default_room().restore(
                loaded.recent,
                loaded.topic,
                default_sent,
                Box::new(StoreArchive {
                    store: Arc::clone(store),
                    room: None,
                }),
            );
            let keeper = Arc::clone(store);
            house.keep_moderation(
                moderation::Keeper(Box::new(move |change| keeper.keep_rule(change))),
                loaded.moderation,
            );
            (loaded.rooms, Some((store, sent)))
        }
        None => (Vec::new(), None),
    };
    let maker = archive.as_ref().map(|(store, _)| {
        let store = Arc::clone(store);
        Box::new(move |name: &str| -> Box<dyn room::Archive> {
            Box::new(StoreArchive {
                store: Arc::clone(&store),
                room: Some(Arc::from(name)),
            })
        }) as house::ArchiveMaker
    });
    house.open_to_new_rooms(shared.config.open_rooms, maker);
    let mut stored_keys = Vec::new();
    let wanted: Vec<_> = stored
        .into_iter()
        .map(|room| {
            stored_keys.push((room.name.clone(), room.key));
            (room.name, Some((room.topic, room.recent)))
        })
        .chain(
            shared
                .config
                .rooms
                .iter()
                .chain(shared.config.room_passwords.iter().map(|(name, _)| name))
                .map(|name| (name.clone(), None)),
        )
        .collect();
    for (name, kept) in wanted {
        let made = match house.add_room(&name) {
            Ok(made) => made,
            Err(RoomError::Name(NameError::Taken { .. })) if kept.is_none() => continue,
            Err(err) => {
                warn!(
                    "room {:?} left out: {err}",
                    crate::protocol::sanitize::clean_text(&name)
                );
                continue;
            }
        };
        let Some((store, sent)) = &archive else {
            continue;
        };
        if kept.is_none() {
            store.keep_room(&made, None);
        }
        let (topic, recent) = kept.unwrap_or_default();
        let room_sent = sent
            .iter()
            .filter(|(room, _)| *room == made)
            .map(|(_, msg)| msg.clone())
            .collect();
        let archive = Box::new(StoreArchive {
            store: Arc::clone(store),
            room: Some(Arc::from(made.as_str())),
        });
        if let Some(room) = house.named(&made) {
            room.restore(recent, topic, room_sent, archive);
        }
    }
    // A stored password protects its room again; one the host gives now replaces it.
    for (name, key) in stored_keys {
        if let (Some(room), Some(key)) = (house.named(&name), key) {
            room.protect(Some(key), false);
        }
    }
    for (name, key) in &shared.config.room_passwords {
        if let Some(room) = house.named(name) {
            room.protect(Some(key.clone()), true);
        }
    }
}

use crate::connection::{SharedSocket, send_now};
use crate::lan;
use crate::protocol::{ErrorCode, ServerMsg};

/// Stack size of a session (reader) thread. Small, so that thousands of idle connections stay
/// cheap; JSON decoding and name checks need far less than this.
const SESSION_STACK: usize = 256 * 1024;

/// The kernel's send buffer per client socket.
const SEND_BUFFER_BYTES: usize = 256 * 1024;

/// How long [`Server::stop`] lets clients receive the goodbye before cutting them off.
const STOP_GRACE: Duration = Duration::from_millis(500);

/// How long the accept loop pauses when the system is out of file descriptors or memory, so that
/// it neither spins nor floods the log while nothing can be accepted.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// File descriptors the process needs besides one per connection (listener, logs, fonts, mDNS…).
const SPARE_FDS: u64 = 64;

/// A running server. Dropping it stops it.
#[derive(Debug)]
pub struct Server {
    /// State shared with the threads.
    shared: Arc<Shared>,
    /// Why the stored history could not be used, if it could not (it was moved aside).
    store_warning: Option<String>,
    /// Turns true once the store could not write (a full disk), when there is a store.
    store_failed: Option<Arc<std::sync::atomic::AtomicBool>>,
    /// Where it listens.
    local_addr: SocketAddr,
    /// The accept loop; `None` once stopped.
    accept_thread: Option<JoinHandle<()>>,
    /// A second handle on the listener, to wake the accept loop at stop.
    listener: TcpListener,
    /// Hands the link's news to the room, when the room is linked.
    link_thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `addr` and starts. A busy port is an [`io::ErrorKind::AddrInUse`] error.
    pub fn bind(addr: SocketAddr, config: ServerConfig) -> io::Result<Self> {
        Self::start(listen(addr)?, config)
    }

    /// Starts serving on an already-bound listener.
    pub fn start(listener: TcpListener, config: ServerConfig) -> io::Result<Self> {
        let local_addr = listener.local_addr()?;
        raise_open_file_limit(config.max_people + config.max_pending);
        let shared = Arc::new(Shared::new(config));
        if let Some(files) = &shared.config.files {
            shared.set_files(stash::Files::open(files.clone())?);
        }
        let mut store_warning = None;
        let mut store_failed = None;
        let mut last_seq = 0;
        if let Some(store) = &shared.config.store {
            // Read before anyone can join: the history and the ids to go on from.
            let (store, loaded, warning) =
                Store::open(&store.path, shared.config.history, store.retention)?;
            shared.set_reader(store.reader());
            store_failed = Some(store.failure_flag());
            last_seq = loaded.last_stored;
            open_rooms(&shared, Some((&Arc::new(store), loaded)));
            store_warning = warning.map(|moved| moved.describe(shared.config.lang));
        } else {
            open_rooms(&shared, None);
        }
        let link_thread = match shared.config.link.clone() {
            Some(link) => Some(linking::start(&shared, link, last_seq)?),
            None => None,
        };
        let waker = listener.try_clone()?;
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name("coucou-accept".to_owned())
            .spawn(move || accept_loop(&accept_shared, &listener))?;
        Ok(Self {
            shared,
            store_warning,
            store_failed,
            local_addr,
            accept_thread: Some(accept_thread),
            listener: waker,
            link_thread,
        })
    }

    /// The address the server listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The room's name.
    pub fn room_name(&self) -> &str {
        &self.shared.config.room
    }

    /// Why the stored history could not be used at start (the file was moved aside and the room
    /// started empty), if so.
    pub fn store_warning(&self) -> Option<&str> {
        self.store_warning.as_deref()
    }

    /// True once the history could not be written any more (a full disk): the room goes on
    /// without storing. The log says so once too.
    pub fn history_failed(&self) -> bool {
        self.store_failed
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// The names of the host's named rooms (its default room aside).
    pub fn rooms(&self) -> Vec<String> {
        self.shared.lock_room().room_names()
    }

    /// Makes a named room now (the host's own, as from the app's Room options): kept in the
    /// store when the host keeps one, and told to everyone on the host. Returns its name as
    /// kept. A linked host links it, and the other sites make it too.
    pub fn make_room(&self, name: &str) -> Result<String, RoomError> {
        self.shared.with_room(|house| house.make_room(name, None))
    }

    /// The counters right now.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// Tells everyone the server is stopping, closes every connection and joins every thread. When it
    /// returns the port is free.
    pub fn stop(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        let Some(accept_thread) = self.accept_thread.take() else {
            return;
        };
        let shared = &self.shared;
        shared.stopping.store(true, Ordering::SeqCst);
        wake_accept(&self.listener, self.local_addr);
        if accept_thread.join().is_err() {
            error!("the accept thread panicked");
        }

        shared.with_room(house::House::close_all);
        // Give the goodbye a moment to leave, then cut off whoever is left.
        let deadline = Instant::now() + STOP_GRACE;
        let mut live = shared.lock_live();
        while !live.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            live = shared
                .live_changed
                .wait_timeout(live, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        for socket in live.values() {
            socket.shutdown(Shutdown::Both).ok();
        }
        drop(live);

        let threads = std::mem::take(
            &mut *shared
                .threads
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for handle in threads {
            if handle.join().is_err() {
                error!("a session thread panicked");
            }
        }
        // Stops the link (it gives back the names this server holds), then the thread that
        // handed its news to the room, outside the room lock.
        let links = shared.lock_room().unlink();
        drop(links);
        drop(shared.take_link());
        if let Some(thread) = self.link_thread.take()
            && thread.join().is_err()
        {
            error!("the link's news thread panicked");
        }
        // Writes what is queued and closes the file, outside the room lock.
        let archives = shared.lock_room().take_archives();
        drop(archives);
        info!("server on {} stopped", self.local_addr);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Pending connections the kernel queues before `accept`: room for a whole class joining at once.
const LISTEN_BACKLOG: i32 = 1024;

/// A listener on `addr` with a deep accept queue (std's is 128) and address reuse, so a stopped
/// server's port can be bound again at once.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

/// Unblocks `accept`: shuts the listener down (enough on Linux), then connects to it (elsewhere).
fn wake_accept(listener: &TcpListener, local_addr: SocketAddr) {
    socket2::SockRef::from(listener)
        .shutdown(Shutdown::Both)
        .ok();
    TcpStream::connect_timeout(&lan::own_address_of(local_addr), Duration::from_secs(1)).ok();
}

/// Accepts connections until the server stops. When the system runs out of file descriptors (or
/// memory) it pauses [`ACCEPT_BACKOFF`] between tries and logs at most one line a second.
fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    let mut next_session: SessionId = 1;
    let mut failures = FailureLog::default();
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(err) => {
                failures.note(&err, Instant::now());
                if is_out_of_resources(&err) {
                    thread::sleep(ACCEPT_BACKOFF);
                }
                continue;
            }
        };
        let session = next_session;
        next_session += 1;
        reap_finished(shared);
        if let Err(err) = start_session(shared, session, stream, peer) {
            warn!("#{session} {peer}: could not start a session: {err}");
        }
    }
}

/// True for the accept errors that come from the system running out of something: retrying at
/// once can only fail again.
fn is_out_of_resources(err: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(
            err.raw_os_error(),
            Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
        )
    }
    #[cfg(not(unix))]
    {
        err.kind() == io::ErrorKind::OutOfMemory
    }
}

/// Logs failed accepts: the first at once, then at most one line a second with how many there were.
#[derive(Debug, Default)]
struct FailureLog {
    /// When the last line was written.
    logged_at: Option<Instant>,
    /// Failures since then.
    unlogged: u64,
}

impl FailureLog {
    fn note(&mut self, err: &io::Error, now: Instant) {
        self.unlogged += 1;
        let due = self
            .logged_at
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1));
        if due {
            warn!(
                "accept failed ({} time{} since the last report): {err}",
                self.unlogged,
                if self.unlogged == 1 { "" } else { "s" }
            );
            self.logged_at = Some(now);
            self.unlogged = 0;
        }
    }
}

/// Raises this process's soft limit on open files to its hard limit, and warns when a full room
/// and its waiting line would still not fit under it.
fn raise_open_file_limit(connections: usize) {
    #[cfg(unix)]
    {
        let needed = connections as u64 + SPARE_FDS;
        match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(limit) if limit < needed => warn!(
                "this process may open only {limit} files, but a full room and its waiting line \
                 need about {needed}; raise the limit (ulimit -n) or lower --max-clients"
            ),
            Ok(_) => {}
            Err(err) => warn!("can't read or raise the open-file limit: {err}"),
        }
    }
    #[cfg(not(unix))]
    let _ = connections;
}

/// Joins session threads that have ended, so their handles don't pile up.
fn reap_finished(shared: &Shared) {
    let mut threads = shared
        .threads
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let (done, running): (Vec<_>, Vec<_>) = threads.drain(..).partition(JoinHandle::is_finished);
    *threads = running;
    drop(threads);
    for handle in done {
        handle.join().ok();
    }
}

/// Counts a new connection as pending and starts its thread, or turns it away.
fn start_session(
    shared: &Arc<Shared>,
    session: SessionId,
    stream: TcpStream,
    peer: SocketAddr,
) -> io::Result<()> {
    let stream = SharedSocket::new(stream);
    let admitted =
        shared.with_pending(|t| t.admit(session, peer.ip(), Instant::now(), stream.clone()));
    match admitted {
        Admit::Admitted { evicted } => {
            if let Some((old, socket)) = evicted {
                debug!("#{old}: gave way to #{session}, the waiting line being full");
                turn_away(&socket, &shared.config.lang.tr("error-evicted"), shared);
            }
        }
        Admit::TooManyFromAddress => {
            debug!("#{session} {peer}: turned away, too many waiting from that address");
            turn_away(
                &stream,
                &shared.config.lang.tr("error-too-many-from-address"),
                shared,
            );
            return Ok(());
        }
        Admit::Full => {
            debug!("#{session} {peer}: turned away, the waiting line is full");
            turn_away(
                &stream,
                &shared.config.lang.tr("error-too-many-waiting"),
                shared,
            );
            return Ok(());
        }
    }
    stream.set_nodelay(true).ok();
    // Bounds what the kernel holds for a client that stops reading, so the outbox limit is what
    // decides when it is cut off; 256 KiB is far more than a LAN chat needs in flight.
    socket2::SockRef::from(&*stream)
        .set_send_buffer_size(SEND_BUFFER_BYTES)
        .ok();
    shared.lock_live().insert(session, stream.clone());
    let thread_shared = Arc::clone(shared);
    let spawned = thread::Builder::new()
        .name(format!("coucou-session-{session}"))
        .stack_size(SESSION_STACK)
        .spawn(move || {
            session::run(&thread_shared, session, stream, peer);
            thread_shared.lock_live().remove(&session);
            thread_shared.live_changed.notify_all();
        });
    match spawned {
        Ok(handle) => {
            shared
                .threads
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(handle);
            Ok(())
        }
        Err(err) => {
            shared.with_pending(|t| t.remove(session));
            shared.lock_live().remove(&session);
            Err(err)
        }
    }
}

/// Tells a connection that has not given a name why it is closed (as a plain `! ` line: its
/// dialect is not known yet), without waiting on it, and closes it.
fn turn_away(socket: &TcpStream, why: &str, shared: &Shared) {
    let msg = ServerMsg::error(ErrorCode::TooManyPending, why);
    send_now(socket, msg.to_plain_text(shared.config.lang).as_bytes()).ok();
    socket.shutdown(Shutdown::Both).ok();
}
