//! What a moderator decided, as it travels to the other sites of a linked room: a ban, a mute, a
//! lift or a deletion, signed by the site that made it with its certificate's key (see
//! `crate::identity`), so that a site takes it only from the sites it trusts by their room code.
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
    /// `ban`, `mute`, `unban`, `unmute` or `delete`.
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
    /// The named room the message is in (absent: the default room).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// The moderator's name.
    pub by: String,
}

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
        }
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
