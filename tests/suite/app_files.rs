//! Files in the real app, driven with egui_kittest against a real in-process server on 127.0.0.1
//! with its files in a temp folder: a file dropped on the window is offered and uploaded; an offer
//! from someone else is downloaded with a click, its progress reaching 100 %, into the downloads
//! folder, byte for byte.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::app_support::*;
use crate::common::{Json, upload_file};
use coucou::app::{AppOptions, CoucouApp};
use coucou::digest::sha256_hex;
use coucou::model::{EntryKind, TransferStatus};
use coucou::protocol::{ClientMsg, ServerMsg};
use coucou::server::{FilesConfig, ServerConfig};
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;

/// A file dropped on the window, as the desktop hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl eframe::egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Drops the file at `path` on the window.
fn drop_file(harness: &mut egui_kittest::Harness<'static, CoucouApp>, path: &Path) {
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path.to_path_buf())));
    harness.run_steps(2);
}

fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

/// A room that takes files, and the app in it as alice, downloading into a temp folder.
pub(crate) fn room_with_files() -> (
    tempfile::TempDir,
    coucou::server::Server,
    egui_kittest::Harness<'static, CoucouApp>,
) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = crate::common::start_server_with(ServerConfig {
        files: Some(FilesConfig::in_dir(dir.path().join("host-files"))),
        ..ServerConfig::default()
    });
    let config = dir.path().join("settings.toml");
    let mut harness = app_from(
        AppOptions {
            downloads_dir: Some(dir.path().join("Downloads")),
            ..test_options(&config)
        },
        [1000.0, 700.0],
    );
    connect(&mut harness, "alice", server.local_addr());
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    (dir, server, harness)
}

fn transfer_status(app: &CoucouApp, file: u64) -> Option<TransferStatus> {
    app.chat()?.transfers.get(&file).map(|t| t.status.clone())
}

#[test]
fn a_file_dropped_on_the_window_is_offered_and_uploaded() {
    let (dir, server, mut harness) = room_with_files();
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    let path = dir.path().join("compte-rendu.pdf");
    let data = bytes(3_000_000);
    std::fs::write(&path, &data).expect("a file");

    drop_file(&mut harness, &path);

    // The app measures the file, offers it, uploads it once the room gives a token.
    let offer = uploaded_offer(&mut harness, &mut bob);
    assert_eq!(
        (offer.from.as_str(), offer.name.as_str(), offer.size),
        ("alice", "compte-rendu.pdf", data.len() as u64)
    );
    assert_eq!(offer.sha256, sha256_hex(&mut &data[..]).expect("a hash"));
    assert_eq!(
        transfer_status(harness.state(), offer.file),
        Some(TransferStatus::Done(None))
    );
    wait_until(&mut harness, "the offer shown", |app| {
        app.chat().is_some_and(|c| {
            c.entries
                .iter()
                .any(|e| matches!(&e.kind, EntryKind::File(o) if o.file == offer.file))
        })
    });
    harness.get_by_label("You offer compte-rendu.pdf (3.0 MB) to the room");
    harness.get_by_label("Sent");
}

#[test]
fn an_offer_is_downloaded_with_a_click_and_its_progress_reaches_100_percent() {
    let (dir, server, mut harness) = room_with_files();
    let addr = server.local_addr();
    let (mut bob, _) = Json::join(addr, "bob");
    let data = bytes(5_000_000);
    let file = offered_by_bob(&mut harness, &mut bob, addr, "photos.zip", &data);
    harness.get_by_role_and_label(Role::Label, "bob offers photos.zip (5.0 MB) to the room");
    harness
        .get_by_role_and_label(Role::Button, "Download")
        .click();
    harness.run_steps(2);

    let saved = dir.path().join("Downloads").join("photos.zip");
    wait_until(&mut harness, "the download done", |app| {
        transfer_status(app, file) == Some(TransferStatus::Done(Some(saved.clone())))
    });
    let transfer = harness.state().chat().expect("a chat").transfers[&file].clone();
    assert_eq!(
        (transfer.done, transfer.total),
        (data.len() as u64, data.len() as u64),
        "100 %"
    );
    assert_eq!(std::fs::read(&saved).expect("the saved file"), data);
    harness.get_by_label(&format!("Saved to {}", saved.display()));
    assert!(
        !coucou::client::transfer::part_of(&saved).exists(),
        "no part left"
    );
    // Done: the file, or the folder it is in, opens from the conversation (here nothing can
    // open them, and the conversation says so, naming which).
    harness.get_by_role_and_label(Role::Button, "Open").click();
    let folder = saved.parent().expect("a folder").to_path_buf();
    wait_until(&mut harness, "the file asked to open", |app| {
        has_entry(app, &format!("Nothing could open {}.", saved.display()))
    });
    harness
        .get_by_role_and_label(Role::Button, "Show in folder")
        .click();
    wait_until(&mut harness, "the folder asked to open", |app| {
        has_entry(app, &format!("Nothing could open {}.", folder.display()))
    });
}

