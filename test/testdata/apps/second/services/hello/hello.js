exports.get = function (req) {
  return { body: { who: 'second-hello', app: app.name, greeting: app.config.greeting } };
};
