//! Files through the host, over real TCP on 127.0.0.1 with real files in temp folders: an offer in
//! the chat, the bytes on connections of their own (upload once, download by each), resumed after
//! a cut, checked by SHA-256; private offers, hostile names, limits, quota, and bad bytes.

use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::common::{Json, PATIENCE, Plain, Proxy};
use coucou::digest::sha256_hex;
use coucou::protocol::message::FileOffer;
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg};
use coucou::server::{FilesConfig, Server, ServerConfig};

/// `n` bytes that look random and are the same every run for the same `seed`.
fn bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The code of an error, if `msg` is one.
fn code_of(msg: &ServerMsg) -> Option<ErrorCode> {
    match msg {
        ServerMsg::Error { code, .. } => Some(*code),
        _ => None,
    }
}

/// A refusal: its code and its words.
type Refused = (ErrorCode, String);

fn sha(data: &[u8]) -> String {
    sha256_hex(&mut &data[..]).expect("a hash")
}

/// A server that takes files into a temp folder, with these limits.
fn server_with_files(max_file: u64, quota: u64) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = crate::common::start_server_with(ServerConfig {
        files: Some(FilesConfig {
            dir: dir.path().join("files"),
            max_file_bytes: max_file,
            quota_bytes: quota,
            expiry: Duration::from_secs(3600),
        }),
        flood: None,
        ..ServerConfig::default()
    });
    (dir, server)
}

/// Offers `data` as `name` (to `to`, or the room): the token to upload with, or the refusal.
fn offer(
    client: &mut Json,
    name: &str,
    data: &[u8],
    to: Option<&str>,
) -> Result<(u64, String), Refused> {
    client.send(&crate::common::offer_of(name, data, to));
    match client.expect(|m| matches!(m, ServerMsg::Ready { .. } | ServerMsg::Error { .. })) {
        ServerMsg::Ready { file, token, .. } => Ok((file, token)),
        ServerMsg::Error { code, message, .. } => Err((code, message)),
        other => panic!("{other:?}"),
    }
}

use crate::common::{file_connection as open, file_line as read_line, upload_file as upload};

/// Downloads from `offset` through `addr`: the host's header and every byte that came.
fn download(addr: SocketAddr, token: &str, offset: u64) -> (ServerMsg, Vec<u8>) {
    let (mut reader, answer) = open(
        addr,
        &ClientMsg::Download {
            token: token.into(),
            offset,
        },
    );
    let mut data = Vec::new();
    if matches!(answer, ServerMsg::Transfer { .. }) {
        // A cut connection ends the bytes early; what came is kept.
        reader.read_to_end(&mut data).ok();
    }
    (answer, data)
}

fn ticket(client: &mut Json, file: u64) -> Result<String, Refused> {
    client.send(&ClientMsg::Fetch { file, label: None });
    match client.expect(|m| matches!(m, ServerMsg::Ticket { .. } | ServerMsg::Error { .. })) {
        ServerMsg::Ticket { token, .. } => Ok(token),
        ServerMsg::Error { code, message, .. } => Err((code, message)),
        other => panic!("{other:?}"),
    }
}

