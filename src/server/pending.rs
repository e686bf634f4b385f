//! Connections that have not given a name yet: how many, from where, and which one gives way.
//!
//! Nobody can lock the room with sockets that never say anything. Each address may keep only a
//! few connections waiting (a newcomer beyond that is turned away: the flood costs the machine that
//! sends it); and when the whole pool is full, the oldest waiting connection of the address that
//! holds the most gives way to the newcomer, so a real person always gets in. A connection whose
//! name is being checked by the room is never evicted. Pure bookkeeping: the caller closes sockets.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

use super::room::SessionId;

/// How many connections may wait to give a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingLimits {
    /// In all.
    pub total: usize,
    /// From one address.
    pub per_address: usize,
}

/// What [`PendingTable::admit`] decided about a newcomer.
#[derive(Debug, PartialEq, Eq)]
pub enum Admit<S> {
    /// It may wait; `evicted` is the connection that gave way for it, to be closed by the caller.
    Admitted {
        /// The session and socket of the connection that gave way, if the pool was full.
        evicted: Option<(SessionId, S)>,
    },
    /// Its address already has as many connections waiting as it may; turn it away.
    TooManyFromAddress,
    /// The pool is full of connections that are joining right now (none can give way).
    Full,
}

/// One waiting connection.
#[derive(Debug)]
struct Entry<S> {
    /// Where it comes from.
    ip: IpAddr,
    /// When it was accepted; the oldest gives way first.
    since: Instant,
    /// What the caller needs to close it.
    socket: S,
    /// Its name is with the room right now: it can't be evicted.
    joining: bool,
}

/// The waiting connections; `S` is whatever the caller closes an evicted one with.
#[derive(Debug)]
pub struct PendingTable<S> {
    /// The limits.
    limits: PendingLimits,
    /// Every waiting connection.
    entries: HashMap<SessionId, Entry<S>>,
    /// How many wait per address.
    per_address: HashMap<IpAddr, usize>,
}

impl<S> PendingTable<S> {
    /// An empty table.
    pub fn new(limits: PendingLimits) -> Self {
        Self {
            limits,
            entries: HashMap::new(),
            per_address: HashMap::new(),
        }
    }

    /// How many connections wait.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Decides about a newcomer from `ip` accepted at `now`.
    pub fn admit(&mut self, session: SessionId, ip: IpAddr, now: Instant, socket: S) -> Admit<S> {
        let ip = canonical(ip);
        if self.per_address.get(&ip).copied().unwrap_or(0) >= self.limits.per_address {
            return Admit::TooManyFromAddress;
        }
        let mut evicted = None;
        if self.entries.len() >= self.limits.total {
            let Some(victim) = self.victim() else {
                return Admit::Full;
            };
            evicted = self.remove(victim).map(|socket| (victim, socket));
        }
        self.entries.insert(
            session,
            Entry {
                ip,
                since: now,
                socket,
                joining: false,
            },
        );
        *self.per_address.entry(ip).or_default() += 1;
        Admit::Admitted { evicted }
    }

    /// The connection to evict: the oldest of the address with the most waiting, never one joining.
    fn victim(&self) -> Option<SessionId> {
        self.entries
            .iter()
            .filter(|(_, e)| !e.joining)
            .max_by(|(a_id, a), (b_id, b)| {
                let count = |e: &Entry<S>| self.per_address.get(&e.ip).copied().unwrap_or(0);
                count(a)
                    .cmp(&count(b))
                    // Older wins: reverse the time (and the id, for equal times).
                    .then(b.since.cmp(&a.since))
                    .then(b_id.cmp(a_id))
            })
            .map(|(&id, _)| id)
    }

    /// Marks a connection as joining (its name is with the room) or waiting again. False when it is
    /// no longer in the table: it was evicted and must end.
    pub fn set_joining(&mut self, session: SessionId, joining: bool) -> bool {
        match self.entries.get_mut(&session) {
            Some(entry) => {
                entry.joining = joining;
                true
            }
            None => false,
        }
    }

    /// Takes a connection out (it joined, left or was evicted); returns its socket if it was here.
    pub fn remove(&mut self, session: SessionId) -> Option<S> {
        let entry = self.entries.remove(&session)?;
        if let Some(count) = self.per_address.get_mut(&entry.ip) {
            *count -= 1;
            if *count == 0 {
                self.per_address.remove(&entry.ip);
            }
        }
        Some(entry.socket)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`) counts as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::time::Duration;

    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
    }

    fn table(total: usize, per_address: usize) -> PendingTable<&'static str> {
        PendingTable::new(PendingLimits { total, per_address })
    }

    #[test]
    fn an_address_may_keep_only_a_few_waiting() {
        let mut t = table(100, 2);
        let now = Instant::now();
        assert_eq!(
            t.admit(1, ip(1), now, "a"),
            Admit::Admitted { evicted: None }
        );
        assert_eq!(
            t.admit(2, ip(1), now, "b"),
            Admit::Admitted { evicted: None }
        );
        assert_eq!(t.admit(3, ip(1), now, "c"), Admit::TooManyFromAddress);
        assert_eq!(
            t.admit(4, ip(2), now, "d"),
            Admit::Admitted { evicted: None }
        );
        assert_eq!(t.remove(1), Some("a"));
        assert_eq!(
            t.admit(5, ip(1), now, "e"),
            Admit::Admitted { evicted: None }
        );
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn ipv4_mapped_ipv6_counts_as_the_ipv4_address() {
        let mut t = table(100, 1);
        let now = Instant::now();
        let mapped = IpAddr::V6(Ipv4Addr::new(127, 0, 0, 1).to_ipv6_mapped());
        assert_eq!(
            t.admit(1, ip(1), now, "a"),
            Admit::Admitted { evicted: None }
        );
        assert_eq!(t.admit(2, mapped, now, "b"), Admit::TooManyFromAddress);
    }

    #[test]
    fn a_full_pool_evicts_the_oldest_of_the_biggest_holder() {
        let mut t = table(4, 3);
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        // A lone early connection from .9, then three from .1.
        assert!(matches!(
            t.admit(1, ip(9), at(0), "lone"),
            Admit::Admitted { .. }
        ));
        for (id, s) in [(2, 1), (3, 2), (4, 3)] {
            assert!(matches!(
                t.admit(id, ip(1), at(s), "flood"),
                Admit::Admitted { .. }
            ));
        }
        // A newcomer from .2: the oldest of .1's three gives way, not the older lone one.
        assert_eq!(
            t.admit(5, ip(2), at(4), "new"),
            Admit::Admitted {
                evicted: Some((2, "flood"))
            }
        );
        assert_eq!(t.len(), 4);
    }

    #[test]
    fn a_connection_joining_is_never_evicted() {
        let mut t = table(1, 1);
        let now = Instant::now();
        assert!(matches!(
            t.admit(1, ip(1), now, "a"),
            Admit::Admitted { .. }
        ));
        assert!(t.set_joining(1, true));
        assert_eq!(t.admit(2, ip(2), now, "b"), Admit::Full);
        assert!(t.set_joining(1, false));
        assert_eq!(
            t.admit(3, ip(2), now, "c"),
            Admit::Admitted {
                evicted: Some((1, "a"))
            }
        );
        // The evicted session learns it when it tries to join.
        assert!(!t.set_joining(1, true));
    }
}
