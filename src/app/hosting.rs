//! The room this app hosts (the Host toggle): what the Host fields must hold, the room (a
//! [`HostedRoom`], as `coucou server` runs it) with what the Host panel shows, and starting and
//! stopping it off the UI thread (starting loads or makes the identity, opens the history file,
//! loads its recent messages and cleans the files folder: all disk work).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::thread;

use crate::EventSink;
use crate::hosted::{HostError, HostedRoom};
use crate::i18n::Lang;
use crate::identity::{Fingerprint, Identity};
use crate::lan;
use crate::link::{LinkConfig, default_origin};
use crate::protocol::DEFAULT_PORT;
use crate::protocol::password::RoomKey;
use crate::protocol::sanitize::clean_text;
use crate::server::{FilesConfig, ServerConfig, StoreConfig};
use crate::tr;
use crate::ui::toolbar::ToolbarBuffers;

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

/// Checks a broker's address as typed in Room options: `None` when empty (the room alone), else
/// `nats://host:port` (or `host:port`), without spaces, at most 256 bytes.
pub fn check_broker(typed: &str, lang: Lang) -> Result<Option<String>, String> {
    let url = typed.trim();
    if url.is_empty() {
        return Ok(None);
    }
    let rest = url.strip_prefix("nats://").unwrap_or(url);
    let well_formed = url.len() <= 256
        && !rest.is_empty()
        && !rest.contains("://")
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:[]@/".contains(c));
    if well_formed {
        Ok(Some(url.to_owned()))
    } else {
        Err(lang.tr("host-link-invalid"))
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
    /// The room's language.
    pub lang: Lang,
}

/// A room opened: the room, and a warning for the Host panel (the room was not announced, or
/// only this computer can join, or its history file was moved aside).
#[derive(Debug)]
pub struct Started {
    /// The room.
    pub hosting: Hosting,
    /// What the Host panel says about it.
    pub warning: Option<String>,
    /// The Host fields it was opened with.
    pub request: HostRequest,
}

impl HostStart {
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
        let config = ServerConfig {
            room: request.room.clone(),
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
        let mut warning = room.server().store_warning().map(str::to_owned);
        if let Some(err) = not_announced {
            warning.get_or_insert(tr!(lang, "host-not-announced", error = err));
        }
        let addrs = lan::reachable_at(room.server().local_addr());
        if warning.is_none() && addrs.iter().all(|a| a.ip().is_loopback()) {
            warning = Some(lang.tr("host-loopback-only"));
        }
        let hosting = Hosting {
            code: room.fingerprint().code(),
            room,
            addrs,
            security,
            linked: request.broker.clone(),
        };
        Ok(Started {
            hosting,
            warning,
            request,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broker_address_is_checked_before_it_is_kept() {
        assert_eq!(
            check_broker("  ", Lang::En),
            Ok(None),
            "empty: the room alone"
        );
        for good in [
            "nats://10.0.0.5:4222",
            "broker.lan:4222",
            "nats://[::1]:4222",
        ] {
            assert_eq!(
                check_broker(good, Lang::En),
                Ok(Some(good.to_owned())),
                "{good}"
            );
        }
        let long = format!("nats://{}:4222", "a".repeat(300));
        for bad in [
            "nats://",
            "http://x",
            "tls://broker:4222",
            "nats://a b",
            "nats://x\u{202e}y",
            "nats://x;rm",
            long.as_str(),
        ] {
            assert!(check_broker(bad, Lang::En).is_err(), "{bad:?}");
        }
    }

    fn buffers(room: &str, port: &str) -> ToolbarBuffers {
        ToolbarBuffers {
            room: room.to_owned(),
            port: port.to_owned(),
            password: String::new(),
            away_reason: String::new(),
            broker: String::new(),
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
