/* Copy buttons (/integrer, /espace/lettre) and the live preview of /integrer. Without JavaScript the
   pages still work: the code sits in read-only fields to select, and the form reloads the preview. */
(function () {
  "use strict";

  function status(id, text) {
    var element = document.querySelector('[data-copy-status="' + id + '"]');
    if (element) { element.textContent = text; }
  }

  function copy(button) {
    var id = button.getAttribute("data-copy");
    var field = document.getElementById(id);
    var done = function () { status(id, "Copié dans le presse-papiers."); };
    var fallback = function () {
      field.focus();
      field.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      if (copied) { done(); } else { status(id, "Le texte est sélectionné : copiez-le avec Ctrl+C (ou Cmd+C)."); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, fallback);
    } else {
      fallback();
    }
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });

  /* /integrer: the preview, the snippet and the link follow the form as it changes. */
  var form = document.querySelector("[data-embed-form]");
  var preview = document.querySelector("[data-embed-preview]");
  if (!form || !preview) { return; }
  var snippet = document.querySelector("[data-embed-snippet]");
  var link = document.querySelector("[data-embed-link]");
  var COUNT = /^([1-9]|1[0-9]|20)$/;
  var COLOUR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
  var timer = null;

  function escapeAttribute(text) {
    return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function sixDigits(colour) {
    var digits = colour.replace("#", "").toLowerCase();
    return digits.length === 3 ? digits.replace(/(.)/g, "$1$1") : digits;
  }

  function withQuery(path, parameters) {
    var query = parameters.toString();
    return query ? path + "?" + query : path;
  }

  function refresh() {
    var widget = new URLSearchParams();
    var agenda = new URLSearchParams();
    var chosen = new URLSearchParams();
    var valid = true;
    new FormData(form).forEach(function (value, name) {
      value = value.trim();
      if (!value) { return; }
      chosen.append(name, value);
      if (name === "nombre") {
        if (!COUNT.test(value)) { valid = false; } else if (value !== "5") { widget.append(name, value); }
      } else if (name === "couleur") {
        if (!COLOUR.test(value)) { valid = false; } else { widget.append(name, sixDigits(value)); }
      } else {
        widget.append(name, value);
        agenda.append(name, value);
      }
    });
    if (!valid) { return; }  /* the server explains the mistake when the form is sent */
    preview.src = withQuery(form.getAttribute("data-widget-path"), widget);
    snippet.value = '<iframe src="' + escapeAttribute(withQuery(form.getAttribute("data-widget-url"), widget)) +
      '" title="Agenda des événements du RTES" width="100%" height="500" style="border:0" loading="lazy"></iframe>';
    link.value = withQuery(form.getAttribute("data-agenda-url"), agenda);
    history.replaceState(null, "", withQuery(form.getAttribute("action"), chosen));
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  form.addEventListener("change", later);
  form.addEventListener("input", later);
}());
