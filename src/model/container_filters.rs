//! Which containers a list shows (`docker ps --filter`, `GET
//! /containers/json?filters=`): Docker 20.10's keys, matched as its
//! daemon matches them, for the CLI and the Engine API alike.

use super::{Container, LabState, Status};

/// The states `status=` accepts.
const STATUSES: &[&str] = &[
    "created",
    "restarting",
    "running",
    "removing",
    "paused",
    "exited",
    "dead",
];

/// Refuses an unknown key or status, in the daemon's words.
pub fn check(filters: &[(String, String)]) -> Result<(), String> {
    for (key, value) in filters {
        if !KNOWN.contains(&key.as_str()) {
            return Err(format!("Invalid filter '{key}'"));
        }
        if key == "status" && !STATUSES.contains(&value.as_str()) {
            return Err(format!("Invalid filter 'status={value}'"));
        }
    }
    Ok(())
}

/// Filters that list stopped containers without `-a`, as on Docker.
pub fn imply_all(filters: &[(String, String)]) -> bool {
    filters
        .iter()
        .any(|(k, _)| matches!(k.as_str(), "status" | "before" | "since"))
}

/// The filters Docker's container list knows; any other is refused.
pub const KNOWN: &[&str] = &[
    "ancestor",
    "before",
    "expose",
    "exited",
    "health",
    "id",
    "isolation",
    "is-task",
    "label",
    "name",
    "network",
    "publish",
    "since",
    "status",
    "volume",
];

/// A `publish`/`expose` filter value (`80`, `80/udp`, `8000-8080/tcp`)
/// holds for `port`.
fn port_filter_holds(value: &str, key: crate::ports::PortKey) -> bool {
    let (ports, proto) = value.split_once('/').unwrap_or((value, "tcp"));
    let (lo, hi) = ports.split_once('-').unwrap_or((ports, ports));
    match (lo.parse::<u16>(), hi.parse::<u16>()) {
        (Ok(lo), Ok(hi)) => proto == key.proto.as_str() && (lo..=hi).contains(&key.port),
        _ => false,
    }
}

/// Docker's list filters: values of one key are alternatives, except for
/// labels, which must all hold (compose asks for its project's containers
/// that are not one-off ones so); different keys must all hold. `before`
/// and `since` name a container, by creation order.
pub fn matches(state: &LabState, c: &Container, filters: &[(String, String)]) -> bool {
    let mut keys: Vec<&str> = filters.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort();
    keys.dedup();
    let created = |key: &str| {
        state
            .container_index(key.trim_start_matches('/'))
            .ok()
            .map(|i| state.containers[i].created_ns)
    };
    keys.iter().all(|key| {
        let holds = |v: &String| match *key {
            "name" => name_matches(v, &c.name),
            "id" => c.id.starts_with(v.as_str()),
            "status" => c.state.status.as_str() == v,
            "ancestor" => c.image.name == v.strip_suffix(":latest").unwrap_or(v),
            "label" => match v.split_once('=') {
                Some((k, want)) => c.labels.iter().any(|(lk, lv)| lk == k && lv == want),
                None => c.labels.iter().any(|(lk, _)| lk == v),
            },
            // The networks it is on now (NetworkSettings.Networks, kept
            // while it is stopped), by name or by a prefix of their id.
            "network" => {
                (matches!(c.network_mode.as_str(), "host" | "none") && c.network_mode == *v)
                    || c.endpoints.iter().any(|ep| {
                        ep.network_name == *v
                            || state
                                .network_by_id(&ep.network_id)
                                .is_some_and(|n| n.name == *v || n.id.starts_with(v.as_str()))
                    })
            }
            "exited" => c.state.status == Status::Exited && c.state.exit_code.to_string() == *v,
            "before" => created(v).is_some_and(|t| c.created_ns < t),
            "since" => created(v).is_some_and(|t| c.created_ns > t),
            // What a host port is published as (PublicPort), as dockerd
            // compares it.
            "publish" => {
                c.running()
                    && c.bindings().iter().any(|(k, b)| {
                        port_filter_holds(v, crate::ports::PortKey::new(b.host_port, k.proto))
                    })
            }
            // Its NetworkSettings.Ports, which only a running container
            // has (Docker 20.10.24 lists neither created nor stopped ones).
            "expose" => c.running() && c.exposed.iter().any(|k| port_filter_holds(v, *k)),
            // No health checks, no volumes, no tasks: as on a Docker host
            // without them.
            "health" => v == "none",
            "is-task" => v == "false",
            "isolation" => v == "default",
            _ => false,
        };
        let mut values = filters.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
        if *key == "label" {
            values.all(holds)
        } else {
            values.any(holds)
        }
    })
}

/// Docker matches a regular expression against "/NAME". The anchors `^`
/// and `$` are the part of it people use (`name=^web$`); the rest of the
/// pattern is taken literally. "^web" means the name starts with web,
/// whether or not the pattern spells the slash.
fn name_matches(pattern: &str, name: &str) -> bool {
    anchored_match(pattern, &format!("/{name}")) || anchored_match(pattern, name)
}

/// A Docker filter's regular expression as people write it: `^` and `$`
/// anchor it, the rest is taken literally, and it may match anywhere.
pub fn anchored_match(pattern: &str, subject: &str) -> bool {
    let (start, rest) = match pattern.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, pattern),
    };
    let (end, lit) = match rest.strip_suffix('$') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    match (start, end) {
        (true, true) => subject == lit,
        (true, false) => subject.starts_with(lit),
        (false, true) => subject.ends_with(lit),
        (false, false) => subject.contains(lit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_as_dockers_regex_does_for_plain_and_anchored_patterns() {
        for (pattern, hits_web, hits_webapp) in [
            ("web", true, true),
            ("^web$", true, false),
            ("^/web$", true, false),
            ("^web", true, false),
            ("app$", false, true),
            ("nothing", false, false),
        ] {
            assert_eq!(
                (
                    name_matches(pattern, "web"),
                    name_matches(pattern, "my-webapp")
                ),
                (hits_web, hits_webapp),
                "{pattern}"
            );
        }
    }

    #[test]
    fn unknown_keys_and_states_get_the_daemons_words() {
        let f = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert_eq!(
            check(&f("colour", "red")),
            Err("Invalid filter 'colour'".into())
        );
        assert_eq!(
            check(&f("status", "sleeping")),
            Err("Invalid filter 'status=sleeping'".into())
        );
        assert_eq!(check(&f("network", "x")), Ok(()));
        assert!(imply_all(&f("since", "web")) && !imply_all(&f("name", "web")));
    }

    #[test]
    fn port_filters_take_ranges_and_protocols() {
        use crate::ports::{PortKey, Proto};
        let tcp80 = PortKey::new(80, Proto::Tcp);
        assert!(port_filter_holds("80", tcp80));
        assert!(port_filter_holds("70-90/tcp", tcp80));
        assert!(!port_filter_holds("80/udp", tcp80));
        assert!(!port_filter_holds("x", tcp80));
    }
}
