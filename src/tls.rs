//! TLS on the same port as the clear dialects: the configurations (ring only, TLS 1.3 and 1.2), the
//! app's certificate check (pinning, no CA), the handshake under a deadline, and [`Transport`] — one
//! connection's socket, clear or encrypted, shared by the threads that read, flush and write it.
//!
//! A TLS client speaks first with a ClientHello, whose first byte is [`TLS_FIRST_BYTE`] (a
//! handshake record); no name or JSON line can start with it, so the server tells them apart by
//! that byte alone.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::connection::{ReadTimeout, SharedSocket};
use crate::identity::{Fingerprint, Identity};
use crate::protocol::device;

/// The first byte of every TLS connection (a handshake record).
pub const TLS_FIRST_BYTE: u8 = 0x16;

/// The label of the keying material that binds the room password to one TLS session (RFC 5705).
pub const EXPORTER_LABEL: &[u8] = b"EXPORTER-coucou-room-password";

/// The crypto provider: ring, nothing else.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server's TLS configuration for `identity`. Session tickets are off: nothing is resumed, and
/// nothing is written to a connection but what the room sends.
pub fn server_config(identity: &Identity) -> Result<Arc<rustls::ServerConfig>, rustls::Error> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![identity.cert()], identity.key())?;
    config.send_tls13_tickets = 0;
    // The app asks for Coucou's protocol to learn that this host takes its device; a browser
    // asks for HTTP/1.1 (which is what the page speaks). A client that asks for neither is
    // refused by the handshake (RFC 7301); one that asks for nothing is served as before.
    config.alpn_protocols = vec![device::ALPN.to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What the app checks a host's certificate against: its pin, if it has one. With no pin, any
/// certificate passes the check here and the app asks the person (or the room password decides);
/// either way the handshake's signature must be the certificate's own.
#[derive(Debug)]
pub struct PinVerifier {
    /// The pinned fingerprint, if any.
    pin: Option<Fingerprint>,
    /// What the host presented, once the handshake has got that far.
    seen: Mutex<Option<Fingerprint>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinVerifier {
    /// A check against `pin` (or none).
    pub fn new(pin: Option<Fingerprint>) -> Arc<Self> {
        Arc::new(Self {
            pin,
            seen: Mutex::new(None),
            algorithms: provider().signature_verification_algorithms,
        })
    }

    /// The fingerprint the host presented, if the handshake got that far.
    pub fn seen(&self) -> Option<Fingerprint> {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The message of the error a changed certificate fails the handshake with.
pub const PIN_MISMATCH: &str = "the host's certificate is not the one pinned";

impl ServerCertVerifier for PinVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen = Fingerprint::of(end_entity.as_ref());
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(seen);
        match self.pin {
            Some(pin) if pin != seen => Err(rustls::Error::General(PIN_MISMATCH.to_owned())),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The app's TLS configuration, checking certificates with `verifier`.
pub fn client_config(
    verifier: Arc<PinVerifier>,
) -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // Asked for, to learn whether the host takes this app's device (see `Transport::takes_device`).
    config.alpn_protocols = vec![device::ALPN.to_vec()];
    Ok(Arc::new(config))
}

/// The name a client gives in its hello: the host as typed when it is a DNS name or an address,
/// else a fixed one (the pin, not the name, identifies the host).
pub fn server_name(host: &str) -> ServerName<'static> {
    ServerName::try_from(host.to_owned())
        .unwrap_or_else(|_| ServerName::try_from("coucou").expect("a valid DNS name"))
}

/// Runs `conn`'s handshake on `socket`, failing with [`io::ErrorKind::TimedOut`] at `deadline`
/// however slowly bytes trickle in: one read at a time, the deadline checked before each.
pub fn handshake(
    conn: &mut rustls::Connection,
    socket: &SharedSocket,
    deadline: Instant,
) -> io::Result<()> {
    let mut io = socket.clone();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        socket.set_write_timeout(Some(left))?;
        while conn.wants_write() {
            conn.write_tls(&mut io)?;
        }
        if !conn.is_handshaking() {
            socket.set_write_timeout(None)?;
            return Ok(());
        }
        ReadTimeout::set_read_timeout(socket, Some(left))?;
        match conn.read_tls(&mut io) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) if crate::is_timeout(&err) => {
                return Err(io::ErrorKind::TimedOut.into());
            }
            Err(err) => return Err(err),
        }
        if let Err(err) = conn.process_new_packets() {
            // The alert that says why, if the peer still listens.
            while conn.wants_write() {
                if conn.write_tls(&mut io).is_err() {
                    break;
                }
            }
            return Err(io::Error::new(io::ErrorKind::InvalidData, err));
        }
    }
}

/// Keying material from the TLS session, the same on both ends of one session and different on
/// each side of a man in the middle: what the room password's proof is bound to.
pub fn exporter(conn: &rustls::Connection) -> io::Result<[u8; 32]> {
    conn.export_keying_material([0; 32], EXPORTER_LABEL, None)
        .map_err(io::Error::other)
}

