//! What the host's moderators do, carried out by the house under the room lock: kick, ban and
//! unban (by name, look-alikes included, and by address), mute and unmute, lock and unlock a room,
//! the lists; and the checks they put on everyone else (who may arrive, take a name, speak). What
//! a moderator did is said in the room in the server's own voice and kept in the moderation log.

use std::net::IpAddr;
use std::sync::Arc;

use super::room_moderators::is_room_act;
use super::{House, shown};
use crate::protocol::command::{self, Moderate};
use crate::protocol::device::DeviceId;
use crate::protocol::message::{Act, ListedRule, RULES_LISTED, RuleKind};
use crate::protocol::name::NameKey;
use crate::protocol::ruling::Ruling;
use crate::protocol::sanitize::{clean_text, is_blank};
use crate::protocol::{Command, ErrorCode, LeaveReason, ServerMsg};
use crate::server::mailbox::Mailbox;
use crate::server::moderation::{Keeper, Kind, Logged, Rule};
use crate::server::room::{Next, Room, SessionId};
use crate::store::KeptModeration;
use crate::tr;

/// How long a reason may be, in characters (the rest is cut).
const MAX_REASON_CHARS: usize = 200;

/// How many people one person may ignore.
const MAX_IGNORED: usize = 100;

/// How many lines of the moderation log `/modlog` shows.
const LOG_SHOWN: usize = 20;

/// How many bans `/bans` lists (the oldest first); past it, how many more there are.
const BANS_SHOWN: usize = 50;

impl<M: Mailbox> House<M> {
    /// Whether someone called `raw_name` may arrive from `ip`: the words of the ban that keeps
    /// them out, if one does.
    pub(super) fn ban_on(
        &self,
        raw_name: &str,
        ip: IpAddr,
        device: Option<DeviceId>,
    ) -> Option<String> {
        if !self.moderation.any(Kind::Ban) {
            return None;
        }
        let now = (self.clock)();
        let rule = self.moderation.find(
            Kind::Ban,
            (Some(&NameKey::new(raw_name)), Some(ip), device),
            now,
        )?;
        let lang = self.template.lang;
        Some(self.with_terms(lang.tr("error-banned"), rule, now))
    }

    /// Whether the host has a moderators' password (`/oper` is in everyone's help then).
    #[must_use]
    pub fn moderated(mut self, has_password: bool) -> Self {
        self.moderation.opers = has_password;
        self
    }

    /// What `/help` adds to the room's list for `session` in the room `at`: `/oper` on a host with
    /// a moderators' password, the moderators' commands for a moderator (of that room: its own).
    pub(super) fn help_more(&mut self, session: SessionId, at: usize, echo: Option<&str>) {
        let lang = self.template.lang;
        let text = if self.moderation.is_moderator(session) {
            command::moderator_help(lang)
        } else if self.moderates_at(session, at) {
            command::room_moderator_help(lang)
        } else if self.moderation.opers {
            command::oper_help(lang)
        } else {
            return;
        };
        let notice = self.notice(text);
        self.answer(session, echo, &notice);
    }

    /// Keeps the bans, mutes, moderators, kept names, rulings taken, modes and the log in `keeper`
    /// (the host's store) from now on, starting from those it kept before.
    pub fn keep_moderation(
        &mut self,
        keeper: Keeper,
        KeptModeration {
            rules: stored,
            moderators: named,
            kept_names: kept,
            rulings_seen: seen,
            modes,
            log,
        }: KeptModeration,
    ) {
        let now = (self.clock)();
        self.moderation.restore_modes(modes);
        self.moderation.restore_log(log);
        self.moderation.keep_in(keeper, stored, now);
        self.devices.restore(kept, now);
        self.rulings_seen.restore(seen, now);
        for named in named {
            if let Some(device) = DeviceId::from_hex(&named.device) {
                let room = Some(named.room.as_str()).filter(|r| !r.is_empty());
                self.devices.name(device, room, true);
            }
        }
    }

    /// `session` gave the moderators' password: they are one now, and told so.
    pub fn promote(&mut self, session: SessionId) {
        self.moderation.promote(session);
        let owner = self.devices.is_owner(self.moderation.device(session));
        self.answer(session, None, &ServerMsg::Moderator { owner, on: true });
    }