fn offered(client: &mut Json) -> FileOffer {
    match client.expect(|m| matches!(m, ServerMsg::File(_))) {
        ServerMsg::File(offer) => offer,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_50_mb_file_offered_to_the_room_reaches_two_people_byte_for_byte() {
    let (_dir, server) = server_with_files(100_000_000, 1_000_000_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join(addr, "bob");
    let (mut carol, _) = Json::join(addr, "carol");
    let mut dan = Plain::join(addr, "dan");
    let data = bytes(50 * 1024 * 1024, 7);

    let (file, token) = offer(&mut alice, "vacances.tar", &data, None).expect("accepted");
    assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });
    for person in [&mut alice, &mut bob, &mut carol] {
        let offer = offered(person);
        assert_eq!(
            (
                offer.file,
                offer.from.as_str(),
                offer.name.as_str(),
                offer.size
            ),
            (file, "alice", "vacances.tar", data.len() as u64)
        );
        assert_eq!(offer.sha256, sha(&data));
    }
    dan.expect(
        "*** alice offers vacances.tar (52.4 MB) to the room; the Coucou app can download it.",
    );

    for person in [&mut bob, &mut carol] {
        let token = ticket(person, file).expect("a ticket");
        let (head, got) = download(addr, &token, 0);
        assert_eq!(
            head,
            ServerMsg::Transfer {
                file,
                offset: 0,
                size: data.len() as u64
            }
        );
        assert_eq!(sha(&got), sha(&data));
        assert!(got == data, "byte for byte");
    }

    // Someone who joins later sees the offer in the welcome's history and can fetch it.
    let (mut erin, welcome) = Json::join(addr, "erin");
    let ServerMsg::Welcome { history, .. } = welcome else {
        panic!("{welcome:?}")
    };
    assert!(
        history
            .iter()
            .any(|m| matches!(m, ServerMsg::File(o) if o.file == file))
    );
    assert!(ticket(&mut erin, file).is_ok());
    // And pages bring it back to whoever scrolls up to it.
    erin.send(&ClientMsg::History {
        before: None,
        limit: None,
        label: None,
    });
    let page = erin.expect(|m| matches!(m, ServerMsg::History { .. }));
    assert!(
        matches!(&page, ServerMsg::History { messages, .. }
            if messages.iter().any(|m| matches!(m, ServerMsg::File(o) if o.file == file))),
        "{page:?}"
    );
}

#[test]
fn a_download_cut_at_a_random_point_resumes_from_the_last_byte_and_ends_identical() {
    let (_dir, server) = server_with_files(100_000_000, 1_000_000_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join(addr, "bob");
    let data = bytes(8 * 1024 * 1024, 11);
    let (file, token) = offer(&mut alice, "photo.raw", &data, None).expect("accepted");
    assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });
    let token = ticket(&mut bob, file).expect("a ticket");

    // A cut somewhere in the bytes, different each run (said in the message if it fails).
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock")
        .subsec_nanos() as usize;
    let cut_at = 100_000 + nanos % (data.len() - 200_000);
    let proxy = Proxy::start(addr);
    proxy.cut_after_down(cut_at);
    let (_, first) = download(proxy.addr(), &token, 0);
    assert!(
        !first.is_empty() && first.len() < data.len(),
        "the cut at {cut_at} ended the download early: {} bytes",
        first.len()
    );
    assert_eq!(
        first[..],
        data[..first.len()],
        "what came before the cut is right"
    );
    let (head, rest) = download(addr, &token, first.len() as u64);
    assert!(matches!(head, ServerMsg::Transfer { offset, .. } if offset == first.len() as u64));
    let whole = [first, rest].concat();
    assert_eq!(sha(&whole), sha(&data), "cut at {cut_at}");
}

#[test]
fn an_upload_cut_midway_goes_on_from_what_the_host_has() {
    let (_dir, server) = server_with_files(100_000_000, 1_000_000_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let data = bytes(4 * 1024 * 1024, 13);
    let (file, token) = offer(&mut alice, "scan.pdf", &data, None).expect("accepted");
    let upload_from = |offset_wanted: Option<u64>| {
        let (reader, answer) = open(
            addr,
            &ClientMsg::Upload {
                token: token.clone(),
            },
        );
        let ServerMsg::Transfer { offset, .. } = answer else {
            panic!("{answer:?}")
        };
        if let Some(wanted) = offset_wanted {
            assert_eq!(offset, wanted, "the host goes on from what it has");
        }
        (reader, usize::try_from(offset).expect("an offset"))
    };

    // The first connection sends a third and ends its side; the host keeps what came, says
    // nothing (the file is not whole) and closes.
    let (mut first, offset) = upload_from(Some(0));
    let third = data.len() / 3;
    first
        .get_ref()
        .write_all(&data[offset..third])
        .expect("bytes");
    first.get_ref().shutdown(std::net::Shutdown::Write).ok();
    let mut rest = Vec::new();
    first.read_to_end(&mut rest).ok();
    assert!(rest.is_empty(), "{rest:?}");

    // The second sends a little more and then hangs, silent, holding the file.
    let (second, offset) = upload_from(Some(third as u64));
    second
        .get_ref()
        .write_all(&data[offset..offset + 1000])
        .expect("bytes");

    // The third (the sender back after a cut) takes over at once, from what the host has, and
    // finishes.
    let (mut third_conn, offset) = upload_from(None);
    assert!((third..=third + 1000).contains(&offset), "{offset}");
    third_conn
        .get_ref()
        .write_all(&data[offset..])
        .expect("bytes");
    third_conn
        .get_ref()
        .shutdown(std::net::Shutdown::Write)
        .ok();
    assert_eq!(read_line(&mut third_conn), ServerMsg::Stored { file });
    assert_eq!(offered(&mut alice).sha256, sha(&data));
    drop(second);
}

#[test]
fn a_private_offer_reaches_only_its_recipient_and_nobody_else_can_fetch_it() {
    let (_dir, server) = server_with_files(10_000_000, 100_000_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join(addr, "bob");
    let (mut carol, _) = Json::join(addr, "carol");
    let data = bytes(300_000, 17);
    let (file, token) = offer(&mut alice, "lettre.odt", &data, Some("BOB")).expect("accepted");
    assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });
    assert_eq!(offered(&mut bob).to.as_deref(), Some("bob"));
    assert_eq!(offered(&mut alice).to.as_deref(), Some("bob"));

    // Carol never hears of it, and can't fetch it by its id.
    carol.send(&ClientMsg::Who {});
    let next = carol.expect(|m| !matches!(m, ServerMsg::Join { .. }));
    assert!(matches!(next, ServerMsg::Users { .. }), "{next:?}");
    assert!(matches!(
        ticket(&mut carol, file),
        Err((ErrorCode::NoSuchFile, _))
    ));
    // Nor with the upload token, nor with a forged one.
    let forged = format!("{file}.download.{}", "0".repeat(64));
    for token in [token.as_str(), forged.as_str(), "1.download.zz", "", "../1"] {
        let (head, got) = download(addr, token, 0);
        assert_eq!(
            code_of(&head),
            Some(ErrorCode::NoSuchFile),
            "{token}: {head:?}"
        );
        assert!(got.is_empty());
    }
    // Bob can.
    let token = ticket(&mut bob, file).expect("bob's ticket");
    assert_eq!(download(addr, &token, 0).1, data);
}

