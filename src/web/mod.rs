//! The web adapter: the only code that touches the platform. It owns the
//! `WebSocket`, its listeners, the timers and the page-lifecycle listeners,
//! turns the engine's commands into calls and the platform's events into
//! engine inputs. The same code runs in a page, a worker, Node 22, Deno, Bun
//! and workerd: every platform object is looked up when it is needed, never at
//! module load.

mod clock;
mod diagnostics;
mod global;
mod inbound;
mod lifecycle;
mod runtime;
mod timers;
mod transport;

pub(crate) use diagnostics::borrow_for;
#[cfg(feature = "js")]
pub(crate) use diagnostics::dropped;
pub use diagnostics::{diagnostics, Diagnostics};
#[cfg(feature = "js")]
pub(crate) use global::{function, get, global};
pub(crate) use runtime::{Outlet, Output, Queued, Refused, Runtime};
pub(crate) use transport::frame_from_js;
#[cfg(feature = "js")]
pub(crate) use transport::{js_len, js_to_keep};
