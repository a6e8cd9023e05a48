//! Docker-shaped views of the engine's state: `inspect` JSON with Docker
//! 20.10's keys and key order, `ps` rows, and the data behind `topology`.

pub mod table;
pub mod template;

use crate::model::ids::rfc3339;
use crate::model::ipam::format_mac;
use crate::model::{Container, Driver, LabState, Network, Status};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// One row of `ps`, already in display terms except for ages.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PsRow {
    pub id: String,
    pub image: String,
    pub command: String,
    pub created_ns: i64,
    pub status: String,
    pub ports: String,
    pub name: String,
    pub now_ns: i64,
    /// created, running or exited.
    #[serde(default)]
    pub state: String,
    /// The names of the networks it is configured for, sorted.
    #[serde(default)]
    pub networks: Vec<String>,
    /// Config.Labels as `ps` shows them: "k=v,k2=v2", sorted by key.
    #[serde(default)]
    pub labels: String,
    /// `ps -s`: bytes the container wrote, and its image's with them
    /// (Docker's SizeRw and SizeRootFs); 0 when not asked for.
    #[serde(default)]
    pub size_rw: u64,
    #[serde(default)]
    pub size_root_fs: u64,
}

impl PsRow {
    /// Docker's SIZE cell: "6B (virtual 1.98MB)", or "0B" without sizes.
    pub fn size_cell(&self) -> String {
        let rw = crate::gotext::human_size(self.size_rw as f64);
        if self.size_root_fs > 0 {
            format!(
                "{rw} (virtual {})",
                crate::gotext::human_size(self.size_root_fs as f64)
            )
        } else {
            rw
        }
    }
}

/// `docker network inspect` for one network.
pub fn network_json(e: &LabState, n: &Network) -> Value {
    let mut ipam_config = match (&n.pool, &n.ipam_subnet) {
        // The default bridge shows no Gateway key in 20.10.
        (Some(p), _) if n.is_default => json!([{ "Subnet": p.subnet.to_string() }]),
        // What the user gave, as given, in Docker's key order: no Gateway
        // key unless one was given (facts #30, #38), IPRange and
        // AuxiliaryAddresses only when given.
        (Some(_), Some(subnet)) => {
            let mut c = Map::new();
            c.insert("Subnet".into(), json!(subnet));
            if let Some(r) = &n.config.ip_range {
                c.insert("IPRange".into(), json!(r));
            }
            if let Some(g) = &n.ipam_gateway {
                c.insert("Gateway".into(), json!(g));
            }
            if !n.config.aux_addresses.is_empty() {
                c.insert("AuxiliaryAddresses".into(), json!(n.config.aux_addresses));
            }
            json!([c])
        }
        (Some(p), None) => {
            json!([{ "Subnet": p.subnet.to_string(), "Gateway": p.gateway.to_string() }])
        }
        (None, _) => json!([]),
    };
    // The IPv6 pool after the IPv4 one, its keys as given, in the same
    // order (Docker 20.10: `{"Subnet":"fd00:5::/64","Gateway":"fd00:5::fe"}`).
    if let (Some(v6), Some(list)) = (&n.v6, ipam_config.as_array_mut()) {
        let mut c = Map::new();
        c.insert("Subnet".into(), json!(v6.subnet));
        if let Some(r) = &v6.ip_range {
            c.insert("IPRange".into(), json!(r));
        }
        if let Some(g) = &v6.gateway {
            c.insert("Gateway".into(), json!(g));
        }
        if !v6.aux_addresses.is_empty() {
            c.insert("AuxiliaryAddresses".into(), json!(v6.aux_addresses));
        }
        list.push(Value::Object(c));
    }
    let mut attached: Vec<(&str, Value)> = e
        .containers
        .iter()
        .filter_map(|c| {
            let ep = c.endpoint(&n.id)?;
            Some((
                c.id.as_str(),
                json!({
                    "Name": c.name,
                    "EndpointID": ep.endpoint_id,
                    "MacAddress": format_mac(&ep.mac),
                    "IPv4Address": format!("{}/{}", ep.ip, ep.prefix),
                    "IPv6Address": ep.v6.map(|v| format!("{}/{}", v.ip, v.prefix)).unwrap_or_default(),
                }),
            ))
        })
        .collect();
    attached.sort_by(|a, b| a.0.cmp(b.0));
    let containers: Map<String, Value> = attached
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let options = if n.is_default {
        json!({
            "com.docker.network.bridge.default_bridge": "true",
            "com.docker.network.bridge.enable_icc": "true",
            "com.docker.network.bridge.enable_ip_masquerade": "true",
            "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
            "com.docker.network.bridge.name": "docker0",
            "com.docker.network.driver.mtu": "1500"
        })
    } else {
        json!(n.config.options)
    };
    json!({
        "Name": n.name,
        "Id": n.id,
        "Created": rfc3339(n.created_ns),
        "Scope": "local",
        "Driver": n.driver.as_str(),
        "EnableIPv6": n.enable_ipv6,
        "IPAM": {
            "Driver": "default",
            "Options": if n.is_default || n.driver != Driver::Bridge { Value::Null } else { json!(n.config.ipam_options) },
            "Config": ipam_config,
        },
        "Internal": n.config.internal,
        "Attachable": n.config.attachable,
        "Ingress": false,
        "ConfigFrom": { "Network": "" },
        "ConfigOnly": false,
        "Containers": containers,
        "Options": options,
        "Labels": n.config.labels,
    })
}

