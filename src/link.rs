//! One room across several servers (issue #15), the broker's side: a [`Link`] to one NATS
//! JetStream stream per linked room. The stream's order is the room's order: every server
//! publishes its events there and reads back everyone's — its own included — in the stream's
//! sequence, which is the room-wide id. The hosts' named rooms (#26) travel in the same stream,
//! each event saying which ([`Envelope::room`]), so ids stay one sequence for every host.
//!
//! The link runs on its own thread (`coucou-link`, a current-thread tokio runtime: async-nats is
//! async only). The server hands it events over a channel and never waits on the broker; the link
//! hands back, through an [`EventSink`], each event with its sequence, and whether the broker is
//! reachable. While it is not, what the server hands over waits in order and is published once it
//! is back, each with the id it was given (`Nats-Msg-Id`): a publish retried after a lost
//! acknowledgement is stored once. Reading goes on from the last sequence seen.
//!
//! Beside the stream, the link keeps two things room-wide. **Names**: a name is claimed in a
//! JetStream key-value bucket (`create`, which fails when another server holds it), released
//! once its holder is in none of the host's rooms nor kept for its device away (#27), and
//! refreshed while held; the bucket forgets
//! a claim [`CLAIM_LIFE`] after its last refresh, so the claims of a server that died expire.
//! **Presence**: every [`BEACON_EVERY`], and whenever its people change, each server says who
//! is here, room by room (a [`Beacon`], on a plain subject: not stored); a server not heard
//! from for [`PRESENCE_TIMEOUT`] is gone, its people with it.
//!
//! What comes from the broker is read like anything from the network: an event or a beacon that
//! is not well-formed JSON of the right shape, or is too long, is skipped, never trusted.

use std::collections::BTreeMap;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use log::{debug, info, warn};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::EventSink;
use crate::protocol::{MAX_JSON_LINE_BYTES, ServerMsg};

/// The largest event read from the stream: one JSON line and its envelope.
pub const MAX_EVENT_BYTES: usize = MAX_JSON_LINE_BYTES + 1024;

/// How long the broker may keep a publish's id to drop a copy of it: longer than any wait for a
/// lost acknowledgement, island mode included.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(3600);

/// The most events waiting for the broker: past it, the oldest are given up. The room keeps as
/// many of its own on their way ([`MAX_WAITING`] is its bound too), so memory stays bounded
/// however long the broker is away.
pub const MAX_WAITING: usize = 100_000;

/// The most events a room's stream keeps (the oldest go first): what a server without a store
/// reads at start, bounded.
const MAX_STREAM_EVENTS: i64 = 1_000_000;

/// How long a publish waits for its acknowledgement before it is tried again (same id).
const ACK_PATIENCE: Duration = Duration::from_secs(5);

/// The wait between two tries to reach the broker, or to publish again.
const RETRY: Duration = Duration::from_millis(250);

/// How often a server says who is here, besides whenever it changes.
pub const BEACON_EVERY: Duration = Duration::from_secs(1);

/// The least time between two beacons said for a change.
const BEACON_GAP: Duration = Duration::from_millis(200);

/// A server not heard from for this long is gone, and its people with it.
pub const PRESENCE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the names bucket keeps a claim after its last refresh: the claims of a server that
/// died are free again after this.
pub const CLAIM_LIFE: Duration = Duration::from_secs(30);

/// How often a server refreshes the claims it holds.
const CLAIM_REFRESH: Duration = Duration::from_secs(10);

/// How many names kept for devices away a server holds across the sites at most (each is
/// refreshed with the rest): past it, a name kept is kept at its host only. Devices cost nothing
/// to make, so a hostile machine making thousands costs the link this much and no more.
const MAX_KEPT_CLAIMS: usize = 1_000;

/// The largest beacon read: a full host's names in each of its rooms, with room to spare (the
/// broker's own limit on a message is 1 MiB).
pub const MAX_BEACON_BYTES: usize = 512 * 1024;

/// One event waiting to be published.
#[derive(Debug)]
struct Outgoing {
    /// Its whole `Nats-Msg-Id`.
    msg_id: String,
    /// Its id in the envelope.
    id: String,
    /// The named room it concerns (`None`: the default room).
    room: Option<String>,
    msg: Box<ServerMsg>,
}

/// What waits to be published, oldest first.
type Waiting = std::collections::VecDeque<Outgoing>;