    /// Why `session` may not say `command` in the room `at`, if they may not: muted (by name or
    /// address), the room locked or in slow mode, a private message in classroom mode. Moderators
    /// always may.
    pub(super) fn silenced(
        &mut self,
        session: SessionId,
        at: usize,
        command: &Command,
    ) -> Option<(ErrorCode, String)> {
        if !matches!(
            command,
            Command::Say(_)
                | Command::Me(_)
                | Command::Msg { .. }
                | Command::Reply { .. }
                | Command::Edit { .. }
                | Command::React { .. }
        ) || self.moderation.is_moderator(session)
        {
            return None;
        }
        let lang = self.template.lang;
        let now = (self.clock)();
        // On every message: nothing is worked out for a list that is empty or a mode that is off.
        if self.moderation.any(Kind::Mute) {
            let key = self.rooms[at].key_of(session)?;
            let ip = self.moderation.address(session);
            let device = self.moderation.device(session);
            if let Some(rule) = self
                .moderation
                .find(Kind::Mute, (Some(key), ip, device), now)
            {
                return Some((
                    ErrorCode::Muted,
                    self.with_terms(lang.tr("error-muted"), rule, now),
                ));
            }
        }
        if let Some(text) = self.muted_in_room(session, at) {
            // A private message is not said in the room: a room's mute leaves it.
            if !matches!(command, Command::Msg { .. }) {
                return Some((ErrorCode::Muted, text));
            }
        }
        if let Command::Msg { to, .. } = command {
            if !self.moderation.classroom() {
                return None;
            }
            let to_moderator = self
                .holder(&NameKey::new(to))
                .is_some_and(|(s, _)| self.moderation.is_moderator(s));
            return (!to_moderator).then(|| (ErrorCode::Muted, lang.tr("error-classroom-private")));
        }
        let room = Self::room_key(&self.rooms, at);
        // A room's own moderators speak in it, locked or slow (asked only then: not per message).
        if self.moderation.is_locked(room) {
            return (!self.moderates_at(session, at))
                .then(|| (ErrorCode::Muted, lang.tr("error-locked")));
        }
        let wait = self.moderation.slow_wait(room, session, now)?;
        if self.moderates_at(session, at) {
            return None;
        }
        let seconds = wait.div_ceil(1000).max(1);
        Some((ErrorCode::Flood, tr!(lang, "error-slow", seconds = seconds)))
    }

    /// In classroom mode, why `session` may not offer a file (to `to`, or to the room): only to
    /// or from moderators.
    pub fn file_refused(&self, session: SessionId, to: Option<&str>) -> Option<String> {
        if !self.moderation.classroom() || self.moderation.is_moderator(session) {
            return None;
        }
        let to_moderator = to
            .and_then(|to| self.holder(&NameKey::new(to)))
            .is_some_and(|(s, _)| self.moderation.is_moderator(s));
        (!to_moderator).then(|| self.template.lang.tr("error-classroom-files"))
    }

    /// The name `new` is banned: the words why (a rename to it is refused).
    pub(super) fn name_banned(&self, new: &str) -> Option<String> {
        if !self.moderation.any(Kind::Ban) {
            return None;
        }
        let now = (self.clock)();
        let rule = self
            .moderation
            .find(Kind::Ban, (Some(&NameKey::new(new)), None, None), now)?;
        Some(self.with_terms(self.template.lang.tr("error-name-banned"), rule, now))
    }

