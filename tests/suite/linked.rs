//! One room across three Coucou servers linked through a real NATS broker (Debian's
//! `nats-server` 2.9, started by each test on 127.0.0.1 with JetStream in a temp folder; feature
//! `nats-tests`, which .ci/run turns on after installing it). Plain and JSON clients on every
//! server see every message once and in the same order, and the same people; a private message
//! crosses servers; a name held at one site is refused at another; the broker killed for 10 s
//! loses and doubles nothing; a server killed takes its people with it. Named rooms (#26): a room
//! made at one site appears at the other, with one id sequence for all of a host's rooms; the
//! broker's rooms keep the name rules and the host's limit; a terminal moving rooms keeps its
//! claim on its name; a linked room's history lasts a restart; a look-alike room is one room.
//! A site tells its apps who of the room is at another site (`elsewhere`), whatever the stream
//! says.
#![cfg(feature = "nats-tests")]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::common::broker::Broker;
use crate::common::{Json, PATIENCE, Plain, spawn_server, start_server_with};
use coucou::link::LinkConfig;
use coucou::protocol::{Chat, ClientMsg, ErrorCode, ServerMsg};
use coucou::server::{Server, ServerConfig};

pub(crate) const ROOM: &str = "Salle des profs";

/// Where and how a server (or the test's own link) is linked to `ROOM` on `broker`, as `origin`.
pub(crate) fn link_config(broker: &Broker, origin: &str) -> LinkConfig {
    LinkConfig {
        url: broker.url(),
        room: ROOM.into(),
        origin: origin.into(),
    }
}

/// A server linked to `ROOM` on `broker` as `origin`.
fn linked(broker: &Broker, origin: &str) -> Server {
    let _ = env_logger::builder()
        .is_test(true)
        .filter_level(log::LevelFilter::Info)
        .try_init();
    start_server_with(ServerConfig {
        flood: None,
        link: Some(link_config(broker, origin)),
        ..ServerConfig::default()
    })
}

/// Three servers linked to `ROOM` on `broker`: a, b and c.
fn three_sites(broker: &Broker) -> (Server, Server, Server) {
    (
        linked(broker, "a"),
        linked(broker, "b"),
        linked(broker, "c"),
    )
}

/// A person in the room, in either dialect.
enum Person {
    Plain(Plain),
    Json(Json),
}

impl Person {
    fn join(addr: SocketAddr, name: &str) -> Self {
        if name.starts_with('p') {
            Self::Plain(Plain::join(addr, name))
        } else {
            Self::Json(Json::join(addr, name).0)
        }
    }

    fn say(&mut self, text: &str) {
        match self {
            Self::Plain(plain) => plain.send(text),
            Self::Json(json) => json.send(&ClientMsg::Say {
                text: text.into(),
                cid: None,
            }),
        }
    }

    /// Waits until every one of `names` has joined, in whatever order.
    fn sees_joins(&mut self, names: &[&str]) {
        let mut missing: Vec<&str> = names.to_vec();
        while !missing.is_empty() {
            let joined = match self {
                Self::Plain(plain) => plain
                    .expect(" joined the room")
                    .strip_prefix("*** ")
                    .and_then(|line| line.strip_suffix(" joined the room"))
                    .map(str::to_owned),
                Self::Json(json) => match json.expect(|m| matches!(m, ServerMsg::Join { .. })) {
                    ServerMsg::Join { name, .. } => Some(name),
                    _ => None,
                },
            };
            missing.retain(|name| Some(*name) != joined.as_deref());
        }
    }

    /// Waits for a notice holding `words`; returns the texts of the messages that came before
    /// it.
    fn sees_notice(&mut self, words: &str) -> Vec<String> {
        let mut texts = Vec::new();
        loop {
            match self {
                Self::Plain(plain) => {
                    let line = plain.line();
                    if line.starts_with("***") && line.contains(words) {
                        return texts;
                    }
                    texts.extend(said(&line));
                }
                Self::Json(json) => match json.next() {
                    ServerMsg::Notice { text, .. } if text.contains(words) => return texts,
                    ServerMsg::Message(chat) => texts.push(chat.text),
                    _ => {}
                },
            }
        }
    }

    /// The texts of the room's messages, in the order they come, until every one of `last` has
    /// come.
    fn texts_until_all(&mut self, last: &[String]) -> Vec<String> {
        let mut texts: Vec<String> = Vec::new();
        loop {
            let text = match self {
                Self::Plain(plain) => match said(&plain.line()) {
                    Some(text) => text,
                    None => continue,
                },
                Self::Json(json) => match json.next() {
                    ServerMsg::Message(Chat { text, .. }) => text,
                    _ => continue,
                },
            };
            texts.push(text);
            if last.iter().all(|l| texts.contains(l)) {
                return texts;
            }
        }
    }

    /// Who the server says is here.
    fn who(&mut self) -> Vec<String> {
        match self {
            Self::Plain(plain) => {
                plain.send("/who");
                let line = plain.expect("people here");
                let (_, names) = line.split_once(": ").expect("a list after a colon");
                let mut names: Vec<String> = names.split(", ").map(str::to_owned).collect();
                names.sort();
                names
            }
            Self::Json(json) => {
                json.send(&ClientMsg::Who {});
                match json.expect(|m| matches!(m, ServerMsg::Users { .. })) {
                    ServerMsg::Users { mut users, .. } => {
                        users.sort();
                        users
                    }
                    _ => unreachable!(),
                }
            }
        }
    }
}