/// One connection's socket, in clear or under TLS. Cloning shares it. Reading gives plaintext;
/// [`Transport::seal`] turns plaintext into what goes on the wire. Exactly one thread reads; whoever
/// writes must be the only writer at that time (the outbox's `busy` flag sees to it), since TLS
/// records must reach the socket in the order they were sealed.
#[derive(Clone)]
pub struct Transport {
    socket: SharedSocket,
    tls: Option<Arc<Mutex<rustls::Connection>>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A connection in clear.
    pub fn clear(socket: SharedSocket) -> Self {
        Self { socket, tls: None }
    }

    /// A connection under TLS, its handshake done.
    pub fn tls(socket: SharedSocket, conn: rustls::Connection) -> Self {
        Self {
            socket,
            tls: Some(Arc::new(Mutex::new(conn))),
        }
    }

    /// The socket underneath.
    pub fn socket(&self) -> &SharedSocket {
        &self.socket
    }

    /// True under TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    fn lock(tls: &Mutex<rustls::Connection>) -> MutexGuard<'_, rustls::Connection> {
        tls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session's keying material for the room password, under TLS.
    pub fn exporter(&self) -> Option<io::Result<[u8; 32]>> {
        self.tls.as_ref().map(|tls| exporter(&Self::lock(tls)))
    }

    /// True when the TLS handshake agreed on Coucou's own protocol ([`device::ALPN`]): the
    /// host takes a device proof in the hello.
    pub fn takes_device(&self) -> bool {
        self.tls
            .as_ref()
            .is_some_and(|tls| Self::lock(tls).alpn_protocol() == Some(device::ALPN))
    }

    /// Appends to `wire` what `plain` becomes on the wire: itself in clear, TLS records (and any
    /// record the session has queued, such as a key update) under TLS.
    pub fn seal(&self, plain: &[u8], wire: &mut Vec<u8>) -> io::Result<()> {
        match &self.tls {
            None => {
                wire.extend_from_slice(plain);
                Ok(())
            }
            Some(tls) => {
                let mut conn = Self::lock(tls);
                let mut rest = plain;
                // rustls holds a bounded amount of sealed bytes: move them out as they come.
                while !rest.is_empty() {
                    let taken = conn.writer().write(rest)?;
                    while conn.wants_write() {
                        conn.write_tls(wire)?;
                    }
                    if taken == 0 {
                        return Err(io::ErrorKind::WriteZero.into());
                    }
                    rest = &rest[taken..];
                }
                while conn.wants_write() {
                    conn.write_tls(wire)?;
                }
                Ok(())
            }
        }
    }

    /// Writes `plain` with blocking writes (sealed first under TLS).
    pub fn write_all(&self, plain: &[u8]) -> io::Result<()> {
        let mut socket = self.socket.clone();
        if self.tls.is_none() {
            return socket.write_all(plain);
        }
        let mut wire = Vec::with_capacity(plain.len() + 64);
        self.seal(plain, &mut wire)?;
        socket.write_all(&wire)
    }

    /// Ends this side of the connection, still reading the other's: close_notify under TLS, a
    /// half-close of the socket in clear.
    pub fn close_write(&self) {
        if let Some(wire) = self.close_notify() {
            let mut socket = self.socket.clone();
            socket.write_all(&wire).ok();
        }
        self.socket.shutdown(Shutdown::Write).ok();
    }

    /// Under TLS, the close_notify record to send, sealed; `None` in clear.
    fn close_notify(&self) -> Option<Vec<u8>> {
        let tls = self.tls.as_ref()?;
        let mut wire = Vec::new();
        let mut conn = Self::lock(tls);
        conn.send_close_notify();
        while conn.wants_write() {
            if conn.write_tls(&mut wire).is_err() {
                break;
            }
        }
        Some(wire)
    }

    /// Says goodbye under TLS (close_notify), without waiting; then shuts the socket down.
    pub fn shutdown(&self) {
        if let Some(wire) = self.close_notify() {
            crate::connection::send_now(&self.socket, &wire).ok();
        }
        self.socket.shutdown(Shutdown::Both).ok();
    }
}

impl ReadTimeout for Transport {
    fn set_read_timeout(&self, timeout: Option<std::time::Duration>) -> io::Result<()> {
        ReadTimeout::set_read_timeout(&self.socket, timeout)
    }
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(tls) = &self.tls else {
            return self.socket.read(buf);
        };
        let mut raw = [0u8; 16 * 1024];
        loop {
            {
                let mut conn = Self::lock(tls);
                match conn.reader().read(buf) {
                    Ok(n) => return Ok(n),
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    Err(err) => return Err(err),
                }
            }
            // No plaintext yet: wait for records without holding the session, so writers may seal.
            let n = self.socket.read(&mut raw)?;
            let mut conn = Self::lock(tls);
            if n == 0 {
                // The peer closed without a close_notify: an end all the same.
                return Ok(0);
            }
            let mut fed = &raw[..n];
            while !fed.is_empty() {
                conn.read_tls(&mut fed)?;
                conn.process_new_packets()
                    .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
            }
        }
    }
}
