//! `ps --filter KEY=VALUE`: the client's part, the pairs' shape. The
//! engine checks the keys and matches them (`model::container_filters`,
//! which the Engine API's list shares), so its refusals are the daemon's.

/// The `--filter` values as (key, value) pairs, keys lower-cased and
/// trimmed as Docker's client sends them; its words for one that is not
/// KEY=VALUE (exit 125 with the help line).
pub fn parse(args: &[String]) -> Result<Vec<(String, String)>, String> {
    args.iter()
        .map(|arg| match arg.split_once('=') {
            Some((key, value)) => Ok((key.trim().to_ascii_lowercase(), value.to_string())),
            None => Err(format!(
                "invalid argument \"{arg}\" for \"-f, --filter\" flag: bad format of filter (expected name=value)"
            )),
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_split_at_the_first_equals_sign_and_keys_lower_cased() {
        assert_eq!(
            parse(&["web".to_string()]).unwrap_err(),
            "invalid argument \"web\" for \"-f, --filter\" flag: bad format of filter (expected name=value)"
        );
        assert_eq!(
            parse(&[" Network =a=b".to_string()]).unwrap(),
            [("network".to_string(), "a=b".to_string())]
        );
    }

    #[test]
    fn labels_split_at_commas_unless_the_piece_is_a_value_s() {
        assert_eq!(
            label_pairs("a=1,2,b="),
            [
                ("a".to_string(), "1,2".to_string()),
                ("b".into(), String::new())
            ]
        );
    }
}
