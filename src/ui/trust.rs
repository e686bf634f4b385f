//! Trusting a room: the first-use question with the room's code, the warning when a room's identity
//! changed, and the badge that says how far the conversation on screen is protected.

use eframe::egui::{self, Color32, RichText};

use super::Action;
use crate::i18n::Lang;
use crate::identity::Fingerprint;
use crate::tr;

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

/// First contact with an encrypted room: its code, and Trust / Cancel.
pub fn trust_prompt_ui(ctx: &egui::Context, target: &str, code: Fingerprint) -> Option<Action> {
    let lang = super::lang(ctx);
    let mut action = None;
    egui::Modal::new(egui::Id::unique("trust_prompt")).show(ctx, |ui| {
        ui.heading(lang.tr("trust-title"));
        ui.label(tr!(lang, "trust-first", target = target));
        ui.label(RichText::new(code.code()).monospace().strong().size(18.0));
        ui.label(lang.tr("trust-ask-host"));
        ui.horizontal(|ui| {
            if ui.button(lang.tr("trust-yes")).clicked() {
                action = Some(Action::TrustRoom);
            }
            if ui.button(lang.tr("cancel")).clicked() {
                action = Some(Action::DistrustRoom);
            }
        });
    });
    action
}

/// The room's identity changed: a warning, Cancel first; replacing the pin takes a deliberate
/// second step.
pub fn pin_mismatch_ui(
    ctx: &egui::Context,
    target: &str,
    pinned: Fingerprint,
    presented: Option<Fingerprint>,
    confirm_replace: &mut bool,
) -> Option<Action> {
    let lang = super::lang(ctx);
    let mut action = None;
    egui::Modal::new(egui::Id::unique("pin_mismatch")).show(ctx, |ui| {
        ui.heading(RichText::new(lang.tr("mismatch-title")).color(ui.visuals().error_fg_color));
        ui.label(tr!(lang, "mismatch-text", target = target));
        ui.label(tr!(lang, "mismatch-before", code = pinned.code()));
        if let Some(presented) = presented {
            ui.label(tr!(lang, "mismatch-now", code = presented.code()));
        }
        ui.horizontal(|ui| {
            let cancel = ui.button(lang.tr("cancel"));
            if !*confirm_replace {
                cancel.request_focus();
            }
            if cancel.clicked() {
                action = Some(Action::KeepPin);
            }
            if presented.is_some() {
                ui.checkbox(confirm_replace, lang.tr("mismatch-host-told-me"));
            }
        });
        if *confirm_replace
            && presented.is_some()
            && ui.button(lang.tr("mismatch-trust-new")).clicked()
        {
            action = Some(Action::ReplacePin);
        }
    });
    action
}
