//! The broker's side of one room across servers, against a real NATS broker (Debian's
//! `nats-server` 2.9, started by each test on 127.0.0.1 with JetStream in a temp folder; feature
//! `nats-tests`, which .ci/run turns on after installing it): every linked server reads every event
//! once, in the same order; a publish retried with its id is stored once; a broker killed and
//! started again loses and doubles nothing; what is not an event on the stream is skipped.
#![cfg(feature = "nats-tests")]

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::broker::Broker;
use coucou::EventSink;
use coucou::link::{Envelope, Link, LinkConfig, LinkNews, stream_name};
use coucou::protocol::{Chat, ServerMsg};
use crossbeam_channel::Receiver;

const PATIENCE: Duration = Duration::from_secs(20);

/// A link for `origin` to `room` on `broker`, reading from sequence `from`.
fn linked(broker: &Broker, room: &str, origin: &str, from: u64) -> (Link, Receiver<LinkNews>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let link = Link::start(
        LinkConfig {
            url: broker.url(),
            room: room.into(),
            origin: origin.into(),
        },
        from,
        EventSink::new(tx, Arc::new(|| {})),
    )
    .expect("the link's thread");
    (link, rx)
}

fn said(origin: &str, n: usize) -> ServerMsg {
    ServerMsg::Message(Chat {
        id: 0,
        time: 0,
        from: origin.into(),
        text: format!("{origin} {n}"),
        action: false,
        cid: None,
        ..Default::default()
    })
}

/// The next news that `pick` keeps, within the patience.
fn next_of<T>(rx: &Receiver<LinkNews>, what: &str, pick: impl Fn(LinkNews) -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(news) => {
                if let Some(kept) = pick(news) {
                    return kept;
                }
            }
            Err(_) => panic!("no {what} within {PATIENCE:?}"),
        }
    }
}

/// The next `n` events a link reads, with their sequences.
fn events(rx: &Receiver<LinkNews>, n: usize) -> Vec<(u64, Envelope)> {
    (0..n)
        .map(|_| {
            next_of(rx, "event", |news| match news {
                LinkNews::Event { seq, envelope } => Some((seq, envelope)),
                _ => None,
            })
        })
        .collect()
}

fn wait_up(rx: &Receiver<LinkNews>) {
    next_of(rx, "the broker up", |news| {
        (news == LinkNews::Up).then_some(())
    });
}

fn wait_down(rx: &Receiver<LinkNews>) {
    next_of(rx, "the broker down", |news| {
        (news == LinkNews::Down).then_some(())
    });
}

#[test]
fn three_servers_read_every_event_once_and_in_the_same_order() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let links: Vec<(Link, Receiver<LinkNews>)> = ["a", "b", "c"]
        .iter()
        .map(|origin| linked(&broker, "Salle des profs", origin, 1))
        .collect();
    for (_, rx) in &links {
        wait_up(rx);
    }
    for n in 0..20 {
        for ((link, _), origin) in links.iter().zip(["a", "b", "c"]) {
            link.publish(None, format!("{n}"), said(origin, n));
        }
    }
    let seen: Vec<Vec<(u64, Envelope)>> = links.iter().map(|(_, rx)| events(rx, 60)).collect();
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0], seen[2]);
    let seqs: Vec<u64> = seen[0].iter().map(|(seq, _)| *seq).collect();
    assert_eq!(
        seqs,
        (1..=60).collect::<Vec<u64>>(),
        "the stream's order, no gaps"
    );
    // Each server's own events in the order it gave them.
    for origin in ["a", "b", "c"] {
        let ids: Vec<&str> = seen[0]
            .iter()
            .filter(|(_, e)| e.origin == origin)
            .map(|(_, e)| e.id.as_str())
            .collect();
        let wanted: Vec<String> = (0..20).map(|n| n.to_string()).collect();
        assert_eq!(ids, wanted, "{origin}");
    }
    // Another room on the same broker is another stream.
    let (other, other_rx) = linked(&broker, "Salle des profs!", "a", 1);
    wait_up(&other_rx);
    assert_ne!(
        stream_name("Salle des profs"),
        stream_name("Salle des profs!")
    );
    other.publish(None, "x".into(), said("a", 99));
    let (seq, envelope) = events(&other_rx, 1).remove(0);
    assert_eq!((seq, envelope.id.as_str()), (1, "x"));
}

