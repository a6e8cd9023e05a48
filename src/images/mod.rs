//! Built-in images. No registry is reachable, so each image is metadata (what
//! Docker would have: command, env, exposed ports, working dir) plus a program
//! inside this binary that runs in the container's namespaces.

pub mod flappy;
pub mod hello;
pub mod postgres;
pub mod ssl_terminator;
pub mod webapp;

pub const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug)]
pub struct Image {
    /// The reference a user types, without the `:latest` tag.
    pub name: &'static str,
    /// sha256 content id, shown as `Image` in inspect.
    pub id: &'static str,
    pub cmd: &'static [&'static str],
    pub env: &'static [&'static str],
    /// "80/tcp", in Docker's sorted order.
    pub exposed: &'static [&'static str],
    pub working_dir: &'static str,
    pub user: &'static str,
    /// What the image ships beyond the base tree every container gets.
    pub files: &'static [ImageFile],
}

use crate::rootfs::ImageFile;

const fn dir(path: &'static str, mode: u32, user: &'static str) -> ImageFile {
    ImageFile {
        path,
        contents: None,
        mode,
        user,
    }
}

const fn file(path: &'static str, contents: &'static str) -> ImageFile {
    ImageFile {
        path,
        contents: Some(contents),
        mode: 0o644,
        user: "",
    }
}

pub const IMAGES: &[Image] = &[
    Image {
        name: "hello-world",
        id: "sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d",
        cmd: &["/hello"],
        env: &[DEFAULT_PATH],
        exposed: &[],
        working_dir: "",
        user: "",
        files: &[],
    },
    Image {
        name: "quay.io/purplebooth/flappy-endpoint",
        id: "sha256:5d1c5a8fcf3f0e3b41a59a4e6a1e0c2c0c1f64a3f9f1e5b2f0a52d54a5f52b1e",
        cmd: &["/usr/local/bin/flappy-endpoint"],
        env: &[DEFAULT_PATH],
        exposed: &["80/tcp"],
        working_dir: "/var/www/html",
        user: "",
        files: &[file(
            "var/www/html/index.html",
            "<h1>flappy-endpoint</h1>\n<p>Every request gets 200 OK.</p>\n",
        )],
    },
    Image {
        name: "purplebooth/nginx-ssl-terminator",
        id: "sha256:347677827e4843a565655697926de9e6115dc7bed29527a2a9422e4dc2485f8c",
        cmd: &["/usr/local/bin/nginx-ssl-terminator"],
        env: &[DEFAULT_PATH],
        exposed: &["443/tcp", "80/tcp"],
        working_dir: "",
        user: "",
        files: &[dir("etc/ssl/private", 0o700, "")],
    },
    Image {
        name: "training/webapp",
        id: "sha256:48127e0d9d5293d1cceebacc19a83c1e3030e77ef3da65b52452140dcc509d51",
        cmd: &["python", "app.py"],
        // As in the reference: the image sets no env; PATH comes from Docker.
        env: &[],
        exposed: &["5000/tcp"],
        working_dir: "/opt/webapp",
        user: "",
        files: &[
            file("opt/webapp/app.py", WEBAPP_APP_PY),
            file("opt/webapp/Procfile", "web: python app.py\n"),
        ],
    },
    Image {
        name: "training/postgres",
        id: "sha256:264d0cc67ac4a87a4c565a53379de2fc8b360c18d02c1a4d919e1de45e6146c3",
        cmd: &[
            "/usr/lib/postgresql/9.3/bin/postgres",
            "-D",
            "/var/lib/postgresql/9.3/main",
            "-c",
            "config_file=/etc/postgresql/9.3/main/postgresql.conf",
        ],
        env: &[
            DEFAULT_PATH,
            "PG_MAJOR=9.3",
            "PGDATA=/var/lib/postgresql/9.3/main",
        ],
        exposed: &["5432/tcp"],
        working_dir: "",
        user: "postgres",
        files: &[
            file(
                "etc/postgresql/9.3/main/postgresql.conf",
                "# training/postgres stand-in: a TCP echo on 5432\nlisten_addresses = '*'\nport = 5432\n",
            ),
            dir("var/lib/postgresql", 0o755, "postgres"),
            dir("var/lib/postgresql/9.3/main", 0o700, "postgres"),
            dir("var/run/postgresql", 0o2775, "postgres"),
        ],
    },
];

