// An error status with a body is sent as it is.
exports.get = function () { return { status: 409, body: 'conflict as written' }; };
