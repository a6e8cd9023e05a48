//! `docker inspect --format`: Go's text/template as the Docker 20.10 client
//! (built with Go 1.19) evaluates it over inspect data.
//!
//! Docker runs a template twice when it has to: first against its typed Go
//! structs, and if that fails, against the raw JSON decoded into
//! `map[string]interface{}` with the `missingkey=error` option. The second
//! run's output or error is what the user sees. [`render`] does the same
//! with two modes. JSON cannot say whether an object was a Go struct or a
//! map, or whether a `null` was a nil slice, map or pointer, so the typed
//! mode guesses from Docker's field names (see "Docker's Go types" below).
//!
//! Supported: text, actions, `{{-`/`-}}` trim markers, comments, fields and
//! chains, `.` and `$`, variables (`:=` and `=`), pipelines, parenthesised
//! pipelines, string/raw-string/char/int/float/bool/nil literals, `if` /
//! `else if` / `else`, `range` (one or two variables, `else`, `break`,
//! `continue`), `with` / `else`, Go's builtins (`and call html index slice
//! js len not or print printf println urlquery eq ne lt le gt ge`) and
//! Docker's (`json split join title lower upper pad truncate`).
//! Not supported: `define`, `template`, `block`, complex numbers, `printf`
//! argument indexes (`%[1]d`). Whole structs print as `{v1 v2 ...}` from the
//! JSON fields (Go would show nested pointers as addresses, and fields that
//! Docker omits from the JSON).

use serde_json::{Number, Value};
use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// Why a template could not be parsed or executed, worded as Docker prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

/// Renders a Go text/template (Docker's `--format`) against inspect data.
pub fn render(template: &str, data: &serde_json::Value) -> Result<String, TemplateError> {
    // Docker prefixes parse and execution errors alike.
    let wrap = |msg: String| TemplateError(format!("template parsing error: {msg}"));
    let tree = Parser::new(template).parse().map_err(wrap)?;
    match Exec::new(template, data, Mode::Typed).run(&tree) {
        Ok(out) => Ok(out),
        // Docker retries on the raw JSON and reports that run's outcome.
        Err(_) => Exec::new(template, data, Mode::Raw)
            .run(&tree)
            .map_err(wrap),
    }
}

/// Nesting limit for parentheses and control blocks, so that hostile input
/// gets an error instead of exhausting the stack (Go allows 10000).
const MAX_DEPTH: usize = 100;

const LEFT_DELIM: &str = "{{";
const RIGHT_DELIM: &str = "}}";

// ---------------------------------------------------------------------------
// Lexer: the same token stream as Go's text/template/parse lexer, so that
// parse errors name the same tokens.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    Str,
    Text,
    Variable,
    // Keywords.
    Block,
    Break,
    Continue,
    Define,
    Dot,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl Kind {
    fn is_keyword(self) -> bool {
        use Kind::*;
        matches!(
            self,
            Block
                | Break
                | Continue
                | Define
                | Dot
                | Else
                | End
                | If
                | Nil
                | Range
                | Template
                | With
        )
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    pos: usize,
    line: usize,
    val: String,
}

impl fmt::Display for Token {
    /// Go's `item.String()`, which parse errors quote.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::Eof => f.write_str("EOF"),
            Kind::Error => f.write_str(&self.val),
            k if k.is_keyword() => write!(f, "<{}>", self.val),
            _ if self.val.len() > 10 => {
                let head: String = self.val.chars().take(10).collect();
                write!(f, "{}...", go_quote(&head))
            }
            _ => f.write_str(&go_quote(&self.val)),
        }
    }
}

/// Lexer states (Go's state functions).
#[derive(Clone, Copy)]
enum Step {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    Inside,
    Space,
    Identifier,
    Field,
    Variable,
    Quote,
    RawQuote,
    CharConstant,
    Number,
    Done,
}

struct Lexer<'s> {
    input: &'s str,
    pos: usize,
    start: usize,
    width: usize,
    paren_depth: i64,
    newlines: Vec<usize>,
    tokens: Vec<Token>,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(b[1] as char)
}

fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-'
}

fn left_trim_len(s: &str) -> usize {
    s.len() - s.trim_start_matches(is_space).len()
}

impl<'s> Lexer<'s> {
    /// Tokenizes all of `input`; the last token is `Eof` or `Error`.
    fn lex(input: &'s str) -> Vec<Token> {
        let mut lx = Lexer {
            input,
            pos: 0,
            start: 0,
            width: 0,
            paren_depth: 0,
            newlines: input.match_indices('\n').map(|(i, _)| i).collect(),
            tokens: Vec::new(),
        };
        let mut step = Step::Text;
        loop {
            step = match step {
                Step::Text => lx.text(),
                Step::LeftDelim => lx.left_delim(),
                Step::Comment => lx.comment(),
                Step::RightDelim => lx.right_delim(),
                Step::Inside => lx.inside(),
                Step::Space => lx.space(),
                Step::Identifier => lx.identifier(),
                Step::Field => lx.field_or_variable(Kind::Field),
                Step::Variable => lx.variable(),
                Step::Quote => lx.quote('"', Kind::Str, "quoted string"),
                Step::RawQuote => lx.raw_quote(),
                Step::CharConstant => lx.quote('\'', Kind::CharConstant, "character constant"),
                Step::Number => lx.number(),
                Step::Done => break,
            };
        }
        lx.tokens
    }

