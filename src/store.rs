//! The host's lasting history: every message, action, private message and join/leave/rename
//! notice, with its id, time and room, in an SQLite file, so a restarted host keeps its rooms (their
//! topics and passwords' salted hashes too) and their conversations, and its ids go on from where
//! they stopped.
//!
//! One named thread (`coucou-store`) owns the database and writes in batches; the room hands it
//! messages through a queue (`Jobs`) and never waits on the disk. The search index is written
//! 64 messages at a time (at once when someone reads), and made whole again at open after a crash. What must wait for the disk (a sender's
//! echo) is handed over too, and run by that thread once everything before it is committed
//! ([`Store::after_written`]). Ids are reserved ahead in the file ([`ID_RESERVE`]), so a crash,
//! whatever it loses of the last moment, never makes the room give an id twice. A file that
//! can't be opened as a Coucou store (corrupt, locked, not SQLite) is moved aside, never deleted,
//! and the room starts with an empty history and a warning. A write that fails (a full disk)
//! stops storing, says so once, and the chat goes on.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use log::warn;
use rusqlite::{Connection, OptionalExtension, params};

use crate::protocol::password::RoomKey;
use crate::protocol::{ServerMsg, message};

mod ids;
mod jobs;
mod privates;
mod reader;
mod rules;

pub use ids::ID_RESERVE;
use ids::{Ids, note_next_ids};
use jobs::Jobs;
pub use privates::Ends;
pub use reader::Reader;
pub use rules::{
    KeptModeration, KeptName, MAX_SEEN_RULINGS, MAX_STORED_LOG, MAX_STORED_MODES, MAX_STORED_RULES,
    Mode, NamedModerator, RuleChange, SeenRuling, StoredLog, StoredMode, StoredRule,
};

/// How much of the history is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// At most this many messages (the newest); `None`: no limit.
    pub max_messages: Option<u64>,
    /// Nothing older than this; `None`: no limit.
    pub max_age: Option<Duration>,
}

/// What a store holds at start, for the room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The last messages a newcomer gets, oldest first.
    pub recent: Vec<ServerMsg>,
    /// The id the room's next message takes.
    pub next_id: u64,
    /// The id the next private message takes.
    pub next_private_id: u64,
    /// The highest id of the room's sequence in the file (0 when none): where a linked room's
    /// stream is read from.
    pub last_stored: u64,
    /// The last messages sent with a client id (within the hour), oldest first, each with the
    /// name of its room ("" for the default room): their senders may send them again after a
    /// lost connection.
    pub sent: Vec<(String, ServerMsg)>,
    /// The default room's topic ("": none).
    pub topic: String,
    /// The named rooms kept in the file, in the order they were made.
    pub rooms: Vec<StoredRoom>,
    /// What the moderators and owners decided that still holds.
    pub moderation: KeptModeration,
}

/// A named room as the store keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredRoom {
    /// Its name.
    pub name: String,
    /// Its topic ("": none).
    pub topic: String,
    /// Its password as the host keeps it, if it has one.
    pub key: Option<RoomKey>,
    /// Its last messages a newcomer gets, oldest first.
    pub recent: Vec<ServerMsg>,
}

/// One message to keep.
struct Kept {
    msg: ServerMsg,
    in_history: bool,
    /// The named room it was said in; `None`: the default room.
    room: Option<Arc<str>>,
    /// Whether it takes the place of the message with its id, and what of the search index.
    replaces: Replaces,
    /// For a private message, the devices at its ends (they get it back).
    ends: Ends,
}

/// Whether a message kept takes the place of the one with its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replaces {
    /// A new message.
    No,
    /// A tombstone or an edit: the old words leave the search index, the new ones go in.
    Words,
    /// The same words (its reactions changed): the row alone is written again.
    Row,
    /// Not a message: the room's history is cleared (every message of the room goes, with its
    /// words in the search index), in its place among what is kept.
    Everything,
}

/// What runs on the writer thread once what was kept before it is committed.
pub type AfterWritten = Box<dyn FnOnce() + Send>;

/// What the writer thread is asked to do.
enum Job {
    /// Keep a message.
    Keep(Kept),
    /// Keep a room (a named one, or "" for the default room) and its topic, when given.
    Room(String, Option<String>),
    /// Keep a named room's password as the host keeps it (`None`: none any more).
    RoomKey(String, Option<RoomKey>),
    /// Keep a moderator's ban or mute, or lift one.
    Rule(RuleChange),
    /// Say so on this channel once everything asked before is written.
    Sync(Sender<()>),
    /// Run this once everything asked before is written (or given up, storing having failed).
    After(AfterWritten),
    /// Write what is queued and end.
    Stop,
}

/// The room's store: a handle on the writer thread. Dropping it writes what is queued and ends the
/// thread.
pub struct Store {
    jobs: Arc<Jobs>,
    thread: Option<JoinHandle<()>>,
    failed: Arc<AtomicBool>,
    reader: Arc<Reader>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// How many messages one transaction writes at most.
const BATCH: usize = 512;

/// A history file that could not be used, moved aside: the room starts with an empty history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedAside {
    /// The file.
    pub path: std::path::PathBuf,
    /// Where it was kept.
    pub kept: std::path::PathBuf,
    /// Why it could not be used.
    pub error: String,
}

impl MovedAside {
    /// What happened, in `lang`, for the host.
    pub fn describe(&self, lang: crate::i18n::Lang) -> String {
        crate::tr!(
            lang,
            "store-moved-aside",
            path = self.path.display().to_string(),
            error = self.error.as_str(),
            kept = self.kept.display().to_string()
        )
    }
}

impl std::fmt::Display for MovedAside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(crate::i18n::Lang::En))
    }
}

