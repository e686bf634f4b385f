//! Reads the store for people in the room, on their session's thread: pages of older messages,
//! one message for a reply or a reaction, searches of one room or several, and a device's own
//! private messages. Its own connection: reading never waits on the writer (nor the room lock on
//! either), only, for at most a second, until what was queued before the read is written.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::Job;
use super::jobs::Jobs;
use super::{privates, to_sql};
use crate::protocol::device::DeviceId;
use crate::protocol::message::Found;
use crate::protocol::search::Query;
use crate::protocol::{Chat, ServerMsg, message};

/// Reads the store for people in the room: pages of older messages and searches. It has its own
/// connection, so reading never waits on the writer (nor the room lock on either).
pub struct Reader {
    conn: Mutex<Connection>,
    /// The writer's queue: a read first waits until what was queued before it is written.
    writer: Arc<Jobs>,
}

impl fmt::Debug for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader").finish_non_exhaustive()
    }
}

/// How long a read waits for the writer to catch up at most.
const SYNC_PATIENCE: Duration = Duration::from_secs(1);

impl Reader {
    pub(super) fn open(path: &Path, writer: Arc<Jobs>) -> Result<Self, rusqlite::Error> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_millis(200))?;
        Ok(Self {
            conn: Mutex::new(conn),
            writer,
        })
    }

    /// The connection, once what was queued before this call is written (or a second has
    /// passed): what a person has seen in the room, they find.
    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        let (done, written) = crossbeam_channel::bounded(1);
        if self.writer.send(Job::Sync(done)) {
            written.recv_timeout(SYNC_PATIENCE).ok();
        }
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The default room's messages (those newcomers get) with ids below `before` (all when
    /// `None`), the newest `limit` of them, oldest first; and whether there are older ones still.
    pub fn page(
        &self,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<ServerMsg>, bool), rusqlite::Error> {
        self.page_in(None, before, limit)
    }

    /// [`Reader::page`] of the named room `room` (`None`: the default room).
    pub fn page_in(
        &self,
        room: Option<&str>,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<ServerMsg>, bool), rusqlite::Error> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(match room {
            None => {
                "SELECT json FROM messages WHERE private = 0 AND in_history = 1 AND id < ?1 \
                 AND room = ?3 ORDER BY id DESC LIMIT ?2"
            }
            Some(_) => {
                "SELECT json FROM messages WHERE private = 0 AND in_history = 1 AND id < ?1 \
                 AND room = ?3 AND room <> '' ORDER BY id DESC LIMIT ?2"
            }
        })?;
        let rows = stmt.query_map(
            params![
                to_sql(before.unwrap_or(u64::MAX)),
                to_sql(limit as u64 + 1),
                room.unwrap_or("")
            ],
            |row| row.get::<_, String>(0),
        )?;
        let mut page = Vec::with_capacity(limit);
        let mut more = false;
        for json in rows {
            if page.len() == limit {
                more = true;
                break;
            }
            if let Ok(msg) = message::decode_server(json?.as_bytes()) {
                page.push(msg);
            }
        }
        page.reverse();
        Ok((page, more))
    }

    /// The message `id` of the room `room` (`None`: the default room) as it is kept now, if it
    /// is one of that room's messages (never a private one).
    pub fn message_in(&self, room: Option<&str>, id: u64) -> Result<Option<Chat>, rusqlite::Error> {
        let conn = self.conn();
        let json: Option<String> = conn
            .prepare_cached(
                "SELECT json FROM messages WHERE private = 0 AND id = ?1 AND room = ?2",
            )?
            .query_row(params![to_sql(id), room.unwrap_or("")], |row| row.get(0))
            .optional()?;
        Ok(
            json.and_then(|json| match message::decode_server(json.as_bytes()) {
                Ok(ServerMsg::Message(chat)) => Some(chat),
                _ => None,
            }),
        )
    }

    /// The newest room messages (never private ones) that hold every word of `words`, case and
    /// accents ignored ("cafe" finds "café"), at most `limit`, each with the room's message before
    /// and after it. Any text is a safe query: it is read as words, never as search syntax.
    pub fn search(&self, words: &str, limit: usize) -> Result<Vec<Found>, rusqlite::Error> {
        self.search_in(None, words, limit)
    }

    /// [`Reader::search`] of the named room `room` (`None`: the default room): nothing said in
    /// another room is found.
    pub fn search_in(
        &self,
        room: Option<&str>,
        words: &str,
        limit: usize,
    ) -> Result<Vec<Found>, rusqlite::Error> {
        self.search_among(&[room], words, limit)
    }

    /// [`Reader::search`] of the rooms `rooms` together (`None`: the default room), newest
    /// first; with more than one, each result from a named room says which.
    pub fn search_among(
        &self,
        rooms: &[Option<&str>],
        words: &str,
        limit: usize,
    ) -> Result<Vec<Found>, rusqlite::Error> {
        let Some(query) = Query::parse(words) else {
            return Ok(Vec::new());
        };
        let query = fts_query(&query);
        let wanted: Vec<&str> = rooms.iter().map(|r| r.unwrap_or("")).collect();
        let tag = rooms.len() > 1;
        let conn = self.conn();
        // The index knows no rooms: its hits, newest first, are read until `limit` of them are
        // the room's.
        let mut hits = conn
            .prepare_cached("SELECT rowid FROM search WHERE search MATCH ?1 ORDER BY rowid DESC")?;
        let mut at =
            conn.prepare_cached("SELECT json, room FROM messages WHERE private = 0 AND id = ?1")?;
        let mut ids = Vec::with_capacity(limit);
        let mut rows = hits.query(params![query])?;
        while ids.len() < limit
            && let Some(row) = rows.next()?
        {
            let id: i64 = row.get(0)?;
            let said: Option<(String, String)> = at
                .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            if let Some((json, room)) = said.filter(|(_, room)| wanted.contains(&room.as_str())) {
                ids.push((id, json, room));
            }
        }
        drop(rows);
        let mut found = Vec::with_capacity(ids.len());
        for (id, json, room) in ids {
            let msg = message::decode_server(json.as_bytes()).ok();
            let (before, after) = (
                chat_near(&conn, id, &room, Near::Before)?,
                chat_near(&conn, id, &room, Near::After)?,
            );
            let tagged = (tag && !room.is_empty()).then_some(room);
            match msg {
                Some(ServerMsg::Message(chat)) => {
                    found.push(Found::message(chat, before, after).in_room(tagged));
                }
                Some(ServerMsg::File(offer)) => {
                    found.push(Found::file(offer, before, after).in_room(tagged));
                }
                _ => {}
            }
        }
        Ok(found)
    }

    /// The private messages `device` sent or was sent (only those kept since the host knew
    /// devices) with ids below `before` (all when `None`), the newest `limit` of them, oldest
    /// first; and whether there are older ones still.
    pub fn privates(
        &self,
        device: DeviceId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<ServerMsg>, bool), rusqlite::Error> {
        privates::page(&self.conn(), device, before, limit)
    }

    /// The newest of `device`'s private messages that hold every word of `words`, at most
    /// `limit`, newest first (among its newest 10,000).
    pub fn search_privates(
        &self,
        device: DeviceId,
        words: &str,
        limit: usize,
    ) -> Result<Vec<Found>, rusqlite::Error> {
        privates::search(&self.conn(), device, words, limit)
    }
}

