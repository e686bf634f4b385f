//! Out of file descriptors: the server in a child process with a 64-file limit, flooded with
//! connections until `accept` fails with EMFILE. It must neither spin nor flood its log, and must
//! take people again once descriptors are free.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{PATIENCE, Plain, coucou};

/// CPU time (user + system) the process has used, from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the server's /proc entry");
    // Fields after the command name (which may hold spaces) start at `state`, field 3.
    let after = &stat[stat.rfind(')').expect("a command name in /proc stat") + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    let per_second: u64 = String::from_utf8(
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .expect("getconf runs")
            .stdout,
    )
    .expect("getconf prints UTF-8")
    .trim()
    .parse()
    .expect("CLK_TCK is a number");
    Duration::from_millis(ticks * 1000 / per_second)
}

#[test]
fn out_of_descriptors_the_accept_loop_backs_off_logs_little_and_recovers() {
    let coucou = coucou();
    let mut command = Command::new("bash");
    // The same temp home as every test's `coucou`: no test touches the real config folder.
    command.envs(
        coucou
            .get_envs()
            .filter_map(|(key, value)| value.map(|value| (key, value))),
    );
    command
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" "$@""#)
        .arg(coucou.get_program())
        .args(["server", "--bind", "127.0.0.1", "--port", "0"])
        .args(["--max-people", "100", "--max-pending", "1000"])
        .args([
            "--max-pending-per-address",
            "1000",
            "--handshake-timeout",
            "600",
        ])
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped());
    // The port comes on stdout; stderr is read below.
    let (mut child, port) = crate::common::spawn_server_from(command);
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (log_tx, log) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("test-stderr".into())
        .spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                log_tx.send((Instant::now(), line)).ok();
            }
        })
        .unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));

    // More silent connections than the server has descriptors: the rest wait in the kernel's queue.
    let idle: Vec<TcpStream> = (0..120)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    let mut lines = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    let first_failure = loop {
        let (at, line) = log
            .recv_deadline(deadline)
            .unwrap_or_else(|_| panic!("no accept failure logged; stderr: {lines:#?}"));
        lines.push(line.clone());
        if line.contains("accept failed") {
            break at;
        }
    };
    assert!(
        lines.iter().any(|l| l.contains("may open only 64 files")),
        "no warning about the limit: {lines:#?}"
    );

    // Watch it for three seconds while it can't accept.
    let window = Duration::from_secs(3);
    let cpu_before = cpu_time(child.id());
    let watch_start = Instant::now();
    let mut failures_logged = 0;
    while let Ok((at, line)) = log.recv_deadline(watch_start + window) {
        if line.contains("accept failed") && at > first_failure {
            failures_logged += 1;
        }
    }
    let cpu = cpu_time(child.id()) - cpu_before;
    let watched = watch_start.elapsed();
    eprintln!("out of descriptors: {cpu:?} of CPU and {failures_logged} log lines in {watched:?}");
    assert!(
        cpu.as_secs_f64() < 0.10 * watched.as_secs_f64(),
        "the accept loop used {cpu:?} of CPU in {watched:?}"
    );
    assert!(
        failures_logged <= 4,
        "{failures_logged} accept failures logged in {watched:?}"
    );

    // Descriptors free again: a person gets in.
    drop(idle);
    let mut alice = Plain::connect(addr);
    alice.send("alice");
    alice.expect("*** alice joined the room");
    child.kill().ok();
    child.wait().ok();
}
