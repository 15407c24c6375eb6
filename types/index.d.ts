// Everything: the globals, the Duplex namespace and Dirigible's modules.
// XP's `/lib/...` modules are reached through tsconfig.json's `paths`.

/// <reference path="./global.d.ts" />
/// <reference path="./dirigible.d.ts" />
