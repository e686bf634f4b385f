//! The room password, without ever sending or keeping it in clear.
//!
//! The host keeps only a [`RoomKey`]: a random salt and the argon2id hash of the password with it.
//! To join, an app proves it knows the password with SPAKE2, a PAKE: both ends start from the key
//! (the app derives it from the typed password and the salt the host sends) and the TLS session's
//! exporter, exchange one message each, and each proves it reached the same secret with an HMAC.
//! An eavesdropper learns nothing it could test passwords against; a man in the middle that
//! terminates TLS itself has a different exporter on each side, so the proofs fail even when it
//! relays every message, and it gets at most one online guess per connection.

use ring::hmac;
use spake2::{Ed25519Group, Identity, Password, Spake2};

/// Length of the salt.
pub const SALT_BYTES: usize = 16;
/// Length of the key derived from the password.
pub const KEY_BYTES: usize = 32;
/// The longest password accepted (a line of the plain dialect holds it).
pub const MAX_PASSWORD_BYTES: usize = 256;

/// What the host keeps of the room password: a salt and the argon2id hash of the password with it.
#[derive(Clone, PartialEq, Eq)]
pub struct RoomKey {
    /// Random, made when the password is set.
    pub salt: [u8; SALT_BYTES],
    /// argon2id(password, salt).
    pub key: [u8; KEY_BYTES],
}

impl std::fmt::Debug for RoomKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.write_str("RoomKey(…)")
    }
}

/// Why a password could not be used or checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordError {
    /// Empty, or only spaces.
    Empty,
    /// Longer than [`MAX_PASSWORD_BYTES`].
    TooLong,
    /// A message of the exchange was malformed.
    Malformed,
    /// The proof did not match: a wrong password, or someone in the middle.
    Mismatch,
}

impl std::fmt::Display for PasswordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Empty => "the password is empty",
            Self::TooLong => "the password is too long (256 bytes at most)",
            Self::Malformed => "a malformed password message",
            Self::Mismatch => "wrong password (or someone in the middle of the connection)",
        })
    }
}

impl std::error::Error for PasswordError {}

/// The key argon2id derives from `password` and `salt`. The password is used as typed, without
/// its line end. Takes argon2's memory (19 MiB) for the time of the call; a host checking many
/// passwords reuses one [`KeyMemory`] per processor instead ([`RoomKey::matches_in`]).
pub fn derive_key(
    password: &str,
    salt: &[u8; SALT_BYTES],
) -> Result<[u8; KEY_BYTES], PasswordError> {
    derive_key_in(password, salt, &mut KeyMemory::new())
}

/// [`derive_key`] in memory the caller keeps from one call to the next.
pub fn derive_key_in(
    password: &str,
    salt: &[u8; SALT_BYTES],
    memory: &mut KeyMemory,
) -> Result<[u8; KEY_BYTES], PasswordError> {
    if password.trim().is_empty() {
        return Err(PasswordError::Empty);
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::TooLong);
    }
    let mut key = [0; KEY_BYTES];
    argon2::Argon2::default()
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut key, &mut memory.0[..])
        .map_err(|_| PasswordError::Malformed)?;
    Ok(key)
}

/// The memory of one argon2id computation with this crate's parameters (19 MiB), made once and
/// used again: a host that checks typed passwords keeps a few of these rather than asking the
/// allocator for 19 MiB at each try (which glibc keeps, per thread, after the try).
pub struct KeyMemory(Vec<argon2::Block>);

impl KeyMemory {
    /// Memory for one computation, zeroed.
    pub fn new() -> Self {
        Self(vec![
            argon2::Block::default();
            argon2::Params::default().block_count()
        ])
    }
}

impl Default for KeyMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for KeyMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyMemory({} blocks)", self.0.len())
    }
}

impl RoomKey {
    /// A key for `password` with a fresh random salt.
    pub fn new(password: &str) -> Result<Self, PasswordError> {
        let mut salt = [0; SALT_BYTES];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
            .map_err(|_| PasswordError::Malformed)?;
        Ok(Self {
            salt,
            key: derive_key(password, &salt)?,
        })
    }

    /// True when `typed` is the password (compared in constant time).
    pub fn matches(&self, typed: &str) -> bool {
        self.matches_in(typed, &mut KeyMemory::new())
    }

    /// [`RoomKey::matches`] in memory the caller keeps.
    pub fn matches_in(&self, typed: &str, memory: &mut KeyMemory) -> bool {
        derive_key_in(typed, &self.salt, memory).is_ok_and(|key| constant_time_eq(&key, &self.key))
    }

    /// `salt:key` in hex, as kept in the host's settings.
    pub fn to_stored(&self) -> String {
        format!("{}:{}", hex::encode(self.salt), hex::encode(self.key))
    }

    /// Reads [`RoomKey::to_stored`]'s form.
    pub fn from_stored(text: &str) -> Option<Self> {
        let (salt_hex, key_hex) = text.trim().split_once(':')?;
        let mut salt = [0; SALT_BYTES];
        let mut key = [0; KEY_BYTES];
        hex::decode_to_slice(salt_hex, &mut salt).ok()?;
        hex::decode_to_slice(key_hex, &mut key).ok()?;
        Some(Self { salt, key })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Which end of the exchange: each proves itself with a different tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The host.
    Host,
    /// The app joining.
    Guest,
}

/// One end of the exchange, between its first message and the other's.
pub struct Pake {
    state: Spake2<Ed25519Group>,
    binding: [u8; 32],
}

impl std::fmt::Debug for Pake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pake(…)")
    }
}