/// A room that takes files, `proxy` in front of it, and the app as alice through the proxy
/// (quick to get back in after a cut), offering `picked` when *Send file…* is used.
fn room_through_proxy(
    picked: Option<PathBuf>,
) -> (
    tempfile::TempDir,
    coucou::server::Server,
    crate::common::Proxy,
    egui_kittest::Harness<'static, CoucouApp>,
) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let config = ServerConfig::default();
    let picker = picked.map(|path| coucou::app::FilePicker(Arc::new(move || Some(path.clone()))));
    let (server, proxy, harness) = app_through_proxy(&dir, config, picker, true);
    (dir, server, proxy, harness)
}

/// A room with `config` that takes files (kept in `dir`), `proxy` in front of it, and the app as
/// alice through the proxy (`encrypted`, or in clear), offering what `pick_file` picks when
/// *Send file…* is used.
fn app_through_proxy(
    dir: &tempfile::TempDir,
    config: ServerConfig,
    pick_file: Option<coucou::app::FilePicker>,
    encrypted: bool,
) -> (
    coucou::server::Server,
    crate::common::Proxy,
    egui_kittest::Harness<'static, CoucouApp>,
) {
    let server = crate::common::start_server_with(ServerConfig {
        files: Some(FilesConfig::in_dir(dir.path().join("host-files"))),
        ..config
    });
    let proxy = crate::common::Proxy::start(server.local_addr());
    let config = dir.path().join("settings.toml");
    let mut harness = app_from(
        AppOptions {
            downloads_dir: Some(dir.path().join("Downloads")),
            backoff: |_| std::time::Duration::from_millis(200),
            pick_file,
            ..test_options(&config)
        },
        [1000.0, 700.0],
    );
    if !encrypted {
        harness.get_by_label("Encrypted").click();
        harness.run();
    }
    connect(&mut harness, "alice", proxy.addr());
    trust_if_asked(&mut harness);
    wait_until(&mut harness, "connected", CoucouApp::is_connected);
    (server, proxy, harness)
}

/// Once `name` is in the people list, asks to send them a file from their menu.
fn send_a_file_to(harness: &mut egui_kittest::Harness<'static, CoucouApp>, name: &str) {
    wait_until(harness, "the person in the list", |app| {
        app.chat()
            .is_some_and(|c| c.people.iter().any(|p| p == name))
    });
    harness.get_by_label(name).click_secondary();
    harness.run_steps(4);
    harness
        .get_by_role_and_label(Role::Button, "Send a file…")
        .click();
    harness.run_steps(2);
}

fn upload_of(app: &CoucouApp) -> Option<coucou::model::TransferState> {
    app.chat()?.uploads().first().map(|(_, t)| (*t).clone())
}

