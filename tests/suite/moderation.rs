//! A host in charge (#27, first part): a moderator (whoever gives the host's moderators' password
//! over TLS, `/oper`) kicks, bans (by name, look-alikes included, and by address), mutes and locks
//! rooms; what they did is said in the room in the server's own voice; bans, mutes, locks, slow
//! mode, classroom mode and the moderation log last across a restart of a host that keeps its
//! history, and those lifted or turned off stay so; and the hostile cases: a
//! non-moderator's act, the password in clear or wrong, a moderator removing another, a banned
//! name or address coming back under another name or from another address, a muted person
//! renaming or reconnecting, and a forged notice. The bans and mutes panel against a host of
//! today, and the Moderation menu's bans asked in words of an older host (played by the test).
//! App (JSON over TLS) and terminals (`nc`) share the room, over real TCP on 127.0.0.0/8 (each
//! "machine" its own loopback address).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use coucou::protocol::command::Moderate;
use coucou::protocol::message::{Act, RuleKind};
use coucou::protocol::password::RoomKey;
use coucou::protocol::{ClientMsg, ErrorCode, ServerMsg};
use coucou::server::{Server, ServerConfig};

use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;

use crate::app_support::{
    click_buttons, connected_app, has_entry, send_message, wait_for_label, wait_for_no_label,
    wait_until,
};
use crate::common::{Json, Plain, start_server_with, test_identity};

/// The moderators' password of these tests' hosts.
pub(crate) const PASSWORD: &str = "craie-verte";

fn host() -> Server {
    start_server_with(moderated(ServerConfig::default()))
}

/// `config` with the moderators' password [`PASSWORD`], quick wrong-password answers and no flood
/// limit.
pub(crate) fn moderated(config: ServerConfig) -> ServerConfig {
    ServerConfig {
        moderator_password: Some(RoomKey::new(PASSWORD).expect("a key")),
        password_delay: Duration::from_millis(10),
        flood: None,
        ..config
    }
}

fn machine(n: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, n])
}

/// An app over TLS (pinned to the test host) from `from`, in the default room as `name`.
fn app(addr: SocketAddr, from: IpAddr, name: &str) -> Json {
    let (mut client, _) =
        Json::connect_tls_from(addr, from, Some(test_identity().fingerprint())).expect("TLS");
    client.send(&ClientMsg::Hello {
        version: 1,
        name: name.into(),
        device: None,
    });
    client.expect(|m| matches!(m, ServerMsg::Join { name: n, .. } if n == name));
    client
}

/// An app that gave the moderators' password, from 127.0.0.1.
fn moderator(addr: SocketAddr, name: &str) -> Json {
    let mut client = app(addr, machine(1), name);
    client.send(&ClientMsg::Oper {
        password: PASSWORD.into(),
    });
    client.expect(|m| matches!(m, ServerMsg::Moderator { .. }));
    client
}

/// A terminal (`nc`) from `from`, in the room as `name`.
fn terminal(addr: SocketAddr, from: IpAddr, name: &str) -> Plain {
    let mut client = Plain::connect_from(addr, from);
    client.send(name);
    client.expect(&format!("* {name} joined the room"));
    client
}

pub(crate) fn act(
    act: Act,
    name: Option<&str>,
    minutes: Option<u32>,
    reason: Option<&str>,
) -> ClientMsg {
    moderate(Moderate {
        name: name.map(str::to_owned),
        minutes,
        reason: reason.map(str::to_owned),
        ..Moderate::alone(act)
    })
}

pub(crate) fn moderate(asked: Moderate) -> ClientMsg {
    coucou::protocol::Command::Moderate(asked).to_client_msg()
}

fn slow(seconds: u32) -> ClientMsg {
    moderate(Moderate {
        seconds: Some(seconds),
        ..Moderate::alone(Act::Slow)
    })
}

fn classroom(on: bool) -> ClientMsg {
    moderate(Moderate {
        on: Some(on),
        ..Moderate::alone(Act::Classroom)
    })
}

fn delete(id: u64) -> ClientMsg {
    moderate(Moderate {
        id: Some(id),
        ..Moderate::alone(Act::Delete)
    })
}

/// Says `text` in the room (its answer is read by the caller).
pub(crate) fn say(client: &mut Json, text: &str) {
    client.send(&ClientMsg::Say {
        text: text.into(),
        cid: None,
    });
}

fn offer(client: &mut Json, to: Option<&str>) -> ServerMsg {
    client.send(&ClientMsg::Offer {
        name: "notes.txt".into(),
        size: 5,
        sha256: "a".repeat(64),
        to: to.map(str::to_owned),
        label: None,
    });
    client.expect(|m| matches!(m, ServerMsg::Ready { .. } | ServerMsg::Error { .. }))
}

/// An app from `from` saying hello as `name`, turned away as banned: the one line, then closed.
fn turned_away(addr: SocketAddr, from: IpAddr, name: &str) {
    let mut client = Json::connect_from(addr, from);
    client.send(&ClientMsg::Hello {
        version: 1,
        name: name.into(),
        device: None,
    });
    assert_eq!(
        error_code(&mut client),
        ErrorCode::Banned,
        "{name} from {from}"
    );
    let after = client.expect_closed();
    assert!(after.is_empty(), "nothing after the refusal: {after:#?}");
}

fn error_code(client: &mut Json) -> ErrorCode {
    match client.expect(|m| matches!(m, ServerMsg::Error { .. })) {
        ServerMsg::Error { code, .. } => code,
        _ => unreachable!(),
    }
}

/// A notice in the room's history (an id: said in the room, in the server's voice) holding `needle`.
/// A notice (in the room's history or not) holding `needle`.
fn told(client: &mut Json, needle: &str) -> String {
    match client.expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains(needle))) {
        ServerMsg::Notice { text, .. } => text,
        _ => unreachable!(),
    }
}

fn said(client: &mut Json, needle: &str) -> String {
    match client.expect(
        |m| matches!(m, ServerMsg::Notice { id: Some(_), text, .. } if text.contains(needle)),
    ) {
        ServerMsg::Notice { text, .. } => text,
        _ => unreachable!(),
    }
}

#[test]
fn a_moderator_kicks_a_terminal_and_the_room_hears_it_in_the_servers_voice() {
    let server = host();
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut alice = app(addr, machine(3), "alice");
    let mut troll = terminal(addr, machine(2), "troll");
    let mut nc = terminal(addr, machine(4), "carol");

    teacher.send(&act(Act::Kick, Some("TROLL"), None, Some("spamming")));
    let text = said(&mut alice, "troll was removed from the host by teacher");
    assert!(text.contains("Reason: spamming"), "{text}");
    alice.expect(|m| matches!(m, ServerMsg::Leave { name, .. } if name == "troll"));
    nc.expect("*** troll was removed from the host by teacher. Reason: spamming");
    let last = troll.expect_closed();
    assert!(
        last.iter()
            .any(|l| l.contains("you were removed from the host by teacher")),
        "the troll is told why, then the connection ends: {last:#?}"
    );
    // A kick is no ban: the same name comes back from the same address.
    terminal(addr, machine(2), "troll");
    said(&mut teacher, "troll was removed");
    drop(server);
}

