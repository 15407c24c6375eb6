// Every message "f:<n>" sends one 16 KiB message "<n>:xxxx..." to group
// "flood". A session joins on open.
var ws = require('/lib/xp/websocket');

var big = new Array(16 * 1024 + 1).join('x');

exports.get = function (req) {
  if (!req.webSocket) {
    return { status: 404 };
  }
  return { webSocket: {} };
};

exports.webSocketEvent = function (event) {
  var id = event.session.id;
  if (event.type == 'open') {
    ws.addToGroup('flood', id);
    ws.send(id, 'ready:' + id);
    return;
  }
  if (event.type == 'message') {
    var m = event.message;
    if (m.indexOf('f:') == 0) {
      ws.sendToGroup('flood', m.substring(2) + ':' + big);
    } else if (m == 'size') {
      ws.send(id, 'size:' + ws.getGroupSize('flood'));
    }
    return;
  }
  if (event.type == 'close') {
    log.info('floodclose %s', JSON.stringify({ id: id, closeReason: event.closeReason }));
  }
};
