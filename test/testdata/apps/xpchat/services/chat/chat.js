// The chat service, as XP's documentation writes it, with one change for
// a cluster: a message goes out as a distributed event (see main.js).
var webSocketLib = require('/lib/xp/websocket');
var eventLib = require('/lib/xp/event');

exports.get = function (req) {
  if (!req.webSocket) {
    return {
      status: 404
    };
  }
  return {
    webSocket: {
      data: {
        user: req.params.user || 'test'
      },
      subProtocols: ['text']
    }
  };
};

exports.webSocketEvent = function (event) {
  var name = event.session.user ? event.session.user.displayName : 'anonymous';

  if (event.type == 'open') {
    // Send message back to client
    webSocketLib.send(event.session.id, 'Welcome to our chat ' + name);

    // Add client into a group
    webSocketLib.addToGroup('chat', event.session.id);

    log.info(`New group size ${webSocketLib.getGroupSize('chat')}`);
  }

  if (event.type == 'message') {
    // Propagate message to every node's group
    eventLib.send({
      type: 'chat.message',
      distributed: true,
      data: { from: name, text: event.message }
    });
  }

  if (event.type == 'close') {
    // Remove client from a group
    webSocketLib.removeFromGroup('chat', event.session.id);
  }
};
