//! The app's connection to a room, on background threads: commands in, events out.
//!
//! [`connect`] returns at once. A thread named `coucou-connect-N` resolves the host, connects (5 s
//! limit), says hello and waits for the welcome; then a `coucou-read-N` thread turns every line from
//! the server into a [`ClientEvent`], while the first thread writes the [`Command`]s it is sent. After
//! each event the `wake` callback runs (the app passes `ctx.request_repaint`), so the UI thread never
//! waits on the network. Nothing here knows about egui.

pub mod picture;
pub mod preview;
pub mod transfer;

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use crate::EventSink;
use crate::connection::{FrameReader, SharedSocket};
use crate::i18n::Lang;
use crate::identity::{Device, Fingerprint};
use crate::protocol::device::DeviceProof;
use crate::protocol::message::Cid;
use crate::protocol::password::{Pake, RoomKey, SALT_BYTES, Shared, Side, derive_key};
use crate::protocol::sanitize::clean_bytes;
use crate::protocol::{
    ClientMsg, Command, Dialect, ErrorCode, Frame, MAX_JSON_LINE_BYTES, MAX_MESSAGE_BYTES,
    PROTOCOL_VERSION, ServerMsg, Wire, message,
};
use crate::tls::{self, PinVerifier, Transport};
use crate::tr;

/// How long connecting, and then waiting for the welcome, may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The size of the name block the classic C server reads first.
pub const CLASSIC_NAME_BLOCK: usize = 32;

/// Where to connect and as whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectParams {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// The name to take in the room.
    pub name: String,
    /// JSON for Coucou servers, plain for nc-style servers, classic for the seed's C server.
    pub dialect: Wire,
    /// Encrypt (TLS; JSON only). On by default for Coucou servers.
    pub tls: bool,
    /// The host's pinned fingerprint, if it was trusted before.
    pub pin: Option<Fingerprint>,
    /// The room password, if the person gave one.
    pub password: Option<RoomPassword>,
    /// With no pin, trust the host without asking when the password verifies it (the app's
    /// form always says so; a password that checks out proves the room).
    pub trust_if_verified: bool,
    /// The folder of this app's device key ([`crate::identity::Device`]), made there on first
    /// use: its proof goes in the hello to a host that takes devices (over TLS). `None`: no
    /// device.
    pub device: Option<PathBuf>,
}

impl ConnectParams {
    /// Joining `host:port` as `name` with `dialect`: encrypted for JSON, nothing pinned, no password.
    pub fn new(host: impl Into<String>, port: u16, name: impl Into<String>, dialect: Wire) -> Self {
        Self {
            host: host.into(),
            port,
            name: name.into(),
            dialect,
            tls: dialect == Wire::Json,
            pin: None,
            password: None,
            trust_if_verified: false,
            device: None,
        }
    }
}

/// The room password as the app has it: typed by the person, or the host's own key (the app
/// joining the room it hosts).
#[derive(Clone, PartialEq, Eq)]
pub enum RoomPassword {
    /// As typed.
    Typed(String),
    /// The key the host keeps.
    Key(RoomKey),
}

impl fmt::Debug for RoomPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the password.
        f.write_str("RoomPassword(…)")
    }
}

/// How far a connection can be trusted, known once it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Security {
    /// The host's certificate, when the connection is encrypted; `None` in clear.
    pub fingerprint: Option<Fingerprint>,
    /// The host proved it knows the room password (which also rules out anyone in the middle).
    pub verified_by_password: bool,
    /// The hello proved this app's device, and the host let it in: it knows the app from one
    /// connection to the next (its name kept, its messages still its own to change).
    pub device: bool,
}

/// Why a connection could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectError {
    /// The host name does not resolve.
    UnknownHost {
        /// The name as typed.
        host: String,
    },
    /// Nothing listens at that address (connection refused).
    NothingListening {
        /// `host:port` as typed.
        target: String,
    },
    /// No answer within [`CONNECT_TIMEOUT`].
    TimedOut {
        /// `host:port` as typed.
        target: String,
    },
    /// The server refused the hello: a name rule, a full room, another version.
    Refused {
        /// Why, for programs.
        code: ErrorCode,
        /// Why, for people (from the server, cleaned).
        message: String,
    },
    /// First contact with an encrypted host: its code must be trusted (or a password verify it
    /// for a room found on the network) before anything is sent.
    Untrusted {
        /// What the host presented.
        fingerprint: Fingerprint,
    },
    /// The host presented another certificate than the one pinned: maybe an impostor.
    PinMismatch {
        /// What was pinned.
        pinned: Fingerprint,
        /// What the host presented, if the handshake got that far.
        presented: Option<Fingerprint>,
    },
    /// The server did not answer in TLS.
    NotEncrypted {
        /// `host:port` as typed.
        target: String,
    },
    /// The room has a password and none was given.
    PasswordNeeded,
    /// The host's answer to the password was wrong: a wrong password, or someone in the middle.
    PasswordNotProved,
    /// A plain-text server answered the hello with text: the Plain dialect is needed.
    PlainServer {
        /// What it said first (cleaned).
        said: String,
    },
    /// Anything else.
    Other(Trouble),
}

