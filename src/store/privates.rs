//! A device's own private messages, given back by the host: which devices a private message was
//! between (two columns of `messages`, kept from this version on), a page of them, and a search
//! of them. Nobody is given a private message by name: only the devices at its two ends get it.

use rusqlite::{Connection, params};

use super::to_sql;
use crate::protocol::device::DeviceId;
use crate::protocol::message::Found;
use crate::protocol::search::Query;
use crate::protocol::{Chat, ServerMsg, message};

/// The devices at the two ends of a private message, when their apps proved one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ends {
    /// The sender's device.
    pub from: Option<DeviceId>,
    /// The recipient's device.
    pub to: Option<DeviceId>,
}

/// How many of a device's newest private messages a search looks through at most (they have no
/// search index of their own: a device's are few beside the room's).
pub const SEARCH_SCAN: usize = 10_000;

/// Gives `messages` its two device columns (a file from before them gets them empty: the private
/// messages it holds were never bound to a device, and go back to nobody) and their indexes. An
/// older Coucou reading the file names its columns, and is unharmed.
pub(super) fn create(conn: &Connection) -> Result<(), rusqlite::Error> {
    for column in ["from_device", "to_device"] {
        let has = conn
            .prepare("SELECT 1 FROM pragma_table_info('messages') WHERE name = ?1")?
            .exists([column])?;
        if !has {
            conn.execute(
                &format!("ALTER TABLE messages ADD COLUMN {column} TEXT"),
                [],
            )?;
        }
        conn.execute(
            &format!(
                "CREATE INDEX IF NOT EXISTS messages_{column} ON messages ({column}, id) \
                 WHERE {column} IS NOT NULL"
            ),
            [],
        )?;
    }
    Ok(())
}

/// The hex form a device column holds (`None`: no device).
pub(super) fn column(device: Option<DeviceId>) -> Option<String> {
    device.map(|d| d.to_hex())
}

/// The private messages `device` sent or was sent, with ids below `before` (all when `None`), the
/// newest `limit` of them, oldest first; and whether there are older ones still.
pub(super) fn page(
    conn: &Connection,
    device: DeviceId,
    before: Option<u64>,
    limit: usize,
) -> Result<(Vec<ServerMsg>, bool), rusqlite::Error> {
    let mut page = Vec::with_capacity(limit);
    let mut more = false;
    for_each_newest(conn, device, before, limit + 1, |msg| {
        if page.len() == limit {
            more = true;
        } else {
            page.push(msg);
        }
    })?;
    page.reverse();
    Ok((page, more))
}

/// `device`'s newest private messages that hold every word of `words` (as a room search reads
/// them), at most `limit`, newest first, each as a result that says whom it was to.
pub(super) fn search(
    conn: &Connection,
    device: DeviceId,
    words: &str,
    limit: usize,
) -> Result<Vec<Found>, rusqlite::Error> {
    let Some(query) = Query::parse(words) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for_each_newest(conn, device, None, SEARCH_SCAN, |msg| {
        if found.len() < limit
            && let ServerMsg::Private {
                id,
                time,
                from,
                to,
                text,
                ..
            } = msg
            && query.matches(&text)
        {
            let chat = Chat {
                id,
                time,
                from,
                text,
                ..Default::default()
            };
            found.push(Found::private(chat, to));
        }
    })?;
    Ok(found)
}

/// Calls `each` with `device`'s private messages below `before`, newest first, at most `limit`
/// rows read (a row that no longer reads as a private message is skipped).
fn for_each_newest(
    conn: &Connection,
    device: DeviceId,
    before: Option<u64>,
    limit: usize,
    mut each: impl FnMut(ServerMsg),
) -> Result<(), rusqlite::Error> {
    // Each end by its own index, merged: SQLite reads an OR of two indexed columns as two scans.
    let mut stmt = conn.prepare_cached(
        "SELECT json FROM messages WHERE private = 1 AND id < ?1 \
         AND (from_device = ?2 OR to_device = ?2) ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![
            to_sql(before.unwrap_or(u64::MAX)),
            device.to_hex(),
            to_sql(limit as u64)
        ],
        |row| row.get::<_, String>(0),
    )?;
    for json in rows {
        if let Ok(msg @ ServerMsg::Private { .. }) = message::decode_server(json?.as_bytes()) {
            each(msg);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Retention, Store};

    fn private(id: u64, from: &str, to: &str, text: &str) -> ServerMsg {
        ServerMsg::Private {
            id,
            time: 1_700_000_000_000 + id,
            from: from.into(),
            to: to.into(),
            text: text.into(),
            cid: None,
        }
    }

    fn texts(page: &[ServerMsg]) -> Vec<&str> {
        page.iter()
            .filter_map(|m| match m {
                ServerMsg::Private { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_file_from_before_devices_opens_and_its_private_messages_go_back_to_nobody() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.sqlite");
        let (store, _, _) = Store::open(&path, 10, Retention::default()).unwrap();
        store.keep(&private(1, "bob", "alice", "kept before devices"), false);
        drop(store);
        // As an older Coucou left it: no device columns (its rows kept).
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "DROP INDEX messages_from_device; DROP INDEX messages_to_device;
                 ALTER TABLE messages DROP COLUMN from_device;
                 ALTER TABLE messages DROP COLUMN to_device;",
            )
            .unwrap();
        }
        let (store, loaded, moved) = Store::open(&path, 10, Retention::default()).unwrap();
        assert!(moved.is_none(), "opened, not moved aside");
        assert!(loaded.next_private_id > 1);
        let (alice, bob) = (DeviceId([1; 32]), DeviceId([2; 32]));
        let ends = Ends {
            from: Some(alice),
            to: Some(bob),
        };
        store.keep_private_in(None, &private(2, "alice", "bob", "bound to devices"), ends);
        let half = Ends {
            from: None,
            to: Some(alice),
        };
        store.keep_private_in(None, &private(3, "dave", "alice", "from a terminal"), half);
        let reader = store.reader();
        let (page, more) = reader.privates(alice, None, 10).unwrap();
        assert_eq!(texts(&page), ["bound to devices", "from a terminal"]);
        assert!(!more);
        let (page, _) = reader.privates(bob, None, 10).unwrap();
        assert_eq!(texts(&page), ["bound to devices"]);
        let (page, _) = reader.privates(DeviceId([3; 32]), None, 10).unwrap();
        assert!(page.is_empty(), "nobody else's");
        let found = reader.search_privates(alice, "TERMINAL", 10).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].to.as_deref(), Some("alice"));
        assert!(
            reader
                .search_privates(bob, "terminal", 10)
                .unwrap()
                .is_empty()
        );
        assert!(
            reader
                .search_privates(alice, "before", 10)
                .unwrap()
                .is_empty(),
            "the old row is bound to no device"
        );
    }
}