#[test]
fn hostile_file_names_are_cleaned_before_anyone_sees_them() {
    let (_dir, server) = server_with_files(10_000_000, 100_000_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    for (raw, shown) in [
        ("../../etc/passwd", "passwd"),
        ("C:\\Windows\\system.ini", "system.ini"),
        ("rapport\u{202e}fdp.exe", "rapportfdp.exe"),
        ("CON.txt", "_CON.txt"),
        ("\u{1b}[2J..", "file"),
        ("..", "file"),
    ] {
        let data = bytes(1_000, 3);
        let (file, token) = offer(&mut alice, raw, &data, None).expect("accepted");
        assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });
        assert_eq!(offered(&mut alice).name, shown, "{raw:?}");
    }
}

#[test]
fn limits_and_quota_are_refused_up_front_and_bad_bytes_are_never_offered() {
    let (dir, server) = server_with_files(1_000_000, 2_500_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join_from(addr, [127, 0, 0, 2].into(), "bob");
    let (mut carol, _) = Json::join_from(addr, [127, 0, 0, 3].into(), "carol");

    // Over the size limit.
    let big = bytes(1_000_001, 5);
    let refused = offer(&mut alice, "big.bin", &big, None).expect_err("too large");
    assert!(
        matches!(refused, (ErrorCode::FileTooLarge, ref message) if message.contains("1.0 MB")),
        "{refused:?}"
    );

    // Over the quota: two of 1 MB fit, a third does not.
    let mb = bytes(1_000_000, 9);
    let (one, token_one) = offer(&mut alice, "un.bin", &mb, None).expect("first");
    let (_two, _) = offer(&mut bob, "deux.bin", &mb, None).expect("second");
    let refused = offer(&mut carol, "trois.bin", &mb, None).expect_err("quota");
    assert!(matches!(refused, (ErrorCode::QuotaFull, _)), "{refused:?}");

    // More bytes than announced: cut off, nothing kept, the room never told.
    let (mut reader, answer) = open(
        addr,
        &ClientMsg::Upload {
            token: token_one.clone(),
        },
    );
    assert!(matches!(answer, ServerMsg::Transfer { .. }));
    reader.get_ref().write_all(&mb).expect("bytes");
    reader.get_ref().write_all(&[0; 70_000]).ok();
    reader.get_ref().shutdown(std::net::Shutdown::Write).ok();
    let answer = read_line(&mut reader);
    assert_eq!(code_of(&answer), Some(ErrorCode::BadFile), "{answer:?}");
    assert!(download(addr, &token_one, 0).1.is_empty());
    assert!(matches!(
        ticket(&mut bob, one),
        Err((ErrorCode::NoSuchFile, _))
    ));

    // Other bytes than offered (the same size): refused at the end, nothing kept.
    let (bad, token_bad) = offer(&mut alice, "faux.bin", &mb, None).expect("room again");
    let answer = upload(addr, &token_bad, &bytes(1_000_000, 10));
    assert_eq!(code_of(&answer), Some(ErrorCode::BadFile), "{answer:?}");
    assert!(matches!(
        ticket(&mut bob, bad),
        Err((ErrorCode::NoSuchFile, _))
    ));
    let left: Vec<_> = std::fs::read_dir(dir.path().join("files"))
        .expect("the files folder")
        .flatten()
        .map(|e| e.file_name())
        .filter(|name| name != "next-id")
        .collect();
    assert!(
        left.is_empty(),
        "nothing of the refused uploads stays: {left:?}"
    );

    // Offers never uploaded: one person may hold only a few at once (bob's "deux.bin" is one).
    let small = bytes(10, 1);
    for n in 0..3 {
        let name = format!("attente{n}.txt");
        offer(&mut bob, &name, &small, None).expect("waiting offers within the limit");
    }
    let refused = offer(&mut bob, "encore.txt", &small, None).expect_err("too many waiting");
    assert!(matches!(refused, (ErrorCode::QuotaFull, _)), "{refused:?}");
    assert!(
        offer(&mut alice, "autre.txt", &small, None).is_ok(),
        "others are not held up"
    );

    // A malformed hash, and a room without files.
    alice.send(&ClientMsg::Offer {
        name: "x".into(),
        size: 1,
        sha256: "not hex".into(),
        to: None,
        label: None,
    });
    assert!(matches!(
        alice.expect(|m| matches!(m, ServerMsg::Error { .. })),
        ServerMsg::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    let plain_server = crate::common::start_server();
    let (mut zoe, _) = Json::join(plain_server.local_addr(), "zoe");
    let refused = offer(&mut zoe, "x", b"x", None).expect_err("no files here");
    assert!(
        matches!(refused, (ErrorCode::Unavailable, _)),
        "{refused:?}"
    );
}

#[test]
fn a_file_connection_that_talks_out_of_turn_gets_one_error_and_the_chat_goes_on() {
    let (_dir, server) = server_with_files(10_000_000, 100_000_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let data = bytes(10_000, 21);
    let (_file, token) = offer(&mut alice, "notes.txt", &data, None).expect("accepted");

    // Bytes sent with the first line, before the host's answer.
    let stream = TcpStream::connect(addr).expect("a connection");
    stream.set_read_timeout(Some(PATIENCE)).expect("a timeout");
    let mut early = serde_json::to_vec(&ClientMsg::Upload { token }).expect("json");
    early.push(b'\n');
    early.extend_from_slice(&data);
    (&stream).write_all(&early).expect("bytes");
    let mut reader = BufReader::new(stream);
    let answer = read_line(&mut reader);
    assert_eq!(code_of(&answer), Some(ErrorCode::BadUsage), "{answer:?}");

    // A download past the end; an upload token as the first line of a chat.
    let (head, _) = download(addr, "1.download.00", 99);
    assert!(matches!(head, ServerMsg::Error { .. }));
    alice.send(&ClientMsg::Upload { token: "x".into() });
    assert!(matches!(
        alice.expect(|m| matches!(m, ServerMsg::Error { .. })),
        ServerMsg::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    alice.send(&ClientMsg::Say {
        text: "toujours là".into(),
        cid: None,
    });
    alice.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "toujours là"));
}

/// A server keeping its history and its files in `dir` (an hour's expiry, 100 MB quota).
fn lasting_server(dir: &std::path::Path) -> ServerConfig {
    ServerConfig {
        files: Some(FilesConfig {
            dir: dir.join("files"),
            max_file_bytes: 10_000_000,
            quota_bytes: 100_000_000,
            expiry: Duration::from_secs(3600),
        }),
        ..crate::common::stored(&dir.join("history.sqlite3"))
    }
}

#[test]
fn an_offer_outlives_a_restart_of_the_host_and_ids_are_never_given_twice() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = crate::common::start_server_with(lasting_server(dir.path()));
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (bob, _) = Json::join(addr, "bob");
    let data = bytes(1_500_000, 23);
    let (file, token) = offer(&mut alice, "plan.pdf", &data, None).expect("accepted");
    assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });
    let private = bytes(20_000, 24);
    let (secret, token) = offer(&mut alice, "paie.ods", &private, Some("bob")).expect("accepted");
    assert_eq!(
        upload(addr, &token, &private),
        ServerMsg::Stored { file: secret }
    );
    // An upload cut before its end is not worth keeping past the run.
    let (cut, token) = offer(&mut alice, "cut.bin", &data, None).expect("accepted");
    let (reader, _) = open(addr, &ClientMsg::Upload { token });
    reader.get_ref().write_all(&data[..1000]).expect("bytes");
    drop(reader);
    drop((alice, bob));
    server.stop();

    let _again = crate::common::restart_at(addr, lasting_server(dir.path()));
    // Someone who comes after the restart finds the offer in the room's history, and fetches it.
    let (mut bob, welcome) = Json::join(addr, "bob");
    let ServerMsg::Welcome { history, .. } = welcome else {
        unreachable!()
    };
    let found = history
        .iter()
        .find_map(|m| match m {
            ServerMsg::File(offer) if offer.file == file => Some(offer.clone()),
            _ => None,
        })
        .expect("the offer is in the history");
    assert_eq!((found.name.as_str(), found.size), ("plan.pdf", 1_500_000));
    assert!(
        !history
            .iter()
            .any(|m| matches!(m, ServerMsg::File(o) if o.file == secret)),
        "a private offer is never in the room's history"
    );
    let token = ticket(&mut bob, file).expect("a ticket after the restart");
    assert_eq!(download(addr, &token, 0).1, data);
    // The private one is still bob's, and only bob's.
    let token = ticket(&mut bob, secret).expect("bob's ticket");
    assert_eq!(download(addr, &token, 0).1, private);
    let (mut carol, _) = Json::join(addr, "carol");
    assert!(matches!(
        ticket(&mut carol, secret),
        Err((ErrorCode::NoSuchFile, _))
    ));
    // The cut upload is gone, and its id is not given again.
    assert!(matches!(
        ticket(&mut bob, cut),
        Err((ErrorCode::NoSuchFile, _))
    ));
    let (again, _) = offer(&mut bob, "new.txt", b"hello", None).expect("accepted");
    assert!(again > cut, "id {again} after {cut}");
}

#[test]
fn what_a_restarted_host_finds_in_its_files_folder_is_trusted_no_more_than_a_message() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = crate::common::start_server_with(lasting_server(dir.path()));
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let mut stored = Vec::new();
    for (i, name) in ["a.txt", "b.txt", "c.txt", "d.txt"].iter().enumerate() {
        let data = bytes(5000, 30 + i as u64);
        let (file, token) = offer(&mut alice, name, &data, None).expect("accepted");
        assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });
        offered(&mut alice);
        stored.push(file);
    }
    drop(alice);
    server.stop();

    // Someone with access to the folder meddles: a description renamed to escape, one whose
    // file lost bytes, one too big to be a description, one from a day ago; and a stranger.
    let files = dir.path().join("files");
    let described = |file: u64| files.join(format!("{file}.json"));
    let mut kept: serde_json::Value =
        serde_json::from_slice(&std::fs::read(described(stored[0])).expect("a description"))
            .expect("json");
    kept["name"] = "../../etc/passwd\u{202e}txt.exe".into();
    std::fs::write(described(stored[0]), kept.to_string()).expect("write");
    std::fs::write(files.join(stored[1].to_string()), b"short").expect("write");
    std::fs::write(described(stored[2]), vec![b' '; 100_000]).expect("write");
    let mut old: serde_json::Value =
        serde_json::from_slice(&std::fs::read(described(stored[3])).expect("a description"))
            .expect("json");
    old["stored"] = (old["stored"].as_u64().expect("a time") - 2 * 3600).into();
    std::fs::write(described(stored[3]), old.to_string()).expect("write");
    std::fs::write(files.join("stranger"), b"?").expect("write");
    // And ids no host gives: a description of the largest id, and a next id past it.
    let huge = u64::MAX.to_string();
    std::fs::copy(described(stored[0]), files.join(format!("{huge}.json"))).expect("copy");
    std::fs::copy(files.join(stored[0].to_string()), files.join(&huge)).expect("copy");
    std::fs::write(files.join("next-id"), &huge).expect("write");

    let _again = crate::common::restart_at(addr, lasting_server(dir.path()));
    let (mut bob, _) = Json::join(addr, "bob");
    // The first is there under a clean name; the others are gone, bytes and all.
    let token = ticket(&mut bob, stored[0]).expect("still there");
    let (head, got) = download(addr, &token, 0);
    assert!(
        matches!(head, ServerMsg::Transfer { size: 5000, .. }),
        "{head:?}"
    );
    assert_eq!(got, bytes(5000, 30));
    for file in &stored[1..] {
        assert!(
            matches!(ticket(&mut bob, *file), Err((ErrorCode::NoSuchFile, _))),
            "file {file}"
        );
        assert!(!files.join(file.to_string()).exists());
        assert!(!described(*file).exists());
    }
    assert!(!files.join("stranger").exists());
    assert!(!files.join(&huge).exists());
    // New offers go on after the files taken back, and still work.
    let (mut alice, _) = Json::join(addr, "alice");
    let (next, token) = offer(&mut alice, "e.txt", b"e", None).expect("accepted");
    assert!(next > stored[0] && next < 1 << 53, "{next}");
    assert_eq!(upload(addr, &token, b"e"), ServerMsg::Stored { file: next });
}

