//! Files in the real app, driven with egui_kittest against a real in-process server on 127.0.0.1
//! with its files in a temp folder: a file dropped on the window is offered and uploaded; an offer
//! from someone else is downloaded with a click, its progress reaching 100 %, into the downloads
//! folder, byte for byte.

mod app_support;
mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use app_support::*;
use common::{Json, upload_file};
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

fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

/// A room that takes files, and the app in it as alice, downloading into a temp folder.
fn room_with_files() -> (
    tempfile::TempDir,
    coucou::server::Server,
    egui_kittest::Harness<'static, CoucouApp>,
) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let server = common::start_server_with(ServerConfig {
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

    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path.clone())));
    harness.run_steps(2);

    // The app measures the file, offers it, uploads it once the room gives a token.
    wait_until(&mut harness, "the upload done", |app| {
        app.chat().is_some_and(|c| {
            c.transfers
                .values()
                .any(|t| t.status == TransferStatus::Done(None))
        })
    });
    let ServerMsg::File(offer) = bob.expect(|m| matches!(m, ServerMsg::File(_))) else {
        unreachable!()
    };
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
    bob.send(&ClientMsg::Offer {
        name: "photos.zip".into(),
        size: data.len() as u64,
        sha256: sha256_hex(&mut &data[..]).expect("a hash"),
        to: None,
    });
    let ServerMsg::Ready { file, token } = bob.expect(|m| matches!(m, ServerMsg::Ready { .. }))
    else {
        unreachable!()
    };
    assert_eq!(upload_file(addr, &token, &data), ServerMsg::Stored { file });
    wait_until(&mut harness, "the offer", |app| {
        app.chat().is_some_and(|c| {
            c.entries
                .iter()
                .any(|e| matches!(&e.kind, EntryKind::File(o) if o.file == file))
        })
    });
    harness.get_by_label("bob offers photos.zip (5.0 MB) to the room");
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
}
