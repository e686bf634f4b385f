//! `coucou-bench`: a load generator for chat servers — Coucou (plain or JSON), IRC, or the seed's C
//! design — measured from the receivers' side.
//!
//! It opens K idle connections, then N clients that all join at once (the join storm), then lets S of
//! them send stamped lines at a steady rate or in bursts. Every receiver reads each line, finds the
//! stamp and records how long the line took. Given the server's pid it also reads the server's CPU
//! time and RSS from `/proc`. Everything is bounded in time; it ends by itself. Traffic goes only to
//! the address given, which the benchmark scripts keep on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use coucou::protocol::message::{NOTICE_PREFIX, decode_server};
use coucou::protocol::{ClientMsg, PROTOCOL_VERSION, ServerMsg};
use serde::Serialize;

/// What the clients speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Dialect {
    /// Coucou's plain lines (and the seed's C design).
    Plain,
    /// Coucou's JSON dialect.
    Json,
    /// IRC: NICK/USER, JOIN a channel, PRIVMSG.
    Irc,
}

/// Load generator for chat servers on loopback.
#[derive(Debug, Clone, Parser)]
#[command(version, about)]
struct Args {
    /// Server address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(long, default_value_t = 4444)]
    port: u16,
    /// What the clients speak.
    #[arg(long, value_enum, default_value_t = Dialect::Plain)]
    dialect: Dialect,
    /// Clients that join and read.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// How many of them send.
    #[arg(long, default_value_t = 1)]
    senders: usize,
    /// Messages per second per sender.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// All senders send at the same instants, instead of spread out.
    #[arg(long)]
    burst: bool,
    /// Seconds of sending.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Seconds to wait for lines still in flight after sending stops.
    #[arg(long, default_value_t = 2.0)]
    settle: f64,
    /// Connections that connect and then do nothing (they never register).
    #[arg(long, default_value_t = 0)]
    idle: usize,
    /// Seconds the idle connections may take to open; the run goes on with those it has.
    #[arg(long, default_value_t = 60.0)]
    idle_timeout: f64,
    /// Add one client that joins and never reads.
    #[arg(long)]
    slow: bool,
    /// Bytes of padding in each message.
    #[arg(long, default_value_t = 40)]
    pad: usize,
    /// IRC channel to join.
    #[arg(long, default_value = "#bench")]
    channel: String,
    /// Spread the clients over this many rooms, client i in room i mod N: on Coucou the default
    /// room and the named rooms `bench-1`…, which the server must have (`--rooms`); on IRC the
    /// channels `#bench0`…. A sender's line reaches its own room only.
    #[arg(long, default_value_t = 1)]
    rooms: usize,
    /// Instead of running: one JSON client joins this many named rooms (`bench-1`…) at once,
    /// twenty times over, and the time until all their welcomes are in is printed.
    #[arg(long, value_name = "ROOMS")]
    join_rooms: Option<usize>,
    /// The server's pid, to read its CPU time and RSS from /proc (several: their sums).
    #[arg(long)]
    server_pid: Vec<u32>,
    /// More servers of one linked room (issue #15), on the same host: the clients are spread
    /// over `--port` and these, in turn; deliveries from a sender on one server to a client on
    /// another are also measured apart. Give each server's pid (and the broker's) with
    /// `--server-pid`, as many times as needed: the CPU is their sum.
    #[arg(long, value_name = "PORT")]
    also_port: Vec<u16>,
    /// Clients started per second during the join (0: all at once, the join storm).
    #[arg(long, default_value_t = 0.0)]
    join_rate: f64,
    /// Seconds the joins may take before the run goes on without them.
    #[arg(long, default_value_t = 30.0)]
    join_timeout: f64,
    /// Every client (but the idle ones) connects over TLS, accepting the server's certificate
    /// as it is (Coucou only; for measuring the cost of encryption).
    #[arg(long)]
    tls: bool,
    /// Every client connects (and, on IRC, registers: NICK/USER, then waits for the welcome)
    /// before any enters the room; then they all send the line that enters (the name, the hello,
    /// the JOIN) together, and the join storm is timed from there. For servers that finish a
    /// registration only on a timer tick and drop a JOIN sent before it (InspIRCd), and so that
    /// every server meets the same join pattern.
    #[arg(long)]
    enter_together: bool,
    /// A name for this run in the output.
    #[arg(long, default_value = "run")]
    label: String,
    /// With `--table`: the ratios are to the runs whose server name starts with this.
    #[arg(long, default_value = "ngircd")]
    baseline: String,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Instead of running: read JSON reports (one per line) from this file and print them as one
    /// comparison table, with ratios to the runs whose label starts with `ngircd`.
    #[arg(long)]
    table: Option<std::path::PathBuf>,
    /// Instead of running: the history benchmark (H1). Stores this many messages in a new store
    /// in `--store-dir`, starts a Coucou server on it on 127.0.0.1, and times searches and pages
    /// over JSON; prints the store's size per message.
    #[arg(long, value_name = "MESSAGES")]
    history: Option<u64>,
    /// Extra JSON clients that join after the others and, while the senders send, say "typing"
    /// at `--typing-rate` per second each (Coucou only; issue #13's typing load).
    #[arg(long, default_value_t = 0)]
    typists: usize,
    /// How many "typing" events each typist sends per second.
    #[arg(long, default_value_t = 10.0)]
    typing_rate: f64,
    /// Instead of running: the file benchmark (issue #14). Offers a file of this many MiB to the
    /// Coucou server at `--host:--port`, uploads it and downloads it; prints the time of each.
    #[arg(long, value_name = "MIB")]
    transfer: Option<u64>,
    /// Where the history benchmark makes its store (a new, empty folder).
    #[arg(long, value_name = "DIR")]
    store_dir: Option<std::path::PathBuf>,
    /// Instead of running: writes this many bans (half by name, half by address, none of them
    /// the benchmark's own names or 127.0.0.1) into the store in `--store-dir`, for a Coucou
    /// server started on it (`--data-dir`) to read back (issue #27).
    #[arg(long, value_name = "BANS")]
    ban_list: Option<u64>,
    /// This percentage of the senders' lines are reactions on the newest message seen instead
    /// of messages (JSON only; issue #28). A reaction told to a client counts as a delivered line.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    reactions: u8,
    /// The last this many clients speak JSON as the web page does, over a WebSocket (issue #29;
    /// with `--dialect json`).
    #[arg(long, default_value_t = 0)]
    web: usize,
}

