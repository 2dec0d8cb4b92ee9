//! Per-record stages on [`PerRecord`]: `filter` (lines) and `filter-records`
//! keep what matches a substring or a regex; `hash-field` replaces one field
//! of each record with its (salted, iterated) SHA-256; `validate` passes
//! records that meet simple rules and counts, lists and drops the rest;
//! `json-pointer` picks one value out of each record.

use regex_lite::Regex;
use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::core::canon;
use crate::core::digest::{hex, hex_into};
use crate::core::records::{Mapped, PerRecord, RecordError, RecordFn};
use crate::core::{Error, OptionProblem, Shape};

pub enum Matcher {
    Substring(Vec<u8>),
    Regex(Regex),
}

pub struct Filter {
    kind: &'static str,
    matcher: Matcher,
    invert: bool,
}

impl Filter {
    /// # Errors
    ///
    /// A `pattern` that is not a valid regex, with the parser's reason.
    pub fn new(
        kind: &'static str,
        pattern: &str,
        regex: bool,
        invert: bool,
    ) -> Result<Self, Error> {
        let matcher = if regex {
            Matcher::Regex(Regex::new(pattern).map_err(|e| Error::BadOption {
                stage: kind.to_string(),
                option: "pattern".to_string(),
                message: format!("is not a valid regex: {e}"),
                problem: OptionProblem::Type,
            })?)
        } else {
            Matcher::Substring(pattern.as_bytes().to_vec())
        };
        Ok(Filter {
            kind,
            matcher,
            invert,
        })
    }
}

impl RecordFn for Filter {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn map(
        &mut self,
        record: &[u8],
        canonical: bool,
        out: &mut Vec<u8>,
    ) -> Result<Mapped, RecordError> {
        let hit = match &self.matcher {
            Matcher::Substring(s) => memchr::memmem::find(record, s).is_some(),
            // regex-lite reads text: a line with bytes that are not UTF-8
            // is matched with U+FFFD in their place.
            Matcher::Regex(r) => r.is_match(&String::from_utf8_lossy(record)),
        };
        if hit != self.invert {
            out.extend_from_slice(record);
            return Ok(Mapped::kept(canonical));
        }
        Ok(Mapped::Dropped)
    }
}

/// `filter` over lines (bytes) or `filter-records` over records.
///
/// # Errors
///
/// A bad regex.
pub fn filter(
    kind: &'static str,
    shape: Shape,
    pattern: &str,
    regex: bool,
    invert: bool,
    max_line: u64,
) -> Result<PerRecord, Error> {
    Ok(PerRecord::new(
        Filter::new(kind, pattern, regex, invert)?,
        shape,
        max_line,
        u64::MAX,
    ))
}

fn object(record: &[u8]) -> Result<Map<String, Value>, RecordError> {
    match serde_json::from_slice::<Value>(record) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(RecordError::Invalid(format!(
            "is not an object but {}",
            json_kind(&other)
        ))),
        Err(e) => Err(RecordError::Invalid(e.to_string())),
    }
}

/// A record's members as slices of it, in order (a key given twice is
/// there twice: [`positions`] finds the last, as a parsed object keeps
/// it): each key (unescaped), and each value's JSON text. Nothing is
/// allocated but the list and keys with escapes: the per-record stages read
/// a field or two of records they mostly pass on.
struct Members<'a> {
    fields: Vec<(Cow<'a, [u8]>, &'a [u8])>,
    /// The record is in `JSON.stringify`'s form (so is each value).
    canonical: bool,
    /// It is, and its keys are the last canonical record's, in order.
    same_keys: bool,
}

