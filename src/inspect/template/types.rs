//! Docker's Go types, guessed from JSON field names. Go prints, sorts, tests
//! and indexes structs, maps, slices and pointers differently, and a JSON
//! `null` may have been any of the last three.

use serde_json::Value;

/// What a Docker map field holds, which decides its zero value and key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Elem {
    Str,
    /// `nat.PortMap`: `nat.Port` keys, `[]PortBinding` values.
    PortBindings,
    /// `nat.PortSet`: `nat.Port` keys, `struct{}` values.
    PortSet,
    /// `map[string]struct{}`.
    EmptyStruct,
    /// `map[string]*network.EndpointSettings`.
    EndpointPtr,
    /// `map[string]SomeStruct`.
    StructValue,
}

impl Elem {
    /// `nat.Port` is a named string type, so Go will not index these maps
    /// with a plain string (Docker then falls back to the raw JSON).
    pub(super) fn port_keys(self) -> bool {
        matches!(self, Elem::PortBindings | Elem::PortSet)
    }
}

/// The Go shape of a value in the typed run; `Raw` in the fallback run.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Ty {
    /// Decoded JSON (`map[string]interface{}`, `[]interface{}`, `json.Number`).
    Raw,
    Struct {
        name: Option<String>,
        ptr: bool,
    },
    Map(Elem),
    Slice,
    NilPtr,
    Scalar,
    /// A `time.Time` (network `Created`): an RFC 3339 string in JSON,
    /// printed by Go as `2006-01-02 15:04:05.999999999 -0700 MST`.
    Time,
}

/// Map-typed fields of Docker's inspect structs, with their element type.
fn map_field(parent: Option<&str>, key: &str) -> Option<Elem> {
    Some(match (parent, key) {
        (Some("LogConfig"), "Config") => Elem::Str,
        (
            _,
            "Labels" | "Options" | "DriverOpts" | "Data" | "Sysctls" | "StorageOpt" | "Tmpfs"
            | "AuxiliaryAddresses" | "AuxAddress" | "Annotations",
        ) => Elem::Str,
        (_, "Ports" | "PortBindings") => Elem::PortBindings,
        (_, "ExposedPorts") => Elem::PortSet,
        (_, "Volumes") => Elem::EmptyStruct,
        (_, "Networks") => Elem::EndpointPtr,
        (_, "Containers" | "Services") => Elem::StructValue,
        _ => return None,
    })
}

/// Slice-typed fields: a nil Go slice prints `[]` where a nil pointer
/// prints `<nil>` (nil maps print `map[]`, see `map_field`).
fn slice_field(parent: Option<&str>, key: &str) -> bool {
    matches!(
        key,
        "Args"
            | "Links"
            | "Aliases"
            | "Cmd"
            | "Entrypoint"
            | "Env"
            | "Binds"
            | "Dns"
            | "DnsOptions"
            | "DnsSearch"
            | "ExtraHosts"
            | "CapAdd"
            | "CapDrop"
            | "SecondaryIPAddresses"
            | "SecondaryIPv6Addresses"
            | "Mounts"
            | "OnBuild"
            | "ExecIDs"
            | "VolumesFrom"
            | "GroupAdd"
            | "SecurityOpt"
            | "ConsoleSize"
            | "Devices"
            | "DeviceCgroupRules"
            | "DeviceRequests"
            | "BlkioWeightDevice"
            | "BlkioDeviceReadBps"
            | "BlkioDeviceWriteBps"
            | "BlkioDeviceReadIOps"
            | "BlkioDeviceWriteIOps"
            | "Ulimits"
            | "MaskedPaths"
            | "ReadonlyPaths"
            | "Shell"
            | "Peers"
            | "LinkLocalIPs"
            | "Log"
            | "Test"
    ) || (parent == Some("IPAM") && key == "Config")
}

