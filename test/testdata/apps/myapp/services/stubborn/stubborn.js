// A runaway script that tries to swallow its interruption.
exports.get = function (req) {
  for (;;) {
    try {
      for (;;) {
      }
    } catch (e) {
      // keep going
    }
  }
};