impl Store {
    /// Opens (or makes) the store at `path`, loading the last `recent` messages. A file that can't
    /// be used is moved aside and a fresh one made; the third value says so, in words.
    pub fn open(
        path: &Path,
        recent: usize,
        retention: Retention,
    ) -> std::io::Result<(Self, Loaded, Option<MovedAside>)> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let (conn, loaded, warning) = match open_and_load(path, recent) {
            Ok((conn, loaded)) => (conn, loaded, None),
            Err(err) => {
                let moved = move_aside(path)?;
                let warning = MovedAside {
                    path: path.to_path_buf(),
                    kept: moved,
                    error: err.to_string(),
                };
                warn!("{warning}");
                let (conn, loaded) = open_and_load(path, recent).map_err(std::io::Error::other)?;
                (conn, loaded, Some(warning))
            }
        };
        let jobs = Arc::new(Jobs::default());
        let reader =
            Arc::new(Reader::open(path, Arc::clone(&jobs)).map_err(std::io::Error::other)?);
        let failed = Arc::new(AtomicBool::new(false));
        let thread_failed = Arc::clone(&failed);
        let ids = Ids::at_open(&loaded);
        let thread = thread::Builder::new()
            .name("coucou-store".to_owned())
            .spawn({
                let jobs = Arc::clone(&jobs);
                move || {
                    write_loop(conn, &jobs, retention, ids, &thread_failed);
                    jobs.close();
                }
            })?;
        Ok((
            Self {
                jobs,
                thread: Some(thread),
                failed,
                reader,
            },
            loaded,
            warning,
        ))
    }

    /// Queues `msg` to be kept; `in_history` when newcomers get it. Never waits on the disk.
    pub fn keep(&self, msg: &ServerMsg, in_history: bool) {
        self.keep_in(None, msg, in_history);
    }

    /// [`Store::keep`] for a message said in the named room `room` (`None`: the default room).
    pub fn keep_in(&self, room: Option<&Arc<str>>, msg: &ServerMsg, in_history: bool) {
        if self.failed.load(Ordering::Relaxed) {
            return;
        }
        self.jobs.send(Job::Keep(Kept {
            msg: msg.clone(),
            in_history,
            room: room.cloned(),
            replaces: Replaces::No,
            ends: Ends::default(),
        }));
    }

    /// [`Store::keep_in`] for a private message, with the devices at its `ends`: each gets it
    /// back ([`Reader::privates`]).
    pub fn keep_private_in(&self, room: Option<&Arc<str>>, msg: &ServerMsg, ends: Ends) {
        if self.failed.load(Ordering::Relaxed) {
            return;
        }
        self.jobs.send(Job::Keep(Kept {
            msg: msg.clone(),
            in_history: false,
            room: room.cloned(),
            replaces: Replaces::No,
            ends,
        }));
    }

    /// Queues `msg` (a tombstone, or the message edited) to take the place of the message of the
    /// room `room` (`None`: the default room) with its id, kept or still queued: the old words
    /// leave the search index, and the new ones, if any, go in.
    pub fn replace_in(&self, room: Option<&Arc<str>>, msg: &ServerMsg) {
        self.rewrite(room, msg, Replaces::Words);
    }

    /// Queues `msg`, the message with the same words (its reactions changed), to take the place
    /// of the one with its id; the search index is left alone.
    pub fn restate_in(&self, room: Option<&Arc<str>>, msg: &ServerMsg) {
        self.rewrite(room, msg, Replaces::Row);
    }

    fn rewrite(&self, room: Option<&Arc<str>>, msg: &ServerMsg, replaces: Replaces) {
        self.queue(Kept {
            msg: msg.clone(),
            in_history: true,
            room: room.cloned(),
            replaces,
            ends: Ends::default(),
        });
    }

    /// Queues the clearing of the room `room`'s history (`None`: the default room): every message
    /// of the room kept or queued before goes, with its words in the search index; private
    /// messages stay.
    pub fn clear_in(&self, room: Option<&Arc<str>>) {
        self.queue(Kept {
            msg: ServerMsg::Cleared {},
            in_history: false,
            room: room.cloned(),
            replaces: Replaces::Everything,
            ends: Ends::default(),
        });
    }

    /// Hands `kept` to the writer, unless storing stopped.
    fn queue(&self, kept: Kept) {
        if !self.failed.load(Ordering::Relaxed) {
            self.jobs.send(Job::Keep(kept));
        }
    }

    /// Queues the named room `room`'s password (as the host keeps it: salt and hash) to be kept,
    /// or forgotten with `None`. Never waits on the disk.
    pub fn keep_room_key(&self, room: &str, key: Option<&RoomKey>) {
        if self.failed.load(Ordering::Relaxed) {
            return;
        }
        self.jobs.send(Job::RoomKey(room.to_owned(), key.cloned()));
    }

    /// Queues a change to the bans and mutes. Never waits on the disk.
    pub fn keep_rule(&self, change: RuleChange) {
        if !self.failed.load(Ordering::Relaxed) {
            self.jobs.send(Job::Rule(change));
        }
    }

    /// Queues the named room `room` ("" for the default room) to be kept, with its topic when
    /// `topic` is given. Never waits on the disk.
    pub fn keep_room(&self, room: &str, topic: Option<&str>) {
        if self.failed.load(Ordering::Relaxed) {
            return;
        }
        self.jobs
            .send(Job::Room(room.to_owned(), topic.map(str::to_owned)));
    }

    /// Runs `then` on the store's thread once everything kept before this call is committed (or
    /// given up, if storing fails meanwhile). Never waits. False, with `then` dropped unrun,
    /// when nothing is stored any more (a failed write, or the store stopping): the caller goes
    /// on at once.
    pub fn after_written(&self, then: AfterWritten) -> bool {
        !self.failed.load(Ordering::Relaxed) && self.jobs.send(Job::After(then))
    }

    /// What reads the store for people in the room (pages, searches).
    pub fn reader(&self) -> Arc<Reader> {
        Arc::clone(&self.reader)
    }

    /// A flag that turns true once a write failed (a full disk): for a caller that watches
    /// without a handle on the store.
    pub fn failure_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.failed)
    }

    /// True once a write failed (a full disk): nothing more is stored.
    pub fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.jobs.send(Job::Stop);
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

/// The schema's version, in `PRAGMA user_version`. Version 1 (no search) is brought up to date
/// on open.
/// Version 3 files messages by room (`room`, "" for the default room) and keeps the named rooms
/// (`rooms`); a version 2 file's messages become the default room's.
const SCHEMA_VERSION: i64 = 3;

