//! A connection's first moments: clear or TLS by its first byte, then its first line (a name, a
//! JSON hello, or a file connection's request), the room's password if it has one, and joining
//! the room — all by one deadline counted from the accept.

use super::*;
use crate::protocol::device::{DeviceId, DeviceProof, ProofError};

/// Looks at the first byte, by the deadline: a TLS ClientHello starts the handshake; anything
/// else is a clear connection. `Ok(None)`: the connection should end.
pub(super) fn open_transport(
    shared: &Shared,
    session: SessionId,
    socket: &SharedSocket,
    deadline: Instant,
) -> io::Result<Option<Transport>> {
    let mut first = [0u8; 1];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return timed_out(shared, &Transport::clear(socket.clone()), None).map(|_| None);
        }
        socket.set_read_timeout(Some(left))?;
        match socket.peek(&mut first) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if crate::is_timeout(&err) => {
                return timed_out(shared, &Transport::clear(socket.clone()), None).map(|_| None);
            }
            Err(err) => return Err(err),
        }
    }
    if first[0] != TLS_FIRST_BYTE {
        return Ok(Some(Transport::clear(socket.clone())));
    }
    let Some(config) = &shared.config.tls else {
        debug!("#{session}: a TLS hello, but this server has no certificate; closing");
        return Ok(None);
    };
    let conn = rustls::ServerConnection::new(Arc::clone(config)).map_err(io::Error::other)?;
    let mut conn = rustls::Connection::Server(conn);
    match tls::handshake(&mut conn, socket, deadline) {
        Ok(()) => Ok(Some(Transport::tls(socket.clone(), conn))),
        Err(err) => {
            // Not a TLS client after all, too slow, or a failed handshake: nothing to say in clear.
            debug!("#{session}: TLS handshake failed: {}", err.kind());
            Ok(None)
        }
    }
}

/// Who is joining, and by when.
pub(super) struct Start {
    pub(super) session: SessionId,
    pub(super) ip: IpAddr,
    pub(super) deadline: Instant,
}

