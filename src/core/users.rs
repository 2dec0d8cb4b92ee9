//! `users`: seeded fake user records (id, name, email, company, password,
//! createdAt) as CSV with a header row or as NDJSON. `bad_rate` makes that
//! share of rows malformed (a field short in CSV, cut JSON in NDJSON) for the
//! error-handling lessons. Chunks hold whole records, about `chunk_size`
//! bytes each, so the text does not depend on the chunk size.

use std::io::Write;

use crate::core::rng::SplitMix64;
use crate::core::source::Source;

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Margaret",
    "Dennis",
    "Radia",
    "Linus",
    "Hedy",
    "Tim",
    "Katherine",
    "John",
    "Sophie",
    "Niklaus",
    "Joan",
    "Guido",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "Torvalds",
    "Lamarr",
    "Berners-Lee",
    "Johnson",
    "McCarthy",
    "Wilson",
    "Wirth",
    "Clarke",
    "van Rossum",
];
const COMPANIES: &[&str] = &[
    "Acme, Inc.",
    "Globex",
    "Initech",
    "Umbrella \"Bio\" Corp",
    "Hooli",
    "Vandelay Industries",
    "Stark Industries",
    "Wayne Enterprises",
    "Tyrell",
    "Cyberdyne Systems",
];
const DOMAINS: &[&str] = &["example.com", "example.org", "mail.test", "users.invalid"];
const PASSWORD_CHARS: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!@#$%&*?";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserFormat {
    Csv,
    Ndjson,
}

pub struct Users {
    rng: SplitMix64,
    format: UserFormat,
    count: u64,
    next: u64,
    chunk_size: usize,
    /// Rows per million that come out malformed.
    bad_per_million: u64,
    header_done: bool,
}

impl Users {
    /// `bad_rate` is the share of malformed rows, 0 to 1.
    pub fn new(
        format: UserFormat,
        count: u64,
        seed: u64,
        chunk_size: usize,
        bad_rate: f64,
    ) -> Self {
        Users {
            rng: SplitMix64::new(seed),
            format,
            count,
            next: 0,
            chunk_size: chunk_size.max(1),
            bad_per_million: (bad_rate.clamp(0.0, 1.0) * 1e6).round() as u64,
            header_done: format == UserFormat::Ndjson,
        }
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.rng.below(list.len() as u64) as usize]
    }

    /// Appends one record (and its newline) to `out`.
    fn record(&mut self, out: &mut Vec<u8>) {
        let id = self.next + 1;
        let (first, last) = (self.pick(FIRST), self.pick(LAST));
        let name = format!("{first} {last}");
        // The names are ASCII: no Unicode case table in the wasm for this.
        let local: String = format!("{first}.{last}")
            .to_ascii_lowercase()
            .replace(' ', "");
        let email = format!("{local}{}@{}", self.rng.below(100), self.pick(DOMAINS));
        let company = self.pick(COMPANIES);
        let len = 8 + self.rng.below(9) as usize;
        let password: String = (0..len)
            .map(|_| PASSWORD_CHARS[self.rng.below(PASSWORD_CHARS.len() as u64) as usize] as char)
            .collect();
        // Seconds from 2020-01-01 into the following five years.
        let created = iso_utc(1_577_836_800 + self.rng.below(5 * 365 * 86_400));
        let bad = self.rng.below(1_000_000) < self.bad_per_million;
        match self.format {
            UserFormat::Csv => {
                let fields = [
                    id.to_string(),
                    name,
                    email,
                    company.to_string(),
                    password,
                    created,
                ];
                // A bad row loses its last field: a ragged row.
                let n = if bad { fields.len() - 1 } else { fields.len() };
                for (i, f) in fields[..n].iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    csv_field(out, f);
                }
            }
            UserFormat::Ndjson => {
                let value = serde_json::json!({
                    "id": id, "name": name, "email": email, "company": company,
                    "password": password, "createdAt": created,
                });
                let text = value.to_string();
                // A bad row is cut short: not valid JSON.
                let keep = if bad { text.len() / 2 } else { text.len() };
                out.extend_from_slice(&text.as_bytes()[..keep]);
            }
        }
        out.push(b'\n');
        self.next += 1;
    }
}

/// A CSV field, quoted when it holds a delimiter, a quote or a newline.
fn csv_field(out: &mut Vec<u8>, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds (days to civil date after
/// Howard Hinnant's `civil_from_days`).
pub fn iso_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl Source for Users {
    fn kind(&self) -> &'static str {
        "users"
    }

    fn fill(&mut self, out: &mut Vec<u8>) -> bool {
        out.clear();
        if !self.header_done {
            // Writing to a Vec cannot fail.
            let _ = writeln!(out, "id,name,email,company,password,createdAt");
            self.header_done = true;
        }
        while self.next < self.count && out.len() < self.chunk_size {
            self.record(out);
        }
        !out.is_empty()
    }

    fn total_bytes(&self) -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::iso_utc;

    #[test]
    fn iso_dates() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(1_577_836_800), "2020-01-01T00:00:00Z");
        assert_eq!(iso_utc(1_709_210_096), "2024-02-29T12:34:56Z");
    }
}

// ---- Catalogue definition ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::stage::{DataType, Origin, StageDef, MAX_SAFE};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UsersOptions {
    format: UserFormat,
    count: u64,
    seed: u64,
    bad_rate: f64,
    chunk_size: u64,
}

pub const USERS: StageDef = StageDef {
    kind: "users",
    title: "Users",
    summary: "Seeded fake user records (id, name, email, company, password, createdAt) as CSV or NDJSON; badRate injects malformed rows.",
    params: &[
        ParamSpec::choice("format", "csv", &["csv", "ndjson"], "CSV with a header row, or one JSON object per line."),
        ParamSpec::int("count", 1000, 0, MAX_SAFE, "How many records."),
        ParamSpec::int("seed", 1, 0, MAX_SAFE, "The same seed gives the same records."),
        ParamSpec::num("badRate", 0.0, 0.0, 1.0, "Share of malformed rows, from 0 to 1."),
        ParamSpec::int("chunkSize", 65_536, 1, 16 << 20, "About how many bytes per chunk (whole records)."),
    ],
    file_name: Some("users.{format}"),
    ..StageDef::source(DataType::Bytes, |o| {
        let u: UsersOptions = o.typed()?;
        let chunk = usize::try_from(u.chunk_size).unwrap_or(usize::MAX);
        Ok(Origin::Generated(Box::new(Users::new(
            u.format, u.count, u.seed, chunk, u.bad_rate,
        ))))
    })
};
