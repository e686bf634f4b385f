//! Moderation across linked sites (#27) through a real NATS broker (Debian's `nats-server`, started
//! by each test on 127.0.0.1; feature `nats-tests`): a ban, a mute, their lifting and a deletion
//! made at one site hold at the other, which trusts it by its room's fingerprint, and so does a
//! room's clearing (not at a site that does not trust it), and a kick of someone at the other
//! site; a named room's moderator muting or removing someone at the other site there, in that
//! room only (never its owner, never through the default room); a device's name kept while it is away
//! is claimed at every site; never on the
//! other site's owner; a site without a store, restarted, keeps out what its own moderators
//! deleted, cleared, banned or muted before, a lifted ban lifted (and never does again a ruling of
//! its own from this run, nor a kick of an earlier run); and a
//! ruling from a site nobody trusts, or with another key's signature, or changed after it was
//! signed, is dropped.
#![cfg(feature = "nats-tests")]

use std::time::{Duration, Instant};

use crate::common::broker::Broker;
use crate::common::{Json, start_server_with, test_identity};
use crate::devices::{act, app, device, hello, machine, moderator, proof, tls_from};
use crate::linked::link_config;
use crate::messages::expect_chat;
use crate::moderation::{moderate, moderated, say};
use crate::room_moderators::{refused_in, say_in};
use coucou::identity::Identity;
use coucou::protocol::command::Moderate;
use coucou::protocol::message::Act;
use coucou::protocol::ruling::{Ruling, Signed};
use coucou::protocol::{ErrorCode, ServerMsg};
use coucou::server::{Server, ServerConfig};

/// Site `origin` on `broker`, signing with `site`, trusting `trust`, owned by `owners`.
fn site(
    broker: &Broker,
    origin: &str,
    site: &Identity,
    trust: &[&Identity],
    owners: Vec<coucou::protocol::device::DeviceId>,
) -> Server {
    start_server_with(ServerConfig {
        link: Some(link_config(broker, origin)),
        site: Some(site.clone()),
        link_trust: trust.iter().map(|site| site.fingerprint()).collect(),
        owners,
        ..moderated(ServerConfig::default())
    })
}

/// Site b on `broker`, trusting `site_a` alone, with bob (an app without a device) in its room.
fn bob_at_a_site_trusting(broker: &Broker, site_a: &Identity) -> (Server, Json) {
    let b = site(
        broker,
        "b",
        &Identity::generate().expect("b"),
        &[site_a],
        vec![],
    );
    let bob = app(b.local_addr(), machine(4), None, "bob");
    (b, bob)
}

/// A link of the test's own to the broker, publishing as a site nobody trusts (anyone on the
/// broker can publish).
fn rogue(broker: &Broker) -> coucou::link::Link {
    let (tx, _news) = crossbeam_channel::unbounded();
    coucou::link::Link::start(
        link_config(broker, "ailleurs"),
        0,
        coucou::EventSink::new(tx, std::sync::Arc::new(|| {})),
    )
    .expect("the test's link")
}

/// Publishes a message `text` after what was published before: once it is heard, what came
/// before it was read.
fn marker(rogue: &coucou::link::Link, text: &str) {
    rogue.publish(
        None,
        "marker".into(),
        ServerMsg::Message(coucou::protocol::Chat {
            from: "zoe".into(),
            text: text.into(),
            time: 1,
            ..Default::default()
        }),
    );
}

/// Waits until `client` sees the message `text` (from anyone); its id.
fn heard(client: &mut Json, text: &str) -> u64 {
    expect_chat(client, text).id
}

fn notice(client: &mut Json, needle: &str) {
    client.expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains(needle)));
}

/// How many of the notices `client` was told so far hold `needle`.
fn notices(client: &Json, needle: &str) -> usize {
    client
        .seen()
        .iter()
        .filter(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains(needle)))
        .count()
}

