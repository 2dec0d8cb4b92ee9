//! Options: the parameter specs a stage declares, and their validation, so
//! the factories, the pipeline spec and the page all apply the same rules
//! and use the same words. A builder reads its options once, as a typed
//! struct ([`Options::typed`]): a field that is not a parameter of the stage
//! is an error, never a silent 0.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::core::{Error, OptionProblem};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    Integer,
    Number,
    Boolean,
    String,
    Choice,
    /// A `Blob`/`File`, supplied and checked by the web glue (JSON cannot
    /// carry one); core validation leaves it alone.
    Blob,
    /// A JS iterable or async iterable (an async generator), supplied and
    /// checked by the web glue like a `Blob`.
    Iterable,
}

/// The one parameter every stage has, in the stream group.
pub const HIGH_WATER_MARK: &str = "highWaterMark";

/// Whose a parameter is: the stage's own (its builder reads them), the
/// stream's (`highWaterMark`), or where a transform runs (`worker`,
/// `pool`, …, read by [`crate::core::placement`]). The page folds the
/// placement group away under its own heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    Stage,
    Stream,
    Placement,
}

/// A parameter's default, as the catalogue shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamDefault {
    Int(u64),
    Num(f64),
    Bool(bool),
    Str(&'static str),
    /// No default: the option must be given (a `Blob`).
    None,
}

impl ParamDefault {
    fn to_value(self) -> Value {
        match self {
            ParamDefault::Int(n) => Value::from(n),
            ParamDefault::Num(n) => Value::from(n),
            ParamDefault::Bool(b) => Value::from(b),
            ParamDefault::Str(s) => Value::from(s),
            ParamDefault::None => Value::Null,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub ty: ParamType,
    pub default: ParamDefault,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub choices: &'static [&'static str],
    pub help: &'static str,
    pub group: Group,
    /// A secret (a passphrase): the page never writes it into a share
    /// link, the Code tab or the event log.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

impl ParamSpec {
    /// The fields every constructor shares: no range, no choices, the
    /// stage's own group, not secret.
    const fn base(
        name: &'static str,
        ty: ParamType,
        default: ParamDefault,
        help: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            ty,
            default,
            min: None,
            max: None,
            choices: &[],
            help,
            group: Group::Stage,
            secret: false,
        }
    }

    /// An integer parameter with an inclusive range.
    pub const fn int(
        name: &'static str,
        default: u64,
        min: u64,
        max: u64,
        help: &'static str,
    ) -> Self {
        ParamSpec {
            min: Some(min as f64),
            max: Some(max as f64),
            ..Self::base(name, ParamType::Integer, ParamDefault::Int(default), help)
        }
    }

    /// A number parameter with an inclusive range.
    pub const fn num(
        name: &'static str,
        default: f64,
        min: f64,
        max: f64,
        help: &'static str,
    ) -> Self {
        ParamSpec {
            min: Some(min),
            max: Some(max),
            ..Self::base(name, ParamType::Number, ParamDefault::Num(default), help)
        }
    }

    /// A `Blob` the glue supplies.
    pub const fn blob(name: &'static str, help: &'static str) -> Self {
        Self::base(name, ParamType::Blob, ParamDefault::None, help)
    }

    /// An iterable or async iterable the glue supplies.
    pub const fn iterable(name: &'static str, help: &'static str) -> Self {
        Self::base(name, ParamType::Iterable, ParamDefault::None, help)
    }

    /// A string.
    pub const fn string(name: &'static str, default: &'static str, help: &'static str) -> Self {
        Self::base(name, ParamType::String, ParamDefault::Str(default), help)
    }

    /// One of a fixed set of strings.
    pub const fn choice(
        name: &'static str,
        default: &'static str,
        choices: &'static [&'static str],
        help: &'static str,
    ) -> Self {
        ParamSpec {
            choices,
            ..Self::base(name, ParamType::Choice, ParamDefault::Str(default), help)
        }
    }

    /// A boolean.
    pub const fn boolean(name: &'static str, default: bool, help: &'static str) -> Self {
        Self::base(name, ParamType::Boolean, ParamDefault::Bool(default), help)
    }

    /// A secret string with no default: the page keeps it out of links and
    /// code.
    pub const fn secret(name: &'static str, help: &'static str) -> Self {
        ParamSpec {
            secret: true,
            ..ParamSpec::string(name, "", help)
        }
    }

    /// The same parameter in another group.
    pub const fn in_group(self, group: Group) -> Self {
        ParamSpec { group, ..self }
    }

    fn range_text(&self) -> String {
        let kind = if self.ty == ParamType::Integer {
            "an integer"
        } else {
            "a number"
        };
        // Bounds as JS prints numbers (ryu-js, which canon uses anyway).
        let n = |x: f64| ryu_js::Buffer::new().format(x).to_string();
        match (self.min, self.max) {
            (Some(lo), Some(hi)) => format!("{kind} from {} to {}", n(lo), n(hi)),
            (Some(lo), None) => format!("{kind} of at least {}", n(lo)),
            (None, Some(hi)) => format!("{kind} of at most {}", n(hi)),
            (None, None) => kind.to_string(),
        }
    }