/// The text of a plain line that is a message of the room (`name: text`).
fn said(line: &str) -> Option<String> {
    match line.split_once(": ") {
        Some((from, text)) if !line.starts_with('*') && !from.contains(' ') => {
            Some(text.to_owned())
        }
        _ => None,
    }
}

/// `names` join `servers` (the n-th on the n-th, round), each waiting until everyone who joined
/// after them has arrived: then every link carries the room.
fn gather(servers: &[&Server], names: &[&str]) -> Vec<Person> {
    let mut people: Vec<Person> = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let addr = servers[n % servers.len()].local_addr();
        people.push(Person::join(addr, name));
    }
    for (n, person) in people.iter_mut().enumerate() {
        person.sees_joins(&names[n + 1..]);
    }
    people
}

#[test]
fn three_linked_servers_show_every_message_once_in_one_order_and_the_same_people() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (a, b, c) = three_sites(&broker);
    let names = ["pa", "jb", "pc", "ja", "pb", "jc"];
    let mut people = gather(&[&a, &b, &c], &names);

    // The same people everywhere.
    let mut everyone: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    everyone.sort();
    for person in &mut people {
        assert_eq!(person.who(), everyone);
    }

    // Everyone talks at once; everyone sees every message once, in one order.
    for round in 0..5 {
        for (person, name) in people.iter_mut().zip(names) {
            person.say(&format!("{name}-{round}"));
        }
    }
    let last: Vec<String> = names.iter().map(|name| format!("{name}-4")).collect();
    let seen: Vec<Vec<String>> = people
        .iter_mut()
        .map(|p| p.texts_until_all(&last))
        .collect();
    let mut wanted: Vec<String> = (0..5)
        .flat_map(|round| names.map(|name| format!("{name}-{round}")))
        .collect();
    wanted.sort();
    let mut distinct = seen[0].clone();
    distinct.sort();
    assert_eq!(distinct, wanted, "each message once");
    for other in &seen[1..] {
        assert_eq!(other, &seen[0], "the same order everywhere");
    }
}

#[test]
fn a_private_message_crosses_servers_and_a_name_held_at_one_site_is_refused_at_another() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (a, b, c) = three_sites(&broker);
    let mut people = gather(&[&a, &b, &c], &["pa", "jb", "pc"]);

    // pa at A → jb at B, jb → pc at C.
    if let Person::Plain(pa) = &mut people[0] {
        pa.send("/msg jb psst");
    }
    let Person::Json(jb) = &mut people[1] else {
        unreachable!()
    };
    let got = jb.expect(|m| matches!(m, ServerMsg::Private { .. }));
    assert!(
        matches!(&got, ServerMsg::Private { from, to, text, .. } if from == "pa" && to == "jb" && text == "psst"),
        "{got:?}"
    );
    jb.send(&ClientMsg::Msg {
        to: "pc".into(),
        text: "back to you".into(),
        cid: None,
    });
    let Person::Plain(pc) = &mut people[2] else {
        unreachable!()
    };
    let line = pc.expect("back to you");
    assert!(line.contains("jb -> pc"), "{line}");
    // A new name is checked across sites too: jb's is refused; a free one is everyone's news.
    pc.send("/nick JB");
    pc.expect("the name is taken");
    pc.send("/nick pierre");
    pc.expect("pc is now known as pierre");
    let Person::Json(jb) = &mut people[1] else {
        unreachable!()
    };
    jb.expect(|m| matches!(m, ServerMsg::Rename { new, .. } if new == "pierre"));

    // jb is at B: refused at C, as is a look-alike; a plain client gets a variant.
    for wanted in ["jb", "JB"] {
        let mut late = Json::connect(c.local_addr());
        late.send(&ClientMsg::Hello {
            version: 1,
            name: wanted.into(),
            device: None,
        });
        let refused = late.next();
        assert!(
            matches!(
                &refused,
                ServerMsg::Error {
                    code: ErrorCode::NameTaken,
                    ..
                }
            ),
            "{wanted}: {refused:?}"
        );
    }
    let mut variant = Plain::connect(a.local_addr());
    variant.send("pierre");
    variant.expect("pierre_2");

    // Two newcomers ask for one name at two sites at once: the broker gives it to one.
    let (ask_a, ask_b) = (a.local_addr(), b.local_addr());
    let asks: Vec<_> = [ask_a, ask_b]
        .into_iter()
        .map(|addr| {
            std::thread::Builder::new()
                .name("test-asks-zoe".into())
                .spawn(move || {
                    let mut json = Json::connect(addr);
                    json.send(&ClientMsg::Hello {
                        version: 1,
                        name: "zoé".into(),
                        device: None,
                    });
                    (json.next(), json)
                })
                .expect("a thread")
        })
        .collect();
    // Both stay connected until both are answered: the one let in keeps the name.
    let (answers, _connections): (Vec<ServerMsg>, Vec<Json>) = asks
        .into_iter()
        .map(|t| t.join().expect("the asking thread"))
        .unzip();
    let welcomed = answers
        .iter()
        .filter(|m| matches!(m, ServerMsg::Welcome { .. }))
        .count();
    let refused = answers
        .iter()
        .filter(|m| {
            matches!(
                m,
                ServerMsg::Error {
                    code: ErrorCode::NameTaken,
                    ..
                }
            )
        })
        .count();
    assert_eq!((welcomed, refused), (1, 1), "{answers:?}");
}

