// A client handler whose onOpen returns a Promise nothing can settle.
exports.onOpen = function () {
  return new Promise(function () {});
};
