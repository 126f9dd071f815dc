// What AWS does FOR the stack, derived from the transformed template (.local/template.transformed.json)
// and evaluated with the IAM simulator the function check uses (scripts/iam-check.mjs):
//   - each event source mapping's receive, delete and attribute reads on its queue, as the
//     mapped function's role (with the queue's own policy);
//   - each EventInvokeConfig destination's send, as the function's role;
//   - each schedule's target send and dead-letter send, as the schedule's role: the schedules
//     the code creates (shared/app/src/adapters/schedule.rs: target DIAL_QUEUE_ARN, role
//     SCHEDULER_ROLE_ARN, dead letters SCHEDULE_DEAD_LETTER_QUEUE_ARN, from the creating
//     function's environment) and the template's own AWS::Scheduler::Schedule resources;
//     and the iam:PassRole each CreateSchedule implies (iam:PassedToService = scheduler);
//   - API Gateway's and EventBridge's invocations of the functions (every route and every rule
//     target, with the aws:SourceArn AWS sends) against each function's resource policy, which
//     is made of its AWS::Lambda::Permission resources as Lambda's AddPermission makes it; and
//     a rule's dead-letter send against that queue's policy;
//   - CloudWatch Logs (a stream in the function's log group) and X-Ray (Tracing: Active).
// For every condition a granting statement holds, a probe with another value of that key
// (another service, another source) must be denied: a condition that restricts nothing fails.
//
// The template's intrinsic functions are resolved as CloudFormation would for one deployer's
// view (stack "shift-callout", one account and region, the parameters' defaults); the
// resolver covers what a SAM-transformed template uses (Ref, Fn::GetAtt, Fn::Sub, Fn::If,
// Fn::Join, Fn::Select and the condition functions) and refuses anything else.

import { readFileSync } from 'node:fs'

export const ACCOUNT = '123456789012'
const REGION = 'ap-southeast-2'
const STACK = 'shift-callout'
const NO_VALUE = Symbol('AWS::NoValue')
const TLS = { 'aws:SecureTransport': 'true' }

// AWS managed policies a role may name, with their documents (the versions in force).
const AWS_MANAGED = {
  AWSXRayDaemonWriteAccess: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'xray:PutTraceSegments',
          'xray:PutTelemetryRecords',
          'xray:GetSamplingRules',
          'xray:GetSamplingTargets',
          'xray:GetSamplingStatisticSummaries'
        ],
        Resource: ['*']
      }
    ]
  }
}

// Values for the parameters that have no default (any valid value does).
const SAMPLE_PARAMETERS = {
  TwilioAccountSid: `AC${'0'.repeat(32)}`,
  TwilioFromNumber: '+61400000000',
  JwtIssuer: 'https://issuer.example.com',
  JwtAudience: 'portal'
}

const list = (x) => (x === undefined ? [] : Array.isArray(x) ? x : [x])
const statementsOf = (doc) => list(doc.Statement)

// ---------------------------------------------------------------- the deployer's view
class Stack {
  constructor(template) {
    this.t = template
    this.params = {}
    for (const [name, p] of Object.entries(template.Parameters ?? {})) {
      const v = p.Default ?? SAMPLE_PARAMETERS[name]
      if (v === undefined) throw new Error(`parameter ${name} has no default and no sample value`)
      this.params[name] = p.Type === 'CommaDelimitedList' ? String(v).split(',') : String(v)
    }
    this.conditions = {}
    this.apiIds = {}
  }

  condition(name) {
    if (!(name in this.conditions)) {
      const c = this.t.Conditions?.[name]
      if (c === undefined) throw new Error(`no condition ${name}`)
      this.conditions[name] = this.truth(c)
    }
    return this.conditions[name]
  }

