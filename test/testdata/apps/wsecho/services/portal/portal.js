// /lib/xp/portal: the page hands out its own ws:// URL; the socket's open
// event builds one from the upgrade request.
var portal = require('/lib/xp/portal');
var ws = require('/lib/xp/websocket');

exports.get = function (req) {
  if (req.webSocket) {
    return { webSocket: {} };
  }
  return {
    contentType: 'text/plain',
    body: portal.serviceUrl({ service: 'portal', type: 'websocket', params: { room: 'a b' } })
  };
};

exports.webSocketEvent = function (event) {
  if (event.type === 'open') {
    ws.send(event.session.id, portal.serviceUrl({ service: 'echo', type: 'absolute' }));
  }
};
