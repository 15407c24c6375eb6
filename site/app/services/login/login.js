// Login and logout for the chat page, over /lib/xp/auth. The page posts
// JSON with fetch: a JSON body cannot be sent cross-site without a CORS
// preflight, which duplex never grants, so no other site can log a visitor
// in or out. The session cookie itself is set by auth.login.
//
//   POST {user, password}    -> 200 {authenticated: true, displayName}
//                               401 {authenticated: false, message}
//   POST {action: 'logout'}  -> 200 {authenticated: false}

var auth = require('/lib/xp/auth');

function json(status, body) {
  return { status: status, contentType: 'application/json; charset=utf-8', body: body };
}

exports.post = function (req) {
  if (!/^application\/json\b/i.test(req.contentType || '')) {
    return json(415, { status: 415, message: 'Send JSON.' });
  }
  var b;
  try {
    b = JSON.parse(req.body || '{}');
  } catch (e) {
    return json(400, { status: 400, message: 'Malformed JSON.' });
  }
  if (b === null || typeof b !== 'object') {
    return json(400, { status: 400, message: 'Send a JSON object.' });
  }
  if (b.action === 'logout') {
    auth.logout();
    return json(200, { authenticated: false });
  }
  var user = typeof b.user === 'string' ? b.user : '';
  var password = typeof b.password === 'string' ? b.password : '';
  var r = auth.login({ user: user, password: password, idProvider: 'system' });
  if (!r.authenticated) {
    return json(401, { authenticated: false, message: r.message });
  }
  return json(200, { authenticated: true, displayName: r.user.displayName });
};
