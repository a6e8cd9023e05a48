//! Order statistics of timings, for `netlings bench` and its probes.

use std::time::Duration;

pub struct Stats {
    pub median: Duration,
    pub p99: Duration,
}

/// Median and 99th percentile (nearest rank) of non-empty samples.
pub fn stats(samples: &mut [Duration]) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        median: at(0.5),
        p99: at(0.99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p99_of_a_hundred() {
        let mut s: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let st = stats(&mut s);
        assert_eq!(st.median, Duration::from_millis(51));
        assert_eq!(st.p99, Duration::from_millis(99));
    }
}
