//! One connection's life on the server: the handshake (name first), then reading and acting on its
//! lines.
//!
//! Runs on the connection's own thread, as in the seed. Before the name is accepted, replies are
//! written straight to the socket, and the whole handshake must end by one deadline counted from the
//! accept, however slowly bytes trickle in. After, everything the person is sent goes through their
//! [`Outbox`]: flushed by whoever ends the last turn in the room, and by the person's writer thread
//! only when their socket is full, so this thread only ever waits on this connection. Every command
//! passes the flood limit (renames a second, slower one) before it reaches the room.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use log::{debug, info, warn};

use super::files;
use super::flood::Bucket;
use super::linking;
use super::lookup;
use super::mailbox::{Mailbox, Pushed};
use super::outbox::Outbox;
use super::room::{JoinError, Next, SessionId};
use super::shared::Shared;
use super::stash;
use crate::connection::{FrameReader, ReadTimeout, SharedSocket};
use crate::i18n::Lang;
use crate::protocol::message::Cid;
use crate::protocol::message::MAX_AWAY_BYTES;
use crate::protocol::name::{self, NameError};
use crate::protocol::password::{Pake, RoomKey, Side};
use crate::protocol::sanitize::{clean_text, is_blank};
use crate::protocol::{
    ClientMsg, Command, Dialect, ErrorCode, Frame, LeaveReason, MAX_JSON_LINE_BYTES,
    MAX_MESSAGE_BYTES, PROTOCOL_VERSION, ServerMsg, command, detect_dialect, message,
};
use crate::tls::{self, TLS_FIRST_BYTE, Transport};
use crate::tr;

/// Stack size of a writer thread: it only copies bytes.
const WRITER_STACK: usize = 64 * 1024;

/// Takes the connection out of the waiting line when the handshake ends, however it ends.
struct Pending<'a>(&'a Shared, SessionId);

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.0.with_pending(|t| t.remove(self.1));
    }
}

/// What a connection became once its first lines were read.
enum Entered {
    /// A person in the room.
    Room(Joined),
    /// A file upload or download, on a connection of its own.
    Transfer(files::Transfer),
}

/// A member's session after the handshake.
struct Joined {
    dialect: Dialect,
    outbox: Arc<Outbox>,
    /// The name in the room now (canonical form).
    name: String,
    /// The name as the client sent it at first, NULs and line end cut: the seed's C client puts it
    /// before every line, whatever the name becomes.
    sent_name: String,
}

/// How many names a session remembers for stripping `name: ` prefixes (the first one, as sent and
/// canonical, is always kept).
const MAX_NAMES_KEPT: usize = 8;

