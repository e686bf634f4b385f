//! The room when it is one of several linked servers (#15): what its people do goes to the other
//! sites through a [`Relay`] (the link to the broker) and is shown when it comes back from the
//! stream, in the stream's order, with the stream's sequence as its id; what the others do comes
//! the same way. While the broker can't be reached (island mode), what its people do is shown at
//! once with ids of its own and waits to be published; coming back from the stream, it is
//! kept with its sequence but not shown twice.
//!
//! Who is at the other sites comes from their beacons: a site not heard from for
//! [`PRESENCE_TIMEOUT`] is gone, and every site that noticed says its people left, under one id
//! the stream keeps once.

use std::collections::{HashMap, VecDeque};

use super::{Mailbox, Room, SessionId};
use crate::i18n::Lang;
use crate::link::{Beacon, Envelope, LinkNews, MAX_WAITING, PRESENCE_TIMEOUT, claim_key, gone_id};
use crate::protocol::change::{QUOTE_CHARS, Quote, Reacted, is_valid_emoji};
use crate::protocol::message::FileOffer;
use crate::protocol::name::{self, NameKey};
use crate::protocol::sanitize::clean_text;
use crate::protocol::{Chat, LeaveReason, MAX_MESSAGE_BYTES, ServerMsg};
use crate::tr;

/// Where the room hands its events to the other sites. Called under the room lock: every method
/// only queues, none waits on the broker.
pub trait Relay: Send + Sync + std::fmt::Debug {
    /// This server's name among the linked ones.
    fn origin(&self) -> &str;
    /// This run of this server.
    fn boot(&self) -> &str;
    /// Publishes an event with this run's id `id` for it.
    fn publish(&self, id: String, msg: ServerMsg);
    /// Publishes an event under an id every server gives it (the stream keeps one).
    fn publish_shared(&self, id: String, msg: ServerMsg);
    /// Gives a name's claim back.
    fn release(&self, key: String);
    /// The host keeps `name` for a device away (`on`), or no more: claimed all the while.
    fn keep_name(&self, name: &str, on: bool);
    /// Says who is here now.
    fn people(&self, people: Vec<String>);
    /// What every linked room of the host shares.
    fn share(&self) -> &LinkShare;
}

/// How many people a beacon may list, and how many sites are heard: a hostile beacon costs
/// bounded memory.
const MAX_SITE_PEOPLE: usize = 10_000;
const MAX_SITES: usize = 64;

/// The longest server name taken from the broker.
const MAX_ORIGIN_CHARS: usize = 64;

/// One other site, as its beacons say.
#[derive(Debug)]
struct Site {
    /// Which run of it.
    boot: String,
    /// Its people, with what their names are compared by.
    people: Vec<(String, NameKey)>,
    /// Those of them whose join this server read on the stream: only they are said to leave
    /// when the site goes (a name only a beacon listed costs nothing to list, and must not
    /// become a stored event at every site).
    joined: std::collections::HashSet<String>,
    /// When it was last heard from (the room's clock).
    heard: u64,
    /// When its people were last taken from a beacon (the room's clock).
    listed: Option<u64>,
}

/// Where the ids of events shown while the broker is away start: above any stream's
/// sequence, and with the clock's milliseconds times [`ISLAND_IDS_PER_MS`] still below 2^53 (a
/// JavaScript number holds them exactly) until the year 2500.
const ISLAND_IDS: u64 = 1 << 52;

/// Island ids a millisecond holds before they run ahead of the clock.
const ISLAND_IDS_PER_MS: u64 = 16;

/// How often one site's beacon is read for its people at most (it is sent every second, and
/// on change); more often, it only says the site is alive.
const BEACON_EVERY_MS: u64 = 500;

/// How many names from beacons the room reads in a second at most, all sites together: a
/// flood of beacons from fake sites can't take the processors (64 sites of 10,000 names twice
/// a second would be 1,280,000 name checks a second).
const BEACON_NAMES_PER_SECOND: u32 = 20_000;

/// One of this server's events on its way through the stream.
#[derive(Debug)]
struct InFlight {
    /// Its id in this run.
    id: String,
    /// The event, to show at once if the broker goes away before it is back.
    msg: ServerMsg,
    /// Whether newcomers get it.
    in_history: bool,
    /// The id it was shown under while the broker was away, if it was.
    shown_as: Option<u64>,
    /// The session here that said or changed it (a message's author may change it).
    author: Option<SessionId>,
}

/// The room's side of the link.
#[derive(Debug)]
pub struct Linked {
    relay: Box<dyn Relay>,
    /// Whether the broker is reachable.
    up: bool,
    /// Whether the people here were told the other sites are unreachable.
    told_down: bool,
    /// The id of this run's next event.
    next_local: u64,
    /// This server's events not yet back from the stream, oldest first.
    in_flight: VecDeque<InFlight>,
    /// The last sequence read from the stream.
    last_seq: u64,
    /// The other sites, by name.
    sites: HashMap<String, Site>,
}

/// What a host's linked rooms share: one budget of names read from beacons (at most
/// [`BEACON_NAMES_PER_SECOND`], all rooms together) and one range of island ids (two rooms
/// never show one id on two messages).
#[derive(Debug, Default)]
pub struct LinkShare {
    budget: std::sync::Mutex<NameBudget>,
    /// The last id an event shown in island mode took (0: none yet).
    last_island: std::sync::atomic::AtomicU64,
}

impl LinkShare {
    /// Takes `n` names at `now` (ms), if the second's budget has them.
    fn take_names(&self, n: u32, now: u64) -> bool {
        self.budget
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take_n(n, now)
    }

    /// An id for an event shown while the broker is away, at `now` (ms): above any sequence the
    /// stream will give, after the clock and after the last one, so that no id a client saw in
    /// island mode is ever given to another event — not by the stream when it comes back, nor
    /// in a later outage or run, nor in another room.
    fn island_id(&self, now: u64) -> u64 {
        let at_clock = ISLAND_IDS.saturating_add(now.saturating_mul(ISLAND_IDS_PER_MS));
        let next = |last: u64| at_clock.max(last.saturating_add(1));
        let last = self
            .last_island
            .fetch_update(
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
                |last| Some(next(last)),
            )
            .unwrap_or_default();
        next(last)
    }
}

/// A budget of names read from beacons, refilled each second of the room's clock.
#[derive(Debug, Default)]
struct NameBudget {
    /// The second (of the room's clock) it counts.
    second: u64,
    /// Names read in it.
    used: u32,
}

