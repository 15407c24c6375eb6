var httpClient = require('/lib/http-client');
var xpHttpClient = require('/lib/xp/http-client');

/** @type {Duplex.RequestHandler} */
exports.get = function (req) {
  var city = req.params.city;
  try {
    var res = httpClient.request({
      url: String(app.config.weatherUrl),
      method: 'GET',
      queryParams: { city: Array.isArray(city) ? city : city || 'Oslo', units: 'metric' },
      headers: { Accept: 'application/json' },
      connectionTimeout: 2000,
      readTimeout: 3000,
      followRedirects: false
    });
    if (res.status !== 200 || res.body === null) {
      return { status: 502, body: { message: res.message, type: res.contentType || 'none' } };
    }
    var session = res.cookies.filter(function (c) { return c.name === 'session'; })[0];
    return {
      body: JSON.parse(res.body),
      headers: { 'X-Upstream-Date': res.headers['date'], 'X-Session-Expires': session && session.expires }
    };
  } catch (e) {
    return { status: 504, body: { message: String(e) } };
  }
};

/** @type {Duplex.RequestHandler} */
exports.post = function (req) {
  var res = xpHttpClient.request({
    url: 'https://weather.example.com/reports',
    method: 'POST',
    contentType: 'application/json',
    body: req.body || '{}',
    auth: { user: 'reporter', password: 'secret' },
    multipart: undefined
  });
  return { status: res.status };
};
