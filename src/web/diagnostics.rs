use core::cell::{RefCell, RefMut};
use core::sync::atomic::{AtomicUsize, Ordering};

/// Live platform resources of every steadysocket in this module instance.
/// Counters in statics are plain integers: no work happens at module load.
static SOCKETS: AtomicUsize = AtomicUsize::new(0);
static LISTENERS: AtomicUsize = AtomicUsize::new(0);
static TIMERS: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);

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
    /// Pieces of work dropped because the state they needed was busy: an
    /// input, a timer, a waker, a received frame. The design makes this
    /// impossible (nothing re-enters a borrow), so anything but 0 is a bug;
    /// debug builds panic where it happens.
    pub dropped: usize,
}

/// The current counts.
pub fn diagnostics() -> Diagnostics {
    Diagnostics {
        sockets: SOCKETS.load(Ordering::Relaxed),
        listeners: LISTENERS.load(Ordering::Relaxed),
        timers: TIMERS.load(Ordering::Relaxed),
        dropped: DROPPED.load(Ordering::Relaxed),
    }
}

/// Records work that had to be dropped (see [`Diagnostics::dropped`]).
pub fn dropped(what: &'static str) {
    DROPPED.fetch_add(1, Ordering::Relaxed);
    debug_assert!(false, "steadysocket dropped work: {what}");
}

/// Borrows `cell` for work that must not be lost; if it is busy (a bug),
/// the work is counted as dropped.
pub(crate) fn borrow_for<'a, T>(cell: &'a RefCell<T>, what: &'static str) -> Option<RefMut<'a, T>> {
    match cell.try_borrow_mut() {
        Ok(b) => Some(b),
        Err(_) => {
            dropped(what);
            None
        }
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
