//! What the host's moderators decide, to and from the other sites of a linked room: a ban, a mute,
//! their lifting, a named room's mute by its moderator (and its lifting) or removal from it, a
//! kick of someone at another site, a deletion and a room's clearing go to the
//! others signed by this host's identity ([`House::tell_sites`]); one from another site, its
//! signature checked off the room lock by a site this host trusts, is done here as it was there
//! ([`House::apply_ruling`]) — never on one of this host's owners or moderators — and said in the
//! rooms it concerns, in the server's voice.

use std::collections::HashMap;

use super::House;
use crate::identity::Identity;
use crate::protocol::device::DeviceId;
use crate::protocol::message::Act;
use crate::protocol::name::{self, NameKey};
use crate::protocol::ruling::{MAX_AGE_MS, Ruling};
use crate::protocol::sanitize::{clean_text, is_blank};
use crate::protocol::{ErrorCode, ServerMsg};
use crate::server::mailbox::Mailbox;
use crate::server::moderation::{Kind, Logged, Rule};
use crate::store::{RuleChange, SeenRuling};
use crate::tr;

/// The longest reason taken from another site, in characters.
const MAX_REASON_CHARS: usize = 200;

/// The longest a ruling from another site holds: a year, as here.
const MAX_RULING_MS: u64 = crate::protocol::command::MAX_MINUTES as u64 * 60_000;

/// How long after it was made a kick from another site is still done (milliseconds): a kick is
/// for now, unlike a ban; one read again long after (a site reading the stream afresh at start)
/// must not remove whoever has the name by then.
const KICK_FRESH_MS: u64 = 10 * 60_000;

/// How many rulings taken a host remembers at most; past it, those remembered the shortest go.
const MAX_SEEN: usize = crate::store::MAX_SEEN_RULINGS;

/// The rulings from other sites taken, by their ids, each until it is too old to be taken anyway
/// (so that one published again is not taken twice). Pure: the time is passed in.
#[derive(Debug, Default)]
pub(super) struct SeenRulings(HashMap<String, u64>);

impl SeenRulings {
    /// True the first time `nonce` is seen (then remembered until `until`); false after.
    pub(super) fn first(&mut self, nonce: &str, until: u64, now: u64) -> bool {
        if self.0.contains_key(nonce) {
            return false;
        }
        if self.0.len() >= MAX_SEEN {
            // Rare (rulings are a moderator's acts): those no longer needed go, then if still
            // full, those remembered the shortest.
            self.0.retain(|_, &mut until| until > now);
            while self.0.len() >= MAX_SEEN {
                let Some(soonest) = self
                    .0
                    .iter()
                    .min_by_key(|(_, u)| **u)
                    .map(|(n, _)| n.clone())
                else {
                    break;
                };
                self.0.remove(&soonest);
            }
        }
        self.0.insert(nonce.to_owned(), until);
        true
    }

    /// Those the store kept, still remembered at `now`.
    pub(super) fn restore(&mut self, seen: Vec<SeenRuling>, now: u64) {
        for seen in seen.into_iter().filter(|s| s.until > now).take(MAX_SEEN) {
            self.0.insert(seen.nonce, seen.until);
        }
    }
}

/// The reason a ruling from another site gives, cleaned and cut as a moderator's here is.
fn reason_of(ruling: &Ruling) -> Option<String> {
    let reason = ruling.reason.as_deref()?;
    let reason: String = clean_text(reason).chars().take(MAX_REASON_CHARS).collect();
    (!is_blank(&reason)).then_some(reason)
}

/// The rule a ban or a mute from another site makes here on `shown`: its reason cleaned, and
/// lasting at most [`MAX_RULING_MS`] from `now`, as one made here.
fn rule_of(ruling: &Ruling, shown: &str, by: &str, now: u64) -> Rule {
    Rule {
        shown: shown.to_owned(),
        by: by.to_owned(),
        reason: reason_of(ruling),
        until: ruling.until.map(|until| until.min(now + MAX_RULING_MS)),
    }
}

impl<M: Mailbox> House<M> {
    /// This host signs what its moderators decide with `site` (its identity), for a linked room.
    #[must_use]
    pub fn signing(mut self, site: Option<Identity>) -> Self {
        self.site = site;
        self
    }