#[test]
fn a_ban_a_mute_and_a_deletion_at_one_site_hold_at_the_site_that_trusts_it_but_never_on_its_owner()
{
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (site_a, site_b) = (test_identity().clone(), Identity::generate().expect("b"));
    let (_owner_dir, owner) = device();
    let (_troll_dir, troll_device) = device();
    let a = site(&broker, "a", &site_a, &[&site_b], vec![]);
    let b = site(&broker, "b", &site_b, &[&site_a], vec![owner.id()]);
    let mut teacher = moderator(a.local_addr(), "teacher");
    let mut boss = app(b.local_addr(), machine(2), Some(&owner), "boss");
    let mut troll = app(b.local_addr(), machine(3), Some(&troll_device), "troll");
    let mut bob = app(b.local_addr(), machine(4), None, "bob");
    let mut wendy = app(b.local_addr(), machine(5), None, "wendy");
    teacher.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "wendy"));

    // A deletion: the message's id is the stream's, the same at both sites.
    say(&mut bob, "spam spam spam");
    let spam = heard(&mut teacher, "spam spam spam");
    teacher.send(
        &coucou::protocol::Command::Moderate(Moderate {
            id: Some(spam),
            ..Moderate::alone(Act::Delete)
        })
        .to_client_msg(),
    );
    wendy.expect(|m| matches!(m, ServerMsg::Notice { id: Some(id), text, .. } if *id == spam && text.contains("removed by teacher")));

    // A ban from site a removes the troll at site b, and keeps their device out under any name.
    let banned_at = Instant::now();
    teacher.send(&act(Act::Ban, "troll"));
    let last = troll.expect_closed();
    eprintln!(
        "a ban at one site removed the troll at the other in {:?}",
        banned_at.elapsed()
    );
    assert!(
        last.iter().any(|m| matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::Banned,
                ..
            }
        )),
        "{last:#?}"
    );
    notice(&mut wendy, "troll was banned from the host by teacher");
    let mut again = tls_from(b.local_addr(), machine(6));
    let proved = proof(&again, &troll_device);
    again.send(&hello("angel", Some(proved)));
    assert!(matches!(
        again.expect_closed().as_slice(),
        [ServerMsg::Error {
            code: ErrorCode::Banned,
            ..
        }]
    ));

    // A mute, then its lifting.
    teacher.send(&act(Act::Mute, "bob"));
    notice(&mut bob, "bob was muted by teacher");
    say(&mut bob, "can I?");
    bob.expect(|m| {
        matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::Muted,
                ..
            }
        )
    });
    teacher.send(&act(Act::Unmute, "bob"));
    let lifted = Instant::now();
    loop {
        say(&mut bob, "and now?");
        match bob.expect(|m| matches!(m, ServerMsg::Error { .. } | ServerMsg::Message(_))) {
            ServerMsg::Message(_) => break,
            _ => assert!(lifted.elapsed() < Duration::from_secs(10), "still muted"),
        }
    }

    // Never on site b's owner.
    teacher.send(&act(Act::Ban, "boss"));
    say(&mut boss, "still here");
    heard(&mut wendy, "still here");
    assert!(
        !boss.seen().iter().any(|m| matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::Banned,
                ..
            }
        )),
        "{:#?}",
        boss.seen()
    );
    drop((a, b));
}

#[test]
fn a_room_cleared_at_one_site_is_cleared_at_the_site_that_trusts_it_and_kept_at_one_that_does_not()
{
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (site_a, site_b) = (test_identity().clone(), Identity::generate().expect("b"));
    let a = site(&broker, "a", &site_a, &[&site_b], vec![]);
    let b = site(&broker, "b", &site_b, &[&site_a], vec![]);
    let c = site(&broker, "c", &Identity::generate().expect("c"), &[], vec![]);
    let mut teacher = moderator(a.local_addr(), "teacher");
    let mut wendy = app(b.local_addr(), machine(2), None, "wendy");
    let mut carol = app(c.local_addr(), machine(3), None, "carol");
    say(&mut wendy, "before the clearing");
    for client in [&mut teacher, &mut carol] {
        heard(client, "before the clearing");
    }

    teacher.send(&moderate(Moderate::alone(Act::Clear)));
    wendy.expect(|m| matches!(m, ServerMsg::Cleared {}));
    notice(&mut wendy, "teacher cleared this room's history");
    let history = wendy.whole_history();
    let said = |history: &[ServerMsg], text: &str| {
        history
            .iter()
            .any(|m| matches!(m, ServerMsg::Message(chat) if chat.text == text))
    };
    assert!(!said(&history, "before the clearing"), "{history:#?}");
    assert!(
        history.iter().any(
            |m| matches!(m, ServerMsg::Notice { text, .. } if text.contains("teacher cleared"))
        )
    );

    // Site c trusts nobody: by the time it hears what came after the ruling, it has dropped it.
    say(&mut teacher, "after the clearing");
    heard(&mut carol, "after the clearing");
    assert!(
        !carol
            .seen()
            .iter()
            .any(|m| matches!(m, ServerMsg::Cleared {}))
    );
    assert!(said(&carol.whole_history(), "before the clearing"));
    drop((a, b, c));
}

