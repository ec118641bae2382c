//! The engine's one timer: a platform timeout for the earliest deadline the
//! engine asks for ([`Engine::poll_timeout`](crate::engine::Engine::poll_timeout)),
//! re-armed only when that deadline moves. A `gloo_timers` `Timeout` cancels
//! on drop, so re-arming cancels the old one and dropping cancels it.

use std::rc::Weak;

use gloo_timers::callback::Timeout;

use super::diagnostics::{Counted, Resource};
use super::runtime::Runtime;
use crate::engine::Time;

struct Armed {
    at: Time,
    timeout: Timeout,
    _count: Counted,
}

#[derive(Default)]
pub(crate) struct Wakeup {
    armed: Option<Armed>,
}

/// setTimeout takes a signed 32-bit delay; longer ones would fire at once.
const MAX_DELAY_MS: f64 = 2_147_483_647.0;

impl Wakeup {
    /// Arms the timeout for `deadline` (`None`: disarms it), unless it is
    /// armed for that deadline already. `now` reads the clock, only when the
    /// timeout is re-armed: a send that moves no deadline pays for no clock.
    pub fn sync(
        &mut self,
        deadline: Option<Time>,
        now: impl FnOnce() -> Time,
        runtime: &Weak<Runtime>,
    ) {
        if self.armed.as_ref().map(|a| a.at) == deadline {
            return;
        }
        let Some(at) = deadline else {
            self.armed = None;
            return;
        };
        // Round up: a timeout that fires a hair early finds nothing due, and
        // the engine's deadline is armed again.
        let ms = (at.since(now()).as_secs_f64() * 1000.0)
            .ceil()
            .clamp(0.0, MAX_DELAY_MS) as u32;
        let runtime = runtime.clone();
        let timeout = Timeout::new(ms, move || {
            if let Some(runtime) = runtime.upgrade() {
                runtime.timer_fired();
            }
        });
        self.armed = Some(Armed {
            at,
            timeout,
            _count: Counted::new(Resource::Timer),
        });
    }

    /// Disarms it; returns the timeout so that its own callback can keep its
    /// closure alive until it returns.
    pub fn take(&mut self) -> Option<Timeout> {
        self.armed.take().map(|a| a.timeout)
    }
}
