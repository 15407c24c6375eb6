exports.get = function (req) {
  if (req.params.withStatus) {
    return { status: 200, body: 'ignored', redirect: '/other' };
  }
  return { redirect: '/somewhere/else?x=1' };
};
