//! The runtime: one engine, its transport, timers and lifecycle listeners,
//! and the loop that feeds inputs in and carries commands out.
//!
//! Re-entrancy: user code (stream consumers, JS listeners, URL providers) never
//! runs while the engine is borrowed. Commands that reach the user are
//! collected as [`Output`]s and handed to the [`Outlet`] after the borrow ends;
//! inputs that arrive meanwhile wait in a queue. Nothing here can hit a
//! `RefCell` double borrow.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::Function;
use wasm_bindgen_futures::JsFuture;

use super::clock::Clock;
use super::lifecycle::Lifecycle;
use super::timers::TimerSlots;
use super::transport::{self, Transport};
use crate::engine::{
    CloseError, Command, Config, Engine, Event, Frame, Input, MessageId, SendError, SendOutcome,
    SocketId, State, Timer,
};

/// What the runtime hands to the user side.
#[derive(Debug)]
pub(crate) enum Output {
    /// A received frame.
    Frame(Frame),
    /// A frame that could not be read (an unsupported data type).
    Unreadable(String),
    /// An engine event.
    Event(Event),
    /// The endpoint for this attempt is needed: answer with [`Runtime::resolved`].
    Resolve { socket: SocketId, attempt: u32 },
}

/// Receives outputs, outside any borrow. Implementations may call back into
/// the runtime.
pub(crate) trait Outlet {
    fn deliver(&self, runtime: &Rc<Runtime>, outputs: Vec<Output>);
}

struct Inner {
    engine: Engine,
    transport: Option<Transport>,
    lifecycle: Option<Lifecycle>,
}

/// Frames wait here while a Blob ahead of them is being read, so that order
/// holds.
#[derive(Default)]
struct Backlog {
    /// The sequence number of the front slot.
    front: u64,
    /// `None` while its Blob is being read.
    slots: VecDeque<Option<transport::Event>>,
}

pub(crate) struct Runtime {
    me: Weak<Runtime>,
    clock: Clock,
    inner: RefCell<Inner>,
    timers: RefCell<TimerSlots>,
    pending: RefCell<VecDeque<Input>>,
    backlog: RefCell<Backlog>,
    outlet: Box<dyn Outlet>,
    constructor: Option<Function>,
}

impl Runtime {
    /// A runtime in the idle state. `seed` comes from the caller, per instance.
    pub fn new(
        config: Config,
        seed: u64,
        constructor: Option<Function>,
        outlet: Box<dyn Outlet>,
    ) -> Rc<Runtime> {
        Rc::new_cyclic(|me| Runtime {
            me: me.clone(),
            clock: Clock::new(),
            inner: RefCell::new(Inner {
                engine: Engine::new(config, seed),
                transport: None,
                lifecycle: None,
            }),
            timers: RefCell::new(TimerSlots::default()),
            pending: RefCell::new(VecDeque::new()),
            backlog: RefCell::new(Backlog::default()),
            outlet,
            constructor,
        })
    }

    /// Installs the lifecycle listeners and starts connecting.
    pub fn start(self: &Rc<Self>) {
        self.ensure_lifecycle();
        self.input(Input::Connect);
    }

