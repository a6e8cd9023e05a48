//! `netlings-dns-latency`, run by `netlings bench` inside a container.

use crate::stats::{stats, Stats};
use std::time::{Duration, Instant};

/// Applet `netlings-dns-latency NAME COUNT`: times A queries to the
/// container's resolver and prints the median and p99.
pub fn main(args: &[String]) -> i32 {
    use hickory_proto::op::{Message, Query};
    use hickory_proto::rr::{Name, RecordType};
    let (Some(name), Some(count)) = (
        args.first(),
        args.get(1).and_then(|c| c.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: netlings-dns-latency NAME COUNT");
        return 2;
    };
    let run = || -> Result<Stats, String> {
        let name = Name::from_ascii(name).map_err(|e| e.to_string())?;
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        sock.connect("127.0.0.11:53").map_err(|e| e.to_string())?;
        sock.set_read_timeout(Some(Duration::from_secs(1)))
            .map_err(|e| e.to_string())?;
        let mut buf = [0u8; 512];
        let mut samples = Vec::with_capacity(count);
        for i in 0..count + 200 {
            let mut msg = Message::query();
            msg.metadata.id = i as u16;
            msg.metadata.recursion_desired = true;
            msg.add_query(Query::query(name.clone(), RecordType::A));
            let bytes = msg.to_vec().map_err(|e| e.to_string())?;
            let t = Instant::now();
            sock.send(&bytes).map_err(|e| e.to_string())?;
            let n = sock.recv(&mut buf).map_err(|e| e.to_string())?;
            let took = t.elapsed();
            // Only answers with an address count.
            if n < 12 || buf[7] == 0 {
                return Err(format!("no answer for {name}"));
            }
            // The first 200 warm caches up.
            if i >= 200 {
                samples.push(took);
            }
        }
        Ok(stats(&mut samples))
    };
    match run() {
        Ok(s) => {
            println!(
                "median {:.1} us, p99 {:.1} us",
                s.median.as_secs_f64() * 1e6,
                s.p99.as_secs_f64() * 1e6
            );
            0
        }
        Err(e) => {
            eprintln!("netlings-dns-latency: {e}");
            1
        }
    }
}
