//! The pictures offered in the conversation, as they show: fetched into this computer's picture
//! cache as they come into view (two at a time, the others waiting their turn), read on the
//! `coucou-pictures` thread within `preview`'s limits, kept as at most [`MAX_THUMBNAILS`]
//! textures (the least recently drawn let go first, read again if they come back into view), and
//! the one picture shown large. The fetches themselves are the files' (`files.rs`).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use crossbeam_channel::Sender;
use eframe::egui;

use super::desk::Desk;
use super::events::{AppEvent, PictureRead};
use crate::client::preview::{self, Unshown};
use crate::ui::pictures::{Large, PictureView, Thumb};

/// The most thumbnails kept as textures: 64 of at most 320 × 240 RGBA, 19.7 MB at most.
pub(super) const MAX_THUMBNAILS: usize = 64;
/// How many pictures are fetched at once; the host gives each person a few download slots.
const FETCHING_AT_ONCE: usize = 2;

/// A picture to read (at `path`, after copying it there from `copy_from`, this person's own).
struct Job {
    sha256: String,
    path: PathBuf,
    large: bool,
    copy_from: Option<PathBuf>,
}

/// The pictures shown, their fetches and their reader.
#[derive(Default)]
pub(super) struct Pictures {
    /// What the views draw.
    pub(super) view: PictureView,
    /// Being fetched into the cache: the file asked for, by checksum.
    fetching: HashMap<String, u64>,
    /// Waiting for their turn to be fetched, in the order they came into view.
    queued: VecDeque<(String, u64)>,
    /// The reader thread's queue, once started.
    reader: Option<Sender<Job>>,
}

impl Pictures {
    /// Where received pictures are kept, named by their SHA-256.
    pub(super) fn cache_dir(desk: &Desk) -> PathBuf {
        desk.pictures_dir().join("received")
    }

    /// The picture `sha256` came into view without a thumbnail: it is read from the cache if it
    /// is there, or copied there first from `own` (the file this person uploaded), true; else it
    /// is to be fetched (false), now or when its turn comes. Either way it shows as loading.
    pub(super) fn wanted(&mut self, sha256: &str, own: Option<PathBuf>, desk: &Desk) -> bool {
        self.view.thumbs.insert(sha256.to_owned(), Thumb::Loading);
        let cached = Self::cache_dir(desk).join(sha256);
        let copy_from = match own {
            _ if cached.is_file() => None,
            Some(own) if own.is_file() => Some(own),
            _ => return false,
        };
        self.read_job(
            Job {
                sha256: sha256.to_owned(),
                path: cached,
                large: false,
                copy_from,
            },
            desk,
        );
        true
    }

    /// Takes `file` (the picture `sha256`) to fetch: true when it may start now, false when it
    /// waits for its turn (or the same picture is fetched already).
    pub(super) fn fetch(&mut self, sha256: &str, file: u64) -> bool {
        if self.fetching.contains_key(sha256) || self.queued.iter().any(|(s, _)| s == sha256) {
            return false;
        }
        if self.fetching.len() >= FETCHING_AT_ONCE {
            self.queued.push_back((sha256.to_owned(), file));
            return false;
        }
        self.fetching.insert(sha256.to_owned(), file);
        true
    }

    /// Takes `file` (the picture `sha256`) to fetch once there is a connection again.
    pub(super) fn fetch_later(&mut self, sha256: &str, file: u64) {
        self.queued.push_back((sha256.to_owned(), file));
    }

    /// The next picture whose turn it is to be fetched, if a fetch may start.
    pub(super) fn next_fetch(&mut self) -> Option<(String, u64)> {
        if self.fetching.len() >= FETCHING_AT_ONCE {
            return None;
        }
        let (sha256, file) = self.queued.pop_front()?;
        self.fetching.insert(sha256.clone(), file);
        Some((sha256, file))
    }

    /// The transfer of `file` ended, with the file at `path` or not: if it was a picture's
    /// fetch (true), its thumbnail is read (or it shows as its file card, with why the fetch
    /// stopped).
    pub(super) fn fetched(&mut self, file: u64, path: Option<&Path>, desk: &Desk) -> bool {
        let Some(sha256) = self
            .fetching
            .iter()
            .find_map(|(sha, f)| (*f == file).then(|| sha.clone()))
        else {
            return false;
        };
        self.fetching.remove(&sha256);
        match path {
            Some(path) => self.read(&sha256, path.to_owned(), false, desk),
            None => {
                self.view.thumbs.remove(&sha256);
            }
        }
        true
    }

