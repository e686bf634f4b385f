//! A member's lines, once in the room: flood limits, commands decoded and cleaned, carried out by
//! the room (or answered outside it: pages, searches, files).

use super::*;

/// Reads and carries out a member's lines until they leave. Returns why, or `None` if the room
/// already took them out (they quit).
pub(super) fn chat(
    shared: &Shared,
    session: SessionId,
    ip: IpAddr,
    reader: &mut FrameReader<Transport>,
    joined: &Joined,
) -> Option<LeaveReason> {
    let now = Instant::now();
    let mut bucket = Bucket::new(shared.config.flood, now);
    let mut renames = Bucket::new(shared.config.rename_flood, now);
    let mut joins = Bucket::new(shared.config.room_flood, now);
    // The password exchanges begun for rooms with a password.
    let mut exchanges = password::RoomExchanges::default();
    let mut searches = Bucket::new(shared.config.search_flood, now);
    let mut typing = TypingFilters::default();
    // Every name this person has had, for stripping the C client's `name: ` prefix.
    let mut names = vec![joined.sent_name.clone(), joined.name.clone()];
    let lang = shared.config.lang;
    let reply = |msg: ServerMsg, room: Option<&str>| {
        let bytes = joined.dialect.encode(&msg, lang, room).into();
        if joined.outbox.push(bytes) == Pushed::First {
            joined.outbox.flush(&mut Vec::new());
        }
    };
    // Held while lines already read wait to be handled, so that they go out together.
    let mut turn = None;
    loop {
        if !reader.has_ready() {
            // About to wait for the network: let what is queued go out first.
            turn = None;
        }
        let frame = reader.next_frame();
        turn.get_or_insert_with(|| shared.turn());
        let line = match frame {
            Ok(Some(Frame::Line(line))) => line,
            Ok(Some(Frame::TooLong)) => {
                reply(too_long(lang).into(), None);
                continue;
            }
            Ok(Some(Frame::Ping(payload))) => {
                if joined.outbox.push(websocket::pong_frame(&payload).into()) == Pushed::First {
                    joined.outbox.flush(&mut Vec::new());
                }
                continue;
            }
            Ok(Some(Frame::Closed(close))) => {
                joined.outbox.push(web::goodbye(close, lang).into());
                return Some(LeaveReason::Disconnected);
            }
            Ok(None) | Err(_) => return Some(LeaveReason::Disconnected),
        };
        let (label, scope, asked) = match joined.dialect {
            Dialect::Plain => (None, Scope::Current, plain_command(&line, &names, lang)),
            Dialect::Json | Dialect::Web => json_command(&line, lang),
        };
        let named = scope.named();
        // What answers this line (an answer, or its refusal) carries the request's label, and
        // the room it named.
        let answer = |msg: ServerMsg| reply(msg.labelled(label), named);
        let asked = match asked {
            Ok(asked) => asked,
            Err(refused) => {
                answer(refused.into());
                continue;
            }
        };
        // Files are the default room's only, for now: one offered "in" a named room would reach
        // everyone in the default room.
        if named.is_some() && matches!(asked, Asked::Offer { .. } | Asked::Fetch(_)) {
            answer(ServerMsg::error(
                ErrorCode::Unavailable,
                lang.tr("error-files-main-room"),
            ));
            continue;
        }
        let (command, cid) = match asked {
            Asked::RoomPassword { room, msg, proof } => {
                if let Some(refused) = take(&mut joins, "joining", Instant::now(), lang) {
                    answer(refused.into());
                    continue;
                }
                // The check, and a wrong password's delay, keep no turn waiting.
                turn = None;
                let reply = password::room_password_answer(
                    shared,
                    (session, ip),
                    &scope,
                    &room,
                    (&msg, &proof),
                    &mut exchanges,
                    &answer,
                );
                reply.into_iter().for_each(answer);
                continue;
            }
            Asked::Command(Command::Rooms, _) => {
                if let Some(refused) = take(&mut bucket, "asking", Instant::now(), lang) {
                    answer(refused.into());
                    continue;
                }
                let list = shared.lock_room().list(session);
                answer(list);
                continue;
            }
            Asked::Command(Command::Oper(typed), _) => {
                if let Some(refused) = take(&mut bucket, "asking", Instant::now(), lang) {
                    answer(refused.into());
                    continue;
                }
                // The check (argon2), and a wrong password's delay, keep no turn waiting.
                turn = None;
                let told = password::oper(shared, (session, ip), reader.get_ref(), &typed);
                told.into_iter().for_each(answer);
                continue;
            }
            Asked::Command(command, cid) => (command, cid),
            Asked::Page { before, limit } => {
                if let Some(refused) = take(&mut bucket, "asking", Instant::now(), lang) {
                    answer(refused.into());
                    continue;
                }
                let room = match shared.lock_room().readable(session, &scope) {
                    Ok(room) => room,
                    Err(Refusal::Error(code, text)) => {
                        answer(ServerMsg::error(code, text));
                        continue;
                    }
                    Err(Refusal::Gone) => return None,
                };
                // Reading the store may wait on the disk: never during a turn in the room.
                turn = None;
                answer(lookup::page(shared, room.as_deref(), before, limit));
                continue;
            }
            Asked::Privates { before, limit } => {
                if let Some(refused) = take(&mut bucket, "asking", Instant::now(), lang) {
                    answer(refused.into());
                    continue;
                }
                turn = None;
                answer(lookup::privates(shared, joined.device, before, limit));
                continue;
            }
            Asked::Typing(active) => {
                let now = Instant::now();
                if let Some(refused) = take(&mut bucket, "typing", now, lang) {
                    answer(refused.into());
                } else if typing.of(named).tells_something(active, now) {
                    shared.lock_room().typing(session, &scope, active);
                }
                continue;
            }
            Asked::Offer {
                name,
                size,
                sha256,
                to,
            } => {
                if let Some(refused) = take(&mut bucket, "sending", Instant::now(), lang) {
                    answer(refused.into());
                    continue;
                }
                // The registry has its own lock; the room's is taken only to find `to`.
                turn = None;
                let me = names.last().map_or(joined.name.as_str(), String::as_str);
                answer(files::offer(
                    shared,
                    stash::Offerer { session, ip },
                    me,
                    &name,
                    size,
                    &sha256,
                    to.as_deref(),
                ));
                continue;
            }
            Asked::Fetch(file) => {
                if let Some(refused) = take(&mut bucket, "asking", Instant::now(), lang) {
                    answer(refused.into());
                    continue;
                }
                turn = None;
                let me = names.last().map_or(joined.name.as_str(), String::as_str);
                answer(files::fetch(shared, session, me, file));
                continue;
            }
            Asked::Search { text, limit } => {
                let now = Instant::now();
                if let Some(refused) = take(&mut searches, "searching", now, lang)
                    .or_else(|| take(&mut bucket, "asking", now, lang))
                {
                    answer(refused.into());
                    continue;
                }
                // `"room":"*"`: every room the asker is in.
                let rooms = if named == Some(EVERY_ROOM) {
                    shared.lock_room().readable_all(session)
                } else {
                    match shared.lock_room().readable(session, &scope) {
                        Ok(room) => vec![room],
                        Err(Refusal::Error(code, text)) => {
                            answer(ServerMsg::error(code, text));
                            continue;
                        }
                        Err(Refusal::Gone) => return None,
                    }
                };
                turn = None;
                answer(lookup::search(
                    shared,
                    (&rooms, joined.device),
                    &text,
                    limit,
                ));
                continue;
            }
        };
        if let Some(refused) = flood_check(
            &command,
            [&mut bucket, &mut renames, &mut joins],
            Instant::now(),
            lang,
        ) {
            answer(ServerMsg::from(refused).refusing(cid));
            continue;
        }
        if let Command::Join(words) = &command {
            let protected = {
                let house = shared.lock_room();
                let found = match joined.dialect {
                    Dialect::Json | Dialect::Web => {
                        house.protected(words).map(|(room, key)| (room, key, None))
                    }
                    Dialect::Plain => house.protected_words(words),
                };
                found.filter(|(room, _, _)| !house.is_in(session, room))
            };
            if let Some(protected) = protected {
                // A typed password is checked here (argon2), and a wrong one waits: no turn held.
                turn = None;
                let reply = password::join_protected(
                    shared,
                    (session, ip),
                    reader.get_ref(),
                    joined.dialect,
                    &scope,
                    protected,
                    &mut exchanges,
                );
                reply.into_iter().for_each(answer);
                continue;
            }
        }
        // A reply to a message older than the room remembers: the store has it (or not), read
        // outside the room lock.
        let command = match command {
            Command::Reply { to, text, .. } if shared.reader().is_some() => {
                drop(turn.take());
                let room = shared.lock_room().readable(session, &scope);
                let stored = room
                    .ok()
                    .and_then(|room| lookup::stored_quote(shared, room.as_deref(), to));
                turn = Some(shared.turn());
                Command::Reply { to, text, stored }
            }
            command => command,
        };
        // A reaction to a message older than the room remembers: read from the store outside
        // the lock, then kept by the room for every change from now on.
        if let (Command::React { id, .. }, Some(_)) = (&command, shared.reader()) {
            let forgotten = shared.lock_room().forgotten(session, &scope, *id);
            if let Some(room) = forgotten {
                drop(turn.take());
                let stored = lookup::stored_message(shared, room.as_deref(), *id);
                turn = Some(shared.turn());
                if let Some(chat) = stored {
                    shared.lock_room().recall(session, &scope, chat);
                }
            }
        }
        if matches!(
            command,
            Command::Say(_) | Command::Me(_) | Command::Reply { .. }
        ) {
            // The message ends the typing, in the room too: a new "typing" is news again.
            typing.of(named).told = None;
        }
        let raw_nick = match &command {
            Command::Nick(raw) => Some(raw.clone()),
            _ => None,
        };
        // A new name in a linked room is claimed across its sites first, outside the room.
        let claimed = match (&raw_nick, shared.link()) {
            (Some(raw), Some(link)) => {
                // The broker may take a moment: nobody's flush waits for this session meanwhile.
                drop(turn.take());
                let claimed =
                    linking::claim_for_rename(link, raw, names.last().map(String::as_str));
                turn = Some(shared.turn());
                match claimed {
                    Ok(claimed) => claimed,
                    Err(err) => {
                        answer(Refused(ErrorCode::from(&err), err.describe(lang)).into());
                        continue;
                    }
                }
            }
            _ => None,
        };
        let next = shared
            .lock_room()
            .handle_sent(session, &scope, command, cid);
        if let Some(claim) = claimed {
            claim.renamed(match &next {
                Next::Renamed(new) => Some(new.as_str()),
                _ => None,
            });
        }
        match next {
            Next::Close => return None,
            Next::Continue => {}
            Next::Renamed(new) => {
                if names.len() + 2 > MAX_NAMES_KEPT {
                    names.drain(2..4);
                }
                names.extend(raw_nick);
                names.push(new);
            }
        }
    }
}

