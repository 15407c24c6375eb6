/**
 * @param {Duplex.Request} req
 * @returns {Duplex.Response}
 */
exports.get = function (req) {
  return { webSocket: { data: { name: req.params.name }, subProtocols: 42 } }; // want TS2322 "Type 'number' is not assignable"
};
