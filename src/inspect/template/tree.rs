//! Parse tree. `Display` reproduces Go's `Node.String()`, which execution
//! errors quote as the failing expression (`at <.A.B>`).

use std::fmt;

#[derive(Debug)]
pub(super) enum Node {
    Text(String),
    Action(Pipe),
    If(Box<Control>),
    Range(Box<Control>),
    With(Box<Control>),
    Break,
    Continue,
}

#[derive(Debug)]
pub(super) struct Control {
    pub(super) pipe: Pipe,
    pub(super) list: Vec<Node>,
    pub(super) else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
pub(super) struct Pipe {
    pub(super) pos: usize,
    pub(super) is_assign: bool,
    pub(super) decls: Vec<String>,
    pub(super) cmds: Vec<Cmd>,
}

#[derive(Debug)]
pub(super) struct Cmd {
    pub(super) pos: usize,
    pub(super) args: Vec<Arg>,
}

#[derive(Debug)]
pub(super) struct Arg {
    pub(super) pos: usize,
    pub(super) kind: ArgKind,
}

#[derive(Debug)]
pub(super) enum ArgKind {
    Dot,
    Nil,
    Bool(bool),
    Number(NumLit),
    Str {
        quoted: String,
        text: String,
    },
    /// `.A.B` (idents without dots).
    Field(Vec<String>),
    /// `$x.A.B`: the variable name, then fields.
    Variable(Vec<String>),
    /// A function name.
    Ident(String),
    Pipe(Box<Pipe>),
    /// `(pipeline).A.B` and the like.
    Chain(Box<Arg>, Vec<String>),
}

#[derive(Debug, Clone)]
pub(super) struct NumLit {
    pub(super) text: String,
    pub(super) int: Option<i64>,
    pub(super) uint: Option<u64>,
    pub(super) float: Option<f64>,
    pub(super) is_char: bool,
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ArgKind::Dot => f.write_str("."),
            ArgKind::Nil => f.write_str("nil"),
            ArgKind::Bool(b) => write!(f, "{b}"),
            ArgKind::Number(n) => f.write_str(&n.text),
            ArgKind::Str { quoted, .. } => f.write_str(quoted),
            ArgKind::Field(idents) => idents.iter().try_for_each(|i| write!(f, ".{i}")),
            ArgKind::Variable(idents) => f.write_str(&idents.join(".")),
            ArgKind::Ident(name) => f.write_str(name),
            ArgKind::Pipe(p) => write!(f, "{p}"),
            ArgKind::Chain(node, fields) => {
                if matches!(node.kind, ArgKind::Pipe(_)) {
                    write!(f, "({node})")?;
                } else {
                    write!(f, "{node}")?;
                }
                fields.iter().try_for_each(|i| write!(f, ".{i}"))
            }
        }
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if matches!(arg.kind, ArgKind::Pipe(_)) {
                write!(f, "({arg})")?;
            } else {
                write!(f, "{arg}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decls.is_empty() {
            write!(f, "{} := ", self.decls.join(", "))?;
        }
        for (i, cmd) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{cmd}")?;
        }
        Ok(())
    }
}