/// The room's own rule for "typing" ([`crate::server::room::TYPING_RELAY_MS`]), kept by the session too, so
/// that the many that would change nothing for the others (a client says it again every 3 s, a
/// hostile one as often as the flood limit lets it) never take the room lock.
#[derive(Debug, Default)]
struct TypingFilter {
    /// When the room was last asked to pass on a "typing"; `None` after a "stopped" or a message.
    told: Option<Instant>,
}

impl TypingFilter {
    /// True when the room would pass this on: a "typing" not said within the relay window, or a
    /// "stopped" after a "typing". Records it.
    fn tells_something(&mut self, active: bool, now: Instant) -> bool {
        let window = Duration::from_millis(crate::server::room::TYPING_RELAY_MS);
        let news = match (active, self.told) {
            (true, Some(at)) => now.duration_since(at) >= window,
            (true, None) => true,
            (false, told) => told.is_some(),
        };
        if news {
            self.told = active.then_some(now);
        }
        news
    }
}

/// A [`TypingFilter`] per room, by the room a line names (`None`: the default room, or a
/// terminal's one room): typing in one room is news in another.
#[derive(Debug, Default)]
struct TypingFilters(HashMap<Option<String>, TypingFilter>);

/// How many rooms' typing a session remembers at once; past it, it starts again (a line naming
/// many rooms costs at most a lock each, as a message does).
const MAX_TYPING_ROOMS: usize = 64;

