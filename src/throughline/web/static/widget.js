/* Throughline chat widget for any web page:
     <script src="https://support.example.com/static/widget.js" defer></script>
   Adds a "Chat with us" button; the panel talks to the support site's /chat/ws
   (the site must list this page's origin in THROUGHLINE_CHAT_ALLOWED_ORIGINS). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__throughlineWidget) { return; }
  window.__throughlineWidget = true;
  var base = new URL(script.src, window.location.href);
  var wsUrl = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/chat/ws";
  var label = script.getAttribute("data-label") || "Chat with us";

  var style = document.createElement("style");
  style.textContent = [
    ".tlw-button{position:fixed;right:1rem;bottom:1rem;z-index:2147483000;font:600 1rem system-ui,sans-serif;",
    "background:#0b5cad;color:#fff;border:0;border-radius:2rem;padding:.8rem 1.2rem;min-height:44px;cursor:pointer;",
    "box-shadow:0 2px 8px rgba(0,0,0,.3)}",
    ".tlw-button:focus-visible,.tlw-panel :focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    ".tlw-panel{position:fixed;right:1rem;bottom:5rem;z-index:2147483000;width:min(24rem,calc(100vw - 2rem));",
    "max-height:calc(100vh - 7rem);overflow:auto;background:#fff;color:#1a1a1a;border:1px solid #767676;",
    "border-radius:8px;padding:1rem;font:1rem/1.5 system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.3);box-sizing:border-box}",
    ".tlw-panel h2{font-size:1.1rem;margin:0 0 .5rem}",
    ".tlw-panel label{display:block;font-weight:600;margin:.5rem 0 .25rem}",
    ".tlw-panel input,.tlw-panel textarea{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #767676;",
    "border-radius:4px;font:inherit;color:#1a1a1a;background:#fff}",
    ".tlw-panel button{margin-top:.5rem;background:#0b5cad;color:#fff;border:0;border-radius:4px;padding:.55rem 1rem;",
    "min-height:44px;font:inherit;cursor:pointer}",
    ".tlw-panel .tlw-close{position:absolute;top:.25rem;right:.25rem;background:#e6e6e6;color:#1a1a1a;margin:0}",
    ".tlw-panel .tl-chat-log{list-style:none;margin:.5rem 0;padding:0;max-height:18rem;overflow:auto}",
    ".tlw-panel .tl-chat-entry{margin:.25rem 0;padding:.5rem;border-radius:6px;background:#eef3f8}",
    ".tlw-panel .tl-mine{background:#e3f6e8;margin-left:2rem}",
    ".tlw-panel .tl-chat-meta{margin:0;font-size:.85rem;color:#4a4a4a}",
    ".tlw-panel .tl-chat-body{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".tlw-panel .tl-chat-error{color:#8a1111;margin:.25rem 0}",
    ".tlw-panel .tl-chat-error:empty{display:none}",
    ".tlw-panel .tl-chat-hint{font-size:.85rem;color:#4a4a4a;margin:.25rem 0 0}",
    ".tlw-panel .tl-chat-guides h2{font-size:1rem;margin:.75rem 0 .25rem}",
    ".tlw-panel .tl-chat-guide-list{list-style:none;margin:.5rem 0;padding:0}",
    ".tlw-panel .tl-chat-guide-list button{width:100%;text-align:left}",
    ".tlw-panel .tl-guide{background:#f1f1f6;border-left:3px solid #0b5cad}",
    ".tlw-panel .tl-chat-flow{display:flex;flex-wrap:wrap;gap:.5rem;margin:.25rem 0 .5rem}",
    ".tlw-panel .tl-chat-flow button{text-align:left;margin-top:0}",
    ".tlw-panel .tl-chat-flow .tl-chat-secondary{background:#e6e6e6;color:#1a1a1a}",
    ".tlw-panel [hidden]{display:none!important}"
  ].join("");
  document.head.appendChild(style);

  var button = document.createElement("button");
  button.type = "button";
  button.className = "tlw-button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "tlw-panel");

  var panel = document.createElement("section");
  panel.className = "tlw-panel";
  panel.id = "tlw-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", "tlw-title");
  var title = document.createElement("h2");
  title.id = "tlw-title";
  title.textContent = "Chat with our support team";
  var close = document.createElement("button");
  close.type = "button";
  close.className = "tlw-close";
  close.textContent = "Close";
  var body = document.createElement("div");
  panel.appendChild(close);
  panel.appendChild(title);
  panel.appendChild(body);
  document.body.appendChild(panel);
  document.body.appendChild(button);

  var chat = null;
  function open() {
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    if (chat) { chat.focus(); return; }
    var loader = document.createElement("script");
    loader.src = new URL("chat.js", base).href;
    loader.onload = function () {
      chat = window.ThroughlineChat.mount(body, { wsUrl: wsUrl, storageKey: "throughline-widget-chat",
        idPrefix: "tlw-chat" });
      window.setTimeout(function () { chat.focus(); }, 300);
    };
    document.head.appendChild(loader);
  }
  function hide() {
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", function () { if (panel.hidden) { open(); } else { hide(); } });
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { hide(); } });
})();
