//! What the app is told at start ([`AppOptions`]): where its settings live, what it may reach
//! (LAN discovery, the system's dialogs, the browser), and the waits tests shorten; and the
//! system's own defaults (the browser, the program that opens a file, the downloads folder).

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use super::notify::NotifierHandle;
use super::reconnect;
use crate::i18n::Lang;
use crate::model::settings::{self, Settings};

/// What the app is told at start.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// Where settings live; `None` for the system's config folder. Tests pass a temp path.
    pub config_path: Option<PathBuf>,
    /// The address the Host toggle listens on: every interface by default, so the LAN can join.
    pub host_bind: IpAddr,
    /// Whether the app may use LAN discovery (mDNS) at all, when the settings ask for it. Tests that
    /// are not inside their own network namespace pass `false`.
    pub discovery: bool,
    /// Whether to try the system's file dialogs (rfd). When `false`, or when they can't open, the
    /// app's own save dialog is used. Tests pass `false`.
    pub native_dialogs: bool,
    /// Where desktop notifications go; `None` for the desktop's own (notify-rust). Tests pass one
    /// that records them.
    pub notifier: Option<NotifierHandle>,
    /// Opens a web address in the browser; false when none could. Tests pass one that opens nothing.
    pub open_url: fn(&str) -> bool,
    /// Opens a file or a folder with what the system opens it with; false when nothing could.
    /// Tests pass one that opens nothing.
    pub open_path: fn(&std::path::Path) -> bool,
    /// The wait before each attempt to get back into a room: [`reconnect::backoff`] (1 s doubling up to
    /// 30 s). Tests that wait for an automatic reconnection pass a shorter one.
    pub backoff: reconnect::Backoff,
    /// The system's language, used unless the settings choose one: [`Lang::system`]. Tests pass
    /// English, so that they read the same on any machine.
    pub system_lang: Lang,
    /// How long a minute of the auto-away setting lasts: 60 s. Tests that wait for auto-away pass
    /// a short one.
    pub minute: Duration,
    /// Where downloads go; `None`: the user's downloads folder. Tests pass a temp folder.
    pub downloads_dir: Option<PathBuf>,
    /// What *Send file…* offers; `None`: the file the system's dialog picks. Tests pass one
    /// that answers a file of theirs.
    pub pick_file: Option<FilePicker>,
}

/// Chooses a file to offer, instead of the system's file dialog.
#[derive(Clone)]
pub struct FilePicker(pub std::sync::Arc<dyn Fn() -> Option<PathBuf> + Send + Sync>);

impl std::fmt::Debug for FilePicker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FilePicker")
    }
}

/// Opens `url` with the system's browser (the `webbrowser` crate, as eframe does).
pub fn open_in_browser(url: &str) -> bool {
    webbrowser::open(url).is_ok()
}

impl AppOptions {
    /// The settings from `config_path` (or the system's config folder; defaults when there is
    /// none), and the warning their loading gave, if any.
    pub(super) fn load_settings(&self) -> (Settings, Option<String>) {
        let path = self.config_path.clone().or_else(settings::default_path);
        match &path {
            Some(path) => settings::load(path, self.system_lang),
            None => (Settings::default(), None),
        }
    }
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            config_path: None,
            host_bind: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            discovery: true,
            native_dialogs: true,
            notifier: None,
            open_url: open_in_browser,
            open_path: open_with_system,
            backoff: reconnect::backoff,
            system_lang: Lang::system(),
            minute: Duration::from_secs(60),
            downloads_dir: None,
            pick_file: None,
        }
    }
}

/// Opens `path` (a file, or a folder) with what the system opens it with: `xdg-open`, `open` on
/// macOS, Explorer on Windows. False when that could not start.
pub fn open_with_system(path: &std::path::Path) -> bool {
    let opener = if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

/// The user's downloads folder (see [`downloads_in`]).
pub fn downloads_dir() -> PathBuf {
    downloads_in(dirs::download_dir(), dirs::home_dir())
}

/// Where downloads go: the system's downloads folder, else `Downloads` in the home folder (made
/// when the first download comes; never the home folder itself, where files would be lost among
/// the rest), else the current folder.
fn downloads_in(system: Option<PathBuf>, home: Option<PathBuf>) -> PathBuf {
    system
        .or_else(|| home.map(|home| home.join("Downloads")))
        .unwrap_or_else(|| PathBuf::from("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_system_downloads_folder_files_go_to_downloads_in_the_home_folder() {
        let home = PathBuf::from("/home/alice");
        assert_eq!(
            downloads_in(None, Some(home.clone())),
            home.join("Downloads")
        );
        let chosen = PathBuf::from("/home/alice/Téléchargements");
        assert_eq!(downloads_in(Some(chosen.clone()), Some(home)), chosen);
        assert_eq!(downloads_in(None, None), PathBuf::from("."));
    }
}
