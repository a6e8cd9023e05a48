//! Holding a container's first process until the captures that follow the
//! lab have its namespace.
//!
//! `netlings capture all` and `netlings trace` take in containers that
//! start while they run. Found by polling, a quick container (`trace --
//! run --rm ... wget ...`) sent its first packets, or all of them, before
//! its interfaces were open, so traces of such commands lost hops and
//! names. Instead each capture registers a watcher here; a start announces
//! the container (its description and its network namespace) to every
//! watcher and waits until each has opened what it wants (acknowledged),
//! before the process runs.
//!
//! A start holds the engine's lock while it waits, so the watchers' requests
//! are answered here, without that lock. A watcher that does not answer
//! within `ACK_WAIT` is dropped: a stuck or killed capture delays one start
//! by at most that, never stalls the engine.

use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a start waits for the watchers' acknowledgements.
pub const ACK_WAIT: Duration = Duration::from_secs(2);
/// How long a watcher's poll waits for an announcement before it returns
/// empty (the watcher then checks on its capture).
pub const POLL_WAIT: Duration = Duration::from_millis(500);
/// A watcher that has not polled for this long is gone.
const IDLE_LIMIT: Duration = Duration::from_secs(5);

/// One container announced to a watcher.
pub struct Announcement {
    pub seq: u64,
    /// The container as the topology describes it (JSON).
    pub description: String,
    /// Its network namespace (None on a fake host).
    pub netns: Option<OwnedFd>,
}

struct Watcher {
    id: u64,
    queue: VecDeque<Announcement>,
    /// Announced and not acknowledged yet.
    unacked: Vec<u64>,
    last_poll: Instant,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    next_seq: u64,
    watchers: Vec<Watcher>,
}

pub struct StartGate {
    inner: Mutex<Inner>,
    /// Bumped on every change: waiters re-check their condition.
    changed: tokio::sync::watch::Sender<u64>,
}

impl Default for StartGate {
    fn default() -> Self {
        StartGate {
            inner: Mutex::new(Inner::default()),
            changed: tokio::sync::watch::channel(0).0,
        }
    }
}

impl StartGate {
    fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding it leaves plain data: still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a watcher; its id.
    pub fn watch(&self) -> u64 {
        let mut g = self.lock();
        g.next_id += 1;
        let id = g.next_id;
        g.watchers.push(Watcher {
            id,
            queue: VecDeque::new(),
            unacked: Vec::new(),
            last_poll: Instant::now(),
        });
        id
    }

    pub fn unwatch(&self, id: u64) {
        self.lock().watchers.retain(|w| w.id != id);
        self.bump();
    }

    /// Whether anyone watches (a start without watchers does not wait).
    pub fn watched(&self) -> bool {
        let mut g = self.lock();
        let now = Instant::now();
        g.watchers
            .retain(|w| now.duration_since(w.last_poll) < IDLE_LIMIT);
        !g.watchers.is_empty()
    }

    /// Announces a container to every watcher and waits until each has
    /// acknowledged it, or `wait` passed (the late ones are dropped).
    /// Each watcher gets a copy of `netns`.
    pub async fn announce(&self, description: String, netns: Option<OwnedFd>, wait: Duration) {
        let mut rx = self.changed.subscribe();
        let seq = {
            let mut g = self.lock();
            g.next_seq += 1;
            let seq = g.next_seq;
            for w in &mut g.watchers {
                w.queue.push_back(Announcement {
                    seq,
                    description: description.clone(),
                    netns: netns.as_ref().and_then(|f| f.try_clone().ok()),
                });
                w.unacked.push(seq);
            }
            seq
        };
        self.bump();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if !self
                .lock()
                .watchers
                .iter()
                .any(|w| w.unacked.contains(&seq))
            {
                return;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                break;
            }
        }
        // Late: a watcher that cannot keep up is not waited for again.
        self.lock().watchers.retain(|w| !w.unacked.contains(&seq));
        self.bump();
    }

    /// A watcher's poll: acknowledges `done`, then returns what was
    /// announced to it, waiting up to `wait` for something. None: no such
    /// watcher (dropped, or never registered).
    pub async fn poll(&self, id: u64, done: &[u64], wait: Duration) -> Option<Vec<Announcement>> {
        let mut rx = self.changed.subscribe();
        {
            let mut g = self.lock();
            let w = g.watchers.iter_mut().find(|w| w.id == id)?;
            w.unacked.retain(|s| !done.contains(s));
            w.last_poll = Instant::now();
        }
        self.bump();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            {
                let mut g = self.lock();
                let w = g.watchers.iter_mut().find(|w| w.id == id)?;
                w.last_poll = Instant::now();
                if !w.queue.is_empty() {
                    return Some(w.queue.drain(..).collect());
                }
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return Some(Vec::new());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_start_without_watchers_does_not_wait() {
        let gate = StartGate::default();
        assert!(!gate.watched());
        let t = Instant::now();
        gate.announce("c".into(), None, Duration::from_secs(5))
            .await;
        assert!(t.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_start_waits_for_the_acknowledgement() {
        let gate = Arc::new(StartGate::default());
        let id = gate.watch();
        assert!(gate.watched());
        let g = gate.clone();
        let start = tokio::spawn(async move {
            g.announce("probe".into(), None, Duration::from_secs(30))
                .await;
        });
        let got = gate.poll(id, &[], Duration::from_secs(30)).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].description, "probe");
        // Not acknowledged yet: the start still waits.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!start.is_finished());
        let seq = got[0].seq;
        let next = gate.poll(id, &[seq], Duration::from_millis(10)).await;
        assert_eq!(next.map(|v| v.len()), Some(0));
        tokio::time::timeout(Duration::from_secs(5), start)
            .await
            .expect("the start goes on once acknowledged")
            .unwrap();
        assert!(gate.watched());
    }

    #[tokio::test]
    async fn a_silent_watcher_is_dropped_after_the_wait() {
        let gate = StartGate::default();
        let id = gate.watch();
        gate.announce("c".into(), None, Duration::from_millis(50))
            .await;
        // Dropped: the next start does not wait for it.
        assert!(!gate.watched());
        assert!(gate.poll(id, &[], Duration::ZERO).await.is_none());
        let t = Instant::now();
        gate.announce("d".into(), None, Duration::from_secs(5))
            .await;
        assert!(t.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_poll_returns_empty_after_its_wait_and_unwatch_frees_starts() {
        let gate = Arc::new(StartGate::default());
        let id = gate.watch();
        let got = gate.poll(id, &[], Duration::from_millis(20)).await;
        assert_eq!(got.map(|v| v.len()), Some(0));
        let g = gate.clone();
        let start = tokio::spawn(async move {
            g.announce("c".into(), None, Duration::from_secs(30)).await;
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        gate.unwatch(id);
        tokio::time::timeout(Duration::from_secs(5), start)
            .await
            .expect("an unwatched gate lets the start go")
            .unwrap();
    }
}
