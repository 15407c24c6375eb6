// Sub-protocol choice: ?one=1 offers a single string, otherwise an array.
exports.get = function (req) {
  if (!req.webSocket) {
    return { status: 404 };
  }
  return {
    webSocket: {
      subProtocols: req.params.one ? 'text' : ['alpha', 'beta', 'gamma']
    }
  };
};

exports.webSocketEvent = function (event) {
};
