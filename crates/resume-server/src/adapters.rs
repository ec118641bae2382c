//! The WebSocket libraries a tokio server uses: axum's `WebSocket` and
//! tokio-tungstenite's `WebSocketStream`, each mapped to [`WsFrame`]s.

#[cfg(any(feature = "axum", feature = "tungstenite"))]
use futures_util::{future, SinkExt, StreamExt};

#[cfg(any(feature = "axum", feature = "tungstenite"))]
use crate::link::WsFrame;
use crate::ResumeServer;

#[cfg(feature = "axum")]
mod axum_ws {
    use super::*;
    use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
    use axum::http::HeaderValue;

    fn from_axum(m: Message) -> WsFrame {
        match m {
            Message::Text(t) => WsFrame::Text(t.as_str().to_owned()),
            Message::Binary(b) => WsFrame::Binary(b.to_vec()),
            Message::Close(c) => WsFrame::Close(c.map_or(1005, |c| c.code), String::new()),
            _ => WsFrame::Other,
        }
    }

    fn to_axum(f: WsFrame) -> Message {
        match f {
            WsFrame::Text(t) => Message::Text(t.into()),
            WsFrame::Binary(b) => Message::Binary(b.into()),
            WsFrame::Close(code, reason) => Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })),
            WsFrame::Other => Message::Binary(Vec::new().into()),
        }
    }

    impl ResumeServer {
        /// Chooses the protocol for an axum upgrade
        /// ([`select_protocol`](Self::select_protocol), any application
        /// protocol accepted): the upgrade answering it, and the protocol
        /// ("" when the client did not offer resume: a plain WebSocket, the
        /// application's to handle).
        pub fn upgrade(&self, ws: WebSocketUpgrade) -> (WebSocketUpgrade, String) {
            let offered: Vec<String> = ws
                .requested_protocols()
                .filter_map(|p| p.to_str().ok())
                .flat_map(|p| p.split(','))
                .map(|p| p.trim().to_owned())
                .collect();
            let chosen = Self::select_protocol(offered.iter().map(String::as_str), |_| true);
            match chosen.as_deref().map(HeaderValue::from_str) {
                Some(Ok(value)) => {
                    let mut ws = ws;
                    ws.set_selected_protocol(value);
                    (ws, chosen.unwrap_or_default())
                }
                _ => (ws, String::new()),
            }
        }

        /// [`serve`](Self::serve) for axum's WebSocket.
        pub async fn serve_axum(
            &self,
            socket: WebSocket,
            protocol: &str,
            identity: Option<String>,
        ) {
            let socket = socket
                .with(|f: WsFrame| future::ready(Ok::<_, axum::Error>(to_axum(f))))
                .map(|m| m.map(from_axum));
            self.serve(socket, protocol, identity).await;
        }
    }
}

#[cfg(feature = "tungstenite")]
mod tungstenite_ws {
    use super::*;
    use tokio::io::{AsyncRead, AsyncWrite};
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    use tokio_tungstenite::tungstenite::{Error, Message};
    use tokio_tungstenite::WebSocketStream;

    fn from_tungstenite(m: Message) -> WsFrame {
        match m {
            Message::Text(t) => WsFrame::Text(t.as_str().to_owned()),
            Message::Binary(b) => WsFrame::Binary(b.to_vec()),
            Message::Close(c) => WsFrame::Close(c.map_or(1005, |c| c.code.into()), String::new()),
            _ => WsFrame::Other,
        }
    }

    fn to_tungstenite(f: WsFrame) -> Message {
        match f {
            WsFrame::Text(t) => Message::text(t),
            WsFrame::Binary(b) => Message::binary(b),
            WsFrame::Close(code, reason) => Message::Close(Some(CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            })),
            WsFrame::Other => Message::binary(Vec::new()),
        }
    }

    impl ResumeServer {
        /// [`serve`](Self::serve) for tokio-tungstenite's stream (accepted
        /// with the protocol of [`select_protocol`](Self::select_protocol)
        /// in its response).
        pub async fn serve_tungstenite<S>(
            &self,
            socket: WebSocketStream<S>,
            protocol: &str,
            identity: Option<String>,
        ) where
            S: AsyncRead + AsyncWrite + Unpin,
        {
            let socket = socket
                .with(|f: WsFrame| future::ready(Ok::<_, Error>(to_tungstenite(f))))
                .map(|m| m.map(from_tungstenite));
            self.serve(socket, protocol, identity).await;
        }
    }
}
