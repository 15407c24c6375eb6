// Requires a module that is not there.
var gone = require('/lib/doesnotexist');
exports.get = function () { return { body: 'unreachable' }; };
