//! Lesson files: a Markdown-like plain-text format an instructor can write
//! and review by eye (it also reads well rendered as Markdown), parsed by
//! hand with std and serde_json only.
//!
//! The format, for lesson writers, with every command and check kind:
//! `docs/writing-lessons.md`. Errors name the file and line, e.g.
//! lessons/x.md:12: unknown check `foo`.

use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub intro: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub title: String,
    pub narrative: String,
    pub command: Command,
    pub hint: Option<String>,
    /// Starts with the expected exit status (explicit, or 0 when the lesson
    /// gives none), so a runner needs no default of its own.
    pub checks: Vec<Check>,
    /// Where the step is in its file, for messages about it.
    pub lines: StepLines,
}

/// Line numbers (from 1) of a step's parts in its file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepLines {
    pub heading: usize,
    pub command: usize,
    /// One per check, in order; an implied `exit 0` has the command's line.
    pub checks: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// argv after "docker".
    Docker(Vec<String>),
    InContainer {
        container: String,
        argv: Vec<String>,
    },
    /// A command in the lab host's network namespace.
    LabHost(Vec<String>),
    /// `netlings topology`: the picture of the lab.
    Topology,
    /// `netlings trace -- ARGS`: a netlings command (`exec web wget ...`,
    /// `lab exec -- curl ...`) run while every interface is captured, then
    /// its flows hop by hop.
    Trace(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    ExitStatus(i32),
    /// Output means what the learner saw: stdout and stderr together.
    Contains(String),
    NotContains(String),
    /// A glob (`*`, `?`, `\` escapes); see [`output_matches`].
    Matches(String),
    /// The output parsed as JSON, at `path` (see [`json_path`]), equals `value`.
    JsonEquals {
        path: String,
        value: Value,
    },
    /// Container `from` can (expect) / cannot open TCP to `to` (name or IP).
    Reach {
        from: String,
        to: String,
        port: u16,
        expect: bool,
    },
    /// `name` resolves (expect) / does not resolve from container `from`.
    Resolves {
        name: String,
        from: String,
        expect: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// The lesson id of a file: its base name without `.md` and without a
/// leading `NN-` (the number only orders the files).
pub fn lesson_id(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.strip_suffix(".md").unwrap_or(base);
    let digits = stem.chars().take_while(|c| c.is_ascii_digit()).count();
    match stem[digits..].strip_prefix('-') {
        Some(rest) if digits > 0 && !rest.is_empty() => rest.to_string(),
        _ => stem.to_string(),
    }
}

/// A run of lines: a paragraph (consecutive non-blank lines) or a fenced block.
struct Block<'a> {
    line: usize,
    lines: Vec<&'a str>,
    fenced: bool,
}

fn is_fence(line: &str) -> bool {
    line.trim_start().starts_with("```")
}

/// Splits lines (numbered from `first`) into blocks; fences may hold blank lines.
fn blocks<'a>(
    lines: &[&'a str],
    first: usize,
    err: &dyn Fn(usize, String) -> ParseError,
) -> Result<Vec<Block<'a>>, ParseError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() {
            i += 1;
        } else if is_fence(line) {
            let start = i;
            i += 1;
            while i < lines.len() && !(is_fence(lines[i]) && lines[i].trim() == "```") {
                i += 1;
            }
            if i == lines.len() {
                return Err(err(first + start, "fenced block is never closed".into()));
            }
            i += 1;
            out.push(Block {
                line: first + start,
                lines: lines[start..i].iter().map(|l| l.trim_end()).collect(),
                fenced: true,
            });
        } else {
            let start = i;
            while i < lines.len() && !lines[i].trim().is_empty() && !is_fence(lines[i]) {
                i += 1;
            }
            out.push(Block {
                line: first + start,
                lines: lines[start..i].iter().map(|l| l.trim_end()).collect(),
                fenced: false,
            });
        }
    }
    Ok(out)
}

fn join_blocks(parts: &[String]) -> String {
    parts.join("\n\n")
}

/// Parses one lesson file. `file_name` is used for the id and in errors.
pub fn parse(file_name: &str, text: &str) -> Result<Lesson, ParseError> {
    let err = |line: usize, message: String| ParseError {
        file: file_name.to_string(),
        line,
        message,
    };
    let lines: Vec<&str> = text.lines().collect();

    // Headings outside fences split the file into title, intro and steps.
    let mut headings: Vec<(usize, u8)> = Vec::new(); // (index, level)
    let mut in_fence = false;
    for (i, line) in lines.iter().enumerate() {
        if is_fence(line) {
            // Any fence opens; only a bare one closes (as in `blocks`).
            in_fence = !in_fence || line.trim() != "```";
            continue;
        }
        if in_fence {
            continue;
        }
        if line.starts_with("## ") || line.trim_end() == "##" {
            headings.push((i, 2));
        } else if line.starts_with("# ") || line.trim_end() == "#" {
            headings.push((i, 1));
        }
    }

    let first = lines.iter().position(|l| !l.trim().is_empty());
    let Some(first) = first else {
        return Err(err(1, "empty lesson: it starts with `# Title`".into()));
    };
    if headings.first().map(|h| h.0) != Some(first) || headings[0].1 != 1 {
        return Err(err(first + 1, "a lesson starts with `# Title`".into()));
    }
    let title = lines[first][1..].trim().to_string();
    if title.is_empty() {
        return Err(err(first + 1, "the lesson title is empty".into()));
    }
    if let Some(&(i, _)) = headings[1..].iter().find(|h| h.1 == 1) {
        return Err(err(
            i + 1,
            "only one `# Title` per lesson; steps start with `## `".into(),
        ));
    }
    let steps_at: Vec<usize> = headings[1..].iter().map(|h| h.0).collect();
    let Some(&first_step) = steps_at.first() else {
        return Err(err(
            first + 1,
            "the lesson has no steps (each starts with `## Step title`)".into(),
        ));
    };

    let intro_blocks = blocks(&lines[first + 1..first_step], first + 2, &err)?;
    let mut intro = Vec::new();
    for b in &intro_blocks {
        if !b.fenced {
            check_stray_prompt(b, &err)?;
        }
        intro.push(b.lines.join("\n"));
    }

    let mut steps = Vec::new();
    for (k, &at) in steps_at.iter().enumerate() {
        let end = steps_at.get(k + 1).copied().unwrap_or(lines.len());
        steps.push(parse_step(&lines, at, end, &err)?);
    }

    Ok(Lesson {
        id: lesson_id(file_name),
        title,
        intro: join_blocks(&intro),
        steps,
    })
}