mod bans;
mod history;
mod reactions;
mod rooms;
mod transfer;
mod web;

use web::{Conn, connect};

/// Starts `--typists` JSON clients that join, then say "typing" at `--typing-rate` until the run
/// stops, reading (and dropping) whatever they are sent so the server never waits on them.
fn start_typists(args: &Args, shared: &Arc<Shared>) -> Result<Vec<thread::JoinHandle<()>>, String> {
    let mut handles = Vec::with_capacity(args.typists);
    let period = Duration::from_secs_f64(1.0 / args.typing_rate.max(0.001));
    for i in 0..args.typists {
        let stream = connect_tcp(args).map_err(|e| format!("typist {i}: {e}"))?;
        let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
        let mut writer = stream;
        let hello = json_line(&ClientMsg::Hello {
            version: PROTOCOL_VERSION,
            name: format!("typist{i}"),
            device: None,
        });
        std::io::Write::write_all(&mut writer, &hello).map_err(|e| e.to_string())?;
        // In the room before the measure starts: the welcome is the first line.
        let mut welcome = Vec::new();
        reader
            .read_until(b'\n', &mut welcome)
            .map_err(|e| format!("typist {i}: {e}"))?;
        if !welcome.starts_with(b"{\"type\":\"welcome\"") {
            return Err(format!(
                "typist {i} was not let in: {}",
                String::from_utf8_lossy(&welcome).trim_end()
            ));
        }
        let typing = json_line(&ClientMsg::Typing { active: true });
        let shared_w = Arc::clone(shared);
        handles.push(
            thread::Builder::new()
                .name(format!("bench-typist-{i}"))
                .stack_size(128 * 1024)
                .spawn(move || {
                    // Spread the typists over one period, then keep the pace.
                    let mut next = Instant::now() + period.mul_f64(i as f64 / 50.0);
                    while !shared_w.stop.load(Ordering::Relaxed) {
                        let now = Instant::now();
                        if next > now {
                            // In short naps, so that the end of the run is seen soon.
                            thread::sleep((next - now).min(Duration::from_millis(100)));
                            continue;
                        }
                        next += period;
                        if std::io::Write::write_all(&mut writer, &typing).is_err() {
                            break;
                        }
                    }
                    writer.shutdown(std::net::Shutdown::Both).ok();
                })
                .map_err(|e| format!("spawn: {e}"))?,
        );
        handles.push(
            thread::Builder::new()
                .name(format!("bench-typist-read-{i}"))
                .stack_size(128 * 1024)
                .spawn(move || {
                    let mut line = Vec::new();
                    while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                        line.clear();
                    }
                })
                .map_err(|e| format!("spawn: {e}"))?,
        );
    }
    Ok(handles)
}

/// What one run measured.
#[derive(Debug, Serialize, serde::Deserialize)]
struct Report {
    label: String,
    dialect: Dialect,
    clients: usize,
    senders: usize,
    idle: usize,
    joined: usize,
    join_storm_ms: Option<f64>,
    sent: u64,
    expected: u64,
    delivered: u64,
    delivered_pct: f64,
    deliveries_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// Deliveries from a sender on one linked server to a client on another.
    #[serde(default)]
    cross_p50_ms: Option<f64>,
    #[serde(default)]
    cross_p99_ms: Option<f64>,
    /// A sender's own line back to it (a Coucou room's echo; IRC and the seed send none).
    #[serde(default)]
    echo_p99_ms: Option<f64>,
    /// Each client's wait for its welcome after the line that enters (the 99th percentile).
    #[serde(default)]
    welcome_p99_ms: Option<f64>,
    server_cpu_s: Option<f64>,
    server_cpu_us_per_delivery: Option<f64>,
    /// The server's CPU time in seconds over its whole life up to the end of settling (start-up,
    /// the join storm, sending and settling): the measure of issue #25's own table, which `--table`
    /// also shows per delivered line.
    #[serde(default)]
    server_cpu_total_s: Option<f64>,
    server_rss_kib: Option<u64>,
    rss_kib_per_idle: Option<f64>,
    slow_dropped_after_s: Option<f64>,
}

/// Shared between the receiver threads.
struct Shared {
    start: Instant,
    /// Join notices of others seen by all receivers together.
    joins_seen: AtomicU64,
    /// With `--rooms`: clients that are in their room (their own join there seen).
    in_place: AtomicU64,
    /// Clients that registered, and that failed to.
    registered: AtomicU64,
    failed: AtomicU64,
    /// Stamped lines from others received (and, with `--reactions`, reactions told).
    delivered: AtomicU64,
    /// The id of the newest message a receiver saw (JSON), for `--reactions`.
    newest: AtomicU64,
    /// Latencies in microseconds.
    latencies: Latencies,
    /// Those from a sender on one linked server to a client on another.
    cross_latencies: Latencies,
    /// A sender's own lines back to it.
    echo_latencies: Latencies,
    /// Each client's wait from the line that enters (the name, the hello, the JOIN) to its
    /// welcome, in microseconds.
    welcome_latencies: Latencies,
    /// When a receiver first saw the slow client's leave, µs since start (0 = not yet).
    slow_gone_us: AtomicU64,
    /// The slow client's name.
    slow_name: String,
    stop: AtomicBool,
}

