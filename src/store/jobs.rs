//! The store writer's queue of jobs: what the room and the readers ask of the writer thread, in
//! order, handed over without spinning.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{BATCH, Job};

/// The writer thread's queue of jobs: a mutex and a condition variable, so that the writer sleeps
/// until there is work and never spins (a channel's receiver spins and yields before it sleeps:
/// a fifth of the store's CPU when messages come one at a time).
#[derive(Default)]
pub(super) struct Jobs {
    state: Mutex<JobsState>,
    ready: Condvar,
}

#[derive(Default)]
struct JobsState {
    queue: VecDeque<Job>,
    /// The writer has ended: nothing sent any more is done.
    closed: bool,
}

impl Jobs {
    fn lock(&self) -> MutexGuard<'_, JobsState> {
        // Nothing panics while holding this lock; a queue is coherent whatever happened.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job` for the writer; false (the job dropped) once the writer has ended.
    pub(super) fn send(&self, job: Job) -> bool {
        let mut state = self.lock();
        if state.closed {
            return false;
        }
        let was_empty = state.queue.is_empty();
        state.queue.push_back(job);
        drop(state);
        if was_empty {
            self.ready.notify_one();
        }
        true
    }

    /// Waits for jobs (at most `patience`, when given), then moves them into `into` in order,
    /// up to a stop and up to [`BATCH`] messages.
    pub(super) fn take(&self, into: &mut Vec<Job>, patience: Option<Duration>) {
        let mut state = self.lock();
        let deadline = patience.map(|p| Instant::now() + p);
        while state.queue.is_empty() {
            state = match deadline {
                None => self
                    .ready
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return;
                    }
                    self.ready
                        .wait_timeout(state, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
        let mut kept = 0;
        while kept < BATCH
            && let Some(job) = state.queue.pop_front()
        {
            let stop = matches!(job, Job::Stop);
            kept += usize::from(matches!(job, Job::Keep(_)));
            into.push(job);
            if stop {
                break;
            }
        }
    }

    /// The writer has ended: later jobs are refused, and those still queued dropped.
    pub(super) fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        let left = std::mem::take(&mut state.queue);
        drop(state);
        drop(left);
    }
}
