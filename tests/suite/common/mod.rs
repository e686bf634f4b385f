//! Helpers for the integration tests: a server on 127.0.0.1:0 and raw TCP clients of both dialects.
//!
//! Every wait is a read with a time-out: a test fails with what it saw instead of hanging.
#![allow(dead_code)] // reason: some helpers serve only the suites behind features.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use coucou::connection::SharedSocket;
use coucou::identity::Fingerprint;
use coucou::protocol::{ClientMsg, ServerMsg, message};
use coucou::server::{Server, ServerConfig};

#[cfg(feature = "nats-tests")]
pub mod broker;
use coucou::tls::{self, PinVerifier, Transport};

/// How long any single wait may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Settings for a server that keeps its history in the SQLite file at `path` (no flood limit,
/// no search limit).
pub fn stored(path: &std::path::Path) -> ServerConfig {
    ServerConfig {
        flood: None,
        search_flood: None,
        store: Some(coucou::server::StoreConfig {
            path: path.to_path_buf(),
            retention: coucou::store::Retention::default(),
        }),
        ..ServerConfig::default()
    }
}

/// A server with default settings but no flood limit, on a free loopback port.
pub fn start_server() -> Server {
    start_server_with(ServerConfig {
        flood: None,
        ..ServerConfig::default()
    })
}

/// Tests run side by side in this one process (one per core): file bytes keep their thread's
/// priority, so that they never wait behind the other tests' work (see
/// `coucou::lower_bulk_priority`). Every server and app a test starts calls this first.
pub fn share_the_processor() {
    coucou::lower_bulk_priority(false);
}

/// A server with `config`, on a free loopback port. Like every real server it offers TLS (with
/// [`test_identity`]) unless `config` says otherwise.
pub fn start_server_with(config: ServerConfig) -> Server {
    share_the_processor();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    Server::start(listener, with_tls(config)).expect("start server")
}

/// A server with `config` (and TLS, see [`start_server_with`]) on `addr`, which a stopped server
/// has just freed: the same room coming back.
pub fn restart_at(addr: SocketAddr, config: ServerConfig) -> Server {
    share_the_processor();
    let listener = TcpListener::bind(addr).expect("the port is free again");
    Server::start(listener, with_tls(config)).expect("start server")
}

fn with_tls(config: ServerConfig) -> ServerConfig {
    if config.tls.is_some() {
        return config;
    }
    ServerConfig {
        tls: Some(test_tls()),
        room_code: Some(test_identity().fingerprint().code()),
        ..config
    }
}

/// The identity of this test process's servers: one certificate, made once.
pub fn test_identity() -> &'static coucou::identity::Identity {
    static IDENTITY: std::sync::OnceLock<coucou::identity::Identity> = std::sync::OnceLock::new();
    IDENTITY.get_or_init(|| coucou::identity::Identity::generate().expect("a certificate"))
}

/// TLS with [`test_identity`].
pub fn test_tls() -> std::sync::Arc<rustls::ServerConfig> {
    coucou::tls::server_config(test_identity()).expect("a TLS configuration")
}

/// The seed's C client: the name as a 32-byte NUL-padded block, then `name: text` lines with the
/// name as typed at the start, whatever it becomes.
pub fn c_client(addr: SocketAddr, typed_name: &str) -> Plain {
    let mut client = Plain::connect(addr);
    let mut block = typed_name.as_bytes().to_vec();
    block.resize(32, 0);
    client.send_raw(&block);
    client.expect("joined the room");
    client
}

/// Settings for a host that takes files (1 MiB each, 16 MiB in all) into `dir`.
pub fn with_files(dir: &std::path::Path) -> ServerConfig {
    ServerConfig {
        files: Some(coucou::server::FilesConfig {
            dir: dir.join("files"),
            max_file_bytes: 1 << 20,
            quota_bytes: 1 << 24,
            expiry: Duration::from_secs(3600),
        }),
        ..ServerConfig::default()
    }
}

/// The offer of `data` as `name`, to `to` or the room: its size and SHA-256.
pub fn offer_of(name: &str, data: &[u8], to: Option<&str>) -> ClientMsg {
    ClientMsg::Offer {
        name: name.into(),
        size: data.len() as u64,
        sha256: coucou::digest::sha256_hex(&mut &data[..]).expect("a hash"),
        to: to.map(str::to_owned),
        label: None,
    }
}

