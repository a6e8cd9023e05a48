//! Where ids, names and times come from. In deterministic mode every value is
//! drawn from a seeded sequence and a virtual clock, so a lesson prints the
//! same bytes on every machine; otherwise from the OS's randomness and clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// splitmix64: tiny, well distributed, and fully determined by its seed.
#[derive(Debug, Clone)]
pub struct Sequence {
    state: u64,
}

impl Sequence {
    pub fn seeded(seed: u64) -> Sequence {
        Sequence { state: seed }
    }

    pub fn from_os() -> Sequence {
        let mut buf = [0u8; 8];
        let seeded = std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut buf));
        let seed = match seeded {
            Ok(()) => u64::from_le_bytes(buf),
            // Without /dev/urandom, the clock is random enough for ids.
            Err(_) => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0x9e37_79b9),
        };
        Sequence::seeded(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `len` lower-case hex digits.
    pub fn hex(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len + 16);
        while out.len() < len {
            out.push_str(&format!("{:016x}", self.next_u64()));
        }
        out.truncate(len);
        out
    }

    /// A 64-hex id like Docker's; never all digits, so the 12-char short id
    /// can't be mistaken for a number (Docker retries such ids too).
    pub fn id(&mut self) -> String {
        loop {
            let id = self.hex(64);
            if id[..12].bytes().any(|b| b.is_ascii_alphabetic()) {
                return id;
            }
        }
    }

    /// A container name in Docker's style: adjective_surname.
    pub fn name(&mut self) -> String {
        let a = ADJECTIVES[(self.next_u64() % ADJECTIVES.len() as u64) as usize];
        let s = SURNAMES[(self.next_u64() % SURNAMES.len() as u64) as usize];
        format!("{a}_{s}")
    }
}

// Our own word lists; the style follows Docker's generated names.
const ADJECTIVES: &[&str] = &[
    "admiring",
    "amazing",
    "awesome",
    "blissful",
    "bold",
    "brave",
    "busy",
    "calm",
    "clever",
    "cool",
    "curious",
    "dazzling",
    "determined",
    "eager",
    "ecstatic",
    "elastic",
    "elegant",
    "epic",
    "fervent",
    "focused",
    "friendly",
    "gallant",
    "gentle",
    "happy",
    "hopeful",
    "inspiring",
    "jolly",
    "keen",
    "kind",
    "lucid",
    "magical",
    "modest",
    "nervous",
    "nice",
    "nifty",
    "optimistic",
    "peaceful",
    "practical",
    "quirky",
    "relaxed",
    "serene",
    "sharp",
    "stoic",
    "sweet",
    "tender",
    "trusting",
    "upbeat",
    "vibrant",
    "wizardly",
    "youthful",
    "zealous",
];

const SURNAMES: &[&str] = &[
    "agnesi",
    "babbage",
    "bohr",
    "carson",
    "curie",
    "darwin",
    "dijkstra",
    "einstein",
    "euler",
    "faraday",
    "fermi",
    "franklin",
    "galileo",
    "goodall",
    "hamilton",
    "hopper",
    "hypatia",
    "johnson",
    "kepler",
    "knuth",
    "lamarr",
    "lovelace",
    "maxwell",
    "meitner",
    "mirzakhani",
    "morse",
    "newton",
    "noether",
    "pasteur",
    "perlman",
    "ritchie",
    "saha",
    "shannon",
    "sutherland",
    "tesla",
    "thompson",
    "torvalds",
    "turing",
    "wilson",
    "wozniak",
    "yalow",
];

/// Nanoseconds since the Unix epoch, real or virtual.
#[derive(Debug, Clone)]
pub enum Clock {
    Real,
    /// Starts at a fixed instant and moves one second per reading, so
    /// "created" and "started" differ and `ps` shows stable ages.
    Virtual {
        now_ns: i128,
    },
}

/// 2026-01-01T00:00:00Z, where deterministic labs start their clock.
pub const VIRTUAL_EPOCH_NS: i128 = 1_767_225_600 * 1_000_000_000;

impl Clock {
    pub fn virtual_clock() -> Clock {
        Clock::Virtual {
            now_ns: VIRTUAL_EPOCH_NS,
        }
    }

