//! Parser: Go's grammar and error messages.

use super::format::go_quote;
use super::functions::builtin;
use super::lexer::{Kind, Lexer, Token};
use super::tree::{Arg, ArgKind, Cmd, Control, Node, NumLit, Pipe};
use std::fmt;

/// Nesting limit for parentheses and control blocks, so that hostile input
/// gets an error instead of exhausting the stack (Go allows 10000).
const MAX_DEPTH: usize = 100;
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

pub(super) struct Parser {
    tokens: Vec<Token>,
    i: usize,
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
    depth: usize,
}

type ParseResult<T> = Result<T, String>;

impl Parser {
    pub(super) fn new(text: &str) -> Self {
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

    pub(super) fn parse(mut self) -> ParseResult<Vec<Node>> {
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
            int: crate::gotext::parse_int(&text).ok(),
            uint: crate::gotext::parse_uint(&text).ok(),
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{r, web};
    use super::super::{render, TemplateError};

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
}
