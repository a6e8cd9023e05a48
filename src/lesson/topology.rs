//! A terminal picture of a lab: each network a box, its containers boxes
//! inside it, a container on two neighbouring networks drawn in the gap
//! between their boxes and joined to both, published ports as arrows from
//! the lab host on the right. Pure and deterministic: input order decides.
//!
//! ```text
//!                                                                        lab host
//! ┌─ bridge ─────────────────────────────────────────────────┐               ║
//! │ bridge docker0  subnet 172.17.0.0/16  gateway 172.17.0.1 │               ║
//! │                                                          │               ║
//! │   ┌─ flappy ─────────┐                                   │               ║
//! │   │ eth0  172.17.0.2 │◀─ 80/tcp ─────────────────────────┼── 0.0.0.0:80 ─╢
//! │   └──────────────────┘                                   │               ║
//! │                                                          │               ║
//! └──────────────────────────────────────────────────────────┘               ║
//! ```

pub mod export;
mod terminal;
pub use terminal::terminal_width;

// What the engine sends for `topology`. Published entries without `->`
// (exposed only) are not drawn.
pub use crate::inspect::{TopoContainer, TopoEndpoint, TopoNetwork};

/// Where member boxes start inside a network box (wall + 3 spaces).
const INDENT: usize = 4;
/// Space between boxes side by side in a gap.
const GAP_SPACING: usize = 3;

struct Canvas {
    rows: Vec<Vec<char>>,
}

impl Canvas {
    fn put(&mut self, r: usize, c: usize, ch: char) {
        if self.rows.len() <= r {
            self.rows.resize(r + 1, Vec::new());
        }
        let row = &mut self.rows[r];
        if row.len() <= c {
            row.resize(c + 1, ' ');
        }
        // A line drawn across a box wall crosses it.
        row[c] = match (row[c], ch) {
            ('│', '─') => '┼',
            _ => ch,
        };
    }

    fn text(&mut self, r: usize, c: usize, s: &str) {
        for (i, ch) in s.chars().enumerate() {
            self.put(r, c + i, ch);
        }
    }

    fn hline(&mut self, r: usize, from: usize, to: usize) {
        for c in from..=to {
            self.put(r, c, '─');
        }
    }

    fn get(&self, r: usize, c: usize) -> char {
        self.rows
            .get(r)
            .and_then(|row| row.get(c))
            .copied()
            .unwrap_or(' ')
    }

