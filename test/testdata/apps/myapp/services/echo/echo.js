// Echoes the request object back as JSON (functions are reported separately).
exports.all = function (req) {
  var fields = ['method', 'scheme', 'host', 'port', 'path', 'rawPath', 'url', 'remoteAddress',
    'params', 'headers', 'cookies', 'body', 'contentType', 'webSocket'];
  var out = {};
  fields.forEach(function (k) {
    if (req[k] !== undefined && req[k] !== null) {
      out[k] = req[k];
    }
  });
  out.types = {};
  fields.forEach(function (k) {
    out.types[k] = Array.isArray(req[k]) ? 'array' : (req[k] === null ? 'null' : typeof req[k]);
  });
  out.types.getHeader = typeof req.getHeader;
  if (typeof req.getHeader === 'function') {
    out.getHeader = {
      lower: req.getHeader('x-custom-header'),
      upper: req.getHeader('X-CUSTOM-HEADER'),
      mixed: req.getHeader('X-Custom-Header'),
      missing: req.getHeader('x-not-sent') === undefined || req.getHeader('x-not-sent') === null
    };
  }
  return {
    body: out
  };
};
