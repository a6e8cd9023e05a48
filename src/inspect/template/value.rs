//! A value during execution (Go's `reflect.Value` over JSON) and Go's
//! names for its types.

use super::types::{child_ty, Elem, Ty};
use serde_json::{Number, Value};
use std::borrow::Cow;

/// A value during execution: Go's `reflect.Value` over JSON.
#[derive(Debug, Clone)]
pub(super) struct Val<'a> {
    /// None is Go's invalid value: a missing map key or an untyped nil.
    pub(super) data: Option<Cow<'a, Value>>,
    pub(super) ty: Ty,
    /// The static type is `interface {}` (raw-run map and slice elements),
    /// until a pipeline unwraps it; this changes some error messages.
    pub(super) boxed: bool,
}

impl<'a> Val<'a> {
    pub(super) fn invalid() -> Self {
        Val {
            data: None,
            ty: Ty::Scalar,
            boxed: false,
        }
    }

    pub(super) fn owned(v: Value, ty: Ty) -> Self {
        Val {
            data: Some(Cow::Owned(v)),
            ty,
            boxed: false,
        }
    }

    pub(super) fn str(s: impl Into<String>) -> Self {
        Self::owned(Value::String(s.into()), Ty::Scalar)
    }

    pub(super) fn int(i: i64) -> Self {
        Self::owned(Value::from(i), Ty::Scalar)
    }

    pub(super) fn bool(b: bool) -> Self {
        Self::owned(Value::Bool(b), Ty::Scalar)
    }

    pub(super) fn float(f: f64) -> Self {
        Number::from_f64(f)
            .map_or_else(Self::invalid, |n| Self::owned(Value::Number(n), Ty::Scalar))
    }

    pub(super) fn json(&self) -> Option<&Value> {
        self.data.as_deref()
    }

    /// Go's `indirectInterface`: the concrete value inside an interface.
    pub(super) fn unboxed(mut self) -> Self {
        if self.boxed {
            if matches!(self.json(), Some(Value::Null)) {
                return Self::invalid();
            }
            self.boxed = false;
        }
        self
    }

    pub(super) fn get(&self, key: &str) -> Option<Cow<'a, Value>> {
        match &self.data {
            Some(Cow::Borrowed(v)) => {
                let v: &'a Value = v;
                v.get(key).map(Cow::Borrowed)
            }
            Some(Cow::Owned(v)) => v.get(key).cloned().map(Cow::Owned),
            None => None,
        }
    }

    pub(super) fn at(&self, i: usize) -> Option<Cow<'a, Value>> {
        match &self.data {
            Some(Cow::Borrowed(v)) => {
                let v: &'a Value = v;
                v.get(i).map(Cow::Borrowed)
            }
            Some(Cow::Owned(v)) => v.get(i).cloned().map(Cow::Owned),
            None => None,
        }
    }

    pub(super) fn child(&self, key: Option<&str>, data: Cow<'a, Value>) -> Val<'a> {
        let ty = child_ty(&self.ty, key, &data);
        Val {
            boxed: ty == Ty::Raw,
            ty,
            data: Some(data),
        }
    }

    pub(super) fn is_nil_pointer(&self) -> bool {
        self.ty == Ty::NilPtr || (self.boxed && matches!(self.json(), Some(Value::Null)))
    }
}

/// Whether Go sees a `string` (or a string type such as `json.Number`).
pub(super) fn is_go_string(v: &Val) -> bool {
    match v.json() {
        Some(Value::String(_)) => v.ty != Ty::Time,
        Some(Value::Number(_)) => v.ty == Ty::Raw,
        _ => false,
    }
}

/// Go's `Time.String()` for an RFC 3339 timestamp (as JSON carries it).
pub(super) fn go_time(rfc3339: &str) -> String {
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

pub(super) fn number_int(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

pub(super) fn is_string_slice(items: &[Value]) -> bool {
    items.iter().all(Value::is_string)
}

/// Go's name for the value's dynamic type, for error messages.
pub(super) fn type_name(v: &Val) -> String {
    if v.boxed {
        return "interface {}".into();
    }
    concrete_type_name(v)
}

pub(super) fn concrete_type_name(v: &Val) -> String {
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
