//! Encrypted rooms over real TLS on 127.0.0.1: clear and encrypted people in one room, pinning,
//! the room password against a wrong guess and against a man in the middle, `--require-tls`, and
//! `openssl s_client` joining a password room.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{
    Json, PATIENCE, Plain, app_connect, outcome, restart_at, start_server_with, test_identity,
};
use coucou::client::{ClientEvent, ConnectError, ConnectParams, RoomPassword};
use coucou::identity::{Fingerprint, Identity};
use coucou::protocol::Wire;
use coucou::protocol::password::RoomKey;
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg};
use coucou::server::{Server, ServerConfig};

/// A JSON hello in clear gets `tls_required`, and the connection ends.
fn assert_json_in_clear_is_refused(addr: SocketAddr) {
    let mut json = Json::connect(addr);
    json.send(&ClientMsg::Hello {
        version: 1,
        name: "bob".into(),
        device: None,
    });
    assert!(matches!(
        json.expect_closed().as_slice(),
        [ServerMsg::Error {
            code: ErrorCode::TlsRequired,
            ..
        }]
    ));
}

fn params(addr: SocketAddr, name: &str) -> ConnectParams {
    ConnectParams::new(addr.ip().to_string(), addr.port(), name, Wire::Json)
}

/// A room with `password`, a short delay after a wrong one, and `max_failures` tries per address.
fn password_room(password: &str, max_failures: u32) -> Server {
    start_server_with(ServerConfig {
        password: Some(RoomKey::new(password).expect("test setup")),
        password_delay: Duration::from_millis(10),
        max_password_failures: max_failures,
        ..ServerConfig::default()
    })
}

fn password_server(password: &str) -> Server {
    password_room(password, ServerConfig::default().max_password_failures)
}

#[test]
fn an_encrypted_app_and_a_plain_nc_client_chat_in_one_room() {
    let server = start_server_with(ServerConfig::default());
    let addr = server.local_addr();
    let pin = test_identity().fingerprint();
    let (conn, events) = app_connect(ConnectParams {
        pin: Some(pin),
        ..params(addr, "alice")
    });
    let security = outcome(&events).unwrap();
    assert_eq!(security.fingerprint, Some(pin));
    assert!(!security.verified_by_password);

    let mut bob = Plain::join(addr, "bob");
    conn.send(coucou::protocol::Command::Say("bonjour en clair ?".into()));
    bob.expect("alice: bonjour en clair ?");
    bob.send("non, chiffré pour toi");
    let deadline = Instant::now() + PATIENCE;
    loop {
        match events.recv_deadline(deadline).unwrap() {
            ClientEvent::Message {
                msg: ServerMsg::Message(chat),
                ..
            } if chat.from == "bob" => {
                assert_eq!(chat.text, "non, chiffré pour toi");
                break;
            }
            _ => {}
        }
    }
    // A raw TLS client (as another app would be) sees both too.
    let (mut carol, seen) = Json::connect_tls(addr, Some(pin)).unwrap();
    assert_eq!(seen, pin);
    carol.send(&ClientMsg::Hello {
        version: 1,
        name: "carol".into(),
        device: None,
    });
    let ServerMsg::Welcome { users, .. } = carol.next() else {
        panic!("no welcome over TLS");
    };
    assert_eq!(users, ["alice", "bob", "carol"]);
}

/// A TLS listener with the test servers' certificate that records every byte of application
/// data its one client sends, until the client goes (or the patience runs out).
fn recording_tls_listener() -> (SocketAddr, thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("test setup");
    let addr = listener.local_addr().expect("test setup");
    let recorder = thread::Builder::new()
        .name("test-recorder".into())
        .spawn(move || {
            let (tcp, _) = listener.accept().expect("the app connects");
            tcp.set_read_timeout(Some(PATIENCE)).expect("a time-out");
            let conn =
                rustls::ServerConnection::new(crate::common::test_tls()).expect("test setup");
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut got = Vec::new();
            // However the app goes (close_notify, or the socket closed), what came is kept.
            let _ = tls.read_to_end(&mut got);
            got
        })
        .expect("a thread");
    (addr, recorder)
}

