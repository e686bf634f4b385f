//! Where the connection to a room stands, as a pure state machine: idle, connecting, in the room,
//! or waiting to try again with a back-off. The app shell tells it what happened and asks it, each
//! frame, what is due; nothing here touches a socket, a thread or the clock (the time is passed in),
//! so it is tested on its own.

use std::time::{Duration, Instant};

/// Seconds to wait before reconnection attempt `attempt` (0-based): 1, 2, 4, 8, 16, then 30.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1_u64.checked_shl(attempt).unwrap_or(u64::MAX).min(30))
}

/// Where the connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Not connected, not trying.
    Idle,
    /// A connection is being made.
    Connecting {
        /// `host:port`, for the spinner's words.
        target: String,
        /// True when it replaces a lost connection (the chat stays on screen).
        reconnecting: bool,
    },
    /// In the room.
    Connected,
    /// Lost; trying again at `until`.
    Waiting {
        /// When the next attempt starts.
        until: Instant,
    },
}

/// What is due now (see [`Reconnect::due`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Nothing, and nothing to wake for.
    Nothing,
    /// Try to reconnect now.
    Reconnect,
    /// Nothing yet: wake again in this long (at most a second, for the countdown).
    WakeIn(Duration),
}

/// How long to wait before reconnection attempt `attempt` (0-based); [`backoff`] unless a test
/// needs it shorter.
pub type Backoff = fn(u32) -> Duration;

/// The connection's state and its failed attempts in a row.
#[derive(Debug, Clone)]
pub struct Reconnect {
    /// Where it stands.
    stage: Stage,
    /// Failed reconnection attempts in a row, for the back-off.
    attempt: u32,
    /// The wait before each attempt.
    backoff: Backoff,
}

impl Default for Reconnect {
    fn default() -> Self {
        Self::new(backoff)
    }
}

impl Reconnect {
    /// Idle, waiting `backoff(attempt)` before each reconnection attempt.
    pub fn new(backoff: Backoff) -> Self {
        Self {
            stage: Stage::Idle,
            attempt: 0,
            backoff,
        }
    }

    /// Where it stands.
    pub fn stage(&self) -> &Stage {
        &self.stage
    }

    /// True in the room.
    pub fn is_connected(&self) -> bool {
        self.stage == Stage::Connected
    }

    /// True while a connection is being made.
    pub fn is_connecting(&self) -> bool {
        matches!(self.stage, Stage::Connecting { .. })
    }

    /// True while a connection being made replaces a lost one.
    pub fn is_reconnecting(&self) -> bool {
        matches!(
            self.stage,
            Stage::Connecting {
                reconnecting: true,
                ..
            }
        )
    }

    /// True while waiting to try again.
    pub fn is_waiting(&self) -> bool {
        matches!(self.stage, Stage::Waiting { .. })
    }

    /// A connection to `target` is being made.
    pub fn connecting(&mut self, target: String, reconnecting: bool) {
        self.stage = Stage::Connecting {
            target,
            reconnecting,
        };
    }

    /// In the room: the back-off starts again from its first step.
    pub fn connected(&mut self) {
        self.stage = Stage::Connected;
        self.attempt = 0;
    }

    /// Not connected and not trying (left, gave up, refused).
    pub fn idle(&mut self) {
        self.stage = Stage::Idle;
        self.attempt = 0;
    }

    /// The connection was lost or an attempt failed, at `now`: wait before the next. Returns how
    /// long, and whether this is the first loss (not a failed retry).
    pub fn lost(&mut self, now: Instant) -> (Duration, bool) {
        let first = self.attempt == 0;
        let wait = (self.backoff)(self.attempt);
        self.attempt = self.attempt.saturating_add(1);
        self.stage = Stage::Waiting { until: now + wait };
        (wait, first)
    }

    /// What is due at `now`.
    pub fn due(&self, now: Instant) -> Due {
        match self.stage {
            Stage::Waiting { until } if now >= until => Due::Reconnect,
            Stage::Waiting { until } => Due::WakeIn((until - now).min(Duration::from_secs(1))),
            _ => Due::Nothing,
        }
    }

    /// Whole seconds until the next attempt, rounded up, while waiting.
    pub fn reconnect_in(&self, now: Instant) -> Option<u64> {
        match self.stage {
            Stage::Waiting { until } => Some(until.saturating_duration_since(now).as_secs() + 1),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_up_to_thirty() {
        let secs: Vec<u64> = (0..8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(u32::MAX).as_secs(), 30);
    }

    #[test]
    fn a_lost_connection_waits_longer_after_each_failure_and_starts_over_once_back() {
        let t0 = Instant::now();
        let mut m = Reconnect::default();
        m.connecting("h:1".into(), false);
        m.connected();
        assert_eq!(m.lost(t0), (Duration::from_secs(1), true));
        assert_eq!(m.due(t0), Due::WakeIn(Duration::from_secs(1)));
        assert_eq!(m.reconnect_in(t0), Some(2));
        assert_eq!(m.due(t0 + Duration::from_secs(1)), Due::Reconnect);
        m.connecting("h:1".into(), true);
        assert!(m.is_reconnecting());
        // The attempt fails: two seconds this time, and not the first loss.
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(m.lost(t1), (Duration::from_secs(2), false));
        assert_eq!(
            m.due(t1 + Duration::from_millis(500)),
            Due::WakeIn(Duration::from_secs(1))
        );
        assert_eq!(
            m.due(t1 + Duration::from_millis(1500)),
            Due::WakeIn(Duration::from_millis(500))
        );
        m.connecting("h:1".into(), true);
        m.connected();
        assert!(m.is_connected());
        assert_eq!(m.due(t1), Due::Nothing);
        // Lost again later: the back-off starts from one second.
        assert_eq!(m.lost(t1), (Duration::from_secs(1), true));
    }

    #[test]
    fn the_back_off_is_the_one_it_was_given() {
        let t0 = Instant::now();
        let mut m = Reconnect::new(|attempt| Duration::from_millis(10 * u64::from(attempt + 1)));
        assert_eq!(m.lost(t0).0, Duration::from_millis(10));
        assert_eq!(m.lost(t0).0, Duration::from_millis(20));
        assert_eq!(m.due(t0 + Duration::from_millis(20)), Due::Reconnect);
    }

    #[test]
    fn giving_up_is_idle_and_due_nothing() {
        let t0 = Instant::now();
        let mut m = Reconnect::default();
        m.lost(t0);
        m.lost(t0);
        m.idle();
        assert_eq!(m.due(t0 + Duration::from_secs(60)), Due::Nothing);
        assert_eq!(m.reconnect_in(t0), None);
        assert_eq!(m.lost(t0), (Duration::from_secs(1), true));
    }
}
