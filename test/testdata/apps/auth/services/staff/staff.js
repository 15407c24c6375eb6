exports.get = function (req) {
  if (req.webSocket) {
    return { webSocket: {} };
  }
  return { body: 'staff only' };
};
exports.webSocketEvent = function () {};