impl ConnectError {
    /// What went wrong, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Self::UnknownHost { host } => tr!(lang, "connect-unknown-host", host = host.as_str()),
            Self::NothingListening { target } => {
                tr!(lang, "connect-nothing-listening", target = target.as_str())
            }
            Self::TimedOut { target } => tr!(
                lang,
                "connect-timed-out",
                target = target.as_str(),
                seconds = CONNECT_TIMEOUT.as_secs()
            ),
            Self::Refused { message, .. } => {
                tr!(lang, "connect-refused", message = message.as_str())
            }
            Self::Untrusted { fingerprint } => {
                tr!(lang, "connect-untrusted", code = fingerprint.to_string())
            }
            Self::PinMismatch { pinned, presented } => match presented {
                Some(presented) => tr!(
                    lang,
                    "connect-pin-mismatch",
                    presented = presented.to_string(),
                    pinned = pinned.to_string()
                ),
                None => tr!(
                    lang,
                    "connect-pin-mismatch-none",
                    pinned = pinned.to_string()
                ),
            },
            Self::NotEncrypted { target } => {
                tr!(lang, "connect-not-encrypted", target = target.as_str())
            }
            Self::PasswordNeeded => lang.tr("connect-password-needed"),
            Self::PasswordNotProved => lang.tr("connect-password-not-proved"),
            Self::PlainServer { said } => tr!(lang, "connect-plain-server", said = said.as_str()),
            Self::Other(trouble) => tr!(lang, "connect-other", error = trouble.describe(lang)),
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

impl std::error::Error for ConnectError {}

impl ConnectError {
    /// True when another name might get in.
    pub fn is_name_problem(&self) -> bool {
        matches!(
            self,
            Self::Refused {
                code: ErrorCode::NameTooShort
                    | ErrorCode::NameTooLong
                    | ErrorCode::NameBadChar
                    | ErrorCode::NameMixedScripts
                    | ErrorCode::NameNoLetter
                    | ErrorCode::NameReserved
                    | ErrorCode::NameTaken,
                ..
            }
        )
    }
}

/// What a connection reports to the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// In the room. For JSON servers, the welcome; for plain servers, nothing is known yet.
    Connected {
        /// Which connection.
        conn: u64,
        /// The welcome (JSON dialect only).
        welcome: Option<ServerMsg>,
        /// Encrypted or not, and how the host was verified.
        security: Security,
    },
    /// A message from a JSON server.
    Message {
        /// Which connection.
        conn: u64,
        /// The message.
        msg: ServerMsg,
        /// The named room it concerns (its `room` field); `None` for the default room, and for a
        /// welcome, which names its room itself.
        room: Option<String>,
    },
    /// A named room's password exchange failed here: the host did not prove it knows the
    /// room's password (or its challenge could not be answered). The connection goes on.
    RoomTrouble {
        /// Which connection.
        conn: u64,
        /// The room.
        room: String,
        /// What went wrong.
        trouble: Trouble,
    },
    /// A line from a plain server, cleaned of escapes and controls.
    Line {
        /// Which connection.
        conn: u64,
        /// The text.
        text: String,
    },
    /// The connection could not be made; nothing more will come from it.
    Failed {
        /// Which connection.
        conn: u64,
        /// Why.
        error: ConnectError,
    },
    /// The connection ended after it was made; nothing more will come from it.
    Closed {
        /// Which connection.
        conn: u64,
        /// What went wrong, if it was not a clean close.
        error: Option<Trouble>,
    },
}

/// What went wrong with a connection beyond what [`ConnectError`] names, said in the app's
/// language by [`Trouble::describe`]: never the system's own words, which are in English (or
/// worse, "os error 103").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trouble {
    /// The server closed the connection.
    Closed,
    /// The server closed the connection before its welcome: perhaps not a Coucou server.
    NoWelcome {
        /// `host:port` as typed.
        target: String,
    },
    /// The server asked for the password twice.
    PasswordTwice,
    /// The server answered a password nobody sent.
    UnaskedProof,
    /// The server's password challenge was not well formed.
    BadChallenge,
    /// The server asked for the password over a connection in clear: never answered.
    PasswordInClear,
    /// The encrypted connection failed (TLS's own words, for whoever looks closer).
    Encryption(String),
    /// The host showed no certificate.
    NoCertificate,
    /// The network or the system failed, of this kind.
    System(io::ErrorKind),
    /// Connecting was stopped here.
    Cancelled,
    /// A named room's host did not prove it knows the room's password.
    RoomNotProved,
}

impl From<&io::Error> for Trouble {
    fn from(err: &io::Error) -> Self {
        Self::System(err.kind())
    }
}

impl Trouble {
    /// Says what went wrong, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        use io::ErrorKind as Kind;
        match self {
            Self::Closed => lang.tr("trouble-closed"),
            Self::NoWelcome { target } => tr!(lang, "trouble-no-welcome", target = target.as_str()),
            Self::PasswordTwice => lang.tr("trouble-password-twice"),
            Self::UnaskedProof => lang.tr("trouble-unasked-proof"),
            Self::BadChallenge => lang.tr("trouble-bad-challenge"),
            Self::PasswordInClear => lang.tr("trouble-password-in-clear"),
            Self::Encryption(detail) => tr!(lang, "trouble-encryption", detail = detail.as_str()),
            Self::NoCertificate => lang.tr("trouble-no-certificate"),
            Self::Cancelled => lang.tr("trouble-cancelled"),
            Self::RoomNotProved => lang.tr("trouble-room-not-proved"),
            Self::System(
                Kind::ConnectionReset
                | Kind::ConnectionAborted
                | Kind::BrokenPipe
                | Kind::UnexpectedEof
                | Kind::NotConnected,
            ) => lang.tr("trouble-cut"),
            Self::System(
                Kind::NetworkUnreachable
                | Kind::HostUnreachable
                | Kind::NetworkDown
                | Kind::AddrNotAvailable,
            ) => lang.tr("trouble-unreachable"),
            Self::System(Kind::TimedOut | Kind::WouldBlock) => lang.tr("trouble-silent"),
            Self::System(Kind::ConnectionRefused) => lang.tr("trouble-refused"),
            Self::System(kind) => tr!(lang, "trouble-system", kind = format!("{kind:?}")),
        }
    }
}

