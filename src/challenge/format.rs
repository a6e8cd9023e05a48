//! Challenge files: a goal to reach on one's own, in the lesson files'
//! plain-text style, with the lessons' commands and check kinds.
//!
//! ```text
//! # Web finds db by name            <- title
//!
//! The goal, in a few sentences.     <- shown when the challenge starts
//!
//! ## Setup                          <- commands that build the start
//!
//! $ docker network create shop
//! $ docker run -d --name db --network shop training/postgres
//!
//! ## Goal: web reaches db by name   <- one ✔/✘ in the status line
//!
//! - resolves db from web
//! - reach web -> db:5432
//!
//! ## Goal: db publishes nothing     <- a goal may run one command first
//!
//! $ docker port db
//! - not-contains "0.0.0.0"
//!
//! ## Keep: web still answers        <- holds at the start, must still hold
//!
//! ## Hint                           <- in order, one per section
//!
//! ## Solution                       <- text and commands
//! ```
//!
//! The format, for writers: `docs/writing-lessons.md`.

use crate::lesson::format::{self as lesson_format, Check, Command, ParseError};

#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    pub id: String,
    pub title: String,
    /// What to achieve, as shown to the learner.
    pub goal: String,
    pub setup: Vec<Command>,
    pub goals: Vec<Goal>,
    pub hints: Vec<String>,
    /// The reference solution: what it says, and the commands `verify` runs.
    pub solution_text: String,
    pub solution: Vec<Command>,
}

/// One line of the status line: a command (or none) and its checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub title: String,
    /// The line of its `## ` heading, for messages about it.
    pub line: usize,
    /// A `Keep:` goal already holds at the start and must not break; a
    /// `Goal:` does not hold at the start.
    pub keep: bool,
    pub command: Option<Command>,
    pub checks: Vec<Check>,
}

/// Parses a challenge file; `file_name` gives the id and names errors.
pub fn parse(file_name: &str, text: &str) -> Result<Challenge, ParseError> {
    let err = |line: usize, message: String| ParseError {
        file: file_name.to_string(),
        line,
        message,
    };
    let lines: Vec<&str> = text.lines().collect();
    // Sections start at `## ` lines outside fenced blocks.
    let mut sections: Vec<usize> = Vec::new();
    let mut in_fence = false;
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence && l.starts_with("## ") {
            sections.push(i);
        }
    }
    let first = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .ok_or_else(|| err(1, "empty challenge: it starts with `# Title`".into()))?;
    let title = lines[first]
        .strip_prefix("# ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| err(first + 1, "a challenge starts with `# Title`".into()))?
        .to_string();
    let intro_end = sections.first().copied().unwrap_or(lines.len());
    let goal = paragraphs(&lines[first + 1..intro_end]);
    if goal.is_empty() {
        return Err(err(
            first + 1,
            "say what to achieve in a paragraph after the title".into(),
        ));
    }
    let mut c = Challenge {
        id: lesson_format::lesson_id(file_name),
        title,
        goal,
        setup: Vec::new(),
        goals: Vec::new(),
        hints: Vec::new(),
        solution_text: String::new(),
        solution: Vec::new(),
    };
    let (mut has_setup, mut has_solution) = (false, false);
    for (k, &at) in sections.iter().enumerate() {
        let end = sections.get(k + 1).copied().unwrap_or(lines.len());
        let heading = lines[at][3..].trim();
        let body = &lines[at + 1..end];
        let line_of = |j: usize| at + 2 + j;
        let once = |seen: &mut bool, what: &str| {
            if std::mem::replace(seen, true) {
                Err(err(at + 1, format!("a challenge has one `## {what}`")))
            } else {
                Ok(())
            }
        };
        if heading == "Setup" {
            once(&mut has_setup, "Setup")?;
            c.setup = commands(body, &line_of, &err)?.1;
        } else if heading == "Solution" {
            once(&mut has_solution, "Solution")?;
            let (text, cmds) = commands(body, &line_of, &err)?;
            if cmds.is_empty() {
                return Err(err(at + 1, "the solution has no command to run".into()));
            }
            c.solution_text = text;
            c.solution = cmds;
        } else if heading == "Hint" {
            let text = paragraphs(body);
            if text.is_empty() {
                return Err(err(at + 1, "the hint is empty".into()));
            }
            c.hints.push(text);
        } else if let Some((kind, what)) = heading.split_once(':') {
            let keep = match kind {
                "Goal" => false,
                "Keep" => true,
                _ => return Err(err(at + 1, unknown_section(heading))),
            };
            let what = what.trim();
            if what.is_empty() {
                return Err(err(
                    at + 1,
                    format!("say what the {kind} is after `{kind}:`"),
                ));
            }
            let mut goal = goal_section(what, keep, body, &line_of, &err)?;
            goal.line = at + 1;
            c.goals.push(goal);
        } else {
            return Err(err(at + 1, unknown_section(heading)));
        }
    }
    let whole = |what: &str| err(first + 1, format!("the challenge has no {what}"));
    if !has_setup {
        return Err(whole("`## Setup`"));
    }
    if !c.goals.iter().any(|g| !g.keep) {
        return Err(whole("`## Goal: ...`"));
    }
    if c.hints.is_empty() {
        return Err(whole("`## Hint`"));
    }
    if !has_solution {
        return Err(whole("`## Solution`"));
    }
    Ok(c)
}