  truth(c) {
    if (c.Condition) return this.condition(c.Condition)
    if (c['Fn::Equals']) {
      const [a, b] = c['Fn::Equals'].map((v) => JSON.stringify(this.resolve(v)))
      return a === b
    }
    if (c['Fn::Not']) return !this.truth(c['Fn::Not'][0])
    if (c['Fn::And']) return c['Fn::And'].every((x) => this.truth(x))
    if (c['Fn::Or']) return c['Fn::Or'].some((x) => this.truth(x))
    throw new Error(`unsupported condition ${JSON.stringify(c)}`)
  }

  exists(id) {
    const r = this.t.Resources[id]
    return r && (!r.Condition || this.condition(r.Condition))
  }

  /** The name CloudFormation would give a resource: its name property, else stack-id. */
  physicalName(id) {
    const r = this.t.Resources[id]
    const p = r.Properties ?? {}
    const named = {
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::Events::EventBus': 'Name',
      'AWS::Scheduler::ScheduleGroup': 'Name',
      'AWS::Events::Rule': 'Name',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::IAM::Role': 'RoleName'
    }[r.Type]
    if (named && p[named] !== undefined) return this.resolve(p[named])
    return `${STACK}-${id}`
  }

  ref(name) {
    const pseudo = {
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::StackName': STACK,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::NoValue': NO_VALUE
    }
    if (name in pseudo) return pseudo[name]
    if (name in this.params) return this.params[name]
    const r = this.t.Resources[name]
    if (!r) throw new Error(`Ref to unknown ${name}`)
    const n = this.physicalName(name)
    switch (r.Type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${n}`
      case 'AWS::IAM::ManagedPolicy':
        return `arn:aws:iam::${ACCOUNT}:policy/${n}`
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${REGION}:${ACCOUNT}:${n}`
      case 'AWS::ApiGatewayV2::Api':
        return (this.apiIds[name] ??= `api${Object.keys(this.apiIds).length}x7k2q`)
      default:
        return n
    }
  }

  getAtt(id, attr) {
    const r = this.t.Resources[id]
    if (!r) throw new Error(`Fn::GetAtt on unknown ${id}`)
    const n = this.physicalName(id)
    const arns = {
      'AWS::SQS::Queue': `arn:aws:sqs:${REGION}:${ACCOUNT}:${n}`,
      'AWS::Lambda::Function': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${n}`,
      'AWS::IAM::Role': `arn:aws:iam::${ACCOUNT}:role/${n}`,
      'AWS::Logs::LogGroup': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${n}:*`,
      'AWS::DynamoDB::Table': `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${n}`,
      'AWS::S3::Bucket': `arn:aws:s3:::${n}`,
      'AWS::SNS::Topic': `arn:aws:sns:${REGION}:${ACCOUNT}:${n}`,
      'AWS::Events::EventBus': `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${n}`,
      'AWS::Scheduler::ScheduleGroup': `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/${n}`
    }
    if (attr === 'Arn' && r.Type === 'AWS::Events::Rule') {
      const bus = r.Properties?.EventBusName ? this.resolve(r.Properties.EventBusName) : 'default'
      return `arn:aws:events:${REGION}:${ACCOUNT}:rule/${bus === 'default' ? '' : `${bus}/`}${n}`
    }
    if (attr === 'Arn' && arns[r.Type]) return arns[r.Type]
    if (attr === 'QueueName' && r.Type === 'AWS::SQS::Queue') return n
    if (attr === 'Name') return n
    throw new Error(`Fn::GetAtt ${id}.${attr} (${r.Type}) is not modelled`)
  }