    /// A new connection: the fetches of `unanswered` (asked on the one before, never to be
    /// answered) and those waiting their turn are forgotten, and the pictures ask again while in
    /// view; a fetch under way goes on (it has its own connection). Returns the files of
    /// `unanswered` that were pictures' fetches.
    pub(super) fn connection_lost(&mut self, unanswered: &[u64]) -> Vec<u64> {
        let (thumbs, mut forgotten) = (&mut self.view.thumbs, Vec::new());
        self.fetching.retain(|sha256, file| {
            let lost = unanswered.contains(file);
            if lost {
                thumbs.remove(sha256);
                forgotten.push(*file);
            }
            !lost
        });
        for (sha256, _) in self.queued.drain(..) {
            thumbs.remove(&sha256);
        }
        forgotten
    }

    /// The conversation is closed: its pictures are let go.
    pub(super) fn close(&mut self) {
        self.view = PictureView::default();
        self.fetching.clear();
        self.queued.clear();
    }

    /// Shows the picture `sha256` (offered as `file`, named `name`) large: it is read again, in
    /// a larger box, from the cache.
    pub(super) fn enlarge(&mut self, (file, sha256, name): (u64, &str, &str), desk: &Desk) {
        let path = Self::cache_dir(desk).join(sha256);
        self.view.large = Some(Large {
            file,
            name: name.to_owned(),
            path: path.clone(),
            shown: None,
        });
        self.read(sha256, path, true, desk);
    }

    /// Stops showing the picture shown large.
    pub(super) fn close_large(&mut self) {
        self.view.large = None;
    }

    /// Reads the picture at `path` on the reader thread.
    fn read(&mut self, sha256: &str, path: PathBuf, large: bool, desk: &Desk) {
        let job = Job {
            sha256: sha256.to_owned(),
            path,
            large,
            copy_from: None,
        };
        self.read_job(job, desk);
    }

    /// Hands `job` to the reader thread (started the first time, after it keeps the cache
    /// within its bound).
    fn read_job(&mut self, job: Job, desk: &Desk) {
        let job = match &self.reader {
            Some(reader) => reader.send(job).err().map(|e| e.into_inner()),
            None => Some(job),
        };
        let Some(job) = job else { return };
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        let sink = desk.sink(AppEvent::Picture);
        let dir = Self::cache_dir(desk);
        let spawned = std::thread::Builder::new()
            .name("coucou-pictures".into())
            .spawn(move || {
                preview::prune(&dir, preview::CACHE_BYTES);
                for job in rx {
                    let fit = if job.large {
                        preview::LARGE
                    } else {
                        preview::THUMBNAIL
                    };
                    if let Some(from) = &job.copy_from {
                        copy_into(from, &job.path);
                    }
                    let pixels = preview::read(&job.path, fit);
                    sink.send(PictureRead {
                        sha256: job.sha256,
                        large: job.large,
                        pixels,
                    });
                }
            });
        match spawned {
            Ok(_) => {
                let _ = tx.send(job);
                self.reader = Some(tx);
            }
            Err(_) => {
                self.view
                    .thumbs
                    .insert(job.sha256, Thumb::Broken(Unshown::Unreadable));
            }
        }
    }

    /// A picture was read: its texture is made, and the least recently drawn thumbnails are let
    /// go past [`MAX_THUMBNAILS`] (never one drawn in this frame).
    pub(super) fn on_read(&mut self, read: PictureRead, ctx: &egui::Context) {
        let shown = read.pixels.map(|pixels| {
            let size = pixels.size.map(|n| n as usize);
            let image = egui::ColorImage::from_rgba_unmultiplied(size, &pixels.rgba);
            let name = format!("picture-{}-{}", read.sha256, read.large);
            (
                ctx.load_texture(name, image, egui::TextureOptions::LINEAR),
                pixels.full,
            )
        });
        if read.large {
            if let Some(large) = &mut self.view.large
                && large.path.file_name() == Some(read.sha256.as_ref())
            {
                large.shown = Some(shown.map(|(texture, _)| texture));
            }
            return;
        }
        let thumb = match shown {
            Ok((texture, full)) => Thumb::Ready {
                texture,
                full,
                drawn: std::cell::Cell::new(ctx.cumulative_frame_nr()),
            },
            Err(why) => Thumb::Broken(why),
        };
        self.view.thumbs.insert(read.sha256, thumb);
        self.let_go(ctx.cumulative_frame_nr());
    }