/// Pointer-to-struct fields, which `print`/`printf` show as `&{...}`.
fn pointer_field(parent: Option<&str>, key: &str) -> bool {
    matches!(
        key,
        "State"
            | "HostConfig"
            | "NetworkSettings"
            | "Health"
            | "Healthcheck"
            | "IPAMConfig"
            | "Node"
    ) || (parent.is_none() && key == "Config")
}

/// Struct-valued (not pointer) fields: `container.LogConfig`,
/// `container.RestartPolicy`, `types.GraphDriverData`, `network.IPAM`,
/// `network.ConfigReference`. Listed so that an object whose key is in no
/// table stands out as unknown (a struct is also what it would be taken for).
fn struct_field(key: &str) -> bool {
    matches!(
        key,
        "LogConfig" | "RestartPolicy" | "GraphDriver" | "IPAM" | "ConfigFrom"
    )
}

/// Pointers to numbers or booleans (`*int64`, `*bool`) that Docker writes
/// as `null` when unset; Go prints them as `<nil>` (the default for an
/// unknown `null` too, so this list only makes them known).
fn scalar_pointer_field(key: &str) -> bool {
    matches!(
        key,
        "MemorySwappiness" | "PidsLimit" | "OomKillDisable" | "Init" | "StopTimeout"
    )
}

/// Go field names that differ from their JSON keys. The typed run knows
/// only the Go name (`.ID`); `.Id` fails there and the raw run finds it.
const RENAMED: &[(&str, &str)] = &[
    ("ID", "Id"),
    ("HostIP", "HostIp"),
    ("AuxAddress", "AuxiliaryAddresses"),
    ("CPUShares", "CpuShares"),
    ("CPUPeriod", "CpuPeriod"),
    ("CPUQuota", "CpuQuota"),
    ("CPURealtimePeriod", "CpuRealtimePeriod"),
    ("CPURealtimeRuntime", "CpuRealtimeRuntime"),
    ("CPUCount", "CpuCount"),
    ("CPUPercent", "CpuPercent"),
    ("NanoCPUs", "NanoCpus"),
];

/// The JSON key of Go struct field `name`, or None if `name` is only a JSON key.
pub(super) fn go_field_key(name: &str) -> Option<&str> {
    if let Some((_, json)) = RENAMED.iter().find(|(go, _)| *go == name) {
        return Some(json);
    }
    if RENAMED.iter().any(|(_, json)| *json == name) {
        return None;
    }
    Some(name)
}

/// Fields Docker leaves out of the JSON when empty (`omitempty`): the Go
/// struct still has them, holding the zero value.
pub(super) fn omitted_zero(name: &str) -> Option<Value> {
    match name {
        "Gateway" | "Subnet" | "IPRange" | "MacAddress" | "StopSignal" => {
            Some(Value::String(String::new()))
        }
        "ArgsEscaped" => Some(Value::Bool(false)),
        "Health" | "Healthcheck" | "Node" | "SizeRw" | "SizeRootFs" | "StopTimeout" | "Init"
        | "Shell" | "Peers" | "ExposedPorts" | "Services" | "AuxAddress" | "Sysctls" => {
            Some(Value::Null)
        }
        _ => None,
    }
}

/// The struct name given to a `docker network inspect` root, whose
/// `Created` is a `time.Time` (a container's is a string).
const NETWORK_ROOT: &str = "NetworkResource";

/// The Go type of the inspect document `data` in the typed run.
pub(super) fn root_ty(data: &Value) -> Ty {
    let is_network = data.get("IPAM").is_some() && data.get("Scope").is_some();
    Ty::Struct {
        name: is_network.then(|| NETWORK_ROOT.to_string()),
        ptr: false,
    }
}

