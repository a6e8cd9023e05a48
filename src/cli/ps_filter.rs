//! `ps --filter KEY=VALUE`: the client's part. The pairs are checked here
//! as Docker's client and daemon check them, then matched by the engine
//! (`model::container_filters`), which the Engine API's list shares.

use crate::model::container_filters;

/// A bad `--filter`, with Docker's whole message.
#[derive(Debug, PartialEq)]
pub enum FilterError {
    /// Not KEY=VALUE: the client refuses the flag (exit 125, help line).
    BadFormat(String),
    /// An unknown key or status: the daemon refuses it (exit 1).
    Invalid(String),
}

/// The `--filter` values as (key, value) pairs, keys lower-cased and
/// trimmed as Docker's client sends them.
pub fn parse(args: &[String]) -> Result<Vec<(String, String)>, FilterError> {
    let mut pairs = Vec::new();
    for arg in args {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(FilterError::BadFormat(format!(
                "invalid argument \"{arg}\" for \"-f, --filter\" flag: bad format of filter (expected name=value)"
            )));
        };
        pairs.push((key.trim().to_ascii_lowercase(), value.to_string()));
    }
    container_filters::check(&pairs)
        .map_err(|e| FilterError::Invalid(format!("Error response from daemon: {e}")))?;
    Ok(pairs)
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
    fn bad_filters_get_dockers_words() {
        let err = |a: &str| parse(&[a.to_string()]).unwrap_err();
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
