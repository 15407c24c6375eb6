// Module-level state: lives per runtime (worker).
var count = 0;
var id = String(Math.random()) + '-' + Date.now();
var shared = require('/lib/shared');
exports.get = function (req) {
  count++;
  return { body: { count: count, id: id, shared: shared.inc() } };
};
