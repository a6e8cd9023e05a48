//! Text as Go prints it, for messages that must match Docker's byte for
//! byte: strconv.Quote and errno texts. A leaf module, so that `ports`,
//! `engine` and `applets` share one copy.

use std::io;

/// Go's `%q` (strconv.Quote): double quotes, `"` and `\` escaped, and
/// characters that do not print shown as escapes, so that an error quoting
/// user input stays on one line. Go decides "prints" from Unicode
/// categories; this covers controls, spaces other than ' ' and the common
/// invisible format characters, which is what matters for one line.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if !go_prints(c) && (c as u32) < 0x10000 => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if !go_prints(c) => out.push_str(&format!("\\U{:08x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn go_prints(c: char) -> bool {
    let format_chars = matches!(
        c as u32,
        0xad | 0x600..=0x605 | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2064 | 0xfeff
    );
    !(c.is_control() || (c.is_whitespace() && c != ' ') || format_chars)
}

/// An errno in the C library's words, without Rust's " (os error N)":
/// "Connection refused". (nix's `Errno::desc` is not this: it has the
/// kernel headers' wording, "Try again" for EAGAIN, "I/O error" for EIO.)
pub fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// An errno as Go prints it (its syscall table is the C library's text
/// with a lowercase first letter, acronyms kept): "invalid argument",
/// "exchange full", "RFS specific error".
pub fn go_errno(e: &io::Error) -> String {
    // An error built from a kind alone reads as its errno would.
    if e.raw_os_error().is_none() && e.kind() == io::ErrorKind::AddrInUse {
        return "address already in use".to_string();
    }
    let s = strerror(e);
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => first
            .to_lowercase()
            .chain(s[first.len_utf8()..].chars())
            .collect(),
        _ => s,
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`: base prefixes (`0x`, `0o`, `0b`, a
/// leading `0` for octal) and `_` separators; Err is Go's reason.
pub fn parse_uint(text: &str) -> Result<u64, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let (radix, digits) = match text.get(..2) {
        Some("0x" | "0X") => (16, &text[2..]),
        Some("0o" | "0O") => (8, &text[2..]),
        Some("0b" | "0B") => (2, &text[2..]),
        _ if text.len() > 1 && text.starts_with('0') => (8, &text[1..]),
        _ => (10, text),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c == '_' || c.is_digit(radix))
    {
        return Err(SYNTAX);
    }
    // Only digits of the base are left: a failure is an overflow.
    u64::from_str_radix(&digits.replace('_', ""), radix).map_err(|_| "value out of range")
}

/// Go's `strconv.ParseInt(s, 0, 64)`, as pflag parses an int flag (so
/// `-t 0x10` is 16 and `-t 010` is 8 in Docker's client).
pub fn parse_int(text: &str) -> Result<i64, &'static str> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = i128::from(parse_uint(body)?);
    i64::try_from(if negative { -magnitude } else { magnitude }).map_err(|_| "value out of range")
}

/// Docker's sizes (go-units HumanSize): three significant digits, decimal.
pub fn human_size(bytes: f64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut size = bytes;
    let mut unit = 0;
    while size >= 1000.0 && unit + 1 < units.len() {
        size /= 1000.0;
        unit += 1;
    }
    let text = format!("{size:.3}");
    let digits = if size >= 100.0 {
        0
    } else if size >= 10.0 {
        1
    } else {
        2
    };
    let mut text = format!("{:.*}", digits, text.parse::<f64>().unwrap_or(size));
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{text}{}", units[unit])
}

/// A time as Docker's `GetTimestamp` reads `--since`, `--until` and
/// `until=`: a Go duration before `now_ns` (`10m`, `1h30m`; whole seconds,
/// as Docker truncates it), Unix seconds with an optional fraction, or a
/// date `2006-01-02`, optionally `T15`, `:04`, `:05`, a fraction, and `Z`
/// or `+07:00` (UTC without one, this machine's zone). Nanoseconds since
/// the epoch, in integers so a timestamp `logs -t` printed compares exact.
pub fn docker_time_ns(v: &str, now_ns: i128) -> Result<i128, String> {
    let bad = || format!("failed to parse value as time or duration: \"{v}\"");
    if v != "0" {
        if let Some(d) = go_duration_ns(v) {
            let t = now_ns - d;
            return Ok(t.div_euclid(1_000_000_000) * 1_000_000_000);
        }
    }
    if let Some(t) = date_ns(v) {
        return Ok(t);
    }
    let (secs, frac) = v.split_once('.').unwrap_or((v, ""));
    match (secs.parse::<i64>(), fraction_ns(frac)) {
        (Ok(s), Some(ns)) if !secs.starts_with(['+', '-']) => {
            Ok(i128::from(s) * 1_000_000_000 + ns)
        }
        _ => Err(bad()),
    }
}

/// Digits after a decimal point as nanoseconds (at most nine count).
fn fraction_ns(digits: &str) -> Option<i128> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut ns: i128 = 0;
    for i in 0..9 {
        ns = ns * 10 + digits.as_bytes().get(i).map_or(0, |b| i128::from(b - b'0'));
    }
    Some(ns)
}

/// Go's `time.ParseDuration` for the units Docker users write.
fn go_duration_ns(v: &str) -> Option<i128> {
    let mut rest = v;
    let mut total: i128 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (whole, frac) = rest[..num_len]
            .split_once('.')
            .unwrap_or((&rest[..num_len], ""));
        let whole: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let frac = fraction_ns(frac)?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale: i128 = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return None,
        };
        total += whole * scale + frac * scale / 1_000_000_000;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// `2006-01-02[T15[:04[:05[.999999999]]]][Z|±07:00]` in nanoseconds.
fn date_ns(v: &str) -> Option<i128> {
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let (date, rest) = v.split_at(v.find('T').unwrap_or(v.len()));
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let (mut secs_of_day, mut nanos, mut offset) = (0i64, 0i128, 0i64);
    if let Some(time) = rest.strip_prefix('T') {
        let (clock, zone) = match time.find(['Z', 'z', '+', '-']) {
            Some(i) => time.split_at(i),
            None => (time, ""),
        };
        let mut parts = clock.split(':');
        let h = num(parts.next()?)?;
        let min = parts.next().map_or(Some(0), num)?;
        let sec = match parts.next() {
            Some(s) => {
                let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
                nanos = fraction_ns(frac)?;
                num(whole)?
            }
            None => 0,
        };
        if parts.next().is_some() || h > 23 || min > 59 || sec > 60 {
            return None;
        }
        secs_of_day = h * 3600 + min * 60 + sec;
        offset = match zone {
            "" | "Z" | "z" => 0,
            z => {
                let sign = if z.starts_with('-') { -1 } else { 1 };
                let (oh, om) = z[1..].split_once(':')?;
                sign * (num(oh)? * 3600 + num(om)? * 60)
            }
        };
    } else if !rest.is_empty() {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(i128::from(days * 86_400 + secs_of_day - offset) * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    use super::docker_time_ns;

    #[test]
    fn times_as_docker_reads_since_until_and_until_filters() {
        let now = 1_800_000_000 * 1_000_000_000i128 + 700_000_000;
        // Durations count back from now, in whole seconds (GetTimestamp).
        assert_eq!(
            docker_time_ns("1h", now),
            Ok((1_800_000_000 - 3600) * 1_000_000_000)
        );
        assert_eq!(
            docker_time_ns("1h30m", now),
            Ok((1_800_000_000 - 5400) * 1_000_000_000)
        );
        assert_eq!(
            docker_time_ns("1.5s", now),
            Ok((1_800_000_000 - 1) * 1_000_000_000)
        );
        assert_eq!(
            docker_time_ns("1700000000", now),
            Ok(1_700_000_000_000_000_000)
        );
        assert_eq!(
            docker_time_ns("1700000000.25", now),
            Ok(1_700_000_000_250_000_000)
        );
        let secs = |s| docker_time_ns(s, now).unwrap() / 1_000_000_000;
        assert_eq!(secs("2026-12-01"), 1_796_083_200);
        assert_eq!(secs("2026-12-01T00:00:00"), 1_796_083_200);
        assert_eq!(secs("2026-12-01T01"), 1_796_083_200 + 3600);
        assert_eq!(secs("2026-12-01T01:30"), 1_796_083_200 + 5400);
        assert_eq!(secs("2026-12-01T01:00:00Z"), 1_796_083_200 + 3600);
        assert_eq!(secs("2026-12-01T01:00:00+01:00"), 1_796_083_200);
        // What `logs -t` printed comes back to the nanosecond.
        assert_eq!(
            docker_time_ns("2026-12-03T11:03:32.478525840Z", now),
            Ok(1_796_295_812_478_525_840)
        );
        for bad in ["bad", "", "-5", "2026-13-01"] {
            assert_eq!(
                docker_time_ns(bad, now).unwrap_err(),
                format!("failed to parse value as time or duration: \"{bad}\"")
            );
        }
    }

    use super::*;

    #[test]
    fn sizes_as_go_units_prints_them() {
        assert_eq!(human_size(0.0), "0B");
        assert_eq!(human_size(6.0), "6B");
        assert_eq!(human_size(1990000.0), "1.99MB");
        assert_eq!(human_size(1_234.0), "1.23kB");
    }

    #[test]
    fn quoting_is_gos_and_keeps_one_line() {
        assert_eq!(go_quote("a\nb"), r#""a\nb""#);
        assert_eq!(go_quote("a b"), r#""a b""#);
        assert_eq!(go_quote("/"), r#""/""#);
        assert_eq!(go_quote("q\"\\"), r#""q\"\\""#);
        assert_eq!(go_quote("\t\r\x00\x1b\x7f"), r#""\t\r\x00\x1b\x7f""#);
        assert_eq!(go_quote("é\u{a0}\u{2028}"), r#""é\u00a0\u2028""#);
        assert!(!go_quote("x\u{85}y").contains('\u{85}'));
    }

    #[test]
    fn errno_texts_in_c_and_go_words() {
        let e = |n| io::Error::from_raw_os_error(n);
        assert_eq!(strerror(&e(libc::ECONNREFUSED)), "Connection refused");
        assert_eq!(
            strerror(&e(libc::EAGAIN)),
            "Resource temporarily unavailable"
        );
        assert_eq!(strerror(&io::Error::other("no errno")), "no errno");
        assert_eq!(go_errno(&e(libc::EADDRINUSE)), "address already in use");
        assert_eq!(go_errno(&e(libc::EIO)), "input/output error");
        assert_eq!(go_errno(&e(libc::EDOTDOT)), "RFS specific error");
        assert_eq!(
            go_errno(&io::Error::from(io::ErrorKind::AddrInUse)),
            "address already in use"
        );
    }

    #[test]
    fn ints_parse_as_go_parses_them_with_base_zero() {
        assert_eq!(parse_int("0x10"), Ok(16));
        assert_eq!(parse_int("010"), Ok(8));
        assert_eq!(parse_int("0b11"), Ok(3));
        assert_eq!(parse_int("0o2"), Ok(2));
        assert_eq!(parse_int("1_0"), Ok(10));
        assert_eq!(parse_int("+3"), Ok(3));
        assert_eq!(parse_int("-0x1"), Ok(-1));
        assert_eq!(parse_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), Err("value out of range"));
        assert_eq!(parse_int("99999999999999999999"), Err("value out of range"));
        for bad in ["", " 2", "1.5", "abc", "0x", "1__0", "_1", "08", "--1"] {
            assert_eq!(parse_int(bad), Err("invalid syntax"), "{bad:?}");
        }
    }
}
