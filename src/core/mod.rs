//! Pure-Rust stage logic: transforms, sources, sinks' pacing, options and
//! pipeline specs. Nothing here knows about JavaScript, so `cargo test` runs it
//! natively.

pub mod b64;
pub mod canon;
pub mod catalog;
pub mod compress;
pub mod crypt;
pub mod csv;
pub mod digest;
pub mod error;
pub mod lines;
pub mod ndjson;
pub mod options;
pub mod pgzip;
pub mod pipeline;
pub mod placement;
pub mod pool;
pub mod primes;
pub mod records;
pub mod rng;
pub mod select;
pub mod shaping;
pub mod sink;
pub mod source;
pub mod stage;
pub mod text;
pub mod textcodec;
pub mod transform;
pub mod users;

pub use error::{Error, OptionProblem};
pub use transform::{Deferred, Driver, Flow, Piece, Progress, Shape, Status, Transform};
