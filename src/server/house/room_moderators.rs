//! Moderators of one named room: devices an owner named there (`/op NAME` typed in that room).
//! In their room only, they mute people there (for a time or until lifted, kept across restarts
//! as the host's mutes are; the host's moderators may lift them too), lock and unlock it, set its
//! slow mode, delete its messages, clear its history and kick people out of it (back to the
//! default room, or out of the room for an app); someone at another site of a linked room is
//! muted or removed there by their site, told ([`Act::MuteRoom`], [`Act::KickRoom`]). Everything
//! that concerns the whole host (bans, host-wide mutes, classroom mode, the lists, naming
//! moderators) stays the host's moderators'.
//! Nobody of their rank, nor above it, can be kicked by them.

use super::{House, shown};
use crate::protocol::device::DeviceId;
use crate::protocol::message::Act;
use crate::protocol::name::NameKey;
use crate::protocol::ruling::Ruling;
use crate::protocol::{ErrorCode, ServerMsg};
use crate::server::mailbox::Mailbox;
use crate::server::moderation::Rule;
use crate::server::room::SessionId;
use crate::store::{NamedModerator, RuleChange};
use crate::tr;

/// What a room's moderator may do, in their room.
pub(super) fn is_room_act(act: Act) -> bool {
    matches!(
        act,
        Act::Kick
            | Act::Mute
            | Act::Unmute
            | Act::Lock
            | Act::Unlock
            | Act::Slow
            | Act::Delete
            | Act::Clear
            | Act::Rules
    )
}

/// How many people one room's moderators may have muted at once (each a rule on the name and one
/// on the address, as the host's mutes).
pub(super) const MAX_ROOM_MUTES: usize = 1_000;

impl<M: Mailbox> House<M> {
    /// Why `session` may not speak in the named room `at`: one of its moderators muted them
    /// there (looked for only while some room has such mutes).
    pub(super) fn muted_in_room(&self, session: SessionId, at: usize) -> Option<String> {
        if at == 0 || !self.moderation.any_room_mute() {
            return None;
        }
        let now = (self.clock)();
        let room = &self.rooms[at];
        let marks = (
            room.key_of(session),
            self.moderation.address(session),
            self.moderation.device(session),
        );
        let rule = self.moderation.room_mute(room.name(), marks, now)?;
        let text = self.template.lang.tr("error-muted-room");
        Some(self.with_terms(text, rule, now))
    }