/// Something for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A command, sent as JSON or as the line a person would type.
    Command(Command),
    /// A line sent as typed (plain servers); a `say` for JSON servers.
    Line(String),
    /// A message, action or private message with the app's own id for it, so that sending it
    /// again after a lost connection never delivers it twice (JSON servers; others get the
    /// command alone).
    Tagged(Command, Cid),
    /// A question only JSON servers answer (`history`, `search`); dropped for the others.
    Ask(ClientMsg),
    /// A line about one of the host's named rooms (its `room` field): only JSON servers have
    /// them; dropped for the others.
    In(String, ClientMsg),
    /// Joins the named room with a password: the password is kept by the writer, for the room's
    /// challenge, and never leaves it.
    JoinProtected {
        /// The room.
        room: String,
        /// The password as typed.
        password: String,
    },
    /// The named room's password challenge (its salt and SPAKE2 message, in hex): the writer
    /// answers it with the password it kept, over TLS only.
    RoomChallenge {
        /// The room.
        room: String,
        /// The salt, in hex.
        salt: String,
        /// The host's SPAKE2 message, in hex.
        msg: String,
    },
}

/// What the writer proved to a named room's host, for the reader to check the host's own proof
/// against (by room).
type RoomProofs = Arc<Mutex<std::collections::HashMap<String, Shared>>>;

/// A connection being made or made. Dropping it closes it.
#[derive(Debug)]
pub struct Connection {
    /// This connection's number, carried by its events.
    id: u64,
    /// What the writer is to send.
    commands: Sender<Outgoing>,
    /// The socket once connected, to shut it down from here.
    socket: Arc<Mutex<Option<TcpStream>>>,
    /// Set by `close`: a connection still being made gives up.
    closed: Arc<AtomicBool>,
}

impl Connection {
    /// This connection's number.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Queues a command for the server. Never blocks.
    pub fn send(&self, command: Command) {
        self.commands.send(Outgoing::Command(command)).ok();
    }

    /// Queues a message (or action, or private message) with the app's own id for it. Never
    /// blocks.
    pub fn send_tagged(&self, command: Command, cid: Cid) {
        self.commands.send(Outgoing::Tagged(command, cid)).ok();
    }

    /// Asks a JSON server for a page of history or a search. Never blocks.
    pub fn ask(&self, question: ClientMsg) {
        self.commands.send(Outgoing::Ask(question)).ok();
    }

    /// Sends a JSON server a line about its named room `room` (a message, a page, a search, a
    /// join or a part). Never blocks.
    pub fn ask_in(&self, room: &str, line: ClientMsg) {
        self.commands.send(Outgoing::In(room.to_owned(), line)).ok();
    }

    /// Sends a JSON server a line about the room `room` names: a named room's (its `room` field),
    /// or the default room's (`None`, as [`Connection::ask`]). Never blocks.
    pub fn ask_about(&self, room: Option<&str>, line: ClientMsg) {
        match room {
            Some(room) => self.ask_in(room, line),
            None => self.ask(line),
        }
    }

    /// Joins a JSON server's named room `room` that has a password: the host's challenge, once
    /// passed on with [`Connection::answer_room`], is answered with `password` (never sent
    /// itself), and the host's proof is checked before its welcome is let through. Never blocks.
    pub fn join_protected(&self, room: &str, password: String) {
        let room = room.to_owned();
        self.commands
            .send(Outgoing::JoinProtected { room, password })
            .ok();
    }

    /// Answers the password challenge of the named room `room` (as it came: salt and message in
    /// hex) with the password given to [`Connection::join_protected`]; nothing if none was.
    pub fn answer_room(&self, room: &str, salt: String, msg: String) {
        let room = room.to_owned();
        self.commands
            .send(Outgoing::RoomChallenge { room, salt, msg })
            .ok();
    }

    /// Queues a line exactly as typed. Never blocks.
    pub fn send_line(&self, line: String) {
        self.commands.send(Outgoing::Line(line)).ok();
    }

    /// Says goodbye (`quit`) and lets the connection close once that has been sent.
    pub fn quit(mut self) {
        self.closed.store(true, Ordering::SeqCst);
        self.send(Command::Quit);
        // Drop must not cut the socket before the goodbye leaves: the writer closes it after.
        self.socket = Arc::new(Mutex::new(None));
    }

    /// Closes the connection; its threads end soon after, with a `Closed` or `Failed` event.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Some(socket) = &*self.socket.lock().unwrap_or_else(PoisonError::into_inner) {
            socket.shutdown(Shutdown::Both).ok();
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

/// A fresh client id for a message: 16 random bytes in hex, from the system's generator.
pub fn new_cid() -> Cid {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0_u8; 16];
    // The system's generator does not fail on the systems Coucou runs on; if it ever did, the
    // time keeps ids apart well enough for one person's outbox.
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        bytes[..16].copy_from_slice(&u128::from(crate::protocol::now_ms()).to_le_bytes());
    }
    hex::encode(bytes)
}

/// Starts connecting; events for connection `id` are delivered to `events`.
pub fn connect(
    id: u64,
    params: ConnectParams,
    events: EventSink<ClientEvent>,
) -> io::Result<Connection> {
    let (commands, command_rx) = crossbeam_channel::unbounded();
    let socket = Arc::new(Mutex::new(None));
    let closed = Arc::new(AtomicBool::new(false));
    let threads = ConnectionThreads {
        id,
        events,
        socket: Arc::clone(&socket),
        closed: Arc::clone(&closed),
        proofs: RoomProofs::default(),
    };
    thread::Builder::new()
        .name(format!("coucou-connect-{id}"))
        .spawn(move || threads.run(&params, &command_rx))?;
    Ok(Connection {
        id,
        commands,
        socket,
        closed,
    })
}

