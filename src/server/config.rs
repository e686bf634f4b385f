//! How a server runs: its settings, with the seed's defaults, and the hook that hears how many
//! people are in the room.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::flood::FloodLimit;
use crate::i18n::Lang;
use crate::identity::{Fingerprint, Identity};
use crate::link::LinkConfig;
use crate::protocol::DEFAULT_MAX_PEOPLE;
use crate::protocol::device::DeviceId;
use crate::protocol::password::RoomKey;
use crate::store::Retention;

/// How a server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The room's name.
    pub room: String,
    /// How many people may be in the room (the seed's 100).
    pub max_people: usize,
    /// How many connections may be waiting to give a name, counted apart from the room. When they
    /// are all taken, the oldest of the address with the most gives way to a newcomer.
    pub max_pending: usize,
    /// How many connections from one address may be waiting to give a name; more are turned away.
    pub max_pending_per_address: usize,
    /// How many file transfers (uploads and downloads) one address may have going at once; more
    /// are turned away after their first line, so that an address can't hold the host's
    /// descriptors and threads with transfers that never move.
    pub max_transfers_per_address: usize,
    /// How long a connection may take to give a name, from the moment it is accepted.
    pub handshake_timeout: Duration,
    /// How many recent messages newcomers get.
    pub history: usize,
    /// Shown to every newcomer.
    pub motd: Option<String>,
    /// How many bytes may wait for one client before it is cut off for not reading.
    pub max_queue_bytes: usize,
    /// How long one write to a client may make no progress before it fails.
    pub write_timeout: Duration,
    /// The flood limit per client, for every command; `None` turns it off (benchmarks).
    pub flood: Option<FloodLimit>,
    /// A second, slower limit on renames (`/nick`); `None` turns it off.
    pub rename_flood: Option<FloodLimit>,
    /// A limit on joining and leaving rooms; `None` turns it off.
    pub room_flood: Option<FloodLimit>,
    /// A third limit on searches, which read the disk; `None` turns it off.
    pub search_flood: Option<FloodLimit>,
    /// Names tried before joining, per address (a join gives its try back); `None` turns it off.
    pub name_flood: Option<FloodLimit>,
    /// Told the number of people whenever it changes (to keep a LAN advertisement current).
    pub on_people: Option<PeopleHook>,
    /// Told the number of rooms (the default room included) whenever a room is made.
    pub on_rooms: Option<PeopleHook>,
    /// TLS on the same port, with the host's certificate; `None`: clear connections only.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The room code of that certificate (`Fingerprint::code`), which the web page shows over
    /// https so that people can compare it with the host's.
    pub room_code: Option<String>,
    /// Refuse clear connections (plain and JSON alike) with a line saying why.
    pub require_tls: bool,
    /// The room password, as the host keeps it (a salted hash); asked only over TLS.
    pub password: Option<RoomKey>,
    /// How long a wrong password waits before it is told so.
    pub password_delay: Duration,
    /// How many wrong passwords one address may try per [`ServerConfig::password_window`] before
    /// it is turned away until the window has passed.
    pub max_password_failures: u32,
    /// See [`ServerConfig::max_password_failures`].
    pub password_window: Duration,
    /// Where the room's history is kept across restarts, and how much of it; `None`: in memory
    /// only, gone at stop.
    pub store: Option<StoreConfig>,
    /// The language of the server's notices and errors (`--lang`); protocol codes have none.
    pub lang: Lang,
    /// Where and how much of the files offered in the room is kept; `None`: no files.
    pub files: Option<FilesConfig>,
    /// One room across several servers through a NATS JetStream broker; `None`: this server's
    /// room alone.
    pub link: Option<LinkConfig>,
    /// The host's named rooms besides its default room (`--rooms`); those kept in the store from
    /// an earlier run come back too. A linked host links those without a password.
    pub rooms: Vec<String>,
    /// How many rooms the host holds, and one person joins, at most.
    pub room_limits: RoomLimits,
    /// Anyone may make a room, by joining one that does not exist yet (`--open-rooms`; off:
    /// only the host makes rooms).
    pub open_rooms: bool,
    /// Named rooms with a password (made if the host has no such room yet), each with its key as
    /// the host keeps it (`--room-password-file NAME=FILE`); kept in the store, so they stay
    /// protected across restarts.
    pub room_passwords: Vec<(String, RoomKey)>,
    /// The moderators' password, as the host keeps it (a salted hash): whoever gives it
    /// (`/oper`, over TLS only) is one of the host's moderators until they leave.
    pub moderator_password: Option<RoomKey>,
    /// The owners' devices (`--owner`; the hosting app's own): moderators as soon as they join.
    pub owners: Vec<DeviceId>,
    /// How long a name is kept for the device that had it once it leaves (`--keep-names-hours`);
    /// zero: not kept.
    pub keep_names: Duration,
    /// This host's identity, when it has one: it signs what its moderators decide in a linked
    /// room, for the other sites.
    pub site: Option<Identity>,
    /// The linked sites (by their room code's whole fingerprint, `--link-trust`) whose moderators'
    /// bans, mutes and deletions this host takes; from any other, none.
    pub link_trust: Vec<Fingerprint>,
}

