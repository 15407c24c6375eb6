// A WebSocket chat: whatever one session sends goes to every session. The
// page (webapp/webapp.js) connects to ws://HOST/.../_/service/<app>/chat?name=NAME.
var websocket = require('/lib/xp/websocket');

var ROOM = 'chat';

/** @type {Duplex.RequestHandler} */
exports.get = function (req) {
  if (!req.webSocket) {
    return { status: 426, headers: { Upgrade: 'websocket' }, body: { message: 'Connect with a WebSocket.' } };
  }
  var name = typeof req.params.name === 'string' && req.params.name ? req.params.name.slice(0, 40) : 'anonymous';
  return { webSocket: { data: { name: name } } };
};

/** @param {Duplex.WebSocketEvent<{name: string}>} event */
exports.webSocketEvent = function (event) {
  var id = event.session.id;
  var name = event.data.name;
  if (event.type === 'open') {
    websocket.addToGroup(ROOM, id);
    websocket.sendToGroup(ROOM, name + ' joined');
  } else if (event.type === 'message' && typeof event.message === 'string') {
    websocket.sendToGroup(ROOM, name + ': ' + event.message);
  } else if (event.type === 'close') {
    websocket.removeFromGroup(ROOM, id);
    websocket.sendToGroup(ROOM, name + ' left');
  }
};
