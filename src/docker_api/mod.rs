//! Docker's Engine API (v1.41, Docker 20.10's) on a unix socket, so that
//! the genuine `docker` client, the Docker SDK for Python and
//! docker-compose drive a lab unchanged. HTTP is hyper's; this module maps
//! routes to the engine's operations, and the engine's typed errors to
//! Docker's status codes and `{"message": ...}` bodies.
//!
//! - `routes`: paths and versions to routes, queries and filters (pure);
//! - `create`: a create request's JSON to the engine's `RunSpec` (pure);
//! - `containers`, `networks`, `system`: the handlers;
//! - `streams`: attach and exec as HTTP upgrades, logs, waits, events.
//!
//! The reference for every byte is `shared/reference/docker-api/`, the
//! exchanges of the docker client with a real Docker 20.10.

mod containers;
pub mod create;
mod networks;
pub mod reply;
pub mod routes;
mod streams;
mod system;

use crate::engine::api::ApiError;
use crate::engine::Shared;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use reply::Reply;
use routes::Route;

/// A request body larger than this is refused (413): no client of the
/// API sends more than a container's config.
pub const MAX_BODY: usize = 1 << 20;

/// A request's headers must arrive within this: a client that trickles
/// them costs a task, not more. hyper counts an idle keep-alive
/// connection's wait too, so it is long enough for a script's pauses
/// (clients reconnect when an idle connection has gone).
const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// What every handler gets.
pub struct Call {
    pub method: hyper::Method,
    pub route: Route,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
    /// Set for requests that asked to upgrade the connection.
    pub upgrade: Option<hyper::upgrade::OnUpgrade>,
}

impl Call {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn flag(&self, key: &str) -> bool {
        routes::truthy(self.param(key))
    }

    /// The body as JSON; Docker's 400 for what does not parse.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.body.is_empty() {
            return serde_json::from_str("{}").map_err(|e| ApiError::invalid(e.to_string()));
        }
        serde_json::from_slice(&self.body).map_err(|e| ApiError::invalid(e.to_string()))
    }
}

/// Serves the API on `listener` until the engine ends. `refuse` says why
/// a peer may not use the lab (another user), or None.
pub async fn serve(
    listener: tokio::net::UnixListener,
    engine: Shared,
    refuse: fn(&tokio::net::UnixStream) -> Option<String>,
) {
    let mut errors = crate::sys::backoff::Backoff::new("Engine API socket: accept");
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let engine = engine.clone();
                let refused = refuse(&stream);
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let service = hyper::service::service_fn(move |req| {
                        let engine = engine.clone();
                        let refused = refused.clone();
                        async move {
                            Ok::<_, std::convert::Infallible>(match refused {
                                Some(why) => reply::error(&ApiError::forbidden(why)),
                                None => handle(engine, req).await,
                            })
                        }
                    });
                    // A client that goes away ends only its own connection;
                    // one that never finishes its headers is cut off.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(HEADER_TIMEOUT)
                        .serve_connection(io, service)
                        .with_upgrades()
                        .await;
                });
            }
            Err(e) => {
                if let Some(pause) = errors.after(&e) {
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }
}

async fn handle(engine: Shared, mut req: hyper::Request<Incoming>) -> Reply {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = routes::query_pairs(req.uri().query().unwrap_or(""));
    let route = match routes::route(method.as_str(), &path) {
        Ok(r) => r,
        Err(msg) => return reply::error(&ApiError::invalid(msg)),
    };
    let upgrade = req
        .headers()
        .get(hyper::header::UPGRADE)
        .is_some()
        .then(|| hyper::upgrade::on(&mut req));
    let body = match http_body_util::Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return reply::status_message(
                hyper::StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request body exceeds {MAX_BODY} bytes"),
            )
        }
        Err(e) => return reply::error(&ApiError::invalid(e.to_string())),
    };
    let call = Call {
        method,
        route,
        query,
        body,
        upgrade,
    };
    let head = call.method == hyper::Method::HEAD;
    let reply = match dispatch(&engine, call).await {
        Ok(r) => r,
        Err(e) => reply::error(&e),
    };
    if head {
        // HEAD gets the headers of GET, without a body.
        let (parts, _) = reply.into_parts();
        return hyper::Response::from_parts(parts, reply::empty_body());
    }
    reply
}

async fn dispatch(engine: &Shared, call: Call) -> Result<Reply, ApiError> {
    match &call.route {
        Route::Ping => Ok(system::ping(&call)),
        Route::Version => Ok(system::version()),
        Route::Info => system::info(engine).await,
        Route::Events => streams::events(engine, &call).await,
        Route::ImageList => Ok(system::images()),
        Route::ImageInspect { name } => system::image_inspect(name),
        Route::ImageCreate => system::pull(&call),
        Route::NoSuchObject { kind, name } => Err(ApiError::not_found(match *kind {
            "volume" => format!("get {name}: no such volume"),
            _ => format!("plugin \"{name}\" not found"),
        })),
        Route::ContainerList => containers::list(engine, &call).await,
        Route::ContainerCreate => containers::create(engine, &call).await,
        Route::ContainerPrune => containers::prune(engine).await,
        Route::Container { id, action } => {
            let (id, action) = (id.clone(), action.clone());
            containers::action(engine, &id, &action, call).await
        }
        Route::Exec { id, action } => {
            let (id, action) = (id.clone(), action.clone());
            streams::exec_action(engine, &id, &action, call).await
        }
        Route::NetworkList => networks::list(engine, &call).await,
        Route::NetworkCreate => networks::create(engine, &call).await,
        Route::NetworkPrune => networks::prune(engine, &call).await,
        Route::Network { id, action } => {
            let (id, action) = (id.clone(), action.clone());
            networks::action(engine, &id, &action, &call).await
        }
        Route::OutOfScope(what) => Err(out_of_scope(what)),
        Route::NotFound => Ok(reply::status_message(
            hyper::StatusCode::NOT_FOUND,
            "page not found",
        )),
    }
}

/// 501 with a line that says what a lab has instead.
pub(crate) fn out_of_scope(what: &str) -> ApiError {
    ApiError::with(
        crate::engine::error::Kind::NotImplemented,
        format!("{what}: outside netlings' scope (a lab has containers, networks, exec, logs, events and its built-in images; no volumes, builds, registries or swarm)"),
    )
}

/// Runs an engine request as the CLI would, for routes that are one.
pub(crate) async fn engine_call(
    engine: &Shared,
    req: crate::engine::api::Request,
) -> Result<crate::engine::api::Response, ApiError> {
    crate::engine::handle(engine, req, Vec::new()).await.0
}
