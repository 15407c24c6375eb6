exports.get = function () {
  return { body: 'for alice and admins' };
};
