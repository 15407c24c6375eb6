// XP's request details: headers in any case, the path as sent and decoded.
exports.get = function (req) {
  return {
    contentType: 'text/plain',
    body: [req.headers['x-test'], req.headers['X-TEST'], req.path, req.rawPath].join('|')
  };
};
