//! `ps --filter KEY=VALUE`: the keys a tutorial reader reaches for (name,
//! id, status), matched the way Docker's daemon matches them. Filters with
//! the same key are alternatives; different keys must all hold.

use crate::engine::api::PsRow;

#[derive(Debug, Default, PartialEq)]
pub struct PsFilter {
    names: Vec<String>,
    ids: Vec<String>,
    statuses: Vec<String>,
    /// `label=KEY` or `label=KEY=VALUE`: every one must hold.
    labels: Vec<(String, Option<String>)>,
}

/// Docker's states, as `status=` accepts them.
const STATUSES: &[&str] = &[
    "created",
    "restarting",
    "running",
    "removing",
    "paused",
    "exited",
    "dead",
];

/// A bad `--filter`, with Docker's whole message.
#[derive(Debug, PartialEq)]
pub enum FilterError {
    /// Not KEY=VALUE: the client refuses the flag (exit 125, help line).
    BadFormat(String),
    /// An unknown key or status: the daemon refuses it (exit 1).
    Invalid(String),
}

impl PsFilter {
    /// Parses the `--filter` values.
    pub fn parse(args: &[String]) -> Result<PsFilter, FilterError> {
        let mut f = PsFilter::default();
        for arg in args {
            let Some((key, value)) = arg.split_once('=') else {
                return Err(FilterError::BadFormat(format!(
                    "invalid argument \"{arg}\" for \"-f, --filter\" flag: bad format of filter (expected name=value)"
                )));
            };
            match key.trim().to_ascii_lowercase().as_str() {
                "name" => f.names.push(value.to_string()),
                "id" => f.ids.push(value.to_string()),
                "label" => f.labels.push(match value.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (value.to_string(), None),
                }),
                "status" => {
                    if !STATUSES.contains(&value) {
                        return Err(FilterError::Invalid(format!(
                            "Error response from daemon: Invalid filter 'status={value}'"
                        )));
                    }
                    f.statuses.push(value.to_string());
                }
                other => {
                    return Err(FilterError::Invalid(format!(
                        "Error response from daemon: Invalid filter '{other}'"
                    )))
                }
            }
        }
        Ok(f)
    }

    /// A status filter lists stopped containers without `-a`, as in Docker.
    pub fn implies_all(&self) -> bool {
        !self.statuses.is_empty()
    }

    pub fn matches(&self, row: &PsRow) -> bool {
        let any = |list: &[String], hit: &dyn Fn(&str) -> bool| {
            list.is_empty() || list.iter().any(|v| hit(v))
        };
        any(&self.names, &|p| name_matches(p, &row.name))
            && any(&self.ids, &|p| row.id.starts_with(p))
            && any(&self.statuses, &|s| s == state_of(&row.status))
            && self.labels_match(&row.labels)
    }

    /// Docker's `MatchKVList`: each label filter names a key the container
    /// has, with that value when one is given.
    fn labels_match(&self, labels: &str) -> bool {
        let have = label_pairs(labels);
        self.labels.iter().all(|(key, value)| {
            have.iter()
                .any(|(k, v)| k == key && value.as_ref().is_none_or(|want| want == v))
        })
    }
}

/// `k=v,k2=v2` (ps's Labels) as pairs; a piece without `=` is part of the
/// value before it (a value with a comma).
pub fn label_pairs(labels: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in labels.split(',').filter(|p| !p.is_empty()) {
        match (piece.split_once('='), pairs.last_mut()) {
            (Some((k, v)), _) => pairs.push((k.to_string(), v.to_string())),
            (None, Some(last)) => {
                last.1.push(',');
                last.1.push_str(piece);
            }
            (None, None) => pairs.push((piece.to_string(), String::new())),
        }
    }
    pairs
}

/// Docker matches a regular expression against "/NAME". The anchors `^`
/// and `$` are the part of it people use (`name=^web$`); the rest of the
/// pattern is taken literally.
fn name_matches(pattern: &str, name: &str) -> bool {
    let subject = format!("/{name}");
    let (start, rest) = match pattern.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, pattern),
    };
    let (end, lit) = match rest.strip_suffix('$') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    // "^web" means the name starts with web, whether or not the pattern
    // spells the slash.
    let candidates = [subject.as_str(), name];
    candidates.iter().any(|s| match (start, end) {
        (true, true) => *s == lit,
        (true, false) => s.starts_with(lit),
        (false, true) => s.ends_with(lit),
        (false, false) => s.contains(lit),
    })
}

