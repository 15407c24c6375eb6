// A bodiless error status: error/error.js's async handle418 rejects.
exports.get = async function () {
  return { status: 418 };
};
