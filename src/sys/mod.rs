//! The thin layer that touches the kernel: namespaces, netlink, mounts,
//! processes and fd passing. Everything above it is plain logic.

pub mod backoff;
pub mod caps;
pub mod datagrams;
pub mod fdpass;
pub mod netlink;
pub mod ns;
pub mod process;
pub mod rootfs;
pub mod signals;
pub mod terminal;