#[test]
fn a_file_sent_from_the_people_list_goes_to_that_person_alone() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let path = dir.path().join("bulletin.pdf");
    let data = bytes(2_000_000);
    std::fs::write(&path, &data).expect("a file");
    let (_room, server, _proxy, mut harness) = room_through_proxy(Some(path));
    let addr = server.local_addr();
    let (mut bob, _) = Json::join(addr, "bob");
    let (mut carol, _) = Json::join(addr, "carol");
    send_a_file_to(&mut harness, "bob");
    // The app measures, offers, and uploads; the room announces it when every byte is in.
    wait_until(&mut harness, "the upload done", |app| {
        app.chat().is_some_and(|c| {
            !c.transfers.is_empty()
                && c.uploads().is_empty()
                && c.transfers
                    .values()
                    .all(|t| t.status == TransferStatus::Done(None))
        })
    });
    let ServerMsg::File(offer) = bob.expect(|m| matches!(m, ServerMsg::File(_))) else {
        unreachable!()
    };
    assert_eq!(
        (offer.name.as_str(), offer.to.as_deref(), offer.size),
        ("bulletin.pdf", Some("bob"), data.len() as u64)
    );
    assert_eq!(offer.sha256, sha256_hex(&mut &data[..]).expect("a hash"));
    // Carol hears nothing of it.
    carol.send(&ClientMsg::Who {});
    let next = carol.expect(|m| !matches!(m, ServerMsg::Join { .. }));
    assert!(matches!(next, ServerMsg::Users { .. }), "{next:?}");
    wait_until(&mut harness, "the offer shown", |app| {
        app.chat().is_some_and(|c| {
            c.entries
                .iter()
                .any(|e| matches!(&e.kind, EntryKind::File(o) if o.file == offer.file))
        })
    });
    harness.get_by_label("You offer bulletin.pdf (2.0 MB) to bob");
}

#[test]
fn a_cut_upload_says_why_above_the_input_and_retry_finishes_it() {
    let (dir, server, proxy, mut harness) = room_through_proxy(None);
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    let path = dir.path().join("archive.tar");
    let data = bytes(4_000_000);
    std::fs::write(&path, &data).expect("a file");

    // The network goes away once a million bytes have passed.
    proxy.cut_after(1_000_000);
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path)));
    harness.run_steps(2);
    wait_until(&mut harness, "the upload cut", |app| {
        upload_of(app).is_some_and(|t| matches!(t.status, TransferStatus::Failed(_)))
    });
    let stopped = upload_of(harness.state()).expect("the upload");
    assert_eq!(
        stopped.status,
        TransferStatus::Failed(coucou::client::transfer::TransferFailure::Cut)
    );
    harness.get_by_label("Sending archive.tar (4.0 MB) to the room");
    harness.get_by_label(
        "Stopped: the connection to the host was cut; Retry goes on from where it stopped",
    );

    // Back in the room, Retry sends the rest.
    wait_until(&mut harness, "back in the room", CoucouApp::is_connected);
    harness.get_by_role_and_label(Role::Button, "Retry").click();
    // The app goes on only as it is stepped (the host's ticket, then the upload's end): stepped
    // until its upload is gone, and only then is bob read, who has the offer by then.
    wait_until(&mut harness, "the upload sent", |app| {
        app.chat().is_some_and(|c| c.uploads().is_empty())
    });
    let ServerMsg::File(offer) = bob.expect(|m| matches!(m, ServerMsg::File(_))) else {
        unreachable!()
    };
    assert_eq!(offer.sha256, sha256_hex(&mut &data[..]).expect("a hash"));
    wait_until(&mut harness, "the upload done", |app| {
        app.chat().is_some_and(|c| {
            c.uploads().is_empty()
                && c.transfers.get(&offer.file).map(|t| &t.status)
                    == Some(&TransferStatus::Done(None))
        })
    });
    assert!(
        harness
            .query_by_label("Sending archive.tar (4.0 MB) to the room")
            .is_none()
    );
}

#[test]
fn a_stalled_upload_shows_its_progress_and_can_be_cancelled_and_dismissed() {
    let (dir, server, proxy, mut harness) = room_through_proxy(None);
    let path = dir.path().join("video.mkv");
    std::fs::write(&path, bytes(30_000_000)).expect("a file");

    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path)));
    harness.run_steps(2);
    wait_until(&mut harness, "bytes moving", |app| {
        upload_of(app).is_some_and(|t| t.done > 0)
    });
    // The network stalls: the bar stays short of the end, with Cancel beside it.
    proxy.hold();
    let shown = upload_of(harness.state()).expect("the upload");
    assert!(shown.done < shown.total, "{shown:?}");
    harness.get_by_label("Sending video.mkv (30.0 MB) to the room");
    assert!(
        harness
            .get_all_by_role(Role::ProgressIndicator)
            .next()
            .is_some(),
        "a progress bar"
    );
    harness
        .get_by_role_and_label(Role::Button, "Cancel")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "the upload stopped", |app| {
        upload_of(app).is_some_and(|t| matches!(t.status, TransferStatus::Failed(_)))
    });
    harness.get_by_label("Stopped: cancelled");
    harness
        .get_by_role_and_label(Role::Button, "Dismiss")
        .click();
    harness.run_steps(2);
    assert!(upload_of(harness.state()).is_none());
    assert!(
        harness
            .query_by_label("Sending video.mkv (30.0 MB) to the room")
            .is_none()
    );
    proxy.release();
    drop(server);
}

