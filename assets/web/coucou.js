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
    attach: "Send a file or a picture",
    reading: "Reading {name}… {pct} %",
    sending: "Sending {name}… {pct} %",
    notPicture: "{name} can't be read as a picture: it was not sent.",
    notSent: "{name} could not be sent.",
    actions: "Actions on this message",
    reply: "Reply",
    edit: "Edit",
    remove: "Delete",
    reallyRemove: "Delete it?",
    react: "React with {emoji}",
    replying: "Replying to {name}: {text}",
    editing: "Editing your message",
    cancel: "Cancel",
    direct: "Private message",
    leave: "Leave {name}",
    password: "Room password",
    roomCode: "Room code: {code} — the host's screen shows the same one.",
    search: "Search",
    close: "Close",
    found0: "Nothing found for “{text}”.",
    found1: "1 message found for “{text}”.",
    foundN: "{n} messages found for “{text}”.",
    away: "Away",
    isAway: "away",
    otherSite: "(other site)",
    moderatorNow: "You are a moderator on this host until you leave. Type /help to see what you may do; a message's ⋯ offers to delete it, mute, remove or ban who wrote it.",
    moderatorNoMore: "You are no longer a moderator on this host.",
    modDelete: "Delete for everyone",
    modDeleteSure: "Delete it for everyone?",
    modMute: "Mute {name}",
    modMuteSure: "Mute {name}?",
    modKick: "Remove {name}",
    modKickSure: "Remove {name}?",
    modBan: "Ban {name} for a day",
    rulesButton: "Bans",
    commandsInRooms: "Commands are typed in a room: this private conversation sends messages only (//text sends /text).",
    rulesHeading: "Bans and mutes",
    refresh: "Refresh",
    asking: "Asking the host…",
    rulesNone: "Nobody is banned or muted.",
    banned: "banned",
    muted: "muted",
    mutedIn: "muted in {room}",
    by: "by {name}",
    untilLifted: "until lifted",
    minutesLeft: "{n} min left",
    hoursLeft: "{n} h left",
    daysLeft: "{n} days left",
    why: "Why: {reason}",
    lift: "Lift",
    liftBan: "Lift the ban on {name}",
    liftMute: "Lift the mute on {name}",
    rulesMore: "{n} more not listed: lift some to see them.",
    modBanSure: "Ban {name} for a day?",
    operInClear:
      "The moderators' password goes over https only: open this page at its https address, then type /oper again. Nothing was sent.",
    isAwayBecause: "away: {reason}",
    idle: "idle",
    passwordNeeded:
      "This room has a password: type it, then join. Over https it is safe from eavesdroppers, but only the app can check that this is the room you expect.",
    directWith: "Private, with {name}",
  },
  fr: {
    name: "Votre nom",
    join: "Entrer dans le salon",
    trust:
      "Cette page ne parle qu’à l’ordinateur qui la sert. En https, ce que vous tapez est à l’abri des oreilles indiscrètes ; seule l’application vérifie aussi que le salon est bien celui que vous attendez.",
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
    attach: "Envoyer un fichier ou une image",
    reading: "Lecture de {name}… {pct} %",
    sending: "Envoi de {name}… {pct} %",
    notPicture: "{name} ne se lit pas comme une image : il n’a pas été envoyé.",
    notSent: "{name} n’a pas pu être envoyé.",
    actions: "Actions sur ce message",
    reply: "Répondre",
    edit: "Modifier",
    remove: "Supprimer",
    reallyRemove: "Le supprimer ?",
    react: "Réagir avec {emoji}",
    replying: "Réponse à {name} : {text}",
    editing: "Modification de votre message",
    cancel: "Annuler",
    direct: "Message privé",
    leave: "Quitter {name}",
    password: "Mot de passe du salon",
    roomCode: "Code du salon : {code} — l’écran de l’hôte montre le même.",
    search: "Chercher",
    close: "Fermer",
    found0: "Rien trouvé pour « {text} ».",
    found1: "1 message trouvé pour « {text} ».",
    foundN: "{n} messages trouvés pour « {text} ».",
    away: "Absent·e",
    isAway: "absent·e",
    otherSite: "(autre site)",
    moderatorNow: "Vous êtes modérateur sur cet hôte jusqu’à votre départ. Tapez /help pour voir ce que vous pouvez faire ; le ⋯ d’un message propose de le supprimer, de rendre muet, de faire sortir ou de bannir qui l’a écrit.",
    moderatorNoMore: "Vous n’êtes plus modérateur sur cet hôte.",
    modDelete: "Supprimer pour tous",
    modDeleteSure: "Le supprimer pour tous ?",
    modMute: "Rendre {name} muet",
    modMuteSure: "Rendre {name} muet ?",
    modKick: "Faire sortir {name}",
    modKickSure: "Faire sortir {name} ?",
    modBan: "Bannir {name} pour un jour",
    rulesButton: "Bannis",
    commandsInRooms: "Les commandes se tapent dans un salon : cette conversation privée n’envoie que des messages (//texte envoie /texte).",
    rulesHeading: "Bannis et muets",
    refresh: "Actualiser",
    asking: "Question posée à l’hôte…",
    rulesNone: "Personne n’est banni ni rendu muet.",
    banned: "banni",
    muted: "muet",
    mutedIn: "muet dans {room}",
    by: "par {name}",
    untilLifted: "jusqu’à nouvel ordre",
    minutesLeft: "encore {n} min",
    hoursLeft: "encore {n} h",
    daysLeft: "encore {n} jours",
    why: "Motif : {reason}",
    lift: "Lever",
    liftBan: "Lever le bannissement de {name}",
    liftMute: "Rendre la parole à {name}",
    rulesMore: "{n} autres non listés : levez-en pour les voir.",
    modBanSure: "Bannir {name} pour un jour ?",
    operInClear:
      "Le mot de passe de modération ne passe qu’en https : ouvrez cette page à son adresse https, puis tapez à nouveau /oper. Rien n’a été envoyé.",
    isAwayBecause: "absent·e : {reason}",
    idle: "inactif·ve",
    passwordNeeded:
      "Ce salon a un mot de passe : tapez-le, puis entrez. En https il est à l’abri des oreilles indiscrètes, mais seule l’application peut vérifier que c’est bien le salon attendu.",
    directWith: "En privé avec {name}",
  },
};

