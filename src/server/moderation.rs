//! What the host's moderators decided, kept by the house under the room lock: who is a moderator,
//! the bans and mutes (by name, look-alikes included, and by address; a person's device goes with
//! the rule on their name; for a time or until lifted), the mutes a named room's own moderators
//! made there (the same rules, per room, kept in the store too), the locked rooms, slow mode and
//! classroom mode (kept in the store too), each person's address and device, and the moderation
//! log (kept in the store too). Pure: the time is passed in; lookups cost one hash each, whatever
//! the lists' length.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;

use super::room::SessionId;
use crate::protocol::device::DeviceId;
use crate::protocol::name::NameKey;
use crate::store::{Mode, RuleChange, StoredLog, StoredMode, StoredRule};

/// How many bans (or mutes) a host keeps at most; past it, a new one is refused until some are
/// lifted or expire.
pub const MAX_RULES: usize = 100_000;

/// How many entries the moderation log keeps (the oldest go first).
pub const MAX_LOG: usize = 1_000;

/// One ban or mute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The name (as the person had it) or the address, as the lists show it.
    pub shown: String,
    /// Who decided it.
    pub by: String,
    /// Why, if they said.
    pub reason: Option<String>,
    /// When it ends (milliseconds since the Unix epoch); `None`: until lifted.
    pub until: Option<u64>,
}

impl Rule {
    /// True while it holds at `now`.
    fn holds(&self, now: u64) -> bool {
        self.until.is_none_or(|until| now < until)
    }
}

/// Rules by name (either of a name's two keys, so a look-alike meets the rule) and by address.
#[derive(Debug, Default)]
struct Rules {
    /// The rules, by a number of their own.
    all: HashMap<u64, Rule>,
    /// A name rule's number by the folded skeleton of its name.
    folded: HashMap<String, u64>,
    /// A name rule's number by the skeleton of its name as typed.
    as_typed: HashMap<String, u64>,
    /// An address rule's number by its address.
    addresses: HashMap<IpAddr, u64>,
    /// A name rule's number by the device of the person who had the name, when they had one: the
    /// device meets the rule under any name, from any address.
    devices: HashMap<DeviceId, u64>,
    /// The next rule's number.
    next: u64,
    /// No rule ends before this (the soonest end when it was worked out; a lift may leave it
    /// earlier than need be): until then, nothing is looked for to expire.
    ends: Option<u64>,
}

impl Rules {
    /// The rule that holds at `now` for someone called by `key`, at `ip` or on `device`.
    fn find(
        &self,
        key: Option<&NameKey>,
        ip: Option<IpAddr>,
        device: Option<DeviceId>,
        now: u64,
    ) -> Option<&Rule> {
        let by_name = key.into_iter().flat_map(|key| {
            [
                self.folded.get(key.folded()),
                self.as_typed.get(key.as_typed()),
            ]
        });
        let by_address = ip.map(|ip| self.addresses.get(&ip));
        let by_device = device.map(|device| self.devices.get(&device));
        by_name
            .chain(by_address)
            .chain(by_device)
            .flatten()
            .filter_map(|number| self.all.get(number))
            .find(|rule| rule.holds(now))
    }

    /// Adds `rule` for the name `key` (and `device`, with it) and/or the address `ip`, replacing
    /// what held for them. False when the list would hold more than `max` rules.
    fn add(&mut self, (key, ip, device): Marks, rule: &Rule, now: u64, max: usize) -> bool {
        self.expire(now);
        if let Some(key) = key {
            self.lift_name(key);
        }
        if let Some(ip) = ip {
            self.lift_address(ip);
        }
        // A device has one rule of a kind, as a name has (the store forgets the older alike).
        if let Some(number) = device.and_then(|device| self.devices.get(&device).copied()) {
            self.forget(number);
        }
        let wanted = usize::from(key.is_some()) + usize::from(ip.is_some());
        if self.all.len() + wanted > max {
            return false;
        }
        if let Some(key) = key {
            let number = self.insert_name((key.folded(), key.as_typed()), rule.clone());
            if let Some(device) = device {
                self.devices.insert(device, number);
            }
        }
        if let Some(ip) = ip {
            let number = self.push(Rule {
                shown: ip.to_string(),
                ..rule.clone()
            });
            self.addresses.insert(ip, number);
        }
        true
    }

