// Walks a Qlik site "the obvious way" with the official client, for the export benchmark
// (benches/export_walk.rs): apps one after another, each on its own socket; inside an app the
// independent requests in parallel with Promise.all; every sheet and object by GetObject +
// GetLayout, children from the layout's qChildList.
// With `--tree N`: the best walk this client can do (issue 16): N apps at a time, and per sheet
// one GetObject + GetFullPropertyTree (the sheet's whole subtree in one reply) instead of
// GetObject + GetLayout per object.
//
// Usage: node walk.js ENGINE_URL CERT_DIR [--tree N]
//   (CERT_DIR holds client.pem, client_key.pem, root.pem)
// Prints one JSON line: {"apps":N,"sheets":N,"objects":N,"errors":N,"ms":N}.
'use strict';

const fs = require('fs');
const path = require('path');
const enigma = require('enigma.js');
const schema = require('enigma.js/schemas/12.2027.0.json');
const WebSocket = require('ws');

const [engineUrl, certDir, mode, modeArg] = process.argv.slice(2);
const treeApps = mode === '--tree' ? Number(modeArg) : 0;
if (!engineUrl || !certDir || (mode !== undefined && !(treeApps >= 1))) {
  console.error('usage: node walk.js ENGINE_URL CERT_DIR [--tree APPS_AT_A_TIME]');
  process.exit(2);
}
const read = (f) => fs.readFileSync(path.join(certDir, f));
const tls = { ca: read('root.pem'), cert: read('client.pem'), key: read('client_key.pem') };
const headers = { 'X-Qlik-User': 'UserDirectory=INTERNAL; UserId=sa_engine' };

function open(appId) {
  const route = appId ? encodeURIComponent(appId) : 'engineData';
  return enigma.create({
    schema,
    url: `${engineUrl}/app/${route}`,
    createSocket: (url) => new WebSocket(url, { ...tls, headers }),
  });
}

const listDefs = [
  { qInfo: { qType: 'SheetList' }, qAppObjectListDef: { qType: 'sheet', qData: { title: '/qMetaDef/title', rank: '/rank' } } },
  { qInfo: { qType: 'DimensionList' }, qDimensionListDef: { qType: 'dimension', qData: { title: '/qMetaDef/title' } } },
  { qInfo: { qType: 'MeasureList' }, qMeasureListDef: { qType: 'measure', qData: { title: '/qMetaDef/title' } } },
  { qInfo: { qType: 'MasterObjectList' }, qAppObjectListDef: { qType: 'masterobject', qData: { title: '/qMetaDef/title' } } },
  { qInfo: { qType: 'BookmarkList' }, qBookmarkListDef: { qType: 'bookmark', qData: { title: '/qMetaDef/title' } } },
  { qInfo: { qType: 'VariableList' }, qVariableListDef: { qType: 'variable' } },
];

const totals = { apps: 0, sheets: 0, objects: 0, errors: 0 };

async function walkObject(doc, id) {
  const obj = await doc.getObject(id);
  const layout = await obj.getLayout();
  const kids = (layout.qChildList && layout.qChildList.qItems) || [];
  const children = await Promise.all(kids.map((k) => walkObject(doc, k.qInfo.qId)));
  totals.objects += 1;
  return { id, type: layout.qInfo.qType, title: layout.title || (layout.qMeta && layout.qMeta.title) || '', children };
}

// A GetFullPropertyTree node ({qProperty, qChildren}) as the walk's object, counting each.
function fromTree(node) {
  const p = node.qProperty;
  const children = (node.qChildren || []).map(fromTree);
  totals.objects += 1;
  return { id: p.qInfo.qId, type: p.qInfo.qType, title: (typeof p.title === 'string' && p.title) || (p.qMetaDef && p.qMetaDef.title) || '', children };
}

async function walkSheetTree(doc, id) {
  const sheet = await doc.getObject(id);
  return fromTree(await sheet.getFullPropertyTree());
}

async function walkApp(appId) {
  const session = open(appId);
  const global = await session.open();
  try {
    const doc = await global.openDoc(appId);
    const lists = Promise.all(listDefs.map((d) => doc.createSessionObject(d).then((o) => o.getLayout())));
    const [layouts, tables] = await Promise.all([
      lists,
      doc.getTablesAndKeys({ qcx: 1000, qcy: 1000 }, { qcx: 0, qcy: 0 }, 30, false, false),
    ]);
    const sheets = layouts[0].qAppObjectList.qItems;
    const walkSheet = treeApps ? walkSheetTree : walkObject;
    const trees = await Promise.all(sheets.map((s) => walkSheet(doc, s.qInfo.qId)));
    totals.sheets += sheets.length;
    totals.objects -= sheets.length; // the sheets themselves were counted as objects
    totals.apps += 1;
    return { id: appId, sheets: trees, tables: tables.qtr.length };
  } finally {
    await session.close();
  }
}

async function main() {
  const start = Date.now();
  const session = open(null);
  const global = await session.open();
  const docs = await global.getDocList();
  await session.close();
  // Apps one after another, or with --tree N a pool of N workers taking the next app.
  let next = 0;
  const worker = async () => {
    while (next < docs.length) {
      const d = docs[next++];
      try {
        await walkApp(d.qDocId);
      } catch (e) {
        totals.errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, treeApps) }, worker));
  console.log(JSON.stringify({ ...totals, ms: Date.now() - start }));
}

main().catch((e) => {
  console.error(`walk failed: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