fn string_list(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| json!(s)).collect())
}

fn exposed_ports(c: &Container) -> Value {
    if c.exposed.is_empty() {
        return Value::Null;
    }
    crate::ports::exposed_ports_json(&c.exposed)
}

/// A JSON object with its keys in byte order, as Go marshals a map.
fn sorted(map: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

/// `docker inspect` for one container.
pub fn container_json(e: &LabState, c: &Container) -> Value {
    let dir = format!("/var/lib/docker/containers/{}", c.id);
    let default_ep = e
        .networks
        .iter()
        .find(|n| n.is_default)
        .and_then(|n| c.endpoint(&n.id));
    let mut networks = Map::new();
    // Until its first start, Docker shows a `run`/`create` network as
    // configured only: no NetworkID, no short-id alias; so too once the
    // network is gone. One joined by `network connect` has its alias but
    // no NetworkID either.
    let never_started = c.state.started_ns == 0;
    for cfg in &c.endpoints {
        let Some(n) = e.network_by_id(&cfg.network_id) else {
            networks.insert(cfg.network_name.clone(), json!({
                "IPAMConfig": null,
                "Links": null,
                "Aliases": if cfg.aliases.is_empty() { Value::Null } else { string_list(&cfg.aliases) },
                "NetworkID": if never_started { "" } else { cfg.network_id.as_str() },
                "EndpointID": "",
                "Gateway": "",
                "IPAddress": "",
                "IPPrefixLen": 0,
                "IPv6Gateway": "",
                "GlobalIPv6Address": "",
                "GlobalIPv6PrefixLen": 0,
                "MacAddress": "",
                "DriverOpts": null,
            }));
            continue;
        };
        let ep = c.endpoint(&n.id);
        let v6 = ep.and_then(|e| e.v6);
        let as_configured = never_started && !cfg.from_connect;
        let aliases = if n.is_default || (as_configured && cfg.aliases.is_empty()) {
            Value::Null
        } else if as_configured {
            string_list(&cfg.aliases)
        } else {
            string_list(&c.endpoint_aliases(cfg))
        };
        let links = if cfg.links.is_empty() {
            Value::Null
        } else {
            string_list(&cfg.links)
        };
        let ipam = if cfg.from_connect || cfg.ip.is_some() || cfg.ip6.is_some() {
            // EndpointIPAMConfig's fields are `omitempty`, in this order.
            let mut m = Map::new();
            if let Some(ip) = cfg.ip {
                m.insert("IPv4Address".into(), json!(ip.to_string()));
            }
            if let Some(ip6) = cfg.ip6 {
                m.insert("IPv6Address".into(), json!(ip6.to_string()));
            }
            Value::Object(m)
        } else {
            Value::Null
        };
        networks.insert(
            n.name.clone(),
            json!({
                "IPAMConfig": ipam,
                "Links": links,
                "Aliases": aliases,
                "NetworkID": if never_started { "" } else { n.id.as_str() },
                "EndpointID": ep.map(|e| e.endpoint_id.as_str()).unwrap_or(""),
                "Gateway": ep.map(|e| e.gateway.to_string()).unwrap_or_default(),
                "IPAddress": ep.map(|e| e.ip.to_string()).unwrap_or_default(),
                "IPPrefixLen": ep.map(|e| e.prefix).unwrap_or(0),
                "IPv6Gateway": v6.map(|v| v.gateway.to_string()).unwrap_or_default(),
                "GlobalIPv6Address": v6.map(|v| v.ip.to_string()).unwrap_or_default(),
                "GlobalIPv6PrefixLen": v6.map(|v| v.prefix).unwrap_or(0),
                "MacAddress": ep.map(|e| format_mac(&e.mac)).unwrap_or_default(),
                "DriverOpts": if cfg.from_connect { json!({}) } else { Value::Null },
            }),
        );
    }
    let joined = c.network_mode.strip_prefix("container:");
    // A container in another's network has no sandbox of its own to show;
    // a stopped one shows the one it last ran in, as Docker does.
    let sandbox_id = match (&c.sandbox, joined) {
        (Some(s), None) => s.id.as_str(),
        (None, None) => c.last_sandbox_id.as_str(),
        _ => "",
    };
    // host and none have no endpoint config, yet Docker lists the mode's
    // network with an endpoint of its own while the container runs.
    if c.endpoints.is_empty() {
        if let Some(n) = mode_network(e, c) {
            networks.insert(
                n.name.clone(),
                json!({
                    "IPAMConfig": null,
                    "Links": null,
                    "Aliases": null,
                    "NetworkID": if never_started { "" } else { n.id.as_str() },
                    "EndpointID": if c.running() && !sandbox_id.is_empty() { mode_endpoint_id(sandbox_id) } else { String::new() },
                    "Gateway": "",
                    "IPAddress": "",
                    "IPPrefixLen": 0,
                    "IPv6Gateway": "",
                    "GlobalIPv6Address": "",
                    "GlobalIPv6PrefixLen": 0,
                    "MacAddress": "",
                    "DriverOpts": null,
                }),
            );
        }
    }
    // Docker reports ports from the gateway endpoint's driver, which on
    // an internal network publishes none: not even the exposed ones show;
    // nor does host, none or another container's network (`-p` is dropped).
    let ports = if internal_gateway(e, c) || !publishing_mode(c) {
        json!({})
    } else {
        ports_json(c)
    };
    // Docker writes these files (and the log) at the first start; a container in
    // another's network uses that container's.
    let files_of = match joined {
        Some(other) => other,
        None => c.id.as_str(),
    };
    let file = |name: &str| {
        if never_started {
            String::new()
        } else {
            format!("/var/lib/docker/containers/{files_of}/{name}")
        }
    };
    let links: Value = if c.links.is_empty() {
        Value::Null
    } else {
        Value::Array(
            c.links
                .iter()
                .filter_map(|l| {
                    let src = e.containers.iter().find(|s| s.id == l.source_id)?;
                    Some(json!(crate::links::links_inspect_entry(
                        &src.name, &c.name, &l.alias
                    )))
                })
                .collect(),
        )
    };
    let running = c.state.status == Status::Running;
    let mut doc = json!({
        "Id": c.id,
        "Created": rfc3339(c.created_ns),
        "Path": c.cmd.first().cloned().unwrap_or_default(),
        "Args": string_list(c.cmd.get(1..).unwrap_or(&[])),
        "State": {
            "Status": c.state.status.as_str(),
            "Running": running,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": false,
            "Dead": false,
            "Pid": c.state.pid,
            "ExitCode": c.state.exit_code,
            "Error": c.state.error,
            "StartedAt": rfc3339(c.state.started_ns),
            "FinishedAt": rfc3339(c.state.finished_ns),
        },
        "Image": c.image.id,
        "ResolvConfPath": file("resolv.conf"),
        "HostnamePath": file("hostname"),
        "HostsPath": file("hosts"),
        "LogPath": if never_started { String::new() } else { format!("{dir}/{}-json.log", c.id) },
        "Name": format!("/{}", c.name),
        "RestartCount": c.restart_count,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": null,
        "HostConfig": host_config_json(c, links),
        "GraphDriver": {
            "Data": {
                "LowerDir": format!("/var/lib/docker/overlay2/{}-init/diff", c.id),
                "MergedDir": format!("/var/lib/docker/overlay2/{}/merged", c.id),
                "UpperDir": format!("/var/lib/docker/overlay2/{}/diff", c.id),
                "WorkDir": format!("/var/lib/docker/overlay2/{}/work", c.id),
            },
            "Name": "overlay2",
        },
        "Mounts": [],
        "Config": {
            "Hostname": c.hostname,
            "Domainname": c.domainname,
            "User": c.image.user,
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "ExposedPorts": exposed_ports(c),
            "Tty": c.tty,
            "OpenStdin": c.open_stdin,
            "StdinOnce": false,
                        "Env": if c.env.is_empty() { Value::Null } else { string_list(&c.env) },
            "Cmd": string_list(&c.cmd),
            "Image": c.image.name,
            "Volumes": null,
            "WorkingDir": c.workdir,
            "Entrypoint": null,
            "OnBuild": null,
            "Labels": c.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<Map<String, Value>>(),
        },
        "NetworkSettings": {
            "Bridge": "",
            "SandboxID": sandbox_id,
            "HairpinMode": false,
            "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0,
            "Ports": ports,
            // A host container's sandbox is the host's namespace, "default".
            "SandboxKey": match sandbox_id {
                "" => String::new(),
                _ if c.network_mode == "host" => "/var/run/docker/netns/default".to_string(),
                id => format!("/var/run/docker/netns/{}", &id[..12]),
            },
            "SecondaryIPAddresses": null,
            "SecondaryIPv6Addresses": null,
            // Filled only for the default bridge, as in Docker 20.10.
            "EndpointID": default_ep.map(|e| e.endpoint_id.as_str()).unwrap_or(""),
            "Gateway": default_ep.map(|e| e.gateway.to_string()).unwrap_or_default(),
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "IPAddress": default_ep.map(|e| e.ip.to_string()).unwrap_or_default(),
            "IPPrefixLen": default_ep.map(|e| e.prefix).unwrap_or(0),
            "IPv6Gateway": "",
            "MacAddress": default_ep.map(|e| format_mac(&e.mac)).unwrap_or_default(),
            // Go's encoding/json writes a map's keys sorted.
            "Networks": sorted(networks),
        },
    });
    // Config.MacAddress is `omitempty`: there only when given, after
    // Entrypoint as Go orders the struct.
    if let Some(Value::Object(config)) = doc.get_mut("Config") {
        if !c.mac_address.is_empty() {
            let at = config
                .keys()
                .position(|k| k == "Entrypoint")
                .map_or(config.len(), |i| i + 1);
            config.shift_insert(at, "MacAddress".into(), json!(c.mac_address));
        }
    }
    // HostConfig.Sysctls is `omitempty` too, after ShmSize.
    if let Some(Value::Object(host)) = doc.get_mut("HostConfig") {
        if !c.sysctls.is_empty() {
            let at = host
                .keys()
                .position(|k| k == "ShmSize")
                .map_or(host.len(), |i| i + 1);
            host.shift_insert(at, "Sysctls".into(), json!(c.sysctls));
        }
    }
    doc
}

/// HostConfig, in Docker 20.10's key order; mostly defaults we don't model.
fn host_config_json(c: &Container, links: Value) -> Value {
    json!({
        "Binds": null,
        "ContainerIDFile": "",
        "LogConfig": { "Type": "json-file", "Config": {} },
        "NetworkMode": c.network_mode,
        "PortBindings": port_bindings_json(c),
        "RestartPolicy": { "Name": "no", "MaximumRetryCount": 0 },
        "AutoRemove": c.auto_remove,
        "VolumeDriver": "",
        "VolumesFrom": null,
        "CapAdd": if c.cap_add.is_empty() { Value::Null } else { string_list(&c.cap_add) },
        "CapDrop": if c.cap_drop.is_empty() { Value::Null } else { string_list(&c.cap_drop) },
        "CgroupnsMode": "host",
        "Dns": c.dns.servers,
        "DnsOptions": c.dns.options,
        "DnsSearch": c.dns.search,
        "ExtraHosts": if c.extra_hosts.is_empty() { Value::Null } else { string_list(&c.extra_hosts) },
        "GroupAdd": null,
        "IpcMode": "private",
        "Cgroup": "",
        "Links": links,
        "OomScoreAdj": 0,
        "PidMode": "",
        "Privileged": false,
        "PublishAllPorts": c.publish_all,
        "ReadonlyRootfs": false,
        "SecurityOpt": null,
        "UTSMode": "",
        "UsernsMode": "",
        "ShmSize": 67108864,
        "Runtime": "runc",
        "ConsoleSize": [0, 0],
        "Isolation": "",
        "CpuShares": 0,
        "Memory": 0,
        "NanoCpus": 0,
        "CgroupParent": "",
        "BlkioWeight": 0,
        "BlkioWeightDevice": [],
        "BlkioDeviceReadBps": null,
        "BlkioDeviceWriteBps": null,
        "BlkioDeviceReadIOps": null,
        "BlkioDeviceWriteIOps": null,
        "CpuPeriod": 0,
        "CpuQuota": 0,
        "CpuRealtimePeriod": 0,
        "CpuRealtimeRuntime": 0,
        "CpusetCpus": "",
        "CpusetMems": "",
        "Devices": [],
        "DeviceCgroupRules": null,
        "DeviceRequests": null,
        "KernelMemory": 0,
        "KernelMemoryTCP": 0,
        "MemoryReservation": 0,
        "MemorySwap": 0,
        "MemorySwappiness": null,
        "OomKillDisable": false,
        "PidsLimit": null,
        "Ulimits": null,
        "CpuCount": 0,
        "CpuPercent": 0,
        "IOMaximumIOps": 0,
        "IOMaximumBandwidth": 0,
        "MaskedPaths": [
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
            "/proc/sched_debug", "/proc/scsi", "/sys/firmware"
        ],
        "ReadonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    })
}

/// The built-in network of a `--net host` or `--net none` container.
fn mode_network<'a>(e: &'a LabState, c: &Container) -> Option<&'a Network> {
    let driver = match c.network_mode.as_str() {
        "host" => Driver::Host,
        "none" => Driver::Null,
        _ => return None,
    };
    e.networks.iter().find(|n| n.driver == driver)
}

/// Whether the container's network mode publishes ports: Docker drops
/// `-p` with host and none (a warning for host), and shows no ports.
pub fn publishing_mode(c: &Container) -> bool {
    !matches!(c.network_mode.as_str(), "host" | "none") && !c.network_mode.starts_with("container:")
}

/// The endpoint id of a host or none container: drawn from its sandbox id
/// by a sequence of its own, so it is stable for the sandbox's life and
/// leaves the lab's deterministic sequence untouched.
fn mode_endpoint_id(sandbox_id: &str) -> String {
    let seed = u64::from_str_radix(&sandbox_id[..16.min(sandbox_id.len())], 16).unwrap_or(0);
    crate::model::ids::Sequence::seeded(seed ^ 0x6e65_746c_696e_6773).id()
}

/// NetworkSettings.Ports: exposed ports with no binding show as null.
fn ports_json(c: &Container) -> Value {
    if c.sandbox.is_none() {
        return json!({});
    }
    crate::ports::network_settings_ports_json(&c.exposed, &c.bindings())
}

fn port_bindings_json(c: &Container) -> Value {
    crate::ports::host_config_port_bindings_json(&c.port_specs)
}

/// `ps` COMMAND: the command line, quoted, cut at 20 characters with "…".
/// The daemon's Command of a container list entry: the path, then the
/// arguments, one with a space in single quotes (`sh -c 'echo hi'`).
pub fn list_command(cmd: &[String]) -> String {
    let mut words = cmd.iter();
    let path = words.next().cloned().unwrap_or_default();
    words.fold(path, |mut line, arg| {
        line.push(' ');
        if arg.contains(' ') {
            line.push_str(&format!("'{arg}'"));
        } else {
            line.push_str(arg);
        }
        line
    })
}

pub fn ps_command(cmd: &[String]) -> String {
    let full = cmd.join(" ");
    let chars: Vec<char> = full.chars().collect();
    if chars.len() > 20 {
        format!("\"{}…\"", chars[..19].iter().collect::<String>())
    } else {
        format!("\"{full}\"")
    }
}

/// Whether a container's gateway endpoint is on an internal network, where
/// Docker publishes nothing and reports no ports at all.
fn internal_gateway(e: &LabState, c: &Container) -> bool {
    e.gateway_endpoint(c)
        .and_then(|ep| e.network_by_id(&ep.network_id))
        .is_some_and(|n| n.config.internal)
}

pub fn ps_row(e: &LabState, c: &Container, now: i128) -> PsRow {
    let ago = |t: i128| crate::model::ids::human_duration(now - t);
    let status = match c.state.status {
        Status::Created => "Created".to_string(),
        Status::Running => format!("Up {}", ago(c.state.started_ns)),
        Status::Exited => format!(
            "Exited ({}) {} ago",
            c.state.exit_code,
            ago(c.state.finished_ns)
        ),
    };

    PsRow {
        id: c.id.clone(),
        image: c.image.name.to_string(),
        command: list_command(&c.cmd),
        created_ns: c.created_ns as i64,
        status,
        // Docker shows ports only while the container's network is up,
        // and none of a container whose gateway network is internal.
        ports: if c.running() && !internal_gateway(e, c) && publishing_mode(c) {
            crate::ports::ps_ports_column(&c.exposed, &c.bindings())
        } else {
            String::new()
        },
        name: c.name.clone(),
        now_ns: now as i64,
        state: c.state.status.as_str().to_string(),
        labels: c
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
        networks: {
            let mut names: Vec<String> = c
                .endpoints
                .iter()
                // A removed network keeps its name here, as in inspect.
                .map(|ep| {
                    e.network_by_id(&ep.network_id)
                        .map_or(ep.network_name.clone(), |n| n.name.clone())
                })
                .collect();
            // host and none have no endpoint; Docker lists them by name.
            if names.is_empty() && matches!(c.network_mode.as_str(), "host" | "none") {
                names.push(c.network_mode.clone());
            }
            names.sort();
            names
        },
        size_rw: 0,
        size_root_fs: 0,
    }
}

/// The lab as `topology` draws it: bridge networks and running
/// containers, in creation order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topology {
    pub networks: Vec<TopoNetwork>,
    pub containers: Vec<TopoContainer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopoNetwork {
    pub name: String,
    pub subnet: String,
    pub gateway: String,
    /// The bridge's interface name (docker0, br-...).
    pub bridge: String,
    /// With `--ipv6`: the IPv6 subnet and gateway (absent from the JSON
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet6: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway6: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopoContainer {
    pub name: String,
    pub endpoints: Vec<TopoEndpoint>,
    /// Docker's `ps` spelling, e.g. "0.0.0.0:80->80/tcp".
    pub published: Vec<String>,
}

/// A container's interface on one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopoEndpoint {
    pub network: String,
    pub ip: String,
    /// eth0, eth1, ...
    pub ifname: String,
    /// Its IPv6 address on a network with `--ipv6` (absent from the JSON
    /// otherwise, so IPv4 labs print what they printed before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip6: Option<String>,
}

impl TopoEndpoint {
    /// "172.18.0.2", or "172.18.0.2 fd00:1::2" with an IPv6 address.
    pub fn addresses(&self) -> String {
        match &self.ip6 {
            Some(v6) => format!("{} {v6}", self.ip),
            None => self.ip.clone(),
        }
    }
}

pub fn topology(e: &LabState) -> Topology {
    let networks = e
        .networks
        .iter()
        .filter(|n| n.driver == Driver::Bridge)
        .map(|n| {
            let p = n.pool.as_ref().expect("bridge pool");
            let v6 = n.v6.as_ref().filter(|_| n.enable_ipv6).map(|v| &v.pool);
            TopoNetwork {
                name: n.name.clone(),
                subnet: p.subnet.to_string(),
                gateway: p.gateway.to_string(),
                bridge: n.bridge.clone(),
                subnet6: v6.map(|p| p.subnet.to_string()),
                gateway6: v6.map(|p| p.gateway.to_string()),
            }
        })
        .collect();
    let containers = e
        .containers
        .iter()
        .filter(|c| c.running())
        .map(|c| topo_container(e, c))
        .collect();
    Topology {
        networks,
        containers,
    }
}

/// One container as the topology describes it (also what a capture is told
/// of a container about to start).
pub fn topo_container(e: &LabState, c: &Container) -> TopoContainer {
    TopoContainer {
        name: c.name.clone(),
        endpoints: c
            .sandbox
            .iter()
            .flat_map(|s| &s.endpoints)
            .filter_map(|ep| {
                Some(TopoEndpoint {
                    network: e.network_by_id(&ep.network_id)?.name.clone(),
                    ip: ep.ip.to_string(),
                    ifname: ep.ifname.clone(),
                    ip6: ep.v6.map(|v| v.ip.to_string()),
                })
            })
            .collect(),
        published: c
            .bindings()
            .iter()
            .map(|(k, b)| {
                format!(
                    "{}:{}->{k}",
                    crate::ports::go_ip_string(&b.host_ip),
                    b.host_port
                )
            })
            .collect(),
    }
}