    /// Puts `rule` on the name of these two keys (folded, as typed); its number.
    fn insert_name(&mut self, (folded, as_typed): (&str, &str), rule: Rule) -> u64 {
        let number = self.push(rule);
        self.folded.insert(folded.to_owned(), number);
        self.as_typed.insert(as_typed.to_owned(), number);
        number
    }

    fn push(&mut self, rule: Rule) -> u64 {
        let number = self.next;
        self.next += 1;
        if let Some(until) = rule.until {
            self.ends = Some(self.ends.map_or(until, |ends| ends.min(until)));
        }
        self.all.insert(number, rule);
        number
    }

    /// Lifts the rule on the name `key` (look-alikes included); what it was, if any.
    fn lift_name(&mut self, key: &NameKey) -> Option<Rule> {
        let numbers = [
            self.folded.remove(key.folded()),
            self.as_typed.remove(key.as_typed()),
        ];
        let mut lifted = None;
        for number in numbers.into_iter().flatten() {
            lifted = self.forget(number).or(lifted);
        }
        lifted
    }

    /// Lifts the rules on the name `key` (look-alikes included), the address `ip` and the device
    /// `device` (made on the name it had then); what was lifted.
    fn lift(&mut self, (key, ip, device): Marks) -> Vec<Rule> {
        let by_name = key.and_then(|key| self.lift_name(key));
        let by_address = ip.and_then(|ip| self.lift_address(ip));
        let by_device = device
            .and_then(|device| self.devices.get(&device).copied())
            .and_then(|number| self.forget(number));
        by_name
            .into_iter()
            .chain(by_address)
            .chain(by_device)
            .collect()
    }

    /// Forgets the name rule `number` under all its keys (both of the name's, its device's).
    fn forget(&mut self, number: u64) -> Option<Rule> {
        self.folded.retain(|_, n| *n != number);
        self.as_typed.retain(|_, n| *n != number);
        self.devices.retain(|_, n| *n != number);
        self.all.remove(&number)
    }

    /// Lifts the rule on the address `ip`; what it was, if any.
    fn lift_address(&mut self, ip: IpAddr) -> Option<Rule> {
        let number = self.addresses.remove(&ip)?;
        self.all.remove(&number)
    }

    /// Forgets the rules that ended before `now`: a look through the list only once one may have.
    fn expire(&mut self, now: u64) {
        if self.ends.is_none_or(|ends| now < ends) {
            return;
        }
        let before = self.all.len();
        self.all.retain(|_, rule| rule.holds(now));
        self.ends = self.all.values().filter_map(|rule| rule.until).min();
        if self.all.len() != before {
            let all = &self.all;
            self.folded.retain(|_, n| all.contains_key(n));
            self.as_typed.retain(|_, n| all.contains_key(n));
            self.addresses.retain(|_, n| all.contains_key(n));
            self.devices.retain(|_, n| all.contains_key(n));
        }
    }

    /// The rules that hold at `now`, oldest first.
    fn list(&self, now: u64) -> Vec<Rule> {
        let mut numbered: Vec<(&u64, &Rule)> =
            self.all.iter().filter(|(_, r)| r.holds(now)).collect();
        numbered.sort_by_key(|(number, _)| **number);
        numbered.into_iter().map(|(_, rule)| rule.clone()).collect()
    }
}

/// The sessions whose value in `by_session` is `wanted`, in order.
fn sessions_where<T>(
    by_session: &HashMap<SessionId, T>,
    wanted: impl Fn(&T) -> bool,
) -> Vec<SessionId> {
    let mut sessions: Vec<SessionId> = by_session
        .iter()
        .filter(|(_, value)| wanted(value))
        .map(|(session, _)| *session)
        .collect();
    sessions.sort_unstable();
    sessions
}

/// What a rule is put on: a name, an address, and the device of the person who had the name.
pub type Marks<'a> = (Option<&'a NameKey>, Option<IpAddr>, Option<DeviceId>);

/// Which list a rule goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Kept out of the host.
    Ban,
    /// Kept from speaking.
    Mute,
}

/// One line of the moderation log: as the store keeps it, so that it goes there as it is.
pub type Logged = StoredLog;

/// Where the bans, mutes and modes go to last (the host's store), told every change.
pub struct Keeper(pub Box<dyn Fn(RuleChange) + Send>);

impl std::fmt::Debug for Keeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keeper")
    }
}