    /// Carries out a moderator's act, asked by `session` in the room `at`.
    pub(super) fn moderate(
        &mut self,
        session: SessionId,
        at: usize,
        echo: Option<&str>,
        asked: Moderate,
    ) -> Next {
        let lang = self.template.lang;
        let refuse = |house: &mut Self, code, text: String| {
            house.answer(session, echo, &ServerMsg::error(code, text));
            Next::Continue
        };
        // The host's moderators do anything anywhere; a room's, what concerns their room there.
        let host_wide = self.moderation.is_moderator(session);
        if !host_wide && !self.moderates_at(session, at) {
            return refuse(
                self,
                ErrorCode::NotModerator,
                lang.tr("error-not-moderator"),
            );
        }
        if !host_wide && !is_room_act(asked.act) {
            let text = lang.tr("error-room-moderator-only");
            return refuse(self, ErrorCode::NotModerator, text);
        }
        let Some((by, _, _)) = self.rooms[at].member(session) else {
            return Next::Close;
        };
        let named = asked
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let needs_name = matches!(
            asked.act,
            Act::Kick | Act::Ban | Act::Unban | Act::Mute | Act::Unmute | Act::Op | Act::Deop
        );
        let name = match (named, needs_name) {
            (Some(name), _) => shown(name),
            (None, false) => String::new(),
            (None, true) => {
                let usage = match asked.act {
                    Act::Kick => "/kick <name> [reason]",
                    Act::Ban => "/ban <name|address> [10m|2h|3d] [reason]",
                    Act::Unban => "/unban <name|address>",
                    Act::Mute => "/mute <name> [10m|2h|3d] [reason]",
                    Act::Op => "/op <name>",
                    Act::Deop => "/deop <name>",
                    _ => "/unmute <name>",
                };
                let text = tr!(lang, "error-usage", usage = usage);
                return refuse(self, ErrorCode::BadUsage, text);
            }
        };
        let now = (self.clock)();
        let rule = Rule {
            shown: name.clone(),
            by: by.clone(),
            reason: asked
                .reason
                .as_deref()
                .map(|r| {
                    clean_text(r)
                        .chars()
                        .take(MAX_REASON_CHARS)
                        .collect::<String>()
                })
                .filter(|r| !is_blank(r)),
            until: asked
                .minutes
                .map(|m| now + u64::from(m.min(crate::protocol::command::MAX_MINUTES)) * 60_000),
        };
        let outcome = match asked.act {
            Act::Kick if !host_wide => self.kick_from_room(session, at, &rule),
            Act::Mute | Act::Unmute if !host_wide => {
                self.mute_in_room(session, at, &rule, asked.act == Act::Mute)
            }
            // In a named room, the host's moderators lift its own mute first, else the host's.
            Act::Unmute if at != 0 => self
                .mute_in_room(session, at, &rule, false)
                .or_else(|_| self.lift(asked.act, &name, &by)),
            Act::Kick | Act::Ban | Act::Mute => self.against(session, asked.act, &rule, now),
            Act::Unban | Act::Unmute => self.lift(asked.act, &name, &by),
            Act::Op | Act::Deop if !self.devices.is_owner(self.moderation.device(session)) => {
                Err((ErrorCode::NotModerator, lang.tr("error-not-owner")))
            }
            // Typed in a named room: a moderator of that room.
            Act::Op | Act::Deop if at != 0 => {
                self.name_room_moderator(at, asked.act == Act::Op, &name, &by)
            }
            Act::Op | Act::Deop => self.name_moderator(asked.act == Act::Op, &name, &by),
            Act::Lock | Act::Unlock => {
                let locking = asked.act == Act::Lock;
                let room = Self::room_key(&self.rooms, at).to_owned();
                if self.moderation.set_locked(&room, locking) {
                    let key = if locking {
                        "moderation-lock"
                    } else {
                        "moderation-unlock"
                    };
                    let text = tr!(lang, key, by = by.as_str());
                    self.rooms[at].say_notice(text.clone());
                    Ok(Some(text))
                } else {
                    Err((
                        ErrorCode::BadUsage,
                        lang.tr(if locking {
                            "error-locked-already"
                        } else {
                            "error-unlocked-already"
                        }),
                    ))
                }
            }
            Act::Slow => {
                let seconds = asked.seconds.unwrap_or(0).min(command::MAX_SLOW_SECONDS);
                let room = Self::room_key(&self.rooms, at).to_owned();
                if self.moderation.set_slow(&room, u64::from(seconds) * 1000) {
                    let text = if seconds == 0 {
                        tr!(lang, "moderation-slow-off", by = by.as_str())
                    } else {
                        tr!(lang, "moderation-slow", by = by.as_str(), seconds = seconds)
                    };
                    self.rooms[at].say_notice(text.clone());
                    Ok(Some(text))
                } else {
                    Err((ErrorCode::BadUsage, lang.tr("error-slow-already")))
                }
            }
            Act::Classroom => {
                let on = asked.on.unwrap_or(true);
                if !self.moderation.set_classroom(on) {
                    Err((ErrorCode::BadUsage, lang.tr("error-classroom-already")))
                } else {
                    let key = if on {
                        "moderation-classroom"
                    } else {
                        "moderation-classroom-off"
                    };
                    let text = tr!(lang, key, by = by.as_str());
                    // Host-wide: every room hears it.
                    for room in &mut self.rooms {
                        room.say_notice(text.clone());
                    }
                    Ok(Some(text))
                }
            }
            Act::Delete => self.delete(at, asked.id, &by),
            Act::Clear => {
                let text = self.clear(at, &by);
                // In a linked room, every site clears it too.
                self.tell_sites(&Ruling {
                    room: (at != 0).then(|| self.rooms[at].name().to_owned()),
                    ..Ruling::about(Act::Clear, None, &by)
                });
                Ok(Some(text))
            }
            Act::Bans => {
                let text = self.rules_text(at, now);
                let notice = self.notice(text);
                self.answer(session, echo, &notice);
                Ok(None)
            }
            // A room's moderator: that room's own mutes only.
            Act::Rules => {
                let listed = self.rules_listed_for_app(at, now, host_wide);
                self.answer(session, echo, &listed);
                Ok(None)
            }
            Act::Log => {
                let text = self.log_text(now);
                let notice = self.notice(text);
                self.answer(session, echo, &notice);
                Ok(None)
            }
            // The sites' own acts, never a client's: a room's moderator types `/mute` or `/kick`
            // in the room.
            Act::MuteRoom | Act::UnmuteRoom | Act::KickRoom => {
                let usage = match asked.act {
                    Act::KickRoom => "/kick <name> [reason]",
                    Act::UnmuteRoom => "/unmute <name>",
                    _ => "/mute <name> [10m|2h|3d] [reason]",
                };
                Err((ErrorCode::BadUsage, tr!(lang, "error-usage", usage = usage)))
            }
        };
        match outcome {
            Ok(Some(what)) => {
                self.moderation.log(Logged {
                    time: now,
                    by,
                    what,
                });
                Next::Continue
            }
            Ok(None) => Next::Continue,
            Err((code, text)) => refuse(self, code, text),
        }
    }

