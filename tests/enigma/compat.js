'use strict';
// Drives the qlik-tui engine simulator with the official Qlik client, enigma.js, over mutual TLS,
// and checks every answer against the demo site asset and the enigma schema. Any mismatch exits
// non-zero with a message naming it. Run by tests/enigma_compat.rs; by hand:
//
//   node tests/enigma/compat.js --url wss://localhost:PORT --root d/root.pem --cert d/client.pem \
//     --key d/client_key.pem --schema assets/enigma-schema-12.2027.0.json --site assets/demo-site.json

const fs = require('fs');
const enigma = require('enigma.js');
const WebSocket = require('ws');

// Never hang: the whole run is bounded (the Rust side kills us later still).
const RUN_LIMIT_MS = 45000;

class Mismatch extends Error {}

// The steps run so far; a failure names the last one.
const steps = [];
const step = (name) => { steps.push(name); };

function check(cond, what) {
  if (!cond) throw new Mismatch(what);
}

function parseArgs(argv) {
  const want = ['url', 'root', 'cert', 'key', 'schema', 'site'];
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (!want.includes(name) || argv[i + 1] === undefined) {
      throw new Mismatch(`usage: compat.js ${want.map((w) => `--${w} VALUE`).join(' ')} (bad argument '${argv[i]}')`);
    }
    args[name] = argv[i + 1];
  }
  const missing = want.filter((w) => !(w in args));
  if (missing.length) throw new Mismatch(`missing arguments: ${missing.map((m) => `--${m}`).join(', ')}`);
  return args;
}

function readJson(path, what) {
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Mismatch(`cannot read the ${what} at ${path}: ${e.message}`);
  }
}

const sameSet = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

// Watches the raw traffic and checks the framing rules a real engine keeps (engine-api.md §2, §6):
// exactly one OnConnected greeting; every reply echoes a request id; result keys are the schema's
// Out names (qReturn only where Out is empty); ObjRef qType is a schema class.
class WireWatch {
  constructor(schema) {
    this.schema = schema;
    this.sent = new Map(); // id -> {handle, method}
    this.classOfHandle = new Map([[-1, 'Global']]);
    this.greetings = [];
    this.raw = new Map(); // id -> the raw reply
    this.problems = [];
  }

  onSent(msg) {
    this.sent.set(msg.id, { handle: msg.handle, method: msg.method });
  }

  onReceived(msg) {
    if (msg.id === undefined || msg.id === null) {
      if (msg.method === 'OnConnected') this.greetings.push(msg.params);
      return;
    }
    const req = this.sent.get(msg.id);
    if (!req) {
      this.problems.push(`reply with id ${msg.id} that was never sent`);
      return;
    }
    this.raw.set(msg.id, msg);
    if (!msg.result) return;
    const cls = this.classOfHandle.get(req.handle);
    const spec = cls && this.schema.structs[cls] && this.schema.structs[cls][req.method];
    if (!spec) {
      this.problems.push(`${req.method} on handle ${req.handle} (${cls || 'unknown class'}) is not in the schema`);
      return;
    }
    const outs = spec.Out.length ? spec.Out.map((o) => o.Name) : ['qReturn'];
    for (const key of Object.keys(msg.result)) {
      if (!outs.includes(key)) {
        this.problems.push(`${cls}.${req.method} replied with key '${key}'; the schema's Out names are ${outs.join(', ')}`);
      }
    }
    const ret = msg.result.qReturn;
    if (ret && typeof ret === 'object' && 'qHandle' in ret && ret.qHandle !== null) {
      if (!this.schema.structs[ret.qType]) {
        this.problems.push(`${req.method} returned qType '${ret.qType}', not a schema class`);
      }
      this.classOfHandle.set(ret.qHandle, ret.qType);
    }
  }

  rawReplyTo(method) {
    const ids = [...this.sent.entries()].filter(([, r]) => r.method === method).map(([id]) => id);
    return this.raw.get(ids[ids.length - 1]);
  }
}

async function expectEngineError(promise, code, what) {
  let value;
  try {
    value = await promise;
  } catch (e) {
    check(e.code === code, `${what}: expected error ${code}, got ${e.code} (${e.message})`);
    return e;
  }
  throw new Mismatch(`${what}: expected error ${code}, but it succeeded with ${JSON.stringify(value).slice(0, 200)}`);
}

