// Throws different kinds of values, selected by ?kind=.
exports.get = function (req) {
  switch (req.params.kind) {
    case 'string':
      throw 'plain string thrown';
    case 'object':
      throw { code: 42 };
    case 'html':
      throw new Error('<script>alert("xss")</script>');
    case 'typeerror':
      var u;
      return u.property;
    default:
      return { body: 'no throw', contentType: 'text/plain' };
  }
};
