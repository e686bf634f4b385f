//! The reachability test behind "Can't find a room?", against real ports on 127.0.0.1.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::start_server;
use coucou::diagnostics::{interfaces, probe};

#[test]
fn a_live_port_answers_with_a_time_and_a_dead_one_says_why() {
    let server = start_server();
    let live = probe(
        "127.0.0.1",
        server.local_addr().port(),
        Duration::from_secs(3),
    );
    let took = live.outcome.clone().unwrap();
    assert!(took < Duration::from_secs(3));
    assert!(
        live.describe().contains("answered in"),
        "{}",
        live.describe()
    );

    let dead_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = probe("127.0.0.1", dead_port, Duration::from_secs(3));
    assert!(dead.outcome.unwrap_err().contains("connection refused"));

    let junk = probe("not a host", 4444, Duration::from_secs(3));
    assert!(junk.outcome.unwrap_err().contains("not a host name"));
}

#[test]
fn loopback_is_among_the_interfaces() {
    assert!(interfaces().iter().any(|i| i.addr.is_loopback()));
}