    fn rest(&self) -> &'s str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn next(&mut self) -> Option<char> {
        let c = self.rest().chars().next();
        self.width = c.map_or(0, char::len_utf8);
        self.pos += self.width;
        c
    }

    fn backup(&mut self) {
        self.pos = self.pos.saturating_sub(self.width);
        self.width = 0;
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn push(&mut self, kind: Kind, val: String) {
        let line = 1 + self.newlines.partition_point(|&n| n < self.start);
        self.tokens.push(Token {
            kind,
            pos: self.start,
            line,
            val,
        });
    }

    fn emit(&mut self, kind: Kind) {
        let val = self
            .input
            .get(self.start..self.pos)
            .unwrap_or("")
            .to_string();
        self.push(kind, val);
        self.start = self.pos;
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn error(&mut self, msg: String) -> Step {
        self.push(Kind::Error, msg);
        Step::Done
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.next() {
            Some(c) if valid.contains(c) => true,
            _ => {
                self.backup();
                false
            }
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim_marker(rest) && rest[2..].starts_with(RIGHT_DELIM) {
            return (true, true);
        }
        (rest.starts_with(RIGHT_DELIM), false)
    }

    /// Whether an identifier may end here (so `.X.Y` splits into two fields
    /// and `$x+2` is rejected).
    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) => {
                is_space(c)
                    || matches!(c, '.' | ',' | '|' | ':' | ')' | '(')
                    || RIGHT_DELIM.starts_with(c)
            }
        }
    }

    fn text(&mut self) -> Step {
        self.width = 0;
        match self.rest().find(LEFT_DELIM) {
            Some(x) => {
                let delim = self.pos + x;
                let mut end = delim;
                if has_left_trim_marker(&self.input[delim + LEFT_DELIM.len()..]) {
                    end = self.start
                        + self.input[self.start..delim]
                            .trim_end_matches(is_space)
                            .len();
                }
                self.pos = end;
                if self.pos > self.start {
                    self.emit(Kind::Text);
                }
                self.pos = delim;
                self.ignore();
                Step::LeftDelim
            }
            None => {
                self.pos = self.input.len();
                if self.pos > self.start {
                    self.emit(Kind::Text);
                }
                self.emit(Kind::Eof);
                Step::Done
            }
        }
    }

    fn left_delim(&mut self) -> Step {
        self.pos += LEFT_DELIM.len();
        let after_marker = if has_left_trim_marker(self.rest()) {
            2
        } else {
            0
        };
        if self.rest()[after_marker..].starts_with("/*") {
            self.pos += after_marker;
            self.ignore();
            return Step::Comment;
        }
        self.emit(Kind::LeftDelim);
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        Step::Inside
    }

    fn comment(&mut self) -> Step {
        self.pos += 2;
        let Some(i) = self.rest().find("*/") else {
            return self.error("unclosed comment".into());
        };
        self.pos += i + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".into());
        }
        if trim {
            self.pos += 2;
        }
        self.pos += RIGHT_DELIM.len();
        if trim {
            self.pos += left_trim_len(self.rest());
        }
        self.ignore();
        Step::Text
    }

    fn right_delim(&mut self) -> Step {
        let trim = has_right_trim_marker(self.rest());
        if trim {
            self.pos += 2;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        self.emit(Kind::RightDelim);
        if trim {
            self.pos += left_trim_len(self.rest());
            self.ignore();
        }
        Step::Text
    }

    fn inside(&mut self) -> Step {
        if self.at_right_delim().0 {
            if self.paren_depth == 0 {
                return Step::RightDelim;
            }
            return self.error("unclosed left paren".into());
        }
        let Some(c) = self.next() else {
            return self.error("unclosed action".into());
        };
        match c {
            c if is_space(c) => {
                self.backup();
                return Step::Space;
            }
            '=' => self.emit(Kind::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return self.error("expected :=".into());
                }
                self.emit(Kind::Declare);
            }
            '|' => self.emit(Kind::Pipe),
            '"' => return Step::Quote,
            '`' => return Step::RawQuote,
            '$' => return Step::Variable,
            '\'' => return Step::CharConstant,
            // `.` starts a field unless a digit follows (`.5`).
            '.' if self
                .input
                .as_bytes()
                .get(self.pos)
                .is_some_and(|b| !b.is_ascii_digit()) =>
            {
                return Step::Field
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.backup();
                return Step::Number;
            }
            c if is_alnum(c) => {
                self.backup();
                return Step::Identifier;
            }
            '(' => {
                self.emit(Kind::LeftParen);
                self.paren_depth += 1;
            }
            ')' => {
                self.emit(Kind::RightParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.error(format!("unexpected right paren {}", go_u(')')));
                }
            }
            c if c.is_ascii() && !c.is_ascii_control() => self.emit(Kind::Char),
            c => return self.error(format!("unrecognized character in action: {}", go_u(c))),
        }
        Step::Inside
    }

    fn space(&mut self) -> Step {
        let mut count = 0;
        while self.peek().is_some_and(is_space) {
            self.next();
            count += 1;
        }
        // A trim-marked right delimiter (" -}}") starts with a space: leave it.
        if count > 0 {
            let tail = &self.input[self.pos - 1..];
            if has_right_trim_marker(tail) && tail[2..].starts_with(RIGHT_DELIM) {
                self.pos -= 1;
                if count == 1 {
                    return Step::RightDelim;
                }
            }
        }
        self.emit(Kind::Space);
        Step::Inside
    }

    fn identifier(&mut self) -> Step {
        loop {
            match self.next() {
                Some(c) if is_alnum(c) => {}
                stop => {
                    self.backup();
                    if !self.at_terminator() {
                        return self.bad_character(stop);
                    }
                    let kind = match &self.input[self.start..self.pos] {
                        "block" => Kind::Block,
                        "break" => Kind::Break,
                        "continue" => Kind::Continue,
                        "define" => Kind::Define,
                        "else" => Kind::Else,
                        "end" => Kind::End,
                        "if" => Kind::If,
                        "nil" => Kind::Nil,
                        "range" => Kind::Range,
                        "template" => Kind::Template,
                        "with" => Kind::With,
                        "true" | "false" => Kind::Bool,
                        _ => Kind::Identifier,
                    };
                    self.emit(kind);
                    return Step::Inside;
                }
            }
        }
    }

    fn bad_character(&mut self, c: Option<char>) -> Step {
        let shown = c.map(go_u).unwrap_or_default();
        self.error(format!("bad character {shown}"))
    }

    fn variable(&mut self) -> Step {
        if self.at_terminator() {
            // Just "$".
            self.emit(Kind::Variable);
            return Step::Inside;
        }
        self.field_or_variable(Kind::Variable)
    }

    fn field_or_variable(&mut self, kind: Kind) -> Step {
        if self.at_terminator() {
            self.emit(if kind == Kind::Variable {
                kind
            } else {
                Kind::Dot
            });
            return Step::Inside;
        }
        let stop = loop {
            match self.next() {
                Some(c) if is_alnum(c) => {}
                c => {
                    self.backup();
                    break c;
                }
            }
        };
        if !self.at_terminator() {
            return self.bad_character(stop);
        }
        self.emit(kind);
        Step::Inside
    }

    fn quote(&mut self, close: char, kind: Kind, what: &str) -> Step {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    Some(c) if c != '\n' => {}
                    _ => return self.error(format!("unterminated {what}")),
                },
                None | Some('\n') => return self.error(format!("unterminated {what}")),
                Some(c) if c == close => break,
                Some(_) => {}
            }
        }
        self.emit(kind);
        Step::Inside
    }

    fn raw_quote(&mut self) -> Step {
        loop {
            match self.next() {
                None => return self.error("unterminated raw quoted string".into()),
                Some('`') => break,
                Some(_) => {}
            }
        }
        self.emit(Kind::RawString);
        Step::Inside
    }

    fn number(&mut self) -> Step {
        if !self.scan_number() {
            return self.bad_number();
        }
        if matches!(self.peek(), Some('+' | '-')) {
            // Complex: 1+2i.
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                return self.bad_number();
            }
            self.emit(Kind::Complex);
        } else {
            self.emit(Kind::Number);
        }
        Step::Inside
    }

    fn bad_number(&mut self) -> Step {
        let text = go_quote(&self.input[self.start..self.pos]);
        self.error(format!("bad number syntax: {text}"))
    }

    /// Go's deliberately loose number scanner; the parser validates.
    fn scan_number(&mut self) -> bool {
        const DECIMAL: &str = "0123456789_";
        const HEX: &str = "0123456789abcdefABCDEF_";
        self.accept("+-");
        let mut digits = DECIMAL;
        if self.accept("0") {
            if self.accept("xX") {
                digits = HEX;
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits == DECIMAL && self.accept("eE") {
            self.accept("+-");
            self.accept_run(DECIMAL);
        }
        if digits == HEX && self.accept("pP") {
            self.accept("+-");
            self.accept_run(DECIMAL);
        }
        self.accept("i");
        if self.peek().is_some_and(is_alnum) {
            self.next();
            return false;
        }
        true
    }
}

// ---------------------------------------------------------------------------
// Parse tree. `Display` reproduces Go's `Node.String()`, which execution
// errors quote as the failing expression (`at <.A.B>`).

#[derive(Debug)]
enum Node {
    Text(String),
    Action(Pipe),
    If(Box<Control>),
    Range(Box<Control>),
    With(Box<Control>),
    Break,
    Continue,
}

#[derive(Debug)]
struct Control {
    pipe: Pipe,
    list: Vec<Node>,
    else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
struct Pipe {
    pos: usize,
    is_assign: bool,
    decls: Vec<String>,
    cmds: Vec<Cmd>,
}

#[derive(Debug)]
struct Cmd {
    pos: usize,
    args: Vec<Arg>,
}

#[derive(Debug)]
struct Arg {
    pos: usize,
    kind: ArgKind,
}

#[derive(Debug)]
enum ArgKind {
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
struct NumLit {
    text: String,
    int: Option<i64>,
    uint: Option<u64>,
    float: Option<f64>,
    is_char: bool,
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

// ---------------------------------------------------------------------------
// Parser: Go's grammar and error messages.

/// What an action turned out to be.
enum Parsed {
    Node(Node),
    End,
    /// `{{else}}`; `if_follows` for `{{else if ...}}` (the `if` is not consumed).
    Else {
        if_follows: bool,
    },
}

/// How an item list ended.
enum Term {
    End,
    Else { if_follows: bool },
}

struct Parser {
    tokens: Vec<Token>,
    i: usize,
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
    depth: usize,
}

type ParseResult<T> = Result<T, String>;

impl Parser {
    fn new(text: &str) -> Self {
        Parser {
            tokens: Lexer::lex(text),
            i: 0,
            vars: vec!["$".to_string()],
            action_line: 0,
            range_depth: 0,
            depth: 0,
        }
    }

    fn token(&self, i: usize) -> Token {
        // The last token is EOF or an error, and reading stays there.
        self.tokens
            .get(i)
            .or_else(|| self.tokens.last())
            .cloned()
            .unwrap_or(Token {
                kind: Kind::Eof,
                pos: 0,
                line: 1,
                val: String::new(),
            })
    }

    fn next(&mut self) -> Token {
        let t = self.token(self.i);
        self.i += 1;
        t
    }

    fn backup(&mut self) {
        self.i = self.i.saturating_sub(1);
    }

    fn peek(&self) -> Token {
        self.token(self.i)
    }

    fn next_non_space(&mut self) -> Token {
        loop {
            let t = self.next();
            if t.kind != Kind::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Token {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn errorf(&self, msg: impl fmt::Display) -> String {
        let line = self.token(self.i.saturating_sub(1)).line;
        format!("template: :{line}: {msg}")
    }

    fn unexpected(&self, tok: &Token, context: &str) -> String {
        if tok.kind == Kind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != tok.line {
                extra = format!(" in action started at :{}", self.action_line);
                if tok.val.ends_with(" action") {
                    // Avoid "action in action".
                    extra = extra.replacen(" in action", "", 1);
                }
            }
            return format!("template: :{}: {}{}", tok.line, tok.val, extra);
        }
        self.errorf(format!("unexpected {tok} in {context}"))
    }

    fn expect(&mut self, kind: Kind, context: &str) -> ParseResult<Token> {
        let t = self.next_non_space();
        if t.kind != kind {
            return Err(self.unexpected(&t, context));
        }
        Ok(t)
    }

    fn enter(&mut self) -> ParseResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.errorf("max expression depth exceeded"));
        }
        Ok(())
    }

    fn parse(mut self) -> ParseResult<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != Kind::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => root.push(n),
                Parsed::End => return Err(self.errorf("unexpected {{end}}")),
                Parsed::Else { .. } => return Err(self.errorf("unexpected {{else}}")),
            }
        }
        Ok(root)
    }

    fn item_list(&mut self) -> ParseResult<(Vec<Node>, Term)> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != Kind::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                Parsed::End => return Ok((list, Term::End)),
                Parsed::Else { if_follows } => return Ok((list, Term::Else { if_follows })),
            }
        }
        Err(self.errorf("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> ParseResult<Parsed> {
        let tok = self.next_non_space();
        match tok.kind {
            Kind::Text => Ok(Parsed::Node(Node::Text(tok.val))),
            Kind::LeftDelim => {
                self.action_line = tok.line;
                let parsed = self.action();
                self.action_line = 0;
                parsed
            }
            _ => Err(self.unexpected(&tok, "input")),
        }
    }

    fn action(&mut self) -> ParseResult<Parsed> {
        let tok = self.next_non_space();
        match tok.kind {
            Kind::Block | Kind::Define | Kind::Template => {
                Err(self.errorf(format!("{{{{{}}}}} is not supported by netlings", tok.val)))
            }
            Kind::Break | Kind::Continue => {
                let t = self.next_non_space();
                if t.kind != Kind::RightDelim {
                    return Err(self.unexpected(&t, &format!("{{{{{}}}}}", tok.val)));
                }
                if self.range_depth == 0 {
                    return Err(self.errorf(format!("{{{{{}}}}} outside {{{{range}}}}", tok.val)));
                }
                Ok(Parsed::Node(if tok.kind == Kind::Break {
                    Node::Break
                } else {
                    Node::Continue
                }))
            }
            Kind::Else => {
                // "{{else if ...}}" is treated as "{{else}}{{if ...}}".
                if self.peek_non_space().kind == Kind::If {
                    return Ok(Parsed::Else { if_follows: true });
                }
                self.expect(Kind::RightDelim, "else")?;
                Ok(Parsed::Else { if_follows: false })
            }
            Kind::End => {
                self.expect(Kind::RightDelim, "end")?;
                Ok(Parsed::End)
            }
            Kind::If => Ok(Parsed::Node(Node::If(self.control("if")?))),
            Kind::Range => Ok(Parsed::Node(Node::Range(self.control("range")?))),
            Kind::With => Ok(Parsed::Node(Node::With(self.control("with")?))),
            _ => {
                self.backup();
                let pipe = self.pipeline("command", Kind::RightDelim)?;
                Ok(Parsed::Node(Node::Action(pipe)))
            }
        }
    }

    fn control(&mut self, context: &str) -> ParseResult<Box<Control>> {
        self.enter()?;
        let saved_vars = self.vars.len();
        let pipe = self.pipeline(context, Kind::RightDelim)?;
        let is_range = context == "range";
        if is_range {
            self.range_depth += 1;
        }
        let (list, term) = self.item_list()?;
        if is_range {
            self.range_depth -= 1;
        }
        let else_list = match term {
            Term::End => None,
            Term::Else { if_follows: true } if context == "if" => {
                self.next(); // the "if"
                Some(vec![Node::If(self.control("if")?)])
            }
            Term::Else { .. } => {
                let (list, term) = self.item_list()?;
                if !matches!(term, Term::End) {
                    return Err(self.errorf("expected end; found {{else}}"));
                }
                Some(list)
            }
        };
        self.vars.truncate(saved_vars);
        self.depth -= 1;
        Ok(Box::new(Control {
            pipe,
            list,
            else_list,
        }))
    }

    fn pipeline(&mut self, context: &str, end: Kind) -> ParseResult<Pipe> {
        let mut pipe = Pipe {
            pos: self.peek_non_space().pos,
            is_assign: false,
            decls: Vec::new(),
            cmds: Vec::new(),
        };
        // Declarations or assignments: "$x :=", "$x =", "$i, $v :=".
        loop {
            let var = self.peek_non_space();
            if var.kind != Kind::Variable {
                break;
            }
            let save = self.i;
            self.next();
            let next = self.peek_non_space();
            match next.kind {
                Kind::Assign | Kind::Declare => {
                    pipe.is_assign = next.kind == Kind::Assign;
                    self.next_non_space();
                    pipe.decls.push(var.val.clone());
                    self.vars.push(var.val);
                    break;
                }
                Kind::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decls.push(var.val.clone());
                    self.vars.push(var.val);
                    if context == "range" && pipe.decls.len() < 2 {
                        match self.peek_non_space().kind {
                            Kind::Variable | Kind::RightDelim | Kind::RightParen => continue,
                            _ => return Err(self.errorf("range can only initialize variables")),
                        }
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ => {
                    self.i = save;
                    break;
                }
            }
        }
        loop {
            let tok = self.next_non_space();
            if tok.kind == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match tok.kind {
                Kind::Bool
                | Kind::CharConstant
                | Kind::Complex
                | Kind::Dot
                | Kind::Field
                | Kind::Identifier
                | Kind::Number
                | Kind::Nil
                | Kind::RawString
                | Kind::Str
                | Kind::Variable
                | Kind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&tok, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> ParseResult<()> {
        if pipe.cmds.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        // Only the first command may start with a non-executable operand.
        for (i, cmd) in pipe.cmds.iter().enumerate().skip(1) {
            if let Some(
                ArgKind::Bool(_)
                | ArgKind::Dot
                | ArgKind::Nil
                | ArgKind::Number(_)
                | ArgKind::Str { .. },
            ) = cmd.args.first().map(|a| &a.kind)
            {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> ParseResult<Cmd> {
        let pos = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                args.push(operand);
            }
            let tok = self.next();
            match tok.kind {
                Kind::Space => continue,
                Kind::RightDelim | Kind::RightParen => self.backup(),
                Kind::Pipe => {}
                _ => return Err(self.unexpected(&tok, "operand")),
            }
            break;
        }
        if args.is_empty() {
            return Err(self.errorf("empty command"));
        }
        Ok(Cmd { pos, args })
    }

    fn operand(&mut self) -> ParseResult<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != Kind::Field {
            return Ok(Some(node));
        }
        // Like Go, the chain's position is that of its first trailing field.
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().kind == Kind::Field {
            fields.push(self.next().val[1..].to_string());
        }
        let kind = match node.kind {
            ArgKind::Field(mut idents) => {
                idents.extend(fields);
                ArgKind::Field(idents)
            }
            ArgKind::Variable(mut idents) => {
                idents.extend(fields);
                ArgKind::Variable(idents)
            }
            ArgKind::Bool(_)
            | ArgKind::Str { .. }
            | ArgKind::Number(_)
            | ArgKind::Nil
            | ArgKind::Dot => {
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    go_quote(&node.to_string())
                )))
            }
            _ => ArgKind::Chain(Box::new(node), fields),
        };
        Ok(Some(Arg { pos, kind }))
    }

    fn term(&mut self) -> ParseResult<Option<Arg>> {
        let tok = self.next_non_space();
        let kind = match tok.kind {
            Kind::Identifier => {
                if builtin(&tok.val).is_none() {
                    return Err(self.errorf(format!("function {} not defined", go_quote(&tok.val))));
                }
                ArgKind::Ident(tok.val)
            }
            Kind::Dot => ArgKind::Dot,
            Kind::Nil => ArgKind::Nil,
            Kind::Variable => {
                if !self.vars.contains(&tok.val) {
                    return Err(self.errorf(format!("undefined variable {}", go_quote(&tok.val))));
                }
                ArgKind::Variable(vec![tok.val])
            }
            Kind::Field => ArgKind::Field(vec![tok.val[1..].to_string()]),
            Kind::Bool => ArgKind::Bool(tok.val == "true"),
            Kind::CharConstant | Kind::Complex | Kind::Number => {
                ArgKind::Number(self.number(&tok)?)
            }
            Kind::LeftParen => {
                self.enter()?;
                let pipe = self.pipeline("parenthesized pipeline", Kind::RightParen)?;
                self.depth -= 1;
                return Ok(Some(Arg {
                    pos: pipe.pos,
                    kind: ArgKind::Pipe(Box::new(pipe)),
                }));
            }
            Kind::Str | Kind::RawString => match unquote(&tok.val) {
                Some(text) => ArgKind::Str {
                    quoted: tok.val,
                    text,
                },
                None => return Err(self.errorf("invalid syntax")),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(Arg { pos: tok.pos, kind }))
    }

    fn number(&self, tok: &Token) -> ParseResult<NumLit> {
        let text = tok.val.clone();
        if tok.kind == Kind::CharConstant {
            let Some(c) = unquote_char(&text) else {
                return Err(self.errorf(format!("malformed character constant: {text}")));
            };
            let code = u32::from(c);
            return Ok(NumLit {
                text,
                int: Some(i64::from(code)),
                uint: Some(u64::from(code)),
                float: Some(f64::from(code)),
                is_char: true,
            });
        }
        if tok.kind == Kind::Complex || text.ends_with('i') {
            return Err(self.errorf(format!(
                "complex constant {text} is not supported by netlings"
            )));
        }
        let mut n = NumLit {
            int: parse_go_int(&text),
            uint: parse_go_uint(&text),
            float: None,
            is_char: false,
            text,
        };
        if let Some(i) = n.int {
            n.float = Some(i as f64);
        } else if let Some(u) = n.uint {
            n.float = Some(u as f64);
        } else if let Some(f) = parse_go_float(&n.text) {
            if !n.text.contains(['.', 'e', 'E', 'p', 'P']) {
                return Err(self.errorf(format!("integer overflow: {}", go_quote(&n.text))));
            }
            n.float = Some(f);
            // An integral float can also serve as an int.
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                n.int = Some(f as i64);
                if f >= 0.0 {
                    n.uint = Some(f as u64);
                }
            }
        }
        if n.int.is_none() && n.uint.is_none() && n.float.is_none() {
            return Err(self.errorf(format!("illegal number syntax: {}", go_quote(&n.text))));
        }
        Ok(n)
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`: base prefixes and `_` separators.
fn parse_go_uint(text: &str) -> Option<u64> {
    let (radix, digits) = match text.get(..2) {
        Some("0x" | "0X") => (16, &text[2..]),
        Some("0o" | "0O") => (8, &text[2..]),
        Some("0b" | "0B") => (2, &text[2..]),
        _ if text.len() > 1 && text.starts_with('0') => (8, &text[1..]),
        _ => (10, text),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    if !digits.chars().all(|c| c == '_' || c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(&digits.replace('_', ""), radix).ok()
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
fn parse_go_int(text: &str) -> Option<i64> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = i128::from(parse_go_uint(body)?);
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal literals (no hex floats).
fn parse_go_float(text: &str) -> Option<f64> {
    let cleaned = text.replace('_', "");
    let first = cleaned.trim_start_matches(['+', '-']).chars().next()?;
    if !(first.is_ascii_digit() || first == '.') {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// One character of a Go string or rune literal, as `strconv.UnquoteChar`.
enum Piece {
    Char(char),
    Byte(u8),
}

fn unquote_piece(s: &str, quote: char) -> Option<(Piece, &str)> {
    let mut chars = s.chars();
    let c = chars.next()?;
    if c == quote && (quote == '\'' || quote == '"') {
        return None;
    }
    if c != '\\' {
        return Some((Piece::Char(c), chars.as_str()));
    }
    let e = chars.next()?;
    let simple = match e {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        '\\' => Some('\\'),
        '\'' | '"' if e == quote => Some(e),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((Piece::Char(c), chars.as_str()));
    }
    let rest = chars.as_str();
    let take = |n: usize, radix: u32| -> Option<(u32, &str)> {
        let digits = rest.get(..n)?;
        if !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        Some((u32::from_str_radix(digits, radix).ok()?, &rest[n..]))
    };
    match e {
        'x' => {
            let (v, tail) = take(2, 16)?;
            Some((Piece::Byte(v as u8), tail))
        }
        'u' | 'U' => {
            let (v, tail) = take(if e == 'u' { 4 } else { 8 }, 16)?;
            Some((Piece::Char(char::from_u32(v)?), tail))
        }
        '0'..='7' => {
            let digits = format!("{e}{}", rest.get(..2)?);
            if !digits.chars().all(|c| c.is_digit(8)) {
                return None;
            }
            let v = u32::from_str_radix(&digits, 8).ok()?;
            Some((Piece::Byte(u8::try_from(v).ok()?), &rest[2..]))
        }
        _ => None,
    }
}

/// `strconv.Unquote` for "..." and `...` literals.
fn unquote(s: &str) -> Option<String> {
    let (&first, &last) = (s.as_bytes().first()?, s.as_bytes().last()?);
    if s.len() < 2 || first != last {
        return None;
    }
    // Both ends are ASCII quotes here, so the slice is on char boundaries.
    let inner = &s[1..s.len() - 1];
    match (first, last) {
        (b'`', b'`') => (!inner.contains('`')).then(|| inner.replace('\r', "")),
        (b'"', b'"') => {
            let mut bytes = Vec::new();
            let mut rest = inner;
            while !rest.is_empty() {
                let (piece, tail) = unquote_piece(rest, '"')?;
                match piece {
                    Piece::Char(c) => {
                        bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes())
                    }
                    Piece::Byte(b) => bytes.push(b),
                }
                rest = tail;
            }
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => None,
    }
}

/// A rune literal such as `'a'` or `'\n'`.
fn unquote_char(s: &str) -> Option<char> {
    let body = s.strip_prefix('\'')?;
    let (piece, tail) = unquote_piece(body, '\'')?;
    if tail != "'" {
        return None;
    }
    Some(match piece {
        Piece::Char(c) => c,
        Piece::Byte(b) => char::from(b),
    })
}

// ---------------------------------------------------------------------------
// Docker's Go types, guessed from JSON field names. Go prints, sorts, tests
// and indexes structs, maps, slices and pointers differently, and a JSON
// `null` may have been any of the last three.

/// What a Docker map field holds, which decides its zero value and key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elem {
    Str,
    /// `nat.PortMap`: `nat.Port` keys, `[]PortBinding` values.
    PortBindings,
    /// `nat.PortSet`: `nat.Port` keys, `struct{}` values.
    PortSet,
    /// `map[string]struct{}`.
    EmptyStruct,
    /// `map[string]*network.EndpointSettings`.
    EndpointPtr,
    /// `map[string]SomeStruct`.
    StructValue,
}

impl Elem {
    /// `nat.Port` is a named string type, so Go will not index these maps
    /// with a plain string (Docker then falls back to the raw JSON).
    fn port_keys(self) -> bool {
        matches!(self, Elem::PortBindings | Elem::PortSet)
    }
}

