//! The web adapter: the only code that touches the platform. It owns the
//! `WebSocket`, its listeners, the timers and the page-lifecycle listeners,
//! turns the engine's commands into calls and the platform's events into
//! engine inputs. The same code runs in a page, a worker, Node 22, Deno, Bun
//! and workerd: every platform object is looked up when it is needed, never at
//! module load.
//!
//! Public but hidden from the docs: the npm package's facade
//! (`crates/npm`) drives a [`Runtime`] through it. It is not a stable API
//! for apps; they use [`crate::Builder`].

mod clock;
mod diagnostics;
mod global;
mod inbound;
mod lifecycle;
mod runtime;
mod timers;
mod transport;

pub(crate) use diagnostics::borrow_for;
pub use diagnostics::dropped;
pub use diagnostics::{diagnostics, Diagnostics};
pub use global::{function, get, global, random_seed};
#[cfg(feature = "resume")]
pub use runtime::Tab;
pub use runtime::{Outlet, Output, Queued, Refused, Runtime};
pub use transport::frame_from_js;
pub use transport::{is_frame_value, kept_copy};
