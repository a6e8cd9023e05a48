//! Checks of user input and the error texts they produce, as pure
//! functions. Where Docker 20.10 refuses an input, the text is Docker's
//! (docs/docker-20.10-facts.md has each one, numbered); where netlings
//! refuses something Docker accepts, the comment says why.

use crate::engine::api::PoolSpec;
use crate::model::ipam::{Subnet, Subnet6};
// Re-exported: engine code names them through `validate`.
pub use crate::gotext::{go_errno, go_quote};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The longest network name netlings accepts (see `network_name`).
pub const MAX_NETWORK_NAME: usize = 63;

/// `network create NAME`. Docker 20.10 accepts any name but the empty one
/// (facts #0-#15), and a name with `/`, a newline or 100,000 characters
/// then breaks its own `network ls`, `inspect` and `rm`. netlings refuses
/// what Docker's later rule for names refuses, `[a-zA-Z0-9][a-zA-Z0-9_.-]*`
/// (so one character is enough, as Docker 1.13 briefly enforced it for
/// networks), and names longer than 63 characters: containers resolve as
/// NAME.NETWORK, and one DNS label holds at most 63. Moby has no wording
/// for either (its later source refuses only the empty name), so the text
/// is netlings' own, shaped like Docker's container-name error.
pub fn network_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        // Docker 20.10 looks the empty name up as the default network.
        return Err("network with name  already exists".to_string());
    }
    let b = name.as_bytes();
    let allowed = b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c));
    if !allowed {
        return Err(format!(
            "Invalid network name {}, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
            quote_long(name)
        ));
    }
    if name.len() > MAX_NETWORK_NAME {
        return Err(format!(
            "Invalid network name {}, at most {MAX_NETWORK_NAME} characters are allowed (containers resolve as NAME.NETWORK, and a DNS label holds {MAX_NETWORK_NAME})",
            quote_long(name)
        ));
    }
    Ok(())
}

/// A name in an error: quoted, and cut after 63 characters with its length,
/// so that 100,000 characters of input do not make the message.
fn quote_long(name: &str) -> String {
    let n = name.chars().count();
    if n <= MAX_NETWORK_NAME {
        return go_quote(name);
    }
    let head: String = name.chars().take(MAX_NETWORK_NAME).collect();
    format!("{}... ({n} characters)", go_quote(&head))
}

/// `run --hostname`. Docker accepts a newline or a space and writes the
/// name into /etc/hosts as is (facts #89-#98), where a newline starts a
/// line of the user's choosing. Docker has no error for this; netlings
/// refuses whitespace and control characters. Length is left to the
/// kernel, as on Docker: 65 characters fail at start (`sethostname`).
pub fn hostname(h: &str) -> Result<(), String> {
    if h.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "invalid hostname {}: whitespace and control characters are not allowed (they would break the container's /etc/hosts)",
            go_quote(h)
        ));
    }
    Ok(())
}

/// `-e VALUE` as Docker's client checks it (opts.ValidateEnv, reported by
/// its flag parser): a variable needs a name (facts #99-#101).
pub fn env_flag(value: &str) -> Result<(), String> {
    let name = value.split('=').next().unwrap_or("");
    if name.is_empty() {
        return Err(format!(
            "invalid argument {} for \"-e, --env\" flag: invalid environment variable: {value}",
            go_quote(value)
        ));
    }
    Ok(())
}

/// Whether `--network MODE` names a user-defined network, as Docker's
/// client decides before it allows `--network-alias` (facts #104).
pub fn user_defined_mode(mode: &str) -> bool {
    !matches!(mode, "default" | "bridge" | "host" | "none") && !mode.starts_with("container:")
}

/// What a network mode cannot go with, in the order and words of Docker
/// 20.10's `validateNetMode`: a container sharing another's network
/// namespace takes none of the options that shape its own, and neither a
/// host nor a container one takes a MAC address.
pub fn network_mode_conflicts(mode: &str, spec: &super::api::RunSpec) -> Result<(), String> {
    let joined = mode.starts_with("container:");
    let conflict = |what: &str| Err(format!("conflicting options: {what}"));
    if joined && spec.hostname.as_deref().is_some_and(|h| !h.is_empty()) {
        return conflict("hostname and the network mode");
    }
    if joined && !spec.dns.is_empty() {
        return conflict("dns and the network mode");
    }
    if joined && !spec.add_hosts.is_empty() {
        return conflict("custom host-to-IP mapping and the network mode");
    }
    if (joined || mode == "host") && spec.mac_address.as_deref().is_some_and(|m| !m.is_empty()) {
        return conflict("mac-address and the network mode");
    }
    if joined && (!spec.publish.is_empty() || spec.publish_all) {
        return conflict("port publishing and the container type network mode");
    }
    if joined && !spec.expose.is_empty() {
        return conflict("port exposing and the container type network mode");
    }
    Ok(())
}

