//! This machine's addresses on the local network: what to tell people to connect to.

use std::net::{IpAddr, SocketAddr};

/// The non-loopback IPv4 addresses of this machine's network interfaces, in interface order.
/// Empty when there are none or they can't be listed.
pub fn lan_addresses() -> Vec<IpAddr> {
    let Ok(interfaces) = if_addrs::get_if_addrs() else {
        return Vec::new();
    };
    let mut addrs: Vec<IpAddr> = interfaces
        .iter()
        .map(if_addrs::Interface::ip)
        .filter(|ip| ip.is_ipv4() && !ip.is_loopback())
        .collect();
    addrs.dedup();
    addrs
}

/// Where this computer itself reaches a server listening on `local`: the loopback address of the
/// same family when it listens on every interface, else `local`.
pub fn own_address_of(local: SocketAddr) -> SocketAddr {
    let ip = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, local.port())
}

/// The addresses people can use to reach a server listening on `local`: every LAN address when it
/// listens on all interfaces, else just its own.
pub fn reachable_at(local: SocketAddr) -> Vec<SocketAddr> {
    if local.ip().is_unspecified() {
        let lan = lan_addresses();
        if lan.is_empty() {
            return vec![SocketAddr::new(
                IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
                local.port(),
            )];
        }
        lan.into_iter()
            .map(|ip| SocketAddr::new(ip, local.port()))
            .collect()
    } else {
        vec![local]
    }
}

/// The room's web page at `addr`: `https://` when the room takes only encrypted connections
/// (its clear requests are sent there anyway), else `http://`.
pub fn page_address(addr: SocketAddr, encrypted_only: bool) -> String {
    let scheme = if encrypted_only { "https" } else { "http" };
    format!("{scheme}://{addr}/")
}

/// True for an IP address, or a host name of letters, digits, `-` and `.` (RFC 1123).
pub fn is_host_name_or_ip(host: &str) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_on_every_interface_is_reached_here_by_loopback_of_its_family() {
        let any4: SocketAddr = "0.0.0.0:4444".parse().unwrap();
        let any6: SocketAddr = "[::]:4444".parse().unwrap();
        let lan: SocketAddr = "192.0.2.7:4444".parse().unwrap();
        assert_eq!(own_address_of(any4), "127.0.0.1:4444".parse().unwrap());
        assert_eq!(own_address_of(any6), "[::1]:4444".parse().unwrap());
        assert_eq!(own_address_of(lan), lan);
    }

    #[test]
    fn host_names_are_checked_before_any_lookup() {
        for ok in [
            "localhost",
            "192.168.1.20",
            "::1",
            "my-pc.local",
            "example.org.",
        ] {
            assert!(is_host_name_or_ip(ok), "{ok}");
        }
        for bad in ["", "no_such_host", "a..b", "-x", "x y", "café"] {
            assert!(!is_host_name_or_ip(bad), "{bad}");
        }
    }
}
