//! The plain dialect over real TCP: what nc, telnet and the seed's C client see.

use crate::common::{Plain, start_server, start_server_with};
use coucou::server::ServerConfig;

#[test]
fn join_is_announced_to_everyone_newcomer_included_and_messages_reach_all() {
    let server = start_server();
    let mut alice = Plain::join(server.local_addr(), "alice");
    let mut bob = Plain::connect(server.local_addr());
    bob.send("bob");
    assert_eq!(bob.line(), "*** Welcome to Coucou, bob!");
    assert_eq!(bob.line(), "*** 2 people here: alice, bob");
    assert_eq!(bob.line(), "*** Type /help for commands, exit to leave.");
    assert_eq!(bob.line(), "*** bob joined the room");
    assert_eq!(alice.line(), "*** bob joined the room");

    bob.send("salut alice");
    assert_eq!(alice.line(), "bob: salut alice");
    assert_eq!(
        bob.line(),
        "bob: salut alice",
        "the sender sees its own line too"
    );
}

#[test]
fn coucou_in_any_case_is_answered_with_bonjour_to_everyone() {
    let server = start_server();
    let mut alice = Plain::join(server.local_addr(), "alice");
    let mut bob = Plain::join(server.local_addr(), "bob");
    alice.expect("bob joined");
    bob.send("CouCou");
    for client in [&mut alice, &mut bob] {
        assert_eq!(client.line(), "bob: CouCou");
        assert!(client.line().contains("Bonjour bob"));
    }
    bob.send("coucou toi");
    assert_eq!(alice.line(), "bob: coucou toi");
    bob.send("marker");
    assert_eq!(
        alice.line(),
        "bob: marker",
        "no greeting unless coucou is alone"
    );
}

#[test]
fn exit_quit_and_closing_are_announced_to_the_others_and_close_the_connection() {
    let server = start_server();
    let mut watcher = Plain::join(server.local_addr(), "watcher");
    for (name, how) in [("ann", "exit"), ("ben", "/quit"), ("cat", "")] {
        let mut leaver = Plain::join(server.local_addr(), name);
        watcher.expect(&format!("{name} joined"));
        if how.is_empty() {
            leaver.close_write();
        } else {
            leaver.send(how);
        }
        let gone = watcher.expect(&format!("* {name} "));
        assert!(gone.contains("left the room"), "{gone}");
        leaver.expect_closed();
    }
    let mut late = Plain::join(server.local_addr(), "late");
    late.send("/who");
    assert_eq!(late.expect("here:"), "*** 2 people here: late, watcher");
}

#[test]
fn seed_c_client_wire_format_nul_padded_name_and_name_prefix() {
    let server = start_server();
    let mut watcher = Plain::join(server.local_addr(), "watcher");
    let mut c_client = Plain::connect(server.local_addr());
    let mut name_block = [0u8; 32];
    name_block[..4].copy_from_slice(b"seed");
    c_client.send_raw(&name_block);
    c_client.expect("*** seed joined the room");
    watcher.expect("*** seed joined the room");
    c_client.send_raw(b"seed: hello from C\n");
    assert_eq!(watcher.line(), "seed: hello from C");
    c_client.send_raw(b"seed: exit\n");
    watcher.expect("*** seed left the room");
}

#[test]
fn crlf_and_a_line_sent_one_byte_at_a_time() {
    let server = start_server();
    let mut watcher = Plain::join(server.local_addr(), "watcher");
    let mut telnet = Plain::connect(server.local_addr());
    telnet.send_raw(b"telnet\r\n");
    watcher.expect("*** telnet joined");
    telnet.send_raw(b"with crlf\r\n");
    assert_eq!(watcher.line(), "telnet: with crlf");
    // Each one-byte write goes out as its own segment.
    telnet.stream().set_nodelay(true).unwrap();
    for byte in b"slowly, byte by byte\r\n" {
        telnet.send_raw(&[*byte]);
    }
    assert_eq!(watcher.line(), "telnet: slowly, byte by byte");
}

#[test]
fn a_message_of_2048_bytes_passes_2049_is_refused_and_the_connection_stays() {
    let server = start_server();
    let mut watcher = Plain::join(server.local_addr(), "watcher");
    let mut sender = Plain::join(server.local_addr(), "sender");
    watcher.expect("sender joined");
    let max = "é".repeat(1024); // 2048 bytes of UTF-8
    sender.send(&max);
    assert_eq!(watcher.line(), format!("sender: {max}"));
    let over = format!("{max}x");
    sender.send(&over);
    let err = sender.expect("! ");
    assert!(err.contains("2048"), "the error names the limit: {err}");
    sender.send("still here");
    assert_eq!(
        watcher.line(),
        "sender: still here",
        "nothing of the long line was relayed"
    );
}

