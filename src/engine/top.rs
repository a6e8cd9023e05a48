//! `docker top CONTAINER [ps OPTIONS]`: `ps` on the lab host, kept to the
//! container's processes, as dockerd 20.10 does it (`daemon/top_unix.go`):
//! the processes are those of the container's PID namespace, their pids as
//! the lab host sees them (Docker's are the machine's).

use super::api::{ApiError, Reply, Response};
use super::host::Host;
use super::Shared;
use std::io;

/// What dockerd runs when no ps options are given.
const DEFAULT_PS_ARGS: &str = "-ef";

/// The engine's side of `docker top`: the reply is Docker's
/// `{"Titles": [...], "Processes": [[...]]}`.
pub(super) async fn top<H: Host>(
    engine: &Shared<H>,
    container: &str,
    ps_args: Option<&str>,
) -> Reply {
    let ps_args = match ps_args {
        Some(a) if !a.is_empty() => a,
        _ => DEFAULT_PS_ARGS,
    };
    validate_ps_args(ps_args).map_err(ApiError::invalid)?;
    let (pids, ps) = {
        let e = engine.lock().await;
        let ci = e.find_container(container)?;
        let c = &e.state.containers[ci];
        if !c.running() {
            return Err(ApiError::conflict(format!(
                "Container {} is not running",
                c.id
            )));
        }
        let pids = e
            .host
            .pids_in_namespace_of(c.state.pid)
            .map_err(|err| ApiError::system(format!("listing the container's processes: {err}")))?;
        // ps runs outside the engine's lock.
        (pids, e.host.ps_runner())
    };
    let args: Vec<String> = ps_args.split(' ').map(str::to_string).collect();
    let mut with_pids = args.clone();
    with_pids.push(ps_pids_arg(&pids));
    // Some ps options (such as f) cannot be used with q: dockerd then runs
    // ps again without it.
    let output = match ps(with_pids).await {
        Ok(out) => out,
        Err(_) => ps(args)
            .await
            .map_err(|why| ApiError::system(format!("ps: {why}")))?,
    };
    let (titles, processes) =
        parse_ps_output(&String::from_utf8_lossy(&output), &pids).map_err(ApiError::system)?;
    Ok(Response::Top { titles, processes })
}

/// Runs `ps ARGS` on the lab host without holding the engine: its stdout,
/// or why it failed as dockerd words it (the first line of its stderr,
/// else `exit status N`).
pub type PsRunner = std::sync::Arc<dyn Fn(Vec<String>) -> PsFuture + Send + Sync>;
pub type PsFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<u8>, String>> + Send>>;

/// The lab host's ps, run as a child of the engine through the reaper that
/// reaps every child of the lab's PID 1, on a thread of the blocking pool.
pub(super) fn linux_ps_runner(reaper: crate::sys::process::Reaper) -> PsRunner {
    std::sync::Arc::new(move |args| {
        let reaper = reaper.clone();
        Box::pin(async move {
            let (stdout, stderr, code) = tokio::task::spawn_blocking(move || run_ps(&reaper, args))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            if code == 0 {
                Ok(stdout)
            } else {
                Err(ps_failure(&stderr, code))
            }
        })
    })
}

/// dockerd refuses an option that renames another column to PID, which
/// would fool its search for the PID column (`validatePSArgs`: the regular
/// expression `\s+([^\s]*)=\s*(PID[^\s]*)`, where only `pid=PID...` is let
/// through).
pub fn validate_ps_args(ps_args: &str) -> Result<(), String> {
    let chars: Vec<char> = ps_args.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // A match starts at a run of white space...
        if !chars[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_whitespace() {
            j += 1;
        }
        // ...then a key without white space up to the last '=' before the
        // next white space (the regexp's greedy `[^\s]*` backtracks to it)...
        let mut end = j;
        while end < chars.len() && !chars[end].is_ascii_whitespace() {
            end += 1;
        }
        let word: String = chars[j..end].iter().collect();
        if let Some(found) = pid_assignment(&word, &chars[end..]) {
            let (key, value, consumed) = found;
            if key != "pid" {
                return Err(format!("specifying \"{key}={value}\" is not allowed"));
            }
            i = end + consumed;
        } else {
            i = j;
        }
    }
    Ok(())
}

/// In `word` (and the text after it, across white space after a trailing
/// '='), `KEY=PID...`: key, value and how many chars of `rest` it used.
fn pid_assignment(word: &str, rest: &[char]) -> Option<(String, String, usize)> {
    // The greedy key takes the last '=' that is followed by PID.
    for (eq, _) in word
        .match_indices('=')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let key = &word[..eq];
        let after = &word[eq + 1..];
        if after.starts_with("PID") {
            return Some((key.to_string(), after.to_string(), 0));
        }
        if after.is_empty() {
            // `\s*` lets the value come after white space.
            let mut k = 0;
            while k < rest.len() && rest[k].is_ascii_whitespace() {
                k += 1;
            }
            let value: String = rest[k..]
                .iter()
                .take_while(|c| !c.is_ascii_whitespace())
                .collect();
            if value.starts_with("PID") {
                let used = k + value.chars().count();
                return Some((key.to_string(), value, used));
            }
        }
    }
    None
}