impl NameBudget {
    /// Takes `n` names at `now` (ms), if the second's budget has them.
    fn take_n(&mut self, n: u32, now: u64) -> bool {
        let second = now / 1000;
        if second != self.second {
            self.second = second;
            self.used = 0;
        }
        if self.used.saturating_add(n) > BEACON_NAMES_PER_SECOND {
            return false;
        }
        self.used += n;
        true
    }
}

impl Linked {
    /// The room's side of a link through `relay`, which reads from after sequence `last_seq`.
    pub fn new(relay: Box<dyn Relay>, last_seq: u64) -> Self {
        Self {
            relay,
            // Until the link says otherwise: events wait for the stream (a broker that can't
            // be reached at start is said within its connection timeout).
            up: true,
            told_down: false,
            next_local: 1,
            in_flight: VecDeque::new(),
            last_seq,
            sites: HashMap::new(),
        }
    }

    /// The site `origin`, met now in its run `boot` if it is new; `None` when it is new and
    /// [`MAX_SITES`] are known already.
    fn site(&mut self, origin: &str, boot: &str, now: u64) -> Option<&mut Site> {
        if self.sites.len() >= MAX_SITES && !self.sites.contains_key(origin) {
            return None;
        }
        Some(self.sites.entry(origin.to_owned()).or_insert(Site {
            boot: boot.to_owned(),
            people: Vec::new(),
            joined: std::collections::HashSet::new(),
            heard: now,
            listed: None,
        }))
    }

    /// The names at the other sites.
    fn remote_names(&self) -> impl Iterator<Item = &(String, NameKey)> + Clone {
        self.sites.values().flat_map(|site| site.people.iter())
    }
}

impl super::Named for (String, NameKey) {
    fn name(&self) -> &str {
        &self.0
    }
    fn key(&self) -> &NameKey {
        &self.1
    }
}

/// The event with the id the room gives it.
fn with_id(mut msg: ServerMsg, new_id: u64) -> ServerMsg {
    match &mut msg {
        ServerMsg::Message(Chat { id, .. })
        | ServerMsg::Join { id, .. }
        | ServerMsg::Leave { id, .. }
        | ServerMsg::Rename { id, .. }
        | ServerMsg::Private { id, .. }
        | ServerMsg::File(FileOffer { id, .. }) => *id = new_id,
        ServerMsg::Notice { id, .. } => *id = Some(new_id),
        _ => {}
    }
    msg
}

/// A name from the broker, if it is one a person here could have.
fn valid_name(raw: &str) -> Option<String> {
    name::validate(raw).ok().filter(|name| name == raw)
}

/// Text from the broker, cleaned as a person's and bounded as a line.
fn valid_text(raw: &str) -> Option<String> {
    let text = clean_text(raw);
    (!text.is_empty() && text.len() <= MAX_MESSAGE_BYTES).then_some(text)
}

/// A reply's quote from the broker: a name that passes the rules, words cleaned and no longer
/// than a quote's.
fn valid_quote(quote: Quote) -> Option<Quote> {
    let from = match quote.from {
        Some(from) => Some(valid_name(&from)?),
        None => None,
    };
    let text = match quote.text {
        Some(text) => Some(valid_text(&text).filter(|t| t.chars().count() <= QUOTE_CHARS + 1)?),
        None => None,
    };
    Some(Quote {
        id: quote.id,
        from,
        text,
    })
}

/// The name a greeting (`notice-bonjour`, in any language) is for, if `text` is one.
fn greeted(text: &str) -> Option<&str> {
    const MARK: &str = "\u{1}";
    Lang::ALL.iter().find_map(|lang| {
        let template = tr!(*lang, "notice-bonjour", name = MARK);
        let (before, after) = template.split_once(MARK)?;
        text.strip_prefix(before)?.strip_suffix(after)
    })
}

/// An event from another site as this room takes it: only what a room's people do (said, done,
/// greeted, joined, left, renamed, a private message), names that pass the rules and text cleaned
/// as anyone's. Nothing is said in the server's voice but a greeting, rebuilt here in `lang`
/// from a name that passes the rules. Anything else is dropped.
fn checked(msg: ServerMsg, lang: Lang) -> Option<ServerMsg> {
    Some(match msg {
        ServerMsg::Message(chat) => ServerMsg::Message(Chat {
            from: valid_name(&chat.from)?,
            text: valid_text(&chat.text)?,
            cid: None,
            // A message comes new: nobody has changed it or reacted to it yet.
            edited: false,
            reactions: Vec::new(),
            reply: match chat.reply {
                None => None,
                Some(quote) => Some(valid_quote(quote)?),
            },
            ..chat
        }),
        ServerMsg::Notice {
            id: Some(id),
            time,
            text,
        } => ServerMsg::Notice {
            id: Some(id),
            time,
            text: tr!(lang, "notice-bonjour", name = valid_name(greeted(&text)?)?),
        },
        // Whether it came elsewhere is the showing site's to say.
        ServerMsg::Join { id, time, name, .. } => ServerMsg::Join {
            id,
            time,
            name: valid_name(&name)?,
            elsewhere: false,
        },
        // A change to a message: what it names, checked; the room works out the rest itself
        // (the message's other fields, its reactions) from its own copy.
        ServerMsg::Edited(chat) => ServerMsg::Edited(Chat {
            id: chat.id,
            time: chat.time,
            from: valid_name(&chat.from)?,
            text: valid_text(&chat.text)?,
            edited: true,
            ..Chat::default()
        }),
        ServerMsg::Reacted(reacted) => ServerMsg::Reacted(Reacted {
            id: reacted.id,
            from: valid_name(&reacted.from)?,
            name: valid_name(&reacted.name)?,
            emoji: Some(reacted.emoji).filter(|e| is_valid_emoji(e))?,
            on: reacted.on,
            reactions: Vec::new(),
        }),
        ServerMsg::Unsaid { id, from } => ServerMsg::Unsaid {
            id,
            from: valid_name(&from)?,
        },
        ServerMsg::Leave {
            id,
            time,
            name,
            reason,
        } => ServerMsg::Leave {
            id,
            time,
            name: valid_name(&name)?,
            reason,
        },
        ServerMsg::Rename { id, time, old, new } => ServerMsg::Rename {
            id,
            time,
            old: valid_name(&old)?,
            new: valid_name(&new)?,
        },
        ServerMsg::Private {
            id,
            time,
            from,
            to,
            text,
            ..
        } => ServerMsg::Private {
            id,
            time,
            from: valid_name(&from)?,
            to: valid_name(&to)?,
            text: valid_text(&text)?,
            cid: None,
        },
        _ => return None,
    })
}

