/* Throughline live chat: builds a chat panel inside a given element and talks to /chat/ws.
   Used by the portal's chat page and by widget.js on other sites. Plain JS, no build step. */
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function mount(root, options) {
    var wsUrl = options.wsUrl;
    var storageKey = options.storageKey || "throughline-chat";
    var prefix = options.idPrefix || "tl-chat";
    var socket = null;
    var started = false;
    var retry = 0;
    var seen = {};
    var flowKey = storageKey + "-guide";
    var onCase = false;
    var current = null;   // the guide step on screen: {token, node, state, ...}
    var shownStep = "";   // token + node + state of the last step bubble, not shown twice

    root.classList.add("tl-chat");
    var status = el("p", { "class": "tl-chat-availability", role: "status", id: prefix + "-availability" },
      "Connecting…");
    var caseLine = el("p", { "class": "tl-chat-case", id: prefix + "-case", hidden: "" });
    var log = el("ol", { "class": "tl-chat-log", role: "log", "aria-live": "polite",
      "aria-label": "Conversation", id: prefix + "-log" });
    var error = el("p", { "class": "tl-chat-error", role: "alert", id: prefix + "-error" });

    var details = el("form", { "class": "tl-chat-details", id: prefix + "-details", hidden: "", novalidate: "" });
    details.appendChild(el("p", {}, "Tell us who you are, so we can answer by email too."));
    details.appendChild(el("label", { "for": prefix + "-name" }, "Your name"));
    var nameInput = el("input", { type: "text", id: prefix + "-name", name: "name", autocomplete: "name", required: "" });
    details.appendChild(nameInput);
    details.appendChild(el("label", { "for": prefix + "-email" }, "Your email"));
    var emailInput = el("input", { type: "email", id: prefix + "-email", name: "email", autocomplete: "email", required: "" });
    details.appendChild(emailInput);
    // Optional: replies to beginners are checked for jargon before they are sent.
    details.appendChild(el("label", { "for": prefix + "-proficiency" }, "How comfortable are you with technology? (optional)"));
    var proficiencyInput = el("select", { id: prefix + "-proficiency", name: "proficiency" });
    [["", "Rather not say"], ["novice", "I'm new to this: please keep it simple"],
     ["intermediate", "I'm comfortable with technology"],
     ["expert", "I'm an expert: technical details are welcome"]].forEach(function (option) {
      proficiencyInput.appendChild(el("option", { value: option[0] }, option[1]));
    });
    details.appendChild(proficiencyInput);
    details.appendChild(el("button", { type: "submit" }, "Start chat"));

    var compose = el("form", { "class": "tl-chat-compose", id: prefix + "-compose", hidden: "", novalidate: "" });
    compose.appendChild(el("label", { "for": prefix + "-message" }, "Your message"));
    var messageInput = el("textarea", { id: prefix + "-message", name: "body", rows: "3",
      maxlength: String(options.maxChars || 4000), required: "" });
    compose.appendChild(messageInput);
    compose.appendChild(el("button", { type: "submit" }, "Send"));
    var hint = el("p", { "class": "tl-chat-hint" }, "Enter sends; Shift+Enter starts a new line.");
    compose.appendChild(hint);

    // Self-service guides, walked right here: steps as bubbles, answers as real buttons.
    var guides = el("section", { "class": "tl-chat-guides", id: prefix + "-guides", hidden: "",
      "aria-labelledby": prefix + "-guides-title" });
    guides.appendChild(el("h2", { id: prefix + "-guides-title" }, "Fix it yourself, step by step"));
    guides.appendChild(el("p", { "class": "tl-chat-hint" },
      "Many common problems are solved in a few minutes. A person is one click away at every step."));
    var guideList = el("ul", { "class": "tl-chat-guide-list" });
    guides.appendChild(guideList);
    var flowBox = el("div", { "class": "tl-chat-flow", id: prefix + "-flow", role: "group",
      "aria-label": "Your answer", hidden: "" });

    [status, caseLine, log, flowBox, error, guides, details, compose].forEach(function (node) { root.appendChild(node); });

    function remember(key, value) {
      try {
        if (value) { window.localStorage.setItem(key, value); } else { window.localStorage.removeItem(key); }
      } catch (e) { /* private mode: the chat still works, it just cannot resume */ }
    }

    function recall(key) {
      try { return window.localStorage.getItem(key); } catch (e) { return null; }
    }

    function bubble(author, text, mine, extraClass) {
      var item = el("li", { "class": "tl-chat-entry " + (mine ? "tl-mine" : "tl-theirs") + " " + (extraClass || "") });
      var meta = el("p", { "class": "tl-chat-meta" });
      meta.appendChild(el("span", { "class": "tl-chat-author" }, author));
      item.appendChild(meta);
      item.appendChild(el("p", { "class": "tl-chat-body" }, text));
      log.appendChild(item);
      log.scrollTop = log.scrollHeight;
      return item;
    }

    function button(label, onClick, extraClass) {
      var node = el("button", { type: "button", "class": extraClass || "" }, label);
      node.addEventListener("click", onClick);
      return node;
    }

    function showGuides(list) {
      guideList.textContent = "";
      (list || []).forEach(function (guide) {
        var item = el("li");
        var pick = button("Fix it yourself: " + guide.title, function () {
          showError("");
          send({ type: "flow_start", flow: guide.name });
        }, "tl-chat-guide");
        if (guide.summary) { pick.setAttribute("title", guide.summary); }
        item.appendChild(pick);
        guideList.appendChild(item);
      });
      guides.hidden = onCase || current !== null || !guideList.children.length;
    }

    function endGuide(keepRun) {
      current = null;
      flowBox.hidden = true;
      flowBox.textContent = "";
      if (!keepRun) { remember(flowKey, null); }
    }

    function lockAnswers() {
      Array.prototype.forEach.call(flowBox.querySelectorAll("button"), function (node) { node.disabled = true; });
    }

    function answerWith(choice) {
      if (!current) { return; }
      if (send({ type: "flow_answer", token: current.token, node: current.node.id, choice: choice.number })) {
        bubble("You", choice.label, true, "tl-guide-answer");
        lockAnswers();
      }
    }

    function askPerson() {
      if (!current) { return; }
      if (send({ type: "flow_person", token: current.token })) {
        bubble("You", "Talk to a person", true, "tl-guide-answer");
        lockAnswers();
      }
    }

    function focusFirstAnswer() {
      var active = document.activeElement;
      var wasHere = !active || active === document.body || root.contains(active);
      var first = flowBox.querySelector("button");
      if (wasHere && first) { first.focus(); }
    }

    function showStep(step) {
      var key = step.token + " " + step.node.id + " " + step.state;
      var author = "Guide: " + step.title;
      (step.history || []).forEach(function (item) {
        bubble(author, item.text, false, "tl-guide");
        bubble("You", item.answer, true, "tl-guide-answer");
      });
      var fresh = key !== shownStep;
      shownStep = key;
      current = step;
      guides.hidden = true;
      flowBox.textContent = "";
      if (step.state === "solved") {
        remember(flowKey, null);
        if (fresh) {
          bubble(author, step.node.text + "\n\nWonderful, we are glad that fixed it! " +
            "If you would still like to talk to a person, we are here.", false, "tl-guide tl-guide-solved");
        }
        flowBox.appendChild(button("Talk to a person anyway", askPerson, "tl-chat-person"));
        flowBox.appendChild(button("Back to the guides", function () {
          endGuide(false); guides.hidden = onCase || !guideList.children.length; compose.hidden = !started;
          var first = guideList.querySelector("button"); if (first) { first.focus(); }
        }, "tl-chat-secondary"));
        flowBox.hidden = false;
        compose.hidden = true;
        focusFirstAnswer();
        return;
      }
      if (step.state === "person") {
        if (fresh) {
          bubble(author, step.node.type === "open_case" ? step.node.text :
            "Of course. We are passing what you tried on to a person now.", false, "tl-guide");
        }
        // The run is kept until the case is open ("case" follows), so a reload can finish it.
        flowBox.hidden = true;
        flowBox.textContent = "";
        return;
      }
      remember(flowKey, step.token);
      if (fresh) {
        bubble(author, step.node.text + (step.node.question ? "\n\n" + step.node.question : ""), false, "tl-guide");
      }
      (step.node.choices || []).forEach(function (choice) {
        flowBox.appendChild(button(choice.label, function () { answerWith(choice); }, "tl-chat-choice"));
      });
      flowBox.appendChild(button(step.talk_to_person.label, askPerson, "tl-chat-person"));
      flowBox.appendChild(button("Stop this guide", function () {
        endGuide(false); guides.hidden = onCase || !guideList.children.length; compose.hidden = !started;
        var first = guideList.querySelector("button"); if (first) { first.focus(); }
      }, "tl-chat-secondary"));
      flowBox.hidden = false;
      compose.hidden = true;  // the guide's buttons are the way on; "Talk to a person" is one of them
      focusFirstAnswer();
    }

    function send(message) {
      if (socket && socket.readyState === 1) { socket.send(JSON.stringify(message)); return true; }
      showError("Not connected right now; trying again…");
      return false;
    }

    function showError(text) {
      error.textContent = text || "";
    }

    function addEntry(entry) {
      if (seen[entry.id]) { return; }
      seen[entry.id] = true;
      var item = el("li", { "class": "tl-chat-entry " + (entry.mine ? "tl-mine" : "tl-theirs") + " tl-kind-" + entry.kind,
        "data-entry-id": String(entry.id) });
      var who = el("span", { "class": "tl-chat-author" }, entry.author);
      var when = el("time", { datetime: entry.at }, new Date(entry.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
      var meta = el("p", { "class": "tl-chat-meta" });
      meta.appendChild(who); meta.appendChild(document.createTextNode(" ")); meta.appendChild(when);
      item.appendChild(meta);
      var text = entry.body || "";
      if (entry.kind === "step") { text = "Tried: " + text; }
      if (entry.kind === "resolution_proposed") { text = "Proposed as the fix: " + text; }
      item.appendChild(el("p", { "class": "tl-chat-body" }, text));
      log.appendChild(item);
      log.scrollTop = log.scrollHeight;
    }

    function showCompose() {
      var active = document.activeElement;
      var wasHere = !active || active === document.body || root.contains(active);
      details.hidden = true;
      compose.hidden = false;
      // The "Start chat" button just disappeared: keep keyboard focus in the chat.
      if (wasHere) { messageInput.focus(); }
    }

    function onMessage(event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type === "hello") {
        retry = 0;
        var token = null;
        try { token = window.localStorage.getItem(storageKey); } catch (e) { token = null; }
        if (token) {
          send({ type: "start", token: token });
        } else if (message.signed_in) {
          send({ type: "start" });
        } else {
          details.hidden = false;
          compose.hidden = true;
          status.textContent = "Hello! Who are we talking to?";
        }
      } else if (message.type === "forget") {
        try { window.localStorage.removeItem(storageKey); } catch (e) { /* private mode */ }
        started = false;
        if (!nameInput.value) { details.hidden = false; compose.hidden = true; }
        else { send({ type: "start", name: nameInput.value, email: emailInput.value }); }
      } else if (message.type === "ready") {
        started = true;
        showError("");
        showCompose();
        var run = recall(flowKey);
        if (run) { send({ type: "flow_resume", token: run }); }
      } else if (message.type === "guides") {
        showGuides(message.guides);
      } else if (message.type === "flow") {
        showStep(message);
      } else if (message.type === "flow_forget") {
        endGuide(false);
        guides.hidden = onCase || !guideList.children.length;
        compose.hidden = !started;
      } else if (message.type === "case") {
        started = true;
        onCase = true;
        guides.hidden = true;
        if (current) {
          bubble("Guide: " + current.title, "Your case " + message.number + " is open, with every step you tried. " +
            "Carry on here: write your message below.", false, "tl-guide");
        }
        endGuide(false);
        remember(storageKey, message.token);
        caseLine.hidden = false;
        caseLine.textContent = "";
        caseLine.appendChild(document.createTextNode("Your case number is " + message.number + ". "));
        var link = el("a", { href: message.status_url, target: "_blank", rel: "noopener" }, "See your case");
        caseLine.appendChild(link);
        showCompose();
      } else if (message.type === "entry") {
        addEntry(message);
      } else if (message.type === "availability") {
        status.textContent = message.text;
        root.setAttribute("data-online", message.online ? "yes" : "no");
      } else if (message.type === "error") {
        showError(message.detail);
        if (message.field === "flow" && current) {
          Array.prototype.forEach.call(flowBox.querySelectorAll("button"), function (node) { node.disabled = false; });
        }
        var field = { name: nameInput, email: emailInput, body: messageInput, proficiency: proficiencyInput }[message.field];
        if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
      }
    }

    function connect() {
      socket = new WebSocket(wsUrl);
      socket.addEventListener("message", onMessage);
      socket.addEventListener("open", function () { showError(""); });
      socket.addEventListener("close", function () {
        retry = Math.min(retry + 1, 6);
        status.textContent = "Connection lost; reconnecting…";
        window.setTimeout(connect, 500 * Math.pow(2, retry - 1));
      });
    }

    details.addEventListener("submit", function (event) {
      event.preventDefault();
      nameInput.removeAttribute("aria-invalid");
      emailInput.removeAttribute("aria-invalid");
      if (!nameInput.value.trim()) { showError("Your name: please tell us what to call you."); nameInput.focus(); return; }
      if (!emailInput.value.trim()) { showError("Your email: please enter an address we can write to."); emailInput.focus(); return; }
      send({ type: "start", name: nameInput.value.trim(), email: emailInput.value.trim(),
             proficiency: proficiencyInput.value });
    });

    function submitMessage() {
      var body = messageInput.value.trim();
      messageInput.removeAttribute("aria-invalid");
      if (!body) { showError("Your message: please write something before sending."); messageInput.focus(); return; }
      if (send({ type: "message", body: body })) {
        messageInput.value = "";
        showError("");
      }
    }

    compose.addEventListener("submit", function (event) { event.preventDefault(); submitMessage(); });
    messageInput.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); submitMessage(); }
    });

    connect();
    return { focus: function () { (compose.hidden ? (details.hidden ? status : nameInput) : messageInput).focus(); },
             started: function () { return started; } };
  }

  window.ThroughlineChat = { mount: mount };

  var auto = document.querySelector("[data-throughline-chat]");
  if (auto) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    mount(auto, { wsUrl: scheme + window.location.host + "/chat/ws",
                  maxChars: parseInt(auto.getAttribute("data-max-chars") || "4000", 10) });
  }
})();