    /// A kick, ban or mute of `rule.shown` (a name; to ban, an address too) by `session`: what
    /// the room was told, or why not.
    fn against(
        &mut self,
        session: SessionId,
        act: Act,
        rule: &Rule,
        now: u64,
    ) -> Result<Option<String>, (ErrorCode, String)> {
        let lang = self.template.lang;
        let address = (act == Act::Ban)
            .then(|| rule.shown.parse::<IpAddr>().ok())
            .flatten();
        let key = NameKey::new(&rule.shown);
        // Who it falls on: everyone from the address, or the one who holds the name.
        let targets: Vec<SessionId> = match address {
            Some(ip) => self.moderation.sessions_at(ip),
            None => self.holder(&key).map(|(s, _)| s).into_iter().collect(),
        };
        // Someone at another site of a linked room: muted here and, told, there; kicked there.
        let remote = targets.is_empty()
            && self
                .rooms
                .iter()
                .any(|room| room.is_linked() && room.clash(&key, session).is_some());
        if act != Act::Ban && targets.is_empty() && !remote {
            let text = tr!(lang, "error-no-such-user", name = rule.shown.as_str());
            return Err((ErrorCode::NoSuchUser, text));
        }
        if let Some(&protected) = targets
            .iter()
            .find(|&&s| s == session || self.moderation.is_moderator(s))
        {
            let name = self.name_of(protected).unwrap_or_default();
            let text = tr!(lang, "error-moderator-protected", name = name.as_str());
            return Err((ErrorCode::NotModerator, text));
        }
        let (shown, ip) = match (address, targets.first()) {
            (Some(ip), _) => (ip.to_string(), Some(ip)),
            (None, Some(&target)) => (
                self.name_of(target).unwrap_or_else(|| rule.shown.clone()),
                self.moderation.address(target),
            ),
            (None, None) => (rule.shown.clone(), None),
        };
        // An address a moderator is on is never banned or muted with a name: it is theirs too
        // (the host's own machine, or one they share).
        let ip = ip.filter(|&ip| address.is_some() || !self.moderation.moderator_at(ip));
        let rule = Rule {
            shown: shown.clone(),
            ..rule.clone()
        };
        if act != Act::Kick {
            let kind = if act == Act::Ban {
                Kind::Ban
            } else {
                Kind::Mute
            };
            let name_key = address.is_none().then_some(&key);
            // The person's device goes with the rule on their name: under another name, from
            // another address, it still holds.
            let device = name_key
                .and(targets.first())
                .and_then(|&target| self.moderation.device(target));
            if !self
                .moderation
                .add(kind, (name_key, ip, device), &rule, now)
            {
                let max = crate::server::moderation::MAX_RULES;
                return Err((
                    ErrorCode::BadUsage,
                    tr!(lang, "error-rules-full", max = max),
                ));
            }
            if name_key.is_some() {
                self.tell_sites(&Ruling {
                    device: device.map(|device| device.to_hex()),
                    until: rule.until,
                    reason: rule.reason.clone(),
                    ..Ruling::about(act, Some(shown.clone()), &rule.by)
                });
            }
        }
        let said_key = match act {
            // What the other site does, this one can't say.
            Act::Kick if remote => "moderation-kick-remote",
            Act::Kick => "moderation-kick",
            Act::Ban => "moderation-ban",
            _ => "moderation-mute",
        };
        let said = tr!(lang, said_key, name = shown.as_str(), by = rule.by.as_str());
        // A kick has no time: its reason alone.
        let terms = |house: &Self, text| {
            if act == Act::Kick {
                house.with_reason(text, &rule)
            } else {
                house.with_terms(text, &rule, now)
            }
        };
        let said = terms(self, said);
        if act == Act::Kick && remote {
            self.tell_sites(&Ruling {
                reason: rule.reason.clone(),
                ..Ruling::about(act, Some(shown.clone()), &rule.by)
            });
        }
        // Said in every room the people it falls on are in (or, for a name banned while away or
        // someone at another site, to the moderator alone).
        let mut rooms: Vec<usize> = targets.iter().flat_map(|&s| self.rooms_of(s)).collect();
        rooms.sort_unstable();
        rooms.dedup();
        if rooms.is_empty() {
            let notice = self.notice(said.clone());
            self.answer(session, None, &notice);
        }
        for &room in &rooms {
            self.rooms[room].say_notice(said.clone());
        }
        if act != Act::Mute {
            let told = terms(self, tr!(lang, "error-removed", by = rule.by.as_str()));
            let code = if act == Act::Ban {
                ErrorCode::Banned
            } else {
                ErrorCode::Kicked
            };
            for target in targets {
                self.remove_person(target, code, &told);
            }
        }
        Ok(Some(said))
    }