/// The warnings Docker 20.10's daemon returns from a container create
/// (`verifyPlatformContainerSettings`), which its client prints as
/// `WARNING: ...` on stderr: `-p` on the host's network publishes nothing.
pub fn create_warnings(network: Option<&str>, port_bindings: bool) -> Vec<String> {
    if network == Some("host") && port_bindings {
        vec!["Published ports are discarded when using host network mode".to_string()]
    } else {
        Vec::new()
    }
}

/// Go's net.ParseCIDR for IPv4, with its error text.
fn parse_cidr(s: &str) -> Result<(Ipv4Addr, Subnet), String> {
    let bad = || format!("invalid CIDR address: {s}");
    let (a, p) = s.split_once('/').ok_or_else(bad)?;
    let addr: Ipv4Addr = a.parse().map_err(|_| bad())?;
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let prefix: u8 = p.parse().map_err(|_| bad())?;
    if prefix > 32 {
        return Err(bad());
    }
    Ok((addr, Subnet::new(addr, prefix)))
}

/// An address/prefix of either family, as Go's `net.ParseCIDR` reads one.
fn parse_any_cidr(s: &str) -> Result<(IpAddr, AnySubnet), String> {
    if let Ok((ip, net)) = parse_cidr(s) {
        return Ok((ip.into(), AnySubnet::V4(net)));
    }
    let bad = || format!("invalid CIDR address: {s}");
    let (a, _) = s.split_once('/').ok_or_else(bad)?;
    let addr: Ipv6Addr = a.parse().map_err(|_| bad())?;
    let net: Subnet6 = s.parse().map_err(|_| bad())?;
    Ok((addr.into(), AnySubnet::V6(net)))
}

#[derive(Debug, Clone, Copy)]
enum AnySubnet {
    V4(Subnet),
    V6(Subnet6),
}

impl AnySubnet {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self, ip) {
            (AnySubnet::V4(n), IpAddr::V4(ip)) => n.contains(ip),
            (AnySubnet::V6(n), IpAddr::V6(ip)) => n.contains(ip),
            _ => false,
        }
    }
}

/// Whether `data` (an address, or a CIDR) lies in `subnet`, as Docker's
/// client asks it (subnetMatches): an unparsable address matches nothing.
fn subnet_matches(subnet: &str, data: &str) -> Result<bool, String> {
    let (_, net) = parse_any_cidr(subnet).map_err(|e| format!("invalid subnet: {e}"))?;
    let ip = if data.contains('/') {
        Some(parse_any_cidr(data)?.0)
    } else {
        data.parse::<IpAddr>().ok()
    };
    Ok(ip.is_some_and(|ip| net.contains(ip)))
}

/// `network create --subnet S... --ip-range R --gateway G --aux-address K=A`
/// in Docker's client (consolidateIpam), in its order: its errors carry no
/// "Error response from daemon" (facts #24, #40, #41). `aux` is the
/// `--aux-address` map, last value of a key winning. The pools, in
/// `--subnet` order, each with the range and gateway that lie in it.
pub fn consolidate_ipam(
    subnets: &[String],
    ranges: &[String],
    gateways: &[String],
    aux: &[(String, String)],
) -> Result<Vec<PoolSpec>, String> {
    if subnets.len() < ranges.len() || subnets.len() < gateways.len() {
        return Err("every ip-range or gateway must have a corresponding subnet".to_string());
    }
    let mut pools: Vec<PoolSpec> = Vec::new();
    for s in subnets {
        for p in &pools {
            let k = p.subnet.as_deref().unwrap_or_default();
            if subnet_matches(s, k)? || subnet_matches(k, s)? {
                return Err("multiple overlapping subnet configuration is not supported".into());
            }
        }
        pools.push(PoolSpec {
            subnet: Some(s.clone()),
            ..PoolSpec::default()
        });
    }
    for (what, items) in [("range", ranges), ("gateway", gateways)] {
        for item in items {
            let mut matched = false;
            for p in pools.iter_mut() {
                let s = p.subnet.clone().unwrap_or_default();
                if !subnet_matches(&s, item)? {
                    continue;
                }
                let slot = if what == "range" {
                    &mut p.ip_range
                } else {
                    &mut p.gateway
                };
                if let Some(had) = slot {
                    return Err(if what == "range" {
                        format!("cannot configure multiple ranges ({item}, {had}) on the same subnet ({s})")
                    } else {
                        format!("cannot configure multiple gateways ({item}, {had}) for the same subnet ({s})")
                    });
                }
                *slot = Some(item.clone());
                matched = true;
            }
            if !matched {
                return Err(format!("no matching subnet for {what} {item}"));
            }
        }
    }
    for (_, a) in aux {
        let mut matched = false;
        for p in &pools {
            matched |= subnet_matches(p.subnet.as_deref().unwrap_or_default(), a)?;
        }
        if !matched {
            return Err(format!("no matching subnet for aux-address {a}"));
        }
    }
    Ok(pools)
}

