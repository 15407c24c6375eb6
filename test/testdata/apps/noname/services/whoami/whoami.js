exports.get = function (req) {
  return { body: { name: app.name, version: app.version } };
};
