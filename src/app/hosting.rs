//! The room this app hosts (the Host toggle): what the Host fields must hold, the room (a
//! [`HostedRoom`], as `coucou server` runs it) with what the Host panel shows, and starting and
//! stopping it off the UI thread (starting loads or makes the identity, opens the history file,
//! loads its recent messages and cleans the files folder: all disk work). [`Host`] owns it all
//! for the app: the room, whether it is opening or closing, what the panel says, the tests of its
//! addresses, and the host's identity once loaded.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::thread;

use crate::EventSink;
use crate::client::{ConnectParams, RoomPassword};
use crate::diagnostics::Probe;
use crate::hosted::{HostError, HostedRoom};
use crate::i18n::Lang;
use crate::identity::{Fingerprint, Identity};
use crate::lan;
use crate::link::{LinkConfig, default_origin};
use crate::model::settings::{self, Settings};
use crate::protocol::password::RoomKey;
use crate::protocol::sanitize::clean_text;
use crate::protocol::{DEFAULT_PORT, Wire};
use crate::qr::Qr;
use crate::server::{FilesConfig, RoomError, ServerConfig, StoreConfig};
use crate::tr;
use crate::ui::toolbar::{HostBusy, HostingView, ToolbarBuffers};

/// The room name when the field is left empty.
pub const DEFAULT_ROOM: &str = "Coucou";

/// What the Host fields asked for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRequest {
    /// The room's name, cleaned.
    pub room: String,
    /// The port to listen on (0: any free port, for tests).
    pub port: u16,
    /// The broker the room is linked through, when it is one room with other sites.
    pub broker: Option<String>,
}

impl HostRequest {
    /// Checks the Host fields: a port number, and a room name (the default when empty).
    pub fn from_buffers(buffers: &ToolbarBuffers, lang: Lang) -> Result<Self, String> {
        let port = buffers
            .port
            .trim()
            .parse::<u16>()
            .map_err(|_| lang.tr("host-port-invalid"))?;
        let room = match buffers.room.trim() {
            "" => DEFAULT_ROOM.to_owned(),
            room => clean_text(room),
        };
        Ok(Self {
            room,
            port,
            broker: None,
        })
    }

    /// The port to remember in the settings: the one asked for, or the default when any was.
    pub fn port_to_keep(&self) -> u16 {
        if self.port == 0 {
            DEFAULT_PORT
        } else {
            self.port
        }
    }
}

/// How the hosted room is protected.
#[derive(Debug, Clone)]
pub struct HostSecurity {
    /// The host's identity: TLS is offered with it.
    pub identity: Identity,
    /// Clear connections are turned away.
    pub encrypted_only: bool,
    /// The room password, as kept.
    pub password: Option<RoomKey>,
}

/// A room hosted by this app: the server and its announcement, with what the Host panel shows.
#[derive(Debug)]
pub struct Hosting {
    /// The room: the embedded server and its announcement.
    room: HostedRoom,
    /// Where people on the network can reach it.
    addrs: Vec<SocketAddr>,
    /// How it is protected.
    security: HostSecurity,
    /// The fingerprint's code, as the Host panel shows it.
    code: String,
    /// The broker the room is linked through, if it is.
    linked: Option<String>,
    /// The web page at each address, with its QR code (none for a room with a password, which
    /// the page can't join yet).
    pages: Vec<(String, Qr)>,
}

/// Where the host's identity comes from.
#[derive(Debug, Clone)]
pub enum IdentitySource {
    /// Already loaded.
    Known(Identity),
    /// Kept in this folder (made there on first use).
    Kept(PathBuf),
    /// Nowhere to keep one: one for this run.
    ForThisRun,
}

