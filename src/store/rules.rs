//! The bans and mutes a host's moderators made, kept in the store so that they last across
//! restarts: one row per rule (a name's two keys, or an address), written by the store's writer
//! thread; those still holding are read back at start. The mutes a named room's moderators made
//! in it are in a table of their own (`room_mutes`: an older Coucou reading the file would
//! otherwise take them for the whole host's). And the moderators its owners named, by their
//! device (tables `moderators`, and `room_moderators` for one room). The rooms' modes too: a room
//! locked, its slow mode, the host's classroom mode (table `room_modes`); and the moderation log's
//! last lines (table `moderation_log`). The file may have been tampered with: what is read back is
//! cleaned, cut to length and counted, never trusted.

use rusqlite::{Connection, params};

use super::to_sql;
use crate::protocol::sanitize::clean_text;

/// How many rules are read back at most (the host keeps at most this many of each kind).
pub const MAX_STORED_RULES: usize = 200_000;

/// The longest text a stored rule's fields are read back with, in characters.
const MAX_FIELD_CHARS: usize = 200;

/// A ban or a mute as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRule {
    /// A mute (else a ban).
    pub mute: bool,
    /// A name rule's two keys (the folded skeleton, the skeleton as typed); `None` for an
    /// address rule.
    pub name_keys: Option<(String, String)>,
    /// An address rule's address, as text; `None` for a name rule.
    pub address: Option<String>,
    /// The name or address as the lists show it.
    pub shown: String,
    /// Who made it.
    pub by: String,
    /// Why, if they said.
    pub reason: Option<String>,
    /// When it ends (milliseconds since the Unix epoch); `None`: until lifted.
    pub until: Option<u64>,
    /// A name rule's device (its id in hex), when the person who had the name had one: the rule
    /// holds for that device under any name.
    pub device: Option<String>,
    /// The named room whose moderators made this mute, for that room only; empty: the whole host.
    pub room: String,
}

/// A moderator an owner named, as the store keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedModerator {
    /// Their device's id, in hex.
    pub device: String,
    /// Their name when they were named.
    pub shown: String,
    /// The owner who named them.
    pub by: String,
    /// The named room they moderate (table `room_moderators`); empty: the whole host.
    pub room: String,
}

/// How many named moderators are read back at most.
pub const MAX_NAMED: usize = 1_000;

/// A name kept for the device that had it, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptName {
    /// The device's id, in hex.
    pub device: String,
    /// The name's folded skeleton (what a look-alike meets).
    pub folded: String,
    /// The name as the device had it.
    pub name: String,
    /// Until when (milliseconds since the Unix epoch).
    pub until: u64,
}

/// How many kept names are read back at most (those kept longest).
pub const MAX_KEPT_NAMES: usize = 10_000;

/// A ruling from another site that was taken, by its id, kept until it is too old to be taken
/// anyway: published again, it is not taken twice, across restarts too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRuling {
    /// Its id (32 hex digits).
    pub nonce: String,
    /// Until when it is remembered (milliseconds since the Unix epoch).
    pub until: u64,
}

/// How many rulings taken are read back at most (those remembered longest).
pub const MAX_SEEN_RULINGS: usize = 100_000;

/// A mode a moderator turned on, which lasts until one turns it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only moderators speak in the room.
    Locked,
    /// Each person speaks at most once per gap in the room.
    Slow,
    /// Private messages and files only to or from moderators, on the whole host.
    Classroom,
}

impl Mode {
    /// The mode's name in the file.
    fn as_str(self) -> &'static str {
        match self {
            Self::Locked => "lock",
            Self::Slow => "slow",
            Self::Classroom => "classroom",
        }
    }

    /// The mode named `text` in the file, if it is one.
    fn parse(text: &str) -> Option<Self> {
        [Self::Locked, Self::Slow, Self::Classroom]
            .into_iter()
            .find(|mode| mode.as_str() == text)
    }
}

/// A room's mode as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMode {
    /// Which mode.
    pub mode: Mode,
    /// The room's name ("" for the default room, and for classroom mode, the whole host's).
    pub room: String,
    /// Slow mode's gap in milliseconds; 1 for a mode that is only on. `0`: off.
    pub value: u64,
}

