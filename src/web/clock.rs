use crate::engine::Time;

/// The adapter's clock: wall-clock milliseconds (`Date.now()`) since the
/// socket was created. Wall-clock time keeps running while a tab is throttled
/// or a laptop sleeps, which is what heartbeat deadlines must be judged by.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    origin: f64,
}

impl Clock {
    pub fn new() -> Clock {
        Clock {
            origin: js_sys::Date::now(),
        }
    }

    pub fn now(&self) -> Time {
        Time::from_millis_f64(js_sys::Date::now() - self.origin)
    }
}
