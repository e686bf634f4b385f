//! The chat view's cost: one frame (layout and tessellation, headless egui) of the real view with
//! 1k, 10k and 100k messages, at the bottom and scrolled to the middle; a frame that switches
//! between 10 named rooms of 10,000 messages each, and the memory those rooms take; the memory
//! each stored message takes; a check that an idle view asks for no repaint; and a frame of 1,000
//! offered pictures, their thumbnails as the app keeps them (at most 64 textures).
#![allow(clippy::unwrap_used, missing_docs)] // reason: a benchmark binary.

use std::hint::black_box;
use std::time::Duration;

use coucou::model::rooms::{HostRooms, JoinedRoom};
use coucou::model::{ChatModel, demo_conversation};
use coucou::ui::chat::{Composer, Showing, chat_ui};
use coucou::ui::messages::ListLayout;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use eframe::egui::{self, RawInput, Rect, ViewportId, pos2, vec2};

const START_MS: u64 = 1_700_000_000_000;

struct View {
    ctx: egui::Context,
    model: ChatModel,
    pictures: coucou::ui::pictures::PictureView,
    layout: ListLayout,
    composer: Composer,
    /// Seconds since the first frame; each frame is 1/60 s later, as on a 60 Hz screen.
    time: f64,
}

impl View {
    fn new(n: usize) -> Self {
        Self {
            ctx: egui::Context::default(),
            model: demo_conversation(n, START_MS),
            pictures: coucou::ui::pictures::PictureView::default(),
            layout: ListLayout::default(),
            composer: Composer::default(),
            time: 0.0,
        }
    }

    fn input(&mut self) -> RawInput {
        self.time += 1.0 / 60.0;
        RawInput {
            screen_rect: Some(Rect::from_min_size(pos2(0.0, 0.0), vec2(1000.0, 700.0))),
            time: Some(self.time),
            predicted_dt: 1.0 / 60.0,
            ..RawInput::default()
        }
    }

    /// One frame: layout, then tessellation. Returns the repaint delay egui asked for.
    fn frame(&mut self) -> Duration {
        let input = self.input();
        let output = self.ctx.run_ui(input, |ui| {
            let action = chat_ui(
                ui,
                &self.model,
                &mut self.layout,
                &mut self.composer,
                &mut coucou::ui::search::SearchPanel::default(),
                coucou::ui::chat::ChatStatus::Live,
                coucou::ui::chat::Around {
                    pictures: &self.pictures,
                    rules: None,
                    protection: coucou::ui::trust::Protection::TrustedOnFirstUse,
                    room: &self.model.room,
                    room_news: (0, false),
                    directs: &[],
                    showing: &coucou::ui::chat::Showing::Room,
                    rooms: &[],
                    others: None,
                    topic: None,
                    hosted_on: &[],
                    rank: Default::default(),
                },
            );
            black_box(action);
        });
        let delay = output.viewport_output[&ViewportId::ROOT].repaint_delay;
        black_box(self.ctx.tessellate(output.shapes, output.pixels_per_point));
        delay
    }

    /// Frames until the view stops asking for repaints (row heights measured, scrolling done);
    /// returns how many it took, at most 120.
    fn settle(&mut self) -> usize {
        (1..=120)
            .find(|_| self.frame() == Duration::MAX)
            .unwrap_or(120)
    }
}

/// A view of `n` pictures offered (each its own, 3840 × 2160), the newest `ready` with their
/// thumbnail made (320 × 180, as the app makes them), as the app has them once read.
fn pictures_view(n: usize, ready: usize) -> View {
    use coucou::protocol::{ServerMsg, message::FileOffer};
    use coucou::ui::pictures::Thumb;
    let mut view = View::new(0);
    let pixels = vec![egui::Color32::from_rgb(40, 120, 200); 320 * 180];
    for i in 0..n {
        let sha256 = format!("{i:064x}");
        let time = START_MS + 60_000 * i as u64;
        if i + ready >= n {
            let image = egui::ColorImage::new([320, 180], pixels.clone());
            let texture = view
                .ctx
                .load_texture(&sha256, image, egui::TextureOptions::LINEAR);
            let thumb = Thumb::Ready {
                texture,
                full: [3840, 2160],
                drawn: std::cell::Cell::new(0),
            };
            view.pictures.thumbs.insert(sha256.clone(), thumb);
        }
        let offer = FileOffer {
            id: i as u64,
            time,
            file: i as u64,
            from: "bob".into(),
            to: None,
            name: format!("Capture {i}.png"),
            size: 2_000_000,
            sha256,
        };
        view.model.apply(ServerMsg::File(offer), time);
    }
    view
}

/// 1,000 pictures offered, the newest 64 with their thumbnail (the app's bound), at the bottom.
fn pictures(c: &mut Criterion) {
    let mut view = pictures_view(1_000, 64);
    view.settle();
    let mut group = c.benchmark_group("chat_view_pictures");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("1000_bottom", |b| b.iter(|| view.frame()));
    group.finish();
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("chat_view_frame");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for n in [1_000, 10_000, 100_000] {
        let mut view = View::new(n);
        view.settle();
        group.bench_with_input(BenchmarkId::new("bottom", n), &n, |b, _| {
            b.iter(|| view.frame());
        });
        view.layout.jump_to_fraction(0.5);
        view.settle();
        assert!(!view.layout.at_bottom(), "scrolled to the middle");
        group.bench_with_input(BenchmarkId::new("middle", n), &n, |b, _| {
            b.iter(|| view.frame());
        });
        // What the room's column adds to each frame: its direct conversations read out of the
        // room's entries, and the one on screen built from them.
        let seen = std::collections::BTreeMap::new();
        group.bench_with_input(BenchmarkId::new("directs", n), &n, |b, _| {
            b.iter(|| black_box(coucou::model::direct::directs(&view.model, &seen)));
        });
        group.bench_with_input(BenchmarkId::new("direct_with", n), &n, |b, _| {
            b.iter(|| black_box(coucou::model::direct::direct_with(&view.model, "bob")));
        });
    }
    group.finish();
}