/// Latencies in microseconds, from every receiver.
#[derive(Default)]
struct Latencies(Mutex<Vec<u32>>);

impl Latencies {
    /// Adds one receiver's.
    fn add(&self, more: Vec<u32>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(more);
    }

    /// All of them, sorted, leaving none.
    fn take_sorted(&self) -> Vec<u32> {
        let mut all = std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        all.sort_unstable();
        all
    }
}

fn micros_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn name_of(i: usize) -> String {
    format!("u{i}")
}

fn connect_tcp(args: &Args) -> std::io::Result<TcpStream> {
    let addr = (args.host.as_str(), args.port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other("no address"))?;
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Registers `name`: [`prepare`], then [`enter`] at once.
fn register(args: &Args, stream: &Conn, name: &str) -> std::io::Result<BufReader<Conn>> {
    let mut reader = prepare(args, stream, name)?;
    enter(args, &mut reader, name)?;
    Ok(reader)
}

/// Everything before entering the room: IRC's NICK/USER, waiting for the welcome (001), since a
/// JOIN before it is refused or dropped; nothing for Coucou, where the first line enters.
fn prepare(args: &Args, stream: &Conn, name: &str) -> std::io::Result<BufReader<Conn>> {
    let mut reader = BufReader::with_capacity(64 * 1024, stream.clone());
    if args.dialect != Dialect::Irc {
        return Ok(reader);
    }
    stream.write_all(format!("NICK {name}\r\nUSER {name} 0 * :bench\r\n").as_bytes())?;
    stream
        .socket()
        .set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("closed before the welcome"));
        }
        if let Some(token) = line.strip_prefix("PING") {
            stream.write_all(format!("PONG{token}").as_bytes())?;
        }
        if line.split(' ').nth(1) == Some("001") {
            return Ok(reader);
        }
    }
}

/// The room of client `i` with `--rooms`: `None` for Coucou's default room; an IRC channel's
/// number, or a Coucou room's name.
fn room_of(args: &Args, i: usize) -> Option<String> {
    let k = i % args.rooms.max(1);
    match args.dialect {
        _ if args.rooms <= 1 => None,
        Dialect::Irc => Some(format!("{}{k}", args.channel)),
        _ if k == 0 => None,
        _ => Some(format!("bench-{k}")),
    }
}

/// The IRC channel client `name` joins.
fn channel_of(args: &Args, name: &str) -> String {
    let i: usize = name.trim_start_matches('u').parse().unwrap_or(0);
    room_of(args, i).unwrap_or_else(|| args.channel.clone())
}

/// With `--rooms`: takes client `i` to its room and waits until its own join there is seen.
fn settle_in(args: &Args, reader: &mut BufReader<Conn>, i: usize) -> std::io::Result<()> {
    let name = name_of(i);
    let room = room_of(args, i);
    let writer = reader.get_ref().clone();
    writer
        .socket()
        .set_read_timeout(Some(Duration::from_secs_f64(args.join_timeout)))?;
    // Coucou: to the named room (the default room is where a client arrives).
    let mut welcomed = room.is_none() || args.dialect == Dialect::Irc;
    if let (Some(room), false) = (&room, welcomed) {
        match args.dialect {
            Dialect::Json => {
                writer.write_all(&json_line_in(&ClientMsg::JoinRoom {}, Some(room.as_str())))?
            }
            _ => writer.write_all(format!("/join {room}\n").as_bytes())?,
        }
    }
    let welcome = format!("Welcome to {}, {name}!", room.as_deref().unwrap_or(""));
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other("closed before its room"));
        }
        let text = line.trim_end();
        if !welcomed {
            welcomed = match args.dialect {
                Dialect::Json => {
                    text.starts_with("{\"type\":\"welcome\"")
                        && room
                            .as_deref()
                            .is_some_and(|r| text.contains(&format!("\"room\":\"{r}\"")))
                }
                _ => text.ends_with(&welcome),
            };
            continue;
        }
        let own = match args.dialect {
            Dialect::Json => {
                matches!(decode_server(text.as_bytes()), Ok(ServerMsg::Join { name: n, .. }) if n == name)
                    && (room.is_none() || text.contains("\"room\":"))
            }
            _ => joined_name(args.dialect, text) == Some(name.as_str()),
        };
        if own {
            return Ok(());
        }
    }
}

/// Enters the room: the name line, a JSON hello (joined once welcomed: a full room answers with
/// an error, and that client is not counted as one of those who should receive), or IRC's JOIN.
fn enter(args: &Args, reader: &mut BufReader<Conn>, name: &str) -> std::io::Result<()> {
    let writer = reader.get_ref().clone();
    match args.dialect {
        Dialect::Plain => writer.write_all(format!("{name}\n").as_bytes()),
        Dialect::Irc => writer.write_all(format!("JOIN {}\r\n", channel_of(args, name)).as_bytes()),
        Dialect::Json => {
            writer.write_all(&json_line(&ClientMsg::Hello {
                version: PROTOCOL_VERSION,
                name: name.to_owned(),
                device: None,
            }))?;
            writer
                .socket()
                .set_read_timeout(Some(Duration::from_secs(30)))?;
            let mut line = String::new();
            reader.read_line(&mut line)?;
            match decode_server(line.as_bytes()) {
                // With reactions, every client reads them, as the app does.
                Ok(ServerMsg::Welcome { .. }) if args.reactions > 0 => {
                    writer.write_all(&json_line(&ClientMsg::Changes {}))
                }
                Ok(ServerMsg::Welcome { .. }) => Ok(()),
                Ok(other) => Err(std::io::Error::other(format!("not welcomed: {other:?}"))),
                Err(err) => Err(std::io::Error::other(err.to_string())),
            }
        }
    }
}