/// Where [`chat_near`] looks, from an id.
#[derive(Clone, Copy)]
enum Near {
    /// The nearest below it.
    Before,
    /// The nearest above it.
    After,
}

/// The room message (`message`: not a join, a leave, a greeting or a file) nearest to `id`,
/// before or after it.
fn chat_near(
    conn: &Connection,
    id: i64,
    room: &str,
    near: Near,
) -> Result<Option<Chat>, rusqlite::Error> {
    let sql = match near {
        Near::Before => {
            "SELECT json FROM messages WHERE private = 0 AND id < ?1 AND room = ?2 \
             AND json LIKE '{\"type\":\"message\"%' ORDER BY id DESC LIMIT 1"
        }
        Near::After => {
            "SELECT json FROM messages WHERE private = 0 AND id > ?1 AND room = ?2 \
             AND json LIKE '{\"type\":\"message\"%' ORDER BY id ASC LIMIT 1"
        }
    };
    let json: Option<String> = conn
        .prepare_cached(sql)?
        .query_row(params![id, room], |row| row.get(0))
        .optional()?;
    Ok(
        match json.and_then(|j| message::decode_server(j.as_bytes()).ok()) {
            Some(ServerMsg::Message(chat)) => Some(chat),
            _ => None,
        },
    )
}

/// The query as FTS5 reads it: each word quoted (nothing typed is query syntax), the last one
/// also a prefix when the rule says so ([`Query`]).
fn fts_query(query: &Query) -> String {
    let last = query.words().len() - 1;
    query
        .words()
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last && query.last_is_prefix() {
                format!("\"{w}\"*")
            } else {
                format!("\"{w}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
