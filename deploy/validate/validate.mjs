// Offline validation of rendered Kubernetes manifests against the API schema.
//
//   node validate.mjs EXPECT:LABEL=FILE [EXPECT:LABEL=FILE ...]
//
// EXPECT is `valid` (every object must pass) or `invalid` (every object must
// be rejected; an object may name, in the annotation
// `atlas.test/expect-error`, a substring the rejection must contain, so a
// broken fixture cannot pass by failing for an unrelated reason).
// FILE holds one or more YAML documents, as `kubectl kustomize` prints them.
//
// Each object goes through these checks:
//  1. kubernetes-models: JSON-schema (ajv) validators generated from the
//     Kubernetes OpenAPI spec: types, required fields, enums, formats. These
//     validators do NOT reject unknown fields.
//  2. A strict walk over the OpenAPI v1.34 model definitions shipped in
//     @kubernetes/client-node (each model's attributeTypeMap): every field
//     must be declared by its parent type (unknown or misspelled keys are
//     errors, as with `kubectl apply --validate=strict`) and scalars must
//     have the declared type.
//  3. Project rules for Incident Atlas workloads (policyErrors below).
//
// Prints one line per object and a final `N passed, M failed`; exits 1 if any
// object did not meet its expectation, 2 on usage or input errors.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const modelsDir = path.join(
  here, 'node_modules', '@kubernetes', 'client-node', 'dist', 'gen', 'models');

const EXPECT_ANNOTATION = 'atlas.test/expect-error';

// ---------------------------------------------------------------------------
// Check 1: kubernetes-models (ajv).