/// The threads' side of a connection.
#[derive(Clone)]
struct ConnectionThreads {
    id: u64,
    events: EventSink<ClientEvent>,
    socket: Arc<Mutex<Option<TcpStream>>>,
    closed: Arc<AtomicBool>,
    /// Named rooms' password exchanges under way: the writer's side, awaiting the host's proof.
    proofs: RoomProofs,
}

impl ConnectionThreads {
    fn emit(&self, event: ClientEvent) {
        self.events.send(event);
    }

    fn run(self, params: &ConnectParams, commands: &Receiver<Outgoing>) {
        let (stream, reader, welcome, security) = match self.open(params) {
            Ok(opened) => opened,
            Err(error) => {
                self.emit(ClientEvent::Failed {
                    conn: self.id,
                    error,
                });
                return;
            }
        };
        self.emit(ClientEvent::Connected {
            conn: self.id,
            welcome,
            security,
        });
        let reader_threads = self.clone();
        let dialect = params.dialect.dialect();
        let spawned = thread::Builder::new()
            .name(format!("coucou-read-{}", self.id))
            .spawn(move || reader_threads.read_loop(reader, dialect));
        let reader_thread = match spawned {
            Ok(handle) => handle,
            Err(err) => {
                self.emit(ClientEvent::Closed {
                    conn: self.id,
                    error: Some(Trouble::from(&err)),
                });
                return;
            }
        };
        write_loop(&stream, params, commands, &self.proofs);
        stream.shutdown();
        reader_thread.join().ok();
    }

    /// Connects, encrypts if asked, says hello; for JSON, proves the password if the room asks,
    /// and waits for the welcome.
    fn open(&self, params: &ConnectParams) -> Result<Opened, ConnectError> {
        let target = format!("{}:{}", params.host, params.port);
        if !crate::lan::is_host_name_or_ip(&params.host) {
            // Not a name any resolver could know: don't ask one.
            return Err(ConnectError::UnknownHost {
                host: params.host.clone(),
            });
        }
        let addrs: Vec<SocketAddr> = (params.host.as_str(), params.port)
            .to_socket_addrs()
            .map_err(|_| ConnectError::UnknownHost {
                host: params.host.clone(),
            })?
            .collect();
        let mut last_error = ConnectError::UnknownHost {
            host: params.host.clone(),
        };
        let mut stream = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(err) => last_error = connect_error(&err, &target),
            }
        }
        let stream = stream.ok_or(last_error)?;
        let io_err = |err: io::Error| ConnectError::Other(Trouble::from(&err));
        stream.set_nodelay(true).map_err(io_err)?;
        *self.socket.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(stream.try_clone().map_err(io_err)?);
        if self.closed.load(Ordering::SeqCst) {
            stream.shutdown(Shutdown::Both).ok();
            return Err(ConnectError::Other(Trouble::Cancelled));
        }
        let socket = SharedSocket::new(stream);

        let encrypt = params.tls && params.dialect == Wire::Json;
        let (transport, fingerprint) = if encrypt {
            let (transport, fingerprint) = encrypt_to(&socket, params, &target)?;
            (transport, Some(fingerprint))
        } else {
            (Transport::clear(socket), None)
        };
        let mut security = Security {
            fingerprint,
            verified_by_password: false,
            device: false,
        };

        let max_line = match params.dialect.dialect() {
            Dialect::Plain => MAX_MESSAGE_BYTES * 4,
            Dialect::Json | Dialect::Web => MAX_JSON_LINE_BYTES * 8,
        };
        let mut reader = FrameReader::new(transport.clone(), max_line);
        match params.dialect {
            Wire::Classic => {
                reader.end_lines_at_chunks();
                transport
                    .write_all(&classic_name_block(&params.name))
                    .map_err(io_err)?;
                Ok((transport, reader, None, security))
            }
            Wire::Plain => {
                transport
                    .write_all(format!("{}\n", params.name).as_bytes())
                    .map_err(io_err)?;
                Ok((transport, reader, None, security))
            }
            Wire::Json => {
                let device = device_proof(&transport, params.device.as_deref());
                security.device = device.is_some();
                let hello = ClientMsg::Hello {
                    version: PROTOCOL_VERSION,
                    name: params.name.clone(),
                    device,
                };
                transport.write_all(&json_line(&hello)).map_err(io_err)?;
                transport
                    .socket()
                    .set_read_timeout(Some(CONNECT_TIMEOUT))
                    .map_err(io_err)?;
                let welcome = match wait_for_welcome(&mut reader, &target)? {
                    Reply::Welcome(welcome) => welcome,
                    Reply::Password { salt, msg } => {
                        prove_password(&transport, &mut reader, params, &salt, &msg, &target)?;
                        security.verified_by_password = true;
                        match wait_for_welcome(&mut reader, &target)? {
                            Reply::Welcome(welcome) => welcome,
                            Reply::Password { .. } | Reply::Verified(_) => {
                                return Err(ConnectError::Other(Trouble::PasswordTwice));
                            }
                        }
                    }
                    Reply::Verified(_) => {
                        return Err(ConnectError::Other(Trouble::UnaskedProof));
                    }
                };
                if let Some(fingerprint) = security.fingerprint
                    && params.pin.is_none()
                    && !security.verified_by_password
                {
                    // Let in without a pin on the promise of a password that was never asked
                    // for: nothing verified the room. Leave, and ask the person.
                    transport.shutdown();
                    return Err(ConnectError::Untrusted { fingerprint });
                }
                transport.socket().set_read_timeout(None).map_err(io_err)?;
                Ok((transport, reader, Some(welcome), security))
            }
        }
    }

    /// A named room's `verified` checked against what the writer proved: the host must know the
    /// room's password too. A `verified` nobody awaited fails too.
    fn checked(&self, msg: &ServerMsg, room: Option<&str>) -> Result<(), Trouble> {
        let (ServerMsg::Verified { proof }, Some(room)) = (msg, room) else {
            return Ok(());
        };
        let shared = self
            .proofs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(room);
        let proved = shared.is_some_and(|shared| {
            let proof = hex::decode(proof).unwrap_or_default();
            shared.check(Side::Host, &proof).is_ok()
        });
        if proved {
            Ok(())
        } else {
            Err(Trouble::RoomNotProved)
        }
    }

    fn read_loop(&self, mut reader: FrameReader<Transport>, dialect: Dialect) {
        let error = loop {
            let line = match reader.next_frame() {
                Ok(Some(Frame::Line(line))) => line,
                // A line framer gives nothing else (pings and closes are a WebSocket's).
                Ok(Some(_)) => continue,
                Ok(None) => break None,
                Err(err) => break Some(Trouble::from(&err)),
            };
            let event = match dialect {
                Dialect::Plain => ClientEvent::Line {
                    conn: self.id,
                    text: clean_bytes(&line),
                },
                Dialect::Json | Dialect::Web => match message::decode_server_in(&line) {
                    // Cleaned as a room cleans what it relays: the host may be hostile.
                    Ok((msg, room)) => {
                        let room = room.map(|room| crate::protocol::sanitize::clean_text(&room));
                        match (self.checked(&msg, room.as_deref()), room) {
                            (Err(trouble), Some(room)) => ClientEvent::RoomTrouble {
                                conn: self.id,
                                room,
                                trouble,
                            },
                            (_, room) => ClientEvent::Message {
                                conn: self.id,
                                msg: msg.cleaned(),
                                room,
                            },
                        }
                    }
                    // A line we can't read costs that line, not the connection.
                    Err(err) => ClientEvent::Message {
                        conn: self.id,
                        msg: ServerMsg::error(ErrorCode::Malformed, err.to_string()),
                        room: None,
                    },
                },
            };
            self.emit(event);
        };
        let error = if self.closed.load(Ordering::SeqCst) {
            None
        } else {
            Some(error.unwrap_or(Trouble::Closed))
        };
        self.emit(ClientEvent::Closed {
            conn: self.id,
            error,
        });
    }
}

