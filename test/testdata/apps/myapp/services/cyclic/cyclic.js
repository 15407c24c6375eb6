// Cyclic objects where JSON is expected (log formatting, response body).
exports.get = function (req) {
  var o = { name: 'loop' };
  o.self = o;
  if (req.params.where === 'log') {
    log.info('cyclic %s', o);
    return { body: 'logged cyclic', contentType: 'text/plain' };
  }
  return { body: o };
};
