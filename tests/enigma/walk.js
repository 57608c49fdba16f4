// Walks a Qlik site "the obvious way" with the official client, for the export benchmark
// (benches/export_walk.rs): apps one after another, each on its own socket; inside an app the
// independent requests in parallel with Promise.all; every sheet and object by GetObject +
// GetLayout, children from the layout's qChildList.
//
// Usage: node walk.js ENGINE_URL CERT_DIR   (CERT_DIR holds client.pem, client_key.pem, root.pem)
// Prints one JSON line: {"apps":N,"sheets":N,"objects":N,"errors":N,"ms":N}.
'use strict';

const fs = require('fs');
const path = require('path');
const enigma = require('enigma.js');
const schema = require('enigma.js/schemas/12.2027.0.json');
const WebSocket = require('ws');

const [engineUrl, certDir] = process.argv.slice(2);
if (!engineUrl || !certDir) {
  console.error('usage: node walk.js ENGINE_URL CERT_DIR');
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
    const trees = await Promise.all(sheets.map((s) => walkObject(doc, s.qInfo.qId)));
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
  for (const d of docs) {
    try {
      await walkApp(d.qDocId);
    } catch (e) {
      totals.errors += 1;
    }
  }
  console.log(JSON.stringify({ ...totals, ms: Date.now() - start }));
}

main().catch((e) => {
  console.error(`walk failed: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
