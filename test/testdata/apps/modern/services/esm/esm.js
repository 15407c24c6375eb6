// An ES module controller (a .js file with import and export) importing
// CommonJS, TypeScript, a built-in by default and by name, and an ES module.
import cjs, { twice } from '../../lib/cjs-util';
import * as websocket from '/lib/xp/websocket';
import { getGroupSize } from '/lib/xp/websocket';
import { Colour, shout } from '/lib/ts-util.js';
import esmDefault, { triple } from '/lib/esm-util.mjs';

export const get = (req) => ({
  contentType: 'application/json',
  body: {
    twice: twice(21),
    kind: cjs.kind,
    shout: shout('hi'),
    colour: Colour.Blue,
    triple: triple(3),
    esmDefault,
    sameBuiltin: websocket.getGroupSize === getGroupSize,
    groupSize: getGroupSize('nobody'),
  },
});
