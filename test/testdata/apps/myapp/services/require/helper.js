exports.tag = 'helper';
exports.obj = {};