const lang = (navigator.language || "en").toLowerCase().startsWith("fr") ? "fr" : "en";

/** The words for `key` in the page's language, `{x}` replaced by `args.x`. */
function t(key, args = {}) {
  const text = WORDS[lang][key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(args[k] ?? ""));
}

const $ = (id) => document.getElementById(id);

/** What starts the key of a direct conversation: no room's name has a control character. */
const DIRECT = "\u0001";

/** One conversation: the host's default room (key ""), a named room (its name), or a direct
 * conversation with one person (DIRECT and their name). */
class Room {
  constructor(key, name) {
    this.key = key;
    this.name = name;
    this.direct = key.startsWith(DIRECT);
    this.people = [];
    /** Who of `people` is at another site of a linked room. */
    this.elsewhere = new Set();
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
  /** The files offered and waiting for their upload token, by the offer's label. */
  uploads: new Map(),
  nextLabel: 1,
  /** What the next line sent does: answer a message, or replace one's text (its id and room). */
  composing: null,
  /** Who is away (the host's, in every room), and why: by name. */
  away: new Map(),
  /** Whether the host made this page one of its moderators (`/oper`). */
  moderator: false,
  /** Whether the host lists its bans and mutes (its welcome's `rules`). */
  hasRules: false,
  /** The room whose bans and mutes the panel shows ("" for the host's, from the default room). */
  rulesRoom: "",
};

/** The conversation a server message is for: for a private message or file, the direct one
 * with the other person (opened by it); else its `room`, or the default room. */
function roomOf(msg) {
  if ((msg.type === "private" || msg.type === "file") && typeof msg.to === "string") {
    return direct(msg.from === state.me ? msg.to : msg.from);
  }
  return state.rooms.get(msg.room ?? "") ?? null;
}

/** " (away: lunch)" after someone away, or nothing. */
function awayMark(name) {
  const note = state.away.get(name);
  if (!note) return "";
  const span = document.createElement("span");
  span.className = "away";
  const why = note.auto ? t("idle") : note.reason ? t("isAwayBecause", { reason: note.reason }) : t("isAway");
  span.textContent = " (" + why + ")";
  return span;
}

/** " (other site)" after someone at another site of a linked room, or nothing. */
function elsewhereMark(room, name) {
  if (!room.elsewhere.has(name)) return "";
  const span = document.createElement("span");
  span.className = "elsewhere";
  span.textContent = " " + t("otherSite");
  return span;
}

/** The names of a welcome's or a people list's `elsewhere` (nobody, when absent or not a list). */
function namesOf(list) {
  return new Set(Array.isArray(list) ? list.filter((name) => typeof name === "string") : []);
}

/** Who is away, from a welcome's or a people list's `away`. */
function setAway(notes) {
  state.away.clear();
  for (const note of Array.isArray(notes) ? notes : []) {
    if (typeof note?.name === "string") state.away.set(note.name, note);
  }
  showAway();
}

/** The people list and the Away button, as state.away says. */
function showAway() {
  const away = state.me !== null && state.away.has(state.me);
  $("away-button").setAttribute("aria-pressed", away ? "true" : "false");
  if (state.rooms.has(state.current)) showPeople();
}

/** A message that should reach a person who is not looking: a notification, where the browser
 * allows them (https only, once allowed) and the page is not in front. */
function notify(room, msg) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  if (!document.hidden && document.hasFocus()) return;
  const title = room.direct ? t("directWith", { name: room.name }) : room.name;
  const note = new Notification(title, { body: msg.from + ": " + (msg.text ?? ""), tag: room.key || "coucou" });
  note.addEventListener("click", () => {
    window.focus();
    goTo(room);
  });
}

