//! `coucou server`: the chat server without a window, for a machine in a cupboard.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use crate::EventSink;
use crate::discovery::{self, DiscoveryEvent, RoomInfo};
use crate::hosted::{HostError, HostedRoom};
use crate::i18n::Lang;
use crate::identity::{Fingerprint, Identity};
use crate::lan;
use crate::link::LinkConfig;
use crate::protocol::device::DeviceId;
use crate::protocol::password::RoomKey;
use crate::protocol::{DEFAULT_MAX_PEOPLE, DEFAULT_PORT};
use crate::server::{FilesConfig, FloodLimit, RoomLimits, ServerConfig, StoreConfig};
use crate::store::Retention;

/// Options of `coucou server`.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// The address to listen on (0.0.0.0: every interface, so the LAN can join).
    #[arg(long, default_value = "0.0.0.0")]
    pub bind: IpAddr,
    /// The TCP port.
    #[arg(long, short, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// How many people the room holds (`--max-clients`, the seed's word, still works).
    #[arg(long, alias = "max-clients", default_value_t = DEFAULT_MAX_PEOPLE)]
    pub max_people: usize,
    /// The room's name, shown to everyone who joins.
    #[arg(long, default_value = "Coucou")]
    pub room: String,
    /// How many recent messages newcomers get.
    #[arg(long, default_value_t = 100)]
    pub history: usize,
    /// A message of the day shown to everyone who joins.
    #[arg(long)]
    pub motd: Option<String>,
    /// Rooms besides the main one, separated by commas ("Général,Projet X"). Rooms of an
    /// earlier run kept in the history file come back by themselves.
    #[arg(long, value_delimiter = ',')]
    pub rooms: Vec<String>,
    /// Anyone may make a room, by typing /join with a name no room has yet (off: only the
    /// host makes rooms, with --rooms).
    #[arg(long)]
    pub open_rooms: bool,
    /// How many rooms the host holds at most, the main room included.
    #[arg(long, default_value_t = RoomLimits::default().max_rooms)]
    pub max_rooms: usize,
    /// How many rooms one person may be in at once, the main room included.
    #[arg(long, default_value_t = RoomLimits::default().max_joined)]
    pub max_joined_rooms: usize,
    /// Connections that may wait to give a name at once (default: as many as --max-people, at least 16).
    #[arg(long)]
    pub max_pending: Option<usize>,
    /// Connections from one address that may wait to give a name at once.
    #[arg(long, default_value_t = crate::server::DEFAULT_MAX_PENDING_PER_ADDRESS)]
    pub max_pending_per_address: usize,
    /// Seconds a connection may take to give a name, counted from the moment it connects.
    #[arg(long, default_value_t = 20)]
    pub handshake_timeout: u64,
    /// Bytes that may wait for one client before it is cut off for not reading.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_queue_bytes: usize,
    /// Messages one client may send at once before the flood limit applies.
    #[arg(long, default_value_t = FloodLimit::default().burst)]
    pub flood_burst: u32,
    /// Messages per second one client may send over time.
    #[arg(long, default_value_t = FloodLimit::default().per_second)]
    pub flood_rate: f64,
    /// Turns the flood limits (messages and renames) off (for benchmarks).
    #[arg(long)]
    pub no_flood_limit: bool,
    /// Announces the room on the LAN (mDNS / DNS-SD), so apps nearby list it.
    #[arg(long)]
    pub advertise: bool,
    /// The folder of the server's certificate and key (made on first start, then reused; the key
    /// readable only by you). Default: beside the app's settings, so app and server share one
    /// identity.
    #[arg(long, value_name = "DIR")]
    pub identity: Option<PathBuf>,
    /// Turns away connections in clear, plain and JSON alike, with a line saying why.
    #[arg(long)]
    pub require_tls: bool,
    /// A file whose first line is the room password. It is read once at start; only a salted
    /// hash is kept. People join over TLS only (the app, or `openssl s_client` and the password
    /// typed after the name).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// A named room with a password: `NAME=FILE`, the password the file's first line (made if the
    /// host has no such room; again for each room). Kept as a salted hash in the history file, so
    /// the room stays protected after a restart without this option.
    #[arg(long, value_name = "NAME=FILE")]
    pub room_password_file: Vec<String>,
    /// A file whose first line is the moderators' password: whoever types `/oper PASSWORD` (over
    /// TLS) may then kick, ban, mute and lock rooms. Read once at start; only a salted hash is
    /// kept.
    #[arg(long, value_name = "FILE")]
    pub moderator_password_file: Option<PathBuf>,
    /// An owner's device (its 64 hex digits, as `coucou device` prints them): a moderator as soon
    /// as it joins, from any address, under any name. Again for each owner.
    #[arg(long, value_name = "DEVICE", value_parser = parse_device)]
    pub owner: Vec<DeviceId>,
    /// How long a name is kept for the app (device) that had it once it leaves, in hours
    /// (default: a week; 0: not kept). Terminals have no device: their names are never kept.
    #[arg(long, value_name = "HOURS")]
    pub keep_names_hours: Option<u64>,
    /// Where the room's history is kept across restarts (`history.sqlite` in it). Default: the
    /// platform's data folder (`~/.local/share/coucou` on Linux).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Forget messages older than this many days (default: keep them).
    #[arg(long, value_name = "DAYS")]
    pub history_days: Option<u64>,
    /// Keep at most this many messages (default: no limit).
    #[arg(long, value_name = "N")]
    pub history_max: Option<u64>,
    /// Keep the history in memory only (gone at stop). `--history 0` keeps none at all.
    #[arg(long)]
    pub no_store: bool,
    /// Take no files (offers are refused).
    #[arg(long)]
    pub no_files: bool,
    /// The largest file people may offer, in MB (default 2000).
    #[arg(long, value_name = "MB", default_value_t = 2_000)]
    pub max_file_mb: u64,
    /// All offered files together, in MB (default 10000); an offer past it is refused.
    #[arg(long, value_name = "MB", default_value_t = 10_000)]
    pub files_quota_mb: u64,
    /// How long an offered file is kept, in hours (default 24).
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    pub files_hours: u64,
    /// The language of the room's notices and errors: `en` or `fr` (default: the system's).
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// One room across several servers: the NATS broker (with JetStream) they share, e.g.
    /// `nats://10.0.0.5:4222`.
    #[arg(long, value_name = "URL")]
    pub link: Option<String>,
    /// The room's name across the linked servers (default: `--room`).
    #[arg(long, value_name = "NAME", requires = "link")]
    pub link_room: Option<String>,
    /// This server's name among the linked ones, unique to it (default: this machine's name and
    /// the port).
    #[arg(long, value_name = "NAME", requires = "link")]
    pub link_origin: Option<String>,
    /// A linked site whose moderators' bans, mutes and deletions this server takes: its room's
    /// fingerprint (`coucou fingerprint` there prints it, `sha256:` and 64 hex digits). Again for
    /// each; from a site not named, none is taken.
    #[arg(long, value_name = "FINGERPRINT", requires = "link", value_parser = parse_fingerprint)]
    pub link_trust: Vec<Fingerprint>,
    /// Reads options from a TOML file first (`port = 4444`, `room = "Classe"`, `advertise =
    /// true`: each key an option's long name); options given on the command line win. The
    /// packaged service reads `/etc/coucou/server.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `--lang`: a language this program has words for.
