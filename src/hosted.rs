//! A room hosted on this machine, as the app's Host toggle and `coucou server` both run it: the
//! server offering TLS with the host's identity and, when asked, its announcement on the LAN,
//! kept in step with the number of people. One type, so the two ways of hosting can't drift.

use std::net::TcpListener;
use std::sync::{Arc, OnceLock};

use crate::discovery::Advertiser;
use crate::identity::{Fingerprint, Identity};
use crate::server::{PeopleHook, Server, ServerConfig};

/// Why a hosted room did not start.
#[derive(Debug)]
pub enum HostError {
    /// The identity's certificate can't be used for TLS.
    Certificate(String),
    /// The server did not start (its data folder, most often).
    Start(std::io::Error),
}

/// A running hosted room. Stopping it (or dropping it) stops the server, then withdraws the
/// announcement.
#[derive(Debug)]
pub struct HostedRoom {
    /// The server.
    server: Server,
    /// Its announcement on the network, once started; dropping it withdraws the room.
    advertiser: Arc<OnceLock<Advertiser>>,
    /// Its certificate's fingerprint, hashed once.
    fingerprint: Fingerprint,
}

impl HostedRoom {
    /// Starts `config` on `listener`, offering TLS with `identity`, and when `announce`,
    /// announces the room on the LAN (its name, port, people and whether it has a password). The
    /// second value says why it could not be announced, if it could not: the room runs anyway.
    pub fn start(
        listener: TcpListener,
        mut config: ServerConfig,
        identity: &Identity,
        announce: bool,
    ) -> Result<(Self, Option<String>), HostError> {
        let tls = crate::tls::server_config(identity)
            .map_err(|err| HostError::Certificate(err.to_string()))?;
        config.tls = Some(tls);
        config.room_code = Some(identity.fingerprint().code());
        config.site = Some(identity.clone());
        let advertiser: Arc<OnceLock<Advertiser>> = Arc::new(OnceLock::new());
        if announce {
            let slot = Arc::clone(&advertiser);
            config.on_people = Some(PeopleHook(Arc::new(move |people| {
                if let Some(advertiser) = slot.get() {
                    advertiser.set_people(people);
                }
            })));
            let slot = Arc::clone(&advertiser);
            config.on_rooms = Some(PeopleHook(Arc::new(move |rooms| {
                if let Some(advertiser) = slot.get() {
                    advertiser.set_rooms(rooms);
                }
            })));
        }
        let (room, password) = (config.room.clone(), config.password.is_some());
        let server = Server::start(listener, config).map_err(HostError::Start)?;
        let fingerprint = identity.fingerprint();
        let mut not_announced = None;
        if announce {
            match Advertiser::start(
                &room,
                server.local_addr().port(),
                server.stats().people,
                Some(&fingerprint),
                password,
            ) {
                Ok(started) => {
                    advertiser.set(started).ok();
                    // The rooms made at start (from the store, the options) came before it, the
                    // default room besides them; one made from now on is told by the hook.
                    if let Some(started) = advertiser.get() {
                        started.set_rooms(server.rooms().len() + 1);
                    }
                }
                Err(err) => not_announced = Some(err.to_string()),
            }
        }
        let hosted = Self {
            server,
            advertiser,
            fingerprint,
        };
        Ok((hosted, not_announced))
    }

    /// The server.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The room's certificate's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// Tells everyone the room is closing, stops the server (the port is free when it returns),
    /// then withdraws the announcement (a goodbye on the network; may take a moment).
    pub fn stop(self) {
        self.server.stop();
        drop(self.advertiser);
    }
}