/** A search's answer: each message found, with its room; a click goes to it when on the page. */
function showResults(msg) {
  const found = Array.isArray(msg.results) ? msg.results : [];
  const n = found.length;
  const text = String(msg.text ?? "");
  $("search-status").textContent =
    n === 0 ? t("found0", { text }) : n === 1 ? t("found1", { text }) : t("foundN", { n, text });
  $("search-results").replaceChildren(
    ...found.map((f) => {
      const li = document.createElement("li");
      const m = f.message ?? {};
      const key = typeof f.room === "string" ? f.room : "";
      if (key) {
        const where = document.createElement("span");
        where.className = "where";
        where.textContent = key + " · ";
        li.append(where);
      }
      if (m.time) li.append(timeOf(m.time) + " ");
      const from = document.createElement("strong");
      from.textContent = String(m.from ?? "");
      li.append(from, ": " + String(f.file ? "📎 " + f.file.name : (m.text ?? "")));
      li.addEventListener("click", () => {
        const room = state.rooms.get(key);
        const line = room?.byId.get(m.id);
        if (!room || !line) return;
        $("search").hidden = true;
        goTo(room);
        line.scrollIntoView({ block: "center" });
      });
      return li;
    }),
  );
}

/** How long a ban or a mute has left (`until`, on the host's clock `now`), as the app says it. */
function timeLeft(until, now) {
  if (typeof until !== "number") return t("untilLifted");
  const minutes = Math.max(1, Math.ceil((until - now) / 60000));
  if (minutes < 120) return t("minutesLeft", { n: minutes });
  if (minutes < 2880) return t("hoursLeft", { n: Math.ceil(minutes / 60) });
  return t("daysLeft", { n: Math.ceil(minutes / 1440) });
}

/** Asks the host for its bans and mutes (as seen from the room on screen), the panel open. */
function askRules() {
  const room = state.rooms.get(state.current);
  state.rulesRoom = room && !room.direct ? room.key : "";
  $("rules").hidden = false;
  $("rules-status").textContent = t("asking");
  send({ type: "moderate", act: "rules" }, state.rulesRoom);
}

/** The host's bans and mutes in the panel, each with what it is, who decided it, how long it has
 * left and why, and a button that lifts it (then the list is asked again). */
function showRules(msg) {
  const rules = Array.isArray(msg.rules) ? msg.rules : [];
  const now = typeof msg.time === "number" ? msg.time : Date.now();
  const more = typeof msg.more === "number" ? msg.more : 0;
  $("rules-status").textContent =
    rules.length === 0 ? t("rulesNone") : more > 0 ? t("rulesMore", { n: more }) : "";
  $("rules-list").replaceChildren(
    ...rules.map((rule) => {
      const li = document.createElement("li");
      const name = String(rule.name ?? "");
      const ban = rule.kind === "ban";
      const room = typeof rule.room === "string" ? rule.room : "";
      const who = document.createElement("strong");
      who.textContent = name;
      const what = document.createElement("span");
      what.className = "what";
      const kind = ban ? t("banned") : room ? t("mutedIn", { room }) : t("muted");
      const why = typeof rule.reason === "string" && rule.reason ? " · " + t("why", { reason: rule.reason }) : "";
      what.textContent = ` ${kind} · ${t("by", { name: String(rule.by ?? "") })} · ${timeLeft(rule.until, now)}${why}`;
      const lift = document.createElement("button");
      lift.type = "button";
      lift.textContent = t("lift");
      lift.setAttribute("aria-label", t(ban ? "liftBan" : "liftMute", { name }));
      lift.addEventListener("click", () => {
        // A room's own mute is lifted in that room; the host's in the default room.
        send({ type: "moderate", act: ban ? "unban" : "unmute", name }, room);
        askRules();
      });
      li.append(who, what, lift);
      return li;
    }),
  );
}

