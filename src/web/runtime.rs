//! The runtime: one engine, its transport, timers and lifecycle listeners,
//! and the loop that feeds inputs in and carries commands out.
//!
//! Re-entrancy: user code (stream consumers, JS listeners, URL providers) never
//! runs while the engine is borrowed. Commands that reach the user are
//! collected as [`Output`]s and handed to the [`Outlet`] after the borrow ends;
//! inputs that arrive meanwhile wait in a queue. Nothing here can hit a
//! `RefCell` double borrow.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

#[cfg(feature = "resume")]
use js_sys::Array;
use js_sys::Function;
use wasm_bindgen::JsValue;

use super::clock::Clock;
use super::diagnostics::borrow_for;
use super::inbound::{self, Inbound, Ready};
use super::lifecycle::Lifecycle;
use super::timers::Wakeup;
use super::transport::{self, Transport};
use crate::engine::{
    Allowance, CloseError, ClosedReason, Command, Config, DropReason, Engine, Event, Frame,
    FrameNeed, Input, MessageId, Payload, SendOutcome, SocketId, State, SubmitError,
};

/// What the runtime hands to the user side.
#[derive(Debug)]
pub enum Output {
    /// A received frame.
    Frame(Frame),
    /// A frame that could not be read (an unsupported data type).
    Unreadable(String),
    /// A received frame over the size limit, not copied in: its kind ("text"
    /// or "binary") and size in bytes (at least; text is measured in UTF-16
    /// units, which its UTF-8 size is never below).
    TooLarge { kind: &'static str, size: usize },
    /// An engine event.
    Event(Event),
    /// A queued message whose payload the outlet had kept as a JS value (see
    /// [`Runtime::send_kept`]) left the outbox without being sent: it comes
    /// back as that value.
    DroppedKept {
        id: MessageId,
        data: JsValue,
        reason: DropReason,
    },
    /// The outbox shrank (a flush, a drain): a send waiting for room may try
    /// again. Nothing else may happen at the same time, so this is its own
    /// output.
    Room,
    /// The endpoint for this attempt is needed: answer with [`Runtime::resolved`].
    Resolve { socket: SocketId, attempt: u32 },
    /// With direct sends on ([`Config::set_direct_sends`]): the open socket
    /// and what the outlet may do itself on it, or `None` when sends must go
    /// through [`Runtime::send_kept`] (the engine's [`Command::Direct`]).
    /// With resume on, what it did is its tab (`Tab`, `Outlet::tab`, with
    /// the `resume` feature), which the runtime takes before the engine's
    /// every next step.
    Direct(Option<(JsValue, Allowance)>),
}

/// What the outlet did itself under a resume session's allowance since the
/// runtime last asked: text messages it sent straight to the socket, in
/// order (their values in one JS array, `values[i]` of UTF-8 length
/// `lengths[i]`: they stay there, read only for a replay or a drop), and how
/// many text frames it delivered.
#[cfg(feature = "resume")]
pub struct Tab {
    pub values: Rc<Array>,
    pub lengths: Vec<u32>,
    pub arrived: u32,
}

/// A JS value kept for a message: its own, or its place in a tab's array.
enum KeptValue {
    Own(JsValue),
    #[cfg(feature = "resume")]
    InTab(Rc<Array>, u32),
}

impl KeptValue {
    fn into_value(self) -> JsValue {
        match self {
            KeptValue::Own(v) => v,
            #[cfg(feature = "resume")]
            v => v.value(),
        }
    }

    fn value(&self) -> JsValue {
        match self {
            KeptValue::Own(v) => v.clone(),
            #[cfg(feature = "resume")]
            KeptValue::InTab(values, at) => values.get(*at),
        }
    }
}

/// Receives outputs, outside any borrow. Implementations may call back into
/// the runtime.
pub trait Outlet {
    fn deliver(&self, runtime: &Rc<Runtime>, outputs: Vec<Output>);

