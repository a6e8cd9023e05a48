//! Responses with the headers dockerd sends, and errors in its shape.

use crate::engine::api::ApiError;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::StatusCode;
use std::convert::Infallible;

pub type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, Infallible>;
pub type Reply = hyper::Response<Body>;

pub fn empty_body() -> Body {
    http_body_util::Empty::new().boxed_unsync()
}

pub fn full(bytes: impl Into<Bytes>) -> Body {
    http_body_util::Full::new(bytes.into()).boxed_unsync()
}

/// dockerd's headers on every normal response.
pub fn builder(status: StatusCode) -> hyper::http::response::Builder {
    hyper::Response::builder()
        .status(status)
        .header("Api-Version", super::routes::API_VERSION)
        .header("Docker-Experimental", "false")
        .header("Ostype", "linux")
        .header(
            "Server",
            concat!("netlings/", env!("CARGO_PKG_VERSION"), " (linux)"),
        )
}

/// A JSON body, compact and ending in a newline as Go's encoder writes it.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Reply {
    let mut text = serde_json::to_vec(value).unwrap_or_default();
    text.push(b'\n');
    builder(status)
        .header("Content-Type", "application/json")
        .body(full(text))
        .expect("valid response")
}

pub fn no_content() -> Reply {
    builder(StatusCode::NO_CONTENT)
        .body(empty_body())
        .expect("valid response")
}

/// 200 with an empty body (connect, disconnect, resize).
pub fn ok_empty() -> Reply {
    builder(StatusCode::OK)
        .body(empty_body())
        .expect("valid response")
}

/// `{"message": ...}` with a JSON content type: without it the client
/// prints the raw body instead of the message.
pub fn status_message(status: StatusCode, message: &str) -> Reply {
    json(status, &serde_json::json!({ "message": message }))
}

pub fn error(e: &ApiError) -> Reply {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    status_message(status, &e.message)
}

/// A streamed body (chunked) and the sender that feeds it.
pub fn channel() -> (http_body_util::channel::Sender<Bytes>, Body) {
    let (tx, body) = http_body_util::channel::Channel::<Bytes, Infallible>::new(16);
    (tx, body.boxed_unsync())
}
