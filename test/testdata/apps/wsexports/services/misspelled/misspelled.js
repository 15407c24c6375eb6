// Accepts WebSockets, but its event handler is misspelled: XP (and
// duplex) accept the upgrade and drop the events; duplex warns.
exports.get = function (req) {
  return req.webSocket ? { webSocket: {} } : { status: 404 };
};

exports.websocketEvent = function (event) {
  log.info('misspelled handler ran for %s', event.type);
};