#[test]
fn someone_at_another_site_kicked_from_the_people_list_is_removed_there_but_never_its_owner() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let site_a = test_identity().clone();
    let (_owner_dir, owner) = device();
    let a = site(&broker, "a", &site_a, &[], vec![]);
    let b = site(
        &broker,
        "b",
        &Identity::generate().expect("b"),
        &[&site_a],
        vec![owner.id()],
    );
    let mut teacher = moderator(a.local_addr(), "teacher");
    let mut boss = app(b.local_addr(), machine(2), Some(&owner), "boss");
    let mut bob = app(b.local_addr(), machine(4), None, "bob");
    teacher.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "bob"));

    teacher.send(&crate::moderation::act(
        Act::Kick,
        Some("bob"),
        None,
        Some("off topic"),
    ));
    notice(
        &mut teacher,
        "bob is at another site: it was asked to remove them (teacher). Reason: off topic",
    );
    let last = bob.expect_closed();
    assert!(
        last.iter().any(|m| matches!(
            m,
            ServerMsg::Error { code: ErrorCode::Kicked, message, .. }
                if message.contains("removed from the host by teacher")
        )),
        "{last:#?}"
    );
    notice(&mut boss, "bob was removed from the host by teacher");

    // Never b's owner: still there, and the teacher hears them after the kick.
    teacher.send(&act(Act::Kick, "boss"));
    notice(&mut teacher, "boss is at another site");
    say(&mut boss, "still here");
    heard(&mut teacher, "still here");
    assert!(
        !boss.seen().iter().any(|m| matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::Kicked,
                ..
            }
        )),
        "{:#?}",
        boss.seen()
    );
    drop((a, b));
}

#[test]
fn a_name_kept_for_a_device_away_stays_claimed_at_every_site_and_comes_back_with_it() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let a = site(&broker, "a", test_identity(), &[], vec![]);
    let (_bob_dir, bobs) = device();
    let bob = app(a.local_addr(), machine(2), Some(&bobs), "bob");
    // bob leaves. A listener on the broker waits for a's second beacon without bob: by then a's
    // beat has given back whatever names its rooms gave back (see `linked`).
    let (tx, news) = crossbeam_channel::unbounded();
    let listener = coucou::link::Link::start(
        link_config(&broker, "listener"),
        0,
        coucou::EventSink::new(tx, std::sync::Arc::new(|| {})),
    )
    .expect("the test's link");
    let mut quitting = bob;
    quitting.send(&coucou::protocol::ClientMsg::Quit {});
    quitting.expect_closed();
    let mut without_bob = 0;
    while without_bob < 2 {
        let told = news
            .recv_timeout(crate::common::PATIENCE)
            .expect("a's beacons");
        if let coucou::link::LinkNews::Beacon(beacon) = told
            && beacon.origin == "a"
            && !beacon.people.contains(&"bob".to_owned())
        {
            without_bob += 1;
        }
    }
    // The names bucket says bob's name is still a's: nobody at another site takes it.
    let claim = |name: &str| listener.claim(coucou::link::claim_key(name), crate::common::PATIENCE);
    assert_eq!(claim("bob"), coucou::link::Claim::Taken);
    assert_eq!(claim("Bob"), coucou::link::Claim::Taken, "a look-alike");
    // bob's device comes back, from another address: its name is its own again.
    let mut back = app(a.local_addr(), machine(3), Some(&bobs), "bob");
    say(&mut back, "back");
    heard(&mut back, "back");
    drop(a);
}