#[test]
fn save_as_puts_the_file_where_the_person_chooses_and_says_what_is_wrong_first() {
    let (dir, server, mut harness) = room_with_files();
    let addr = server.local_addr();
    let (mut bob, _) = Json::join(addr, "bob");
    let data = bytes(1_000_000);
    let file = offered_by_bob(&mut harness, &mut bob, addr, "carte.pdf", &data);
    harness
        .get_by_role_and_label(Role::Button, "Save as…")
        .click();
    harness.run();
    // No system dialog here: the app's own, with the downloads folder filled in.
    harness.get_by_role_and_label(Role::Dialog, "Save the file");
    harness.get_by_label_contains("save dialog could not open");
    let nowhere = dir.path().join("no-such-folder").join("carte.pdf");
    fill(&mut harness, "File", &nowhere.display().to_string());
    harness.get_by_role_and_label(Role::Button, "Save").click();
    harness.run();
    harness.get_by_label(&format!(
        "There is no folder to save {} in.",
        nowhere.display()
    ));
    let taken = dir.path().join("taken.pdf");
    std::fs::write(&taken, b"mine").expect("a file");
    fill(&mut harness, "File", &taken.display().to_string());
    harness.get_by_role_and_label(Role::Button, "Save").click();
    harness.run();
    harness.get_by_label(&format!(
        "{} already exists: choose another name.",
        taken.display()
    ));
    assert_eq!(std::fs::read(&taken).expect("still there"), b"mine");

    let chosen = dir.path().join("Mes images").join("plan du quartier.pdf");
    std::fs::create_dir_all(chosen.parent().expect("a folder")).expect("a folder");
    fill(&mut harness, "File", &chosen.display().to_string());
    harness.get_by_role_and_label(Role::Button, "Save").click();
    harness.run();
    wait_until(&mut harness, "the download done", |app| {
        transfer_status(app, file) == Some(TransferStatus::Done(Some(chosen.clone())))
    });
    assert_eq!(std::fs::read(&chosen).expect("the saved file"), data);
    assert!(
        !dir.path().join("Downloads").join("carte.pdf").exists(),
        "not in the downloads folder"
    );
}

/// Bob offers `data` as `name` to the room; the app shows it. Its file id.
pub(crate) fn offered_by_bob(
    harness: &mut egui_kittest::Harness<'static, CoucouApp>,
    bob: &mut Json,
    addr: std::net::SocketAddr,
    name: &str,
    data: &[u8],
) -> u64 {
    bob.send(&ClientMsg::Offer {
        name: name.into(),
        size: data.len() as u64,
        sha256: sha256_hex(&mut &data[..]).expect("a hash"),
        to: None,
        label: None,
    });
    let ServerMsg::Ready { file, token, .. } = bob.expect(|m| matches!(m, ServerMsg::Ready { .. }))
    else {
        unreachable!()
    };
    assert_eq!(upload_file(addr, &token, data), ServerMsg::Stored { file });
    wait_until(harness, "the offer", |app| {
        app.chat().is_some_and(|c| {
            c.entries
                .iter()
                .any(|e| matches!(&e.kind, EntryKind::File(o) if o.file == file))
        })
    });
    file
}

