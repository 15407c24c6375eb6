/** @type {Duplex.RequestHandler} */
exports.get = function (req) {
  // A repeated name gives an array, an absent one undefined.
  var name = req.params.name || 'world';
  return { body: name.toUpperCase() }; // want TS2339 "Property 'toUpperCase' does not exist on type 'string | string[]'"
};
