//! The learner's keys between steps: one keypress, no Enter needed, when
//! stdin is a terminal; a line otherwise.

use super::format::Step;
use super::render::{Renderer, Style};
use std::io::{BufRead, Write};

pub enum Key {
    Run,
    Skip,
    Quit,
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