#[test]
fn a_downloader_that_never_reads_holds_up_nobody_but_itself() {
    let (_dir, server) = server_with_files(100_000_000, 1_000_000_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join(addr, "bob");
    let (mut eve, _) = Json::join(addr, "eve");
    let data = bytes(20 * 1024 * 1024, 41);
    let (file, token) = offer(&mut alice, "film.mkv", &data, None).expect("accepted");
    assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });

    // Eve asks for the file, reads the host's answer, and then never another byte: the host's
    // writes to her fill her socket and wait there.
    let token = ticket(&mut eve, file).expect("eve's ticket");
    let (stalled, head) = open(addr, &ClientMsg::Download { token, offset: 0 });
    assert!(matches!(head, ServerMsg::Transfer { .. }), "{head:?}");

    // Meanwhile the room talks, and bob downloads the same file whole.
    for n in 0..20 {
        alice.send(&ClientMsg::Say {
            text: format!("message {n}"),
            cid: None,
        });
        bob.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == format!("message {n}")));
    }
    let token = ticket(&mut bob, file).expect("bob's ticket");
    assert_eq!(download(addr, &token, 0).1, data);
    alice.send(&ClientMsg::Say {
        text: "still here".into(),
        cid: None,
    });
    bob.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "still here"));
    eve.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "still here"));
    drop(stalled);
}

