//! Legacy links (`--link`) the way Docker 20.10.24 renders them: the link
//! environment block, the process environment around it, the `/etc/hosts`
//! lines, and the link name formats of `--link`, `rm --link` and inspect.
//!
//! Pure functions only (std); the engine decides when to call them. Facts
//! checked against moby v20.10.24 (`daemon/links/links.go`,
//! `container/container.go`, `container/env.go`, `daemon/commit.go`,
//! `daemon/container_operations.go`, `opts/opts.go`, libnetwork `etchosts`),
//! runc's `setupUser`, and the captures in
//! `reference/docker-20.10/05-legacy-links.txt`.
//!
//! Ordering note: Docker keeps a container's links in a Go map, so with
//! several links the env blocks, the hosts lines and `HostConfig.Links` come
//! out in random order from one start to the next. We use `--link` order,
//! which is one of the orders Docker can produce and the one the reference
//! happened to capture.

use std::net::Ipv4Addr;

/// What the recipient needs to know about a link source at the moment of
/// rendering.
#[derive(Debug, Clone, Copy)]
pub struct LinkSource<'a> {
    /// The source's name without the leading slash: `db`.
    pub name: &'a str,
    /// The alias given to `--link`, or the name when none was: `webdb`, `db`.
    pub alias: &'a str,
    /// The source's hostname (`Config.Hostname`), which is its 12-char short
    /// id unless it was started with `-h`. Docker writes the hostname here.
    pub short_id: &'a str,
    /// The source's address on the default bridge.
    pub ip: Ipv4Addr,
    /// `Config.ExposedPorts` as (port, proto), e.g. `(5432, "tcp")`. Any order:
    /// `link_env` sorts them the way Docker does.
    pub exposed: &'a [(u16, &'a str)],
    /// The source's `Config.Env` ("K=V"): user `-e` vars, then image vars.
    pub env: &'a [String],
}

/// Docker's default PATH, put first in every container's environment.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The six lines every Docker-written /etc/hosts starts with.
pub const HOSTS_FIXED: &str = "127.0.0.1\tlocalhost\n\
::1\tlocalhost ip6-localhost ip6-loopback\n\
fe00::0\tip6-localnet\n\
ff00::0\tip6-mcastprefix\n\
ff02::1\tip6-allnodes\n\
ff02::2\tip6-allrouters\n";

/// The link's full name, `/web/db`: it is `ALIAS_NAME`, the name Docker
/// reserves for the link, and the right half of a `HostConfig.Links` entry.
pub fn link_name(recipient: &str, alias: &str) -> String {
    format!(
        "/{}/{}",
        recipient.trim_start_matches('/'),
        alias.trim_start_matches('/')
    )
}

/// The variable prefix for an alias. Docker only upper-cases and turns '-'
/// into '_'; other characters (such as '.') are kept, even though a shell
/// cannot then use the variables.
pub fn env_prefix(alias: &str) -> String {
    // Docker takes the last path component of the link name.
    let last = alias.rsplit('/').next().unwrap_or(alias);
    last.to_uppercase().replace('-', "_")
}

/// Docker's link env block for one link, in Docker's order:
/// `ALIAS_PORT`, range variables (3+ consecutive ports), four variables per
/// port, `ALIAS_NAME=/recipient/alias`, then `ALIAS_ENV_K=V` for the source's
/// env except `PATH` and `HOME` (Docker skips only those two; `HOSTNAME` is
/// not in `Config.Env` unless set with `-e`, and then it is exported).
pub fn link_env(recipient_name: &str, src: &LinkSource) -> Vec<String> {
    let name = link_name(recipient_name, src.alias);
    let a = env_prefix(src.alias);
    let ip = src.ip;
    let ports = sorted_ports(src.exposed);
    let mut env = Vec::new();

    if let Some((port, proto)) = ports.first() {
        env.push(format!("{a}_PORT={proto}://{ip}:{port}"));
    }

    // Range variables. Docker's contiguity test looks at numbers only and
    // needs at least three ports, so 8000+8001 is not a range but
    // 5000/tcp+5000/udp+5001/tcp is; kept as Docker has it.
    let mut i = 0;
    while i < ports.len() {
        let j = next_contiguous(&ports, i);
        if j > i + 1 {
            let (p, pproto) = ports[i];
            let (q, qproto) = ports[j];
            let pre = format!("{a}_PORT_{p}_{}", pproto.to_uppercase());
            env.push(format!("{pre}_START={pproto}://{ip}:{p}"));
            env.push(format!("{pre}_ADDR={ip}"));
            env.push(format!("{pre}_PROTO={pproto}"));
            env.push(format!("{pre}_PORT_START={p}"));
            // The END names mix the first port's number with the last
            // port's protocol.
            let end = format!("{a}_PORT_{p}_{}", qproto.to_uppercase());
            env.push(format!("{end}_END={qproto}://{ip}:{q}"));
            env.push(format!("{end}_PORT_END={q}"));
            i = j + 1;
        } else {
            i += 1;
        }
    }

    for (port, proto) in &ports {
        let pre = format!("{a}_PORT_{port}_{}", proto.to_uppercase());
        env.push(format!("{pre}={proto}://{ip}:{port}"));
        env.push(format!("{pre}_ADDR={ip}"));
        env.push(format!("{pre}_PORT={port}"));
        env.push(format!("{pre}_PROTO={proto}"));
    }

    env.push(format!("{a}_NAME={name}"));

    for kv in src.env {
        let Some((k, v)) = kv.split_once('=') else {
            continue;
        };
        if k == "HOME" || k == "PATH" {
            continue;
        }
        env.push(format!("{a}_ENV_{k}={v}"));
    }
    env
}