/// One JSON message and its newline, encoded by the protocol's own types.
fn json_line(msg: &ClientMsg) -> Vec<u8> {
    json_line_in(msg, None)
}

/// One JSON message about the named room `room` (its `room` field) and its newline.
fn json_line_in(msg: &ClientMsg, room: Option<&str>) -> Vec<u8> {
    let mut value = serde_json::to_value(msg).unwrap_or_default();
    if let (Some(room), Some(object)) = (room, value.as_object_mut()) {
        object.insert("room".to_owned(), room.into());
    }
    let mut line = serde_json::to_vec(&value).unwrap_or_default();
    line.push(b'\n');
    line
}

/// The line that carries one stamped message.
fn message_line(args: &Args, sender: usize, seq: u64, t_us: u64, pad: &str) -> Vec<u8> {
    let text = format!("b{sender}:{seq}:{t_us} {pad}");
    match args.dialect {
        Dialect::Plain => format!("{text}\n").into_bytes(),
        Dialect::Json => json_line_in(
            &ClientMsg::Say { text, cid: None },
            room_of(args, sender).as_deref(),
        ),
        Dialect::Irc => {
            format!("PRIVMSG {} :{text}\r\n", channel_of(args, &name_of(sender))).into_bytes()
        }
    }
}

/// Finds `b<sender>:<seq>:<t_us>` in a line (after a space, a quote or a colon, or at its start).
fn find_stamp(line: &str) -> Option<(usize, u64)> {
    line.match_indices('b').find_map(|(at, _)| {
        let before = line[..at].chars().next_back();
        if before.is_some_and(char::is_alphanumeric) {
            return None;
        }
        let mut parts = line[at + 1..].splitn(3, ':');
        let sender = parts.next()?.parse().ok()?;
        let _seq: u64 = parts.next()?.parse().ok()?;
        let digits = parts.next()?.split(|c: char| !c.is_ascii_digit()).next()?;
        Some((sender, digits.parse().ok()?))
    })
}

/// What a receiver makes of one line.
#[derive(Debug, PartialEq, Eq)]
enum Seen<'a> {
    /// A stamped message from `sender`, sent at `t_us` (its id, for JSON; else 0).
    Stamp { sender: usize, t_us: u64, id: u64 },
    /// A reaction told, by whom.
    Reacted(String),
    /// Someone joined.
    Join(String),
    /// Someone left or was cut off.
    Leave(String),
    /// An IRC ping, with its token.
    Ping(&'a str),
    /// Anything else.
    Other,
}

/// Reads one line: JSON is decoded with the protocol's own types; plain and IRC are text.
fn classify(dialect: Dialect, line: &str) -> Seen<'_> {
    if dialect == Dialect::Json {
        return match decode_server(line.as_bytes()) {
            Ok(ServerMsg::Message(chat)) => {
                find_stamp(&chat.text).map_or(Seen::Other, |(sender, t_us)| Seen::Stamp {
                    sender,
                    t_us,
                    id: chat.id,
                })
            }
            Ok(ServerMsg::Reacted(reacted)) => Seen::Reacted(reacted.name),
            Ok(ServerMsg::Join { name, .. }) => Seen::Join(name),
            Ok(ServerMsg::Leave { name, .. }) => Seen::Leave(name),
            _ => Seen::Other,
        };
    }
    if let Some((sender, t_us)) = find_stamp(line) {
        return Seen::Stamp {
            sender,
            t_us,
            id: 0,
        };
    }
    if dialect == Dialect::Irc
        && let Some(token) = line.strip_prefix("PING")
    {
        return Seen::Ping(token);
    }
    if let Some(name) = joined_name(dialect, line) {
        return Seen::Join(name.to_owned());
    }
    left_name(dialect, line).map_or(Seen::Other, |name| Seen::Leave(name.to_owned()))
}

/// The name in a plain or IRC join notice, if the line is one.
fn joined_name(dialect: Dialect, line: &str) -> Option<&str> {
    match dialect {
        Dialect::Plain => line
            .strip_prefix(NOTICE_PREFIX)
            .and_then(|l| l.strip_suffix(" joined the room"))
            .or_else(|| line.strip_suffix(" has joined")),
        Dialect::Json => None,
        Dialect::Irc => {
            let rest = line.strip_prefix(':')?;
            let (prefix, command) = rest.split_once(' ')?;
            command
                .starts_with("JOIN")
                .then(|| prefix.split('!').next().unwrap_or(prefix))
        }
    }
}

/// The name in a plain or IRC line saying someone left or was cut off, if it is one.
fn left_name(dialect: Dialect, line: &str) -> Option<&str> {
    match dialect {
        Dialect::Plain => match line.strip_prefix(NOTICE_PREFIX) {
            Some(rest) => {
                let (name, what) = rest.split_once(' ')?;
                (what.starts_with("left") || what.starts_with("was disconnected")).then_some(name)
            }
            None => line.split_once(" has left").map(|(name, _)| name),
        },
        Dialect::Json => None,
        Dialect::Irc => {
            let (prefix, command) = line.strip_prefix(':')?.split_once(' ')?;
            (command.starts_with("QUIT") || command.starts_with("PART"))
                .then(|| prefix.split('!').next().unwrap_or(prefix))
        }
    }
}

