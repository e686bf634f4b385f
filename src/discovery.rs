//! Rooms on the LAN over mDNS / DNS-SD (`_coucou._tcp`): advertising a room, and browsing for rooms.
//!
//! Nothing here runs unless its caller asks: the library never advertises or browses by itself, so
//! tests and benchmarks stay silent on the network unless they run inside their own namespace.
//! Browsing runs on a background thread named `coucou-discovery` that reports [`DiscoveryEvent`]s over
//! a channel and wakes its caller, like the client connection does.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use mdns_sd::{ServiceDaemon, ServiceEvent, ServiceInfo};

use crate::EventSink;
use crate::identity::Fingerprint;
use crate::protocol::PROTOCOL_VERSION;

/// The DNS-SD service type of Coucou rooms.
pub const SERVICE_TYPE: &str = "_coucou._tcp.local.";

/// A room found on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInfo {
    /// The service instance's full name: what identifies it until it goes away.
    pub fullname: String,
    /// The room's name.
    pub room: String,
    /// The host name it advertises (`name.local.`).
    pub host: String,
    /// Its addresses.
    pub addrs: Vec<IpAddr>,
    /// Its TCP port.
    pub port: u16,
    /// How many people are in it.
    pub people: usize,
    /// How many rooms its host has, the default room included (1 for a host that does not say).
    pub rooms: usize,
    /// Its protocol version.
    pub version: u32,
    /// Whether it asks for a password.
    pub password: bool,
    /// Whether it offers TLS.
    pub tls: bool,
    /// The fingerprint it advertises (anyone can advertise anything: a hint, never a pin).
    pub fingerprint: Option<Fingerprint>,
}

impl RoomInfo {
    /// The address to connect to: a LAN IPv4 address first, loopback last.
    pub fn best_addr(&self) -> Option<IpAddr> {
        let rank = |ip: &IpAddr| (ip.is_loopback(), !ip.is_ipv4());
        self.addrs.iter().copied().min_by_key(rank)
    }
}

/// Adds a room found by browsing to `rooms`, or updates the one with the same full name, and
/// returns it. `rooms` stays sorted by room name (then full name), so an update never moves a row
/// under the pointer. An update that comes without addresses keeps the ones already known: when another
/// room on the same computer stops, its goodbye also withdraws the computer's address records, and
/// the next update of the room still running arrives without them (it would then show, and be
/// joined at, an unresolvable `name.local.`).
pub fn merge_found(rooms: &mut Vec<RoomInfo>, mut room: RoomInfo) -> &RoomInfo {
    match rooms.iter().position(|r| r.fullname == room.fullname) {
        Some(i) => {
            if room.addrs.is_empty() {
                room.addrs = std::mem::take(&mut rooms[i].addrs);
            }
            rooms[i] = room;
            &rooms[i]
        }
        None => {
            let key = |r: &RoomInfo| (r.room.to_lowercase(), r.fullname.clone());
            let at = rooms.partition_point(|r| key(r) < key(&room));
            rooms.insert(at, room);
            &rooms[at]
        }
    }
}

/// What browsing reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryEvent {
    /// A room appeared, or its details (people count) changed.
    Found(RoomInfo),
    /// A room went away (it said goodbye, or its record expired).
    Gone {
        /// The instance's full name, as in [`RoomInfo::fullname`].
        fullname: String,
    },
}

/// Discovery could not start.
#[derive(Debug)]
pub struct DiscoveryError(String);

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LAN discovery is not available: {}", self.0)
    }
}

impl std::error::Error for DiscoveryError {}

impl From<mdns_sd::Error> for DiscoveryError {
    fn from(err: mdns_sd::Error) -> Self {
        Self(err.to_string())
    }
}

/// This machine's host name, for the advertised `name.local.`.
fn host_name() -> String {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    let name: String = name
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if name.is_empty() {
        "coucou".to_owned()
    } else {
        name
    }
}

/// A room being advertised. Dropping it withdraws the room (a goodbye on the network).
pub struct Advertiser {
    daemon: ServiceDaemon,
    /// The record as last registered, to update its counts, and the counts it says.
    info: Mutex<(ServiceInfo, Counts)>,
    /// What it says besides the count.
    announced: Announced,
}

