//! What every thread of one server shares — settings, the host's rooms behind their one mutex, the
//! waiting line, the open connections — and the room turn that sends what a group of broadcasts
//! queued.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::config::ServerConfig;
use super::counters::Counters;
use super::devices::Devices;
use super::flood::Bucket;
use super::house::House;
use super::keys::KeyPool;
use super::outbox::Outbox;
use super::pending::{PendingLimits, PendingTable};
use super::room::{RoomSettings, SessionId};
use super::slots::{Slot, Slots};
use super::stash::Files;
use crate::connection::SharedSocket;
use crate::link::Link;
use crate::protocol::now_ms;
use crate::store::Reader;

/// What every thread of a server shares.
#[derive(Debug)]
pub(super) struct Shared {
    /// Settings.
    pub(super) config: ServerConfig,
    /// The room; see [`Room`] for why one mutex is enough.
    pub(super) room: Mutex<House<Outbox>>,
    /// Counters for [`Server::stats`].
    pub(super) counters: Arc<Counters>,
    /// Set once by `stop`; sessions ending after it don't announce leaves.
    pub(super) stopping: AtomicBool,
    /// Sessions using or waiting for the room; see [`Shared::with_room`].
    in_room: AtomicUsize,
    /// Connections that have not given a name yet.
    pub(super) pending: Mutex<PendingTable<SharedSocket>>,
    /// Every open connection, to cut them all off at stop.
    pub(super) live: Mutex<HashMap<SessionId, SharedSocket>>,
    /// Signalled when a connection closes.
    pub(super) live_changed: Condvar,
    /// Room password tries lately, by address: how many (each counted when it starts, given
    /// back when it was right or never answered), and since when.
    password_failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
    /// The memory typed passwords are checked in, one check per processor at a time.
    pub(super) keys: KeyPool,
    /// Names tried before joining lately, by address (`ServerConfig::name_flood`); buckets full
    /// again are forgotten.
    name_tries: Mutex<HashMap<IpAddr, Bucket>>,
    /// File transfers going on, by address (`ServerConfig::max_transfers_per_address`).
    transfers: Slots<IpAddr>,
    /// Session threads, joined at stop (finished ones are reaped as new ones start).
    pub(super) threads: Mutex<Vec<JoinHandle<()>>>,
    /// Reads the store (pages, searches), when the room keeps one.
    reader: OnceLock<Arc<Reader>>,
    /// The files offered in the room, when the server takes files.
    files: OnceLock<Files>,
    /// The link to the other sites, when the room is linked (taken at stop).
    link: Mutex<Option<Arc<Link>>>,
}

impl Shared {
    /// The state of a server that has just started: an empty room, nobody waiting.
    pub(super) fn new(config: ServerConfig) -> Self {
        let counters = Arc::new(Counters::default());
        let settings = RoomSettings {
            name: config.room.clone(),
            max_people: config.max_people,
            history: config.history,
            motd: config.motd.clone(),
            on_people: config.on_people.clone(),
            lang: config.lang,
            scope: None,
        };
        let pending_limits = PendingLimits {
            total: config.max_pending,
            per_address: config.max_pending_per_address,
        };
        Self {
            room: Mutex::new(
                House::new(settings, Arc::clone(&counters), now_ms, config.room_limits)
                    .counting_rooms(config.on_rooms.clone())
                    .moderated(config.moderator_password.is_some())
                    .signing(config.site.clone())
                    .knowing(Devices::new(
                        config.owners.iter().copied(),
                        u64::try_from(config.keep_names.as_millis()).unwrap_or(u64::MAX),
                    )),
            ),
            config,
            counters,
            stopping: AtomicBool::new(false),
            in_room: AtomicUsize::new(0),
            pending: Mutex::new(PendingTable::new(pending_limits)),
            live: Mutex::new(HashMap::new()),
            live_changed: Condvar::new(),
            threads: Mutex::new(Vec::new()),
            password_failures: Mutex::new(HashMap::new()),
            keys: KeyPool::per_processor(),
            name_tries: Mutex::new(HashMap::new()),
            transfers: Slots::default(),
            reader: OnceLock::new(),
            files: OnceLock::new(),
            link: Mutex::new(None),
        }
    }

    /// Reads the store from now on (set once, at start).
    pub(super) fn set_reader(&self, reader: Arc<Reader>) {
        self.reader.set(reader).ok();
    }

    /// Takes files from now on (set once, at start).
    pub(super) fn set_files(&self, files: Files) {
        self.files.set(files).ok();
    }

    /// Links the room from now on (at start).
    pub(super) fn set_link(&self, link: Arc<Link>) {
        *self.link.lock().unwrap_or_else(PoisonError::into_inner) = Some(link);
    }