/// `app` offers `data` as `name` to the room and uploads it: the file's id.
pub fn share_file(app: &mut Json, addr: SocketAddr, name: &str, data: &[u8]) -> u64 {
    app.send(&offer_of(name, data, None));
    let (file, token) = match app.expect(|m| matches!(m, ServerMsg::Ready { .. })) {
        ServerMsg::Ready { file, token, .. } => (file, token),
        other => panic!("{other:?}"),
    };
    upload_file(addr, &token, data);
    file
}

/// `app` fetches file `file` of the room and downloads it whole: its bytes.
pub fn fetch_file(app: &mut Json, addr: SocketAddr, file: u64) -> Vec<u8> {
    app.send(&ClientMsg::Fetch { file, label: None });
    let token = match app.expect(|m| matches!(m, ServerMsg::Ticket { .. })) {
        ServerMsg::Ticket { token, .. } => token,
        other => panic!("{other:?}"),
    };
    let (mut reader, answer) = file_connection(addr, &ClientMsg::Download { token, offset: 0 });
    assert!(matches!(answer, ServerMsg::Transfer { .. }), "{answer:?}");
    let mut data = Vec::new();
    reader.read_to_end(&mut data).expect("the bytes");
    data
}

/// A raw TCP client that speaks plain lines, like nc.
pub struct Plain {
    reader: BufReader<TcpStream>,
    /// Every line read so far, for failure messages.
    seen: Vec<String>,
}

impl Plain {
    /// Connects without sending anything.
    pub fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("a read timeout");
        Self {
            reader: BufReader::new(stream),
            seen: Vec::new(),
        }
    }

    /// Connects from the loopback address `from` (127.0.0.2, …), so the server sees another machine.
    pub fn connect_from(addr: SocketAddr, from: std::net::IpAddr) -> Self {
        let stream = connect_from(addr, from);
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("a read timeout");
        Self {
            reader: BufReader::new(stream),
            seen: Vec::new(),
        }
    }

    /// Connects, sends `name` and waits until its own join notice arrives.
    pub fn join(addr: SocketAddr, name: &str) -> Self {
        let mut client = Self::connect(addr);
        client.send(name);
        client.expect(&format!("* {name} joined the room"));
        client
    }

    /// The socket, for tests that need to tune it.
    pub fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    /// Sends `line` and a newline.
    pub fn send(&mut self, line: &str) {
        self.send_raw(format!("{line}\n").as_bytes());
    }

    /// Sends bytes as they are.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("send");
    }

    /// The next line, without its newline; panics on time-out or end of stream.
    pub fn line(&mut self) -> String {
        let mut buf = Vec::new();
        match self.reader.read_until(b'\n', &mut buf) {
            Ok(0) => panic!("connection closed; lines so far: {:#?}", self.seen),
            Ok(_) => {}
            Err(err) => panic!(
                "no line within {PATIENCE:?} ({err}); lines so far: {:#?}",
                self.seen
            ),
        }
        assert_eq!(buf.pop(), Some(b'\n'), "line without newline: {buf:?}");
        let line = String::from_utf8(buf).expect("the server sends UTF-8");
        self.seen.push(line.clone());
        line
    }

    /// Reads lines until one contains `needle`, and returns it.
    pub fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            let line = self.line();
            if line.contains(needle) {
                return line;
            }
        }
        panic!("never saw {needle:?}; lines: {:#?}", self.seen)
    }

    /// Reads lines until one contains `needle`; returns the lines before it.
    pub fn lines_until(&mut self, needle: &str) -> Vec<String> {
        let mut before = Vec::new();
        loop {
            let line = self.line();
            if line.contains(needle) {
                return before;
            }
            before.push(line);
        }
    }

    /// Every line read so far.
    pub fn seen(&self) -> &[String] {
        &self.seen
    }

    /// Reads lines until the server closes the connection; returns them.
    pub fn expect_closed(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut buf = Vec::new();
            match self.reader.read_until(b'\n', &mut buf) {
                Ok(0) => return lines,
                Ok(_) => lines.push(String::from_utf8_lossy(&buf).trim_end().to_owned()),
                Err(err) if err.kind() == ErrorKind::ConnectionReset => return lines,
                Err(err) => panic!("connection still open after {PATIENCE:?} ({err}): {lines:#?}"),
            }
        }
    }

    /// Closes the sending side, as nc does at end of input.
    pub fn close_write(&self) {
        self.stream().shutdown(Shutdown::Write).ok();
    }
}