impl fmt::Debug for Advertiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Advertiser").finish_non_exhaustive()
    }
}

/// What an advertisement says besides the people count.
#[derive(Debug, Clone)]
struct Announced {
    room: String,
    fingerprint: Option<String>,
    password: bool,
}

/// The most rooms an advertisement is believed to say (a host holds 100 by default).
const MAX_ROOMS_SAID: usize = 100_000;

/// What an advertisement counts: people, and the host's rooms.
#[derive(Debug, Clone, Copy)]
struct Counts {
    people: usize,
    rooms: usize,
}

fn txt(announced: &Announced, counts: Counts) -> HashMap<String, String> {
    let mut txt = HashMap::from([
        ("room".to_owned(), announced.room.clone()),
        ("version".to_owned(), PROTOCOL_VERSION.to_string()),
        ("people".to_owned(), counts.people.to_string()),
        ("rooms".to_owned(), counts.rooms.to_string()),
        (
            "password".to_owned(),
            if announced.password { "yes" } else { "no" }.to_owned(),
        ),
    ]);
    if let Some(fp) = &announced.fingerprint {
        txt.insert("tls".to_owned(), "1".to_owned());
        txt.insert("fp".to_owned(), fp.clone());
    }
    txt
}

impl Advertiser {
    /// Starts advertising `room` on `port` of every interface, with its certificate's fingerprint
    /// when it offers TLS (`tls=1`, `fp=`), and whether it has a password.
    pub fn start(
        room: &str,
        port: u16,
        people: usize,
        fingerprint: Option<&Fingerprint>,
        password: bool,
    ) -> Result<Self, DiscoveryError> {
        let announced = Announced {
            room: room.to_owned(),
            fingerprint: fingerprint.map(Fingerprint::to_hex),
            password,
        };
        let daemon = ServiceDaemon::new()?;
        let host = host_name();
        let instance = format!("{room} ({host})");
        let counts = Counts { people, rooms: 1 };
        let info = ServiceInfo::new(
            SERVICE_TYPE,
            &instance,
            &format!("{host}.local."),
            "",
            port,
            txt(&announced, counts),
        )?
        .enable_addr_auto();
        daemon.register(info.clone())?;
        Ok(Self {
            daemon,
            info: Mutex::new((info, counts)),
            announced,
        })
    }

    /// Announces a new people count. Never blocks.
    pub fn set_people(&self, people: usize) {
        self.update(|counts| counts.people = people);
    }

    /// Announces how many rooms the host has, the default room included. Never blocks.
    pub fn set_rooms(&self, rooms: usize) {
        self.update(|counts| counts.rooms = rooms);
    }

    /// Registers the record again with its counts changed by `change`.
    fn update(&self, change: impl FnOnce(&mut Counts)) {
        let mut held = self.info.lock().unwrap_or_else(PoisonError::into_inner);
        let (info, counts) = &mut *held;
        let mut wanted = *counts;
        change(&mut wanted);
        let updated = ServiceInfo::new(
            info.get_type(),
            info.get_fullname()
                .strip_suffix(&format!(".{}", info.get_type()))
                .unwrap_or_default(),
            info.get_hostname(),
            "",
            info.get_port(),
            txt(&self.announced, wanted),
        );
        if let Ok(updated) = updated {
            let updated = updated.enable_addr_auto();
            if self.daemon.register(updated.clone()).is_ok() {
                *info = updated;
                *counts = wanted;
            }
        }
    }
}

impl Drop for Advertiser {
    fn drop(&mut self) {
        let fullname = self
            .info
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0
            .get_fullname()
            .to_owned();
        // Wait (briefly) for the goodbye to go out before the daemon stops.
        if let Ok(status) = self.daemon.unregister(&fullname) {
            status.recv_timeout(Duration::from_secs(1)).ok();
        }
        if let Ok(status) = self.daemon.shutdown() {
            status.recv_timeout(Duration::from_secs(1)).ok();
        }
    }
}

/// Browsing for rooms. Dropping it stops.
pub struct Browser {
    daemon: ServiceDaemon,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Browser").finish_non_exhaustive()
    }
}

