var c = require('./case');
exports.tag = 'strings';
exports.upper = function (s) { return c.up(s); };
