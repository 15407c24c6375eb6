// An async get that accepts the upgrade, and an async webSocketEvent.
var ws = require('/lib/xp/websocket');

async function shout(text) {
  await null;
  return text.toUpperCase();
}

exports.get = async function (req) {
  await null;
  if (!req.webSocket) {
    return { status: 404 };
  }
  return { webSocket: { data: { via: 'async get' } } };
};

exports.webSocketEvent = async function (event) {
  var id = event.session.id;
  if (event.type === 'open') {
    ws.send(id, 'open via ' + event.data.via);
    return;
  }
  if (event.type === 'message') {
    if (event.message === 'reject') {
      await null;
      throw new Error('async message-boom');
    }
    if (event.message === 'never') {
      return new Promise(function () {});
    }
    ws.send(id, await shout(event.message));
    return;
  }
  log.info('asyncws %s', JSON.stringify({ type: event.type, id: id, error: event.error, closeReason: event.closeReason }));
};
