//! Execution.

use super::format::{fmt_json, go_quote, sprint, Spec};
use super::functions::{builtin, call_builtin, truth, Param};
use super::tree::{Arg, ArgKind, Cmd, Control, Node, NumLit, Pipe};
use super::types::{go_field_key, omitted_zero, root_ty, Ty};
use super::value::{concrete_type_name, is_string_slice, number_int, type_name, Val};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
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

pub(super) struct Exec<'a, 't> {
    text: &'t str,
    data: &'a Value,
    mode: Mode,
    vars: Vec<(String, Val<'a>)>,
    out: String,
    at: Option<At<'t>>,
}

type ExecResult<T> = Result<T, String>;

impl<'a, 't> Exec<'a, 't> {
    pub(super) fn new(text: &'t str, data: &'a Value, mode: Mode) -> Self {
        Exec {
            text,
            data,
            mode,
            vars: Vec::new(),
            out: String::new(),
            at: None,
        }
    }

    pub(super) fn run(mut self, nodes: &'t [Node]) -> ExecResult<String> {
        let ty = match self.mode {
            Mode::Typed => root_ty(self.data),
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
    use super::super::fixtures::{err, r, web};
    use super::super::{render, TemplateError};

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
}