#[test]
fn a_broker_killed_for_ten_seconds_loses_and_doubles_nothing_gives_no_id_twice_and_the_order_is_one_after()
 {
    let dir = tempfile::tempdir().expect("a temp folder");
    let mut broker = Broker::start(dir.path());
    let (a, b, c) = three_sites(&broker);
    let names = ["ja", "jb", "jc", "pa"];
    let mut people = gather(&[&a, &b, &c], &names);
    for (person, name) in people.iter_mut().zip(names) {
        person.say(&format!("{name} before"));
    }
    let before: Vec<String> = names.iter().map(|name| format!("{name} before")).collect();
    for person in &mut people {
        person.texts_until_all(&before);
    }

    broker.kill();
    let mut seen: Vec<Vec<String>> = people
        .iter_mut()
        .map(|person| person.sees_notice("unreachable"))
        .collect();
    // People keep talking at every site for the ten seconds the broker is away: a message a
    // second each (the pace of the scenario, not a wait for anything).
    let away = Instant::now();
    let mut round = 0;
    while away.elapsed() < Duration::from_secs(10) {
        for (person, name) in people.iter_mut().zip(names) {
            person.say(&format!("{name} island {round}"));
        }
        round += 1;
        std::thread::sleep(Duration::from_secs(1));
    }
    broker.restart();
    for (person, seen) in people.iter_mut().zip(&mut seen) {
        seen.extend(person.sees_notice("reachable again"));
    }
    for (person, name) in people.iter_mut().zip(names) {
        person.say(&format!("{name} after"));
    }
    let last: Vec<String> = names.iter().map(|name| format!("{name} after")).collect();

    // Every message reaches everyone exactly once.
    let mut wanted: Vec<String> = Vec::new();
    for name in names {
        wanted.extend((0..round).map(|r| format!("{name} island {r}")));
        wanted.push(format!("{name} after"));
    }
    wanted.sort();
    let mut orders = Vec::new();
    for ((person, name), mut seen) in people.iter_mut().zip(names).zip(seen) {
        seen.extend(person.texts_until_all(&last));
        orders.push(
            seen.iter()
                .filter(|t| t.ends_with(" after"))
                .cloned()
                .collect::<Vec<_>>(),
        );
        seen.sort();
        assert_eq!(seen, wanted, "{name} sees every message once");
    }
    // Afterwards, one order: what was said after the return, live, and the whole history.
    for order in &orders[1..] {
        assert_eq!(order, &orders[0]);
    }
    // No id was given to two messages, in island mode or after: what each JSON person saw live.
    for person in &people {
        if let Person::Json(json) = person {
            let mut by_id: HashMap<u64, &String> = HashMap::new();
            for msg in json.seen() {
                if let ServerMsg::Message(chat) = msg {
                    let first = by_id.entry(chat.id).or_insert(&chat.text);
                    assert_eq!(*first, &chat.text, "id {} on two messages", chat.id);
                }
            }
        }
    }
    let histories: Vec<Vec<(u64, String)>> = people
        .iter_mut()
        .filter_map(|person| match person {
            Person::Json(json) => Some(history(json)),
            Person::Plain(_) => None,
        })
        .collect();
    assert_eq!(histories.len(), 3);
    let mut texts: Vec<&String> = histories[0].iter().map(|(_, text)| text).collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), histories[0].len(), "once each in the history");
    assert!(histories[0].len() >= wanted.len(), "{:?}", histories[0]);
    for other in &histories[1..] {
        assert_eq!(other, &histories[0], "every site's history in one order");
    }
}

/// The room's messages as the server's history gives them: ids and texts, oldest first.
fn history(json: &mut Json) -> Vec<(u64, String)> {
    json.send(&ClientMsg::History {
        before: None,
        limit: Some(100),
        label: None,
    });
    match json.expect(|m| matches!(m, ServerMsg::History { .. })) {
        ServerMsg::History { messages, .. } => messages
            .into_iter()
            .filter_map(|m| match m {
                ServerMsg::Message(chat) => Some((chat.id, chat.text)),
                _ => None,
            })
            .collect(),
        _ => unreachable!(),
    }
}

#[test]
fn a_server_killed_takes_its_people_from_the_other_sites_lists() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (a, b) = (linked(&broker, "a"), linked(&broker, "b"));
    let url = broker.url();
    let (third, port) = spawn_server(&[
        "--link",
        &url,
        "--link-room",
        ROOM,
        "--link-origin",
        "c",
        "--no-files",
    ]);
    let mut third = Killed(third);
    let c: SocketAddr = ([127, 0, 0, 1], port).into();
    let (mut ja, _) = Json::join(a.local_addr(), "ja");
    let (mut jb, _) = Json::join(b.local_addr(), "jb");
    let (_jc, _) = Json::join(c, "jc");
    for json in [&mut ja, &mut jb] {
        json.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "jc"));
    }
    ja.send(&ClientMsg::Who {});
    let here = ja.expect(|m| matches!(m, ServerMsg::Users { .. }));
    assert!(
        matches!(&here, ServerMsg::Users { users, .. } if users.len() == 3),
        "{here:?}"
    );

    third.0.kill().expect("kill the third server");
    third.0.wait().ok();
    let killed = Instant::now();
    let mut left = HashMap::new();
    for (name, json) in [("ja", &mut ja), ("jb", &mut jb)] {
        let leave = json.expect(|m| matches!(m, ServerMsg::Leave { name, .. } if name == "jc"));
        // The guide's promise: gone within 6 s (5 s without a beacon, checked every 0.5 s).
        let gone_after = killed.elapsed();
        assert!(
            gone_after < coucou::link::PRESENCE_TIMEOUT + Duration::from_secs(1),
            "{name} was told after {gone_after:?}"
        );
        left.insert(name, leave);
        json.send(&ClientMsg::Who {});
        let users = json.expect(|m| matches!(m, ServerMsg::Users { .. }));
        assert!(
            matches!(&users, ServerMsg::Users { users, .. } if *users == ["ja", "jb"]),
            "{users:?}"
        );
    }
    // One leave, told alike at both sites (the stream kept one of the two servers' copies).
    assert_eq!(left["ja"], left["jb"]);
}

