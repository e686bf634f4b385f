//! The web page in a real browser: Debian's headless `chromium`, driven through `chromedriver`
//! (WebDriver, W3C) by a small client over HTTP on 127.0.0.1, against a real in-process server
//! (feature `browser-tests`, which .ci/run turns on after installing both). A phone-sized window
//! (360 × 740) joins, chats with `nc` and the app in the same room, reads French when the browser
//! asks for it, and shows hostile messages as text: no script they carry ever runs. A moderator
//! on a phone moderates from the page over https (never sending the password in clear), a phone
//! sees who is here, and (with `nats-tests` too) who of a linked room is at another site.
#![cfg(feature = "browser-tests")]

use serde_json::json;

use crate::common::{
    Json, Plain, c_client, fetch_file, share_file, start_server, start_server_with, with_files,
};
use crate::webdriver::{Driver, Page};
use coucou::protocol::message::{Act, Moderate};
use coucou::protocol::{ClientMsg, ServerMsg};

/// A phone-sized page on the room at `addr`, joined as "phone", and the app beside it as "app".
fn phone_and_app(driver: &Driver, addr: std::net::SocketAddr) -> (Page<'_>, Json) {
    let page = Page::open(driver, "en-US");
    page.go(addr);
    page.join("phone");
    let (app, _) = Json::join(addr, "app");
    assert!(page.wait_text("#people", "app"));
    (page, app)
}