  sub(text, vars = {}) {
    return text.replace(/\$\{([^}]+)\}/g, (whole, name) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`
      if (name in vars) return vars[name]
      if (name.includes('.')) {
        const [id, ...attr] = name.split('.')
        return this.getAtt(id, attr.join('.'))
      }
      return this.ref(name)
    })
  }

  resolve(v) {
    if (Array.isArray(v)) return v.map((x) => this.resolve(x)).filter((x) => x !== NO_VALUE)
    if (v === null || typeof v !== 'object') return v
    const keys = Object.keys(v)
    if (keys.length === 1) {
      const [k] = keys
      const a = v[k]
      switch (k) {
        case 'Ref':
          return this.ref(a)
        case 'Fn::GetAtt':
          return this.getAtt(...(typeof a === 'string' ? a.split('.') : a))
        case 'Fn::Sub':
          if (typeof a === 'string') return this.sub(a)
          return this.sub(
            a[0],
            Object.fromEntries(Object.entries(a[1]).map(([n, x]) => [n, this.resolve(x)]))
          )
        case 'Fn::If':
          return this.resolve(this.condition(a[0]) ? a[1] : a[2])
        case 'Fn::Join':
          return this.resolve(a[1]).join(a[0])
        case 'Fn::Select':
          return this.resolve(a[1])[Number(this.resolve(a[0]))]
        default:
          if (k.startsWith('Fn::')) throw new Error(`${k} is not modelled`)
      }
    }
    const out = {}
    for (const [k, x] of Object.entries(v)) {
      const r = this.resolve(x)
      if (r !== NO_VALUE) out[k] = r
    }
    return out
  }

  /** The resources that exist for these parameters, with resolved properties. */
  resources(type) {
    return Object.entries(this.t.Resources)
      .filter(([id, r]) => r.Type === type && this.exists(id))
      .map(([id, r]) => [id, this.resolve(r.Properties ?? {})])
  }
}

// ---------------------------------------------------------------- the model
/**
 * docs: Map id -> policy document (every policy document that governs a derived request);
 * roles: role ARN -> { id, docs: [doc ids] }; resourcePolicy: resource ARN -> doc id;
 * requests: what AWS does for the stack, each { why, principal, role (logical id or null),
 * action, resource, context, expect: 'Allowed' | 'Denied' }.
 */
export function derive(templatePath) {
  const t = JSON.parse(readFileSync(templatePath, 'utf8'))
  const s = new Stack(t)
  const docs = new Map()
  const roles = new Map() // ARN -> { id, docs }
  const resourcePolicy = new Map() // resource ARN -> doc id

  // Roles: inline policies, the template's managed policies, AWS managed policies.
  for (const [id, p] of s.resources('AWS::IAM::Role')) {
    const ids = []
    for (const inline of p.Policies ?? []) {
      const docId = `${id}/${inline.PolicyName}`
      docs.set(docId, inline.PolicyDocument)
      ids.push(docId)
    }
    for (const arn of p.ManagedPolicyArns ?? []) {
      const awsManaged = arn.match(/^arn:aws:iam::aws:policy\/(?:service-role\/)?(.+)$/)
      let docId
      if (awsManaged) {
        if (!AWS_MANAGED[awsManaged[1]])
          throw new Error(`${id}: AWS managed policy ${awsManaged[1]} is not modelled`)
        docId = `aws:${awsManaged[1]}`
        docs.set(docId, AWS_MANAGED[awsManaged[1]])
      } else {
        const [mid, mp] = s.resources('AWS::IAM::ManagedPolicy').find(([mid]) => s.ref(mid) === arn) ?? []
        if (!mid) throw new Error(`${id}: managed policy ${arn} is not in the template`)
        docId = mid
        docs.set(docId, mp.PolicyDocument)
      }
      ids.push(docId)
    }
    roles.set(s.getAtt(id, 'Arn'), { id, docs: ids })
  }
  // Queue policies.
  for (const [id, p] of s.resources('AWS::SQS::QueuePolicy')) {
    docs.set(id, p.PolicyDocument)
    for (const url of p.Queues) {
      const name = url.split('/').pop()
      resourcePolicy.set(`arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`, id)
    }
  }
  // Functions, and their resource policies from their AWS::Lambda::Permission resources.
  const functions = new Map() // logical id -> { arn, name, role, env, props }
  for (const [id, p] of s.resources('AWS::Lambda::Function')) {
    functions.set(id, {
      id,
      arn: s.getAtt(id, 'Arn'),
      name: s.ref(id),
      role: p.Role,
      env: p.Environment?.Variables ?? {},
      props: p
    })
  }
  const functionByRef = (ref) =>
    [...functions.values()].find(
      (f) => f.name === ref || f.arn === ref || f.arn === ref.replace(/:\$LATEST$/, '')
    )
  for (const [id, p] of s.resources('AWS::Lambda::Permission')) {
    const f = functionByRef(p.FunctionName)
    if (!f) throw new Error(`${id}: names no function of the template`)
    const docId = `${f.id} resource policy`
    if (!docs.has(docId)) docs.set(docId, { Version: '2012-10-17', Statement: [] })
    const condition = {}
    if (p.SourceArn) condition.ArnLike = { 'aws:SourceArn': p.SourceArn }
    if (p.SourceAccount) condition.StringEquals = { 'aws:SourceAccount': p.SourceAccount }
    const principal = /^\d{12}$|^arn:/.test(p.Principal) ? { AWS: p.Principal } : { Service: p.Principal }
    docs.get(docId).Statement.push({
      Sid: id,
      Effect: 'Allow',
      Principal: principal,
      Action: p.Action,
      Resource: f.arn,
      ...(Object.keys(condition).length ? { Condition: condition } : {})
    })
    resourcePolicy.set(f.arn, docId)
  }

  const requests = []
  const asRole = (roleArn, why, action, resource, context = {}) => {
    const role = roles.get(roleArn)
    requests.push({
      why,
      principal: roleArn,
      role: role?.id ?? null,
      action,
      resource,
      context: { ...TLS, ...context },
      expect: 'Allowed'
    })
  }
  const asService = (service, why, action, resource, context) => {
    requests.push({
      why,
      principal: service,
      role: null,
      action,
      resource,
      context: { ...TLS, 'aws:SourceAccount': ACCOUNT, ...context },
      expect: 'Allowed'
    })
  }
  const sendAction = (arn, why) => {
    const service = arn.split(':')[2]
    const action = {
      sqs: 'sqs:SendMessage',
      sns: 'sns:Publish',
      lambda: 'lambda:InvokeFunction',
      events: 'events:PutEvents'
    }[service]
    if (!action) throw new Error(`${why}: no send modelled for ${arn}`)
    return action
  }

  // Event source mappings: Lambda polls the queue with the function's role.
  for (const [id, p] of s.resources('AWS::Lambda::EventSourceMapping')) {
    const f = functionByRef(p.FunctionName)
    if (!p.EventSourceArn.startsWith('arn:aws:sqs:')) throw new Error(`${id}: only SQS sources are modelled`)
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) {
      asRole(f.role, `event source mapping ${id} of ${f.id}`, action, p.EventSourceArn)
    }
  }
  // Asynchronous invocation destinations: Lambda sends with the function's role.
  for (const [id, p] of s.resources('AWS::Lambda::EventInvokeConfig')) {
    const f = functionByRef(p.FunctionName)
    for (const kind of ['OnFailure', 'OnSuccess']) {
      const arn = p.DestinationConfig?.[kind]?.Destination
      if (arn) asRole(f.role, `${kind} destination of ${f.id} (${id})`, sendAction(arn, id), arn)
    }
  }
  // Schedules the code creates: every function whose role may create schedules.
  const schedulers = []
  for (const f of functions.values()) {
    const role = roles.get(f.role)
    const creates = role.docs.some((d) =>
      statementsOf(docs.get(d)).some(
        (st) =>
          st.Effect === 'Allow' &&
          list(st.Action).some((a) => a === 'scheduler:CreateSchedule' || a === 'scheduler:*')
      )
    )
    if (!creates) continue
    const target = f.env.DIAL_QUEUE_ARN
    const roleArn = f.env.SCHEDULER_ROLE_ARN
    const dlq = f.env.SCHEDULE_DEAD_LETTER_QUEUE_ARN
    const missing = ['DIAL_QUEUE_ARN', 'SCHEDULER_ROLE_ARN', 'SCHEDULE_DEAD_LETTER_QUEUE_ARN'].filter(
      (v) => !f.env[v]
    )
    if (missing.length) {
      requests.push({
        why: `schedules ${f.id} creates`,
        principal: f.role,
        role: role.id,
        action: 'scheduler:CreateSchedule',
        resource: '*',
        context: {},
        expect: 'Allowed',
        broken: `${f.id}'s environment lacks ${missing.join(', ')}`
      })
      continue
    }
    schedulers.push(f.id)
    const schedule = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${f.env.SCHEDULE_GROUP ?? 'default'}/shift-x1`
    asRole(f.role, `CreateSchedule by ${f.id} passes the schedule's role`, 'iam:PassRole', roleArn, {
      'iam:PassedToService': 'scheduler.amazonaws.com',
      'iam:AssociatedResourceArn': schedule
    })
    asRole(roleArn, `target of the schedules ${f.id} creates`, sendAction(target, f.id), target)
    asRole(roleArn, `dead-letter queue of the schedules ${f.id} creates`, sendAction(dlq, f.id), dlq)
  }
  // The template's own schedules (CloudFormation passes their role, not a function).
  for (const [id, p] of s.resources('AWS::Scheduler::Schedule')) {
    asRole(p.Target.RoleArn, `target of schedule ${id}`, sendAction(p.Target.Arn, id), p.Target.Arn)
    if (p.Target.DeadLetterConfig?.Arn) {
      asRole(
        p.Target.RoleArn,
        `dead-letter queue of schedule ${id}`,
        'sqs:SendMessage',
        p.Target.DeadLetterConfig.Arn
      )
    } else {
      requests.push({
        why: `schedule ${id}`,
        principal: p.Target.RoleArn,
        role: null,
        action: 'sqs:SendMessage',
        resource: '(none)',
        context: {},
        expect: 'Allowed',
        broken: `schedule ${id} has no dead-letter queue`
      })
    }
  }
  // API Gateway invokes each route's function with the route's execute-api ARN as source.
  for (const [apiId, p] of s.resources('AWS::ApiGatewayV2::Api')) {
    const api = s.ref(apiId)
    const stages = s
      .resources('AWS::ApiGatewayV2::Stage')
      .filter(([, st]) => st.ApiId === api)
      .map(([, st]) => st.StageName)
    for (const [path, methods] of Object.entries(p.Body?.paths ?? {})) {
      for (const [method, op] of Object.entries(methods)) {
        const uri = op['x-amazon-apigateway-integration']?.uri
        if (!uri) continue
        const arn = uri.match(/functions\/(arn:aws:lambda:[^/]+)\/invocations/)?.[1]
        const f = arn && functionByRef(arn)
        if (!f)
          throw new Error(
            `${method.toUpperCase()} ${path}: integration ${uri} names no function of the template`
          )
        const verb = method === 'x-amazon-apigateway-any-method' ? 'ANY' : method.toUpperCase()
        const concrete = path.replace(/\{[^}]+\}/g, 'x1').replace(/^\//, '')
        for (const stage of stages.length ? stages : ['$default']) {
          asService(
            'apigateway.amazonaws.com',
            `route ${verb} ${path} of ${apiId} -> ${f.id}`,
            'lambda:InvokeFunction',
            f.arn,
            {
              'aws:SourceArn': `arn:aws:execute-api:${REGION}:${ACCOUNT}:${api}/${stage}/${verb}/${concrete}`
            }
          )
        }
      }
    }
  }
  // EventBridge invokes each rule's function targets, and sends what it cannot deliver to the
  // target's dead-letter queue, with the rule's ARN as source.
  for (const [id, p] of s.resources('AWS::Events::Rule')) {
    const ruleArn = s.getAtt(id, 'Arn')
    for (const target of p.Targets ?? []) {
      if (target.RoleArn) {
        asRole(target.RoleArn, `rule ${id} target ${target.Id}`, sendAction(target.Arn, id), target.Arn)
      } else if (target.Arn.startsWith('arn:aws:lambda:')) {
        asService(
          'events.amazonaws.com',
          `rule ${id} -> ${functionByRef(target.Arn)?.id ?? target.Arn}`,
          'lambda:InvokeFunction',
          target.Arn,
          { 'aws:SourceArn': ruleArn }
        )
      }
      if (target.DeadLetterConfig?.Arn) {
        asService(
          'events.amazonaws.com',
          `dead-letter queue of rule ${id}`,
          'sqs:SendMessage',
          target.DeadLetterConfig.Arn,
          { 'aws:SourceArn': ruleArn }
        )
      }
    }
  }
  // Logs and X-Ray, with each function's role.
  for (const f of functions.values()) {
    const group = f.props.LoggingConfig?.LogGroup ?? `/aws/lambda/${f.name}`
    const stream = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${group}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      asRole(f.role, `${f.id}'s log group ${group}`, action, stream)
    }
    if (f.props.TracingConfig?.Mode === 'Active') {
      for (const action of ['xray:PutTraceSegments', 'xray:PutTelemetryRecords']) {
        asRole(f.role, `${f.id}'s traces (Tracing: Active)`, action, '*')
      }
    }
  }
  return { docs, roles, resourcePolicy, requests, schedulers, functions: [...functions.keys()] }
}

