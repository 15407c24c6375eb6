// POST {user, password[, idProvider]} logs in; POST {action: 'logout'} logs out.
var auth = require('/lib/xp/auth');

exports.post = function (req) {
  var b = JSON.parse(req.body || '{}');
  if (b.action === 'logout') {
    auth.logout();
    return { body: { loggedOut: true, user: auth.getUser() } };
  }
  var r = auth.login({ user: b.user, password: b.password, idProvider: b.idProvider });
  // As in XP, the rest of the call runs as the new user.
  r.after = auth.getUser();
  return { status: r.authenticated ? 200 : 401, body: r };
};

exports.get = function () {
  return { body: { available: auth.loginAvailable(), user: auth.getUser() } };
};