/// What the moderators and owners decided that the store kept, read back at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeptModeration {
    /// The bans and mutes still holding, oldest first.
    pub rules: Vec<StoredRule>,
    /// The moderators the owners named, by their device.
    pub moderators: Vec<NamedModerator>,
    /// The names kept for devices away, those kept longest first.
    pub kept_names: Vec<KeptName>,
    /// The rulings from other sites taken, still remembered.
    pub rulings_seen: Vec<SeenRuling>,
    /// The modes the moderators turned on (rooms locked, slow mode, classroom mode).
    pub modes: Vec<StoredMode>,
    /// The moderation log's last lines, oldest first.
    pub log: Vec<StoredLog>,
}

/// One line of the moderation log, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLog {
    /// When (milliseconds since the Unix epoch).
    pub time: u64,
    /// Who did it.
    pub by: String,
    /// What they did, as the room was told it.
    pub what: String,
}

/// How many lines of the moderation log the store keeps (the newest).
pub const MAX_STORED_LOG: usize = 1_000;

/// The longest log line read back, in characters (a line says who, what and why: its reason is
/// at most 200 characters).
const MAX_LOG_CHARS: usize = 1_000;

/// How many modes are read back at most (a room has two at most, the host one more).
pub const MAX_STORED_MODES: usize = 10_000;

/// The longest slow mode's gap read back, in milliseconds (what `/slow` allows).
const MAX_SLOW_MS: u64 = crate::protocol::command::MAX_SLOW_SECONDS as u64 * 1000;

/// A change to the kept rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleChange {
    /// A new rule, in place of what held for the same name (either key) or address.
    Add(StoredRule),
    /// The rules of one kind on a name (either key matching) and/or an address, lifted.
    Lift {
        /// Mutes (else bans).
        mute: bool,
        /// The name's two keys.
        name_keys: Option<(String, String)>,
        /// The address.
        address: Option<String>,
        /// The device (its id in hex) whose rule goes, whatever name it was made on.
        device: Option<String>,
        /// The named room whose own mutes these are; empty: the whole host's rules.
        room: String,
    },
    /// A device named a moderator.
    Named(NamedModerator),
    /// A device a moderator no more: its id in hex, and the named room (empty: the whole host).
    Unnamed(String, String),
    /// A name kept for a device (in place of any it had).
    Kept(KeptName),
    /// A device's kept name given back to it (its id in hex).
    Unkept(String),
    /// A ruling from another site, taken.
    Seen(SeenRuling),
    /// A room's mode turned on (in place of what it was) or off (`value` 0).
    Mode(StoredMode),
    /// A line of the moderation log (the oldest beyond [`MAX_STORED_LOG`] go).
    Logged(StoredLog),
}

/// Makes the table (older Coucous read the file without it, and do it no harm), with its
/// `device` column (added to a table from before devices; older Coucous read the other columns).
pub(super) fn create(conn: &Connection) -> Result<(), rusqlite::Error> {
    // The host's bans and mutes (`mute` says which), and each named room's own mutes.
    for (table, scope) in [
        ("moderation", "mute INTEGER NOT NULL"),
        ("room_mutes", "room TEXT NOT NULL"),
    ] {
        conn.execute(
            &format!(
                "CREATE TABLE IF NOT EXISTS {table} ({scope}, folded TEXT, typed TEXT, \
                 address TEXT, shown TEXT NOT NULL, by TEXT NOT NULL, reason TEXT, \
                 until INTEGER, device TEXT)"
            ),
            [],
        )?;
    }
    let has_device = conn
        .prepare("SELECT 1 FROM pragma_table_info('moderation') WHERE name = 'device'")?
        .exists([])?;
    if !has_device {
        conn.execute("ALTER TABLE moderation ADD COLUMN device TEXT", [])?;
    }
    conn.execute(
        "CREATE TABLE IF NOT EXISTS moderators (
             device TEXT PRIMARY KEY,
             shown TEXT NOT NULL,
             by TEXT NOT NULL
         )",
        [],
    )?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS rulings_seen (
             nonce TEXT PRIMARY KEY,
             until INTEGER NOT NULL
         )",
        [],
    )?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS room_moderators (
             device TEXT NOT NULL,
             room TEXT NOT NULL,
             shown TEXT NOT NULL,
             by TEXT NOT NULL,
             PRIMARY KEY (device, room)
         )",
        [],
    )?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS moderation_log (
             time INTEGER NOT NULL,
             by TEXT NOT NULL,
             what TEXT NOT NULL
         )",
        [],
    )?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS room_modes (
             mode TEXT NOT NULL,
             room TEXT NOT NULL,
             value INTEGER NOT NULL,
             PRIMARY KEY (mode, room)
         )",
        [],
    )?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS kept_names (
             folded TEXT PRIMARY KEY,
             device TEXT NOT NULL,
             name TEXT NOT NULL,
             until INTEGER NOT NULL
         )",
        [],
    )?;
    Ok(())
}

