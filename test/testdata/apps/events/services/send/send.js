// POST an event's parameters to send it; GET ?listen tries to register a
// listener outside main.js.
var event = require('/lib/xp/event');

exports.post = function (req) {
  try {
    event.send(JSON.parse(req.body));
    return { body: { sent: true } };
  } catch (e) {
    return { status: 400, body: { error: e.message } };
  }
};

exports.get = function () {
  try {
    event.listener({ type: 'custom.*', callback: function () {} });
    return { body: { registered: true } };
  } catch (e) {
    return { status: 400, body: { error: e.message } };
  }
};
