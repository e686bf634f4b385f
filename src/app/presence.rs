//! This person's presence as the app tells the room, as a pure owner: typing (said again every
//! few seconds while they type, and stopped when the line is emptied without sending), and away
//! after a while without input (and back at the next input, when it was the app that said away).
//! The time and what happened are passed in; it answers what to tell the room, and the app tells
//! it (JSON rooms only).

use std::time::{Duration, Instant};

use crate::protocol::Command;
use crate::protocol::message::TYPING_EVERY_MS;

/// What the app tells the room about this person now, if anything.
#[derive(Debug, Default)]
pub struct Presence {
    /// When the room was last told the person types; `None` once told they stopped.
    typing_sent: Option<u64>,
    /// The input line as it was last seen, to see typing.
    typing_input: String,
    /// When the person last used the keyboard or the mouse in the window.
    last_input: Option<Instant>,
    /// The app said away for want of input (and says back at the next input).
    auto_away_sent: bool,
}

/// What a while without input calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// Nothing, and nothing to wake for.
    Nothing,
    /// Tell the room the person is away, the app's doing.
    Away,
    /// Nothing yet: look again after this long.
    WakeIn(Duration),
}

impl Presence {
    /// The input line is `input` at `now_ms`, in a room that hears about typing (`live`) or
    /// not: `Some(true)` to tell it the person types, `Some(false)` that they stopped. Slash
    /// commands other than `/me` are not typing to the room.
    pub fn typed(&mut self, input: &str, live: bool, now_ms: u64) -> Option<bool> {
        let changed = input != self.typing_input;
        if changed {
            input.clone_into(&mut self.typing_input);
        }
        if !live {
            self.typing_sent = None;
            return None;
        }
        let text = input.trim();
        let typing = !text.is_empty() && (!text.starts_with('/') || text.starts_with("/me "));
        let due = self
            .typing_sent
            .is_none_or(|at| now_ms.saturating_sub(at) >= TYPING_EVERY_MS);
        if typing && changed && due {
            self.typing_sent = Some(now_ms);
            Some(true)
        } else if !typing && self.typing_sent.is_some() {
            self.typing_sent = None;
            Some(false)
        } else {
            None
        }
    }

    /// A message went: it tells the others the typing is over by itself.
    pub fn sent(&mut self) {
        self.typing_sent = None;
    }

    /// The person used the keyboard or the mouse at `now`: `Back` to tell the room when it was
    /// the app that said they were away (even before the room confirmed it: a `back` it did not
    /// need is answered to this app alone).
    pub fn input(&mut self, now: Instant) -> Option<Command> {
        self.last_input = Some(now);
        std::mem::take(&mut self.auto_away_sent).then_some(Command::Back)
    }

    /// The person chose their status themselves: the app's own away is over.
    pub fn chose(&mut self) {
        self.auto_away_sent = false;
    }

    /// At `now`, after `after` without input (`None`: never), in a room that hears about
    /// presence (`live`), the person already `away` or not: what is due. Time starts at the first
    /// look.
    pub fn idle(&mut self, now: Instant, after: Option<Duration>, live: bool, away: bool) -> Idle {
        let last = *self.last_input.get_or_insert(now);
        let Some(after) = after.filter(|_| live && !self.auto_away_sent) else {
            return Idle::Nothing;
        };
        let idle = now.saturating_duration_since(last);
        if idle < after {
            Idle::WakeIn(after - idle)
        } else if away {
            Idle::Nothing
        } else {
            self.auto_away_sent = true;
            Idle::Away
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_is_told_once_then_every_few_seconds_and_stopped_when_the_line_is_emptied() {
        let mut presence = Presence::default();
        assert_eq!(presence.typed("b", true, 1_000), Some(true));
        assert_eq!(presence.typed("bo", true, 1_500), None, "said a moment ago");
        assert_eq!(
            presence.typed("bo", true, 9_000),
            None,
            "no new key, nothing new"
        );
        let later = 1_000 + TYPING_EVERY_MS;
        assert_eq!(presence.typed("bon", true, later), Some(true), "said again");
        assert_eq!(presence.typed("", true, later + 10), Some(false));
        assert_eq!(presence.typed("", true, later + 20), None, "said once");
        // Commands are not typing, but /me is; a message sent ends it by itself.
        assert_eq!(presence.typed("/nick bob", true, 50_000), None);
        assert_eq!(presence.typed("/me waves", true, 60_000), Some(true));
        presence.sent();
        assert_eq!(presence.typed("", true, 60_010), None);
        // Not in a room that hears it: nothing.
        assert_eq!(presence.typed("hello", false, 70_000), None);
    }

    #[test]
    fn away_comes_after_the_idle_time_once_and_back_at_the_next_input() {
        let start = Instant::now();
        let ten = Some(Duration::from_secs(600));
        let mut presence = Presence::default();
        assert_eq!(
            presence.idle(start, ten, true, false),
            Idle::WakeIn(Duration::from_secs(600))
        );
        let later = start + Duration::from_secs(599);
        assert_eq!(
            presence.idle(later, ten, true, false),
            Idle::WakeIn(Duration::from_secs(1))
        );
        let due = start + Duration::from_secs(600);
        assert_eq!(presence.idle(due, ten, true, false), Idle::Away);
        assert_eq!(
            presence.idle(due, ten, true, true),
            Idle::Nothing,
            "said once"
        );
        assert_eq!(presence.input(due), Some(Command::Back));
        assert_eq!(presence.input(due), None, "back once");
        // Off, or not in a room that hears it: nothing to wake for.
        assert_eq!(presence.idle(due, None, true, false), Idle::Nothing);
        assert_eq!(presence.idle(due, ten, false, false), Idle::Nothing);
    }

    #[test]
    fn away_chosen_by_the_person_is_not_the_app_s_to_take_back() {
        let start = Instant::now();
        let mut presence = Presence::default();
        let one = Some(Duration::from_secs(60));
        presence.idle(start, one, true, false);
        assert_eq!(
            presence.idle(start + Duration::from_secs(60), one, true, false),
            Idle::Away
        );
        presence.chose();
        assert_eq!(presence.input(start + Duration::from_secs(61)), None);
        // Already away by their own choice: the app says nothing more.
        let much_later = start + Duration::from_secs(3600);
        assert_eq!(presence.idle(much_later, one, true, true), Idle::Nothing);
    }
}
