//! `docker inspect --format`: Go's text/template as the Docker 20.10 client
//! (built with Go 1.19) evaluates it over inspect data.
//!
//! Docker runs a template twice when it has to: first against its typed Go
//! structs, and if that fails, against the raw JSON decoded into
//! `map[string]interface{}` with the `missingkey=error` option. The second
//! run's output or error is what the user sees. [`render`] does the same
//! with two modes. JSON cannot say whether an object was a Go struct or a
//! map, or whether a `null` was a nil slice, map or pointer, so the typed
//! mode looks Docker's field names up in tables (`types.rs`).
//!
//! # Supported subset
//!
//! - Text and actions `{{ }}`, with `{{-` / `-}}` trimming the spaces
//!   around, and comments `{{/* ... */}}`.
//! - Operands: `.`, fields and chains (`.A.B`, `$x.A`, `(pipeline).A`),
//!   `$` (the root), variables, string ("..." with Go's escapes, and
//!   `` `raw` ``), character (`'a'`), integer (decimal, `0x`, `0o`, `0b`,
//!   leading-zero octal, `_` separators), float (decimal, exponent),
//!   `true`/`false` and `nil` literals.
//! - Pipelines `a | b` (the value goes in as the last argument) and
//!   parenthesised pipelines as arguments.
//! - Variables: `{{$x := pipeline}}`, `{{$x = pipeline}}`; a variable lives
//!   until the `{{end}}` of the block that declares it.
//! - `{{if}}`, `{{else if}}`, `{{else}}`, `{{with}}` (with `{{else}}`) and
//!   `{{range}}` over slices and maps (maps in sorted key order), with one
//!   or two variables (`$i, $e :=`), `{{else}}` for nothing to iterate,
//!   and `{{break}}` / `{{continue}}`. Truth is Go's: zero, empty and nil
//!   are false, a struct is true.
//! - Go's builtins `and or not len index slice eq ne lt le gt ge print
//!   printf println html js urlquery call` (`call` can only fail: there are
//!   no function values), and Docker's `json split join title lower upper
//!   pad truncate`. Arguments are checked against the Go signatures, with
//!   Go's messages.
//! - `printf` verbs: `v` (`%+v` names struct fields), `T`, `%%`, `t` for
//!   booleans, `s q x X` for strings, `d b o O x X c q U` for integers,
//!   `e E f F g G` for floats, with the flags `- + # 0 space`, width and
//!   precision. A verb that does not fit prints Go's `%!verb(type=value)`,
//!   and missing or extra arguments `%!verb(MISSING)` and `%!(EXTRA ...)`.
//!
//! Errors have Docker's prefix and Go's wording and position, e.g.
//! `template parsing error: template: :1:2: executing "" at <.Nope>: map
//! has no entry for key "Nope"`. The texts below follow that prefix.
//!
//! # Not supported
//!
//! - `{{define}}`, `{{template}}` and `{{block}}` (Docker's `--format`
//!   has a single template): `template: :1: {{define}} is not supported by
//!   netlings` (likewise for the other two).
//! - Complex numbers: `template: :1: complex constant 1i is not supported
//!   by netlings`. Hexadecimal floats (`0x1p-2`): `template: :1: illegal
//!   number syntax: "0x1p-2"`.
//! - `printf` argument indexes (`%[1]d`) and `*` widths: the `[` or `*` is
//!   read as an unknown verb (`%![(int=5)1]d`), no error. `%#v` prints like
//!   `%v`; `%p` shows no addresses, and `%b` / `%x` on floats print as
//!   wrong verbs.
//! - Methods (such as `time.Time`'s on a network's `Created`): they fail
//!   as fields the type does not have.
//! - Nesting deeper than 100 parentheses or blocks: `template: :1: max
//!   expression depth exceeded` (Go allows 10000).
//! - Whole structs print as `{v1 v2 ...}` from their JSON fields: Go would
//!   show nested pointers as addresses, and fields that Docker omits from
//!   the JSON. `print` and `printf` show a top-level pointer to a struct
//!   as `&{...}`, as Go does, but nested ones as `{...}` too.

mod exec;
#[cfg(test)]
mod fixtures;
mod format;
mod functions;
mod json;
mod lexer;
mod parser;
mod tree;
mod types;
mod value;

use exec::{Exec, Mode};
use parser::Parser;
use std::fmt;

/// Why a template could not be parsed or executed, worded as Docker prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