fn open_and_load(path: &Path, recent: usize) -> Result<(Connection, Loaded), rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_millis(200))?;
    // Reading the schema version reads the header and the schema: a file that is not SQLite, or
    // whose first pages are damaged, fails here. (A full `quick_check` would read every page:
    // half a second per million messages, at every start.) Damage deeper in shows as a failed
    // read or write later, which stops storing and says so.
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version > SCHEMA_VERSION {
        // Made by a newer Coucou: better moved aside than misread.
        return Err(rusqlite::Error::InvalidQuery);
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         CREATE TABLE IF NOT EXISTS messages (
             private INTEGER NOT NULL,
             id INTEGER NOT NULL,
             time INTEGER NOT NULL,
             in_history INTEGER NOT NULL,
             json TEXT NOT NULL,
             room TEXT NOT NULL DEFAULT '',
             PRIMARY KEY (private, id)
         );
         CREATE INDEX IF NOT EXISTS messages_time ON messages (time);
         CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
             text, content = '', contentless_delete = 1,
             tokenize = 'unicode61 remove_diacritics 2'
         );",
    )?;
    if version < 2 {
        index_what_is_not(&conn)?;
    }
    if version < SCHEMA_VERSION {
        add_rooms(&conn)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    index_files_once(&conn)?;
    catch_up_search(&conn)?;
    // Ids given before: older Coucous read the file without this table, and make no harm to it.
    conn.execute(
        "CREATE TABLE IF NOT EXISTS next_ids (private INTEGER PRIMARY KEY, next INTEGER NOT NULL)",
        [],
    )?;
    let max_id = |private: i64| -> Result<u64, rusqlite::Error> {
        let max: Option<i64> = conn
            .query_row(
                "SELECT MAX(id) FROM messages WHERE private = ?1",
                [private],
                |row| row.get(0),
            )
            .optional()?
            .flatten();
        Ok(max.map_or(1, |m| u64::try_from(m).unwrap_or(0) + 1))
    };
    let noted = |private: i64| -> Result<u64, rusqlite::Error> {
        let next: Option<i64> = conn
            .query_row(
                "SELECT next FROM next_ids WHERE private = ?1",
                [private],
                |row| row.get(0),
            )
            .optional()?;
        Ok(next.map_or(1, |n| u64::try_from(n).unwrap_or(1)))
    };
    let last_stored = max_id(0)?.saturating_sub(1);
    // After a crash the noted ids are the reservation, beyond anything given before it.
    let next_id = max_id(0)?.max(noted(0)?);
    let next_private_id = max_id(1)?.max(noted(1)?);
    // Before anyone can join: every id the room may give until the writer reserves more.
    note_next_ids(
        &conn,
        [
            next_id.saturating_add(ID_RESERVE),
            next_private_id.saturating_add(ID_RESERVE),
        ],
    )?;
    let recent_rows = recent_in(&conn, "", recent)?;
    let sent = recently_sent(&conn, crate::protocol::now_ms())?;
    let mut topic = String::new();
    let mut rooms = Vec::new();
    {
        // In the order they were made: two made within one millisecond (written in one batch)
        // by the order they were written.
        let mut stmt =
            conn.prepare("SELECT name, topic, salt, key FROM rooms ORDER BY made, rowid")?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<Vec<u8>>>(2)?,
                row.get::<_, Option<Vec<u8>>>(3)?,
            ))
        })?;
        for row in rows {
            let (name, room_topic, salt, key) = row?;
            let key = match salt.zip(key) {
                None => None,
                Some((salt, key)) => match (salt.try_into(), key.try_into()) {
                    (Ok(salt), Ok(key)) => Some(RoomKey { salt, key }),
                    _ => {
                        // Never opened without its password: left out, its messages kept.
                        warn!(
                            "the room {:?} has a damaged password in the store: left out",
                            crate::protocol::sanitize::clean_text(&name)
                        );
                        continue;
                    }
                },
            };
            if name.is_empty() {
                topic = room_topic;
            } else {
                rooms.push(StoredRoom {
                    name,
                    topic: room_topic,
                    key,
                    recent: Vec::new(),
                });
            }
        }
    }
    for room in &mut rooms {
        room.recent = recent_in(&conn, &room.name, recent)?;
    }
    rules::create(&conn)?;
    privates::create(&conn)?;
    let now = crate::protocol::now_ms();
    let moderation = KeptModeration {
        rules: rules::load(&conn, now)?,
        moderators: rules::load_named(&conn)?,
        kept_names: rules::load_kept(&conn, now)?,
        rulings_seen: rules::load_seen(&conn, now)?,
        modes: rules::load_modes(&conn)?,
        log: rules::load_log(&conn)?,
    };
    Ok((
        conn,
        Loaded {
            recent: recent_rows,
            next_id,
            next_private_id,
            last_stored,
            sent,
            topic,
            rooms,
            moderation,
        },
    ))
}

/// The last `recent` messages newcomers get in the room `room` ("" for the default room),
/// oldest first.
fn recent_in(
    conn: &Connection,
    room: &str,
    recent: usize,
) -> Result<Vec<ServerMsg>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(if room.is_empty() {
        "SELECT json FROM messages WHERE private = 0 AND in_history = 1 AND room = ?1 \
         ORDER BY id DESC LIMIT ?2"
    } else {
        "SELECT json FROM messages WHERE private = 0 AND in_history = 1 AND room = ?1 \
         AND room <> '' ORDER BY id DESC LIMIT ?2"
    })?;
    let rows = stmt.query_map(params![room, to_sql(recent as u64)], |row| {
        row.get::<_, String>(0)
    })?;
    let mut found = Vec::new();
    for json in rows {
        // A row that no longer reads as a message is skipped, not fatal.
        if let Ok(msg) = message::decode_server(json?.as_bytes()) {
            found.push(msg);
        }
    }
    found.reverse();
    Ok(found)
}

/// Brings a version 2 file (or a new one) up to version 3: a room for every message (a version 2
/// file's are the default room's), the named rooms' table and its index.
fn add_rooms(conn: &Connection) -> Result<(), rusqlite::Error> {
    let has_room: bool = conn.query_row(
        "SELECT COUNT(*) FROM pragma_table_info('messages') WHERE name = 'room'",
        [],
        |row| row.get::<_, i64>(0).map(|n| n > 0),
    )?;
    if !has_room {
        conn.execute(
            "ALTER TABLE messages ADD COLUMN room TEXT NOT NULL DEFAULT ''",
            [],
        )?;
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS rooms (
             name TEXT PRIMARY KEY,
             topic TEXT NOT NULL DEFAULT '',
             made INTEGER NOT NULL,
             salt BLOB,
             key BLOB
         );
         CREATE INDEX IF NOT EXISTS messages_room ON messages (room, id) WHERE room <> '';",
    )
}

/// What a search finds `msg` by: a room message's text, a file's name; nothing else is searched.
fn searched_words(msg: &ServerMsg) -> Option<&str> {
    match msg {
        ServerMsg::Message(chat) => Some(&chat.text),
        ServerMsg::File(offer) if offer.to.is_none() => Some(&offer.name),
        _ => None,
    }
}

/// Puts what a search finds of a version 1 file (which had no search) into the search index.
fn index_what_is_not(conn: &Connection) -> Result<(), rusqlite::Error> {
    index_matching(conn, "SELECT json FROM messages WHERE private = 0", [])
}

/// Notes that every room message up to `id` is in the search index, in the caller's transaction.
fn note_searched_upto(conn: &Connection, id: u64) -> Result<(), rusqlite::Error> {
    conn.prepare_cached("INSERT OR REPLACE INTO searched_upto (one, id) VALUES (1, ?1)")?
        .execute([to_sql(id)])
        .map(drop)
}

/// Puts into the search index the room messages written after the last batch the writer indexed
/// (those a crash, or a kill, left out of it). A file without the note was written by a Coucou
/// that indexed every message as it wrote it: all of it is in the index.
fn catch_up_search(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS searched_upto (one INTEGER PRIMARY KEY, id INTEGER NOT NULL)",
        [],
    )?;
    let upto: Option<i64> = conn
        .query_row("SELECT id FROM searched_upto WHERE one = 1", [], |row| {
            row.get(0)
        })
        .optional()?;
    if let Some(upto) = upto {
        index_matching(
            conn,
            "SELECT json FROM messages WHERE private = 0 AND id > ?1",
            [upto],
        )?;
    }
    let last: Option<i64> = conn.query_row(
        "SELECT MAX(id) FROM messages WHERE private = 0",
        [],
        |row| row.get(0),
    )?;
    note_searched_upto(conn, u64::try_from(last.unwrap_or(0)).unwrap_or(0))
}

