//! Moderators of one named room, named by an owner with `/op` typed in that room: over real TLS
//! with real device proofs, with an app, an app without a device and a terminal in the room, and
//! across a restart of a host that keeps its history (the room's moderators and its mutes); a
//! room's moderator lists that room's own mutes, and nothing of the host's.

use std::net::SocketAddr;

use coucou::protocol::command::Moderate;
use coucou::protocol::message::Act;
use coucou::protocol::{ClientMsg, Command, ErrorCode, ServerMsg};
use coucou::server::ServerConfig;

use crate::common::{Json, Plain, restart_at, start_server_with, stored};
use crate::devices::{act, app, device, machine};
use crate::moderation::moderated;

const ROOM: &str = "Projet X";

/// A moderator's act with no name (lock, unlock, …).
fn bare(act: Act) -> ClientMsg {
    Command::Moderate(Moderate::alone(act)).to_client_msg()
}

/// The error the next answer about `room` is.
pub(crate) fn refused_in(client: &mut Json, room: Option<&str>) -> (ErrorCode, String) {
    match client.expect_in(room, |m| matches!(m, ServerMsg::Error { .. })) {
        ServerMsg::Error { code, message, .. } => (code, message),
        _ => unreachable!(),
    }
}

/// Says `text` in the named room `room`.
pub(crate) fn say_in(client: &mut Json, room: &str, text: &str) {
    client.send_in(
        room,
        &ClientMsg::Say {
            text: text.into(),
            cid: None,
        },
    );
}

fn said(client: &mut Json, room: Option<&str>, text: &str) -> u64 {
    match client.expect_in(
        room,
        |m| matches!(m, ServerMsg::Message(c) if c.text == text),
    ) {
        ServerMsg::Message(chat) => chat.id,
        _ => unreachable!(),
    }
}

fn notice_in(client: &mut Json, room: Option<&str>, text: &str) {
    client.expect_in(
        room,
        |m| matches!(m, ServerMsg::Notice { text: t, .. } if t == text),
    );
}

/// The assistant's device comes back (from another address): in the room, told they moderate
/// it, in it.
fn comes_back(addr: SocketAddr, device: &coucou::identity::Device) -> Json {
    let mut ta = app(addr, machine(6), Some(device), "ta");
    assert!(
        !ta.seen()
            .iter()
            .any(|m| matches!(m, ServerMsg::Moderator { .. })),
        "no moderator of the host"
    );
    ta.join_room(ROOM);
    ta.expect_in(Some(ROOM), |m| {
        matches!(
            m,
            ServerMsg::Moderator {
                owner: false,
                on: true
            }
        )
    });
    ta
}

