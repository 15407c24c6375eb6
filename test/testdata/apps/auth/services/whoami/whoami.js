// Tells who the caller is, over HTTP and on every WebSocket event.
var auth = require('/lib/xp/auth');
var websocket = require('/lib/xp/websocket');

exports.get = function (req) {
  if (req.webSocket) {
    return { webSocket: { data: { tag: req.params.tag || '' } } };
  }
  return {
    body: {
      user: auth.getUser(),
      everyone: auth.hasRole('system.everyone'),
      authenticated: auth.hasRole('role:system.authenticated')
    }
  };
};

exports.webSocketEvent = function (event) {
  var id = event.session.id;
  var seen = {
    type: event.type,
    hasUser: 'user' in event.session,
    user: event.session.user === undefined ? null : event.session.user,
    getUser: auth.getUser()
  };
  if (event.type === 'open') {
    // What the issue asks for: the user object as JSON, as the first frame.
    websocket.send(id, JSON.stringify(event.session.user) || 'anonymous');
    return;
  }
  if (event.type === 'message') {
    if (event.message === 'logout') {
      auth.logout();
    }
    websocket.send(id, JSON.stringify(seen));
  }
  if (event.type === 'close') {
    log.info('whoami-close %s', JSON.stringify({ id: id, tag: event.data.tag, code: event.closeReason, getUser: auth.getUser() }));
  }
};
