// The webapp accepts sockets too, and answers a plain GET normally.
var ws = require('/lib/xp/websocket');

exports.get = function (req) {
  if (!req.webSocket) {
    return { body: 'plain webapp ' + req.path };
  }
  return { webSocket: { data: { where: 'webapp' } } };
};

exports.webSocketEvent = function (event) {
  if (event.type == 'open') {
    ws.send(event.session.id, JSON.stringify({ where: event.data.where, path: event.session.path, params: event.session.params }));
  }
  if (event.type == 'message') {
    ws.send(event.session.id, 'webapp:' + event.message);
  }
};