fn unknown_section(heading: &str) -> String {
    format!("unknown section `## {heading}`: use Setup, Goal: ..., Keep: ..., Hint or Solution")
}

/// Text paragraphs, trimmed, a blank line between them.
fn paragraphs(lines: &[&str]) -> String {
    let text: Vec<&str> = lines.iter().map(|l| l.trim_end()).collect();
    text.join("\n").trim().to_string()
}

type ErrFn<'a> = dyn Fn(usize, String) -> ParseError + 'a;

/// A section of commands (one per line) and text around them.
fn commands(
    body: &[&str],
    line_of: &dyn Fn(usize) -> usize,
    err: &ErrFn,
) -> Result<(String, Vec<Command>), ParseError> {
    let mut text = Vec::new();
    let mut cmds = Vec::new();
    for (j, l) in body.iter().enumerate() {
        if lesson_format::is_command_line(l) {
            cmds.push(lesson_format::parse_command(l.trim_end()).map_err(|m| err(line_of(j), m))?);
        } else if l.starts_with("- ") {
            return Err(err(
                line_of(j),
                "checks go in `## Goal: ...` sections, not here".into(),
            ));
        } else {
            text.push(*l);
        }
    }
    Ok((paragraphs(&text), cmds))
}

fn goal_section(
    title: &str,
    keep: bool,
    body: &[&str],
    line_of: &dyn Fn(usize) -> usize,
    err: &ErrFn,
) -> Result<Goal, ParseError> {
    let mut command = None;
    let mut checks = Vec::new();
    for (j, l) in body.iter().enumerate() {
        let n = line_of(j);
        if l.trim().is_empty() {
            continue;
        }
        if lesson_format::is_command_line(l) {
            if command.is_some() || !checks.is_empty() {
                return Err(err(
                    n,
                    "a goal has at most one command, before its checks".into(),
                ));
            }
            command = Some(lesson_format::parse_command(l.trim_end()).map_err(|m| err(n, m))?);
        } else if let Some(spec) = l.strip_prefix("- ") {
            let check = lesson_format::parse_check(spec.trim()).map_err(|m| err(n, m))?;
            let needs_output = !matches!(check, Check::Reach { .. } | Check::Resolves { .. });
            if needs_output && command.is_none() {
                return Err(err(
                    n,
                    format!("`{spec}` checks a command's output: put the command (`$ docker ...`) before it"),
                ));
            }
            checks.push(check);
        } else {
            return Err(err(
                n,
                "a goal has a command and checks (`- ...`) only".into(),
            ));
        }
    }
    if checks.is_empty() {
        return Err(err(
            line_of(0).saturating_sub(1),
            format!("the goal `{title}` has no checks"),
        ));
    }
    if command.is_some() && !checks.iter().any(|c| matches!(c, Check::ExitStatus(_))) {
        checks.insert(0, Check::ExitStatus(0));
    }
    Ok(Goal {
        title: title.to_string(),
        line: 0,
        keep,
        command,
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "# By name\n\nMake web find db.\n\n## Setup\n\n$ docker network create shop\n\
        $ docker run -d --name db --network shop training/postgres\n\n\
        ## Goal: web reaches db\n\n- reach web -> db:5432\n\n\
        ## Keep: db publishes nothing\n\n$ docker port db\n- not-contains \"0.0.0.0\"\n\n\
        ## Hint\n\nNetworks.\n\n## Hint\n\n`docker network connect`.\n\n\
        ## Solution\n\nConnect it:\n\n$ docker network connect shop web\n";

    #[test]
    fn a_challenge_has_its_parts() {
        let c = parse("challenges/03-by-name.md", GOOD).unwrap();
        assert_eq!(c.id, "by-name");
        assert_eq!(c.title, "By name");
        assert_eq!(c.goal, "Make web find db.");
        assert_eq!(c.setup.len(), 2);
        assert_eq!(c.goals.len(), 2);
        assert!(!c.goals[0].keep && c.goals[1].keep);
        assert_eq!(c.goals[0].command, None);
        // A goal with a command expects it to exit 0 unless it says.
        assert_eq!(c.goals[1].checks[0], Check::ExitStatus(0));
        assert_eq!(c.hints, ["Networks.", "`docker network connect`."]);
        assert_eq!(c.solution_text, "Connect it:");
        assert_eq!(c.solution.len(), 1);
    }

    #[test]
    fn mistakes_name_their_line() {
        let cases = [
            (
                GOOD.replace("- reach web -> db:5432", "- contains \"x\""),
                "by-name.md:12: `contains \"x\"` checks a command's output",
            ),
            (
                GOOD.replace("## Hint\n\nNetworks.", "## Hints\n\nNetworks."),
                "by-name.md:19: unknown section `## Hints`",
            ),
            (
                GOOD.replace("## Goal: web reaches db", "## Keep: web reaches db"),
                "by-name.md:1: the challenge has no `## Goal: ...`",
            ),
            (
                GOOD.replace("$ docker network connect shop web", "connect it"),
                "by-name.md:27: the solution has no command",
            ),
            (
                GOOD.replace("- reach web -> db:5432", "- reach web db"),
                "by-name.md:12: expected `reach A -> B:PORT`",
            ),
        ];
        for (text, want) in cases {
            let e = parse("by-name.md", &text).unwrap_err().to_string();
            assert!(e.starts_with(want), "{e}\nwanted {want}");
        }
    }
}