#[test]
#[cfg(unix)]
fn a_link_or_a_folder_in_the_files_folder_is_never_served_and_goes_at_restart() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = crate::common::start_server_with(lasting_server(dir.path()));
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let data = bytes(5000, 40);
    let (file, token) = offer(&mut alice, "a.txt", &data, None).expect("accepted");
    assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });
    drop(alice);
    server.stop();

    // Someone with access to the folder swaps the stored file for a link to a secret of the same
    // size (its description untouched), and leaves a link and a folder of their own.
    let files = dir.path().join("files");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, bytes(5000, 41)).expect("write");
    std::fs::remove_file(files.join(file.to_string())).expect("remove");
    std::os::unix::fs::symlink(&secret, files.join(file.to_string())).expect("a link");
    std::os::unix::fs::symlink(&secret, files.join("link")).expect("a link");
    std::fs::create_dir(files.join("folder")).expect("a folder");
    std::fs::write(files.join("folder/inside"), b"?").expect("write");

    let _again = crate::common::restart_at(addr, lasting_server(dir.path()));
    let (mut bob, _) = Json::join(addr, "bob");
    assert!(
        matches!(ticket(&mut bob, file), Err((ErrorCode::NoSuchFile, _))),
        "a link is not served"
    );
    for gone in [file.to_string(), "link".into(), "folder".into()] {
        assert!(
            std::fs::symlink_metadata(files.join(&gone)).is_err(),
            "{gone} is still in the files folder"
        );
    }
    assert_eq!(
        std::fs::read(&secret).expect("the secret"),
        bytes(5000, 41),
        "what a link pointed at is left alone"
    );
}