/// The Go shape of a value in the typed run; `Raw` in the fallback run.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    /// Decoded JSON (`map[string]interface{}`, `[]interface{}`, `json.Number`).
    Raw,
    Struct {
        name: Option<String>,
        ptr: bool,
    },
    Map(Elem),
    Slice,
    NilPtr,
    Scalar,
    /// A `time.Time` (network `Created`): an RFC 3339 string in JSON,
    /// printed by Go as `2006-01-02 15:04:05.999999999 -0700 MST`.
    Time,
}

/// Map-typed fields of Docker's inspect structs, with their element type.
fn map_field(parent: Option<&str>, key: &str) -> Option<Elem> {
    Some(match (parent, key) {
        (Some("LogConfig"), "Config") => Elem::Str,
        (
            _,
            "Labels" | "Options" | "DriverOpts" | "Data" | "Sysctls" | "StorageOpt" | "Tmpfs"
            | "AuxiliaryAddresses" | "AuxAddress" | "Annotations",
        ) => Elem::Str,
        (_, "Ports" | "PortBindings") => Elem::PortBindings,
        (_, "ExposedPorts") => Elem::PortSet,
        (_, "Volumes") => Elem::EmptyStruct,
        (_, "Networks") => Elem::EndpointPtr,
        (_, "Containers" | "Services") => Elem::StructValue,
        _ => return None,
    })
}

/// Slice-typed fields: a nil Go slice prints `[]` where a nil pointer
/// prints `<nil>` (nil maps print `map[]`, see `map_field`).
fn slice_field(parent: Option<&str>, key: &str) -> bool {
    matches!(
        key,
        "Args"
            | "Links"
            | "Aliases"
            | "Cmd"
            | "Entrypoint"
            | "Env"
            | "Binds"
            | "Dns"
            | "DnsOptions"
            | "DnsSearch"
            | "ExtraHosts"
            | "CapAdd"
            | "CapDrop"
            | "SecondaryIPAddresses"
            | "SecondaryIPv6Addresses"
            | "Mounts"
            | "OnBuild"
            | "ExecIDs"
            | "VolumesFrom"
            | "GroupAdd"
            | "SecurityOpt"
            | "ConsoleSize"
            | "Devices"
            | "DeviceCgroupRules"
            | "DeviceRequests"
            | "BlkioWeightDevice"
            | "BlkioDeviceReadBps"
            | "BlkioDeviceWriteBps"
            | "BlkioDeviceReadIOps"
            | "BlkioDeviceWriteIOps"
            | "Ulimits"
            | "MaskedPaths"
            | "ReadonlyPaths"
            | "Shell"
            | "Peers"
            | "LinkLocalIPs"
            | "Log"
            | "Test"
    ) || (parent == Some("IPAM") && key == "Config")
}

/// Pointer-to-struct fields, which `print`/`printf` show as `&{...}`.
fn pointer_field(parent: Option<&str>, key: &str) -> bool {
    matches!(
        key,
        "State"
            | "HostConfig"
            | "NetworkSettings"
            | "Health"
            | "Healthcheck"
            | "IPAMConfig"
            | "Node"
    ) || (parent.is_none() && key == "Config")
}

/// Go field names that differ from their JSON keys. The typed run knows
/// only the Go name (`.ID`); `.Id` fails there and the raw run finds it.
const RENAMED: &[(&str, &str)] = &[
    ("ID", "Id"),
    ("HostIP", "HostIp"),
    ("AuxAddress", "AuxiliaryAddresses"),
    ("CPUShares", "CpuShares"),
    ("CPUPeriod", "CpuPeriod"),
    ("CPUQuota", "CpuQuota"),
    ("CPURealtimePeriod", "CpuRealtimePeriod"),
    ("CPURealtimeRuntime", "CpuRealtimeRuntime"),
    ("CPUCount", "CpuCount"),
    ("CPUPercent", "CpuPercent"),
    ("NanoCPUs", "NanoCpus"),
];

/// The JSON key of Go struct field `name`, or None if `name` is only a JSON key.
fn go_field_key(name: &str) -> Option<&str> {
    if let Some((_, json)) = RENAMED.iter().find(|(go, _)| *go == name) {
        return Some(json);
    }
    if RENAMED.iter().any(|(_, json)| *json == name) {
        return None;
    }
    Some(name)
}

/// Fields Docker leaves out of the JSON when empty (`omitempty`): the Go
/// struct still has them, holding the zero value.
fn omitted_zero(name: &str) -> Option<Value> {
    match name {
        "Gateway" | "Subnet" | "IPRange" | "MacAddress" | "StopSignal" => {
            Some(Value::String(String::new()))
        }
        "ArgsEscaped" => Some(Value::Bool(false)),
        "Health" | "Healthcheck" | "Node" | "SizeRw" | "SizeRootFs" | "StopTimeout" | "Init"
        | "Shell" | "Peers" | "ExposedPorts" | "Services" | "AuxAddress" => Some(Value::Null),
        _ => None,
    }
}

/// The struct name given to a `docker network inspect` root, whose
/// `Created` is a `time.Time` (a container's is a string).
const NETWORK_ROOT: &str = "NetworkResource";

/// The Go shape of `child`, found under `key` (None for elements) in `parent`.
fn child_ty(parent: &Ty, key: Option<&str>, child: &Value) -> Ty {
    let by_shape = |null: Ty| match child {
        Value::Object(_) => Ty::Struct {
            name: None,
            ptr: false,
        },
        Value::Array(_) => Ty::Slice,
        Value::Null => null,
        _ => Ty::Scalar,
    };
    match parent {
        Ty::Raw => Ty::Raw,
        Ty::Struct { name, .. } => {
            let (parent, key) = (name.as_deref(), key.unwrap_or(""));
            if parent == Some(NETWORK_ROOT) && key == "Created" && child.is_string() {
                return Ty::Time;
            }
            if let Some(elem) = map_field(parent, key) {
                return match child {
                    Value::Object(_) | Value::Null => Ty::Map(elem),
                    Value::Array(_) => Ty::Slice,
                    _ => Ty::Scalar,
                };
            }
            match child {
                Value::Object(_) => Ty::Struct {
                    name: Some(key.to_string()),
                    ptr: pointer_field(parent, key),
                },
                _ => by_shape(if slice_field(parent, key) {
                    Ty::Slice
                } else {
                    Ty::NilPtr
                }),
            }
        }
        Ty::Map(elem) => match child {
            Value::Object(_) => Ty::Struct {
                name: None,
                ptr: *elem == Elem::EndpointPtr,
            },
            _ => by_shape(if *elem == Elem::PortBindings {
                Ty::Slice
            } else {
                Ty::NilPtr
            }),
        },
        _ => by_shape(Ty::NilPtr),
    }
}

/// A value during execution: Go's `reflect.Value` over JSON.
#[derive(Debug, Clone)]
struct Val<'a> {
    /// None is Go's invalid value: a missing map key or an untyped nil.
    data: Option<Cow<'a, Value>>,
    ty: Ty,
    /// The static type is `interface {}` (raw-run map and slice elements),
    /// until a pipeline unwraps it; this changes some error messages.
    boxed: bool,
}

impl<'a> Val<'a> {
    fn invalid() -> Self {
        Val {
            data: None,
            ty: Ty::Scalar,
            boxed: false,
        }
    }

    fn owned(v: Value, ty: Ty) -> Self {
        Val {
            data: Some(Cow::Owned(v)),
            ty,
            boxed: false,
        }
    }

    fn str(s: impl Into<String>) -> Self {
        Self::owned(Value::String(s.into()), Ty::Scalar)
    }

    fn int(i: i64) -> Self {
        Self::owned(Value::from(i), Ty::Scalar)
    }

    fn bool(b: bool) -> Self {
        Self::owned(Value::Bool(b), Ty::Scalar)
    }

    fn float(f: f64) -> Self {
        Number::from_f64(f)
            .map_or_else(Self::invalid, |n| Self::owned(Value::Number(n), Ty::Scalar))
    }

    fn json(&self) -> Option<&Value> {
        self.data.as_deref()
    }

    /// Go's `indirectInterface`: the concrete value inside an interface.
    fn unboxed(mut self) -> Self {
        if self.boxed {
            if matches!(self.json(), Some(Value::Null)) {
                return Self::invalid();
            }
            self.boxed = false;
        }
        self
    }

    fn get(&self, key: &str) -> Option<Cow<'a, Value>> {
        match &self.data {
            Some(Cow::Borrowed(v)) => {
                let v: &'a Value = v;
                v.get(key).map(Cow::Borrowed)
            }
            Some(Cow::Owned(v)) => v.get(key).cloned().map(Cow::Owned),
            None => None,
        }
    }

    fn at(&self, i: usize) -> Option<Cow<'a, Value>> {
        match &self.data {
            Some(Cow::Borrowed(v)) => {
                let v: &'a Value = v;
                v.get(i).map(Cow::Borrowed)
            }
            Some(Cow::Owned(v)) => v.get(i).cloned().map(Cow::Owned),
            None => None,
        }
    }

    fn child(&self, key: Option<&str>, data: Cow<'a, Value>) -> Val<'a> {
        let ty = child_ty(&self.ty, key, &data);
        Val {
            boxed: ty == Ty::Raw,
            ty,
            data: Some(data),
        }
    }

    fn is_nil_pointer(&self) -> bool {
        self.ty == Ty::NilPtr || (self.boxed && matches!(self.json(), Some(Value::Null)))
    }
}

/// Whether Go sees a `string` (or a string type such as `json.Number`).
fn is_go_string(v: &Val) -> bool {
    match v.json() {
        Some(Value::String(_)) => v.ty != Ty::Time,
        Some(Value::Number(_)) => v.ty == Ty::Raw,
        _ => false,
    }
}

/// Go's `Time.String()` for an RFC 3339 timestamp (as JSON carries it).
fn go_time(rfc3339: &str) -> String {
    let parse = || -> Option<String> {
        let (date, rest) = rfc3339.split_once('T')?;
        let zone_at = rest.find(['Z', '+', '-'])?;
        let (clock, zone) = rest.split_at(zone_at);
        let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
        let fraction = fraction.trim_end_matches('0');
        let dot = if fraction.is_empty() { "" } else { "." };
        let zone = match zone {
            "Z" => "+0000 UTC".to_string(),
            offset => {
                let compact = offset.replace(':', "");
                format!("{compact} {compact}")
            }
        };
        Some(format!("{date} {hms}{dot}{fraction} {zone}"))
    };
    parse().unwrap_or_else(|| rfc3339.to_string())
}

fn number_int(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

fn is_string_slice(items: &[Value]) -> bool {
    items.iter().all(Value::is_string)
}

/// Go's name for the value's dynamic type, for error messages.
fn type_name(v: &Val) -> String {
    if v.boxed {
        return "interface {}".into();
    }
    concrete_type_name(v)
}

fn concrete_type_name(v: &Val) -> String {
    let Some(data) = v.json() else {
        return "<nil>".into();
    };
    let name = match (&v.ty, data) {
        (Ty::Raw, Value::Object(_)) => "map[string]interface {}",
        (Ty::Raw, Value::Array(_)) => "[]interface {}",
        (Ty::Raw, Value::Number(_)) => "json.Number",
        (Ty::Raw, Value::Null) => "interface {}",
        (Ty::Time, _) => "time.Time",
        (_, Value::String(_)) => "string",
        (_, Value::Bool(_)) => "bool",
        (_, Value::Number(n)) if number_int(n).is_some() => "int",
        (_, Value::Number(_)) => "float64",
        (Ty::Slice, Value::Array(items)) if !is_string_slice(items) => "[]interface {}",
        (Ty::Slice, _) => "[]string",
        (Ty::Map(Elem::Str), _) => "map[string]string",
        (Ty::Map(Elem::PortBindings), _) => "nat.PortMap",
        (Ty::Map(Elem::PortSet), _) => "nat.PortSet",
        (Ty::Map(Elem::EmptyStruct), _) => "map[string]struct {}",
        (Ty::Map(Elem::EndpointPtr), _) => "map[string]*network.EndpointSettings",
        (Ty::Map(Elem::StructValue), _) => "map[string]types.EndpointResource",
        (Ty::Struct { ptr: true, .. }, _) | (Ty::NilPtr, _) => "*struct",
        _ => "struct",
    };
    name.to_string()
}

// ---------------------------------------------------------------------------
// Go's fmt: %v and the printf verbs, applied element by element to slices,
// maps and structs as Go does.

#[derive(Debug, Clone, Default)]
struct Spec {
    verb: char,
    minus: bool,
    plus: bool,
    /// `%+v`: struct fields with their names.
    plus_v: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

impl Spec {
    fn plain() -> Spec {
        Spec {
            verb: 'v',
            ..Spec::default()
        }
    }
}

fn pad(out: &mut String, s: &str, spec: &Spec) {
    let len = s.chars().count();
    let fill = spec.width.unwrap_or(0).saturating_sub(len);
    if spec.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', fill));
    } else {
        out.extend(std::iter::repeat_n(if spec.zero { '0' } else { ' ' }, fill));
        out.push_str(s);
    }
}

/// Pads a number, putting zero padding between the sign and the digits.
fn pad_number(out: &mut String, sign: &str, body: &str, spec: &Spec) {
    if spec.zero && !spec.minus {
        let fill = spec
            .width
            .unwrap_or(0)
            .saturating_sub(sign.len() + body.chars().count());
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(body);
    } else {
        pad(out, &format!("{sign}{body}"), spec);
    }
}

fn bad_verb(out: &mut String, verb: char, type_name: &str, shown: &str) {
    let _ = write!(out, "%!{verb}({type_name}={shown})");
}

fn fmt_nil(out: &mut String, spec: &Spec) {
    if spec.verb == 'v' {
        pad(out, "<nil>", spec);
    } else {
        let _ = write!(out, "%!{}(<nil>)", spec.verb);
    }
}

/// Formats one argument of `print`/`printf` (an invalid value is Go's nil).
fn fmt_arg(out: &mut String, v: &Val, spec: &Spec, amp: bool) {
    match v.json() {
        None => fmt_nil(out, spec),
        Some(d) => fmt_json(out, d, &v.ty, spec, 0, amp),
    }
}

/// `amp`: show a top-level pointer to a struct as `&{...}`, as `fmt` does
/// (the template's own printing dereferences it first).
fn fmt_json(out: &mut String, d: &Value, ty: &Ty, spec: &Spec, depth: usize, amp: bool) {
    match d {
        Value::Null => match ty {
            Ty::Slice => out.push_str("[]"),
            Ty::Map(_) => out.push_str("map[]"),
            _ => fmt_nil(out, spec),
        },
        Value::Array(items) => {
            out.push('[');
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_json(out, e, &child_ty(ty, None, e), spec, depth + 1, amp);
            }
            out.push(']');
        }
        Value::Object(m) => match ty {
            Ty::Struct { ptr, .. } => {
                if amp && *ptr && depth == 0 {
                    out.push('&');
                }
                out.push('{');
                for (i, (k, e)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    if spec.plus_v {
                        out.push_str(k);
                        out.push(':');
                    }
                    fmt_json(out, e, &child_ty(ty, Some(k), e), spec, depth + 1, amp);
                }
                out.push('}');
            }
            _ => {
                // Go prints maps with sorted keys.
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                out.push_str("map[");
                for (i, (k, e)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    fmt_str(out, k, spec, "string");
                    out.push(':');
                    fmt_json(out, e, &child_ty(ty, Some(k), e), spec, depth + 1, amp);
                }
                out.push(']');
            }
        },
        Value::String(s) if *ty == Ty::Time => fmt_str(out, &go_time(s), spec, "time.Time"),
        Value::String(s) => fmt_str(out, s, spec, "string"),
        // json.Number is a string type.
        Value::Number(n) if *ty == Ty::Raw => fmt_str(out, &n.to_string(), spec, "json.Number"),
        Value::Number(n) => match number_int(n) {
            Some(i) => fmt_int(out, i, spec),
            None => fmt_float(out, n.as_f64().unwrap_or(0.0), spec),
        },
        Value::Bool(b) => match spec.verb {
            'v' | 't' => pad(out, if *b { "true" } else { "false" }, spec),
            verb => bad_verb(out, verb, "bool", if *b { "true" } else { "false" }),
        },
    }
}

