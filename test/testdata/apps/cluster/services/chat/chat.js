// A chat for the cluster tests, written as for a single node: every call
// is plain /lib/xp/websocket. Messages are JSON commands {op, ...}.
var ws = require('/lib/xp/websocket');

exports.get = function (req) {
  if (!req.webSocket) {
    return { status: 404 };
  }
  return { webSocket: { data: { name: req.params.name || 'anonymous' } } };
};

function reply(id, msg) {
  ws.send(id, JSON.stringify(msg));
}

exports.webSocketEvent = function (event) {
  var id = event.session.id;
  if (event.type === 'open') {
    ws.addToGroup('room', id);
    reply(id, { type: 'welcome', id: id });
    return;
  }
  if (event.type !== 'message') {
    return;
  }
  var m = JSON.parse(event.message);
  var group = m.group || 'room';
  if (m.op === 'group') {
    ws.sendToGroup(group, JSON.stringify({ type: 'group', from: event.data.name, text: m.text, sent: m.sent }));
  } else if (m.op === 'send') {
    ws.send(m.to, JSON.stringify({ type: 'direct', from: event.data.name, text: m.text }));
  } else if (m.op === 'close') {
    ws.close(m.to, m.code, m.reason);
  } else if (m.op === 'add') {
    ws.addToGroup(group, m.to);
  } else if (m.op === 'remove') {
    ws.removeFromGroup(group, m.to);
  }
};
