// Echo service for the conformance suite (test/conformance_test.go): every
// message goes back to its sender, text as text, binary (an ArrayBuffer)
// as binary. A plain GET that is not an upgrade gets 404.
var ws = require('/lib/xp/websocket');

exports.get = function (req) {
  return req.webSocket ? { webSocket: {} } : { status: 404 };
};

exports.webSocketEvent = function (e) {
  if (e.type === 'message') {
    ws.send(e.session.id, e.message);
  }
};