fn fmt_str(out: &mut String, s: &str, spec: &Spec, type_name: &str) {
    let cut: String = match spec.prec {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    };
    match spec.verb {
        'v' | 's' => pad(out, &cut, spec),
        'q' if spec.sharp && !cut.contains('`') && !cut.chars().any(char::is_control) => {
            pad(out, &format!("`{cut}`"), spec)
        }
        'q' => pad(out, &go_quote(&cut), spec),
        'x' | 'X' => {
            let mut hex = String::new();
            for b in cut.bytes() {
                let _ = if spec.verb == 'x' {
                    write!(hex, "{b:02x}")
                } else {
                    write!(hex, "{b:02X}")
                };
            }
            pad(out, &hex, spec);
        }
        verb => bad_verb(out, verb, type_name, s),
    }
}

fn fmt_int(out: &mut String, i: i128, spec: &Spec) {
    let magnitude = i.unsigned_abs();
    let (prefix, mut digits) = match spec.verb {
        'v' | 'd' => ("", magnitude.to_string()),
        'b' => (if spec.sharp { "0b" } else { "" }, format!("{magnitude:b}")),
        'o' => (if spec.sharp { "0" } else { "" }, format!("{magnitude:o}")),
        'O' => ("0o", format!("{magnitude:o}")),
        'x' => (if spec.sharp { "0x" } else { "" }, format!("{magnitude:x}")),
        'X' => (if spec.sharp { "0X" } else { "" }, format!("{magnitude:X}")),
        'c' => {
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            return pad(out, &c.to_string(), spec);
        }
        'q' => {
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            let mut quoted = String::from("'");
            quote_char_into(&mut quoted, c, '\'');
            quoted.push('\'');
            return pad(out, &quoted, spec);
        }
        'U' => return pad(out, &format!("U+{magnitude:04X}"), spec),
        verb => return bad_verb(out, verb, "int", &i.to_string()),
    };
    if let Some(p) = spec.prec {
        if digits.len() < p {
            digits = format!("{}{digits}", "0".repeat(p - digits.len()));
        }
    }
    let sign = if i < 0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    pad_number(out, &format!("{sign}{prefix}"), &digits, spec);
}

fn fmt_float(out: &mut String, f: f64, spec: &Spec) {
    let body = match spec.verb {
        'v' => go_float_g(f.abs(), None),
        'g' | 'G' => go_float_g(f.abs(), spec.prec),
        'e' | 'E' => go_float_e(f.abs(), spec.prec.unwrap_or(6)),
        'f' | 'F' => format!("{:.*}", spec.prec.unwrap_or(6), f.abs()),
        verb => return bad_verb(out, verb, "float64", &go_float_g(f, None)),
    };
    let body = if matches!(spec.verb, 'E' | 'G') {
        body.to_uppercase()
    } else {
        body
    };
    let sign = if f.is_sign_negative() && f != 0.0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    pad_number(out, sign, &body, spec);
}

/// Decimal digits and exponent of `f` (`d.ddd × 10^exp`), shortest or
/// rounded to `sig` significant digits, without trailing zeros.
fn decimal_digits(f: f64, sig: Option<usize>) -> (String, i32) {
    let s = match sig {
        None => format!("{f:e}"),
        Some(p) => format!("{:.*e}", p.max(1) - 1, f),
    };
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    (digits, exp.parse().unwrap_or(0))
}

/// Go's `%g` (and `%v`) for a non-negative float.
fn go_float_g(f: f64, prec: Option<usize>) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let negative = f.is_sign_negative() && f != 0.0;
    let (digits, exp) = decimal_digits(f.abs(), prec);
    let eprec = match prec {
        // Shortest form: exponent notation from 1e+06 up (as Go decides).
        None => 6,
        Some(p) => {
            let p = p.max(1) as i32;
            if p > digits.len() as i32 && digits.len() as i32 > exp {
                digits.len() as i32
            } else {
                p
            }
        }
    };
    let body = if exp < -4 || exp >= eprec {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!(
            "{first}{dot}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        )
    } else if exp < 0 {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let point = exp as usize + 1;
        if digits.len() <= point {
            format!("{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    if negative {
        format!("-{body}")
    } else {
        body
    }
}

/// Go's `%e`: two-digit exponent with a sign.
fn go_float_e(f: f64, prec: usize) -> String {
    let s = format!("{f:.prec$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    format!(
        "{mantissa}e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.unsigned_abs()
    )
}

fn is_go_print(c: char) -> bool {
    c == ' '
        || !(c.is_control()
            || c.is_whitespace()
            || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'))
}

fn quote_char_into(out: &mut String, c: char, quote: char) {
    match c {
        c if c == quote || c == '\\' => {
            out.push('\\');
            out.push(c);
        }
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if is_go_print(c) => out.push(c),
        c if u32::from(c) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c if u32::from(c) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\U{:08x}", u32::from(c));
        }
    }
}

/// Go's `strconv.Quote`.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        quote_char_into(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Go's `%#U`, as in lexer errors: `U+002D '-'`.
fn go_u(c: char) -> String {
    if is_go_print(c) {
        format!("U+{:04X} '{c}'", u32::from(c))
    } else {
        format!("U+{:04X}", u32::from(c))
    }
}

/// `fmt.Sprint`: spaces between operands when neither is a string.
fn sprint(args: &[Val], amp: bool) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        // json.Number counts as a string here too.
        let is_string = is_go_string(arg);
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        fmt_arg(&mut out, arg, &Spec::plain(), amp);
        prev_string = is_string;
    }
    out
}

/// `fmt.Sprintf`, including Go's `%!verb(...)` complaints.
fn sprintf(format: &str, args: &[Val]) -> String {
    let mut out = String::new();
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    let mut next_arg = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut spec = Spec::default();
        while let Some(&c) = chars.get(i) {
            match c {
                '-' => {
                    spec.minus = true;
                    spec.zero = false;
                }
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = !spec.minus,
                _ => break,
            }
            i += 1;
        }
        // Like Go, a number over a million swallows the rest of the format
        // (which then lacks a verb) instead of padding without bound.
        let number = |i: &mut usize| -> Option<usize> {
            let mut n: Option<usize> = None;
            while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
                if n.is_some_and(|n| n > 1_000_000) {
                    *i = chars.len();
                    return None;
                }
                n = Some(n.unwrap_or(0) * 10 + d as usize);
                *i += 1;
            }
            n
        };
        spec.width = number(&mut i);
        if chars.get(i) == Some(&'.') {
            i += 1;
            spec.prec = Some(number(&mut i).unwrap_or(0));
        }
        let Some(&verb) = chars.get(i) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += 1;
        if verb == '%' {
            out.push('%');
            continue;
        }
        spec.verb = verb;
        if verb == 'v' {
            spec.plus_v = spec.plus;
            spec.plus = false;
        }
        match args.get(next_arg) {
            None => {
                let _ = write!(out, "%!{verb}(MISSING)");
            }
            Some(arg) => {
                next_arg += 1;
                if verb == 'T' {
                    pad(&mut out, &concrete_type_name(arg), &spec);
                } else {
                    fmt_arg(&mut out, arg, &spec, true);
                }
            }
        }
    }
    if next_arg < args.len() {
        out.push_str("%!(EXTRA ");
        for (k, arg) in args[next_arg..].iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            if arg.json().is_none() {
                out.push_str("<nil>");
            } else {
                out.push_str(&concrete_type_name(arg));
                out.push('=');
                fmt_arg(&mut out, arg, &Spec::plain(), true);
            }
        }
        out.push(')');
    }
    out
}

// ---------------------------------------------------------------------------
// JSON as Go's encoding/json writes it, without HTML escaping (Docker's
// `json` function turns that off); struct fields in order, map keys sorted.

fn encode_json(out: &mut String, d: &Value, ty: &Ty) {
    match d {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match number_int(n) {
            Some(i) => {
                let _ = write!(out, "{i}");
            }
            None => out.push_str(&go_json_float(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_json(out, e, &child_ty(ty, None, e));
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            if !matches!(ty, Ty::Struct { .. }) {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, e)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(out, k);
                out.push(':');
                encode_json(out, e, &child_ty(ty, Some(k), e));
            }
            out.push('}');
        }
    }
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            // Go escapes these for JavaScript's sake even without HTML escaping.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// encoding/json's float format: plain decimals, exponents outside
/// [1e-6, 1e21) written like `1e+21` and `1e-7`.
fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        return format!(
            "{mantissa}e{}{}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    }
    format!("{f}")
}

// ---------------------------------------------------------------------------
// Functions: Go's builtins and Docker's additions, with their Go signatures
// (which decide argument checking and error messages).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    /// No declared type (the receiver of a chain).
    Untyped,
    /// `interface{}` or `reflect.Value`.
    Any,
    Str,
    Int,
    StrSlice,
}

impl Param {
    fn go_name(self) -> &'static str {
        match self {
            Param::Str => "string",
            Param::Int => "int",
            Param::StrSlice => "[]string",
            Param::Any | Param::Untyped => "interface {}",
        }
    }
}

struct Sig {
    fixed: &'static [Param],
    variadic: Option<Param>,
}

fn builtin(name: &str) -> Option<Sig> {
    use Param::{Any, Int, Str, StrSlice};
    let (fixed, variadic): (&'static [Param], Option<Param>) = match name {
        "and" | "or" | "index" | "slice" | "eq" | "call" => (&[Any], Some(Any)),
        "not" | "len" | "json" => (&[Any], None),
        "ne" | "lt" | "le" | "gt" | "ge" => (&[Any, Any], None),
        "print" | "println" | "html" | "js" | "urlquery" => (&[], Some(Any)),
        "printf" => (&[Str], Some(Any)),
        "split" => (&[Str, Str], None),
        "join" => (&[StrSlice, Str], None),
        "title" | "lower" | "upper" => (&[Str], None),
        "pad" => (&[Str, Int, Int], None),
        "truncate" => (&[Str, Int], None),
        _ => return None,
    };
    Some(Sig { fixed, variadic })
}

/// Go's truth: non-zero, non-empty, non-nil. Structs are always true.
fn truth(v: &Val) -> bool {
    let v = v.clone().unboxed();
    match (v.json(), &v.ty) {
        (None | Some(Value::Null), _) => false,
        (Some(Value::Object(_)), Ty::Struct { .. }) => true,
        (Some(Value::Object(m)), _) => !m.is_empty(),
        (Some(Value::Array(a)), _) => !a.is_empty(),
        (Some(Value::String(s)), _) => !s.is_empty(),
        // json.Number is a non-empty string.
        (Some(Value::Number(_)), Ty::Raw) => true,
        (Some(Value::Number(n)), _) => n.as_f64().is_some_and(|f| f != 0.0),
        (Some(Value::Bool(b)), _) => *b,
    }
}

