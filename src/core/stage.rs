//! What a stage is: its one definition ([`StageDef`]: catalogue entry and
//! builder together, declared next to its code in its family file), and the
//! catalogue entry the page and `catalog()` see ([`StageInfo`]), which adds
//! the parameters every stage of a role shares. Nothing matches on a kind
//! string: a kind is looked up once, and its definition builds it.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::core::options::{Group, Options, ParamSpec, HIGH_WATER_MARK};
use crate::core::sink::SinkLogic;
use crate::core::source::Source;
use crate::core::{placement, Error, Transform};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Source,
    Transform,
    Sink,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Transform => "transform",
            Role::Sink => "sink",
        }
    }
}

/// What flows between stages. Chunks of `bytes` are `Uint8Array`s, of
/// `text` strings, of `records` plain objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    Bytes,
    Text,
    Records,
    /// A sink that takes whatever comes.
    Any,
}

/// Where a source's chunks come from. Generated data is made here; a
/// `Blob` or a URL can only be read by the web glue.
pub enum Origin {
    /// A core generator, pulled one chunk per `pull()`.
    Generated(Box<dyn Source>),
    /// The `Blob` option, read `chunk_size` bytes at a time.
    Blob { chunk_size: u64 },
    /// A URL's response body.
    Url(String),
    /// The values of a JS iterable or async iterable option, one `next()`
    /// per `pull()`.
    Iterable,
    /// A generator that ignores backpressure: the no-backpressure lesson.
    Push(Box<dyn Source>),
}

/// Fills a buffer with unpredictable bytes (salts, nonces):
/// `crypto.getRandomValues` in the browser, fixed bytes in tests.
pub type Random<'a> = &'a mut dyn FnMut(&mut [u8]);

/// Builds a source from its resolved options.
pub type SourceFn = fn(&Options) -> Result<Origin, Error>;
/// Builds a transform from its resolved options.
pub type TransformFn = fn(&Options, Random<'_>) -> Result<Box<dyn Transform>, Error>;
/// Reads the options of a stage that pools by blocks (see
/// [`StageDef::blocks`]) into its Workers' codec.
pub type BlocksFn = fn(&Options) -> Result<crate::core::pgzip::BlockCodec, Error>;
/// Builds a sink's logic from its resolved options.
pub type SinkFn = fn(&Options) -> Result<SinkLogic, Error>;

/// A stage's role, the types it takes and gives, and how it is built from
/// its resolved options.
#[derive(Clone, Copy)]
pub enum Build {
    Source {
        output: DataType,
        build: SourceFn,
    },
    Transform {
        input: DataType,
        output: DataType,
        build: TransformFn,
    },
    Sink {
        build: SinkFn,
    },
}

impl std::fmt::Debug for Build {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.role().name())
    }
}

impl Build {
    pub fn role(&self) -> Role {
        match self {
            Build::Source { .. } => Role::Source,
            Build::Transform { .. } => Role::Transform,
            Build::Sink { .. } => Role::Sink,
        }
    }
}

/// How a transform changes a download's file name: strip `strip` if the
/// name ends with it, then add `add` (gzip: add `.gz`; gunzip: strip it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Extension {
    pub add: &'static str,
    pub strip: &'static str,
}

/// How the page shows a stage's `result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// One line in the report (a digest).
    Value,
    /// A block of text (the preview's tail).
    Text,
}

