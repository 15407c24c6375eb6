// Never accepts a socket: shows what req.webSocket was, for any method.
exports.all = function (req) {
  return { body: { webSocket: req.webSocket, method: req.method } };
};

exports.webSocketEvent = function (event) {
};
