//! The app's own log: every message of a room the app saw (JSON rooms), in an SQLite file beside
//! the settings, so a conversation outlives the host that served it (a room restarted without its
//! history still shows yesterday's) and any day of it can be exported.
//!
//! One named thread (`coucou-journal`) opens the file, writes, and answers questions; the app hands
//! it messages and questions over a channel and never waits on the disk. Answers come back through
//! an [`EventSink`]. A file that can't be used is moved aside (never deleted) and a new one made; a
//! write that fails (a full disk) stops the log, and the app is told once.

use std::path::{Path, PathBuf};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use rusqlite::{Connection, params};

use crate::EventSink;
use crate::protocol::{ServerMsg, message};
use crate::store::{key, move_aside};

/// What the journal tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalEvent {
    /// The messages of `room` from before `before` (milliseconds since the Unix epoch) that were
    /// asked for with [`Journal::recall`], oldest first.
    Recalled {
        /// The room (`host:port`).
        room: String,
        /// The newest of them is older than this.
        before: u64,
        /// The messages.
        messages: Vec<ServerMsg>,
    },
    /// The messages of `room` between two times, asked for with [`Journal::range`], oldest first.
    Range {
        /// The room (`host:port`).
        room: String,
        /// Where the person wants them written.
        path: PathBuf,
        /// The messages.
        messages: Vec<ServerMsg>,
    },
    /// Something went wrong, in words: the file was moved aside, or the log stopped.
    Warning(JournalTrouble),
}

/// What the journal thread is asked to do.
enum Job {
    Keep {
        room: String,
        msg: ServerMsg,
    },
    Recall {
        room: String,
        before: u64,
        limit: usize,
    },
    Range {
        room: String,
        from: u64,
        to: u64,
        path: PathBuf,
    },
    Stop,
}

/// The app's log: a handle on its thread. Dropping it writes what is queued and ends the thread.
#[derive(Debug)]
pub struct Journal {
    tx: Sender<Job>,
    thread: Option<JoinHandle<()>>,
}

/// How many messages one transaction writes at most.
const BATCH: usize = 256;

/// The most messages one question returns (a range for an export included).
pub const MAX_ANSWER: usize = 1_000_000;

impl Journal {
    /// Starts the journal on `path` (made if missing); answers go to `events`.
    pub fn start(path: PathBuf, events: EventSink<JournalEvent>) -> std::io::Result<Self> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let thread = thread::Builder::new()
            .name("coucou-journal".to_owned())
            .spawn(move || run(&path, &rx, &events))?;
        Ok(Self {
            tx,
            thread: Some(thread),
        })
    }

    /// Keeps `msg` (a message, action, private message, join, leave, rename or greeting; anything
    /// else is skipped) as part of `room`. Never waits on the disk.
    pub fn keep(&self, room: &str, msg: &ServerMsg) {
        if key(msg).is_some() {
            self.tx
                .send(Job::Keep {
                    room: room.to_owned(),
                    msg: msg.clone(),
                })
                .ok();
        }
    }

    /// Asks for the newest `limit` messages of `room` older than `before`; they come as
    /// [`JournalEvent::Recalled`].
    pub fn recall(&self, room: &str, before: u64, limit: usize) {
        self.tx
            .send(Job::Recall {
                room: room.to_owned(),
                before,
                limit,
            })
            .ok();
    }

    /// Asks for every message of `room` from `from` to `to` (milliseconds since the Unix epoch,
    /// both included), to be written to `path`; they come as [`JournalEvent::Range`].
    pub fn range(&self, room: &str, from: u64, to: u64, path: PathBuf) {
        self.tx
            .send(Job::Range {
                room: room.to_owned(),
                from,
                to,
                path,
            })
            .ok();
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.tx.send(Job::Stop).ok();
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

fn to_sql(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn open(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_millis(200))?;
    // Reading the schema version reads the header and the schema: what is not a journal fails here.
    let _: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         CREATE TABLE IF NOT EXISTS entries (
             seq INTEGER PRIMARY KEY,
             room TEXT NOT NULL,
             private INTEGER NOT NULL,
             id INTEGER NOT NULL,
             time INTEGER NOT NULL,
             json TEXT NOT NULL,
             UNIQUE (room, private, id, time)
         );
         CREATE INDEX IF NOT EXISTS entries_room_time ON entries (room, time);",
    )?;
    Ok(conn)
}

