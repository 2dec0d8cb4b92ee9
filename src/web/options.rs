//! A factory's JS options object, read once into the JSON the core
//! validates: what JSON would silently drop or mangle (functions, objects,
//! `NaN`, infinities) is refused here, naming the option; a `Blob` is taken
//! from the object itself, since JSON cannot carry one.

use js_sys::{Array, Object};
use serde_json::{Map, Number, Value};
use wasm_bindgen::prelude::*;

use crate::core::catalog;
use crate::core::options::{Options, ParamType};
use crate::core::placement::POOL;
use crate::core::stage::{Role, StageInfo};
use crate::core::{Error, OptionProblem};
use crate::web::chunk::describe;
use crate::web::sys::object_entries;
use crate::web::worker::cores;

/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// `pool: true` asks for one Worker per core: it becomes that number.
pub fn default_pool(options: &mut Map<String, Value>) {
    if options.get(POOL) == Some(&Value::Bool(true)) {
        options.insert(POOL.to_string(), Value::from(cores() as u64));
    }
}

fn bad(kind: &str, option: String, message: String, problem: OptionProblem) -> Error {
    Error::BadOption {
        stage: kind.to_string(),
        option,
        message,
        problem,
    }
}

/// One option value as JSON.
fn json_value(kind: &str, key: &str, v: &JsValue) -> Result<Value, Error> {
    if let Some(n) = v.as_f64() {
        // Whole numbers stay integers, so messages say `-1`, not `-1.0`.
        let whole = n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER;
        let number = if whole {
            Some(Number::from(n as i64))
        } else {
            Number::from_f64(n)
        };
        return number.map(Value::Number).ok_or_else(|| {
            bad(
                kind,
                key.to_string(),
                // As JS prints them: NaN, Infinity, -Infinity.
                format!(
                    "must be a finite number, got {}",
                    ryu_js::Buffer::new().format(n)
                ),
                OptionProblem::Range,
            )
        });
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::String(s));
    }
    // A `blob` or `iterable` param: the glue takes it from the object
    // itself (js_input checks which param may hold which).
    if v.is_null() || v.is_instance_of::<web_sys::Blob>() || is_chunk_iterable(v) {
        return Ok(Value::Null);
    }
    Err(bad(
        kind,
        key.to_string(),
        format!("must be a number, string or boolean, got {}", describe(v)),
        OptionProblem::Type,
    ))
}

/// Reads a factory's options object into JSON.
///
/// # Errors
///
/// Not an object, or a value JSON cannot hold, named.
pub fn options_map(kind: &str, options: &JsValue) -> Result<Map<String, Value>, Error> {
    let mut map = Map::new();
    if options.is_undefined() || options.is_null() {
        return Ok(map);
    }
    let Some(object) = options
        .dyn_ref::<Object>()
        .filter(|_| !Array::is_array(options))
    else {
        return Err(bad(
            kind,
            "options".to_string(),
            format!("must be an object, got {}", describe(options)),
            OptionProblem::Type,
        ));
    };
    for entry in object_entries(object).iter() {
        let pair: Array = entry.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let v = pair.get(1);
        if v.is_undefined() {
            continue;
        }
        let value = json_value(kind, &key, &v)?;
        map.insert(key, value);
    }
    Ok(map)
}

/// Looks up `kind` in `role` and validates the JS `options` against it.
///
/// # Errors
///
/// An unknown kind or a bad option.
pub fn resolve(
    role: Role,
    kind: &str,
    options: &JsValue,
) -> Result<(&'static StageInfo, Options), Error> {
    let mut given = options_map(kind, options)?;
    default_pool(&mut given);
    catalog::resolve(role, kind, &given)
}

/// A JS value a source's options carry beside the JSON ones: a `Blob` for
/// a `blob` param, an iterable for an `iterable` param.
pub enum JsInput {
    Blob(web_sys::Blob),
    Iterable(JsValue),
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// Whether `value` is an iterable or async iterable of chunks (a
    /// string is iterable too, but of characters: not one).
    #[wasm_bindgen(js_name = isChunkIterable)]
    fn is_chunk_iterable(value: &JsValue) -> bool;
}

/// The JS value a source's `blob` or `iterable` param names, taken from
/// the JS options object; `Ok(None)` for sources without one.
///
/// # Errors
///
/// A `TypeError` naming the option when it is missing or of the wrong type.
pub fn js_input(info: &StageInfo, options: &JsValue) -> Result<Option<JsInput>, Error> {
    let Some(param) = info
        .params
        .iter()
        .find(|p| matches!(p.ty, ParamType::Blob | ParamType::Iterable))
    else {
        return Ok(None);
    };
    let value = if options.is_object() {
        js_sys::Reflect::get(options, &JsValue::from_str(param.name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    };
    let wrong = |what: &str, v: &JsValue| {
        bad(
            info.kind,
            param.name.to_string(),
            format!("must be {what}, got {}", describe(v)),
            OptionProblem::Type,
        )
    };
    if param.ty == ParamType::Iterable {
        return if is_chunk_iterable(&value) {
            Ok(Some(JsInput::Iterable(value)))
        } else {
            Err(wrong(
                "an iterable or async iterable of strings or Uint8Arrays (an async generator)",
                &value,
            ))
        };
    }
    value
        .dyn_into::<web_sys::Blob>()
        .map(|b| Some(JsInput::Blob(b)))
        .map_err(|v| wrong("a File or Blob", &v))
}