/// Puts what the messages `select` reads (their JSON) are searched by into the search index.
fn index_matching(
    conn: &Connection,
    select: &str,
    params: impl rusqlite::Params,
) -> Result<(), rusqlite::Error> {
    let mut stmt = conn.prepare(select)?;
    let mut insert = conn.prepare("INSERT OR REPLACE INTO search (rowid, text) VALUES (?1, ?2)")?;
    let rows = stmt.query_map(params, |row| row.get::<_, String>(0))?;
    for json in rows {
        let Ok(msg) = message::decode_server(json?.as_bytes()) else {
            continue;
        };
        if let (Some(words), Some((_, id, _))) = (searched_words(&msg), key(&msg)) {
            insert.execute(params![to_sql(id), words])?;
        }
    }
    Ok(())
}

/// Files offered before searches found them by name (a store written by an older Coucou) go into
/// the search index, once: a table says it was done. Older Coucous read the file without it, and
/// index their own new offers no more (their searches, messages only, are unchanged).
fn index_files_once(conn: &Connection) -> Result<(), rusqlite::Error> {
    let done: Option<i64> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'files_searched'",
            [],
            |_| Ok(1),
        )
        .optional()?;
    if done.is_some() {
        return Ok(());
    }
    index_matching(
        conn,
        "SELECT json FROM messages WHERE private = 0 AND json LIKE '{\"type\":\"file\"%'",
        [],
    )?;
    conn.execute("CREATE TABLE files_searched (done INTEGER)", [])?;
    Ok(())
}

/// How many of the last messages are read back at start for their client ids.
const SENT_KEPT: u64 = 1000;

/// How far back messages are read at start for their client ids: a client that lost its
/// connection sends again within minutes, not days.
const SENT_WINDOW_MS: u64 = 60 * 60 * 1000;

/// The last messages (room and private) sent with a client id, within the last hour, oldest first:
/// so that a restarted room still knows them when their senders send them again.
fn recently_sent(conn: &Connection, now: u64) -> Result<Vec<(String, ServerMsg)>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT json, room FROM messages WHERE time >= ?1 AND json LIKE '%\"cid\":%' \
         ORDER BY time DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        [
            to_sql(now.saturating_sub(SENT_WINDOW_MS)),
            to_sql(SENT_KEPT),
        ],
        |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
    )?;
    let mut sent = Vec::new();
    for row in rows {
        let (json, room) = row?;
        if let Ok(msg) = message::decode_server(json.as_bytes()) {
            sent.push((room, msg));
        }
    }
    sent.reverse();
    Ok(sent)
}

/// A `u64` as SQLite's signed integer (the largest for what does not fit).
fn to_sql(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Renames `path` (and its WAL and shared-memory files) to the first free `path.corrupt-N`, and
/// returns that name: a damaged database is kept, never deleted.
pub fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let mut n = 1;
    loop {
        let mut target = path.as_os_str().to_owned();
        target.push(format!(".corrupt-{n}"));
        let target = PathBuf::from(target);
        if !target.exists() {
            std::fs::rename(path, &target)?;
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let mut side_target = target.as_os_str().to_owned();
                side_target.push(suffix);
                std::fs::rename(&side, &side_target).ok();
            }
            return Ok(target);
        }
        n += 1;
    }
}

/// The privacy, id and time of a message worth keeping (a message, action, private message,
/// join, leave, rename, greeting or file offered to the room); `None` for what is not kept (errors, the welcome, lists).
pub fn key(msg: &ServerMsg) -> Option<(bool, u64, u64)> {
    match msg {
        ServerMsg::Message(chat) => Some((false, chat.id, chat.time)),
        ServerMsg::Private { id, time, .. } => Some((true, *id, *time)),
        ServerMsg::Join { id, time, .. }
        | ServerMsg::Leave { id, time, .. }
        | ServerMsg::Rename { id, time, .. } => Some((false, *id, *time)),
        ServerMsg::Notice {
            id: Some(id), time, ..
        } => Some((false, *id, *time)),
        // A file offered to the room (its bytes last on the host until they expire).
        ServerMsg::File(offer) if offer.to.is_none() => Some((false, offer.id, offer.time)),
        _ => None,
    }
}

/// How often the writer applies the retention rules at most (and once more when it stops).
const RETENTION_EVERY: Duration = Duration::from_secs(60);

/// How many written messages may wait to be put in the search index: the index is written in
/// batches, since putting one message in costs more than the message itself (a new segment, its
/// structure and sizes: a message alone in a transaction wrote 17.7 `pwrite`s with its index
/// entry, 6.6 without).
const INDEX_BATCH: usize = 64;

/// How long written messages wait for the search index at most when the room goes quiet.
const INDEX_PATIENCE: Duration = Duration::from_millis(500);

/// How long what nobody waits for (joins, leaves, a linked site's messages: no echo, no read)
/// waits for more before it is written, when nothing else comes: a join storm is written in a
/// few transactions, not one per join.
const GATHER: Duration = Duration::from_millis(2);

/// How long what nobody waits for is gathered at most, however much keeps coming.
const GATHER_MAX: Duration = Duration::from_millis(50);

/// What a search finds of the messages written but not yet in the search index: their ids and
/// words. A read ([`Job::Sync`]) puts them in first, so a search finds every message its person
/// has seen; after a crash, [`catch_up_search`] puts in what the file has beyond the index.
type Unindexed = Vec<(u64, String)>;