/// `-q1,2,3`: the pids ps is to show.
pub fn ps_pids_arg(pids: &[u32]) -> String {
    let list: Vec<String> = pids.iter().map(u32::to_string).collect();
    format!("-q{}", list.join(","))
}

type Table = (Vec<String>, Vec<Vec<String>>);

/// dockerd's `parsePSOutput`: the titles are the first line's words; a
/// line is kept if its PID is one of `pids` (a thread line, PID `-`, goes
/// with the process before it); the words past the last title make its
/// last column.
pub fn parse_ps_output(output: &str, pids: &[u32]) -> Result<Table, String> {
    let mut lines = output.split('\n');
    let titles: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split_ascii_whitespace()
        .map(str::to_string)
        .collect();
    let pid_index = titles
        .iter()
        .position(|t| t == "PID")
        .ok_or_else(|| "Couldn't find PID field in ps output".to_string())?;
    let mut processes = Vec::new();
    let mut previous_kept = false;
    for line in lines {
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        let Some(pid) = fields.get(pid_index) else {
            continue;
        };
        let keep = if *pid == "-" {
            previous_kept
        } else {
            let p: u32 = pid.parse().map_err(|_| {
                format!("Unexpected pid '{pid}': strconv.Atoi: parsing \"{pid}\": invalid syntax")
            })?;
            previous_kept = pids.contains(&p);
            previous_kept
        };
        if keep {
            let last = titles.len() - 1;
            let mut row: Vec<String> = fields.iter().take(last).map(|f| f.to_string()).collect();
            row.push(fields.get(last..).map(|f| f.join(" ")).unwrap_or_default());
            processes.push(row);
        }
    }
    Ok((titles, processes))
}

/// The pids of every process in the PID namespace of `pid`, from the lab's
/// /proc (the engine's own, as the lab's PID 1).
pub(super) fn pids_in_namespace_of(pid: i32) -> io::Result<Vec<u32>> {
    let ns = std::fs::read_link(format!("/proc/{pid}/ns/pid"))?;
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let Ok(entry) = entry else { continue };
        let Some(p) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // A process that ended meanwhile is simply not listed.
        if std::fs::read_link(format!("/proc/{p}/ns/pid")).is_ok_and(|l| l == ns) {
            pids.push(p);
        }
    }
    pids.sort_unstable();
    Ok(pids)
}

/// Runs `ps ARGS`: its stdout, stderr and exit code.
fn run_ps(
    reaper: &crate::sys::process::Reaper,
    args: Vec<String>,
) -> io::Result<(Vec<u8>, Vec<u8>, i32)> {
    use std::io::Read;
    let mut child = None;
    let pid = reaper.spawn(|| {
        let c = std::process::Command::new("ps")
            .args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        let pid = nix::unistd::Pid::from_raw(c.id() as i32);
        child = Some(c);
        Ok(pid)
    })?;
    let exit = reaper.watch(pid);
    // The reaper waits for it (waitpid(-1) as the lab's PID 1); a wait of
    // our own would race it.
    #[allow(clippy::zombie_processes)]
    let mut child = child.expect("spawned");
    let mut stderr_pipe = child.stderr.take().expect("piped");
    // stderr on a thread of its own, so that neither pipe can fill up.
    let stderr = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut buf);
        buf
    });
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_end(&mut stdout)?;
    let stderr = stderr.join().unwrap_or_default();
    let code = exit.blocking_recv().unwrap_or(-1);
    Ok((stdout, stderr, code))
}

