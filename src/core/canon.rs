//! A record's JSON exactly as `JSON.stringify(JSON.parse(line))` gives it,
//! computed in Rust. Records that pass between two Rust stages on the same
//! thread stay bytes (a batch of NDJSON lines, issue 12) instead of
//! becoming JS objects and JSON again; the downstream stage must still see
//! the very bytes the JS round trip would have given it, so each record is
//! put in that form here:
//!
//! - no whitespace between tokens;
//! - strings escaped as `JSON.stringify` escapes them (`\"`, `\\`, `\b`,
//!   `\f`, `\n`, `\r`, `\t`, other control characters as lowercase
//!   `\u00xx`, everything else as itself);
//! - numbers as JS numbers print (`Number.prototype.toString`, by
//!   `ryu-js`): `1.0` is `1`, `-0` is `0`, `1e21` is `1e+21`, a too-long
//!   integer rounds, a number too large for a double is `null`;
//! - in an object, a key given twice keeps its first place and its last
//!   value, and keys that are array indices (`"0"`, `"17"`, below 2³² − 1)
//!   come first, in ascending order, as JS orders an object's properties.
//!
//! Most records are in that form already (what `csv-to-ndjson`, serde and
//! `JSON.stringify` write), so a scan that allocates nothing checks for it
//! first and copies the line; only the others are parsed and written again.

/// Appends the canonical form of `line` (one JSON value) to `out`.
///
/// # Errors
///
/// `line` is not JSON (serde_json's message); nothing is appended.
pub fn canonical(line: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    if is_canonical(line) {
        out.extend_from_slice(line);
        return Ok(());
    }
    let mut parse = Parse { s: line, i: 0 };
    let value = parse.value(0)?;
    parse.skip_ws();
    if parse.i != line.len() {
        return parse.fail("trailing characters");
    }
    value.write(out);
    Ok(())
}

/// Whether `line` is exactly its own canonical form (slow; for checks).
pub fn is_form(line: &[u8]) -> bool {
    let mut out = Vec::new();
    canonical(line, &mut out).is_ok() && out == line
}

/// Whether `line` is already exactly what `JSON.stringify(JSON.parse(line))`
/// gives. False when in doubt: the slow path is always right.
pub fn is_canonical(line: &[u8]) -> bool {
    let mut scan = Scan { s: line, i: 0 };
    scan.value(0) && scan.i == line.len()
}

/// Whether `line` is one object in canonical form, handing `each` its
/// members in order as it reads them: each key's escaped contents and each
/// value's JSON text (a canonical object has each key once). On `false`
/// the caller forgets what it was handed and reads the line the slow way.
///
/// `keys` is what the caller's last such object had, and becomes this
/// one's: records in a stream mostly share their keys (every record from
/// one CSV does), so each key that is where the last object had it is
/// taken with one comparison instead of being scanned and checked against
/// the others. Returns `Some(same)` for a canonical object, `same` when its
/// keys were exactly those; `None` otherwise.
pub fn members<'a>(
    line: &'a [u8],
    keys: &mut Keys,
    each: impl FnMut(&'a [u8], &'a [u8]),
) -> Option<bool> {
    let mut scan = Scan { s: line, i: 0 };
    if scan.peek() != Some(b'{') {
        return None;
    }
    let mut seen = [&[][..]; MAX_KEYS];
    let (n, same) = scan.members(0, &keys.written, &mut seen, each)?;
    if scan.i != line.len() {
        return None;
    }
    if !same {
        keys.written.clear();
        keys.written
            .extend(seen[..n].iter().map(|k| [b"\"", *k, b"\":"].concat()));
    }
    Some(same)
}

/// The keys of the last object [`members`] read, as written (`"key":`).
#[derive(Default)]
pub struct Keys {
    written: Vec<Vec<u8>>,
}

/// Deeper nesting takes the slow path (serde_json's own limit, 128, then
/// applies).
const MAX_DEPTH: usize = 64;
/// Objects with more keys take the slow path (the duplicate check is
/// quadratic).
const MAX_KEYS: usize = 64;

struct Scan<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, literal: &[u8]) -> bool {
        if self.s[self.i..].starts_with(literal) {
            self.i += literal.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().is_some(),
            Some(b't') => self.eat(b"true"),
            Some(b'f') => self.eat(b"false"),
            Some(b'n') => self.eat(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => false,
        }
    }

