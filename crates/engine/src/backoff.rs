use core::fmt;
use core::time::Duration;

use super::config::BackoffConfig;
use super::time::scale;

/// Draws the delay before a retry. [`Jitter`]'s strategies are built in; set
/// your own with [`BackoffConfig::set_strategy`]. The engine counts the
/// failures, gives up when [`max_retries`](BackoffConfig::max_retries) or the
/// [`budget`](BackoffConfig::budget) says so, handles the restart codes (1012,
/// 1013) itself, and caps a strategy's delays at [`max`](BackoffConfig::max).
///
/// ```
/// use core::time::Duration;
/// use steadysocket_engine::{BackoffConfig, BackoffStrategy, Random};
///
/// /// 1 s, 2 s, 3 s, ... plus up to 100 ms of jitter.
/// #[derive(Debug)]
/// struct Linear;
///
/// impl BackoffStrategy for Linear {
///     fn delay(&self, attempt: u32, _previous: Option<Duration>, _config: &BackoffConfig, random: &mut Random<'_>) -> Duration {
///         Duration::from_secs(u64::from(attempt) + 1) + random.between(Duration::ZERO, Duration::from_millis(100))
///     }
/// }
///
/// let mut backoff = BackoffConfig::default();
/// backoff.set_strategy(Some(std::rc::Rc::new(Linear)));
/// ```
pub trait BackoffStrategy: fmt::Debug {
    /// The delay before retry number `attempt` (0 for the first of an
    /// episode of failures); `previous` is the delay drawn before it in this
    /// episode, if any.
    fn delay(
        &self,
        attempt: u32,
        previous: Option<Duration>,
        config: &BackoffConfig,
        random: &mut Random<'_>,
    ) -> Duration;
}

/// The engine's random source, seeded per socket, as a strategy sees it.
pub struct Random<'a>(&'a mut fastrand::Rng);

impl Random<'_> {
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.f64()
    }

    /// Uniform in `[low, high]` (`low` when `high` is not above it).
    pub fn between(&mut self, low: Duration, high: Duration) -> Duration {
        uniform(self.0, low, high)
    }
}

/// How a retry delay is randomised, so that clients dropped together do not
/// come back together. `ceiling` below is `min(max, initial * multiplier^attempt)`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Jitter {
    /// Exactly `ceiling`: every client retries in lockstep. Only for tests.
    None,
    /// Uniform in `[0, ceiling]` (AWS's "full jitter").
    Full,
    /// Uniform in `[ceiling / 2, ceiling]`.
    Equal,
    /// Uniform in `[initial, 3 * previous delay]`, capped at `max` (AWS's
    /// "decorrelated jitter"); the multiplier is not used.
    Decorrelated,
    /// `ceiling * (1 ± x)`, uniform, like gRPC's ±20 % (x = 0.2). Values outside
    /// `0..=1` are clamped.
    Proportional(f64),
}

/// The retry counter of one episode of failures, and the delays it draws.
///
/// An episode starts with the first failure after a stable connection (or the
/// start) and ends when a connection stays up for the minimum uptime, or the
/// user reconnects.
#[derive(Clone, Debug, Default)]
pub struct Backoff {
    failures: u32,
    previous: Option<Duration>,
}

impl Backoff {
    /// Failures so far in this episode; the next retry is attempt number `failures`.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Starts a new episode.
    pub fn reset(&mut self) {
        *self = Backoff::default();
    }

    /// Counts a failure and draws the delay before the next attempt: the
    /// configured strategy's (capped at the maximum), or the jitter's.
    pub fn next_delay(&mut self, config: &BackoffConfig, rng: &mut fastrand::Rng) -> Duration {
        let attempt = self.failures;
        self.failures = self.failures.saturating_add(1);
        let random = &mut Random(rng);
        let delay = match &config.strategy {
            Some(strategy) => strategy
                .delay(attempt, self.previous, config, random)
                .min(config.max),
            None => config.jitter.delay(attempt, self.previous, config, random),
        };
        self.previous = Some(delay);
        delay
    }

    /// The longer, randomised delay after a 1012 (service restart) or 1013
    /// (try again later) close. Counts as a failure too.
    pub fn restart_delay(&mut self, config: &BackoffConfig, rng: &mut fastrand::Rng) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let (low, high) = config.restart_delay;
        let delay = uniform(rng, low, high.max(low));
        self.previous = Some(delay);
        delay
    }

    /// The smallest and largest delay `next_delay` can draw for `attempt`.
    pub fn bounds(config: &BackoffConfig, attempt: u32) -> (Duration, Duration) {
        let ceiling = ceiling(config, attempt);
        match config.jitter {
            Jitter::None => (ceiling, ceiling),
            Jitter::Full => (Duration::ZERO, ceiling),
            Jitter::Equal => (ceiling / 2, ceiling),
            Jitter::Decorrelated => {
                let high = config
                    .initial
                    .saturating_mul(3u32.saturating_pow(attempt.saturating_add(1).min(40)));
                (config.initial.min(config.max), high.min(config.max))
            }
            Jitter::Proportional(x) => {
                let x = if x.is_finite() {
                    x.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                (scale(ceiling, 1.0 - x), scale(ceiling, 1.0 + x))
            }
        }
    }
}

