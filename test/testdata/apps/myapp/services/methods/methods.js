// Method-specific handlers; no 'options', 'trace' nor 'all' export.
function reply(name, req) {
  return {
    body: name + ':' + req.method,
    contentType: 'text/plain; charset=utf-8',
    headers: { 'X-Handler': name, 'X-Method': req.method }
  };
}
exports.get = function (req) { return reply('get', req); };
exports.post = function (req) { return reply('post', req); };
exports.put = function (req) { return reply('put', req); };
exports['delete'] = function (req) { return reply('delete', req); };
exports.patch = function (req) { return reply('patch', req); };
