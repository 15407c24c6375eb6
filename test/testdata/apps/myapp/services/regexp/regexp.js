// Catastrophic backtracking: must be bounded by the engine / the timeout.
exports.get = function (req) {
  var r;
  try {
    r = /^(a|aa)+\1$/.test('a'.repeat(40) + 'b');
  } catch (e) {
    return { status: 500, body: 'regexp-error:' + e };
  }
  return { body: 'regexp-result:' + r };
};
