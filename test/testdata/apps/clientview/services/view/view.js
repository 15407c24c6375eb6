// What a request looks like to a controller behind TLS or a proxy: XP's
// request fields, the forwarding headers as a script sees them, and the
// URLs /lib/xp/portal builds. POST logs in (form fields user, password).
var auth = require('/lib/xp/auth');
var portal = require('/lib/xp/portal');
var websocket = require('/lib/xp/websocket');

exports.get = function (req) {
  if (req.webSocket) {
    return { webSocket: {} };
  }
  return {
    body: {
      scheme: req.scheme,
      host: req.host,
      port: req.port,
      url: req.url,
      remoteAddress: req.remoteAddress,
      forwarded: [
        req.headers['X-Forwarded-For'] || null,
        req.headers['X-Forwarded-Proto'] || null,
        req.headers['X-Forwarded-Host'] || null
      ],
      absoluteUrl: portal.serviceUrl({ service: 'view', type: 'absolute' }),
      websocketUrl: portal.serviceUrl({ service: 'view', type: 'websocket' })
    }
  };
};

exports.post = function (req) {
  var r = auth.login({ user: req.params.user, password: req.params.password });
  return { status: r.authenticated ? 200 : 401, body: { authenticated: r.authenticated, message: r.message || null } };
};

// The socket tells its own URL, built from the upgrade, then echoes.
exports.webSocketEvent = function (event) {
  var id = event.session.id;
  if (event.type === 'open') {
    websocket.send(id, portal.serviceUrl({ service: 'view', type: 'websocket' }));
  }
  if (event.type === 'message') {
    websocket.send(id, event.message);
  }
};
