//! What an echo promises, tried by killing a real `coucou server` child process (SIGKILL) while
//! four writers send as fast as they can: every message echoed to its sender is found in the
//! history after a restart, and no id is ever given to two different events; and searches find
//! every echoed message after a kill, though the store puts messages in its search index in
//! batches.

#![cfg(unix)] // There `Child::kill` is SIGKILL: the crash this test is about.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::{Json, PATIENCE};
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg, message};

/// How many kill-and-restart rounds the test runs.
const ROUNDS: usize = 20;

/// How many writers send at once.
const WRITERS: usize = 4;

/// How many messages a writer has in flight (sent, not yet echoed) at most.
const WINDOW: usize = 24;

/// A message a sender had echoed: its id and client id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Echoed {
    id: u64,
    from: String,
    cid: String,
}

/// A server in a child process, killed when dropped (a failed assertion leaves none behind).
struct Child(std::process::Child);

impl Child {
    /// SIGKILL, and the exit reaped.
    fn kill(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts the headless server on the data folder, with no flood limit (the writers are fast).
fn start(dir: &Path) -> (Child, SocketAddr) {
    let (data, identity) = (dir.join("data"), dir.join("identity"));
    let (child, port) = crate::common::spawn_server(&[
        "--no-flood-limit",
        "--data-dir",
        data.to_str().expect("a UTF-8 path"),
        "--identity",
        identity.to_str().expect("a UTF-8 path"),
    ]);
    (Child(child), SocketAddr::from(([127, 0, 0, 1], port)))
}

/// What every event with an id was, by (private, id), as the writers saw it live or in a
/// welcome's history (the same id must always be the same event), and the ids seen given twice.
#[derive(Debug, Default)]
struct Ids {
    events: HashMap<(bool, u64), String>,
    twice: Vec<(String, String)>,
}

/// [`Ids`], shared by the writers.
type Seen = Arc<Mutex<Ids>>;

/// Remembers `msg` under its id, and notes it if that id was already another event.
fn see(seen: &Seen, msg: &ServerMsg) {
    let Some((private, id, _)) = coucou::store::key(msg) else {
        return;
    };
    let this = String::from_utf8_lossy(&msg.to_json_line()).into_owned();
    let mut seen = seen.lock().expect("the ids");
    match seen.events.get(&(private, id)) {
        Some(before) if *before != this => {
            let before = before.clone();
            seen.twice.push((before, this));
        }
        Some(_) => {}
        None => {
            seen.events.insert((private, id), this);
        }
    }
}

/// One writer: joins as `name`, sends numbered messages with client ids, at most [`WINDOW`]
/// unechoed at a time, until the server dies; returns what was echoed to it.
fn writer(
    addr: SocketAddr,
    name: String,
    round: usize,
    echoed: Arc<AtomicUsize>,
    seen: Seen,
    tick: crossbeam_channel::Sender<()>,
) -> Vec<Echoed> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("a read timeout");
    let mut out = stream.try_clone().expect("a second handle");
    let mut lines = BufReader::new(stream);
    let hello = ClientMsg::Hello {
        version: 1,
        name: name.clone(),
        device: None,
    };
    let mut line = serde_json::to_vec(&hello).expect("hello encodes");
    line.push(b'\n');
    out.write_all(&line).expect("hello sent");
    let mut mine = Vec::new();
    let (mut sent, mut in_flight) = (0usize, 0usize);
    let mut buf = Vec::new();
    loop {
        let mut batch = Vec::new();
        while in_flight < WINDOW {
            let say = ClientMsg::Say {
                text: format!("{name} dit {sent}"),
                cid: Some(format!("r{round}-{name}-{sent}")),
            };
            batch.extend(serde_json::to_vec(&say).expect("a message encodes"));
            batch.push(b'\n');
            sent += 1;
            in_flight += 1;
        }
        if out.write_all(&batch).is_err() {
            return mine;
        }
        buf.clear();
        match lines.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return mine,
            Ok(_) => {}
        }
        let msg = message::decode_server(&buf).expect("a server message");
        if let ServerMsg::Welcome { history, .. } = &msg {
            for old in history {
                see(&seen, old);
            }
        }
        see(&seen, &msg);
        if let ServerMsg::Message(chat) = msg
            && chat.from == name
            && let Some(cid) = chat.cid
        {
            in_flight -= 1;
            mine.push(Echoed {
                id: chat.id,
                from: chat.from,
                cid,
            });
            echoed.fetch_add(1, Ordering::Relaxed);
            tick.send(()).ok();
        }
    }
}

