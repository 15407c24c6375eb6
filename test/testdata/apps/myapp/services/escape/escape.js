// require(?p=...) inside try/catch; reports what happened.
exports.get = function (req) {
  var p = req.params.p;
  try {
    var v = require(p);
    return { body: { ok: true, value: v } };
  } catch (e) {
    return { body: { ok: false, error: String(e) } };
  }
};
