// Awaits of other async functions, of several levels, and of promises
// that are resolved already; a plain function returning a Promise.
async function double(n) {
  await null;
  return n * 2;
}

async function quadruple(n) {
  return double(await double(n));
}

exports.get = async function (req) {
  var n = Number(req.params.n || 1);
  var four = await quadruple(n);
  var resolved = await Promise.resolve('resolved already');
  var all = await Promise.all([double(1), Promise.resolve(3), 4]);
  return { body: { quadrupled: four, resolved: resolved, all: all } };
};

exports.post = function (req) {
  return Promise.resolve(JSON.parse(req.body)).then(function (data) {
    return { status: 201, body: { received: data } };
  });
};
