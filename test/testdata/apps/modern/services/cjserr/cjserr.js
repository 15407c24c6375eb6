exports.get = function () { var x = 1; return x + nope; };
