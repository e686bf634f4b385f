//! What the app remembers between runs — profiles, theme, font size, window — kept with confy.
//!
//! A settings file that can't be read is never overwritten: it is moved aside (`settings.toml.bak`,
//! or `.bak.2`, …) and the app starts with defaults and says so once.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;
use crate::identity::Fingerprint;
use crate::protocol::DEFAULT_PORT;
use crate::protocol::Wire;
use crate::protocol::password::RoomKey;
use crate::tr;

/// A saved server: what the connect form holds, under a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    /// The profile's name, shown in the list.
    pub name: String,
    /// The user name to join with.
    pub username: String,
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Coucou (JSON), Plain or the classic C server.
    pub dialect: Wire,
    /// Encrypt the connection (TLS; Coucou servers only).
    pub encrypted: bool,
    /// The host's certificate fingerprint (64 hex digits), once trusted.
    pub pin: Option<String>,
}

impl Default for Profile {
    fn default() -> Self {
        Self {
            name: String::new(),
            username: String::new(),
            host: "127.0.0.1".to_owned(),
            port: DEFAULT_PORT,
            dialect: Wire::Json,
            encrypted: true,
            pin: None,
        }
    }
}

/// Dark, light, or as the system says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThemeChoice {
    /// Follow the system.
    #[default]
    System,
    /// Always dark.
    Dark,
    /// Always light.
    Light,
}

/// Which messages raise a desktop notification while the window is in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyChoice {
    /// None.
    Off,
    /// Messages that name you, and private messages.
    #[default]
    MentionsAndPrivate,
    /// Every message from someone else.
    All,
}

/// Everything the app keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Saved servers.
    pub profiles: Vec<Profile>,
    /// The profile used last, preselected at start.
    pub last_profile: Option<String>,
    /// The connect form as it was last used (a profile or not).
    pub form: Profile,
    /// The colour theme.
    pub theme: ThemeChoice,
    /// Body text size in points.
    pub font_size: f32,
    /// The window's inner size in points, as it was at exit.
    pub window_size: Option<[f32; 2]>,
    /// The room name used when hosting.
    pub host_room: String,
    /// The port used when hosting.
    pub host_port: u16,
    /// Find rooms on the network, and announce hosted ones (mDNS).
    pub discovery: bool,
    /// Desktop notifications.
    pub notifications: NotifyChoice,
    /// The hosted room takes only encrypted connections.
    pub host_encrypted_only: bool,
    /// The hosted room's password, as the host keeps it (salt and argon2 hash, hex); never the
    /// password itself.
    pub host_password: Option<String>,
    /// The hosted room keeps its history across restarts (in `history.sqlite` beside the settings).
    pub host_keep_history: bool,
    /// The hosted room's history forgets messages older than this many days; 0: never.
    pub host_history_days: u32,
    /// The hosted room's history keeps at most this many messages; 0: no limit.
    pub host_history_max: u64,
    /// The hosted room is one room with other sites through this NATS broker (`nats://host:port`);
    /// `None`: this computer's room alone.
    pub host_broker: Option<String>,
    /// The hosted room's named rooms besides it (Room options), made when it is hosted.
    pub host_rooms: Vec<String>,
    /// Anyone in the hosted room may make a named room, by joining one that does not exist yet.
    pub host_open_rooms: bool,
    /// The named rooms joined on each host (`host:port`), by name: joined again on the
    /// next visit.
    pub joined_rooms: std::collections::BTreeMap<String, Vec<String>>,
    /// The names ignored on each host (`host:port`), on this screen only: ignored again on the
    /// next visit.
    pub ignored: std::collections::BTreeMap<String, Vec<String>>,
    /// Every room trusted so far: `host:port` → its fingerprint (64 hex digits).
    pub pins: std::collections::BTreeMap<String, String>,
    /// When the app last showed each room (`host:port`): the time of the newest message seen, in
    /// milliseconds since the Unix epoch. What came after is "New since your last visit".
    pub last_visit: std::collections::BTreeMap<String, u64>,
    /// The interface's language; `None`: the system's.
    pub language: Option<Lang>,
    /// Mark me away after this many minutes without input; 0: never.
    pub auto_away_minutes: u32,
    /// How many days this computer's log keeps conversations; 0: forever.
    pub journal_days: u32,
}