/// The room's lasting history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// The SQLite file.
    pub path: PathBuf,
    /// How much is kept.
    pub retention: Retention,
}

/// Where and how much a host keeps of the files offered in its room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesConfig {
    /// The folder the files are kept in (stored files are taken back at start while they last;
    /// anything else there is deleted).
    pub dir: PathBuf,
    /// The largest file, in bytes.
    pub max_file_bytes: u64,
    /// All the files together, in bytes; an offer that would pass it is refused up front.
    pub quota_bytes: u64,
    /// How long an offer lasts.
    pub expiry: Duration,
}

impl FilesConfig {
    /// The defaults in `dir`: files up to 2 GB, 10 GB in all, kept a day.
    pub fn in_dir(dir: PathBuf) -> Self {
        Self {
            dir,
            max_file_bytes: 2_000_000_000,
            quota_bytes: 10_000_000_000,
            expiry: Duration::from_secs(24 * 3600),
        }
    }
}

/// How many connections from one address may wait to give a name (or, from a browser, for their
/// request to be read), by default: a person opening a few windows gets in, and so does a browser
/// loading the web page, which opens up to six connections to a host at once; a script opening
/// hundreds does not fill the room's waiting line.
pub const DEFAULT_MAX_PENDING_PER_ADDRESS: usize = 8;

/// How many file transfers one address may have going at once, by default: a person sending and
/// fetching a handful of files at once gets them all; a script holding hundreds does not.
pub const DEFAULT_MAX_TRANSFERS_PER_ADDRESS: usize = 16;

/// A callback told the number of people in the room; called under the room lock, so it must not
/// block (sending on a channel is fine).
#[derive(Clone)]
pub struct PeopleHook(pub Arc<dyn Fn(usize) + Send + Sync>);

impl std::fmt::Debug for PeopleHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PeopleHook")
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            room: "Coucou".to_owned(),
            max_people: DEFAULT_MAX_PEOPLE,
            max_pending: DEFAULT_MAX_PEOPLE,
            max_pending_per_address: DEFAULT_MAX_PENDING_PER_ADDRESS,
            max_transfers_per_address: DEFAULT_MAX_TRANSFERS_PER_ADDRESS,
            handshake_timeout: Duration::from_secs(20),
            history: 100,
            motd: None,
            max_queue_bytes: 1024 * 1024,
            write_timeout: Duration::from_secs(10),
            flood: Some(FloodLimit::default()),
            rename_flood: Some(FloodLimit::RENAMES),
            room_flood: Some(FloodLimit::ROOMS),
            search_flood: Some(FloodLimit::SEARCHES),
            name_flood: Some(FloodLimit::NAMES),
            on_people: None,
            on_rooms: None,
            tls: None,
            room_code: None,
            require_tls: false,
            password: None,
            password_delay: Duration::from_secs(1),
            max_password_failures: 5,
            password_window: Duration::from_secs(10 * 60),
            store: None,
            lang: Lang::En,
            files: None,
            link: None,
            rooms: Vec::new(),
            room_limits: RoomLimits::default(),
            open_rooms: false,
            room_passwords: Vec::new(),
            moderator_password: None,
            owners: Vec::new(),
            keep_names: Duration::from_millis(super::devices::DEFAULT_KEEP_MS),
            site: None,
            link_trust: Vec::new(),
        }
    }
}

/// The host's limits on rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomLimits {
    /// How many rooms a host holds at most, its default room included.
    pub max_rooms: usize,
    /// How many rooms one person may be in at once, the default room included.
    pub max_joined: usize,
}

impl Default for RoomLimits {
    fn default() -> Self {
        Self {
            max_rooms: 100,
            max_joined: 50,
        }
    }
}
