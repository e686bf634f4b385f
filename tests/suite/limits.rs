//! Limits over real TCP: a full room, silent connections, a client that never reads, floods, stop.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use crate::common::{Json, PATIENCE, Plain, drain, start_server, start_server_with};
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg};
use coucou::server::{FloodLimit, ServerConfig};

#[test]
fn the_101st_client_is_told_the_room_is_full_then_closed() {
    let server = start_server();
    let clients: Vec<Plain> = (0..100)
        .map(|i| Plain::join(server.local_addr(), &format!("user{i}")))
        .collect();
    assert_eq!(server.stats().people, 100);

    let mut late = Plain::connect(server.local_addr());
    late.send("late");
    let lines = late.expect_closed();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("! the room is full (limit: 100 people)"),
        "{lines:?}"
    );

    let (mut json, _) = (Json::connect(server.local_addr()), ());
    json.send(&ClientMsg::Hello {
        version: 1,
        name: "late2".into(),
        device: None,
    });
    assert!(matches!(
        json.expect_closed().as_slice(),
        [ServerMsg::Error {
            code: ErrorCode::RoomFull,
            ..
        }]
    ));
    drop(clients);
}

#[test]
fn silent_connections_give_way_when_the_line_is_full_then_time_out() {
    let server = start_server_with(ServerConfig {
        max_people: 2,
        max_pending: 3,
        handshake_timeout: Duration::from_secs(1),
        ..ServerConfig::default()
    });
    // Three silent sockets fill the waiting line, not the room.
    let mut silent: Vec<Plain> = (0..3)
        .map(|_| Plain::connect(server.local_addr()))
        .collect();
    // A fourth gets in (connections are accepted in order): the oldest gives way, and is told why.
    let fourth = Plain::connect(server.local_addr());
    let lines = silent.remove(0).expect_closed();
    assert!(lines[0].contains("yours waited longest"), "{lines:?}");
    silent.push(fourth);
    // Each other silent one is told why it is closed when its time is up.
    for client in &mut silent {
        let lines = client.expect_closed();
        assert_eq!(lines, vec!["! no name received within 1 s; closing"]);
    }
    // The room is still open to real people.
    let _alice = Plain::join(server.local_addr(), "alice");
    let _bob = Plain::join(server.local_addr(), "bob");
    assert_eq!(server.stats().people, 2);
}

#[test]
fn pending_connections_do_not_count_against_the_room() {
    let server = start_server_with(ServerConfig {
        max_people: 1,
        max_pending_per_address: 10,
        ..ServerConfig::default()
    });
    let _idle: Vec<Plain> = (0..5)
        .map(|_| Plain::connect(server.local_addr()))
        .collect();
    let _alice = Plain::join(server.local_addr(), "alice");
    assert_eq!(server.stats().people, 1);
}

#[test]
fn a_client_that_never_reads_is_dropped_while_the_others_get_every_line_in_order() {
    let server = start_server_with(ServerConfig {
        max_queue_bytes: 64 * 1024,
        flood: None,
        ..ServerConfig::default()
    });
    let mut watcher = Plain::join(server.local_addr(), "watcher");
    let sleeper = Plain::join(server.local_addr(), "sleeper");
    watcher.expect("sleeper joined");
    let mut sender = Plain::join(server.local_addr(), "sender");
    watcher.expect("sender joined");
    // The sender reads its own echo on another thread, so it is not a slow reader itself.
    let echo = sender.stream().try_clone().unwrap();
    let echo_drain = thread::Builder::new()
        .name("test-drain".into())
        .spawn(move || drain(echo))
        .unwrap();

    let text = "z".repeat(2000);
    let mut sender_stream = sender.stream().try_clone().unwrap();
    let mut dropped = false;
    // Bounded: 20,000 lines of 2 kB is far beyond any loopback buffer.
    for i in 0..20_000 {
        sender_stream
            .write_all(format!("{i} {text}\n").as_bytes())
            .unwrap();
        // The watcher gets every line, in order, while the sleeper's queue fills up.
        let line = watcher.line();
        if line.contains("sleeper was disconnected") {
            dropped = true;
            assert_eq!(watcher.line(), format!("sender: {i} {text}"));
            break;
        }
        assert_eq!(line, format!("sender: {i} {text}"));
    }
    assert!(dropped, "the sleeper was never dropped");
    assert_eq!(server.stats().people, 2);
    drop(sleeper);
    sender.send("exit");
    echo_drain.join().unwrap();
}

