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
use steadysocket_server::{Message, ResumeServer, Session, Settings, WsFrame};
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