/// The next file offered to `app`.
fn offered(app: &mut Json) -> coucou::protocol::message::FileOffer {
    match app.expect(|m| matches!(m, ServerMsg::File(_))) {
        ServerMsg::File(offer) => offer,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_phone_joins_and_chats_with_nc_the_c_client_and_the_app_in_one_room() {
    let server = start_server();
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    page.go(addr);
    assert!(page.wait_text("#join-form label", "Your name"));
    page.join("phone");

    let mut nc = Plain::join(addr, "nc");
    let (mut app, _) = Json::join(addr, "app");
    assert!(page.wait_text("#people", "app"));
    page.say("hello from the phone");
    nc.expect("phone: hello from the phone");
    app.expect(|m| matches!(m, ServerMsg::Message(c) if c.from == "phone"));
    nc.send("hi phone, nc here");
    assert!(page.wait_text("#messages", "nc: hi phone, nc here"));
    app.send(&ClientMsg::Say {
        text: "and the app".into(),
        cid: None,
    });
    assert!(page.wait_text("#messages", "app: and the app"));
    // The seed's C client: its name as a NUL-padded block, its lines as `name: text`.
    let mut c = c_client(addr, "seed");
    c.send("seed: bonjour du client C");
    assert!(page.wait_text("#messages", "seed: bonjour du client C"));
    page.say("and back to C");
    c.expect("phone: and back to C");
    // A line naming the phone stands out.
    nc.send("phone: look");
    assert!(page.wait_text("#messages li.mention", "phone: look"));
    // Only that one: the app's line, already on screen, names nobody.
    let mentions = page.script(
        "return [...document.querySelectorAll('#messages li.mention')].map((li) => li.dataset.id)",
        json!([]),
    );
    assert_eq!(mentions.as_array().map(Vec::len), Some(2), "{mentions}");
}

#[test]
fn the_page_reads_french_when_the_browser_asks_for_it() {
    let server = start_server();
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "fr-FR");
    page.go(addr);
    assert!(page.wait_text("#join-form label", "Votre nom"));
    assert_eq!(
        page.script("return document.documentElement.lang", json!([])),
        json!("fr")
    );
    page.join("téléphone");
    let _nc = Plain::join(addr, "nc");
    assert!(page.wait_text("#people-count", "2 personnes"));
}

#[test]
fn hostile_messages_show_as_text_and_nothing_they_carry_runs() {
    let server = start_server();
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    page.go(addr);
    page.join("victim");
    let mut nc = Plain::join(addr, "mallory");
    let hostile = [
        "<script>window.pwned = 1</script>",
        "\"><img src=x onerror=\"window.pwned = 2\">",
        "<a href=\"javascript:window.pwned=3\">click</a>",
        "<svg onload=\"window.pwned = 4\"></svg>",
        "<iframe src=\"javascript:parent.pwned=5\"></iframe>",
    ];
    for text in hostile {
        nc.send(text);
        assert!(
            page.wait_text("#messages", text),
            "{text} is shown as typed"
        );
    }
    // In a private message (a conversation and a button of its own), an away reason and
    // search results too.
    nc.send(&format!("/msg victim {}", hostile[1]));
    assert!(page.wait_text("#rooms button[data-direct='mallory']", "@mallory"));
    nc.send(&format!("/away {}", hostile[0]));
    assert!(page.wait_text("#people", hostile[0]));
    page.click("#search-button");
    page.type_in("#search-text", "pwned");
    page.click("#search-form button[type=submit]");
    assert!(page.wait_text("#search-results", hostile[4]));
    page.click("#rooms button[data-direct='mallory']");
    assert!(page.wait_text("#messages", hostile[1]));
    // Clicking what looks like a link runs nothing either.
    let checked = page.script(
        "const room = document.getElementById('room');
         for (const li of room.querySelectorAll('#messages li')) li.click();
         return {
           pwned: window.pwned === undefined ? null : window.pwned,
           markup: room.querySelectorAll('script, img, a, svg, iframe').length,
         };",
        json!([]),
    );
    assert_eq!(checked, json!({"pwned": null, "markup": 0}));
}

#[test]
fn a_reply_shows_its_quote_and_a_reaction_its_count_which_a_click_joins() {
    let server = start_server();
    let addr = server.local_addr();
    let driver = Driver::start();
    let (page, mut app) = phone_and_app(&driver, addr);
    app.send(&ClientMsg::Changes {});
    page.say("lunch at noon?");
    let asked = app.expect(|m| matches!(m, ServerMsg::Message(c) if c.from == "phone"));
    let ServerMsg::Message(asked) = asked else {
        unreachable!()
    };
    app.send(&ClientMsg::Reply {
        id: asked.id,
        text: "yes!".into(),
        cid: None,
    });
    assert!(page.wait_text("#messages .quote", "phone: lunch at noon?"));
    app.send(&ClientMsg::React {
        id: asked.id,
        emoji: "👍".into(),
        on: true,
    });
    assert!(page.wait_text("#messages .reactions button", "👍 1"));
    // The page's own click puts the phone's beside it, and the app is told.
    page.click("#messages .reactions button");
    app.expect(
        |m| matches!(m, ServerMsg::Reacted(r) if r.name == "phone" && r.on && r.emoji == "👍"),
    );
    assert!(page.wait_text("#messages .reactions button[aria-pressed=true]", "👍 2"));
}

#[test]
fn the_page_joins_a_named_room_switches_between_rooms_and_counts_what_it_missed() {
    let server = start_server();
    server.make_room("Projet X").expect("a room");
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    page.go(addr);
    page.join("phone");
    // The host's other room, to join.
    assert!(page.wait_text("#rooms button.join", "Projet X"));
    page.click("#rooms button.join");
    assert!(page.wait_text("#room-name", "Projet X"));
    assert!(page.wait_text("#rooms button[aria-current=page]", "Projet X"));

    let mut projet = Plain::join(addr, "bob");
    projet.send("/join Projet X");
    projet.expect("Welcome to Projet X");
    assert!(page.wait_text("#people", "bob"));
    page.say("plan ready");
    projet.expect("phone: plan ready");
    projet.send("thanks");
    assert!(page.wait_text("#messages ol:not([hidden])", "bob: thanks"));

    // Meanwhile in the main room: counted on its button, shown once back there.
    let mut main = Plain::join(addr, "carol");
    main.send("lunch?");
    assert!(page.wait_text("#rooms button .unread", "1"));
    let main_room = page.script(
        "return [...document.querySelectorAll('#rooms button')].findIndex((b) => !b.textContent.includes('Projet X'))",
        json!([]),
    );
    page.click(&format!(
        "#rooms button:nth-child({})",
        main_room.as_i64().unwrap() + 1
    ));
    assert!(page.wait_text("#messages ol:not([hidden])", "carol: lunch?"));
    assert_eq!(
        page.script(
            "return document.querySelectorAll('#rooms .unread').length",
            json!([])
        ),
        json!(0)
    );
    page.say("yes!");
    main.expect("phone: yes!");
    // What was said in the main room never reached Projet X.
    projet.send("still there");
    let between = projet.lines_until("bob: still there");
    assert!(!between.iter().any(|l| l.contains("yes!")), "{between:?}");
    assert!(page.wait_text("#messages ol", "bob: still there"));
    // Leaving Projet X: its × on the rooms bar; the room is offered to join again.
    // (The main room's button first, then Projet X's.)
    page.click("#rooms button:nth-child(2)");
    assert!(page.wait_text("#room-name", "Projet X"));
    page.click("#rooms button.leave");
    projet.expect("phone left the room");
    assert!(page.wait_text("#room-name", "Coucou"));
    assert!(page.wait_text("#rooms button.join", "Projet X"));
}

/// How many pixels may differ (by more than a rounding) from the snapshot: anti-aliasing only.
const SNAPSHOT_TOLERANCE: f64 = 0.005;

/// Compares a screenshot with `tests/snapshots/NAME.png` (`UPDATE_SNAPSHOTS=1` writes it).
fn assert_snapshot(name: &str, png: &[u8]) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.png"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, png).expect("the snapshot written");
        return;
    }
    let got = image::load_from_memory(png)
        .expect("a PNG screenshot")
        .to_rgba8();
    let want = image::open(&path)
        .unwrap_or_else(|err| panic!("{}: {err} (UPDATE_SNAPSHOTS=1 makes it)", path.display()))
        .to_rgba8();
    assert_eq!(got.dimensions(), want.dimensions(), "{name}");
    let differ = got
        .pixels()
        .zip(want.pixels())
        .filter(|(a, b)| a.0.iter().zip(b.0).any(|(x, y)| x.abs_diff(y) > 24))
        .count();
    let share = differ as f64 / f64::from(got.width() * got.height());
    if share > SNAPSHOT_TOLERANCE {
        let failed = path.with_file_name(format!("{name}.new.png"));
        std::fs::write(&failed, png).expect("the differing screenshot written");
        panic!(
            "{name}: {:.2} % of the pixels differ; see {}",
            share * 100.0,
            failed.display()
        );
    }
}

