// A socket that hears what main.js's listeners report.
var ws = require('/lib/xp/websocket');

exports.get = function (req) {
  return req.webSocket ? { webSocket: {} } : { status: 404 };
};

exports.webSocketEvent = function (e) {
  if (e.type === 'open') {
    ws.addToGroup('observe', e.session.id);
    ws.send(e.session.id, JSON.stringify({ listener: 'welcome' }));
  }
};
