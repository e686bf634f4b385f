//! The people a host knows by their device: its owners, the moderators they named, and the names
//! it keeps for devices that are away (a known device gets its name back; nobody else takes it
//! meanwhile). Kept by the house under the room lock (what must last, the house hands to the
//! store); pure: the time is passed in, and every lookup is one hash.

use std::collections::{HashMap, HashSet};

use crate::protocol::device::DeviceId;
use crate::protocol::name::NameKey;
use crate::store::KeptName;

/// How many names a host keeps for devices away at most; past it, the one whose time ends first
/// goes.
pub const MAX_KEPT: usize = 10_000;

/// How long a device's name is kept for it after it leaves, unless the host says otherwise: a
/// week (milliseconds).
pub const DEFAULT_KEEP_MS: u64 = 7 * 24 * 3600 * 1000;

/// A name kept for a device away.
#[derive(Debug, Clone)]
struct Kept {
    device: DeviceId,
    until: u64,
    name: String,
}

/// The host's devices; see the module docs.
#[derive(Debug, Default)]
pub struct Devices {
    /// The owners' devices: moderators from their arrival.
    owners: HashSet<DeviceId>,
    /// The devices the owners named moderators: moderators from their arrival too.
    named: HashSet<DeviceId>,
    /// The devices the owners named moderators of named rooms, with those rooms.
    room_named: HashMap<DeviceId, HashSet<String>>,
    /// How long a name is kept for its device after it leaves (milliseconds); 0: not kept.
    keep_ms: u64,
    /// The names kept, by their folded skeleton (a look-alike meets it): for which device, until
    /// when, and the name as it was.
    kept: HashMap<String, Kept>,
    /// The name each device away has kept (its folded skeleton).
    names: HashMap<DeviceId, String>,
}

impl Devices {
    /// A host whose owners are `owners`, keeping a name for its device `keep_ms` after it leaves.
    pub fn new(owners: impl IntoIterator<Item = DeviceId>, keep_ms: u64) -> Self {
        Self {
            owners: owners.into_iter().collect(),
            keep_ms,
            ..Self::default()
        }
    }

    /// True when `device` is one of the host's owners.
    pub fn is_owner(&self, device: Option<DeviceId>) -> bool {
        device.is_some_and(|device| self.owners.contains(&device))
    }

    /// True when `device` is a moderator from its arrival: an owner, or named by one.
    pub fn moderates(&self, device: Option<DeviceId>) -> bool {
        self.is_owner(device) || device.is_some_and(|device| self.named.contains(&device))
    }

    /// True when `device` moderates the named room `room` (and no other): an owner named it so.
    pub fn moderates_room(&self, device: Option<DeviceId>, room: &str) -> bool {
        device
            .and_then(|device| self.room_named.get(&device))
            .is_some_and(|rooms| rooms.contains(room))
    }

    /// An owner named `device` a moderator (`on`), or one no more: of the whole host (`room`
    /// `None`), or of the named room `room`.
    pub fn name(&mut self, device: DeviceId, room: Option<&str>, on: bool) {
        match (room, on) {
            (None, true) => {
                self.named.insert(device);
            }
            (None, false) => {
                self.named.remove(&device);
            }
            (Some(room), true) => {
                self.room_named
                    .entry(device)
                    .or_default()
                    .insert(room.to_owned());
            }
            (Some(room), false) => {
                if let Some(rooms) = self.room_named.get_mut(&device) {
                    rooms.remove(room);
                    if rooms.is_empty() {
                        self.room_named.remove(&device);
                    }
                }
            }
        }
    }

    /// The name like `key` kept at `now` for a device other than `device` (for any, when
    /// `device` is none: a terminal), as that device had it.
    pub fn kept_from(&self, key: &NameKey, device: Option<DeviceId>, now: u64) -> Option<String> {
        self.kept
            .get(key.folded())
            .filter(|kept| now < kept.until && Some(kept.device) != device)
            .map(|kept| kept.name.clone())
    }

    /// `device` is back: the name kept for it is free again (it is theirs while they are here).
    /// True when one was kept.
    pub fn back(&mut self, device: DeviceId) -> bool {
        match self.names.remove(&device) {
            Some(folded) => self.kept.remove(&folded).is_some(),
            None => false,
        }
    }