#[test]
fn a_phone_sized_window_looks_as_its_snapshot() {
    let server = start_server();
    server.make_room("Projet X").expect("a room");
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    page.go(addr);
    assert!(page.wait_text("#join-form label", "Your name"));
    assert_snapshot("web_phone_join", &page.screenshot());
    page.join("phone");
    let mut nc = Plain::join(addr, "nc");
    nc.send("Bonjour ! Is the plan for Friday ready?");
    page.say("Almost: one more page, then it goes to nc and the team.");
    nc.send("phone: great, thanks");
    assert!(page.wait_text("#messages", "great, thanks"));
    // Times change from run to run, and their width with their digits: one fixed time, as the
    // page writes it in en-US, hidden, its place kept.
    page.script(
        "for (const t of document.querySelectorAll('time')) {
             t.textContent = '12:00 PM ';
             t.style.visibility = 'hidden';
         }
         document.activeElement.blur();",
        json!([]),
    );
    assert_snapshot("web_phone_room", &page.screenshot());
}

#[test]
fn a_kicked_phone_is_told_why_on_its_page() {
    let server = start_server_with(coucou::server::ServerConfig {
        moderator_password: Some(
            coucou::protocol::password::RoomKey::new("craie-verte").expect("a key"),
        ),
        ..coucou::server::ServerConfig::default()
    });
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    page.go(addr);
    page.join("troll");
    // The moderators' password is given over TLS only.
    let (mut teacher, _) = Json::connect_tls(addr, None).expect("TLS");
    teacher.send(&ClientMsg::Hello {
        version: 1,
        name: "teacher".into(),
        device: None,
    });
    teacher.send(&ClientMsg::Oper {
        password: "craie-verte".into(),
    });
    teacher.expect(|m| matches!(m, ServerMsg::Moderator { .. }));
    let kick = coucou::protocol::Command::Moderate(Moderate {
        name: Some("troll".into()),
        reason: Some("spamming the class".into()),
        ..Moderate::alone(Act::Kick)
    });
    teacher.send(&kick.to_client_msg());
    assert!(page.wait_text("#join-error", "spamming the class"));
    assert_eq!(
        page.script("return document.getElementById('room').hidden", json!([])),
        json!(true)
    );
}

#[test]
fn a_picture_offered_in_the_room_shows_on_the_page_and_another_file_can_be_saved() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = start_server_with(with_files(dir.path()));
    let addr = server.local_addr();
    let driver = Driver::start();
    let (page, mut app) = phone_and_app(&driver, addr);
    let mut png = Vec::new();
    image::RgbImage::from_pixel(40, 30, image::Rgb([200, 40, 40]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("a PNG");
    for (name, data) in [
        ("board.png", png.as_slice()),
        ("notes.txt", b"hello".as_slice()),
    ] {
        share_file(&mut app, addr, name, data);
    }
    assert!(page.wait_text("#messages", "notes.txt (5 B)"));
    // The picture, loaded through its ticket: its real size.
    let loaded = page.call_async(
        "const [done] = arguments;
         const img = document.querySelector('#messages img.picture');
         const size = () => done([img.naturalWidth, img.naturalHeight, img.alt]);
         if (img.complete && img.naturalWidth > 0) size(); else img.addEventListener('load', size);",
        json!([]),
    );
    assert_eq!(loaded, json!([40, 30, "board.png, a picture from app"]));
    assert!(page.wait_text("#messages .file button", "Save"));
}

/// A JPEG of `width` × `height` with an EXIF block saying where it was taken, as a phone's
/// camera writes it.
fn photo_with_gps(width: u32, height: u32) -> Vec<u8> {
    let mut jpeg = Vec::new();
    image::RgbImage::from_pixel(width, height, image::Rgb([30, 120, 200]))
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .expect("a JPEG");
    // APP1: "Exif", an empty little-endian TIFF directory, and the place.
    let mut exif = b"Exif\0\0II*\0\x08\0\0\0\0\0\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPSLatitude 48.8566 N GPSLongitude 2.3522 E");
    let length = u16::try_from(exif.len() + 2).expect("a short block");
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&length.to_be_bytes());
    segment.extend_from_slice(&exif);
    jpeg.splice(2..2, segment);
    jpeg
}

