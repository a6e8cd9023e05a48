//! The width a picture is fitted to: `COLUMNS` if set (shells export it,
//! tests set it), else the terminal's own when stdout is one.

use std::io::IsTerminal;

/// Columns to fit to; None when output goes to a file or pipe (the full
/// picture, as documents want it).
pub fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        return Some(n);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    // SAFETY: winsize is four integers; all zeroes is a valid value.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ fills the local winsize and touches nothing else.
    let ok = unsafe { libc::ioctl(1, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col as usize)
}
