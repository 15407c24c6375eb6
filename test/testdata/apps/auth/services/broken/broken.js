exports.get = function () {
  return { body: 'must never run: the descriptor is broken' };
};