/// A receiver: reads lines until told to stop, counting joins and stamped deliveries.
fn receive(args: &Args, shared: &Shared, me: usize, mut reader: BufReader<Conn>) {
    let own = name_of(me);
    let writer = reader.get_ref().clone();
    reader
        .get_ref()
        .socket()
        .set_read_timeout(Some(Duration::from_millis(200)))
        .ok();
    let mut line = String::new();
    let mut latencies = Vec::new();
    let mut cross = Vec::new();
    let mut echoes = Vec::new();
    let servers = 1 + args.also_port.len();
    let mut delivered = 0u64;
    while !shared.stop.load(Ordering::Relaxed) {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if coucou::is_timeout(&e) => continue,
            Err(_) => break,
        }
        match classify(args.dialect, line.trim_end()) {
            Seen::Stamp { sender, t_us, id } if sender != me => {
                shared.newest.fetch_max(id, Ordering::Relaxed);
                let now = micros_since(shared.start);
                let latency = u32::try_from(now.saturating_sub(t_us)).unwrap_or(u32::MAX);
                latencies.push(latency);
                if sender % servers != me % servers {
                    cross.push(latency);
                }
                delivered += 1;
            }
            Seen::Reacted(name) if name != own => delivered += 1,
            Seen::Stamp { t_us, .. } => {
                let now = micros_since(shared.start);
                echoes.push(u32::try_from(now.saturating_sub(t_us)).unwrap_or(u32::MAX));
            }
            Seen::Ping(token) => {
                writer.write_all(format!("PONG{token}\r\n").as_bytes()).ok();
            }
            Seen::Join(name) if name != own => {
                shared.joins_seen.fetch_add(1, Ordering::Relaxed);
            }
            Seen::Leave(name) if args.slow && name == shared.slow_name => {
                let now = micros_since(shared.start).max(1);
                shared
                    .slow_gone_us
                    .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed)
                    .ok();
            }
            _ => {}
        }
    }
    shared.delivered.fetch_add(delivered, Ordering::Relaxed);
    shared.latencies.add(latencies);
    shared.cross_latencies.add(cross);
    shared.echo_latencies.add(echoes);
}

/// The sum of `read` over every pid; `None` with no pid, or when one can't be read.
fn sum_over<T: std::iter::Sum<T>>(pids: &[u32], read: fn(u32) -> Option<T>) -> Option<T> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&pid| read(pid)).sum()
}

/// The port client `i` connects to: `--port` and `--also-port` in turn.
fn port_of(args: &Args, i: usize) -> u16 {
    let servers = 1 + args.also_port.len();
    match i % servers {
        0 => args.port,
        n => args.also_port[n - 1],
    }
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Resident set size of a process, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    f64::from(sorted[rank.min(sorted.len() - 1)]) / 1000.0
}

