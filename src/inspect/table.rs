//! Docker's tables (`ps`, `network ls`): Go's tabwriter with a minimum cell
//! width of 10 and a padding of 3, so a column is as wide as its widest cell
//! plus three, and never narrower than ten.

pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let width = |col: usize| {
        rows.iter()
            .map(|r| r.get(col).map(|s| s.chars().count()).unwrap_or(0))
            .chain(std::iter::once(headers[col].chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..headers.len()).map(width).collect();
    let mut out = String::new();
    let header_row: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header_row).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = (widths[i] + 3).max(10) - cell.chars().count();
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Go's tabwriter as Docker's formatter sets it up (min width 10,
/// padding 3): a tab-terminated cell is padded to its column's width; the
/// text after a line's last tab is written as it is.
pub fn tabwriter(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut widths: Vec<usize> = Vec::new();
    for cells in &lines {
        for (i, cell) in cells.iter().enumerate().take(cells.len().saturating_sub(1)) {
            if widths.len() <= i {
                widths.push(0);
            }
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = Vec::new();
    for cells in &lines {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < cells.len() {
                let pad = (widths[i] + 3).max(10) - cell.chars().count();
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push(line);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_docker_network_ls() {
        let rows = vec![
            vec![
                "628ab389ee0d".into(),
                "bridge".into(),
                "bridge".into(),
                "local".into(),
            ],
            vec![
                "10cc7aa282f2".into(),
                "flappy-private".into(),
                "bridge".into(),
                "local".into(),
            ],
            vec![
                "115fd66447cc".into(),
                "none".into(),
                "null".into(),
                "local".into(),
            ],
        ];
        let text = super::render(&["NETWORK ID", "NAME", "DRIVER", "SCOPE"], &rows);
        let expected = "NETWORK ID     NAME             DRIVER    SCOPE\n\
628ab389ee0d   bridge           bridge    local\n\
10cc7aa282f2   flappy-private   bridge    local\n\
115fd66447cc   none             null      local\n";
        assert_eq!(text, expected);
    }
}
