exports.which = 'prec2/index.js';