impl<M: Mailbox> Room<M> {
    /// Links the room to the other sites through `relay`, which reads the stream from after
    /// `last_seq` (what this server's store already holds).
    pub fn link(&mut self, relay: Box<dyn Relay>, last_seq: u64) {
        self.linked = Some(Linked::new(relay, last_seq));
    }

    /// Whether the room is linked to the other sites.
    pub fn is_linked(&self) -> bool {
        self.linked.is_some()
    }

    /// Says to the other sites that this named room is here, under an id every site gives it
    /// (the stream keeps one): a site that has no such room makes it.
    pub(in crate::server) fn say_made(&self) {
        if let Some(linked) = &self.linked {
            linked.relay.publish_shared(
                "made".to_owned(),
                ServerMsg::RoomMade {
                    name: self.settings.name.clone(),
                    by: None,
                },
            );
        }
    }

    /// Lets go of the link (at stop), so it can be closed outside the room lock.
    pub fn take_link(&mut self) -> Option<Box<dyn Relay>> {
        self.linked.take().map(|linked| linked.relay)
    }

    /// Hands what is said in a linked room to the other sites: it is shown when it comes back
    /// from the stream with its sequence; while the broker is away, it is returned with an
    /// island id, to be shown at once (and kept with its sequence when it comes back).
    pub(super) fn hand_over(
        &mut self,
        msg: ServerMsg,
        in_history: bool,
        author: Option<SessionId>,
    ) -> Option<ServerMsg> {
        let now = (self.clock)();
        let linked = self.linked.as_mut()?;
        let id = linked.next_local.to_string();
        linked.next_local += 1;
        linked.relay.publish(id.clone(), msg.clone());
        let shown_as = (!linked.up).then(|| linked.relay.share().island_id(now));
        let shown = shown_as.map(|at| with_id(msg.clone(), at));
        if linked.in_flight.len() >= MAX_WAITING {
            // The link gives up its oldest too: shown here or not, it won't come back.
            linked.in_flight.pop_front();
        }
        linked.in_flight.push_back(InFlight {
            id,
            msg,
            in_history,
            shown_as,
            author,
        });
        shown
    }

    /// Publishes `msg` for the other sites alone (a moderator's signed ruling): nothing is shown
    /// here when it comes back.
    pub(in crate::server) fn tell_sites(&mut self, msg: ServerMsg) {
        let Some(linked) = self.linked.as_mut() else {
            return;
        };
        let id = format!("told-{}", linked.next_local);
        linked.next_local += 1;
        linked.relay.publish(id, msg);
    }

    /// The host keeps `name` for a device away (`on`), or no more: in a linked room, the name
    /// stays claimed across the sites all the while.
    pub(in crate::server) fn keep_name(&self, name: &str, on: bool) {
        if let Some(linked) = &self.linked {
            linked.relay.keep_name(name, on);
        }
    }

    /// What the link says: the broker up or down, an event, a beacon.
    pub fn link_news(&mut self, news: LinkNews) {
        match news {
            LinkNews::Up => self.link_up(),
            LinkNews::Down => self.link_down(),
            LinkNews::Event { seq, envelope } => self.linked_event(seq, envelope),
            LinkNews::Beacon(beacon) => self.beacon(beacon),
            LinkNews::Stored { .. } | LinkNews::Skipped { .. } => {}
        }
    }

    fn link_up(&mut self) {
        let now = (self.clock)();
        let Some(linked) = &mut self.linked else {
            return;
        };
        linked.up = true;
        // Nobody was heard while the broker was away: every site gets its time again.
        for site in linked.sites.values_mut() {
            site.heard = now;
        }
        if std::mem::take(&mut linked.told_down) {
            let text = self.settings.lang.tr("notice-sites-back");
            self.broadcast(&ServerMsg::Notice {
                id: None,
                time: now,
                text,
            });
        }
    }

    fn link_down(&mut self) {
        let now = (self.clock)();
        let Some(linked) = &mut self.linked else {
            return;
        };
        linked.up = false;
        // What was handed over and is not back yet is shown now; it is published on return.
        let mut shown = Vec::new();
        for index in 0..linked.in_flight.len() {
            if linked.in_flight[index].shown_as.is_none() {
                let id = linked.relay.share().island_id(now);
                let flight = &mut linked.in_flight[index];
                flight.shown_as = Some(id);
                shown.push((with_id(flight.msg.clone(), id), flight.in_history));
            }
        }
        let tell = !std::mem::replace(&mut linked.told_down, true);
        if tell {
            let text = self.settings.lang.tr("notice-sites-unreachable");
            self.broadcast(&ServerMsg::Notice {
                id: None,
                time: now,
                text,
            });
        }
        for (msg, in_history) in shown {
            self.show_here(msg, in_history, false);
        }
    }