/// `--label K=V`, `--opt K=V`, `--aux-address K=V` as Docker's map flags
/// read them: a bare key has the empty value, and the last value of a key
/// wins.
pub fn key_values(items: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for item in items {
        let (k, v) = item.split_once('=').unwrap_or((item, ""));
        out.retain(|(key, _)| key != k);
        out.push((k.to_string(), v.to_string()));
    }
    out
}

/// The bridge driver's options that Docker 20.10 parses, with its errors
/// (strconv's words); any other option is kept as given, unchecked.
pub fn bridge_options(
    options: &std::collections::BTreeMap<String, String>,
) -> Result<BridgeOptions, String> {
    let mut o = BridgeOptions::default();
    let bad = |k: &str, v: &str, why: String| format!("failed to parse {k} value: {v} ({why})");
    for (k, v) in options {
        match k.as_str() {
            OPT_ICC | OPT_MASQUERADE => {
                let b = go_parse_bool(v).ok_or_else(|| {
                    bad(
                        k,
                        v,
                        format!("strconv.ParseBool: parsing {}: invalid syntax", go_quote(v)),
                    )
                })?;
                if k == OPT_ICC {
                    o.icc = b;
                } else {
                    o.masquerade = b;
                }
            }
            OPT_MTU => {
                let n = go_atoi(v).map_err(|why| bad(k, v, why))?;
                if n < 0 {
                    return Err(format!("invalid MTU number: {n}"));
                }
                o.mtu = Some(n);
            }
            OPT_HOST_BINDING => {
                o.host_binding = Some(
                    v.parse::<std::net::IpAddr>()
                        .map_err(|_| bad(k, v, "nil ip".to_string()))?,
                );
            }
            OPT_BRIDGE_NAME => {
                // The kernel's limit on interface names (IFNAMSIZ - 1).
                if v.len() > 15 {
                    return Err(
                        "failed to check bridge interface existence: numerical result out of range"
                            .to_string(),
                    );
                }
                if !v.is_empty() {
                    o.bridge_name = Some(v.clone());
                }
            }
            _ => {}
        }
    }
    Ok(o)
}

pub const OPT_BRIDGE_NAME: &str = "com.docker.network.bridge.name";
pub const OPT_ICC: &str = "com.docker.network.bridge.enable_icc";
pub const OPT_MASQUERADE: &str = "com.docker.network.bridge.enable_ip_masquerade";
pub const OPT_HOST_BINDING: &str = "com.docker.network.bridge.host_binding_ipv4";
pub const OPT_MTU: &str = "com.docker.network.driver.mtu";

/// The bridge driver's options, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeOptions {
    pub bridge_name: Option<String>,
    pub icc: bool,
    pub masquerade: bool,
    pub host_binding: Option<std::net::IpAddr>,
    pub mtu: Option<i64>,
}

impl Default for BridgeOptions {
    fn default() -> Self {
        BridgeOptions {
            bridge_name: None,
            icc: true,
            masquerade: true,
            host_binding: None,
            mtu: None,
        }
    }
}

/// Go's strconv.ParseBool.
fn go_parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's strconv.Atoi (64-bit), with its error text.
fn go_atoi(v: &str) -> Result<i64, String> {
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(v)
        ));
    }
    v.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_quote(v)))
}

/// `--subnet` as the daemon parses it (facts #39). A subnet with host
/// bits set is accepted (facts #37); the caller keeps the text as given.
pub fn subnet(s: &str) -> Result<Subnet, String> {
    parse_cidr(s)
        .map(|(_, net)| net)
        .map_err(|e| format!("Invalid subnet {s} : {e}"))
}

/// The address a new network's bridge takes, as libnetwork's IPAM
/// allocates it: the one asked for unless it is the subnet's network or
/// broadcast address (facts #25, #26), else the first host, which a /31
/// or /32 does not have (facts #27, #28).
pub fn network_gateway(
    subnet: Subnet,
    range: Option<Subnet>,
    gateway: Option<Ipv4Addr>,
) -> Result<Ipv4Addr, String> {
    match gateway {
        Some(g) if !subnet.contains(g) => Err(format!("no matching subnet for gateway {g}")),
        Some(g) if g == subnet.addr || g == subnet.broadcast() => Err(format!(
            "failed to allocate gateway ({g}): Address already in use"
        )),
        Some(g) => Ok(g),
        None if subnet.prefix >= 31 => {
            Err("failed to allocate gateway (): No available addresses on this pool".to_string())
        }
        // From the range if there is one: its first address that is not
        // the subnet's (10.82.0.128 for 10.82.0.128/25 in 10.82.0.0/16).
        None => match range {
            Some(r) if r.addr != subnet.addr => Ok(r.addr),
            _ => Ok(subnet.host(1)),
        },
    }
}