/** The direct conversation with `name`, opened if it was not. */
function direct(name) {
  const key = DIRECT + name;
  let room = state.rooms.get(key);
  if (!room) {
    room = new Room(key, name);
    state.rooms.set(key, room);
    showRooms();
  }
  return room;
}

/** Puts `room` on screen, all of it read; a reply or an edit begun in another is let go. */
function goTo(room) {
  state.current = room.key;
  room.unread = 0;
  if (state.composing?.room !== room.key) compose(null);
  showCurrent();
}

/** Goes to the direct conversation with `name`. */
function openDirect(name) {
  goTo(direct(name));
  $("say").focus();
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
      if (msg.type === "message" && typeof msg.id === "number") li.append(moreButton(msg));
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

/** How much of a slice a file is hashed at a time. */
const SLICE = 4 * 1024 * 1024;

/** The longest side a picture keeps, and the largest picture file read (as the app). */
const MAX_SIDE = 3840;
const MAX_PICTURE_FILE = 64 * 1024 * 1024;

/** What leaves the phone of a picture: drawn again, so without what its file says of where and
 * with what it was taken (EXIF, GPS), upright, its longer side at most MAX_SIDE. A GIF goes as
 * it is; anything else is not a picture and goes as it is. Throws if the picture can't be read. */
async function withoutMetadata(file) {
  const kind = /\.png$/i.test(file.name)
    ? "image/png"
    : /\.jpe?g$/i.test(file.name)
      ? "image/jpeg"
      : /\.webp$/i.test(file.name)
        ? "image/webp"
        : null;
  if (kind === null) return file;
  if (file.size > MAX_PICTURE_FILE) throw new Error("too large");
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((done) => canvas.toBlob(done, kind, 0.92));
  if (blob === null) throw new Error("not drawn");
  // A browser that can't write that kind writes a PNG: the name then says so.
  const name = blob.type === kind ? file.name : file.name.replace(/\.[^.]*$/, ".png");
  return new File([blob], name, { type: blob.type });
}

/** The SHA-256 of `blob`, read a slice at a time; `progress(fraction)` as it goes. */
async function sha256Of(blob, progress) {
  const hash = new Sha256();
  for (let at = 0; at < blob.size; at += SLICE) {
    progress(at / blob.size);
    hash.update(new Uint8Array(await blob.slice(at, at + SLICE).arrayBuffer()));
  }
  return hash.hex();
}

const percent = (fraction) => String(Math.floor(fraction * 100));

/** Offers `original` to the room, or to the person `to` alone (a picture without its metadata),
 * with its SHA-256; its bytes go once the host answers with a token. */
async function offerFile(original, to) {
  const status = $("status");
  let file;
  try {
    file = await withoutMetadata(original);
  } catch {
    status.textContent = t("notPicture", { name: original.name });
    return;
  }
  const sha256 = await sha256Of(file, (f) => {
    status.textContent = t("reading", { name: file.name, pct: percent(f) });
  });
  const label = state.nextLabel++;
  state.uploads.set(label, file);
  status.textContent = t("sending", { name: file.name, pct: "0" });
  const offer = { type: "offer", name: file.name, size: file.size, sha256, label };
  if (to !== null) offer.to = to;
  send(offer);
}

/** Sends an offered file's bytes with its upload token: the host announces it once all are in. */
function upload(file, token) {
  const status = $("status");
  const xhr = new XMLHttpRequest();
  xhr.open("PUT", "/file/" + encodeURIComponent(token));
  xhr.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable && event.total > 0) {
      status.textContent = t("sending", { name: file.name, pct: percent(event.loaded / event.total) });
    }
  });
  xhr.addEventListener("load", () => {
    status.textContent = xhr.status === 200 ? "" : xhr.responseText.trim() || t("notSent", { name: file.name });
  });
  xhr.addEventListener("error", () => {
    status.textContent = t("notSent", { name: file.name });
  });
  xhr.send(file);
}

