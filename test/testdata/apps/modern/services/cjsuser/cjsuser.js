// CommonJS requiring an ES module: its named exports and its default.
var esm = require('/lib/esm-util');
var ts = require('/lib/ts-util');
exports.get = function () {
  return { contentType: 'application/json', body: { triple: esm.triple(2), esmDefault: esm.default, shout: ts.shout('a') } };
};