fn run(args: &Args) -> Result<Report, String> {
    let start = Instant::now();
    let shared = Arc::new(Shared {
        start,
        joins_seen: AtomicU64::new(0),
        in_place: AtomicU64::new(0),
        registered: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        newest: AtomicU64::new(0),
        latencies: Latencies::default(),
        cross_latencies: Latencies::default(),
        echo_latencies: Latencies::default(),
        welcome_latencies: Latencies::default(),
        slow_gone_us: AtomicU64::new(0),
        slow_name: "slowpoke".to_owned(),
        stop: AtomicBool::new(false),
    });

    // Idle connections: connected, never registered.
    let rss_before_idle = sum_over(&args.server_pid, rss_kib);
    let mut idle = Vec::with_capacity(args.idle);
    let idle_deadline = Instant::now() + Duration::from_secs_f64(args.idle_timeout);
    while idle.len() < args.idle && Instant::now() < idle_deadline {
        match connect_tcp(args) {
            Ok(s) => idle.push(s),
            Err(e) => return Err(format!("idle connection {} failed: {e}", idle.len())),
        }
    }
    let rss_after_idle = sum_over(&args.server_pid, rss_kib);
    let idle_count = idle.len();

    // The join storm: every client connects and registers at the same instant.
    let barrier = Arc::new(Barrier::new(args.clients + 1));
    // With --enter-together, every client (ready or failed) waits here before it enters.
    let joins_go = Arc::new(Barrier::new(args.clients + 1));
    let (tx, rx) = crossbeam_channel::unbounded::<(usize, Conn)>();
    let mut receivers = Vec::with_capacity(args.clients);
    for i in 0..args.clients {
        let barrier = Arc::clone(&barrier);
        let joins_go = Arc::clone(&joins_go);
        let shared = Arc::clone(&shared);
        let mut args_c = args.clone();
        args_c.port = port_of(args, i);
        let tx = tx.clone();
        let handle = thread::Builder::new()
            .name(format!("bench-client-{i}"))
            .stack_size(128 * 1024)
            .spawn(move || {
                barrier.wait();
                if args_c.join_rate > 0.0 {
                    thread::sleep(Duration::from_secs_f64(i as f64 / args_c.join_rate));
                }
                let name = name_of(i);
                let web = i >= args_c.clients.saturating_sub(args_c.web);
                let prepared = connect(&args_c, web)
                    .and_then(|stream| Ok((prepare(&args_c, &stream, &name)?, stream)));
                if args_c.enter_together {
                    joins_go.wait();
                }
                let registered = prepared.and_then(|(mut reader, stream)| {
                    let asked = Instant::now();
                    enter(&args_c, &mut reader, &name)?;
                    shared
                        .welcome_latencies
                        .add(vec![u32::try_from(micros_since(asked)).unwrap_or(u32::MAX)]);
                    if args_c.rooms > 1 {
                        settle_in(&args_c, &mut reader, i)?;
                    }
                    Ok((reader, stream))
                });
                let Ok((reader, stream)) = registered else {
                    shared.failed.fetch_add(1, Ordering::Relaxed);
                    return;
                };
                shared.in_place.fetch_add(1, Ordering::Relaxed);
                shared.registered.fetch_add(1, Ordering::Relaxed);
                tx.send((i, stream)).ok();
                receive(&args_c, &shared, i, reader);
            })
            .map_err(|e| format!("spawn: {e}"))?;
        receivers.push(handle);
    }
    drop(tx);
    let mut storm_start = Instant::now();
    barrier.wait();
    if args.enter_together {
        joins_go.wait();
        storm_start = Instant::now();
    }
    // Every client that joined must see the join of every client that joined after it:
    // n(n-1)/2 notices in all, whatever the order.
    // With rooms, every client has seen its own join in its room.
    let all_joins_seen = || {
        let registered = shared.registered.load(Ordering::Relaxed);
        let settled = registered + shared.failed.load(Ordering::Relaxed) == args.clients as u64;
        settled
            && (if args.rooms > 1 {
                shared.in_place.load(Ordering::Relaxed) >= registered
            } else {
                shared.joins_seen.load(Ordering::Relaxed)
                    >= registered * registered.saturating_sub(1) / 2
            })
    };
    let join_deadline = storm_start + Duration::from_secs_f64(args.join_timeout);
    while !all_joins_seen() && Instant::now() < join_deadline {
        thread::sleep(Duration::from_millis(1));
    }
    let join_storm_ms = all_joins_seen().then(|| storm_start.elapsed().as_secs_f64() * 1000.0);
    let mut senders: Vec<(usize, Conn)> = rx.try_iter().collect();
    for (_, stream) in &senders {
        // A frozen server must not freeze the benchmark.
        stream
            .socket()
            .set_write_timeout(Some(Duration::from_secs(1)))
            .ok();
    }
    let joined = senders.len();
    // How many joined clients each room has: a sender's line reaches the others of its room.
    let mut in_room = vec![0u64; args.rooms.max(1)];
    for (i, _) in &senders {
        in_room[i % args.rooms.max(1)] += 1;
    }
    senders.sort_by_key(|(i, _)| *i);
    senders.truncate(args.senders);
    if args.rooms > 1 {
        // The moves between rooms told everyone: let those notices drain, so that the measure
        // starts from quiet rooms.
        thread::sleep(Duration::from_millis(500));
    }

    // The slow consumer joins last and never reads.
    let _slow = if args.slow {
        let s = connect(args, false).map_err(|e| format!("slow client: {e}"))?;
        Some(register(args, &s, &shared.slow_name).map_err(|e| e.to_string())?)
    } else {
        None
    };

    let typists = start_typists(args, &shared)?;
    if args.typists > 0 {
        // Their 50 joins went to every client: let those notices drain, so that the measure
        // starts from a quiet room as it does without typists.
        thread::sleep(Duration::from_millis(500));
    }

    // Sending.
    let cpu_before = sum_over(&args.server_pid, cpu_seconds);
    let pad = "x".repeat(args.pad);
    let n_senders = senders.len().max(1);
    let period = Duration::from_secs_f64(1.0 / args.rate);
    let send_start = Instant::now();
    let send_end = send_start + Duration::from_secs_f64(args.duration);
    let mut sent = 0u64;
    let mut expected = 0u64;
    let mut seq = 0u64;
    'ticks: loop {
        let tick_start = send_start + period.mul_f64(seq as f64);
        if tick_start >= send_end {
            break;
        }
        for (k, (i, stream)) in senders.iter_mut().enumerate() {
            let due = if args.burst {
                tick_start
            } else {
                tick_start + period.mul_f64(k as f64 / n_senders as f64)
            };
            let now = Instant::now();
            if due > now {
                thread::sleep(due - now);
            }
            if Instant::now() >= send_end {
                break 'ticks;
            }
            let n = seq * n_senders as u64 + k as u64;
            let reaction = reactions::is_reaction(args.reactions, n)
                .then(|| reactions::reaction(&shared.newest, n))
                .flatten();
            let line = match reaction {
                Some(react) => json_line_in(&react, room_of(args, *i).as_deref()),
                None => message_line(args, *i, seq, micros_since(start), &pad),
            };
            if stream.write_all(&line).is_ok() {
                sent += 1;
                expected += in_room[*i % args.rooms.max(1)].saturating_sub(1);
            }
        }
        seq += 1;
    }
    let send_secs = send_start.elapsed().as_secs_f64();
    let settle_end = Instant::now() + Duration::from_secs_f64(args.settle);
    // Deliveries are summed when receivers stop; wait for the settle time, then stop them.
    while Instant::now() < settle_end {
        thread::sleep(Duration::from_millis(20));
    }
    let cpu_after = sum_over(&args.server_pid, cpu_seconds);
    let rss_end = sum_over(&args.server_pid, rss_kib);
    shared.stop.store(true, Ordering::Relaxed);
    for handle in typists {
        handle.join().ok();
    }
    for handle in receivers {
        handle.join().ok();
    }
    drop(idle);
    let delivered = shared.delivered.load(Ordering::Relaxed);
    let latencies = shared.latencies.take_sorted();
    let cross = shared.cross_latencies.take_sorted();
    let echoes = shared.echo_latencies.take_sorted();
    let welcomes = shared.welcome_latencies.take_sorted();
    let server_cpu_s = cpu_before.zip(cpu_after).map(|(b, a)| a - b);
    let slow_gone = shared.slow_gone_us.load(Ordering::Relaxed);
    let send_start_us = u64::try_from(send_start.duration_since(start).as_micros()).unwrap_or(0);
    Ok(Report {
        label: args.label.clone(),
        dialect: args.dialect,
        clients: args.clients,
        senders: args.senders,
        idle: idle_count,
        joined,
        join_storm_ms,
        sent,
        expected,
        delivered,
        delivered_pct: if expected == 0 {
            0.0
        } else {
            100.0 * delivered as f64 / expected as f64
        },
        deliveries_per_s: delivered as f64 / send_secs.max(1e-9),
        p50_ms: percentile(&latencies, 50.0),
        p99_ms: percentile(&latencies, 99.0),
        max_ms: latencies.last().map_or(0.0, |&m| f64::from(m) / 1000.0),
        cross_p50_ms: (!cross.is_empty()).then(|| percentile(&cross, 50.0)),
        cross_p99_ms: (!cross.is_empty()).then(|| percentile(&cross, 99.0)),
        echo_p99_ms: (!echoes.is_empty()).then(|| percentile(&echoes, 99.0)),
        welcome_p99_ms: (!welcomes.is_empty()).then(|| percentile(&welcomes, 99.0)),
        server_cpu_s,
        server_cpu_us_per_delivery: server_cpu_s
            .filter(|_| delivered > 0)
            .map(|s| s * 1e6 / delivered as f64),
        server_cpu_total_s: cpu_after,
        server_rss_kib: rss_end,
        rss_kib_per_idle: rss_before_idle
            .zip(rss_after_idle)
            .filter(|_| idle_count > 0)
            .map(|(b, a)| (a as f64 - b as f64) / idle_count as f64),
        slow_dropped_after_s: (slow_gone > 0)
            .then(|| slow_gone.saturating_sub(send_start_us) as f64 / 1e6),
    })
}

