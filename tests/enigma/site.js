'use strict';
// Reads what compat.js expects from assets/demo-site.json (the simulator's data), so the test
// checks the simulator's answers against its source rather than against hard-coded values.

const SERVICE_USER = 'INTERNAL\\sa_engine';

const title = (entry) => (entry.qProperty.qMetaDef || {}).title;
const idOf = (entry) => entry.qProperty.qInfo.qId;
const typeOf = (entry) => entry.qProperty.qInfo.qType;

function scriptText(script) {
  if (script === undefined || script === null) return '';
  return Array.isArray(script) ? script.join('\n') : script;
}

function expectations(site) {
  if (!site || !Array.isArray(site.apps) || site.apps.length === 0) {
    throw new Error('the demo site asset has no apps[]');
  }
  const apps = site.apps.map((a) => ({ id: a.id, title: a.title }));
  const mayOpen = (a) => !(a.deniedUsers || []).some((u) => u.toLowerCase() === SERVICE_USER.toLowerCase());
  const sheetsOf = (a) => (a.objects || []).filter((o) => typeOf(o) === 'sheet');
  // The app with the most sheets that the service user may open: the richest walk.
  const candidates = site.apps.filter(mayOpen).filter((a) => sheetsOf(a).length > 0);
  if (candidates.length === 0) throw new Error('the demo site asset has no app with sheets that sa_engine may open');
  candidates.sort((x, y) => sheetsOf(y).length - sheetsOf(x).length);
  const a = candidates[0];
  return {
    apps,
    openApp: {
      id: a.id,
      title: a.title,
      sheets: sheetsOf(a).map((s) => ({
        id: idOf(s),
        title: title(s),
        children: (s.qChildren || []).map(idOf),
      })),
      tables: (a.tables || []).map((t) => t.name),
      script: scriptText(a.script),
    },
  };
}

module.exports = { expectations };
