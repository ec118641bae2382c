//! The adapter driven natively through `serve` over an in-memory WebSocket
//! (channels of `WsFrame`s): the welcome, client messages handed out one at
//! a time with their sequence numbers, the commit point (an ack only once
//! the `Incoming` is dropped), and a send arriving as a text frame. The
//! conformance suite (tests/conformance in the repository) covers the rest
//! over real sockets.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{Sink, Stream};
use steadysocket_engine::resume::{Outcome, WireFrame};
use steadysocket_server::{
    MemoryStore, Message, ResumeServer, Session, Settings, WsFrame, CLOSE_SUPERSEDED,
};
use tokio::sync::mpsc;

/// One end of an in-memory WebSocket: frames in from the test, frames out to it.
struct Pipe {
    inbound: mpsc::UnboundedReceiver<WsFrame>,
    outbound: mpsc::UnboundedSender<WsFrame>,
}

impl Stream for Pipe {
    type Item = Result<WsFrame, ()>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inbound.poll_recv(cx).map(|f| f.map(Ok))
    }
}

impl Sink<WsFrame> for Pipe {
    type Error = ();
    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
        Poll::Ready(Ok(()))
    }
    fn start_send(self: Pin<&mut Self>, item: WsFrame) -> Result<(), ()> {
        self.outbound.send(item).map_err(|_| ())
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
        Poll::Ready(Ok(()))
    }
}

async fn next(rx: &mut mpsc::UnboundedReceiver<WsFrame>) -> WsFrame {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a frame in time")
        .expect("the connection is open")
}

#[tokio::test]
async fn messages_come_one_at_a_time_with_their_numbers_and_are_acknowledged_when_dropped() {
    let sessions: Arc<Mutex<Vec<Session>>> = Arc::default();
    let kept = sessions.clone();
    let settings = Settings::default().ack_delay(Duration::from_millis(20));
    let server = ResumeServer::new(settings, move |s| kept.lock().unwrap().push(s));
    let (to_server, inbound) = mpsc::unbounded_channel();
    let (outbound, mut from_server) = mpsc::unbounded_channel();
    let serving = tokio::spawn({
        let server = server.clone();
        async move {
            let pipe = Pipe { inbound, outbound };
            server
                .serve(pipe, "steadysocket.resume.v1", Some("alice".into()))
                .await
        }
    });
    let hello = WireFrame::Hello { resume: None }.encode();
    to_server.send(WsFrame::Binary(hello)).unwrap();
    let WsFrame::Binary(welcome) = next(&mut from_server).await else {
        panic!("the welcome is a binary frame");
    };
    let Ok(WireFrame::Welcome { outcome, last, .. }) = WireFrame::decode(&welcome) else {
        panic!("a welcome");
    };
    assert_eq!((outcome, last), (Outcome::New, 0));
    let session = sessions
        .lock()
        .unwrap()
        .pop()
        .expect("the session was handed over");
    assert_eq!(session.identity(), "alice");

    to_server.send(WsFrame::Text("one".into())).unwrap();
    to_server.send(WsFrame::Text("two".into())).unwrap();
    let first = session.recv().await.expect("the first message");
    assert_eq!(
        (first.seq(), first.message()),
        (1, &Message::Text("one".into()))
    );
    // The second waits until the first is processed, and nothing is
    // acknowledged before that.
    let early = tokio::time::timeout(Duration::from_millis(100), session.recv()).await;
    assert!(
        early.is_err(),
        "the next message came before the first was processed"
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(50), from_server.recv())
            .await
            .is_err()
    );
    drop(first);
    let second = session.recv().await.expect("the second message");
    assert_eq!(second.seq(), 2);
    drop(second);
    // Both acknowledged, within the ack delay.
    let WsFrame::Binary(ack) = next(&mut from_server).await else {
        panic!("an ack frame");
    };
    assert_eq!(WireFrame::decode(&ack), Ok(WireFrame::Ack(2)));

    // A send arrives as the text frame it is.
    session.send(Message::Text("hi".into())).await.unwrap();
    let WsFrame::Text(text) = next(&mut from_server).await else {
        panic!("a text frame");
    };
    assert_eq!(text, "hi");
    assert_eq!(session.unacked(), 1);
    drop(to_server);
    serving.await.unwrap();
    assert!(!session.connected());
}

/// A client connection to `server`: frames to it, frames from it.
struct Client {
    to: mpsc::UnboundedSender<WsFrame>,
    from: mpsc::UnboundedReceiver<WsFrame>,
}

