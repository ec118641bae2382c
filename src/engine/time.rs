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
        if ms.is_finite() && ms > 0.0 {
            // Capped at about 31,000 years, which from_secs_f64 can always take.
            Time(Duration::from_secs_f64(ms.min(1e15) / 1000.0))
        } else {
            Time::ZERO
        }
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