#[test]
fn invalid_utf8_is_replaced_and_escapes_controls_and_bidi_are_never_relayed() {
    let server = start_server();
    let mut watcher = Plain::join(server.local_addr(), "watcher");
    let mut evil = Plain::join(server.local_addr(), "evil");
    watcher.expect("evil joined");
    evil.send_raw(b"caf\xe9 \xff\xfe ok\n");
    assert_eq!(watcher.line(), "evil: caf\u{fffd} \u{fffd}\u{fffd} ok");
    evil.send_raw(b"\x1b[2J\x1b[31mred\x1b[0m \x1b]0;title\x07bell\x07 back\x08space\n");
    assert_eq!(watcher.line(), "evil: red bell backspace");
    evil.send("abc\u{202e}fed\u{2066}x");
    assert_eq!(watcher.line(), "evil: abcfedx");
    evil.send("\u{1b}[0m");
    evil.send("after");
    assert_eq!(
        watcher.line(),
        "evil: after",
        "a line of only escapes sends nothing"
    );
}

#[test]
fn commands_help_who_me_msg_nick_and_unknown() {
    let server = start_server();
    let mut alice = Plain::join(server.local_addr(), "alice");
    let mut bob = Plain::join(server.local_addr(), "bob");
    let mut carol = Plain::join(server.local_addr(), "carol");
    alice.expect("carol joined");
    bob.expect("carol joined");

    alice.send("/help");
    assert_eq!(alice.line(), "*** Commands:");
    alice.expect("/quit");
    alice.send("/who");
    assert_eq!(
        alice.expect("here:"),
        "*** 3 people here: alice, bob, carol"
    );

    alice.send("/me waves");
    assert_eq!(bob.line(), "* alice waves");

    alice.send("/msg bob just for you");
    assert_eq!(bob.line(), "[private] alice -> bob: just for you");
    assert_eq!(
        alice.expect("[private]"),
        "[private] alice -> bob: just for you"
    );
    carol.send("marker");
    assert_eq!(carol.line(), "* alice waves");
    assert_eq!(
        carol.line(),
        "carol: marker",
        "carol never saw the private message"
    );

    alice.send("/msg nobody hello");
    assert!(alice.expect("! ").contains("nobody called nobody"));
    alice.send("/dance");
    assert!(alice.expect("! ").contains("unknown command /dance"));
    alice.send("/msg bob");
    assert!(alice.expect("! ").contains("usage: /msg"));

    alice.send("/nick alicia");
    assert_eq!(bob.expect("now known"), "*** alice is now known as alicia");
    alice.send("hi");
    assert_eq!(bob.expect("hi"), "alicia: hi");
    bob.send("/nick Alicia");
    assert!(bob.expect("! ").contains("taken"));
}

#[test]
fn each_name_rule_is_explained_and_the_client_may_try_again() {
    let server = start_server();
    let _alice = Plain::join(server.local_addr(), "alice");
    let _cope = Plain::join(server.local_addr(), "cope");
    let mut client = Plain::connect(server.local_addr());
    for (name, rule) in [
        ("a", "at least 2"),
        (&"x".repeat(31), "at most 30"),
        ("two words", "spaces"),
        ("bell\u{7}", "U+0007"),
        ("in\u{200b}visible", "U+200B"),
        ("bi\u{202e}di", "U+202E"),
        ("smile😀", "U+1F600"),
        ("\u{430}lice", "one script"),
        ("Server", "reserved"),
        ("B0njour", "reserved"),
        ("--", "at least one letter or digit"),
    ] {
        client.send(name);
        let err = client.line();
        assert!(
            err.starts_with("! ") && err.contains(rule),
            "{name:?}: {err}"
        );
    }
    // A taken name (here a look-alike: Cyrillic соре for cope) is not an error for a plain client,
    // which may not be able to retry: it gets a free variant and is told.
    client.send("\u{441}\u{43e}\u{440}\u{435}");
    assert_eq!(
        client.line(),
        "*** Welcome to Coucou, \u{441}\u{43e}\u{440}\u{435}_2!"
    );
    client.expect("is taken, so you are \u{441}\u{43e}\u{440}\u{435}_2 here");
}

#[test]
fn newcomers_get_the_motd_and_the_last_messages() {
    let server = start_server_with(ServerConfig {
        history: 2,
        motd: Some("Be nice".into()),
        room: "Salle 12".into(),
        flood: None,
        ..ServerConfig::default()
    });
    let mut alice = Plain::join(server.local_addr(), "alice");
    for text in ["one", "two", "three"] {
        alice.send(text);
        alice.expect(text);
    }
    let mut bob = Plain::connect(server.local_addr());
    bob.send("bob");
    assert_eq!(bob.line(), "*** Welcome to Salle 12, bob!");
    assert_eq!(bob.line(), "*** 2 people here: alice, bob");
    assert_eq!(bob.line(), "*** Be nice");
    assert_eq!(bob.line(), "*** Recent messages:");
    assert_eq!(bob.line(), "alice: two");
    assert_eq!(bob.line(), "alice: three");
}
