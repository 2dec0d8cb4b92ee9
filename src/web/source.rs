//! The Rust object behind a source's `ReadableStream`
//! (<https://streams.spec.whatwg.org/#underlying-source-api>). It produces a
//! chunk only inside `pull()`, which the stream calls only while
//! `desiredSize > 0` or a read is pending: that is what pull-based means.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use web_sys::ReadableStreamDefaultController;

use crate::core::source::Source;
use crate::web::metrics::{reason_text, Phase, StageHandle};

#[wasm_bindgen(skip_typescript)]
pub struct SourceStage {
    handle: Rc<StageHandle>,
    source: RefCell<Box<dyn Source>>,
    buf: RefCell<Vec<u8>>,
}

impl SourceStage {
    pub fn new(handle: Rc<StageHandle>, source: Box<dyn Source>) -> Self {
        SourceStage {
            handle,
            source: RefCell::new(source),
            buf: RefCell::new(Vec::new()),
        }
    }
}

#[wasm_bindgen]
impl SourceStage {
    pub fn start(&self, controller: ReadableStreamDefaultController) {
        self.handle.set_source_controller(controller);
    }

    /// # Errors
    ///
    /// Only if the controller refuses the chunk (the stream already closed).
    pub fn pull(&self, controller: ReadableStreamDefaultController) -> Result<(), JsValue> {
        self.handle.running();
        let mut buf = self.buf.borrow_mut();
        if !self.source.borrow_mut().fill(&mut buf) {
            self.handle.end(Phase::Done, None);
            return controller.close();
        }
        // One fresh array per chunk: the consumer owns it from here on.
        let chunk = Uint8Array::from(buf.as_slice());
        controller.enqueue_with_chunk(&chunk)?;
        let mut c = self.handle.counters.borrow_mut();
        c.chunks_out += 1;
        c.bytes_out += buf.len() as u64;
        Ok(())
    }

    pub fn cancel(&self, reason: JsValue) {
        self.handle
            .end(Phase::Cancelled, Some(reason_text(&reason)));
    }

    pub fn snapshot(&self) -> JsValue {
        self.handle.snapshot()
    }
}