fn str_arg(v: Option<&Val>) -> String {
    match v.and_then(Val::json) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn int_arg(v: Option<&Val>) -> i128 {
    match v.and_then(Val::json) {
        Some(Value::Number(n)) => number_int(n).unwrap_or(0),
        _ => 0,
    }
}

/// Go's `indexArg`.
fn index_arg(idx: &Val, len: usize) -> Result<usize, String> {
    let idx = idx.clone().unboxed();
    match idx.json() {
        None => Err("cannot index slice/array with nil".into()),
        Some(Value::Number(n)) if idx.ty != Ty::Raw && number_int(n).is_some() => {
            let x = number_int(n).unwrap_or(-1);
            if x < 0 || x > len as i128 {
                return Err(format!("index out of range: {x}"));
            }
            Ok(x as usize)
        }
        _ => Err(format!(
            "cannot index slice/array with type {}",
            concrete_type_name(&idx)
        )),
    }
}

fn map_zero<'a>(elem: Elem) -> Val<'a> {
    match elem {
        Elem::Str => Val::str(""),
        Elem::PortBindings => Val::owned(Value::Null, Ty::Slice),
        Elem::EndpointPtr => Val::owned(Value::Null, Ty::NilPtr),
        Elem::PortSet | Elem::EmptyStruct | Elem::StructValue => Val::owned(
            Value::Object(serde_json::Map::new()),
            Ty::Struct {
                name: None,
                ptr: false,
            },
        ),
    }
}

fn index<'a>(item: &Val<'a>, indexes: &[Val<'a>]) -> Result<Val<'a>, String> {
    let mut v = item.clone().unboxed();
    if v.json().is_none() {
        return Err("index of untyped nil".into());
    }
    for idx in indexes {
        if v.is_nil_pointer() {
            return Err("index of nil pointer".into());
        }
        v = v.unboxed();
        let Some(data) = v.json() else {
            return Err("index of nil pointer".into());
        };
        v = match (data, &v.ty) {
            (Value::String(s), ty) if *ty != Ty::Time => {
                let x = index_arg(idx, s.len())?;
                let byte = *s
                    .as_bytes()
                    .get(x)
                    .ok_or("reflect: string index out of range")?;
                Val::int(i64::from(byte))
            }
            (Value::Array(items), _) => {
                let x = index_arg(idx, items.len())?;
                let child = v.at(x).ok_or("reflect: slice index out of range")?;
                v.child(None, child)
            }
            (Value::Null, Ty::Slice) => {
                index_arg(idx, 0)?;
                return Err("reflect: slice index out of range".into());
            }
            (Value::Object(_) | Value::Null, Ty::Map(elem)) => {
                let key_type = if elem.port_keys() {
                    "nat.Port"
                } else {
                    "string"
                };
                let key = map_key(idx, key_type)?;
                match v.get(&key) {
                    Some(child) => v.child(Some(&key), child),
                    None => map_zero(*elem),
                }
            }
            (Value::Object(_), Ty::Raw) => {
                let key = map_key(idx, "string")?;
                match v.get(&key) {
                    Some(child) => v.child(Some(&key), child),
                    // The zero value of interface{}.
                    None => Val {
                        data: Some(Cow::Owned(Value::Null)),
                        ty: Ty::Raw,
                        boxed: true,
                    },
                }
            }
            _ => {
                return Err(format!(
                    "can't index item of type {}",
                    concrete_type_name(&v)
                ))
            }
        };
    }
    Ok(v)
}

/// Go's `prepareArg` for a map key of type `key_type`.
fn map_key(idx: &Val, key_type: &str) -> Result<String, String> {
    let idx = idx.clone().unboxed();
    match idx.json() {
        None => Err(format!("value is nil; should be of type {key_type}")),
        Some(Value::String(s)) if key_type == "string" => Ok(s.clone()),
        _ => Err(format!(
            "value has type {}; should be {key_type}",
            concrete_type_name(&idx)
        )),
    }
}

fn slice<'a>(item: &Val<'a>, indexes: &[Val<'a>]) -> Result<Val<'a>, String> {
    let v = item.clone().unboxed();
    let Some(data) = v.json() else {
        return Err("slice of untyped nil".into());
    };
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match (data, &v.ty) {
        (Value::String(_), Ty::Time) => return Err("can't slice item of type time.Time".into()),
        (Value::String(_), _) if indexes.len() == 3 => {
            return Err("cannot 3-index slice a string".into())
        }
        (Value::String(s), _) => s.len(),
        (Value::Array(items), _) => items.len(),
        (Value::Null, Ty::Slice) => 0,
        _ => {
            return Err(format!(
                "can't slice item of type {}",
                concrete_type_name(&v)
            ))
        }
    };
    let mut idx = [0, len, len];
    for (i, x) in indexes.iter().enumerate() {
        idx[i] = index_arg(x, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(match data {
        Value::String(s) => {
            Val::str(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
        }
        Value::Array(items) => {
            Val::owned(Value::Array(items[idx[0]..idx[1]].to_vec()), v.ty.clone())
        }
        _ => Val::owned(Value::Array(Vec::new()), v.ty.clone()),
    })
}

fn length(v: &Val) -> Result<i64, String> {
    let Some(data) = v.json() else {
        return Err("len of untyped nil".into());
    };
    if v.is_nil_pointer() {
        return Err("len of nil pointer".into());
    }
    let n = match (data, &v.ty) {
        (Value::String(s), ty) if *ty != Ty::Time => s.len(),
        (Value::Number(n), Ty::Raw) => n.to_string().len(),
        (Value::Array(items), _) => items.len(),
        (Value::Object(m), Ty::Map(_) | Ty::Raw) => m.len(),
        (Value::Null, Ty::Slice | Ty::Map(_)) => 0,
        _ => {
            return Err(format!(
                "len of type {}",
                concrete_type_name(&v.clone().unboxed())
            ))
        }
    };
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Go's comparable kinds.
#[derive(Debug, PartialEq)]
enum Basic {
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
}

fn basic(v: &Val) -> Option<Basic> {
    if v.ty == Ty::Time {
        return None;
    }
    Some(match v.json()? {
        Value::Bool(b) => Basic::Bool(*b),
        Value::String(s) => Basic::Str(s.clone()),
        Value::Number(n) if v.ty == Ty::Raw => Basic::Str(n.to_string()),
        Value::Number(n) => match number_int(n) {
            Some(i) => Basic::Int(i),
            None => Basic::Float(n.as_f64()?),
        },
        _ => return None,
    })
}

/// Whether Go's `==` works on the value (slices and maps do not).
fn comparable(d: &Value, ty: &Ty) -> bool {
    match (d, ty) {
        (_, Ty::Raw) => !matches!(d, Value::Object(_) | Value::Array(_)),
        (_, Ty::Slice | Ty::Map(_)) => false,
        (Value::Object(m), Ty::Struct { ptr: false, .. }) => m
            .iter()
            .all(|(k, e)| comparable(e, &child_ty(ty, Some(k), e))),
        _ => true,
    }
}

fn eq(first: &Val, others: &[Val]) -> Result<bool, String> {
    let v1 = first.clone().unboxed();
    if let Some(d) = v1.json() {
        if !comparable(d, &v1.ty) {
            return Err(format!(
                "uncomparable type {}: {}",
                concrete_type_name(&v1),
                sprint(std::slice::from_ref(&v1), false)
            ));
        }
    }
    if others.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic(&v1);
    for other in others {
        let v2 = other.clone().unboxed();
        let k2 = basic(&v2);
        let equal = match (&k1, &k2) {
            (Some(a), Some(b)) if std::mem::discriminant(a) == std::mem::discriminant(b) => a == b,
            (None, None) => match v2.json() {
                None => v1.json().is_none(),
                Some(d) if !comparable(d, &v2.ty) => {
                    return Err(format!(
                        "uncomparable type {}: {}",
                        concrete_type_name(&v2),
                        sprint(std::slice::from_ref(&v2), false)
                    ))
                }
                Some(d) => v1.json() == Some(d),
            },
            _ => return Err("incompatible types for comparison".into()),
        };
        if equal {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a: &Val, b: &Val) -> Result<bool, String> {
    let k1 = basic(&a.clone().unboxed()).ok_or("invalid type for comparison")?;
    let k2 = basic(&b.clone().unboxed()).ok_or("invalid type for comparison")?;
    match (k1, k2) {
        (Basic::Int(x), Basic::Int(y)) => Ok(x < y),
        (Basic::Float(x), Basic::Float(y)) => Ok(x < y),
        (Basic::Str(x), Basic::Str(y)) => Ok(x < y),
        (Basic::Bool(_), Basic::Bool(_)) => Err("invalid type for comparison".into()),
        _ => Err("incompatible types for comparison".into()),
    }
}

fn le(a: &Val, b: &Val) -> Result<bool, String> {
    Ok(lt(a, b)? || eq(a, std::slice::from_ref(b))?)
}

/// `title`: Go's `strings.Title`, upper-casing letters that follow a separator.
fn title(s: &str) -> String {
    let is_separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else if c.is_alphanumeric() {
            false
        } else {
            c.is_whitespace()
        }
    };
    let mut prev = ' ';
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_separator(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// The string `html`, `js` and `urlquery` escape: one string argument as is,
/// anything else printed like `print` (pointers dereferenced).
fn eval_args(args: &[Val]) -> String {
    if let [only] = args {
        if let (Some(Value::String(s)), true) = (only.json(), is_go_string(only)) {
            return s.clone();
        }
    }
    sprint(args, false)
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{fffd}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c if !c.is_ascii() && !is_go_print(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Runs builtin `name` on checked arguments. Errors are what Go's function
/// returns (or panics with); the caller adds "error calling NAME: ".
fn call_builtin<'a>(name: &str, argv: &[Val<'a>]) -> Result<Val<'a>, String> {
    let arg = |i: usize| argv.get(i).cloned().unwrap_or_else(Val::invalid);
    Ok(match name {
        "not" => Val::bool(!truth(&arg(0))),
        "len" => Val::int(length(&arg(0))?),
        "index" => index(&arg(0), argv.get(1..).unwrap_or(&[]))?,
        "slice" => slice(&arg(0), argv.get(1..).unwrap_or(&[]))?,
        "eq" => Val::bool(eq(&arg(0), argv.get(1..).unwrap_or(&[]))?),
        "ne" => Val::bool(!eq(&arg(0), &[arg(1)])?),
        "lt" => Val::bool(lt(&arg(0), &arg(1))?),
        "le" => Val::bool(le(&arg(0), &arg(1))?),
        "gt" => Val::bool(!le(&arg(0), &arg(1))?),
        "ge" => Val::bool(!lt(&arg(0), &arg(1))?),
        "print" => Val::str(sprint(argv, true)),
        "println" => {
            let parts: Vec<String> = argv
                .iter()
                .map(|a| sprint(std::slice::from_ref(a), true))
                .collect();
            Val::str(parts.join(" ") + "\n")
        }
        "printf" => Val::str(sprintf(
            &str_arg(argv.first()),
            argv.get(1..).unwrap_or(&[]),
        )),
        "html" => Val::str(html_escape(&eval_args(argv))),
        "js" => Val::str(js_escape(&eval_args(argv))),
        "urlquery" => Val::str(query_escape(&eval_args(argv))),
        "call" => {
            let f = arg(0).unboxed();
            return Err(match f.json() {
                None => "call of nil".into(),
                Some(_) => format!("non-function of type {}", concrete_type_name(&f)),
            });
        }
        "json" => {
            let v = arg(0);
            let mut out = String::new();
            match v.json() {
                Some(d) => encode_json(&mut out, d, &v.ty),
                None => out.push_str("null"),
            }
            Val::str(out)
        }
        "split" => {
            let (s, sep) = (str_arg(argv.first()), str_arg(argv.get(1)));
            let parts: Vec<Value> = if sep.is_empty() {
                s.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                s.split(sep.as_str())
                    .map(|p| Value::String(p.to_string()))
                    .collect()
            };
            Val::owned(Value::Array(parts), Ty::Slice)
        }
        "join" => {
            let parts: Vec<&str> = match argv.first().and_then(Val::json) {
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            Val::str(parts.join(&str_arg(argv.get(1))))
        }
        "title" => Val::str(title(&str_arg(argv.first()))),
        "lower" => Val::str(str_arg(argv.first()).to_lowercase()),
        "upper" => Val::str(str_arg(argv.first()).to_uppercase()),
        "pad" => {
            let s = str_arg(argv.first());
            let (before, after) = (int_arg(argv.get(1)), int_arg(argv.get(2)));
            if s.is_empty() {
                return Ok(Val::str(s));
            }
            if before < 0 || after < 0 {
                return Err("strings: negative Repeat count".into());
            }
            let (before, after) = (before.min(1 << 20) as usize, after.min(1 << 20) as usize);
            Val::str(format!("{}{s}{}", " ".repeat(before), " ".repeat(after)))
        }
        "truncate" => {
            let s = str_arg(argv.first());
            let n = int_arg(argv.get(1));
            if n > s.len() as i128 - 1 {
                return Ok(Val::str(s));
            }
            if n < 0 {
                return Err(format!("runtime error: slice bounds out of range [:{n}]"));
            }
            Val::str(String::from_utf8_lossy(&s.as_bytes()[..n as usize]).into_owned())
        }
        _ => return Err(format!("{} is not a defined function", go_quote(name))),
    })
}

// ---------------------------------------------------------------------------
// Execution.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Docker's first run, over its typed Go structs.
    Typed,
    /// The fallback over `map[string]interface{}` with `missingkey=error`.
    Raw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// The node Go's executor last visited: errors name it and its position.
#[derive(Clone, Copy)]
enum At<'t> {
    Arg(&'t Arg),
    Cmd(&'t Cmd),
    Pipe(&'t Pipe),
}

struct Exec<'a, 't> {
    text: &'t str,
    data: &'a Value,
    mode: Mode,
    vars: Vec<(String, Val<'a>)>,
    out: String,
    at: Option<At<'t>>,
}

type ExecResult<T> = Result<T, String>;

impl<'a, 't> Exec<'a, 't> {
    fn new(text: &'t str, data: &'a Value, mode: Mode) -> Self {
        Exec {
            text,
            data,
            mode,
            vars: Vec::new(),
            out: String::new(),
            at: None,
        }
    }

    fn run(mut self, nodes: &'t [Node]) -> ExecResult<String> {
        let ty = match self.mode {
            Mode::Typed => {
                let is_network =
                    self.data.get("IPAM").is_some() && self.data.get("Scope").is_some();
                Ty::Struct {
                    name: is_network.then(|| NETWORK_ROOT.to_string()),
                    ptr: false,
                }
            }
            Mode::Raw => Ty::Raw,
        };
        let root = Val {
            data: Some(Cow::Borrowed(self.data)),
            ty,
            boxed: false,
        };
        self.vars.push(("$".into(), root.clone()));
        self.walk(&root, nodes)?;
        Ok(self.out)
    }

    fn errorf(&self, msg: impl fmt::Display) -> String {
        let Some(at) = self.at else {
            return format!("template: : {msg}");
        };
        let (pos, context) = match at {
            At::Arg(a) => (a.pos, a.to_string()),
            At::Cmd(c) => (c.pos, c.to_string()),
            At::Pipe(p) => (p.pos, p.to_string()),
        };
        let before = self.text.get(..pos).unwrap_or(self.text);
        let line = 1 + before.matches('\n').count();
        let col = before.rfind('\n').map_or(pos, |i| pos - i - 1);
        format!("template: :{line}:{col}: executing \"\" at <{context}>: {msg}")
    }

    fn walk(&mut self, dot: &Val<'a>, nodes: &'t [Node]) -> ExecResult<Flow> {
        for node in nodes {
            let flow = match node {
                Node::Text(text) => {
                    self.out.push_str(text);
                    Flow::Normal
                }
                Node::Action(pipe) => {
                    let v = self.eval_pipeline(dot, pipe)?;
                    // An action that declares variables prints nothing.
                    if pipe.decls.is_empty() {
                        self.print_value(&v);
                    }
                    Flow::Normal
                }
                Node::If(c) => self.walk_if_or_with(false, dot, c)?,
                Node::With(c) => self.walk_if_or_with(true, dot, c)?,
                Node::Range(c) => self.walk_range(dot, c)?,
                Node::Break => Flow::Break,
                Node::Continue => Flow::Continue,
            };
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn print_value(&mut self, v: &Val) {
        match v.json() {
            None => self.out.push_str("<no value>"),
            Some(d) => fmt_json(&mut self.out, d, &v.ty, &Spec::plain(), 0, false),
        }
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Val<'a>, c: &'t Control) -> ExecResult<Flow> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &c.pipe)?;
        let flow = if truth(&val) {
            self.walk(if with { &val } else { dot }, &c.list)?
        } else if let Some(else_list) = &c.else_list {
            self.walk(dot, else_list)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn walk_range(&mut self, dot: &Val<'a>, c: &'t Control) -> ExecResult<Flow> {
        let outer_mark = self.vars.len();
        let val = self.eval_pipeline(dot, &c.pipe)?;
        let mark = self.vars.len();
        let items = self.range_items(&val)?;
        let mut flow = Flow::Normal;
        if items.is_empty() {
            if let Some(else_list) = &c.else_list {
                flow = self.walk(dot, else_list)?;
            }
        }
        for (key, elem) in items {
            // The last declared variable gets the element, the one before the key.
            let n = self.vars.len();
            if !c.pipe.decls.is_empty() && n >= 1 {
                self.vars[n - 1].1 = elem.clone();
            }
            if c.pipe.decls.len() > 1 && n >= 2 {
                self.vars[n - 2].1 = key;
            }
            let body = self.walk(&elem, &c.list)?;
            self.vars.truncate(mark);
            if body == Flow::Break {
                break;
            }
        }
        self.vars.truncate(outer_mark);
        Ok(flow)
    }

    fn range_items(&self, val: &Val<'a>) -> ExecResult<Vec<(Val<'a>, Val<'a>)>> {
        let Some(data) = val.json() else {
            // Nothing to iterate, like a nil map.
            return Ok(Vec::new());
        };
        match (data, &val.ty) {
            (Value::Array(items), _) => Ok((0..items.len())
                .filter_map(|i| Some((Val::int(i as i64), val.child(None, val.at(i)?))))
                .collect()),
            (Value::Object(m), Ty::Map(_) | Ty::Raw) => {
                // Go ranges over maps in sorted key order.
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Ok(keys
                    .into_iter()
                    .filter_map(|k| Some((Val::str(k.clone()), val.child(Some(k), val.get(k)?))))
                    .collect())
            }
            (Value::Null, Ty::Slice | Ty::Map(_)) => Ok(Vec::new()),
            _ => Err(self.errorf(format!(
                "range can't iterate over {}",
                sprint(std::slice::from_ref(val), false)
            ))),
        }
    }

    fn var_value(&self, name: &str) -> ExecResult<Val<'a>> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.errorf(format!("undefined variable: {name}"))),
        }
    }

    fn eval_pipeline(&mut self, dot: &Val<'a>, pipe: &'t Pipe) -> ExecResult<Val<'a>> {
        self.at = Some(At::Pipe(pipe));
        let mut value: Option<Val<'a>> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            // Dig the concrete value out of an interface{}.
            value = Some(v.unboxed());
        }
        let value = value.unwrap_or_else(Val::invalid);
        for name in &pipe.decls {
            if pipe.is_assign {
                match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value.clone(),
                    None => return Err(self.errorf(format!("undefined variable: {name}"))),
                }
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], final_val: &Option<Val<'a>>) -> ExecResult<()> {
        if args.len() > 1 || final_val.is_some() {
            let first = args.first().map(ToString::to_string).unwrap_or_default();
            return Err(self.errorf(format!("can't give argument to non-function {first}")));
        }
        Ok(())
    }

    fn eval_command(
        &mut self,
        dot: &Val<'a>,
        cmd: &'t Cmd,
        final_val: Option<Val<'a>>,
    ) -> ExecResult<Val<'a>> {
        let Some(first) = cmd.args.first() else {
            return Ok(Val::invalid());
        };
        match &first.kind {
            ArgKind::Field(idents) => {
                self.at = Some(At::Arg(first));
                self.eval_field_chain(dot.clone(), idents, &cmd.args, final_val)
            }
            ArgKind::Chain(node, fields) => {
                self.eval_chain(dot, first, node, fields, &cmd.args, final_val)
            }
            ArgKind::Ident(name) => {
                self.eval_function(dot, first, name, At::Cmd(cmd), &cmd.args[1..], final_val)
            }
            ArgKind::Pipe(pipe) => {
                self.not_a_function(&cmd.args, &final_val)?;
                self.eval_pipeline(dot, pipe)
            }
            ArgKind::Variable(idents) => self.eval_variable(first, idents, &cmd.args, final_val),
            literal => {
                self.at = Some(At::Arg(first));
                self.not_a_function(&cmd.args, &final_val)?;
                match literal {
                    ArgKind::Bool(b) => Ok(Val::bool(*b)),
                    ArgKind::Dot => Ok(dot.clone()),
                    ArgKind::Nil => Err(self.errorf("nil is not a command")),
                    ArgKind::Number(n) => self.ideal_constant(n),
                    ArgKind::Str { text, .. } => Ok(Val::str(text.clone())),
                    _ => Ok(Val::invalid()),
                }
            }
        }
    }

    /// A number literal with no type to convert to.
    fn ideal_constant(&self, n: &NumLit) -> ExecResult<Val<'a>> {
        let t = &n.text;
        let is_hex_int =
            t.len() > 2 && (t.starts_with("0x") || t.starts_with("0X")) && !t.contains(['p', 'P']);
        if let Some(f) = n.float {
            if !n.is_char && !is_hex_int && t.contains(['.', 'e', 'E', 'p', 'P']) {
                return Ok(Val::float(f));
            }
        }
        if let Some(i) = n.int {
            return Ok(Val::int(i));
        }
        if n.uint.is_some() {
            return Err(self.errorf(format!("{t} overflows int")));
        }
        Ok(Val::invalid())
    }

    fn eval_chain(
        &mut self,
        dot: &Val<'a>,
        chain: &'t Arg,
        node: &'t Arg,
        fields: &[String],
        args: &'t [Arg],
        final_val: Option<Val<'a>>,
    ) -> ExecResult<Val<'a>> {
        self.at = Some(At::Arg(chain));
        let receiver = self.eval_arg(dot, Param::Untyped, node)?;
        self.eval_field_chain(receiver, fields, args, final_val)
    }

    fn eval_variable(
        &mut self,
        node: &'t Arg,
        idents: &[String],
        args: &'t [Arg],
        final_val: Option<Val<'a>>,
    ) -> ExecResult<Val<'a>> {
        self.at = Some(At::Arg(node));
        let value = self.var_value(idents.first().map_or("$", String::as_str))?;
        if idents.len() <= 1 {
            self.not_a_function(args, &final_val)?;
            return Ok(value);
        }
        self.eval_field_chain(value, &idents[1..], args, final_val)
    }

    /// `.A.B.C` from `receiver`; only the last field sees the arguments.
    fn eval_field_chain(
        &mut self,
        receiver: Val<'a>,
        idents: &[String],
        args: &[Arg],
        final_val: Option<Val<'a>>,
    ) -> ExecResult<Val<'a>> {
        let has_args = args.len() > 1 || final_val.is_some();
        let mut value = receiver;
        for (i, name) in idents.iter().enumerate() {
            value = self.eval_field(name, has_args && i + 1 == idents.len(), value)?;
        }
        Ok(value)
    }

    fn eval_field(&self, name: &str, has_args: bool, recv: Val<'a>) -> ExecResult<Val<'a>> {
        let Some(data) = recv.json() else {
            // Go's missingkey option decides what a field of nothing is.
            return match self.mode {
                Mode::Raw => {
                    Err(self.errorf(format!("nil data; no entry for key {}", go_quote(name))))
                }
                Mode::Typed => Ok(Val::invalid()),
            };
        };
        let cant = || {
            self.errorf(format!(
                "can't evaluate field {name} in type {}",
                type_name(&recv)
            ))
        };
        match (&recv.ty, data) {
            (Ty::Raw, Value::Null) => {
                Err(self.errorf(format!("nil pointer evaluating interface {{}}.{name}")))
            }
            (Ty::Map(elem), _) if elem.port_keys() => Err(cant()),
            (Ty::Raw, Value::Object(_)) | (Ty::Map(_), Value::Object(_) | Value::Null) => {
                if has_args {
                    return Err(self.errorf(format!("{name} is not a method but has arguments")));
                }
                match recv.get(name) {
                    Some(child) => Ok(recv.child(Some(name), child)),
                    None if recv.ty == Ty::Raw => {
                        Err(self.errorf(format!("map has no entry for key {}", go_quote(name))))
                    }
                    // A missing map key is Go's invalid value: "<no value>".
                    None => Ok(Val::invalid()),
                }
            }
            (Ty::Struct { .. }, Value::Object(_)) => {
                let key = go_field_key(name);
                let found = match key.and_then(|k| recv.get(k).map(|c| (k, c))) {
                    Some(hit) => Some(hit),
                    None => key
                        .and(omitted_zero(name))
                        .map(|zero| (name, Cow::Owned(zero))),
                };
                match found {
                    Some(_) if has_args => Err(self.errorf(format!(
                        "{name} has arguments but cannot be invoked as function"
                    ))),
                    Some((key, child)) => Ok(recv.child(Some(key), child)),
                    None => Err(cant()),
                }
            }
            (Ty::NilPtr, _) => Err(self.errorf(format!(
                "nil pointer evaluating {}.{name}",
                type_name(&recv)
            ))),
            _ => Err(cant()),
        }
    }

    fn eval_function(
        &mut self,
        dot: &Val<'a>,
        ident: &'t Arg,
        name: &str,
        call_site: At<'t>,
        args: &'t [Arg],
        final_val: Option<Val<'a>>,
    ) -> ExecResult<Val<'a>> {
        self.at = Some(At::Arg(ident));
        let Some(sig) = builtin(name) else {
            return Err(self.errorf(format!("{} is not a defined function", go_quote(name))));
        };
        let num_in = args.len() + usize::from(final_val.is_some());
        match sig.variadic {
            Some(_) if num_in < sig.fixed.len() => {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    sig.fixed.len(),
                    args.len()
                )))
            }
            None if num_in != sig.fixed.len() => {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want {} got {num_in}",
                    sig.fixed.len()
                )))
            }
            _ => {}
        }
        if name == "and" || name == "or" {
            // They short-circuit and return an operand, not a bool.
            let mut value = Val::invalid();
            for arg in args {
                value = self.eval_arg(dot, Param::Any, arg)?;
                if truth(&value) == (name == "or") {
                    return Ok(value);
                }
            }
            return Ok(final_val.unwrap_or(value));
        }
        let mut argv = Vec::with_capacity(num_in);
        for (i, arg) in args.iter().enumerate() {
            let param = sig
                .fixed
                .get(i)
                .copied()
                .or(sig.variadic)
                .unwrap_or(Param::Any);
            argv.push(self.eval_arg(dot, param, arg)?);
        }
        if let Some(v) = final_val {
            // The piped value is the last argument.
            let param = match sig.variadic {
                Some(p) if num_in > sig.fixed.len() => p,
                _ => sig.fixed.get(num_in - 1).copied().unwrap_or(Param::Any),
            };
            argv.push(self.validate(v, param)?);
        }
        call_builtin(name, &argv).map_err(|e| {
            self.at = Some(call_site);
            self.errorf(format!("error calling {name}: {e}"))
        })
    }

    fn eval_arg(&mut self, dot: &Val<'a>, param: Param, arg: &'t Arg) -> ExecResult<Val<'a>> {
        self.at = Some(At::Arg(arg));
        let value = match &arg.kind {
            ArgKind::Dot => dot.clone(),
            ArgKind::Nil => {
                return match param {
                    Param::Any | Param::Untyped => Ok(Val::invalid()),
                    Param::StrSlice => Ok(Val::owned(Value::Null, Ty::Slice)),
                    Param::Str | Param::Int => {
                        Err(self.errorf(format!("cannot assign nil to {}", param.go_name())))
                    }
                }
            }
            ArgKind::Field(idents) => self.eval_field_chain(dot.clone(), idents, &[], None)?,
            ArgKind::Variable(idents) => self.eval_variable(arg, idents, &[], None)?,
            ArgKind::Pipe(pipe) => self.eval_pipeline(dot, pipe)?,
            ArgKind::Ident(name) => self.eval_function(dot, arg, name, At::Arg(arg), &[], None)?,
            ArgKind::Chain(node, fields) => self.eval_chain(dot, arg, node, fields, &[], None)?,
            literal => {
                return match (param, literal) {
                    (Param::Str, ArgKind::Str { text, .. }) => Ok(Val::str(text.clone())),
                    (Param::Str, _) => Err(self.errorf(format!("expected string; found {arg}"))),
                    (Param::Int, ArgKind::Number(NumLit { int: Some(i), .. })) => Ok(Val::int(*i)),
                    (Param::Int, _) => Err(self.errorf(format!("expected integer; found {arg}"))),
                    (Param::StrSlice, _) => {
                        Err(self.errorf(format!("can't handle {arg} for arg of type []string")))
                    }
                    (_, ArgKind::Bool(b)) => Ok(Val::bool(*b)),
                    (_, ArgKind::Number(n)) => self.ideal_constant(n),
                    (_, ArgKind::Str { text, .. }) => Ok(Val::str(text.clone())),
                    _ => Ok(Val::invalid()),
                };
            }
        };
        self.validate(value, param)
    }

    /// Go's `validateType`: can `v` be passed as `param`?
    fn validate(&self, v: Val<'a>, param: Param) -> ExecResult<Val<'a>> {
        let ok = match (param, v.json()) {
            (Param::Any | Param::Untyped, _) => true,
            // A nil slice is fine; a nil string or int is not.
            (Param::StrSlice, None) => return Ok(Val::owned(Value::Null, Ty::Slice)),
            (_, None) => {
                return Err(self.errorf(format!("invalid value; expected {}", param.go_name())))
            }
            (Param::Str, Some(Value::String(_))) => v.ty != Ty::Time,
            (Param::Int, Some(Value::Number(n))) => v.ty != Ty::Raw && number_int(n).is_some(),
            (Param::StrSlice, Some(Value::Array(items))) => {
                v.ty == Ty::Slice && is_string_slice(items)
            }
            (Param::StrSlice, Some(Value::Null)) => v.ty == Ty::Slice,
            _ => false,
        };
        if !ok {
            let got = if v.boxed && matches!(v.json(), Some(Value::Null)) {
                "interface {}".to_string()
            } else {
                concrete_type_name(&v.clone().unboxed())
            };
            return Err(self.errorf(format!(
                "wrong type for value; expected {}; got {got}",
                param.go_name()
            )));
        }
        Ok(if param == Param::Any || param == Param::Untyped {
            v
        } else {
            v.unboxed()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `docker inspect web` from tutorial B (trimmed), with two extra
    /// networks inserted out of order and labels to show map sorting.
    fn web() -> Value {
        json!({
            "Id": "14a889c625f0bd197f3c0256578d9005eda8869fe23a89b7665ea58cfd1a8208",
            "Created": "2026-11-22T09:51:56.467851442Z",
            "Path": "python",
            "Args": ["app.py"],
            "State": {
                "Status": "running", "Running": true, "Paused": false, "Restarting": false,
                "OOMKilled": false, "Dead": false, "Pid": 11260, "ExitCode": 0, "Error": "",
                "StartedAt": "2026-11-22T09:51:56.760412767Z", "FinishedAt": "0001-01-01T00:00:00Z"
            },
            "Name": "/web",
            "RestartCount": 0,
            "ExecIDs": null,
            "HostConfig": {
                "Binds": null,
                "LogConfig": {"Type": "json-file", "Config": {}},
                "NetworkMode": "default",
                "PortBindings": {},
                "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
                "CapAdd": null,
                "Dns": [],
                "Links": ["/db:/web/db"],
                "PublishAllPorts": true,
                "ShmSize": 67108864
            },
            "Mounts": [],
            "Config": {
                "Hostname": "14a889c625f0",
                "ExposedPorts": {"5000/tcp": {}},
                "Env": ["PATH=/usr/bin:/bin", "DB_PORT=tcp://172.17.0.2:5432"],
                "Cmd": ["python", "app.py"],
                "Image": "training/webapp",
                "Volumes": null,
                "WorkingDir": "/opt/webapp",
                "Entrypoint": null,
                "OnBuild": null,
                "Labels": {"zeta": "last", "alpha": "first"}
            },
            "NetworkSettings": {
                "Ports": {"5000/tcp": [
                    {"HostIp": "0.0.0.0", "HostPort": "32772"},
                    {"HostIp": "::", "HostPort": "32771"}
                ]},
                "SecondaryIPAddresses": null,
                "Gateway": "172.17.0.1",
                "IPAddress": "172.17.0.3",
                "IPPrefixLen": 16,
                "MacAddress": "02:42:ac:11:00:03",
                "Networks": {
                    "zz-net": {
                        "IPAMConfig": {}, "Links": null, "Aliases": ["14a889c625f0"],
                        "NetworkID": "5e1d", "Gateway": "172.20.0.1", "IPAddress": "172.20.0.2",
                        "IPPrefixLen": 16, "MacAddress": "02:42:ac:14:00:02", "DriverOpts": {}
                    },
                    "bridge": {
                        "IPAMConfig": null, "Links": null, "Aliases": null,
                        "NetworkID": "628a", "Gateway": "172.17.0.1", "IPAddress": "172.17.0.3",
                        "IPPrefixLen": 16, "MacAddress": "02:42:ac:11:00:03", "DriverOpts": null
                    },
                    "flappy-public": {
                        "IPAMConfig": null, "Links": ["db2:pg"], "Aliases": ["14a889c625f0"],
                        "NetworkID": "9f50", "Gateway": "172.18.0.1", "IPAddress": "172.18.0.2",
                        "IPPrefixLen": 16, "MacAddress": "02:42:ac:12:00:02", "DriverOpts": null
                    }
                }
            }
        })
    }

    /// `docker network inspect bridge`: no Gateway key, null IPAM options.
    fn bridge_network() -> Value {
        json!({
            "Name": "bridge",
            "Id": "628ab389ee0d55fe47de2c2625a6584153a8ba1afe98124f86bf6ce579ba70ee",
            "Created": "2026-11-22T09:40:12.123400000Z",
            "Scope": "local",
            "IPAM": {"Driver": "default", "Options": null, "Config": [{"Subnet": "172.17.0.0/16"}]},
            "Containers": {
                "9e13": {"Name": "db", "EndpointID": "e1", "MacAddress": "02:42:ac:11:00:02",
                         "IPv4Address": "172.17.0.2/16", "IPv6Address": ""},
                "14a8": {"Name": "web", "EndpointID": "e2", "MacAddress": "02:42:ac:11:00:03",
                         "IPv4Address": "172.17.0.3/16", "IPv6Address": ""}
            },
            "Options": {"com.docker.network.driver.mtu": "1500", "com.docker.network.bridge.name": "docker0"},
            "Labels": {}
        })
    }

    fn r(template: &str) -> String {
        render(template, &web()).unwrap_or_else(|e| panic!("{template}: {e}"))
    }

    fn err(template: &str) -> String {
        match render(template, &web()) {
            Ok(out) => panic!("{template}: expected an error, got {out:?}"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn transcript_json_network_settings_is_byte_identical() {
        // 01-default-bridge.txt: docker inspect -f "{{json .NetworkSettings}}" flappy
        let line = r#"{"Bridge":"","SandboxID":"150f404bf04d7dba32375505cdce6e69e0a0489e7afba43446462bd9caa62aae","HairpinMode":false,"LinkLocalIPv6Address":"","LinkLocalIPv6PrefixLen":0,"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"80"},{"HostIp":"::","HostPort":"80"}]},"SandboxKey":"/var/run/docker/netns/150f404bf04d","SecondaryIPAddresses":null,"SecondaryIPv6Addresses":null,"EndpointID":"40f5ea402e1e45285082358e00c3746c464f3459be1c75f2bb545b03437e888e","Gateway":"172.17.0.1","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"IPAddress":"172.17.0.2","IPPrefixLen":16,"IPv6Gateway":"","MacAddress":"02:42:ac:11:00:02","Networks":{"bridge":{"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"628ab389ee0d55fe47de2c2625a6584153a8ba1afe98124f86bf6ce579ba70ee","EndpointID":"40f5ea402e1e45285082358e00c3746c464f3459be1c75f2bb545b03437e888e","Gateway":"172.17.0.1","IPAddress":"172.17.0.2","IPPrefixLen":16,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"MacAddress":"02:42:ac:11:00:02","DriverOpts":null}}}"#;
        let settings: Value = serde_json::from_str(line).unwrap();
        let data = json!({ "NetworkSettings": settings });
        assert_eq!(render("{{json .NetworkSettings}}", &data).unwrap(), line);
        assert_eq!(
            render("{{.NetworkSettings.IPAddress}}", &data).unwrap(),
            "172.17.0.2"
        );
    }

    #[test]
    fn transcript_examples() {
        // 05-legacy-links.txt
        assert_eq!(r("{{ .HostConfig.Links }}"), "[/db:/web/db]");
        assert_eq!(
            r("{{json .HostConfig.Links}} {{json .NetworkSettings.Networks.bridge.Links}}"),
            r#"["/db:/web/db"] null"#
        );
        let mut unlinked = web();
        unlinked["HostConfig"]["Links"] = Value::Null;
        assert_eq!(render("{{ .HostConfig.Links }}", &unlinked).unwrap(), "[]");
        assert_eq!(r("{{.NetworkSettings.IPAddress}}"), "172.17.0.3");
        // 04-port-mapping.txt
        assert_eq!(r("{{ .Name }}"), "/web");
        let mut failed = web();
        failed["State"]["Status"] = json!("created");
        failed["State"]["ExitCode"] = json!(128);
        failed["State"]["Error"] = json!("driver failed programming external connectivity on endpoint practical_saha (3f21): Bind for 0.0.0.0:80 failed: port is already allocated");
        assert_eq!(
            render(
                "{{.State.Status}} {{.State.ExitCode}} {{json .State.Error}}",
                &failed
            )
            .unwrap(),
            r#"created 128 "driver failed programming external connectivity on endpoint practical_saha (3f21): Bind for 0.0.0.0:80 failed: port is already allocated""#
        );
        // 02-user-network-dns.txt
        assert_eq!(r("{{.State.Pid}}"), "11260");
        assert_eq!(r("{{.State.Status}}"), "running");
        assert_eq!(r("{{.Config.Hostname}}"), "14a889c625f0");
        assert_eq!(r(r#"{{join .Config.Cmd " "}}"#), "python app.py");
    }

    #[test]
    fn networks_json_range_and_index() {
        // Networks is a Go map: JSON and range both go in sorted key order.
        assert_eq!(
            r("{{json .NetworkSettings.Networks}}"),
            concat!(
                r#"{"bridge":{"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"628a","Gateway":"172.17.0.1","IPAddress":"172.17.0.3","IPPrefixLen":16,"MacAddress":"02:42:ac:11:00:03","DriverOpts":null},"#,
                r#""flappy-public":{"IPAMConfig":null,"Links":["db2:pg"],"Aliases":["14a889c625f0"],"NetworkID":"9f50","Gateway":"172.18.0.1","IPAddress":"172.18.0.2","IPPrefixLen":16,"MacAddress":"02:42:ac:12:00:02","DriverOpts":null},"#,
                r#""zz-net":{"IPAMConfig":{},"Links":null,"Aliases":["14a889c625f0"],"NetworkID":"5e1d","Gateway":"172.20.0.1","IPAddress":"172.20.0.2","IPPrefixLen":16,"MacAddress":"02:42:ac:14:00:02","DriverOpts":{}}}"#
            )
        );
        assert_eq!(
            r("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}"),
            "172.17.0.3 172.18.0.2 172.20.0.2 "
        );
        assert_eq!(
            r("{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}"),
            "bridge=172.17.0.3 flappy-public=172.18.0.2 zz-net=172.20.0.2 "
        );
        assert_eq!(
            r("{{range $v := .NetworkSettings.Networks}}{{$v.Gateway}},{{end}}"),
            "172.17.0.1,172.18.0.1,172.20.0.1,"
        );
        // An endpoint prints as a struct: nil slices [], nil maps map[], nil pointers <nil>.
        assert_eq!(
            r(r#"{{index .NetworkSettings.Networks "flappy-public"}}"#),
            "{<nil> [db2:pg] [14a889c625f0] 9f50 172.18.0.1 172.18.0.2 16 02:42:ac:12:00:02 map[]}"
        );
        assert_eq!(
            r(r#"{{(index .NetworkSettings.Networks "bridge").IPAddress}}"#),
            "172.17.0.3"
        );
        assert_eq!(
            r(r#"{{with index .NetworkSettings.Networks "zz-net"}}{{.MacAddress}}{{end}}"#),
            "02:42:ac:14:00:02"
        );
        // Missing map keys: index gives the element's zero value (a nil
        // pointer), a field lookup gives Go's "<no value>".
        assert_eq!(
            r(r#"{{index .NetworkSettings.Networks "nosuch"}}"#),
            "<nil>"
        );
        assert_eq!(r("{{.NetworkSettings.Networks.nosuch}}"), "<no value>");
        assert_eq!(
            r("{{.NetworkSettings.Networks.nosuch.IPAddress}}"),
            "<no value>"
        );
        assert_eq!(r("{{.Config.Labels.nosuch}}"), "<no value>");
        assert_eq!(r(r#"{{index .Config.Labels "nosuch"}}|"#), "|");
        assert_eq!(r("{{len .NetworkSettings.Networks}}"), "3");
    }

    #[test]
    fn values_print_like_go_fmt() {
        assert_eq!(r("{{.Config.Cmd}}"), "[python app.py]");
        assert_eq!(r("{{.Config.Labels}}"), "map[alpha:first zeta:last]");
        assert_eq!(r("{{.HostConfig.RestartPolicy}}"), "{no 0}");
        assert_eq!(r("{{.HostConfig.LogConfig}}"), "{json-file map[]}");
        assert_eq!(
            r("{{.NetworkSettings.Ports}}"),
            "map[5000/tcp:[{0.0.0.0 32772} {:: 32771}]]"
        );
        assert_eq!(r("{{.Config.ExposedPorts}}"), "map[5000/tcp:{}]");
        assert_eq!(
            r("{{.State}}"),
            "{running true false false false false 11260 0  2026-11-22T09:51:56.760412767Z 0001-01-01T00:00:00Z}"
        );
        assert_eq!(
            r("{{.State.Running}} {{.State.ExitCode}} {{.HostConfig.ShmSize}}"),
            "true 0 67108864"
        );
        assert_eq!(r("{{.}}").chars().next(), Some('{'));
        assert_eq!(r("{{$}}"), r("{{.}}"));
    }

    #[test]
    fn nulls_print_by_go_type() {
        assert_eq!(r("{{.HostConfig.Binds}}"), "[]");
        assert_eq!(r("{{.HostConfig.CapAdd}}"), "[]");
        assert_eq!(
            r("{{.Config.Entrypoint}} {{.Config.OnBuild}} {{.ExecIDs}}"),
            "[] [] []"
        );
        assert_eq!(r("{{.NetworkSettings.SecondaryIPAddresses}}"), "[]");
        assert_eq!(r("{{.Config.Volumes}}"), "map[]");
        assert_eq!(
            r(r#"{{(index .NetworkSettings.Networks "bridge").Aliases}}"#),
            "[]"
        );
        assert_eq!(
            r(r#"{{(index .NetworkSettings.Networks "bridge").DriverOpts}}"#),
            "map[]"
        );
        assert_eq!(
            r(r#"{{(index .NetworkSettings.Networks "bridge").IPAMConfig}}"#),
            "<nil>"
        );
        // State.Health is omitempty: absent from the JSON, a nil pointer in Go.
        assert_eq!(r("{{.State.Health}}"), "<nil>");
        let mut ports = web();
        ports["NetworkSettings"]["Ports"] = json!({"80/tcp": null});
        assert_eq!(
            render("{{.NetworkSettings.Ports}}", &ports).unwrap(),
            "map[80/tcp:[]]"
        );
        ports["NetworkSettings"]["Ports"] = Value::Null;
        assert_eq!(
            render("{{.NetworkSettings.Ports}}", &ports).unwrap(),
            "map[]"
        );
    }

    #[test]
    fn network_inspect_templates() {
        let net = bridge_network();
        let n = |t: &str| render(t, &net).unwrap();
        assert_eq!(n("{{.IPAM.Options}}"), "map[]");
        assert_eq!(n("{{.IPAM.Config}}"), "[{172.17.0.0/16}]");
        // The default bridge has no Gateway key; Go's struct field is "".
        assert_eq!(
            n("{{range .IPAM.Config}}{{.Subnet}} gw=[{{.Gateway}}]{{end}}"),
            "172.17.0.0/16 gw=[]"
        );
        assert_eq!(
            n("{{range $id, $c := .Containers}}{{$c.Name}}={{$c.IPv4Address}} {{end}}"),
            "web=172.17.0.3/16 db=172.17.0.2/16 "
        );
        assert_eq!(
            n("{{json .Options}}"),
            r#"{"com.docker.network.bridge.name":"docker0","com.docker.network.driver.mtu":"1500"}"#
        );
        assert_eq!(
            n(r#"{{index .Options "com.docker.network.driver.mtu"}}"#),
            "1500"
        );
        assert_eq!(
            n("{{if .Labels}}labels{{else}}no labels{{end}}"),
            "no labels"
        );
        // A network's Created is a time.Time; JSON keeps the RFC 3339 text.
        assert_eq!(n("{{.Created}}"), "2026-11-22 09:40:12.1234 +0000 UTC");
        assert_eq!(
            n("{{json .Created}}"),
            r#""2026-11-22T09:40:12.123400000Z""#
        );
        assert_eq!(
            n("{{print .Created 1}}"),
            "2026-11-22 09:40:12.1234 +0000 UTC 1"
        );
        assert_eq!(
            go_time("2026-11-22T10:40:12+01:00"),
            "2026-11-22 10:40:12 +0100 +0100"
        );
        // A container's Created is a plain string.
        assert_eq!(r("{{.Created}}"), "2026-11-22T09:51:56.467851442Z");
    }

    #[test]
    fn json_function_matches_docker() {
        assert_eq!(r("{{json .Name}}"), r#""/web""#);
        assert_eq!(r("{{json .HostConfig.Binds}}"), "null");
        assert_eq!(
            r("{{json .Config.Labels}}"),
            r#"{"alpha":"first","zeta":"last"}"#
        );
        assert_eq!(
            r("{{json .State}}"),
            r#"{"Status":"running","Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":11260,"ExitCode":0,"Error":"","StartedAt":"2026-11-22T09:51:56.760412767Z","FinishedAt":"0001-01-01T00:00:00Z"}"#
        );
        assert_eq!(r("{{json .Config.Labels.nosuch}}"), "null");
        assert_eq!(
            r("{{json 1.5}} {{json 1e21}} {{json 1e-7}} {{json 42}} {{json true}}"),
            "1.5 1e+21 1e-7 42 true"
        );
        // Docker's json turns off HTML escaping; Go still escapes U+2028.
        let data =
            json!({"Config": {"Labels": {"html": "<b>&amp;</b>", "ctl": "a\u{1}b\u{2028}\"\\\n"}}});
        assert_eq!(
            render("{{json .Config.Labels}}", &data).unwrap(),
            r#"{"ctl":"a\u0001b\u2028\"\\\n","html":"<b>&amp;</b>"}"#
        );
        assert_eq!(
            render("{{json .}}", &json!({"b": 1, "a": [null, {}]})).unwrap(),
            r#"{"b":1,"a":[null,{}]}"#
        );
    }

    #[test]
    fn conditionals_follow_go_truth() {
        assert_eq!(r("{{if .State.Running}}up{{else}}down{{end}}"), "up");
        assert_eq!(
            r(
                r#"{{if eq .State.Status "exited"}}E{{else if eq .State.Status "running"}}R{{else}}?{{end}}"#
            ),
            "R"
        );
        assert_eq!(
            r(r#"{{if eq .State.Status "x"}}1{{else if eq .State.Status "y"}}2{{else}}3{{end}}"#),
            "3"
        );
        assert_eq!(r("{{if .Config.Labels}}labels{{end}}"), "labels");
        assert_eq!(
            r("{{if .HostConfig.PortBindings}}x{{else}}empty map{{end}}"),
            "empty map"
        );
        assert_eq!(
            r("{{if .HostConfig.Dns}}x{{else}}empty slice{{end}}"),
            "empty slice"
        );
        assert_eq!(
            r("{{if .HostConfig.Binds}}x{{else}}nil slice{{end}}"),
            "nil slice"
        );
        assert_eq!(r("{{if .State.ExitCode}}x{{else}}zero{{end}}"), "zero");
        assert_eq!(
            r("{{if .State.Error}}x{{else}}empty string{{end}}"),
            "empty string"
        );
        assert_eq!(r("{{if .State.Paused}}x{{else}}false{{end}}"), "false");
        assert_eq!(
            r("{{if .Config.Labels.nosuch}}x{{else}}no value{{end}}"),
            "no value"
        );
        // An empty struct behind a pointer ({}) is true, a nil pointer false.
        assert_eq!(
            r(
                r#"{{range $k, $v := .NetworkSettings.Networks}}{{$k}}:{{if $v.IPAMConfig}}set{{else}}nil{{end}} {{end}}"#
            ),
            "bridge:nil flappy-public:nil zz-net:set "
        );
        assert_eq!(
            r("{{with .Config.Hostname}}host={{.}}{{end}}"),
            "host=14a889c625f0"
        );
        assert_eq!(
            r("{{with .Config.Labels.nope}}x{{else}}no label{{end}}"),
            "no label"
        );
        assert_eq!(
            r("{{with $h := .Config.Hostname}}{{$h}}{{end}}"),
            "14a889c625f0"
        );
        assert_eq!(
            r("{{with .State}}{{$.Name}} is {{.Status}}{{end}}"),
            "/web is running"
        );
    }

    #[test]
    fn logic_and_comparison_functions() {
        assert_eq!(
            r("{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" \"x\"}} {{or 0 false}}"),
            "0 2 x false"
        );
        // and/or stop early: .Foo (an error) is never evaluated.
        assert_eq!(r("{{and .Config.Labels.nope .Foo}}"), "<no value>");
        assert_eq!(r("{{or .Name .Foo}}"), "/web");
        assert_eq!(r(r#"{{or .Config.Labels.nope "default"}}"#), "default");
        assert_eq!(r("{{not .State.Running}} {{not 0}}"), "false true");
        assert_eq!(
            r("{{eq .State.Pid 11260}} {{eq .Name \"/db\" \"/web\"}} {{eq 1 2 3}}"),
            "true true false"
        );
        assert_eq!(r("{{ne 1 2}} {{ne \"a\" \"a\"}}"), "true false");
        assert_eq!(
            r("{{lt 1 2}} {{lt \"b\" \"a\"}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}} {{lt 1.5 2.5}}"),
            "true false true true false true"
        );
        assert_eq!(
            r("{{if and .State.Running (eq .State.ExitCode 0)}}healthy{{end}}"),
            "healthy"
        );
        assert_eq!(r("{{.State.Running | not}}"), "false");
    }

    #[test]
    fn range_forms() {
        assert_eq!(r("{{range .Config.Cmd}}[{{.}}]{{end}}"), "[python][app.py]");
        assert_eq!(
            r("{{range $i, $a := .Config.Cmd}}{{$i}}={{$a}} {{end}}"),
            "0=python 1=app.py "
        );
        assert_eq!(r("{{range .Mounts}}x{{else}}no mounts{{end}}"), "no mounts");
        assert_eq!(
            r("{{range .HostConfig.CapAdd}}x{{else}}none{{end}}"),
            "none"
        );
        assert_eq!(
            r("{{range .Config.Labels.nosuch}}x{{else}}nothing{{end}}"),
            "nothing"
        );
        assert_eq!(
            r("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}"),
            "alpha=first;zeta=last;"
        );
        assert_eq!(
            r("{{range $p, $b := .NetworkSettings.Ports}}{{$p}} -> {{(index $b 0).HostPort}}{{end}}"),
            "5000/tcp -> 32772"
        );
        assert_eq!(r("{{range .Config.Cmd}}{{$.Name}}{{end}}"), "/web/web");
        assert_eq!(
            r("{{range $i, $e := .Config.Env}}{{if eq $i 1}}{{break}}{{end}}{{$e}}{{end}}"),
            "PATH=/usr/bin:/bin"
        );
        assert_eq!(
            r(r#"{{range .Config.Cmd}}{{if eq . "python"}}{{continue}}{{end}}{{.}}{{end}}"#),
            "app.py"
        );
        assert_eq!(
            r("{{range .Config.Cmd}}{{range $.Config.Cmd}}{{.}}{{end}}|{{end}}"),
            "pythonapp.py|pythonapp.py|"
        );
    }

    #[test]
    fn variables_and_assignment() {
        assert_eq!(r("{{$n := .Name}}{{$n}}"), "/web");
        assert_eq!(r("{{$x := 1}}{{$x = \"a\"}}{{$x}}"), "a");
        // Assignment inside range updates the outer variable (Go 1.11+).
        assert_eq!(
            r("{{$n := 0}}{{range .Config.Cmd}}{{$n = len .}}{{end}}{{$n}}"),
            "6"
        );
        assert_eq!(r("{{$.Config.Image}}"), "training/webapp");
        assert_eq!(
            r("{{range $i, $c := .Config.Cmd}}{{$last := $c}}{{end}}{{$v := \"done\"}}{{$v}}"),
            "done"
        );
    }

    #[test]
    fn string_and_print_functions() {
        assert_eq!(
            r(r#"{{split "a:b:c" ":"}} {{index (split "a:b:c" ":") 1}} {{len (split "" ",")}}"#),
            "[a b c] b 1"
        );
        assert_eq!(
            r(r#"{{title "hello docker world"}} {{lower "ABC"}} {{upper .Name}}"#),
            "Hello Docker World abc /WEB"
        );
        assert_eq!(r(r#"{{" " | join .Config.Cmd}}"#), "python app.py");
        assert_eq!(r(r#"{{join (split "1.2.3" ".") "-"}}"#), "1-2-3");
        assert_eq!(
            r(r#"{{pad .Name 1 2}}|{{truncate .Name 2}}|{{truncate .Name 10}}"#),
            " /web  |/w|/web"
        );
        assert_eq!(r("{{len .Config.Cmd}} {{len .Name}} {{len .Config.Labels}} {{len .HostConfig.Binds}}"), "2 4 2 0");
        assert_eq!(
            r("{{slice .Name 1}} {{slice .Config.Cmd 1 2}} {{slice .Name 1 3}}"),
            "web [app.py] we"
        );
        assert_eq!(r("{{index .Config.Cmd 1}} {{index .Name 1}}"), "app.py 119");
        assert_eq!(r(r#"{{print 1 2 "a" "b" 3}}"#), "1 2ab3");
        assert_eq!(r(r#"{{println "a" 1}}"#), "a 1\n");
        assert_eq!(
            r("{{print .HostConfig.RestartPolicy}} {{print .State.Health}}"),
            "{no 0} <nil>"
        );
        assert_eq!(
            r("{{printf \"%v\" .State.ExitCode}} {{printf \"%s\" .HostConfig.Links}}"),
            "0 [/db:/web/db]"
        );
        assert_eq!(
            r(r#"{{printf "%q" .Config.Cmd}}"#),
            r#"["python" "app.py"]"#
        );
        assert_eq!(
            r(r#"{{printf "%s-%d" (upper .Config.Image) (len .Config.Cmd)}}"#),
            "TRAINING/WEBAPP-2"
        );
        assert_eq!(
            r(
                r#"{{printf "%5.1f|%-4d|%04d|%x|%X|%o|%c|%U|%t|%v|%+d|%8s|%-3s|" 3.14159 7 42 255 255 8 65 65 true nil 5 "r" "l"}}"#
            ),
            "  3.1|7   |0042|ff|FF|10|A|U+0041|true|<nil>|+5|       r|l  |"
        );
        assert_eq!(
            r(r#"{{printf "%+v" .HostConfig.RestartPolicy}}"#),
            "{Name:no MaximumRetryCount:0}"
        );
        // fmt shows a pointer to a struct as &{...}.
        assert_eq!(
            r(r#"{{printf "%v" .State}}"#),
            format!("&{}", r("{{.State}}"))
        );
        assert_eq!(r(r#"{{printf "%d %s" "x"}}"#), "%!d(string=x) %!s(MISSING)");
        assert_eq!(r(r#"{{printf "%d" 1 2}}"#), "1%!(EXTRA int=2)");
        assert_eq!(
            r(r#"{{printf "%z|%d|100%%" 1 true}}"#),
            "%!z(int=1)|%!d(bool=true)|100%"
        );
        assert_eq!(
            r(r#"{{printf "%.2f %e %g %g" 3.14159 1500.0 0.00001 100000.0}}"#),
            "3.14 1.500000e+03 1e-05 100000"
        );
        assert_eq!(
            r(r#"{{printf "%q %x %T" "tab\there" "hi" .Name}}"#),
            r#""tab\there" 6869 string"#
        );
        assert_eq!(
            r(r#"{{html "<a href='x'>&</a>"}}"#),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(r(r#"{{urlquery "a b&c/d"}}"#), "a+b%26c%2Fd");
        assert_eq!(r(r#"{{js "it's <b>"}}"#), r"it\'s \u003Cb\u003E");
    }

    #[test]
    fn literals() {
        assert_eq!(
            r("{{1.5}} {{1e6}} {{0x10}} {{'a'}} {{-3}} {{1.0}} {{0o17}} {{0b101}} {{1_000}}"),
            "1.5 1e+06 16 97 -3 1 15 5 1000"
        );
        assert_eq!(
            r(r#"{{"tab\tq\"\x41\u00e9"}}|{{`raw\n`}}|{{true}}|{{false}}"#),
            "tab\tq\"Aé|raw\\n|true|false"
        );
        assert_eq!(r("{{print '\\n'}}"), "10");
        assert_eq!(r(r#"{{"a" | printf "%s!"}}"#), "a!");
    }

    #[test]
    fn trim_markers_and_comments() {
        assert_eq!(r("a  {{- .Name -}}  b"), "a/webb");
        assert_eq!(r("x\n  {{- if true}}y{{end -}}\n  z"), "xyz");
        assert_eq!(r("{{- /* comment */ -}}  x"), "x");
        assert_eq!(r("a {{/* c */}} b"), "a  b");
        assert_eq!(r("{{-3}}"), "-3");
        assert_eq!(r("{{ .Name }}\n"), "/web\n");
        assert_eq!(r("{{\n.Name\n}}"), "/web");
        assert_eq!(r(""), "");
        assert_eq!(r("plain text"), "plain text");
    }

    #[test]
    fn raw_fallback_like_docker() {
        // The typed structs call it ID; Docker's raw retry finds "Id".
        let id = "14a889c625f0bd197f3c0256578d9005eda8869fe23a89b7665ea58cfd1a8208";
        assert_eq!(r("{{.Id}}"), id);
        assert_eq!(r("{{.ID}}"), id);
        assert_eq!(
            r("{{range .NetworkSettings.Ports}}{{range .}}{{.HostIp}}:{{.HostPort}} {{end}}{{end}}"),
            "0.0.0.0:32772 :::32771 "
        );
        assert_eq!(
            r("{{range .NetworkSettings.Ports}}{{range .}}{{.HostIP}} {{end}}{{end}}"),
            "0.0.0.0 :: "
        );
        // nat.Port keys reject a plain string, so the raw run answers, with
        // raw formatting.
        assert_eq!(
            r(r#"{{index .NetworkSettings.Ports "5000/tcp"}}"#),
            "[map[HostIp:0.0.0.0 HostPort:32772] map[HostIp::: HostPort:32771]]"
        );
        assert_eq!(
            r(r#"{{(index (index .NetworkSettings.Ports "5000/tcp") 0).HostPort}}"#),
            "32772"
        );
        // len of an int fails in the typed run; the raw value is a json.Number.
        assert_eq!(r("{{len .State.Pid}}"), "5");
        // Ranging over or measuring a struct only works on the raw map.
        assert_eq!(r("{{len .State}}"), "11");
    }

    #[test]
    fn parse_errors_use_go_wording() {
        let cases = [
            ("{{.Foo}", r#"template: :1: unexpected "}" in operand"#),
            ("{{foo .}}", r#"template: :1: function "foo" not defined"#),
            ("{{.Foo", "template: :1: unclosed action"),
            ("{{if .A}}x", "template: :1: unexpected EOF"),
            ("{{end}}", "template: :1: unexpected {{end}}"),
            ("{{else}}", "template: :1: unexpected {{else}}"),
            ("{{$x}}", r#"template: :1: undefined variable "$x""#),
            ("{{}}", "template: :1: missing value for command"),
            ("{{if}}{{end}}", "template: :1: missing value for if"),
            (
                "{{.A | 1}}",
                "template: :1: non executable command in pipeline stage 2",
            ),
            (
                r#"{{"a".B}}"#,
                r#"template: :1: unexpected . after term "\"a\"""#,
            ),
            ("{{(.A}}", "template: :1: unclosed left paren"),
            ("{{.A-B}}", "template: :1: bad character U+002D '-'"),
            (r#"{{"abc}}"#, "template: :1: unterminated quoted string"),
            ("{{3x}}", r#"template: :1: bad number syntax: "3x""#),
            (
                "{{if .A}}{{else}}{{else}}{{end}}",
                "template: :1: expected end; found {{else}}",
            ),
            (
                "{{range $a, $b, $c := .}}{{end}}",
                "template: :1: too many declarations in range",
            ),
            (
                "{{range $a, 1}}{{end}}",
                "template: :1: range can only initialize variables",
            ),
            (
                "{{$a, $b := 1}}",
                "template: :1: too many declarations in command",
            ),
            ("{{break}}", "template: :1: {{break}} outside {{range}}"),
            ("{{/* x }}", "template: :1: unclosed comment"),
            (
                "{{/* x */ .}}",
                "template: :1: comment ends before closing delimiter",
            ),
            (
                "{{with .A}}{{else if .B}}{{end}}",
                "template: :1: unexpected <if> in input",
            ),
            ("{{end x}}", r#"template: :1: unexpected "x" in end"#),
            ("{{.A.}}", "template: :1: unexpected <.> in operand"),
            (
                "{{if 1}}{{$v := 2}}{{end}}{{$v}}",
                r#"template: :1: undefined variable "$v""#,
            ),
            (
                "{{printf \"%d\" 99999999999999999999}}",
                r#"template: :1: integer overflow: "99999999999999999999""#,
            ),
            ("{{ `abc }}", "template: :1: unterminated raw quoted string"),
            ("{{$x := 1}}{{$x:1}}", "template: :1: expected :="),
            (
                "{{.A}}{{ € }}",
                "template: :1: unrecognized character in action: U+20AC '€'",
            ),
            ("{{ é }}", r#"template: :1: function "é" not defined"#),
            (
                "{{template \"x\"}}",
                "template: :1: {{template}} is not supported by netlings",
            ),
            (
                "{{if .A}}\nx\n{{end}}{{end}}",
                "template: :3: unexpected {{end}}",
            ),
            ("{{.A\n\n", "template: :3: unclosed action started at :1"),
        ];
        for (template, want) in cases {
            assert_eq!(
                render(template, &web()),
                Err(TemplateError(format!("template parsing error: {want}"))),
                "{template}"
            );
        }
    }

    #[test]
    fn execution_errors_use_go_wording() {
        let prefix = "template parsing error: template: :1:";
        let cases = [
            (
                "{{.Foo}}",
                r#"2: executing "" at <.Foo>: map has no entry for key "Foo""#,
            ),
            (
                "{{.NetworkSettings.IPaddress}}",
                r#"18: executing "" at <.NetworkSettings.IPaddress>: map has no entry for key "IPaddress""#,
            ),
            (
                "{{.Config.Hostname.Y}}",
                r#"9: executing "" at <.Config.Hostname.Y>: can't evaluate field Y in type interface {}"#,
            ),
            (
                "{{$h := .Config.Hostname}}{{$h.Y}}",
                r#"30: executing "" at <$h.Y>: can't evaluate field Y in type string"#,
            ),
            (
                "{{.HostConfig.Binds.X}}",
                r#"13: executing "" at <.HostConfig.Binds.X>: nil pointer evaluating interface {}.X"#,
            ),
            (
                r#"{{(index .NetworkSettings.Networks "nosuch").IPAddress}}"#,
                r#"35: executing "" at <"nosuch">: nil data; no entry for key "IPAddress""#,
            ),
            (
                "{{index .Config.Cmd 5}}",
                r#"2: executing "" at <index .Config.Cmd 5>: error calling index: index out of range: 5"#,
            ),
            (
                "{{index .Config.Cmd 2}}",
                r#"2: executing "" at <index .Config.Cmd 2>: error calling index: reflect: slice index out of range"#,
            ),
            (
                "{{index .Config.Labels 1}}",
                r#"2: executing "" at <index .Config.Labels 1>: error calling index: value has type int; should be string"#,
            ),
            (
                "{{index .State.Running 0}}",
                r#"2: executing "" at <index .State.Running 0>: error calling index: can't index item of type bool"#,
            ),
            (
                "{{range .State.Pid}}x{{end}}",
                r#"14: executing "" at <.State.Pid>: range can't iterate over 11260"#,
            ),
            (
                "{{nil}}",
                r#"2: executing "" at <nil>: nil is not a command"#,
            ),
            (
                r#"{{"x" 1}}"#,
                r#"2: executing "" at <"x">: can't give argument to non-function "x""#,
            ),
            (
                "{{.Name 1}}",
                r#"2: executing "" at <.Name>: Name is not a method but has arguments"#,
            ),
            (
                "{{eq .Name 1}}",
                r#"2: executing "" at <eq .Name 1>: error calling eq: incompatible types for comparison"#,
            ),
            (
                "{{lt true false}}",
                r#"2: executing "" at <lt true false>: error calling lt: invalid type for comparison"#,
            ),
            (
                "{{eq .Config.Cmd 1}}",
                r#"2: executing "" at <eq .Config.Cmd 1>: error calling eq: uncomparable type []interface {}: [python app.py]"#,
            ),
            (
                r#"{{join .Name ","}}"#,
                r#"7: executing "" at <.Name>: wrong type for value; expected []string; got string"#,
            ),
            (
                r#"{{.Config.Cmd | join " "}}"#,
                r#"21: executing "" at <" ">: can't handle " " for arg of type []string"#,
            ),
            (
                "{{upper 1}}",
                r#"8: executing "" at <1>: expected string; found 1"#,
            ),
            (
                "{{len}}",
                r#"2: executing "" at <len>: wrong number of args for len: want 1 got 0"#,
            ),
            (
                "{{index}}",
                r#"2: executing "" at <index>: wrong number of args for index: want at least 1 got 0"#,
            ),
            (
                "{{len 3}}",
                r#"2: executing "" at <len 3>: error calling len: len of type int"#,
            ),
            (
                "{{$y = 1}}",
                r#"7: executing "" at <1>: undefined variable: $y"#,
            ),
            (
                r#"{{truncate .Name -1}}"#,
                r#"2: executing "" at <truncate .Name -1>: error calling truncate: runtime error: slice bounds out of range [:-1]"#,
            ),
            (
                "{{call .Name}}",
                r#"2: executing "" at <call .Name>: error calling call: non-function of type string"#,
            ),
        ];
        for (template, want) in cases {
            assert_eq!(
                render(template, &web()),
                Err(TemplateError(format!("{prefix}{want}"))),
                "{template}"
            );
        }
        assert_eq!(
            err("line1\n  {{.Nope}}"),
            r#"template parsing error: template: :2:4: executing "" at <.Nope>: map has no entry for key "Nope""#
        );
    }

    #[test]
    fn error_displays_its_message() {
        let e = TemplateError("template parsing error: x".into());
        assert_eq!(e.to_string(), "template parsing error: x");
        assert_eq!(format!("{e}"), e.0);
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        let deep = format!("{{{{{}1{}}}}}", "(".repeat(5000), ")".repeat(5000));
        assert_eq!(
            render(&deep, &web()),
            Err(TemplateError(
                "template parsing error: template: :1: max expression depth exceeded".into()
            ))
        );
        let ifs = "{{if 1}}".repeat(5000);
        assert!(err(&ifs).ends_with("max expression depth exceeded"));
        // Right at the limit, parsing and execution still fit the stack.
        let ok = format!("{{{{{}len \"ab\"{}}}}}", "(".repeat(99), ")".repeat(99));
        assert_eq!(r(&ok), "2");
        let nested = format!(
            "{}{{{{.Name}}}}{}",
            "{{with .}}".repeat(99),
            "{{end}}".repeat(99)
        );
        assert_eq!(r(&nested), "/web");
        assert_eq!(
            r(r#"{{printf "%99999999999d|" 1}}"#),
            "%!(NOVERB)%!(EXTRA int=1)"
        );
    }

    #[test]
    fn arbitrary_input_never_panics() {
        const PIECES: &[&str] = &[
            "{{",
            "}}",
            "{{-",
            " -}}",
            "{{/*",
            "*/",
            ".",
            ".Name",
            ".State",
            ".Config.Cmd",
            ".X",
            "$",
            "$x",
            "$y",
            ":=",
            "=",
            "|",
            "(",
            ")",
            "\"s\"",
            "`r`",
            "'c'",
            "'\\",
            "1",
            "-2",
            "0x1f",
            "1e3",
            "1.",
            "if",
            "else",
            "end",
            "range",
            "with",
            "break",
            "continue",
            "index",
            "len",
            "json",
            "printf",
            "\"%d%v%\"",
            "eq",
            "and",
            "slice",
            "split",
            "join",
            "nil",
            "true",
            " ",
            ",",
            "\n",
            "é",
            "\\",
            "\"",
            "\u{0}",
            "-",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let data = [
            web(),
            bridge_network(),
            json!(null),
            json!([1, "a", {"b": null}]),
            json!("s"),
        ];
        for i in 0..20_000 {
            let mut template = String::new();
            let len = 1 + (i % 12);
            for _ in 0..len {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                template.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
            }
            // Any outcome is fine as long as it is a value, not a panic.
            let _ = render(&template, &data[i % data.len()]);
        }
    }
}
