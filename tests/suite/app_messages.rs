//! Replies, edits, deletions and reactions in the real app (egui_kittest) against a real server
//! on 127.0.0.1 (with a real SQLite store where pages matter): from a message's menu, with what
//! another client (JSON over TCP) sees of each, and what the app shows of theirs.

use eframe::egui::Key;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;

use crate::app_support::{
    connected_app, has_entry, send_message, type_in_input, wait_for_label, wait_until,
};
use crate::common::{Json, start_server, start_server_with, stored};
use coucou::model::EntryKind;
use coucou::protocol::change::Reaction;
use coucou::protocol::{ClientMsg, ServerMsg};

/// A client that reads edits and reactions (as the app does once welcomed), in the room.
fn app_join(addr: std::net::SocketAddr, name: &str) -> (Json, ServerMsg) {
    crate::messages::app_join(addr, name)
}

fn say(client: &mut Json, text: &str) -> u64 {
    crate::messages::say(client, text).id
}

/// Clicks (`button`) the widget labelled `label` once it stays in place from one frame to the
/// next (the list moves while rows that changed are measured again).
fn click_when_still(
    harness: &mut egui_kittest::Harness<'static, coucou::app::CoucouApp>,
    label: &str,
    button: eframe::egui::PointerButton,
) {
    let mut before = None;
    for _ in 0..100 {
        harness.run_steps(1);
        let now = harness.get_by_label(label).rect();
        if before == Some(now) {
            harness.get_by_label(label).click_button(button);
            harness.run_steps(2);
            return;
        }
        before = Some(now);
    }
    panic!("{label:?} never stood still");
}

/// Opens the menu of the message saying `text` (once its Quote is there).
fn open_menu(harness: &mut egui_kittest::Harness<'static, coucou::app::CoucouApp>, text: &str) {
    click_when_still(harness, text, eframe::egui::PointerButton::Secondary);
    for _ in 0..100 {
        if harness
            .query_by_role_and_label(Role::Button, "Quote")
            .is_some()
        {
            return;
        }
        harness.run_steps(1);
    }
    panic!("no menu for {text:?}");
}

/// Opens the menu of the message saying `text` and clicks `item`.
fn menu_item(
    harness: &mut egui_kittest::Harness<'static, coucou::app::CoucouApp>,
    text: &str,
    item: &str,
) {
    open_menu(harness, text);
    harness.get_by_role_and_label(Role::Button, item).click();
    harness.run_steps(2);
}

#[test]
fn a_reply_from_a_messages_menu_quotes_it_and_a_click_on_a_quote_jumps_there_through_older_pages() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server_with(stored(&dir.path().join("history.sqlite")));
    let addr = server.local_addr();
    let (mut bob, _) = app_join(addr, "bob");
    let original = say(&mut bob, "the original question");
    // More than the welcome's 100: the question is in an older page.
    for n in 0..250 {
        say(&mut bob, &format!("filler {n}"));
    }
    let (_dir, mut harness) = connected_app("alice", addr);
    wait_until(&mut harness, "the welcome", |app| {
        has_entry(app, "filler 249")
    });
    assert!(
        !has_entry(harness.state(), "the original question"),
        "older than the welcome"
    );
    // bob answers his old question: the host quotes it from its store.
    bob.send(&ClientMsg::Reply {
        id: original,
        text: "still open".into(),
        cid: None,
    });
    wait_for_label(&mut harness, "↪ bob: the original question");
    // alice replies to bob's answer from its menu.
    menu_item(&mut harness, "still open", "Reply");
    wait_for_label(&mut harness, "Replying to bob: still open");
    send_message(&mut harness, "yes, tomorrow");
    let ServerMsg::Message(answer) =
        bob.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "yes, tomorrow"))
    else {
        unreachable!()
    };
    let quoted = answer.reply.expect("a reply");
    assert_eq!(quoted.text.as_deref(), Some("still open"));
    assert!(
        harness.query_by_label_contains("Replying to").is_none(),
        "done"
    );
    // A click on the quote shows the question, from an older page.
    click_when_still(
        &mut harness,
        "↪ bob: the original question",
        eframe::egui::PointerButton::Primary,
    );
    wait_until(&mut harness, "the jump", |app| {
        app.jumped_to() == Some(original)
    });
    assert!(has_entry(harness.state(), "the original question"));
}

