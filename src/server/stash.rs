//! The files a host keeps for its room: the offers (behind their own small lock, never held during
//! disk or network work), the signed tokens that name one file and one direction, the files'
//! places on disk, and their SHA-256. What people ask of them is in `files`.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use ring::hmac;

use super::config::FilesConfig;

/// How long an offer waits for its bytes (from the offer, or the end of the last upload
/// connection) before it is forgotten and its room in the quota given back.
pub(super) const UPLOAD_WINDOW: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// How many offers one person may have waiting for their bytes at once.
pub(super) const MAX_WAITING_PER_PERSON: usize = 4;

/// One offered file.
#[derive(Debug)]
pub(super) struct Entry {
    /// Its name, cleaned.
    pub(super) name: String,
    /// Its size.
    pub(super) size: u64,
    /// Its SHA-256, lowercase hex.
    pub(super) sha256: String,
    /// Who offers it.
    pub(super) from: String,
    /// Who it is for, if one person.
    pub(super) to: Option<String>,
    /// Every byte is in and checked; it has been offered.
    pub(super) complete: bool,
    /// An upload connection is writing it now.
    pub(super) uploading: bool,
    /// When it was offered.
    pub(super) offered: Instant,
}

/// The files of one server.
#[derive(Debug)]
pub(super) struct Files {
    pub(super) config: FilesConfig,
    /// The offers, by file id.
    entries: Mutex<HashMap<u64, Entry>>,
    /// The next file id.
    pub(super) next_id: Mutex<u64>,
    /// Signs the tokens: random, made at start; a token is good for this run only.
    key: hmac::Key,
}

/// What a token lets its connection do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grant {
    /// Upload the file's bytes.
    Upload,
    /// Download them.
    Download,
}

impl Grant {
    fn tag(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Download => "download",
        }
    }
}

impl Files {
    /// The registry for `config`, its folder made and emptied (what an earlier run left).
    pub(super) fn open(config: FilesConfig) -> io::Result<Self> {
        fs::create_dir_all(&config.dir)?;
        for entry in fs::read_dir(&config.dir)?.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                fs::remove_file(entry.path()).ok();
            }
        }
        let rng = ring::rand::SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng)
            .map_err(|_| io::Error::other("no randomness for the file tokens"))?;
        Ok(Self {
            config,
            entries: Mutex::new(HashMap::new()),
            next_id: Mutex::new(1),
            key,
        })
    }

    pub(super) fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn path(&self, file: u64, complete: bool) -> PathBuf {
        let name = if complete {
            format!("{file}")
        } else {
            format!("{file}.part")
        };
        self.config.dir.join(name)
    }

    /// `file.grant.signature`: what a connection shows to upload or download `file`.
    pub(super) fn token(&self, file: u64, grant: Grant) -> String {
        let tag = hmac::sign(&self.key, format!("{file}.{}", grant.tag()).as_bytes());
        format!("{file}.{}.{}", grant.tag(), hex::encode(tag.as_ref()))
    }

    /// The file a token is good for, checked in constant time.
    pub(super) fn check(&self, token: &str, grant: Grant) -> Option<u64> {
        let mut parts = token.splitn(3, '.');
        let file: u64 = parts.next()?.parse().ok()?;
        if parts.next()? != grant.tag() {
            return None;
        }
        let signature = hex::decode(parts.next()?).ok()?;
        let message = format!("{file}.{}", grant.tag());
        hmac::verify(&self.key, message.as_bytes(), &signature).ok()?;
        Some(file)
    }

    /// Forgets the offers that have expired, and deletes their bytes (after the lock).
    pub(super) fn purge(&self) {
        let expired: Vec<(u64, bool)> = {
            let mut entries = self.entries();
            let gone: Vec<u64> = entries
                .iter()
                .filter(|(_, e)| {
                    // An offer never uploaded holds its room in the quota for a short while only.
                    let lasts = if e.complete {
                        self.config.expiry
                    } else {
                        self.config.expiry.min(UPLOAD_WINDOW)
                    };
                    e.offered.elapsed() >= lasts && !e.uploading
                })
                .map(|(id, _)| *id)
                .collect();
            gone.into_iter()
                .filter_map(|id| entries.remove(&id).map(|e| (id, e.complete)))
                .collect()
        };
        for (id, complete) in expired {
            fs::remove_file(self.path(id, complete)).ok();
        }
    }

    /// Forgets one offer and its bytes.
    pub(super) fn drop_file(&self, file: u64) {
        let removed = self.entries().remove(&file);
        if let Some(entry) = removed {
            fs::remove_file(self.path(file, entry.complete)).ok();
        }
    }
}
