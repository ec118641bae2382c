//! [`RedisStore`]: sessions in Redis, shared by every server process (Rust
//! or Node) that uses the same Redis and prefix, so that a client resumes on
//! whichever process a load balancer picks and a session outlives the
//! process that held it. The key layout is docs/PROTOCOL.md's "Sessions in
//! Redis"; each change is one Lua script (the files in `redis/`, which the
//! Node adapter sends too), atomic, checking the session's epoch in the
//! same step.

use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::{Script, Value};

use crate::store::{Claimed, Record, Store, StoreError, StoreFuture};
use crate::Message;

/// The scripts' files, by name (as the Node adapter's build reads them).
const FILES: [(&str, &str); 9] = [
    ("check_epoch", include_str!("../redis/check_epoch.lua")),
    ("release", include_str!("../redis/release.lua")),
    ("create", include_str!("../redis/create.lua")),
    ("claim", include_str!("../redis/claim.lua")),
    ("append", include_str!("../redis/append.lua")),
    ("processed", include_str!("../redis/processed.lua")),
    ("acked", include_str!("../redis/acked.lua")),
    ("touch", include_str!("../redis/touch.lua")),
    ("rate", include_str!("../redis/rate.lua")),
];

/// Script `name` as sent: its includes in place, its comment lines left
/// out (as scripts/gen-redis-scripts.mjs does for the Node adapter).
fn compose(name: &str) -> String {
    let text = FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, t)| t);
    text.lines()
        .map(|line| match line.strip_prefix("-- include: ") {
            Some(included) => compose(included),
            None => line.to_owned(),
        })
        .filter(|line| !line.is_empty() && !line.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
}

struct Scripts {
    create: Script,
    claim: Script,
    append: Script,
    processed: Script,
    acked: Script,
    touch: Script,
    rate: Script,
}

/// Sessions in Redis, under a key prefix (default `steadysocket:`) every
/// process of the fleet shares. Reconnects to Redis on its own (the redis
/// crate's `ConnectionManager`); a change that fails ends the session in
/// the process that asked (its connection is closed, the client resumes
/// elsewhere or later).
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    scripts: Scripts,
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://host:port/db`).
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        use redis::IntoConnectionInfo;
        // Without TCP_NODELAY, a command written while the reply to the
        // one before is on its way waits for Redis's delayed ACK (40 ms).
        let tcp = redis::io::tcp::TcpSettings::default().set_nodelay(true);
        let info = url.into_connection_info().map_err(failed)?;
        let client = redis::Client::open(info.set_tcp_settings(tcp)).map_err(failed)?;
        let connection = client.get_connection_manager().await.map_err(failed)?;
        Ok(RedisStore::new(connection))
    }

    /// A store over a connection of your own.
    pub fn new(connection: ConnectionManager) -> RedisStore {
        let script = |name| Script::new(&compose(name));
        RedisStore {
            connection,
            prefix: "steadysocket:".to_owned(),
            scripts: Scripts {
                create: script("create"),
                claim: script("claim"),
                append: script("append"),
                processed: script("processed"),
                acked: script("acked"),
                touch: script("touch"),
                rate: script("rate"),
            },
        }
    }

    /// Keys start with `prefix` (the same in every process of a fleet).
    pub fn prefix(mut self, prefix: &str) -> RedisStore {
        prefix.clone_into(&mut self.prefix);
        self
    }

    fn keys(&self, id: &str) -> [String; 2] {
        [
            format!("{}session:{id}", self.prefix),
            format!("{}replay:{id}", self.prefix),
        ]
    }

    /// Runs `script` on session `id`'s keys with `args`.
    fn run<'a>(
        &'a self,
        script: &'a Script,
        id: &str,
        args: Vec<Vec<u8>>,
    ) -> StoreFuture<'a, Value> {
        let [session, replay] = self.keys(id);
        let mut connection = self.connection.clone();
        Box::pin(async move {
            let mut call = script.key(session);
            call.key(replay);
            for arg in args {
                call.arg(arg);
            }
            call.invoke_async(&mut connection).await.map_err(failed)
        })
    }
}

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Failed(e.to_string())
}

/// An argument as bytes.
fn arg(v: impl ToString) -> Vec<u8> {
    v.to_string().into_bytes()
}

fn ms(d: Duration) -> Vec<u8> {
    arg(d.as_millis().max(1))
}

/// A reply's bytes (a string of any kind).
fn bytes(v: &Value) -> Option<&[u8]> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}

/// A number, as an integer or its digits.
fn number(v: &Value) -> Result<u64, StoreError> {
    match v {
        Value::Int(n) => u64::try_from(*n).ok(),
        v => bytes(v).and_then(|b| std::str::from_utf8(b).ok()?.parse().ok()),
    }
    .ok_or_else(|| failed(format!("expected a number, got {v:?}")))
}

fn text(v: &Value) -> Result<String, StoreError> {
    bytes(v)
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .ok_or_else(|| failed(format!("expected text, got {v:?}")))
}

/// Whether the reply is the word `word` (`fenced`, `full`, ...).
fn is(v: &Value, word: &str) -> bool {
    bytes(v) == Some(word.as_bytes())
}

/// A number, or `Fenced` for the word "fenced".
fn counted(v: &Value) -> Result<u64, StoreError> {
    if is(v, "fenced") {
        return Err(StoreError::Fenced);
    }
    number(v)
}

