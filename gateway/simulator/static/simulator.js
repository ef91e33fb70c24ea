// The simulator page: sends what a person or the case system does to /simulator/api/,
// and polls the feed for what the gateway sent. Everything is shown with textContent,
// never as HTML: a text's words are someone else's input.
"use strict";

(() => {
  const API = document.body.dataset.api;
  const presets = JSON.parse(document.getElementById("presets").textContent);
  const phones = {};
  const RINGS_FOR_MS = 60_000;
  let lastId = 0;

  async function call(path, body) {
    const options = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    };
    const response = await fetch(API + path, options);
    let data;
    try { data = await response.json(); } catch { data = { error: { message: response.statusText } }; }
    return { ok: response.ok, status: response.status, data };
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function time(iso) {
    return iso ? new Date(iso).toLocaleTimeString() : new Date().toLocaleTimeString();
  }

  function problem(result) {
    // The simulator's own refusal, or the gateway's answer to the forwarded request.
    if (!result.ok) return (result.data.error && result.data.error.message) || `error ${result.status}`;
    if (result.data.status >= 400) {
      const answer = result.data.answer;
      const message = answer && answer.error ? answer.error.message : String(answer).trim();
      return `the gateway answered ${result.data.status}: ${message}`;
    }
    return null;
  }

  // ---- the case-system panel
  const preset = document.getElementById("preset");
  const eventJson = document.getElementById("event-json");
  const eventAnswer = document.getElementById("event-answer");
  const fillPreset = () => { eventJson.value = JSON.stringify(presets[preset.value].event, null, 2); };
  preset.addEventListener("change", fillPreset);
  fillPreset();

  document.getElementById("event-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    eventAnswer.replaceChildren(el("p", "", "Sending..."));
    const result = await call("/events", eventJson.value);
    const trouble = problem(result);
    const summary = trouble || `the gateway answered ${result.data.status}`;
    eventAnswer.replaceChildren(el("p", trouble ? "bad" : "", summary),
      el("pre", "", JSON.stringify(result.ok ? result.data.answer : result.data, null, 2)));
  });

  function showCallback(item) {
    document.getElementById("callbacks-empty").hidden = true;
    const payload = item.payload || {};
    const data = payload.data || {};
    const words = data.reply || data.text || "";
    const li = el("li");
    li.append(el("strong", "", payload.type || "callback"),
      document.createTextNode(` ${data.case_id || ""}${words ? `: "${words}"` : ""}`),
      el("span", "meta", `${time(item.at)}, webhook-id ${item.webhook_id}`));
    const details = el("details");
    details.append(el("summary", "", "Payload"), el("pre", "", JSON.stringify(payload, null, 2)));
    li.append(details);
    document.getElementById("callbacks").append(li);
  }

  // ---- phones
  for (const article of document.querySelectorAll(".phone")) {
    const key = article.dataset.phone;
    const q = (selector) => article.querySelector(selector);
    const phone = phones[key] = {
      key, article, thread: q(".thread"), proxy: q(".proxy"), status: q(".phone-status"),
      incoming: q(".incoming"), panel: q(".call"), steps: q(".call-steps"), typed: q(".keys-typed"),
      silence: q(".silence"), controls: q(".call-controls"), keys: [...article.querySelectorAll(".key")], label: q("h3").textContent,
      ringing: null, current: null,
    };
    const setStatus = (text, bad) => { phone.status.textContent = text; phone.status.classList.toggle("bad", !!bad); };
    phone.setStatus = setStatus;

    q(".compose").addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = q(".body");
      if (!body || !body.value.trim()) return;
      const whatsapp = q(".on-whatsapp");
      if (whatsapp && whatsapp.checked) {
        const result = await call(`/phones/${key}/whatsapp`, { body: body.value });
        const trouble = problem(result);
        if (trouble) { setStatus(trouble, true); return; }
        addToThread(phone, "sent whatsapp", "On WhatsApp", body.value);
        setStatus("WhatsApp message sent");
        body.value = "";
        return;
      }
      const result = await call(`/phones/${key}/texts`, { to: phone.proxy.value, body: body.value });
      const trouble = problem(result);
      if (trouble) { setStatus(trouble, true); return; }
      addToThread(phone, "sent", `To ${phone.proxy.value}`, body.value);
      setStatus(`Text sent to ${phone.proxy.value}`);
      body.value = "";
    });

    q(".place-call").addEventListener("click", async () => {
      startCall(phone, null, `Calling ${phone.proxy.value}`);
      show(phone, await call(`/phones/${key}/calls`, { to: phone.proxy.value }));
    });

    q(".answer-call").addEventListener("click", async () => {
      const ringing = phone.ringing;
      phone.incoming.hidden = true;
      startCall(phone, ringing.id, `Call from ${ringing.from}`);
      show(phone, await call(`/phones/${key}/calls/answer`, { delivery: ringing.id }));
    });

    q(".decline-call").addEventListener("click", async () => {
      phone.incoming.hidden = true;
      const result = await call(`/phones/${key}/calls/end`, { delivery: phone.ringing.id, status: "no-answer" });
      setStatus(problem(result) || "Call not answered", !!problem(result));
    });

    for (const button of phone.keys) {
      button.addEventListener("click", () => pressKey(phone, button.dataset.key));
    }
    phone.silence.addEventListener("click", () => {
      const current = phone.current;
      if (!current || !current.gather) return;
      phone.steps.append(el("li", "", "You say nothing"));
      current.gather = null;
      setKeys(phone, null);
      play(phone, current.silent);
    });
    q(".hang-up").addEventListener("click", () => endCall(phone, "You hung up"));
  }

  function addToThread(phone, className, meta, text) {
    const li = el("li", className);
    li.append(el("span", "meta", `${time()}, ${meta}`), document.createTextNode(text));
    phone.thread.append(li);
    phone.thread.scrollTop = phone.thread.scrollHeight;
  }

  function startCall(phone, delivery, title) {
    phone.current = { delivery, call: null, gather: null, silent: null, digits: "" };
    phone.panel.hidden = false;
    phone.panel.querySelector(".call-title").textContent = title;
    phone.steps.replaceChildren();
    phone.typed.textContent = "";
    setKeys(phone, null);
  }

  function setKeys(phone, gather) {
    for (const button of phone.keys) button.disabled = !gather;
    phone.silence.disabled = !gather;
    phone.controls.hidden = !phone.current;  // an ended call keeps its log, not its buttons
  }

  function show(phone, result) {
    const current = phone.current;
    if (!current) return;
    const trouble = problem(result);
    if (trouble) {
      phone.steps.append(el("li", "", trouble));
      setKeys(phone, null);
      return;
    }
    current.call = result.data.call;
    const raw = el("details");
    raw.append(el("summary", "", "TwiML"), el("pre", "", result.data.answer));
    play(phone, result.data.steps || []);
    phone.steps.append(raw);
  }

  // Like Twilio: verbs run in order until a Gather waits for a key; what follows the
  // Gather only runs if no key comes (the "Say nothing" button).
  function play(phone, steps) {
    const current = phone.current;
    for (const [index, s] of steps.entries()) {
      if (s.kind === "say") phone.steps.append(el("li", "", `Says: ${s.text}`));
      if (s.kind === "dial") {
        const callee = s.phone ? phones[s.phone] : null;
        const who = callee ? `${callee.label} (${s.number})` : s.number;
        phone.steps.append(el("li", "rings", `Rings ${who}, showing ${s.caller_id}`));
        if (callee) addToThread(callee, "call-note", `call from ${s.caller_id}`, "Ringing: a call put through by the gateway");
      }
      if (s.kind === "gather") {
        phone.steps.append(el("li", "", `Says: ${s.text} (waiting for a key)`));
        Object.assign(current, { gather: s, silent: steps.slice(index + 1), digits: "" });
        phone.typed.textContent = "";
        setKeys(phone, s);
        return;
      }
      if (s.kind === "redirect") { step(phone, s.url); return; }
      if (s.kind === "hangup" || s.kind === "error") {
        if (s.kind === "error") phone.steps.append(el("li", "", s.text));
        endCall(phone, "The gateway hung up");
        return;
      }
    }
    // A Dial (or nothing) left to do: the call stays up until someone hangs up.
    Object.assign(current, { gather: null, silent: null });
    setKeys(phone, null);
  }

  function pressKey(phone, key) {
    const current = phone.current;
    if (!current || !current.gather) return;
    const gather = current.gather;
    if (gather.num_digits === 1) { step(phone, gather.action, key); return; }
    if (key === gather.finish_on_key) { step(phone, gather.action, current.digits); return; }
    current.digits += key;
    phone.typed.textContent = `Keys: ${current.digits}`;
  }

  async function step(phone, url, digits) {
    const current = phone.current;
    setKeys(phone, null);
    if (digits !== undefined) phone.steps.append(el("li", "", `You press ${digits}`));
    const body = { call: current.call, url };
    if (digits) body.digits = digits;
    show(phone, await call(`/phones/${phone.key}/calls/step`, body));
  }

  async function endCall(phone, why) {
    const current = phone.current;
    if (!current) return;
    phone.current = null;
    setKeys(phone, null);
    phone.steps.append(el("li", "", `${why}. Call ended.`));
    if (current.delivery) {
      // Twilio reports the end of a call the gateway placed to its status URL.
      const result = await call(`/phones/${phone.key}/calls/end`, { delivery: current.delivery, status: "completed" });
      const trouble = problem(result);
      if (trouble) phone.setStatus(trouble, true);
    }
  }

  // ---- what the gateway sent
  function deliver(item) {
    if (item.channel === "callback") { showCallback(item); return; }
    const phone = item.phone ? phones[item.phone] : null;
    if (!phone) {
      const others = document.getElementById("others");
      others.hidden = document.getElementById("others-title").hidden = false;
      others.append(el("li", "", `${time(item.at)}: ${item.channel === "call" ? "call" : "text"} to ${item.to} from ${item.from}`));
      return;
    }
    if (item.channel === "sms") {
      addToThread(phone, "", `from ${item.from}`, item.body);
      phone.proxy.value = item.from;
    } else if (item.channel === "whatsapp") {
      showWhatsApp(phone, item);
    } else if (Date.now() - Date.parse(item.at) > RINGS_FOR_MS) {
      // Seen again after a reload: Twilio would have given up ringing long ago.
      addToThread(phone, "call-note", `call from ${item.from}`, "Missed call");
    } else {
      addToThread(phone, "call-note", `call from ${item.from}`, "Incoming call");
      phone.ringing = item;
      phone.proxy.value = item.from;
      phone.incoming.querySelector(".incoming-text").textContent = `Incoming call from ${item.from}`;
      phone.incoming.hidden = false;
    }
  }

  // A WhatsApp message, with its quick-reply buttons (the question's JA and NEE): a tap posts the
  // button's payload, as WhatsApp does, answering the message it came with.
  function showWhatsApp(phone, item) {
    const how = item.template ? `template ${item.template}` : "free text";
    addToThread(phone, "whatsapp", `WhatsApp from ${item.from} (${how})`, item.body);
    const toggle = phone.article.querySelector(".on-whatsapp");
    if (toggle) toggle.checked = true;
    if (!item.buttons || !item.buttons.length) return;
    const group = el("div", "buttons");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Reply buttons");
    for (const button of item.buttons) {
      const tap = el("button", "", button.title);
      tap.type = "button";
      tap.addEventListener("click", async () => {
        for (const other of group.querySelectorAll("button")) other.disabled = true;
        const result = await call(`/phones/${phone.key}/whatsapp`,
          { body: button.title, button: button.payload, replied_to: item.sid });
        const trouble = problem(result);
        phone.setStatus(trouble || `Tapped ${button.title}`, !!trouble);
        if (!trouble) addToThread(phone, "sent whatsapp", "On WhatsApp, tapped", button.title);
      });
      group.append(tap);
    }
    phone.thread.lastElementChild.append(group);
  }

  async function poll() {
    try {
      let more = true;
      while (more) {
        const result = await call(`/feed?after=${lastId}`);
        if (!result.ok) break;
        for (const item of result.data.deliveries) { deliver(item); lastId = item.id; }
        more = result.data.more;
      }
    } finally {
      setTimeout(poll, 700);
    }
  }
  poll();
})();
