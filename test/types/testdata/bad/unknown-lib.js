// duplex has no /lib/xp/content: there are no content repositories.
var content = require('/lib/xp/content'); // want TS2307 "Cannot find module '/lib/xp/content'"
exports.content = content;
