//! A host's identity: a self-signed certificate and its key, made once and kept beside the
//! settings, and its fingerprint — the SHA-256 of the certificate — that apps pin on first use and
//! people compare as a short code. And an app install's device: an Ed25519 key, made once and kept
//! beside the settings too, that proves who the app is to the hosts it joins.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::protocol::device::{DeviceId, DeviceProof};
use crate::protocol::ruling::{Ruling, Signed};
use crate::protocol::sha_id;

/// The certificate's file in an identity folder (DER).
pub const CERT_FILE: &str = "cert.der";
/// The key's file in an identity folder (PKCS#8 DER), readable only by its owner.
pub const KEY_FILE: &str = "key.der";

/// Where a host's identity is kept when nobody says: beside the app's settings (see
/// [`dir_beside`]), so the app and `coucou server` on one computer are one host.
pub fn default_dir() -> Option<PathBuf> {
    let settings = confy::get_configuration_file_path("coucou", "settings").ok()?;
    Some(dir_beside(&settings))
}

/// The identity folder that goes with the settings file `settings_file`: `identity/` beside it.
pub fn dir_beside(settings_file: &Path) -> PathBuf {
    settings_file
        .parent()
        .unwrap_or(Path::new("."))
        .join("identity")
}

/// The device key's file in its folder (PKCS#8 DER of an Ed25519 key), readable only by its owner.
pub const DEVICE_FILE: &str = "device.der";

/// The device folder that goes with the settings file `settings_file`: `device/` beside it.
pub fn device_dir_beside(settings_file: &Path) -> PathBuf {
    settings_file
        .parent()
        .unwrap_or(Path::new("."))
        .join("device")
}

/// This app install's device: its key pair and its id.
pub struct Device {
    pair: Ed25519KeyPair,
    id: DeviceId,
}

impl fmt::Debug for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        write!(f, "Device({})", self.id)
    }
}

impl Device {
    /// The device kept in `dir`, made and saved there first if there is none. A file that is
    /// there but is no key is an error, never silently replaced (the hosts that know the device
    /// would know it no more). Two processes making one at once end up with the first's.
    pub fn load_or_create(dir: &Path) -> io::Result<Self> {
        let path = dir.join(DEVICE_FILE);
        if !path.exists() {
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| io::Error::other("no randomness for a device key"))?;
            fs::create_dir_all(dir)?;
            // A name of its own per try: threads of one process may make one at once too.
            static TRIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let this = TRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let staging = dir.join(format!(".{DEVICE_FILE}.new-{}-{this}", std::process::id()));
            write_private(&staging, pkcs8.as_ref())?;
            // A link fails when the file is there already: the first one made stays.
            let linked = fs::hard_link(&staging, &path);
            fs::remove_file(&staging).ok();
            if let Err(err) = linked
                && !path.exists()
            {
                return Err(err);
            }
        }
        let bytes = fs::read(&path)?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&bytes).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is no device key; move it aside to make a new one (hosts will know this \
                     app as a new device)",
                    path.display()
                ),
            )
        })?;
        let id = DeviceId::of(pair.public_key().as_ref());
        Ok(Self { pair, id })
    }

    /// Who this device is.
    pub fn id(&self) -> DeviceId {
        self.id
    }

    /// The proof of this device for the TLS session whose exporter is `exporter`.
    pub fn prove(&self, exporter: &[u8; 32]) -> DeviceProof {
        DeviceProof::make(&self.pair, exporter)
    }
}

/// The SHA-256 of a certificate: what an app pins.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER certificate.
    pub fn of(cert_der: &[u8]) -> Self {
        Self(sha_id::sha256(cert_der))
    }

    /// All 64 hex digits, lowercase: how it is stored and advertised.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads 64 hex digits (either case, spaces, dashes and colons ignored); `None` if it isn't one.
    pub fn from_hex(text: &str) -> Option<Self> {
        sha_id::from_hex(text).map(Self)
    }

    /// The code people read aloud and compare: the first 16 bytes (128 bits) as eight groups of
    /// four uppercase hex digits, `3F2A 9C1B …`.
    pub fn code(&self) -> String {
        sha_id::code(&self.0, 8)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.code())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