#[test]
fn a_ban_keeps_the_name_its_look_alikes_and_the_address_out_until_lifted() {
    let server = host();
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut troll = app(addr, machine(2), "troll");
    teacher.send(&act(Act::Ban, Some("troll"), Some(90), None));
    said(
        &mut teacher,
        "troll was banned from the host by teacher. For 90 minutes.",
    );
    assert_eq!(error_code(&mut troll), ErrorCode::Banned);
    troll.expect_closed();

    // Another name from the banned address; the name (and a look-alike) from another address.
    for (from, name) in [(2, "someone"), (5, "troll"), (6, "troII"), (7, "TROLL")] {
        turned_away(addr, machine(from), name);
    }
    let mut nc = Plain::connect_from(addr, machine(2));
    nc.send("anyone");
    let refused = nc.expect_closed();
    assert!(
        refused
            .iter()
            .any(|l| l.contains("you are banned from this host. For 90 minutes.")),
        "one clear line: {refused:#?}"
    );
    // Someone else from elsewhere may not take the banned name either.
    let mut carol = app(addr, machine(8), "carol");
    carol.send(&ClientMsg::Nick {
        name: "Troll".into(),
    });
    assert_eq!(
        error_code(&mut carol),
        ErrorCode::NameReserved,
        "carol stays"
    );
    say(&mut carol, "still here");
    carol.expect(|m| matches!(m, ServerMsg::Message(chat) if chat.text == "still here"));

    teacher.send(&act(Act::Bans, None, None, None));
    let ServerMsg::Notice { text, .. } = teacher.expect(
        |m| matches!(m, ServerMsg::Notice { id: None, text, .. } if text.contains("bans:")),
    ) else {
        unreachable!()
    };
    assert!(
        text.contains("troll, by teacher") && text.contains("127.0.0.2, by teacher"),
        "{text}"
    );

    teacher.send(&act(Act::Unban, Some("troll"), None, None));
    told(&mut teacher, "The ban on troll was lifted");
    app(addr, machine(5), "troll");
    // The address stays banned.
    turned_away(addr, machine(2), "someone");
    teacher.send(&act(Act::Unban, Some("127.0.0.2"), None, None));
    told(&mut teacher, "The ban on 127.0.0.2 was lifted");
    app(addr, machine(2), "someone");
    teacher.send(&act(Act::Unban, Some("nobody"), None, None));
    assert_eq!(error_code(&mut teacher), ErrorCode::NoSuchUser);
    drop(server);
}

#[test]
fn a_ban_by_address_removes_everyone_from_it_but_a_moderator() {
    let server = host();
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut one = terminal(addr, machine(2), "one");
    let mut two = app(addr, machine(2), "two");
    let mut alice = app(addr, machine(3), "alice");
    teacher.send(&act(
        Act::Ban,
        Some("127.0.0.2"),
        None,
        Some("the back row"),
    ));
    said(
        &mut alice,
        "127.0.0.2 was banned from the host by teacher. Until lifted. Reason: the back row",
    );
    assert!(
        one.expect_closed()
            .iter()
            .any(|l| l.contains("you were removed"))
    );
    assert_eq!(error_code(&mut two), ErrorCode::Banned);
    two.expect_closed();
    // The moderator's own address can't be banned while they are on it.
    teacher.send(&act(Act::Ban, Some("127.0.0.1"), None, None));
    assert_eq!(error_code(&mut teacher), ErrorCode::NotModerator);
    drop(server);
}

#[test]
fn a_name_banned_on_a_moderators_own_address_leaves_that_address_free() {
    let server = host();
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut troll = terminal(addr, machine(1), "troll");
    teacher.send(&act(Act::Ban, Some("troll"), None, None));
    said(&mut teacher, "troll was banned");
    assert!(
        troll
            .expect_closed()
            .iter()
            .any(|l| l.contains("you were removed"))
    );
    turned_away(addr, machine(9), "troll");
    // 127.0.0.1 is the teacher's too: someone else from it is welcome.
    terminal(addr, machine(1), "pupil");
    teacher.send(&act(Act::Bans, None, None, None));
    let text = told(&mut teacher, "ban:");
    assert!(!text.contains("127.0.0.1"), "{text}");
}

#[test]
fn a_moderators_acts_are_flood_limited_like_anything_else() {
    let server = start_server_with(ServerConfig {
        moderator_password: Some(RoomKey::new(PASSWORD).expect("a key")),
        password_delay: Duration::from_millis(10),
        ..ServerConfig::default()
    });
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    for n in 0..100 {
        teacher.send(&act(Act::Kick, Some(&format!("nobody{n}")), None, None));
    }
    teacher.expect(|m| {
        matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::Flood,
                ..
            }
        )
    });
}

#[test]
fn a_muted_person_stays_muted_after_renaming_and_reconnecting() {
    let server = host();
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut alice = app(addr, machine(3), "alice");
    let mut bob = terminal(addr, machine(2), "bob");
    teacher.send(&act(Act::Mute, Some("bob"), Some(10), None));
    said(&mut alice, "bob was muted by teacher. For 10 minutes.");
    bob.send("can I speak?");
    bob.expect("a moderator keeps you from speaking");
    bob.send("/nick bobby");
    bob.expect("is now known as bobby");
    bob.send("and now?");
    bob.expect("a moderator keeps you from speaking");
    bob.send("/msg alice psst");
    bob.expect("a moderator keeps you from speaking");
    drop(bob);
    let mut robert = terminal(addr, machine(2), "robert");
    robert.send("a new connection");
    robert.expect("a moderator keeps you from speaking");
    teacher.send(&act(Act::Unmute, Some("robert"), None, None));
    said(&mut alice, "robert may speak again (teacher).");
    robert.send("thank you");
    alice.expect(|m| matches!(m, ServerMsg::Message(chat) if chat.text == "thank you"));
    assert!(
        !alice.seen().iter().any(|m| matches!(m, ServerMsg::Message(chat) if chat.text.contains("speak") || chat.text == "a new connection")),
        "nothing a muted person said reached anyone: {:#?}",
        alice.seen()
    );
    drop(server);
}

#[test]
fn a_locked_room_hears_only_its_moderators() {
    let server = host();
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut alice = app(addr, machine(3), "alice");
    let mut nc = terminal(addr, machine(2), "carol");
    teacher.send(&act(Act::Lock, None, None, None));
    nc.expect("*** teacher locked this room: only moderators speak.");
    alice.send(&ClientMsg::Say {
        text: "hello?".into(),
        cid: Some("c-1".into()),
    });
    // The refusal names the message it refuses: an app takes it out of its outbox.
    let refused = alice.expect(|m| matches!(m, ServerMsg::Error { .. }));
    assert!(
        matches!(&refused, ServerMsg::Error { code: ErrorCode::Muted, cid: Some(cid), .. } if cid == "c-1"),
        "{refused:?}"
    );
    nc.send("me too?");
    nc.expect("this room is locked: only moderators speak");
    teacher.send(&ClientMsg::Say {
        text: "Open your books".into(),
        cid: None,
    });
    nc.expect("teacher: Open your books");
    teacher.send(&act(Act::Lock, None, None, None));
    assert_eq!(
        error_code(&mut teacher),
        ErrorCode::BadUsage,
        "locked already"
    );
    teacher.send(&act(Act::Unlock, None, None, None));
    said(&mut alice, "teacher unlocked this room");
    nc.send("finally");
    alice.expect(|m| matches!(m, ServerMsg::Message(chat) if chat.text == "finally"));
    teacher.send(&act(Act::Log, None, None, None));
    let ServerMsg::Notice { text, .. } = teacher.expect(
        |m| matches!(m, ServerMsg::Notice { text, .. } if text.starts_with("Moderation log")),
    ) else {
        unreachable!()
    };
    assert!(
        text.contains("teacher locked this room") && text.contains("teacher unlocked this room"),
        "{text}"
    );
    drop(server);
}

#[test]
fn slow_mode_lets_each_person_one_message_per_gap_but_moderators_speak_freely() {
    let server = host();
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut alice = app(addr, machine(3), "alice");
    let mut nc = terminal(addr, machine(2), "carol");
    teacher.send(&slow(3600));
    said(
        &mut alice,
        "teacher slowed this room down: one message every 3600 s per person.",
    );
    say(&mut alice, "first");
    alice.expect(|m| matches!(m, ServerMsg::Message(chat) if chat.text == "first"));
    say(&mut alice, "second");
    assert_eq!(error_code(&mut alice), ErrorCode::Flood);
    nc.send("mine");
    nc.expect("carol: mine");
    nc.send("and mine");
    nc.expect("slow mode: wait 3600 s before your next message");
    say(&mut teacher, "one");
    say(&mut teacher, "two");
    alice.expect(|m| matches!(m, ServerMsg::Message(chat) if chat.text == "two"));
    // Private messages are not the room's: slow mode leaves them be.
    alice.send(&ClientMsg::Msg {
        to: "carol".into(),
        text: "psst".into(),
        cid: None,
    });
    nc.expect("[private] alice -> carol: psst");
    nc.send("/slow off");
    nc.expect("only a moderator may do that");
    teacher.send(&slow(0));
    nc.expect("*** teacher ended slow mode in this room.");
    say(&mut alice, "third");
    nc.expect("alice: third");
    assert!(
        !nc.seen()
            .iter()
            .any(|l| l.contains("second") || l.contains("and mine")),
        "{:#?}",
        nc.seen()
    );
    drop(server);
}

