function reply(req) {
  return {
    body: { who: 'myapp-webapp', method: req.method, path: req.path, rawPath: req.rawPath }
  };
}
exports.get = reply;
exports.post = reply;