    /// Takes `target` off the host: told why (`code`, `told`), then out of every room, and their
    /// connection ended once that is sent.
    pub(super) fn remove_person(&mut self, target: SessionId, code: ErrorCode, told: &str) {
        let Some(outbox) = self
            .home(target)
            .and_then(|home| self.rooms[home].member(target))
            .map(|(_, _, outbox)| outbox)
        else {
            return;
        };
        self.answer(target, None, &ServerMsg::error(code, told));
        self.leave(target, LeaveReason::Disconnected, true);
        outbox.end();
        self.dirty.push(Arc::clone(&outbox));
    }

    /// Clears the history of the room `at` (a moderator `by` did, here or at another site) and
    /// says so there: what the log says.
    pub(super) fn clear(&mut self, at: usize, by: &str) -> String {
        self.rooms[at].clear_history();
        let text = tr!(self.template.lang, "moderation-cleared", by = by);
        self.rooms[at].say_notice(text.clone());
        text
    }

    /// Takes the message `id` out of the room `at` (a tombstone in its place): what the log says.
    fn delete(
        &mut self,
        at: usize,
        id: Option<u64>,
        by: &str,
    ) -> Result<Option<String>, (ErrorCode, String)> {
        let lang = self.template.lang;
        let Some(id) = id else {
            let usage = tr!(lang, "error-usage", usage = "/delete <message id>");
            return Err((ErrorCode::BadUsage, usage));
        };
        let tombstone = tr!(lang, "moderation-deleted", by = by);
        match self.rooms[at].take_out(id, tombstone) {
            Some(from) => {
                // In a linked room, every site takes it out too (the id is the stream's).
                self.tell_sites(&Ruling {
                    id: Some(id),
                    room: (at != 0).then(|| self.rooms[at].name().to_owned()),
                    ..Ruling::about(Act::Delete, None, by)
                });
                Ok(Some(tr!(
                    lang,
                    "moderation-deleted-log",
                    id = id,
                    name = from.as_str(),
                    by = by
                )))
            }
            None => Err((
                ErrorCode::NoSuchMessage,
                tr!(lang, "error-no-such-message", id = id),
            )),
        }
    }

    /// An owner makes the person called `name` a moderator of the whole host (`on`), or one no
    /// more: at once, and by their device (if they have one) whenever they come back, across
    /// restarts. What the room was told, or why not.
    fn name_moderator(
        &mut self,
        on: bool,
        name: &str,
        by: &str,
    ) -> Result<Option<String>, (ErrorCode, String)> {
        let lang = self.template.lang;
        let Some((target, shown)) = self.holder(&NameKey::new(name)) else {
            let text = tr!(lang, "error-no-such-user", name = name);
            return Err((ErrorCode::NoSuchUser, text));
        };
        let device = self.moderation.device(target);
        let shown_name = shown.as_str();
        if self.devices.is_owner(device) {
            let text = tr!(lang, "error-owner-protected", name = shown_name);
            return Err((ErrorCode::NotModerator, text));
        }
        if self.moderation.is_moderator(target) == on {
            let key = if on {
                "error-moderator-already"
            } else {
                "error-moderator-not"
            };
            return Err((ErrorCode::BadUsage, tr!(lang, key, name = shown_name)));
        }
        if let Some(device) = device {
            self.keep_moderator(device, None, on, (&shown, by));
        }
        let said = if on {
            self.promote(target);
            tr!(lang, "moderation-op", name = shown_name, by = by)
        } else {
            self.moderation.demote(target);
            let told = ServerMsg::Moderator {
                owner: false,
                on: false,
            };
            self.answer(target, None, &told);
            tr!(lang, "moderation-deop", name = shown_name, by = by)
        };
        for room in self.rooms_of(target) {
            self.rooms[room].say_notice(said.clone());
        }
        Ok(Some(said))
    }

