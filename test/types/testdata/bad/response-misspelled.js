/** @type {Duplex.RequestHandler} */
exports.get = function () {
  return { status: 200, contentTyp: 'text/plain' }; // want TS2561 "Did you mean to write 'contentType'?"
};