/// What went wrong with this computer's log of conversations; the chat goes on regardless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalTrouble {
    /// The file could not be used: it was moved aside and a new one started.
    MovedAside {
        /// The file.
        path: PathBuf,
        /// Where it was kept.
        kept: PathBuf,
        /// Why it could not be used.
        error: String,
    },
    /// The file could not be used, nor moved aside: nothing is kept.
    Unusable {
        /// Why it could not be used.
        error: String,
        /// Why it could not be moved.
        move_error: String,
    },
    /// No file could be made: nothing is kept.
    CannotMake {
        /// Why.
        error: String,
    },
    /// Writing failed (a full disk): nothing more is kept.
    Stopped {
        /// Why.
        error: String,
    },
}

impl JournalTrouble {
    /// What happened, in `lang`.
    pub fn describe(&self, lang: crate::i18n::Lang) -> String {
        use crate::tr;
        match self {
            Self::MovedAside { path, kept, error } => tr!(
                lang,
                "journal-moved-aside",
                path = path.display().to_string(),
                kept = kept.display().to_string(),
                error = error.as_str()
            ),
            Self::Unusable { error, move_error } => tr!(
                lang,
                "journal-unusable",
                error = error.as_str(),
                move_error = move_error.as_str()
            ),
            Self::CannotMake { error } => tr!(lang, "journal-cannot-make", error = error.as_str()),
            Self::Stopped { error } => tr!(lang, "journal-stopped", error = error.as_str()),
        }
    }
}

/// Opens the file, moving it aside first if it can't be used; `None` (and the app told) if even a
/// new one can't be made.
fn open_or_move_aside(path: &Path, events: &EventSink<JournalEvent>) -> Option<Connection> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).ok();
    }
    match open(path) {
        Ok(conn) => return Some(conn),
        Err(err) => match move_aside(path) {
            Ok(moved) => {
                events.send(JournalEvent::Warning(JournalTrouble::MovedAside {
                    path: path.to_path_buf(),
                    kept: moved,
                    error: err.to_string(),
                }));
            }
            Err(move_err) => {
                events.send(JournalEvent::Warning(JournalTrouble::Unusable {
                    error: err.to_string(),
                    move_error: move_err.to_string(),
                }));
                return None;
            }
        },
    }
    match open(path) {
        Ok(conn) => Some(conn),
        Err(err) => {
            events.send(JournalEvent::Warning(JournalTrouble::CannotMake {
                error: err.to_string(),
            }));
            None
        }
    }
}

/// The journal thread: opens, then writes in batches and answers questions in order.
fn run(path: &Path, rx: &Receiver<Job>, events: &EventSink<JournalEvent>) {
    let mut conn = open_or_move_aside(path, events);
    let mut batch: Vec<(String, ServerMsg)> = Vec::with_capacity(BATCH);
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        let mut questions = Vec::new();
        let mut stop = false;
        while let Some(job) = next.take() {
            match job {
                Job::Keep { room, msg } => batch.push((room, msg)),
                Job::Stop => stop = true,
                question => questions.push(question),
            }
            if !stop && batch.len() < BATCH {
                next = rx.try_recv().ok();
            }
        }
        if let Some(db) = &mut conn
            && !batch.is_empty()
            && let Err(err) = write(db, &batch)
        {
            events.send(JournalEvent::Warning(JournalTrouble::Stopped {
                error: err.to_string(),
            }));
            conn = None;
        }
        batch.clear();
        for question in questions {
            answer(conn.as_ref(), question, events);
        }
        if stop {
            return;
        }
    }
}

fn write(conn: &mut Connection, batch: &[(String, ServerMsg)]) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO entries (room, private, id, time, json) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (room, msg) in batch {
            let Some((private, id, time)) = key(msg) else {
                continue;
            };
            let json = String::from_utf8_lossy(&msg.to_json_line())
                .trim_end()
                .to_owned();
            insert.execute(params![
                room,
                i64::from(private),
                to_sql(id),
                to_sql(time),
                json
            ])?;
        }
    }
    tx.commit()
}