impl Client {
    /// Connects and sends a hello (a resume of `resume`: id, last server
    /// sequence processed); returns the client and the welcome's outcome,
    /// session id and last client sequence.
    async fn hello(
        server: &ResumeServer,
        resume: Option<(Vec<u8>, u64)>,
    ) -> (Client, Outcome, Vec<u8>, u64) {
        let (to, inbound) = mpsc::unbounded_channel();
        let (outbound, mut from) = mpsc::unbounded_channel();
        let server = server.clone();
        tokio::spawn(async move {
            let pipe = Pipe { inbound, outbound };
            server
                .serve(pipe, "steadysocket.resume.v1", Some("alice".into()))
                .await
        });
        to.send(WsFrame::Binary(WireFrame::Hello { resume }.encode()))
            .unwrap();
        let WsFrame::Binary(welcome) = next(&mut from).await else {
            panic!("the welcome is a binary frame");
        };
        let Ok(WireFrame::Welcome {
            outcome,
            session,
            last,
        }) = WireFrame::decode(&welcome)
        else {
            panic!("a welcome");
        };
        (Client { to, from }, outcome, session, last)
    }
}

fn sessions() -> (
    Arc<Mutex<Vec<Session>>>,
    impl Fn(Session) + Send + Sync + 'static,
) {
    let sessions: Arc<Mutex<Vec<Session>>> = Arc::default();
    let kept = sessions.clone();
    (sessions, move |s| kept.lock().unwrap().push(s))
}

fn last(sessions: &Arc<Mutex<Vec<Session>>>) -> Session {
    sessions
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("a session was handed over")
}

#[tokio::test]
async fn two_servers_sharing_a_store_hand_a_session_over_and_fence_the_one_left_behind() {
    let store = Arc::new(MemoryStore::new());
    let (on_a, handed_a) = sessions();
    let (on_b, handed_b) = sessions();
    let a = ResumeServer::with_store(Settings::default(), store.clone(), handed_a);
    let b = ResumeServer::with_store(Settings::default(), store.clone(), handed_b);
    let (mut first, outcome, id, _) = Client::hello(&a, None).await;
    assert_eq!(outcome, Outcome::New);
    let at_a = last(&on_a);
    at_a.send(Message::Text("a1".into())).await.unwrap();
    assert!(matches!(next(&mut first.from).await, WsFrame::Text(t) if t == "a1"));

    // The client resumes on the other server without acknowledging a1: it
    // is replayed from the store, and b's application gets the session.
    let (mut second, outcome, same, _) = Client::hello(&b, Some((id.clone(), 0))).await;
    assert_eq!((outcome, same), (Outcome::Resumed, id));
    assert!(matches!(next(&mut second.from).await, WsFrame::Text(t) if t == "a1"));
    let at_b = last(&on_b);
    assert_eq!(at_b.sent(), 1);

    // The server left behind is fenced: its send fails, its session ends
    // there, its connection is closed as superseded.
    assert!(at_a.send(Message::Text("a2".into())).await.is_err());
    assert!(at_a.ended());
    assert!(
        matches!(next(&mut first.from).await, WsFrame::Close(code, _) if code == CLOSE_SUPERSEDED)
    );
    // The session goes on at b, numbered after a1.
    at_b.send(Message::Text("b2".into())).await.unwrap();
    assert!(matches!(next(&mut second.from).await, WsFrame::Text(t) if t == "b2"));
    assert_eq!(at_b.sent(), 2);
    drop(second.to);
}

#[tokio::test]
async fn the_total_replay_cap_counts_what_sessions_still_hold() {
    let (on, handed) = sessions();
    let settings = Settings::default()
        .max_total_replay_bytes(10)
        .session_ttl(Duration::from_millis(200));
    let server = ResumeServer::new(settings, handed);
    let (first, _, id, _) = Client::hello(&server, None).await;
    let a = last(&on);
    a.send(Message::Text("12345678".into())).await.unwrap();
    assert_eq!(server.replay_bytes(), 8);
    drop(first);
    // A resume telling the client processed it gives its bytes back.
    let (again, outcome, _, _) = Client::hello(&server, Some((id, 1))).await;
    assert_eq!(outcome, Outcome::Resumed);
    assert_eq!(server.replay_bytes(), 0);
    drop(again);
    // Kept, then the session expires with it unacknowledged: given back.
    a.send(Message::Text("abcdefgh".into())).await.unwrap();
    assert_eq!(server.replay_bytes(), 8);
    tokio::time::timeout(Duration::from_secs(2), async {
        while server.replay_bytes() != 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("an expired session's bytes given back");
    assert!(a.ended());
    // So another session's send does not wait on bytes nobody holds.
    let (_other, _, _, _) = Client::hello(&server, None).await;
    let b = last(&on);
    tokio::time::timeout(
        Duration::from_secs(1),
        b.send(Message::Text("ABCDEFGH".into())),
    )
    .await
    .expect("the send waited for room held by an ended session")
    .unwrap();
}