/// Everything the Host button asks for, gathered on the UI thread; the room opens from it on a
/// thread of its own ([`HostStart::in_background`]).
#[derive(Debug)]
pub struct HostStart {
    /// The address to listen on (all of them, or loopback in tests).
    pub bind: IpAddr,
    /// The Host fields, checked.
    pub request: HostRequest,
    /// The host's identity.
    pub identity: IdentitySource,
    /// Clear connections are turned away.
    pub encrypted_only: bool,
    /// The room password, as kept.
    pub password: Option<RoomKey>,
    /// Where the history is kept, if it is.
    pub store: Option<StoreConfig>,
    /// Where offered files are kept, if anywhere.
    pub files: Option<FilesConfig>,
    /// Announce the room on the LAN.
    pub announce: bool,
    /// The named rooms to make besides it (those the store keeps are made too).
    pub rooms: Vec<String>,
    /// Anyone in it may make a named room.
    pub open_rooms: bool,
    /// The room's language.
    pub lang: Lang,
    /// The folder of this app's device key: the device is the room's owner (a moderator from
    /// whatever connection it joins). `None`: no device.
    pub device: Option<PathBuf>,
}

/// A room opened: the room, and a warning for the Host panel (the room was not announced, or
/// only this computer can join, or its history file was moved aside).
#[derive(Debug)]
pub struct Started {
    /// The room.
    pub hosting: Hosting,
    /// What the Host panel says about it.
    pub warning: Option<HostNote>,
    /// The Host fields it was opened with.
    pub request: HostRequest,
    /// The moderators' password of this run (random, in memory only) when the app's device could
    /// not own the room: the hosting app gives it when it joins, so that whoever hosts is the
    /// room's moderator. `None`: the device owns it (a moderator from its arrival).
    pub owner: Option<String>,
}

impl HostStart {
    /// What the Host button asks for: the Host fields' `request` with the room options in
    /// `settings` (history and offered files kept beside `settings_path`, none without one),
    /// listening on `bind`, announced on the LAN if `announce`.
    pub fn with_settings(
        request: HostRequest,
        settings: &Settings,
        settings_path: Option<&Path>,
        identity: IdentitySource,
        (bind, announce): (IpAddr, bool),
        lang: Lang,
    ) -> Self {
        let store = settings_path
            .filter(|_| settings.host_keep_history)
            .map(|path| StoreConfig {
                path: settings::history_path(path),
                retention: settings.host_retention(),
            });
        let files = settings_path.map(|path| FilesConfig::in_dir(settings::files_dir(path)));
        Self {
            bind,
            request: HostRequest {
                broker: settings.host_broker.clone(),
                ..request
            },
            identity,
            encrypted_only: settings.host_encrypted_only,
            password: settings
                .host_password
                .as_deref()
                .and_then(RoomKey::from_stored),
            store,
            files,
            announce,
            lang,
            rooms: settings.host_rooms.clone(),
            open_rooms: settings.host_open_rooms,
            device: settings_path.map(crate::identity::device_dir_beside),
        }
    }

    /// Opens the room on the `coucou-host-start` thread; `done` hears how it went (the room, or
    /// why not in words).
    pub fn in_background(self, done: EventSink<Result<Started, String>>) -> io::Result<()> {
        thread::Builder::new()
            .name("coucou-host-start".to_owned())
            .spawn(move || done.send(self.open()))
            .map(|_| ())
    }

