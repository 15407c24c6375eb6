// Group fan-out for the slow-peer tests: every session joins group "flood"
// on open. The message "burst:<from>:<count>:<size>" sends <count> messages
// "<n>:xxx…" (n = from, from+1, …; <size> bytes each) to the group, in
// order. Close events are logged as "fev {json}".
var ws = require('/lib/xp/websocket');

var pads = {};

function pad(size) {
  if (!pads[size]) {
    pads[size] = new Array(size + 1).join('x');
  }
  return pads[size];
}

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
  if (event.type == 'close' || event.type == 'error') {
    log.info('fev %s', JSON.stringify({
      type: event.type, id: id, tag: event.session.params.tag,
      closeReason: event.closeReason, error: event.error
    }));
    return;
  }
  if (event.type != 'message') {
    return;
  }
  var a = String(event.message).split(':');
  if (a[0] == 'burst') {
    var from = parseInt(a[1], 10), count = parseInt(a[2], 10), size = parseInt(a[3], 10);
    for (var i = from; i < from + count; i++) {
      var head = i + ':';
      ws.sendToGroup('flood', head + pad(size - head.length));
    }
  } else if (a[0] == 'size') {
    ws.send(id, 'size:' + ws.getGroupSize('flood'));
  }
};
