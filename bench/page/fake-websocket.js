// A WebSocket with no network, for measuring what a library adds per message:
// it opens on a microtask, `deliver(data, n)` dispatches n message events
// synchronously, and send() only counts.
export class FakeWebSocket extends EventTarget {
  static last = null;
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  readyState = 0;
  binaryType = "blob";
  protocol = "";
  extensions = "";
  bufferedAmount = 0;
  sent = 0;
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;

  constructor(url) {
    super();
    this.url = String(url);
    FakeWebSocket.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      const e = new Event("open");
      this.onopen?.(e);
      this.dispatchEvent(e);
    });
  }

  send() {
    this.sent++;
  }

  close() {
    this.readyState = 3;
  }

  deliver(data, n) {
    for (let i = 0; i < n; i++) {
      const e = new MessageEvent("message", { data });
      this.onmessage?.(e);
      this.dispatchEvent(e);
    }
  }
}
