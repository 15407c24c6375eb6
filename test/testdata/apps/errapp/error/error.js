// XP's application error handler: handle<status> first, then handleError.
exports.handle404 = function (err) {
  return { contentType: 'text/plain', body: 'custom 404: ' + err.message + ' at ' + err.request.path };
};

exports.handleError = function (err) {
  if (err.request.params.fail) {
    throw new Error('the error handler itself fails');
  }
  return { contentType: 'application/json', body: { handled: err.status, message: err.message } };
};