impl TypingFilters {
    /// The filter for the room `room` names.
    fn of(&mut self, room: Option<&str>) -> &mut TypingFilter {
        let key = room.map(str::to_owned);
        if self.0.len() >= MAX_TYPING_ROOMS && !self.0.contains_key(&key) {
            self.0.clear();
        }
        self.0.entry(key).or_default()
    }
}

/// What a line asks for.
enum Asked {
    /// A command for the room, with the client's id for it if it gave one.
    Command(Command, Option<Cid>),
    /// A page of older messages (JSON `history`).
    Page {
        before: Option<u64>,
        limit: Option<u32>,
    },
    /// A page of the asker's own private messages (JSON `privates`).
    Privates {
        before: Option<u64>,
        limit: Option<u32>,
    },
    /// A search (JSON `search`, plain `/search`).
    Search { text: String, limit: Option<u32> },
    /// Typing, or stopped (JSON `typing`).
    Typing(bool),
    /// A file offered (JSON `offer`).
    Offer {
        name: String,
        size: u64,
        sha256: String,
        to: Option<String>,
    },
    /// A file asked for (JSON `fetch`).
    Fetch(u64),
    /// The answer to the password asked for a room (JSON `password` with `room`), in hex.
    RoomPassword {
        room: String,
        msg: String,
        proof: String,
    },
}