/// Runs a session to its end. The connection is counted as pending by the caller.
pub(super) fn run(shared: &Shared, session: SessionId, stream: SharedSocket, peer: SocketAddr) {
    // One deadline for everything before the room: the TLS handshake, the name, the password.
    let deadline = Instant::now() + shared.config.handshake_timeout;
    let (mut reader, joined) = {
        let _pending = Pending(shared, session);
        let transport = match open_transport(shared, session, &stream, deadline) {
            Ok(Some(transport)) => transport,
            Ok(None) => return,
            Err(err) => {
                debug!("#{session} {peer}: left before joining: {}", err.kind());
                return;
            }
        };
        let mut reader = FrameReader::new(transport, MAX_MESSAGE_BYTES);
        let start = Start {
            session,
            ip: peer.ip(),
            deadline,
        };
        match handshake(shared, &start, &mut reader) {
            Ok(Some(Entered::Room(joined))) => (reader, joined),
            Ok(Some(Entered::Transfer(transfer))) => {
                // Out of the waiting line: a transfer may take long. It counts among its
                // address's transfers instead, so that no address can hold the host with them.
                drop(_pending);
                let Some(_slot) = shared.transfer_slot(start.ip) else {
                    let lang = shared.config.lang;
                    let msg = ServerMsg::error(
                        ErrorCode::TooManyPending,
                        lang.tr("error-too-many-transfers"),
                    );
                    reader.get_ref().write_all(&msg.to_json_line()).ok();
                    reader.get_ref().shutdown();
                    return;
                };
                serve_transfer(shared, session, reader, transfer);
                return;
            }
            Ok(None) => return,
            Err(err) => {
                debug!("#{session} {peer}: left before joining: {}", err.kind());
                return;
            }
        }
    };
    info!("#{session} {peer} joined as {}", joined.name);

    let outbox = Arc::clone(&joined.outbox);
    let writer = thread::Builder::new()
        .name(format!("coucou-send-{session}"))
        .stack_size(WRITER_STACK)
        .spawn(move || outbox.run_writer());
    let writer = match writer {
        Ok(handle) => handle,
        Err(err) => {
            warn!("#{session}: could not start its writer thread: {err}");
            shared.with_room(|room| room.leave(session, LeaveReason::Disconnected, true));
            return;
        }
    };

    let reason = match chat(shared, session, peer.ip(), &mut reader, &joined) {
        Some(_) if joined.outbox.overflowed() => Some(LeaveReason::TooSlow),
        other => other,
    };
    // Offers they made and never uploaded would hold the quota for nothing: gone before the
    // others are told they left.
    if let Some(files) = shared.files() {
        files.drop_waiting_of(session);
    }
    match reason {
        Some(reason) => {
            let announce = !shared.stopping.load(Ordering::Relaxed);
            let name = shared.with_room(|room| room.leave(session, reason, announce));
            let name = name.as_deref().unwrap_or(&joined.name);
            info!("#{session} {peer} ({name}) left: {reason:?}");
        }
        None => info!("#{session} {peer} left: Quit"),
    }
    joined.outbox.close();
    writer.join().ok();
}

/// A file connection goes on in raw bytes, once its first line is answered: a client that sent
/// anything after that line before the answer is told so.
fn serve_transfer(
    shared: &Shared,
    session: SessionId,
    reader: FrameReader<Transport>,
    transfer: files::Transfer,
) {
    match reader.into_source() {
        Ok(mut transport) => files::serve(shared, session, &mut transport, transfer),
        Err(reader) => {
            let lang = shared.config.lang;
            let msg = ServerMsg::error(ErrorCode::BadUsage, lang.tr("error-file-early"));
            reader.get_ref().write_all(&msg.to_json_line()).ok();
            reader.get_ref().shutdown();
        }
    }
}

