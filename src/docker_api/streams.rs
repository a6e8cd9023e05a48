//! The API's streams: attach and exec start as HTTP upgrades (raw bytes
//! with a terminal, 8-byte-framed stdout/stderr without), container logs,
//! waits whose headers go at once and whose body comes at the exit, and
//! the event stream.

use super::reply::{self, Reply};
use super::Call;
use crate::engine::api::ApiError;
use crate::engine::console::{self, Console, Output};
use crate::engine::execs::ExecConfig;
use crate::engine::Shared;
use bytes::Bytes;
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The 8-byte header of a multiplexed frame: stream, three zero bytes,
/// the payload's length (big-endian).
pub fn frame_header(stream: u8, len: usize) -> [u8; 8] {
    let n = (len as u32).to_be_bytes();
    [stream, 0, 0, 0, n[0], n[1], n[2], n[3]]
}

/// What a relay sends and takes.
#[derive(Clone, Copy)]
struct Relay {
    tty: bool,
    stdin: bool,
    stdout: bool,
    stderr: bool,
}

/// The 101 that hands the connection over (dockerd's three headers only).
fn upgraded() -> Reply {
    hyper::Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header("Content-Type", "application/vnd.docker.raw-stream")
        .header("Connection", "Upgrade")
        .header("Upgrade", "tcp")
        .body(reply::empty_body())
        .expect("valid response")
}

pub async fn attach(engine: &Shared, id: &str, call: Call) -> Result<Reply, ApiError> {
    let (console, tty, open_stdin) = {
        let mut e = engine.lock().await;
        let ci = e.find_container(id)?;
        let c = &e.state.containers[ci];
        let (cid, tty, open_stdin) = (c.id.clone(), c.tty, c.open_stdin);
        (e.console(&cid), tty, open_stdin)
    };
    let relay = Relay {
        tty,
        stdin: call.flag("stdin") && open_stdin,
        stdout: call.flag("stdout"),
        stderr: call.flag("stderr"),
    };
    // Subscribed before the 101: what the process prints from now on
    // reaches this client, even if it starts before the upgrade is done.
    let output = console.subscribe();
    start_relay(call, console, output, relay, None)
}

/// The relay of a console to the client; with `finished`, the stream ends
/// only once that is set (an exec's exit code, which the client asks for
/// as soon as the stream ends).
fn start_relay(
    call: Call,
    console: Arc<Console>,
    output: tokio::sync::broadcast::Receiver<Output>,
    relay: Relay,
    finished: Option<tokio::sync::watch::Receiver<Option<i32>>>,
) -> Result<Reply, ApiError> {
    match call.upgrade {
        Some(on_upgrade) => {
            tokio::spawn(async move {
                if let Ok(up) = on_upgrade.await {
                    let io = hyper_util::rt::TokioIo::new(up);
                    let (reader, writer) = tokio::io::split(io);
                    tokio::spawn(feed_stdin(reader, console, relay));
                    send_output(writer, output, relay, finished).await;
                }
            });
            Ok(upgraded())
        }
        // Without an upgrade the output comes as the response's body.
        None => {
            let (mut tx, body) = reply::channel();
            tokio::spawn(async move {
                let mut output = output;
                while let Some(bytes) = next_output(&mut output, relay).await {
                    if tx.send_data(bytes).await.is_err() {
                        return;
                    }
                }
                await_finished(finished).await;
            });
            Ok(reply::builder(StatusCode::OK)
                .header("Content-Type", "application/vnd.docker.raw-stream")
                .body(body)
                .expect("valid response"))
        }
    }
}

/// The next bytes for the client (framed without a terminal), or None at
/// the end of the output.
async fn next_output(
    output: &mut tokio::sync::broadcast::Receiver<Output>,
    relay: Relay,
) -> Option<Bytes> {
    loop {
        match output.recv().await {
            Ok(Output::Data(stream, data)) => {
                if relay.tty {
                    return Some(data);
                }
                let wanted = if stream == 2 {
                    relay.stderr
                } else {
                    relay.stdout
                };
                if !wanted {
                    continue;
                }
                let mut framed = Vec::with_capacity(8 + data.len());
                framed.extend_from_slice(&frame_header(stream, data.len()));
                framed.extend_from_slice(&data);
                return Some(Bytes::from(framed));
            }
            Ok(Output::End) | Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            // A client too slow for the output loses the oldest of it.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
        }
    }
}

