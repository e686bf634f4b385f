//! What a moderator decided, as it travels to the other sites of a linked room: a ban, a mute, a
//! lift, a kick, a deletion or a room's clearing, signed by the site that made it with its
//! certificate's key (see `crate::identity`), so that a site takes it only from the sites it
//! trusts by their room code.
//! Pure: the payload is the ruling's JSON, signed as those bytes, after [`SIGNED_PREFIX`].

use serde::{Deserialize, Serialize};

use super::message::Act;
pub use super::message::Signed;

/// What a site signs: this, then the payload's bytes. The prefix keeps the signature from
/// meaning anything else.
pub const SIGNED_PREFIX: &[u8] = b"coucou ruling v1\0";

/// The longest payload a site reads.
pub const MAX_PAYLOAD_BYTES: usize = 4096;

/// One moderator's decision for every site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ruling {
    /// `ban`, `mute`, `unban`, `unmute`, `kick`, `delete`, `clear`, or `mute_room`,
    /// `unmute_room` and `kick_room` (a named room's moderator, in `room`).
    pub act: Act,
    /// The person's name (a ban, a mute, a lift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The person's device, when they had one (its 64 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// When it ends (milliseconds since the Unix epoch); absent: until lifted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<u64>,
    /// Why, if the moderator said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The message deleted (its id, the stream's, the same at every site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The named room the message is in, the room cleared, or the room a `mute_room`, an
    /// `unmute_room` or a `kick_room` is about (absent: the default room).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// The moderator's name.
    pub by: String,
    /// When the site made it (milliseconds since the Unix epoch): a site takes none older than
    /// [`MAX_AGE_MS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<u64>,
    /// Its own random id (32 hex digits): a site takes each ruling once, however often it is
    /// published again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// How old a ruling a site still takes: 30 days (a site away longer misses what was decided
/// meanwhile; the ids of those it took are kept that long).
pub const MAX_AGE_MS: u64 = 30 * 24 * 3600 * 1000;

/// How far ahead of a site's clock a ruling may say it was made: the sites' clocks differ.
pub const MAX_AHEAD_MS: u64 = 3600 * 1000;

impl Ruling {
    /// A ruling of `act` on `name` (if any) by the moderator `by`, the rest absent.
    pub fn about(act: Act, name: Option<String>, by: &str) -> Self {
        Self {
            act,
            name,
            device: None,
            until: None,
            reason: None,
            id: None,
            room: None,
            by: by.to_owned(),
            at: None,
            nonce: None,
        }
    }

    /// This ruling, made at `now` with the random id `nonce` (see [`Ruling::nonce`]).
    #[must_use]
    pub fn made(self, now: u64, nonce: [u8; 16]) -> Self {
        Self {
            at: Some(now),
            nonce: Some(hex::encode(nonce)),
            ..self
        }
    }

    /// Whether a site may take this ruling at `now`: not made too long ago nor too far ahead
    /// (a ruling from an older site says neither), and its id, if any, well formed.
    pub fn is_fresh(&self, now: u64) -> bool {
        let timely = self.at.is_none_or(|at| {
            at.saturating_add(MAX_AGE_MS) >= now && at <= now.saturating_add(MAX_AHEAD_MS)
        });
        let id_ok = self
            .nonce
            .as_deref()
            .is_none_or(|n| n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()));
        timely && id_ok
    }

    /// The bytes a site signs for `payload`.
    pub fn signed_bytes(payload: &str) -> Vec<u8> {
        [SIGNED_PREFIX, payload.as_bytes()].concat()
    }

    /// The ruling a payload says, if it says one within the limits.
    pub fn read(payload: &str) -> Option<Self> {
        if payload.len() > MAX_PAYLOAD_BYTES {
            return None;
        }
        serde_json::from_str(payload).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000_000;

    #[test]
    fn a_ruling_is_taken_within_its_age_and_the_clocks_skew_with_a_well_formed_id() {
        let made = Ruling::about(Act::Ban, Some("bob".into()), "teacher").made(NOW, [7; 16]);
        assert_eq!(made.nonce.as_deref(), Some("07".repeat(16).as_str()));
        let read = Ruling::read(&serde_json::to_string(&made).unwrap()).unwrap();
        assert_eq!(
            read, made,
            "dated and named in its payload (signed with it)"
        );
        assert!(made.is_fresh(NOW));
        assert!(made.is_fresh(NOW + MAX_AGE_MS));
        assert!(!made.is_fresh(NOW + MAX_AGE_MS + 1), "too old");
        assert!(made.is_fresh(NOW - MAX_AHEAD_MS));
        assert!(!made.is_fresh(NOW - MAX_AHEAD_MS - 1), "too far ahead");
        let older_site = Ruling::about(Act::Ban, Some("bob".into()), "teacher");
        assert!(older_site.is_fresh(NOW), "an older site's says neither");
        for bad in [
            "",
            "zz".repeat(16).as_str(),
            &"a".repeat(31),
            &"é".repeat(16),
        ] {
            let odd = Ruling {
                nonce: Some(bad.to_owned()),
                ..made.clone()
            };
            assert!(!odd.is_fresh(NOW), "{bad:?}");
        }
    }
}
