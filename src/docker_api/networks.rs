//! `/networks/...`: list, create, inspect, connect, disconnect, remove,
//! prune.

use super::reply::{self, Reply};
use super::{engine_call, Call};
use crate::engine::api::{ApiError, NetworkSpec, PoolSpec, Request, Response};
use crate::engine::Shared;
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Filters as the CLI's `--filter KEY=VALUE` gives them to the engine.
fn filter_flags(call: &Call) -> Result<Vec<String>, ApiError> {
    Ok(super::routes::filters(call.param("filters"))
        .map_err(ApiError::invalid)?
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect())
}

pub async fn list(engine: &Shared, call: &Call) -> Result<Reply, ApiError> {
    let filters = filter_flags(call)?;
    let e = engine.lock().await;
    let names: Vec<String> = e
        .network_list(&filters)?
        .into_iter()
        .map(|n| n.id)
        .collect();
    let list: Vec<Value> = e
        .state
        .networks
        .iter()
        .filter(|n| names.contains(&n.id))
        .map(|n| {
            let mut v = crate::inspect::network_json(&e.state, n);
            // The list shows no endpoints (dockerd 20.10 fills them only
            // for inspect).
            if let Some(obj) = v.as_object_mut() {
                obj.insert("Containers".into(), json!({}));
            }
            v
        })
        .collect();
    Ok(reply::json(StatusCode::OK, &Value::Array(list)))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct CreateBody {
    name: String,
    driver: String,
    internal: bool,
    attachable: bool,
    #[serde(rename = "EnableIPv6")]
    enable_ipv6: bool,
    #[serde(rename = "IPAM")]
    ipam: Option<Ipam>,
    options: Option<BTreeMap<String, String>>,
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct Ipam {
    driver: String,
    config: Option<Vec<IpamPool>>,
    options: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct IpamPool {
    subnet: String,
    #[serde(rename = "IPRange")]
    ip_range: String,
    gateway: String,
    auxiliary_addresses: Option<BTreeMap<String, String>>,
}

pub async fn create(engine: &Shared, call: &Call) -> Result<Reply, ApiError> {
    let body: CreateBody = call.json()?;
    let ipam = body.ipam.unwrap_or_default();
    let pools = ipam.config.unwrap_or_default();
    let pool = pools.first();
    // Every pool's auxiliary addresses; each pool after the first as the
    // engine takes it (a second subnet of a family is refused there).
    let mut aux = BTreeMap::new();
    for p in &pools {
        aux.extend(p.auxiliary_addresses.clone().unwrap_or_default());
    }
    let text = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
    let pairs = |m: Option<BTreeMap<String, String>>| -> Vec<String> {
        m.unwrap_or_default()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    };
    let spec = NetworkSpec {
        name: body.name,
        driver: text(&body.driver),
        subnet: pool.and_then(|p| text(&p.subnet)),
        gateway: pool.and_then(|p| text(&p.gateway)),
        ip_range: pool.and_then(|p| text(&p.ip_range)),
        aux_addresses: pairs(Some(aux)),
        more_pools: pools
            .iter()
            .skip(1)
            .map(|p| PoolSpec {
                subnet: text(&p.subnet),
                gateway: text(&p.gateway),
                ip_range: text(&p.ip_range),
            })
            .collect(),
        labels: pairs(body.labels),
        options: pairs(body.options),
        internal: body.internal,
        attachable: body.attachable,
        ipv6: body.enable_ipv6,
        ipam_driver: text(&ipam.driver),
        ipam_options: pairs(ipam.options),
    };
    match engine_call(engine, Request::NetworkCreateSpec { spec }).await? {
        Response::Created { id } => Ok(reply::json(
            StatusCode::CREATED,
            &json!({ "Id": id, "Warning": "" }),
        )),
        other => Err(other.unexpected()),
    }
}

pub async fn prune(engine: &Shared, call: &Call) -> Result<Reply, ApiError> {
    let filters = filter_flags(call)?;
    match engine_call(engine, Request::NetworkPrune { filters }).await? {
        Response::Pruned { networks } => Ok(reply::json(
            StatusCode::OK,
            &json!({ "NetworksDeleted": if networks.is_empty() { Value::Null } else { json!(networks) } }),
        )),
        other => Err(other.unexpected()),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ConnectBody {
    container: String,
    endpoint_config: Option<super::create::EndpointSettings>,
    force: bool,
}

pub async fn action(
    engine: &Shared,
    id: &str,
    action: &str,
    call: &Call,
) -> Result<Reply, ApiError> {
    match action {
        "inspect" => match engine_call(
            engine,
            Request::Inspect {
                name: id.to_string(),
                kind: Some("network".into()),
            },
        )
        .await
        {
            Ok(Response::Inspect { json }) => Ok(reply::json(StatusCode::OK, &json)),
            Ok(other) => Err(other.unexpected()),
            Err(_) => Err(ApiError::not_found(format!("network {id} not found"))),
        },
        "delete" => match engine_call(
            engine,
            Request::NetworkRm {
                name: id.to_string(),
            },
        )
        .await?
        {
            Response::Done => Ok(reply::no_content()),
            other => Err(other.unexpected()),
        },
        "connect" | "disconnect" => {
            let body: ConnectBody = call.json()?;
            let req = if action == "connect" {
                let ep = body.endpoint_config.unwrap_or_default();
                Request::NetworkConnect {
                    network: id.to_string(),
                    container: body.container,
                    aliases: ep.aliases.unwrap_or_default(),
                    links: ep.links.unwrap_or_default(),
                    ip: ep
                        .ipam_config
                        .as_ref()
                        .map(|i| i.ipv4_address.clone())
                        .filter(|ip| !ip.is_empty()),
                    ip6: ep
                        .ipam_config
                        .map(|i| i.ipv6_address)
                        .filter(|ip| !ip.is_empty()),
                }
            } else {
                Request::NetworkDisconnect {
                    network: id.to_string(),
                    container: body.container,
                    force: body.force,
                }
            };
            match engine_call(engine, req).await? {
                Response::Done => Ok(reply::ok_empty()),
                other => Err(other.unexpected()),
            }
        }
        _ => Ok(reply::status_message(
            StatusCode::NOT_FOUND,
            "page not found",
        )),
    }
}
