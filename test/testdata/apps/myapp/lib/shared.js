var n = 0;
exports.inc = function () { n++; return n; };
