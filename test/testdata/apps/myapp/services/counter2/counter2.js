// Uses the same lib module instance as 'counter' within one runtime.
var shared = require('/lib/shared');
exports.get = function (req) {
  return { body: { shared: shared.inc() } };
};