/// Where and what to link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    /// The broker, `nats://host:port`.
    pub url: String,
    /// The room's name across sites: the stream is named after it.
    pub room: String,
    /// This server, as the others know it (unique among the linked servers).
    pub origin: String,
}

/// One event as it travels through the stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The server it comes from.
    pub origin: String,
    /// Which run of that server (a new one at each start).
    #[serde(default)]
    pub boot: String,
    /// The host's named room it concerns (absent: the default room, the one the link is named
    /// after), as the room's [`Relay`](crate::server::Relay) publishes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Its id at that run of that server (with both, its `Nats-Msg-Id`), or an id every server
    /// gives the same event ([`Link::publish_shared`]).
    pub id: String,
    /// The event.
    pub msg: ServerMsg,
}

/// Who is at one server, as it says every [`BEACON_EVERY`] and whenever it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beacon {
    /// The server.
    pub origin: String,
    /// Which run of it.
    pub boot: String,
    /// The names of its people in the default room.
    pub people: Vec<String>,
    /// The names of its people in each of its named rooms that has anyone (absent: none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rooms: BTreeMap<String, Vec<String>>,
}

/// The answer to a claim on a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The name is this server's until it is released.
    Granted,
    /// Another server holds it.
    Taken,
    /// The broker can't be reached: the name is claimed once it can.
    Unreachable,
}

/// What the link tells the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkNews {
    /// The broker is reachable (again); reading goes on from the last sequence seen.
    Up,
    /// The broker can't be reached; what is handed over waits.
    Down,
    /// An event of the room, in the stream's order, with its sequence.
    Event {
        /// The stream's sequence: the room-wide id.
        seq: u64,
        /// The event.
        envelope: Envelope,
    },
    /// An event published by this link is stored, with its sequence (or was already: a copy).
    Stored {
        /// Its id at this server.
        id: String,
        /// Its sequence.
        seq: u64,
    },
    /// Something read from the stream was not an event; it was skipped.
    Skipped {
        /// Its sequence.
        seq: u64,
    },
    /// A server (this one too) said who is there.
    Beacon(Beacon),
}

/// A link on its thread. Dropping it stops the thread (what was not yet published is not).
#[derive(Debug)]
pub struct Link {
    tx: mpsc::UnboundedSender<Job>,
    thread: Option<JoinHandle<()>>,
    origin: String,
    boot: String,
}

#[derive(Debug)]
enum Job {
    Publish(Outgoing),
    Claim {
        key: String,
        answer: crossbeam_channel::Sender<Claim>,
    },
    Release {
        key: String,
    },
    Keep {
        key: String,
        on: bool,
    },
    People(Option<String>, Vec<String>),
    Stop,
}

impl Link {
    /// Starts the link's thread, reading the room's events from sequence `from` on (1: all).
    pub fn start(
        config: LinkConfig,
        from: u64,
        news: EventSink<LinkNews>,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::unbounded_channel();
        let origin = config.origin.clone();
        let boot = new_boot();
        let own = (config.origin.clone(), boot.clone());
        let thread = thread::Builder::new()
            .name("coucou-link".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        warn!("the link can't start: {err}");
                        return;
                    }
                };
                runtime.block_on(run(config, own, from.max(1), rx, news));
            })?;
        Ok(Self {
            tx,
            thread: Some(thread),
            origin,
            boot,
        })
    }

    /// This server's name among the linked ones.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// This run of this server, as its events and beacons say: a new one at each start, so
    /// that a server started again is told apart from its earlier run.
    pub fn boot(&self) -> &str {
        &self.boot
    }

    /// Publishes `msg`, about the named room `room` (`None`: the default room), with this
    /// server's id `id` for it (unique in this run and room: with the origin, the run and the
    /// room, it is how a copy is told apart). Never waits.
    pub fn publish(&self, room: Option<&str>, id: String, msg: ServerMsg) {
        let msg_id = format!("{}.{}.{}{id}", self.origin, self.boot, room_tag(room));
        self.send_publish(room, msg_id, id, msg);
    }

    /// Publishes `msg`, about `room` as [`Link::publish`], under an id every server gives this
    /// same event (a gone server's people leaving, told by each server that noticed; a room
    /// made): the stream keeps one. Never waits.
    pub fn publish_shared(&self, room: Option<&str>, id: String, msg: ServerMsg) {
        let msg_id = format!("{}{id}", room_tag(room));
        self.send_publish(room, msg_id, id, msg);
    }

    fn send_publish(&self, room: Option<&str>, msg_id: String, id: String, msg: ServerMsg) {
        self.tx
            .send(Job::Publish(Outgoing {
                msg_id,
                id,
                room: room.map(str::to_owned),
                msg: Box::new(msg),
            }))
            .ok();
    }

    /// Claims a name room-wide by its key ([`claim_key`]), waiting at most `within` for the
    /// broker's answer (a session's thread waits here, never the room). While the broker can't be
    /// reached the answer is [`Claim::Unreachable`], and the name is claimed once it can be.
    pub fn claim(&self, key: String, within: Duration) -> Claim {
        let (answer, answered) = crossbeam_channel::bounded(1);
        if self.tx.send(Job::Claim { key, answer }).is_err() {
            return Claim::Unreachable;
        }
        answered.recv_timeout(within).unwrap_or(Claim::Unreachable)
    }

    /// Gives a claimed name back at the next beat, unless someone in one of the host's rooms
    /// has it then (as the last [`Link::people`] of each said). Never waits.
    pub fn release(&self, key: String) {
        self.tx.send(Job::Release { key }).ok();
    }

    /// The host keeps `name` for a device away (`on`), or no more: a kept name stays claimed as
    /// if someone here had it (claimed at the next refresh if it was not), and goes back once it
    /// is neither kept nor had. Never waits.
    pub fn keep_name(&self, name: &str, on: bool) {
        let key = claim_key(name);
        self.tx.send(Job::Keep { key, on }).ok();
    }

    /// Tells the link who is in `room` (`None`: the default room) now: the others hear it at
    /// once and every [`BEACON_EVERY`]. Never waits.
    pub fn people(&self, room: Option<&str>, people: Vec<String>) {
        self.tx
            .send(Job::People(room.map(str::to_owned), people))
            .ok();
    }
}