#[test]
fn first_contact_asks_before_sending_any_application_byte_and_a_pinned_host_goes_straight_in() {
    let (addr, recorder) = recording_tls_listener();
    let (conn, events) = app_connect(params(addr, "alice"));
    let Err(ConnectError::Untrusted { fingerprint }) = outcome(&events) else {
        panic!("first contact must ask");
    };
    assert_eq!(fingerprint, test_identity().fingerprint());
    drop(conn);
    let sent = recorder.join().expect("the recorder");
    assert!(
        sent.is_empty(),
        "nothing, not even the hello, before the person trusts the room: {:?}",
        String::from_utf8_lossy(&sent)
    );

    let server = start_server_with(ServerConfig::default());
    let (_conn, events) = app_connect(ConnectParams {
        pin: Some(fingerprint),
        ..params(server.local_addr(), "alice")
    });
    assert!(outcome(&events).is_ok());
    assert_eq!(server.stats().people, 1, "a pinned host goes straight in");
}

#[test]
fn another_certificate_on_the_same_port_is_refused_as_a_changed_identity() {
    let server = start_server_with(ServerConfig::default());
    let addr = server.local_addr();
    let pin = test_identity().fingerprint();
    server.stop();
    let impostor = Identity::generate().unwrap();
    let _impostor = restart_at(
        addr,
        ServerConfig {
            tls: Some(coucou::tls::server_config(&impostor).unwrap()),
            ..ServerConfig::default()
        },
    );
    let (_conn, events) = app_connect(ConnectParams {
        pin: Some(pin),
        ..params(addr, "alice")
    });
    match outcome(&events) {
        Err(ConnectError::PinMismatch { pinned, presented }) => {
            assert_eq!(pinned, pin);
            assert_eq!(presented, Some(impostor.fingerprint()));
        }
        other => panic!("expected the mismatch, got {other:?}"),
    }
    assert_eq!(_impostor.stats().people, 0, "the name never reached it");
}

#[test]
fn the_right_password_verifies_the_host_and_a_wrong_one_is_refused_then_limited() {
    let server = password_room("tournesol", 2);
    let addr = server.local_addr();
    let found_nearby = |password: &str, name: &str| ConnectParams {
        password: Some(RoomPassword::Typed(password.to_owned())),
        trust_if_verified: true,
        ..params(addr, name)
    };
    // Found on the network, no pin: the password alone lets it in, and verifies the host.
    let (_alice, events) = app_connect(found_nearby("tournesol", "alice"));
    let security = outcome(&events).unwrap();
    assert!(security.verified_by_password);
    assert_eq!(security.fingerprint, Some(test_identity().fingerprint()));

    for _ in 0..2 {
        let (_conn, events) = app_connect(found_nearby("Tournesol", "mallory"));
        match outcome(&events) {
            Err(ConnectError::Refused {
                code: ErrorCode::WrongPassword,
                ..
            }) => {}
            other => panic!("expected a wrong password, got {other:?}"),
        }
    }
    // Out of tries from this address: even the right password is turned away for now.
    let (_conn, events) = app_connect(found_nearby("tournesol", "mallory"));
    match outcome(&events) {
        Err(ConnectError::Refused {
            code: ErrorCode::TooManyAttempts,
            message,
        }) => assert!(message.contains("try again in"), "{message}"),
        other => panic!("expected the limit, got {other:?}"),
    }
    // No password at all: asked for, nothing sent.
    let (_conn, events) = app_connect(ConnectParams {
        pin: Some(test_identity().fingerprint()),
        ..params(addr, "nopass")
    });
    assert!(matches!(
        outcome(&events),
        Err(ConnectError::PasswordNeeded | ConnectError::Refused { .. })
    ));
    assert_eq!(server.stats().people, 1, "only alice got in");
}

#[test]
fn a_password_room_turns_away_clear_connections_with_a_clear_line() {
    let server = password_server("tournesol");
    let addr = server.local_addr();
    let mut plain = Plain::connect(addr);
    plain.send("bob");
    let lines = plain.expect_closed();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("! this room has a password"),
        "{lines:?}"
    );
    assert_json_in_clear_is_refused(addr);
}

