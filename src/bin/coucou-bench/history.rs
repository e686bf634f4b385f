//! The history benchmark (H1, second half): a store of many messages, a Coucou server on it, and
//! the time searches and pages take over JSON on 127.0.0.1, with the store's size per message.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use coucou::protocol::message::decode_server;
use coucou::protocol::{Chat, ClientMsg, PROTOCOL_VERSION, ServerMsg};
use coucou::server::{Server, ServerConfig, StoreConfig};
use coucou::store::{Retention, Store};

/// Words the messages are made of; a few are rare, one has accents that searches fold.
const WORDS: [&str; 24] = [
    "bonjour",
    "réunion",
    "demain",
    "salle",
    "projet",
    "document",
    "merci",
    "pause",
    "midi",
    "budget",
    "calendrier",
    "relire",
    "vendredi",
    "lien",
    "proposition",
    "équipe",
    "client",
    "version",
    "test",
    "serveur",
    "question",
    "réponse",
    "idée",
    "plan",
];

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The text of message `id`: 4 to 15 words; one in ten has "café", one in a thousand "zeppelin".
fn text_of(rng: &mut Rng, id: u64) -> String {
    let n = 4 + rng.below(12);
    let mut words: Vec<&str> = (0..n)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect();
    if id.is_multiple_of(10) {
        words.push("café");
    }
    if id % 1000 == 7 {
        words.push("zeppelin");
    }
    words.join(" ")
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// A JSON client that asks and waits for the answer.
struct Asker {
    reader: BufReader<TcpStream>,
}

impl Asker {
    fn join(addr: SocketAddr) -> Result<Self, String> {
        let stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        let mut asker = Self {
            reader: BufReader::new(stream),
        };
        asker.send(&ClientMsg::Hello {
            version: PROTOCOL_VERSION,
            name: "bench".into(),
            device: None,
        })?;
        asker.until(|m| matches!(m, ServerMsg::Join { .. }))?;
        Ok(asker)
    }

    fn send(&mut self, msg: &ClientMsg) -> Result<(), String> {
        let mut line = serde_json::to_vec(msg).map_err(|e| e.to_string())?;
        line.push(b'\n');
        self.reader
            .get_mut()
            .write_all(&line)
            .map_err(|e| e.to_string())
    }

    fn until(&mut self, wanted: impl Fn(&ServerMsg) -> bool) -> Result<ServerMsg, String> {
        let mut line = Vec::new();
        loop {
            line.clear();
            if self
                .reader
                .read_until(b'\n', &mut line)
                .map_err(|e| e.to_string())?
                == 0
            {
                return Err("the server closed the connection".into());
            }
            let msg = decode_server(&line).map_err(|e| e.to_string())?;
            if let ServerMsg::Error { message, .. } = &msg {
                return Err(format!("the server said: {message}"));
            }
            if wanted(&msg) {
                return Ok(msg);
            }
        }
    }

    /// Times one question; returns how long and how many results or messages came.
    fn time(&mut self, question: &ClientMsg) -> Result<(Duration, usize), String> {
        let start = Instant::now();
        self.send(question)?;
        let answer =
            self.until(|m| matches!(m, ServerMsg::Results { .. } | ServerMsg::History { .. }))?;
        let n = match answer {
            ServerMsg::Results { results, .. } => results.len(),
            ServerMsg::History { messages, .. } => messages.len(),
            _ => 0,
        };
        Ok((start.elapsed(), n))
    }
}

/// Fills a store with `messages`, serves it, and prints what searches and pages took.
pub fn run(messages: u64, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let path = dir.join("history.sqlite");
    if path.exists() {
        return Err(format!("{} exists: give a new folder", path.display()));
    }
    let mut rng = Rng(0x00c0_ffee_2026_1202);
    let start = Instant::now();
    let now = coucou::protocol::now_ms();
    {
        let (store, _, _) =
            Store::open(&path, 0, Retention::default()).map_err(|e| e.to_string())?;
        for id in 1..=messages {
            store.keep(
                &ServerMsg::Message(Chat {
                    id,
                    time: now - (messages - id) * 1000,
                    from: format!("user{}", id % 50),
                    text: text_of(&mut rng, id),
                    action: false,
                    cid: None,
                    ..Default::default()
                }),
                true,
            );
        }
    }
    let fill = start.elapsed();
    let bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(std::path::PathBuf::from(p)).ok()
        })
        .map(|m| m.len())
        .sum();
    println!(
        "stored               {messages} messages in {:.1} s",
        fill.as_secs_f64()
    );
    println!(
        "store size           {:.1} MiB, {:.0} bytes per message",
        bytes as f64 / 1_048_576.0,
        bytes as f64 / messages as f64
    );

    let config = ServerConfig {
        flood: None,
        search_flood: None,
        store: Some(StoreConfig {
            path: path.clone(),
            retention: Retention::default(),
        }),
        ..ServerConfig::default()
    };
    let opened = Instant::now();
    let server =
        Server::bind(SocketAddr::from(([127, 0, 0, 1], 0)), config).map_err(|e| e.to_string())?;
    println!(
        "server start         {:.0} ms (opening the store)",
        opened.elapsed().as_secs_f64() * 1000.0
    );
    let mut asker = Asker::join(server.local_addr())?;

    let queries: [(&str, &str); 5] = [
        ("common word (1 in 10)", "cafe"),
        ("rare word (1 in 1000)", "zeppelin"),
        ("two words", "reunion demain"),
        ("start of a word", "calend"),
        ("nothing found", "xylophone"),
    ];
    let mut all = Vec::new();
    for (what, words) in queries {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..100 {
            let (took, n) = asker.time(&ClientMsg::Search {
                text: words.into(),
                limit: None,
                label: None,
            })?;
            times.push(took);
            found = n;
        }
        times.sort();
        println!(
            "search {what:<22} p50 {:>6.2} ms  p99 {:>6.2} ms  ({found} results)",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "search, all {:>4}      p50 {:>6.2} ms  p99 {:>6.2} ms  max {:.2} ms",
        all.len(),
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    );
    let mut pages = Vec::new();
    for _ in 0..200 {
        let before = 1 + rng.below(messages);
        let (took, _) = asker.time(&ClientMsg::History {
            before: Some(before),
            limit: Some(200),
            label: None,
        })?;
        pages.push(took);
    }
    pages.sort();
    println!(
        "page of 200           p50 {:>6.2} ms  p99 {:>6.2} ms",
        percentile(&pages, 0.5),
        percentile(&pages, 0.99)
    );
    server.stop();
    Ok(())
}
