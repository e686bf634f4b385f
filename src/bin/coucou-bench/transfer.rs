//! The file benchmark (issue #14): one file of `--transfer MB` offered to a Coucou server on
//! `--host:--port`, uploaded once and downloaded once, in clear, each on its own connection; the
//! time of each leg. Run it beside a plain copy (`nc` to `nc`) and a chat load (P1) to compare.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use coucou::protocol::message::decode_server;
use coucou::protocol::{ClientMsg, PROTOCOL_VERSION, ServerMsg};

/// The bytes of the file: this 1 MiB block, again and again.
fn block() -> Vec<u8> {
    (0..1024 * 1024)
        .map(|i: usize| (i * 31 % 251) as u8)
        .collect()
}

fn line(msg: &ClientMsg) -> Vec<u8> {
    let mut line = serde_json::to_vec(msg).unwrap_or_default();
    line.push(b'\n');
    line
}

fn next(reader: &mut BufReader<TcpStream>) -> Result<ServerMsg, String> {
    let mut buf = Vec::new();
    reader
        .read_until(b'\n', &mut buf)
        .map_err(|e| e.to_string())?;
    decode_server(&buf).map_err(|e| e.to_string())
}

fn open(addr: &str, first: &ClientMsg) -> Result<(BufReader<TcpStream>, ServerMsg), String> {
    let stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    (&stream)
        .write_all(&line(first))
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::with_capacity(256 * 1024, stream);
    let answer = next(&mut reader)?;
    Ok((reader, answer))
}

/// Offers, uploads and downloads `mb` MiB; prints one JSON line with the time of each leg.
pub fn run(host: &str, port: u16, mb: u64) -> Result<(), String> {
    let addr = format!("{host}:{port}");
    let block = block();
    let size = mb * block.len() as u64;
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for _ in 0..mb {
        context.update(&block);
    }
    let sha256 = hex::encode(context.finish().as_ref());

    let chat = TcpStream::connect(&addr).map_err(|e| e.to_string())?;
    let hello = ClientMsg::Hello {
        version: PROTOCOL_VERSION,
        name: format!("mover{}", std::process::id()),
        device: None,
    };
    (&chat)
        .write_all(&line(&hello))
        .map_err(|e| e.to_string())?;
    let offer = ClientMsg::Offer {
        name: "bench.bin".into(),
        size,
        sha256,
        to: None,
        label: None,
    };
    (&chat)
        .write_all(&line(&offer))
        .map_err(|e| e.to_string())?;
    let mut chat_reader = BufReader::new(chat.try_clone().map_err(|e| e.to_string())?);
    let (file, token) = loop {
        match next(&mut chat_reader)? {
            ServerMsg::Ready { file, token, .. } => break (file, token),
            ServerMsg::Error { message, .. } => return Err(message),
            _ => {}
        }
    };

    let started = Instant::now();
    let (reader, answer) = open(&addr, &ClientMsg::Upload { token })?;
    if !matches!(answer, ServerMsg::Transfer { offset: 0, .. }) {
        return Err(format!("upload refused: {answer:?}"));
    }
    let mut stream = reader.get_ref().try_clone().map_err(|e| e.to_string())?;
    for _ in 0..mb {
        stream.write_all(&block).map_err(|e| e.to_string())?;
    }
    let sent = started.elapsed();
    stream.shutdown(std::net::Shutdown::Write).ok();
    let mut reader = reader;
    let stored = next(&mut reader)?;
    let upload = started.elapsed();
    if stored != (ServerMsg::Stored { file }) {
        return Err(format!("not stored: {stored:?}"));
    }

    (&chat)
        .write_all(&line(&ClientMsg::Fetch { file, label: None }))
        .map_err(|e| e.to_string())?;
    let token = loop {
        match next(&mut chat_reader)? {
            ServerMsg::Ticket { token, .. } => break token,
            ServerMsg::Error { message, .. } => return Err(message),
            _ => {}
        }
    };
    let started = Instant::now();
    let (mut reader, answer) = open(&addr, &ClientMsg::Download { token, offset: 0 })?;
    if !matches!(answer, ServerMsg::Transfer { .. }) {
        return Err(format!("download refused: {answer:?}"));
    }
    let mut buf = vec![0u8; 256 * 1024];
    let mut got = 0u64;
    loop {
        let n = reader.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        got += n as u64;
    }
    let download = started.elapsed();
    if got != size {
        return Err(format!("downloaded {got} of {size} bytes"));
    }
    let mb_s = |secs: f64| size as f64 / 1e6 / secs;
    println!(
        "{{\"bytes\":{size},\"upload_send_s\":{:.3},\"upload_s\":{:.3},\"upload_mb_s\":{:.1},\"download_s\":{:.3},\"download_mb_s\":{:.1}}}",
        sent.as_secs_f64(),
        upload.as_secs_f64(),
        mb_s(upload.as_secs_f64()),
        download.as_secs_f64(),
        mb_s(download.as_secs_f64())
    );
    Ok(())
}
