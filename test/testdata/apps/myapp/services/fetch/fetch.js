// /lib/http-client: fetches ?url= and describes the response; a refusal
// is an error the script catches.
var http = require('/lib/http-client');

exports.get = function (req) {
  try {
    var res = http.request({ url: req.params.url, queryParams: { from: 'duplex' } });
    return { contentType: 'text/plain', body: res.status + ' ' + res.contentType + ' ' + res.body };
  } catch (e) {
    return { status: 502, contentType: 'text/plain', body: 'refused: ' + e.message };
  }
};
