exports.which = 'prec/index.js';