/// A certificate and its private key.
pub struct Identity {
    cert: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        write!(f, "Identity({})", self.fingerprint())
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            cert: self.cert.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl Identity {
    /// A new self-signed certificate (ECDSA P-256), named `coucou`.
    pub fn generate() -> io::Result<Self> {
        let key = rcgen::KeyPair::generate().map_err(io::Error::other)?;
        let params =
            rcgen::CertificateParams::new(vec!["coucou".to_owned()]).map_err(io::Error::other)?;
        let cert = params.self_signed(&key).map_err(io::Error::other)?;
        Ok(Self {
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }

    /// The identity kept in `dir`, made and saved there first if there is none. A file that is
    /// there but can't be read as a certificate and its key is an error, never silently replaced:
    /// a new identity means a new fingerprint, which every app that trusted the old one will refuse.
    ///
    /// Two processes starting at once (the app and `coucou server`, two servers) end up with one
    /// identity: each makes its own in a folder of its own and renames it into place, which only
    /// the first can do; the other then loads the first's.
    pub fn load_or_create(dir: &Path) -> io::Result<Self> {
        let (cert_path, key_path) = paths(dir);
        if cert_path.exists() || key_path.exists() {
            return Self::load(dir);
        }
        let identity = Self::generate()?;
        match identity.save_new(dir) {
            Ok(()) => Ok(identity),
            Err(_) if cert_path.exists() => Self::load(dir),
            Err(err) if dir.read_dir().is_ok_and(|mut d| d.next().is_some()) => {
                Err(io::Error::new(
                    err.kind(),
                    format!(
                        "{} holds other files and no identity: give the identity a folder of its own",
                        dir.display()
                    ),
                ))
            }
            Err(err) => Err(err),
        }
    }

    /// The identity kept in `dir`.
    pub fn load(dir: &Path) -> io::Result<Self> {
        let (cert_path, key_path) = paths(dir);
        let cert = fs::read(&cert_path)?;
        let key = fs::read(&key_path)?;
        let identity = Self {
            cert: CertificateDer::from(cert),
            key: PrivatePkcs8KeyDer::from(key),
        };
        // Both must make a working TLS configuration: a key that doesn't match its certificate, or
        // bytes that are neither, are refused here with the file named.
        rustls::sign::CertifiedKey::from_der(
            vec![identity.cert()],
            identity.key(),
            &rustls::crypto::ring::default_provider(),
        )
        .map_err(|err| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the identity in {} can't be used ({err}); move {CERT_FILE} and {KEY_FILE} \
                     aside to make a new one (apps that trusted it will warn)",
                    dir.display()
                ),
            )
        })?;
        Ok(identity)
    }

    /// Saves to `dir`, which must not exist yet or be empty: written to a folder beside it, then
    /// renamed into place in one step. The key file is readable only by its owner.
    fn save_new(&self, dir: &Path) -> io::Result<()> {
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent)?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        let staging = parent.join(format!(".{name}.new-{}-{stamp}", std::process::id()));
        fs::create_dir(&staging)?;
        let (cert_path, key_path) = paths(&staging);
        let written = write_private(&key_path, self.key.secret_pkcs8_der())
            .and_then(|()| fs::write(&cert_path, self.cert.as_ref()))
            .and_then(|()| fs::rename(&staging, dir));
        if written.is_err() {
            fs::remove_dir_all(&staging).ok();
        }
        written
    }

    /// The certificate's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.cert.as_ref())
    }

    /// The certificate, for a TLS configuration.
    pub fn cert(&self) -> CertificateDer<'static> {
        self.cert.clone()
    }

    /// The private key, for a TLS configuration.
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key.clone_key())
    }

    /// `ruling`, signed by this site with its certificate's key (ECDSA P-256) for the other sites
    /// of a linked room; `None` when the key is of another kind.
    pub fn sign_ruling(&self, ruling: &Ruling) -> Option<Signed> {
        let payload = serde_json::to_string(ruling).ok()?;
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            self.key.secret_pkcs8_der(),
            &rng,
        )
        .ok()?;
        let sig = pair.sign(&rng, &Ruling::signed_bytes(&payload)).ok()?;
        Some(Signed {
            payload,
            cert: hex::encode(self.cert.as_ref()),
            sig: hex::encode(sig.as_ref()),
        })
    }
}