/// The writer thread: a batch per wake-up, one transaction each; retention now and then.
fn write_loop(
    conn: Connection,
    jobs: &Jobs,
    retention: Retention,
    mut ids: Ids,
    failed: &AtomicBool,
) {
    let mut taken = Vec::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut synced = Vec::new();
    let mut after = Vec::new();
    let mut unindexed = Unindexed::new();
    let mut retained = None::<Instant>;
    let fail = |err: rusqlite::Error| {
        if !failed.swap(true, Ordering::Relaxed) {
            warn!("the history can't be stored any more ({err}); the chat goes on without it");
        }
    };
    let mut stop = false;
    // Since when what is kept waits for more, nobody waiting for it.
    let mut gathering = None::<Instant>;
    while !stop {
        let patience = match gathering {
            Some(since) => Some(GATHER.min(GATHER_MAX.saturating_sub(since.elapsed()))),
            None => (!unindexed.is_empty()).then_some(INDEX_PATIENCE),
        };
        jobs.take(&mut taken, patience);
        // Nothing came within the patience.
        let quiet = taken.is_empty();
        for job in taken.drain(..) {
            match job {
                Job::Keep(kept) => batch.push(kept),
                // Rare (a room made, a topic set): written in its own transaction.
                Job::Room(room, topic) => {
                    if !failed.load(Ordering::Relaxed)
                        && let Err(err) = keep_room(&conn, &room, topic.as_deref())
                    {
                        fail(err);
                    }
                }
                Job::RoomKey(room, key) => {
                    if !failed.load(Ordering::Relaxed)
                        && let Err(err) = keep_room_key(&conn, &room, key.as_ref())
                    {
                        fail(err);
                    }
                }
                Job::Rule(change) => {
                    if !failed.load(Ordering::Relaxed)
                        && let Err(err) = rules::keep(&conn, &change)
                    {
                        fail(err);
                    }
                }
                Job::Sync(done) => synced.push(done),
                Job::After(then) => after.push(then),
                Job::Stop => stop = true,
            }
        }
        // Someone waits for the write (an echo, a read, the stop), the gathering is over, or a
        // transaction is full: write now.
        let write_now = stop
            || quiet
            || !synced.is_empty()
            || !after.is_empty()
            || batch.len() >= BATCH
            || gathering.is_some_and(|since| since.elapsed() >= GATHER_MAX);
        if !write_now {
            if !batch.is_empty() {
                gathering.get_or_insert_with(Instant::now);
            }
            continue;
        }
        gathering = None;
        // The room is quiet (nothing gathered, nothing came for the index's patience), a read
        // waits, or the store stops: the index catches up.
        let index_now = stop || !synced.is_empty() || (quiet && batch.is_empty());
        if !failed.load(Ordering::Relaxed)
            && (!batch.is_empty() || (index_now && !unindexed.is_empty()))
        {
            let due = retained.is_none_or(|at| at.elapsed() >= RETENTION_EVERY);
            match write_batch(
                &conn,
                &batch,
                &mut ids,
                &mut unindexed,
                index_now,
                due.then_some(retention),
            ) {
                Ok(()) if due => retained = Some(Instant::now()),
                Ok(()) => {}
                Err(err) => fail(err),
            }
        }
        if failed.load(Ordering::Relaxed) {
            // Nothing more is written: nothing waits for the index, nor wakes the writer for it.
            unindexed.clear();
        }
        batch.clear();
        for done in synced.drain(..) {
            done.send(()).ok();
        }
        for then in after.drain(..) {
            then();
        }
    }
    if !failed.load(Ordering::Relaxed)
        && let Err(err) = write_batch(&conn, &[], &mut ids, &mut unindexed, true, Some(retention))
            .and_then(|()| note_next_ids(&conn, ids.next))
    {
        // A clean stop: the room goes on from exactly here, with no gap.
        fail(err);
    }
}

/// Runs `work` in one transaction, committing it if it succeeds. `BEGIN` and `COMMIT` are
/// prepared once per connection, not parsed for every batch.
fn in_transaction(
    conn: &Connection,
    work: impl FnOnce() -> Result<(), rusqlite::Error>,
) -> Result<(), rusqlite::Error> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let result = work().and_then(|()| conn.prepare_cached("COMMIT")?.execute([]).map(drop));
    if result.is_err() {
        // Nothing of the batch is kept; the caller stops storing.
        conn.execute_batch("ROLLBACK").ok();
    }
    result
}

/// Writes `batch` in one transaction, with the search index's part: what waits to go in, and
/// whether all of it goes in now (a read waits for it, the room is quiet, or the store stops).
fn write_batch(
    conn: &Connection,
    batch: &[Kept],
    ids: &mut Ids,
    unindexed: &mut Unindexed,
    index_now: bool,
    retention: Option<Retention>,
) -> Result<(), rusqlite::Error> {
    in_transaction(conn, || {
        let mut insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO messages \
             (private, id, time, in_history, json, room, from_device, to_device) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for kept in batch {
            if kept.replaces == Replaces::Everything {
                clear(conn, kept.room.as_deref().unwrap_or(""), unindexed)?;
                // Everything written so far is in the index: after a crash, only what comes
                // later is put in again.
                note_searched_upto(conn, ids.next[0].saturating_sub(1))?;
                continue;
            }
            let Some((private, id, time)) = key(&kept.msg) else {
                continue;
            };
            ids.written(private, id);
            let json = String::from_utf8_lossy(&kept.msg.to_json_line())
                .trim_end()
                .to_owned();
            if kept.replaces != Replaces::No {
                replace(
                    conn,
                    (id, &json, kept.room.as_deref()),
                    unindexed,
                    kept.replaces,
                )?;
                // In the same transaction, not batched: after a crash, only what is newer than
                // `searched_upto` is indexed again, and an edit is of an older message.
                if let (Replaces::Words, Some(words)) = (kept.replaces, searched_words(&kept.msg)) {
                    conn.prepare_cached("INSERT INTO search (rowid, text) VALUES (?1, ?2)")?
                        .execute(params![to_sql(id), words])?;
                }
                continue;
            }
            let added = insert.execute(params![
                i64::from(private),
                to_sql(id),
                to_sql(time),
                i64::from(kept.in_history),
                json,
                kept.room.as_deref().unwrap_or(""),
                privates::column(kept.ends.from),
                privates::column(kept.ends.to)
            ])?;
            if added == 1
                && let Some(words) = searched_words(&kept.msg)
            {
                unindexed.push((id, words.to_owned()));
            }
        }
        if !unindexed.is_empty() && (index_now || unindexed.len() >= INDEX_BATCH) {
            let mut put =
                conn.prepare_cached("INSERT INTO search (rowid, text) VALUES (?1, ?2)")?;
            for (id, words) in unindexed.iter() {
                put.execute(params![to_sql(*id), words])?;
            }
            // Everything written is in the index now: after a crash, only what comes later
            // is put in again.
            note_searched_upto(conn, ids.next[0].saturating_sub(1))?;
            unindexed.clear();
        }
        if let Some(reserve) = ids.reserve_if_low() {
            note_next_ids(conn, reserve)?;
        }
        if let Some(retention) = retention {
            retain(conn, retention)?;
        }
        Ok(())
    })
}

/// Puts `json` (a tombstone, or a message as it is now) in place of the room message `id` of the
/// room `room`; with `Replaces::Words`, its words out of the search index (or out of what waits
/// to go in).
fn replace(
    conn: &Connection,
    (id, json, room): (u64, &str, Option<&str>),
    unindexed: &mut Unindexed,
    replaces: Replaces,
) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "UPDATE messages SET json = ?1 WHERE private = 0 AND id = ?2 AND room = ?3",
    )?
    .execute(params![json, to_sql(id), room.unwrap_or("")])?;
    if replaces == Replaces::Row {
        return Ok(());
    }
    unindexed.retain(|(waiting, _)| *waiting != id);
    conn.prepare_cached("DELETE FROM search WHERE rowid = ?1")?
        .execute([to_sql(id)])
        .map(drop)
}

