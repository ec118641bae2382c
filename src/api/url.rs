use std::rc::{Rc, Weak};

use futures::future::LocalBoxFuture;

use crate::engine::{Endpoint, SocketId};
use crate::web::Runtime;

type SyncProvider = Rc<dyn Fn(u32) -> Result<String, String>>;
type AsyncProvider = Rc<dyn Fn(u32) -> LocalBoxFuture<'static, Result<String, String>>>;

/// Where each attempt connects: asked before every attempt, so that a token in
/// the URL can be refreshed.
#[derive(Clone)]
pub(crate) enum UrlSource {
    Fixed(String),
    Sync(SyncProvider),
    Async(AsyncProvider),
}

impl UrlSource {
    pub fn sync(f: impl Fn(u32) -> Result<String, String> + 'static) -> UrlSource {
        UrlSource::Sync(Rc::new(f))
    }

    pub fn r#async(
        f: impl Fn(u32) -> LocalBoxFuture<'static, Result<String, String>> + 'static,
    ) -> UrlSource {
        UrlSource::Async(Rc::new(f))
    }

    /// Answers the runtime's request for the endpoint of `attempt`.
    pub fn resolve(
        &self,
        runtime: &Rc<Runtime>,
        socket: SocketId,
        attempt: u32,
        protocols: &[String],
    ) {
        let endpoint = |url: String| Endpoint::new(url, protocols.to_vec());
        match self {
            UrlSource::Fixed(url) => runtime.resolved(socket, Ok(endpoint(url.clone()))),
            UrlSource::Sync(f) => runtime.resolved(socket, f(attempt).map(endpoint)),
            UrlSource::Async(f) => {
                let future = f(attempt);
                let weak: Weak<Runtime> = Rc::downgrade(runtime);
                let protocols = protocols.to_vec();
                wasm_bindgen_futures::spawn_local(async move {
                    let result = future.await;
                    if let Some(runtime) = weak.upgrade() {
                        runtime.resolved(socket, result.map(|url| Endpoint::new(url, protocols)));
                    }
                });
            }
        }
    }
}
