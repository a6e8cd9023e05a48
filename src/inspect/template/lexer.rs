//! Lexer: the same token stream as Go's text/template/parse lexer, so that
//! parse errors name the same tokens.

use super::format::{go_quote, go_u};
use std::fmt;

const LEFT_DELIM: &str = "{{";
const RIGHT_DELIM: &str = "}}";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) pos: usize,
    pub(super) line: usize,
    pub(super) val: String,
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

pub(super) struct Lexer<'s> {
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
    pub(super) fn lex(input: &'s str) -> Vec<Token> {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::r;

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
}