/// One stage, declared once. Start from [`StageDef::source`],
/// [`StageDef::transform`] or [`StageDef::sink`] and set the rest:
///
/// ```
/// use pipewright::core::options::ParamSpec;
/// use pipewright::core::stage::{DataType, StageDef};
/// use pipewright::core::text::Identity;
///
/// pub const ECHO: StageDef = StageDef {
///     kind: "echo",
///     title: "Echo",
///     summary: "Passes every chunk on unchanged.",
///     params: &[ParamSpec::int("unused", 0, 0, 1, "An example option.")],
///     ..StageDef::transform(DataType::Bytes, DataType::Bytes, |_, _| Ok(Box::new(Identity)))
/// };
/// ```
#[derive(Debug, Clone, Copy)]
pub struct StageDef {
    /// kebab-case, unique within its role.
    pub kind: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// The stage's own parameters; the role's shared ones are added.
    pub params: &'static [ParamSpec],
    pub build: Build,
    /// Spends real CPU per byte: worth a Worker.
    pub cpu_bound: bool,
    /// Stateless per chunk or record, so chunks may go to a pool of Workers
    /// in any order and come back in input order.
    pub poolable: bool,
    /// Keeps state across chunks, yet pools by cutting its input into
    /// independent blocks (pigz's method: `gzip` with `pool: n`): the main
    /// thread cuts and frames, the Workers run this codec on each block.
    pub blocks: Option<BlocksFn>,
    /// A source: the name its data downloads as; `{option}` is replaced by
    /// that option's value (`users.{format}`).
    pub file_name: Option<&'static str>,
    /// A transform that changes the data's format: how the name changes.
    pub extension: Option<Extension>,
    /// How the page shows the stage's `result`, if it has one.
    pub view: Option<View>,
    /// The options a runnable example needs beyond the defaults, as JSON
    /// (a secret has no default): `{}` for most stages.
    pub example: &'static str,
}

impl StageDef {
    const fn base(build: Build) -> Self {
        StageDef {
            kind: "",
            title: "",
            summary: "",
            params: &[],
            build,
            cpu_bound: false,
            poolable: false,
            blocks: None,
            file_name: None,
            extension: None,
            view: None,
            example: "{}",
        }
    }

    pub const fn source(output: DataType, build: SourceFn) -> Self {
        Self::base(Build::Source { output, build })
    }

    pub const fn transform(input: DataType, output: DataType, build: TransformFn) -> Self {
        Self::base(Build::Transform {
            input,
            output,
            build,
        })
    }

    /// A sink, which takes any chunk.
    pub const fn sink(build: SinkFn) -> Self {
        Self::base(Build::Sink { build })
    }
}

/// The largest integer a JS number holds exactly.
pub const MAX_SAFE: u64 = (1 << 53) - 1;
const MAX_HWM: u64 = 65_536;

const SOURCE_HWM: ParamSpec = ParamSpec::int(
    HIGH_WATER_MARK,
    1,
    // 0 is allowed on a source: it then produces only on a pending read.
    0,
    MAX_HWM,
    "Chunks the source keeps queued ahead of its reader (desiredSize = highWaterMark − queued).",
)
.in_group(Group::Stream);

// A writable side with a high-water mark of 0 would never signal ready,
// so transforms and sinks take at least 1.
const TRANSFORM_HWM: ParamSpec = ParamSpec::int(
    HIGH_WATER_MARK,
    1,
    1,
    MAX_HWM,
    "Chunks the stage accepts before it tells its writer to wait (write() would return false).",
)
.in_group(Group::Stream);

const SINK_HWM: ParamSpec = ParamSpec::int(
    HIGH_WATER_MARK,
    1,
    1,
    MAX_HWM,
    "Chunks the sink queues, the one being written included, before it applies backpressure.",
)
.in_group(Group::Stream);

/// A stage's catalogue entry, as `catalog()` gives it to JS: the
/// definition plus the parameters shared by its role.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageInfo {
    pub kind: &'static str,
    pub role: Role,
    pub title: &'static str,
    pub summary: &'static str,
    pub params: Vec<ParamSpec>,
    /// `None` for sources.
    pub input: Option<DataType>,
    /// `None` for sinks.
    pub output: Option<DataType>,
    pub cpu_bound: bool,
    pub poolable: bool,
    /// `pool: n` compresses independent blocks in n Workers (see
    /// [`StageDef::blocks`]).
    pub block_pool: bool,
    /// How `highWaterMark` is measured: every stage so far counts chunks.
    pub strategy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<View>,
    #[serde(skip)]
    pub build: Build,
    #[serde(skip)]
    pub example: &'static str,
    #[serde(skip)]
    pub blocks: Option<BlocksFn>,
}