#[test]
fn a_file_and_a_photo_sent_from_the_page_reach_the_app_whole_the_photo_without_its_place() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let mut config = with_files(dir.path());
    if let Some(files) = config.files.as_mut() {
        files.max_file_bytes = 8 << 20;
    }
    let server = start_server_with(config);
    let addr = server.local_addr();
    let driver = Driver::start();
    let (page, mut app) = phone_and_app(&driver, addr);

    // Larger than the slices the page hashes a file in (4 MiB), and not a multiple of 64.
    let notes: Vec<u8> = (0..4_500_003u32).map(|i| (i % 253) as u8).collect();
    let notes_path = dir.path().join("notes.bin");
    std::fs::write(&notes_path, &notes).expect("a file");
    page.type_in("#attach", &notes_path.to_string_lossy());
    let offer = offered(&mut app);
    assert_eq!(
        (offer.from.as_str(), offer.name.as_str()),
        ("phone", "notes.bin")
    );
    assert!(
        fetch_file(&mut app, addr, offer.file) == notes,
        "the bytes differ"
    );
    assert!(page.wait_text("#messages", "phone: 📎 notes.bin (4.5 MB)"));

    let photo = photo_with_gps(64, 48);
    assert!(photo.windows(11).any(|w| w == b"GPSLatitude"));
    let photo_path = dir.path().join("vacances.jpg");
    std::fs::write(&photo_path, &photo).expect("a file");
    page.type_in("#attach", &photo_path.to_string_lossy());
    let offer = offered(&mut app);
    assert_eq!(offer.name, "vacances.jpg");
    let sent = fetch_file(&mut app, addr, offer.file);
    // Drawn again: the same picture, its place and every EXIF block gone.
    assert!(!sent.windows(4).any(|w| w == b"Exif"), "EXIF left in");
    assert!(!sent.windows(3).any(|w| w == b"GPS"), "the place left in");
    let decoded =
        image::load_from_memory_with_format(&sent, image::ImageFormat::Jpeg).expect("a JPEG");
    assert_eq!((decoded.width(), decoded.height()), (64, 48));
    // And the page shows it, as everyone's.
    let shown = page.call_async(
        "const [done] = arguments;
         const img = document.querySelector('#messages img.picture');
         const size = () => done([img.naturalWidth, img.naturalHeight]);
         if (img.complete && img.naturalWidth > 0) size(); else img.addEventListener('load', size);",
        json!([]),
    );
    assert_eq!(shown, json!([64, 48]));
    assert_eq!(
        page.script(
            "return document.getElementById('status').textContent",
            json!([])
        ),
        json!("")
    );
}

#[test]
fn the_page_replies_reacts_edits_and_deletes_from_a_messages_actions() {
    let server = start_server();
    let addr = server.local_addr();
    let driver = Driver::start();
    let (page, mut app) = phone_and_app(&driver, addr);
    app.send(&ClientMsg::Changes {});
    app.send(&ClientMsg::Say {
        text: "lunch at noon?".into(),
        cid: None,
    });
    let asked = match app.expect(|m| matches!(m, ServerMsg::Message(c) if c.from == "app")) {
        ServerMsg::Message(asked) => asked,
        _ => unreachable!(),
    };
    let theirs = format!("#messages li[data-id='{}']", asked.id);
    assert!(page.wait_text(&theirs, "app: lunch at noon?"));
    page.click(&format!("{theirs} .more"));
    // Someone else's message: a reply and reactions, nothing to edit or delete.
    let offered = page.script(
        "return [...document.querySelectorAll(arguments[0] + ' .actions button')]
             .map((b) => b.getAttribute('aria-label'))",
        json!([theirs]),
    );
    assert_eq!(
        offered,
        json!([
            "Reply",
            "React with 👍",
            "React with ❤️",
            "React with 😂",
            "React with 🎉",
            "React with 😮",
            "Private message"
        ])
    );
    page.click(&format!("{theirs} .actions button[aria-label='Reply']"));
    assert!(page.wait_text("#composing", "Replying to app: lunch at noon?"));
    page.say("yes, at noon");
    let answer = match app.expect(|m| matches!(m, ServerMsg::Message(c) if c.from == "phone")) {
        ServerMsg::Message(answer) => answer,
        _ => unreachable!(),
    };
    assert_eq!(answer.text, "yes, at noon");
    assert_eq!(answer.reply.as_ref().map(|r| r.id), Some(asked.id));
    assert!(page.wait_text("#messages .quote", "app: lunch at noon?"));

    page.click(&format!("{theirs} .more"));
    page.click(&format!(
        "{theirs} .actions button[aria-label='React with 🎉']"
    ));
    app.expect(
        |m| matches!(m, ServerMsg::Reacted(r) if r.id == asked.id && r.name == "phone" && r.on && r.emoji == "🎉"),
    );
    assert!(page.wait_text(
        &format!("{theirs} .reactions button[aria-pressed=true]"),
        "🎉 1"
    ));

    // The page's own message: edited in the message box, then deleted with a second press.
    let mine = format!("#messages li[data-id='{}']", answer.id);
    page.click(&format!("{mine} .more"));
    page.click(&format!("{mine} .actions button[aria-label='Edit']"));
    assert!(page.wait_text("#composing", "Editing your message"));
    assert_eq!(
        page.script("return document.getElementById('say').value", json!([])),
        json!("yes, at noon")
    );
    page.script("document.getElementById('say').value = ''", json!([]));
    page.say("yes, at half past twelve");
    app.expect(
        |m| matches!(m, ServerMsg::Edited(c) if c.id == answer.id && c.text == "yes, at half past twelve"),
    );
    assert!(page.wait_text(&mine, "yes, at half past twelve (edited)"));
    page.click(&format!("{mine} .more"));
    page.click(&format!("{mine} .actions button[aria-label='Delete']"));
    // The button asks, in its words and its accessible name.
    let sure = format!("{mine} .actions button[aria-label='Delete it?']");
    assert!(page.wait_text(&sure, "Delete it?"));
    page.click(&sure);
    app.expect(|m| matches!(m, ServerMsg::Notice { id: Some(id), .. } if *id == answer.id));
    assert!(page.wait_text("#messages", "phone deleted this message"));
    // Nothing of the text is left on the page.
    assert_eq!(
        page.script(
            "return document.getElementById('messages').textContent.includes('half past')",
            json!([])
        ),
        json!(false)
    );
}