/// Lowest port first; at equal numbers tcp first (Docker's comparator).
/// Stable, so ties between other protocols keep the caller's order.
fn sorted_ports<'a>(exposed: &[(u16, &'a str)]) -> Vec<(u16, &'a str)> {
    let mut ports = exposed.to_vec();
    ports.sort_by_key(|(n, proto)| (*n, !proto.eq_ignore_ascii_case("tcp")));
    ports
}

/// Index of the last port of the run starting at `start`, by Docker's rule:
/// port k belongs while its number is at most start's number + (k - start).
fn next_contiguous(ports: &[(u16, &str)], start: usize) -> usize {
    if start + 1 >= ports.len() {
        return start;
    }
    let base = u32::from(ports[start].0);
    for (k, (n, _)) in ports.iter().enumerate().skip(start + 1) {
        if u32::from(*n) > base + (k - start) as u32 {
            return k - 1;
        }
    }
    ports.len() - 1
}

/// `Config.Env` as Docker stores it at create time: the `-e` vars in order,
/// then the image vars whose key `-e` did not set.
pub fn merge_config_env(image_env: &[String], user_env: &[String]) -> Vec<String> {
    if user_env.is_empty() {
        return image_env.to_vec();
    }
    let mut env = user_env.to_vec();
    for img in image_env {
        let key = env_key(img);
        if !user_env.iter().any(|u| env_key(u) == key) {
            env.push(img.clone());
        }
    }
    env
}

/// Docker's ReplaceOrAppendEnvValues: an override replaces the default with
/// the same key in place, or is appended; a bare `KEY` (no '=') removes the
/// default. Appended entries are not looked up again, so duplicates survive
/// here and are resolved by `process_env`, as runc does.
pub fn replace_or_append(defaults: Vec<String>, overrides: &[String]) -> Vec<String> {
    // Key -> index among the defaults only; the last duplicate wins, as in
    // Go's map. A removed slot can be filled again by a later override.
    let mut cache = std::collections::HashMap::new();
    for (i, e) in defaults.iter().enumerate() {
        cache.insert(env_key(e).to_string(), i);
    }
    let mut out: Vec<Option<String>> = defaults.into_iter().map(Some).collect();
    for value in overrides {
        if !value.contains('=') {
            if let Some(&i) = cache.get(value.as_str()) {
                out[i] = None;
            }
            continue;
        }
        match cache.get(env_key(value)) {
            Some(&i) => out[i] = Some(value.clone()),
            None => out.push(Some(value.clone())),
        }
    }
    out.into_iter().flatten().collect()
}

/// What Docker hands the runtime (CreateDaemonEnvironment): default PATH,
/// HOSTNAME, TERM=xterm with a tty, the link blocks, then `Config.Env`
/// replacing or appending.
pub fn daemon_env(
    config_env: &[String],
    hostname: &str,
    tty: bool,
    links: &[Vec<String>],
) -> Vec<String> {
    let mut env = vec![
        format!("PATH={DEFAULT_PATH}"),
        format!("HOSTNAME={hostname}"),
    ];
    if tty {
        env.push("TERM=xterm".to_string());
    }
    for block in links {
        env.extend(block.iter().cloned());
    }
    replace_or_append(env, config_env)
}