/** The line a reply quotes, above it; a click goes to the message quoted, when on the page. */
function quote(reply) {
  const q = document.createElement("span");
  q.className = "quote";
  q.title = t("replyTo", { name: reply.from ?? "?" });
  q.textContent = "↪ " + (reply.from ? reply.from + ": " : "") + (reply.text ?? "…");
  q.addEventListener("click", () => {
    const original = state.rooms.get(state.current)?.byId.get(reply.id);
    if (original) original.scrollIntoView({ block: "center" });
  });
  return q;
}

/** The emoji a message's actions offer at one touch (any other comes by a message's own). */
const QUICK = ["👍", "❤️", "😂", "🎉", "😮"];

/** A message's "⋯": opens its actions (reply, a reaction, and for your own edit and delete). */
function moreButton(msg) {
  const more = document.createElement("button");
  more.type = "button";
  more.className = "more";
  more.textContent = "⋯";
  more.setAttribute("aria-label", t("actions"));
  more.setAttribute("aria-expanded", "false");
  more.addEventListener("click", () => {
    const li = more.closest("li");
    const open = li.querySelector(".actions");
    if (open) {
      open.remove();
      more.setAttribute("aria-expanded", "false");
      return;
    }
    li.append(actions(msg));
    more.setAttribute("aria-expanded", "true");
  });
  return more;
}

/** The actions on `msg`, as a row of buttons. */
function actions(msg) {
  const row = document.createElement("span");
  row.className = "actions";
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", t("actions"));
  const button = (label, act, name = label) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.setAttribute("aria-label", name);
    b.addEventListener("click", () => act(b));
    row.append(b);
  };
  const close = () => {
    row.closest("li")?.querySelector(".more")?.setAttribute("aria-expanded", "false");
    row.remove();
  };
  button(t("reply"), () => {
    compose({ kind: "reply", id: msg.id, room: msg.room ?? "", from: msg.from, text: msg.text ?? "" });
    close();
  });
  for (const emoji of QUICK) {
    button(emoji, () => {
      const names = msg.reactions?.find((r) => r.emoji === emoji)?.names ?? [];
      send({ type: "react", id: msg.id, emoji, on: !names.includes(state.me) }, msg.room);
      close();
    }, t("react", { emoji }));
  }
  if (msg.from !== state.me) {
    button(t("direct"), () => {
      close();
      openDirect(msg.from);
    });
  }
  if (msg.from === state.me) {
    button(t("edit"), () => {
      compose({ kind: "edit", id: msg.id, room: msg.room ?? "", text: msg.text ?? "" });
      $("say").value = msg.text ?? "";
      close();
    });
    button(t("remove"), (b) => {
      if (!sure(b, t("reallyRemove"))) return;
      send({ type: "delete", id: msg.id }, msg.room);
      close();
    });
  }
  if (state.moderator && msg.from !== state.me) {
    const moderate = (act, label, asked, sureLabel) =>
      button(label, (b) => {
        if (!sure(b, sureLabel)) return;
        send({ type: "moderate", act, ...asked }, msg.room);
        close();
      });
    const name = { name: msg.from };
    moderate("delete", t("modDelete"), { id: msg.id }, t("modDeleteSure"));
    moderate("mute", t("modMute", name), name, t("modMuteSure", name));
    moderate("kick", t("modKick", name), name, t("modKickSure", name));
    moderate("ban", t("modBan", name), { ...name, minutes: 24 * 60 }, t("modBanSure", name));
  }
  return row;
}

/** Whether `b` was pressed a second time: the first press asks, on the button itself, with
 * `asking` (nothing to dismiss, nothing that blocks the page). */
function sure(b, asking) {
  if (b.dataset.sure === "yes") return true;
  b.dataset.sure = "yes";
  b.textContent = asking;
  b.setAttribute("aria-label", asking);
  return false;
}

/** The next line answers a message or replaces one's text (`what`), or is a message (`null`);
 * the bar above the message box says which. */
function compose(what) {
  state.composing = what;
  const bar = $("composing");
  bar.hidden = what === null;
  if (what === null) return;
  $("composing-text").textContent =
    what.kind === "reply"
      ? t("replying", { name: what.from, text: what.text.length > 80 ? what.text.slice(0, 80) + "…" : what.text })
      : t("editing");
  $("say").focus();
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
  if (room.key !== "" && !room.direct) msg.room = room.key;
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
  } else if (msg.type === "message" || msg.type === "private" || msg.type === "file") {
    room.unread += 1;
    showRooms();
  }
}