/// Connects the app's own client (`coucou::client`) with `params`; returns it and its events.
pub fn app_connect(
    params: coucou::client::ConnectParams,
) -> (
    coucou::client::Connection,
    crossbeam_channel::Receiver<coucou::client::ClientEvent>,
) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let sink = coucou::EventSink::new(tx, std::sync::Arc::new(|| {}));
    let conn = coucou::client::connect(1, params, sink).expect("a connection thread");
    (conn, rx)
}

/// The first event that says how an app connection ended up: in (and how it is protected), or not.
pub fn outcome(
    events: &crossbeam_channel::Receiver<coucou::client::ClientEvent>,
) -> Result<coucou::client::Security, coucou::client::ConnectError> {
    use coucou::client::ClientEvent;
    let deadline = Instant::now() + PATIENCE;
    loop {
        match events.recv_deadline(deadline).expect("an outcome in time") {
            ClientEvent::Connected { security, .. } => return Ok(security),
            ClientEvent::Failed { error, .. } => return Err(error),
            _ => {}
        }
    }
}

/// A raw client that speaks the JSON dialect, in clear or over TLS.
pub struct Json {
    reader: BufReader<Transport>,
    seen: Vec<ServerMsg>,
}

impl Json {
    /// Connects without sending anything.
    pub fn connect(addr: SocketAddr) -> Self {
        Self::over(TcpStream::connect(addr).expect("connect"))
    }

    /// Connects from the local address `from` (another machine on the LAN).
    pub fn connect_from(addr: SocketAddr, from: std::net::IpAddr) -> Self {
        Self::over(connect_from(addr, from))
    }

    /// A client in clear over a connected stream.
    fn over(stream: TcpStream) -> Self {
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("a read timeout");
        Self {
            reader: BufReader::new(Transport::clear(SharedSocket::new(stream))),
            seen: Vec::new(),
        }
    }

    /// Connects over TLS, checking the host against `pin` (any certificate when `None`); the
    /// handshake's error if it fails. Returns the client and the host's fingerprint.
    pub fn connect_tls(
        addr: SocketAddr,
        pin: Option<Fingerprint>,
    ) -> Result<(Self, Fingerprint), std::io::Error> {
        Self::tls_over(TcpStream::connect(addr)?, pin)
    }

    /// [`Json::connect_tls`] from the local address `from` (another machine on the LAN).
    pub fn connect_tls_from(
        addr: SocketAddr,
        from: std::net::IpAddr,
        pin: Option<Fingerprint>,
    ) -> Result<(Self, Fingerprint), std::io::Error> {
        Self::tls_over(connect_from(addr, from), pin)
    }

    /// The TLS handshake over a connected stream.
    fn tls_over(
        stream: TcpStream,
        pin: Option<Fingerprint>,
    ) -> Result<(Self, Fingerprint), std::io::Error> {
        let socket = SharedSocket::new(stream);
        let verifier = PinVerifier::new(pin);
        let config =
            tls::client_config(std::sync::Arc::clone(&verifier)).map_err(std::io::Error::other)?;
        let conn = rustls::ClientConnection::new(config, tls::server_name("127.0.0.1"))
            .map_err(std::io::Error::other)?;
        let mut conn = rustls::Connection::Client(conn);
        tls::handshake(&mut conn, &socket, std::time::Instant::now() + PATIENCE)?;
        socket.set_read_timeout(Some(PATIENCE))?;
        let seen = verifier.seen().expect("a certificate was shown");
        let client = Self {
            reader: BufReader::new(Transport::tls(socket, conn)),
            seen: Vec::new(),
        };
        Ok((client, seen))
    }

    /// The connection, for its TLS exporter.
    pub fn transport(&self) -> &Transport {
        self.reader.get_ref()
    }

