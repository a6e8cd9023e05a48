//! netlings: learn container networking by running it.
//!
//! Layers, from the top (each module uses only those below it):
//! - `cli`: the `netlings` and `docker` command lines; `bench`;
//! - `challenge`: challenges, their checks after every command, `verify`;
//! - `lesson`: lessons, their runner, checks and verification;
//! - `trace`: a command's packets explained hop by hop;
//! - `capture`: packets on a lab's interfaces (sockets in its namespaces);
//! - `lab`: a lab's state directory, its engine process and the client;
//! - `docker_api`: Docker's Engine API, served by a lab's engine;
//! - `engine`: networks and containers of one lab, and their effects on
//!   the lab host; `inspect` (views), `links`, `ports`, `proxy`, `dns`;
//! - `model`: a lab's state as plain data, which views read;
//! - `programs`: what runs inside containers (`images`, `applets`);
//! - `sys`: the system calls;
//! - `rootfs` (a container's file system as a plan), `stats` and `gotext`
//!   (Go's texts for errors): pure leaves, which `sys` may read too.
#![recursion_limit = "256"]
// Every unsafe block says why it is sound.
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod applets;
pub mod bench;
pub mod capture;
pub mod challenge;
pub mod cli;
pub mod dns;
pub mod docker_api;
pub mod engine;
pub mod gotext;
pub mod images;
pub mod inspect;
pub mod lab;
pub mod lesson;
pub mod links;
pub mod model;
pub mod ports;
pub mod programs;
pub mod proxy;
pub mod rootfs;
pub mod stats;
pub mod sys;
pub mod trace;