/// Renders a Go text/template (Docker's `--format`) against inspect data.
pub fn render(template: &str, data: &serde_json::Value) -> Result<String, TemplateError> {
    // Docker prefixes parse and execution errors alike.
    let wrap = |msg: String| TemplateError(format!("template parsing error: {msg}"));
    let tree = Parser::new(template).parse().map_err(wrap)?;
    match Exec::new(template, data, Mode::Typed).run(&tree) {
        Ok(out) => Ok(out),
        // Docker retries on the raw JSON and reports that run's outcome.
        Err(_) => Exec::new(template, data, Mode::Raw)
            .run(&tree)
            .map_err(wrap),
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{bridge_network, err, r, web};
    use super::{render, TemplateError};
    use serde_json::{json, Value};

    #[test]
    fn transcript_json_network_settings_is_byte_identical() {
        // 01-default-bridge.txt: docker inspect -f "{{json .NetworkSettings}}" flappy
        let line = r#"{"Bridge":"","SandboxID":"150f404bf04d7dba32375505cdce6e69e0a0489e7afba43446462bd9caa62aae","HairpinMode":false,"LinkLocalIPv6Address":"","LinkLocalIPv6PrefixLen":0,"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"80"},{"HostIp":"::","HostPort":"80"}]},"SandboxKey":"/var/run/docker/netns/150f404bf04d","SecondaryIPAddresses":null,"SecondaryIPv6Addresses":null,"EndpointID":"40f5ea402e1e45285082358e00c3746c464f3459be1c75f2bb545b03437e888e","Gateway":"172.17.0.1","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"IPAddress":"172.17.0.2","IPPrefixLen":16,"IPv6Gateway":"","MacAddress":"02:42:ac:11:00:02","Networks":{"bridge":{"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"628ab389ee0d55fe47de2c2625a6584153a8ba1afe98124f86bf6ce579ba70ee","EndpointID":"40f5ea402e1e45285082358e00c3746c464f3459be1c75f2bb545b03437e888e","Gateway":"172.17.0.1","IPAddress":"172.17.0.2","IPPrefixLen":16,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"02:42:ac:11:00:02","DriverOpts":null}}}"#;
        let settings: Value = serde_json::from_str(line).unwrap();
        let data = json!({ "NetworkSettings": settings });
        assert_eq!(render("{{json .NetworkSettings}}", &data).unwrap(), line);
        assert_eq!(
            render("{{.NetworkSettings.IPAddress}}", &data).unwrap(),
            "172.17.0.2"
        );
    }

    #[test]
    fn transcript_examples() {
        // 05-legacy-links.txt
        assert_eq!(r("{{ .HostConfig.Links }}"), "[/db:/web/db]");
        assert_eq!(
            r("{{json .HostConfig.Links}} {{json .NetworkSettings.Networks.bridge.Links}}"),
            r#"["/db:/web/db"] null"#
        );
        let mut unlinked = web();
        unlinked["HostConfig"]["Links"] = Value::Null;
        assert_eq!(render("{{ .HostConfig.Links }}", &unlinked).unwrap(), "[]");
        assert_eq!(r("{{.NetworkSettings.IPAddress}}"), "172.17.0.3");
        // 04-port-mapping.txt
        assert_eq!(r("{{ .Name }}"), "/web");
        let mut failed = web();
        failed["State"]["Status"] = json!("created");
        failed["State"]["ExitCode"] = json!(128);
        failed["State"]["Error"] = json!("driver failed programming external connectivity on endpoint practical_saha (3f21): Bind for 0.0.0.0:80 failed: port is already allocated");
        assert_eq!(
            render(
                "{{.State.Status}} {{.State.ExitCode}} {{json .State.Error}}",
                &failed
            )
            .unwrap(),
            r#"created 128 "driver failed programming external connectivity on endpoint practical_saha (3f21): Bind for 0.0.0.0:80 failed: port is already allocated""#
        );
        // 02-user-network-dns.txt
        assert_eq!(r("{{.State.Pid}}"), "11260");
        assert_eq!(r("{{.State.Status}}"), "running");
        assert_eq!(r("{{.Config.Hostname}}"), "14a889c625f0");
        assert_eq!(r(r#"{{join .Config.Cmd " "}}"#), "python app.py");
    }

    #[test]
    fn raw_fallback_like_docker() {
        // The typed structs call it ID; Docker's raw retry finds "Id".
        let id = "14a889c625f0bd197f3c0256578d9005eda8869fe23a89b7665ea58cfd1a8208";
        assert_eq!(r("{{.Id}}"), id);
        assert_eq!(r("{{.ID}}"), id);
        assert_eq!(
            r("{{range .NetworkSettings.Ports}}{{range .}}{{.HostIp}}:{{.HostPort}} {{end}}{{end}}"),
            "0.0.0.0:32772 :::32771 "
        );
        assert_eq!(
            r("{{range .NetworkSettings.Ports}}{{range .}}{{.HostIP}} {{end}}{{end}}"),
            "0.0.0.0 :: "
        );
        // nat.Port keys reject a plain string, so the raw run answers, with
        // raw formatting.
        assert_eq!(
            r(r#"{{index .NetworkSettings.Ports "5000/tcp"}}"#),
            "[map[HostIp:0.0.0.0 HostPort:32772] map[HostIp::: HostPort:32771]]"
        );
        assert_eq!(
            r(r#"{{(index (index .NetworkSettings.Ports "5000/tcp") 0).HostPort}}"#),
            "32772"
        );
        // len of an int fails in the typed run; the raw value is a json.Number.
        assert_eq!(r("{{len .State.Pid}}"), "5");
        // Ranging over or measuring a struct only works on the raw map.
        assert_eq!(r("{{len .State}}"), "11");
    }

    #[test]
    fn error_displays_its_message() {
        let e = TemplateError("template parsing error: x".into());
        assert_eq!(e.to_string(), "template parsing error: x");
        assert_eq!(format!("{e}"), e.0);
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        let deep = format!("{{{{{}1{}}}}}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(
            render(&deep, &web()),
            Err(TemplateError(
                "template parsing error: template: :1: max expression depth exceeded".into()
            ))
        );
        let ifs = "{{if 1}}".repeat(5000);
        assert!(err(&ifs).ends_with("max expression depth exceeded"));
        // Right at the limit, parsing and execution still fit the stack.
        let ok = format!("{{{{{}len \"ab\"{}}}}}", "(".repeat(99), ")".repeat(99));
        assert_eq!(r(&ok), "2");
        let nested = format!(
            "{}{{{{.Name}}}}{}",
            "{{with .}}".repeat(99),
            "{{end}}".repeat(99)
        );
        assert_eq!(r(&nested), "/web");
        assert_eq!(
            r(r#"{{printf "%99999999999d|" 1}}"#),
            "%!(NOVERB)%!(EXTRA int=1)"
        );
    }

    #[test]
    fn arbitrary_input_never_panics() {
        const PIECES: &[&str] = &[
            "{{",
            "}}",
            "{{-",
            " -}}",
            "{{/*",
            "*/",
            ".",
            ".Name",
            ".State",
            ".Config.Cmd",
            ".X",
            "$",
            "$x",
            "$y",
            ":=",
            "=",
            "|",
            "(",
            ")",
            "\"s\"",
            "`r`",
            "'c'",
            "'\\",
            "1",
            "-2",
            "0x1f",
            "1e3",
            "1.",
            "if",
            "else",
            "end",
            "range",
            "with",
            "break",
            "continue",
            "index",
            "len",
            "json",
            "printf",
            "\"%d%v%\"",
            "eq",
            "and",
            "slice",
            "split",
            "join",
            "nil",
            "true",
            " ",
            ",",
            "\n",
            "é",
            "\\",
            "\"",
            "\u{0}",
            "-",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let data = [
            web(),
            bridge_network(),
            json!(null),
            json!([1, "a", {"b": null}]),
            json!("s"),
        ];
        for i in 0..20_000 {
            let mut template = String::new();
            let len = 1 + (i % 12);
            for _ in 0..len {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                template.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
            }
            // Any outcome is fine as long as it is a value, not a panic.
            let _ = render(&template, &data[i % data.len()]);
        }
    }

    /// The examples of the module doc, so that it stays true.
    #[test]
    fn documented_limits_hold() {
        let prefix = "template parsing error: ";
        for (template, error) in [
            (
                "{{.Nope}}",
                r#"template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope""#,
            ),
            (
                r#"{{define "x"}}{{end}}"#,
                "template: :1: {{define}} is not supported by netlings",
            ),
            (
                "{{1i}}",
                "template: :1: complex constant 1i is not supported by netlings",
            ),
            (
                "{{0x1p-2}}",
                r#"template: :1: illegal number syntax: "0x1p-2""#,
            ),
        ] {
            assert_eq!(err(template), format!("{prefix}{error}"), "{template}");
        }
        assert_eq!(r(r#"{{printf "%[1]d" 5}}"#), "%![(int=5)1]d");
        assert_eq!(r(r#"{{printf "%#v" .Name}}"#), "/web");
        assert_eq!(r(r#"{{printf "%d %s" 1}}"#), "1 %!s(MISSING)");
    }
}
