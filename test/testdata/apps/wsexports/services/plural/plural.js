// A near-miss one edit away.
exports.get = function (req) {
  return req.webSocket ? { webSocket: {} } : { status: 404 };
};

exports.webSocketEvents = function (event) {
  log.info('plural handler ran for %s', event.type);
};
