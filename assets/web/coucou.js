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
    rooms: "Rooms",
    save: "Save",
    picture: "{name}, a picture from {from}",
    unread1: "1 unread message",
    unreadN: "{n} unread messages",
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
    rooms: "Salons",
    save: "Enregistrer",
    picture: "{name}, une image de {from}",
    unread1: "1 message non lu",
    unreadN: "{n} messages non lus",
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

/** One conversation: the host's default room (key "") or a named room (its name). */
class Room {
  constructor(key, name) {
    this.key = key;
    this.name = name;
    this.people = [];
    this.typing = new Map();
    this.oldest = null;
    this.more = false;
    this.unread = 0;
    /** Each message's line on the page, and the message itself, by id. */
    this.byId = new Map();
    this.messages = new Map();
    this.list = document.createElement("ol");
    this.list.hidden = true;
    $("messages").append(this.list);
  }
}

/** What the page knows: who it is, the rooms it is in, the one on screen, the host's list. */
const state = {
  socket: null,
  me: null,
  rooms: new Map(),
  current: "",
  listed: [],
  hasRooms: false,
  /** The last message, when it was an error: why the host closed, if it did. */
  last: null,
  /** What to do with each file's ticket when it comes, by file. */
  fetching: new Map(),
};

/** The room a server message concerns: its `room`, or the default room. */
function roomOf(msg) {
  return state.rooms.get(msg.room ?? "") ?? null;
}

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
    case "file":
      li.classList.add("file");
      li.append(fileLine(msg));
      break;
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

/** The pictures the page shows inline: PNG, JPEG, GIF, WebP, up to 25 MB (as the app). */
const PICTURE = /\.(png|jpe?g|gif|webp)$/i;
const PICTURE_BYTES = 25 * 1024 * 1024;

/** Sizes as people read them. */
function bytes(n) {
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i += 1;
  }
  return (i === 0 ? String(n) : n.toFixed(1)) + " " + units[i];
}

/** A file offered: who, its name and size; a picture shown once fetched, anything else saved
 * with a click. Each fetch asks the host for a ticket, then loads `/file/TOKEN`. */