    /// The link to the other sites, when the room is linked and not stopping.
    pub(super) fn link(&self) -> Option<Arc<Link>> {
        self.link
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Lets go of the link (at stop).
    pub(super) fn take_link(&self) -> Option<Arc<Link>> {
        self.link
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// The files offered in the room, when the server takes files.
    pub(super) fn files(&self) -> Option<&Files> {
        self.files.get()
    }

    /// What reads the store, when the room keeps one.
    pub(super) fn reader(&self) -> Option<&Reader> {
        self.reader.get().map(|r| &**r)
    }

    /// Takes one of `ip`'s password tries before its answer is checked, so that tries made at
    /// once count as many as tries made one after the other; `Err` with how long `ip` must wait
    /// when its tries are used up. The count starts over once its window has passed; the table
    /// forgets windows that have passed, so it holds at most the addresses of one window.
    pub(super) fn password_try(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let window = self.config.password_window;
        let mut tries = self
            .password_failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        tries.retain(|_, (_, since)| now.duration_since(*since) < window);
        let (count, since) = tries.entry(ip).or_insert((0, now));
        if *count >= self.config.max_password_failures {
            return Err((*since + window).saturating_duration_since(now));
        }
        *count += 1;
        Ok(())
    }

    /// Takes one of `ip`'s name tries before the room checks a name; `Err` with how long to wait
    /// when there is none left. Forgets the addresses whose tries are all back.
    pub(super) fn name_try(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let limit = self.config.name_flood;
        let mut tries = self
            .name_tries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        tries.retain(|_, bucket| !bucket.refilled(now));
        let bucket = tries.entry(ip).or_insert_with(|| Bucket::new(limit, now));
        if bucket.take(now) {
            Ok(())
        } else {
            Err(bucket.wait_hint())
        }
    }

    /// A place for one more file transfer from `ip`, held until it is dropped; `None` when the
    /// address already has as many going as it may.
    pub(super) fn transfer_slot(&self, ip: IpAddr) -> Option<Slot<'_, IpAddr>> {
        self.transfers
            .take(ip, self.config.max_transfers_per_address)
    }

    /// Gives back a name try that joined: only refused names count.
    pub(super) fn name_try_back(&self, ip: IpAddr) {
        let mut tries = self
            .name_tries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(bucket) = tries.get_mut(&ip) {
            bucket.give_back();
        }
    }

    /// Gives back a try that was not a wrong password (it was right, or never answered).
    pub(super) fn password_try_back(&self, ip: IpAddr) {
        let mut tries = self
            .password_failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((count, _)) = tries.get_mut(&ip) {
            *count = count.saturating_sub(1);
        }
    }

    pub(super) fn lock_room(&self) -> MutexGuard<'_, House<Outbox>> {
        self.room.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the room, then sends what it queued; see [`RoomTurn`].
    pub(super) fn with_room<R>(&self, f: impl FnOnce(&mut House<Outbox>) -> R) -> R {
        let turn = self.turn();
        let result = f(&mut self.lock_room());
        // The room lock is released above: ending the turn may flush, which takes it again.
        drop(turn);
        result
    }

    /// Counts the caller among the sessions using the room until the turn is dropped.
    pub(super) fn turn(&self) -> RoomTurn<'_> {
        self.in_room.fetch_add(1, Ordering::SeqCst);
        RoomTurn(self)
    }

    pub(super) fn lock_live(&self) -> MutexGuard<'_, HashMap<SessionId, SharedSocket>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the table of waiting connections and keeps the counter in step with it.
    pub(super) fn with_pending<R>(
        &self,
        f: impl FnOnce(&mut PendingTable<SharedSocket>) -> R,
    ) -> R {
        let mut table = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let result = f(&mut table);
        self.counters.pending.store(table.len(), Ordering::Relaxed);
        result
    }
}

/// A session's turn in the room. While any session holds one, what broadcasts queue is not sent
/// yet; the last turn to end flushes every outbox that got bytes. So a burst of messages — a class
/// answering at once, or lines piling up while the server is busy — goes out in one write per client
/// instead of one per message (group commit), and nothing waits for a later message.
pub(super) struct RoomTurn<'a>(&'a Shared);

impl Drop for RoomTurn<'_> {
    fn drop(&mut self) {
        let shared = self.0;
        if shared.in_room.fetch_sub(1, Ordering::SeqCst) == 1 {
            let dirty = shared.lock_room().take_dirty();
            let mut batch = Vec::new();
            for outbox in dirty {
                outbox.flush(&mut batch);
            }
        }
    }
}