/// Why a linked site's ruling is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulingRefused {
    /// Its certificate is none of the sites this one trusts.
    Untrusted,
    /// The certificate, the signature or the payload is not one.
    Malformed,
    /// The signature is not the certificate's key's over this payload.
    Forged,
}

/// The longest certificate (in hex) a site's ruling may carry.
const MAX_CERT_HEX: usize = 8 * 1024;

/// The ruling `signed` says, with the fingerprint of the site that signed it, when that site is
/// one of `trusted` and the signature is its certificate's key's.
pub fn read_ruling(
    signed: &Signed,
    trusted: &[Fingerprint],
) -> Result<(Fingerprint, Ruling), RulingRefused> {
    // Sizes first: nothing too long is hashed or parsed.
    if signed.cert.len() > MAX_CERT_HEX
        || signed.sig.len() > 512
        || signed.payload.len() > crate::protocol::ruling::MAX_PAYLOAD_BYTES
    {
        return Err(RulingRefused::Malformed);
    }
    let cert = hex::decode(&signed.cert).map_err(|_| RulingRefused::Malformed)?;
    let site = Fingerprint::of(&cert);
    if !trusted.contains(&site) {
        return Err(RulingRefused::Untrusted);
    }
    let sig = hex::decode(&signed.sig).map_err(|_| RulingRefused::Malformed)?;
    let cert = CertificateDer::from(cert);
    let end = webpki::EndEntityCert::try_from(&cert).map_err(|_| RulingRefused::Malformed)?;
    end.verify_signature(
        webpki::ring::ECDSA_P256_SHA256,
        &Ruling::signed_bytes(&signed.payload),
        &sig,
    )
    .map_err(|_| RulingRefused::Forged)?;
    let ruling = Ruling::read(&signed.payload).ok_or(RulingRefused::Malformed)?;
    Ok((site, ruling))
}

fn paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join(CERT_FILE), dir.join(KEY_FILE))
}

