//! Chunks at the boundary, in one place for main-thread and Worker stages
//! alike: what bytes a chunk stands for ([`chunk_bytes`]), what JS value an
//! output piece becomes ([`piece_value`]), and the one rule for a chunk's
//! length in the metrics ([`ChunkBytes::byte_len`] and the lengths
//! of [`chunk_bytes`] and output pieces): a `Uint8Array`'s length, a
//! string's UTF-8 length, a record's JSON line. Worker replies carry the
//! lengths counted here, so the JS glue never measures a chunk itself.

use js_sys::{JsString, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::core::stage::DataType;
use crate::core::Error;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// "a string", "a Uint8Array", "null": for error messages.
    pub fn describe(value: &JsValue) -> String;
}

/// One output piece as the JS value downstream gets: a `Uint8Array`, a
/// string, or (records) the parsed value.
///
/// # Errors
///
/// Only if a record is not JSON, which the stages check before they end one.
pub fn piece_value(output: Option<DataType>, bytes: &[u8]) -> Result<JsValue, JsValue> {
    Ok(match output {
        // Text and record stages check UTF-8 (and records, JSON) before they
        // end a record, so neither conversion can fail.
        Some(DataType::Text) => JsValue::from_str(&String::from_utf8_lossy(bytes)),
        Some(DataType::Records) => js_sys::JSON::parse(&String::from_utf8_lossy(bytes))?,
        _ => Uint8Array::from(bytes).into(),
    })
}

/// A chunk as the bytes a stage of `input` type takes: a `Uint8Array`'s
/// bytes, a string's UTF-8, or a record's JSON line.
///
/// # Errors
///
/// A chunk of the wrong type for the stage, naming it and its index.
pub fn chunk_bytes(
    kind: &str,
    input: Option<DataType>,
    chunk: &JsValue,
    index: u64,
) -> Result<Vec<u8>, Error> {
    let wrong = |expected| Error::BadChunk {
        stage: kind.to_string(),
        chunk: index,
        found: describe(chunk),
        expected,
    };
    match input {
        Some(DataType::Records) => {
            // `JSON.stringify` throws on a BigInt or a cycle and gives
            // undefined for a function: none of them is a record.
            let mut line = js_sys::JSON::stringify(chunk)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| wrong("a JSON-serialisable record"))?;
            line.push('\n');
            Ok(line.into_bytes())
        }
        Some(DataType::Text) => chunk
            .as_string()
            .map(String::into_bytes)
            .ok_or_else(|| wrong("a string")),
        _ => chunk
            .dyn_ref::<Uint8Array>()
            .map(Uint8Array::to_vec)
            .ok_or_else(|| wrong("a Uint8Array")),
    }
}

/// A chunk's bytes as a sink sees them: a byte array's, or a string's
/// UTF-8. A record has none (a sink does not serialise it); it counts as a
/// chunk.
pub enum ChunkBytes {
    Array(Uint8Array),
    Text(String),
    None,
}

impl ChunkBytes {
    pub fn of(chunk: &JsValue) -> Self {
        if let Some(a) = chunk.dyn_ref::<Uint8Array>() {
            ChunkBytes::Array(a.clone())
        } else if let Some(s) = chunk.dyn_ref::<JsString>() {
            ChunkBytes::Text(String::from(s))
        } else {
            ChunkBytes::None
        }
    }

    /// The length the metrics count.
    pub fn byte_len(&self) -> u64 {
        match self {
            ChunkBytes::Array(a) => u64::from(a.length()),
            ChunkBytes::Text(s) => s.len() as u64,
            ChunkBytes::None => 0,
        }
    }
}