    /// The names a store kept (those kept longest first), as they were at `now`.
    pub fn restore(&mut self, kept: impl IntoIterator<Item = KeptName>, now: u64) {
        for kept in kept {
            let Some(device) = DeviceId::from_hex(&kept.device) else {
                continue;
            };
            if self.kept.len() >= MAX_KEPT || kept.until <= now {
                continue;
            }
            if self.names.contains_key(&device) || self.kept.contains_key(&kept.folded) {
                continue;
            }
            self.names.insert(device, kept.folded.clone());
            let until = kept.until;
            self.kept.insert(
                kept.folded,
                Kept {
                    device,
                    until,
                    name: kept.name,
                },
            );
        }
    }

    /// `device` left under the name `name` at `now`: it is kept for them; what the store should
    /// keep (nothing when the host keeps no names).
    pub fn left(&mut self, device: DeviceId, name: &str, now: u64) -> Option<KeptName> {
        if self.keep_ms == 0 {
            return None;
        }
        self.back(device);
        if self.kept.len() >= MAX_KEPT {
            self.kept.retain(|_, kept| now < kept.until);
            let names = &mut self.names;
            names.retain(|_, folded| self.kept.contains_key(folded));
        }
        if self.kept.len() >= MAX_KEPT
            && let Some(first) = self
                .kept
                .iter()
                .min_by_key(|(_, kept)| kept.until)
                .map(|(folded, _)| folded.clone())
            && let Some(gone) = self.kept.remove(&first)
        {
            self.names.remove(&gone.device);
        }
        let folded = NameKey::new(name).folded().to_owned();
        let kept = Kept {
            device,
            until: now.saturating_add(self.keep_ms),
            name: name.to_owned(),
        };
        let stored = KeptName {
            device: device.to_hex(),
            folded: folded.clone(),
            name: name.to_owned(),
            until: kept.until,
        };
        if let Some(before) = self.kept.insert(folded.clone(), kept) {
            self.names.remove(&before.device);
        }
        self.names.insert(device, folded);
        Some(stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_kept_for_its_device_look_alikes_included_for_the_time_set() {
        let (bob, other) = (DeviceId([1; 32]), DeviceId([2; 32]));
        let mut d = Devices::new([], 1_000);
        d.left(bob, "bob", 0);
        for name in ["bob", "BOB", "b\u{043E}b"] {
            assert_eq!(
                d.kept_from(&NameKey::new(name), Some(other), 999)
                    .as_deref(),
                Some("bob"),
                "{name}"
            );
            assert!(
                d.kept_from(&NameKey::new(name), None, 999).is_some(),
                "a terminal"
            );
            assert!(
                d.kept_from(&NameKey::new(name), Some(bob), 999).is_none(),
                "its own"
            );
        }
        assert!(
            d.kept_from(&NameKey::new("bob"), Some(other), 1_000)
                .is_none(),
            "ended"
        );
        d.back(bob);
        assert!(
            d.kept_from(&NameKey::new("bob"), None, 1).is_none(),
            "back: theirs while here"
        );
        let mut off = Devices::new([], 0);
        off.left(bob, "bob", 0);
        assert!(
            off.kept_from(&NameKey::new("bob"), None, 1).is_none(),
            "a host that keeps none"
        );
    }

    #[test]
    fn a_device_keeps_one_name_and_the_list_is_bounded() {
        let mut d = Devices::new([DeviceId([9; 32])], 1_000_000_000);
        assert!(d.is_owner(Some(DeviceId([9; 32]))) && !d.is_owner(None));
        let bob = DeviceId([1; 32]);
        d.left(bob, "bob", 0);
        d.left(bob, "robert", 1);
        assert!(
            d.kept_from(&NameKey::new("bob"), None, 2).is_none(),
            "its older name is free"
        );
        assert!(d.kept_from(&NameKey::new("robert"), None, 2).is_some());
        for n in 0..=MAX_KEPT {
            let mut id = [0; 32];
            id[..8].copy_from_slice(&(n as u64 + 10).to_le_bytes());
            d.left(DeviceId(id), &format!("n{n}"), 10 + n as u64);
        }
        assert_eq!(d.kept.len(), MAX_KEPT);
        assert_eq!(d.names.len(), MAX_KEPT);
        assert!(
            d.kept_from(&NameKey::new("robert"), None, 3).is_none(),
            "the first to end went"
        );
    }
}
