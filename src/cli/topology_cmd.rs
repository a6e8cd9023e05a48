//! `netlings topology`: the lab's picture fitted to the terminal, or
//! exported as Mermaid, dot or JSON.

use super::lab_access::{ensure_lab, fail};
use crate::lesson::topology::{self, export};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Boxes and lines for the terminal.
    Picture,
    /// A Mermaid flowchart (GitHub, wikis, slides).
    Mermaid,
    /// A Graphviz graph (`dot -Tsvg`).
    Dot,
    /// The data the pictures are drawn from.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct TopologyArgs {
    /// Fit the picture to N columns (at least 60; default: $COLUMNS, else
    /// the terminal's width; not a terminal: no limit).
    #[arg(long, value_name = "N")]
    pub width: Option<usize>,
    /// What to print.
    #[arg(long, value_enum, default_value = "picture")]
    pub format: Format,
}

pub fn topology(args: TopologyArgs, lab_flag: Option<&str>) -> i32 {
    let lab = match ensure_lab(lab_flag) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let t = match crate::lesson::session::topology_data(&lab) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let (n, c) = (&t.networks, &t.containers);
    let text = match args.format {
        Format::Picture => {
            let width = args.width.or_else(topology::terminal_width);
            topology::render_fit(n, c, width)
        }
        Format::Mermaid => export::mermaid(n, c),
        Format::Dot => export::dot(n, c),
        Format::Json => export::json(n, c),
    };
    print!("{text}");
    0
}