#[test]
fn classroom_mode_keeps_private_messages_and_files_between_students_and_moderators() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let server = start_server_with(moderated(ServerConfig {
        files: Some(coucou::server::FilesConfig {
            dir: dir.path().join("files"),
            max_file_bytes: 1 << 20,
            quota_bytes: 1 << 20,
            expiry: Duration::from_secs(3600),
        }),
        ..ServerConfig::default()
    }));
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut alice = app(addr, machine(3), "alice");
    let mut nc = terminal(addr, machine(2), "carol");
    teacher.send(&classroom(true));
    said(&mut alice, "teacher turned classroom mode on");
    nc.expect("*** teacher turned classroom mode on");

    alice.send(&ClientMsg::Msg {
        to: "carol".into(),
        text: "answers?".into(),
        cid: None,
    });
    assert_eq!(error_code(&mut alice), ErrorCode::Muted);
    nc.send("/msg alice here they are");
    nc.expect("classroom mode: private messages go only to or from moderators");
    nc.send("/msg teacher a question");
    teacher.expect(|m| matches!(m, ServerMsg::Private { text, .. } if text == "a question"));
    teacher.send(&ClientMsg::Msg {
        to: "alice".into(),
        text: "see me after class".into(),
        cid: None,
    });
    alice.expect(|m| matches!(m, ServerMsg::Private { text, .. } if text == "see me after class"));
    // The room still hears everyone.
    say(&mut alice, "for everyone");
    nc.expect("alice: for everyone");

    for to in [None, Some("carol")] {
        let refused = offer(&mut alice, to);
        assert!(
            matches!(&refused, ServerMsg::Error { code: ErrorCode::Muted, message, .. } if message.contains("files go only")),
            "{refused:?}"
        );
    }
    assert!(matches!(
        offer(&mut alice, Some("teacher")),
        ServerMsg::Ready { .. }
    ));
    assert!(matches!(offer(&mut teacher, None), ServerMsg::Ready { .. }));

    teacher.send(&classroom(false));
    said(&mut alice, "teacher turned classroom mode off");
    nc.send("/msg alice now then");
    alice.expect(|m| matches!(m, ServerMsg::Private { text, .. } if text == "now then"));
    drop(server);
}

#[test]
fn bans_and_mutes_last_across_a_restart_and_a_lifted_one_stays_lifted() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = || moderated(crate::common::stored(&dir.path().join("history.sqlite")));
    let server = start_server_with(config());
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let _troll = app(addr, machine(2), "troll");
    let _bob = terminal(addr, machine(3), "bob");
    teacher.send(&act(Act::Ban, Some("troll"), None, Some("spam")));
    said(&mut teacher, "troll was banned");
    teacher.send(&act(Act::Mute, Some("bob"), Some(600), None));
    said(&mut teacher, "bob was muted");
    teacher.send(&act(Act::Ban, Some("ghost"), Some(60), None));
    told(&mut teacher, "ghost was banned");
    teacher.send(&act(Act::Unban, Some("ghost"), None, None));
    told(&mut teacher, "The ban on ghost was lifted");
    drop(teacher);
    server.stop();

    let server = crate::common::restart_at(addr, config());
    turned_away(addr, machine(5), "troll");
    turned_away(addr, machine(2), "someone");
    let mut robert = terminal(addr, machine(3), "robert");
    robert.send("am I heard?");
    robert.expect("a moderator keeps you from speaking");
    app(addr, machine(6), "ghost");
    let mut teacher = moderator(addr, "teacher");
    teacher.send(&act(Act::Bans, None, None, None));
    let text = told(&mut teacher, "bans:");
    assert!(
        text.contains("2 bans:") && text.contains("Reason: spam"),
        "{text}"
    );
    assert!(!text.contains("ghost"), "{text}");
    // The mutes are listed after the bans.
    let mutes = text.split_once("mutes:").map_or("", |(_, mutes)| mutes);
    assert!(mutes.contains("bob, by teacher."), "{text}");
    drop(server);
}

/// A notice about the room `room` holding `needle`.
fn told_in(client: &mut Json, room: &str, needle: &str) {
    client.expect_in(
        Some(room),
        |m| matches!(m, ServerMsg::Notice { text, .. } if text.contains(needle)),
    );
}

/// `client` says `text` in `room`: `None` once it hears it back, else the code it is refused with.
fn speaks_in(client: &mut Json, room: &str, text: &str) -> Option<ErrorCode> {
    client.send_in(
        room,
        &ClientMsg::Say {
            text: text.into(),
            cid: None,
        },
    );
    match client.expect_in(Some(room), |m| {
        matches!(m, ServerMsg::Message(chat) if chat.text == text)
            || matches!(m, ServerMsg::Error { .. })
    }) {
        ServerMsg::Error { code, .. } => Some(code),
        _ => None,
    }
}

#[test]
fn locks_slow_mode_classroom_mode_and_the_log_last_across_a_restart_and_modes_turned_off_stay_off()
{
    const ROOM: &str = "Projet X";
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = || ServerConfig {
        rooms: vec![ROOM.into()],
        ..moderated(crate::common::stored(&dir.path().join("history.sqlite")))
    };
    let server = start_server_with(config());
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    teacher.join_room(ROOM);
    teacher.send(&act(Act::Lock, None, None, None));
    said(&mut teacher, "teacher locked this room");
    teacher.send_in(ROOM, &slow(3600));
    told_in(&mut teacher, ROOM, "one message every 3600 s");
    teacher.send(&classroom(true));
    said(&mut teacher, "teacher turned classroom mode on");
    // Turned on, then off: off after the restart too.
    teacher.send(&slow(60));
    said(&mut teacher, "one message every 60 s");
    teacher.send(&slow(0));
    said(&mut teacher, "teacher ended slow mode in this room");
    drop(teacher);
    server.stop();

    let server = crate::common::restart_at(addr, config());
    let mut nc = terminal(addr, machine(2), "carol");
    nc.send("still locked?");
    nc.expect("this room is locked: only moderators speak");
    let mut alice = app(addr, machine(3), "alice");
    alice.send(&ClientMsg::Msg {
        to: "carol".into(),
        text: "answers?".into(),
        cid: None,
    });
    assert_eq!(error_code(&mut alice), ErrorCode::Muted, "classroom mode");
    alice.join_room(ROOM);
    assert_eq!(speaks_in(&mut alice, ROOM, "first"), None);
    assert_eq!(
        speaks_in(&mut alice, ROOM, "second"),
        Some(ErrorCode::Flood),
        "slow mode in the room"
    );
    // The moderators turn it all off; the default room had no slow mode left.
    let mut teacher = moderator(addr, "teacher");
    teacher.join_room(ROOM);
    // What they did before the restart is in the log still, in order.
    teacher.send(&act(Act::Log, None, None, None));
    let log = told(&mut teacher, "Moderation log");
    let order = [
        "teacher locked this room",
        "one message every 3600 s",
        "teacher turned classroom mode on",
        "teacher ended slow mode",
    ];
    let at: Vec<Option<usize>> = order.iter().map(|line| log.find(line)).collect();
    assert!(at.iter().all(Option::is_some) && at.is_sorted(), "{log}");
    teacher.send(&act(Act::Unlock, None, None, None));
    said(&mut teacher, "teacher unlocked this room");
    nc.send("free");
    nc.send("free again");
    nc.expect("carol: free again");
    teacher.send_in(ROOM, &slow(0));
    told_in(&mut teacher, ROOM, "teacher ended slow mode in this room");
    teacher.send(&classroom(false));
    said(&mut teacher, "teacher turned classroom mode off");
    drop((teacher, alice, nc));
    server.stop();

    let server = crate::common::restart_at(addr, config());
    let mut nc = terminal(addr, machine(2), "carol");
    let mut alice = app(addr, machine(3), "alice");
    nc.send("hello");
    nc.expect("carol: hello");
    alice.send(&ClientMsg::Msg {
        to: "carol".into(),
        text: "psst".into(),
        cid: None,
    });
    nc.expect("[private] alice -> carol: psst");
    alice.join_room(ROOM);
    assert_eq!(speaks_in(&mut alice, ROOM, "one"), None);
    assert_eq!(
        speaks_in(&mut alice, ROOM, "two"),
        None,
        "no slow mode left"
    );
    drop(server);
}