/// The Go type of field `key` of struct `parent` holding `child`, as the
/// tables say. None when they do not know the field and JSON cannot tell:
/// an object may be a struct or a map, an array or `null` a slice, a map
/// or a pointer. JSON strings, numbers and booleans tell their Go kind.
pub(super) fn field_ty(parent: Option<&str>, key: &str, child: &Value) -> Option<Ty> {
    if parent == Some(NETWORK_ROOT) && key == "Created" && child.is_string() {
        return Some(Ty::Time);
    }
    if let Some(elem) = map_field(parent, key) {
        return Some(match child {
            Value::Object(_) | Value::Null => Ty::Map(elem),
            Value::Array(_) => Ty::Slice,
            _ => Ty::Scalar,
        });
    }
    let (slice, ptr) = (slice_field(parent, key), pointer_field(parent, key));
    let known = slice || ptr || struct_field(key) || scalar_pointer_field(key);
    match child {
        Value::Object(_) => known.then(|| Ty::Struct {
            name: Some(key.to_string()),
            ptr,
        }),
        Value::Array(_) => slice.then_some(Ty::Slice),
        Value::Null if slice => Some(Ty::Slice),
        Value::Null => known.then_some(Ty::NilPtr),
        _ => Some(Ty::Scalar),
    }
}