/// Takes a token from `bucket`; a refusal saying what was too fast if there is none.
/// `what` names the kind of request: `sending`, `renaming`, `asking`, `searching`, `typing`,
/// `naming` (names tried before joining).
fn take(bucket: &mut Bucket, what: &str, now: Instant, lang: Lang) -> Option<Refused> {
    if bucket.take(now) {
        return None;
    }
    Some(too_fast(what, bucket.wait_hint(), lang))
}

/// The refusal of something done too fast (`what`, as [`take`] names it), to wait `wait`.
pub(super) fn too_fast(what: &str, wait: Duration, lang: Lang) -> Refused {
    // Tenths of a second, rounded up: never "wait 0 s".
    let tenths = wait.as_millis().div_ceil(100).max(1);
    #[allow(clippy::cast_precision_loss)] // tenths of a second: small
    let seconds = tenths as f64 / 10.0;
    Refused(
        ErrorCode::Flood,
        tr!(lang, "error-flood", what = what, seconds = seconds),
    )
}

/// Takes a token for `command` (two for a rename, or a room joined or left: one from each limit);
/// a refusal if there is none. Leaving is never refused.
fn flood_check(
    command: &Command,
    [bucket, renames, joins]: [&mut Bucket; 3],
    now: Instant,
    lang: Lang,
) -> Option<Refused> {
    match command {
        Command::Quit => None,
        Command::Nick(_) => {
            take(renames, "renaming", now, lang).or_else(|| take(bucket, "sending", now, lang))
        }
        // Joining and leaving rooms in a loop costs every room's people: as slow as renames.
        Command::Join(_) | Command::Part => {
            take(joins, "joining", now, lang).or_else(|| take(bucket, "sending", now, lang))
        }
        _ => take(bucket, "sending", now, lang),
    }
}

/// What a search's `room` says to cover every room its asker is in (no room is called so: `*` is
/// not a name's character).
const EVERY_ROOM: &str = "*";

/// A line refused with an error for its sender only; the session goes on.
pub(super) struct Refused(pub(super) ErrorCode, pub(super) String);

impl From<Refused> for ServerMsg {
    fn from(Refused(code, message): Refused) -> Self {
        ServerMsg::error(code, message)
    }
}