/// `--ip-range` as the daemon parses it: a CIDR inside the subnet.
pub fn ip_range(subnet: Subnet, r: &str) -> Result<Subnet, String> {
    let (_, range) = parse_cidr(r).map_err(|e| format!("Invalid ip-range {r} : {e}"))?;
    if range.prefix < subnet.prefix || !subnet.contains(range.addr) {
        return Err(format!("no matching subnet for range {r}"));
    }
    Ok(range)
}

/// Which command's words a bad `--ip` gets: `run` checks it when the
/// container is created (facts #62), `network connect` in its own words,
/// stray parenthesis included (facts #70).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpFlag {
    Run,
    Connect,
}

pub fn requested_ip(s: &str, flag: IpFlag) -> Result<Ipv4Addr, String> {
    s.parse().map_err(|_| match flag {
        IpFlag::Run => format!("invalid IPv4 address: {s}"),
        IpFlag::Connect => format!("Invalid IPv4 address: {s})"),
    })
}

/// `--ip6` as `run` (the client) and `network connect` (the daemon, which
/// takes any address here and refuses an IPv4 one by its subnet) read it.
pub fn requested_ip6(s: &str, flag: IpFlag) -> Result<IpAddr, String> {
    match flag {
        IpFlag::Run => s
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| format!("invalid IPv6 address: {s}")),
        IpFlag::Connect => s
            .parse::<IpAddr>()
            .map_err(|_| format!("Invalid IPv6 address: {s})")),
    }
}

pub const IP_ON_PREDEFINED: &str =
    "user specified IP address is supported on user defined networks only";

/// Whether a user-defined network lets an endpoint ask for `--ip6`: it
/// needs an IPv6 subnet. Whether the address is in it is the pool's
/// answer, asked only with `--ipv6` (Docker 20.10 keeps any `--ip6` on a
/// network without it, and ignores it).
pub fn ip6_on_network(v6_subnet: Option<Subnet6>) -> Result<(), String> {
    match v6_subnet {
        Some(_) => Ok(()),
        None => Err("user specified IP address is supported only when connecting to networks with user configured subnets".into()),
    }
}

/// Whether a network lets an endpoint ask for `ip`, in the order the
/// daemon checks (validateNetworkingConfig): a user-defined network
/// (facts #79), with a subnet the user gave (#74, #76), containing the
/// address (#58, #68). Whether the address is free is the pool's answer.
pub fn ip_on_network(
    user_defined: bool,
    configured_subnet: Option<Subnet>,
    ip: Ipv4Addr,
) -> Result<(), String> {
    if !user_defined {
        return Err("user specified IP address is supported on user defined networks only".into());
    }
    match configured_subnet {
        None => Err("user specified IP address is supported only when connecting to networks with user configured subnets".into()),
        Some(s) if !s.contains(ip) => Err(format!(
            "Invalid address {ip}: It does not belong to any of this network's subnets"
        )),
        Some(_) => Ok(()),
    }
}

/// What the kernel's "exchange full" means on a bridge: it numbers its
/// ports in ten bits and keeps port 0, so the 1024th interface finds no
/// number (facts #181: the 1024th container fails, 1023 run).
const BRIDGE_FULL_HINT: &str = "a Linux bridge holds at most 1023 interfaces";

/// A veth that could not join its bridge, in libnetwork's words (facts
/// #181, #186), with what "exchange full" means added for people.
pub fn endpoint_error(
    container: &str,
    network: &str,
    veth: &str,
    bridge: &str,
    e: &std::io::Error,
) -> String {
    let why = if e.raw_os_error() == Some(libc::EXFULL) {
        format!("{} ({BRIDGE_FULL_HINT})", go_errno(e))
    } else {
        go_errno(e)
    };
    format!(
        "failed to create endpoint {container} on network {network}: adding interface {veth} to bridge {bridge} failed: {why}"
    )
}

const OCI_START: &str =
    "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process";

/// A container that failed while runc set it up (containerd 1.6, runc
/// 1.1, as Docker 20.10.24 reports it: facts #95).
pub fn oci_init_error(cause: &str) -> String {
    format!("{OCI_START}: error during container init: {cause}: unknown")
}

/// A command that could not be executed, in the same shape.
pub fn oci_exec_error(cause: &str) -> String {
    format!("{OCI_START}: {cause}: unknown")
}