/// Writes `bytes` to a new file that only its owner may read or write.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        // The file may have existed with wider rights.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_made_once_kept_private_reused_and_a_broken_file_is_refused() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let folder = device_dir_beside(&dir.path().join("settings.toml"));
        let made = Device::load_or_create(&folder).expect("made");
        let again = Device::load_or_create(&folder).expect("read back");
        assert_eq!(made.id(), again.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(folder.join(DEVICE_FILE))
                .expect("kept")
                .permissions();
            assert_eq!(mode.mode() & 0o777, 0o600);
        }
        assert_eq!(
            made.prove(&[3; 32]).verify(&[3; 32]),
            Ok(made.id()),
            "its proof names it"
        );
        assert!(!format!("{made:?}").contains(&made.prove(&[3; 32]).sig));
        fs::write(folder.join(DEVICE_FILE), b"not a key").expect("broken");
        let refused = Device::load_or_create(&folder).expect_err("refused");
        assert_eq!(refused.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            fs::read(folder.join(DEVICE_FILE)).expect("left"),
            b"not a key",
            "never silently replaced"
        );
    }

    #[test]
    fn a_ruling_is_read_only_from_a_trusted_site_with_its_own_signature() {
        let (site, other) = (
            Identity::generate().expect("a"),
            Identity::generate().expect("b"),
        );
        let ruling = Ruling::about(
            crate::protocol::message::Act::Ban,
            Some("troll".into()),
            "teacher",
        )
        .made(1_800_000_000_000, [3; 16]);
        let signed = site.sign_ruling(&ruling).expect("signed");
        let trusted = [site.fingerprint()];
        assert_eq!(
            read_ruling(&signed, &trusted),
            Ok((site.fingerprint(), ruling.clone()))
        );
        assert_eq!(
            read_ruling(&signed, &[other.fingerprint()]),
            Err(RulingRefused::Untrusted)
        );
        // The payload changed after signing: a ban becomes an unban.
        let changed = Signed {
            payload: signed.payload.replace("\"ban\"", "\"unban\""),
            ..signed.clone()
        };
        assert_ne!(changed.payload, signed.payload);
        assert_eq!(read_ruling(&changed, &trusted), Err(RulingRefused::Forged));
        // A trusted site's certificate with another site's signature.
        let borrowed = Signed {
            cert: signed.cert.clone(),
            ..other.sign_ruling(&ruling).expect("signed")
        };
        assert_eq!(read_ruling(&borrowed, &trusted), Err(RulingRefused::Forged));
        for bad in [
            Signed {
                sig: "zz".into(),
                ..signed.clone()
            },
            Signed {
                cert: "0".repeat(MAX_CERT_HEX + 2),
                ..signed.clone()
            },
            Signed {
                payload: format!("{}{}", signed.payload, " ".repeat(5_000)),
                ..signed.clone()
            },
        ] {
            assert!(read_ruling(&bad, &trusted).is_err());
        }
    }

    #[test]
    fn threads_making_a_device_at_once_all_get_the_same_one() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let folder = dir.path().join("device");
        let ids: Vec<DeviceId> = std::thread::scope(|scope| {
            let makers: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| Device::load_or_create(&folder).expect("a device").id()))
                .collect();
            makers
                .into_iter()
                .map(|m| m.join().expect("made"))
                .collect()
        });
        assert!(ids.windows(2).all(|pair| pair[0] == pair[1]), "{ids:?}");
        let left: Vec<_> = fs::read_dir(&folder).expect("the folder").collect();
        assert_eq!(left.len(), 1, "no staging file left behind");
    }

    #[test]
    fn an_identity_is_made_once_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Identity::load_or_create(dir.path()).unwrap();
        let again = Identity::load_or_create(dir.path()).unwrap();
        assert_eq!(first.fingerprint(), again.fingerprint());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_ne!(
            Identity::generate().unwrap().fingerprint(),
            first.fingerprint()
        );
    }

    #[test]
    fn identities_made_at_once_by_several_threads_are_one() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("identity");
        let made: Vec<Fingerprint> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| scope.spawn(|| Identity::load_or_create(&target).unwrap().fingerprint()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(made.windows(2).all(|w| w[0] == w[1]), "{made:?}");
        assert_eq!(Identity::load(&target).unwrap().fingerprint(), made[0]);
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no staging folder left behind");
    }

    #[test]
    fn a_damaged_identity_is_a_clear_error_not_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        Identity::load_or_create(dir.path()).unwrap();
        fs::write(dir.path().join(KEY_FILE), b"not a key").unwrap();
        let err = Identity::load_or_create(dir.path()).unwrap_err();
        assert!(err.to_string().contains("can't be used"), "{err}");
        // A key from another identity doesn't match the certificate.
        let other = tempfile::tempdir().unwrap();
        Identity::load_or_create(other.path()).unwrap();
        fs::copy(other.path().join(KEY_FILE), dir.path().join(KEY_FILE)).unwrap();
        assert!(Identity::load(dir.path()).is_err());
        fs::remove_file(dir.path().join(CERT_FILE)).unwrap();
        assert!(
            Identity::load_or_create(dir.path()).is_err(),
            "half an identity"
        );
    }

    #[test]
    fn fingerprints_read_back_from_hex_and_show_as_a_short_code() {
        let fp = Fingerprint::of(b"certificate");
        assert_eq!(Fingerprint::from_hex(&fp.to_hex()), Some(fp));
        assert_eq!(
            Fingerprint::from_hex(&fp.to_hex().to_uppercase().replace("", " ")),
            Some(fp)
        );
        let code = fp.code();
        assert_eq!(code.len(), 8 * 4 + 7);
        assert!(
            fp.to_hex()
                .to_uppercase()
                .replace(' ', "")
                .starts_with(&code.replace(' ', ""))
        );
        for bad in ["", "zz", &"a".repeat(63), &"g".repeat(64), &"a".repeat(66)] {
            assert_eq!(Fingerprint::from_hex(bad), None, "{bad}");
        }
    }
}