#[test]
fn a_private_message_is_a_direct_conversation_of_its_own_with_its_unread_count_and_files() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = start_server_with(with_files(dir.path()));
    let addr = server.local_addr();
    let driver = Driver::start();
    let (page, mut app) = phone_and_app(&driver, addr);
    app.send(&ClientMsg::Msg {
        to: "phone".into(),
        text: "psst, lunch?".into(),
        cid: None,
    });
    // Beside the room, not in it: a conversation with its count of what is unread.
    let unread = "#rooms button[data-direct='app'] .unread";
    assert!(page.wait_text(unread, "1"));
    let shown = || {
        page.script(
            "return [...document.querySelectorAll('#messages ol')].find((ol) => !ol.hidden).textContent",
            json!([]),
        )
        .to_string()
    };
    assert!(!shown().contains("psst"), "{}", shown());
    page.click("#rooms button[data-direct='app']");
    assert!(page.wait_text("#room-name", "Private, with app"));
    assert!(page.wait_text("#messages", "app (to phone): psst, lunch?"));
    page.say("yes, at noon");
    app.expect(|m| {
        matches!(m, ServerMsg::Private { from, to, text, .. }
            if from == "phone" && to == "app" && text == "yes, at noon")
    });
    // A command is not sent from here (a `/me` would go to the whole room); `//` sends a slash.
    record_sends(&page);
    page.say("/me whispers");
    assert!(page.wait_text("#status", "Commands are typed in a room"));
    assert_eq!(
        page.script("return document.getElementById('say').value", json!([])),
        json!("/me whispers"),
        "kept, to be sent from a room"
    );
    page.script("document.getElementById('say').value = ''", json!([]));
    page.say("//slash");
    app.expect(|m| matches!(m, ServerMsg::Private { text, .. } if text == "/slash"));
    assert_eq!(sent(&page).len(), 1, "the private message alone");
    // A file sent from there goes to that person alone.
    let path = dir.path().join("menu.txt");
    std::fs::write(&path, b"soup of the day").expect("a file");
    page.type_in("#attach", &path.to_string_lossy());
    let offer = offered(&mut app);
    assert_eq!(
        (offer.name.as_str(), offer.to.as_deref()),
        ("menu.txt", Some("app"))
    );
    assert!(page.wait_text("#messages", "menu.txt (15 B)"));
    // Back in the room, nothing of it is there; a person's name opens the same conversation.
    page.click("#rooms button:first-child");
    assert!(page.wait_text("#room-name", "Coucou"));
    assert!(!shown().contains("lunch"), "{}", shown());
    assert!(!shown().contains("menu.txt"), "{}", shown());
    page.script("document.querySelector('aside .person').click()", json!([]));
    assert!(page.wait_text("#room-name", "Private, with app"));
}

#[test]
fn a_room_with_a_password_is_joined_from_the_page_over_https_with_the_password_typed() {
    let server = start_server_with(coucou::server::ServerConfig {
        password: Some(coucou::protocol::password::RoomKey::new("s3cret").expect("a key")),
        password_delay: std::time::Duration::from_millis(10),
        ..coucou::server::ServerConfig::default()
    });
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    // The clear address sends the browser to https by itself.
    page.go(addr);
    assert!(page.wait_text("#join-form label", "Your name"));
    assert_eq!(
        page.script("return location.protocol", json!([])),
        json!("https:")
    );
    // The room code of the certificate the page came with, to compare with the host's screen.
    let code = crate::common::test_identity().fingerprint().code();
    assert!(page.wait_text("#room-code", &format!("Room code: {code}")));
    // No field for a password until the room asks for one.
    assert_eq!(
        page.script(
            "return document.getElementById('password-row').hidden",
            json!([])
        ),
        json!(true)
    );
    page.type_in("#name", "phone");
    page.click("#join-form button");
    assert!(page.wait_text("#join-error", "This room has a password"));
    page.type_in("#password", "sesame");
    page.click("#join-form button");
    assert!(page.wait_text("#join-error", "wrong password"));
    page.script("document.getElementById('password').value = ''", json!([]));
    page.type_in("#password", "s3cret");
    page.click("#join-form button");
    assert!(page.wait_text("#people", "phone"));
    // In the room: the room echoes what the page says.
    page.say("in, with the password");
    assert!(page.wait_text("#messages", "phone: in, with the password"));
}

