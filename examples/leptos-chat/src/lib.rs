//! A chat room in Leptos 0.8 over steadysocket. The socket's handles are
//! `!Send`, so the sender lives in a local `StoredValue`; what the view shows
//! (the state, the last message) is in ordinary signals, written by two local
//! tasks; on unmount, `dispose()` closes and frees the socket at once.
use futures::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use steadysocket::{Builder, Event};
use wasm_bindgen::prelude::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Chat {
    text: String,
}

#[component]
fn Room(url: String) -> impl IntoView {
    let state = RwSignal::new(String::from("Idle"));
    let last = RwSignal::new(String::from("nothing yet"));
    let (sender, mut receiver) = match Builder::<Chat>::new(url).connect() {
        Ok(socket) => socket.split(),
        Err(e) => return view! { <p id="error">{e.to_string()}</p> }.into_any(),
    };
    let mut events = sender.events();
    spawn_local(async move {
        while let Some(event) = events.next().await {
            if let Event::State(now) = event {
                // The component may be gone: try_set does nothing then.
                let _ = state.try_set(format!("{now:?}"));
            }
        }
    });
    spawn_local(async move {
        while let Some(item) = receiver.next().await {
            if let Ok(message) = item {
                let _ = last.try_set(message.text);
            }
        }
    });
    let sender = StoredValue::new_local(sender);
    on_cleanup(move || sender.with_value(|s| s.dispose()));
    let sent = RwSignal::new(0);
    let send = move |_| {
        sent.update(|n| *n += 1);
        let text = format!("hello {}", sent.get_untracked());
        sender.with_value(|s| {
            let _ = s.try_send(Chat { text });
        });
    };
    view! {
        <p>"state: " <span id="state">{move || state.get()}</span></p>
        <p id="last">{move || last.get()}</p>
        <button id="send" on:click=send>"send"</button>
    }
    .into_any()
}

#[component]
fn App() -> impl IntoView {
    let location = window().location();
    let host = location.host().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    let url = format!("ws://{host}/echo{search}");
    let inside = RwSignal::new(true);
    view! {
        <h1 id="title">"steadysocket in Leptos"</h1>
        <button id="leave" on:click=move |_| inside.set(false)>"leave"</button>
        <Show when=move || inside.get() fallback=|| view! { <p id="left">"left"</p> }>
            <Room url=url.clone() />
        </Show>
    }
}

#[wasm_bindgen(start)]
pub fn start() {
    mount_to_body(App);
}
