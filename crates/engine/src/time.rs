use core::ops::{Add, Sub};
use core::time::Duration;

/// A point on the adapter's monotonic clock, as the time since an arbitrary
/// origin. The engine never reads a clock itself: every input brings the time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(Duration);

impl Time {
    /// The origin.
    pub const ZERO: Time = Time(Duration::ZERO);

    /// A time `ms` milliseconds after the origin; negative or NaN values clamp to it.
    pub fn from_millis_f64(ms: f64) -> Time {
        Time(scale(Duration::from_millis(1), ms))
    }

    /// A time `ms` milliseconds after the origin.
    pub const fn from_millis(ms: u64) -> Time {
        Time(Duration::from_millis(ms))
    }

    /// The time since the origin.
    pub const fn since_origin(self) -> Duration {
        self.0
    }

    /// How long after `earlier` this is (zero if it is not later).
    pub fn since(self, earlier: Time) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

/// `d * by`, saturating: negative or NaN gives zero, too large gives about
/// 584 years. Unlike `Duration::mul_f64` it cannot panic (nor pull the float
/// conversion and its panic messages into the wasm module).
pub(crate) fn scale(d: Duration, by: f64) -> Duration {
    // `as` saturates and maps NaN to 0.
    Duration::from_nanos((d.as_nanos() as f64 * by) as u64)
}

impl Add<Duration> for Time {
    type Output = Time;
    fn add(self, d: Duration) -> Time {
        Time(self.0.saturating_add(d))
    }
}

impl Sub<Time> for Time {
    type Output = Duration;
    fn sub(self, earlier: Time) -> Duration {
        self.since(earlier)
    }
}
