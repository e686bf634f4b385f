//! This person's files going to and from the room, as one owner that decides and keeps count
//! (no egui, no threads of its own): files measured and queued while the room lets no more
//! offers wait, offers and fetches awaiting the room's answer (matched by their label), each
//! upload's token, where each download goes, and the transfer threads running. The app starts
//! the threads it is told to and shows their progress.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use super::asked::Asked;
use crate::client::transfer::{self, Transfer};
use crate::protocol::message::{Label, MAX_OFFERS_WAITING};
use crate::protocol::{ClientMsg, ErrorCode, ServerMsg};

/// A file measured, to offer to `to` (or the room).
#[derive(Debug, Clone)]
struct Measured {
    path: PathBuf,
    size: u64,
    sha256: String,
    to: Option<String>,
}

/// What an answer of the room means for this person's files.
#[derive(Debug, PartialEq, Eq)]
pub enum Answered {
    /// An offer was taken: upload `path` as `file`, with the token now kept.
    Upload {
        /// The file's id in the room.
        file: u64,
        /// The file on this computer.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// Who it is for; the room when `None`.
        to: Option<String>,
    },
    /// A fetch was granted: download `file` with `token`.
    Download {
        /// The file's id in the room.
        file: u64,
        /// The token for the download connection.
        token: String,
    },
    /// An offer was refused (the room's words show in the conversation): a place is free.
    OfferRefused,
    /// A fetch was refused: this download, and only this one, fails with the room's words.
    FetchRefused {
        /// The file's id in the room.
        file: u64,
        /// The room's words.
        why: String,
    },
}

/// This person's offers, fetches, uploads and downloads.
#[derive(Debug, Default)]
pub struct Transfers {
    /// Measured, not offered yet, in order.
    queued: VecDeque<Measured>,
    /// Offered, awaiting the room's answer, oldest first, with the label each was sent with.
    offered: VecDeque<(Option<Label>, Measured)>,
    /// Files asked for, awaiting their ticket, oldest first, with the label each was sent with.
    fetching: VecDeque<(Option<Label>, u64)>,
    /// Each upload's file and token, by file id, to go on after a cut.
    uploads: HashMap<u64, (PathBuf, String)>,
    /// The transfer threads running, by file id.
    running: HashMap<u64, Transfer>,
    /// Where each download goes, by file id (kept, so that a retry goes on from its part).
    destinations: HashMap<u64, PathBuf>,
}

impl Transfers {
    /// Queues a measured file for `to` (or the room).
    pub fn queue(&mut self, path: PathBuf, size: u64, sha256: String, to: Option<String>) {
        self.queued.push_back(Measured {
            path,
            size,
            sha256,
            to,
        });
    }

    /// The offers to send now, in order, while `uploading` (uploads not yet done) and the
    /// offers not yet answered leave the room a place for one more; each is then awaited.
    pub fn due(&mut self, uploading: usize, asked: &mut Asked) -> Vec<ClientMsg> {
        let mut due = Vec::new();
        while uploading + self.offered.len() < MAX_OFFERS_WAITING
            && let Some(measured) = self.queued.pop_front()
        {
            let label = asked.label();
            due.push(ClientMsg::Offer {
                name: display_name(&measured.path),
                size: measured.size,
                sha256: measured.sha256.clone(),
                to: measured.to.clone(),
                label,
            });
            self.offered.push_back((label, measured));
        }
        due
    }

    /// The request for `file`'s ticket, now awaited.
    pub fn fetch(&mut self, file: u64, asked: &mut Asked) -> ClientMsg {
        let label = asked.label();
        self.fetching.push_back((label, file));
        ClientMsg::Fetch { file, label }
    }

