// The attendance page on a phone: the search filters the rows as one types, and ticking « Présent·e »
// or « Absent·e » is sent with fetch, the row and counts updated without reloading the page.
// Without JavaScript the same forms post and the page reloads.
(function () {
  "use strict";
  var table = document.getElementById("attendance");
  if (!table || !window.fetch) { return; }
  var search = document.getElementById("attendance-q");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var fold = function (text) { return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); };
  search.addEventListener("input", function () {
    var words = fold(search.value).split(/\s+/).filter(Boolean);
    rows.forEach(function (row) {
      var text = fold(row.textContent);
      row.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
    });
  });
  table.addEventListener("submit", function (event) {
    var form = event.target;
    var row = form.closest("tr");
    event.preventDefault();
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (body) {
        var cell = row.querySelector("[data-status]");
        cell.textContent = "";
        var strong = document.createElement("strong");
        strong.textContent = body.error || body.status;
        cell.appendChild(strong);
        if (body.counts) {
          Object.keys(body.counts).forEach(function (status) {
            var count = document.querySelector('[data-count="' + status + '"]');
            if (count) { count.textContent = body.counts[status]; }
          });
        }
      })
      .catch(function () { form.submit(); });
  });
}());
