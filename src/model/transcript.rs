//! Writes a conversation as plain text with dates and times, for "Export transcript…".

use std::io::{self, Write};

use chrono::{Local, TimeZone};

use super::chat::{ChatModel, Entry, EntryKind};
use crate::i18n::Lang;
use crate::tr;

/// Local date and time of a message time (ms since the epoch), `YYYY-MM-DD HH:MM`.
pub fn local_date_time(time_ms: u64) -> String {
    local(time_ms).map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M").to_string())
}

/// Local `HH:MM` of a message time.
pub fn local_hour_minute(time_ms: u64) -> String {
    local(time_ms).map_or_else(String::new, |t| t.format("%H:%M").to_string())
}

/// The local calendar day of a message time, to tell where days change.
pub fn local_day(time_ms: u64) -> Option<chrono::NaiveDate> {
    local(time_ms).map(|t| t.date_naive())
}

/// A day as a heading, as `lang` writes it: `Tuesday, December 1, 2026`, `mardi 1 décembre 2026`.
pub fn day_heading(day: chrono::NaiveDate, lang: Lang) -> String {
    lang.long_date(day)
}

/// A message time in local time. The offset from UTC is looked up once per hour of time and
/// remembered (the chat view asks for every row in view, every frame; asking the system's time zone
/// each time cost more than drawing the row).
fn local(time_ms: u64) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    use std::cell::Cell;
    thread_local! {
        /// The hour (ms / 3,600,000) last looked up, and its offset in seconds.
        static LAST: Cell<Option<(u64, i32)>> = const { Cell::new(None) };
    }
    if time_ms == 0 {
        return None;
    }
    let millis = i64::try_from(time_ms).ok()?;
    let hour = time_ms / 3_600_000;
    let offset = match LAST.get() {
        Some((h, offset)) if h == hour => offset,
        _ => {
            let offset = Local
                .timestamp_millis_opt(millis)
                .single()?
                .offset()
                .local_minus_utc();
            LAST.set(Some((hour, offset)));
            offset
        }
    };
    chrono::FixedOffset::east_opt(offset)?
        .timestamp_millis_opt(millis)
        .single()
}

/// One entry as a transcript line in `lang`, without the time.
pub fn entry_text(entry: &Entry, lang: Lang) -> String {
    match &entry.kind {
        EntryKind::Chat {
            from,
            text,
            action: true,
            ..
        } => format!("* {from} {text}"),
        EntryKind::Chat { from, text, .. } => format!("{from}: {text}"),
        EntryKind::Private { from, to, text, .. } => {
            let private = lang.tr("plain-private");
            format!("[{private}] {from} -> {to}: {text}")
        }
        EntryKind::Notice(text) => format!("* {text}"),
        EntryKind::Error(text) => format!("! {text}"),
        EntryKind::Plain(text) => text.clone(),
        EntryKind::File(offer) => format!("* {}", super::chat::file_offer_text(offer, "", lang)),
    }
}

/// Writes the whole conversation: a header, then one line per entry (lines of a multi-line entry
/// are indented under it).
pub fn write_transcript(
    model: &ChatModel,
    exported_at_ms: u64,
    out: &mut impl Write,
) -> io::Result<()> {
    let header = tr!(
        model.lang,
        "transcript-header",
        room = model.room.as_str(),
        when = local_date_time(exported_at_ms)
    );
    writeln!(out, "{header}")?;
    writeln!(out)?;
    for entry in &model.entries {
        let when = local_date_time(entry.time);
        let when = if when.is_empty() {
            " ".repeat(16)
        } else {
            when
        };
        let text = entry_text(entry, model.lang);
        let mut lines = text.lines();
        writeln!(out, "{when}  {}", lines.next().unwrap_or_default())?;
        for more in lines {
            writeln!(out, "{}  {more}", " ".repeat(16))?;
        }
    }
    out.flush()
}

/// Where the app's own save dialog proposes to save: the Documents folder if there is one, else the
/// home folder, else the current folder.
pub fn default_folder() -> std::path::PathBuf {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(std::path::PathBuf::from);
    match home {
        Some(home) if home.join("Documents").is_dir() => home.join("Documents"),
        Some(home) => home,
        None => std::path::PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_has_dates_times_and_every_kind_of_line() {
        let mut model = ChatModel::new("Salle 12", "alice");
        let t = 1_700_000_000_000;
        model.push_local(t, EntryKind::chat("bob".into(), "hi".into(), false, false));
        model.push_local(
            t + 60_000,
            EntryKind::chat("alice".into(), "waves".into(), true, true),
        );
        model.push_local(t, EntryKind::Notice("line one\nline two".into()));
        model.push_local(
            t,
            EntryKind::Private {
                from: "bob".into(),
                to: "alice".into(),
                text: "psst".into(),
                own: false,
            },
        );
        let mut out = Vec::new();
        write_transcript(&model, t, &mut out).unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8(out).unwrap_or_default();
        let stamp = local_date_time(t);
        let later = local_date_time(t + 60_000);
        let expected = format!(
            "Coucou transcript — Salle 12 — exported {stamp}\n\n\
             {stamp}  bob: hi\n\
             {later}  * alice waves\n\
             {stamp}  * line one\n\
             {pad}  line two\n\
             {stamp}  [private] bob -> alice: psst\n",
            pad = " ".repeat(16)
        );
        assert_eq!(text, expected);
        assert_eq!(stamp.len(), 16, "YYYY-MM-DD HH:MM");
    }
}