async fn send_output<W: tokio::io::AsyncWrite + Unpin>(
    mut writer: W,
    mut output: tokio::sync::broadcast::Receiver<Output>,
    relay: Relay,
    finished: Option<tokio::sync::watch::Receiver<Option<i32>>>,
) {
    while let Some(bytes) = next_output(&mut output, relay).await {
        if writer.write_all(&bytes).await.is_err() {
            return;
        }
        let _ = writer.flush().await;
    }
    await_finished(finished).await;
    let _ = writer.shutdown().await;
}

async fn await_finished(finished: Option<tokio::sync::watch::Receiver<Option<i32>>>) {
    if let Some(mut finished) = finished {
        let _ = finished.wait_for(Option::is_some).await;
    }
}

/// The client's bytes to the process's stdin. The client's half-close
/// ends its input (a pipe's stdin closes, as with `docker run -i`); the
/// output goes on regardless.
async fn feed_stdin<R: tokio::io::AsyncRead + Unpin>(
    mut reader: R,
    console: Arc<Console>,
    relay: Relay,
) {
    let mut buf = vec![0u8; 4096];
    let mut starts = console.starts();
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if !relay.stdin {
            continue;
        }
        // Input typed before the start waits for the process's stdin.
        let fd = loop {
            if let Some(fd) = console.stdin() {
                break Some(fd);
            }
            if starts.changed().await.is_err() {
                break None;
            }
        };
        let Some(fd) = fd else { break };
        if console::write_all(&fd, &buf[..n]).await.is_err() {
            break;
        }
    }
    if relay.stdin && !relay.tty {
        console.close_stdin();
    }
}

pub async fn wait(engine: &Shared, id: &str, call: &Call) -> Result<Reply, ApiError> {
    let condition = call.param("condition").unwrap_or("not-running");
    let exit = crate::engine::wait_for(engine, id, condition).await?;
    let (mut tx, body) = reply::channel();
    // The headers go now: the client starts the container only once it
    // has them.
    tokio::spawn(async move {
        let code = exit.await;
        let mut text =
            serde_json::to_vec(&json!({ "Error": null, "StatusCode": code })).unwrap_or_default();
        text.push(b'\n');
        let _ = tx.send_data(Bytes::from(text)).await;
    });
    Ok(reply::builder(StatusCode::OK)
        .header("Content-Type", "application/json")
        .body(body)
        .expect("valid response"))
}

/// Go's RFC3339Nano: trailing zeros of the fraction dropped.
fn rfc3339_nano(ns: i64) -> String {
    let full = crate::model::ids::rfc3339(ns as i128);
    match full.split_once('.') {
        Some((head, frac)) => {
            let frac = frac.trim_end_matches('Z').trim_end_matches('0');
            if frac.is_empty() {
                format!("{head}Z")
            } else {
                format!("{head}.{frac}Z")
            }
        }
        None => full,
    }
}

