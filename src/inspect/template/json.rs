//! JSON as Go's encoding/json writes it, without HTML escaping (Docker's
//! `json` function turns that off); struct fields in order, map keys sorted.

use super::types::{child_ty, Ty};
use super::value::number_int;
use serde_json::Value;
use std::fmt::Write as _;

pub(super) fn encode_json(out: &mut String, d: &Value, ty: &Ty) {
    match d {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match number_int(n) {
            Some(i) => {
                let _ = write!(out, "{i}");
            }
            None => out.push_str(&go_json_float(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_json(out, e, &child_ty(ty, None, e));
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            if !matches!(ty, Ty::Struct { .. }) {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, e)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(out, k);
                out.push(':');
                encode_json(out, e, &child_ty(ty, Some(k), e));
            }
            out.push('}');
        }
    }
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            // Go escapes these for JavaScript's sake even without HTML escaping.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// encoding/json's float format: plain decimals, exponents outside
/// [1e-6, 1e21) written like `1e+21` and `1e-7`.
fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        return format!(
            "{mantissa}e{}{}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    }
    format!("{f}")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::r;
    use super::super::render;
    use serde_json::json;

    #[test]
    fn json_function_matches_docker() {
        assert_eq!(r("{{json .Name}}"), r#""/web""#);
        assert_eq!(r("{{json .HostConfig.Binds}}"), "null");
        assert_eq!(
            r("{{json .Config.Labels}}"),
            r#"{"alpha":"first","zeta":"last"}"#
        );
        assert_eq!(
            r("{{json .State}}"),
            r#"{"Status":"running","Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":11260,"ExitCode":0,"Error":"","StartedAt":"2026-11-22T09:51:56.760412767Z","FinishedAt":"0001-01-01T00:00:00Z"}"#
        );
        assert_eq!(r("{{json .Config.Labels.nosuch}}"), "null");
        assert_eq!(
            r("{{json 1.5}} {{json 1e21}} {{json 1e-7}} {{json 42}} {{json true}}"),
            "1.5 1e+21 1e-7 42 true"
        );
        // Docker's json turns off HTML escaping; Go still escapes U+2028.
        let data =
            json!({"Config": {"Labels": {"html": "<b>&amp;</b>", "ctl": "a\u{1}b\u{2028}\"\\\n"}}});
        assert_eq!(
            render("{{json .Config.Labels}}", &data).unwrap(),
            r#"{"ctl":"a\u0001b\u2028\"\\\n","html":"<b>&amp;</b>"}"#
        );
        assert_eq!(
            render("{{json .}}", &json!({"b": 1, "a": [null, {}]})).unwrap(),
            r#"{"b":1,"a":[null,{}]}"#
        );
    }
}
