// The chat page. It is answered at `/` (the bundled app is the root app)
// and at `/webapp/chat/`; every URL on it is absolute, so both work. The
// styles and the script are plain files in assets/; the page's script finds
// the WebSocket service from data-service and location.
//
// When the server has users (--users), the join panel also offers a login
// form, or says who is signed in; a signed-in person chats under their
// display name. Without users the form is left out.

var auth = require('/lib/xp/auth');

function esc(s) {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// account is the login form, or who is signed in with a logout button.
function account(user) {
  if (user) {
    return [
      '    <p id="account" class="account">Signed in as <b>' + esc(user.displayName || user.login) + '</b>',
      '      <button id="logout" type="button" class="secondary">Log out</button></p>'
    ];
  }
  if (!auth.loginAvailable()) {
    return [];
  }
  return [
    '    <form id="login-form" class="login" autocomplete="on" novalidate>',
    '      <h3>Log in <small>(optional)</small></h3>',
    '      <label for="login-user">User name or e-mail</label>',
    '      <input id="login-user" name="user" type="text" maxlength="254" autocomplete="username">',
    '      <label for="login-password">Password</label>',
    '      <input id="login-password" name="password" type="password" maxlength="72" autocomplete="current-password">',
    '      <p id="login-error" class="error" role="alert" hidden></p>',
    '      <button id="login" type="submit" class="secondary">Log in</button>',
    '    </form>'
  ];
}

function page(user) {
  var asset = '/_/asset/' + encodeURIComponent(app.name) + '/';
  var base = '/_/service/' + encodeURIComponent(app.name) + '/';
  var service = base + 'chat';
  var v = encodeURIComponent(app.version || '0');
  var name = user ? (user.displayName || user.login) : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>duplex chat</title>',
    '<link rel="icon" href="data:,">',
    '<link rel="stylesheet" href="' + esc(asset + 'chat.css?v=' + v) + '">',
    '<script defer src="' + esc(asset + 'chat.js?v=' + v) + '"></script>',
    '</head>',
    '<body data-service="' + esc(service) + '" data-login="' + esc(base + 'login') + '"' +
      (user ? ' data-user="' + esc(name) + '"' : '') + '>',
    '<header class="bar">',
    '  <h1>duplex <span>chat</span></h1>',
    '  <p id="where" class="where" hidden></p>',
    '  <p id="status" class="status" data-state="idle" role="status" aria-live="polite">Not connected</p>',
    '</header>',
    '<main>',
    '  <section id="join-panel" class="panel join" aria-labelledby="join-title">',
    '    <h2 id="join-title">Join a room</h2>',
    '    <form id="join-form" autocomplete="on" novalidate>',
    '      <label for="name">Your name</label>',
    '      <input id="name" name="name" type="text" maxlength="32" required autocomplete="nickname" placeholder="Ada"' +
      (user ? ' value="' + esc(name) + '" readonly' : '') + '>',
    '      <label for="room">Room</label>',
    '      <input id="room" name="room" type="text" maxlength="32" required placeholder="lobby" value="lobby">',
    '      <p id="join-error" class="error" role="alert" hidden></p>',
    '      <button id="join" type="submit">Join</button>',
    '    </form>',
    '    <noscript><p class="error">This chat needs JavaScript.</p></noscript>'
  ].concat(account(user), [
    '  </section>',
    '  <section id="chat-panel" class="panel chat" hidden aria-label="Chat">',
    '    <aside class="people" aria-labelledby="people-title">',
    '      <h2 id="people-title">Online <span id="count" class="count" aria-label="people online">0</span></h2>',
    '      <ul id="members" class="members"></ul>',
    '      <button id="leave" type="button" class="secondary">Leave room</button>',
    '    </aside>',
    '    <div class="talk">',
    '      <ol id="messages" class="messages" aria-live="polite" aria-label="Messages"></ol>',
    '      <form id="send-form" class="composer" autocomplete="off">',
    '        <label for="text" class="visually-hidden">Message</label>',
    '        <textarea id="text" name="text" rows="1" maxlength="2000" placeholder="Write a message; Enter sends, Shift+Enter for a new line" disabled></textarea>',
    '        <button id="send" type="submit" disabled>Send</button>',
    '      </form>',
    '    </div>',
    '  </section>',
    '</main>',
    '</body>',
    '</html>',
    ''
  ]).join('\n');
}

exports.get = function (req) {
  var sub = req.path.substring((req.contextPath || '').length);
  if (sub !== '' && sub !== '/') {
    return { status: 404 };
  }
  return {
    contentType: 'text/html; charset=utf-8',
    headers: {
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    },
    body: page(auth.getUser())
  };
};
