//! The web page in a real browser: Debian's headless `chromium`, driven through `chromedriver`
//! (WebDriver, W3C) by a small client over HTTP on 127.0.0.1, against a real in-process server
//! (feature `browser-tests`, which .ci/run turns on after installing both). A phone-sized window
//! (360 × 740) joins, chats with `nc` and the app in the same room, reads French when the browser
//! asks for it, and shows hostile messages as text: no script they carry ever runs.
#![cfg(feature = "browser-tests")]

use serde_json::json;

use crate::common::{
    Json, Plain, c_client, share_file, start_server, start_server_with, with_files,
};
use crate::webdriver::{Driver, Page};
use coucou::protocol::message::{Act, Moderate};
use coucou::protocol::{ClientMsg, ServerMsg};

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
    // Clicking what looks like a link runs nothing either.
    let checked = page.script(
        "const list = document.getElementById('messages');
         for (const li of list.querySelectorAll('li')) li.click();
         return {
           pwned: window.pwned === undefined ? null : window.pwned,
           markup: list.querySelectorAll('script, img, a, svg, iframe').length,
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
    let page = Page::open(&driver, "en-US");
    page.go(addr);
    page.join("phone");
    let (mut app, _) = Json::join(addr, "app");
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
    // Times change from run to run: hidden, their place kept.
    page.script(
        "for (const t of document.querySelectorAll('time')) t.style.visibility = 'hidden';
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
    });
    teacher.send(&ClientMsg::Oper {
        password: "craie-verte".into(),
    });
    teacher.expect(|m| matches!(m, ServerMsg::Moderator {}));
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
    let page = Page::open(&driver, "en-US");
    page.go(addr);
    page.join("phone");
    let (mut app, _) = Json::join(addr, "app");
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
