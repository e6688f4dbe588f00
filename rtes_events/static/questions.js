/* The registration form of a hybrid event: a question asked of one mode (lunch: on site) is shown
   only once that mode is chosen in « Sur place » / « À distance ». Without JavaScript every question
   is shown, each limited one says whom it is for, and the server ignores the other mode's answers. */
(function () {
  "use strict";

  function update(form) {
    var chosen = form.querySelector('input[name="mode"]:checked');
    form.querySelectorAll("[data-question-mode]").forEach(function (block) {
      block.hidden = chosen !== null && block.getAttribute("data-question-mode") !== chosen.value;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-question-mode]")) { return; }
      form.addEventListener("change", function (event) {
        if (event.target.name === "mode") { update(form); }
      });
      update(form);
    });
  });
})();
