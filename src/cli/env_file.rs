//! `run --env-file FILE`: Docker's client reads it (`opts.ParseEnvFile`):
//! a `KEY=VALUE` a line, the value kept as written; a bare `KEY` takes the
//! client's own value, or is left out when unset; blank lines and `#`
//! comments are skipped, leading blanks too.

/// The file's variables, in order; Docker's words for a bad line.
pub fn parse(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<Vec<String>, String> {
    let mut vars = Vec::new();
    for line in text.lines() {
        let line = line.trim_start_matches([' ', '\t']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = match line.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (line, None),
        };
        if name.is_empty() {
            return Err(format!(
                "poorly formatted environment: no variable name on line '{line}'"
            ));
        }
        if name.contains([' ', '\t', '\n', '\u{b}', '\u{c}', '\r']) {
            return Err(format!(
                "poorly formatted environment: variable '{name}' contains whitespaces"
            ));
        }
        match value {
            Some(v) => vars.push(format!("{name}={v}")),
            None => vars.extend(lookup(name).map(|v| format!("{name}={v}"))),
        }
    }
    Ok(vars)
}

/// Every file's variables, files in order; a file that cannot be read in
/// Go's words (`open /x: no such file or directory`).
pub fn read_all(paths: &[String]) -> Result<Vec<String>, String> {
    let mut vars = Vec::new();
    for path in paths {
        let text = std::fs::read(path)
            .map_err(|e| format!("open {path}: {}", crate::gotext::go_errno(&e)))?;
        let text = String::from_utf8(text)
            .map_err(|_| format!("env file {path} contains invalid utf8 bytes"))?;
        vars.extend(parse(&text, |k| std::env::var(k).ok())?);
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_as_dockers_client_reads_them() {
        // As Docker 20.10.24 ran it (`env` in the container, with -e A=2
        // after the file): A=2, B= spaced , C=x=y, HOME from the client.
        let text = "# comment\n  A=1\nB= spaced \n\nHOME\nUNSET_X\nC=x=y\n";
        let lookup = |k: &str| (k == "HOME").then(|| "/root".to_string());
        assert_eq!(
            parse(text, lookup).unwrap(),
            ["A=1", "B= spaced ", "HOME=/root", "C=x=y"]
        );
    }

    #[test]
    fn bad_lines_get_dockers_words() {
        let none = |_: &str| None;
        assert_eq!(
            parse("BAD VAR=1\n", none).unwrap_err(),
            "poorly formatted environment: variable 'BAD VAR' contains whitespaces"
        );
        assert_eq!(
            parse("=x\n", none).unwrap_err(),
            "poorly formatted environment: no variable name on line '=x'"
        );
        assert_eq!(
            read_all(&["/nonexistent/env".to_string()]).unwrap_err(),
            "open /nonexistent/env: no such file or directory"
        );
    }
}