#[test]
fn a_download_goes_on_from_its_part_and_a_part_of_other_bytes_is_never_kept() {
    let (dir, server, mut harness) = room_with_files();
    let addr = server.local_addr();
    let (mut bob, _) = Json::join(addr, "bob");
    let data = bytes(3_000_000);
    let downloads = dir.path().join("Downloads");
    std::fs::create_dir_all(&downloads).expect("a folder");
    let saved = downloads.join("notes.odt");
    let part = coucou::client::transfer::part_of(&saved);

    // A part left by an earlier try, of the right bytes: the download goes on after it.
    std::fs::write(&part, &data[..1_200_000]).expect("a part");
    let file = offered_by_bob(&mut harness, &mut bob, addr, "notes.odt", &data);
    harness
        .get_by_role_and_label(Role::Button, "Download")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "the download done", |app| {
        transfer_status(app, file) == Some(TransferStatus::Done(Some(saved.clone())))
    });
    assert_eq!(std::fs::read(&saved).expect("the file"), data);
    let since = harness.state().chat().expect("a chat").transfers[&file].since;
    assert!(
        since.is_some_and(|(_, from)| from >= 1_200_000),
        "went on from the part: {since:?}"
    );

    // A part of other bytes (a hostile or damaged leftover): every byte comes, the SHA-256 says
    // no, nothing is kept, and Retry then brings the real file.
    let other = bytes(2_000_000);
    let file = offered_by_bob(&mut harness, &mut bob, addr, "budget.ods", &other);
    let saved = downloads.join("budget.ods");
    let part = coucou::client::transfer::part_of(&saved);
    std::fs::write(&part, vec![0xAA; 500_000]).expect("a bad part");
    harness
        .get_by_role_and_label(Role::Button, "Download")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "the check failed", |app| {
        matches!(transfer_status(app, file), Some(TransferStatus::Failed(_)))
    });
    harness.get_by_label(
        "Stopped: the bytes are not the file offered (another SHA-256); nothing was kept",
    );
    assert!(!saved.exists() && !part.exists(), "nothing kept");
    harness.get_by_role_and_label(Role::Button, "Retry").click();
    harness.run_steps(2);
    wait_until(&mut harness, "the download done", |app| {
        transfer_status(app, file) == Some(TransferStatus::Done(Some(saved.clone())))
    });
    assert_eq!(std::fs::read(&saved).expect("the file"), other);
}

#[test]
fn ten_files_dropped_at_once_are_all_offered_and_uploaded_four_at_a_time() {
    let (dir, server, mut harness) = room_with_files();
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    let mut sent = Vec::new();
    for n in 0..10 {
        let path = dir.path().join(format!("scan-{n}.pdf"));
        std::fs::write(&path, bytes(200_000 + n)).expect("a file");
        harness
            .input_mut()
            .dropped_files
            .push(Arc::new(Dropped(path)));
        sent.push(format!("scan-{n}.pdf"));
    }
    harness.run_steps(2);
    // The room lets one person have 4 offers waiting for their bytes: the app offers the
    // others as places free up, and none is refused.
    wait_until(&mut harness, "ten uploads done", |app| {
        app.chat().is_some_and(|c| {
            c.transfers
                .values()
                .filter(|t| t.status == TransferStatus::Done(None))
                .count()
                == 10
        })
    });
    let mut offered: Vec<String> = (0..10)
        .map(|_| match bob.expect(|m| matches!(m, ServerMsg::File(_))) {
            ServerMsg::File(offer) => offer.name,
            _ => unreachable!(),
        })
        .collect();
    offered.sort();
    sent.sort();
    assert_eq!(offered, sent);
    let errors = harness
        .state()
        .chat()
        .map(|c| {
            c.entries
                .iter()
                .filter(|e| matches!(e.kind, EntryKind::Error(_)))
                .count()
        })
        .unwrap_or_default();
    assert_eq!(errors, 0, "no file was refused");
}

/// The file offered as `name` in the app's conversation.
fn offer_named(app: &CoucouApp, name: &str) -> Option<u64> {
    app.chat()?.entries.iter().find_map(|e| match &e.kind {
        EntryKind::File(offer) if offer.name == name => Some(offer.file),
        _ => None,
    })
}

