//! Counted places: how many of something one key (an address, a ticket, a person) holds at
//! once, each place given back when its guard is dropped.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// The places held, by key; a key holding none is forgotten.
#[derive(Debug)]
pub(super) struct Slots<K> {
    held: Mutex<HashMap<K, usize>>,
}

impl<K> Default for Slots<K> {
    fn default() -> Self {
        Self {
            held: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone> Slots<K> {
    /// One more place for `key`, held until the guard is dropped; `None` when it holds `most`.
    pub(super) fn take(&self, key: K, most: usize) -> Option<Slot<'_, K>> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let count = held.entry(key.clone()).or_insert(0);
        if *count >= most {
            if *count == 0 {
                held.remove(&key);
            }
            return None;
        }
        *count += 1;
        Some(Slot { slots: self, key })
    }
}

/// One place held in [`Slots`]; given back when dropped.
#[derive(Debug)]
pub(super) struct Slot<'a, K: Eq + Hash> {
    slots: &'a Slots<K>,
    key: K,
}

impl<K: Eq + Hash> Drop for Slot<'_, K> {
    fn drop(&mut self) {
        let mut held = self
            .slots
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = held.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_holds_at_most_its_places_and_gets_them_back_when_they_are_dropped() {
        let slots = Slots::default();
        let first = slots.take("a", 2).expect("one");
        let second = slots.take("a", 2).expect("two");
        assert!(slots.take("a", 2).is_none(), "a third");
        assert!(slots.take("b", 2).is_some(), "another key is apart");
        drop(first);
        let third = slots.take("a", 2).expect("a place back");
        drop((second, third));
        assert!(
            slots.held.lock().unwrap().is_empty(),
            "nothing held, nothing kept"
        );
        assert!(slots.take("z", 0).is_none());
        assert!(slots.held.lock().unwrap().is_empty());
    }
}
