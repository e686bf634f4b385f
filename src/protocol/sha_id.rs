//! Ids that are a SHA-256 (a host's certificate fingerprint, a device's key): made, read back from
//! hex and shown to people as a short code, the same way for both.

/// The SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut id = [0; 32];
    id.copy_from_slice(digest.as_ref());
    id
}

/// Reads 64 hex digits (either case; spaces, dashes and colons ignored); `None` if it isn't one.
pub fn from_hex(text: &str) -> Option<[u8; 32]> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | ':'))
        .collect();
    if digits.len() != 64 {
        return None;
    }
    let mut id = [0; 32];
    hex::decode_to_slice(digits, &mut id).ok()?;
    Some(id)
}

/// The code people read aloud and compare: the first `groups` pairs of bytes as groups of four
/// uppercase hex digits, `3F2A 9C1B …`.
pub fn code(id: &[u8; 32], groups: usize) -> String {
    id[..groups * 2]
        .chunks(2)
        .map(|pair| format!("{:02X}{:02X}", pair[0], pair[1]))
        .collect::<Vec<_>>()
        .join(" ")
}
