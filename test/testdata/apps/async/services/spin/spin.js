// Runs out of --js-timeout in code after an await, which goja runs as a
// promise job.
exports.get = async function () {
  await null;
  for (;;) {}
};