    /// `session` ignores `name` (`on`) or no longer, in every room they are in; without a name,
    /// they are told whom they ignore. Nobody else is told anything.
    pub(super) fn ignore(
        &mut self,
        session: SessionId,
        echo: Option<&str>,
        name: Option<&str>,
        on: bool,
    ) {
        let lang = self.template.lang;
        let Some(home) = self.home(session) else {
            return;
        };
        let mut ignoring = self.rooms[home].ignoring_of(session);
        let text = match name.map(str::trim).filter(|n| !n.is_empty()) {
            None if ignoring.is_empty() => lang.tr("ignore-none"),
            None => {
                let names: Vec<&str> = ignoring.iter().map(|(_, name)| name.as_str()).collect();
                tr!(lang, "ignore-list", names = names.join(", "))
            }
            Some(name) => {
                // Known by the name of whoever has it now (or as typed, if nobody does).
                let shown_name = self
                    .holder(&NameKey::new(name))
                    .map_or_else(|| shown(name), |(_, holder)| holder);
                let key = NameKey::new(&shown_name);
                let mine = self
                    .name_of(session)
                    .is_some_and(|me| NameKey::new(&me).clashes(&key));
                let had = ignoring.iter().position(|(k, _)| k.clashes(&key));
                match (on, had) {
                    _ if mine => {
                        let error =
                            ServerMsg::error(ErrorCode::BadUsage, lang.tr("error-ignore-self"));
                        return self.answer(session, echo, &error);
                    }
                    (true, None) if ignoring.len() >= MAX_IGNORED => {
                        let text = tr!(lang, "error-ignore-full", max = MAX_IGNORED);
                        let error = ServerMsg::error(ErrorCode::BadUsage, text);
                        return self.answer(session, echo, &error);
                    }
                    (true, None) => ignoring.push((key, shown_name.clone())),
                    (false, Some(at)) => {
                        ignoring.remove(at);
                    }
                    _ => {}
                }
                let said = if on { "ignore-on" } else { "ignore-off" };
                tr!(lang, said, name = shown_name.as_str())
            }
        };
        for room in self.rooms_of(session) {
            self.rooms[room].set_ignoring(session, ignoring.clone());
        }
        let notice = self.notice(text);
        self.answer(session, echo, &notice);
    }

    /// Lifts a ban (or a mute) on `name` (a name, or an address): what the moderator is told.
    fn lift(
        &mut self,
        act: Act,
        name: &str,
        by: &str,
    ) -> Result<Option<String>, (ErrorCode, String)> {
        let lang = self.template.lang;
        let kind = if act == Act::Unban {
            Kind::Ban
        } else {
            Kind::Mute
        };
        let key = NameKey::new(name);
        let ip = name.parse::<IpAddr>().ok();
        let holder = self.holder(&key).map(|(s, _)| s);
        // A mute on someone here goes with their address's and their device's too.
        let ip = ip.or_else(|| holder.and_then(|s| self.moderation.address(s)));
        let device = holder.and_then(|s| self.moderation.device(s));
        let lifted = self.moderation.lift(kind, (Some(&key), ip, device));
        if !lifted.is_empty() && name.parse::<IpAddr>().is_err() {
            self.tell_sites(&Ruling {
                device: device.map(|device| device.to_hex()),
                ..Ruling::about(act, Some(name.to_owned()), by)
            });
        }
        if lifted.is_empty() {
            let key = if act == Act::Unban {
                "error-not-banned"
            } else {
                "error-not-muted"
            };
            return Err((ErrorCode::NoSuchUser, tr!(lang, key, name = name)));
        }
        let said_key = if act == Act::Unban {
            "moderation-unban"
        } else {
            "moderation-unmute"
        };
        let said = tr!(lang, said_key, name = name, by = by);
        let rooms = holder.map(|s| self.rooms_of(s)).unwrap_or_default();
        for &room in &rooms {
            self.rooms[room].say_notice(said.clone());
        }
        if rooms.is_empty() {
            // Nobody under that name here: the moderators hear it.
            let notice = self.notice(said.clone());
            for moderator in self.moderators_here() {
                self.answer(moderator, None, &notice);
            }
        }
        Ok(Some(said))
    }

