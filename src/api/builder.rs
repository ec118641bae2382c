use core::time::Duration;
use std::future::Future;
use std::marker::PhantomData;

use futures::FutureExt;

use super::error::ConnectError;
use super::mailbox::{Mailbox, MailboxOutlet};
use super::socket::{Handle, Socket};
use super::url::UrlSource;
use crate::codec::Json;
use crate::engine::{
    BackoffConfig, BackpressureConfig, CloseInfo, Config, Frame, HeartbeatConfig, HiddenPolicy,
    OutboxConfig, ResumeConfig, Verdict,
};
use crate::web::Runtime;

/// The default largest inbound message: 16 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 << 20;

/// Configures and opens a [`Socket`].
///
/// ```no_run
/// use futures::StreamExt;
/// use serde::{Deserialize, Serialize};
/// use steadysocket::{Builder, RecvError};
///
/// #[derive(Debug, Serialize, Deserialize)]
/// struct Chat {
///     text: String,
/// }
///
/// async fn run() -> Result<(), Box<dyn std::error::Error>> {
///     let mut socket = Builder::<Chat>::new("wss://example.com/chat").connect()?;
///     socket.send(Chat { text: "hello".into() }).await?;
///     while let Some(message) = socket.next().await {
///         match message {
///             Ok(chat) => println!("{}", chat.text),
///             Err(RecvError::Closed(why)) => return Err(why.into()), // the last item
///             Err(bad_frame) => eprintln!("skipped: {bad_frame}"),
///         }
///     }
///     Ok(()) // the stream ended: closed by us or by the server's 1000
/// }
/// ```
pub struct Builder<In, Out = In, C = Json> {
    url: UrlSource,
    protocols: Vec<String>,
    codec: C,
    config: Config,
    max_message_size: usize,
    constructor: Option<js_sys::Function>,
    seed: Option<u64>,
    _types: PhantomData<fn(Out) -> In>,
}

impl<In, Out> Builder<In, Out, Json> {
    /// A socket to `url` with the JSON codec and default policies.
    pub fn new(url: impl Into<String>) -> Self {
        Builder::with_source(UrlSource::Fixed(url.into()))
    }

    /// A socket whose URL is asked for before every attempt (`attempt` is 0
    /// for the first of an episode): a fresh token each time, say. An `Err`
    /// counts as a failed attempt and is retried.
    pub fn with_url_fn(url: impl Fn(u32) -> Result<String, String> + 'static) -> Self {
        Builder::with_source(UrlSource::sync(url))
    }

    /// Like [`with_url_fn`](Self::with_url_fn), with an async provider (a token
    /// fetched from your server, say).
    pub fn with_async_url<F, Fut>(url: F) -> Self
    where
        F: Fn(u32) -> Fut + 'static,
        Fut: Future<Output = Result<String, String>> + 'static,
    {
        Builder::with_source(UrlSource::r#async(move |attempt| {
            url(attempt).boxed_local()
        }))
    }

    fn with_source(url: UrlSource) -> Self {
        Builder {
            url,
            protocols: Vec::new(),
            codec: Json,
            config: Config::default(),
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            constructor: None,
            seed: None,
            _types: PhantomData,
        }
    }
}

impl<In, Out, C> Builder<In, Out, C> {
    /// The codec: [`Json`] (default), [`Raw`](crate::codec::Raw),
    /// `MessagePack` (feature `msgpack`), or your own.
    pub fn codec<C2>(self, codec: C2) -> Builder<In, Out, C2> {
        Builder {
            url: self.url,
            protocols: self.protocols,
            codec,
            config: self.config,
            max_message_size: self.max_message_size,
            constructor: self.constructor,
            seed: self.seed,
            _types: PhantomData,
        }
    }

    /// Subprotocols to offer.
    pub fn protocols<S: Into<String>>(mut self, protocols: impl IntoIterator<Item = S>) -> Self {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Retry delays, caps and timeouts.
    pub fn backoff(mut self, backoff: BackoffConfig) -> Self {
        self.config.set_backoff(backoff);
        self
    }

    /// The outbox's bounds, overflow policy and time-to-live.
    pub fn outbox(mut self, outbox: OutboxConfig) -> Self {
        self.config.set_outbox(outbox);
        self
    }

    /// Turns on application-level heartbeats.
    pub fn heartbeat(mut self, heartbeat: HeartbeatConfig) -> Self {
        self.config.set_heartbeat(Some(heartbeat));
        self
    }

    /// Turns on the resume protocol: exactly-once, in-order delivery across
    /// reconnects with a server that speaks it (see the engine's
    /// `resume` module and docs/PROTOCOL.md in the repository), and
    /// [`Sender::send_acked`](super::Sender::send_acked). Needs the crate
    /// feature `resume`; without it `connect()` fails with a
    /// [`ConnectError::Config`](super::ConnectError::Config) saying so.
    pub fn resume(mut self, resume: ResumeConfig) -> Self {
        self.config.set_resume(Some(resume));
        self
    }

    /// Send-buffer watermarks.
    pub fn backpressure(mut self, backpressure: BackpressureConfig) -> Self {
        self.config.set_backpressure(backpressure);
        self
    }

    /// What to do while the page is hidden.
    pub fn hidden(mut self, policy: HiddenPolicy) -> Self {
        self.config.set_hidden(policy);
        self
    }

    /// How long a close waits for the server before letting go.
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.config.set_close_timeout(timeout);
        self
    }

    /// Decides reconnect or stop from a close; `None` keeps the default table.
    pub fn on_close(mut self, hook: impl FnMut(&CloseInfo) -> Option<Verdict> + 'static) -> Self {
        self.config.set_close_hook(Some(Box::new(hook)));
        self
    }

    /// Frames sent first on every open, before the outbox is flushed.
    pub fn handshake(mut self, hook: impl FnMut() -> Vec<Frame> + 'static) -> Self {
        self.config.set_handshake(Some(Box::new(hook)));
        self
    }

    /// The largest inbound message decoded; larger ones become
    /// [`RecvError::TooLarge`](super::RecvError::TooLarge) (default 16 MiB).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// A `WebSocket` constructor to use instead of the global one (the `ws`
    /// package on Node 20).
    pub fn websocket_constructor(mut self, constructor: js_sys::Function) -> Self {
        self.constructor = Some(constructor);
        self
    }

    /// Seeds the jitter (tests). By default each socket draws its own seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Checks the options and starts connecting in the background. Fails
    /// with [`ConnectError::Config`] for options that are out of range or do
    /// not fit together, and with [`ConnectError::NotWasm`] in a build that
    /// does not target wasm32 (the API compiles there, but cannot connect).
    pub fn connect(self) -> Result<Socket<In, Out, C>, ConnectError>
    where
        C: Clone,
    {
        self.config.validate()?;
        if !cfg!(target_arch = "wasm32") {
            return Err(ConnectError::NotWasm);
        }
        let seed = self.seed.unwrap_or_else(crate::web::random_seed);
        let mailbox = Mailbox::new(self.url, self.protocols, self.max_message_size);
        let runtime = Runtime::new(
            self.config,
            seed,
            self.max_message_size,
            self.constructor,
            Box::new(MailboxOutlet(mailbox.clone())),
        );
        runtime.start();
        let handle = Handle {
            runtime,
            mailbox,
            max_message_size: self.max_message_size,
        };
        Ok(Socket::new(handle, self.codec))
    }
}