/// The host's moderation; see the module docs.
#[derive(Debug, Default)]
pub struct Moderation {
    /// Where the bans, mutes and modes are kept across restarts, if the host keeps a store.
    keeper: Option<Keeper>,
    /// Whether the host has a moderators' password at all.
    pub opers: bool,
    /// The sessions that gave the moderators' password.
    moderators: HashSet<SessionId>,
    /// Each person's address, from their arrival to their leaving.
    addresses: HashMap<SessionId, IpAddr>,
    /// Each person's device, when their app proved one.
    devices: HashMap<SessionId, DeviceId>,
    /// Who is kept out.
    bans: Rules,
    /// Who is kept from speaking.
    mutes: Rules,
    /// Who is kept from speaking in one named room by its own moderators, by room: the same
    /// rules as the host's mutes, kept in the store as theirs are.
    room_mutes: HashMap<String, Rules>,
    /// The rooms where only moderators speak, by name ("" for the default room).
    locked: HashSet<String>,
    /// Slow mode's gap (milliseconds) per room, by name.
    slow: HashMap<String, u64>,
    /// When each person last spoke in a room in slow mode.
    spoke: HashMap<(String, SessionId), u64>,
    /// Classroom mode: private messages and files only to or from moderators.
    classroom: bool,
    /// What moderators did, newest last.
    log: VecDeque<Logged>,
}

impl Moderation {
    /// `session` arrived from `ip`, on `device` if their app proved one.
    pub fn arrived(&mut self, session: SessionId, ip: IpAddr, device: Option<DeviceId>) {
        self.addresses.insert(session, ip);
        if let Some(device) = device {
            self.devices.insert(session, device);
        }
    }

    /// `session` left the host: it is no one's moderator any more.
    pub fn left(&mut self, session: SessionId) {
        self.addresses.remove(&session);
        self.devices.remove(&session);
        self.moderators.remove(&session);
        if !self.spoke.is_empty() {
            self.spoke.retain(|(_, s), _| *s != session);
        }
    }

    /// Where `session` comes from, if they are on the host.
    pub fn address(&self, session: SessionId) -> Option<IpAddr> {
        self.addresses.get(&session).copied()
    }

    /// The device `session` proved, if any.
    pub fn device(&self, session: SessionId) -> Option<DeviceId> {
        self.devices.get(&session).copied()
    }

    /// True when a moderator is on `ip` (the host's own machine, or one they share): an address
    /// never banned or muted with someone else's name.
    pub fn moderator_at(&self, ip: IpAddr) -> bool {
        self.addresses
            .iter()
            .any(|(session, at)| *at == ip && self.moderators.contains(session))
    }

    /// The sessions that come from `ip`.
    pub fn sessions_at(&self, ip: IpAddr) -> Vec<SessionId> {
        sessions_where(&self.addresses, |at| *at == ip)
    }

    /// The sessions on `device`.
    pub fn sessions_on(&self, device: DeviceId) -> Vec<SessionId> {
        sessions_where(&self.devices, |on| *on == device)
    }

    /// `session` gave the moderators' password.
    pub fn promote(&mut self, session: SessionId) {
        self.moderators.insert(session);
    }

    /// `session` is a moderator no more (an owner said so).
    pub fn demote(&mut self, session: SessionId) {
        self.moderators.remove(&session);
    }

    /// Tells the store `change`, if the host keeps one.
    pub fn keep(&self, change: RuleChange) {
        if let Some(keeper) = &self.keeper {
            (keeper.0)(change);
        }
    }

    /// True when `session` is a moderator.
    pub fn is_moderator(&self, session: SessionId) -> bool {
        self.moderators.contains(&session)
    }

    /// True when `kind`'s list holds anything (some may have ended): else nobody need be looked
    /// up in it.
    pub fn any(&self, kind: Kind) -> bool {
        !self.rules(kind).all.is_empty()
    }

    /// The ban (or mute) that holds at `now` for the name `key`, the address `ip` or the device
    /// `device`.
    pub fn find(&self, kind: Kind, (key, ip, device): Marks, now: u64) -> Option<&Rule> {
        self.rules(kind).find(key, ip, device, now)
    }

    /// Puts the name `key` (with `device`, the device of the person who has it) and/or the
    /// address `ip` on `kind`'s list (and in the store); false when it is full.
    pub fn add(&mut self, kind: Kind, (key, ip, device): Marks, rule: &Rule, now: u64) -> bool {
        if !self
            .rules_mut(kind)
            .add((key, ip, device), rule, now, MAX_RULES)
        {
            return false;
        }
        self.keep_added((kind == Kind::Mute, ""), (key, ip, device), rule);
        true
    }