#[test]
fn a_deleted_message_leaves_the_history_the_search_and_every_screen_for_a_tombstone() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = || moderated(crate::common::stored(&dir.path().join("history.sqlite")));
    let server = start_server_with(config());
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut alice = app(addr, machine(3), "alice");
    let mut nc = terminal(addr, machine(2), "carol");
    say(&mut alice, "the spoiler everyone hates");
    let id = match alice.expect(
        |m| matches!(m, ServerMsg::Message(chat) if chat.text == "the spoiler everyone hates"),
    ) {
        ServerMsg::Message(chat) => chat.id,
        _ => unreachable!(),
    };
    say(&mut alice, "something kind");
    nc.expect("alice: something kind");

    alice.send(&delete(id));
    assert_eq!(error_code(&mut alice), ErrorCode::NotModerator);
    teacher.send(&delete(id));
    let tombstone = "A message was removed by teacher, a moderator.";
    let said = alice.expect(|m| matches!(m, ServerMsg::Notice { id: Some(n), .. } if *n == id));
    assert!(
        matches!(&said, ServerMsg::Notice { text, .. } if text == tombstone),
        "{said:?}"
    );
    nc.expect(&format!("*** {tombstone}"));
    teacher.send(&delete(id + 1_000));
    assert_eq!(error_code(&mut teacher), ErrorCode::NoSuchMessage);

    let check = |client: &mut Json| {
        let found = client.search("spoiler", None).expect("a search");
        assert!(found.is_empty(), "gone from the search: {found:?}");
        let history = client.whole_history();
        assert!(
            history.iter().any(|m| matches!(m, ServerMsg::Notice { id: Some(n), text, .. } if *n == id && text == tombstone)),
            "the tombstone in its place: {history:#?}"
        );
        assert!(
            !history
                .iter()
                .any(|m| matches!(m, ServerMsg::Message(chat) if chat.id == id))
        );
    };
    check(&mut alice);
    drop((teacher, alice, nc));
    server.stop();
    let server = crate::common::restart_at(addr, config());
    let (mut again, welcome) = Json::join(addr, "dave");
    let ServerMsg::Welcome { history, .. } = welcome else {
        unreachable!()
    };
    assert!(
        !history
            .iter()
            .any(|m| matches!(m, ServerMsg::Message(chat) if chat.id == id))
    );
    check(&mut again);
    drop(server);
}

#[test]
fn a_moderator_deletes_from_a_messages_menu_and_a_students_app_shows_the_tombstone() {
    let server = host();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("teacher", addr);
    let (_student_dir, mut student) = connected_app("pupil", addr);
    oper_in_app(&mut harness);
    let mut troll = terminal(addr, machine(2), "troll");
    troll.send("something nasty");
    wait_until(&mut harness, "the message", |app| {
        has_entry(app, "something nasty")
    });
    // A student's menu has no Delete.
    wait_until(&mut student, "the message", |app| {
        has_entry(app, "something nasty")
    });
    student.get_by_label("something nasty").click_secondary();
    student.run_steps(4);
    assert!(student.query_by_label("Delete (moderator)").is_none());

    harness.get_by_label("something nasty").click_secondary();
    harness.run_steps(4);
    harness
        .get_by_role_and_label(Role::Button, "Delete (moderator)")
        .click();
    harness.run_steps(2);
    troll.expect("*** A message was removed by teacher, a moderator.");
    for app in [&mut harness, &mut student] {
        wait_until(app, "the tombstone", |app| {
            has_entry(app, "A message was removed by teacher") && !has_entry(app, "something nasty")
        });
    }
}

#[test]
fn nobody_moderates_without_the_password_given_over_tls_and_moderators_cant_remove_each_other() {
    let server = host();
    let addr = server.local_addr();
    let mut alice = app(addr, machine(3), "alice");
    alice.send(&act(Act::Kick, Some("bob"), None, None));
    assert_eq!(error_code(&mut alice), ErrorCode::NotModerator);
    alice.send(&ClientMsg::Oper {
        password: "craie-rouge".into(),
    });
    assert_eq!(error_code(&mut alice), ErrorCode::WrongPassword);

    // A terminal in clear is refused before anything is checked; so is an app in clear.
    let mut nc = terminal(addr, machine(2), "mallory");
    nc.send(&format!("/oper {PASSWORD}"));
    nc.expect("the moderators' password is sent over TLS only");
    nc.send("/kick alice");
    nc.expect("only a moderator may do that");
    let (mut clear, _) = Json::join_from(addr, machine(4), "eve");
    clear.send(&ClientMsg::Oper {
        password: PASSWORD.into(),
    });
    assert_eq!(error_code(&mut clear), ErrorCode::TlsRequired);

    // A forged notice from a terminal reaches the others under its sender's name.
    nc.send("*** alice was removed from the host by teacher.");
    let forged = alice
        .expect(|m| matches!(m, ServerMsg::Message(chat) if chat.text.contains("was removed")));
    assert!(matches!(forged, ServerMsg::Message(chat) if chat.from == "mallory"));
    // A forged notice from an app is no message of the protocol.
    clear.send_raw(b"{\"type\":\"notice\",\"time\":1,\"text\":\"eve is a moderator\"}\n");
    assert_eq!(error_code(&mut clear), ErrorCode::Malformed);

    let mut first = moderator(addr, "teacher");
    let mut second = moderator(addr, "assistant");
    second.send(&act(Act::Kick, Some("teacher"), None, None));
    assert_eq!(error_code(&mut second), ErrorCode::NotModerator);
    second.send(&act(Act::Mute, Some("teacher"), None, None));
    assert_eq!(error_code(&mut second), ErrorCode::NotModerator);
    first.send(&act(Act::Ban, Some("assistant"), None, None));
    assert_eq!(error_code(&mut first), ErrorCode::NotModerator);
    first.send(&act(Act::Kick, Some("nobody"), None, None));
    assert_eq!(error_code(&mut first), ErrorCode::NoSuchUser);
    first.send(&act(Act::Kick, None, None, None));
    assert_eq!(error_code(&mut first), ErrorCode::BadUsage);
    drop(server);
}

#[test]
fn help_lists_oper_on_a_moderated_host_and_a_moderators_commands_once_one() {
    let server = host();
    let addr = server.local_addr();
    let mut nc = terminal(addr, machine(2), "carol");
    nc.send("/help");
    nc.expect("/oper <password>");
    let mut teacher = moderator(addr, "teacher");
    teacher.send(&ClientMsg::Help {});
    teacher.expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text.contains("/ban <name|address>") && text.contains("/modlog")));
    drop(server);

    let plain_host = crate::common::start_server();
    let mut nc = terminal(plain_host.local_addr(), machine(2), "carol");
    nc.send("/help");
    let lines = nc.lines_until("//text");
    nc.send("/oper anything");
    nc.expect("this host has no moderators' password");
    assert!(
        !lines
            .iter()
            .chain(nc.seen())
            .any(|l| l.contains("<password>")),
        "{lines:#?}"
    );
}