/// Writes `change`, in the caller's transaction if any.
pub(super) fn keep(conn: &Connection, change: &RuleChange) -> Result<(), rusqlite::Error> {
    let (mute, name_keys, address, device, room) = match change {
        RuleChange::Add(rule) => (
            rule.mute,
            &rule.name_keys,
            &rule.address,
            &rule.device,
            &rule.room,
        ),
        RuleChange::Lift {
            mute,
            name_keys,
            address,
            device,
            room,
        } => (*mute, name_keys, address, device, room),
        RuleChange::Named(named) if named.room.is_empty() => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO moderators (device, shown, by) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![named.device, named.shown, named.by])?;
            return Ok(());
        }
        RuleChange::Named(named) => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO room_moderators (device, room, shown, by) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![named.device, named.room, named.shown, named.by])?;
            return Ok(());
        }
        RuleChange::Unnamed(device, room) if room.is_empty() => {
            conn.prepare_cached("DELETE FROM moderators WHERE device = ?1")?
                .execute([device])?;
            return Ok(());
        }
        RuleChange::Unnamed(device, room) => {
            conn.prepare_cached("DELETE FROM room_moderators WHERE device = ?1 AND room = ?2")?
                .execute([device, room])?;
            return Ok(());
        }
        RuleChange::Kept(kept) => {
            conn.prepare_cached("DELETE FROM kept_names WHERE device = ?1")?
                .execute([&kept.device])?;
            conn.prepare_cached(
                "INSERT OR REPLACE INTO kept_names (folded, device, name, until) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                kept.folded,
                kept.device,
                kept.name,
                to_sql(kept.until)
            ])?;
            return Ok(());
        }
        RuleChange::Unkept(device) => {
            conn.prepare_cached("DELETE FROM kept_names WHERE device = ?1")?
                .execute([device])?;
            return Ok(());
        }
        RuleChange::Seen(seen) => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO rulings_seen (nonce, until) VALUES (?1, ?2)",
            )?
            .execute(params![seen.nonce, to_sql(seen.until)])?;
            return Ok(());
        }
        RuleChange::Mode(mode) if mode.value == 0 => {
            conn.prepare_cached("DELETE FROM room_modes WHERE mode = ?1 AND room = ?2")?
                .execute([mode.mode.as_str(), &mode.room])?;
            return Ok(());
        }
        RuleChange::Mode(mode) => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO room_modes (mode, room, value) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![mode.mode.as_str(), mode.room, to_sql(mode.value)])?;
            return Ok(());
        }
        RuleChange::Logged(line) => {
            conn.prepare_cached("INSERT INTO moderation_log (time, by, what) VALUES (?1, ?2, ?3)")?
                .execute(params![to_sql(line.time), line.by, line.what])?;
            conn.prepare_cached(
                "DELETE FROM moderation_log \
                 WHERE rowid <= (SELECT MAX(rowid) FROM moderation_log) - ?1",
            )?
            .execute([to_sql(MAX_STORED_LOG as u64)])?;
            return Ok(());
        }
    };
    let (folded, typed) = name_keys
        .as_ref()
        .map_or((None, None), |(f, t)| (Some(f.as_str()), Some(t.as_str())));
    // The host's rules of a kind, or one room's mutes: the rows the change is about.
    let (table, scope, scoped): (_, _, &dyn rusqlite::ToSql) = if room.is_empty() {
        ("moderation", "mute", &mute)
    } else {
        ("room_mutes", "room", room)
    };
    conn.prepare_cached(&format!(
        "DELETE FROM {table} WHERE {scope} = ?1 AND \
         (folded = ?2 OR typed = ?3 OR address = ?4 OR device = ?5)"
    ))?
    .execute(params![
        scoped,
        folded,
        typed,
        address.as_deref(),
        device.as_deref()
    ])?;
    if let RuleChange::Add(rule) = change {
        conn.prepare_cached(&format!(
            "INSERT INTO {table} \
             ({scope}, folded, typed, address, shown, by, reason, until, device) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ))?
        .execute(params![
            scoped,
            folded,
            typed,
            rule.address.as_deref(),
            rule.shown,
            rule.by,
            rule.reason.as_deref(),
            rule.until.map(to_sql),
            rule.device.as_deref(),
        ])?;
    }
    Ok(())
}

/// The rules still holding at `now`, the host's then each room's mutes, oldest first (those that
/// ended are forgotten). A row that says neither a name nor an address is left out.
pub(super) fn load(conn: &Connection, now: u64) -> Result<Vec<StoredRule>, rusqlite::Error> {
    let mut rules = Vec::new();
    // A room's mute names its room: a row without one says nothing.
    for (table, scope, only) in [
        ("moderation", "mute, ''", ""),
        ("room_mutes", "1, room", "WHERE room <> ''"),
    ] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE until IS NOT NULL AND until <= ?1"),
            [to_sql(now)],
        )?;
        load_from(conn, (table, scope, only), &mut rules)?;
    }
    Ok(rules)
}

