// The sandbox web chat: choose a person, chat as them with the real bot, move the sandbox clock.
// Plain JavaScript, no build step, no libraries. The JSON API is described in docs/SANDBOX.md.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const app = $("app");

  const FA_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  const faDigits = (value) => String(value).replace(/[0-9]/g, (d) => FA_DIGITS[d]);
  const PLATFORM_NAMES = { telegram: "تلگرام", bale: "بله" };
  const FALLBACK_MENU = [{ command: "help", description: "راهنما" }];
  const POLL_WAIT = 20; // seconds a long poll of /api/chat may wait on the server

  const state = {
    people: [],
    current: null, // user_id of the person being played
    version: null, // version of the chat view drawn on screen
    chat: null,
    seenAnswers: new Set(),
    seenBotMessages: {}, // user_id -> bot messages already seen (for the unread badges)
    loop: 0, // generation of the polling loop; a new person starts a new one
    abort: null,
    keyboardHidden: false,
  };

  // -- talking to the sandbox ------------------------------------------------------------------------
  async function api(path, options) {
    const response = await fetch(path, options);
    let body;
    try {
      body = await response.json();
    } catch (error) {
      throw new Error(response.statusText || "پاسخ نامعتبر");
    }
    if (!body.ok) throw new Error(body.description || "خطا");
    return body.result;
  }

  function post(path, data) {
    return api(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(data),
    });
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  // -- small views -----------------------------------------------------------------------------------
  let toastTimer = null;
  function toast(text) {
    const element = $("toast");
    element.textContent = text;
    element.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (element.hidden = true), 3500);
  }

  function alertBox(text) {
    $("alert-text").textContent = text;
    $("alert").hidden = false;
    $("alert-ok").focus();
  }

  function el(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function svgIcon(path) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "ico");
    const shape = document.createElementNS(ns, "path");
    shape.setAttribute("d", path);
    svg.appendChild(shape);
    return svg;
  }

  // Text with http(s) links made clickable; everything else stays plain text (never parsed as HTML).
  function textWithLinks(text) {
    const container = el("div", "text");
    container.dir = "auto";
    const pattern = /https?:\/\/[^\s]+/g;
    let last = 0;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      container.appendChild(document.createTextNode(text.slice(last, match.index)));
      const link = el("a", "", match[0]);
      link.href = match[0];
      link.target = "_blank";
      link.rel = "noopener";
      container.appendChild(link);
      last = match.index + match[0].length;
    }
    container.appendChild(document.createTextNode(text.slice(last)));
    return container;
  }

  function fileSize(bytes) {
    if (bytes < 1024) return faDigits(bytes) + " بایت";
    if (bytes < 1024 * 1024) return faDigits((bytes / 1024).toFixed(1)) + " کیلوبایت";
    return faDigits((bytes / 1024 / 1024).toFixed(1)) + " مگابایت";
  }

  function initial(name) {
    return (name || "?").trim().charAt(0);
  }

  // -- the clock -------------------------------------------------------------------------------------
  function showClock(clock) {
    $("clock-text").textContent = clock.jalali;
    const seconds = clock.offset_seconds;
    let ahead = "";
    if (seconds > 0) {
      const days = Math.floor(seconds / 86400);
      const hours = Math.floor((seconds % 86400) / 3600);
      const parts = [];
      if (days) parts.push(faDigits(days) + " روز");
      if (hours) parts.push(faDigits(hours) + " ساعت");
      ahead = (parts.join(" و ") || "کمتر از یک ساعت") + " جلوتر از ساعت واقعی";
    }
    $("clock-offset").textContent = ahead;
  }

  async function moveClock(button) {
    const body = button.dataset.hours ? { hours: Number(button.dataset.hours) } : { days: Number(button.dataset.days) };
    button.disabled = true;
    try {
      showClock(await post("/api/clock", body));
      // The amount ("+۱۰") reads left to right inside the Persian sentence, as on the button.
      const amount = button.querySelector("bdi").textContent;
      const unit = button.textContent.replace(amount, "").trim();
      toast("زمان سندباکس جلو رفت: \u2066" + amount + "\u2069 " + unit);
      kick();
      refreshPeople();
    } catch (error) {
      toast("جلو بردن زمان نشد: " + error.message);
    } finally {
      button.disabled = false;
    }
  }

  let resetArmed = null;
  async function reset() {
    const button = $("reset");
    if (!resetArmed) {
      // A second tap within a few seconds confirms; no blocking confirm() dialog.
      button.textContent = "مطمئنید؟ دوباره بزنید";
      button.classList.add("confirm");
      resetArmed = setTimeout(disarm, 4000);
      return;
    }
    disarm();
    button.disabled = true;
    button.textContent = "در حال بازنشانی…";
    try {
      const result = await post("/api/reset", {});
      state.seenAnswers.clear();
      state.seenBotMessages = {};
      state.version = null;
      showClock(result.clock);
      toast("سندباکس از نو شروع شد.");
      await refreshPeople();
      kick();
    } catch (error) {
      toast("بازنشانی نشد: " + error.message);
    } finally {
      button.disabled = false;
      button.textContent = "بازنشانی";
    }
  }

  function disarm() {
    clearTimeout(resetArmed);
    resetArmed = null;
    $("reset").textContent = "بازنشانی";
    $("reset").classList.remove("confirm");
  }

  // -- the people ------------------------------------------------------------------------------------
  async function refreshPeople() {
    try {
      const result = await api("/api/state");
      state.people = result.people;
      const platform = PLATFORM_NAMES[result.platform] || result.platform;
      $("platform").textContent =
        "محیط آزمایشی روی همین رایانه، با رفتار " + platform + "؛ هیچ پیامی بیرون نمی‌رود.";
      showClock(result.clock);
      drawPeople();
      $("offline").hidden = true;
    } catch (error) {
      $("offline").hidden = false;
    }
  }

  function drawPeople() {
    const list = $("people");
    list.replaceChildren();
    for (const person of state.people) {
      const item = el("li");
      const button = el("button", "person" + (person.user_id === state.current ? " active" : ""));
      button.type = "button";
      button.dataset.userId = person.user_id;
      const avatar = el("span", "avatar r-" + person.role, initial(person.name));
      const text = el("span", "person-text");
      text.appendChild(el("span", "person-name", person.name));
      for (const role of person.roles) text.appendChild(el("span", "person-role", role));
      button.append(avatar, text);
      const seen = state.seenBotMessages[person.user_id] || 0;
      const unread = person.user_id === state.current ? 0 : person.bot_messages - seen;
      if (unread > 0) button.appendChild(el("span", "badge", faDigits(unread)));
      button.addEventListener("click", () => choose(person.user_id));
      item.appendChild(button);
      list.appendChild(item);
    }
  }

  function choose(userId) {
    const person = state.people.find((p) => p.user_id === userId);
    if (!person) return;
    state.current = userId;
    state.version = null;
    state.chat = null;
    state.keyboardHidden = false;
    app.dataset.view = "chat";
    history.replaceState(null, "", "#" + userId);
    $("chat-name").textContent = person.name;
    $("chat-role").textContent = person.roles.join("، ");
    const avatar = $("chat-avatar");
    avatar.textContent = initial(person.name);
    avatar.className = "avatar r-" + person.role;
    $("messages").replaceChildren();
    $("menu").hidden = true;
    $("keyboard").hidden = true;
    $("keyboard-toggle").hidden = true;
    $("empty").hidden = true;
    drawPeople();
    startPolling();
  }

  function back() {
    app.dataset.view = "people";
    state.current = null;
    state.loop += 1;
    if (state.abort) state.abort.abort();
    history.replaceState(null, "", "#");
    refreshPeople();
  }

  // -- the chat --------------------------------------------------------------------------------------
  function startPolling() {
    state.loop += 1;
    if (state.abort) state.abort.abort();
    poll(state.loop, state.current);
  }

  // Ask again at once (after the person did something): the current long poll ends, the loop goes on.
  function kick() {
    if (state.abort) state.abort.abort();
  }

  async function poll(generation, userId) {
    let first = true;
    while (state.loop === generation) {
      const controller = new AbortController();
      state.abort = controller;
      const since = first ? "" : state.version || "";
      const wait = first ? 0 : POLL_WAIT;
      try {
        const url = "/api/chat?user_id=" + userId + "&since=" + since + "&wait=" + wait;
        const result = await api(url, { signal: controller.signal });
        if (state.loop !== generation) return;
        first = false;
        $("offline").hidden = true;
        showClock(result.clock);
        if (result.changed) {
          state.version = result.version;
          drawChat(result.chat);
        }
      } catch (error) {
        if (state.loop !== generation) return;
        if (error.name === "AbortError") continue;
        $("offline").hidden = false;
        first = true;
        await sleep(1500);
      }
    }
  }

  function drawChat(chat) {
    const box = $("messages");
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const firstDraw = state.chat === null;
    state.chat = chat;
    const person = state.current;
    state.seenBotMessages[person] = chat.messages.filter((m) => m.from_bot).length;

    box.replaceChildren(...chat.messages.map(drawMessage));
    $("empty").hidden = chat.messages.length > 0;
    if (firstDraw || nearBottom) box.scrollTop = box.scrollHeight;

    drawKeyboard(chat.reply_keyboard);
    drawMenu(chat.commands);
    for (const answer of chat.answers) {
      if (state.seenAnswers.has(answer.id)) continue;
      state.seenAnswers.add(answer.id);
      if (firstDraw) continue; // old toasts are not replayed when a person is opened again
      if (answer.alert) alertBox(answer.text);
      else toast(answer.text);
    }
  }

  function drawMessage(message) {
    const row = el("div", "msg " + (message.from_bot ? "bot" : "me"));
    row.dataset.id = message.id;
    const bubble = el("div", "bubble");
    if (message.photo) {
      const link = el("a", "photo");
      link.href = message.photo.url;
      link.target = "_blank";
      const image = el("img");
      image.src = message.photo.url;
      image.alt = "تصویر";
      link.appendChild(image);
      bubble.appendChild(link);
    }
    if (message.document) {
      const doc = message.document;
      const link = el("a", "doc");
      link.href = doc.url;
      link.download = doc.name;
      const icon = el("span", "doc-icon");
      icon.appendChild(svgIcon("M12 4v11m0 0l-4-4m4 4l4-4M5 20h14"));
      const label = el("span");
      label.append(el("span", "doc-name", doc.name), el("span", "doc-size", fileSize(doc.size)));
      link.append(icon, label);
      bubble.appendChild(link);
    }
    if (message.text) bubble.appendChild(textWithLinks(message.text));
    const meta = el("div", "meta", (message.edited ? "ویرایش‌شده · " : "") + message.time);
    bubble.appendChild(meta);
    row.appendChild(bubble);

    if (message.buttons && message.buttons.length) {
      const keyboard = el("div", "inline-kb");
      for (const buttons of message.buttons) {
        const line = el("div", "row");
        for (const button of buttons) {
          if (button.url) {
            const link = el("a", "", button.text);
            link.href = button.url;
            link.target = "_blank";
            link.rel = "noopener";
            line.appendChild(link);
          } else {
            const press = el("button", "", button.text);
            press.type = "button";
            press.addEventListener("click", () => pressInline(press, message.id, button.text));
            line.appendChild(press);
          }
        }
        keyboard.appendChild(line);
      }
      row.appendChild(keyboard);
    }
    return row;
  }

  function drawKeyboard(keyboard) {
    const box = $("keyboard");
    const toggle = $("keyboard-toggle");
    box.replaceChildren();
    if (!keyboard) {
      box.hidden = true;
      toggle.hidden = true;
      $("text").placeholder = "پیام";
      return;
    }
    for (const labels of keyboard.rows) {
      const line = el("div", "row");
      for (const label of labels) {
        const button = el("button", "", label);
        button.type = "button";
        button.addEventListener("click", () => act("/_sim/press_reply_button", { label: label }));
        line.appendChild(button);
      }
      box.appendChild(line);
    }
    toggle.hidden = false;
    box.hidden = state.keyboardHidden;
    $("text").placeholder = keyboard.placeholder || "پیام";
  }

  function drawMenu(commands) {
    const menu = $("menu");
    menu.replaceChildren();
    const list = commands && commands.length ? commands : FALLBACK_MENU;
    for (const command of list) {
      const item = el("button");
      item.type = "button";
      item.append(el("span", "cmd", "/" + command.command), el("span", "desc", command.description));
      item.addEventListener("click", () => {
        menu.hidden = true;
        sendText("/" + command.command);
      });
      menu.appendChild(item);
    }
  }

  // -- acting as the person --------------------------------------------------------------------------
  async function act(path, data) {
    if (state.current === null) return;
    try {
      await post(path, Object.assign({ user_id: state.current }, data));
      kick();
    } catch (error) {
      toast("ارسال نشد: " + error.message);
    }
  }

  function sendText(text) {
    return act("/_sim/send_text", { text: text });
  }

  async function pressInline(button, messageId, label) {
    button.disabled = true;
    await act("/_sim/press_button", { label: label, message_id: messageId });
    button.disabled = false;
  }

  async function upload(file) {
    if (state.current === null || !file) return;
    const form = new FormData();
    form.append("user_id", String(state.current));
    form.append("kind", /^image\/(jpeg|png|gif|webp)$/.test(file.type) ? "photo" : "document");
    const caption = $("text").value.trim();
    if (caption) form.append("caption", caption);
    form.append("file", file, file.name);
    toast("در حال فرستادن «" + file.name + "»…");
    try {
      await api("/_sim/upload", { method: "POST", body: form });
      $("text").value = "";
      grow();
      kick();
    } catch (error) {
      toast("فرستادن فایل نشد: " + error.message);
    }
  }

  function grow() {
    const box = $("text");
    box.style.height = "auto";
    box.style.height = Math.min(box.scrollHeight, 140) + "px";
  }

  // -- wiring ----------------------------------------------------------------------------------------
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const box = $("text");
    const text = box.value.trim();
    if (!text) return;
    box.value = "";
    grow();
    $("menu").hidden = true;
    sendText(text);
    box.focus();
  });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("text").addEventListener("input", grow);
  $("file").addEventListener("change", (event) => {
    upload(event.target.files[0]);
    event.target.value = "";
  });
  $("menu-button").addEventListener("click", () => ($("menu").hidden = !$("menu").hidden));
  $("keyboard-toggle").addEventListener("click", () => {
    state.keyboardHidden = !state.keyboardHidden;
    $("keyboard").hidden = state.keyboardHidden;
  });
  $("back").addEventListener("click", back);
  $("alert-ok").addEventListener("click", () => ($("alert").hidden = true));
  $("reset").addEventListener("click", reset);
  for (const button of document.querySelectorAll(".strip [data-hours], .strip [data-days]")) {
    button.addEventListener("click", () => moveClock(button));
  }
  for (const button of document.querySelectorAll("[data-command]")) {
    button.addEventListener("click", () => sendText("/" + button.dataset.command));
  }

  // The people list (and their unread badges) refreshes every few seconds while the page is visible.
  setInterval(() => {
    if (!document.hidden) refreshPeople();
  }, 4000);

  refreshPeople().then(() => {
    const wanted = Number(location.hash.slice(1));
    if (wanted) choose(wanted);
  });
})();
