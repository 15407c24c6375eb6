// A bodiless error status goes through the error handler, as in XP.
exports.get = function () { return { status: 418 }; };