/// Prints reports labelled `SERVER/SCENARIO` as one table per scenario, with ratios to ngircd.
fn print_table(path: &std::path::Path, baseline: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let reports: Vec<Report> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let split = |label: &str| {
        let (server, scenario) = label.split_once('/').unwrap_or((label, ""));
        (server.to_owned(), scenario.to_owned())
    };
    let mut scenarios: Vec<String> = Vec::new();
    for r in &reports {
        let (_, scenario) = split(&r.label);
        if !scenarios.contains(&scenario) {
            scenarios.push(scenario);
        }
    }
    let ratio = |value: Option<f64>, base: Option<f64>| match (value, base) {
        (Some(v), Some(b)) if b > 0.0 => format!("{:.2}×", v / b),
        _ => "-".to_owned(),
    };
    println!(
        "| scenario | server | joined | delivered | deliveries/s | p50 ms | p99 ms (vs {baseline}) | max ms | CPU µs/line (vs {baseline}) | whole-run CPU s, µs/line (vs {baseline}) | join storm ms (vs {baseline}) | RSS KiB | KiB/idle conn | slow dropped after s | own echo p99 ms | welcome p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for scenario in &scenarios {
        let in_scenario: Vec<&Report> = reports
            .iter()
            .filter(|r| split(&r.label).1 == *scenario)
            .collect();
        let base = in_scenario
            .iter()
            .find(|r| split(&r.label).0.starts_with(baseline));
        for r in &in_scenario {
            let (server, _) = split(&r.label);
            println!(
                "| {scenario} | {server} | {}/{}{} | {:.1}% | {:.0} | {:.2} | {:.2} ({}) | {:.1} | {} ({}) | {}, {} ({}) | {} ({}) | {} | {} | {} | {} | {} |",
                r.joined,
                r.clients,
                if r.idle > 0 {
                    format!(" + {} idle", r.idle)
                } else {
                    String::new()
                },
                r.delivered_pct,
                r.deliveries_per_s,
                r.p50_ms,
                r.p99_ms,
                ratio(Some(r.p99_ms), base.map(|b| b.p99_ms)),
                r.max_ms,
                opt(r.server_cpu_us_per_delivery, 2),
                ratio(
                    r.server_cpu_us_per_delivery,
                    base.and_then(|b| b.server_cpu_us_per_delivery)
                ),
                opt(r.server_cpu_total_s, 2),
                opt(whole_run_per_line(r), 2),
                ratio(
                    whole_run_per_line(r),
                    base.and_then(|b| whole_run_per_line(b))
                ),
                opt(r.join_storm_ms, 0),
                ratio(r.join_storm_ms, base.and_then(|b| b.join_storm_ms)),
                r.server_rss_kib.map_or("-".into(), |v| v.to_string()),
                opt(r.rss_kib_per_idle, 1),
                opt(r.slow_dropped_after_s, 2),
                opt(r.echo_p99_ms, 2),
                opt(r.welcome_p99_ms, 2),
            );
        }
    }
    Ok(())
}

/// The server's CPU over its whole run, in µs per delivered line.
fn whole_run_per_line(r: &Report) -> Option<f64> {
    r.server_cpu_total_s
        .filter(|_| r.delivered > 0)
        .map(|s| s * 1e6 / r.delivered as f64)
}

