//! What `docker ps`, `docker port` and `docker inspect` show of published
//! ports, and the daemon's error texts around publishing.

use super::publish::parse_port_range;
use super::{Binding, PortKey, PortSpec, Proto};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};

/// `net.IP.String()` as Docker prints host IPs (`::`, `0.0.0.0`, no brackets).
pub fn go_ip_string(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// docker-proxy's start failure as the daemon reports it:
/// `Error starting userland proxy: listen tcp4 127.0.0.1:80: bind: address already in use`.
pub fn userland_proxy_error(proto: Proto, addr: SocketAddr, err: &io::Error) -> String {
    let family = if addr.is_ipv4() { "4" } else { "6" };
    format!(
        "Error starting userland proxy: listen {proto}{family} {addr}: bind: {}",
        crate::gotext::go_errno(err)
    )
}

/// The daemon's wrapper around a port failure:
/// `driver failed programming external connectivity on endpoint NAME (ID): CAUSE`.
pub fn external_connectivity_error(endpoint_name: &str, endpoint_id: &str, cause: &str) -> String {
    format!(
        "driver failed programming external connectivity on endpoint {endpoint_name} ({endpoint_id}): {cause}"
    )
}

/// One row of the daemon's `Ports` list for `docker ps`.
struct ApiPort {
    ip: String,
    private: u16,
    public: u16,
    ty: &'static str,
}

/// The PORTS column of `docker ps`, exactly as the 20.10 client prints it
/// (`DisplayablePorts`): exposed ports without a binding appear bare; ports
/// are sorted by container port, then host IP text, host port, protocol;
/// runs of consecutive ports are collapsed (`8000-8001/tcp`,
/// `0.0.0.0:8000-8001->8000-8001/tcp`) but only where host port equals
/// container port — others are listed one by one after all groups
/// (`127.0.0.1:80->5000/tcp`). IPv6 hosts are not bracketed (`:::80`).
/// A container that is not running shows an empty column in Docker: pass
/// empty slices then.
pub fn ps_ports_column(exposed: &[PortKey], bindings: &[(PortKey, Binding)]) -> String {
    let mut ports: Vec<ApiPort> = Vec::new();
    for key in exposed {
        if !bindings.iter().any(|(k, _)| k == key) {
            ports.push(ApiPort {
                ip: String::new(),
                private: key.port,
                public: 0,
                ty: key.proto.as_str(),
            });
        }
    }
    for (key, b) in bindings {
        ports.push(ApiPort {
            ip: go_ip_string(&b.host_ip),
            private: key.port,
            public: b.host_port,
            ty: key.proto.as_str(),
        });
    }
    ports.sort_by(|a, b| {
        a.private
            .cmp(&b.private)
            .then_with(|| a.ip.cmp(&b.ip))
            .then(a.public.cmp(&b.public))
            .then(a.ty.cmp(b.ty))
    });

    let mut groups: HashMap<String, (u16, u16)> = HashMap::new();
    let mut group_order: Vec<String> = Vec::new();
    let mut result: Vec<String> = Vec::new();
    let mut host_mappings: Vec<String> = Vec::new();
    for p in &ports {
        let current = p.private;
        let key = if p.ip.is_empty() {
            p.ty.to_string()
        } else {
            if p.public != current {
                host_mappings.push(format!("{}:{}->{}/{}", p.ip, p.public, p.private, p.ty));
                continue;
            }
            format!("{}/{}", p.ip, p.ty)
        };
        match groups.get_mut(&key) {
            None => {
                groups.insert(key.clone(), (current, current));
                group_order.push(key);
            }
            Some(g) if current == g.1.wrapping_add(1) => g.1 = current,
            Some(g) => {
                // Docker emits the finished run right away, before groups
                // that are still open: a quirk kept on purpose.
                result.push(form_group(&key, g.0, g.1));
                *g = (current, current);
            }
        }
    }
    for key in &group_order {
        let (first, last) = groups[key];
        result.push(form_group(key, first, last));
    }
    result.extend(host_mappings);
    result.join(", ")
}

fn form_group(key: &str, first: u16, last: u16) -> String {
    let (ip, ty) = match key.rsplit_once('/') {
        Some((ip, ty)) => (ip, ty),
        None => ("", key),
    };
    let mut group = first.to_string();
    if first != last {
        group = format!("{group}-{last}");
    }
    if !ip.is_empty() {
        group = format!("{ip}:{group}->{group}");
    }
    format!("{group}/{ty}")
}

/// `docker port NAME [PORT[/PROTO]]` output lines, or its error.
///
/// Without a filter: `5000/tcp -> 0.0.0.0:32768` per binding. Docker 20.10
/// walks a Go map here (random order); netlings sorts by port then protocol,
/// which is what the reference run shows. With a filter: `0.0.0.0:32768` per
/// binding of that port; the protocol defaults to tcp. A port that is not
/// published gives `Error: No public port '5000/tcp' published for NAME`
/// (the CLI prints it as is and exits 1); a malformed filter gives Go's
/// strconv error, as Docker does.
pub fn port_command_lines(
    bindings: &[(PortKey, Binding)],
    filter: Option<&str>,
    container_name: &str,
) -> Result<Vec<String>, String> {
    let line = |b: &Binding| format!("{}:{}", go_ip_string(&b.host_ip), b.host_port);
    let Some(filter) = filter.filter(|f| !f.is_empty()) else {
        let mut sorted: Vec<&(PortKey, Binding)> = bindings.iter().collect();
        sorted.sort_by_key(|(k, _)| *k); // stable: binding order kept within a port
        return Ok(sorted
            .into_iter()
            .map(|(k, b)| format!("{k} -> {}", line(b)))
            .collect());
    };
    let (port, proto) = match filter.split_once('/') {
        Some((p, proto)) if !proto.is_empty() => (p, proto),
        _ => (filter, "tcp"),
    };
    let nat_port = format!("{port}/{proto}");
    let (start, end) = if port.is_empty() {
        (0, 0)
    } else {
        parse_port_range(port)?
    };
    // A range or an unknown protocol can never match a published port.
    let wanted = match proto.parse::<Proto>() {
        Ok(p) if start == end => Some(PortKey::new(start, p)),
        _ => None,
    };
    let lines: Vec<String> = bindings
        .iter()
        .filter(|(k, _)| Some(*k) == wanted)
        .map(|(_, b)| line(b))
        .collect();
    if lines.is_empty() {
        return Err(format!(
            "Error: No public port '{nat_port}' published for {container_name}"
        ));
    }
    Ok(lines)
}

/// Keys in the order Go's encoding/json writes a map: sorted as strings
/// ("443/tcp" before "80/tcp").
fn go_sorted_keys(keys: impl IntoIterator<Item = PortKey>) -> Vec<PortKey> {
    let mut v: Vec<PortKey> = keys.into_iter().collect();
    v.sort_by_key(|k| k.to_string());
    v.dedup();
    v
}

fn binding_json(host_ip: String, host_port: String) -> Value {
    let mut m = Map::new();
    m.insert("HostIp".into(), Value::String(host_ip));
    m.insert("HostPort".into(), Value::String(host_port));
    Value::Object(m)
}

/// inspect `NetworkSettings.Ports` of a running container: exposed but
/// unpublished ports map to `null`, published ones to their live bindings
/// (IPv4 first, then `::`), e.g. `{"80/tcp": [{"HostIp": "0.0.0.0",
/// "HostPort": "80"}, {"HostIp": "::", "HostPort": "80"}]}`.
pub fn network_settings_ports_json(exposed: &[PortKey], bindings: &[(PortKey, Binding)]) -> Value {
    let keys = go_sorted_keys(
        exposed
            .iter()
            .copied()
            .chain(bindings.iter().map(|(k, _)| *k)),
    );
    let mut m = Map::new();
    for key in keys {
        let list: Vec<Value> = bindings
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, b)| binding_json(go_ip_string(&b.host_ip), b.host_port.to_string()))
            .collect();
        let v = if list.is_empty() {
            Value::Null
        } else {
            Value::Array(list)
        };
        m.insert(key.to_string(), v);
    }
    Value::Object(m)
}

