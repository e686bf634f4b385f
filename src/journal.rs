//! The app's own log: every message of a room the app saw (JSON rooms), in an SQLite file beside
//! the settings, so a conversation outlives the host that served it (a room restarted without its
//! history still shows yesterday's) and any day of it can be exported; and what was typed and not
//! yet confirmed by its room (the outbox), so closing the app loses nothing typed.
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
use crate::protocol::{ClientMsg, ServerMsg, message};
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
    /// The private messages of `room` since a time (asked for with [`Journal::privates`]), oldest
    /// first: a room never gives them back, this computer does.
    Privates {
        /// The room (`host:port`).
        room: String,
        /// The messages.
        messages: Vec<ServerMsg>,
    },
    /// What was kept of `room`'s outbox (asked for with [`Journal::recall_outbox`]), oldest first.
    Outbox {
        /// The outbox's key.
        room: String,
        /// The messages, each with its client id.
        unsent: Vec<KeptUnsent>,
    },
    /// Something went wrong, in words: the file was moved aside, or the log stopped.
    Warning(JournalTrouble),
}

/// A message typed and not yet confirmed by its room: what it is sent as (with its client id), and
/// when it was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptUnsent {
    /// The message, as it goes to the room.
    pub msg: ClientMsg,
    /// When it was typed, in milliseconds since the Unix epoch.
    pub time: u64,
}