    /// Loads (or makes) the identity, then opens the room on `bind` and, when `announce`,
    /// announces it on the LAN. Disk and network work: never on the UI thread.
    pub fn open(self) -> Result<Started, String> {
        let lang = self.lang;
        let identity = match self.identity {
            IdentitySource::Known(identity) => identity,
            IdentitySource::Kept(dir) => Identity::load_or_create(&dir)
                .map_err(|err| tr!(lang, "identity-failed", error = err.to_string()))?,
            IdentitySource::ForThisRun => Identity::generate().map_err(|err| err.to_string())?,
        };
        let security = HostSecurity {
            identity,
            encrypted_only: self.encrypted_only,
            password: self.password,
        };
        let request = self.request;
        // The app's device owns the room; without one (no settings folder, or its key can't be
        // read), a random password of this run makes this app its moderator.
        let device = self
            .device
            .as_deref()
            .and_then(|dir| crate::identity::Device::load_or_create(dir).ok());
        let owner = match device {
            Some(_) => None,
            None => {
                let mut secret = [0u8; 16];
                ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
                    .map_err(|_| lang.tr("host-no-randomness"))?;
                Some(hex::encode(secret))
            }
        };
        let moderator_password = owner
            .as_deref()
            .map(RoomKey::new)
            .transpose()
            .map_err(|err| err.to_string())?;
        let config = ServerConfig {
            owners: device.map(|device| device.id()).into_iter().collect(),
            moderator_password,
            room: request.room.clone(),
            rooms: self.rooms,
            open_rooms: self.open_rooms,
            require_tls: security.encrypted_only,
            password: security.password.clone(),
            store: self.store,
            files: self.files,
            lang,
            link: request.broker.as_ref().map(|url| LinkConfig {
                url: url.clone(),
                room: request.room.clone(),
                origin: default_origin(request.port_to_keep()),
            }),
            ..ServerConfig::default()
        };
        let port = request.port;
        let could_not_open = |err: io::Error| {
            if err.kind() == io::ErrorKind::AddrInUse {
                tr!(lang, "host-port-in-use", port = port)
            } else {
                tr!(
                    lang,
                    "host-could-not-open",
                    port = port,
                    error = err.to_string()
                )
            }
        };
        let listener =
            crate::server::listen(SocketAddr::new(self.bind, port)).map_err(could_not_open)?;
        let (room, not_announced) =
            HostedRoom::start(listener, config, &security.identity, self.announce).map_err(
                |err| match err {
                    HostError::Certificate(err) => tr!(lang, "host-certificate", error = err),
                    HostError::Start(err) => could_not_open(err),
                },
            )?;
        // A history file that could not be used was moved aside: say so first.
        let mut warning = room
            .server()
            .store_warning()
            .map(|said| HostNote::Said(said.to_owned()));
        if let Some(err) = not_announced {
            warning.get_or_insert(HostNote::NotAnnounced(err.to_string()));
        }
        let addrs = lan::reachable_at(room.server().local_addr());
        if warning.is_none() && addrs.iter().all(|a| a.ip().is_loopback()) {
            warning = Some(HostNote::LoopbackOnly);
        }
        // Made here, on the starting thread: never on the UI's.
        // A room with a password serves its page over https only: the password is typed into it.
        let https = security.encrypted_only || security.password.is_some();
        let pages = addrs
            .iter()
            .map(|&addr| lan::page_address(addr, https))
            .filter_map(|page| Qr::new(&page).map(|qr| (page, qr)))
            .collect();
        let hosting = Hosting {
            code: room.fingerprint().code(),
            room,
            addrs,
            pages,
            security,
            linked: request.broker.clone(),
        };
        Ok(Started {
            hosting,
            warning,
            request,
            owner,
        })
    }
}

impl Hosting {
    /// Where this app joins its own room: the loopback address when listening on all of them.
    pub fn own_addr(&self) -> SocketAddr {
        lan::own_address_of(self.room.server().local_addr())
    }

    /// Where the server listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.room.server().local_addr()
    }

    /// Where people on the network can reach it.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The room's name.
    pub fn room_name(&self) -> &str {
        self.room.server().room_name()
    }

    /// The room's certificate's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        self.room.fingerprint()
    }

    /// The room's code, for people to check.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The broker the room is linked through, when it is one room with other sites.
    pub fn linked(&self) -> Option<&str> {
        self.linked.as_deref()
    }

    /// How the room is protected.
    pub fn security(&self) -> &HostSecurity {
        &self.security
    }

    /// True once the room's history could not be written any more (a full disk).
    pub fn history_failed(&self) -> bool {
        self.room.server().history_failed()
    }

    /// How many people are in the room, the host included.
    pub fn people(&self) -> usize {
        self.room.server().stats().people
    }

    /// Stops the server and withdraws the announcement on a thread of their own (both may take a
    /// moment); `done` hears when the port is free.
    pub fn stop_in_background(self, done: EventSink<()>) -> io::Result<()> {
        thread::Builder::new()
            .name("coucou-host-stop".to_owned())
            .spawn(move || {
                // Stops the server, then withdraws the room from the network (a goodbye).
                self.room.stop();
                done.send(());
            })
            .map(|_| ())
    }
}