/// What [`ConnectionThreads::open`] gives: the connection, its reader, the welcome, and how far it
/// can be trusted.
type Opened = (
    Transport,
    FrameReader<Transport>,
    Option<ServerMsg>,
    Security,
);

/// Runs the TLS handshake and checks the host against the pin; returns the encrypted transport and
/// the host's fingerprint. With no pin, goes on only when a password will verify the host and the
/// room was found on the network; otherwise the person is asked first, before anything is sent.
fn encrypt_to(
    socket: &SharedSocket,
    params: &ConnectParams,
    target: &str,
) -> Result<(Transport, Fingerprint), ConnectError> {
    let verifier = PinVerifier::new(params.pin);
    let encryption = |detail: String| ConnectError::Other(Trouble::Encryption(detail));
    let config =
        tls::client_config(Arc::clone(&verifier)).map_err(|err| encryption(err.to_string()))?;
    let conn = rustls::ClientConnection::new(config, tls::server_name(&params.host))
        .map_err(|err| encryption(err.to_string()))?;
    let mut conn = rustls::Connection::Client(conn);
    let deadline = std::time::Instant::now() + CONNECT_TIMEOUT;
    if let Err(err) = tls::handshake(&mut conn, socket, deadline) {
        let presented = verifier.seen();
        return Err(match (params.pin, presented) {
            (Some(pinned), Some(seen)) if pinned != seen => ConnectError::PinMismatch {
                pinned,
                presented: Some(seen),
            },
            _ if crate::is_timeout(&err) => ConnectError::TimedOut {
                target: target.to_owned(),
            },
            (_, None) => ConnectError::NotEncrypted {
                target: target.to_owned(),
            },
            _ => encryption(err.to_string()),
        });
    }
    let Some(fingerprint) = verifier.seen() else {
        return Err(ConnectError::Other(Trouble::NoCertificate));
    };
    let trusted = params.pin.is_some() || (params.trust_if_verified && params.password.is_some());
    if !trusted {
        return Err(ConnectError::Untrusted { fingerprint });
    }
    Ok((Transport::tls(socket.clone(), conn), fingerprint))
}

/// The proof of the device kept in `dir` for this connection, when the host takes devices (it
/// chose Coucou's protocol in the TLS handshake). A device that can't be read or made costs the
/// proof, not the connection: the app joins as a terminal would, by name.
fn device_proof(transport: &Transport, dir: Option<&Path>) -> Option<DeviceProof> {
    if !transport.takes_device() {
        return None;
    }
    let exporter = transport.exporter()?.ok()?;
    match Device::load_or_create(dir?) {
        Ok(device) => Some(device.prove(&exporter)),
        Err(err) => {
            log::warn!("no device proof: {err}");
            None
        }
    }
}