/// A `$ ` or `host$ ` line inside a narrative paragraph is almost surely a
/// command that lost its blank line; say so rather than show it as text.
fn check_stray_prompt(
    b: &Block,
    err: &dyn Fn(usize, String) -> ParseError,
) -> Result<(), ParseError> {
    for (j, l) in b.lines.iter().enumerate() {
        if l.starts_with("$ ") || l.starts_with("host$ ") {
            return Err(err(
                b.line + j,
                "a command line must start its own paragraph (blank line before it); \
                 to show a command without running it, put it in a ``` block"
                    .into(),
            ));
        }
    }
    Ok(())
}

fn parse_step(
    lines: &[&str],
    at: usize,
    end: usize,
    err: &dyn Fn(usize, String) -> ParseError,
) -> Result<Step, ParseError> {
    let heading_line = at + 1;
    let title = lines[at].trim_start_matches('#').trim().to_string();
    if title.is_empty() {
        return Err(err(heading_line, "the step title is empty".into()));
    }
    let mut narrative = Vec::new();
    let mut command: Option<Command> = None;
    let mut hint: Option<String> = None;
    let mut checks = Vec::new();
    let mut check_lines = Vec::new();
    let mut command_line = heading_line;

    for b in blocks(&lines[at + 1..end], at + 2, err)? {
        if b.fenced {
            if command.is_some() {
                return Err(err(
                    b.line,
                    "narrative goes before the command; after it come only checks and `Hint:`"
                        .into(),
                ));
            }
            narrative.push(b.lines.join("\n"));
            continue;
        }
        if let Some(rest) = b.lines[0].strip_prefix("Hint:") {
            if hint.is_some() {
                return Err(err(b.line, "a step has at most one `Hint:`".into()));
            }
            check_stray_prompt(&b, err)?;
            let mut text = vec![rest.trim()];
            text.extend(b.lines[1..].iter().map(|l| l.trim()));
            let text = text.join("\n").trim().to_string();
            if text.is_empty() {
                return Err(err(b.line, "the hint is empty".into()));
            }
            hint = Some(text);
            continue;
        }
        let mut rest_at = 0;
        if prompt_kind(b.lines[0]).is_some() {
            if command.is_some() {
                return Err(err(b.line, "a step has exactly one command".into()));
            }
            // Join `\` continuations, then parse.
            let mut text = b.lines[0].to_string();
            let mut j = 0;
            while text.ends_with('\\') {
                text.pop();
                j += 1;
                let Some(next) = b.lines.get(j) else {
                    return Err(err(
                        b.line + j - 1,
                        "the command continues (`\\`) past the end of its paragraph".into(),
                    ));
                };
                text.push(' ');
                text.push_str(next.trim());
            }
            command = Some(parse_command(&text).map_err(|m| err(b.line, m))?);
            command_line = b.line;
            rest_at = j + 1;
        } else if command.is_none() {
            check_stray_prompt(&b, err)?;
            narrative.push(b.lines.join("\n"));
            continue;
        }
        for (j, l) in b.lines.iter().enumerate().skip(rest_at) {
            let n = b.line + j;
            let Some(spec) = l.strip_prefix("- ") else {
                return Err(err(
                    n,
                    "after the command a step has only checks (`- ...`) and a `Hint:`".into(),
                ));
            };
            checks.push(parse_check(spec.trim()).map_err(|m| err(n, m))?);
            check_lines.push(n);
        }
    }

    let Some(command) = command else {
        return Err(err(
            heading_line,
            format!("step `{title}` has no command (`$ docker ...`, `NAME# ...`, `host$ ...`)"),
        ));
    };
    if checks.is_empty() {
        return Err(err(
            heading_line,
            format!("step `{title}` has no checks (`- exit 0`, `- contains \"...\"`, ...)"),
        ));
    }
    if !checks.iter().any(|c| matches!(c, Check::ExitStatus(_))) {
        checks.insert(0, Check::ExitStatus(0));
        check_lines.insert(0, command_line);
    }
    Ok(Step {
        title,
        narrative: join_blocks(&narrative),
        command,
        hint,
        checks,
        lines: StepLines {
            heading: heading_line,
            command: command_line,
            checks: check_lines,
        },
    })
}

enum Prompt<'a> {
    Dollar(&'a str),
    Host(&'a str),
    Container(&'a str, &'a str),
}

/// Docker's rule for container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
fn is_container_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn prompt_kind(line: &str) -> Option<Prompt<'_>> {
    if let Some(rest) = line.strip_prefix("$ ") {
        return Some(Prompt::Dollar(rest));
    }
    if line == "$" {
        return Some(Prompt::Dollar(""));
    }
    if let Some(rest) = line.strip_prefix("host$ ") {
        return Some(Prompt::Host(rest));
    }
    if line == "host$" {
        return Some(Prompt::Host(""));
    }
    let (name, rest) = line.split_once('#')?;
    if is_container_name(name) && (rest.is_empty() || rest.starts_with(' ')) {
        return Some(Prompt::Container(name, rest));
    }
    None
}

/// Whether a line is a command (`$ `, `host$ `, `NAME# `).
pub fn is_command_line(line: &str) -> bool {
    prompt_kind(line).is_some()
}

