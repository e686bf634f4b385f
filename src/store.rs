//! The host's lasting history: every message, action, private message and join/leave/rename
//! notice, with its id and time, in an SQLite file, so a restarted room keeps its conversation and
//! its ids go on from where they stopped.
//!
//! One named thread (`coucou-store`) owns the database and writes in batches; the room hands it
//! messages over a channel and never waits on the disk. A file that can't be opened as a Coucou
//! store (corrupt, locked, not SQLite) is moved aside, never deleted, and the room starts with an
//! empty history and a warning. A write that fails (a full disk) stops storing, says so once, and
//! the chat goes on.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use log::warn;
use rusqlite::{Connection, OptionalExtension, params};

use crate::protocol::{ServerMsg, message};

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
}

/// One message to keep.
struct Kept {
    msg: ServerMsg,
    in_history: bool,
}

/// The room's store: a handle on the writer thread. Dropping it writes what is queued and ends the
/// thread.
pub struct Store {
    tx: Option<Sender<Kept>>,
    thread: Option<JoinHandle<()>>,
    failed: Arc<AtomicBool>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// How many messages one transaction writes at most.
const BATCH: usize = 512;

impl Store {
    /// Opens (or makes) the store at `path`, loading the last `recent` messages. A file that can't
    /// be used is moved aside and a fresh one made; the third value says so, in words.
    pub fn open(
        path: &Path,
        recent: usize,
        retention: Retention,
    ) -> std::io::Result<(Self, Loaded, Option<String>)> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let (conn, loaded, warning) = match open_and_load(path, recent) {
            Ok((conn, loaded)) => (conn, loaded, None),
            Err(err) => {
                let moved = move_aside(path)?;
                let warning = format!(
                    "The history file {} could not be used ({err}); it was kept as {} and the room \
                     starts with an empty history.",
                    path.display(),
                    moved.display()
                );
                warn!("{warning}");
                let (conn, loaded) = open_and_load(path, recent).map_err(std::io::Error::other)?;
                (conn, loaded, Some(warning))
            }
        };
        let (tx, rx) = crossbeam_channel::unbounded();
        let failed = Arc::new(AtomicBool::new(false));
        let thread_failed = Arc::clone(&failed);
        let thread = thread::Builder::new()
            .name("coucou-store".to_owned())
            .spawn(move || write_loop(conn, &rx, retention, &thread_failed))?;
        Ok((
            Self {
                tx: Some(tx),
                thread: Some(thread),
                failed,
            },
            loaded,
            warning,
        ))
    }

    /// Queues `msg` to be kept; `in_history` when newcomers get it. Never waits on the disk.
    pub fn keep(&self, msg: &ServerMsg, in_history: bool) {
        if self.failed.load(Ordering::Relaxed) {
            return;
        }
        if let Some(tx) = &self.tx {
            tx.send(Kept {
                msg: msg.clone(),
                in_history,
            })
            .ok();
        }
    }

    /// True once a write failed (a full disk): nothing more is stored.
    pub fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

fn open_and_load(path: &Path, recent: usize) -> Result<(Connection, Loaded), rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_millis(200))?;
    let check: String = conn.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
    if check != "ok" {
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
             PRIMARY KEY (private, id)
         );
         CREATE INDEX IF NOT EXISTS messages_time ON messages (time);",
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
    let next_id = max_id(0)?;
    let next_private_id = max_id(1)?;
    let mut recent_rows = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT json FROM messages WHERE private = 0 AND in_history = 1 \
             ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(recent).unwrap_or(i64::MAX)], |row| {
            row.get::<_, String>(0)
        })?;
        for json in rows {
            // A row that no longer reads as a message is skipped, not fatal.
            if let Ok(msg) = message::decode_server(json?.as_bytes()) {
                recent_rows.push(msg);
            }
        }
    }
    recent_rows.reverse();
    Ok((
        conn,
        Loaded {
            recent: recent_rows,
            next_id,
            next_private_id,
        },
    ))
}

/// Renames `path` (and its WAL and shared-memory files) to the first free `path.corrupt-N`.
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
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

/// The id, privacy and time of a message worth keeping; `None` for what is not kept (errors, the
/// welcome, lists).
fn key(msg: &ServerMsg) -> Option<(bool, u64, u64)> {
    match msg {
        ServerMsg::Message(chat) => Some((false, chat.id, chat.time)),
        ServerMsg::Private { id, time, .. } => Some((true, *id, *time)),
        ServerMsg::Join { id, time, .. }
        | ServerMsg::Leave { id, time, .. }
        | ServerMsg::Rename { id, time, .. } => Some((false, *id, *time)),
        ServerMsg::Notice {
            id: Some(id), time, ..
        } => Some((false, *id, *time)),
        _ => None,
    }
}

/// The writer thread: a batch per wake-up, one transaction each; retention after each batch.
fn write_loop(
    mut conn: Connection,
    rx: &Receiver<Kept>,
    retention: Retention,
    failed: &AtomicBool,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        if failed.load(Ordering::Relaxed) {
            batch.clear();
            continue;
        }
        if let Err(err) = write_batch(&mut conn, &batch, retention) {
            failed.store(true, Ordering::Relaxed);
            warn!("the history can't be stored any more ({err}); the chat goes on without it");
        }
        batch.clear();
    }
}

fn write_batch(
    conn: &mut Connection,
    batch: &[Kept],
    retention: Retention,
) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO messages (private, id, time, in_history, json) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for kept in batch {
            let Some((private, id, time)) = key(&kept.msg) else {
                continue;
            };
            let json = String::from_utf8_lossy(&kept.msg.to_json_line())
                .trim_end()
                .to_owned();
            insert.execute(params![
                i64::from(private),
                i64::try_from(id).unwrap_or(i64::MAX),
                i64::try_from(time).unwrap_or(i64::MAX),
                i64::from(kept.in_history),
                json
            ])?;
        }
    }
    if let Some(age) = retention.max_age {
        let now = crate::protocol::now_ms();
        let oldest = now.saturating_sub(u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
        tx.execute(
            "DELETE FROM messages WHERE time < ?1",
            [i64::try_from(oldest).unwrap_or(0)],
        )?;
    }
    if let Some(max) = retention.max_messages {
        // The ids of each sequence are dense and increasing: keep the newest `max` of each.
        for private in [0_i64, 1] {
            tx.execute(
                "DELETE FROM messages WHERE private = ?1 AND id <= \
                 (SELECT MAX(id) FROM messages WHERE private = ?1) - ?2",
                params![private, i64::try_from(max).unwrap_or(i64::MAX)],
            )?;
        }
    }
    tx.commit()
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
        })
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
        let warning = warning.unwrap();
        assert!(warning.contains("could not be used"), "{warning}");
        assert_eq!(
            loaded,
            Loaded {
                recent: vec![],
                next_id: 1,
                next_private_id: 1
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
}
