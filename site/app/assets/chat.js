// duplex chat client: plain JavaScript, no build step.
//
// It talks JSON over one WebSocket to the chat service (see
// services/chat/chat.js for the protocol). The server keeps no state, so the
// member list is built from the protocol: the server's `welcome`, `join`,
// `presence` and `leave` frames. Everything from the network reaches the DOM
// through textContent only.
(function () {
  'use strict';

  var MAX_LABEL = 32;
  var MAX_TEXT = 2000;
  var MAX_LINES = 500;           // messages kept in the log
  var BACKOFF_MIN = 500;         // ms, first reconnect delay
  var BACKOFF_MAX = 10000;       // ms, longest reconnect delay
  var STABLE_AFTER = 10000;      // ms open before the backoff starts over
  var PING_EVERY = 25000;        // ms, keeps idle proxies from closing us

  var $ = function (id) { return document.getElementById(id); };
  var el = {
    joinPanel: $('join-panel'), joinForm: $('join-form'), name: $('name'), room: $('room'),
    joinError: $('join-error'), join: $('join'),
    chatPanel: $('chat-panel'), members: $('members'), count: $('count'), leave: $('leave'),
    messages: $('messages'), sendForm: $('send-form'), text: $('text'), send: $('send'),
    status: $('status'), where: $('where'),
    loginForm: $('login-form'), loginUser: $('login-user'), loginPassword: $('login-password'),
    loginError: $('login-error'), logout: $('logout')
  };

  var service = document.body.getAttribute('data-service') || '/_/service/chat/chat';
  var loginService = document.body.getAttribute('data-login') || '/_/service/chat/login';
  // Set when signed in: the server names us after our account.
  var accountName = document.body.getAttribute('data-user');

  var joined = null;       // {name, room} while the user wants to be in a room
  var socket = null;
  var selfId = null;
  var members = new Map(); // session id -> name
  var attempt = 0;         // reconnects since the last stable connection
  var retryTimer = 0;
  var pingTimer = 0;
  var openedAt = 0;
  var everConnected = false;
  var unread = 0;
  var baseTitle = document.title;

  // ---- storage (may be unavailable: private windows, disabled cookies) ----

  function load(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }
  function save(store, key, value) {
    try {
      if (value === null) { window[store].removeItem(key); } else { window[store].setItem(key, value); }
    } catch (e) { /* ignore */ }
  }

  // ---- input rules (the server applies the same ones) ----

  function clean(s) {
    s = String(s || '')
      .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    var chars = Array.from(s);
    return (chars.length > MAX_LABEL ? chars.slice(0, MAX_LABEL).join('') : s).trim();
  }

  // ---- status line ----

  function setStatus(state, text) {
    el.status.setAttribute('data-state', state);
    el.status.textContent = text;
    var open = state === 'open';
    el.send.disabled = !open;
    el.text.disabled = !joined;
  }

  // ---- message log ----

  function nearBottom() {
    var m = el.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 60;
  }

  function append(li) {
    var stick = nearBottom();
    el.messages.appendChild(li);
    while (el.messages.childNodes.length > MAX_LINES) {
      el.messages.removeChild(el.messages.firstChild);
    }
    if (stick) { el.messages.scrollTop = el.messages.scrollHeight; }
    if (document.hidden) {
      unread++;
      document.title = '(' + unread + ') ' + baseTitle;
    }
  }

  function system(text, bad) {
    var li = document.createElement('li');
    li.className = bad ? 'system bad' : 'system';
    li.textContent = text;
    append(li);
  }

  function chatLine(msg) {
    var li = document.createElement('li');
    li.className = msg.id === selfId ? 'message mine' : 'message';
    li.setAttribute('data-from', String(msg.id));
    var meta = document.createElement('div');
    meta.className = 'meta';
    var who = document.createElement('span');
    who.className = 'name';
    who.textContent = String(msg.name);
    meta.appendChild(who);
    if (msg.verified === true) {
      var badge = document.createElement('span');
      badge.className = 'verified';
      badge.title = 'signed in';
      badge.textContent = '✓';
      meta.appendChild(badge);
    }
    var when = new Date(typeof msg.ts === 'number' ? msg.ts : Date.now());
    var time = document.createElement('time');
    time.dateTime = when.toISOString();
    time.textContent = when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    meta.appendChild(time);
    li.appendChild(meta);
    var text = document.createElement('p');
    text.className = 'text';
    text.textContent = String(msg.text);
    li.appendChild(text);
    append(li);
  }

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) {
      unread = 0;
      document.title = baseTitle;
    }
  });

  // ---- members ----

  function renderMembers() {
    var ids = Array.from(members.keys()).sort(function (a, b) {
      if (a === selfId) { return -1; }
      if (b === selfId) { return 1; }
      return members.get(a).localeCompare(members.get(b)) || (a < b ? -1 : 1);
    });
    var frag = document.createDocumentFragment();
    ids.forEach(function (id) {
      var li = document.createElement('li');
      li.textContent = members.get(id);
      li.setAttribute('data-id', id);
      li.title = members.get(id);
      if (id === selfId) { li.className = 'me'; }
      frag.appendChild(li);
    });
    el.members.textContent = '';
    el.members.appendChild(frag);
    el.count.textContent = String(members.size);
    el.count.setAttribute('aria-label', members.size === 1 ? '1 person online' : members.size + ' people online');
  }

  // ---- connection ----

  function socketURL() {
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    return scheme + location.host + service +
      '?name=' + encodeURIComponent(joined.name) + '&room=' + encodeURIComponent(joined.room);
  }

  function sendJSON(obj) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (!joined) { return; }
    setStatus(attempt > 0 ? 'reconnecting' : 'connecting', attempt > 0 ? 'Reconnecting…' : 'Connecting…');
    var ws;
    try {
      ws = new WebSocket(socketURL(), ['chat']);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = function () {
      if (socket !== ws) { return; }
      openedAt = Date.now();
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { sendJSON({ type: 'ping' }); }, PING_EVERY);
    };
    ws.onmessage = function (ev) {
      if (socket !== ws || typeof ev.data !== 'string') { return; }
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg && typeof msg === 'object') { handle(msg); }
    };
    ws.onclose = function (ev) {
      if (socket !== ws) { return; }
      socket = null;
      clearInterval(pingTimer);
      var wasUp = selfId !== null;
      selfId = null;
      members.clear();
      renderMembers();
      if (!joined) { return; }
      if (wasUp) {
        system('Connection lost' + (ev.code && ev.code !== 1006 ? ' (' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')' : '') + '.', true);
      }
      if (openedAt && Date.now() - openedAt > STABLE_AFTER) { attempt = 0; }
      openedAt = 0;
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    var base = Math.min(BACKOFF_MAX, BACKOFF_MIN * Math.pow(2, attempt));
    var delay = Math.round(base / 2 + Math.random() * base / 2); // "equal jitter"
    attempt++;
    setStatus('reconnecting', 'Offline — retrying in ' + Math.max(1, Math.round(delay / 1000)) + ' s');
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, delay);
  }

  function handle(msg) {
    switch (msg.type) {
      case 'welcome':
        selfId = String(msg.id);
        joined.room = String(msg.room);
        members.clear();
        members.set(selfId, String(msg.name));
        renderMembers();
        showWhere(String(msg.name), String(msg.room));
        setStatus('open', 'Connected');
        system((everConnected ? 'Reconnected to #' : 'You joined #') + msg.room + '.');
        everConnected = true;
        break;
      case 'join':
        if (String(msg.id) !== selfId && selfId !== null) {
          members.set(String(msg.id), String(msg.name));
          renderMembers();
          system(msg.name + ' joined.');
          sendJSON({ type: 'presence', to: String(msg.id) });
        }
        break;
      case 'presence':
        if (String(msg.id) !== selfId) {
          members.set(String(msg.id), String(msg.name));
          renderMembers();
        }
        break;
      case 'leave':
        if (members.delete(String(msg.id))) {
          renderMembers();
          system(msg.name + ' left.');
        }
        break;
      case 'message':
        chatLine(msg);
        break;
      case 'error':
        system(String(msg.message || 'The server refused that.'), true);
        break;
    }
  }

  function showWhere(name, room) {
    el.where.textContent = '';
    el.where.appendChild(document.createTextNode('#'));
    var b = document.createElement('b');
    b.textContent = room;
    el.where.appendChild(b);
    el.where.appendChild(document.createTextNode(' as ' + name));
    el.where.hidden = false;
  }

  // ---- joining and leaving ----

  function join(name, room) {
    joined = { name: name, room: room };
    attempt = 0;
    everConnected = false;
    save('localStorage', 'duplex.chat.name', name);
    save('localStorage', 'duplex.chat.room', room);
    save('sessionStorage', 'duplex.chat.joined', JSON.stringify(joined));
    el.messages.textContent = '';
    el.joinPanel.hidden = true;
    el.chatPanel.hidden = false;
    connect();
    el.text.focus();
  }

  function leave() {
    joined = null;
    save('sessionStorage', 'duplex.chat.joined', null);
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    var ws = socket;
    socket = null;
    selfId = null;
    if (ws) { ws.close(1000, 'left'); }
    members.clear();
    renderMembers();
    el.where.hidden = true;
    el.chatPanel.hidden = true;
    el.joinPanel.hidden = false;
    setStatus('idle', 'Not connected');
    el.name.focus();
  }

  el.joinForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var name = clean(el.name.value);
    var room = clean(el.room.value).toLowerCase() || 'lobby';
    if (!name) {
      el.joinError.textContent = 'Please pick a name (up to 32 characters).';
      el.joinError.hidden = false;
      el.name.setAttribute('aria-invalid', 'true');
      el.name.focus();
      return;
    }
    el.joinError.hidden = true;
    el.name.removeAttribute('aria-invalid');
    el.name.value = name;
    el.room.value = room;
    join(name, room);
  });

  el.leave.addEventListener('click', leave);

  // ---- logging in and out ----

  function account(body) {
    return fetch(loginService, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        return { ok: res.ok, data: data || {} };
      });
    });
  }

  if (el.loginForm) {
    el.loginForm.addEventListener('submit', function (ev) {
      ev.preventDefault();
      el.loginError.hidden = true;
      account({ user: el.loginUser.value, password: el.loginPassword.value }).then(function (r) {
        el.loginPassword.value = '';
        if (r.ok && r.data.authenticated) {
          location.reload();
          return;
        }
        el.loginError.textContent = String(r.data.message || 'Login failed.');
        el.loginError.hidden = false;
      }, function () {
        el.loginError.textContent = 'The server cannot be reached.';
        el.loginError.hidden = false;
      });
    });
  }

  if (el.logout) {
    el.logout.addEventListener('click', function () {
      account({ action: 'logout' }).then(function () {
        leave();
        location.reload();
      }, function () {
        system('The server cannot be reached.', true);
      });
    });
  }

  // ---- composing ----

  function autosize() {
    el.text.style.height = 'auto';
    el.text.style.height = Math.min(el.text.scrollHeight + 2, 160) + 'px';
  }

  el.sendForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = el.text.value.replace(/\r\n?/g, '\n').trim();
    if (!text) { return; }
    if (Array.from(text).length > MAX_TEXT) {
      system('Messages are at most ' + MAX_TEXT + ' characters.', true);
      return;
    }
    if (sendJSON({ type: 'message', text: text })) {
      el.text.value = '';
      autosize();
    }
    el.text.focus();
  });

  el.text.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      if (typeof el.sendForm.requestSubmit === 'function') {
        el.sendForm.requestSubmit();
      } else {
        el.send.click();
      }
    }
  });
  el.text.addEventListener('input', autosize);

  // Come back at once when the network does.
  window.addEventListener('online', function () {
    if (joined && !socket) {
      attempt = 0;
      connect();
    }
  });

  // ---- start ----

  var params = new URLSearchParams(location.search);
  el.name.value = accountName || load('localStorage', 'duplex.chat.name') || '';
  el.room.value = params.get('room') || load('localStorage', 'duplex.chat.room') || 'lobby';

  // A reload of a tab that was in a room goes back to it.
  var again = null;
  try { again = JSON.parse(load('sessionStorage', 'duplex.chat.joined') || 'null'); } catch (e) { again = null; }
  if (again && typeof again.name === 'string' && typeof again.room === 'string' && clean(again.name)) {
    if (accountName) { again.name = accountName; }
    el.name.value = clean(again.name);
    el.room.value = clean(again.room) || 'lobby';
    join(clean(again.name), clean(again.room).toLowerCase() || 'lobby');
  } else {
    (el.name.value ? el.text : el.name).focus();
    if (el.name.value) { el.join.focus(); }
  }
})();