    /// What the room's `msg` answers, if it answers an offer or a fetch of this person's. With
    /// labels, an answer finds its own request. Without (an older room), the room answers in
    /// order: a token or a refusal of an offer is the oldest offer's, a ticket or `no_such_file`
    /// the oldest fetch's.
    pub fn answered(&mut self, msg: &ServerMsg) -> Option<Answered> {
        match msg {
            ServerMsg::Ready { file, token, label } => {
                let (_, offer) = take(&mut self.offered, *label)?;
                self.uploads
                    .insert(*file, (offer.path.clone(), token.clone()));
                Some(Answered::Upload {
                    file: *file,
                    path: offer.path,
                    size: offer.size,
                    to: offer.to,
                })
            }
            ServerMsg::Ticket { file, token, label } => {
                let at = match label {
                    Some(_) => self.fetching.iter().position(|(l, _)| l == label),
                    None => self.fetching.iter().position(|(_, f)| f == file),
                };
                at.and_then(|at| self.fetching.remove(at));
                Some(Answered::Download {
                    file: *file,
                    token: token.clone(),
                })
            }
            ServerMsg::Error {
                label: Some(label),
                message,
                ..
            } => {
                if take(&mut self.offered, Some(*label)).is_some() {
                    return Some(Answered::OfferRefused);
                }
                let (_, file) = take(&mut self.fetching, Some(*label))?;
                Some(Answered::FetchRefused {
                    file,
                    why: message.clone(),
                })
            }
            ServerMsg::Error { code, message, .. } => match code {
                ErrorCode::FileTooLarge | ErrorCode::QuotaFull | ErrorCode::Unavailable => {
                    take(&mut self.offered, None).map(|_| Answered::OfferRefused)
                }
                ErrorCode::NoSuchFile => {
                    let (_, file) = take(&mut self.fetching, None)?;
                    Some(Answered::FetchRefused {
                        file,
                        why: message.clone(),
                    })
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The connection is gone: its requests will never be answered. The offers go back to the
    /// front of the queue, to be offered again on the next connection; the files whose ticket
    /// was awaited are returned (they are asked for again by hand).
    pub fn connection_lost(&mut self) -> Vec<u64> {
        for (_, offer) in self.offered.drain(..).rev() {
            self.queued.push_front(offer);
        }
        self.fetching.drain(..).map(|(_, file)| file).collect()
    }

    /// How many offers and fetches await the room's answer.
    pub fn awaited(&self) -> usize {
        self.offered.len() + self.fetching.len()
    }

    /// The conversation is closed: every transfer stops, and nothing is queued or awaited.
    pub fn close(&mut self) {
        for (_, handle) in self.running.drain() {
            handle.cancel();
        }
        *self = Self::default();
    }

    /// The file and token of `file`'s upload, to start it (again).
    pub fn upload(&self, file: u64) -> Option<(PathBuf, String)> {
        self.uploads.get(&file).cloned()
    }

    /// The files this person uploads (or uploaded), by id.
    pub fn uploads(&self) -> impl Iterator<Item = u64> + '_ {
        self.uploads.keys().copied()
    }

    /// Forgets `file`'s upload (stopped and dismissed).
    pub fn forget_upload(&mut self, file: u64) {
        self.uploads.remove(&file);
    }

    /// `file`'s transfer thread started.
    pub fn started(&mut self, file: u64, handle: Transfer) {
        if let Some(old) = self.running.insert(file, handle) {
            old.cancel();
        }
    }

    /// Stops `file`'s transfer thread, if one runs.
    pub fn cancel(&mut self, file: u64) {
        if let Some(handle) = self.running.remove(&file) {
            handle.cancel();
        }
    }

    /// `file`'s transfer thread ended (finished or failed).
    pub fn ended(&mut self, file: u64) {
        self.running.remove(&file);
    }

    /// Where `file` is downloaded, once chosen.
    pub fn destination(&self, file: u64) -> Option<&Path> {
        self.destinations.get(&file).map(PathBuf::as_path)
    }

    /// Forgets where `file` went (a picture fetched into the cache: a download asked later goes
    /// where downloads go).
    pub fn forget_destination(&mut self, file: u64) {
        self.destinations.remove(&file);
    }

    /// Downloads `file` to `path`.
    pub fn set_destination(&mut self, file: u64, path: PathBuf) {
        self.destinations.insert(file, path);
    }

    /// A path in `dir` for `name` that no file has and no other download is going to.
    pub fn free_path(&self, dir: &Path, name: &str) -> PathBuf {
        transfer::free_path(dir, name, |p| self.destinations.values().any(|d| d == p))
    }
}

/// Takes the request labelled `label` from `waiting`; without a label, the oldest, if it was
/// sent without one too (a room that echoes labels answers every labelled request with its own).
fn take<T>(
    waiting: &mut VecDeque<(Option<Label>, T)>,
    label: Option<Label>,
) -> Option<(Option<Label>, T)> {
    let at = match label {
        Some(_) => waiting.iter().position(|(l, _)| *l == label)?,
        None => {
            waiting.front().filter(|(l, _)| l.is_none())?;
            0
        }
    };
    waiting.remove(at)
}

/// A file's name, as its offer and the line above the input show it.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered(msgs: &[ClientMsg]) -> Vec<String> {
        msgs.iter()
            .map(|m| match m {
                ClientMsg::Offer { name, .. } => name.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn labels(msgs: &[ClientMsg]) -> Vec<Option<Label>> {
        msgs.iter().map(ClientMsg::label).collect()
    }

    fn queued(transfers: &mut Transfers, names: &[&str]) {
        for name in names {
            let to = name.starts_with("to-bob").then(|| "bob".to_owned());
            transfers.queue(format!("/tmp/{name}").into(), 1, "0".repeat(64), to);
        }
    }

    fn ready(file: u64, label: Option<Label>) -> ServerMsg {
        ServerMsg::Ready {
            file,
            token: format!("t{file}"),
            label,
        }
    }

    fn refused(code: ErrorCode, label: Option<Label>) -> ServerMsg {
        ServerMsg::Error {
            code,
            message: format!("{code:?}"),
            label,
            cid: None,
        }
    }

    fn uploaded(answer: Option<Answered>) -> Option<PathBuf> {
        match answer? {
            Answered::Upload { path, .. } => Some(path),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn offers_wait_in_order_for_a_place_among_those_the_room_lets_wait() {
        let mut transfers = Transfers::default();
        let mut asked = Asked::connected(false);
        queued(
            &mut transfers,
            &["0.jpg", "1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg"],
        );
        // One upload still going: three places.
        let due = transfers.due(1, &mut asked);
        assert_eq!(offered(&due), ["0.jpg", "1.jpg", "2.jpg"]);
        assert_eq!(
            labels(&due),
            [None, None, None],
            "an older room gets no labels"
        );
        assert!(transfers.due(1, &mut asked).is_empty(), "all awaited");
        // The room answers the oldest: one place more.
        let first = transfers.answered(&ready(10, None));
        assert_eq!(uploaded(first), Some("/tmp/0.jpg".into()));
        assert_eq!(
            transfers.upload(10),
            Some(("/tmp/0.jpg".into(), "t10".into()))
        );
        assert_eq!(offered(&transfers.due(1, &mut asked)), ["3.jpg"]);
        assert_eq!(offered(&transfers.due(0, &mut asked)), ["4.jpg"]);
        for file in 11..15 {
            transfers.answered(&ready(file, None));
        }
        assert!(transfers.due(MAX_OFFERS_WAITING, &mut asked).is_empty());
        assert_eq!(offered(&transfers.due(0, &mut asked)), ["5.jpg"]);
        assert!(transfers.answered(&ready(15, None)).is_some());
        assert_eq!(
            transfers.answered(&ready(16, None)),
            None,
            "nothing awaited"
        );
    }

    #[test]
    fn a_refused_private_offer_leaves_the_next_token_to_the_right_file() {
        let mut transfers = Transfers::default();
        let mut asked = Asked::connected(true);
        queued(&mut transfers, &["to-bob.pdf", "notes.txt"]);
        let due = transfers.due(0, &mut asked);
        assert_eq!(labels(&due), [Some(1), Some(2)]);
        // Bob left: the room refuses the first offer with a code no guess would pair with it.
        let answer = transfers.answered(&refused(ErrorCode::NoSuchUser, Some(1)));
        assert_eq!(answer, Some(Answered::OfferRefused));
        let answer = transfers.answered(&ready(7, Some(2)));
        assert_eq!(uploaded(answer), Some("/tmp/notes.txt".into()));
        assert_eq!(
            transfers.upload(7),
            Some(("/tmp/notes.txt".into(), "t7".into()))
        );
    }

    #[test]
    fn an_error_for_another_request_leaves_offers_and_fetches_alone() {
        let mut transfers = Transfers::default();
        let mut asked = Asked::connected(true);
        queued(&mut transfers, &["a.txt"]);
        transfers.due(0, &mut asked);
        transfers.fetch(40, &mut asked);
        // A failed search (its own label), a flood on a message (none): not theirs.
        let search = asked.label();
        assert_eq!(
            transfers.answered(&refused(ErrorCode::Unavailable, search)),
            None
        );
        assert_eq!(
            transfers.answered(&refused(ErrorCode::Unavailable, None)),
            None
        );
        assert_eq!(
            transfers.answered(&refused(ErrorCode::NoSuchFile, None)),
            None
        );
        let answer = transfers.answered(&ready(8, Some(1)));
        assert_eq!(uploaded(answer), Some("/tmp/a.txt".into()));
    }

    #[test]
    fn a_missing_file_fails_only_its_own_download() {
        let mut transfers = Transfers::default();
        let mut asked = Asked::connected(true);
        let first = transfers.fetch(40, &mut asked);
        let second = transfers.fetch(41, &mut asked);
        assert_eq!((first.label(), second.label()), (Some(1), Some(2)));
        let answer = transfers.answered(&refused(ErrorCode::NoSuchFile, Some(2)));
        assert_eq!(
            answer,
            Some(Answered::FetchRefused {
                file: 41,
                why: "NoSuchFile".into()
            })
        );
        let ticket = ServerMsg::Ticket {
            file: 40,
            token: "d40".into(),
            label: Some(1),
        };
        assert_eq!(
            transfers.answered(&ticket),
            Some(Answered::Download {
                file: 40,
                token: "d40".into()
            })
        );
        assert!(transfers.connection_lost().is_empty(), "both answered");
    }

    #[test]
    fn an_older_room_s_refusals_are_matched_in_order() {
        let mut transfers = Transfers::default();
        let mut asked = Asked::connected(false);
        queued(&mut transfers, &["big.iso", "small.txt"]);
        transfers.due(0, &mut asked);
        transfers.fetch(40, &mut asked);
        transfers.fetch(41, &mut asked);
        let answer = transfers.answered(&refused(ErrorCode::FileTooLarge, None));
        assert_eq!(answer, Some(Answered::OfferRefused));
        assert_eq!(
            uploaded(transfers.answered(&ready(9, None))),
            Some("/tmp/small.txt".into())
        );
        let answer = transfers.answered(&refused(ErrorCode::NoSuchFile, None));
        assert!(
            matches!(answer, Some(Answered::FetchRefused { file: 40, .. })),
            "{answer:?}"
        );
        assert_eq!(transfers.connection_lost(), [41]);
    }

    #[test]
    fn offers_unanswered_when_the_connection_is_lost_are_offered_again_first() {
        let mut transfers = Transfers::default();
        let mut asked = Asked::connected(true);
        queued(&mut transfers, &["0", "1", "2", "3", "4", "5"]);
        assert_eq!(transfers.due(0, &mut asked).len(), MAX_OFFERS_WAITING);
        transfers.fetch(40, &mut asked);
        assert_eq!(transfers.connection_lost(), [40]);
        let mut asked = Asked::connected(true);
        let due = transfers.due(0, &mut asked);
        assert_eq!(offered(&due), ["0", "1", "2", "3"]);
        assert_eq!(labels(&due), [Some(1), Some(2), Some(3), Some(4)]);
        // An answer from the lost connection's labels can't be taken for a new one's.
        assert_eq!(transfers.answered(&ready(3, Some(9))), None);
    }

    #[test]
    fn downloads_get_free_names_and_keep_their_destination() {
        let dir = tempfile::tempdir().expect("a temp folder");
        std::fs::write(dir.path().join("a.txt"), b"here").expect("a file");
        let mut transfers = Transfers::default();
        let first = transfers.free_path(dir.path(), "a.txt");
        assert_eq!(first, dir.path().join("a (2).txt"));
        transfers.set_destination(1, first.clone());
        assert_eq!(
            transfers.free_path(dir.path(), "a.txt"),
            dir.path().join("a (3).txt")
        );
        assert_eq!(transfers.destination(1), Some(first.as_path()));
        assert_eq!(transfers.destination(2), None);
    }
}