    /// A JS function to attach as every socket's `message` listener in place
    /// of the runtime's own: the outlet then receives frames itself, and tells
    /// the runtime what the engine needs of them
    /// ([`Engine::frame_need`](crate::engine::Engine::frame_need),
    /// [`Runtime::frame_arrived`], [`Runtime::frame_received`]).
    fn message_listener(&self) -> Option<Function> {
        None
    }

    /// With resume on: what the outlet did itself since it was last asked
    /// (see [`Output::Direct`]), handed over and forgotten; `None` for
    /// nothing.
    #[cfg(feature = "resume")]
    fn tab(&self) -> Option<Tab> {
        None
    }
}

/// A queued message as the outlet sees it: a frame, or the JS value kept for it.
pub enum Queued {
    Frame(Frame),
    /// Only for the JS facade's kept values.
    Js(JsValue),
}

/// Why [`Runtime::send`] did not take a message. It comes back.
#[derive(Debug)]
pub enum Refused {
    /// Called from inside a hook, where the engine is busy.
    Busy(Payload),
    /// The engine's refusal.
    Engine(SubmitError),
}

struct Inner {
    engine: Engine,
    transport: Option<Transport>,
    lifecycle: Option<Lifecycle>,
    /// The socket the outlet was last told it may send to directly.
    direct: Option<SocketId>,
    /// The JS values of queued messages sent with [`Runtime::send_kept`],
    /// by id, oldest first: the engine knows only their sizes, so what waits
    /// never grows wasm memory.
    kept: VecDeque<(MessageId, KeptValue)>,
}

impl Inner {
    /// The transport of `socket`, if it is the current one.
    fn transport_of(&self, socket: SocketId) -> Option<&Transport> {
        self.transport.as_ref().filter(|t| t.id() == socket)
    }

    /// Keeps `value` in id order (ids grow in send order).
    fn keep(&mut self, id: MessageId, value: JsValue) {
        self.keep_value(id, KeptValue::Own(value));
    }

    fn keep_value(&mut self, id: MessageId, value: KeptValue) {
        crate::engine::insert_by_id(&mut self.kept, (id, value), |(k, _)| *k);
    }

    /// Where the value kept for `id` is.
    fn kept_at(&self, id: MessageId) -> Option<usize> {
        self.kept.binary_search_by_key(&id, |(k, _)| *k).ok()
    }

    /// Lets go of the values of messages up to `through`, acknowledged in
    /// the resume session (the ones kept are in id order, and the ones
    /// waiting in the outbox come after every message sent).
    fn release_kept(&mut self, through: MessageId) {
        while self.kept.front().is_some_and(|(k, _)| *k <= through) {
            self.kept.pop_front();
        }
    }

    fn take_kept(&mut self, id: MessageId) -> Option<JsValue> {
        let at = self.kept_at(id)?;
        self.kept.remove(at).map(|(_, v)| v.into_value())
    }

