exports.tag = 'pkg-sibling';