    /// Lets the least recently drawn thumbnails go while there are more than
    /// [`MAX_THUMBNAILS`], keeping those drawn in frame `now` or later.
    fn let_go(&mut self, now: u64) {
        let mut ready: Vec<(u64, String)> = self
            .view
            .thumbs
            .iter()
            .filter_map(|(sha, thumb)| match thumb {
                Thumb::Ready { drawn, .. } => Some((drawn.get(), sha.clone())),
                _ => None,
            })
            .collect();
        let Some(over) = ready.len().checked_sub(MAX_THUMBNAILS) else {
            return;
        };
        ready.sort();
        for (drawn, sha) in ready.into_iter().take(over) {
            if drawn + 1 < now {
                self.view.thumbs.remove(&sha);
            }
        }
    }
}

/// Copies `from` to `to` whole or not at all (through a part file renamed at the end).
fn copy_into(from: &Path, to: &Path) {
    let part = crate::client::transfer::part_of(to);
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    if std::fs::copy(from, &part).is_ok() {
        std::fs::rename(&part, to).ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::preview::Pixels;

    /// A 2 × 2 picture read for `sha256`.
    fn read(sha256: &str) -> PictureRead {
        PictureRead {
            sha256: sha256.to_owned(),
            large: false,
            pixels: Ok(Pixels {
                size: [2, 2],
                rgba: vec![7; 16],
                full: [2, 2],
            }),
        }
    }

    /// One frame of `ctx`, its textures taken (as a painter would).
    fn frame(ctx: &egui::Context) {
        ctx.run_ui(egui::RawInput::default(), |_| {})
            .textures_delta
            .clear();
    }

    fn ready(pictures: &Pictures) -> usize {
        let thumbs = pictures.view.thumbs.values();
        thumbs.filter(|t| matches!(t, Thumb::Ready { .. })).count()
    }

    #[test]
    fn thumbnails_past_the_bound_go_least_recently_drawn_first() {
        let ctx = egui::Context::default();
        let mut pictures = Pictures::default();
        for i in 0..MAX_THUMBNAILS + 6 {
            frame(&ctx);
            frame(&ctx);
            // The first one is drawn again in every frame: it stays.
            if let Some(Thumb::Ready { drawn, .. }) = pictures.view.thumbs.get("0") {
                drawn.set(ctx.cumulative_frame_nr());
            }
            pictures.on_read(read(&format!("{i}")), &ctx);
        }
        assert_eq!(ready(&pictures), MAX_THUMBNAILS);
        assert!(pictures.view.thumbs.contains_key("0"), "drawn lately");
        for gone in 1..=6 {
            assert!(!pictures.view.thumbs.contains_key(&gone.to_string()));
        }
        assert!(pictures.view.thumbs.contains_key("7"));
    }

    #[test]
    fn a_picture_that_does_not_read_says_why_and_a_fetch_waits_its_turn() {
        let ctx = egui::Context::default();
        let mut pictures = Pictures::default();
        let broken = PictureRead {
            pixels: Err(Unshown::TooManyPixels),
            ..read("bomb")
        };
        pictures.on_read(broken, &ctx);
        assert!(matches!(
            pictures.view.thumbs.get("bomb"),
            Some(Thumb::Broken(Unshown::TooManyPixels))
        ));
        // Two fetches at once; the third waits, and the same picture is fetched once.
        assert!(pictures.fetch("a", 1));
        assert!(pictures.fetch("b", 2));
        assert!(!pictures.fetch("c", 3));
        assert!(!pictures.fetch("a", 4));
        assert_eq!(pictures.next_fetch(), None);
        pictures.fetching.remove("a");
        assert_eq!(pictures.next_fetch(), Some(("c".to_owned(), 3)));
        // A new connection: what waited for an answer is asked again by the pictures in view;
        // a fetch under way goes on.
        pictures.view.thumbs.insert("b".into(), Thumb::Loading);
        pictures.view.thumbs.insert("c".into(), Thumb::Loading);
        assert_eq!(pictures.connection_lost(&[2]), [2]);
        assert!(!pictures.view.thumbs.contains_key("b"));
        assert_eq!(pictures.fetching.keys().collect::<Vec<_>>(), ["c"]);
    }
}
