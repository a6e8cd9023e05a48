//! What happens in a lab, as Docker's event stream tells it (`docker
//! events`, and waits on a container's removal): containers created,
//! started, dying, destroyed, renamed, killed; networks created, connected,
//! disconnected, destroyed.

use super::host::Host;
use super::Engine;
use std::collections::BTreeMap;

/// Events held for a slow reader before it starts losing them, and kept
/// for readers that ask for past ones (`docker events --since`).
const BACKLOG: usize = 1024;

#[derive(Debug, Clone)]
pub struct Event {
    /// "container" or "network".
    pub kind: &'static str,
    pub action: String,
    /// The container's or network's id.
    pub id: String,
    /// Docker's Actor.Attributes (sorted, as Go writes a map).
    pub attributes: BTreeMap<String, String>,
    pub time_ns: i64,
    /// For waits: the exit code a dying or removed container had.
    pub exit_code: Option<i32>,
}

/// The stream and its recent past.
pub struct Events {
    live: tokio::sync::broadcast::Sender<Event>,
    past: std::sync::Mutex<std::collections::VecDeque<Event>>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            live: tokio::sync::broadcast::channel(BACKLOG).0,
            past: std::sync::Mutex::default(),
        }
    }
}

impl Events {
    fn send(&self, ev: Event) {
        let mut past = self.past.lock().unwrap_or_else(|e| e.into_inner());
        if past.len() == BACKLOG {
            past.pop_front();
        }
        past.push_back(ev.clone());
        let _ = self.live.send(ev);
    }

    /// What happened so far (the last `BACKLOG` events) and what comes
    /// next, with nothing lost or repeated between the two.
    fn subscribe(&self) -> (Vec<Event>, tokio::sync::broadcast::Receiver<Event>) {
        let past = self.past.lock().unwrap_or_else(|e| e.into_inner());
        (past.iter().cloned().collect(), self.live.subscribe())
    }
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

impl<H: Host> Engine<H> {
    pub fn events(&self) -> tokio::sync::broadcast::Receiver<Event> {
        self.events.subscribe().1
    }

    /// Past events and the stream of what comes next.
    pub fn events_since(&self) -> (Vec<Event>, tokio::sync::broadcast::Receiver<Event>) {
        self.events.subscribe()
    }

    /// A container event, with Docker's attributes: image, name, the
    /// container's labels, and `extra`.
    pub(super) fn container_event(&self, ci: usize, action: &str, extra: &[(&str, String)]) {
        let c = &self.state.containers[ci];
        let mut attributes: BTreeMap<String, String> = c.labels.clone().into_iter().collect();
        attributes.insert("image".into(), c.image.name.to_string());
        attributes.insert("name".into(), c.name.clone());
        for (k, v) in extra {
            attributes.insert(k.to_string(), v.clone());
        }
        self.events.send(Event {
            kind: "container",
            action: action.to_string(),
            id: c.id.clone(),
            attributes,
            time_ns: now_ns(),
            exit_code: matches!(action, "die" | "destroy").then_some(c.state.exit_code),
        });
    }

    /// What a network event names: (id, name, type). Taken before a
    /// removal, which leaves nothing to look up.
    pub fn network_actor(&self, key: &str) -> Option<(String, String, &'static str)> {
        let n = &self.state.networks[self.state.network_index(key)?];
        Some((n.id.clone(), n.name.clone(), n.driver.as_str()))
    }

    /// A network event: its name and type, and `extra` (the container of
    /// a connect or disconnect).
    pub fn network_event(
        &self,
        actor: Option<(String, String, &'static str)>,
        action: &str,
        extra: &[(&str, String)],
    ) {
        let Some((id, name, kind)) = actor else {
            return;
        };
        let mut attributes = BTreeMap::new();
        attributes.insert("name".to_string(), name);
        attributes.insert("type".to_string(), kind.to_string());
        for (k, v) in extra {
            attributes.insert(k.to_string(), v.clone());
        }
        self.events.send(Event {
            kind: "network",
            action: action.to_string(),
            id,
            attributes,
            time_ns: now_ns(),
            exit_code: None,
        });
    }
}
