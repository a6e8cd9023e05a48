//! `/containers/...`: list, create, inspect, start, stop, restart, kill,
//! rename, remove, prune, resize, top; attach, wait, logs and exec are
//! streams (see `streams`).

use super::reply::{self, Reply};
use super::{engine_call, streams, Call};
use crate::engine::api::{ApiError, Request, Response};
use crate::engine::Shared;
use crate::model::{container_filters, LabState};
use hyper::StatusCode;
use serde_json::{json, Value};

pub async fn create(engine: &Shared, call: &Call) -> Result<Reply, ApiError> {
    let body: super::create::CreateBody = call.json()?;
    super::create::refuse_unsupported(&body).map_err(ApiError::invalid)?;
    let spec = super::create::run_spec(&body, call.param("name"));
    // A 404 makes the client try a pull: only for a missing image.
    let Some(image) = super::system::find_image(&spec.image) else {
        return Err(super::system::missing_image(&spec.image));
    };
    let mut spec = spec;
    spec.image = image.name.to_string();
    let warnings =
        crate::engine::validate::create_warnings(spec.network.as_deref(), !spec.publish.is_empty());
    match engine_call(engine, Request::Create { spec }).await? {
        Response::Created { id } => Ok(reply::json(
            StatusCode::CREATED,
            &json!({ "Id": id, "Warnings": warnings }),
        )),
        other => Err(other.unexpected()),
    }
}

pub async fn prune(engine: &Shared) -> Result<Reply, ApiError> {
    match engine_call(engine, Request::ContainerPrune).await? {
        Response::Deleted { ids } => Ok(reply::json(
            StatusCode::OK,
            &json!({ "ContainersDeleted": if ids.is_empty() { Value::Null } else { json!(ids) }, "SpaceReclaimed": 0 }),
        )),
        other => Err(other.unexpected()),
    }
}

pub async fn action(
    engine: &Shared,
    id: &str,
    action: &str,
    call: Call,
) -> Result<Reply, ApiError> {
    let done = |r: Response| match r {
        Response::Done => Ok(reply::no_content()),
        other => Err(other.unexpected()),
    };
    match action {
        "json" => match engine_call(
            engine,
            Request::Inspect {
                name: id.to_string(),
                kind: Some("container".into()),
            },
        )
        .await
        {
            Ok(Response::Inspect { json }) => Ok(reply::json(StatusCode::OK, &json)),
            Ok(other) => Err(other.unexpected()),
            Err(_) => Err(ApiError::not_found(format!("No such container: {id}"))),
        },
        "start" => {
            if crate::engine::start_container(engine, id).await? {
                Ok(reply::no_content())
            } else {
                Ok(not_modified())
            }
        }
        "stop" | "restart" => {
            // dockerd reads `t` with strconv.Atoi and answers 500 with its error.
            let timeout = match call.param("t").filter(|t| !t.is_empty()) {
                None => None,
                Some(t) => Some(t.parse::<i64>().map_err(|e| {
                    let why = match e.kind() {
                        std::num::IntErrorKind::PosOverflow
                        | std::num::IntErrorKind::NegOverflow => "value out of range",
                        _ => "invalid syntax",
                    };
                    ApiError::system(format!(
                        "strconv.Atoi: parsing {}: {why}",
                        crate::gotext::go_quote(t)
                    ))
                })?),
            };
            let running = is_running(engine, id).await?;
            if action == "stop" {
                if !running {
                    return Ok(not_modified());
                }
                done(
                    engine_call(
                        engine,
                        Request::Stop {
                            container: id.into(),
                            timeout,
                        },
                    )
                    .await?,
                )
            } else {
                done(
                    engine_call(
                        engine,
                        Request::Restart {
                            container: id.into(),
                            timeout,
                        },
                    )
                    .await?,
                )
            }
        }
        "kill" => done(
            engine_call(
                engine,
                Request::Kill {
                    container: id.into(),
                    signal: call
                        .param("signal")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                },
            )
            .await?,
        ),
        "rename" => done(
            engine_call(
                engine,
                Request::Rename {
                    container: id.into(),
                    name: call.param("name").unwrap_or("").to_string(),
                },
            )
            .await?,
        ),
        "delete" => {
            if call.flag("link") {
                return done(
                    engine_call(
                        engine,
                        Request::RmLink {
                            path: format!("/{id}"),
                        },
                    )
                    .await?,
                );
            }
            done(
                engine_call(
                    engine,
                    Request::Rm {
                        container: id.into(),
                        force: call.flag("force"),
                    },
                )
                .await?,
            )
        }
        "resize" => {
            let size = |k: &str| {
                call.param(k)
                    .and_then(|v| v.parse::<u16>().ok())
                    .unwrap_or(0)
            };
            let console = {
                let mut e = engine.lock().await;
                let ci = e.find_container(id)?;
                let cid = e.state.containers[ci].id.clone();
                e.console(&cid)
            };
            console
                .resize(size("h"), size("w"))
                .map_err(|e| ApiError::system(format!("resizing the terminal: {e}")))?;
            Ok(reply::ok_empty())
        }
        "top" => match engine_call(
            engine,
            Request::Top {
                container: id.into(),
                ps_args: call
                    .param("ps_args")
                    .filter(|a| !a.is_empty())
                    .map(str::to_string),
            },
        )
        .await?
        {
            Response::Top { titles, processes } => Ok(reply::json(
                StatusCode::OK,
                &json!({ "Titles": titles, "Processes": processes }),
            )),
            other => Err(other.unexpected()),
        },
        "wait" => streams::wait(engine, id, &call).await,
        "attach" => streams::attach(engine, id, call).await,
        "logs" => streams::logs(engine, id, &call).await,
        "exec" => streams::exec_create(engine, id, &call).await,
        _ => Err(super::out_of_scope(&format!("containers' {action}"))),
    }
}