/// A man in the middle on 127.0.0.1: it terminates TLS with its own certificate and opens its own
/// TLS connection to the real server, relaying the plaintext both ways. Returns its address.
fn tls_terminating_proxy(target: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("test setup");
    let addr = listener.local_addr().expect("test setup");
    let own = Identity::generate().expect("test setup");
    let config = coucou::tls::server_config(&own).expect("test setup");
    thread::Builder::new()
        .name("test-mitm".into())
        .spawn(move || {
            for victim in listener.incoming() {
                let Ok(victim) = victim else { continue };
                let victim = coucou::connection::SharedSocket::new(victim);
                let mut front = rustls::Connection::Server(
                    rustls::ServerConnection::new(Arc::clone(&config)).expect("test setup"),
                );
                if coucou::tls::handshake(&mut front, &victim, Instant::now() + PATIENCE).is_err() {
                    continue;
                }
                let front = coucou::tls::Transport::tls(victim, front);
                let Ok((server, _)) = Json::connect_tls(target, None) else {
                    continue;
                };
                let back = server.transport().clone();
                for (from, to) in [(front.clone(), back.clone()), (back, front)] {
                    thread::Builder::new()
                        .name("test-mitm-relay".into())
                        .spawn(move || {
                            let mut from = from;
                            let mut buf = [0u8; 4096];
                            while let Ok(n) = from.read(&mut buf) {
                                if n == 0 || to.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                            to.shutdown();
                        })
                        .expect("a thread");
                }
            }
        })
        .expect("a thread");
    addr
}

#[test]
fn a_tls_terminating_man_in_the_middle_is_caught_by_the_password_even_without_a_pin() {
    let server = password_server("tournesol");
    let proxy = tls_terminating_proxy(server.local_addr());
    // Through the proxy, as if it had answered to the room's address: found nearby, no pin, the
    // right password. The password exchange fails on both sides: the proxy's two TLS sessions
    // have different keys, and it can't make a proof for either without the password.
    let (_conn, events) = app_connect(ConnectParams {
        password: Some(RoomPassword::Typed("tournesol".to_owned())),
        trust_if_verified: true,
        ..params(proxy, "alice")
    });
    match outcome(&events) {
        Err(
            ConnectError::PasswordNotProved
            | ConnectError::Refused {
                code: ErrorCode::WrongPassword,
                ..
            },
        ) => {}
        other => panic!("the man in the middle went unnoticed: {other:?}"),
    }
    assert_eq!(server.stats().people, 0);
    // The same client straight to the room gets in: it was the middle, not the password.
    let (_conn, events) = app_connect(ConnectParams {
        password: Some(RoomPassword::Typed("tournesol".to_owned())),
        trust_if_verified: true,
        ..params(server.local_addr(), "alice")
    });
    assert!(outcome(&events).unwrap().verified_by_password);
}

#[test]
fn require_tls_refuses_plain_and_json_in_clear_and_lets_tls_in() {
    let server = start_server_with(ServerConfig {
        require_tls: true,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let mut plain = Plain::connect(addr);
    plain.send("bob");
    let lines = plain.expect_closed();
    assert_eq!(
        lines,
        [
            "! this room accepts only encrypted connections: use the Coucou app, or `openssl \
          s_client -quiet -connect HOST:PORT`"
        ]
    );
    assert_json_in_clear_is_refused(addr);
    let (mut tls, _) = Json::connect_tls(addr, Some(test_identity().fingerprint())).unwrap();
    tls.send(&ClientMsg::Hello {
        version: 1,
        name: "bob".into(),
        device: None,
    });
    assert!(matches!(tls.next(), ServerMsg::Welcome { .. }));
}

#[cfg(feature = "openssl-tests")]
#[test]
fn openssl_s_client_joins_a_password_room_and_sees_the_chat() {
    let server = password_server("tournesol");
    let addr = server.local_addr();
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new("openssl")
        .args(["s_client", "-quiet", "-connect"])
        .arg(addr.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl (Debian's, installed by .ci/run) runs");
    let mut stdin = child.stdin.take().unwrap();
    let (lines_tx, lines) = crossbeam_channel::unbounded();
    let stdout = child.stdout.take().unwrap();
    thread::Builder::new()
        .name("test-openssl-out".into())
        .spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        })
        .unwrap();
    let expect = |needle: &str| {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let line = lines
                .recv_deadline(deadline)
                .unwrap_or_else(|_| panic!("openssl never showed {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    };
    stdin.write_all(b"carol\n").unwrap();
    expect("*** This room has a password: type it on the next line.");
    stdin.write_all(b"tournesol\n").unwrap();
    expect("*** Password accepted.");
    expect("*** carol joined the room");
    let (_alice, events) = app_connect(ConnectParams {
        password: Some(RoomPassword::Typed("tournesol".to_owned())),
        pin: Some(test_identity().fingerprint()),
        ..params(addr, "alice")
    });
    assert!(outcome(&events).unwrap().verified_by_password);
    expect("*** alice joined the room");
    stdin.write_all(b"bonjour alice\n").unwrap();
    expect("carol: bonjour alice");
    drop(stdin);
    child.kill().ok();
    child.wait().ok();
}

/// The first bytes of a connection, cut into `chunks`, sent slowly or not.
fn send_in_chunks(addr: SocketAddr, bytes: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).expect("test setup");
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .expect("a read timeout");
    let mut at = 0;
    for &cut in cuts {
        let end = (at + cut).min(bytes.len());
        stream.write_all(&bytes[at..end]).ok();
        at = end;
    }
    stream.write_all(&bytes[at..]).ok();
    stream.shutdown(std::net::Shutdown::Write).ok();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).ok();
    reply
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

    /// Whatever the first bytes and however they are cut, the server reads the right dialect
    /// (TLS by its first byte, JSON by `{`, else plain), answers in it, and stays up.
    #[test]
    fn any_first_bytes_in_any_chunks_get_the_right_dialect(
        first in proptest::prelude::any::<u8>(),
        rest in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        cuts in proptest::collection::vec(1usize..8, 0..6),
    ) {
        static SERVER: std::sync::OnceLock<Server> = std::sync::OnceLock::new();
        let server = SERVER.get_or_init(|| start_server_with(ServerConfig {
            handshake_timeout: Duration::from_secs(2),
            max_pending_per_address: 1000,
            ..ServerConfig::default()
        }));
        let addr = server.local_addr();
        let mut bytes = vec![first];
        bytes.extend(rest);
        bytes.push(b'\n');
        let reply = send_in_chunks(addr, &bytes, &cuts);
        // The first line that is not empty (lines end at a newline or a NUL) decides the dialect.
        let first_line = bytes
            .split(|b| *b == b'\n' || *b == 0)
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .find(|line| !line.is_empty());
        if first == coucou::tls::TLS_FIRST_BYTE {
            // A TLS hello that isn't one: no plaintext answer, only the TLS layer's alert if any.
            proptest::prop_assert!(reply.is_empty() || reply[0] == 0x15 || reply[0] == 0x16, "{reply:?}");
        } else if first_line.is_none() {
            // Only empty lines, then the end: nothing to answer.
            proptest::prop_assert!(reply.is_empty() || reply.starts_with(b"! "), "{reply:?}");
        } else if first_line.map(coucou::protocol::detect_dialect) == Some(coucou::protocol::Dialect::Json) {
            proptest::prop_assert!(reply.starts_with(b"{"), "{:?}", String::from_utf8_lossy(&reply));
        } else {
            proptest::prop_assert!(
                reply.starts_with(b"! ") || reply.starts_with(b"*** "),
                "{:?}", String::from_utf8_lossy(&reply)
            );
        }
        // Still serving.
        let mut probe = Plain::connect(addr);
        probe.send("/who");
        proptest::prop_assert!(probe.line().starts_with("! "));
    }
}

#[test]
fn the_room_code_is_the_same_from_the_cli_and_the_identity_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::common::coucou()
        .args(["fingerprint", "--identity"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let identity = Identity::load(dir.path()).unwrap();
    let fp: Fingerprint = identity.fingerprint();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [fp.code(), format!("sha256:{}", fp.to_hex())]
    );
    // The server started on that folder shows the same code and speaks TLS with it.
    let (mut child, port) = crate::common::spawn_server_from({
        let mut command = crate::common::coucou();
        command
            .args(["server", "--bind", "127.0.0.1", "--port", "0", "--identity"])
            .arg(dir.path())
            .stderr(Stdio::null());
        command
    });
    let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    let (_client, seen) = Json::connect_tls(addr, Some(fp)).unwrap();
    assert_eq!(seen, fp);
    child.kill().ok();
    child.wait().ok();
}

#[test]
fn a_tls_hello_dripped_a_byte_at_a_time_is_cut_off_at_the_deadline() {
    let timeout = Duration::from_secs(2);
    let server = start_server_with(ServerConfig {
        handshake_timeout: timeout,
        ..ServerConfig::default()
    });
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let start = Instant::now();
    let dripper = thread::Builder::new()
        .name("test-tls-drip".into())
        .spawn(move || {
            // A handshake record announcing 512 bytes, then one byte every 100 ms.
            if writer.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00]).is_err() {
                return;
            }
            for _ in 0..100 {
                if writer.write_all(&[0x01]).is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(100));
            }
        })
        .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).ok();
    let lived = start.elapsed();
    assert!(
        lived >= timeout - Duration::from_millis(100) && lived <= timeout + Duration::from_secs(1),
        "closed after {lived:?}"
    );
    assert!(
        !reply.starts_with(b"!") && !reply.starts_with(b"{"),
        "no clear text to a TLS client: {reply:?}"
    );
    dripper.join().unwrap();
    // The room is fine.
    Plain::join(server.local_addr(), "after");
}