const TEXT: u8 = b't';
const BINARY: u8 = b'b';

/// A replay list item: a type byte, then the message's bytes.
fn item(m: &Message) -> Vec<u8> {
    let (kind, payload) = match m {
        Message::Text(t) => (TEXT, t.as_bytes()),
        Message::Binary(b) => (BINARY, b.as_slice()),
    };
    let mut out = Vec::with_capacity(payload.len() + 1);
    out.push(kind);
    out.extend_from_slice(payload);
    out
}

fn message(v: &Value) -> Result<Message, StoreError> {
    match bytes(v).and_then(|b| b.split_first()) {
        Some((&TEXT, rest)) => String::from_utf8(rest.to_vec())
            .map(Message::Text)
            .map_err(failed),
        Some((&BINARY, rest)) => Ok(Message::Binary(rest.to_vec())),
        _ => Err(failed(format!("a replay item of an unknown type: {v:?}"))),
    }
}

impl Store for RedisStore {
    fn create<'a>(
        &'a self,
        id: &'a str,
        identity: &'a str,
        protocol: &'a str,
        ttl: Duration,
    ) -> StoreFuture<'a, ()> {
        let call = self.run(
            &self.scripts.create,
            id,
            vec![arg(identity), arg(protocol), ms(ttl)],
        );
        Box::pin(async move { call.await.map(|_| ()) })
    }

    fn claim<'a>(
        &'a self,
        id: &'a str,
        identity: &'a str,
        last_server: Option<u64>,
        ttl: Duration,
    ) -> StoreFuture<'a, Claimed> {
        let last = last_server.map_or_else(|| arg(-1), arg);
        let call = self.run(&self.scripts.claim, id, vec![arg(identity), last, ms(ttl)]);
        Box::pin(async move {
            let reply = call.await?;
            let fields = match &reply {
                Value::Array(fields) if fields.len() == 8 => fields,
                v if is(v, "range") => return Ok(Claimed::Range),
                _ => return Ok(Claimed::Lost),
            };
            let items = match &fields[7] {
                Value::Array(items) => items.iter().map(message).collect::<Result<Vec<_>, _>>()?,
                v => return Err(failed(format!("expected the replay list, got {v:?}"))),
            };
            let mut record = Record::new(&text(&fields[0])?, &text(&fields[1])?);
            record.epoch = number(&fields[2])?;
            record.processed = number(&fields[3])?;
            record.sent = number(&fields[4])?;
            record.acked = number(&fields[5])?;
            record.unacked_bytes = number(&fields[6])? as usize;
            record.unacked = items;
            Ok(Claimed::Held(record))
        })
    }

    fn append<'a>(
        &'a self,
        id: &'a str,
        epoch: u64,
        message: &'a Message,
        max_messages: usize,
        max_bytes: usize,
    ) -> StoreFuture<'a, Option<u64>> {
        let call = self.run(
            &self.scripts.append,
            id,
            vec![arg(epoch), item(message), arg(max_messages), arg(max_bytes)],
        );
        Box::pin(async move {
            let reply = call.await?;
            if is(&reply, "full") {
                return Ok(None);
            }
            counted(&reply).map(Some)
        })
    }

    fn processed<'a>(&'a self, id: &'a str, epoch: u64, seq: u64) -> StoreFuture<'a, ()> {
        let call = self.run(&self.scripts.processed, id, vec![arg(epoch), arg(seq)]);
        Box::pin(async move { counted(&call.await?).map(|_| ()) })
    }

    fn acked<'a>(&'a self, id: &'a str, epoch: u64, ack: u64) -> StoreFuture<'a, Option<usize>> {
        let call = self.run(&self.scripts.acked, id, vec![arg(epoch), arg(ack)]);
        Box::pin(async move {
            let reply = call.await?;
            if is(&reply, "range") {
                return Ok(None);
            }
            counted(&reply).map(|freed| Some(freed as usize))
        })
    }

    fn touch<'a>(&'a self, id: &'a str, epoch: u64, ttl: Duration) -> StoreFuture<'a, ()> {
        let call = self.run(&self.scripts.touch, id, vec![arg(epoch), ms(ttl)]);
        Box::pin(async move { counted(&call.await?).map(|_| ()) })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        let keys = self.keys(id);
        let mut connection = self.connection.clone();
        Box::pin(async move {
            redis::cmd("DEL")
                .arg(&keys[..])
                .query_async::<Value>(&mut connection)
                .await
                .map(|_| ())
                .map_err(failed)
        })
    }

    fn rate_limit<'a>(&'a self, key: &'a str, per_minute: usize) -> StoreFuture<'a, bool> {
        let mut connection = self.connection.clone();
        let key = format!("{}rate:{key}", self.prefix);
        Box::pin(async move {
            let n = self
                .scripts
                .rate
                .key(key)
                .invoke_async::<Value>(&mut connection)
                .await
                .map_err(failed)?;
            Ok(number(&n)? <= per_minute as u64)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::compose;

    #[test]
    fn includes_are_put_in_place_and_comments_left_out() {
        let claim = compose("claim");
        assert!(claim.contains("local function release(upto)"), "{claim}");
        assert!(!claim.contains("--"), "{claim}");
        assert!(claim.starts_with("local function release"), "{claim}");
        let acked = compose("acked");
        assert!(
            acked.starts_with("local epoch = redis.call('HGET', KEYS[1], 'epoch')"),
            "{acked}"
        );
    }
}