/// Starts browsing: every room found or gone is delivered to `events`.
pub fn browse(events: EventSink<DiscoveryEvent>) -> Result<Browser, DiscoveryError> {
    let daemon = ServiceDaemon::new()?;
    let found = daemon.browse(SERVICE_TYPE)?;
    let thread = thread::Builder::new()
        .name("coucou-discovery".to_owned())
        .spawn(move || {
            for event in found {
                let event = match event {
                    ServiceEvent::ServiceResolved(service) => {
                        let info = RoomInfo {
                            room: service
                                .get_property_val_str("room")
                                .map(crate::protocol::sanitize::clean_text)
                                .unwrap_or_default(),
                            people: service
                                .get_property_val_str("people")
                                .and_then(|p| p.parse().ok())
                                .unwrap_or(0),
                            // A host that does not say has one room; a number past what a host
                            // holds is not believed.
                            rooms: service
                                .get_property_val_str("rooms")
                                .and_then(|r| r.parse::<usize>().ok())
                                .filter(|r| (1..=MAX_ROOMS_SAID).contains(r))
                                .unwrap_or(1),
                            version: service
                                .get_property_val_str("version")
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(0),
                            password: service.get_property_val_str("password") == Some("yes"),
                            tls: service.get_property_val_str("tls") == Some("1"),
                            fingerprint: service
                                .get_property_val_str("fp")
                                .and_then(Fingerprint::from_hex),
                            fullname: service.fullname.clone(),
                            host: service.host.clone(),
                            addrs: service
                                .get_addresses_v4()
                                .into_iter()
                                .map(IpAddr::V4)
                                .collect(),
                            port: service.port,
                        };
                        DiscoveryEvent::Found(info)
                    }
                    ServiceEvent::ServiceRemoved(_, fullname) => DiscoveryEvent::Gone { fullname },
                    _ => continue,
                };
                if !events.send(event) {
                    return;
                }
            }
        })
        .map_err(|e| DiscoveryError(e.to_string()))?;
    Ok(Browser {
        daemon,
        thread: Some(thread),
    })
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.daemon.stop_browse(SERVICE_TYPE).ok();
        if let Ok(status) = self.daemon.shutdown() {
            status.recv_timeout(Duration::from_secs(1)).ok();
        }
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn room(fullname: &str, addrs: &[IpAddr], people: usize) -> RoomInfo {
        RoomInfo {
            fullname: fullname.to_owned(),
            room: fullname.to_owned(),
            host: "vm.local.".to_owned(),
            addrs: addrs.to_vec(),
            port: 4444,
            people,
            rooms: 1,
            version: 1,
            password: false,
            tls: false,
            fingerprint: None,
        }
    }

    #[test]
    fn an_update_without_addresses_keeps_the_known_ones() {
        let lan = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
        let mut rooms = Vec::new();
        merge_found(&mut rooms, room("a", &[lan], 1));
        merge_found(&mut rooms, room("b", &[lan], 1));
        // "a" stops; "b" is re-announced with its new count and no address records.
        rooms.retain(|r| r.fullname != "a");
        let b = merge_found(&mut rooms, room("b", &[], 2));
        assert_eq!(b.best_addr(), Some(lan));
        assert_eq!(b.people, 2);
        assert_eq!(rooms.len(), 1);
        // A new address replaces the old.
        let other = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 8));
        assert_eq!(
            merge_found(&mut rooms, room("b", &[other], 2)).addrs,
            [other]
        );
    }

    #[test]
    fn rooms_stay_in_name_order_whatever_order_they_are_found_or_updated_in() {
        let mut rooms = Vec::new();
        for name in ["Salle 12", "bureau", "Atelier"] {
            merge_found(&mut rooms, room(name, &[], 0));
        }
        merge_found(&mut rooms, room("bureau", &[], 7));
        let names: Vec<&str> = rooms.iter().map(|r| r.room.as_str()).collect();
        assert_eq!(names, ["Atelier", "bureau", "Salle 12"]);
        assert_eq!(rooms[1].people, 7);
    }
}
