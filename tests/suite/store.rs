//! The host's lasting history on real SQLite files in temp folders, over real TCP on 127.0.0.1.

use crate::common::{Json, Plain, restart_at, start_server_with, stored};
use coucou::protocol::{ClientMsg, ServerMsg};

fn ids_and_texts(history: &[ServerMsg]) -> Vec<(u64, String)> {
    history
        .iter()
        .map(|m| match m {
            ServerMsg::Message(chat) => (chat.id, chat.text.clone()),
            ServerMsg::Notice { id, text, .. } => (id.unwrap_or(0), text.clone()),
            other => panic!("{other:?} in the history"),
        })
        .collect()
}

#[test]
fn a_restarted_server_keeps_its_history_and_its_ids_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    let server = start_server_with(stored(&path));
    let addr = server.local_addr();
    let mut alice = Plain::join(addr, "alice");
    let mut bob = Plain::join(addr, "bob");
    alice.send("avant le redémarrage");
    bob.expect("alice: avant le redémarrage");
    alice.send("coucou");
    bob.expect("Bonjour alice");
    bob.send("/msg alice secret");
    alice.expect("secret");
    drop((alice, bob));
    server.stop();

    let again = restart_at(addr, stored(&path));
    assert_eq!(again.store_warning(), None);
    let (mut carol, welcome) = Json::join(addr, "carol");
    let ServerMsg::Welcome { history, .. } = welcome else {
        unreachable!()
    };
    let before = ids_and_texts(&history);
    assert_eq!(
        before.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        ["avant le redémarrage", "coucou", "Bonjour alice !"],
        "the private message is nobody else's history"
    );
    carol.send(&ClientMsg::Say {
        text: "après".into(),
        cid: None,
    });
    let ServerMsg::Message(chat) = carol.expect(|m| matches!(m, ServerMsg::Message(_))) else {
        unreachable!()
    };
    let last_before = before.iter().map(|(id, _)| *id).max().unwrap();
    assert!(
        chat.id > last_before,
        "ids go on after a restart: {} after {last_before}",
        chat.id
    );
}

#[test]
fn a_damaged_history_file_is_moved_aside_and_the_room_works_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    std::fs::write(&path, vec![0x42; 8192]).unwrap();
    let server = start_server_with(stored(&path));
    let warning = server.store_warning().unwrap().to_owned();
    assert!(warning.contains("could not be used"), "{warning}");
    assert_eq!(
        std::fs::read(dir.path().join("history.sqlite.corrupt-1")).unwrap(),
        vec![0x42; 8192],
        "kept, never deleted"
    );
    let mut alice = Plain::join(server.local_addr(), "alice");
    alice.send("ça marche");
    alice.expect("alice: ça marche");
}

#[test]
#[cfg(unix)] // SIGTERM: Windows has no such signal.
fn the_headless_server_keeps_history_in_its_data_dir_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let identity = dir.path().join("identity");
    let start = || {
        let mut command = crate::common::coucou();
        command
            .args(["server", "--bind", "127.0.0.1", "--port", "0", "--data-dir"])
            .arg(&data)
            .arg("--identity")
            .arg(&identity)
            .stderr(std::process::Stdio::null());
        crate::common::spawn_server_from(command)
    };
    let (mut child, port) = start();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut alice = Plain::join(addr, "alice");
    alice.send("gardé sur disque");
    alice.expect("alice: gardé sur disque");
    drop(alice);
    // SIGTERM: a clean stop writes what is queued.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    assert!(data.join("history.sqlite").exists());

    let (mut child, port) = start();
    let (_bob, welcome) = Json::join(std::net::SocketAddr::from(([127, 0, 0, 1], port)), "bob");
    let ServerMsg::Welcome { history, .. } = welcome else {
        unreachable!()
    };
    assert_eq!(
        ids_and_texts(&history)
            .into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>(),
        ["gardé sur disque"]
    );
    child.kill().ok();
    child.wait().ok();
}

#[test]
fn files_offered_before_searches_found_them_are_found_once_the_store_is_opened_again() {
    use coucou::protocol::message::FileOffer;
    use coucou::store::{Retention, Store};
    let dir = tempfile::tempdir().expect("a temp folder");
    let path = dir.path().join("history.sqlite");
    let offer = FileOffer {
        id: 1,
        time: 1_700_000_000_000,
        file: 1,
        from: "alice".into(),
        to: None,
        name: "compte-rendu.odt".into(),
        size: 10,
        sha256: "0".repeat(64),
    };
    {
        let (store, _, _) = Store::open(&path, 0, Retention::default()).expect("a store");
        store.keep(&ServerMsg::File(offer.clone()), true);
    }
    // What an older Coucou leaves: the offer kept, not in the search index, and no mark.
    {
        let conn = rusqlite::Connection::open(&path).expect("the file");
        conn.execute("DELETE FROM search", []).expect("emptied");
        conn.execute("DROP TABLE files_searched", [])
            .expect("the mark, made at the first open");
    }
    let find = || {
        let (store, _, _) = Store::open(&path, 0, Retention::default()).expect("a store");
        store.reader().search("compte rendu", 10).expect("a search")
    };
    let found = find();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].file.as_ref(), Some(&offer));
    // Done once: the mark is back, and the next opening finds the same, from the index.
    let conn = rusqlite::Connection::open(&path).expect("the file");
    let marked: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'files_searched'",
            [],
            |row| row.get(0),
        )
        .expect("a count");
    assert_eq!(marked, 1);
    drop(conn);
    assert_eq!(find(), found);
}
