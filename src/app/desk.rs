//! What every owner of the app works within: the options it started with, the settings and their
//! file, the dialogs over the window, the channel background threads report on, the desktop
//! notifications, and the window itself (its title, focus and attention). Owners are handed the
//! desk for a call, as egui hands views a `Ui`; it never reaches back into them.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread;

use crossbeam_channel::{Receiver, Sender};
use eframe::egui;

use super::events::AppEvent;
use super::notify::{Notice, NotifierHandle};
use super::options::AppOptions;
use crate::i18n::Lang;
use crate::identity::{self, Device};
use crate::model::settings::{self, Settings};
use crate::protocol::device::DeviceId;
use crate::ui::dialogs::Dialogs;
use crate::{EventSink, Waker, tr};

/// The app's surroundings, lent to its owners for each call.
pub(super) struct Desk {
    pub(super) options: AppOptions,
    /// Persistent settings, saved when they change.
    pub(super) settings: Settings,
    /// Where they are saved; `None` when there is nowhere (or the file could not be moved aside).
    pub(super) settings_path: Option<PathBuf>,
    /// Shown once: the settings file could not be read, or saved.
    pub(super) warning: Option<String>,
    /// The dialogs open over the window.
    pub(super) dialogs: Dialogs,
    /// Where background threads send what they have to tell (through an [`EventSink`]).
    events_tx: Sender<AppEvent>,
    /// Drained each frame.
    pub(super) events_rx: Receiver<AppEvent>,
    /// Wakes the UI after each event.
    waker: Waker,
    /// Desktop notifications, if there is any way to show them.
    notifier: Option<NotifierHandle>,
    /// The window had the focus at the last frame.
    pub(super) focused: bool,
    /// A notification was clicked: bring the window forward at the next frame.
    pub(super) focus_requested: bool,
    /// Something arrived that asks for the person's attention: request it at the next frame.
    wants_attention: bool,
    /// How many times the window's attention was requested (for tests).
    pub(super) attention_requests: usize,
    /// Text for the clipboard, copied at the next frame (a link no browser could open).
    pub(super) to_clipboard: Option<String>,
    /// The window title last sent, so it is only sent when it changes.
    title: String,
    /// The window's context, to make textures of what background threads read.
    pub(super) ctx: egui::Context,
    /// This app's device, once read (or made) on its thread; hosts know the app by it.
    pub(super) device: Option<DeviceId>,
}

impl Desk {
    /// The desk, with the settings loaded (and the warning their loading gave), waking `ctx`
    /// when a background thread reports.
    pub(super) fn new(
        ctx: &egui::Context,
        options: AppOptions,
        settings: Settings,
        warning: Option<String>,
    ) -> Self {
        let settings_path = options.config_path.clone().or_else(settings::default_path);
        let (events_tx, events_rx) = crossbeam_channel::unbounded();
        let repaint_ctx = ctx.clone();
        let waker: Waker = Arc::new(move || repaint_ctx.request_repaint());
        let mut desk = Self {
            notifier: options.notifier.clone(),
            options,
            settings,
            settings_path,
            warning,
            dialogs: Dialogs::default(),
            events_tx,
            events_rx,
            waker,
            focused: true,
            focus_requested: false,
            wants_attention: false,
            attention_requests: 0,
            to_clipboard: None,
            title: String::new(),
            ctx: ctx.clone(),
            device: None,
        };
        desk.read_device();
        if desk.notifier.is_none() {
            let clicked = desk.sink(AppEvent::NoticeClicked);
            desk.notifier =
                super::notify::DesktopNotifier::start(clicked).map(|n| NotifierHandle(Arc::new(n)));
        }
        desk
    }

    /// Reads (or makes) this app's device beside the settings on `coucou-device`; it comes back as
    /// [`AppEvent::Device`]. Nothing without a settings file: the app then proves no device.
    fn read_device(&self) {
        let Some(dir) = self
            .settings_path
            .as_deref()
            .map(identity::device_dir_beside)
        else {
            return;
        };
        let sink = self.sink(AppEvent::Device);
        let spawned = thread::Builder::new()
            .name("coucou-device".to_owned())
            .spawn(move || {
                let read = Device::load_or_create(&dir).map(|device| device.id());
                sink.send(read.map_err(|err| err.to_string()));
            });
        if let Err(err) = spawned {
            log::warn!("the device was not read: {err}");
        }
    }

    /// The device read at start, or why not (the app then proves none).
    pub(super) fn device_read(&mut self, read: Result<DeviceId, String>) {
        match read {
            Ok(device) => self.device = Some(device),
            Err(err) => log::warn!("no device: {err}"),
        }
    }

    /// The interface's language: the one chosen in settings, else the system's.
    pub(super) fn lang(&self) -> Lang {
        self.settings.language.unwrap_or(self.options.system_lang)
    }

