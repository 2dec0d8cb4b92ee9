//! Pipeline specs: the plain-JSON document that is the page's state, the
//! share URL's payload and `runPipeline`'s argument. Parsed here, never
//! evaluated; every error carries a path such as `stages[1].maxLineBytes`.

use serde_json::{Map, Value};

use crate::core::catalog;
use crate::core::options::Options;
use crate::core::stage::{DataType, Role, StageInfo};
use crate::core::{Error, OptionProblem};

/// One validated stage of a spec.
#[derive(Debug, Clone)]
pub struct StageSpec {
    pub info: &'static StageInfo,
    pub options: Options,
}

impl StageSpec {
    pub fn kind(&self) -> &'static str {
        self.info.kind
    }
}

#[derive(Debug, Clone)]
pub struct PipelineSpec {
    pub source: StageSpec,
    pub stages: Vec<StageSpec>,
    pub sink: StageSpec,
}

fn spec_error(path: &str, message: impl Into<String>, problem: OptionProblem) -> Error {
    Error::Spec {
        path: path.to_string(),
        message: message.into(),
        problem,
    }
}

fn parse_stage(role: Role, path: &str, value: &Value) -> Result<StageSpec, Error> {
    let Some(obj) = value.as_object() else {
        return Err(spec_error(
            path,
            "must be an object with a `kind`",
            OptionProblem::Type,
        ));
    };
    let kind_path = format!("{path}.kind");
    let Some(kind) = obj.get("kind").and_then(Value::as_str) else {
        return Err(spec_error(
            &kind_path,
            "must be a string naming a stage",
            OptionProblem::Type,
        ));
    };
    let mut given: Map<String, Value> = obj.clone();
    given.remove("kind");
    match catalog::resolve(role, kind, &given) {
        Ok((info, options)) => Ok(StageSpec { info, options }),
        Err(e @ Error::UnknownKind { .. }) => {
            Err(spec_error(&kind_path, e.to_string(), OptionProblem::Type))
        }
        Err(Error::BadOption {
            option,
            message,
            problem,
            ..
        }) => Err(spec_error(
            &format!("{path}.{option}"),
            format!("({kind}) {message}"),
            problem,
        )),
        Err(other) => Err(other),
    }
}

/// Whether output of type `from` may feed a stage taking `to`.
pub fn fits(from: DataType, to: DataType) -> bool {
    to == DataType::Any || from == to
}

impl PipelineSpec {
    /// Parses and validates a spec.
    ///
    /// # Errors
    ///
    /// [`Error::Spec`] with the path of the first fault: an unknown key, a
    /// missing part, an unknown kind, a bad option, or neighbours whose
    /// types do not fit.
    pub fn parse(value: &Value) -> Result<Self, Error> {
        let Some(top) = value.as_object() else {
            return Err(spec_error(
                "$",
                "must be an object with `source`, `stages` and `sink`",
                OptionProblem::Type,
            ));
        };
        if let Some(key) = top
            .keys()
            .find(|k| !["source", "stages", "sink"].contains(&k.as_str()))
        {
            return Err(spec_error(
                key,
                "is not part of a pipeline spec; expected source, stages, sink",
                OptionProblem::Type,
            ));
        }
        let source = parse_stage(
            Role::Source,
            "source",
            top.get("source").unwrap_or(&Value::Null),
        )?;
        let stages = match top.get("stages") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| parse_stage(Role::Transform, &format!("stages[{i}]"), v))
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(spec_error(
                    "stages",
                    "must be an array",
                    OptionProblem::Type,
                ))
            }
        };
        let sink = parse_stage(Role::Sink, "sink", top.get("sink").unwrap_or(&Value::Null))?;
        let spec = PipelineSpec {
            source,
            stages,
            sink,
        };
        spec.check_types()?;
        Ok(spec)
    }

    fn check_types(&self) -> Result<(), Error> {
        let mut prev = (&self.source, "source".to_string());
        let mut next: Vec<(&StageSpec, String)> = self
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s, format!("stages[{i}]")))
            .collect();
        next.push((&self.sink, "sink".to_string()));
        for (stage, path) in next {
            let (Some(out), Some(inp)) = (prev.0.info.output, stage.info.input) else {
                continue;
            };
            if !fits(out, inp) {
                return Err(spec_error(
                    &path,
                    format!(
                        "`{}` takes {inp:?} but `{}` ({}) gives {out:?}",
                        stage.kind(),
                        prev.0.kind(),
                        prev.1
                    )
                    .to_ascii_lowercase(),
                    OptionProblem::Type,
                ));
            }
            prev = (stage, path);
        }
        Ok(())
    }

    /// Every stage in flow order: source, transforms, sink.
    pub fn all(&self) -> impl Iterator<Item = &StageSpec> {
        std::iter::once(&self.source)
            .chain(&self.stages)
            .chain(std::iter::once(&self.sink))
    }
}