/// Keeps the room `room` ("" for the default room), with its topic when given.
fn keep_room(conn: &Connection, room: &str, topic: Option<&str>) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO rooms (name, topic, made) VALUES (?1, COALESCE(?2, ''), ?3) \
         ON CONFLICT (name) DO UPDATE SET topic = COALESCE(?2, topic)",
    )?
    .execute(params![room, topic, to_sql(crate::protocol::now_ms())])
    .map(drop)
}

/// Keeps the named room `room`'s password as the host keeps it (salt and hash), or none.
fn keep_room_key(
    conn: &Connection,
    room: &str,
    key: Option<&RoomKey>,
) -> Result<(), rusqlite::Error> {
    keep_room(conn, room, None)?;
    conn.prepare_cached("UPDATE rooms SET salt = ?2, key = ?3 WHERE name = ?1")?
        .execute(params![
            room,
            key.map(|k| k.salt.to_vec()),
            key.map(|k| k.key.to_vec())
        ])
        .map(drop)
}

/// Clears the room `room`'s history ("" for the default room) in the caller's transaction: the
/// words waiting for the index go in first (they may be the room's), then the room's messages and
/// their words go. The ids go on from where they were.
fn clear(conn: &Connection, room: &str, unindexed: &mut Unindexed) -> Result<(), rusqlite::Error> {
    let mut put = conn.prepare_cached("INSERT INTO search (rowid, text) VALUES (?1, ?2)")?;
    for (id, words) in unindexed.drain(..) {
        put.execute(params![to_sql(id), words])?;
    }
    conn.prepare_cached(
        "DELETE FROM search WHERE rowid IN \
         (SELECT id FROM messages WHERE private = 0 AND room = ?1)",
    )?
    .execute([room])?;
    conn.prepare_cached("DELETE FROM messages WHERE private = 0 AND room = ?1")?
        .execute([room])?;
    Ok(())
}

