// Controller exported through module.exports.
module.exports = {
  get: function (req) {
    return { body: 'modsvc-get', contentType: 'text/plain' };
  }
};