#[test]
fn twenty_kills_under_four_writers_lose_no_echoed_message_and_give_no_id_twice() {
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Arc::default();
    let mut echoed_all = Vec::new();
    for round in 0..ROUNDS {
        let (mut child, addr) = start(dir.path());
        let echoed = Arc::new(AtomicUsize::new(0));
        let (tick, ticks) = crossbeam_channel::unbounded();
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (echoed, seen, tick) = (Arc::clone(&echoed), Arc::clone(&seen), tick.clone());
                std::thread::Builder::new()
                    .name(format!("writer-{w}"))
                    .spawn(move || writer(addr, format!("w{w}"), round, echoed, seen, tick))
                    .unwrap()
            })
            .collect();
        // Killed while the writers are going, at a different point each round.
        let kill_after = 200 + (round * 53) % 300;
        while echoed.load(Ordering::Relaxed) < kill_after {
            ticks
                .recv_timeout(PATIENCE)
                .unwrap_or_else(|_| panic!("round {round}: the writers stalled"));
        }
        child.kill();
        for writer in writers {
            echoed_all.extend(writer.join().expect("a writer"));
        }
    }

    let (mut child, addr) = start(dir.path());
    let history = Json::join(addr, "lectrice").0.whole_history();
    child.kill();
    for msg in &history {
        see(&seen, msg);
    }
    let stored: HashMap<(String, String), u64> = history
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Message(chat) => chat
                .cid
                .clone()
                .map(|cid| ((chat.from.clone(), cid), chat.id)),
            _ => None,
        })
        .collect();
    let lost: Vec<_> = echoed_all
        .iter()
        .filter(|e| stored.get(&(e.from.clone(), e.cid.clone())) != Some(&e.id))
        .collect();
    assert!(
        echoed_all.len() >= ROUNDS * 200,
        "{} echoes",
        echoed_all.len()
    );
    let twice = &seen.lock().unwrap().twice;
    assert!(
        twice.is_empty(),
        "{} ids were given to two events, e.g. {:?}",
        twice.len(),
        &twice[..twice.len().min(3)]
    );
    assert!(
        lost.is_empty(),
        "{} of {} echoed messages are not in the history after a restart: {:?}",
        lost.len(),
        echoed_all.len(),
        &lost[..lost.len().min(10)]
    );
}

/// The texts a search for `words` finds (an error's code if it is refused).
fn search(client: &mut Json, words: &str) -> Result<Vec<String>, ErrorCode> {
    let found = client.search(words, None)?;
    Ok(found.into_iter().map(|f| f.message.text).collect())
}

#[test]
fn messages_echoed_just_before_a_kill_are_found_by_searches_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = start(dir.path());
    let (mut alice, _) = Json::join(addr, "alice");
    // Fewer than a batch of the search index, killed at once after the last echo: the index
    // has not taken them yet (it waits for more, or for a quiet half-second, or for a read).
    let words: Vec<String> = (0..10).map(|i| format!("girafe{i}")).collect();
    for word in &words {
        alice.send(&ClientMsg::Say {
            text: format!("une {word} passe"),
            cid: Some(word.clone()),
        });
    }
    for word in &words {
        alice
            .expect(|m| matches!(m, ServerMsg::Message(chat) if chat.cid.as_deref() == Some(word)));
    }
    child.kill();

    let (mut child, addr) = start(dir.path());
    let (mut bob, _) = Json::join(addr, "bob");
    for word in &words {
        assert_eq!(
            search(&mut bob, word),
            Ok(vec![format!("une {word} passe")]),
            "{word} after the restart"
        );
    }
    // And a message said now is found at once, though the index has not taken it in a batch.
    bob.send(&ClientMsg::Say {
        text: "un zèbre aussi".into(),
        cid: Some("zebre".into()),
    });
    bob.expect(|m| matches!(m, ServerMsg::Message(chat) if chat.cid.as_deref() == Some("zebre")));
    assert_eq!(
        search(&mut bob, "zebre"),
        Ok(vec!["un zèbre aussi".to_owned()])
    );
    child.kill();
}