#[test]
fn the_page_searches_every_room_it_is_in_and_says_who_is_away() {
    let server = start_server();
    server.make_room("Projet X").expect("a room");
    let addr = server.local_addr();
    let driver = Driver::start();
    let (page, mut app) = phone_and_app(&driver, addr);
    app.send(&ClientMsg::Say {
        text: "the blue notebook is on the shelf".into(),
        cid: None,
    });
    assert!(page.wait_text("#messages", "the blue notebook"));
    page.click("#rooms button.join");
    assert!(page.wait_text("#room-name", "Projet X"));
    let mut bob = Plain::join(addr, "bob");
    bob.send("/join Projet X");
    bob.expect("Welcome to Projet X");
    bob.send("notebooks ordered");
    assert!(page.wait_text("#messages ol:not([hidden])", "bob: notebooks ordered"));

    // Both rooms' messages, the start of a word enough; each says its room.
    page.click("#search-button");
    page.type_in("#search-text", "noteb");
    page.click("#search-form button[type=submit]");
    assert!(page.wait_text("#search-status", "2 messages found for “noteb”"));
    assert!(page.wait_text("#search-results", "Projet X · "));
    assert!(page.wait_text("#search-results", "bob: notebooks ordered"));
    assert!(page.wait_text("#search-results", "app: the blue notebook is on the shelf"));
    // A click on one goes to it, in its room.
    page.script(
        "[...document.querySelectorAll('#search-results li')]
             .find((li) => li.textContent.includes('blue')).click()",
        json!([]),
    );
    assert!(page.wait_text("#room-name", "Coucou"));
    assert_eq!(
        page.script("return document.getElementById('search').hidden", json!([])),
        json!(true)
    );

    // Who is away shows beside their name; the page's own Away tells everyone.
    app.send(&ClientMsg::Away {
        reason: Some("lunch".into()),
        auto: false,
    });
    assert!(page.wait_text("#people", "app (away: lunch)"));
    page.click("#away-button");
    app.expect(|m| matches!(m, ServerMsg::Away { name, .. } if name == "phone"));
    assert!(page.wait_text("#people", "phone (away)"));
    assert!(page.wait_text("#away-button[aria-pressed=true]", "Away"));
    page.click("#away-button");
    app.expect(|m| matches!(m, ServerMsg::Back { name } if name == "phone"));
    assert!(page.wait_text("#away-button[aria-pressed=false]", "Away"));
}

#[test]
fn a_private_message_or_a_mention_notifies_when_the_page_is_not_in_front_and_nothing_else_does() {
    let server = start_server();
    let addr = server.local_addr();
    let driver = Driver::start();
    let (page, mut app) = phone_and_app(&driver, addr);
    // The browser's own notifications can't be seen headless: the page's calls are recorded
    // instead, as allowed, and the page is in the background.
    page.script(
        "window.shown = [];
         window.Notification = class {
             static permission = 'granted';
             constructor(title, options) { window.shown.push([title, options.body]); }
             addEventListener() {}
         };
         document.hasFocus = () => false;",
        json!([]),
    );
    for text in ["nothing for you here", "phone: are you there?"] {
        app.send(&ClientMsg::Say {
            text: text.into(),
            cid: None,
        });
    }
    app.send(&ClientMsg::Msg {
        to: "phone".into(),
        text: "psst".into(),
        cid: None,
    });
    assert!(page.wait_text("#rooms button[data-direct='app'] .unread", "1"));
    assert_eq!(
        page.script("return window.shown", json!([])),
        json!([
            ["Coucou", "app: phone: are you there?"],
            ["Private, with app", "app: psst"]
        ])
    );
    // In front, the page notifies nothing.
    page.script("document.hasFocus = () => true;", json!([]));
    app.send(&ClientMsg::Msg {
        to: "phone".into(),
        text: "again".into(),
        cid: None,
    });
    assert!(page.wait_text("#rooms button[data-direct='app'] .unread", "2"));
    assert_eq!(
        page.script("return window.shown.length", json!([])),
        json!(2)
    );
}

