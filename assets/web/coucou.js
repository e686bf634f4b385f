// Coucou's web page: joins the room that serves it over a WebSocket on the same port, speaking
// the JSON dialect (PROTOCOL.md), one message per text frame. Everything a person sends is put on
// the page as text (textContent), never as markup.
"use strict";

const WORDS = {
  en: {
    name: "Your name",
    join: "Join the room",
    trust:
      "This page talks only to the computer that serves it. Over https, what you type is safe from eavesdroppers; the app alone also checks that the room is the one you expect.",
    older: "Show older messages",
    people: "People",
    message: "Message",
    send: "Send",
    joining: "Joining…",
    lost: "The connection is lost. Join again to come back.",
    cannot: "The room can't be reached.",
    typing1: "{a} is typing…",
    typingN: "{n} people are typing…",
    joined: "{name} joined",
    left: "{name} left",
    renamed: "{old} is now {new}",
    count1: "1 person",
    countN: "{n} people",
    to: "to {name}",
    deleted: "(deleted)",
    edited: "(edited)",
    reactedBy: "{emoji} by {names}",
    replyTo: "In reply to {name}",
  },
  fr: {
    name: "Votre nom",
    join: "Entrer dans le salon",
    trust:
      "Cette page ne parle qu’à l’ordinateur qui la sert. En https, ce que vous tapez est à l’abri des oreilles indiscrètes ; seule l’application vérifie aussi que le salon est bien celui que vous attendez.",
    older: "Voir les messages plus anciens",
    people: "Personnes",
    message: "Message",
    send: "Envoyer",
    joining: "Connexion…",
    lost: "La connexion est perdue. Entrez à nouveau pour revenir.",
    cannot: "Le salon est injoignable.",
    typing1: "{a} écrit…",
    typingN: "{n} personnes écrivent…",
    joined: "{name} est arrivé·e",
    left: "{name} est parti·e",
    renamed: "{old} s’appelle maintenant {new}",
    count1: "1 personne",
    countN: "{n} personnes",
    to: "à {name}",
    deleted: "(supprimé)",
    edited: "(modifié)",
    reactedBy: "{emoji} de {names}",
    replyTo: "En réponse à {name}",
  },
};

const lang = (navigator.language || "en").toLowerCase().startsWith("fr") ? "fr" : "en";

/** The words for `key` in the page's language, `{x}` replaced by `args.x`. */
function t(key, args = {}) {
  const text = WORDS[lang][key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(args[k] ?? ""));
}

const $ = (id) => document.getElementById(id);

/** What the page knows of the room. */
const state = {
  socket: null,
  me: null,
  people: [],
  typing: new Map(),
  oldest: null,
  /** Each message's line on the page, and the message itself, by id. */
  byId: new Map(),
  messages: new Map(),
};

function translatePage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-t]")) {
    el.textContent = t(el.dataset.t);
  }
}

function timeOf(ms) {
  const d = new Date(ms);
  return d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
}

/** One line of the conversation, built from text nodes only. */
function line(msg) {
  const li = document.createElement("li");
  if (msg.id !== undefined) li.dataset.id = String(msg.id);
  if (msg.time) {
    const time = document.createElement("time");
    time.className = "time";
    time.dateTime = new Date(msg.time).toISOString();
    time.textContent = timeOf(msg.time) + " ";
    li.append(time);
  }
  switch (msg.type) {
    case "message":
    case "private": {
      if (msg.type === "private") li.classList.add("private");
      if (msg.reply) li.append(quote(msg.reply));
      const from = document.createElement("span");
      from.className = "from";
      from.textContent = msg.action ? "* " + msg.from + " " : msg.from;
      li.append(from);
      if (msg.type === "private") li.append(" (" + t("to", { name: msg.to }) + ")");
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = (msg.action ? "" : ": ") + (msg.text ?? "");
      li.append(text);
      if (msg.edited) li.append(" " + t("edited"));
      if (msg.reactions?.length) li.append(reactions(msg));
      if (state.me && msg.from !== state.me && mentions(msg.text ?? "", state.me)) {
        li.classList.add("mention");
      }
      break;
    }
    case "join":
      li.classList.add("notice");
      li.append(t("joined", { name: msg.name }));
      break;
    case "leave":
      li.classList.add("notice");
      li.append(t("left", { name: msg.name }));
      break;
    case "rename":
      li.classList.add("notice");
      li.append(t("renamed", { old: msg.old, new: msg.new }));
      break;
    default:
      li.classList.add("notice");
      li.append(msg.text ?? "");
  }
  return li;
}

/** The line a reply quotes, above it. */
function quote(reply) {
  const q = document.createElement("span");
  q.className = "quote";
  q.title = t("replyTo", { name: reply.from ?? "?" });
  q.textContent = "↪ " + (reply.from ? reply.from + ": " : "") + (reply.text ?? "…");
  return q;
}

/** A message's reactions: a button each, with its count; pressed when one is yours; a click
 * puts yours or takes it back. */
function reactions(msg) {
  const box = document.createElement("span");
  box.className = "reactions";
  for (const r of msg.reactions) {
    const names = Array.isArray(r.names) ? r.names : [];
    const button = document.createElement("button");
    button.type = "button";
    const mine = state.me !== null && names.includes(state.me);
    button.setAttribute("aria-pressed", mine ? "true" : "false");
    button.title = t("reactedBy", { emoji: r.emoji, names: names.join(", ") });
    button.textContent = r.emoji + " " + names.length;
    button.addEventListener("click", () => {
      send({ type: "react", id: msg.id, emoji: r.emoji, on: !mine });
    });
    box.append(button);
  }
  return box;
}