    /// Tells the store of `rule`, new on the name `key` (with `device`) and/or the address `ip`:
    /// a `mute` (else a ban) on the whole host (`room` empty) or in the named room `room`.
    fn keep_added(&self, (mute, room): (bool, &str), (key, ip, device): Marks, rule: &Rule) {
        let Some(keeper) = &self.keeper else {
            return;
        };
        let stored = |name_keys: Option<_>, address: Option<IpAddr>, shown: &str| StoredRule {
            mute,
            device: device
                .filter(|_| name_keys.is_some())
                .map(|device| device.to_hex()),
            name_keys,
            address: address.map(|ip| ip.to_string()),
            shown: shown.to_owned(),
            by: rule.by.clone(),
            reason: rule.reason.clone(),
            until: rule.until,
            room: room.to_owned(),
        };
        if let Some(key) = key {
            (keeper.0)(RuleChange::Add(stored(
                Some(keys_of(key)),
                None,
                &rule.shown,
            )));
        }
        if let Some(ip) = ip {
            (keeper.0)(RuleChange::Add(stored(None, Some(ip), &ip.to_string())));
        }
    }

    /// Tells the store that the rules on the name `key`, the address `ip` and the device `device`
    /// were lifted: mutes (else bans) of the whole host (`room` empty) or of the named room `room`.
    fn keep_lifted(&self, (mute, room): (bool, &str), (key, ip, device): Marks) {
        if let Some(keeper) = &self.keeper {
            (keeper.0)(RuleChange::Lift {
                mute,
                name_keys: key.map(keys_of),
                address: ip.map(|ip| ip.to_string()),
                device: device.map(|device| device.to_hex()),
                room: room.to_owned(),
            });
        }
    }

    /// Keeps every ban and mute in `keeper` from now on, starting from `stored` (what it kept
    /// before: those that no longer read as a rule are left out).
    pub fn keep_in(&mut self, keeper: Keeper, stored: Vec<StoredRule>, now: u64) {
        for kept in stored {
            let kind = if kept.mute { Kind::Mute } else { Kind::Ban };
            let rule = Rule {
                shown: kept.shown,
                by: kept.by,
                reason: kept.reason,
                until: kept.until,
            };
            if !rule.holds(now) {
                continue;
            }
            let rules = if kept.room.is_empty() {
                self.rules_mut(kind)
            } else {
                self.room_mutes.entry(kept.room).or_default()
            };
            if rules.all.len() >= MAX_RULES {
                continue;
            }
            match (kept.name_keys, kept.address.and_then(|a| a.parse().ok())) {
                (Some((folded, typed)), _) => {
                    let number = rules.insert_name((&folded, &typed), rule);
                    if let Some(device) = kept.device.as_deref().and_then(DeviceId::from_hex) {
                        rules.devices.insert(device, number);
                    }
                }
                (None, Some(ip)) => {
                    let number = rules.push(rule);
                    rules.addresses.insert(ip, number);
                }
                (None, None) => {}
            }
        }
        self.keeper = Some(keeper);
    }

    /// Takes the name `key` (look-alikes included), the address `ip`, or the rule on the device
    /// `device` (made on the name it had then), off `kind`'s list; what was lifted.
    pub fn lift(&mut self, kind: Kind, (key, ip, device): Marks) -> Vec<Rule> {
        let lifted = self.rules_mut(kind).lift((key, ip, device));
        if !lifted.is_empty() {
            self.keep_lifted((kind == Kind::Mute, ""), (key, ip, device));
        }
        lifted
    }

    /// True when some named room has mutes of its own moderators (else none is looked for).
    pub fn any_room_mute(&self) -> bool {
        !self.room_mutes.is_empty()
    }

    /// The mute a room's moderators made in the named room `room` that holds at `now` for the
    /// name `key`, the address `ip` or the device `device`.
    pub fn room_mute(&self, room: &str, (key, ip, device): Marks, now: u64) -> Option<&Rule> {
        self.room_mutes.get(room)?.find(key, ip, device, now)
    }

