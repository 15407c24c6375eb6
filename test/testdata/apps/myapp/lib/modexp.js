module.exports = function () { return 'modexp-fn'; };