/// Not timed: printed once, for BENCHMARKS.md.
fn memory_and_idle(_: &mut Criterion) {
    let before = rss_kib();
    let model = demo_conversation(100_000, START_MS);
    let after = rss_kib();
    if let (Some(b), Some(a)) = (before, after) {
        let per_message = (a.saturating_sub(b) * 1024) as f64 / 100_000.0;
        println!("memory: {per_message:.0} bytes of RSS per stored message (100,000 messages)");
    }
    drop(model);

    let mut view = View::new(1_000);
    let settled_after = view.settle();
    let idle_repaints = (0..100).filter(|_| view.frame() != Duration::MAX).count();
    println!(
        "idle: settled {settled_after} frames after 1,000 messages arrived; then {idle_repaints} of \
         100 idle frames asked for a repaint"
    );
    assert_eq!(
        idle_repaints, 0,
        "an idle chat view must not ask for repaints"
    );
}

/// 10 named rooms of 10,000 messages each, as the app holds them, each with its own place in its
/// list; the view shows one after the other.
struct Rooms {
    ctx: egui::Context,
    rooms: HostRooms,
    names: Vec<String>,
    layouts: Vec<ListLayout>,
    composer: Composer,
    time: f64,
}

impl Rooms {
    fn new(count: usize, n: usize) -> Self {
        let mut rooms = HostRooms::default();
        let names: Vec<String> = (0..count).map(|i| format!("Salle {i}")).collect();
        for name in &names {
            let mut chat = demo_conversation(n, START_MS);
            chat.room.clone_from(name);
            let seen = chat.entries.last().map_or(0, |e| e.key);
            rooms.joined.insert(name.clone(), JoinedRoom { chat, seen });
        }
        Self {
            ctx: egui::Context::default(),
            rooms,
            layouts: names.iter().map(|_| ListLayout::default()).collect(),
            names,
            composer: Composer::default(),
            time: 0.0,
        }
    }

    /// One frame with room `at` on screen, its column worked out as the app does each frame.
    fn frame(&mut self, at: usize) {
        self.time += 1.0 / 60.0;
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(pos2(0.0, 0.0), vec2(1000.0, 700.0))),
            time: Some(self.time),
            predicted_dt: 1.0 / 60.0,
            ..RawInput::default()
        };
        let name = &self.names[at];
        let showing = Showing::Named(name.clone());
        let output = self.ctx.run_ui(input, |ui| {
            let summaries = self.rooms.summaries();
            let model = self.rooms.chat(name).unwrap();
            let action = chat_ui(
                ui,
                model,
                &mut self.layouts[at],
                &mut self.composer,
                &mut coucou::ui::search::SearchPanel::default(),
                coucou::ui::chat::ChatStatus::Live,
                coucou::ui::chat::Around {
                    pictures: &coucou::ui::pictures::PictureView::default(),
                    rules: None,
                    protection: coucou::ui::trust::Protection::TrustedOnFirstUse,
                    room: "Coucou",
                    room_news: (0, false),
                    directs: &[],
                    showing: &showing,
                    rooms: &summaries,
                    others: Some(&[]),
                    topic: Some("livraison vendredi"),
                    hosted_on: &[],
                    rank: Default::default(),
                },
            );
            black_box(action);
        });
        black_box(self.ctx.tessellate(output.shapes, output.pixels_per_point));
    }
}

/// Switching rooms: each frame shows the next of 10 rooms of 10,000 messages (each visited once
/// before, as a person going through them; then each as if for the first time). Also prints what
/// those rooms take in memory.
fn switching(c: &mut Criterion) {
    let before = rss_kib();
    let mut rooms = Rooms::new(10, 10_000);
    let after = rss_kib();
    if let (Some(b), Some(a)) = (before, after) {
        println!(
            "memory: 10 rooms of 10,000 messages take {:.1} MiB of RSS",
            a.saturating_sub(b) as f64 / 1024.0
        );
    }
    for round in 0..3 {
        for at in 0..10 {
            rooms.frame(at);
            black_box(round);
        }
    }
    let mut group = c.benchmark_group("chat_view_switch");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let mut at = 0;
    group.bench_function("10_rooms_of_10k", |b| {
        b.iter(|| {
            at = (at + 1) % 10;
            rooms.frame(at);
        });
    });
    // The first visit to a room: its list laid out from nothing.
    group.bench_function("10_rooms_of_10k_first_visit", |b| {
        b.iter(|| {
            at = (at + 1) % 10;
            rooms.layouts[at] = ListLayout::default();
            rooms.frame(at);
        });
    });
    group.finish();
}

criterion_group!(benches, memory_and_idle, switching, frames, pictures);
criterion_main!(benches);