#[test]
fn the_flood_limit_refuses_extra_messages_with_a_reason() {
    let server = start_server_with(ServerConfig {
        flood: Some(FloodLimit {
            burst: 3,
            per_second: 0.001,
        }),
        ..ServerConfig::default()
    });
    let (mut client, _) = Json::join(server.local_addr(), "fast");
    for i in 0..4 {
        client.send(&ClientMsg::Say {
            text: format!("m{i}"),
            cid: None,
        });
    }
    for i in 0..3 {
        assert!(matches!(client.next(), ServerMsg::Message(c) if c.text == format!("m{i}")));
    }
    // The reason says what was too fast, that it was not done, and how long to wait: a token
    // comes back every 1,000 s here.
    let reason = |msg: ServerMsg| match msg {
        ServerMsg::Error {
            code: ErrorCode::Flood,
            message,
            ..
        } => message,
        other => panic!("expected a flood refusal, got {other:?}"),
    };
    let refused = reason(client.next());
    let wait: f64 = refused
        .strip_prefix("you are sending too fast; this was not done (wait ")
        .and_then(|rest| rest.strip_suffix(" s)"))
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("{refused:?}"));
    assert!((999.0..=1000.0).contains(&wait), "{refused:?}");
    client.send(&ClientMsg::Who {});
    let refused = reason(client.next());
    assert!(
        refused.contains("too fast; this was not done (wait "),
        "every command is limited, `who` too: {refused:?}"
    );
}

#[test]
fn a_connection_told_it_joined_no_longer_counts_as_waiting() {
    // One waiting connection per address: each join below must have left the waiting line by the
    // time its client reads "joined", or the next connection from the same address is turned away.
    let server = start_server_with(ServerConfig {
        max_pending_per_address: 1,
        ..ServerConfig::default()
    });
    let people: Vec<Plain> = (0..40)
        .map(|i| Plain::join(server.local_addr(), &format!("p{i}")))
        .collect();
    assert_eq!(server.stats().people, 40);
    assert_eq!(server.stats().pending, 0);
    drop(people);
}

#[test]
fn stop_tells_everyone_closes_all_and_frees_the_port_at_once() {
    let server = start_server();
    let addr = server.local_addr();
    let mut alice = Plain::join(addr, "alice");
    let (mut app, _) = Json::join(addr, "app");
    let silent = TcpStream::connect(addr).unwrap();
    silent.set_read_timeout(Some(PATIENCE)).unwrap();
    assert_eq!(server.stats().people, 2);

    server.stop();
    let lines = alice.expect_closed();
    assert!(
        lines
            .iter()
            .any(|l| l == "*** The server is stopping. Goodbye!"),
        "{lines:?}"
    );
    let msgs = app.expect_closed();
    assert!(
        msgs.iter()
            .any(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains("stopping")))
    );
    assert!(
        drain(silent),
        "the connection that gave no name was closed too"
    );

    let again = TcpListener::bind(addr).expect("the port is free again");
    let server = coucou::server::Server::start(again, ServerConfig::default()).unwrap();
    let _bob = Plain::join(addr, "bob");
    drop(server);
    TcpListener::bind(addr).expect("dropping the handle frees the port too");
}

#[test]
fn stats_count_messages_and_deliveries() {
    let server = start_server();
    let mut alice = Plain::join(server.local_addr(), "alice");
    let mut bob = Plain::join(server.local_addr(), "bob");
    alice.expect("bob joined");
    let before = server.stats();
    alice.send("hello");
    bob.expect("alice: hello");
    alice.expect("alice: hello");
    let after = server.stats();
    assert_eq!(after.messages - before.messages, 1);
    assert_eq!(after.deliveries - before.deliveries, 2);
    assert_eq!(after.pending, 0);
}
