// jsforce.test.js: an unmodified third-party client (jsforce) against the
// salesforce_fdw Salesforce emulator.
//
// The emulator must behave like Salesforce; a client nobody here wrote is the
// independent check.  Starts test/sfemu --port 0 (or uses $SFEMU_URL), gets a
// token with a plain client-credentials POST, then drives jsforce through
// paged queries, describes, single and collection DML, and a Bulk API 2.0
// query.  Run: cd test/jsforce && npm ci && node --test
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const jsforce = require('jsforce');

const VERSION = '66.0';
const CLIENT_ID = process.env.SFEMU_CLIENT_ID || 'emu-client-id';
const CLIENT_SECRET = process.env.SFEMU_CLIENT_SECRET || 'emu-client-secret';
const ITEM_OBJECT = 'JsforceItem__c';
const ITEM_ROWS = 2345;

let emulator = null;
let baseUrl = null;
let conn = null;

function startEmulator() {
  return new Promise((resolve, reject) => {
    const script = path.join(__dirname, '..', 'sfemu');
    emulator = spawn('python3', [script, '--port', '0', '--dataset', 'demo'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    emulator.on('error', reject);
    emulator.on('exit', (code) => reject(new Error(`sfemu exited with ${code}`)));
    const lines = readline.createInterface({ input: emulator.stdout });
    lines.once('line', (line) => {
      const m = /^listening on (\S+)/.exec(line.trim());
      if (!m) {
        reject(new Error(`unexpected first line from sfemu: ${line}`));
        return;
      }
      resolve(m[1]);
    });
  });
}

async function control(method, route, body) {
  const res = await fetch(`${baseUrl}/__emu/${route}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `control ${method} ${route}: ${text}`);
  return JSON.parse(text);
}

before(async () => {
  baseUrl = process.env.SFEMU_URL || (await startEmulator());
  // A custom object with more rows than one query page (2000) holds.
  await control('POST', 'sobjects', {
    name: ITEM_OBJECT,
    keyPrefix: 'a0J',
    fields: [
      { name: 'Seq__c', type: 'double', precision: 18, scale: 0 },
      { name: 'Label__c', type: 'string', length: 80 },
    ],
  });
  const rows = [];
  for (let i = 1; i <= ITEM_ROWS; i++) {
    rows.push({ Name: `Item ${i}`, Seq__c: i, Label__c: i % 7 === 0 ? null : `L${i % 13}` });
  }
  await control('POST', `records/${ITEM_OBJECT}`, rows);

  // The client-credentials flow as a plain form POST (jsforce's OAuth2 class
  // is not needed for this flow).
  const res = await fetch(`${baseUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    }).toString(),
  });
  const token = await res.json();
  assert.equal(res.status, 200, JSON.stringify(token));
  assert.equal(token.token_type, 'Bearer');
  assert.ok(token.access_token);
  assert.ok(token.instance_url);
  assert.equal(token.expires_in, undefined);
  conn = new jsforce.Connection({
    instanceUrl: token.instance_url,
    accessToken: token.access_token,
    version: VERSION,
  });
});

after(() => {
  if (emulator) {
    emulator.removeAllListeners('exit');
    emulator.kill('SIGTERM');
  }
});

test('query pages through more than 2000 rows with queryMore', async () => {
  const soql = `SELECT Id, Name, Seq__c, Label__c FROM ${ITEM_OBJECT}`;
  const first = await conn.query(soql);
  assert.equal(first.totalSize, ITEM_ROWS);
  assert.equal(first.done, false);
  assert.equal(first.records.length, 2000);
  // jsforce hands back the absolute URL it built from the server's relative one
  assert.match(first.nextRecordsUrl, new RegExp(`/services/data/v${VERSION}/query/[^/]+$`));
  const second = await conn.queryMore(first.nextRecordsUrl);
  assert.equal(second.done, true);
  assert.equal(second.records.length, ITEM_ROWS - 2000);
  const ids = new Set([...first.records, ...second.records].map((r) => r.Id));
  assert.equal(ids.size, ITEM_ROWS);
  const rec = first.records[0];
  assert.equal(rec.attributes.type, ITEM_OBJECT);
  assert.equal(typeof rec.Seq__c, 'number');
  assert.ok(first.records.some((r) => r.Label__c === null));
});

test('query with autoFetch follows every page', async () => {
  const res = await conn
    .query(`SELECT Id, Seq__c FROM ${ITEM_OBJECT}`)
    .run({ autoFetch: true, maxFetch: 10000 });
  const records = res.records;
  assert.equal(records.length, ITEM_ROWS);
  const seqs = records.map((r) => r.Seq__c).sort((a, b) => a - b);
  assert.equal(seqs[0], 1);
  assert.equal(seqs[seqs.length - 1], ITEM_ROWS);
});