/// Reads the rows of `table` that `only` keeps into `rules`, the columns `scope` saying whether
/// each is a mute and its room: at most [`MAX_STORED_RULES`] from a table, cleaned and cut.
fn load_from(
    conn: &Connection,
    (table, scope, only): (&str, &str, &str),
    rules: &mut Vec<StoredRule>,
) -> Result<(), rusqlite::Error> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {scope}, folded, typed, address, shown, by, reason, until, device FROM {table} \
         {only} ORDER BY rowid LIMIT ?1"
    ))?;
    let cut = |text: String| cut_to(&text, MAX_FIELD_CHARS);
    let rows = stmt.query_map([to_sql(MAX_STORED_RULES as u64)], |row| {
        Ok((
            (row.get::<_, bool>(0)?, row.get::<_, String>(1)?),
            row.get::<_, Option<String>>(2)?,
            row.get::<_, Option<String>>(3)?,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, String>(5)?,
            row.get::<_, String>(6)?,
            row.get::<_, Option<String>>(7)?,
            row.get::<_, Option<i64>>(8)?,
            row.get::<_, Option<String>>(9)?,
        ))
    })?;
    for row in rows {
        // A row that does not read as one is skipped, not fatal.
        let Ok(((mute, room), folded, typed, address, shown, by, reason, until, device)) = row
        else {
            continue;
        };
        let name_keys = folded.zip(typed).map(|(f, t)| (cut(f), cut(t)));
        if name_keys.is_none() && address.is_none() {
            continue;
        }
        // Only on a name's rule, and only as a device's id reads (anything else is dropped).
        let device = device
            .filter(|_| name_keys.is_some())
            .filter(|d| is_device_hex(d));
        rules.push(StoredRule {
            mute,
            name_keys,
            address: address.map(cut),
            shown: cut(shown),
            by: cut(by),
            reason: reason.map(cut),
            until: until.map(|u| u64::try_from(u).unwrap_or(0)),
            device,
            room: cut(room),
        });
    }
    Ok(())
}

/// The moderators the owners named, the host's then each room's, oldest first: a row whose device
/// is not a device's id (the file may have been tampered with) is left out, the rest cleaned and
/// cut.
pub(super) fn load_named(conn: &Connection) -> Result<Vec<NamedModerator>, rusqlite::Error> {
    let cut = |text: String| cut_to(&text, MAX_FIELD_CHARS);
    let mut named = Vec::new();
    for sql in [
        "SELECT device, shown, by, '' FROM moderators ORDER BY rowid LIMIT ?1",
        "SELECT device, shown, by, room FROM room_moderators WHERE room <> '' \
         ORDER BY rowid LIMIT ?1",
    ] {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([to_sql(MAX_NAMED as u64)], |row| {
            Ok(NamedModerator {
                device: row.get(0)?,
                shown: row.get(1)?,
                by: row.get(2)?,
                room: row.get(3)?,
            })
        })?;
        named.extend(
            rows.flatten()
                .filter(|n| is_device_hex(&n.device))
                .map(|n| NamedModerator {
                    shown: cut(n.shown),
                    by: cut(n.by),
                    ..n
                }),
        );
    }
    Ok(named)
}

