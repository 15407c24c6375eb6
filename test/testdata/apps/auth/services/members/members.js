exports.get = function (req) {
  if (req.webSocket) {
    return { webSocket: {} };
  }
  return { body: 'members only' };
};
exports.webSocketEvent = function (event) {
  if (event.type === 'open') {
    require('/lib/xp/websocket').send(event.session.id, 'welcome ' + event.session.user.login);
  }
};