impl Settings {
    /// How much of the hosted room's history is kept, from the Host settings.
    pub fn host_retention(&self) -> crate::store::Retention {
        crate::store::Retention {
            max_messages: (self.host_history_max > 0).then_some(self.host_history_max),
            max_age: (self.host_history_days > 0).then(|| {
                std::time::Duration::from_secs(u64::from(self.host_history_days) * 24 * 3600)
            }),
        }
    }
}

/// Minutes without input before the app marks you away, unless set otherwise.
pub const DEFAULT_AUTO_AWAY_MINUTES: u32 = 10;

/// The default body text size, in points.
pub const DEFAULT_FONT_SIZE: f32 = 14.0;
/// The smallest text size the controls offer.
pub const MIN_FONT_SIZE: f32 = 10.0;
/// The largest text size the controls offer.
pub const MAX_FONT_SIZE: f32 = 28.0;

impl Default for Settings {
    fn default() -> Self {
        Self {
            profiles: Vec::new(),
            last_profile: None,
            form: Profile::default(),
            theme: ThemeChoice::System,
            font_size: DEFAULT_FONT_SIZE,
            window_size: None,
            host_room: "Coucou".to_owned(),
            host_port: DEFAULT_PORT,
            discovery: true,
            notifications: NotifyChoice::MentionsAndPrivate,
            host_encrypted_only: false,
            host_password: None,
            host_broker: None,
            host_rooms: Vec::new(),
            host_open_rooms: false,
            joined_rooms: std::collections::BTreeMap::new(),
            ignored: std::collections::BTreeMap::new(),
            host_keep_history: true,
            host_history_days: 0,
            host_history_max: 0,
            pins: std::collections::BTreeMap::new(),
            last_visit: std::collections::BTreeMap::new(),
            language: None,
            auto_away_minutes: DEFAULT_AUTO_AWAY_MINUTES,
            journal_days: 0,
        }
    }
}

/// Where settings live when the caller does not say: the system's config folder.
pub fn default_path() -> Option<PathBuf> {
    confy::get_configuration_file_path("coucou", "settings").ok()
}

/// `name` in the settings file's folder (the current folder when it has none).
fn beside(settings_path: &Path, name: &str) -> PathBuf {
    settings_path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        .join(name)
}

/// Where a hosted room's history is kept: beside the settings file.
pub fn history_path(settings_path: &Path) -> PathBuf {
    beside(settings_path, "history.sqlite")
}

/// Where a hosted room keeps the files offered in it: `files/`, beside the settings file.
pub fn files_dir(settings_path: &Path) -> PathBuf {
    beside(settings_path, "files")
}

/// Where the app keeps its own log of conversations: `journal.sqlite`, beside the settings file.
pub fn journal_path(settings_path: &Path) -> PathBuf {
    beside(settings_path, "journal.sqlite")
}

/// Loads settings from `path`. A missing file gives defaults. A value that can't be read (a port
/// that is not a number, a theme that does not exist) falls back to its default alone, keeping
/// everything else, and the second value names it; only a file that can't be read at all (not
/// TOML, not UTF-8) is moved aside. The second value says what happened, in words for the user:
/// in the language the settings choose, else in `system`.
pub fn load(path: &Path, system: Lang) -> (Settings, Option<String>) {
    if !path.exists() {
        return (Settings::default(), None);
    }
    let table = std::fs::read_to_string(path)
        .map_err(|err| err.to_string())
        .and_then(|text| text.parse::<toml::Table>().map_err(|err| error_chain(&err)));
    let table = match table {
        Ok(table) => table,
        Err(reason) => {
            let message = match move_aside(path) {
                Ok(moved) => tr!(
                    system,
                    "settings-unreadable",
                    reason = reason,
                    kept = moved.display().to_string()
                ),
                Err(move_err) => tr!(
                    system,
                    "settings-unreadable-kept",
                    reason = reason,
                    error = move_err.to_string(),
                    path = path.display().to_string()
                ),
            };
            return (Settings::default(), Some(message));
        }
    };
    let mut reset = Vec::new();
    let settings = Settings::from_table(table, &mut reset).sanitized();
    let lang = settings.language.unwrap_or(system);
    let warning =
        (!reset.is_empty()).then(|| tr!(lang, "settings-reset", names = reset.join(", ")));
    (settings, warning)
}