#[test]
fn a_room_s_moderator_kicks_locks_mutes_lists_and_deletes_there_only_and_stays_one_across_a_restart()
 {
    let dir = tempfile::tempdir().expect("a temp dir");
    let ((_o, owner), (_h, helper)) = (device(), device());
    let config = || ServerConfig {
        owners: vec![owner.id()],
        rooms: vec![ROOM.into()],
        ..moderated(stored(&dir.path().join("history.sqlite")))
    };
    let server = start_server_with(config());
    let addr = server.local_addr();
    let mut teacher = app(addr, machine(8), Some(&owner), "teacher");
    let mut ta = app(addr, machine(2), Some(&helper), "ta");
    let mut pupil = app(addr, machine(3), None, "pupil");
    let mut dave = Plain::join(addr, "dave");
    for client in [&mut teacher, &mut ta, &mut pupil] {
        client.join_room(ROOM);
    }
    dave.send(&format!("/join {ROOM}"));
    pupil.expect_in(
        Some(ROOM),
        |m| matches!(m, ServerMsg::Join { name, .. } if name == "dave"),
    );

    // Only an app can moderate one room: a terminal has no device to be known by.
    teacher.send_in(ROOM, &act(Act::Op, "dave"));
    assert_eq!(refused_in(&mut teacher, Some(ROOM)).0, ErrorCode::BadUsage);
    // Nor may anyone but an owner name one.
    pupil.send_in(ROOM, &act(Act::Op, "pupil"));
    assert_eq!(
        refused_in(&mut pupil, Some(ROOM)).0,
        ErrorCode::NotModerator
    );
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
    notice_in(
        &mut pupil,
        Some(ROOM),
        "ta is now a moderator of this room (teacher).",
    );

    // /help in the room lists what ta may do there; in the default room, nothing of the kind.
    ta.send_in(ROOM, &ClientMsg::Help {});
    ta.expect_in(Some(ROOM), |m| {
        matches!(m, ServerMsg::Notice { text, .. }
            if text.starts_with("As a moderator of this room") && text.contains("/clear")
                && !text.contains("/ban"))
    });
    // In the default room, ta is nobody.
    ta.send(&bare(Act::Lock));
    assert_eq!(refused_in(&mut ta, None).0, ErrorCode::NotModerator);
    // What concerns the whole host is the host's moderators'.
    ta.send_in(ROOM, &act(Act::Ban, "pupil"));
    let (code, words) = refused_in(&mut ta, Some(ROOM));
    assert_eq!(code, ErrorCode::NotModerator);
    assert!(words.contains("room's moderator"), "{words}");
    ta.send_in(ROOM, &act(Act::Kick, "teacher"));
    assert_eq!(refused_in(&mut ta, Some(ROOM)).0, ErrorCode::NotModerator);

    // Locked: the room's moderator speaks, nobody else does.
    ta.send_in(ROOM, &bare(Act::Lock));
    notice_in(
        &mut pupil,
        Some(ROOM),
        "ta locked this room: only moderators speak.",
    );
    say_in(&mut pupil, ROOM, "me too");
    assert_eq!(refused_in(&mut pupil, Some(ROOM)).0, ErrorCode::Muted);
    say_in(&mut ta, ROOM, "one at a time");
    said(&mut pupil, Some(ROOM), "one at a time");
    pupil.send(&ClientMsg::Say {
        text: "the default room is open".into(),
        cid: None,
    });
    said(&mut teacher, None, "the default room is open");
    ta.send_in(ROOM, &bare(Act::Unlock));
    notice_in(
        &mut pupil,
        Some(ROOM),
        "ta unlocked this room: everyone may speak.",
    );

    // Slow mode: one message a minute each, but for the room's moderator.
    let slow = |seconds| {
        Command::Moderate(Moderate {
            seconds: Some(seconds),
            ..Moderate::alone(Act::Slow)
        })
        .to_client_msg()
    };
    ta.send_in(ROOM, &slow(60));
    notice_in(
        &mut pupil,
        Some(ROOM),
        "ta slowed this room down: one message every 60 s per person.",
    );
    say_in(&mut pupil, ROOM, "first");
    said(&mut ta, Some(ROOM), "first");
    say_in(&mut pupil, ROOM, "second");
    assert_eq!(refused_in(&mut pupil, Some(ROOM)).0, ErrorCode::Flood);
    for text in ["slow for you", "not for me"] {
        say_in(&mut ta, ROOM, text);
        said(&mut pupil, Some(ROOM), text);
    }
    ta.send_in(ROOM, &slow(0));
    notice_in(&mut pupil, Some(ROOM), "ta ended slow mode in this room.");

    // Muted in this room (not elsewhere), under another name too; then free again.
    ta.send_in(ROOM, &act(Act::Mute, "pupil"));
    notice_in(
        &mut pupil,
        Some(ROOM),
        "pupil was muted in this room by ta. Until lifted.",
    );
    say_in(&mut pupil, ROOM, "can I?");
    let (code, words) = refused_in(&mut pupil, Some(ROOM));
    assert_eq!(code, ErrorCode::Muted);
    assert!(words.contains("moderator of this room"), "{words}");
    pupil.send(&ClientMsg::Say {
        text: "the default room hears me".into(),
        cid: None,
    });
    said(&mut teacher, None, "the default room hears me");
    // Under another name: still muted there.
    pupil.send(&ClientMsg::Nick {
        name: "pupille".into(),
    });
    pupil.expect(|m| matches!(m, ServerMsg::Rename { new, .. } if new == "pupille"));
    say_in(&mut pupil, ROOM, "and now?");
    assert_eq!(refused_in(&mut pupil, Some(ROOM)).0, ErrorCode::Muted);
    pupil.send(&ClientMsg::Nick {
        name: "pupil".into(),
    });
    pupil.expect(|m| matches!(m, ServerMsg::Rename { new, .. } if new == "pupil"));
    dave.send("/msg pupil a private word still goes");
    pupil.expect(|m| matches!(m, ServerMsg::Private { text, .. } if text.contains("still goes")));
    ta.send_in(ROOM, &act(Act::Kick, "ta"));
    assert_eq!(refused_in(&mut ta, Some(ROOM)).0, ErrorCode::NotModerator);
    ta.send_in(ROOM, &act(Act::Mute, "teacher"));
    assert_eq!(
        refused_in(&mut ta, Some(ROOM)).0,
        ErrorCode::NotModerator,
        "not the host's moderators"
    );
    ta.send_in(ROOM, &act(Act::Unmute, "pupil"));
    notice_in(&mut pupil, Some(ROOM), "pupil may speak again (ta).");
    say_in(&mut pupil, ROOM, "thanks");
    said(&mut ta, Some(ROOM), "thanks");

    // A message deleted, then its sender kicked out of the room (not off the host).
    say_in(&mut pupil, ROOM, "spam spam");
    let id = said(&mut ta, Some(ROOM), "spam spam");
    ta.send_in(
        ROOM,
        &Command::Moderate(Moderate {
            id: Some(id),
            ..Moderate::alone(Act::Delete)
        })
        .to_client_msg(),
    );
    notice_in(
        &mut pupil,
        Some(ROOM),
        "A message was removed by ta, a moderator.",
    );
    ta.send_in(ROOM, &act(Act::Kick, "pupil"));
    let (code, words) = refused_in(&mut pupil, Some(ROOM));
    assert_eq!(code, ErrorCode::Kicked);
    assert!(words.contains(ROOM), "{words}");
    pupil.expect_in(Some(ROOM), |m| matches!(m, ServerMsg::Parted {}));
    notice_in(
        &mut teacher,
        Some(ROOM),
        "pupil was removed from this room by ta.",
    );
    pupil.send(&ClientMsg::Say {
        text: "still on the host".into(),
        cid: None,
    });
    said(&mut teacher, None, "still on the host");
    // A terminal kicked out of the room is back in the default room.
    ta.send_in(ROOM, &act(Act::Kick, "dave"));
    dave.expect("removed from the room Projet X by ta");
    dave.send("back here");
    said(&mut teacher, None, "back here");
    // A room's mute lasts across a restart, as the host's do.
    let mut carl = app(addr, machine(7), None, "carl");
    carl.join_room(ROOM);
    ta.send_in(ROOM, &act(Act::Mute, "carl"));
    notice_in(
        &mut carl,
        Some(ROOM),
        "carl was muted in this room by ta. Until lifted.",
    );
    // The room's moderator lists that room's own mutes (the app's panel), none of the host's,
    // and only there.
    teacher.send(&act(Act::Mute, "dave"));
    dave.expect("dave was muted by teacher");
    ta.send_in(ROOM, &bare(Act::Rules));
    let ServerMsg::Rules { rules, .. } =
        ta.expect_in(Some(ROOM), |m| matches!(m, ServerMsg::Rules { .. }))
    else {
        unreachable!()
    };
    assert!(
        rules.iter().any(|r| r.name == "carl")
            && rules
                .iter()
                .all(|r| r.room.as_deref() == Some(ROOM) && r.by == "ta"),
        "{rules:#?}"
    );
    ta.send(&bare(Act::Rules));
    assert_eq!(refused_in(&mut ta, None).0, ErrorCode::NotModerator);

    // The room's moderator across a restart (by device, from another address).
    drop((ta, pupil, dave, carl));
    drop(teacher);
    drop(server);
    let server = restart_at(addr, config());
    let mut ta = comes_back(addr, &helper);
    let mut teacher = app(addr, machine(8), Some(&owner), "teacher");
    teacher.join_room(ROOM);
    teacher.send_in(ROOM, &act(Act::Deop, "ta"));
    ta.expect_in(Some(ROOM), |m| {
        matches!(m, ServerMsg::Moderator { on: false, .. })
    });
    notice_in(
        &mut ta,
        Some(ROOM),
        "ta is no longer a moderator (teacher).",
    );
    ta.send_in(ROOM, &bare(Act::Lock));
    assert_eq!(refused_in(&mut ta, Some(ROOM)).0, ErrorCode::NotModerator);
    let mut carl = app(addr, machine(7), None, "carl");
    carl.join_room(ROOM);
    say_in(&mut carl, ROOM, "am I free?");
    assert_eq!(refused_in(&mut carl, Some(ROOM)).0, ErrorCode::Muted);
    // The host's moderators see the room's own mutes beside the host's lists.
    teacher.send_in(ROOM, &bare(Act::Bans));
    let listed = teacher.expect_in(
        Some(ROOM),
        |m| matches!(m, ServerMsg::Notice { id: None, text, .. } if text.contains("in this room:")),
    );
    assert!(
        matches!(&listed, ServerMsg::Notice { text, .. } if text.ends_with("2 mutes in this room:\n  carl, by ta. Until lifted.\n  127.0.0.7, by ta. Until lifted.")),
        "{listed:?}"
    );
    teacher.send_in(ROOM, &act(Act::Unmute, "carl"));
    notice_in(&mut carl, Some(ROOM), "carl may speak again (teacher).");
    say_in(&mut carl, ROOM, "free");
    said(&mut teacher, Some(ROOM), "free");
    drop(server);
}