/// What the Host panel says, kept as what it means, so that it reads in the language on screen
/// even after the language changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostNote {
    /// Words already said (the server's, the system's, or the app's about a field).
    Said(String),
    /// The room was not announced on the network, for this reason.
    NotAnnounced(String),
    /// Only this computer can join: it has no network address.
    LoopbackOnly,
    /// The room's history stopped being kept.
    HistoryFailed,
}

impl HostNote {
    /// What the panel says, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Self::Said(words) => words.clone(),
            Self::NotAnnounced(error) => {
                tr!(lang, "host-not-announced", error = error.as_str())
            }
            Self::LoopbackOnly => lang.tr("host-loopback-only"),
            Self::HistoryFailed => lang.tr("host-history-failed"),
        }
    }
}

/// The Host toggle's owner: the room this app hosts, or is opening or closing; what the Host panel
/// says; the reachability tests of its addresses; and the host's identity once loaded.
#[derive(Debug, Default)]
pub struct Host {
    /// The room, once open.
    room: Option<Hosting>,
    /// Opening or closing.
    busy: Option<HostBusy>,
    /// Why hosting could not start or stop, or a warning about the room, until dismissed.
    pub error: Option<HostNote>,
    /// The last tests of the room's addresses.
    pub probes: Vec<Probe>,
    /// The panel said that the room's history stopped (said once per room).
    told_history_failed: bool,
    /// This app's identity as a host, once loaded (or made for this run).
    identity: Option<Identity>,
}

impl Host {
    /// Makes the named room `name` in the room open now; everyone in it is told.
    pub fn make_room(&self, name: &str) -> Option<Result<String, RoomError>> {
        Some(self.room.as_ref()?.room.server().make_room(name))
    }

    /// The room, while it is open.
    pub fn room(&self) -> Option<&Hosting> {
        self.room.as_ref()
    }

    /// Where the hosted room listens, if `target` (`host:port` of the room the app is in) is it:
    /// empty when the app hosts no room or is in another one.
    pub fn hosted_on(&self, target: &str) -> &[SocketAddr] {
        match &self.room {
            Some(room)
                if target == format!("{}:{}", room.own_addr().ip(), room.own_addr().port()) =>
            {
                room.addrs()
            }
            _ => &[],
        }
    }

    /// Opening or closing, if it is.
    pub fn busy(&self) -> Option<HostBusy> {
        self.busy
    }

    /// How many people other than this app's are in the room.
    pub fn others(&self) -> usize {
        self.room
            .as_ref()
            .map_or(0, |room| room.people().saturating_sub(1))
    }

    /// Where the identity comes from: the one loaded, else the folder beside the settings at
    /// `settings_path`, else one for this run.
    pub fn identity_source(&self, settings_path: Option<&Path>) -> IdentitySource {
        match (&self.identity, settings_path) {
            (Some(identity), _) => IdentitySource::Known(identity.clone()),
            (None, Some(path)) => IdentitySource::Kept(crate::identity::dir_beside(path)),
            (None, None) => IdentitySource::ForThisRun,
        }
    }

    /// Opens the room asked for on its own thread; `done` hears how it went.
    pub fn start(&mut self, start: HostStart, done: EventSink<Result<Started, String>>) {
        self.error = None;
        self.told_history_failed = false;
        match start.in_background(done) {
            Ok(()) => self.busy = Some(HostBusy::Starting),
            Err(err) => self.error = Some(HostNote::Said(err.to_string())),
        }
    }

    /// The room opened, or could not: when it did, how this app joins it as `name` (encrypted,
    /// its own certificate pinned, its own key as the password), the Host fields it opened with,
    /// and the moderators' password to give (none when the app's device owns the room).
    pub fn started(
        &mut self,
        name: String,
        started: Result<Started, String>,
    ) -> Option<(ConnectParams, HostRequest, Option<String>)> {
        self.busy = None;
        let started = match started {
            Ok(started) => started,
            Err(err) => {
                self.error = Some(HostNote::Said(err));
                return None;
            }
        };
        let room = started.hosting;
        self.identity = Some(room.security().identity.clone());
        self.error = started.warning;
        let own = room.own_addr();
        let own_params = ConnectParams {
            pin: Some(room.fingerprint()),
            password: room.security().password.clone().map(RoomPassword::Key),
            ..ConnectParams::new(own.ip().to_string(), own.port(), name, Wire::Json)
        };
        self.room = Some(room);
        Some((own_params, started.request, started.owner))
    }

