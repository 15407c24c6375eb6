// XP's cluster chat: a message is sent on as a distributed event, and
// main.js's listener on every node delivers it to that node's sockets.
var ws = require('/lib/xp/websocket');
var event = require('/lib/xp/event');

exports.get = function (req) {
  return req.webSocket ? { webSocket: {} } : { status: 404 };
};

exports.webSocketEvent = function (e) {
  if (e.type === 'open') {
    ws.addToGroup('chat', e.session.id);
    ws.send(e.session.id, 'welcome');
  } else if (e.type === 'message') {
    event.send({ type: 'chat', distributed: true, data: { text: e.message } });
  }
};