/// The names still kept at `now`, those kept longest first (the ended are forgotten): a row whose
/// device is not a device's id is left out, the rest cleaned and cut.
pub(super) fn load_kept(conn: &Connection, now: u64) -> Result<Vec<KeptName>, rusqlite::Error> {
    conn.execute("DELETE FROM kept_names WHERE until <= ?1", [to_sql(now)])?;
    let mut stmt = conn.prepare(
        "SELECT device, folded, name, until FROM kept_names ORDER BY until DESC LIMIT ?1",
    )?;
    let cut = |text: String| cut_to(&text, MAX_FIELD_CHARS);
    let rows = stmt.query_map([to_sql(MAX_KEPT_NAMES as u64)], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, i64>(3)?,
        ))
    })?;
    Ok(rows
        .flatten()
        .filter(|(device, ..)| is_device_hex(device))
        .map(|(device, folded, name, until)| KeptName {
            device,
            folded: cut(folded),
            name: cut(name),
            until: u64::try_from(until).unwrap_or(0),
        })
        .collect())
}

/// The rulings taken still remembered at `now`, those remembered longest first (the rest are
/// forgotten); a row whose id is not 32 hex digits is left out.
pub(super) fn load_seen(conn: &Connection, now: u64) -> Result<Vec<SeenRuling>, rusqlite::Error> {
    conn.execute("DELETE FROM rulings_seen WHERE until <= ?1", [to_sql(now)])?;
    let mut stmt =
        conn.prepare("SELECT nonce, until FROM rulings_seen ORDER BY until DESC LIMIT ?1")?;
    let rows = stmt.query_map([to_sql(MAX_SEEN_RULINGS as u64)], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
    })?;
    Ok(rows
        .flatten()
        .filter(|(nonce, _)| nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|(nonce, until)| SeenRuling {
            nonce,
            until: u64::try_from(until).unwrap_or(0),
        })
        .collect())
}

/// The modes turned on, oldest first. A row the host could not have written is left out: a mode
/// it does not know, one off, classroom mode in a room, a room's name the room rules refuse
/// (control or invisible characters, a look-alike's mixed scripts, too long); slow mode's gap is
/// cut to what `/slow` allows.
pub(super) fn load_modes(conn: &Connection) -> Result<Vec<StoredMode>, rusqlite::Error> {
    let mut stmt =
        conn.prepare("SELECT mode, room, value FROM room_modes ORDER BY rowid LIMIT ?1")?;
    let rows = stmt.query_map([to_sql(MAX_STORED_MODES as u64)], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    Ok(rows
        .flatten()
        .filter_map(|(mode, room, value)| {
            let mode = Mode::parse(&mode)?;
            let value = u64::try_from(value).ok().filter(|v| *v > 0)?;
            // The default room, or a name the room rules give back as it is.
            let named = room.is_empty()
                || crate::protocol::name::validate_room(&room, "").is_ok_and(|n| n == room);
            if !named || (mode == Mode::Classroom && !room.is_empty()) {
                return None;
            }
            let value = match mode {
                Mode::Slow => value.min(MAX_SLOW_MS),
                Mode::Locked | Mode::Classroom => 1,
            };
            Some(StoredMode { mode, room, value })
        })
        .collect())
}

/// The moderation log's newest [`MAX_STORED_LOG`] lines, oldest first, cleaned and cut; a line
/// whose time is not a time is left out.
pub(super) fn load_log(conn: &Connection) -> Result<Vec<StoredLog>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT time, by, what FROM \
         (SELECT rowid, time, by, what FROM moderation_log ORDER BY rowid DESC LIMIT ?1) \
         ORDER BY rowid",
    )?;
    let rows = stmt.query_map([to_sql(MAX_STORED_LOG as u64)], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    Ok(rows
        .flatten()
        .filter_map(|(time, by, what)| {
            Some(StoredLog {
                time: u64::try_from(time).ok()?,
                by: cut_to(&by, MAX_FIELD_CHARS),
                what: cut_to(&what, MAX_LOG_CHARS),
            })
        })
        .collect())
}

