module.exports = require('../../util/strings').tag + '-via-deeper';
