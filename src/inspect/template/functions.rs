//! Functions: Go's builtins and Docker's additions, with their Go signatures
//! (which decide argument checking and error messages).

use super::format::{go_quote, is_go_print, sprint, sprintf};
use super::json::encode_json;
use super::types::{child_ty, Elem, Ty};
use super::value::{concrete_type_name, is_go_string, number_int, Val};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Param {
    /// No declared type (the receiver of a chain).
    Untyped,
    /// `interface{}` or `reflect.Value`.
    Any,
    Str,
    Int,
    StrSlice,
}

impl Param {
    pub(super) fn go_name(self) -> &'static str {
        match self {
            Param::Str => "string",
            Param::Int => "int",
            Param::StrSlice => "[]string",
            Param::Any | Param::Untyped => "interface {}",
        }
    }
}

pub(super) struct Sig {
    pub(super) fixed: &'static [Param],
    pub(super) variadic: Option<Param>,
}

pub(super) fn builtin(name: &str) -> Option<Sig> {
    use Param::{Any, Int, Str, StrSlice};
    let (fixed, variadic): (&'static [Param], Option<Param>) = match name {
        "and" | "or" | "index" | "slice" | "eq" | "call" => (&[Any], Some(Any)),
        "not" | "len" | "json" => (&[Any], None),
        "ne" | "lt" | "le" | "gt" | "ge" => (&[Any, Any], None),
        "print" | "println" | "html" | "js" | "urlquery" => (&[], Some(Any)),
        "printf" => (&[Str], Some(Any)),
        "split" => (&[Str, Str], None),
        "join" => (&[StrSlice, Str], None),
        "title" | "lower" | "upper" => (&[Str], None),
        "pad" => (&[Str, Int, Int], None),
        "truncate" => (&[Str, Int], None),
        _ => return None,
    };
    Some(Sig { fixed, variadic })
}

/// Go's truth: non-zero, non-empty, non-nil. Structs are always true.
pub(super) fn truth(v: &Val) -> bool {
    let v = v.clone().unboxed();
    match (v.json(), &v.ty) {
        (None | Some(Value::Null), _) => false,
        (Some(Value::Object(_)), Ty::Struct { .. }) => true,
        (Some(Value::Object(m)), _) => !m.is_empty(),
        (Some(Value::Array(a)), _) => !a.is_empty(),
        (Some(Value::String(s)), _) => !s.is_empty(),
        // json.Number is a non-empty string.
        (Some(Value::Number(_)), Ty::Raw) => true,
        (Some(Value::Number(n)), _) => n.as_f64().is_some_and(|f| f != 0.0),
        (Some(Value::Bool(b)), _) => *b,
    }
}

