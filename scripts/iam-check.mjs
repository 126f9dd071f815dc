#!/usr/bin/env node
// The IAM check: every AWS request the functions made while the tests ran (and every URL their
// roles presigned), evaluated against that function's role in the transformed template with a
// kept IAM policy simulator (@cloud-copilot/iam-simulate, tests/iam).
//
// The record is JSON lines written by the local runtime (callout_app::access):
//   {"kind":"world","world":P,"account":A,"roles":{function:{"arn":ARN,"policies":[documents]}},
//    "resourcePolicies":[{"resources":[queue or bucket ARN],"policy":document}]}
//   {"kind":"request","world":P,"function":F,"action":"dynamodb:GetItem","resource":ARN,"how":...}
// Each local world has its own resource prefix; requests and policies are compared with that
// prefix replaced by a placeholder, so each distinct request is evaluated once.
//
//   node scripts/iam-check.mjs RECORD             every request must be allowed; prints the
//                                                 actions each role grants that nothing used
//   node scripts/iam-check.mjs RECORD --removals  also: removing any one used action from any
//                                                 role must make the check fail (and three named
//                                                 removals, one a presign, are shown)
//   node scripts/iam-check.mjs RECORD --without F=ACTION   the check with ACTION taken out of F's
//                                                 role (exits 1 when that denies a request)
//
// Then what AWS does FOR the stack (scripts/iam-on-behalf.mjs), derived from the transformed
// template: event source mappings, invoke destinations, schedules and the role they are passed,
// API Gateway's and EventBridge's invocations, logs and X-Ray. Each must be allowed, each
// condition's probe denied.
//   node scripts/iam-check.mjs [RECORD] --mutations   also: dropping any grant of those (the
//                                                 statement or the action) or moving any
//                                                 condition onto another statement of the same
//                                                 role must make that check fail (figures shown)
//   node scripts/iam-check.mjs --on-behalf [--mutations]   that part alone, without a record
//   --template PATH                               another transformed template (default
//                                                 .local/template.transformed.json)
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { derive, evaluator, mutations } from './iam-on-behalf.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'tests/iam/package.json'))
const { runSimulation } = require('@cloud-copilot/iam-simulate')

const args = process.argv.slice(2)
const valueOf = (flag) => args.find((a, i) => args[i - 1] === flag)
const templatePath = valueOf('--template') ?? join(root, '.local/template.transformed.json')
const recordPath = args.find((a, i) => !a.startsWith('--') && !a.includes('=') && !['--template', '--without'].includes(args[i - 1]))
if (!recordPath && !args.includes('--on-behalf')) {
  console.error('usage: iam-check.mjs RECORD [--removals] [--mutations] [--without FUNCTION=ACTION] [--template PATH] | --on-behalf [--mutations]')
  process.exit(2)
}

// ---------------------------------------------------------------- what AWS does for the stack
async function onBehalf() {
  const started = Date.now()
  const model = derive(templatePath)
  const ob = await evaluator(runSimulation, model)
  const byKind = {}
  for (const r of model.requests) byKind[r.action] = (byKind[r.action] ?? 0) + 1
  console.log(
    `iam: on the stack's behalf: ${model.requests.length} requests derived from ${templatePath.replace(`${root}/`, '')} ` +
      `(${Object.entries(byKind).map(([a, n]) => `${n} ${a}`).join(', ')}), ${ob.probes.length} condition probes; ` +
      `schedules created by ${model.schedulers.join(', ') || 'no function'}`
  )
  let ok = true
  const failures = await ob.check(model.docs)
  if (failures.length) {
    ok = false
    console.log(`iam: ${failures.length} of what AWS does for the stack would fail:`)
    for (const { req, result } of failures) {
      const who = req.role ?? req.principal
      const what = req.expect === 'Allowed' ? `DENIED (${result.why ?? result.resultType})` : 'ALLOWED, but its condition should deny it'
      console.log(`  ${what} ${who}: ${req.action} on ${req.resource} [${req.why}]`)
    }
  } else {
    console.log(`iam: all ${model.requests.length} allowed, and all ${ob.probes.length} probes with another service or source denied`)
  }
  if (args.includes('--mutations')) {
    const all = mutations(model, ob.grants)
    const survived = { grant: [], condition: [] }
    const counts = { grant: 0, condition: 0 }
    for (const m of all) {
      counts[m.kind]++
      const docs = new Map(model.docs)
      const changed = new Set(m.apply(docs))
      const f = await ob.check(docs, changed)
      if (f.length === 0) survived[m.kind].push(m.label)
    }
    const statements = [...ob.grants.keys()].length
    console.log(
      `iam: mutations of the on-behalf grants: ${counts.grant} grants dropped (${statements} statements and each used action of a multi-action statement), ` +
        `${counts.grant - survived.grant.length} proven necessary; ${counts.condition} conditions moved onto another statement of the same role, ` +
        `${counts.condition - survived.condition.length} proven necessary (${((Date.now() - started) / 1000).toFixed(1)} s)`
    )
    for (const kind of ['grant', 'condition']) {
      if (survived[kind].length) {
        ok = false
        console.log(`iam: these ${kind} mutations did not fail the check:`)
        for (const l of survived[kind]) console.log(`  ${l}`)
      }
    }
  }
  const usedByRole = new Map()
  for (const r of model.requests) {
    if (!r.role) continue
    if (!usedByRole.has(r.role)) usedByRole.set(r.role, new Set())
    usedByRole.get(r.role).add(r.action)
  }
  return { ok, usedByRole }
}
const { ok: onBehalfOk, usedByRole } = await onBehalf()
if (!recordPath) {
  console.log(onBehalfOk ? 'iam: passed' : 'iam: FAILED')
  process.exit(onBehalfOk ? 0 : 1)
}
const without = args
  .filter((a, i) => args[i - 1] === '--without')
  .map((a) => a.split('='))

