//! Trusting a room: the first-use question with the room's code, the warning when a room's identity
//! changed, and the badge that says how far the conversation on screen is protected.

use eframe::egui::{self, Color32, RichText};

use super::Action;
use crate::identity::Fingerprint;

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
    /// The badge's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::VerifiedByPassword => "Encrypted, verified by password",
            Self::TrustedOnFirstUse => "Encrypted, trusted on first use",
            Self::NotEncrypted => "Not encrypted",
        }
    }

    /// What the badge says on hover.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::VerifiedByPassword => {
                "Nobody else on the network can read this room, and the host proved it knows the \
                 room password: no one can be in the middle."
            }
            Self::TrustedOnFirstUse => {
                "Nobody else on the network can read this room. The host is the one you trusted the \
                 first time (its code is pinned); check the code with the host to be sure."
            }
            Self::NotEncrypted => {
                "Anyone on this network can read what is said here, and a machine could pretend to \
                 be this room."
            }
        }
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
    ui.label(RichText::new(protection.label()).color(colour).small())
        .on_hover_text(protection.explanation());
}

/// First contact with an encrypted room: its code, and Trust / Cancel.
pub fn trust_prompt_ui(ctx: &egui::Context, target: &str, code: Fingerprint) -> Option<Action> {
    let mut action = None;
    egui::Modal::new(egui::Id::unique("trust_prompt")).show(ctx, |ui| {
        ui.heading("Trust this room?");
        ui.label(format!(
            "This is your first connection to {target}. Its code is:"
        ));
        ui.label(RichText::new(code.code()).monospace().strong().size(18.0));
        ui.label(
            "Ask the host to read you the code shown in their Host panel (or printed by \
             `coucou server`). If it is the same, trust the room: next time Coucou checks it \
             for you.",
        );
        ui.horizontal(|ui| {
            if ui.button("Trust this room").clicked() {
                action = Some(Action::TrustRoom);
            }
            if ui.button("Cancel").clicked() {
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
    let mut action = None;
    egui::Modal::new(egui::Id::unique("pin_mismatch")).show(ctx, |ui| {
        ui.heading(
            RichText::new("This room's identity changed").color(ui.visuals().error_fg_color),
        );
        ui.label(format!(
            "{target} did not show the identity you trusted before. Someone on the network may be \
             pretending to be this room to read what you type. Nothing was sent."
        ));
        ui.label(format!("Trusted before: {}", pinned.code()));
        if let Some(presented) = presented {
            ui.label(format!("Shown now:      {}", presented.code()));
        }
        ui.horizontal(|ui| {
            let cancel = ui.button("Cancel");
            if !*confirm_replace {
                cancel.request_focus();
            }
            if cancel.clicked() {
                action = Some(Action::KeepPin);
            }
            if presented.is_some() {
                ui.checkbox(
                    confirm_replace,
                    "The host told me it changed (a new computer, a reinstall)",
                );
            }
        });
        if *confirm_replace && presented.is_some() && ui.button("Trust the new identity").clicked()
        {
            action = Some(Action::ReplacePin);
        }
    });
    action
}
