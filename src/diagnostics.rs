//! "Can't find a room?": this machine's interfaces, whether a host:port answers, and the usual
//! reasons why not, in plain words.

use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::lan::is_host_name_or_ip;

/// One address of one network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// The interface's name (`eth0`, `wlan0`, …).
    pub name: String,
    /// One of its addresses.
    pub addr: IpAddr,
}

/// This machine's interfaces and their addresses, loopback included.
pub fn interfaces() -> Vec<InterfaceInfo> {
    if_addrs::get_if_addrs()
        .map(|list| {
            list.into_iter()
                .map(|i| InterfaceInfo {
                    addr: i.ip(),
                    name: i.name,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a reachability test found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `host:port` as tested.
    pub target: String,
    /// How long the connection took, or why there was none.
    pub outcome: Result<Duration, String>,
}

impl Probe {
    /// The result in words.
    pub fn describe(&self) -> String {
        match &self.outcome {
            Ok(took) => format!(
                "{} answered in {:.1} ms.",
                self.target,
                took.as_secs_f64() * 1000.0
            ),
            Err(why) => format!("{} did not answer: {why}", self.target),
        }
    }
}

/// Tries a TCP connection to `host:port` and closes it at once. Blocks up to `timeout` per address:
/// run it on a background thread.
pub fn probe(host: &str, port: u16, timeout: Duration) -> Probe {
    let target = format!("{host}:{port}");
    let outcome = (|| {
        if !is_host_name_or_ip(host) {
            return Err("that is not a host name or an address.".to_owned());
        }
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|_| "no computer has that name here.".to_owned())?
            .collect();
        let mut last = "no address to try.".to_owned();
        for addr in addrs {
            let start = Instant::now();
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(_) => return Ok(start.elapsed()),
                Err(err) => {
                    last = match err.kind() {
                        std::io::ErrorKind::ConnectionRefused => {
                            "nothing is listening on that port (connection refused).".to_owned()
                        }
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => format!(
                            "no answer within {} s (a firewall, or another network).",
                            timeout.as_secs()
                        ),
                        _ => format!("{err}."),
                    }
                }
            }
        }
        Err(last)
    })();
    Probe { target, outcome }
}

/// Why a room may not show up, for people.
pub const WHY_NOT: &[&str] = &[
    "Rooms are found with mDNS, which only reaches computers on the same network segment: a \
     different subnet, a guest Wi-Fi or a VPN keeps rooms from showing up. Type the host's address \
     instead.",
    "A firewall on the host may block the room's TCP port (4444 by default) or mDNS (UDP port 5353).",
    "A room started with `coucou server --bind 127.0.0.1` only accepts this computer; rooms hosted \
     from the app listen on every interface.",
    "Headless servers are only listed when started with `--advertise`.",
];
