//! The learner's keys between steps: one keypress, no Enter needed, when
//! stdin is a terminal; a line otherwise.

use super::format::Step;
use super::render::{Renderer, Style};
use std::io::{BufRead, Write};

pub enum Key {
    Run,
    Skip,
    Quit,
    Retry,
}

/// Keys pressed while the lab started (or cargo built) are not answers to
/// the first prompt.
pub fn forget_typeahead() {
    let _ = nix::sys::termios::tcflush(std::io::stdin(), nix::sys::termios::FlushArg::TCIFLUSH);
}

/// Enter runs, `s` skips, `q` quits, `h` shows the hint.
pub fn ask(step: &Step, look: &Renderer) -> Key {
    let stdin = std::io::stdin();
    loop {
        print!(
            "{}",
            look.style("[Enter] run  [s] skip  [h] hint  [q] quit > ", Style::Quiet)
        );
        let _ = std::io::stdout().flush();
        let line = match read_key() {
            Some(k) => {
                println!();
                k.to_string()
            }
            None => {
                let mut line = String::new();
                if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
                    return Key::Quit;
                }
                line
            }
        };
        match line.trim() {
            "" => return Key::Run,
            "s" => return Key::Skip,
            "q" => return Key::Quit,
            "h" => match &step.hint {
                Some(h) => println!("{}", look.style(&format!("hint: {h}"), Style::Note)),
                None => println!("(this step has no hint)"),
            },
            other => println!("unknown key {other:?}"),
        }
    }
}

/// A key, or a line when stdin is no terminal; None at end of input.
fn answer() -> Option<String> {
    match read_key() {
        Some(k) => {
            println!();
            Some(k.to_string())
        }
        None => {
            let mut line = String::new();
            if std::io::stdin().lock().read_line(&mut line).unwrap_or(0) == 0 {
                return None;
            }
            Some(line)
        }
    }
}

/// A yes/no question; only `y` is yes.
pub fn confirm(question: &str, look: &Renderer) -> bool {
    print!("{} ", look.style(question, Style::Note));
    let _ = std::io::stdout().flush();
    answer().is_some_and(|a| a.trim().eq_ignore_ascii_case("y"))
}

/// After a step whose checks failed: `r` runs it again, Enter carries on,
/// `q` quits.
pub fn after_failure(look: &Renderer) -> Key {
    loop {
        print!(
            "{}",
            look.style("[r] retry  [Enter] carry on  [q] quit > ", Style::Quiet)
        );
        let _ = std::io::stdout().flush();
        let Some(a) = answer() else {
            return Key::Quit;
        };
        match a.trim() {
            "" => return Key::Run,
            "r" => return Key::Retry,
            "q" => return Key::Quit,
            other => println!("unknown key {other:?}"),
        }
    }
}

/// One keypress, without waiting for Enter, when stdin is a terminal;
/// None otherwise (then a line is read).
fn read_key() -> Option<char> {
    use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).ok()?;
    let mut raw = saved.clone();
    raw.local_flags &= !(LocalFlags::ICANON | LocalFlags::ECHO);
    tcsetattr(&stdin, SetArg::TCSANOW, &raw).ok()?;
    let mut byte = [0u8; 1];
    let read = std::io::Read::read(&mut stdin.lock(), &mut byte);
    let _ = tcsetattr(&stdin, SetArg::TCSANOW, &saved);
    match (read, byte[0]) {
        (Ok(1), b'\r') => Some('\n'),
        // Ctrl-D or a closed terminal quits.
        (Ok(1), 4) | (Ok(0), _) | (Err(_), _) => Some('q'),
        (Ok(_), b) => Some(b as char),
    }
}
