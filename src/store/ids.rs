//! The store's ids: how far ahead of what is written the file reserves each sequence (room,
//! private), so that no id given before a crash is given again, and the writer's account of them.

use rusqlite::{Connection, params};

use super::{Loaded, to_sql};

/// How many ids of each sequence are reserved ahead of what is written: after a crash the room
/// goes on from the reservation, so no id given before the crash (stored or lost with the
/// moment's unwritten messages, at most this many) is given again. A clean stop notes the exact
/// next ids instead, leaving no gap.
pub const ID_RESERVE: u64 = 1_000_000;

/// Notes in the file the ids the room's two sequences go on from, in the caller's transaction
/// if any.
pub(super) fn note_next_ids(conn: &Connection, next: [u64; 2]) -> Result<(), rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO next_ids (private, next) VALUES (?1, ?2) \
         ON CONFLICT (private) DO UPDATE SET next = excluded.next",
    )?;
    for (private, next) in [0_i64, 1].into_iter().zip(next) {
        stmt.execute(params![private, to_sql(next)])?;
    }
    Ok(())
}

/// The writer's account of ids, per sequence (room, private): the next past what it has written
/// (or found), and how far the file's reservation goes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ids {
    /// One past the highest id written or found at open.
    pub(super) next: [u64; 2],
    /// What the file says, as the first id the room may not have given yet after a crash.
    reserved: [u64; 2],
}

impl Ids {
    pub(super) fn at_open(loaded: &Loaded) -> Self {
        let next = [loaded.next_id, loaded.next_private_id];
        Self {
            next,
            reserved: next.map(|n| n.saturating_add(ID_RESERVE)),
        }
    }

    /// Counts `id` of sequence `private` as written.
    pub(super) fn written(&mut self, private: bool, id: u64) {
        let next = &mut self.next[usize::from(private)];
        *next = (*next).max(id.saturating_add(1));
    }

    /// The reservation to note now, when what is written has come within half of its end.
    pub(super) fn reserve_if_low(&mut self) -> Option<[u64; 2]> {
        let low = (0..2).any(|s| self.next[s].saturating_add(ID_RESERVE / 2) > self.reserved[s]);
        low.then(|| {
            self.reserved = self.next.map(|n| n.saturating_add(ID_RESERVE));
            self.reserved
        })
    }
}
