//! `docker top` through the CLI, with what Docker 20.10.24's client printed
//! for the same commands (recorded on 2026-12-02 with the 20.10.24 client,
//! /usr/bin/docker, against dockerd 20.10.24, a training/webapp container):
//!
//! ```text
//! $ docker top h15-top
//! UID                 PID                 PPID                C                   STIME               TTY                 TIME                CMD
//! root                9088                9067                2                   15:21               ?                   00:00:00            httpd -f -v -p 5000 -h /opt/webapp/www
//! $ docker top h15-top -o pid,comm
//! PID                 COMMAND
//! 9088                httpd
//! ```

mod common;
use common::TestLab;

/// Splits `top`'s output into rows of cells, checking Docker's layout:
/// every column but the last starts at a multiple of 20 (cells are short).
fn cells(out: &str, columns: usize) -> Vec<Vec<String>> {
    out.lines()
        .map(|line| {
            let mut row = Vec::new();
            let mut rest = line;
            for _ in 0..columns - 1 {
                let (cell, tail) = rest.split_at(20);
                assert!(cell.ends_with("   "), "a column is 20 wide: {line:?}");
                row.push(cell.trim_end().to_string());
                rest = tail;
            }
            row.push(rest.to_string());
            row
        })
        .collect()
}

#[test]
fn top_lists_the_containers_processes_as_docker_does() {
    let lab = TestLab::start("top");
    lab.ok(&["run", "-d", "--name", "web", "training/webapp"]);
    let pid = lab.ok(&["inspect", "-f", "{{.State.Pid}}", "web"]);
    let pid = pid.trim();

    let out = lab.ok(&["top", "web"]);
    let rows = cells(&out, 8);
    assert_eq!(
        rows[0],
        ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    );
    assert_eq!(rows.len(), 2, "only the container's process: {out}");
    assert_eq!(rows[1][0], "root");
    assert_eq!(rows[1][1], pid, "the pid as the lab sees it (inspect's)");
    assert_eq!(rows[1][7], "python app.py", "the command, spaces kept");

    // ps options after the container; an exec'd process is the container's too.
    lab.ok(&["exec", "-d", "web", "sleep", "300"]);
    let out = lab.ok(&["container", "top", "web", "-o", "pid,args"]);
    let rows = cells(&out, 2);
    assert_eq!(rows[0], ["PID", "COMMAND"]);
    let commands: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(commands, ["python app.py", "sleep 300"], "{out}");
    assert_eq!(rows[1][0], pid);

    // A second container's processes are not the first's.
    lab.ok(&["run", "-d", "--name", "other", "training/webapp"]);
    let out = lab.ok(&["top", "other", "-o", "pid,args"]);
    assert_eq!(cells(&out, 2).len(), 2, "{out}");

    // Errors, as Docker 20.10.24 printed them (exit 1).
    let (code, out, err) = lab.run(&["top", "web", "-o", "badfield"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "Error response from daemon: ps: error: unknown user-defined format specifier \"badfield\"\n"
    );
    let (code, _, err) = lab.run(&["top", "web", "-o", "user=PID"]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "Error response from daemon: specifying \"user=PID\" is not allowed\n"
        )
    );
    let (code, _, err) = lab.run(&["top", "web", "-C", "nosuchcommand"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "Error response from daemon: ps: exit status 1\n")
    );
    let (code, _, err) = lab.run(&["top", "nosuch"]);
    assert_eq!(
        (code, err.as_str()),
        (1, "Error response from daemon: No such container: nosuch\n")
    );
    let id = lab.ok(&["create", "--name", "idle", "training/webapp"]);
    let (code, _, err) = lab.run(&["top", "idle"]);
    assert_eq!(
        (code, err),
        (
            1,
            format!(
                "Error response from daemon: Container {} is not running\n",
                id.trim()
            )
        )
    );
    let (code, out, err) = lab.run(&["top"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(err, "\"netlings top\" requires at least 1 argument.\nSee 'netlings top --help'.\n\nUsage:  netlings top CONTAINER [ps OPTIONS]\n\nDisplay the running processes of a container\n");
}