/// An error as the log may show it: what the broker said can be part of it, so it is cleaned as
/// any text from the network and cut at 200 characters.
fn for_log(err: &str) -> String {
    crate::protocol::sanitize::clean_text(err)
        .chars()
        .take(200)
        .collect()
}

/// A new run's id: the time and a random number, in hex.
fn new_boot() -> String {
    let mut random = [0u8; 4];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random).ok();
    format!("{:x}{}", crate::protocol::now_ms(), hex::encode(random))
}

/// The key a name is claimed under: a hash of its comparison form (look-alikes meet there), in
/// the characters a key-value key allows.
pub fn claim_key(name: &str) -> String {
    short_hash(crate::protocol::NameKey::new(name).folded())
}

/// The id every server gives the leave of `name`, at `origin`'s run `boot` that went silent:
/// the stream keeps one, however many servers noticed.
pub fn gone_id(origin: &str, boot: &str, name: &str) -> String {
    format!("gone.{}", short_hash(&format!("{origin}\n{boot}\n{name}")))
}

/// What a named room's events' ids start with (nothing for the default room's): two rooms'
/// events with the same id in a run are not copies of one another.
fn room_tag(room: Option<&str>) -> String {
    room.map(|room| format!("r{}.", &short_hash(room)[..12]))
        .unwrap_or_default()
}

/// The first 16 bytes of `text`'s SHA-256, in hex: what NATS allows in keys and ids.
fn short_hash(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    hex::encode(&digest.as_ref()[..16])
}

/// This server's name among the linked ones when none is given: the machine's name and the
/// port, cleaned.
pub fn default_origin(port: u16) -> String {
    clean_origin(&format!(
        "{}-{port}",
        gethostname::gethostname().to_string_lossy()
    ))
}