/// A server in a child process, killed when the test ends however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// A rogue on the broker: a link of its own to the room, publishing what it likes as site
/// `origin`.
fn rogue(broker: &Broker, origin: &str) -> coucou::link::Link {
    listen(broker, origin).0
}

/// A link of the test's own to the room, as site `origin`, with what it hears (beacons,
/// events).
fn listen(
    broker: &Broker,
    origin: &str,
) -> (
    coucou::link::Link,
    crossbeam_channel::Receiver<coucou::link::LinkNews>,
) {
    let (tx, news) = crossbeam_channel::unbounded();
    let link = coucou::link::Link::start(
        link_config(broker, origin),
        0,
        coucou::EventSink::new(tx, std::sync::Arc::new(|| {})),
    )
    .expect("the test's link");
    (link, news)
}

#[test]
fn the_broker_speaks_neither_with_the_servers_voice_nor_as_someone_here_even_a_look_alike() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let a = linked(&broker, "a");
    let mut palice = Plain::join(a.local_addr(), "alice");
    let (mut watcher, _) = Json::join(a.local_addr(), "wendy");
    let rogue = rogue(&broker, "ailleurs");
    let notice = |id: Option<u64>, text: &str| ServerMsg::Notice {
        id,
        time: 1,
        text: text.into(),
    };
    let from = |name: &str, text: &str| {
        ServerMsg::Message(Chat {
            id: 0,
            time: 1,
            from: name.into(),
            text: text.into(),
            action: false,
            cid: None,
            ..Default::default()
        })
    };
    for (n, forged) in [
        notice(Some(1), "The server is stopping. Goodbye!"),
        notice(Some(2), "Bonjour alice ! Please type your password again:"),
        notice(None, "Bonjour zoé !"),
        notice(Some(4), "Bonjour ALICE !"),
        from("alice", "je suis alice"),
        from("ALICE", "moi aussi"),
        from("Alice", "et moi"),
        from("аӏісе", "et moi, en cyrillique"),
        // A greeting for someone elsewhere, in French: rebuilt in this room's words.
        notice(Some(3), "Bonjour zoé\u{a0}!"),
        from("zoé", "fin"),
    ]
    .into_iter()
    .enumerate()
    {
        rogue.publish(None, n.to_string(), forged);
    }

    let lines = palice.lines_until("zoé: fin");
    let shown: Vec<ServerMsg> = std::iter::from_fn(|| Some(watcher.next()))
        .take_while(|m| !matches!(m, ServerMsg::Message(chat) if chat.text == "fin"))
        .collect();
    let notices: Vec<&String> = shown
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Notice { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(notices, ["Bonjour zoé !"], "{shown:#?}");
    assert!(
        !shown.iter().any(|m| matches!(m, ServerMsg::Message(_))),
        "nobody here is spoken for: {shown:#?}"
    );
    let server_voice: Vec<&String> = lines.iter().filter(|l| l.starts_with("***")).collect();
    assert_eq!(
        server_voice.last().map(|l| l.as_str()),
        Some("*** Bonjour zoé !"),
        "{lines:#?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("stopping") || l.contains("password") || l.contains("moi")),
        "{lines:#?}"
    );
}

/// The next `join` of `name` that `client` reads: whether it came elsewhere.
fn joined_elsewhere(client: &mut Json, name: &str) -> bool {
    match client.expect(|m| matches!(m, ServerMsg::Join { name: n, .. } if n == name)) {
        ServerMsg::Join { elsewhere, .. } => elsewhere,
        _ => unreachable!(),
    }
}

#[test]
fn a_site_tells_its_apps_who_is_at_another_site_whatever_the_stream_says() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (a, b) = (linked(&broker, "a"), linked(&broker, "b"));
    let (mut alice, _) = Json::join(a.local_addr(), "alice");
    let (_lou, _) = Json::join(b.local_addr(), "lou");
    assert!(joined_elsewhere(&mut alice, "lou"));

    // A newcomer here: lou among everyone, and said to be elsewhere; the newcomer is not.
    let (mut bob, welcome) = Json::join(a.local_addr(), "bob");
    let ServerMsg::Welcome {
        users, elsewhere, ..
    } = welcome
    else {
        unreachable!()
    };
    assert_eq!(
        (users, elsewhere),
        (
            vec!["alice".into(), "bob".into(), "lou".into()],
            vec!["lou".to_owned()]
        )
    );
    assert!(!joined_elsewhere(&mut alice, "bob"));
    bob.send(&ClientMsg::Who {});
    let users = bob.expect(|m| matches!(m, ServerMsg::Users { .. }));
    assert!(
        matches!(&users, ServerMsg::Users { elsewhere, .. } if elsewhere == &["lou"]),
        "{users:?}"
    );

    // Another site's join that says it is not elsewhere is elsewhere here all the same.
    let rogue = rogue(&broker, "ailleurs");
    let forged = ServerMsg::Join {
        id: 0,
        time: 1,
        name: "marc".into(),
        elsewhere: false,
    };
    rogue.publish(None, "1".into(), forged);
    assert!(joined_elsewhere(&mut alice, "marc"));
}