    /// An event from the stream, in the stream's order.
    fn linked_event(&mut self, seq: u64, envelope: Envelope) {
        let Some(linked) = &mut self.linked else {
            return;
        };
        linked.last_seq = linked.last_seq.max(seq);
        let mine = envelope.origin == linked.relay.origin() && envelope.boot == linked.relay.boot();
        let flight = if mine {
            linked
                .in_flight
                .iter()
                .position(|f| f.id == envelope.id)
                .and_then(|at| linked.in_flight.remove(at))
        } else {
            None
        };
        if mine && flight.is_none() && envelope.id.parse::<u64>().is_ok() {
            // One of this run's own, no longer on its way: given up, or already kept.
            return;
        }
        if let Some(flight) = flight {
            if matches!(
                flight.msg,
                ServerMsg::Edited(_) | ServerMsg::Reacted(_) | ServerMsg::Unsaid { .. }
            ) {
                // A change to a message, now in the stream's order (a second time is nothing).
                self.apply_change(flight.author, flight.msg);
                return;
            }
            let msg = with_id(flight.msg, seq);
            if let (ServerMsg::Message(_), Some(author)) = (&msg, flight.author)
                && self.settings.history > 0
            {
                let author = self.author(author);
                self.authors.insert(seq, author);
            }
            if let ServerMsg::Message(Chat {
                from,
                cid: Some(cid),
                ..
            })
            | ServerMsg::Private {
                from,
                cid: Some(cid),
                ..
            } = &msg
            {
                // A message sent again is answered with what it became, its sequence included.
                self.sent.remember(&from.clone(), cid.clone(), msg.clone());
            }
            match flight.shown_as {
                None => self.show(msg, flight.in_history),
                Some(shown_as) => {
                    // Shown in island mode: kept now with its sequence, not shown twice.
                    if !matches!(msg, ServerMsg::Private { .. }) {
                        self.keep(&msg, flight.in_history);
                    }
                    // Its place in the history is now the stream's: after what came before it
                    // there, so every site's history ends in the same order.
                    if let Some(at) = self.history.iter().position(|m| {
                        m.room_id() == Some(shown_as) && with_id(m.clone(), seq) == msg
                    }) {
                        self.history.remove(at);
                        self.history.push_back(msg);
                    }
                }
            }
            return;
        }
        // Another site's event (or an earlier run's of this one, read again).
        if envelope.origin.chars().count() > MAX_ORIGIN_CHARS {
            return;
        }
        let own_origin = envelope.origin == linked.relay.origin();
        let Some(msg) = checked(envelope.msg, self.settings.lang) else {
            return;
        };
        if self.speaks_for_someone_here(&msg) {
            // Another site can't speak, come, go or be renamed as someone who is here.
            return;
        }
        let mut msg = with_id(msg, seq);
        if !own_origin {
            self.follow_site(&envelope.origin, &envelope.boot, &msg);
            if let ServerMsg::Join { elsewhere, .. } = &mut msg {
                *elsewhere = true;
            }
        }
        match msg {
            ServerMsg::Join { .. } | ServerMsg::Leave { .. } | ServerMsg::Rename { .. } => {
                self.show(msg, false);
            }
            ServerMsg::Private { .. } => self.show_here(msg, false, false),
            ServerMsg::Edited(_) | ServerMsg::Reacted(_) | ServerMsg::Unsaid { .. } => {
                self.apply_change(None, msg);
            }
            msg => {
                self.stats
                    .messages
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.show(msg, true);
            }
        }
    }

    /// Whether an event from another site names someone who is here as the one acting.
    fn speaks_for_someone_here(&self, msg: &ServerMsg) -> bool {
        let actors: Vec<&str> = match msg {
            ServerMsg::Message(Chat { from, .. })
            | ServerMsg::Edited(Chat { from, .. })
            | ServerMsg::Private { from, .. } => vec![from],
            ServerMsg::Reacted(reacted) => vec![&reacted.name],
            ServerMsg::Unsaid { from, .. } => vec![from],
            ServerMsg::Join { name, .. } | ServerMsg::Leave { name, .. } => vec![name],
            ServerMsg::Rename { old, new, .. } => vec![old, new],
            // Greeted for saying "coucou": what they did not say here.
            ServerMsg::Notice { text, .. } => greeted(text).into_iter().collect(),
            _ => vec![],
        };
        // By the name rules, as a newcomer here would be: ALICE, Alice or a Cyrillic аӏісе is
        // alice too.
        actors.iter().any(|actor| {
            let key = NameKey::new(actor);
            self.people.iter().any(|p| p.key.clashes(&key))
        })
    }

    /// Keeps the other sites' people in step with their joins, leaves and renames, between two
    /// of their beacons.
    fn follow_site(&mut self, origin: &str, boot: &str, msg: &ServerMsg) {
        let now = (self.clock)();
        let Some(linked) = &mut self.linked else {
            return;
        };
        match msg {
            ServerMsg::Join { name, .. } => {
                let Some(site) = linked.site(origin, boot, now) else {
                    return;
                };
                if site.people.len() < MAX_SITE_PEOPLE && !site.people.iter().any(|p| p.0 == *name)
                {
                    site.people.push((name.clone(), NameKey::new(name)));
                }
                if site.people.iter().any(|p| p.0 == *name) {
                    site.joined.insert(name.clone());
                }
            }
            ServerMsg::Leave { name, .. } => {
                for site in linked.sites.values_mut() {
                    site.people.retain(|p| p.0 != *name);
                    site.joined.remove(name);
                }
            }
            ServerMsg::Rename { old, new, .. } => {
                if let Some(site) = linked.sites.get_mut(origin)
                    && let Some(person) = site.people.iter_mut().find(|p| p.0 == *old)
                {
                    *person = (new.clone(), NameKey::new(new));
                    if site.joined.remove(old) {
                        site.joined.insert(new.clone());
                    }
                }
            }
            _ => {}
        }
    }

    /// Another site says who is there.
    fn beacon(&mut self, beacon: Beacon) {
        let now = (self.clock)();
        let Some(linked) = &mut self.linked else {
            return;
        };
        if beacon.origin == linked.relay.origin()
            || beacon.origin.chars().count() > MAX_ORIGIN_CHARS
        {
            return;
        }
        // Alive, whatever else: but its people are read at most every BEACON_EVERY_MS, only
        // the names it did not list before are checked, and those within the room's budget.
        let raw = &beacon.people[..beacon.people.len().min(MAX_SITE_PEOPLE)];
        let mut fresh = raw.len();
        if let Some(site) = linked.sites.get_mut(&beacon.origin)
            && site.boot == beacon.boot
        {
            site.heard = now;
            let unchanged = site.people.len() == raw.len()
                && site.people.iter().zip(raw).all(|(p, r)| p.0 == *r);
            if unchanged
                || site
                    .listed
                    .is_some_and(|at| now.saturating_sub(at) < BEACON_EVERY_MS)
            {
                return;
            }
            let known: std::collections::HashSet<&str> =
                site.people.iter().map(|p| p.0.as_str()).collect();
            fresh = raw.iter().filter(|n| !known.contains(n.as_str())).count();
        }
        if !linked
            .relay
            .share()
            .take_names(u32::try_from(fresh).unwrap_or(u32::MAX), now)
        {
            return;
        }
        let known: HashMap<&str, &NameKey> = linked
            .sites
            .get(&beacon.origin)
            .filter(|site| site.boot == beacon.boot)
            .map(|site| site.people.iter().map(|(n, k)| (n.as_str(), k)).collect())
            .unwrap_or_default();
        let people: Vec<(String, NameKey)> = raw
            .iter()
            .filter_map(|raw| match known.get(raw.as_str()) {
                Some(key) => Some((raw.clone(), (*key).clone())),
                None => valid_name(raw).map(|name| {
                    let key = NameKey::new(&name);
                    (name, key)
                }),
            })
            .collect();
        let Some(site) = linked.site(&beacon.origin, &beacon.boot, now) else {
            return;
        };
        site.listed = Some(now);
        let listed: std::collections::HashSet<&str> = people.iter().map(|p| p.0.as_str()).collect();
        if site.boot != beacon.boot {
            // The site started again: whoever joined there with its earlier run is gone.
            let gone: Vec<String> = site
                .joined
                .iter()
                .filter(|name| !listed.contains(name.as_str()))
                .cloned()
                .collect();
            let old_boot = std::mem::replace(&mut site.boot, beacon.boot.clone());
            site.joined.retain(|name| listed.contains(name.as_str()));
            drop(listed);
            site.people = people;
            site.heard = now;
            self.say_gone(&beacon.origin, &old_boot, gone);
            return;
        }
        site.joined.retain(|name| listed.contains(name.as_str()));
        drop(listed);
        site.people = people;
        site.heard = now;
    }

