// A chat service written the way the Enonic XP documentation shows it
// (framework/websocket, api/lib-websocket). It knows nothing about duplex.

var webSocketLib = require('/lib/xp/websocket');

var GROUP = 'chat';

// Create a websocket if websocket request.
exports.get = function (req) {

  if (!req.webSocket) {
    return {
      status: 404
    };
  }

  return {
    webSocket: {
      data: {
        user: req.params.user || 'anonymous',
        room: 'lobby',
        joined: 42
      },
      subProtocols: ['chat.v2', 'chat.v1']
    }
  };
};

function reply(id, msg) {
  webSocketLib.send(id, JSON.stringify(msg));
}

function broadcast(msg) {
  webSocketLib.sendToGroup(GROUP, JSON.stringify(msg));
}

function handleMessage(event) {
  var id = event.session.id;
  var user = event.data.user;
  var text = event.message;

  if (text == 'size') {
    reply(id, { type: 'size', size: webSocketLib.getGroupSize(GROUP) });
    return;
  }

  if (text.indexOf('dm:') == 0) {
    // dm:<session id>:<text>
    var rest = text.substring(3);
    var colon = rest.indexOf(':');
    reply(rest.substring(0, colon), { type: 'dm', from: user, text: rest.substring(colon + 1) });
    return;
  }

  if (text == 'leave') {
    webSocketLib.removeFromGroup(GROUP, id);
    reply(id, { type: 'left', size: webSocketLib.getGroupSize(GROUP) });
    return;
  }

  if (text == 'boom') {
    throw new Error('boom from ' + user);
  }

  // Propagate message to group
  broadcast({ type: 'msg', from: user, text: text });
}

// Listen to a websocket event
exports.webSocketEvent = function (event) {

  if (event.type == 'open') {
    // Add client into a group
    webSocketLib.addToGroup(GROUP, event.session.id);

    // Send message back to client
    reply(event.session.id, {
      type: 'welcome',
      id: event.session.id,
      path: event.session.path,
      params: event.session.params,
      data: event.data,
      size: webSocketLib.getGroupSize(GROUP)
    });

    broadcast({ type: 'join', user: event.data.user, id: event.session.id, size: webSocketLib.getGroupSize(GROUP) });

    log.info('New group size %s', webSocketLib.getGroupSize(GROUP));
  }

  if (event.type == 'message') {
    handleMessage(event);
  }

  if (event.type == 'error') {
    log.warning('chat error %s: %s', event.data.user, event.error);
  }

  if (event.type == 'close') {
    broadcast({ type: 'bye', user: event.data.user, code: event.closeReason });
    log.info('chat close %s %s', event.data.user, event.closeReason);
  }

};