impl<'a> Members<'a> {
    /// `trusted`: the record's producer vouched for it (see
    /// [`RecordFn::map`]: canonical form and UTF-8), so its UTF-8 is not
    /// checked again; the scan still reads it strictly.
    ///
    /// # Errors
    ///
    /// Not JSON, or not an object: the same reasons [`object`] gives.
    fn of(record: &'a [u8], trusted: bool, keys: &mut canon::Keys) -> Result<Self, RecordError> {
        // Records from JS or another Rust stage are in canonical form: one
        // strict scan reads them (it checks no UTF-8, so that is done here
        // for a record nobody vouched for).
        if trusted || std::str::from_utf8(record).is_ok() {
            let mut fields = Vec::with_capacity(8);
            let read = canon::members(record, keys, |k, v| fields.push((unescaped(k), v)));
            if let Some(same_keys) = read {
                return Ok(Members {
                    fields,
                    canonical: true,
                    same_keys,
                });
            }
        }
        serde_json::from_slice::<Members<'a>>(record).or_else(|_| {
            // The reason, worded as for a parsed record.
            object(record)?;
            Err(RecordError::Invalid("is not a JSON object".to_string()))
        })
    }
}

/// Something worked out from a record's keys (where a stage's fields are,
/// how it writes the record), kept while records come with the same keys.
#[derive(Default)]
struct PerKeys<T> {
    value: T,
    /// `value` was worked out for a canonical record: the last one (those
    /// after it had other keys), so it holds for any with
    /// [`Members::same_keys`].
    canonical: bool,
}

impl<T> PerKeys<T> {
    /// Works `value` out again with `make` unless `obj` has the keys it was
    /// worked out for. Call it for every record `Members::of` read, refused
    /// or not: `same_keys` compares with the last one.
    fn update(&mut self, obj: &Members<'_>, make: impl FnOnce(&Members<'_>) -> T) {
        if !(obj.same_keys && self.canonical) {
            self.value = make(obj);
            self.canonical = obj.canonical;
        }
    }
}

/// Where each of `names` is among `obj`'s members: a name given twice at
/// its last place, as a parsed object keeps it.
fn positions<'n>(obj: &Members<'_>, names: impl Iterator<Item = &'n str>) -> Vec<Option<usize>> {
    names
        .map(|name| {
            obj.fields
                .iter()
                .rposition(|(k, _)| k.as_ref() == name.as_bytes())
        })
        .collect()
}

/// A canonical string's escaped contents, unescaped (borrowed unless it
/// has escapes).
fn unescaped(contents: &[u8]) -> Cow<'_, [u8]> {
    if !contents.contains(&b'\\') {
        return Cow::Borrowed(contents);
    }
    let mut quoted = Vec::with_capacity(contents.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(contents);
    quoted.push(b'"');
    // The scan read it as a valid string: serde_json reads it too.
    Cow::Owned(
        serde_json::from_slice::<String>(&quoted)
            .unwrap_or_default()
            .into_bytes(),
    )
}

fn parsed(raw: &[u8]) -> Value {
    serde_json::from_slice(raw).unwrap_or(Value::Null)
}

/// A field's contents when it is a string of ASCII without escapes (most
/// are): its rules then read bytes, with no UTF-8 check or unescaping.
fn ascii(json: &[u8]) -> Option<&[u8]> {
    let inner = json.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    // A JSON string's contents hold no raw quote or control byte, so the
    // scan stops only at a backslash or a byte above ASCII.
    canon::special_or_high(inner).is_none().then_some(inner)
}

/// Whitespace in ASCII, as `char::is_whitespace` has it.
fn ascii_space(c: &u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// A field's value as a string, borrowed from the record when it has no
/// escapes; `None` for any other JSON type.
fn text(json: &[u8]) -> Option<Cow<'_, str>> {
    let inner = json.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if inner.contains(&b'\\') {
        return serde_json::from_slice::<String>(json).ok().map(Cow::Owned);
    }
    std::str::from_utf8(inner).ok().map(Cow::Borrowed)
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Members<'a>, M::Error> {
                let mut fields = Vec::new();
                while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                    fields.push((k, map.next_value::<&'de RawValue>()?.get().as_bytes()));
                }
                Ok(Members {
                    fields,
                    canonical: false,
                    same_keys: false,
                })
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// A key, borrowed from the record unless it had escapes.
struct Key<'a>(Cow<'a, [u8]>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s.as_bytes())))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.as_bytes().to_vec())))
            }
        }
        d.deserialize_str(Visit)
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// SHA-256 of `salt + value`, re-hashed `iterations - 1` more times.
fn hash_digest(salt: &str, value: &[u8], iterations: u64) -> [u8; 32] {
    let mut digest = Sha256::new()
        .chain_update(salt)
        .chain_update(value)
        .finalize();
    for _ in 1..iterations {
        digest = Sha256::digest(digest);
    }
    digest.into()
}