#[test]
fn a_private_offer_to_someone_who_just_left_is_refused_and_the_next_offer_uploads_its_own_file() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let for_bob = dir.path().join("for-bob.pdf");
    std::fs::write(&for_bob, bytes(1_500_000)).expect("a file");
    let for_all = dir.path().join("for-all.txt");
    let data = bytes(700_000);
    std::fs::write(&for_all, &data).expect("a file");
    // Bob leaves while the person picks the file to send him: the room has no bob by the time
    // the offer comes.
    let bob: Arc<std::sync::Mutex<Option<Json>>> = Arc::default();
    let carol: Arc<std::sync::Mutex<Option<Json>>> = Arc::default();
    let picker = {
        let (bob, carol) = (Arc::clone(&bob), Arc::clone(&carol));
        coucou::app::FilePicker(Arc::new(move || {
            drop(bob.lock().expect("the lock").take());
            if let Some(carol) = carol.lock().expect("the lock").as_mut() {
                carol.expect(|m| matches!(m, ServerMsg::Leave { name, .. } if name == "bob"));
            }
            Some(for_bob.clone())
        }))
    };
    let (server, _proxy, mut harness) =
        app_through_proxy(&dir, ServerConfig::default(), Some(picker), true);
    let addr = server.local_addr();
    *bob.lock().expect("the lock") = Some(Json::join(addr, "bob").0);
    *carol.lock().expect("the lock") = Some(Json::join(addr, "carol").0);
    send_a_file_to(&mut harness, "bob");
    wait_until(&mut harness, "the refusal", |app| {
        app.chat().is_some_and(|c| {
            c.entries
                .iter()
                .any(|e| matches!(&e.kind, EntryKind::Error(t) if t.contains("bob")))
        }) && app.transfers().awaited() == 0
    });

    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(for_all)));
    harness.run_steps(2);
    wait_until(&mut harness, "the room has it", |app| {
        offer_named(app, "for-all.txt").is_some()
    });
    let mut carol = carol.lock().expect("the lock").take().expect("carol");
    let ServerMsg::File(offer) = carol.expect(|m| matches!(m, ServerMsg::File(_))) else {
        unreachable!()
    };
    assert_eq!(
        (offer.name.as_str(), offer.size, offer.sha256),
        (
            "for-all.txt",
            data.len() as u64,
            sha256_hex(&mut &data[..]).expect("a hash")
        ),
        "its own bytes, not the refused file's"
    );
}

#[test]
fn a_failed_search_leaves_an_offer_awaiting_its_answer_alone() {
    let dir = tempfile::tempdir().expect("a temp folder");
    let store = dir.path().join("history.sqlite");
    let (server, proxy, mut harness) =
        app_through_proxy(&dir, crate::common::stored(&store), None, true);
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    // The room's search index is gone: searching fails with `unavailable`, as a broken file would.
    rusqlite::Connection::open(&store)
        .and_then(|db| db.execute_batch("DROP TABLE search"))
        .expect("the index dropped");
    // The search and the offer leave the app together, in that order; the refusal of the one
    // comes while the other awaits its answer.
    proxy.hold();
    search_for(&mut harness, "minutes");
    let path = dir.path().join("minutes.odt");
    let data = bytes(300_000);
    std::fs::write(&path, &data).expect("a file");
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path)));
    harness.run_steps(1);
    wait_until(&mut harness, "the offer sent", |app| {
        app.transfers().awaited() == 1
    });
    proxy.release();

    wait_until(&mut harness, "the upload done", |app| {
        offer_named(app, "minutes.odt").is_some_and(|file| {
            app.chat()
                .and_then(|c| c.transfers.get(&file))
                .is_some_and(|t| t.status == TransferStatus::Done(None))
        })
    });
    let ServerMsg::File(offer) = bob.expect(|m| matches!(m, ServerMsg::File(_))) else {
        unreachable!()
    };
    assert_eq!(
        (offer.name.as_str(), offer.size),
        ("minutes.odt", data.len() as u64)
    );
    let app = harness.state();
    assert_eq!(
        app.search_panel().asked,
        None,
        "the search is awaited no more"
    );
    assert!(
        has_entry(app, "can't be read"),
        "the room's words about the search: {:?}",
        chat_texts(app)
    );
}