#[test]
fn a_beacon_of_ten_thousand_names_then_silence_costs_no_stored_leave() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let history = dir.path().join("a.sqlite");
    let a = start_server_with(ServerConfig {
        link: Some(link_config(&broker, "a")),
        ..crate::common::stored(&history)
    });
    let (mut wendy, _) = Json::join(a.local_addr(), "wendy");
    // About 60 KB of three-letter names, and zed, who also joins through the stream.
    let letters: Vec<char> = ('a'..='z').chain('0'..='9').collect();
    let names: Vec<String> = std::iter::once("zed".to_owned())
        .chain((0..9_999).map(|n| {
            let (x, y, z) = (n / (36 * 36) % 26, n / 36 % 36, n % 36);
            [letters[x], letters[y], letters[z]].iter().collect()
        }))
        .collect();
    let rogue = rogue(&broker, "ailleurs");
    rogue.people(None, names);
    rogue.publish(
        None,
        "1".into(),
        ServerMsg::Join {
            id: 0,
            time: 1,
            name: "zed".into(),
            elsewhere: false,
        },
    );
    let deadline = Instant::now() + PATIENCE;
    loop {
        wendy.send(&ClientMsg::Who {});
        if let ServerMsg::Users { users, .. } =
            wendy.expect(|m| matches!(m, ServerMsg::Users { .. }))
            && users.len() > 9_000
            && users.iter().any(|u| u == "zed")
        {
            break;
        }
        assert!(Instant::now() < deadline, "the beacon was not taken");
    }

    // Silence: the site is gone after its presence timeout; only zed is said to leave.
    drop(rogue);
    let mut left = Vec::new();
    while !left.iter().any(|n| n == "zed") {
        if let ServerMsg::Leave { name, .. } =
            wendy.expect(|m| matches!(m, ServerMsg::Leave { .. }))
        {
            left.push(name);
        }
    }
    wendy.send(&ClientMsg::Who {});
    let mut after = Vec::new();
    let users = loop {
        match wendy.next() {
            ServerMsg::Users { users, .. } => break users,
            other => after.push(other),
        }
    };
    assert_eq!(left, ["zed"]);
    assert!(
        !after.iter().any(|m| matches!(m, ServerMsg::Leave { .. })),
        "{after:?}"
    );
    assert_eq!(users, ["wendy"], "the listed names are gone from the lists");
    drop(wendy);
    a.stop();
    let conn = rusqlite::Connection::open(&history).expect("the history");
    let leaves: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM messages WHERE json LIKE '%\"type\":\"leave\"%' \
             AND json NOT LIKE '%\"name\":\"wendy\"%'",
            [],
            |row| row.get(0),
        )
        .expect("a count");
    assert_eq!(leaves, 1, "zed's alone");
}

/// Reads until `client` knows the host has the named room `room`: told it was made, or listed
/// (it asks for the list first, which also makes it one who is told rooms made).
fn sees_room(client: &mut Json, room: &str) {
    client.send(&ClientMsg::Rooms { label: None });
    client.expect(|m| match m {
        ServerMsg::RoomMade { name, .. } => name == room,
        ServerMsg::Rooms { rooms, .. } => rooms.iter().any(|r| r.name == room),
        _ => false,
    });
}

/// The messages `client` reads until it has read each of `texts`: each one's room, id and text.
fn said_until(client: &mut Json, texts: &[&str]) -> Vec<(Option<String>, u64, String)> {
    let mut said: Vec<(Option<String>, u64, String)> = Vec::new();
    while !texts.iter().all(|t| said.iter().any(|s| s.2 == *t)) {
        if let (room, ServerMsg::Message(Chat { id, text, .. })) = client.next_in() {
            said.push((room, id, text));
        }
    }
    said
}

