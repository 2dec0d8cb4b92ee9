//! The fuzz targets' checks live with the native tests
//! (`tests/common/mod.rs`, `fuzz_one`), shared rather than copied, so
//! `tests/fuzz_regressions.rs` replays every saved finding and seed through
//! exactly the code the fuzzer ran.
#[path = "../../tests/common/mod.rs"]
mod common;

pub use common::fuzz_one;