#[test]
fn a_ruling_from_a_site_nobody_trusts_signed_by_another_key_or_changed_is_dropped() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (site_a, stranger) = (test_identity().clone(), Identity::generate().expect("c"));
    let (b, mut bob) = bob_at_a_site_trusting(&broker, &site_a);
    let rogue = rogue(&broker);
    let ban_bob = Ruling::about(Act::Ban, Some("bob".into()), "mallory");
    let genuine = site_a.sign_ruling(&ban_bob).expect("signed");
    let forged = [
        // From a site b does not trust.
        stranger.sign_ruling(&ban_bob).expect("signed"),
        // A trusted site's certificate, another key's signature.
        Signed {
            cert: genuine.cert.clone(),
            ..stranger.sign_ruling(&ban_bob).expect("signed")
        },
        // A trusted site's mute, changed into a ban after it was signed.
        Signed {
            payload: genuine.payload.clone(),
            ..site_a
                .sign_ruling(&Ruling::about(Act::Mute, Some("bob".into()), "mallory"))
                .expect("signed")
        },
        Signed {
            sig: "00".into(),
            ..genuine.clone()
        },
    ];
    for (n, signed) in forged.into_iter().enumerate() {
        rogue.publish(None, format!("forged-{n}"), ServerMsg::Ruled(signed));
    }
    marker(&rogue, "the forgeries came before me");
    heard(&mut bob, "the forgeries came before me");
    say(&mut bob, "still here");
    heard(&mut bob, "still here");
    assert!(
        !bob.seen()
            .iter()
            .any(|m| matches!(m, ServerMsg::Error { .. })
                || matches!(m, ServerMsg::Notice { text, .. } if text.contains("mallory"))),
        "{:#?}",
        bob.seen()
    );
    // The one signed by a trusted site, unchanged, is taken (whoever carried it).
    rogue.publish(None, "genuine".into(), ServerMsg::Ruled(genuine));
    assert!(bob.expect_closed().iter().any(|m| matches!(
        m,
        ServerMsg::Error {
            code: ErrorCode::Banned,
            ..
        }
    )));
    drop(b);
}

#[test]
fn a_genuine_ruling_published_again_or_made_too_long_ago_is_not_taken() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let site_a = test_identity().clone();
    let (b, mut bob) = bob_at_a_site_trusting(&broker, &site_a);
    let mut warden = moderator(b.local_addr(), "warden");
    let rogue = rogue(&broker);
    let now = coucou::protocol::now_ms();
    let mute = |nonce| {
        site_a
            .sign_ruling(
                &Ruling::about(Act::Mute, Some("bob".into()), "mallory").made(now, [nonce; 16]),
            )
            .expect("signed")
    };
    // Taken once: bob is muted, then a moderator here lifts it.
    rogue.publish(None, "mute".into(), ServerMsg::Ruled(mute(1)));
    notice(&mut bob, "bob was muted by mallory");
    warden.send(&act(Act::Unmute, "bob"));
    notice(&mut bob, "bob may speak again (warden)");
    // The same ruling, published again by anyone who can publish there: not taken again.
    rogue.publish(None, "mute-again".into(), ServerMsg::Ruled(mute(1)));
    // A ruling signed by the trusted site, but made longer ago than a site takes.
    let stale = site_a
        .sign_ruling(
            &Ruling::about(Act::Ban, Some("bob".into()), "mallory")
                .made(now - coucou::protocol::ruling::MAX_AGE_MS - 60_000, [2; 16]),
        )
        .expect("signed");
    rogue.publish(None, "stale".into(), ServerMsg::Ruled(stale));
    // A kick is for now: one made an hour ago (a site reading the stream afresh) is not done.
    let old_kick = site_a
        .sign_ruling(
            &Ruling::about(Act::Kick, Some("bob".into()), "mallory").made(now - 3_600_000, [4; 16]),
        )
        .expect("signed");
    rogue.publish(None, "old-kick".into(), ServerMsg::Ruled(old_kick));
    marker(&rogue, "the replays came before me");
    heard(&mut bob, "the replays came before me");
    say(&mut bob, "free to speak");
    heard(&mut warden, "free to speak");
    assert_eq!(notices(&bob, "muted by mallory"), 1, "{:#?}", bob.seen());
    assert!(
        !bob.seen()
            .iter()
            .any(|m| matches!(m, ServerMsg::Error { .. })),
        "{:#?}",
        bob.seen()
    );
    // A new ruling (another id) is taken.
    rogue.publish(None, "mute-new".into(), ServerMsg::Ruled(mute(3)));
    notice(&mut bob, "bob was muted by mallory");
    drop(b);
}