    /// Checks one given value.
    fn check(&self, stage: &str, value: &Value) -> Result<(), Error> {
        let fail = |problem, message: String| Error::BadOption {
            stage: stage.to_string(),
            option: self.name.to_string(),
            message,
            problem,
        };
        let shown = shown(value);
        match self.ty {
            ParamType::Integer | ParamType::Number => {
                let Some(n) = value.as_f64() else {
                    return Err(fail(
                        OptionProblem::Type,
                        format!("must be {}, got {shown}", self.range_text()),
                    ));
                };
                let below = self.min.is_some_and(|lo| n < lo);
                let above = self.max.is_some_and(|hi| n > hi);
                let fractional = self.ty == ParamType::Integer && n.fract() != 0.0;
                if below || above || fractional {
                    return Err(fail(
                        OptionProblem::Range,
                        format!("must be {}, got {shown}", self.range_text()),
                    ));
                }
            }
            ParamType::Boolean => {
                if !value.is_boolean() {
                    return Err(fail(
                        OptionProblem::Type,
                        format!("must be true or false, got {shown}"),
                    ));
                }
            }
            ParamType::Blob | ParamType::Iterable => {}
            ParamType::String => {
                if !value.is_string() {
                    return Err(fail(
                        OptionProblem::Type,
                        format!("must be a string, got {shown}"),
                    ));
                }
            }
            ParamType::Choice => {
                let ok = value.as_str().is_some_and(|s| self.choices.contains(&s));
                if !ok {
                    let problem = if value.is_string() {
                        OptionProblem::Range
                    } else {
                        OptionProblem::Type
                    };
                    return Err(fail(
                        problem,
                        format!("must be one of {}, got {shown}", self.choices.join(", ")),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A value as an error message shows it: short, and plain text.
fn shown(value: &Value) -> String {
    let mut s = value.to_string();
    if s.len() > 40 {
        let cut = (0..=40).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Validated options with every default filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    kind: &'static str,
    values: BTreeMap<&'static str, (Group, Value)>,
}

impl Options {
    /// Validates `given` against the parameters `params` of stage `kind`.
    ///
    /// # Errors
    ///
    /// An unknown option (`TypeError`), a value of the wrong type
    /// (`TypeError`) or out of range (`RangeError`), naming the stage, the
    /// option and what is accepted.
    pub fn resolve(
        kind: &'static str,
        params: &[ParamSpec],
        given: &Map<String, Value>,
    ) -> Result<Self, Error> {
        for (key, value) in given {
            let Some(param) = params.iter().find(|p| p.name == key) else {
                let accepted: Vec<_> = params.iter().map(|p| p.name).collect();
                return Err(Error::BadOption {
                    stage: kind.to_string(),
                    option: key.clone(),
                    message: format!(
                        "is not an option of this stage; accepted: {}",
                        accepted.join(", ")
                    ),
                    problem: OptionProblem::Type,
                });
            };
            param.check(kind, value)?;
        }
        // Inserted one by one (see to_json).
        let mut values = BTreeMap::new();
        for p in params {
            let value = match given.get(p.name) {
                // A whole number given as `1000.0` reads as the integer it
                // is, so a typed `u64` field takes it.
                Some(v) if p.ty == ParamType::Integer => v
                    .as_f64()
                    .map_or_else(|| v.clone(), |n| Value::from(n as u64)),
                Some(v) => v.clone(),
                None => p.default.to_value(),
            };
            values.insert(p.name, (p.group, value));
        }
        Ok(Options { kind, values })
    }

    /// The stage these options belong to.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The options of `group` as the typed struct `T`, which should deny
    /// unknown fields: then a field misspelt in `T`, or a parameter `T`
    /// forgot, is an error here (and in the test that builds every stage),
    /// never a value read as 0.
    ///
    /// # Errors
    ///
    /// `T` does not match the stage's parameters of that group.
    pub fn group<T: DeserializeOwned>(&self, group: Group) -> Result<T, Error> {
        // Only the call below is generic: the rest is shared by every `T`,
        // so each options struct costs the wasm its visitor and no more.
        T::deserialize(&self.to_json(&[group])).map_err(|e| self.unreadable(&e))
    }

    fn unreadable(&self, e: &serde_json::Error) -> Error {
        Error::BadOption {
            stage: self.kind.to_string(),
            option: "options".to_string(),
            message: format!("do not match what the stage reads: {e}"),
            problem: OptionProblem::Type,
        }
    }

    /// The stage's own options as its typed struct.
    ///
    /// # Errors
    ///
    /// As [`Options::group`].
    pub fn typed<T: DeserializeOwned>(&self) -> Result<T, Error> {
        self.group(Group::Stage)
    }

    /// A string option as resolved; "" for a name the stage does not have.
    /// For a stage whose options the glue reads (`upload`'s url check).
    pub fn text(&self, name: &str) -> &str {
        self.values
            .get(name)
            .and_then(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// `highWaterMark`, which every stage has.
    pub fn high_water_mark(&self) -> f64 {
        self.values
            .get(HIGH_WATER_MARK)
            .and_then(|(_, v)| v.as_f64())
            .unwrap_or(1.0)
    }

    /// The options as JSON, for reports and for a Worker, which resolves
    /// them again: only those of `groups`.
    pub fn to_json(&self, groups: &[Group]) -> Value {
        // Inserted one by one: a collect() into a map sorts first, and
        // that sort is one more copy of the sort code in the wasm.
        let mut map = serde_json::Map::new();
        for (k, (g, v)) in &self.values {
            if groups.contains(g) {
                map.insert((*k).to_string(), v.clone());
            }
        }
        Value::Object(map)
    }
}