/// Reads `key` from `table` into `into` if it is there and readable; else notes `{prefix}{key}`.
fn read_field<T: serde::de::DeserializeOwned>(
    table: &mut toml::Table,
    key: &str,
    into: &mut T,
    prefix: &str,
    reset: &mut Vec<String>,
) {
    if let Some(value) = table.remove(key) {
        match value.try_into() {
            Ok(value) => *into = value,
            Err(_) => reset.push(format!("{prefix}{key}")),
        }
    }
}

impl Profile {
    /// A profile from a TOML table, field by field (see [`load`]).
    fn from_table(mut table: toml::Table, prefix: &str, reset: &mut Vec<String>) -> Self {
        let mut p = Self::default();
        read_field(&mut table, "name", &mut p.name, prefix, reset);
        read_field(&mut table, "username", &mut p.username, prefix, reset);
        read_field(&mut table, "host", &mut p.host, prefix, reset);
        read_field(&mut table, "port", &mut p.port, prefix, reset);
        read_field(&mut table, "dialect", &mut p.dialect, prefix, reset);
        read_field(&mut table, "encrypted", &mut p.encrypted, prefix, reset);
        read_field(&mut table, "pin", &mut p.pin, prefix, reset);
        if p.pin
            .as_deref()
            .is_some_and(|pin| Fingerprint::from_hex(pin).is_none())
        {
            // A pin that is not a fingerprint pins nothing: better to ask again than to refuse.
            p.pin = None;
            reset.push(format!("{prefix}pin"));
        }
        p
    }
}

impl Settings {
    /// Settings from a TOML table, field by field, and profile by profile (see [`load`]).
    fn from_table(mut table: toml::Table, reset: &mut Vec<String>) -> Self {
        let mut s = Self::default();
        match table.remove("profiles") {
            Some(toml::Value::Array(profiles)) => {
                for (i, profile) in profiles.into_iter().enumerate() {
                    match profile {
                        toml::Value::Table(t) => {
                            let prefix = format!("profiles[{i}].");
                            s.profiles.push(Profile::from_table(t, &prefix, reset));
                        }
                        _ => reset.push(format!("profiles[{i}]")),
                    }
                }
            }
            Some(_) => reset.push("profiles".to_owned()),
            None => {}
        }
        read_field(&mut table, "last_profile", &mut s.last_profile, "", reset);
        match table.remove("form") {
            Some(toml::Value::Table(t)) => s.form = Profile::from_table(t, "form.", reset),
            Some(_) => reset.push("form".to_owned()),
            None => {}
        }
        read_field(&mut table, "theme", &mut s.theme, "", reset);
        read_field(&mut table, "font_size", &mut s.font_size, "", reset);
        read_field(&mut table, "window_size", &mut s.window_size, "", reset);
        read_field(&mut table, "host_room", &mut s.host_room, "", reset);
        read_field(&mut table, "host_port", &mut s.host_port, "", reset);
        read_field(&mut table, "discovery", &mut s.discovery, "", reset);
        read_field(&mut table, "notifications", &mut s.notifications, "", reset);
        read_field(
            &mut table,
            "host_encrypted_only",
            &mut s.host_encrypted_only,
            "",
            reset,
        );
        read_field(&mut table, "host_password", &mut s.host_password, "", reset);
        // Written `host_link` before the word "link" was kept for the NATS link itself.
        read_field(&mut table, "host_link", &mut s.host_broker, "", reset);
        read_field(&mut table, "host_broker", &mut s.host_broker, "", reset);
        read_field(&mut table, "host_rooms", &mut s.host_rooms, "", reset);
        read_field(&mut table, "joined_rooms", &mut s.joined_rooms, "", reset);
        read_field(&mut table, "ignored", &mut s.ignored, "", reset);
        read_field(
            &mut table,
            "host_open_rooms",
            &mut s.host_open_rooms,
            "",
            reset,
        );
        read_field(
            &mut table,
            "host_keep_history",
            &mut s.host_keep_history,
            "",
            reset,
        );
        read_field(
            &mut table,
            "host_history_days",
            &mut s.host_history_days,
            "",
            reset,
        );
        read_field(
            &mut table,
            "host_history_max",
            &mut s.host_history_max,
            "",
            reset,
        );
        read_field(&mut table, "pins", &mut s.pins, "", reset);
        read_field(&mut table, "last_visit", &mut s.last_visit, "", reset);
        read_field(&mut table, "language", &mut s.language, "", reset);
        read_field(
            &mut table,
            "auto_away_minutes",
            &mut s.auto_away_minutes,
            "",
            reset,
        );
        read_field(&mut table, "journal_days", &mut s.journal_days, "", reset);
        let before = s.pins.len();
        s.pins.retain(|_, pin| Fingerprint::from_hex(pin).is_some());
        if s.pins.len() != before {
            reset.push("pins".to_owned());
        }
        if s.host_password
            .as_deref()
            .is_some_and(|kept| RoomKey::from_stored(kept).is_none())
        {
            s.host_password = None;
            reset.push("host_password".to_owned());
        }
        s
    }
}

