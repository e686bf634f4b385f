//! `--reactions PCT`: a share of the senders' lines are reactions instead of messages (issue
//! #28's load: what reactions cost a Coucou host). A reaction goes on the newest message any
//! receiver saw, with one of three emoji in turn, so that each one is news the room tells
//! everyone (`reacted`), counted as a delivered line as a message is.

use std::sync::atomic::{AtomicU64, Ordering};

use coucou::protocol::ClientMsg;

/// The emoji a sender puts in turn: three, as many as one person may put on one message.
const EMOJI: [&str; 3] = ["👍", "🎉", "😮"];

/// True when a sender's `n`th line (counted over every sender) is a reaction, `pct` percent of
/// them spread evenly.
pub fn is_reaction(pct: u8, n: u64) -> bool {
    pct > 0 && (n * u64::from(pct)) / 100 != ((n + 1) * u64::from(pct)) / 100
}

/// The reaction a sender sends for its `n`th line, on the newest message seen (none seen yet:
/// `None`, and a message goes instead).
pub fn reaction(newest: &AtomicU64, n: u64) -> Option<ClientMsg> {
    let id = newest.load(Ordering::Relaxed);
    (id > 0).then(|| ClientMsg::React {
        id,
        emoji: EMOJI[(n % 3) as usize].to_owned(),
        on: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_percent_is_one_line_in_ten() {
        let count = (0..1_000).filter(|&n| is_reaction(10, n)).count();
        assert_eq!(count, 100);
        assert_eq!((0..1_000).filter(|&n| is_reaction(0, n)).count(), 0);
    }
}