fn too_long(lang: Lang) -> Refused {
    Refused(
        ErrorCode::TooLong,
        tr!(lang, "error-message-too-long", max = MAX_MESSAGE_BYTES),
    )
}

/// Why a JSON line could not be read, in `lang`, with serde's own detail (which quotes nothing of
/// the line beyond a field name, cleaned).
pub(super) fn malformed(lang: Lang, err: &message::DecodeError) -> String {
    tr!(lang, "error-malformed", detail = clean_text(&err.detail()))
}

/// A plain line: the C client's `name: ` prefix (for any name the sender has had) dropped, then
/// parsed as a command.
fn plain_command(line: &[u8], names: &[String], lang: Lang) -> Result<Asked, Refused> {
    let text = String::from_utf8_lossy(line);
    typed_line(command::strip_name_prefix(&text, names), lang)
}

/// A line as typed (a terminal's, or a JSON client's `typed`): the command it gives, or why not.
fn typed_line(text: &str, lang: Lang) -> Result<Asked, Refused> {
    let command = command::parse(text).map_err(|err| match err {
        command::CommandError::Unknown(_) => {
            Refused(ErrorCode::UnknownCommand, clean_text(&err.describe(lang)))
        }
        command::CommandError::Usage(_) => Refused(ErrorCode::BadUsage, err.describe(lang)),
    })?;
    match cleaned(command, lang)? {
        Command::Search(text) => search_words(text, None, lang),
        command => Ok(Asked::Command(command, None)),
    }
}

/// A search, its words' length checked.
fn search_words(text: String, limit: Option<u32>, lang: Lang) -> Result<Asked, Refused> {
    if text.len() > lookup::MAX_SEARCH_BYTES {
        return Err(Refused(
            ErrorCode::TooLong,
            tr!(
                lang,
                "error-search-too-long",
                max = lookup::MAX_SEARCH_BYTES
            ),
        ));
    }
    Ok(Asked::Search { text, limit })
}

/// A JSON line, decoded, with its request's label if it has one; its text limits checked.
fn json_command(line: &[u8], lang: Lang) -> (Option<Label>, Scope, Result<Asked, Refused>) {
    match message::decode_client_in(line) {
        Ok((ClientMsg::JoinRoom {}, Some(room))) => (
            None,
            Scope::Named(room.clone()),
            Ok(Asked::Command(Command::Join(room), None)),
        ),
        Ok((ClientMsg::Password { msg, proof }, Some(room))) => (
            None,
            Scope::Named(room.clone()),
            Ok(Asked::RoomPassword { room, msg, proof }),
        ),
        Ok((ClientMsg::JoinRoom {}, None)) => (
            None,
            Scope::Default,
            Err(Refused(ErrorCode::BadUsage, lang.tr("error-join-which"))),
        ),
        Ok((msg, room)) => (
            msg.label(),
            room.map_or(Scope::Default, Scope::Named),
            json_asked(msg, lang),
        ),
        Err(err) => (
            None,
            Scope::Default,
            Err(Refused(ErrorCode::Malformed, malformed(lang, &err))),
        ),
    }
}