/** True when `text` names `me` as a word (any case). */
function mentions(text, me) {
  const lower = text.toLowerCase();
  const name = me.toLowerCase();
  let at = lower.indexOf(name);
  while (at !== -1) {
    const before = at === 0 ? " " : lower[at - 1];
    const after = lower[at + name.length] ?? " ";
    if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) return true;
    at = lower.indexOf(name, at + 1);
  }
  return false;
}

function remember(msg) {
  if (typeof msg.id === "number" && (state.oldest === null || msg.id < state.oldest)) {
    state.oldest = msg.id;
  }
}

/** Adds `msg` at the end (or, for an older page, at the start) unless it is there already. */
function show(msg, older = false) {
  if (typeof msg.id === "number" && msg.type !== "private") {
    if (state.byId.has(msg.id)) return;
  }
  const li = line(msg);
  if (typeof msg.id === "number" && msg.type !== "private") {
    state.byId.set(msg.id, li);
    state.messages.set(msg.id, msg);
  }
  remember(msg);
  const list = $("messages");
  const box = list.parentElement;
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  if (older) {
    list.prepend(li);
  } else {
    list.append(li);
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
}

function showPeople() {
  const list = $("people");
  list.replaceChildren(
    ...state.people.map((name) => {
      const li = document.createElement("li");
      li.textContent = name;
      return li;
    }),
  );
  const n = state.people.length;
  $("people-count").textContent = n === 1 ? t("count1") : t("countN", { n });
}

function showTyping() {
  const names = [...state.typing.keys()];
  $("typing").textContent =
    names.length === 0 ? "" : names.length === 1 ? t("typing1", { a: names[0] }) : t("typingN", { n: names.length });
}

function send(msg) {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) {
    state.socket.send(JSON.stringify(msg));
  }
}

function onMessage(msg) {
  switch (msg.type) {
    case "welcome":
      state.me = msg.you;
      state.people = msg.users ?? [];
      $("room-name").textContent = msg.room ?? "Coucou";
      document.title = (msg.room ?? "Coucou") + " — Coucou";
      $("join").hidden = true;
      $("room").hidden = false;
      $("status").textContent = "";
      for (const m of msg.history ?? []) show(m);
      $("older").hidden = state.oldest === null;
      showPeople();
      if (msg.changes) send({ type: "changes" });
      $("say").focus();
      break;
    case "message":
    case "private":
    case "notice":
      if (msg.from) state.typing.delete(msg.from);
      showTyping();
      if (msg.type === "notice" && state.byId.has(msg.id)) {
        // A tombstone: the message with that id was deleted.
        state.byId.get(msg.id).replaceWith(line({ type: "notice", time: msg.time, text: msg.text }));
        break;
      }
      show(msg);
      break;
    case "edited":
    case "reacted": {
      const old = state.byId.get(msg.id);
      const was = state.messages.get(msg.id);
      if (old && was) {
        const now =
          msg.type === "edited"
            ? { ...was, text: msg.text, edited: true, reactions: msg.reactions ?? was.reactions }
            : { ...was, reactions: msg.reactions ?? [] };
        const li = line(now);
        old.replaceWith(li);
        state.byId.set(msg.id, li);
        state.messages.set(msg.id, now);
      }
      break;
    }
    case "join":
      if (!state.people.includes(msg.name)) state.people.push(msg.name);
      showPeople();
      show(msg);
      break;
    case "leave":
      state.people = state.people.filter((n) => n !== msg.name);
      state.typing.delete(msg.name);
      showPeople();
      showTyping();
      show(msg);
      break;
    case "rename":
      state.people = state.people.map((n) => (n === msg.old ? msg.new : n));
      if (state.me === msg.old) state.me = msg.new;
      showPeople();
      show(msg);
      break;
    case "users":
      state.people = msg.users ?? [];
      showPeople();
      break;
    case "typing":
      if (msg.active) state.typing.set(msg.name, true);
      else state.typing.delete(msg.name);
      showTyping();
      break;
    case "history":
      for (const m of [...(msg.messages ?? [])].reverse()) show(m, true);
      $("older").hidden = !msg.more;
      break;
    case "error":
      if (state.me === null) {
        $("join-error").textContent = msg.message ?? "";
      } else {
        $("status").textContent = msg.message ?? "";
      }
      break;
    default:
      break;
  }
}

function join(name) {
  $("join-error").textContent = t("joining");
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + location.host + "/ws");
  state.socket = socket;
  socket.addEventListener("open", () => {
    socket.send(JSON.stringify({ type: "hello", version: 1, name }));
  });
  socket.addEventListener("message", (event) => {
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return;
    }
    if (msg && typeof msg === "object") onMessage(msg);
  });
  socket.addEventListener("close", () => {
    if (state.socket !== socket) return;
    state.socket = null;
    if (state.me === null) {
      if ($("join-error").textContent === t("joining")) $("join-error").textContent = t("cannot");
    } else {
      state.me = null;
      state.byId.clear();
      state.messages.clear();
      state.oldest = null;
      state.typing.clear();
      $("messages").replaceChildren();
      $("room").hidden = true;
      $("join").hidden = false;
      $("join-error").textContent = t("lost");
    }
  });
}

let typingSent = false;

document.addEventListener("DOMContentLoaded", () => {
  translatePage();
  $("join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("name").value.trim();
    if (name) join(name);
  });
  $("say-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("say").value;
    if (text.trim() === "") return;
    send({ type: "say", text });
    $("say").value = "";
    typingSent = false;
  });
  $("say").addEventListener("input", () => {
    const active = $("say").value !== "";
    if (active !== typingSent) {
      send({ type: "typing", active });
      typingSent = active;
    }
  });
  $("older").addEventListener("click", () => {
    if (state.oldest !== null) send({ type: "history", before: state.oldest, limit: 50 });
  });
});
