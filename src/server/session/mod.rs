//! One connection's life on the server: the handshake (name first), then reading and acting on its
//! lines.
//!
//! Runs on the connection's own thread, as in the seed. Before the name is accepted, replies are
//! written straight to the socket, and the whole handshake must end by one deadline counted from the
//! accept, however slowly bytes trickle in. After, everything the person is sent goes through their
//! [`Outbox`]: flushed by whoever ends the last turn in the room, and by the person's writer thread
//! only when their socket is full (started then), so this thread only ever waits on this
//! connection — until it has left, when it writes what is left itself. Every command
//! passes the flood limit (renames a second, slower one) before it reaches the room.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use log::{debug, info};

use super::files;
use super::flood::Bucket;
use super::house::{Refusal, Scope};
use super::linking;
use super::lookup;
use super::mailbox::{Mailbox, Pushed};
use super::outbox::Outbox;
use super::room::{JoinError, Next, SessionId};
use super::shared::Shared;
use super::stash;
use super::web;
use crate::connection::{FrameReader, ReadTimeout, SharedSocket};
use crate::i18n::Lang;
use crate::protocol::device::DeviceId;
use crate::protocol::message::MAX_AWAY_BYTES;
use crate::protocol::message::{Cid, Label};
use crate::protocol::name::{self, NameError};
use crate::protocol::password::{Pake, RoomKey, Side};
use crate::protocol::sanitize::{clean_text, is_blank};
use crate::protocol::{
    ClientMsg, Command, Dialect, ErrorCode, Frame, LeaveReason, MAX_JSON_LINE_BYTES,
    MAX_MESSAGE_BYTES, PROTOCOL_VERSION, ServerMsg, command, detect_dialect, http, message,
    websocket,
};
use crate::tls::{self, TLS_FIRST_BYTE, Transport};
use crate::tr;

mod chat;
mod handshake;
mod password;

use chat::{chat, malformed, too_fast};
use handshake::{Start, handshake, open_transport};
use password::check_password;

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
    /// Something to do apart from the room, out of the waiting line.
    Apart(Apart),
}

/// What a connection does apart from the room, under one of its address's transfer slots.
enum Apart {
    /// A file upload or download, on a connection of its own.
    Transfer(files::Transfer),
    /// An HTTP request answered (a file of the web page, a refusal): the answer to send.
    Answer(Vec<u8>),
}

impl Apart {
    /// True when it is answered in HTTP: the web page's requests and transfers.
    fn is_http(&self) -> bool {
        match self {
            Self::Transfer(transfer) => transfer.is_page(),
            Self::Answer(_) => true,
        }
    }
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
    /// The device their app proved, if any: it gets its own private messages back.
    device: Option<DeviceId>,
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
            Ok(Some(Entered::Apart(apart))) => {
                // Out of the waiting line: a transfer may take long, and a browser keeps an
                // answered connection open a while (it is read out until it closes) and opens
                // several at once. Each counts among its address's transfers instead, so that no
                // address can hold the host with them.
                drop(_pending);
                let Some(_slot) = shared.transfer_slot(start.ip) else {
                    too_many_transfers(shared, reader.get_ref(), apart.is_http());
                    return;
                };
                match apart {
                    Apart::Answer(answer) => {
                        web::answer_and_end(reader.get_ref(), &answer).ok();
                        reader.get_ref().shutdown();
                    }
                    Apart::Transfer(transfer) => serve_transfer(shared, session, reader, transfer),
                }
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
    joined.outbox.finish();
}

/// Turns away a transfer or an HTTP answer past its address's transfers: in HTTP for the web
/// page, as a JSON line for a file connection; nothing read out after it (no thread is held for
/// an address already over its limit).
fn too_many_transfers(shared: &Shared, transport: &Transport, http: bool) {
    let words = shared.config.lang.tr("error-too-many-transfers");
    let answer = if http {
        web::refusal_bytes(429, "Too Many Requests", &words)
    } else {
        ServerMsg::error(ErrorCode::TooManyPending, words).to_json_line()
    };
    transport.write_all(&answer).ok();
    transport.shutdown();
}

/// A file connection goes on in raw bytes, once its first line is answered: a client that sent
/// anything after that line before the answer is told so. Only the page's upload takes what came
/// after its head: its body's first bytes.
fn serve_transfer(
    shared: &Shared,
    session: SessionId,
    reader: FrameReader<Transport>,
    transfer: files::Transfer,
) {
    let transfer_and_source = match reader.into_source_and_held() {
        Ok((transport, held)) => match transfer {
            files::Transfer::PageUpload { token, length, .. } => Ok((
                files::Transfer::PageUpload {
                    token,
                    length,
                    held,
                },
                transport,
            )),
            transfer if held.is_empty() => Ok((transfer, transport)),
            _ => Err(transport),
        },
        Err(reader) => Err(reader.get_ref().clone()),
    };
    match transfer_and_source {
        Ok((transfer, mut transport)) => files::serve(shared, session, &mut transport, transfer),
        Err(transport) => {
            let lang = shared.config.lang;
            let msg = ServerMsg::error(ErrorCode::BadUsage, lang.tr("error-file-early"));
            transport.write_all(&msg.to_json_line()).ok();
            transport.shutdown();
        }
    }
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
    transport.write_all(&dialect.encode(msg, shared.config.lang, None))
}