const WORLD = '{world}'
const canon = (text, world) => text.split(world).join(WORLD)

// ---------------------------------------------------------------- the record
const worlds = new Map()
const requests = new Map() // key -> request (canonical)
const unattributed = []
for (const line of readFileSync(recordPath, 'utf8').split('\n')) {
  if (!line.trim()) continue
  const r = JSON.parse(line)
  if (r.kind === 'world') {
    worlds.set(r.world, r)
  } else if (r.kind === 'request') {
    if (r.function === 'unknown') {
      unattributed.push(r)
      continue
    }
    const c = {
      world: r.world,
      function: r.function,
      action: r.action,
      resource: canon(r.resource, r.world),
      how: r.how
    }
    requests.set(`${c.function} ${c.action} ${c.resource} ${c.how}`, c)
  }
}
if (worlds.size === 0) {
  console.error(`iam: ${recordPath} describes no local world (was IAM_RECORD set for the tests?)`)
  process.exit(1)
}
// One canonical role set; every world was built from the same template.
const [firstWorld] = worlds.values()
const account = firstWorld.account
const described = (w) => canon(JSON.stringify([w.roles, w.resourcePolicies]), w.world)
const [rolesWithArns, resourcePolicies] = JSON.parse(described(firstWorld))
const roles = Object.fromEntries(Object.entries(rolesWithArns).map(([fn, r]) => [fn, r.policies]))
for (const w of worlds.values()) {
  if (described(w) !== described(firstWorld)) {
    console.error(`iam: world ${w.world} was built from another template than ${firstWorld.world}`)
    process.exit(1)
  }
}

// ---------------------------------------------------------------- evaluation
function statements(doc) {
  const s = doc.Statement
  return Array.isArray(s) ? s : [s]
}
const list = (x) => (x === undefined ? [] : Array.isArray(x) ? x : [x])

/** The role `fn` with `action` taken out of every statement that grants it. */
function withoutAction(docs, action) {
  return docs.map((doc) => ({
    ...doc,
    Statement: statements(doc)
      .map((s) =>
        s.Effect === 'Allow' ? { ...s, Action: list(s.Action).filter((a) => a !== action) } : s
      )
      .filter((s) => s.Effect !== 'Allow' || s.Action.length > 0)
  }))
}

function rolesWithout(removals) {
  const r = structuredClone(roles)
  for (const [fn, action] of removals) {
    if (!r[fn]) throw new Error(`no role for ${fn}`)
    r[fn] = withoutAction(r[fn], action)
  }
  return r
}

