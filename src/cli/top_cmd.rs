//! `docker top CONTAINER [ps OPTIONS]`: the container's processes as
//! Docker 20.10's client prints them.

use super::lab_access::{call, daemon_error, fail};
use crate::engine::api::{Request, Response};
use crate::lab::Lab;

pub(super) fn top(lab: &Lab, container: &str, ps_args: &[String]) -> i32 {
    // The client joins the options with spaces; dockerd splits them again.
    let ps_args = (!ps_args.is_empty()).then(|| ps_args.join(" "));
    let req = Request::Top {
        container: container.into(),
        ps_args,
    };
    match call(lab, req, &[]) {
        Ok((Response::Top { titles, processes }, _)) => {
            print!("{}", render(&titles, &processes));
            0
        }
        Ok((other, _)) => fail(&other.unexpected().message),
        Err(e) => fail(&daemon_error(&e)),
    }
}

/// Go's tabwriter as `docker top` sets it up (`NewWriter(out, 20, 1, 3,
/// ' ', 0)`): every column but the last at least 20 wide, and 3 wider than
/// its widest cell.
pub fn render(titles: &[String], processes: &[Vec<String>]) -> String {
    let rows: Vec<&[String]> = std::iter::once(titles)
        .chain(processes.iter().map(Vec::as_slice))
        .collect();
    let columns = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns.saturating_sub(1))
        .map(|i| {
            let widest = rows
                .iter()
                .filter(|r| i + 1 < r.len())
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0);
            (widest + 3).max(20)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < row.len() {
                out.push_str(&" ".repeat(widths[i] - cell.chars().count()));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn columns_as_docker_20_10_prints_them() {
        // `docker top` of a training/webapp container on dockerd 20.10.24.
        let titles = strings(&["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
        let row = strings(&[
            "root",
            "9088",
            "9067",
            "2",
            "15:21",
            "?",
            "00:00:00",
            "httpd -f -v -p 5000 -h /opt/webapp/www",
        ]);
        assert_eq!(
            render(&titles, &[row]),
            "UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD\n\
             root                9088                9067                2                   15:21               ?                   00:00:00            httpd -f -v -p 5000 -h /opt/webapp/www\n"
        );
        // A cell of 18 or more widens its column to itself plus three.
        let wide = render(
            &strings(&["PID", "X"]),
            &[strings(&["123456789012345678", "y"])],
        );
        assert_eq!(wide, "PID                  X\n123456789012345678   y\n");
    }
}
