// Issue 15's own example: an async arrow function answers with what its
// Promise settles to (it used to answer an empty 200).
exports.get = async (req) => ({ body: { hello: req.params.name || 'world' } });