/// Answers the room's password challenge and checks the room's proof.
fn prove_password(
    transport: &Transport,
    reader: &mut FrameReader<Transport>,
    params: &ConnectParams,
    salt_hex: &str,
    host_msg_hex: &str,
    target: &str,
) -> Result<(), ConnectError> {
    let malformed = || ConnectError::Other(Trouble::BadChallenge);
    let Some(exporter) = transport.exporter() else {
        // The server asked for the password in clear: never answer that.
        return Err(ConnectError::Other(Trouble::PasswordInClear));
    };
    let exporter =
        exporter.map_err(|err| ConnectError::Other(Trouble::Encryption(err.to_string())))?;
    let mut salt = [0u8; SALT_BYTES];
    hex::decode_to_slice(salt_hex, &mut salt).map_err(|_| malformed())?;
    let host_msg = hex::decode(host_msg_hex).map_err(|_| malformed())?;
    let key = match &params.password {
        None => return Err(ConnectError::PasswordNeeded),
        Some(RoomPassword::Typed(typed)) => {
            derive_key(typed, &salt).map_err(|_| ConnectError::Other(Trouble::BadChallenge))?
        }
        Some(RoomPassword::Key(key)) if key.salt == salt => key.key,
        Some(RoomPassword::Key(_)) => return Err(ConnectError::PasswordNotProved),
    };
    let (pake, guest_msg) = Pake::start(&key, &exporter);
    let shared = pake.finish(&host_msg).map_err(|_| malformed())?;
    let answer = ClientMsg::Password {
        msg: hex::encode(guest_msg),
        proof: hex::encode(shared.proof(Side::Guest)),
    };
    transport
        .write_all(&json_line(&answer))
        .map_err(|err| ConnectError::Other(Trouble::from(&err)))?;
    match wait_for_welcome(reader, target)? {
        Reply::Verified(proof) => {
            let proof = hex::decode(proof).unwrap_or_default();
            shared
                .check(Side::Host, &proof)
                .map_err(|_| ConnectError::PasswordNotProved)
        }
        _ => Err(ConnectError::PasswordNotProved),
    }
}

/// Writes commands until the channel closes or the socket fails; each message in one write. The
/// passwords of named rooms being joined are kept here until their challenge, then forgotten.
fn write_loop(
    stream: &Transport,
    params: &ConnectParams,
    commands: &Receiver<Outgoing>,
    proofs: &RoomProofs,
) {
    let mut passwords = std::collections::HashMap::new();
    for outgoing in commands {
        let bytes = match (params.dialect, outgoing) {
            (Wire::Json, Outgoing::JoinProtected { room, password }) => {
                let line = json_line_in(&ClientMsg::JoinRoom {}, &room);
                passwords.insert(room, password);
                line
            }
            (Wire::Json, Outgoing::RoomChallenge { room, salt, msg }) => {
                let Some(password) = passwords.remove(&room) else {
                    continue;
                };
                match answer_room(stream, &password, &salt, &msg) {
                    Ok((answer, shared)) => {
                        proofs
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .insert(room.clone(), shared);
                        json_line_in(&answer, &room)
                    }
                    // Not answered: the host gives up on the join after its delay.
                    Err(_) => continue,
                }
            }
            (_, Outgoing::JoinProtected { .. } | Outgoing::RoomChallenge { .. }) => continue,
            (Wire::Json, Outgoing::Command(command)) => json_line(&command.to_client_msg()),
            (Wire::Json, Outgoing::Line(text)) => json_line(&ClientMsg::Say { text, cid: None }),
            (Wire::Json, Outgoing::Tagged(command, cid)) => {
                json_line(&command.to_client_msg_with(Some(cid)))
            }
            (Wire::Json, Outgoing::Ask(question)) => json_line(&question),
            (Wire::Json, Outgoing::In(room, line)) => json_line_in(&line, &room),
            (_, Outgoing::Ask(_) | Outgoing::In(..)) => continue,
            (_, Outgoing::Command(command) | Outgoing::Tagged(command, _))
                if command.json_only() =>
            {
                continue;
            }
            (Wire::Plain, Outgoing::Tagged(command, _)) => {
                format!("{}\n", command.to_plain_line()).into_bytes()
            }
            (Wire::Classic, Outgoing::Tagged(command, _)) => {
                classic_line(&params.name, &command.to_plain_line())
            }
            (Wire::Plain, Outgoing::Command(command)) => {
                format!("{}\n", command.to_plain_line()).into_bytes()
            }
            (Wire::Plain, Outgoing::Line(text)) => format!("{text}\n").into_bytes(),
            // The classic server knows only `exit`; everything else is a line for the others.
            (Wire::Classic, Outgoing::Command(Command::Quit)) => b"exit\n".to_vec(),
            (Wire::Classic, Outgoing::Command(command)) => {
                classic_line(&params.name, &command.to_plain_line())
            }
            (Wire::Classic, Outgoing::Line(text)) => classic_line(&params.name, &text),
        };
        if stream.write_all(&bytes).is_err() {
            return;
        }
    }
}

/// The answer to a named room's password challenge (`salt_hex`, `host_msg_hex`) with `password`,
/// bound to this TLS session, and what checks the host's proof; `None` in clear (never answered)
/// or when the challenge is not well formed.
fn answer_room(
    stream: &Transport,
    password: &str,
    salt_hex: &str,
    host_msg_hex: &str,
) -> Result<(ClientMsg, Shared), Trouble> {
    let exporter = stream
        .exporter()
        .ok_or(Trouble::PasswordInClear)?
        .map_err(|err| Trouble::Encryption(err.to_string()))?;
    let mut salt = [0u8; SALT_BYTES];
    hex::decode_to_slice(salt_hex, &mut salt).map_err(|_| Trouble::BadChallenge)?;
    let host_msg = hex::decode(host_msg_hex).map_err(|_| Trouble::BadChallenge)?;
    let key = derive_key(password, &salt).map_err(|_| Trouble::BadChallenge)?;
    let (pake, guest_msg) = Pake::start(&key, &exporter);
    let shared = pake.finish(&host_msg).map_err(|_| Trouble::BadChallenge)?;
    let answer = ClientMsg::Password {
        msg: hex::encode(guest_msg),
        proof: hex::encode(shared.proof(Side::Guest)),
    };
    Ok((answer, shared))
}

/// The name as the classic C server reads it: one block of [`CLASSIC_NAME_BLOCK`] bytes, padded
/// with NULs (no newline, which that server would keep in the name). A longer name is cut at a
/// character boundary, leaving at least one NUL.
pub fn classic_name_block(name: &str) -> Vec<u8> {
    let mut end = name.len().min(CLASSIC_NAME_BLOCK - 1);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let mut block = name.as_bytes()[..end].to_vec();
    block.resize(CLASSIC_NAME_BLOCK, 0);
    block
}