/// A command line (see [`is_command_line`]) as a command.
pub fn parse_command(line: &str) -> Result<Command, String> {
    match prompt_kind(line).expect("caller checked the prompt") {
        Prompt::Dollar(rest) => {
            let argv = split_command_line(rest)?;
            match argv.first().map(String::as_str) {
                Some("docker") => {
                    if argv.len() == 1 {
                        return Err("`$ docker` needs a subcommand".into());
                    }
                    Ok(Command::Docker(argv[1..].to_vec()))
                }
                Some("netlings") if argv[1..] == ["topology"] => Ok(Command::Topology),
                Some("netlings") if argv.get(1..3) == Some(&["trace".into(), "--".into()]) => {
                    if argv.len() == 3 {
                        return Err("`$ netlings trace --` needs a command to trace".into());
                    }
                    Ok(Command::Trace(argv[3..].to_vec()))
                }
                None => Err("empty command after `$`".into()),
                Some(_) => Err(format!(
                    "a `$` line runs `docker ...`, `netlings topology` or `netlings trace -- ...`, not `{}`; \
                     use `host$ ...` for a command on the lab host",
                    argv[0]
                )),
            }
        }
        Prompt::Host(rest) => {
            let argv = split_command_line(rest)?;
            if argv.is_empty() {
                return Err("empty command after `host$`".into());
            }
            Ok(Command::LabHost(argv))
        }
        Prompt::Container(name, rest) => {
            let argv = split_command_line(rest)?;
            if argv.is_empty() {
                return Err(format!("empty command after `{name}#`"));
            }
            Ok(Command::InContainer {
                container: name.to_string(),
                argv,
            })
        }
    }
}

