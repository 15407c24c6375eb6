// onOpen never returns: createWebsocket's caller is interrupted with it.
exports.onOpen = function () {
  while (true) {}
};