/// dockerd's words for a failed ps: the first line of its stderr, else Go's
/// `exit status N`.
pub fn ps_failure(stderr: &[u8], code: i32) -> String {
    let text = String::from_utf8_lossy(stderr);
    match text.split('\n').next() {
        Some(line) if !line.is_empty() => line.to_string(),
        _ if code > 128 => format!("signal: {}", code - 128),
        _ => format!("exit status {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `ps -ef -q9088` on the machine that runs dockerd 20.10.24, and what
    // `docker top` showed of it.
    const PS_EF: &str = "UID          PID    PPID  C STIME TTY          TIME CMD\n\
                         root        9088    9067  2 15:21 ?        00:00:00 httpd -f -v -p 5000 -h /opt/webapp/www\n\
                         root        9223    9067  2 15:21 ?        00:00:00 sleep 30\n";

    #[test]
    fn keeps_the_containers_processes_with_the_command_as_one_column() {
        let (titles, procs) = parse_ps_output(PS_EF, &[9088]).unwrap();
        assert_eq!(
            titles,
            ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
        );
        assert_eq!(
            procs,
            vec![vec![
                "root",
                "9088",
                "9067",
                "2",
                "15:21",
                "?",
                "00:00:00",
                "httpd -f -v -p 5000 -h /opt/webapp/www"
            ]]
        );
        let (_, both) = parse_ps_output(PS_EF, &[9088, 9223]).unwrap();
        assert_eq!(both.len(), 2);
        assert_eq!(both[1][7], "sleep 30");
    }

    #[test]
    fn thread_lines_follow_their_process_and_no_pid_column_is_an_error() {
        let ps = "USER PID TID CMD\nroot 5 - a\n- - 5 -\nroot 6 - b\n- - 6 -\n";
        let (_, procs) = parse_ps_output(ps, &[5]).unwrap();
        assert_eq!(
            procs,
            vec![vec!["root", "5", "-", "a"], vec!["-", "-", "5", "-"]]
        );
        assert_eq!(
            parse_ps_output("COMMAND\nhttpd\n", &[1]).unwrap_err(),
            "Couldn't find PID field in ps output"
        );
        assert_eq!(
            parse_ps_output("PID\nabc\n", &[1]).unwrap_err(),
            "Unexpected pid 'abc': strconv.Atoi: parsing \"abc\": invalid syntax"
        );
    }

    #[test]
    fn only_pid_may_be_renamed_to_pid() {
        // `docker top C -o user=PID`: Docker 20.10.24 answered
        // `specifying "user=PID" is not allowed`; `-o pid=PID` passes.
        assert_eq!(
            validate_ps_args("-o user=PID"),
            Err("specifying \"user=PID\" is not allowed".into())
        );
        assert_eq!(validate_ps_args("-o pid=PID"), Ok(()));
        assert_eq!(validate_ps_args("-ef"), Ok(()));
        assert_eq!(validate_ps_args("-o pid,comm"), Ok(()));
        assert_eq!(
            validate_ps_args("-o comm= PIDX"),
            Err("specifying \"comm=PIDX\" is not allowed".into())
        );
        // No white space before the key: the regexp does not match.
        assert_eq!(validate_ps_args("user=PID"), Ok(()));
    }

    #[tokio::test]
    async fn the_engine_runs_ps_for_the_containers_pids_and_keeps_their_rows() {
        use crate::engine::api::RunSpec;
        let lab = crate::engine::fake::FakeLab::new().await;
        let pid = {
            let mut e = lab.engine.lock().await;
            let spec = RunSpec {
                image: "training/webapp".into(),
                name: Some("web".into()),
                ..RunSpec::default()
            };
            let ci = e.create(&spec).unwrap();
            e.start(ci, None).await.unwrap();
            e.state.containers[ci].state.pid
        };
        lab.host.world().ps_output = format!("PID CMD\n1 netlings engine\n{pid} python app.py\n");
        let reply = top(&lab.engine, "web", None).await.unwrap();
        let Response::Top { titles, processes } = reply else {
            panic!("{reply:?}")
        };
        assert_eq!(titles, ["PID", "CMD"]);
        assert_eq!(
            processes,
            vec![vec![pid.to_string(), "python app.py".into()]]
        );
        let runs = |lab: &crate::engine::fake::FakeLab| -> Vec<String> {
            let w = lab.host.world();
            w.log
                .iter()
                .filter(|l| l.starts_with("ps "))
                .cloned()
                .collect()
        };
        assert_eq!(runs(&lab), [format!("ps -ef -q{pid}")]);

        // ps refusing -q with the options given: run again without it.
        lab.host.world().ps_refuses_q = true;
        let reply = top(&lab.engine, "web", Some("-o pid,args f"))
            .await
            .unwrap();
        assert!(matches!(reply, Response::Top { ref processes, .. } if processes.len() == 1));
        assert_eq!(
            runs(&lab)[1..],
            [
                format!("ps -o pid,args f -q{pid}"),
                "ps -o pid,args f".to_string()
            ]
        );

        // A stopped container: Docker's conflict.
        let id = {
            let mut e = lab.engine.lock().await;
            let ci = e.find_container("web").unwrap();
            e.state.containers[ci].state.status = crate::model::Status::Exited;
            e.state.containers[ci].id.clone()
        };
        let err = top(&lab.engine, "web", None).await.unwrap_err();
        assert_eq!(err.message, format!("Container {id} is not running"));
        assert_eq!(err.http_status(), 409);
    }

    #[test]
    fn pids_argument_and_failures_as_dockerd_makes_them() {
        assert_eq!(ps_pids_arg(&[9088, 9223]), "-q9088,9223");
        assert_eq!(
            ps_failure(
                b"error: unknown user-defined format specifier \"badfield\"\nmore\n",
                1
            ),
            "error: unknown user-defined format specifier \"badfield\""
        );
        assert_eq!(ps_failure(b"", 1), "exit status 1");
    }
}