#[test]
fn an_app_taken_off_the_host_says_why_and_waits_for_its_person_to_rejoin() {
    let server = host();
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let (_dir, mut harness) = connected_app("pupil", addr);
    teacher.send(&act(
        Act::Kick,
        Some("pupil"),
        None,
        Some("time for a break"),
    ));
    said(&mut teacher, "pupil was removed");
    wait_for_label(
        &mut harness,
        "Disconnected: you were removed from the host by teacher. Reason: time for a break",
    );
    // Offline with Rejoin, not reconnecting on its own (which would show Reconnect now).
    assert!(!harness.state().is_connected());
    assert!(harness.query_by_label("Reconnect now").is_none());
    assert!(has_entry(
        harness.state(),
        "pupil was removed from the host by teacher"
    ));

    harness
        .get_by_role_and_label(Role::Button, "Rejoin")
        .click();
    wait_until(
        &mut harness,
        "rejoined",
        coucou::app::CoucouApp::is_connected,
    );
    teacher.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "pupil"));
}

/// The app `harness` types the moderators' password and waits for the host's yes.
fn oper_in_app(harness: &mut egui_kittest::Harness<'static, coucou::app::CoucouApp>) {
    send_message(harness, &format!("/oper {PASSWORD}"));
    wait_until(harness, "a moderator", |app| {
        has_entry(app, "You are a moderator on this host")
    });
}

/// Clicks `item` in the app's Moderation menu.
fn from_moderation_menu(
    harness: &mut egui_kittest::Harness<'static, coucou::app::CoucouApp>,
    item: &str,
) {
    click_buttons(harness, &["Moderation", item]);
}

/// Opens `name`'s menu in the people list (once they are in it).
fn person_menu(harness: &mut egui_kittest::Harness<'static, coucou::app::CoucouApp>, name: &str) {
    wait_until(harness, "the person in the list", |app| {
        app.chat()
            .is_some_and(|c| c.people.iter().any(|p| p == name))
    });
    harness.get_by_label(name).click_secondary();
    harness.run_steps(4);
}

#[test]
fn a_moderators_app_kicks_bans_and_mutes_from_the_people_list() {
    let server = host();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("teacher", addr);
    // Not a moderator yet: the people list offers nothing of the kind.
    let mut troll = terminal(addr, machine(2), "troll");
    person_menu(&mut harness, "troll");
    assert!(harness.query_by_label("Kick").is_none());
    harness.key_press(eframe::egui::Key::Escape);
    harness.run_steps(2);
    oper_in_app(&mut harness);

    person_menu(&mut harness, "troll");
    harness.get_by_role_and_label(Role::Button, "Kick").click();
    harness.run_steps(2);
    assert!(
        troll
            .expect_closed()
            .iter()
            .any(|l| l.contains("removed from the host by teacher"))
    );
    wait_until(&mut harness, "said in the room", |app| {
        has_entry(app, "troll was removed from the host by teacher")
    });

    let mut bob = terminal(addr, machine(3), "bob");
    person_menu(&mut harness, "bob");
    click_buttons(&mut harness, &["Ban", "For an hour"]);
    assert!(
        bob.expect_closed()
            .iter()
            .any(|l| l.contains("For 60 minutes."))
    );
    let mut back = Plain::connect_from(addr, machine(3));
    back.send("bobby");
    assert!(
        back.expect_closed()
            .iter()
            .any(|l| l.contains("you are banned"))
    );

    let mut carol = terminal(addr, machine(4), "carol");
    person_menu(&mut harness, "carol");
    click_buttons(&mut harness, &["Mute", "Until lifted"]);
    carol.expect("*** carol was muted by teacher. Until lifted.");
    carol.send("hello?");
    carol.expect("a moderator keeps you from speaking");
}

#[test]
fn the_bans_and_mutes_listed_go_to_the_host_s_moderators_alone_with_their_terms_on_the_host_s_clock()
 {
    let server = host();
    let addr = server.local_addr();
    let mut pupil = app(addr, machine(2), "pupil");
    assert!(
        pupil
            .seen()
            .iter()
            .any(|m| matches!(m, ServerMsg::Welcome { rules: true, .. }))
    );
    pupil.send(&moderate(Moderate::alone(Act::Rules)));
    assert_eq!(error_code(&mut pupil), ErrorCode::NotModerator);

    let mut teacher = moderator(addr, "teacher");
    teacher.send(&act(
        Act::Ban,
        Some("127.0.0.9"),
        Some(10),
        Some("spam\u{202e}"),
    ));
    teacher.send(&act(Act::Mute, Some("pupil"), None, None));
    teacher.send(&moderate(Moderate::alone(Act::Rules)));
    let ServerMsg::Rules { time, rules, more } =
        teacher.expect(|m| matches!(m, ServerMsg::Rules { .. }))
    else {
        unreachable!()
    };
    // A mute on someone here holds on their address too: a rule of its own, listed apart.
    assert_eq!((rules.len(), more), (3, 0), "{rules:#?}");
    let (ban, mute) = (&rules[0], &rules[1]);
    assert_eq!(
        (rules[2].kind, rules[2].name.as_str()),
        (RuleKind::Mute, "127.0.0.2")
    );
    assert_eq!(
        (
            ban.kind,
            ban.name.as_str(),
            ban.by.as_str(),
            ban.reason.as_deref()
        ),
        (RuleKind::Ban, "127.0.0.9", "teacher", Some("spam"))
    );
    let left = ban.until.expect("an end") - time;
    assert!((590_000..=600_000).contains(&left), "{left}");
    assert_eq!(
        (
            mute.kind,
            mute.name.as_str(),
            mute.until,
            mute.room.as_deref()
        ),
        (RuleKind::Mute, "pupil", None, None)
    );
    // Nothing of it went to anyone else: what the pupil reads after the list was made holds none.
    pupil.send(&ClientMsg::Who {});
    pupil.expect(|m| matches!(m, ServerMsg::Users { .. }));
    assert!(
        !pupil
            .seen()
            .iter()
            .any(|m| matches!(m, ServerMsg::Rules { .. }))
    );
}

#[test]
fn a_moderators_app_lists_the_bans_and_mutes_with_their_terms_and_lifts_one_from_the_list() {
    let server = host();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("teacher", addr);
    let mut bob = terminal(addr, machine(3), "bob");
    let mut carol = terminal(addr, machine(4), "carol");
    oper_in_app(&mut harness);
    send_message(&mut harness, "/ban bob 2h spamming");
    assert!(
        bob.expect_closed()
            .iter()
            .any(|l| l.contains("For 120 minutes."))
    );
    send_message(&mut harness, "/mute carol");
    carol.expect("*** carol was muted by teacher. Until lifted.");

    from_moderation_menu(&mut harness, "Show the bans and mutes");
    wait_for_label(&mut harness, "Lift the mute on 127.0.0.4");
    // Each on the name and on the address it was on, with who decided it, how long it has left on
    // the host's clock, and why; in the panel, not as words in the conversation.
    let lift = |kind: &str, name: &str| format!("Lift the {kind} on {name}");
    for (kind, name) in [
        ("ban", "bob"),
        ("ban", "127.0.0.3"),
        ("mute", "carol"),
        ("mute", "127.0.0.4"),
    ] {
        harness.get_by_role_and_label(Role::Button, &lift(kind, name));
    }
    for (label, count) in [
        ("by teacher · 2 h left", 2),
        ("by teacher · until lifted", 2),
        ("Why: spamming", 2),
        ("banned", 2),
        ("muted", 2),
    ] {
        assert_eq!(harness.query_all_by_label(label).count(), count, "{label}");
    }
    assert!(!has_entry(harness.state(), "2 bans"));

    // bob is gone: his name's ban and his address's are lifted one by one.
    for name in ["bob", "127.0.0.3"] {
        harness
            .get_by_role_and_label(Role::Button, &lift("ban", name))
            .click();
        wait_for_no_label(&mut harness, &lift("ban", name));
    }
    harness.get_by_role_and_label(Role::Button, &lift("mute", "carol"));
    // Lifted on the host: bob comes back from the same machine under the same name.
    let mut back = terminal(addr, machine(3), "bob");
    back.send("here again");
    carol.expect("bob: here again");

    // carol is here: lifting her mute lifts her address's with it, as `/unmute carol` does.
    harness
        .get_by_role_and_label(Role::Button, &lift("mute", "carol"))
        .click();
    wait_for_label(&mut harness, "Nobody is banned or muted.");
    assert!(harness.query_by_label(&lift("mute", "127.0.0.4")).is_none());
    carol.send("thanks");
    back.expect("carol: thanks");
    // Put away with Escape or Close, the people list back in its place.
    harness.key_press(eframe::egui::Key::Escape);
    wait_for_no_label(&mut harness, "Bans and mutes");
    harness.get_by_role_and_label(Role::List, "People");
    from_moderation_menu(&mut harness, "Show the bans and mutes");
    wait_for_label(&mut harness, "Nobody is banned or muted.");
    harness.get_by_role_and_label(Role::Button, "Close").click();
    wait_for_no_label(&mut harness, "Bans and mutes");
    harness.get_by_role_and_label(Role::List, "People");
}