#[test]
fn echoes_in_a_named_room_survive_a_kill_in_their_room_and_a_message_sent_again_is_not_new() {
    let dir = tempfile::tempdir().unwrap();
    let (data, identity) = (dir.path().join("data"), dir.path().join("identity"));
    let spawn = |extra: &[&str]| {
        let mut args = vec![
            "--no-flood-limit",
            "--data-dir",
            data.to_str().expect("a UTF-8 path"),
            "--identity",
            identity.to_str().expect("a UTF-8 path"),
        ];
        args.extend_from_slice(extra);
        let (child, port) = crate::common::spawn_server(&args);
        (Child(child), SocketAddr::from(([127, 0, 0, 1], port)))
    };
    let (mut child, addr) = spawn(&["--rooms", "Projet X"]);
    let (mut alice, _) = Json::join(addr, "alice");
    alice.join_room("Projet X");
    let mut echoed = Vec::new();
    for n in 0..20 {
        let room = (n % 2 == 0).then_some("Projet X");
        let say = ClientMsg::Say {
            text: format!("message {n}"),
            cid: Some(format!("c{n}")),
        };
        match room {
            Some(room) => alice.send_in(room, &say),
            None => alice.send(&say),
        }
        let cid = format!("c{n}");
        let echo = alice.expect_in(
            room,
            |m| matches!(m, ServerMsg::Message(chat) if chat.cid.as_deref() == Some(cid.as_str())),
        );
        let ServerMsg::Message(chat) = echo else {
            unreachable!()
        };
        echoed.push((room, chat.id, chat.text));
    }
    child.kill();

    // The room comes back from the store, though the host no longer names it.
    let (mut child, addr) = spawn(&[]);
    let (mut reader, _) = Json::join(addr, "lectrice");
    reader.join_room("Projet X");
    let texts_in = |reader: &mut Json, room: Option<&str>| {
        let history = ClientMsg::History {
            before: None,
            limit: Some(500),
            label: None,
        };
        match room {
            Some(room) => reader.send_in(room, &history),
            None => reader.send(&history),
        }
        let ServerMsg::History { messages, .. } =
            reader.expect_in(room, |m| matches!(m, ServerMsg::History { .. }))
        else {
            unreachable!()
        };
        messages
            .into_iter()
            .filter_map(|m| match m {
                ServerMsg::Message(chat) => Some((chat.id, chat.text)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    for room in [None, Some("Projet X")] {
        let stored = texts_in(&mut reader, room);
        let wanted: Vec<(u64, String)> = echoed
            .iter()
            .filter(|(r, _, _)| *r == room)
            .map(|(_, id, text)| (*id, text.clone()))
            .collect();
        assert_eq!(stored, wanted, "{room:?}");
    }
    // Sent again after the crash (the echo lost on the way): the same message, not a new one.
    let (mut alice, _) = Json::join(addr, "alice");
    alice.join_room("Projet X");
    alice.send_in(
        "Projet X",
        &ClientMsg::Say {
            text: "message 18".into(),
            cid: Some("c18".into()),
        },
    );
    let again = alice.expect_in(
        Some("Projet X"),
        |m| matches!(m, ServerMsg::Message(chat) if chat.cid.as_deref() == Some("c18")),
    );
    let ServerMsg::Message(chat) = again else {
        unreachable!()
    };
    assert_eq!(chat.id, echoed[18].1);
    assert_eq!(texts_in(&mut reader, Some("Projet X")).len(), 10);
    child.kill();
}