#[test]
fn a_missing_file_fails_its_own_download_and_no_other() {
    let dir = tempfile::tempdir().expect("a temp folder");
    // In clear, so that the network between the app and the room sees its lines.
    let (server, proxy, mut harness) =
        app_through_proxy(&dir, ServerConfig::default(), None, false);
    let addr = server.local_addr();
    let (mut bob, _) = Json::join(addr, "bob");
    // One file for alice alone: once she is alicia, the room has no such file for her.
    let private = bytes(100_000);
    bob.send(&ClientMsg::Offer {
        name: "pour-alice.txt".into(),
        size: private.len() as u64,
        sha256: sha256_hex(&mut &private[..]).expect("a hash"),
        to: Some("alice".into()),
        label: None,
    });
    let ServerMsg::Ready { file, token, .. } = bob.expect(|m| matches!(m, ServerMsg::Ready { .. }))
    else {
        unreachable!()
    };
    assert_eq!(
        upload_file(addr, &token, &private),
        ServerMsg::Stored { file }
    );
    let data = bytes(400_000);
    let shared = offered_by_bob(&mut harness, &mut bob, addr, "pour-tous.txt", &data);
    wait_until(&mut harness, "both offers", |app| {
        offer_named(app, "pour-alice.txt").is_some()
    });
    send_message(&mut harness, "/nick alicia");
    wait_until(&mut harness, "renamed", |app| {
        app.chat().is_some_and(|c| c.me == "alicia")
    });

    // The first fetch reaches the room; the second waits in the network.
    proxy.hold_after_lines(1);
    let buttons = harness.get_all_by_role_and_label(Role::Button, "Download");
    let buttons: Vec<_> = buttons.collect();
    assert_eq!(buttons.len(), 2);
    buttons[0].click();
    harness.run_steps(2);
    proxy.wait_held();
    // The first row now shows its progress, measured anew: rows below it settle first.
    harness.run_steps(4);
    harness
        .get_all_by_role_and_label(Role::Button, "Download")
        .next()
        .expect("the other offer's button")
        .click();
    harness.run_steps(2);
    wait_until(&mut harness, "the private file refused", |app| {
        matches!(transfer_status(app, file), Some(TransferStatus::Failed(_)))
    });
    assert_eq!(
        transfer_status(harness.state(), shared),
        Some(TransferStatus::Starting),
        "the other download still waits for its ticket"
    );
    proxy.release();
    let saved = dir.path().join("Downloads").join("pour-tous.txt");
    wait_until(&mut harness, "the other download done", |app| {
        transfer_status(app, shared) == Some(TransferStatus::Done(Some(saved.clone())))
    });
    assert_eq!(std::fs::read(&saved).expect("the file"), data);
}

#[test]
fn without_a_system_file_dialog_send_file_opens_the_app_s_own_and_the_file_is_sent() {
    let (dir, server, mut harness) = room_with_files();
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    let path = dir.path().join("plan de classe.pdf");
    let data = bytes(250_000);
    std::fs::write(&path, &data).expect("a file");

    harness
        .get_by_role_and_label(Role::Button, "Send file…")
        .click();
    harness.run();
    harness.get_by_role_and_label(Role::Dialog, "Send a file");
    // A path with no file: said, and the dialog stays.
    let missing = dir.path().join("nothing-here.pdf");
    fill(&mut harness, "File", &missing.display().to_string());
    harness
        .get_by_role_and_label(Role::Button, "Send the file")
        .click();
    harness.run();
    harness.get_by_label(&format!("There is no file at {}.", missing.display()));

    fill(&mut harness, "File", &path.display().to_string());
    harness
        .get_by_role_and_label(Role::Button, "Send the file")
        .click();
    // The file is measured and offered meanwhile: frames, not until all is still.
    harness.run_steps(4);
    assert!(
        harness.query_by_label("Send a file").is_none(),
        "the dialog closed"
    );
    wait_until(&mut harness, "the room has it", |app| {
        offer_named(app, "plan de classe.pdf").is_some()
    });
    let ServerMsg::File(offer) = bob.expect(|m| matches!(m, ServerMsg::File(_))) else {
        unreachable!()
    };
    assert_eq!(
        (offer.name.as_str(), offer.size),
        ("plan de classe.pdf", data.len() as u64)
    );
}