#[test]
fn malformed_password_answers_cost_only_that_connection() {
    let server = password_room("tournesol", 1000);
    let addr = server.local_addr();
    let pin = Some(test_identity().fingerprint());
    let long = format!(
        "{{\"type\":\"password\",\"msg\":\"{}\",\"proof\":\"00\"}}\n",
        "ab".repeat(50_000)
    );
    let answers: [&[u8]; 7] = [
        b"{\"type\":\"password\",\"msg\":\"zz\",\"proof\":\"zz\"}\n",
        b"{\"type\":\"password\",\"msg\":\"00\",\"proof\":\"00\"}\n",
        b"{\"type\":\"password\",\"msg\":\"\",\"proof\":\"\"}\n",
        b"{\"type\":\"say\",\"text\":\"let me in\"}\n",
        b"{\"type\":\"password\"}\n",
        b"\xff\xfe not even json\n",
        long.as_bytes(),
    ];
    for answer in answers {
        let (mut client, _) = Json::connect_tls(addr, pin).unwrap();
        client.send(&ClientMsg::Hello {
            version: 1,
            name: "mallory".into(),
            device: None,
        });
        assert!(matches!(client.next(), ServerMsg::Password { .. }));
        client.send_raw(answer);
        let rest = client.expect_closed();
        assert!(
            matches!(
                rest.as_slice(),
                [] | [ServerMsg::Error {
                    code: ErrorCode::WrongPassword,
                    ..
                }]
            ),
            "{:?} → {rest:?}",
            String::from_utf8_lossy(&answer[..answer.len().min(60)])
        );
    }
    assert_eq!(server.stats().people, 0);
    let (_alice, events) = app_connect(ConnectParams {
        password: Some(RoomPassword::Typed("tournesol".to_owned())),
        pin,
        ..params(addr, "alice")
    });
    assert!(outcome(&events).unwrap().verified_by_password);
}