#[test]
fn named_rooms_cross_sites_one_id_sequence_a_room_made_at_one_site_appears_at_the_other() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let config = |origin: &str, rooms: Vec<String>| ServerConfig {
        flood: None,
        rooms,
        link: Some(link_config(&broker, origin)),
        room_passwords: if origin == "a" {
            vec![(
                "Secret".into(),
                coucou::protocol::password::RoomKey::new("tournesol").expect("a key"),
            )]
        } else {
            Vec::new()
        },
        ..ServerConfig::default()
    };
    // "Projet X" is a's from its start; b has no named room.
    let a = start_server_with(config("a", vec!["Projet X".into()]));
    let b = start_server_with(config("b", Vec::new()));
    let (mut ja, _) = Json::join(a.local_addr(), "ja");
    let (mut jb, _) = Json::join(b.local_addr(), "jb");
    sees_room(&mut jb, "Projet X");
    // A room made at b while it runs appears at a.
    b.make_room("Pause").expect("b makes a room");
    sees_room(&mut ja, "Pause");

    // One JSON connection in both rooms at each site, a terminal in one at b.
    ja.join_room("Projet X");
    ja.join_room("Pause");
    let mut pb = Plain::join(b.local_addr(), "pb");
    pb.send("/join Projet X");
    pb.expect("Projet X");
    jb.join_room("Projet X");
    jb.join_room("Pause");
    // Everyone's join has crossed once ja sees pb's and jb's (the last) in Projet X.
    for name in ["pb", "jb"] {
        ja.expect_in(
            Some("Projet X"),
            |m| matches!(m, ServerMsg::Join { name: n, .. } if n == name),
        );
    }

    ja.send_in(
        "Projet X",
        &ClientMsg::Say {
            text: "x from a".into(),
            cid: None,
        },
    );
    jb.send_in(
        "Pause",
        &ClientMsg::Say {
            text: "pause from b".into(),
            cid: None,
        },
    );
    jb.send(&ClientMsg::Say {
        text: "main from b".into(),
        cid: None,
    });
    pb.send("x from pb");
    ja.send(&ClientMsg::Say {
        text: "fin".into(),
        cid: None,
    });

    let texts = [
        "x from a",
        "pause from b",
        "main from b",
        "x from pb",
        "fin",
    ];
    let at_a = said_until(&mut ja, &texts);
    let at_b = said_until(&mut jb, &texts);
    let mut wanted = vec![
        (Some("Projet X".to_owned()), "x from a"),
        (Some("Pause".to_owned()), "pause from b"),
        (None, "main from b"),
        (Some("Projet X".to_owned()), "x from pb"),
        (None, "fin"),
    ];
    wanted.sort();
    for (site, said) in [("a", &at_a), ("b", &at_b)] {
        let mut got: Vec<(Option<String>, &str)> = said
            .iter()
            .map(|(room, _, text)| (room.clone(), text.as_str()))
            .collect();
        got.sort();
        assert_eq!(got, wanted, "each message once, in its room, at {site}");
        let mut ids: Vec<u64> = said.iter().map(|(_, id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            ids.len(),
            said.len(),
            "one id sequence for every room: {said:?}"
        );
    }
    // The same message has the same id at both sites: the stream's sequence.
    let mut by_text_a: Vec<(String, u64)> =
        at_a.iter().map(|(_, id, t)| (t.clone(), *id)).collect();
    let mut by_text_b: Vec<(String, u64)> =
        at_b.iter().map(|(_, id, t)| (t.clone(), *id)).collect();
    by_text_a.sort();
    by_text_b.sort();
    assert_eq!(by_text_a, by_text_b);
    // The terminal in Projet X sees what was said there, from both sites, and nothing else.
    let mut lines: Vec<String> = Vec::new();
    while !["ja: x from a", "pb: x from pb"]
        .iter()
        .all(|wanted| lines.iter().any(|l| l == wanted))
    {
        lines.push(pb.line());
    }
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("pause") || l.contains("main")),
        "{lines:#?}"
    );

    // A room with a password stays its own site's: never said to b.
    assert_eq!(a.rooms(), ["Projet X", "Secret", "Pause"]);
    assert_eq!(b.rooms(), ["Projet X", "Pause"]);
}

#[test]
fn rooms_from_the_broker_keep_the_name_rules_and_the_hosts_limit() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let a = start_server_with(ServerConfig {
        flood: None,
        room: ROOM.into(),
        link: Some(link_config(&broker, "a")),
        room_limits: coucou::server::RoomLimits {
            max_rooms: 4,
            ..coucou::server::RoomLimits::default()
        },
        ..ServerConfig::default()
    });
    let (mut watcher, _) = Json::join(a.local_addr(), "wendy");
    let rogue = rogue(&broker, "ailleurs");
    let said = |text: &str| {
        ServerMsg::Message(Chat {
            id: 0,
            time: 1,
            from: "zed".into(),
            text: text.into(),
            action: false,
            cid: None,
            ..Default::default()
        })
    };
    let long = "r".repeat(200);
    let bad = [
        "Pro\u{200b}jet",
        "",
        "   ",
        long.as_str(),
        "coucou\u{202e}",
        ROOM,
        "salle des profs",
    ];
    for (n, room) in bad.iter().enumerate() {
        rogue.publish(Some(room), n.to_string(), said("bad"));
    }
    // A flood of rooms: the host makes three (its limit, the default room included), no more.
    for n in 0..200 {
        rogue.publish(Some(&format!("Salle {n}")), format!("f{n}"), said("flood"));
    }
    // A look-alike of a room made meanwhile speaks in that room, not in one of its own.
    rogue.publish(Some("SALLE 0"), "look".into(), said("look-alike"));
    rogue.publish(None, "fin".into(), said("fin"));
    watcher.expect(|m| matches!(m, ServerMsg::Message(Chat { text, .. }) if text == "fin"));
    assert_eq!(a.rooms(), ["Salle 0", "Salle 1", "Salle 2"]);
    let in_default: Vec<&ServerMsg> = watcher
        .seen()
        .iter()
        .filter(|m| matches!(m, ServerMsg::Message(_)))
        .collect();
    assert_eq!(
        in_default.len(),
        1,
        "only fin in the default room: {in_default:#?}"
    );

    // The rooms made are real: a newcomer joins one and finds what was said there.
    let (mut newcomer, _) = Json::join(a.local_addr(), "nina");
    let welcome = newcomer.join_room("Salle 0");
    let ServerMsg::Welcome { history, .. } = welcome else {
        unreachable!()
    };
    let texts: Vec<&str> = history
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Message(Chat { text, .. }) => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["flood", "look-alike"]);
}

