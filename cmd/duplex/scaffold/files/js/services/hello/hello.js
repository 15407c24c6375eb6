// A service: GET /_/service/<app>/hello?name=Ada answers {"message": "Hello, Ada!"}.

/** @type {Duplex.RequestHandler} */
exports.get = function (req) {
  var name = typeof req.params.name === 'string' ? req.params.name : 'world';
  return { body: { message: 'Hello, ' + name + '!' } };
};
