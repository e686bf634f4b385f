//! The server's side of a linked host (#15, #26): starts the [`Link`] to the broker, hands each
//! room what the link says about it on the `coucou-link-news` thread (in turns, as sessions do;
//! a room another site made is made here), and claims names across the sites for the sessions,
//! on their own threads, before any room sees them.
//!
//! `claim_for_join` and `claim_for_rename` run outside the room (a plain client gets the first free
//! variant across sites) and give a `NameClaim`, settled once the room has said what it gave
//! (`joined`, `renamed`: kept, given back, or swapped for the name given). The link reads after
//! what the store holds; `coucou-link-news` also asks the room every 0.5 s for sites gone silent.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use log::debug;

use super::house::{House, RoomError};
use super::mailbox::Mailbox;
use super::room::{LinkShare, Relay};
use super::shared::Shared;
use crate::EventSink;
use crate::link::{Beacon, Claim, Link, LinkConfig, LinkNews, claim_key};
use crate::protocol::ServerMsg;
use crate::protocol::name;
use crate::protocol::ruling::Ruling;

/// How long a session waits for the broker to answer a claim before it goes on as if the broker
/// were away (the name is then claimed once it is back). While the broker is known to be away the
/// link answers at once; this bounds a broker that is there but slow.
const CLAIM_PATIENCE: Duration = Duration::from_secs(10);

/// How often the room looks for sites gone silent.
const CHECK_EVERY: Duration = Duration::from_millis(500);

/// The most rooms of one beacon looked up as look-alikes of rooms here: a beacon naming
/// thousands of rooms costs a bounded number of look-ups.
const MAX_LOOK_ALIKES: usize = 100;

/// The most news handled in one turn in the room, so sessions get their turns too.
const NEWS_PER_TURN: usize = 256;

/// The link, as one room's [`Relay`]: the default room's (`room: None`) or a named room's.
#[derive(Debug)]
struct LinkRelay {
    link: Arc<Link>,
    room: Option<String>,
    /// What all the host's linked rooms share.
    share: Arc<LinkShare>,
}

impl Relay for LinkRelay {
    fn origin(&self) -> &str {
        self.link.origin()
    }

    fn boot(&self) -> &str {
        self.link.boot()
    }

    fn publish(&self, id: String, msg: ServerMsg) {
        self.link.publish(self.room.as_deref(), id, msg);
    }

    fn publish_shared(&self, id: String, msg: ServerMsg) {
        self.link.publish_shared(self.room.as_deref(), id, msg);
    }

    fn release(&self, key: String) {
        self.link.release(key);
    }

    fn keep_name(&self, name: &str, on: bool) {
        self.link.keep_name(name, on);
    }

    fn people(&self, people: Vec<String>) {
        self.link.people(self.room.as_deref(), people);
    }

    fn share(&self) -> &LinkShare {
        &self.share
    }
}

/// Links the host: starts the link reading the stream after `last_seq` (what the store holds),
/// links the default room and every named room without a password (and those made from now on),
/// and starts the thread that hands the link's news to the rooms.
pub(super) fn start(
    shared: &Arc<Shared>,
    config: LinkConfig,
    last_seq: u64,
) -> std::io::Result<JoinHandle<()>> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let link = Arc::new(Link::start(
        config,
        last_seq + 1,
        EventSink::new(tx, Arc::new(|| {})),
    )?);
    shared.set_link(Arc::clone(&link));
    let share = Arc::new(LinkShare::default());
    let mut house = shared.lock_room();
    house.default_room().link(
        Box::new(LinkRelay {
            link: Arc::clone(&link),
            room: None,
            share: Arc::clone(&share),
        }),
        last_seq,
    );
    house.link_rooms(Box::new(move |name: &str| -> Box<dyn Relay> {
        Box::new(LinkRelay {
            link: Arc::clone(&link),
            room: Some(name.to_owned()),
            share: Arc::clone(&share),
        })
    }));
    house.link_kept_names();
    drop(house);
    let news_shared = Arc::clone(shared);
    thread::Builder::new()
        .name("coucou-link-news".to_owned())
        .spawn(move || hand_news(&news_shared, &rx))
}

