exports.get = function (req) {
  var n = 1;
  throw new Error('kaboom-' + n);
};