#[test]
fn a_terminal_moving_to_a_named_room_keeps_its_claim_on_its_name() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let linked_with = |origin: &str, rooms: Vec<String>| ServerConfig {
        flood: None,
        rooms,
        link: Some(link_config(&broker, origin)),
        ..ServerConfig::default()
    };
    let a = start_server_with(linked_with("a", vec!["Projet X".into()]));
    // pat leaves a's default room for Projet X: in none of a's rooms for a moment.
    let mut pat = Plain::join(a.local_addr(), "pat");
    pat.send("/join Projet X");
    pat.expect("Projet X");
    // quinn comes and goes at a. A listener on the broker waits for a's second beacon without
    // quinn: a's beat came after quinn's name was given back, and gave back what its rooms had
    // given back by then.
    let (listener, news) = listen(&broker, "listener");
    let mut quinn = Plain::join(a.local_addr(), "quinn");
    quinn.send("exit");
    quinn.expect_closed();
    let mut without_quinn = 0;
    while without_quinn < 2 {
        let told = news.recv_timeout(PATIENCE).expect("a's beacons");
        if let coucou::link::LinkNews::Beacon(beacon) = told
            && beacon.origin == "a"
            && !beacon.people.contains(&"quinn".to_owned())
        {
            without_quinn += 1;
        }
    }
    // The names bucket itself says: quinn's name is free, pat's is still a's.
    let claim = |name: &str| listener.claim(coucou::link::claim_key(name), PATIENCE);
    assert_eq!(claim("quinn"), coucou::link::Claim::Granted);
    assert_eq!(claim("pat"), coucou::link::Claim::Taken);
}

#[test]
fn a_linked_named_rooms_history_lasts_a_restart_and_nothing_is_doubled() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let config = |origin: &str, rooms: Vec<String>| ServerConfig {
        rooms,
        link: Some(link_config(&broker, origin)),
        ..crate::common::stored(&dir.path().join(format!("{origin}.sqlite")))
    };
    let a = start_server_with(config("a", vec!["Projet X".into()]));
    let b = start_server_with(config("b", Vec::new()));
    let (mut jb, _) = Json::join(b.local_addr(), "jb");
    sees_room(&mut jb, "Projet X");
    jb.join_room("Projet X");
    let (mut ja, _) = Json::join(a.local_addr(), "ja");
    ja.join_room("Projet X");
    for text in ["un", "deux"] {
        ja.send_in(
            "Projet X",
            &ClientMsg::Say {
                text: text.into(),
                cid: None,
            },
        );
    }
    said_until(&mut jb, &["un", "deux"]);
    drop(ja);

    // a stops; b's room goes on; a comes back from its store and reads what it missed.
    let addr = a.local_addr();
    a.stop();
    jb.send_in(
        "Projet X",
        &ClientMsg::Say {
            text: "trois".into(),
            cid: None,
        },
    );
    said_until(&mut jb, &["trois"]);
    let a = crate::common::restart_at(addr, config("a", Vec::new()));
    let (mut ja, _) = Json::join(a.local_addr(), "ja");
    jb.send_in(
        "Projet X",
        &ClientMsg::Say {
            text: "quatre".into(),
            cid: None,
        },
    );
    // Once quatre is in, ja's welcome to the room holds all four, each once, in order.
    said_until(&mut jb, &["quatre"]);
    let texts = || -> Vec<String> {
        let mut newcomer = Json::join(a.local_addr(), "nina").0;
        let ServerMsg::Welcome { history, .. } = newcomer.join_room("Projet X") else {
            unreachable!()
        };
        history
            .into_iter()
            .filter_map(|m| match m {
                ServerMsg::Message(Chat { text, .. }) => Some(text),
                _ => None,
            })
            .collect()
    };
    // The restarted site reads the stream in turns: quatre is in ja's welcome, or comes after
    // (maybe before ja's own join, which goes through the stream too).
    let ServerMsg::Welcome { history, .. } = ja.join_room("Projet X") else {
        unreachable!()
    };
    let quatre =
        |m: &ServerMsg| matches!(m, ServerMsg::Message(Chat { text, .. }) if text == "quatre");
    if !history.iter().chain(ja.seen()).any(quatre) {
        ja.expect_in(
            Some("Projet X"),
            |m| matches!(m, ServerMsg::Message(Chat { text, .. }) if text == "quatre"),
        );
    }
    assert_eq!(texts(), ["un", "deux", "trois", "quatre"]);
    assert_eq!(a.rooms(), ["Projet X"], "kept in the store, not made twice");
}

#[test]
fn a_look_alike_room_at_another_site_is_the_same_room_for_its_people_too() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let config = |origin: &str, room: &str| ServerConfig {
        flood: None,
        rooms: vec![room.into()],
        link: Some(link_config(&broker, origin)),
        ..ServerConfig::default()
    };
    // Each site made its room before they were linked: "Projet X" at a, "projet x" at b.
    let a = start_server_with(config("a", "Projet X"));
    let b = start_server_with(config("b", "projet x"));
    let (_listener, news) = listen(&broker, "listener");
    let (mut jb, _) = Json::join(b.local_addr(), "jb");
    jb.join_room("projet x");
    let (mut ja, _) = Json::join(a.local_addr(), "ja");
    ja.join_room("Projet X");
    jb.expect_in(
        Some("projet x"),
        |m| matches!(m, ServerMsg::Join { name, .. } if name == "ja"),
    );
    // Two of a's beacons list ja in "Projet X"; what ja says next comes to b after them.
    let mut listed = 0;
    while listed < 2 {
        let told = news.recv_timeout(PATIENCE).expect("a's beacons");
        if let coucou::link::LinkNews::Beacon(beacon) = told
            && beacon.origin == "a"
            && beacon
                .rooms
                .get("Projet X")
                .is_some_and(|people| people.contains(&"ja".to_owned()))
        {
            listed += 1;
        }
    }
    ja.send_in(
        "Projet X",
        &ClientMsg::Say {
            text: "fin".into(),
            cid: None,
        },
    );
    jb.expect_in(
        Some("projet x"),
        |m| matches!(m, ServerMsg::Message(Chat { text, .. }) if text == "fin"),
    );
    jb.send_in("projet x", &ClientMsg::Who {});
    let users = jb.expect_in(Some("projet x"), |m| matches!(m, ServerMsg::Users { .. }));
    assert!(
        matches!(&users, ServerMsg::Users { users, .. } if users.contains(&"ja".to_owned())),
        "a's beacons keep ja in b's look-alike room: {users:?}"
    );
}