#[test]
fn a_site_without_a_store_restarted_keeps_out_what_its_moderators_deleted_cleared_banned_or_muted_before()
 {
    const ROOM: &str = "Projet X";
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let site_a = test_identity().clone();
    // No store: at start, the site rebuilds its rooms' history from their streams.
    let config = || ServerConfig {
        rooms: vec![ROOM.into()],
        link: Some(link_config(&broker, "a")),
        site: Some(site_a.clone()),
        ..moderated(ServerConfig::default())
    };
    let a = start_server_with(config());
    let addr = a.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut bob = app(addr, machine(4), None, "bob");
    for client in [&mut teacher, &mut bob] {
        client.join_room(ROOM);
    }
    let say_in = |client: &mut Json, text: &str| {
        client.send_in(
            ROOM,
            &coucou::protocol::ClientMsg::Say {
                text: text.into(),
                cid: None,
            },
        );
    };
    let heard_in = |client: &mut Json, text: &str| {
        client.expect_in(
            Some(ROOM),
            |m| matches!(m, ServerMsg::Message(chat) if chat.text == text),
        );
    };
    say(&mut bob, "spam spam spam");
    let spam = heard(&mut teacher, "spam spam spam");
    say(&mut bob, "keep me");
    heard(&mut teacher, "keep me");
    teacher.send(
        &coucou::protocol::Command::Moderate(Moderate {
            id: Some(spam),
            ..Moderate::alone(Act::Delete)
        })
        .to_client_msg(),
    );
    bob.expect(|m| matches!(m, ServerMsg::Notice { id: Some(id), .. } if *id == spam));
    say_in(&mut bob, "before the clearing");
    heard_in(&mut teacher, "before the clearing");
    teacher.send_in(ROOM, &moderate(Moderate::alone(Act::Clear)));
    bob.expect_in(Some(ROOM), |m| matches!(m, ServerMsg::Cleared {}));
    say_in(&mut bob, "after the clearing");
    heard_in(&mut teacher, "after the clearing");
    // Banned and muted by name, one ban lifted; the last word after them in the same stream.
    for (what, name) in [
        (Act::Ban, "troll"),
        (Act::Ban, "eve"),
        (Act::Unban, "eve"),
        (Act::Mute, "bob"),
        (Act::Kick, "bob"),
    ] {
        teacher.send(&act(what, name));
    }
    bob.expect_closed();
    say(&mut teacher, "the rulings are made");
    heard(&mut teacher, "the rulings are made");
    drop(teacher);
    a.stop();

    let a = crate::common::restart_at(addr, config());
    // One of this run's own rulings published again (anyone may publish on the broker; this one
    // is a's, signed): done when made, never again.
    let rogue = rogue(&broker);
    let now_clear = site_a
        .sign_ruling(
            &Ruling {
                room: Some(ROOM.into()),
                ..Ruling::about(Act::Clear, None, "teacher")
            }
            .made(coucou::protocol::now_ms(), [9; 16]),
        )
        .expect("signed");
    let mut nina = app(addr, machine(5), None, "nina");
    nina.join_room(ROOM);
    // The streams are read again from their start: once the last thing said in each is back, so
    // is everything before it.
    let texts = |history: &[ServerMsg]| -> Vec<String> {
        history
            .iter()
            .filter_map(|m| match m {
                ServerMsg::Message(chat) => Some(chat.text.clone()),
                _ => None,
            })
            .collect()
    };
    let welcomes = |name: &str| {
        let mut late = app(addr, machine(6), None, name);
        let default = late
            .seen()
            .iter()
            .find_map(|m| match m {
                ServerMsg::Welcome { history, .. } => Some(history.clone()),
                _ => None,
            })
            .expect("the default room's welcome");
        let ServerMsg::Welcome { history, .. } = late.join_room(ROOM) else {
            unreachable!()
        };
        (default, history)
    };
    for (at, text) in [
        (None, "the rulings are made"),
        (Some(ROOM), "after the clearing"),
    ] {
        let said = |m: &ServerMsg| matches!(m, ServerMsg::Message(chat) if chat.text == text);
        // In a welcome's history, or come after it.
        let in_welcome = |m: &ServerMsg| matches!(m, ServerMsg::Welcome { history, .. } if history.iter().any(said));
        if !nina.seen().iter().any(|m| said(m) || in_welcome(m)) {
            nina.expect_in(at, said);
        }
    }
    let (default, room) = welcomes("late");
    assert_eq!(
        texts(&default),
        ["keep me", "the rulings are made"],
        "{default:#?}"
    );
    // What its moderators decided holds again: troll kept out, bob muted under his name (from
    // another address too), eve free: her ban was lifted after it was made. bob's kick was for
    // then: he comes back.
    let mut troll = tls_from(addr, machine(7));
    troll.send(&hello("troll", None));
    assert!(
        matches!(
            troll.next(),
            ServerMsg::Error {
                code: ErrorCode::Banned,
                ..
            }
        ),
        "troll kept out"
    );
    app(addr, machine(8), None, "eve");
    let mut bob = app(addr, machine(9), None, "bob");
    say(&mut bob, "may I?");
    assert!(matches!(
        bob.expect(|m| matches!(m, ServerMsg::Error { .. })),
        ServerMsg::Error {
            code: ErrorCode::Muted,
            ..
        }
    ));
    assert!(
        default.iter().any(
            |m| matches!(m, ServerMsg::Notice { id: Some(id), text, .. } if *id == spam && text.contains("removed by teacher"))
        ),
        "the deleted message's tombstone in its place: {default:#?}"
    );
    assert_eq!(texts(&room), ["after the clearing"], "{room:#?}");

    rogue.publish(Some(ROOM), "again".into(), ServerMsg::Ruled(now_clear));
    // In the same stream, after it: once this is heard, the ruling was read.
    rogue.publish(
        Some(ROOM),
        "marker".into(),
        ServerMsg::Message(coucou::protocol::Chat {
            from: "zoe".into(),
            text: "the replay came before me".into(),
            time: 1,
            ..Default::default()
        }),
    );
    heard_in(&mut nina, "the replay came before me");
    let (_, room) = welcomes("later");
    assert_eq!(
        texts(&room),
        ["after the clearing", "the replay came before me"],
        "not cleared again"
    );
    drop(a);
}

