// Never returns: must be stopped by --js-timeout.
exports.get = function (req) {
  log.info('loop-start %s', req.params.tag || '');
  while (true) {
  }
};