/// The secret both ends reach when they share the key and the TLS session.
pub struct Shared {
    secret: hmac::Key,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared(…)")
    }
}

impl Pake {
    /// Starts the exchange with `key`, bound to the TLS session's `exporter`. Returns this end and
    /// the message to send (hex on the wire).
    pub fn start(key: &[u8; KEY_BYTES], exporter: &[u8; 32]) -> (Self, Vec<u8>) {
        let mut id = b"coucou room password v1 ".to_vec();
        id.extend_from_slice(exporter);
        let (state, msg) =
            Spake2::<Ed25519Group>::start_symmetric(&Password::new(key), &Identity::new(&id));
        (
            Self {
                state,
                binding: *exporter,
            },
            msg,
        )
    }

    /// Ends the exchange with the other end's message.
    pub fn finish(self, theirs: &[u8]) -> Result<Shared, PasswordError> {
        let secret = self
            .state
            .finish(theirs)
            .map_err(|_| PasswordError::Malformed)?;
        let mut material = secret;
        material.extend_from_slice(&self.binding);
        Ok(Shared {
            secret: hmac::Key::new(hmac::HMAC_SHA256, &material),
        })
    }
}

impl Shared {
    /// The proof `side` sends.
    pub fn proof(&self, side: Side) -> Vec<u8> {
        hmac::sign(&self.secret, tag(side)).as_ref().to_vec()
    }

    /// Checks the other end's proof.
    pub fn check(&self, side: Side, proof: &[u8]) -> Result<(), PasswordError> {
        hmac::verify(&self.secret, tag(side), proof).map_err(|_| PasswordError::Mismatch)
    }
}

fn tag(side: Side) -> &'static [u8] {
    match side {
        Side::Host => b"coucou host proof",
        Side::Guest => b"coucou guest proof",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(
        host_key: &[u8; 32],
        guest_key: &[u8; 32],
        host_tls: [u8; 32],
        guest_tls: [u8; 32],
    ) -> bool {
        let (host, host_msg) = Pake::start(host_key, &host_tls);
        let (guest, guest_msg) = Pake::start(guest_key, &guest_tls);
        let host = host.finish(&guest_msg).unwrap();
        let guest = guest.finish(&host_msg).unwrap();
        let guest_ok = host.check(Side::Guest, &guest.proof(Side::Guest)).is_ok();
        let host_ok = guest.check(Side::Host, &host.proof(Side::Host)).is_ok();
        assert_eq!(guest_ok, host_ok);
        guest_ok
    }

    #[test]
    fn the_same_password_over_the_same_session_verifies_both_ways() {
        let room = RoomKey::new("tournesol").unwrap();
        let typed = derive_key("tournesol", &room.salt).unwrap();
        assert!(exchange(&room.key, &typed, [7; 32], [7; 32]));
    }

    #[test]
    fn memory_used_again_gives_the_same_keys() {
        let room = RoomKey::new("tournesol").unwrap();
        let mut memory = KeyMemory::new();
        assert!(room.matches_in("tournesol", &mut memory));
        assert!(!room.matches_in("tournesoI", &mut memory));
        assert!(
            room.matches_in("tournesol", &mut memory),
            "after a wrong one"
        );
        assert_eq!(
            derive_key_in("tournesol", &room.salt, &mut memory),
            derive_key("tournesol", &room.salt)
        );
    }

    #[test]
    fn a_wrong_password_or_another_session_fails() {
        let room = RoomKey::new("tournesol").unwrap();
        let wrong = derive_key("Tournesol", &room.salt).unwrap();
        assert!(!exchange(&room.key, &wrong, [7; 32], [7; 32]));
        // The right password through a man in the middle: two TLS sessions, two exporters.
        assert!(!exchange(&room.key, &room.key, [7; 32], [8; 32]));
    }

    #[test]
    fn a_proof_for_one_side_does_not_pass_for_the_other() {
        let (host, host_msg) = Pake::start(&[1; 32], &[0; 32]);
        let (guest, guest_msg) = Pake::start(&[1; 32], &[0; 32]);
        let host = host.finish(&guest_msg).unwrap();
        let guest = guest.finish(&host_msg).unwrap();
        assert!(
            host.check(Side::Guest, &host.proof(Side::Host)).is_err(),
            "a reflected proof"
        );
        assert!(guest.check(Side::Host, &guest.proof(Side::Host)).is_ok());
    }

    #[test]
    fn malformed_messages_and_passwords_are_errors() {
        let (host, _) = Pake::start(&[1; 32], &[0; 32]);
        assert!(host.finish(b"short").is_err());
        let salt = [0; SALT_BYTES];
        assert_eq!(derive_key("  ", &salt), Err(PasswordError::Empty));
        assert_eq!(
            derive_key(&"x".repeat(257), &salt),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn the_kept_form_reads_back_and_checks_typed_passwords() {
        let room = RoomKey::new("mot de passe").unwrap();
        let back = RoomKey::from_stored(&room.to_stored()).unwrap();
        assert_eq!(back, room);
        assert!(back.matches("mot de passe"));
        assert!(!back.matches("mot de passe "));
        assert!(!room.to_stored().contains("mot"));
        for bad in ["", "zz:zz", "00:00", &format!("{}:", hex::encode([0; 16]))] {
            assert_eq!(RoomKey::from_stored(bad), None, "{bad}");
        }
        assert_ne!(
            RoomKey::new("a b").unwrap().salt,
            RoomKey::new("a b").unwrap().salt
        );
    }
}
