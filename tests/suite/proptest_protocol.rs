//! Property tests of the line framer and the JSON codec: any chunking, any bytes, no panics.

use proptest::prelude::*;

use coucou::protocol::message::{decode_client, decode_server};
use coucou::protocol::{Chat, ClientMsg, Frame, LineFramer, ServerMsg};

/// 10,000 cases each, in CI and locally alike.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 10_000,
        ..ProptestConfig::default()
    }
}

fn frame_all(max: usize, bytes: &[u8], cuts: &[usize]) -> Vec<Frame> {
    let mut framer = LineFramer::new(max);
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        let end = cut.clamp(start, bytes.len());
        framer.push(&bytes[start..end], &mut out);
        start = end;
    }
    framer.push(&bytes[start..], &mut out);
    framer.finish(&mut out);
    out
}

/// Bytes with many terminators, `\r`, NULs and long runs, to hit every branch of the framer.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<u8>(),
            2 => Just(b'\n'),
            1 => Just(b'\r'),
            1 => Just(0u8),
            2 => Just(b'a'),
        ],
        0..200,
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_chunking_gives_the_same_frames(
        bytes in stream(),
        mut cuts in prop::collection::vec(0usize..200, 0..20),
        max in 1usize..40,
    ) {
        cuts.sort_unstable();
        let whole = frame_all(max, &bytes, &[]);
        let chunked = frame_all(max, &bytes, &cuts);
        let byte_by_byte = frame_all(max, &bytes, &(0..bytes.len()).collect::<Vec<_>>());
        prop_assert_eq!(&whole, &chunked);
        prop_assert_eq!(&whole, &byte_by_byte);
    }

    #[test]
    fn frames_are_the_input_lines_within_the_limit(
        lines in prop::collection::vec("[^\n\r\0]{0,30}", 0..10),
        max in 1usize..40,
    ) {
        let bytes: Vec<u8> = lines.iter().flat_map(|l| format!("{l}\r\n").into_bytes()).collect();
        let expected: Vec<Frame> = lines
            .iter()
            .filter(|l| !l.is_empty())
            .map(|l| if l.len() > max { Frame::TooLong } else { Frame::Line(l.as_bytes().to_vec()) })
            .collect();
        prop_assert_eq!(frame_all(max, &bytes, &[]), expected);
    }

    #[test]
    fn decoders_never_panic_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_client(&bytes);
        let _ = decode_server(&bytes);
    }

    #[test]
    fn client_messages_round_trip(text in ".{0,100}", name in "\\PC{0,40}", version in any::<u32>()) {
        for msg in [
            ClientMsg::Hello { version, name: name.clone(), device: None },
            ClientMsg::Say { text: text.clone(), cid: None },
            ClientMsg::Me { text: text.clone(), cid: None },
            ClientMsg::Msg { to: name.clone(), text: text.clone(), cid: None },
            ClientMsg::Nick { name: name.clone() },
            ClientMsg::Who {},
        ] {
            let line = serde_json::to_vec(&msg).unwrap();
            prop_assert!(!line.contains(&b'\n'), "one message is one line");
            prop_assert_eq!(decode_client(&line).unwrap(), msg);
        }
    }

    #[test]
    fn server_messages_round_trip(
        text in ".{0,100}",
        from in "\\PC{0,30}",
        id in any::<u64>(),
        time in any::<u64>(),
        action in any::<bool>(),
    ) {
        let chat = ServerMsg::Message(Chat { id, time, from: from.clone(), text: text.clone(), action, cid: None, ..Default::default() });
        let welcome = ServerMsg::Welcome {
            version: 1,
            room: from.clone(),
            you: from.clone(),
            users: vec![from.clone()],
            away: Vec::new(),
            elsewhere: Vec::new(),
            motd: Some(text.clone()),
            history: vec![chat.clone()],
            max_message_bytes: 2048,
            labels: false,
            rooms: false,
            changes: false,
            rules: action,
        };
        for msg in [chat, welcome, ServerMsg::Notice { id: Some(id), time, text: text.clone() }] {
            let line = msg.to_json_line();
            prop_assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
            prop_assert_eq!(decode_server(&line).unwrap(), msg);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Whatever name a person gets and whatever they type, no line they cause in the plain dialect
    /// (a message, an action, a private message) starts like a server notice or holds a line break.
    #[test]
    fn no_user_line_reads_as_a_server_notice(
        name in "[*! a-zA-Z0-9_.:\\-\\[\\]é\u{200b}\u{2028}]{1,12}",
        text in "(\\PC|[\n\r*!:\u{1b}\u{85}\u{2028}\u{2029}\u{200b}\u{feff}])*",
        action in any::<bool>(),
    ) {
        let Ok(name) = coucou::protocol::name::validate(&name) else { return Ok(()); };
        let text = coucou::protocol::sanitize::clean_text(&text);
        prop_assume!(!coucou::protocol::sanitize::is_blank(&text));
        let lines = [
            ServerMsg::Message(Chat { id: 1, time: 0, from: name.clone(), text: text.clone(), action, cid: None, ..Default::default() }),
            ServerMsg::Private { id: 1, time: 0, from: name.clone(), to: "bob".into(), text: text.clone(), cid: None },
        ];
        for msg in lines {
            let plain = msg.to_plain_text(coucou::i18n::Lang::En);
            prop_assert!(!plain.starts_with(coucou::protocol::message::NOTICE_PREFIX), "{plain:?}");
            prop_assert!(!plain.starts_with("! "), "{plain:?}");
            prop_assert_eq!(plain.matches('\n').count(), 1, "{:?}", plain);
            prop_assert!(!plain.contains('\r'), "{plain:?}");
        }
    }
}

/// Text a person can send in either dialect: trimmed, no line breaks, not `exit` alone (which the
/// plain dialect reads as leaving).
fn message_text() -> impl Strategy<Value = String> {
    "[^\n\r\u{0}]{1,40}"
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("a message shows something", |s| {
            !s.is_empty() && s != "exit"
        })
}

/// A word without white space: a name, or the recipient of a private message.
fn word() -> impl Strategy<Value = String> {
    "[^\\s\u{0}]{1,20}"
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("a word", |s| {
            !s.is_empty() && !s.chars().any(char::is_whitespace)
        })
}

fn command() -> impl Strategy<Value = coucou::protocol::Command> {
    use coucou::protocol::Command;
    prop_oneof![
        message_text().prop_map(Command::Say),
        message_text().prop_map(Command::Me),
        (word(), message_text()).prop_map(|(to, text)| Command::Msg { to, text }),
        word().prop_map(Command::Nick),
        Just(Command::Who),
        Just(Command::Help),
        Just(Command::Quit),
    ]
}

proptest! {
    #![proptest_config(config())]

    /// Every command survives each of its forms: typed as a plain line and read back, and sent as
    /// JSON and read back.
    #[test]
    fn a_command_round_trips_through_its_plain_line_and_its_json(command in command()) {
        use coucou::protocol::{Command, command::parse};
        prop_assert_eq!(parse(&command.to_plain_line()), Ok(command.clone()));
        let json = serde_json::to_vec(&command.clone().to_client_msg()).unwrap();
        let decoded = decode_client(&json).unwrap();
        prop_assert_eq!(Command::from_client_msg(decoded), Some((command, None)));
    }
}