    fn object(&mut self, depth: usize) -> bool {
        let mut seen = [&[][..]; MAX_KEYS];
        self.members(depth, &[], &mut seen, |_, _| ()).is_some()
    }

    /// An object in canonical form, handing each member's key (its escaped
    /// contents) and value (its JSON text) to `each`, and noting each key
    /// in `seen`: how many there were, and whether they were `hint`'s (a
    /// previous object's keys, as written) exactly.
    fn members(
        &mut self,
        depth: usize,
        hint: &[Vec<u8>],
        seen: &mut [&'a [u8]; MAX_KEYS],
        mut each: impl FnMut(&'a [u8], &'a [u8]),
    ) -> Option<(usize, bool)> {
        self.i += 1;
        if self.eat(b"}") {
            return Some((0, hint.is_empty()));
        }
        let all: &'a [u8] = self.s;
        let mut n = 0;
        // Every key so far was the hint's, in its place.
        let mut same = true;
        loop {
            let key = match hint.get(n) {
                // The same bytes as a key already read (a valid string, no
                // index, unlike the keys before it): that key again.
                Some(written) if same && all[self.i..].starts_with(written) => {
                    self.i += written.len();
                    &all[self.i - written.len() + 1..self.i - 2]
                }
                _ => {
                    same = false;
                    let key = self.string()?;
                    if n == MAX_KEYS || is_index(key) || seen[..n].contains(&key) {
                        return None;
                    }
                    if !self.eat(b":") {
                        return None;
                    }
                    key
                }
            };
            seen[n] = key;
            n += 1;
            let start = self.i;
            if !self.value(depth + 1) {
                return None;
            }
            each(key, &all[start..self.i]);
            if self.eat(b"}") {
                return Some((n, same && n == hint.len()));
            }
            if !self.eat(b",") {
                return None;
            }
        }
    }

    fn array(&mut self, depth: usize) -> bool {
        self.i += 1;
        if self.eat(b"]") {
            return true;
        }
        loop {
            if !self.value(depth + 1) {
                return false;
            }
            if self.eat(b"]") {
                return true;
            }
            if !self.eat(b",") {
                return false;
            }
        }
    }

    /// A string in `JSON.stringify`'s escaping: its raw bytes between the
    /// quotes (escapes included), or `None`.
    fn string(&mut self) -> Option<&'a [u8]> {
        if !self.eat(b"\"") {
            return None;
        }
        let all: &'a [u8] = self.s;
        let start = self.i;
        loop {
            let rest = &self.s[self.i..];
            // Plain bytes up to the next quote, backslash or control byte.
            let plain = special(rest)?;
            self.i += plain;
            match self.s[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some(&all[start..self.i - 1]);
                }
                b'\\' => {
                    let esc = self.s.get(self.i + 1)?;
                    match esc {
                        b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                        b'u' => {
                            // Only a control character without a short
                            // form, in lowercase hex, is written \u00xx.
                            let hex = self.s.get(self.i + 2..self.i + 6)?;
                            let lower = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
                            if !hex.iter().all(lower) || &hex[..2] != b"00" {
                                return None;
                            }
                            let code = u8::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16)
                                .ok()?;
                            if code >= 0x20 || matches!(code, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                                return None;
                            }
                            self.i += 6;
                        }
                        _ => return None,
                    }
                }
                // A raw control byte: not JSON at all.
                _ => return None,
            }
        }
    }

    fn number(&mut self) -> bool {
        let start = self.i;
        let token_end = self.s[start..]
            .iter()
            .position(|b| !matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
            .map_or(self.s.len(), |p| start + p);
        let token = &self.s[start..token_end];
        self.i = token_end;
        let digits = token.strip_prefix(b"-").unwrap_or(token);
        // The common case: a short integer with no leading zero (-0 prints
        // as 0).
        if !digits.is_empty()
            && digits.len() <= 15
            && digits.iter().all(u8::is_ascii_digit)
            && (digits[0] != b'0' || token == b"0")
        {
            return true;
        }
        // Otherwise: what JS would print for the double it reads.
        let Some(f) = std::str::from_utf8(token)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
        else {
            return false;
        };
        f.is_finite() && ryu_js::Buffer::new().format_finite(f).as_bytes() == token
    }
}

