//! SHA-256 of what a reader gives, as the hex that file offers carry (ring's, already built for
//! rustls). Used by the host to check an upload and by the app to offer and check a file.

use std::io::{self, Read};

/// How much is read at a time.
const CHUNK: usize = 64 * 1024;

/// The SHA-256 of everything `source` reads, 64 lowercase hex digits.
pub fn sha256_hex(source: &mut impl Read) -> io::Result<String> {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    feed(&mut context, source)?;
    Ok(hex::encode(context.finish().as_ref()))
}

/// Adds everything `source` reads to a hash under way (a part on disk before the bytes still to
/// come); how many bytes that was.
pub fn feed(context: &mut ring::digest::Context, source: &mut impl Read) -> io::Result<u64> {
    let mut buf = vec![0u8; CHUNK];
    let mut read = 0;
    loop {
        match source.read(&mut buf) {
            Ok(0) => return Ok(read),
            Ok(n) => {
                context.update(&buf[..n]);
                read += n as u64;
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_of_abc_is_the_standard_one() {
        assert_eq!(
            sha256_hex(&mut &b"abc"[..]).ok().as_deref(),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }
}
