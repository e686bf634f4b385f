//! Pictures offered in a room show in the app: a thumbnail fetched into the picture cache as it
//! comes into view, large on a click; a damaged picture or a decompression bomb shows its file
//! card and why, and nothing panics.

use crate::app_files::{offered_by_bob, room_with_files};
use crate::app_support::*;
use crate::common::Json;
use coucou::app::CoucouApp;
use coucou::client::picture::png_of;
use coucou::digest::sha256_hex;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::{By, Queryable};

/// A PNG of `width` × `height` pixels in shades of their place.
fn png(width: u32, height: u32) -> Vec<u8> {
    let rgba = (0..width * height)
        .flat_map(|i| [(i % 251) as u8, (i / width % 200) as u8, 90, 255])
        .collect();
    png_of(width, height, rgba).expect("a PNG")
}

/// How many pictures the app's view has as ready thumbnails.
fn thumbnails(harness: &egui_kittest::Harness<'static, CoucouApp>) -> usize {
    harness
        .query_all(By::new().role(Role::Image).label_contains("Picture "))
        .count()
}

#[test]
fn a_picture_offered_shows_as_its_thumbnail_and_large_on_a_click() {
    let (dir, server, mut harness) = room_with_files();
    let addr = server.local_addr();
    let (mut bob, _) = Json::join(addr, "bob");
    let data = png(1600, 800);
    offered_by_bob(&mut harness, &mut bob, addr, "plan de salle.png", &data);

    // Fetched into the cache beside the settings (not the downloads folder), read, shown.
    wait_for_label(&mut harness, "Picture plan de salle.png");
    assert_eq!(thumbnails(&harness), 1);
    let sha = sha256_hex(&mut &data[..]).expect("a hash");
    let cached = dir.path().join("pictures").join("received").join(&sha);
    assert_eq!(std::fs::read(&cached).expect("the cached copy"), data);
    assert!(
        !dir.path()
            .join("Downloads")
            .join("plan de salle.png")
            .exists()
    );
    // The offer reads as before, with Download and Save as.
    let caption = "bob offers plan de salle.png (";
    assert!(
        harness
            .query_all_by_label_contains(caption)
            .next()
            .is_some()
    );

    // A click shows it large, with Save as, Open and Close.
    harness.get_by_label("Picture plan de salle.png").click();
    // Read again in a larger box: the thumbnail and the picture large.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while thumbnails(&harness) < 2 {
        assert!(std::time::Instant::now() < deadline, "the picture large");
        harness
            .state_mut()
            .wait_for_event(std::time::Duration::from_millis(200));
        harness.run_steps(2);
    }
    let widths: Vec<f32> = harness
        .query_all(By::new().role(Role::Image).label_contains("Picture "))
        .map(|node| node.rect().width())
        .collect();
    assert!(
        widths.iter().any(|w| *w <= 320.0),
        "the thumbnail: {widths:?}"
    );
    assert!(widths.iter().any(|w| *w > 600.0), "large: {widths:?}");
    harness.get_by_role_and_label(Role::Button, "Save as…");
    harness.get_by_role_and_label(Role::Button, "Open");
    harness.get_by_role_and_label(Role::Button, "Close").click();
    harness.run_steps(3);
    assert_eq!(thumbnails(&harness), 1, "closed");
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Open")
            .is_none()
    );
}

#[test]
fn a_damaged_picture_and_a_decompression_bomb_show_their_card_and_why() {
    let (_dir, server, mut harness) = room_with_files();
    let addr = server.local_addr();
    let (mut bob, _) = Json::join(addr, "bob");
    // A PNG cut in the middle of its pixels.
    let whole = png(300, 300);
    offered_by_bob(
        &mut harness,
        &mut bob,
        addr,
        "cut.png",
        &whole[..whole.len() / 2],
    );
    wait_for_label(
        &mut harness,
        "This picture is damaged or is not a PNG, JPEG, GIF or WebP.",
    );
    // Its card stays: it can still be downloaded.
    harness.get_by_role_and_label(Role::Button, "Download");

    // A GIF of 50,000 × 50,000 pixels (10 GB of them) in 29 bytes: refused from its header.
    let side = 50_000u16.to_le_bytes();
    let mut bomb = b"GIF89a".to_vec();
    bomb.extend_from_slice(&[side[0], side[1], side[0], side[1], 0, 0, 0]);
    bomb.extend_from_slice(&[0x2c, 0, 0, 0, 0, side[0], side[1], side[0], side[1], 0]);
    bomb.extend_from_slice(&[2, 2, 0x44, 1, 0, b';']);
    offered_by_bob(&mut harness, &mut bob, addr, "bomb.gif", &bomb);
    wait_for_label(&mut harness, "This picture is too large to show here");
    assert_eq!(thumbnails(&harness), 0);
    // The app goes on: a message still goes through.
    send_message(&mut harness, "still here");
    bob.expect(|m| matches!(m, coucou::protocol::ServerMsg::Message(c) if c.text == "still here"));
}

#[test]
fn a_pasted_screenshot_shows_as_its_thumbnail_in_the_app_that_sent_it_without_a_download() {
    use eframe::egui::{Color32, ColorImage, Event};
    let (dir, server, mut harness) = room_with_files();
    let (mut bob, _) = Json::join(server.local_addr(), "bob");
    let blue = Color32::from_rgb(30, 90, 220);
    let image = ColorImage::new([800, 600], vec![blue; 800 * 600]);
    harness
        .input_mut()
        .events
        .push(Event::PasteImage(std::sync::Arc::new(image)));
    harness.run_steps(2);
    wait_for_label(&mut harness, "Picture Screenshot ");
    let coucou::protocol::ServerMsg::File(offer) =
        bob.expect(|m| matches!(m, coucou::protocol::ServerMsg::File(_)))
    else {
        unreachable!()
    };
    // Its own copy, put in the cache: the upload stays the only transfer of it.
    let status = harness.state().chat().expect("a chat").transfers[&offer.file]
        .status
        .clone();
    assert_eq!(status, coucou::model::TransferStatus::Done(None));
    let cached = dir
        .path()
        .join("pictures")
        .join("received")
        .join(&offer.sha256);
    let copy = std::fs::read(&cached).expect("the cached copy");
    assert_eq!(sha256_hex(&mut &copy[..]).expect("a hash"), offer.sha256);
}
