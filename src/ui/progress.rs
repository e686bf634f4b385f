//! A file transfer's progress bar: its percentage, speed and time left, as the message list and
//! the pictures show it.

use eframe::egui;

use crate::i18n::Lang;
use crate::model::TransferState;
use crate::tr;

/// A transfer's progress bar, with its percentage, speed and time left.
pub fn progress_ui(ui: &mut egui::Ui, t: &TransferState, lang: Lang) {
    #[allow(clippy::cast_precision_loss)] // a fraction for a bar
    let fraction = if t.total == 0 {
        0.0
    } else {
        t.done as f32 / t.total as f32
    };
    ui.add(
        egui::ProgressBar::new(fraction)
            .desired_width(180.0)
            .text(progress_text(t, lang)),
    );
}

/// "42 % · 3.1 MB/s · 12 s left".
fn progress_text(t: &TransferState, lang: Lang) -> String {
    let percent = (t.done.saturating_mul(100))
        .checked_div(t.total)
        .unwrap_or(0);
    let Some((since, from)) = t.since else {
        return tr!(lang, "file-percent", percent = percent);
    };
    let seconds = since.elapsed().as_secs_f64();
    let moved = t.done.saturating_sub(from);
    if seconds < 0.5 || moved == 0 {
        return tr!(lang, "file-percent", percent = percent);
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let per_second = (moved as f64 / seconds) as u64;
    let left = t.total.saturating_sub(t.done) / per_second.max(1);
    tr!(
        lang,
        "file-progress",
        percent = percent,
        speed = lang.size(per_second),
        left = left
    )
}
