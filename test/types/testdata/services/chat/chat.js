var websocket = require('/lib/xp/websocket');
var auth = require('/lib/xp/auth');
var context = require('/lib/xp/context');
var eventLib = require('/lib/xp/event');
var rooms = require('/lib/rooms');

/** @type {Duplex.RequestHandler} */
exports.get = function (req) {
  if (!req.webSocket) {
    return { status: 404 };
  }
  var room = req.params.room;
  return {
    webSocket: {
      data: { name: req.getHeader('X-Name') || 'anonymous', room: typeof room === 'string' ? room : String(app.config.room) },
      subProtocols: ['chat']
    }
  };
};

/** @param {Duplex.WebSocketEvent<{name: string, room: string}>} event */
exports.webSocketEvent = function (event) {
  var id = event.session.id;
  var group = rooms.group(event.data.room);
  switch (event.type) {
    case 'open':
      websocket.addToGroup(group, id);
      websocket.send(id, 'Welcome, ' + event.data.name + '. ' + websocket.getGroupSize(group) + ' here.');
      if (event.session.user) {
        log.info('%s joined %s', event.session.user.login, event.session.path);
      }
      break;
    case 'message':
      if (typeof event.message !== 'string') {
        websocket.send(id, new Uint8Array(event.message).reverse());
        return;
      }
      var text = event.message;
      if (text === '/who') {
        websocket.send(id, websocket.getGroupMembers(group));
        return;
      }
      if (text === '/kick' && isModerator()) {
        websocket.getGroupMembers(group).forEach(function (member) {
          websocket.close(member, 1008, 'kicked');
        });
        return;
      }
      rooms.announce(event.data.room, { from: event.data.name, text: text });
      // main.js on every node keeps the room's statistics.
      eventLib.send({ type: 'chat.message', distributed: true, data: { room: event.data.room, text: text } });
      break;
    case 'close':
      websocket.removeFromGroup(group, id);
      log.debug('left with %s', event.closeReason.toString());
      break;
    case 'error':
      log.error('session %s: %s', id, event.error || 'unknown');
      break;
  }
};

function isModerator() {
  var user = auth.getUser();
  return context.run({ principals: ['role:chat.moderator'], attributes: { checked: true } }, function () {
    return user !== null && auth.hasRole('chat.moderator') && context.get().authInfo.principals.indexOf('role:chat.moderator') >= 0;
  });
}