/// Hands the link's news to the rooms, a batch per turn, and looks for silent sites, until the
/// link has stopped.
fn hand_news(shared: &Shared, news: &Receiver<LinkNews>) {
    let mut checked = Instant::now();
    loop {
        match news.recv_timeout(CHECK_EVERY) {
            Ok(first) => {
                // Another site's ruling is checked here, off the room lock.
                let batch: Vec<Checked> = std::iter::once(first)
                    .chain(news.try_iter().take(NEWS_PER_TURN))
                    .map(|news| check(shared, news))
                    .collect();
                let turn = shared.turn();
                let mut house = shared.lock_room();
                for checked in batch {
                    match checked {
                        Checked::News(news) => hand(&mut house, news),
                        Checked::Ruling(ruling) => house.apply_ruling(ruling),
                        Checked::Own(ruling) => house.apply_own_ruling(ruling),
                        Checked::Nothing => {}
                    }
                }
                drop(house);
                drop(turn);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if checked.elapsed() >= CHECK_EVERY {
            checked = Instant::now();
            shared.with_room(|house| {
                house.rooms_mut().for_each(|room| room.check_sites());
                house.forget_ended_names();
            });
        }
    }
}

/// A piece of news as the house takes it.
enum Checked {
    /// For the rooms.
    News(LinkNews),
    /// A moderator's decision from a site this host trusts, its signature checked.
    Ruling(Ruling),
    /// One of this host's own, signed by its own key, read again by a host that keeps no store.
    Own(Ruling),
    /// Nothing to do: this host's own ruling back from the stream, or one refused.
    Nothing,
}

/// `news`, with a ruling from another site checked: taken only from a site of
/// `--link-trust`, with its certificate's own signature over it.
fn check(shared: &Shared, news: LinkNews) -> Checked {
    let LinkNews::Event { envelope, .. } = &news else {
        return Checked::News(news);
    };
    let ServerMsg::Ruled(signed) = &envelope.msg else {
        return Checked::News(news);
    };
    // This host's own, back from the stream: done already — unless it keeps no store and reads
    // its rooms' streams again at start (the house does again only what an earlier run did).
    if let Some(site) = &shared.config.site
        && hex::encode(site.cert()) == signed.cert
    {
        if shared.config.store.is_some() {
            return Checked::Nothing;
        }
        return match crate::identity::read_ruling(signed, &[site.fingerprint()]) {
            Ok((_, ruling)) => Checked::Own(ruling),
            Err(_) => Checked::Nothing,
        };
    }
    match crate::identity::read_ruling(signed, &shared.config.link_trust) {
        Ok((_, ruling)) => Checked::Ruling(ruling),
        Err(err) => {
            debug!("link: a ruling from another site is not taken: {err:?}");
            Checked::Nothing
        }
    }
}

/// Hands one piece of news to the room it concerns: the broker up or down to every room; an
/// event to its room, which is made here first if another site made it (within the host's
/// limits and the room name rules: a name that breaks them is skipped); each room its part of a
/// beacon (a site that lists nobody in a room is still alive there).
fn hand<M: Mailbox>(house: &mut House<M>, news: LinkNews) {
    match news {
        LinkNews::Up | LinkNews::Down => {
            for room in house.rooms_mut() {
                room.link_news(news.clone());
            }
        }
        LinkNews::Event { seq, envelope } => {
            let Some(name) = envelope.room.clone() else {
                house
                    .default_room()
                    .link_news(LinkNews::Event { seq, envelope });
                return;
            };
            if house.named(&name).is_none() {
                match house.make_linked_room(&name) {
                    Ok(_) => {}
                    Err(RoomError::Full { max_rooms }) => {
                        debug!("link: a room another site has is left out: {max_rooms} rooms here");
                        return;
                    }
                    Err(RoomError::Name(_)) => {
                        debug!("link: a room another site has is left out: its name breaks a rule");
                        return;
                    }
                }
            }
            if let Some(room) = house.named(&name) {
                room.link_news(LinkNews::Event { seq, envelope });
            }
        }
        LinkNews::Beacon(beacon) => {
            let Beacon {
                origin,
                boot,
                people,
                mut rooms,
            } = beacon;
            // A room the site names as a look-alike of one here is that room, as its events
            // are: its people are read under this room's name (at most MAX_LOOK_ALIKES a
            // beacon, each a look-up among the rooms).
            let strays: Vec<String> = if rooms.is_empty() {
                Vec::new()
            } else {
                let here: std::collections::HashSet<String> =
                    house.room_names().into_iter().collect();
                rooms
                    .keys()
                    .filter(|name| !here.contains(*name))
                    .take(MAX_LOOK_ALIKES)
                    .cloned()
                    .collect()
            };
            for stray in strays {
                let Some(room) = house.named(&stray) else {
                    continue;
                };
                let name = room.name().to_owned();
                if let Some(people) = rooms.remove(&stray) {
                    rooms.entry(name).or_insert(people);
                }
            }
            for room in house.rooms_mut().skip(1).filter(|room| room.is_linked()) {
                let people = rooms.remove(room.name()).unwrap_or_default();
                room.link_news(LinkNews::Beacon(Beacon {
                    origin: origin.clone(),
                    boot: boot.clone(),
                    people,
                    rooms: BTreeMap::new(),
                }));
            }
            house.default_room().link_news(LinkNews::Beacon(Beacon {
                origin,
                boot,
                people,
                rooms: BTreeMap::new(),
            }));
        }
        LinkNews::Stored { .. } | LinkNews::Skipped { .. } => {}
    }
}

/// A name this server claimed across the linked sites for one session, until the room has said
/// what it gave: the one seam between a session and the names bucket.
pub(super) struct NameClaim {
    link: Arc<Link>,
    key: String,
}

impl NameClaim {
    /// The room gave a newcomer `given` (or refused them): the claim stays if it is that name;
    /// else it goes back, and the name given (taken here meanwhile, a variant) is claimed.
    pub(super) fn joined(self, given: Option<&str>) {
        match given {
            Some(name) if claim_key(name) == self.key => {}
            Some(name) => {
                self.link.release(self.key);
                self.link.claim(claim_key(name), Duration::ZERO);
            }
            None => self.link.release(self.key),
        }
    }

    /// The room renamed the session to `new` (or did not): the claim stays if it is that name,
    /// else it goes back.
    pub(super) fn renamed(self, new: Option<&str>) {
        if new.is_none_or(|name| claim_key(name) != self.key) {
            self.link.release(self.key);
        }
    }
}

/// The name a newcomer asks the room for: as they gave it, or, in a linked room, claimed across
/// its sites first (for a plain client perhaps a variant), with the claim; a name another site
/// holds is refused as one taken here would be. Waits for the broker at most
/// [`CLAIM_PATIENCE`]: call it outside the room.
pub(super) fn claim_for_join(
    shared: &Shared,
    raw: &str,
    offer_variant: bool,
) -> Result<(String, Option<NameClaim>), name::NameError> {
    let Some(link) = shared.link() else {
        return Ok((raw.to_owned(), None));
    };
    match claim_name(&link, raw, offer_variant) {
        Claimed::Name { name, key } => Ok((name, Some(NameClaim { link, key }))),
        Claimed::Invalid => Ok((raw.to_owned(), None)),
        Claimed::Taken => Err(name::NameError::Taken {
            existing: name::validate(raw).unwrap_or_default(),
        }),
    }
}

/// A new name in a linked room, claimed across its sites first: the claim, if one was made (not
/// when the new name is the `current` one but for case, or breaks a rule the room will name), or
/// the refusal when another site holds it. Waits as [`claim_for_join`] does.
pub(super) fn claim_for_rename(
    link: Arc<Link>,
    raw: &str,
    current: Option<&str>,
) -> Result<Option<NameClaim>, name::NameError> {
    let Ok(new) = name::validate(raw) else {
        return Ok(None);
    };
    let key = claim_key(&new);
    if current.is_some_and(|old| claim_key(old) == key) {
        return Ok(None);
    }
    match claim_name(&link, &new, false) {
        Claimed::Name { key, .. } => Ok(Some(NameClaim { link, key })),
        Claimed::Invalid => Ok(None),
        Claimed::Taken => Err(name::NameError::Taken { existing: new }),
    }
}

/// The answer to claiming a name for a newcomer.
enum Claimed {
    /// This name is claimed (or will be, once the broker is back): the room may give it.
    Name {
        /// The name, maybe a variant of the one asked for.
        name: String,
        /// What it is claimed under.
        key: String,
    },
    /// Another site holds it.
    Taken,
    /// Not a name: the room says why.
    Invalid,
}

/// Claims `raw` room-wide, or with `offer_variant` (plain clients) the first free variant of
/// it (`alice_2`, …) when another site holds it.
fn claim_name(link: &Link, raw: &str, offer_variant: bool) -> Claimed {
    let Ok(wanted) = name::validate(raw) else {
        return Claimed::Invalid;
    };
    let candidates = std::iter::once(wanted.clone()).chain(
        offer_variant
            .then(|| {
                (2..10).map(move |n| {
                    let suffix = format!("_{n}");
                    let room = name::MAX_NAME_CHARS - suffix.chars().count();
                    let base: String = wanted.chars().take(room).collect();
                    format!("{base}{suffix}")
                })
            })
            .into_iter()
            .flatten(),
    );
    for name in candidates {
        let key = claim_key(&name);
        match link.claim(key.clone(), CLAIM_PATIENCE) {
            Claim::Granted | Claim::Unreachable => return Claimed::Name { name, key },
            Claim::Taken => {}
        }
    }
    Claimed::Taken
}