    /// Installs the page-lifecycle listeners unless they are there (a socket
    /// that starts closed gets them on its first reconnect).
    pub fn ensure_lifecycle(self: &Rc<Self>) {
        let installed = self
            .inner
            .try_borrow()
            .map(|i| i.lifecycle.is_some())
            .unwrap_or(true);
        if installed {
            return;
        }
        let (lifecycle, now) = Lifecycle::install(&self.me);
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            inner.lifecycle = Some(lifecycle);
        }
        for input in now {
            self.push(input);
        }
    }

    /// The open socket's `bufferedAmount` (0 without one).
    pub fn buffered_amount(&self) -> u64 {
        self.inner
            .try_borrow()
            .ok()
            .and_then(|i| i.transport.as_ref().map(Transport::buffered_amount))
            .unwrap_or(0)
    }

    /// Feeds an input and runs everything it causes.
    pub fn input(self: &Rc<Self>, input: Input) {
        self.push(input);
        self.drain();
    }

    fn push(&self, input: Input) {
        if let Ok(mut pending) = self.pending.try_borrow_mut() {
            pending.push_back(input);
        }
    }

    /// Runs queued inputs until none are left. A call made while another is
    /// running (from an outlet, say) leaves the work to that one.
    fn drain(self: &Rc<Self>) {
        loop {
            let outputs = {
                let Ok(mut inner) = self.inner.try_borrow_mut() else {
                    return;
                };
                let mut outputs = Vec::new();
                loop {
                    let next = self
                        .pending
                        .try_borrow_mut()
                        .ok()
                        .and_then(|mut p| p.pop_front());
                    let Some(input) = next else { break };
                    let now = self.clock.now();
                    inner.engine.handle(now, input);
                    self.execute(&mut inner, &mut outputs);
                }
                outputs
            };
            if outputs.is_empty() {
                return;
            }
            self.outlet.deliver(self, outputs);
        }
    }

    /// Sends now or queues, with the engine's verdict. `Err(None)` means the
    /// call came from inside a hook, where the engine is busy.
    pub fn send(
        self: &Rc<Self>,
        frame: Frame,
        ttl: Option<core::time::Duration>,
    ) -> Result<SendOutcome, Option<SendError>> {
        let (result, outputs) = {
            let Ok(mut inner) = self.inner.try_borrow_mut() else {
                return Err(None);
            };
            let result = inner.engine.send(self.clock.now(), frame, ttl);
            let mut outputs = Vec::new();
            self.execute(&mut inner, &mut outputs);
            (result, outputs)
        };
        if !outputs.is_empty() {
            self.outlet.deliver(self, outputs);
        }
        self.drain();
        result.map_err(Some)
    }

    /// A user close, checked at once.
    pub fn close(self: &Rc<Self>, code: u16, reason: &str) -> Result<(), CloseError> {
        if !(code == 1000 || (3000..=4999).contains(&code)) {
            return Err(CloseError::InvalidCode(code));
        }
        if reason.len() > 123 {
            return Err(CloseError::ReasonTooLong(reason.len()));
        }
        self.input(Input::Close {
            code,
            reason: reason.to_owned(),
        });
        Ok(())
    }

    /// Runs `f` on the engine, unless it is busy (inside a hook).
    pub fn with_engine<R>(&self, f: impl FnOnce(&mut Engine) -> R) -> Option<R> {
        self.inner
            .try_borrow_mut()
            .ok()
            .map(|mut inner| f(&mut inner.engine))
    }

    /// The current state (`None` inside a hook).
    pub fn state(&self) -> Option<State> {
        self.inner
            .try_borrow()
            .ok()
            .map(|inner| inner.engine.state().clone())
    }

    /// Takes every queued message out of the outbox.
    pub fn drain_outbox(&self) -> Vec<(MessageId, Frame)> {
        self.with_engine(|e| e.drain_outbox()).unwrap_or_default()
    }

    /// The answer to an [`Output::Resolve`].
    pub fn resolved(
        self: &Rc<Self>,
        socket: SocketId,
        result: Result<crate::engine::Endpoint, String>,
    ) {
        self.input(Input::Resolved { socket, result });
    }

    /// Lets go of everything: the socket (closed with 1000), its listeners, the
    /// timers and the lifecycle listeners. Called when the last handle drops.
    pub fn shutdown(&self) {
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            if let Some(transport) = inner.transport.take() {
                transport.close(1000, "");
            }
            inner.lifecycle = None;
        }
        if let Ok(mut timers) = self.timers.try_borrow_mut() {
            timers.clear();
        }
    }

    pub(super) fn timer_fired(self: &Rc<Self>, timer: Timer) {
        // Keep the fired timer (and so its closure) alive until we return.
        let _fired = self
            .timers
            .try_borrow_mut()
            .ok()
            .and_then(|mut t| t.take(timer));
        self.input(Input::TimerFired(timer));
    }

    pub(super) fn platform_event(self: &Rc<Self>, input: Input) {
        self.input(input);
    }

    /// An event of a socket. Kept in arrival order even when a Blob must be
    /// read asynchronously first.
    pub(super) fn socket_event(self: &Rc<Self>, event: transport::Event) {
        let waiting = self
            .backlog
            .try_borrow()
            .map(|b| !b.slots.is_empty())
            .unwrap_or(false);
        match event {
            transport::Event::Blob(socket, blob) => {
                let seq = match self.backlog.try_borrow_mut() {
                    Ok(mut b) => {
                        b.slots.push_back(None);
                        b.front + b.slots.len() as u64 - 1
                    }
                    Err(_) => return,
                };
                let me = self.me.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let read = JsFuture::from(blob.array_buffer()).await;
                    let Some(runtime) = me.upgrade() else { return };
                    let event = match read {
                        Ok(buffer) => {
                            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                            transport::Event::Input(Input::Received {
                                socket,
                                frame: Frame::Binary(bytes),
                            })
                        }
                        Err(_) => {
                            transport::Event::Unsupported("a Blob that could not be read".into())
                        }
                    };
                    runtime.fill_backlog(seq, event);
                });
            }
            event if waiting => {
                if let Ok(mut b) = self.backlog.try_borrow_mut() {
                    b.slots.push_back(Some(event));
                }
            }
            event => self.apply_socket_event(event),
        }
    }

    fn fill_backlog(self: &Rc<Self>, seq: u64, event: transport::Event) {
        let ready = match self.backlog.try_borrow_mut() {
            Ok(mut b) => {
                let index = seq.saturating_sub(b.front) as usize;
                if let Some(slot) = b.slots.get_mut(index) {
                    *slot = Some(event);
                }
                let mut ready = Vec::new();
                while matches!(b.slots.front(), Some(Some(_))) {
                    if let Some(Some(e)) = b.slots.pop_front() {
                        ready.push(e);
                        b.front += 1;
                    }
                }
                ready
            }
            Err(_) => return,
        };
        for event in ready {
            self.apply_socket_event(event);
        }
    }

    fn apply_socket_event(self: &Rc<Self>, event: transport::Event) {
        match event {
            transport::Event::Input(input) => self.input(input),
            transport::Event::Unsupported(what) => {
                self.outlet.deliver(self, vec![Output::Unreadable(what)])
            }
            transport::Event::Blob(..) => {}
        }
    }

    /// Carries out the engine's commands. Commands that need an answer from the
    /// platform (open failures, buffered amounts) are answered here, inside the
    /// same borrow; the ones for the user become outputs.
    fn execute(&self, inner: &mut Inner, outputs: &mut Vec<Output>) {
        while let Some(command) = inner.engine.poll_command() {
            match command {
                Command::Resolve { socket, attempt } => {
                    outputs.push(Output::Resolve { socket, attempt })
                }
                Command::Open { socket, endpoint } => {
                    inner.transport = None;
                    match Transport::open(
                        socket,
                        &endpoint,
                        self.constructor.as_ref(),
                        self.me.clone(),
                    ) {
                        Ok(t) => inner.transport = Some(t),
                        Err(error) => inner
                            .engine
                            .handle(self.clock.now(), Input::OpenFailed { socket, error }),
                    }
                }
                Command::Close {
                    socket,
                    code,
                    reason,
                } => {
                    if let Some(t) = inner.transport.as_ref().filter(|t| t.id() == socket) {
                        t.close(code, &reason);
                    }
                }
                Command::Discard { socket } => {
                    if inner.transport.as_ref().is_some_and(|t| t.id() == socket) {
                        inner.transport = None;
                    }
                }
                Command::Transmit { socket, id, frame } => {
                    let sent = inner
                        .transport
                        .as_ref()
                        .filter(|t| t.id() == socket)
                        .is_some_and(|t| t.send(&frame));
                    if !sent {
                        inner.engine.handle(
                            self.clock.now(),
                            Input::TransmitFailed { socket, id, frame },
                        );
                    }
                }
                Command::Deliver(frame) => outputs.push(Output::Frame(frame)),
                Command::SetTimer { timer, at } => {
                    let delay = at.since(self.clock.now()).as_secs_f64() * 1000.0;
                    if let Ok(mut timers) = self.timers.try_borrow_mut() {
                        timers.set(timer, delay, self.me.clone());
                    }
                }
                Command::CancelTimer(timer) => {
                    if let Ok(mut timers) = self.timers.try_borrow_mut() {
                        drop(timers.take(timer));
                    }
                }
                Command::QueryBufferedAmount => {
                    let amount = inner
                        .transport
                        .as_ref()
                        .map_or(0, Transport::buffered_amount);
                    inner
                        .engine
                        .handle(self.clock.now(), Input::BufferedAmount(amount));
                }
                Command::Emit(event) => outputs.push(Output::Event(event)),
            }
        }
    }
}
