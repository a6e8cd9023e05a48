//! The Engine API's routes: a request's method and path to what it asks
//! for, with Docker's version rules. Pure: no I/O.

/// The API version served (Docker 20.10's).
pub const API_VERSION: &str = "1.41";
/// The oldest version dockerd 20.10 accepts.
pub const MIN_API_VERSION: &str = "1.12";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Ping,
    Version,
    Info,
    Events,
    ContainerList,
    ContainerCreate,
    ContainerPrune,
    /// `/containers/{id}/{action}`; DELETE has the action "delete" and
    /// takes the whole rest as the name (`rm --link /web/db`).
    Container {
        id: String,
        action: String,
    },
    Exec {
        id: String,
        action: String,
    },
    NetworkList,
    NetworkCreate,
    NetworkPrune,
    /// GET (inspect) and DELETE on `/networks/{id}`, POST to its
    /// `connect` and `disconnect`.
    Network {
        id: String,
        action: String,
    },
    ImageList,
    ImageCreate,
    ImageInspect {
        name: String,
    },
    /// Other object kinds `docker inspect` asks for: never found here.
    NoSuchObject {
        kind: &'static str,
        name: String,
    },
    /// A part of Docker's API a lab does not have (volumes, builds, ...).
    OutOfScope(String),
    NotFound,
}

/// Where a path leads, or Docker's 400 text for a version out of range.
pub fn route(method: &str, path: &str) -> Result<Route, String> {
    let path = strip_version(path)?;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let get = method == "GET" || method == "HEAD";
    let post = method == "POST";
    let delete = method == "DELETE";
    let r = match segments.as_slice() {
        ["_ping"] if get => Route::Ping,
        ["version"] if get => Route::Version,
        ["info"] if get => Route::Info,
        ["events"] if get => Route::Events,
        ["containers", "json"] if get => Route::ContainerList,
        ["containers", "create"] if post => Route::ContainerCreate,
        ["containers", "prune"] if post => Route::ContainerPrune,
        ["containers", rest @ ..] if delete && !rest.is_empty() => Route::Container {
            id: rest.join("/"),
            action: "delete".into(),
        },
        ["containers", id, action] if get || post => Route::Container {
            id: id.to_string(),
            action: action.to_string(),
        },
        ["exec", id, action] if get || post => Route::Exec {
            id: id.to_string(),
            action: action.to_string(),
        },
        ["networks"] if get => Route::NetworkList,
        ["networks", "create"] if post => Route::NetworkCreate,
        ["networks", "prune"] if post => Route::NetworkPrune,
        ["networks", id] if get => Route::Network {
            id: id.to_string(),
            action: "inspect".into(),
        },
        ["networks", id] if delete => Route::Network {
            id: id.to_string(),
            action: "delete".into(),
        },
        ["networks", id, action @ ("connect" | "disconnect")] if post => Route::Network {
            id: id.to_string(),
            action: action.to_string(),
        },
        ["images", "json"] if get => Route::ImageList,
        ["images", "create"] if post => Route::ImageCreate,
        ["images", rest @ .., "json"] if get && !rest.is_empty() => Route::ImageInspect {
            name: rest.join("/"),
        },
        ["volumes", name] if get => Route::NoSuchObject {
            kind: "volume",
            name: name.to_string(),
        },
        ["plugins", rest @ .., "json"] if get && !rest.is_empty() => Route::NoSuchObject {
            kind: "plugin",
            name: rest.join("/"),
        },
        [kind @ ("volumes" | "build" | "commit" | "swarm" | "services" | "nodes" | "tasks"
        | "secrets" | "configs" | "plugins" | "session" | "distribution" | "system"), ..] => {
            Route::OutOfScope(kind.to_string())
        }
        ["images", ..] => Route::OutOfScope("images (beyond list, inspect and pull)".into()),
        ["containers", _, action, ..] => Route::OutOfScope(format!("containers' {action}")),
        _ => Route::NotFound,
    };
    Ok(r)
}

