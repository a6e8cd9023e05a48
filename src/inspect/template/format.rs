//! Go's fmt: %v and the printf verbs, applied element by element to slices,
//! maps and structs as Go does; `strconv.Quote` too.

use super::types::{child_ty, Ty};
use super::value::{concrete_type_name, go_time, is_go_string, number_int, Val};
use serde_json::Value;
use std::fmt::Write as _;

#[derive(Debug, Clone, Default)]
pub(super) struct Spec {
    verb: char,
    minus: bool,
    plus: bool,
    /// `%+v`: struct fields with their names.
    plus_v: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

impl Spec {
    pub(super) fn plain() -> Spec {
        Spec {
            verb: 'v',
            ..Spec::default()
        }
    }
}

fn pad(out: &mut String, s: &str, spec: &Spec) {
    let len = s.chars().count();
    let fill = spec.width.unwrap_or(0).saturating_sub(len);
    if spec.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', fill));
    } else {
        out.extend(std::iter::repeat_n(if spec.zero { '0' } else { ' ' }, fill));
        out.push_str(s);
    }
}

/// Pads a number, putting zero padding between the sign and the digits.
fn pad_number(out: &mut String, sign: &str, body: &str, spec: &Spec) {
    if spec.zero && !spec.minus {
        let fill = spec
            .width
            .unwrap_or(0)
            .saturating_sub(sign.len() + body.chars().count());
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(body);
    } else {
        pad(out, &format!("{sign}{body}"), spec);
    }
}

fn bad_verb(out: &mut String, verb: char, type_name: &str, shown: &str) {
    let _ = write!(out, "%!{verb}({type_name}={shown})");
}

fn fmt_nil(out: &mut String, spec: &Spec) {
    if spec.verb == 'v' {
        pad(out, "<nil>", spec);
    } else {
        let _ = write!(out, "%!{}(<nil>)", spec.verb);
    }
}

/// Formats one argument of `print`/`printf` (an invalid value is Go's nil).
fn fmt_arg(out: &mut String, v: &Val, spec: &Spec, amp: bool) {
    match v.json() {
        None => fmt_nil(out, spec),
        Some(d) => fmt_json(out, d, &v.ty, spec, 0, amp),
    }
}

/// `amp`: show a top-level pointer to a struct as `&{...}`, as `fmt` does
/// (the template's own printing dereferences it first).
pub(super) fn fmt_json(out: &mut String, d: &Value, ty: &Ty, spec: &Spec, depth: usize, amp: bool) {
    match d {
        Value::Null => match ty {
            Ty::Slice => out.push_str("[]"),
            Ty::Map(_) => out.push_str("map[]"),
            _ => fmt_nil(out, spec),
        },
        Value::Array(items) => {
            out.push('[');
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_json(out, e, &child_ty(ty, None, e), spec, depth + 1, amp);
            }
            out.push(']');
        }
        Value::Object(m) => match ty {
            Ty::Struct { ptr, .. } => {
                if amp && *ptr && depth == 0 {
                    out.push('&');
                }
                out.push('{');
                for (i, (k, e)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    if spec.plus_v {
                        out.push_str(k);
                        out.push(':');
                    }
                    fmt_json(out, e, &child_ty(ty, Some(k), e), spec, depth + 1, amp);
                }
                out.push('}');
            }
            _ => {
                // Go prints maps with sorted keys.
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push_str("map[");
                for (i, (k, e)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    fmt_str(out, k, spec, "string");
                    out.push(':');
                    fmt_json(out, e, &child_ty(ty, Some(k), e), spec, depth + 1, amp);
                }
                out.push(']');
            }
        },
        Value::String(s) if *ty == Ty::Time => fmt_str(out, &go_time(s), spec, "time.Time"),
        Value::String(s) => fmt_str(out, s, spec, "string"),
        // json.Number is a string type.
        Value::Number(n) if *ty == Ty::Raw => fmt_str(out, &n.to_string(), spec, "json.Number"),
        Value::Number(n) => match number_int(n) {
            Some(i) => fmt_int(out, i, spec),
            None => fmt_float(out, n.as_f64().unwrap_or(0.0), spec),
        },
        Value::Bool(b) => match spec.verb {
            'v' | 't' => pad(out, if *b { "true" } else { "false" }, spec),
            verb => bad_verb(out, verb, "bool", if *b { "true" } else { "false" }),
        },
    }
}