fn parse_fingerprint(value: &str) -> Result<Fingerprint, String> {
    let hex = value.strip_prefix("sha256:").unwrap_or(value);
    Fingerprint::from_hex(hex)
        .ok_or_else(|| "a fingerprint is sha256: and 64 hex digits".to_owned())
}

fn parse_device(value: &str) -> Result<DeviceId, String> {
    DeviceId::from_hex(value).ok_or_else(|| "a device is 64 hex digits".to_owned())
}

fn parse_lang(value: &str) -> Result<Lang, String> {
    Lang::from_locale(value).ok_or_else(|| format!("no words for {value:?}: use en or fr"))
}

/// The platform's data folder for Coucou: `$XDG_DATA_HOME/coucou`, else `~/.local/share/coucou`
/// (the same place on every Unix; elsewhere, beside the settings).
pub fn default_data_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let home = std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share"));
    xdg.or(home)
        .map(|dir| dir.join("coucou"))
        .or_else(|| crate::identity::default_dir().and_then(|d| d.parent().map(|p| p.join("data"))))
}

/// Options of `coucou fingerprint`.
#[derive(Debug, Clone, Args)]
pub struct FingerprintArgs {
    /// The identity's folder (as for `coucou server --identity`).
    #[arg(long, value_name = "DIR")]
    pub identity: Option<PathBuf>,
}

/// The identity folder: the one given, else beside the app's settings.
fn identity_dir(given: Option<&PathBuf>) -> Result<PathBuf, String> {
    match given {
        Some(dir) => Ok(dir.clone()),
        None => crate::identity::default_dir()
            .ok_or_else(|| "no config folder for the certificate: pass --identity DIR".to_owned()),
    }
}

