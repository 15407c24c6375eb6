// Busy-waits for ?ms= milliseconds (used for concurrency and graceful shutdown).
exports.get = function (req) {
  var ms = parseInt(req.params.ms || '500', 10);
  log.info('slow-start %s', req.params.tag || '');
  var end = Date.now() + ms;
  while (Date.now() < end) {
  }
  return { body: 'slow-done:' + (req.params.tag || ''), contentType: 'text/plain' };
};