/// A line for the classic C server, as its own client writes it: `name: text`.
pub fn classic_line(name: &str, text: &str) -> Vec<u8> {
    format!("{name}: {text}\n").into_bytes()
}

/// What a JSON server answers a hello (or a password) with, before the room.
enum Reply {
    /// In the room.
    Welcome(ServerMsg),
    /// The room has a password: the salt and the host's message, in hex.
    Password {
        /// The salt.
        salt: String,
        /// The host's SPAKE2 message.
        msg: String,
    },
    /// The password was right: the host's proof, in hex.
    Verified(String),
}

/// Reads until the welcome, a password challenge or proof, or the refusal.
fn wait_for_welcome(
    reader: &mut FrameReader<Transport>,
    target: &str,
) -> Result<Reply, ConnectError> {
    loop {
        let line = match reader.next_frame() {
            Ok(Some(Frame::Line(line))) => line,
            // A line framer gives nothing else (pings and closes are a WebSocket's).
            Ok(Some(_)) => continue,
            Ok(None) => {
                return Err(ConnectError::Other(Trouble::NoWelcome {
                    target: target.to_owned(),
                }));
            }
            Err(err) if crate::is_timeout(&err) => {
                return Err(ConnectError::TimedOut {
                    target: target.to_owned(),
                });
            }
            Err(err) => return Err(ConnectError::Other(Trouble::from(&err))),
        };
        match message::decode_server(&line) {
            Ok(welcome @ ServerMsg::Welcome { .. }) => {
                return Ok(Reply::Welcome(welcome.cleaned()));
            }
            Ok(ServerMsg::Password { salt, msg }) => return Ok(Reply::Password { salt, msg }),
            Ok(ServerMsg::Verified { proof }) => return Ok(Reply::Verified(proof)),
            Ok(ServerMsg::Error { code, message, .. }) => {
                return Err(ConnectError::Refused {
                    code,
                    message: crate::protocol::sanitize::clean_text(&message),
                });
            }
            Ok(_) => {}
            Err(_) => {
                // A plain server sends text before any welcome: say so in words.
                return Err(ConnectError::PlainServer {
                    said: clean_bytes(&line),
                });
            }
        }
    }
}

fn connect_error(err: &io::Error, target: &str) -> ConnectError {
    match err.kind() {
        io::ErrorKind::ConnectionRefused => ConnectError::NothingListening {
            target: target.to_owned(),
        },
        _ if crate::is_timeout(err) => ConnectError::TimedOut {
            target: target.to_owned(),
        },
        _ => ConnectError::Other(Trouble::from(err)),
    }
}

fn json_line(msg: &ClientMsg) -> Vec<u8> {
    let mut line = serde_json::to_vec(msg).unwrap_or_default();
    line.push(b'\n');
    line
}