/// The source the training/webapp image ships (what `python app.py` would run).
const WEBAPP_APP_PY: &str = "\
import os
from flask import Flask

app = Flask(__name__)


@app.route('/')
def hello():
    provider = str(os.environ.get('PROVIDER', 'world'))
    return 'Hello ' + provider + '!'


if __name__ == '__main__':
    port = int(os.environ.get('PORT', 5000))
    app.run(host='0.0.0.0', port=port)
";

impl Image {
    /// Its files' bytes: what `images` and `ps -s` show as its size.
    pub fn size_bytes(&self) -> u64 {
        self.files
            .iter()
            .filter_map(|f| f.contents)
            .map(|c| c.len() as u64)
            .sum()
    }

    /// The image's USER as (uid, gid); None runs as root.
    pub fn user_ids(&self) -> Option<(u32, u32)> {
        crate::rootfs::USERS
            .iter()
            .find(|u| u.0 == self.user && u.1 != 0)
            .map(|u| (u.1, u.2))
    }

    /// HOME for the image's user, as runc sets it from /etc/passwd.
    pub fn home(&self) -> &'static str {
        let user = if self.user.is_empty() {
            "root"
        } else {
            self.user
        };
        crate::rootfs::USERS
            .iter()
            .find(|u| u.0 == user)
            .map_or("/", |u| u.3)
    }
}

/// Finds an image by reference, accepting an explicit `:latest` tag.
pub fn lookup(reference: &str) -> Option<&'static Image> {
    let name = reference.strip_suffix(":latest").unwrap_or(reference);
    IMAGES.iter().find(|i| i.name == name)
}

/// Docker-like error for an unknown image, listing what is built in.
pub fn unknown_image_error(reference: &str) -> String {
    let names: Vec<&str> = IMAGES.iter().map(|i| i.name).collect();
    format!(
        "Unable to find image '{reference}' locally: netlings has no registry; built-in images are: {}",
        names.join(", ")
    )
}

/// Programs of the built-in images, found by the basename of argv[0].
/// A server's entry point: its arguments (without argv[0]) to an exit status.
pub type Main = fn(&[String]) -> i32;

pub const PROGRAMS: &[(&str, Main)] = &[
    ("hello", hello::main),
    ("flappy-endpoint", flappy::main),
    ("nginx-ssl-terminator", ssl_terminator::main),
    // training/webapp's `python app.py` and training/postgres's server.
    ("python", webapp::main),
    ("postgres", postgres::main),
];

pub fn program(name: &str) -> Option<fn(&[String]) -> i32> {
    PROGRAMS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// A TCP listener on every address, IPv6 and IPv4 (`:::PORT` in netstat),
/// as busybox's nc -l and httpd in the stand-in images listen: `::` takes
/// IPv4 connections too (as v4-mapped addresses). Where the namespace has
/// no IPv6 at all, `0.0.0.0` alone.
pub fn listen_all(port: u16) -> std::io::Result<std::net::TcpListener> {
    std::net::TcpListener::bind((std::net::Ipv6Addr::UNSPECIFIED, port))
        .or_else(|_| std::net::TcpListener::bind((std::net::Ipv4Addr::UNSPECIFIED, port)))
}

/// A peer's address as an IPv4 one when it came v4-mapped to a `::`
/// listener: logs show 172.17.0.1, not ::ffff:172.17.0.1.
pub fn peer_ip(addr: std::net::SocketAddr) -> std::net::IpAddr {
    addr.ip().to_canonical()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_accepts_latest_tag_only() {
        assert!(lookup("hello-world").is_some());
        assert!(lookup("hello-world:latest").is_some());
        assert!(lookup("hello-world:v2").is_none());
        let err = unknown_image_error("nginx");
        assert!(err.contains("'nginx'") && err.contains("hello-world"));
    }

    #[test]
    fn every_image_command_is_a_builtin_program() {
        for image in IMAGES {
            let prog = image.cmd[0].rsplit('/').next().unwrap();
            let prog = if prog == "hello" { "hello" } else { prog };
            assert!(
                program(prog).is_some(),
                "{} has no program {prog}",
                image.name
            );
        }
    }
}