pub async fn logs(engine: &Shared, id: &str, call: &Call) -> Result<Reply, ApiError> {
    let (key, tty) = {
        let e = engine.lock().await;
        let ci = e.find_container(id)?;
        let c = &e.state.containers[ci];
        (c.id.clone(), c.tty)
    };
    let (stdout, stderr) = (call.flag("stdout"), call.flag("stderr"));
    if !stdout && !stderr {
        return Err(ApiError::invalid(
            "Bad parameters: you must choose at least one stream",
        ));
    }
    let tail: Option<usize> = call.param("tail").and_then(|t| t.parse().ok());
    let follow = call.flag("follow");
    let timestamps = call.flag("timestamps");
    let since_ns: i64 = call
        .param("since")
        .and_then(|s| s.parse::<f64>().ok())
        .map_or(0, |s| (s * 1e9) as i64);
    let (mut tx, body) = reply::channel();
    let engine = engine.clone();
    tokio::spawn(async move {
        let mut after = 0u64;
        let mut tail = tail;
        loop {
            let read = engine.lock().await.logs(&key, after, tail.take());
            let Ok((lines, next, running)) = read else {
                break;
            };
            after = next;
            for line in lines {
                let wanted = if line.stream == 2 { stderr } else { stdout };
                if !wanted || line.time_ns < since_ns {
                    continue;
                }
                let mut text = String::new();
                if timestamps {
                    text.push_str(&rfc3339_nano(line.time_ns));
                    text.push(' ');
                }
                text.push_str(&line.text);
                let bytes = if tty {
                    Bytes::from(text)
                } else {
                    let mut framed = frame_header(line.stream, text.len()).to_vec();
                    framed.extend_from_slice(text.as_bytes());
                    Bytes::from(framed)
                };
                if tx.send_data(bytes).await.is_err() {
                    return;
                }
            }
            if !follow || !running {
                break;
            }
            // New lines are looked for ten times a second while following.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    });
    // No Content-Type, as dockerd sends its logs.
    Ok(reply::builder(StatusCode::OK)
        .body(body)
        .expect("valid response"))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ExecCreateBody {
    cmd: Option<Vec<String>>,
    env: Option<Vec<String>>,
    tty: bool,
    attach_stdin: bool,
    attach_stdout: bool,
    attach_stderr: bool,
    user: String,
    working_dir: String,
    privileged: bool,
}

pub async fn exec_create(engine: &Shared, id: &str, call: &Call) -> Result<Reply, ApiError> {
    let body: ExecCreateBody = call.json()?;
    let config = ExecConfig {
        cmd: body.cmd.unwrap_or_default(),
        env: body.env.unwrap_or_default(),
        tty: body.tty,
        attach_stdin: body.attach_stdin,
        attach_stdout: body.attach_stdout,
        attach_stderr: body.attach_stderr,
        user: body.user,
        workdir: Some(body.working_dir).filter(|w| !w.is_empty()),
        privileged: body.privileged,
    };
    let exec_id = engine.lock().await.exec_create(id, config)?;
    Ok(reply::json(StatusCode::CREATED, &json!({ "Id": exec_id })))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ExecStartBody {
    detach: bool,
}

pub async fn exec_action(
    engine: &Shared,
    id: &str,
    action: &str,
    call: Call,
) -> Result<Reply, ApiError> {
    match action {
        "start" => {
            let body: ExecStartBody = call.json()?;
            let mut e = engine.lock().await;
            let rec = e.exec_record(id)?;
            let console = rec.console.clone();
            let relay = Relay {
                tty: rec.config.tty,
                stdin: rec.config.attach_stdin,
                stdout: rec.config.attach_stdout,
                stderr: rec.config.attach_stderr,
            };
            let output = console.subscribe();
            let finished = rec.finished.subscribe();
            let exec_id = rec.id.clone();
            if body.detach {
                e.exec_start(id)?;
                return Ok(reply::ok_empty());
            }
            // What would refuse the start is an HTTP error, before the 101.
            e.exec_ready(id)?;
            drop(e);
            let Some(on_upgrade) = call.upgrade else {
                let mut e = engine.lock().await;
                if let Err(err) = e.exec_start(id) {
                    e.exec_failed(&exec_id, 126);
                    drop(e);
                    return Ok(in_stream_error(call, &err.message, relay.tty));
                }
                drop(e);
                return start_relay(call, console, output, relay, Some(finished));
            };
            // The process starts once the 101 is out, as dockerd's does: a
            // client that reads the 101 through a buffered reader (the
            // Python SDK) would otherwise find output that came with it
            // swallowed by that buffer.
            let engine = engine.clone();
            tokio::spawn(async move {
                let Ok(up) = on_upgrade.await else {
                    return;
                };
                let mut io = hyper_util::rt::TokioIo::new(up);
                let started = engine.lock().await.exec_start(&exec_id);
                if let Err(err) = started {
                    // Docker says why in the stream, and the code is 126.
                    engine.lock().await.exec_failed(&exec_id, 126);
                    let _ = io.write_all(&error_bytes(&err.message, relay.tty)).await;
                    let _ = io.shutdown().await;
                    return;
                }
                let (reader, writer) = tokio::io::split(io);
                tokio::spawn(feed_stdin(reader, console, relay));
                send_output(writer, output, relay, Some(finished)).await;
            });
            Ok(upgraded())
        }
        "resize" => {
            let size = |k: &str| {
                call.param(k)
                    .and_then(|v| v.parse::<u16>().ok())
                    .unwrap_or(0)
            };
            let console = engine.lock().await.exec_record(id)?.console.clone();
            console
                .resize(size("h"), size("w"))
                .map_err(|e| ApiError::system(format!("resizing the terminal: {e}")))?;
            Ok(reply::ok_empty())
        }
        "json" => {
            let e = engine.lock().await;
            let r = e.exec_record(id)?;
            let (entrypoint, arguments) = r
                .config
                .cmd
                .split_first()
                .map_or(("", &[][..]), |(h, t)| (h.as_str(), t));
            Ok(reply::json(
                StatusCode::OK,
                &json!({
                    "CanRemove": false,
                    "ContainerID": r.container_id,
                    "DetachKeys": "",
                    "ExitCode": r.exit_code,
                    "ID": r.id,
                    "OpenStderr": r.config.attach_stderr,
                    "OpenStdin": r.config.attach_stdin,
                    "OpenStdout": r.config.attach_stdout,
                    "ProcessConfig": {
                        "arguments": arguments,
                        "entrypoint": entrypoint,
                        "privileged": r.config.privileged,
                        "tty": r.config.tty,
                        "user": r.config.user,
                    },
                    "Running": r.running,
                    "Pid": r.pid,
                }),
            ))
        }
        _ => Ok(reply::status_message(
            StatusCode::NOT_FOUND,
            "page not found",
        )),
    }
}

/// An error's text as the stream carries it: a stdout frame without a
/// terminal.
fn error_bytes(message: &str, tty: bool) -> Vec<u8> {
    let text = format!("{message}\r\n");
    let mut bytes = Vec::new();
    if !tty {
        bytes.extend_from_slice(&frame_header(1, text.len()));
    }
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

/// An upgraded stream that carries only an error's text, as dockerd
/// reports an exec that could not start (framed as stdout without a
/// terminal).
fn in_stream_error(call: Call, message: &str, tty: bool) -> Reply {
    let bytes = error_bytes(message, tty);
    match call.upgrade {
        Some(on_upgrade) => {
            tokio::spawn(async move {
                if let Ok(up) = on_upgrade.await {
                    let mut io = hyper_util::rt::TokioIo::new(up);
                    let _ = io.write_all(&bytes).await;
                    let _ = io.shutdown().await;
                }
            });
            upgraded()
        }
        None => reply::builder(StatusCode::OK)
            .header("Content-Type", "application/vnd.docker.raw-stream")
            .body(reply::full(bytes))
            .expect("valid response"),
    }
}

/// `GET /events`: what happens from now on, one JSON object a line, as
/// `docker events` reads them; `until` (unix seconds) ends the stream.
pub async fn events(engine: &Shared, call: &Call) -> Result<Reply, ApiError> {
    let filters = super::routes::filters(call.param("filters")).map_err(ApiError::invalid)?;
    let until: Option<f64> = call.param("until").and_then(|u| u.parse().ok());
    let since: Option<f64> = call.param("since").and_then(|s| s.parse().ok());
    let (past, mut rx) = engine.lock().await.events_since();
    // Past events only when asked for (`--since`), up to `until`.
    let secs = |ev: &crate::engine::events::Event| ev.time_ns as f64 / 1e9;
    let replay: Vec<_> = match since {
        Some(since) => past
            .into_iter()
            .filter(|ev| secs(ev) >= since && until.is_none_or(|u| secs(ev) <= u))
            .collect(),
        None => Vec::new(),
    };
    let (mut tx, body) = reply::channel();
    tokio::spawn(async move {
        let deadline = until.map(|u| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            tokio::time::Instant::now() + std::time::Duration::from_secs_f64((u - now).max(0.0))
        });
        for ev in replay {
            if !event_matches(&ev, &filters) {
                continue;
            }
            let mut text = serde_json::to_vec(&event_json(&ev)).unwrap_or_default();
            text.push(b'\n');
            if tx.send_data(Bytes::from(text)).await.is_err() {
                return;
            }
        }
        loop {
            let next = match deadline {
                Some(d) => match tokio::time::timeout_at(d, rx.recv()).await {
                    Ok(r) => r,
                    Err(_) => break,
                },
                None => rx.recv().await,
            };
            let ev = match next {
                Ok(ev) => ev,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            };
            if !event_matches(&ev, &filters) {
                continue;
            }
            let mut text = serde_json::to_vec(&event_json(&ev)).unwrap_or_default();
            text.push(b'\n');
            if tx.send_data(Bytes::from(text)).await.is_err() {
                break;
            }
        }
    });
    Ok(reply::builder(StatusCode::OK)
        .header("Content-Type", "application/json")
        .body(body)
        .expect("valid response"))
}

fn event_matches(ev: &crate::engine::events::Event, filters: &[(String, String)]) -> bool {
    let mut keys: Vec<&str> = filters.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort();
    keys.dedup();
    keys.iter().all(|key| {
        filters
            .iter()
            .filter(|(k, _)| k == key)
            .any(|(_, v)| match *key {
                "type" => ev.kind == v,
                "event" => ev.action == *v,
                "container" => {
                    ev.kind == "container"
                        && (ev.id.starts_with(v.as_str()) || ev.attributes.get("name") == Some(v))
                }
                "network" => {
                    ev.kind == "network"
                        && (ev.id.starts_with(v.as_str()) || ev.attributes.get("name") == Some(v))
                }
                "label" => match v.split_once('=') {
                    Some((k, want)) => ev.attributes.get(k).is_some_and(|x| x == want),
                    None => ev.attributes.contains_key(v),
                },
                _ => false,
            })
    })
}

/// Docker 20.10's event shape; container events carry the old fields too.
pub fn event_json(ev: &crate::engine::events::Event) -> serde_json::Value {
    let mut v = serde_json::Map::new();
    if ev.kind == "container" {
        v.insert("status".into(), json!(ev.action));
        v.insert("id".into(), json!(ev.id));
        v.insert("from".into(), json!(ev.attributes.get("image")));
    }
    v.insert("Type".into(), json!(ev.kind));
    v.insert("Action".into(), json!(ev.action));
    v.insert(
        "Actor".into(),
        json!({ "ID": ev.id, "Attributes": ev.attributes }),
    );
    v.insert("scope".into(), json!("local"));
    v.insert("time".into(), json!(ev.time_ns / 1_000_000_000));
    v.insert("timeNano".into(), json!(ev.time_ns));
    serde_json::Value::Object(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_dockers_header() {
        // 07-run-attached-rm-env: 01 00 00 00 00 00 00 63 before 99 bytes.
        assert_eq!(frame_header(1, 99), [1, 0, 0, 0, 0, 0, 0, 0x63]);
        assert_eq!(frame_header(2, 70000), [2, 0, 0, 0, 0, 1, 0x11, 0x70]);
    }

    #[test]
    fn timestamps_are_gos_rfc3339nano() {
        assert_eq!(
            rfc3339_nano(1_795_344_890_123_400_000),
            "2026-11-22T10:54:50.1234Z"
        );
        assert_eq!(
            rfc3339_nano(1_795_344_890_000_000_000),
            "2026-11-22T10:54:50Z"
        );
    }

    #[test]
    fn events_filter_by_type_action_and_name() {
        let mut attributes = std::collections::BTreeMap::new();
        attributes.insert("name".to_string(), "web".to_string());
        attributes.insert("image".to_string(), "training/webapp".to_string());
        let ev = crate::engine::events::Event {
            kind: "container",
            action: "start".into(),
            id: "abc123".into(),
            attributes,
            time_ns: 1_000_000_000,
            exit_code: None,
        };
        let f = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert!(event_matches(&ev, &[]));
        assert!(event_matches(
            &ev,
            &f(&[("type", "container"), ("container", "web")])
        ));
        assert!(event_matches(
            &ev,
            &f(&[("event", "die"), ("event", "start")])
        ));
        assert!(!event_matches(&ev, &f(&[("type", "network")])));
        let j = event_json(&ev);
        assert_eq!(j["status"], "start");
        assert_eq!(j["from"], "training/webapp");
        assert_eq!(j["Actor"]["Attributes"]["name"], "web");
        assert_eq!(j["time"], 1);
    }
}