/// An app hosting a room as `hostess`, its moderator (the room's owner, by the app's device).
fn hosting_app() -> (
    tempfile::TempDir,
    egui_kittest::Harness<'static, coucou::app::CoucouApp>,
) {
    let (dir, config) = crate::app_support::temp_config();
    let mut harness = crate::app_support::app_at(&config);
    crate::app_support::host_as_hostess(&mut harness);
    wait_until(&mut harness, "a moderator", |app| {
        has_entry(app, "You are a moderator on this host")
    });
    (dir, harness)
}

#[test]
fn whoever_hosts_a_room_from_the_app_is_its_moderator_without_a_password() {
    let (_dir, mut harness) = hosting_app();
    let addr = harness.state().hosting_addr().expect("hosting");
    let mut pupil = terminal(addr, machine(1), "pupil");
    // The hosting app's device owns the room: there is no password anyone could guess.
    pupil.send("/oper hostess");
    pupil.expect("this host has no moderators' password");
    person_menu(&mut harness, "pupil");
    harness.get_by_role_and_label(Role::Button, "Kick").click();
    harness.run_steps(2);
    assert!(
        pupil
            .expect_closed()
            .iter()
            .any(|l| l.contains("you were removed from the host by hostess"))
    );
}

#[test]
fn the_hosting_app_s_owner_makes_someone_a_moderator_from_the_people_list_and_undoes_it() {
    let (_dir, mut harness) = hosting_app();
    let addr = harness.state().hosting_addr().expect("hosting");
    let mut helper = terminal(addr, machine(1), "helper");
    person_menu(&mut harness, "helper");
    harness
        .get_by_role_and_label(Role::Button, "Make moderator")
        .click();
    harness.run_steps(2);
    helper.expect("*** You are a moderator on this host");
    helper.expect("*** helper is now a moderator (hostess).");
    helper.send("/kick hostess");
    helper.expect("hostess is a moderator");
    person_menu(&mut harness, "helper");
    harness
        .get_by_role_and_label(Role::Button, "No longer moderator")
        .click();
    harness.run_steps(2);
    helper.expect("*** helper is no longer a moderator (hostess).");
    helper.send("/lock");
    helper.expect("only a moderator may do that");
}

#[test]
fn the_hosting_app_is_no_moderator_on_another_host() {
    let server = host();
    let (_dir, mut harness) = hosting_app();
    crate::app_support::disconnect_and_close(&mut harness);
    crate::app_support::connect(&mut harness, "hostess", server.local_addr());
    crate::app_support::trust_if_asked(&mut harness);
    wait_until(
        &mut harness,
        "connected",
        coucou::app::CoucouApp::is_connected,
    );
    // Neither its device (no owner there) nor a password makes it one: a moderator on arrival
    // would be told so before this message's echo.
    send_message(&mut harness, "hello");
    wait_until(&mut harness, "the echo", |app| has_entry(app, "hello"));
    assert!(!has_entry(harness.state(), "not the moderators' password"));
    assert!(
        !harness
            .state()
            .chat()
            .is_some_and(|c| c
                .entries
                .iter()
                .any(
                    |e| coucou::model::transcript::entry_text(e, coucou::i18n::Lang::En)
                        .contains("You are a moderator")
                ))
    );
}

#[test]
fn a_moderators_app_is_one_again_after_a_lost_connection() {
    let server = host();
    let proxy = crate::common::Proxy::start(server.local_addr());
    let (_dir, config) = crate::app_support::temp_config();
    // A short back-off: the test waits for the automatic attempt.
    let mut harness = crate::app_support::app_with_backoff(&config, |_| Duration::from_millis(100));
    crate::app_support::connect(&mut harness, "teacher", proxy.addr());
    crate::app_support::trust_if_asked(&mut harness);
    wait_until(
        &mut harness,
        "connected",
        coucou::app::CoucouApp::is_connected,
    );
    oper_in_app(&mut harness);
    let mut alice = app(server.local_addr(), machine(3), "alice");

    proxy.cut();
    wait_until(&mut harness, "a moderator again", |app| {
        app.chat().is_some_and(|c| {
            c.entries
                .iter()
                .filter(|e| {
                    coucou::model::transcript::entry_text(e, coucou::i18n::Lang::En)
                        .contains("You are a moderator on this host")
                })
                .count()
                == 2
        })
    });
    alice.expect(|m| matches!(m, ServerMsg::Leave { name, .. } if name == "teacher"));
    alice.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "teacher"));
    person_menu(&mut harness, "alice");
    harness.get_by_role_and_label(Role::Button, "Kick").click();
    harness.run_steps(2);
    assert_eq!(error_code(&mut alice), ErrorCode::Kicked);
}

#[test]
fn the_moderation_menu_locks_the_room_and_a_students_app_sees_classroom_mode() {
    let server = host();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("teacher", addr);
    let (_student_dir, mut student) = connected_app("pupil", addr);
    assert!(student.query_by_label("Moderation").is_none());
    oper_in_app(&mut harness);

    from_moderation_menu(&mut harness, "Classroom mode on");
    harness.run_steps(2);
    wait_until(&mut student, "classroom mode said", |app| {
        has_entry(app, "teacher turned classroom mode on")
    });
    let mut nc = terminal(addr, machine(2), "carol");
    send_message(&mut student, "/msg carol psst");
    wait_until(&mut student, "refused", |app| {
        has_entry(
            app,
            "classroom mode: private messages go only to or from moderators",
        )
    });

    from_moderation_menu(&mut harness, "Lock this room (only moderators speak)");
    harness.run_steps(2);
    nc.expect("*** teacher locked this room: only moderators speak.");
    send_message(&mut student, "may I?");
    wait_until(&mut student, "refused, and not left to send again", |app| {
        has_entry(app, "this room is locked: only moderators speak")
            && app.chat().is_some_and(|c| c.outbox.is_empty())
    });
    send_message(&mut harness, "Open your books");
    nc.expect("teacher: Open your books");

    from_moderation_menu(&mut harness, "Show the moderation log");
    wait_until(&mut harness, "the log", |app| {
        has_entry(app, "Moderation log")
    });
    assert!(
        !nc.seen()
            .iter()
            .any(|l| l.contains("may I?") || l.contains("psst"))
    );

    // Clearing the room's history is asked twice, then gone from everyone's screen.
    from_moderation_menu(&mut harness, "Clear this room's history…");
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::Button, "Clear it for everyone (it can't be undone)")
        .click();
    harness.run_steps(2);
    nc.expect("*** teacher cleared this room's history.");
    wait_until(&mut student, "cleared", |app| {
        has_entry(app, "teacher cleared this room's history") && !has_entry(app, "Open your books")
    });
}