impl Drop for Link {
    fn drop(&mut self) {
        self.tx.send(Job::Stop).ok();
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

/// A server's name among the linked ones as the link uses it (in ids and keys): letters, digits,
/// `-` and `_`, at most 64; anything else becomes `_`.
pub fn clean_origin(origin: &str) -> String {
    let cleaned = safe_chars(origin);
    if cleaned.is_empty() {
        "coucou".to_owned()
    } else {
        cleaned
    }
}

/// The stream's name for a room: letters, digits, `-` and `_` only (NATS allows no `.`, `*`, `>`
/// or spaces there); anything else becomes `_`, and a hash of the name keeps two names apart.
pub fn stream_name(room: &str) -> String {
    let cleaned = safe_chars(room);
    let digest = ring::digest::digest(&ring::digest::SHA256, room.as_bytes());
    format!("COUCOU_{cleaned}_{}", hex::encode(&digest.as_ref()[..4]))
}

/// The first 64 characters of `text`, each not a letter, digit, `-` or `_` made `_`: what NATS
/// allows in names and ids.
fn safe_chars(text: &str) -> String {
    text.chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The subject a room's events are published on.
fn subject(stream: &str) -> String {
    format!("coucou.{stream}")
}

/// The subject a room's beacons are said on (not the stream's: they are not stored).
fn beacon_subject(stream: &str) -> String {
    format!("coucou.{stream}.beacon")
}

/// Reads a beacon, if it is one.
pub fn read_beacon(payload: &[u8]) -> Option<Beacon> {
    if payload.len() > MAX_BEACON_BYTES {
        return None;
    }
    serde_json::from_slice(payload).ok()
}

/// Reads an event from the stream's bytes, if it is one.
pub fn read_event(payload: &[u8]) -> Option<Envelope> {
    if payload.len() > MAX_EVENT_BYTES {
        return None;
    }
    serde_json::from_slice(payload).ok()
}

/// What the link keeps across its sessions with the broker.
struct State {
    /// This server and this run of it.
    origin: String,
    boot: String,
    /// The next sequence to read.
    next_seq: u64,
    /// What waits to be published, oldest first; the head is published again until stored.
    waiting: Waiting,
    /// The names this server holds, by key: `true` once the bucket has them.
    held: std::collections::HashMap<String, bool>,
    /// Who is here, as the last beacon said (`None` until the server says).
    people: Option<Vec<String>>,
    /// Who is in each named room that has anyone, as the server last said.
    rooms: BTreeMap<String, Vec<String>>,
    /// Names the rooms gave back, released at the next beat unless someone has them again by
    /// then: a terminal moving from one room to another leaves the first before it is in the
    /// second, and keeps its name all along.
    releasing: std::collections::HashSet<String>,
    /// The keys of the names the host keeps for devices away: held as if someone here had them.
    kept: std::collections::HashSet<String>,
    /// Whether the broker was last reachable.
    up: Option<bool>,
    /// Whether events were given up since the broker was last reachable.
    gave_up: bool,
}

impl State {
    /// Nothing held, said or waiting yet for this run (`boot`) of the server `origin`, reading
    /// from the sequence `from` on.
    fn new(origin: String, boot: String, from: u64) -> Self {
        Self {
            origin,
            boot,
            next_seq: from,
            waiting: Waiting::new(),
            held: std::collections::HashMap::new(),
            people: None,
            rooms: BTreeMap::new(),
            releasing: std::collections::HashSet::new(),
            kept: std::collections::HashSet::new(),
            up: None,
            gave_up: false,
        }
    }

    /// Takes a job while the broker can't be reached; false once told to stop.
    fn take_offline(&mut self, job: Option<Job>) -> bool {
        match job {
            Some(Job::Publish(outgoing)) => self.wait(outgoing),
            Some(Job::Claim { key, answer }) => {
                // Claimed anew: no longer given back.
                self.releasing.remove(&key);
                self.held.insert(key, false);
                answer.send(Claim::Unreachable).ok();
            }
            Some(Job::Release { key }) => {
                self.releasing.insert(key);
            }
            Some(Job::Keep { key, on }) => self.keep(key, on),
            Some(Job::People(room, people)) => self.set_people(room, people),
            Some(Job::Stop) | None => return false,
        }
        true
    }

    /// Queues an event to publish; past [`MAX_WAITING`] (the broker away for long, a busy room)
    /// the oldest is given up, and the log says so once per outage.
    fn wait(&mut self, outgoing: Outgoing) {
        if self.waiting.len() >= MAX_WAITING {
            self.waiting.pop_front();
            if !std::mem::replace(&mut self.gave_up, true) {
                warn!(
                    "link: more than {MAX_WAITING} events wait for the broker; the oldest are \
                     given up (the other sites won't see them)"
                );
            }
        }
        self.waiting.push_back(outgoing);
    }

    /// The name of the key `key` is kept for a device away (`on`), or no more; past
    /// [`MAX_KEPT_CLAIMS`], a new one is left to be given back.
    fn keep(&mut self, key: String, on: bool) {
        if on && self.kept.len() >= MAX_KEPT_CLAIMS && !self.kept.contains(&key) {
            return;
        }
        if on {
            self.releasing.remove(&key);
            self.held.entry(key.clone()).or_insert(false);
            self.kept.insert(key);
        } else if self.kept.remove(&key) {
            self.releasing.insert(key);
        }
    }

    /// Who is in `room` (`None`: the default room) now.
    fn set_people(&mut self, room: Option<String>, people: Vec<String>) {
        match room {
            None => self.people = Some(people),
            Some(room) if people.is_empty() => {
                self.rooms.remove(&room);
            }
            Some(room) => {
                self.rooms.insert(room, people);
            }
        }
    }

    /// The keys of the names someone in one of the host's rooms has, or the host keeps for a
    /// device away: a name is one on the whole host, so it goes back only when its holder is in
    /// none of them and it is not kept.
    fn keys_here(&self) -> std::collections::HashSet<String> {
        self.people
            .iter()
            .chain(self.rooms.values())
            .flatten()
            .map(|name| claim_key(name))
            .chain(self.kept.iter().cloned())
            .collect()
    }

    /// What this server writes in the names it holds.
    fn value(&self) -> String {
        format!("{}.{}", self.origin, self.boot)
    }
}

/// The link's life: connect, make sure the stream is there, then read and publish until told to
/// stop; on any trouble with the broker, say so once, and start again from the last sequence.
async fn run(
    config: LinkConfig,
    (origin, boot): (String, String),
    from: u64,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    news: EventSink<LinkNews>,
) {
    let stream = stream_name(&config.room);
    let mut state = State::new(origin, boot, from);
    loop {
        let session = Session::open(&config.url, &stream, state.next_seq).await;
        let mut session = match session {
            Ok(session) => session,
            Err(err) => {
                if state.up != Some(false) {
                    info!("link: the broker can't be reached ({})", for_log(&err));
                    news.send(LinkNews::Down);
                    state.up = Some(false);
                }
                // Wait, taking what the server hands over meanwhile.
                let sleep = tokio::time::sleep(RETRY);
                tokio::pin!(sleep);
                loop {
                    tokio::select! {
                        () = &mut sleep => break,
                        job = jobs.recv() => if !state.take_offline(job) {
                            return;
                        },
                    }
                }
                continue;
            }
        };
        state.gave_up = false;
        if state.up != Some(true) {
            info!("link: the broker is reachable");
            news.send(LinkNews::Up);
            state.up = Some(true);
        }
        let ended = session.serve(&mut state, &mut jobs, &news).await;
        match ended {
            Ended::Stopped => {
                // Bounded: a broker that went away just now must not hold up the stop.
                tokio::time::timeout(ACK_PATIENCE, session.release_all(&state))
                    .await
                    .ok();
                return;
            }
            Ended::Broken(why) => {
                debug!("link: {}", for_log(&why));
                if state.up != Some(false) {
                    news.send(LinkNews::Down);
                    state.up = Some(false);
                }
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}

/// Why a session with the broker ended.
enum Ended {
    /// The server stopped the link.
    Stopped,
    /// The broker went away, or refused something.
    Broken(String),
}

/// One connection to the broker: the stream, an ordered reader from a sequence on, the names
/// bucket and the beacons.
struct Session {
    client: async_nats::Client,
    context: jetstream::Context,
    subject: String,
    beacon_subject: String,
    messages: consumer::push::Ordered,
    beacons: async_nats::Subscriber,
    names: jetstream::kv::Store,
    /// Told when the connection to the broker is lost.
    lost: mpsc::UnboundedReceiver<()>,
}

impl Session {
    async fn open(url: &str, stream: &str, from: u64) -> Result<Self, String> {
        // A lost connection ends the session at once, rather than when a read or a publish
        // next notices.
        let (lost_tx, lost) = mpsc::unbounded_channel();
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(2))
            .max_reconnects(Some(1))
            .event_callback(move |event| {
                let lost_tx = lost_tx.clone();
                async move {
                    if matches!(event, async_nats::Event::Disconnected) {
                        lost_tx.send(()).ok();
                    }
                }
            })
            .connect(url)
            .await
            .map_err(|err| err.to_string())?;
        let context = jetstream::new(client.clone());
        let subject = subject(stream);
        let handle = context
            .get_or_create_stream(stream::Config {
                name: stream.to_owned(),
                subjects: vec![subject.clone()],
                duplicate_window: DUPLICATE_WINDOW,
                storage: stream::StorageType::File,
                max_messages: MAX_STREAM_EVENTS,
                ..Default::default()
            })
            .await
            .map_err(|err| err.to_string())?;
        let names = open_names(&context, stream).await?;
        let beacon_subject = beacon_subject(stream);
        let beacons = client
            .subscribe(beacon_subject.clone())
            .await
            .map_err(|err| err.to_string())?;
        let consumer = handle
            .create_consumer(consumer::push::OrderedConfig {
                deliver_subject: client.new_inbox(),
                deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                    start_sequence: from,
                },
                ..Default::default()
            })
            .await
            .map_err(|err| err.to_string())?;
        let messages = consumer.messages().await.map_err(|err| err.to_string())?;
        Ok(Self {
            client,
            context,
            subject,
            beacon_subject,
            messages,
            beacons,
            names,
            lost,
        })
    }

    /// Reads and publishes until stopped or broken.
    async fn serve(
        &mut self,
        state: &mut State,
        jobs: &mut mpsc::UnboundedReceiver<Job>,
        news: &EventSink<LinkNews>,
    ) -> Ended {
        self.release_pending(state).await;
        self.settle_unclaimed(state).await;
        self.beacon(state).await;
        let mut last_beacon = tokio::time::Instant::now();
        let mut beat = tokio::time::interval(BEACON_EVERY);
        let mut refresh = tokio::time::interval(CLAIM_REFRESH);
        loop {
            // Publish what waits, in order, each until it is stored.
            while let Some(outgoing) = state.waiting.front() {
                match self.publish(state, outgoing).await {
                    Ok(seq) => {
                        news.send(LinkNews::Stored {
                            id: outgoing.id.clone(),
                            seq,
                        });
                        state.waiting.pop_front();
                    }
                    Err(why) => return Ended::Broken(why),
                }
            }
            tokio::select! {
                job = jobs.recv() => match job {
                    Some(Job::Publish(outgoing)) => state.wait(outgoing),
                    Some(Job::Claim { key, answer }) => {
                        state.releasing.remove(&key);
                        let claim = self.claim(state, &key).await;
                        if claim != Claim::Taken {
                            state.held.insert(key, claim == Claim::Granted);
                        }
                        answer.send(claim).ok();
                    }
                    Some(Job::Release { key }) => {
                        state.releasing.insert(key);
                    }
                    Some(Job::Keep { key, on }) => state.keep(key, on),
                    Some(Job::People(room, people)) => {
                        state.set_people(room, people);
                        // A change is said at once, but at most every `BEACON_GAP`: a class
                        // joining together is a few beacons, the last one on the next beat.
                        if last_beacon.elapsed() >= BEACON_GAP {
                            self.beacon(state).await;
                            last_beacon = tokio::time::Instant::now();
                        }
                    }
                    Some(Job::Stop) | None => return Ended::Stopped,
                },
                message = self.messages.next() => match message {
                    Some(Ok(message)) => {
                        let Ok(info) = message.info() else {
                            continue;
                        };
                        let seq = info.stream_sequence;
                        if seq < state.next_seq {
                            continue;
                        }
                        state.next_seq = seq + 1;
                        let told = match read_event(&message.payload) {
                            Some(envelope) => LinkNews::Event { seq, envelope },
                            None => LinkNews::Skipped { seq },
                        };
                        news.send(told);
                    }
                    Some(Err(err)) if matches!(
                        err.kind(),
                        consumer::push::OrderedErrorKind::MissingHeartbeat
                            | consumer::push::OrderedErrorKind::ConsumerDeleted
                    ) => {
                        // The ordered reader makes itself again, from the last sequence it
                        // gave: nothing is lost, and the broker may well be there.
                        debug!("link: the stream's reader starts again ({})", for_log(&err.to_string()));
                    }
                    Some(Err(err)) => return Ended::Broken(err.to_string()),
                    None => return Ended::Broken("the stream's reader ended".to_owned()),
                },
                beacon = self.beacons.next() => match beacon {
                    Some(message) => {
                        if let Some(beacon) = read_beacon(&message.payload) {
                            news.send(LinkNews::Beacon(beacon));
                        }
                    }
                    None => return Ended::Broken("the beacons ended".to_owned()),
                },
                _ = self.lost.recv() => return Ended::Broken("the connection was lost".to_owned()),
                _ = beat.tick() => {
                    self.release_pending(state).await;
                    self.beacon(state).await;
                    last_beacon = tokio::time::Instant::now();
                }
                _ = refresh.tick() => {
                    self.settle_unclaimed(state).await;
                    for (key, confirmed) in &state.held {
                        if *confirmed {
                            self.names.put(key, state.value().into()).await.ok();
                        }
                    }
                }
            }
        }
    }

    /// Claims the names taken while the broker was away (or could not answer). One another
    /// server took meanwhile stays with both (the room can't take it back from a person), and
    /// the log says so; one the bucket still can't answer for is tried again at the next refresh.
    async fn settle_unclaimed(&self, state: &mut State) {
        let unclaimed: Vec<String> = state
            .held
            .iter()
            .filter(|(_, confirmed)| !**confirmed)
            .map(|(key, _)| key.clone())
            .collect();
        for key in unclaimed {
            match self.claim(state, &key).await {
                Claim::Granted => {
                    state.held.insert(key, true);
                }
                Claim::Taken => {
                    warn!(
                        "link: a name taken while the other sites were unreachable is held \
                         elsewhere too"
                    );
                    state.held.remove(&key);
                }
                Claim::Unreachable => {}
            }
        }
    }

    /// Gives back the names the rooms gave back that nobody in them has (again): a claim the
    /// bucket had is deleted; one it did not is only forgotten.
    async fn release_pending(&self, state: &mut State) {
        if state.releasing.is_empty() {
            return;
        }
        let here = state.keys_here();
        for key in std::mem::take(&mut state.releasing) {
            if !here.contains(&key) && state.held.remove(&key) == Some(true) {
                self.names.delete(&key).await.ok();
            }
        }
    }

    /// Claims `key` for this server: created, or already this server's.
    async fn claim(&self, state: &State, key: &str) -> Claim {
        if self.names.create(key, state.value().into()).await.is_ok() {
            return Claim::Granted;
        }
        // Held already (maybe by this server), or another server's `create` landed first (a
        // race: the error is then not always `AlreadyExists`): what the bucket holds says.
        match self.names.get(key).await {
            Ok(Some(value)) if value.as_ref() == state.value().as_bytes() => Claim::Granted,
            Ok(Some(_)) => Claim::Taken,
            Ok(None) | Err(_) => Claim::Unreachable,
        }
    }

    /// Gives back every name this server holds (it is stopping).
    async fn release_all(&self, state: &State) {
        for (key, confirmed) in &state.held {
            if *confirmed {
                self.names.delete(key).await.ok();
            }
        }
    }

    /// Says who is here, once the server has said.
    async fn beacon(&self, state: &State) {
        let Some(people) = &state.people else {
            return;
        };
        let beacon = Beacon {
            origin: state.origin.clone(),
            boot: state.boot.clone(),
            people: people.clone(),
            rooms: state.rooms.clone(),
        };
        if let Ok(payload) = serde_json::to_vec(&beacon) {
            self.client
                .publish(self.beacon_subject.clone(), payload.into())
                .await
                .ok();
        }
    }

    /// Publishes one event with its id and waits for the broker's acknowledgement: its sequence.
    async fn publish(&self, state: &State, outgoing: &Outgoing) -> Result<u64, String> {
        let envelope = Envelope {
            origin: state.origin.clone(),
            boot: state.boot.clone(),
            room: outgoing.room.clone(),
            id: outgoing.id.clone(),
            msg: (*outgoing.msg).clone(),
        };
        let payload = serde_json::to_vec(&envelope).map_err(|err| err.to_string())?;
        let publish = jetstream::message::PublishMessage::build()
            .payload(payload.into())
            .message_id(outgoing.msg_id.as_str());
        let ack = self
            .context
            .send_publish(self.subject.clone(), publish)
            .await
            .map_err(|err| err.to_string())?;
        match tokio::time::timeout(ACK_PATIENCE, ack).await {
            Ok(Ok(ack)) => Ok(ack.sequence),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err("no acknowledgement from the broker".to_owned()),
        }
    }
}

/// The room's names bucket: made by the first server, found by the others. Its stream is made
/// here as a key-value bucket's is (async-nats's own `create_key_value` first asks for the
/// account's details, which a 2.9 broker answers in a shape it can't read).
async fn open_names(
    context: &jetstream::Context,
    stream: &str,
) -> Result<jetstream::kv::Store, String> {
    let bucket = format!("{stream}_names");
    context
        .get_or_create_stream(stream::Config {
            name: format!("KV_{bucket}"),
            subjects: vec![format!("$KV.{bucket}.>")],
            max_messages_per_subject: 1,
            max_age: CLAIM_LIFE,
            storage: stream::StorageType::File,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: stream::DiscardPolicy::New,
            num_replicas: 1,
            ..Default::default()
        })
        .await
        .map_err(|err| err.to_string())?;
    context
        .get_key_value(&bucket)
        .await
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beacons_and_events_from_the_broker_are_bounded_and_read_as_data() {
        let beacon = Beacon {
            origin: "north".into(),
            boot: "b1".into(),
            people: vec!["alice".into()],
            rooms: BTreeMap::from([("Projet".into(), vec!["bob".into()])]),
        };
        let bytes = serde_json::to_vec(&beacon).unwrap();
        assert_eq!(read_beacon(&bytes), Some(beacon));
        for junk in [
            &b"not json"[..],
            br#"{"origin":"x"}"#,
            br#"{"origin":1,"boot":"b","people":[]}"#,
            br#"{"origin":"x","boot":"b","people":"alice"}"#,
            &[0xff, 0xfe, 0x00],
        ] {
            assert_eq!(read_beacon(junk), None, "{junk:?}");
            assert_eq!(read_event(junk), None, "{junk:?}");
        }
        let huge = Beacon {
            origin: "north".into(),
            boot: "b1".into(),
            people: vec!["x".repeat(100); 6000],
            rooms: BTreeMap::new(),
        };
        let too_long = serde_json::to_vec(&huge).unwrap();
        assert!(too_long.len() > MAX_BEACON_BYTES);
        assert_eq!(read_beacon(&too_long), None, "too long: not even parsed");
    }

    #[test]
    fn a_name_kept_is_held_as_if_someone_here_had_it_and_at_most_so_many_are() {
        let mut state = State::new("a".into(), "1".into(), 1);
        state.keep("k".into(), true);
        assert_eq!(
            state.held.get("k"),
            Some(&false),
            "claimed at the next refresh"
        );
        assert!(state.keys_here().contains("k"), "not given back at a beat");
        state.keep("k".into(), false);
        assert!(!state.keys_here().contains("k"));
        assert!(state.releasing.contains("k"), "given back at the next beat");
        for n in 0..MAX_KEPT_CLAIMS + 10 {
            state.keep(format!("n{n}"), true);
        }
        assert_eq!(state.kept.len(), MAX_KEPT_CLAIMS);
        assert!(!state.held.contains_key(&format!("n{MAX_KEPT_CLAIMS}")));
    }

    #[test]
    fn a_named_rooms_event_says_which_room_and_its_id_is_apart_from_the_default_rooms() {
        // PROTOCOL.md's example.
        let example = r#"{"origin":"north","boot":"18c2f3a9b1d4e7f0","room":"Projet X","id":"12","msg":{"type":"message","id":0,"time":1765000000000,"from":"alice","text":"on se voit à 14 h"}}"#;
        let envelope = read_event(example.as_bytes()).expect("an event");
        assert_eq!(envelope.room.as_deref(), Some("Projet X"));
        let default = serde_json::to_string(&Envelope {
            room: None,
            ..envelope.clone()
        })
        .unwrap();
        assert!(
            !default.contains("room"),
            "absent for the default room: {default}"
        );
        assert_eq!(room_tag(None), "");
        let tag = room_tag(Some("Projet X"));
        assert_ne!(tag, room_tag(Some("Projet Y")));
        assert!(
            tag.starts_with('r') && tag.ends_with('.') && tag.len() == 14,
            "{tag}"
        );
    }

    #[test]
    fn names_sent_to_the_broker_use_only_the_characters_it_allows() {
        assert_eq!(clean_origin("salle-12_b"), "salle-12_b");
        assert_eq!(clean_origin("bâtiment A.1 > *"), "b_timent_A_1____");
        assert_eq!(clean_origin(""), "coucou");
        assert_eq!(clean_origin(&"x".repeat(500)).len(), 64);
        let key = claim_key("ＡＬＩＣＥ\u{202e}.*>");
        assert_eq!(key.len(), 32);
        assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
        assert_eq!(
            claim_key("Alice"),
            claim_key("аlice"),
            "look-alikes, one key"
        );
        let gone = gone_id("north", "b1", "ＡＬＩＣＥ.*>");
        assert!(gone.starts_with("gone.") && gone[5..].chars().all(|c| c.is_ascii_hexdigit()));
        assert!(default_origin(4444).ends_with("-4444"));
        assert_ne!(
            stream_name("a b"),
            stream_name("a_b"),
            "two names, two streams"
        );
        assert!(
            stream_name("Salle des profs ✏️")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        );
    }
}