function fileLine(msg) {
  const box = document.createElement("span");
  const from = document.createElement("span");
  from.className = "from";
  from.textContent = msg.from;
  box.append(from, ": 📎 " + msg.name + " (" + bytes(msg.size) + ") ");
  if (PICTURE.test(msg.name) && msg.size <= PICTURE_BYTES) {
    const img = document.createElement("img");
    img.className = "picture";
    img.alt = t("picture", { name: msg.name, from: msg.from });
    box.append(img);
    state.fetching.set(msg.file, (token) => {
      img.src = "/file/" + encodeURIComponent(token);
    });
    send({ type: "fetch", file: msg.file });
  } else {
    const save = document.createElement("button");
    save.type = "button";
    save.textContent = t("save");
    save.addEventListener("click", () => {
      state.fetching.set(msg.file, (token) => {
        const a = document.createElement("a");
        a.href = "/file/" + encodeURIComponent(token);
        a.download = msg.name;
        a.click();
      });
      send({ type: "fetch", file: msg.file });
    });
    box.append(save);
  }
  return box;
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
      send({ type: "react", id: msg.id, emoji: r.emoji, on: !mine }, msg.room);
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

/** Adds `msg` to `room` at the end (or, for an older page, at the start) unless it is there. */
function show(room, msg, older = false) {
  const keep = typeof msg.id === "number" && msg.type !== "private";
  if (keep && room.byId.has(msg.id)) return;
  if (room.key !== "") msg.room = room.key;
  const li = line(msg);
  if (keep) {
    room.byId.set(msg.id, li);
    room.messages.set(msg.id, msg);
  }
  if (typeof msg.id === "number" && (room.oldest === null || msg.id < room.oldest)) room.oldest = msg.id;
  const box = $("messages").parentElement;
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  if (older) {
    room.list.prepend(li);
    return;
  }
  room.list.append(li);
  if (room.key === state.current) {
    if (atBottom) box.scrollTop = box.scrollHeight;
  } else if (msg.type === "message" || msg.type === "private") {
    room.unread += 1;
    showRooms();
  }
}

/** The room on screen: its lines, its people, who types, its name. */
function showCurrent() {
  const room = state.rooms.get(state.current);
  for (const r of state.rooms.values()) r.list.hidden = r !== room;
  $("room-name").textContent = room.name;
  document.title = room.name + " — Coucou";
  $("older").hidden = !room.more && room.oldest === null;
  showPeople();
  showTyping();
  showRooms();
}

function showPeople() {
  const room = state.rooms.get(state.current);
  $("people").replaceChildren(
    ...room.people.map((name) => {
      const li = document.createElement("li");
      li.textContent = name;
      return li;
    }),
  );
  const n = room.people.length;
  $("people-count").textContent = n === 1 ? t("count1") : t("countN", { n });
}

function showTyping() {
  const names = [...state.rooms.get(state.current).typing.keys()];
  $("typing").textContent =
    names.length === 0 ? "" : names.length === 1 ? t("typing1", { a: names[0] }) : t("typingN", { n: names.length });
}

/** The rooms bar: the rooms this page is in, then the host's others; a click goes there. */
function showRooms() {
  const nav = $("rooms");
  nav.setAttribute("aria-label", t("rooms"));
  nav.hidden = !state.hasRooms;
  if (!state.hasRooms) return;
  const names = [...state.rooms.values()].map((r) => r.name);
  const others = state.listed.filter((r) => !r.default && !state.rooms.has(r.name) && !r.protected);
  const button = (label, key, room) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (room) {
      b.setAttribute("aria-current", room.key === state.current ? "page" : "false");
      if (room.unread > 0) {
        const badge = document.createElement("span");
        badge.className = "unread";
        badge.textContent = String(room.unread);
        badge.title = room.unread === 1 ? t("unread1") : t("unreadN", { n: room.unread });
        b.append(" ", badge);
      }
      b.addEventListener("click", () => {
        state.current = room.key;
        room.unread = 0;
        showCurrent();
        $("say").focus();
      });
    } else {
      b.classList.add("join");
      b.addEventListener("click", () => send({ type: "join_room" }, key));
    }
    return b;
  };
  nav.replaceChildren(
    ...[...state.rooms.values()].map((room) => button(room.name, room.key, room)),
    ...others.filter((r) => !names.includes(r.name)).map((r) => button("+ " + r.name, r.name, null)),
  );
}

/** Sends `msg` about `key`'s room (the default room: no `room` field). */
function send(msg, key = "") {
  if (key) msg.room = key;
  if (state.socket && state.socket.readyState === WebSocket.OPEN) {
    state.socket.send(JSON.stringify(msg));
  }
}

/** A welcome: the default room's first, then each named room joined. */
function welcomed(msg) {
  const first = state.me === null;
  state.me = msg.you;
  const key = first ? "" : (msg.room ?? "");
  const room = state.rooms.get(key) ?? new Room(key, msg.room ?? "Coucou");
  state.rooms.set(key, room);
  room.people = msg.users ?? [];
  for (const m of msg.history ?? []) show(room, m);
  state.current = key;
  if (first) {
    $("join").hidden = true;
    $("room").hidden = false;
    $("status").textContent = "";
    if (msg.changes) send({ type: "changes" });
    state.hasRooms = msg.rooms === true;
    if (state.hasRooms) send({ type: "rooms" });
  }
  showCurrent();
  $("say").focus();
}

