// Enonic XP's way to chat across a cluster: the chat service sends every
// message as a distributed event, and this listener, on every node,
// passes it to the sockets of its node.
var eventLib = require('/lib/xp/event');
var webSocketLib = require('/lib/xp/websocket');

eventLib.listener({
  type: 'custom.chat.message',
  localOnly: false,
  callback: function (event) {
    webSocketLib.sendToGroup('chat', JSON.stringify(event.data));
  }
});

log.info('Chat started');

__.disposer(function () {
  log.info('Chat stopped');
});