fn fmt_str(out: &mut String, s: &str, spec: &Spec, type_name: &str) {
    let cut: String = match spec.prec {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    };
    match spec.verb {
        'v' | 's' => pad(out, &cut, spec),
        'q' if spec.sharp && !cut.contains('`') && !cut.chars().any(char::is_control) => {
            pad(out, &format!("`{cut}`"), spec)
        }
        'q' => pad(out, &go_quote(&cut), spec),
        'x' | 'X' => {
            let mut hex = String::new();
            for b in cut.bytes() {
                let _ = if spec.verb == 'x' {
                    write!(hex, "{b:02x}")
                } else {
                    write!(hex, "{b:02X}")
                };
            }
            pad(out, &hex, spec);
        }
        verb => bad_verb(out, verb, type_name, s),
    }
}

fn fmt_int(out: &mut String, i: i128, spec: &Spec) {
    let magnitude = i.unsigned_abs();
    let (prefix, mut digits) = match spec.verb {
        'v' | 'd' => ("", magnitude.to_string()),
        'b' => (if spec.sharp { "0b" } else { "" }, format!("{magnitude:b}")),
        'o' => (if spec.sharp { "0" } else { "" }, format!("{magnitude:o}")),
        'O' => ("0o", format!("{magnitude:o}")),
        'x' => (if spec.sharp { "0x" } else { "" }, format!("{magnitude:x}")),
        'X' => (if spec.sharp { "0X" } else { "" }, format!("{magnitude:X}")),
        'c' => {
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            return pad(out, &c.to_string(), spec);
        }
        'q' => {
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            let mut quoted = String::from("'");
            quote_char_into(&mut quoted, c, '\'');
            quoted.push('\'');
            return pad(out, &quoted, spec);
        }
        'U' => return pad(out, &format!("U+{magnitude:04X}"), spec),
        verb => return bad_verb(out, verb, "int", &i.to_string()),
    };
    if let Some(p) = spec.prec {
        if digits.len() < p {
            digits = format!("{}{digits}", "0".repeat(p - digits.len()));
        }
    }
    let sign = if i < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    pad_number(out, &format!("{sign}{prefix}"), &digits, spec);
}

fn fmt_float(out: &mut String, f: f64, spec: &Spec) {
    let body = match spec.verb {
        'v' => go_float_g(f.abs(), None),
        'g' | 'G' => go_float_g(f.abs(), spec.prec),
        'e' | 'E' => go_float_e(f.abs(), spec.prec.unwrap_or(6)),
        'f' | 'F' => format!("{:.*}", spec.prec.unwrap_or(6), f.abs()),
        verb => return bad_verb(out, verb, "float64", &go_float_g(f, None)),
    };
    let body = if matches!(spec.verb, 'E' | 'G') {
        body.to_uppercase()
    } else {
        body
    };
    let sign = if f.is_sign_negative() && f != 0.0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    pad_number(out, sign, &body, spec);
}

/// Decimal digits and exponent of `f` (`d.ddd × 10^exp`), shortest or
/// rounded to `sig` significant digits, without trailing zeros.
fn decimal_digits(f: f64, sig: Option<usize>) -> (String, i32) {
    let s = match sig {
        None => format!("{f:e}"),
        Some(p) => format!("{:.*e}", p.max(1) - 1, f),
    };
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    (digits, exp.parse().unwrap_or(0))
}

