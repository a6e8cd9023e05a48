//! `POST /containers/create`: Docker's container config to the engine's
//! `RunSpec`, the same one `docker run` of our CLI makes. Pure.

use crate::engine::api::RunSpec;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateBody {
    pub hostname: String,
    pub domainname: String,
    pub image: String,
    pub cmd: Option<StringOrList>,
    pub entrypoint: Option<StringOrList>,
    pub env: Option<Vec<String>>,
    pub tty: bool,
    pub open_stdin: bool,
    pub working_dir: String,
    pub labels: Option<BTreeMap<String, String>>,
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    pub mac_address: String,
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    pub host_config: Option<HostConfig>,
    pub networking_config: Option<NetworkingConfig>,
}

/// Cmd and Entrypoint come as a list, or (old clients, compose) a string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum StringOrList {
    List(Vec<String>),
    One(String),
}

impl StringOrList {
    fn words(&self) -> Vec<String> {
        match self {
            StringOrList::List(l) => l.clone(),
            StringOrList::One(s) if s.is_empty() => Vec::new(),
            // A string is run by a shell, as Docker does for the shell form.
            StringOrList::One(s) => vec!["/bin/sh".into(), "-c".into(), s.clone()],
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostConfig {
    pub network_mode: String,
    pub port_bindings: Option<BTreeMap<String, Option<Vec<PortBinding>>>>,
    pub publish_all_ports: bool,
    pub links: Option<Vec<String>>,
    pub auto_remove: bool,
    pub dns: Option<Vec<String>>,
    pub dns_search: Option<Vec<String>>,
    pub dns_options: Option<Vec<String>>,
    pub extra_hosts: Option<Vec<String>>,
    pub binds: Option<Vec<String>>,
    pub mounts: Option<Vec<serde_json::Value>>,
    pub restart_policy: Option<RestartPolicy>,
    pub cap_add: Option<Vec<String>>,
    pub cap_drop: Option<Vec<String>>,
    pub sysctls: Option<BTreeMap<String, String>>,
    pub privileged: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RestartPolicy {
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PortBinding {
    pub host_ip: String,
    pub host_port: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkingConfig {
    pub endpoints_config: Option<BTreeMap<String, Option<EndpointSettings>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EndpointSettings {
    #[serde(rename = "IPAMConfig")]
    pub ipam_config: Option<IpamConfig>,
    pub aliases: Option<Vec<String>>,
    pub links: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IpamConfig {
    #[serde(rename = "IPv4Address")]
    pub ipv4_address: String,
    #[serde(rename = "IPv6Address")]
    pub ipv6_address: String,
}

/// What a lab cannot do and must not pretend to: a clear refusal instead
/// of a container that silently lacks it. Volumes would also put the
/// machine's files within a container's reach.
pub fn refuse_unsupported(body: &CreateBody) -> Result<(), String> {
    let host = body.host_config.as_ref();
    let has = |v: Option<usize>| v.is_some_and(|n| n > 0);
    if has(host.and_then(|h| h.binds.as_ref()).map(Vec::len))
        || has(host.and_then(|h| h.mounts.as_ref()).map(Vec::len))
        || has(body.volumes.as_ref().map(BTreeMap::len))
    {
        return Err("volumes and mounts (-v, --mount) are outside netlings' scope: a lab's containers share no files with the machine".into());
    }
    if host.is_some_and(|h| h.privileged) {
        return Err("--privileged is outside netlings' scope: a lab's containers may gain only network capabilities (--cap-add NET_ADMIN)".into());
    }
    if let Some(p) = host.and_then(|h| h.restart_policy.as_ref()) {
        if !matches!(p.name.as_str(), "" | "no") {
            return Err(format!(
                "restart policies (--restart {}) are outside netlings' scope: a lab's containers are restarted by hand",
                p.name
            ));
        }
    }
    let on_default = matches!(
        host.map(|h| h.network_mode.as_str()).unwrap_or(""),
        "" | "default" | "bridge"
    );
    let asks_ip = body
        .networking_config
        .iter()
        .flat_map(|n| n.endpoints_config.iter().flatten())
        .filter_map(|(_, ep)| ep.as_ref()?.ipam_config.as_ref())
        .any(|i| !i.ipv4_address.is_empty());
    if on_default && asks_ip {
        return Err("user specified IP address is supported on user defined networks only".into());
    }
    Ok(())
}

/// The engine's spec for a create request named `name` (the query's).
pub fn run_spec(body: &CreateBody, name: Option<&str>) -> RunSpec {
    let host = body.host_config.as_ref();
    let mode = host.map(|h| h.network_mode.as_str()).unwrap_or("");
    let network = match mode {
        "" | "default" => None,
        m => Some(m.to_string()),
    };
    // The endpoint settings of the network the container is created on
    // (compose and the CLI send them under its name; the 28 client sends
    // "default" without --net).
    let endpoints = body
        .networking_config
        .as_ref()
        .and_then(|n| n.endpoints_config.as_ref());
    let endpoint = endpoints.and_then(|eps| {
        eps.get(network.as_deref().unwrap_or("default"))
            .or_else(|| (eps.len() == 1).then(|| eps.values().next()).flatten())
            .and_then(Option::as_ref)
    });
    let mut cmd: Vec<String> = body
        .entrypoint
        .as_ref()
        .map(StringOrList::words)
        .unwrap_or_default();
    cmd.extend(
        body.cmd
            .as_ref()
            .map(StringOrList::words)
            .unwrap_or_default(),
    );
    let mut publish = Vec::new();
    for (port, bindings) in host
        .and_then(|h| h.port_bindings.as_ref())
        .into_iter()
        .flatten()
    {
        for b in bindings.iter().flatten() {
            publish.push(publish_flag(port, b));
        }
    }
    let mut links = host.and_then(|h| h.links.clone()).unwrap_or_default();
    links.extend(endpoint.and_then(|e| e.links.clone()).unwrap_or_default());
    RunSpec {
        console_size: None,
        image: body.image.clone(),
        name: name.filter(|n| !n.is_empty()).map(str::to_string),
        cmd,
        env: body.env.clone().unwrap_or_default(),
        network,
        hostname: Some(body.hostname.clone()).filter(|h| !h.is_empty()),
        publish,
        publish_all: host.is_some_and(|h| h.publish_all_ports),
        links,
        aliases: endpoint.and_then(|e| e.aliases.clone()).unwrap_or_default(),
        ip: endpoint
            .and_then(|e| e.ipam_config.as_ref())
            .map(|i| i.ipv4_address.clone())
            .filter(|ip| !ip.is_empty()),
        ip6: endpoint
            .and_then(|e| e.ipam_config.as_ref())
            .map(|i| i.ipv6_address.clone())
            .filter(|ip| !ip.is_empty()),
        auto_remove: host.is_some_and(|h| h.auto_remove),
        tty: body.tty,
        interactive: body.open_stdin,
        workdir: Some(body.working_dir.clone()).filter(|w| !w.is_empty()),
        dns: host.and_then(|h| h.dns.clone()).unwrap_or_default(),
        dns_search: host.and_then(|h| h.dns_search.clone()).unwrap_or_default(),
        dns_options: host.and_then(|h| h.dns_options.clone()).unwrap_or_default(),
        add_hosts: host.and_then(|h| h.extra_hosts.clone()).unwrap_or_default(),
        labels: body
            .labels
            .iter()
            .flatten()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        expose: body
            .exposed_ports
            .iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect(),
        domainname: Some(body.domainname.clone()).filter(|d| !d.is_empty()),
        mac_address: Some(body.mac_address.clone()).filter(|m| !m.is_empty()),
        cap_add: host.and_then(|h| h.cap_add.clone()).unwrap_or_default(),
        cap_drop: host.and_then(|h| h.cap_drop.clone()).unwrap_or_default(),
        sysctls: host.and_then(|h| h.sysctls.clone()).unwrap_or_default(),
    }
}

/// A port binding as `-p` would have said it.
fn publish_flag(port: &str, b: &PortBinding) -> String {
    let ip = if b.host_ip.contains(':') {
        format!("[{}]", b.host_ip)
    } else {
        b.host_ip.clone()
    };
    match (ip.is_empty(), b.host_port.is_empty()) {
        (true, true) => port.to_string(),
        (true, false) => format!("{}:{port}", b.host_port),
        (false, _) => format!("{ip}:{}:{port}", b.host_port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str, name: Option<&str>) -> RunSpec {
        run_spec(&serde_json::from_str(json).expect("valid body"), name)
    }

    /// The 28 client's body for `docker run -d -p 80:80 --net=flappy-public
    /// --name=flappy quay.io/purplebooth/flappy-endpoint` (06-run-d-flappy),
    /// trimmed to the keys that matter.
    #[test]
    fn the_clients_run_body_becomes_the_clis_spec() {
        let s = spec(
            r#"{"Hostname":"","Domainname":"","Image":"quay.io/purplebooth/flappy-endpoint",
                "Cmd":null,"Entrypoint":null,"Env":[],"Tty":false,"OpenStdin":false,
                "ExposedPorts":{"80/tcp":{}},"Labels":{},"WorkingDir":"",
                "HostConfig":{"NetworkMode":"flappy-public","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"80"}]},
                  "AutoRemove":false,"PublishAllPorts":false,"Links":null,"Dns":[],"ExtraHosts":null},
                "NetworkingConfig":{"EndpointsConfig":{"flappy-public":{}}}}"#,
            Some("flappy"),
        );
        assert_eq!(s.image, "quay.io/purplebooth/flappy-endpoint");
        assert_eq!(s.name.as_deref(), Some("flappy"));
        assert_eq!(s.network.as_deref(), Some("flappy-public"));
        assert_eq!(s.publish, ["80:80/tcp"]);
        assert_eq!(s.expose, ["80/tcp"]);
        assert!(s.cmd.is_empty() && s.hostname.is_none() && !s.auto_remove);
    }

    #[test]
    fn endpoint_settings_links_and_bindings_carry_over() {
        let s = spec(
            r#"{"Image":"training/webapp","Cmd":["python","app.py"],"Tty":true,"OpenStdin":true,
                "Labels":{"com.docker.compose.service":"web"},
                "HostConfig":{"NetworkMode":"default","Links":["db:db"],"AutoRemove":true,
                  "PortBindings":{"5000/tcp":[{"HostIp":"127.0.0.1","HostPort":""}],"53/udp":[{"HostIp":"","HostPort":""}]}},
                "NetworkingConfig":{"EndpointsConfig":{"default":{"Aliases":["x"],"IPAMConfig":{"IPv4Address":"10.0.0.5"}}}}}"#,
            None,
        );
        assert_eq!(s.network, None);
        assert_eq!(s.cmd, ["python", "app.py"]);
        assert_eq!(s.links, ["db:db"]);
        assert_eq!(s.publish, ["127.0.0.1::5000/tcp", "53/udp"]);
        assert_eq!(s.aliases, ["x"]);
        assert_eq!(s.ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(s.labels, ["com.docker.compose.service=web"]);
        assert!(s.tty && s.interactive && s.auto_remove);
    }

    #[test]
    fn what_a_lab_cannot_do_is_refused() {
        let body = |json: &str| -> CreateBody { serde_json::from_str(json).unwrap() };
        assert!(
            refuse_unsupported(&body(r#"{"Image":"x","HostConfig":{"Binds":["/etc:/x"]}}"#))
                .unwrap_err()
                .starts_with("volumes and mounts")
        );
        assert!(refuse_unsupported(&body(
            r#"{"Image":"x","HostConfig":{"Mounts":[{"Type":"bind"}]}}"#
        ))
        .is_err());
        assert!(refuse_unsupported(&body(r#"{"Image":"x","Volumes":{"/data":{}}}"#)).is_err());
        assert!(refuse_unsupported(&body(
            r#"{"Image":"x","HostConfig":{"RestartPolicy":{"Name":"always"}}}"#
        ))
        .unwrap_err()
        .contains("--restart always"));
        assert_eq!(
            refuse_unsupported(&body(
                r#"{"Image":"x","HostConfig":{"RestartPolicy":{"Name":"no"},"Binds":[]}}"#
            )),
            Ok(())
        );
        // The 28 client puts --ip under "default" without --net.
        assert_eq!(
            refuse_unsupported(&body(
                r#"{"Image":"x","HostConfig":{"NetworkMode":"default"},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":{"IPv4Address":"10.0.0.5"}}}}}"#
            )),
            Err("user specified IP address is supported on user defined networks only".into())
        );
        assert_eq!(
            refuse_unsupported(&body(
                r#"{"Image":"x","HostConfig":{"NetworkMode":"net1"},"NetworkingConfig":{"EndpointsConfig":{"net1":{"IPAMConfig":{"IPv4Address":"10.0.0.5"}}}}}"#
            )),
            Ok(())
        );
    }

    #[test]
    fn compose_style_strings_and_entrypoints_run_as_docker_runs_them() {
        let s = spec(
            r#"{"Image":"training/webapp","Entrypoint":["env"],"Cmd":"echo hi",
                "HostConfig":{"NetworkMode":"proj_back"},
                "NetworkingConfig":{"EndpointsConfig":{"proj_back":{"Aliases":["db","database"]}}}}"#,
            Some("proj_db_1"),
        );
        assert_eq!(s.cmd, ["env", "/bin/sh", "-c", "echo hi"]);
        assert_eq!(s.aliases, ["db", "database"]);
    }
}
