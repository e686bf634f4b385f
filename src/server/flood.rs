//! The flood limit: a token bucket per client (and a second, slower one for renames).

use std::time::{Duration, Instant};

/// How fast one client may send messages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloodLimit {
    /// Messages that may be sent at once (a paste of several lines).
    pub burst: u32,
    /// Messages per second allowed over time.
    pub per_second: f64,
}

impl FloodLimit {
    /// The default limit on renames: three at once, then one every ten seconds. A rename reaches
    /// everyone and changes what they see, so it is held far tighter than messages.
    pub const RENAMES: Self = Self {
        burst: 3,
        per_second: 0.1,
    };

    /// The default limit on joining and leaving rooms: sixty at once (an app joins the rooms it
    /// was in, up to fifty, as it connects), then one a second: joining and leaving in a loop
    /// costs every room's people a line each time.
    pub const ROOMS: Self = Self {
        burst: 60,
        per_second: 1.0,
    };

    /// The default limit on names tried before joining, per address: ten at once, then two a
    /// second. Each try takes the room's lock; a person retyping a taken name never comes near.
    pub const NAMES: Self = Self {
        burst: 10,
        per_second: 2.0,
    };

    /// The default limit on searches: five at once, then one every two seconds. A search reads
    /// the disk; a person looks for something a few times, a script asks without end.
    pub const SEARCHES: Self = Self {
        burst: 5,
        per_second: 0.5,
    };
}

impl Default for FloodLimit {
    /// Generous: a person pasting 30 lines or typing fast never meets it; a script blasting does.
    fn default() -> Self {
        Self {
            burst: 30,
            per_second: 10.0,
        }
    }
}

/// One client's bucket of tokens; each message takes one.
#[derive(Debug)]
pub struct Bucket {
    /// The limit, or none for no limit.
    limit: Option<FloodLimit>,
    /// Tokens left, refilled with time up to `burst`.
    tokens: f64,
    /// When `tokens` was last brought up to date.
    updated: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(limit: Option<FloodLimit>, now: Instant) -> Self {
        Self {
            limit,
            tokens: limit.map_or(0.0, |l| f64::from(l.burst)),
            updated: now,
        }
    }

    /// Takes a token if there is one; false means the message must be refused.
    pub fn take(&mut self, now: Instant) -> bool {
        let Some(limit) = self.limit else {
            return true;
        };
        let elapsed = now.saturating_duration_since(self.updated);
        self.updated = now;
        self.tokens =
            (self.tokens + elapsed.as_secs_f64() * limit.per_second).min(f64::from(limit.burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until the next token, for the error message.
    /// Gives back a token taken for something that turned out not to count (at most a full
    /// bucket).
    pub fn give_back(&mut self) {
        if let Some(limit) = self.limit {
            self.tokens = (self.tokens + 1.0).min(f64::from(limit.burst));
        }
    }

    /// True when the bucket will be full again by `now` whatever was taken: it can be forgotten.
    pub fn refilled(&self, now: Instant) -> bool {
        self.limit.is_none_or(|limit| {
            let missing = f64::from(limit.burst) - self.tokens;
            now.saturating_duration_since(self.updated).as_secs_f64() * limit.per_second >= missing
        })
    }

    pub fn wait_hint(&self) -> Duration {
        match self.limit {
            Some(l) if l.per_second > 0.0 => {
                Duration::from_secs_f64(((1.0 - self.tokens).max(0.0)) / l.per_second)
            }
            _ => Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_given_back_counts_again_and_a_refilled_bucket_says_so() {
        let start = Instant::now();
        let mut bucket = Bucket::new(Some(FloodLimit::NAMES), start);
        for _ in 0..10 {
            assert!(bucket.take(start));
        }
        assert!(!bucket.take(start));
        assert!(!bucket.refilled(start));
        bucket.give_back();
        assert!(bucket.take(start), "the token given back");
        assert!(!bucket.refilled(start + Duration::from_secs(4)));
        assert!(
            bucket.refilled(start + Duration::from_secs(5)),
            "10 tokens at 2 a second"
        );
        let mut full = Bucket::new(Some(FloodLimit::NAMES), start);
        full.give_back();
        assert!(full.refilled(start), "never more than full");
    }

    #[test]
    fn burst_then_refill() {
        let start = Instant::now();
        let limit = FloodLimit {
            burst: 3,
            per_second: 2.0,
        };
        let mut bucket = Bucket::new(Some(limit), start);
        assert!((0..3).all(|_| bucket.take(start)));
        assert!(!bucket.take(start));
        assert!(bucket.take(start + Duration::from_millis(500)));
        assert!(!bucket.take(start + Duration::from_millis(600)));
        assert!((0..3).all(|_| bucket.take(start + Duration::from_secs(60))));
    }

    #[test]
    fn no_limit_always_passes() {
        let now = Instant::now();
        let mut bucket = Bucket::new(None, now);
        assert!((0..10_000).all(|_| bucket.take(now)));
    }
}
