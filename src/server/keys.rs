//! Typed room passwords (terminals over TLS) checked at most one per processor at a time, each in
//! argon2 memory kept from one check to the next: a flood of wrong passwords from many addresses
//! costs the host a fixed few times 19 MiB and waits its turn, instead of 19 MiB more per attempt
//! (which glibc kept after the attack). Apps prove the password with SPAKE2 from the stored key:
//! no argon2 on the host for them.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Instant;

use crate::protocol::password::{KeyMemory, RoomKey};

/// The argon2 memories of one server: at most `max`, made as they are first needed.
#[derive(Debug)]
pub(super) struct KeyPool {
    /// The memories not in use, and how many were made.
    state: Mutex<(Vec<KeyMemory>, usize)>,
    /// Signalled when a memory is given back.
    returned: Condvar,
    /// How many checks may run at once.
    max: usize,
}

impl KeyPool {
    /// A pool for `max` checks at once (at least one).
    pub(super) fn new(max: usize) -> Self {
        Self {
            state: Mutex::new((Vec::new(), 0)),
            returned: Condvar::new(),
            max: max.max(1),
        }
    }

    /// One check per processor this machine has.
    pub(super) fn per_processor() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from))
    }

    /// Whether `typed` is the password of `key`, once a memory is free; `None` if none was free
    /// by `deadline` (the connection's time is up: nothing was checked).
    pub(super) fn check(&self, key: &RoomKey, typed: &str, deadline: Instant) -> Option<bool> {
        let mut memory = self.take(deadline)?;
        let right = key.matches_in(typed, &mut memory);
        self.lock().0.push(memory);
        self.returned.notify_one();
        Some(right)
    }

    /// A free memory, or a new one while fewer than `max` were made; waits for one until
    /// `deadline`. A new one is made outside the lock.
    fn take(&self, deadline: Instant) -> Option<KeyMemory> {
        let mut state = self.lock();
        loop {
            if let Some(memory) = state.0.pop() {
                return Some(memory);
            }
            if state.1 < self.max {
                state.1 += 1;
                drop(state);
                return Some(KeyMemory::new());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            state = self
                .returned
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<KeyMemory>, usize)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many memories were made (for tests).
    #[cfg(test)]
    fn made(&self) -> usize {
        self.lock().1
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn many_checks_at_once_share_the_pool_and_each_is_right() {
        let pool = Arc::new(KeyPool::new(2));
        let key = Arc::new(RoomKey::new("tournesol").unwrap());
        let deadline = Instant::now() + Duration::from_secs(60);
        let checks: Vec<_> = (0..8)
            .map(|i| {
                let (pool, key) = (Arc::clone(&pool), Arc::clone(&key));
                std::thread::Builder::new()
                    .name(format!("test-check-{i}"))
                    .spawn(move || {
                        let typed = if i % 2 == 0 { "tournesol" } else { "soleil" };
                        pool.check(&key, typed, deadline)
                    })
                    .unwrap()
            })
            .collect();
        let answers: Vec<_> = checks.into_iter().map(|t| t.join().unwrap()).collect();
        let expected: Vec<_> = (0..8).map(|i| Some(i % 2 == 0)).collect();
        assert_eq!(answers, expected);
        assert!(pool.made() <= 2, "{} memories made", pool.made());
    }

    #[test]
    fn a_check_that_cant_get_a_memory_by_its_deadline_checks_nothing() {
        let pool = KeyPool::new(1);
        let key = RoomKey::new("tournesol").unwrap();
        let held = pool
            .take(Instant::now())
            .expect("the first is made at once");
        let soon = Instant::now() + Duration::from_millis(50);
        assert_eq!(pool.check(&key, "tournesol", soon), None);
        pool.lock().0.push(held);
        assert_eq!(
            pool.check(&key, "tournesol", soon + Duration::from_secs(60)),
            Some(true)
        );
    }
}