#[test]
fn your_own_message_is_edited_and_deleted_from_its_menu_and_nobody_elses() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut bob, _) = app_join(addr, "bob");
    let (_dir, mut harness) = connected_app("alice", addr);
    send_message(&mut harness, "the meeting is at ten");
    bob.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "the meeting is at ten"));
    wait_until(&mut harness, "the echo", |app| {
        app.chat().is_some_and(|c| !c.editable.is_empty())
    });
    menu_item(&mut harness, "the meeting is at ten", "Edit");
    wait_for_label(&mut harness, "Editing your message");
    // The line holds the text, the cursor at its end.
    for _ in 0.."ten".len() {
        harness.key_press(Key::Backspace);
    }
    type_in_input(&mut harness, "eleven");
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    let ServerMsg::Edited(now) = bob.expect(|m| matches!(m, ServerMsg::Edited(_))) else {
        unreachable!()
    };
    assert_eq!(now.text, "the meeting is at eleven");
    wait_for_label(&mut harness, "(edited)");
    wait_until(&mut harness, "the new text", |app| {
        has_entry(app, "the meeting is at eleven") && !has_entry(app, "the meeting is at ten")
    });

    // bob's message has neither Edit nor Delete.
    say(&mut bob, "mine, not yours");
    wait_until(&mut harness, "bob's message", |app| {
        has_entry(app, "mine, not yours")
    });
    open_menu(&mut harness, "mine, not yours");
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Edit")
            .is_none()
    );
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Delete")
            .is_none()
    );
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Reply")
            .is_some()
    );
    harness.key_press(Key::Escape);
    harness.run_steps(2);

    menu_item(&mut harness, "the meeting is at eleven", "Delete");
    bob.expect(|m| matches!(m, ServerMsg::Notice { id: Some(id), .. } if *id == now.id));
    wait_until(&mut harness, "the tombstone", |app| {
        has_entry(app, "alice deleted this message") && !has_entry(app, "the meeting is at")
    });
}

#[test]
fn reactions_from_a_messages_menu_show_who_and_how_many_and_a_click_takes_yours_back() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut bob, _) = app_join(addr, "bob");
    let (_dir, mut harness) = connected_app("alice", addr);
    let id = say(&mut bob, "cake on friday");
    wait_until(&mut harness, "bob's message", |app| {
        has_entry(app, "cake on friday")
    });
    menu_item(&mut harness, "cake on friday", "👍");
    let reacted = |m: &ServerMsg, on: bool| matches!(m, ServerMsg::Reacted(r) if r.id == id && r.name == "alice" && r.on == on);
    bob.expect(|m| reacted(m, true));
    bob.send(&ClientMsg::React {
        id,
        emoji: "👍".into(),
        on: true,
    });
    wait_for_label(&mut harness, "👍 2");
    let thumbs = |app: &coucou::app::CoucouApp| {
        app.chat()
            .and_then(|c| c.entries.iter().find(|e| e.id == Some(id)))
            .and_then(|e| match &e.kind {
                EntryKind::Chat { reactions, .. } => Some(reactions.clone()),
                _ => None,
            })
    };
    assert_eq!(
        thumbs(harness.state()),
        Some(vec![Reaction {
            emoji: "👍".into(),
            names: vec!["alice".into(), "bob".into()],
        }])
    );
    harness.get_by_role_and_label(Role::Button, "👍 2").click();
    harness.run_steps(2);
    bob.expect(|m| reacted(m, false));
    wait_for_label(&mut harness, "👍 1");
}

#[test]
fn an_at_offers_people_and_formatting_shows_while_terminals_read_the_text_as_typed() {
    let server = start_server();
    let addr = server.local_addr();
    let (mut bob, _) = app_join(addr, "bob");
    let mut term = crate::common::Plain::join(addr, "tom");
    let (_dir, mut harness) = connected_app("alice", addr);
    type_in_input(&mut harness, "@b");
    wait_for_label(&mut harness, "Mention:");
    harness.get_by_role_and_label(Role::Button, "@bob").click();
    harness.run_steps(2);
    type_in_input(&mut harness, "**read** the `plan` first");
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    let typed = "@bob **read** the `plan` first";
    bob.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == typed));
    term.expect(&format!("alice: {typed}"));
    // On screen: the words without their marks; the mention and the styles are the label's.
    wait_for_label(&mut harness, "@bob read the plan first");

    // Formatting nested past reason, from someone else: shown, nothing breaks.
    let hostile: String = "*`_**".repeat(400);
    bob.send(&ClientMsg::Say {
        text: hostile.clone(),
        cid: None,
    });
    wait_until(&mut harness, "the hostile line", |app| {
        app.chat().is_some_and(|c| {
            c.entries
                .iter()
                .any(|e| matches!(&e.kind, EntryKind::Chat { text, .. } if *text == hostile))
        })
    });
    harness.run_steps(4);
    assert!(harness.state().is_connected());
}