/// libnetwork's words when the kernel has no route to a network's gateway
/// from inside the container (it asks before setting the default route).
pub fn gateway_route_error(gateway: Ipv4Addr, e: &std::io::Error) -> String {
    format!(
        "failed to set gateway while updating gateway: route for the gateway {gateway} could not be found: {}",
        go_errno(e)
    )
}

/// The same failure at start, where Docker meets it in its network hook,
/// logged at `time` (RFC 3339, seconds): facts #44, #47, #50.
pub fn gateway_hook_error(time: &str, route_error: &str) -> String {
    oci_init_error(&format!(
        "error running hook #0: error running hook: exit status 1, stdout: , stderr: time=\"{time}\" level=fatal msg=\"{route_error}\""
    ))
}

/// `--dns VALUE` as Docker's client checks it (opts.ValidateIPAddress):
/// an IPv4 or IPv6 address, kept as Go prints it.
pub fn dns_flag(value: &str) -> Result<String, String> {
    value
        .trim()
        .parse::<std::net::IpAddr>()
        .map(|ip| ip.to_string())
        .map_err(|_| {
            format!(
                "invalid argument {} for \"--dns\" flag: {value} is not an ip address",
                go_quote(value)
            )
        })
}

/// `--dns-search VALUE` as Docker's client checks it
/// (opts.ValidateDNSSearch): "." (no search domain), or a domain name of
/// letters, digits and inner hyphens with at least one letter, shorter
/// than 255 characters, a trailing dot allowed.
pub fn dns_search_flag(value: &str) -> Result<String, String> {
    let v = value.trim_matches(' ');
    if v == "." {
        return Ok(v.to_string());
    }
    let bare = v.strip_suffix('.').unwrap_or(v);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if v.bytes().any(|b| b.is_ascii_alphabetic())
        && bare.len() < 255
        && bare.split('.').all(label_ok)
    {
        Ok(v.to_string())
    } else {
        Err(format!(
            "invalid argument {} for \"--dns-search\" flag: {value} is not a valid domain",
            go_quote(value)
        ))
    }
}

/// `--dns-option VALUE`: Docker writes it into resolv.conf as is; netlings
/// refuses control characters, which would start a line of their own.
pub fn dns_option_flag(value: &str) -> Result<(), String> {
    if value.chars().any(char::is_control) {
        return Err(format!(
            "invalid argument {} for \"--dns-option\" flag: control characters are not allowed (they would break the container's /etc/resolv.conf)",
            go_quote(value)
        ));
    }
    Ok(())
}

