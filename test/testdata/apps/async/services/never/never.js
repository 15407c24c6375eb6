// Promises nothing can settle: duplex scripts have no timers or I/O.
exports.get = function () {
  return new Promise(function () {});
};

exports.post = async function () {
  await new Promise(function () {});
  return { body: 'unreachable' };
};