/// What a decoded JSON message asks for; its text limits checked.
fn json_asked(msg: ClientMsg, lang: Lang) -> Result<Asked, Refused> {
    let fits = |text: String| {
        if text.len() > MAX_MESSAGE_BYTES {
            Err(too_long(lang))
        } else {
            Ok(text)
        }
    };
    let msg = match msg {
        ClientMsg::History { before, limit, .. } => return Ok(Asked::Page { before, limit }),
        ClientMsg::Privates { before, limit, .. } => {
            return Ok(Asked::Privates { before, limit });
        }
        ClientMsg::Search { text, limit, .. } => {
            return search_words(clean_text(&text), limit, lang);
        }
        ClientMsg::Typing { active } => return Ok(Asked::Typing(active)),
        ClientMsg::Offer {
            name,
            size,
            sha256,
            to,
            ..
        } => {
            return Ok(Asked::Offer {
                name,
                size,
                sha256,
                to,
            });
        }
        ClientMsg::Fetch { file, .. } => return Ok(Asked::Fetch(file)),
        ClientMsg::Typed { text } => return typed_line(&fits(text)?, lang),
        msg => msg,
    };
    let (command, cid) = Command::from_client_msg(msg)
        .ok_or_else(|| Refused(ErrorCode::Malformed, lang.tr("error-already-joined")))?;
    if let Some(cid) = &cid
        && !message::is_valid_cid(cid)
    {
        return Err(Refused(
            ErrorCode::Malformed,
            tr!(lang, "error-bad-cid", max = message::MAX_CID_BYTES),
        ));
    }
    let command = match command {
        Command::Say(text) => Command::Say(fits(text)?),
        Command::Me(text) => Command::Me(fits(text)?),
        Command::Msg { to, text } => Command::Msg {
            to,
            text: fits(text)?,
        },
        Command::Reply { to, text, stored } => Command::Reply {
            to,
            text: fits(text)?,
            stored,
        },
        Command::Edit { id, text } => Command::Edit {
            id,
            text: fits(text)?,
        },
        Command::React { emoji, .. } if !crate::protocol::change::is_valid_emoji(&emoji) => {
            return Err(Refused(
                ErrorCode::Malformed,
                tr!(
                    lang,
                    "error-bad-emoji",
                    max = crate::protocol::change::MAX_EMOJI_BYTES
                ),
            ));
        }
        other => other,
    };
    Ok(Asked::Command(cleaned(command, lang)?, cid))
}

/// Cleans what will be shown to others; a message that shows nothing once cleaned is refused. Names
/// are not cleaned: the name rules refuse what cleaning would remove.
fn cleaned(command: Command, lang: Lang) -> Result<Command, Refused> {
    let visible = |text: &str| {
        let text = clean_text(text);
        if is_blank(&text) {
            Err(Refused(ErrorCode::Empty, lang.tr("error-empty")))
        } else {
            Ok(text)
        }
    };
    Ok(match command {
        Command::Say(text) => Command::Say(visible(&text)?),
        Command::Me(text) => Command::Me(visible(&text)?),
        Command::Reply { to, text, stored } => Command::Reply {
            to,
            text: visible(&text)?,
            stored,
        },
        Command::Edit { id, text } => Command::Edit {
            id,
            text: visible(&text)?,
        },
        Command::Msg { to, text } => Command::Msg {
            to: clean_text(&to),
            text: visible(&text)?,
        },
        Command::Search(text) => Command::Search(clean_text(&text)),
        // A topic that shows nothing once cleaned clears it.
        Command::Topic(Some(text)) => {
            let text = clean_text(&text);
            Command::Topic(Some(if is_blank(&text) { String::new() } else { text }))
        }
        Command::Away {
            reason: Some(reason),
            auto,
        } => {
            let reason = clean_text(&reason);
            if reason.len() > MAX_AWAY_BYTES {
                return Err(Refused(
                    ErrorCode::TooLong,
                    tr!(lang, "error-away-too-long", max = MAX_AWAY_BYTES),
                ));
            }
            Command::Away {
                reason: (!is_blank(&reason)).then_some(reason),
                auto,
            }
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typing_filter_lets_through_what_the_room_would_pass_on() {
        let mut filter = TypingFilter::default();
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        assert!(
            !filter.tells_something(false, at(0)),
            "stopped, never typing"
        );
        assert!(filter.tells_something(true, at(0)));
        assert!(
            !filter.tells_something(true, at(1_000)),
            "said again too soon"
        );
        assert!(!filter.tells_something(true, at(2_499)));
        assert!(filter.tells_something(true, at(2_500)), "renewed");
        assert!(filter.tells_something(false, at(2_600)));
        assert!(!filter.tells_something(false, at(2_700)), "stopped once");
        assert!(filter.tells_something(true, at(2_800)), "typing again");
        // A message ends the typing: the next one is news at once.
        filter.told = None;
        assert!(filter.tells_something(true, at(2_900)));
    }
}
