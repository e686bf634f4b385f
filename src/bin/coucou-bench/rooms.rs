//! The rooms benchmark (issue #26): one JSON client joins `--join-rooms N` named rooms
//! (`bench-1`…, which the server must have) with N lines sent at once, and the time until all N
//! welcomes are in is measured; twenty clients, one after the other, each on a fresh connection.
//! First a filler says [`HISTORY`] messages in every room, so that each welcome carries a full
//! history, as in a room that has been used.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use coucou::protocol::message::decode_server;
use coucou::protocol::{ClientMsg, PROTOCOL_VERSION, ServerMsg};

use super::json_line_in as line;

/// How many clients join the rooms, one after the other.
const CLIENTS: usize = 20;

/// How many messages the filler says in each room first (a welcome carries the last 100).
const HISTORY: usize = 100;

/// One client: hello, then the N joins at once; the time from sending them to the last welcome.
/// With `fill`, it then says that many messages in each room and waits for the last one's echo.
fn join_all(addr: &str, name: &str, rooms: usize, fill: usize) -> Result<Duration, String> {
    let stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::with_capacity(256 * 1024, stream);
    let hello = ClientMsg::Hello {
        version: PROTOCOL_VERSION,
        name: name.to_owned(),
        device: None,
    };
    writer
        .write_all(&line(&hello, None))
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let mut next = |reader: &mut BufReader<TcpStream>| -> Result<ServerMsg, String> {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => Err("the server closed the connection".to_owned()),
            Ok(_) => decode_server(&buf).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    };
    // In the default room: its welcome, then our own join.
    loop {
        if let ServerMsg::Join { name: n, .. } = next(&mut reader)?
            && n == name
        {
            break;
        }
    }
    let joins: Vec<u8> = (1..=rooms)
        .flat_map(|k| line(&ClientMsg::JoinRoom {}, Some(&format!("bench-{k}"))))
        .collect();
    let start = Instant::now();
    writer.write_all(&joins).map_err(|e| e.to_string())?;
    let mut welcomes = 0;
    while welcomes < rooms {
        match next(&mut reader)? {
            ServerMsg::Welcome { .. } => welcomes += 1,
            ServerMsg::Error { message, .. } => return Err(format!("refused: {message}")),
            _ => {}
        }
    }
    let took = start.elapsed();
    if fill > 0 {
        let said: Vec<u8> = (1..=rooms)
            .flat_map(|k| {
                (0..fill).flat_map(move |n| {
                    let say = ClientMsg::Say {
                        text: format!("message {n} of the room's history, as people write them"),
                        cid: None,
                    };
                    line(&say, Some(&format!("bench-{k}")))
                })
            })
            .collect();
        writer.write_all(&said).map_err(|e| e.to_string())?;
        let mut echoes = 0;
        while echoes < rooms * fill {
            if let ServerMsg::Message(chat) = next(&mut reader)?
                && chat.from == name
            {
                echoes += 1;
            }
        }
    }
    writer
        .write_all(&line(&ClientMsg::Quit {}, None))
        .map_err(|e| e.to_string())?;
    Ok(took)
}

/// Runs the benchmark against `host:port` and prints one line of results.
pub fn run(host: &str, port: u16, rooms: usize) -> Result<(), String> {
    let addr = format!("{host}:{port}");
    join_all(&addr, "filler", rooms, HISTORY)?;
    let mut times: Vec<Duration> = (0..CLIENTS)
        .map(|i| join_all(&addr, &format!("joiner{i}"), rooms, 0))
        .collect::<Result<_, _>>()?;
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{rooms} rooms of {HISTORY} messages joined at once by {CLIENTS} clients in turn: all welcomes in after p50 {:.2} ms, max {:.2} ms",
        ms(times[CLIENTS / 2]),
        ms(times[CLIENTS - 1])
    );
    Ok(())
}
