// send() of a value JSON cannot take throws; the socket stays usable.
var ws = require('/lib/xp/websocket');

exports.get = function () {
  return { webSocket: {} };
};

exports.webSocketEvent = function (event) {
  if (event.type === 'open') {
    var o = {};
    o.self = o;
    try {
      ws.send(event.session.id, o);
    } catch (e) {
      ws.send(event.session.id, 'threw ' + e.name);
    }
  }
};
