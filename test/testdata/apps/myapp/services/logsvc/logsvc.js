exports.get = function (req) {
  log.debug('dbg-line %s', 'd');
  log.info('greet %s and %s', 'world', { a: 1, b: [true, 'x'] });
  log.warning('warn-line %s', 42);
  log.error('err-line %s', 'e');
  return { body: 'logged', contentType: 'text/plain' };
};
