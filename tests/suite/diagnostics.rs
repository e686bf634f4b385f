//! The reachability test behind "Can't find a room?", against real ports on 127.0.0.1.

use coucou::diagnostics::ProbeFailure;
use coucou::i18n::Lang;
use std::net::TcpListener;
use std::time::Duration;

use crate::common::start_server;
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
        live.describe(Lang::En).contains("answered in"),
        "{}",
        live.describe(Lang::En)
    );

    let dead_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = probe("127.0.0.1", dead_port, Duration::from_secs(3));
    assert!(dead.describe(Lang::En).contains("connection refused"));
    assert!(dead.describe(Lang::Fr).contains("connexion refusée"));
    assert_eq!(dead.outcome, Err(ProbeFailure::Refused));

    let junk = probe("not a host", 4444, Duration::from_secs(3));
    assert!(junk.describe(Lang::En).contains("not a host name"));
    assert_eq!(junk.outcome, Err(ProbeFailure::NotAHost));
}

#[test]
fn loopback_is_among_the_interfaces() {
    assert!(interfaces().iter().any(|i| i.addr.is_loopback()));
}
