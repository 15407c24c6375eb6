// The benchmark protocol of cmd/duplex-bench, as an ordinary duplex app.
//
//   on open:            join group 'bench', then send 'welcome'
//   text 'B:...':       sendToGroup('bench', text)  (every member, sender too)
//   text 'E:...':       send(sender, text)          (the sender only)
//
// The peers in ../node, ../bun and ../plain implement the same protocol.
var ws = require('/lib/xp/websocket');

exports.get = function (req) {
  return { webSocket: {} };
};

exports.webSocketEvent = function (e) {
  var id = e.session.id;
  if (e.type === 'open') {
    ws.addToGroup('bench', id);
    ws.send(id, 'welcome');
  } else if (e.type === 'message') {
    var m = e.message;
    if (typeof m !== 'string') {
      return;
    }
    if (m.charCodeAt(0) === 66 && m.charCodeAt(1) === 58) { // "B:"
      ws.sendToGroup('bench', m);
    } else if (m.charCodeAt(0) === 69 && m.charCodeAt(1) === 58) { // "E:"
      ws.send(id, m);
    }
  }
};