/// Where the first byte a JSON string cannot hold as itself is (a quote,
/// a backslash, a control byte): eight bytes at a time, as strings are
/// most of a record's bytes.
pub fn special(s: &[u8]) -> Option<usize> {
    first_of::<false>(s)
}

/// Where the first byte [`special`] finds or the first byte above ASCII
/// is, eight bytes at a time.
pub fn special_or_high(s: &[u8]) -> Option<usize> {
    first_of::<true>(s)
}

/// The first special byte, or with `HIGH` also the first above ASCII.
fn first_of<const HIGH: bool>(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    for word in s.chunks_exact(8) {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // A byte's high bit is set here where it is zero (a quote or a
        // backslash after the xor) or below 0x20; a false hit can only
        // follow a true one (a borrow from a lower byte), so the lowest
        // set bit is the first special byte. A high byte's own bit is
        // never a false hit.
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
        let hits = zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGHS)
            | if HIGH { x & HIGHS } else { 0 };
        if hits != 0 {
            return Some(at + hits.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    s[at..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20 || (HIGH && b >= 0x80))
        .map(|k| at + k)
}

/// `text` (valid UTF-8) as a JSON string, escaped as `JSON.stringify`
/// escapes it. Most text needs no escape and is copied whole.
pub fn json_string(text: &[u8], out: &mut Vec<u8>) {
    if special(text).is_none() {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text);
        out.push(b'"');
    } else {
        // UTF-8 by the caller's word; writing to a Vec cannot fail.
        let text = std::str::from_utf8(text).unwrap_or_default();
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// A key JS orders first: a canonical array index, 0 ..= 2³² − 2.
pub fn is_index(key: &[u8]) -> bool {
    index_of(key).is_some()
}

fn index_of(key: &[u8]) -> Option<u32> {
    if key.is_empty() || key.len() > 10 || !key.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if key.len() > 1 && key[0] == b'0' {
        return None;
    }
    let n: u64 = std::str::from_utf8(key).ok()?.parse().ok()?;
    u32::try_from(n).ok().filter(|&n| n != u32::MAX)
}

/// A JSON value as JS holds it: numbers are doubles, objects keep their
/// keys' first places with their last values.
enum Value {
    Null,
    Bool(bool),
    Number(f64),
    /// Contents already escaped as JSON.stringify escapes them.
    String(Vec<u8>),
    Array(Vec<Value>),
    Object(Vec<(Vec<u8>, Value)>),
}

impl Value {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Number(f) if f.is_finite() => {
                out.extend_from_slice(ryu_js::Buffer::new().format_finite(*f).as_bytes());
            }
            // JSON.parse reads 1e400 as Infinity, which stringifies as null.
            Value::Number(_) => out.extend_from_slice(b"null"),
            Value::String(s) => write_string(s, out),
            Value::Array(items) => {
                out.push(b'[');
                for (k, v) in items.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    v.write(out);
                }
                out.push(b']');
            }
            Value::Object(members) => {
                // Array indices first, ascending (each key is there once);
                // the rest keep their places.
                // Each put in its place as it comes: a record has few, and
                // this needs no sort code of its own in the wasm.
                let mut indices: Vec<(u32, &(Vec<u8>, Value))> = Vec::new();
                for m in members {
                    if let Some(n) = index_of(&m.0) {
                        let at = indices.partition_point(|(i, _)| *i < n);
                        indices.insert(at, (n, m));
                    }
                }
                let rest = members.iter().filter(|(k, _)| index_of(k).is_none());
                let order = indices.into_iter().map(|(_, m)| m).chain(rest);
                out.push(b'{');
                for (k, (key, v)) in order.enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    write_string(key, out);
                    out.push(b':');
                    v.write(out);
                }
                out.push(b'}');
            }
        }
    }
}

/// One character as JSON.stringify writes it inside a string.
fn push_char(c: char, out: &mut Vec<u8>) {
    match c {
        '"' => out.extend_from_slice(b"\\\""),
        '\\' => out.extend_from_slice(b"\\\\"),
        '\u{8}' => out.extend_from_slice(b"\\b"),
        '\u{c}' => out.extend_from_slice(b"\\f"),
        '\n' => out.extend_from_slice(b"\\n"),
        '\r' => out.extend_from_slice(b"\\r"),
        '\t' => out.extend_from_slice(b"\\t"),
        c if u32::from(c) < 0x20 => {
            out.extend_from_slice(format!("\\u{:04x}", u32::from(c)).as_bytes())
        }
        c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
    }
}