    /// Everything the server sends from now until it closes (or a read times out), as text: for a
    /// terminal's plain lines inside TLS.
    pub fn rest(&mut self) -> String {
        let mut all = Vec::new();
        let mut buf = [0u8; 8192];
        let mut transport = self.reader.get_ref().clone();
        while let Ok(n) = transport.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&all).into_owned()
    }

    /// Connects and says hello; returns the client and the welcome.
    pub fn join(addr: SocketAddr, name: &str) -> (Self, ServerMsg) {
        Self::hello(Self::connect(addr), name)
    }

    /// [`Json::join`] from the local address `from` (another machine on the LAN).
    pub fn join_from(addr: SocketAddr, from: std::net::IpAddr, name: &str) -> (Self, ServerMsg) {
        Self::hello(Self::connect_from(addr, from), name)
    }

    /// Says hello as `name` and waits for the welcome and the join.
    fn hello(mut client: Self, name: &str) -> (Self, ServerMsg) {
        client.send(&ClientMsg::Hello {
            version: 1,
            name: name.to_owned(),
            device: None,
        });
        let welcome = client.next();
        assert!(
            matches!(welcome, ServerMsg::Welcome { .. }),
            "expected a welcome, got {welcome:?}"
        );
        client.expect(|m| matches!(m, ServerMsg::Join { name: n, .. } if n == name));
        (client, welcome)
    }

    /// Sends one message.
    pub fn send(&mut self, msg: &ClientMsg) {
        let mut line = serde_json::to_vec(msg).expect("a message encodes");
        line.push(b'\n');
        self.send_raw(&line);
    }

    /// Sends bytes as they are (sealed under TLS).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.reader.get_ref().write_all(bytes).expect("send");
    }

    /// The next message; panics on time-out, end of stream or a line that is not a server message.
    pub fn next(&mut self) -> ServerMsg {
        self.next_in().1
    }

    /// The next message with the room it concerns (its `room` field; `None`: the default room, or
    /// a welcome, which names its room itself).
    pub fn next_in(&mut self) -> (Option<String>, ServerMsg) {
        let mut buf = Vec::new();
        match self.reader.read_until(b'\n', &mut buf) {
            Ok(0) => panic!("connection closed; messages so far: {:#?}", self.seen),
            Ok(_) => {}
            Err(err) => panic!("no message within {PATIENCE:?} ({err}): {:#?}", self.seen),
        }
        let msg = message::decode_server(&buf)
            .unwrap_or_else(|err| panic!("bad line {:?}: {err}", String::from_utf8_lossy(&buf)));
        let value: serde_json::Value = serde_json::from_slice(&buf).expect("a JSON object");
        let room = match &msg {
            ServerMsg::Welcome { .. } => None,
            _ => value
                .get("room")
                .map(|room| room.as_str().expect("a room's name").to_owned()),
        };
        self.seen.push(msg.clone());
        (room, msg)
    }

    /// The next line as text, without its newline: a terminal's plain line inside TLS.
    pub fn text_line(&mut self) -> String {
        let mut buf = Vec::new();
        match self.reader.read_until(b'\n', &mut buf) {
            Ok(0) => panic!("connection closed"),
            Ok(_) => {}
            Err(err) => panic!("no line within {PATIENCE:?} ({err})"),
        }
        String::from_utf8_lossy(&buf).trim_end().to_owned()
    }

    /// Reads text lines until one contains `needle`, and returns it.
    pub fn expect_text(&mut self, needle: &str) -> String {
        loop {
            let line = self.text_line();
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Sends one message about the room `room` (its `room` field).
    pub fn send_in(&mut self, room: &str, msg: &ClientMsg) {
        let mut value = serde_json::to_value(msg).expect("a message encodes");
        value["room"] = serde_json::Value::String(room.to_owned());
        let mut line = serde_json::to_vec(&value).expect("a message encodes");
        line.push(b'\n');
        self.send_raw(&line);
    }

    /// Reads messages until one about `room` (`None`: the default room) matches, and returns it.
    pub fn expect_in(
        &mut self,
        room: Option<&str>,
        wanted: impl Fn(&ServerMsg) -> bool,
    ) -> ServerMsg {
        loop {
            let (about, msg) = self.next_in();
            if about.as_deref() == room && wanted(&msg) {
                return msg;
            }
        }
    }

    /// Joins the named room `room`; returns its welcome, once this client's own join is in.
    pub fn join_room(&mut self, room: &str) -> ServerMsg {
        self.send_in(room, &ClientMsg::JoinRoom {});
        let welcome = self.expect(|m| matches!(m, ServerMsg::Welcome { room: r, .. } if r == room));
        let ServerMsg::Welcome { you, .. } = &welcome else {
            unreachable!()
        };
        let me = you.clone();
        self.expect_in(
            Some(room),
            |m| matches!(m, ServerMsg::Join { name, .. } if *name == me),
        );
        welcome
    }

    /// The room's whole history, oldest first, asked page by page (500 at a time) from the newest
    /// back.
    pub fn whole_history(&mut self) -> Vec<ServerMsg> {
        let mut all = Vec::new();
        let mut before = None;
        loop {
            self.send(&ClientMsg::History {
                before,
                limit: Some(500),
                label: None,
            });
            let ServerMsg::History {
                mut messages, more, ..
            } = self.expect(|m| matches!(m, ServerMsg::History { .. }))
            else {
                unreachable!()
            };
            before = messages
                .iter()
                .filter_map(coucou::store::key)
                .map(|(_, id, _)| id)
                .min();
            messages.append(&mut all);
            all = messages;
            if !more {
                return all;
            }
        }
    }

    /// What a search for `text` finds (at most `limit`), or the error's code if it is refused.
    pub fn search(
        &mut self,
        text: &str,
        limit: Option<u32>,
    ) -> Result<Vec<message::Found>, coucou::protocol::ErrorCode> {
        self.send(&ClientMsg::Search {
            text: text.into(),
            limit,
            label: None,
        });
        match self.expect(|m| matches!(m, ServerMsg::Results { .. } | ServerMsg::Error { .. })) {
            ServerMsg::Results { results, .. } => Ok(results),
            ServerMsg::Error { code, .. } => Err(code),
            _ => unreachable!(),
        }
    }

    /// Every message read so far.
    pub fn seen(&self) -> &[ServerMsg] {
        &self.seen
    }

    /// Reads messages until one matches, and returns it.
    pub fn expect(&mut self, wanted: impl Fn(&ServerMsg) -> bool) -> ServerMsg {
        loop {
            let msg = self.next();
            if wanted(&msg) {
                return msg;
            }
        }
    }

    /// Reads until the server closes the connection; returns what came.
    pub fn expect_closed(&mut self) -> Vec<ServerMsg> {
        let mut msgs = Vec::new();
        loop {
            let mut buf = Vec::new();
            match self.reader.read_until(b'\n', &mut buf) {
                Ok(0) => return msgs,
                Ok(_) => msgs.push(message::decode_server(&buf).expect("a server message")),
                Err(err) if err.kind() == ErrorKind::ConnectionReset => return msgs,
                Err(err) => panic!("connection still open after {PATIENCE:?} ({err}): {msgs:#?}"),
            }
        }
    }
}

/// A TCP connection to `addr` from the local address `from` (a loopback address other than
/// 127.0.0.1 stands for another machine on the LAN).
pub fn connect_from(addr: SocketAddr, from: std::net::IpAddr) -> TcpStream {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        None,
    )
    .expect("a socket");
    socket
        .bind(&SocketAddr::new(from, 0).into())
        .unwrap_or_else(|err| panic!("bind {from}: {err}"));
    socket
        .connect_timeout(&addr.into(), PATIENCE)
        .unwrap_or_else(|err| panic!("connect {addr} from {from}: {err}"));
    socket.into()
}

