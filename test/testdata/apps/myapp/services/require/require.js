// Exercises the XP require() resolution rules.
var absStrings = require('/lib/util/strings');
var upStrings = require('../../lib/util/strings');
var relHelper = require('./helper');
var bareHelper = require('helper');
var helperJs = require('./helper.js');
var pkg = require('/lib/pkg');
var data = require('/lib/data');
var dataExplicit = require('/lib/data.json');
var jpkg = require('/lib/jpkg');
var modexp = require('/lib/modexp');
var deeper = require('/lib/uplevel/deeper/d');
var once1 = require('/lib/once');
var once2 = require('../../lib/once.js');

exports.get = function (req) {
  var missing;
  try {
    require('./does-not-exist');
    missing = 'no-error';
  } catch (e) {
    missing = 'error';
  }
  var again = require('/lib/once');
  return {
    body: {
      upper: absStrings.upper('abc'),
      stringsTag: absStrings.tag,
      sameStrings: absStrings === upStrings,
      helperTag: relHelper.tag,
      sameHelper: relHelper === bareHelper && relHelper === helperJs,
      pkgTag: pkg.tag,
      pkgSibling: pkg.sibling,
      dataKind: data.kind,
      dataList: data.list,
      sameData: data === dataExplicit,
      jpkgKind: jpkg.kind,
      modexpType: typeof modexp,
      modexpValue: modexp(),
      deeper: deeper,
      prec: require('/lib/prec').which,
      prec2: require('/lib/prec2').which,
      prec3: require('/lib/prec3').which,
      sameOnce: once1 === once2 && once1 === again,
      onceEvaluations: globalThis.__onceEvaluations,
      missing: missing,
      resolveRel: String(resolve('./helper.js')),
      resolveAbs: String(resolve('/lib/data.json'))
    }
  };
};
