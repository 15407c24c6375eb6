// Response object cases, selected by ?case=.
exports.get = function (req) {
  switch (req.params['case']) {
    case 'string':
      return { body: 'plain string body' };
    case 'object':
      return { body: { a: 1, s: 'x', list: [1, 2, 3], nested: { ok: true } } };
    case 'array':
      return { body: [1, 'two', { three: 3 }] };
    case 'nothing':
      return;
    case 'status':
      return { status: 201, body: 'created' };
    case 'ctype':
      return { body: 'some,csv', contentType: 'text/csv; charset=utf-8' };
    case 'headers':
      return { body: 'with headers', headers: { 'X-One': '1', 'X-Two': 'two' } };
    case '404':
      return { status: 404 };
    case '503':
      return { status: 503 };
    case '418body':
      return { status: 418, body: 'i am a teapot', contentType: 'text/plain' };
    default:
      return { status: 400, body: 'unknown case', contentType: 'text/plain' };
  }
};