    /// Mutes the name `key` (with `device`) and/or the address `ip` in the named room `room`
    /// (and in the store), as [`Moderation::add`] does on the whole host; false when that room's
    /// list would hold more than `max` rules.
    pub fn add_room_mute(
        &mut self,
        room: &str,
        marks: Marks,
        (rule, max): (&Rule, usize),
        now: u64,
    ) -> bool {
        let added = self
            .room_mutes
            .entry(room.to_owned())
            .or_default()
            .add(marks, rule, now, max);
        if added {
            self.keep_added((true, room), marks, rule);
        }
        added
    }

    /// Lifts the room `room`'s mutes on the name `key`, the address `ip` or the device
    /// `device`, as [`Moderation::lift`] does; true when one was lifted.
    pub fn lift_room_mute(&mut self, room: &str, (key, ip, device): Marks) -> bool {
        let Some(rules) = self.room_mutes.get_mut(room) else {
            return false;
        };
        let lifted = !rules.lift((key, ip, device)).is_empty();
        if rules.all.is_empty() {
            // None left: a message in a room costs nothing again.
            self.room_mutes.remove(room);
        }
        if lifted {
            self.keep_lifted((true, room), (key, ip, device));
        }
        lifted
    }

    /// The named room `room`'s own mutes as they hold at `now`, oldest first.
    pub fn room_list(&self, room: &str, now: u64) -> Vec<Rule> {
        self.room_mutes
            .get(room)
            .map_or_else(Vec::new, |rules| rules.list(now))
    }

    /// `kind`'s list as it holds at `now`, oldest first.
    pub fn list(&self, kind: Kind, now: u64) -> Vec<Rule> {
        self.rules(kind).list(now)
    }

    /// Locks (or unlocks) the room `room` ("" for the default room); false if it already was.
    pub fn set_locked(&mut self, room: &str, locked: bool) -> bool {
        let changed = if locked {
            self.locked.insert(room.to_owned())
        } else {
            self.locked.remove(room)
        };
        if changed {
            self.keep_mode(Mode::Locked, room, u64::from(locked));
        }
        changed
    }

    /// True when only moderators speak in the room `room`.
    pub fn is_locked(&self, room: &str) -> bool {
        self.locked.contains(room)
    }

    /// Sets slow mode's gap in the room `room` (`0`: off); false if it already was so.
    pub fn set_slow(&mut self, room: &str, millis: u64) -> bool {
        let before = if millis == 0 {
            self.slow.remove(room)
        } else {
            self.slow.insert(room.to_owned(), millis)
        };
        self.spoke.retain(|(r, _), _| r != room);
        let changed = before.unwrap_or(0) != millis;
        if changed {
            self.keep_mode(Mode::Slow, room, millis);
        }
        changed
    }

    /// True in classroom mode: private messages and files only to or from moderators.
    pub fn classroom(&self) -> bool {
        self.classroom
    }

    /// Turns classroom mode on or off; false if it already was so.
    pub fn set_classroom(&mut self, on: bool) -> bool {
        if self.classroom == on {
            return false;
        }
        self.classroom = on;
        self.keep_mode(Mode::Classroom, "", u64::from(on));
        true
    }

    /// Tells the store that `mode` is now `value` in `room` (`0`: off).
    fn keep_mode(&self, mode: Mode, room: &str, value: u64) {
        self.keep(RuleChange::Mode(StoredMode {
            mode,
            room: room.to_owned(),
            value,
        }));
    }

    /// Turns on again the modes the store kept (rooms locked, slow mode, classroom mode), without
    /// telling it again.
    pub fn restore_modes(&mut self, stored: Vec<StoredMode>) {
        for kept in stored {
            match kept.mode {
                Mode::Locked => {
                    self.locked.insert(kept.room);
                }
                Mode::Slow => {
                    self.slow.insert(kept.room, kept.value);
                }
                Mode::Classroom => self.classroom = true,
            }
        }
    }

    /// In slow mode, how long `session` must still wait before speaking in `room` (milliseconds);
    /// `None` when they may, which counts as having spoken at `now`.
    pub fn slow_wait(&mut self, room: &str, session: SessionId, now: u64) -> Option<u64> {
        let gap = *self.slow.get(room)?;
        let key = (room.to_owned(), session);
        if let Some(&last) = self.spoke.get(&key) {
            let next = last.saturating_add(gap);
            if now < next {
                return Some(next - now);
            }
        }
        self.spoke.insert(key, now);
        None
    }

