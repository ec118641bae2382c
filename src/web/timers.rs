//! One slot per engine timer. A `gloo_timers` `Timeout` cancels on drop, so
//! re-arming a slot cancels the old timer and dropping the slots cancels all.

use std::rc::Weak;

use gloo_timers::callback::Timeout;

use super::diagnostics::{Counted, Resource};
use super::runtime::Runtime;
use crate::engine::Timer;

struct Armed {
    _timeout: Timeout,
    _count: Counted,
}

#[derive(Default)]
pub(crate) struct TimerSlots {
    slots: [Option<Armed>; Timer::ALL.len()],
}

/// setTimeout takes a signed 32-bit delay; longer ones would fire at once.
const MAX_DELAY_MS: f64 = 2_147_483_647.0;

impl TimerSlots {
    pub fn set(&mut self, timer: Timer, delay_ms: f64, runtime: Weak<Runtime>) {
        // Round up: a timer that fires a hair early is re-armed by the engine.
        let ms = delay_ms.ceil().clamp(0.0, MAX_DELAY_MS) as u32;
        let timeout = Timeout::new(ms, move || {
            if let Some(runtime) = runtime.upgrade() {
                runtime.timer_fired(timer);
            }
        });
        if let Some(slot) = self.slots.get_mut(timer.index()) {
            *slot = Some(Armed {
                _timeout: timeout,
                _count: Counted::new(Resource::Timer),
            });
        }
    }

    /// Disarms the timer; returns it so that a timer's own callback can keep
    /// its closure alive until it returns.
    pub fn take(&mut self, timer: Timer) -> Option<Timeout> {
        self.slots
            .get_mut(timer.index())
            .and_then(Option::take)
            .map(|a| a._timeout)
    }

    pub fn clear(&mut self) {
        self.slots = Default::default();
    }
}