    /// Reads the time without advancing the virtual clock.
    pub fn peek(&self) -> i128 {
        match self {
            Clock::Real => real_now_ns(),
            Clock::Virtual { now_ns } => *now_ns,
        }
    }

    /// Reads the time; the virtual clock advances by one second per reading.
    pub fn tick(&mut self) -> i128 {
        match self {
            Clock::Real => real_now_ns(),
            Clock::Virtual { now_ns } => {
                *now_ns += 1_000_000_000;
                *now_ns
            }
        }
    }
}

fn real_now_ns() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

/// RFC 3339 with nanoseconds and Z, as Docker prints `Created`.
pub fn rfc3339(ns: i128) -> String {
    if ns <= 0 {
        return "0001-01-01T00:00:00Z".to_string();
    }
    let secs = ns.div_euclid(1_000_000_000) as i64;
    let nanos = ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Go's time.Time String() in UTC, as `network ls --format
/// {{.CreatedAt}}` prints it: "2026-12-02 12:58:10.5090934 +0000 UTC"
/// (nanoseconds without trailing zeros).
pub fn go_time_string(ns: i128) -> String {
    let full = rfc3339(ns);
    let (date, time) = full
        .trim_end_matches('Z')
        .split_once('T')
        .unwrap_or((&full, ""));
    let time = match time.split_once('.') {
        Some((hms, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                hms.to_string()
            } else {
                format!("{hms}.{frac}")
            }
        }
        None => time.to_string(),
    };
    format!("{date} {time} +0000 UTC")
}

/// RFC 3339 in whole seconds, as Go's log lines stamp `time=`.
pub fn rfc3339_seconds(ns: i128) -> String {
    let full = rfc3339(ns);
    match full.find('.') {
        Some(dot) => format!("{}Z", &full[..dot]),
        None => full,
    }
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Docker's human durations (go-units HumanDuration), for `ps`.
pub fn human_duration(ns: i128) -> String {
    let secs = (ns / 1_000_000_000).max(0) as i64;
    let hours = secs / 3600;
    if secs < 1 {
        "Less than a second".to_string()
    } else if secs == 1 {
        "1 second".to_string()
    } else if secs < 60 {
        format!("{secs} seconds")
    } else if secs / 60 == 1 {
        "About a minute".to_string()
    } else if secs / 60 < 60 {
        format!("{} minutes", secs / 60)
    } else if hours == 1 {
        "About an hour".to_string()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", hours / 24 / 30)
    } else {
        format!("{} years", hours / 24 / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_sequences_repeat() {
        let mut a = Sequence::seeded(42);
        let mut b = Sequence::seeded(42);
        assert_eq!(a.id(), b.id());
        assert_eq!(a.name(), b.name());
        let id = a.id();
        assert_eq!(id.len(), 64);
        assert!(id
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(Sequence::seeded(1).id(), Sequence::seeded(2).id());
    }

    #[test]
    fn names_look_like_dockers() {
        let name = Sequence::seeded(7).name();
        let (adj, sur) = name.split_once('_').unwrap();
        assert!(ADJECTIVES.contains(&adj) && SURNAMES.contains(&sur));
    }

    #[test]
    fn rfc3339_formats_like_docker() {
        assert_eq!(rfc3339(VIRTUAL_EPOCH_NS), "2026-01-01T00:00:00.000000000Z");
        assert_eq!(
            rfc3339(1_795_340_000 * 1_000_000_000 + 863_304_762),
            "2026-11-22T09:33:20.863304762Z"
        );
        assert_eq!(rfc3339(0), "0001-01-01T00:00:00Z");
    }

    #[test]
    fn virtual_clock_ticks_by_a_second() {
        let mut c = Clock::virtual_clock();
        let a = c.tick();
        let b = c.tick();
        assert_eq!(b - a, 1_000_000_000);
        assert_eq!(c.peek(), b);
    }

    #[test]
    fn human_durations() {
        let s = 1_000_000_000;
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(s), "1 second");
        assert_eq!(human_duration(5 * s), "5 seconds");
        assert_eq!(human_duration(70 * s), "About a minute");
        assert_eq!(human_duration(150 * s), "2 minutes");
        assert_eq!(human_duration(3700 * s), "About an hour");
        assert_eq!(human_duration(3 * 3600 * s), "3 hours");
    }
}
