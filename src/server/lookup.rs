//! Answers what people ask of a room's past — a page of older messages, a search of one room or
//! of several — from the host's store, outside the room lock (reading may wait on the disk); from
//! the rooms' memory when the host keeps no store.

use std::sync::atomic::{AtomicBool, Ordering};

use log::warn;

use super::shared::Shared;
use crate::protocol::change::Quote;
use crate::protocol::device::DeviceId;
use crate::protocol::message::Chat;
use crate::protocol::{ErrorCode, ServerMsg};

/// How many messages a page holds when the client does not say.
pub const PAGE_DEFAULT: usize = 100;

/// The most messages a page holds, whatever the client asks.
pub const PAGE_MAX: usize = 500;

/// How many results a search gives when the client does not say.
pub const SEARCH_DEFAULT: usize = 20;

/// The most results a search gives, whatever the client asks.
pub const SEARCH_MAX: usize = 50;

/// The longest search, in bytes.
pub const MAX_SEARCH_BYTES: usize = 256;

/// Set once a read of the store failed, so the log says so once.
static READ_FAILED: AtomicBool = AtomicBool::new(false);

/// `limit` as asked, within `1..=max`; `default` when not asked.
fn clamp(limit: Option<u32>, default: usize, max: usize) -> usize {
    limit.map_or(default, |l| usize::try_from(l).unwrap_or(max).clamp(1, max))
}

/// The messages of `room` (a named room; `None`: the default room) before `before`, as a
/// `history` answer. The caller has checked that the asker is in the room.
pub(super) fn page(
    shared: &Shared,
    room: Option<&str>,
    before: Option<u64>,
    limit: Option<u32>,
) -> ServerMsg {
    let limit = clamp(limit, PAGE_DEFAULT, PAGE_MAX);
    let read = match shared.reader() {
        Some(reader) => reader
            .page_in(room, before, limit)
            .map_err(|err| err.to_string()),
        None => Ok(shared.lock_room().page(room, before, limit)),
    };
    match read {
        Ok((messages, more)) => ServerMsg::History {
            before,
            messages,
            more,
            label: None,
        },
        Err(err) => unavailable(shared, &err),
    }
}

/// The quote of the message `id` of `room` (a named room; `None`: the default room) as the store
/// keeps it, for a reply to a message older than the room's memory; `None` when it is not one
/// of that room's messages, or the host keeps no store. The caller has checked that the asker is
/// in the room.
pub(super) fn stored_quote(shared: &Shared, room: Option<&str>, id: u64) -> Option<Quote> {
    stored_message(shared, room, id).map(|chat| Quote::of(chat.id, &chat.from, &chat.text))
}

/// The message `id` of `room` (see [`stored_quote`]) as the store keeps it, for a reaction to a
/// message older than the room's memory.
pub(super) fn stored_message(shared: &Shared, room: Option<&str>, id: u64) -> Option<Chat> {
    match shared.reader()?.message_in(room, id) {
        Ok(chat) => chat,
        Err(err) => {
            unavailable(shared, &err.to_string());
            None
        }
    }
}

/// The private messages `device` sent or was sent, before `before`, as a `privates` answer;
/// refused to a connection that proved no device. A host that keeps no store gives back none.
pub(super) fn privates(
    shared: &Shared,
    device: Option<DeviceId>,
    before: Option<u64>,
    limit: Option<u32>,
) -> ServerMsg {
    let Some(device) = device else {
        return ServerMsg::error(
            ErrorCode::Unavailable,
            shared.config.lang.tr("error-privates-no-device"),
        );
    };
    let limit = clamp(limit, PAGE_DEFAULT, PAGE_MAX);
    let read = match shared.reader() {
        Some(reader) => reader
            .privates(device, before, limit)
            .map_err(|err| err.to_string()),
        None => Ok((Vec::new(), false)),
    };
    match read {
        Ok((messages, more)) => ServerMsg::Privates {
            before,
            messages,
            more,
            label: None,
        },
        Err(err) => unavailable(shared, &err),
    }
}

/// The newest messages of `rooms` (named rooms; `None`: the default room) holding every word of
/// `text`, with the asker's own private messages when their app proved `device`, newest first,
/// as a `results` answer. The caller has checked that the asker is in each room.
pub(super) fn search(
    shared: &Shared,
    (rooms, device): (&[Option<String>], Option<DeviceId>),
    text: &str,
    limit: Option<u32>,
) -> ServerMsg {
    let limit = clamp(limit, SEARCH_DEFAULT, SEARCH_MAX);
    let rooms: Vec<Option<&str>> = rooms.iter().map(Option::as_deref).collect();
    let read = match shared.reader() {
        Some(reader) => reader
            .search_among(&rooms, text, limit)
            .and_then(|mut found| {
                if let Some(device) = device {
                    found.extend(reader.search_privates(device, text, limit)?);
                    // Newest first, the two lists together: by time, as their ids are of two
                    // sequences.
                    found.sort_by_key(|f| std::cmp::Reverse(f.message.time));
                    found.truncate(limit);
                }
                Ok(found)
            })
            .map_err(|err| err.to_string()),
        None => Ok(shared.lock_room().search_among(&rooms, text, limit)),
    };
    match read {
        Ok(results) => ServerMsg::Results {
            text: text.to_owned(),
            results,
            label: None,
        },
        Err(err) => unavailable(shared, &err),
    }
}

fn unavailable(shared: &Shared, err: &str) -> ServerMsg {
    if !READ_FAILED.swap(true, Ordering::Relaxed) {
        warn!("the history could not be read ({err})");
    }
    ServerMsg::error(
        ErrorCode::Unavailable,
        shared.config.lang.tr("error-history-unavailable"),
    )
}
