//! The people a host knows by their device: its owners, the moderators they named, and the names
//! it keeps for devices that are away (a known device gets its name back; nobody else takes it
//! meanwhile; in a linked room, at every site: once linked, each name kept or given back is told
//! to the link). Kept by the house under the room lock (what must last, the house hands to the
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
    /// Whether the host is linked: then each name kept (`true`) or no longer kept is noted in
    /// `changes`, for the link.
    linked: bool,
    /// The names kept or given back since the house last took them, in order.
    changes: Vec<(String, bool)>,
    /// No kept name ends before this (the soonest end when it was worked out; a name given back
    /// may leave it earlier than need be): until then, nothing is looked for to forget.
    ends: Option<u64>,
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
            Some(folded) => self.unkeep(&folded).is_some(),
            None => false,
        }
    }

    /// Forgets the name kept under `folded`, noting it for the link; what it was.
    fn unkeep(&mut self, folded: &str) -> Option<Kept> {
        let gone = self.kept.remove(folded)?;
        if self.linked {
            self.changes.push((gone.name.clone(), false));
        }
        Some(gone)
    }

    /// Forgets the names whose time ended before `now` (noted for the link): a look through them
    /// only once one may have.
    pub fn forget_ended(&mut self, now: u64) {
        if self.ends.is_none_or(|ends| now < ends) {
            return;
        }
        let ended: Vec<String> = self
            .kept
            .iter()
            .filter(|(_, kept)| kept.until <= now)
            .map(|(folded, _)| folded.clone())
            .collect();
        for folded in ended {
            if let Some(gone) = self.unkeep(&folded) {
                self.names.remove(&gone.device);
            }
        }
        self.ends = self.kept.values().map(|kept| kept.until).min();
    }

    /// Keeps `kept` under `folded` for its device, and when it ends.
    fn insert(&mut self, folded: String, kept: Kept) {
        self.ends = Some(self.ends.map_or(kept.until, |ends| ends.min(kept.until)));
        self.names.insert(kept.device, folded.clone());
        self.kept.insert(folded, kept);
    }

    /// The host is linked from now on: the names kept now, to claim at every site; each one kept
    /// or given back from now on is noted for [`Devices::take_changes`].
    pub fn link(&mut self) -> Vec<String> {
        self.linked = true;
        self.kept.values().map(|kept| kept.name.clone()).collect()
    }

    /// The names kept (`true`) or given back since last asked, for the link, in order.
    pub fn take_changes(&mut self) -> Vec<(String, bool)> {
        std::mem::take(&mut self.changes)
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
            let until = kept.until;
            let name = kept.name;
            self.insert(
                kept.folded,
                Kept {
                    device,
                    until,
                    name,
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
            self.forget_ended(now);
        }
        if self.kept.len() >= MAX_KEPT
            && let Some(first) = self
                .kept
                .iter()
                .min_by_key(|(_, kept)| kept.until)
                .map(|(folded, _)| folded.clone())
            && let Some(gone) = self.unkeep(&first)
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
        if let Some(before) = self.unkeep(&folded) {
            self.names.remove(&before.device);
        }
        if self.linked {
            self.changes.push((name.to_owned(), true));
        }
        self.insert(folded, kept);
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
    fn once_linked_each_name_kept_or_given_back_is_noted_for_the_link_in_order() {
        let (bob, eve) = (DeviceId([1; 32]), DeviceId([2; 32]));
        let mut d = Devices::new([], 1_000);
        d.left(bob, "bob", 0);
        assert!(d.take_changes().is_empty(), "not linked: nothing noted");
        assert_eq!(d.link(), ["bob"], "what is kept when the link starts");
        d.left(eve, "eve", 10);
        d.back(bob);
        // eve's older name is given back for her new one.
        d.left(eve, "evelyne", 20);
        d.forget_ended(1_019);
        d.forget_ended(1_020);
        let changes = d.take_changes();
        let noted: Vec<(&str, bool)> = changes
            .iter()
            .map(|(name, on)| (name.as_str(), *on))
            .collect();
        assert_eq!(
            noted,
            [
                ("eve", true),
                ("bob", false),
                ("eve", false),
                ("evelyne", true),
                ("evelyne", false)
            ]
        );
        assert!(d.take_changes().is_empty(), "taken once");
        assert!(d.kept.is_empty() && d.names.is_empty());
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