/// inspect `HostConfig.PortBindings`: what `-p` asked for, with `HostIp: ""`
/// when no address was given and `HostPort` as written ("", "80", "8000-9000").
/// `{}` when nothing is published.
pub fn host_config_port_bindings_json(specs: &[PortSpec]) -> Value {
    let keys = go_sorted_keys(specs.iter().map(PortSpec::key));
    let mut m = Map::new();
    for key in keys {
        let list: Vec<Value> = specs
            .iter()
            .filter(|s| s.key() == key)
            .map(|s| {
                binding_json(
                    s.host_ip.map(|ip| go_ip_string(&ip)).unwrap_or_default(),
                    s.host_port_text(),
                )
            })
            .collect();
        m.insert(key.to_string(), Value::Array(list));
    }
    Value::Object(m)
}

/// inspect `Config.ExposedPorts`: `{"5000/tcp": {}}`. (Docker omits the
/// field when empty; that choice is the caller's.)
pub fn exposed_ports_json(exposed: &[PortKey]) -> Value {
    let mut m = Map::new();
    for key in go_sorted_keys(exposed.iter().copied()) {
        m.insert(key.to_string(), Value::Object(Map::new()));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn error_wrappers() {
        assert_eq!(
            external_connectivity_error(
                "practical_saha",
                "3f2191",
                "Bind for 0.0.0.0:80 failed: port is already allocated"
            ),
            "driver failed programming external connectivity on endpoint practical_saha (3f2191): Bind for 0.0.0.0:80 failed: port is already allocated"
        );
        let sa: SocketAddr = "[::]:80".parse().unwrap();
        assert_eq!(
            userland_proxy_error(Proto::Udp, sa, &io::Error::from(io::ErrorKind::AddrInUse)),
            "Error starting userland proxy: listen udp6 [::]:80: bind: address already in use"
        );
    }

    // ---- docker ps PORTS column ----

    #[test]
    fn ps_column_cases() {
        let k80 = key("80/tcp");
        let k443 = key("443/tcp");
        assert_eq!(
            ps_ports_column(&[k80], &[(k80, b("0.0.0.0", 80)), (k80, b("::", 80))]),
            "0.0.0.0:80->80/tcp, :::80->80/tcp"
        );
        assert_eq!(ps_ports_column(&[k80], &[]), "80/tcp");
        assert_eq!(ps_ports_column(&[], &[]), "");
        assert_eq!(
            ps_ports_column(
                &[k80, k443],
                &[(k443, b("0.0.0.0", 443)), (k443, b("::", 443))]
            ),
            "80/tcp, 0.0.0.0:443->443/tcp, :::443->443/tcp"
        );
        // Ranges collapse only where host port == container port.
        let (k8000, k8001) = (key("8000/tcp"), key("8001/tcp"));
        assert_eq!(
            ps_ports_column(
                &[],
                &[
                    (k8000, b("0.0.0.0", 8000)),
                    (k8001, b("0.0.0.0", 8001)),
                    (k8000, b("::", 8000)),
                    (k8001, b("::", 8001)),
                ]
            ),
            "0.0.0.0:8000-8001->8000-8001/tcp, :::8000-8001->8000-8001/tcp"
        );
        let (k5000, k5001) = (key("5000/tcp"), key("5001/tcp"));
        assert_eq!(
            ps_ports_column(
                &[],
                &[(k5000, b("0.0.0.0", 8000)), (k5001, b("0.0.0.0", 8001))]
            ),
            "0.0.0.0:8000->5000/tcp, 0.0.0.0:8001->5001/tcp"
        );
        assert_eq!(
            ps_ports_column(&[k5000, k5001, key("5002/udp"), key("5003/udp")], &[]),
            "5000-5001/tcp, 5002-5003/udp"
        );
        // Docker's quirk: a run closed early is printed before open groups.
        assert_eq!(
            ps_ports_column(&[k80, key("82/tcp")], &[(key("81/tcp"), b("0.0.0.0", 81))]),
            "80/tcp, 82/tcp, 0.0.0.0:81->81/tcp"
        );
        // Host IPs sort as text.
        assert_eq!(
            ps_ports_column(
                &[],
                &[
                    (k80, b("2.2.2.2", 1)),
                    (k80, b("10.0.0.1", 2)),
                    (k80, b("127.0.0.1", 3))
                ]
            ),
            "10.0.0.1:2->80/tcp, 127.0.0.1:3->80/tcp, 2.2.2.2:1->80/tcp"
        );
    }

    // ---- docker port ----

    #[test]
    fn port_command_edge_cases() {
        let k = key("5000/tcp");
        let bs = [(k, b("0.0.0.0", 32768))];
        assert_eq!(port_command_lines(&bs, Some(""), "n").unwrap().len(), 1);
        assert_eq!(
            port_command_lines(&bs, Some("05000"), "n").unwrap(),
            vec!["0.0.0.0:32768"]
        );
        assert_eq!(
            port_command_lines(&bs, Some("abc"), "n").unwrap_err(),
            "strconv.ParseUint: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            port_command_lines(&bs, Some("70000"), "n").unwrap_err(),
            "strconv.ParseUint: parsing \"70000\": value out of range"
        );
        assert_eq!(
            port_command_lines(&bs, Some("5000/sctp"), "n").unwrap_err(),
            "Error: No public port '5000/sctp' published for n"
        );
        assert_eq!(
            port_command_lines(&bs, Some("5000-5001"), "n").unwrap_err(),
            "Error: No public port '5000-5001/tcp' published for n"
        );
        assert_eq!(
            port_command_lines(&bs, Some("5000/"), "n").unwrap_err(),
            "strconv.ParseUint: parsing \"5000/\": invalid syntax"
        );
        assert!(port_command_lines(&[], None, "n").unwrap().is_empty());
    }

    // ---- inspect JSON ----

    #[test]
    fn inspect_json_shapes() {
        let k80 = key("80/tcp");
        assert_eq!(
            network_settings_ports_json(&[k80], &[(k80, b("0.0.0.0", 80)), (k80, b("::", 80))]),
            json!({"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "80"}, {"HostIp": "::", "HostPort": "80"}]})
        );
        assert_eq!(
            network_settings_ports_json(&[key("5432/tcp")], &[]),
            json!({"5432/tcp": null})
        );
        assert_eq!(
            host_config_port_bindings_json(&[one("80:80")]),
            json!({"80/tcp": [{"HostIp": "", "HostPort": "80"}]})
        );
        assert_eq!(host_config_port_bindings_json(&[]), json!({}));
        assert_eq!(
            host_config_port_bindings_json(&[
                one("127.0.0.1::5000"),
                one("8000-9000:5000"),
                one("[::1]:53:53/udp")
            ]),
            json!({
                "5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}, {"HostIp": "", "HostPort": "8000-9000"}],
                "53/udp": [{"HostIp": "::1", "HostPort": "53"}]
            })
        );
        assert_eq!(
            exposed_ports_json(&[key("5000/tcp")]),
            json!({"5000/tcp": {}})
        );
    }

    #[test]
    fn inspect_keys_sorted_as_go_strings() {
        let (k80, k443, k5000u) = (key("80/tcp"), key("443/tcp"), key("5000/udp"));
        let v = network_settings_ports_json(&[k80, k5000u, k443], &[(k443, b("0.0.0.0", 443))]);
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["443/tcp", "5000/udp", "80/tcp"]);
        // Key order and HostIp/HostPort order survive serialisation.
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"443/tcp":[{"HostIp":"0.0.0.0","HostPort":"443"}],"5000/udp":null,"80/tcp":null}"#
        );
    }
}