/// Reads the room password from the first line of `path` and keeps only its key.
pub fn read_password_file(path: &std::path::Path) -> Result<RoomKey, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("can't read the password file {}: {err}", path.display()))?;
    let first = text.lines().next().unwrap_or_default();
    RoomKey::new(first).map_err(|err| format!("{}: {err}", path.display()))
}

/// `coucou fingerprint`: prints the server's code (making its identity if there is none yet).
pub fn fingerprint(args: &FingerprintArgs) -> ExitCode {
    let identity = identity_dir(args.identity.as_ref())
        .and_then(|dir| Identity::load_or_create(&dir).map_err(|err| err.to_string()));
    match identity {
        Ok(identity) => {
            let fp = identity.fingerprint();
            println!("{}", fp.code());
            println!("sha256:{}", fp.to_hex());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("coucou: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Options of `coucou device`.
#[derive(Debug, Clone, Args)]
pub struct DeviceArgs {
    /// The device's folder (default: `device/` beside the app's settings, which `COUCOU_CONFIG`
    /// names when set).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `coucou device`: prints this app's device code and id, making the device if there is none.
pub fn device(args: &DeviceArgs) -> ExitCode {
    let dir = args.dir.clone().or_else(|| {
        std::env::var_os("COUCOU_CONFIG")
            .map(PathBuf::from)
            .or_else(|| confy::get_configuration_file_path("coucou", "settings").ok())
            .map(|settings| crate::identity::device_dir_beside(&settings))
    });
    let device = dir
        .ok_or_else(|| "no config folder for the device: pass --dir DIR".to_owned())
        .and_then(|dir| crate::identity::Device::load_or_create(&dir).map_err(|e| e.to_string()));
    match device {
        Ok(device) => {
            println!("{}", device.id().code());
            println!("{}", device.id().to_hex());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("coucou: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Options of `coucou rooms`.
#[derive(Debug, Clone, Args)]
pub struct RoomsArgs {
    /// Seconds to listen for rooms.
    #[arg(long, default_value_t = 3.0)]
    pub timeout: f64,
    /// Print rooms as they appear (`+`), change and go away (`-`), with the seconds elapsed.
    #[arg(long)]
    pub events: bool,
}

impl ServerArgs {
    /// Where and how much history is kept, unless it is not.
    fn store_config(&self) -> Option<StoreConfig> {
        if self.no_store || self.history == 0 {
            return None;
        }
        let dir = self.data_dir.clone().or_else(default_data_dir)?;
        Some(StoreConfig {
            path: dir.join("history.sqlite"),
            retention: Retention {
                max_messages: self.history_max,
                max_age: self
                    .history_days
                    .map(|days| Duration::from_secs(days.saturating_mul(24 * 3600))),
            },
        })
    }

    /// Where and how much of the offered files is kept: `files/` in the data folder.
    fn files_config(&self) -> Option<FilesConfig> {
        if self.no_files {
            return None;
        }
        let dir = self.data_dir.clone().or_else(default_data_dir)?;
        Some(FilesConfig {
            dir: crate::server::files::dir_in(&dir),
            max_file_bytes: self.max_file_mb.saturating_mul(1_000_000),
            quota_bytes: self.files_quota_mb.saturating_mul(1_000_000),
            expiry: Duration::from_secs(self.files_hours.saturating_mul(3600)),
        })
    }

    /// The server configuration these options describe.
    pub fn config(&self) -> ServerConfig {
        ServerConfig {
            room: self.room.clone(),
            max_people: self.max_people,
            max_pending: self.max_pending.unwrap_or(self.max_people.max(16)),
            max_pending_per_address: self.max_pending_per_address,
            handshake_timeout: Duration::from_secs(self.handshake_timeout),
            history: self.history,
            motd: self.motd.clone(),
            rooms: self
                .rooms
                .iter()
                .filter(|room| !room.trim().is_empty())
                .cloned()
                .collect(),
            open_rooms: self.open_rooms,
            room_limits: RoomLimits {
                max_rooms: self.max_rooms.max(1),
                max_joined: self.max_joined_rooms.max(1),
            },
            max_queue_bytes: self.max_queue_bytes,
            flood: (!self.no_flood_limit).then_some(FloodLimit {
                burst: self.flood_burst,
                per_second: self.flood_rate,
            }),
            rename_flood: (!self.no_flood_limit).then_some(FloodLimit::RENAMES),
            room_flood: (!self.no_flood_limit).then_some(FloodLimit::ROOMS),
            search_flood: (!self.no_flood_limit).then_some(FloodLimit::SEARCHES),
            name_flood: (!self.no_flood_limit).then_some(FloodLimit::NAMES),
            require_tls: self.require_tls,
            store: self.store_config(),
            lang: self.lang.unwrap_or_else(Lang::system),
            files: self.files_config(),
            link_trust: self.link_trust.clone(),
            link: self.link.as_ref().map(|url| LinkConfig {
                url: url.clone(),
                room: self.link_room.clone().unwrap_or_else(|| self.room.clone()),
                origin: match &self.link_origin {
                    Some(origin) => crate::link::clean_origin(origin),
                    None => crate::link::default_origin(self.port),
                },
            }),
            ..ServerConfig::default()
        }
    }
}

/// Runs the server until Ctrl-C or SIGTERM. Errors are one line on stderr and a non-zero exit.
pub fn run(args: &ServerArgs) -> ExitCode {
    let addr = SocketAddr::new(args.bind, args.port);
    let mut config = args.config();
    // TLS is always offered: a clear client never notices (the first byte tells them apart), and
    // every app can encrypt without anyone setting anything up.
    let identity = match identity_dir(args.identity.as_ref())
        .and_then(|dir| Identity::load_or_create(&dir).map_err(|err| err.to_string()))
    {
        Ok(identity) => identity,
        Err(err) => {
            eprintln!("coucou: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.password_file {
        match read_password_file(path) {
            Ok(key) => config.password = Some(key),
            Err(err) => {
                eprintln!("coucou: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    config.owners.clone_from(&args.owner);
    if let Some(hours) = args.keep_names_hours {
        config.keep_names = Duration::from_secs(hours.saturating_mul(3600));
    }
    if let Some(path) = &args.moderator_password_file {
        match read_password_file(path) {
            Ok(key) => config.moderator_password = Some(key),
            Err(err) => {
                eprintln!("coucou: {}", crate::protocol::sanitize::clean_text(&err));
                return ExitCode::FAILURE;
            }
        }
    }
    for given in &args.room_password_file {
        let read = given
            .split_once('=')
            .ok_or_else(|| format!("--room-password-file {given:?}: expected NAME=FILE"))
            .and_then(|(room, path)| {
                read_password_file(std::path::Path::new(path)).map(|key| (room.to_owned(), key))
            });
        match read {
            Ok(room) => config.room_passwords.push(room),
            Err(err) => {
                eprintln!("coucou: {}", crate::protocol::sanitize::clean_text(&err));
                return ExitCode::FAILURE;
            }
        }
    }
    let fingerprint = identity.fingerprint();
    let has_password = config.password.is_some();
    let store_path = config.store.as_ref().map(|store| store.path.clone());
    let listener = match crate::server::listen(addr) {
        Ok(listener) => listener,
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "coucou: port {} on {} is already in use (is another server running?)",
                args.port, args.bind
            );
            return ExitCode::FAILURE;
        }
        Err(err) => {
            eprintln!("coucou: can't listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Listening worked: what fails now is the room's own start, its data folder first of all.
    let data_dir = (config.store.is_some() || config.files.is_some())
        .then(|| args.data_dir.clone().or_else(default_data_dir))
        .flatten();
    let (hosted, not_announced) =
        match HostedRoom::start(listener, config, &identity, args.advertise) {
            Ok(started) => started,
            Err(HostError::Certificate(err)) => {
                eprintln!("coucou: can't use the certificate: {err}");
                return ExitCode::FAILURE;
            }
            Err(HostError::Start(err)) => {
                match data_dir {
                    Some(dir) => eprintln!(
                        "coucou: can't start the room with its data in {}: {err}",
                        dir.display()
                    ),
                    None => eprintln!("coucou: can't start the room: {err}"),
                }
                return ExitCode::FAILURE;
            }
        };
    let server = hosted.server();
    if let Some(warning) = server.store_warning() {
        eprintln!("coucou: {warning}");
    }
    if let Some(err) = not_announced {
        eprintln!("coucou: {err}; people will need the address");
    }
    let (stop_tx, stop_rx) = crossbeam_channel::bounded(1);
    if let Err(err) = ctrlc::set_handler(move || {
        stop_tx.try_send(()).ok();
    }) {
        eprintln!("coucou: can't handle Ctrl-C: {err}");
        return ExitCode::FAILURE;
    }
    let mut banner = format!(
        "Coucou room \"{}\" is open on port {}.\nPeople can join at:\n",
        args.room,
        server.local_addr().port()
    );
    for addr in lan::reachable_at(server.local_addr()) {
        if args.require_tls || has_password {
            banner.push_str(&format!(
                "  {addr}    (openssl s_client -quiet -connect {addr})\n"
            ));
        } else {
            banner.push_str(&format!("  {addr}    (nc {} {})\n", addr.ip(), addr.port()));
        }
    }
    // The page, on the same port (over https only when the room has a password: it is typed
    // into the page), and a code of its first address for a phone's camera.
    let pages: Vec<String> = lan::reachable_at(server.local_addr())
        .into_iter()
        .map(|addr| lan::page_address(addr, args.require_tls || has_password))
        .collect();
    banner.push_str("From a phone or a browser:\n");
    for page in &pages {
        banner.push_str(&format!("  {page}\n"));
    }
    if let Some(qr) = pages.first().and_then(|page| crate::qr::Qr::new(page)) {
        banner.push_str(&format!("(its code, for a phone's camera: {})\n", pages[0]));
        banner.push_str(&qr.to_terminal());
    }
    banner.push_str(&format!(
        "Room code: {}   (apps show it on first connection: read it to people joining)\n",
        fingerprint.code()
    ));
    let rooms = server.rooms();
    if !rooms.is_empty() {
        banner.push_str(&format!(
            "Other rooms: {}   (/rooms lists them, /join NAME goes to one)\n",
            rooms.join(", ")
        ));
    }
    match store_path {
        Some(path) => banner.push_str(&format!(
            "History: kept in {} (--no-store to keep none).\n",
            path.display()
        )),
        None => banner.push_str("History: in memory only, gone at stop.\n"),
    }
    if has_password {
        banner.push_str("A password is required; it is asked over TLS only.\n");
    } else if args.require_tls {
        banner.push_str("Only encrypted connections are let in.\n");
    }
    banner.push_str("Press Ctrl-C to stop.\n");
    // Nobody reading stdout is no reason to stop serving.
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush())
        .ok();
    drop(stdout);
    stop_rx.recv().ok();
    eprintln!("Stopping: telling everyone the room is closing…");
    // Stops the server, then withdraws the room from the network.
    hosted.stop();
    ExitCode::SUCCESS
}

/// `coucou rooms`: lists the rooms advertised on the LAN, one per line, then exits.
pub fn rooms(args: &RoomsArgs) -> ExitCode {
    let (tx, rx) = crossbeam_channel::unbounded();
    let browser = match discovery::browse(EventSink::new(tx, Arc::new(|| {}))) {
        Ok(browser) => browser,
        Err(err) => {
            eprintln!("coucou: {err}");
            return ExitCode::FAILURE;
        }
    };
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(args.timeout.max(0.0));
    let mut found: Vec<RoomInfo> = Vec::new();
    let mut out = std::io::stdout().lock();
    while let Ok(event) = rx.recv_deadline(deadline) {
        let secs = start.elapsed().as_secs_f64();
        match event {
            DiscoveryEvent::Found(room) => {
                let room = discovery::merge_found(&mut found, room);
                if args.events {
                    writeln!(out, "+ {secs:.2} {}", room_line(room)).ok();
                    out.flush().ok();
                }
            }
            DiscoveryEvent::Gone { fullname } => {
                if args.events {
                    writeln!(out, "- {secs:.2} {fullname}").ok();
                    out.flush().ok();
                }
                found.retain(|r| r.fullname != fullname);
            }
        }
    }
    drop(browser);
    if !args.events {
        for room in &found {
            writeln!(out, "{}", room_line(room)).ok();
        }
    }
    ExitCode::SUCCESS
}

/// `room<TAB>address:port<TAB>N people<TAB>host<TAB>N rooms` (the host's rooms, its default
/// room included).
fn room_line(room: &RoomInfo) -> String {
    let addr = room
        .best_addr()
        .map_or_else(|| room.host.clone(), |ip| ip.to_string());
    // For scripts as much as people: always English, as the rest of the line.
    let people = crate::protocol::people_count(room.people, Lang::En);
    let rooms = crate::tr!(Lang::En, "rooms-count", count = room.rooms);
    format!(
        "{}\t{addr}:{}\t{people}\t{}\t{rooms}",
        room.room, room.port, room.host
    )
}
