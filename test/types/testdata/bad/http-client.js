var httpClient = require('/lib/http-client');

var res = httpClient.request({ url: 'https://example.com/', proxy: { host: 'proxy' } }); // want TS2353 "'proxy' does not exist in type 'HttpRequestParams'"
log.info(res.body.length); // want TS18047 "'res.body' is possibly 'null'"
