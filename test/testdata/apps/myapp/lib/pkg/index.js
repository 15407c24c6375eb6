exports.tag = 'pkg-index';
exports.sibling = require('sibling').tag;
