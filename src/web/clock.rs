use wasm_bindgen::prelude::wasm_bindgen;

use crate::engine::Time;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: monotonic milliseconds
    /// ([MDN](https://developer.mozilla.org/en-US/docs/Web/API/Performance/now)).
    /// Every supported runtime has it; `catch` keeps a runtime without it
    /// from trapping (the wall clock stands in there).
    #[wasm_bindgen(catch, js_namespace = performance, js_name = now)]
    fn performance_now() -> Result<f64, wasm_bindgen::JsValue>;
}

/// The adapter's clock: monotonic milliseconds (`performance.now()`) since the
/// socket was created. A wall clock (`Date.now()`) can step backwards or
/// forwards when the system time is set, which would postpone retries,
/// timeouts and heartbeats by the step, or fire them all at once. The
/// monotonic clock keeps running while a background tab's timers are
/// throttled, so a timer that fires late still sees how much time really
/// passed: heartbeat deadlines need nothing else. (A page that was frozen or
/// a machine that slept is handled by the lifecycle inputs, which probe
/// afresh.)
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    origin: f64,
}

fn now_ms() -> f64 {
    performance_now().unwrap_or_else(|_| js_sys::Date::now())
}

impl Clock {
    pub fn new() -> Clock {
        Clock { origin: now_ms() }
    }

    pub fn now(&self) -> Time {
        Time::from_millis_f64(now_ms() - self.origin)
    }
}
