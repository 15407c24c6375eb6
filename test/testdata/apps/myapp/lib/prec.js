exports.which = 'prec.js';
