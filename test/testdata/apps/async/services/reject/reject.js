// A rejection is a thrown error: an Error made after two awaits, or a
// plain value.
async function check(tag) {
  await null;
  throw new Error('async kaboom ' + tag);
}

exports.get = async function (req) {
  await Promise.resolve();
  if (req.params.plain) {
    return Promise.reject('plain reason');
  }
  await check(req.params.tag);
  return { body: 'unreachable' };
};
