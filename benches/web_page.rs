//! The web page in Debian's headless chromium (through chromedriver) on 127.0.0.1, against a real
//! in-process server: how many bytes the page is (HTML, CSS, JavaScript, icon), and the time from
//! navigation to the welcome shown — the page loaded (`domContentLoadedEventEnd`), then, once a
//! name is in, from the click on Join to the room on screen (the WebSocket opened, the hello, the
//! welcome drawn). The name is put in by the page's own script, so that no WebDriver round trip is
//! counted. Printed for BENCHMARKS.md: each round, then the median and the worst.
//! Needs `chromium` and `chromium-driver`: `cargo bench --features browser-tests --bench web_page`.
#![allow(clippy::unwrap_used, missing_docs)] // reason: a benchmark binary.

#[path = "../tests/suite/webdriver.rs"]
mod webdriver;

use std::net::TcpListener;

use coucou::server::{Server, ServerConfig};
use serde_json::json;
use webdriver::{Driver, Page};

const ROUNDS: usize = 10;

fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = Server::start(listener, ServerConfig::default()).unwrap();
    let addr = server.local_addr();
    let driver = Driver::start();
    let page = Page::open(&driver, "en-US");
    println!(
        "page: {} bytes (HTML + CSS + JS + icon)",
        coucou::server::page_bytes()
    );
    let mut totals = Vec::new();
    for round in 0..ROUNDS {
        page.go(addr);
        let loaded = page
            .script(
                "return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd",
                json!([]),
            )
            .as_f64()
            .unwrap();
        let joined = page
            .call_async(
                "const [name, done] = arguments;
                 document.getElementById('name').value = name;
                 const room = document.getElementById('room');
                 const start = performance.now();
                 const seen = new MutationObserver(() => {
                   if (!room.hidden) { seen.disconnect(); done(performance.now() - start); }
                 });
                 seen.observe(room, {attributes: true});
                 document.getElementById('join-form').requestSubmit();",
                json!([format!("round{round}")]),
            )
            .as_f64()
            .unwrap();
        let total = loaded + joined;
        println!("round {round}: loaded {loaded:.1} ms + joined {joined:.1} ms = {total:.1} ms");
        totals.push(total);
    }
    totals.sort_by(f64::total_cmp);
    println!(
        "navigation to welcome: median {:.1} ms, worst {:.1} ms",
        totals[ROUNDS / 2],
        totals[ROUNDS - 1]
    );
}
