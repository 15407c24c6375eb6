/** @type {Duplex.ErrorHandler} */
exports.handle404 = function (err) {
  return { status: 404, contentType: 'text/plain', body: 'No ' + err.request.rawPath + ' here.' };
};

/** @type {Duplex.ErrorHandler} */
exports.handleError = function (err) {
  if (err.exception) {
    log.error('%s: %s', err.message, err.exception.stack);
  }
  return { body: { status: err.status, message: err.message } };
};

/** @type {Duplex.AsyncErrorHandler} */
exports.handle503 = async function (err) {
  await null;
  return { status: 503, body: 'Busy: ' + err.message };
};