/// SHA-256 of `salt + value`, re-hashed `iterations - 1` more times, as hex.
pub fn hash_value(salt: &str, value: &str, iterations: u64) -> String {
    hex(&hash_digest(salt, value.as_bytes(), iterations))
}

pub struct HashField {
    field: String,
    salt: String,
    iterations: u64,
    keys: canon::Keys,
    /// How records with the last record's keys are written: records in a
    /// stream mostly share their keys (every record from one CSV does), so
    /// the sorting and the keys' JSON are worked out once per run of them.
    layout: PerKeys<Layout>,
}

/// How a record with these keys is written: each key once (its last
/// value), sorted, as `"key":` text, with the member it takes its value
/// from and whether that is the hashed field.
#[derive(Default)]
struct Layout {
    members: Vec<(Vec<u8>, usize, bool)>,
    /// The member whose value is hashed, if there is one.
    hashed: Option<usize>,
}

impl Layout {
    fn value<'a>(&self, obj: &Members<'a>) -> Option<&'a [u8]> {
        self.hashed.map(|i| obj.fields[i].1)
    }

    fn of(obj: &Members<'_>, field: &str) -> Self {
        let mut sorted: BTreeMap<&[u8], usize> = BTreeMap::new();
        for (i, (key, _)) in obj.fields.iter().enumerate() {
            sorted.insert(key, i);
        }
        let members: Vec<(Vec<u8>, usize, bool)> = sorted
            .into_iter()
            .map(|(key, i)| {
                // Keys came from UTF-8 text.
                let mut text = Vec::with_capacity(key.len() + 3);
                canon::json_string(key, &mut text);
                text.push(b':');
                (text, i, key == field.as_bytes())
            })
            .collect();
        Layout {
            hashed: members.iter().find(|m| m.2).map(|m| m.1),
            members,
        }
    }
}

impl RecordFn for HashField {
    fn kind(&self) -> &'static str {
        "hash-field"
    }

    fn map(
        &mut self,
        record: &[u8],
        canonical: bool,
        out: &mut Vec<u8>,
    ) -> Result<Mapped, RecordError> {
        let obj = Members::of(record, canonical, &mut self.keys)?;
        // Before anything can refuse it: `same_keys` compares with this
        // record's keys from now on.
        self.layout.update(&obj, |obj| Layout::of(obj, &self.field));
        let layout = &self.layout.value;
        let Some(raw) = layout.value(&obj) else {
            return Err(RecordError::Invalid(format!(
                "has no field `{}`",
                self.field
            )));
        };
        let digest = match text(raw) {
            Some(s) => hash_digest(&self.salt, s.as_bytes(), self.iterations),
            None => match parsed(raw) {
                Value::Number(n) => {
                    hash_digest(&self.salt, n.to_string().as_bytes(), self.iterations)
                }
                other => {
                    return Err(RecordError::Invalid(format!(
                        "field `{}` is {}, not a string",
                        self.field,
                        json_kind(&other)
                    )))
                }
            },
        };
        // As a parsed object writes itself: keys sorted, each once with its
        // last value; values in JSON.stringify's form (core::canon).
        out.push(b'{');
        for (n, (key, i, hashed)) in layout.members.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key);
            let raw = obj.fields[*i].1;
            if *hashed {
                // Hex digits: a JSON string as it is.
                out.push(b'"');
                hex_into(&digest, out);
                out.push(b'"');
            } else if obj.canonical {
                out.extend_from_slice(raw);
            } else {
                canon::canonical(raw, out).map_err(RecordError::Invalid)?;
            }
        }
        out.push(b'}');
        // A canonical record has no index keys (JS would put them first)
        // and no key twice, so its sorted copy is canonical too.
        Ok(Mapped::kept(obj.canonical))
    }
}

pub fn hash_field(field: &str, salt: &str, iterations: u64, max_errors: u64) -> PerRecord {
    let f = HashField {
        field: field.to_string(),
        salt: salt.to_string(),
        iterations: iterations.max(1),
        keys: canon::Keys::default(),
        layout: PerKeys::default(),
    };
    PerRecord::new(f, Shape::Records, 1 << 30, max_errors)
}