/// Reads whatever arrives until end of stream or an error; for sockets drained in the background.
/// True when the stream ended (end of stream, or reset by the peer); false when a read timed out or
/// failed otherwise.
pub fn drain(mut stream: TcpStream) -> bool {
    let mut buf = [0; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(err) if err.kind() == ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

/// The `coucou` binary, with its home and config folder (where `coucou server` keeps its
/// certificate) in a temp folder of this test process: no test touches the real ones.
pub fn coucou() -> Command {
    static CONFIG: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| tempfile::tempdir().expect("a temp folder"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_coucou"));
    // confy finds the config folder from HOME (XDG_CONFIG_HOME alone is not enough).
    // The server's notices follow the system's language: English here, on any machine.
    command
        .env("HOME", config.path())
        .env("XDG_CONFIG_HOME", config.path().join(".config"))
        .env_remove("LANGUAGE")
        .env("LC_ALL", "C.UTF-8");
    command
}

/// Starts `coucou server` on 127.0.0.1 and a free port, with `extra` options; returns the child and
/// the port it printed.
pub fn spawn_server(extra: &[&str]) -> (Child, u16) {
    let mut command = coucou();
    command
        .args(["server", "--bind", "127.0.0.1", "--port", "0"])
        .args(extra)
        .stderr(Stdio::null());
    spawn_server_from(command)
}

/// Starts a prepared `coucou server` command (its standard error as the caller set it); returns
/// the child and the port it printed on its first line.
pub fn spawn_server_from(mut command: Command) -> (Child, u16) {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("a piped stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the first line");
    // Keep reading, so the server's later lines don't meet a closed pipe.
    std::thread::Builder::new()
        .name("test-stdout".into())
        .spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()))
        .expect("a thread");
    let port = first
        .trim_end()
        .trim_end_matches('.')
        .rsplit(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"));
    (child, port)
}

/// The seed's classic C server (`tests/seed_server/seed_server.c`), built with the system's C
/// compiler into a temp folder and running on 127.0.0.1. Killed when dropped.
pub struct SeedServer {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl SeedServer {
    /// Builds and starts it; `None` (after saying why on stderr) only when there is no C compiler.
    pub fn start() -> Option<Self> {
        let compiler = ["cc", "gcc", "clang"].into_iter().find(|cc| {
            Command::new(cc)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok()
        });
        let Some(compiler) = compiler else {
            eprintln!("SKIPPED: no C compiler (cc, gcc or clang) to build the seed's C server");
            return None;
        };
        let dir = tempfile::tempdir().expect("a temp folder");
        let binary = dir.path().join("seed_server");
        let source = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/seed_server/seed_server.c"
        );
        let built = Command::new(compiler)
            .args(["-O1", "-pthread", "-o"])
            .arg(&binary)
            .arg(source)
            .status()
            .expect("the C compiler runs");
        assert!(built.success(), "{compiler} could not build {source}");
        let mut child = Command::new(&binary)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the seed server starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("a piped stdout"))
            .read_line(&mut first)
            .expect("its first line");
        let port: u16 = first
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        Some(Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            _dir: dir,
        })
    }
}

