//! The badge that says how far the conversation on screen is protected (the first-use question
//! and the changed-identity warning are dialogs: `ui::dialogs`).

use eframe::egui::{self, Color32, RichText};

use crate::i18n::Lang;

/// How far the conversation on screen is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// TLS, and the host proved it knows the room password.
    VerifiedByPassword,
    /// TLS, with the host's certificate pinned (trusted on first use).
    TrustedOnFirstUse,
    /// In clear: anyone on the network can read it.
    NotEncrypted,
}

impl Protection {
    /// The badge's words, in `lang`.
    pub fn label(self, lang: Lang) -> String {
        lang.tr(match self {
            Self::VerifiedByPassword => "badge-verified",
            Self::TrustedOnFirstUse => "badge-trusted",
            Self::NotEncrypted => "badge-clear",
        })
    }

    /// What the badge says on hover, in `lang`.
    pub fn explanation(self, lang: Lang) -> String {
        lang.tr(match self {
            Self::VerifiedByPassword => "badge-verified-hint",
            Self::TrustedOnFirstUse => "badge-trusted-hint",
            Self::NotEncrypted => "badge-clear-hint",
        })
    }
}

/// The badge.
pub fn badge_ui(ui: &mut egui::Ui, protection: Protection) {
    let colour = match protection {
        Protection::VerifiedByPassword | Protection::TrustedOnFirstUse => {
            if ui.visuals().dark_mode {
                Color32::from_rgb(120, 200, 120)
            } else {
                Color32::from_rgb(30, 110, 30)
            }
        }
        Protection::NotEncrypted => ui.visuals().warn_fg_color,
    };
    let lang = super::lang(ui.ctx());
    ui.label(RichText::new(protection.label(lang)).color(colour).small())
        .on_hover_text(protection.explanation(lang));
}