function onMessage(msg) {
  if (msg.type === "welcome") {
    welcomed(msg);
    return;
  }
  if (msg.type === "rooms") {
    state.listed = Array.isArray(msg.rooms) ? msg.rooms : [];
    showRooms();
    return;
  }
  if (msg.type === "room_made") {
    send({ type: "rooms" });
    return;
  }
  if (msg.type === "ticket") {
    const use = state.fetching.get(msg.file);
    state.fetching.delete(msg.file);
    if (use && typeof msg.token === "string") use(msg.token);
    return;
  }
  if (msg.type === "error") {
    if (state.me === null) $("join-error").textContent = msg.message ?? "";
    else $("status").textContent = msg.message ?? "";
    return;
  }
  const room = roomOf(msg);
  if (room === null) return;
  const here = room.key === state.current;
  switch (msg.type) {
    case "file":
      show(room, msg);
      break;
    case "message":
    case "private":
    case "notice":
      if (msg.from) room.typing.delete(msg.from);
      if (here) showTyping();
      if (msg.type === "notice" && room.byId.has(msg.id)) {
        // A tombstone: the message with that id was deleted.
        room.byId.get(msg.id).replaceWith(line({ type: "notice", time: msg.time, text: msg.text }));
        break;
      }
      show(room, msg);
      break;
    case "edited":
    case "reacted": {
      const old = room.byId.get(msg.id);
      const was = room.messages.get(msg.id);
      if (old && was) {
        const now =
          msg.type === "edited"
            ? { ...was, text: msg.text, edited: true, reactions: msg.reactions ?? was.reactions }
            : { ...was, reactions: msg.reactions ?? [] };
        const li = line(now);
        old.replaceWith(li);
        room.byId.set(msg.id, li);
        room.messages.set(msg.id, now);
      }
      break;
    }
    case "join":
      if (!room.people.includes(msg.name)) room.people.push(msg.name);
      if (here) showPeople();
      show(room, msg);
      break;
    case "leave":
      room.people = room.people.filter((n) => n !== msg.name);
      room.typing.delete(msg.name);
      if (here) {
        showPeople();
        showTyping();
      }
      show(room, msg);
      break;
    case "rename":
      room.people = room.people.map((n) => (n === msg.old ? msg.new : n));
      if (state.me === msg.old) state.me = msg.new;
      if (here) showPeople();
      show(room, msg);
      break;
    case "users":
      room.people = msg.users ?? [];
      if (here) showPeople();
      break;
    case "typing":
      if (msg.active) room.typing.set(msg.name, true);
      else room.typing.delete(msg.name);
      if (here) showTyping();
      break;
    case "history":
      for (const m of [...(msg.messages ?? [])].reverse()) show(room, m, true);
      room.more = msg.more === true;
      if (here) $("older").hidden = !room.more;
      break;
    case "parted":
      room.list.remove();
      state.rooms.delete(room.key);
      if (here) state.current = "";
      showCurrent();
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
    if (msg && typeof msg === "object") {
      onMessage(msg);
      // What ended the connection, if the host said (kicked, banned…), to show once it is closed.
      state.last = msg.type === "error" ? msg.message : null;
    }
  });
  socket.addEventListener("close", () => {
    if (state.socket !== socket) return;
    state.socket = null;
    if (state.me === null) {
      if ($("join-error").textContent === t("joining")) $("join-error").textContent = t("cannot");
      return;
    }
    state.me = null;
    state.rooms.clear();
    state.current = "";
    state.listed = [];
    $("messages").replaceChildren();
    $("room").hidden = true;
    $("join").hidden = false;
    $("join-error").textContent = state.last ?? t("lost");
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
    send({ type: "say", text }, state.current);
    $("say").value = "";
    typingSent = false;
  });
  $("say").addEventListener("input", () => {
    const active = $("say").value !== "";
    if (active !== typingSent) {
      send({ type: "typing", active }, state.current);
      typingSent = active;
    }
  });
  $("older").addEventListener("click", () => {
    const room = state.rooms.get(state.current);
    if (room && room.oldest !== null) {
      send({ type: "history", before: room.oldest, limit: 50 }, state.current);
    }
  });
});