impl Drop for SeedServer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A TCP proxy on 127.0.0.1 in front of a server, that can cut every connection through it at once
/// while the server goes on: a network cut, for reconnection tests against the same server. It can
/// also cut after a given number of bytes from the clients, in the middle of a line.
pub struct Proxy {
    addr: SocketAddr,
    /// Both ends of every connection made through it.
    streams: std::sync::Arc<std::sync::Mutex<Vec<TcpStream>>>,
    /// Bytes from clients that may still pass before every connection is cut; `None`: no limit.
    budget: Budget,
    /// The same for bytes from the server.
    budget_down: Budget,
    /// While true, bytes from clients wait (the connections stay open).
    held: Gate,
    /// Lines from clients that may still pass before `held` closes; `None`: no limit.
    lines: Budget,
    stopping: std::sync::Arc<std::sync::atomic::AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
}

type Streams = std::sync::Arc<std::sync::Mutex<Vec<TcpStream>>>;
type Budget = std::sync::Arc<std::sync::Mutex<Option<usize>>>;
type Gate = std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>;

fn cut_all(streams: &Streams) {
    for stream in streams.lock().expect("the lock").drain(..) {
        stream.shutdown(Shutdown::Both).ok();
    }
}

/// How much of `chunk` may pass before the gate closes: all of it, or up to the line that
/// spends the lines `left` (then the gate closes behind it).
fn lines_pass(chunk: &[u8], left: &Budget, gate: &Gate) -> usize {
    let mut left = left.lock().expect("the lock");
    let Some(lines) = *left else {
        return chunk.len();
    };
    let ends: Vec<usize> = chunk
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    match ends.get(lines.saturating_sub(1)) {
        Some(&end) if lines > 0 => {
            *left = None;
            *gate.0.lock().expect("the lock") = true;
            gate.1.notify_all();
            end
        }
        _ => {
            *left = Some(lines - ends.len());
            chunk.len()
        }
    }
}