pub struct Validate {
    keys: canon::Keys,
    /// Where the required fields are, then the email field, then the
    /// length field.
    at: PerKeys<Vec<Option<usize>>>,
    required: Vec<String>,
    email_field: String,
    min_length_field: String,
    min_length: u64,
}

/// A plausible address: one '@', something before it, a dot after it, no
/// spaces. Deliberately simple: the lesson is the counting, not RFC 5322.
fn email_shaped(s: &str) -> bool {
    // Whitespace as char::is_whitespace has it: its ASCII part by byte,
    // the rest only where there is anything but ASCII.
    email_shaped_ascii(s.as_bytes()) && (s.is_ascii() || !s.contains(char::is_whitespace))
}

/// The rule on bytes, with only ASCII whitespace counted: the whole rule
/// for ASCII text.
fn email_shaped_ascii(b: &[u8]) -> bool {
    // One pass: one '@' with something before it; after it, a dot, none
    // first, last or next to another; no whitespace anywhere.
    let (mut at, mut dot, mut prev) = (None, false, 0);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'@' if at.is_some() => return false,
            b'@' => at = Some(i),
            b'.' if at.is_some() => {
                if prev == b'.' || prev == b'@' {
                    return false;
                }
                dot = true;
            }
            _ if ascii_space(&c) => return false,
            _ => {}
        }
        prev = c;
    }
    at.is_some_and(|a| a > 0) && dot && prev != b'.'
}

impl Validate {
    /// The value of the `n`th field [`Validate::at`] locates, if any.
    fn value<'a>(&self, obj: &Members<'a>, n: usize) -> Option<&'a [u8]> {
        self.at.value[n].map(|i| obj.fields[i].1)
    }

    fn check(&self, obj: &Members<'_>) -> Result<(), String> {
        let n = self.required.len();
        for (i, field) in self.required.iter().enumerate() {
            match self.value(obj, i) {
                None => return Err(format!("`{field}` is missing")),
                Some(b"null") => return Err(format!("`{field}` is missing")),
                Some(raw)
                    if ascii(raw).map_or_else(
                        || text(raw).is_some_and(|s| s.trim().is_empty()),
                        |b| b.iter().all(ascii_space),
                    ) =>
                {
                    return Err(format!("`{field}` is empty"))
                }
                _ => {}
            }
        }
        if !self.email_field.is_empty() {
            if let Some(raw) = self.value(obj, n) {
                let shaped = ascii(raw).map_or_else(
                    || text(raw).is_some_and(|s| email_shaped(&s)),
                    email_shaped_ascii,
                );
                if !shaped {
                    return Err(format!(
                        "`{}` is not an email address: {}",
                        self.email_field,
                        parsed(raw)
                    ));
                }
            }
        }
        if !self.min_length_field.is_empty() {
            if let Some(raw) = self.value(obj, n + 1) {
                let len = ascii(raw)
                    .map(<[u8]>::len)
                    .or_else(|| text(raw).map(|s| s.chars().count()))
                    .unwrap_or(0) as u64;
                if len < self.min_length {
                    return Err(format!(
                        "`{}` is {len} characters, fewer than {}",
                        self.min_length_field, self.min_length
                    ));
                }
            }
        }
        Ok(())
    }
}

impl RecordFn for Validate {
    fn kind(&self) -> &'static str {
        "validate"
    }

    fn map(
        &mut self,
        record: &[u8],
        canonical: bool,
        out: &mut Vec<u8>,
    ) -> Result<Mapped, RecordError> {
        let obj = Members::of(record, canonical, &mut self.keys)?;
        let (required, email, length) = (&self.required, &self.email_field, &self.min_length_field);
        self.at.update(&obj, |obj| {
            let names = required.iter().chain([email, length]).map(String::as_str);
            positions(obj, names)
        });
        self.check(&obj).map_err(RecordError::Invalid)?;
        out.extend_from_slice(record);
        Ok(Mapped::kept(obj.canonical))
    }
}