/// `msg` as a JSON line about the named room `room`: its last field.
fn json_line_in(msg: &ClientMsg, room: &str) -> Vec<u8> {
    let mut line = json_line(msg);
    if line.ends_with(b"}\n") {
        line.truncate(line.len() - 2);
        line.extend_from_slice(b",\"room\":");
        line.extend_from_slice(&serde_json::to_vec(room).unwrap_or_default());
        line.extend_from_slice(b"}\n");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_hostile_host_sends_is_cleaned_before_the_app_sees_it() {
        use std::io::{BufRead as _, BufReader, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let addr = listener.local_addr().expect("its address");
        // A host that speaks JSON in clear and fills every text with escapes, bidi controls and
        // invisible characters.
        let host = std::thread::Builder::new()
            .name("hostile-host".to_owned())
            .spawn(move || {
            let (stream, _) = listener.accept().expect("the app");
            let mut reader = BufReader::new(stream.try_clone().expect("a clone"));
            let mut hello = String::new();
            reader.read_line(&mut hello).expect("the hello");
            let mut stream = stream;
            let lines = [
                r#"{"type":"welcome","version":1,"room":"Salle\u202e 12","you":"alice","users":["alice","b\u200bob"],"motd":"  ligne\u001b[31m une\nligne deux\u0007","history":[{"type":"message","id":1,"time":1,"from":"bo\u202eb","text":"\u001b]0;titre\u0007salut"}],"max_message_bytes":2048}"#,
                r#"{"type":"file","id":2,"time":2,"file":9,"from":"bob","name":"facture\u202efdp.exe","size":1,"sha256":"00"}"#,
                r#"{"type":"ready","file":9,"token":"t\u200bk"}"#,
                // A named room's name and its list, with bidi controls and invisible characters;
                // then a line naming two rooms, which is read as no line at all.
                r#"{"type":"message","id":3,"time":3,"from":"bob","text":"ici","room":"Pro\u202ejet\u200b X"}"#,
                r#"{"type":"rooms","rooms":[{"name":"Pause\u202e café","topic":"\u001b[31mrouge","people":2}]}"#,
                r#"{"type":"parted","room":"A","room":"B"}"#,
            ];
            for line in lines {
                writeln!(stream, "{line}").expect("written");
            }
            // Held open until the app has read everything.
            let mut rest = String::new();
            reader.read_line(&mut rest).ok();
        })
            .expect("the host's thread");
        let (tx, rx) = crossbeam_channel::unbounded();
        let params = ConnectParams {
            tls: false,
            ..ConnectParams::new("127.0.0.1", addr.port(), "alice", Wire::Json)
        };
        let conn = connect(1, params, EventSink::new(tx, Arc::new(|| {}))).expect("started");
        let next = || {
            rx.recv_timeout(std::time::Duration::from_secs(10))
                .expect("an event")
        };
        let ClientEvent::Connected {
            welcome:
                Some(ServerMsg::Welcome {
                    room,
                    users,
                    motd,
                    history,
                    ..
                }),
            ..
        } = next()
        else {
            panic!("the welcome")
        };
        assert_eq!(room, "Salle 12");
        assert_eq!(users, ["alice", "bob"]);
        assert_eq!(motd.as_deref(), Some("  ligne une\nligne deux"));
        assert_eq!(
            history,
            [ServerMsg::Message(crate::protocol::Chat {
                id: 1,
                time: 1,
                from: "bob".into(),
                text: "salut".into(),
                action: false,
                cid: None,
                ..Default::default()
            })]
        );
        let ClientEvent::Message {
            msg: ServerMsg::File(offer),
            ..
        } = next()
        else {
            panic!("the file")
        };
        assert_eq!(offer.name, "facturefdp.exe");
        // A token is the host's own, not words: left as it came.
        let ClientEvent::Message {
            msg: ServerMsg::Ready { token, .. },
            ..
        } = next()
        else {
            panic!("the token")
        };
        assert_eq!(token, "t\u{200b}k");
        let ClientEvent::Message {
            msg: ServerMsg::Message(chat),
            room: Some(room),
            ..
        } = next()
        else {
            panic!("the named room's message")
        };
        assert_eq!((chat.text.as_str(), room.as_str()), ("ici", "Projet X"));
        let ClientEvent::Message {
            msg: ServerMsg::Rooms { rooms, .. },
            ..
        } = next()
        else {
            panic!("the rooms")
        };
        assert_eq!(rooms[0].name, "Pause café");
        assert_eq!(rooms[0].topic.as_deref(), Some("rouge"));
        let ClientEvent::Message {
            msg: ServerMsg::Error { code, .. },
            room: None,
            ..
        } = next()
        else {
            panic!("the forged line")
        };
        assert_eq!(code, ErrorCode::Malformed);
        conn.quit();
        host.join().expect("the host");
    }

    #[test]
    fn a_named_rooms_verified_passes_only_with_the_hosts_proof_of_the_password() {
        let (tx, _rx) = crossbeam_channel::unbounded();
        let threads = ConnectionThreads {
            id: 1,
            events: EventSink::new(tx, Arc::new(|| {})),
            socket: Arc::default(),
            closed: Arc::default(),
            proofs: RoomProofs::default(),
        };
        // Both ends with the same key and TLS session: what the writer keeps, and the host.
        let (key, exporter) = ([7u8; crate::protocol::password::KEY_BYTES], [9u8; 32]);
        let (guest, guest_msg) = Pake::start(&key, &exporter);
        let (host, host_msg) = Pake::start(&key, &exporter);
        let host = host.finish(&guest_msg).expect("the guest's message");
        let guest = guest.finish(&host_msg).expect("the host's message");
        let verified = |proof: &[u8]| ServerMsg::Verified {
            proof: hex::encode(proof),
        };
        let good = verified(&host.proof(Side::Host));
        // Nobody awaited it, or it is about another room: refused.
        assert_eq!(
            threads.checked(&good, Some("Secret")),
            Err(Trouble::RoomNotProved)
        );
        threads
            .proofs
            .lock()
            .expect("the proofs")
            .insert("Secret".into(), guest);
        assert_eq!(
            threads.checked(&good, Some("Autre")),
            Err(Trouble::RoomNotProved)
        );
        // A forged proof (the guest's own sent back, or garbage): refused, and forgotten.
        let forged = verified(&host.proof(Side::Guest));
        assert_eq!(
            threads.checked(&forged, Some("Secret")),
            Err(Trouble::RoomNotProved)
        );
        assert!(threads.proofs.lock().expect("the proofs").is_empty());
        // The host's real proof passes; a line that is not a `verified` is left alone.
        let (guest, guest_msg) = Pake::start(&key, &exporter);
        let (host, host_msg) = Pake::start(&key, &exporter);
        let host = host.finish(&guest_msg).expect("the guest's message");
        let guest = guest.finish(&host_msg).expect("the host's message");
        threads
            .proofs
            .lock()
            .expect("the proofs")
            .insert("Secret".into(), guest);
        let good = verified(&host.proof(Side::Host));
        assert_eq!(threads.checked(&good, Some("Secret")), Ok(()));
        assert_eq!(
            threads.checked(&ServerMsg::Parted {}, Some("Secret")),
            Ok(())
        );
    }

    #[test]
    fn errors_read_as_plain_words() {
        let target = "10.0.0.1:4444".to_owned();
        assert_eq!(
            ConnectError::NothingListening {
                target: target.clone()
            }
            .to_string(),
            "Nothing is answering at 10.0.0.1:4444 — is the server running?"
        );
        assert!(
            ConnectError::TimedOut { target }
                .to_string()
                .contains("within 5 s")
        );
        assert_eq!(
            ConnectError::UnknownHost { host: "nas".into() }.to_string(),
            "Can't find a computer called \"nas\"."
        );
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            connect_error(&refused, "h:1"),
            ConnectError::NothingListening { .. }
        ));
    }

    #[test]
    fn the_classic_name_block_is_nul_padded_and_cut_at_a_character() {
        let block = classic_name_block("alice");
        assert_eq!(block.len(), CLASSIC_NAME_BLOCK);
        assert_eq!(&block[..6], b"alice\0");
        assert!(block[5..].iter().all(|&b| b == 0));
        let long = classic_name_block(&"é".repeat(30));
        assert_eq!(long.len(), CLASSIC_NAME_BLOCK);
        let text_end = long.iter().position(|&b| b == 0).unwrap_or(0);
        assert_eq!(text_end, 30, "15 two-byte characters fit before the NULs");
        assert!(std::str::from_utf8(&long[..text_end]).is_ok());
    }
}