/// Applies the retention rules: drops what is too old, and all but the newest of each sequence.
fn retain(tx: &Connection, retention: Retention) -> Result<(), rusqlite::Error> {
    if let Some(age) = retention.max_age {
        let now = crate::protocol::now_ms();
        let oldest = now.saturating_sub(u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
        tx.execute(
            "DELETE FROM search WHERE rowid IN \
             (SELECT id FROM messages WHERE private = 0 AND time < ?1)",
            [to_sql(oldest)],
        )?;
        tx.execute("DELETE FROM messages WHERE time < ?1", [to_sql(oldest)])?;
    }
    if let Some(max) = retention.max_messages {
        // Keep the newest `max` of each sequence: what is at or below the next one goes (its
        // ids have gaps after a crash).
        let max = to_sql(max);
        tx.execute(
            "DELETE FROM search WHERE rowid <= (SELECT id FROM messages WHERE private = 0 \
             ORDER BY id DESC LIMIT 1 OFFSET ?1)",
            [max],
        )?;
        for private in [0_i64, 1] {
            tx.execute(
                "DELETE FROM messages WHERE private = ?1 AND id <= (SELECT id FROM messages \
                 WHERE private = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                params![private, max],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Chat, LeaveReason};

    fn chat(id: u64, text: &str) -> ServerMsg {
        ServerMsg::Message(Chat {
            id,
            time: crate::protocol::now_ms(),
            from: "alice".into(),
            text: text.into(),
            action: false,
            cid: None,
            ..Default::default()
        })
    }

    fn texts(page: &[ServerMsg]) -> Vec<&str> {
        page.iter()
            .filter_map(|m| match m {
                ServerMsg::Message(chat) => Some(chat.text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn clearing_a_room_takes_what_was_kept_before_it_out_of_pages_and_searches_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let (store, _, _) = Store::open(&path, 10, Retention::default()).unwrap();
        let x: Arc<str> = Arc::from("Projet X");
        // All queued at once: the clearing takes its place among them.
        store.keep(&chat(1, "café avant"), true);
        store.keep_in(Some(&x), &chat(2, "café du projet"), true);
        store.keep(&chat(3, "café encore avant"), true);
        store.clear_in(None);
        store.keep(&chat(4, "café après"), true);
        let reader = store.reader();
        assert_eq!(texts(&reader.page(None, 10).unwrap().0), ["café après"]);
        let found = |room| {
            reader
                .search_in(room, "cafe", 10)
                .unwrap()
                .into_iter()
                .map(|f| f.message.text)
                .collect::<Vec<_>>()
        };
        assert_eq!(found(None), ["café après"]);
        assert_eq!(
            found(Some("Projet X")),
            ["café du projet"],
            "another room's stay"
        );
        drop(reader);
        drop(store);
        let (_, loaded, _) = Store::open(&path, 10, Retention::default()).unwrap();
        assert_eq!(texts(&loaded.recent), ["café après"]);
        assert_eq!(
            loaded.next_id, 5,
            "ids go on from where they were, none given twice"
        );
    }

    #[test]
    fn each_room_has_its_history_pages_searches_and_topic_and_they_last() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let (store, _, _) = Store::open(&path, 10, Retention::default()).unwrap();
        let x: Arc<str> = Arc::from("Projet X");
        store.keep(&chat(1, "café pour tous"), true);
        store.keep_in(Some(&x), &chat(2, "café du projet"), true);
        store.keep_room("Projet X", None);
        store.keep_room("Projet X", Some("livraison"));
        store.keep_room("", Some("bienvenue"));
        store.keep_room("Salle vide", None);
        let reader = store.reader();
        assert_eq!(texts(&reader.page(None, 10).unwrap().0), ["café pour tous"]);
        assert_eq!(
            texts(&reader.page_in(Some("Projet X"), None, 10).unwrap().0),
            ["café du projet"]
        );
        assert!(
            reader.page_in(Some(""), None, 10).unwrap().0.is_empty(),
            "'' is no named room"
        );
        let found = |room| {
            reader
                .search_in(room, "cafe", 10)
                .unwrap()
                .into_iter()
                .map(|f| f.message.text)
                .collect::<Vec<_>>()
        };
        assert_eq!(found(None), ["café pour tous"]);
        assert_eq!(found(Some("Projet X")), ["café du projet"]);
        assert!(found(Some("Salle vide")).is_empty());
        drop(store);
        let (_store, loaded, _) = Store::open(&path, 10, Retention::default()).unwrap();
        assert_eq!(texts(&loaded.recent), ["café pour tous"]);
        assert_eq!(loaded.topic, "bienvenue");
        let rooms: Vec<(&str, &str, Vec<&str>)> = loaded
            .rooms
            .iter()
            .map(|r| (r.name.as_str(), r.topic.as_str(), texts(&r.recent)))
            .collect();
        assert_eq!(
            rooms,
            [
                ("Projet X", "livraison", vec!["café du projet"]),
                ("Salle vide", "", vec![])
            ]
        );
        assert_eq!(loaded.next_id, 3, "one sequence across rooms");
    }

    #[test]
    fn rooms_come_back_in_the_order_they_were_made_even_within_one_millisecond() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let (store, _, _) = Store::open(&path, 10, Retention::default()).unwrap();
        // One after the other at once: written in one batch, most likely within a millisecond.
        for name in ["Zèbre", "Abeille", "Mouche"] {
            store.keep_room(name, None);
        }
        drop(store);
        let (_store, loaded, _) = Store::open(&path, 10, Retention::default()).unwrap();
        let names: Vec<&str> = loaded.rooms.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Zèbre", "Abeille", "Mouche"]);
    }

    #[test]
    fn a_version_2_file_opens_and_its_messages_become_the_default_rooms() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let (store, _, _) = Store::open(&path, 10, Retention::default()).unwrap();
        store.keep(&chat(1, "écrit par la version 2"), true);
        store.keep(&chat(2, "et retrouvé"), true);
        drop(store);
        // What a version 2 Coucou left: no rooms, no room for any message.
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "DROP INDEX messages_room; DROP TABLE rooms;
                 ALTER TABLE messages DROP COLUMN room; PRAGMA user_version = 2;",
            )
            .unwrap();
        }
        let (store, loaded, warning) = Store::open(&path, 10, Retention::default()).unwrap();
        assert_eq!(warning, None, "opened, not moved aside");
        assert_eq!(
            texts(&loaded.recent),
            ["écrit par la version 2", "et retrouvé"]
        );
        assert!(loaded.rooms.is_empty());
        let reader = store.reader();
        assert_eq!(
            texts(
                &reader
                    .search("retrouve", 10)
                    .unwrap()
                    .into_iter()
                    .map(|f| ServerMsg::Message(f.message))
                    .collect::<Vec<_>>()
            ),
            ["et retrouvé"]
        );
        store.keep_in(
            Some(&Arc::from("Projet X")),
            &chat(3, "après la migration"),
            true,
        );
        assert_eq!(
            texts(&reader.page_in(Some("Projet X"), None, 10).unwrap().0),
            ["après la migration"]
        );
        assert_eq!(texts(&reader.page(None, 10).unwrap().0).len(), 2);
        drop(store);
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn the_writer_takes_jobs_in_order_at_most_a_batch_of_messages_and_up_to_a_stop() {
        let jobs = Jobs::default();
        let keep = |id| {
            Job::Keep(Kept {
                replaces: Replaces::No,
                msg: chat(id, "x"),
                in_history: true,
                room: None,
                ends: Ends::default(),
            })
        };
        for id in 0..=BATCH as u64 {
            assert!(jobs.send(keep(id)));
        }
        assert!(jobs.send(Job::After(Box::new(|| {}))));
        assert!(jobs.send(Job::Stop));
        assert!(jobs.send(keep(9_999)));
        let mut taken = Vec::new();
        jobs.take(&mut taken, None);
        assert_eq!(taken.len(), BATCH, "one transaction's worth");
        assert!(
            matches!(&taken[0], Job::Keep(k) if matches!(&k.msg, ServerMsg::Message(c) if c.id == 0))
        );
        taken.clear();
        jobs.take(&mut taken, None);
        assert!(
            matches!(&taken[..], [Job::Keep(_), Job::After(_), Job::Stop]),
            "the rest, in order, up to the stop"
        );
        taken.clear();
        jobs.take(&mut taken, Some(Duration::from_millis(1)));
        assert_eq!(taken.len(), 1, "what came after the stop waits");
        taken.clear();
        jobs.take(&mut taken, Some(Duration::from_millis(1)));
        assert!(taken.is_empty(), "nothing left: the wait ends empty-handed");
        jobs.close();
        assert!(!jobs.send(keep(1)), "the writer has ended: refused");
    }

    #[test]
    fn what_is_kept_comes_back_after_a_restart_and_ids_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let (store, loaded, warning) = Store::open(&path, 2, Retention::default()).unwrap();
        assert_eq!(warning, None);
        assert_eq!((loaded.next_id, loaded.next_private_id), (1, 1));
        store.keep(&chat(1, "un"), true);
        store.keep(
            &ServerMsg::Join {
                id: 2,
                time: 5,
                name: "bob".into(),
                elsewhere: false,
            },
            false,
        );
        store.keep(&chat(3, "deux"), true);
        store.keep(&chat(4, "trois"), true);
        store.keep(
            &ServerMsg::Private {
                id: 7,
                time: 6,
                from: "a".into(),
                to: "b".into(),
                text: "psst".into(),
                cid: None,
            },
            false,
        );
        store.keep(
            &ServerMsg::error(crate::protocol::ErrorCode::Flood, "x"),
            false,
        );
        drop(store);

        let (_store, loaded, _) = Store::open(&path, 2, Retention::default()).unwrap();
        let got: Vec<(u64, String)> = loaded
            .recent
            .iter()
            .map(|m| match m {
                ServerMsg::Message(c) => (c.id, c.text.clone()),
                other => panic!("{other:?} replayed"),
            })
            .collect();
        assert_eq!(got, [(3, "deux".to_owned()), (4, "trois".to_owned())]);
        assert_eq!(loaded.next_id, 5);
        assert_eq!(loaded.next_private_id, 8);
    }

    #[test]
    fn a_file_that_is_not_a_store_is_moved_aside_never_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        std::fs::write(
            &path,
            b"this is not a database, just bytes that look like nothing",
        )
        .unwrap();
        let (store, loaded, warning) = Store::open(&path, 10, Retention::default()).unwrap();
        let warning = warning.unwrap().to_string();
        assert!(warning.contains("could not be used"), "{warning}");
        assert_eq!(
            loaded,
            Loaded {
                recent: vec![],
                next_id: 1,
                next_private_id: 1,
                last_stored: 0,
                sent: vec![],
                topic: String::new(),
                rooms: vec![],
                moderation: KeptModeration::default(),
            }
        );
        let aside = dir.path().join("history.sqlite.corrupt-1");
        assert_eq!(
            std::fs::read(&aside).unwrap(),
            b"this is not a database, just bytes that look like nothing"
        );
        store.keep(&chat(1, "fresh"), true);
        drop(store);
        let (_store, loaded, warning) = Store::open(&path, 10, Retention::default()).unwrap();
        assert_eq!((loaded.recent.len(), warning), (1, None));
    }

    #[test]
    fn a_store_another_program_keeps_locked_is_moved_aside_and_a_new_one_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let (store, _, _) = Store::open(&path, 10, Retention::default()).unwrap();
        store.keep(&chat(1, "avant le verrou"), true);
        drop(store);
        // Another program holds the file (in rollback mode, with an exclusive lock).
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("PRAGMA journal_mode = DELETE; BEGIN EXCLUSIVE;")
            .unwrap();
        let (store, loaded, warning) = Store::open(&path, 10, Retention::default()).unwrap();
        let warning = warning.expect("a warning").to_string();
        assert!(warning.contains("could not be used"), "{warning}");
        assert!(loaded.recent.is_empty(), "the room starts empty");
        assert!(dir.path().join("history.sqlite.corrupt-1").exists(), "kept");
        store.keep(&chat(1, "après"), true);
        drop(store);
        drop(other);
        let (_store, loaded, _) = Store::open(&path, 10, Retention::default()).unwrap();
        assert_eq!(loaded.recent.len(), 1, "the new file is in use");
    }

    #[test]
    fn a_store_whose_tables_are_damaged_is_moved_aside_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let (store, _, _) = Store::open(&path, 10, Retention::default()).unwrap();
        for id in 1..=50 {
            store.keep(&chat(id, "du texte pour remplir quelques pages"), true);
        }
        drop(store);
        // Checkpointed into the main file at close: damage every page after the first (the
        // header and the schema stay as they were).
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 8192, "{} bytes", bytes.len());
        for byte in &mut bytes[4096..] {
            *byte = 0xA5;
        }
        std::fs::write(&path, &bytes).unwrap();
        let (_store, loaded, warning) = Store::open(&path, 10, Retention::default()).unwrap();
        assert!(warning.unwrap().to_string().contains("could not be used"));
        assert!(loaded.recent.is_empty());
        assert!(dir.path().join("history.sqlite.corrupt-1").exists());
    }

    #[test]
    fn retention_keeps_the_newest_by_count_and_drops_what_is_too_old() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        let retention = Retention {
            max_messages: Some(3),
            max_age: Some(Duration::from_secs(3600)),
        };
        let (store, _, _) = Store::open(&path, 100, retention).unwrap();
        let old = ServerMsg::Message(Chat {
            id: 1,
            time: 1_000,
            from: "a".into(),
            text: "ancient".into(),
            action: false,
            cid: None,
            ..Default::default()
        });
        store.keep(&old, true);
        for id in 2..=6 {
            store.keep(&chat(id, "recent"), true);
        }
        store.keep(
            &ServerMsg::Leave {
                id: 7,
                time: crate::protocol::now_ms(),
                name: "a".into(),
                reason: LeaveReason::Quit,
            },
            false,
        );
        drop(store);
        let (_store, loaded, _) = Store::open(&path, 100, Retention::default()).unwrap();
        let ids: Vec<u64> = loaded
            .recent
            .iter()
            .map(|m| match m {
                ServerMsg::Message(c) => c.id,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            ids,
            [5, 6],
            "the newest 3 rows are 5, 6 and the leave (not replayed)"
        );
        assert_eq!(loaded.next_id, 8);
    }

    /// The ids of one sequence in the file, oldest first, read on a connection of the test's own.
    fn stored_ids(path: &Path, private: bool) -> Vec<u64> {
        let conn = Connection::open(path).unwrap();
        let mut stmt = conn
            .prepare("SELECT id FROM messages WHERE private = ?1 ORDER BY id")
            .unwrap();
        stmt.query_map([i64::from(private)], |row| row.get::<_, i64>(0))
            .unwrap()
            .map(|id| u64::try_from(id.unwrap()).unwrap())
            .collect()
    }

    #[test]
    fn what_runs_after_written_finds_what_was_kept_before_it_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        let (store, _, _) = Store::open(&path, 10, Retention::default()).unwrap();
        let (tx, rx) = crossbeam_channel::bounded(1);
        for id in 1..=300 {
            store.keep(&chat(id, "écrit avant l'écho"), true);
        }
        let seen_by = path.clone();
        assert!(store.after_written(Box::new(move || {
            tx.send(stored_ids(&seen_by, false).len()).unwrap();
        })));
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(10)).unwrap(),
            300,
            "committed, as another connection reads it"
        );
        store.failed.store(true, Ordering::Relaxed);
        assert!(
            !store.after_written(Box::new(|| {})),
            "nothing waits on a store that stopped storing"
        );
    }

    #[test]
    fn ids_are_reserved_ahead_while_open_and_a_clean_stop_leaves_no_gap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        let (store, _, _) = Store::open(&path, 10, Retention::default()).unwrap();
        for id in 1..=3 {
            store.keep(&chat(id, "x"), true);
        }
        // What a restart after a crash now would read: the reservation.
        let crash_image = dir.path().join("crash.sqlite");
        let (tx, rx) = crossbeam_channel::bounded(1);
        let (from, to) = (path.clone(), crash_image.clone());
        store.after_written(Box::new(move || {
            let conn = Connection::open(&from).unwrap();
            conn.execute("VACUUM INTO ?1", [to.to_str().unwrap()])
                .unwrap();
            tx.send(()).unwrap();
        }));
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let (_crashed, loaded, _) = Store::open(&crash_image, 10, Retention::default()).unwrap();
        assert_eq!(loaded.next_id, 1 + ID_RESERVE, "past anything given before");
        assert_eq!(loaded.next_private_id, 1 + ID_RESERVE);
        assert_eq!(
            loaded.last_stored, 3,
            "a linked room reads its stream from here"
        );
        drop(store);
        let (_store, loaded, _) = Store::open(&path, 10, Retention::default()).unwrap();
        assert_eq!(
            (loaded.next_id, loaded.next_private_id),
            (4, 1),
            "a clean stop"
        );
    }

    #[test]
    fn ids_never_go_back_when_retention_empties_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        let retention = Retention {
            max_messages: None,
            max_age: Some(Duration::from_secs(60)),
        };
        let (store, _, _) = Store::open(&path, 10, retention).unwrap();
        for id in 1..=5 {
            let mut old = chat(id, "il y a longtemps");
            if let ServerMsg::Message(c) = &mut old {
                c.time = 1_000;
            }
            store.keep(&old, true);
        }
        drop(store);
        assert!(stored_ids(&path, false).is_empty(), "all too old");
        let (_store, loaded, _) = Store::open(&path, 10, retention).unwrap();
        assert_eq!(loaded.next_id, 6, "ids 1 to 5 were given once already");
    }

    #[test]
    fn retention_by_count_keeps_the_newest_across_a_gap_in_the_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        let retention = Retention {
            max_messages: Some(3),
            max_age: None,
        };
        let (store, _, _) = Store::open(&path, 10, retention).unwrap();
        for id in [1, 2, 3, 1_000_004, 1_000_005] {
            store.keep(&chat(id, "avant et après un arrêt brutal"), true);
        }
        drop(store);
        assert_eq!(stored_ids(&path, false), [3, 1_000_004, 1_000_005]);
        let (_store, loaded, _) = Store::open(&path, 10, Retention::default()).unwrap();
        assert_eq!(loaded.next_id, 1_000_006);
    }
}
