//! Option validation, driven by the catalogue's parameter specs, so the
//! factories, the pipeline spec and the page all apply the same rules and
//! use the same words.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::core::catalog::StageInfo;
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
}

impl ParamSpec {
    /// An integer parameter with an inclusive range.
    pub const fn int(
        name: &'static str,
        default: u64,
        min: u64,
        max: u64,
        help: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            ty: ParamType::Integer,
            default: ParamDefault::Int(default),
            min: Some(min as f64),
            max: Some(max as f64),
            choices: &[],
            help,
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
            name,
            ty: ParamType::Number,
            default: ParamDefault::Num(default),
            min: Some(min),
            max: Some(max),
            choices: &[],
            help,
        }
    }

    /// A `Blob` the glue supplies.
    pub const fn blob(name: &'static str, help: &'static str) -> Self {
        ParamSpec {
            name,
            ty: ParamType::Blob,
            default: ParamDefault::None,
            min: None,
            max: None,
            choices: &[],
            help,
        }
    }

    /// A string.
    pub const fn string(name: &'static str, default: &'static str, help: &'static str) -> Self {
        ParamSpec {
            name,
            ty: ParamType::String,
            default: ParamDefault::Str(default),
            min: None,
            max: None,
            choices: &[],
            help,
        }
    }

    /// One of a fixed set of strings.
    pub const fn choice(
        name: &'static str,
        default: &'static str,
        choices: &'static [&'static str],
        help: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            ty: ParamType::Choice,
            default: ParamDefault::Str(default),
            min: None,
            max: None,
            choices,
            help,
        }
    }

    fn range_text(&self) -> String {
        let kind = if self.ty == ParamType::Integer {
            "an integer"
        } else {
            "a number"
        };
        match (self.min, self.max) {
            (Some(lo), Some(hi)) => format!("{kind} from {lo} to {hi}"),
            (Some(lo), None) => format!("{kind} of at least {lo}"),
            (None, Some(hi)) => format!("{kind} of at most {hi}"),
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
            ParamType::Blob => {}
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
    values: BTreeMap<&'static str, Value>,
}

impl Options {
    /// Validates `given` against the stage's parameters.
    ///
    /// # Errors
    ///
    /// An unknown option (`TypeError`), a value of the wrong type
    /// (`TypeError`) or out of range (`RangeError`), naming the stage, the
    /// option and what is accepted.
    pub fn resolve(info: &StageInfo, given: &Map<String, Value>) -> Result<Self, Error> {
        for (key, value) in given {
            let Some(param) = info.params.iter().find(|p| p.name == key) else {
                let accepted: Vec<_> = info.params.iter().map(|p| p.name).collect();
                return Err(Error::BadOption {
                    stage: info.kind.to_string(),
                    option: key.clone(),
                    message: format!(
                        "is not an option of this stage; accepted: {}",
                        accepted.join(", ")
                    ),
                    problem: OptionProblem::Type,
                });
            };
            param.check(info.kind, value)?;
        }
        let values = info
            .params
            .iter()
            .map(|p| {
                (
                    p.name,
                    given
                        .get(p.name)
                        .cloned()
                        .unwrap_or_else(|| p.default.to_value()),
                )
            })
            .collect();
        Ok(Options { values })
    }

    /// An integer option. Validation guarantees a whole number in range; a
    /// name that is not a parameter of the stage reads as 0.
    pub fn u64(&self, name: &str) -> u64 {
        self.values
            .get(name)
            .and_then(Value::as_f64)
            .map_or(0, |n| n as u64)
    }

    pub fn f64(&self, name: &str) -> f64 {
        self.values.get(name).and_then(Value::as_f64).unwrap_or(0.0)
    }

    pub fn bool(&self, name: &str) -> bool {
        self.values
            .get(name)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    pub fn str(&self, name: &str) -> &str {
        self.values.get(name).and_then(Value::as_str).unwrap_or("")
    }

    /// The options as JSON, for reports.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.values
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }
}
