use core::sync::atomic::{AtomicUsize, Ordering};

/// Live platform resources of every steadysocket in this module instance.
/// Counters in statics are plain integers: no work happens at module load.
static SOCKETS: AtomicUsize = AtomicUsize::new(0);
static LISTENERS: AtomicUsize = AtomicUsize::new(0);
static TIMERS: AtomicUsize = AtomicUsize::new(0);

/// What steadysocket holds on the platform right now, across all sockets:
/// a leak shows as a count that grows with reconnects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    /// `WebSocket` objects alive.
    pub sockets: usize,
    /// Event listeners attached (socket and page lifecycle).
    pub listeners: usize,
    /// Timers armed.
    pub timers: usize,
}

/// The current counts.
pub fn diagnostics() -> Diagnostics {
    Diagnostics {
        sockets: SOCKETS.load(Ordering::Relaxed),
        listeners: LISTENERS.load(Ordering::Relaxed),
        timers: TIMERS.load(Ordering::Relaxed),
    }
}

/// Which counter a [`Counted`] value adds to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Resource {
    Socket,
    Listener,
    Timer,
}

impl Resource {
    fn counter(self) -> &'static AtomicUsize {
        match self {
            Resource::Socket => &SOCKETS,
            Resource::Listener => &LISTENERS,
            Resource::Timer => &TIMERS,
        }
    }
}

/// Counts one live resource from creation to drop.
#[derive(Debug)]
pub(crate) struct Counted(Resource);

impl Counted {
    pub fn new(resource: Resource) -> Counted {
        resource.counter().fetch_add(1, Ordering::Relaxed);
        Counted(resource)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.counter().fetch_sub(1, Ordering::Relaxed);
    }
}