/// What the process finally sees, as runc sets it: each entry applied with
/// setenv (a repeated key keeps its first position and takes the last value;
/// entries without a key are dropped), then HOME = the user's home appended
/// unless HOME is already set to something non-empty.
pub fn process_env(spec_env: &[String], home: &str) -> Vec<String> {
    fn setenv(out: &mut Vec<String>, kv: String) {
        let key = env_key(&kv).to_string();
        match out.iter_mut().find(|e| env_key(e) == key) {
            Some(slot) => *slot = kv,
            None => out.push(kv),
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(spec_env.len() + 1);
    for kv in spec_env {
        // runc refuses these; we drop them rather than fail the start.
        match kv.split_once('=') {
            Some((k, _)) if !k.is_empty() && !kv.contains('\0') => setenv(&mut out, kv.clone()),
            _ => {}
        }
    }
    let has_home = out
        .iter()
        .any(|e| e.strip_prefix("HOME=").is_some_and(|v| !v.is_empty()));
    if !has_home {
        setenv(&mut out, format!("HOME={home}"));
    }
    out
}

/// Full env of a container's main process in Docker's order: PATH, HOSTNAME,
/// link blocks in `--link` order, then `Config.Env` (`-e` vars, then image
/// vars), HOME last unless set. `home` is the user's home: `/root` for root,
/// `/` when the user has no passwd entry.
#[cfg(test)]
pub fn container_env(
    image_env: &[String],
    user_env: &[String],
    hostname: &str,
    links: &[Vec<String>],
    home: &str,
) -> Vec<String> {
    container_env_tty(image_env, user_env, hostname, false, links, home)
}

/// `container_env` for `run -t`: Docker adds `TERM=xterm` after HOSTNAME.
pub fn container_env_tty(
    image_env: &[String],
    user_env: &[String],
    hostname: &str,
    tty: bool,
    links: &[Vec<String>],
    home: &str,
) -> Vec<String> {
    let config_env = merge_config_env(image_env, user_env);
    process_env(&daemon_env(&config_env, hostname, tty, links), home)
}

/// Env of a `docker exec` process: the container env recomputed now (link
/// blocks with the sources' current addresses), then the exec's own `-e`.
/// `config_env` is the container's stored `Config.Env`.
pub fn exec_env(
    config_env: &[String],
    hostname: &str,
    tty: bool,
    links: &[Vec<String>],
    exec_user_env: &[String],
    home: &str,
) -> Vec<String> {
    let env = replace_or_append(daemon_env(config_env, hostname, tty, links), exec_user_env);
    process_env(&env, home)
}

fn env_key(kv: &str) -> &str {
    kv.split_once('=').map_or(kv, |(k, _)| k)
}

/// One /etc/hosts line: `ip\tname name...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostsEntry {
    pub ip: String,
    pub names: Vec<String>,
}

/// /etc/hosts as Docker 20.10 writes it: the 6 fixed lines, then `links`
/// (put `--add-host` entries first in that slice, Docker writes them before
/// the links), then the container's own lines, one per network in connect
/// order.
pub fn render_hosts(links: &[HostsEntry], self_entries: &[HostsEntry]) -> String {
    let mut out = String::from(HOSTS_FIXED);
    for e in links.iter().chain(self_entries) {
        out.push_str(&e.ip);
        out.push('\t');
        out.push_str(&e.names.join(" "));
        out.push('\n');
    }
    out
}

/// A link's hosts line: alias, the source's hostname, and the source's name
/// unless it equals the alias (`172.17.0.2\twebdb 9e131070b38f db`,
/// `172.17.0.2\tdb 9e131070b38f`).
pub fn link_hosts_entry(src: &LinkSource) -> HostsEntry {
    let alias = src.alias.rsplit('/').next().unwrap_or(src.alias);
    let name = src.name.trim_start_matches('/');
    let mut names = vec![alias.to_string(), src.short_id.to_string()];
    if alias != name {
        names.push(name.to_string());
    }
    HostsEntry {
        ip: src.ip.to_string(),
        names,
    }
}

/// The self line for a network: the hostname, or `fqdn host` when the
/// hostname has a dot.
pub fn self_hosts_entry(ip: &str, hostname: &str) -> HostsEntry {
    let names = match hostname.split_once('.') {
        Some((short, _)) => vec![hostname.to_string(), short.to_string()],
        None => vec![hostname.to_string()],
    };
    HostsEntry {
        ip: ip.to_string(),
        names,
    }
}

/// How Docker rewrites a running recipient's /etc/hosts when a link source
/// comes back with another address (libnetwork `etchosts.Update`): every
/// `<non-space run>\t<alias>` followed by whitespace or '.' gets `new_ip` as
/// the run. Edits in place, so line order is kept.
pub fn update_hosts_ip(content: &str, alias: &str, new_ip: &str) -> String {
    // Go's \s: space, \t, \n, \f, \r.
    fn is_space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
    }
    let bytes = content.as_bytes();
    let needle = format!("\t{alias}");
    let needle = needle.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut s = 0;
    while s < bytes.len() {
        let mut e = s;
        while e < bytes.len() && !is_space(bytes[e]) {
            e += 1;
        }
        let after = e + needle.len();
        let matched = bytes[e..].starts_with(needle)
            && after < bytes.len()
            && (is_space(bytes[after]) || bytes[after] == b'.');
        if matched {
            out.extend_from_slice(new_ip.as_bytes());
            out.extend_from_slice(&bytes[e..=after]);
            s = after + 1;
        } else {
            // No match can start inside this run of non-space bytes either
            // (it would end at the same place), so skip past it.
            let next = if e > s { e } else { s + 1 };
            out.extend_from_slice(&bytes[s..next]);
            s = next;
        }
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// libnetwork's `etchosts.Delete`, including its bug: it drops every line
/// that ends in `\t<names>` whatever the address, so `network disconnect`
/// removes the container's self lines for all networks. Empty lines go too;
/// comment lines stay.
pub fn delete_hosts_lines(content: &str, names: &str) -> String {
    let suffix = format!("\t{names}");
    let mut out = String::with_capacity(content.len());
    for line in content.lines() {
        if line.is_empty() {
            continue;
        }
        if !line.starts_with('#') && line.ends_with(&suffix) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Parses a `--link` value into (source name, alias): `db:webdb`, `db`
/// (alias = name), or the stored form `/db:/web/webdb`. Errors carry
/// Docker's text. Leading slashes and link paths are reduced the way Docker
/// reduces them when it uses the link (last path component of the alias).
pub fn parse_link_flag(s: &str) -> Result<(String, String), String> {
    if s.is_empty() {
        return Err("empty string specified for links".to_string());
    }
    let bad = || format!("bad format for links: {s}");
    let parts: Vec<&str> = s.split(':').collect();
    let (name, alias) = match parts.as_slice() {
        [one] => (one.trim_start_matches('/'), one.trim_start_matches('/')),
        [name, alias] => (name.trim_start_matches('/'), *alias),
        _ => return Err(bad()),
    };
    let alias = alias.rsplit('/').next().unwrap_or(alias);
    if name.is_empty() || alias.is_empty() {
        return Err(bad());
    }
    Ok((name.to_string(), alias.to_string()))
}

/// The client's check of a `--link` value (opts.ValidateLink, Docker
/// 20.10): only an empty value and more than one `:` are refused; the
/// value itself is passed on as given.
pub fn check_link_flag(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("empty string specified for links".to_string());
    }
    if s.split(':').count() > 2 {
        return Err(format!("bad format for links: {s}"));
    }
    Ok(())
}

/// Parses the argument of `docker rm --link`: `/web/db` (or `web/db`) gives
/// (recipient `web`, alias `db`). Errors carry Docker's text.
pub fn parse_link_path(s: &str) -> Result<(String, String), String> {
    let full = if s.starts_with('/') {
        s.to_string()
    } else {
        format!("/{s}")
    };
    let (parent, alias) = full.rsplit_once('/').unwrap_or(("", &full));
    if alias.is_empty() {
        return Err(format!("No such container: {s}"));
    }
    if parent.is_empty() {
        // "/db": the container's own name, not a link.
        return Err("Conflict, cannot remove the default link name of the container".to_string());
    }
    let recipient = &parent[1..];
    if recipient.is_empty() || recipient.contains('/') {
        return Err(format!("Cannot get parent {parent} for link name {full}"));
    }
    Ok((recipient.to_string(), alias.to_string()))
}

/// A `HostConfig.Links` entry as inspect shows it: `/db:/web/db`.
pub fn links_inspect_entry(source: &str, recipient: &str, alias: &str) -> String {
    format!(
        "/{}:{}",
        source.trim_start_matches('/'),
        link_name(recipient, alias)
    )
}

/// The error Docker gives when a link source is not running, at `run`,
/// `start` and `exec` of the recipient. `docker run` adds "docker: " in
/// front and a '.' at the end.
pub fn not_running_error(source: &str, recipient: &str, alias: &str) -> String {
    format!(
        "Cannot link to a non running container: /{} AS {}",
        source.trim_start_matches('/'),
        link_name(recipient, alias)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH_ENV: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn db_env() -> Vec<String> {
        s(&[
            PATH_ENV,
            "PG_MAJOR=9.3",
            "PGDATA=/var/lib/postgresql/9.3/main",
        ])
    }

    fn db<'a>(alias: &'a str, env: &'a [String], ip: [u8; 4]) -> LinkSource<'a> {
        LinkSource {
            name: "db",
            alias,
            short_id: "9e131070b38f",
            ip: Ipv4Addr::from(ip),
            exposed: &[(5432, "tcp")],
            env,
        }
    }

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn env_of_web2_with_link_db_db() {
        // 05-legacy-links.txt: docker run --rm --name web2 --link db:db training/webapp env
        let env = db_env();
        let block = link_env("web2", &db("db", &env, [172, 17, 0, 2]));
        let got = container_env(&[], &[], "2728ca06d116", &[block], "/root");
        let want = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOSTNAME=2728ca06d116
DB_PORT=tcp://172.17.0.2:5432
DB_PORT_5432_TCP=tcp://172.17.0.2:5432
DB_PORT_5432_TCP_ADDR=172.17.0.2
DB_PORT_5432_TCP_PORT=5432
DB_PORT_5432_TCP_PROTO=tcp
DB_NAME=/web2/db
DB_ENV_PG_MAJOR=9.3
DB_ENV_PGDATA=/var/lib/postgresql/9.3/main
HOME=/root";
        assert_eq!(got, lines(want));
    }

    #[test]
    fn env_with_link_without_alias_and_generated_name() {
        // docker run --rm --link db training/webapp env (recipient great_sinoussi)
        let (name, alias) = parse_link_flag("db").unwrap();
        assert_eq!((name.as_str(), alias.as_str()), ("db", "db"));
        let env = db_env();
        let block = link_env("great_sinoussi", &db(&alias, &env, [172, 17, 0, 2]));
        let got = container_env(&[], &[], "013892acef1b", &[block], "/root");
        assert_eq!(got[1], "HOSTNAME=013892acef1b");
        assert_eq!(got[7], "DB_NAME=/great_sinoussi/db");
        assert_eq!(got.len(), 11);
    }

    #[test]
    fn env_with_two_links_in_link_order() {
        // docker run --rm --link db:db --link web:frontend training/webapp env
        let env = db_env();
        let db_block = link_env("inspiring_lederberg", &db("db", &env, [172, 17, 0, 2]));
        let web = LinkSource {
            name: "web",
            alias: "frontend",
            short_id: "14a889c625f0",
            ip: Ipv4Addr::new(172, 17, 0, 3),
            exposed: &[(5000, "tcp")],
            env: &[], // training/webapp has Config.Env null
        };
        let web_block = link_env("inspiring_lederberg", &web);
        let got = container_env(&[], &[], "0a9e01c32dfa", &[db_block, web_block], "/root");
        let want = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOSTNAME=0a9e01c32dfa
DB_PORT=tcp://172.17.0.2:5432
DB_PORT_5432_TCP=tcp://172.17.0.2:5432
DB_PORT_5432_TCP_ADDR=172.17.0.2
DB_PORT_5432_TCP_PORT=5432
DB_PORT_5432_TCP_PROTO=tcp
DB_NAME=/inspiring_lederberg/db
DB_ENV_PG_MAJOR=9.3
DB_ENV_PGDATA=/var/lib/postgresql/9.3/main
FRONTEND_PORT=tcp://172.17.0.3:5000
FRONTEND_PORT_5000_TCP=tcp://172.17.0.3:5000
FRONTEND_PORT_5000_TCP_ADDR=172.17.0.3
FRONTEND_PORT_5000_TCP_PORT=5000
FRONTEND_PORT_5000_TCP_PROTO=tcp
FRONTEND_NAME=/inspiring_lederberg/frontend
HOME=/root";
        assert_eq!(got, lines(want));
    }

    #[test]
    fn exec_env_is_recomputed_with_the_new_address() {
        // After db moved to 172.17.0.4, `docker exec web env` shows the new IP.
        let env = db_env();
        let block = link_env("web", &db("db", &env, [172, 17, 0, 4]));
        let got = exec_env(&[], "14a889c625f0", false, &[block], &[], "/root");
        assert_eq!(got[4], "DB_PORT_5432_TCP_ADDR=172.17.0.4");
        assert_eq!(got[7], "DB_NAME=/web/db");
        assert_eq!(got.last().unwrap(), "HOME=/root");
    }

    #[test]
    fn user_network_link_sets_no_env() {
        // --net linknet --link db2:pg: no link blocks at all.
        let got = container_env(&[], &[], "a5eed3eff419", &[], "/root");
        assert_eq!(
            got,
            lines(
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOSTNAME=a5eed3eff419
HOME=/root"
            )
        );
    }

    #[test]
    fn user_env_and_image_env_order() {
        // Config.Env = -e vars, then image vars not overridden; PATH is
        // replaced in place, the rest appended after the links.
        let image = s(&[PATH_ENV, "PG_MAJOR=9.3", "PGDATA=/data"]);
        let user = s(&["UPSTREAM=flappy", "PG_MAJOR=10"]);
        assert_eq!(
            merge_config_env(&image, &user),
            s(&["UPSTREAM=flappy", "PG_MAJOR=10", PATH_ENV, "PGDATA=/data"])
        );
        let link = vec!["X_NAME=/c/x".to_string()];
        let got = container_env(&image, &user, "abc", &[link], "/root");
        assert_eq!(
            got,
            s(&[
                PATH_ENV,
                "HOSTNAME=abc",
                "X_NAME=/c/x",
                "UPSTREAM=flappy",
                "PG_MAJOR=10",
                "PGDATA=/data",
                "HOME=/root"
            ])
        );
    }

    #[test]
    fn overrides_replace_in_place_and_home_stays_where_set() {
        let user = s(&["HOME=/srv", "HOSTNAME=custom", "PATH=/bin", "DB_NAME=mine"]);
        let link = vec!["DB_NAME=/c/db".to_string(), "DB_ENV_A=1".to_string()];
        let got = container_env(&[], &user, "abc", &[link], "/root");
        assert_eq!(
            got,
            s(&[
                "PATH=/bin",
                "HOSTNAME=custom",
                "DB_NAME=mine",
                "DB_ENV_A=1",
                "HOME=/srv"
            ])
        );
    }

    #[test]
    fn replace_or_append_edge_cases() {
        // A key removed by a bare override can be set again in its old slot.
        let got = replace_or_append(s(&["A=1", "B=2"]), &s(&["A", "A=3", "C"]));
        assert_eq!(got, s(&["A=3", "B=2"]));
        // With duplicate defaults the last one is replaced.
        let got = replace_or_append(s(&["A=1", "A=2"]), &s(&["A=9"]));
        assert_eq!(got, s(&["A=1", "A=9"]));
    }

    #[test]
    fn bare_key_unsets_and_tty_adds_term() {
        let got = container_env_tty(&[], &s(&["HOSTNAME", "A=1"]), "abc", true, &[], "/");
        assert_eq!(
            got,
            s(&[
                &format!("PATH={DEFAULT_PATH}"),
                "TERM=xterm",
                "A=1",
                "HOME=/"
            ])
        );
    }

    #[test]
    fn duplicates_collapse_like_runc_setenv() {
        // -e A=1 -e A=2: both appended by Docker, runc keeps the first slot
        // with the last value. Empty HOME is replaced by the user's home.
        let got = container_env(&[], &s(&["A=1", "HOME=", "A=2", "=x"]), "h", &[], "/root");
        assert_eq!(
            got,
            s(&[
                &format!("PATH={DEFAULT_PATH}"),
                "HOSTNAME=h",
                "A=2",
                "HOME=/root"
            ])
        );
        let got = exec_env(&s(&["A=1"]), "h", false, &[], &s(&["A=3", "B=4"]), "/root");
        assert_eq!(got[2..], s(&["A=3", "B=4", "HOME=/root"]));
    }

    #[test]
    fn link_env_skips_only_path_and_home() {
        let env = s(&[
            "PATH=/x",
            "HOME=/h",
            "HOSTNAME=set-by-e",
            "NOVALUE",
            "EMPTY=",
        ]);
        let src = LinkSource {
            name: "my-db",
            alias: "my-db",
            short_id: "0123456789ab",
            ip: Ipv4Addr::new(172, 17, 0, 9),
            exposed: &[],
            env: &env,
        };
        assert_eq!(
            link_env("/app", &src),
            s(&[
                "MY_DB_NAME=/app/my-db",
                "MY_DB_ENV_HOSTNAME=set-by-e",
                "MY_DB_ENV_EMPTY="
            ])
        );
        // Only '-' is rewritten; Docker keeps '.' as is.
        assert_eq!(env_prefix("my.db-x"), "MY.DB_X");
    }

    #[test]
    fn port_ranges_and_default_port() {
        let src = LinkSource {
            name: "r",
            alias: "r",
            short_id: "0123456789ab",
            ip: Ipv4Addr::new(10, 0, 0, 2),
            exposed: &[
                (6381, "tcp"),
                (53, "udp"),
                (6379, "tcp"),
                (53, "tcp"),
                (6380, "tcp"),
            ],
            env: &[],
        };
        let got = link_env("c", &src);
        let want = "R_PORT=tcp://10.0.0.2:53
R_PORT_6379_TCP_START=tcp://10.0.0.2:6379
R_PORT_6379_TCP_ADDR=10.0.0.2
R_PORT_6379_TCP_PROTO=tcp
R_PORT_6379_TCP_PORT_START=6379
R_PORT_6379_TCP_END=tcp://10.0.0.2:6381
R_PORT_6379_TCP_PORT_END=6381
R_PORT_53_TCP=tcp://10.0.0.2:53
R_PORT_53_TCP_ADDR=10.0.0.2
R_PORT_53_TCP_PORT=53
R_PORT_53_TCP_PROTO=tcp
R_PORT_53_UDP=udp://10.0.0.2:53
R_PORT_53_UDP_ADDR=10.0.0.2
R_PORT_53_UDP_PORT=53
R_PORT_53_UDP_PROTO=udp
R_PORT_6379_TCP=tcp://10.0.0.2:6379
R_PORT_6379_TCP_ADDR=10.0.0.2
R_PORT_6379_TCP_PORT=6379
R_PORT_6379_TCP_PROTO=tcp
R_PORT_6380_TCP=tcp://10.0.0.2:6380
R_PORT_6380_TCP_ADDR=10.0.0.2
R_PORT_6380_TCP_PORT=6380
R_PORT_6380_TCP_PROTO=tcp
R_PORT_6381_TCP=tcp://10.0.0.2:6381
R_PORT_6381_TCP_ADDR=10.0.0.2
R_PORT_6381_TCP_PORT=6381
R_PORT_6381_TCP_PROTO=tcp
R_NAME=/c/r";
        assert_eq!(got, lines(want));
        // The duplicated _ADDR/_PROTO collapse in the process env.
        let env = container_env(&[], &[], "h", &[got], "/root");
        assert_eq!(
            env.iter()
                .filter(|e| e.starts_with("R_PORT_6379_TCP_ADDR="))
                .count(),
            1
        );

        // Two consecutive ports are not a range for Docker.
        let two = LinkSource {
            exposed: &[(8001, "tcp"), (8000, "tcp")],
            ..src
        };
        let got = link_env("c", &two);
        assert_eq!(got[0], "R_PORT=tcp://10.0.0.2:8000");
        assert!(!got.iter().any(|e| e.contains("_START=")));
        assert_eq!(got.len(), 1 + 8 + 1);
    }

    #[test]
    fn hosts_with_alias_and_self_line() {
        // docker run --rm --link db:webdb training/webapp cat /etc/hosts
        let env = db_env();
        let src = db("webdb", &env, [172, 17, 0, 2]);
        let got = render_hosts(
            &[link_hosts_entry(&src)],
            &[self_hosts_entry("172.17.0.4", "a439542a2325")],
        );
        let want = "127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
ff00::0\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
172.17.0.2\twebdb 9e131070b38f db
172.17.0.4\ta439542a2325
";
        assert_eq!(got, want);
    }

    #[test]
    fn hosts_without_alias_and_the_source_itself() {
        // docker run --rm --link db training/webapp cat /etc/hosts
        let env = db_env();
        let got = render_hosts(
            &[link_hosts_entry(&db("db", &env, [172, 17, 0, 2]))],
            &[self_hosts_entry("172.17.0.4", "c1147f6119e2")],
        );
        assert!(got.ends_with(
            "ff02::2\tip6-allrouters\n172.17.0.2\tdb 9e131070b38f\n172.17.0.4\tc1147f6119e2\n"
        ));
        // docker exec db cat /etc/hosts: no links, one self line.
        let got = render_hosts(&[], &[self_hosts_entry("172.17.0.2", "9e131070b38f")]);
        assert_eq!(got, format!("{HOSTS_FIXED}172.17.0.2\t9e131070b38f\n"));
        // User network: nothing but the fixed lines and the self line.
        assert_eq!(
            render_hosts(&[], &[self_hosts_entry("172.21.0.3", "562127201a53")])
                .lines()
                .count(),
            7
        );
        // Two networks: one self line each, in connect order.
        let two = render_hosts(
            &[],
            &[
                self_hosts_entry("172.18.0.3", "abc"),
                self_hosts_entry("172.19.0.2", "abc"),
            ],
        );
        assert!(two.ends_with("172.18.0.3\tabc\n172.19.0.2\tabc\n"));
        assert_eq!(
            self_hosts_entry("1.2.3.4", "h.example").names,
            ["h.example", "h"]
        );
    }

    #[test]
    fn restart_updates_the_recipients_hosts_in_place() {
        let env = db_env();
        let before = render_hosts(
            &[link_hosts_entry(&db("db", &env, [172, 17, 0, 2]))],
            &[self_hosts_entry("172.17.0.3", "14a889c625f0")],
        );
        let after = update_hosts_ip(&before, "db", "172.17.0.4");
        let want = render_hosts(
            &[link_hosts_entry(&db("db", &env, [172, 17, 0, 4]))],
            &[self_hosts_entry("172.17.0.3", "14a889c625f0")],
        );
        assert_eq!(after, want);
        // Neither a longer name nor the self line is touched.
        let text = "10.0.0.1\tdbx 1\n10.0.0.2\tdb.local\n10.0.0.3\tdb";
        assert_eq!(
            update_hosts_ip(text, "db", "9.9.9.9"),
            "10.0.0.1\tdbx 1\n9.9.9.9\tdb.local\n10.0.0.3\tdb"
        );
        assert_eq!(update_hosts_ip("", "db", "1.1.1.1"), "");
    }

    #[test]
    fn delete_removes_every_self_line_like_docker() {
        let text = format!("{HOSTS_FIXED}172.18.0.2\tabc\n172.19.0.2\tabc\n172.17.0.2\tdb abc\n");
        // Both self lines go; the link line only contains the name.
        let got = delete_hosts_lines(&text, "abc");
        assert_eq!(got, format!("{HOSTS_FIXED}172.17.0.2\tdb abc\n"));
        let got = delete_hosts_lines("# c\n\n1.1.1.1\tx\n", "y");
        assert_eq!(got, "# c\n1.1.1.1\tx\n");
    }

    #[test]
    fn parse_link_flags() {
        let ok = |s: &str| parse_link_flag(s).unwrap();
        assert_eq!(ok("db:webdb"), ("db".into(), "webdb".into()));
        assert_eq!(ok("db"), ("db".into(), "db".into()));
        assert_eq!(ok("/db:/web/db"), ("db".into(), "db".into()));
        assert_eq!(ok("/db"), ("db".into(), "db".into()));
        assert_eq!(
            parse_link_flag("a:b:c"),
            Err("bad format for links: a:b:c".to_string())
        );
        assert_eq!(
            parse_link_flag(""),
            Err("empty string specified for links".to_string())
        );
        assert!(parse_link_flag("db:").is_err());
        assert!(parse_link_flag(":x").is_err());
    }

    #[test]
    fn parse_link_paths() {
        assert_eq!(parse_link_path("/web/db"), Ok(("web".into(), "db".into())));
        assert_eq!(
            parse_link_path("web/webdb"),
            Ok(("web".into(), "webdb".into()))
        );
        assert_eq!(
            parse_link_path("db"),
            Err("Conflict, cannot remove the default link name of the container".into())
        );
        assert_eq!(
            parse_link_path("/a/b/c"),
            Err("Cannot get parent /a/b for link name /a/b/c".into())
        );
        assert!(parse_link_path("/web/").is_err());
        assert!(parse_link_path("").is_err());
        assert!(parse_link_path("//db").is_err());
    }

    #[test]
    fn inspect_entry_and_errors() {
        assert_eq!(links_inspect_entry("db", "web", "db"), "/db:/web/db");
        assert_eq!(
            links_inspect_entry("/db", "/web", "webdb"),
            "/db:/web/webdb"
        );
        assert_eq!(
            not_running_error("db", "happy_matsumoto", "db"),
            "Cannot link to a non running container: /db AS /happy_matsumoto/db"
        );
    }
}
