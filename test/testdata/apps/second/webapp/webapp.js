exports.get = function (req) {
  return { body: { who: 'second-webapp', path: req.path } };
};
