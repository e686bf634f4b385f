//! `--ban-list N`: a store holding N bans, for a Coucou server started on it to read back (issue
//! #27's benchmarks: what a long ban list costs).

use std::sync::atomic::Ordering;

/// Writes `count` bans into a new store in `dir`: the even ones on names (`banned-N`), the odd
/// ones on addresses in 10.0.0.0/8; none falls on a benchmark client.
pub fn write(count: u64, dir: &std::path::Path) -> Result<(), String> {
    use coucou::store::{Retention, RuleChange, Store, StoredRule};
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (store, _, _) = Store::open(&dir.join("history.sqlite"), 10, Retention::default())
        .map_err(|e| e.to_string())?;
    for n in 0..count {
        let name = format!("banned-{n}");
        let key = coucou::protocol::NameKey::new(&name);
        let (name_keys, address, shown) = if n % 2 == 0 {
            let keys = (key.folded().to_owned(), key.as_typed().to_owned());
            (Some(keys), None, name)
        } else {
            let [_, a, b, c] = (n as u32).to_be_bytes();
            let ip = std::net::Ipv4Addr::new(10, a, b, c).to_string();
            (None, Some(ip.clone()), ip)
        };
        store.keep_rule(RuleChange::Add(StoredRule {
            mute: false,
            name_keys,
            address,
            shown,
            by: "bench".into(),
            reason: None,
            until: None,
            device: None,
            room: String::new(),
        }));
    }
    let failed = store.failure_flag();
    // Dropping the store writes everything queued, then ends its thread.
    drop(store);
    if failed.load(Ordering::Relaxed) {
        return Err("the bans could not be written".into());
    }
    Ok(())
}
