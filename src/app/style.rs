//! How the app looks and what it reads of the input each frame: the theme and text size from the
//! settings, the keys that change the size, whether the person did anything (for auto-away), and
//! the files dropped on the window.

use eframe::egui;

use crate::model::settings::{self, Settings, ThemeChoice};
use crate::ui::FileAction;

/// Noto Emoji (black and white) as the last fallback of every text: reactions and messages show
/// emoji on a system without an emoji font of its own, never empty boxes. Added once (egui keeps
/// a font by its name).
fn add_emoji_font(ctx: &egui::Context) {
    use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
    let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
        .map(|family| InsertFontFamily {
            family,
            priority: FontPriority::Lowest,
        })
        .to_vec();
    ctx.add_font(FontInsert::new(
        "NotoEmoji-Regular",
        egui::FontData::from_static(epaint_default_fonts::NOTO_EMOJI_REGULAR),
        families,
    ));
}

/// Applies the theme and text size of `settings` (and, once, the emoji font).
pub(super) fn apply_style(ctx: &egui::Context, settings: &Settings) {
    add_emoji_font(ctx);
    // One text size: the setting. egui's own Ctrl +/- zoom would be a second one, not saved.
    ctx.options_mut(|o| o.zoom_with_keyboard = false);
    ctx.set_theme(match settings.theme {
        ThemeChoice::System => egui::ThemePreference::System,
        ThemeChoice::Dark => egui::ThemePreference::Dark,
        ThemeChoice::Light => egui::ThemePreference::Light,
    });
    let size = settings.font_size;
    ctx.all_styles_mut(|style| {
        use egui::{FontFamily, FontId, TextStyle};
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(size * 1.4, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(size, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(size, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(size * 0.92, FontFamily::Monospace),
            ),
            (
                TextStyle::Small,
                FontId::new(size * 0.75, FontFamily::Proportional),
            ),
        ]
        .into();
        // A blinking cursor repaints twice a second forever; a steady one keeps idle at 0% CPU.
        style.visuals.text_cursor.blink = false;
        crate::ui::readable(&mut style.visuals);
    });
}

/// The text size asked for with the keyboard or the wheel: Ctrl + (or =), Ctrl -, Ctrl 0, and
/// Ctrl + wheel, one point a step. egui's own zoom is turned off (see `apply_style`), so there is
/// one text size, the one in the settings, and it is saved.
pub(super) fn zoom_keys(ctx: &egui::Context, size: f32) -> Option<f32> {
    ctx.input(|i| {
        let command = i.modifiers.command;
        if command && (i.key_pressed(egui::Key::Plus) || i.key_pressed(egui::Key::Equals)) {
            Some(size + 1.0)
        } else if command && i.key_pressed(egui::Key::Minus) {
            Some(size - 1.0)
        } else if command && i.key_pressed(egui::Key::Num0) {
            Some(settings::DEFAULT_FONT_SIZE)
        } else if i.zoom_delta() > 1.0 {
            Some(size + 1.0)
        } else if i.zoom_delta() < 1.0 {
            Some(size - 1.0)
        } else {
            None
        }
    })
    .filter(|new| (new - size).abs() > 0.01)
    .map(|new| new.clamp(settings::MIN_FONT_SIZE, settings::MAX_FONT_SIZE))
}

/// True when the person did anything with the window this frame: a key, text, the pointer, the
/// wheel, a paste.
pub(super) fn any_input(ctx: &egui::Context) -> bool {
    ctx.input(|i| {
        i.events.iter().any(|e| {
            matches!(
                e,
                egui::Event::Key { .. }
                    | egui::Event::Text(_)
                    | egui::Event::PointerMoved(_)
                    | egui::Event::PointerButton { .. }
                    | egui::Event::MouseWheel { .. }
                    | egui::Event::Paste(_)
            )
        })
    })
}

/// The files dropped on the window this frame, and the images pasted (Ctrl+V): each to offer.
pub(super) fn files_brought(ctx: &egui::Context) -> Vec<FileAction> {
    ctx.input(|i| {
        let dropped = i.raw.dropped_files.iter();
        let dropped = dropped.map(|f| FileAction::Offer(f.path().to_path_buf()));
        let pasted = i.events.iter().filter_map(|event| match event {
            egui::Event::PasteImage(image) => Some(FileAction::Paste(std::sync::Arc::clone(image))),
            _ => None,
        });
        dropped.chain(pasted).collect()
    })
}
