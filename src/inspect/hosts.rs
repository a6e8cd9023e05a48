//! /etc/hosts as Docker 20.10 writes it.

pub struct Entry {
    pub ip: String,
    pub names: Vec<String>,
}

const FIXED: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

/// Fixed lines, then link lines, then the container's own lines.
pub fn render(links: &[Entry], selfs: &[Entry]) -> String {
    let mut out = FIXED.to_string();
    for e in links.iter().chain(selfs) {
        out.push_str(&format!("{}\t{}\n", e.ip, e.names.join(" ")));
    }
    out
}

/// A link line's names: the alias first, then the short id, then the name
/// unless it equals the alias (`--link db` gives "db <id>").
pub fn link_names(alias: &str, short_id: &str, name: &str) -> Vec<String> {
    let mut names = vec![alias.to_string(), short_id.to_string()];
    if name != alias {
        names.push(name.to_string());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_like_docker() {
        let links = [Entry {
            ip: "172.17.0.2".into(),
            names: link_names("webdb", "9e131070b38f", "db"),
        }];
        let selfs = [Entry {
            ip: "172.17.0.3".into(),
            names: vec!["4b534320a1b2".into()],
        }];
        let text = render(&links, &selfs);
        assert!(
            text.starts_with("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
        );
        assert!(text.ends_with("ff02::2\tip6-allrouters\n172.17.0.2\twebdb 9e131070b38f db\n172.17.0.3\t4b534320a1b2\n"));
        assert_eq!(
            link_names("db", "9e131070b38f", "db"),
            ["db", "9e131070b38f"]
        );
    }
}