/** Another value of a context key: a different service or source. */
function foreign(key, value) {
  if (key === 'iam:PassedToService') return 'lambda.amazonaws.com'
  if (key === 'aws:SourceArn') return value.replace(/^(arn:aws:[^:]+:[^:]*:[^:]*:).*$/, '$1other-source')
  if (key === 'aws:SourceAccount') return '210987654321'
  return null
}

const conditionKeys = (st) => Object.values(st.Condition ?? {}).flatMap((block) => Object.keys(block))

// ---------------------------------------------------------------- evaluation
export async function evaluator(runSimulation, model) {
  const { docs, roles, resourcePolicy } = model
  const one = async (req, docsNow) => {
    if (req.broken) return { resultType: 'broken', why: req.broken }
    const role = roles.get(req.principal)
    if (req.role === null && req.principal.startsWith('arn:') && !role) {
      return { resultType: 'broken', why: `the role ${req.principal} is not in the template` }
    }
    const rp = resourcePolicy.get(req.resource)
    const result = await runSimulation(
      {
        identityPolicies: (role?.docs ?? [])
          .map((id) => ({ name: id, policy: docsNow.get(id) }))
          .filter((p) => statementsOf(p.policy).length),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(rp && statementsOf(docsNow.get(rp)).length ? { resourcePolicy: docsNow.get(rp) } : {}),
        request: {
          principal: req.principal,
          action: req.action,
          resource: { resource: req.resource, accountId: ACCOUNT },
          contextVariables: req.context
        }
      },
      {}
    )
    if (result.resultType === 'error') return { resultType: 'error', why: JSON.stringify(result.errors) }
    return { resultType: result.overallResult }
  }

  // Which statements grant each request (alone, with their conditions), and the probes.
  const grants = new Map() // `${docId}#${index}` -> Set of request indexes
  const probes = []
  for (const [i, req] of model.requests.entries()) {
    if (req.broken) continue
    const role = roles.get(req.principal)
    const rp = resourcePolicy.get(req.resource)
    for (const docId of [...(role?.docs ?? []), ...(rp ? [rp] : [])]) {
      for (const [k, st] of statementsOf(docs.get(docId)).entries()) {
        if (st.Effect !== 'Allow') continue
        const alone = new Map(docs)
        for (const other of [...(role?.docs ?? []), ...(rp ? [rp] : [])]) {
          alone.set(other, { Version: '2012-10-17', Statement: other === docId ? [st] : [] })
        }
        if ((await one(req, alone)).resultType !== 'Allowed') continue
        const key = `${docId}#${k}`
        if (!grants.has(key)) grants.set(key, new Set())
        grants.get(key).add(i)
        for (const ck of conditionKeys(st)) {
          const v = req.context[ck]
          const other = v !== undefined && foreign(ck, v)
          if (other && !probes.some((p) => p.of === i && p.key === ck)) {
            probes.push({
              ...req,
              of: i,
              key: ck,
              context: { ...req.context, [ck]: other },
              expect: 'Denied',
              why: `${req.why}, with ${ck} = ${other}`
            })
          }
        }
      }
    }
  }
  const all = [...model.requests, ...probes]
  const docsOf = (req) => [
    ...(roles.get(req.principal)?.docs ?? []),
    ...(resourcePolicy.has(req.resource) ? [resourcePolicy.get(req.resource)] : [])
  ]

  /** Every request and probe (or only those governed by `changed` docs) against `docsNow`. */
  async function check(docsNow, changed) {
    const failures = []
    for (const req of all) {
      if (changed && !docsOf(req).some((d) => changed.has(d))) continue
      const r = await one(req, docsNow)
      const allowed = r.resultType === 'Allowed'
      if (req.expect === 'Allowed' ? !allowed : allowed) failures.push({ req, result: r })
    }
    return failures
  }
  return { check, grants, probes, all }
}

