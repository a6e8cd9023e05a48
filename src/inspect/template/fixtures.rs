//! Inspect data the tests render templates against.

use super::render;
use serde_json::{json, Value};

/// `docker inspect web` from tutorial B (trimmed), with two extra
/// networks inserted out of order and labels to show map sorting.
pub(super) fn web() -> Value {
    json!({
        "Id": "14a889c625f0bd197f3c0256578d9005eda8869fe23a89b7665ea58cfd1a8208",
        "Created": "2026-11-22T09:51:56.467851442Z",
        "Path": "python",
        "Args": ["app.py"],
        "State": {
            "Status": "running", "Running": true, "Paused": false, "Restarting": false,
            "OOMKilled": false, "Dead": false, "Pid": 11260, "ExitCode": 0, "Error": "",
            "StartedAt": "2026-11-22T09:51:56.760412767Z", "FinishedAt": "0001-01-01T00:00:00Z"
        },
        "Name": "/web",
        "RestartCount": 0,
        "ExecIDs": null,
        "HostConfig": {
            "Binds": null,
            "LogConfig": {"Type": "json-file", "Config": {}},
            "NetworkMode": "default",
            "PortBindings": {},
            "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
            "CapAdd": null,
            "Dns": [],
            "Links": ["/db:/web/db"],
            "PublishAllPorts": true,
            "ShmSize": 67108864
        },
        "Mounts": [],
        "Config": {
            "Hostname": "14a889c625f0",
            "ExposedPorts": {"5000/tcp": {}},
            "Env": ["PATH=/usr/bin:/bin", "DB_PORT=tcp://172.17.0.2:5432"],
            "Cmd": ["python", "app.py"],
            "Image": "training/webapp",
            "Volumes": null,
            "WorkingDir": "/opt/webapp",
            "Entrypoint": null,
            "OnBuild": null,
            "Labels": {"zeta": "last", "alpha": "first"}
        },
        "NetworkSettings": {
            "Ports": {"5000/tcp": [
                {"HostIp": "0.0.0.0", "HostPort": "32772"},
                {"HostIp": "::", "HostPort": "32771"}
            ]},
            "SecondaryIPAddresses": null,
            "Gateway": "172.17.0.1",
            "IPAddress": "172.17.0.3",
            "IPPrefixLen": 16,
            "MacAddress": "02:42:ac:11:00:03",
            "Networks": {
                "zz-net": {
                    "IPAMConfig": {}, "Links": null, "Aliases": ["14a889c625f0"],
                    "NetworkID": "5e1d", "Gateway": "172.20.0.1", "IPAddress": "172.20.0.2",
                    "IPPrefixLen": 16, "MacAddress": "02:42:ac:14:00:02", "DriverOpts": {}
                },
                "bridge": {
                    "IPAMConfig": null, "Links": null, "Aliases": null,
                    "NetworkID": "628a", "Gateway": "172.17.0.1", "IPAddress": "172.17.0.3",
                    "IPPrefixLen": 16, "MacAddress": "02:42:ac:11:00:03", "DriverOpts": null
                },
                "flappy-public": {
                    "IPAMConfig": null, "Links": ["db2:pg"], "Aliases": ["14a889c625f0"],
                    "NetworkID": "9f50", "Gateway": "172.18.0.1", "IPAddress": "172.18.0.2",
                    "IPPrefixLen": 16, "MacAddress": "02:42:ac:12:00:02", "DriverOpts": null
                }
            }
        }
    })
}

/// `docker network inspect bridge`: no Gateway key, null IPAM options.
pub(super) fn bridge_network() -> Value {
    json!({
        "Name": "bridge",
        "Id": "628ab389ee0d55fe47de2c2625a6584153a8ba1afe98124f86bf6ce579ba70ee",
        "Created": "2026-11-22T09:40:12.123400000Z",
        "Scope": "local",
        "IPAM": {"Driver": "default", "Options": null, "Config": [{"Subnet": "172.17.0.0/16"}]},
        "Containers": {
            "9e13": {"Name": "db", "EndpointID": "e1", "MacAddress": "02:42:ac:11:00:02",
                     "IPv4Address": "172.17.0.2/16", "IPv6Address": ""},
            "14a8": {"Name": "web", "EndpointID": "e2", "MacAddress": "02:42:ac:11:00:03",
                     "IPv4Address": "172.17.0.3/16", "IPv6Address": ""}
        },
        "Options": {"com.docker.network.driver.mtu": "1500", "com.docker.network.bridge.name": "docker0"},
        "Labels": {}
    })
}

pub(super) fn r(template: &str) -> String {
    render(template, &web()).unwrap_or_else(|e| panic!("{template}: {e}"))
}

pub(super) fn err(template: &str) -> String {
    match render(template, &web()) {
        Ok(out) => panic!("{template}: expected an error, got {out:?}"),
        Err(e) => e.0,
    }
}