/// Copies bytes one way, within the budget; cuts everything when it runs out. Bytes wait while
/// `gate` is closed; `lines` closes it after that many more lines.
fn copy_within(
    mut from: TcpStream,
    mut to: TcpStream,
    budget: &Budget,
    streams: &Streams,
    gate: Option<(&Gate, &Budget)>,
) {
    let mut buf = [0_u8; 4096];
    let mut pending = 0..0;
    loop {
        if pending.is_empty() {
            pending = match from.read(&mut buf) {
                // The client (or server) ended its side: so does the proxy, and the other way
                // goes on.
                Ok(0) => {
                    to.shutdown(Shutdown::Write).ok();
                    return;
                }
                Err(_) => break,
                Ok(n) => 0..n,
            };
        }
        let mut n = pending.len();
        if let Some((gate, lines)) = gate {
            let (held, released) = &**gate;
            let mut held = held.lock().expect("the lock");
            while *held {
                held = released.wait(held).expect("the lock");
            }
            drop(held);
            n = lines_pass(&buf[pending.clone()], lines, gate);
        }
        let start = pending.start;
        pending.start += n;
        let (allowed, spent) = {
            let mut left = budget.lock().expect("the lock");
            match *left {
                None => (n, false),
                Some(l) => {
                    let allowed = l.min(n);
                    *left = if allowed == l {
                        None
                    } else {
                        Some(l - allowed)
                    };
                    (allowed, allowed == l)
                }
            }
        };
        if to.write_all(&buf[start..start + allowed]).is_err() {
            break;
        }
        if spent {
            cut_all(streams);
            break;
        }
    }
    to.shutdown(Shutdown::Both).ok();
}