    /// Forgets the sites not heard from for [`PRESENCE_TIMEOUT`] (while the broker is reachable)
    /// and says their people left. Called every second or so.
    pub fn check_sites(&mut self) {
        let now = (self.clock)();
        let Some(linked) = &mut self.linked else {
            return;
        };
        if !linked.up {
            return;
        }
        let timeout = PRESENCE_TIMEOUT.as_millis() as u64;
        let silent: Vec<String> = linked
            .sites
            .iter()
            .filter(|(_, site)| now.saturating_sub(site.heard) > timeout)
            .map(|(origin, _)| origin.clone())
            .collect();
        for origin in silent {
            let Some(linked) = &mut self.linked else {
                return;
            };
            if let Some(site) = linked.sites.remove(&origin) {
                // Only those whose join came through the stream: the others leave the lists
                // without a word.
                let names = site
                    .people
                    .into_iter()
                    .map(|(name, _)| name)
                    .filter(|name| site.joined.contains(name))
                    .collect();
                self.say_gone(&origin, &site.boot, names);
            }
        }
    }

    /// Says, for every site that noticed, that these people of `origin`'s run `boot` left: one
    /// id per person, the same at every site, so the stream keeps one of each.
    fn say_gone(&mut self, origin: &str, boot: &str, names: Vec<String>) {
        let now = (self.clock)();
        let Some(linked) = &self.linked else {
            return;
        };
        for name in names {
            let id = gone_id(origin, boot, &name);
            linked.relay.publish_shared(
                id,
                ServerMsg::Leave {
                    id: 0,
                    time: now,
                    name,
                    reason: LeaveReason::Disconnected,
                },
            );
        }
    }

    /// The names of the people at the other sites.
    pub(super) fn remote_names(&self) -> Vec<String> {
        self.linked
            .as_ref()
            .map(|linked| linked.remote_names().map(|p| p.0.clone()).collect())
            .unwrap_or_default()
    }

    /// Who is at another site of this linked room under `wanted`, as [`super::find_named`] finds
    /// them (exactly, whatever the case, else by look-alike): their name as their site shows it.
    pub fn remote_person(&self, wanted: &str) -> Option<String> {
        let linked = self.linked.as_ref()?;
        super::find_named(linked.remote_names(), wanted).map(|(name, _)| name.clone())
    }

    /// Who at another site has a name that clashes with `key`.
    pub(super) fn remote_clash(&self, key: &NameKey) -> Option<String> {
        let linked = self.linked.as_ref()?;
        linked
            .remote_names()
            .find(|(_, other)| other.clashes(key))
            .map(|(name, _)| name.clone())
    }

