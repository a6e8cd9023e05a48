//! `/_ping`, `/version`, `/info`, and the built-in images: listed,
//! inspected, and "pulled" (there is no registry: a pull of a built-in
//! image is up to date, any other fails saying what is built in).

use super::reply::{self, Reply};
use super::routes::{API_VERSION, MIN_API_VERSION};
use super::Call;
use crate::engine::api::{ApiError, Request, Response};
use crate::engine::Shared;
use crate::images::{self, Image};
use hyper::StatusCode;
use serde_json::{json, Value};

pub fn ping(call: &Call) -> Reply {
    let _ = call;
    reply::builder(StatusCode::OK)
        .header("Cache-Control", "no-cache, no-store, must-revalidate")
        .header("Pragma", "no-cache")
        .header("Content-Type", "text/plain; charset=utf-8")
        .body(reply::full("OK"))
        .expect("valid response")
}

fn uname() -> (String, String) {
    nix::sys::utsname::uname()
        .map(|u| {
            (
                u.release().to_string_lossy().into_owned(),
                u.machine().to_string_lossy().into_owned(),
            )
        })
        .unwrap_or_default()
}

/// Go's names for the machine's architecture.
fn go_arch(machine: &str) -> &str {
    match machine {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

const VERSION: &str = concat!("netlings-", env!("CARGO_PKG_VERSION"));

pub fn version() -> Reply {
    let (kernel, machine) = uname();
    let arch = go_arch(&machine);
    reply::json(
        StatusCode::OK,
        &json!({
            "Platform": { "Name": "netlings" },
            "Components": [{
                "Name": "Engine",
                "Version": VERSION,
                "Details": {
                    "ApiVersion": API_VERSION,
                    "Arch": arch,
                    "BuildTime": "",
                    "Experimental": "false",
                    "GitCommit": "",
                    "GoVersion": "",
                    "KernelVersion": kernel,
                    "MinAPIVersion": MIN_API_VERSION,
                    "Os": "linux"
                }
            }],
            "Version": VERSION,
            "ApiVersion": API_VERSION,
            "MinAPIVersion": MIN_API_VERSION,
            "GitCommit": "",
            "GoVersion": "",
            "Os": "linux",
            "Arch": arch,
            "KernelVersion": kernel,
            "BuildTime": ""
        }),
    )
}

pub async fn info(engine: &Shared) -> Result<Reply, ApiError> {
    let info = match super::engine_call(engine, Request::Info).await? {
        Response::Info(i) => i,
        other => return Err(other.unexpected()),
    };
    let (kernel, machine) = uname();
    let name = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(reply::json(
        StatusCode::OK,
        &json!({
            "ID": "",
            "Containers": info.containers,
            "ContainersRunning": info.running,
            "ContainersPaused": 0,
            "ContainersStopped": info.containers - info.running,
            "Images": images::IMAGES.len(),
            "Driver": "netlings",
            "DriverStatus": [],
            "Plugins": {
                "Volume": [],
                "Network": ["bridge", "host", "null"],
                "Authorization": null,
                "Log": ["json-file"]
            },
            "MemoryLimit": false,
            "SwapLimit": false,
            "KernelMemory": false,
            "CpuCfsPeriod": false,
            "CpuCfsQuota": false,
            "CPUShares": false,
            "CPUSet": false,
            "PidsLimit": false,
            "IPv4Forwarding": false,
            "BridgeNfIptables": false,
            "BridgeNfIp6tables": false,
            "Debug": false,
            "NFd": 0,
            "OomKillDisable": false,
            "NGoroutines": 0,
            "SystemTime": crate::model::ids::rfc3339(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as i128)
            ),
            "LoggingDriver": "json-file",
            "CgroupDriver": "none",
            "CgroupVersion": "2",
            "NEventsListener": 0,
            "KernelVersion": kernel,
            "OperatingSystem": "netlings lab",
            "OSVersion": "",
            "OSType": "linux",
            "Architecture": machine,
            "IndexServerAddress": "",
            "RegistryConfig": null,
            "NCPU": cpus,
            "MemTotal": 0,
            "GenericResources": null,
            "DockerRootDir": "",
            "HttpProxy": "",
            "HttpsProxy": "",
            "NoProxy": "",
            "Name": name,
            "Labels": [],
            "ExperimentalBuild": false,
            "ServerVersion": VERSION,
            "Runtimes": { "netlings": { "path": "netlings" } },
            "DefaultRuntime": "netlings",
            "Swarm": {
                "NodeID": "",
                "NodeAddr": "",
                "LocalNodeState": "inactive",
                "ControlAvailable": false,
                "Error": "",
                "RemoteManagers": null
            },
            "LiveRestoreEnabled": false,
            "Isolation": "",
            "InitBinary": "",
            "ContainerdCommit": { "ID": "", "Expected": "" },
            "RuncCommit": { "ID": "", "Expected": "" },
            "InitCommit": { "ID": "", "Expected": "" },
            "SecurityOptions": [],
            "Warnings": null
        }),
    ))
}

/// When the images were made: when this netlings was built (its
/// executable's time), rather than 1970.
fn built_at() -> i64 {
    std::fs::metadata("/proc/self/exe")
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64)
}