/// The page in a room linked with another site through a real broker (feature `nats-tests` too):
/// who is at the other site says so, whether they were there before the page came (its welcome)
/// or came after (a join); nobody here does; a rename keeps it and a leave takes it away.
#[cfg(feature = "nats-tests")]
#[test]
fn the_page_says_who_of_a_linked_room_is_at_another_site() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let broker = crate::common::broker::Broker::start(dir.path());
    let site = |origin: &str| {
        start_server_with(coucou::server::ServerConfig {
            link: Some(crate::linked::link_config(&broker, origin)),
            ..coucou::server::ServerConfig::default()
        })
    };
    let (a, b) = (site("a"), site("b"));
    let (mut anna, _) = Json::join(a.local_addr(), "anna");
    let (mut lou, _) = Json::join(b.local_addr(), "lou");
    anna.expect(|m| matches!(m, ServerMsg::Join { name, .. } if name == "lou"));

    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    page.go(a.local_addr());
    page.join("phone");
    assert!(page.wait_text("#people", "lou (other site)"));
    let (marc, _) = Json::join(b.local_addr(), "marc");
    assert!(page.wait_text("#people", "marc (other site)"));
    lou.send(&ClientMsg::Nick {
        name: "loulou".into(),
    });
    assert!(page.wait_text("#people", "loulou (other site)"));
    drop(marc);
    assert!(page.wait_text("#messages", "marc left"));
    assert_eq!(
        page.script(
            "return [...document.querySelectorAll('#people li')].map((li) => li.textContent)",
            json!([])
        ),
        json!(["anna", "loulou (other site)", "phone"])
    );
}

/// A moderator on a phone: over https, `/oper` typed in the message box makes the page a
/// moderator (the password shown nowhere, and no one told the page is typing it); a message's ⋯
/// then deletes a troll's message for everyone, mutes someone, removes the troll and bans them
/// when they come back, each asked twice; **Bans** lists the bans and mutes and lifts them; other commands typed (`/me`,
/// an unknown one) are read by the host as a terminal's. In clear, the page refuses to send
/// `/oper` at all.
#[test]
fn a_moderator_on_a_phone_deletes_mutes_removes_and_bans_from_a_messages_actions() {
    let password = crate::moderation::PASSWORD;
    let server = start_server_with(crate::moderation::moderated(
        coucou::server::ServerConfig::default(),
    ));
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    page.go_https(addr);
    page.join("teacher");
    let mut troll = Plain::connect_from(addr, [127, 0, 0, 3].into());
    troll.send("troll");
    let mut pupil = Plain::connect_from(addr, [127, 0, 0, 4].into());
    pupil.send("pupil");
    assert!(page.wait_text("#people", "pupil"));

    record_sends(&page);
    page.say(&format!("/oper {password}"));
    assert!(page.wait_text("#messages", "You are a moderator on this host"));
    let shown = page.script("return document.body.textContent", json!([]));
    assert!(!shown.as_str().expect("text").contains(password), "{shown}");
    page.say("/me waves");
    pupil.expect("* teacher waves");
    // Typing a command tells nobody the page is typing; typing an action does.
    let typed: Vec<String> = sent(&page)
        .into_iter()
        .filter(|m| m["type"] == "typed" || (m["type"] == "typing" && m["active"] == true))
        .map(|m| m["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        typed,
        ["typed", "typing", "typed"],
        "the first typing is /me's"
    );
    page.say("/frobnicate");
    assert!(page.wait_text("#status", "unknown command /frobnicate"));

    // A message's actions, each asked twice on the button itself.
    let open_actions = |needle: &str| {
        page.script(
            "const [needle] = arguments;
             [...document.querySelectorAll('#messages li')]
                 .find((li) => li.textContent.includes(needle)).querySelector('.more').click()",
            json!([needle]),
        );
    };
    let act_on = |needle: &str, label: &str, asking: &str| {
        open_actions(needle);
        page.click(&format!(".actions button[aria-label='{label}']"));
        page.click(&format!(".actions button[aria-label='{asking}']"));
    };
    troll.send("buy cheap stuff");
    assert!(page.wait_text("#messages", "troll: buy cheap stuff"));
    act_on(
        "buy cheap stuff",
        "Delete for everyone",
        "Delete it for everyone?",
    );
    pupil.expect("*** A message was removed by teacher, a moderator.");
    assert!(page.wait_text("#messages", "A message was removed by teacher"));
    pupil.send("lol");
    assert!(page.wait_text("#messages", "pupil: lol"));
    act_on("pupil: lol", "Mute pupil", "Mute pupil?");
    pupil.expect("pupil was muted by teacher");
    pupil.send("hello?");
    pupil.expect("a moderator keeps you from speaking");
    troll.send("again");
    assert!(page.wait_text("#messages", "troll: again"));
    act_on("troll: again", "Remove troll", "Remove troll?");
    assert!(
        troll
            .expect_closed()
            .iter()
            .any(|l| l.contains("you were removed from the host by teacher"))
    );
    assert!(page.wait_text("#messages", "troll was removed from the host by teacher"));
    // Back at once, and banned for a day: out, and kept out.
    let mut troll = Plain::connect_from(addr, [127, 0, 0, 3].into());
    troll.send("troll");
    troll.send("I'm back");
    assert!(page.wait_text("#messages", "troll: I'm back"));
    act_on(
        "troll: I'm back",
        "Ban troll for a day",
        "Ban troll for a day?",
    );
    assert!(troll.expect_closed().iter().any(|l| l.contains("banned")));
    let mut again = Plain::connect_from(addr, [127, 0, 0, 3].into());
    again.send("troll2");
    assert!(again.expect_closed().iter().any(|l| l.contains("banned")));

    // The bans and mutes, listed on the page with who decided them and how long they have left,
    // each lifted with a press.
    page.click("#rules-button");
    assert!(page.wait_text("#rules-list", "troll banned · by teacher · 24 h left"));
    assert!(page.wait_text("#rules-list", "127.0.0.3 banned · by teacher · 24 h left"));
    assert!(page.wait_text("#rules-list", "pupil muted · by teacher · until lifted"));
    // A reason is text, whatever it holds.
    page.say("/ban 127.0.0.9 1h <img src=x onerror=window.pwned=1>");
    page.click("#rules-refresh");
    assert!(page.wait_text(
        "#rules-list",
        "127.0.0.9 banned · by teacher · 60 min left · Why: <img src=x onerror=window.pwned=1>"
    ));
    assert_eq!(
        page.script(
            "return [document.querySelectorAll('#rules-list img').length, window.pwned ?? null]",
            json!([])
        ),
        json!([0, null])
    );
    for lift in [
        "Lift the ban on 127.0.0.9",
        "Lift the ban on troll",
        "Lift the ban on 127.0.0.3",
        "Lift the mute on pupil",
    ] {
        let button = format!("#rules-list button[aria-label='{lift}']");
        page.click(&button);
        assert!(page.wait_gone(&button), "{lift}");
    }
    pupil.send("merci");
    assert!(page.wait_text("#messages", "pupil: merci"));
    let mut troll = Plain::connect_from(addr, [127, 0, 0, 3].into());
    troll.send("troll");
    troll.expect("troll joined the room");
    page.click("#close-rules");
    assert!(page.wait_gone("#rules:not([hidden])"));

    // A moderator until they leave: joined again, the page offers nothing of a moderator's.
    page.script("state.socket.close()", json!([]));
    assert!(page.wait_text("#join-error", "The connection is lost"));
    page.join("teacher");
    pupil.send("still here");
    assert!(page.wait_text("#messages", "pupil: still here"));
    open_actions("still here");
    page.find(".actions button[aria-label='Reply']");
    assert_eq!(
        page.script(
            "return [document.querySelectorAll('.actions button[aria-label^=Remove]').length,
                     document.getElementById('rules-button').hidden]",
            json!([])
        ),
        json!([0, true])
    );

    // In clear, the password is never sent: what the page sends is recorded from here on.
    let clear = Page::open(&driver, "en-US");
    clear.go(addr);
    clear.join("phone");
    record_sends(&clear);
    clear.say(&format!("/oper {password}"));
    assert!(clear.wait_text("#status", "goes over https only"));
    clear.say("/me is here");
    pupil.expect("* phone is here");
    let sent = serde_json::Value::from(sent(&clear)).to_string();
    assert!(!sent.contains(password), "{sent}");
    assert!(sent.contains("/me is here"), "{sent}");
}