/// Saves settings to `path`, creating its folder.
pub fn save(path: &Path, settings: &Settings) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    confy::store_path(path, settings).map_err(|e| error_chain(&e))
}

/// Renames `path` to the first free `path.bak`, `path.bak.2`, ….
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            ".bak".to_owned()
        } else {
            format!(".bak.{n}")
        };
        let mut target = path.as_os_str().to_owned();
        target.push(suffix);
        let target = PathBuf::from(target);
        if !target.exists() {
            std::fs::rename(path, &target)?;
            return Ok(target);
        }
        n += 1;
    }
}

/// An error and its sources, on one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(inner.to_string().lines().next().unwrap_or_default());
        source = inner.source();
    }
    text
}

impl Settings {
    /// Brings values a hand-edited file may have got wrong back into range.
    fn sanitized(mut self) -> Self {
        if !(MIN_FONT_SIZE..=MAX_FONT_SIZE).contains(&self.font_size) {
            self.font_size = DEFAULT_FONT_SIZE;
        }
        self
    }

    /// The profile called `name`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// Saves `profile`, replacing one of the same name.
    pub fn upsert_profile(&mut self, profile: Profile) {
        match self.profiles.iter_mut().find(|p| p.name == profile.name) {
            Some(existing) => *existing = profile,
            None => self.profiles.push(profile),
        }
        self.profiles.sort_by_key(|p| p.name.to_lowercase());
    }

    /// Renames a profile; false if `new` is taken or `old` is missing.
    pub fn rename_profile(&mut self, old: &str, new: &str) -> bool {
        if new.trim().is_empty() || self.profile(new).is_some() {
            return false;
        }
        let Some(profile) = self.profiles.iter_mut().find(|p| p.name == old) else {
            return false;
        };
        profile.name = new.trim().to_owned();
        if self.last_profile.as_deref() == Some(old) {
            self.last_profile = Some(profile.name.clone());
        }
        self.profiles.sort_by_key(|p| p.name.to_lowercase());
        true
    }

    /// Pins the room at `host` and `port` to the identity `fingerprint` (hex): for the address
    /// typed by hand, the form's saved copy, and every saved profile for that address.
    pub fn pin(&mut self, host: &str, port: u16, fingerprint: &str) {
        self.pins
            .insert(format!("{host}:{port}"), fingerprint.to_owned());
        let profiles = std::iter::once(&mut self.form).chain(&mut self.profiles);
        for profile in profiles.filter(|p| p.host == host && p.port == port) {
            profile.pin = Some(fingerprint.to_owned());
        }
    }

    /// Deletes a profile.
    pub fn delete_profile(&mut self, name: &str) {
        self.profiles.retain(|p| p.name != name);
        if self.last_profile.as_deref() == Some(name) {
            self.last_profile = None;
        }
    }
}

/// A preference from the Settings menu (or the zoom keys).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Preference {
    /// The interface's language (`None`: the system's).
    Language(Option<Lang>),
    /// The colour theme.
    Theme(ThemeChoice),
    /// The text size, in points (kept within the sizes allowed).
    FontSize(f32),
    /// Which messages raise a desktop notification.
    Notifications(NotifyChoice),
    /// Away after this many minutes without input (0: never).
    AutoAway(u32),
    /// Conversations stay in this computer's log this many days (0: forever).
    JournalDays(u32),
    /// LAN discovery (browsing and advertising) on or off.
    Discovery(bool),
}