/// The state behind ps's STATUS text ("Up 2 seconds", "Exited (0) ...").
fn state_of(status: &str) -> &'static str {
    if status.starts_with("Up") {
        if status.ends_with("(Paused)") {
            "paused"
        } else {
            "running"
        }
    } else if status.starts_with("Exited") {
        "exited"
    } else if status.starts_with("Restarting") {
        "restarting"
    } else if status.starts_with("Removal") {
        "removing"
    } else if status.starts_with("Dead") {
        "dead"
    } else {
        "created"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, id: &str, status: &str) -> PsRow {
        PsRow {
            id: id.to_string(),
            image: "training/webapp".into(),
            command: "python app.py".into(),
            created_ns: 0,
            status: status.to_string(),
            ports: String::new(),
            name: name.to_string(),
            now_ns: 0,
            state: String::new(),
            networks: Vec::new(),
            labels: String::new(),
            size_rw: 0,
            size_root_fs: 0,
        }
    }

    fn filter(args: &[&str]) -> PsFilter {
        PsFilter::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn names_match_as_dockers_regex_does_for_plain_and_anchored_patterns() {
        let web = row("web", "deceb4590a39", "Up 2 seconds");
        let webapp = row("my-webapp", "f3f83e6790d1", "Up 2 seconds");
        for (pattern, hits_web, hits_webapp) in [
            ("web", true, true),
            ("^web$", true, false),
            ("^/web$", true, false),
            ("^web", true, false),
            ("app$", false, true),
            ("nothing", false, false),
        ] {
            let f = filter(&[&format!("name={pattern}")]);
            assert_eq!(
                (f.matches(&web), f.matches(&webapp)),
                (hits_web, hits_webapp),
                "{pattern}"
            );
        }
    }

    #[test]
    fn same_keys_are_alternatives_and_different_keys_must_all_hold() {
        let a = row("alpha", "aaaa11112222", "Up 1 second");
        let b = row("beta", "bbbb11112222", "Exited (0) 3 seconds ago");
        let c = row("gamma", "cccc11112222", "Created");
        let f = filter(&["name=alpha", "name=beta"]);
        assert_eq!(
            (f.matches(&a), f.matches(&b), f.matches(&c)),
            (true, true, false)
        );
        let f = filter(&["name=a", "status=exited"]);
        assert_eq!(
            (f.matches(&a), f.matches(&b), f.matches(&c)),
            (false, true, false)
        );
        let f = filter(&["id=cccc", "status=created"]);
        assert_eq!(
            (f.matches(&a), f.matches(&b), f.matches(&c)),
            (false, false, true)
        );
        assert!(filter(&["status=running"]).implies_all());
        assert!(!filter(&["name=x"]).implies_all());
        assert!(PsFilter::default().matches(&c));
    }

    #[test]
    fn label_filters_all_hold_with_or_without_a_value() {
        // As Docker 20.10.24 matched `run -l app=web -l tier`.
        let mut web = row("web", "aaaa11112222", "Up 1 second");
        web.labels = "app=web,tier=".into();
        let plain = row("plain", "bbbb11112222", "Up 1 second");
        for (filters, hits_web) in [
            (&["label=app"][..], true),
            (&["label=app=web"], true),
            (&["label=app=db"], false),
            (&["label=tier="], true),
            (&["label=tier"], true),
            (&["label=app", "label=tier"], true),
            (&["label=app", "label=zzz"], false),
            (&["label=app!=web"], false),
        ] {
            let f = filter(filters);
            assert_eq!(
                (f.matches(&web), f.matches(&plain)),
                (hits_web, false),
                "{filters:?}"
            );
        }
        assert_eq!(
            label_pairs("a=1,2,b="),
            [
                ("a".to_string(), "1,2".to_string()),
                ("b".into(), String::new())
            ]
        );
    }

    #[test]
    fn bad_filters_get_dockers_words() {
        let err = |a: &str| PsFilter::parse(&[a.to_string()]).unwrap_err();
        assert_eq!(
            err("web"),
            FilterError::BadFormat(
                "invalid argument \"web\" for \"-f, --filter\" flag: bad format of filter (expected name=value)"
                    .into()
            )
        );
        assert_eq!(
            err("colour=red"),
            FilterError::Invalid("Error response from daemon: Invalid filter 'colour'".into())
        );
        assert_eq!(
            err("status=sleeping"),
            FilterError::Invalid(
                "Error response from daemon: Invalid filter 'status=sleeping'".into()
            )
        );
    }
}