pub fn validate(
    required: &str,
    email_field: &str,
    min_length_field: &str,
    min_length: u64,
    max_errors: u64,
) -> PerRecord {
    let required: Vec<String> = required
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let f = Validate {
        keys: canon::Keys::default(),
        at: PerKeys::default(),
        required,
        email_field: email_field.to_string(),
        min_length_field: min_length_field.to_string(),
        min_length,
    };
    PerRecord::new(f, Shape::Records, 1 << 30, max_errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        for ok in ["a@b.co", "ada.lovelace42@example.com", "é@b.co", "a@b.c.d"] {
            assert!(email_shaped(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.co",
            "a@@b.co",
            "a b@c.de",
            "a@b..c",
            "a@.b",
            "a@b.",
            "a@b.c@d.e",
            "a\u{b}b@c.de",
            "a\u{2003}b@c.de",
            "a@b.c\u{85}",
        ] {
            assert!(!email_shaped(bad), "{bad}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn email_shape_by_bytes_agrees_with_the_rule_by_split() {
        // The rule as first written, with str::split: the byte version
        // must agree with it on anything.
        let by_split = |s: &str| {
            let mut parts = s.split('@');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(local), Some(domain), None) => {
                    !local.is_empty()
                        && !s.contains(char::is_whitespace)
                        && domain.split('.').count() >= 2
                        && domain.split('.').all(|p| !p.is_empty())
                }
                _ => false,
            }
        };
        proptest::proptest!(|(s in "[a.@ \t\u{b}\u{85}\u{2003}é]{0,8}")| {
            proptest::prop_assert_eq!(email_shaped(&s), by_split(&s), "{:?}", s);
        });
    }

    #[test]
    fn hash_value_is_iterated_salted_sha256() {
        assert_eq!(
            hash_value("", "abc", 1),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let once = Sha256::digest(b"saltabc");
        assert_eq!(hash_value("salt", "abc", 2), hex(&Sha256::digest(once)));
    }
}

// ---- Catalogue definitions ----

use serde::Deserialize;

use crate::core::options::ParamSpec;
use crate::core::records::MAX_ERRORS;
use crate::core::stage::{DataType, StageDef, MAX_SAFE};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FilterOptions {
    pattern: String,
    mode: FilterMode,
    invert: bool,
    max_line_bytes: u64,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum FilterMode {
    Substring,
    Regex,
}

const FILTER_PARAMS: &[ParamSpec] = &[
    ParamSpec::string("pattern", "", "What to look for."),
    ParamSpec::choice(
        "mode",
        "substring",
        &["substring", "regex"],
        "A plain substring, or a regex (Rust's regex syntax; \\w, \\d, \\s and \\b are ASCII, as in a JS RegExp without the u flag).",
    ),
    ParamSpec::boolean("invert", false, "Keep what does not match instead."),
    ParamSpec::int(
        "maxLineBytes",
        1 << 20,
        1,
        1 << 30,
        "The longest line allowed, in bytes.",
    ),
];

fn build_filter(
    o: &crate::core::options::Options,
    shape: Shape,
) -> Result<Box<dyn crate::core::Transform>, Error> {
    let f: FilterOptions = o.typed()?;
    Ok(Box::new(filter(
        o.kind(),
        shape,
        &f.pattern,
        f.mode == FilterMode::Regex,
        f.invert,
        f.max_line_bytes,
    )?))
}

pub const FILTER: StageDef = StageDef {
    kind: "filter",
    title: "Filter lines",
    summary: "Keeps the lines that contain `pattern` (or match it as a regex; or, inverted, that do not). Blank lines are dropped.",
    params: FILTER_PARAMS,
    ..StageDef::transform(DataType::Bytes, DataType::Bytes, |o, _| build_filter(o, Shape::Bytes))
};

pub const FILTER_RECORDS: StageDef = StageDef {
    kind: "filter-records",
    title: "Filter records",
    summary: "Keeps the records whose JSON text contains `pattern` (or matches it as a regex; or, inverted, does not).",
    params: FILTER_PARAMS,
    poolable: true,
    ..StageDef::transform(DataType::Records, DataType::Records, |o, _| build_filter(o, Shape::Records))
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HashOptions {
    field: String,
    salt: String,
    iterations: u64,
    max_errors: u64,
}

pub const HASH_FIELD: StageDef = StageDef {
    kind: "hash-field",
    title: "Hash a field",
    summary: "Replaces one field of each record with the hex SHA-256 of salt + value, iterated: the classic password-hashing job for a worker pool.",
    params: &[
        ParamSpec::string("field", "password", "The field to hash."),
        ParamSpec::string("salt", "", "Prepended to each value before hashing."),
        ParamSpec::int("iterations", 1, 1, 10_000_000, "Rounds of SHA-256: more is slower on purpose."),
        MAX_ERRORS,
    ],
    cpu_bound: true,
    poolable: true,
    ..StageDef::transform(DataType::Records, DataType::Records, |o, _| {
        let h: HashOptions = o.typed()?;
        Ok(Box::new(hash_field(&h.field, &h.salt, h.iterations, h.max_errors)))
    })
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ValidateOptions {
    required: String,
    email_field: String,
    min_length_field: String,
    min_length: u64,
    max_errors: u64,
}

pub const VALIDATE: StageDef = StageDef {
    kind: "validate",
    title: "Validate records",
    summary: "Passes records that have the required fields, a plausible email and a long-enough field; counts, lists (first 10, with reasons) and drops the rest.",
    params: &[
        ParamSpec::string("required", "id,name,email", "Comma-separated fields that must be present and non-empty."),
        ParamSpec::string("emailField", "email", "A field that must look like an email address; empty for none."),
        ParamSpec::string("minLengthField", "password", "A field with a minimum length; empty for none."),
        ParamSpec::int("minLength", 8, 0, 1 << 20, "The minimum length, in characters."),
        ParamSpec::int(
            "maxErrors",
            MAX_SAFE,
            0,
            MAX_SAFE,
            "Invalid records to drop before failing; by default it never fails.",
        ),
    ],
    poolable: true,
    ..StageDef::transform(DataType::Records, DataType::Records, |o, _| {
        let v: ValidateOptions = o.typed()?;
        Ok(Box::new(validate(
            &v.required,
            &v.email_field,
            &v.min_length_field,
            v.min_length,
            v.max_errors,
        )))
    })
};

/// `json-pointer`: the value at an RFC 6901 pointer in each record.
pub struct Pick {
    kind: &'static str,
    pointer: String,
}

impl RecordFn for Pick {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn map(
        &mut self,
        record: &[u8],
        _canonical: bool,
        out: &mut Vec<u8>,
    ) -> Result<Mapped, RecordError> {
        let value: Value =
            serde_json::from_slice(record).map_err(|e| RecordError::Invalid(e.to_string()))?;
        let picked = value
            .pointer(&self.pointer)
            .ok_or_else(|| RecordError::Invalid(format!("has nothing at {:?}", self.pointer)))?;
        // Writing a `Value` into a Vec cannot fail.
        let _ = serde_json::to_writer(out, picked);
        Ok(Mapped::Written)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PickOptions {
    pointer: String,
    max_errors: u64,
}

pub const JSON_POINTER: StageDef = StageDef {
    kind: "json-pointer",
    title: "Pick a field (JSON Pointer)",
    summary: "Each record becomes the value at `pointer` (RFC 6901: /email, /address/city, /tags/0; \"\" is the whole record); a record without it is a bad record.",
    params: &[
        ParamSpec::string("pointer", "/id", "Where the value is: \"\" or /key/key…, with ~1 for / and ~0 for ~ in a key."),
        MAX_ERRORS,
    ],
    poolable: true,
    ..StageDef::transform(DataType::Records, DataType::Records, |o, _| {
        let p: PickOptions = o.typed()?;
        if !p.pointer.is_empty() && !p.pointer.starts_with('/') {
            return Err(Error::BadOption {
                stage: o.kind().to_string(),
                option: "pointer".to_string(),
                message: format!("must be \"\" or start with /, got {:?}", p.pointer),
                problem: OptionProblem::Range,
            });
        }
        let pick = Pick {
            kind: o.kind(),
            pointer: p.pointer,
        };
        Ok(Box::new(PerRecord::new(pick, Shape::Records, 1 << 30, p.max_errors)))
    })
};