/** The mutations of the granting statements and of every conditioned statement beside them. */
export function mutations(model, grants) {
  const { docs, roles, resourcePolicy } = model
  const out = []
  const clone = (id) => structuredClone(docs.get(id))
  for (const key of grants.keys()) {
    const [docId, index] = [key.slice(0, key.lastIndexOf('#')), Number(key.slice(key.lastIndexOf('#') + 1))]
    const st = statementsOf(docs.get(docId))[index]
    const label = `${docId} statement ${index + 1} (${list(st.Action).join(', ')} on ${list(st.Resource).join(', ')})`
    out.push({
      kind: 'grant',
      label: `without ${label}`,
      apply(m) {
        const d = clone(docId)
        d.Statement = statementsOf(d).filter((_, i) => i !== index)
        m.set(docId, d)
        return [docId]
      }
    })
    const actions = list(st.Action)
    if (actions.length > 1) {
      for (const action of actions) {
        if (!model.requests.some((r, i) => grants.get(key).has(i) && r.action === action)) continue
        out.push({
          kind: 'grant',
          label: `without ${action} in ${label}`,
          apply(m) {
            const d = clone(docId)
            const s = statementsOf(d)[index]
            s.Action = list(s.Action).filter((a) => a !== action)
            d.Statement = statementsOf(d)
            m.set(docId, d)
            return [docId]
          }
        })
      }
    }
  }
  // Conditions: each conditioned statement's condition moved onto each other statement of the
  // same role (or the same resource policy).
  const groups = new Map()
  for (const req of model.requests) {
    const role = roles.get(req.principal)
    if (role) groups.set(role.id, role.docs)
    const rp = resourcePolicy.get(req.resource)
    if (rp) groups.set(rp, [rp])
  }
  for (const [group, docIds] of groups) {
    const statements = docIds.flatMap((d) => statementsOf(docs.get(d)).map((st, i) => ({ d, i, st })))
    for (const from of statements.filter((x) => x.st.Condition)) {
      for (const to of statements) {
        if (to === from) continue
        out.push({
          kind: 'condition',
          label: `${group}: the condition of ${from.d} statement ${from.i + 1} (${conditionKeys(from.st).join(', ')}) moved onto ${to.d} statement ${to.i + 1} (${list(to.st.Action).join(', ')})`,
          apply(m) {
            const a = m.get(from.d) === docs.get(from.d) ? clone(from.d) : m.get(from.d)
            a.Statement = statementsOf(a)
            const condition = a.Statement[from.i].Condition
            delete a.Statement[from.i].Condition
            m.set(from.d, a)
            const b = m.get(to.d) === docs.get(to.d) ? clone(to.d) : m.get(to.d)
            b.Statement = statementsOf(b)
            const target = b.Statement[to.i]
            target.Condition = structuredClone(target.Condition ?? {})
            for (const [op, block] of Object.entries(condition))
              target.Condition[op] = { ...(target.Condition[op] ?? {}), ...block }
            m.set(to.d, b)
            return [from.d, to.d]
          }
        })
      }
    }
  }
  return out
}
