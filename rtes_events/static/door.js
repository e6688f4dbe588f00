// The door (check-in): scans QR codes with the camera (jsQR, served by the platform), sends each scan
// as JSON; scans made offline wait in localStorage and are sent in order when the connection returns,
// each once (its scan_id). Without JavaScript the page's forms do the same job.
(function () {
  "use strict";
  var root = document.getElementById("door");
  if (!root || !window.fetch || !window.jsQR || !navigator.mediaDevices) { return; }
  var key = "rtes-door-" + root.dataset.event;
  var device = localStorage.getItem("rtes-door-device") || newId();
  localStorage.setItem("rtes-door-device", device);
  var result = document.getElementById("door-result");
  var counts = document.getElementById("door-counts");
  var pending = document.getElementById("door-pending");
  var video = document.getElementById("door-video");
  var canvas = document.createElement("canvas");
  var lastCode = null, lastAt = 0, sending = false;
  var MARKS = {present: "✔ ", already: "⚠ ", waitlisted: "⚠ ", refused: "✖ "};

  function newId() {
    return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).slice(0, 64);
  }
  function queue() { return JSON.parse(localStorage.getItem(key) || "[]"); }
  function save(scans) {
    localStorage.setItem(key, JSON.stringify(scans));
    pending.textContent = scans.length ? scans.length + " scan(s) en attente d'envoi (hors connexion)." : "";
  }
  function show(outcome, message, detail) {
    result.className = "door-result door-" + outcome;
    result.textContent = "";
    var line = document.createElement("p");
    line.className = "door-message";
    line.textContent = (MARKS[outcome] || "") + message;
    result.appendChild(line);
    if (detail) {
      var more = document.createElement("p");
      more.textContent = detail;
      result.appendChild(more);
    }
  }
  function describe(answer) {
    if (!answer.name || answer.outcome === "refused") { return ""; }
    var text = answer.name + ", " + answer.organisation + (answer.mode ? " — " + answer.mode : "");
    return answer.ateliers.length ? text + " — Atelier : " + answer.ateliers.join(", ") : text;
  }
  function send() {
    var scans = queue(), sent = false;
    if (sending || !scans.length) { return; }
    sending = true;
    fetch(root.dataset.scansUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf},
      body: JSON.stringify({device: device, scans: scans})
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (body) {
      var done = {};
      body.results.forEach(function (answer) { done[answer.scan_id] = true; });
      save(queue().filter(function (scan) { return !done[scan.scan_id]; }));
      var answer = body.results[body.results.length - 1];
      var conflicts = body.results.length > 1 ? body.results.filter(function (a) { return a.outcome !== "present"; }) : [];
      show(answer.outcome, answer.message, describe(answer));
      if (conflicts.length) {
        show("already", conflicts.length + " scan(s) hors connexion en conflit : " +
          conflicts.map(function (a) { return (a.name || "?") + " (" + a.message + ")"; }).join(" ; "));
      }
      counts.innerHTML = "<strong></strong> / ";
      counts.firstChild.textContent = body.counts.present;
      counts.appendChild(document.createTextNode(body.counts.expected));
      var groups = document.getElementById("door-groups");
      if (groups) {
        groups.textContent = "";
        body.counts.groups.forEach(function (group) {
          var item = document.createElement("li");
          item.textContent = group.label + " : " + group.present + " / " + group.expected;
          groups.appendChild(item);
        });
      }
      sent = true;
    }).catch(function () {
      save(queue());
      show("already", "Hors connexion : le scan est gardé et sera envoyé au retour de la connexion.");
    }).then(function () {
      sending = false;
      if (sent && queue().length) { send(); }  // scanned while this batch was on its way
    });
  }
  function scanned(code) {
    var now = Date.now();
    if (code === lastCode && now - lastAt < 3000) { return; }
    lastCode = code; lastAt = now;
    var scans = queue();
    scans.push({scan_id: newId(), code: code, at: new Date().toISOString()});
    save(scans);
    send();
  }
  function tick() {
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext("2d", {willReadFrequently: true});
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
      if (found && found.data) { scanned(found.data); }
    }
    window.requestAnimationFrame(tick);
  }
  document.getElementById("door-camera").hidden = false;
  document.getElementById("door-start").addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      window.requestAnimationFrame(tick);
    }).catch(function () {
      show("refused", "La caméra n'est pas disponible : tapez le code ou le nom ci-dessous.");
    });
  });
  window.addEventListener("online", send);
  save(queue());
  send();
}());
