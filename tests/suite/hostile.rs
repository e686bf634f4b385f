//! A hostile machine on the LAN, over real TCP on 127.0.0.0/8: sockets that never give a name,
//! names that trickle in a byte at a time, forged server notices, rename floods, the seed's C client
//! after `/nick`, look-alike and invisible names and text. Other loopback addresses (127.0.0.2, …)
//! stand for other machines.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{Json, PATIENCE, Plain, c_client, start_server, start_server_with};
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg};
use coucou::server::{FloodLimit, ServerConfig};

fn loopback(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

/// One attacking socket, read without blocking.
struct Attacker {
    stream: TcpStream,
    opened: Instant,
    /// Sends a byte a second instead of staying silent.
    drip: bool,
    /// What the server said to it.
    heard: Vec<u8>,
}

/// How an attacking socket ended.
#[derive(Debug)]
struct Ended {
    drip: bool,
    lived: Duration,
    heard: String,
}

/// Keeps `drips` one-byte-a-second sockets and `idle` silent ones open from each address in
/// `from`, reopening each as soon as the server closes it (at most 10 per 20 ms tick, drips first,
/// so the storm stays bounded), until `stop` is set; returns how each closed socket ended. Returns
/// once the attack has gone round all its sockets once; `closed` counts the sockets the server
/// closed so far.
fn attack(
    server: SocketAddr,
    from: Vec<IpAddr>,
    idle: usize,
    drips: usize,
    stop: Arc<AtomicBool>,
) -> (thread::JoinHandle<Vec<Ended>>, Arc<AtomicUsize>) {
    let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
    let closed = Arc::new(AtomicUsize::new(0));
    let closed_count = Arc::clone(&closed);
    let handle = thread::Builder::new()
        .name("test-attacker".into())
        .spawn(move || {
            let open = |ip: IpAddr, drip: bool| {
                let stream = crate::common::connect_from(server, ip);
                stream.set_nonblocking(true).expect("a non-blocking socket");
                Attacker {
                    stream,
                    opened: Instant::now(),
                    drip,
                    heard: Vec::new(),
                }
            };
            let mut sockets: Vec<(IpAddr, Attacker)> = Vec::new();
            for &ip in &from {
                for i in 0..idle + drips {
                    sockets.push((ip, open(ip, i < drips)));
                }
            }
            let mut ended = Vec::new();
            let mut last_drip = Instant::now();
            let reopen_per_tick = 10;
            while !stop.load(Ordering::SeqCst) {
                let drip_now = last_drip.elapsed() >= Duration::from_secs(1);
                if drip_now {
                    last_drip = Instant::now();
                }
                let mut reopened = 0;
                for (ip, socket) in &mut sockets {
                    let mut buf = [0; 512];
                    let closed = loop {
                        match socket.stream.read(&mut buf) {
                            Ok(0) => break true,
                            Ok(n) => socket.heard.extend_from_slice(&buf[..n]),
                            Err(err) if err.kind() == ErrorKind::WouldBlock => break false,
                            Err(_) => break true,
                        }
                    };
                    if closed {
                        if reopened == reopen_per_tick {
                            continue;
                        }
                        reopened += 1;
                        let fresh = open(*ip, socket.drip);
                        let old = std::mem::replace(socket, fresh);
                        closed_count.fetch_add(1, Ordering::SeqCst);
                        ended.push(Ended {
                            drip: old.drip,
                            lived: old.opened.elapsed(),
                            heard: String::from_utf8_lossy(&old.heard).into_owned(),
                        });
                    } else if socket.drip && drip_now {
                        socket.stream.write_all(b"x").ok();
                    }
                }
                ready_tx.try_send(()).ok();
                // Paces the attack (a load generator's tick), not a wait for the server.
                thread::sleep(Duration::from_millis(20));
            }
            ended
        })
        .expect("a thread");
    ready_rx.recv_timeout(PATIENCE).expect("the attack started");
    (handle, closed)
}

/// Joins from `from` as `name` and leaves again; returns how long the join took.
fn join_and_leave(server: SocketAddr, from: IpAddr, name: &str) -> Duration {
    let start = Instant::now();
    let mut client = Plain::connect_from(server, from);
    client.send(name);
    client.expect(&format!("*** {name} joined the room"));
    let took = start.elapsed();
    client.send("exit");
    client.expect_closed();
    took
}

#[test]
fn idle_and_dripping_sockets_from_one_machine_never_lock_out_a_real_join() {
    let timeout = Duration::from_secs(3);
    let server = start_server_with(ServerConfig {
        handshake_timeout: timeout,
        flood: None,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let stop = Arc::new(AtomicBool::new(false));
    let (attacker, _) = attack(addr, vec![loopback(1)], 200, 50, Arc::clone(&stop));

    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut joins = 0;
    // Four handshake deadlines: every drip let in meets its deadline several times over.
    while start.elapsed() < timeout * 4 {
        let took = join_and_leave(addr, loopback(2), &format!("real{joins}"));
        slowest = slowest.max(took);
        assert!(
            took < Duration::from_secs(1),
            "join {joins} took {took:?} under attack"
        );
        joins += 1;
        // One join every 200 ms: a person, not a script.
        thread::sleep(Duration::from_millis(200));
    }
    stop.store(true, Ordering::SeqCst);
    let ended = attacker.join().unwrap();

    // Drips that were let in were closed at the deadline, trickle or not.
    let timed_out: Vec<&Ended> = ended
        .iter()
        .filter(|e| e.drip && e.heard.contains("no name received"))
        .collect();
    assert!(
        timed_out.len() >= 4,
        "expected drips to be let in and timed out, got {} of {}",
        timed_out.len(),
        ended.len()
    );
    for e in &timed_out {
        assert!(
            e.lived + Duration::from_secs(1) >= timeout
                && e.lived <= timeout + Duration::from_secs(1),
            "a drip lived {:?} with a handshake deadline of {timeout:?}",
            e.lived
        );
    }
    // The rest were turned away at once, with the reason.
    assert!(
        ended
            .iter()
            .any(|e| e.heard.contains("too many connections from your address"))
    );
    eprintln!(
        "{joins} joins under attack, slowest {slowest:?}; {} attacking sockets ended, {} drips timed out",
        ended.len(),
        timed_out.len()
    );
}

#[test]
fn a_full_waiting_line_gives_way_to_a_newcomer_from_another_machine() {
    let server = start_server_with(ServerConfig {
        max_pending: 8,
        max_pending_per_address: 4,
        handshake_timeout: Duration::from_secs(60),
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    // Eight addresses each try to keep four silent sockets waiting: far more than the line holds.
    let stop = Arc::new(AtomicBool::new(false));
    let attackers: Vec<IpAddr> = (10..18).map(loopback).collect();
    let (attacker, closed) = attack(addr, attackers, 4, 0, Arc::clone(&stop));
    // Join again and again while the attack churns, until it has lost sockets to evictions.
    let deadline = Instant::now() + PATIENCE;
    let mut joins = 0;
    while joins < 20 || closed.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "no attacking socket was ever closed"
        );
        let took = join_and_leave(addr, loopback(2), &format!("real{joins}"));
        assert!(took < Duration::from_secs(1), "join {joins} took {took:?}");
        joins += 1;
    }
    stop.store(true, Ordering::SeqCst);
    let ended = attacker.join().unwrap();
    assert!(
        ended
            .iter()
            .any(|e| e.heard.contains("yours waited longest")),
        "no waiting connection gave way: {:?}",
        ended.iter().take(5).collect::<Vec<_>>()
    );
}

#[test]
fn a_name_dripped_a_byte_at_a_time_is_cut_off_at_the_deadline() {
    let timeout = Duration::from_secs(2);
    let server = start_server_with(ServerConfig {
        handshake_timeout: timeout,
        ..ServerConfig::default()
    });
    let mut drip = Plain::connect(server.local_addr());
    let start = Instant::now();
    let mut stream = drip.stream().try_clone().unwrap();
    let writer = thread::Builder::new()
        .name("test-drip".into())
        .spawn(move || {
            // One byte every 100 ms, never a newline, for up to 10 s.
            for _ in 0..100 {
                if stream.write_all(b"a").is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(100));
            }
        })
        .expect("a thread");
    let lines = drip.expect_closed();
    let lived = start.elapsed();
    assert_eq!(lines, ["! no name received within 2 s; closing"]);
    assert!(
        lived >= timeout - Duration::from_millis(100) && lived <= timeout + Duration::from_secs(1),
        "closed after {lived:?}"
    );
    writer.join().unwrap();
}

#[test]
fn user_lines_never_read_as_server_notices() {
    let server = start_server();
    let addr = server.local_addr();
    let mut watcher = Plain::join(addr, "watcher");
    let mut the = Plain::join(addr, "The");
    let mut carol = Plain::join(addr, "carol");
    // One at a time: lines from two sessions may reach the watcher in either order.
    the.send("/me server is stopping. Goodbye!");
    let first = watcher.expect("server is stopping");
    carol.send("/me left the room");
    let second = watcher.expect("carol left the room");
    carol.send("*** carol left the room");
    let forged = [first, second, watcher.expect("carol: ***")];
    assert_eq!(
        forged,
        [
            "* The server is stopping. Goodbye!",
            "* carol left the room",
            "carol: *** carol left the room",
        ]
    );
    // The real notices, for comparison.
    carol.send("exit");
    let real_leave = watcher.expect("carol left");
    drop(the);
    drop(carol);
    server.stop();
    let mut real = watcher.expect_closed();
    real.push(real_leave.clone());
    assert_eq!(real_leave, "*** carol left the room");
    assert!(real.contains(&"*** The server is stopping. Goodbye!".to_owned()));
    for line in &forged {
        assert!(!line.starts_with("*** "), "{line}");
        assert!(
            !real.contains(line),
            "{line} is byte-identical to a server notice"
        );
    }
}

#[test]
fn a_thousand_renames_are_cut_to_the_burst() {
    let server = start_server_with(ServerConfig {
        flood: None,
        rename_flood: Some(FloodLimit::RENAMES),
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let mut watcher = Plain::join(addr, "watcher");
    let mut alice = Plain::join(addr, "alice");
    let burst: String = (0..1000).map(|i| format!("/nick alice{i}\n")).collect();
    alice.send_raw(burst.as_bytes());
    alice.send("the end");
    let mut renames = 0;
    loop {
        let line = watcher.line();
        if line.ends_with(": the end") {
            break;
        }
        if line.contains("is now known as") {
            renames += 1;
        }
    }
    assert_eq!(renames, FloodLimit::RENAMES.burst);
    let refused = alice.expect("renaming too fast");
    assert!(
        refused.starts_with("! you are renaming too fast"),
        "{refused}"
    );
}

#[test]
fn every_command_is_under_the_flood_limit_but_leaving() {
    let server = start_server_with(ServerConfig {
        flood: Some(FloodLimit {
            burst: 5,
            per_second: 0.01,
        }),
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let mut bob = Plain::join(addr, "bob");
    let mut alice = Plain::join(addr, "alice");
    bob.expect("alice joined");
    let lines: String = (0..20)
        .map(|i| match i % 4 {
            0 => "/who\n".to_owned(),
            1 => "/help\n".to_owned(),
            2 => format!("/me waves {i}\n"),
            _ => format!("/msg bob psst {i}\n"),
        })
        .collect();
    alice.send_raw(lines.as_bytes());
    alice.send("exit");
    let said = alice.expect_closed();
    let refused = said
        .iter()
        .filter(|l| l.contains("sending too fast"))
        .count();
    assert_eq!(refused, 15, "{said:#?}");
    assert!(
        said.iter().any(|l| l.contains("Au revoir")),
        "exit is never refused"
    );
    // bob saw exactly the two that passed and reach him: `/me waves 2`, `/msg bob psst 3`.
    let bob_saw = bob.lines_until("alice left");
    assert_eq!(
        bob_saw,
        ["* alice waves 2", "[private] alice -> bob: psst 3"],
        "bob saw more than the burst"
    );
}

#[test]
fn the_c_clients_private_lines_stay_private_after_nick_and_with_odd_typed_names() {
    let server = start_server();
    let addr = server.local_addr();
    let mut carol = Plain::join(addr, "carol");
    let mut bob = Plain::join(addr, "bob");
    for (typed, canonical) in [("alice", "alice"), ("dave ", "dave"), ("Zoe\u{308}", "Zoë")] {
        let mut c = c_client(addr, typed);
        carol.expect(&format!("*** {canonical} joined"));
        bob.expect(&format!("*** {canonical} joined"));
        let new = format!("{}2", canonical.to_lowercase());
        c.send(&format!("{typed}: /nick {new}"));
        carol.expect(&format!("is now known as {new}"));
        c.send(&format!("{typed}: /msg bob secret from {typed}"));
        assert_eq!(
            bob.expect("secret"),
            format!("[private] {new} -> bob: secret from {}", typed.trim())
        );
        // A marker after it: carol sees the marker, and nothing of the secret before it.
        c.send(&format!("{typed} : marker"));
        let marker = carol.expect("marker");
        assert_eq!(marker, format!("{new}: marker"));
        assert!(
            !carol.seen().iter().any(|l| l.contains("secret")),
            "{:#?}",
            carol.seen()
        );
        c.send("exit");
        c.expect_closed();
    }
}

#[test]
fn every_name_example_gets_its_outcome() {
    let server = start_server();
    let addr = server.local_addr();
    let (_ibrahim, _) = Json::join(addr, "ibrahim");
    let refused = |name: &str| {
        let mut client = Json::connect(addr);
        client.send(&ClientMsg::Hello {
            version: 1,
            name: name.to_owned(),
            device: None,
        });
        match client.next() {
            ServerMsg::Error { code, .. } => code,
            other => panic!("{name}: expected an error, got {other:?}"),
        }
    };
    for name in ["B0njour", "5erver", "adm1n"] {
        assert_eq!(refused(name), ErrorCode::NameReserved, "{name}");
    }
    for name in ["--", "_."] {
        assert_eq!(refused(name), ErrorCode::NameNoLetter, "{name}");
    }
    assert_eq!(refused("İbrahim"), ErrorCode::NameTaken);
    assert_eq!(refused("IBRAHIM"), ErrorCode::NameTaken);
    for name in [
        "al\u{200b}ice",
        "\u{3164}\u{3164}",
        "al\u{ad}ice",
        "bo\u{e0062}b",
    ] {
        assert!(
            matches!(
                refused(name),
                ErrorCode::NameBadChar | ErrorCode::NameNoLetter
            ),
            "{name:?}"
        );
    }

    // A plain client whose name is taken gets a free variant, and is told which.
    let _alice = Plain::join(addr, "alice");
    let mut second = Plain::connect(addr);
    second.send("alice");
    assert_eq!(second.line(), "*** Welcome to Coucou, alice_2!");
    second.expect("*** The name alice is taken, so you are alice_2 here");
    second.expect("*** alice_2 joined the room");
}

#[test]
fn invisible_characters_of_every_class_are_stripped_from_messages() {
    let server = start_server();
    let addr = server.local_addr();
    let mut bob = Plain::join(addr, "bob");
    let mut alice = Plain::join(addr, "alice");
    bob.expect("alice joined");
    let hidden: String = "hidden"
        .chars()
        .map(|c| char::from_u32(0xe0000 + c as u32).unwrap())
        .collect();
    for (class, dirty) in [
        ("zero-width space", "a\u{200b}b".to_owned()),
        ("soft hyphen", "a\u{ad}b".to_owned()),
        ("word joiner", "a\u{2060}b".to_owned()),
        ("byte order mark", "a\u{feff}b".to_owned()),
        ("Hangul filler", "a\u{3164}b".to_owned()),
        ("tag characters", format!("a{hidden}b")),
        ("bidi override", "a\u{202e}b".to_owned()),
    ] {
        alice.send(&dirty);
        assert_eq!(bob.line(), "alice: ab", "{class}");
    }
    // ZWJ inside an emoji sequence carries meaning and stays.
    let family = "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}";
    alice.send(family);
    assert_eq!(bob.line(), format!("alice: {family}"));
    // Nothing visible left: an error, not silence.
    alice.send("\u{200b}\u{2060}\u{feff}\u{3164}");
    let error = alice.expect("! ");
    assert!(error.contains("shows nothing"), "{error}");
    let (mut json, _) = Json::join(addr, "carol");
    json.send(&ClientMsg::Say {
        text: "\u{2800}\u{200b}".into(),
        cid: None,
    });
    assert!(matches!(
        json.expect(|m| matches!(m, ServerMsg::Error { .. })),
        ServerMsg::Error {
            code: ErrorCode::Empty,
            ..
        }
    ));
}

#[test]
fn a_client_that_connects_and_writes_garbage_costs_only_its_connection() {
    let server = start_server();
    let addr = server.local_addr();
    let mut alice = Plain::join(addr, "alice");
    for garbage in [
        &b"\xff\xfe\xfd\n"[..],
        b"{\"type\":\"hello\",\"version\":1,\"name\":\"\xff\xfe\"}\n",
        b"{\"type\":\"hello\",\"version\":99999999999999999999999,\"name\":\"x\"}\n",
    ] {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.write_all(garbage).ok();
        let mut reply = Vec::new();
        let mut buf = [0; 1024];
        // Read the server's answer: one whole line, or whatever came before it closed.
        while let Ok(n) = stream.read(&mut buf) {
            reply.extend_from_slice(&buf[..n]);
            if n == 0 || reply.contains(&b'\n') {
                break;
            }
        }
        assert!(!reply.is_empty(), "no answer to {garbage:?}");
    }
    alice.send("still here");
    alice.expect("alice: still here");
}

/// The server process's peak resident memory so far (`VmHWM`), in KiB.
#[cfg(target_os = "linux")]
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[test]
#[cfg(target_os = "linux")]
fn a_hundred_wrong_passwords_at_once_from_a_hundred_addresses_cost_under_100_mb() {
    // Each check of a typed password is argon2 with 19 MiB of memory: at once from 100 machines,
    // that was 1.96 GB. The host checks one per processor at a time, in memory it keeps.
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "tournesol\n").unwrap();
    let (mut child, port) = crate::common::spawn_server(&[
        "--password-file",
        password.to_str().unwrap(),
        "--handshake-timeout",
        "120",
        "--no-store",
        "--no-files",
    ]);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let before = peak_kib(child.id());
    let guesses: Vec<_> = (0..100u8)
        .map(|i| {
            thread::Builder::new()
                .name(format!("test-guess-{i}"))
                .spawn(move || {
                    let from = IpAddr::V4(Ipv4Addr::new(127, 0, 1, i + 1));
                    let (mut client, _) = Json::connect_tls_from(addr, from, None).unwrap();
                    // The checks wait their turn: the last answer may take a while on 2 cores.
                    let socket: &TcpStream = client.transport().socket();
                    socket.set_read_timeout(Some(PATIENCE * 6)).unwrap();
                    client.send_raw(format!("guess{i}\nsoleil{i}\n").as_bytes());
                    client.rest()
                })
                .unwrap()
        })
        .collect();
    for guess in guesses {
        let said = guess.join().unwrap();
        assert!(said.contains("wrong password"), "{said}");
    }
    let grown_mib = peak_kib(child.id()).saturating_sub(before) / 1024;
    child.kill().ok();
    child.wait().ok();
    eprintln!("peak RSS grew by {grown_mib} MiB for 100 wrong passwords at once");
    assert!(grown_mib <= 100, "the peak grew by {grown_mib} MiB");
}

#[test]
fn names_tried_without_end_from_one_address_are_cut_off_and_others_join() {
    let server = start_server();
    let addr = server.local_addr();
    let _alice = Json::join(addr, "alice");
    let hello = |name: &str| ClientMsg::Hello {
        version: 1,
        name: name.into(),
        device: None,
    };
    let taken = |said: &[ServerMsg]| {
        said.iter()
            .filter(|m| {
                matches!(
                    m,
                    ServerMsg::Error {
                        code: ErrorCode::NameTaken,
                        ..
                    }
                )
            })
            .count()
    };
    // Another machine tries alice's name as fast as it can: each try takes the room's lock. The
    // tries go in one write: the room may cut the connection while a slower sender still writes.
    let tries = |n: usize| {
        let mut line = serde_json::to_vec(&hello("alice")).expect("a hello");
        line.push(b'\n');
        line.repeat(n)
    };
    let mut bot = Json::connect_from(addr, loopback(7));
    bot.send_raw(&tries(50));
    let said = bot.expect_closed();
    assert!((1..=12).contains(&taken(&said)), "{said:?}");
    assert!(
        matches!(
            said.last(),
            Some(ServerMsg::Error {
                code: ErrorCode::Flood,
                ..
            })
        ),
        "{said:?}"
    );
    // Its next connection finds the address's tries spent: fewer than a fresh ten.
    let mut again = Json::connect_from(addr, loopback(7));
    again.send_raw(&tries(20));
    let said = again.expect_closed();
    assert!(taken(&said) < 10, "{said:?}");
    // Someone at another address joins at once, after retyping a taken name.
    let mut bob = Json::connect_from(addr, loopback(8));
    bob.send(&hello("alice"));
    bob.expect(|m| {
        matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::NameTaken,
                ..
            }
        )
    });
    bob.send(&hello("bob"));
    bob.expect(|m| matches!(m, ServerMsg::Welcome { .. }));
}
