//! `ps --format`: Docker's container fields through a Go template, and
//! the `table` directive, which adds a header row and aligns columns.

use crate::engine::api::PsRow;
use crate::inspect::table;
use serde_json::{Map, Value};

/// Docker's fields of a `ps` row and their `table` headers, in the order
/// `{{json .}}` prints them (sorted, as Go marshals a map).
const FIELDS: &[(&str, &str)] = &[
    ("Command", "COMMAND"),
    ("CreatedAt", "CREATED AT"),
    ("ID", "CONTAINER ID"),
    ("Image", "IMAGE"),
    ("Labels", "LABELS"),
    ("LocalVolumes", "LOCAL VOLUMES"),
    ("Mounts", "MOUNTS"),
    ("Names", "NAMES"),
    ("Networks", "NETWORKS"),
    ("Ports", "PORTS"),
    ("RunningFor", "CREATED"),
    ("Size", "SIZE"),
    ("State", "STATE"),
    ("Status", "STATUS"),
];

/// The rows through `format`; Err: Docker's words for a bad template.
pub fn render(format: &str, rows: &[PsRow], no_trunc: bool) -> Result<String, String> {
    let (is_table, body) = match format.strip_prefix("table") {
        Some(rest) => (true, rest.trim_start()),
        None => (false, format),
    };
    // Docker's client turns the two-character escapes into the characters.
    let body = body.replace("\\t", "\t").replace("\\n", "\n");
    let body = label_calls(&body);
    let mut lines = Vec::new();
    if is_table {
        let header: Map<String, Value> = FIELDS
            .iter()
            .map(|(k, h)| (k.to_string(), Value::String(h.to_string())))
            .collect();
        lines.push(execute(&body, &Value::Object(header))?);
    }
    for r in rows {
        let mut data = fields(r, no_trunc);
        if let Value::Object(map) = &mut data {
            let labels = crate::cli::ps_filter::label_pairs(&r.labels)
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            map.insert(LABEL_MAP.into(), Value::Object(labels));
        }
        lines.push(execute(&body, &data)?);
    }
    if !is_table {
        return Ok(lines.iter().map(|l| format!("{l}\n")).collect());
    }
    let cells: Vec<Vec<String>> = lines
        .iter()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    let (header, rows) = cells.split_first().expect("a header row");
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    Ok(table::render(&header, rows))
}

/// Where a row's labels wait for `.Label "KEY"`: a key no `.Field` can
/// name, so the row's fields stay Docker's.
const LABEL_MAP: &str = "netlings:labels";

/// Docker's rows have a method `Label KEY` (the label's value, or nothing).
/// The templates here run on plain data, so each `.Label "KEY"` in an
/// action becomes `(or (index . "netlings:labels" "KEY") "")`, which gives
/// the same (a missing key is nothing, not `<no value>`).
fn label_calls(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let action_start = &rest[open..];
        let end = action_start
            .find("}}")
            .map_or(action_start.len(), |e| e + 2);
        out.push_str(&label_calls_in_action(&action_start[..end]));
        rest = &action_start[end..];
    }
    out.push_str(rest);
    out
}

