// Sends the posted data as a custom.async event.
var event = require('/lib/xp/event');

exports.post = function (req) {
  event.send({ type: 'async', data: JSON.parse(req.body) });
  return { status: 204 };
};