#[test]
fn a_reply_an_edit_a_reaction_and_a_deletion_at_one_site_are_seen_at_the_other_and_kept_there() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (a, b) = (linked(&broker, "a"), linked(&broker, "b"));
    // ja and pa at a, jb and pb at b.
    let people: [Person; 4] = gather(&[&a, &b], &["ja", "jb", "pa", "pb"])
        .try_into()
        .unwrap_or_else(|_| unreachable!());
    let [
        Person::Json(mut alice),
        Person::Json(mut bob),
        _,
        Person::Plain(mut tom),
    ] = people
    else {
        unreachable!()
    };
    // As the app does once welcomed: it reads edits and reactions.
    for client in [&mut alice, &mut bob] {
        client.send(&ClientMsg::Changes {});
        client.send(&ClientMsg::Who {});
        client.expect(|m| matches!(m, ServerMsg::Users { .. }));
    }
    alice.send(&ClientMsg::Say {
        text: "réunion à dix heures".into(),
        cid: None,
    });
    let said = |client: &mut Json, text: &str| match client
        .expect(|m| matches!(m, ServerMsg::Message(c) if c.text == text))
    {
        ServerMsg::Message(chat) => chat,
        _ => unreachable!(),
    };
    let original = said(&mut bob, "réunion à dix heures");
    assert_eq!(
        said(&mut alice, "réunion à dix heures").id,
        original.id,
        "one id everywhere"
    );

    // An edit by its author at a, seen at b (JSON and terminal).
    alice.send(&ClientMsg::Edit {
        id: original.id,
        text: "réunion à onze heures".into(),
    });
    for client in [&mut alice, &mut bob] {
        let ServerMsg::Edited(now) = client.expect(|m| matches!(m, ServerMsg::Edited(_))) else {
            unreachable!()
        };
        assert_eq!(
            (now.id, now.text.as_str()),
            (original.id, "réunion à onze heures")
        );
    }
    tom.expect("*** ja edited a message: réunion à onze heures");
    // Not bob's to edit, from the other site either.
    bob.send(&ClientMsg::Edit {
        id: original.id,
        text: "usurpé".into(),
    });
    bob.expect(|m| {
        matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::NotYours,
                ..
            }
        )
    });

    // A reaction and a reply at b, seen at a.
    bob.send(&ClientMsg::React {
        id: original.id,
        emoji: "👍".into(),
        on: true,
    });
    let ServerMsg::Reacted(reacted) = alice.expect(|m| matches!(m, ServerMsg::Reacted(_))) else {
        unreachable!()
    };
    assert_eq!((reacted.name.as_str(), reacted.reactions.len()), ("jb", 1));
    bob.send(&ClientMsg::Reply {
        id: original.id,
        text: "d'accord".into(),
        cid: None,
    });
    let answer = said(&mut alice, "d'accord");
    let quote = answer.reply.expect("a quote");
    assert_eq!(quote.text.as_deref(), Some("réunion à onze heures"));

    // Each site kept it as it is now: a newcomer at either reads the edit and the reaction.
    for (server, name) in [(&a, "jy"), (&b, "jz")] {
        let (_, welcome) = Json::join(server.local_addr(), name);
        let ServerMsg::Welcome { history, .. } = welcome else {
            unreachable!()
        };
        let kept = history
            .iter()
            .find_map(|m| match m {
                ServerMsg::Message(chat) if chat.id == original.id => Some(chat.clone()),
                _ => None,
            })
            .expect("the message");
        assert_eq!(kept.text, "réunion à onze heures");
        assert!(kept.edited);
        assert_eq!(kept.reactions.len(), 1);
    }

    // Its author takes it back at a: a tombstone at both sites, terminals included; not bob's
    // to delete from b.
    bob.send(&ClientMsg::Delete { id: original.id });
    bob.expect(|m| {
        matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::NotYours,
                ..
            }
        )
    });
    alice.send(&ClientMsg::Delete { id: original.id });
    for client in [&mut alice, &mut bob] {
        client.expect(|m| {
            matches!(m, ServerMsg::Notice { id: Some(id), text, .. }
                if *id == original.id && text == "ja deleted this message")
        });
    }
    tom.expect("*** ja deleted this message");
    // Gone from both sites' histories and searches.
    for (server, name) in [(&a, "jw"), (&b, "jx")] {
        let (mut newcomer, welcome) = Json::join(server.local_addr(), name);
        let ServerMsg::Welcome { history, .. } = welcome else {
            unreachable!()
        };
        assert!(
            !history
                .iter()
                .any(|m| matches!(m, ServerMsg::Message(chat) if chat.id == original.id)),
            "{history:?}"
        );
        assert!(
            history
                .iter()
                .any(|m| matches!(m, ServerMsg::Notice { id: Some(id), .. } if *id == original.id))
        );
        newcomer.send(&ClientMsg::Search {
            text: "onze".into(),
            limit: None,
            label: None,
        });
        let found = newcomer.expect(|m| matches!(m, ServerMsg::Results { .. }));
        assert!(
            matches!(&found, ServerMsg::Results { results, .. } if results.is_empty()),
            "{found:?}"
        );
    }
}