#[test]
fn the_typed_commands_become_the_json_acts() {
    let parsed = |line: &str| coucou::protocol::command::parse(line).expect("a command");
    let moderate = |act, name: Option<&str>, minutes, reason: Option<&str>| {
        coucou::protocol::Command::Moderate(Moderate {
            name: name.map(str::to_owned),
            minutes,
            reason: reason.map(str::to_owned),
            ..Moderate::alone(act)
        })
    };
    assert_eq!(
        parsed("/ban troll 2h too loud"),
        moderate(Act::Ban, Some("troll"), Some(120), Some("too loud"))
    );
    assert_eq!(
        parsed("/mute bob 3d"),
        moderate(Act::Mute, Some("bob"), Some(3 * 24 * 60), None)
    );
    assert_eq!(
        parsed("/kick bob 2h"),
        moderate(Act::Kick, Some("bob"), None, Some("2h")),
        "a kick has no time: the word is its reason"
    );
    assert_eq!(
        parsed("/unban 10.0.0.7"),
        moderate(Act::Unban, Some("10.0.0.7"), None, None)
    );
    assert_eq!(parsed("/lock"), moderate(Act::Lock, None, None, None));
    assert_eq!(parsed("/clear"), moderate(Act::Clear, None, None, None));
    assert_eq!(
        parsed("/op bob now please"),
        moderate(Act::Op, Some("bob"), None, None),
        "naming a moderator takes no reason"
    );
    assert!(coucou::protocol::command::parse("/deop").is_err());
    assert!(coucou::protocol::command::parse("/kick").is_err());
    assert!(coucou::protocol::command::parse("/oper").is_err());
    for line in [
        "/ban troll 90m spam",
        "/unmute bob",
        "/deop bob",
        "/modlog",
        "/clear",
        "/oper secret",
    ] {
        assert_eq!(
            parsed(&parsed(line).to_plain_line()),
            parsed(line),
            "{line}"
        );
    }
}

#[test]
fn anyone_ignores_someone_on_their_own_screen_only_in_the_room_and_in_private() {
    let server = host();
    let addr = server.local_addr();
    let mut alice = app(addr, machine(3), "alice");
    let mut nc = terminal(addr, machine(4), "carol");
    let mut troll = terminal(addr, machine(2), "troll");
    nc.send("/ignore TROLL");
    nc.expect("*** You no longer see what troll says");
    alice.send(&ClientMsg::Ignore {
        name: Some("troll".into()),
        on: true,
    });
    told(&mut alice, "You no longer see what troll says");
    troll.send("can you hear me?");
    troll.send("/msg carol psst");
    troll.send("/msg alice psst");
    troll.expect("[private] troll -> alice: psst");
    say(&mut alice, "the lesson goes on");
    nc.expect("alice: the lesson goes on");
    troll.expect("alice: the lesson goes on");
    nc.send("/ignore");
    nc.expect("*** You ignore: troll.");
    nc.send("/ignore carol");
    nc.expect("! you can't ignore yourself");
    nc.send("/unignore troll");
    nc.expect("*** You see what troll says again.");
    troll.send("and now?");
    nc.expect("troll: and now?");
    let heard = nc.seen().join("\n");
    assert!(
        !heard.contains("can you hear me") && !heard.contains("psst"),
        "{heard}"
    );
    alice.send(&ClientMsg::Say {
        text: "marker".into(),
        cid: None,
    });
    alice.expect(|m| matches!(m, ServerMsg::Message(chat) if chat.text == "marker"));
    assert!(
        !alice.seen().iter().any(
            |m| matches!(m, ServerMsg::Message(chat) if chat.from == "troll")
                || matches!(m, ServerMsg::Private { from, .. } if from == "troll")
        ),
        "{:#?}",
        alice.seen()
    );
    // The troll was told nothing, and everyone else heard them.
    assert!(!troll.seen().iter().any(|l| l.contains("ignore")));
    // A hostile name: long, with a bidi override: one short, clean answer, and the chat goes on.
    alice.send(&ClientMsg::Ignore {
        name: Some("\u{202e}x".repeat(3_000)),
        on: true,
    });
    let answer = told(&mut alice, "You no longer see what");
    assert!(
        answer.chars().count() < 300 && !answer.contains('\u{202e}'),
        "{answer}"
    );
    say(&mut alice, "still fine");
    alice.expect(|m| matches!(m, ServerMsg::Message(chat) if chat.text == "still fine"));
}

#[test]
fn an_app_ignores_someone_from_the_people_list_on_its_own_screen_only() {
    let server = host();
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("alice", addr);
    let mut troll = terminal(addr, machine(2), "troll");
    let mut bob = terminal(addr, machine(3), "bob");
    person_menu(&mut harness, "troll");
    harness
        .get_by_role_and_label(Role::Button, "Ignore")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "said", |app| {
        has_entry(app, "You no longer see what troll says")
    });
    troll.send("boo");
    troll.send("/msg alice psst");
    bob.expect("troll: boo");
    bob.send("hi alice");
    wait_until(&mut harness, "bob's line", |app| has_entry(app, "hi alice"));
    assert!(!has_entry(harness.state(), "boo") && !has_entry(harness.state(), "psst"));
    // Nobody else was told, and the host not even asked.
    assert!(!bob.seen().iter().any(|l| l.contains("ignore")));
    assert!(!troll.seen().iter().any(|l| l.contains("ignore")));
    person_menu(&mut harness, "troll");
    harness
        .get_by_role_and_label(Role::Button, "Stop ignoring")
        .click();
    harness.run_steps(2);
    troll.send("back again");
    wait_until(&mut harness, "the troll's line", |app| {
        has_entry(app, "back again")
    });
}

#[test]
fn an_app_named_a_moderator_loses_its_menus_at_once_when_it_is_one_no_more() {
    let (_owner_dir, owner) = crate::devices::device();
    let server = start_server_with(ServerConfig {
        owners: vec![owner.id()],
        ..moderated(ServerConfig::default())
    });
    let addr = server.local_addr();
    let (_dir, mut harness) = connected_app("ta", addr);
    let mut teacher = crate::devices::app(addr, machine(8), Some(&owner), "teacher");
    teacher.send(&crate::devices::act(Act::Op, "ta"));
    wait_until(&mut harness, "a moderator", |app| {
        has_entry(app, "You are a moderator on this host")
    });
    person_menu(&mut harness, "teacher");
    harness.get_by_role_and_label(Role::Button, "Kick");
    harness.key_press(eframe::egui::Key::Escape);
    harness.run_steps(2);

    teacher.send(&crate::devices::act(Act::Deop, "ta"));
    wait_until(&mut harness, "one no more", |app| {
        has_entry(app, "You are no longer a moderator here")
    });
    person_menu(&mut harness, "teacher");
    assert!(harness.query_by_label("Kick").is_none());
    assert!(harness.query_by_label("Moderation").is_none());
}

/// The texts of the room's messages a history page holds.
fn page_texts(client: &mut Json) -> Vec<String> {
    client.send(&ClientMsg::History {
        before: None,
        limit: None,
        label: None,
    });
    match client.expect(|m| matches!(m, ServerMsg::History { .. })) {
        ServerMsg::History { messages, .. } => messages
            .into_iter()
            .filter_map(|m| match m {
                ServerMsg::Message(chat) => Some(chat.text),
                _ => None,
            })
            .collect(),
        _ => unreachable!(),
    }
}

fn search_count(client: &mut Json, words: &str) -> usize {
    client.send(&ClientMsg::Search {
        text: words.into(),
        limit: None,
        label: None,
    });
    match client.expect(|m| matches!(m, ServerMsg::Results { .. })) {
        ServerMsg::Results { results, .. } => results.len(),
        _ => unreachable!(),
    }
}