fn str_arg(v: Option<&Val>) -> String {
    match v.and_then(Val::json) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn int_arg(v: Option<&Val>) -> i128 {
    match v.and_then(Val::json) {
        Some(Value::Number(n)) => number_int(n).unwrap_or(0),
        _ => 0,
    }
}

/// Go's `indexArg`.
fn index_arg(idx: &Val, len: usize) -> Result<usize, String> {
    let idx = idx.clone().unboxed();
    match idx.json() {
        None => Err("cannot index slice/array with nil".into()),
        Some(Value::Number(n)) if idx.ty != Ty::Raw && number_int(n).is_some() => {
            let x = number_int(n).unwrap_or(-1);
            if x < 0 || x > len as i128 {
                return Err(format!("index out of range: {x}"));
            }
            Ok(x as usize)
        }
        _ => Err(format!(
            "cannot index slice/array with type {}",
            concrete_type_name(&idx)
        )),
    }
}

fn map_zero<'a>(elem: Elem) -> Val<'a> {
    match elem {
        Elem::Str => Val::str(""),
        Elem::PortBindings => Val::owned(Value::Null, Ty::Slice),
        Elem::EndpointPtr => Val::owned(Value::Null, Ty::NilPtr),
        Elem::PortSet | Elem::EmptyStruct | Elem::StructValue => Val::owned(
            Value::Object(serde_json::Map::new()),
            Ty::Struct {
                name: None,
                ptr: false,
            },
        ),
    }
}

fn index<'a>(item: &Val<'a>, indexes: &[Val<'a>]) -> Result<Val<'a>, String> {
    let mut v = item.clone().unboxed();
    if v.json().is_none() {
        return Err("index of untyped nil".into());
    }
    for idx in indexes {
        if v.is_nil_pointer() {
            return Err("index of nil pointer".into());
        }
        v = v.unboxed();
        let Some(data) = v.json() else {
            return Err("index of nil pointer".into());
        };
        v = match (data, &v.ty) {
            (Value::String(s), ty) if *ty != Ty::Time => {
                let x = index_arg(idx, s.len())?;
                let byte = *s
                    .as_bytes()
                    .get(x)
                    .ok_or("reflect: string index out of range")?;
                Val::int(i64::from(byte))
            }
            (Value::Array(items), _) => {
                let x = index_arg(idx, items.len())?;
                let child = v.at(x).ok_or("reflect: slice index out of range")?;
                v.child(None, child)
            }
            (Value::Null, Ty::Slice) => {
                index_arg(idx, 0)?;
                return Err("reflect: slice index out of range".into());
            }
            (Value::Object(_) | Value::Null, Ty::Map(elem)) => {
                let key_type = if elem.port_keys() {
                    "nat.Port"
                } else {
                    "string"
                };
                let key = map_key(idx, key_type)?;
                match v.get(&key) {
                    Some(child) => v.child(Some(&key), child),
                    None => map_zero(*elem),
                }
            }
            (Value::Object(_), Ty::Raw) => {
                let key = map_key(idx, "string")?;
                match v.get(&key) {
                    Some(child) => v.child(Some(&key), child),
                    // The zero value of interface{}.
                    None => Val {
                        data: Some(Cow::Owned(Value::Null)),
                        ty: Ty::Raw,
                        boxed: true,
                    },
                }
            }
            _ => {
                return Err(format!(
                    "can't index item of type {}",
                    concrete_type_name(&v)
                ))
            }
        };
    }
    Ok(v)
}

/// Go's `prepareArg` for a map key of type `key_type`.
fn map_key(idx: &Val, key_type: &str) -> Result<String, String> {
    let idx = idx.clone().unboxed();
    match idx.json() {
        None => Err(format!("value is nil; should be of type {key_type}")),
        Some(Value::String(s)) if key_type == "string" => Ok(s.clone()),
        _ => Err(format!(
            "value has type {}; should be {key_type}",
            concrete_type_name(&idx)
        )),
    }
}

fn slice<'a>(item: &Val<'a>, indexes: &[Val<'a>]) -> Result<Val<'a>, String> {
    let v = item.clone().unboxed();
    let Some(data) = v.json() else {
        return Err("slice of untyped nil".into());
    };
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match (data, &v.ty) {
        (Value::String(_), Ty::Time) => return Err("can't slice item of type time.Time".into()),
        (Value::String(_), _) if indexes.len() == 3 => {
            return Err("cannot 3-index slice a string".into())
        }
        (Value::String(s), _) => s.len(),
        (Value::Array(items), _) => items.len(),
        (Value::Null, Ty::Slice) => 0,
        _ => {
            return Err(format!(
                "can't slice item of type {}",
                concrete_type_name(&v)
            ))
        }
    };
    let mut idx = [0, len, len];
    for (i, x) in indexes.iter().enumerate() {
        idx[i] = index_arg(x, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(match data {
        Value::String(s) => {
            Val::str(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
        }
        Value::Array(items) => {
            Val::owned(Value::Array(items[idx[0]..idx[1]].to_vec()), v.ty.clone())
        }
        _ => Val::owned(Value::Array(Vec::new()), v.ty.clone()),
    })
}

fn length(v: &Val) -> Result<i64, String> {
    let Some(data) = v.json() else {
        return Err("len of untyped nil".into());
    };
    if v.is_nil_pointer() {
        return Err("len of nil pointer".into());
    }
    let n = match (data, &v.ty) {
        (Value::String(s), ty) if *ty != Ty::Time => s.len(),
        (Value::Number(n), Ty::Raw) => n.to_string().len(),
        (Value::Array(items), _) => items.len(),
        (Value::Object(m), Ty::Map(_) | Ty::Raw) => m.len(),
        (Value::Null, Ty::Slice | Ty::Map(_)) => 0,
        _ => {
            return Err(format!(
                "len of type {}",
                concrete_type_name(&v.clone().unboxed())
            ))
        }
    };
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Go's comparable kinds.
#[derive(Debug, PartialEq)]
enum Basic {
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
}

fn basic(v: &Val) -> Option<Basic> {
    if v.ty == Ty::Time {
        return None;
    }
    Some(match v.json()? {
        Value::Bool(b) => Basic::Bool(*b),
        Value::String(s) => Basic::Str(s.clone()),
        Value::Number(n) if v.ty == Ty::Raw => Basic::Str(n.to_string()),
        Value::Number(n) => match number_int(n) {
            Some(i) => Basic::Int(i),
            None => Basic::Float(n.as_f64()?),
        },
        _ => return None,
    })
}

/// Whether Go's `==` works on the value (slices and maps do not).
fn comparable(d: &Value, ty: &Ty) -> bool {
    match (d, ty) {
        (_, Ty::Raw) => !matches!(d, Value::Object(_) | Value::Array(_)),
        (_, Ty::Slice | Ty::Map(_)) => false,
        (Value::Object(m), Ty::Struct { ptr: false, .. }) => m
            .iter()
            .all(|(k, e)| comparable(e, &child_ty(ty, Some(k), e))),
        _ => true,
    }
}

fn eq(first: &Val, others: &[Val]) -> Result<bool, String> {
    let v1 = first.clone().unboxed();
    if let Some(d) = v1.json() {
        if !comparable(d, &v1.ty) {
            return Err(format!(
                "uncomparable type {}: {}",
                concrete_type_name(&v1),
                sprint(std::slice::from_ref(&v1), false)
            ));
        }
    }
    if others.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic(&v1);
    for other in others {
        let v2 = other.clone().unboxed();
        let k2 = basic(&v2);
        let equal = match (&k1, &k2) {
            (Some(a), Some(b)) if std::mem::discriminant(a) == std::mem::discriminant(b) => a == b,
            (None, None) => match v2.json() {
                None => v1.json().is_none(),
                Some(d) if !comparable(d, &v2.ty) => {
                    return Err(format!(
                        "uncomparable type {}: {}",
                        concrete_type_name(&v2),
                        sprint(std::slice::from_ref(&v2), false)
                    ))
                }
                Some(d) => v1.json() == Some(d),
            },
            _ => return Err("incompatible types for comparison".into()),
        };
        if equal {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a: &Val, b: &Val) -> Result<bool, String> {
    let k1 = basic(&a.clone().unboxed()).ok_or("invalid type for comparison")?;
    let k2 = basic(&b.clone().unboxed()).ok_or("invalid type for comparison")?;
    match (k1, k2) {
        (Basic::Int(x), Basic::Int(y)) => Ok(x < y),
        (Basic::Float(x), Basic::Float(y)) => Ok(x < y),
        (Basic::Str(x), Basic::Str(y)) => Ok(x < y),
        (Basic::Bool(_), Basic::Bool(_)) => Err("invalid type for comparison".into()),
        _ => Err("incompatible types for comparison".into()),
    }
}

fn le(a: &Val, b: &Val) -> Result<bool, String> {
    Ok(lt(a, b)? || eq(a, std::slice::from_ref(b))?)
}

/// `title`: Go's `strings.Title`, upper-casing letters that follow a separator.
fn title(s: &str) -> String {
    let is_separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else if c.is_alphanumeric() {
            false
        } else {
            c.is_whitespace()
        }
    };
    let mut prev = ' ';
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_separator(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// The string `html`, `js` and `urlquery` escape: one string argument as is,
/// anything else printed like `print` (pointers dereferenced).
fn eval_args(args: &[Val]) -> String {
    if let [only] = args {
        if let (Some(Value::String(s)), true) = (only.json(), is_go_string(only)) {
            return s.clone();
        }
    }
    sprint(args, false)
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{fffd}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c if !c.is_ascii() && !is_go_print(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Runs builtin `name` on checked arguments. Errors are what Go's function
/// returns (or panics with); the caller adds "error calling NAME: ".
pub(super) fn call_builtin<'a>(name: &str, argv: &[Val<'a>]) -> Result<Val<'a>, String> {
    let arg = |i: usize| argv.get(i).cloned().unwrap_or_else(Val::invalid);
    Ok(match name {
        "not" => Val::bool(!truth(&arg(0))),
        "len" => Val::int(length(&arg(0))?),
        "index" => index(&arg(0), argv.get(1..).unwrap_or(&[]))?,
        "slice" => slice(&arg(0), argv.get(1..).unwrap_or(&[]))?,
        "eq" => Val::bool(eq(&arg(0), argv.get(1..).unwrap_or(&[]))?),
        "ne" => Val::bool(!eq(&arg(0), &[arg(1)])?),
        "lt" => Val::bool(lt(&arg(0), &arg(1))?),
        "le" => Val::bool(le(&arg(0), &arg(1))?),
        "gt" => Val::bool(!le(&arg(0), &arg(1))?),
        "ge" => Val::bool(!lt(&arg(0), &arg(1))?),
        "print" => Val::str(sprint(argv, true)),
        "println" => {
            let parts: Vec<String> = argv
                .iter()
                .map(|a| sprint(std::slice::from_ref(a), true))
                .collect();
            Val::str(parts.join(" ") + "\n")
        }
        "printf" => Val::str(sprintf(
            &str_arg(argv.first()),
            argv.get(1..).unwrap_or(&[]),
        )),
        "html" => Val::str(html_escape(&eval_args(argv))),
        "js" => Val::str(js_escape(&eval_args(argv))),
        "urlquery" => Val::str(query_escape(&eval_args(argv))),
        "call" => {
            let f = arg(0).unboxed();
            return Err(match f.json() {
                None => "call of nil".into(),
                Some(_) => format!("non-function of type {}", concrete_type_name(&f)),
            });
        }
        "json" => {
            let v = arg(0);
            let mut out = String::new();
            match v.json() {
                Some(d) => encode_json(&mut out, d, &v.ty),
                None => out.push_str("null"),
            }
            Val::str(out)
        }
        "split" => {
            let (s, sep) = (str_arg(argv.first()), str_arg(argv.get(1)));
            let parts: Vec<Value> = if sep.is_empty() {
                s.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                s.split(sep.as_str())
                    .map(|p| Value::String(p.to_string()))
                    .collect()
            };
            Val::owned(Value::Array(parts), Ty::Slice)
        }
        "join" => {
            let parts: Vec<&str> = match argv.first().and_then(Val::json) {
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            Val::str(parts.join(&str_arg(argv.get(1))))
        }
        "title" => Val::str(title(&str_arg(argv.first()))),
        "lower" => Val::str(str_arg(argv.first()).to_lowercase()),
        "upper" => Val::str(str_arg(argv.first()).to_uppercase()),
        "pad" => {
            let s = str_arg(argv.first());
            let (before, after) = (int_arg(argv.get(1)), int_arg(argv.get(2)));
            if s.is_empty() {
                return Ok(Val::str(s));
            }
            if before < 0 || after < 0 {
                return Err("strings: negative Repeat count".into());
            }
            let (before, after) = (before.min(1 << 20) as usize, after.min(1 << 20) as usize);
            Val::str(format!("{}{s}{}", " ".repeat(before), " ".repeat(after)))
        }
        "truncate" => {
            let s = str_arg(argv.first());
            let n = int_arg(argv.get(1));
            if n > s.len() as i128 - 1 {
                return Ok(Val::str(s));
            }
            if n < 0 {
                return Err(format!("runtime error: slice bounds out of range [:{n}]"));
            }
            Val::str(String::from_utf8_lossy(&s.as_bytes()[..n as usize]).into_owned())
        }
        _ => return Err(format!("{} is not a defined function", go_quote(name))),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::r;

    #[test]
    fn logic_and_comparison_functions() {
        assert_eq!(
            r("{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" \"x\"}} {{or 0 false}}"),
            "0 2 x false"
        );
        // and/or stop early: .Foo (an error) is never evaluated.
        assert_eq!(r("{{and .Config.Labels.nope .Foo}}"), "<no value>");
        assert_eq!(r("{{or .Name .Foo}}"), "/web");
        assert_eq!(r(r#"{{or .Config.Labels.nope "default"}}"#), "default");
        assert_eq!(r("{{not .State.Running}} {{not 0}}"), "false true");
        assert_eq!(
            r("{{eq .State.Pid 11260}} {{eq .Name \"/db\" \"/web\"}} {{eq 1 2 3}}"),
            "true true false"
        );
        assert_eq!(r("{{ne 1 2}} {{ne \"a\" \"a\"}}"), "true false");
        assert_eq!(
            r("{{lt 1 2}} {{lt \"b\" \"a\"}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}} {{lt 1.5 2.5}}"),
            "true false true true false true"
        );
        assert_eq!(
            r("{{if and .State.Running (eq .State.ExitCode 0)}}healthy{{end}}"),
            "healthy"
        );
        assert_eq!(r("{{.State.Running | not}}"), "false");
    }

    #[test]
    fn string_and_print_functions() {
        assert_eq!(
            r(r#"{{split "a:b:c" ":"}} {{index (split "a:b:c" ":") 1}} {{len (split "" ",")}}"#),
            "[a b c] b 1"
        );
        assert_eq!(
            r(r#"{{title "hello docker world"}} {{lower "ABC"}} {{upper .Name}}"#),
            "Hello Docker World abc /WEB"
        );
        assert_eq!(r(r#"{{" " | join .Config.Cmd}}"#), "python app.py");
        assert_eq!(r(r#"{{join (split "1.2.3" ".") "-"}}"#), "1-2-3");
        assert_eq!(
            r(r#"{{pad .Name 1 2}}|{{truncate .Name 2}}|{{truncate .Name 10}}"#),
            " /web  |/w|/web"
        );
        assert_eq!(r("{{len .Config.Cmd}} {{len .Name}} {{len .Config.Labels}} {{len .HostConfig.Binds}}"), "2 4 2 0");
        assert_eq!(
            r("{{slice .Name 1}} {{slice .Config.Cmd 1 2}} {{slice .Name 1 3}}"),
            "web [app.py] we"
        );
        assert_eq!(r("{{index .Config.Cmd 1}} {{index .Name 1}}"), "app.py 119");
        assert_eq!(r(r#"{{print 1 2 "a" "b" 3}}"#), "1 2ab3");
        assert_eq!(r(r#"{{println "a" 1}}"#), "a 1\n");
        assert_eq!(
            r("{{print .HostConfig.RestartPolicy}} {{print .State.Health}}"),
            "{no 0} <nil>"
        );
        assert_eq!(
            r("{{printf \"%v\" .State.ExitCode}} {{printf \"%s\" .HostConfig.Links}}"),
            "0 [/db:/web/db]"
        );
        assert_eq!(
            r(r#"{{printf "%q" .Config.Cmd}}"#),
            r#"["python" "app.py"]"#
        );
        assert_eq!(
            r(r#"{{printf "%s-%d" (upper .Config.Image) (len .Config.Cmd)}}"#),
            "TRAINING/WEBAPP-2"
        );
        assert_eq!(
            r(
                r#"{{printf "%5.1f|%-4d|%04d|%x|%X|%o|%c|%U|%t|%v|%+d|%8s|%-3s|" 3.14159 7 42 255 255 8 65 65 true nil 5 "r" "l"}}"#
            ),
            "  3.1|7   |0042|ff|FF|10|A|U+0041|true|<nil>|+5|       r|l  |"
        );
        assert_eq!(
            r(r#"{{printf "%+v" .HostConfig.RestartPolicy}}"#),
            "{Name:no MaximumRetryCount:0}"
        );
        // fmt shows a pointer to a struct as &{...}.
        assert_eq!(
            r(r#"{{printf "%v" .State}}"#),
            format!("&{}", r("{{.State}}"))
        );
        assert_eq!(r(r#"{{printf "%d %s" "x"}}"#), "%!d(string=x) %!s(MISSING)");
        assert_eq!(r(r#"{{printf "%d" 1 2}}"#), "1%!(EXTRA int=2)");
        assert_eq!(
            r(r#"{{printf "%z|%d|100%%" 1 true}}"#),
            "%!z(int=1)|%!d(bool=true)|100%"
        );
        assert_eq!(
            r(r#"{{printf "%.2f %e %g %g" 3.14159 1500.0 0.00001 100000.0}}"#),
            "3.14 1.500000e+03 1e-05 100000"
        );
        assert_eq!(
            r(r#"{{printf "%q %x %T" "tab\there" "hi" .Name}}"#),
            r#""tab\there" 6869 string"#
        );
        assert_eq!(
            r(r#"{{html "<a href='x'>&</a>"}}"#),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(r(r#"{{urlquery "a b&c/d"}}"#), "a+b%26c%2Fd");
        assert_eq!(r(r#"{{js "it's <b>"}}"#), r"it\'s \u003Cb\u003E");
    }
}
