// 'get' for GET/HEAD, 'all' for every other standard method.
exports.get = function (req) {
  return { body: 'get:' + req.method, contentType: 'text/plain', headers: { 'X-Handler': 'get' } };
};
exports.all = function (req) {
  return { body: 'all:' + req.method, contentType: 'text/plain', headers: { 'X-Handler': 'all' } };
};
