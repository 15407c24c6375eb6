var portal = require('/lib/xp/portal');
var auth = require('/lib/xp/auth');

/** @type {Duplex.RequestHandler} */
exports.get = function (req) {
  var user = auth.getUser();
  var name = user ? user.displayName : String(req.params.name || 'anonymous');
  var socketUrl = portal.serviceUrl({ service: 'chat', type: 'websocket', params: { name: name } });
  var css = portal.assetUrl({ path: 'chat.css' });
  var login = auth.loginAvailable()
    ? portal.loginUrl({ redirect: portal.url({ path: '/webapp/typedchat/' }) })
    : '';
  return {
    contentType: 'text/html; charset=utf-8',
    headers: { 'Cache-Control': 'no-store', Vary: ['Cookie', 'Accept'] },
    cookies: { seen: { value: '1', path: '/', maxAge: 3600, httpOnly: true, sameSite: 'lax' } },
    body: '<link rel="stylesheet" href="' + css + '">' +
      '<main data-socket="' + socketUrl + '" data-login="' + login + '">' + name + '</main>'
  };
};

/**
 * @param {Duplex.Request} req
 * @returns {Duplex.Response}
 */
exports.post = function (req) {
  if (req.contentType !== 'application/json' || req.body === undefined) {
    return { status: 415 };
  }
  var r = auth.login({ user: String(req.params.user), password: String(req.params.password) });
  if (!r.authenticated) {
    return { status: 401, body: { message: r.message } };
  }
  return { redirect: portal.serviceUrl({ service: 'chat', type: 'absolute' }), body: { user: r.user.key } };
};
