// Async error handlers: what their Promise settles to is the error page.
async function describe(err) {
  await null;
  var exc = err.exception ? { message: err.exception.message, stack: err.exception.stack } : null;
  return { handled: err.status, message: err.message, exception: exc };
}

exports.handle418 = async function () {
  await null;
  throw new Error('the async handle418 rejects');
};

exports.handleError = async function (err) {
  return { contentType: 'application/json', body: await describe(err) };
};