test('query with a small batch size (Sforce-Query-Options)', async () => {
  const headers = { 'Sforce-Query-Options': 'batchSize=200' };
  const first = await conn.query(`SELECT Id FROM ${ITEM_OBJECT}`, { headers });
  assert.equal(first.records.length, 200);
  assert.equal(first.done, false);
  const all = await conn
    .query(`SELECT Id FROM ${ITEM_OBJECT}`)
    .run({ autoFetch: true, maxFetch: 10000, headers });
  assert.equal(all.records.length, ITEM_ROWS);
});

test('query of parent fields and queryAll', async () => {
  const res = await conn.query(
    "SELECT Id, Name, Account.Name FROM Contact WHERE Account.Name != null LIMIT 5");
  assert.equal(res.records.length, 5);
  for (const r of res.records) {
    assert.equal(typeof r.Account.Name, 'string');
    assert.equal(r.Account.attributes.type, 'Account');
  }
  const live = await conn.query('SELECT COUNT() FROM Account');
  const all = await conn.query('SELECT COUNT() FROM Account', { scanAll: true });
  assert.ok(all.totalSize > live.totalSize, `${all.totalSize} > ${live.totalSize}`);
});

test('describe global and one object', async () => {
  const global = await conn.describeGlobal();
  assert.equal(global.encoding, 'UTF-8');
  assert.equal(global.maxBatchSize, 200);
  const names = global.sobjects.map((s) => s.name);
  for (const n of ['Account', 'Contact', 'Opportunity', 'Case', 'User', 'Invoice__c', ITEM_OBJECT]) {
    assert.ok(names.includes(n), n);
  }
  const account = global.sobjects.find((s) => s.name === 'Account');
  assert.equal(account.keyPrefix, '001');
  assert.equal(account.urls.describe, `/services/data/v${VERSION}/sobjects/Account/describe`);

  const inv = await conn.sobject('Invoice__c').describe();
  assert.equal(inv.name, 'Invoice__c');
  assert.equal(inv.custom, true);
  const byName = Object.fromEntries(inv.fields.map((f) => [f.name, f]));
  assert.equal(byName.Location__c.type, 'location');
  assert.equal(byName.Account__c.relationshipName, 'Account__r');
  assert.deepEqual(byName.Account__c.referenceTo, ['Account']);
  assert.equal(byName.Details__c.filterable, false);
  assert.equal(byName.Tags__c.type, 'multipicklist');
  assert.equal(byName.Tags__c.sortable, false);
  const accDescribe = await conn.describe('Account');
  const rels = accDescribe.childRelationships.map((r) => r.relationshipName);
  assert.ok(rels.includes('Contacts'));
  assert.ok(rels.includes('Invoices__r'));
});

test('create, retrieve, update and delete one record', async () => {
  const accounts = conn.sobject('Account');
  const created = await accounts.create({ Name: 'jsforce single', Industry: 'Banking' });
  assert.equal(created.success, true);
  assert.match(created.id, /^001[A-Za-z0-9]{15}$/);
  const got = await accounts.retrieve(created.id);
  assert.equal(got.Name, 'jsforce single');
  assert.equal(got.Industry, 'Banking');
  const upd = await accounts.update({ Id: created.id, Industry: 'Energy', Phone: null });
  assert.equal(upd.success, true);
  const again = await accounts.retrieve(created.id);
  assert.equal(again.Industry, 'Energy');
  const del = await accounts.destroy(created.id);
  assert.equal(del.success, true);
  await assert.rejects(accounts.retrieve(created.id), (err) => {
    assert.equal(err.errorCode, 'ENTITY_IS_DELETED');
    return true;
  });
});

