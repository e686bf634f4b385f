//! A real NATS broker for the linked-room tests: Debian's `nats-server`, started by the test on
//! 127.0.0.1 with a free port and JetStream in a folder of the test's; killed and started again on
//! the same port and folder to cut the link.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long a broker may take to say it is ready.
const READY_WITHIN: Duration = Duration::from_secs(20);

/// A `nats-server` child process.
pub struct Broker {
    child: Option<Child>,
    port: u16,
    store: PathBuf,
}

impl Broker {
    /// Starts a broker on a free port of 127.0.0.1, keeping its streams in `store`.
    pub fn start(store: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        Self::start_at(port, store)
    }

    /// Starts a broker on `port` (one that was stopped: the same broker coming back).
    pub fn start_at(port: u16, store: &Path) -> Self {
        let mut child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(store)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nats-server (Debian's nats-server package; .ci/run installs it)");
        // It says "Server is ready" on its log once it takes connections.
        let log = child.stderr.take().expect("its log");
        let (ready_tx, ready) = crossbeam_channel::bounded(1);
        std::thread::Builder::new()
            .name("test-broker-log".into())
            .spawn(move || {
                let mut said = Vec::new();
                for line in BufReader::new(log).lines().map_while(Result::ok) {
                    if line.contains("Server is ready") {
                        ready_tx.send(Ok(())).ok();
                    }
                    said.push(line);
                    if said.len() > 200 {
                        said.remove(0);
                    }
                }
                ready_tx.send(Err(said)).ok();
            })
            .expect("a thread");
        match ready.recv_timeout(READY_WITHIN) {
            Ok(Ok(())) => {}
            Ok(Err(said)) => panic!("nats-server stopped before it was ready: {said:#?}"),
            Err(_) => panic!("nats-server not ready within {READY_WITHIN:?}"),
        }
        Self {
            child: Some(child),
            port,
            store: store.to_path_buf(),
        }
    }

    /// Where clients connect.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills it at once (no goodbye to its clients), and waits for it to be gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }

    /// Starts it again, on the same port with the same streams.
    pub fn restart(&mut self) {
        self.kill();
        *self = Self::start_at(self.port, &self.store.clone());
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}
