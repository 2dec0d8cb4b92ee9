//! Core errors as real JS errors: `TypeError`/`RangeError` for bad options
//! and specs, an `Error` named `PipewrightError` for bad data, with `stage`,
//! `line`, `offset`, `path` (a spec's field) and `option` properties where
//! they apply.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::core::{Error, OptionProblem};

pub const DATA_ERROR_NAME: &str = "PipewrightError";

fn set(target: &JsValue, key: &str, value: JsValue) {
    // Setting a data property on a fresh Error object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value);
}

pub fn to_js(error: &Error) -> JsValue {
    let message = error.to_string();
    let js: JsValue = match error.option_problem() {
        Some(OptionProblem::Type) => js_sys::TypeError::new(&message).into(),
        Some(OptionProblem::Range) => js_sys::RangeError::new(&message).into(),
        None => {
            let e = js_sys::Error::new(&message);
            e.set_name(DATA_ERROR_NAME);
            e.into()
        }
    };
    if let Some(stage) = error.stage() {
        set(&js, "stage", JsValue::from_str(stage));
    }
    if let Some(line) = error.line() {
        set(&js, "line", JsValue::from_f64(line as f64));
    }
    // The field an option or spec error is about, for a page to mark:
    // `stages[1].level` in a spec, the option's name from a factory.
    match error {
        Error::Spec { path, .. } => set(&js, "path", JsValue::from_str(path)),
        Error::BadOption { option, .. } => set(&js, "option", JsValue::from_str(option)),
        _ => {}
    }
    if let Some(offset) = error.offset() {
        set(&js, "offset", JsValue::from_f64(offset as f64));
    }
    js
}

impl From<Error> for JsValue {
    fn from(error: Error) -> JsValue {
        to_js(&error)
    }
}