    /// A room's moderator mutes (`on`) the person called `rule.shown` in the room `at`, or lifts
    /// it, with the host's own rules (name and look-alikes, address, device) kept for that room:
    /// what the room was told, or why not.
    pub(super) fn mute_in_room(
        &mut self,
        session: SessionId,
        at: usize,
        rule: &Rule,
        on: bool,
    ) -> Result<Option<String>, (ErrorCode, String)> {
        let lang = self.template.lang;
        let now = (self.clock)();
        let room = self.rooms[at].name().to_owned();
        let holder = self.rooms[at].holder_of(&rule.shown);
        // Someone at another site of this linked room: muted here by their name (should they
        // come here) and, told, there, where their site mutes them in its room.
        let elsewhere = holder
            .is_none()
            .then(|| self.rooms[at].remote_person(&rule.shown))
            .flatten();
        let shown_name = match (&holder, &elsewhere) {
            (Some((_, name)), _) | (None, Some(name)) => name.clone(),
            (None, None) => shown(&rule.shown),
        };
        let key = NameKey::new(&shown_name);
        let target = holder.map(|(s, _)| s);
        let device = target.and_then(|s| self.moderation.device(s));
        let ip = target.and_then(|s| self.moderation.address(s));
        if !on {
            // As on the whole host: the name's, its holder's address's and device's go.
            let lifted = self
                .moderation
                .lift_room_mute(&room, (Some(&key), ip, device));
            if !lifted && elsewhere.is_none() {
                let text = tr!(lang, "error-no-such-user", name = shown_name.as_str());
                return Err((ErrorCode::NoSuchUser, text));
            }
            if elsewhere.is_some() {
                self.tell_sites(&Ruling {
                    room: Some(room.clone()),
                    ..Ruling::about(Act::UnmuteRoom, Some(shown_name.clone()), &rule.by)
                });
            }
            let said = tr!(
                lang,
                "moderation-unmute",
                name = shown_name.as_str(),
                by = rule.by.as_str()
            );
            self.rooms[at].say_notice(said.clone());
            return Ok(Some(said));
        }
        if target.is_none() && elsewhere.is_none() {
            let text = tr!(lang, "error-no-such-user", name = shown_name.as_str());
            return Err((ErrorCode::NoSuchUser, text));
        }
        if target.is_some_and(|target| target == session || self.moderates_at(target, at)) {
            let text = tr!(
                lang,
                "error-moderator-protected",
                name = shown_name.as_str()
            );
            return Err((ErrorCode::NotModerator, text));
        }
        // An address a moderator is on is theirs too (the host's own machine, a shared one).
        let ip = ip.filter(|&ip| !self.moderation.moderator_at(ip));
        let muted = Rule {
            shown: shown_name.clone(),
            ..rule.clone()
        };
        if !self.moderation.add_room_mute(
            &room,
            (Some(&key), ip, device),
            (&muted, 2 * MAX_ROOM_MUTES),
            now,
        ) {
            let text = tr!(lang, "error-rules-full", max = MAX_ROOM_MUTES);
            return Err((ErrorCode::BadUsage, text));
        }
        if elsewhere.is_some() {
            self.tell_sites(&Ruling {
                until: rule.until,
                reason: rule.reason.clone(),
                room: Some(room.clone()),
                ..Ruling::about(Act::MuteRoom, Some(shown_name.clone()), &rule.by)
            });
        }
        let said = tr!(
            lang,
            "moderation-mute-room",
            name = shown_name.as_str(),
            by = rule.by.as_str()
        );
        let said = self.with_terms(said, rule, now);
        self.rooms[at].say_notice(said.clone());
        Ok(Some(said))
    }

    /// True when `session` moderates the room `at`: one of the host's moderators, or (a named
    /// room) a device an owner named moderator of it.
    pub(super) fn moderates_at(&self, session: SessionId, at: usize) -> bool {
        self.moderation.is_moderator(session)
            || (at != 0
                && self
                    .devices
                    .moderates_room(self.moderation.device(session), self.rooms[at].name()))
    }

    /// `session` just came into the room `at`: told, in that room, if they moderate it (and not
    /// the whole host, which they were told of on arrival).
    pub(super) fn tell_room_moderator(&mut self, session: SessionId, at: usize) {
        if at != 0 && !self.moderation.is_moderator(session) && self.moderates_at(session, at) {
            let room = self.rooms[at].name().to_owned();
            let told = ServerMsg::Moderator {
                owner: false,
                on: true,
            };
            self.answer(session, Some(&room), &told);
        }
    }

    /// A room's moderator (`session`) kicks `rule.shown` out of the room `at`: what the room was
    /// told, or why not. A terminal goes back to the default room; an app is told `parted`.
    pub(super) fn kick_from_room(
        &mut self,
        session: SessionId,
        at: usize,
        rule: &Rule,
    ) -> Result<Option<String>, (ErrorCode, String)> {
        let lang = self.template.lang;
        let target = self.rooms[at].holder_of(&rule.shown);
        let Some((target, name)) = target else {
            // Someone at another site of this linked room: their site is asked to remove them
            // from its room; what it does, only it can say.
            if let Some(name) = self.rooms[at].remote_person(&rule.shown) {
                let room = self.rooms[at].name().to_owned();
                self.tell_sites(&Ruling {
                    reason: rule.reason.clone(),
                    room: Some(room.clone()),
                    ..Ruling::about(Act::KickRoom, Some(name.clone()), &rule.by)
                });
                let said = tr!(
                    lang,
                    "moderation-kick-remote",
                    name = name.as_str(),
                    by = rule.by.as_str()
                );
                let said = self.with_reason(said, rule);
                let notice = self.notice(said.clone());
                self.answer(session, Some(&room), &notice);
                return Ok(Some(said));
            }
            let text = tr!(lang, "error-no-such-user", name = rule.shown.as_str());
            return Err((ErrorCode::NoSuchUser, text));
        };
        if target == session || self.moderates_at(target, at) {
            let text = tr!(lang, "error-moderator-protected", name = name.as_str());
            return Err((ErrorCode::NotModerator, text));
        }
        Ok(Some(self.remove_from_room(target, &name, at, rule)))
    }

