// Spelled right: no warning. Its open event marks a point in the log.
exports.get = function (req) {
  return req.webSocket ? { webSocket: {} } : { status: 404 };
};

exports.webSocketEvent = function (event) {
  if (event.type === 'open') {
    log.info('fine open %s', event.session.params.mark);
  }
};
