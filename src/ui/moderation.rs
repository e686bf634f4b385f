//! What a moderator may do from the window: the people list's kick, ban and mute (each for a
//! while or until lifted; for an owner, make moderator and no longer moderator), and the
//! Moderation menu above the list (lock, slow mode, classroom mode, the bans and the log). The host
//! answers in the conversation, in its own voice.

use eframe::egui;

use super::{Action, RoomAction};
use crate::protocol::command::Moderate;
use crate::protocol::message::Act;
use crate::tr;

/// What this person may do as a moderator where they are, as the window offers it (each rank may
/// do what the ones below it may).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    /// Nothing of the kind.
    #[default]
    Everyone,
    /// A moderator of the named room on screen only: kick out of it, mute in it, lock, slow,
    /// delete, clear.
    Room,
    /// One of the host's moderators: ban, mute, classroom mode, the lists too.
    Host,
    /// One of the host's owners: names moderators too.
    Owner,
}

/// The durations a moderator picks from, in minutes (`None`: until lifted), with their words.
const DURATIONS: [(Option<u32>, &str); 4] = [
    (Some(10), "mod-for-10-minutes"),
    (Some(60), "mod-for-an-hour"),
    (Some(24 * 60), "mod-for-a-day"),
    (None, "mod-until-lifted"),
];

/// A moderator's act on someone: a `Moderate` for the room on screen.
fn act_on(act: Act, name: &str, minutes: Option<u32>) -> Action {
    Action::Room(RoomAction::Moderate(Moderate {
        name: Some(name.to_owned()),
        minutes,
        ..Moderate::alone(act)
    }))
}

/// What a moderator of `rank` may do to `person` (in their context menu): kick, mute for a while
/// (a room's moderator: in that room); for the host's moderators, ban too; an owner may also make
/// them a moderator, or one no more.
pub fn moderate_person_ui(ui: &mut egui::Ui, person: &str, rank: Rank) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    if ui.button(lang.tr("mod-kick")).clicked() {
        action = Some(act_on(Act::Kick, person, None));
    }
    // A room's moderator mutes in that room; banning is the host's moderators'.
    let timed = if rank >= Rank::Host {
        [(Act::Ban, "mod-ban"), (Act::Mute, "mod-mute")].as_slice()
    } else {
        &[(Act::Mute, "mod-mute")]
    };
    for &(act, label) in timed {
        ui.menu_button(lang.tr(label), |ui| {
            for (minutes, words) in DURATIONS {
                if ui.button(lang.tr(words)).clicked() {
                    action = Some(act_on(act, person, minutes));
                }
            }
        });
    }
    if rank == Rank::Owner {
        ui.separator();
        for (act, label) in [(Act::Op, "mod-op"), (Act::Deop, "mod-deop")] {
            if ui.button(lang.tr(label)).clicked() {
                action = Some(act_on(act, person, None));
            }
        }
    }
    action
}

/// A moderator's menu for the room on screen: lock, clearing its history, slow mode; for the
/// host's moderators, classroom mode, the bans and the moderation log too (the host answers in
/// the conversation).
pub fn moderation_menu_ui(ui: &mut egui::Ui, rank: Rank) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let alone = |act| Some(Action::Room(RoomAction::Moderate(Moderate::alone(act))));
    ui.menu_button(lang.tr("mod-menu"), |ui| {
        for (act, label) in [(Act::Lock, "mod-lock"), (Act::Unlock, "mod-unlock")] {
            if ui.button(lang.tr(label)).clicked() {
                action = alone(act);
            }
        }
        // Destructive, for everyone: asked twice.
        ui.menu_button(lang.tr("mod-clear"), |ui| {
            if ui.button(lang.tr("mod-clear-confirm")).clicked() {
                action = alone(Act::Clear);
            }
        });
        ui.menu_button(lang.tr("mod-slow"), |ui| {
            for seconds in [0, 10, 30, 60] {
                let label = if seconds == 0 {
                    lang.tr("mod-slow-off")
                } else {
                    tr!(lang, "mod-slow-every", seconds = seconds)
                };
                if ui.button(label).clicked() {
                    action = Some(Action::Room(RoomAction::Moderate(Moderate {
                        seconds: Some(seconds),
                        ..Moderate::alone(Act::Slow)
                    })));
                }
            }
        });
        if rank < Rank::Host {
            return;
        }
        for (on, label) in [(true, "mod-classroom-on"), (false, "mod-classroom-off")] {
            if ui.button(lang.tr(label)).clicked() {
                action = Some(Action::Room(RoomAction::Moderate(Moderate {
                    on: Some(on),
                    ..Moderate::alone(Act::Classroom)
                })));
            }
        }
        ui.separator();
        for (act, label) in [(Act::Bans, "mod-bans"), (Act::Log, "mod-log")] {
            if ui.button(lang.tr(label)).clicked() {
                action = alone(act);
            }
        }
    });
    action
}
