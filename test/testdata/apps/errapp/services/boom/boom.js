exports.get = function () { throw new Error('kaboom'); };
