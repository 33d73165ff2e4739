// The page at /: the bridge's address and state, live messages over SignalR, and a send form.
// Plain script, no framework; the SignalR client is copied from npm into lib/ at build time.
// URLs are relative so the page also works behind a reverse proxy under a path.
(() => {
  "use strict";

  /** Events kept on the page; older ones stay available through GET /messages?after=N. */
  const MAX_SHOWN = 500;
  /** On first load, how many of the newest retained events to show. */
  const HISTORY = 50;
  const KEY_STORAGE = "nymbridge.apiKey";

  const $ = (id) => document.getElementById(id);
  const ui = {
    state: $("connection-state"),
    keyForm: $("key-form"),
    key: $("api-key"),
    address: $("self-address"),
    copy: $("copy-address"),
    toSelf: $("to-self"),
    form: $("send-form"),
    recipient: $("recipient"),
    surbs: $("reply-surbs"),
    senderTag: $("sender-tag"),
    message: $("message"),
    send: $("send"),
    result: $("send-result"),
    list: $("messages"),
    count: $("message-count"),
    empty: $("no-messages"),
    notice: $("inbox-notice"),
  };

  const state = {
    apiKey: sessionStorage.getItem(KEY_STORAGE) || "",
    needKey: false, // the bridge answered 401: wait for the user's key
    hubUp: false,
    nym: null, // {connected, selfAddress} from the last status push
    lastSeq: 0, // highest seq seen (or the history start): Replay(lastSeq) fills any gap
    epoch: null, // the inbox store's id; a new one means seqs started over
    shown: new Map(), // seq -> <li>
  };

  // ---- API key (only when the bridge has Bridge:ApiKey) ----

  function headers(extra) {
    const all = { Accept: "application/json", ...extra };
    if (state.apiKey) all.Authorization = `Bearer ${state.apiKey}`;
    return all;
  }

  function needKey() {
    state.needKey = true;
    ui.keyForm.hidden = false;
    render();
    ui.key.focus();
  }

  ui.keyForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    state.apiKey = ui.key.value.trim();
    sessionStorage.setItem(KEY_STORAGE, state.apiKey);
    state.needKey = false;
    ui.keyForm.hidden = true;
    render();
    fetchSelfAddress();
    if (state.shown.size === 0) state.lastSeq = await historyStart();
    await start();
  });

  // ---- connection state and address ----

  function render() {
    let text;
    let key;
    if (state.needKey) {
      key = "unauthorized";
      text = state.apiKey ? "The API key was not accepted" : "This bridge needs its API key";
    } else if (!state.hubUp) {
      key = "offline";
      text = "Not connected to the bridge: reconnecting…";
    } else if (state.nym === null) {
      key = "connecting";
      text = "Connected to the bridge…";
    } else if (state.nym.connected) {
      key = "connected";
      text = "Connected to nym-client";
    } else {
      key = "disconnected";
      text = "The bridge is up, nym-client is not connected: it is reconnecting";
    }
    ui.state.dataset.state = key;
    ui.state.textContent = text;
  }

  function showAddress(address, why) {
    const known = typeof address === "string" && address.length > 0;
    ui.address.dataset.known = String(known);
    ui.address.textContent = known ? address : why || "not known yet";
    syncAddressButtons();
  }

  function syncAddressButtons() {
    const known = ui.address.dataset.known === "true";
    ui.copy.disabled = !known;
    ui.toSelf.disabled = !known || ui.toSelf.closest("[hidden]") !== null;
  }

  function onStatus(status) {
    state.nym = { connected: !!status.connected, selfAddress: status.selfAddress || null };
    if (state.nym.selfAddress) {
      showAddress(state.nym.selfAddress);
    } else if (ui.address.dataset.known !== "true") {
      showAddress(null, state.nym.connected ? "waiting for nym-client to report it" : "not known: nym-client is not connected");
    }
    render();
  }

  /** Before the hub's first status push (or without websockets): ask REST. */
  async function fetchSelfAddress() {
    try {
      const response = await fetch("self-address", { headers: headers() });
      if (response.status === 401) {
        needKey();
        return;
      }
      const body = await response.json().catch(() => null);
      if (ui.address.dataset.known === "true") {
        return; // a status push got there first
      }
      if (response.ok && body && body.address) {
        showAddress(body.address);
      } else {
        showAddress(null, (body && body.detail) || `not known (HTTP ${response.status})`);
      }
    } catch {
      // Offline: the hub's reconnect loop reports it.
    }
  }

  ui.copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(ui.address.textContent);
      flash(ui.copy, "Copied");
    } catch {
      // No clipboard permission (e.g. plain http on another host): select it for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(ui.address);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      flash(ui.copy, "Selected");
    }
  });

  ui.toSelf.addEventListener("click", () => {
    ui.recipient.value = ui.address.textContent;
    ui.message.focus();
  });

  function flash(button, text) {
    const before = button.textContent;
    button.textContent = text;
    setTimeout(() => { button.textContent = before; }, 1200);
  }

  // ---- messages ----

  function formatSize(bytes) {
    if (bytes < 1024) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "class") node.className = value;
      else if (key === "testid") node.dataset.testid = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  /** With an API key a plain link would get 401: fetch with the key and save the bytes. */
  async function downloadWithKey(event) {
    if (!state.apiKey) return;
    event.preventDefault();
    const link = event.currentTarget;
    const response = await fetch(link.href, { headers: headers({ Accept: "application/octet-stream" }) });
    if (!response.ok) {
      notice(`Download failed: HTTP ${response.status}`);
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const save = el("a", { href: url, download: link.getAttribute("download") });
    save.click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function renderEvent(e) {
    const when = new Date(e.receivedAt);
    const time = el("time", { datetime: e.receivedAt, title: when.toString(), text: when.toLocaleTimeString() });
    const seq = el("span", { class: "seq", text: `#${e.seq}` });
    const item = el("li", { class: `event ${e.type}`, testid: "event" });
    item.dataset.seq = String(e.seq);
    item.dataset.type = e.type;

    if (e.type === "error") {
      item.append(
        el("div", { class: "meta" }, seq, time, el("strong", { class: "kind", testid: "error-kind", text: `nym-client error: ${e.kind}` })),
        el("p", { class: "body", testid: "event-text", text: e.message || "" }),
      );
      return item;
    }

    const meta = el("div", { class: "meta" }, seq, time, el("span", { class: "size", testid: "event-size", text: formatSize(e.size) }));
    if (e.senderTag) {
      item.dataset.senderTag = e.senderTag;
      const reply = el("button", { type: "button", class: "reply", testid: "reply-button", "aria-label": `Reply to sender tag ${e.senderTag}`, text: "Reply" });
      reply.addEventListener("click", () => startReply(e.senderTag));
      meta.append(el("span", { class: "tag" }, "sender tag ", el("code", { testid: "event-sender-tag", text: e.senderTag })), reply);
    } else {
      meta.append(el("span", { class: "tag none", text: "no sender tag" }));
    }
    item.append(meta);

    if (typeof e.message === "string") {
      item.append(el("pre", { class: "body", testid: "event-text", text: e.message }));
    } else {
      const link = el("a", { href: `messages/${e.seq}/payload`, download: `message-${e.seq}.bin`, testid: "event-download", text: "download" });
      link.addEventListener("click", downloadWithKey);
      item.append(el("p", { class: "body binary" }, `Binary, ${formatSize(e.size)}: `, link));
    }
    return item;
  }

  /** Adds an event once (live and replayed events overlap), newest first by seq. */
  function addEvent(e) {
    if (!e || typeof e.seq !== "number" || state.shown.has(e.seq)) {
      return;
    }
    const item = renderEvent(e);
    state.shown.set(e.seq, item);
    state.lastSeq = Math.max(state.lastSeq, e.seq);

    let before = ui.list.firstElementChild;
    while (before && Number(before.dataset.seq) > e.seq) {
      before = before.nextElementSibling;
    }
    ui.list.insertBefore(item, before);

    while (state.shown.size > MAX_SHOWN) {
      const oldest = ui.list.lastElementChild;
      state.shown.delete(Number(oldest.dataset.seq));
      oldest.remove();
    }
    updateCount();
  }

  function clearEvents() {
    state.shown.clear();
    ui.list.replaceChildren();
    updateCount();
  }

  function updateCount() {
    ui.count.textContent = state.shown.size ? `(${state.shown.size})` : "";
    ui.empty.hidden = state.shown.size > 0;
  }

  function notice(text) {
    ui.notice.textContent = text;
    ui.notice.hidden = !text;
  }

  // ---- send form ----

  function mode() {
    return ui.form.elements.mode.value;
  }

  function applyMode() {
    const current = mode();
    for (const field of ui.form.querySelectorAll("[data-modes]")) {
      const on = field.dataset.modes.split(" ").includes(current);
      field.hidden = !on;
      // Hidden fields are disabled too, so the browser does not ask for them.
      for (const input of field.querySelectorAll("input, button")) input.disabled = !on;
    }
    syncAddressButtons();
    ui.send.textContent = { send: "Send", anonymous: "Send anonymously", reply: "Send reply" }[current];
  }

  function startReply(senderTag) {
    ui.form.elements.mode.value = "reply";
    applyMode();
    ui.senderTag.value = senderTag;
    ui.form.scrollIntoView({ behavior: "smooth", block: "nearest" });
    ui.message.focus();
  }

  function showResult(kind, text) {
    ui.result.dataset.kind = kind;
    ui.result.textContent = text;
  }

  /** A HubException's reason without SignalR's "An unexpected error occurred invoking…" wrapper. */
  function reason(error) {
    const text = (error && error.message) || String(error);
    const match = /HubException: ([\s\S]*)$/.exec(text);
    return match ? match[1] : text;
  }

  /** Without a hub connection the same request goes over REST, which answers with problem+json. */
  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(body),
    });
    if (response.status === 401) {
      needKey();
    }
    const answer = await response.json().catch(() => null);
    if (!response.ok) {
      throw new Error((answer && answer.detail) || `HTTP ${response.status}`);
    }
    return answer;
  }

  const methods = {
    send: { hub: "Send", path: "send" },
    anonymous: { hub: "SendAnonymous", path: "send-anonymous" },
    reply: { hub: "Reply", path: "reply" },
  };

  ui.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const current = mode();
    const body = { message: ui.message.value };
    if (current === "reply") {
      body.senderTag = ui.senderTag.value.trim();
    } else {
      body.recipient = ui.recipient.value.trim();
    }
    if (current === "anonymous" && ui.surbs.value !== "") {
      body.replySurbs = Number(ui.surbs.value);
    }

    ui.send.disabled = true;
    showResult("pending", "Sending…");
    try {
      const result = state.hubUp
        ? await hub.invoke(methods[current].hub, body)
        : await post(methods[current].path, body);
      let text = `Sent ${formatSize(result.bytes)}`;
      if (current === "anonymous") text += ` with ${body.replySurbs ?? 20} reply SURBs`;
      if (current === "reply") text += " as a reply";
      if (result.lane !== undefined) text += `, lane ${result.lane} has ${result.queueLength} queued`;
      showResult("ok", `${text}.`);
      ui.message.value = "";
    } catch (error) {
      showResult("error", `Not sent: ${reason(error)}`);
    } finally {
      ui.send.disabled = false;
    }
  });

  for (const radio of ui.form.elements.mode) {
    radio.addEventListener("change", applyMode);
  }

  // ---- the hub ----

  const hub = new signalR.HubConnectionBuilder()
    // The key, when there is one, goes as a Bearer header on negotiate and as access_token on the websocket.
    .withUrl("hubs/messages", { accessTokenFactory: () => state.apiKey })
    // Retry forever: capped exponential backoff, the bridge may be restarting.
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(500 * 2 ** Math.min(ctx.previousRetryCount, 4), 8000) })
    .configureLogging(signalR.LogLevel.Warning)
    .build();

  hub.on("received", addEvent);
  hub.on("error", addEvent);
  hub.on("status", onStatus);

  hub.onreconnecting(() => {
    state.hubUp = false;
    render();
  });
  hub.onreconnected(() => {
    state.hubUp = true;
    render();
    catchUp();
  });
  hub.onclose(() => {
    state.hubUp = false;
    render();
    retry();
  });

  /** New hub connections get live events only: ask for what came after the last one seen. */
  async function catchUp() {
    try {
      let result = await hub.invoke("Replay", state.lastSeq);
      if (state.epoch !== null && result.epoch !== state.epoch) {
        // The bridge's inbox was replaced (e.g. a restart with the memory store): seqs started over.
        clearEvents();
        state.lastSeq = 0;
        notice("The bridge's inbox was replaced (a restart?): showing its messages from the start.");
        result = await hub.invoke("Replay", 0);
      }
      state.epoch = result.epoch;
      if (result.truncated) {
        notice("Some messages were removed by the bridge's retention limits before this page received them.");
      }
    } catch (error) {
      notice(`Could not fetch missed messages: ${reason(error)}`);
    }
  }

  /** On first load show the newest HISTORY events, not everything the inbox retains. */
  async function historyStart() {
    try {
      const response = await fetch("status", { headers: headers() });
      const status = await response.json();
      const last = status.components.inbox.store.lastSeq;
      if (typeof last === "number") {
        return Math.max(0, last - HISTORY);
      }
    } catch {
      // No inbox counters: replay from the start.
    }
    return 0;
  }

  let starting = false;
  let retryTimer = 0;

  function retry() {
    clearTimeout(retryTimer);
    if (!state.needKey) retryTimer = setTimeout(start, 2000);
  }

  async function start() {
    if (starting || state.needKey || hub.state !== signalR.HubConnectionState.Disconnected) return;
    starting = true;
    try {
      await hub.start();
      state.hubUp = true;
      render();
      await catchUp();
    } catch (error) {
      state.hubUp = false;
      if (error && error.statusCode === 401) {
        needKey();
      } else {
        render();
        retry();
      }
    } finally {
      starting = false;
    }
  }

  async function main() {
    applyMode();
    updateCount();
    render();
    fetchSelfAddress();
    state.lastSeq = await historyStart();
    await start();
  }

  main();
})();