#[test]
fn twelve_hundred_downloads_that_never_read_hold_their_addresses_share_and_others_go_on() {
    use std::net::{IpAddr, Ipv4Addr};

    let (_dir, server) = server_with_files(100_000_000, 1_000_000_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let data = bytes(5_000_000, 50);
    let (file, token) = offer(&mut alice, "gros.bin", &data, None).expect("accepted");
    assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });
    let from = |last: u8| IpAddr::V4(Ipv4Addr::new(127, 0, 0, last));
    // One machine, ten names in the room, a ticket each (2 downloads a ticket, 8 a person:
    // together more than the 16 an address may have).
    let tickets: Vec<String> = (0..10)
        .map(|n| {
            let (mut someone, _) = Json::join_from(addr, from(9), &format!("m{n}"));
            ticket(&mut someone, file).expect("a ticket")
        })
        .collect();
    // It asks 1,200 times for 5 MB and never reads: each answer says served or not.
    let tries = 1200;
    let mut held = Vec::new();
    let mut refused = 0;
    for n in 0..tries {
        let download = ClientMsg::Download {
            token: tickets[n % tickets.len()].clone(),
            offset: 0,
        };
        match crate::common::file_connection_from(addr, from(9), &download) {
            (reader, ServerMsg::Transfer { .. }) => held.push(reader),
            (
                _,
                ServerMsg::Error {
                    code: ErrorCode::TooManyPending,
                    message,
                    ..
                },
            ) => {
                assert!(
                    message.contains("too many file transfers") || message.contains("tickets"),
                    "{message}"
                );
                refused += 1;
            }
            (_, other) => panic!("{other:?}"),
        }
    }
    assert_eq!(
        (held.len(), refused),
        (
            coucou::server::DEFAULT_MAX_TRANSFERS_PER_ADDRESS,
            tries - coucou::server::DEFAULT_MAX_TRANSFERS_PER_ADDRESS
        )
    );
    let download = ClientMsg::Download {
        token: ticket(&mut alice, file).expect("a ticket"),
        offset: 0,
    };
    // Meanwhile, a newcomer from another machine joins at once…
    let asked = std::time::Instant::now();
    let mut bob = Json::connect_from(addr, from(10));
    bob.send(&ClientMsg::Hello {
        version: 1,
        name: "bob".into(),
        device: None,
    });
    bob.expect(|m| matches!(m, ServerMsg::Welcome { .. }));
    // The bound, a hundred times what a join takes here: not a speed target, the sign
    // that nothing of the 1,200 stands in the way.
    let took = asked.elapsed();
    assert!(
        took < std::time::Duration::from_secs(1),
        "joined in {took:?}"
    );
    // … and downloads the whole file.
    let (mut reader, answer) = crate::common::file_connection_from(addr, from(10), &download);
    assert!(matches!(answer, ServerMsg::Transfer { .. }), "{answer:?}");
    let mut got = Vec::new();
    reader.read_to_end(&mut got).expect("the bytes");
    assert!(got == data, "the other machine's download is whole");
    drop(held);
}

