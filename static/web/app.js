// Weft's page behaviour. Alpine's CSP build evaluates no expressions: components are registered
// here and templates name only their properties and methods.
(function () {
  "use strict";

  var THEME_KEY = "weft-theme";
  var RAIL_KEY = "weft-rail-collapsed";

  function stored(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value);
    } catch (e) { /* private mode: the choice lasts for this page only */ }
  }

  // Cycles system → light → dark → system, remembered on this device.
  function cycleTheme() {
    var root = document.documentElement;
    var current = root.dataset.theme || "";
    var next = current === "" ? "light" : current === "light" ? "dark" : "";
    if (next) root.dataset.theme = next; else delete root.dataset.theme;
    store(THEME_KEY, next || null);
  }

  document.addEventListener("alpine:init", function () {
    var Alpine = window.Alpine;

    Alpine.data("shell", function () {
      return {
        collapsed: stored(RAIL_KEY) === "1",
        open: false,
        root: {
          ":class": function () { return { "is-collapsed": this.collapsed, "is-open": this.open }; },
        },
        toggleRail: function () { this.collapsed = !this.collapsed; store(RAIL_KEY, this.collapsed ? "1" : null); },
        openRail: function () { this.open = true; },
        closeRail: function () { this.open = false; },
      };
    });

    Alpine.data("menu", function () {
      return {
        open: false,
        get expanded() { return this.open ? "true" : "false"; },
        toggle: function () { this.open = !this.open; },
        close: function () {
          if (!this.open) return;
          this.open = false;
          var button = this.$root.querySelector("[aria-haspopup]");
          if (button && this.$root.contains(document.activeElement)) button.focus();
        },
        cycleTheme: cycleTheme,
      };
    });

    Alpine.data("copy", function () {
      return {
        label: "",
        init: function () { this.label = this.$root.querySelector("[data-copied]").textContent.trim(); },
        copy: function () {
          var text = this.$refs.source.textContent.trim();
          var done = this.$root.querySelector("[data-copied]").dataset.copied;
          var self = this;
          var show = function () { self.label = done; };
          if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(text).then(show, function () { select(self.$refs.source); });
          } else {
            select(self.$refs.source);
            try { if (document.execCommand("copy")) show(); } catch (e) { /* the text stays selected */ }
          }
        },
      };
    });
  });

  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // A submitted form's button shows it is busy at once; a confirmation asks first where the form says so.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method === "dialog") return;
    var question = form.dataset.confirm;
    if (question && form.dataset.confirmed !== "1") {
      var dialog = document.getElementById("confirm-dialog");
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.querySelector("[data-confirm-text]").textContent = question;
        dialog.returnValue = "";
        dialog.addEventListener("close", function onClose() {
          dialog.removeEventListener("close", onClose);
          if (dialog.returnValue === "confirm") {
            form.dataset.confirmed = "1";
            form.requestSubmit(event.submitter || undefined);
          }
        });
        dialog.showModal();
        dialog.querySelector("[value=cancel]").focus();
        return;
      }
    }
    var button = event.submitter || form.querySelector("[type=submit]");
    if (button) {
      window.setTimeout(function () { button.setAttribute("aria-busy", "true"); }, 0);
    }
  });

  // Pages restored from the back/forward cache must not keep a busy button.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[aria-busy=true]").forEach(function (b) { b.removeAttribute("aria-busy"); });
    document.querySelectorAll("form[data-confirmed]").forEach(function (f) { delete f.dataset.confirmed; });
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.requestSubmit();
    }
  });

  // Toasts leave on their own after a while, or at once when dismissed.
  function dismiss(toast) {
    toast.classList.add("is-leaving");
    window.setTimeout(function () { toast.remove(); }, 220);
  }
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-dismiss]");
    if (button) dismiss(button.closest("[data-toast]"));
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-toast]").forEach(function (toast) {
      window.setTimeout(function () { if (toast.isConnected) dismiss(toast); }, 6000);
    });
  });
})();