/// 304, as dockerd answers a start of a running or a stop of a stopped
/// container (the client treats it as success).
fn not_modified() -> Reply {
    reply::builder(StatusCode::NOT_MODIFIED)
        .body(reply::empty_body())
        .expect("valid response")
}

async fn is_running(engine: &Shared, id: &str) -> Result<bool, ApiError> {
    let e = engine.lock().await;
    let ci = e.find_container(id)?;
    Ok(e.state.containers[ci].running())
}

pub async fn list(engine: &Shared, call: &Call) -> Result<Reply, ApiError> {
    let filters = super::routes::filters(call.param("filters")).map_err(ApiError::invalid)?;
    container_filters::check(&filters).map_err(ApiError::invalid)?;
    let limit: Option<usize> = call
        .param("limit")
        .and_then(|l| l.parse::<i64>().ok())
        .filter(|l| *l > 0)
        .map(|l| l as usize);
    // `limit` and `before`/`since` imply all, as on Docker.
    let all = call.flag("all")
        || limit.is_some()
        || filters.iter().any(|(k, _)| k == "before" || k == "since");
    let mut e = engine.lock().await;
    for (_, v) in filters
        .iter()
        .filter(|(k, _)| k == "before" || k == "since")
    {
        e.find_container(v)
            .map_err(|_| ApiError::system(format!("no such container {v}")))?;
    }
    // Reading the (virtual) clock moves it, as the CLI's ps does: a
    // deterministic lab then has the same times whichever client asks.
    let now = e.clock.tick();
    let state = &e.state;
    let mut rows: Vec<Value> = Vec::new();
    // Newest first, as Docker lists them.
    for c in state.containers.iter().rev() {
        if !all && !c.running() && !filters.iter().any(|(k, _)| k == "status") {
            continue;
        }
        if !container_filters::matches(state, c, &filters) {
            continue;
        }
        let sizes = call.flag("size").then(|| e.container_sizes(c));
        rows.push(list_entry(state, c, now, sizes));
        if limit.is_some_and(|l| rows.len() >= l) {
            break;
        }
    }
    Ok(reply::json(StatusCode::OK, &Value::Array(rows)))
}

/// One element of `GET /containers/json`, as dockerd composes it.
/// `sizes`: (SizeRw, SizeRootFs), when asked for.
fn list_entry(
    state: &LabState,
    c: &crate::model::Container,
    now: i128,
    sizes: Option<(u64, u64)>,
) -> Value {
    let inspect = crate::inspect::container_json(state, c);
    let row = crate::inspect::ps_row(state, c, now);
    let mut names = vec![format!("/{}", c.name)];
    // A linked container is also known as /recipient/alias.
    for r in &state.containers {
        for l in r.links.iter().filter(|l| l.source_id == c.id) {
            names.push(format!("/{}/{}", r.name, l.alias));
        }
    }
    let mut ports = Vec::new();
    if c.running() {
        if let Some(map) = inspect["NetworkSettings"]["Ports"].as_object() {
            for (key, bindings) in map {
                let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
                let private: u16 = port.parse().unwrap_or(0);
                match bindings.as_array() {
                    Some(list) if !list.is_empty() => {
                        for b in list {
                            ports.push(json!({
                                "IP": b["HostIp"],
                                "PrivatePort": private,
                                "PublicPort": b["HostPort"].as_str().and_then(|p| p.parse::<u16>().ok()).unwrap_or(0),
                                "Type": proto,
                            }));
                        }
                    }
                    _ => ports.push(json!({ "PrivatePort": private, "Type": proto })),
                }
            }
        }
    }
    let mut entry = json!({
        "Id": c.id,
        "Names": names,
        "Image": c.image.name,
        "ImageID": c.image.id,
        "Command": c.cmd.join(" "),
        "Created": c.created_ns / 1_000_000_000,
        "Ports": ports,
        "Labels": c
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect::<serde_json::Map<String, Value>>(),
        "State": row.state,
        "Status": row.status,
        "HostConfig": { "NetworkMode": c.network_mode },
        "NetworkSettings": { "Networks": inspect["NetworkSettings"]["Networks"] },
        "Mounts": [],
    });
    if let Some((rw, root_fs)) = sizes {
        let obj = entry.as_object_mut().expect("an object");
        obj.insert("SizeRw".into(), json!(rw));
        obj.insert("SizeRootFs".into(), json!(root_fs));
    }
    entry
}