/// Reads names (or hellos) until one is accepted, checking the room password first when the room
/// has one. `Ok(None)`: the connection should end.
pub(super) fn handshake(
    shared: &Shared,
    start: &Start,
    reader: &mut FrameReader<Transport>,
) -> io::Result<Option<Entered>> {
    let (session, deadline) = (start.session, start.deadline);
    let lang = shared.config.lang;
    let mut dialect = None;
    let mut verified = false;
    let mut device = None;
    loop {
        let frame = match reader.next_frame_before(deadline) {
            Ok(Some(frame)) => frame,
            Ok(None) => return Ok(None),
            Err(err) if crate::is_timeout(&err) => {
                return timed_out(shared, reader.get_ref(), dialect);
            }
            Err(err) => return Err(err),
        };
        let line = match frame {
            Frame::Line(line) => line,
            Frame::Ping(payload) => {
                reader
                    .get_ref()
                    .write_all(&websocket::pong_frame(&payload))?;
                continue;
            }
            Frame::Closed(close) => {
                reader.get_ref().write_all(&web::goodbye(close, lang))?;
                return Ok(None);
            }
            Frame::TooLong => {
                let msg = ServerMsg::error(
                    ErrorCode::TooLong,
                    tr!(lang, "error-line-too-long", max = MAX_MESSAGE_BYTES),
                );
                write_direct(
                    shared,
                    reader.get_ref(),
                    dialect.unwrap_or(Dialect::Plain),
                    &msg,
                )?;
                continue;
            }
        };
        let first_line = dialect.is_none();
        if first_line && http::is_request_line(&line) {
            match web::serve(shared, session, reader, &line, deadline)? {
                web::Served::Done => return Ok(None),
                web::Served::Answer(bytes) => {
                    return Ok(Some(Entered::Apart(Apart::Answer(bytes))));
                }
                web::Served::Download(token) => {
                    let download = files::Transfer::Page(token);
                    return Ok(Some(Entered::Apart(Apart::Transfer(download))));
                }
                web::Served::Upload(token, length) => {
                    let upload = files::Transfer::PageUpload {
                        token,
                        length,
                        held: Vec::new(),
                    };
                    return Ok(Some(Entered::Apart(Apart::Transfer(upload))));
                }
                web::Served::Upgraded => {
                    dialect = Some(Dialect::Web);
                    continue;
                }
            }
        }
        let dialect = *dialect.get_or_insert_with(|| detect_dialect(&line));
        let raw_name = match dialect {
            // Names are checked as sent, not cleaned: a control character breaks a rule.
            Dialect::Plain => String::from_utf8_lossy(&line).into_owned(),
            Dialect::Json | Dialect::Web => {
                reader.set_max_line(MAX_JSON_LINE_BYTES);
                match message::decode_client(&line) {
                    Ok(ClientMsg::Hello {
                        version,
                        name,
                        device: proof,
                    }) if version == PROTOCOL_VERSION => {
                        if let Some(proof) = proof {
                            match proved_device(reader.get_ref(), &proof) {
                                Ok(proved) => device = Some(proved),
                                Err(err) => {
                                    debug!("#{session}: a device proof refused ({err:?})");
                                    let msg = ServerMsg::error(
                                        ErrorCode::BadDevice,
                                        lang.tr(device_refusal(err)),
                                    );
                                    write_direct(shared, reader.get_ref(), dialect, &msg)?;
                                    return Ok(None);
                                }
                            }
                        }
                        name
                    }
                    Ok(msg) if first_line && files::transfer_of(&msg).is_some() => {
                        // A file connection: its token says what it may do; over TLS when the
                        // room takes only that.
                        let encrypted_only =
                            shared.config.require_tls || shared.config.password.is_some();
                        if encrypted_only && !reader.get_ref().is_tls() {
                            let msg = ServerMsg::error(
                                ErrorCode::TlsRequired,
                                lang.tr("error-tls-required"),
                            );
                            write_direct(shared, reader.get_ref(), dialect, &msg)?;
                            return Ok(None);
                        }
                        return Ok(files::transfer_of(&msg)
                            .map(|transfer| Entered::Apart(Apart::Transfer(transfer))));
                    }
                    Ok(ClientMsg::Hello { .. }) => {
                        let msg = ServerMsg::error(
                            ErrorCode::UnsupportedVersion,
                            tr!(lang, "error-version", version = PROTOCOL_VERSION),
                        );
                        write_direct(shared, reader.get_ref(), dialect, &msg)?;
                        return Ok(None);
                    }
                    Ok(_) => {
                        let msg =
                            ServerMsg::error(ErrorCode::Malformed, lang.tr("error-hello-first"));
                        write_direct(shared, reader.get_ref(), dialect, &msg)?;
                        // As PROTOCOL.md's table says: a first line that is not a hello (nor a
                        // file connection's) is no client of ours; after a refused hello, a
                        // client that jumps ahead is only told.
                        if first_line {
                            return Ok(None);
                        }
                        continue;
                    }
                    Err(err) => {
                        let msg = ServerMsg::error(ErrorCode::Malformed, malformed(lang, &err));
                        write_direct(shared, reader.get_ref(), dialect, &msg)?;
                        // A garbled first line: this is no client of ours. Later, just that line.
                        if first_line {
                            return Ok(None);
                        }
                        continue;
                    }
                }
            }
        };
        if first_line && shared.config.require_tls && !reader.get_ref().is_tls() {
            let msg = ServerMsg::error(ErrorCode::TlsRequired, lang.tr("error-tls-required"));
            write_direct(shared, reader.get_ref(), dialect, &msg)?;
            return Ok(None);
        }
        if !verified && let Some(key) = &shared.config.password {
            if !check_password(shared, start, reader, dialect, key)? {
                return Ok(None);
            }
            verified = true;
        }
        // A name the rules refuse is refused here, without the room. One that passes takes the
        // room's lock to be checked: an address tries a few at once, then two a second (a join
        // gives its try back); past that, this connection ends.
        if let Err(err) = name::validate(&raw_name) {
            write_direct(shared, reader.get_ref(), dialect, &name_refused(lang, &err))?;
            continue;
        }
        if let Err(wait) = shared.name_try(start.ip, Instant::now()) {
            let msg = ServerMsg::from(too_fast("naming", wait, lang));
            write_direct(shared, reader.get_ref(), dialect, &msg)?;
            return Ok(None);
        }
        // While the room checks the name, this connection can't be evicted from the waiting line;
        // if it already was, it ends here.
        if !shared.with_pending(|t| t.set_joining(session, true)) {
            return Ok(None);
        }
        let outbox = Outbox::new(
            reader.get_ref().clone(),
            shared.config.max_queue_bytes,
            format!("coucou-send-{session}"),
        );
        let socket = reader.get_ref().socket();
        let offer_variant = dialect == Dialect::Plain;
        // A linked room's names are claimed across its sites first, outside the room.
        let asked =
            linking::claim_for_join(shared, &raw_name, offer_variant).map_err(JoinError::Name);
        // The welcome leaves when the turn ends; by then the connection is out of the waiting
        // line, so a client told it joined is never still counted as waiting (it may open its
        // next connection at once).
        let turn = shared.turn();
        let (result, claimed) = match asked {
            Ok((asked, claimed)) => {
                let joined = shared.lock_room().join(
                    (session, start.ip, device),
                    &asked,
                    dialect,
                    Arc::clone(&outbox),
                    offer_variant,
                );
                (joined, claimed)
            }
            Err(refused) => (Err(refused), None),
        };
        if result.is_ok() {
            shared.with_pending(|t| t.remove(session));
            shared.name_try_back(start.ip);
        } else {
            shared.with_pending(|t| t.set_joining(session, false));
        }
        drop(turn);
        if let Some(claim) = claimed {
            claim.joined(result.as_ref().ok().map(String::as_str));
        }
        match result {
            Ok(name) => {
                socket.set_read_timeout(None)?;
                socket.set_write_timeout(Some(shared.config.write_timeout))?;
                return Ok(Some(Entered::Room(Joined {
                    dialect,
                    outbox,
                    name,
                    sent_name: raw_name,
                    device,
                })));
            }
            Err(JoinError::Name(err)) => {
                write_direct(shared, reader.get_ref(), dialect, &name_refused(lang, &err))?;
            }
            Err(JoinError::Full { max_people }) => {
                let msg = ServerMsg::error(
                    ErrorCode::RoomFull,
                    tr!(lang, "error-room-full", max = max_people),
                );
                write_direct(shared, reader.get_ref(), dialect, &msg)?;
                return Ok(None);
            }
            Err(JoinError::Banned(words)) => {
                let msg = ServerMsg::error(ErrorCode::Banned, words);
                write_direct(shared, reader.get_ref(), dialect, &msg)?;
                return Ok(None);
            }
        }
    }
}

/// Why a device proof failed: in clear (there is no session to bind it to), or not the key's own
/// over this session.
#[derive(Debug, Clone, Copy)]
enum DeviceRefused {
    Clear,
    Proof(ProofError),
}

/// The device `proof` proves on this connection.
fn proved_device(transport: &Transport, proof: &DeviceProof) -> Result<DeviceId, DeviceRefused> {
    let Some(Ok(exporter)) = transport.exporter() else {
        return Err(DeviceRefused::Clear);
    };
    proof.verify(&exporter).map_err(DeviceRefused::Proof)
}

/// The words a refused device proof is told with (its key in the catalogues).
fn device_refusal(err: DeviceRefused) -> &'static str {
    match err {
        DeviceRefused::Clear => "error-device-clear",
        DeviceRefused::Proof(ProofError::Malformed) => "error-device-malformed",
        DeviceRefused::Proof(ProofError::Forged) => "error-device-forged",
    }
}

/// A name refused, and why: the client may try another.
fn name_refused(lang: Lang, err: &NameError) -> ServerMsg {
    ServerMsg::error(
        ErrorCode::from(err),
        tr!(lang, "error-name-try-another", problem = err.describe(lang)),
    )
}