/** The room on screen: its lines, its people, who types, its name. */
function showCurrent() {
  const room = state.rooms.get(state.current);
  for (const r of state.rooms.values()) r.list.hidden = r !== room;
  $("room-name").textContent = room.direct ? t("directWith", { name: room.name }) : room.name;
  // Files are the host's default room's, or sent to one person.
  $("attach-button").hidden = room.key !== "" && !room.direct;
  document.title = room.name + " — Coucou";
  // The host keeps no private messages for a name: a direct conversation has no older pages.
  $("older").hidden = room.direct || (!room.more && room.oldest === null);
  showPeople();
  showTyping();
  showRooms();
}

/** Shows the people list in the conversation's place on a narrow screen (`open`), or puts it
 * away; the count button says whether the list shows. */
function showPeopleList(open) {
  $("room").classList.toggle("people-open", open);
  const shown = getComputedStyle($("people-list")).display !== "none";
  $("people-count").setAttribute("aria-expanded", String(shown));
}

/** The people of the conversation on screen; a click on someone else opens a direct one. */
function showPeople() {
  const room = state.rooms.get(state.current);
  const people = room.direct ? [state.me, room.name] : room.people;
  $("people").replaceChildren(
    ...people.map((name) => {
      const li = document.createElement("li");
      if (name === state.me || room.direct) {
        li.textContent = name;
        li.append(elsewhereMark(room, name), awayMark(name));
      } else {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "person";
        b.textContent = name;
        b.title = t("direct");
        b.addEventListener("click", () => {
          showPeopleList(false);
          openDirect(name);
        });
        li.append(b, elsewhereMark(room, name), awayMark(name));
      }
      return li;
    }),
  );
  const n = people.length;
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
  const directs = [...state.rooms.values()].some((r) => r.direct);
  nav.hidden = !state.hasRooms && !directs;
  if (nav.hidden) return;
  const names = [...state.rooms.values()].filter((r) => !r.direct).map((r) => r.name);
  const others = state.listed.filter((r) => !r.default && !state.rooms.has(r.name) && !r.protected);
  const button = (label, key, room) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (room) {
      b.setAttribute("aria-current", room.key === state.current ? "page" : "false");
      if (room.direct) b.dataset.direct = room.name;
      if (room.unread > 0) {
        const badge = document.createElement("span");
        badge.className = "unread";
        badge.textContent = String(room.unread);
        badge.title = room.unread === 1 ? t("unread1") : t("unreadN", { n: room.unread });
        b.append(" ", badge);
      }
      b.addEventListener("click", () => {
        goTo(room);
        $("say").focus();
      });
    } else {
      b.classList.add("join");
      b.addEventListener("click", () => send({ type: "join_room" }, key));
    }
    return b;
  };
  // The conversation on screen, unless it is the default room, can be left: a named room on the
  // host, a direct one on this page.
  const leave = (room) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "leave";
    b.textContent = "×";
    b.setAttribute("aria-label", t("leave", { name: room.name }));
    b.title = t("leave", { name: room.name });
    b.addEventListener("click", () => {
      if (!room.direct) {
        send({ type: "part_room" }, room.key);
        return;
      }
      room.list.remove();
      state.rooms.delete(room.key);
      state.current = "";
      compose(null);
      showCurrent();
    });
    return b;
  };
  nav.replaceChildren(
    ...[...state.rooms.values()].flatMap((room) => {
      const b = button(room.direct ? "@" + room.name : room.name, room.key, room);
      return room.key !== "" && room.key === state.current ? [b, leave(room)] : [b];
    }),
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
  room.elsewhere = namesOf(msg.elsewhere);
  if (first) setAway(msg.away);
  for (const m of msg.history ?? []) show(room, m);
  state.current = key;
  if (first) {
    $("join").hidden = true;
    $("room").hidden = false;
    showPeopleList(false);
    $("status").textContent = "";
    if (msg.changes) send({ type: "changes" });
    state.hasRooms = msg.rooms === true;
    state.hasRules = msg.rules === true;
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
  if (msg.type === "results") {
    showResults(msg);
    return;
  }
  if (msg.type === "rules") {
    showRules(msg);
    return;
  }
  if (msg.type === "away" && typeof msg.name === "string") {
    state.away.set(msg.name, msg);
    showAway();
    return;
  }
  if (msg.type === "back" && typeof msg.name === "string") {
    state.away.delete(msg.name);
    showAway();
    return;
  }
  if (msg.type === "moderator") {
    state.moderator = msg.on !== false;
    $("rules-button").hidden = !(state.moderator && state.hasRules);
    if (!state.moderator) $("rules").hidden = true;
    const room = state.rooms.get(state.current);
    if (room) show(room, { type: "notice", time: Date.now(), text: t(state.moderator ? "moderatorNow" : "moderatorNoMore") });
    return;
  }
  if (msg.type === "room_made") {
    send({ type: "rooms" });
    return;
  }
  if (msg.type === "password" && msg.room === undefined) {
    // The host asks for its password as typed (a page can't prove it as the app does): sent if
    // it was typed in, else asked for, and the page joins again with it.
    const typed = $("password-row").hidden ? "" : $("password").value;
    if (msg.salt === "" && msg.msg === "" && typed !== "") {
      send({ type: "typed_password", text: typed });
    } else {
      $("password-row").hidden = false;
      $("join-error").textContent = t("passwordNeeded");
      state.socket?.close();
      $("password").focus();
    }
    return;
  }
  // A named room's password exchange is the app's: the page does not offer those rooms.
  if (msg.type === "password" || msg.type === "verified") return;
  if (msg.type === "ready") {
    const file = state.uploads.get(msg.label);
    state.uploads.delete(msg.label);
    if (file && typeof msg.token === "string") upload(file, msg.token);
    return;
  }
  if (msg.type === "ticket") {
    const use = state.fetching.get(msg.file);
    state.fetching.delete(msg.file);
    if (use && typeof msg.token === "string") use(msg.token);
    return;
  }
  if (msg.type === "error") {
    // An offer refused: nothing to send.
    if (msg.label !== undefined) state.uploads.delete(msg.label);
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
      const named = msg.type === "message" && mentions(msg.text ?? "", state.me ?? "");
      if (msg.from !== state.me && (msg.type === "private" || named)) notify(room, msg);
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
      if (msg.elsewhere === true) room.elsewhere.add(msg.name);
      else room.elsewhere.delete(msg.name);
      if (here) showPeople();
      show(room, msg);
      break;
    case "leave":
      room.people = room.people.filter((n) => n !== msg.name);
      room.elsewhere.delete(msg.name);
      room.typing.delete(msg.name);
      if (here) {
        showPeople();
        showTyping();
      }
      show(room, msg);
      break;
    case "rename":
      room.people = room.people.map((n) => (n === msg.old ? msg.new : n));
      if (room.elsewhere.delete(msg.old)) room.elsewhere.add(msg.new);
      if (state.me === msg.old) state.me = msg.new;
      renameDirect(msg.old, msg.new);
      if (here) showPeople();
      show(room, msg);
      break;
    case "users":
      room.people = msg.users ?? [];
      room.elsewhere = namesOf(msg.elsewhere);
      if (!room.key) setAway(msg.away);
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
      if (here) {
        state.current = "";
        compose(null);
      }
      send({ type: "rooms" });
      showCurrent();
      break;
    default:
      break;
  }
}

/** A direct conversation follows its person's new name. */
function renameDirect(old, now) {
  const room = state.rooms.get(DIRECT + old);
  if (!room || state.rooms.has(DIRECT + now)) return;
  state.rooms.delete(room.key);
  room.key = DIRECT + now;
  room.name = now;
  state.rooms.set(room.key, room);
  if (state.current === DIRECT + old) state.current = room.key;
  showCurrent();
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
    state.away.clear();
    // A moderator until they leave: a new connection is nobody's moderator until it says /oper.
    state.moderator = false;
    $("rules-button").hidden = true;
    $("rules").hidden = true;
    $("rules-list").replaceChildren();
    compose(null);
    $("search").hidden = true;
    $("search-results").replaceChildren();
    $("search-status").textContent = "";
    $("messages").replaceChildren();
    $("room").hidden = true;
    $("join").hidden = false;
    $("join-error").textContent = state.last ?? t("lost");
  });
}

