/* atd portal check-in: location fix, optional photo, questionnaire, and an offline queue.
 *
 * Every check-in is written to IndexedDB first, with a random idempotency key, and then sent.
 * A network failure leaves it queued; it is sent again when the browser comes back online, when
 * the portal is opened again, or every 30 seconds. The server keeps one check-in per key, so a
 * retry after a lost response never makes a second one.
 */
(function () {
  "use strict";
  var DB_NAME = "atd-portal", DB_VERSION = 1, QUEUE = "queue", RECEIPTS = "receipts";
  var root = document.getElementById("checkin-app") || document.getElementById("portal-queue");
  if (!root) return;
  var T = JSON.parse(document.getElementById("checkin-text").textContent);
  var endpoint = root.dataset.endpoint, attemptEndpoint = root.dataset.attemptEndpoint;
  var statusEl = document.getElementById("checkin-status");
  var receiptEl = document.getElementById("checkin-receipt");
  var pendingEl = document.getElementById("checkin-pending");
  var flushing = false;

  function say(text, kind) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.className = "status " + (kind || "");
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains(QUEUE)) db.createObjectStore(QUEUE, { keyPath: "idempotency_key" });
        if (!db.objectStoreNames.contains(RECEIPTS)) db.createObjectStore(RECEIPTS, { keyPath: "receipt_code" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(store, mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode), s = t.objectStore(store), out;
        var r = fn(s);
        if (r) r.onsuccess = function () { out = r.result; };
        t.oncomplete = function () { resolve(out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }

  function queued() { return tx(QUEUE, "readonly", function (s) { return s.getAll(); }); }
  function enqueue(rec) { return tx(QUEUE, "readwrite", function (s) { return s.put(rec); }); }
  function dequeue(key) { return tx(QUEUE, "readwrite", function (s) { return s.delete(key); }); }
  function keepReceipt(r) { return tx(RECEIPTS, "readwrite", function (s) { return s.put(r); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : (root.dataset.csrf || "");
  }

  function showPending(n) {
    if (!pendingEl) return;
    pendingEl.hidden = n === 0;
    pendingEl.textContent = n ? T.pending.replace("%(n)s", n) : "";
  }

  function showReceipt(r) {
    if (!receiptEl) return;
    var lines = [T.received, T.receipt + " " + r.receipt_code];
    if (r.status === "attempted") lines = [T.attempt_recorded, T.receipt + " " + r.receipt_code];
    else if (r.location_status === "verified") lines.push(T.location_verified);
    else { lines.push(T.location_unverified); lines.push(T.location_what_to_do); }
    if (r.phone_refused) lines.push(T.phone_refused);
    receiptEl.hidden = false;
    receiptEl.innerHTML = "";
    lines.forEach(function (line, i) {
      var p = document.createElement(i === 1 ? "strong" : "p");
      p.textContent = line;
      if (i === 1) { p.className = "receipt-code"; p.setAttribute("data-receipt", r.receipt_code); }
      receiptEl.appendChild(p);
    });
    receiptEl.focus();
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    });
  }

  // Sends every queued check-in; returns when the queue is empty or the network is gone.
  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    return queued().then(function (items) {
      showPending(items.length);
      var chain = Promise.resolve();
      items.forEach(function (rec) {
        chain = chain.then(function () { return sendOne(rec); });
      });
      return chain;
    }).catch(function () { /* offline: stays queued */ })
      .then(function () { flushing = false; return queued(); })
      .then(function (left) { showPending(left.length); });
  }

  function sendOne(rec) {
    return post(endpoint, rec).then(function (resp) {
      if (resp.status === 200 || resp.status === 201) {
        return resp.json().then(function (r) {
          return dequeue(rec.idempotency_key).then(function () { return keepReceipt(r); })
            .then(function () { showReceipt(r); say(T.sent, "ok"); });
        });
      }
      if (resp.status === 401 || resp.status === 403) {
        say(T.sign_in_again, "warn");
        throw new Error("auth");
      }
      if (resp.status >= 500) {
        // The server failed: keep the check-in queued and record the attempt (best effort).
        say(T.server_error, "warn");
        return post(attemptEndpoint, {
          idempotency_key: (rec.idempotency_key + "-attempt").slice(0, 64),
          captured_at: rec.captured_at, reason: "server_error",
        }).then(function (a) {
          if (a.status === 200 || a.status === 201) return a.json().then(showReceipt);
        }).catch(function () {}).then(function () { throw new Error("server"); });
      }
      if (resp.status === 408 || resp.status === 429) { say(T.offline, "warn"); throw new Error("later"); }
      // A problem with the check-in itself (it was not accepted): say why, so it can be redone;
      // leaving it queued would block the check-ins behind it.
      return resp.json().catch(function () { return {}; }).then(function (p) {
        say(T.rejected + " " + (p.detail || (p.errors || []).map(function (e) { return e.reason; }).join("; ")), "error");
        return dequeue(rec.idempotency_key);
      });
    }, function () {
      say(T.offline, "warn");
      throw new Error("offline");
    });
  }

  function getFix() {
    return new Promise(function (resolve) {
      if (!("geolocation" in navigator)) return resolve({ error: "unavailable" });
      navigator.geolocation.getCurrentPosition(function (pos) {
        resolve({ location: {
          latitude: pos.coords.latitude, longitude: pos.coords.longitude,
          accuracy_m: pos.coords.accuracy, timestamp: new Date(pos.timestamp || Date.now()).toISOString(),
        } });
      }, function (err) {
        resolve({ error: err.code === 1 ? "denied" : err.code === 3 ? "timeout" : "unavailable" });
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    });
  }

  // Scales the camera photo down (max 1280 px, JPEG) so it fits one request.
  function readPhoto(input) {
    var file = input && input.files && input.files[0];
    if (!file) return Promise.resolve("");
    return new Promise(function (resolve) {
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, 1280 / Math.max(img.width, img.height));
        var c = document.createElement("canvas");
        c.width = Math.round(img.width * scale); c.height = Math.round(img.height * scale);
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        resolve(c.toDataURL("image/jpeg", 0.75));
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(""); };
      img.src = url;
    });
  }

  function questionnaire(form) {
    var v = function (n) { var el = form.elements[n]; return el ? el.value.trim() : ""; };
    var q = { employment: v("employment"), employer: v("employer"), phone_new: v("phone_new"),
      travel_detail: v("travel_detail") };
    var travel = form.elements.travel_planned;
    if (travel) q.travel_planned = travel.checked;
    if (v("address_line1")) {
      q.address_new = { line1: v("address_line1"), unit: v("address_unit"), city: v("address_city"),
        state: v("address_state"), postal_code: v("address_postal_code") };
    }
    return q;
  }

  var form = document.getElementById("checkin-form");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      if (receiptEl) receiptEl.hidden = true;
      say(T.locating);
      var key = newKey(), captured = new Date().toISOString();
      Promise.all([getFix(), readPhoto(form.elements.photo)]).then(function (res) {
        var fix = res[0];
        var rec = { idempotency_key: key, captured_at: captured, questionnaire: questionnaire(form),
          location: fix.location || null, location_error: fix.error || null, photo: res[1] };
        if (!fix.location) say(T.no_location, "warn"); else say(T.sending);
        return enqueue(rec);
      }).then(flush).then(function () { button.disabled = false; });
    });
  }

  window.addEventListener("online", flush);
  setInterval(flush, 30000);
  if ("serviceWorker" in navigator && root.dataset.sw) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.swScope }).catch(function () {});
  }
  flush();
  window.atdCheckinFlush = flush; // for tests and the "send now" link
})();