#[test]
fn a_hostile_hosts_edits_reactions_and_quotes_are_cleaned_and_touch_only_their_message() {
    use std::io::{BufRead as _, Write as _};
    let (addr, host) = crate::app_support::played_host(
        "hostile-messages-host",
        |reader, stream| {
            let lines = [
                // bob's message 5, and a private message under the same number (another sequence).
                r#"{"type":"welcome","version":1,"room":"Coucou","you":"alice","users":["alice","bob"],"history":[{"type":"message","id":5,"time":1000,"from":"bob","text":"bonjour"}],"max_message_bytes":2048}"#,
                r#"{"type":"private","id":5,"time":2000,"from":"bob","to":"alice","text":"psst"}"#,
                // Reactions: one that is no emoji, a name with a bidi control.
                r#"{"type":"reacted","id":5,"from":"bob","name":"eve","emoji":"x","on":true,"reactions":[{"emoji":"\u202e\u200b","names":["eve"]},{"emoji":"👍","names":["\u202eeve"]}]}"#,
                // An edit under the id with another time: another message, not this one.
                r#"{"type":"edited","id":5,"time":9999,"from":"bob","text":"forged","edited":true}"#,
                // bob's real edit, with a terminal escape.
                r#"{"type":"edited","id":5,"time":1000,"from":"bob","text":"\u001b[31mbonsoir","edited":true}"#,
                // A reply whose quote hides controls.
                r#"{"type":"message","id":6,"time":3000,"from":"bob","text":"fin","reply":{"id":5,"from":"bob","text":"\u202ebonjour\u0007"}}"#,
            ];
            let mut out = lines.join("\n");
            out.push('\n');
            stream.write_all(out.as_bytes()).expect("written");
            // Until the app is gone.
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                line.clear();
            }
        },
    );

    let (_dir, mut harness) = crate::app_support::connecting_in_clear("alice", addr);
    wait_until(&mut harness, "the host's last line", |app| {
        has_entry(app, "fin")
    });
    let chat = harness.state().chat().expect("the room");
    let five: Vec<_> = chat
        .entries
        .iter()
        .filter(|e| e.id == Some(5) || matches!(e.kind, EntryKind::Private { .. }))
        .collect();
    assert_eq!(five.len(), 2, "the message and the private message");
    for entry in five {
        match &entry.kind {
            EntryKind::Chat {
                text,
                edited,
                reactions,
                ..
            } => {
                assert_eq!(text, "bonsoir");
                assert!(*edited);
                assert_eq!(
                    reactions,
                    &[Reaction {
                        emoji: "👍".into(),
                        names: vec!["eve".into()],
                    }]
                );
            }
            EntryKind::Private { text, .. } => assert_eq!(text, "psst", "untouched"),
            other => panic!("{other:?}"),
        }
    }
    let reply = chat
        .entries
        .iter()
        .find_map(|e| match &e.kind {
            EntryKind::Chat {
                reply: Some(quote), ..
            } => Some(quote.clone()),
            _ => None,
        })
        .expect("the reply");
    assert_eq!(reply.text.as_deref(), Some("bonjour"));
    harness.run_steps(4);
    drop(harness);
    host.join().expect("the host");
}

#[test]
fn after_a_lost_connection_the_app_still_edits_and_deletes_what_it_sent_before() {
    let server = start_server();
    let proxy = crate::common::Proxy::start(server.local_addr());
    let (mut bob, _) = app_join(server.local_addr(), "bob");
    let (_dir, config) = crate::app_support::temp_config();
    let mut harness =
        crate::app_support::app_with_backoff(&config, |_| std::time::Duration::from_millis(100));
    crate::app_support::connect(&mut harness, "alice", proxy.addr());
    crate::app_support::trust_if_asked(&mut harness);
    wait_until(
        &mut harness,
        "connected",
        coucou::app::CoucouApp::is_connected,
    );
    send_message(&mut harness, "see you at 10");
    send_message(&mut harness, "a typo to take back");
    bob.expect(|m| matches!(m, ServerMsg::Message(c) if c.text == "a typo to take back"));
    wait_until(&mut harness, "both echoes", |app| {
        app.chat().is_some_and(|c| c.editable.len() == 2)
    });

    proxy.cut();
    wait_until(&mut harness, "connected again", |app| {
        app.is_connected() && has_entry(app, "Reconnected")
    });
    bob.expect(|m| matches!(m, ServerMsg::Leave { name, .. } if name == "alice"));
    bob.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "alice"));
    // The host knows this app's device: what it sent before is still its own, in its menus too.
    menu_item(&mut harness, "see you at 10", "Edit");
    wait_for_label(&mut harness, "Editing your message");
    for _ in 0.."10".len() {
        harness.key_press(Key::Backspace);
    }
    type_in_input(&mut harness, "11");
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    let ServerMsg::Edited(now) = bob.expect(|m| matches!(m, ServerMsg::Edited(_))) else {
        unreachable!()
    };
    assert_eq!(now.text, "see you at 11");
    menu_item(&mut harness, "a typo to take back", "Delete");
    bob.expect(
        |m| matches!(m, ServerMsg::Notice { text, .. } if text == "alice deleted this message"),
    );
    wait_until(&mut harness, "the tombstone", |app| {
        has_entry(app, "alice deleted this message") && !has_entry(app, "a typo to take back")
    });
    assert!(
        !has_entry(harness.state(), "only the author may change"),
        "the host took both"
    );
}
