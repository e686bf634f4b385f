//! A device's proof in a hello: its public key (Ed25519) and its signature over this TLS
//! session's exporter, so that the proof holds for this one connection and nobody who lacks the
//! private key can make it (a proof seen on one connection and replayed on another fails: the
//! other session's exporter differs). Pure: the key pair is the app's (`crate::identity`), the
//! exporter the connection's.
//!
//! A TLS client certificate would have done the same, but every TLS client of the port (browsers,
//! `openssl s_client`) would then be asked for one; a signature in the hello asks nothing of
//! anyone who has no device.

use std::fmt;

use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};

use super::sha_id;

/// The TLS application protocol (ALPN) of a host that takes devices: the app offers it, and puts
/// its proof in the hello only when the host chose it (an older host chooses nothing).
pub const ALPN: &[u8] = b"coucou/1";

/// What a device signs: this, then the session's exporter (see `crate::tls::exporter`). The
/// prefix keeps the signature from meaning anything else.
const SIGNED_PREFIX: &[u8] = b"coucou device proof v1\0";

/// A device's public key in hex.
const KEY_HEX: usize = 64;
/// A signature in hex.
const SIG_HEX: usize = 128;

/// Who a device is: the SHA-256 of its public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(pub [u8; 32]);

impl DeviceId {
    /// The id of the public key `key`.
    pub fn of(key: &[u8]) -> Self {
        Self(sha_id::sha256(key))
    }

    /// All 64 hex digits, lowercase: how a host's files and command line name it.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads 64 hex digits (either case; spaces, dashes and colons ignored); `None` if it isn't
    /// one.
    pub fn from_hex(text: &str) -> Option<Self> {
        sha_id::from_hex(text).map(Self)
    }

    /// The short code people compare: the first 8 bytes as four groups of four hex digits.
    pub fn code(&self) -> String {
        sha_id::code(&self.0, 4)
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({})", self.code())
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

/// A device's proof, as a hello carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceProof {
    /// The Ed25519 public key, 64 hex digits.
    pub key: String,
    /// The signature over the prefix and the exporter, 128 hex digits.
    pub sig: String,
}

/// Why a proof is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofError {
    /// The key or the signature is not hex of the right length.
    Malformed,
    /// The signature is not the key's over this session: whoever sent it doesn't hold the key,
    /// or it was made for another connection.
    Forged,
}

impl DeviceProof {
    /// The proof `pair` makes for the session whose exporter is `exporter`.
    pub fn make(pair: &Ed25519KeyPair, exporter: &[u8; 32]) -> Self {
        let sig = pair.sign(&signed(exporter));
        Self {
            key: hex::encode(pair.public_key().as_ref()),
            sig: hex::encode(sig.as_ref()),
        }
    }

    /// The device this proves, checked against this session's `exporter`.
    pub fn verify(&self, exporter: &[u8; 32]) -> Result<DeviceId, ProofError> {
        if self.key.len() != KEY_HEX || self.sig.len() != SIG_HEX {
            return Err(ProofError::Malformed);
        }
        let key = hex::decode(&self.key).map_err(|_| ProofError::Malformed)?;
        let sig = hex::decode(&self.sig).map_err(|_| ProofError::Malformed)?;
        UnparsedPublicKey::new(&ED25519, &key)
            .verify(&signed(exporter), &sig)
            .map_err(|_| ProofError::Forged)?;
        Ok(DeviceId::of(&key))
    }
}

/// The bytes a device signs for the session of `exporter`.
fn signed(exporter: &[u8; 32]) -> Vec<u8> {
    [SIGNED_PREFIX, exporter.as_slice()].concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    fn pair() -> Ed25519KeyPair {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("a key");
        Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("its pair")
    }

    #[test]
    fn a_proof_holds_for_its_session_and_names_its_key() {
        let pair = pair();
        let proof = DeviceProof::make(&pair, &[7; 32]);
        let id = proof.verify(&[7; 32]).expect("proved");
        assert_eq!(id, DeviceId::of(pair.public_key().as_ref()));
        assert_eq!(DeviceId::from_hex(&id.to_hex()), Some(id));
        assert_eq!(id.code().len(), 19, "four groups of four and three spaces");
    }

    #[test]
    fn a_proof_replayed_on_another_session_or_with_another_key_is_forged() {
        let (pair, other) = (pair(), pair());
        let proof = DeviceProof::make(&pair, &[7; 32]);
        assert_eq!(proof.verify(&[8; 32]), Err(ProofError::Forged));
        // Someone else's key with this signature: they don't hold the key they name.
        let borrowed = DeviceProof {
            key: hex::encode(other.public_key().as_ref()),
            ..proof.clone()
        };
        assert_eq!(borrowed.verify(&[7; 32]), Err(ProofError::Forged));
        // A key that is no point on the curve.
        let nowhere = DeviceProof {
            key: "f".repeat(64),
            ..proof
        };
        assert_eq!(nowhere.verify(&[7; 32]), Err(ProofError::Forged));
    }

    #[test]
    fn malformed_proofs_are_refused_before_any_crypto() {
        let proof = DeviceProof::make(&pair(), &[7; 32]);
        for (key, sig) in [
            (String::new(), proof.sig.clone()),
            (proof.key.clone(), String::new()),
            (format!("{}00", proof.key), proof.sig.clone()),
            ("zz".repeat(32), proof.sig.clone()),
            (proof.key.clone(), "é".repeat(64)),
            ("a".repeat(100_000), proof.sig.clone()),
        ] {
            let bad = DeviceProof { key, sig };
            assert_eq!(bad.verify(&[7; 32]), Err(ProofError::Malformed));
        }
        assert_eq!(DeviceId::from_hex("abc"), None);
        assert_eq!(DeviceId::from_hex(&"g".repeat(64)), None);
    }
}