/// The host's copy of the file with this SHA-256, among what it keeps under `dir`.
fn hosts_copy(dir: &Path, sha256: &str) -> Vec<u8> {
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .expect("the host's files")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && sha256_hex(&mut &bytes[..]).ok().as_deref() == Some(sha256)
            {
                return bytes;
            }
        }
    }
    panic!("no copy of {sha256} under {}", dir.display())
}

fn holds(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// Waits for the app's upload to be done and returns the offer bob got.
fn uploaded_offer(
    harness: &mut egui_kittest::Harness<'static, CoucouApp>,
    bob: &mut Json,
) -> coucou::protocol::message::FileOffer {
    wait_until(harness, "the upload done", |app| {
        app.chat().is_some_and(|c| {
            c.transfers
                .values()
                .any(|t| t.status == TransferStatus::Done(None))
        })
    });
    let ServerMsg::File(offer) = bob.expect(|m| matches!(m, ServerMsg::File(_))) else {
        unreachable!()
    };
    offer
}

#[test]
fn a_pasted_screenshot_is_offered_as_a_png_of_its_pixels_alone() {
    use eframe::egui::{Color32, ColorImage, Event};
    let (dir, server, mut harness) = room_with_files();
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    let green = Color32::from_rgb(10, 200, 30);
    harness
        .input_mut()
        .events
        .push(Event::PasteImage(Arc::new(ColorImage::new(
            [64, 48],
            vec![green; 64 * 48],
        ))));
    harness.run_steps(2);
    let offer = uploaded_offer(&mut harness, &mut bob);
    assert!(
        offer.name.starts_with("Screenshot ") && offer.name.ends_with(".png"),
        "{}",
        offer.name
    );
    let png = hosts_copy(&dir.path().join("host-files"), &offer.sha256);
    let picture = image::load_from_memory(&png).expect("a PNG").to_rgba8();
    assert_eq!(picture.dimensions(), (64, 48));
    assert_eq!(picture.get_pixel(10, 10).0, [10, 200, 30, 255]);
    for chunk in [&b"tEXt"[..], b"iTXt", b"zTXt", b"eXIf", b"tIME"] {
        assert!(!holds(&png, chunk), "nothing but its pixels");
    }
}

#[test]
fn a_photo_dropped_on_the_window_reaches_the_host_without_its_gps_and_a_fake_one_not_at_all() {
    let (dir, server, mut harness) = room_with_files();
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    // A JPEG's outline: JFIF, EXIF with GPS, the scan.
    let mut jpeg = vec![0xFF, 0xD8];
    for (marker, body) in [
        (0xE0, &b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"[..]),
        (0xE1, b"Exif\0\0MM\0*GPSLatitude 48.8584 N"),
        (0xDA, &[1, 1, 0, 0, 63, 0]),
    ] {
        jpeg.extend_from_slice(&[0xFF, marker]);
        jpeg.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
        jpeg.extend_from_slice(body);
    }
    jpeg.extend_from_slice(&[0x12, 0x34, 0xFF, 0xD9]);
    let photo = dir.path().join("photo.jpg");
    std::fs::write(&photo, &jpeg).expect("a photo");
    let fake = dir.path().join("fake.png");
    std::fs::write(&fake, b"MZ\x90\0 not a picture").expect("a file");
    for path in [&fake, &photo] {
        drop_file(&mut harness, path);
    }
    let offer = uploaded_offer(&mut harness, &mut bob);
    assert_eq!(offer.name, "photo.jpg");
    let sent = hosts_copy(&dir.path().join("host-files"), &offer.sha256);
    assert!(
        !holds(&sent, b"GPS") && !holds(&sent, b"Exif"),
        "no place, no camera"
    );
    assert!(holds(&sent, b"JFIF") && sent.ends_with(&[0x12, 0x34, 0xFF, 0xD9]));
    assert_eq!(
        std::fs::read(&photo).expect("the photo"),
        jpeg,
        "the photo itself untouched"
    );
    // The fake picture: one clear error, never offered.
    wait_until(&mut harness, "the refusal", |app| {
        has_entry(app, "fake.png")
    });
    bob.send(&ClientMsg::Who {});
    bob.expect(|m| matches!(m, ServerMsg::Users { .. }));
    assert!(
        !bob.seen()
            .iter()
            .any(|m| matches!(m, ServerMsg::File(o) if o.name == "fake.png"))
    );
}
