//! Desktop notifications, behind a seam: the app calls a [`Notifier`]; the real one shows them with
//! notify-rust (D-Bus) from its own thread, so the UI thread never waits on the session bus.
//!
//! On a system with no notification service, the first failure is logged once and the rest are
//! dropped quietly: nothing breaks, nothing is logged in a loop. Clicking a notification (its
//! default action) asks the app to bring its window forward.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use crossbeam_channel::Sender;
use log::{debug, warn};

use crate::EventSink;
use crate::ui::chat::Showing;

/// What the app notifies about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The title: who, and where.
    pub title: String,
    /// The message.
    pub body: String,
    /// The label of the button that opens the conversation (where the desktop shows one).
    pub open: String,
    /// The conversation it is from, opened by a click: the room, a named room, or a private
    /// message's sender's direct conversation.
    pub opens: Showing,
}

/// Shows desktop notifications. The app holds one; tests pass one that records.
pub trait Notifier: Send + Sync {
    /// Shows `notice`; never blocks the caller.
    fn notify(&self, notice: Notice);
}

/// A shared notifier, as [`super::AppOptions`] carries it.
#[derive(Clone)]
pub struct NotifierHandle(pub Arc<dyn Notifier>);

impl fmt::Debug for NotifierHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NotifierHandle")
    }
}

/// How long a notification stays up, and so how long its click can be waited for.
const SHOW_FOR: Duration = Duration::from_secs(10);
/// Notifications whose click is being waited for at once; more are shown without waiting.
const MAX_WAITING: usize = 4;

/// The desktop's notifications (freedesktop D-Bus on Linux), shown from a thread named
/// `coucou-notify`.
pub struct DesktopNotifier {
    /// To the notification thread.
    queue: Sender<Notice>,
}

impl DesktopNotifier {
    /// Starts the notification thread. A click on a notification is delivered to `clicked`, with
    /// the conversation it is from. `None` if the thread could not start (then there are
    /// no notifications).
    pub fn start(clicked: EventSink<Showing>) -> Option<Self> {
        let (queue, notices) = crossbeam_channel::unbounded::<Notice>();
        let failed_once = Arc::new(AtomicBool::new(false));
        let waiting = Arc::new(AtomicUsize::new(0));
        let spawned = thread::Builder::new()
            .name("coucou-notify".to_owned())
            .spawn(move || {
                for notice in notices {
                    match show(&notice) {
                        Ok(shown) => {
                            wait_for_click(shown, notice.opens, &waiting, clicked.clone());
                        }
                        Err(err) => {
                            if !failed_once.swap(true, Ordering::Relaxed) {
                                warn!("desktop notifications are not available: {err}");
                            }
                        }
                    }
                }
            });
        match spawned {
            Ok(_) => Some(Self { queue }),
            Err(err) => {
                warn!("could not start the notification thread: {err}");
                None
            }
        }
    }
}

impl Notifier for DesktopNotifier {
    fn notify(&self, notice: Notice) {
        self.queue.send(notice).ok();
    }
}

/// A notification on screen, to wait for its click.
#[cfg(all(unix, not(target_os = "macos")))]
type Shown = notify_rust::NotificationHandle;
#[cfg(not(all(unix, not(target_os = "macos"))))]
type Shown = ();

/// Shows one notification now (blocking on the session bus).
pub fn show(notice: &Notice) -> Result<Shown, String> {
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Coucou")
        .summary(&notice.title)
        .body(&notice.body)
        .timeout(notify_rust::Timeout::Milliseconds(
            u32::try_from(SHOW_FOR.as_millis()).unwrap_or(u32::MAX),
        ));
    #[cfg(all(unix, not(target_os = "macos")))]
    notification.action("default", &notice.open);
    #[cfg(all(unix, not(target_os = "macos")))]
    return notification.show().map_err(|err| err.to_string());
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    return notification
        .show()
        .map(|_| ())
        .map_err(|err| err.to_string());
}

/// Waits, on a thread of its own, for a click on `shown` (it closes by itself after [`SHOW_FOR`]).
#[cfg(all(unix, not(target_os = "macos")))]
fn wait_for_click(
    shown: Shown,
    opens: Showing,
    waiting: &Arc<AtomicUsize>,
    clicked: EventSink<Showing>,
) {
    if waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
        waiting.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    let done = Arc::clone(waiting);
    let spawned = thread::Builder::new()
        .name("coucou-notify-click".to_owned())
        .spawn(move || {
            shown.wait_for_action(|action| {
                if action == "default" {
                    clicked.send(opens.clone());
                }
            });
            done.fetch_sub(1, Ordering::SeqCst);
        });
    if let Err(err) = spawned {
        waiting.fetch_sub(1, Ordering::SeqCst);
        debug!("not waiting for a notification's click: {err}");
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn wait_for_click(
    _shown: Shown,
    _opens: Showing,
    _waiting: &Arc<AtomicUsize>,
    _clicked: EventSink<Showing>,
) {
}
