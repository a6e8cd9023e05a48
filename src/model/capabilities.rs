//! `--cap-add`, `--cap-drop` and `--sysctl` as Docker 20.10 takes them, and
//! the part of them a lab allows. Pure.
//!
//! A root lab's containers run as the machine's root in namespaces of their
//! own, so a capability such as CAP_SYS_ADMIN, CAP_SYS_MODULE or
//! CAP_SYS_TIME would reach past the lab (mounts, kernel modules, the
//! clock). Beyond Docker's default set a container may gain only the
//! network capabilities, which act on its own network namespace: enough to
//! add routes, run a router or shape traffic, as the networking tutorials
//! do.

use std::collections::BTreeMap;

/// The capabilities Docker 20.10 knows (its gocapability list), by bit.
pub const KNOWN: [&str; 38] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
];

/// What a container may gain beyond Docker's default set.
pub const GRANTABLE: [&str; 2] = ["CAP_NET_ADMIN", "CAP_NET_BROADCAST"];

fn bit(name: &str) -> Option<u64> {
    KNOWN.iter().position(|k| *k == name).map(|b| 1u64 << b)
}

/// Docker's NormalizeLegacyCapabilities: upper case, `CAP_` added; `ALL`
/// kept. `which` is "CapAdd" or "CapDrop", for the daemon's error.
pub fn normalize(list: &[String], which: &str) -> Result<Vec<String>, String> {
    list.iter()
        .map(|c| {
            let c = c.to_uppercase();
            if c == "ALL" {
                return Ok(c);
            }
            let c = if c.starts_with("CAP_") {
                c
            } else {
                format!("CAP_{c}")
            };
            if bit(&c).is_none() {
                return Err(format!("invalid {which}: unknown capability: \"{c}\""));
            }
            Ok(c)
        })
        .collect()
}

/// The effective set of a container, from Docker's default set (`default`)
/// and the flags as typed, as Docker's TweakCapabilities makes it; refused
/// where it would give a capability outside `GRANTABLE` that the default
/// set does not have.
pub fn effective(default: u64, add: &[String], drop: &[String]) -> Result<u64, String> {
    let add = normalize(add, "CapAdd")?;
    let drop = normalize(drop, "CapDrop")?;
    let mask_of = |list: &[String]| list.iter().filter_map(|c| bit(c)).fold(0u64, |m, b| m | b);
    let all: u64 = (1u64 << KNOWN.len()) - 1;
    let has_all = |list: &[String]| list.iter().any(|c| c == "ALL");
    let mask = if has_all(&add) {
        all & !mask_of(&drop)
    } else if has_all(&drop) {
        mask_of(&add)
    } else {
        // Drops first, then adds: a capability both added and dropped stays.
        (default & !mask_of(&drop)) | mask_of(&add)
    };
    let grantable = GRANTABLE
        .iter()
        .filter_map(|c| bit(c))
        .fold(default, |m, b| m | b);
    if let Some(b) = (0..KNOWN.len()).find(|&b| mask & !grantable & (1u64 << b) != 0) {
        let asked = if has_all(&add) { "ALL" } else { KNOWN[b] };
        return Err(format!(
            "--cap-add {asked}: outside netlings' scope: beyond Docker's default set a lab's containers may gain only {} (the others reach past the lab's namespaces)",
            GRANTABLE.join(" and ")
        ));
    }
    Ok(mask)
}

/// Docker's client check of `--sysctl` (opts.ValidateSysctl): `KEY=VALUE`
/// with a key it knows to be namespaced.
pub fn sysctl_flag(value: &str) -> Result<(String, String), String> {
    const IPC: [&str; 8] = [
        "kernel.msgmax",
        "kernel.msgmnb",
        "kernel.msgmni",
        "kernel.sem",
        "kernel.shmall",
        "kernel.shmmax",
        "kernel.shmmni",
        "kernel.shm_rmid_forced",
    ];
    let refused = || {
        format!(
            "invalid argument {} for \"--sysctl\" flag: sysctl '{value}' is not whitelisted",
            go_quote(value)
        )
    };
    let Some((key, val)) = value.split_once('=') else {
        return Err(refused());
    };
    if IPC.contains(&key) || key.starts_with("fs.mqueue.") || key.starts_with("net.") {
        Ok((key.to_string(), val.to_string()))
    } else {
        Err(refused())
    }
}

/// What the lab applies: `net.*` only, written in the container's network
/// namespace; Docker's IPC ones are outside a networking lab's scope.
pub fn sysctls_in_scope(sysctls: &BTreeMap<String, String>) -> Result<(), String> {
    match sysctls.keys().find(|k| !k.starts_with("net.")) {
        Some(k) => Err(format!(
            "--sysctl {k}: outside netlings' scope: a lab applies only net.* sysctls, which belong to the container's network namespace"
        )),
        None => Ok(()),
    }
}

