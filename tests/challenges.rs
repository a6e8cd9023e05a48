//! Challenges: every built-in one fails at its start and is solved by its
//! reference solution (`challenge verify`); a check that cannot fail is
//! caught; and a learner on a terminal solves one and sees it turn ✔.

mod common;

use std::path::PathBuf;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_netlings");

/// A state folder (labs, progress) of the test's own, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("netlings-ch-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn netlings(&self) -> std::process::Command {
        let mut c = std::process::Command::new(BIN);
        c.env("NETLINGS_STATE_DIR", self.0.join("labs"))
            .env("XDG_STATE_HOME", self.0.join("progress"))
            .env("NO_COLOR", "1")
            .env_remove("NETLINGS_LAB")
            .env_remove("NETLINGS_CHALLENGE");
        c
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.netlings().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The ids of the files in challenges/.
fn challenge_ids() -> Vec<String> {
    let mut ids: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/challenges"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .map(|n| netlings::lesson::format::lesson_id(&n))
            .collect();
    ids.sort();
    ids
}

#[test]
fn every_challenge_fails_at_its_start_and_its_solution_solves_it() {
    common::require_namespaces();
    let s = Scratch::new("verify");
    let (code, out, err) = s.run(&["challenge", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    let ids = challenge_ids();
    assert!(ids.len() >= 6, "{} challenges", ids.len());
    for id in &ids {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("✔ {id} ")) && l.contains("fail at the start")),
            "{id}:\n{out}"
        );
    }
    assert!(
        out.ends_with(&format!("{} challenges verified\n", ids.len())),
        "{out}"
    );
}

const CANNOT_FAIL: &str = "# Already there\n\nNothing to do.\n\n\
    ## Setup\n\n$ docker run -d --name web training/webapp python app.py\n\n\
    ## Goal: web answers\n\n- reach web -> 127.0.0.1:5000\n\n\
    ## Hint\n\nNone needed.\n\n\
    ## Solution\n\nNothing.\n\n$ docker ps\n";

const NOT_SOLVED: &str = "# Never solved\n\nConnect them.\n\n\
    ## Setup\n\n$ docker network create a\n\
    $ docker run -d --name one --network a quay.io/purplebooth/flappy-endpoint\n\
    $ docker run -d --name two quay.io/purplebooth/flappy-endpoint\n\n\
    ## Goal: two resolves one\n\n- resolves one from two\n\n\
    ## Hint\n\nConnect.\n\n\
    ## Solution\n\nA wrong one.\n\n$ docker network create b\n";

/// `verify` is no rubber stamp: a goal that holds before anything is done,
/// and a solution that solves nothing, are both reported.
#[test]
fn verify_catches_checks_that_cannot_fail_and_wrong_solutions() {
    common::require_namespaces();
    let s = Scratch::new("bad");
    let cannot = s.0.join("01-already.md");
    let wrong = s.0.join("02-never.md");
    std::fs::write(&cannot, CANNOT_FAIL).unwrap();
    std::fs::write(&wrong, NOT_SOLVED).unwrap();
    let (code, out, err) = s.run(&[
        "challenge",
        "verify",
        cannot.to_str().unwrap(),
        wrong.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("✘ already goal `web answers` already holds at the start: its checks cannot tell solved from not"),
        "{out}"
    );
    assert!(
        out.contains("✘ never after the solution, `two resolves one` does not hold: resolves one from two: one does not resolve from two"),
        "{out}"
    );
    assert!(
        out.contains("2 of 2 challenges failed verification"),
        "{out}"
    );
    // A broken file is named with its line.
    std::fs::write(&cannot, CANNOT_FAIL.replace("## Hint", "## Hints")).unwrap();
    let (code, _, err) = s.run(&["challenge", "verify", cannot.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("01-already.md:13: unknown section `## Hints`"),
        "{err}"
    );
}

/// A learner at a terminal: the status line before each prompt, a hint,
/// the solution refused, the fix, the status line all ✔, the solution
/// shown, and the challenge recorded as solved.
#[test]
fn a_learner_solves_a_challenge_at_a_terminal() {
    common::require_namespaces();
    let s = Scratch::new("pty");
    let lab = format!("ch-pty-{}", std::process::id());
    let mut cmd = s.netlings();
    cmd.args(["challenge", "run", "by-name", "--lab", &lab])
        .env("SHELL", "/bin/sh");
    let script = [
        "hint",
        "solution",
        "docker network connect shop web",
        "solution",
        "exit",
    ];
    let prompt = format!("(lab {lab}) ");
    let (screen, code) = common::on_a_terminal(cmd, &prompt, &script, Duration::from_secs(60));
    let screen = screen
        .replace("\x1b[?2004h", "")
        .replace("\x1b[?2004l", "")
        .replace('\r', "");
    assert_eq!(code, 0, "{screen}");
    let unsolved = "[by-name] ✘ web resolves db  ✘ web reaches db:5432  ✔ web has no links\n";
    let solved = "[by-name] ✔ web resolves db  ✔ web reaches db:5432  ✔ web has no links\n";
    let first_solved = screen.find(solved).expect(&screen);
    let connect = screen
        .find("docker network connect shop web\n")
        .expect(&screen);
    // ✘ until the fix, ✔ right after it.
    assert!(screen[..connect].contains(unsolved), "{screen}");
    assert!(!screen[..connect].contains(solved), "{screen}");
    assert!(first_solved > connect, "{screen}");
    assert!(
        screen.contains("hint 1/3: Names are answered by Docker's embedded DNS server"),
        "{screen}"
    );
    assert!(
        screen.contains("The solution opens once you have solved the challenge or seen all 3 hints (you have seen 1)"),
        "{screen}"
    );
    assert!(
        screen.contains("Solved: Find the database by name."),
        "{screen}"
    );
    assert!(
        screen[first_solved..].contains("$ docker network connect shop web\n"),
        "{screen}"
    );
    assert!(screen.contains("Challenge by-name solved."), "{screen}");
    // Recorded, and shown by `challenge list` and `lesson list`.
    let (_, list, _) = s.run(&["challenge", "list"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("by-name ") && l.ends_with("solved")),
        "{list}"
    );
    let (_, lessons, _) = s.run(&["lesson", "list"]);
    assert!(
        lessons
            .lines()
            .any(|l| l.starts_with("by-name ") && l.ends_with("solved")),
        "{lessons}"
    );
    assert!(
        !s.0.join("labs").join(&lab).exists(),
        "the lab outlived the challenge"
    );
}

/// `hint`, `solution` and `status` belong to a challenge's shell; outside
/// one they say how to get one. An unknown challenge names the known ones.
#[test]
fn shell_commands_outside_a_challenge_say_so() {
    let s = Scratch::new("outside");
    for cmd in ["hint", "solution", "status"] {
        let (code, out, err) = s.run(&["challenge", cmd]);
        assert_eq!(code, 1, "{out}{err}");
        assert_eq!(
            err,
            "not in a challenge's shell: `netlings challenge run NAME` starts one\n"
        );
    }
    let (code, _, err) = s.run(&["challenge", "run", "no-such"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("no challenge named \"no-such\"; challenges are: by-name, "),
        "{err}"
    );
}
