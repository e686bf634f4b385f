//! "Can't find a room?": this machine's interfaces, whether a host:port answers, and the usual
//! reasons why not, in plain words.

use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::i18n::Lang;
use crate::lan::is_host_name_or_ip;
use crate::tr;

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
    pub outcome: Result<Duration, ProbeFailure>,
}

/// Why a host:port did not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeFailure {
    /// What was typed is not a host name or an address.
    NotAHost,
    /// No computer has that name.
    UnknownName,
    /// The name gave no address.
    NoAddress,
    /// Nothing listens on the port.
    Refused,
    /// No answer in this many seconds.
    NoAnswer(u64),
    /// Another error, as the system said it.
    Other(String),
}

impl Probe {
    /// The result in words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        let target = self.target.as_str();
        match &self.outcome {
            Ok(took) => {
                let ms = (took.as_secs_f64() * 10_000.0).round() / 10.0;
                tr!(lang, "probe-answered", target = target, ms = ms)
            }
            Err(why) => {
                let why = match why {
                    ProbeFailure::NotAHost => lang.tr("probe-not-a-host"),
                    ProbeFailure::UnknownName => lang.tr("probe-unknown-name"),
                    ProbeFailure::NoAddress => lang.tr("probe-no-address"),
                    ProbeFailure::Refused => lang.tr("probe-refused"),
                    ProbeFailure::NoAnswer(seconds) => {
                        tr!(lang, "probe-no-answer", seconds = *seconds)
                    }
                    ProbeFailure::Other(err) => format!("{err}."),
                };
                tr!(lang, "probe-failed", target = target, why = why)
            }
        }
    }
}

/// Tries a TCP connection to `host:port` and closes it at once. Blocks up to `timeout` per address:
/// run it on a background thread.
pub fn probe(host: &str, port: u16, timeout: Duration) -> Probe {
    let target = format!("{host}:{port}");
    let outcome = (|| {
        if !is_host_name_or_ip(host) {
            return Err(ProbeFailure::NotAHost);
        }
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|_| ProbeFailure::UnknownName)?
            .collect();
        let mut last = ProbeFailure::NoAddress;
        for addr in addrs {
            let start = Instant::now();
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(_) => return Ok(start.elapsed()),
                Err(err) => {
                    last = match err.kind() {
                        std::io::ErrorKind::ConnectionRefused => ProbeFailure::Refused,
                        _ if crate::is_timeout(&err) => ProbeFailure::NoAnswer(timeout.as_secs()),
                        _ => ProbeFailure::Other(err.to_string()),
                    }
                }
            }
        }
        Err(last)
    })();
    Probe { target, outcome }
}

/// Why a room may not show up, for people: the keys of the reasons, in the order shown.
pub const WHY_NOT: &[&str] = &[
    "why-not-segment",
    "why-not-firewall",
    "why-not-bind",
    "why-not-advertise",
];