async function run(args) {
  const schema = readJson(args.schema, 'enigma schema');
  const site = require('./site.js').expectations(readJson(args.site, 'demo site asset'));
  const tls = {
    ca: fs.readFileSync(args.root),
    cert: fs.readFileSync(args.cert),
    key: fs.readFileSync(args.key),
  };
  const watch = new WireWatch(schema);
  const session = enigma.create({
    schema,
    url: `${args.url.replace(/\/+$/, '')}/app/engineData`,
    createSocket: (url) => new WebSocket(url, {
      ...tls,
      headers: { 'X-Qlik-User': 'UserDirectory=INTERNAL; UserId=sa_engine' },
    }),
  });
  session.on('traffic:sent', (m) => watch.onSent(m));
  session.on('traffic:received', (m) => watch.onReceived(m));

  step('connect');
  const global = await session.open();

  step('EngineVersion');
  const version = await global.engineVersion();
  check(typeof version.qComponentVersion === 'string' && version.qComponentVersion.length > 0,
    `EngineVersion: qComponentVersion missing in ${JSON.stringify(version)}`);

  step('GetDocList');
  const docs = await global.getDocList();
  check(Array.isArray(docs), `GetDocList: not a list: ${JSON.stringify(docs).slice(0, 200)}`);
  check(sameSet(docs.map((d) => d.qDocId), site.apps.map((a) => a.id)),
    `GetDocList ids ${JSON.stringify(docs.map((d) => d.qDocId))} differ from the asset's ${JSON.stringify(site.apps.map((a) => a.id))}`);
  for (const app of site.apps) {
    const d = docs.find((x) => x.qDocId === app.id);
    check(d.qTitle === app.title, `GetDocList: ${app.id} has title '${d.qTitle}', the asset says '${app.title}'`);
  }

  const app = site.openApp;
  step(`OpenDoc ${app.id}`);
  const doc = await global.openDoc(app.id);
  check(doc.handle === 1, `OpenDoc: the first handle is ${doc.handle}, a real engine allocates 1`);
  check(doc.id === app.id, `OpenDoc: qGenericId '${doc.id}' is not the app id '${app.id}'`);

  step('GetAppLayout');
  const layout = await doc.getAppLayout();
  check(layout.qTitle === app.title, `GetAppLayout: qTitle '${layout.qTitle}', the asset says '${app.title}'`);

  step('sheet list');
  const list = await doc.createSessionObject({
    qInfo: { qType: 'SheetList' },
    qAppObjectListDef: {
      qType: 'sheet',
      qData: { title: '/qMetaDef/title', description: '/qMetaDef/description', rank: '/rank', cells: '/cells' },
    },
  });
  const listLayout = await list.getLayout();
  const items = listLayout.qAppObjectList && listLayout.qAppObjectList.qItems;
  check(Array.isArray(items), `sheet list: no qAppObjectList.qItems in ${JSON.stringify(listLayout).slice(0, 300)}`);
  check(sameSet(items.map((i) => i.qInfo.qId), app.sheets.map((s) => s.id)),
    `sheet list ids ${JSON.stringify(items.map((i) => i.qInfo.qId))} differ from the asset's ${JSON.stringify(app.sheets.map((s) => s.id))}`);

  for (const sheet of app.sheets) {
    const item = items.find((i) => i.qInfo.qId === sheet.id);
    check(item.qInfo.qType === 'sheet', `sheet list: ${sheet.id} has qType '${item.qInfo.qType}'`);
    check(item.qMeta && item.qMeta.title === sheet.title,
      `sheet list: ${sheet.id} qMeta.title '${item.qMeta && item.qMeta.title}', the asset says '${sheet.title}'`);
    check(item.qData && item.qData.title === sheet.title,
      `sheet list: ${sheet.id} qData.title (path /qMetaDef/title) is '${item.qData && item.qData.title}', the asset says '${sheet.title}'`);

    step(`GetObject ${sheet.id}`);
    const obj = await doc.getObject(sheet.id);
    check(obj.id === sheet.id && obj.genericType === 'sheet',
      `GetObject ${sheet.id}: got id '${obj.id}' type '${obj.genericType}'`);
    const sl = await obj.getLayout();
    check(sl.qInfo && sl.qInfo.qId === sheet.id, `GetLayout of ${sheet.id}: qInfo.qId is '${sl.qInfo && sl.qInfo.qId}'`);
    check(sl.qMeta && sl.qMeta.title === sheet.title, `GetLayout of ${sheet.id}: qMeta.title '${sl.qMeta && sl.qMeta.title}', the asset says '${sheet.title}'`);
    const childInfos = await obj.getChildInfos();
    check(sameSet(childInfos.map((c) => c.qId), sheet.children),
      `GetChildInfos of ${sheet.id}: ${JSON.stringify(childInfos.map((c) => c.qId))}, the asset says ${JSON.stringify(sheet.children)}`);
    const tree = await obj.getFullPropertyTree();
    check(tree.qProperty && tree.qProperty.qInfo && tree.qProperty.qInfo.qId === sheet.id,
      `GetFullPropertyTree of ${sheet.id}: qProperty.qInfo.qId is '${tree.qProperty && tree.qProperty.qInfo && tree.qProperty.qInfo.qId}'`);
    check(Array.isArray(tree.qChildren) && sameSet(tree.qChildren.map((c) => c.qProperty.qInfo.qId), sheet.children),
      `GetFullPropertyTree of ${sheet.id}: children ${JSON.stringify((tree.qChildren || []).map((c) => c.qProperty && c.qProperty.qInfo.qId))}, the asset says ${JSON.stringify(sheet.children)}`);
  }

  step('GetTablesAndKeys');
  const tk = await doc.getTablesAndKeys({ qcx: 0, qcy: 0 }, { qcx: 0, qcy: 0 }, 0, true, false);
  check(Array.isArray(tk.qtr), `GetTablesAndKeys: no qtr in ${JSON.stringify(tk).slice(0, 200)}`);
  check(sameSet(tk.qtr.map((t) => t.qName), app.tables),
    `GetTablesAndKeys: tables ${JSON.stringify(tk.qtr.map((t) => t.qName))}, the asset says ${JSON.stringify(app.tables)}`);

  step('GetScript');
  const script = await doc.getScript();
  check(script === app.script, `GetScript: ${script.length} characters differ from the asset's script (${app.script.length})`);

  step('not-found GetObject');
  // The wire answer is qReturn {qType:null,qHandle:null}; enigma turns it into OBJECT_NOT_FOUND (-2).
  const missingId = 'no-such-object-qlik-tui-compat';
  await expectEngineError(doc.getObject(missingId), -2, `GetObject ${missingId}`);
  const raw = watch.rawReplyTo('GetObject');
  check(raw && raw.result && raw.result.qReturn && raw.result.qReturn.qType === null && raw.result.qReturn.qHandle === null,
    `GetObject ${missingId}: the wire reply is ${JSON.stringify(raw)}, expected {"qReturn":{"qType":null,"qHandle":null}}`);

  step('second OpenDoc');
  await expectEngineError(global.openDoc(app.id), 1002, 'a second OpenDoc on the same session');

  check(watch.greetings.length === 1, `expected exactly one OnConnected greeting, saw ${watch.greetings.length}`);
  check(['SESSION_CREATED', 'SESSION_ATTACHED'].includes(watch.greetings[0].qSessionState),
    `OnConnected qSessionState is '${watch.greetings[0].qSessionState}'`);
  check(watch.problems.length === 0, `protocol problems on the wire:\n  ${watch.problems.join('\n  ')}`);

  await session.close();
}

function main() {
  const watchdog = setTimeout(() => {
    console.error(`enigma compat: FAIL: no result within ${RUN_LIMIT_MS / 1000} s`);
    process.exit(3);
  }, RUN_LIMIT_MS);
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`enigma compat: FAIL: ${e.message}`);
    process.exit(2);
  }
  run(args).then(() => {
    clearTimeout(watchdog);
    console.log(`enigma compat: OK (${steps.length} steps: ${steps.join(', ')})`);
    process.exit(0);
  }, (e) => {
    clearTimeout(watchdog);
    const kind = e instanceof Mismatch ? 'mismatch' : 'error';
    const at = steps.length ? ` at step '${steps[steps.length - 1]}'` : '';
    console.error(`enigma compat: FAIL (${kind})${at}: ${e.message}${e.code !== undefined ? ` [code ${e.code}]` : ''}`);
    process.exit(1);
  });
}

main();
