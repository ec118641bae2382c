use wasm_bindgen::prelude::wasm_bindgen;

use crate::engine::Time;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: monotonic milliseconds
    /// ([MDN](https://developer.mozilla.org/en-US/docs/Web/API/Performance/now)).
    /// Every supported runtime has it; [`Clock::new`] checks once, so that the
    /// call needs no exception guard on every read.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The adapter's clock: monotonic milliseconds (`performance.now()`) since the
/// socket was created. A wall clock (`Date.now()`) can step backwards or
/// forwards when the system time is set, which would postpone retries,
/// timeouts and heartbeats by the step, or fire them all at once. The
/// monotonic clock keeps running while a background tab's timers are
/// throttled, so a timer that fires late still sees how much time really
/// passed: heartbeat deadlines need nothing else. (A page that was frozen or
/// a machine that slept is handled by the lifecycle inputs, which probe
/// afresh.) A runtime without `performance.now()` gets the wall clock.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    origin: f64,
    monotonic: bool,
}

impl Clock {
    pub fn new() -> Clock {
        let monotonic = super::global::get(&super::global::global(), "performance")
            .and_then(|p| super::global::get(&p, "now"))
            .is_some_and(|f| f.is_function());
        let mut clock = Clock {
            origin: 0.0,
            monotonic,
        };
        clock.origin = clock.read();
        clock
    }

    fn read(&self) -> f64 {
        if self.monotonic {
            performance_now()
        } else {
            js_sys::Date::now()
        }
    }

    pub fn now(&self) -> Time {
        Time::from_millis_f64(self.read() - self.origin)
    }
}