#[test]
fn offers_never_uploaded_are_counted_per_address_and_go_when_their_offerer_leaves() {
    let (_dir, server) = server_with_files(4_000_000, 10_000_000);
    let addr = server.local_addr();
    let mallory: std::net::IpAddr = [127, 0, 0, 5].into();
    let (mut m1, _) = Json::join_from(addr, mallory, "mallory");
    let (mut m2, _) = Json::join_from(addr, mallory, "trudy");
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join_from(addr, [127, 0, 0, 2].into(), "bob");
    let two_mb = bytes(2_000_000, 1);
    let one_mb = bytes(1_000_000, 2);
    let four_mb = bytes(4_000_000, 3);

    // One address, two names: together at most half the quota waiting.
    offer(&mut m1, "a.bin", &two_mb, None).expect("2 MB waiting");
    offer(&mut m1, "b.bin", &two_mb, None).expect("4 MB waiting");
    offer(&mut m2, "c.bin", &one_mb, None).expect("5 MB waiting: half the quota");
    let refused = offer(&mut m2, "d.bin", b"x", None).expect_err("past half the quota");
    assert!(
        matches!(refused, (ErrorCode::QuotaFull, ref m) if m.contains("upload them first")),
        "{refused:?}"
    );

    // Someone else fills what is left; the next is refused for the quota.
    offer(&mut alice, "e.bin", &four_mb, None).expect("9 MB in all");
    let refused = offer(&mut bob, "f.bin", &four_mb, None).expect_err("the quota is full");
    assert!(
        matches!(refused, (ErrorCode::QuotaFull, ref m) if !m.contains("upload them first")),
        "{refused:?}"
    );

    // They leave: what they never uploaded gives its room back.
    drop((m1, m2));
    let mut left = Vec::new();
    while left.len() < 2 {
        if let ServerMsg::Leave { name, .. } = bob.expect(|m| matches!(m, ServerMsg::Leave { .. }))
        {
            left.push(name);
        }
    }
    left.sort();
    assert_eq!(left, ["mallory", "trudy"]);
    offer(&mut bob, "f.bin", &four_mb, None).expect("room again once they left");
}

#[test]
fn waiting_offers_are_counted_per_connection_whatever_the_name() {
    let (_dir, server) = server_with_files(1_000_000, 10_000_000);
    let addr = server.local_addr();
    let (mut eve, _) = Json::join_from(addr, [127, 0, 0, 6].into(), "eve");
    for n in 0..4 {
        offer(&mut eve, &format!("{n}.txt"), b"x", None).expect("within the limit");
    }
    eve.send(&ClientMsg::Nick {
        name: "eve2".into(),
    });
    eve.expect(|m| matches!(m, ServerMsg::Rename { new, .. } if new == "eve2"));
    let refused = offer(&mut eve, "5.txt", b"x", None).expect_err("a new name is the same person");
    assert!(matches!(refused, (ErrorCode::QuotaFull, _)), "{refused:?}");
}

#[test]
fn fifty_downloads_started_at_once_from_one_machine_all_arrive() {
    use coucou::client::ConnectParams;
    use coucou::client::transfer::{self, TransferEvent};
    use coucou::protocol::Wire;

    let (dir, server) = server_with_files(10_000_000, 100_000_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let data = bytes(200_000, 11);
    let (file, token) = offer(&mut alice, "photo.jpg", &data, None).expect("accepted");
    assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });
    let (tx, rx) = crossbeam_channel::unbounded();
    let sink = || coucou::EventSink::new(tx.clone(), std::sync::Arc::new(|| {}));
    // Half over TLS (the host is pinned, as the chat's), half in clear: the host turns away
    // what is past its waiting line per address, and the app tries again.
    let mut params = ConnectParams::new("127.0.0.1", addr.port(), "alice", Wire::Json);
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("a folder");
    let mut started = Vec::new();
    for n in 0..50 {
        params.tls = n % 2 == 0;
        params.pin = params
            .tls
            .then(|| crate::common::test_identity().fingerprint());
        let dest = downloads.join(format!("photo-{n}.jpg"));
        started.push(
            // A ticket a download, as the app asks for one on each click.
            transfer::download(
                &params,
                file,
                ticket(&mut alice, file).expect("a ticket"),
                dest,
                (sha(&data), data.len() as u64),
                sink(),
            )
            .expect("a thread"),
        );
    }
    let mut finished = 0;
    while finished < 50 {
        match rx.recv_timeout(3 * crate::common::PATIENCE) {
            Ok(TransferEvent::Finished { .. }) => finished += 1,
            Ok(TransferEvent::Failed { error, .. }) => panic!("a download failed: {error:?}"),
            Ok(TransferEvent::Progress { .. }) => {}
            Err(_) => panic!("{finished} of 50 downloads finished"),
        }
    }
    for n in 0..50 {
        let got = std::fs::read(downloads.join(format!("photo-{n}.jpg"))).expect("the file");
        assert!(got == data, "download {n} is whole");
    }
}