/// The Go shape of `child`, found under `key` (None for elements) in `parent`.
pub(super) fn child_ty(parent: &Ty, key: Option<&str>, child: &Value) -> Ty {
    let by_shape = |null: Ty| match child {
        Value::Object(_) => Ty::Struct {
            name: None,
            ptr: false,
        },
        Value::Array(_) => Ty::Slice,
        Value::Null => null,
        _ => Ty::Scalar,
    };
    match parent {
        Ty::Raw => Ty::Raw,
        Ty::Struct { name, .. } => {
            let key = key.unwrap_or("");
            // A field no table knows: an object is taken for a struct, a
            // `null` for a nil pointer.
            field_ty(name.as_deref(), key, child).unwrap_or_else(|| match child {
                Value::Object(_) => Ty::Struct {
                    name: Some(key.to_string()),
                    ptr: false,
                },
                _ => by_shape(Ty::NilPtr),
            })
        }
        Ty::Map(elem) => match child {
            Value::Object(_) => Ty::Struct {
                name: None,
                ptr: *elem == Elem::EndpointPtr,
            },
            _ => by_shape(if *elem == Elem::PortBindings {
                Ty::Slice
            } else {
                Ty::NilPtr
            }),
        },
        _ => by_shape(Ty::NilPtr),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{bridge_network, r, web};
    use super::super::render;
    use super::super::value::go_time;
    use super::{child_ty, field_ty, root_ty, Ty};
    use serde_json::{json, Value};

    #[test]
    fn nulls_print_by_go_type() {
        assert_eq!(r("{{.HostConfig.Binds}}"), "[]");
        assert_eq!(r("{{.HostConfig.CapAdd}}"), "[]");
        assert_eq!(
            r("{{.Config.Entrypoint}} {{.Config.OnBuild}} {{.ExecIDs}}"),
            "[] [] []"
        );
        assert_eq!(r("{{.NetworkSettings.SecondaryIPAddresses}}"), "[]");
        assert_eq!(r("{{.Config.Volumes}}"), "map[]");
        assert_eq!(
            r(r#"{{(index .NetworkSettings.Networks "bridge").Aliases}}"#),
            "[]"
        );
        assert_eq!(
            r(r#"{{(index .NetworkSettings.Networks "bridge").DriverOpts}}"#),
            "map[]"
        );
        assert_eq!(
            r(r#"{{(index .NetworkSettings.Networks "bridge").IPAMConfig}}"#),
            "<nil>"
        );
        // State.Health is omitempty: absent from the JSON, a nil pointer in Go.
        assert_eq!(r("{{.State.Health}}"), "<nil>");
        let mut ports = web();
        ports["NetworkSettings"]["Ports"] = json!({"80/tcp": null});
        assert_eq!(
            render("{{.NetworkSettings.Ports}}", &ports).unwrap(),
            "map[80/tcp:[]]"
        );
        ports["NetworkSettings"]["Ports"] = Value::Null;
        assert_eq!(
            render("{{.NetworkSettings.Ports}}", &ports).unwrap(),
            "map[]"
        );
    }

    #[test]
    fn network_inspect_templates() {
        let net = bridge_network();
        let n = |t: &str| render(t, &net).unwrap();
        assert_eq!(n("{{.IPAM.Options}}"), "map[]");
        assert_eq!(n("{{.IPAM.Config}}"), "[{172.17.0.0/16}]");
        // The default bridge has no Gateway key; Go's struct field is "".
        assert_eq!(
            n("{{range .IPAM.Config}}{{.Subnet}} gw=[{{.Gateway}}]{{end}}"),
            "172.17.0.0/16 gw=[]"
        );
        assert_eq!(
            n("{{range $id, $c := .Containers}}{{$c.Name}}={{$c.IPv4Address}} {{end}}"),
            "web=172.17.0.3/16 db=172.17.0.2/16 "
        );
        assert_eq!(
            n("{{json .Options}}"),
            r#"{"com.docker.network.bridge.name":"docker0","com.docker.network.driver.mtu":"1500"}"#
        );
        assert_eq!(
            n(r#"{{index .Options "com.docker.network.driver.mtu"}}"#),
            "1500"
        );
        assert_eq!(
            n("{{if .Labels}}labels{{else}}no labels{{end}}"),
            "no labels"
        );
        // A network's Created is a time.Time; JSON keeps the RFC 3339 text.
        assert_eq!(n("{{.Created}}"), "2026-11-22 09:40:12.1234 +0000 UTC");
        assert_eq!(
            n("{{json .Created}}"),
            r#""2026-11-22T09:40:12.123400000Z""#
        );
        assert_eq!(
            n("{{print .Created 1}}"),
            "2026-11-22 09:40:12.1234 +0000 UTC 1"
        );
        assert_eq!(
            go_time("2026-11-22T10:40:12+01:00"),
            "2026-11-22 10:40:12 +0100 +0100"
        );
        // A container's Created is a plain string.
        assert_eq!(r("{{.Created}}"), "2026-11-22T09:51:56.467851442Z");
    }

    /// `docker inspect` output of real Docker 20.10.24 (tutorial A step 3
    /// and tutorial B): a container on two networks with published ports,
    /// and the default bridge with two containers. No other reference
    /// capture has a key these two lack.
    const CONTAINER: &str =
        include_str!("testdata/container-inspect-ssl-term-two-networks-step3-variantB.json");
    const NETWORK: &str = include_str!("testdata/network-inspect-bridge-step5-links.json");

    /// Walks `value` (of Go type `ty`, at `path`) and collects the struct
    /// fields whose Go type the tables do not know.
    fn unclassified(value: &Value, ty: &Ty, path: &str, out: &mut Vec<String>) {
        let children: Vec<(String, Option<&str>, &Value)> = match value {
            Value::Object(m) => m
                .iter()
                .map(|(k, c)| (format!("{path}.{k}"), Some(k.as_str()), c))
                .collect(),
            Value::Array(items) => items
                .iter()
                .map(|c| (format!("{path}[]"), None, c))
                .collect(),
            _ => Vec::new(),
        };
        for (child_path, key, child) in children {
            // Map entries and slice elements take their type from the
            // map's or slice's own entry; struct fields need one each.
            if let (Ty::Struct { name, .. }, Some(key)) = (ty, key) {
                if field_ty(name.as_deref(), key, child).is_none() {
                    out.push(format!("{child_path} ({child})"));
                }
            }
            unclassified(child, &child_ty(ty, key, child), &child_path, out);
        }
    }

    #[test]
    fn type_tables_classify_every_inspect_key() {
        for doc in [CONTAINER, NETWORK] {
            let parsed: Value = serde_json::from_str(doc).unwrap();
            let data = &parsed[0];
            let mut missing = Vec::new();
            unclassified(data, &root_ty(data), "", &mut missing);
            assert!(missing.is_empty(), "no Go type for: {missing:#?}");
        }
        // The one string that is not a Go string.
        let network: Value = serde_json::from_str(NETWORK).unwrap();
        let (root, created) = (root_ty(&network[0]), &network[0]["Created"]);
        assert_eq!(child_ty(&root, Some("Created"), created), Ty::Time);
    }
}
