// XP's application error handler: handle<status> first, then handleError
// when that export is missing or returns no object.
exports.handle404 = function (err) {
  if (err.request.params.fallthrough) {
    return undefined;
  }
  return { contentType: 'text/plain', body: 'custom 404: ' + err.message + ' at ' + err.request.path };
};

exports.handleError = function (err) {
  if (err.request.params.fail) {
    throw new Error('the error handler itself fails');
  }
  return {
    contentType: 'application/json',
    body: { handled: err.status, message: err.message, thrown: err.exception ? err.exception.message : null }
  };
};