impl BackoffStrategy for Jitter {
    fn delay(
        &self,
        attempt: u32,
        previous: Option<Duration>,
        config: &BackoffConfig,
        random: &mut Random<'_>,
    ) -> Duration {
        if let Jitter::Decorrelated = self {
            let low = config.initial;
            let high = previous.unwrap_or(low).saturating_mul(3).max(low);
            return random.between(low, high).min(config.max);
        }
        let ceiling = ceiling(config, attempt);
        match *self {
            Jitter::Full => random.between(Duration::ZERO, ceiling),
            Jitter::Equal => random.between(ceiling / 2, ceiling),
            Jitter::Proportional(x) => {
                let x = if x.is_finite() {
                    x.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                random.between(scale(ceiling, 1.0 - x), scale(ceiling, 1.0 + x))
            }
            _ => ceiling,
        }
    }
}

/// `min(max, initial * multiplier^attempt)`, without overflow.
fn ceiling(config: &BackoffConfig, attempt: u32) -> Duration {
    let factor = config.multiplier.max(1.0).powi(attempt.min(1024) as i32);
    scale(config.initial, factor).min(config.max)
}

/// Uniform in `[low, high]`.
fn uniform(rng: &mut fastrand::Rng, low: Duration, high: Duration) -> Duration {
    if high <= low {
        return low;
    }
    low + scale(high - low, rng.f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(jitter: Jitter) -> BackoffConfig {
        BackoffConfig {
            jitter,
            ..BackoffConfig::default()
        }
    }

    #[test]
    fn every_strategy_stays_within_its_bounds() {
        let mut rng = fastrand::Rng::with_seed(7);
        for jitter in [
            Jitter::None,
            Jitter::Full,
            Jitter::Equal,
            Jitter::Decorrelated,
            Jitter::Proportional(0.2),
        ] {
            let config = config(jitter);
            let mut backoff = Backoff::default();
            for attempt in 0..40 {
                let delay = backoff.next_delay(&config, &mut rng);
                let (low, high) = Backoff::bounds(&config, attempt);
                assert!(
                    low <= delay && delay <= high,
                    "{jitter:?} attempt {attempt}: {delay:?} not in {low:?}..={high:?}"
                );
            }
        }
    }

    #[test]
    fn delays_grow_by_the_multiplier_up_to_the_max() {
        let config = BackoffConfig {
            initial: Duration::from_secs(1),
            multiplier: 2.0,
            max: Duration::from_secs(10),
            jitter: Jitter::None,
            ..BackoffConfig::default()
        };
        let mut rng = fastrand::Rng::with_seed(1);
        let mut backoff = Backoff::default();
        let secs: Vec<u64> = (0..6)
            .map(|_| backoff.next_delay(&config, &mut rng).as_secs())
            .collect();
        assert_eq!(secs, [1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn the_first_decorrelated_retry_waits_one_to_three_times_initial() {
        // What the docs say of `initial` (initialDelay): the base of the
        // delays, not the first delay; with decorrelated jitter (the
        // default) the first retry draws from initial..=3 × initial, and
        // draws spread over that range.
        let config = BackoffConfig::default();
        let initial = config.initial;
        let (mut lowest, mut highest) = (Duration::MAX, Duration::ZERO);
        for seed in 0..2000 {
            let mut rng = fastrand::Rng::with_seed(seed);
            let first = Backoff::default().next_delay(&config, &mut rng);
            assert!(initial <= first && first <= initial * 3, "{first:?}");
            lowest = lowest.min(first);
            highest = highest.max(first);
        }
        assert!(lowest < initial + initial / 10, "lowest draw {lowest:?}");
        assert!(
            highest > initial * 3 - initial / 10,
            "highest draw {highest:?}"
        );
    }

    #[test]
    fn a_huge_attempt_number_neither_overflows_nor_exceeds_the_max() {
        let config = config(Jitter::Full);
        assert_eq!(ceiling(&config, u32::MAX), config.max);
        let bounds = Backoff::bounds(&config, u32::MAX);
        assert!(bounds.1 <= config.max);
    }
}