/// Records what `page` sends on its WebSocket from now on (see [`sent`]).
fn record_sends(page: &Page<'_>) {
    page.script(
        "window.sent = [];
         const send = WebSocket.prototype.send;
         WebSocket.prototype.send = function (data) { window.sent.push(data); return send.call(this, data); };",
        json!([]),
    );
}

/// What `page` sent since [`record_sends`], each message read.
fn sent(page: &Page<'_>) -> Vec<serde_json::Value> {
    let sent = page.script("return window.sent", json!([]));
    sent.as_array()
        .expect("a list")
        .iter()
        .map(|text| serde_json::from_str(text.as_str().expect("a text frame")).expect("JSON"))
        .collect()
}

/// On a phone the people list is put away: the people count opens it in the conversation's place
/// (saying so to a screen reader), and tapping it again, or a name (which opens a private
/// conversation with them), puts it away.
#[test]
fn on_a_phone_the_people_count_opens_the_list_and_a_name_in_it_a_private_conversation() {
    let server = start_server();
    let addr = server.local_addr();
    let driver = Driver::start();
    let (page, _app) = phone_and_app(&driver, addr);
    let shown = |css: &str| {
        page.script(
            "return getComputedStyle(document.querySelector(arguments[0])).display !== 'none'",
            json!([css]),
        ) == json!(true)
    };
    let expanded = || {
        page.script(
            "return document.getElementById('people-count').getAttribute('aria-expanded')",
            json!([]),
        )
    };
    assert!(page.wait_text("#people-count", "2 people"));
    assert!(!shown("#people-list") && shown(".conversation"));
    assert_eq!(expanded(), json!("false"));

    page.click("#people-count");
    assert!(shown("#people-list") && !shown(".conversation"));
    assert_eq!(expanded(), json!("true"));
    page.click("#people-count");
    assert!(!shown("#people-list") && shown(".conversation"));
    assert_eq!(expanded(), json!("false"));

    page.click("#people-count");
    page.click("#people-list button.person");
    assert!(page.wait_text("#room-name", "Private, with app"));
    assert!(!shown("#people-list") && shown(".conversation"));
    assert_eq!(expanded(), json!("false"));
}