/// Go's `%g` (and `%v`) for a non-negative float.
fn go_float_g(f: f64, prec: Option<usize>) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let negative = f.is_sign_negative() && f != 0.0;
    let (digits, exp) = decimal_digits(f.abs(), prec);
    let eprec = match prec {
        // Shortest form: exponent notation from 1e+06 up (as Go decides).
        None => 6,
        Some(p) => {
            let p = p.max(1) as i32;
            if p > digits.len() as i32 && digits.len() as i32 > exp {
                digits.len() as i32
            } else {
                p
            }
        }
    };
    let body = if exp < -4 || exp >= eprec {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!(
            "{first}{dot}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        )
    } else if exp < 0 {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let point = exp as usize + 1;
        if digits.len() <= point {
            format!("{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    if negative {
        format!("-{body}")
    } else {
        body
    }
}

/// Go's `%e`: two-digit exponent with a sign.
fn go_float_e(f: f64, prec: usize) -> String {
    let s = format!("{f:.prec$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    format!(
        "{mantissa}e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.unsigned_abs()
    )
}

pub(super) fn is_go_print(c: char) -> bool {
    c == ' '
        || !(c.is_control()
            || c.is_whitespace()
            || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'))
}

fn quote_char_into(out: &mut String, c: char, quote: char) {
    match c {
        c if c == quote || c == '\\' => {
            out.push('\\');
            out.push(c);
        }
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if is_go_print(c) => out.push(c),
        c if u32::from(c) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c if u32::from(c) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\U{:08x}", u32::from(c));
        }
    }
}

/// Go's `strconv.Quote`.
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        quote_char_into(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Go's `%#U`, as in lexer errors: `U+002D '-'`.
pub(super) fn go_u(c: char) -> String {
    if is_go_print(c) {
        format!("U+{:04X} '{c}'", u32::from(c))
    } else {
        format!("U+{:04X}", u32::from(c))
    }
}

/// `fmt.Sprint`: spaces between operands when neither is a string.
pub(super) fn sprint(args: &[Val], amp: bool) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        // json.Number counts as a string here too.
        let is_string = is_go_string(arg);
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        fmt_arg(&mut out, arg, &Spec::plain(), amp);
        prev_string = is_string;
    }
    out
}

/// `fmt.Sprintf`, including Go's `%!verb(...)` complaints.
pub(super) fn sprintf(format: &str, args: &[Val]) -> String {
    let mut out = String::new();
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    let mut next_arg = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut spec = Spec::default();
        while let Some(&c) = chars.get(i) {
            match c {
                '-' => {
                    spec.minus = true;
                    spec.zero = false;
                }
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = !spec.minus,
                _ => break,
            }
            i += 1;
        }
        // Like Go, a number over a million swallows the rest of the format
        // (which then lacks a verb) instead of padding without bound.
        let number = |i: &mut usize| -> Option<usize> {
            let mut n: Option<usize> = None;
            while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
                if n.is_some_and(|n| n > 1_000_000) {
                    *i = chars.len();
                    return None;
                }
                n = Some(n.unwrap_or(0) * 10 + d as usize);
                *i += 1;
            }
            n
        };
        spec.width = number(&mut i);
        if chars.get(i) == Some(&'.') {
            i += 1;
            spec.prec = Some(number(&mut i).unwrap_or(0));
        }
        let Some(&verb) = chars.get(i) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += 1;
        if verb == '%' {
            out.push('%');
            continue;
        }
        spec.verb = verb;
        if verb == 'v' {
            spec.plus_v = spec.plus;
            spec.plus = false;
        }
        match args.get(next_arg) {
            None => {
                let _ = write!(out, "%!{verb}(MISSING)");
            }
            Some(arg) => {
                next_arg += 1;
                if verb == 'T' {
                    pad(&mut out, &concrete_type_name(arg), &spec);
                } else {
                    fmt_arg(&mut out, arg, &spec, true);
                }
            }
        }
    }
    if next_arg < args.len() {
        out.push_str("%!(EXTRA ");
        for (k, arg) in args[next_arg..].iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            if arg.json().is_none() {
                out.push_str("<nil>");
            } else {
                out.push_str(&concrete_type_name(arg));
                out.push('=');
                fmt_arg(&mut out, arg, &Spec::plain(), true);
            }
        }
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::r;

    #[test]
    fn values_print_like_go_fmt() {
        assert_eq!(r("{{.Config.Cmd}}"), "[python app.py]");
        assert_eq!(r("{{.Config.Labels}}"), "map[alpha:first zeta:last]");
        assert_eq!(r("{{.HostConfig.RestartPolicy}}"), "{no 0}");
        assert_eq!(r("{{.HostConfig.LogConfig}}"), "{json-file map[]}");
        assert_eq!(
            r("{{.NetworkSettings.Ports}}"),
            "map[5000/tcp:[{0.0.0.0 32772} {:: 32771}]]"
        );
        assert_eq!(r("{{.Config.ExposedPorts}}"), "map[5000/tcp:{}]");
        assert_eq!(
            r("{{.State}}"),
            "{running true false false false false 11260 0  2026-11-22T09:51:56.760412767Z 0001-01-01T00:00:00Z}"
        );
        assert_eq!(
            r("{{.State.Running}} {{.State.ExitCode}} {{.HostConfig.ShmSize}}"),
            "true 0 67108864"
        );
        assert_eq!(r("{{.}}").chars().next(), Some('{'));
        assert_eq!(r("{{$}}"), r("{{.}}"));
    }
}