/// Splits a command line into words like a POSIX shell: `'...'` is literal,
/// `"..."` honours `\"`, `\\`, `\$` and `` \` ``, a bare `\` escapes the next
/// character. Nothing is expanded. Unquoted `| ; & < >` and backquotes are
/// refused: no shell runs the line, so they would not do what they look like.
pub fn split_command_line(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            Some(e) => {
                                cur.push('\\');
                                cur.push(e);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(c) => cur.push(c),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some(e) => {
                    in_word = true;
                    cur.push(e);
                }
                None => return Err("a trailing `\\` escapes nothing".into()),
            },
            '|' | ';' | '&' | '<' | '>' | '`' => {
                return Err(format!(
                    "unquoted `{c}`: lesson commands do not go through a shell; \
                     quote it, use `sh -c \"...\"`, or split the step"
                ));
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Quotes a word so that [`split_command_line`] (and a shell) gives it back:
/// bare when safe, else in double quotes as tutorials write them, else in
/// single quotes.
pub fn quote_word(w: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c);
    if !w.is_empty() && w.chars().all(safe) {
        w.to_string()
    } else if !w.contains(['"', '\\', '$', '`']) {
        format!("\"{w}\"")
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

fn join_words(argv: &[String]) -> String {
    argv.iter()
        .map(|w| quote_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The command as the learner sees it. `container_prompt` gives the prompt
/// of a container, `#` included, e.g. `root@4b534320a1b2:/var/www/html#`.
pub fn render_command(cmd: &Command, container_prompt: impl Fn(&str) -> String) -> String {
    match cmd {
        Command::Docker(argv) => format!("$ docker {}", join_words(argv)),
        Command::InContainer { container, argv } => {
            format!("{} {}", container_prompt(container), join_words(argv))
        }
        Command::LabHost(argv) => format!("lab-host$ {}", join_words(argv)),
        Command::Topology => "$ netlings topology".to_string(),
        Command::Trace(argv) => format!("$ netlings trace -- {}", join_words(argv)),
    }
}

/// The lesson-file spelling of a command.
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Docker(argv) => write!(f, "$ docker {}", join_words(argv)),
            Command::InContainer { container, argv } => {
                write!(f, "{container}# {}", join_words(argv))
            }
            Command::LabHost(argv) => write!(f, "host$ {}", join_words(argv)),
            Command::Topology => f.write_str("$ netlings topology"),
            Command::Trace(argv) => write!(f, "$ netlings trace -- {}", join_words(argv)),
        }
    }
}

/// A quoted check argument: `"..."` with `\"`, `\\`, `\t`, `\n`. Returns the
/// text and what follows the closing quote.
fn parse_quoted(s: &str) -> Result<(String, &str), String> {
    let Some(body) = s.strip_prefix('"') else {
        return Err(format!("expected a quoted \"text\", found `{s}`"));
    };
    let mut out = String::new();
    let mut it = body.char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => match it.next() {
                Some((_, 't')) => out.push('\t'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                // Other escapes stay as written, so `\*` reaches the glob.
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("unterminated quoted text".into())
}

fn only_quoted(keyword: &str, rest: &str) -> Result<String, String> {
    if rest.is_empty() {
        return Err(format!("`{keyword}` needs a quoted \"text\""));
    }
    let (text, after) = parse_quoted(rest)?;
    if !after.trim().is_empty() {
        return Err(format!(
            "unexpected `{}` after the quoted text",
            after.trim()
        ));
    }
    Ok(text)
}

fn quote_check_text(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            // A backslash before an ordinary character reads back as itself.
            '\\' => match chars.peek() {
                Some('"' | '\\' | 't' | 'n') | None => out.push_str("\\\\"),
                Some(_) => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A check as written after `- `.
pub fn parse_check(spec: &str) -> Result<Check, String> {
    let (keyword, rest) = match spec.split_once(char::is_whitespace) {
        Some((k, r)) => (k, r.trim()),
        None => (spec, ""),
    };
    match keyword {
        "exit" => {
            let n = rest.strip_prefix("status").map(str::trim).unwrap_or(rest);
            n.parse::<i32>()
                .map(Check::ExitStatus)
                .map_err(|_| format!("`exit` needs a number, e.g. `exit 0`, not `{rest}`"))
        }
        "contains" => only_quoted(keyword, rest).map(Check::Contains),
        "not-contains" => only_quoted(keyword, rest).map(Check::NotContains),
        "matches" => only_quoted(keyword, rest).map(Check::Matches),
        "json" => parse_json_check(rest),
        "reach" | "no-reach" => {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let usage = || format!("expected `{keyword} A -> B:PORT`");
            let [from, "->", target] = words[..] else {
                return Err(usage());
            };
            let (to, port) = target.rsplit_once(':').ok_or_else(usage)?;
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("`{port}` is not a TCP port (1-65535)"))?;
            if to.is_empty() {
                return Err(usage());
            }
            Ok(Check::Reach {
                from: from.to_string(),
                to: to.to_string(),
                port,
                expect: keyword == "reach",
            })
        }
        "resolves" | "not-resolves" => {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let [name, "from", from] = words[..] else {
                return Err(format!("expected `{keyword} NAME from CONTAINER`"));
            };
            Ok(Check::Resolves {
                name: name.to_string(),
                from: from.to_string(),
                expect: keyword == "resolves",
            })
        }
        _ => Err(format!("unknown check `{keyword}`")),
    }
}

fn parse_json_check(rest: &str) -> Result<Check, String> {
    let usage = "expected `json PATH == VALUE`, e.g. `json [0].Name == \"bridge\"`";
    // The path ends at the first space outside `["..."]`.
    let mut end = rest.len();
    let mut in_quote = false;
    let mut prev = '\0';
    for (i, c) in rest.char_indices() {
        match c {
            '"' if prev != '\\' => in_quote = !in_quote,
            c if c.is_whitespace() && !in_quote => {
                end = i;
                break;
            }
            _ => {}
        }
        prev = c;
    }
    let path = &rest[..end];
    let Some(value) = rest[end..].trim_start().strip_prefix("==") else {
        return Err(usage.into());
    };
    if path.is_empty() {
        return Err(usage.into());
    }
    parse_json_path(path).map_err(|e| format!("bad JSON path `{path}`: {e}"))?;
    let value = value.trim();
    let value: Value = serde_json::from_str(value)
        .map_err(|_| format!("`{value}` is not a JSON value (strings need quotes: \"text\")"))?;
    Ok(Check::JsonEquals {
        path: path.to_string(),
        value,
    })
}

/// The lesson-file spelling of a check, without the leading `- `.
impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::ExitStatus(n) => write!(f, "exit {n}"),
            Check::Contains(s) => write!(f, "contains {}", quote_check_text(s)),
            Check::NotContains(s) => write!(f, "not-contains {}", quote_check_text(s)),
            Check::Matches(s) => write!(f, "matches {}", quote_check_text(s)),
            Check::JsonEquals { path, value } => write!(f, "json {path} == {value}"),
            Check::Reach {
                from,
                to,
                port,
                expect,
            } => {
                let kw = if *expect { "reach" } else { "no-reach" };
                write!(f, "{kw} {from} -> {to}:{port}")
            }
            Check::Resolves { name, from, expect } => {
                let kw = if *expect { "resolves" } else { "not-resolves" };
                write!(f, "{kw} {name} from {from}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
    /// `[Field=value]`: the first element (or member) whose Field is value.
    Where(String, String),
}

/// Path syntax: `.Key`, `Key`, `[N]`, `["any key"]`, `[Field=value]`,
/// chained, e.g. `[0].IPAM.Config[0].Subnet`,
/// `[0].Options["com.docker.network.bridge.name"]` or
/// `[0].Containers[Name=flappy].IPv4Address`. The empty path (or `.`) is
/// the whole value.
fn parse_json_path(path: &str) -> Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    if path == "." {
        return Ok(segs);
    }
    // jq's `.[0]` spelling is accepted at the start.
    let path = path.strip_prefix(".[").map_or(path, |_| &path[1..]);
    let b = path.as_bytes();
    let mut i = 0;
    let mut first = true;
    while i < b.len() {
        match b[i] {
            b'[' => {
                let close = path[i..]
                    .find(']')
                    .map(|j| i + j)
                    .ok_or("`[` without `]`")?;
                if b[i + 1] == b'"' {
                    let (key, after) = parse_quoted(&path[i + 1..])?;
                    let after_at = path.len() - after.len();
                    if !after.starts_with(']') {
                        return Err("expected `]` after the quoted key".into());
                    }
                    segs.push(Seg::Key(key));
                    i = after_at + 1;
                } else if let Some(eq) = path[i..close].find('=').map(|j| i + j) {
                    let field = &path[i + 1..eq];
                    if field.is_empty() {
                        return Err("`[=...]` needs a field name".into());
                    }
                    let (value, end) = if b[eq + 1] == b'"' {
                        let (v, after) = parse_quoted(&path[eq + 1..])?;
                        if !after.starts_with(']') {
                            return Err("expected `]` after the quoted value".into());
                        }
                        (v, path.len() - after.len())
                    } else {
                        (path[eq + 1..close].to_string(), close)
                    };
                    segs.push(Seg::Where(field.to_string(), value));
                    i = end + 1;
                } else {
                    let n = &path[i + 1..close];
                    let n = n
                        .parse::<usize>()
                        .map_err(|_| format!("`[{n}]` is not an index"))?;
                    segs.push(Seg::Index(n));
                    i = close + 1;
                }
            }
            c => {
                if c == b'.' {
                    i += 1;
                } else if !first {
                    return Err(format!("expected `.` or `[` at `{}`", &path[i..]));
                }
                let end = path[i..]
                    .find(['.', '['])
                    .map(|j| i + j)
                    .unwrap_or(path.len());
                if end == i {
                    return Err("empty key".into());
                }
                segs.push(Seg::Key(path[i..end].to_string()));
                i = end;
            }
        }
        first = false;
    }
    Ok(segs)
}

/// Follows `path` into `value`. On an object, `[N]` is its N-th member in
/// document order (Docker's own order) and `[Field=value]` its first
/// member whose `Field` is `value`: that is how a lesson reaches into maps
/// keyed by ids it does not know, such as `Containers`. The value compares
/// with a string field as text, with any other field as JSON (`[Port=80]`).
pub fn json_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let segs = parse_json_path(path).ok()?;
    let mut v = value;
    for s in segs {
        v = match (s, v) {
            (Seg::Key(k), Value::Object(m)) => m.get(&k)?,
            (Seg::Index(n), Value::Array(a)) => a.get(n)?,
            (Seg::Index(n), Value::Object(m)) => m.values().nth(n)?,
            (Seg::Where(f, want), Value::Array(a)) => a.iter().find(|e| field_is(e, &f, &want))?,
            (Seg::Where(f, want), Value::Object(m)) => {
                m.values().find(|e| field_is(e, &f, &want))?
            }
            _ => return None,
        };
    }
    Some(v)
}

fn field_is(v: &Value, field: &str, want: &str) -> bool {
    match v.get(field) {
        Some(Value::String(s)) => s == want,
        Some(other) => serde_json::from_str::<Value>(want).ok().as_ref() == Some(other),
        None => false,
    }
}

/// Whole-string glob: `*` any run of characters, `?` one character, `\x`
/// the character x.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Star,
        One,
        Lit(char),
    }
    let mut toks = Vec::new();
    let mut it = pattern.chars();
    while let Some(c) = it.next() {
        toks.push(match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            '\\' => Tok::Lit(it.next().unwrap_or('\\')),
            c => Tok::Lit(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // Greedy with one backtrack point: linear enough for lesson outputs.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::Star) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Tok::One) => {
                p += 1;
                t += 1;
            }
            Some(Tok::Lit(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|t| *t == Tok::Star)
}

/// What `matches "GLOB"` means: some line of the output matches the glob
/// whole. A pattern with `\n` in it matches that many consecutive lines, one
/// pattern line each (to check order, e.g. in /etc/hosts).
pub fn output_matches(pattern: &str, output: &str) -> bool {
    let pats: Vec<&str> = pattern.split('\n').collect();
    let lines: Vec<&str> = output.lines().collect();
    if lines.len() < pats.len() {
        return false;
    }
    (0..=lines.len() - pats.len())
        .any(|i| pats.iter().zip(&lines[i..]).all(|(p, l)| glob_match(p, l)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    fn parse_err(text: &str) -> ParseError {
        parse("lessons/x.md", text).expect_err("should not parse")
    }

    const FULL: &str = "\
# The default bridge

First intro paragraph,
on two lines.

```text
$ shown, never run
```

## Run flappy

Narrative one.

- a narrative bullet

$ docker run -d -p 80:80 \\
    --name=flappy quay.io/purplebooth/flappy-endpoint
- contains \"\"

Hint: is port 80 free?
Stop whatever holds it.

## Look inside

flappy# cat /etc/hosts

- exit 0
- contains \"172.17.0.2\\t\"
- not-contains \"nope\"
- matches \"172.17.0.?\\t*\"
- json [0].IPAM.Config[0].Subnet == \"172.17.0.0/16\"
- reach ssl-term -> flappy:80
- no-reach ssl-term -> 172.19.0.2:80
- resolves flappy from ssl-term
- not-resolves flappy from other

## From the host

host$ curl -s http://172.17.0.2/
- exit 7

## Picture

$ netlings topology
- contains \"bridge\"
";

    #[test]
    fn parses_every_construct() {
        let l = parse("lessons/01-default-bridge.md", FULL).unwrap();
        assert_eq!(l.id, "default-bridge");
        assert_eq!(l.title, "The default bridge");
        assert_eq!(
            l.steps[0].lines,
            StepLines {
                heading: 10,
                command: 16,
                checks: vec![16, 18],
            }
        );
        assert_eq!(l.steps[1].lines.command, 25);
        assert_eq!(l.steps[1].lines.checks, (27..=35).collect::<Vec<_>>());
        assert_eq!(
            l.intro,
            "First intro paragraph,\non two lines.\n\n```text\n$ shown, never run\n```"
        );
        assert_eq!(l.steps.len(), 4);

        let s = &l.steps[0];
        assert_eq!(s.title, "Run flappy");
        assert_eq!(s.narrative, "Narrative one.\n\n- a narrative bullet");
        assert_eq!(
            s.command,
            Command::Docker(words(&[
                "run",
                "-d",
                "-p",
                "80:80",
                "--name=flappy",
                "quay.io/purplebooth/flappy-endpoint"
            ]))
        );
        assert_eq!(
            s.hint.as_deref(),
            Some("is port 80 free?\nStop whatever holds it.")
        );
        // The implicit exit 0 comes first.
        assert_eq!(
            s.checks,
            vec![Check::ExitStatus(0), Check::Contains(String::new())]
        );

        let s = &l.steps[1];
        assert_eq!(s.narrative, "");
        assert_eq!(s.hint, None);
        assert_eq!(
            s.command,
            Command::InContainer {
                container: "flappy".into(),
                argv: words(&["cat", "/etc/hosts"])
            }
        );
        assert_eq!(
            s.checks,
            vec![
                Check::ExitStatus(0),
                Check::Contains("172.17.0.2\t".into()),
                Check::NotContains("nope".into()),
                Check::Matches("172.17.0.?\t*".into()),
                Check::JsonEquals {
                    path: "[0].IPAM.Config[0].Subnet".into(),
                    value: json!("172.17.0.0/16")
                },
                Check::Reach {
                    from: "ssl-term".into(),
                    to: "flappy".into(),
                    port: 80,
                    expect: true
                },
                Check::Reach {
                    from: "ssl-term".into(),
                    to: "172.19.0.2".into(),
                    port: 80,
                    expect: false
                },
                Check::Resolves {
                    name: "flappy".into(),
                    from: "ssl-term".into(),
                    expect: true
                },
                Check::Resolves {
                    name: "flappy".into(),
                    from: "other".into(),
                    expect: false
                },
            ]
        );

        let s = &l.steps[2];
        assert_eq!(
            s.command,
            Command::LabHost(words(&["curl", "-s", "http://172.17.0.2/"]))
        );
        // An explicit exit status replaces the implicit one.
        assert_eq!(s.checks, vec![Check::ExitStatus(7)]);

        assert_eq!(l.steps[3].command, Command::Topology);
    }

    #[test]
    fn check_spellings_and_values() {
        assert_eq!(parse_check("exit status 125"), Ok(Check::ExitStatus(125)));
        assert_eq!(parse_check("exit -1"), Ok(Check::ExitStatus(-1)));
        assert_eq!(
            parse_check("json [0].Containers[0].Name == \"flappy\""),
            Ok(Check::JsonEquals {
                path: "[0].Containers[0].Name".into(),
                value: json!("flappy")
            })
        );
        assert_eq!(
            parse_check("json [0].Options[\"com.docker.network.bridge.name\"] == \"docker0\""),
            Ok(Check::JsonEquals {
                path: "[0].Options[\"com.docker.network.bridge.name\"]".into(),
                value: json!("docker0")
            })
        );
        assert_eq!(
            parse_check("json [\"a b\"] == {\"x\": [1, null, true]}"),
            Ok(Check::JsonEquals {
                path: "[\"a b\"]".into(),
                value: json!({"x": [1, null, true]})
            })
        );
        assert_eq!(
            parse_check("json .Links == null"),
            Ok(Check::JsonEquals {
                path: ".Links".into(),
                value: Value::Null
            })
        );
        assert_eq!(
            parse_check("contains \"say \\\"hi\\\" \\\\ \\n\""),
            Ok(Check::Contains("say \"hi\" \\ \n".into()))
        );
        assert_eq!(
            parse_check("matches \"a\\*b\""),
            Ok(Check::Matches("a\\*b".into()))
        );
    }

    #[test]
    fn checks_display_in_lesson_syntax_and_read_back() {
        let l = parse("x.md", FULL).unwrap();
        for step in &l.steps {
            for c in &step.checks {
                let text = c.to_string();
                assert_eq!(parse_check(&text).as_ref(), Ok(c), "{text}");
            }
            let shown = step.command.to_string();
            assert_eq!(parse_command(&shown), Ok(step.command.clone()), "{shown}");
        }
        assert_eq!(
            Check::Contains("a\tb\"c\\".into()).to_string(),
            "contains \"a\\tb\\\"c\\\\\""
        );
        assert_eq!(
            Check::Matches("x\\*".into()).to_string(),
            "matches \"x\\*\""
        );
    }

    #[test]
    fn check_errors() {
        let cases = [
            ("foo bar", "unknown check `foo`"),
            ("exit", "`exit` needs a number, e.g. `exit 0`, not ``"),
            (
                "exit zero",
                "`exit` needs a number, e.g. `exit 0`, not `zero`",
            ),
            ("contains", "`contains` needs a quoted \"text\""),
            ("contains text", "expected a quoted \"text\", found `text`"),
            ("contains \"open", "unterminated quoted text"),
            ("contains \"a\" b", "unexpected `b` after the quoted text"),
            ("reach a b:80", "expected `reach A -> B:PORT`"),
            ("reach a -> b", "expected `reach A -> B:PORT`"),
            ("no-reach a -> b:0", "`0` is not a TCP port (1-65535)"),
            ("reach a -> b:70000", "`70000` is not a TCP port (1-65535)"),
            ("resolves x", "expected `resolves NAME from CONTAINER`"),
            (
                "not-resolves x to y",
                "expected `not-resolves NAME from CONTAINER`",
            ),
            (
                "json [0].Name",
                "expected `json PATH == VALUE`, e.g. `json [0].Name == \"bridge\"`",
            ),
            (
                "json [0].Name == bridge",
                "`bridge` is not a JSON value (strings need quotes: \"text\")",
            ),
            (
                "json [x] == 1",
                "bad JSON path `[x]`: `[x]` is not an index",
            ),
            ("json a..b == 1", "bad JSON path `a..b`: empty key"),
            ("json [0 == 1", "bad JSON path `[0`: `[` without `]`"),
            (
                "json [=x] == 1",
                "bad JSON path `[=x]`: `[=...]` needs a field name",
            ),
            (
                "json [Name=\"x\"y] == 1",
                "bad JSON path `[Name=\"x\"y]`: expected `]` after the quoted value",
            ),
        ];
        for (spec, want) in cases {
            assert_eq!(parse_check(spec), Err(want.to_string()), "{spec}");
        }
    }

    #[test]
    fn errors_carry_file_and_line() {
        let e = parse_err("# T\n\n## S\n\n$ docker ps\n- foo\n");
        assert_eq!(e.to_string(), "lessons/x.md:6: unknown check `foo`");
        assert_eq!((e.line, e.file.as_str()), (6, "lessons/x.md"));

        let cases: &[(&str, usize, &str)] = &[
            ("", 1, "empty lesson: it starts with `# Title`"),
            ("\n\nintro\n# T\n", 3, "a lesson starts with `# Title`"),
            ("## S\n", 1, "a lesson starts with `# Title`"),
            (
                "#\n## S\n$ docker ps\n- exit 0\n",
                1,
                "the lesson title is empty",
            ),
            (
                "# T\n\nintro\n",
                1,
                "the lesson has no steps (each starts with `## Step title`)",
            ),
            (
                "# T\n## S\n$ docker ps\n- exit 0\n# U\n",
                5,
                "only one `# Title` per lesson; steps start with `## `",
            ),
            (
                "# T\n##\n$ docker ps\n- exit 0\n",
                2,
                "the step title is empty",
            ),
            (
                "# T\n\n## S\n\ntext\n",
                3,
                "step `S` has no command (`$ docker ...`, `NAME# ...`, `host$ ...`)",
            ),
            (
                "# T\n## S\n$ docker ps\n",
                2,
                "step `S` has no checks (`- exit 0`, `- contains \"...\"`, ...)",
            ),
            (
                "# T\n## S\n$ docker ps\n\n$ docker ps\n- exit 0\n",
                5,
                "a step has exactly one command",
            ),
            (
                "# T\n## S\n$ docker ps\n- exit 0\n\nMore words.\n",
                6,
                "after the command a step has only checks (`- ...`) and a `Hint:`",
            ),
            (
                "# T\n## S\n$ docker ps\nmore\n",
                4,
                "after the command a step has only checks (`- ...`) and a `Hint:`",
            ),
            (
                "# T\n## S\n$ docker ps\n- exit 0\n\n```\nx\n```\n",
                6,
                "narrative goes before the command; after it come only checks and `Hint:`",
            ),
            (
                "# T\n## S\n```\nnever closed\n",
                3,
                "fenced block is never closed",
            ),
            (
                "# T\n## S\nHint: a\n\nHint: b\n$ docker ps\n- exit 0\n",
                5,
                "a step has at most one `Hint:`",
            ),
            (
                "# T\n## S\nHint:\n\n$ docker ps\n- exit 0\n",
                3,
                "the hint is empty",
            ),
            (
                "# T\n## S\nHint: try\n$ docker ps\n- exit 0\n",
                4,
                "a command line must start its own paragraph (blank line before it); \
                 to show a command without running it, put it in a ``` block",
            ),
            (
                "# T\n## S\nRun this:\n$ docker ps\n- exit 0\n",
                4,
                "a command line must start its own paragraph (blank line before it); \
                 to show a command without running it, put it in a ``` block",
            ),
            (
                "# T\n## S\n$ docker run \\\n",
                3,
                "the command continues (`\\`) past the end of its paragraph",
            ),
            (
                "# T\n## S\n$ ls -l\n- exit 0\n",
                3,
                "a `$` line runs `docker ...`, `netlings topology` or `netlings trace -- ...`, not `ls`; \
                 use `host$ ...` for a command on the lab host",
            ),
            (
                "# T\n## S\n$ docker\n- exit 0\n",
                3,
                "`$ docker` needs a subcommand",
            ),
            ("# T\n## S\n$\n- exit 0\n", 3, "empty command after `$`"),
            (
                "# T\n## S\nhost$\n- exit 0\n",
                3,
                "empty command after `host$`",
            ),
            (
                "# T\n## S\nweb#\n- exit 0\n",
                3,
                "empty command after `web#`",
            ),
            (
                "# T\n## S\nweb# echo 'x\n- exit 0\n",
                3,
                "unterminated single quote",
            ),
            (
                "# T\n## S\n$ docker ps | grep x\n- exit 0\n",
                3,
                "unquoted `|`: lesson commands do not go through a shell; \
                 quote it, use `sh -c \"...\"`, or split the step",
            ),
            (
                "# T\n## S\n$ docker ps\n- exit 0\n\n## S2\n\n$ docker ps\n- exit x\n",
                9,
                "`exit` needs a number, e.g. `exit 0`, not `x`",
            ),
        ];
        for (text, line, msg) in cases {
            let e = parse_err(text);
            assert_eq!((e.line, e.message.as_str()), (*line, *msg), "{text:?}");
        }
    }

    #[test]
    fn fences_hide_headings_and_prompts() {
        let text = "# T\n\n## S\n\n```\n## not a step\n# not a title\n$ docker not run\n\nstill fenced\n```\n\n$ docker ps\n- exit 0\n";
        let l = parse("t.md", text).unwrap();
        assert_eq!(l.steps.len(), 1);
        assert_eq!(
            l.steps[0].narrative,
            "```\n## not a step\n# not a title\n$ docker not run\n\nstill fenced\n```"
        );
        assert_eq!(l.steps[0].command, Command::Docker(words(&["ps"])));
    }

    #[test]
    fn prompts_and_container_names() {
        let c = parse_command("web.1_a-b# ip route").unwrap();
        assert_eq!(
            c,
            Command::InContainer {
                container: "web.1_a-b".into(),
                argv: words(&["ip", "route"])
            }
        );
        // Not a prompt: the name is not a container name, or no space follows.
        assert!(prompt_kind("-x# ls").is_none());
        assert!(prompt_kind("C#is").is_none());
        assert!(prompt_kind("a b# ls").is_none());
        assert!(prompt_kind("$docker").is_none());
        assert_eq!(
            parse_command("$ netlings topology extra"),
            Err(
                "a `$` line runs `docker ...`, `netlings topology` or `netlings trace -- ...`, not `netlings`; \
                 use `host$ ...` for a command on the lab host"
                    .into()
            )
        );
    }

    #[test]
    fn lesson_ids() {
        assert_eq!(
            lesson_id("lessons/03-private-gateway.md"),
            "private-gateway"
        );
        assert_eq!(lesson_id("port-mapping.md"), "port-mapping");
        assert_eq!(lesson_id("a\\b\\12-x.md"), "x");
        assert_eq!(lesson_id("2024.md"), "2024");
        assert_eq!(lesson_id("12-.md"), "12-");
        assert_eq!(lesson_id("noext"), "noext");
    }

    #[test]
    fn splitting_like_a_shell() {
        let ok = |s: &str, want: &[&str]| assert_eq!(split_command_line(s), Ok(words(want)), "{s}");
        ok("", &[]);
        ok("  a   b\tc ", &["a", "b", "c"]);
        ok(
            "inspect -f \"{{ .HostConfig.Links }}\" web",
            &["inspect", "-f", "{{ .HostConfig.Links }}", "web"],
        );
        ok(
            "sh -c 'echo $HOME | cat'",
            &["sh", "-c", "echo $HOME | cat"],
        );
        ok("a\\ b", &["a b"]);
        ok("\"\" ''", &["", ""]);
        ok("pre'mid'\"post\"", &["premidpost"]);
        ok("\"a\\\"b\\\\c\\$d\\x\"", &["a\"b\\c$d\\x"]);
        ok("'it'\\''s'", &["it's"]);
        ok("\\|", &["|"]);
        ok("\"a && b\"", &["a && b"]);
        ok("-p 127.0.0.1::5000/udp", &["-p", "127.0.0.1::5000/udp"]);
        let err = |s: &str, want: &str| assert_eq!(split_command_line(s), Err(want.into()), "{s}");
        err("'open", "unterminated single quote");
        err("\"open", "unterminated double quote");
        err("\"open\\", "unterminated double quote");
        err("x \\", "a trailing `\\` escapes nothing");
        for op in ["a;b", "a && b", "a > f", "a < f", "`x`"] {
            assert!(
                split_command_line(op)
                    .unwrap_err()
                    .starts_with("unquoted `"),
                "{op}"
            );
        }
    }

    #[test]
    fn quoting_reads_back() {
        for w in [
            "plain",
            "",
            "two words",
            "{{ .HostConfig.Links }}",
            "it's",
            "a\"b",
            "$HOME",
            "x\\y",
            "a'b\"c",
            "*",
            "tab\there",
        ] {
            let q = quote_word(w);
            assert_eq!(
                split_command_line(&q),
                Ok(vec![w.to_string()]),
                "{w} -> {q}"
            );
        }
        assert_eq!(
            quote_word("{{ .HostConfig.Links }}"),
            "\"{{ .HostConfig.Links }}\""
        );
        assert_eq!(quote_word("echo $HOME"), "'echo $HOME'");
        assert_eq!(
            quote_word("-p=127.0.0.1:80:5000/udp"),
            "-p=127.0.0.1:80:5000/udp"
        );
    }

    #[test]
    fn rendering_for_the_learner() {
        let prompt = |c: &str| {
            format!(
                "root@{}:/var/www/html#",
                if c == "flappy" { "4b534320a1b2" } else { "?" }
            )
        };
        let cmd = |s: &str| parse_command(s).unwrap();
        assert_eq!(
            render_command(
                &cmd("$ docker inspect -f \"{{ .HostConfig.Links }}\" web"),
                prompt
            ),
            "$ docker inspect -f \"{{ .HostConfig.Links }}\" web"
        );
        assert_eq!(
            render_command(&cmd("flappy# ip addr"), prompt),
            "root@4b534320a1b2:/var/www/html# ip addr"
        );
        assert_eq!(
            render_command(&cmd("host$ curl -s http://172.17.0.2/"), prompt),
            "lab-host$ curl -s http://172.17.0.2/"
        );
        assert_eq!(
            render_command(&Command::Topology, prompt),
            "$ netlings topology"
        );
        let traced = cmd("$ netlings trace -- exec ssl-term wget -qO- http://flappy/");
        assert_eq!(
            traced,
            Command::Trace(
                ["exec", "ssl-term", "wget", "-qO-", "http://flappy/"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert_eq!(
            render_command(&traced, prompt),
            "$ netlings trace -- exec ssl-term wget -qO- http://flappy/"
        );
        assert_eq!(traced.to_string(), render_command(&traced, prompt));
        assert_eq!(
            parse_command("$ netlings trace --"),
            Err("`$ netlings trace --` needs a command to trace".into())
        );
        assert_eq!(
            cmd("web# sh -c 'echo hello | nc -w 2 db 5432'").to_string(),
            "web# sh -c \"echo hello | nc -w 2 db 5432\""
        );
    }

    #[test]
    fn json_paths() {
        let v = json!([{
            "Name": "bridge",
            "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]},
            "Containers": {"9e13": {"Name": "db"}, "14a8": {"Name": "web"}},
            "Options": {"com.docker.network.bridge.name": "docker0"},
            "a.b": 1,
            "Labels": {}
        }]);
        let at = |p: &str| json_path(&v, p);
        assert_eq!(at(""), Some(&v));
        assert_eq!(at("."), Some(&v));
        assert_eq!(at("[0].Name"), Some(&json!("bridge")));
        assert_eq!(at(".[0].Name"), Some(&json!("bridge")));
        assert_eq!(
            at("[0].IPAM.Config[0].Subnet"),
            Some(&json!("172.17.0.0/16"))
        );
        // Objects index in document order.
        assert_eq!(at("[0].Containers[1].Name"), Some(&json!("web")));
        assert_eq!(at("[0].Containers.9e13.Name"), Some(&json!("db")));
        assert_eq!(
            at("[0].Options[\"com.docker.network.bridge.name\"]"),
            Some(&json!("docker0"))
        );
        assert_eq!(at("[0][\"a.b\"]"), Some(&json!(1)));
        assert_eq!(at("[0].Labels"), Some(&json!({})));
        assert_eq!(
            at("[0].Containers[Name=web]"),
            Some(&json!({"Name": "web"}))
        );
        assert_eq!(at("[Name=bridge][\"a.b\"]"), Some(&json!(1)));
        assert_eq!(at("[Name=\"bridge\"].Name"), Some(&json!("bridge")));
        assert_eq!(at("[Name=\"a]b\"]"), None);
        let ports = json!([{"Port": 80, "Ok": true}, {"Port": 443, "Ok": false}]);
        assert_eq!(json_path(&ports, "[Port=443].Ok"), Some(&json!(false)));
        assert_eq!(json_path(&ports, "[Ok=true].Port"), Some(&json!(80)));
        for missing in [
            "[0]Name",
            "[1]",
            "[0].Nope",
            "[0].Name.x",
            "[0].Name[0]",
            "[0].Containers[2]",
            "Name",
            "[0].",
            "[0]..Name",
            "[0].[1]",
            "[",
            "[\"x\"",
            "[\"x\"x]",
            "[0].Containers[Name=nobody]",
            "[0].Name[Name=x]",
            "[=x]",
            "[Name=\"x\"y]",
        ] {
            assert_eq!(at(missing), None, "{missing}");
        }
        let obj = json!({"Name": "x"});
        assert_eq!(json_path(&obj, "Name"), Some(&json!("x")));
        assert_eq!(json_path(&obj, ".Name"), Some(&json!("x")));
    }

    #[test]
    fn globs_and_output_matching() {
        assert!(glob_match("", ""));
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match(
            "default via 172.17.0.1 dev eth0*",
            "default via 172.17.0.1 dev eth0 "
        ));
        assert!(glob_match("*b*b*", "abxbz"));
        assert!(!glob_match("*b*b", "abxbz"));
        assert!(glob_match("a\\*", "a*"));
        assert!(!glob_match("a\\*", "ab"));
        assert!(glob_match("a*b*c", "a-b-b-c"));
        assert!(!glob_match("abc", "abcd"));

        let hosts = "127.0.0.1\tlocalhost\n172.17.0.2\tdb 9e131070b38f\n172.17.0.3\t14a889c625f0\n";
        assert!(output_matches("172.17.0.2\tdb *", hosts));
        assert!(
            !output_matches("172.17.0.2", hosts),
            "a line must match whole"
        );
        assert!(output_matches("172.17.0.2\tdb *\n172.17.0.3\t*", hosts));
        assert!(
            !output_matches("172.17.0.3\t*\n172.17.0.2\tdb *", hosts),
            "order counts"
        );
        assert!(!output_matches("a\nb\nc\nd\ne", hosts));
        assert!(!output_matches("x", ""));
    }
}