#[test]
fn a_welcome_larger_than_tls_buffers_arrives_whole() {
    let server = crate::common::start_server();
    let addr = server.local_addr();
    let mut bob = Plain::join(addr, "bob");
    let text = "é".repeat(900);
    for i in 0..100 {
        bob.send(&format!("{i} {text}"));
        bob.expect(&format!("bob: {i} "));
    }
    let (mut alice, _) = Json::connect_tls(addr, Some(test_identity().fingerprint())).unwrap();
    alice.send(&ClientMsg::Hello {
        version: 1,
        name: "alice".into(),
        device: None,
    });
    let ServerMsg::Welcome { history, .. } = alice.next() else {
        panic!("no welcome");
    };
    assert_eq!(
        history.len(),
        100,
        "about 180 KiB of history in one message"
    );
    assert!(matches!(&history[99], ServerMsg::Message(chat) if chat.text == format!("99 {text}")));
}

#[test]
fn a_room_without_a_password_is_not_trusted_on_the_promise_of_one() {
    // Found nearby, a password typed, no pin: but this room never asks for the password, so
    // nothing verified it. The app must ask the person, not pin it.
    let server = start_server_with(ServerConfig::default());
    let (_conn, events) = app_connect(ConnectParams {
        password: Some(RoomPassword::Typed("tournesol".to_owned())),
        trust_if_verified: true,
        ..params(server.local_addr(), "alice")
    });
    match outcome(&events) {
        Err(ConnectError::Untrusted { fingerprint }) => {
            assert_eq!(fingerprint, test_identity().fingerprint());
        }
        other => panic!("trusted without verification: {other:?}"),
    }
}