    /// Takes `target` (called `name`) out of the named room `at`, as `rule` says (a moderator of
    /// the room did, here or at another site): the room is told, and they are told why; a
    /// terminal goes back to the default room, an app is sent `parted`. What the room was told.
    pub(super) fn remove_from_room(
        &mut self,
        target: SessionId,
        name: &str,
        at: usize,
        rule: &Rule,
    ) -> String {
        let lang = self.template.lang;
        let said = self.with_reason(
            tr!(
                lang,
                "moderation-kick-room",
                name = name,
                by = rule.by.as_str()
            ),
            rule,
        );
        self.rooms[at].say_notice(said.clone());
        let room = self.rooms[at].name().to_owned();
        let told = self.with_reason(
            tr!(
                lang,
                "error-removed-room",
                room = room.as_str(),
                by = rule.by.as_str()
            ),
            rule,
        );
        self.answer(
            target,
            Some(&room),
            &ServerMsg::error(ErrorCode::Kicked, told),
        );
        self.part(target, at, None);
        said
    }

    /// An owner makes the person called `name` a moderator of the named room `at` (`on`), or one
    /// no more, by their device: at once, whenever they come back, across restarts. What the
    /// room was told, or why not.
    pub(super) fn name_room_moderator(
        &mut self,
        at: usize,
        on: bool,
        name: &str,
        by: &str,
    ) -> Result<Option<String>, (ErrorCode, String)> {
        let lang = self.template.lang;
        let Some((target, shown_name)) = self.holder(&NameKey::new(name)) else {
            let text = tr!(lang, "error-no-such-user", name = shown(name));
            return Err((ErrorCode::NoSuchUser, text));
        };
        let room = self.rooms[at].name().to_owned();
        let Some(device) = self.moderation.device(target) else {
            let text = tr!(
                lang,
                "error-room-moderator-device",
                name = shown_name.as_str()
            );
            return Err((ErrorCode::BadUsage, text));
        };
        if self.devices.is_owner(Some(device)) {
            let text = tr!(lang, "error-owner-protected", name = shown_name.as_str());
            return Err((ErrorCode::NotModerator, text));
        }
        if self.devices.moderates_room(Some(device), &room) == on
            || (on && self.moderation.is_moderator(target))
        {
            let key = if on {
                "error-moderator-already"
            } else {
                "error-moderator-not"
            };
            return Err((
                ErrorCode::BadUsage,
                tr!(lang, key, name = shown_name.as_str()),
            ));
        }
        self.keep_moderator(device, Some(&room), on, (&shown_name, by));
        let said = if on {
            tr!(
                lang,
                "moderation-op-room",
                name = shown_name.as_str(),
                by = by
            )
        } else {
            tr!(lang, "moderation-deop", name = shown_name.as_str(), by = by)
        };
        // Told first, as when the whole host's moderators are named: then the room hears it.
        if on && self.rooms[at].has(target) {
            self.tell_room_moderator(target, at);
        } else if !on {
            let told = ServerMsg::Moderator { owner: false, on };
            self.answer(target, Some(&room), &told);
        }
        self.rooms[at].say_notice(said.clone());
        Ok(Some(said))
    }

    /// Names `device` a moderator of the whole host (`room` `None`) or of the named room `room`
    /// (`on`), or one no more, and has the store keep it; `named` is their name and the owner's.
    pub(super) fn keep_moderator(
        &mut self,
        device: DeviceId,
        room: Option<&str>,
        on: bool,
        named: (&str, &str),
    ) {
        self.devices.name(device, room, on);
        let (shown, by) = named;
        let room = room.unwrap_or_default().to_owned();
        self.moderation.keep(if on {
            RuleChange::Named(NamedModerator {
                device: device.to_hex(),
                shown: shown.to_owned(),
                by: by.to_owned(),
                room,
            })
        } else {
            RuleChange::Unnamed(device.to_hex(), room)
        });
    }
}
