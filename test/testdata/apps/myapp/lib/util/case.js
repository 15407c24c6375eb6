exports.up = function (s) { return String(s).toUpperCase(); };