fn opt(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.digits$}"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(messages) = args.history {
        let Some(dir) = &args.store_dir else {
            eprintln!("coucou-bench: --history needs --store-dir");
            return ExitCode::FAILURE;
        };
        return match history::run(messages, dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("coucou-bench: {err}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(bans) = args.ban_list {
        let Some(dir) = &args.store_dir else {
            eprintln!("coucou-bench: --ban-list needs --store-dir");
            return ExitCode::FAILURE;
        };
        return match bans::write(bans, dir) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("coucou-bench: {err}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(rooms) = args.join_rooms {
        return match rooms::run(&args.host, args.port, rooms) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("coucou-bench: {err}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(mb) = args.transfer {
        return match transfer::run(&args.host, args.port, mb) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("coucou-bench: {err}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(path) = &args.table {
        return match print_table(path, &args.baseline) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("coucou-bench: {err}");
                ExitCode::FAILURE
            }
        };
    }
    if args.rate <= 0.0 || args.clients < 2 || args.senders == 0 || args.senders > args.clients {
        eprintln!("coucou-bench: need --rate > 0, --clients ≥ 2 and 1 ≤ --senders ≤ --clients");
        return ExitCode::FAILURE;
    }
    let report = match run(&args) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("coucou-bench: {err}");
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        println!("{:<28} {}", "run", report.label);
        println!(
            "{:<28} {}/{} (+{} idle)",
            "joined", report.joined, report.clients, report.idle
        );
        println!("{:<28} {} ms", "join storm", opt(report.join_storm_ms, 1));
        println!(
            "{:<28} {} sent, {} of {} delivered ({:.2}%)",
            "messages", report.sent, report.delivered, report.expected, report.delivered_pct
        );
        println!("{:<28} {:.0}", "deliveries/s", report.deliveries_per_s);
        println!(
            "{:<28} p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            "latency", report.p50_ms, report.p99_ms, report.max_ms
        );
        if let Some(welcome_p99) = report.welcome_p99_ms {
            println!("{:<28} p99 {welcome_p99:.2} ms", "welcome after entering");
        }
        if let Some(echo_p99) = report.echo_p99_ms {
            println!("{:<28} p99 {echo_p99:.2} ms", "own line back (echo)");
        }
        if let Some(cross_p99) = report.cross_p99_ms {
            println!(
                "{:<28} p50 {} ms, p99 {cross_p99:.2} ms",
                "latency across servers",
                opt(report.cross_p50_ms, 2)
            );
        }
        println!(
            "{:<28} {} s, {} µs per delivered line",
            "server CPU",
            opt(report.server_cpu_s, 3),
            opt(report.server_cpu_us_per_delivery, 2)
        );
        println!(
            "{:<28} {} KiB, {} KiB per idle connection",
            "server RSS",
            report.server_rss_kib.map_or("-".into(), |r| r.to_string()),
            opt(report.rss_kib_per_idle, 1)
        );
        if args.slow {
            println!(
                "{:<28} {} s after sending began",
                "slow client dropped",
                opt(report.slow_dropped_after_s, 3)
            );
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use coucou::protocol::{Chat, LeaveReason};

    use super::*;

    fn json(msg: &ServerMsg) -> String {
        String::from_utf8(msg.to_json_line()).unwrap()
    }

    #[test]
    fn each_dialect_reads_the_servers_own_lines() {
        let chat = ServerMsg::Message(Chat {
            id: 1,
            time: 0,
            from: "u3".into(),
            text: "b3:7:1234 pad".into(),
            action: false,
            cid: None,
            ..Default::default()
        });
        let stamp = |id| Seen::Stamp {
            sender: 3,
            t_us: 1234,
            id,
        };
        assert_eq!(classify(Dialect::Json, json(&chat).trim_end()), stamp(1));
        assert_eq!(
            classify(
                Dialect::Plain,
                chat.to_plain_text(coucou::i18n::Lang::En).trim_end()
            ),
            stamp(0)
        );
        assert_eq!(
            classify(Dialect::Irc, ":u3!u@h PRIVMSG #coucou :b3:7:1234 pad"),
            stamp(0)
        );

        let join = ServerMsg::Join {
            id: 2,
            time: 0,
            name: "u9".into(),
            elsewhere: false,
        };
        let leave = ServerMsg::Leave {
            id: 3,
            time: 0,
            name: "slow".into(),
            reason: LeaveReason::TooSlow,
        };
        for (msg, seen) in [
            (&join, Seen::Join("u9".into())),
            (&leave, Seen::Leave("slow".into())),
        ] {
            assert_eq!(classify(Dialect::Json, json(msg).trim_end()), seen);
            assert_eq!(
                classify(
                    Dialect::Plain,
                    msg.to_plain_text(coucou::i18n::Lang::En).trim_end()
                ),
                seen
            );
        }
        assert_eq!(
            classify(Dialect::Irc, ":slow!u@h QUIT :bye"),
            Seen::Leave("slow".into())
        );
        assert_eq!(classify(Dialect::Irc, "PING :x"), Seen::Ping(" :x"));
        assert_eq!(
            classify(Dialect::Json, "{\"type\":\"say\",\"text\":\"b1:1:1\"}"),
            Seen::Other,
            "a stamp outside a chat message is not one"
        );
    }

    #[test]
    fn json_sent_by_the_bench_is_what_the_server_decodes() {
        let line = json_line(&ClientMsg::Say {
            text: "b1:2:3 \"quoted\"".into(),
            cid: None,
        });
        assert_eq!(
            coucou::protocol::message::decode_client(line.strip_suffix(b"\n").unwrap()).unwrap(),
            ClientMsg::Say {
                text: "b1:2:3 \"quoted\"".into(),
                cid: None,
            }
        );
    }
}