/// Reads what a question asks for (nothing when the log is not there) and sends the answer.
fn answer(conn: Option<&Connection>, question: Job, events: &EventSink<JournalEvent>) {
    let read = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Vec<ServerMsg> {
        let Some(conn) = conn else {
            return Vec::new();
        };
        let rows = conn.prepare_cached(sql).and_then(|mut stmt| {
            stmt.query_map(args, |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<String>, _>>()
        });
        // A row that no longer reads as a message is skipped; a failed read answers nothing.
        rows.unwrap_or_default()
            .iter()
            .filter_map(|json| message::decode_server(json.as_bytes()).ok())
            .collect()
    };
    match question {
        Job::Recall {
            room,
            before,
            limit,
        } => {
            let mut messages = read(
                "SELECT json FROM entries WHERE room = ?1 AND time < ?2 \
                 ORDER BY time DESC, seq DESC LIMIT ?3",
                &[
                    &room,
                    &to_sql(before),
                    &to_sql(limit.min(MAX_ANSWER) as u64),
                ],
            );
            messages.reverse();
            events.send(JournalEvent::Recalled {
                room,
                before,
                messages,
            });
        }
        Job::Range {
            room,
            from,
            to,
            path,
        } => {
            let messages = read(
                "SELECT json FROM entries WHERE room = ?1 AND time >= ?2 AND time <= ?3 \
                 ORDER BY time, seq LIMIT ?4",
                &[
                    &room,
                    &to_sql(from),
                    &to_sql(to),
                    &to_sql(MAX_ANSWER as u64),
                ],
            );
            events.send(JournalEvent::Range {
                room,
                path,
                messages,
            });
        }
        Job::Keep { .. } | Job::Stop => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Chat;

    fn chat(id: u64, time: u64, text: &str) -> ServerMsg {
        ServerMsg::Message(Chat {
            id,
            time,
            from: "bob".into(),
            text: text.into(),
            action: false,
            cid: None,
        })
    }

    fn journal(path: &Path) -> (Journal, Receiver<JournalEvent>) {
        let (tx, rx) = crossbeam_channel::unbounded();
        let journal = Journal::start(path.to_path_buf(), EventSink::new(tx, Arc::new(|| {})))
            .expect("the journal's thread");
        (journal, rx)
    }

    use std::sync::Arc;

    fn next(rx: &Receiver<JournalEvent>) -> JournalEvent {
        rx.recv_timeout(Duration::from_secs(10)).expect("an answer")
    }

    #[test]
    fn what_a_room_said_comes_back_by_time_and_by_day_even_with_ids_used_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let (log, rx) = journal(&path);
        log.keep("a:1", &chat(1, 1_000, "hier, serveur d'avant"));
        log.keep("a:1", &chat(2, 2_000, "hier encore"));
        log.keep("a:1", &chat(2, 2_000, "hier encore")); // seen twice (a reconnection)
        // The same room restarted without its history: ids from 1 again, later times.
        log.keep("a:1", &chat(1, 90_000, "aujourd'hui"));
        log.keep("b:2", &chat(1, 1_500, "another room"));
        log.keep(
            "a:1",
            &ServerMsg::error(crate::protocol::ErrorCode::Flood, "x"),
        );
        drop(log);

        let (log, rx2) = journal(&path);
        drop(rx);
        log.recall("a:1", 90_000, 10);
        let JournalEvent::Recalled { messages, .. } = next(&rx2) else {
            panic!()
        };
        assert_eq!(
            messages,
            [
                chat(1, 1_000, "hier, serveur d'avant"),
                chat(2, 2_000, "hier encore")
            ]
        );
        log.recall("a:1", 90_000, 1);
        let JournalEvent::Recalled { messages, .. } = next(&rx2) else {
            panic!()
        };
        assert_eq!(
            messages,
            [chat(2, 2_000, "hier encore")],
            "the newest of them"
        );
        log.range("a:1", 1_500, 100_000, PathBuf::from("out.txt"));
        let JournalEvent::Range { messages, path, .. } = next(&rx2) else {
            panic!()
        };
        assert_eq!(path, PathBuf::from("out.txt"));
        assert_eq!(
            messages,
            [
                chat(2, 2_000, "hier encore"),
                chat(1, 90_000, "aujourd'hui")
            ]
        );
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_moved_aside_and_the_app_told() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        std::fs::write(&path, vec![7_u8; 3000]).unwrap();
        let (log, rx) = journal(&path);
        let JournalEvent::Warning(warning) = next(&rx) else {
            panic!()
        };
        let warning = warning.describe(crate::i18n::Lang::En);
        assert!(warning.contains("could not be used"), "{warning}");
        assert_eq!(
            std::fs::read(dir.path().join("journal.sqlite.corrupt-1")).unwrap(),
            vec![7_u8; 3000]
        );
        log.keep("a:1", &chat(1, 5, "fresh"));
        log.recall("a:1", 10, 5);
        let JournalEvent::Recalled { messages, .. } = next(&rx) else {
            panic!()
        };
        assert_eq!(messages.len(), 1);
    }
}
