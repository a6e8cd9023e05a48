//! How a lesson looks: its title and intro, each step's heading, narrative,
//! command, output and checks, and the runner's own lines. One renderer
//! serves the learner's terminal (in colour when it is one) and transcripts
//! (plain: what snapshots hold), so the two cannot drift apart.

use super::checks::StepResult;
use super::format::{self, Lesson, Step};
use colored::Colorize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renderer {
    /// ANSI colour and bold, for a terminal.
    pub colour: bool,
    /// `[exit status N]` after a command that did not exit 0. Transcripts
    /// record it; the learner's terminal does not show it.
    pub exit_status: bool,
}

/// What a piece of text is, and so how it looks in colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Title,
    Heading,
    Command,
    Passed,
    Failed,
    /// The key prompt, "(skipped)".
    Quiet,
    /// Hints and warnings.
    Note,
    Done,
}

impl Renderer {
    /// Plain text with exit statuses: a transcript.
    pub fn transcript() -> Renderer {
        Renderer {
            colour: false,
            exit_status: true,
        }
    }

    /// The learner's terminal.
    pub fn terminal(colour: bool) -> Renderer {
        Renderer {
            colour,
            exit_status: false,
        }
    }

    pub fn style(&self, text: &str, style: Style) -> String {
        if !self.colour {
            return text.to_string();
        }
        match style {
            Style::Title => text.bold(),
            Style::Heading => text.bold().blue(),
            Style::Command => text.cyan().bold(),
            Style::Passed => text.green(),
            Style::Failed => text.red(),
            Style::Quiet => text.dimmed(),
            Style::Note => text.yellow(),
            Style::Done => text.green().bold(),
        }
        .to_string()
    }

    /// `# Title`, then the intro if `intro` and the lesson has one.
    pub fn lesson_head(&self, lesson: &Lesson, intro: bool) -> String {
        let mut out = format!(
            "{}\n\n",
            self.style(&format!("# {}", lesson.title), Style::Title)
        );
        if intro && !lesson.intro.trim().is_empty() {
            out.push_str(lesson.intro.trim_end());
            out.push_str("\n\n");
        }
        out
    }

    /// A step before it runs: heading, narrative, the command as typed
    /// (`prompt` gives a container's shell prompt).
    pub fn step_head(
        &self,
        step: &Step,
        n: usize,
        total: usize,
        prompt: impl Fn(&str) -> String,
    ) -> String {
        let heading = format!("── step {n}/{total}: {} ", step.title);
        let mut out = format!("{}\n\n", self.style(&heading, Style::Heading));
        if !step.narrative.trim().is_empty() {
            out.push_str(step.narrative.trim_end());
            out.push_str("\n\n");
        }
        let command = format::render_command(&step.command, prompt);
        out.push_str(&self.style(&command, Style::Command));
        out.push('\n');
        out
    }

    /// A step after it ran: its output, then each check with its verdict.
    pub fn step_result(&self, r: &StepResult) -> String {
        let mut out = r.output.clone();
        if !r.output.is_empty() && !r.output.ends_with('\n') {
            out.push('\n');
        }
        // A shell would not say it, but the status is part of the lesson.
        if self.exit_status && r.code != 0 {
            out.push_str(&format!("[exit status {}]\n", r.code));
        }
        for (check, failure) in &r.checks {
            let line = match failure {
                None => self.style(&format!("✔ {check}"), Style::Passed),
                Some(why) => self.style(&format!("✘ {check}: {why}"), Style::Failed),
            };
            out.push_str(&line);
            out.push('\n');
        }
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson() -> Lesson {
        format::parse(
            "lessons/01-x.md",
            "# X\n\nIntro.\n\n## Look\n\nWhy.\n\nweb# ip route\n- contains \"default\"\n",
        )
        .unwrap()
    }

    #[test]
    fn plain_and_coloured_differ_only_in_escapes() {
        let l = lesson();
        let r = StepResult {
            output: "default via 172.17.0.1".into(),
            code: 1,
            checks: vec![
                (
                    "exit 0".into(),
                    Some("expected exit status 0, got 1".into()),
                ),
                ("contains \"default\"".into(), None),
            ],
        };
        let prompt = |c: &str| format!("root@{c}:/#");
        let plain = Renderer::transcript();
        let text = plain.lesson_head(&l, true)
            + &plain.step_head(&l.steps[0], 1, 1, prompt)
            + &plain.step_result(&r);
        assert_eq!(
            text,
            "# X\n\nIntro.\n\n── step 1/1: Look \n\nWhy.\n\nroot@web:/# ip route\n\
             default via 172.17.0.1\n[exit status 1]\n\
             ✘ exit 0: expected exit status 0, got 1\n✔ contains \"default\"\n\n"
        );
        colored::control::set_override(true);
        let colour = Renderer::terminal(true);
        let head = colour.step_head(&l.steps[0], 1, 1, prompt);
        assert_eq!(
            head,
            "\u{1b}[1;34m── step 1/1: Look \u{1b}[0m\n\nWhy.\n\n\u{1b}[1;36mroot@web:/# ip route\u{1b}[0m\n"
        );
        let result = colour.step_result(&r);
        assert!(!result.contains("[exit status"), "{result}");
        assert!(result.contains("\u{1b}[32m✔ contains \"default\"\u{1b}[0m\n"));
        assert_eq!(colour.lesson_head(&l, false), "\u{1b}[1m# X\u{1b}[0m\n\n");
    }
}