/// runc's refusal of a network sysctl where the container has no network
/// namespace of its own (`--net host`).
pub fn sysctl_in_host_namespace(sysctls: &BTreeMap<String, String>) -> Option<String> {
    sysctls.keys().find(|k| k.starts_with("net.")).map(|k| {
        format!("failed to create shim task: OCI runtime create failed: runc create failed: sysctl \"{k}\" not allowed in host network namespace: unknown")
    })
}

/// The file runc writes for a key.
pub fn sysctl_path(key: &str) -> String {
    format!("/proc/sys/{}", key.replace('.', "/"))
}

/// Go's %q of plain text.
fn go_quote(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: u64 = 0xa80425fb;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn masks_as_docker_makes_them() {
        // CapEff printed by Docker 20.10.24 for the same flags.
        assert_eq!(effective(DEFAULT, &[], &[]), Ok(DEFAULT));
        assert_eq!(effective(DEFAULT, &s(&["NET_ADMIN"]), &[]), Ok(0xa80435fb));
        assert_eq!(effective(DEFAULT, &[], &s(&["NET_RAW"])), Ok(0xa80405fb));
        assert_eq!(
            effective(DEFAULT, &s(&["net_admin"]), &s(&["NET_ADMIN"])),
            Ok(0xa80435fb)
        );
        assert_eq!(
            effective(DEFAULT, &s(&["NET_RAW"]), &s(&["ALL"])),
            Ok(0x2000)
        );
        assert_eq!(effective(DEFAULT, &[], &s(&["all"])), Ok(0));
        assert_eq!(
            effective(DEFAULT, &s(&["cap_net_broadcast"]), &s(&["chown"])),
            Ok((DEFAULT & !1) | 1 << 11)
        );
    }

    #[test]
    fn unknown_capabilities_in_the_daemons_words() {
        assert_eq!(
            effective(DEFAULT, &s(&["FOO"]), &[]),
            Err("invalid CapAdd: unknown capability: \"CAP_FOO\"".into())
        );
        assert_eq!(
            effective(DEFAULT, &[], &s(&["foo"])),
            Err("invalid CapDrop: unknown capability: \"CAP_FOO\"".into())
        );
        // Newer than Docker 20.10's list.
        assert!(effective(DEFAULT, &s(&["BPF"]), &[]).is_err());
    }

    #[test]
    fn capabilities_that_reach_past_the_lab_are_refused() {
        for cap in [
            "SYS_ADMIN",
            "SYS_MODULE",
            "SYS_TIME",
            "DAC_READ_SEARCH",
            "ALL",
        ] {
            let e = effective(DEFAULT, &s(&[cap]), &[]).unwrap_err();
            assert!(e.contains("outside netlings' scope"), "{e}");
        }
        // Adding ALL wins over dropping ALL, as in Docker.
        assert!(effective(DEFAULT, &s(&["ALL"]), &s(&["ALL"])).is_err());
    }

    #[test]
    fn sysctl_flags_as_dockers_client_checks_them() {
        assert_eq!(
            sysctl_flag("net.ipv4.ip_forward=1"),
            Ok(("net.ipv4.ip_forward".into(), "1".into()))
        );
        assert_eq!(
            sysctl_flag("kernel.foo=1"),
            Err("invalid argument \"kernel.foo=1\" for \"--sysctl\" flag: sysctl 'kernel.foo=1' is not whitelisted".into())
        );
        assert_eq!(
            sysctl_flag("net.ipv4.ip_forward"),
            Err("invalid argument \"net.ipv4.ip_forward\" for \"--sysctl\" flag: sysctl 'net.ipv4.ip_forward' is not whitelisted".into())
        );
        assert!(sysctl_flag("kernel.shmmax=1").is_ok());
        let ipc: BTreeMap<String, String> = [("kernel.shmmax".to_string(), "1".to_string())].into();
        assert!(sysctls_in_scope(&ipc)
            .unwrap_err()
            .contains("outside netlings' scope"));
        let net: BTreeMap<String, String> =
            [("net.ipv4.ip_forward".to_string(), "1".to_string())].into();
        assert_eq!(sysctls_in_scope(&net), Ok(()));
        assert_eq!(
            sysctl_in_host_namespace(&net).unwrap(),
            "failed to create shim task: OCI runtime create failed: runc create failed: sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace: unknown"
        );
        assert_eq!(
            sysctl_path("net.ipv4.conf.eth0.forwarding"),
            "/proc/sys/net/ipv4/conf/eth0/forwarding"
        );
    }
}