#[test]
fn a_room_s_moderator_mutes_and_removes_someone_at_another_site_there_in_that_room_only_never_its_owner()
 {
    const ROOM: &str = "Projet X";
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = Broker::start(dir.path());
    let (site_a, site_b) = (test_identity().clone(), Identity::generate().expect("b"));
    let ((_o, owner_a), (_h, helper), (_b, owner_b)) = (device(), device(), device());
    let a = start_server_with(ServerConfig {
        rooms: vec![ROOM.into()],
        link: Some(link_config(&broker, "a")),
        site: Some(site_a.clone()),
        link_trust: vec![site_b.fingerprint()],
        owners: vec![owner_a.id()],
        ..moderated(ServerConfig::default())
    });
    let b = start_server_with(ServerConfig {
        rooms: vec![ROOM.into()],
        link: Some(link_config(&broker, "b")),
        site: Some(site_b.clone()),
        link_trust: vec![site_a.fingerprint()],
        owners: vec![owner_b.id()],
        ..moderated(ServerConfig::default())
    });
    // At a: the owner names ta moderator of the room (not of the host).
    let mut teacher = app(a.local_addr(), machine(2), Some(&owner_a), "teacher");
    let mut ta = app(a.local_addr(), machine(3), Some(&helper), "ta");
    teacher.join_room(ROOM);
    ta.join_room(ROOM);
    teacher.send_in(ROOM, &act(Act::Op, "ta"));
    ta.expect_in(Some(ROOM), |m| {
        matches!(
            m,
            ServerMsg::Moderator {
                owner: false,
                on: true
            }
        )
    });
    // At b: lou, and b's owner, in the room.
    let mut lou = app(b.local_addr(), machine(4), None, "lou");
    let mut boss = app(b.local_addr(), machine(5), Some(&owner_b), "boss");
    lou.join_room(ROOM);
    boss.join_room(ROOM);
    for name in ["lou", "boss"] {
        ta.expect_in(
            Some(ROOM),
            |m| matches!(m, ServerMsg::Join { name: n, .. } if n == name),
        );
    }

    // Nobody asks a site's own act: a room's moderator types /mute in the room.
    teacher.send_in(ROOM, &act(Act::MuteRoom, "lou"));
    assert_eq!(refused_in(&mut teacher, Some(ROOM)).0, ErrorCode::BadUsage);
    // b's owner is never muted by another site, though a says it did what it could.
    ta.send_in(ROOM, &act(Act::Mute, "boss"));
    ta.expect_in(Some(ROOM), |m| {
        matches!(m, ServerMsg::Notice { text, .. } if text.starts_with("boss was muted in this room by ta"))
    });
    // lou, at the other site, muted there in that room: told, refused there, free elsewhere.
    ta.send_in(ROOM, &act(Act::Mute, "lou"));
    lou.expect_in(Some(ROOM), |m| {
        matches!(m, ServerMsg::Notice { text, .. } if text.starts_with("lou was muted in this room by ta"))
    });
    say_in(&mut lou, ROOM, "can I?");
    assert_eq!(refused_in(&mut lou, Some(ROOM)).0, ErrorCode::Muted);
    say(&mut lou, "in the hall, I may");
    heard(&mut teacher, "in the hall, I may");
    // The mute of boss came before lou's, on the same stream: it was read, and not done.
    say_in(&mut boss, ROOM, "boss speaks");
    for client in [&mut boss, &mut ta] {
        client.expect_in(
            Some(ROOM),
            |m| matches!(m, ServerMsg::Message(c) if c.text == "boss speaks"),
        );
    }
    assert_eq!(notices(&boss, "boss was muted"), 0, "{:#?}", boss.seen());

    // Signed by the trusted site, yet not taken: a mute_room about the default room (it has no
    // room moderators, and a mute there would be the whole host's), about a room this site does
    // not have, and naming someone with an invisible character in their name.
    let rogue = rogue(&broker);
    // And a removal from the room made an hour ago: a removal is for now.
    let now = coucou::protocol::now_ms();
    let hostile = [
        (Act::MuteRoom, None, "lou", now),
        (Act::MuteRoom, Some("Nulle part"), "lou", now),
        (Act::MuteRoom, Some(ROOM), "lo\u{200B}u", now),
        (Act::KickRoom, Some(ROOM), "lou", now - 3_600_000),
    ];
    for (n, (what, room, name, made)) in (7_u8..).zip(hostile) {
        let ruling = Ruling {
            room: room.map(str::to_owned),
            ..Ruling::about(what, Some(name.into()), "mallory")
        };
        let signed = site_a
            .sign_ruling(&ruling.made(made, [n; 16]))
            .expect("signed");
        rogue.publish(None, format!("hostile-{n}"), ServerMsg::Ruled(signed));
    }
    marker(&rogue, "the hall's mute came before me");
    heard(&mut lou, "the hall's mute came before me");
    say(&mut lou, "still free in the hall");
    heard(&mut teacher, "still free in the hall");

    // Lifted at a: lou speaks in the room again.
    ta.send_in(ROOM, &act(Act::Unmute, "lou"));
    lou.expect_in(
        Some(ROOM),
        |m| matches!(m, ServerMsg::Notice { text, .. } if text == "lou may speak again (ta)."),
    );
    say_in(&mut lou, ROOM, "thank you");
    ta.expect_in(
        Some(ROOM),
        |m| matches!(m, ServerMsg::Message(c) if c.text == "thank you"),
    );
    assert_eq!(notices(&lou, "mallory"), 0, "{:#?}", lou.seen());
    // Removed from the room by ta, at the other site: out of it there, still in the hall.
    ta.send_in(ROOM, &act(Act::Kick, "lou"));
    ta.expect_in(Some(ROOM), |m| {
        matches!(m, ServerMsg::Notice { text, .. }
            if text == "lou is at another site: it was asked to remove them (ta).")
    });
    assert_eq!(refused_in(&mut lou, Some(ROOM)).0, ErrorCode::Kicked);
    lou.expect_in(Some(ROOM), |m| matches!(m, ServerMsg::Parted {}));
    ta.expect_in(
        Some(ROOM),
        |m| matches!(m, ServerMsg::Leave { name, .. } if name == "lou"),
    );
    say(&mut lou, "back in the hall");
    heard(&mut teacher, "back in the hall");

    assert_eq!(
        notices(&lou, "lou was muted"),
        1,
        "told once, by its own site: {:#?}",
        lou.seen()
    );
    drop((a, b));
}
