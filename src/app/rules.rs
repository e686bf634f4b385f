//! The bans and mutes panel's requests: opened from the Moderation menu (the list asked of the
//! host; of a host that doesn't list them, the bans asked in words, answered in the
//! conversation), filled by the host's answer, and a rule lifted from it, the list then asked
//! again.

use super::contact::Contact;
use super::conversation::Conversation;
use crate::protocol::ClientMsg;
use crate::protocol::command::Moderate;
use crate::protocol::message::{Act, RuleKind};
use crate::ui::moderation::{Listed, RulesAction};

/// Carries out what the panel (or the Moderation menu) asked, for the conversation on screen, on
/// the connection `contact` has live.
pub(super) fn apply(action: RulesAction, conv: &mut Conversation, contact: &Contact) {
    let lifted = match action {
        // Put away, connection or none.
        RulesAction::Close => {
            conv.rules.open = false;
            return;
        }
        RulesAction::Open => None,
        RulesAction::Lift(rule) => Some(rule),
    };
    let Some(conn) = contact.live_json() else {
        return;
    };
    let ask =
        |room: Option<&str>, asked: Moderate| conn.ask_about(room, ClientMsg::Moderate(asked));
    match lifted {
        None => {
            let room = conv.named_on_screen().map(str::to_owned);
            if !conv.chat.as_ref().is_some_and(|chat| chat.has_rules) {
                ask(room.as_deref(), Moderate::alone(Act::Bans));
                return;
            }
            // Asked in another room: that room's own mutes, not the last one's.
            if conv.rules.room != room {
                conv.rules.listed = None;
            }
            conv.rules.open = true;
            conv.rules.room = room;
        }
        Some(rule) => {
            let act = match rule.kind {
                RuleKind::Ban => Act::Unban,
                RuleKind::Mute => Act::Unmute,
            };
            // A room's own mute is lifted in that room; the host's in the default room, where
            // no room's mute of the same name comes first.
            let lift = Moderate {
                name: Some(rule.name),
                ..Moderate::alone(act)
            };
            ask(rule.room.as_deref(), lift);
        }
    }
    // The host answers in order: the list comes after what was lifted.
    ask(conv.rules.room.as_deref(), Moderate::alone(Act::Rules));
}

/// The host's list, shown in the panel (`time` its clock then, `more` how many it left out).
pub(super) fn listed(conv: &mut Conversation, listed: Listed) {
    conv.rules.listed = Some(listed);
}
