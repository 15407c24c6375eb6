// A CommonJS library that ES modules import.
exports.twice = function (n) { return n * 2; };
exports.kind = 'cjs';