/// `--add-host NAME:IP` (Docker's client's words when it is not that).
pub fn add_host(flag: &str) -> Result<(), String> {
    let bad = || {
        format!("invalid argument \"{flag}\" for \"--add-host\" flag: bad format for add-host: \"{flag}\"")
    };
    let (name, ip) = flag.split_once(':').ok_or_else(bad)?;
    if name.is_empty() || ip.parse::<std::net::IpAddr>().is_err() {
        return Err(if name.is_empty() {
            bad()
        } else {
            format!("invalid argument \"{flag}\" for \"--add-host\" flag: invalid IP address in add-host: \"{ip}\"")
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    /// consolidate_ipam with one subnet and gateway at most.
    fn ci(s: Option<&str>, g: Option<&str>) -> Result<(), String> {
        let g: Vec<String> = g.into_iter().map(str::to_string).collect();
        cons(s, &[], &g, &[])
    }

    /// consolidate_ipam with one subnet at most, for its verdict.
    fn cons(
        s: Option<&str>,
        r: &[String],
        g: &[String],
        aux: &[(String, String)],
    ) -> Result<(), String> {
        let s: Vec<String> = s.into_iter().map(str::to_string).collect();
        consolidate_ipam(&s, r, g, aux).map(|_| ())
    }

    #[test]
    fn dual_stack_pools_as_dockers_client_pairs_them() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let pools = consolidate_ipam(
            &v(&["fd00:3::/64", "10.60.0.0/24"]),
            &[],
            &v(&["10.60.0.254", "fd00:3::fe"]),
            &[],
        )
        .unwrap();
        assert_eq!(pools[0].subnet.as_deref(), Some("fd00:3::/64"));
        assert_eq!(pools[0].gateway.as_deref(), Some("fd00:3::fe"));
        assert_eq!(pools[1].gateway.as_deref(), Some("10.60.0.254"));
        // Docker 20.10.24's client, exit 1, no daemon prefix.
        assert_eq!(
            cons(Some("fd00:6::/64"), &[], &v(&["fd00:7::1"]), &[]).unwrap_err(),
            "no matching subnet for gateway fd00:7::1"
        );
        // Two ranges for one subnet: the count is checked first (observed).
        assert_eq!(
            cons(
                Some("fd00:1::/64"),
                &v(&["fd00:1::/120", "fd00:1::100/120"]),
                &[],
                &[]
            )
            .unwrap_err(),
            "every ip-range or gateway must have a corresponding subnet"
        );
        assert_eq!(
            consolidate_ipam(&v(&["10.50.0.0/24", "10.50.0.0/25"]), &[], &[], &[]).unwrap_err(),
            "multiple overlapping subnet configuration is not supported"
        );
        assert_eq!(
            consolidate_ipam(&v(&["fd00:1::/64", "fd00:1::/80"]), &[], &[], &[]).unwrap_err(),
            "multiple overlapping subnet configuration is not supported"
        );
        assert_eq!(
            consolidate_ipam(
                &v(&["fd00:1::/64", "10.0.0.0/24"]),
                &v(&["fd00:1::/120", "fd00:1::100/120"]),
                &[],
                &[]
            )
            .unwrap_err(),
            "cannot configure multiple ranges (fd00:1::100/120, fd00:1::/120) on the same subnet (fd00:1::/64)"
        );
    }

    #[test]
    fn network_names_follow_the_later_rule() {
        for ok in ["a", "Z", "0", "flappy-public", "a.b_c-d", &"n".repeat(63)] {
            assert_eq!(network_name(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            network_name("/").unwrap_err(),
            r#"Invalid network name "/", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"#
        );
        assert_eq!(
            network_name("a\nb").unwrap_err(),
            r#"Invalid network name "a\nb", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"#
        );
        assert!(network_name("a b").is_err());
        assert!(network_name("-a").is_err());
        assert!(network_name(".a").is_err());
        assert!(network_name("é").is_err());
        assert_eq!(
            network_name("").unwrap_err(),
            "network with name  already exists"
        );
        let long = "a".repeat(10_000);
        assert_eq!(
            network_name(&long).unwrap_err(),
            format!(
                "Invalid network name \"{}\"... (10000 characters), at most 63 characters are allowed (containers resolve as NAME.NETWORK, and a DNS label holds 63)",
                "a".repeat(63)
            )
        );
        assert!(network_name(&"n".repeat(64)).is_err());
        let bad_long = format!("/{}", "b".repeat(99));
        let e = network_name(&bad_long).unwrap_err();
        assert!(e.contains("(100 characters), only [a-zA-Z0-9]"), "{e}");
    }

    #[test]
    fn hostnames_refuse_what_breaks_hosts_lines_only() {
        assert_eq!(hostname("web-1.example"), Ok(()));
        assert_eq!(hostname(&"h".repeat(300)), Ok(()), "the kernel decides");
        assert_eq!(
            hostname("a\nb").unwrap_err(),
            r#"invalid hostname "a\nb": whitespace and control characters are not allowed (they would break the container's /etc/hosts)"#
        );
        assert!(hostname("a b").is_err());
        assert!(hostname("a\tb").is_err());
        assert!(hostname("a\rb").is_err());
        assert!(hostname("a\u{a0}b").is_err());
    }

    #[test]
    fn env_needs_a_name() {
        assert_eq!(env_flag("A=1"), Ok(()));
        assert_eq!(env_flag("A"), Ok(()));
        assert_eq!(env_flag("A="), Ok(()));
        assert_eq!(
            env_flag("=").unwrap_err(),
            r#"invalid argument "=" for "-e, --env" flag: invalid environment variable: ="#
        );
        assert_eq!(
            env_flag("=x").unwrap_err(),
            r#"invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x"#
        );
        assert_eq!(
            env_flag("").unwrap_err(),
            r#"invalid argument "" for "-e, --env" flag: invalid environment variable: "#
        );
    }

    #[test]
    fn user_defined_modes() {
        assert!(user_defined_mode("flappy-public"));
        for m in ["default", "bridge", "host", "none", "container:web"] {
            assert!(!user_defined_mode(m), "{m}");
        }
    }

    #[test]
    fn only_published_ports_on_the_host_network_warn() {
        assert_eq!(
            create_warnings(Some("host"), true),
            ["Published ports are discarded when using host network mode"]
        );
        assert!(create_warnings(Some("host"), false).is_empty());
        assert!(create_warnings(Some("bridge"), true).is_empty());
        assert!(create_warnings(None, true).is_empty());
    }

    #[test]
    fn client_side_ipam_checks_are_dockers() {
        assert_eq!(ci(None, None), Ok(()));
        assert_eq!(ci(Some("10.10.0.0/24"), None), Ok(()));
        assert_eq!(ci(Some("10.10.0.0/24"), Some("10.10.0.1")), Ok(()));
        assert_eq!(
            ci(Some("10.10.0.0/24"), Some("10.20.0.1")).unwrap_err(),
            "no matching subnet for gateway 10.20.0.1"
        );
        assert_eq!(
            ci(Some("10.10.0.0/24"), Some("notanip")).unwrap_err(),
            "no matching subnet for gateway notanip"
        );
        assert_eq!(
            ci(None, Some("10.10.0.1")).unwrap_err(),
            "every ip-range or gateway must have a corresponding subnet"
        );
        assert_eq!(
            ci(None, Some("notanip")).unwrap_err(),
            "every ip-range or gateway must have a corresponding subnet"
        );
        assert_eq!(
            ci(Some("300.1.0.0/16"), Some("10.0.0.1")).unwrap_err(),
            "invalid subnet: invalid CIDR address: 300.1.0.0/16"
        );
        // The network and broadcast addresses match here; the daemon refuses them.
        assert_eq!(ci(Some("10.10.0.0/24"), Some("10.10.0.255")), Ok(()));
    }

    #[test]
    fn ranges_and_aux_addresses_as_dockers_client_checks_them() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let s = Some("10.80.0.0/16");
        let aux = |k: &str, a: &str| vec![(k.to_string(), a.to_string())];
        assert_eq!(
            cons(s, &v(&["10.80.5.0/24"]), &[], &aux("h", "10.80.5.1")),
            Ok(())
        );
        // Each observed on Docker 20.10.24, exit 1, no daemon prefix.
        assert_eq!(
            cons(None, &v(&["10.80.0.0/24"]), &[], &[]).unwrap_err(),
            "every ip-range or gateway must have a corresponding subnet"
        );
        assert_eq!(
            cons(s, &v(&["10.80.0.0/24", "10.80.1.0/24"]), &[], &[]).unwrap_err(),
            "every ip-range or gateway must have a corresponding subnet"
        );
        assert_eq!(
            cons(s, &v(&["10.81.0.0/24"]), &[], &[]).unwrap_err(),
            "no matching subnet for range 10.81.0.0/24"
        );
        assert_eq!(
            cons(s, &v(&["bad"]), &[], &[]).unwrap_err(),
            "no matching subnet for range bad"
        );
        assert_eq!(
            cons(s, &[], &[], &aux("a", "10.90.0.1")).unwrap_err(),
            "no matching subnet for aux-address 10.90.0.1"
        );
        assert_eq!(
            cons(None, &[], &[], &aux("a", "10.90.0.1")).unwrap_err(),
            "no matching subnet for aux-address 10.90.0.1"
        );
        assert_eq!(
            cons(s, &[], &[], &aux("a", "")).unwrap_err(),
            "no matching subnet for aux-address "
        );
        assert_eq!(
            key_values(&v(&["a=1", "b", "a=2", "c=x=y"])),
            vec![
                ("b".to_string(), String::new()),
                ("a".to_string(), "2".to_string()),
                ("c".to_string(), "x=y".to_string())
            ]
        );
        let r = subnet("10.82.0.0/16").unwrap();
        let range = ip_range(r, "10.82.0.128/25").unwrap();
        assert_eq!(network_gateway(r, Some(range), None), Ok(ip("10.82.0.128")));
        let whole = ip_range(r, "10.82.0.0/16").unwrap();
        assert_eq!(network_gateway(r, Some(whole), None), Ok(ip("10.82.0.1")));
    }

    #[test]
    fn bridge_options_in_dockers_words() {
        let o = |pairs: &[(&str, &str)]| {
            bridge_options(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        assert_eq!(o(&[("foo", "bar")]), Ok(BridgeOptions::default()));
        let parsed = o(&[
            (OPT_ICC, "false"),
            (OPT_MASQUERADE, "T"),
            (OPT_MTU, "1400"),
            (OPT_HOST_BINDING, "127.0.0.1"),
            (OPT_BRIDGE_NAME, "noint0"),
        ])
        .unwrap();
        assert!(!parsed.icc && parsed.masquerade);
        assert_eq!(parsed.mtu, Some(1400));
        assert_eq!(parsed.bridge_name.as_deref(), Some("noint0"));
        // Docker 20.10.24's words, each prefixed "Error response from daemon: ".
        assert_eq!(
            o(&[(OPT_ICC, "maybe")]).unwrap_err(),
            r#"failed to parse com.docker.network.bridge.enable_icc value: maybe (strconv.ParseBool: parsing "maybe": invalid syntax)"#
        );
        assert_eq!(
            o(&[(OPT_MTU, "abc")]).unwrap_err(),
            r#"failed to parse com.docker.network.driver.mtu value: abc (strconv.Atoi: parsing "abc": invalid syntax)"#
        );
        assert_eq!(
            o(&[(OPT_MTU, "99999999999999999999")]).unwrap_err(),
            r#"failed to parse com.docker.network.driver.mtu value: 99999999999999999999 (strconv.Atoi: parsing "99999999999999999999": value out of range)"#
        );
        assert_eq!(o(&[(OPT_MTU, "-1")]).unwrap_err(), "invalid MTU number: -1");
        assert_eq!(
            o(&[(OPT_HOST_BINDING, "bad")]).unwrap_err(),
            "failed to parse com.docker.network.bridge.host_binding_ipv4 value: bad (nil ip)"
        );
        assert_eq!(
            o(&[(OPT_BRIDGE_NAME, "a-very-long-bridge-name-x")]).unwrap_err(),
            "failed to check bridge interface existence: numerical result out of range"
        );
    }

    #[test]
    fn subnets_parse_as_gos_cidr() {
        assert_eq!(subnet("10.10.0.5/24").unwrap().to_string(), "10.10.0.0/24");
        assert_eq!(
            subnet("300.1.0.0/16").unwrap_err(),
            "Invalid subnet 300.1.0.0/16 : invalid CIDR address: 300.1.0.0/16"
        );
        for bad in ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/+8", "x/8"] {
            assert!(subnet(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn gateways_are_allocated_as_libnetwork_does() {
        let s24 = subnet("10.10.0.0/24").unwrap();
        assert_eq!(network_gateway(s24, None, None), Ok(ip("10.10.0.1")));
        assert_eq!(
            network_gateway(s24, None, Some(ip("10.10.0.254"))),
            Ok(ip("10.10.0.254"))
        );
        assert_eq!(
            network_gateway(s24, None, Some(ip("10.10.0.0"))).unwrap_err(),
            "failed to allocate gateway (10.10.0.0): Address already in use"
        );
        assert_eq!(
            network_gateway(s24, None, Some(ip("10.10.0.255"))).unwrap_err(),
            "failed to allocate gateway (10.10.0.255): Address already in use"
        );
        for p in ["10.10.0.0/31", "10.10.0.0/32"] {
            assert_eq!(
                network_gateway(subnet(p).unwrap(), None, None).unwrap_err(),
                "failed to allocate gateway (): No available addresses on this pool"
            );
        }
        assert_eq!(
            network_gateway(subnet("10.10.0.0/30").unwrap(), None, None),
            Ok(ip("10.10.0.1"))
        );
        assert_eq!(
            network_gateway(s24, None, Some(ip("10.20.0.1"))).unwrap_err(),
            "no matching subnet for gateway 10.20.0.1"
        );
    }

    #[test]
    fn requested_ips_in_the_daemons_order() {
        assert_eq!(requested_ip("10.30.0.5", IpFlag::Run), Ok(ip("10.30.0.5")));
        assert_eq!(
            requested_ip("bad", IpFlag::Run).unwrap_err(),
            "invalid IPv4 address: bad"
        );
        assert_eq!(
            requested_ip("bad", IpFlag::Connect).unwrap_err(),
            "Invalid IPv4 address: bad)"
        );
        let n = Some(subnet("10.30.0.0/24").unwrap());
        assert_eq!(ip_on_network(true, n, ip("10.30.0.5")), Ok(()));
        assert_eq!(
            ip_on_network(true, n, ip("10.31.0.5")).unwrap_err(),
            "Invalid address 10.31.0.5: It does not belong to any of this network's subnets"
        );
        assert_eq!(
            ip_on_network(true, None, ip("172.27.0.9")).unwrap_err(),
            "user specified IP address is supported only when connecting to networks with user configured subnets"
        );
        // The default bridge is checked first, whatever the address.
        assert_eq!(
            ip_on_network(false, n, ip("10.31.0.5")).unwrap_err(),
            "user specified IP address is supported on user defined networks only"
        );
    }

    #[test]
    fn system_errors_in_gos_and_dockers_words() {
        let e = |n| std::io::Error::from_raw_os_error(n);
        assert_eq!(go_errno(&e(libc::EINVAL)), "invalid argument");
        assert_eq!(go_errno(&e(libc::ENETUNREACH)), "network is unreachable");
        assert_eq!(go_errno(&e(libc::EXFULL)), "exchange full");
        assert_eq!(
            endpoint_error("c1024", "big", "veth1234567", "br-46aee673049f", &e(libc::EXFULL)),
            "failed to create endpoint c1024 on network big: adding interface veth1234567 to bridge br-46aee673049f failed: exchange full (a Linux bridge holds at most 1023 interfaces)"
        );
        assert_eq!(
            oci_init_error("sethostname: invalid argument"),
            "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: sethostname: invalid argument: unknown"
        );
        let route = gateway_route_error(ip("224.1.0.1"), &e(libc::ENETUNREACH));
        assert_eq!(
            gateway_hook_error("2026-12-02T09:17:06Z", &route),
            "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error running hook #0: error running hook: exit status 1, stdout: , stderr: time=\"2026-12-02T09:17:06Z\" level=fatal msg=\"failed to set gateway while updating gateway: route for the gateway 224.1.0.1 could not be found: network is unreachable\": unknown"
        );
    }
}