    /// A message taken out of the outbox, with its kept value if it has one.
    fn queued(&mut self, id: MessageId, payload: Payload) -> Option<Queued> {
        match payload {
            Payload::Frame(f) => Some(Queued::Frame(f)),
            Payload::Kept(_) => self.take_kept(id).map(Queued::Js),
        }
    }
}

pub struct Runtime {
    me: Weak<Runtime>,
    clock: Clock,
    inner: RefCell<Inner>,
    /// Set by [`shutdown`](Runtime::shutdown): from then on the runtime is
    /// closed for good and takes no input (a socket disposed before it even
    /// started, as React StrictMode does, must never connect).
    disposed: Cell<bool>,
    /// The platform timeout for the engine's next deadline.
    wakeup: RefCell<Wakeup>,
    pending: RefCell<VecDeque<Input>>,
    inbound: RefCell<Inbound>,
    /// The largest inbound message: larger ones are reported, never copied in.
    max_message_size: usize,
    outlet: Box<dyn Outlet>,
    constructor: Option<Function>,
    /// With resume on the engine numbers, keeps and reads every frame: sent
    /// values become frames, and every received frame goes in, whatever its
    /// size. Text stays a JS value both ways ([`Payload::Kept`] until
    /// acknowledged; [`FrameNeed::TextArrival`]).
    resumes: bool,
    /// Set when the engine answers a text frame's arrival with
    /// [`Command::DeliverArrived`].
    deliver_arrived: Cell<bool>,
}

impl Runtime {
    /// A runtime in the idle state. `seed` comes from the caller, per instance.
    pub fn new(
        config: Config,
        seed: u64,
        max_message_size: usize,
        constructor: Option<Function>,
        outlet: Box<dyn Outlet>,
    ) -> Rc<Runtime> {
        let resumes = config.resume().is_some();
        Rc::new_cyclic(|me| Runtime {
            me: me.clone(),
            clock: Clock::new(),
            disposed: Cell::new(false),
            inner: RefCell::new(Inner {
                engine: Engine::new(config, seed),
                transport: None,
                lifecycle: None,
                direct: None,
                kept: VecDeque::new(),
            }),
            wakeup: RefCell::new(Wakeup::default()),
            pending: RefCell::new(VecDeque::new()),
            inbound: RefCell::new(Inbound::default()),
            max_message_size,
            outlet,
            constructor,
            resumes,
            deliver_arrived: Cell::new(false),
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
        if self.disposed.get() {
            return;
        }
        let installed = self
            .inner
            .try_borrow()
            .map(|i| i.lifecycle.is_some())
            .unwrap_or(true);
        if installed {
            return;
        }
        let (lifecycle, now) = Lifecycle::install(&self.me);
        if let Some(mut inner) = borrow_for(&self.inner, "the page-lifecycle listeners") {
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
        if self.disposed.get() {
            return;
        }
        self.push(input);
        self.drain();
    }

    fn push(&self, input: Input) {
        if let Some(mut pending) = borrow_for(&self.pending, "an input") {
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
                let has_input =
                    borrow_for(&self.pending, "the input queue").is_some_and(|p| !p.is_empty());
                if has_input {
                    self.settle_tab(&mut inner, &mut outputs);
                }
                loop {
                    // Disposed from inside a hook: stop here, let go below.
                    if self.disposed.get() {
                        break;
                    }
                    let Some(input) = borrow_for(&self.pending, "the input queue")
                        .and_then(|mut p| p.pop_front())
                    else {
                        break;
                    };
                    // Read only when there is work: a send with nothing
                    // pending pays for no clock.
                    let now = self.clock.now();
                    let queued = inner.engine.outbox_len().0;
                    inner.engine.handle(now, input);
                    self.execute(&mut inner, &mut outputs);
                    if inner.engine.outbox_len().0 < queued {
                        outputs.push(Output::Room);
                    }
                }
                outputs
            };
            if self.disposed.get() {
                // shutdown() could not take the engine while a hook ran.
                self.release();
                return;
            }
            if outputs.is_empty() {
                return;
            }
            self.outlet.deliver(self, outputs);
        }
    }

    /// Sends now or queues, with the engine's verdict; the frame comes back
    /// with a refusal.
    pub fn send(
        self: &Rc<Self>,
        frame: Frame,
        ttl: Option<core::time::Duration>,
    ) -> Result<SendOutcome, Refused> {
        self.submit(Payload::Frame(frame), None, ttl)
    }

    /// Sends or queues a JS value (a string or binary data) of `len` bytes
    /// (UTF-8 for text), as the outlet measured it. It stays a JS value: sent
    /// as it is when the socket takes it now; kept while it waits, binary
    /// data as a copy (on the JS heap, never in wasm memory), as the
    /// platform's `send()` copies it, so that an app reusing its buffer does
    /// not change a message already sent. `None`: not a string or binary data.
    pub fn send_kept(
        self: &Rc<Self>,
        value: JsValue,
        len: usize,
    ) -> Option<Result<SendOutcome, Refused>> {
        if !transport::is_frame_value(&value) {
            return None;
        }
        if self.resumes && !value.is_string() {
            // Binary data goes in the protocol's envelope: the engine keeps
            // it until acknowledged. A Blob cannot be read in time and is
            // refused.
            let frame = transport::frame_from_js(&value)?;
            return Some(self.submit(Payload::Frame(frame), None, None));
        }
        Some(self.submit(Payload::Kept(len), Some(value), None))
    }

    fn submit(
        self: &Rc<Self>,
        payload: Payload,
        value: Option<JsValue>,
        ttl: Option<core::time::Duration>,
    ) -> Result<SendOutcome, Refused> {
        if self.disposed.get() {
            return Err(Refused::Engine(SubmitError::Closed(payload)));
        }
        let (result, outputs) = {
            let Ok(mut inner) = self.inner.try_borrow_mut() else {
                return Err(Refused::Busy(payload));
            };
            let inner = &mut *inner;
            let mut outputs = Vec::new();
            self.settle_tab(inner, &mut outputs);
            // An open socket with nothing queued takes a frame at once: no
            // command queue, no clock.
            let now = match &payload {
                Payload::Frame(frame) => inner.engine.send_now(frame.len()),
                Payload::Kept(_) => None,
            };
            let result = match (now, payload) {
                (Some((socket, id)), Payload::Frame(frame)) => {
                    // "Sent" means handed to an open socket; a socket that
                    // refused it (already closing) put it back in the outbox.
                    if self.transmit(inner, socket, Some(id), Payload::Frame(frame)) {
                        Ok(SendOutcome::Sent(id))
                    } else {
                        Ok(SendOutcome::Queued(id))
                    }
                }
                (_, payload) => inner.engine.send(self.clock.now(), payload, ttl),
            };
            // Kept before the commands run: a transmit or a drop of this
            // very message needs its value. One that waits is a copy.
            match (&result, value) {
                (Ok(SendOutcome::Sent(id)), Some(value)) => inner.keep(*id, value),
                (Ok(outcome), Some(value)) => {
                    inner.keep(outcome.id(), transport::kept_copy(&value))
                }
                _ => {}
            }
            self.execute(inner, &mut outputs);
            // "Sent" means handed to an open socket: a kept value still kept
            // was refused (the socket is closing) and is back in the outbox.
            // (The resume session keeps every value until acknowledged.)
            let result = match result {
                Ok(SendOutcome::Sent(id)) if !self.resumes && inner.kept_at(id).is_some() => {
                    Ok(SendOutcome::Queued(id))
                }
                other => other,
            };
            (result, outputs)
        };
        if !outputs.is_empty() {
            self.outlet.deliver(self, outputs);
        }
        self.drain();
        result.map_err(Refused::Engine)
    }

    /// A user close, checked at once.
    pub fn close(self: &Rc<Self>, code: u16, reason: &str) -> Result<(), CloseError> {
        CloseError::check(code, reason)?;
        self.input(Input::Close {
            code,
            reason: reason.to_owned(),
        });
        Ok(())
    }

    /// Runs `f` on the engine, unless it is busy (inside a hook), after the
    /// outlet's tab (so that counters count what it did itself).
    pub fn with_engine<R>(&self, f: impl FnOnce(&mut Engine) -> R) -> Option<R> {
        let mut outputs = Vec::new();
        let result = self.inner.try_borrow_mut().ok().map(|mut inner| {
            self.settle_tab(&mut inner, &mut outputs);
            f(&mut inner.engine)
        });
        if let (false, Some(me)) = (outputs.is_empty(), self.me.upgrade()) {
            self.outlet.deliver(&me, outputs);
        }
        result
    }

    /// The current state (`None` inside a hook).
    pub fn state(&self) -> Option<State> {
        self.with_state(State::clone)
    }

    /// `f` of the current state, without a copy (`None` inside a hook).
    pub fn with_state<R>(&self, f: impl FnOnce(&State) -> R) -> Option<R> {
        if self.disposed.get() {
            return Some(f(&State::Closed(ClosedReason::User {
                code: 1000,
                reason: "disposed".into(),
            })));
        }
        self.inner
            .try_borrow()
            .ok()
            .map(|inner| f(inner.engine.state()))
    }

    /// Takes every queued message out of the outbox.
    pub fn drain_outbox(self: &Rc<Self>) -> Vec<(MessageId, Queued)> {
        let drained = self
            .inner
            .try_borrow_mut()
            .map(|mut inner| {
                let payloads = inner.engine.drain_outbox();
                payloads
                    .into_iter()
                    .filter_map(|(id, payload)| Some((id, inner.queued(id, payload)?)))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if !drained.is_empty() {
            self.outlet.deliver(self, vec![Output::Room]);
        }
        drained
    }

    /// The queued messages, oldest first (copies; they stay queued).
    pub fn outbox(&self) -> Vec<Queued> {
        let Ok(inner) = self.inner.try_borrow() else {
            return Vec::new();
        };
        inner
            .engine
            .outbox()
            .filter_map(|(id, payload)| match payload {
                Payload::Frame(f) => Some(Queued::Frame(f.clone())),
                Payload::Kept(_) => {
                    let (_, value) = inner.kept.get(inner.kept_at(id)?)?;
                    Some(Queued::Js(value.value()))
                }
            })
            .collect()
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
    /// Inside a hook the engine is busy: the loop that runs the hook lets
    /// go as soon as the hook returns.
    pub fn shutdown(&self) {
        self.disposed.set(true);
        self.release();
    }

    fn release(&self) {
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            if let Some(transport) = inner.transport.take() {
                transport.close(1000, "");
            }
            inner.lifecycle = None;
        }
        if let Some(mut wakeup) = borrow_for(&self.wakeup, "clearing the timer") {
            drop(wakeup.take());
        }
    }

    pub(super) fn timer_fired(self: &Rc<Self>) {
        // Keep the fired timeout (and so its closure) alive until we return.
        let _fired = borrow_for(&self.wakeup, "a fired timer").and_then(|mut t| t.take());
        self.input(Input::Timeout);
    }

    pub(super) fn platform_event(self: &Rc<Self>, input: Input) {
        self.input(input);
    }

    /// An event of a socket, kept in arrival order (see [`inbound`]).
    pub(super) fn socket_event(self: &Rc<Self>, event: transport::Event) {
        inbound::receive(self, &self.inbound, event);
    }

    /// A Blob read asynchronously: it and the events behind it go on.
    pub(super) fn blob_read(self: &Rc<Self>, seq: u64, ready: Ready) {
        for r in inbound::fill(&self.inbound, seq, ready) {
            self.apply(r);
        }
    }

    /// One socket event, in order. A message (the runtime's own listener's:
    /// an outlet with a listener of its own receives them there) is copied
    /// into a frame for the engine, unless it is over the size limit.
    pub(super) fn apply(self: &Rc<Self>, ready: Ready) {
        match ready {
            Ready::Event(transport::Event::Input(input)) => self.input(input),
            Ready::Event(transport::Event::Message(socket, data)) => {
                let (smallest, _) = transport::js_len_bounds(&data).unwrap_or((0, 0));
                // With resume on none may be skipped (frames are numbered by
                // their place): the outlet applies the limit to what comes out.
                if smallest > self.max_message_size && !self.resumes {
                    // Too large: never copied into wasm memory. It still
                    // proves the link alive.
                    self.input(Input::Arrived { socket });
                    let kind = if data.is_string() { "text" } else { "binary" };
                    let too_large = Output::TooLarge {
                        kind,
                        size: smallest,
                    };
                    self.outlet.deliver(self, vec![too_large]);
                } else if let Some(frame) = transport::frame_from_js(&data) {
                    // Text may be copied up to three times the limit before
                    // its exact size is known; the outlet checks that.
                    self.input(Input::Received { socket, frame });
                }
            }
            Ready::Unreadable(what) => self.outlet.deliver(self, vec![Output::Unreadable(what)]),
        }
    }

    /// What the engine needs of each frame that the outlet's own listener
    /// receives (it depends on the configuration alone).
    pub fn frame_need(&self) -> FrameNeed {
        self.with_engine(|e| e.frame_need())
            .unwrap_or(FrameNeed::Content)
    }

    /// The current socket's id, if `target` (a message event's target) is
    /// its platform socket.
    fn socket_of(&self, target: &JsValue) -> Option<SocketId> {
        let inner = self.inner.try_borrow().ok()?;
        let t = inner.transport.as_ref()?;
        t.is(target).then(|| t.id())
    }

    /// The outlet's listener received a frame on `target` that it delivers
    /// itself, and the engine needs its arrival ([`FrameNeed::Arrival`]).
    pub fn frame_arrived(self: &Rc<Self>, target: &JsValue) {
        if let Some(socket) = self.socket_of(target) {
            self.input(Input::Arrived { socket });
        }
    }

    /// The outlet's listener received the text `data` on `target`, and the
    /// engine needs its arrival ([`FrameNeed::TextArrival`]): true when the
    /// outlet is to deliver it (false: a frame of a connection let go of,
    /// or the engine is busy and the text went in whole, to come back as
    /// [`Output::Frame`] in order).
    pub fn text_arrived(self: &Rc<Self>, target: &JsValue, data: &JsValue) -> bool {
        let Some(socket) = self.socket_of(target) else {
            return false;
        };
        let idle = self.inner.try_borrow_mut().is_ok()
            && self.pending.try_borrow().is_ok_and(|p| p.is_empty());
        if !idle {
            if let Some(frame) = transport::frame_from_js(data) {
                self.input(Input::Received { socket, frame });
            }
            return false;
        }
        self.deliver_arrived.set(false);
        self.input(Input::Arrived { socket });
        self.deliver_arrived.replace(false)
    }

    /// The outlet's listener received `data` on `target`, and the engine
    /// needs its content ([`FrameNeed::Content`]): the frame is copied in,
    /// and comes back as [`Output::Frame`] unless the engine keeps it (a pong).
    pub fn frame_received(self: &Rc<Self>, target: &JsValue, data: &JsValue) {
        if let (Some(socket), Some(frame)) =
            (self.socket_of(target), transport::frame_from_js(data))
        {
            self.input(Input::Received { socket, frame });
        }
    }

    /// With resume on: takes the outlet's [`Tab`] and tells the engine, before
    /// anything else reaches it: the texts sent directly are numbered and
    /// kept (their values until acknowledged), the texts delivered directly
    /// are counted as arrivals. The commands that follow run here.
    #[cfg(not(feature = "resume"))]
    fn settle_tab(&self, _inner: &mut Inner, _outputs: &mut [Output]) {}

    #[cfg(feature = "resume")]
    fn settle_tab(&self, inner: &mut Inner, outputs: &mut Vec<Output>) {
        if !self.resumes {
            return;
        }
        let Some(tab) = self.outlet.tab() else {
            return;
        };
        let Some(socket) = inner.direct else {
            super::diagnostics::dropped("a tab with no allowance");
            return;
        };
        for (at, len) in (0u32..).zip(tab.lengths) {
            match inner.engine.sent_kept_directly(socket, len as usize) {
                Some(id) => inner.keep_value(id, KeptValue::InTab(tab.values.clone(), at)),
                None => super::diagnostics::dropped("a text sent past its allowance"),
            }
        }
        if tab.arrived > 0 {
            let now = self.clock.now();
            for _ in 0..tab.arrived {
                inner.engine.handle(now, Input::Arrived { socket });
            }
        }
        self.execute(inner, outputs);
        // Those texts are delivered already.
        self.deliver_arrived.set(false);
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
                    let listener = self.outlet.message_listener();
                    match Transport::open(
                        socket,
                        &endpoint,
                        self.constructor.as_ref(),
                        listener.as_ref(),
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
                    if let Some(t) = inner.transport_of(socket) {
                        t.close(code, &reason);
                    }
                }
                Command::Discard { socket } => {
                    if inner.transport_of(socket).is_some() {
                        inner.transport = None;
                    }
                }
                Command::Transmit { socket, id, frame } => {
                    self.transmit(inner, socket, id, frame);
                }
                Command::Emit(Event::Dropped {
                    id,
                    frame: Payload::Kept(_),
                    reason,
                }) => match inner.take_kept(id) {
                    Some(data) => outputs.push(Output::DroppedKept { id, data, reason }),
                    None => super::diagnostics::dropped("a kept message's drop event"),
                },
                Command::Emit(Event::Acked { through }) => {
                    inner.release_kept(through);
                    outputs.push(Output::Event(Event::Acked { through }));
                }
                Command::Deliver(frame) => outputs.push(Output::Frame(frame)),
                Command::DeliverArrived => self.deliver_arrived.set(true),
                Command::QueryBufferedAmount => {
                    let amount = inner
                        .transport
                        .as_ref()
                        .map_or(0, Transport::buffered_amount);
                    inner
                        .engine
                        .handle(self.clock.now(), Input::BufferedAmount(amount));
                }
                Command::CheckSocket { socket } => {
                    if let Some(t) = inner.transport_of(socket).filter(|t| t.is_closing()) {
                        t.terminate();
                        inner
                            .engine
                            .handle(self.clock.now(), Input::PeerClosing { socket });
                    }
                }
                Command::Direct(allowance) => {
                    inner.direct = allowance.map(|a| a.socket);
                    let open = allowance
                        .and_then(|a| Some((inner.transport_of(a.socket)?.socket_value(), a)));
                    outputs.push(Output::Direct(open));
                }
                Command::Emit(event) => outputs.push(Output::Event(event)),
                // The engine is built with this adapter, so there is none; a
                // command added to one and not the other shows up here.
                _ => super::dropped("an engine command this adapter does not know"),
            }
        }
        // The engine's timers, as one platform timeout for the earliest.
        if !self.disposed.get() {
            if let Some(mut wakeup) = borrow_for(&self.wakeup, "arming the timer") {
                wakeup.sync(inner.engine.poll_timeout(), || self.clock.now(), &self.me);
            }
        }
    }

    /// Sends `frame` on `socket`; when that socket is gone or refuses it, the
    /// frame goes back to the engine (a user message is queued first).
    /// Returns whether the socket took it.
    fn transmit(
        &self,
        inner: &mut Inner,
        socket: SocketId,
        id: Option<MessageId>,
        frame: Payload,
    ) -> bool {
        let sent = match &frame {
            Payload::Frame(f) => inner.transport_of(socket).is_some_and(|t| t.send(f)),
            // The resume session's text: kept until acknowledged.
            Payload::Kept(_) if self.resumes => {
                let kept = id
                    .and_then(|id| inner.kept_at(id))
                    .and_then(|at| inner.kept.get(at));
                match kept {
                    Some((_, value)) => {
                        let value = value.value();
                        inner
                            .transport_of(socket)
                            .is_some_and(|t| t.send_js(&value))
                    }
                    None => {
                        super::diagnostics::dropped("a kept message's value");
                        false
                    }
                }
            }
            Payload::Kept(_) => match id.and_then(|id| inner.take_kept(id).map(|v| (id, v))) {
                Some((id, value)) => {
                    let sent = inner
                        .transport_of(socket)
                        .is_some_and(|t| t.send_js(&value));
                    if !sent {
                        // Back in the outbox: it waits, as a copy.
                        inner.keep(id, transport::kept_copy(&value));
                    }
                    sent
                }
                None => {
                    super::diagnostics::dropped("a kept message's value");
                    false
                }
            },
        };
        if !sent {
            let failed = Input::TransmitFailed { socket, id, frame };
            inner.engine.handle(self.clock.now(), failed);
        }
        sent
    }

    /// Counts bytes the outlet sent straight to the socket of its last
    /// [`Output::Direct`]; its allowance is reported again (or not, if sends
    /// are now held).
    pub fn sent_directly(self: &Rc<Self>, bytes: u64) {
        if self.disposed.get() {
            return;
        }
        let outputs = {
            let Some(mut inner) = borrow_for(&self.inner, "bytes sent directly") else {
                return;
            };
            if let Some(socket) = inner.direct {
                let now = self.clock.now();
                inner
                    .engine
                    .handle(now, Input::SentDirectly { socket, bytes });
            }
            let mut outputs = Vec::new();
            self.execute(&mut inner, &mut outputs);
            outputs
        };
        if !outputs.is_empty() {
            self.outlet.deliver(self, outputs);
        }
        self.drain();
    }
}
