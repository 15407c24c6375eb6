// Accepts WebSockets with no event handler at all.
exports.get = function (req) {
  return req.webSocket ? { webSocket: {} } : { status: 404 };
};

exports.post = function () {
  return { body: 'posted' };
};
