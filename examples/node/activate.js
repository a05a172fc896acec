// Keyturn from Node.js or Electron: activate this computer, read the status and an entitlement,
// deactivate.
//
//   npm install ./bindings/node            (from the Keyturn repository)
//   KEYTURN_LIBRARY=/path/to/libkeyturn.so node activate.js vendor.json KEY pro
'use strict';

const { Keyturn, KeyturnError } = require('keyturn');

const [config, key, feature] = process.argv.slice(2);
let kt;
try {
  kt = new Keyturn(config);
  console.log('activate:', kt.activate(key).code);
  console.log('status:', kt.status().code);
  console.log(`${feature}:`, kt.isEntitled(feature) ? 'on' : 'off');
  kt.deactivate();
  console.log('deactivate: OK');
  console.log('status:', kt.status().code);
} catch (e) {
  if (!(e instanceof KeyturnError)) throw e;
  console.error(`failed: ${e.message}`);
  process.exitCode = e.result;
} finally {
  if (kt) kt.close();
}