    /// The moderators on the host now.
    fn moderators_here(&self) -> Vec<SessionId> {
        self.rooms[0]
            .sessions()
            .into_iter()
            .chain(self.rooms[1..].iter().flat_map(|room| room.sessions()))
            .filter(|&s| self.moderation.is_moderator(s))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// Whoever on the host holds a name like `key`: their session and name.
    pub(super) fn holder(&self, key: &NameKey) -> Option<(SessionId, String)> {
        self.rooms.iter().find_map(|room| room.holder(key))
    }

    /// `session`'s name, if they are on the host.
    pub(super) fn name_of(&self, session: SessionId) -> Option<String> {
        let home = self.home(session)?;
        self.rooms[home].member(session).map(|(name, _, _)| name)
    }

    /// What a room is known by in the moderation's lists: its name, "" for the default room.
    fn room_key(rooms: &[Room<M>], at: usize) -> &str {
        if at == 0 { "" } else { rooms[at].name() }
    }

    /// `text` followed by how long `rule` holds (from `now`) and why.
    pub(super) fn with_terms(&self, text: String, rule: &Rule, now: u64) -> String {
        let lang = self.template.lang;
        let terms = match rule.until {
            Some(until) => {
                let minutes = until.saturating_sub(now).div_ceil(60_000).max(1);
                tr!(lang, "moderation-for", minutes = minutes)
            }
            None => lang.tr("moderation-until-lifted"),
        };
        self.with_reason(format!("{text} {terms}"), rule)
    }

    /// `text` followed by `rule`'s reason, if it has one.
    pub(super) fn with_reason(&self, text: String, rule: &Rule) -> String {
        match &rule.reason {
            Some(reason) => {
                let why = tr!(
                    self.template.lang,
                    "moderation-reason",
                    reason = reason.as_str()
                );
                format!("{text} {why}")
            }
            None => text,
        }
    }

    /// The bans, then the host's mutes and the named room `at`'s own, if any, as `/bans` lists
    /// them.
    fn rules_text(&self, at: usize, now: u64) -> String {
        let lang = self.template.lang;
        let bans = self.moderation.list(Kind::Ban, now);
        let mut text = if bans.is_empty() {
            lang.tr("notice-bans-none")
        } else {
            self.rules_listed(
                tr!(lang, "notice-bans-title", count = bans.len()),
                &bans,
                now,
            )
        };
        let room_mutes = match at {
            0 => Vec::new(),
            _ => self.moderation.room_list(self.rooms[at].name(), now),
        };
        for (title, mutes) in [
            ("notice-mutes-title", self.moderation.list(Kind::Mute, now)),
            ("notice-room-mutes-title", room_mutes),
        ] {
            if !mutes.is_empty() {
                let title = tr!(lang, title, count = mutes.len());
                text.push('\n');
                text.push_str(&self.rules_listed(title, &mutes, now));
            }
        }
        text
    }

    /// The bans, the host's mutes (with `whole_host`: for one of the host's moderators) and the
    /// named room `at`'s own, as an app's panel lists them ([`ServerMsg::Rules`]): the first
    /// [`RULES_LISTED`] of each, and how many more.
    fn rules_listed_for_app(&self, at: usize, now: u64, whole_host: bool) -> ServerMsg {
        let room = (at != 0).then(|| self.rooms[at].name());
        let host_list = |kind| {
            if whole_host {
                self.moderation.list(kind, now)
            } else {
                Vec::new()
            }
        };
        let lists = [
            (RuleKind::Ban, None, host_list(Kind::Ban)),
            (RuleKind::Mute, None, host_list(Kind::Mute)),
            (
                RuleKind::Mute,
                room,
                room.map_or_else(Vec::new, |room| self.moderation.room_list(room, now)),
            ),
        ];
        let mut rules = Vec::new();
        let mut more = 0;
        for (kind, room, list) in lists {
            more += list.len().saturating_sub(RULES_LISTED);
            rules.extend(list.into_iter().take(RULES_LISTED).map(|rule| ListedRule {
                kind,
                room: room.map(str::to_owned),
                name: rule.shown,
                by: rule.by,
                reason: rule.reason,
                until: rule.until,
            }));
        }
        ServerMsg::Rules {
            time: now,
            rules,
            more,
        }
    }

    /// `title`, then the first [`BANS_SHOWN`] of `rules` a line each (who, by whom, for how long,
    /// why), then how many more.
    fn rules_listed(&self, mut text: String, rules: &[Rule], now: u64) -> String {
        let lang = self.template.lang;
        for rule in rules.iter().take(BANS_SHOWN) {
            let line = tr!(
                lang,
                "notice-ban-line",
                shown = rule.shown.as_str(),
                by = rule.by.as_str()
            );
            text.push_str("\n  ");
            text.push_str(&self.with_terms(line, rule, now));
        }
        if rules.len() > BANS_SHOWN {
            text.push_str("\n  ");
            text.push_str(&tr!(
                lang,
                "notice-bans-more",
                count = rules.len() - BANS_SHOWN
            ));
        }
        text
    }

    /// The newest lines of the moderation log at `now`: each with its time (UTC), and its day too
    /// when it is not today's (the log lasts across restarts).
    fn log_text(&self, now: u64) -> String {
        const DAY_MS: u64 = 24 * 60 * 60 * 1000;
        let lang = self.template.lang;
        let recent = self.moderation.recent(LOG_SHOWN);
        if recent.is_empty() {
            return lang.tr("notice-modlog-none");
        }
        let mut text = lang.tr("notice-modlog-title");
        for entry in recent {
            let format = if entry.time / DAY_MS == now / DAY_MS {
                "%H:%M UTC"
            } else {
                "%Y-%m-%d %H:%M UTC"
            };
            let when = i64::try_from(entry.time)
                .ok()
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|at| at.format(format).to_string())
                .unwrap_or_default();
            text.push_str(&format!("\n  {when}  {}", entry.what));
        }
        text
    }