    /// Writes what a moderator did in the log.
    pub fn log(&mut self, entry: Logged) {
        self.keep(RuleChange::Logged(entry.clone()));
        self.push_log(entry);
    }

    fn push_log(&mut self, entry: Logged) {
        if self.log.len() >= MAX_LOG {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    /// Puts back the log's lines the store kept (oldest first), without telling it again.
    pub fn restore_log(&mut self, stored: Vec<StoredLog>) {
        for line in stored {
            self.push_log(line);
        }
    }

    /// The newest `count` entries of the log, oldest first.
    pub fn recent(&self, count: usize) -> Vec<Logged> {
        let skip = self.log.len().saturating_sub(count);
        self.log.iter().skip(skip).cloned().collect()
    }

    fn rules(&self, kind: Kind) -> &Rules {
        match kind {
            Kind::Ban => &self.bans,
            Kind::Mute => &self.mutes,
        }
    }

    fn rules_mut(&mut self, kind: Kind) -> &mut Rules {
        match kind {
            Kind::Ban => &mut self.bans,
            Kind::Mute => &mut self.mutes,
        }
    }
}

/// A name's two keys as the store keeps them.
fn keys_of(key: &NameKey) -> (String, String) {
    (key.folded().to_owned(), key.as_typed().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(shown: &str, until: Option<u64>) -> Rule {
        Rule {
            shown: shown.into(),
            by: "teacher".into(),
            reason: None,
            until,
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_ban_by_name_meets_look_alikes_and_a_ban_by_address_meets_any_name() {
        let mut m = Moderation::default();
        let bob = NameKey::new("bob");
        assert!(m.add(
            Kind::Ban,
            (Some(&bob), Some(ip("10.0.0.7")), None),
            &rule("bob", None),
            0
        ));
        let found = |m: &Moderation, name: &str, at: &str| {
            m.find(
                Kind::Ban,
                (Some(&NameKey::new(name)), Some(ip(at)), None),
                5,
            )
            .map(|r| r.shown.clone())
        };
        assert_eq!(found(&m, "BOB", "10.0.0.9"), Some("bob".into()));
        assert_eq!(
            found(&m, "b\u{043E}b", "10.0.0.9"),
            Some("bob".into()),
            "Cyrillic о"
        );
        assert_eq!(found(&m, "carol", "10.0.0.7"), Some("10.0.0.7".into()));
        assert_eq!(found(&m, "carol", "10.0.0.9"), None);
        assert_eq!(
            m.find(Kind::Mute, (Some(&bob), None, None), 5),
            None,
            "a ban is no mute"
        );
    }

    #[test]
    fn a_rule_for_a_time_ends_and_a_lifted_one_is_gone_with_both_its_keys() {
        let mut m = Moderation::default();
        let key = NameKey::new("Ian");
        m.add(
            Kind::Mute,
            (Some(&key), None, None),
            &rule("Ian", Some(100)),
            0,
        );
        assert!(
            m.find(Kind::Mute, (Some(&NameKey::new("lan")), None, None), 99)
                .is_some()
        );
        assert!(
            m.find(Kind::Mute, (Some(&key), None, None), 100).is_none(),
            "ended"
        );
        m.add(
            Kind::Ban,
            (Some(&key), Some(ip("::1")), None),
            &rule("Ian", None),
            0,
        );
        let lifted = m.lift(Kind::Ban, (Some(&NameKey::new("ian")), None, None));
        assert_eq!(lifted.len(), 1);
        assert!(
            m.find(Kind::Ban, (Some(&NameKey::new("lan")), None, None), 1)
                .is_none()
        );
        assert!(
            m.find(Kind::Ban, (None, Some(ip("::1")), None), 1)
                .is_some(),
            "the address stays"
        );
        assert_eq!(m.list(Kind::Ban, 1).len(), 1);
        m.lift(Kind::Ban, (None, Some(ip("::1")), None));
        assert!(m.list(Kind::Ban, 1).is_empty());
    }

    #[test]
    fn a_device_meets_its_rule_under_any_name_and_address_until_its_name_is_lifted() {
        let mut m = Moderation::default();
        let (troll, device, other) = (NameKey::new("troll"), DeviceId([1; 32]), DeviceId([2; 32]));
        m.add(
            Kind::Mute,
            (Some(&troll), None, Some(device)),
            &rule("troll", None),
            0,
        );
        let found = |m: &Moderation, name: &str, device| {
            let key = NameKey::new(name);
            m.find(Kind::Mute, (Some(&key), Some(ip("10.0.0.8")), device), 5)
                .map(|r| r.shown.clone())
        };
        assert_eq!(found(&m, "angel", Some(device)), Some("troll".into()));
        assert_eq!(found(&m, "angel", Some(other)), None, "another device");
        assert_eq!(found(&m, "angel", None), None, "a terminal");
        assert_eq!(found(&m, "TROLL", Some(other)), Some("troll".into()));
        assert_eq!(m.lift(Kind::Mute, (Some(&troll), None, None)).len(), 1);
        assert_eq!(
            found(&m, "angel", Some(device)),
            None,
            "lifted with its name"
        );
        m.add(
            Kind::Mute,
            (Some(&troll), None, Some(device)),
            &rule("troll", None),
            0,
        );
        let angel = NameKey::new("angel");
        assert_eq!(
            m.lift(Kind::Mute, (Some(&angel), None, Some(device))).len(),
            1
        );
        assert_eq!(
            found(&m, "troll", None),
            None,
            "lifted by its device, its name too"
        );
        m.add(
            Kind::Ban,
            (Some(&troll), None, Some(device)),
            &rule("troll", Some(10)),
            0,
        );
        assert!(m.find(Kind::Ban, (None, None, Some(device)), 9).is_some());
        assert!(
            m.find(Kind::Ban, (None, None, Some(device)), 10).is_none(),
            "ended"
        );
        m.arrived(4, ip("10.0.0.8"), Some(device));
        assert_eq!(m.device(4), Some(device));
        m.left(4);
        assert_eq!(m.device(4), None);
    }

    #[test]
    fn the_lists_are_bounded_and_expired_rules_make_room() {
        let mut m = Moderation::default();
        for n in 0..MAX_RULES {
            let key = NameKey::new(&format!("n{n}"));
            assert!(m.add(Kind::Ban, (Some(&key), None, None), &rule("x", Some(10)), 0));
        }
        let key = NameKey::new("one-more");
        assert!(
            !m.add(Kind::Ban, (Some(&key), None, None), &rule("x", None), 1),
            "full"
        );
        assert!(
            m.add(Kind::Ban, (Some(&key), None, None), &rule("x", None), 10),
            "the rest ended"
        );
        assert_eq!(m.list(Kind::Ban, 10).len(), 1);
    }

    #[test]
    fn moderators_and_addresses_end_with_the_session_and_the_log_keeps_the_newest() {
        let mut m = Moderation::default();
        m.arrived(1, ip("10.0.0.1"), None);
        m.arrived(2, ip("10.0.0.1"), None);
        m.promote(1);
        assert!(m.is_moderator(1) && !m.is_moderator(2));
        assert_eq!(m.sessions_at(ip("10.0.0.1")), vec![1, 2]);
        m.left(1);
        assert!(!m.is_moderator(1));
        assert_eq!(m.address(1), None);
        for n in 0..=MAX_LOG as u64 {
            m.log(Logged {
                time: n,
                by: "t".into(),
                what: n.to_string(),
            });
        }
        let recent = m.recent(2);
        assert_eq!(
            recent.iter().map(|l| l.time).collect::<Vec<_>>(),
            vec![999, 1000]
        );
        assert!(m.set_locked("", true) && !m.set_locked("", true));
        assert!(m.is_locked("") && !m.is_locked("Projet"));
    }

    #[test]
    fn slow_mode_lets_one_message_through_per_gap_per_person_and_room() {
        let mut m = Moderation::default();
        assert_eq!(m.slow_wait("", 1, 0), None, "no slow mode");
        assert!(m.set_slow("", 30_000) && !m.set_slow("", 30_000));
        assert_eq!(m.slow_wait("", 1, 1_000), None);
        assert_eq!(m.slow_wait("", 1, 11_000), Some(20_000));
        assert_eq!(m.slow_wait("", 2, 11_000), None, "each person their own");
        assert_eq!(m.slow_wait("Projet", 1, 11_000), None, "each room its own");
        assert_eq!(m.slow_wait("", 1, 31_000), None);
        m.left(1);
        assert_eq!(
            m.slow_wait("", 1, 31_001),
            None,
            "a new session starts afresh"
        );
        assert!(m.set_slow("", 0));
        assert_eq!(m.slow_wait("", 2, 11_001), None, "off");
    }
}