#[test]
fn a_password_too_long_or_too_late_from_a_terminal_gets_one_clear_line() {
    // Over TLS, as `openssl s_client` would: the raw plain dialect inside TLS.
    let server = start_server_with(ServerConfig {
        password: Some(RoomKey::new("tournesol").unwrap()),
        password_delay: Duration::from_millis(10),
        handshake_timeout: Duration::from_secs(2),
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let pin = Some(test_identity().fingerprint());
    let (mut long, _) = Json::connect_tls(addr, pin).unwrap();
    long.send_raw(b"carol\n");
    long.send_raw(&[b'x'; 5000]);
    long.send_raw(b"\n");
    let said = long.rest();
    assert!(said.contains("*** This room has a password"), "{said}");
    assert!(
        said.trim_end().ends_with(
            "! wrong password (or someone is in the middle of your connection); closing"
        ),
        "{said}"
    );

    let (mut late, _) = Json::connect_tls(addr, pin).unwrap();
    late.send_raw(b"dave\n");
    let said = late.rest();
    assert!(
        said.trim_end()
            .ends_with("! no password received within 2 s of connecting; closing"),
        "{said}"
    );
}

#[test]
fn password_tries_made_at_once_count_as_tries_made_one_after_another() {
    // Five tries per address. Twelve terminals from one address give their names before any of
    // them answers: five are asked the password, seven are told to wait at once. (The waiting
    // line takes them all: this is about tries, not about connections waiting.)
    let server = start_server_with(ServerConfig {
        password: Some(RoomKey::new("tournesol").unwrap()),
        password_delay: Duration::from_millis(10),
        max_password_failures: 5,
        max_pending_per_address: 20,
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let pin = Some(test_identity().fingerprint());
    // A terminal gives its name; Some(client) if it was asked the password, None if told to wait.
    let knock = |name: &str| {
        let (mut client, _) = Json::connect_tls(addr, pin).unwrap();
        client.send_raw(format!("{name}\n").as_bytes());
        let mut first = String::new();
        let mut byte = [0u8; 1];
        let mut transport = client.transport().clone();
        while transport.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            first.push(char::from(byte[0]));
        }
        if first.contains("password") && !first.starts_with('!') {
            Some(client)
        } else {
            assert!(first.contains("too many"), "{first}");
            None
        }
    };
    let knocks: Vec<_> = (0..12).map(|i| knock(&format!("guess{i}"))).collect();
    let mut asked: Vec<_> = knocks.into_iter().flatten().collect();
    assert_eq!(asked.len(), 5);
    // An unanswered try is given back once the host has seen the connection end (asked again
    // until then: a refusal costs no try).
    drop(asked.pop());
    let deadline = Instant::now() + PATIENCE;
    let mut again = loop {
        if let Some(client) = knock("again") {
            break client;
        }
        assert!(
            Instant::now() < deadline,
            "the unanswered try never came back"
        );
    };
    again.send_raw(b"soleil\n");
    assert!(again.rest().contains("wrong password"));
    for mut client in asked {
        client.send_raw(b"soleil\n");
        assert!(client.rest().contains("wrong password"));
    }
    let (mut late, _) = Json::connect_tls(addr, pin).unwrap();
    late.send_raw(b"late\n");
    assert!(late.rest().contains("too many"), "all five tries spent");
}