#[test]
fn a_moderator_clears_a_room_s_history_from_the_store_the_search_and_everyone_s_screen() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = || moderated(crate::common::stored(&dir.path().join("history.sqlite")));
    let server = start_server_with(config());
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut bob = app(addr, machine(2), "bob");
    let mut carol = terminal(addr, machine(3), "carol");
    say(&mut bob, "the secret plan");
    let before = match teacher
        .expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "the secret plan"))
    {
        ServerMsg::Message(chat) => chat.id,
        _ => unreachable!(),
    };
    carol.expect("bob: the secret plan");
    // Only a moderator may.
    bob.send(&moderate(Moderate::alone(Act::Clear)));
    bob.expect(|m| {
        matches!(
            m,
            ServerMsg::Error {
                code: ErrorCode::NotModerator,
                ..
            }
        )
    });

    teacher.send(&moderate(Moderate::alone(Act::Clear)));
    bob.expect(|m| matches!(m, ServerMsg::Cleared {}));
    bob.expect(|m| matches!(m, ServerMsg::Notice { text, .. } if text == "teacher cleared this room's history."));
    carol.expect("*** teacher cleared this room's history.");
    assert_eq!(
        search_count(&mut bob, "secret plan"),
        0,
        "out of the search"
    );
    assert!(page_texts(&mut bob).is_empty(), "out of the history");
    // A newcomer's welcome holds the notice alone.
    let (_zoe, welcome) = Json::join(addr, "zoe");
    let ServerMsg::Welcome { history, .. } = welcome else {
        unreachable!()
    };
    assert!(
        history.iter().all(|m| !matches!(m, ServerMsg::Message(_))),
        "{history:#?}"
    );
    drop((teacher, bob, carol));
    drop(server);

    // After a restart: still gone, and ids go on (none is given twice).
    let server = crate::common::restart_at(addr, config());
    let mut bob = app(addr, machine(2), "bob");
    assert!(page_texts(&mut bob).is_empty());
    assert_eq!(search_count(&mut bob, "secret"), 0);
    say(&mut bob, "a new start");
    match bob.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "a new start")) {
        ServerMsg::Message(chat) => assert!(chat.id > before),
        _ => unreachable!(),
    }
    assert_eq!(page_texts(&mut bob), ["a new start"]);
    drop(server);
}

#[test]
fn the_seed_s_c_client_is_muted_told_of_a_clearing_and_kicked_like_anyone() {
    let server = host();
    let addr = server.local_addr();
    let mut teacher = moderator(addr, "teacher");
    let mut seed = crate::common::c_client(addr, "seed");
    teacher.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "seed"));
    teacher.send(&act(Act::Mute, Some("seed"), Some(10), None));
    seed.expect("*** seed was muted by teacher. For 10 minutes.");
    // Its lines come prefixed with the name it typed, as the C client sends them.
    seed.send("seed: hello?");
    seed.expect("a moderator keeps you from speaking");
    teacher.send(&act(Act::Unmute, Some("seed"), None, None));
    seed.expect("*** seed may speak again (teacher).");
    seed.send("seed: thank you");
    teacher.expect(
        |m| matches!(m, ServerMsg::Message(c) if c.from == "seed" && c.text == "thank you"),
    );
    teacher.send(&moderate(Moderate::alone(Act::Clear)));
    seed.expect("*** teacher cleared this room's history.");
    teacher.send(&act(Act::Kick, Some("seed"), None, Some("end of class")));
    assert!(
        seed.expect_closed()
            .iter()
            .any(|l| l.contains("removed from the host by teacher") && l.contains("end of class")),
        "{:#?}",
        seed.seen()
    );
}

/// A host from before the bans and mutes panel (its welcome says no `rules`), played by the test
/// over real TCP in the JSON dialect, the app one of its moderators: the Moderation menu asks it
/// for its bans in words (`bans`), never for the list it would not know; no panel opens, and the
/// answer shows in the conversation.
#[test]
fn an_older_host_that_lists_no_rules_is_asked_for_its_bans_in_words_and_no_panel_opens() {
    use std::io::{BufRead as _, Write as _};
    let (asked_tx, asked) = crossbeam_channel::unbounded::<serde_json::Value>();
    let (addr, host) = crate::app_support::played_host("older-host", move |reader, stream| {
        let welcome = concat!(
            r#"{"type":"welcome","version":1,"room":"Coucou","you":"teacher","#,
            r#""users":["teacher"],"history":[],"max_message_bytes":2048}"#,
            "\n",
            r#"{"type":"moderator"}"#,
            "\n"
        );
        stream.write_all(welcome.as_bytes()).expect("written");
        let mut line = String::new();
        while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
            let said: serde_json::Value = serde_json::from_str(&line).expect("JSON");
            if said["type"] == "moderate" {
                let answer = "{\"type\":\"notice\",\"time\":1000,\"text\":\"Banned: troll.\"}\n";
                stream.write_all(answer.as_bytes()).expect("written");
                asked_tx.send(said).expect("the test");
            }
            line.clear();
        }
    });

    let (_dir, mut harness) = crate::app_support::connecting_in_clear("teacher", addr);
    wait_until(&mut harness, "a moderator", |app| {
        has_entry(app, "You are a moderator on this host")
    });
    from_moderation_menu(&mut harness, "Show the bans and mutes");
    let said = asked
        .recv_timeout(Duration::from_secs(10))
        .expect("the app asked");
    assert_eq!(said["act"], "bans", "{said}");
    wait_until(&mut harness, "the answer in words", |app| {
        has_entry(app, "Banned: troll.")
    });
    assert!(
        asked.try_recv().is_err(),
        "asked once, and not for the list"
    );
    assert!(harness.query_by_label("Bans and mutes").is_none());
    assert!(harness.query_by_label("Refresh").is_none());
    drop(harness);
    host.join().expect("the host's thread ended");
}

/// A JSON client's `typed` lines (how the web page gives commands) are read as a terminal's and
/// answered in JSON: `/oper` over TLS makes a moderator, `/me` is an action, `//text` says
/// `/text`, `/kick` removes with its reason; the hostile ones — an unknown command, a command
/// without what it needs, a line over 2048 bytes, `/oper` in clear — each get one error and the
/// connection stays.
#[test]
fn typed_lines_are_read_as_a_terminals_and_answered_in_json() {
    let server = host();
    let addr = server.local_addr();
    let typed = |text: &str| ClientMsg::Typed { text: text.into() };
    let mut teacher = app(addr, machine(1), "teacher");
    let mut troll = terminal(addr, machine(3), "troll");
    teacher.send(&typed(&format!("/oper {PASSWORD}")));
    teacher.expect(|m| matches!(m, ServerMsg::Moderator { on: true, .. }));
    teacher.send(&typed("/me waves"));
    troll.expect("* teacher waves");
    teacher.send(&typed("//slash"));
    troll.expect("teacher: /slash");

    teacher.send(&typed("/frobnicate"));
    assert_eq!(error_code(&mut teacher), ErrorCode::UnknownCommand);
    teacher.send(&typed("/kick"));
    assert_eq!(error_code(&mut teacher), ErrorCode::BadUsage);
    teacher.send(&typed(&format!("/me {}", "a".repeat(2100))));
    assert_eq!(error_code(&mut teacher), ErrorCode::TooLong);
    let (mut clear, _) = Json::join_from(addr, machine(4), "eve");
    clear.send(&typed(&format!("/oper {PASSWORD}")));
    assert_eq!(error_code(&mut clear), ErrorCode::TlsRequired);

    teacher.send(&typed("/kick troll spamming"));
    let text = said(&mut clear, "troll was removed from the host by teacher");
    assert!(text.contains("Reason: spamming"), "{text}");
    assert!(
        troll
            .expect_closed()
            .iter()
            .any(|l| l.contains("you were removed from the host by teacher"))
    );
    // Still there, each of them: what they send is carried out.
    for client in [&mut teacher, &mut clear] {
        client.send(&ClientMsg::Who {});
        client.expect(|m| matches!(m, ServerMsg::Users { .. }));
    }
}
