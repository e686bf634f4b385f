//! Passwords: the host's, checked before joining, and a named room's, checked before entering it;
//! each a SPAKE2 exchange bound to the TLS session for JSON apps, a typed password for plain
//! clients (and the host's for web pages), over TLS only; each a try of the address, given back
//! unless the password was wrong.

use super::*;

/// Asks for the room password and checks it, by the handshake deadline: a SPAKE2 exchange bound to
/// the TLS session for JSON apps, the password as typed for plain clients (a line) and web pages
/// (`typed_password`). Only over TLS. A wrong
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
        // A terminal types it on a line; a web page (over https: a browser gives a page no TLS
        // keying material to bind a proof to) sends it as typed.
        Dialect::Plain | Dialect::Web => {
            let ask = ServerMsg::Password {
                salt: String::new(),
                msg: String::new(),
            };
            write_direct(shared, &transport, dialect, &ask)?;
            let Some(line) = next_line(shared, reader, dialect, start.deadline)? else {
                return Ok(false);
            };
            let typed = if dialect == Dialect::Plain {
                String::from_utf8_lossy(&line).into_owned()
            } else {
                match message::decode_client(&line) {
                    Ok(ClientMsg::TypedPassword { text }) => text,
                    // Anything else is no password: a wrong one.
                    _ => String::new(),
                }
            };
            // Checked as typed: argon2 of the line, compared in constant time; never logged. At
            // most one check per processor at a time, in memory kept for it.
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
        Ok(Some(Frame::TooLong | Frame::Ping(_))) => Ok(Some(Vec::new())),
        Ok(None | Some(Frame::Closed(_))) => Ok(None),
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

/// The SPAKE2 exchanges a JSON session has begun for rooms with a password, by room (canonical
/// name): at most [`MAX_ROOM_EXCHANGES`], the oldest forgotten first.
#[derive(Default)]
pub(super) struct RoomExchanges(Vec<(String, Pake)>);

/// How many password exchanges for rooms one session may have begun and not finished.
const MAX_ROOM_EXCHANGES: usize = 4;

/// What answers a line of a room's password exchange; `None` when nothing does.
pub(super) type Answer = Option<ServerMsg>;

/// `session` asks to join `words` (a JSON line's `room`, or a terminal's `/join` words), which name
/// a room with a password. A JSON client is sent the host's half of a SPAKE2 exchange bound to the
/// TLS session (see [`room_password_answer`]); a terminal's password, typed after the room's name,
/// is checked at once. Only over TLS. Never holds the room lock while it waits.
pub(super) fn join_protected(
    shared: &Shared,
    (session, ip): (SessionId, IpAddr),
    transport: &Transport,
    dialect: Dialect,
    scope: &Scope,
    (room, key, typed): (String, RoomKey, Option<String>),
    exchanges: &mut RoomExchanges,
) -> Answer {
    let lang = shared.config.lang;
    let Some(Ok(exporter)) = transport.exporter() else {
        let text = tr!(lang, "error-room-password-needed", room = room.as_str());
        return Some(ServerMsg::error(ErrorCode::TlsRequired, text));
    };
    if dialect == Dialect::Json {
        let (pake, host_msg) = Pake::start(&key.key, &exporter);
        exchanges.0.retain(|(r, _)| *r != room);
        if exchanges.0.len() >= MAX_ROOM_EXCHANGES {
            exchanges.0.remove(0);
        }
        exchanges.0.push((room, pake));
        return Some(ServerMsg::Password {
            salt: hex::encode(key.salt),
            msg: hex::encode(host_msg),
        });
    }
    let Some(typed) = typed else {
        let text = tr!(lang, "error-room-password-needed", room = room.as_str());
        return Some(ServerMsg::error(ErrorCode::PasswordRequired, text));
    };
    let deadline = Instant::now() + shared.config.handshake_timeout;
    let right = checked_try(shared, ip, || shared.keys.check(&key, &typed, deadline));
    match right {
        Err(refused) => Some(ServerMsg::error(ErrorCode::TooManyAttempts, refused)),
        Ok(Some(true)) => {
            shared.with_room(|house| house.join_verified(session, scope, &room));
            None
        }
        Ok(Some(false)) => Some(wrong_password(shared, session)),
        // Not checked in time (every check busy): no try spent, and the words say so.
        Ok(None) => Some(ServerMsg::error(
            ErrorCode::Unavailable,
            lang.tr("error-password-busy"),
        )),
    }
}

/// A JSON client's answer (`msg`, `proof`, in hex) to the exchange begun for `room`: joined when
/// it proves the password (the host's proof is sent first), refused when it does not.
pub(super) fn room_password_answer(
    shared: &Shared,
    (session, ip): (SessionId, IpAddr),
    scope: &Scope,
    room: &str,
    (msg, proof): (&str, &str),
    exchanges: &mut RoomExchanges,
    send: &dyn Fn(ServerMsg),
) -> Answer {
    let lang = shared.config.lang;
    let canonical = shared.lock_room().protected(room).map(|(name, _)| name);
    let at = canonical.and_then(|name| exchanges.0.iter().position(|(r, _)| *r == name));
    let Some(at) = at else {
        let shown: String = clean_text(room).chars().take(64).collect();
        let text = tr!(lang, "error-no-exchange", room = shown);
        return Some(ServerMsg::error(ErrorCode::Malformed, text));
    };
    let (name, pake) = exchanges.0.remove(at);
    let secret = hex::decode(msg)
        .ok()
        .and_then(|theirs| pake.finish(&theirs).ok());
    let proof = hex::decode(proof).unwrap_or_default();
    let right = checked_try(shared, ip, || {
        Some(
            secret
                .as_ref()
                .is_some_and(|s| s.check(Side::Guest, &proof).is_ok()),
        )
    });
    match (right, secret) {
        (Err(refused), _) => Some(ServerMsg::error(ErrorCode::TooManyAttempts, refused)),
        (Ok(Some(true)), Some(secret)) => {
            send(ServerMsg::Verified {
                proof: hex::encode(secret.proof(Side::Host)),
            });
            shared.with_room(|house| house.join_verified(session, scope, &name));
            None
        }
        _ => Some(wrong_password(shared, session)),
    }
}

/// `session` asks to be a moderator with `typed`, the host's moderators' password: over TLS only,
/// a try of the address as a room password is, checked off the room lock. The answer, or `None`
/// when the host told them they are one.
pub(super) fn oper(
    shared: &Shared,
    (session, ip): (SessionId, IpAddr),
    transport: &Transport,
    typed: &str,
) -> Answer {
    let lang = shared.config.lang;
    let Some(key) = &shared.config.moderator_password else {
        return Some(ServerMsg::error(
            ErrorCode::NotModerator,
            lang.tr("error-oper-none"),
        ));
    };
    if !transport.is_tls() {
        return Some(ServerMsg::error(
            ErrorCode::TlsRequired,
            lang.tr("error-oper-tls"),
        ));
    }
    let deadline = Instant::now() + shared.config.handshake_timeout;
    match checked_try(shared, ip, || shared.keys.check(key, typed, deadline)) {
        Err(refused) => Some(ServerMsg::error(ErrorCode::TooManyAttempts, refused)),
        Ok(Some(true)) => {
            shared.with_room(|house| house.promote(session));
            None
        }
        Ok(Some(false)) => {
            debug!("#{session}: a wrong moderators' password");
            thread::sleep(shared.config.password_delay);
            Some(ServerMsg::error(
                ErrorCode::WrongPassword,
                lang.tr("error-wrong-oper"),
            ))
        }
        Ok(None) => Some(ServerMsg::error(
            ErrorCode::Unavailable,
            lang.tr("error-password-busy"),
        )),
    }
}

/// Runs `check` as one of the address's password tries: refused (the words why) when it has had
/// too many lately; given back unless the password was wrong (`Some(false)`; `None`: it could not
/// be checked).
fn checked_try(
    shared: &Shared,
    ip: IpAddr,
    check: impl FnOnce() -> Option<bool>,
) -> Result<Option<bool>, String> {
    if let Err(wait) = shared.password_try(ip, Instant::now()) {
        return Err(tr!(
            shared.config.lang,
            "error-too-many-attempts",
            minutes = wait.as_secs().div_ceil(60).max(1)
        ));
    }
    let right = check();
    if right != Some(false) {
        shared.password_try_back(ip);
    }
    Ok(right)
}

/// A wrong password for a room: after the delay (only this session waits), the error; the
/// connection stays.
fn wrong_password(shared: &Shared, session: SessionId) -> ServerMsg {
    debug!("#{session}: a wrong password for a room");
    thread::sleep(shared.config.password_delay);
    ServerMsg::error(
        ErrorCode::WrongPassword,
        shared.config.lang.tr("error-wrong-room-password"),
    )
}