#[test]
fn a_publish_sent_again_with_its_id_is_stored_once() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (a, a_rx) = linked(&broker, "r", "a", 1);
    let (_b, b_rx) = linked(&broker, "r", "b", 1);
    wait_up(&a_rx);
    wait_up(&b_rx);
    a.publish(None, "1".into(), said("a", 1));
    a.publish(None, "1".into(), said("a", 1));
    a.publish(None, "2".into(), said("a", 2));
    let stored: Vec<(String, u64)> = (0..3)
        .map(|_| {
            next_of(&a_rx, "stored", |news| match news {
                LinkNews::Stored { id, seq } => Some((id, seq)),
                _ => None,
            })
        })
        .collect();
    assert_eq!(
        stored,
        [("1".into(), 1), ("1".into(), 1), ("2".into(), 2)],
        "the copy has the first one's sequence"
    );
    let seen = events(&b_rx, 2);
    assert_eq!(
        seen.iter()
            .map(|(seq, e)| (*seq, e.id.as_str()))
            .collect::<Vec<_>>(),
        [(1, "1"), (2, "2")]
    );
}

#[test]
fn a_broker_killed_and_back_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let mut broker = Broker::start(dir.path());
    let (a, a_rx) = linked(&broker, "r", "a", 1);
    let (b, b_rx) = linked(&broker, "r", "b", 1);
    wait_up(&a_rx);
    wait_up(&b_rx);
    a.publish(None, "before".into(), said("a", 0));
    assert_eq!(events(&b_rx, 1)[0].0, 1);
    assert_eq!(events(&a_rx, 1)[0].0, 1);

    broker.kill();
    wait_down(&a_rx);
    wait_down(&b_rx);
    // Both sites go on talking while the broker is away.
    for n in 1..=10 {
        a.publish(None, format!("a{n}"), said("a", n));
        b.publish(None, format!("b{n}"), said("b", n));
    }
    broker.restart();
    wait_up(&a_rx);
    wait_up(&b_rx);
    let seen_a = events(&a_rx, 20);
    let seen_b = events(&b_rx, 20);
    assert_eq!(seen_a, seen_b, "the same order everywhere");
    let seqs: Vec<u64> = seen_a.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(
        seqs,
        (2..=21).collect::<Vec<u64>>(),
        "nothing again, nothing lost"
    );
    let mut ids: Vec<&str> = seen_a.iter().map(|(_, e)| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 20, "each once");
    // And after: a new event comes once, next in line.
    b.publish(None, "after".into(), said("b", 11));
    assert_eq!(events(&a_rx, 1)[0].0, 22);
}

#[test]
fn what_is_not_an_event_on_the_stream_is_skipped_and_reading_goes_on() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (a, a_rx) = linked(&broker, "r", "a", 1);
    wait_up(&a_rx);
    // Someone else on the broker writes straight into the room's subject (NATS's own protocol).
    let subject = format!("coucou.{}", stream_name("r"));
    let mut raw = std::net::TcpStream::connect(("127.0.0.1", broker.port())).expect("a connection");
    let huge = format!(
        r#"{{"origin":"eve","id":"1","msg":{{"type":"notice","text":"{}"}}}}"#,
        "x".repeat(coucou::link::MAX_EVENT_BYTES)
    );
    let mut line = b"CONNECT {\"verbose\":false}\r\n".to_vec();
    for junk in [
        "not json".to_owned(),
        r#"{"origin":"eve","id":"2","msg":{"type":"hello","version":1,"name":"x"}}"#.to_owned(),
        huge,
    ] {
        line.extend_from_slice(format!("PUB {subject} {}\r\n", junk.len()).as_bytes());
        line.extend_from_slice(junk.as_bytes());
        line.extend_from_slice(b"\r\n");
    }
    line.extend_from_slice(b"PING\r\n");
    raw.write_all(&line).expect("written");
    for seq in 1..=3 {
        let skipped = next_of(&a_rx, "a skipped message", |news| match news {
            LinkNews::Skipped { seq } => Some(seq),
            LinkNews::Event { seq, .. } => panic!("{seq} taken for an event"),
            _ => None,
        });
        assert_eq!(skipped, seq);
    }
    a.publish(None, "ok".into(), said("a", 1));
    let (seq, envelope) = events(&a_rx, 1).remove(0);
    assert_eq!((seq, envelope.id.as_str()), (4, "ok"));
}