test('collections: create, update and delete several with allOrNone', async () => {
  const accounts = conn.sobject('Account');
  const created = await accounts.create(
    [{ Name: 'jsforce many 1' }, { Name: 'jsforce many 2' }, { Name: 'jsforce many 3' }],
    { allOrNone: true });
  assert.equal(created.length, 3);
  for (const r of created) assert.equal(r.success, true);
  const ids = created.map((r) => r.id);

  // One bad record rolls the whole request back.
  const failed = await accounts.create(
    [{ Name: 'jsforce rolled back' }, { Industry: 'Banking' }], { allOrNone: true });
  assert.equal(failed.length, 2);
  assert.equal(failed[0].success, false);
  assert.equal(failed[0].errors[0].statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
  assert.equal(failed[1].success, false);
  assert.equal(failed[1].errors[0].statusCode, 'REQUIRED_FIELD_MISSING');
  const none = await conn.query("SELECT Id FROM Account WHERE Name = 'jsforce rolled back'");
  assert.equal(none.totalSize, 0);

  // Without allOrNone the good record is kept.
  const partial = await accounts.create([{ Name: 'jsforce partial' }, { Industry: 'Banking' }]);
  assert.equal(partial[0].success, true);
  assert.equal(partial[1].success, false);
  ids.push(partial[0].id);

  const updated = await accounts.update(ids.map((Id) => ({ Id, Rating: 'Hot' })), { allOrNone: true });
  for (const r of updated) assert.equal(r.success, true);
  const check = await conn.query(
    `SELECT Id, Rating FROM Account WHERE Id IN ('${ids.join("','")}')`);
  assert.equal(check.totalSize, ids.length);
  for (const r of check.records) assert.equal(r.Rating, 'Hot');

  const deleted = await accounts.destroy(ids, { allOrNone: true });
  assert.equal(deleted.length, ids.length);
  for (const r of deleted) assert.equal(r.success, true);
  const gone = await conn.query(`SELECT Id FROM Account WHERE Id IN ('${ids.join("','")}')`);
  assert.equal(gone.totalSize, 0);
});

test('Bulk API 2.0 query', async () => {
  conn.bulk2.pollInterval = 200;
  conn.bulk2.pollTimeout = 30000;
  const rest = await conn.query(`SELECT COUNT() FROM ${ITEM_OBJECT}`);
  const stream = await conn.bulk2.query(`SELECT Id, Name, Seq__c, Label__c FROM ${ITEM_OBJECT}`);
  const records = [];
  await new Promise((resolve, reject) => {
    stream.on('record', (r) => records.push(r));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  assert.equal(records.length, rest.totalSize);
  const first = records.find((r) => r.Name === 'Item 14');
  assert.ok(first, 'Item 14 present');
  assert.equal(first.Seq__c, '14.0');     // CSV numbers as Java prints doubles
  assert.equal(first.Label__c, '');       // null is an empty CSV value
});

test('Bulk API 2.0 ingest (insert) through jsforce', async () => {
  conn.bulk2.pollInterval = 200;
  const results = await conn.bulk2.loadAndWaitForResults({
    object: 'Contact',
    operation: 'insert',
    input: [
      { LastName: 'Bulkjs', FirstName: 'Ada' },
      { LastName: 'Bulkjs', FirstName: 'Grace' },
      { FirstName: 'NoLastName' },
    ],
  });
  assert.equal(results.successfulResults.length, 2);
  assert.equal(results.failedResults.length, 1);
  assert.match(results.failedResults[0].sf__Error, /REQUIRED_FIELD_MISSING/);
  const q = await conn.query("SELECT Id FROM Contact WHERE LastName = 'Bulkjs'");
  assert.equal(q.totalSize, 2);
  await conn.sobject('Contact').destroy(q.records.map((r) => r.Id));
});

test('upsert by external id, retrieve several, find and limits', async () => {
  const inv = conn.sobject('Invoice__c');
  const created = await inv.upsert({ External_Ref__c: 'JSF-UPSERT-1', Name: 'INV-JSF-1' },
    'External_Ref__c');
  assert.equal(created.success, true);
  assert.equal(created.created, true);
  const updated = await inv.upsert({ External_Ref__c: 'JSF-UPSERT-1', Name: 'INV-JSF-1b' },
    'External_Ref__c');
  assert.equal(updated.success, true);
  assert.equal(updated.created, false);
  const many = await inv.upsert(
    [{ External_Ref__c: 'JSF-UPSERT-1', Name: 'INV-JSF-1c' },
      { External_Ref__c: 'JSF-UPSERT-2', Name: 'INV-JSF-2' }],
    'External_Ref__c');
  assert.deepEqual(many.map((r) => [r.success, r.created]), [[true, false], [true, true]]);

  const found = await inv.find({ External_Ref__c: { $like: 'JSF-UPSERT-%' } },
    ['Id', 'Name', 'External_Ref__c']);
  assert.equal(found.length, 2);
  const got = await inv.retrieve(found.map((r) => r.Id));
  assert.deepEqual(got.map((r) => r.Name).sort(), ['INV-JSF-1c', 'INV-JSF-2']);
  await inv.destroy(found.map((r) => r.Id));

  const limits = await conn.limits();
  assert.equal(typeof limits.DailyApiRequests.Max, 'number');
  assert.ok(conn.limitInfo.apiUsage.used > 0);
});
