/** @type {Duplex.AsyncRequestHandler} */
exports.get = async function () {
  return { status: 200, contentTyp: 'text/plain' }; // want TS2561 "Did you mean to write 'contentType'?"
};
