//! Playback in step with the display: a `requestAnimationFrame` loop that reports the real time since
//! the previous frame, so playing at speed × advances speed × that much simulated time per frame.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Longest real time one frame may account for (a tab in the background gets no frames; coming back
/// must not jump minutes ahead).
const MAX_FRAME_MS: f64 = 100.0;

type Tick = Closure<dyn FnMut(f64)>;

/// Calls `on_frame(ms since the previous frame)` on every animation frame until dropped.
pub struct FrameLoop {
    tick: Rc<RefCell<Option<Tick>>>,
    id: Rc<Cell<Option<i32>>>,
    stopped: Rc<Cell<bool>>,
}

fn request(tick: &Tick) -> Option<i32> {
    web_sys::window()?
        .request_animation_frame(tick.as_ref().unchecked_ref())
        .ok()
}

impl FrameLoop {
    pub fn start(mut on_frame: impl FnMut(f64) + 'static) -> Self {
        let tick: Rc<RefCell<Option<Tick>>> = Rc::new(RefCell::new(None));
        let id: Rc<Cell<Option<i32>>> = Rc::new(Cell::new(None));
        let last: Cell<Option<f64>> = Cell::new(None);
        // The closure re-requests itself through a weak handle: dropping the loop frees it.
        let weak = Rc::downgrade(&tick);
        let next_id = id.clone();
        let stopped = Rc::new(Cell::new(false));
        let stop = stopped.clone();
        *tick.borrow_mut() = Some(Closure::new(move |ts: f64| {
            if stop.get() {
                return;
            }
            let dt = last
                .get()
                .map_or(0.0, |l| (ts - l).clamp(0.0, MAX_FRAME_MS));
            last.set(Some(ts));
            on_frame(dt);
            if stop.get() {
                return;
            }
            if let Some(t) = weak.upgrade() {
                if let Some(t) = t.borrow().as_ref() {
                    next_id.set(request(t));
                }
            }
        }));
        id.set(tick.borrow().as_ref().and_then(request));
        FrameLoop { tick, id, stopped }
    }
}

impl Drop for FrameLoop {
    fn drop(&mut self) {
        self.stopped.set(true);
        if let (Some(w), Some(id)) = (web_sys::window(), self.id.get()) {
            let _ = w.cancel_animation_frame(id);
        }
        // The loop may be dropped from inside its own frame: free the closure on a later task, never
        // while it runs.
        let tick = self.tick.clone();
        gloo::timers::callback::Timeout::new(0, move || drop(tick)).forget();
    }
}