    /// Closes the room on its own thread; `done` hears when its port is free. False when no room
    /// was open.
    pub fn stop(&mut self, done: EventSink<()>, lang: Lang) -> bool {
        let Some(room) = self.room.take() else {
            return false;
        };
        match room.stop_in_background(done) {
            Ok(()) => self.busy = Some(HostBusy::Stopping),
            Err(err) => {
                let error = err.to_string();
                self.error = Some(HostNote::Said(tr!(
                    lang,
                    "host-could-not-close",
                    error = error
                )));
            }
        }
        true
    }

    /// The room closed and its port is free.
    pub fn stopped(&mut self) {
        self.busy = None;
    }

    /// Says once, in the panel, that the room's history stopped being kept.
    pub fn check_history(&mut self) {
        if !self.told_history_failed && self.room.as_ref().is_some_and(Hosting::history_failed) {
            self.told_history_failed = true;
            self.error = Some(HostNote::HistoryFailed);
        }
    }

    /// What the Host panel shows of the room, while it is open.
    pub fn view(&self) -> Option<HostingView<'_>> {
        self.room.as_ref().map(|room| HostingView {
            code: room.code(),
            encrypted_only: room.security().encrypted_only,
            has_password: room.security().password.is_some(),
            linked: room.linked(),
            probes: &self.probes,
            pages: &room.pages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_no_room_open_the_host_owner_has_nobody_and_nothing_to_stop() {
        let mut host = Host::default();
        assert_eq!((host.others(), host.busy()), (0, None));
        let (tx, _rx) = crossbeam_channel::unbounded();
        let sink = EventSink::new(tx, std::sync::Arc::new(|| {}));
        assert!(!host.stop(sink, Lang::En), "nothing to stop");
        // The identity: beside the settings when there is a folder, else one for this run.
        let beside = host.identity_source(Some(Path::new("/home/alice/.config/coucou/s.toml")));
        assert!(
            matches!(beside, IdentitySource::Kept(dir) if dir.ends_with("coucou/identity")),
            "kept beside the settings"
        );
        assert!(matches!(
            host.identity_source(None),
            IdentitySource::ForThisRun
        ));
        // A room that could not open says why, and nothing is joined.
        assert_eq!(host.started("alice".into(), Err("busy".into())), None);
        assert_eq!(host.error, Some(HostNote::Said("busy".into())));
    }

    fn buffers(room: &str, port: &str) -> ToolbarBuffers {
        ToolbarBuffers {
            room: room.to_owned(),
            port: port.to_owned(),
            password: String::new(),
            away_reason: String::new(),
            broker: String::new(),
            new_room: String::new(),
        }
    }

    #[test]
    fn the_host_fields_give_a_port_and_a_clean_room_name() {
        assert_eq!(
            HostRequest::from_buffers(&buffers("  Salle 12 ", "4444"), Lang::En),
            Ok(HostRequest {
                room: "Salle 12".to_owned(),
                port: 4444,
                broker: None,
            })
        );
        assert_eq!(
            HostRequest::from_buffers(&buffers("", "0"), Lang::En)
                .map(|r| (r.room.clone(), r.port_to_keep())),
            Ok((DEFAULT_ROOM.to_owned(), DEFAULT_PORT))
        );
        assert_eq!(
            HostRequest::from_buffers(&buffers("a\u{202e}b\u{200b}", "1"), Lang::En)
                .map(|r| r.room),
            Ok("ab".to_owned()),
            "no invisible or reordering characters"
        );
        for bad in ["", "65536", "-1", "port", "44 44"] {
            assert!(
                HostRequest::from_buffers(&buffers("x", bad), Lang::En).is_err(),
                "{bad:?}"
            );
        }
    }
}
