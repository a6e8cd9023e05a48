//! Rendering replies as Docker's CLI does: the `ps` table, `inspect` JSON
//! or templates.

use super::lab_access::fail;
use crate::engine::api::PsRow;
use crate::inspect::table;
use serde_json::Value;

pub fn ps_table(rows: &[PsRow], no_trunc: bool, size: bool) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let cmd: Vec<String> = vec![r.command.clone()];
            vec![
                if no_trunc {
                    r.id.clone()
                } else {
                    r.id[..12].to_string()
                },
                r.image.clone(),
                if no_trunc {
                    format!("\"{}\"", r.command)
                } else {
                    crate::inspect::ps_command(&cmd)
                },
                format!(
                    "{} ago",
                    crate::engine::ids::human_duration((r.now_ns - r.created_ns) as i128)
                ),
                r.status.clone(),
                r.ports.clone(),
                r.name.clone(),
            ]
            .into_iter()
            .chain(size.then(|| r.size_cell()))
            .collect()
        })
        .collect();
    let mut header = vec![
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ];
    if size {
        header.push("SIZE");
    }
    table::render(&header, &cells)
}

pub(super) fn print_inspect(found: &[Value], format: Option<&str>) -> i32 {
    match format {
        Some(tpl) => {
            for v in found {
                match crate::inspect::template::render(tpl, v) {
                    Ok(text) => println!("{text}"),
                    Err(e) => return fail(&e.0),
                }
            }
            0
        }
        None => {
            println!("{}", to_docker_json(&Value::Array(found.to_vec())));
            0
        }
    }
}

/// JSON the way Docker's CLI indents it: four spaces, `[]` for empty.
pub fn to_docker_json(v: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(v, &mut ser).expect("JSON values serialize");
    String::from_utf8(buf).unwrap_or_default()
}
