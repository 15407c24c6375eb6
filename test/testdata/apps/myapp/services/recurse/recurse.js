// Infinite recursion: must end with a stack-limit error, not a crash.
function down(n) {
  return down(n + 1) + 1;
}
exports.get = function (req) {
  return { body: 'result:' + down(0) };
};