let typingSent = false;

/** Over https, the room code of the certificate this page came with, to compare with the host's
 * (in clear there is no certificate, and no code). */
async function showRoomCode() {
  if (location.protocol !== "https:") return;
  try {
    const room = await (await fetch("/room.json")).json();
    if (typeof room.code !== "string") return;
    $("room-code").textContent = t("roomCode", { code: room.code });
    $("room-code").hidden = false;
  } catch {
    // No code to show: nothing else changes.
  }
}

document.addEventListener("DOMContentLoaded", () => {
  translatePage();
  showRoomCode();
  $("join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    // Asked once, on this press: a page may only ask while the person acts.
    if ("Notification" in window && window.isSecureContext && Notification.permission === "default") {
      Notification.requestPermission().catch(() => {});
    }
    const name = $("name").value.trim();
    if (name) join(name);
  });
  $("say-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("say").value;
    if (text.trim() === "") return;
    const what = state.composing;
    const room = state.rooms.get(state.current);
    const typed = text.trimStart();
    const command = typed.startsWith("/");
    if (what && what.room === state.current) {
      send({ type: what.kind, id: what.id, text }, what.room);
    } else if (room.direct && command && !typed.startsWith("//")) {
      // Not here: a command would act in a room (a `/me` said to everyone), not in private.
      $("status").textContent = t("commandsInRooms");
      return;
    } else if (room.direct) {
      // `//text` says `/text`, as in a room.
      send({ type: "msg", to: room.name, text: command ? typed.slice(1) : text });
    } else if (command) {
      // Read by the host as a terminal's line. The moderators' password never leaves in clear.
      if (/^\s*\/oper(\s|$)/i.test(text) && location.protocol !== "https:") {
        $("status").textContent = t("operInClear");
      } else {
        send({ type: "typed", text }, state.current);
      }
    } else {
      send({ type: "say", text }, state.current);
    }
    compose(null);
    $("say").value = "";
    typingSent = false;
  });
  $("say").addEventListener("input", () => {
    // A command being typed (a password, say) is nobody's business; an action (`/me`) is a message.
    const value = $("say").value;
    const active = value !== "" && (!value.startsWith("/") || value.startsWith("/me "));
    // Who types is told in rooms only.
    if (state.rooms.get(state.current)?.direct) return;
    if (active !== typingSent) {
      send({ type: "typing", active }, state.current);
      typingSent = active;
    }
  });
  $("people-count").addEventListener("click", () => {
    showPeopleList(!$("room").classList.contains("people-open"));
  });
  // A phone turned sideways (or a window made narrower) shows or hides the list by itself.
  matchMedia("(max-width: 40rem)").addEventListener("change", () => {
    if (!$("room").hidden) showPeopleList($("room").classList.contains("people-open"));
  });
  $("rules-button").addEventListener("click", () => {
    if ($("rules").hidden) askRules();
    else $("rules").hidden = true;
  });
  $("rules-refresh").addEventListener("click", askRules);
  $("close-rules").addEventListener("click", () => {
    $("rules").hidden = true;
  });
  $("search-button").addEventListener("click", () => {
    const panel = $("search");
    panel.hidden = !panel.hidden;
    if (!panel.hidden) $("search-text").focus();
  });
  $("close-search").addEventListener("click", () => {
    $("search").hidden = true;
    $("say").focus();
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("search-text").value.trim();
    if (text === "") return;
    // Every room the page is in, where the host has rooms; its one room otherwise.
    const msg = { type: "search", text, limit: 50 };
    if (state.hasRooms) msg.room = "*";
    send(msg);
  });
  $("away-button").addEventListener("click", () => {
    const away = state.away.has(state.me);
    send(away ? { type: "back" } : { type: "away" });
  });
  $("cancel-composing").setAttribute("aria-label", t("cancel"));
  $("cancel-composing").title = t("cancel");
  $("cancel-composing").addEventListener("click", () => {
    if (state.composing?.kind === "edit") $("say").value = "";
    compose(null);
  });
  $("attach-button").setAttribute("aria-label", t("attach"));
  $("attach-button").title = t("attach");
  $("attach-button").addEventListener("click", () => $("attach").click());
  $("attach").addEventListener("change", () => {
    const file = $("attach").files[0];
    $("attach").value = "";
    const room = state.rooms.get(state.current);
    if (file) offerFile(file, room?.direct ? room.name : null);
  });
  $("older").addEventListener("click", () => {
    const room = state.rooms.get(state.current);
    if (room && room.oldest !== null) {
      send({ type: "history", before: room.oldest, limit: 50 }, state.current);
    }
  });
});