impl Settings {
    /// Keeps a preference (a text size within the sizes allowed).
    pub fn set_preference(&mut self, preference: Preference) {
        match preference {
            Preference::Language(language) => self.language = language,
            Preference::Theme(theme) => self.theme = theme,
            Preference::FontSize(size) => self.font_size = size.clamp(MIN_FONT_SIZE, MAX_FONT_SIZE),
            Preference::Notifications(choice) => self.notifications = choice,
            Preference::AutoAway(minutes) => self.auto_away_minutes = minutes,
            Preference::JournalDays(days) => self.journal_days = days,
            Preference::Discovery(on) => self.discovery = on,
        }
    }
}

/// A change to Room options (the room this app hosts), as the Host panel asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomOption {
    /// The room's password (empty: none); only its salted hash is kept.
    Password(String),
    /// Only encrypted connections are let in, or not.
    EncryptedOnly(bool),
    /// The room keeps its history across restarts, or not.
    KeepHistory(bool),
    /// Messages older than this many days are forgotten (0: never).
    HistoryDays(u32),
    /// At most this many messages are kept (0: no limit).
    HistoryMax(u64),
    /// The room is one room with other sites through this broker, as typed (empty: alone).
    Broker(String),
    /// A named room of the host, as typed: kept, and made at once while hosting.
    AddRoom(String),
    /// Anyone may make a named room (applied when the room is next hosted).
    OpenRooms(bool),
}

impl Settings {
    /// Applies a Room option; why it can't be, in words, when the value is not one to keep
    /// (then nothing changes).
    pub fn set_room_option(&mut self, option: RoomOption, lang: Lang) -> Result<(), String> {
        match option {
            RoomOption::Password(password) if password.is_empty() => self.host_password = None,
            RoomOption::Password(password) => {
                let key = crate::protocol::password::RoomKey::new(&password)
                    .map_err(|err| crate::tr!(lang, "password-not-set", error = err.to_string()))?;
                self.host_password = Some(key.to_stored());
            }
            RoomOption::EncryptedOnly(on) => self.host_encrypted_only = on,
            RoomOption::KeepHistory(on) => self.host_keep_history = on,
            RoomOption::HistoryDays(days) => self.host_history_days = days,
            RoomOption::HistoryMax(max) => self.host_history_max = max,
            RoomOption::Broker(typed) => self.host_broker = check_broker(&typed, lang)?,
            RoomOption::AddRoom(typed) => {
                let name = crate::protocol::name::validate_room(&typed, &self.host_room)
                    .map_err(|err| err.describe(lang))?;
                let key = crate::protocol::name::NameKey::new(&name);
                if self
                    .host_rooms
                    .iter()
                    .any(|kept| crate::protocol::name::NameKey::new(kept).clashes(&key))
                {
                    return Err(crate::tr!(lang, "room-exists", room = name));
                }
                self.host_rooms.push(name);
            }
            RoomOption::OpenRooms(on) => self.host_open_rooms = on,
        }
        Ok(())
    }
}

/// Checks a broker's address as typed in Room options: `None` when empty (the room alone), else
/// `nats://host:port` (or `host:port`), without spaces, at most 256 bytes.
pub fn check_broker(typed: &str, lang: Lang) -> Result<Option<String>, String> {
    let url = typed.trim();
    if url.is_empty() {
        return Ok(None);
    }
    let rest = url.strip_prefix("nats://").unwrap_or(url);
    let well_formed = url.len() <= 256
        && !rest.is_empty()
        && !rest.contains("://")
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:[]@/".contains(c));
    if well_formed {
        Ok(Some(url.to_owned()))
    } else {
        Err(lang.tr("host-link-invalid"))
    }
}

