//! The room's password, checked before joining: a SPAKE2 exchange bound to the TLS session for
//! JSON apps, a typed line for plain clients; one try reserved before the answer is checked.

use super::*;

/// Asks for the room password and checks it, by the handshake deadline: a SPAKE2 exchange bound to
/// the TLS session for JSON apps, the password as a line for plain clients. Only over TLS. A wrong
/// one costs a delay, counts against the address, and ends the connection. True when it is right.
pub(super) fn check_password(
    shared: &Shared,
    start: &Start,
    reader: &mut FrameReader<Transport>,
    dialect: Dialect,
    key: &RoomKey,
) -> io::Result<bool> {
    let transport = reader.get_ref().clone();
    let Some(exporter) = transport.exporter() else {
        let msg = ServerMsg::error(
            ErrorCode::TlsRequired,
            shared.config.lang.tr("error-password-needs-tls"),
        );
        write_direct(shared, &transport, dialect, &msg)?;
        return Ok(false);
    };
    let exporter = exporter?;
    // The try is counted now, before the answer is checked (tries made at once count as much as
    // tries made one after another), and given back unless the answer was a wrong password.
    let mut attempt = match shared.password_try(start.ip, Instant::now()) {
        Ok(()) => PasswordTry {
            shared,
            ip: start.ip,
            wrong: false,
        },
        Err(wait) => {
            let msg = ServerMsg::error(
                ErrorCode::TooManyAttempts,
                tr!(
                    shared.config.lang,
                    "error-too-many-attempts",
                    minutes = wait.as_secs().div_ceil(60).max(1)
                ),
            );
            write_direct(shared, &transport, dialect, &msg)?;
            return Ok(false);
        }
    };
    let right = match dialect {
        Dialect::Json => {
            let (pake, host_msg) = Pake::start(&key.key, &exporter);
            let challenge = ServerMsg::Password {
                salt: hex::encode(key.salt),
                msg: hex::encode(host_msg),
            };
            write_direct(shared, &transport, dialect, &challenge)?;
            let Some(answer) = next_line(shared, reader, dialect, start.deadline)? else {
                return Ok(false);
            };
            match message::decode_client(&answer) {
                Ok(ClientMsg::Password { msg, proof }) => {
                    let shared_secret = hex::decode(msg)
                        .ok()
                        .and_then(|theirs| pake.finish(&theirs).ok());
                    let proof = hex::decode(proof).unwrap_or_default();
                    match shared_secret {
                        Some(secret) if secret.check(Side::Guest, &proof).is_ok() => {
                            let verified = ServerMsg::Verified {
                                proof: hex::encode(secret.proof(Side::Host)),
                            };
                            write_direct(shared, &transport, dialect, &verified)?;
                            true
                        }
                        _ => false,
                    }
                }
                _ => false,
            }
        }
        Dialect::Plain => {
            let ask = ServerMsg::Password {
                salt: String::new(),
                msg: String::new(),
            };
            write_direct(shared, &transport, dialect, &ask)?;
            let Some(line) = next_line(shared, reader, dialect, start.deadline)? else {
                return Ok(false);
            };
            // Checked as typed: argon2 of the line, compared in constant time; never logged. At
            // most one check per processor at a time, in memory kept for it.
            let typed = String::from_utf8_lossy(&line);
            let Some(right) = shared.keys.check(key, &typed, start.deadline) else {
                write_direct(shared, &transport, dialect, &no_password_in_time(shared))?;
                return Ok(false);
            };
            if right {
                write_direct(
                    shared,
                    &transport,
                    dialect,
                    &ServerMsg::Verified {
                        proof: String::new(),
                    },
                )?;
            }
            right
        }
    };
    if !right {
        attempt.wrong = true;
        debug!("#{}: a wrong room password", start.session);
        // Only this connection waits; nothing is locked meanwhile.
        thread::sleep(shared.config.password_delay);
        let msg = ServerMsg::error(
            ErrorCode::WrongPassword,
            shared.config.lang.tr("error-wrong-password"),
        );
        write_direct(shared, &transport, dialect, &msg)?;
    }
    Ok(right)
}

/// One password try of an address, taken before its answer is checked; given back when dropped
/// unless the answer was wrong.
struct PasswordTry<'a> {
    shared: &'a Shared,
    ip: IpAddr,
    /// Set once a wrong password was checked: the try is spent.
    wrong: bool,
}

impl Drop for PasswordTry<'_> {
    fn drop(&mut self) {
        if !self.wrong {
            self.shared.password_try_back(self.ip);
        }
    }
}

/// The next line by the deadline (an over-long one reads as empty, which no password is); `None`
/// at the end of the stream, or when time is up (then the client is told).
fn next_line(
    shared: &Shared,
    reader: &mut FrameReader<Transport>,
    dialect: Dialect,
    deadline: Instant,
) -> io::Result<Option<Vec<u8>>> {
    match reader.next_frame_before(deadline) {
        Ok(Some(Frame::Line(line))) => Ok(Some(line)),
        Ok(Some(Frame::TooLong)) => Ok(Some(Vec::new())),
        Ok(None) => Ok(None),
        Err(err) if crate::is_timeout(&err) => {
            write_direct(
                shared,
                reader.get_ref(),
                dialect,
                &no_password_in_time(shared),
            )?;
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

/// The password was not there (or could not be checked) within the connection's time.
fn no_password_in_time(shared: &Shared) -> ServerMsg {
    ServerMsg::error(
        ErrorCode::HandshakeTimeout,
        tr!(
            shared.config.lang,
            "error-no-password",
            seconds = shared.config.handshake_timeout.as_secs_f64()
        ),
    )
}