/// The most messages of one outbox kept (the app holds no more).
pub const MAX_UNSENT: usize = 100;

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
    Privates {
        room: String,
        since: u64,
    },
    SaveOutbox {
        room: String,
        unsent: Vec<KeptUnsent>,
    },
    RecallOutbox {
        room: String,
    },
    Retain {
        days: u32,
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

    /// Keeps `msg` (a message, action, private message, join, leave, rename or greeting; an edit
    /// or reactions written over their message; anything else is skipped) as part of `room`.
    /// Never waits on the disk.
    pub fn keep(&self, room: &str, msg: &ServerMsg) {
        if key(msg).is_some()
            || matches!(
                msg,
                ServerMsg::Edited(_) | ServerMsg::Reacted(_) | ServerMsg::Cleared {}
            )
        {
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

    /// Asks for the private messages of `room` from `since` on (milliseconds since the Unix
    /// epoch); they come as [`JournalEvent::Privates`].
    pub fn privates(&self, room: &str, since: u64) {
        self.tx
            .send(Job::Privates {
                room: room.to_owned(),
                since,
            })
            .ok();
    }

    /// Keeps `unsent` as the whole outbox of `room` (none: an empty one), in place of what was
    /// kept before.
    pub fn save_outbox(&self, room: &str, unsent: Vec<KeptUnsent>) {
        self.tx
            .send(Job::SaveOutbox {
                room: room.to_owned(),
                unsent,
            })
            .ok();
    }

    /// Forgets every message older than `days` days (0: keeps everything), now; what was typed
    /// and not yet sent stays.
    pub fn retain_days(&self, days: u32) {
        if days > 0 {
            self.tx.send(Job::Retain { days }).ok();
        }
    }

    /// Asks for what is kept of `room`'s outbox; it comes as [`JournalEvent::Outbox`].
    pub fn recall_outbox(&self, room: &str) {
        self.tx
            .send(Job::RecallOutbox {
                room: room.to_owned(),
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
         CREATE INDEX IF NOT EXISTS entries_room_time ON entries (room, time);
         CREATE TABLE IF NOT EXISTS outbox (
             room TEXT NOT NULL,
             pos INTEGER NOT NULL,
             time INTEGER NOT NULL,
             json TEXT NOT NULL,
             PRIMARY KEY (room, pos)
         );",
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
        let mut forget =
            tx.prepare_cached("DELETE FROM entries WHERE room = ?1 AND private = 0 AND id = ?2")?;
        for (room, msg) in batch {
            if changed(&tx, room, msg)? {
                continue;
            }
            let Some((private, id, time)) = key(msg) else {
                continue;
            };
            if let ServerMsg::Notice { id: Some(_), .. } = msg {
                // A room message's id again: the host took it out; its tombstone takes its place.
                forget.execute(params![room, to_sql(id)])?;
            }
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

/// A message's change (an edit, reactions, the room cleared) written over what the log keeps, in the
/// caller's transaction; false for anything else.
fn changed(tx: &Connection, room: &str, msg: &ServerMsg) -> Result<bool, rusqlite::Error> {
    match msg {
        // A moderator cleared the room: what it said goes from the log too (not private ones).
        ServerMsg::Cleared {} => {
            tx.prepare_cached("DELETE FROM entries WHERE room = ?1 AND private = 0")?
                .execute([room])?;
        }
        ServerMsg::Edited(chat) => {
            let now = ServerMsg::Message(chat.clone()).to_json_line();
            let now = String::from_utf8_lossy(&now).trim_end().to_owned();
            tx.prepare_cached(
                "UPDATE entries SET json = ?4 \
                 WHERE room = ?1 AND private = 0 AND id = ?2 AND time = ?3",
            )?
            .execute(params![room, to_sql(chat.id), to_sql(chat.time), now])?;
        }
        ServerMsg::Reacted(reacted) => {
            let reactions = serde_json::to_string(&reacted.reactions).unwrap_or_default();
            tx.prepare_cached(
                "UPDATE entries SET json = CASE WHEN ?3 = '[]' THEN json_remove(json, '$.reactions') \
                 ELSE json_set(json, '$.reactions', json(?3)) END \
                 WHERE room = ?1 AND private = 0 AND id = ?2 \
                 AND json_extract(json, '$.type') = 'message'",
            )?
            .execute(params![room, to_sql(reacted.id), reactions])?;
        }
        _ => return Ok(false),
    }
    Ok(true)
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
        Job::Privates { room, since } => {
            let messages = read(
                "SELECT json FROM entries WHERE room = ?1 AND private = 1 AND time >= ?2 \
                 ORDER BY time, seq LIMIT ?3",
                &[&room, &to_sql(since), &to_sql(MAX_ANSWER as u64)],
            );
            events.send(JournalEvent::Privates { room, messages });
        }
        Job::SaveOutbox { room, unsent } => {
            if let Some(conn) = conn
                && let Err(err) = save_outbox(conn, &room, &unsent)
            {
                log::warn!("the outbox could not be kept ({err})");
            }
        }
        Job::Retain { days } => {
            let before = crate::protocol::now_ms().saturating_sub(u64::from(days) * 86_400_000);
            if let Some(conn) = conn
                && let Err(err) =
                    conn.execute("DELETE FROM entries WHERE time < ?1", [to_sql(before)])
            {
                log::warn!("the log's old conversations could not be forgotten ({err})");
            }
        }
        Job::RecallOutbox { room } => {
            let unsent = conn.map(|c| recall_outbox(c, &room)).unwrap_or_default();
            events.send(JournalEvent::Outbox { room, unsent });
        }
        Job::Keep { .. } | Job::Stop => {}
    }
}

fn save_outbox(conn: &Connection, room: &str, unsent: &[KeptUnsent]) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.execute("DELETE FROM outbox WHERE room = ?1", [room])?;
    {
        let mut insert = tx
            .prepare_cached("INSERT INTO outbox (room, pos, time, json) VALUES (?1, ?2, ?3, ?4)")?;
        for (pos, kept) in unsent.iter().take(MAX_UNSENT).enumerate() {
            let json = serde_json::to_string(&kept.msg).unwrap_or_default();
            insert.execute(params![room, to_sql(pos as u64), to_sql(kept.time), json])?;
        }
    }
    tx.commit()
}

/// The kept outbox of `room`, read like anything from the network: a row that is not a message
/// with a client id is skipped, and no more than [`MAX_UNSENT`] are read.
fn recall_outbox(conn: &Connection, room: &str) -> Vec<KeptUnsent> {
    let rows = conn
        .prepare_cached("SELECT json, time FROM outbox WHERE room = ?1 ORDER BY pos LIMIT ?2")
        .and_then(|mut stmt| {
            stmt.query_map(params![room, to_sql(MAX_UNSENT as u64)], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()
        });
    rows.unwrap_or_default()
        .into_iter()
        .filter_map(|(json, time)| {
            let msg = message::decode_client(json.as_bytes()).ok()?;
            let tagged = matches!(
                &msg,
                ClientMsg::Say { cid: Some(_), .. }
                    | ClientMsg::Me { cid: Some(_), .. }
                    | ClientMsg::Msg { cid: Some(_), .. }
            );
            tagged.then(|| KeptUnsent {
                msg,
                time: u64::try_from(time).unwrap_or(0),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Chat;
    use crate::protocol::change::{Reacted, Reaction};

    fn chat(id: u64, time: u64, text: &str) -> ServerMsg {
        ServerMsg::Message(Chat {
            id,
            time,
            from: "bob".into(),
            text: text.into(),
            action: false,
            cid: None,
            ..Default::default()
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

    fn say(text: &str, cid: &str) -> KeptUnsent {
        KeptUnsent {
            msg: ClientMsg::Say {
                text: text.into(),
                cid: Some(cid.into()),
            },
            time: 7,
        }
    }

    fn outbox(log: &Journal, rx: &Receiver<JournalEvent>, room: &str) -> Vec<KeptUnsent> {
        log.recall_outbox(room);
        match next(rx) {
            JournalEvent::Outbox { room: r, unsent } if r == room => unsent,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_outbox_outlives_the_app_and_a_meddled_one_gives_back_only_tagged_messages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let (log, _rx) = journal(&path);
        log.save_outbox("alice in a:1", vec![say("un", "c-1"), say("deux", "c-2")]);
        log.save_outbox("bob in a:1", vec![say("autre", "c-9")]);
        // Saved again: the whole outbox is replaced, in order.
        log.save_outbox(
            "alice in a:1",
            vec![say("deux", "c-2"), say("trois", "c-3")],
        );
        drop(log);

        let (log, rx) = journal(&path);
        assert_eq!(
            outbox(&log, &rx, "alice in a:1"),
            [say("deux", "c-2"), say("trois", "c-3")]
        );
        assert_eq!(outbox(&log, &rx, "bob in a:1"), [say("autre", "c-9")]);
        assert!(outbox(&log, &rx, "carol in a:1").is_empty());
        log.save_outbox("bob in a:1", Vec::new());
        assert!(outbox(&log, &rx, "bob in a:1").is_empty());
        drop(log);

        // Someone with the file: rows that are not a tagged message, and far too many.
        let conn = Connection::open(&path).unwrap();
        let rows: [(i64, &str); 4] = [
            (0, "not json"),
            (1, r#"{"type":"say","text":"sans id"}"#),
            (2, r#"{"type":"hello","version":1,"name":"eve"}"#),
            (3, r#"{"type":"say","text":"ok","cid":"c-4"}"#),
        ];
        for (pos, json) in rows {
            conn.execute(
                "INSERT INTO outbox (room, pos, time, json) VALUES ('eve in a:1', ?1, -5, ?2)",
                params![pos, json],
            )
            .unwrap();
        }
        for pos in 10..1_000 {
            conn.execute(
                "INSERT INTO outbox (room, pos, time, json) VALUES ('many in a:1', ?1, 1, ?2)",
                params![
                    pos,
                    format!(r#"{{"type":"say","text":"{pos}","cid":"c-{pos}"}}"#)
                ],
            )
            .unwrap();
        }
        drop(conn);
        let (log, rx) = journal(&path);
        let mut ok = say("ok", "c-4");
        ok.time = 0;
        assert_eq!(outbox(&log, &rx, "eve in a:1"), [ok]);
        assert_eq!(outbox(&log, &rx, "many in a:1").len(), MAX_UNSENT);
    }

    #[test]
    fn a_room_s_private_messages_come_back_from_a_time_on_and_only_them() {
        let dir = tempfile::tempdir().unwrap();
        let (log, rx) = journal(&dir.path().join("journal.sqlite"));
        let private = |id, time, text: &str| ServerMsg::Private {
            id,
            time,
            from: "alice".into(),
            to: "bob".into(),
            text: text.into(),
            cid: None,
        };
        log.keep("a:1", &private(1, 100, "hier"));
        log.keep("a:1", &chat(5, 200, "salut"));
        log.keep("a:1", &private(2, 300, "psst"));
        log.keep("b:2", &private(3, 400, "ailleurs"));
        log.privates("a:1", 150);
        match next(&rx) {
            JournalEvent::Privates { room, messages } => {
                assert_eq!(room, "a:1");
                assert_eq!(messages, [private(2, 300, "psst")]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_tombstone_takes_the_place_of_the_message_it_removes_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let (log, rx) = journal(&dir.path().join("journal.sqlite"));
        log.keep("a:1", &chat(7, 1_000, "un troll"));
        log.keep("a:1", &chat(8, 2_000, "une réponse"));
        log.keep("b:1", &chat(7, 1_000, "another host's seven"));
        let tombstone = ServerMsg::Notice {
            id: Some(7),
            time: 1_000,
            text: "A message was removed by teacher, a moderator.".into(),
        };
        log.keep("a:1", &tombstone);
        for (room, wanted) in [
            (
                "a:1",
                vec![tombstone.clone(), chat(8, 2_000, "une réponse")],
            ),
            ("b:1", vec![chat(7, 1_000, "another host's seven")]),
        ] {
            log.recall(room, 10_000, 10);
            let JournalEvent::Recalled { messages, .. } = next(&rx) else {
                panic!("recalled")
            };
            assert_eq!(messages, wanted, "{room}");
        }
    }

    #[test]
    fn an_edit_and_reactions_are_written_over_the_message_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let (log, rx) = journal(&dir.path().join("journal.sqlite"));
        log.keep("a:1", &chat(7, 1_000, "dix heures"));
        log.keep("b:1", &chat(7, 1_000, "another host's seven"));
        let ServerMsg::Message(mut now) = chat(7, 1_000, "onze heures") else {
            unreachable!()
        };
        now.edited = true;
        log.keep("a:1", &ServerMsg::Edited(now.clone()));
        let thumbs = vec![Reaction {
            emoji: "👍".into(),
            names: vec!["bob".into()],
        }];
        let bob_reacts = |on, reactions| {
            ServerMsg::Reacted(Reacted {
                id: 7,
                from: "alice".into(),
                name: "bob".into(),
                emoji: "👍".into(),
                on,
                reactions,
            })
        };
        log.keep("a:1", &bob_reacts(true, thumbs.clone()));
        now.reactions = thumbs;
        for (room, wanted) in [
            ("a:1", ServerMsg::Message(now.clone())),
            ("b:1", chat(7, 1_000, "another host's seven")),
        ] {
            log.recall(room, 10_000, 10);
            let JournalEvent::Recalled { messages, .. } = next(&rx) else {
                panic!("recalled")
            };
            assert_eq!(messages, [wanted], "{room}");
        }
        // Every reaction taken back: the message as it was sent, edited.
        log.keep("a:1", &bob_reacts(false, Vec::new()));
        now.reactions = Vec::new();
        log.recall("a:1", 10_000, 10);
        let JournalEvent::Recalled { messages, .. } = next(&rx) else {
            panic!("recalled")
        };
        assert_eq!(messages, [ServerMsg::Message(now)]);
    }

    #[test]
    fn retention_forgets_what_is_older_than_its_days_and_never_the_outbox() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let (log, rx) = journal(&path);
        let day = 86_400_000;
        let now = crate::protocol::now_ms();
        log.keep("a:1", &chat(1, now - 40 * day, "il y a 40 jours"));
        log.keep("a:1", &chat(2, now - 20 * day, "il y a 20 jours"));
        log.keep("a:1", &chat(3, now - day, "hier"));
        log.save_outbox("alice in a:1", vec![say("pas parti", "c-1")]);
        log.retain_days(0);
        log.recall("a:1", now, 10);
        assert!(
            matches!(next(&rx), JournalEvent::Recalled { messages, .. } if messages.len() == 3)
        );
        log.retain_days(30);
        log.recall("a:1", now, 10);
        let JournalEvent::Recalled { messages, .. } = next(&rx) else {
            panic!("recalled")
        };
        assert_eq!(
            messages,
            [
                chat(2, now - 20 * day, "il y a 20 jours"),
                chat(3, now - day, "hier")
            ]
        );
        log.retain_days(7);
        log.recall("a:1", now, 10);
        let JournalEvent::Recalled { messages, .. } = next(&rx) else {
            panic!("recalled")
        };
        assert_eq!(messages, [chat(3, now - day, "hier")]);
        assert_eq!(outbox(&log, &rx, "alice in a:1"), [say("pas parti", "c-1")]);
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