/// `text` as read back: cleaned (no escapes, controls or invisible characters) and cut to `max`
/// characters.
fn cut_to(text: &str, max: usize) -> String {
    clean_text(text).chars().take(max).collect()
}

/// True when `text` reads as a device's id: 64 hex digits.
fn is_device_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().expect("a temp dir");
        let conn = Connection::open(dir.path().join("history.sqlite")).expect("a file");
        create(&conn).expect("the table");
        (dir, conn)
    }

    fn ban(keys: Option<(&str, &str)>, address: Option<&str>, until: Option<u64>) -> StoredRule {
        StoredRule {
            mute: false,
            name_keys: keys.map(|(f, t)| (f.to_owned(), t.to_owned())),
            address: address.map(str::to_owned),
            shown: "troll".into(),
            by: "teacher".into(),
            reason: None,
            until,
            device: None,
            room: String::new(),
        }
    }

    #[test]
    fn a_rule_replaces_the_one_on_the_same_name_and_a_lift_takes_it_out() {
        let (_dir, conn) = table();
        keep(
            &conn,
            &RuleChange::Add(ban(Some(("troll", "troll")), None, None)),
        )
        .unwrap();
        keep(
            &conn,
            &RuleChange::Add(ban(None, Some("10.0.0.7"), Some(500))),
        )
        .unwrap();
        keep(
            &conn,
            &RuleChange::Add(ban(Some(("troll", "x")), None, Some(900))),
        )
        .unwrap();
        let kept = load(&conn, 0).unwrap();
        assert_eq!(kept.len(), 2, "{kept:#?}");
        assert_eq!(kept[1].until, Some(900), "the newer rule on the name");
        assert_eq!(
            load(&conn, 500).unwrap().len(),
            1,
            "the address's ended, and is forgotten"
        );
        let lift = RuleChange::Lift {
            mute: true,
            name_keys: Some(("troll".into(), "troll".into())),
            address: None,
            device: None,
            room: String::new(),
        };
        keep(&conn, &lift).unwrap();
        assert_eq!(
            load(&conn, 500).unwrap().len(),
            1,
            "a mute's lift leaves a ban be"
        );
        let lift = RuleChange::Lift {
            mute: false,
            name_keys: Some(("nobody".into(), "x".into())),
            address: None,
            device: None,
            room: String::new(),
        };
        keep(&conn, &lift).unwrap();
        assert!(load(&conn, 500).unwrap().is_empty(), "either key finds it");
    }

    #[test]
    fn modes_are_kept_replaced_and_turned_off_and_a_tampered_row_is_left_out_or_cut() {
        let (_dir, conn) = table();
        let mode = |mode, room: &str, value| {
            RuleChange::Mode(StoredMode {
                mode,
                room: room.into(),
                value,
            })
        };
        for change in [
            mode(Mode::Locked, "", 1),
            mode(Mode::Slow, "Projet X", 30_000),
            mode(Mode::Slow, "Projet X", 60_000),
            mode(Mode::Classroom, "", 1),
            mode(Mode::Locked, "Cantine", 1),
            mode(Mode::Locked, "Cantine", 0),
        ] {
            keep(&conn, &change).unwrap();
        }
        let on = |mode, room: &str, value| StoredMode {
            mode,
            room: room.into(),
            value,
        };
        let kept = vec![
            on(Mode::Locked, "", 1),
            on(Mode::Slow, "Projet X", 60_000),
            on(Mode::Classroom, "", 1),
        ];
        assert_eq!(load_modes(&conn).unwrap(), kept);

        // What the host never writes: an unknown mode, a mode off or negative, classroom mode in
        // a room, a room's name with an invisible character, a look-alike's mixed scripts, a
        // control character or too long; a slow mode past an hour is cut to one.
        for (mode, room, value) in [
            ("ban", "Autre", 1),
            ("lock", "Off", 0),
            ("lock", "Minus", -5),
            ("classroom", "Projet X", 1),
            ("lock", "Pro\u{200b}jet", 1),
            ("lock", "Pr\u{43e}jet", 1),
            ("lock", "Projet\u{7}", 1),
            ("lock", &"x".repeat(10_000), 1),
            ("slow", "Cantine", i64::MAX),
        ] {
            conn.execute(
                "INSERT INTO room_modes (mode, room, value) VALUES (?1, ?2, ?3)",
                params![mode, room, value],
            )
            .unwrap();
        }
        let mut with_tampered = kept;
        with_tampered.push(on(Mode::Slow, "Cantine", 3_600_000));
        assert_eq!(load_modes(&conn).unwrap(), with_tampered);
    }

    #[test]
    fn the_log_keeps_its_newest_lines_in_order_and_a_tampered_line_is_cleaned_cut_or_left_out() {
        let (_dir, conn) = table();
        for n in 0..MAX_STORED_LOG as u64 + 5 {
            keep(
                &conn,
                &RuleChange::Logged(StoredLog {
                    time: n,
                    by: "ta".into(),
                    what: format!("line {n}"),
                }),
            )
            .unwrap();
        }
        let log = load_log(&conn).unwrap();
        assert_eq!(log.len(), MAX_STORED_LOG, "the oldest went");
        assert_eq!(log[0].what, "line 5");
        assert_eq!(
            log[MAX_STORED_LOG - 1].what,
            format!("line {}", MAX_STORED_LOG + 4)
        );
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM moderation_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, MAX_STORED_LOG as i64, "and left the file too");

        // Written by hand: a time that is none, escapes and invisible characters, a huge line.
        for (time, by, what) in [
            (-1, "ta".to_owned(), "before time".to_owned()),
            (7, "t\u{1b}[31ma".to_owned(), "ta \u{202e}locked".to_owned()),
            (8, "ta".to_owned(), "x".repeat(100_000)),
        ] {
            conn.execute(
                "INSERT INTO moderation_log (time, by, what) VALUES (?1, ?2, ?3)",
                params![time, by, what],
            )
            .unwrap();
        }
        let log = load_log(&conn).unwrap();
        let last: Vec<_> = log.iter().rev().take(2).rev().collect();
        assert_eq!(
            (last[0].time, last[0].by.as_str(), last[0].what.as_str()),
            (7, "ta", "ta locked")
        );
        assert_eq!(last[1].what.chars().count(), MAX_LOG_CHARS);
        assert!(log.iter().all(|line| line.what != "before time"));
    }

    #[test]
    fn a_room_s_mutes_are_kept_apart_from_the_host_s_and_lifted_in_that_room_only() {
        let (_dir, conn) = table();
        let mute_in = |room: &str| StoredRule {
            mute: true,
            room: room.into(),
            ..ban(Some(("pupil", "pupil")), None, None)
        };
        for room in ["Projet X", "Cantine"] {
            keep(&conn, &RuleChange::Add(mute_in(room))).unwrap();
        }
        keep(&conn, &RuleChange::Add(mute_in(""))).unwrap();
        let hosts: i64 = conn
            .query_row("SELECT COUNT(*) FROM moderation", [], |r| r.get(0))
            .unwrap();
        assert_eq!(hosts, 1, "an older Coucou sees the host's mute alone");
        let lift = |room: &str| RuleChange::Lift {
            mute: true,
            name_keys: Some(("pupil".into(), "pupil".into())),
            address: None,
            device: None,
            room: room.into(),
        };
        keep(&conn, &lift("Projet X")).unwrap();
        let rooms: Vec<String> = load(&conn, 0)
            .unwrap()
            .into_iter()
            .map(|r| r.room)
            .collect();
        assert_eq!(rooms, ["", "Cantine"]);
        // A row that names no room is no host-wide mute.
        conn.execute(
            "INSERT INTO room_mutes (room, folded, typed, shown, by) VALUES ('', 'a', 'a', 'a', 'b')",
            [],
        )
        .unwrap();
        keep(&conn, &lift("")).unwrap();
        let rooms: Vec<String> = load(&conn, 0)
            .unwrap()
            .into_iter()
            .map(|r| r.room)
            .collect();
        assert_eq!(rooms, ["Cantine"]);
    }

    #[test]
    fn a_tampered_table_is_read_cleaned_cut_and_without_rows_that_say_nothing() {
        let (_dir, conn) = table();
        let long = format!("\u{1b}[31m{}\u{202e}", "x".repeat(10_000));
        conn.execute(
            "INSERT INTO moderation (mute, folded, typed, address, shown, by, reason, until) \
             VALUES (0, NULL, NULL, NULL, 'nothing', 'x', NULL, NULL), \
                    (0, 'a', NULL, NULL, 'half a name', 'x', NULL, NULL), \
                    (1, NULL, NULL, 'not an address', ?1, ?1, ?1, NULL), \
                    (1, NULL, NULL, '10.0.0.1', 'past', 'x', NULL, -5)",
            [&long],
        )
        .unwrap();
        let kept = load(&conn, 0).unwrap();
        assert_eq!(kept.len(), 1, "a negative time is long past: {kept:#?}");
        let rule = &kept[0];
        assert!(rule.shown.chars().count() <= MAX_FIELD_CHARS);
        assert!(!rule.shown.contains('\u{1b}') && !rule.shown.contains('\u{202e}'));
        assert_eq!(
            rule.address.as_deref(),
            Some("not an address"),
            "the server reads it"
        );
    }

    #[test]
    fn named_moderators_and_kept_names_read_back_only_as_devices_and_while_they_last() {
        let (_dir, conn) = table();
        let device = "ab".repeat(32);
        let long = format!("\u{1b}[31m{}", "x".repeat(10_000));
        keep(
            &conn,
            &RuleChange::Named(NamedModerator {
                device: device.clone(),
                shown: long.clone(),
                by: "teacher".into(),
                room: String::new(),
            }),
        )
        .unwrap();
        keep(
            &conn,
            &RuleChange::Named(NamedModerator {
                device: device.clone(),
                shown: "bob".into(),
                by: "teacher".into(),
                room: "Projet X".into(),
            }),
        )
        .unwrap();
        let kept = |name: &str, until| KeptName {
            device: device.clone(),
            folded: name.into(),
            name: name.into(),
            until,
        };
        keep(&conn, &RuleChange::Kept(kept("bob", 900))).unwrap();
        keep(&conn, &RuleChange::Kept(kept("robert", 900))).unwrap();
        conn.execute(
            "INSERT INTO moderators (device, shown, by) VALUES ('not a device', 'x', 'y')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO kept_names (folded, device, name, until) VALUES ('eve', 'zz', 'eve', 900)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO room_moderators (device, room, shown, by) VALUES ('zz', 'Projet X', 'x', 'y')",
            [],
        )
        .unwrap();
        let named = load_named(&conn).unwrap();
        assert_eq!(named.len(), 2, "{named:#?}");
        assert_eq!(
            (named[0].room.as_str(), named[1].room.as_str()),
            ("", "Projet X")
        );
        assert!(
            named[0].shown.chars().count() <= MAX_FIELD_CHARS && !named[0].shown.contains('\u{1b}')
        );
        let names = load_kept(&conn, 0).unwrap();
        assert_eq!(
            names.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
            vec!["robert"],
            "a device keeps one name, and a row that names no device is left out"
        );
        assert!(load_kept(&conn, 900).unwrap().is_empty(), "ended");
        keep(&conn, &RuleChange::Unnamed(device.clone(), String::new())).unwrap();
        assert_eq!(load_named(&conn).unwrap().len(), 1, "the room's still");
        keep(&conn, &RuleChange::Unnamed(device, "Projet X".into())).unwrap();
        assert!(load_named(&conn).unwrap().is_empty());
    }

    #[test]
    fn rulings_taken_are_read_back_while_remembered_and_only_with_a_well_formed_id() {
        let (_dir, conn) = table();
        let seen = |nonce: &str, until| {
            RuleChange::Seen(SeenRuling {
                nonce: nonce.into(),
                until,
            })
        };
        keep(&conn, &seen(&"ab".repeat(16), 900)).unwrap();
        keep(&conn, &seen(&"cd".repeat(16), 500)).unwrap();
        conn.execute(
            "INSERT INTO rulings_seen (nonce, until) VALUES ('not an id', 900)",
            [],
        )
        .unwrap();
        let back = load_seen(&conn, 600).unwrap();
        assert_eq!(
            back,
            [SeenRuling {
                nonce: "ab".repeat(16),
                until: 900
            }],
            "the one no longer needed is forgotten, the malformed one left out"
        );
    }
}