    /// True when rooms may be found and announced: allowed by the caller and on in settings.
    pub(super) fn discovery_on(&self) -> bool {
        self.options.discovery && self.settings.discovery
    }

    /// Delivers a background thread's events of one kind onto the app's channel.
    pub(super) fn sink<T: 'static>(
        &self,
        wrap: impl Fn(T) -> AppEvent + Send + Sync + 'static,
    ) -> EventSink<T> {
        EventSink::wrapping(self.events_tx.clone(), wrap, Arc::clone(&self.waker))
    }

    /// Where pictures are written before they are offered (pasted images, pictures without
    /// their metadata): beside the settings, else in the system's temporary folder.
    pub(super) fn pictures_dir(&self) -> PathBuf {
        match &self.settings_path {
            Some(path) => path.with_file_name("pictures"),
            None => std::env::temp_dir().join("coucou-pictures"),
        }
    }

    /// Saves the settings; the warning says so when they could not be.
    pub(super) fn save_settings(&mut self) {
        let Some(path) = &self.settings_path else {
            return;
        };
        if let Err(err) = settings::save(path, &self.settings) {
            self.warning = Some(tr!(
                self.lang(),
                "settings-not-saved",
                error = err.to_string()
            ));
        }
    }

    /// Shows `notices` on the desktop and asks for the window's attention (urgency hint), while
    /// the window is in the background.
    pub(super) fn notify(&mut self, notices: Vec<Notice>) {
        for notice in notices {
            self.wants_attention = true;
            if let Some(notifier) = &self.notifier {
                notifier.0.notify(notice);
            }
        }
    }

    /// Opens `url` in the browser from a thread; if none can, it comes back as
    /// [`AppEvent::UrlFailed`]. The error in words when no thread could start.
    pub(super) fn open_url(&self, url: String) -> Result<(), String> {
        let open = self.options.open_url;
        self.open_on_thread(
            "coucou-open-url",
            url,
            move |url| open(url),
            AppEvent::UrlFailed,
        )
    }

    /// Opens a file or a folder with what the system opens it with, from a thread; if nothing
    /// can, it comes back as [`AppEvent::PathFailed`]. The error in words when no thread could
    /// start.
    pub(super) fn open_path(&self, path: PathBuf) -> Result<(), String> {
        let open = self.options.open_path;
        self.open_on_thread(
            "coucou-open-path",
            path,
            move |p| open(p),
            AppEvent::PathFailed,
        )
    }

    /// Runs `open` on `what` on a thread named `name` (starting a program may take a moment);
    /// what it could not open comes back as `failed`'s event. The error in words when no thread
    /// could start.
    fn open_on_thread<T: Send + 'static>(
        &self,
        name: &str,
        what: T,
        open: impl FnOnce(&T) -> bool + Send + 'static,
        failed: fn(T) -> AppEvent,
    ) -> Result<(), String> {
        let sink = self.sink(failed);
        thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                if !open(&what) {
                    sink.send(what);
                }
            })
            .map(drop)
            .map_err(|err| tr!(self.lang(), "link-failed", error = err.to_string()))
    }

    /// Tells the window what this frame asks of it: attention, the clipboard, the focus, and
    /// `title` when it changed (and, every frame, as its accessible name).
    pub(super) fn frame(&mut self, ctx: &egui::Context, title: String) {
        if std::mem::take(&mut self.wants_attention) {
            self.attention_requests += 1;
            ctx.send_viewport_cmd(egui::ViewportCommand::RequestUserAttention(
                egui::UserAttentionType::Informational,
            ));
        }
        if let Some(text) = self.to_clipboard.take() {
            ctx.copy_text(text);
        }
        if std::mem::take(&mut self.focus_requested) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
        if let Some(size) = ctx.input(|i| i.viewport().inner_rect).map(|r| r.size()) {
            self.settings.window_size = Some([size.x, size.y]);
        }
        // The window's name for a screen reader too (egui leaves it unnamed); the tree is built
        // again each frame.
        ctx.accesskit_node_builder(egui::accesskit_root_id(), |node| {
            node.set_label(title.as_str());
        });
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }
}

/// The window title: the room, and the unread count while the window is not focused.
pub(super) fn window_title(room: Option<&str>, unread: usize, focused: bool) -> String {
    let base = match room {
        Some(room) if !room.is_empty() => format!("Coucou — {room}"),
        _ => "Coucou".to_owned(),
    };
    if !focused && unread > 0 {
        format!("({unread}) {base}")
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_counts_unread_only_while_unfocused() {
        assert_eq!(window_title(None, 0, true), "Coucou");
        assert_eq!(window_title(Some("room"), 3, true), "Coucou — room");
        assert_eq!(window_title(Some("room"), 3, false), "(3) Coucou — room");
        assert_eq!(window_title(Some("room"), 0, false), "Coucou — room");
    }
}
