// XP's application error handlers.
exports.handle404 = function (err) {
  return {
    contentType: 'text/html',
    body: '<!doctype html><html><body><h1 id="not-found">Nothing here</h1></body></html>'
  };
};

exports.handleError = function (err) {
  return {
    contentType: 'text/html',
    body: '<!doctype html><html><body><h1>Error ' + err.status + '</h1></body></html>'
  };
};
