//! Pictures in the conversation: an offered picture drawn as its thumbnail (or as its file card
//! with why it does not show), and the one picture shown large over the window, with Save as and
//! Open. The textures are their owner's (the app's `Pictures`); these views only read them.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;

use eframe::egui::{self, RichText, Vec2};

use super::{Action, FileAction};
use crate::client::preview::{THUMBNAIL, Unshown};
use crate::i18n::Lang;
use crate::model::{Direction, TransferState, TransferStatus};
use crate::protocol::message::FileOffer;
use crate::tr;

/// A picture's thumbnail, by how far its making is.
pub enum Thumb {
    /// Being fetched into the cache, or read.
    Loading,
    /// Ready to draw.
    Ready {
        /// Its pixels, at most [`THUMBNAIL`].
        texture: egui::TextureHandle,
        /// The whole picture's width and height.
        full: [u32; 2],
        /// The frame it was last drawn in: the least recently drawn are let go first.
        drawn: Cell<u64>,
    },
    /// It does not show, and why.
    Broken(Unshown),
}

/// The one picture shown large.
pub struct Large {
    /// The offered file's id (to save it).
    pub file: u64,
    /// Its name, as offered.
    pub name: String,
    /// Its copy in this computer's picture cache (to open it).
    pub path: PathBuf,
    /// Its pixels once read, or why they do not show; `None` while it is read.
    pub shown: Option<Result<egui::TextureHandle, Unshown>>,
}

/// The pictures' textures, as their owner lends them to views.
#[derive(Default)]
pub struct PictureView {
    /// Thumbnails by the picture's SHA-256 (one picture offered twice is read once).
    pub thumbs: HashMap<String, Thumb>,
    /// The picture shown large, if one is.
    pub large: Option<Large>,
}

/// Why a picture does not show, in words.
pub fn unshown_text(why: Unshown, lang: Lang) -> String {
    lang.tr(match why {
        Unshown::TooManyBytes | Unshown::TooManyPixels => "picture-too-large",
        Unshown::Unreadable => "picture-unreadable",
        Unshown::Missing => "picture-missing",
    })
}

/// An offered picture: its thumbnail (a click shows it large) under who offered it, or a box of
/// a thumbnail's size while it is fetched and read. Without a thumbnail yet, it asks for one
/// ([`FileAction::Show`]); when it can't be had (the fetch stopped, or the picture does not
/// read), `fallback` draws the file card instead, with why.
pub fn picture_ui(
    ui: &mut egui::Ui,
    (offer, caption): (&FileOffer, String),
    thumb: Option<&Thumb>,
    transfer: Option<&TransferState>,
    fallback: impl FnOnce(&mut egui::Ui) -> Option<Action>,
) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    // A fetch into the cache is the only transfer a thumbnail waits for; after any other (a
    // download the person asked for, a fetch that stopped) the card shows how it went.
    let fetching = transfer
        .is_some_and(|t| matches!(t.status, TransferStatus::Starting | TransferStatus::Running));
    // Nothing downloaded yet, or this person's own upload done: its thumbnail can be asked for.
    let askable = transfer.is_none_or(|t| {
        t.direction == Direction::Up && matches!(t.status, TransferStatus::Done(_))
    });
    match thumb {
        Some(Thumb::Ready {
            texture,
            full,
            drawn,
        }) => {
            drawn.set(ui.ctx().cumulative_frame_nr());
            ui.label(RichText::new(caption).strong());
            let alt = tr!(lang, "picture-alt", name = offer.name.as_str());
            // Narrower in a narrow window, never wider than it was made.
            let image = egui::Image::new((texture.id(), texture.size_vec2()))
                .max_width(ui.available_width())
                .alt_text(alt)
                .sense(egui::Sense::click());
            let response = ui.add(image).on_hover_text(tr!(
                lang,
                "picture-size",
                width = full[0],
                height = full[1]
            ));
            // A download the person asked for (from the menu, or the large view's Save as).
            match transfer.filter(|t| t.direction == Direction::Down) {
                Some(t) if fetching => super::progress::progress_ui(ui, t, lang),
                Some(TransferState {
                    status: TransferStatus::Done(Some(path)),
                    ..
                }) => {
                    ui.weak(tr!(lang, "file-saved", path = path.display().to_string()));
                }
                _ => {}
            }
            response
                .clicked()
                .then_some(Action::File(FileAction::Enlarge(offer.file)))
        }
        Some(Thumb::Broken(why)) => {
            let chosen = fallback(ui);
            ui.colored_label(ui.visuals().warn_fg_color, unshown_text(*why, lang));
            chosen
        }
        None if !fetching && !askable => fallback(ui),
        _ => {
            ui.label(RichText::new(caption).strong());
            // A still box (a spinner would repaint the window for as long as a fetch waits, a
            // whole disconnection long), the fetch's progress under it.
            let [width, height] = THUMBNAIL.map(|n| n as f32);
            let size = Vec2::new(width.min(ui.available_width()), height * 0.5);
            let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
            ui.painter()
                .rect_filled(rect, 4.0, ui.visuals().faint_bg_color);
            ui.put(
                rect,
                egui::Label::new(RichText::new(lang.tr("picture-loading")).weak()),
            );
            if let Some(t) = transfer.filter(|_| fetching) {
                super::progress::progress_ui(ui, t, lang);
            }
            // Asked once; its owner marks it loading (or broken) at once.
            (thumb.is_none() && askable).then_some(Action::File(FileAction::Show(offer.file)))
        }
    }
}

/// The picture shown large, over the window: as large as the window allows, with Save as, Open
/// and Close (Escape or a click beside it closes it too).
pub fn large_ui(ui: &egui::Ui, large: &Large) -> Option<Action> {
    let lang = super::lang(ui.ctx());
    let mut action = None;
    let screen = ui.ctx().content_rect().size();
    let modal = egui::Modal::new(egui::Id::unique("picture-large")).show(ui.ctx(), |ui| {
        ui.label(RichText::new(&large.name).strong());
        match &large.shown {
            Some(Ok(texture)) => {
                let room = (screen - Vec2::new(80.0, 140.0)).max(Vec2::splat(64.0));
                let alt = tr!(lang, "picture-alt", name = large.name.as_str());
                ui.add(
                    egui::Image::new((texture.id(), texture.size_vec2()))
                        .max_size(room)
                        .alt_text(alt),
                );
            }
            Some(Err(why)) => {
                ui.colored_label(ui.visuals().warn_fg_color, unshown_text(*why, lang));
            }
            None => {
                ui.spinner();
            }
        }
        ui.horizontal(|ui| {
            if ui.button(lang.tr("file-save-as")).clicked() {
                action = Some(Action::File(FileAction::SaveAs(large.file)));
            }
            if ui.button(lang.tr("file-open")).clicked() {
                action = Some(Action::File(FileAction::Open(large.path.clone())));
            }
            if ui.button(lang.tr("close")).clicked() {
                action = Some(Action::File(FileAction::CloseLarge));
            }
        });
    });
    if modal.should_close() && action.is_none() {
        action = Some(Action::File(FileAction::CloseLarge));
    }
    action
}

impl std::fmt::Debug for PictureView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PictureView")
            .field("thumbs", &self.thumbs.len())
            .field("large", &self.large.as_ref().map(|l| l.file))
            .finish()
    }
}