/// Puts `names` under the host `key` (`host:port`) in `kept` (none: the host's entry goes).
/// True when that changed anything, and the settings are to be saved.
pub fn keep_for_host(
    kept: &mut std::collections::BTreeMap<String, Vec<String>>,
    key: &str,
    names: Vec<String>,
) -> bool {
    if names.is_empty() {
        kept.remove(key).is_some()
    } else {
        kept.insert(key.to_owned(), names.clone()) != Some(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_are_kept_and_the_text_size_stays_within_its_bounds() {
        let mut settings = Settings::default();
        settings.set_preference(Preference::Language(Some(Lang::Fr)));
        settings.set_preference(Preference::Theme(ThemeChoice::Light));
        settings.set_preference(Preference::AutoAway(0));
        settings.set_preference(Preference::JournalDays(30));
        settings.set_preference(Preference::Discovery(false));
        assert_eq!(settings.language, Some(Lang::Fr));
        assert_eq!(settings.theme, ThemeChoice::Light);
        assert_eq!((settings.auto_away_minutes, settings.journal_days), (0, 30));
        assert!(!settings.discovery);
        settings.set_preference(Preference::FontSize(1_000.0));
        assert_eq!(settings.font_size, MAX_FONT_SIZE);
        settings.set_preference(Preference::FontSize(-3.0));
        assert_eq!(settings.font_size, MIN_FONT_SIZE);
    }

    #[test]
    fn room_options_keep_only_a_password_s_hash_and_a_well_formed_broker() {
        let mut settings = Settings::default();
        let set = |s: &mut Settings, option| s.set_room_option(option, Lang::En);
        assert_eq!(
            set(&mut settings, RoomOption::Password("tournesol".into())),
            Ok(())
        );
        let kept = settings.host_password.clone().unwrap_or_default();
        assert!(!kept.is_empty() && !kept.contains("tournesol"), "{kept}");
        assert_eq!(
            set(&mut settings, RoomOption::Password(String::new())),
            Ok(())
        );
        assert_eq!(settings.host_password, None);
        assert_eq!(set(&mut settings, RoomOption::EncryptedOnly(true)), Ok(()));
        assert_eq!(set(&mut settings, RoomOption::KeepHistory(false)), Ok(()));
        assert_eq!(set(&mut settings, RoomOption::HistoryDays(30)), Ok(()));
        assert_eq!(set(&mut settings, RoomOption::HistoryMax(5_000)), Ok(()));
        assert!(settings.host_encrypted_only && !settings.host_keep_history);
        assert_eq!(
            (settings.host_history_days, settings.host_history_max),
            (30, 5_000)
        );
        let broker = "nats://10.0.0.5:4222";
        assert_eq!(
            set(&mut settings, RoomOption::Broker(broker.into())),
            Ok(())
        );
        assert_eq!(settings.host_broker.as_deref(), Some(broker));
        // A bad one is refused in words, and the good one stays.
        assert!(set(&mut settings, RoomOption::Broker("http://x y".into())).is_err());
        assert_eq!(settings.host_broker.as_deref(), Some(broker));
    }

    #[test]
    fn a_broker_address_is_checked_before_it_is_kept() {
        assert_eq!(
            check_broker("  ", Lang::En),
            Ok(None),
            "empty: the room alone"
        );
        for good in [
            "nats://10.0.0.5:4222",
            "broker.lan:4222",
            "nats://[::1]:4222",
        ] {
            assert_eq!(
                check_broker(good, Lang::En),
                Ok(Some(good.to_owned())),
                "{good}"
            );
        }
        let long = format!("nats://{}:4222", "a".repeat(300));
        for bad in [
            "nats://",
            "http://x",
            "tls://broker:4222",
            "nats://a b",
            "nats://x\u{202e}y",
            "nats://x;rm",
            long.as_str(),
        ] {
            assert!(check_broker(bad, Lang::En).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn round_trip_on_a_temp_path() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("nested").join("settings.toml");
        let mut settings = Settings::default();
        settings.upsert_profile(Profile {
            name: "Bureau".into(),
            username: "alice".into(),
            host: "10.0.0.5".into(),
            port: 5000,
            dialect: Wire::Plain,
            ..Profile::default()
        });
        settings.last_profile = Some("Bureau".into());
        settings.theme = ThemeChoice::Dark;
        assert_eq!(save(&path, &settings), Ok(()));
        assert_eq!(load(&path, Lang::En), (settings, None));
    }

    #[test]
    fn an_older_file_s_broker_address_keeps_loading_under_its_new_name() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, "host_link = \"nats://10.0.0.9:4222\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let (settings, warning) = load(&path, Lang::En);
        assert_eq!(warning, None);
        assert_eq!(
            settings.host_broker.as_deref(),
            Some("nats://10.0.0.9:4222")
        );
        assert_eq!(save(&path, &settings), Ok(()));
        let written = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            written.contains("host_broker") && !written.contains("host_link"),
            "{written}"
        );
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_never_overwritten() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, "profiles = [[[ not toml").unwrap_or_else(|e| panic!("{e}"));
        let (settings, warning) = load(&path, Lang::En);
        assert_eq!(settings, Settings::default());
        let warning = warning.unwrap_or_default();
        assert!(warning.contains("settings.toml.bak"), "{warning}");
        assert!(!path.exists());
        let kept = std::fs::read_to_string(dir.path().join("settings.toml.bak"));
        assert_eq!(kept.ok().as_deref(), Some("profiles = [[[ not toml"));

        std::fs::write(&path, b"theme = \"dark\xff\"").unwrap_or_else(|e| panic!("{e}"));
        let (_, warning) = load(&path, Lang::En);
        assert!(
            warning.unwrap_or_default().contains("settings.toml.bak.2"),
            "a file that is not UTF-8 is moved aside too"
        );
    }

    #[test]
    fn one_bad_value_falls_back_alone_and_keeps_every_profile() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("settings.toml");
        let text = r#"
font_size = "big"
theme = "dark"
host_port = 5000
last_profile = "Bureau"

[[profiles]]
name = "Bureau"
host = "10.0.0.5"
port = 5000

[[profiles]]
name = "Maison"
host = "192.168.1.2"
port = "not a port"
dialect = "classic"

[[profiles]]
name = "Club"
dialect = "carrier pigeon"
"#;
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let (settings, warning) = load(&path, Lang::En);
        let warning = warning.unwrap_or_default();
        for field in ["font_size", "profiles[1].port", "profiles[2].dialect"] {
            assert!(warning.contains(field), "{field}: {warning}");
        }
        assert!(path.exists(), "the file is not moved aside");
        assert_eq!(settings.font_size, DEFAULT_FONT_SIZE);
        assert_eq!(settings.theme, ThemeChoice::Dark);
        assert_eq!(settings.host_port, 5000);
        let names: Vec<&str> = settings.profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Bureau", "Maison", "Club"]);
        assert_eq!(settings.profiles[1].port, DEFAULT_PORT);
        assert_eq!(settings.profiles[1].dialect, Wire::Classic);
        assert_eq!(settings.profiles[1].host, "192.168.1.2");
        assert_eq!(settings.profiles[2].dialect, Wire::Json);
    }

    #[test]
    fn a_pin_or_a_host_password_that_is_not_one_is_dropped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("settings.toml");
        let good = Fingerprint::of(b"cert").to_hex();
        std::fs::write(
            &path,
            format!(
                "host_password = \"00:zz\"\n[pins]\n\"10.0.0.1:4444\" = \"{good}\"\n\
                 \"10.0.0.2:4444\" = \"nope\"\n[form]\npin = \"{good}\"\n\
                 [[profiles]]\nname = \"Forged\"\npin = \"{rlo}{good}\"\n",
                rlo = '\u{202e}'
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (settings, warning) = load(&path, Lang::En);
        assert_eq!(settings.form.pin, Some(good));
        assert_eq!(settings.profiles[0].pin, None);
        assert_eq!(settings.host_password, None);
        assert_eq!(
            settings.pins.keys().collect::<Vec<_>>(),
            ["10.0.0.1:4444"],
            "a pin that is not one is dropped"
        );
        let warning = warning.unwrap_or_default();
        assert!(warning.contains("profiles[0].pin"), "{warning}");
        assert!(warning.contains("host_password"), "{warning}");
        let kept = RoomKey::new("tournesol").unwrap_or_else(|e| panic!("{e}"));
        let mut settings = Settings {
            host_password: Some(kept.to_stored()),
            ..Settings::default()
        };
        settings.form.encrypted = false;
        save(&path, &settings).unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(!text.contains("tournesol"), "only the hash is kept");
        assert_eq!(load(&path, Lang::En).0, settings);
    }

    #[test]
    fn profiles_rename_and_delete() {
        let mut settings = Settings::default();
        for name in ["b", "a"] {
            settings.upsert_profile(Profile {
                name: name.into(),
                ..Profile::default()
            });
        }
        settings.last_profile = Some("a".into());
        assert!(!settings.rename_profile("a", "b"));
        assert!(settings.rename_profile("a", "c"));
        assert_eq!(settings.last_profile.as_deref(), Some("c"));
        settings.delete_profile("c");
        assert_eq!(settings.last_profile, None);
        let names: Vec<_> = settings.profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["b"]);
    }
}
