// Drives /lib/xp/websocket from text commands: "cmd:arg:arg...".
var ws = require('/lib/xp/websocket');

exports.get = function (req) {
  if (!req.webSocket) {
    return { status: 404 };
  }
  return { webSocket: { data: { app: app.name } } };
};

exports.webSocketEvent = function (event) {
  var id = event.session.id;
  var p = event.session.params;

  if (event.type == 'open') {
    if (p.join) {
      // Registered before open: these must work here.
      ws.addToGroup(p.join, id);
      ws.send(id, 'open:' + id + ':' + ws.getGroupSize(p.join) + ':' + JSON.stringify(ws.getGroupMembers(p.join)));
    } else {
      ws.send(id, 'open:' + id);
    }
    return;
  }

  if (event.type == 'close') {
    var at = {};
    if (p.join) {
      at.size = ws.getGroupSize(p.join);
      at.member = ws.getGroupMembers(p.join).indexOf(id) >= 0;
    }
    log.info('groupsclose %s', JSON.stringify({ id: id, closeReason: event.closeReason, at: at }));
    return;
  }

  if (event.type != 'message') {
    return;
  }

  var a = event.message.split(':');
  var cmd = a[0];
  if (cmd == 'join') {
    ws.addToGroup(a[1], a.length > 2 ? a[2] : id);
    ws.send(id, 'ok');
  } else if (cmd == 'leave') {
    ws.removeFromGroup(a[1], a.length > 2 ? a[2] : id);
    ws.send(id, 'ok');
  } else if (cmd == 'size') {
    var n = ws.getGroupSize(a[1]);
    ws.send(id, 'size:' + typeof n + ':' + n);
  } else if (cmd == 'members') {
    var m = ws.getGroupMembers(a[1]);
    ws.send(id, 'members:' + Array.isArray(m) + ':' + JSON.stringify(m.slice().sort()));
  } else if (cmd == 'send') {
    ws.send(a[1], a.slice(2).join(':'));
    ws.send(id, 'ok');
  } else if (cmd == 'group') {
    ws.sendToGroup(a[1], a.slice(2).join(':'));
    ws.send(id, 'ok');
  } else if (cmd == 'close') {
    ws.close(a[1], parseInt(a[2], 10), a[3]);
    ws.send(id, 'ok');
  } else {
    ws.send(id, 'unknown command ' + cmd);
  }
};