    /// Tells the other sites who is here, and gives back a name no longer used here.
    pub(super) fn linked_people_changed(&self, released: Option<&str>) {
        let Some(linked) = &self.linked else {
            return;
        };
        // Who is here first: the link gives a name back only if no room has it.
        linked
            .relay
            .people(self.people.iter().map(|p| p.name.clone()).collect());
        if let Some(old) = released {
            let key = NameKey::new(old);
            if !self.people.iter().any(|p| p.key.folded() == key.folded()) {
                linked.relay.release(claim_key(old));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    use super::super::JoinError;
    use super::super::tests::{NOW, Recorder, join, settings};
    use super::*;
    use crate::protocol::{Command, Dialect};

    /// What the room handed to the link.
    #[derive(Debug, Default)]
    struct Handed {
        published: Vec<(String, ServerMsg)>,
        shared: Vec<(String, ServerMsg)>,
        released: Vec<String>,
    }

    #[derive(Debug)]
    struct FakeRelay(Arc<Mutex<Handed>>, Arc<LinkShare>);

    impl Relay for FakeRelay {
        fn origin(&self) -> &str {
            "here"
        }
        fn boot(&self) -> &str {
            "run1"
        }
        fn publish(&self, id: String, msg: ServerMsg) {
            self.0.lock().unwrap().published.push((id, msg));
        }
        fn publish_shared(&self, id: String, msg: ServerMsg) {
            self.0.lock().unwrap().shared.push((id, msg));
        }
        fn keep_name(&self, _: &str, _: bool) {}

        fn release(&self, key: String) {
            self.0.lock().unwrap().released.push(key);
        }
        fn people(&self, _: Vec<String>) {}
        fn share(&self) -> &LinkShare {
            &self.1
        }
    }

    /// The time of the silent-site test, which it moves on.
    static LATER: AtomicU64 = AtomicU64::new(NOW);

    fn later_clock() -> u64 {
        LATER.load(Ordering::SeqCst)
    }

    fn linked_room(clock: super::super::Clock) -> (Room<Recorder>, Arc<Mutex<Handed>>) {
        let mut room = Room::new(settings(100, 100), Arc::default(), clock);
        let handed = Arc::new(Mutex::new(Handed::default()));
        room.link(Box::new(FakeRelay(Arc::clone(&handed), Arc::default())), 10);
        (room, handed)
    }

    fn event(origin: &str, boot: &str, id: &str, seq: u64, msg: ServerMsg) -> LinkNews {
        LinkNews::Event {
            seq,
            envelope: Envelope {
                room: None,
                origin: origin.into(),
                boot: boot.into(),
                id: id.into(),
                msg,
            },
        }
    }

    fn said(from: &str, text: &str) -> ServerMsg {
        ServerMsg::Message(Chat {
            id: 1,
            time: NOW,
            from: from.into(),
            text: text.into(),
            action: false,
            cid: None,
            ..Default::default()
        })
    }

    fn texts(msgs: &[ServerMsg]) -> Vec<(u64, String)> {
        msgs.iter()
            .filter_map(|m| match m {
                ServerMsg::Message(chat) => Some((chat.id, chat.text.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn its_own_events_are_shown_when_they_come_back_with_the_streams_sequence() {
        let (mut room, handed) = linked_room(|| NOW);
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        let welcome = alice.take_json();
        assert!(
            matches!(welcome.as_slice(), [ServerMsg::Welcome { .. }]),
            "{welcome:?}"
        );
        let (id, join_msg) = handed.lock().unwrap().published.remove(0);
        room.link_news(event("here", "run1", &id, 11, join_msg));
        assert!(matches!(
            alice.take_json().as_slice(),
            [ServerMsg::Join { id: 11, name, .. }] if name == "alice"
        ));

        room.handle(1, Command::Say("bonjour".into()));
        assert!(
            alice.take_json().is_empty(),
            "not before the stream gives its place"
        );
        let (id, msg) = handed.lock().unwrap().published.remove(0);
        room.link_news(event("there", "x", "1", 12, said("bob", "first")));
        room.link_news(event("here", "run1", &id, 13, msg));
        assert_eq!(
            texts(&alice.take_json()),
            [(12, "first".to_owned()), (13, "bonjour".to_owned())]
        );
        assert_eq!(
            texts(&room.page(None, 10).0),
            [(12, "first".into()), (13, "bonjour".into())]
        );
    }

    #[test]
    fn in_island_mode_what_is_said_is_shown_at_once_and_not_again_when_it_comes_back() {
        let (mut room, handed) = linked_room(|| NOW);
        let alice = join(&mut room, 1, "alice", Dialect::Plain);
        room.handle(1, Command::Say("in flight".into()));
        alice.take_plain();
        room.link_news(LinkNews::Down);
        room.link_news(LinkNews::Down);
        let told = alice.take_plain();
        let unreachable = told.iter().filter(|l| l.contains("unreachable")).count();
        assert_eq!(unreachable, 1, "said once: {told:?}");
        assert!(
            told.iter().any(|l| l.ends_with("joined the room")),
            "{told:?}"
        );
        assert!(told.iter().any(|l| l == "alice: in flight"), "{told:?}");

        room.handle(1, Command::Say("alone".into()));
        assert_eq!(alice.take_plain(), ["alice: alone"]);

        room.link_news(LinkNews::Up);
        assert!(alice.take_plain()[0].contains("reachable again"));
        let published = std::mem::take(&mut handed.lock().unwrap().published);
        room.link_news(event("there", "x", "9", 14, said("bob", "meanwhile")));
        for (seq, (id, msg)) in (15..).zip(published) {
            room.link_news(event("here", "run1", &id, seq, msg));
        }
        assert_eq!(alice.take_plain(), ["bob: meanwhile"], "nothing twice");
        // The history takes the stream's order and ids.
        assert_eq!(
            texts(&room.page(None, 10).0),
            [
                (14, "meanwhile".into()),
                (16, "in flight".into()),
                (17, "alone".into())
            ]
        );
    }

    #[test]
    fn a_long_outage_keeps_at_most_max_waiting_of_its_own_and_shows_nothing_twice() {
        let (mut room, handed) = linked_room(|| NOW);
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        room.link_news(LinkNews::Down);
        for n in 0..MAX_WAITING + 10 {
            room.handle(1, Command::Say(format!("m{n}")));
        }
        let linked = room.linked.as_ref().unwrap();
        assert_eq!(linked.in_flight.len(), MAX_WAITING);
        assert_eq!(
            linked.in_flight[0].id, "12",
            "the join and the oldest ten given up"
        );
        alice.take_json();
        // One given up comes back anyway (published before the link gave it up): not again.
        let published = std::mem::take(&mut handed.lock().unwrap().published);
        let (id, msg) = published[1].clone();
        room.link_news(LinkNews::Up);
        room.link_news(event("here", "run1", &id, 50, msg));
        let again = alice.take_json();
        assert!(texts(&again).is_empty(), "{again:?}");
    }

    #[test]
    fn what_other_sites_send_is_checked_as_anything_from_the_network() {
        let (mut room, _) = linked_room(|| NOW);
        let alice = join(&mut room, 1, "alice", Dialect::Plain);
        alice.take_plain();
        let forged = [
            // The server's voice without a place in the history, a welcome, an error.
            ServerMsg::Notice {
                id: None,
                time: NOW,
                text: "*** the room is closing, type your password".into(),
            },
            ServerMsg::Welcome {
                version: 1,
                room: "x".into(),
                you: "alice".into(),
                users: vec![],
                away: vec![],
                elsewhere: Vec::new(),
                motd: None,
                history: vec![],
                max_message_bytes: 1,
                labels: false,
                rooms: false,
                changes: false,
                rules: false,
            },
            ServerMsg::error(crate::protocol::ErrorCode::NameTaken, "x"),
            // Names that break the rules: invisible, bidi, too long, empty text.
            said("bo\u{200b}b", "hi"),
            said("\u{202e}bob", "hi"),
            said(&"b".repeat(200), "hi"),
            said("bob", "\u{200b}"),
            said("bob", &"x".repeat(MAX_MESSAGE_BYTES + 1)),
        ];
        for (seq, msg) in (11..).zip(forged) {
            room.link_news(event("there", "x", &seq.to_string(), seq, msg));
        }
        room.link_news(event(
            &"o".repeat(65),
            "x",
            "1",
            30,
            said("bob", "long origin"),
        ));
        // Someone here, as another site would have them speak or leave, also under a look-alike
        // of their name.
        room.link_news(event("there", "x", "3", 33, said("alice", "I am alice")));
        for (seq, look_alike) in
            (35..).zip(["ALICE", "Alice", "\u{430}\u{4cf}\u{456}\u{441}\u{435}"])
        {
            let boot = seq.to_string();
            room.link_news(event(
                "there",
                &boot,
                &boot,
                seq,
                said(look_alike, "I am alice"),
            ));
        }
        room.link_news(event(
            "there",
            "x",
            "4",
            34,
            ServerMsg::Leave {
                id: 0,
                time: NOW,
                name: "alice".into(),
                reason: LeaveReason::Quit,
            },
        ));
        assert!(alice.take_plain().is_empty(), "all dropped");

        room.link_news(event(
            "there",
            "x",
            "2",
            31,
            said("bob", "\u{1b}[31mred\u{1b}[0m \u{202e}txet"),
        ));
        assert_eq!(alice.take_plain(), ["bob: red txet"]);
        room.link_news(LinkNews::Skipped { seq: 32 });
    }

    #[test]
    fn another_sites_message_comes_new_and_its_quote_is_checked() {
        let (mut room, _) = linked_room(|| NOW);
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        alice.take_json();
        let with = |reply: Option<Quote>| {
            let ServerMsg::Message(chat) = said("bob", "oui") else {
                unreachable!()
            };
            ServerMsg::Message(Chat {
                reply,
                edited: true,
                reactions: vec![crate::protocol::change::Reaction {
                    emoji: "👍".into(),
                    names: vec!["\u{202e}mallory".into(); 3],
                }],
                ..chat
            })
        };
        let quote = |from: &str, text: &str| Quote {
            id: 3,
            from: Some(from.into()),
            text: Some(text.into()),
        };
        let forged = [
            with(Some(quote("bo\u{200b}b", "x"))),
            with(Some(quote("alice", &"x".repeat(QUOTE_CHARS + 2)))),
            with(Some(quote("alice", "\u{200b}"))),
        ];
        for (seq, msg) in (11..).zip(forged) {
            room.link_news(event("there", "x", &seq.to_string(), seq, msg));
        }
        assert!(alice.take_json().is_empty(), "a forged quote: dropped");
        room.link_news(event(
            "there",
            "x",
            "20",
            20,
            with(Some(quote("alice", "\u{1b}[1mquestion ?"))),
        ));
        let shown = alice.take_json();
        let [ServerMsg::Message(chat)] = shown.as_slice() else {
            panic!("{shown:?}")
        };
        assert_eq!(chat.reply, Some(quote("alice", "question ?")));
        assert!(
            !chat.edited && chat.reactions.is_empty(),
            "it comes new: {chat:?}"
        );
    }

    #[test]
    fn another_sites_edits_reactions_and_deletions_are_checked_against_this_rooms_own_copy() {
        let (mut room, _) = linked_room(|| NOW);
        let alice = join(&mut room, 1, "alice", Dialect::Json);
        room.reads_changes(1);
        room.link_news(event("there", "x", "1", 11, said("bob", "bonjour")));
        alice.take_json();
        let edit = |from: &str, text: &str| {
            ServerMsg::Edited(Chat {
                id: 11,
                time: NOW,
                from: from.into(),
                text: text.into(),
                ..Chat::default()
            })
        };
        let react = |name: &str, emoji: &str| {
            ServerMsg::Reacted(Reacted {
                id: 11,
                from: "bob".into(),
                name: name.into(),
                emoji: emoji.into(),
                on: true,
                // Whatever the envelope says, the room works the list out itself.
                reactions: vec![crate::protocol::change::Reaction {
                    emoji: "💣".into(),
                    names: vec!["x".into(); 1_000],
                }],
            })
        };
        let forged = [
            edit("carol", "not carol's message"),
            edit("alice", "someone here"),
            edit("bob", "\u{200b}"),
            react("alice", "👍"),
            react("eve", "\u{202e}"),
            react("eve", "two words"),
        ];
        for (seq, msg) in (12..).zip(forged) {
            room.link_news(event("there", "x", &seq.to_string(), seq, msg));
        }
        assert!(alice.take_json().is_empty(), "all dropped");
        room.link_news(event(
            "there",
            "x",
            "20",
            20,
            edit("bob", "\u{1b}[1mbonsoir"),
        ));
        room.link_news(event("there", "x", "21", 21, react("eve", "👍")));
        // The same one again (a stream read again after a restart): nothing new.
        room.link_news(event("there", "x", "22", 22, react("eve", "👍")));
        let told = alice.take_json();
        let [ServerMsg::Edited(edited), ServerMsg::Reacted(reacted)] = told.as_slice() else {
            panic!("{told:?}")
        };
        assert_eq!((edited.id, edited.text.as_str()), (11, "bonsoir"));
        assert_eq!(
            reacted.reactions,
            [crate::protocol::change::Reaction {
                emoji: "👍".into(),
                names: vec!["eve".into()],
            }]
        );

        // Taken back: only by its author, never as someone here, never a name that breaks the
        // rules; then a tombstone in its place, in this site's words.
        let unsaid = |from: &str, id: u64| ServerMsg::Unsaid {
            id,
            from: from.into(),
        };
        let forged = [
            unsaid("carol", 11),
            unsaid("alice", 11),
            unsaid("bo\u{200b}b", 11),
            unsaid("bob", 99),
        ];
        for (seq, msg) in (30..).zip(forged) {
            room.link_news(event("there", "x", &seq.to_string(), seq, msg));
        }
        assert!(alice.take_json().is_empty(), "all dropped");
        room.link_news(event("there", "x", "40", 40, unsaid("bob", 11)));
        let told = alice.take_json();
        let [
            ServerMsg::Notice {
                id: Some(11), text, ..
            },
        ] = told.as_slice()
        else {
            panic!("{told:?}")
        };
        assert_eq!(text, "bob deleted this message");
        assert!(
            !room
                .history
                .iter()
                .any(|m| matches!(m, ServerMsg::Message(_))),
            "gone from the room's memory"
        );
    }

    #[test]
    fn beacons_are_read_at_most_twice_a_second_per_site_and_within_a_budget_of_names() {
        // A clock of its own: tests run at once.
        static CLOCK: AtomicU64 = AtomicU64::new(NOW);
        fn clock() -> u64 {
            CLOCK.load(Ordering::SeqCst)
        }
        let (mut room, _) = linked_room(clock);
        let beacon = |origin: &str, people: Vec<String>| {
            LinkNews::Beacon(Beacon {
                rooms: Default::default(),
                origin: origin.into(),
                boot: "x".into(),
                people,
            })
        };
        room.link_news(beacon("a", vec!["anna".into()]));
        room.link_news(beacon("a", vec!["anna".into(), "bea".into()]));
        assert_eq!(room.names(), ["anna"], "the second came too soon");
        CLOCK.store(NOW + BEACON_EVERY_MS, Ordering::SeqCst);
        room.link_news(beacon("a", vec!["anna".into(), "bea".into()]));
        assert_eq!(room.names(), ["anna", "bea"]);
        // Fake sites of 10,000 names each: two fill a second's budget; the third waits.
        let many = |p: &str| (0..10_000).map(|n| format!("{p}{n}")).collect::<Vec<_>>();
        CLOCK.store(NOW + 1000 * 60, Ordering::SeqCst);
        room.link_news(beacon("f1", many("x")));
        room.link_news(beacon("f2", many("y")));
        room.link_news(beacon("f3", many("z")));
        let names = room.names();
        assert!(names.contains(&"x1".to_owned()) && names.contains(&"y1".to_owned()));
        assert!(!names.contains(&"z1".to_owned()), "over the budget");
        CLOCK.store(NOW + 1000 * 61, Ordering::SeqCst);
        room.link_news(beacon("f3", many("z")));
        assert!(room.names().contains(&"z1".to_owned()), "the next second");
    }

    #[test]
    fn a_hosts_rooms_share_one_budget_of_names_from_beacons_and_one_range_of_island_ids() {
        static CLOCK: AtomicU64 = AtomicU64::new(NOW);
        fn clock() -> u64 {
            CLOCK.load(Ordering::SeqCst)
        }
        let budget = Arc::new(LinkShare::default());
        let mut rooms: Vec<Room<Recorder>> = (0..3)
            .map(|_| {
                let mut room = Room::new(settings(100, 100), Arc::default(), clock);
                let handed = Arc::new(Mutex::new(Handed::default()));
                room.link(Box::new(FakeRelay(handed, Arc::clone(&budget))), 0);
                room
            })
            .collect();
        let beacon = |prefix: &str| {
            LinkNews::Beacon(Beacon {
                rooms: Default::default(),
                origin: "fake".into(),
                boot: "x".into(),
                people: (0..10_000).map(|n| format!("{prefix}{n}")).collect(),
            })
        };
        // One site's beacon names 10,000 people in each of three rooms: the host reads two
        // rooms' worth in a second, not three (a budget per room would read them all).
        for (room, prefix) in rooms.iter_mut().zip(["a", "b", "c"]) {
            room.link_news(beacon(prefix));
        }
        assert!(rooms[0].remote_names().contains(&"a1".to_owned()));
        assert!(rooms[1].remote_names().contains(&"b1".to_owned()));
        assert!(rooms[2].remote_names().is_empty(), "over the host's budget");
        CLOCK.store(NOW + 1000, Ordering::SeqCst);
        rooms[2].link_news(beacon("c"));
        assert!(
            rooms[2].remote_names().contains(&"c1".to_owned()),
            "the next second"
        );

        // The broker away, two rooms show a message each in the same millisecond: two ids.
        let mut ids = Vec::new();
        for (session, room) in (1..).zip(&mut rooms[..2]) {
            let person = join(room, session, &format!("p{session}"), Dialect::Json);
            room.link_news(LinkNews::Down);
            person.take_json();
            room.handle(session, Command::Say("alone".into()));
            for msg in person.take_json() {
                if let ServerMsg::Message(Chat { id, .. }) = msg {
                    ids.push(id);
                }
            }
        }
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert_ne!(
            ids[0], ids[1],
            "one range of island ids for the host's rooms"
        );
    }

    #[test]
    fn beacons_are_bounded_and_names_there_are_taken_here() {
        let (mut room, _) = linked_room(|| NOW);
        let many: Vec<String> = (0..20_000).map(|n| format!("p{n}")).collect();
        let mut people = many.clone();
        people.push("bad\u{200b}name".into());
        room.link_news(LinkNews::Beacon(Beacon {
            rooms: Default::default(),
            origin: "there".into(),
            boot: "x".into(),
            people,
        }));
        assert_eq!(room.names().len(), MAX_SITE_PEOPLE);
        for n in 0..100 {
            room.link_news(LinkNews::Beacon(Beacon {
                rooms: Default::default(),
                origin: format!("site{n}"),
                boot: "x".into(),
                people: vec![format!("s{n}")],
            }));
        }
        assert_eq!(room.linked.as_ref().unwrap().sites.len(), MAX_SITES);

        // p1 is at another site: taken here, look-alikes too.
        let mailbox = Arc::new(Recorder::default());
        for name in ["p1", "P1"] {
            assert!(
                matches!(
                    room.join(9, name, Dialect::Json, Arc::clone(&mailbox), false),
                    Err(JoinError::Name(crate::protocol::NameError::Taken { .. }))
                ),
                "{name}"
            );
        }
    }

    /// bob joins at the site "there", through the stream.
    fn bob_joins_there() -> LinkNews {
        event(
            "there",
            "x",
            "1",
            11,
            ServerMsg::Join {
                id: 0,
                time: NOW,
                name: "bob".into(),
                elsewhere: false,
            },
        )
    }

    #[test]
    fn a_silent_site_is_gone_and_its_people_leave_under_one_shared_id() {
        let (mut room, handed) = linked_room(later_clock);
        // bob joined through the stream; carol is only listed in a beacon.
        room.link_news(bob_joins_there());
        room.link_news(LinkNews::Beacon(Beacon {
            rooms: Default::default(),
            origin: "there".into(),
            boot: "x".into(),
            people: vec!["bob".into(), "carol".into()],
        }));
        assert_eq!(room.names(), ["bob", "carol"]);
        room.check_sites();
        assert!(handed.lock().unwrap().shared.is_empty(), "heard just now");
        LATER.store(
            NOW + PRESENCE_TIMEOUT.as_millis() as u64 + 1,
            Ordering::SeqCst,
        );
        // While the broker is away nobody is heard: nobody is gone for it.
        room.link_news(LinkNews::Down);
        room.check_sites();
        assert!(handed.lock().unwrap().shared.is_empty());
        room.link_news(LinkNews::Up);
        room.check_sites();
        assert!(
            handed.lock().unwrap().shared.is_empty(),
            "their time starts again"
        );
        LATER.store(
            NOW + 2 * PRESENCE_TIMEOUT.as_millis() as u64 + 2,
            Ordering::SeqCst,
        );
        room.check_sites();
        let shared = std::mem::take(&mut handed.lock().unwrap().shared);
        let gone: Vec<&str> = shared
            .iter()
            .map(|(_, m)| match m {
                ServerMsg::Leave { name, .. } => name.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            gone,
            ["bob"],
            "a name only a beacon listed goes without a stored leave"
        );
        assert!(room.names().is_empty(), "carol is gone from the lists too");
        // Another server computes the same ids.
        let (mut other, other_handed) = linked_room(later_clock);
        other.link_news(bob_joins_there());
        other.link_news(LinkNews::Beacon(Beacon {
            rooms: Default::default(),
            origin: "there".into(),
            boot: "x".into(),
            people: vec!["bob".into()],
        }));
        LATER.store(
            NOW + 4 * PRESENCE_TIMEOUT.as_millis() as u64,
            Ordering::SeqCst,
        );
        other.check_sites();
        let id = &other_handed.lock().unwrap().shared[0].0;
        assert!(shared.iter().any(|(mine, _)| mine == id));
    }
}