/// What a built-in image holds, as its size.
fn size(i: &Image) -> usize {
    i.files
        .iter()
        .filter_map(|f| f.contents)
        .map(str::len)
        .sum()
}

pub fn images() -> Reply {
    let list: Vec<Value> = images::IMAGES
        .iter()
        .map(|i| {
            json!({
                "Containers": -1,
                "Created": built_at(),
                "Id": i.id,
                "Labels": null,
                "ParentId": "",
                "RepoDigests": null,
                "RepoTags": [format!("{}:latest", i.name)],
                "SharedSize": -1,
                "Size": size(i),
                "VirtualSize": size(i)
            })
        })
        .collect();
    reply::json(StatusCode::OK, &Value::Array(list))
}

/// A reference as Docker names it in errors: with its tag.
fn tagged(reference: &str) -> String {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    if last.contains(':') || reference.contains('@') {
        reference.to_string()
    } else {
        format!("{reference}:latest")
    }
}

/// A built-in image by any name the clients use for it (with the
/// `docker.io/` and `library/` prefixes they may add).
pub fn find_image(reference: &str) -> Option<&'static Image> {
    let r = reference.strip_prefix("docker.io/").unwrap_or(reference);
    let r = r.strip_prefix("library/").unwrap_or(r);
    images::lookup(r).or_else(|| {
        images::IMAGES.iter().find(|i| {
            i.id == reference
                || i.id
                    .strip_prefix("sha256:")
                    .is_some_and(|id| reference.len() >= 12 && id.starts_with(reference))
        })
    })
}

pub fn missing_image(reference: &str) -> ApiError {
    ApiError::not_found(format!("No such image: {}", tagged(reference)))
}

pub fn image_inspect(name: &str) -> Result<Reply, ApiError> {
    let i = find_image(name).ok_or_else(|| missing_image(name))?;
    let exposed: serde_json::Map<String, Value> = i
        .exposed
        .iter()
        .map(|p| (p.to_string(), json!({})))
        .collect();
    let config = json!({
        "Hostname": "",
        "Domainname": "",
        "User": i.user,
        "AttachStdin": false,
        "AttachStdout": false,
        "AttachStderr": false,
        "ExposedPorts": if exposed.is_empty() { Value::Null } else { Value::Object(exposed) },
        "Tty": false,
        "OpenStdin": false,
        "StdinOnce": false,
        "Env": i.env,
        "Cmd": i.cmd,
        "Image": "",
        "Volumes": null,
        "WorkingDir": i.working_dir,
        "Entrypoint": null,
        "OnBuild": null,
        "Labels": null
    });
    Ok(reply::json(
        StatusCode::OK,
        &json!({
            "Id": i.id,
            "RepoTags": [format!("{}:latest", i.name)],
            "RepoDigests": [],
            "Parent": "",
            "Comment": "built into netlings",
            "Created": "0001-01-01T00:00:00Z",
            "Container": "",
            "ContainerConfig": config,
            "DockerVersion": "",
            "Author": "",
            "Config": config,
            "Architecture": go_arch(&uname().1),
            "Os": "linux",
            "Size": size(i),
            "VirtualSize": size(i),
            "GraphDriver": { "Data": null, "Name": "netlings" },
            "RootFS": { "Type": "layers" },
            "Metadata": { "LastTagTime": "0001-01-01T00:00:00Z" }
        }),
    ))
}

/// `POST /images/create` (pull): a built-in image is up to date; any
/// other cannot come, for the lab has no registry.
pub fn pull(call: &Call) -> Result<Reply, ApiError> {
    let from = call.param("fromImage").unwrap_or("");
    let tag = call
        .param("tag")
        .filter(|t| !t.is_empty())
        .unwrap_or("latest");
    let reference = if tag == "latest" {
        from.to_string()
    } else {
        format!("{from}:{tag}")
    };
    match find_image(&reference) {
        Some(i) => {
            let lines = [
                json!({ "status": format!("Pulling from {}", i.name), "id": tag }),
                json!({ "status": "Digest: built into netlings" }),
                json!({ "status": format!("Status: Image is up to date for {}:latest", i.name) }),
            ];
            let mut text = Vec::new();
            for l in lines {
                text.extend(serde_json::to_vec(&l).unwrap_or_default());
                text.push(b'\n');
            }
            Ok(reply::builder(StatusCode::OK)
                .header("Content-Type", "application/json")
                .body(reply::full(text))
                .expect("valid response"))
        }
        None => {
            let names: Vec<&str> = images::IMAGES.iter().map(|i| i.name).collect();
            Err(ApiError::not_found(format!(
                "pull access denied for {}: this lab has no registry; its images are built in: {}",
                from.strip_prefix("docker.io/").unwrap_or(from),
                names.join(", ")
            )))
        }
    }
}