    fn finish(self) -> String {
        let mut out = String::new();
        for row in self.rows {
            let line: String = row.into_iter().collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// A container drawn as a box: title, text lines, and the published ports
/// that leave its right wall as arrows (container side, lab-host side).
struct Drawn {
    name: String,
    lines: Vec<String>,
    arrows: Vec<(String, String)>,
}

impl Drawn {
    /// Width between the walls: room for "─ name ─" and for " text ".
    fn inner(&self) -> usize {
        let text = self.lines.iter().map(|l| width(l)).max().unwrap_or(0);
        (width(&self.name) + 4).max(text + 2)
    }

    /// Ports written as lines in the box instead of arrows.
    fn ports_inside(&mut self) {
        for (ctr, host) in std::mem::take(&mut self.arrows) {
            self.lines.push(format!("port {host}->{ctr}"));
        }
    }

    fn content_rows(&self) -> usize {
        self.lines.len().max(self.arrows.len()).max(1)
    }

    /// Space the arrow labels need right of the box, before a network wall.
    fn arrow_room(&self) -> usize {
        self.arrows
            .iter()
            .map(|(c, _)| width(c) + 7)
            .max()
            .unwrap_or(2)
    }
}

/// "0.0.0.0:80->80/tcp" -> ("80/tcp", "0.0.0.0:80"). Entries without
/// `->` are exposed but not published: nothing reaches them from the host.
fn split_port(p: &str) -> Option<(String, String)> {
    p.split_once("->")
        .map(|(host, ctr)| (ctr.to_string(), host.to_string()))
}

/// "eth0  172.18.0.2", and under the address its IPv6 one when it has one
/// (a line of its own keeps boxes narrow: an IPv6 address is long).
fn iface_lines(eps: &[&TopoEndpoint]) -> Vec<String> {
    iface_rows(eps).into_iter().map(|(_, l)| l).collect()
}

/// The lines of `iface_lines`, each with the index of its endpoint.
fn iface_rows(eps: &[&TopoEndpoint]) -> Vec<(usize, String)> {
    let w = eps.iter().map(|e| width(&e.ifname)).max().unwrap_or(0);
    let mut rows = Vec::new();
    for (i, e) in eps.iter().enumerate() {
        rows.push((i, format!("{:<w$}  {}", e.ifname, e.ip)));
        if let Some(v6) = &e.ip6 {
            rows.push((i, format!("{:<w$}  {v6}", "")));
        }
    }
    rows
}

/// How much of the picture to draw; narrower layouts give up one thing
/// each (see `render_fit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    /// The bridge on one line, subnet and gateway on the next.
    split_header: bool,
    /// Published ports as arrows to the lab host (else lines in the box).
    arrows: bool,
    /// A container on two neighbouring networks drawn between them (else
    /// in each, with "also on").
    gaps: bool,
}

const LAYOUTS: [Layout; 4] = [
    Layout {
        split_header: false,
        arrows: true,
        gaps: true,
    },
    Layout {
        split_header: true,
        arrows: true,
        gaps: true,
    },
    Layout {
        split_header: true,
        arrows: false,
        gaps: true,
    },
    Layout {
        split_header: true,
        arrows: false,
        gaps: false,
    },
];

/// The narrowest width `render_fit` lays out for.
pub const MIN_WIDTH: usize = 60;

/// The full picture, however wide it is (what lesson snapshots hold).
pub fn render(networks: &[TopoNetwork], containers: &[TopoContainer]) -> String {
    render_layout(networks, containers, LAYOUTS[0])
}

/// The widest picture that fits in `width` columns (at least `MIN_WIDTH`),
/// else the compact list; `None`: no limit.
pub fn render_fit(
    networks: &[TopoNetwork],
    containers: &[TopoContainer],
    width: Option<usize>,
) -> String {
    let Some(width) = width else {
        return render(networks, containers);
    };
    let max = width.max(MIN_WIDTH);
    for layout in LAYOUTS {
        let text = render_layout(networks, containers, layout);
        if text.lines().all(|l| self::width(l) <= max) {
            return text;
        }
    }
    render_list(networks, containers, max)
}

fn render_layout(networks: &[TopoNetwork], containers: &[TopoContainer], layout: Layout) -> String {
    if networks.is_empty() {
        return "(no networks)\n".to_string();
    }
    let n_nets = networks.len();
    let net_index = |name: &str| networks.iter().position(|n| n.name == name);

    // Members are drawn inside a network box; spanners in the gap below
    // network i when they are on exactly networks i and i+1.
    let mut members: Vec<Vec<Drawn>> = (0..n_nets).map(|_| Vec::new()).collect();
    let mut gaps: Vec<Vec<(Drawn, bool)>> = (0..n_nets).map(|_| Vec::new()).collect();
    let mut homeless = Vec::new();
    for c in containers {
        let eps: Vec<(usize, &TopoEndpoint)> = c
            .endpoints
            .iter()
            .filter_map(|e| net_index(&e.network).map(|i| (i, e)))
            .collect();
        let arrows: Vec<(String, String)> =
            c.published.iter().filter_map(|p| split_port(p)).collect();
        let mut nets: Vec<usize> = eps.iter().map(|e| e.0).collect();
        nets.dedup();
        if nets.is_empty() {
            homeless.push(c.name.clone());
            continue;
        }
        let span = layout.gaps && nets.len() == 2 && nets[0].abs_diff(nets[1]) == 1;
        if span {
            let upper = nets[0].min(nets[1]);
            let on = |i: usize| {
                eps.iter()
                    .filter(|e| e.0 == i)
                    .map(|e| e.1)
                    .collect::<Vec<_>>()
            };
            let (up, down) = (on(upper), on(upper + 1));
            let rows = iface_rows(&[up.clone(), down.clone()].concat());
            let w = rows.iter().map(|(_, l)| width(l)).max().unwrap_or(0);
            // One mark per interface, on its first line (an IPv6 address
            // under it is the same interface).
            let lines: Vec<String> = rows
                .iter()
                .enumerate()
                .map(|(k, (i, l))| {
                    let first = k == 0 || rows[k - 1].0 != *i;
                    let mark = match (first, *i < up.len()) {
                        (false, _) => ' ',
                        (true, true) => '▲',
                        (true, false) => '▼',
                    };
                    format!("{l:<w$}  {mark}").trim_end().to_string()
                })
                .collect();
            let d = Drawn {
                name: c.name.clone(),
                lines,
                arrows,
            };
            let has_ports = !d.arrows.is_empty();
            gaps[upper].push((d, has_ports));
            continue;
        }
        // Drawn in each of its networks; ports leave from the first one.
        for (k, &i) in nets.iter().enumerate() {
            let mine: Vec<_> = eps.iter().filter(|e| e.0 == i).map(|e| e.1).collect();
            let mut lines = iface_lines(&mine);
            let others: Vec<&str> = nets
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| networks[j].name.as_str())
                .collect();
            if !others.is_empty() {
                lines.push(format!("also on {}", others.join(", ")));
            }
            members[i].push(Drawn {
                name: c.name.clone(),
                lines,
                arrows: if k == 0 { arrows.clone() } else { Vec::new() },
            });
        }
    }
    // Only the rightmost box of a gap has a clear way to the lab host, so
    // boxes with ports go last; any other ports are written inside the box.
    for gap in &mut gaps {
        gap.sort_by_key(|(_, has_ports)| *has_ports);
        let last = gap.len().saturating_sub(1);
        for (k, (d, _)) in gap.iter_mut().enumerate() {
            if k != last || !layout.arrows {
                d.ports_inside();
            }
        }
    }
    if !layout.arrows {
        members.iter_mut().flatten().for_each(Drawn::ports_inside);
    }
    let gaps: Vec<Vec<Drawn>> = gaps
        .into_iter()
        .map(|g| g.into_iter().map(|(d, _)| d).collect())
        .collect();

    let headers: Vec<Vec<String>> = networks
        .iter()
        .map(|n| {
            let bridge = format!("bridge {}", n.bridge);
            let addrs = format!("subnet {}  gateway {}", n.subnet, n.gateway);
            let addrs6 = n.subnet6.as_ref().map(|s| {
                format!(
                    "subnet {s}  gateway {}",
                    n.gateway6.as_deref().unwrap_or("")
                )
            });
            if layout.split_header {
                [Some(bridge), Some(addrs), addrs6]
                    .into_iter()
                    .flatten()
                    .collect()
            } else {
                // The IPv6 line under the IPv4 one, aligned with it.
                let pad = width(&bridge) + 2;
                [
                    Some(format!("{bridge}  {addrs}")),
                    addrs6.map(|a| format!("{:pad$}{a}", "")),
                ]
                .into_iter()
                .flatten()
                .collect()
            }
        })
        .collect();

    // Gap boxes start right of the lower network's title on the shared border.
    let gap_x: Vec<usize> = (0..n_nets)
        .map(|i| match networks.get(i + 1) {
            Some(lower) => (width(&lower.name) + 6).max(INDENT),
            None => INDENT,
        })
        .collect();

    // Width of every network box (walls included).
    let mut w = 40;
    let mut min_lab_x = 0;
    for (i, n) in networks.iter().enumerate() {
        for h in &headers[i] {
            w = w.max(width(h) + 4);
        }
        w = w.max(width(&n.name) + 6);
        for d in &members[i] {
            let right = INDENT + d.inner() + 1;
            w = w.max(right + d.arrow_room() + 1);
        }
        let mut x = gap_x[i];
        for d in &gaps[i] {
            let right = x + d.inner() + 1;
            w = w.max(right + 4);
            // Arrows from a gap cross no wall; they only need room to the
            // lab host: "◀─ 80/tcp ──── 0.0.0.0:80 ─║".
            for (ctr, host) in &d.arrows {
                min_lab_x = min_lab_x.max(right + width(ctr) + width(host) + 10);
            }
            x = right + 1 + GAP_SPACING;
        }
    }

    let all_drawn = members.iter().chain(&gaps).flatten();
    let has_arrows = all_drawn.clone().any(|d| !d.arrows.is_empty());
    let host_w = all_drawn
        .flat_map(|d| d.arrows.iter().map(|a| width(&a.1)))
        .max()
        .unwrap_or(0);
    // The lab host's line, right of the boxes and the host-side labels.
    let lab_x = (w + host_w + 5).max(min_lab_x);

    let mut cv = Canvas { rows: Vec::new() };
    let mut arrows_at: Vec<(usize, usize, &(String, String))> = Vec::new(); // (row, wall col, port)
    let mut r = if has_arrows { 1 } else { 0 };
    for (i, net) in networks.iter().enumerate() {
        let top = r;
        // Top border with the network's name; an earlier gap may have drawn
        // junctions on this row already, which the border must keep.
        for c in 0..w {
            let ch = match c {
                0 => '┌',
                c if c == w - 1 => '┐',
                _ => '─',
            };
            if cv.get(top, c) != '┴' {
                cv.put(top, c, ch);
            }
        }
        cv.text(top, 2, &format!(" {} ", net.name));
        let mut rr = top + 1;
        let wall = |cv: &mut Canvas, row: usize| {
            cv.put(row, 0, '│');
            cv.put(row, w - 1, '│');
        };
        for h in &headers[i] {
            wall(&mut cv, rr);
            cv.text(rr, 2, h);
            rr += 1;
        }
        let touched = !gaps[i].is_empty() || (i > 0 && !gaps[i - 1].is_empty());
        if members[i].is_empty() {
            if !touched {
                wall(&mut cv, rr);
                cv.text(rr, INDENT, "(no containers)");
                rr += 1;
            }
        } else {
            wall(&mut cv, rr);
            rr += 1;
            for d in &members[i] {
                let rows = d.content_rows();
                for k in 0..rows + 3 {
                    wall(&mut cv, rr + k);
                }
                draw_box(&mut cv, rr, INDENT, d, ['┌', '┐', '└', '┘']);
                let right = INDENT + d.inner() + 1;
                for (k, a) in d.arrows.iter().enumerate() {
                    arrows_at.push((rr + 1 + k, right, a));
                }
                rr += rows + 3;
            }
        }
        // Bottom border.
        cv.put(rr, 0, '└');
        cv.hline(rr, 1, w - 2);
        cv.put(rr, w - 1, '┘');
        if i + 1 == n_nets {
            break;
        }
        if gaps[i].is_empty() {
            r = rr + 2;
            continue;
        }
        // Gap boxes: top on this bottom border, bottom on the next top border.
        let rows = gaps[i].iter().map(Drawn::content_rows).max().unwrap_or(1);
        let mut x = gap_x[i];
        for d in &gaps[i] {
            let right = x + d.inner() + 1;
            for k in 1..=rows {
                cv.put(rr + k, x, '│');
                cv.put(rr + k, right, '│');
            }
            draw_box(&mut cv, rr, x, d, ['┬', '┬', '┴', '┴']);
            // draw_box put the bottom edge right after the content; move it
            // to the shared border when this box is shorter than the gap.
            let bottom = rr + d.content_rows() + 1;
            if bottom != rr + rows + 1 {
                for c in x..=right {
                    cv.rows[bottom][c] = ' ';
                }
                cv.put(bottom, x, '│');
                cv.put(bottom, right, '│');
                cv.put(rr + rows + 1, x, '┴');
                cv.put(rr + rows + 1, right, '┴');
            }
            for (k, a) in d.arrows.iter().enumerate() {
                arrows_at.push((rr + 1 + k, right, a));
            }
            x = right + 1 + GAP_SPACING;
        }
        r = rr + rows + 1;
    }

    if has_arrows {
        let last = cv.rows.len() - 1;
        cv.text(0, lab_x - 4, "lab host");
        for row in 1..=last {
            cv.put(row, lab_x, '║');
        }
        for (row, wall, (ctr, host)) in arrows_at {
            let mut c = wall + 1;
            cv.put(row, c, '◀');
            c += 1;
            let near = if ctr.is_empty() {
                "─".to_string()
            } else {
                format!("─ {ctr} ")
            };
            cv.text(row, c, &near);
            c += width(&near);
            let far = format!(" {host} ─");
            let far_at = lab_x - width(&far);
            cv.hline(row, c, far_at - 1);
            cv.text(row, far_at, &far);
            cv.put(row, lab_x, '╢');
        }
    }
    if !homeless.is_empty() {
        let row = cv.rows.len() + 1;
        cv.text(
            row,
            0,
            &format!("not on any network: {}", homeless.join(", ")),
        );
    }
    cv.finish()
}

/// The lab as a list, for terminals no picture fits: each network with its
/// containers' interfaces, then the lab host's published ports. A line
/// still too long (a very long name) is cut with `…`.
fn render_list(networks: &[TopoNetwork], containers: &[TopoContainer], max: usize) -> String {
    let mut lines = Vec::new();
    for n in networks {
        lines.push(format!("network {}: bridge {}", n.name, n.bridge));
        lines.push(format!("  subnet {}  gateway {}", n.subnet, n.gateway));
        if let (Some(s), Some(g)) = (&n.subnet6, &n.gateway6) {
            // IPv6 addresses are long: the gateway on a line of its own
            // when both do not fit.
            let both = format!("  subnet {s}  gateway {g}");
            if width(&both) <= max {
                lines.push(both);
            } else {
                lines.push(format!("  subnet {s}"));
                lines.push(format!("  gateway {g}"));
            }
        }
        let on: Vec<(&TopoContainer, &TopoEndpoint)> = containers
            .iter()
            .flat_map(|c| {
                c.endpoints
                    .iter()
                    .filter(|e| e.network == n.name)
                    .map(move |e| (c, e))
            })
            .collect();
        if on.is_empty() {
            lines.push("  (no containers)".into());
        }
        let name_w = on.iter().map(|(c, _)| width(&c.name)).max().unwrap_or(0);
        for (c, e) in on {
            let mut line = format!("  {:<name_w$}  {}  {}", c.name, e.ifname, e.ip);
            // The IPv6 address under the IPv4 one.
            let v6 = e.ip6.as_ref().map(|v6| {
                let pad = 2 + name_w + 2 + width(&e.ifname) + 2;
                format!("{:pad$}{v6}", "")
            });
            let others: Vec<&str> = c
                .endpoints
                .iter()
                .filter(|o| o.network != n.name)
                .map(|o| o.network.as_str())
                .collect();
            if !others.is_empty() {
                line.push_str(&format!("  also on {}", others.join(", ")));
            }
            lines.push(line);
            lines.extend(v6);
        }
    }
    let ports: Vec<String> = containers
        .iter()
        .flat_map(|c| {
            c.published
                .iter()
                .filter_map(|p| split_port(p))
                .map(|(ctr, host)| format!("  {host} -> {} {ctr}", c.name))
        })
        .collect();
    if !ports.is_empty() {
        lines.push("published on the lab host".into());
        lines.extend(ports);
    }
    let known = |net: &str| networks.iter().any(|n| n.name == net);
    let homeless: Vec<&str> = containers
        .iter()
        .filter(|c| !c.endpoints.iter().any(|e| known(&e.network)))
        .map(|c| c.name.as_str())
        .collect();
    if !homeless.is_empty() {
        lines.push(format!("not on any network: {}", homeless.join(", ")));
    }
    let mut out = String::new();
    for line in lines {
        if width(&line) > max {
            out.extend(line.chars().take(max - 1));
            out.push('…');
        } else {
            out.push_str(&line);
        }
        out.push('\n');
    }
    out
}

/// Draws a box whose top-left corner is at (r, x). Corners are top-left,
/// top-right, bottom-left, bottom-right: junctions when the box sits on
/// network borders.
fn draw_box(cv: &mut Canvas, r: usize, x: usize, d: &Drawn, corners: [char; 4]) {
    let [tl, tr, bl, br] = corners;
    let inner = d.inner();
    let right = x + inner + 1;
    cv.put(r, x, tl);
    cv.hline(r, x + 1, right - 1);
    cv.text(r, x + 2, &format!(" {} ", d.name));
    cv.put(r, right, tr);
    let rows = d.content_rows();
    for k in 0..rows {
        cv.put(r + 1 + k, x, '│');
        cv.put(r + 1 + k, right, '│');
        if let Some(l) = d.lines.get(k) {
            cv.text(r + 1 + k, x + 2, l);
        }
    }
    let b = r + rows + 1;
    cv.put(b, x, bl);
    cv.hline(b, x + 1, right - 1);
    cv.put(b, right, br);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(name: &str, subnet: &str, gateway: &str, bridge: &str) -> TopoNetwork {
        TopoNetwork {
            name: name.into(),
            subnet: subnet.into(),
            gateway: gateway.into(),
            bridge: bridge.into(),
            subnet6: None,
            gateway6: None,
        }
    }

    fn ctr(name: &str, eps: &[(&str, &str, &str)], published: &[&str]) -> TopoContainer {
        TopoContainer {
            name: name.into(),
            endpoints: eps
                .iter()
                .map(|(n, ip, i)| TopoEndpoint {
                    network: n.to_string(),
                    ip: ip.to_string(),
                    ifname: i.to_string(),
                    ip6: None,
                })
                .collect(),
            published: published.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn bridge() -> TopoNetwork {
        net("bridge", "172.17.0.0/16", "172.17.0.1", "docker0")
    }
    fn public() -> TopoNetwork {
        net(
            "flappy-public",
            "172.18.0.0/16",
            "172.18.0.1",
            "br-4c1b0c2d9e8f",
        )
    }
    fn private() -> TopoNetwork {
        net(
            "flappy-private",
            "172.19.0.0/16",
            "172.19.0.1",
            "br-9a8b7c6d5e4f",
        )
    }

    /// Compares without the leading newline of the raw string, and shows
    /// the picture on failure (assert_eq's escaped strings are unreadable).
    fn assert_picture(got: String, want: &str) {
        let want = &want[1..];
        assert!(got == want, "got:\n{got}\nwant:\n{want}");
        for line in got.lines() {
            assert!(line.chars().count() <= 100, "too wide: {line}");
        }
    }

    const DEFAULT_BRIDGE: &str = r#"
                                                                       lab host
┌─ bridge ─────────────────────────────────────────────────┐               ║
│ bridge docker0  subnet 172.17.0.0/16  gateway 172.17.0.1 │               ║
│                                                          │               ║
│   ┌─ flappy ─────────┐                                   │               ║
│   │ eth0  172.17.0.2 │◀─ 80/tcp ─────────────────────────┼── 0.0.0.0:80 ─╢
│   └──────────────────┘                                   │               ║
│                                                          │               ║
└──────────────────────────────────────────────────────────┘               ║
"#;

    const ONE_NETWORK: &str = r#"
┌─ flappy-public ──────────────────────────────────────────────────┐
│ bridge br-4c1b0c2d9e8f  subnet 172.18.0.0/16  gateway 172.18.0.1 │
│                                                                  │
│   ┌─ flappy ─────────┐                                           │
│   │ eth0  172.18.0.2 │                                           │
│   └──────────────────┘                                           │
│                                                                  │
│   ┌─ ssl-term ───────┐                                           │
│   │ eth0  172.18.0.3 │                                           │
│   └──────────────────┘                                           │
│                                                                  │
└──────────────────────────────────────────────────────────────────┘
"#;

    const GATEWAY: &str = r#"
                                                                                lab host
┌─ flappy-public ──────────────────────────────────────────────────┐                ║
│ bridge br-4c1b0c2d9e8f  subnet 172.18.0.0/16  gateway 172.18.0.1 │                ║
│                                                                  │                ║
│   ┌─ ssl-term ───────┐                                           │                ║
│   │ eth0  172.18.0.3 │◀─ 443/tcp ────────────────────────────────┼── 0.0.0.0:443 ─╢
│   └──────────────────┘                                           │                ║
│                                                                  │                ║
└───────────────────┬─ network-gate ──────┬────────────────────────┘                ║
                    │ eth0  172.18.0.2  ▲ │                                         ║
                    │ eth1  172.19.0.3  ▼ │                                         ║
┌─ flappy-private ──┴─────────────────────┴────────────────────────┐                ║
│ bridge br-9a8b7c6d5e4f  subnet 172.19.0.0/16  gateway 172.19.0.1 │                ║
│                                                                  │                ║
│   ┌─ flappy ─────────┐                                           │                ║
│   │ eth1  172.19.0.2 │                                           │                ║
│   └──────────────────┘                                           │                ║
│                                                                  │                ║
└──────────────────────────────────────────────────────────────────┘                ║
"#;

    const CROWDED: &str = r#"
                                                                                                                       lab host
┌─ bridge ─────────────────────────────────────────────────────────────────────────────────────────────┐                   ║
│ bridge docker0  subnet 172.17.0.0/16  gateway 172.17.0.1                                             │                   ║
│                                                                                                      │                   ║
│   ┌─ b ────────────────────┐                                                                         │                   ║
│   │ eth0  172.17.0.2       │◀─ 5000/tcp ─────────────────────────────────────────────────────────────┼── 127.0.0.1:8080 ─╢
│   │ also on flappy-private │                                                                         │                   ║
│   └────────────────────────┘                                                                         │                   ║
│                                                                                                      │                   ║
└──────────────────────────────────────────────────────────────────────────────────────────────────────┘                   ║
                                                                                                                           ║
┌─ flappy-public ──────────────────────────────────────────────────────────────────────────────────────┐                   ║
│ bridge br-4c1b0c2d9e8f  subnet 172.18.0.0/16  gateway 172.18.0.1                                     │                   ║
└───────────────────┬─ q ─────────────────┬───┬─ p ───────────────────────┬───┬─ r ─────────────────┬──┘                   ║
                    │ eth1  172.18.0.2  ▲ │   │ eth0  172.18.0.3  ▲       │   │ eth0  172.18.0.4  ▲ │◀─ 443/tcp ── :::443 ─╢
                    │ eth0  172.19.0.3  ▼ │   │ eth1  172.19.0.4  ▼       │   │ eth1  172.19.0.6  ▼ │                      ║
                    │                     │   │ port 0.0.0.0:443->443/tcp │   │                     │                      ║
┌─ flappy-private ──┴─────────────────────┴───┴───────────────────────────┴───┴─────────────────────┴──┐                   ║
│ bridge br-9a8b7c6d5e4f  subnet 172.19.0.0/16  gateway 172.19.0.1                                     │                   ║
│                                                                                                      │                   ║
│   ┌─ b ──────────────┐                                                                               │                   ║
│   │ eth1  172.19.0.5 │                                                                               │                   ║
│   │ also on bridge   │                                                                               │                   ║
│   └──────────────────┘                                                                               │                   ║
│                                                                                                      │                   ║
└──────────────────────────────────────────────────────────────────────────────────────────────────────┘                   ║

not on any network: none
"#;

    const EMPTY_AND_EXPOSED: &str = r#"
┌─ bridge ─────────────────────────────────────────────────────┐
│ bridge docker0  subnet 172.17.0.0/16  gateway 172.17.0.1     │
│   (no containers)                                            │
└──────────────────────────────────────────────────────────────┘

┌─ n ──────────────────────────────────────────────────────────┐
│ bridge br-000000000001  subnet 10.1.0.0/24  gateway 10.1.0.1 │
│                                                              │
│   ┌─ db ───────────┐                                         │
│   │ eth0  10.1.0.2 │                                         │
│   └────────────────┘                                         │
│                                                              │
└──────────────────────────────────────────────────────────────┘
"#;

    #[test]
    fn default_bridge_with_a_published_port() {
        let got = render(
            &[bridge()],
            &[ctr(
                "flappy",
                &[("bridge", "172.17.0.2", "eth0")],
                &["0.0.0.0:80->80/tcp"],
            )],
        );
        assert_picture(got, DEFAULT_BRIDGE);
    }

    #[test]
    fn two_containers_on_one_network() {
        let got = render(
            &[public()],
            &[
                ctr("flappy", &[("flappy-public", "172.18.0.2", "eth0")], &[]),
                ctr("ssl-term", &[("flappy-public", "172.18.0.3", "eth0")], &[]),
            ],
        );
        assert_picture(got, ONE_NETWORK);
    }

    #[test]
    fn gateway_container_between_two_networks() {
        let got = render(
            &[public(), private()],
            &[
                ctr("flappy", &[("flappy-private", "172.19.0.2", "eth1")], &[]),
                ctr(
                    "network-gate",
                    &[
                        ("flappy-public", "172.18.0.2", "eth0"),
                        ("flappy-private", "172.19.0.3", "eth1"),
                    ],
                    &[],
                ),
                ctr(
                    "ssl-term",
                    &[("flappy-public", "172.18.0.3", "eth0")],
                    &["0.0.0.0:443->443/tcp"],
                ),
            ],
        );
        assert_picture(got, GATEWAY);
    }

    /// Boxes with ports go last in a gap; a second one keeps its ports
    /// inside. A container on networks that are not neighbours appears in
    /// each; one on no known network is listed under the picture.
    #[test]
    fn crowded_gap_and_fallbacks() {
        let got = render(
            &[bridge(), public(), private()],
            &[
                ctr(
                    "b",
                    &[
                        ("bridge", "172.17.0.2", "eth0"),
                        ("flappy-private", "172.19.0.5", "eth1"),
                    ],
                    &["127.0.0.1:8080->5000/tcp"],
                ),
                ctr(
                    "p",
                    &[
                        ("flappy-public", "172.18.0.3", "eth0"),
                        ("flappy-private", "172.19.0.4", "eth1"),
                    ],
                    &["0.0.0.0:443->443/tcp", "5000/udp"],
                ),
                ctr(
                    "q",
                    &[
                        ("flappy-private", "172.19.0.3", "eth0"),
                        ("flappy-public", "172.18.0.2", "eth1"),
                    ],
                    &[],
                ),
                ctr(
                    "r",
                    &[
                        ("flappy-public", "172.18.0.4", "eth0"),
                        ("flappy-private", "172.19.0.6", "eth1"),
                    ],
                    &[":::443->443/tcp"],
                ),
                ctr("none", &[("ghost-net", "10.0.0.2", "eth0")], &[]),
            ],
        );
        let want = &CROWDED[1..];
        assert!(got == want, "got:\n{got}\nwant:\n{want}");
    }

    /// An exposed-only port has no arrow, so there is no lab host column.
    #[test]
    fn empty_network_and_exposed_port() {
        let got = render(
            &[
                bridge(),
                net("n", "10.1.0.0/24", "10.1.0.1", "br-000000000001"),
            ],
            &[ctr("db", &[("n", "10.1.0.2", "eth0")], &["5432/tcp"])],
        );
        assert_picture(got, EMPTY_AND_EXPOSED);
    }

    #[test]
    fn no_networks() {
        assert_eq!(render(&[], &[]), "(no networks)\n");
    }

    #[test]
    fn input_order_decides() {
        let a = ctr("a", &[("bridge", "172.17.0.3", "eth0")], &[]);
        let b = ctr("b", &[("bridge", "172.17.0.2", "eth0")], &[]);
        let ab = render(&[bridge()], &[a.clone(), b.clone()]);
        let ba = render(&[bridge()], &[b, a]);
        assert!(ab.find("─ a ─").unwrap() < ab.find("─ b ─").unwrap());
        assert!(ba.find("─ b ─").unwrap() < ba.find("─ a ─").unwrap());
        assert_eq!(
            ab,
            render(
                &[bridge()],
                &[
                    ctr("a", &[("bridge", "172.17.0.3", "eth0")], &[]),
                    ctr("b", &[("bridge", "172.17.0.2", "eth0")], &[])
                ]
            )
        );
    }
}