    /// Tells the other sites what a moderator here decided, signed, when the default room is
    /// linked (the host's moderation is the host's, whatever room it was done in).
    pub(super) fn tell_sites(&mut self, ruling: &Ruling) {
        if !self.rooms[0].is_linked() {
            return;
        }
        // Dated, and an id of its own: each site takes it once, and not for ever.
        let mut nonce = [0_u8; 16];
        if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce).is_err() {
            log::warn!("link: no random id for a ruling: the other sites are not told");
            return;
        }
        let ruling = ruling.clone().made((self.clock)(), nonce);
        match self
            .site
            .as_ref()
            .and_then(|site| site.sign_ruling(&ruling))
        {
            // What concerns one linked room (a deletion, a clearing, its own moderator's mute or
            // removal) goes in that room's stream: read again from its start, it comes after the
            // messages it is about. The rest is the whole host's, in the default room's.
            Some(signed) => {
                let at = self.linked_room_of(&ruling).unwrap_or(0);
                self.rooms[at].tell_sites(ServerMsg::Ruled(signed));
            }
            None => log::warn!("link: this host's key can't sign: the other sites are not told"),
        }
    }

    /// A moderator's decision from another site, its signature checked and the site trusted: done
    /// here as there, but never on this host's owners or moderators (by name or device).
    pub fn apply_ruling(&mut self, ruling: Ruling) {
        let Ok(by) = name::validate(&ruling.by) else {
            return;
        };
        // Published again (by anyone who can publish on the broker), or too old: not taken.
        let now = (self.clock)();
        if !ruling.is_fresh(now) {
            return;
        }
        if let Some(nonce) = &ruling.nonce {
            let until = ruling.at.unwrap_or(now).saturating_add(MAX_AGE_MS);
            if !self.rulings_seen.first(nonce, until, now) {
                return;
            }
            self.moderation.keep(RuleChange::Seen(SeenRuling {
                nonce: nonce.clone(),
                until,
            }));
        }
        let device = ruling.device.as_deref().and_then(DeviceId::from_hex);
        if self.devices.moderates(device) {
            return;
        }
        self.carry_out(&ruling, by, device, now);
    }

    /// Does `ruling` here, as the moderator `by` did at its site (on `device`'s person, if it
    /// names one), and logs what was done.
    fn carry_out(&mut self, ruling: &Ruling, by: String, device: Option<DeviceId>, now: u64) {
        let said = match ruling.act {
            Act::Ban | Act::Mute => self.ruled_against(ruling, &by, device, now),
            Act::Unban | Act::Unmute => self.ruled_lift(ruling, &by, device),
            Act::Kick => self.ruled_kick(ruling, &by, now),
            Act::Delete => self.ruled_delete(ruling, &by),
            Act::Clear => self.ruled_clear(ruling, &by),
            Act::MuteRoom | Act::UnmuteRoom => self.ruled_room_mute(ruling, &by, now),
            Act::KickRoom => self.ruled_room_kick(ruling, &by, now),
            _ => None,
        };
        if let Some(what) = said {
            self.moderation.log(Logged {
                time: now,
                by,
                what,
            });
        }
    }

    /// One of this host's own rulings back from the stream, signed by its own key, on a host that
    /// keeps no store: at start it reads its linked rooms' streams again from their start to
    /// rebuild their history, and what its moderators decided in an earlier run is done again
    /// where it comes, so that it holds as another site's would. One made in this run was done
    /// when it was made. A deletion is done whenever it was made (a message deleted twice is a
    /// tombstone still); a clearing only while fresh and once, as another site's; a ban or a mute
    /// (the host's, or a room's own) and its lifting while fresh, in the stream's order, on the
    /// name and the device (the address was this host's to know, and is not in the ruling); a
    /// kick was for then, and is not done again.
    pub fn apply_own_ruling(&mut self, ruling: Ruling) {
        if ruling.at.is_none_or(|at| at >= self.started) {
            return;
        }
        let now = (self.clock)();
        match ruling.act {
            Act::Delete => {
                if let Ok(by) = name::validate(&ruling.by) {
                    self.carry_out(&ruling, by, None, now);
                }
            }
            Act::Ban | Act::Unban | Act::Mute | Act::Unmute | Act::MuteRoom | Act::UnmuteRoom
                if ruling.is_fresh(now) =>
            {
                if let Ok(by) = name::validate(&ruling.by) {
                    let device = ruling.device.as_deref().and_then(DeviceId::from_hex);
                    self.carry_out(&ruling, by, device, now);
                }
            }
            Act::Clear => self.apply_ruling(ruling),
            _ => {}
        }
    }

    /// A ban or a mute from another site: kept here too, and the person removed (a ban) if here.
    fn ruled_against(
        &mut self,
        ruling: &Ruling,
        by: &str,
        device: Option<DeviceId>,
        now: u64,
    ) -> Option<String> {
        let name = name::validate(ruling.name.as_deref()?).ok()?;
        let key = NameKey::new(&name);
        let on_device = device.map_or_else(Vec::new, |device| self.moderation.sessions_on(device));
        let targets: Vec<_> = self
            .holder(&key)
            .map(|(session, _)| session)
            .into_iter()
            .chain(on_device)
            .collect();
        if targets.iter().any(|&s| self.moderation.is_moderator(s)) {
            return None;
        }
        // The one who has the name here: their device and (for a ban, as here) their address go
        // with the rule, unless a moderator is on that address too.
        let here = targets.first().copied();
        let device = device.or_else(|| here.and_then(|s| self.moderation.device(s)));
        let ip = here
            .and_then(|s| self.moderation.address(s))
            .filter(|&ip| ruling.act == Act::Ban && !self.moderation.moderator_at(ip));
        let rule = rule_of(ruling, &name, by, now);
        let (kind, said_key) = if ruling.act == Act::Ban {
            (Kind::Ban, "moderation-ban")
        } else {
            (Kind::Mute, "moderation-mute")
        };
        if !self
            .moderation
            .add(kind, (Some(&key), ip, device), &rule, now)
        {
            return None;
        }
        let lang = self.template.lang;
        let said = tr!(lang, said_key, name = name.as_str(), by = by);
        let said = self.with_terms(said, &rule, now);
        let mut rooms: Vec<usize> = targets.iter().flat_map(|&s| self.rooms_of(s)).collect();
        rooms.sort_unstable();
        rooms.dedup();
        for room in rooms {
            self.rooms[room].say_notice(said.clone());
        }
        if kind == Kind::Ban {
            let told = self.with_terms(tr!(lang, "error-removed", by = by), &rule, now);
            for target in targets {
                self.remove_person(target, ErrorCode::Banned, &told);
            }
        }
        Some(said)
    }

    /// Someone here kicked by another site's moderator a moment ago ([`KICK_FRESH_MS`]): removed
    /// from this host, unless they moderate it.
    fn ruled_kick(&mut self, ruling: &Ruling, by: &str, now: u64) -> Option<String> {
        if ruling
            .at
            .is_none_or(|at| at.saturating_add(KICK_FRESH_MS) < now)
        {
            return None;
        }
        let name = name::validate(ruling.name.as_deref()?).ok()?;
        let (target, shown) = self.holder(&NameKey::new(&name))?;
        if self.moderation.is_moderator(target) {
            return None;
        }
        let lang = self.template.lang;
        let rule = Rule {
            shown: shown.clone(),
            by: by.to_owned(),
            reason: reason_of(ruling),
            until: None,
        };
        let said = tr!(lang, "moderation-kick", name = shown.as_str(), by = by);
        let said = self.with_reason(said, &rule);
        for room in self.rooms_of(target) {
            self.rooms[room].say_notice(said.clone());
        }
        let told = self.with_reason(tr!(lang, "error-removed", by = by), &rule);
        self.remove_person(target, ErrorCode::Kicked, &told);
        Some(said)
    }

    /// A ban or a mute lifted at another site: lifted here too.
    fn ruled_lift(
        &mut self,
        ruling: &Ruling,
        by: &str,
        device: Option<DeviceId>,
    ) -> Option<String> {
        let name = name::validate(ruling.name.as_deref()?).ok()?;
        let (kind, said_key) = if ruling.act == Act::Unban {
            (Kind::Ban, "moderation-unban")
        } else {
            (Kind::Mute, "moderation-unmute")
        };
        let lifted = self
            .moderation
            .lift(kind, (Some(&NameKey::new(&name)), None, device));
        (!lifted.is_empty())
            .then(|| tr!(self.template.lang, said_key, name = name.as_str(), by = by))
    }

    /// A named room's mute, or its lifting, by that room's moderator at another site: done in
    /// this host's room of that name, if linked, on whoever has the name here (their address and
    /// device too, as a mute made here), never on one who moderates the room or the host. The
    /// default room has no room moderators: a `mute_room` about it is not taken.
    fn ruled_room_mute(&mut self, ruling: &Ruling, by: &str, now: u64) -> Option<String> {
        let at = self.linked_room_of(ruling).filter(|&at| at != 0)?;
        let name = name::validate(ruling.name.as_deref()?).ok()?;
        let room = self.rooms[at].name().to_owned();
        let holder = self.rooms[at].holder_of(&name);
        if holder
            .as_ref()
            .is_some_and(|&(s, _)| self.moderates_at(s, at))
        {
            return None;
        }
        let target = holder.as_ref().map(|&(s, _)| s);
        let shown = holder.map_or(name, |(_, shown)| shown);
        let key = NameKey::new(&shown);
        let device = target.and_then(|s| self.moderation.device(s));
        let ip = target
            .and_then(|s| self.moderation.address(s))
            .filter(|&ip| !self.moderation.moderator_at(ip));
        let lang = self.template.lang;
        let said = if ruling.act == Act::UnmuteRoom {
            if !self
                .moderation
                .lift_room_mute(&room, (Some(&key), ip, device))
            {
                return None;
            }
            tr!(lang, "moderation-unmute", name = shown.as_str(), by = by)
        } else {
            let rule = rule_of(ruling, &shown, by, now);
            let limit = 2 * super::room_moderators::MAX_ROOM_MUTES;
            if !self
                .moderation
                .add_room_mute(&room, (Some(&key), ip, device), (&rule, limit), now)
            {
                return None;
            }
            let said = tr!(lang, "moderation-mute-room", name = shown.as_str(), by = by);
            self.with_terms(said, &rule, now)
        };
        self.rooms[at].say_notice(said.clone());
        Some(said)
    }

    /// Someone here removed from a named room by that room's moderator at another site a moment
    /// ago ([`KICK_FRESH_MS`], as a kick from the host): out of this host's room of that name,
    /// if linked, unless they moderate it or the host.
    fn ruled_room_kick(&mut self, ruling: &Ruling, by: &str, now: u64) -> Option<String> {
        if ruling
            .at
            .is_none_or(|at| at.saturating_add(KICK_FRESH_MS) < now)
        {
            return None;
        }
        let at = self.linked_room_of(ruling).filter(|&at| at != 0)?;
        let name = name::validate(ruling.name.as_deref()?).ok()?;
        let (target, shown) = self.rooms[at].holder_of(&name)?;
        if self.moderates_at(target, at) {
            return None;
        }
        let rule = Rule {
            shown: shown.clone(),
            by: by.to_owned(),
            reason: reason_of(ruling),
            until: None,
        };
        Some(self.remove_from_room(target, &shown, at, &rule))
    }

    /// The linked room a ruling from another site is about (the default room, or the named one
    /// it names), if this host has it; never one of this host's own rooms that is not linked.
    fn linked_room_of(&self, ruling: &Ruling) -> Option<usize> {
        let at = match ruling.room.as_deref() {
            None => 0,
            Some(room) => self.find(room)?,
        };
        self.rooms[at].is_linked().then_some(at)
    }

    /// A message deleted by another site's moderator: its tombstone here too (its id is the
    /// stream's, the same at every site).
    fn ruled_delete(&mut self, ruling: &Ruling, by: &str) -> Option<String> {
        let id = ruling.id?;
        let at = self.linked_room_of(ruling)?;
        let lang = self.template.lang;
        let from = self.rooms[at].take_out(id, tr!(lang, "moderation-deleted", by = by))?;
        Some(tr!(
            lang,
            "moderation-deleted-log",
            id = id,
            name = from.as_str(),
            by = by
        ))
    }

    /// A linked room's history cleared by another site's moderator: cleared here too.
    fn ruled_clear(&mut self, ruling: &Ruling, by: &str) -> Option<String> {
        let at = self.linked_room_of(ruling)?;
        Some(self.clear(at, by))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ruling_is_taken_once_remembered_until_too_old_and_the_memory_is_bounded() {
        let mut seen = SeenRulings::default();
        assert!(seen.first("aa", 100, 0));
        assert!(!seen.first("aa", 100, 0), "published again");
        // Across a restart: what the store kept, while it is remembered.
        let mut again = SeenRulings::default();
        again.restore(
            vec![
                SeenRuling {
                    nonce: "aa".into(),
                    until: 100,
                },
                SeenRuling {
                    nonce: "bb".into(),
                    until: 50,
                },
            ],
            60,
        );
        assert!(!again.first("aa", 100, 60));
        assert!(
            again.first("bb", 200, 60),
            "forgotten: too old to be taken anyway"
        );
        // Full: those remembered the shortest go first.
        let mut full = SeenRulings::default();
        for n in 0..MAX_SEEN {
            assert!(full.first(&n.to_string(), 1_000 + n as u64, 0));
        }
        assert!(full.first("new", 5_000_000, 0));
        assert_eq!(full.0.len(), MAX_SEEN);
        assert!(!full.0.contains_key("0") && full.0.contains_key("1"));
    }
}