/// A string's escaped contents, quoted.
fn write_string(contents: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    out.extend_from_slice(contents);
    out.push(b'"');
}

/// The slow path's reader: JSON in, [`Value`] out. Numbers are read as JS
/// reads them (`1e400` is Infinity, which prints `null`), which serde_json
/// refuses; strings are unescaped by serde_json.
struct Parse<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parse<'_> {
    fn skip_ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn fail<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at column {}", self.i + 1))
    }

    fn expect(&mut self, b: u8) -> Result<(), String> {
        self.skip_ws();
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            Ok(())
        } else {
            self.fail(&format!("expected `{}`", b as char))
        }
    }

    /// `b` next (after whitespace): eaten.
    fn next_is(&mut self, b: u8) -> bool {
        self.skip_ws();
        let yes = self.s.get(self.i) == Some(&b);
        if yes {
            self.i += 1;
        }
        yes
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > 128 {
            return self.fail("nested too deeply");
        }
        self.skip_ws();
        let rest = &self.s[self.i..];
        let literal = |word: &[u8], v: Value| rest.starts_with(word).then_some((word.len(), v));
        if let Some((n, v)) = literal(b"true", Value::Bool(true))
            .or_else(|| literal(b"false", Value::Bool(false)))
            .or_else(|| literal(b"null", Value::Null))
        {
            self.i += n;
            return Ok(v);
        }
        match rest.first() {
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                if !self.next_is(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.next_is(b']') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                self.i += 1;
                let mut members: Vec<(Vec<u8>, Value)> = Vec::new();
                if !self.next_is(b'}') {
                    loop {
                        self.skip_ws();
                        let key = self.string()?;
                        self.expect(b':')?;
                        let value = self.value(depth + 1)?;
                        match members.iter_mut().find(|(k, _)| *k == key) {
                            Some(slot) => slot.1 = value,
                            None => members.push((key, value)),
                        }
                        if self.next_is(b'}') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Ok(Value::Object(members))
            }
            _ => self.fail("expected a JSON value"),
        }
    }

    /// A string's contents in JSON.stringify's escaping (without the
    /// quotes). JS strings are UTF-16: a lone surrogate (`\ud800`) is kept,
    /// and written as a lowercase escape, as JSON.stringify writes it.
    fn string(&mut self) -> Result<Vec<u8>, String> {
        let s = self.s;
        if s.get(self.i) != Some(&b'"') {
            return self.fail("expected a string");
        }
        let mut j = self.i + 1;
        let mut out = Vec::new();
        let hex4 = |j: usize| -> Option<u16> {
            let h = std::str::from_utf8(s.get(j..j + 4)?).ok()?;
            u16::from_str_radix(h, 16).ok()
        };
        loop {
            match s.get(j) {
                None => return self.fail("an unterminated string"),
                Some(b'"') => break,
                Some(&b) if b < 0x20 => return self.fail("a control character in a string"),
                Some(b'\\') => {
                    let unit = match s.get(j + 1) {
                        Some(b'"') => u16::from(b'"'),
                        Some(b'\\') => u16::from(b'\\'),
                        Some(b'/') => u16::from(b'/'),
                        Some(b'b') => 0x08,
                        Some(b'f') => 0x0c,
                        Some(b'n') => 0x0a,
                        Some(b'r') => 0x0d,
                        Some(b't') => 0x09,
                        Some(b'u') => match hex4(j + 2) {
                            Some(u) => {
                                j += 4;
                                u
                            }
                            None => return self.fail("a bad \\u escape"),
                        },
                        _ => return self.fail("a bad escape"),
                    };
                    j += 2;
                    // A surrogate pair is one character.
                    if (0xD800..0xDC00).contains(&unit) && s.get(j..j + 2) == Some(b"\\u") {
                        if let Some(low @ 0xDC00..0xE000) = hex4(j + 2) {
                            let c = 0x10000
                                + ((u32::from(unit) - 0xD800) << 10)
                                + (u32::from(low) - 0xDC00);
                            push_char(char::from_u32(c).unwrap_or('\u{FFFD}'), &mut out);
                            j += 6;
                            continue;
                        }
                    }
                    match char::from_u32(u32::from(unit)) {
                        Some(c) => push_char(c, &mut out),
                        None => out.extend_from_slice(format!("\\u{unit:04x}").as_bytes()),
                    }
                }
                Some(_) => {
                    // Raw UTF-8 (a stage checked it) up to the next special.
                    let run = special(&s[j..]).unwrap_or(s.len() - j);
                    out.extend_from_slice(&s[j..j + run]);
                    j += run;
                }
            }
        }
        self.i = j + 1;
        Ok(out)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        let s = self.s;
        let mut j = start;
        let digits = |j: &mut usize| {
            let from = *j;
            while s.get(*j).is_some_and(u8::is_ascii_digit) {
                *j += 1;
            }
            *j > from
        };
        if s.get(j) == Some(&b'-') {
            j += 1;
        }
        // JSON: no leading zero before other digits.
        let int_start = j;
        if !digits(&mut j) || (s[int_start] == b'0' && j - int_start > 1) {
            return self.fail("a bad number");
        }
        if s.get(j) == Some(&b'.') {
            j += 1;
            if !digits(&mut j) {
                return self.fail("a bad number");
            }
        }
        if matches!(s.get(j), Some(b'e' | b'E')) {
            j += 1;
            if matches!(s.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if !digits(&mut j) {
                return self.fail("a bad number");
            }
        }
        self.i = j;
        // Rust reads decimal text to the nearest double, as JS does, and
        // overflows to infinity as JS does.
        std::str::from_utf8(&s[start..j])
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .map(Value::Number)
            .map_or_else(|| self.fail("a bad number"), Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        let mut out = Vec::new();
        canonical(s.as_bytes(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_word_scan_finds_the_first_special_byte_as_a_byte_loop_does() {
        let naive = |s: &[u8]| s.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        // Every byte value at every place of a 19-byte run of each filler
        // (ASCII, high bytes, bytes just above the specials), and a second
        // special after the first: the first is what counts.
        for fill in [b'a', 0xe9, 0x80, 0xff, 0x20, 0x21, 0x23, 0x5d] {
            for at in 0..19 {
                for b in 0..=255u8 {
                    let mut s = vec![fill; 19];
                    s[at] = b;
                    assert_eq!(special(&s), naive(&s), "fill {fill:#x}, {b:#x} at {at}");
                    s[(at + 3) % 19] = b'"';
                    assert_eq!(
                        special(&s),
                        naive(&s),
                        "fill {fill:#x}, {b:#x} at {at}, quote"
                    );
                }
            }
        }
        assert_eq!(special(b""), None);
    }

    #[test]
    fn the_word_scan_for_special_or_high_bytes_agrees_with_a_byte_loop() {
        let naive = |s: &[u8]| {
            s.iter()
                .position(|&b| b == b'"' || b == b'\\' || !(0x20..0x80).contains(&b))
        };
        for fill in [b'a', 0x7f, 0x20, 0x21, 0x23, 0x5d] {
            for at in 0..19 {
                for b in 0..=255u8 {
                    let mut s = vec![fill; 19];
                    s[at] = b;
                    assert_eq!(
                        special_or_high(&s),
                        naive(&s),
                        "fill {fill:#x}, {b:#x} at {at}"
                    );
                    s[(at + 3) % 19] = 0xc3;
                    assert_eq!(
                        special_or_high(&s),
                        naive(&s),
                        "fill {fill:#x}, {b:#x} at {at}, high"
                    );
                }
            }
        }
        assert_eq!(special_or_high(b""), None);
    }

    #[test]
    fn members_takes_the_last_objects_keys_as_a_hint_and_still_reads_strictly() {
        let read = |line: &str, keys: &mut Keys| {
            let mut got = Vec::new();
            let same = members(line.as_bytes(), keys, |k, v| {
                got.push(format!(
                    "{}={}",
                    String::from_utf8_lossy(k),
                    String::from_utf8_lossy(v)
                ));
            });
            (same, got.join(" "))
        };
        let mut keys = Keys::default();
        assert_eq!(
            read(r#"{"a":1,"b\n":"x"}"#, &mut keys),
            (Some(false), r#"a=1 b\n="x""#.into())
        );
        assert_eq!(
            read(r#"{"a":2,"b\n":"y"}"#, &mut keys),
            (Some(true), r#"a=2 b\n="y""#.into())
        );
        // Fewer, more, other or reordered keys: read, not the same.
        assert_eq!(read(r#"{"a":3}"#, &mut keys).0, Some(false));
        assert_eq!(read(r#"{"a":3,"c":4}"#, &mut keys).0, Some(false));
        assert_eq!(read(r#"{"a":3,"c":4}"#, &mut keys).0, Some(true));
        assert_eq!(read(r#"{"c":4,"a":3}"#, &mut keys).0, Some(false));
        // A key given twice, an index key or a bad value after hinted keys
        // is still refused, and the hint stays the last good object's.
        assert_eq!(read(r#"{"c":4,"a":3,"c":5}"#, &mut keys).0, None);
        assert_eq!(read(r#"{"c":4,"a":3,"7":5}"#, &mut keys).0, None);
        assert_eq!(read(r#"{"c":4,"a":03}"#, &mut keys).0, None);
        assert_eq!(read(r#"{"c":4,"a":3} "#, &mut keys).0, None);
        assert_eq!(read(r#"{"c":4,"a":3}"#, &mut keys).0, Some(true));
        assert_eq!(read("{}", &mut keys), (Some(false), String::new()));
        assert_eq!(read("{}", &mut keys).0, Some(true));
        assert_eq!(read("[1]", &mut keys).0, None);
    }

    #[test]
    fn canonical_lines_are_copied_and_recognised() {
        for s in [
            r#"{"id":1,"name":"Ada","email":"ada@example.org","tags":["a","b"],"ok":true,"x":null}"#,
            r#"{"a":-12,"b":0,"c":1.5,"d":1e+21,"e":1e-7,"f":123456789012345}"#,
            r#"["\"\\\b\f\n\r\t\u0001\u001f","é","☃"]"#,
            r#"{}"#,
            r#"[]"#,
            r#""a""#,
            r#"42"#,
        ] {
            assert!(is_canonical(s.as_bytes()), "{s}");
            assert_eq!(canon(s), s);
        }
    }

    #[test]
    fn other_lines_are_written_as_js_would() {
        for (input, js) in [
            // What JSON.stringify(JSON.parse(input)) gives in a browser.
            (r#" { "a" : 1 , "b" : [ 1 , 2 ] } "#, r#"{"a":1,"b":[1,2]}"#),
            (
                r#"{"a":1.0,"b":-0,"c":1E2,"d":0.1e1}"#,
                r#"{"a":1,"b":0,"c":100,"d":1}"#,
            ),
            (
                r#"{"n":12345678901234567890}"#,
                r#"{"n":12345678901234567000}"#,
            ),
            (
                r#"{"n":1e21,"m":1e400,"k":-1e400}"#,
                r#"{"n":1e+21,"m":null,"k":null}"#,
            ),
            (r#"{"s":"\u0041\/\u00e9\u2028"}"#, "{\"s\":\"A/é\u{2028}\"}"),
            (r#"{"s":"\u001F"}"#, r#"{"s":"\u001f"}"#),
            (
                r#"["\uD83D\uDE00","\ud800","\uDC00x","\u0022\u005c"]"#,
                r#"["😀","\ud800","\udc00x","\"\\"]"#,
            ),
            (r#"{"b":1,"a":2,"b":3}"#, r#"{"b":3,"a":2}"#),
            (
                r#"{"b":1,"10":2,"2":3,"01":4,"4294967295":5}"#,
                r#"{"2":3,"10":2,"b":1,"01":4,"4294967295":5}"#,
            ),
        ] {
            assert!(!is_canonical(input.as_bytes()), "{input}");
            assert_eq!(canon(input), js, "{input}");
        }
    }

    #[test]
    fn bad_json_is_an_error_and_appends_nothing() {
        let mut out = b"kept".to_vec();
        for bad in [
            &b"{\"a\":"[..],
            b"[1,]",
            b"01",
            b"[1] 2",
            b"\"a",
            b"{\"a\" 1}",
            b"-",
            b"1.e5",
        ] {
            assert!(
                canonical(bad, &mut out).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(out, b"kept");
    }
}