#[test]
fn a_ticket_holds_two_downloads_and_a_person_eight_from_any_addresses() {
    use std::net::{IpAddr, Ipv4Addr};

    let (_dir, server) = server_with_files(100_000_000, 1_000_000_000);
    let addr = server.local_addr();
    let (mut alice, _) = Json::join(addr, "alice");
    let (mut bob, _) = Json::join_from(addr, [127, 0, 0, 2].into(), "bob");
    let mut tickets = Vec::new();
    for n in 0..5 {
        let data = bytes(5_000_000, 60 + n);
        let (file, token) = offer(&mut alice, &format!("{n}.bin"), &data, None).expect("accepted");
        assert_eq!(upload(addr, &token, &data), ServerMsg::Stored { file });
        tickets.push(ticket(&mut alice, file).expect("a ticket"));
    }
    let from = |last: u8| IpAddr::V4(Ipv4Addr::new(127, 0, 0, last));
    // alice's tickets, passed around to ten machines that never read.
    let mut held = Vec::new();
    let mut answers = Vec::new();
    for (n, ticket) in tickets.iter().enumerate() {
        for machine in 0..10 {
            let download = ClientMsg::Download {
                token: ticket.clone(),
                offset: 0,
            };
            match crate::common::file_connection_from(addr, from(20 + machine), &download) {
                (reader, ServerMsg::Transfer { .. }) => {
                    held.push(reader);
                    answers.push((n, true));
                }
                (_, ServerMsg::Error { code, message, .. }) => {
                    assert_eq!(code, ErrorCode::TooManyPending, "{message}");
                    assert!(message.contains("tickets"), "{message}");
                    answers.push((n, false));
                }
                (_, other) => panic!("{other:?}"),
            }
        }
    }
    let served = |n: usize| answers.iter().filter(|(t, ok)| *t == n && *ok).count();
    assert_eq!(
        (0..5).map(served).collect::<Vec<_>>(),
        [2, 2, 2, 2, 0],
        "two a ticket, eight for the person"
    );
    // Another person's ticket for the same file is theirs.
    let theirs = ticket(&mut bob, 1).expect("bob's ticket");
    let (_reader, answer) = crate::common::file_connection_from(
        addr,
        from(2),
        &ClientMsg::Download {
            token: theirs,
            offset: 0,
        },
    );
    assert!(matches!(answer, ServerMsg::Transfer { .. }), "{answer:?}");
    drop(held);
}

#[test]
fn a_file_offered_to_the_room_is_found_by_its_name_with_or_without_a_store() {
    for keep in [false, true] {
        let dir = tempfile::tempdir().expect("a temp folder");
        let base = if keep {
            crate::common::stored(&dir.path().join("history.sqlite"))
        } else {
            ServerConfig::default()
        };
        let server = crate::common::start_server_with(ServerConfig {
            files: Some(FilesConfig::in_dir(dir.path().join("files"))),
            flood: None,
            ..base
        });
        let addr = server.local_addr();
        let (mut alice, _) = Json::join(addr, "alice");
        let (mut bob, _) = Json::join(addr, "bob");
        let say = |client: &mut Json, text: &str| {
            client.send(&ClientMsg::Say {
                text: text.into(),
                cid: None,
            });
            client.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == text));
        };
        say(&mut alice, "le voici");
        let data = bytes(2000, 7);
        let (_, token) = offer(&mut alice, "Rapport-Annuel 2026.pdf", &data, None).expect("ready");
        upload(addr, &token, &data);
        let shared = offered(&mut alice);
        // Offered to bob alone: nobody finds it by searching (and the room does not keep it).
        let (_, token) =
            offer(&mut alice, "rapport secret.pdf", &data, Some("bob")).expect("ready");
        upload(addr, &token, &data);
        bob.expect(|m| matches!(m, ServerMsg::File(f) if f.to.is_some()));
        // Said after the file: its echo comes once the file is stored too.
        say(&mut alice, "merci");

        let results = bob.search("RAPPORT annuel", None).expect("results");
        assert_eq!(results.len(), 1, "store {keep}: {results:#?}");
        let found = &results[0];
        assert_eq!(found.file.as_ref(), Some(&shared), "store {keep}");
        // Said as a line for whoever does not read `file`: who, and the file's name.
        assert_eq!(
            (found.message.id, found.message.from.as_str()),
            (shared.id, "alice")
        );
        assert_eq!(found.message.text, "Rapport-Annuel 2026.pdf");
        assert_eq!(
            found.before.as_ref().map(|c| c.text.as_str()),
            Some("le voici")
        );
        assert_eq!(found.after.as_ref().map(|c| c.text.as_str()), Some("merci"));

        let results = bob.search("secret", None).expect("results");
        assert!(
            results.is_empty(),
            "store {keep}: a private offer is never found: {results:?}"
        );
    }
}