async function evaluate(rolesNow, only) {
  const denied = []
  let evaluated = 0
  for (const req of requests.values()) {
    if (only && req.function !== only) continue
    const docs = rolesNow[req.function]
    if (!docs) {
      denied.push({ ...req, why: 'no role for this function in the template' })
      continue
    }
    evaluated++
    // The queue's or bucket's own policy, if it has one (same account: either may allow, any
    // explicit deny wins). Requests from AWS's SDK go over TLS.
    const governing = resourcePolicies.find((p) =>
      p.resources.some((arn) => req.resource === arn || req.resource.startsWith(`${arn}/`))
    )
    const result = await runSimulation(
      {
        identityPolicies: docs.map((policy, i) => ({ name: `${req.function}-${i}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(governing ? { resourcePolicy: governing.policy } : {}),
        request: {
          principal: rolesWithArns[req.function].arn,
          action: req.action,
          resource: { resource: req.resource, accountId: account },
          contextVariables: { 'aws:SecureTransport': 'true' }
        }
      },
      {}
    )
    if (result.resultType === 'error') {
      denied.push({ ...req, why: `the simulator refused the request: ${JSON.stringify(result.errors)}` })
    } else if (result.overallResult !== 'Allowed') {
      denied.push({ ...req, why: result.overallResult })
    }
  }
  return { denied, evaluated }
}

function report(denied) {
  for (const d of denied) {
    console.log(`  DENIED ${d.function}: ${d.action} on ${d.resource} (${d.how}): ${d.why}`)
  }
}

// ---------------------------------------------------------------- the check
const functions = [...new Set([...requests.values()].map((r) => r.function))].sort()
console.log(
  `iam: ${requests.size} distinct requests by ${functions.length} roles (${functions.join(', ')}) across ${worlds.size} local worlds`
)
let failed = !onBehalfOk
if (unattributed.length) {
  // The tests' own set-up (a shift written straight into the table) runs outside any function.
  const distinct = new Set(unattributed.map((r) => r.action))
  console.log(`iam: ${unattributed.length} requests made outside any function (test set-up, not checked): ${[...distinct].join(', ')}`)
}
const base = await evaluate(rolesWithout(without))
if (base.denied.length) {
  failed = true
  console.log(`iam: ${base.denied.length} requests the roles would deny:`)
  report(base.denied)
} else {
  console.log(`iam: all ${base.evaluated} allowed by their function's role`)
}

// Least privilege: what a role grants that nothing used.
const used = new Map()
for (const r of requests.values()) {
  if (!used.has(r.function)) used.set(r.function, new Set())
  used.get(r.function).add(r.action)
}
console.log('iam: granted but not used in the tests nor by AWS for the stack (least privilege):')
for (const [fn, docs] of Object.entries(roles)) {
  const granted = new Set(
    docs.flatMap((d) => statements(d).filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)))
  )
  // The world's role ARN ends with the role's logical id (local-runtime's provisioning).
  const roleId = [...usedByRole.keys()].find((id) => rolesWithArns[fn].arn.endsWith(`-${id.toLowerCase()}`))
  const forTheStack = usedByRole.get(roleId) ?? new Set()
  const unused = [...granted].filter((a) => !used.get(fn)?.has(a) && !forTheStack.has(a)).sort()
  console.log(`  ${fn}: ${unused.length ? unused.join(', ') : '(none)'}`)
}

if (args.includes('--removals')) {
  // Every used action, removed alone from its role, must make the check fail.
  // (Unless the queue's or bucket's own policy grants it too: then the role's grant is
  // redundant, which is reported, not failed.)
  let pairs = 0
  const missed = []
  const redundant = []
  for (const [fn, actions] of used) {
    for (const action of actions) {
      pairs++
      const { denied } = await evaluate(rolesWithout([[fn, action]]), fn)
      if (denied.some((d) => d.action === action)) continue
      const bare = structuredClone(roles)
      bare[fn] = []
      const { denied: withoutRole } = await evaluate(bare, fn)
      if (withoutRole.some((d) => d.action === action)) missed.push(`${fn}=${action}`)
      else redundant.push(`${fn}=${action}`)
    }
  }
  if (missed.length) {
    failed = true
    console.log(`iam: removing these did not fail the check: ${missed.join(', ')}`)
  } else {
    console.log(
      `iam: each of the ${pairs - redundant.length} used (role, action) pairs that only the role grants, removed alone, fails the check`
    )
  }
  if (redundant.length) {
    console.log(`iam: granted by the role and by the resource's own policy too (one is redundant): ${redundant.join(', ')}`)
  }
  // Three shown in full, one of them a presigned URL.
  for (const [fn, action] of [
    ['call-twiml', 's3:GetObject'],
    ['dialer', 'sqs:SendMessage'],
    ['job-acceptance', 'scheduler:DeleteSchedule']
  ]) {
    const { denied } = await evaluate(rolesWithout([[fn, action]]), fn)
    const hit = denied.filter((d) => d.action === action)
    console.log(`iam: without ${action} in ${fn}'s role: ${hit.length} requests denied`)
    report(hit.slice(0, 2))
    if (hit.length === 0) failed = true
  }
}
if (failed) {
  console.log('iam: FAILED')
  process.exit(1)
}
console.log('iam: passed')
