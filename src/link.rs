//! One room across several servers (issue #15), the broker's side: a [`Link`] to one NATS
//! JetStream stream per room. The stream's order is the room's order: every server publishes its
//! events there and reads back everyone's — its own included — in the stream's sequence, which is
//! the room-wide id.
//!
//! The link runs on its own thread (`coucou-link`, a current-thread tokio runtime: async-nats is
//! async only). The server hands it events over a channel and never waits on the broker; the link
//! hands back, through an [`EventSink`], each event with its sequence, and whether the broker is
//! reachable. While it is not, what the server hands over waits in order and is published once it
//! is back, each with the id it was given (`Nats-Msg-Id`): a publish retried after a lost
//! acknowledgement is stored once. Reading goes on from the last sequence seen.
//!
//! What comes from the stream is read like anything from the network: an event that is not
//! well-formed JSON of the right shape, or is too long, is skipped (and counted), never trusted.

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

/// How long a publish waits for its acknowledgement before it is tried again (same id).
const ACK_PATIENCE: Duration = Duration::from_secs(5);

/// The wait between two tries to reach the broker, or to publish again.
const RETRY: Duration = Duration::from_millis(250);

/// What waits to be published, oldest first: each event with its id.
type Waiting = std::collections::VecDeque<(String, Box<ServerMsg>)>;

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
    /// Its id at that server (with the origin, its `Nats-Msg-Id`).
    pub id: String,
    /// The event.
    pub msg: ServerMsg,
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
}

/// A link on its thread. Dropping it stops the thread (what was not yet published is not).
#[derive(Debug)]
pub struct Link {
    tx: mpsc::UnboundedSender<Job>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug)]
enum Job {
    Publish { id: String, msg: Box<ServerMsg> },
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
                runtime.block_on(run(config, from.max(1), rx, news));
            })?;
        Ok(Self {
            tx,
            thread: Some(thread),
        })
    }

    /// Publishes `msg` with this server's id `id` for it (unique at this server: with the
    /// origin, it is how a copy is told apart). Never waits.
    pub fn publish(&self, id: String, msg: ServerMsg) {
        self.tx
            .send(Job::Publish {
                id,
                msg: Box::new(msg),
            })
            .ok();
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.tx.send(Job::Stop).ok();
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

/// The stream's name for a room: letters, digits, `-` and `_` only (NATS allows no `.`, `*`, `>`
/// or spaces there); anything else becomes `_`, and a hash of the name keeps two names apart.
pub fn stream_name(room: &str) -> String {
    let cleaned: String = room
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let digest = ring::digest::digest(&ring::digest::SHA256, room.as_bytes());
    format!("COUCOU_{cleaned}_{}", hex::encode(&digest.as_ref()[..4]))
}

/// The subject a room's events are published on.
fn subject(stream: &str) -> String {
    format!("coucou.{stream}")
}

/// Reads an event from the stream's bytes, if it is one.
pub fn read_event(payload: &[u8]) -> Option<Envelope> {
    if payload.len() > MAX_EVENT_BYTES {
        return None;
    }
    serde_json::from_slice(payload).ok()
}

/// The link's life: connect, make sure the stream is there, then read and publish until told to
/// stop; on any trouble with the broker, say so once, and start again from the last sequence.
async fn run(
    config: LinkConfig,
    from: u64,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    news: EventSink<LinkNews>,
) {
    let stream = stream_name(&config.room);
    let mut next_seq = from;
    // What waits to be published, oldest first; the head is published again until stored.
    let mut waiting = Waiting::new();
    let mut up = None::<bool>;
    loop {
        let session = Session::open(&config.url, &stream, next_seq).await;
        let mut session = match session {
            Ok(session) => session,
            Err(err) => {
                if up != Some(false) {
                    info!("link: the broker can't be reached ({err})");
                    news.send(LinkNews::Down);
                    up = Some(false);
                }
                // Wait, taking what the server hands over meanwhile.
                let sleep = tokio::time::sleep(RETRY);
                tokio::pin!(sleep);
                loop {
                    tokio::select! {
                        () = &mut sleep => break,
                        job = jobs.recv() => match job {
                            Some(Job::Publish { id, msg }) => waiting.push_back((id, msg)),
                            Some(Job::Stop) | None => return,
                        },
                    }
                }
                continue;
            }
        };
        if up != Some(true) {
            info!("link: the broker is reachable");
            news.send(LinkNews::Up);
            up = Some(true);
        }
        let ended = session
            .serve(
                &config.origin,
                &mut jobs,
                &mut waiting,
                &mut next_seq,
                &news,
            )
            .await;
        match ended {
            Ended::Stopped => return,
            Ended::Broken(why) => {
                debug!("link: {why}");
                if up != Some(false) {
                    news.send(LinkNews::Down);
                    up = Some(false);
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

/// One connection to the broker: the stream, and an ordered reader from a sequence on.
struct Session {
    context: jetstream::Context,
    subject: String,
    messages: consumer::push::Ordered,
}

impl Session {
    async fn open(url: &str, stream: &str, from: u64) -> Result<Self, String> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(2))
            .max_reconnects(Some(1))
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
                ..Default::default()
            })
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
            context,
            subject,
            messages,
        })
    }

    /// Reads and publishes until stopped or broken.
    async fn serve(
        &mut self,
        origin: &str,
        jobs: &mut mpsc::UnboundedReceiver<Job>,
        waiting: &mut Waiting,
        next_seq: &mut u64,
        news: &EventSink<LinkNews>,
    ) -> Ended {
        loop {
            // Publish what waits, in order, each until it is stored.
            while let Some((id, msg)) = waiting.front() {
                match self.publish(origin, id, msg).await {
                    Ok(seq) => {
                        news.send(LinkNews::Stored {
                            id: id.clone(),
                            seq,
                        });
                        waiting.pop_front();
                    }
                    Err(why) => return Ended::Broken(why),
                }
            }
            tokio::select! {
                job = jobs.recv() => match job {
                    Some(Job::Publish { id, msg }) => waiting.push_back((id, msg)),
                    Some(Job::Stop) | None => return Ended::Stopped,
                },
                message = self.messages.next() => match message {
                    Some(Ok(message)) => {
                        let Ok(info) = message.info() else {
                            continue;
                        };
                        let seq = info.stream_sequence;
                        if seq < *next_seq {
                            continue;
                        }
                        *next_seq = seq + 1;
                        let told = match read_event(&message.payload) {
                            Some(envelope) => LinkNews::Event { seq, envelope },
                            None => LinkNews::Skipped { seq },
                        };
                        news.send(told);
                    }
                    Some(Err(err)) => return Ended::Broken(err.to_string()),
                    None => return Ended::Broken("the stream's reader ended".to_owned()),
                },
            }
        }
    }

    /// Publishes one event with its id and waits for the broker's acknowledgement: its sequence.
    async fn publish(&self, origin: &str, id: &str, msg: &ServerMsg) -> Result<u64, String> {
        let envelope = Envelope {
            origin: origin.to_owned(),
            id: id.to_owned(),
            msg: msg.clone(),
        };
        let payload = serde_json::to_vec(&envelope).map_err(|err| err.to_string())?;
        let publish = jetstream::message::PublishMessage::build()
            .payload(payload.into())
            .message_id(format!("{origin}.{id}"));
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
