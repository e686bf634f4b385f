//! What a moderator may do from the window: the people list's kick, ban and mute (each for a
//! while or until lifted; for an owner, make moderator and no longer moderator), the Moderation
//! menu above the list (lock, slow mode, classroom mode, the bans and mutes, the log), and the
//! panel of the bans and mutes (a room's moderator: that room's mutes), each with a button that
//! lifts it. The host answers the acts in the conversation, in its own voice.

use eframe::egui;

use super::{Action, RoomAction};
use crate::i18n::Lang;
use crate::protocol::command::Moderate;
use crate::protocol::message::{Act, ListedRule, RuleKind};
use crate::tr;

/// What the bans and mutes panel asks for ([`RoomAction::Rules`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesAction {
    /// Ask the host for its bans and mutes (and the room on screen's own), and show them (of a
    /// host that doesn't list them, ask for them in words, answered in the conversation).
    Open,
    /// Put the panel away.
    Close,
    /// Lift this ban or mute, then ask for the list again.
    Lift(ListedRule),
}

/// The bans and mutes as the host listed them last ([`crate::protocol::ServerMsg::Rules`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The host's clock when it listed them (milliseconds since the Unix epoch).
    pub time: u64,
    /// The bans, then the host's mutes, then the room's own.
    pub rules: Vec<ListedRule>,
    /// How many more hold than are listed.
    pub more: usize,
}

/// The bans and mutes panel, in the people list's place while it is open.
#[derive(Debug, Default)]
pub struct RulesPanel {
    /// Shown.
    pub open: bool,
    /// The named room it was asked in, whose own mutes it lists too (`None`: the default room).
    pub room: Option<String>,
    /// The host's last answer; `None` until one comes.
    pub listed: Option<Listed>,
}

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

/// A moderator's menu for the room on screen: lock, clearing its history, slow mode; for a room's
/// moderator, that room's mutes; for the host's moderators, classroom mode, the bans and mutes
/// and the moderation log (the host answers in the conversation) instead.
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
        let rules = Some(Action::Room(RoomAction::Rules(RulesAction::Open)));
        if rank < Rank::Host {
            // A room's moderator sees the mutes they and the room's others made there.
            if ui.button(lang.tr("mod-room-mutes")).clicked() {
                action = rules;
            }
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
        if ui.button(lang.tr("mod-bans")).clicked() {
            action = rules;
        }
        if ui.button(lang.tr("mod-log")).clicked() {
            action = alone(Act::Log);
        }
    });
    action
}

impl RulesPanel {
    /// The panel open on `listed`, in the default room.
    pub fn open_on(listed: Listed) -> Self {
        Self {
            open: true,
            room: None,
            listed: Some(listed),
        }
    }
}

/// How long `until` has left at `now` (the host's clock), in words: minutes up to two hours,
/// hours up to two days, then days; "until lifted" when it has no end.
pub fn time_left(lang: Lang, until: Option<u64>, now: u64) -> String {
    let Some(until) = until else {
        return lang.tr("rules-until-lifted");
    };
    let minutes = until.saturating_sub(now).div_ceil(60_000).max(1);
    match minutes {
        0..120 => tr!(lang, "rules-left-minutes", minutes = minutes),
        120..2880 => tr!(lang, "rules-left-hours", hours = minutes.div_ceil(60)),
        _ => tr!(lang, "rules-left-days", days = minutes.div_ceil(24 * 60)),
    }
}

/// Draws the bans and mutes panel: each rule with whom it is on, what it is, who decided it, how
/// long it has left and why, and a button that lifts it.
pub fn rules_ui(ui: &mut egui::Ui, panel: &RulesPanel) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let rules = |act| Some(Action::Room(RoomAction::Rules(act)));
    ui.horizontal(|ui| {
        ui.strong(lang.tr("rules-heading"));
        if ui.small_button(lang.tr("rules-refresh")).clicked() {
            action = rules(RulesAction::Open);
        }
        if ui.small_button(lang.tr("rules-close")).clicked() {
            action = rules(RulesAction::Close);
        }
    });
    if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
        action = rules(RulesAction::Close);
    }
    ui.separator();
    let Some(listed) = &panel.listed else {
        ui.weak(lang.tr("rules-asking"));
        return action;
    };
    if listed.rules.is_empty() {
        ui.label(lang.tr("rules-none"));
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
        for rule in &listed.rules {
            ui.push_id((rule.kind == RuleKind::Ban, &rule.room, &rule.name), |ui| {
                action = action.take().or(rule_ui(ui, lang, rule, listed.time));
            });
            ui.separator();
        }
        if listed.more > 0 {
            ui.weak(tr!(lang, "rules-more", count = listed.more));
        }
    });
    action
}

/// One ban or mute, and its button that lifts it (named for a screen reader by what it lifts).
fn rule_ui(ui: &mut egui::Ui, lang: Lang, rule: &ListedRule, now: u64) -> Option<Action> {
    let what = match (rule.kind, &rule.room) {
        (RuleKind::Ban, _) => lang.tr("rules-banned"),
        (RuleKind::Mute, None) => lang.tr("rules-muted"),
        (RuleKind::Mute, Some(room)) => tr!(lang, "rules-muted-in", room = room.as_str()),
    };
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        ui.strong(&rule.name);
        ui.label(what);
    });
    ui.weak(tr!(
        lang,
        "rules-by",
        name = rule.by.as_str(),
        left = time_left(lang, rule.until, now)
    ));
    if let Some(reason) = &rule.reason {
        ui.label(tr!(lang, "rules-reason", reason = reason.as_str()));
    }
    let lift = ui.button(lang.tr("rules-lift"));
    let named = match rule.kind {
        RuleKind::Ban => tr!(lang, "rules-lift-ban", name = rule.name.as_str()),
        RuleKind::Mute => tr!(lang, "rules-lift-mute", name = rule.name.as_str()),
    };
    lift.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &named));
    if lift.clicked() {
        action = Some(Action::Room(RoomAction::Rules(RulesAction::Lift(
            rule.clone(),
        ))));
    }
    action
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_rule_has_left_reads_in_minutes_then_hours_then_days_rounded_up() {
        const MINUTE: u64 = 60_000;
        let now = 1_700_000_000_000;
        let left = |lang, until: Option<u64>| time_left(lang, until, now);
        for (until, words) in [
            (None, "until lifted"),
            (Some(now + 1), "1 min left"),
            // Ended on the host's clock a moment ago, not yet taken off its list.
            (Some(now - 1), "1 min left"),
            (Some(now + 119 * MINUTE), "119 min left"),
            (Some(now + 119 * MINUTE + 1), "2 h left"),
            (Some(now + 47 * 60 * MINUTE + 1), "48 h left"),
            (Some(now + 48 * 60 * MINUTE), "2 days left"),
            (Some(now + 30 * 24 * 60 * MINUTE), "30 days left"),
        ] {
            assert_eq!(left(Lang::En, until), words, "{until:?}");
        }
        assert_eq!(left(Lang::Fr, None), "jusqu’à nouvel ordre");
        assert_eq!(
            left(Lang::Fr, Some(now + 3 * 24 * 60 * MINUTE)),
            "encore 3 jours"
        );
    }
}