impl Proxy {
    /// Starts forwarding to `target`.
    pub fn start(target: SocketAddr) -> Self {
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port on 127.0.0.1");
        let addr = listener.local_addr().expect("its address");
        let streams: Streams = std::sync::Arc::default();
        let budget: Budget = std::sync::Arc::default();
        let budget_down: Budget = std::sync::Arc::default();
        let held: Gate = std::sync::Arc::default();
        let lines: Budget = std::sync::Arc::default();
        let (held_a, lines_a) = (held.clone(), lines.clone());
        let stopping = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (streams_a, stopping_a) = (streams.clone(), stopping.clone());
        let (budget_a, budget_down_a) = (budget.clone(), budget_down.clone());
        let accept = std::thread::Builder::new()
            .name("test-proxy".into())
            .spawn(move || {
                for client in listener.incoming() {
                    if stopping_a.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(client) = client else { continue };
                    let Ok(server) = TcpStream::connect(target) else {
                        continue;
                    };
                    let clone = |s: &TcpStream| s.try_clone().expect("a second handle");
                    let mut kept = streams_a.lock().expect("the lock");
                    kept.push(clone(&client));
                    kept.push(clone(&server));
                    drop(kept);
                    let (up_from, up_to) = (clone(&client), clone(&server));
                    let (budget, streams) = (budget_a.clone(), streams_a.clone());
                    let (gate, lines) = (held_a.clone(), lines_a.clone());
                    std::thread::Builder::new()
                        .name("test-proxy-up".into())
                        .spawn(move || {
                            copy_within(up_from, up_to, &budget, &streams, Some((&gate, &lines)));
                        })
                        .expect("a thread");
                    let (budget, streams) = (budget_down_a.clone(), streams_a.clone());
                    std::thread::Builder::new()
                        .name("test-proxy-down".into())
                        .spawn(move || copy_within(server, client, &budget, &streams, None))
                        .expect("a thread");
                }
            })
            .expect("a thread");
        Self {
            addr,
            streams,
            budget,
            budget_down,
            held,
            lines,
            stopping,
            accept: Some(accept),
        }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Cuts every connection made through the proxy so far; new ones go through again.
    pub fn cut(&self) {
        *self.budget.lock().expect("the lock") = None;
        *self.budget_down.lock().expect("the lock") = None;
        cut_all(&self.streams);
    }

    /// Cuts every connection once `bytes` more bytes from clients have passed (the last of them
    /// reaches the server; nothing after it does).
    pub fn cut_after(&self, bytes: usize) {
        if bytes == 0 {
            self.cut();
        } else {
            *self.budget.lock().expect("the lock") = Some(bytes);
        }
    }

    /// Cuts every connection once `bytes` more bytes from the server have passed.
    pub fn cut_after_down(&self, bytes: usize) {
        if bytes == 0 {
            self.cut();
        } else {
            *self.budget_down.lock().expect("the lock") = Some(bytes);
        }
    }

    /// Holds the bytes from clients (what is read waits; nothing is cut) until [`Proxy::release`]:
    /// a network that stalls.
    pub fn hold(&self) {
        *self.held.0.lock().expect("the lock") = true;
    }

    /// Lets `lines` more lines from clients through, then holds the rest as [`Proxy::hold`]
    /// (lines of clear connections: TLS hides them).
    pub fn hold_after_lines(&self, lines: usize) {
        if lines == 0 {
            self.hold();
        } else {
            *self.lines.lock().expect("the lock") = Some(lines);
        }
    }

    /// Waits until bytes from clients are held (after [`Proxy::hold_after_lines`]).
    pub fn wait_held(&self) {
        let (held, changed) = &*self.held;
        let held = held.lock().expect("the lock");
        let (held, _) = changed
            .wait_timeout_while(held, PATIENCE, |held| !*held)
            .expect("the lock");
        assert!(*held, "nothing held within {PATIENCE:?}");
    }

    /// Lets held bytes go on.
    pub fn release(&self) {
        *self.held.0.lock().expect("the lock") = false;
        self.held.1.notify_all();
    }

    /// True when a cut asked for with [`Proxy::cut_after`] or [`Proxy::cut_after_down`] has not
    /// happened yet.
    pub fn cut_pending(&self) -> bool {
        self.budget.lock().expect("the lock").is_some()
            || self.budget_down.lock().expect("the lock").is_some()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.release();
        self.cut();
        // Wake the accept loop so it sees `stopping`.
        TcpStream::connect(self.addr).ok();
        if let Some(accept) = self.accept.take() {
            accept.join().ok();
        }
    }
}

/// A file connection to `addr`: its first line sent, the host's answer line read.
pub fn file_connection(addr: SocketAddr, first: &ClientMsg) -> (BufReader<TcpStream>, ServerMsg) {
    file_connection_over(TcpStream::connect(addr).expect("a connection"), first)
}

/// [`file_connection`] from the local address `from` (another machine on the LAN).
pub fn file_connection_from(
    addr: SocketAddr,
    from: std::net::IpAddr,
    first: &ClientMsg,
) -> (BufReader<TcpStream>, ServerMsg) {
    file_connection_over(connect_from(addr, from), first)
}

/// Sends the first line of a file connection on `stream`; the reader and the host's answer.
fn file_connection_over(stream: TcpStream, first: &ClientMsg) -> (BufReader<TcpStream>, ServerMsg) {
    stream.set_read_timeout(Some(PATIENCE)).expect("a timeout");
    let mut line = serde_json::to_vec(first).expect("json");
    line.push(b'\n');
    (&stream).write_all(&line).expect("the first line");
    let mut reader = BufReader::new(stream);
    let answer = file_line(&mut reader);
    (reader, answer)
}

/// The next JSON line on a file connection.
pub fn file_line(reader: &mut BufReader<TcpStream>) -> ServerMsg {
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line).expect("a line");
    coucou::protocol::message::decode_server(&line)
        .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&line)))
}

/// Uploads `data` with `token` from where the host's copy ends; the host's last word.
pub fn upload_file(addr: SocketAddr, token: &str, data: &[u8]) -> ServerMsg {
    let (mut reader, answer) = file_connection(
        addr,
        &ClientMsg::Upload {
            token: token.into(),
        },
    );
    let ServerMsg::Transfer { offset, .. } = answer else {
        return answer;
    };
    let start = usize::try_from(offset).expect("an offset");
    reader.get_ref().write_all(&data[start..]).ok();
    // Every byte sent: this side ends, and the host answers.
    reader.get_ref().shutdown(Shutdown::Write).ok();
    file_line(&mut reader)
}