    /// A notice for one person, outside any room's history.
    pub(super) fn notice(&self, text: String) -> ServerMsg {
        ServerMsg::Notice {
            id: None,
            time: (self.clock)(),
            text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::house::tests::house;
    use crate::server::room::tests::fixed_clock;

    #[test]
    fn the_panel_s_list_holds_the_bans_the_host_s_mutes_and_the_room_s_own_at_most_a_hundred_of_each()
     {
        let mut house = house();
        let now = fixed_clock();
        let rule = |name: &str, until| Rule {
            shown: name.to_owned(),
            by: "ta".into(),
            reason: Some("spam".into()),
            until,
        };
        for n in 0..RULES_LISTED + 20 {
            let name = format!("troll{n}");
            let key = NameKey::new(&name);
            assert!(house.moderation.add(
                Kind::Ban,
                (Some(&key), None, None),
                &rule(&name, None),
                now
            ));
        }
        let bob = NameKey::new("bob");
        let gone = rule("gone", Some(now - 1));
        house.moderation.add(
            Kind::Mute,
            (Some(&bob), None, None),
            &rule("bob", Some(now + 60_000)),
            now,
        );
        house.moderation.add(
            Kind::Mute,
            (Some(&NameKey::new("gone")), None, None),
            &gone,
            now - 10,
        );
        let carl = NameKey::new("carl");
        house.moderation.add_room_mute(
            "Projet X",
            (Some(&carl), None, None),
            (&rule("carl", None), 10),
            now,
        );

        let ServerMsg::Rules { time, rules, more } = house.rules_listed_for_app(1, now, true)
        else {
            panic!("a list");
        };
        assert_eq!((time, more), (now, 20));
        let bans: Vec<&ListedRule> = rules.iter().filter(|r| r.kind == RuleKind::Ban).collect();
        assert_eq!(bans.len(), RULES_LISTED);
        // The oldest first, each with who made it and why.
        assert_eq!(
            (bans[0].name.as_str(), bans[0].by.as_str()),
            ("troll0", "ta")
        );
        assert_eq!(bans[0].reason.as_deref(), Some("spam"));
        let mutes: Vec<(&str, Option<&str>, Option<u64>)> = rules
            .iter()
            .filter(|r| r.kind == RuleKind::Mute)
            .map(|r| (r.name.as_str(), r.room.as_deref(), r.until))
            .collect();
        // One that has ended is not listed; the room's own says its room.
        assert_eq!(
            mutes,
            [
                ("bob", None, Some(now + 60_000)),
                ("carl", Some("Projet X"), None)
            ]
        );
        // Asked in the default room: no room's own.
        let ServerMsg::Rules { rules, .. } = house.rules_listed_for_app(0, now, true) else {
            panic!("a list");
        };
        assert!(rules.iter().all(|r| r.room.is_none() && r.name != "carl"));
        // Asked by a moderator of that room only: its own mutes, nothing of the host's.
        let ServerMsg::Rules { rules, more, .. } = house.rules_listed_for_app(1, now, false) else {
            panic!("a list");
        };
        let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!((names, more), (vec!["carl"], 0));
    }

    #[test]
    fn the_log_gives_the_day_of_a_line_from_another_day_than_today() {
        let mut house = house();
        // 2023-11-14 22:13:20 UTC.
        let now = fixed_clock();
        house.moderation.restore_log(vec![Logged {
            time: now - 2 * 24 * 60 * 60 * 1000,
            by: "ta".into(),
            what: "ta locked this room.".into(),
        }]);
        house.moderation.log(Logged {
            time: now,
            by: "ta".into(),
            what: "ta unlocked this room.".into(),
        });
        let text = house.log_text(now);
        assert!(
            text.ends_with("\n  2023-11-12 22:13 UTC  ta locked this room.\n  22:13 UTC  ta unlocked this room."),
            "{text}"
        );
    }
}