/// `/v1.41/containers/json` -> `/containers/json`; unversioned paths are
/// served too, as dockerd does.
fn strip_version(path: &str) -> Result<&str, String> {
    let Some(rest) = path.strip_prefix("/v") else {
        return Ok(path);
    };
    let (version, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Some(v) = parse_version(version) else {
        return Ok(path);
    };
    if v > parse_version(API_VERSION).expect("ours parses") {
        return Err(format!(
            "client version {version} is too new. Maximum supported API version is {API_VERSION}"
        ));
    }
    if v < parse_version(MIN_API_VERSION).expect("ours parses") {
        return Err(format!(
            "client version {version} is too old. Minimum supported API version is {MIN_API_VERSION}, please upgrade your client to a newer version"
        ));
    }
    Ok(tail)
}

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (major, minor) = v.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// A query string's pairs, percent-decoded (`+` is a space, as Go's
/// url.ParseQuery reads it).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Docker's boolean query values: "1", "true", "True" (Go's
/// strconv.ParseBool); absent or anything else is false.
pub fn truthy(v: Option<&str>) -> bool {
    matches!(v, Some("1" | "t" | "T" | "true" | "TRUE" | "True"))
}

/// The `filters` parameter: `{"name":{"x":true}}` (current clients) or
/// `{"name":["x"]}` (old ones) to (key, value) pairs; Docker's 400 text
/// when it is not JSON of either shape.
pub fn filters(raw: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(Vec::new());
    };
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| format!("invalid filter: {e}"))?;
    let Some(map) = value.as_object() else {
        return Err("invalid filter: not an object".into());
    };
    let mut out = Vec::new();
    for (key, values) in map {
        match values {
            serde_json::Value::Object(set) => {
                for (v, on) in set {
                    if on.as_bool() == Some(true) {
                        out.push((key.clone(), v.clone()));
                    }
                }
            }
            serde_json::Value::Array(list) => {
                for v in list {
                    if let Some(v) = v.as_str() {
                        out.push((key.clone(), v.to_string()));
                    }
                }
            }
            _ => return Err(format!("invalid filter: {key}")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, action: &str) -> Route {
        Route::Container {
            id: id.into(),
            action: action.into(),
        }
    }

    #[test]
    fn versioned_and_unversioned_paths_lead_to_the_same_routes() {
        assert_eq!(route("HEAD", "/_ping"), Ok(Route::Ping));
        assert_eq!(route("GET", "/v1.41/_ping"), Ok(Route::Ping));
        assert_eq!(route("GET", "/version"), Ok(Route::Version));
        assert_eq!(
            route("GET", "/v1.24/containers/json"),
            Ok(Route::ContainerList)
        );
        assert_eq!(
            route("GET", "/v1.41/containers/flappy/json"),
            Ok(c("flappy", "json"))
        );
        assert_eq!(
            route("POST", "/v1.41/containers/abc/wait"),
            Ok(c("abc", "wait"))
        );
        assert_eq!(route("GET", "/v1.41/nosuch"), Ok(Route::NotFound));
        assert_eq!(route("PUT", "/v1.41/containers/json"), Ok(Route::NotFound));
    }

    #[test]
    fn versions_out_of_range_get_dockers_words() {
        assert_eq!(
            route("GET", "/v1.99/version"),
            Err("client version 1.99 is too new. Maximum supported API version is 1.41".into())
        );
        assert!(route("GET", "/v1.11/version")
            .unwrap_err()
            .starts_with("client version 1.11 is too old. Minimum supported API version is 1.12"));
    }

    #[test]
    fn names_with_slashes_reach_delete_and_image_inspect() {
        assert_eq!(
            route("DELETE", "/v1.41/containers/web/db"),
            Ok(c("web/db", "delete"))
        );
        assert_eq!(
            route(
                "GET",
                "/v1.41/images/quay.io/purplebooth/flappy-endpoint/json"
            ),
            Ok(Route::ImageInspect {
                name: "quay.io/purplebooth/flappy-endpoint".into()
            })
        );
        assert_eq!(
            route("POST", "/v1.41/networks/n1/connect"),
            Ok(Route::Network {
                id: "n1".into(),
                action: "connect".into()
            })
        );
        assert_eq!(
            route("POST", "/v1.41/networks/n1/other"),
            Ok(Route::NotFound)
        );
    }

    #[test]
    fn queries_and_filters_decode_as_go_does() {
        assert_eq!(
            query_pairs("filters=%7B%22name%22%3A%7B%22x%22%3Atrue%7D%7D&all=1&a+b=c%2"),
            vec![
                ("filters".into(), r#"{"name":{"x":true}}"#.into()),
                ("all".into(), "1".into()),
                ("a b".into(), "c%2".into())
            ]
        );
        assert_eq!(
            filters(Some(r#"{"name":{"x":true,"y":false}}"#)),
            Ok(vec![("name".into(), "x".into())])
        );
        assert_eq!(
            filters(Some(r#"{"label":["a=b","c"]}"#)),
            Ok(vec![
                ("label".into(), "a=b".into()),
                ("label".into(), "c".into())
            ])
        );
        assert!(filters(Some("{nope")).is_err());
        assert_eq!(filters(None), Ok(vec![]));
        assert!(truthy(Some("1")) && truthy(Some("true")) && !truthy(Some("0")) && !truthy(None));
    }
}