/// Looks at the first byte, by the deadline: a TLS ClientHello starts the handshake; anything
/// else is a clear connection. `Ok(None)`: the connection should end.
fn open_transport(
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
struct Start {
    session: SessionId,
    ip: IpAddr,
    deadline: Instant,
}

/// Reads names (or hellos) until one is accepted, checking the room password first when the room
/// has one. `Ok(None)`: the connection should end.
fn handshake(
    shared: &Shared,
    start: &Start,
    reader: &mut FrameReader<Transport>,
) -> io::Result<Option<Entered>> {
    let (session, deadline) = (start.session, start.deadline);
    let lang = shared.config.lang;
    let mut dialect = None;
    let mut verified = false;
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
        let dialect = *dialect.get_or_insert_with(|| detect_dialect(&line));
        let raw_name = match dialect {
            // Names are checked as sent, not cleaned: a control character breaks a rule.
            Dialect::Plain => String::from_utf8_lossy(&line).into_owned(),
            Dialect::Json => {
                reader.set_max_line(MAX_JSON_LINE_BYTES);
                match message::decode_client(&line) {
                    Ok(ClientMsg::Hello { version, name }) if version == PROTOCOL_VERSION => name,
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
                        return Ok(files::transfer_of(&msg).map(Entered::Transfer));
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
        let outbox = Arc::new(Outbox::new(
            reader.get_ref().clone(),
            shared.config.max_queue_bytes,
        ));
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
                    session,
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
        }
    }
}

/// A name refused, and why: the client may try another.
fn name_refused(lang: Lang, err: &NameError) -> ServerMsg {
    ServerMsg::error(
        ErrorCode::from(err),
        tr!(lang, "error-name-try-another", problem = err.describe(lang)),
    )
}

/// Tells a client that never gave a name that time is up.
fn timed_out(
    shared: &Shared,
    transport: &Transport,
    dialect: Option<Dialect>,
) -> io::Result<Option<Entered>> {
    let msg = ServerMsg::error(
        ErrorCode::HandshakeTimeout,
        tr!(
            shared.config.lang,
            "error-no-name",
            seconds = shared.config.handshake_timeout.as_secs_f64()
        ),
    );
    write_direct(shared, transport, dialect.unwrap_or(Dialect::Plain), &msg)?;
    Ok(None)
}

/// Writes one message straight to the connection (only before the writer thread exists).
fn write_direct(
    shared: &Shared,
    transport: &Transport,
    dialect: Dialect,
    msg: &ServerMsg,
) -> io::Result<()> {
    transport
        .socket()
        .set_write_timeout(Some(Duration::from_secs(5)))?;
    match dialect {
        Dialect::Plain => transport.write_all(msg.to_plain_text(shared.config.lang).as_bytes()),
        Dialect::Json => transport.write_all(&msg.to_json_line()),
    }
}

/// Asks for the room password and checks it, by the handshake deadline: a SPAKE2 exchange bound to
/// the TLS session for JSON apps, the password as a line for plain clients. Only over TLS. A wrong
/// one costs a delay, counts against the address, and ends the connection. True when it is right.
fn check_password(
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

/// Reads and carries out a member's lines until they leave. Returns why, or `None` if the room
/// already took them out (they quit).
fn chat(
    shared: &Shared,
    session: SessionId,
    ip: IpAddr,
    reader: &mut FrameReader<Transport>,
    joined: &Joined,
) -> Option<LeaveReason> {
    let now = Instant::now();
    let mut bucket = Bucket::new(shared.config.flood, now);
    let mut renames = Bucket::new(shared.config.rename_flood, now);
    let mut searches = Bucket::new(shared.config.search_flood, now);
    let mut typing = TypingFilter::default();
    // Every name this person has had, for stripping the C client's `name: ` prefix.
    let mut names = vec![joined.sent_name.clone(), joined.name.clone()];
    let lang = shared.config.lang;
    let reply = |msg: ServerMsg| {
        let bytes = match joined.dialect {
            Dialect::Plain => msg.to_plain_text(lang).into_bytes().into(),
            Dialect::Json => msg.to_json_line().into(),
        };
        if joined.outbox.push(bytes) == Pushed::First {
            joined.outbox.flush(&mut Vec::new());
        }
    };
    // Held while lines already read wait to be handled, so that they go out together.
    let mut turn = None;
    loop {
        if !reader.has_ready() {
            // About to wait for the network: let what is queued go out first.
            turn = None;
        }
        let frame = reader.next_frame();
        turn.get_or_insert_with(|| shared.turn());
        let line = match frame {
            Ok(Some(Frame::Line(line))) => line,
            Ok(Some(Frame::TooLong)) => {
                reply(too_long(lang).into());
                continue;
            }
            Ok(None) | Err(_) => return Some(LeaveReason::Disconnected),
        };
        let asked = match joined.dialect {
            Dialect::Plain => plain_command(&line, &names, lang),
            Dialect::Json => json_command(&line, lang),
        };
        let asked = match asked {
            Ok(asked) => asked,
            Err(refused) => {
                reply(refused.into());
                continue;
            }
        };
        let (command, cid) = match asked {
            Asked::Command(command, cid) => (command, cid),
            Asked::Page { before, limit } => {
                if let Some(refused) = take(&mut bucket, "asking", Instant::now(), lang) {
                    reply(refused.into());
                    continue;
                }
                // Reading the store may wait on the disk: never during a turn in the room.
                turn = None;
                reply(lookup::page(shared, before, limit));
                continue;
            }
            Asked::Typing(active) => {
                let now = Instant::now();
                if let Some(refused) = take(&mut bucket, "typing", now, lang) {
                    reply(refused.into());
                } else if typing.tells_something(active, now) {
                    shared.lock_room().typing(session, active);
                }
                continue;
            }
            Asked::Offer {
                name,
                size,
                sha256,
                to,
            } => {
                if let Some(refused) = take(&mut bucket, "sending", Instant::now(), lang) {
                    reply(refused.into());
                    continue;
                }
                // The registry has its own lock; the room's is taken only to find `to`.
                turn = None;
                let me = names.last().map_or(joined.name.as_str(), String::as_str);
                reply(files::offer(
                    shared,
                    stash::Offerer { session, ip },
                    me,
                    &name,
                    size,
                    &sha256,
                    to.as_deref(),
                ));
                continue;
            }
            Asked::Fetch(file) => {
                if let Some(refused) = take(&mut bucket, "asking", Instant::now(), lang) {
                    reply(refused.into());
                    continue;
                }
                turn = None;
                let me = names.last().map_or(joined.name.as_str(), String::as_str);
                reply(files::fetch(shared, me, file));
                continue;
            }
            Asked::Search { text, limit } => {
                let now = Instant::now();
                if let Some(refused) = take(&mut searches, "searching", now, lang)
                    .or_else(|| take(&mut bucket, "asking", now, lang))
                {
                    reply(refused.into());
                    continue;
                }
                turn = None;
                reply(lookup::search(shared, &text, limit));
                continue;
            }
        };
        if let Some(refused) =
            flood_check(&command, &mut bucket, &mut renames, Instant::now(), lang)
        {
            reply(refused.into());
            continue;
        }
        if matches!(command, Command::Say(_) | Command::Me(_)) {
            // The message ends the typing, in the room too: a new "typing" is news again.
            typing.told = None;
        }
        let raw_nick = match &command {
            Command::Nick(raw) => Some(raw.clone()),
            _ => None,
        };
        // A new name in a linked room is claimed across its sites first, outside the room.
        let claimed = match (&raw_nick, shared.link()) {
            (Some(raw), Some(link)) => {
                // The broker may take a moment: nobody's flush waits for this session meanwhile.
                drop(turn.take());
                let claimed =
                    linking::claim_for_rename(link, raw, names.last().map(String::as_str));
                turn = Some(shared.turn());
                match claimed {
                    Ok(claimed) => claimed,
                    Err(err) => {
                        reply(Refused(ErrorCode::from(&err), err.describe(lang)).into());
                        continue;
                    }
                }
            }
            _ => None,
        };
        let next = shared.lock_room().handle_sent(session, command, cid);
        if let Some(claim) = claimed {
            claim.renamed(match &next {
                Next::Renamed(new) => Some(new.as_str()),
                _ => None,
            });
        }
        match next {
            Next::Close => return None,
            Next::Continue => {}
            Next::Renamed(new) => {
                if names.len() + 2 > MAX_NAMES_KEPT {
                    names.drain(2..4);
                }
                names.extend(raw_nick);
                names.push(new);
            }
        }
    }
}

/// The room's own rule for "typing" ([`super::room::TYPING_RELAY_MS`]), kept by the session too, so
/// that the many that would change nothing for the others (a client says it again every 3 s, a
/// hostile one as often as the flood limit lets it) never take the room lock.
#[derive(Debug, Default)]
struct TypingFilter {
    /// When the room was last asked to pass on a "typing"; `None` after a "stopped" or a message.
    told: Option<Instant>,
}

impl TypingFilter {
    /// True when the room would pass this on: a "typing" not said within the relay window, or a
    /// "stopped" after a "typing". Records it.
    fn tells_something(&mut self, active: bool, now: Instant) -> bool {
        let window = Duration::from_millis(super::room::TYPING_RELAY_MS);
        let news = match (active, self.told) {
            (true, Some(at)) => now.duration_since(at) >= window,
            (true, None) => true,
            (false, told) => told.is_some(),
        };
        if news {
            self.told = active.then_some(now);
        }
        news
    }
}

/// What a line asks for.
enum Asked {
    /// A command for the room, with the client's id for it if it gave one.
    Command(Command, Option<Cid>),
    /// A page of older messages (JSON `history`).
    Page {
        before: Option<u64>,
        limit: Option<u32>,
    },
    /// A search (JSON `search`, plain `/search`).
    Search { text: String, limit: Option<u32> },
    /// Typing, or stopped (JSON `typing`).
    Typing(bool),
    /// A file offered (JSON `offer`).
    Offer {
        name: String,
        size: u64,
        sha256: String,
        to: Option<String>,
    },
    /// A file asked for (JSON `fetch`).
    Fetch(u64),
}

/// Takes a token from `bucket`; a refusal saying what was too fast if there is none.
/// `what` names the kind of request: `sending`, `renaming`, `asking`, `searching`, `typing`,
/// `naming` (names tried before joining).
fn take(bucket: &mut Bucket, what: &str, now: Instant, lang: Lang) -> Option<Refused> {
    if bucket.take(now) {
        return None;
    }
    Some(too_fast(what, bucket.wait_hint(), lang))
}

/// The refusal of something done too fast (`what`, as [`take`] names it), to wait `wait`.
fn too_fast(what: &str, wait: Duration, lang: Lang) -> Refused {
    // Tenths of a second, rounded up: never "wait 0 s".
    let tenths = wait.as_millis().div_ceil(100).max(1);
    #[allow(clippy::cast_precision_loss)] // tenths of a second: small
    let seconds = tenths as f64 / 10.0;
    Refused(
        ErrorCode::Flood,
        tr!(lang, "error-flood", what = what, seconds = seconds),
    )
}

/// Takes a token for `command` (two for a rename: one from each limit); a refusal if there is none.
/// Leaving is never refused.
fn flood_check(
    command: &Command,
    bucket: &mut Bucket,
    renames: &mut Bucket,
    now: Instant,
    lang: Lang,
) -> Option<Refused> {
    match command {
        Command::Quit => None,
        Command::Nick(_) => {
            take(renames, "renaming", now, lang).or_else(|| take(bucket, "sending", now, lang))
        }
        _ => take(bucket, "sending", now, lang),
    }
}

/// A line refused with an error for its sender only; the session goes on.
struct Refused(ErrorCode, String);

impl From<Refused> for ServerMsg {
    fn from(Refused(code, message): Refused) -> Self {
        ServerMsg::error(code, message)
    }
}

fn too_long(lang: Lang) -> Refused {
    Refused(
        ErrorCode::TooLong,
        tr!(lang, "error-message-too-long", max = MAX_MESSAGE_BYTES),
    )
}

/// Why a JSON line could not be read, in `lang`, with serde's own detail (which quotes nothing of
/// the line beyond a field name, cleaned).
fn malformed(lang: Lang, err: &message::DecodeError) -> String {
    tr!(lang, "error-malformed", detail = clean_text(&err.detail()))
}

/// A plain line: the C client's `name: ` prefix (for any name the sender has had) dropped, then
/// parsed as a command.
fn plain_command(line: &[u8], names: &[String], lang: Lang) -> Result<Asked, Refused> {
    let text = String::from_utf8_lossy(line);
    let text = command::strip_name_prefix(&text, names);
    let command = command::parse(text).map_err(|err| match err {
        command::CommandError::Unknown(_) => {
            Refused(ErrorCode::UnknownCommand, clean_text(&err.describe(lang)))
        }
        command::CommandError::Usage(_) => Refused(ErrorCode::BadUsage, err.describe(lang)),
    })?;
    match cleaned(command, lang)? {
        Command::Search(text) => search_words(text, None, lang),
        command => Ok(Asked::Command(command, None)),
    }
}

/// A search, its words' length checked.
fn search_words(text: String, limit: Option<u32>, lang: Lang) -> Result<Asked, Refused> {
    if text.len() > lookup::MAX_SEARCH_BYTES {
        return Err(Refused(
            ErrorCode::TooLong,
            tr!(
                lang,
                "error-search-too-long",
                max = lookup::MAX_SEARCH_BYTES
            ),
        ));
    }
    Ok(Asked::Search { text, limit })
}

/// A JSON line, decoded; its text limits checked.
fn json_command(line: &[u8], lang: Lang) -> Result<Asked, Refused> {
    let msg = message::decode_client(line)
        .map_err(|err| Refused(ErrorCode::Malformed, malformed(lang, &err)))?;
    let fits = |text: String| {
        if text.len() > MAX_MESSAGE_BYTES {
            Err(too_long(lang))
        } else {
            Ok(text)
        }
    };
    let msg = match msg {
        ClientMsg::History { before, limit } => return Ok(Asked::Page { before, limit }),
        ClientMsg::Search { text, limit } => return search_words(clean_text(&text), limit, lang),
        ClientMsg::Typing { active } => return Ok(Asked::Typing(active)),
        ClientMsg::Offer {
            name,
            size,
            sha256,
            to,
        } => {
            return Ok(Asked::Offer {
                name,
                size,
                sha256,
                to,
            });
        }
        ClientMsg::Fetch { file } => return Ok(Asked::Fetch(file)),
        msg => msg,
    };
    let (command, cid) = Command::from_client_msg(msg)
        .ok_or_else(|| Refused(ErrorCode::Malformed, lang.tr("error-already-joined")))?;
    if let Some(cid) = &cid
        && !message::is_valid_cid(cid)
    {
        return Err(Refused(
            ErrorCode::Malformed,
            tr!(lang, "error-bad-cid", max = message::MAX_CID_BYTES),
        ));
    }
    let command = match command {
        Command::Say(text) => Command::Say(fits(text)?),
        Command::Me(text) => Command::Me(fits(text)?),
        Command::Msg { to, text } => Command::Msg {
            to,
            text: fits(text)?,
        },
        other => other,
    };
    Ok(Asked::Command(cleaned(command, lang)?, cid))
}

/// Cleans what will be shown to others; a message that shows nothing once cleaned is refused. Names
/// are not cleaned: the name rules refuse what cleaning would remove.
fn cleaned(command: Command, lang: Lang) -> Result<Command, Refused> {
    let visible = |text: &str| {
        let text = clean_text(text);
        if is_blank(&text) {
            Err(Refused(ErrorCode::Empty, lang.tr("error-empty")))
        } else {
            Ok(text)
        }
    };
    Ok(match command {
        Command::Say(text) => Command::Say(visible(&text)?),
        Command::Me(text) => Command::Me(visible(&text)?),
        Command::Msg { to, text } => Command::Msg {
            to: clean_text(&to),
            text: visible(&text)?,
        },
        Command::Search(text) => Command::Search(clean_text(&text)),
        Command::Away {
            reason: Some(reason),
            auto,
        } => {
            let reason = clean_text(&reason);
            if reason.len() > MAX_AWAY_BYTES {
                return Err(Refused(
                    ErrorCode::TooLong,
                    tr!(lang, "error-away-too-long", max = MAX_AWAY_BYTES),
                ));
            }
            Command::Away {
                reason: (!is_blank(&reason)).then_some(reason),
                auto,
            }
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typing_filter_lets_through_what_the_room_would_pass_on() {
        let mut filter = TypingFilter::default();
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        assert!(
            !filter.tells_something(false, at(0)),
            "stopped, never typing"
        );
        assert!(filter.tells_something(true, at(0)));
        assert!(
            !filter.tells_something(true, at(1_000)),
            "said again too soon"
        );
        assert!(!filter.tells_something(true, at(2_499)));
        assert!(filter.tells_something(true, at(2_500)), "renewed");
        assert!(filter.tells_something(false, at(2_600)));
        assert!(!filter.tells_something(false, at(2_700)), "stopped once");
        assert!(filter.tells_something(true, at(2_800)), "typing again");
        // A message ends the typing: the next one is news at once.
        filter.told = None;
        assert!(filter.tells_something(true, at(2_900)));
    }
}