// "/spec/ports/0/port" -> "spec.ports[0].port", the form the strict walk prints.
function pointerToPath(pointer) {
  return (pointer || '').split('/').slice(1)
    .map((seg) => seg.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function kubernetesModelsErrors(obj) {
  const [group, version] = obj.apiVersion.includes('/')
    ? obj.apiVersion.split('/')
    : [null, obj.apiVersion];
  const modulePath = group
    ? `kubernetes-models/${group}/${version}`
    : `kubernetes-models/${version}`;
  let mod;
  try {
    mod = require(modulePath);
  } catch {
    return [`unknown apiVersion ${obj.apiVersion} (no ${modulePath})`];
  }
  const Model = mod[obj.kind];
  if (typeof Model !== 'function') {
    return [`unknown kind ${obj.kind} in ${obj.apiVersion}`];
  }
  const copy = structuredClone(obj);
  // `format: byte` maps (Secret.data, ConfigMap.binaryData) are decoded by
  // Go's base64 decoder, which skips line breaks; kustomize wraps long values.
  const byteMap = { Secret: 'data', ConfigMap: 'binaryData' }[obj.kind];
  if (byteMap && isPlainObject(copy[byteMap])) {
    for (const [k, v] of Object.entries(copy[byteMap])) {
      if (typeof v === 'string') copy[byteMap][k] = v.replace(/[\r\n]/g, '');
    }
  }
  try {
    new Model(copy).validate();
    return [];
  } catch (err) {
    const list = Array.isArray(err.errors) && err.errors.length > 0
      ? err.errors.map((e) => `${pointerToPath(e.instancePath) || '<root>'}: ${e.message}`)
      : [String(err.message || err)];
    return list.map((m) => `schema: ${m}`);
  }
}

// ---------------------------------------------------------------------------
// Check 2: strict walk over @kubernetes/client-node's model definitions.

const modelCache = new Map();

async function loadModel(name) {
  if (modelCache.has(name)) return modelCache.get(name);
  let fields = null;
  try {
    const mod = await import(path.join(modelsDir, `${name}.js`));
    const cls = mod[name];
    if (cls && Array.isArray(cls.attributeTypeMap)) {
      fields = new Map(cls.attributeTypeMap.map((a) => [a.baseName, a]));
    }
  } catch {
    fields = null;
  }
  modelCache.set(name, fields);
  return fields;
}

// Class names where the generator had to disambiguate (apiVersion/kind).
const MODEL_OVERRIDES = {
  'v1/Event': 'CoreV1Event',
  'events.k8s.io/v1/Event': 'EventsV1Event',
};

function topLevelModelName(obj) {
  const key = `${obj.apiVersion}/${obj.kind}`;
  if (MODEL_OVERRIDES[key]) return MODEL_OVERRIDES[key];
  const version = obj.apiVersion.split('/').pop();
  return `${version[0].toUpperCase()}${version.slice(1)}${obj.kind}`;
}

// Resource quantities are `string` in the generated models, but the API
// server also accepts a YAML number (`cpu: 1`).
const QUANTITY_KEYS = new Set(['limits', 'requests', 'sizeLimit', 'hard', 'storage']);

function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

async function walk(value, type, format, where, errors, ctx) {
  if (value === null || value === undefined) return; // null means unset
  const at = where || '<root>';

  const arrayMatch = /^Array<(.+)>$/.exec(type);
  if (arrayMatch) {
    if (!Array.isArray(value)) {
      errors.push(`${at}: expected array, got ${typeName(value)}`);
      return;
    }
    for (let i = 0; i < value.length; i++) {
      await walk(value[i], arrayMatch[1], '', `${where}[${i}]`, errors, ctx);
    }
    return;
  }
  const mapMatch = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (mapMatch) {
    if (!isPlainObject(value)) {
      errors.push(`${at}: expected map, got ${typeName(value)}`);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      await walk(v, mapMatch[1], '', `${where}.${k}`, errors,
        { quantity: ctx.quantity });
    }
    return;
  }
  switch (type) {
    case 'any':
      return;
    case 'string':
      if (typeof value === 'string') return;
      if (ctx.quantity && typeof value === 'number') return;
      errors.push(`${at}: expected string, got ${typeName(value)}`);
      return;
    case 'Date':
      if (typeof value !== 'string') {
        errors.push(`${at}: expected date-time string, got ${typeName(value)}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') {
        errors.push(`${at}: expected boolean, got ${typeName(value)}`);
      }
      return;
    case 'number':
      if (typeof value !== 'number') {
        errors.push(`${at}: expected ${format || 'number'}, got ${typeName(value)}`);
      } else if (/^int/.test(format) && !Number.isInteger(value)) {
        errors.push(`${at}: expected ${format}, got ${value}`);
      }
      return;
    case 'IntOrString':
      if (!(typeof value === 'string' || Number.isInteger(value))) {
        errors.push(`${at}: expected integer or string, got ${typeName(value)}`);
      }
      return;
    default:
      break;
  }
  const fields = await loadModel(type);
  if (!fields) {
    errors.push(`${at}: validator has no definition for type ${type}`);
    return;
  }
  if (!isPlainObject(value)) {
    errors.push(`${at}: expected object (${type}), got ${typeName(value)}`);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const child = where ? `${where}.${k}` : k;
    const field = fields.get(k);
    if (!field) {
      errors.push(`${child}: unknown field "${k}" in ${type}`);
      continue;
    }
    await walk(v, field.type, field.format, child, errors,
      { quantity: QUANTITY_KEYS.has(k) });
  }
}

async function strictErrors(obj) {
  const name = topLevelModelName(obj);
  if (!(await loadModel(name))) {
    return [`strict: no API definition for ${obj.apiVersion} ${obj.kind}`];
  }
  const errors = [];
  await walk(obj, name, '', '', errors, {});
  return errors.map((e) => `strict: ${e}`);
}

// ---------------------------------------------------------------------------
// Check 3: project rules for Incident Atlas workloads (objects labelled
// app.kubernetes.io/part-of=incident-atlas with a pod template), from
// DESIGN.md section 7: hardened securityContext, native gRPC probes, and a
// termination grace longer than preStop sleep + --shutdown_grace; and from
// issue 18: one replica that refuses to start as ordinal 1+, RocksDB memory
// flags within half the memory limit, h2c gRPC ports, a PDB that keeps the
// single replica.

// Seconds in an absl duration flag value such as "20s", "1m30s", "500ms".
function durationSeconds(text) {
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  const unit = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let consumed = '';
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * unit[m[2]];
    consumed += m[0];
  }
  return consumed === text && text !== '' ? total : null;
}

// Bytes in a Kubernetes memory quantity ("512Mi", "4Gi", "1G", "1048576").
function quantityBytes(text) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(text ?? ''));
  if (!m) return null;
  const unit = {
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
    k: 1e3, M: 1e6, G: 1e9, T: 1e12,
  };
  return Number(m[1]) * (m[2] ? unit[m[2]] : 1);
}

// The value of flag `name` in `args`, with $(VAR) references resolved from
// the container's literal env values; null when the flag is absent.
function flagValue(c, name) {
  const args = Array.isArray(c.args) ? c.args : [];
  const arg = args.find((a) => typeof a === 'string' && a.startsWith(`${name}=`));
  if (arg === undefined) return null;
  const env = Array.isArray(c.env) ? c.env : [];
  return arg.slice(name.length + 1).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, v) => {
    const e = env.find((x) => x?.name === v);
    return typeof e?.value === 'string' ? e.value : ref;
  });
}

// Issue 18: one writer per service, and RocksDB memory sized from the
// container's limit. Returns errors for one container of a StatefulSet.
function singleWriterErrors(obj, c, at) {
  if (obj.kind !== 'StatefulSet') return [];
  const errors = [];
  if ((obj.spec?.replicas ?? 1) !== 1) {
    errors.push(`replicas must be 1 (one writer per service; scale reads as docs/deploy.md says)`);
  }
  const args = Array.isArray(c.args) ? c.args : [];
  if (!args.includes('--require_ordinal_zero')) {
    errors.push(`${at}: args must include --require_ordinal_zero`);
  }
  const env = Array.isArray(c.env) ? c.env : [];
  const podName = env.find((e) => e?.name === 'POD_NAME');
  if (podName?.valueFrom?.fieldRef?.fieldPath !== 'metadata.name') {
    errors.push(`${at}: env POD_NAME must come from fieldRef metadata.name`);
  }
  const limit = quantityBytes(c.resources?.limits?.memory);
  if (limit === null) {
    errors.push(`${at}: resources.limits.memory must be set (RocksDB memory is sized from it)`);
  }
  let total = 0;
  for (const flag of ['--block_cache_mb', '--write_buffer_mb']) {
    const value = flagValue(c, flag);
    if (value === null || !/^[1-9]\d*$/.test(value)) {
      errors.push(`${at}: args must set ${flag}=<MiB> (got ${value === null ? 'nothing' : `"${value}"`})`);
      continue;
    }
    total += Number(value) * 2 ** 20;
  }
  if (limit !== null && total > limit / 2) {
    errors.push(`${at}: --block_cache_mb + --write_buffer_mb = ${total / 2 ** 20} MiB ` +
      `exceeds half of limits.memory ${c.resources.limits.memory}`);
  }
  return errors;
}

// Services: gRPC ports say h2c. PodDisruptionBudgets: no voluntary
// eviction of a single replica.
function serviceAndBudgetErrors(obj) {
  const errors = [];
  if (obj.kind === 'Service') {
    for (const port of Array.isArray(obj.spec?.ports) ? obj.spec.ports : []) {
      if (port?.name === 'grpc' && port.appProtocol !== 'kubernetes.io/h2c') {
        errors.push(`Service port ${port.name}: appProtocol must be kubernetes.io/h2c`);
      }
    }
  }
  if (obj.kind === 'PodDisruptionBudget') {
    const spec = obj.spec ?? {};
    const maxOk = spec.maxUnavailable === 0 || spec.maxUnavailable === '0%';
    const minOk = (Number.isInteger(spec.minAvailable) && spec.minAvailable >= 1) ||
      spec.minAvailable === '100%';
    if (!maxOk && !minOk) {
      errors.push('PodDisruptionBudget must be maxUnavailable: 0 or minAvailable >= 1 ' +
        '(one replica: any other budget lets a drain take the only writer)');
    }
  }
  return errors;
}

function policyErrors(obj) {
  if (obj?.metadata?.labels?.['app.kubernetes.io/part-of'] !== 'incident-atlas') return [];
  const objectErrors = serviceAndBudgetErrors(obj);
  const pod = obj?.spec?.template?.spec;
  if (!isPlainObject(pod)) return objectErrors.map((e) => `policy: ${e}`);
  const errors = [...objectErrors];
  const podSc = isPlainObject(pod.securityContext) ? pod.securityContext : {};
  const containers = Array.isArray(pod.containers) ? pod.containers : [];
  for (const c of containers) {
    if (!isPlainObject(c)) continue;
    const at = `container ${c.name}`;
    const sc = isPlainObject(c.securityContext) ? c.securityContext : {};
    const eff = (k) => (sc[k] !== undefined ? sc[k] : podSc[k]);
    if (eff('runAsNonRoot') !== true) errors.push(`${at}: runAsNonRoot must be true`);
    if (!Number.isInteger(eff('runAsUser')) || eff('runAsUser') === 0) {
      errors.push(`${at}: runAsUser must be a non-zero number`);
    }
    if (sc.readOnlyRootFilesystem !== true) errors.push(`${at}: readOnlyRootFilesystem must be true`);
    if (sc.allowPrivilegeEscalation !== false) errors.push(`${at}: allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) errors.push(`${at}: capabilities.drop must include ALL`);
    if (eff('seccompProfile')?.type !== 'RuntimeDefault') errors.push(`${at}: seccompProfile must be RuntimeDefault`);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      if (!isPlainObject(c[probe]?.grpc)) errors.push(`${at}: ${probe} must be a native grpc probe`);
    }
    if (c.livenessProbe?.grpc && (c.livenessProbe.grpc.service ?? '') !== '') {
      errors.push(`${at}: livenessProbe must check service "" (the process)`);
    }
    if (c.readinessProbe?.grpc && !c.readinessProbe.grpc.service) {
      errors.push(`${at}: readinessProbe must check the full service name`);
    }
    errors.push(...singleWriterErrors(obj, c, at));
    const args = Array.isArray(c.args) ? c.args : [];
    const graceArg = args.find((a) => typeof a === 'string' && a.startsWith('--shutdown_grace='));
    const grace = graceArg ? durationSeconds(graceArg.split('=')[1]) : null;
    if (grace === null) {
      errors.push(`${at}: args must set --shutdown_grace=<duration>`);
      continue;
    }
    const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const termination = pod.terminationGracePeriodSeconds ?? 30;
    if (!(termination > grace + preStop)) {
      errors.push(`${at}: terminationGracePeriodSeconds ${termination} must exceed ` +
        `preStop sleep ${preStop}s + --shutdown_grace ${grace}s`);
    }
  }
  return errors.map((e) => `policy: ${e}`);
}

// ---------------------------------------------------------------------------

async function checkObject(obj) {
  if (!isPlainObject(obj)) return [`document is ${typeName(obj)}, not an object`];
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    return ['missing apiVersion or kind'];
  }
  return [
    ...kubernetesModelsErrors(obj),
    ...(await strictErrors(obj)),
    ...policyErrors(obj),
  ];
}

function describe(obj) {
  if (!isPlainObject(obj)) return '<not an object>';
  const md = isPlainObject(obj.metadata) ? obj.metadata : {};
  const ns = typeof md.namespace === 'string' ? `${md.namespace}/` : '';
  return `${obj.apiVersion} ${obj.kind} ${ns}${md.name ?? '<unnamed>'}`;
}

function parseArgs(argv) {
  const sets = [];
  for (const arg of argv) {
    const m = /^(valid|invalid):([^=]+)=(.+)$/.exec(arg);
    if (!m) {
      throw new Error(`bad argument "${arg}": want valid:LABEL=FILE or invalid:LABEL=FILE`);
    }
    sets.push({ expect: m[1], label: m[2], file: m[3] });
  }
  if (sets.length === 0) throw new Error('no manifest sets given');
  return sets;
}

async function main() {
  let sets;
  try {
    sets = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`validate.mjs: ${err.message}`);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const set of sets) {
    let docs;
    try {
      docs = YAML.parseAllDocuments(readFileSync(set.file, 'utf8'));
    } catch (err) {
      console.error(`validate.mjs: ${set.label}: cannot read ${set.file}: ${err.message}`);
      return 2;
    }
    const objects = [];
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        console.log(`FAIL ${set.label}: YAML error: ${doc.errors[0].message}`);
        failed++;
        continue;
      }
      const obj = doc.toJS();
      if (obj !== null && obj !== undefined) objects.push(obj);
    }
    if (objects.length === 0) {
      console.log(`FAIL ${set.label}: no objects in ${set.file}`);
      failed++;
      continue;
    }
    for (const obj of objects) {
      const errors = await checkObject(obj);
      const what = `${set.label}: ${describe(obj)}`;
      if (set.expect === 'valid') {
        if (errors.length === 0) {
          console.log(`ok   ${what}`);
          passed++;
        } else {
          console.log(`FAIL ${what}: ${errors.join('; ')}`);
          failed++;
        }
        continue;
      }
      const wanted = obj?.metadata?.annotations?.[EXPECT_ANNOTATION];
      if (errors.length === 0) {
        console.log(`FAIL ${what}: accepted, but this fixture must be rejected`);
        failed++;
      } else if (wanted && !errors.some((e) => e.includes(wanted))) {
        console.log(`FAIL ${what}: rejected, but not for "${wanted}": ${errors.join('; ')}`);
        failed++;
      } else {
        console.log(`ok   ${what}: rejected as expected: ${errors.join('; ')}`);
        passed++;
      }
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