fn label_calls_in_action(action: &str) -> String {
    let chars: Vec<char> = action.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // String literals are copied whole: `.Label` in one is text.
        if c == '"' || c == '`' {
            let end = literal_end(&chars, i);
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        let starts_field = c == '.'
            && (i == 0
                || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == '.'));
        if starts_field && chars[i + 1..].starts_with(&['L', 'a', 'b', 'e', 'l']) {
            let mut j = i + 6;
            if j < chars.len() && chars[j].is_whitespace() {
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if j < chars.len() && (chars[j] == '"' || chars[j] == '`') {
                    let end = literal_end(&chars, j);
                    let literal: String = chars[j..end].iter().collect();
                    out.push_str(&format!("(or (index . \"{LABEL_MAP}\" {literal}) \"\")"));
                    i = end;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Where the string literal starting at `start` ends (after its quote).
fn literal_end(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        if quote == '"' && chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == quote {
            return i + 1;
        }
        i += 1;
    }
    chars.len()
}

fn execute(body: &str, data: &Value) -> Result<String, String> {
    // `{{json .}}` goes through the row's MarshalJSON in Docker, which is
    // Go's json.Marshal: it escapes <, > and & (the `json` function of
    // templates does not).
    if body.trim() == "{{json .}}" {
        let mut shown = data.clone();
        if let Value::Object(map) = &mut shown {
            map.remove(LABEL_MAP);
        }
        let text = serde_json::to_string(&shown).unwrap_or_default();
        return Ok(text
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026"));
    }
    crate::inspect::template::render(body, data).map_err(|e| {
        // Docker's rows are Go structs: a missing field is named so.
        match missing_field(&e.0) {
            Some((at, field)) => format!(
                "failed to execute template: {at}: can't evaluate field {field} in type *formatter.ContainerContext"
            ),
            None => e.0,
        }
    })
}

/// ("template: ...: executing \"\" at <.F>", "F") from the raw-map error.
fn missing_field(text: &str) -> Option<(String, String)> {
    let (at, rest) = text.split_once(": map has no entry for key ")?;
    let at = at.strip_prefix("template parsing error: ").unwrap_or(at);
    Some((at.to_string(), rest.trim_matches('"').to_string()))
}

fn fields(r: &PsRow, no_trunc: bool) -> Value {
    let id = if no_trunc { &r.id[..] } else { &r.id[..12] };
    let command = if no_trunc {
        format!("\"{}\"", r.command)
    } else {
        crate::inspect::ps_command(std::slice::from_ref(&r.command))
    };
    let created = crate::engine::ids::rfc3339_seconds(r.created_ns as i128);
    let created_at = format!(
        "{} +0000 UTC",
        created.trim_end_matches('Z').replace('T', " ")
    );
    let running_for = format!(
        "{} ago",
        crate::engine::ids::human_duration((r.now_ns - r.created_ns) as i128)
    );
    let values = [
        command,
        created_at,
        id.to_string(),
        r.image.clone(),
        r.labels.clone(),
        "0".into(),
        String::new(),
        r.name.clone(),
        r.networks.join(","),
        r.ports.clone(),
        running_for,
        // "0B" unless sizes were asked for (`-s`, or `.Size` in the template).
        r.size_cell(),
        r.state.clone(),
        r.status.clone(),
    ];
    Value::Object(
        FIELDS
            .iter()
            .zip(values)
            .map(|((k, _), v)| (k.to_string(), Value::String(v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> PsRow {
        PsRow {
            id: "b795b850391e".to_string() + &"0".repeat(52),
            image: "quay.io/purplebooth/flappy-endpoint".into(),
            command: "nc -ll -p 80 -e /usr/local/bin/http200".into(),
            created_ns: 1_764_681_319_000_000_000,
            status: "Up Less than a second".into(),
            ports: "0.0.0.0:8089->80/tcp, :::8089->80/tcp".into(),
            name: "nlr-ps".into(),
            now_ns: 1_764_681_320_000_000_000,
            state: "running".into(),
            networks: vec!["nlr-net".into()],
            labels: String::new(),
            size_rw: 0,
            size_root_fs: 0,
        }
    }

    /// What Docker 20.10.24 printed for the same container.
    #[test]
    fn fields_and_json_as_docker_prints_them() {
        let out = render(r"{{.Names}}\t{{.Image}}|{{.Ports}}", &[row()], false).unwrap();
        assert_eq!(
            out,
            "nlr-ps\tquay.io/purplebooth/flappy-endpoint|0.0.0.0:8089->80/tcp, :::8089->80/tcp\n"
        );
        let out = render("{{json .}}", &[row()], false).unwrap();
        assert_eq!(
            out,
            r#"{"Command":"\"nc -ll -p 80 -e /us…\"","CreatedAt":"2025-12-02 13:15:19 +0000 UTC","ID":"b795b850391e","Image":"quay.io/purplebooth/flappy-endpoint","Labels":"","LocalVolumes":"0","Mounts":"","Names":"nlr-ps","Networks":"nlr-net","Ports":"0.0.0.0:8089-\u003e80/tcp, :::8089-\u003e80/tcp","RunningFor":"1 second ago","Size":"0B","State":"running","Status":"Up Less than a second"}"#.to_string() + "\n"
        );
    }

    #[test]
    fn tables_have_dockers_headers_and_columns() {
        let out = render(r"table {{.ID}}\t{{.Names}}\t{{.Status}}", &[row()], false).unwrap();
        assert_eq!(
            out,
            "CONTAINER ID   NAMES     STATUS\nb795b850391e   nlr-ps    Up Less than a second\n"
        );
        assert_eq!(render("table {{.Names}}", &[], false).unwrap(), "NAMES\n");
    }

    #[test]
    fn a_missing_field_is_named_as_docker_names_it() {
        let err = render("{{.Nope}}", &[row()], false).unwrap_err();
        assert_eq!(
            err,
            "failed to execute template: template: :1:2: executing \"\" at <.Nope>: can't evaluate field Nope in type *formatter.ContainerContext"
        );
    }
}

#[cfg(test)]
mod label_tests {
    use super::*;

    fn labelled() -> PsRow {
        PsRow {
            id: "b795b850391e0000".into(),
            image: "training/webapp".into(),
            command: "python app.py".into(),
            created_ns: 0,
            status: "Up 1 second".into(),
            ports: String::new(),
            name: "web".into(),
            now_ns: 0,
            state: "running".into(),
            networks: Vec::new(),
            labels: "app=web,tier=".into(),
            size_rw: 0,
            size_root_fs: 0,
        }
    }

    #[test]
    fn label_gives_a_labels_value_as_docker_20_10_does() {
        // `docker ps --format '{{.Names}} {{.Label "app"}}|{{.Label "nope"}}|{{.Labels}}'`
        // printed `h15-lab web||app=web,tier=`.
        assert_eq!(
            render(
                r#"{{.Names}} {{.Label "app"}}|{{.Label "nope"}}|{{.Labels}}"#,
                &[labelled()],
                false
            )
            .unwrap(),
            "web web||app=web,tier=\n"
        );
        // In a table, and inside a pipeline; `.Label` in a string is text.
        assert_eq!(
            render(
                r#"{{if eq (.Label "app") "web"}}yes{{end}} {{".Label \"x\""}}"#,
                &[labelled()],
                false
            )
            .unwrap(),
            "yes .Label \"x\"\n"
        );
        // `{{json .}}` shows Docker's fields only.
        assert!(!render("{{json .}}", &[labelled()], false)
            .unwrap()
            .contains("netlings"));
    }
}