impl StageInfo {
    pub fn of(def: &StageDef) -> Self {
        let role = def.build.role();
        let mut params = def.params.to_vec();
        let (input, output) = match def.build {
            Build::Source { output, .. } => {
                params.push(SOURCE_HWM);
                (None, Some(output))
            }
            Build::Transform { input, output, .. } => {
                params.push(TRANSFORM_HWM);
                params.extend_from_slice(placement::PARAMS);
                (Some(input), Some(output))
            }
            Build::Sink { .. } => {
                params.push(SINK_HWM);
                (Some(DataType::Any), None)
            }
        };
        StageInfo {
            kind: def.kind,
            role,
            title: def.title,
            summary: def.summary,
            params,
            input,
            output,
            cpu_bound: def.cpu_bound,
            poolable: def.poolable,
            block_pool: def.blocks.is_some(),
            strategy: "chunks",
            file_name: def.file_name,
            extension: def.extension,
            view: def.view,
            build: def.build,
            example: def.example,
            blocks: def.blocks,
        }
    }

    /// Validates `given` against this stage's parameters.
    ///
    /// # Errors
    ///
    /// A bad option, named.
    pub fn resolve(&self, given: &Map<String, Value>) -> Result<Options, Error> {
        Options::resolve(self.kind, &self.params, given)
    }

    /// Builds this source from its options.
    ///
    /// # Errors
    ///
    /// Options valid one by one but not together; [`Error::UnknownKind`]
    /// if this is not a source.
    pub fn build_source(&self, o: &Options) -> Result<Origin, Error> {
        match self.build {
            Build::Source { build, .. } => build(o),
            _ => Err(self.not_a(Role::Source)),
        }
    }

    /// Builds this transform; `random` fills buffers with unpredictable
    /// bytes (salts and nonces for `encrypt`).
    ///
    /// # Errors
    ///
    /// Options valid one by one but not together (a bad regex, an empty
    /// passphrase); [`Error::UnknownKind`] if this is not a transform.
    pub fn build_transform(
        &self,
        o: &Options,
        random: Random<'_>,
    ) -> Result<Box<dyn Transform>, Error> {
        match self.build {
            Build::Transform { build, .. } => build(o, random),
            _ => Err(self.not_a(Role::Transform)),
        }
    }

    /// This stage's block codec, for the Workers of `pool: n` when the
    /// stage pools by blocks.
    ///
    /// # Errors
    ///
    /// A bad option; [`Error::UnknownKind`] if the stage does not pool by
    /// blocks.
    pub fn block_codec(&self, o: &Options) -> Result<crate::core::pgzip::BlockCodec, Error> {
        match self.blocks {
            Some(build) => build(o),
            None => Err(Error::UnknownKind {
                role: "block codec",
                kind: self.kind.to_string(),
                known: format!("`{}` does not pool by blocks", self.kind),
            }),
        }
    }

    /// Builds this sink's logic.
    ///
    /// # Errors
    ///
    /// Options valid one by one but not together (a throttle with neither
    /// limit); [`Error::UnknownKind`] if this is not a sink.
    pub fn build_sink(&self, o: &Options) -> Result<SinkLogic, Error> {
        match self.build {
            Build::Sink { build } => build(o),
            _ => Err(self.not_a(Role::Sink)),
        }
    }

    fn not_a(&self, role: Role) -> Error {
        Error::UnknownKind {
            role: role.name(),
            kind: self.kind.to_string(),
            known: format!("`{}` is a {}", self.kind, self.role.name()),
        }
    }
}
